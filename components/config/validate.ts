import {
    Cidr,
    Family,
    cidrContainsAddress,
    cidrsOverlap,
    familyOf,
    formatAddress,
    formatCidr,
    isCidrError,
    addressTextProblem,
    parseAddress,
    parseCidr,
    reservedRangeOf,
    reservedRangeOfAddress,
    splitList,
} from "../net/cidr";
import { validateCloudRules } from "./cloudRules";
import { CALICO_BLOCK_PREFIX, nodeBlockPrefix, nodeCapacity } from "../net/nodeBlocks";
import { secretKind, shownRule, shownValue } from "./display";
import { imageReferenceProblem, quantityProblem } from "./formats";
import { CLOUDS, NAMESPACE } from "./keys";
import { StackConfig } from "./stackConfig";

/** One thing wrong with the config: which key, what value, which rule it breaks. */
export interface Problem {
    /** A key of ours without its namespace (`podCidr`), or a whole `namespace:key` name (ownKeys.ts). */
    readonly key: string;
    readonly value: string;
    readonly rule: string;
    /** The value is a secret (set with --secret, a `secure:` value of a stack file): it is never shown, nor quoted by the rule. */
    readonly secret?: boolean;
}

/**
 * `ck-dualstack:podCidr = "10.0.0.1/8": host bits are set; ...`. A value that looks secret (a private
 * key, a token) is never shown, nor what the rule quotes of it; a long one is shortened (display.ts).
 */
export function formatProblem(problem: Problem): string {
    const key = problem.key.includes(":") ? problem.key : `${NAMESPACE}:${problem.key}`;
    const value = problem.secret ? "(a secret, not shown)" : shownValue(problem.value);
    return `${key} = ${value}: ${shownRule(problem.rule, problem.value, problem.secret)}`;
}

/** kube-apiserver refuses service ranges larger than these. */
export const MAX_SERVICE_PREFIX: Record<Family, number> = { IPv4: 12, IPv6: 108 };

/** A node's role; `load-balancer` carries kubeapi-load-balancer alone (components/nodes.ts nodeNames says why). */
export const ROLES = ["control-plane", "worker", "load-balancer"] as const;
export type Role = (typeof ROLES)[number];

/** A host given in `hosts` for cloud=existing, its addresses in canonical form (formatAddress). */
export interface HostEntry {
    readonly name: string;
    readonly roles: Role[];
    readonly ipv4: string;
    readonly ipv6: string[];
}

/**
 * Parses a 1-or-2 CIDR list key (podCidr, serviceCidr): syntax, prefix, host bits, at most one
 * block per family, no reserved ranges. Returns the blocks that parsed, in the given order.
 */
export function parseCidrList(key: string, text: string, problems: Problem[]): Cidr[] {
    const parts = splitList(text);
    if (parts.length < 1 || parts.length > 2) {
        problems.push({ key, value: text, rule: "must hold 1 or 2 comma-separated CIDRs (at most one IPv4 and one IPv6)" });
        if (parts.length < 1) return [];
    }
    const blocks: Cidr[] = [];
    for (const part of parts.slice(0, 2)) {
        const block = parseSingleCidr(key, part, problems, text);
        if (!block) continue;
        if (blocks.some((other) => other.family === block.family)) {
            problems.push({ key, value: text, rule: `has two ${block.family} ranges; give at most one per family` });
            continue;
        }
        blocks.push(block);
    }
    return blocks;
}

function parseSingleCidr(key: string, text: string, problems: Problem[], whole = text): Cidr | undefined {
    const parsed = parseCidr(text);
    if (isCidrError(parsed)) {
        problems.push({ key, value: whole, rule: `${text}: ${parsed.error}` });
        return undefined;
    }
    const reserved = reservedRangeOf(parsed);
    if (reserved) {
        problems.push({ key, value: whole, rule: `${text} overlaps the ${reserved} range, which cannot be used` });
        return undefined;
    }
    return parsed;
}

