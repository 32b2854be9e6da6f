#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# B4-B6 (../shared/reference/benchmarks.md §2): /rrd_updates for 1000 VMs × 20 DS served by
# tests/http/http-harness (the real HttpServer over the fake backend, values with full decimal
# precision), measured with wrk on loopback, and `rrdtool xport` of the same data beside it.
# Prints what it measured; asserts nothing.
#
#   bench/bench-http.sh [BUILD_DIR]    (default: the directory this script was copied to/..)
# Environment: VMS (1000), DS (20), DURATION (10 s per wrk run), XPORT=0 skips rrdtool.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
build="${1:-$(dirname "$here")}"
harness="$build/tests/http/http-harness"
[ -x "$harness" ] || { echo "no $harness: build first" >&2; exit 1; }
for tool in wrk curl python3; do
        command -v "$tool" >/dev/null || { echo "bench-http: $tool is missing" >&2; exit 1; }
done
VMS="${VMS:-1000}"
DS="${DS:-20}"
DURATION="${DURATION:-10}"
secret="bench-secret"
work="$(mktemp -d)"
hpid=""
cleanup() {
        [ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT

# Two cores: the server on CPU 0, the load generator on CPU 1 (benchmarks.md §2.1).
pin_server=(taskset -c 0)
pin_client=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { pin_server=(); pin_client=(); }

# Seconds since t0 (a `date +%s.%N` value).
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

echo "bench-http: $VMS VMs × $DS DS, harness $harness; load average $(cut -d" " -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
"${pin_server[@]}" "$harness" --vms "$VMS" --ds "$DS" --srs 0 --halted 0 --history 700 --noisy \
        --pool-secret "$secret" --max-connections 64 >"$work/port" 2>"$work/stderr" </dev/null &
hpid=$!
for _ in $(seq 1 600); do
        grep -q PORT "$work/port" 2>/dev/null && break
        sleep 0.1
done
port=$(awk '/PORT/{print $2}' "$work/port")
[ -n "$port" ] || { echo "harness did not start"; cat "$work/stderr"; exit 1; }
printf 'harness ready in %.1f s (RRDs built from 5 s updates over 700 s)\n' "$(since "$t0")"
base="http://127.0.0.1:$port"

rss() { awk '/^VmRSS/{print $2}' "/proc/$hpid/status"; }
hwm() { awk '/^VmHWM/{print $2}' "/proc/$hpid/status"; }

# wrk with its latency distribution; prints "p50 p99 req/s MB/s".
run_wrk() {
        local conns=$1 url=$2
        shift 2
        "${pin_client[@]}" wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$work/wrk"
        python3 - "$work/wrk" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def lat(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"Transfer/sec:\s+([\d.]+)(KB|MB|GB)", t)
mbs = float(m.group(1)) * {"KB": 1 / 1024, "MB": 1, "GB": 1024}[m.group(2)]
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("p50 %.2f ms  p99 %.2f ms  %.0f req/s  %.0f MB/s%s" % (lat(50), lat(99), rps, mbs,
      "  (%s non-2xx!)" % errs.group(1) if errs else ""))
PY
}

size_of() { curl -s -o /dev/null -w '%{size_download}' "$1"; }

q10="$base/rrd_updates?start=-10&pool_secret=$secret"
q600="$base/rrd_updates?start=-595&pool_secret=$secret"
one="$base/rrd_updates?start=-10&pool_secret=$secret&vm_uuid=00000000-0000-4000-8000-000000000007"
hostq="$base/rrd_updates?start=-10&pool_secret=$secret&host=true&vm_uuid=none"

echo
echo "== B4: /rrd_updates start=now-10, every VM ($(size_of "$q10") bytes)"
echo "   1 connection:  $(run_wrk 1 "$q10")"
echo "   4 connections: $(run_wrk 4 "$q10")"

echo
echo "== B5: /rrd_updates start=now-595, every VM, 120 rows of 5 s ($(size_of "$q600") bytes)"
rss0=$(rss)
times=()
for _ in 1 2 3 4 5; do
        times+=("$("${pin_client[@]}" curl -s -o /dev/null -w '%{time_total}' "$q600")")
done
echo "   curl, 5 in a row: ${times[*]} s"
echo "   1 connection:  $(run_wrk 1 "$q600")"
echo "   2 connections: $(run_wrk 2 "$q600")"
echo "   RSS before $((rss0 / 1024)) MiB, after $(($(rss) / 1024)) MiB, peak $(($(hwm) / 1024)) MiB"

echo
echo "== B6: small requests, keep-alive"
echo "   one VM (vm_uuid=, $(size_of "$one") bytes), 4 connections: $(run_wrk 4 "$one")"
echo "   host only (host=true&vm_uuid=none), 4 connections:      $(run_wrk 4 "$hostq")"
echo "   one VM, Connection: close, 4 connections:              $(run_wrk 4 "$one" -H 'Connection: close')"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/vm_rrd?uuid=00000000-0000-4000-8000-000000000007&pool_secret=$secret")
if [ "$code" = 200 ]; then
        echo "   /vm_rrd one VM ($(size_of "$base/vm_rrd?uuid=00000000-0000-4000-8000-000000000007&pool_secret=$secret") bytes), 4 connections: $(run_wrk 4 "$base/vm_rrd?uuid=00000000-0000-4000-8000-000000000007&pool_secret=$secret")"
else
        echo "   /vm_rrd: HTTP $code (dumps not built in), skipped"
fi
echo "   RSS at the end $(($(rss) / 1024)) MiB"
kill "$hpid"
wait "$hpid" 2>/dev/null || true
hpid=""

[ "${XPORT:-1}" = 1 ] || exit 0
command -v rrdtool >/dev/null || { echo "rrdtool missing: no side-by-side figures"; exit 0; }
echo
echo "== rrdtool xport of the same data (benchmarks.md §1.5 method)"
end=$(( $(date +%s) / 5 * 5 ))
python3 - "$work" "$VMS" "$DS" "$end" <<'PY'
import sys
work, vms, nds, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
NAMES = ["cpu0", "cpu1", "memory", "memory_target", "memory_internal_free", "cpu_usage",
         "vif_0_rx", "vif_0_tx", "vif_1_rx", "vif_1_tx", "vbd_xvda_read", "vbd_xvda_write",
         "vbd_xvda_read_latency", "vbd_xvda_write_latency", "vbd_xvdb_read", "vbd_xvdb_write",
         "vbd_xvdb_iops_read", "vbd_xvdb_iops_write", "vbd_xvdb_iops_total", "vbd_xvdb_inflight"]
def value(k, ds, t):  # tests/http/fake-backend.c: fake_value() / 7 (--noisy)
    n = t // 5
    if ds == 1 and n % 13 == 0:
        return "U"
    return repr(((n * (ds + 1) + 7 * k) % 997) / 4.0 / 7)
first = end - 700
with open(work + "/create.txt", "w") as f:
    for i in range(vms):
        ds = " ".join("DS:d%d:GAUGE:300:U:U" % d for d in range(nds))
        f.write("create %s/vm%d.rrd --start %d --step 5 %s RRA:AVERAGE:0.5:1:120 "
                "RRA:AVERAGE:0.5:12:120 RRA:AVERAGE:0.5:720:168 RRA:AVERAGE:0.5:17280:366\n"
                % (work, i, first - 5, ds))
        ups = " ".join("%d:%s" % (t, ":".join(value(1 + i, d, t) for d in range(nds)))
                       for t in range(first, end + 1, 5))
        f.write("update %s/vm%d.rrd %s\n" % (work, i, ups))
for name, back in (("x10", 10), ("x595", 595)):
    with open(work + "/" + name + ".args", "w") as f:
        args = ["xport", "--start", str(end - back), "--end", str(end), "--step", "5"]
        for i in range(vms):
            uuid = "00000000-0000-4000-8000-%012x" % i
            for d in range(nds):
                label = NAMES[d] if d < len(NAMES) else "ds_%d" % d
                args.append("DEF:v%d_%d=%s/vm%d.rrd:d%d:AVERAGE" % (i, d, work, i, d))
                args.append("XPORT:v%d_%d:AVERAGE\\:vm\\:%s\\:%s" % (i, d, uuid.replace(":", "\\:"),
                                                                      label))
        f.write("\0".join(args))
PY
t0=$(date +%s.%N)
rrdtool - <"$work/create.txt" >/dev/null
printf '   %d rrd files created and updated in %.1f s\n' "$VMS" "$(since "$t0")"
for name in x10 x595; do
        (
                ulimit -s 262144
                mapfile -d '' args <"$work/$name.args"
                best=""
                for _ in 1 2 3; do
                        t0=$(date +%s.%N)
                        rrdtool "${args[@]}" >"$work/$name.out"
                        t=$(since "$t0")
                        best="$best $t"
                done
                echo "   $name (start=now-${name#x}): $(stat -c %s "$work/$name.out") bytes, wall times:$best s"
        )
done
