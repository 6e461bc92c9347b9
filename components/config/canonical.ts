import { formatCidr, isCidrError, parseCidr } from "../net/cidr";
import { StackConfig } from "./stackConfig";
import { CheckedConfig, HostEntry } from "./validate";

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

/** A `hosts` entry as validation parsed it: `name role ipv4 [ipv6 ...]`, addresses canonical. */
function hostEntryText(host: HostEntry): string {
    return [host.name, host.roles.join("+"), host.ipv4, ...host.ipv6].join(" ");
}

/**
 * The validated config with every address and range in canonical form, so nothing downstream
 * (firewall rules, subnets, `juju add-machine ssh:`, the overlays) sees the text as written:
 * `2001:DB8::0010` goes on as `2001:db8::10`. Leading-zero IPv4 forms never get here (refused).
 * Ranges and hosts come from what validation parsed (`checked`), not from the text again.
 */
export function canonicalConfig(config: StackConfig, checked: CheckedConfig): StackConfig {
    return {
        ...config,
        podCidr: checked.pods.map(formatCidr).join(","),
        serviceCidr: checked.services.map(formatCidr).join(","),
        nodeCidr: canonicalCidr(config.nodeCidr),
        nodeIpv6Cidr: canonicalCidr(config.nodeIpv6Cidr),
        adminCidrs: config.adminCidrs.map(canonicalCidr),
        nodePortCidrs: config.nodePortCidrs.map(canonicalCidr),
        hosts: config.cloud === "existing" ? checked.hosts.map(hostEntryText) : config.hosts,
    };
}
