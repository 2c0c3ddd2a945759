#!/usr/bin/env bash
# The speed benchmark: each stack validated, applied from empty, planned with no changes and
# destroyed, against the moto emulator behind the recording proxy, which adds a fixed latency to
# every AWS request (a stand-in for the round trip to a region). Per step it prints wall time,
# requests, requests per resource, sequential round trips and peak in-flight requests (from the
# proxy's timeline, see `bench-report --help`), and peak RSS; per stack, the lower bound on an
# apply's round trips (2 x the graph's longest dependency chain). With --vs-terraform, Terraform
# does the same work through the same proxy against the same emulator (reset between tools), and
# the table adds the ratios terraform/mantissa. docs/performance.md explains every column.
#
#   scripts/bench.sh                                   both stacks, 25 ms per request
#   scripts/bench.sh --stack 1000 --vs-terraform       the 1,000-resource stack, and Terraform's
#   scripts/bench.sh --latency-ms 50 --parallelism 20 --json /tmp/bench.json
#
# Options: --latency-ms N (25), --stack full|1000|both (both), --vs-terraform, --parallelism N
# (mantissa's; default: its own default; Terraform always runs at -parallelism=10, its default),
# --resources N (size of the synthetic stack, a multiple of 20; 1000), --json FILE, --keep (leave
# the work directory with the proxy log and each step's output).
#
# Builds release binaries (or takes them from BENCH_BIN_DIR). Uses its own emulator port (4630)
# and proxy port (4640) and a temporary directory, so it never touches the demo's emulator or this
# repository's state. Numbers are for reading, not for asserting: they vary with the machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
usage="usage: scripts/bench.sh [--latency-ms N] [--stack full|1000|both] [--vs-terraform] [--parallelism N] [--resources N] [--json FILE] [--keep]"
latency=25
stacks=both
vs_terraform=0
parallelism=""
resources_1000=1000
json_out=""
keep=0
moto_port=4630
proxy_port=4640
terraform="${TERRAFORM:-/usr/local/bin/terraform}"
# The whole stack in Terraform (another branch's copy can be tried by pointing this at it).
terraform_seed="${TERRAFORM_SEED:-$root/scripts/terraform-seed.sh}"
tf_mirror=/opt/tf-plugins
tf_parallelism=10

