#!/usr/bin/env bash
# Property-based API tests: schemathesis against the real server and its own OpenAPI document.
#
# Starts target/debug/rankmap (built by `cargo test`/`cargo build`) on a free loopback port with a
# throw-away config whose analyzer is the stub script, validates its OpenAPI document with
# openapi-spec-validator, seeds jobs in every state, then runs every
# documented operation with an explicit list of checks, a fixed seed and bounded examples. A
# second server with auth on is run with a (non-admin) API key, so the 401/403 answers are
# checked against the document too. Any failure fails the script.
#
# Usage: tests/schemathesis/run.sh            (needs .venv with tests/schemathesis/requirements.txt)
# Env:   SCHEMATHESIS=<path>      the schemathesis executable (default .venv/bin/schemathesis)
#        ST_MAX_EXAMPLES=<n>      test cases per operation and phase (default 20)
#        ST_SEED=<n>              random seed (default 20261204)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

st="${SCHEMATHESIS:-$root/.venv/bin/schemathesis}"
bin="${CARGO_TARGET_DIR:-$root/target}/debug/rankmap"
[ -x "$st" ] || { echo "error: $st missing (pip install -r tests/schemathesis/requirements.txt)" >&2; exit 1; }
[ -x "$bin" ] || cargo build --locked
[ -x "$bin" ] || { echo "error: $bin missing" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start <name> <extra config>: a server with its own directories; sets $base.
start() {
  local name="$1" extra="$2" addr=""
  mkdir -p "$work/$name"
  cat > "$work/$name/rankmap.toml" <<TOML
[server]
bind = "127.0.0.1:0"
shutdown_grace_secs = 1
[storage]
uploads_dir = "$work/$name/uploads"
results_dir = "$work/$name/results"
min_free_bytes = 0
[runner]
# The stub analyzer sleeps for the number of seconds on the upload's first line, then succeeds.
command = ["python3", "$root/tests/fixtures/stub/analyzer.py", "--mode", "input-sleep", "--rows", "4"]
timeout_secs = 300
kill_grace_secs = 1
concurrency = 1
[log]
level = "warn,rankmap=info"
$extra
TOML
  "$bin" serve --config "$work/$name/rankmap.toml" 2>"$work/$name/server.log" &
  pids+=("$!")
  for _ in $(seq 1 100); do
    addr="$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/$name/server.log" | head -n1)"
    [ -n "$addr" ] && break
    kill -0 "$!" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "error: the $name server did not start" >&2
    cat "$work/$name/server.log" >&2
    exit 1
  fi
  base="http://$addr"
}

# st_run <name> <schemathesis args…>: one run against $base, its output kept in <name>.log.
st_run() {
  local name="$1"
  shift
  echo "== schemathesis ($name) against $base"
  # From the temp dir: schemathesis keeps a cache in its working directory.
  (cd "$work" && "$st" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "${ST_MAX_EXAMPLES:-20}" \
    --seed "${ST_SEED:-20261204}" \
    --request-timeout 10 \
    --max-redirects 0 \
    --workers 1 \
    --no-color \
    --generation-database none \
    "$@") | tee "$work/$name.log"
}

# answers <metrics args…>: requests per route template and status, from the server's metrics.
answers() {
  curl -sS "$@" "$base/metrics" \
    | sed -n 's/^rankmap_http_requests_total{route="\([^"]*\)",status="\([0-9]*\)"} \([0-9]*\)$/  \1 \2 \3/p' | sort
}

start open ""
api="$base/api/v1/analysis"

# The document itself must be a valid OpenAPI 3.1 document.
curl -sS -o "$work/openapi.json" "$base/api/v1/openapi.json"
"$(dirname "$st")/openapi-spec-validator" "$work/openapi.json"
# Jobs in every state, so that the job routes answer with real bodies and not only 4xx:
# completed (with a report), running, queued, and failed (cancelled).
upload() { # <seconds> -> job id
  printf '%s\nquery,page,clicks\nrank map,https://example.com/,3\n' "$1" > "$work/q.csv"
  curl -sS -F "file=@$work/q.csv" "$api/analyze-file" | sed -n 's/.*"jobId":"\([^"]*\)".*/\1/p'
}
completed="$(upload 0)"
for _ in $(seq 1 100); do
  curl -sS "$api/job/$completed" | grep -q '"status":"completed"' && break
  sleep 0.1
done
curl -sS "$api/job/$completed" | grep -q '"status":"completed"' \
  || { echo "error: the seed job did not complete" >&2; cat "$work/open/server.log" >&2; exit 1; }
running="$(upload 600)"
queued="$(upload 600)"
cancelled="$(upload 600)"
curl -sS -o /dev/null -X DELETE "$api/job/$cancelled"
[ -n "$running" ] && [ -n "$queued" ] && [ -n "$cancelled" ] \
  || { echo "error: a seed upload failed" >&2; exit 1; }

# Path parameters come from these real values most of the time, generated ones otherwise. DELETE
# gets only the queued and cancelled jobs, and the cleanup keeps a day, so the completed job stays
# for the operations tested after them.
cat > "$work/schemathesis.toml" <<TOML
# A running job's event stream stays open: stop after its first event (the current state)
# instead of waiting for the request timeout.
max-stream-events = 1

[dictionaries.jobs]
values = ["$completed", "$running", "$queued", "$cancelled"]
[dictionaries.victims]
values = ["$queued", "$cancelled"]
[dictionaries.reports]
values = ["rankmap_$completed.xlsx"]
[dictionaries.ages]
values = [86400]

[parameters]
"path.jobId" = { dictionary = "jobs", probability = 0.7 }
"path.filename" = { dictionary = "reports", probability = 0.7 }

[[operations]]
include-method = "DELETE"
parameters = { "path.jobId" = { dictionary = "victims", probability = 0.7 } }

[[operations]]
include-path = "/api/v1/analysis/cleanup"
parameters = { "body.maxAgeSecs" = { dictionary = "ages", probability = 1.0 } }
TOML

# Two runs against the same server: every operation but the cleanup, then the cleanup (its
# generated ages would otherwise remove the seeded jobs before the job routes are tested).
status=0
st_run open --exclude-path /api/v1/analysis/cleanup || status=$?
st_run open-cleanup --include-path /api/v1/analysis/cleanup || status=$?
echo "== answers by route and status (open)"
answers

# Auth on, with an API key that is not an admin key: admin routes and /metrics answer 403.
start auth '[auth]
api_keys = ["st-api-key"]
admin_keys = ["st-admin-key"]
metrics_public = false'
st_run auth -H "Authorization: Bearer st-api-key" || status=$?
# And without a key: every /api/v1/analysis route answers 401.
st_run auth-nokey --max-examples 5 || status=$?
echo "== answers by route and status (auth)"
answers -H "Authorization: Bearer st-admin-key"

cases=0
for n in $(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$work"/*.log); do
  cases=$((cases + n))
done
echo "== schemathesis: $cases test cases generated in all"
if [ "$status" -ne 0 ]; then
  for log in "$work"/*/server.log; do
    echo "== $log (last 30 lines)" >&2
    tail -n 30 "$log" >&2
  done
fi
exit "$status"
