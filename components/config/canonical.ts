import { formatCidr, isCidrError, parseCidr, splitList } from "../net/cidr";
import { StackConfig } from "./stackConfig";
import { parseHostEntry } from "./validate";

/**
 * A range in the canonical form validation read it as (formatCidr: `2001:DB8::/32` becomes
 * `2001:db8::/32`, `10.0.0.0/016` becomes `10.0.0.0/16`). Text that does not parse is left as
 * given: validation refuses it on every key the stack's cloud uses, so only a key this cloud
 * ignores (e.g. nodeCidr on cloud=existing) can still hold it.
 */
function canonicalCidr(text: string): string {
    const parsed = parseCidr(text);
    return isCidrError(parsed) ? text : formatCidr(parsed);
}

/** A `hosts` entry re-joined from what validation parsed: `name role ipv4 [ipv6 ...]`, addresses canonical. */
function canonicalHost(entry: string): string {
    const host = parseHostEntry(entry, []);
    return host ? [host.name, host.roles.join("+"), host.ipv4, ...host.ipv6].join(" ") : entry;
}

/**
 * The validated config with every address and range in canonical form, so nothing downstream
 * (firewall rules, subnets, `juju add-machine ssh:`, the overlays) sees the text as written:
 * `2001:DB8::0010` goes on as `2001:db8::10`. Leading-zero IPv4 forms never get here (refused).
 */
export function canonicalConfig(config: StackConfig): StackConfig {
    const canonicalList = (text: string) => splitList(text).map(canonicalCidr).join(",");
    return {
        ...config,
        podCidr: canonicalList(config.podCidr),
        serviceCidr: canonicalList(config.serviceCidr),
        nodeCidr: canonicalCidr(config.nodeCidr),
        nodeIpv6Cidr: canonicalCidr(config.nodeIpv6Cidr),
        adminCidrs: config.adminCidrs.map(canonicalCidr),
        nodePortCidrs: config.nodePortCidrs.map(canonicalCidr),
        hosts: config.hosts.map(canonicalHost),
    };
}
