import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { CONFIG_KEYS } from "../../components/config/keys";
import { loadConfig } from "../../components/config/load";
import { readStackFile } from "../../components/config/stackFile";
import { needsImageRegistry, placementOverlay } from "../../components/juju/overlay";
import { renderPlan } from "../../scripts/lib/renderPlan";

const ROOT = path.resolve(__dirname, "..", "..");
const SEED_OVERLAY = yaml.load(
    fs.readFileSync(path.join(ROOT, "tests", "fixtures", "charmed-kubernetes", "ipv4-ipv6-overlay.yaml"), "utf8"),
) as {
    applications: Record<string, { options: Record<string, string> }>;
};

/**
 * What the committed aws/openstack stack files ask the operator to set first (`pulumi config set`):
 * an IPv4 range (enlisting) and an IPv6 one (the openstack stack reaches the API over IPv6).
 */
const OPERATOR = {
    adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test",
};

/** Existing hosts (no stack file is committed for them): the dev stack's ranges on two hosts. */
const EXISTING = {
    cloud: "existing",
    hosts: JSON.stringify([
        "cp0 control-plane 10.0.0.10 2001:db8::10",
        "w0 worker 10.0.0.20 2001:db8::20",
        "lb0 load-balancer 10.0.0.30 2001:db8::30",
    ]),
};

function stackConfig(stack: string): Record<string, string> {
    if (stack === "existing") return { ...readStackFile(ROOT, "dev"), ...EXISTING };
    return { ...readStackFile(ROOT, stack), ...(stack === "sandbox" ? {} : OPERATOR) };
}

function plan(stack: string) {
    const files = renderPlan(loadConfig(stackConfig(stack)), stack);
    return {
        overlay: yaml.load(files["overlay.yaml"]) as { applications: Record<string, { options: Record<string, string> }> },
        workload: yaml.loadAll(files["workload.yaml"]) as {
            kind: string;
            metadata: { name: string; annotations?: Record<string, string> };
            spec: Record<string, unknown>;
        }[],
        network: JSON.parse(files["network.json"]),
        raw: files,
    };
}

describe("offline plan", () => {
    it("renders the dev overlay with exactly the seed's calico cidr and service-cidr", () => {
        const { overlay } = plan("dev");
        assert.equal(overlay.applications.calico.options.cidr, SEED_OVERLAY.applications.calico.options.cidr);
        assert.equal(
            overlay.applications["kubernetes-control-plane"].options["service-cidr"],
            SEED_OVERLAY.applications["kubernetes-control-plane"].options["service-cidr"],
        );
        // rocks.canonical.com is gone: 1.35 charms must pull from ghcr.io, set where the option exists
        // (calico and the control plane; the worker takes it over kube-control and has no such option).
        assert.equal(overlay.applications.calico.options["image-registry"], "ghcr.io/canonical/cdk");
        assert.equal(overlay.applications["kubernetes-control-plane"].options["image-registry"], "ghcr.io/canonical/cdk");
        assert.equal(overlay.applications["kubernetes-worker"], undefined, "the worker keeps its charm's registry source and ingress");
    });

    it("puts IPv6 first for the IPv6-preferred openstack stack and says loadbalancer-ips comes at deploy time", () => {
        const { overlay, network, raw } = plan("openstack");
        assert.match(overlay.applications.calico.options.cidr, /^fd00:c00b:1::\/112,/);
        assert.equal(network.preferredFamily, "IPv6");
        assert.match(raw["overlay.yaml"], /kubeapi-load-balancer's loadbalancer-ips is set at deploy time/);
    });

    it("renders the workload: Deployment, IPv6-only nginx6 and a dual-stack Service in cluster order", () => {
        const { workload, raw } = plan("dev");
        assert.deepEqual(
            workload.map((m) => `${m.kind}/${m.metadata.name}`),
            ["Deployment/nginxdualstack", "Service/nginx6", "Service/nginx-dualstack"],
        );
        assert.doesNotMatch(raw["workload.yaml"], /ipFamily:/);
        assert.doesNotMatch(raw["workload.yaml"], /rocks\.canonical\.com/);
        assert.deepEqual(workload[1].spec.ipFamilies, ["IPv6"]);
        assert.equal(workload[1].spec.ipFamilyPolicy, "SingleStack");
        assert.equal(workload[1].spec.type, "NodePort");
        assert.deepEqual(workload[2].spec.ipFamilies, ["IPv4", "IPv6"]);
        assert.equal(workload[2].spec.ipFamilyPolicy, "RequireDualStack");
        assert.deepEqual(plan("openstack").workload[2].spec.ipFamilies, ["IPv6", "IPv4"]);
    });

    it("awaits the rollout and deletes in the foreground on every cloud, the sandbox included: no pulumi.com annotations", () => {
        const stacks = ["dev", "openstack", "sandbox", "existing"].map((stack) => [stack, plan(stack)] as const);
        for (const [stack, { workload, raw }] of stacks) {
            assert.equal(workload.length, 3, stack);
            for (const manifest of workload) {
                const keys = Object.keys(manifest.metadata.annotations ?? {});
                assert.deepEqual(
                    keys.filter((key) => key.startsWith("pulumi.com/")),
                    [],
                    `${stack}: ${manifest.kind}/${manifest.metadata.name}`,
                );
            }
            assert.doesNotMatch(raw["workload.yaml"], /pulumi\.com\//, stack);
        }
    });

    it("lays out one IPv4 subnet and one /64 slot per availability zone on AWS", () => {
        const { network } = plan("dev");
        assert.deepEqual(
            network.subnets.map((s: { ipv4Cidr: string; ipv6Index: number }) => [s.ipv4Cidr, s.ipv6Index]),
            [
                ["10.0.0.0/20", 0],
                ["10.0.16.0/20", 1],
            ],
        );
    });

    it("sets image-registry only for charms of 1.35 and older", () => {
        assert.ok(needsImageRegistry("1.35/stable"));
        assert.ok(needsImageRegistry("1.29/edge"));
        assert.ok(!needsImageRegistry("1.36/stable"));
    });

    it("places applications on the right machines, etcd on an odd count", () => {
        const placement = placementOverlay([
            { id: "0", roles: ["control-plane"] },
            { id: "1", roles: ["control-plane"] },
            { id: "2", roles: ["worker"] },
            { id: "3", roles: ["load-balancer"] },
        ]);
        assert.deepEqual(placement.applications["kubernetes-control-plane"].to, ["0", "1"]);
        assert.deepEqual(placement.applications.etcd.to, ["0"]);
        assert.deepEqual(placement.applications["kubernetes-worker"], { num_units: 1, to: ["2"] });
        // kubeapi-load-balancer holds 443 and 6443: alone on its machine, beside neither kube-apiserver's
        // 6443 nor the worker's 443 (which it opens with ingress and closes without).
        assert.deepEqual(placement.applications["kubeapi-load-balancer"], { num_units: 1, to: ["3"] });
        assert.deepEqual(placement.applications.easyrsa.to, ["0"]);
        assert.deepEqual(Object.keys(placement.machines), ["0", "1", "2", "3"]);
        assert.throws(() => placementOverlay([{ id: "0", roles: ["worker"] }]), /control-plane/);
        assert.throws(
            () =>
                placementOverlay([
                    { id: "0", roles: ["control-plane"] },
                    { id: "1", roles: ["worker"] },
                ]),
            /exactly one load-balancer machine/,
        );
    });

    it("declares every config key in Pulumi.yaml with the same type, default and description", () => {
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { type: string; default: unknown; description: string }>;
        };
        assert.deepEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_KEYS).sort());
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            assert.equal(project.config[key].type, spec.type, key);
            assert.deepEqual(project.config[key].default, spec.default, key);
            assert.equal(project.config[key].description, spec.description, key);
        }
    });
});

