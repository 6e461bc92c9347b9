// Values that used to be accepted and broke later or elsewhere, and messages that did not say what
// was wrong (issue 22, points 6 and 7): each is refused before anything exists, naming its key.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ownConfig } from "../../components/config/ownKeys";
import { readStackFileChecked, stackNameProblem } from "../../components/config/stackFile";
import { formatProblem } from "../../components/config/validate";
import { problemLines } from "../support/configProblems";

const ROOT = path.resolve(__dirname, "..", "..");

function expectRefused(raw: Record<string, string>, key: string, rule: RegExp): string {
    const lines = problemLines(raw);
    const line = lines.find((found) => found.startsWith(`${key} = `) && rule.test(found));
    assert.ok(line, `expected a ${key} problem matching ${rule}, got:\n${lines.join("\n")}`);
    return line;
}

/** cloud=existing with one host per role; `change` rewrites the entries. */
function existing(change: (hosts: string[]) => string[] = (hosts) => hosts): Record<string, string> {
    const hosts = [
        "cp0 control-plane 10.0.0.10 2001:db8::10",
        "w0 worker 10.0.0.20 2001:db8::20",
        "lb0 load-balancer 10.0.0.30 2001:db8::30",
    ];
    return { cloud: "existing", hosts: JSON.stringify(change(hosts)) };
}

