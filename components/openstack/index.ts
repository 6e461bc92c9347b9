import * as pulumi from "@pulumi/pulumi";
import { CloudNodes, NEW_INSTANCE_SSH_WAIT_SECONDS, workersOf } from "../cloud";
import { OctaviaProvider, openstackRuleQuotaWarning } from "../config/cloudRules";
import { ValidConfig } from "../config/load";
import { ingressRules } from "../net/firewall";
import { ClusterNodes } from "./ClusterNodes";
import { DualStackNetwork } from "./DualStackNetwork";
import { Ipv6LoadBalancer } from "./Ipv6LoadBalancer";

/** cloud=openstack: a dual-stack network, a port and instance per node, and Octavia with loadBalancer=octavia. */
export function openstackNodes({ config }: ValidConfig): CloudNodes {
    const loadBalancer = config.loadBalancer === "octavia";
    // A warning, not a refusal: the project's quota may have been raised.
    const overQuota = openstackRuleQuotaWarning(config);
    if (overQuota !== undefined) void pulumi.log.warn(overQuota);
    const ingress = ingressRules(config.adminCidrs, config.nodePortCidrs, { loadBalancer });
    const network = new DualStackNetwork("ck", {
        nodeCidr: config.nodeCidr,
        nodeIpv6Cidr: config.nodeIpv6Cidr,
        ipv6SubnetPool: config.ipv6SubnetPool,
        ipv6Mode: config.ipv6Mode,
        externalNetwork: config.externalNetwork,
        ingress,
        loadBalancer,
    });
    const nodes = new ClusterNodes("ck", {
        controlPlaneCount: config.controlPlaneCount,
        workerCount: config.workerCount,
        sshUser: config.sshUser,
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
    const clientCidrs = ingress.filter((r) => r.nodes === "load-balancer" && r.family === "IPv6").map((r) => r.cidr);
    return {
        nodes: nodes.nodes,
        sshWaitSeconds: NEW_INSTANCE_SSH_WAIT_SECONDS,
        cleanUpHosts: false,
        loadBalancer: loadBalancer
            ? (nodePort) =>
                  new Ipv6LoadBalancer("nginx", {
                      provider: config.octaviaProvider as OctaviaProvider,
                      ipv6SubnetId: network.ipv6SubnetId,
                      workerAddresses,
                      nodePort,
                      clientCidrs,
                  }).vipAddress
            : undefined,
    };
}
