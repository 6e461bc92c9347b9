import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeFor, nodeIpamArgs } from "../../simulator/kubelets";

describe("simulated control plane and kubelets", () => {
    it("hands kube-controller-manager the calico cidr IPv4 first (the charms' node-ip order), with a mask per family it accepts", () => {
        assert.deepEqual(nodeIpamArgs("192.168.0.0/16,fd00:c00b:1::/112"), [
            "--allocate-node-cidrs=true",
            "--cluster-cidr=192.168.0.0/16,fd00:c00b:1::/112",
            "--node-cidr-mask-size-ipv4=26",
            "--node-cidr-mask-size-ipv6=122",
        ]);
        // An IPv6-preferred pool still gives pods their IPv4 address first: kubelets sort pod addresses
        // by their node-ip's family, IPv4 first as the charms configure it. A /64 is cut into /80s,
        // kube-controller-manager's 16-bit limit (cidr_set.go).
        assert.deepEqual(nodeIpamArgs("fd00:c00b:1::/64,10.1.0.0/16"), [
            "--allocate-node-cidrs=true",
            "--cluster-cidr=10.1.0.0/16,fd00:c00b:1::/64",
            "--node-cidr-mask-size-ipv4=26",
            "--node-cidr-mask-size-ipv6=80",
        ]);
        assert.deepEqual(nodeIpamArgs("fd00:c00b:1::/112"), [
            "--allocate-node-cidrs=true",
            "--cluster-cidr=fd00:c00b:1::/112",
            "--node-cidr-mask-size-ipv6=122",
        ]);
    });

    it("registers control-plane nodes with the charm's NoSchedule taint and workers without, each with both addresses", () => {
        const cp = nodeFor("sim-0", "kubernetes-control-plane", ["127.0.1.10", "::1"]) as {
            spec: { taints?: { key: string; effect: string }[] };
            status: { addresses: { type: string; address: string }[] };
        };
        const worker = nodeFor("sim-1", "kubernetes-worker", ["127.0.2.10", "::1"]) as typeof cp;
        assert.deepEqual(cp.spec.taints, [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]);
        assert.equal(worker.spec.taints, undefined);
        assert.deepEqual(
            worker.status.addresses.filter((a) => a.type === "InternalIP").map((a) => a.address),
            ["127.0.2.10", "::1"],
        );
    });
});