describe("npm run plan", () => {
    const run = (stack: string, projectDir = ROOT) =>
        spawnSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "plan.ts"), stack], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, CK_DUALSTACK_PROJECT_DIR: projectDir },
        });

    /**
     * A fresh project folder holding only Pulumi.yaml and the stack file, so `out/` starts absent
     * and nothing a previous run left in the checkout's `out/` can satisfy an assertion.
     */
    function freshProject(stack: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-plan-"));
        for (const file of ["Pulumi.yaml", `Pulumi.${stack}.yaml`]) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
        const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(
            stackFile,
            fs
                .readFileSync(stackFile, "utf8")
                .replace(/^ {2}ck-dualstack:adminCidrs: \[\]$/m, `  ck-dualstack:adminCidrs: ${OPERATOR.adminCidrs}`)
                .concat(`  ck-dualstack:sshPublicKey: ${OPERATOR.sshPublicKey}\n`),
        );
        assert.ok(!fs.existsSync(path.join(dir, "out")));
        return dir;
    }

    it("writes the three files for dev, exactly as rendered", () => {
        const dir = freshProject("dev");
        try {
            const result = run("dev", dir);
            assert.equal(result.status, 0, result.stderr);
            const expected = renderPlan(loadConfig(readStackFile(dir, "dev")), "dev");
            assert.deepEqual(Object.keys(expected).sort(), ["network.json", "overlay.yaml", "workload.yaml"]);
            assert.deepEqual(fs.readdirSync(path.join(dir, "out", "dev")).sort(), Object.keys(expected).sort());
            for (const [file, text] of Object.entries(expected)) {
                assert.equal(fs.readFileSync(path.join(dir, "out", "dev", file), "utf8"), text, file);
                assert.match(result.stdout, new RegExp(`^wrote out/dev/${file.replace(".", "\\.")}$`, "m"));
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails on bad config with one line per problem naming the key, and writes nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-plan-"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.bad.yaml"),
            "config:\n  ck-dualstack:cloud: aws\n  ck-dualstack:serviceCidr: 10.152.183.0/24,fd00:c00b:2::/64\n  ck-dualstack:podCidr: 192.168.0.0/16,fd00:c00b:1::/124\n",
        );
        const result = run("bad", dir);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /^ {2}- ck-dualstack:podCidr = .*Calico IPv6 block/m);
        assert.match(result.stderr, /^ {2}- ck-dualstack:serviceCidr = .*\/108 at most/m);
        assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, "no stack trace");
        assert.ok(!fs.existsSync(path.join(dir, "out")));
        assert.ok(!fs.existsSync(path.join(ROOT, "out", "bad")));
        fs.rmSync(dir, { recursive: true });
    });

    it("renders valid YAML that kubectl-style tools can split", () => {
        const dir = freshProject("openstack");
        try {
            execFileSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "plan.ts"), "openstack"], {
                cwd: ROOT,
                env: { ...process.env, CK_DUALSTACK_PROJECT_DIR: dir },
            });
            const docs = yaml.loadAll(fs.readFileSync(path.join(dir, "out", "openstack", "workload.yaml"), "utf8")) as {
                kind: string;
            }[];
            assert.deepEqual(
                docs.map((d) => d.kind),
                ["Deployment", "Service", "Service"],
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