/** Parses one `hosts` entry: `name roles ipv4 [ipv6 ...]`; the addresses come back in canonical form. */
export function parseHostEntry(entry: string, problems: Problem[]): HostEntry | undefined {
    const fields = entry.trim().split(/\s+/);
    const bad = (rule: string) => {
        problems.push({ key: "hosts", value: entry, rule });
        return undefined;
    };
    if (fields.length < 3) return bad("must read 'name roles ipv4 [ipv6 ...]', e.g. 'cp0 control-plane 10.0.0.10 2001:db8::10'");
    const [name, roleText, ipv4, ...ipv6] = fields;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) return bad(`host name "${name}" must be lower-case letters, digits and dashes`);
    const roles = roleText.split("+");
    const unknownRole = roles.find((role) => !(ROLES as readonly string[]).includes(role));
    if (unknownRole) return bad(`role "${unknownRole}" is not one of ${ROLES.join(", ")}`);
    if (roles.length > 1) return bad(COMBINED_ROLES_RULE);
    const textProblem = [ipv4, ...ipv6].map(addressTextProblem).find((problem) => problem !== undefined);
    if (textProblem) return bad(textProblem);
    const v4 = parseAddress(ipv4);
    if (!v4 || v4.family !== "IPv4") {
        return bad(`"${ipv4}" is not an IPv4 address; the charms need IPv4 on every host, even for IPv6-only clusters`);
    }
    const v6s: { family: Family; value: bigint }[] = [];
    for (const address of ipv6) {
        const v6 = parseAddress(address);
        if (!v6 || v6.family !== "IPv6") return bad(`"${address}" is not an IPv6 address`);
        v6s.push(v6);
    }
    for (const address of [v4, ...v6s]) {
        const reserved = reservedRangeOfAddress(address.family, address.value);
        if (reserved) {
            const text = formatAddress(address.family, address.value);
            return bad(
                `${text} lies in the ${reserved} range: no other host reaches a node there; give an address the cluster's hosts route to`,
            );
        }
    }
    return {
        name,
        roles: roles as Role[],
        ipv4: formatAddress(v4.family, v4.value),
        ipv6: v6s.map((v6) => formatAddress(v6.family, v6.value)),
    };
}

/**
 * Why one host has one role: the 1.35 control-plane charm already runs kubelet on its machine, and
 * kubernetes-worker beside it would run a second one; kubeapi-load-balancer holds 443 and 6443,
 * which kube-apiserver (6443) and the worker (which opens 443 with ingress and closes it without)
 * also claim, and Juju refuses to open or close a port another unit on the machine holds
 * (juju/juju worker/uniter/runner/context/ports.go).
 */
export const COMBINED_ROLES_RULE =
    "a host has one role, control-plane, worker or load-balancer: the 1.35 control-plane charm already runs kubelet, so a worker beside it would clash with it, and kubeapi-load-balancer holds ports 443 and 6443 that the control plane and the worker also claim (Juju refuses a port another unit on the machine holds)";

/** Bundles whose applications ck-dualstack places and waits for. */
export const SUPPORTED_BUNDLES = ["charmed-kubernetes"] as const;

/**
 * The names ck-dualstack hands to juju: each must be a plain name, never a flag or a path
 * (juju would read `--dry-run` as a flag and deploy a local bundle file from a path).
 */
function validateJujuTarget(config: StackConfig, problems: Problem[]): void {
    for (const key of ["jujuPath", "sshPath"] as const) {
        const value = config[key];
        if (value.trim() === "") problems.push({ key, value, rule: `must name the ${key === "jujuPath" ? "Juju" : "SSH"} client` });
        else if (value.startsWith("-")) problems.push({ key, value, rule: "must be a path or a command name, not a flag" });
    }
    if (!(SUPPORTED_BUNDLES as readonly string[]).includes(config.bundle)) {
        problems.push({
            key: "bundle",
            value: config.bundle,
            rule: `must be ${SUPPORTED_BUNDLES.join(" or ")} from Charmhub: ck-dualstack places and waits for that bundle's applications (local paths and other bundles are not deployed)`,
        });
    }
    // juju/names: controller names are letters, digits, dots, dashes and underscores, starting with a letter or digit.
    if (config.controller !== "" && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(config.controller)) {
        problems.push({
            key: "controller",
            value: config.controller,
            rule: "must be empty (the current controller, recorded at creation) or a Juju controller name: letters, digits, dots, dashes and underscores, starting with a letter or digit",
        });
    }
}

