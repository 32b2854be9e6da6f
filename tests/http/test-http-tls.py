#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TLS: a self-signed certificate made with openssl, served by the harness; curl --cacert
trusts it, curl without it refuses it, plain HTTP to the TLS port gets nothing useful, and
XML-RPC logins work over it."""

import os
import ssl
import subprocess
import tempfile
import xmlrpc.client

from harness import ALICE, Harness, Tap, xmllint_ok

tap = Tap()
d = tempfile.mkdtemp(prefix="rrdd-tls-")
cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   capture_output=True)
tap.ok(p.returncode == 0, "openssl made a self-signed certificate", p.stderr)

h = Harness("--vms", "2", "--tls-cert", cert, "--tls-key", key)
url = "https://127.0.0.1:%d/rrd_updates?start=-60&host=true" % h.port
c = subprocess.run(["curl", "-sS", "--cacert", cert, "-u", "%s:%s" % ALICE, "-o", "-", "-w",
                    "\n%{http_code}", url], capture_output=True)
body, _, code = c.stdout.rpartition(b"\n")
good, msg = xmllint_ok(body)
tap.ok(c.returncode == 0 and code == b"200" and good, "curl --cacert: 200 and well-formed XML",
       (c.returncode, code, c.stderr, msg))
c = subprocess.run(["curl", "-sS", "-u", "%s:%s" % ALICE, "-o", "/dev/null", url],
                   capture_output=True)
tap.ok(c.returncode == 60, "curl without --cacert refuses the certificate (exit 60)",
       (c.returncode, c.stderr))
c = subprocess.run(["curl", "-sS", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}", url],
                   capture_output=True)
tap.ok(c.stdout == b"401", "over TLS, no credentials is still 401", c.stdout)
c = subprocess.run(["curl", "-sS", "-m", "5", "-u", "%s:%s" % ALICE, "-o", "/dev/null", "-w",
                    "%{http_code}", url.replace("https:", "http:")], capture_output=True)
tap.ok(c.stdout in (b"000", b"") and c.returncode != 0, "plain HTTP to the TLS port gets no answer",
       (c.returncode, c.stdout))

ctx = ssl.create_default_context(cafile=cert)
rpc = xmlrpc.client.ServerProxy("https://127.0.0.1:%d/" % h.port, context=ctx)
res = rpc.session.login_with_password(*ALICE)
tap.ok(res.get("Status") == "Success", "XML-RPC login over TLS, certificate verified", res)
c = subprocess.run(["curl", "-sS", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}",
                    url + "&session_id=" + res["Value"]], capture_output=True)
tap.ok(c.stdout == b"200", "the session works over TLS", c.stdout)
h.check_stop(tap)
tap.done()
