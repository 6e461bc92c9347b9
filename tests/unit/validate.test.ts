import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../components/config/load";
import { readStackConfig } from "../../components/config/stackConfig";
import { formatProblem, validateConfig } from "../../components/config/validate";

/**
 * What an aws or openstack stack must set to be reachable (validateCloud.test.ts has those rules):
 * an IPv4 admin range for enlisting, an IPv6 one for an API reached over IPv6.
 */
const REACHABLE = {
    adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test",
};

/** Problems of a config given as raw values on top of a valid AWS config. */
function problems(raw: Record<string, string>, base: Record<string, string> = { cloud: "aws", ...REACHABLE }): string[] {
    const { config, problems: typeProblems } = readStackConfig({ ...base, ...raw });
    return [...typeProblems, ...validateConfig(config)].map(formatProblem);
}

function expectProblem(raw: Record<string, string>, key: string, pattern: RegExp, base?: Record<string, string>): void {
    const found = problems(raw, base);
    assert.ok(
        found.some((line) => line.startsWith(`ck-dualstack:${key} = `) && pattern.test(line)),
        `expected a ${key} problem matching ${pattern}, got:\n${found.join("\n")}`,
    );
}

const EXISTING = {
    cloud: "existing",
    hosts: JSON.stringify([
        "cp0 control-plane 10.0.0.10 2001:db8::10",
        "w0 worker 10.0.0.20 2001:db8::20",
        "lb0 load-balancer 10.0.0.30 2001:db8::30",
    ]),
};

