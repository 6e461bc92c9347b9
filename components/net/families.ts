import { Cidr, Family, formatCidr, isCidrError, parseCidr, splitList } from "./cidr";

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

/** Families and mode of validated pod and service ranges, each in the configured order. */
export function familyPlan(pods: readonly Cidr[], services: readonly Cidr[]): FamilyPlan {
    const podFamilies = pods.map((block) => block.family);
    const serviceFamilies = services.map((block) => block.family);
    const preferredFamily = podFamilies[0];
    const mode = podFamilies.length === 2 ? `dual-stack, ${preferredFamily} preferred` : `${preferredFamily}-only`;
    return { podFamilies, serviceFamilies, preferredFamily, mode, podCidrs: pods.map(formatCidr), serviceCidrs: services.map(formatCidr) };
}

function parsedList(text: string): Cidr[] {
    return splitList(text).map((part) => {
        const parsed = parseCidr(part);
        if (isCidrError(parsed)) throw new Error(`unvalidated CIDR ${part}: ${parsed.error}`);
        return parsed;
    });
}

/** familyPlan of comma-separated range lists that validation already accepted. */
export function planFamilies(podCidr: string, serviceCidr: string): FamilyPlan {
    return familyPlan(parsedList(podCidr), parsedList(serviceCidr));
}

/** Whether clients should reach the API server over IPv6 (services prefer it, or config asks). */
export function apiOverIpv6(families: FamilyPlan, requested: boolean): boolean {
    return requested || families.serviceFamilies[0] === "IPv6";
}