/** Node counts the aws, openstack and sandbox clouds take. */
const CONTROL_PLANE_COUNT = [1, 7] as const;
const WORKER_COUNT = [1, 100] as const;

function inRange(value: number, [min, max]: readonly [number, number]): boolean {
    return Number.isInteger(value) && value >= min && value <= max;
}

function checkRange(key: string, value: number, min: number, max: number, problems: Problem[]): void {
    if (!inRange(value, [min, max])) {
        problems.push({ key, value: String(value), rule: `must be a whole number from ${min} to ${max}` });
    }
}

function checkSources(key: string, sources: readonly string[], problems: Problem[]): void {
    for (const source of sources) {
        const parsed = parseCidr(source);
        if (isCidrError(parsed)) problems.push({ key, value: source, rule: parsed.error });
    }
}

/** What validation read of a config: every problem, and the ranges and hosts it parsed on the way. */
export interface CheckedConfig {
    /** Empty when the config is good; only then are the values below whole. */
    readonly problems: Problem[];
    /** podCidr's blocks, in the configured order. */
    readonly pods: Cidr[];
    /** serviceCidr's blocks, in the configured order. */
    readonly services: Cidr[];
    /** The `hosts` entries of cloud=existing, addresses in canonical form (none for the other clouds). */
    readonly hosts: HostEntry[];
}

/**
 * Every rule the config must satisfy before a single resource is registered. Returns all
 * problems at once; an empty list means the config is good.
 */
export function validateConfig(config: StackConfig): Problem[] {
    return checkConfig(config).problems;
}

