/**
 * The stack config contract: every key under the `ck-dualstack` namespace, with its type,
 * default and description. `npm run docs` writes Pulumi.yaml's `config:` block and the reference in
 * docs/configuration.md from them (tests/unit/docs.test.ts fails until it has), so the engine,
 * `npm run plan` and the docs agree.
 */
export type KeyType = "string" | "integer" | "boolean" | "array";

export interface KeySpec {
    readonly type: KeyType;
    readonly default: string | number | boolean | string[];
    readonly description: string;
}

export const NAMESPACE = "ck-dualstack";

export const CONFIG_KEYS = {
    cloud: { type: "string", default: "sandbox", description: "Where nodes come from: aws, openstack, existing or sandbox" },
    podCidr: {
        type: "string",
        default: "192.168.0.0/16,fd00:c00b:1::/112",
        description: "Calico `cidr`: 1 or 2 comma-separated CIDRs, the first is the preferred pod family",
    },
    serviceCidr: {
        type: "string",
        default: "10.152.183.0/24,fd00:c00b:2::/112",
        description: "kubernetes-control-plane `service-cidr`: same format, the first is the default service family",
    },
    jujuPath: { type: "string", default: "juju", description: "The Juju CLI to run (a path or a name on PATH)" },
    controller: { type: "string", default: "", description: "Juju controller to use (empty: the client's current controller)" },
    model: { type: "string", default: "ck-dualstack", description: "Juju model to create and deploy into" },
    bundle: { type: "string", default: "charmed-kubernetes", description: "Charmed Kubernetes bundle to deploy" },
    channel: { type: "string", default: "1.35/stable", description: "Channel of the bundle and its charms" },
    controlPlaneCount: { type: "integer", default: 1, description: "Control-plane nodes (1 to 7) on aws, openstack and sandbox" },
    workerCount: { type: "integer", default: 2, description: "Worker nodes (1 to 100) on aws, openstack and sandbox" },
    nodeCidr: { type: "string", default: "10.0.0.0/16", description: "IPv4 block of the host network (AWS VPC, OpenStack subnet)" },
    nodeIpv6Cidr: {
        type: "string",
        default: "fd00:c00b:100::/64",
        description: "OpenStack host IPv6 /64 when ipv6SubnetPool is empty (not routed from outside); AWS assigns its own /56",
    },
    adminCidrs: {
        type: "array",
        default: [],
        description: "Sources allowed SSH and the API port the kubeconfig uses (443, on kubeapi-load-balancer); required on aws/openstack",
    },
    nodePortCidrs: {
        type: "array",
        default: [],
        description: "Sources allowed to reach worker NodePorts 30000-32767 and the nginx load balancer (port 80), any family",
    },
    sshUser: { type: "string", default: "ubuntu", description: "User Juju logs in as to enlist nodes (add-machine ssh:)" },
    sshPublicKey: {
        type: "string",
        default: "",
        description: "Public key installed on new AWS/OpenStack instances for sshUser; required on aws/openstack",
    },
    instanceType: { type: "string", default: "t3.large", description: "AWS instance type (the charms want 2 cores and 8 GiB)" },
    balancerInstanceType: {
        type: "string",
        default: "t3.medium",
        description: "AWS instance type of the load-balancer node, which runs kubeapi-load-balancer alone (the bundle asks 1 core, 4 GiB)",
    },
    imageId: { type: "string", default: "", description: "AWS AMI; empty: the newest Ubuntu 24.04 LTS from Canonical" },
    availabilityZones: { type: "integer", default: 2, description: "AWS availability zones to spread subnets over (1 to 6)" },
    privateSubnets: {
        type: "boolean",
        default: false,
        description: "AWS: refused when true (nodes need a public IPv4 address for the Juju client to enlist them)",
    },
    externalNetwork: { type: "string", default: "public", description: "OpenStack external network for the router gateway" },
    flavor: { type: "string", default: "m1.large", description: "OpenStack flavor for nodes" },
    balancerFlavor: {
        type: "string",
        default: "m1.medium",
        description: "OpenStack flavor of the load-balancer node, which runs kubeapi-load-balancer alone (the bundle asks 1 core, 4 GiB)",
    },
    image: { type: "string", default: "ubuntu-24.04", description: "OpenStack image name for nodes" },
    ipv6Mode: { type: "string", default: "slaac", description: "OpenStack IPv6 address and RA mode: slaac or dhcpv6-stateless" },
    ipv6SubnetPool: {
        type: "string",
        default: "",
        description: "OpenStack IPv6 pool for the host /64 (default, an ID or a name); needed when IPv6 is reached from outside",
    },
    hosts: {
        type: "array",
        default: [],
        description:
            "cloud=existing: one entry per host, 'name role ipv4 [ipv6 ...]', role control-plane, worker or load-balancer (exactly one)",
    },
    sshPath: {
        type: "string",
        default: "ssh",
        description: "The SSH client that runs Juju's clean-up (/sbin/remove-juju-services) on an existing host whose machine was removed",
    },
    workerIngress: {
        type: "string",
        default: "",
        description: "kubernetes-worker `ingress`: true or false; empty keeps the charm's default (true: nginx ingress on 80 and 443)",
    },
    apiOverIpv6: {
        type: "boolean",
        default: false,
        description: "Reach the API server over IPv6 (loadbalancer-ips); always on when services prefer IPv6",
    },
    loadBalancer: {
        type: "string",
        default: "none",
        description: "IPv6-capable load balancer for nginx: none, nlb (AWS) or octavia (OpenStack)",
    },
    octaviaProvider: {
        type: "string",
        default: "amphora",
        description:
            "Octavia provider of loadBalancer=octavia: amphora (ROUND_ROBIN, listener allowed_cidrs) or ovn (SOURCE_IP_PORT, clients filtered by the workers' security group)",
    },
    nginxReplicas: { type: "integer", default: 2, description: "Replicas of the nginx dual-stack Deployment (1 to 50)" },
    nginxImage: {
        type: "string",
        default: "ghcr.io/canonical/cdk/diverdane/nginxdualstack:1.0.0",
        description: "Image of the nginx Deployment",
    },
    nginxCpu: { type: "string", default: "100m", description: "CPU request and limit of each nginx container" },
    nginxMemory: { type: "string", default: "64Mi", description: "Memory request and limit of each nginx container" },
    deployTimeoutMinutes: { type: "integer", default: 90, description: "How long to wait for the bundle to settle (1 to 600)" },
    blockedGraceMinutes: {
        type: "integer",
        default: 10,
        description: "How long a unit may stay blocked before the deployment fails (0 to 600)",
    },
    errorGraceMinutes: {
        type: "integer",
        default: 10,
        description: "How long a unit may stay in error (Juju retries failed hooks) before the deployment fails (0 to 600)",
    },
    downGraceMinutes: {
        type: "integer",
        default: 3,
        description: "How long a machine may stay down or a unit agent lost before the deployment fails (0 to 60; 0: two polls in a row)",
    },
    idleSeconds: {
        type: "integer",
        default: 30,
        description: "How long every unit must stay active and idle before the model counts as settled (0 to 3600)",
    },
    jujuOutageMinutes: {
        type: "integer",
        default: 10,
        description: "How long juju status may keep failing (controller unreachable) before a wait gives up (1 to 600)",
    },
    removeGraceMinutes: {
        type: "integer",
        default: 10,
        description: "How long a graceful Juju removal may take before it is forced, naming what is forced (1 to 600)",
    },
    upgradeDrain: {
        type: "boolean",
        default: true,
        description: "Cordon and drain each worker's Node before its upgrade action during a channel upgrade (false: upgrade in place)",
    },
    pollSeconds: { type: "integer", default: 10, description: "Seconds between juju status polls (1 to 300)" },
    enlistConcurrency: {
        type: "integer",
        default: 10,
        description: "At most this many juju add-machine ssh: calls run at once against the controller (1 to 100)",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export const CLOUDS = ["aws", "openstack", "existing", "sandbox"] as const;
