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

echo "== analyzer tests (python3 -m unittest)"
python3 -m unittest discover -s analysis -t analysis
