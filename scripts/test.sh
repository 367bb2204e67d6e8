#!/usr/bin/env bash
# The project's test command: formatting, lints with warnings denied, and
# every test of the workspace. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "cargo test, metrics feature (the counters count)"
cargo test -p impls --features metrics --locked --test metrics

step "criterion benches, each once"
cargo bench -p harness --bench queues --locked -- --test

step "model checking (loom, shuttle)"
bash scripts/model-check.sh