number() { [[ "$2" =~ ^[0-9]+$ ]] || { echo "error: $1 takes a whole number, not '$2'" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --latency-ms) number "$1" "${2:-}"; latency="$2"; shift 2 ;;
    --stack)
      case "${2:-}" in full | 1000 | both) stacks="$2" ;; *) echo "error: --stack is full, 1000 or both, not '${2:-}'" >&2; exit 2 ;; esac
      shift 2 ;;
    --vs-terraform) vs_terraform=1; shift ;;
    --parallelism) number "$1" "${2:-}"; parallelism="$2"; shift 2 ;;
    --resources) number "$1" "${2:-}"; resources_1000="$2"; shift 2 ;;
    --json) [ -n "${2:-}" ] || { echo "error: --json takes a file name" >&2; exit 2; }; json_out="$(realpath -m "$2")"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed for peak memory (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is needed to read the results" >&2; exit 1; }

if [ "$resources_1000" -lt 20 ] || [ $((resources_1000 % 20)) -ne 0 ]; then
  echo "error: --resources must be a multiple of 20, at least 20 (the stack is 50% topics, 45% log groups, 5% alarms), not $resources_1000" >&2
  exit 2
fi
terraform_missing=""
if [ "$vs_terraform" = 1 ] && [ ! -x "$terraform" ]; then
  terraform_missing="Terraform skipped: $terraform is missing (install Terraform 1.11 there, or set TERRAFORM to its path)"
  echo "note: $terraform_missing" >&2
  vs_terraform=0
fi

# The three binaries in one cargo invocation: built one package at a time, cargo would unify the
# dependencies' features differently and rebuild the AWS SDK for each. BENCH_BIN_DIR: use the
# binaries already there instead (a build to compare, or one made on another checkout).
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  bins=("$BENCH_BIN_DIR/mantissa" "$BENCH_BIN_DIR/recording-proxy" "$BENCH_BIN_DIR/bench-report")
else
  command -v cargo >/dev/null 2>&1 || { echo "error: cargo is not on PATH; install the Rust toolchain (https://rustup.rs)" >&2; exit 1; }
  echo "building mantissa, recording-proxy and bench-report (release profile)..." >&2
  mapfile -t bins < <(
    cargo build --locked --release -p mantissa --bin mantissa -p mantissa-testkit --bin recording-proxy --bin bench-report \
      --message-format=json-render-diagnostics |
      python3 -c '
import json, sys
want = ["mantissa", "recording-proxy", "bench-report"]
exe = {}
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    name = msg.get("target", {}).get("name")
    if msg.get("reason") == "compiler-artifact" and name in want and msg.get("executable"):
        exe[name] = msg["executable"]
for name in want:
    print(exe.get(name, ""))
'
  )
fi
[ "${#bins[@]}" -eq 3 ] || { echo "error: the release build failed (see the messages above)" >&2; exit 1; }
for b in "${bins[@]}"; do
  if [ -z "$b" ] || [ ! -x "$b" ]; then
    echo "error: '$b' is not an executable: the build did not make it, or BENCH_BIN_DIR lacks it" >&2
    exit 1
  fi
done
bin="${bins[0]}"
proxy_bin="${bins[1]}"
report_bin="${bins[2]}"

work="$(mktemp -d -t mantissa-bench.XXXXXX)"
proxy_pid=""
moto_started=0
cleanup() {
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
  if [ "$moto_started" = 1 ]; then "$root/scripts/moto.sh" stop "$moto_port" >&2 || true; fi
  if [ "$keep" = 1 ]; then echo "kept the work directory $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

scripts/moto.sh start "$moto_port" >&2
moto_started=1
moto="http://127.0.0.1:$moto_port"
endpoint="http://127.0.0.1:$proxy_port"
log="$work/calls.jsonl"
: >"$log"
"$proxy_bin" --upstream "$moto" --port "$proxy_port" --latency-ms "$latency" --log "$log" >"$work/proxy.out" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do
  grep -q "127.0.0.1:$proxy_port" "$work/proxy.out" 2>/dev/null && break
  kill -0 "$proxy_pid" 2>/dev/null || { echo "error: the recording proxy did not start:" >&2; cat "$work/proxy.out" >&2; exit 1; }
  sleep 0.1
done

# Every tool starts from an empty emulator: moto's own reset forgets every resource of every
# service (straight to moto, so it is not counted).
reset_emulator() {
  python3 - "$moto" <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(urllib.request.Request(sys.argv[1] + "/moto-api/reset", method="POST"), timeout=30) as r:
    if r.status != 200:
        sys.exit(f"error: resetting moto answered {r.status}")
PY
}

results="$work/results.jsonl"
: >"$results"
log_lines() { wc -l <"$log"; }

# run_step TOOL STACK STEP RESOURCES OK_CODES -- COMMAND...: times COMMAND (wall in ms, peak RSS
# from GNU time), measures the requests it made from the proxy log's new lines, and appends one
# result line. OK_CODES lists the exit codes that are not failures (a plan's 2: changes). Any
# other exit stops the benchmark with the step's output.
run_step() {
  local tool="$1" stack="$2" step="$3" resources="$4" ok="$5"
  shift 6
  local before after start end rc=0
  before="$(log_lines)"
  start="$(date +%s%N)"
  /usr/bin/time -f "%M" -o "$work/time.out" "$@" >"$work/$tool-$stack-$step.log" 2>&1 || rc=$?
  end="$(date +%s%N)"
  after="$(log_lines)"
  if ! [[ " $ok " == *" $rc "* ]]; then
    echo "error: $tool $step of the $stack stack failed (exit $rc); its output:" >&2
    tail -n 60 "$work/$tool-$stack-$step.log" >&2
    exit 1
  fi
  local wall_ms=$(((end - start) / 1000000))
  # A wrapper that reports the command's own time (terraform-seed.sh: "terraform-seed: apply 85.2s").
  local own
  own="$(sed -n "s/^terraform-seed: $step \([0-9.]*\)s.*/\1/p" "$work/$tool-$stack-$step.log" | tail -n 1)"
  [ -n "$own" ] && wall_ms="$(python3 -c "print(round($own * 1000))")"
  local report="$work/report.json"
  if [ "$after" -gt "$before" ]; then
    "$report_bin" "$log" --lines "$((before + 1))..$after" --resources "$resources" --json >"$report"
  else
    echo '{"steps": []}' >"$report"
  fi
  python3 - "$tool" "$stack" "$step" "$resources" "$wall_ms" "$(tail -n 1 "$work/time.out")" "$rc" "$report" >>"$results" <<'PY'
import json, sys
tool, stack, step, resources, wall_ms, rss_kb, rc, report = sys.argv[1:]
steps = json.load(open(report))["steps"]
r = steps[0] if steps else {}
print(json.dumps({
    "tool": tool, "stack": stack, "step": step, "resources": int(resources),
    "wall_s": int(wall_ms) / 1000, "peak_rss_mib": round(int(rss_kb) / 1024, 1), "exit": int(rc),
    "requests": r.get("requests", 0), "writes": r.get("writes", 0), "retries": r.get("retries", 0),
    "errors": r.get("errors", 0),
    "requests_per_resource": round(r.get("requests", 0) / int(resources), 2) if int(resources) else None,
    "sequential_round_trips": r.get("sequential_round_trips", 0), "peak_in_flight": r.get("peak_in_flight", 0),
    "requests_span_s": round(r.get("span_us", 0) / 1e6, 2),
    "services": r.get("services", {}),
}))
PY
  printf '  %-9s %-7s %-9s %7.2f s %6d requests\n' "$tool" "$stack" "$step" "${wall_ms}e-3" "$((after - before))" >&2
}

graphs="$work/graphs.jsonl"
: >"$graphs"
# The stack's resources and longest dependency chain, from `mantissa graph` (no AWS call).
record_graph() {
  local stack="$1" env="$2"
  "$bin" graph -e "$env" >"$work/$stack.dot"
  "$report_bin" --graph "$work/$stack.dot" --json |
    python3 -c 'import json,sys; g=json.load(sys.stdin)["graph"]; g["stack"]=sys.argv[1]; print(json.dumps(g))' "$stack" >>"$graphs"
}
graph_resources() {
  python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["stack"]==sys.argv[2]][0]["resources"])' "$graphs" "$1"
}

