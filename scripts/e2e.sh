#!/usr/bin/env bash
# npm run test:e2e: the end-to-end tests on the real engine, provider and Kubernetes control plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(bash scripts/setup.sh)"
for tool in pulumi pulumi-language-nodejs etcd kube-apiserver kube-controller-manager kube-scheduler kwok openssl; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing; scripts/setup.sh should have provided it" >&2; exit 1; }
done
exec node --require ts-node/register/transpile-only --test --test-concurrency=1 tests/e2e/*.test.ts
