#!/usr/bin/env bash
# Starts PostgreSQL if needed and the API on http://127.0.0.1:5080 (override with SERVICES_URL),
# with the demo territory loaded once. Ctrl-C stops the API; './ops/pg.sh stop' stops PostgreSQL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source ops/pg.sh
pg_ensure

url="${SERVICES_URL:-http://127.0.0.1:5080}"
state_dir="${SERVICES_STATE_DIR:-.pg}"
mkdir -p "$state_dir"
if [[ -z "${Auth__OperatorKey:-}" ]]; then
  # A local operator key, made once and kept with the local cluster.
  [[ -s "$state_dir/operator-key" ]] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/svc_operator_/' > "$state_dir/operator-key")
  export Auth__OperatorKey="$(cat "$state_dir/operator-key")"
fi
if [[ -z "${Secrets__MasterKey:-}" ]]; then
  # The key that wraps contact details' data keys and webhook secrets, made once and kept with the
  # local cluster: without it, what they protect can never be read again.
  [[ -s "$state_dir/master-key" ]] || (umask 077 && head -c 32 /dev/urandom | base64 > "$state_dir/master-key")
  export Secrets__MasterKey="$(cat "$state_dir/master-key")"
fi
export Demo__Enabled="${Demo__Enabled:-true}"
# In this development run a local receiver (http://127.0.0.1:...) may take webhooks; elsewhere only HTTPS.
export Webhooks__AllowHttpLoopback="${Webhooks__AllowHttpLoopback:-true}"
export Demo__KeysFile="${Demo__KeysFile:-$(CDPATH= cd -- "$state_dir" >/dev/null && pwd)/demo-keys.json}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"

dotnet build src/Services.Api -c Release -nologo -clp:ErrorsOnly
# The content root holds appsettings.json (log levels): next to the dll, not this directory.
exec dotnet src/Services.Api/bin/Release/net10.0/Services.Api.dll --contentRoot "$PWD/src/Services.Api/bin/Release/net10.0" --urls "$url"
