import { execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { stopOwnProcesses } from "./processes";
import { SimApiServer, SimProcess, alive, clusterDir, serverFolders, serverProcesses, simHome } from "./state";

function freePort(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, host, () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

function openssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, a serving certificate for localhost in both families, and a service-account key. */
export function makeCertificates(dir: string): void {
    const file = (name: string) => path.join(dir, name);
    openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=ck-dualstack-sim-ca",
        "-keyout",
        file("ca.key"),
        "-out",
        file("ca.crt"),
    ]);
    openssl([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=kube-apiserver",
        "-keyout",
        file("apiserver.key"),
        "-out",
        file("apiserver.csr"),
    ]);
    fs.writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n");
    openssl([
        "x509",
        "-req",
        "-in",
        file("apiserver.csr"),
        "-CA",
        file("ca.crt"),
        "-CAkey",
        file("ca.key"),
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        file("san.ext"),
        "-out",
        file("apiserver.crt"),
    ]);
    openssl(["genrsa", "-out", file("sa.key"), "2048"]);
    openssl(["rsa", "-in", file("sa.key"), "-pubout", "-out", file("sa.pub")]);
}

export function startDetached(command: string, args: string[], log: string): number {
    const out = fs.openSync(log, "a");
    const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}; is it on PATH? (scripts/toolchain.sh builds it)`);
    return child.pid;
}

/**
 * Where the simulated API listens: ::1 when it is reached over IPv6 (kubeapi-load-balancer's
 * `loadbalancer-ips` is IPv6, or services prefer IPv6), 127.0.0.1 otherwise.
 */
export function apiHost(serviceCidr: string, balancerIps: string): string {
    const first = balancerIps.split(/\s+/).filter(Boolean)[0] ?? serviceCidr.split(",")[0];
    return first.includes(":") ? "::1" : "127.0.0.1";
}

/**
 * Starts a real etcd and kube-apiserver for a deployed control plane. The service range is the
 * deployed `service-cidr`, so a wrong overlay really breaks services.
 */
export async function startApiServer(model: string, serviceCidr: string, host: string): Promise<SimApiServer> {
    const relativeDir = path.join("clusters", model);
    const dir = path.join(simHome(), relativeDir);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    makeCertificates(dir);
    const [etcdClient, etcdPeer, port] = [await freePort("127.0.0.1"), await freePort("127.0.0.1"), await freePort(host)];
    const token = crypto.randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},admin,admin,system:masters\n`);
    const etcdPid = startDetached(
        "etcd",
        [
            "--name=sim",
            `--data-dir=${path.join(dir, "etcd")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-cluster=sim=http://127.0.0.1:${etcdPeer}`,
            "--log-level=warn",
        ],
        path.join(dir, "etcd.log"),
    );
    // Files by name: apiserverCommand puts them in the folder wherever it is now.
    const apiserverArgs = [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        `--service-cluster-ip-range=${serviceCidr}`,
        `--bind-address=${host}`,
        `--advertise-address=${host}`,
        `--secure-port=${port}`,
        "--tls-cert-file=apiserver.crt",
        "--tls-private-key-file=apiserver.key",
        "--client-ca-file=ca.crt",
        "--token-auth-file=tokens.csv",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-account-key-file=sa.pub",
        "--service-account-signing-key-file=sa.key",
        // Loopback addresses are not valid endpoints; there is no node network here.
        "--endpoint-reconciler-type=none",
        "--service-node-port-range=30000-32767",
    ];
    const server = { etcdPid, apiserverPid: 0, apiserverArgs, host, port, token, dir: relativeDir, serviceCidr, startedAt: Date.now() };
    return { ...server, apiserverPid: startDetached("kube-apiserver", apiserverCommand(server), path.join(dir, "kube-apiserver.log")) };
}

/** kube-apiserver's flags that name a file of the control plane's folder. */
const APISERVER_FILE_FLAGS = new Set([
    "--tls-cert-file",
    "--tls-private-key-file",
    "--client-ca-file",
    "--token-auth-file",
    "--service-account-key-file",
    "--service-account-signing-key-file",
]);

/**
 * kube-apiserver's arguments with its files where the folder is now: the state keeps them by name
 * (an older state by absolute path, whose name is the same), so a moved checkout starts it again.
 */
function apiserverCommand(server: Pick<SimApiServer, "apiserverArgs" | "dir">): string[] {
    return server.apiserverArgs.map((arg) => {
        const [name, value] = [arg.split("=")[0], arg.slice(arg.indexOf("=") + 1)];
        return APISERVER_FILE_FLAGS.has(name) ? `${name}=${path.join(clusterDir(server), path.basename(value))}` : arg;
    });
}

