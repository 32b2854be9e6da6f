#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The authentication matrix on every endpoint (none, bad, Basic, session by query and cookie,
pool secret by query and cookie), XML-RPC sessions with Python's xmlrpc.client (login, logout,
failures, per-user cap, idle expiry), users reload on SIGHUP."""

import signal
import time
import urllib.parse
import xmlrpc.client

from harness import (ALICE, BOB, POOL_SECRET, USERS, Harness, Tap, basic, halted_uuid, sr_uuid,
                     vm_uuid)

tap = Tap()

h = Harness("--no-tick", "--vms", "2", "--srs", "1", "--halted", "1", "--metrics-auth",
            "--session-timeout", "3", "--sessions-per-user", "2")
rpc = xmlrpc.client.ServerProxy(h.url("/"))

# XML-RPC login as XenAPI clients do it.
res = rpc.session.login_with_password(ALICE[0], ALICE[1], "1.0", "rrdd-tests")
tap.ok(res.get("Status") == "Success" and res.get("Value", "").startswith("OpaqueRef:") and
       len(res["Value"]) == 46, "session.login_with_password: Success and an OpaqueRef", res)
SESSION = res["Value"]
bad = rpc.session.login_with_password(ALICE[0], "wrong", "1.0", "rrdd-tests")
tap.ok(bad.get("Status") == "Failure" and
       bad.get("ErrorDescription", [None])[0] == "SESSION_AUTHENTICATION_FAILED",
       "a wrong password: Failure SESSION_AUTHENTICATION_FAILED", bad)
bad = rpc.session.login_with_password("mallory", "x")
tap.ok(bad.get("Status") == "Failure" and
       bad["ErrorDescription"][0] == "SESSION_AUTHENTICATION_FAILED", "an unknown user too", bad)
bad = rpc.session.login_with_password(ALICE[0])
tap.ok(bad.get("Status") == "Failure" and
       bad["ErrorDescription"][0] == "MESSAGE_PARAMETER_COUNT_MISMATCH",
       "missing parameters: MESSAGE_PARAMETER_COUNT_MISMATCH", bad)
bad = xmlrpc.client.ServerProxy(h.url("/RPC2")).host.get_all()
tap.ok(bad.get("Status") == "Failure" and bad["ErrorDescription"] == ["MESSAGE_METHOD_UNKNOWN",
                                                                      "host.get_all"],
       "/RPC2: an unknown method is a well-formed Failure", bad)
r = h.request("/RPC2", method="POST", body=b"<methodCall><oops", auth=None)
tap.ok(r.status == 400 and b"<fault>" in r.body and b"well-formed" in r.body,
       "a body that is not XML: 400 with a fault document", (r.status, r.body))

ENDPOINTS = ["/rrd_updates?start=-60&host=true", "/host_rrd", "/host_rrds",
             "/vm_rrd?uuid=" + vm_uuid(0), "/vm_rrds?uuid=" + vm_uuid(1),
             "/vm_rrd?uuid=" + halted_uuid(0), "/sr_rrd?uuid=" + sr_uuid(0), "/metrics"]


def sep(path):
    return "&" if "?" in path else "?"


def attempt(path, how):
    """Status of path with credentials given `how`."""
    headers, auth, p = {}, None, path
    if how == "basic":
        auth = ALICE
    elif how == "basic-bob":
        auth = BOB
    elif how == "bad-basic":
        auth = (ALICE[0], "wrong")
    elif how == "garbage-auth":
        headers["Authorization"] = "Basic %%%%"
    elif how == "bearer":
        headers["Authorization"] = "Bearer " + SESSION
    elif how == "session-query":
        p += sep(path) + "session_id=" + urllib.parse.quote(SESSION)
    elif how == "session-query-raw":
        p += sep(path) + "session_id=" + SESSION
    elif how == "session-cookie":
        headers["Cookie"] = "session_id=" + SESSION
    elif how == "bad-session":
        p += sep(path) + "session_id=OpaqueRef:00000000-0000-4000-8000-000000000000"
    elif how == "bad-session-good-basic":
        p += sep(path) + "session_id=OpaqueRef:nonsense"
        auth = ALICE
    elif how == "pool-query":
        p += sep(path) + "pool_secret=" + urllib.parse.quote(POOL_SECRET)
    elif how == "pool-cookie":
        headers["Cookie"] = "other=1; pool_secret=" + POOL_SECRET
    elif how == "bad-pool":
        p += sep(path) + "pool_secret=" + POOL_SECRET + "x"
    r = h.request(p, headers=headers, auth=auth)
    return r


GOOD = ["basic", "basic-bob", "session-query", "session-query-raw", "session-cookie",
        "bad-session-good-basic", "pool-query", "pool-cookie"]
BAD = ["none", "bad-basic", "garbage-auth", "bearer", "bad-session", "bad-pool"]
for path in ENDPOINTS:
    bad_results = {}
    for how in BAD:
        r = attempt(path, how)
        if not (r.status == 401 and r.header("www-authenticate") == 'Basic realm="rrdd"'):
            bad_results[how] = (r.status, r.header("www-authenticate"))
    tap.ok(not bad_results, "%s: 401 with WWW-Authenticate: Basic for %s" % (path, ", ".join(BAD)),
           bad_results)
    good_results = {}
    for how in GOOD:
        r = attempt(path, how)
        # Dumps answer 503 until the persistence writer is built in; what matters is not 401.
        if r.status in (401, 403) or r.status >= 500 and r.status != 503:
            good_results[how] = r.status
    tap.ok(not good_results, "%s: accepted with %s" % (path, ", ".join(GOOD)), good_results)

# Logout ends the session; a second logout is SESSION_INVALID.
out = rpc.session.logout(SESSION)
tap.ok(out.get("Status") == "Success", "session.logout", out)
tap.ok(attempt(ENDPOINTS[0], "session-query").status == 401, "a logged-out session is refused")
out = rpc.session.logout(SESSION)
tap.ok(out.get("Status") == "Failure" and out["ErrorDescription"][0] == "SESSION_INVALID",
       "logging out twice: SESSION_INVALID", out)

# At most two sessions per user: the least recently used goes.
s1 = rpc.session.login_with_password(*ALICE)["Value"]
s2 = rpc.session.login_with_password(*ALICE)["Value"]
tap.ok(h.request(ENDPOINTS[0] + "&session_id=" + s1, auth=None).status == 200, "first session")
s3 = rpc.session.login_with_password(*ALICE)["Value"]
codes = [h.request(ENDPOINTS[0] + "&session_id=" + s, auth=None).status for s in (s1, s2, s3)]
tap.ok(codes == [200, 401, 200], "a third login evicts the least recently used session", codes)
b1 = rpc.session.login_with_password(*BOB)["Value"]
tap.ok(h.request(ENDPOINTS[0] + "&session_id=" + b1, auth=None).status == 200,
       "another user's sessions are counted apart")

# Idle sessions expire (3 s here); use keeps them alive.
for _ in range(3):
    time.sleep(1.2)
    keep = h.request(ENDPOINTS[0] + "&session_id=" + s1, auth=None).status
time.sleep(0.5)
codes = [h.request(ENDPOINTS[0] + "&session_id=" + s, auth=None).status for s in (s1, s3)]
tap.ok(keep == 200 and codes == [200, 401], "a used session lives on, an idle one expires",
       (keep, codes))

# SIGHUP re-reads the users: alice removed, her sessions end, bob stays.
with open(h.users_file, "w") as f:
    f.write(USERS.split("\n", 1)[1])
h.signal(signal.SIGHUP)
time.sleep(0.5)
codes = (attempt(ENDPOINTS[0], "basic").status, attempt(ENDPOINTS[0], "basic-bob").status,
         h.request(ENDPOINTS[0] + "&session_id=" + s1, auth=None).status)
tap.ok(codes == (401, 200, 401), "after SIGHUP alice is gone (Basic and session), bob stays", codes)
# An unreadable users file keeps the previous users.
with open(h.users_file, "w") as f:
    f.write("")
import os
os.chmod(h.users_file, 0)
os.rename(h.users_file, h.users_file + ".gone")
h.signal(signal.SIGHUP)
time.sleep(0.5)
tap.ok(attempt(ENDPOINTS[0], "basic-bob").status == 200,
       "a users file that cannot be read keeps the old users")
h.check_stop(tap)

# /metrics is open when metrics_auth is off, the rest is not.
h = Harness("--no-tick", "--vms", "1")
codes = (h.request("/metrics", auth=None).status,
         h.request("/rrd_updates?start=-60", auth=None).status)
tap.ok(codes == (200, 401), "metrics_auth off: /metrics open, data endpoints closed", codes)
h.check_stop(tap)

# Without a users file, Basic never works but the pool secret does.
h = Harness("--no-tick", "--vms", "1", users=False)
codes = (h.request("/rrd_updates?start=-60").status,
         h.request("/rrd_updates?start=-60&pool_secret=" + POOL_SECRET, auth=None).status)
tap.ok(codes == (401, 200), "no users file: Basic refused, pool secret accepted", codes)
h.check_stop(tap)

tap.done()
