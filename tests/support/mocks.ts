import * as pulumi from "@pulumi/pulumi";

/** A resource the program registered under mocks. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export const VPC_IPV6 = "2600:1f18:abcd:ef00::/56";

/** Outputs the clouds would compute, faked per type. */
function fakeState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const n = name.length;
    switch (type) {
        case "aws:ec2/vpc:Vpc":
            return { ...inputs, ipv6CidrBlock: VPC_IPV6 };
        case "aws:ec2/instance:Instance":
            return { ...inputs, publicIp: `198.51.100.${n}`, ipv6Addresses: [`2600:1f18:abcd:ef00::${n}`] };
        case "openstack:compute/instance:Instance":
            return { ...inputs, networks: [{ uuid: "net", port: `port-${name}`, fixedIpV6: `fd00:c00b:100::${n}` }] };
        case "openstack:networking/floatingIp:FloatingIp":
            return { ...inputs, address: `203.0.113.${n}` };
        case "pulumi-nodejs:dynamic/juju:Model":
            return { ...inputs, modelRef: inputs.model, uuid: "uuid" };
        case "pulumi-nodejs:dynamic/juju:Machine":
            return {
                ...inputs,
                machineId: String(Number(/(\d+)$/.exec(name)?.[1] ?? 0) + (name.includes("worker") ? 10 : 0)),
                ipAddresses: [inputs.address],
            };
        case "pulumi-nodejs:dynamic/juju:Deployment":
            return { ...inputs, overlay: { applications: {} }, controlPlaneApp: "kubernetes-control-plane", unitCount: 9 };
        case "pulumi-nodejs:dynamic/juju:Kubeconfig":
            return { ...inputs, kubeconfig: "apiVersion: v1\nkind: Config\n", server: "https://127.0.0.1:6443" };
        case "kubernetes:core/v1:Service": {
            const spec = (inputs.spec ?? {}) as { ipFamilies?: string[] };
            const ips: Record<string, string> = { IPv4: "10.152.183.20", IPv6: "fd00:c00b:2::20" };
            return {
                ...inputs,
                spec: { ...spec, clusterIPs: (spec.ipFamilies ?? []).map((f) => ips[f]), ports: [{ port: 80, nodePort: 30080 }] },
            };
        }
        default:
            return inputs;
    }
}

/** Installs mocks with the given stack config; returns the list registrations are added to. */
export function installMocks(config: Record<string, string>, stack = "test"): Registered[] {
    const registered: Registered[] = [];
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `ck-dualstack:${k}`, v])));
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: fakeState(args.type, args.name, args.inputs) };
            },
            call: (args) => {
                if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones")
                    return { names: ["us-east-1a", "us-east-1b", "us-east-1c"] };
                if (args.token === "aws:ec2/getAmi:getAmi") return { id: "ami-ubuntu" };
                if (args.token === "openstack:networking/getNetwork:getNetwork") return { id: "ext-net-id", name: "public" };
                return args.inputs;
            },
        },
        "ck-dualstack",
        stack,
        false,
    );
    return registered;
}

/** Resolves an output (under mocks, every value is known). */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(output as pulumi.Input<T>).apply((value) => resolve(value as T)));
}

/** Waits until the registrations settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
