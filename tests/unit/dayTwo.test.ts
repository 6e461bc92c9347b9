// What a live cluster can take in place (pure planning; the providers and the simulator carry it out).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UPGRADE_ORDER, channelChangeProblem, nodeChangeProblem, workerChanges } from "../../components/juju/dayTwo";
import { balancerMove, balancerNodeMove } from "../../components/juju/migrations";

const nodes = (cp: number, workers: number, balancer = "lb-0") => [
    ...Array.from({ length: cp }, (_, i) => ({ name: `cp-${i}`, roles: ["control-plane"] })),
    ...Array.from({ length: workers }, (_, i) => ({ name: `worker-${i}`, roles: ["worker"] })),
    ...(balancer ? [{ name: balancer, roles: ["load-balancer"] }] : []),
];

describe("day-2 planning", () => {
    it("upgrades one minor version forward, any risk, and refuses downgrades and skips with the reason", () => {
        assert.equal(channelChangeProblem("1.35/stable", "1.36/stable"), undefined);
        assert.equal(channelChangeProblem("1.35/stable", "1.35/candidate"), undefined);
        assert.match(channelChangeProblem("1.36/stable", "1.35/stable") ?? "", /cannot be downgraded in place/);
        assert.match(channelChangeProblem("1.35/stable", "1.37/stable") ?? "", /skips a minor version.*Upgrade to 1\.36\/stable first/);
        assert.match(channelChangeProblem("1.35/stable", "2.0/stable") ?? "", /skips a minor version/);
    });

    it("follows Canonical's order: infrastructure, then the API balancer, the control plane, the workers", () => {
        assert.ok(UPGRADE_ORDER.indexOf("kubeapi-load-balancer") < UPGRADE_ORDER.indexOf("kubernetes-control-plane"));
        assert.ok(UPGRADE_ORDER.indexOf("kubernetes-control-plane") < UPGRADE_ORDER.indexOf("kubernetes-worker"));
        assert.deepEqual(UPGRADE_ORDER.slice(0, 4), ["containerd", "etcd", "easyrsa", "calico"]);
    });

    it("lets any worker come and go, and keeps the control plane and the load-balancer node", () => {
        assert.equal(nodeChangeProblem(nodes(1, 2), nodes(1, 3)), undefined);
        assert.equal(nodeChangeProblem(nodes(1, 3), nodes(1, 2)), undefined);
        const withoutFirst = nodes(1, 3).filter((n) => n.name !== "worker-0");
        assert.equal(nodeChangeProblem(nodes(1, 3), withoutFirst), undefined, "the first worker no longer carries the balancer");
        assert.match(
            nodeChangeProblem(nodes(1, 2), nodes(3, 2)) ?? "",
            /control-plane nodes would change from cp-0 to cp-0, cp-1, cp-2.*easyrsa on cp-0/,
        );
        assert.match(nodeChangeProblem(nodes(1, 2), nodes(1, 2, "lb-1")) ?? "", /load-balancer node lb-0 carries kubeapi-load-balancer/);
        assert.equal(
            nodeChangeProblem(nodes(1, 2, ""), nodes(1, 2)),
            undefined,
            "a stack of an older version gains its load-balancer node",
        );
    });

    it("moves the balancer off the first worker only for a stack that had no load-balancer machine", () => {
        const cp = { id: "0", roles: ["control-plane"] };
        const [w1, w2, lb] = [
            { id: "1", roles: ["worker"] },
            { id: "2", roles: ["worker"] },
            { id: "3", roles: ["load-balancer"] },
        ];
        assert.deepEqual(balancerMove([cp, w1, w2], [cp, w1, w2, lb]), { from: "1", to: "3" });
        assert.equal(balancerMove([cp, w1, w2, lb], [cp, w1, lb]), undefined);
        // What the preview says, from the node names it knows.
        assert.match(
            balancerNodeMove(nodes(1, 2, ""), nodes(1, 2)) ?? "",
            /moves in place from worker worker-0's machine to the new load-balancer node lb-0/,
        );
        assert.equal(balancerNodeMove(nodes(1, 2), nodes(1, 3)), undefined);
    });

    it("finds the worker machines to add units to and to remove", () => {
        const machines = (ids: string[]) => [{ id: "0", roles: ["control-plane"] }, ...ids.map((id) => ({ id, roles: ["worker"] }))];
        assert.deepEqual(workerChanges(machines(["1", "2"]), machines(["1", "2", "3"])), { added: ["3"], removed: [] });
        assert.deepEqual(workerChanges(machines(["1", "2", "3"]), machines(["1", "2"])), { added: [], removed: ["3"] });
    });
});
