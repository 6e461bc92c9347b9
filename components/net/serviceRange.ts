import { Cidr, cidrContains, formatCidr, isCidrError, parseCidr, splitList } from "./cidr";

function parseList(text: string): Cidr[] {
    return splitList(text).map((part) => {
        const parsed = parseCidr(part);
        if (isCidrError(parsed)) throw new Error(`${part}: ${parsed.error}`);
        return parsed;
    });
}

/**
 * Whether `service-cidr` may change from `before` to `after` on a live cluster: only growing is
 * possible (same families in the same order, each new range containing the old one), because
 * existing Services keep their ClusterIPs. Returns the reason it may not, or undefined if it may.
 */
export function serviceCidrChangeProblem(before: string, after: string): string | undefined {
    const old = parseList(before);
    const next = parseList(after);
    const families = (list: Cidr[]) => list.map((c) => c.family).join(",");
    if (families(old) !== families(next)) {
        return `service families cannot change on a deployed cluster (${families(old)} -> ${families(next)}); it needs a new cluster (pulumi destroy, then up)`;
    }
    for (let i = 0; i < old.length; i++) {
        if (!cidrContains(next[i], old[i])) {
            return `service range ${formatCidr(old[i])} can only grow on a deployed cluster, and ${formatCidr(next[i])} does not contain it`;
        }
    }
    return undefined;
}
