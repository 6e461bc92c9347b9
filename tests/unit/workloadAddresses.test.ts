import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { FAMILY_BITS, Family, formatAddress } from "../../components/net/cidr";
import { compareAddresses, endpointsSettled, labelSelector, podAddresses, serviceEndpoints } from "../../components/workload/addresses";
import { WorkloadAddressesInputs, WorkloadAddressesProvider } from "../../components/workload/providers/addresses";
import { makeCertificates } from "../../simulator/cluster";

/** A core/v1 Pod as the API lists it, with only the fields that matter here. */
function pod(
    name: string,
    extra: { node?: string; phase?: string; ready?: boolean; podIPs?: string[]; podIP?: string; deleting?: boolean } = {},
): object {
    return {
        metadata: { name, namespace: "default", ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
        spec: extra.node === undefined ? {} : { nodeName: extra.node },
        status: {
            ...(extra.phase === undefined ? {} : { phase: extra.phase }),
            ...(extra.podIP === undefined ? {} : { podIP: extra.podIP }),
            ...(extra.podIPs === undefined ? {} : { podIP: extra.podIPs[0], podIPs: extra.podIPs.map((ip) => ({ ip })) }),
            conditions: [
                { type: "PodScheduled", status: "True" },
                { type: "Ready", status: extra.ready ? "True" : "False" },
            ],
        },
    };
}

/** A discovery.k8s.io/v1 EndpointSlice: one endpoint per [address, ready] (ready undefined: the field is absent). */
function slice(service: string | undefined, addressType: string, endpoints: [string, boolean | null | undefined][]): object {
    return {
        metadata: { name: `${service}-abcde`, labels: service === undefined ? {} : { "kubernetes.io/service-name": service } },
        addressType,
        endpoints: endpoints.map(([address, ready]) => ({
            addresses: [address],
            conditions: ready === undefined ? {} : { ready, serving: ready, terminating: false },
        })),
        ports: [{ name: "http", port: 80, protocol: "TCP" }],
    };
}

const list = (items: object[]) => ({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "1" }, items });

