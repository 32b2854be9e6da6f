#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The real rrdd binary with simulated VMs on a free loopback port: three ticks, a VM halts
(its archive appears), SIGTERM (every RRD written, exit 0), every archive accepted by
`rrdtool restore`, and a restart that carries on where it stopped. Output is TAP."""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RRDD = sys.argv[1]
TOOL = sys.argv[2]
checks = 0
failed = 0


def check(ok, what):
    global checks, failed
    checks += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (checks, what), flush=True)
    if not ok:
        failed += 1
    return ok


def start(data, extra=()):
    log = open(os.path.join(data, "log-%d" % time.monotonic_ns()), "w+")
    p = subprocess.Popen(
        [RRDD, "--data_dir", data, "--sources", "proc,sim:3", "--sim_dir", os.path.join(data, "sim"),
         "--listen", "127.0.0.1:0", "--snapshot_dir", os.path.join(data, "snap"),
         "--inventory_file", "/nonexistent", "--log_level", "debug", *extra],
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 15
    port = None
    while time.time() < deadline and port is None:
        log.seek(0)
        m = re.search(r"listening on \S+ \(port (\d+)\)", log.read())
        if m:
            port = int(m.group(1))
        elif p.poll() is not None:
            break
        else:
            time.sleep(0.1)
    return p, port, log


def wait_for(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return False


def snapshot(data):
    try:
        with open(os.path.join(data, "snap", "vm-metrics.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def restore_ok(xml, tmp):
    out = os.path.join(tmp, "restored.rrd")
    r = subprocess.run(["rrdtool", "restore", "-f", xml, out], capture_output=True, text=True)
    if r.returncode != 0:
        print("# rrdtool restore %s: %s" % (xml, r.stderr.strip()))
        return False
    return subprocess.run(["rrdtool", "dump", out], capture_output=True).returncode == 0


def rrdtool_names_fit(xml):
    names = re.findall(r"<name>([^<]*)</name>", open(xml).read())
    return all(re.fullmatch(r"[-a-zA-Z0-9_]{1,19}", n) for n in names)


def restore_via_tool_ok(xml, tmp):
    """rrdd-tool dump --rrdtool-names rewrites the names rrdtool refuses (>19 characters)."""
    conv = os.path.join(tmp, "converted.xml")
    with open(conv, "w") as f:
        r = subprocess.run([TOOL, "dump", "--rrdtool-names", xml], stdout=f, stderr=subprocess.PIPE,
                           text=True)
    if r.returncode != 0:
        print("# rrdd-tool dump %s: %s" % (xml, r.stderr.strip()))
        return False
    return restore_ok(conv, tmp)


def main():
    data = tempfile.mkdtemp(prefix="rrdd-run-")
    os.makedirs(os.path.join(data, "snap"))
    try:
        p, port, log = start(data)
        check(port is not None and port > 0, "the daemon starts and reports its port")
        if port is None:
            log.seek(0)
            print("# " + log.read().replace("\n", "\n# "))
            return
        check(os.path.exists(os.path.join(data, "users")), "a users file was created")
        check(os.path.exists(os.path.join(data, "initial-password")), "with its password beside it")
        vms = sorted(os.listdir(os.path.join(data, "sim")))
        check(len(vms) == 3, "three simulated VMs were started")
        # Three ticks: the snapshot lists every VM with values.
        ok = wait_for(lambda: (snapshot(data) or {}).keys() >= set(vms), 20)
        check(ok, "every VM appears in vm-metrics.json")
        time.sleep(11)
        snap = snapshot(data) or {}
        check(all(isinstance(snap.get(v, {}).get("memory"), (int, float)) for v in vms),
              "memory is a number for every VM after three ticks")

        # A VM halts: its archive is written and it leaves memory.
        os.unlink(os.path.join(data, "sim", vms[0]))
        archive = os.path.join(data, vms[0] + ".xml")
        check(wait_for(lambda: os.path.exists(archive), 15), "a halted VM is archived")
        check(wait_for(lambda: vms[0] not in (snapshot(data) or {vms[0]: 1}), 15),
              "and leaves the running set")

        # SIGTERM: everything written, exit status 0.
        p.send_signal(signal.SIGTERM)
        try:
            code = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            code = None
        check(code == 0, "SIGTERM saves everything and exits 0 (got %s)" % code)
        archives = sorted(glob.glob(os.path.join(data, "*.xml")))
        host = open(os.path.join(data, "host-uuid")).read().strip()
        names = {os.path.basename(a)[:-4] for a in archives}
        check(names >= set(vms) | {host}, "archives for the host and every VM (%d)" % len(archives))
        for a in archives:
            if rrdtool_names_fit(a):
                check(restore_ok(a, data), "rrdtool restore accepts %s" % os.path.basename(a))
            check(restore_via_tool_ok(a, data),
                  "rrdtool restore accepts %s with rrdtool-compatible names" % os.path.basename(a))
        check(any(rrdtool_names_fit(a) for a in archives),
              "the host archive restores with no renaming at all")
        before = {}
        for a in archives:
            m = re.search(r"<lastupdate>(\d+)</lastupdate>", open(a).read())
            before[a] = int(m.group(1)) if m else 0
        check(all(v > 0 for v in before.values()), "every archive has an integer lastupdate")

        # A restart resumes: the host archive loads at once, later saves move forward.
        with open(os.path.join(data, "sim", vms[0]), "w") as f:
            f.write("domid=42\n")
        p, port, log = start(data)
        check(port is not None, "the daemon restarts")
        time.sleep(12)
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
        check(code == 0, "second SIGTERM exits 0")
        log.seek(0)
        text = log.read()
        check("loaded host archive" in text, "the host archive was loaded at start")
        for a in archives:
            m = re.search(r"<lastupdate>(\d+)</lastupdate>", open(a).read())
            after = int(m.group(1)) if m else 0
            check(after > before[a], "%s moved on (%d > %d)" % (os.path.basename(a), after, before[a]))
        # The VM that came back kept the rows recorded before it halted.
        xml = open(archive).read()
        rows = re.findall(r"<row>(.*?)</row>", xml.split("</rra>")[0])
        known = sum(1 for r in rows if re.search(r"<v>[-0-9]", r))
        check(known >= 4, "the halted VM's history survived its restart (%d rows with values)" % known)
    finally:
        for f in glob.glob(os.path.join(data, "log-*")):
            with open(f) as fh:
                tail = fh.read()[-3000:]
            if failed:
                print("# log %s:\n# %s" % (f, tail.replace("\n", "\n# ")))
        shutil.rmtree(data, ignore_errors=True)
    print("1..%d" % checks)


main()
sys.exit(1 if failed or checks == 0 else 0)
