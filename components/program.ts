import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CloudNodesFunction } from "./cloud";
import { CLOUDS } from "./config/keys";
import { ValidConfig } from "./config/load";
import { validatedConfig } from "./config/validated";
import { JujuCluster } from "./juju/JujuCluster";
import { settlePolicyOf } from "./juju/settle";
import { ServiceRange } from "./cluster/ServiceRange";
import { traceEvent } from "./juju/trace";
import { providerKubeconfig } from "./cluster/kubeCredential";
import { apiOverIpv6 } from "./net/families";
import { workloadOptions } from "./workload/specs";
import { NginxDualStack } from "./workload/NginxDualStack";
import { workerIpv6Urls } from "./workload/urls";

/**
 * Each cloud folder's one function (components/<cloud>/index.ts): a cloud without one does not
 * compile. Loaded on use, so a stack loads its own cloud's modules (and that cloud's Pulumi SDK) and
 * not every cloud's, which every preview and up paid for (issue 23). `require`, not `import()`: the
 * language host transpiles with module nodenext (its run.js reads only tsconfig.pulumi.json's own
 * options), which leaves `import()` to Node.js's ES module loader, and that refuses folder imports.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const CLOUD_NODES: Record<(typeof CLOUDS)[number], () => CloudNodesFunction> = {
    aws: () => (require("./aws") as typeof import("./aws")).awsNodes,
    openstack: () => (require("./openstack") as typeof import("./openstack")).openstackNodes,
    existing: () => (require("./existing") as typeof import("./existing")).existingNodes,
    sandbox: () => (require("./sandbox") as typeof import("./sandbox")).sandboxNodes,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The whole deployment from a valid config (validated here when not given); its return value is the stack outputs. */
export async function program(valid: ValidConfig = validatedConfig()): Promise<Record<string, unknown>> {
    traceEvent("program-start");
    const { config, families } = valid;
    // Validation has refused any other cloud.
    const cloud = CLOUD_NODES[config.cloud as (typeof CLOUDS)[number]]()(valid);
    const ipv6Api = apiOverIpv6(families, config.apiOverIpv6);
    const cluster = new JujuCluster("ck", {
        // As configured: state never holds this checkout's location; a path with a slash is resolved
        // against the project folder when a provider runs it (jujuOptions).
        jujuPath: config.jujuPath,
        controller: config.controller,
        model: config.model,
        bundle: config.bundle,
        channel: config.channel,
        families,
        apiOverIpv6: ipv6Api,
        nodes: cloud.nodes,
        // Only the clouds that install sshPublicKey on their instances (aws, openstack) take it.
        authorizedKey: config.cloud === "aws" || config.cloud === "openstack" ? config.sshPublicKey.trim() : "",
        sshWaitSeconds: cloud.sshWaitSeconds,
        sshPath: cloud.cleanUpHosts ? config.sshPath : "",
        workerIngress: config.workerIngress,
        removeGraceMinutes: config.removeGraceMinutes,
        upgradeDrain: config.upgradeDrain,
        enlistConcurrency: config.enlistConcurrency,
        settle: settlePolicyOf(config),
    });
    // Built from the kubeconfig Juju returned, never the ambient one, with its credentials replaced by
    // an exec plugin that asks Juju for them: the provider copies its kubeconfig to a temp file it
    // never removes, so that copy must hold no token or key (cluster/kubeCredential.ts). An
    // unreachable cluster is an error, never "deleted": what must go with the cluster is
    // `deletedWith` its Juju model, so destroy completes when the cluster is already gone.
    const provider = new k8s.Provider("ck-k8s", {
        // The cluster is the Juju model: while its UUID stays, a kubeconfig that is unknown at preview
        // (read again whenever the Deployment changes, e.g. a worker added) is an update of the
        // provider, not its replacement with every Kubernetes object (pulumi-kubernetes
        // provider/pkg/provider/provider.go DiffConfig replaces on a computed kubeconfig unless
        // clusterIdentifier is unchanged).
        clusterIdentifier: cluster.model.uuid,
        kubeconfig: pulumi
            .all([cluster.kubeconfig, cluster.modelRef])
            .apply(([kubeconfig, modelRef]) => providerKubeconfig(kubeconfig, { jujuPath: config.jujuPath, modelRef })),
    });
    // Before the workload: Services may take addresses from a range that only this object adds.
    const serviceRange = new ServiceRange("ck", { cidrs: families.serviceCidrs }, { provider, deletedWith: cluster.model });
    const nginx = new NginxDualStack(
        "nginx",
        { options: workloadOptions(valid), kubeconfig: cluster.kubeconfig },
        { provider, dependsOn: [serviceRange], deletedWith: cluster.model },
    );
    const nodeAddresses = pulumi.all(
        cloud.nodes.map((node) =>
            pulumi.all([node.ipv4, node.ipv6]).apply(([ipv4, ipv6]) => ({ name: node.name, roles: node.roles, ipv4, ipv6 })),
        ),
    );
    const loadBalancer = config.loadBalancer !== "none" && cloud.loadBalancer ? cloud.loadBalancer(nginx.ipv6Service.nodePort) : undefined;
    traceEvent("program-return");
    return {
        mode: families.mode,
        podCidrs: families.podCidrs,
        serviceCidrs: families.serviceCidrs,
        serviceCidrObject: serviceRange.serviceCidrName,
        jujuModel: cluster.modelRef,
        machines: cluster.machineIds,
        overlay: cluster.overlay,
        loadbalancerIps: cluster.loadbalancerIps,
        nodes: nodeAddresses,
        apiServer: cluster.apiServer,
        kubeconfig: cluster.kubeconfig,
        nginx6: nginx.ipv6Service,
        nginxDualStack: nginx.dualStackService,
        nginxPods: nginx.pods,
        nginxEndpoints: nginx.serviceEndpoints,
        nginxUrls: pulumi.all([nodeAddresses, nginx.ipv6Service]).apply(([nodes, service]) => workerIpv6Urls(nodes, service.nodePort)),
        ...(loadBalancer ? { loadBalancer } : {}),
    };
}
