#!/usr/bin/env bash
# Fault soak: for each seed, the recording proxy fails a seeded share of every AWS request (10%
# answered 503, 1% dropped before the emulator sees them, 1% forwarded and then dropped, so the
# call took effect but its answer is lost) while `init`, a whole-stack `apply` with the S3 backend
# and the next `plan` run through it. Each must succeed, the plan must be empty, and the emulator
# must hold exactly what the state records. Prints one line per seed: requests, faults injected,
# SDK retries seen, apply result, next plan.
#
#   scripts/fault-soak.sh              seeds 1 2 3 4 5
#   scripts/fault-soak.sh 11 12 13     these seeds
#
# CI runs seed 1 (the e2e test `faults::a_whole_stack_apply_...`); this runs the ignored test
# `faults::fault_soak_over_many_seeds`, one seed after the other (minutes each).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seeds="${*:-1 2 3 4 5}"
log="$(mktemp -t fault-soak.XXXXXX)"
echo "fault soak: seeds $seeds (full output in $log)" >&2
status=0
# --workspace, so the build shares the features (and the compiled SDK crates) of scripts/test.sh.
FAULT_SOAK_SEEDS="$seeds" cargo test --locked --workspace --test e2e -- \
  --ignored --exact faults::fault_soak_over_many_seeds --nocapture >"$log" 2>&1 || status=$?
grep '^fault-soak:' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fault soak FAILED (exit $status); the end of the output:" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
