#!/usr/bin/env bash
# The crate rules of docs/architecture.md that the dependency tree can show: each line below is
# a crate and the packages it may not depend on (a regex over package names), checked over its
# normal dependencies. Fails naming the crate and the forbidden package.
#
#   scripts/check-layering.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sdk='aws-sdk-.*|aws-config|aws-smithy-.*|aws-types|aws-runtime'
rules=(
  "mantissa-config|mantissa-.*|$sdk|tokio"
  "mantissa-engine|mantissa-aws.*|mantissa-state|mantissa-backend-.*|mantissa-cli|mantissa|$sdk"
  "mantissa-state|mantissa-aws.*|mantissa-backend-.*|mantissa-cli|$sdk"
  "mantissa-aws-core|mantissa-aws|mantissa-state|mantissa-backend-.*|mantissa-cli"
  "mantissa-aws|mantissa-state|mantissa-backend-.*|mantissa-cli"
  "mantissa-backend-s3|mantissa-aws|mantissa-state|mantissa-cli"
  "mantissa-cli|mantissa-aws.*|mantissa-backend-.*|mantissa|$sdk"
)
locked=()
[ -f Cargo.lock ] && locked=(--locked)
status=0
for rule in "${rules[@]}"; do
  crate="${rule%%|*}"
  forbidden="${rule#*|}"
  # Package names of the crate's normal dependency tree, the crate itself left out.
  tree="$(cargo tree ${locked[@]+"${locked[@]}"} -p "$crate" -e normal --prefix none --format '{p}')"
  found="$(echo "$tree" | awk '{print $1}' | sort -u | grep -vx "$crate" | grep -Ex "$forbidden" || true)"
  if [ -n "$found" ]; then
    echo "error: $crate may not depend on: $(echo "$found" | tr '\n' ' ')(docs/architecture.md, The crates)" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "crate layering: every rule holds (${#rules[@]} crates checked)"
exit "$status"
