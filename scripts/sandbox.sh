#!/usr/bin/env bash
# npm run sandbox | sandbox:destroy | bench [-- stack]: set-up, then a sandbox stack (default
# `sandbox`; another needs its own Pulumi.<stack>.yaml with cloud sandbox and its own model) on the
# real engine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(bash scripts/setup.sh)"
run() { node -r ts-node/register/transpile-only "$@"; }
stack=${2:-sandbox}
case "${1:-up}" in
  up) run scripts/stack.ts up "$stack" ;;
  destroy)
    run scripts/stack.ts destroy "$stack"
    # What the simulator still runs for this stack's model (an interrupted run, a checkout moved
    # while it ran) goes too, and that model's files; other stacks' models stay.
    run scripts/simulatorSweep.ts "$stack"
    ;;
  bench) run scripts/bench.ts ;;
  *) echo "usage: sandbox.sh up|destroy|bench [stack]" >&2; exit 2 ;;
esac
