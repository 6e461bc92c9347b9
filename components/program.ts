import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as awsCluster from "./aws/ClusterNodes";
import * as awsNetwork from "./aws/DualStackNetwork";
import { Ipv6LoadBalancer as AwsIpv6LoadBalancer } from "./aws/Ipv6LoadBalancer";
import { ConfigError, ValidConfig, loadConfig } from "./config/load";
import { ownConfig } from "./config/ownKeys";
import { ExistingHosts } from "./existing/ExistingHosts";
import { JujuCluster } from "./juju/JujuCluster";
import { settlePolicyOf } from "./juju/settle";
import { ingressRules } from "./net/firewall";
import { ServiceRange } from "./cluster/ServiceRange";
import { providerKubeconfig } from "./cluster/kubeCredential";
import { ClusterNode } from "./nodes";
import * as osCluster from "./openstack/ClusterNodes";
import * as osNetwork from "./openstack/DualStackNetwork";
import { Ipv6LoadBalancer as OsIpv6LoadBalancer } from "./openstack/Ipv6LoadBalancer";
import { apiOverIpv6 } from "./net/families";
import { workloadOptions } from "./workload/specs";
import { SandboxNodes } from "./sandbox/SandboxNodes";
import { NginxDualStack } from "./workload/NginxDualStack";
import { workerIpv6Urls } from "./workload/urls";

/**
 * Our config values as the engine hands them over (lists as JSON), before validation: every key of
 * the stack (PULUMI_CONFIG), so an unknown key of ours or one in a mistyped namespace is refused.
 */
export function rawConfig(): ReturnType<typeof ownConfig> {
    return ownConfig(pulumi.runtime.allConfig());
}

/** Validates everything before any resource exists; every problem on its own line, no stack trace. */
export function validatedConfig(): ValidConfig {
    try {
        const { raw, problems } = rawConfig();
        return loadConfig(raw, problems);
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

/** New instances have an address well before sshd answers (cloud-init, first boot). */
const NEW_INSTANCE_SSH_WAIT_SECONDS = 600;

/** What the cloud layer hands on: the nodes, and what a load balancer needs. */
interface CloudNodes {
    nodes: ClusterNode[];
    /** How long enlisting waits for sshd on a node: new instances take minutes to boot; sandbox nodes have no sshd. */
    sshWaitSeconds: number;
    /**
     * Hosts outlive their Juju machines (existing hosts; the sandbox's simulated ones), so Juju's
     * clean-up must run on them before they can be enlisted again; cloud instances go with them.
     */
    cleanUpHosts: boolean;
    loadBalancer?: (nodePort: pulumi.Output<number>) => pulumi.Output<string>;
}

function cloudNodes({ config, hosts }: ValidConfig): CloudNodes {
    const loadBalancer = config.loadBalancer !== "none";
    const ingress = ingressRules(config.adminCidrs, config.nodePortCidrs, { loadBalancer });
    const counts = { controlPlaneCount: config.controlPlaneCount, workerCount: config.workerCount, sshUser: config.sshUser };
    const workersOf = (nodes: ClusterNode[]) => nodes.filter((n) => n.roles.includes("worker"));
    switch (config.cloud) {
        case "aws": {
            const network = new awsNetwork.DualStackNetwork("ck", {
                nodeCidr: config.nodeCidr,
                availabilityZones: config.availabilityZones,
                ingress,
                loadBalancer,
            });
            const nodes = new awsCluster.ClusterNodes("ck", {
                ...counts,
                instanceType: config.instanceType,
                balancerInstanceType: config.balancerInstanceType,
                imageId: config.imageId,
                sshPublicKey: config.sshPublicKey,
                subnetIds: network.publicSubnetIds,
                clusterSecurityGroupId: network.clusterSecurityGroupId,
                apiSecurityGroupId: network.apiSecurityGroupId,
                workerSecurityGroupId: network.workerSecurityGroupId,
            });
            const securityGroupId = network.loadBalancerSecurityGroupId;
            return {
                nodes: nodes.nodes,
                sshWaitSeconds: NEW_INSTANCE_SSH_WAIT_SECONDS,
                cleanUpHosts: false,
                loadBalancer: securityGroupId
                    ? (nodePort) =>
                          new AwsIpv6LoadBalancer("nginx", {
                              subnetIds: network.publicSubnetIds,
                              vpcId: network.vpcId,
                              securityGroupId,
                              workerIpv6Addresses: workersOf(nodes.nodes).map((n) => n.ipv6),
                              nodePort,
                          }).dnsName
                    : undefined,
            };
        }
        case "openstack": {
            const network = new osNetwork.DualStackNetwork("ck", {
                nodeCidr: config.nodeCidr,
                nodeIpv6Cidr: config.nodeIpv6Cidr,
                ipv6SubnetPool: config.ipv6SubnetPool,
                ipv6Mode: config.ipv6Mode,
                externalNetwork: config.externalNetwork,
                ingress,
                loadBalancer,
            });
            const nodes = new osCluster.ClusterNodes("ck", {
                ...counts,
                flavor: config.flavor,
                balancerFlavor: config.balancerFlavor,
                image: config.image,
                sshPublicKey: config.sshPublicKey,
                networkId: network.networkId,
                ipv4SubnetId: network.ipv4SubnetId,
                ipv6SubnetId: network.ipv6SubnetId,
                externalNetwork: config.externalNetwork,
                routerInterfaces: network.routerInterfaces,
                securityGroupIds: network.securityGroupIds,
            });
            const workerAddresses = pulumi.all(workersOf(nodes.nodes).map((n) => n.ipv6)).apply((lists) => lists.flat());
            // The VIP is IPv6: Octavia refuses IPv4 sources on it (validation keeps IPv6 ones).
            const allowedCidrs = ingress.filter((r) => r.nodes === "load-balancer" && r.family === "IPv6").map((r) => r.cidr);
            return {
                nodes: nodes.nodes,
                sshWaitSeconds: NEW_INSTANCE_SSH_WAIT_SECONDS,
                cleanUpHosts: false,
                loadBalancer: (nodePort) =>
                    new OsIpv6LoadBalancer("nginx", { ipv6SubnetId: network.ipv6SubnetId, workerAddresses, nodePort, allowedCidrs })
                        .vipAddress,
            };
        }
        case "existing":
            return {
                nodes: new ExistingHosts("ck", { hosts, sshUser: config.sshUser }).nodes,
                sshWaitSeconds: 60,
                cleanUpHosts: true,
            };
        default:
            return { nodes: new SandboxNodes("ck", counts).nodes, sshWaitSeconds: 0, cleanUpHosts: true };
    }
}

/** The whole deployment; its return value is the stack outputs. */
export async function program(): Promise<Record<string, unknown>> {
    const valid = validatedConfig();
    const { config, families } = valid;
    const cloud = cloudNodes(valid);
    const ipv6Api = apiOverIpv6(families, config.apiOverIpv6);
    const cluster = new JujuCluster("ck", {
        // As configured: state never holds this checkout's location; a path with a slash is resolved
        // against the project folder when a provider runs it (jujuOptions).
        jujuPath: config.jujuPath,
        controller: config.controller,
        model: config.model,
        bundle: config.bundle,
        channel: config.channel,
        podCidr: families.podCidrs.join(","),
        serviceCidr: families.serviceCidrs.join(","),
        apiOverIpv6: ipv6Api,
        nodes: cloud.nodes,
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
