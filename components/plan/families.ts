import { Family, formatCidr, isCidrError, parseCidr, splitList } from "../net/cidr";

/** How the cluster uses the two families, derived from podCidr and serviceCidr. */
export interface FamilyPlan {
    /** Pod families, preferred first. */
    readonly podFamilies: Family[];
    /** Service families, the default (first) family first. */
    readonly serviceFamilies: Family[];
    /** The family pods prefer. */
    readonly preferredFamily: Family;
    /** Human name of the mode, e.g. "dual-stack, IPv4 preferred". */
    readonly mode: string;
    /** Pod ranges in canonical form, in the configured order. */
    readonly podCidrs: string[];
    /** Service ranges in canonical form, in the configured order. */
    readonly serviceCidrs: string[];
}

function canonicalList(text: string): string[] {
    return splitList(text).map((part) => {
        const parsed = parseCidr(part);
        if (isCidrError(parsed)) throw new Error(`unvalidated CIDR ${part}: ${parsed.error}`);
        return formatCidr(parsed);
    });
}

const familyOf = (cidr: string): Family => (cidr.includes(":") ? "IPv6" : "IPv4");

/** Families and mode of a validated config. */
export function planFamilies(podCidr: string, serviceCidr: string): FamilyPlan {
    const podCidrs = canonicalList(podCidr);
    const serviceCidrs = canonicalList(serviceCidr);
    const podFamilies = podCidrs.map(familyOf);
    const serviceFamilies = serviceCidrs.map(familyOf);
    const preferredFamily = podFamilies[0];
    const mode = podFamilies.length === 2 ? `dual-stack, ${preferredFamily} preferred` : `${preferredFamily}-only`;
    return { podFamilies, serviceFamilies, preferredFamily, mode, podCidrs, serviceCidrs };
}

/** Whether clients should reach the API server over IPv6 (services prefer it, or config asks). */
export function apiOverIpv6(families: FamilyPlan, requested: boolean): boolean {
    return requested || families.serviceFamilies[0] === "IPv6";
}
