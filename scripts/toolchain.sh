#!/usr/bin/env bash
# Makes the real tools the sandbox and end-to-end tests need available: the Pulumi CLI, the
# Kubernetes provider plugin, etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kwok. A tool already on PATH at the right version is used as is; otherwise it is built from Go
# modules into a cache outside the repository, keyed by version, so a warm cache makes this a no-op.
# Prints nothing on stdout but the final `export` lines; progress goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../toolchain/versions.sh
. "$root/toolchain/versions.sh"
cache=${CK_TOOLCHAIN_CACHE:-$HOME/.cache/ck-dualstack/toolchain}
mkdir -p "$cache"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

pkgver() { node -p "require('$root/node_modules/$1/package.json').version" 2>/dev/null ||
  node -p "require('$root/package.json').dependencies['$1'].replace(/^[^0-9]*/, '')"; }
PULUMI_VERSION=v$(pkgver @pulumi/pulumi)
KUBERNETES_PLUGIN_VERSION=$(pkgver @pulumi/kubernetes)

log() { echo "toolchain: $*" >&2; }

# wrapper_module DIR MODULE VERSION: a module in DIR that requires MODULE@VERSION and repeats
# its replace directives, with local (staging) paths pointed at published versions.
wrapper_module() {
  local dir=$1 module=$2 version=$3 staging_version=${4:-}
  mkdir -p "$dir"
  (cd "$dir" && rm -f go.mod go.sum && go mod init "ck-dualstack.toolchain/$(basename "$dir")" >/dev/null 2>&1 &&
    go mod download "$module@$version" && go mod edit -require="$module@$version")
  local modfile
  modfile=$(cd "$dir" && go mod download -json "$module@$version" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')
  # go mod edit -json lists replaces; local ones name a path, remote ones a version.
  (cd "$dir" && go mod edit -json "$modfile") | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      for (const r of JSON.parse(s).Replace || []) {
        const from = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
        if (r.New.Version) console.log(`${from}=${r.New.Path}@${r.New.Version}`);
        else if (process.argv[1]) console.log(`${from}=${r.Old.Path}@${process.argv[1]}`);
      }
    });' "$staging_version" | while read -r rep; do
      (cd "$dir" && go mod edit -replace="$rep")
    done
}

