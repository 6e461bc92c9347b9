import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../components/config/load";
import { readStackConfig } from "../../components/config/stackConfig";
import { openstackRuleQuotaWarning } from "../../components/config/cloudRules";
import { formatProblem, validateCloudAccess, validateConfig } from "../../components/config/validate";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIValidateCloudTestKey operator@example";
/** A cloud stack that passes: admin range and key set. */
const READY = { adminCidrs: JSON.stringify(["203.0.113.7/32"]), sshPublicKey: KEY };
/** The same with an IPv6 admin range too, as a stack whose API is reached over IPv6 needs. */
const READY_BOTH = { adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]), sshPublicKey: KEY };
const IPV6_PREFERRED = { podCidr: "fd00:c00b:1::/112,192.168.0.0/16", serviceCidr: "fd00:c00b:2::/112,10.152.183.0/24" };

/** Every problem of a raw config, formatted as the program prints them. */
function problems(raw: Record<string, string>): string[] {
    const { config, problems: typeProblems } = readStackConfig(raw);
    return [...typeProblems, ...validateConfig(config)].map(formatProblem);
}

function cloudProblems(raw: Record<string, string>): string[] {
    return validateCloudAccess(readStackConfig(raw).config).map(formatProblem);
}

describe("cloud access validation (issue 11)", () => {
    it("accepts aws and openstack stacks with an admin range and a key, and asks nothing of sandbox or existing", () => {
        assert.deepEqual(problems({ cloud: "aws", ...READY }), []);
        assert.deepEqual(problems({ cloud: "openstack", ...READY }), []);
        assert.deepEqual(cloudProblems({ cloud: "sandbox" }), []);
        assert.deepEqual(cloudProblems({ cloud: "existing" }), []);
    });

    it("refuses aws and openstack without adminCidrs or sshPublicKey, one line each, all at once (defect 7)", () => {
        for (const cloud of ["aws", "openstack"]) {
            const found = problems({ cloud });
            assert.ok(
                found.some((line) =>
                    /^ck-dualstack:adminCidrs = "\[\]": cloud=\w+ nodes are enlisted over SSH from the machine running pulumi and juju/.test(
                        line,
                    ),
                ),
                found.join("\n"),
            );
            assert.ok(
                found.some((line) => /^ck-dualstack:sshPublicKey = "": cloud=\w+ instances get no login otherwise/.test(line)),
                found.join("\n"),
            );
        }
        assert.throws(
            () => loadConfig({ cloud: "aws" }),
            (error: Error) => error instanceof ConfigError && /2 problems; nothing was created/.test(error.message),
        );
    });

    it("refuses something that is not an OpenSSH public key", () => {
        assert.match(
            // a private key's first line pasted by mistake (assembled here so no key marker sits in the source)
            cloudProblems({ cloud: "aws", ...READY, sshPublicKey: ["-----BEGIN OPENSSH", "PRIVATE KEY-----"].join(" ") }).join("\n"),
            /not an OpenSSH public key/,
        );
        assert.deepEqual(cloudProblems({ cloud: "openstack", ...READY, sshPublicKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNh=" }), []);
    });

    it("accepts only the key types each cloud imports and Ubuntu 24.04's sshd accepts, saying why", () => {
        const keyOf = (type: string) => `${type} AAAAB3NzaC1yc2EAAAADAQABAAABAQ== operator@example`;
        const accepted = (cloud: string, type: string) => cloudProblems({ cloud, ...READY, sshPublicKey: keyOf(type) }).length === 0;
        for (const type of ["ssh-rsa", "ssh-ed25519"]) {
            assert.ok(accepted("aws", type), `aws ${type}`);
            assert.ok(accepted("openstack", type), `openstack ${type}`);
        }
        // AWS ImportKeyPair: "Imports the public key from an RSA or ED25519 key pair".
        for (const type of ["ecdsa-sha2-nistp256", "ssh-dss", "sk-ssh-ed25519@openssh.com"]) {
            assert.deepEqual(cloudProblems({ cloud: "aws", ...READY, sshPublicKey: keyOf(type) }), [
                `ck-dualstack:sshPublicKey = ${JSON.stringify(keyOf(type))}: is a ${type} key, which cloud=aws cannot use (AWS ImportKeyPair imports only RSA and ED25519 keys): give a key of type ssh-ed25519, ssh-rsa`,
            ]);
        }
        assert.ok(accepted("openstack", "ecdsa-sha2-nistp384"));
        for (const type of ["ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]) {
            const [line, ...rest] = cloudProblems({ cloud: "openstack", ...READY, sshPublicKey: keyOf(type) });
            assert.deepEqual(rest, []);
            assert.match(line, new RegExp(`^ck-dualstack:sshPublicKey = .*: is a ${type} key, which cloud=openstack cannot use \\(`));
            assert.match(line, /Ubuntu 24\.04 disables DSA/);
            assert.match(line, /security-key \(sk-\*\)/);
        }
    });

    it("refuses a key with the comment Juju keeps for its own keys, which juju add-ssh-key refuses", () => {
        // Juju 3.6 apiserver/facades/client/keymanager/keymanager.go AddKeys: "may not add key with comment ...".
        for (const comment of ["juju-client-key", "juju-system-key"]) {
            const key = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIValidateCloudTestKey ${comment}`;
            for (const cloud of ["aws", "openstack"]) {
                assert.deepEqual(cloudProblems({ cloud, ...READY, sshPublicKey: key }), [
                    `ck-dualstack:sshPublicKey = ${JSON.stringify(key)}: has the comment ${comment}, which Juju keeps for its own keys and refuses on juju add-ssh-key: give the key another comment (or none)`,
                ]);
            }
        }
        // Only the whole comment is Juju's: one that merely holds the word is the operator's.
        for (const comment of ["", " operator juju-client-key", " juju-system-key-2"]) {
            const key = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIValidateCloudTestKey${comment}`;
            assert.deepEqual(cloudProblems({ cloud: "aws", ...READY, sshPublicKey: key }), [], key);
        }
    });

    it("asks adminCidrs for an IPv4 range on aws and openstack: nodes are enlisted on their public IPv4", () => {
        assert.deepEqual(problems({ cloud: "aws", ...READY, adminCidrs: JSON.stringify(["2001:db8:42::7/128"]) }), [
            'ck-dualstack:adminCidrs = "[\\"2001:db8:42::7/128\\"]": has no IPv4 range: cloud=aws nodes are enlisted (the SSH probe and juju add-machine ssh:) on its EC2 public IPv4 address, so this machine\'s IPv4 address must be listed',
        ]);
        assert.deepEqual(
            problems({
                cloud: "openstack",
                ...READY_BOTH,
                ...IPV6_PREFERRED,
                ipv6SubnetPool: "default",
                adminCidrs: JSON.stringify(["2001:db8:42::7/128"]),
            }),
            [
                'ck-dualstack:adminCidrs = "[\\"2001:db8:42::7/128\\"]": has no IPv4 range: cloud=openstack nodes are enlisted (the SSH probe and juju add-machine ssh:) on its floating IPv4 address (Neutron floating IPs are IPv4 only), so this machine\'s IPv4 address must be listed',
            ],
        );
    });

    it("asks adminCidrs for an IPv6 range too when the API is reached over IPv6 (services prefer IPv6, or apiOverIpv6)", () => {
        const rule = (reason: string) =>
            `ck-dualstack:adminCidrs = "[\\"203.0.113.7/32\\"]": has no IPv6 range, but the API is reached over IPv6 (${reason}): the kubeconfig names kubeapi-load-balancer's IPv6 address on the first worker, port 443, which is opened only to adminCidrs; list this machine's IPv6 range`;
        assert.deepEqual(problems({ cloud: "aws", ...READY, ...IPV6_PREFERRED }), [rule("services prefer IPv6")]);
        assert.deepEqual(problems({ cloud: "aws", ...READY, apiOverIpv6: "true" }), [rule("apiOverIpv6")]);
        assert.deepEqual(problems({ cloud: "openstack", ...READY, ...IPV6_PREFERRED, ipv6SubnetPool: "default" }), [
            rule("services prefer IPv6"),
        ]);
        assert.deepEqual(problems({ cloud: "aws", ...READY_BOTH, ...IPV6_PREFERRED }), []);
        assert.deepEqual(problems({ cloud: "aws", ...READY }), [], "IPv4-preferred: the API stays on IPv4");
        // An empty list is one problem, saying both families are needed.
        const empty = problems({ cloud: "aws", sshPublicKey: KEY, ...IPV6_PREFERRED });
        assert.deepEqual(empty.length, 1, empty.join("\n"));
        assert.match(empty[0], /an IPv4 range, and an IPv6 range since the API is reached over IPv6 \(services prefer IPv6\)$/);
    });

    it("refuses privateSubnets on aws with the reason (defect 9)", () => {
        const found = problems({ cloud: "aws", ...READY, privateSubnets: "true" });
        assert.deepEqual(found, [
            'ck-dualstack:privateSubnets = "true": is not supported: nodes must keep a public IPv4 address for the Juju client to enlist them over SSH; set it to false',
        ]);
    });

    it("refuses OpenStack IPv6 that must be reached from outside on the unrouted nodeIpv6Cidr, naming why (defect 5)", () => {
        const preferred = problems({ cloud: "openstack", ...READY_BOTH, ...IPV6_PREFERRED });
        assert.equal(preferred.length, 1, preferred.join("\n"));
        assert.match(
            preferred[0],
            /^ck-dualstack:ipv6SubnetPool = "": the API is reached over IPv6 \(services prefer IPv6\), but nodeIpv6Cidr fd00:c00b:100::\/64 is not routed from outside/,
        );
        assert.match(problems({ cloud: "openstack", ...READY_BOTH, apiOverIpv6: "true" })[0], /apiOverIpv6/);
        assert.match(
            problems({ cloud: "openstack", ...READY, nodePortCidrs: JSON.stringify(["2001:db8::/32"]) })[0],
            /IPv6 NodePorts are opened to 2001:db8::\/32/,
        );
        assert.match(
            problems({ cloud: "openstack", ...READY, loadBalancer: "octavia", nodePortCidrs: JSON.stringify(["2001:db8::/32"]) })[0],
            /the Octavia VIP is IPv6/,
        );
        // A routed pool makes all of them reachable; IPv4-only reach keeps the API on the floating IPv4.
        assert.deepEqual(problems({ cloud: "openstack", ...READY_BOTH, ...IPV6_PREFERRED, ipv6SubnetPool: "default" }), []);
        assert.deepEqual(problems({ cloud: "openstack", ...READY, nodePortCidrs: JSON.stringify(["198.51.100.0/24"]) }), []);
    });

    it("refuses Octavia without an IPv6 NodePort source: its listener would admit everyone (defect 6)", () => {
        const found = problems({ cloud: "openstack", ...READY, ipv6SubnetPool: "default", loadBalancer: "octavia" });
        assert.deepEqual(found, [
            'ck-dualstack:nodePortCidrs = "[]": loadBalancer=octavia needs at least one IPv6 source: its listener admits only those (Octavia admits everyone on an empty list and refuses IPv4 sources on an IPv6 VIP)',
        ]);
        assert.equal(
            problems({
                cloud: "openstack",
                ...READY,
                ipv6SubnetPool: "default",
                loadBalancer: "octavia",
                nodePortCidrs: JSON.stringify(["198.51.100.0/24"]),
            }).length,
            1,
        );
    });
});

describe("what the clouds would refuse mid-up, or what would replace nodes, refused at preview (issue 19)", () => {
    it("refuses any sshUser but ubuntu on aws and openstack, naming the key: the key pair goes to the image's default user", () => {
        for (const cloud of ["aws", "openstack"]) {
            assert.deepEqual(problems({ cloud, ...READY, sshUser: "admin" }), [
                `ck-dualstack:sshUser = "admin": must be ubuntu on cloud=${cloud}: the key pair (sshPublicKey) is installed for the Ubuntu image's default user only, so admin could not log in to enlist the node`,
            ]);
        }
        assert.deepEqual(problems({ cloud: "sandbox", sshUser: "admin" }), [], "the sandbox enlists nothing over SSH");
    });

    it("refuses a source listed twice, also when written differently: the second rule would be refused", () => {
        const found = problems({
            cloud: "openstack",
            ...READY,
            ipv6SubnetPool: "default",
            adminCidrs: JSON.stringify(["203.0.113.7/32", "203.0.113.7/32"]),
            nodePortCidrs: JSON.stringify(["2001:db8::/32", "2001:0DB8:0::/32"]),
        });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /^ck-dualstack:adminCidrs = .*: lists 203\.0\.113\.7\/32 more than once: .*409 SecurityGroupRuleExists/);
        assert.match(found[1], /^ck-dualstack:nodePortCidrs = .*: lists 2001:db8::\/32 more than once/);
    });

    it("refuses more sources of a family than a security group's 60-rule quota leaves room for, per group", () => {
        const v4 = (count: number) => Array.from({ length: count }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}/32`);
        const at = (adminCount: number, nodePortCount: number, loadBalancer = "none") =>
            problems({
                cloud: "aws",
                ...READY,
                adminCidrs: JSON.stringify(v4(adminCount)),
                nodePortCidrs: JSON.stringify(v4(nodePortCount)),
                loadBalancer,
            });
        // The cluster group holds one rule per admin range, the self rule and path MTU ICMP: 58 fit.
        assert.deepEqual(at(58, 60), []);
        const admin = at(59, 0);
        assert.equal(admin.length, 1, admin.join("\n"));
        assert.match(
            admin[0],
            /^ck-dualstack:adminCidrs = .*: has 59 IPv4 ranges: the cluster group \(59 \+ 2 between the nodes, and path MTU ICMP\) would exceed EC2's 60 inbound IPv4 rules per security group/,
        );
        // With the NLB, the workers' group also admits the NLB, and the NLB's group path MTU ICMP.
        const nodePorts = at(1, 60, "nlb");
        assert.equal(nodePorts.length, 1, nodePorts.join("\n"));
        assert.match(nodePorts[0], /the workers group \(60 \+ 1 from the NLB\), the nlb group \(60 \+ 1 path MTU ICMP\)/);
        assert.deepEqual(at(1, 59, "nlb"), []);
    });

    it("refuses an arm64 instance type with the default amd64 image, naming the key", () => {
        const found = problems({ cloud: "aws", ...READY, balancerInstanceType: "t4g.medium" });
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0],
            /^ck-dualstack:balancerInstanceType = "t4g\.medium": is an arm64 \(Graviton\) type, but the image is Canonical's amd64/,
        );
        assert.equal(problems({ cloud: "aws", ...READY, instanceType: "m7gd.large" }).length, 1);
        assert.deepEqual(problems({ cloud: "aws", ...READY, instanceType: "m7gd.large", imageId: "ami-0123456789abcdef0" }), []);
        for (const type of ["t3.large", "g4dn.xlarge", "m7i.large", "c7i-flex.large"]) {
            assert.deepEqual(problems({ cloud: "aws", ...READY, instanceType: type }), [], type);
        }
    });

    it("knows the Octavia providers it drives: amphora (the default) and ovn", () => {
        assert.deepEqual(problems({ cloud: "openstack", ...READY, octaviaProvider: "ovn" }), []);
        assert.deepEqual(problems({ cloud: "openstack", ...READY, octaviaProvider: "f5" }), [
            'ck-dualstack:octaviaProvider = "f5": must be amphora or ovn (their capabilities differ: see docs/clouds.md, OpenStack)',
        ]);
    });
});

describe("Neutron's security-group rule quota (issue 19)", () => {
    /** n distinct IPv6 /64s. */
    const ranges = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8:${i.toString(16)}::/64`);
    const warningOf = (raw: Record<string, string>) => openstackRuleQuotaWarning(readStackConfig(raw).config);

    it("warns, naming adminCidrs, nodePortCidrs and the count against 100, without refusing the stack", () => {
        // 4 + 3 x 2 + 2 + 2 + 2 x 40 + 9 + 1 = 104
        const raw = {
            cloud: "openstack",
            sshPublicKey: KEY,
            loadBalancer: "octavia",
            ipv6SubnetPool: "default",
            adminCidrs: JSON.stringify(["203.0.113.7/32", ...ranges(39)]),
            nodePortCidrs: JSON.stringify(ranges(9)),
        };
        assert.match(
            warningOf(raw) ?? "",
            /^adminCidrs \(40 entries, 2 rules each\) and nodePortCidrs \(9, 1 each\) make 104 .* quota of 100 per project/,
        );
        assert.deepEqual(problems(raw), []);
    });

    it("stays quiet at the quota, and on aws", () => {
        // 4 + 3 x 2 + 2 + 2 + 2 x 40 + 6 = 100
        const atQuota = {
            cloud: "openstack",
            sshPublicKey: KEY,
            adminCidrs: JSON.stringify(ranges(40)),
            nodePortCidrs: JSON.stringify(ranges(6)),
        };
        assert.equal(warningOf(atQuota), undefined);
        assert.equal(warningOf({ ...atQuota, cloud: "aws", nodePortCidrs: JSON.stringify(ranges(30)) }), undefined);
    });
});
