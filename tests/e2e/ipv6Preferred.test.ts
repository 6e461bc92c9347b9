// An IPv6-preferred sandbox on the real engine and kube-apiserver: the API is reached over IPv6
// (loadbalancer-ips, kubeconfig in brackets) and Services prefer IPv6.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { kubeGet } from "../support/kube";
import { alive, readState, serverPids } from "../../simulator/state";
import { e2eSandbox, quiet } from "./harness";
import { assertLivingWorkload, within } from "./livingWorkload";

const sandbox = e2eSandbox("v6", {
    "ck-dualstack:podCidr": "fd00:c00b:1::/112,192.168.0.0/16",
    "ck-dualstack:serviceCidr": "fd00:c00b:2::/112,10.152.183.0/24",
});
type ServiceDoc = { spec: { clusterIP: string; clusterIPs: string[]; ipFamilies: string[] } };

let stack: Stack | undefined;

after(async () => {
    await sandbox.cleanUp(stack);
});

describe("IPv6-preferred sandbox end to end", () => {
    it("reaches the API server over IPv6 and gives Services IPv6 first", async () => {
        stack = await sandbox.open();
        const up = await stack.up(quiet);
        assert.equal(up.outputs.mode.value, "dual-stack, IPv6 preferred");
        assert.equal(up.outputs.loadbalancerIps.value, "::1");
        assert.match(up.outputs.apiServer.value, /^https:\/\/\[::1\]:\d+$/);
        const kubeconfig = up.outputs.kubeconfig.value as string;
        assert.match(kubeconfig, /server: https:\/\/\[::1\]:\d+/);
        const dual = await kubeGet<ServiceDoc>(kubeconfig, "/api/v1/namespaces/default/services/nginx-dualstack");
        assert.equal(dual.status, 200);
        assert.deepEqual(dual.body.spec.ipFamilies, ["IPv6", "IPv4"]);
        assert.ok(within("fd00:c00b:2::/112", dual.body.spec.clusterIPs[0]), dual.body.spec.clusterIPs[0]);
        assert.ok(within("10.152.183.0/24", dual.body.spec.clusterIPs[1]), dual.body.spec.clusterIPs[1]);
        const kubernetes = await kubeGet<ServiceDoc>(kubeconfig, "/api/v1/namespaces/default/services/kubernetes");
        assert.ok(
            within("fd00:c00b:2::/112", kubernetes.body.spec.clusterIP),
            "the cluster's own Service is IPv6: IPv6 is the primary family",
        );
        // Services prefer IPv6; pods still list IPv4 first, as the charms' kubelets do (livingWorkload.ts)
        await assertLivingWorkload({
            kubeconfig,
            podCidrs: ["fd00:c00b:1::/112", "192.168.0.0/16"],
            replicas: 2,
            outputs: { nginxPods: up.outputs.nginxPods.value, nginxEndpoints: up.outputs.nginxEndpoints.value },
        });
    });

    it("destroys everything, the controllers and simulated kubelets included", async () => {
        const pids = Object.values(readState().models).flatMap((model) => (model.apiserver ? serverPids(model.apiserver) : []));
        assert.equal(pids.length, 5, "etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok ran");
        const destroyed = await stack!.destroy(quiet);
        assert.equal(destroyed.summary.result, "succeeded");
        stack = undefined;
        assert.deepEqual(readState().models, {});
        assert.deepEqual(pids.filter(alive), [], "a process of the simulated cluster outlived destroy");
    });
});
