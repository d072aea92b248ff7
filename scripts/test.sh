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
