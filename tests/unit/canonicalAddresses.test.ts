// Addresses and ranges as the rest of the system reads them (issue 20): an IPv4 octet written with a
// leading zero is octal to ssh and the system resolver, so it is refused on every address and range
// key, naming the key; and what loadConfig hands downstream is the canonical form validation read,
// never the raw text.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../components/config/load";
import { ROLES, parseHostEntry } from "../../components/config/validate";
import { isCidrError, leadingZeroProblem, parseAddress, parseCidr } from "../../components/net/cidr";
import { problemLines } from "../support/configProblems";

const ROOT = path.resolve(__dirname, "..", "..");

/** What an aws or openstack stack needs to be reachable at all (validateCloud.test.ts has those rules). */
const REACHABLE = {
    adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test",
};

/** One host per role the config knows, each with both families, written as `write` gives them. */
function existingHosts(write: (i: number) => [string, string]): string[] {
    return ROLES.map((role, i) => {
        const [ipv4, ipv6] = write(i);
        return `h${i} ${role} ${ipv4} ${ipv6}`;
    });
}

/** Why leading zeros are refused, as the rule must say it. */
const OCTAL = /leading zero, which ssh and the system resolver \(inet_aton, getaddrinfo\) read as octal/;

function expectLeadingZeroRefused(raw: Record<string, string>, key: string, reading?: RegExp): void {
    const lines = problemLines(raw);
    const line = lines.find((found) => found.startsWith(`ck-dualstack:${key} = `) && OCTAL.test(found));
    assert.ok(line, `expected a ${key} problem saying why leading zeros are refused, got:\n${lines.join("\n")}`);
    if (reading) assert.match(line, reading);
}

