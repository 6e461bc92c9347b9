import type * as pulumi from "@pulumi/pulumi";
import { JujuError, ensureSupportedJuju, runJuju } from "../cli";
import { migrateMachine } from "../migrations";
import { JujuCall, describeOperation, jujuArgv } from "../operations";
import { isUnknown } from "../planDeployment";
import { machineByAddress } from "../status";
import {
    JujuTarget,
    askedTogether,
    ignoringGone,
    isGone,
    jujuOptions,
    jujuStatus,
    ownModelOrGone,
    progress,
    readStatus,
    toolPath,
    verifyModel,
} from "./common";

export interface MachineInputs extends JujuTarget {
    /** The node's name, for messages. */
    readonly name: string;
    /** IPv4 address Juju reaches the host on (the charms need IPv4). */
    readonly address: string;
    readonly sshUser: string;
    /** How long to wait for sshd to answer before `add-machine` (0: do not wait). */
    readonly sshWaitSeconds?: number;
    readonly roles: string[];
    /** At most this many `add-machine` calls run at once against the controller (default 10). */
    readonly enlistConcurrency?: number;
    /** The SSH client that cleans the host once its machine is removed; empty (or absent: older stacks) when the host goes too. */
    readonly sshPath?: string;
    /** Minutes a graceful removal may take before it is forced (absent in stacks of earlier versions: migrateMachine). */
    readonly removeGraceMinutes?: number;
    /** Seconds between status polls while it is removed (absent in stacks of earlier versions: migrateMachine). */
    readonly pollSeconds?: number;
}

export interface MachineOutputs extends MachineInputs {
    readonly machineId: string;
}

/** The enlisting of a host (manual provisioning); an address unknown at preview is named after its node. */
function enlistCall(inputs: MachineInputs): JujuCall {
    const address = isUnknown(inputs.address) ? `<address of ${inputs.name}>` : inputs.address;
    return { kind: "juju", command: "add-machine", positional: [`ssh:${inputs.sshUser}@${address}`] };
}

