#!/usr/bin/env bash
# npm run sandbox | sandbox:destroy | bench: set-up, then the sandbox stack on the real engine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(bash scripts/setup.sh)"
run() { node -r ts-node/register/transpile-only "$@"; }
case "${1:-up}" in
  up) run scripts/stack.ts up sandbox ;;
  destroy)
    run scripts/stack.ts destroy sandbox
    # Anything the simulator still runs (after an interrupted run) goes too.
    run scripts/simulatorSweep.ts
    ;;
  bench) run scripts/bench.ts ;;
  *) echo "usage: sandbox.sh up|destroy|bench" >&2; exit 2 ;;
esac
