#!/usr/bin/env bash
# Every IAM action a whole-stack apply, plan and destroy uses, removed from the generated deployer
# policy one at a time, against an emulator that enforces IAM: each run must fail naming the
# removed action. Prints one `policy-soak:` line per action and a summary (tens of minutes).
#
#   scripts/policy-soak.sh                               every action the run uses
#   POLICY_SOAK_ACTIONS=s3:PutBucketPolicy,sns:CreateTopic scripts/policy-soak.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-moto.sh >&2
cargo test -p mantissa --test e2e --locked -- --ignored --exact \
  iam_enforced::every_action_the_run_uses_is_needed --nocapture 2>&1 | grep -E '^policy-soak:|panicked|test result'
