#!/usr/bin/env bash
# Runs the pinned moto emulator on 127.0.0.1:PORT for the demo and manual runs.
#
#   scripts/moto.sh start  [PORT]   install moto if missing, then start it (or reuse a running one)
#   scripts/moto.sh stop   [PORT]   stop the server this script started (never anything else)
#   scripts/moto.sh status [PORT]   say what answers on the port; exit 0 when moto does
#
# PORT defaults to 4566 (what environments/local.yaml points at). Only loopback is used.
# The log is .moto/moto-PORT.log and the pid .moto/moto-PORT.pid. Tests do not use this script:
# they start one emulator each on a free port (crates/mantissa-testkit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: scripts/moto.sh start|stop|status [PORT]"
cmd="${1:-}"
port="${2:-4566}"
if [ $# -gt 2 ] || [ -z "$cmd" ]; then
  echo "$usage" >&2
  exit 2
fi
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "error: PORT must be a number from 1 to 65535, not '$port'" >&2
  exit 2
fi

state_dir="$root/.moto"
pid_file="$state_dir/moto-$port.pid"
log_file="$state_dir/moto-$port.log"
endpoint="http://127.0.0.1:$port"

die() {
  echo "error: $*" >&2
  exit 1
}

# What answers on the port: prints "moto", "other" or "none".
# moto 5.2.5 answers GET /moto-api/ with 200 and its dashboard page, whose HTML has
# <title>Moto</title>; nothing else is likely to. Proxies from the environment are bypassed:
# this is loopback.
probe() {
  python3 - "$port" <<'PY'
import sys, socket, urllib.request, urllib.error
port = int(sys.argv[1])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(f"http://127.0.0.1:{port}/moto-api/", timeout=3) as r:
        body = r.read(65536).decode("utf-8", "replace")
        print("moto" if r.status == 200 and "<title>Moto</title>" in body else "other")
except urllib.error.HTTPError:
    print("other")  # an HTTP server, but not moto
except (urllib.error.URLError, OSError) as e:
    reason = getattr(e, "reason", e)
    print("none" if isinstance(reason, ConnectionRefusedError) else "other")
PY
}

# The pid in our pid file when that process is alive and is a moto server (a stale file whose pid
# was reused by another program must never get that program killed).
our_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o command= 2>/dev/null | grep -q moto_server || return 1
  echo "$pid"
}

start() {
  "$root/scripts/install-moto.sh"
  mkdir -p "$state_dir"
  local pid
  if pid="$(our_pid)"; then
    echo "moto is already running at $endpoint (pid $pid, log $log_file)"
    return 0
  fi
  rm -f "$pid_file"
  case "$(probe)" in
    moto)
      echo "reusing the moto server already answering at $endpoint (not started by this script: 'stop' will leave it alone)"
      return 0
      ;;
    other)
      die "port $port on 127.0.0.1 is taken by something that is not a moto server; stop it, or pass another port: scripts/moto.sh start PORT"
      ;;
  esac

  local bin="$root/.venv/bin/moto_server"
  [ -x "$bin" ] || die "$bin is missing after scripts/install-moto.sh"
  # Its own session, so a Ctrl-C in the terminal that ran the demo does not take it down;
  # no stdin, so it never waits on the terminal.
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then
    launcher=(setsid)
  fi
  # AWS managed policies (AWSGlueServiceRole for the crawler roles) exist in every account;
  # moto only knows them when asked to load them.
  MOTO_IAM_LOAD_MANAGED_POLICIES=true ${launcher[@]+"${launcher[@]}"} "$bin" -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"

  # Bounded wait: moto starts in about a second; 30 s covers a slow first import.
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      echo "error: moto_server exited during startup; the end of $log_file:" >&2
      tail -n 20 "$log_file" >&2 || true
      exit 1
    fi
    if [ "$(probe)" = moto ]; then
      echo "moto is running at $endpoint (pid $pid, log $log_file)"
      return 0
    fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  die "moto did not answer at $endpoint within 30 s; see $log_file"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$pid_file"
    if [ "$(probe)" = moto ]; then
      echo "the moto server at $endpoint was not started by this script; leaving it alone"
    else
      echo "no moto server started by this script on port $port"
    fi
    return 0
  fi
  kill "$pid"
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "moto (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "stopped moto at $endpoint (pid $pid)"
}

status() {
  local pid answer
  answer="$(probe)"
  if pid="$(our_pid)" && [ "$answer" = moto ]; then
    echo "moto is running at $endpoint (pid $pid, log $log_file)"
  elif [ "$answer" = moto ]; then
    echo "a moto server not started by this script answers at $endpoint"
  elif pid="$(our_pid)"; then
    echo "moto (pid $pid) is running but does not answer at $endpoint; see $log_file" >&2
    exit 1
  elif [ "$answer" = other ]; then
    echo "port $port on 127.0.0.1 is in use by something that is not moto" >&2
    exit 1
  else
    echo "moto is not running on port $port"
    exit 3
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  -h | --help | help) echo "$usage" ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