/** validateConfig, keeping what it parsed so nothing downstream parses the text again (config/load.ts). */
export function checkConfig(config: StackConfig): CheckedConfig {
    const problems: Problem[] = [];
    if (!(CLOUDS as readonly string[]).includes(config.cloud)) {
        problems.push({ key: "cloud", value: config.cloud, rule: `must be one of ${CLOUDS.join(", ")}` });
    }

    const pods = parseCidrList("podCidr", config.podCidr, problems);
    const services = parseCidrList("serviceCidr", config.serviceCidr, problems);
    const nodeCount = config.controlPlaneCount + config.workerCount;
    // A count out of its range is refused on its own (checkRange below); sizing ranges for it would
    // only ask for an impossible prefix.
    const countsInRange =
        inRange(config.controlPlaneCount, CONTROL_PLANE_COUNT) && inRange(config.workerCount, WORKER_COUNT) && nodeCount > 0;
    for (const pod of pods) {
        if (pod.prefix > CALICO_BLOCK_PREFIX[pod.family]) {
            problems.push({
                key: "podCidr",
                value: config.podCidr,
                rule: `${formatCidr(pod)} is smaller than one Calico ${pod.family} block (/${CALICO_BLOCK_PREFIX[pod.family]}); use a /${CALICO_BLOCK_PREFIX[pod.family]} or larger`,
            });
        } else if (config.cloud === "sandbox" && countsInRange && nodeCapacity(pod) < BigInt(nodeCount)) {
            // The sandbox's simulated kubelets take a range per node (node IPAM standing in for Calico's
            // block affinity, simulator/kubelets.ts). Real clusters are not refused: Calico lets a node
            // borrow addresses from other blocks when its pool has no free block left.
            const needed = nodeBlockPrefix(pod) - Math.ceil(Math.log2(nodeCount));
            problems.push({
                key: "podCidr",
                value: config.podCidr,
                rule: `${formatCidr(pod)} holds ${nodeCapacity(pod)} per-node /${nodeBlockPrefix(pod)} ranges, fewer than the sandbox's ${nodeCount} simulated nodes (one each); use a /${needed} or larger`,
            });
        }
    }
    for (const service of services) {
        if (service.prefix < MAX_SERVICE_PREFIX[service.family]) {
            problems.push({
                key: "serviceCidr",
                value: config.serviceCidr,
                rule: `${formatCidr(service)} is larger than kube-apiserver allows for ${service.family} (/${MAX_SERVICE_PREFIX[service.family]} at most)`,
            });
        }
        const podsComplete = pods.length > 0 && pods.length === splitList(config.podCidr).length;
        if (podsComplete && !pods.some((pod) => pod.family === service.family)) {
            problems.push({
                key: "serviceCidr",
                value: config.serviceCidr,
                rule: `has an ${service.family} range but podCidr has none; pods must have every service family`,
            });
        }
    }
    for (const pod of pods) {
        for (const service of services) {
            if (cidrsOverlap(pod, service)) {
                problems.push({
                    key: "serviceCidr",
                    value: config.serviceCidr,
                    rule: `${formatCidr(service)} overlaps podCidr ${formatCidr(pod)}`,
                });
            }
        }
    }

    if (services.length > 0 && !services.some((block) => block.family === "IPv6")) {
        problems.push({
            key: "serviceCidr",
            value: config.serviceCidr,
            rule: "has no IPv6 range; ck-dualstack builds IPv6 services (IPv4-preferred, IPv6-preferred or IPv6-only)",
        });
    }
    const usesIpv6 = [...pods, ...services].some((block) => block.family === "IPv6");
    const nodeNetworks: { key: string; block: Cidr }[] = [];
    if (config.cloud === "aws" || config.cloud === "openstack") {
        const node = parseSingleCidr("nodeCidr", config.nodeCidr, problems);
        if (node && node.family !== "IPv4") {
            problems.push({
                key: "nodeCidr",
                value: config.nodeCidr,
                rule: "must be IPv4: the charms need IPv4 on every host, even for IPv6-only clusters",
            });
        } else if (node) {
            if (node.prefix < 16 || node.prefix > 24) {
                problems.push({
                    key: "nodeCidr",
                    value: config.nodeCidr,
                    rule: "must be a /16 to /24 so every availability zone gets a subnet",
                });
            }
            nodeNetworks.push({ key: "nodeCidr", block: node });
        }
    }
    if (config.cloud === "openstack" && config.ipv6SubnetPool === "") {
        const node6 = parseSingleCidr("nodeIpv6Cidr", config.nodeIpv6Cidr, problems);
        if (node6 && (node6.family !== "IPv6" || node6.prefix !== 64)) {
            problems.push({
                key: "nodeIpv6Cidr",
                value: config.nodeIpv6Cidr,
                rule: "must be an IPv6 /64 (SLAAC needs exactly 64 host bits)",
            });
        } else if (node6) nodeNetworks.push({ key: "nodeIpv6Cidr", block: node6 });
    }
    if (config.cloud === "openstack" && !["slaac", "dhcpv6-stateless"].includes(config.ipv6Mode)) {
        problems.push({ key: "ipv6Mode", value: config.ipv6Mode, rule: "must be slaac or dhcpv6-stateless" });
    }

    let hosts: HostEntry[] = [];
    if (config.cloud === "existing") {
        hosts = validateHosts(config, usesIpv6, pods, services, problems);
    } else {
        checkRange("controlPlaneCount", config.controlPlaneCount, ...CONTROL_PLANE_COUNT, problems);
        checkRange("workerCount", config.workerCount, ...WORKER_COUNT, problems);
    }
    for (const { key, block } of nodeNetworks) {
        for (const [listKey, blocks] of [
            ["podCidr", pods],
            ["serviceCidr", services],
        ] as const) {
            for (const other of blocks) {
                if (cidrsOverlap(block, other)) {
                    problems.push({
                        key: listKey,
                        value: config[listKey],
                        rule: `${formatCidr(other)} overlaps the host network ${key} ${formatCidr(block)}`,
                    });
                }
            }
        }
    }
    if (config.cloud === "aws") checkRange("availabilityZones", config.availabilityZones, 1, 6, problems);

    checkSources("adminCidrs", config.adminCidrs, problems);
    checkSources("nodePortCidrs", config.nodePortCidrs, problems);
    checkRange("nginxReplicas", config.nginxReplicas, 1, 50, problems);
    for (const [key, example] of [
        ["nginxCpu", "100m"],
        ["nginxMemory", "64Mi"],
    ] as const) {
        const rule = quantityProblem(config[key], example);
        if (rule) problems.push({ key, value: config[key], rule });
    }
    const imageRule = imageReferenceProblem(config.nginxImage);
    if (imageRule) problems.push({ key: "nginxImage", value: config.nginxImage, rule: imageRule });
    checkRange("deployTimeoutMinutes", config.deployTimeoutMinutes, 1, 600, problems);
    checkRange("blockedGraceMinutes", config.blockedGraceMinutes, 0, 600, problems);
    checkRange("errorGraceMinutes", config.errorGraceMinutes, 0, 600, problems);
    checkRange("idleSeconds", config.idleSeconds, 0, 3600, problems);
    checkRange("downGraceMinutes", config.downGraceMinutes, 0, 60, problems);
    checkRange("jujuOutageMinutes", config.jujuOutageMinutes, 1, 600, problems);
    checkRange("pollSeconds", config.pollSeconds, 1, 300, problems);
    checkRange("enlistConcurrency", config.enlistConcurrency, 1, 100, problems);
    checkRange("removeGraceMinutes", config.removeGraceMinutes, 1, 600, problems);
    if (!["", "true", "false"].includes(config.workerIngress)) {
        problems.push({
            key: "workerIngress",
            value: config.workerIngress,
            rule: "must be true, false or empty (empty keeps the kubernetes-worker charm's default)",
        });
    }

    const balancers: Record<string, string[]> = { none: [...CLOUDS], nlb: ["aws"], octavia: ["openstack"] };
    if (!(config.loadBalancer in balancers)) {
        problems.push({ key: "loadBalancer", value: config.loadBalancer, rule: "must be none, nlb or octavia" });
    } else if ((CLOUDS as readonly string[]).includes(config.cloud) && !balancers[config.loadBalancer].includes(config.cloud)) {
        problems.push({
            key: "loadBalancer",
            value: config.loadBalancer,
            rule: `${config.loadBalancer} is only available with cloud=${balancers[config.loadBalancer][0]}`,
        });
    }
    if (!/^[a-z][a-z0-9-]*$/.test(config.model)) {
        problems.push({
            key: "model",
            value: config.model,
            rule: "must start with a letter and hold only lower-case letters, digits and dashes (Juju's rule)",
        });
    }
    validateJujuTarget(config, problems);
    if (!/^\d+\.\d+\/(stable|candidate|beta|edge)$/.test(config.channel)) {
        problems.push({ key: "channel", value: config.channel, rule: "must look like 1.35/stable" });
    }
    if (!/^[a-z_][a-z0-9_-]*$/.test(config.sshUser))
        problems.push({ key: "sshUser", value: config.sshUser, rule: "must be a plain user name" });
    problems.push(...validateCloudAccess(config));
    problems.push(...validateCloudRules(config));
    return { problems, pods, services, hosts };
}

