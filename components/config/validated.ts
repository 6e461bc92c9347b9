import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ValidConfig, loadConfig } from "./load";
import { ownConfig } from "./ownKeys";

/**
 * Our config values as the engine hands them over (lists as JSON), before validation: every key of
 * the stack (PULUMI_CONFIG), so an unknown key of ours or one in a mistyped namespace is refused.
 */
function rawConfig(): ReturnType<typeof ownConfig> {
    return ownConfig(pulumi.runtime.allConfig(), isConfigSecret);
}

/**
 * Whether the engine handed a key over as a secret (`pulumi config set --secret`), so a refusal
 * never shows it: the language host lists them in PULUMI_CONFIG_SECRET_KEYS, which @pulumi/pulumi
 * reads in runtime/config.ts isConfigSecret (exported at run time, marked internal in its typings).
 */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return runtime.isConfigSecret?.(fullKey) ?? false;
}

/** Validates everything before any resource exists; every problem on its own line, no stack trace. */
export function validatedConfig(): ValidConfig {
    try {
        const { raw, problems, secretKeys } = rawConfig();
        return loadConfig(raw, problems, secretKeys);
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}
