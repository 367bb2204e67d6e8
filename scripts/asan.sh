#!/usr/bin/env bash
# AddressSanitizer over the unsafe code, on real threads: verify's
# unsafe-code and stress tests (the rings, the disruptors and the worker
# pool, small counts) and impls' own tests (the disruptor, the worker pool,
# ring_mpsc, the fault contracts). Needs the nightly toolchain (for
# -Zsanitizer); where there is none, it says SKIPPED and passes. The
# standard library itself is not instrumented (that would need rust-src
# and -Zbuild-std); every allocation still goes through the sanitizer's
# allocator, so a use after free, an overflow of a heap buffer or a double
# free in our code is caught.
#
# First a canary (verify/tests/asan_canary.rs, a deliberate read after
# free): the script fails unless the sanitizer stops it, so a build
# without the sanitizer cannot pass for one with it.
#
#   ASAN_OPTIONS   default detect_leaks=1:abort_on_error=1 (a leak fails too)
set -uo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "asan: SKIPPED: no nightly toolchain on this machine (-Zsanitizer=address needs one)"
    exit 0
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
case $host in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) ;;
    *)
        echo "asan: SKIPPED: AddressSanitizer is not supported on $host"
        exit 0
        ;;
esac
# --target keeps build scripts and proc macros out of the sanitizer;
# the folder of its own keeps these builds from the stable ones.
export RUSTFLAGS="-Zsanitizer=address --cfg ringlab_asan"
export RUSTDOCFLAGS="$RUSTFLAGS"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
cargo_asan=(cargo +nightly test --locked --target "$host" --target-dir target/asan)

echo "== asan: the canary must be stopped by the sanitizer"
canary=$(mktemp)
trap 'rm -f "$canary"' EXIT
if "${cargo_asan[@]}" -p verify --test asan_canary -- --ignored >"$canary" 2>&1; then
    cat "$canary"
    echo "asan: FAILED: the canary's read after free went unnoticed: the build is not sanitized" >&2
    exit 1
fi
if ! grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$canary"; then
    cat "$canary"
    echo "asan: FAILED: the canary failed, but not with the sanitizer's report" >&2
    exit 1
fi
echo "asan: the canary's read after free was caught"

echo "== asan ($ASAN_OPTIONS): verify's unsafe-code and stress tests, impls' tests"
"${cargo_asan[@]}" -p verify --test unsafe_code --test stress || exit 1
exec "${cargo_asan[@]}" -p impls --tests