/** The rules of `hosts` for cloud=existing; returns the entries that parsed. */
function validateHosts(config: StackConfig, usesIpv6: boolean, pods: Cidr[], services: Cidr[], problems: Problem[]): HostEntry[] {
    if (config.hosts.length === 0) {
        problems.push({
            key: "hosts",
            value: "[]",
            rule: "cloud=existing needs at least one control-plane host, one worker host and one load-balancer host",
        });
        return [];
    }
    const hosts = config.hosts.map((entry) => parseHostEntry(entry, problems)).filter((host): host is HostEntry => host !== undefined);
    const names = new Set<string>();
    /** Which host each address was given to first (addresses are canonical, so one address has one text). */
    const owners = new Map<string, string>();
    for (const host of hosts) {
        if (names.has(host.name)) problems.push({ key: "hosts", value: host.name, rule: "host names must be unique" });
        names.add(host.name);
        for (const address of [host.ipv4, ...host.ipv6]) {
            const owner = owners.get(address);
            if (owner !== undefined) {
                problems.push({
                    key: "hosts",
                    value: host.name,
                    rule: `address ${address} is also given to ${owner === host.name ? "this host" : owner}: each host needs addresses of its own (Juju would enlist one machine for both, and one machine takes one role)`,
                });
            } else owners.set(address, host.name);
        }
        if (usesIpv6 && host.ipv6.length === 0) {
            problems.push({ key: "hosts", value: host.name, rule: "has no IPv6 address, but podCidr or serviceCidr uses IPv6" });
        }
        for (const text of [host.ipv4, ...host.ipv6]) {
            const address = parseAddress(text);
            const clash = address && [...pods, ...services].find((block) => cidrContainsAddress(block, address.family, address.value));
            if (clash)
                problems.push({
                    key: "hosts",
                    value: host.name,
                    rule: `address ${text} lies inside the cluster range ${formatCidr(clash)}`,
                });
        }
    }
    if (hosts.length !== config.hosts.length) return hosts;
    for (const role of ROLES) {
        if (!hosts.some((host) => host.roles.includes(role))) {
            const why =
                role === "load-balancer"
                    ? ": kubeapi-load-balancer needs a host of its own (as Canonical's bundle gives it), e.g. 'lb0 load-balancer 10.0.0.30 2001:db8::30'"
                    : "";
            problems.push({ key: "hosts", value: config.hosts.join("; "), rule: `no host has the ${role} role${why}` });
        }
    }
    const balancers = hosts.filter((host) => host.roles.includes("load-balancer")).map((host) => host.name);
    if (balancers.length > 1) {
        problems.push({
            key: "hosts",
            value: balancers.join(", "),
            rule: "only one host may have the load-balancer role: the bundle runs one kubeapi-load-balancer unit, whose address every kubeconfig and worker uses",
        });
    }
    return hosts;
}

