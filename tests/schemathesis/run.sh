#!/usr/bin/env bash
# Property-based API tests: schemathesis against the real server and its own OpenAPI document.
#
# Starts target/debug/rankmap (built by `cargo test`/`cargo build`) on a free loopback port with a
# throw-away config whose analyzer is the stub script, then runs every documented operation with
# an explicit list of checks, a fixed seed and bounded examples. Any failure fails the script.
#
# Usage: tests/schemathesis/run.sh            (needs .venv with tests/schemathesis/requirements.txt)
# Env:   SCHEMATHESIS=<path>      the schemathesis executable (default .venv/bin/schemathesis)
#        ST_MAX_EXAMPLES=<n>      test cases per operation and phase (default 20)
#        ST_SEED=<n>              random seed (default 20261204)
set -euo pipefail -o pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

st="${SCHEMATHESIS:-$root/.venv/bin/schemathesis}"
bin="${CARGO_TARGET_DIR:-$root/target}/debug/rankmap"
[ -x "$st" ] || { echo "error: $st missing (pip install -r tests/schemathesis/requirements.txt)" >&2; exit 1; }
[ -x "$bin" ] || cargo build --locked
[ -x "$bin" ] || { echo "error: $bin missing" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/rankmap.toml" <<TOML
[server]
bind = "127.0.0.1:0"
shutdown_grace_secs = 1
[storage]
uploads_dir = "$work/uploads"
results_dir = "$work/results"
min_free_bytes = 0
[runner]
# The stub analyzer sleeps for the number of seconds on the upload's first line, then succeeds.
command = ["python3", "$root/tests/fixtures/stub/analyzer.py", "--mode", "input-sleep", "--rows", "4"]
timeout_secs = 300
kill_grace_secs = 1
concurrency = 1
[log]
level = "warn,rankmap=info"
TOML

"$bin" serve --config "$work/rankmap.toml" 2>"$work/server.log" &
server=$!
addr=""
for _ in $(seq 1 100); do
  addr="$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/server.log" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "error: the server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
fi
base="http://$addr"
api="$base/api/v1/analysis"
echo "schemathesis against $base"

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
  || { echo "error: the seed job did not complete" >&2; cat "$work/server.log" >&2; exit 1; }
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
st_run() {
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
    "$@")
}
status=0
st_run --exclude-path /api/v1/analysis/cleanup | tee "$work/run1.log" || status=$?
st_run --include-path /api/v1/analysis/cleanup | tee "$work/run2.log" || status=$?
cases=0
for n in $(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$work/run1.log" "$work/run2.log"); do
  cases=$((cases + n))
done
echo "== schemathesis: $cases test cases generated in all"

# What the run reached: answers per route template and status, from the server's own metrics.
echo "== answers by route and status"
curl -sS "$base/metrics" | sed -n 's/^rankmap_http_requests_total{route="\([^"]*\)",status="\([0-9]*\)"} \([0-9]*\)$/  \1 \2 \3/p' | sort
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
