#!/usr/bin/env bash
# Packs one release archive: `mantissa-VERSION-TARGET.tar.gz` in OUTDIR, holding
# `mantissa-VERSION-TARGET/` with the binary, its man pages (docs/man/) and the README. The
# release workflow (.github/workflows/release.yml) runs it for each platform, and the tests run
# it to lay out a local release for scripts/install.sh, so both see the same layout.
#
#   scripts/package-release.sh VERSION TARGET BINARY OUTDIR
#
# Refuses a binary whose `--version` is not VERSION: a tag that disagrees with Cargo.toml would
# otherwise publish an archive whose name lies about what is inside.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 4 ] || {
  echo "usage: scripts/package-release.sh VERSION TARGET BINARY OUTDIR" >&2
  exit 2
}
version="$1" target="$2" binary="$3" out="$4"
reported="$("$binary" --version)"
[ "$reported" = "mantissa $version" ] || {
  echo "error: $binary reports '$reported', not 'mantissa $version': does the tag match Cargo.toml's version?" >&2
  exit 1
}
name="mantissa-$version-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/man" "$out"
cp "$binary" "$stage/$name/mantissa"
chmod 0755 "$stage/$name/mantissa"
cp "$root"/docs/man/*.1 "$stage/$name/man/"
cp "$root/README.md" "$stage/$name/"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
