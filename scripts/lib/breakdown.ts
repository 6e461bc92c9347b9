// Where a run's time goes (issue 23), from what the run recorded: the program's and providers' trace
// (components/juju/trace.ts, CK_DUALSTACK_TRACE) and the engine's own log of provider calls
// (`pulumi preview --logtostderr -v=7`: one JSON line per call, "Provider[<id>].<Method>(<urn>...)
// executing" and "... success"/"failed", pulumi pkg/resource/plugin/provider_plugin.go).

/** One line of the trace file. */
export interface TraceEvent {
    readonly event: string;
    readonly pid: number;
    readonly at: number;
    readonly kind?: string;
    readonly method?: string;
    readonly command?: string;
    readonly ms?: number;
    readonly uptimeMs?: number;
}

/** A count of calls and their summed duration. */
export interface Tally {
    count: number;
    ms: number;
}

/** The trace file's lines (unreadable lines skipped: a process killed mid-write). */
export function parseTrace(text: string): TraceEvent[] {
    return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .flatMap((line) => {
            try {
                return [JSON.parse(line) as TraceEvent];
            } catch {
                return [];
            }
        });
}

/** The milliseconds covered by the union of [start, end] intervals (parallel calls counted once). */
export function unionMs(intervals: readonly (readonly [number, number])[]): number {
    const sorted = [...intervals].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
    let total = 0;
    let reach = -Infinity;
    for (const [start, end] of sorted) {
        if (end <= reach) continue;
        total += end - Math.max(start, reach);
        reach = end;
    }
    return total;
}

const add = (tallies: Record<string, Tally>, key: string, ms: number) => {
    const tally = (tallies[key] ??= { count: 0, ms: 0 });
    tally.count++;
    tally.ms += ms;
};

/** What the trace of one run says: the program's phases, each provider method's calls and the Juju calls. */
export interface TraceBreakdown {
    /** From the run's start to the program's first module loading: the CLI, the language host, ts-node, the SDK. */
    readonly startupMs?: number;
    /** Loading (transpiling) the program's modules. */
    readonly programLoadMs?: number;
    /** From the modules loaded to the program's function called: @pulumi/pulumi registering the stack's root resource. */
    readonly stackRegistrationMs?: number;
    /** The program's own run, registering its resources, to its return. */
    readonly programRunMs?: number;
    /** When the dynamic provider host's process started, after the run's start (index.ts has the engine start it early). */
    readonly dynamicProviderLaunchMs?: number;
    /** From the program's return to the host's first provider call: what the registrations waited for the host. */
    readonly dynamicProviderWaitMs?: number;
    /** Wall time while any dynamic provider method ran (parallel calls counted once). */
    readonly dynamicProviderMethodsMs: number;
    /** `<Provider>.<method>`: calls and summed time, with the Juju calls each made. */
    readonly methods: Record<string, Tally & { juju: Record<string, Tally> }>;
    /** Every Juju call of the run by command, whoever made it (the credential helper's too). */
    readonly jujuCalls: Record<string, Tally>;
    /** The Juju calls the dynamic providers' methods made, by command. */
    readonly providerJujuCalls: Record<string, Tally>;
    /** The Kubernetes provider's credential helper: runs and their summed time (its Juju calls are in jujuCalls). */
    readonly credentialHelper: Tally;
}