describe("pod addresses by family", () => {
    it("keeps status.podIPs in the cluster's order and names each family's address", () => {
        const pods = podAddresses(
            list([
                pod("web-1", { node: "w0", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::5", "192.168.0.5"] }),
                pod("web-2", { node: "w1", phase: "Running", ready: false, podIPs: ["192.168.0.6", "fd00:c00b:1::6"] }),
            ]),
        );
        assert.deepEqual(pods, {
            "web-1": {
                node: "w0",
                phase: "Running",
                ready: true,
                ips: ["fd00:c00b:1::5", "192.168.0.5"],
                IPv4: "192.168.0.5",
                IPv6: "fd00:c00b:1::5",
            },
            "web-2": {
                node: "w1",
                phase: "Running",
                ready: false,
                ips: ["192.168.0.6", "fd00:c00b:1::6"],
                IPv4: "192.168.0.6",
                IPv6: "fd00:c00b:1::6",
            },
        });
    });

    it("leaves out a family the pod has no address in, falls back to podIP, and shows unscheduled pods without addresses", () => {
        const pods = podAddresses(
            list([
                pod("v6", { node: "w0", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::7"] }),
                pod("old-kubelet", { node: "w0", phase: "Running", ready: true, podIP: "192.168.0.8" }),
                pod("waiting", { phase: "Pending" }),
            ]),
        );
        assert.deepEqual(pods.v6, { node: "w0", phase: "Running", ready: true, ips: ["fd00:c00b:1::7"], IPv6: "fd00:c00b:1::7" });
        assert.ok(!("IPv4" in pods.v6));
        assert.deepEqual(pods["old-kubelet"], { node: "w0", phase: "Running", ready: true, ips: ["192.168.0.8"], IPv4: "192.168.0.8" });
        assert.deepEqual(pods.waiting, { node: "", phase: "Pending", ready: false, ips: [] });
    });

    it("leaves out pods being deleted (the previous rollout's) and reads nothing from a list without items", () => {
        const pods = podAddresses(
            list([
                pod("new", { node: "w0", phase: "Running", ready: true, podIPs: ["192.168.0.9"] }),
                pod("old", { node: "w0", phase: "Running", ready: true, podIPs: ["192.168.0.2"], deleting: true }),
            ]),
        );
        assert.deepEqual(Object.keys(pods), ["new"]);
        assert.deepEqual(podAddresses({}), {});
        assert.deepEqual(podAddresses(undefined), {});
    });

    it("writes a label selector", () => {
        assert.equal(labelSelector({ run: "nginxdualstack", tier: "web" }), "run=nginxdualstack,tier=web");
    });
});

describe("Service endpoints by family", () => {
    it("groups slices by Service and addressType, counts only endpoints not marked unready, ignores FQDN and unlabelled slices", () => {
        const endpoints = serviceEndpoints(
            list([
                slice("nginx6", "IPv6", [
                    ["fd00:c00b:1::10", true],
                    ["fd00:c00b:1::9", undefined],
                    ["fd00:c00b:1::b", null],
                    ["fd00:c00b:1::c", false],
                ]),
                slice("nginx-dualstack", "IPv4", [
                    ["192.168.0.10", true],
                    ["192.168.0.9", true],
                ]),
                slice("nginx-dualstack", "IPv6", [["fd00:c00b:1::9", true]]),
                slice("nginx-dualstack", "IPv6", [
                    ["fd00:c00b:1::10", true],
                    ["fd00:c00b:1::9", true],
                ]),
                slice("nginx-dualstack", "FQDN", [["web.example.com", true]]),
                slice(undefined, "IPv4", [["192.168.0.99", true]]),
            ]),
        );
        assert.deepEqual(endpoints, {
            // numeric order (::9 before ::10, .9 before .10), each address once
            nginx6: { IPv4: [], IPv6: ["fd00:c00b:1::9", "fd00:c00b:1::b", "fd00:c00b:1::10"] },
            "nginx-dualstack": { IPv4: ["192.168.0.9", "192.168.0.10"], IPv6: ["fd00:c00b:1::9", "fd00:c00b:1::10"] },
        });
    });

    it("names every Service asked about, with empty lists when no slice names it", () => {
        assert.deepEqual(serviceEndpoints(list([]), ["nginx6", "nginx-dualstack"]), {
            nginx6: { IPv4: [], IPv6: [] },
            "nginx-dualstack": { IPv4: [], IPv6: [] },
        });
    });

    // Independent oracle: the generated numbers themselves, IPv4 before IPv6.
    it("sorts addresses by family, then by numeric value (property)", () => {
        const address = fc
            .constantFrom<Family>("IPv4", "IPv6")
            .chain((family) => fc.bigInt({ min: 0n, max: (1n << BigInt(FAMILY_BITS[family])) - 1n }).map((value) => ({ family, value })));
        fc.assert(
            fc.property(fc.array(address, { maxLength: 30 }), (addresses) => {
                const texts = addresses.map((a) => formatAddress(a.family, a.value));
                const sorted = [...texts].sort(compareAddresses);
                const expected = [...addresses]
                    .sort((a, b) =>
                        a.family !== b.family ? (a.family === "IPv4" ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
                    )
                    .map((a) => formatAddress(a.family, a.value));
                assert.deepEqual(sorted, expected);
            }),
        );
    });
});

describe("endpoints settled", () => {
    const pods = podAddresses(
        list([
            pod("a", { node: "w0", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::1", "192.168.0.1"] }),
            pod("b", { node: "w1", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::2", "192.168.0.2"] }),
            pod("c", { node: "w1", phase: "Running", ready: false, podIPs: ["fd00:c00b:1::3", "192.168.0.3"] }),
        ]),
    );
    const services = ["nginx6", "nginx-dualstack"];
    const ipv6Only = slice("nginx6", "IPv6", [
        ["fd00:c00b:1::2", true],
        ["fd00:c00b:1::1", true],
        ["fd00:c00b:1::3", false],
    ]);
    const dualV4 = slice("nginx-dualstack", "IPv4", [
        ["192.168.0.1", true],
        ["192.168.0.2", true],
    ]);
    const dualV6 = slice("nginx-dualstack", "IPv6", [
        ["fd00:c00b:1::1", true],
        ["fd00:c00b:1::2", true],
    ]);

    it("when every Service has exactly the ready pods' addresses in each family it has slices of", () => {
        assert.equal(endpointsSettled(pods, list([ipv6Only, dualV4, dualV6]), services), true);
    });

    it("not while a Service has no slice yet, or a family misses a ready pod or holds one too many", () => {
        assert.equal(endpointsSettled(pods, list([ipv6Only, dualV4]), services), true, "without the Services' families, slices tell them");
        const families = { nginx6: ["IPv6"], "nginx-dualstack": ["IPv4", "IPv6"] };
        assert.equal(
            endpointsSettled(pods, list([ipv6Only, dualV4]), services, families),
            false,
            "a dual-stack Service whose IPv6 slice is late is not settled",
        );
        assert.equal(endpointsSettled(pods, list([ipv6Only, dualV4, dualV6]), services, families), true);
        assert.equal(endpointsSettled(pods, list([ipv6Only]), services), false);
        assert.equal(
            endpointsSettled(pods, list([ipv6Only, dualV4, slice("nginx-dualstack", "IPv6", [["fd00:c00b:1::1", true]])]), services),
            false,
        );
        const extra = slice("nginx-dualstack", "IPv4", [
            ["192.168.0.1", true],
            ["192.168.0.2", true],
            ["192.168.0.3", true],
        ]);
        assert.equal(endpointsSettled(pods, list([ipv6Only, extra, dualV6]), services), false);
    });
});

/**
 * A stand-in API server over https (with the simulator's CA and serving certificate for localhost),
 * answering lists from `answer` and recording what was asked.
 */
describe("the WorkloadAddresses provider, against an https API", () => {
    const TOKEN = "test-token-5f2c9a7e1b3d";
    let dir: string;
    let server: https.Server;
    let kubeconfig: string;
    const asked: { path: string; authorization?: string }[] = [];
    let answer: (url: URL) => { status: number; body: object } = () => ({ status: 404, body: {} });

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-addresses-"));
        makeCertificates(dir);
        const ca = fs.readFileSync(path.join(dir, "ca.crt"));
        const cert = fs.readFileSync(path.join(dir, "apiserver.crt"));
        server = https.createServer({ cert, key: fs.readFileSync(path.join(dir, "apiserver.key")) }, (req, res) => {
            asked.push({ path: req.url ?? "", authorization: req.headers.authorization });
            const { status, body } = answer(new URL(req.url ?? "/", "https://127.0.0.1"));
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as AddressInfo).port;
        kubeconfig = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: test",
            "  cluster:",
            `    server: https://127.0.0.1:${port}`,
            `    certificate-authority-data: ${ca.toString("base64")}`,
            "users:",
            "- name: admin",
            "  user:",
            `    token: ${TOKEN}`,
            "contexts:",
            "- name: test",
            "  context: { cluster: test, user: admin }",
            "current-context: test",
            "",
        ].join("\n");
    });

    after(() => {
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const inputs = (): WorkloadAddressesInputs => ({
        kubeconfig,
        namespace: "default",
        podLabels: { run: "nginxdualstack" },
        services: ["nginx6", "nginx-dualstack"],
        revision: "uid-1/1",
    });
    const podList = list([
        pod("nginx-1", { node: "w0", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::1", "192.168.0.1"] }),
        pod("nginx-2", { node: "w1", phase: "Running", ready: true, podIPs: ["fd00:c00b:1::2", "192.168.0.2"] }),
    ]);
    const slices: Record<string, object[]> = {
        nginx6: [
            slice("nginx6", "IPv6", [
                ["fd00:c00b:1::2", true],
                ["fd00:c00b:1::1", true],
            ]),
        ],
        "nginx-dualstack": [
            slice("nginx-dualstack", "IPv4", [
                ["192.168.0.1", true],
                ["192.168.0.2", true],
            ]),
            slice("nginx-dualstack", "IPv6", [
                ["fd00:c00b:1::1", true],
                ["fd00:c00b:1::2", true],
            ]),
        ],
    };
    /**
     * The API as it answers once the EndpointSlice controller has caught up, after `lagging` unsettled
     * rounds; with `lateIpv6`, the dual-stack Service's IPv6 slice comes a round after its IPv4 one.
     */
    function api(lagging = 0, lateIpv6 = false) {
        let podLists = 0;
        const families: Record<string, string[]> = { nginx6: ["IPv6"], "nginx-dualstack": ["IPv4", "IPv6"] };
        return (url: URL) => {
            const named = /^\/api\/v1\/namespaces\/default\/services\/(.+)$/.exec(url.pathname)?.[1];
            if (named && families[named]) return { status: 200, body: { spec: { ipFamilies: families[named] } } };
            const selector = url.searchParams.get("labelSelector") ?? "";
            if (url.pathname === "/api/v1/namespaces/default/pods" && selector === "run=nginxdualstack") {
                podLists += 1;
                return { status: 200, body: podList };
            }
            const service = /^kubernetes\.io\/service-name=(.+)$/.exec(selector)?.[1];
            if (url.pathname === "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices" && service) {
                // Until caught up, the dual-stack Service has no slice yet.
                const items =
                    podLists <= lagging && service === "nginx-dualstack"
                        ? []
                        : lateIpv6 && podLists <= 1 && service === "nginx-dualstack"
                          ? slices[service].slice(0, 1)
                          : (slices[service] ?? []);
                return { status: 200, body: list(items) };
            }
            return { status: 404, body: { kind: "Status", message: `no route ${url.pathname}` } };
        };
    }
    const expected = {
        pods: {
            "nginx-1": {
                node: "w0",
                phase: "Running",
                ready: true,
                ips: ["fd00:c00b:1::1", "192.168.0.1"],
                IPv4: "192.168.0.1",
                IPv6: "fd00:c00b:1::1",
            },
            "nginx-2": {
                node: "w1",
                phase: "Running",
                ready: true,
                ips: ["fd00:c00b:1::2", "192.168.0.2"],
                IPv4: "192.168.0.2",
                IPv6: "fd00:c00b:1::2",
            },
        },
        serviceEndpoints: {
            nginx6: { IPv4: [], IPv6: ["fd00:c00b:1::1", "fd00:c00b:1::2"] },
            "nginx-dualstack": { IPv4: ["192.168.0.1", "192.168.0.2"], IPv6: ["fd00:c00b:1::1", "fd00:c00b:1::2"] },
        },
    };

    it("create lists the pods by label and each Service's EndpointSlices, with the kubeconfig's token", async () => {
        asked.length = 0;
        answer = api();
        const result = await new WorkloadAddressesProvider(20).create(inputs());
        assert.equal(result.id, "default/run=nginxdualstack");
        assert.deepEqual(result.outs, { ...inputs(), ...expected });
        assert.deepEqual(
            asked.map((entry) => decodeURIComponent(entry.path)),
            [
                // each Service's families first, so a dual-stack Service's late second slice is waited for
                "/api/v1/namespaces/default/services/nginx6",
                "/api/v1/namespaces/default/services/nginx-dualstack",
                "/api/v1/namespaces/default/pods?labelSelector=run=nginxdualstack",
                "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name=nginx6",
                "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name=nginx-dualstack",
            ],
        );
        assert.ok(asked.every((entry) => entry.authorization === `Bearer ${TOKEN}`));
    });

    it("create waits for the EndpointSlices to catch up with the ready pods", async () => {
        asked.length = 0;
        answer = api(1);
        const result = await new WorkloadAddressesProvider(20).create(inputs());
        assert.deepEqual(result.outs.serviceEndpoints, expected.serviceEndpoints);
        assert.equal(
            asked.filter((entry) => entry.path.startsWith("/api/v1/namespaces/default/pods")).length,
            2,
            "listed again after the first round",
        );
    });

    it("create waits for a dual-stack Service's late second family", async () => {
        asked.length = 0;
        answer = api(0, true);
        const result = await new WorkloadAddressesProvider(20).create(inputs());
        assert.deepEqual(result.outs.serviceEndpoints, expected.serviceEndpoints);
        assert.equal(asked.filter((entry) => entry.path.startsWith("/api/v1/namespaces/default/pods")).length, 2);
    });

    it("read lists again without waiting; an API that cannot be reached is an outage, not a deletion (issue 22)", async () => {
        answer = api(Infinity);
        const provider = new WorkloadAddressesProvider(20);
        const read = await provider.read("default/run=nginxdualstack", { ...inputs(), ...expected });
        assert.deepEqual(read.props?.serviceEndpoints, { ...expected.serviceEndpoints, "nginx-dualstack": { IPv4: [], IPv6: [] } });
        const closed = https.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        const unreachable = kubeconfig.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
        const olds = { ...inputs(), kubeconfig: unreachable, ...expected };
        await assert.rejects(provider.read("id", olds), (error: Error) => {
            assert.match(error.message, /^workload addresses: cannot reach the Kubernetes API \(ECONNREFUSED\): the cluster may be down/);
            assert.match(error.message, /the refresh stops; nothing was changed and the state keeps what it had/);
            assert.ok(!error.message.includes(TOKEN));
            return true;
        });
        // a preview (diff) says so too, rather than showing the workload unchanged; an unknown new kubeconfig asks the stored one
        for (const news of [
            { ...inputs(), kubeconfig: unreachable },
            { ...inputs(), kubeconfig: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
        ]) {
            await assert.rejects(provider.diff("id", olds, news), /cannot reach the Kubernetes API \(ECONNREFUSED\): .* the preview stops/);
        }
        // the Kubernetes provider's switch for a cluster gone for good drops it, as the provider drops its objects
        process.env.PULUMI_K8S_DELETE_UNREACHABLE = "true";
        try {
            assert.deepEqual(await provider.read("id", olds), {});
            assert.deepEqual(await provider.diff("id", olds, { ...inputs(), kubeconfig: unreachable }), { changes: false });
        } finally {
            delete process.env.PULUMI_K8S_DELETE_UNREACHABLE;
        }
    });

    it("reports an API refusal with the status and the API's message, never the kubeconfig", async () => {
        answer = () => ({ status: 403, body: { kind: "Status", message: 'pods is forbidden: User "x" cannot list resource "pods"' } });
        await assert.rejects(new WorkloadAddressesProvider(20).create(inputs()), (error: Error) => {
            assert.match(
                error.message,
                /^workload addresses: listing the pods run=nginxdualstack in default: HTTP 403 \(pods is forbidden/,
            );
            assert.ok(!error.message.includes(TOKEN));
            return true;
        });
        await assert.rejects(
            new WorkloadAddressesProvider(20).create({ ...inputs(), kubeconfig: `users: [\n  token: ${TOKEN}: :` }),
            (error: Error) => {
                assert.match(error.message, /^workload addresses: the kubeconfig is not valid YAML/);
                assert.ok(!error.message.includes(TOKEN));
                return true;
            },
        );
    });

    it("diff: no change when the inputs are equal (a no-op up), a change on a new rollout or kubeconfig; delete asks nothing", async () => {
        const provider = new WorkloadAddressesProvider(20);
        const olds = { ...inputs(), ...expected };
        asked.length = 0;
        assert.deepEqual(await provider.diff("id", olds, inputs()), { changes: false });
        assert.deepEqual(await provider.diff("id", olds, { ...inputs(), revision: "uid-1/2" }), { changes: true });
        assert.deepEqual(await provider.diff("id", olds, { ...inputs(), kubeconfig: `${kubeconfig}# rotated\n` }), { changes: true });
        assert.deepEqual(await provider.diff("id", olds, { ...inputs(), services: ["nginx6"] }), { changes: true });
        // each diff asked the API whether it answers, nothing more
        assert.ok(asked.length > 0 && asked.every((entry) => entry.path === "/version"), JSON.stringify(asked));
        asked.length = 0;
        await provider.delete();
        assert.equal(asked.length, 0);
    });

    it("update reads the addresses again", async () => {
        answer = api();
        const provider = new WorkloadAddressesProvider(20);
        const stale = { ...inputs(), pods: {}, serviceEndpoints: {} };
        const result = await provider.update("id", stale, { ...inputs(), revision: "uid-1/2" });
        assert.deepEqual(result.outs, { ...inputs(), revision: "uid-1/2", ...expected });
    });
});
