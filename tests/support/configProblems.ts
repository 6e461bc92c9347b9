import { ConfigError, loadConfig } from "../../components/config/load";
import { formatProblem } from "../../components/config/validate";

/** The problem lines loadConfig reports for raw config values (none when it accepts them). */
export function problemLines(raw: Record<string, string>): string[] {
    try {
        loadConfig(raw);
        return [];
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems.map(formatProblem);
    }
}