/** A project folder holding `Pulumi.<stack>.yaml` with `text`. */
function stackFolder(stack: string, text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-hostile-"));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}

describe("addresses that break later", () => {
    it("refuses IPv6 zone IDs in hosts and ranges, naming the key", () => {
        for (const zone of ["%eth0", "%`id`;", "%$(reboot)"]) {
            expectRefused(
                existing((h) => [h[0], `w0 worker 10.0.0.20 2001:db8::20${zone}`, h[2]]),
                "ck-dualstack:hosts",
                /zone ID/,
            );
        }
        expectRefused({ podCidr: "192.168.0.0/16,fd00:c00b:1::%eth0/112" }, "ck-dualstack:podCidr", /zone ID/);
        expectRefused(
            { cloud: "aws", adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8::7%eth0/128"]) },
            "ck-dualstack:adminCidrs",
            /zone ID/,
        );
    });

    it("refuses two hosts with the same address", () => {
        expectRefused(
            existing((h) => [h[0], "w0 worker 10.0.0.10 2001:db8::20", h[2]]),
            "ck-dualstack:hosts",
            /10\.0\.0\.10 is also given to cp0/,
        );
        expectRefused(
            existing((h) => [h[0], "w0 worker 10.0.0.20 2001:DB8::10", h[2]]),
            "ck-dualstack:hosts",
            /2001:db8::10 is also given to cp0/,
        );
        assert.deepEqual(problemLines(existing()), []);
    });

    it("refuses loopback, unspecified, multicast, link-local and IPv4-mapped host addresses", () => {
        const cases: [string, string, RegExp][] = [
            ["127.0.0.5", "2001:db8::20", /loopback/],
            ["0.0.0.0", "2001:db8::20", /unspecified/],
            ["224.0.0.1", "2001:db8::20", /multicast/],
            ["169.254.10.1", "2001:db8::20", /link-local/],
            ["10.0.0.20", "::1", /loopback/],
            ["10.0.0.20", "::", /unspecified/],
            ["10.0.0.20", "ff02::1", /multicast/],
            ["10.0.0.20", "fe80::20", /link-local/],
            // cp0's 10.0.0.10 spelt as IPv6 (RFC 4291 2.5.5.2): no second host, and no interface's address.
            ["10.0.0.20", "::ffff:10.0.0.10", /::ffff:a00:a lies in the IPv4-mapped ::ffff:0:0\/96 range/],
            ["10.0.0.20", "::FFFF:0A00:0014", /IPv4-mapped/],
        ];
        for (const [ipv4, ipv6, kind] of cases) {
            expectRefused(
                existing((h) => [h[0], `w0 worker ${ipv4} ${ipv6}`, h[2]]),
                "ck-dualstack:hosts",
                kind,
            );
        }
    });
});

describe("keys", () => {
    it("refuses an unknown key of ours with the nearest known one", () => {
        expectRefused({ workercount: "3" }, "ck-dualstack:workercount", /is not a ck-dualstack key: did you mean workerCount\?/);
        expectRefused({ podCIDR: "192.168.0.0/16" }, "ck-dualstack:podCIDR", /did you mean podCidr\?/);
        expectRefused({ flavour: "blue" }, "ck-dualstack:flavour", /is not a ck-dualstack key: did you mean flavor\?/);
        const none = expectRefused({ zzz: "1" }, "ck-dualstack:zzz", /is not a ck-dualstack key/);
        assert.doesNotMatch(none, /did you mean/);
    });

    it("refuses a key in a namespace a typo away from ours, and leaves other providers' keys alone", () => {
        const { raw, problems } = ownConfig({
            "ck-dualstak:cloud": "aws",
            "ck-dualstack:workerCount": "3",
            "aws:region": "eu-west-1",
            "kubernetes:context": "x",
        });
        assert.deepEqual(raw, { workerCount: "3" });
        assert.deepEqual(problems.map(formatProblem), [
            'ck-dualstak:cloud = "aws": is in namespace "ck-dualstak", which ck-dualstack does not read: did you mean ck-dualstack:cloud?',
        ]);
    });

    it("refuses a 10,000-character value by its key, shortened in the message", () => {
        const long = "a".repeat(10_000);
        for (const key of ["model", "nginxImage", "sshPublicKey"]) {
            const line = expectRefused({ [key]: long }, `ck-dualstack:${key}`, /is longer than the \d+ characters this key takes/);
            assert.ok(line.length < 300, line);
        }
        const item = expectRefused(
            existing((h) => [...h, long]),
            "ck-dualstack:hosts",
            /has an item that is longer/,
        );
        assert.ok(item.length < 300, item);
    });
});

describe("workload values the Kubernetes apply would refuse", () => {
    it("refuses CPU and memory that are not positive Kubernetes quantities", () => {
        expectRefused({ nginxCpu: "lots" }, "ck-dualstack:nginxCpu", /must be a Kubernetes quantity such as 100m/);
        expectRefused({ nginxMemory: "-1Gi" }, "ck-dualstack:nginxMemory", /must be more than zero/);
        expectRefused({ nginxMemory: "64MB" }, "ck-dualstack:nginxMemory", /Kubernetes quantity/);
        expectRefused({ nginxCpu: "0" }, "ck-dualstack:nginxCpu", /more than zero/);
        // apimachinery reads the exponent with strconv.ParseInt: a whole number only.
        for (const fractionalExponent of ["1e1.5", "2e.5", "3E+2.", "1e"]) {
            expectRefused({ nginxMemory: fractionalExponent }, "ck-dualstack:nginxMemory", /Kubernetes quantity/);
        }
        for (const [cpu, memory] of [
            ["250m", "128Mi"],
            ["1", "1Gi"],
            ["0.5", "1e9"],
            ["5E-1", "128e+6"],
        ]) {
            assert.deepEqual(problemLines({ nginxCpu: cpu, nginxMemory: memory }), [], `${cpu} ${memory}`);
        }
    });

    it("refuses an image name that is no image reference", () => {
        expectRefused({ nginxImage: "nginx latest" }, "ck-dualstack:nginxImage", /container image reference/);
        expectRefused({ nginxImage: "Nginx" }, "ck-dualstack:nginxImage", /container image reference/);
        // go-digest's Validate: a known algorithm and exactly its length of lower-case hex.
        for (const [digest, rule] of [
            ["sha256:" + "a".repeat(32), /sha256 digest of 32 characters: .* exactly 64 lower-case hex digits/],
            ["sha256:" + "a".repeat(65), /exactly 64/],
            ["sha512:" + "a".repeat(64), /exactly 128/],
            ["sha256:" + "A".repeat(64), /lower-case hex/],
            ["md5:" + "a".repeat(32), /algorithm "md5", which the container runtime does not know/],
        ] as const) {
            expectRefused({ nginxImage: `nginx@${digest}` }, "ck-dualstack:nginxImage", rule);
        }
        for (const image of [
            "nginx",
            "nginx:1.27",
            "localhost:5000/team/nginx@sha256:" + "a".repeat(64),
            "nginx:1.27@sha384:" + "0".repeat(96),
            "nginx@sha512:" + "f".repeat(128),
        ]) {
            assert.deepEqual(problemLines({ nginxImage: image }), [], image);
        }
    });
});

describe("messages", () => {
    it("asks for no impossible prefix when a node count is out of range", () => {
        const lines = problemLines({ cloud: "sandbox", workerCount: "100000000000000000000" });
        assert.ok(
            lines.some((line) => line.startsWith("ck-dualstack:workerCount = ")),
            lines.join("\n"),
        );
        for (const line of lines) assert.doesNotMatch(line, /\/-\d/);
    });
});

describe("secrets", () => {
    it("never shows a value the engine hands over as a secret, nor what the rule quotes of it", () => {
        // As the language host passes them: PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS.
        pulumi.runtime.setAllConfig(
            {
                "ck-dualstack:model": "Hunter2 Model",
                "ck-dualstack:cloud": "existing",
                "ck-dualstack:hosts": JSON.stringify(["cp0 control-plane 010.9.8.7"]),
            },
            ["ck-dualstack:model", "ck-dualstack:hosts"],
        );
        const { validatedConfig } = require("../../components/config/validated") as typeof import("../../components/config/validated");
        assert.throws(validatedConfig, (error: Error) => {
            assert.match(error.message, /ck-dualstack:model = \(a secret, not shown\): must start with a letter/);
            assert.match(error.message, /ck-dualstack:hosts = \(a secret, not shown\): /);
            assert.doesNotMatch(error.message, /Hunter2|010\.9\.8\.7|cp0 control/);
            return true;
        });
        pulumi.runtime.setAllConfig({});
    });
});

describe("stack files", () => {
    it("refuses model: null as the engine does", () => {
        const dir = stackFolder("s", "config:\n  ck-dualstack:model: null\n");
        const { raw, problems } = readStackFileChecked(dir, "s");
        assert.deepEqual(raw, {});
        assert.match(formatProblem(problems[0]), /^ck-dualstack:model = .*has no value \(null\)/);
        fs.rmSync(dir, { recursive: true });
    });

    it("names a secret value's key and never shows it", () => {
        const dir = stackFolder(
            "s",
            "config:\n  ck-dualstack:sshPublicKey:\n    secure: v1:c2VjcmV0Y2lwaGVydGV4dA==\n  aws:secretKey:\n    secure: v1:x\n",
        );
        const { problems } = readStackFileChecked(dir, "s");
        assert.equal(problems.length, 1);
        const line = formatProblem(problems[0]);
        assert.match(line, /^ck-dualstack:sshPublicKey = \(a secret, not shown\): is a secret/);
        assert.doesNotMatch(line, /object Object|c2VjcmV0/);
        fs.rmSync(dir, { recursive: true });
    });

    it("names the file of a YAML error, and refuses an empty file or a config that is not a map", () => {
        for (const [text, reason] of [
            ["config:\n  ck-dualstack:cloud: [aws\n", /Pulumi\.s\.yaml is not valid YAML: .*\(line 3, column 1\)$/],
            ["", /Pulumi\.s\.yaml holds no config: map/],
            ["config:\n", /Pulumi\.s\.yaml holds no config: map/],
            ["config:\n  - ck-dualstack:cloud: aws\n", /Pulumi\.s\.yaml: config: must be a map .* not a list/],
        ] as const) {
            const dir = stackFolder("s", text);
            assert.throws(() => readStackFileChecked(dir, "s"), reason, JSON.stringify(text));
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("shows no line of the file when a private key pasted into it breaks the YAML", () => {
        const keyBody = [
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACDmJtnbwT2d2q4dAVtGYhK2NPxXbs0J3D0C8x/mXeDeTwAAAJj1vFq99bxa",
        ];
        // The armour is assembled so no key marker sits in the source.
        const armour = (word: string) => [`-----${word} OPENSSH`, "PRIVATE KEY-----"].join(" ");
        const text = [
            "config:",
            "  ck-dualstack:cloud: aws",
            `  ck-dualstack:sshPublicKey: ${armour("BEGIN")}`,
            ...keyBody,
            armour("END"),
            "",
        ].join("\n");
        const dir = stackFolder("s", text);
        assert.throws(
            () => readStackFileChecked(dir, "s"),
            (error: Error) => {
                assert.match(error.message, /Pulumi\.s\.yaml is not valid YAML: .* \(line 7, column 1\)$/);
                assert.doesNotMatch(error.message, /PRIVATE KEY|b3BlbnNzaC|QyNTUxOQ|\n/);
                return true;
            },
        );
        fs.rmSync(dir, { recursive: true });
    });

    it("npm run plan refuses a stack name that would read or write outside the project", () => {
        for (const stack of ["../../escape", "..", "a/b", "dev\nx"]) assert.ok(stackNameProblem(stack), stack);
        for (const stack of ["dev", "ipv6-preferred", "team.prod_2"]) assert.equal(stackNameProblem(stack), undefined, stack);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-hostile-"));
        fs.mkdirSync(path.join(dir, "project"));
        fs.writeFileSync(path.join(dir, "Pulumi.escape.yaml"), "config:\n  ck-dualstack:cloud: sandbox\n");
        const result = spawnSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "plan.ts"), "../escape"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, CK_DUALSTACK_PROJECT_DIR: path.join(dir, "project") },
        });
        assert.equal(result.status, 2, result.stdout + result.stderr);
        assert.match(result.stderr, /is not a Pulumi stack name/);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["Pulumi.escape.yaml", "project"]);
        assert.deepEqual(fs.readdirSync(path.join(dir, "project")), []);
        fs.rmSync(dir, { recursive: true });
    });
});
