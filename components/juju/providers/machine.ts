import type * as pulumi from "@pulumi/pulumi";
import { JujuError, ensureSupportedJuju, runJuju } from "../cli";
import { machineByAddress } from "../status";
import { JujuTarget, ignoringGone, isGone, jujuOptions, jujuStatus, progress, verifyModel } from "./common";

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
}

export interface MachineOutputs extends MachineInputs {
    readonly machineId: string;
}

/** How long a machine may keep its (dying) units before its removal is forced. */
const REMOVE_TIMEOUT_MS = 10 * 60_000;
const REMOVE_POLL_MS = 2000;

/** Enlists one existing host with `add-machine ssh:` (manual provisioning). */
export class MachineProvider implements pulumi.dynamic.ResourceProvider {
    async create(inputs: MachineInputs): Promise<pulumi.dynamic.CreateResult> {
        const juju = jujuOptions(inputs);
        await ensureSupportedJuju(juju);
        await verifyModel(inputs);
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
                runJuju({ ...juju, timeoutMs: 30 * 60_000 }, [
                    "add-machine",
                    "-m",
                    inputs.modelRef,
                    "--",
                    `ssh:${inputs.sshUser}@${inputs.address}`,
                ]),
            );
            machineId = /created machine (\S+)/.exec(`${out.stderr}\n${out.stdout}`)?.[1];
            if (machineId === undefined)
                throw new Error(`juju add-machine ssh:${inputs.sshUser}@${inputs.address} did not say which machine it created`);
            progress(`machine ${inputs.name}`, `enlisted ${inputs.address} as machine ${machineId}`);
        } catch (error) {
            // Enlisted by an earlier, interrupted run: adopt that machine.
            if (!(error instanceof JujuError && error.kind === "already-exists")) throw error;
            machineId = machineByAddress(await jujuStatus(inputs), inputs.address);
            if (machineId === undefined)
                throw new Error(`${inputs.address} is already provisioned, but no machine of model ${inputs.modelRef} has that address`);
            progress(`machine ${inputs.name}`, `adopted machine ${machineId}, already enlisted from ${inputs.address}`);
        }
        const outs: MachineOutputs = { ...inputs, machineId };
        return { id: `${inputs.modelRef}/${machineId}`, outs };
    }

    async read(id: string, props: MachineOutputs): Promise<pulumi.dynamic.ReadResult> {
        try {
            return (await jujuStatus(props)).machines?.[props.machineId] ? { id, props } : {};
        } catch (error) {
            if (isGone(error)) return {};
            throw error;
        }
    }

    /**
     * A node whose address or login changes would be re-enlisted: its Juju machine removed with every
     * unit on it (etcd data and the CA on the control plane). Refused at preview, naming the node.
     */
    async check(olds: Partial<MachineInputs>, news: MachineInputs): Promise<pulumi.dynamic.CheckResult> {
        // check gets the old inputs (no machine id yet): a node that had an address is enlisted.
        if (olds.address === undefined) return { inputs: news };
        const changed = (["address", "sshUser"] as const).filter((key) => olds[key] !== undefined && olds[key] !== news[key]);
        if (changed.length === 0) return { inputs: news };
        return {
            inputs: news,
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
            (["name", "jujuPath", "modelRef", "modelUuid"] as const).some((key) => olds[key] !== news[key]) ||
            olds.roles.join() !== news.roles.join();
        return { changes, replaces, deleteBeforeReplace: true };
    }

    /** Names, roles and how the model is referred to: recorded only, nothing in Juju changes. */
    async update(_id: string, olds: MachineOutputs, news: MachineInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: { ...news, machineId: olds.machineId } };
    }

    /**
     * Juju removes a machine with its last principal unit (state/unit.go), so after `remove-unit` or
     * `remove-application` it is usually gone already. What is left is removed without --force, once
     * its units have gone; --force only after REMOVE_TIMEOUT_MS, saying so (it skips clean-up).
     */
    async delete(_id: string, props: MachineOutputs): Promise<void> {
        const say = (line: string) => progress(`machine ${props.name}`, line);
        const remove = (...force: string[]) =>
            runJuju(jujuOptions(props), ["remove-machine", "-m", props.modelRef, ...force, "--no-prompt", "--", props.machineId]);
        await ignoringGone(async () => {
            await verifyModel(props);
            const deadline = Date.now() + REMOVE_TIMEOUT_MS;
            for (;;) {
                const status = await jujuStatus(props);
                if (!status.machines?.[props.machineId]) break;
                const hosting = Object.values(status.applications ?? {}).some((app) =>
                    Object.values(app.units ?? {}).some((unit) => unit.machine === props.machineId),
                );
                if (!hosting) {
                    await remove();
                    break;
                }
                if (Date.now() > deadline) {
                    say(
                        `machine ${props.machineId} still hosts units after ${REMOVE_TIMEOUT_MS / 60_000} min; forcing its removal (no clean-up on the host)`,
                    );
                    await remove("--force");
                    break;
                }
                await new Promise((resolve) => setTimeout(resolve, REMOVE_POLL_MS));
            }
        });
        say(`machine ${props.machineId} removed`);
    }
}
