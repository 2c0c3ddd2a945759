#!/usr/bin/env bash
# Installs the pinned workflow checkers into the project-local virtualenv (.venv), beside the
# emulator: zizmor (static analysis of GitHub Actions workflows) and check-jsonschema (its
# built-in GitHub workflow schema). The tests run both on examples/github-actions/ and
# .github/workflows/. Idempotent and safe to run concurrently, like install-moto.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements-ci-tools.txt"
stamp="$venv/.ci-tools-requirements"

installed() {
  [ -x "$venv/bin/zizmor" ] && [ -x "$venv/bin/check-jsonschema" ] && cmp -s "$req" "$stamp" 2>/dev/null
}

installed && exit 0

# The virtualenv is the emulator's: install-moto.sh makes it (and remakes it from nothing when
# its pin changes, which drops these tools and their stamp, so they come back on the next run).
"$root/scripts/install-moto.sh"

if command -v flock >/dev/null 2>&1; then
  mkdir -p "$root/.moto"
  exec 9>"$root/.moto/install-ci-tools.lock"
  flock 9
  installed && exit 0
fi

echo "installing the workflow checkers ($(tr '\n' ' ' <"$req")) into $venv" >&2
pip=("$venv/bin/python" -m pip)
"${pip[@]}" --version >/dev/null 2>&1 || pip=("${PYTHON:-python3}" -m pip --python "$venv/bin/python")
if ! "${pip[@]}" install --quiet --disable-pip-version-check -r "$req"; then
  echo "error: installing zizmor and check-jsonschema from PyPI failed (see pip's message above)" >&2
  exit 1
fi
cp "$req" "$stamp"
