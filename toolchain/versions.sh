# Versions of the tools the sandbox and the end-to-end tests run. The Pulumi CLI and the
# Kubernetes provider follow package.json (@pulumi/pulumi, @pulumi/kubernetes); the rest is here.
# Changing a version changes the cache key, so the next run builds afresh.
ETCD_VERSION=v3.6.16
KUBERNETES_VERSION=v1.35.4
# The Go module proxy serves the Kubernetes provider only at this commit (early 4.24 line);
# it is installed as the plugin version @pulumi/kubernetes asks for.
KUBERNETES_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# kwok (simulated kubelets); v0.8.0 has no replace directives and builds with the local Go.
KWOK_VERSION=v0.8.0
