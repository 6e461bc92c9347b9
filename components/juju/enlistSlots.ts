/**
 * A bound on `juju add-machine ssh:` calls running at once against one controller. Each call holds
 * a client API connection and several SSH sessions from this machine for minutes
 * (environs/manual/sshprovisioner), and each new machine agent then logs in to the controller, which
 * admits agents in bursts of `agent-ratelimit-max` (10) at `agent-ratelimit-rate` (one per 250 ms)
 * (juju controller/config.go); parallel juju CLI calls also contend for the client store's lock
 * (juju/juju#18949). Every Machine of one engine run shares this process's dynamic provider, so
 * a module-level queue bounds them all.
 */
const queues = new Map<string, { running: number; waiting: (() => void)[] }>();

/** Runs `work` once fewer than `limit` others for the same key run; first come, first served. */
export async function withEnlistSlot<T>(key: string, limit: number, work: () => Promise<T>): Promise<T> {
    let queue = queues.get(key);
    if (!queue) queues.set(key, (queue = { running: 0, waiting: [] }));
    const slots = queue;
    if (slots.running >= Math.max(1, limit)) await new Promise<void>((resolve) => slots.waiting.push(resolve));
    else slots.running++;
    try {
        return await work();
    } finally {
        // The slot passes straight to the next in line, or is freed.
        const next = slots.waiting.shift();
        if (next) next();
        else slots.running--;
    }
}
