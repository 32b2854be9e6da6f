#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Legacy XenAPI metrics objects and data-source calls on the real rrdd binary (simulated VMs,
a /proc tree whose PIF counters and free memory move while the test runs, loopback), with
Python's xmlrpc.client and Debian's python3-os-xenapi: login and bad credentials; every class
under rrd_update_interval never (zeros), 1 (the 5 s archive's newest row, refreshed every tick)
and 2 (the 1-minute archive's newest row, refreshed at minute boundaries), switched with SIGHUP
and on restart; record/forget of data sources seen in /host_rrd and /vm_rrd; typed faults;
logout ending the session for HTTP too. Output is TAP."""

import calendar
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import xmlrpc.client

SRC = os.environ.get("RRDD_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "http"))
from harness import Tap, basic, parse_xport  # noqa: E402

RRDD = sys.argv[1]
NAMESPACE = uuid.UUID("8b09db12-5eea-4dcc-8862-8e242b2d63c7")  # rrdd/legacy.h
CLASSES = ["host_metrics", "VM_metrics", "VIF_metrics", "VBD_metrics", "PIF_metrics"]
EPOCH = "19700101T00:00:00Z"

tap = Tap()


# ---- a /proc tree whose counters move ----

class FakeProc:
    """Copies the 2-CPU fixture and keeps rewriting net/dev and meminfo in place (same length,
    one write, so the daemon's pread of the open file never sees a truncated file)."""

    def __init__(self, root):
        shutil.copytree(os.path.join(SRC, "tests", "sources", "fixtures", "proc-2cpu"), root,
                        symlinks=True)
        self.root = root
        self.stop = threading.Event()
        self.t0 = time.time()
        self.write()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def write(self):
        dt = time.time() - self.t0
        head = ("Inter-|   Receive                                                |  Transmit\n"
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
                "packets errs drop fifo colls carrier compressed\n")
        rows = [("lo", 1000, 1000), ("eth0", 5e9 + 700000 * dt, 2e9 + 123000 * dt),
                ("eth1", 7e5 + 3000 * dt, 3e5 + 9000 * dt),
                ("bond0", 1.2e6 + 3000 * dt, 5e5 + 9000 * dt)]
        text = head + "".join("%6s: %20d %10d 0 0 0 0 0 0 %20d %10d 0 0 0 0 0 0\n"
                              % (n, rx, 1, tx, 1) for n, rx, tx in rows)
        self.put("proc/net/dev", text)
        avail = 9876540 - int(dt * 37) % 100000
        mem = ("MemTotal:       16318480 kB\nMemFree:         1203400 kB\n"
               "MemAvailable: %12d kB\nBuffers:          402312 kB\nCached:          7801234 kB\n"
               % avail)
        self.put("proc/meminfo", mem)

    def put(self, rel, text):
        path = os.path.join(self.root, rel)
        data = text.encode()
        mode = "r+b" if os.path.exists(path) and os.path.getsize(path) == len(data) else "wb"
        with open(path, mode) as f:
            f.seek(0)
            f.write(data)

    def run(self):
        while not self.stop.wait(0.5):
            self.write()


# ---- the daemon ----

class Daemon:
    def __init__(self, tmp, conf, extra=()):
        self.tmp = tmp
        self.log_path = os.path.join(tmp, "log-%d" % time.monotonic_ns())
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [RRDD, "--config", conf, "--data_dir", os.path.join(tmp, "data"),
             "--sources", "proc,sim:2", "--sim_dir", os.path.join(tmp, "sim"),
             "--proc_root", os.path.join(tmp, "root"), "--listen", "127.0.0.1:0",
             "--inventory_file", "/nonexistent", "--log_level", "info", *extra],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.time() + 15
        while time.time() < deadline and self.port is None and self.proc.poll() is None:
            m = re.search(r"listening on \S+ \(port (\d+)\)", self.text())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.1)
        self.password = open(os.path.join(tmp, "data", "initial-password")).read().strip() \
            if self.port else None
        self.url = "http://127.0.0.1:%s/" % self.port

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=10, after=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.text()[after:]):
                return True
            time.sleep(0.1)
        return False

    def get(self, path, session=None):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {}
        if session:
            path += ("&" if "?" in path else "?") + "session_id=" + urllib.parse.quote(session)
        else:
            headers["Authorization"] = basic("root", self.password)
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---- helpers ----

def when(dt):
    """An xmlrpc.client.DateTime (or its text) as Unix seconds."""
    s = dt.value if hasattr(dt, "value") else str(dt)
    return calendar.timegm(time.strptime(s.rstrip("Z"), "%Y%m%dT%H:%M:%S"))


def llround(x):
    return 0 if math.isnan(x) else int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def kbs(x):
    return 0.0 if math.isnan(x) else x / 1024.0


def cell(x):
    return 0.0 if math.isnan(x) else x


def rows_at(d, t, interval):
    """{(kind, uuid, name): value} of the AVERAGE row labelled t of the archive with that
    interval, from /rrd_updates (host and every resident VM), or None."""
    status, body = d.get("/rrd_updates?start=%d&interval=%d&cf=AVERAGE&host=true"
                         % (t - 2 * interval, interval))
    if status != 200:
        return None
    meta, legend, rows = parse_xport(body.decode())
    if meta["step"] != interval:
        return None
    for rt, vals in rows:
        if rt == t:
            out = {}
            for e, v in zip(legend, vals):
                cf, kind, u, name = e.split(":", 3)
                out[(kind, u, name)] = v
            return out
    return None


def expected_objects(row_keys, host):
    """The objects the legend says exist: {class: {(owner, device)}}."""
    exp = {c: set() for c in CLASSES}
    exp["host_metrics"].add((host, ""))
    for kind, u, name in row_keys:
        if kind == "vm":
            exp["VM_metrics"].add((u, ""))
            m = re.fullmatch(r"vif_(\d+)_(rx|tx)", name)
            if m:
                exp["VIF_metrics"].add((u, m.group(1)))
            m = re.fullmatch(r"vbd_([^_]+)_(read|write)", name)
            if m:
                exp["VBD_metrics"].add((u, m.group(1)))
        elif kind == "host":
            m = re.fullmatch(r"pif_(.+)_(rx|tx)", name)
            if m and m.group(1) != "aggr":
                exp["PIF_metrics"].add((u, m.group(1)))
    return exp


def owner_of(cls, rec):
    return (rec["host"] if cls in ("host_metrics", "PIF_metrics") else rec["VM"])[len("OpaqueRef:"):]


def object_uuid(cls, owner, device):
    name = "%s:%s" % (cls, owner) if cls in ("host_metrics", "VM_metrics") \
        else "%s:%s:%s" % (cls, owner, device)
    return str(uuid.uuid5(NAMESPACE, name))


def compare(cls, rec, row, owner):
    """Differences between a record and the archive row it should come from."""
    kind = "host" if cls in ("host_metrics", "PIF_metrics") else "vm"

    def v(name):
        return row.get((kind, owner, name), math.nan)

    bad = []

    def want(field, got, exp):
        same = got == exp or (isinstance(exp, float) and abs(got - exp) <= 1e-12 * abs(exp))
        if not same:
            bad.append("%s %s %s: %r, archive says %r" % (cls, owner, field, got, exp))

    if cls == "host_metrics":
        want("memory_total", rec["memory_total"], str(llround(v("memory_total_kib") * 1024)))
        want("memory_free", rec["memory_free"], str(llround(v("memory_free_kib") * 1024)))
    elif cls == "VM_metrics":
        want("memory_actual", rec["memory_actual"], str(llround(v("memory"))))
        cpus = sorted(int(n[3:]) for k, u, n in row if k == "vm" and u == owner
                      and re.fullmatch(r"cpu\d+", n))
        want("VCPUs_number", rec["VCPUs_number"], str(len(cpus)))
        want("VCPUs_utilisation", rec["VCPUs_utilisation"],
             {str(i): cell(v("cpu%d" % i)) for i in cpus})
    else:
        dev = rec["device"]
        names = {"VIF_metrics": ("vif_%s_rx", "vif_%s_tx"),
                 "VBD_metrics": ("vbd_%s_read", "vbd_%s_write"),
                 "PIF_metrics": ("pif_%s_rx", "pif_%s_tx")}[cls]
        want("io_read_kbs", rec["io_read_kbs"], kbs(v(names[0] % dev)))
        want("io_write_kbs", rec["io_write_kbs"], kbs(v(names[1] % dev)))
    return bad


def all_records(x):
    """{class: records} through an os_xenapi or xmlrpc session wrapper."""
    return {c: x(c + ".get_all_records") for c in CLASSES}


def check_against_archive(d, recs, interval, host, what):
    """Every record equals the row of its last_updated in the archive of that interval."""
    bad, cache, times = [], {}, set()
    for cls in CLASSES:
        for ref, rec in recs[cls].items():
            t = when(rec["last_updated"])
            times.add(t)
            if t not in cache:
                cache[t] = rows_at(d, t, interval)
            row = cache[t]
            if row is None:
                bad.append("no %d s row at %d for %s %s" % (interval, t, cls, ref))
                continue
            bad += compare(cls, rec, row, owner_of(cls, rec))
    tap.ok(not bad and times, "%s: every record equals its archive row (%d row(s))"
           % (what, len(times)), "\n".join(bad[:20]))
    return times


def known_cells(d, name):
    """How many cells of the host's 5 s AVERAGE archive are known for name (None: no column)."""
    status, body = d.get("/host_rrd")
    root = ET.fromstring(body)
    names = [e.text for e in root.findall("ds/name")]
    if name not in names:
        return None
    col = names.index(name)
    rows = root.findall("rra")[0].findall("database/row")
    return sum(1 for rw in rows if not math.isnan(float(rw.findall("v")[col].text)))


def nonzero_io(recs):
    """How many device objects show traffic."""
    return sum(1 for c in ("VIF_metrics", "VBD_metrics", "PIF_metrics")
               for r in recs[c].values() if r["io_read_kbs"] > 0 or r["io_write_kbs"] > 0)


# ---- the test ----

def main():
    tmp = tempfile.mkdtemp(prefix="rrdd-legacy-")
    fake = FakeProc(os.path.join(tmp, "root"))
    conf = os.path.join(tmp, "rrdd.conf")
    with open(conf, "w") as f:
        f.write("# rrd_update_interval not set: never is the default\n")
    d = None
    try:
        d = Daemon(tmp, conf)
        if not tap.ok(d.port, "the daemon starts"):
            tap.diag(d.text())
            return
        host = open(os.path.join(tmp, "data", "host-uuid")).read().strip()
        vms = sorted(os.listdir(os.path.join(tmp, "sim")))

        # ---- login: xmlrpc.client and os_xenapi ----
        px = xmlrpc.client.ServerProxy(d.url)
        r = px.session.login_with_password("root", "wrong", "1.0", "rrdd-tests")
        tap.ok(r["Status"] == "Failure" and r["ErrorDescription"][0] ==
               "SESSION_AUTHENTICATION_FAILED", "xmlrpc.client: a wrong password is refused", r)
        r = px.session.login_with_password("nobody", d.password)
        tap.ok(r["Status"] == "Failure" and r["ErrorDescription"][0] ==
               "SESSION_AUTHENTICATION_FAILED", "xmlrpc.client: an unknown user is refused", r)
        r = px.session.login_with_password("root", d.password, "1.0", "rrdd-tests")
        tap.ok(r["Status"] == "Success" and r["Value"].startswith("OpaqueRef:"),
               "xmlrpc.client: login", r)
        sid = r["Value"]

        def raw(method, *args):
            return getattr(px, method)(sid, *args)

        def xval(method, *args):
            r = raw(method, *args)
            if r.get("Status") != "Success":
                raise RuntimeError("%s: %r" % (method, r))
            return r["Value"]

        sys.path.insert(0, "/usr/lib/python3/dist-packages")
        from os_xenapi.client import XenAPI
        xs = XenAPI.Session(d.url)
        failed = None
        try:
            xs.login_with_password("root", "not it", "1.0", "rrdd-tests")
        except XenAPI.Failure as e:
            failed = e.details
        tap.ok(failed and failed[0] == "SESSION_AUTHENTICATION_FAILED",
               "os_xenapi: a wrong password raises Failure", failed)
        xs.login_with_password("root", d.password, "1.0", "rrdd-tests")
        tap.ok(xs._session.startswith("OpaqueRef:"), "os_xenapi: login")

        def xen(method, *args):
            obj = xs.xenapi
            for part in method.split("."):
                obj = getattr(obj, part)
            return obj(*args)

        # Wait for the VMs and their devices (two ticks give rates).
        ok = False
        deadline = time.time() + 25
        while time.time() < deadline and not ok:
            recs = all_records(xen)
            ok = len(recs["VM_metrics"]) == len(vms) and len(recs["VIF_metrics"]) > 0
            time.sleep(0.5)
        tap.ok(ok, "every simulated VM has a VM_metrics object", recs)
        time.sleep(6)

        # ---- never: every value zero, last_updated the epoch ----
        recs = all_records(xen)
        zeros = []
        for cls in CLASSES:
            for ref, rec in recs[cls].items():
                for k, v in rec.items():
                    if k in ("uuid", "VM", "host", "device", "other_config", "live"):
                        continue
                    if k == "last_updated":
                        if str(v.value) != EPOCH:
                            zeros.append((cls, k, v))
                    elif v not in ("0", 0.0, {}):
                        zeros.append((cls, k, v))
        tap.ok(not zeros, "never: every value is zero and last_updated is %s" % EPOCH, zeros)
        tap.ok(all(len(recs[c]) > 0 for c in CLASSES),
               "never: every class has objects (%s)" % ", ".join(
                   "%s %d" % (c, len(recs[c])) for c in CLASSES))

        # The object set is the one the archives describe; uuids and refs are name-based.
        t_any = int(time.time()) // 5 * 5 - 10
        row = rows_at(d, t_any, 5) or {}
        exp = expected_objects(row.keys(), host)
        got = {c: {(owner_of(c, r), r.get("device", "")) for r in recs[c].values()}
               for c in CLASSES}
        tap.ok(got == exp, "the objects are the host, the VMs and their VIFs, VBDs and PIFs",
               (got, exp))
        tap.ok(("eth0" in {dv for _, dv in got["PIF_metrics"]}) and
               ("xvda" in {dv for _, dv in got["VBD_metrics"]}),
               "PIF eth0 and VBD xvda are there")
        bad = [(c, ref, rec["uuid"]) for c in CLASSES for ref, rec in recs[c].items()
               if rec["uuid"] != object_uuid(c, owner_of(c, rec), rec.get("device", ""))
               or ref != "OpaqueRef:" + rec["uuid"]]
        tap.ok(not bad, "uuids are uuid5(namespace, class:owner[:device]), refs OpaqueRef:uuid",
               bad)
        r0 = next(iter(recs["VBD_metrics"]))
        tap.ok(xen("VBD_metrics.get_record", r0) == recs["VBD_metrics"][r0] and
               xen("VBD_metrics.get_by_uuid", recs["VBD_metrics"][r0]["uuid"]) == r0 and
               xen("VBD_metrics.get_uuid", r0) == recs["VBD_metrics"][r0]["uuid"] and
               xen("VBD_metrics.get_device", r0) == recs["VBD_metrics"][r0]["device"],
               "get_record, get_by_uuid, get_uuid and a getter agree with get_all_records")
        tap.ok(sorted(xen("VIF_metrics.get_all")) == sorted(recs["VIF_metrics"]),
               "get_all lists the same references")
        vm_ref = xen("VM.get_by_uuid", vms[0])
        tap.ok(xen("VM.get_metrics", vm_ref) == "OpaqueRef:" + object_uuid("VM_metrics", vms[0], "")
               and xen("host.get_metrics", "OpaqueRef:" + host) ==
               "OpaqueRef:" + object_uuid("host_metrics", host, ""),
               "VM.get_metrics and host.get_metrics lead to the metrics objects")

        # ---- typed faults, never a dropped connection ----
        r = px.VM_metrics.get_record(sid)
        tap.ok(r.get("ErrorDescription") == ["MESSAGE_PARAMETER_COUNT_MISMATCH",
                                             "VM_metrics.get_record", "2", "1"],
               "too few arguments: MESSAGE_PARAMETER_COUNT_MISMATCH", r)
        r = px.host.query_data_source(sid, "OpaqueRef:" + host, "cpu0", "extra")
        tap.ok(r.get("ErrorDescription", [""])[0] == "MESSAGE_PARAMETER_COUNT_MISMATCH",
               "too many arguments: MESSAGE_PARAMETER_COUNT_MISMATCH", r)
        r = px.VM_metrics.get_everything(sid)
        tap.ok(r.get("ErrorDescription") == ["MESSAGE_METHOD_UNKNOWN", "VM_metrics.get_everything"],
               "unknown method: MESSAGE_METHOD_UNKNOWN", r)
        r = px.PIF_metrics.get_all_records("OpaqueRef:00000000-0000-4000-8000-000000000000")
        tap.ok(r.get("ErrorDescription", [""])[0] == "SESSION_INVALID",
               "an unknown session: SESSION_INVALID", r)
        r = px.VIF_metrics.get_io_read_kbs(sid, "OpaqueRef:" + vms[0])
        tap.ok(r.get("ErrorDescription") == ["HANDLE_INVALID", "VIF_metrics", "OpaqueRef:" + vms[0]],
               "a reference of another class: HANDLE_INVALID", r)
        r = px.VM_metrics.get_by_uuid(sid, host)
        tap.ok(r.get("ErrorDescription", [""])[0] == "UUID_INVALID", "an unknown uuid: UUID_INVALID",
               r)
        r = px.VM_metrics.get_record(sid, 42)
        tap.ok(r.get("ErrorDescription", [""])[0] == "FIELD_TYPE_ERROR",
               "a reference that is not a string: FIELD_TYPE_ERROR", r)
        failed = None
        try:
            xen("VBD_metrics.get_record", "OpaqueRef:nonsense")
        except XenAPI.Failure as e:
            failed = e.details
        tap.ok(failed == ["HANDLE_INVALID", "VBD_metrics", "OpaqueRef:nonsense"],
               "os_xenapi raises Failure HANDLE_INVALID", failed)

        # ---- data sources ----
        hds = xen("host.get_data_sources", "OpaqueRef:" + host)
        names = [x["name_label"] for x in hds]
        tap.ok(names == sorted(names) and {"memory_total_kib", "loadavg"} <= set(names) and
               all(set(x) == {"name_label", "name_description", "enabled", "standard", "units",
                              "min", "max", "value"} for x in hds),
               "host.get_data_sources: sorted records with the data_source fields", hds[:3])
        status, body = d.get("/host_rrd")
        archived = set(re.findall(r"<name>([^<]*)</name>", body.decode()))
        tap.ok({x["name_label"] for x in hds if x["enabled"]} == archived,
               "enabled is exactly what /host_rrd archives",
               ({x["name_label"] for x in hds if x["enabled"]} ^ archived))
        extra = [x["name_label"] for x in hds if not x["standard"] and not x["enabled"]]
        tap.ok(extra, "the host has non-default data sources that are not archived", hds)
        q1 = xen("host.query_data_source", "OpaqueRef:" + host, "memory_total_kib")
        tap.ok(q1 == 16318480.0, "query_data_source gives the newest 5 s value (%r)" % q1)
        failed = None
        try:
            xen("host.query_data_source", "OpaqueRef:" + host, extra[0] if extra else "x")
        except XenAPI.Failure as e:
            failed = e.details
        tap.ok(failed and failed[0] == "DATASOURCE_MISSING",
               "query of a data source that is not archived: DATASOURCE_MISSING", failed)
        if extra:
            xen("host.record_data_source", "OpaqueRef:" + host, extra[0])
            status, body = d.get("/host_rrd")
            tap.ok(("<name>%s</name>" % extra[0]) in body.decode(),
                   "record_data_source adds %s to /host_rrd" % extra[0])
            rec = [x for x in xen("host.get_data_sources", "OpaqueRef:" + host)
                   if x["name_label"] == extra[0]]
            tap.ok(rec and rec[0]["enabled"], "and lists it as enabled")
            xen("host.forget_data_source_archives", "OpaqueRef:" + host, extra[0])
            status, body = d.get("/host_rrd")
            tap.ok(("<name>%s</name>" % extra[0]) not in body.decode(),
                   "forget_data_source_archives removes %s from /host_rrd" % extra[0])
            time.sleep(5.5)
            status, body = d.get("/host_rrd")
            tap.ok(("<name>%s</name>" % extra[0]) not in body.decode(),
                   "and it stays gone after a tick (not a default data source)")
        # A default one: gone now, back with no history at the next tick. Right after a tick,
        # so that no tick falls between the forget and the check.
        while time.time() % 5 < 1.0 or time.time() % 5 > 2.5:
            time.sleep(0.1)
        known_before = known_cells(d, "loadavg")
        xen("host.forget_data_source_archives", "OpaqueRef:" + host, "loadavg")
        status, body = d.get("/host_rrd")
        tap.ok("<name>loadavg</name>" not in body.decode(),
               "forgetting the default loadavg removes its column at once")
        time.sleep(5.5)
        known = known_cells(d, "loadavg")
        tap.ok(known is not None and known <= 2 and known_before is not None and known_before > 2,
               "it comes back at the next tick without its history (%s known cells, %s before)"
               % (known, known_before))
        vref = "OpaqueRef:" + vms[0]
        vds = xen("VM.get_data_sources", vref)
        vextra = [x["name_label"] for x in vds if not x["standard"] and not x["enabled"]]
        tap.ok("vif_0_rx_errors" in vextra, "a VM's non-default vif_0_rx_errors is listed", vds)
        xen("VM.record_data_source", vref, "vif_0_rx_errors")
        status, body = d.get("/vm_rrd?uuid=" + vms[0])
        tap.ok(b"<name>vif_0_rx_errors</name>" in body, "VM.record_data_source: in /vm_rrd")
        xen("VM.forget_data_source_archives", vref, "vif_0_rx_errors")
        status, body = d.get("/vm_rrd?uuid=" + vms[0])
        tap.ok(b"<name>vif_0_rx_errors</name>" not in body, "VM.forget_data_source_archives")
        failed = None
        try:
            xen("VM.record_data_source", vref, "no_such_data_source")
        except XenAPI.Failure as e:
            failed = e.details
        tap.ok(failed == ["DATASOURCE_MISSING", "no_such_data_source"],
               "recording an unknown data source: DATASOURCE_MISSING", failed)

        # ---- SIGHUP: 1 ----
        with open(conf, "w") as f:
            f.write("rrd_update_interval = 1\n")
        mark = len(d.text())
        d.proc.send_signal(signal.SIGHUP)
        tap.ok(d.wait_log(r"SIGHUP: rrd_update_interval 1", after=mark),
               "SIGHUP switches to rrd_update_interval 1")
        recs = all_records(xen)
        check_against_archive(d, recs, 5, host, "1 (os_xenapi)")
        tap.ok(nonzero_io(recs) >= 4, "1: VIFs, VBDs and PIFs show traffic (%d)" % nonzero_io(recs))
        tap.ok(all(int(r["memory_actual"]) > 0 for r in recs["VM_metrics"].values()) and
               all(int(r["memory_total"]) == 16318480 * 1024 for r in recs["host_metrics"].values()),
               "1: memory in bytes (MemTotal of the /proc tree × 1024)")
        recs = {c: xval(c + ".get_all_records") for c in CLASSES}
        check_against_archive(d, recs, 5, host, "1 (xmlrpc.client)")
        # Cadence: a new 5 s row after every tick, served right after it.
        seen, stale = [], []
        end = time.time() + 11.5
        while time.time() < end:
            now = time.time()
            t = when(xen("host_metrics.get_last_updated", "OpaqueRef:" +
                         object_uuid("host_metrics", host, "")))
            if not seen or seen[-1] != t:
                seen.append(t)
            if now - t > 7.5:
                stale.append((now, t))
            time.sleep(0.25)
        steps = [b - a for a, b in zip(seen, seen[1:])]
        tap.ok(len(seen) >= 2 and all(s == 5 for s in steps) and not stale,
               "1: refreshed at every tick (last_updated %s)" % seen, stale)
        recs = all_records(xen)
        check_against_archive(d, recs, 5, host, "1, two ticks later")

        # ---- SIGHUP: 2 ----
        # Early enough in a minute to check within it, then across its end.
        while time.time() % 60 > 30:
            time.sleep(0.5)
        with open(conf, "w") as f:
            f.write("rrd_update_interval = 2\n")
        mark = len(d.text())
        d.proc.send_signal(signal.SIGHUP)
        tap.ok(d.wait_log(r"SIGHUP: rrd_update_interval 2", after=mark),
               "SIGHUP switches to rrd_update_interval 2")
        recs = all_records(xen)
        times = check_against_archive(d, recs, 60, host, "2 at once")
        t0 = max(times) if times else 0
        tap.ok(times == {t0} and t0 % 60 == 0 and time.time() - t0 < 60,
               "2: last_updated is the last minute boundary (%s)" % sorted(times))
        t5 = xen("host_metrics.get_last_updated", "OpaqueRef:" + object_uuid("host_metrics", host, ""))
        time.sleep(11)
        later = all_records(xen)
        tap.ok(later == recs, "2: nothing changes within the minute (two ticks later)")
        status, body = d.get("/rrd_updates?start=-30&interval=5&host=true&cf=AVERAGE")
        meta, _, _ = parse_xport(body.decode())
        tap.ok(meta["end"] >= when(t5) + 10, "while the 5 s archive moved on (%d)" % meta["end"])
        while time.time() < t0 + 60 + 2.5:
            time.sleep(0.25)
        deadline = time.time() + 10
        t1 = None
        while time.time() < deadline:
            recs = all_records(xen)
            t1 = when(recs["host_metrics"][next(iter(recs["host_metrics"]))]["last_updated"])
            if t1 == t0 + 60:
                break
            time.sleep(0.5)
        tap.ok(t1 == t0 + 60, "2: refreshed at the minute boundary (%s → %s)" % (t0, t1))
        times = check_against_archive(d, recs, 60, host, "2 after the boundary")
        tap.ok(times == {t0 + 60}, "2: every object from the same 1-minute row")
        tap.ok(nonzero_io(recs) >= 4, "2: the 1-minute averages show traffic")

        # ---- logout: the session is gone for XML-RPC and HTTP ----
        status, _ = d.get("/rrd_updates?start=-10&host=true", session=sid)
        tap.ok(status == 200, "HTTP accepts the XML-RPC session (%d)" % status)
        r = px.session.logout(sid)
        tap.ok(r.get("Status") == "Success", "logout", r)
        status, _ = d.get("/rrd_updates?start=-10&host=true", session=sid)
        tap.ok(status == 401, "after logout HTTP refuses the session with 401 (%d)" % status)
        r = px.VM_metrics.get_all(sid)
        tap.ok(r.get("ErrorDescription", [""])[0] == "SESSION_INVALID",
               "after logout XML-RPC answers SESSION_INVALID", r)
        osid = xs._session
        xs.xenapi.session.logout()
        status, _ = d.get("/host_rrd", session=osid)
        tap.ok(status == 401, "os_xenapi logout ends its session for HTTP too (%d)" % status)

        code = d.stop()
        tap.ok(code == 0 and "Sanitizer" not in d.text() and "runtime error" not in d.text(),
               "SIGTERM: exit 0 with nothing from the sanitizers (%s)" % code)

        # ---- restart: a command-line flag, which SIGHUP does not override ----
        d = Daemon(tmp, conf, ["--rrd_update_interval", "1"])
        tap.ok(d.port, "restart with --rrd_update_interval 1 (the file says 2)")
        sid = xmlrpc.client.ServerProxy(d.url).session.login_with_password(
            "root", d.password)["Value"]
        px = xmlrpc.client.ServerProxy(d.url)
        time.sleep(6)
        with open(conf, "w") as f:
            f.write("rrd_update_interval = never\n")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(6)
        r = px.host_metrics.get_all_records(sid)["Value"]
        rec = next(iter(r.values()))
        t = when(rec["last_updated"])
        tap.ok(time.time() - t < 8 and int(rec["memory_total"]) == 16318480 * 1024,
               "after restart: 5 s values, and a SIGHUP with the file saying never keeps the "
               "flag's 1 (last_updated %d)" % t)
        code = d.stop()
        tap.ok(code == 0 and "Sanitizer" not in d.text() and "runtime error" not in d.text(),
               "exit 0 with nothing from the sanitizers")
    finally:
        fake.stop.set()
        if d:
            d.stop()
            if tap.failed:
                tap.diag("log tail:\n" + d.text()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    tap.done()


main()
