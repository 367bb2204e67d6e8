#!/usr/bin/env bash
# The peer check: builds crossbeam-channel's own benchmark programs
# (crossbeam-channel/benchmarks: crossbeam-channel, flume, std's mpsc, Go)
# from a checkout of crossbeam-rs/crossbeam that you supply, against the
# crate versions in ringlab's Cargo.lock, keeps only their bounded_spsc,
# bounded_mpsc and bounded_mpmc cases, and runs them interleaved with
# ringlab's scenarios/peer_*.toml (`harness peer`), printing both sides'
# ratios to crossbeam-channel. The project ships none of the peer's code.
#
#   git clone https://github.com/crossbeam-rs/crossbeam /path/to/crossbeam
#   git -C /path/to/crossbeam checkout 7de845aa   # the commit this was made with
#   scripts/install-foreign.sh                    # Go, for go.go and go_chan
#   scripts/peer-check.sh /path/to/crossbeam [ROUNDS]
#
# Builds go under target/peer-check/; the table and every round's results go
# under results/peer-TIMESTAMP/.
set -euo pipefail

# The peer commit the scenarios were matched against (another one is run,
# with a warning).
PEER_COMMIT=7de845aa
CASES='bounded_(spsc|mpsc|mpmc)'

usage() {
    echo "usage: scripts/peer-check.sh PATH-TO-CROSSBEAM-CHECKOUT [ROUNDS]" >&2
    echo "  PATH is a checkout of https://github.com/crossbeam-rs/crossbeam (commit $PEER_COMMIT);" >&2
    echo "  clone it yourself: ringlab ships none of its code. ROUNDS defaults to 5." >&2
}

if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "error: no path to the peer's source given" >&2
    usage
    exit 2
fi
peer=$(cd "$1" 2>/dev/null && pwd) || {
    echo "error: $1 is not a folder" >&2
    usage
    exit 2
}
rounds=${2:-5}
case $rounds in
'' | *[!0-9]*)
    echo "error: ROUNDS must be a whole number, not '$rounds'" >&2
    exit 2
    ;;
esac
bench="$peer/crossbeam-channel/benchmarks"
for file in crossbeam-channel.rs flume.rs mpsc.rs message.rs go.go; do
    if [ ! -f "$bench/$file" ]; then
        echo "error: $bench/$file is missing: is $peer a checkout of crossbeam-rs/crossbeam?" >&2
        usage
        exit 2
    fi
done
commit=$(git -C "$peer" rev-parse --short=8 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != "$PEER_COMMIT" ]; then
    echo "warning: the peer checkout is at $commit, not $PEER_COMMIT: its programs may differ from those the scenarios were matched against" >&2
fi
if ! command -v go >/dev/null; then
    echo "error: go is not installed; run scripts/install-foreign.sh" >&2
    exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/peer-check"
rm -rf "$work/src" "$work/bin"
mkdir -p "$work/src" "$work/bin"

# A crate's version in ringlab's Cargo.lock.
locked() {
    awk -v name="$1" '$1 == "name" && $3 == "\"" name "\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$root/Cargo.lock"
}
crossbeam_channel=$(locked crossbeam-channel)
flume=$(locked flume)
echo "peer check: crossbeam-channel $crossbeam_channel, flume $flume (ringlab's Cargo.lock), $(go version | cut -d' ' -f3)" >&2

# The peer's sources with only the bounded_n cases run (a case is one
# `run!(...)` / `run(...)` line; the others are dropped).
keep_cases() {
    sed -E "/^[[:space:]]*run!?\(\"/{/\"$CASES\"/!d}" "$1" >"$2"
}
for file in crossbeam-channel.rs flume.rs mpsc.rs; do
    keep_cases "$bench/$file" "$work/src/$file"
done
cp "$bench/message.rs" "$work/src/message.rs"
mkdir -p "$work/src/go"
keep_cases "$bench/go.go" "$work/src/go/go.go"

cat >"$work/src/Cargo.toml" <<EOF
[package]
name = "peer-benchmarks"
version = "0.0.0"
edition = "2021"
publish = false

# Its own workspace: not part of ringlab's.
[workspace]

[dependencies]
crossbeam = "0.8"
crossbeam-channel = "=$crossbeam_channel"
flume = "=$flume"

[[bin]]
name = "crossbeam-channel"
path = "crossbeam-channel.rs"

[[bin]]
name = "flume"
path = "flume.rs"

[[bin]]
name = "mpsc"
path = "mpsc.rs"
EOF

echo "building the peer's programs" >&2
cargo build --quiet --release --manifest-path "$work/src/Cargo.toml" --target-dir "$work/target"
for bin in crossbeam-channel flume mpsc; do
    cp "$work/target/release/$bin" "$work/bin/$bin"
done
(cd "$work/src/go" && GO111MODULE=off GOFLAGS= go build -o "$work/bin/go" go.go)
# ringlab's own probe (not the peer's): how long Go takes to make the
# peer's channel, so that `harness peer` can take it out of Go's figures
# as it does for the Rust channels' creation.
mkdir -p "$work/src/go-make"
cat >"$work/src/go-make/main.go" <<'EOF'
package main

import (
	"fmt"
	"sort"
	"time"
)

func main() {
	var times []float64
	for i := 0; i < 7; i++ {
		started := time.Now()
		c := make(chan uintptr, 5000000)
		elapsed := time.Since(started)
		c <- 1
		times = append(times, float64(elapsed)/float64(time.Millisecond))
	}
	sort.Float64s(times)
	fmt.Printf("%.3f\n", times[3])
}
EOF
(cd "$work/src/go-make" && GO111MODULE=off GOFLAGS= go build -o "$work/bin/go-make" main.go)

echo "building the harness" >&2
cargo build --quiet --release -p harness --manifest-path "$root/Cargo.toml"
exec "$root/target/release/harness" peer --programs "$work/bin" --rounds "$rounds" --peer-commit "$commit"
