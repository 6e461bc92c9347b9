import { Cidr, Family } from "./cidr";

/**
 * Calico's default IPPool block sizes (Calico docs, "IP pool" resource: `blockSize` defaults to 26
 * for IPv4 and 122 for IPv6): each node takes pod addresses a block at a time, so a pool smaller
 * than one block hands out nothing.
 */
export const CALICO_BLOCK_PREFIX: Record<Family, number> = { IPv4: 26, IPv6: 122 };

/**
 * kube-controller-manager's node IPAM keeps one bit per node range, so an IPv6 node mask may be at
 * most 16 bits longer than the cluster range (kubernetes pkg/controller/nodeipam/ipam/cidrset/
 * cidr_set.go, clusterSubnetMaxDiff); IPv4 has no such limit.
 */
export const NODE_MASK_MAX_DIFF_IPV6 = 16;

/**
 * The per-node pod range a pod range is cut into: one Calico block per node (IPv4 /26), and for
 * IPv6 the largest range IPAM can still index (cluster prefix + 16, never past a /122 block).
 */
export function nodeBlockPrefix(range: Cidr): number {
    const block = CALICO_BLOCK_PREFIX[range.family];
    return range.family === "IPv6" ? Math.min(block, range.prefix + NODE_MASK_MAX_DIFF_IPV6) : block;
}

/** How many nodes a pod range gives a per-node range each (0 when it is smaller than one). */
export function nodeCapacity(range: Cidr): bigint {
    const prefix = nodeBlockPrefix(range);
    return prefix < range.prefix ? 0n : 1n << BigInt(prefix - range.prefix);
}
