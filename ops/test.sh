#!/usr/bin/env bash
# Runs every test against a real PostgreSQL (the private cluster, unless ConnectionStrings__Postgres
# names another server) and ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The summaries parsed below are VSTest's English ones, whatever the machine's language.
export DOTNET_CLI_UI_LANGUAGE=en

log="$(mktemp)"
one="$(mktemp)"
totals=""
# Whatever stops this script early (no PostgreSQL, no SDK), its last line is still the totals.
trap 'rm -f "$log" "$one"; [[ -n $totals ]] || echo "0 passed, 1 failed, 0 skipped"' EXIT
status=0
command -v dotnet >/dev/null 2>&1 || { echo "The .NET SDK is not installed: install the .NET 10 SDK (see global.json), then run ./ops/test.sh again." >&2; exit 1; }
source ops/pg.sh
if [[ -z "${ConnectionStrings__Postgres:-}" ]]; then
  pg_ensure
  pg_drop_stale_test_databases
else
  pg_ensure
fi

if ! dotnet build Services.sln -c Release -nologo -clp:ErrorsOnly; then
  exit 1
fi
# One test assembly at a time: the feed only moves past transactions older than the cluster's
# oldest running one, so a store test that holds a transaction open on purpose would stall the
# read models of API tests running beside it (lag, never loss; but their waits would time out).
# Each has 30 minutes: a hung one ends without a summary and counts as failed below.
summary='^(Passed|Failed|Skipped)! +- '
crashed=0
for project in tests/*.Tests/*.Tests.csproj; do
  rc=0
  timeout 30m dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$one" || rc=$?
  cat "$one" >>"$log"
  if [[ $rc -ne 0 ]]; then
    status=$rc
    # A host that crashed after its tests still prints "Failed: 0": the failed run counts as one failure.
    if grep -qE "$summary" "$one" && ! grep -qE "$summary"'Failed: *[1-9]' "$one"; then
      echo "$project: the test run failed with no failing test (its test host crashed?)" >&2
      crashed=$((crashed + 1))
    fi
  fi
done

# Each test assembly prints: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..."
read -r passed failed skipped < <(grep -E "$summary" "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
failed=$((failed + crashed))
assemblies=$(find tests -name '*.Tests.csproj' | wc -l)
reported=$(grep -cE "$summary" "$log" || true)
if [[ $reported -lt $assemblies ]]; then
  echo "Only $reported of $assemblies test assemblies reported results (a test host crashed or hung?)" >&2
  failed=$((failed + assemblies - reported))
  status=1
fi
# The contract lint (api-spec/.spectral.yml), counted as one more test: Spectral from npm, installed
# once into ops/.tools (git-ignored); skipped without Node or when the npm registry is unreachable.
spectral=ops/.tools/node_modules/.bin/spectral
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Contract lint skipped: no Node.js"
  skipped=$((skipped + 1))
elif [[ ! -x $spectral ]] && ! timeout 300 npm install --prefix ops/.tools --no-audit --no-fund --loglevel=error @stoplight/spectral-cli@6 >/dev/null 2>&1; then
  echo "Contract lint skipped: could not install @stoplight/spectral-cli from npm"
  skipped=$((skipped + 1))
elif "$spectral" lint api-spec/openapi.json --ruleset api-spec/.spectral.yml --fail-severity=error --display-only-failures; then
  echo "Contract lint passed (api-spec/openapi.json against api-spec/.spectral.yml)"
  passed=$((passed + 1))
else
  echo "Contract lint failed: see the errors above (api-spec/.spectral.yml)" >&2
  failed=$((failed + 1))
fi

# The reliability suite, quick mode (ops/reliability.sh, its own PostgreSQL cluster): each part is one
# test, read from its JSON line ("part_crash": "passed" ...); a missing line fails them all.
# Without server binaries (tests pointed at another server by ConnectionStrings__Postgres) it is skipped.
reliability=""
if ( pg_find_bin ) >/dev/null 2>&1; then
  echo "Reliability suite (quick): ./ops/reliability.sh --quick"
  reliability="$(./ops/reliability.sh --quick --no-build | tail -n 1)" || true
  echo "$reliability"
else
  echo "Reliability suite skipped: it runs its own PostgreSQL cluster, and initdb/pg_ctl are not installed"
  reliability='{"part_crash":"skipped","part_database_restart":"skipped","part_nodes":"skipped","part_hostile":"skipped"}'
fi
for part in crash database_restart nodes hostile; do
  case "$(grep -oE "\"part_$part\": *\"[a-z]+\"" <<<"$reliability" | grep -oE '[a-z]+"$' | tr -d '"')" in
    passed) passed=$((passed + 1)) ;;
    skipped) echo "Reliability part $part skipped"; skipped=$((skipped + 1)) ;;
    *) echo "Reliability part $part failed (see the progress above)" >&2; failed=$((failed + 1)) ;;
  esac
done

totals="$passed passed, $failed failed, $skipped skipped"
echo "$totals"
[[ $failed -eq 0 ]] || status=1
exit $status
