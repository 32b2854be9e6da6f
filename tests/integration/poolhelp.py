# SPDX-License-Identifier: MIT
"""Shared helpers of the pool integration tests: TAP checks, free ports, a daemon of the pool
(Host) with its own data_dir, sim_dir and log, and HTTP calls that never follow redirects."""

import base64
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RRDD = sys.argv[1] if len(sys.argv) > 1 else "build-test/rrdd/rrdd"
checks = 0
failed = 0

# `openssl passwd -6 -salt rrddtestsalt 'correct horse'`
USERS = ("alice:$6$rrddtestsalt$BA02PktEnYo5DXH0v8J0zJRIlwwIj5s2Hq3WN07FeOxZvAbC6VKdAVHi4PXCBQ20YXQFd"
         "grygKLw80w3DkcTF1\n")
AUTH = "Basic " + base64.b64encode(b"alice:correct horse").decode()
SECRET = "pool-secret-for-the-test-0123456789"


def check(ok, what):
    global checks, failed
    checks += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (checks, what), flush=True)
    if not ok:
        failed += 1
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, step=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def request(port, path, method="GET", auth=AUTH, cookie=None, body=None, headers=None):
    """(status, headers dict with lower-case names, body bytes); never follows redirects."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    if auth:
        h["Authorization"] = auth
    if cookie:
        h["Cookie"] = cookie
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    except OSError as e:
        return None, {}, str(e).encode()
    finally:
        c.close()


def make_root():
    """A temporary directory with the shared users file and pool secret."""
    root = tempfile.mkdtemp(prefix="rrdd-pool-")
    with open(os.path.join(root, "users"), "w") as f:
        f.write(USERS)
    with open(os.path.join(root, "secret"), "w") as f:
        f.write(SECRET + "\n")
    os.chmod(os.path.join(root, "secret"), 0o600)
    return root


def finish(root, hosts):
    """Kills what is left, shows the logs when something failed, prints the plan."""
    for h in hosts:
        h.stop(signal.SIGKILL)
    for h in hosts:
        for line in (h.text() if h.log else "").splitlines():
            if "runtime error" in line or "AddressSanitizer" in line:
                check(False, "%s: %s" % (h.name, line))
    if failed:
        for f in sorted(glob.glob(os.path.join(root, "log-*"))):
            with open(f) as fh:
                lines = [l for l in fh.read().splitlines() if "<7>" not in l]
            print("# log %s:\n# %s" % (os.path.basename(f), "\n# ".join(lines[-40:])))
    if os.environ.get("RRDD_TEST_KEEP"):
        print("# kept %s" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    print("1..%d" % checks)
    return 1 if failed or checks == 0 else 0


class Host:
    def __init__(self, root, name, role, sims, master_url=None, extra=()):
        self.name = name
        self.dir = os.path.join(root, name)
        self.sim = os.path.join(self.dir, "sim")
        self.port = free_port()
        self.role = role
        self.sims = sims
        self.master_url = master_url
        self.extra = list(extra)
        self.proc = None
        self.log = None
        os.makedirs(self.dir, exist_ok=True)

    def start(self, root):
        self.log = open(os.path.join(root, "log-%s-%d" % (self.name, time.monotonic_ns())), "w+")
        args = [RRDD, "--data_dir", self.dir, "--sources", "proc,sim:%d" % self.sims,
                "--sim_dir", self.sim, "--listen", "127.0.0.1:%d" % self.port,
                "--inventory_file", "/nonexistent", "--log_level", "debug",
                "--users_file", os.path.join(root, "users"),
                "--pool_secret_file", os.path.join(root, "secret"), "--pool_role", self.role]
        if self.master_url:
            args += ["--master_url", self.master_url]
        args += self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log)
        ok = wait_for(lambda: "rrdd running" in self.text() or self.proc.poll() is not None, 20)
        return ok and self.proc.poll() is None

    def text(self):
        if not self.log:
            return ""
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def uuid(self):
        return open(os.path.join(self.dir, "host-uuid")).read().strip()

    def vms(self):
        return sorted(f for f in os.listdir(self.sim) if re.fullmatch(r"[0-9a-f-]{36}", f))

    def get(self, path, **kw):
        return request(self.port, path, **kw)


def xport_rows(body):
    """{column name: {t: value text}} from an xport XML answer."""
    text = body.decode()
    legend = re.findall(r"<entry>([^<]*)</entry>", text)
    cols = {name: {} for name in legend}
    for t, vals in re.findall(r"<row><t>(\d+)</t>(.*?)</row>", text):
        for name, v in zip(legend, re.findall(r"<v>([^<]*)</v>", vals)):
            cols[name][int(t)] = v
    return cols


def known(values):
    return {t: v for t, v in values.items() if v not in ("NaN",)}