/** Stops the control plane's processes that are still its own (their command lines say so: processes.ts). */
function stopProcesses(server: SimApiServer, processes: SimProcess[]): void {
    stopOwnProcesses(processes, serverFolders(server));
}

/** Stops kube-controller-manager, kube-scheduler and kwok (kubelets.ts starts them). */
function stopControllers(server: SimApiServer): void {
    stopProcesses(
        server,
        serverProcesses(server).filter((p) => p.pid !== server.apiserverPid && p.pid !== server.etcdPid),
    );
}

/** Stops the controllers, then kube-apiserver and etcd, and removes their data. */
export function stopApiServer(server: SimApiServer | undefined): void {
    if (!server) return;
    stopControllers(server);
    stopProcesses(server, serverProcesses(server));
    fs.rmSync(clusterDir(server), { recursive: true, force: true });
}

/** One call to the simulated API as the admin; status 0 when it could not be reached. */
export function apiRequest(
    server: SimApiServer,
    method: string,
    apiPath: string,
    body?: object,
    contentType = "application/json",
): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const request = https.request(
            {
                host: server.host,
                port: server.port,
                path: apiPath,
                method,
                ca: fs.readFileSync(path.join(clusterDir(server), "ca.crt")),
                headers: {
                    Authorization: `Bearer ${server.token}`,
                    ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
                },
                timeout: 5000,
            },
            (response) => {
                let text = "";
                response.on("data", (chunk) => (text += chunk));
                response.on("end", () => {
                    let parsed: Record<string, unknown> = {};
                    try {
                        parsed = JSON.parse(text) as Record<string, unknown>;
                    } catch {
                        // /readyz answers plain text
                    }
                    resolve({ status: response.statusCode ?? 0, body: parsed });
                });
            },
        );
        request.on("error", () => resolve({ status: 0, body: {} }));
        request.on("timeout", () => request.destroy());
        request.end(payload);
    });
}

/** True once kube-apiserver answers /readyz. */
export async function apiServerReady(server: SimApiServer): Promise<boolean> {
    if (!alive(server.apiserverPid)) return false;
    return (await apiRequest(server, "GET", "/readyz")).status === 200;
}

export function serverUrl(server: SimApiServer): string {
    return `https://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
}

/**
 * What the charm's get-kubeconfig action returns, for the simulated control plane. The charm
 * names kubeapi-load-balancer's `loadbalancer-ips` when set (charm-kubernetes-control-plane
 * k8s_api_endpoints.external()); the port is the simulated API's.
 */
export function kubeconfigFor(server: SimApiServer, model: string, balancerIps: string): string {
    const ca = fs.readFileSync(path.join(clusterDir(server), "ca.crt")).toString("base64");
    const named = balancerIps.split(/\s+/).filter(Boolean)[0];
    const url = named ? `https://${named.includes(":") ? `[${named}]` : named}:${server.port}` : serverUrl(server);
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: juju-cluster-${model}`,
        "  cluster:",
        `    server: ${url}`,
        `    certificate-authority-data: ${ca}`,
        "users:",
        "- name: admin",
        "  user:",
        `    token: ${server.token}`,
        "contexts:",
        `- name: juju-context-${model}`,
        "  context:",
        `    cluster: juju-cluster-${model}`,
        "    user: admin",
        `current-context: juju-context-${model}`,
        "",
    ].join("\n");
}

/**
 * Restarts kube-apiserver with a new service range or address, as the charm does on `juju config`.
 * The controllers go too and start again against the new address once it is ready (kubelets.ts).
 */
export function restartApiServer(server: SimApiServer, serviceCidr: string, host: string): SimApiServer {
    stopControllers(server);
    stopProcesses(server, [{ pid: server.apiserverPid, binary: "kube-apiserver" }]);
    const replaced: Record<string, string> = {
        "--service-cluster-ip-range": serviceCidr,
        "--bind-address": host,
        "--advertise-address": host,
    };
    const args = server.apiserverArgs.map((arg) => {
        const name = arg.split("=")[0];
        return name in replaced ? `${name}=${replaced[name]}` : arg;
    });
    // Not ready until a status read finds the new process answering (commands/status.ts).
    const restarted = { ...server, apiserverArgs: args, serviceCidr, host, controllers: undefined, readySince: undefined };
    const apiserverPid = startDetached("kube-apiserver", apiserverCommand(restarted), path.join(clusterDir(server), "kube-apiserver.log"));
    return { ...restarted, apiserverPid };
}
