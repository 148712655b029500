#!/usr/bin/env bash
# Benchmarks against the private PostgreSQL cluster (or the server ConnectionStrings__Postgres names).
#
#   ./ops/bench.sh store    event store appends and feed reads against pgbench on the same machine
#   ./ops/bench.sh projections    catalog read-model lag under booking load, and its rebuild speed
#
# Each benchmark runs on a fresh database that is dropped at the end. The last output line is one
# JSON object with the figures. Settings (environment): BENCH_DURATION (s, default 10),
# BENCH_WARMUP (s, default 2), BENCH_WRITERS (default 8), BENCH_MIN_EVENTS (default 200000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/pg.sh

BENCH_DURATION="${BENCH_DURATION:-10}"
BENCH_WARMUP="${BENCH_WARMUP:-2}"
BENCH_WRITERS="${BENCH_WRITERS:-8}"
BENCH_MIN_EVENTS="${BENCH_MIN_EVENTS:-200000}"

log() { echo "$*" >&2; }

# Exports PGHOST, PGPORT, PGUSER, PGPASSWORD from the Npgsql connection string, for psql and pgbench.
bench_libpq_env() {
  local pair key value
  IFS=';' read -ra pairs <<<"$ConnectionStrings__Postgres"
  for pair in "${pairs[@]}"; do
    [[ "$pair" == *=* ]] || continue
    key="$(echo "${pair%%=*}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')"
    value="${pair#*=}"
    case "$key" in
      host|server) export PGHOST="$value" ;;
      port) export PGPORT="$value" ;;
      username|userid|user) export PGUSER="$value" ;;
      password) export PGPASSWORD="$value" ;;
    esac
  done
}

# The connection string with Database replaced.
bench_connection_string() {
  local database="$1" pair key out=""
  IFS=';' read -ra pairs <<<"$ConnectionStrings__Postgres"
  for pair in "${pairs[@]}"; do
    key="$(echo "${pair%%=*}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')"
    [[ -z "$pair" || "$key" == database || "$key" == db ]] && continue
    out+="$pair;"
  done
  echo "${out}Database=$database"
}

# Busy share of all CPUs between two /proc/stat samples: cpu_sample, then cpu_busy_since "$sample".
cpu_sample() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
cpu_busy_since() {
  local before=($1) after=($(cpu_sample))
  awk -v b="$((after[0] - before[0]))" -v t="$((after[1] - before[1]))" 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }'
}

