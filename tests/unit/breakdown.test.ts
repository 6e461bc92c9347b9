// The bench's breakdown of a run (issue 23): parallel calls counted once, the Kubernetes provider's
// calls found in the engine's log, Juju calls attributed to the provider method that made them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseTrace, providerCalls, traceBreakdown, unionMs } from "../../scripts/lib/breakdown";

/** The engine's log line of a provider call (pulumi 3.x `--logtostderr -v=7`, JSON lines, as captured on this machine). */
const logLine = (at: string, msg: string) => JSON.stringify({ time: `2026-12-06T18:47:${at}Z`, level: "INFO", msg, v: 7 });
const K8S = "urn:pulumi:s::ck-dualstack::pulumi:providers:kubernetes::ck-k8s";
const CIDR = "urn:pulumi:s::ck-dualstack::ck-dualstack:cluster:ServiceRange$kubernetes:networking.k8s.io/v1:ServiceCIDR::ck-service-cidr";
const MODEL = "urn:pulumi:s::ck-dualstack::ck-dualstack:juju:JujuCluster$pulumi-nodejs:dynamic/juju:Model::ck-model";

describe("run breakdown", () => {
    it("counts overlapping intervals once", () => {
        fc.assert(
            fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 50 }))), (raw) => {
                const intervals = raw.map(([start, length]) => [start, start + length] as const);
                // Brute force: the milliseconds some interval covers.
                let covered = 0;
                for (let t = 0; t < 250; t++) if (intervals.some(([s, e]) => t >= s && t < e)) covered++;
                assert.equal(unionMs(intervals), covered);
            }),
        );
    });

    it("finds the Kubernetes provider's calls in the engine's log, and no other provider's", () => {
        const log = [
            logLine("26.300000000", `Provider[0xdyn].Check(${MODEL}) executing (#olds=5,#news=5)`),
            logLine("26.800000000", `Provider[0xdyn].Check(${MODEL}) success: inputs=#5 failures=#0`),
            logLine("28.011317145", `Provider[0xk8s].CheckConfig(${K8S}) executing (#olds=3,#news=3)`),
            logLine("28.012653061", `Provider[0xk8s].CheckConfig(${K8S}) success: inputs=#3 failures=#0`),
            logLine("28.029267725", `Provider[0xk8s].Check(${CIDR}) executing (#olds=4,#news=4)`),
            logLine("29.811559222", `Provider[0xk8s].Check(${CIDR}) success: inputs=#4 failures=#0`),
            logLine("29.811695551", `Provider[0xk8s].Diff(${CIDR},ck-service-cidr-1f2f2d14): executing (#oldInputs=4)`),
            logLine("29.813272255", `Provider[0xk8s].Diff(${CIDR},ck-service-cidr-1f2f2d14) success: changes=1 #replaces=[]`),
            "not a log line",
        ].join("\n");
        const calls = providerCalls(log, "pulumi:providers:kubernetes");
        assert.equal(calls.calls, 3);
        assert.equal(calls.longest?.method, "Check");
        // Milliseconds as the log has them: 1 + 1782 + 2.
        assert.equal(calls.wallMs, 1785);
    });

    it("attributes Juju calls to the method that made them, and the credential helper's apart", () => {
        const at = 1_000_000;
        const trace = [
            { event: "program-load-start", pid: 1, at: at + 2000 },
            { event: "program-loaded", pid: 1, at: at + 2800 },
            { event: "program-start", pid: 1, at: at + 3000 },
            { event: "program-return", pid: 1, at: at + 3300 },
            { event: "provider-start", pid: 2, at: at + 4000, uptimeMs: 1200 },
            { event: "juju", pid: 2, at: at + 4200, kind: "MachineProvider", method: "read", command: "status", ms: 150 },
            { event: "method", pid: 2, at: at + 4300, kind: "MachineProvider", method: "read", ms: 300 },
            { event: "method", pid: 2, at: at + 4250, kind: "MachineProvider", method: "read", ms: 200 },
            { event: "juju", pid: 3, at: at + 5500, kind: "kubeCredential", method: "exec", command: "run", ms: 300 },
            { event: "method", pid: 3, at: at + 5600, kind: "kubeCredential", method: "exec", ms: 600 },
        ];
        const breakdown = traceBreakdown(parseTrace(trace.map((e) => JSON.stringify(e)).join("\n") + "\n{cut"), at);
        assert.equal(breakdown.startupMs, 2000);
        assert.equal(breakdown.programLoadMs, 800);
        assert.equal(breakdown.stackRegistrationMs, 200);
        assert.equal(breakdown.programRunMs, 300);
        // The host started at 2.8 s (its first call at 4 s, 1.2 s after its start), 0.7 s after the program returned.
        assert.equal(breakdown.dynamicProviderLaunchMs, 2800);
        assert.equal(breakdown.dynamicProviderWaitMs, 700);
        assert.equal(breakdown.dynamicProviderMethodsMs, 300);
        assert.deepEqual(breakdown.methods["MachineProvider.read"], { count: 2, ms: 500, juju: { status: { count: 1, ms: 150 } } });
        assert.deepEqual(breakdown.providerJujuCalls, { status: { count: 1, ms: 150 } });
        assert.deepEqual(breakdown.jujuCalls, { status: { count: 1, ms: 150 }, run: { count: 1, ms: 300 } });
        assert.deepEqual(breakdown.credentialHelper, { count: 1, ms: 600 });
    });
});
