import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "../support/mocks";

const registered = installMocks({
    cloud: "sandbox",
    jujuPath: "simulator/juju",
    podCidr: "fd00:c00b:1::/112,192.168.0.0/16",
    serviceCidr: "fd00:c00b:2::/112,10.152.183.0/24",
});
/** What each registration asked the engine to keep secret (`additionalSecretOutputs`). */
const secretOutputsAsked: { type: string; name: string; secrets: string[] }[] = [];
engineMarksAdditionalSecretOutputs();
const { program } = require("../../components/program") as typeof import("../../components/program");
const { Kubeconfig } = require("../../components/juju/Kubeconfig") as typeof import("../../components/juju/Kubeconfig");
const { workerIpv6Urls } = require("../../components/workload/urls") as typeof import("../../components/workload/urls");

interface StateStruct {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getAdditionalsecretoutputsList(): string[];
}
interface RegisterResponse {
    getObject(): StateStruct | undefined;
    setObject(value: StateStruct): void;
}
interface Monitor {
    registerResource(req: RegisterRequest, callback: (err: Error | null, response?: RegisterResponse) => void): void;
}

/**
 * The mock monitor ignores `additionalSecretOutputs`, so under plain mocks an output is secret only
 * if the program wraps it. The engine marks those outputs secret in the state it returns: do the
 * same here, and record what each registration asked for, so the tests see the resource's own guard.
 */
function engineMarksAdditionalSecretOutputs(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const secrets = req.getAdditionalsecretoutputsList();
        secretOutputsAsked.push({ type: req.getType(), name: req.getName(), secrets });
        register(req, (err, response) => {
            const object = response?.getObject();
            if (response && object && secrets.length > 0) {
                const state = object.toJavaScript();
                for (const key of secrets) {
                    if (key in state) state[key] = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: state[key] };
                }
                const Struct = object.constructor as unknown as { fromJavaScript(value: Record<string, unknown>): StateStruct };
                response.setObject(Struct.fromJavaScript(state));
            }
            callback(err, response);
        });
    };
}

