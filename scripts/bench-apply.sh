#!/usr/bin/env bash
# Benchmark: the whole stack applied, planned and destroyed against the emulator behind the
# recording proxy, which adds a fixed latency to every AWS call (a stand-in for the round trip
# to a region). Reports wall-clock time, AWS calls and peak memory per step and parallelism.
#
#   scripts/bench-apply.sh                          latency 40 ms, parallelism 1 and 10
#   scripts/bench-apply.sh --latency-ms 80 --parallelism "4 10 20"
#
# Uses its own emulator port (4590) and proxy port (4591) and a temporary project directory, so
# it never touches the demo's emulator or this repository's state. Numbers are for reading, not
# for asserting: they vary with the machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
latency=40
parallelism="1 10"
moto_port=4590
proxy_port=4591
while [ $# -gt 0 ]; do
  case "$1" in
    --latency-ms) latency="$2"; shift 2 ;;
    --parallelism) parallelism="$2"; shift 2 ;;
    *) echo "usage: scripts/bench-apply.sh [--latency-ms N] [--parallelism \"N ...\"]" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed for peak memory" >&2; exit 1; }

bin="$(scripts/build-mantissa.sh)"
proxy_bin="$(scripts/build-mantissa.sh -p mantissa-testkit --bin recording-proxy)"
scripts/moto.sh start "$moto_port" >&2

work="$(mktemp -d)"
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  "$root/scripts/moto.sh" stop "$moto_port" >&2 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$proxy_bin" --upstream "http://127.0.0.1:$moto_port" --port "$proxy_port" --latency-ms "$latency" \
  --log "$work/calls.jsonl" >"$work/proxy.out" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do
  grep -q "127.0.0.1:$proxy_port" "$work/proxy.out" 2>/dev/null && break
  sleep 0.1
done

cp -r stacks "$work/stacks"
mkdir "$work/environments"
cd "$work"

calls() { wc -l <calls.jsonl 2>/dev/null || echo 0; }

# One step: prints "step  seconds  calls  peak-RSS-MiB" and fails the benchmark if the step fails
# (a destroy of protected data needs --include-data, which is the point of the flag).
step() {
  local label="$1"
  shift
  local before after
  before="$(calls)"
  if ! /usr/bin/time -f "%e %M" -o time.out "$bin" "$@" >step.log 2>&1; then
    echo "error: '$label' failed; its output:" >&2
    cat step.log >&2
    exit 1
  fi
  after="$(calls)"
  read -r secs kib <time.out
  printf '%-28s %8ss %6d calls %6d MiB\n' "$label" "$secs" "$((after - before))" "$((kib / 1024))"
}

echo "whole stack, ${latency} ms per AWS call"
for p in $parallelism; do
  # A new environment name each time: nothing of an earlier run is adopted.
  env="bench-p$p"
  cat >"environments/$env.yaml" <<YAML
environment: $env
region: us-east-1
project_prefix: mantissa-log
stack: mantissa-log
endpoint_url: http://127.0.0.1:$proxy_port
YAML
  step "apply   --parallelism $p" apply -e "$env" --auto-approve --parallelism "$p" -q
  step "plan    (no changes)" plan -e "$env" --detailed-exitcode
  step "destroy --parallelism $p" destroy -e "$env" --auto-approve --include-data --parallelism "$p" -q
done
