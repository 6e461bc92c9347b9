import * as yaml from "js-yaml";
import { ValidConfig } from "../config/load";
import { apiOverIpv6 } from "../net/families";
import { networkPlan } from "../net/network";
import { dualStackOverlay } from "./overlay";
import { WorkloadOptions, workloadManifests } from "./workload";

/** Workload options of a validated config. */
export function workloadOptions({ config, families }: ValidConfig): WorkloadOptions {
    return {
        replicas: config.nginxReplicas,
        image: config.nginxImage,
        cpu: config.nginxCpu,
        memory: config.nginxMemory,
        serviceFamilies: families.serviceFamilies,
    };
}

/** kubeapi-load-balancer's IPv6 address (the load-balancer host's, placementOverlay), where config alone tells it. */
function knownApiIpv6(valid: ValidConfig): string | undefined {
    if (valid.config.cloud !== "existing") return undefined;
    return valid.hosts.find((host) => host.roles.includes("load-balancer"))?.ipv6[0];
}

/** `workerIngress` as the overlay takes it: empty keeps the charm's default. */
export function workerIngressOf(setting: string): boolean | undefined {
    return setting === "" ? undefined : setting === "true";
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