mantissa_steps() {
  local stack="$1" env="$2" resources="$3"
  local par=()
  [ -n "$parallelism" ] && par=(--parallelism "$parallelism")
  reset_emulator
  run_step mantissa "$stack" validate "$resources" "0" -- "$bin" validate -e "$env"
  run_step mantissa "$stack" apply "$resources" "0" -- "$bin" apply -e "$env" --auto-approve -q "${par[@]}"
  run_step mantissa "$stack" plan "$resources" "0 2" -- "$bin" plan -e "$env" --detailed-exitcode "${par[@]}"
  run_step mantissa "$stack" destroy "$resources" "0" -- "$bin" destroy -e "$env" --auto-approve --include-data -q "${par[@]}"
}

terraform_steps() {
  local stack="$1" dir="$2" resources="$3"
  printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$tf_mirror" >"$work/cli.tfrc"
  (
    cd "$dir"
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    # init only installs the provider from the mirror: no AWS request, not timed.
    if ! "$terraform" init -input=false -no-color >"$work/terraform-$stack-init.log" 2>&1; then
      echo "error: terraform init failed for the $stack stack:" >&2
      tail -n 30 "$work/terraform-$stack-init.log" >&2
      exit 1
    fi
    reset_emulator
    local tf=("$terraform")
    run_step terraform "$stack" validate "$resources" "0" -- "${tf[@]}" validate -no-color
    run_step terraform "$stack" apply "$resources" "0" -- "${tf[@]}" apply -auto-approve -input=false -no-color -parallelism="$tf_parallelism"
    run_step terraform "$stack" plan "$resources" "0 2" -- "${tf[@]}" plan -refresh=true -detailed-exitcode -input=false -no-color -parallelism="$tf_parallelism"
    run_step terraform "$stack" destroy "$resources" "0" -- "${tf[@]}" destroy -auto-approve -input=false -no-color -parallelism="$tf_parallelism"
  )
}

