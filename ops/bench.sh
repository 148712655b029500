#!/usr/bin/env bash
# Benchmarks against the private PostgreSQL cluster (or the server ConnectionStrings__Postgres names).
#
#   ./ops/bench.sh store    event store appends and feed reads against pgbench on the same machine
#   ./ops/bench.sh projections    catalog read-model lag under booking load, and its rebuild speed
#   ./ops/bench.sh http     the API over HTTP: bookings at 8 and 32 clients, a hot-slot storm, availability
#                           reads, on a 1M-event history, against pgbench (see ops/PERFORMANCE.md)
#
# Each benchmark runs on a fresh database that is dropped at the end. The last output line is one
# JSON object with the figures. Settings (environment): BENCH_WARMUP (s, default 2); for store,
# BENCH_WRITERS (default 8), BENCH_MIN_EVENTS (events to read, default 200000), BENCH_ROUNDS (10)
# slices of BENCH_SLICE s (3, whole seconds, at least 2) of appends, each followed by pgbench's;
# for http, BENCH_DURATION (s, default 10) per measured phase (more settings at each bench below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/pg.sh

BENCH_DURATION="${BENCH_DURATION:-10}"
BENCH_WARMUP="${BENCH_WARMUP:-2}"
BENCH_ROUNDS="${BENCH_ROUNDS:-10}"
BENCH_SLICE="${BENCH_SLICE:-3}"
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

