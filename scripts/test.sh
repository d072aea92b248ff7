#!/usr/bin/env bash
# Runs every test suite of rankmap, installing what the suites need when it is missing.
# Usage: scripts/test.sh   (from anywhere; CI runs it through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  # Debian packages, installed only when missing (CI machines start fresh).
  if need apt-get; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq "$@"; else sudo apt-get update -qq && sudo apt-get install -y -qq "$@"; fi
  else
    echo "error: $* missing and apt-get unavailable" >&2; exit 1
  fi
}

need cargo || { echo "error: cargo (Rust toolchain) is required" >&2; exit 1; }
need python3 || apt_install python3
need node || apt_install nodejs
need npm || apt_install npm

echo "== rustfmt"
cargo fmt --all -- --check

echo "== cargo test (unit and HTTP integration tests)"
cargo test --locked

echo "== schemathesis (the OpenAPI document against the running server)"
need curl || apt_install curl
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/schemathesis/requirements.txt
tests/schemathesis/run.sh

echo "== analyzer tests (python3 -m unittest)"
python3 -m unittest discover -s analysis -t analysis

echo "== end-to-end tests (tests/e2e: socket.io-client and EventSource against target/debug/rankmap)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: the end-to-end tests need Node >= 20 (eventsource 4), found $(node --version)" >&2; exit 1
fi
# The binary `cargo test` just built (it builds the bin target for the integration tests).
RANKMAP_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/rankmap"
[ -x "$RANKMAP_BIN" ] || { echo "error: $RANKMAP_BIN was not built by cargo test" >&2; exit 1; }
export RANKMAP_BIN
(
  cd tests/e2e
  [ -d node_modules ] || npm ci --no-audit --no-fund
  # One test file at a time: each starts its own server and some load it on purpose.
  node --test --test-concurrency=1
)
