#!/usr/bin/env bash
# Builds the `mantissa` binary (dev profile, or release with --release) and prints its path on
# stdout, wherever CARGO_TARGET_DIR or .cargo/config put it. Used by demo.sh and call-counts.sh.
#
#   bin="$(scripts/build-mantissa.sh)"
#   scripts/build-mantissa.sh --bin recording-proxy -p mantissa-testkit   (another binary)
#   scripts/build-mantissa.sh --release                                   (optimised, for timings)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package=mantissa
name=mantissa
profile=()
profile_name="dev profile"
while [ $# -gt 0 ]; do
  case "$1" in
    -p) package="$2"; shift 2 ;;
    --bin) name="$2"; shift 2 ;;
    --release) profile=(--release); profile_name="release profile"; shift ;;
    *) echo "usage: scripts/build-mantissa.sh [-p PACKAGE] [--bin NAME] [--release]" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null 2>&1 || {
  echo "error: cargo is not on PATH; install the Rust toolchain (https://rustup.rs)" >&2
  exit 1
}
echo "building $name ($profile_name)..." >&2
# Diagnostics go to stderr as usual; stdout carries cargo's JSON messages, which say where the
# executable is.
if ! bin="$(
  cargo build --locked "${profile[@]}" -p "$package" --bin "$name" --message-format=json-render-diagnostics |
    python3 -c '
import json, sys
name, exe = sys.argv[1], ""
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == name and msg.get("executable"):
        exe = msg["executable"]
print(exe)
' "$name"
)"; then
  echo "error: building $name failed (see the messages above)" >&2
  exit 1
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "error: cargo built $package but reported no '$name' executable" >&2
  exit 1
fi
echo "$bin"
