#!/usr/bin/env bash
# Installs the pinned moto emulator into the project-local virtualenv (.venv) when it is missing.
# Idempotent: a venv whose moto matches the pin is left alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements-moto.txt"
stamp="$venv/.moto-requirements"
if [ -x "$venv/bin/moto_server" ] && cmp -s "$req" "$stamp" 2>/dev/null; then
  exit 0
fi
python="${PYTHON:-$(command -v python3 || true)}"
[ -n "$python" ] || { echo "error: python3 is needed to run the moto emulator" >&2; exit 1; }
echo "installing the moto emulator into $venv" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
