#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End to end with the real daemon (rrdd/main.c with the sim source on loopback): live
/rrd_updates in XML and JSON, authentication, XML-RPC sessions, a live VM's dump, a VM that
halts (its archive is then served from data_dir and /rrd_updates no longer knows it),
/metrics with the daemon's own health, and a clean exit on SIGTERM."""

import os
import re
import signal
import subprocess
import tempfile
import time
import xmlrpc.client

from harness import (ALICE, BUILD, USERS, Response, Tap, parse_xport, strict_json, xmllint_ok)
import http.client
from harness import basic

tap = Tap()
import sys
DAEMON = sys.argv[1] if len(sys.argv) > 1 else os.path.join(BUILD, "rrdd", "rrdd")
HOST = "11111111-1111-4111-8111-0000000000aa"
d = tempfile.mkdtemp(prefix="rrdd-daemon-test-")
with open(os.path.join(d, "users"), "w") as f:
    f.write(USERS)
env = dict(os.environ)
# The daemon's own start-up allocations are not this test's subject.
env["ASAN_OPTIONS"] = "detect_leaks=0"
err = open(os.path.join(d, "stderr"), "w")
proc = subprocess.Popen([DAEMON, "--data_dir", d, "--listen", "127.0.0.1:0", "--sources", "sim:3",
                         "--users_file", os.path.join(d, "users"), "--host_uuid", HOST,
                         "--log_target", "stderr", "--session_timeout", "60"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
port = None
for _ in range(100):
    m = re.search(r"\(port (\d+)\)", open(os.path.join(d, "stderr")).read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.1)
tap.ok(port is not None, "the daemon listens", open(os.path.join(d, "stderr")).read())
if port is None:
    proc.kill()
    tap.done()


def get(path, auth=ALICE, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    if auth:
        h["Authorization"] = basic(*auth)
    c.request("GET", path, headers=h)
    r = c.getresponse()
    resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    c.close()
    return resp


# Wait until two rows carry sampled values (a new RRD's older rows are NaN).
import math
for _ in range(60):
    r = get("/rrd_updates?start=-60")
    if r.status == 200:
        got = parse_xport(r.text())[2]
        if len(got) >= 2 and all(any(not math.isnan(v) for v in vs) for _, vs in got[:2]):
            break
    time.sleep(0.5)
m, legend, rows = parse_xport(r.text())
good, msg = xmllint_ok(r.body)
vms = sorted({e.split(":")[2] for e in legend if e.split(":")[1] == "vm"})
tap.ok(r.status == 200 and good and len(rows) >= 2 and len(vms) == 3 and
       all(any(not math.isnan(v) for v in vs) for _, vs in rows[:2]),
       "live /rrd_updates: well-formed, two rows of sampled values, three simulated VMs",
       (r.status, msg, m, vms))
ts = [t for t, _ in rows]
tap.ok(ts[0] == m["end"] and ts == sorted(ts, reverse=True) and m["step"] == 5 and
       all(len(v) == m["columns"] for _, v in rows), "newest first, step 5, full rows", ts)
tap.ok(not re.search(rb">\s+<", r.body.split(b"\n", 1)[1]), "compact XML")
j = strict_json(get("/rrd_updates?start=-60&json=true").text())
tap.ok(j["meta"]["legend"] == legend, "JSON: the same legend, strictly parsed")
tap.ok(get("/rrd_updates?start=-60", auth=None).status == 401, "no credentials: 401")

rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/" % port)
sid = rpc.session.login_with_password(*ALICE)["Value"]
tap.ok(get("/rrd_updates?start=-60&session_id=" + sid, auth=None).status == 200,
       "an XML-RPC session opens the data")

r = get("/vm_rrd?uuid=" + vms[0])
good, msg = xmllint_ok(r.body)
tap.ok(r.status == 200 and good and b"<rrd><version>0003</version><step>5</step>" in r.body,
       "a live VM's dump", (r.status, msg, r.body[:200]))

# Halt a VM: its file leaves sim_dir, the daemon archives it, the archive is served.
halted = vms[1]
os.unlink(os.path.join(d, "sim", halted))
gone = False
for _ in range(40):
    time.sleep(0.5)
    r = get("/rrd_updates?start=-60")
    if halted not in r.text():
        gone = True
        break
tap.ok(gone, "a halted VM leaves /rrd_updates")
r = get("/rrd_updates?start=-60&vm_uuid=" + halted)
tap.ok(r.status == 404, "asking /rrd_updates for it by uuid: 404", (r.status, r.body))
served = None
for _ in range(20):
    r = get("/vm_rrd?uuid=" + halted)
    if r.status == 200:
        served = r
        break
    time.sleep(0.5)
good, msg = xmllint_ok(served.body) if served else (False, "no 200")
tap.ok(served is not None and good, "its archive is served from data_dir by /vm_rrd", msg)
tap.ok(get("/vm_rrd?uuid=00000000-0000-4000-8000-00000000dead").status == 404,
       "an unknown VM: 404")

r = get("/metrics", auth=None)
ticks = re.search(r"^rrdd_daemon_ticks_total (\d+)$", r.text(), re.M)
tap.ok(r.status == 200 and ticks and int(ticks.group(1)) >= 2 and
       "rrdd_daemon_tick_lateness_seconds_bucket" in r.text() and
       re.search(r'^rrdd_daemon_rrds\{kind="vm"\} [23]$', r.text(), re.M),
       "/metrics carries the daemon's health", r.text()[-1500:])

proc.send_signal(signal.SIGTERM)
try:
    rc = proc.wait(timeout=60)
except subprocess.TimeoutExpired:
    proc.kill()
    rc = "timeout"
err.close()
text = open(os.path.join(d, "stderr")).read()
tap.ok(rc == 0 and "ERROR: AddressSanitizer" not in text and "runtime error" not in text,
       "SIGTERM: the daemon saves, exits 0, nothing from the sanitizers", (rc, text[-2000:]))
tap.ok("saved " in text and " 0 failures" in text, "SIGTERM: every RRD was written", text[-800:])
tap.done()
