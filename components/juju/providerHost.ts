import * as pulumi from "@pulumi/pulumi";
import { setTimeout as sleep } from "timers/promises";

/** An invoke the dynamic provider host knows no function for: all it does is start the host. */
const START_TOKEN = "pulumi-nodejs:dynamic:startHost";
/** How long the program lets the event loop turn before it loads its modules, so that the invoke leaves. */
const SEND_WINDOW_MS = 50;

/**
 * Has the engine start the Node.js dynamic provider host now, while the program's modules load and
 * the program runs, instead of at the first dynamic resource's registration, which reaches the
 * engine only once the whole program has run. The host takes 1 to 1.5 s to start (a Node.js process
 * that loads all of @pulumi/pulumi), and every preview and up waited for it (issue 23).
 *
 * The engine starts a default provider's plugin on its first use, an invoke as much as a
 * registration (pulumi pkg/resource/deploy/source_eval.go: the resource monitor's Invoke asks
 * getProviderReference, which loads the default provider for the token's package). The host answers
 * every invoke with "unknown function" (@pulumi/pulumi cmd/dynamic-provider/index.ts invoke), which
 * is dropped here: nothing depends on the answer, and a host that cannot start fails the first
 * registration with its own error. (On a new stack, `up` records the default provider the invoke
 * loaded, `pulumi:providers:pulumi-nodejs::default`, as the first dynamic resource would have.)
 * @pulumi/pulumi sends the request only after some awaited steps (runtime/invoke.ts invokeAsync:
 * the provider reference, the arguments' serialization, createInvokeRequest), and grpc-js writes it
 * on a later turn of the event loop; the program's modules then load synchronously, so the event
 * loop is let turn for SEND_WINDOW_MS first.
 */
export async function startProviderHost(): Promise<void> {
    pulumi.runtime.invoke(START_TOKEN, {}).catch(() => undefined);
    for (const until = Date.now() + SEND_WINDOW_MS; Date.now() < until; ) await sleep(5);
}
