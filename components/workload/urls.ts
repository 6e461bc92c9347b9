import { familyOf } from "../net/cidr";

/** `http://[addr]:port` for IPv6, `http://addr:port` for IPv4. */
export function httpUrl(address: string, port: number): string {
    return `http://${familyOf(address) === "IPv6" ? `[${address}]` : address}:${port}`;
}

/**
 * URLs for a NodePort on the workers' IPv6 addresses only: IPv6 NodePorts do not work on the
 * control plane (the seed's known issue), so its addresses are never offered.
 */
export function workerIpv6Urls(workers: readonly { roles: readonly string[]; ipv6: readonly string[] }[], nodePort: number): string[] {
    const addresses = workers
        .filter((node) => node.roles.includes("worker"))
        .flatMap((node) => node.ipv6.filter((a) => familyOf(a) === "IPv6"));
    return [...new Set(addresses)].map((address) => httpUrl(address, nodePort));
}

/** Pairs a Service's `clusterIPs` with its `ipFamilies`, e.g. { IPv6: "fd00:c00b:2::1f" }. */
export function clusterIpsByFamily(families: readonly string[] | undefined, ips: readonly string[] | undefined): Record<string, string> {
    return Object.fromEntries((families ?? []).map((family, i) => [family, ips?.[i] ?? ""]));
}
