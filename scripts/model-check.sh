#!/usr/bin/env bash
# Model checking: loom (every interleaving up to a preemption bound, weak
# memory, data races on slots) and shuttle (random and PCT schedules over
# larger configurations). Release builds: loom runs these models about ten
# times faster than in debug. Each checker builds in its own target folder
# (its cfg changes every crate's build).
#
#   LOOM_MAX_PREEMPTIONS   loom's preemption bound (default 2)
#   SHUTTLE_ITERATIONS     schedules per strategy and model (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
threads=$(nproc 2>/dev/null || echo 2)
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"

step "loom models (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
RUSTFLAGS="${RUSTFLAGS:-} --cfg ringlab_loom" \
  cargo test --release --locked -p verify --test loom --target-dir target/loom -- --test-threads "$threads"

step "shuttle schedules (SHUTTLE_ITERATIONS=${SHUTTLE_ITERATIONS:-2000})"
RUSTFLAGS="${RUSTFLAGS:-} --cfg ringlab_shuttle" \
  cargo test --release --locked -p verify --test shuttle --target-dir target/shuttle -- --test-threads "$threads"