export function traceBreakdown(events: readonly TraceEvent[], runStartedAt: number): TraceBreakdown {
    const first = (name: string) => events.find((e) => e.event === name);
    const loadStart = first("program-load-start");
    const programLoaded = first("program-loaded");
    const programStart = first("program-start");
    const programReturn = first("program-return");
    const providerStart = first("provider-start");
    const methods: TraceBreakdown["methods"] = {};
    const jujuCalls: Record<string, Tally> = {};
    const providerJujuCalls: Record<string, Tally> = {};
    const credentialHelper: Tally = { count: 0, ms: 0 };
    const intervals: [number, number][] = [];
    for (const e of events) {
        if (e.event === "method" && e.kind === "kubeCredential") {
            credentialHelper.count++;
            credentialHelper.ms += e.ms ?? 0;
        } else if (e.event === "method") {
            const key = `${e.kind}.${e.method}`;
            const entry = (methods[key] ??= { count: 0, ms: 0, juju: {} });
            entry.count++;
            entry.ms += e.ms ?? 0;
            intervals.push([e.at - (e.ms ?? 0), e.at]);
        } else if (e.event === "juju") {
            add(jujuCalls, e.command ?? "?", e.ms ?? 0);
            if (e.kind !== "other" && e.kind !== "kubeCredential") {
                add(providerJujuCalls, e.command ?? "?", e.ms ?? 0);
                const entry = (methods[`${e.kind}.${e.method}`] ??= { count: 0, ms: 0, juju: {} });
                add(entry.juju, e.command ?? "?", e.ms ?? 0);
            }
        }
    }
    return {
        startupMs: loadStart ? loadStart.at - runStartedAt : undefined,
        programLoadMs: loadStart && programLoaded ? programLoaded.at - loadStart.at : undefined,
        stackRegistrationMs: programLoaded && programStart ? programStart.at - programLoaded.at : undefined,
        programRunMs: programStart && programReturn ? programReturn.at - programStart.at : undefined,
        dynamicProviderLaunchMs: providerStart ? providerStart.at - (providerStart.uptimeMs ?? 0) - runStartedAt : undefined,
        dynamicProviderWaitMs: providerStart && programReturn ? Math.max(0, providerStart.at - programReturn.at) : undefined,
        dynamicProviderMethodsMs: unionMs(intervals),
        methods,
        jujuCalls,
        providerJujuCalls,
        credentialHelper,
    };
}

/** The Kubernetes provider's calls as the engine logged them: how many, their summed time and their wall time. */
export interface ProviderCalls {
    readonly calls: number;
    readonly summedMs: number;
    readonly wallMs: number;
    /** The longest call (its method and time): the first one waits for the credential helper. */
    readonly longest?: { readonly method: string; readonly ms: number };
}

const CALL = /^Provider\[([^\]]+)\]\.(\w+)\((.*?)\)?:? (executing|success|failed)/;

/**
 * The engine's log lines (JSON, one a line, `msg` holding the text; plain glog lines are read too)
 * of the provider whose configuration URN names `providerType` (e.g. `pulumi:providers:kubernetes`).
 */
export function providerCalls(log: string, providerType: string): ProviderCalls {
    const lines = log.split("\n").flatMap((line) => {
        const start = line.indexOf("{");
        if (start < 0) return [];
        try {
            const entry = JSON.parse(line.slice(start)) as { time?: string; msg?: string };
            return entry.time && entry.msg ? [{ at: Date.parse(entry.time), msg: entry.msg }] : [];
        } catch {
            return [];
        }
    });
    const ids = new Set(lines.flatMap(({ msg }) => (msg.includes(providerType) ? [CALL.exec(msg)?.[1]].filter(Boolean) : [])));
    const open = new Map<string, number>();
    const intervals: [number, number][] = [];
    let longest: ProviderCalls["longest"];
    for (const { at, msg } of lines) {
        const match = CALL.exec(msg);
        if (!match || !ids.has(match[1])) continue;
        const [, id, method, args, phase] = match;
        const key = `${id}.${method}(${args.split(",")[0]})`;
        if (phase === "executing") open.set(key, at);
        else if (open.has(key)) {
            const started = open.get(key)!;
            open.delete(key);
            intervals.push([started, at]);
            if (!longest || at - started > longest.ms) longest = { method, ms: at - started };
        }
    }
    return {
        calls: intervals.length,
        summedMs: intervals.reduce((sum, [start, end]) => sum + end - start, 0),
        wallMs: unionMs(intervals),
        longest,
    };
}