# The whole stack by Terraform, through scripts/terraform-seed.sh, which builds the Lambda zips
# and runs `terraform init` before each command: the wall time is the command's own, as the
# script reports it (`terraform-seed: apply 85.2s`), not the zips' and init's (no AWS request).
seed_steps() {
  local resources="$1" tfwork="$work/tf-full"
  mkdir -p "$tfwork"
  reset_emulator
  local seed=("$terraform_seed")
  export TERRAFORM="$terraform"
  run_step terraform full apply "$resources" "0" -- "${seed[@]}" apply --endpoint "$endpoint" --workdir "$tfwork"
  (
    printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$tf_mirror" >"$work/cli.tfrc"
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    run_step terraform full validate "$resources" "0" -- "$terraform" -chdir="$tfwork" validate -no-color
  )
  run_step terraform full plan "$resources" "0 2" -- "${seed[@]}" plan --endpoint "$endpoint" --workdir "$tfwork"
  run_step terraform full destroy "$resources" "0" -- "${seed[@]}" destroy --endpoint "$endpoint" --workdir "$tfwork"
}

skipped="$work/skipped.txt"
: >"$skipped"
[ -z "$terraform_missing" ] || echo "$terraform_missing" >>"$skipped"

if [ "$stacks" = full ] || [ "$stacks" = both ]; then
  dir="$work/full"
  mkdir -p "$dir/environments"
  cp -r stacks "$dir/stacks"
  cat >"$dir/environments/bench-full.yaml" <<YAML
environment: bench-full
region: us-east-1
project_prefix: mantissa-log
stack: mantissa-log
endpoint_url: $endpoint
YAML
  echo "full stack, $latency ms per request" >&2
  (cd "$dir" && record_graph full bench-full)
  n="$(graph_resources full)"
  (cd "$dir" && mantissa_steps full bench-full "$n")
  if [ "$vs_terraform" = 1 ]; then
    # The same stack in Terraform: examples/terraform-seed/, driven by scripts/terraform-seed.sh.
    if [ -x "$terraform_seed" ] && [ -f "$(dirname "$terraform_seed")/../examples/terraform-seed/main.tf" ]; then
      seed_steps "$n"
    else
      echo "full stack: Terraform skipped: $terraform_seed and examples/terraform-seed/ (the whole stack in Terraform) are not in this checkout" >>"$skipped"
    fi
  fi
fi

if [ "$stacks" = 1000 ] || [ "$stacks" = both ]; then
  dir="$work/b1000"
  mkdir -p "$dir/environments" "$work/tf-1000"
  cp -r examples/bench-1000/stacks "$dir/stacks"
  python3 examples/bench-1000/generate.py "$resources_1000" --env "$dir/environments/bench-1000.yaml" \
    --tfvars "$work/tf-1000/bench.auto.tfvars.json" --endpoint "$endpoint" --environment b1000
  echo "synthetic stack of $resources_1000 resources, $latency ms per request" >&2
  (cd "$dir" && record_graph 1000 bench-1000)
  n="$(graph_resources 1000)"
  (cd "$dir" && mantissa_steps 1000 bench-1000 "$n")
  if [ "$vs_terraform" = 1 ]; then
    cp examples/bench-1000/terraform/main.tf "$work/tf-1000/"
    terraform_steps 1000 "$work/tf-1000" "$n"
  fi
