// Refused values are named by key and rule, never echoed when they look secret, and shortened
// otherwise (issue 22). No key marker or credential sits in this source: each is assembled here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { secretKind, shownValue } from "../../components/config/display";
import { ConfigError, loadConfig } from "../../components/config/load";
import { readStackConfig } from "../../components/config/stackConfig";
import { formatProblem, validateConfig } from "../../components/config/validate";

const ROOT = path.resolve(__dirname, "..", "..");
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e operator@example";
const AWS = { cloud: "aws", adminCidrs: JSON.stringify(["203.0.113.7/32"]), sshPublicKey: PUBLIC_KEY };

/** Armour lines, assembled so that no marker sits in the source. */
const armour = (edge: "BEGIN" | "END", type: string) => ["-----", edge, " ", type, " PRIVATE", " KEY", "-----"].join("");

/** An OpenSSH private key as `cat ~/.ssh/id_ed25519` prints it (random body, same shape). */
function openSshPrivateKey(): { text: string; body: string[] } {
    const magic = Buffer.from("openssh-key-v1\0");
    const raw = Buffer.concat([magic, crypto.randomBytes(350)]).toString("base64");
    const body = raw.match(/.{1,70}/g)!;
    return { text: [armour("BEGIN", "OPENSSH"), ...body, armour("END", "OPENSSH"), ""].join("\n"), body };
}

/** A PuTTY .ppk file's text (random key material, same shape). */
function puttyKey(): { text: string; secret: string } {
    const secret = crypto.randomBytes(48).toString("base64");
    const text = [
        ["PuTTY", "User", "Key", "File"].join("-") + "-3: ssh-ed25519",
        "Encryption: none",
        "Comment: operator@example",
        "Public-Lines: 2",
        "AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e",
        ["Private", "Lines"].join("-") + ": 1",
        secret,
        "Private-MAC: " + crypto.randomBytes(32).toString("hex"),
    ].join("\n");
    return { text, secret };
}

const jwt = () =>
    [
        Buffer.from(JSON.stringify({ alg: "RS256", kid: "k" })).toString("base64url"),
        Buffer.from(JSON.stringify({ sub: "system:serviceaccount:default:admin", exp: 2000000000 })).toString("base64url"),
        crypto.randomBytes(64).toString("base64url"),
    ].join(".");
/** An AWS secret access key's shape: 40 characters of base64, a slash and a plus among them. */
const awsSecret = () => {
    const chars = Array.from(crypto.randomBytes(30).toString("base64"));
    chars[7] = "/";
    chars[23] = "+";
    return chars.join("");
};

/** Every problem of a raw config, as `npm run plan` and `pulumi preview` print them. */
function printed(raw: Record<string, string>): string {
    try {
        loadConfig(raw);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
    }
    assert.fail("the config was accepted");
}

/** Fails when `text` holds any 12-character piece of `secret`. */
function assertNothingOf(secret: string, text: string, what: string): void {
    const compact = secret.replace(/\s+/g, "");
    for (let i = 0; i + 12 <= compact.length; i += 4) {
        assert.ok(!text.replace(/\s+/g, "").includes(compact.slice(i, i + 12)), `${what} shows part of the secret:\n${text}`);
    }
}

