import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { readStackConfig } from "../../components/config/stackConfig";
import { formatProblem, validateConfig } from "../../components/config/validate";
import { Cidr } from "../../components/net/cidr";
import { nodeBlockPrefix, nodeCapacity } from "../../components/net/nodeBlocks";

const range = (family: "IPv4" | "IPv6", prefix: number): Cidr => ({ family, prefix, network: 0n }) as Cidr;

/** The podCidr problems of a sandbox config with these ranges and node counts. */
function podProblems(podCidr: string, controlPlaneCount: number, workerCount: number): string[] {
    const serviceCidr = podCidr.includes(",") ? "10.152.183.0/24,fd00:c00b:2::/112" : "fd00:c00b:2::/112";
    const { config } = readStackConfig({
        cloud: "sandbox",
        podCidr,
        serviceCidr,
        controlPlaneCount: String(controlPlaneCount),
        workerCount: String(workerCount),
    });
    return validateConfig(config)
        .filter((problem) => problem.key === "podCidr")
        .map(formatProblem);
}

describe("per-node pod ranges", () => {
    it("gives IPv4 nodes one Calico /26 block and IPv6 nodes at most 16 bits below the range, never past /122", () => {
        assert.equal(nodeBlockPrefix(range("IPv4", 16)), 26);
        assert.equal(nodeBlockPrefix(range("IPv6", 64)), 80);
        assert.equal(nodeBlockPrefix(range("IPv6", 112)), 122);
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 122 }), (prefix) => {
                const node = nodeBlockPrefix(range("IPv6", prefix));
                // kube-controller-manager refuses an IPv6 node mask more than 16 bits below the range.
                assert.ok(node - prefix <= 16 && node <= 122 && node >= prefix);
                assert.equal(nodeCapacity(range("IPv6", prefix)), 1n << BigInt(node - prefix));
            }),
        );
    });

    it("refuses a pod range with fewer per-node ranges than nodes, and the size it suggests is accepted", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 16, max: 26 }),
                fc.integer({ min: 1, max: 7 }),
                fc.integer({ min: 1, max: 100 }),
                (prefix, cps, workers) => {
                    const cidr = `10.${prefix <= 16 ? 0 : 64}.0.0/${prefix}`;
                    const found = podProblems(`${cidr},fd00:c00b:1::/112`, cps, workers);
                    const fits = 2 ** (26 - prefix) >= cps + workers;
                    assert.equal(found.length === 0, fits, found.join("\n"));
                    if (!fits) {
                        assert.match(
                            found[0],
                            new RegExp(`fewer than the sandbox's ${cps + workers} simulated nodes \\(one each\\); use a /(\\d+) or larger`),
                        );
                        const suggested = Number(/use a \/(\d+)/.exec(found[0])?.[1]);
                        assert.deepEqual(podProblems(`10.0.0.0/${suggested},fd00:c00b:1::/112`, cps, workers), []);
                    }
                },
            ),
        );
    });

    it("counts IPv6 capacity too: a /116 holds 64 nodes' /122 blocks; real clouds are not refused (Calico borrows)", () => {
        assert.deepEqual(podProblems("fd00:c00b:1::/116", 1, 63), []);
        const [line] = podProblems("fd00:c00b:1::/116", 1, 64);
        assert.equal(
            line,
            'ck-dualstack:podCidr = "fd00:c00b:1::/116": fd00:c00b:1::/116 holds 64 per-node /122 ranges, fewer than the sandbox\'s 65 simulated nodes (one each); use a /115 or larger',
        );
        const { config } = readStackConfig({
            cloud: "aws",
            podCidr: "fd00:c00b:1::/116",
            serviceCidr: "fd00:c00b:2::/112",
            workerCount: "64",
            adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
            sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test",
        });
        assert.deepEqual(
            validateConfig(config).filter((problem) => problem.key === "podCidr"),
            [],
        );
    });
});
