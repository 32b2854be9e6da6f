#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The developer entry point behind the README's Quick start.
#   ./dev.sh run    install what is needed, build, run the daemon with its embedded default
#   ./dev.sh test   install what is needed, build with ASan+UBSan, run every test
#   ./dev.sh bench  build optimised and run the benchmarks in bench/
#   ./dev.sh fuzz [SECONDS]  build with clang + libFuzzer and run every fuzz target
#   ./dev.sh deps   only install the Debian packages
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

# Everything the build, the tests and the benchmarks need (Debian 12 package names).
PACKAGES=(
        meson ninja-build pkg-config gcc libc6-dev
        libxml2-dev libxml2-utils libmicrohttpd-dev libgnutls28-dev libxen-dev zlib1g-dev
        libcrypt-dev librrd-dev rrdtool
        curl wrk openssl python3 python3-os-xenapi clang-format git
)
# Only for the xen-qemu test (real Xen 4.17 and a Debian dom0 kernel under QEMU): when they
# cannot be installed, that test skips and everything else still runs.
PACKAGES_XEN_QEMU=(
        qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 linux-image-amd64
        busybox-static cpio
)

missing_of() {
        local p
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                        echo "$p"
        done
}

deps() {
        local missing=() optional=() sudo=()
        mapfile -t missing < <(missing_of "${PACKAGES[@]}")
        mapfile -t optional < <(missing_of "${PACKAGES_XEN_QEMU[@]}")
        [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && return 0
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get update -q
        if [ ${#missing[@]} -gt 0 ]; then
                echo "Installing: ${missing[*]}" >&2
                "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
        fi
        if [ ${#optional[@]} -gt 0 ]; then
                echo "Installing for the xen-qemu test: ${optional[*]}" >&2
                "${sudo[@]}" apt-get install -y -q --no-install-recommends "${optional[@]}" ||
                        echo "warning: the xen-qemu test's packages could not be installed;" \
                                "that test will skip" >&2
        fi
}

# Prints "N passed, N failed" from meson's testlog.json (meson's own summary is not enough
# for our CI) and fails when anything failed or nothing ran.
summarize() {
        /usr/bin/python3 - "$1" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
if skipped:
    print(f"({skipped} skipped)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
}

cmd_test() {
        deps
        local dir=build-test
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
                        -Dwerror=true
        fi
        meson compile -C "$dir"
        rm -f "$dir/meson-logs/testlog.json"
        local rc=0
        meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
        summarize "$dir/meson-logs/testlog.json" || rc=1
        return $rc
}

build_release() {
        local dir=build
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" -Dbuildtype=release -Db_ndebug=true >/dev/null
        fi
        meson compile -C "$dir" >/dev/null
}

cmd_run() {
        deps
        build_release
        # No configuration file: the embedded default (proc, a simulated fleet where there is no
        # hypervisor, HTTP on 127.0.0.1:8089, a users file with a random password). Extra
        # arguments go to rrdd, e.g. ./dev.sh run --listen 127.0.0.1:9000.
        exec build/rrdd/rrdd "$@"
}

cmd_bench() {
        deps
        build_release
        for b in build/bench/bench-*; do
                [ -x "$b" ] || continue
                echo "== $b" && "$b"
        done
}

# Each target runs SECONDS (default 60) on a scratch copy of its corpus (the checked-in corpus
# only grows by hand, with inputs worth keeping); a crash leaves crash-* files in the scratch
# directory and fails the command.
cmd_fuzz() {
        local secs=${1:-60} dir=build-fuzz work rc=0 exe name corpus
        deps
        command -v clang >/dev/null || {
                [ "$(id -u)" -eq 0 ] && apt-get install -y -q --no-install-recommends clang
        }
        if [ ! -f "$dir/build.ninja" ]; then
                CC=clang meson setup "$dir" -Dfuzzing=true -Db_sanitize=address,undefined \
                        -Db_lundef=false -Dwerror=true >/dev/null
        fi
        meson compile -C "$dir" >/dev/null
        work=$(mktemp -d /tmp/rrdd-fuzz.XXXXXX)
        for exe in "$dir"/tests/*/fuzz-*; do
                [ -x "$exe" ] && [ -f "$exe" ] || continue
                name=$(basename "$exe")
                corpus=$(find tests -type d -path "*/corpus/$name" | head -n1)
                mkdir -p "$work/$name/corpus"
                [ -n "$corpus" ] && cp -r "$corpus"/. "$work/$name/corpus/"
                if (cd "$work/$name" && "$OLDPWD/$exe" -max_total_time="$secs" -max_len=65536 \
                        -timeout=10 -rss_limit_mb=2048 corpus >log 2>&1); then
                        echo "ok   $name ($(grep -o 'cov: [0-9]*' "$work/$name/log" | tail -n1))"
                else
                        echo "FAIL $name: see $work/$name/log"
                        rc=1
                fi
        done
        return $rc
}

case "${1:-}" in
run) shift; cmd_run "$@" ;;
test) cmd_test ;;
bench) cmd_bench ;;
fuzz) shift; cmd_fuzz "$@" ;;
deps) deps ;;
*) echo "usage: $0 run|test|bench|fuzz|deps" >&2; exit 2 ;;
esac
