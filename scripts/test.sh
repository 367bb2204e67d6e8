#!/usr/bin/env bash
# The project's test command: formatting, lints with warnings denied, and
# every test of the workspace. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "foreign runtimes (Go, a JDK, the LMAX Disruptor): scripts/install-foreign.sh"
bash scripts/install-foreign.sh
# The foreign tests run the real children; with the runtimes installed, a
# runtime that is missing anyway is a failure, not a skip.
export RINGLAB_FOREIGN_REQUIRED=1

step "cargo fmt --check"
cargo fmt --all --check
# The implementations the registry! macro declares are modules cargo fmt
# does not reach (it follows `mod` items, not macro calls): check every
# file of impls/src directly.
find impls/src -name '*.rs' -print0 | xargs -0 rustfmt --edition 2024 --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "cargo test, metrics feature (the counters count)"
cargo test -p impls --features metrics --locked --test metrics

step "criterion benches, each once"
cargo bench -p harness --bench queues --locked -- --test
cargo bench -p harness --bench observer --locked -- --test

step "bring your own queue (examples/own-queue): lints, its conformance test, a quick scenario"
# A crate of its own, outside the workspace; it shares the workspace's
# target folder, reusing what the workspace steps built where it can.
own_queue=(--locked --manifest-path examples/own-queue/Cargo.toml)
cargo fmt --manifest-path examples/own-queue/Cargo.toml --all --check
CARGO_TARGET_DIR="$PWD/target" cargo clippy "${own_queue[@]}" --workspace --all-targets -- -D warnings
# The queue's own package: its test builds the queue, never the binary.
CARGO_TARGET_DIR="$PWD/target" cargo test --release "${own_queue[@]}" -p mutex-queue
own_queue_results=$(mktemp -d)
trap 'rm -rf "$own_queue_results"' EXIT
CARGO_TARGET_DIR="$PWD/target" cargo run --release "${own_queue[@]}" -- \
    scenario spsc --quick --no-progress --summary --out "$own_queue_results"
grep -q '"mutex_queue"' "$own_queue_results"/spsc-*.json

step "foreign implementations: a quick foreign scenario through the oracle"
foreign_results=$(mktemp -d)
trap 'rm -rf "$own_queue_results" "$foreign_results"' EXIT
# Through the example's binary, built just above: the same command line
# and roster (plus its queue, which the foreign scenario does not name),
# without a second release build.
CARGO_TARGET_DIR="$PWD/target" cargo run --release "${own_queue[@]}" -- \
    scenario foreign --quick --no-progress --summary --out "$foreign_results" | tee "$foreign_results/stdout"
# Exit status 0 means every run passed the oracle; they must also have run.
if grep -q '^not run here' "$foreign_results/stdout"; then
    echo "error: a foreign implementation did not run (see above)" >&2
    exit 1
fi
grep -q '"go_chan"' "$foreign_results"/foreign-*.json
grep -q '"go_chan_sched"' "$foreign_results"/foreign-*.json
grep -q '"lmax_java"' "$foreign_results"/foreign-*.json

step "the peer check refuses to run without the peer's source"
# (A full peer check needs a checkout of crossbeam's repository: README,
# "Agreement with peers".)
for args in "" "/nonexistent-peer-checkout"; do
    if peer_output=$(bash scripts/peer-check.sh $args 2>&1); then
        echo "error: scripts/peer-check.sh $args did not refuse" >&2
        exit 1
    fi
    grep -q "usage: scripts/peer-check.sh PATH-TO-CROSSBEAM-CHECKOUT" <<<"$peer_output"
done

step "model checking (loom, shuttle)"
bash scripts/model-check.sh

step "AddressSanitizer over the unsafe code (nightly): scripts/asan.sh"
bash scripts/asan.sh
