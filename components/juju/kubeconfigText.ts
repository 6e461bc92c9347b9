import * as yaml from "js-yaml";

interface KubeconfigDoc {
    clusters?: { name?: string; cluster?: { server?: string } }[];
}

/** The first cluster's API server URL. */
export function kubeconfigServer(kubeconfig: string): string | undefined {
    const doc = yaml.load(kubeconfig) as KubeconfigDoc | undefined;
    return doc?.clusters?.[0]?.cluster?.server;
}

/**
 * Points every cluster of a kubeconfig at `address`, keeping scheme and port; IPv6 addresses
 * go in brackets. The charm writes the IPv4 address even when services prefer IPv6.
 */
export function pointKubeconfigAt(kubeconfig: string, address: string): string {
    const doc = yaml.load(kubeconfig) as KubeconfigDoc;
    const host = address.includes(":") ? `[${address}]` : address;
    for (const entry of doc.clusters ?? []) {
        if (!entry.cluster?.server) continue;
        const url = new URL(entry.cluster.server);
        entry.cluster.server = `${url.protocol}//${host}${url.port ? `:${url.port}` : ""}${url.pathname === "/" ? "" : url.pathname}`;
    }
    return yaml.dump(doc, { lineWidth: -1 });
}
