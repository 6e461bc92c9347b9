import { Address4, Address6 } from "ip-address";

/** An address family as Kubernetes names it in `ipFamilies`. */
export type Family = "IPv4" | "IPv6";

/** A parsed CIDR block: the network address as a number plus its prefix length. */
export interface Cidr {
    readonly family: Family;
    readonly network: bigint;
    readonly prefix: number;
}

export const FAMILY_BITS: Record<Family, number> = { IPv4: 32, IPv6: 128 };

/** What went wrong parsing a CIDR, in words fit for a validation message. */
export interface CidrError {
    readonly error: string;
}

/** The family of an address or range written as text (validated, or parsed by the caller): IPv6 when it has a colon. */
export function familyOf(text: string): Family {
    return text.includes(":") ? "IPv6" : "IPv4";
}

/**
 * Why an IPv4 address written with a leading zero in an octet (`010.0.0.10`, `10.0.0.010`, or the
 * IPv4 tail of an IPv6 address) is refused, or undefined when it has none. ssh (which
 * `juju add-machine ssh:` runs) hands the host to the system resolver (glibc getaddrinfo, which
 * parses numeric IPv4 with inet_aton), and that reads a leading zero as octal: `010.0.0.10` is
 * 8.0.0.10 there, while a decimal reading (ip-address before 10.3.1, CVE-2026-69192) makes it
 * 10.0.0.10. One string, two hosts: refused rather than guessed.
 */
export function leadingZeroProblem(text: string): string | undefined {
    const tail = text.slice(text.lastIndexOf(":") + 1);
    const octets = tail.split(".");
    if (octets.length < 2 || !octets.some((octet) => /^0\d/.test(octet))) return undefined;
    const why = "an IPv4 octet written with a leading zero, which ssh and the system resolver (inet_aton, getaddrinfo) read as octal";
    if (tail !== text || octets.length !== 4 || !octets.every((octet) => /^\d+$/.test(octet))) {
        return `"${text}" has ${why}; write every octet without leading zeros`;
    }
    const octal = octets.map((octet) => (/^0\d/.test(octet) ? (/^[0-7]+$/.test(octet) ? parseInt(octet, 8) : NaN) : Number(octet)));
    const theirs = octal.some((value) => Number.isNaN(value) || value > 255) ? "no address at all" : octal.join(".");
    const ours = octets.map(Number).join(".");
    return `"${text}" has ${why}, so to them it is ${theirs}, not ${ours}; write it as ${ours} if that is the host meant`;
}

/**
 * Why an IPv6 address written with a zone ID (`fe80::1%eth0`) is refused, or undefined when it has
 * none. A zone names an interface of one machine: it means nothing to the other hosts, to Juju or to
 * the charms (`loadbalancer-ips` and the certificates' SANs take plain addresses), and whatever
 * follows `%` would travel downstream as text. ip-address accepts any text there.
 */
function zoneProblem(text: string): string | undefined {
    if (!text.includes("%")) return undefined;
    return `"${text}" has a zone ID (the part from %), which names an interface of one machine and means nothing to the other hosts, Juju or the charms; write the address without it`;
}

/** Why an address's text is refused before it is even parsed (a leading-zero octet, a zone ID), or undefined. */
export function addressTextProblem(text: string): string | undefined {
    return leadingZeroProblem(text) ?? zoneProblem(text);
}

/** Parses one address (no prefix) into family and numeric value, or undefined if invalid (addressTextProblem included). */
export function parseAddress(text: string): { family: Family; value: bigint } | undefined {
    const family = familyOf(text);
    if (text.includes("/") || addressTextProblem(text)) return undefined;
    if (family === "IPv4") {
        return Address4.isValid(text) ? { family, value: new Address4(text).bigInt() } : undefined;
    }
    return Address6.isValid(text) ? { family, value: new Address6(text).bigInt() } : undefined;
}

/**
 * Parses `a.b.c.d/n` or `x::/n`. Refuses a missing or out-of-range prefix and host bits set
 * (suggesting the network address), since Calico and kube-apiserver refuse those too.
 */
