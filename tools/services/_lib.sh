# shellcheck shell=bash
# Shared helpers for tools/services/{postgres,clickhouse,s3}/{start,stop}.
# Sourced, not executed. Convention: every diagnostic goes to stderr, so the
# LAST (and only) stdout line of `start` is the connection string.

set -euo pipefail

svc_home() {
  # State lives outside the repo so `git clean` never eats a test database.
  local name="$1"
  printf '%s/%s\n' "${FERRIS_SERVICES_HOME:-$HOME/.cache/ferris-services}" "$name"
}

svc_log() { printf '[%s] %s\n' "${SVC_NAME:-service}" "$*" >&2; }

svc_die() {
  printf '[%s] ERROR: %s\n' "${SVC_NAME:-service}" "$*" >&2
  exit 1
}

# svc_log_tail FILE [LINES]: show the end of a server log after a failure.
svc_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -f "$file" ]]; then
    printf '[%s] last %s lines of %s:\n' "${SVC_NAME:-service}" "$lines" "$file" >&2
    tail -n "$lines" "$file" | sed 's/^/    /' >&2
  else
    printf '[%s] (no log file at %s)\n' "${SVC_NAME:-service}" "$file" >&2
  fi
}

# svc_pid PIDFILE: the pid recorded by svc_spawn (line 1).
svc_pid() { head -n 1 "$1" 2>/dev/null || true; }

# svc_pid_alive PIDFILE: true when the file names a live process that is
# still the program we spawned (line 2 holds its argv[0]), so a recycled pid
# is never taken for our server, nor signalled by stop.
svc_pid_alive() {
  local pidfile="$1" pid want got
  [[ -f "$pidfile" ]] || return 1
  pid="$(svc_pid "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  want="$(sed -n 2p "$pidfile")"
  [[ -z "$want" ]] && return 0
  got="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1 || true)"
  [[ "$got" == "$want" ]]
}

# svc_port_busy PORT: true when something listens on 127.0.0.1:PORT.
svc_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# svc_require_free_port PORT WHAT: refuse to start over someone else's server.
svc_require_free_port() {
  local port="$1" what="$2"
  if svc_port_busy "$port"; then
    local who
    who="$(ss -ltnpH "sport = :$port" 2>/dev/null | head -n 1 || true)"
    svc_die "port 127.0.0.1:$port ($what) is already taken by a process this script did not start${who:+: $who}. Stop that process or free the port, then run start again."
  fi
}

# svc_apt_ensure CMD PACKAGE...: install PACKAGEs when CMD is missing.
svc_apt_ensure() {
  local cmd="$1"
  shift
  if command -v "$cmd" >/dev/null 2>&1 || [[ -x "$cmd" ]]; then
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || svc_die "'$cmd' is missing and installing it needs root: run 'sudo apt-get install -y $*' once, then start again."
  svc_log "installing $* with apt-get (missing: $cmd)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
    svc_die "apt-get update failed; check network access to the Debian mirrors."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 ||
    svc_die "apt-get install $* failed (see output above)."
}

# svc_wait_until TIMEOUT_SECONDS LOGFILE DESCRIPTION CMD...: poll CMD every
# 0.1 s; on timeout, fail with the log tail.
svc_wait_until() {
  local timeout="$1" logfile="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      svc_log_tail "$logfile"
      svc_die "$what was not ready after ${timeout}s. Read the log above ($logfile), fix the cause, then run start again."
    fi
    # Only "gone" counts here: right after spawn the child may not have
    # exec'd the server yet, so its argv[0] is not checked.
    if [[ -n "${SVC_WAIT_PIDFILE:-}" ]] && ! kill -0 "$(svc_pid "$SVC_WAIT_PIDFILE")" 2>/dev/null; then
      svc_log_tail "$logfile"
      svc_die "$what exited while starting. Read the log above ($logfile), fix the cause, then run start again."
    fi
    sleep 0.1
  done
}

# svc_stop_pidfile PIDFILE WHAT [TIMEOUT]: SIGTERM the process named in
# PIDFILE (only that one, never a name match), wait, then SIGKILL.
svc_stop_pidfile() {
  local pidfile="$1" what="$2" timeout="${3:-30}" pid
  if ! svc_pid_alive "$pidfile"; then
    rm -f "$pidfile"
    svc_log "$what is not running (nothing to stop)"
    return 0
  fi
  pid="$(svc_pid "$pidfile")"
  svc_log "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      svc_log "$what did not exit within ${timeout}s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  svc_log "$what stopped"
}

# svc_spawn PIDFILE LOGFILE CMD...: run CMD detached in its own session,
# output appended to LOGFILE; PIDFILE gets the pid and CMD's argv[0].
svc_spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  printf '==== %s: started by tools/services (%s)\n' "$(date -u +%FT%TZ)" "$1" >>"$logfile"
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$1" >"$pidfile"
}
