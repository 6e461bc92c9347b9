/**
 * The Kubernetes API over https with the kubeconfig's credentials, for the code that talks to the
 * cluster without the Kubernetes provider: drain (scale-in) and the workload's address read-back.
 * Errors name what was asked, the status and the API's message only: never the kubeconfig's text
 * nor the request's headers (they hold the token or the client key).
 */
import * as https from "https";
import * as yaml from "js-yaml";

/** How to reach the API server, from the kubeconfig's current context. */
export interface Connection {
    host: string;
    port: number;
    basePath: string;
    tls: https.RequestOptions;
    headers: Record<string, string>;
    /** Who is asking, the prefix of every error (`drain`, ...). */
    label: string;
}

interface KubeconfigDoc {
    "current-context"?: string;
    contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
    clusters?: {
        name?: string;
        cluster?: { server?: string; "certificate-authority-data"?: string; "insecure-skip-tls-verify"?: boolean };
    }[];
    users?: { name?: string; user?: { token?: string; "client-certificate-data"?: string; "client-key-data"?: string } }[];
}

/** Kubeconfig faults are reported without its text: it holds the token or the client key. */
function kubeconfigError(label: string, what: string): Error {
    return new Error(`${label}: the kubeconfig ${what} (its text is not shown: it holds credentials)`);
}

/**
 * Reads the current context's server, CA and credentials (kubectl's precedence: token, else client
 * certificate); `label` prefixes every error about it or its requests.
 */
export function connectionFrom(kubeconfig: string, label: string): Connection {
    let doc: KubeconfigDoc;
    try {
        doc = yaml.load(kubeconfig) as KubeconfigDoc;
    } catch {
        // js-yaml quotes the lines around the fault, which may hold the token.
        throw kubeconfigError(label, "is not valid YAML");
    }
    if (typeof doc !== "object" || doc === null) throw kubeconfigError(label, "is not a YAML mapping");
    const contexts = doc.contexts ?? [];
    const context = (
        doc["current-context"] ? contexts.find((c) => c.name === doc["current-context"]) : contexts.length === 1 ? contexts[0] : undefined
    )?.context;
    if (!context) throw kubeconfigError(label, "has no current context");
    const cluster = (doc.clusters ?? []).find((c) => c.name === context.cluster)?.cluster;
    const user = (doc.users ?? []).find((u) => u.name === context.user)?.user ?? {};
    if (!cluster?.server) throw kubeconfigError(label, "names no server for its current context");
    let url: URL;
    try {
        url = new URL(cluster.server);
    } catch {
        throw kubeconfigError(label, "has a server that is not a URL");
    }
    if (url.protocol !== "https:") throw kubeconfigError(label, "has a server that is not https");
    const tls: https.RequestOptions = {};
    if (cluster["certificate-authority-data"]) tls.ca = Buffer.from(cluster["certificate-authority-data"], "base64");
    else if (cluster["insecure-skip-tls-verify"] === true) tls.rejectUnauthorized = false;
    const headers: Record<string, string> = {};
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    else if (user["client-certificate-data"] && user["client-key-data"]) {
        tls.cert = Buffer.from(user["client-certificate-data"], "base64");
        tls.key = Buffer.from(user["client-key-data"], "base64");
    } else throw kubeconfigError(label, "has no token or client certificate for its current user");
    return {
        // URL keeps the brackets of an IPv6 host; https.request wants the bare address.
        host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port ? Number(url.port) : 443,
        basePath: url.pathname.replace(/\/+$/, ""),
        tls,
        headers,
        label,
    };
}

export interface ApiResponse {
    status: number;
    body: Record<string, unknown>;
}

/** The API server could not be reached at all (no answer, as opposed to an HTTP error). */
export class ApiUnreachableError extends Error {}

/** The API's `message` (and its causes', which name the blocking budget), capped: the only API text errors repeat. */
export function apiMessage(body: Record<string, unknown>, cap = 300): string {
    const parts = typeof body.message === "string" ? [body.message] : [];
    const causes = (body.details as { causes?: { message?: unknown }[] } | undefined)?.causes ?? [];
    for (const cause of causes) if (typeof cause.message === "string") parts.push(cause.message);
    const text = parts.join(" ").replace(/\s+/g, " ").trim();
    return text.length > cap ? `${text.slice(0, cap)}…` : text;
}

const requestTimeoutMs = 30_000;

/** One JSON request; network failures name only their code, never the request's headers. */
export function request(
    connection: Connection,
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                ...connection.tls,
                host: connection.host,
                port: connection.port,
                path: connection.basePath + path,
                method,
                headers: {
                    ...connection.headers,
                    Accept: "application/json",
                    ...(payload === undefined ? {} : { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) }),
                },
                timeout: requestTimeoutMs,
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("error", () => reject(new Error(`${connection.label}: the Kubernetes API's answer to ${method} was cut off`)));
                response.on("end", () => {
                    let parsed: Record<string, unknown> = {};
                    try {
                        const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
                        if (typeof value === "object" && value !== null) parsed = value as Record<string, unknown>;
                    } catch {
                        // Not JSON (a proxy's page): only the status is reported.
                    }
                    resolve({ status: response.statusCode ?? 0, body: parsed });
                });
            },
        );
        req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
        req.on("error", (error: NodeJS.ErrnoException) =>
            reject(new ApiUnreachableError(`${connection.label}: cannot reach the Kubernetes API (${error.code ?? "connection failed"})`)),
        );
        req.end(payload);
    });
}

/** An API failure, naming what was asked about, the status and the API's message only. */
export function apiError(connection: Connection, what: string, response: ApiResponse): Error {
    const message = apiMessage(response.body);
    return new Error(`${connection.label}: ${what}: HTTP ${response.status}${message ? ` (${message})` : ""}`);
}
