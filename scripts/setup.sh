#!/usr/bin/env bash
# Everything the sandbox and the tests need on a fresh machine: Node.js dependencies from the
# lock file, openssl (the simulator's certificates), and the real toolchain (scripts/toolchain.sh).
# Prints the environment to use as `export` lines on stdout; progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
if ! command -v openssl >/dev/null; then
  echo "setup: installing openssl" >&2
  (apt-get update && apt-get install -y openssl) >&2
fi
bash "$root/scripts/toolchain.sh"
