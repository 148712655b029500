#!/usr/bin/env bash
# A private PostgreSQL cluster for this checkout: data under .pg/ (git-ignored), loopback only,
# its own port, trust authentication for local connections. Reused across runs.
#
#   ./ops/pg.sh start    create (first time) and start the cluster; prints the connection string
#   ./ops/pg.sh stop [fast|immediate]    stop it (fast by default; immediate = as in a crash)
#   ./ops/pg.sh status   is it running?
#   ./ops/pg.sh psql     open psql on it
#
# Other scripts source this file and call pg_ensure, which honours ConnectionStrings__Postgres:
# when that is set, that server is used and nothing is started.
set -euo pipefail

PG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_DIR="${SERVICES_PG_DIR:-$PG_ROOT/.pg}"
PG_DATA="$PG_DIR/data"
PG_PORT="${SERVICES_PG_PORT:-55432}"
PG_DATABASE="services"

pg_find_bin() {
  local candidate
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    return 0
  fi
  # The newest installed major version (15 sorts after 9.6 only by version).
  for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
    if [[ -x "$candidate/pg_ctl" && -x "$candidate/initdb" ]]; then PG_BIN="$candidate"; return 0; fi
  done
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 or later (Debian/Ubuntu: 'sudo apt-get install postgresql'), or set ConnectionStrings__Postgres to an existing server." >&2
  exit 1
}

# initdb refuses to run as root: as root, the cluster belongs to an unprivileged account.
pg_run_as() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

pg_init() {
  PG_OS_USER="${SERVICES_PG_OS_USER:-postgres}"
  [[ $(id -u) -eq 0 ]] || PG_OS_USER="$(id -un)"
  pg_find_bin
  mkdir -p "$PG_DIR"
  if [[ $(id -u) -eq 0 ]]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
    chown "$PG_OS_USER" "$PG_DIR"
    # The server account must be able to reach the data folder through every parent.
    local dir="$PG_DIR"
    while [[ "$dir" != "/" ]]; do chmod o+x "$dir" 2>/dev/null || true; dir="$(dirname "$dir")"; done
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    echo "Creating a private PostgreSQL cluster in $PG_DATA (port $PG_PORT)" >&2
    pg_run_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    cat >> "$PG_DATA/postgresql.conf" <<CONF
# --- services: private development cluster ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 300
shared_buffers = 512MB
fsync = on
synchronous_commit = on
idle_in_transaction_session_timeout = '60s'
log_min_messages = warning
CONF
  fi
}

pg_is_running() {
  pg_run_as "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_start() {
  pg_init
  if ! pg_is_running; then
    # The port given now, not only the one written when the cluster was made (SERVICES_PG_PORT may have
    # changed); TCP only, no Unix socket: its path under a deep checkout can pass the 107-byte limit.
    pg_run_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -o "-p $PG_PORT -k ''" -w -t 60 start >/dev/null \
      || { echo "PostgreSQL did not start; see $PG_DATA/server.log" >&2; tail -n 20 "$PG_DATA/server.log" >&2; exit 1; }
  fi
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "select 1 from pg_database where datname = '$PG_DATABASE'" | grep -q 1; then
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "create database $PG_DATABASE" >/dev/null
  fi
}

pg_stop() {
  local mode="${1:-fast}"
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
  pg_init
  if pg_is_running; then pg_run_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$mode" -w stop >/dev/null; fi
}

pg_local_connection_string() {
  echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$PG_DATABASE"
}

# Test databases that killed test runs left behind (a class's clean-up never ran): those made over two
# hours ago, which no test run can still be using (each test assembly has 30 minutes).
pg_drop_stale_test_databases() {
  local db
  for db in $("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc \
      "select datname from pg_database where (datname like 'test\\_%' or datname like 'template\\_%') and datname not in ('template0', 'template1')
         and (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification < now() - interval '2 hours'"); do
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "drop database if exists \"$db\" with (force)"
  done
}

# Exports ConnectionStrings__Postgres, starting the private cluster only when none was given.
pg_ensure() {
  if [[ -z "${ConnectionStrings__Postgres:-}" ]]; then
    pg_start
    export ConnectionStrings__Postgres="$(pg_local_connection_string)"
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  case "${1:-}" in
    start) pg_start; pg_local_connection_string ;;
    stop) pg_stop "${2:-fast}" ;;
    status) [[ -f "$PG_DATA/PG_VERSION" ]] || { echo "stopped (no cluster yet)"; exit 3; }; pg_init; if pg_is_running; then echo "running on 127.0.0.1:$PG_PORT ($PG_DATA)"; else echo "stopped"; exit 3; fi ;;
    psql) pg_start; shift; exec "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DATABASE" "$@" ;;
    *) echo "usage: $0 start|stop|status|psql" >&2; exit 2 ;;
  esac
fi
