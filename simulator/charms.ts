// Charm options as Juju checks them, and how the simulated charms react to theirs.
import { CharmData, OptionType, charmData } from "./charmData";
import { JujuExit } from "./context";

export function charmOf(name: string): CharmData {
    const charm = charmData().charms[name];
    if (!charm) throw new JujuExit(`ERROR charm or bundle "${name}" not found`);
    return charm;
}

/**
 * Checks one option value against the charm's config, as Juju does before it changes anything
 * (charm/config.go ValidateSettings: `unknown option %q`; a value of the wrong type:
 * `option %q expected %s, got %#v`). Values from the command line are strings, parsed by type
 * (ParseSettingsStrings: `option %q expected %s, got %q`... `cannot parse`).
 */
export function optionProblem(charmName: string, option: string, value: unknown, fromCommandLine: boolean): string | undefined {
    const spec = charmOf(charmName).options[option];
    if (!spec) return `unknown option "${option}"`;
    if (value === null || value === undefined) return undefined;
    const expected: Record<OptionType, string> = { string: "string", int: "int", float: "float", boolean: "boolean" };
    if (fromCommandLine && typeof value === "string") {
        const ok =
            spec.type === "string" ||
            (spec.type === "int" && /^-?\d+$/.test(value)) ||
            (spec.type === "float" && value.trim() !== "" && !Number.isNaN(Number(value))) ||
            (spec.type === "boolean" && /^(true|false)$/i.test(value));
        return ok ? undefined : `option "${option}" expected ${expected[spec.type]}, got "${value}"`;
    }
    const ok =
        (spec.type === "string" && typeof value === "string") ||
        (spec.type === "int" && typeof value === "number" && Number.isInteger(value)) ||
        (spec.type === "float" && typeof value === "number") ||
        (spec.type === "boolean" && typeof value === "boolean");
    return ok ? undefined : `option "${option}" expected ${expected[spec.type]}, got ${JSON.stringify(value)}`;
}

/** A charm's option value as `juju config` shows it: what was set, or the charm's default. */
export function optionValue(charmName: string, options: Record<string, string>, option: string): string {
    if (option in options) return options[option];
    const fallback = charmOf(charmName).options[option]?.default;
    return fallback === undefined || fallback === null ? "" : String(fallback);
}

/** The registry rocks.canonical.com served until 2026-08-31 (design.md, "Kubernetes and charms"). */
export const RETIRED_REGISTRY = "rocks.canonical.com:443/cdk";

/**
 * What a charm pulling images from the retired registry shows: image pulls fail and the unit
 * blocks. Only calico and kubernetes-control-plane have `image-registry` (tests/fixtures/charms);
 * the worker pulls from what the control plane hands it over kube-control.
 */
export function registryProblem(charmName: string, options: Record<string, string>): string | undefined {
    if (!("image-registry" in charmOf(charmName).options)) return undefined;
    return optionValue(charmName, options, "image-registry") === RETIRED_REGISTRY
        ? `image pull failed: ${RETIRED_REGISTRY} is gone; set image-registry=ghcr.io/canonical/cdk`
        : undefined;
}