describe("the program (sandbox, IPv6-preferred, under mocks)", () => {
    let outputs: Record<string, unknown>;
    it("registers a model, one machine per node, the deployment and the kubeconfig", async () => {
        outputs = await program();
        await valueOf(outputs.nginxUrls as pulumi.Output<string[]>);
        await settle();
        const types = registered.map((r) => r.type);
        assert.equal(types.filter((t) => t === "pulumi-nodejs:dynamic/juju:Model").length, 1);
        assert.equal(types.filter((t) => t === "pulumi-nodejs:dynamic/juju:Machine").length, 4, "cp-0, worker-0, worker-1 and lb-0");
        assert.equal(types.filter((t) => t === "pulumi-nodejs:dynamic/juju:Deployment").length, 1);
        assert.equal(types.filter((t) => t === "pulumi-nodejs:dynamic/juju:Settled").length, 1);
        assert.equal(types.filter((t) => t === "pulumi-nodejs:dynamic/juju:Kubeconfig").length, 1);
    });

    it("asks the engine to keep the kubeconfig outputs secret (the Kubeconfig's, the addresses reader's copy), and nothing else", () => {
        const asked = secretOutputsAsked.filter((r) => r.secrets.length > 0);
        assert.deepEqual(
            asked.map((r) => [r.type, r.secrets]),
            [
                ["pulumi-nodejs:dynamic/juju:Kubeconfig", ["kubeconfig"]],
                ["pulumi-nodejs:dynamic/workload:WorkloadAddresses", ["kubeconfig"]],
            ],
        );
    });

    it("reads the pods' and Services' addresses back after the rollout, with the kubeconfig as a secret", () => {
        const readers = registered.filter((r) => r.type === "pulumi-nodejs:dynamic/workload:WorkloadAddresses");
        assert.equal(readers.length, 1);
        const reader = readers[0];
        assert.equal(reader.name, "nginx-addresses");
        assert.deepEqual(reader.inputs.kubeconfig, {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: "apiVersion: v1\nkind: Config\n",
        });
        assert.equal(reader.inputs.namespace, "default");
        assert.deepEqual(reader.inputs.podLabels, { run: "nginxdualstack" });
        assert.deepEqual(reader.inputs.services, ["nginx6", "nginx-dualstack"]);
        assert.equal(typeof reader.inputs.revision, "string");
        for (const needed of ["nginx-deployment", "nginx-ipv6", "nginx-dualstack"]) {
            assert.ok(reader.dependencies.includes(needed), `waits for ${needed}: ${reader.dependencies.join(", ")}`);
        }
    });

    it("exports each nginx pod's addresses and each Service's endpoints by family, not as secrets", async () => {
        const pods = outputs.nginxPods as pulumi.Output<unknown>;
        const endpoints = outputs.nginxEndpoints as pulumi.Output<unknown>;
        assert.deepEqual(await valueOf(pods), {
            "nginxdualstack-5d4f8b7c9-1": {
                node: "worker-0",
                phase: "Running",
                ready: true,
                ips: ["192.168.0.1", "fd00:c00b:1::1"],
                IPv4: "192.168.0.1",
                IPv6: "fd00:c00b:1::1",
            },
            "nginxdualstack-5d4f8b7c9-2": {
                node: "worker-1",
                phase: "Running",
                ready: true,
                ips: ["192.168.0.2", "fd00:c00b:1::2"],
                IPv4: "192.168.0.2",
                IPv6: "fd00:c00b:1::2",
            },
        });
        assert.deepEqual(await valueOf(endpoints), {
            nginx6: { IPv4: [], IPv6: ["fd00:c00b:1::1", "fd00:c00b:1::2"] },
            "nginx-dualstack": { IPv4: ["192.168.0.1", "192.168.0.2"], IPv6: ["fd00:c00b:1::1", "fd00:c00b:1::2"] },
        });
        assert.equal(await pulumi.isSecret(pods), false);
        assert.equal(await pulumi.isSecret(endpoints), false);
    });

    it("builds the deployment from the family plan of podCidr and serviceCidr and the enlisted machines", () => {
        const deployment = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Deployment")!.inputs;
        const families = deployment.families as { podCidrs: string[]; serviceCidrs: string[]; mode: string };
        assert.deepEqual(families.podCidrs, ["fd00:c00b:1::/112", "192.168.0.0/16"]);
        assert.deepEqual(families.serviceCidrs, ["fd00:c00b:2::/112", "10.152.183.0/24"]);
        assert.equal(families.mode, "dual-stack, IPv6 preferred");
        assert.deepEqual(deployment.machines, [
            { id: "0", roles: ["control-plane"] },
            { id: "10", roles: ["worker"] },
            { id: "11", roles: ["worker"] },
            { id: "20", roles: ["load-balancer"] },
        ]);
        // services prefer IPv6, so the API is reached on the load-balancer node's IPv6 address
        assert.equal(deployment.loadbalancerIps, "::1");
        const kubeconfig = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Kubeconfig")!.inputs;
        assert.equal(kubeconfig.apiAddress, "::1");
        // fetched again when the control plane or the balancer moves, not when workers (10, 11) change
        assert.match(kubeconfig.fetchKey as string, /\|0\|20$/);
        const machine = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Machine")!.inputs;
        assert.equal(machine.modelRef, "ck-dualstack");
        // As configured: state holds no checkout location (resolved against the project when run).
        assert.equal(machine.jujuPath, "simulator/juju");
    });

    it("points the Kubernetes provider at Juju's cluster without its credentials, and lets the Kubernetes objects go with the model (issue 22)", () => {
        const provider = registered.find((r) => r.type === "pulumi:providers:kubernetes")!.inputs;
        // Juju's kubeconfig (the mock's has no user) minus credentials, still a secret
        assert.deepEqual(provider.kubeconfig, {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: "apiVersion: v1\nkind: Config\nusers: []\n",
        });
        // an unreachable cluster is not "deleted": no deleteUnreachable
        assert.equal(provider.deleteUnreachable, undefined);
        const model = registered.find((r) => r.type === "pulumi-nodejs:dynamic/juju:Model")!.name;
        const onCluster = registered.filter(
            (r) => r.type.startsWith("kubernetes:") || r.type === "pulumi-nodejs:dynamic/workload:WorkloadAddresses",
        );
        assert.deepEqual(onCluster.map((r) => r.name).sort(), [
            "ck-service-cidr",
            "nginx-addresses",
            "nginx-deployment",
            "nginx-dualstack",
            "nginx-ipv6",
        ]);
        for (const resource of onCluster) assert.equal(resource.deletedWith, model, `${resource.name} goes with the Juju model`);
    });

    it("exports service addresses per family, worker IPv6 URLs and the kubeconfig as a secret", async () => {
        assert.deepEqual(await valueOf(outputs.nginx6 as pulumi.Output<unknown>), {
            clusterIps: { IPv6: "fd00:c00b:2::20" },
            nodePort: 30080,
        });
        assert.deepEqual(await valueOf(outputs.nginxDualStack as pulumi.Output<unknown>), {
            clusterIps: { IPv6: "fd00:c00b:2::20", IPv4: "10.152.183.20" },
            nodePort: 30080,
        });
        assert.deepEqual(await valueOf(outputs.nginxUrls as pulumi.Output<string[]>), ["http://[::1]:30080"]);
        assert.equal(await pulumi.isSecret(outputs.kubeconfig as pulumi.Output<string>), true);
    });

    it("never offers control-plane addresses as URLs", () => {
        const nodes = [
            { roles: ["control-plane"], ipv6: ["2001:db8::10"] },
            { roles: ["worker"], ipv6: ["2001:db8::20", "10.0.0.20"] },
        ];
        assert.deepEqual(workerIpv6Urls(nodes, 31000), ["http://[2001:db8::20]:31000"]);
    });

    it("gets a secret kubeconfig from the Kubeconfig resource itself, before any component wraps it", async () => {
        const args = {
            jujuPath: "simulator/juju",
            modelRef: "ck-dualstack",
            modelUuid: "uuid",
            fetchKey: "charmed-kubernetes|1.35/stable|0|20",
            apiAddress: "",
            controlPlaneApp: "kubernetes-control-plane",
        };
        const resource = new Kubeconfig("direct", args);
        assert.equal(await pulumi.isSecret(resource.kubeconfig), true);
        assert.equal(await valueOf(resource.kubeconfig), "apiVersion: v1\nkind: Config\n");
        // only what the resource names is marked: the API server address stays plain
        assert.equal(await pulumi.isSecret(resource.server), false);
    });
});
