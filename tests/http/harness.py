# SPDX-License-Identifier: MIT
"""Shared helpers of the http/ integration tests: TAP output, the test harness process
(tests/http/http-harness.c) on a free loopback port, HTTP calls, and the fake backend's data
formula (tests/http/fake-backend.c: fake_value) so expected values are known."""

import base64
import http.client
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("RRDD_BUILD_ROOT", "build-test")
HARNESS = os.path.join(BUILD, "tests", "http", "http-harness")

# `openssl passwd -6 -salt rrddtestsalt 'correct horse'` / `-salt othersalt 'p:ss w0rd'`
ALICE = ("alice", "correct horse")
BOB = ("bob", "p:ss w0rd")
USERS = (
    "alice:$6$rrddtestsalt$BA02PktEnYo5DXH0v8J0zJRIlwwIj5s2Hq3WN07FeOxZvAbC6VKdAVHi4PXCBQ20YXQFdg"
    "rygKLw80w3DkcTF1\n"
    "bob:$6$othersalt$bdt31jV.28ufohPEq2B2LHG7S.9OAxmy9MC62sju/C7luTXF6h/DFptDeCxIoumW9lU1z5a6hKH"
    "SVgL1ltVqs1\n")
POOL_SECRET = "pool-secret-0123"

HOST_UUID = "11111111-1111-4111-8111-000000000000"


def vm_uuid(i):
    return "00000000-0000-4000-8000-%012x" % i


def sr_uuid(i):
    return "22222222-2222-4222-8222-%012x" % i


def halted_uuid(i):
    return "33333333-3333-4333-8333-%012x" % i


VM_DS = ["cpu0", "cpu1", "memory", "memory_target", "memory_internal_free", "cpu_usage",
         "vif_0_rx", "vif_0_tx", "vif_1_rx", "vif_1_tx", "vbd_xvda_read", "vbd_xvda_write",
         "vbd_xvda_read_latency", "vbd_xvda_write_latency", "vbd_xvdb_read", "vbd_xvdb_write",
         "vbd_xvdb_iops_read", "vbd_xvdb_iops_write", "vbd_xvdb_iops_total", "vbd_xvdb_inflight"]
HOST_DS = ["cpu0", "cpu1", "cpu_avg", "memory_total_kib", "memory_free_kib", "loadavg",
           "pif_eth0_rx", "pif_eth0_tx"]
SR_DS = ["physical_utilisation", "size", "io_throughput_read"]


def fake_value(k, ds, t):
    """What data source ds of owner k (host 0, VM i 1+i, SR i 100000+i) was given at t."""
    n = t // 5
    if ds == 1 and n % 13 == 0:
        return math.nan
    return ((n * (ds + 1) + 7 * k) % 997) / 4.0


def fake_average(k, ds, t, pdp_per_row, xff=0.5):
    """The AVERAGE row ending at t of an archive of pdp_per_row 5-s PDPs."""
    vals = [fake_value(k, ds, t - 5 * i) for i in range(pdp_per_row)]
    known = [v for v in vals if not math.isnan(v)]
    if (pdp_per_row - len(known)) / pdp_per_row > xff:
        return math.nan
    return sum(known) / len(known)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, what))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, what))
            if detail is not None:
                for line in str(detail)[:2000].splitlines():
                    print("# " + line)
        sys.stdout.flush()
        return bool(cond)

    def todo(self, cond, what, why, detail=None):
        """A check of a known bug elsewhere: reported, not counted as a failure (TAP TODO)."""
        self.n += 1
        print("%s %d - %s # TODO %s" % ("ok" if cond else "not ok", self.n, what, why))
        if not cond and detail is not None:
            for line in str(detail)[:2000].splitlines():
                print("# " + line)
        sys.stdout.flush()

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why))

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed or self.n == 0 else 0)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def text(self):
        return self.body.decode("utf-8")

    def header(self, name):
        return self.headers.get(name.lower())


class Harness:
    """One http-harness process; stop() checks that it exits 0 without sanitizer reports."""

    def __init__(self, *args, users=True, pool_secret=True):
        self.dir = tempfile.mkdtemp(prefix="rrdd-http-test-")
        self.users_file = os.path.join(self.dir, "users")
        with open(self.users_file, "w") as f:
            f.write(USERS)
        argv = [HARNESS]
        if users:
            argv += ["--users", self.users_file]
        if pool_secret:
            argv += ["--pool-secret", POOL_SECRET]
        argv += list(args)
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.stderr = open(self.stderr_path, "w")
        # The harness exits when its stdin closes, so a test that dies leaves no process.
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT (\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("harness did not start: %r; %s" % (line, open(self.stderr_path).read()))
        self.port = int(m.group(1))
        self.scheme = "https" if "--tls-cert" in args else "http"

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        """Returns (exit status, stderr text)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        err = open(self.stderr_path).read()
        return self.proc.returncode, err

    def check_stop(self, tap):
        status, err = self.stop()
        tap.ok(status == 0 and "Sanitizer" not in err and "runtime error" not in err,
               "the harness exits 0 with nothing from the sanitizers", err)

    def request(self, path, method="GET", headers=None, body=None, auth=ALICE, conn=None,
                timeout=60):
        """One request. auth: (user, password) for preemptive Basic, or None."""
        h = dict(headers or {})
        if auth is not None:
            h["Authorization"] = basic(*auth)
        own = conn is None
        if own:
            conn = self.connection(timeout)
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        if own:
            conn.close()
        return resp

    def connection(self, timeout=60):
        if self.scheme == "https":
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def strict_json(text):
    """json.loads that refuses what RFC 8259 refuses (bare NaN/Infinity) and duplicate keys."""
    def no_constants(c):
        raise ValueError("bare %s is not JSON" % c)

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate keys %r" % keys)
        return dict(pairs)

    return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)


def parse_xport(text):
    """The xport XML as (meta dict, legend list, rows [(t, [floats])]), by element name."""
    import xml.dom.minidom
    doc = xml.dom.minidom.parseString(text)
    meta = doc.getElementsByTagName("meta")[0]

    def num(tag):
        return int(meta.getElementsByTagName(tag)[0].firstChild.data)

    m = {k: num(k) for k in ("start", "step", "end", "rows", "columns")}
    legend = [e.firstChild.data for e in meta.getElementsByTagName("entry")]
    rows = []
    for row in doc.getElementsByTagName("row"):
        t = int(row.getElementsByTagName("t")[0].firstChild.data)
        vs = [float(v.firstChild.data) for v in row.getElementsByTagName("v")]
        rows.append((t, vs))
    return m, legend, rows


def xmllint_ok(data):
    """xmllint --noout on the bytes; returns (ok, message)."""
    p = subprocess.run(["xmllint", "--noout", "-"], input=data, capture_output=True)
    return p.returncode == 0, p.stderr.decode(errors="replace")


def same_float(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def owner_index(kind, uuid):
    if kind == "host":
        return 0
    i = int(uuid[-12:], 16)
    return 1 + i if kind == "vm" else 100000 + i


def ds_index(kind, name):
    return {"host": HOST_DS, "vm": VM_DS, "sr": SR_DS}[kind].index(name)
