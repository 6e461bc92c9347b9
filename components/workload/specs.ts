import { ValidConfig } from "../config/load";
import { Family } from "../net/cidr";

/** What the nginx workload is made of; shared by `npm run plan` and the typed resources. */
export interface WorkloadOptions {
    readonly replicas: number;
    readonly image: string;
    readonly cpu: string;
    readonly memory: string;
    /** Service families, the cluster's default first. */
    readonly serviceFamilies: readonly Family[];
}

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

export const APP_LABELS = { run: "nginxdualstack" } as const;
export const DEPLOYMENT_NAME = "nginxdualstack";
export const IPV6_SERVICE_NAME = "nginx6";
export const DUAL_STACK_SERVICE_NAME = "nginx-dualstack";

// Kubernetes object shapes as plain data: the typed resources take the same fields.
export interface Metadata {
    name: string;
    labels: Record<string, string>;
}

function metadata(name: string): Metadata {
    return { name, labels: { ...APP_LABELS } };
}

export function nginxDeploymentSpec(options: WorkloadOptions) {
    const probe = (initialDelaySeconds: number) => ({
        httpGet: { path: "/", port: 80 },
        initialDelaySeconds,
        periodSeconds: 10,
    });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(DEPLOYMENT_NAME),
        spec: {
            replicas: options.replicas,
            selector: { matchLabels: { ...APP_LABELS } },
            template: {
                metadata: { labels: { ...APP_LABELS } },
                spec: {
                    containers: [
                        {
                            name: "nginxdualstack",
                            image: options.image,
                            ports: [{ containerPort: 80, name: "http" }],
                            resources: {
                                requests: { cpu: options.cpu, memory: options.memory },
                                limits: { cpu: options.cpu, memory: options.memory },
                            },
                            readinessProbe: probe(2),
                            livenessProbe: probe(10),
                        },
                    ],
                },
            },
        },
    };
}

/** The seed's `nginx6`: a NodePort Service on IPv6 only (`ipFamily` is gone since 1.20). */
export function ipv6ServiceSpec() {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(IPV6_SERVICE_NAME),
        spec: {
            type: "NodePort",
            ipFamilies: ["IPv6"],
            ipFamilyPolicy: "SingleStack",
            ports: [{ port: 80, protocol: "TCP", targetPort: 80, name: "http" }],
            selector: { ...APP_LABELS },
        },
    };
}

/** A Service with one ClusterIP per family, in the cluster's order; none on a single-family cluster. */
export function dualStackServiceSpec(options: WorkloadOptions) {
    if (options.serviceFamilies.length < 2) return undefined;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(DUAL_STACK_SERVICE_NAME),
        spec: {
            type: "NodePort",
            ipFamilies: [...options.serviceFamilies],
            ipFamilyPolicy: "RequireDualStack",
            ports: [{ port: 80, protocol: "TCP", targetPort: 80, name: "http" }],
            selector: { ...APP_LABELS },
        },
    };
}

/** All manifests of the workload, in apply order. */
export function workloadManifests(options: WorkloadOptions): object[] {
    const dual = dualStackServiceSpec(options);
    return [nginxDeploymentSpec(options), ipv6ServiceSpec(), ...(dual ? [dual] : [])];
}
