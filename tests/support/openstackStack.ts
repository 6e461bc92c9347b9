import * as path from "node:path";
import { readStackFile } from "../../components/config/stackFile";

/**
 * The committed openstack stack (IPv6-preferred, host /64 from the default pool) once the operator
 * has set adminCidrs (an IPv4 range to enlist on the floating IPv4, an IPv6 one for the API) and
 * sshPublicKey, with an Octavia load balancer for IPv6 clients.
 */
export function openstackOperatorConfig(): Record<string, string> {
    return {
        ...readStackFile(path.resolve(__dirname, "..", ".."), "openstack"),
        adminCidrs: JSON.stringify(["203.0.113.7/32", "2001:db8:42::7/128"]),
        sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenstackTestKey operator@example",
        loadBalancer: "octavia",
        nodePortCidrs: JSON.stringify(["2001:db8:42::/48"]),
    };
}
