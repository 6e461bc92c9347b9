// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider. The upstream main
// embeds generated files that the published module lacks; toolchain.sh copies the module's
// schema and Terraform mapping beside this file before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
