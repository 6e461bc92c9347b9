import type * as pulumi from "@pulumi/pulumi";
import { kubeconfigServer, serverHost } from "../kubeconfigText";
import { JujuTarget, getKubeconfig, progress, readWhileModelExists, verifyModel } from "./common";

export interface KubeconfigInputs extends JujuTarget {
    /**
     * What the kubeconfig is made from besides the model: the bundle, its channel and the machines of
     * the control plane and the balancer (JujuCluster). It is fetched again when this changes, not when
     * a worker comes or goes.
     */
    readonly fetchKey: string;
    /** kubeapi-load-balancer's IPv6 address when the API is reached over IPv6; empty otherwise. */
    readonly apiAddress: string;
    /** The control-plane application (kubernetes-control-plane, or kubernetes-master on upgraded clusters). */
    readonly controlPlaneApp: string;
}

export interface KubeconfigOutputs extends KubeconfigInputs {
    readonly kubeconfig: string;
    readonly server: string;
}

/** The inputs whose change fetches the kubeconfig again (a stack of an earlier version, without `fetchKey`, once). */
const REFETCH_KEYS = ["fetchKey", "apiAddress"] as const;

async function fetchKubeconfig(inputs: KubeconfigInputs): Promise<KubeconfigOutputs> {
    const app = inputs.controlPlaneApp;
    await verifyModel(inputs);
    const kubeconfig = await getKubeconfig(inputs, app);
    const server = kubeconfigServer(kubeconfig) ?? "";
    // The charm names the balancer's loadbalancer-ips in the kubeconfig (charm-kubernetes-control-plane
    // k8s_api_endpoints.external()); anything else means the address did not take.
    if (inputs.apiAddress && serverHost(server) !== inputs.apiAddress) {
        throw new Error(
            `${app}/leader get-kubeconfig points at ${server || "no server"}, not at kubeapi-load-balancer's loadbalancer-ips ${inputs.apiAddress}; check \`juju config kubeapi-load-balancer loadbalancer-ips\``,
        );
    }
    progress(`kubeconfig ${inputs.modelRef}`, `fetched from ${app}/leader; API server ${server}`);
    return { ...inputs, kubeconfig, server };
}

/** The get-kubeconfig action on the control-plane leader; the kubeconfig is a secret output. */
export class KubeconfigProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: KubeconfigInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.modelRef}/kubeconfig`, outs: await fetchKubeconfig(inputs) };
    }

    read(id: string, props: KubeconfigOutputs): Promise<pulumi.dynamic.ReadResult> {
        return readWhileModelExists(id, props);
    }

    /**
     * Not `controlPlaneApp`: it comes from the Deployment, so it is unknown at the preview of any change to
     * it, and Juju does not rename an application, so within one model (`modelUuid`) it stays the same.
     */
    async diff(_id: string, olds: KubeconfigOutputs, news: KubeconfigInputs): Promise<pulumi.dynamic.DiffResult> {
        const changed = (["jujuPath", "modelRef", "modelUuid", ...REFETCH_KEYS] as const).filter((key) => olds[key] !== news[key]);
        return { changes: changed.length > 0 };
    }

    /** Fetched again when what it is made from changed; a ref gaining its controller is only recorded. */
    async update(_id: string, olds: KubeconfigOutputs, news: KubeconfigInputs): Promise<pulumi.dynamic.UpdateResult> {
        const refetch = REFETCH_KEYS.some((key) => olds[key] !== news[key]);
        const sameModel = !olds.modelUuid || !news.modelUuid || olds.modelUuid === news.modelUuid;
        if (!refetch && sameModel) return { outs: { ...olds, ...news } };
        return { outs: await fetchKubeconfig(news) };
    }

    /** Nothing to remove in Juju: the kubeconfig goes with the model. */
    async delete(): Promise<void> {}
}
