// Juju calls as the simulator logged them (simulator/state.ts readCalls), written as the operations
// preview lists them (components/juju/operations.ts describeOperation), for tests that compare the two.

/**
 * A logged call as describeOperation writes it: `juju <command> <positional...> <flags...>`, without
 * the model (-m X), the output format, the action wait, removal's --no-prompt, and `--`.
 */
export function renderedCall(args: readonly string[]): string {
    const end = args.indexOf("--");
    const [flags, positional] = end < 0 ? [args.slice(1), []] : [args.slice(1, end), args.slice(end + 1)];
    const kept = flags.filter((flag, i) => flag !== "-m" && flags[i - 1] !== "-m" && !/^--(format|wait)=|^--no-prompt$/.test(flag));
    return ["juju", args[0], ...positional, ...kept].join(" ");
}

/** A list's Juju operations, as typed (the etcd snapshot's line ends with what it does besides, in parentheses). */
export const jujuLines = (operations: readonly string[]): string[] =>
    operations.filter((line) => line.startsWith("juju ")).map((line) => line.replace(/ \(.*\)$/, ""));
