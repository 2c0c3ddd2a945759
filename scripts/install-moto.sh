#!/usr/bin/env bash
# Installs the pinned moto emulator into the project-local virtualenv (.venv) when it is missing.
# Idempotent: a venv whose moto matches the pin is left alone. Safe to run concurrently (tests
# and scripts may all call it): one installer runs, the others wait and then find it done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements-moto.txt"
stamp="$venv/.moto-requirements"

installed() {
  [ -x "$venv/bin/moto_server" ] && cmp -s "$req" "$stamp" 2>/dev/null
}

installed && exit 0

# Serialise installers (flock is util-linux; where it is missing, e.g. macOS, go unlocked).
if command -v flock >/dev/null 2>&1; then
  mkdir -p "$root/.moto"
  exec 9>"$root/.moto/install.lock"
  flock 9
  installed && exit 0
fi

python="${PYTHON:-$(command -v python3 || true)}"
[ -n "$python" ] || {
  echo "error: python3 is needed to run the moto emulator; install it (or set PYTHON)" >&2
  exit 1
}
echo "installing the moto emulator ($(tr -d '\n' <"$req")) into $venv" >&2
# A half-made venv from an interrupted or failed attempt would make every later run fail the
# same way, so each attempt starts from nothing.
rm -rf "$venv"
pip=("$venv/bin/python" -m pip)
if ! "$python" -m venv "$venv"; then
  # ensurepip is missing (Debian's python3 without python3-venv) or failed (a full disk, a pyenv
  # build without it). A venv without pip still works when the host's pip can install into it.
  echo "warning: '$python -m venv' could not install pip; trying the host's pip instead" >&2
  rm -rf "$venv"
  if "$python" -m venv --without-pip "$venv" && "$python" -m pip --version >/dev/null 2>&1; then
    pip=("$python" -m pip --python "$venv/bin/python")
  else
    rm -rf "$venv"
    echo "error: '$python -m venv' failed and the host has no pip to fall back on; on Debian/Ubuntu install python3-venv (and check the disk is not full)" >&2
    exit 1
  fi
fi
if ! "${pip[@]}" install --quiet --disable-pip-version-check -r "$req"; then
  rm -rf "$venv"
  echo "error: installing moto from PyPI failed (see pip's message above)" >&2
  exit 1
fi
cp "$req" "$stamp"