describe("refused values that look secret are not shown (issue 22)", () => {
    it("refuses a private key pasted into sshPublicKey by key and rule, printing none of it", () => {
        const key = openSshPrivateKey();
        for (const cloud of ["aws", "openstack"]) {
            const message = printed({ ...AWS, cloud, sshPublicKey: key.text });
            const line = message.split("\n").find((l) => l.includes("ck-dualstack:sshPublicKey"));
            assert.ok(line, message);
            assert.match(
                line,
                /^ {2}- ck-dualstack:sshPublicKey = \(not shown: it looks like a private key; \d+ characters\): is a private key, not an OpenSSH public key: give the public half/,
            );
            assert.ok(!message.includes("PRIVATE KEY"), message);
            assert.ok(!message.includes("-----"), message);
            assertNothingOf(key.body.join(""), message, cloud);
        }
    });

    it("refuses a PuTTY private key and a single armour line the same way", () => {
        const putty = puttyKey();
        const message = printed({ ...AWS, sshPublicKey: putty.text });
        assert.match(
            message,
            /sshPublicKey = \(not shown: it looks like a PuTTY private key; \d+ characters\): is a PuTTY private key, not an OpenSSH public key/,
        );
        assertNothingOf(putty.secret, message, "PuTTY");
        assert.ok(!/PuTTY-User-Key-File/.test(message), message);
        // the first line alone, as a paste cut short leaves it
        const header = printed({ ...AWS, sshPublicKey: armour("BEGIN", "RSA") });
        assert.match(header, /sshPublicKey = \(not shown: it looks like a private key; 31 characters\)/);
        assert.ok(!header.includes("PRIVATE KEY"), header);
    });

    it("hides tokens and cloud credentials in any key, and what the rule quotes of them", () => {
        const cases: Record<string, string>[] = [
            { podCidr: jwt() },
            { serviceCidr: `10.152.183.0/24,${awsSecret()}` },
            { controller: awsSecret() },
            {
                cloud: "existing",
                hosts: JSON.stringify([`cp0 control-plane ${crypto.randomBytes(24).toString("hex")}`, "w0 worker 10.0.0.20"]),
            },
            { cloud: "existing", hosts: JSON.stringify([`cp0 control-plane 10.0.0.10 ${jwt()}`, "w0 worker 10.0.0.20"]) },
            { bundle: ["AKIA", "IOSFODNN7", "EXAMPLE"].join("") },
        ];
        for (const raw of cases) {
            const [key, value] = Object.entries(raw).find(([k]) => k !== "cloud")!;
            const secrets = (key === "hosts" ? (JSON.parse(value) as string[]).join(" ") : value)
                .split(/[\s,]+/)
                .filter((word) => secretKind(word));
            assert.ok(secrets.length > 0, `${key}: the case holds a secret`);
            const message = printed({ cloud: "sandbox", ...raw });
            assert.match(
                message,
                new RegExp(`ck-dualstack:${key} = \\(not shown: it looks like (a token|an AWS access key); \\d+ characters\\)`),
                message,
            );
            for (const secret of secrets) assertNothingOf(secret, message, key);
        }
    });

    it("shows public keys and ordinary values as they are, and shortens long ones to 60 characters and the length", () => {
        assert.equal(secretKind(PUBLIC_KEY), undefined);
        assert.equal(secretKind("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Hx9mPqR2vL8kW3nZ5tY6uJ0aS1dF4gH operator@example"), undefined);
        for (const ordinary of [
            "10.152.183.0/24,fd00:c00b:2::/112",
            "/home/ubuntu/src/github.com/Canonical/ck-dualstack/simulator/juju",
            "/home/User2/Projects/ck-dualstack2/simulator/juju",
            "ghcr.io/canonical/cdk/diverdane/nginxdualstack:1.0.0",
            "ami-0123456789abcdef0",
            "cp0 control-plane 10.0.0.10 2001:db8::10",
        ]) {
            assert.equal(secretKind(ordinary), undefined, ordinary);
        }
        assert.equal(shownValue("10.0.0.1/8"), '"10.0.0.1/8"');
        const long = `10.0.0.0/8,${"fd00:".repeat(40)}`;
        assert.equal(shownValue(long), `${JSON.stringify(`${long.slice(0, 60)}…`)} (${long.length} characters)`);
        // a long value the rule quotes is shortened there too
        const message = printed({ cloud: "sandbox", podCidr: long });
        assert.ok(
            message.includes(`ck-dualstack:podCidr = ${JSON.stringify(`${long.slice(0, 60)}…`)} (${long.length} characters): `),
            message,
        );
        assert.ok(!message.includes(long), message);
        assert.ok(
            message.split("\n").every((line) => line.length < 400),
            message,
        );
        // short refusals read as before
        const { config, problems } = readStackConfig({ podCidr: "10.0.0.1/8" });
        assert.match([...problems, ...validateConfig(config)].map(formatProblem).join("\n"), /ck-dualstack:podCidr = "10\.0\.0\.1\/8": /);
    });

    it("npm run plan prints the refusal without the key", () => {
        const key = openSshPrivateKey();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-plan-secret-"));
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.pasted.yaml"),
                yaml.dump({
                    config: {
                        "ck-dualstack:cloud": "aws",
                        "ck-dualstack:adminCidrs": ["203.0.113.7/32"],
                        "ck-dualstack:sshPublicKey": key.text,
                    },
                }),
            );
            const result = spawnSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "plan.ts"), "pasted"], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, CK_DUALSTACK_PROJECT_DIR: dir },
            });
            const output = `${result.stdout}${result.stderr}`;
            assert.equal(result.status, 1, output);
            assert.match(
                output,
                /ck-dualstack:sshPublicKey = \(not shown: it looks like a private key; \d+ characters\): is a private key/,
            );
            assert.ok(!output.includes("PRIVATE KEY"), output);
            assertNothingOf(key.body.join(""), output, "npm run plan");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
