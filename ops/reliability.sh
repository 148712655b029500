#!/usr/bin/env bash
# The reliability suite (issue 7): API crashes (SIGKILL) under load, PostgreSQL restarts under load,
# three nodes with a failover, then the hostile-input console (ops/Services.Hostile) when the
# project exists. Real processes: the API's Release build started with `dotnet Services.Api.dll`,
# configured by environment as ./ops/run.sh does; loopback only; every wait is bounded.
#
#   ./ops/reliability.sh             full run: 10 crashes, 3 database restarts, 3 failovers
#   ./ops/reliability.sh --quick     a shorter version of each part (3, 1, 1): CI and ./ops/test.sh
#   ./ops/reliability.sh --no-build  (with either) use the Release builds already there
#
# PostgreSQL: the suite stops and restarts its database, so it ALWAYS runs its own private cluster
# (.pg/reliability, 127.0.0.1:$RELIABILITY_PG_PORT, default 55453) with a fresh database per run,
# even when ConnectionStrings__Postgres is set: that server is never touched by this suite.
# The API processes listen on 127.0.0.1, three ports from $RELIABILITY_API_PORT (default 5281).
# Progress goes to stderr and node logs to .pg/reliability/logs; the last stdout line is one JSON
# object (acked, lost, duplicates, pg_restart_recovery_s, failover_s, part_* = passed|failed|skipped,
# the seat invariants overbooked, seat_mismatches, waitlist_mismatches, idle_seats, usage_mismatches,
# and the hostile console's fields). The exit code is non-zero when any target is missed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=()
build=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--quick] [--no-build]" >&2; exit 2 ;;
  esac
done

export SERVICES_PG_DIR="$PWD/.pg/reliability"
export SERVICES_PG_PORT="${RELIABILITY_PG_PORT:-55453}"
unset ConnectionStrings__Postgres
source ops/pg.sh

logs="$SERVICES_PG_DIR/logs"
api_dll=src/Services.Api/bin/Release/net10.0/Services.Api.dll
suite_dll=ops/Services.Reliability/bin/Release/net10.0/Services.Reliability.dll
hostile_project=ops/Services.Hostile/Services.Hostile.csproj
hostile_dll=ops/Services.Hostile/bin/Release/net10.0/Services.Hostile.dll

if [[ $build -eq 1 ]]; then
  echo "Building the API and the suite (Release)" >&2
  dotnet build ops/Services.Reliability/Services.Reliability.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
hostile=()
if [[ -f $hostile_project ]]; then
  [[ $build -eq 0 && -f $hostile_dll ]] || dotnet build "$hostile_project" -c Release -nologo -v q -clp:ErrorsOnly >&2
  hostile=(--hostile-dll "$hostile_dll")
fi

# API processes the suite left behind if it died, then the cluster.
cleanup() {
  local pid_file
  for pid_file in "$logs"/node-*.pid; do
    [[ -f $pid_file ]] || continue
    kill -9 "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  pg_stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

pg_start
rm -rf "$logs" && mkdir -p "$logs"
database=reliability
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres -d postgres -qAtc "drop database if exists $database with (force)" >/dev/null
psql -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres -d postgres -qAtc "create database $database" >/dev/null

status=0
dotnet "$suite_dll" "${quick[@]}" "${hostile[@]}" \
  --api-dll "$api_dll" \
  --connection-string "Host=127.0.0.1;Port=$SERVICES_PG_PORT;Username=postgres;Database=$database" \
  --pg-script ops/pg.sh \
  --first-port "${RELIABILITY_API_PORT:-5281}" \
  --log-dir "$logs" || status=$?
exit $status
