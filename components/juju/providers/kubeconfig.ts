import type * as pulumi from "@pulumi/pulumi";
import { runJujuJson } from "../cli";
import { kubeconfigServer, pointKubeconfigAt } from "../kubeconfigText";
import { JujuTarget, isGone, jujuOptions, jujuStatus, progress } from "./common";

export interface KubeconfigInputs extends JujuTarget {
    /** Changes whenever the deployment does, so the kubeconfig is fetched again. */
    readonly deploymentId: string;
    /** The control plane's IPv6 address when the API is reached over IPv6; empty otherwise. */
    readonly apiAddress: string;
    /** The control-plane application (kubernetes-control-plane, or kubernetes-master on upgraded clusters). */
    readonly controlPlaneApp: string;
}

export interface KubeconfigOutputs extends KubeconfigInputs {
    readonly kubeconfig: string;
    readonly server: string;
}

type ActionResults = Record<string, { results?: { kubeconfig?: string }; status?: string; message?: string }>;

async function fetchKubeconfig(inputs: KubeconfigInputs): Promise<KubeconfigOutputs> {
    const juju = jujuOptions(inputs);
    const app = inputs.controlPlaneApp;
    const results = await runJujuJson<ActionResults>(juju, ["run", "-m", inputs.modelRef, `${app}/leader`, "get-kubeconfig"]);
    const result = Object.values(results).find((entry) => entry.results?.kubeconfig);
    if (!result?.results?.kubeconfig) {
        throw new Error(`${app}/leader get-kubeconfig returned no kubeconfig (${Object.values(results)[0]?.message ?? "no message"})`);
    }
    const kubeconfig = inputs.apiAddress ? pointKubeconfigAt(result.results.kubeconfig, inputs.apiAddress) : result.results.kubeconfig;
    const server = kubeconfigServer(kubeconfig) ?? "";
    progress(`kubeconfig ${inputs.modelRef}`, `fetched from ${app}/leader; API server ${server}`);
    return { ...inputs, kubeconfig, server };
}

/** The get-kubeconfig action on the control-plane leader; the kubeconfig is a secret output. */
export class KubeconfigProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: KubeconfigInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.modelRef}/kubeconfig`, outs: await fetchKubeconfig(inputs) };
    }

    async read(id: string, props: KubeconfigOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            await jujuStatus(props);
            return { id, props };
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    async diff(_id: string, olds: KubeconfigOutputs, news: KubeconfigInputs): Promise<pulumi.dynamic.DiffResult> {
        const changed = (["modelRef", "deploymentId", "apiAddress", "controlPlaneApp"] as const).filter((key) => olds[key] !== news[key]);
        return { changes: changed.length > 0 };
    }

    async update(_id: string, _olds: KubeconfigOutputs, news: KubeconfigInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await fetchKubeconfig(news) };
    }

    /** Nothing to remove in Juju: the kubeconfig goes with the model. */
    async delete(): Promise<void> {}
}