/** Enlists one existing host with `add-machine ssh:` (manual provisioning). */
export class MachineProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: MachineInputs): Promise<pulumi.dynamic.CreateResult> {
        const juju = jujuOptions(inputs);
        await askedTogether(ensureSupportedJuju(juju), verifyModel(inputs));
        let machineId: string | undefined;
        try {
            // add-machine ssh: logs in from where juju runs, here; a new instance has an address
            // long before sshd answers, and juju does not retry.
            if (inputs.sshWaitSeconds) {
                const { waitForSsh } = await import("../sshProbe");
                await waitForSsh({
                    host: inputs.address,
                    timeoutMs: inputs.sshWaitSeconds * 1000,
                    log: (line) => progress(`machine ${inputs.name}`, line),
                });
            }
            const { withEnlistSlot } = await import("../enlistSlots");
            const out = await withEnlistSlot(inputs.modelRef.split(":")[0], inputs.enlistConcurrency ?? 10, () =>
                runJuju({ ...juju, timeoutMs: 30 * 60_000 }, jujuArgv(enlistCall(inputs), inputs.modelRef)),
            );
            machineId = /created machine (\S+)/.exec(`${out.stderr}\n${out.stdout}`)?.[1];
            if (machineId === undefined)
                throw new Error(`juju add-machine ssh:${inputs.sshUser}@${inputs.address} did not say which machine it created`);
            progress(`machine ${inputs.name}`, `enlisted ${inputs.address} as machine ${machineId}`);
        } catch (error) {
            // Enlisted by an earlier, interrupted run: adopt that machine.
            if (!(error instanceof JujuError && error.kind === "already-exists")) throw error;
            machineId = machineByAddress(await jujuStatus(inputs), inputs.address);
            if (machineId === undefined) {
                const { manualCleanup } = await import("../hostCleanup");
                throw new Error(
                    `${inputs.address} still runs the Juju agent of an earlier enlistment (no machine of model ${inputs.modelRef} has that address): Juju leaves it on a removed manual machine. Clean the host with \`${manualCleanup(inputs.sshUser, inputs.address)}\`, then run pulumi up again`,
                );
            }
            progress(`machine ${inputs.name}`, `adopted machine ${machineId}, already enlisted from ${inputs.address}`);
        }
        const outs: MachineOutputs = { ...inputs, machineId };
        return { id: `${inputs.modelRef}/${machineId}`, outs };
    }

    async read(id: string, props: MachineOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            // A refresh reads every Machine at once: they share one `juju status` (readStatus).
            return (await readStatus(props)).machines?.[props.machineId] ? { id, props } : {};
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /**
     * A node whose address or login changes would be re-enlisted: its Juju machine removed with every
     * unit on it (etcd data and the CA on the control plane). Refused at preview, naming the node.
     * Lists the operation up runs (`jujuOperations`, issue 21): the enlisting of a node not enlisted yet.
     */
    async check(olds: Partial<MachineInputs>, news: MachineInputs): Promise<pulumi.dynamic.CheckResult> {
        // check gets the old inputs (no machine id yet): a node that had an address is enlisted.
        if (olds.address === undefined) return { inputs: { ...news, jujuOperations: [describeOperation(enlistCall(news))] } };
        const inputs = { ...news, jujuOperations: [] };
        const changed = (["address", "sshUser"] as const).filter((key) => olds[key] !== undefined && olds[key] !== news[key]);
        if (changed.length === 0) return { inputs };
        return {
            inputs,
            failures: changed.map((key) => ({
                property: key,
                reason: `node ${olds.name}'s ${key} would change from ${olds[key]} to ${news[key]} (was its instance replaced?): re-enlisting removes its Juju machine and every unit on it. Restore the node, or take it out of the cluster first (workers: lower the count)`,
            })),
        };
    }

    async diff(_id: string, olds: MachineOutputs, news: MachineInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces: string[] = (["address", "sshUser"] as const).filter((key) => olds[key] !== news[key]);
        // The model is the same model while its UUID is (a ref gaining its controller is not a move).
        if (olds.modelUuid && news.modelUuid && olds.modelUuid !== news.modelUuid) replaces.push("modelUuid");
        const changes =
            replaces.length > 0 ||
            // How it is removed and its host cleaned is recorded too: delete runs on the stored inputs.
            (["name", "jujuPath", "modelRef", "modelUuid", "sshPath", "removeGraceMinutes", "pollSeconds"] as const).some(
                (key) => olds[key] !== news[key],
            ) ||
            olds.roles.join() !== news.roles.join();
        return { changes, replaces, deleteBeforeReplace: true };
    }

    /** Names, roles, how the model is referred to and how the machine is removed: recorded only, nothing in Juju changes. */
    async update(_id: string, olds: MachineOutputs, news: MachineInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: { ...news, machineId: olds.machineId } };
    }

    /**
     * Juju removes a machine with its last principal unit (state/unit.go), so after `remove-unit` or
     * `remove-application` it is usually gone already. What is left waits for its units to go, then is
     * removed gracefully, forced only after the grace (removal.ts). A host that outlives its machine
     * (existing hosts, the sandbox's) then gets Juju's clean-up, so it can be enlisted again; when that
     * cannot run, the exact command is printed.
     */
    async delete(_id: string, stored: MachineOutputs): Promise<void> {
        const props = migrateMachine(stored);
        const say = (line: string) => progress(`machine ${props.name}`, line);
        const graceMs = props.removeGraceMinutes * 60_000;
        const pollMs = props.pollSeconds * 1000;
        const gone = await ignoringGone(async () => {
            // A model re-created under the same name is not this stack's: ours is gone with its machines.
            await ownModelOrGone(props);
            const deadline = Date.now() + graceMs;
            let hosting = false;
            for (;;) {
                const status = await jujuStatus(props);
                if (!status.machines?.[props.machineId])
                    return say(`machine ${props.machineId} was already gone (Juju removes a machine with its last unit)`);
                hosting = Object.values(status.applications ?? {}).some((app) =>
                    Object.values(app.units ?? {}).some((unit) => unit.machine === props.machineId),
                );
                // remove-machine refuses a machine with units unless forced (cmd/juju/machine/remove.go:
                // `machine N has unit "x" assigned`): wait for their removal first.
                if (!hosting || Date.now() > deadline) break;
                await new Promise((resolve) => setTimeout(resolve, pollMs));
            }
            const { removeGracefully } = await import("../removal");
            await removeGracefully(props, {
                kind: "machine",
                names: [props.machineId],
                graceMs,
                pollMs,
                say,
                forceAtOnce: hosting ? `its units were still there after ${Math.round(graceMs / 60_000)} min` : undefined,
            });
            say(`machine ${props.machineId} removed`);
        });
        if (gone) say(`machine ${props.machineId} was already gone: ${gone}`);
        if (props.sshPath) {
            const { cleanUpHost, manualCleanup } = await import("../hostCleanup");
            const failure = await cleanUpHost({ sshPath: toolPath(props.sshPath), user: props.sshUser, host: props.address });
            if (failure === undefined)
                say(
                    `removed Juju's agent from ${props.address} (${manualCleanup(props.sshUser, props.address)}), so Juju enlists it again; the charms' snaps and data stay on it (etcd's under /var/snap/etcd): purge them before it joins another cluster`,
                );
            else
                say(
                    `could not remove Juju's agent from ${props.address} (${failure}); before enlisting it again, run: ${manualCleanup(props.sshUser, props.address)}`,
                );
        }
    }
}