describe("config validation", () => {
    it("accepts the seed's ranges, IPv6-preferred and IPv6-only configs", () => {
        assert.deepEqual(problems({}), []);
        assert.deepEqual(problems({ podCidr: "fd00:c00b:1::/112,192.168.0.0/16", serviceCidr: "fd00:c00b:2::/112,10.152.183.0/24" }), []);
        assert.deepEqual(problems({ podCidr: "fd00:c00b:1::/112", serviceCidr: "fd00:c00b:2::/112" }), []);
        assert.deepEqual(problems({}, EXISTING), []);
        assert.deepEqual(problems({}, { cloud: "sandbox" }), []);
        assert.deepEqual(problems({}, { cloud: "openstack", ...REACHABLE }), []);
    });

    it("checks CIDR syntax, prefix and host bits", () => {
        expectProblem({ podCidr: "192.168.0.0/33,fd00:c00b:1::/112" }, "podCidr", /prefix length must be a whole number from 0 to 32/);
        expectProblem({ serviceCidr: "10.152.183.1/24,fd00:c00b:2::/112" }, "serviceCidr", /did you mean 10\.152\.183\.0\/24/);
        expectProblem({ podCidr: "banana" }, "podCidr", /no prefix length/);
    });

    it("takes 1 or 2 CIDRs, at most one per family", () => {
        expectProblem({ podCidr: "10.1.0.0/16,10.2.0.0/16" }, "podCidr", /two IPv4 ranges/);
        expectProblem({ podCidr: "10.1.0.0/16,fd00:1::/64,10.2.0.0/16" }, "podCidr", /1 or 2 comma-separated CIDRs/);
        expectProblem({ serviceCidr: "" }, "serviceCidr", /1 or 2 comma-separated CIDRs/);
    });

    it("refuses reserved ranges", () => {
        expectProblem({ podCidr: "127.0.0.0/16,fd00:c00b:1::/112" }, "podCidr", /loopback/);
        expectProblem({ serviceCidr: "10.152.183.0/24,fe80::/112" }, "serviceCidr", /link-local/);
        expectProblem({ podCidr: "192.168.0.0/16,ff00::/112" }, "podCidr", /multicast/);
        expectProblem({ serviceCidr: "10.152.183.0/24,::/128" }, "serviceCidr", /unspecified/);
    });

    it("keeps service ranges within kube-apiserver's limits", () => {
        expectProblem(
            { serviceCidr: "10.152.183.0/24,fd00:c00b:2::/64" },
            "serviceCidr",
            /larger than kube-apiserver allows for IPv6 \(\/108 at most\)/,
        );
        expectProblem({ serviceCidr: "10.0.0.0/8,fd00:c00b:2::/112" }, "serviceCidr", /\/12 at most/);
        // the exact limits: /12 and /108 pass, one bit larger does not
        assert.deepEqual(problems({ serviceCidr: "10.144.0.0/12,fd00:c00b:2::/108" }), []);
        expectProblem(
            { serviceCidr: "10.128.0.0/11,fd00:c00b:2::/108" },
            "serviceCidr",
            /10\.128\.0\.0\/11 is larger .*IPv4 \(\/12 at most\)/,
        );
        expectProblem(
            { serviceCidr: "10.144.0.0/12,fd00:c00b:2::/107" },
            "serviceCidr",
            /fd00:c00b:2::\/107 is larger .*IPv6 \(\/108 at most\)/,
        );
    });

    it("refuses pod ranges smaller than one Calico block", () => {
        expectProblem({ podCidr: "192.168.0.0/27,fd00:c00b:1::/112" }, "podCidr", /smaller than one Calico IPv4 block \(\/26\)/);
        expectProblem({ podCidr: "192.168.0.0/16,fd00:c00b:1::/123" }, "podCidr", /Calico IPv6 block \(\/122\)/);
        // exactly one block per node is enough (one control-plane node and one worker here)
        assert.deepEqual(problems({ podCidr: "192.168.0.0/25,fd00:c00b:1::/121", controlPlaneCount: "1", workerCount: "1" }), []);
    });

    it("refuses overlaps between pod, service and host ranges", () => {
        expectProblem({ serviceCidr: "192.168.1.0/24,fd00:c00b:2::/112" }, "serviceCidr", /overlaps podCidr 192\.168\.0\.0\/16/);
        expectProblem({ podCidr: "10.0.0.0/16,fd00:c00b:1::/112" }, "podCidr", /overlaps the host network nodeCidr 10\.0\.0\.0\/16/);
        expectProblem(
            { hosts: JSON.stringify(["cp0 control-plane 192.168.1.5 2001:db8::1"]) },
            "hosts",
            /inside the cluster range 192\.168\.0\.0\/16/,
            { cloud: "existing" },
        );
    });

    it("needs every service family among the pod families, and an IPv6 service range", () => {
        expectProblem({ podCidr: "192.168.0.0/16" }, "serviceCidr", /has an IPv6 range but podCidr has none/);
        expectProblem({ podCidr: "192.168.0.0/16", serviceCidr: "10.152.183.0/24" }, "serviceCidr", /has no IPv6 range/);
    });

    it("keeps IPv4 on hosts, even for IPv6-only clusters", () => {
        expectProblem(
            { nodeCidr: "fd00:1::/64", podCidr: "fd00:c00b:1::/112", serviceCidr: "fd00:c00b:2::/112" },
            "nodeCidr",
            /must be IPv4: the charms need IPv4/,
        );
        expectProblem(
            { hosts: JSON.stringify(["cp0 control-plane 2001:db8::10", "w0 worker 10.0.0.20 2001:db8::20"]) },
            "hosts",
            /not an IPv4 address; the charms need IPv4/,
            { cloud: "existing" },
        );
    });

    it("checks existing hosts: IPv6 when used, roles covered, names unique", () => {
        expectProblem(
            { hosts: JSON.stringify(["cp0 control-plane 10.0.0.10", "w0 worker 10.0.0.20 2001:db8::20"]) },
            "hosts",
            /cp0.*has no IPv6 address/,
            { cloud: "existing" },
        );
        expectProblem({ hosts: JSON.stringify(["cp0 control-plane 10.0.0.10 2001:db8::10"]) }, "hosts", /no host has the worker role/, {
            cloud: "existing",
        });
        expectProblem(
            { hosts: JSON.stringify(["a control-plane 10.0.0.1 2001:db8::1", "a worker 10.0.0.2 2001:db8::2"]) },
            "hosts",
            /unique/,
            { cloud: "existing" },
        );
        expectProblem({ hosts: JSON.stringify(["cp0 master 10.0.0.10 2001:db8::10"]) }, "hosts", /role "master" is not one of/, {
            cloud: "existing",
        });
        expectProblem({}, "hosts", /needs at least one control-plane host/, { cloud: "existing" });
    });

    it("checks numbers, names and choices", () => {
        expectProblem({ workerCount: "0" }, "workerCount", /from 1 to 100/);
        expectProblem({ controlPlaneCount: "two" }, "controlPlaneCount", /whole number/);
        expectProblem({ availabilityZones: "9" }, "availabilityZones", /from 1 to 6/);
        expectProblem({ pollSeconds: "0" }, "pollSeconds", /from 1 to 300/);
        expectProblem({ nginxReplicas: "51" }, "nginxReplicas", /from 1 to 50/);
        expectProblem({ privateSubnets: "yes" }, "privateSubnets", /true or false/);
        expectProblem({ cloud: "gcp" }, "cloud", /must be one of aws, openstack, existing, sandbox/);
        expectProblem({ loadBalancer: "octavia" }, "loadBalancer", /only available with cloud=openstack/);
        expectProblem({ model: "My_Model" }, "model", /Juju's rule/);
        expectProblem({ channel: "latest" }, "channel", /1\.35\/stable/);
        expectProblem({ ipv6Mode: "dhcpv6-stateful" }, "ipv6Mode", /slaac or dhcpv6-stateless/, { cloud: "openstack" });
        expectProblem({ nodeIpv6Cidr: "fd00:1::/56" }, "nodeIpv6Cidr", /IPv6 \/64/, { cloud: "openstack" });
        expectProblem({ adminCidrs: JSON.stringify(["203.0.113.7"]) }, "adminCidrs", /no prefix length/);
        expectProblem({ nodePortCidrs: "not-json" }, "nodePortCidrs", /list of strings/);
    });

    it("reports every problem at once, one line each, naming key, value and rule", () => {
        let error: unknown;
        try {
            loadConfig({ cloud: "gcp", podCidr: "192.168.0.1/16,fd00:c00b:1::/112", workerCount: "0" });
        } catch (e) {
            error = e;
        }
        assert.ok(error instanceof ConfigError);
        const lines = error.message.split("\n");
        assert.match(lines[0], /3 problems; nothing was created/);
        assert.deepEqual(
            lines.slice(1).map((l) => l.replace(/ = .*/, "")),
            ["  - ck-dualstack:cloud", "  - ck-dualstack:podCidr", "  - ck-dualstack:workerCount"],
        );
        assert.match(lines[2], /"192\.168\.0\.1\/16,fd00:c00b:1::\/112": 192\.168\.0\.1\/16: host bits are set/);
    });
});
