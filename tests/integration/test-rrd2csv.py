#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""rrd2csv against the real daemon: header and rows for the selectors, one line per new row 5 s
apart, credentials from the environment, a XenAPI session, and a clear failure on bad
credentials. Output is TAP."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

RRDD, RRD2CSV = sys.argv[1], sys.argv[2]
n = failed = 0


def check(ok, what):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what), flush=True)
    failed += 0 if ok else 1


data = tempfile.mkdtemp(prefix="rrdd-rrd2csv-")
log = open(os.path.join(data, "log"), "w+")
d = subprocess.Popen([RRDD, "--data_dir", data, "--sources", "proc,sim:2", "--listen", "127.0.0.1:0",
                      "--inventory_file", "/nonexistent"], stderr=log, stdout=subprocess.DEVNULL)
try:
    port = None
    for _ in range(150):
        log.seek(0)
        m = re.search(r"\(port (\d+)\)", log.read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.1)
    check(port is not None, "the daemon is up")
    url = "http://127.0.0.1:%d" % port
    pw = open(os.path.join(data, "initial-password")).read().strip()
    time.sleep(6)

    r = subprocess.run([RRD2CSV, "--url", url, "--user", "root", "--password", pw, "--count", "3",
                        "--interval", "2", "AVERAGE:host::cpu_avg", ":vm::memory"],
                       capture_output=True, text=True, timeout=60)
    lines = r.stdout.strip().split("\n")
    check(r.returncode == 0 and len(lines) == 4, "three rows after the header (%s)" % r.stderr.strip())
    header = [c.strip() for c in lines[0].split(",")] if lines else []
    check(header[:1] == ["timestamp"], "the header starts with timestamp")
    check(any(re.fullmatch(r"AVERAGE:host:[0-9a-f-]{36}:cpu_avg", c) for c in header),
          "the host's cpu_avg is selected")
    vm_cols = [c for c in header if c.startswith("AVERAGE:vm:")]
    check(len(vm_cols) == 6 and all(re.search(r":memory", c) for c in vm_cols),
          "memory, memory_target and memory_internal_free of two VMs (prefix match)")
    check(not any(c.startswith("AVERAGE:host") and "cpu0" in c for c in header),
          "unselected columns are left out")
    times = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.split(",")]
        times.append(time.mktime(time.strptime(cells[0], "%Y-%m-%dT%H:%M:%SZ")))
        check(len(cells) == len(header), "a row has a cell per column")
        check(all(re.fullmatch(r"N/A|-?\d+(\.\d+)?", c) for c in cells[1:]),
              "cells are integers, decimals or N/A: %s" % line[:120])
    check(len(times) == 3 and all(b - a == 5 for a, b in zip(times, times[1:])),
          "new rows only, 5 s apart, oldest first")

    env = dict(os.environ, RRDD_URL=url, RRDD_USER="root", RRDD_PASSWORD=pw)
    r = subprocess.run([RRD2CSV, "--count", "1", "AVERAGE:host"], capture_output=True, text=True, env=env,
                       timeout=30)
    check(r.returncode != 0 and "not a selector" in r.stderr, "a malformed selector is refused")
    r = subprocess.run([RRD2CSV, "--count", "1"], capture_output=True, text=True, env=env, timeout=30)
    check(r.returncode == 0 and "AVERAGE:host:" in r.stdout and "MIN:" not in r.stdout,
          "credentials from the environment; every AVERAGE column by default")

    session = xmlrpc.client.ServerProxy(url + "/RPC2").session.login_with_password("root", pw,
                                                                                  "1.0", "test")
    check(session.get("Status") == "Success", "a XenAPI session")
    r = subprocess.run([RRD2CSV, "--url", url, "--session", session.get("Value", ""), "--count", "1",
                        ":host::loadavg"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and ":loadavg" in r.stdout.split("\n")[0], "with a session instead of a password")

    r = subprocess.run([RRD2CSV, "--url", url, "--user", "root", "--password", "wrong", "--count", "1"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "credentials refused" in r.stderr, "bad credentials: exit 1 with a reason")
finally:
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=30)
    shutil.rmtree(data, ignore_errors=True)
print("1..%d" % n)
sys.exit(1 if failed else 0)
