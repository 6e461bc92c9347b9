/**
 * Credentials for the Kubernetes provider that never reach a file.
 *
 * The Kubernetes provider (pulumi-kubernetes 4.24.1, provider/pkg/provider/provider.go Configure)
 * writes whatever kubeconfig it is given, path or content, to a new `kubeconfigNNNN` file in the
 * temp folder for Helm (util.go writeKubeconfigToFile, os.CreateTemp) and never removes it; without
 * a kubeconfig it reads the ambient one ($KUBECONFIG, ~/.kube/config), also a file. No provider
 * input gives a connection otherwise, and its process inherits the engine's environment, which a
 * program cannot change. So the provider gets a kubeconfig that holds no secret: the clusters and
 * contexts Juju returned (server and CA certificate, both public) and, for each user, an `exec`
 * credential plugin (client.authentication.k8s.io/v1): this file, run by client-go inside the
 * provider when it first connects (through its launcher `juju-kube-credential`), asks Juju for the kubeconfig (the control-plane leader's
 * get-kubeconfig action, as the Kubeconfig resource does) and hands the token or client key over
 * its stdout, in memory. What the provider writes to the temp folder is then the exec stanza only,
 * and this helper removes those copies (and any older copy holding this cluster's token) as it runs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { traceEvent, tracedMethod } from "../juju/trace";

/**
 * The plugin's launcher, relative to the project folder, where the engine runs the Kubernetes
 * provider (plugin.Context.Pwd): the state names no checkout's location. Its name is what
 * client-go's "exec: executable ... failed" shows when Juju cannot hand the credentials over.
 */
export const CREDENTIAL_HELPER = "components/cluster/juju-kube-credential";
export const EXEC_API_VERSION = "client.authentication.k8s.io/v1";
/** The control-plane application, in the order tried: upgraded clusters keep the old name. */
export const CONTROL_PLANE_APPS = ["kubernetes-control-plane", "kubernetes-master"] as const;

/** Where the helper asks for the kubeconfig. */
export interface CredentialSource {
    /** The Juju CLI as configured (a path with a slash is relative to the project folder). */
    readonly jujuPath: string;
    /** `controller:model`. */
    readonly modelRef: string;
}

interface KubeconfigUser {
    token?: string;
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    [key: string]: unknown;
}

interface KubeconfigDoc {
    "current-context"?: string;
    contexts?: { name?: string; context?: { user?: string } }[];
    users?: { name?: string; user?: KubeconfigUser }[];
    [key: string]: unknown;
}