export function parseCidr(text: string): Cidr | CidrError {
    const trimmed = text.trim();
    const slash = trimmed.indexOf("/");
    if (slash < 0) return { error: "must be a CIDR block such as 10.0.0.0/16 or fd00::/64 (no prefix length given)" };
    const addressText = trimmed.slice(0, slash);
    const prefixText = trimmed.slice(slash + 1);
    const textProblem = addressTextProblem(addressText);
    if (textProblem) return { error: textProblem };
    const address = parseAddress(addressText);
    if (!address) return { error: `"${addressText}" is not a valid IPv4 or IPv6 address` };
    const bits = FAMILY_BITS[address.family];
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
        return { error: `prefix length must be a whole number from 0 to ${bits} for ${address.family}` };
    }
    const prefix = Number(prefixText);
    const network = address.value & netmask(address.family, prefix);
    if (network !== address.value) {
        return { error: `host bits are set; did you mean ${formatCidr({ family: address.family, network, prefix })}?` };
    }
    return { family: address.family, network, prefix };
}

export function isCidrError(value: Cidr | CidrError): value is CidrError {
    return (value as CidrError).error !== undefined;
}

function netmask(family: Family, prefix: number): bigint {
    const bits = BigInt(FAMILY_BITS[family]);
    const all = (1n << bits) - 1n;
    return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** Formats an address value in its canonical short form. */
export function formatAddress(family: Family, value: bigint): string {
    return family === "IPv4" ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

export function formatCidr(cidr: Cidr): string {
    return `${formatAddress(cidr.family, cidr.network)}/${cidr.prefix}`;
}

/** Number of addresses in the block. */
export function cidrSize(cidr: Cidr): bigint {
    return 1n << BigInt(FAMILY_BITS[cidr.family] - cidr.prefix);
}

/** The last address of the block. */
export function lastAddress(cidr: Cidr): bigint {
    return cidr.network + cidrSize(cidr) - 1n;
}

export function cidrContainsAddress(cidr: Cidr, family: Family, value: bigint): boolean {
    return cidr.family === family && value >= cidr.network && value <= lastAddress(cidr);
}

/** True when `inner` lies wholly inside `outer` (a block contains itself). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.family === inner.family && outer.prefix <= inner.prefix && cidrContainsAddress(outer, inner.family, inner.network);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/**
 * The `index`-th block of length `prefix` inside `parent`, e.g. the n-th /64 of a VPC's /56.
 * Throws when the block does not fit, which is a programming error once config is validated.
 */
export function subnetAt(parent: Cidr, prefix: number, index: number): Cidr {
    if (prefix < parent.prefix || prefix > FAMILY_BITS[parent.family]) {
        throw new Error(`cannot carve a /${prefix} out of ${formatCidr(parent)}`);
    }
    const count = 1n << BigInt(prefix - parent.prefix);
    if (index < 0 || BigInt(index) >= count) {
        throw new Error(`${formatCidr(parent)} holds ${count} /${prefix} blocks; block ${index} does not exist`);
    }
    const size = 1n << BigInt(FAMILY_BITS[parent.family] - prefix);
    return { family: parent.family, network: parent.network + BigInt(index) * size, prefix };
}

/** Splits a comma-separated CIDR list the way the charms read it. */
export function splitList(text: string): string[] {
    return text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
}

/**
 * Ranges that can never be pod, service or host networks. IPv4-mapped IPv6 addresses (RFC 4291
 * 2.5.5.2) only represent an IPv4 node's address inside an IPv6 socket: no interface has one, and
 * `::ffff:10.0.0.10` is 10.0.0.10 again, a second spelling that the duplicate-address check of hosts
 * would not see.
 */
const RESERVED: ReadonlyArray<{ cidr: string; name: string }> = [
    { cidr: "0.0.0.0/8", name: "unspecified ('this network')" },
    { cidr: "127.0.0.0/8", name: "loopback" },
    { cidr: "169.254.0.0/16", name: "link-local" },
    { cidr: "224.0.0.0/4", name: "multicast" },
    { cidr: "240.0.0.0/4", name: "reserved (class E)" },
    { cidr: "::/128", name: "unspecified" },
    { cidr: "::1/128", name: "loopback" },
    { cidr: "::ffff:0:0/96", name: "IPv4-mapped" },
    { cidr: "fe80::/10", name: "link-local" },
    { cidr: "ff00::/8", name: "multicast" },
];

/** The name of the reserved range an address lies in (loopback, link-local, ...), if any. */
export function reservedRangeOfAddress(family: Family, value: bigint): string | undefined {
    return reservedRangeOf({ family, network: value, prefix: FAMILY_BITS[family] });
}

/** The name of the reserved range the block overlaps, if any. */
export function reservedRangeOf(cidr: Cidr): string | undefined {
    for (const reserved of RESERVED) {
        const parsed = parseCidr(reserved.cidr) as Cidr;
        if (cidrsOverlap(parsed, cidr)) return `${reserved.name} ${reserved.cidr}`;
    }
    return undefined;
}
