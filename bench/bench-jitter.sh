#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# B3 (../shared/reference/benchmarks.md §2): tick punctuality of the real daemon with 1000
# simulated VMs while HTTP load runs: /rrd_updates of the last 10 minutes (~56 MB answers) and
# small requests at the same time. The daemon measures how late each tick starts after its
# wall-clock boundary and exports it on /metrics; this script reads that histogram before and
# after the load and prints the distribution, missed ticks and tick durations. Asserts nothing.
#
#   bench/bench-jitter.sh [BUILD_DIR]   Environment: VMS (1000), DURATION (120 s of load)
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
build="${1:-$(dirname "$here")}"
rrdd="$build/rrdd/rrdd"
[ -x "$rrdd" ] || { echo "no $rrdd: build first" >&2; exit 1; }
for tool in wrk curl python3 taskset; do
        command -v "$tool" >/dev/null || { echo "bench-jitter: $tool is missing" >&2; exit 1; }
done
VMS="${VMS:-1000}"
DURATION="${DURATION:-120}"
work="$(mktemp -d)"
pid=""
cleanup() {
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT

pin_server=(taskset -c 0)
pin_client=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { pin_server=(); pin_client=(); }

echo "bench-jitter: rrdd with $VMS simulated VMs; load average $(cut -d" " -f1-3 /proc/loadavg)"
"${pin_server[@]}" "$rrdd" --data_dir "$work/data" --sources "sim:$VMS" \
        --sim_dir "$work/data/sim" --listen 127.0.0.1:0 --inventory_file /nonexistent \
        --max_connections 64 2>"$work/log" &
pid=$!
port=""
for _ in $(seq 1 600); do
        port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/log" | head -1)
        [ -n "$port" ] && break
        sleep 0.1
done
[ -n "$port" ] || { echo "rrdd did not start"; cat "$work/log"; exit 1; }
pw=$(cat "$work/data/initial-password")
auth="Authorization: Basic $(printf 'root:%s' "$pw" | base64 -w0)"
base="http://127.0.0.1:$port"

metrics() { curl -s "$base/metrics"; }
# Waits for the first ticks (RRDs created, 10 min of history is not needed for the load).
sleep 16
metrics >"$work/before"

uuid=$(ls "$work/data/sim" | head -1)
echo "load: ${DURATION} s of /rrd_updates?start=-600 (2 connections) and one VM's updates (4 connections)"
"${pin_client[@]}" wrk -t1 -c2 -d"${DURATION}s" -H "$auth" \
        "$base/rrd_updates?start=-600&host=true" >"$work/wrk-big" &
w1=$!
"${pin_client[@]}" wrk -t1 -c4 -d"${DURATION}s" -H "$auth" \
        "$base/rrd_updates?start=-10&vm_uuid=$uuid" >"$work/wrk-small" &
w2=$!
wait "$w1" "$w2"
metrics >"$work/after"

python3 - "$work/before" "$work/after" "$work/wrk-big" "$work/wrk-small" <<'PY'
import re, sys

def parse(path):
    text = open(path).read()
    buckets = {}
    for m in re.finditer(r'^rrdd_daemon_tick_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M):
        buckets[float(m.group(1))] = float(m.group(2))
    def one(name):
        m = re.search(r'^' + name + r' (\S+)$', text, re.M)
        return float(m.group(1)) if m else float("nan")
    return buckets, {n: one(n) for n in ("rrdd_daemon_ticks_total", "rrdd_daemon_missed_ticks_total",
                                          "rrdd_daemon_tick_lateness_seconds_count",
                                          "rrdd_daemon_tick_lateness_seconds_sum",
                                          "rrdd_daemon_tick_duration_seconds_sum",
                                          "rrdd_daemon_tick_duration_seconds_count",
                                          "rrdd_daemon_tick_lateness_max_seconds")}

b0, s0 = parse(sys.argv[1])
b1, s1 = parse(sys.argv[2])
n = s1["rrdd_daemon_tick_lateness_seconds_count"] - s0["rrdd_daemon_tick_lateness_seconds_count"]
if not b1 or n <= 0:
    print("no lateness histogram in /metrics")
    sys.exit(0)
bounds = sorted(b1)
cum = [(le, b1[le] - b0.get(le, 0)) for le in bounds]
def quantile(q):
    for le, c in cum:
        if c >= q * n:
            return le
    return float("inf")
mean = (s1["rrdd_daemon_tick_lateness_seconds_sum"] - s0["rrdd_daemon_tick_lateness_seconds_sum"]) / n
dur_n = s1["rrdd_daemon_tick_duration_seconds_count"] - s0["rrdd_daemon_tick_duration_seconds_count"]
dur = (s1["rrdd_daemon_tick_duration_seconds_sum"] - s0["rrdd_daemon_tick_duration_seconds_sum"]) / max(dur_n, 1)
missed = s1["rrdd_daemon_missed_ticks_total"] - s0["rrdd_daemon_missed_ticks_total"]
print("ticks under load: %d; missed: %d" % (n, missed))
print("tick start lateness: mean %.1f ms; p50 <= %g ms, p99 <= %g ms (histogram bounds); max so far %.1f ms"
      % (mean * 1e3, quantile(0.5) * 1e3, quantile(0.99) * 1e3,
         s1["rrdd_daemon_tick_lateness_max_seconds"] * 1e3))
print("tick duration under load: mean %.1f ms" % (dur * 1e3))
for path, what in ((sys.argv[3], "big"), (sys.argv[4], "small")):
    t = open(path).read()
    rps = re.search(r"Requests/sec:\s+(\S+)", t)
    tr = re.search(r"Transfer/sec:\s+(\S+)", t)
    print("wrk %s: %s req/s, %s/s" % (what, rps.group(1) if rps else "?", tr.group(1) if tr else "?"))
PY