// ---- Cloud access rules (issue 11): what aws and openstack need to be reachable at all. ----

/** The clouds whose nodes ck-dualstack makes and enlists over SSH. */
type AccessCloud = "aws" | "openstack";

/** An OpenSSH public key line: `<type> <base64> [comment]`, of a type OpenSSH knows. */
const SSH_PUBLIC_KEY_LINE =
    /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/**
 * The key types each cloud installs and the node's sshd then accepts:
 * - aws: ImportKeyPair "Imports the public key from an RSA or ED25519 key pair" (AWS EC2 API
 *   reference, ImportKeyPair);
 * - openstack: no ssh-dss (OpenSSH 9.x on Ubuntu 24.04 disables DSA) and no sk-* security keys
 *   (Nova reads keys with the Python cryptography library, which reads sk-* keys only from release
 *   43, and each login would need the authenticator present).
 */
const SSH_KEY_TYPES: Record<AccessCloud, { types: readonly string[]; why: string }> = {
    aws: {
        types: ["ssh-ed25519", "ssh-rsa"],
        why: "AWS ImportKeyPair imports only RSA and ED25519 keys",
    },
    openstack: {
        types: ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
        why: "sshd on Ubuntu 24.04 disables DSA keys, and Nova refuses security-key (sk-*) types unless its cryptography library is release 43 or later",
    },
};

/**
 * Why clients reach the API over IPv6, or undefined when they reach it over IPv4: as
 * components/net/families.ts apiOverIpv6 decides (apiOverIpv6=true, or services prefer IPv6).
 */
