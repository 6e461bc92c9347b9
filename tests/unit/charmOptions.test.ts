// The overlays ck-dualstack deploys set only options the charms have, with the charms' types:
// checked against the reference schemas taken from the charms' own repositories (tests/fixtures/charms),
// not against our simulator. And the simulator's copy of those schemas has not drifted from them.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { planFamilies } from "../../components/net/families";
import { dualStackOverlay } from "../../components/juju/overlay";
import { CHARM_DATA_FILE, buildCharmData } from "../../simulator/charmData";

/** Upstream copies (tests/fixtures/README.md names each file's repository and commit). */
const REFERENCE = path.resolve(__dirname, "..", "fixtures");

type Schema = { options: Record<string, { type: string }> | null };
const schema = (charm: string) => yaml.load(fs.readFileSync(path.join(REFERENCE, "charms", `${charm}.yaml`), "utf8")) as Schema;

/** What is wrong with one option value against its charm's reference schema. */
function problem(charm: string, option: string, value: unknown): string | undefined {
    const spec = schema(charm).options?.[option];
    if (!spec) return `${charm}: unknown option "${option}"`;
    const ok = {
        string: typeof value === "string",
        int: Number.isInteger(value),
        float: typeof value === "number",
        boolean: typeof value === "boolean",
    }[spec.type];
    return ok ? undefined : `${charm}: option "${option}" is ${spec.type}, got ${JSON.stringify(value)}`;
}

describe("overlay options against the charms' own schemas", () => {
    const cases = [
        ["dev (IPv4-preferred)", "192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112", "1.35/stable", ""],
        [
            "openstack (IPv6-preferred, API over IPv6)",
            "fd00:c00b:1::/112,192.168.0.0/16",
            "fd00:c00b:2::/112,10.152.183.0/24",
            "1.35/stable",
            "2001:db8::20",
        ],
        ["IPv6-only", "fd00:c00b:1::/112", "fd00:c00b:2::/112", "1.35/stable", "2001:db8::20"],
        ["a later channel", "192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112", "1.36/stable", ""],
    ] as const;
    for (const [name, pods, services, channel, balancerIps] of cases) {
        it(`sets only existing options, with the right types: ${name}`, () => {
            const overlay = dualStackOverlay({
                families: planFamilies(pods, services),
                channel,
                loadbalancerIps: balancerIps || undefined,
            });
            const bundle = yaml.load(fs.readFileSync(path.join(REFERENCE, "charmed-kubernetes", "bundle-1.35.yaml"), "utf8")) as {
                applications: Record<string, { charm: string }>;
            };
            const problems = Object.entries(overlay.applications).flatMap(([app, spec]) =>
                Object.entries(spec.options).map(([option, value]) => problem(bundle.applications[app].charm, option, value)),
            );
            assert.deepEqual(problems.filter(Boolean), []);
        });
    }

    it("sets the registry on calico and the control plane, never on the worker, for 1.35", () => {
        const overlay = dualStackOverlay({
            families: planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112"),
            channel: "1.35/stable",
        });
        assert.equal(overlay.applications.calico.options["image-registry"], "ghcr.io/canonical/cdk");
        assert.equal(overlay.applications["kubernetes-control-plane"].options["image-registry"], "ghcr.io/canonical/cdk");
        assert.equal(
            overlay.applications["kubernetes-worker"],
            undefined,
            "nothing set on the worker: no image-registry, ingress as the charm defaults",
        );
    });

    it("sets the worker's ingress only when the operator did, as a boolean the charm's schema takes", () => {
        const families = planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112");
        for (const workerIngress of [true, false]) {
            const overlay = dualStackOverlay({ families, channel: "1.35/stable", workerIngress });
            assert.deepEqual(overlay.applications["kubernetes-worker"].options, { ingress: workerIngress });
        }
    });

    it("puts an IPv6 API on kubeapi-load-balancer's loadbalancer-ips, never the control plane's (which would bypass it)", () => {
        const overlay = dualStackOverlay({
            families: planFamilies("fd00:c00b:1::/112", "fd00:c00b:2::/112"),
            channel: "1.35/stable",
            loadbalancerIps: "2001:db8::20",
        });
        assert.equal(overlay.applications["kubeapi-load-balancer"].options["loadbalancer-ips"], "2001:db8::20");
        assert.equal("loadbalancer-ips" in overlay.applications["kubernetes-control-plane"].options, false);
    });

    it("pins calico's vxlan to the bundle's Always in every mode, not the charm's default Never (issue 19)", () => {
        const bundle = yaml.load(fs.readFileSync(path.join(REFERENCE, "charmed-kubernetes", "bundle-1.35.yaml"), "utf8")) as {
            applications: { calico: { options: Record<string, string> } };
        };
        assert.equal(bundle.applications.calico.options.vxlan, "Always");
        assert.equal(
            (schema("calico").options?.vxlan as { default?: string } | undefined)?.default,
            "Never",
            "the charm alone would not encapsulate",
        );
        for (const [pods, services] of [
            ["192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112"],
            ["fd00:c00b:1::/112,192.168.0.0/16", "fd00:c00b:2::/112,10.152.183.0/24"],
            ["fd00:c00b:1::/112", "fd00:c00b:2::/112"],
        ]) {
            const overlay = dualStackOverlay({ families: planFamilies(pods, services), channel: "1.35/stable" });
            assert.equal(overlay.applications.calico.options.vxlan, bundle.applications.calico.options.vxlan, pods);
            assert.equal(overlay.applications.calico.options.ipip, undefined, "IPIP must stay Never with VXLAN (calico.yaml)");
        }
    });

    it("pins calico's nat-outgoing to true, the charm's default, so pods leave from node addresses (issue 19)", () => {
        assert.equal((schema("calico").options?.["nat-outgoing"] as { default?: boolean } | undefined)?.default, true);
        const overlay = dualStackOverlay({
            families: planFamilies("192.168.0.0/16,fd00:c00b:1::/112", "10.152.183.0/24,fd00:c00b:2::/112"),
            channel: "1.35/stable",
        });
        assert.equal(overlay.applications.calico.options["nat-outgoing"], true);
    });
});

describe("the simulator's charm data", () => {
    it("matches the reference schemas, actions and bundle exactly (rebuild: npm run sim:charms)", () => {
        assert.deepEqual(JSON.parse(fs.readFileSync(CHARM_DATA_FILE, "utf8")), buildCharmData(REFERENCE));
    });
});
