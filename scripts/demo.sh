#!/usr/bin/env bash
# The demo: deploy the whole Mantissa Log stack into a local moto emulator, no AWS account needed.
#
# Installs the pinned moto into .venv if missing, starts it on 127.0.0.1:4566 (or reuses one
# already there), builds mantissa (dev profile), runs `mantissa apply -e local --auto-approve`
# and `mantissa output -e local` from the repository root, and says how to stop the emulator.
# Running it again re-plans against the same emulator: a second apply should change nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port=4566 # environments/local.yaml points endpoint_url here

[ -f environments/local.yaml ] || {
  echo "error: environments/local.yaml is missing; the demo deploys the 'local' environment" >&2
  exit 1
}

scripts/moto.sh start "$port"

bin="$(scripts/build-mantissa.sh)"

echo
echo "+ mantissa apply -e local --auto-approve"
"$bin" apply -e local --auto-approve
echo
echo "+ mantissa output -e local"
"$bin" output -e local

cat <<MSG

The stack is deployed into the emulator at http://127.0.0.1:$port (state: .mantissa/local.state.json).
Try: $bin plan -e local      (should show no changes)
     $bin destroy -e local
Stop the emulator with: scripts/moto.sh stop $port   (its state is in memory and goes with it)
MSG
