/**
 * What the AWS and OpenStack APIs would refuse halfway through `pulumi up`, or what would replace
 * running nodes, refused at preview instead, naming the key (issue 19). Hooked into validateConfig.
 */
import { Family, familyOf, formatCidr, isCidrError, parseCidr } from "../net/cidr";
import { StackConfig } from "./stackConfig";
import type { Problem } from "./validate";

/** The Octavia providers ck-dualstack drives (octaviaProvider); components/openstack/Ipv6LoadBalancer.ts says what each accepts. */
export const OCTAVIA_PROVIDERS = ["amphora", "ovn"] as const;
export type OctaviaProvider = (typeof OCTAVIA_PROVIDERS)[number];

/**
 * The user the key goes to: EC2 key pairs and Nova keypairs reach the instance as the metadata
 * service's public key, which cloud-init installs for the image's default user, `ubuntu` on
 * Canonical's Ubuntu images (cloud-init's Ubuntu distro config, `default_user`). No other user exists.
 */
const IMAGE_DEFAULT_USER = "ubuntu";

/**
 * "Inbound or outbound rules per security group: 60", enforced separately for IPv4 and IPv6 rules;
 * a rule that references a security group counts once in each (Amazon VPC quotas, "Security groups").
 */
const AWS_RULES_PER_GROUP = 60;

/**
 * Neutron's default quota of security-group rules per project, all its groups together
 * (neutron/conf/quota.py `quota_security_group_rule`, default 100). Operators raise it often, so
 * going over is a warning, not a refusal.
 */
const NEUTRON_RULE_QUOTA = 100;

/**
 * Rules Neutron makes itself: an allow-all egress rule per ethertype in every new group (neutron
 * db/securitygroups_db.py `create_security_group`; since 2023.2 the default security group rules
 * with `used_in_non_default_sg`), and the project's `default` group's four (ingress from itself and
 * egress, both ethertypes).
 */
const NEUTRON_EGRESS_RULES_PER_GROUP = 2;
const NEUTRON_DEFAULT_GROUP_RULES = 4;

/**
 * Graviton (arm64) instance types: `a1`, and families whose generation digit is followed by `g`
 * (t4g, m6g, m7gd, c6gn, r8g, im4gn, ...), EC2 instance type naming ("Instance type naming
 * conventions", EC2 instance types guide: processor family option `g` = AWS Graviton).
 */
function isArm64InstanceType(instanceType: string): boolean {
    return /^(a1|[a-z]+\d+g[a-z-]*)\./.test(instanceType);
}

/** Canonical forms of the parsable CIDRs of a list (validate.ts checkSources reports the rest). */
function canonicalSources(sources: readonly string[]): string[] {
    return sources.map((source) => parseCidr(source)).flatMap((parsed) => (isCidrError(parsed) ? [] : [formatCidr(parsed)]));
}

function checkDuplicates(key: "adminCidrs" | "nodePortCidrs", sources: readonly string[], problems: Problem[]): void {
    const canonical = canonicalSources(sources);
    const repeated = [...new Set(canonical.filter((cidr, i) => canonical.indexOf(cidr) !== i))];
    if (repeated.length > 0) {
        problems.push({
            key,
            value: JSON.stringify(sources),
            rule:
                `lists ${repeated.join(", ")} more than once: each source becomes a security-group rule, and a second identical ` +
                "rule is refused (EC2 InvalidPermission.Duplicate; Neutron 409 SecurityGroupRuleExists)",
        });
    }
}

/** Per AWS group: which key's sources it holds one rule each for, and how many rules it holds besides. */
function awsGroups(config: StackConfig): { group: string; key: "adminCidrs" | "nodePortCidrs"; others: number; what: string }[] {
    const nlb = config.loadBalancer === "nlb";
    return [
        { group: "cluster", key: "adminCidrs", others: 2, what: "between the nodes, and path MTU ICMP" },
        { group: "api", key: "adminCidrs", others: 0, what: "" },
        { group: "workers", key: "nodePortCidrs", others: nlb ? 1 : 0, what: "from the NLB" },
        ...(nlb ? [{ group: "nlb", key: "nodePortCidrs" as const, others: 1, what: "path MTU ICMP" }] : []),
    ];
}

