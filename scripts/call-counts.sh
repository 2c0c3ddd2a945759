#!/usr/bin/env bash
# The AWS calls of a whole-stack apply, a no-op plan and a destroy, counted per operation from
# the recording proxy's log: the record to compare before and after a change that must not alter
# what mantissa asks of AWS. Prints "step service:Operation count" lines, sorted.
#
#   scripts/call-counts.sh                   parallelism 10
#   scripts/call-counts.sh --parallelism 1 > before.txt
#
# Uses its own emulator port (4592) and proxy port (4593) and a temporary project directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
parallelism=10
moto_port=4592
proxy_port=4593
while [ $# -gt 0 ]; do
  case "$1" in
    --parallelism) parallelism="$2"; shift 2 ;;
    *) echo "usage: scripts/call-counts.sh [--parallelism N]" >&2; exit 2 ;;
  esac
done

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

"$proxy_bin" --upstream "http://127.0.0.1:$moto_port" --port "$proxy_port" \
  --log "$work/calls.jsonl" >"$work/proxy.out" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do
  grep -q "127.0.0.1:$proxy_port" "$work/proxy.out" 2>/dev/null && break
  sleep 0.1
done

cp -r stacks "$work/stacks"
mkdir "$work/environments"
cd "$work"
cat >environments/counts.yaml <<YAML
environment: counts
region: us-east-1
project_prefix: mantissa-log
stack: mantissa-log
endpoint_url: http://127.0.0.1:$proxy_port
YAML

step() {
  local label="$1"
  shift
  : >calls.jsonl
  if ! "$bin" "$@" >step.log 2>&1; then
    echo "error: '$label' failed; its output:" >&2
    cat step.log >&2
    exit 1
  fi
  python3 - "$label" <<'PY'
import collections, json, sys
counts = collections.Counter()
for line in open("calls.jsonl"):
    call = json.loads(line)
    counts[f"{call['service']}:{call['operation']}"] += 1
for op in sorted(counts):
    print(f"{sys.argv[1]} {op} {counts[op]}")
print(f"{sys.argv[1]} total {sum(counts.values())}")
PY
}

step apply apply -e counts --auto-approve --parallelism "$parallelism" -q
step plan plan -e counts --detailed-exitcode
step destroy destroy -e counts --auto-approve --include-data --parallelism "$parallelism" -q
