import * as yaml from "js-yaml";

interface KubeconfigDoc {
    clusters?: { name?: string; cluster?: { server?: string } }[];
}

/**
 * Parses a kubeconfig. js-yaml's errors quote the lines around the fault (a token among them), so
 * a parse failure is reported by position only.
 */
function parseKubeconfig(kubeconfig: string): KubeconfigDoc {
    let doc: unknown;
    try {
        doc = yaml.load(kubeconfig);
    } catch (error) {
        const mark = (error as { mark?: { line?: number; column?: number } }).mark;
        const where = mark?.line !== undefined ? ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}` : "";
        throw new Error(`the kubeconfig from get-kubeconfig is not valid YAML${where} (its text is not shown: it holds credentials)`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new Error("the kubeconfig from get-kubeconfig is not a YAML mapping (its text is not shown: it holds credentials)");
    }
    return doc as KubeconfigDoc;
}

/** The first cluster's API server URL. */
export function kubeconfigServer(kubeconfig: string): string | undefined {
    const server = parseKubeconfig(kubeconfig).clusters?.[0]?.cluster?.server;
    return typeof server === "string" ? server : undefined;
}

/** The host of an API server URL, without the brackets of an IPv6 address. */
export function serverHost(server: string): string {
    try {
        return new URL(server).hostname.replace(/^\[(.*)\]$/, "$1");
    } catch {
        return "";
    }
}