fi

python3 - "$results" "$graphs" "$skipped" "$latency" "${parallelism:-default}" "$tf_parallelism" "$json_out" <<'PY'
import json, sys
results_path, graphs_path, skipped_path, latency, parallelism, tf_parallelism, json_out = sys.argv[1:]
results = [json.loads(l) for l in open(results_path)]
graphs = {g["stack"]: g for g in (json.loads(l) for l in open(graphs_path))}
skipped = [l.strip() for l in open(skipped_path) if l.strip()]
steps = ["validate", "apply", "plan", "destroy"]
names = {"full": "the whole Mantissa Log stack (--stack full)", "1000": "the synthetic stack (--stack 1000)"}
doc = {"latency_ms": int(latency), "mantissa_parallelism": parallelism, "terraform_parallelism": int(tf_parallelism),
       "stacks": {}, "skipped": skipped}
head = f"{'tool':<10}{'step':<10}{'wall s':>8}{'span s':>8}{'requests':>10}{'req/res':>9}{'round trips':>13}{'peak in flight':>16}{'peak RSS MiB':>14}"
for stack, g in graphs.items():
    rows = sorted((r for r in results if r["stack"] == stack),
                  key=lambda r: (r["tool"] != "mantissa", steps.index(r["step"])))
    print()
    print(f"{names[stack]}: {g['resources']} resources, longest dependency chain {g['longest_dependency_chain']}"
          f" -> lower bound {g['lower_bound_round_trips']} round trips for an apply; {latency} ms per request,"
          f" mantissa --parallelism {parallelism}, terraform -parallelism={tf_parallelism}")
    print(head)
    for r in rows:
        rpr = "" if r["requests_per_resource"] is None else f"{r['requests_per_resource']:.2f}"
        note = "  (plan found changes)" if r["step"] == "plan" and r["exit"] == 2 else ""
        print(f"{r['tool']:<10}{r['step']:<10}{r['wall_s']:>8.2f}{r['requests_span_s']:>8.2f}{r['requests']:>10}{rpr:>9}{r['sequential_round_trips']:>13}"
              f"{r['peak_in_flight']:>16}{r['peak_rss_mib']:>14.1f}{note}")
    ratios = {}
    by = {(r["tool"], r["step"]): r for r in rows}
    for step in steps:
        m, t = by.get(("mantissa", step)), by.get(("terraform", step))
        if m and t:
            def ratio(key):
                return round(t[key] / m[key], 1) if m[key] else None
            ratios[step] = {k: ratio(k) for k in ("wall_s", "requests", "sequential_round_trips", "peak_rss_mib")}
    if ratios:
        print("terraform / mantissa:")
        for step, r in ratios.items():
            fmt = lambda x: "-" if x is None else f"{x}x"
            print(f"  {step:<9} wall {fmt(r['wall_s']):>7}   requests {fmt(r['requests']):>7}   round trips"
                  f" {fmt(r['sequential_round_trips']):>7}   peak RSS {fmt(r['peak_rss_mib']):>7}")
    print("requests / peak in flight per service:")
    for r in rows:
        if r["services"]:
            parts = ", ".join(f"{s} {v['requests']}/{v['peak_in_flight']}" for s, v in r["services"].items())
            print(f"  {r['tool']:<9} {r['step']:<8} {parts}")
    apply = by.get(("mantissa", "apply"))
    if apply and g["lower_bound_round_trips"]:
        print(f"mantissa apply: {apply['sequential_round_trips']} round trips = "
              f"{apply['sequential_round_trips'] / g['lower_bound_round_trips']:.2f} x the lower bound")
    doc["stacks"][stack] = {"graph": g, "steps": rows, "ratios_terraform_over_mantissa": ratios}
for s in skipped:
    print()
    print(s)
if json_out:
    with open(json_out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"\nwrote {json_out}")
PY
