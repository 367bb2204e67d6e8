#!/usr/bin/env bash
# Renders a report's index.html in headless Chromium to a PNG, to look at a
# report as a reader would (layout, charts, tables).
#
#   scripts/report-screenshot.sh REPORT_DIR_OR_INDEX [OUT.png] [HEIGHT]
#
# REPORT_DIR_OR_INDEX is a report folder (e.g. results/report-spsc-...) or
# its index.html. OUT.png defaults to screenshot.png beside it; HEIGHT (the
# window height in pixels, default 4000) decides how much of the page is
# captured. Installs Debian's chromium when it is missing (needs root).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 REPORT_DIR_OR_INDEX [OUT.png] [HEIGHT]" >&2
    exit 2
fi
target=$1
if [ -d "$target" ]; then
    target=$target/index.html
fi
if [ ! -f "$target" ]; then
    echo "error: $target is not a report (no index.html); write one with: cargo run --release -p harness -- report results/FILE.json" >&2
    exit 2
fi
index=$(realpath "$target")
out=${2:-$(dirname "$index")/screenshot.png}
height=${3:-4000}

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: chromium is not installed; as root run: apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
    echo "installing chromium (Debian package)..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=$(command -v chromium)
fi

out_dir=$(dirname "$out")
mkdir -p "$out_dir"
out=$(realpath "$out_dir")/$(basename "$out")
# A private profile folder, so a running browser's profile is never touched.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" \
    --screenshot="$out" --window-size=1400,"$height" \
    "file://$index" 2>/dev/null
if [ ! -s "$out" ]; then
    echo "error: chromium wrote no screenshot to $out" >&2
    exit 1
fi
echo "screenshot: $out"
