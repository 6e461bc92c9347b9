// What `npm run plan` writes (scripts/plan.ts): the overlay, the workload and the network plan of a
// validated config, for an operator to review before deploying.
import * as yaml from "js-yaml";
import { ValidConfig } from "../../components/config/load";
import { dualStackOverlay, workerIngressOf } from "../../components/juju/overlay";
import { apiOverIpv6 } from "../../components/net/families";
import { networkPlan } from "../../components/net/network";
import { workloadManifests, workloadOptions } from "../../components/workload/specs";

/** kubeapi-load-balancer's IPv6 address (the load-balancer host's, placementOverlay), where config alone tells it. */
function knownApiIpv6(valid: ValidConfig): string | undefined {
    if (valid.config.cloud !== "existing") return undefined;
    return valid.hosts.find((host) => host.roles.includes("load-balancer"))?.ipv6[0];
}

/** The files `npm run plan` writes: what an operator reviews before deploying. */
export function renderPlan(valid: ValidConfig, stack: string): Record<string, string> {
    const ipv6Api = apiOverIpv6(valid.families, valid.config.apiOverIpv6);
    const known = ipv6Api ? knownApiIpv6(valid) : undefined;
    const header = [
        `# ck-dualstack plan for stack "${stack}" (${valid.families.mode}).`,
        `# Deploy by hand: juju deploy ${valid.config.bundle} --channel ${valid.config.channel} --overlay overlay.yaml`,
        ...(ipv6Api && !known
            ? [
                  "# kubeapi-load-balancer's loadbalancer-ips is set at deploy time to the IPv6 address of the load-balancer",
                  "# node, which carries it; that address is known once nodes exist.",
              ]
            : []),
    ].join("\n");
    const overlay = dualStackOverlay({
        families: valid.families,
        channel: valid.config.channel,
        loadbalancerIps: known,
        workerIngress: workerIngressOf(valid.config.workerIngress),
    });
    return {
        "overlay.yaml": `${header}\n${yaml.dump(overlay, { lineWidth: -1 })}`,
        "workload.yaml": workloadManifests(workloadOptions(valid))
            .map((manifest) => yaml.dump(manifest, { lineWidth: -1 }))
            .join("---\n"),
        "network.json": `${JSON.stringify(networkPlan(valid.config, valid.families), null, 2)}\n`,
    };
}