function checkAwsQuota(config: StackConfig, problems: Problem[]): void {
    for (const key of ["adminCidrs", "nodePortCidrs"] as const) {
        const sources = canonicalSources(config[key]);
        for (const family of ["IPv4", "IPv6"] as Family[]) {
            const count = sources.filter((cidr) => familyOf(cidr) === family).length;
            const full = awsGroups(config)
                .filter((group) => group.key === key && count + group.others > AWS_RULES_PER_GROUP)
                .map((group) => `the ${group.group} group (${count}${group.others > 0 ? ` + ${group.others} ${group.what}` : ""})`);
            if (full.length > 0) {
                problems.push({
                    key,
                    value: JSON.stringify(config[key]),
                    rule:
                        `has ${count} ${family} ranges: ${full.join(", ")} would exceed EC2's ${AWS_RULES_PER_GROUP} inbound ${family} ` +
                        "rules per security group; merge ranges into wider ones",
                });
            }
        }
    }
}

/**
 * The security-group rules a cloud=openstack stack holds in its project (openstack/DualStackNetwork.ts):
 * in the cluster group, two between the nodes, two path MTU ICMP and SSH per adminCidrs entry; in
 * the api group, the API per adminCidrs entry; in the workers group, NodePorts per nodePortCidrs
 * entry and one from the Octavia subnet; Neutron's own egress rules of the three groups and the
 * project's default group.
 */
export function openstackSecurityGroupRules(config: StackConfig): number {
    const groups = 3;
    const admin = canonicalSources(config.adminCidrs).length;
    const nodePort = canonicalSources(config.nodePortCidrs).length;
    const octavia = config.loadBalancer === "octavia" ? 1 : 0;
    return NEUTRON_DEFAULT_GROUP_RULES + groups * NEUTRON_EGRESS_RULES_PER_GROUP + 2 + 2 + 2 * admin + nodePort + octavia;
}

/**
 * A warning for a cloud=openstack stack whose rules exceed Neutron's default project quota, or
 * undefined: the project may have a higher quota, so `pulumi up` is not refused; without one it
 * fails halfway with OverQuota.
 */
export function openstackRuleQuotaWarning(config: StackConfig): string | undefined {
    const count = openstackSecurityGroupRules(config);
    if (config.cloud !== "openstack" || count <= NEUTRON_RULE_QUOTA) return undefined;
    return (
        `adminCidrs (${config.adminCidrs.length} entries, 2 rules each) and nodePortCidrs (${config.nodePortCidrs.length}, ` +
        `1 each) make ${count} security-group rules in the project, with those Neutron adds itself, against Neutron's ` +
        `default quota of ${NEUTRON_RULE_QUOTA} per project (quota_security_group_rule, all groups together): unless the ` +
        "project's quota was raised (openstack quota set --secgroup-rules), pulumi up fails with OverQuota; merge ranges into wider ones"
    );
}

function checkArchitecture(config: StackConfig, problems: Problem[]): void {
    if (config.imageId !== "") return;
    for (const key of ["instanceType", "balancerInstanceType"] as const) {
        if (isArm64InstanceType(config[key])) {
            problems.push({
                key,
                value: config[key],
                rule:
                    "is an arm64 (Graviton) type, but the image is Canonical's amd64 Ubuntu 24.04 (imageId empty), which EC2 refuses to " +
                    "launch on it: pick an x86_64 type (e.g. t3.large), or set imageId to an arm64 Ubuntu AMI",
            });
        }
    }
}

/**
 * The rules, for cloud=aws and cloud=openstack:
 * - sshUser is the image's default user: the key pair goes to that user alone, so any other could
 *   not log in to enlist the node;
 * - no source twice in adminCidrs or nodePortCidrs (identical rules are refused);
 * - aws: no group over its rule quota; no arm64 instance type with the default amd64 image;
 * - octaviaProvider is one ck-dualstack knows what to send to.
 */
export function validateCloudRules(config: StackConfig): Problem[] {
    const problems: Problem[] = [];
    if (!(OCTAVIA_PROVIDERS as readonly string[]).includes(config.octaviaProvider)) {
        problems.push({
            key: "octaviaProvider",
            value: config.octaviaProvider,
            rule: `must be ${OCTAVIA_PROVIDERS.join(" or ")} (their capabilities differ: see docs/clouds.md, OpenStack)`,
        });
    }
    if (config.cloud !== "aws" && config.cloud !== "openstack") return problems;
    if (config.sshUser !== IMAGE_DEFAULT_USER) {
        problems.push({
            key: "sshUser",
            value: config.sshUser,
            rule:
                `must be ${IMAGE_DEFAULT_USER} on cloud=${config.cloud}: the key pair (sshPublicKey) is installed for the Ubuntu image's ` +
                `default user only, so ${config.sshUser} could not log in to enlist the node`,
        });
    }
    checkDuplicates("adminCidrs", config.adminCidrs, problems);
    checkDuplicates("nodePortCidrs", config.nodePortCidrs, problems);
    if (config.cloud === "aws") {
        checkAwsQuota(config, problems);
        checkArchitecture(config, problems);
    }
    return problems;
}