# CPU time (in 1/100 s) of the local PostgreSQL processes, from /proc (0 when the server is elsewhere).
postgres_cpu_ticks() {
  local total=0 line rest
  for stat in /proc/[0-9]*/stat; do
    { read -r line <"$stat"; } 2>/dev/null || continue
    [[ "$line" == *"(postgres) "* ]] || continue
    rest=(${line##*) })
    total=$((total + rest[11] + rest[12]))
  done
  echo "$total"
}

bench_store() {
  pg_ensure
  bench_libpq_env
  log "Building ops/Services.Bench (Release)"
  dotnet build ops/Services.Bench/Services.Bench.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
  local bench_dll="ops/Services.Bench/bin/Release/net10.0/Services.Bench.dll"
  # The client shares 2 cores with PostgreSQL. For the feed read, a 64 MB gen0 budget (the default
  # follows the CPU cache size, a few MB here) lets a page of read events die young instead of being
  # promoted by a GC every few hundred events: it halves the client's CPU per event read. Appends
  # allocate little and are better off without it (a big gen0 is page-faulted in again after each
  # GC). Only an environment variable sets it.
  local read_gen0="${DOTNET_GCgen0size:-0x4000000}"

  local db="bench_store_$$"
  export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
  psql -d postgres -qAtc "drop database if exists $db with (force)" >/dev/null
  psql -d postgres -qAtc "create database $db" >/dev/null
  BENCH_TMP="$(mktemp -d)"
  trap "psql -d postgres -qAtc 'drop database if exists $db with (force)' >/dev/null 2>&1 || true; rm -rf '$BENCH_TMP'" EXIT
  local cs; cs="$(bench_connection_string "$db")"

  local fsync sync_commit
  fsync="$(psql -d "$db" -qAtc "show fsync")"
  sync_commit="$(psql -d "$db" -qAtc "show synchronous_commit")"
  log "$(psql -d "$db" -qAtc "select version()")"
  log "fsync = $fsync, synchronous_commit = $sync_commit, $(nproc) CPUs, ${BENCH_WRITERS} writers, ${BENCH_WARMUP} s warm-up + ${BENCH_DURATION} s per run"
  if [[ "$fsync" != on || "$sync_commit" != on ]]; then
    log "fsync and synchronous_commit must be on for these figures to mean anything"; exit 1
  fi

  # pgbench's equivalent of one append: one row with a uuid, a text stream id, the same JSON
  # payload as the store's event, a bigint identity; one INSERT per transaction.
  local payload; payload="$(dotnet "$bench_dll" "$cs" payload)"
  psql -d "$db" -qAtc "create table pgbench_events (id bigint generated always as identity primary key, event_id uuid not null, stream_id text not null, data jsonb not null)"
  cat >"$BENCH_TMP/insert.sql" <<SQL
\set n random(1, 1000000000)
insert into pgbench_events (event_id, stream_id, data) values (gen_random_uuid(), 'order-' || :n, '${payload//\'/\'\'}');
SQL
  log "payload: ${#payload} bytes"

  local opts=(--duration "$BENCH_DURATION" --warmup "$BENCH_WARMUP" --writers "$BENCH_WRITERS" --min-events "$BENCH_MIN_EVENTS")
  local results="$BENCH_TMP/results.jsonl"

  store_phase() { # phase name [environment assignments]
    psql -d "$db" -qAtc "checkpoint" >/dev/null
    local cpu; cpu="$(cpu_sample)"
    env "${@:3}" dotnet "$bench_dll" "$cs" "$1" "${opts[@]}" | tail -n 1 >>"$results"
    echo "{\"host_cpu_busy_pct_$2\": $(cpu_busy_since "$cpu")}" >>"$results"
  }
  pgbench_phase() { # clients threads
    psql -d "$db" -qAtc "checkpoint" >/dev/null
    pgbench -n -f "$BENCH_TMP/insert.sql" -c "$1" -j "$2" -T "$BENCH_WARMUP" "$db" >/dev/null 2>&1
    local cpu out tps pg_before pg_after; cpu="$(cpu_sample)"
    pgbench -n -f "$BENCH_TMP/insert.sql" -c "$1" -j "$2" -T "$BENCH_DURATION" "$db" >"$BENCH_TMP/pgbench.out" 2>&1 &
    # PostgreSQL's CPU over the run but its last second (pgbench's backends take theirs away when they exit).
    sleep 0.5; pg_before="$(postgres_cpu_ticks)"; sleep "$(awk -v d="$BENCH_DURATION" 'BEGIN { print d - 1.5 }')"; pg_after="$(postgres_cpu_ticks)"
    wait $!
    out="$(cat "$BENCH_TMP/pgbench.out")"
    local busy; busy="$(cpu_busy_since "$cpu")"
    tps="$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out" | head -n 1)"
    local pg_us; pg_us="$(awk -v t="$((pg_after - pg_before))" -v d="$BENCH_DURATION" -v tps="$tps" 'BEGIN { printf "%.1f", (tps > 0 ? 1e6 * t / 100 / (d - 1) / tps : 0) }')"
    log "pgbench c$1: $tps tps, $(sed -nE 's/^latency average = (.*)/\1/p' <<<"$out") average latency, host CPU ${busy}% busy, postgres ${pg_us} us CPU per transaction"
    echo "{\"pgbench_tps_c$1\": $tps, \"host_cpu_busy_pct_pgbench_c$1\": $busy, \"pgbench_c$1_postgres_cpu_us\": $pg_us}" >>"$results"
  }

  # Each store run is followed by its pgbench counterpart, so that both see the same machine state.
  store_phase append-new append_new
  pgbench_phase 8 2
  store_phase append-one append_one
  pgbench_phase 1 1
  store_phase read-feed read_feed DOTNET_GCgen0size="$read_gen0"

  jq -cs --arg fsync "$fsync" --arg sc "$sync_commit" --argjson writers "$BENCH_WRITERS" --argjson duration "$BENCH_DURATION" '
    add
    | .ratio_new_streams = ((.append_new_streams_eps / .pgbench_tps_c8) * 1000 | round / 1000)
    | .ratio_one_stream = ((.append_one_stream_eps / .pgbench_tps_c1) * 1000 | round / 1000)
    | . + {fsync: $fsync, synchronous_commit: $sc, writers: $writers, duration_s: $duration}' "$results"
}

# ./ops/bench.sh projections: lag of the catalog read model (append → visible in availability) under
# a booking load at half the store's maximum, and the catalog shard's rebuild speed, over a generated
# history. Settings: BENCH_PROJ_EVENTS (history size, default 1000000), BENCH_PROJ_WARMUP (s, 5),
# BENCH_PROJ_DURATION (s, 25), BENCH_PROJ_PAGE_SIZE (daemon page, 500 as the API), BENCH_PROJ_POLL_MS
# (lag watcher period, 1), BENCH_STORE_EPS (the store's max in events/s of booking appends, 4 events
# each; measured in the run when unset), BENCH_LOAD_FRACTION (0.5).
bench_projections() {
  pg_ensure
  bench_libpq_env
  log "Building ops/Services.ProjectionBench (Release)"
  dotnet build ops/Services.ProjectionBench/Services.ProjectionBench.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
  export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x4000000}" # see bench_store
  local db="bench_projections_$$"
  export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
  psql -d postgres -qAtc "drop database if exists $db with (force)" >/dev/null
  psql -d postgres -qAtc "create database $db" >/dev/null
  trap "psql -d postgres -qAtc 'drop database if exists $db with (force)' >/dev/null 2>&1 || true" EXIT
  local fsync sync_commit
  fsync="$(psql -d "$db" -qAtc "show fsync")"
  sync_commit="$(psql -d "$db" -qAtc "show synchronous_commit")"
  log "$(psql -d "$db" -qAtc "select version()")"
  log "fsync = $fsync, synchronous_commit = $sync_commit, shared_buffers = $(psql -d "$db" -qAtc "show shared_buffers"), $(nproc) CPUs"
  if [[ "$fsync" != on || "$sync_commit" != on ]]; then
    log "fsync and synchronous_commit must be on for these figures to mean anything"; exit 1
  fi
  local opts=(--events "${BENCH_PROJ_EVENTS:-1000000}" --warmup "${BENCH_PROJ_WARMUP:-5}" --duration "${BENCH_PROJ_DURATION:-25}"
    --page-size "${BENCH_PROJ_PAGE_SIZE:-500}" --poll-ms "${BENCH_PROJ_POLL_MS:-1}" --load-fraction "${BENCH_LOAD_FRACTION:-0.5}")
  if [[ -n "${BENCH_STORE_EPS:-}" ]]; then opts+=(--max-bookings "$(awk -v e="$BENCH_STORE_EPS" 'BEGIN { print e / 4 }')"); fi
  dotnet ops/Services.ProjectionBench/bin/Release/net10.0/Services.ProjectionBench.dll "$(bench_connection_string "$db")" "${opts[@]}"
}

case "${1:-}" in
  store) shift; bench_store "$@" ;;
  projections) shift; bench_projections "$@" ;;
  *) echo "usage: $0 store|projections" >&2; exit 2 ;;
esac