function apiIpv6Reason(config: StackConfig): string | undefined {
    if (config.apiOverIpv6) return "apiOverIpv6";
    const firstService = splitList(config.serviceCidr)[0] ?? "";
    return familyOf(firstService) === "IPv6" ? "services prefer IPv6" : undefined;
}

/** adminCidrs: enlisting needs IPv4, an API reached over IPv6 needs IPv6. */
function checkAdminFamilies(config: StackConfig, cloud: AccessCloud, problems: Problem[]): void {
    const apiOverIpv6 = apiIpv6Reason(config);
    if (config.adminCidrs.length === 0) {
        problems.push({
            key: "adminCidrs",
            value: "[]",
            rule:
                `cloud=${cloud} nodes are enlisted over SSH from the machine running pulumi and juju: list its address ` +
                `(nothing is reachable otherwise): an IPv4 range${apiOverIpv6 ? `, and an IPv6 range since the API is reached over IPv6 (${apiOverIpv6})` : ""}`,
        });
        return;
    }
    const families = new Set(config.adminCidrs.map(familyOf));
    const value = JSON.stringify(config.adminCidrs);
    if (!families.has("IPv4")) {
        const address = cloud === "aws" ? "its EC2 public IPv4 address" : "its floating IPv4 address (Neutron floating IPs are IPv4 only)";
        problems.push({
            key: "adminCidrs",
            value,
            rule: `has no IPv4 range: cloud=${cloud} nodes are enlisted (the SSH probe and juju add-machine ssh:) on ${address}, so this machine's IPv4 address must be listed`,
        });
    }
    if (apiOverIpv6 && !families.has("IPv6")) {
        problems.push({
            key: "adminCidrs",
            value,
            rule: `has no IPv6 range, but the API is reached over IPv6 (${apiOverIpv6}): the kubeconfig names kubeapi-load-balancer's IPv6 address on the first worker, port 443, which is opened only to adminCidrs; list this machine's IPv6 range`,
        });
    }
}

/**
 * Comments that mark the keys Juju itself keeps in a model: Juju 3.6 keymanager.go AddKeys refuses a
 * key whose comment (ssh.KeyFingerprint, the whole trimmed rest of the line) is one of them ("may not
 * add key with comment ..."), so the model's AuthorizedKey (juju add-ssh-key) would fail mid-deploy.
 */
const JUJU_KEY_COMMENTS: readonly string[] = ["juju-client-key", "juju-system-key"];

/** sshPublicKey: an OpenSSH public key line of a type the cloud installs and sshd accepts, and Juju adds. */
function checkSshPublicKey(config: StackConfig, cloud: AccessCloud, problems: Problem[]): void {
    const key = config.sshPublicKey.trim();
    if (key === "") {
        problems.push({
            key: "sshPublicKey",
            value: "",
            rule: `cloud=${cloud} instances get no login otherwise: give the public key whose private half the Juju client logs in with`,
        });
        return;
    }
    const secret = secretKind(key);
    if (secret && !SSH_PUBLIC_KEY_LINE.test(key)) {
        problems.push({
            key: "sshPublicKey",
            value: config.sshPublicKey,
            rule:
                `is ${secret}, not an OpenSSH public key: give the public half (the one-line .pub file, 'ssh-ed25519 AAAA... comment'); ` +
                "a private key never belongs in a stack config, and one that was committed or shared should be replaced",
        });
        return;
    }
    const line = SSH_PUBLIC_KEY_LINE.exec(key);
    if (!line) {
        problems.push({
            key: "sshPublicKey",
            value: config.sshPublicKey,
            rule: "is not an OpenSSH public key line ('ssh-ed25519 AAAA... comment')",
        });
        return;
    }
    const accepted = SSH_KEY_TYPES[cloud];
    if (!accepted.types.includes(line[1])) {
        problems.push({
            key: "sshPublicKey",
            value: config.sshPublicKey,
            rule: `is a ${line[1]} key, which cloud=${cloud} cannot use (${accepted.why}): give a key of type ${accepted.types.join(", ")}`,
        });
    }
    const comment = (line[5] ?? "").trim();
    if (JUJU_KEY_COMMENTS.includes(comment)) {
        problems.push({
            key: "sshPublicKey",
            value: config.sshPublicKey,
            rule: `has the comment ${comment}, which Juju keeps for its own keys and refuses on juju add-ssh-key: give the key another comment (or none)`,
        });
    }
}