/** Kubeconfig faults are named without its text: it holds the token or the client key. */
function parse(kubeconfig: string, who: string): KubeconfigDoc {
    let doc: unknown;
    try {
        doc = yaml.load(kubeconfig);
    } catch {
        throw new Error(`${who}: the kubeconfig from get-kubeconfig is not valid YAML (its text is not shown: it holds credentials)`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new Error(`${who}: the kubeconfig from get-kubeconfig is not a YAML mapping (its text is not shown: it holds credentials)`);
    }
    return doc as KubeconfigDoc;
}

/** The arguments client-go runs the launcher with to get one user's credentials. */
export function helperArgs(source: CredentialSource, user: string): string[] {
    return ["--juju", source.jujuPath, "--model", source.modelRef, "--user", user];
}

/**
 * The kubeconfig the Kubernetes provider gets: Juju's, with every user's credentials (token,
 * client certificate and key, password, token file) replaced by the exec plugin. It holds no secret.
 */
export function providerKubeconfig(kubeconfig: string, source: CredentialSource): string {
    const doc = parse(kubeconfig, "kubernetes provider");
    const users = (doc.users ?? []).map((entry) => ({
        name: entry.name ?? "",
        user: {
            exec: {
                apiVersion: EXEC_API_VERSION,
                command: CREDENTIAL_HELPER,
                args: helperArgs(source, entry.name ?? ""),
                interactiveMode: "Never",
                provideClusterInfo: false,
            },
        },
    }));
    return yaml.dump({ ...doc, users }, { lineWidth: -1, noRefs: true });
}

/** An ExecCredential (client.authentication.k8s.io/v1) with the named user's token or client certificate. */
export function execCredential(kubeconfig: string, userName: string): object {
    const doc = parse(kubeconfig, "kube credential");
    const current = doc.contexts?.find((c) => c.name === doc["current-context"])?.context?.user;
    const user = (doc.users ?? []).find((u) => u.name === userName)?.user ?? (doc.users ?? []).find((u) => u.name === current)?.user;
    const status: Record<string, string> = {};
    if (user?.token) status.token = user.token;
    else if (user?.["client-certificate-data"] && user["client-key-data"]) {
        // ExecCredential carries PEM text; kubeconfigs carry it base64-encoded.
        status.clientCertificateData = Buffer.from(user["client-certificate-data"], "base64").toString("utf8");
        status.clientKeyData = Buffer.from(user["client-key-data"], "base64").toString("utf8");
    } else {
        throw new Error(`kube credential: the kubeconfig from get-kubeconfig has no token or client certificate for user "${userName}"`);
    }
    return { apiVersion: EXEC_API_VERSION, kind: "ExecCredential", status };
}

/** Copies the Kubernetes provider wrote: `kubeconfig` and digits (os.CreateTemp("", "kubeconfig")), in the temp folder itself. */
const PROVIDER_COPY = /^kubeconfig\d+$/;

/**
 * Removes the Kubernetes provider's copies in `dir` that are this stack's: regular files of this
 * user named as the provider names them, holding either this helper's stanza for this model (what
 * the provider writes now) or one of `secrets` (this cluster's token or key, as versions before
 * the exec plugin left them). Nothing else is read or touched. Returns the files removed.
 */
export function removeProviderCopies(dir: string, source: CredentialSource, secrets: readonly string[] = []): string[] {
    const removed: string[] = [];
    let names: string[];
    try {
        names = fs.readdirSync(dir).filter((name) => PROVIDER_COPY.test(name));
    } catch {
        return removed;
    }
    const uid = process.getuid?.();
    for (const name of names) {
        const file = path.join(dir, name);
        try {
            const stat = fs.lstatSync(file);
            if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || stat.size > 1024 * 1024) continue;
            const text = fs.readFileSync(file, "utf8");
            const ours = text.includes(CREDENTIAL_HELPER) && text.includes(source.modelRef);
            if (ours || secrets.some((secret) => secret.length >= 16 && text.includes(secret))) {
                fs.rmSync(file);
                removed.push(file);
            }
        } catch {
            // gone meanwhile, or not readable: not ours to judge
        }
    }
    return removed;
}

/** The token and client key a kubeconfig holds, to find older copies of them. */
function secretsOf(kubeconfig: string): string[] {
    const doc = parse(kubeconfig, "kube credential");
    return (doc.users ?? []).flatMap((u) => [u.user?.token, u.user?.["client-key-data"]]).filter((s): s is string => typeof s === "string");
}

function option(argv: readonly string[], name: string): string {
    const at = argv.indexOf(`--${name}`);
    const value = at >= 0 ? argv[at + 1] : undefined;
    if (value === undefined)
        throw new Error(`--${name} is missing (usage: juju-kube-credential --juju <path> --model <controller:model> --user <name>)`);
    return value;
}

/**
 * The exec plugin: prints an ExecCredential for `--user` of the model's cluster on stdout, and
 * nothing else there (client-go parses it); progress and errors go to stderr.
 */
export async function main(argv: readonly string[]): Promise<void> {
    const source: CredentialSource = { jujuPath: option(argv, "juju"), modelRef: option(argv, "model") };
    const userName = option(argv, "user");
    // Juju's retry notices are console.log lines: they must not reach stdout.
    console.log = (...args: unknown[]) => console.error(...args);
    removeProviderCopies(os.tmpdir(), source);
    // Imported here: the provider's program never loads the Juju client.
    const { getKubeconfig } = await import("../juju/providers/common");
    let first: unknown;
    for (const app of CONTROL_PLANE_APPS) {
        try {
            const kubeconfig = await getKubeconfig(source, app);
            removeProviderCopies(os.tmpdir(), source, secretsOf(kubeconfig));
            process.stdout.write(`${JSON.stringify(execCredential(kubeconfig, userName))}\n`);
            return;
        } catch (error) {
            first ??= error;
        }
    }
    throw first;
}

if (require.main === module) {
    traceEvent("credential-start", { uptimeMs: Math.round(process.uptime() * 1000) });
    tracedMethod("kubeCredential", "exec", () => main(process.argv.slice(2))).catch((error: unknown) => {
        console.error(
            `ck-dualstack kube credential: cannot get the cluster's credentials from Juju: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exitCode = 1;
    });
}
