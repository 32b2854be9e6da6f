#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A pool over https: the master serves TLS with a self-signed certificate; a member that
trusts it through pool_ca_file reports and archives over https, and a member that trusts only
the system's store is refused by certificate verification and sends nothing. Output is TAP."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poolhelp import Host, check, finish, make_root, wait_for  # noqa: E402


def main():
    root = make_root()
    cert, key = os.path.join(root, "cert.pem"), os.path.join(root, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       capture_output=True)
    hosts = []
    try:
        if not check(p.returncode == 0, "openssl made a self-signed certificate"):
            return finish(root, hosts)
        m = Host(root, "master", "master", 0, extra=["--tls_cert", cert, "--tls_key", key])
        url = "https://127.0.0.1:%d" % m.port
        a = Host(root, "trusting", "member", 1, url, extra=["--pool_ca_file", cert])
        b = Host(root, "untrusting", "member", 1, url)
        hosts = [m, a, b]
        check(m.start(root), "the master starts with TLS")
        check(a.start(root) and b.start(root), "both members start")
        check(wait_for(lambda: a.uuid() in m.text(), 20),
              "the member trusting the master's CA reports over https")
        vm, = a.vms()
        check(wait_for(lambda: re.search(r"<v>[0-9]", a.get(
            "/rrd_updates?start=-60&cf=AVERAGE&vm_uuid=" + vm)[2].decode()), 30),
              "its VM has rows")
        os.unlink(os.path.join(a.sim, vm))
        check(wait_for(lambda: os.path.exists(os.path.join(m.dir, vm + ".xml")), 30),
              "its halted VM is archived on the master over https")
        check(wait_for(lambda: "cannot report to the master" in b.text(), 20),
              "the member without the CA cannot report")
        check(b.uuid() not in m.text(), "and the master never heard of it")
        check(re.search(r"cannot report to the master https://\S+: Protocol error", b.text()),
              "because the TLS handshake fails")
        for h in (a, b, m):
            code = h.stop()
            check(code == 0, "%s exits 0 (%s)" % (h.name, code))
        check(os.path.exists(os.path.join(m.dir, a.uuid() + ".xml")),
              "the trusting member's host RRD reached the master at shutdown")
        check(os.path.exists(os.path.join(b.dir, "spool", b.uuid() + ".xml")) and
              not os.path.exists(os.path.join(m.dir, b.uuid() + ".xml")),
              "the other's stayed in its spool: nothing goes to an unverified master")
    finally:
        code = finish(root, hosts)
    return code


sys.exit(main())