/**
 * Rules that keep a cloud stack reachable, checked before any resource exists:
 * - aws/openstack nodes are enlisted with `juju add-machine ssh:`, which SSHes from the Juju client
 *   (where pulumi runs; Juju's manual-cloud docs: "accessible over SSH from the terminal you're running
 *   the Juju client from"), so SSH must be open to someone (adminCidrs) and a key installed
 *   (sshPublicKey) of a type the cloud imports and sshd accepts;
 * - enlisting (the sshd probe and add-machine) targets the node's public IPv4 (EC2 public IPv4,
 *   Neutron floating IPv4), so adminCidrs needs an IPv4 range; an API reached over IPv6 also needs
 *   an IPv6 one (port 443 on the first worker is opened to adminCidrs only);
 * - OpenStack IPv6 is routed from outside only from a subnet pool the external network routes
 *   (Neutron routers do not NAT IPv6 and floating IPs are IPv4 only): an API reached over IPv6,
 *   the Octavia IPv6 VIP or IPv6 NodePort sources need ipv6SubnetPool;
 * - Octavia admits everyone on a listener without `allowed_cidrs` and refuses sources of the
 *   other family than its VIP (octavia/api/v2/controllers/listener.py,
 *   `_validate_cidr_compatible_with_vip`): it needs IPv6 nodePortCidrs;
 * - privateSubnets is refused (docs/clouds.md, "Public subnets"): nodes must stay reachable from the Juju client.
 */
export function validateCloudAccess(config: StackConfig): Problem[] {
    const problems: Problem[] = [];
    if (config.cloud !== "aws" && config.cloud !== "openstack") return problems;
    checkAdminFamilies(config, config.cloud, problems);
    checkSshPublicKey(config, config.cloud, problems);
    if (config.cloud === "aws" && config.privateSubnets) {
        problems.push({
            key: "privateSubnets",
            value: "true",
            rule: "is not supported: nodes must keep a public IPv4 address for the Juju client to enlist them over SSH; set it to false",
        });
    }
    if (config.cloud !== "openstack") return problems;
    const ipv6NodePortSources = config.nodePortCidrs.filter((cidr) => familyOf(cidr) === "IPv6");
    const apiOverIpv6 = apiIpv6Reason(config);
    const reachedOverIpv6 = [
        ...(apiOverIpv6 ? [`the API is reached over IPv6 (${apiOverIpv6})`] : []),
        ...(config.loadBalancer === "octavia" ? ["the Octavia VIP is IPv6"] : []),
        ...(ipv6NodePortSources.length > 0 ? [`IPv6 NodePorts are opened to ${ipv6NodePortSources.join(", ")}`] : []),
    ];
    if (config.ipv6SubnetPool === "" && reachedOverIpv6.length > 0) {
        problems.push({
            key: "ipv6SubnetPool",
            value: "",
            rule:
                `${reachedOverIpv6.join("; ")}, but nodeIpv6Cidr ${config.nodeIpv6Cidr} is not routed from outside ` +
                "(Neutron does not NAT IPv6 and floating IPs are IPv4 only): name a subnet pool the external network routes " +
                "('default' for the project's default IPv6 pool, an ID or a name)",
        });
    }
    if (config.loadBalancer === "octavia" && ipv6NodePortSources.length === 0) {
        problems.push({
            key: "nodePortCidrs",
            value: JSON.stringify(config.nodePortCidrs),
            rule: "loadBalancer=octavia needs at least one IPv6 source: its listener admits only those (Octavia admits everyone on an empty list and refuses IPv4 sources on an IPv6 VIP)",
        });
    }
    return problems;
}
