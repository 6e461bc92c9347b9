// The Kubernetes provider's kubeconfig holds no secret; its exec plugin hands the credential over
// stdout only, and removes the provider's temp copies of this stack (issue 22).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
    CREDENTIAL_HELPER,
    EXEC_API_VERSION,
    execCredential,
    providerKubeconfig,
    removeProviderCopies,
} from "../../components/cluster/kubeCredential";
import { FakeJuju } from "../support/fakeJuju";

const ROOT = path.resolve(__dirname, "..", "..");
const TOKEN = crypto.randomBytes(24).toString("hex");
const CA = Buffer.from("ca certificate (public)").toString("base64");
const SOURCE = { jujuPath: "simulator/juju", modelRef: "sim:ck-dualstack" };

/** A kubeconfig as get-kubeconfig returns it (the charm's shape: one cluster, user admin, token). */
function jujuKubeconfig(user: Record<string, string> = { token: TOKEN }): string {
    return yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "juju-cluster-ck", cluster: { server: "https://[::1]:6443", "certificate-authority-data": CA } }],
        users: [{ name: "admin", user }],
        contexts: [{ name: "juju-context-ck", context: { cluster: "juju-cluster-ck", user: "admin" } }],
        "current-context": "juju-context-ck",
    });
}

describe("the Kubernetes provider's credentials (issue 22)", () => {
    it("gives the provider Juju's clusters and contexts, and an exec plugin instead of the token or key", () => {
        const key = Buffer.from("client key").toString("base64");
        const users: Record<string, string>[] = [{ token: TOKEN }, { "client-certificate-data": CA, "client-key-data": key }];
        for (const user of users) {
            const text = providerKubeconfig(jujuKubeconfig(user), SOURCE);
            assert.ok(!text.includes(TOKEN), text);
            assert.ok(!text.includes(key), text);
            assert.ok(!/token|client-key|client-certificate|password/.test(text), text);
            const doc = yaml.load(text) as Record<string, unknown> & { users: { name: string; user: { exec: Record<string, unknown> } }[] };
            const original = yaml.load(jujuKubeconfig(user)) as Record<string, unknown>;
            for (const field of ["clusters", "contexts", "current-context", "apiVersion", "kind"])
                assert.deepEqual(doc[field], original[field], field);
            assert.deepEqual(doc.users, [
                {
                    name: "admin",
                    user: {
                        exec: {
                            apiVersion: EXEC_API_VERSION,
                            command: "components/cluster/juju-kube-credential",
                            args: ["--juju", "simulator/juju", "--model", "sim:ck-dualstack", "--user", "admin"],
                            interactiveMode: "Never",
                            provideClusterInfo: false,
                        },
                    },
                },
            ]);
        }
        // the launcher is named relative to the project folder, where the engine runs the provider, and is executable
        assert.equal(CREDENTIAL_HELPER, "components/cluster/juju-kube-credential");
        fs.accessSync(path.join(ROOT, CREDENTIAL_HELPER), fs.constants.X_OK);
    });

    it("hands over the token, or the client certificate and key as PEM, and names a kubeconfig fault without its text", () => {
        assert.deepEqual(execCredential(jujuKubeconfig(), "admin"), {
            apiVersion: EXEC_API_VERSION,
            kind: "ExecCredential",
            status: { token: TOKEN },
        });
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const keyPem = ["-----BEGIN", "EC", "PRIVATE", "KEY-----\nMHcC\n-----END", "EC", "PRIVATE", "KEY-----\n"].join(" ");
        const cert = {
            "client-certificate-data": Buffer.from(pem).toString("base64"),
            "client-key-data": Buffer.from(keyPem).toString("base64"),
        };
        assert.deepEqual((execCredential(jujuKubeconfig(cert), "admin") as { status: unknown }).status, {
            clientCertificateData: pem,
            clientKeyData: keyPem,
        });
        assert.throws(
            () => execCredential(`token: ${TOKEN}\n  bad: [`, "admin"),
            (error: Error) => !error.message.includes(TOKEN),
        );
        assert.throws(() => execCredential(jujuKubeconfig({}), "admin"), /no token or client certificate for user "admin"/);
    });

    it("removes only this stack's provider copies: the exec stanza for its model, or its token", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-copies-"));
        try {
            const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
            write("kubeconfig1111", providerKubeconfig(jujuKubeconfig(), SOURCE));
            write("kubeconfig2222", jujuKubeconfig());
            write("kubeconfig3333", providerKubeconfig(jujuKubeconfig(), { ...SOURCE, modelRef: "sim:other-stack" }));
            write("kubeconfig4444", "someone else's kubeconfig");
            write("kubeconfig-notes", providerKubeconfig(jujuKubeconfig(), SOURCE));
            fs.symlinkSync(path.join(dir, "kubeconfig2222"), path.join(dir, "kubeconfig5555"));
            const removed = removeProviderCopies(dir, SOURCE, [TOKEN]).map((file) => path.basename(file));
            assert.deepEqual(removed.sort(), ["kubeconfig1111", "kubeconfig2222"]);
            assert.deepEqual(fs.readdirSync(dir).sort(), ["kubeconfig-notes", "kubeconfig3333", "kubeconfig4444", "kubeconfig5555"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("runs as client-go does: one ExecCredential on stdout, Juju's notices on stderr, copies gone", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ck-exec-"));
        const juju = new FakeJuju({
            run: [
                { stderr: "ERROR cannot connect to API: connection refused\n", code: 1 },
                {
                    stdout: JSON.stringify({
                        "kubernetes-control-plane/0": { results: { kubeconfig: jujuKubeconfig() }, status: "completed" },
                    }),
                },
            ],
        });
        try {
            fs.writeFileSync(path.join(tmp, "kubeconfig7777"), jujuKubeconfig(), { mode: 0o600 });
            const source = { jujuPath: juju.path, modelRef: "sim:ck-dualstack" };
            const exec = (
                yaml.load(providerKubeconfig(jujuKubeconfig(), source)) as {
                    users: { user: { exec: { command: string; args: string[] } } }[];
                }
            ).users[0].user.exec;
            fs.writeFileSync(path.join(tmp, "kubeconfig8888"), providerKubeconfig(jujuKubeconfig(), source), { mode: 0o600 });
            const run = spawnSync(exec.command, exec.args, {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, TMPDIR: tmp, CK_JUJU_BACKOFF_MS: "10", KUBERNETES_EXEC_INFO: "{}" },
            });
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), { apiVersion: EXEC_API_VERSION, kind: "ExecCredential", status: { token: TOKEN } });
            assert.match(run.stderr, /controller unreachable/);
            assert.deepEqual(
                fs.readdirSync(tmp).filter((name) => name.startsWith("kubeconfig")),
                [],
                "the provider's copies of this stack are gone",
            );
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
            fs.rmSync(juju.dir, { recursive: true, force: true });
        }
    });

    it("the launcher removes this stack's stanza copies before node even starts", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ck-launcher-"));
        try {
            const write = (name: string, text: string) => fs.writeFileSync(path.join(tmp, name), text, { mode: 0o600 });
            write("kubeconfig1111", providerKubeconfig(jujuKubeconfig(), SOURCE));
            write("kubeconfig2222", providerKubeconfig(jujuKubeconfig(), { ...SOURCE, modelRef: "sim:other-stack" }));
            write("kubeconfig3333x", providerKubeconfig(jujuKubeconfig(), SOURCE));
            // node refuses to start: only the launcher's own clean-up runs
            const run = spawnSync(
                path.join(ROOT, CREDENTIAL_HELPER),
                ["--juju", "simulator/juju", "--model", SOURCE.modelRef, "--user", "admin"],
                {
                    cwd: ROOT,
                    encoding: "utf8",
                    env: { ...process.env, TMPDIR: tmp, NODE_OPTIONS: "--no-such-option" },
                },
            );
            assert.notEqual(run.status, 0);
            assert.equal(run.stdout, "");
            assert.deepEqual(fs.readdirSync(tmp).sort(), ["kubeconfig2222", "kubeconfig3333x"]);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("fails with the reason on stderr and nothing on stdout when Juju has no kubeconfig", () => {
        const juju = new FakeJuju({
            run: [{ stdout: JSON.stringify({ "kubernetes-control-plane/0": { results: {}, status: "failed" } }) }],
        });
        try {
            // from another folder: the launcher finds its project itself
            const run = spawnSync(path.join(ROOT, CREDENTIAL_HELPER), ["--juju", juju.path, "--model", "sim:ck", "--user", "admin"], {
                cwd: os.tmpdir(),
                encoding: "utf8",
            });
            assert.equal(run.status, 1);
            assert.equal(run.stdout, "");
            assert.match(
                run.stderr,
                /^ck-dualstack kube credential: cannot get the cluster's credentials from Juju: .*get-kubeconfig.*failed/,
            );
            // the upgraded clusters' name was tried too
            assert.deepEqual(
                juju.calls().map((call) => call[call.length - 2]),
                ["kubernetes-control-plane/leader", "kubernetes-master/leader"],
            );
        } finally {
            fs.rmSync(juju.dir, { recursive: true, force: true });
        }
    });
});
