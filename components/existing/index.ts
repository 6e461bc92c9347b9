import { CloudNodes } from "../cloud";
import { ValidConfig } from "../config/load";
import { ExistingHosts } from "./ExistingHosts";

/** cloud=existing: the hosts as validation parsed them; they outlive their Juju machines, so they are cleaned up on removal. */
export function existingNodes({ config, hosts }: ValidConfig): CloudNodes {
    return {
        nodes: new ExistingHosts("ck", { hosts, sshUser: config.sshUser }).nodes,
        sshWaitSeconds: 60,
        cleanUpHosts: true,
    };
}
