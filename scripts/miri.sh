#!/usr/bin/env bash
# Miri on our unsafe code (verify/tests/unsafe_code.rs: the rings, the
# disruptors and the worker pool on real threads, small counts; and
# impls/tests/ring_mpsc.rs, ring_mpsc's own API), under
# several scheduling seeds. Miri needs the nightly toolchain's `miri`
# component; this script installs it if it can and otherwise says plainly
# that it skipped.
#
#   MIRIFLAGS   default -Zmiri-many-seeds=0..4
set -uo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "miri: SKIPPED: no nightly toolchain on this machine (Miri needs one)"
  exit 0
fi
if ! rustup +nightly component list --installed 2>/dev/null | grep -q '^miri'; then
  if ! rustup component add --toolchain nightly miri rust-src; then
    echo "miri: SKIPPED: the nightly toolchain's miri component could not be installed here"
    exit 0
  fi
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-many-seeds=0..4}"
echo "== miri ($MIRIFLAGS)"
cargo +nightly miri test -p verify --test unsafe_code --target-dir target/miri || exit 1
# ring_mpsc's own API: drops (also of panicking drops), reservations and
# registration; the 8-producer test is left to real threads (too slow here).
exec cargo +nightly miri test -p impls --test ring_mpsc --target-dir target/miri \
  -- --skip eight_producers
