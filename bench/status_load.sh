#!/usr/bin/env bash
# Measures GET /api/v1/analysis/job/{jobId} under load: requests/s and p99 latency at 64
# connections for a processing job, a completed job with 1000 inline rows per table, and a
# completed job answered 304. Release build with the default configuration (log level info), wrk
# on loopback, each run repeated; medians printed.
# A last row measures bare axum answering the same 304 (bench/bare_status.rs): the ceiling of
# the machine at that moment, since the load tool shares its cores.
#
# Usage: bench/status_load.sh [runs=3] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
SECS=${2:-10}
command -v wrk >/dev/null || apt-get install -y -qq wrk
cargo build --release --quiet --bin rankmap --example bare_status
BIN=target/release/rankmap
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

start_server() { # $1 = port, rest = stub analyzer arguments (JSON array items)
  local port=$1; shift
  RANKMAP__SERVER__BIND=127.0.0.1:$port \
  RANKMAP__STORAGE__UPLOADS_DIR=$WORK/uploads-$port RANKMAP__STORAGE__RESULTS_DIR=$WORK/results-$port \
  RANKMAP__RUNNER__COMMAND="[\"python3\",\"$PWD/tests/fixtures/stub/analyzer.py\"$*]" \
  $BIN >"$WORK/server-$port.log" 2>&1 &
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.1; done
  echo "server on $port did not start" >&2; exit 1
}

submit() { # $1 = port → job id
  printf 'query,clicks\nduo,1\n' > "$WORK/q.csv"
  curl -s -F file=@"$WORK/q.csv" "http://127.0.0.1:$1/api/v1/analysis/analyze-file" | sed 's/.*"jobId":"\([^"]*\)".*/\1/'
}

measure() { # $1 = label, $2 = url, $3 = optional If-None-Match value
  local rps=() p99=()
  for _ in $(seq "$RUNS"); do
    local out
    if [ -n "${3:-}" ]; then
      out=$(wrk -t2 -c64 -d"${SECS}s" --latency -H "If-None-Match: $3" "$2")
    else
      out=$(wrk -t2 -c64 -d"${SECS}s" --latency "$2")
    fi
    rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
    p99+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  done
  python3 - "$1" "${rps[*]}" "${p99[*]}" <<'PY'
import statistics, sys
label, rps, p99 = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit) and (unit != "s" or not v.endswith(("us", "ms"))):
            return float(v[: -len(unit)]) * f
    return float(v)
print(f"| {label} | {statistics.median(float(r) for r in rps):,.0f} | {statistics.median(ms(p) for p in p99):.2f} | {', '.join(rps)} |")
PY
}

start_server 3911 ',"--mode","hang"'
start_server 3912 ',"--rows","1000"'
PROCESSING=$(submit 3911)
COMPLETED=$(submit 3912)
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:3912/api/v1/analysis/job/$COMPLETED" | grep -q '"status":"completed"' && break; sleep 0.1
done
ETAG=$(curl -s -D - -o /dev/null "http://127.0.0.1:3912/api/v1/analysis/job/$COMPLETED" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
BYTES=$(curl -s "http://127.0.0.1:3912/api/v1/analysis/job/$COMPLETED" | wc -c)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); runs: $RUNS × ${SECS}s; completed body: $BYTES bytes"
echo "| case | requests/s (median) | p99 ms (median) | runs (req/s) |"
echo "|---|---|---|---|"
measure "processing job" "http://127.0.0.1:3911/api/v1/analysis/job/$PROCESSING"
measure "completed, 1000 inline rows" "http://127.0.0.1:3912/api/v1/analysis/job/$COMPLETED"
measure "completed, 304" "http://127.0.0.1:3912/api/v1/analysis/job/$COMPLETED" "$ETAG"
target/release/examples/bare_status 127.0.0.1:3913 >/dev/null &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:3913/" && break; sleep 0.1; done
measure "bare axum, 304 (ceiling)" "http://127.0.0.1:3913/api/v1/analysis/job/$COMPLETED" '"bare"'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
