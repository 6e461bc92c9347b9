// The names ck-dualstack hands to juju, and the roles hosts may take, are refused at preview
// when juju would misread them or the charms cannot run them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readStackConfig } from "../../components/config/stackConfig";
import { formatProblem, validateConfig } from "../../components/config/validate";

function problems(raw: Record<string, string>): string[] {
    const { config, problems: typeProblems } = readStackConfig({ cloud: "sandbox", ...raw });
    return [...typeProblems, ...validateConfig(config)].map(formatProblem);
}

describe("juju names and host roles", () => {
    it("accepts the defaults and plain controller names", () => {
        assert.deepEqual(problems({}), []);
        assert.deepEqual(problems({ controller: "prod-1.dc_2" }), []);
    });

    it("refuses a bundle that is a flag, a path or another bundle, naming key, value and rule", () => {
        for (const bundle of ["--dry-run", "./bundle.yaml", "/tmp/evil", "kubernetes-core"]) {
            const found = problems({ bundle });
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(
                found[0],
                new RegExp(`^ck-dualstack:bundle = "${bundle.replace(/[./-]/g, "\\$&")}": must be charmed-kubernetes from Charmhub`),
            );
        }
    });

    it("refuses a controller name juju would read as a flag or that Juju does not allow", () => {
        for (const controller of ["--force", "-c", "a b", "ctl:model"]) {
            assert.match(
                problems({ controller }).join("\n"),
                /^ck-dualstack:controller = .*: must be empty \(the current controller, recorded at creation\) or a Juju controller name/,
            );
        }
    });

    it("refuses a jujuPath that is a flag", () => {
        assert.match(
            problems({ jujuPath: "--version" }).join("\n"),
            /ck-dualstack:jujuPath = "--version": must be a path or a command name, not a flag/,
        );
    });

    it("refuses a host with both roles, saying why", () => {
        const found = problems({
            cloud: "existing",
            hosts: JSON.stringify(["cp0 control-plane+worker 10.0.0.10 2001:db8::10", "w0 worker 10.0.0.20 2001:db8::20"]),
        });
        assert.ok(
            found.some((line) =>
                /^ck-dualstack:hosts = "cp0 control-plane\+worker .*": a host has one role, control-plane, worker or load-balancer: the 1\.35 control-plane charm already runs kubelet/.test(
                    line,
                ),
            ),
            found.join("\n"),
        );
    });

    it("checks the waiter's graces and limits", () => {
        assert.match(problems({ errorGraceMinutes: "601" }).join("\n"), /errorGraceMinutes = "601": must be a whole number from 0 to 600/);
        assert.match(problems({ idleSeconds: "-1" }).join("\n"), /idleSeconds = "-1": must be a whole number from 0 to 3600/);
        assert.match(problems({ jujuOutageMinutes: "0" }).join("\n"), /jujuOutageMinutes = "0": must be a whole number from 1 to 600/);
    });
});
