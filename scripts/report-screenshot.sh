#!/usr/bin/env bash
# Renders a report's index.html in headless Chromium to a PNG, to look at a
# report as a reader would (layout, charts, tables).
#
#   scripts/report-screenshot.sh REPORT_DIR_OR_INDEX [OUT.png] [HEIGHT] [ANCHOR]
#
# REPORT_DIR_OR_INDEX is a report folder (e.g. results/report-spsc-...) or
# its index.html. OUT.png defaults to screenshot.png beside it; HEIGHT (the
# window height in pixels, default 4000) decides how much of the page is
# captured; ANCHOR (an id on the page: verdicts, charts-0-0, rank-0-0, ...)
# starts the capture there instead of at the top. The window is 1400
# pixels wide (WIDTH in the environment sets another width), the size of
# the README's screenshots. Installs Debian's chromium when it is missing
# (as root, or through sudo).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 REPORT_DIR_OR_INDEX [OUT.png] [HEIGHT] [ANCHOR]" >&2
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
anchor=${4:-}
width=${WIDTH:-1400}
case $anchor in
    *[!A-Za-z0-9_-]*)
        echo "error: ANCHOR must be an id on the page (letters, digits, - and _), not '$anchor'" >&2
        exit 2
        ;;
esac
if [ -n "$anchor" ] && ! grep -q "id=\"$anchor\"" "$index"; then
    echo "error: the report has no element with id=\"$anchor\" (try verdicts, charts-0-0 or rank-0-0)" >&2
    exit 2
fi

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
page=$index
trap 'rm -rf "$profile" "$log"' EXIT
if [ -n "$anchor" ]; then
    # Headless Chromium paints only the first window of a page, even when a
    # #fragment scrolls it, so the page is started at the anchor instead: a
    # copy beside it (its charts are relative paths) whose style hides what
    # comes before the anchor (preceding siblings of it and of every
    # element that holds it).
    page=$(dirname "$index")/.screenshot-$anchor.html
    trap 'rm -rf "$profile" "$log" "$page"' EXIT
    style="<style>*:has(~ #$anchor), *:has(~ * #$anchor) { display: none !important; }</style>"
    sed "s|</head>|$style</head>|" "$index" >"$page"
fi
status=0
"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --hide-scrollbars --virtual-time-budget=5000 \
    --user-data-dir="$profile" \
    --screenshot="$out" --window-size="$width","$height" \
    "$(file_url "$page")" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || [ ! -s "$out" ]; then
    echo "error: chromium (exit status $status) wrote no screenshot to $out; its output:" >&2
    cat "$log" >&2
    exit 1
fi
echo "screenshot: $out"