describe("leading-zero IPv4 forms", () => {
    it("are not addresses, and the reason names what ssh would reach instead", () => {
        for (const text of ["010.0.0.10", "10.0.0.010", "10.00.0.1", "127.000.000.001", "::ffff:010.0.0.1"]) {
            assert.equal(parseAddress(text), undefined, text);
            assert.ok(leadingZeroProblem(text), text);
        }
        assert.match(leadingZeroProblem("010.0.0.10")!, /to them it is 8\.0\.0\.10, not 10\.0\.0\.10/);
        assert.match(leadingZeroProblem("10.0.0.010")!, /to them it is 10\.0\.0\.8, not 10\.0\.0\.10/);
        assert.match(leadingZeroProblem("10.0.0.09")!, /to them it is no address at all/);
        // a lone zero is not a leading zero, and IPv6 groups may be zero-padded
        for (const text of ["0.0.0.0", "10.0.0.0", "100.64.0.1", "2001:db8::0010", "::ffff:10.0.0.1"]) {
            assert.equal(leadingZeroProblem(text), undefined, text);
            assert.ok(parseAddress(text), text);
        }
        const block = parseCidr("010.0.0.0/8");
        assert.ok(isCidrError(block) && OCTAL.test(block.error), JSON.stringify(block));
    });

    it("are refused in hosts, naming hosts and the entry", () => {
        const hosts = existingHosts((i) => [i === 0 ? "010.0.0.10" : `10.0.0.${20 + i}`, `2001:db8::${20 + i}`]);
        expectLeadingZeroRefused({ cloud: "existing", hosts: JSON.stringify(hosts) }, "hosts", /h0 .*010\.0\.0\.10.*8\.0\.0\.10/);
        const last = existingHosts((i) => [`10.0.0.${i === 0 ? "010" : 20 + i}`, `2001:db8::${20 + i}`]);
        expectLeadingZeroRefused({ cloud: "existing", hosts: JSON.stringify(last) }, "hosts", /10\.0\.0\.8/);
        const tail = existingHosts((i) => [`10.0.0.${20 + i}`, i === 0 ? "::ffff:010.0.0.1" : `2001:db8::${20 + i}`]);
        expectLeadingZeroRefused({ cloud: "existing", hosts: JSON.stringify(tail) }, "hosts");
        assert.equal(parseHostEntry("cp0 control-plane 010.0.0.10 2001:db8::10", []), undefined);
    });

    it("are refused in every range key, naming the key", () => {
        const aws = { cloud: "aws", ...REACHABLE };
        expectLeadingZeroRefused({ ...aws, adminCidrs: JSON.stringify(["203.0.113.07/32", "2001:db8:42::7/128"]) }, "adminCidrs");
        expectLeadingZeroRefused({ ...aws, nodePortCidrs: JSON.stringify(["010.0.0.0/8"]) }, "nodePortCidrs", /8\.0\.0\.0/);
        expectLeadingZeroRefused({ ...aws, podCidr: "192.168.000.0/16,fd00:c00b:1::/112" }, "podCidr");
        expectLeadingZeroRefused({ ...aws, serviceCidr: "010.152.183.0/24,fd00:c00b:2::/112" }, "serviceCidr");
        expectLeadingZeroRefused({ ...aws, nodeCidr: "010.0.0.0/16" }, "nodeCidr");
        expectLeadingZeroRefused({ cloud: "openstack", ...REACHABLE, nodeIpv6Cidr: "::ffff:010.0.0.0/120" }, "nodeIpv6Cidr");
    });

    it("make npm run plan refuse a host written 010.0.0.10, naming hosts", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ck-octal-"));
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const hosts = existingHosts((i) => [i === 0 ? "010.0.0.10" : `10.0.0.${20 + i}`, `2001:db8::${20 + i}`]);
            fs.writeFileSync(
                path.join(dir, "Pulumi.octal.yaml"),
                `config:\n  ck-dualstack:cloud: existing\n  ck-dualstack:hosts:\n${hosts.map((host) => `    - ${host}\n`).join("")}`,
            );
            const result = spawnSync("node", ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "plan.ts"), "octal"], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, CK_DUALSTACK_PROJECT_DIR: dir },
            });
            assert.equal(result.status, 1, result.stdout + result.stderr);
            assert.match(result.stderr, /^ {2}- ck-dualstack:hosts = "h0 [^"]* 010\.0\.0\.10 [^"]*": "010\.0\.0\.10" has an IPv4 octet/m);
            assert.match(result.stderr, OCTAL);
            assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing written");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("what loadConfig hands downstream", () => {
    it("holds every range in canonical form, in the order given", () => {
        const { config, families } = loadConfig({
            cloud: "aws",
            sshPublicKey: REACHABLE.sshPublicKey,
            podCidr: " 192.168.0.0/16 , FD00:C00B:0001::/112",
            serviceCidr: "10.152.183.0/024,fd00:c00b:2:0:0:0::/112",
            nodeCidr: "10.0.0.0/016",
            adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:DB8:0042::0007/128"]),
            nodePortCidrs: JSON.stringify(["2001:0DB8::/32", "198.51.100.0/24"]),
        });
        assert.equal(config.podCidr, "192.168.0.0/16,fd00:c00b:1::/112");
        assert.equal(config.serviceCidr, "10.152.183.0/24,fd00:c00b:2::/112");
        assert.equal(config.nodeCidr, "10.0.0.0/16");
        assert.deepEqual(config.adminCidrs, ["203.0.113.7/32", "2001:db8:42::7/128"]);
        assert.deepEqual(config.nodePortCidrs, ["2001:db8::/32", "198.51.100.0/24"]);
        assert.deepEqual(families.podCidrs, ["192.168.0.0/16", "fd00:c00b:1::/112"]);
        const openstack = loadConfig({ cloud: "openstack", ...REACHABLE, nodeIpv6Cidr: "FD00:C00B:0100:0::/64" }).config;
        assert.equal(openstack.nodeIpv6Cidr, "fd00:c00b:100::/64");
    });

    it("holds hosts re-joined with canonical addresses", () => {
        const written = existingHosts((i) => [`10.0.0.${20 + i}`, `2001:DB8::00${20 + i}`]).map(
            (entry) => `  ${entry.replace(/ /g, "   ")} `,
        );
        const { config, hosts } = loadConfig({ cloud: "existing", hosts: JSON.stringify(written) });
        assert.deepEqual(
            config.hosts,
            existingHosts((i) => [`10.0.0.${20 + i}`, `2001:db8::${20 + i}`]),
        );
        // The parsed hosts go downstream (ExistingHosts, the plan) as validation read them.
        assert.deepEqual(
            hosts,
            ROLES.map((role, i) => ({ name: `h${i}`, roles: [role], ipv4: `10.0.0.${20 + i}`, ipv6: [`2001:db8::${20 + i}`] })),
        );
        assert.deepEqual(parseHostEntry("cp0 control-plane 10.0.0.10 2001:DB8:0:0::0010 FD00::A", []), {
            name: "cp0",
            roles: ["control-plane"],
            ipv4: "10.0.0.10",
            ipv6: ["2001:db8::10", "fd00::a"],
        });
    });
});
