import { CloudNodes, NEW_INSTANCE_SSH_WAIT_SECONDS, workersOf } from "../cloud";
import { ValidConfig } from "../config/load";
import { ingressRules } from "../net/firewall";
import { ClusterNodes } from "./ClusterNodes";
import { DualStackNetwork } from "./DualStackNetwork";
import { Ipv6LoadBalancer } from "./Ipv6LoadBalancer";

/** cloud=aws: a dual-stack VPC, an instance per node, and the NLB with loadBalancer=nlb. */
export function awsNodes({ config }: ValidConfig): CloudNodes {
    const loadBalancer = config.loadBalancer === "nlb";
    const network = new DualStackNetwork("ck", {
        nodeCidr: config.nodeCidr,
        availabilityZones: config.availabilityZones,
        ingress: ingressRules(config.adminCidrs, config.nodePortCidrs, { loadBalancer }),
        loadBalancer,
    });
    const nodes = new ClusterNodes("ck", {
        controlPlaneCount: config.controlPlaneCount,
        workerCount: config.workerCount,
        sshUser: config.sshUser,
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
                  new Ipv6LoadBalancer("nginx", {
                      subnetIds: network.publicSubnetIds,
                      vpcId: network.vpcId,
                      securityGroupId,
                      workerIpv6Addresses: workersOf(nodes.nodes).map((n) => n.ipv6),
                      nodePort,
                  }).dnsName
            : undefined,
    };
}
