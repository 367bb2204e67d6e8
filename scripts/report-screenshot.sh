#!/usr/bin/env bash
# Renders a report's index.html in headless Chromium to a PNG, to look at a
# report as a reader would (layout, charts, tables).
#
#   scripts/report-screenshot.sh REPORT_DIR_OR_INDEX [OUT.png] [HEIGHT]
#
# REPORT_DIR_OR_INDEX is a report folder (e.g. results/report-spsc-...) or
# its index.html. OUT.png defaults to screenshot.png beside it; HEIGHT (the
# window height in pixels, default 4000) decides how much of the page is
# captured. Installs Debian's chromium when it is missing (as root, or
# through sudo).
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

# The file:// URL of an absolute path. Every byte but letters, digits and
# / . _ ~ - is percent-encoded: a space, '#' (a fragment), '%' (an escape)
# or '?' (a query) in a folder name would otherwise change the URL.
file_url() {
    local LC_ALL=C
    local path=$1 url='' char i
    for ((i = 0; i < ${#path}; i++)); do
        char=${path:i:1}
        case $char in
            [A-Za-z0-9/._~-]) url+=$char ;;
            *)
                printf -v char '%%%02X' "'$char"
                url+=$char
                ;;
        esac
    done
    printf 'file://%s' "$url"
}

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "error: chromium is not installed, and installing it needs root or sudo; as root run: apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
    echo "installing chromium (Debian package)..." >&2
    ${as_root[@]+"${as_root[@]}"} apt-get update -qq
    ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq chromium >/dev/null
    browser=$(command -v chromium)
fi

out_dir=$(dirname "$out")
mkdir -p "$out_dir"
out=$(realpath "$out_dir")/$(basename "$out")
# An old screenshot must not pass for a new one when Chromium fails.
rm -f "$out"
# A private profile folder, so a running browser's profile is never touched,
# and a log that is shown only when Chromium fails.
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
status=0
"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" \
    --screenshot="$out" --window-size=1400,"$height" \
    "$(file_url "$index")" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || [ ! -s "$out" ]; then
    echo "error: chromium (exit status $status) wrote no screenshot to $out; its output:" >&2
    cat "$log" >&2
    exit 1
fi
echo "screenshot: $out"
