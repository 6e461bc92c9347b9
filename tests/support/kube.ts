import * as https from "node:https";
import * as yaml from "js-yaml";

interface Kubeconfig {
    clusters: { cluster: { server: string; "certificate-authority-data"?: string } }[];
    users: { user: { token?: string } }[];
}

/** GETs a path from the API server a kubeconfig names (token auth, as the simulator issues). */
export function kubeGet<T>(kubeconfig: string, path: string): Promise<{ status: number; body: T }> {
    return kubeRequest<T>(kubeconfig, "GET", path);
}

/** Sends a request with an optional JSON body to the API server a kubeconfig names. */
export function kubeRequest<T>(kubeconfig: string, method: string, path: string, payload?: object): Promise<{ status: number; body: T }> {
    const doc = yaml.load(kubeconfig) as Kubeconfig;
    const url = new URL(doc.clusters[0].cluster.server);
    const ca = doc.clusters[0].cluster["certificate-authority-data"];
    return new Promise((resolve, reject) => {
        const request = https.request(
            {
                host: url.hostname.replace(/^\[|\]$/g, ""),
                port: url.port,
                path,
                method,
                ca: ca ? Buffer.from(ca, "base64") : undefined,
                headers: { Authorization: `Bearer ${doc.users[0].user.token}`, "Content-Type": "application/json" },
                timeout: 10_000,
            },
            (response) => {
                let body = "";
                response.on("data", (chunk) => (body += chunk));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(body || "{}") as T }));
            },
        );
        request.on("error", reject);
        request.end(payload ? JSON.stringify(payload) : undefined);
    });
}