# The postmaster of the server psql reaches (the checkpointer's parent), when it runs on this machine.
postmaster_pid() {
  local checkpointer line rest
  checkpointer="$(psql -d postgres -qAtc "select pid from pg_stat_activity where backend_type = 'checkpointer'")"
  { read -r line <"/proc/$checkpointer/stat"; } 2>/dev/null || { echo 0; return; }
  rest=(${line##*) })
  echo "${rest[1]}"
}

# CPU time (in 1/100 s) of each of this cluster's PostgreSQL processes, "pid ticks" per line, from
# /proc (nothing when the server is elsewhere). Other clusters on the machine (other checkouts'
# tests) do not count.
postgres_cpu_snapshot() {
  local line rest postmaster="${BENCH_POSTMASTER:=$(postmaster_pid)}"
  for stat in /proc/[0-9]*/stat; do
    { read -r line <"$stat"; } 2>/dev/null || continue
    [[ "$line" == *"(postgres) "* ]] || continue
    rest=(${line##*) })
    [[ "${rest[1]}" == "$postmaster" || "${line%% *}" == "$postmaster" ]] || continue
    echo "${line%% *} $((rest[11] + rest[12]))"
  done
}

# Ticks used between two snapshots by the processes alive at the second one (a backend that ended
# in between, e.g. one of a warm-up's, neither counts nor takes its earlier time away).
postgres_cpu_used() { # before after
  awk 'NR == FNR { before[$1] = $2; next } { used += $2 - ($1 in before ? before[$1] : 0) } END { print used + 0 }' <(echo "$1") <(echo "$2")
}

# Cleanup actions run at exit, last registered first (also when a step fails).
BENCH_CLEANUP=()
bench_cleanup() {
  local i
  for ((i = ${#BENCH_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${BENCH_CLEANUP[i]}" || true; done
}
trap bench_cleanup EXIT
on_exit() { BENCH_CLEANUP+=("$1"); }

# A fresh database, dropped at exit; refuses to measure unless fsync and synchronous_commit are on.
# Sets BENCH_CS (its connection string), BENCH_FSYNC, BENCH_SYNC_COMMIT, and BENCH_TMP (a scratch
# folder removed at exit).
bench_create_database() {
  local db="$1"
  export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
  psql -d postgres -qAtc "drop database if exists $db with (force)" >/dev/null
  psql -d postgres -qAtc "create database $db" >/dev/null
  on_exit "psql -d postgres -qAtc 'drop database if exists $db with (force)' >/dev/null 2>&1"
  BENCH_FSYNC="$(psql -d "$db" -qAtc "show fsync")"
  BENCH_SYNC_COMMIT="$(psql -d "$db" -qAtc "show synchronous_commit")"
  log "$(psql -d "$db" -qAtc "select version()")"
  log "fsync = $BENCH_FSYNC, synchronous_commit = $BENCH_SYNC_COMMIT, shared_buffers = $(psql -d "$db" -qAtc "show shared_buffers"), $(nproc) CPUs"
  if [[ "$BENCH_FSYNC" != on || "$BENCH_SYNC_COMMIT" != on ]]; then
    log "fsync and synchronous_commit must be on for these figures to mean anything"; exit 1
  fi
  BENCH_CS="$(bench_connection_string "$db")"
  BENCH_TMP="$(mktemp -d)"
  on_exit "rm -rf '$BENCH_TMP'"
}

# pgbench's equivalent of one append: one row with a uuid, a text stream id, the given JSON payload,
# a bigint identity; one INSERT per transaction. Writes the script to $BENCH_TMP/insert.sql.
pgbench_prepare() { # db payload
  local payload="$2"
  psql -d "$1" -qAtc "create table pgbench_events (id bigint generated always as identity primary key, event_id uuid not null, stream_id text not null, data jsonb not null)"
  cat >"$BENCH_TMP/insert.sql" <<SQL
\set n random(1, 1000000000)
insert into pgbench_events (event_id, stream_id, data) values (gen_random_uuid(), 'order-' || :n, '${payload//\'/\'\'}');
SQL
  log "payload: ${#payload} bytes"
}

# pgbench with that insert after a warm-up; appends its figures as one JSON object to the results file.
pgbench_phase() { # db results clients threads
  local db="$1" results="$2"
  # From an empty table (the HTTP bench's rounds insert into it first) and a checkpoint.
  psql -d "$db" -qAt -c "truncate pgbench_events" -c "checkpoint" >/dev/null
  pgbench -n -f "$BENCH_TMP/insert.sql" -c "$3" -j "$4" -T "$BENCH_WARMUP" "$db" >/dev/null 2>&1
  local cpu out tps pg_ticks; cpu="$(cpu_sample)"
  # PostgreSQL's CPU over the middle of the run, sampled beside it while pgbench's backends are alive
  # (they take their time away when they exit).
  (
    sleep 1; date +%s.%N >"$BENCH_TMP/pg.t0"; postgres_cpu_snapshot >"$BENCH_TMP/pg.before"
    sleep "$(awk -v d="$BENCH_DURATION" 'BEGIN { print d * 0.5 }')"; date +%s.%N >"$BENCH_TMP/pg.t1"; postgres_cpu_snapshot >"$BENCH_TMP/pg.after"
  ) &
  local sampler=$!
  # Every transaction's latency (-l) gives the disk's flush tail that a booking's p99 stands on.
  pgbench -n -f "$BENCH_TMP/insert.sql" -c "$3" -j "$4" -T "$BENCH_DURATION" -l --log-prefix="$BENCH_TMP/pgbench_c$3" "$db" >"$BENCH_TMP/pgbench.out" 2>&1
  wait "$sampler"
  local p50 p99; read -r p50 p99 < <(cat "$BENCH_TMP/pgbench_c$3".* | awk '{ print $3 }' | sort -n \
    | awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000 }')
  rm -f "$BENCH_TMP/pgbench_c$3".*
  out="$(cat "$BENCH_TMP/pgbench.out")"
  local busy; busy="$(cpu_busy_since "$cpu")"
  tps="$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out" | head -n 1)"
  pg_ticks="$(postgres_cpu_used "$(cat "$BENCH_TMP/pg.before")" "$(cat "$BENCH_TMP/pg.after")")"
  local pg_us; pg_us="$(awk -v t="$pg_ticks" -v s="$(awk -v a="$(cat "$BENCH_TMP/pg.t0")" -v b="$(cat "$BENCH_TMP/pg.t1")" 'BEGIN { print b - a }')" -v tps="$tps" 'BEGIN { printf "%.1f", (tps > 0 ? 1e6 * t / 100 / s / tps : 0) }')"
  log "pgbench c$3: $tps tps, $(sed -nE 's/^latency average = (.*)/\1/p' <<<"$out") average latency (p50 $p50 ms, p99 $p99 ms), host CPU ${busy}% busy, postgres ${pg_us} us CPU per transaction"
  echo "{\"pgbench_tps_c$3\": $tps, \"pgbench_p50_ms_c$3\": $p50, \"pgbench_p99_ms_c$3\": $p99, \"host_cpu_busy_pct_pgbench_c$3\": $busy, \"pgbench_c$3_postgres_cpu_us\": $pg_us}" >>"$results"
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

  local db="bench_store_$$" cs
  bench_create_database "$db"
  cs="$BENCH_CS"
  log "${BENCH_WRITERS} writers, ${BENCH_WARMUP} s warm-up, then ${BENCH_ROUNDS} rounds of ${BENCH_SLICE} s of appends and ${BENCH_SLICE} s of pgbench"
  pgbench_prepare "$db" "$(dotnet "$bench_dll" "$cs" payload)"

  # Each append phase takes turns with its pgbench counterpart (as many clients), slice after slice
  # (see ops/Services.Bench): both see the same minutes of this machine.
  local opts=(--duration "$BENCH_SLICE" --warmup "$BENCH_WARMUP" --writers "$BENCH_WRITERS" --min-events "$BENCH_MIN_EVENTS"
    --rounds "$BENCH_ROUNDS" --pgbench "$BENCH_TMP/insert.sql")
  local results="$BENCH_TMP/results.jsonl"
  store_phase() { # phase [environment assignments]
    psql -d "$db" -qAtc "checkpoint" >/dev/null
    env "${@:2}" dotnet "$bench_dll" "$cs" "$1" "${opts[@]}" | tail -n 1 >>"$results"
  }
  store_phase append-new
  store_phase append-one
  store_phase read-feed DOTNET_GCgen0size="$read_gen0"

  jq -cs --arg fsync "$BENCH_FSYNC" --arg sc "$BENCH_SYNC_COMMIT" --argjson writers "$BENCH_WRITERS" --argjson rounds "$BENCH_ROUNDS" --argjson slice "$BENCH_SLICE" '
    add | . + {fsync: $fsync, synchronous_commit: $sc, writers: $writers, rounds: $rounds, slice_s: $slice}' "$results"
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
  bench_create_database "bench_projections_$$"
  local opts=(--events "${BENCH_PROJ_EVENTS:-1000000}" --warmup "${BENCH_PROJ_WARMUP:-5}" --duration "${BENCH_PROJ_DURATION:-25}"
    --page-size "${BENCH_PROJ_PAGE_SIZE:-500}" --poll-ms "${BENCH_PROJ_POLL_MS:-1}" --load-fraction "${BENCH_LOAD_FRACTION:-0.5}")
  if [[ -n "${BENCH_STORE_EPS:-}" ]]; then opts+=(--max-bookings "$(awk -v e="$BENCH_STORE_EPS" 'BEGIN { print e / 4 }')"); fi
  dotnet ops/Services.ProjectionBench/bin/Release/net10.0/Services.ProjectionBench.dll "$BENCH_CS" "${opts[@]}"
}

# ./ops/bench.sh http: the API as a real process (Release, loopback) on a fresh database with a
# generated history, driven over HTTP by ops/Services.HttpBench (see its Program.cs for the phases),
# then pgbench's one-row insert at 8 clients on the same database. Settings: BENCH_HTTP_EVENTS
# (history size, default 1000000), BENCH_HTTP_WARMUP (s, 5: the API's tiered JIT is still busy
# after 2 s) and BENCH_DURATION (s, 10) for each measured phase (BENCH_WARMUP for pgbench), BENCH_API_URL (default http://127.0.0.1:5180), BENCH_HOT_REQUESTS (1000),
# BENCH_CATCHUP_TIMEOUT (s, 900: projections catching up with the history), BENCH_HTTP_ROUNDS (5) and
# BENCH_HTTP_SLICE (s, 3): rounds of bookings at 8 clients each followed by pgbench's insert, whose
# median ratio is ratio_book_rounds (ratio_book stays the one 10 s window against the final pgbench).
bench_http() {
  pg_ensure
  bench_libpq_env
  log "Building the API and ops/Services.HttpBench (Release)"
  dotnet build src/Services.Api/Services.Api.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build ops/Services.HttpBench/Services.HttpBench.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
  local bench_dll="ops/Services.HttpBench/bin/Release/net10.0/Services.HttpBench.dll"
  local db="bench_http_$$" cs
  bench_create_database "$db"
  cs="$BENCH_CS"
  local url="${BENCH_API_URL:-http://127.0.0.1:5180}"
  local key; key="svc_operator_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local api_log="ops/.bench/http-api.log"
  mkdir -p ops/.bench

  # As ops/run.sh starts it, with the bench's database, a fresh operator key and per-key rate limits
  # out of the way (the defaults would answer 429 long before the database is the limit).
  # BENCH_API_ENV: extra NAME=value settings for the API process alone (a runtime switch to try).
  local api_env; read -ra api_env <<<"${BENCH_API_ENV:-}"
  ConnectionStrings__Postgres="$cs" Auth__OperatorKey="$key" ASPNETCORE_ENVIRONMENT=Production Demo__Enabled=false \
    Secrets__MasterKey="$(head -c 32 /dev/urandom | base64)" \
    RateLimits__Burst=100000000 RateLimits__PerSecond=100000000 \
    env "${api_env[@]}" dotnet src/Services.Api/bin/Release/net10.0/Services.Api.dll --contentRoot "$PWD/src/Services.Api/bin/Release/net10.0" --urls "$url" >"$api_log" 2>&1 &
  local api_pid=$!
  on_exit "kill $api_pid 2>/dev/null; wait $api_pid 2>/dev/null"
  log "API: pid $api_pid on $url (log: $api_log)"

  local results="$BENCH_TMP/results.jsonl"
  pgbench_prepare "$db" "$(dotnet "$bench_dll" payload)"
  if ! BENCH_OPERATOR_KEY="$key" dotnet "$bench_dll" "$cs" --api "$url" --api-pid "$api_pid" \
      --events "${BENCH_HTTP_EVENTS:-1000000}" --warmup "${BENCH_HTTP_WARMUP:-5}" --duration "$BENCH_DURATION" \
      --hot-requests "${BENCH_HOT_REQUESTS:-1000}" --catchup-timeout "${BENCH_CATCHUP_TIMEOUT:-900}" \
      --pgbench "$BENCH_TMP/insert.sql" --rounds "${BENCH_HTTP_ROUNDS:-5}" --slice "${BENCH_HTTP_SLICE:-3}" >"$BENCH_TMP/http.out"; then
    log "Services.HttpBench failed; the API's log ends with:"; tail -n 30 "$api_log" >&2; exit 1
  fi
  tail -n 1 "$BENCH_TMP/http.out" >>"$results"
  local hwm_kb; hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$api_pid/status")"
  log "API peak resident memory (VmHWM): $((hwm_kb / 1024)) MB"
  grep -E '^(fail|crit)' "$api_log" | head -n 5 >&2 || true

  pgbench_phase "$db" "$results" 8 2

  jq -cs --arg fsync "$BENCH_FSYNC" --arg sc "$BENCH_SYNC_COMMIT" --argjson hwm "$hwm_kb" '
    add
    | .api_rss_mb = ($hwm / 1024 | round)
    | .ratio_book = ((.book_rps_c8 / .pgbench_tps_c8) * 1000 | round / 1000)
    | . + {fsync: $fsync, synchronous_commit: $sc}' "$results"
}

case "${1:-}" in
  store) shift; bench_store "$@" ;;
  projections) shift; bench_projections "$@" ;;
  http) shift; bench_http "$@" ;;
  *) echo "usage: $0 store|projections|http" >&2; exit 2 ;;
esac
