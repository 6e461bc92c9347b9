import { CloudNodes } from "../cloud";
import { ValidConfig } from "../config/load";
import { SandboxNodes } from "./SandboxNodes";

/** cloud=sandbox: simulated nodes on this machine; no sshd to wait for, and Juju's clean-up runs on them like on existing hosts. */
export function sandboxNodes({ config }: ValidConfig): CloudNodes {
    const counts = {
        controlPlaneCount: config.controlPlaneCount,
        workerCount: config.workerCount,
        sshUser: config.sshUser,
        model: config.model,
    };
    return { nodes: new SandboxNodes("ck", counts).nodes, sshWaitSeconds: 0, cleanUpHosts: true };
}