# build NAME VERSION OUT PACKAGE [LDFLAGS] [DIR]: go build PACKAGE from the wrapper in DIR
# (default src/NAME-VERSION) into NAME-VERSION/bin.
build() {
  local name=$1 version=$2 out=$3 package=$4 ldflags=${5:-}
  local dir=${6:-"$cache/src/$name-$version"} bin="$cache/$name-$version/bin"
  log "building $name $version (cache: $cache; this takes minutes on a cold cache)"
  (cd "$dir" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$package" >&2)
  mv "$bin/$out.tmp" "$bin/$out"
  log "built $bin/$out"
}

tools_file() { # a file that imports a main package so `go mod tidy` keeps its dependencies
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$2" >"$1/tools.go"
}

# Pulumi CLI: the real engine, at the version of @pulumi/pulumi.
pulumi_bin="$cache/pulumi-$PULUMI_VERSION/bin"
if command -v pulumi >/dev/null && [ "$(pulumi version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  pulumi_bin=$(dirname "$(command -v pulumi)")
elif [ ! -x "$pulumi_bin/pulumi" ]; then
  d="$cache/src/pulumi-$PULUMI_VERSION"
  wrapper_module "$d" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION"
  (cd "$d" && go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
  tools_file "$d" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  build pulumi "$PULUMI_VERSION" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
fi

# Kubernetes provider plugin, reporting the version @pulumi/kubernetes asks for.
k8s_plugin_bin="$cache/pulumi-resource-kubernetes-$KUBERNETES_PROVIDER_MODULE_VERSION-as-$KUBERNETES_PLUGIN_VERSION/bin"
if [ ! -x "$k8s_plugin_bin/pulumi-resource-kubernetes" ]; then
  d="$cache/src/pulumi-resource-kubernetes-$KUBERNETES_PROVIDER_MODULE_VERSION-as-$KUBERNETES_PLUGIN_VERSION"
  m=github.com/pulumi/pulumi-kubernetes/provider/v4
  wrapper_module "$d" "$m" "$KUBERNETES_PROVIDER_MODULE_VERSION"
  src=$(cd "$d" && go list -m -f '{{.Dir}}' "$m")
  cp "$root/toolchain/kubernetes-provider/main.go" "$d/main.go"
  cp "$src/cmd/pulumi-resource-kubernetes/schema.json" "$d/schema.json"
  cp "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$d/terraform-mapping.json"
  chmod u+w "$d"/*.json
  build pulumi-resource-kubernetes "$KUBERNETES_PROVIDER_MODULE_VERSION-as-$KUBERNETES_PLUGIN_VERSION" \
    pulumi-resource-kubernetes . "-X $m/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION"
fi

# etcd, for kube-apiserver.
etcd_bin="$cache/etcd-$ETCD_VERSION/bin"
if command -v etcd >/dev/null && etcd --version 2>/dev/null | grep -q "etcd Version: ${ETCD_VERSION#v}"; then
  etcd_bin=$(dirname "$(command -v etcd)")
elif [ ! -x "$etcd_bin/etcd" ]; then
  d="$cache/src/etcd-$ETCD_VERSION"
  wrapper_module "$d" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  tools_file "$d" go.etcd.io/etcd/server/v3
  build etcd "$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3
fi

# kube-apiserver, kube-controller-manager and kube-scheduler from one wrapper module, with every
# k8s.io staging module pinned to the matching v0.x; each binary is cached by version on its own.
kube_ldflags="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION#v1.}"
kube_dirs=()
for component in kube-apiserver kube-controller-manager kube-scheduler; do
  bin="$cache/$component-$KUBERNETES_VERSION/bin"
  if command -v "$component" >/dev/null && "$component" --version 2>/dev/null | grep -qx "Kubernetes $KUBERNETES_VERSION"; then
    bin=$(dirname "$(command -v "$component")")
  elif [ ! -x "$bin/$component" ]; then
    d="$cache/src/kubernetes-$KUBERNETES_VERSION"
    if [ ! -f "$d/tools.go" ]; then
      wrapper_module "$d" k8s.io/kubernetes "$KUBERNETES_VERSION" "v0.${KUBERNETES_VERSION#v1.}"
      printf '//go:build tools\n\npackage tools\n\nimport (\n' >"$d/tools.go"
      for c in kube-apiserver kube-controller-manager kube-scheduler; do
        printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >>"$d/tools.go"
      done
      printf ')\n' >>"$d/tools.go"
    fi
    build "$component" "$KUBERNETES_VERSION" "$component" "k8s.io/kubernetes/cmd/$component" "$kube_ldflags" "$d"
  fi
  kube_dirs+=("$bin")
done

# kwok: the simulated kubelets (Nodes and their pods) of the sandbox cluster. The kwok binary has
# no stages of its own (kwokctl passes them); its module ships the default ones, which are put
# beside the binary as one config file: node-initialize and heartbeat-with-lease, and the fast
# pod-ready, pod-complete and pod-delete (kwok pkg/kwokctl/runtime/cluster.go getDefault*Stages).
kwok_dir="$cache/kwok-$KWOK_VERSION"
if [ ! -x "$kwok_dir/bin/kwok" ] || [ ! -f "$kwok_dir/stages.yaml" ]; then
  d="$cache/src/kwok-$KWOK_VERSION"
  [ -f "$d/tools.go" ] || { wrapper_module "$d" sigs.k8s.io/kwok "$KWOK_VERSION" && tools_file "$d" sigs.k8s.io/kwok/cmd/kwok; }
  [ -x "$kwok_dir/bin/kwok" ] || build kwok "$KWOK_VERSION" kwok sigs.k8s.io/kwok/cmd/kwok
  src=$(cd "$d" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    echo "---"
    cat "$src/kustomize/stage/$stage.yaml"
  done >"$kwok_dir/stages.yaml.tmp"
  mv "$kwok_dir/stages.yaml.tmp" "$kwok_dir/stages.yaml"
fi

# Pulumi's distribution ships the Node.js language host beside the CLI; the Go module proxy does
# not serve it, so a CLI built here gets the offline stand-in from toolchain/language-host (a small
# LanguageRuntime server that runs @pulumi/pulumi/cmd/run like the real one). Its cache key is the
# Pulumi version and a hash of its source, so an edited host is rebuilt.
if [ "$pulumi_bin" = "$cache/pulumi-$PULUMI_VERSION/bin" ]; then
  host_src="$root/toolchain/language-host"
  host_hash=$(cat "$host_src"/*.go | sha256sum | cut -c1-12)
  host_version="$PULUMI_VERSION-$host_hash"
  host_bin="$cache/pulumi-language-nodejs-$host_version/bin"
  if [ ! -x "$host_bin/pulumi-language-nodejs" ]; then
    d="$cache/src/pulumi-language-nodejs-$host_version"
    wrapper_module "$d" github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VERSION"
    cp "$host_src"/*.go "$d/"
    build pulumi-language-nodejs "$host_version" pulumi-language-nodejs . "-X main.version=${PULUMI_VERSION#v}"
  fi
  if ! cmp -s "$host_bin/pulumi-language-nodejs" "$pulumi_bin/pulumi-language-nodejs"; then
    cp "$host_bin/pulumi-language-nodejs" "$pulumi_bin/pulumi-language-nodejs.tmp"
    mv "$pulumi_bin/pulumi-language-nodejs.tmp" "$pulumi_bin/pulumi-language-nodejs"
  fi
fi

# Pulumi's own distribution ships the dynamic-provider shim beside the CLI; a CLI built here gets
# the same shim (it resolves @pulumi/pulumi from the program's folder), so nothing is taken from PATH.
if [ "$pulumi_bin" = "$cache/pulumi-$PULUMI_VERSION/bin" ] && [ ! -x "$pulumi_bin/pulumi-resource-pulumi-nodejs" ]; then
  cp "$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$pulumi_bin/"
  chmod +x "$pulumi_bin/pulumi-resource-pulumi-nodejs"
fi

# The engine finds the Kubernetes plugin in PULUMI_HOME.
pulumi_home=${PULUMI_HOME:-$cache/pulumi-home}
plugin_dir="$pulumi_home/plugins/resource-kubernetes-v$KUBERNETES_PLUGIN_VERSION"
if [ ! -x "$plugin_dir/pulumi-resource-kubernetes" ]; then
  log "installing the kubernetes plugin $KUBERNETES_PLUGIN_VERSION into $pulumi_home"
  PULUMI_HOME=$pulumi_home "$pulumi_bin/pulumi" plugin install resource kubernetes \
    "v$KUBERNETES_PLUGIN_VERSION" --file "$k8s_plugin_bin/pulumi-resource-kubernetes" >&2
fi
echo "export PULUMI_HOME='$pulumi_home'"
kube_path=$(IFS=:; echo "${kube_dirs[*]}")
echo "export CK_KWOK_STAGES='$kwok_dir/stages.yaml'"
echo "export PATH='$pulumi_bin:$etcd_bin:$kube_path:$kwok_dir/bin:'\"\$PATH\""
