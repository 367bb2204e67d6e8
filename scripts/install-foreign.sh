#!/usr/bin/env bash
# Installs what the foreign implementations need, from Debian's packages:
# Go (golang-go) for go_chan; a JDK (default-jdk-headless) and the LMAX
# Disruptor (libdisruptor-java) for lmax_java. The harness builds their
# sources on first use; without these, their runs are reported as
# unavailable. Does nothing when everything is present.
#
#   scripts/install-foreign.sh          install what is missing (as root, or through sudo)
#   scripts/install-foreign.sh --check  say what is missing; exit 1 if anything is
set -euo pipefail

missing=()
command -v go >/dev/null || missing+=(golang-go)
{ command -v java >/dev/null && command -v javac >/dev/null; } || missing+=(default-jdk-headless)
[ -f /usr/share/java/disruptor.jar ] || missing+=(libdisruptor-java)

if [ ${#missing[@]} -eq 0 ]; then
    jar=$(cd /usr/share/java && ls disruptor-*.jar 2>/dev/null | head -1)
    echo "foreign runtimes: installed ($(go version | cut -d' ' -f3), $(java -version 2>&1 | head -1), ${jar:-disruptor.jar})"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "foreign runtimes: missing Debian packages: ${missing[*]} (install them with scripts/install-foreign.sh)"
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "error: no apt-get here; install ${missing[*]} (or Go, a JDK and the LMAX Disruptor 3.x jar at /usr/share/java/disruptor.jar) by hand" >&2
    exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "error: installing ${missing[*]} needs root or sudo; as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
echo "foreign runtimes: installing ${missing[*]} with apt-get"
${as_root[@]+"${as_root[@]}"} apt-get update -qq
DEBIAN_FRONTEND=noninteractive ${as_root[@]+"${as_root[@]}"} \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "foreign runtimes: installed ${missing[*]}"
