#!/usr/bin/env bash
# The whole test suite: unit tests, the emulator-backed tests (one moto server per test, started
# by the tests themselves on free loopback ports) and the end-to-end tests, then a format check
# and, on a whole-suite run, clippy with warnings as errors.
#
#   scripts/test.sh                      everything
#   scripts/test.sh -p mantissa-engine   one crate (extra arguments go to `cargo test`)
#   scripts/test.sh -- some_test_name    one test by name, in every crate
#
# Honours CARGO_TARGET_DIR (cargo does). Needs python3 for the emulator; everything else
# installs itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v cargo >/dev/null 2>&1 || {
  echo "error: cargo is not on PATH; install the Rust toolchain (https://rustup.rs)" >&2
  exit 1
}

# Install once up front, so parallel tests never race to create the virtualenv: the emulator,
# then the workflow checkers (zizmor, check-jsonschema) beside it.
scripts/install-moto.sh
scripts/install-ci-tools.sh

args=(test)
# `-p/--package` before `--` narrows the run; otherwise test the whole workspace.
scope=(--workspace)
for arg in "$@"; do
  [ "$arg" = -- ] && break
  case "$arg" in
    -p | --package | -p* | --package=*) scope=() ;;
  esac
done
# --no-fail-fast: report every failing test binary, not only the first.
args+=(${scope[@]+"${scope[@]}"} --all-targets --no-fail-fast)
if [ -f Cargo.lock ]; then
  args+=(--locked)
  # Say it plainly before a long build: a Cargo.lock that disagrees with the manifests fails
  # under --locked.
  if ! cargo metadata --locked --format-version 1 >/dev/null; then
    echo "error: Cargo.lock does not match the Cargo.toml files; run 'cargo metadata --format-version 1 >/dev/null' (or any cargo build) and commit Cargo.lock" >&2
    exit 1
  fi
fi

echo "+ cargo ${args[*]} $*"
cargo "${args[@]}" "$@"

if ! cargo fmt --version >/dev/null 2>&1; then
  echo "error: rustfmt is missing; install it with: rustup component add rustfmt" >&2
  exit 1
fi
# rustfmt colours its diff even into a log file; only a terminal gets colour.
color=never
[ -t 1 ] && color=auto
echo "+ cargo fmt --all -- --check"
if ! cargo fmt --all -- --check --color "$color"; then
  echo "error: code is not formatted; run: cargo fmt --all" >&2
  exit 1
fi

# Lints, on a whole-suite run only (a narrowed run is for quick iteration). Warnings fail it: a
# lint left standing hides the next one.
if [ $# -eq 0 ]; then
  if ! cargo clippy --version >/dev/null 2>&1; then
    echo "error: clippy is missing; install it with: rustup component add clippy" >&2
    exit 1
  fi
  echo "+ cargo clippy --workspace --all-targets --locked -- -D warnings"
  if ! cargo clippy --workspace --all-targets --locked -- -D warnings; then
    echo "error: clippy found problems (above); fix them, or run: cargo clippy --fix --workspace --all-targets" >&2
    exit 1
  fi
fi

# The crate rules of docs/architecture.md (no AWS SDK in the engine or the command layer, ...).
if [ $# -eq 0 ]; then
  echo "+ scripts/check-layering.sh"
  scripts/check-layering.sh
fi
