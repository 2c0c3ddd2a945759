#!/usr/bin/env bash
# Installs a released `mantissa` binary in seconds: downloads the archive for this platform,
# checks it against the release's SHA256SUMS and refuses it on any mismatch, then puts the binary
# in DIR (default ~/.local/bin). In CI this replaces a ten-minute `cargo install`.
#
#   scripts/install.sh VERSION [--to DIR]
#   curl -sSfL https://raw.githubusercontent.com/mantissa-log/mantissa/vVERSION/scripts/install.sh | bash -s -- VERSION
#
# Environment:
#   MANTISSA_RELEASE_URL  where releases are: an https:// or file:// URL, or a local directory,
#                         laid out as <base>/vVERSION/{mantissa-VERSION-TARGET.tar.gz,SHA256SUMS}
#                         (default: https://github.com/mantissa-log/mantissa/releases/download)
#   MANTISSA_TARGET       the platform's target triple (default: from uname)
#   MANTISSA_SHA256       the archive's expected SHA-256, to pin it independently of SHA256SUMS
set -euo pipefail

usage() {
  echo "usage: scripts/install.sh VERSION [--to DIR]" >&2
  exit 2
}
die() {
  echo "error: $*" >&2
  exit 1
}

version="" dir="${HOME:-.}/.local/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --to) [ $# -ge 2 ] || usage; dir="$2"; shift 2 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) [ -z "$version" ] || usage; version="${1#v}"; shift ;;
  esac
done
[ -n "$version" ] || usage
case "$version" in
  *[!0-9A-Za-z.+-]*) die "'$version' is not a version (e.g. 0.1.0)" ;;
esac

target="${MANTISSA_TARGET:-}"
if [ -z "$target" ]; then
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-gnu ;;
    Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-gnu ;;
    Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
    Darwin/x86_64) target=x86_64-apple-darwin ;;
    *) die "no release for $(uname -s) $(uname -m); build it with: cargo install --locked --git https://github.com/mantissa-log/mantissa --tag v$version mantissa" ;;
  esac
fi

base="${MANTISSA_RELEASE_URL:-https://github.com/mantissa-log/mantissa/releases/download}"
base="${base%/}/v$version"
archive="mantissa-$version-$target.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME: copies <base>/NAME into the work directory
  case "$base" in
    *://*)
      command -v curl >/dev/null 2>&1 || die "curl is needed to download $base/$1"
      curl --proto '=https,file' --tlsv1.2 -sSfL "$base/$1" -o "$work/$1" || die "could not download $base/$1"
      ;;
    *) cp "$base/$1" "$work/$1" 2>/dev/null || die "no $base/$1" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is installed: cannot check the download"
  fi
}

echo "installing mantissa $version ($target) from $base" >&2
fetch SHA256SUMS
fetch "$archive"
expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$work/SHA256SUMS")"
[ -n "$expected" ] || die "SHA256SUMS of v$version lists no $archive"
if [ -n "${MANTISSA_SHA256:-}" ] && [ "$MANTISSA_SHA256" != "$expected" ]; then
  die "SHA256SUMS gives $expected for $archive, but MANTISSA_SHA256 pins $MANTISSA_SHA256: refusing it"
fi
actual="$(sha256 "$work/$archive")"
[ "$actual" = "$expected" ] || die "checksum mismatch for $archive: expected $expected, got $actual; refusing to install it"

tar -C "$work" -xzf "$work/$archive"
binary="$work/mantissa-$version-$target/mantissa"
[ -f "$binary" ] || die "$archive holds no mantissa-$version-$target/mantissa"
reported="$("$binary" --version 2>/dev/null || true)"
[ "$reported" = "mantissa $version" ] || die "the binary in $archive reports '$reported', not 'mantissa $version'"

mkdir -p "$dir"
# Copy beside the destination, then rename: a running mantissa is never left half-written.
cp "$binary" "$dir/.mantissa.new"
chmod 0755 "$dir/.mantissa.new"
mv -f "$dir/.mantissa.new" "$dir/mantissa"
echo "installed $dir/mantissa ($reported)" >&2
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) echo "note: $dir is not on PATH" >&2 ;;
esac
