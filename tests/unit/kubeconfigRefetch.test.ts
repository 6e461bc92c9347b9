// When the Kubeconfig resource fetches the kubeconfig again (issue 23): only when what it is made
// from changes, never because a worker was added, so the Kubernetes provider's kubeconfig stays known
// at the preview of adding a worker and is not set up again after the model settles.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { KubeconfigOutputs, KubeconfigProvider } from "../../components/juju/providers/kubeconfig";
import { FakeJuju } from "../support/fakeJuju";

const kubeconfigText = "apiVersion: v1\nclusters:\n- name: k\n  cluster:\n    server: https://10.0.0.20:443\n";
const juju = new FakeJuju({
    run: [
        {
            stdout: JSON.stringify({
                "kubernetes-control-plane/0": {
                    id: "1",
                    results: { kubeconfig: kubeconfigText, "return-code": 0 },
                    status: "completed",
                    unit: "kubernetes-control-plane/0",
                },
            }),
        },
    ],
});
after(() => juju.remove());

const fetched: KubeconfigOutputs = {
    jujuPath: juju.path,
    modelRef: "lxd:ck",
    // no identity recorded, so no model check: only get-kubeconfig is asked
    modelUuid: "",
    fetchKey: "charmed-kubernetes|1.35/stable|0|20",
    apiAddress: "",
    controlPlaneApp: "kubernetes-control-plane",
    kubeconfig: kubeconfigText,
    server: "https://10.0.0.20:443",
};
/** What the engine passes for an input it does not know yet (the Deployment's output at the preview of its update). */
const unknown = pulumi.runtime.unknownValue as string;

describe("fetching the kubeconfig again", () => {
    it("previews no change when a worker is added: the Deployment's outputs are unknown, the kubeconfig's sources are not", async () => {
        const news = { ...fetched, controlPlaneApp: unknown, kubeconfig: undefined, server: undefined };
        assert.deepEqual(await new KubeconfigProvider().diff("id", fetched, news), { changes: false });
    });

    it("fetches again when the control plane, the balancer, the bundle or the API address changes", async () => {
        const provider = new KubeconfigProvider();
        for (const change of [{ fetchKey: "charmed-kubernetes|1.35/stable|0|21" }, { apiAddress: "2001:db8::20" }]) {
            assert.deepEqual(await provider.diff("id", fetched, { ...fetched, ...change }), { changes: true }, JSON.stringify(change));
        }
        const before = juju.calls().length;
        await provider.update("id", fetched, { ...fetched, fetchKey: "charmed-kubernetes|1.35/stable|0|21" });
        assert.ok(
            juju
                .calls()
                .slice(before)
                .some((call) => call[0] === "run" && call.includes("get-kubeconfig")),
            "get-kubeconfig was not run again",
        );
    });

    it("fetches once more on a stack of an earlier version, which recorded the Deployment's generation instead", async () => {
        const earlier = { ...fetched, fetchKey: undefined, deploymentId: "ck/deployment|3" } as unknown as KubeconfigOutputs;
        assert.deepEqual(await new KubeconfigProvider().diff("id", earlier, fetched), { changes: true });
    });
});
