#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Client-style tests, with Debian's /usr/bin/python3 standard library as the clients use it:
the XenAPI library's login, the SDK sample parser that indexes xml.dom.minidom childNodes
without skipping white space, an xml.sax parser (the alarm daemon's re-poll), urllib with
user:pass@ credentials (preemptive, and answering the 401 challenge), the web UI's four JSON
granularities, the monitoring agent's re-poll from meta.end, an exporter's data[0], and
command-line tools splitting the legend."""

import base64
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid
import xml.dom.minidom
import xml.sax

from harness import (ALICE, HOST_UUID, Harness, Tap, fake_value, owner_index, ds_index,
                     same_float, strict_json, vm_uuid)

tap = Tap()
h = Harness("--vms", "3", "--srs", "1", "--ds", "8", "--history", "7200")
USER, PASSWORD = ALICE


def get(path, session=None):
    p = path + (("&" if "?" in path else "?") + "session_id=" + urllib.parse.quote(session)
                if session else "")
    return h.request(p, auth=None if session else ALICE)


# ---- the XenAPI library logs in as XenCenter-era tools do ----
sys.path.insert(0, "/usr/lib/python3/dist-packages")
try:
    from os_xenapi.client import XenAPI
    s = XenAPI.Session(h.url("/"))
    s.login_with_password(USER, PASSWORD, "1.0", "rrdd-tests")
    SESSION = s._session
    tap.ok(SESSION.startswith("OpaqueRef:") and s.API_version == "2.21",
           "os_xenapi's XenAPI.Session logs in (pool, master and API version calls)",
           (SESSION, s.API_version))
    bad = None
    try:
        XenAPI.Session(h.url("/")).login_with_password(USER, "nope")
    except XenAPI.Failure as e:
        bad = e.details
    tap.ok(bad and bad[0] == "SESSION_AUTHENTICATION_FAILED", "a wrong password raises Failure",
           bad)
except ImportError as e:
    tap.skip("XenAPI library login", "python3-os-xenapi not installed (%s)" % e)
    import xmlrpc.client
    SESSION = xmlrpc.client.ServerProxy(h.url("/")).session.login_with_password(
        USER, PASSWORD)["Value"]

# ---- the SDK sample parser: childNodes by index, nothing skipped ----
start = int(time.time()) - 300
r = get("/rrd_updates?start=%d&host=true&cf=AVERAGE" % start, SESSION)
doc = xml.dom.minidom.parseString(r.body)
try:
    xport = doc.childNodes[0]
    meta, data = xport.childNodes[0], xport.childNodes[1]
    names = [n.nodeName for n in meta.childNodes]
    m = {n: int(meta.childNodes[i].firstChild.data)
         for i, n in enumerate(["start", "step", "end", "rows", "columns"])}
    legend = meta.childNodes[5]
    entries = [legend.childNodes[i].firstChild.data for i in range(m["columns"])]
    host_uuid, vms = None, {}
    for col, e in enumerate(entries):
        cf, kind, uid, name = e.split(":")
        if kind == "host":
            host_uuid = uid
        elif kind == "vm":
            vms.setdefault(uid, []).append((col, name))
        else:
            raise ValueError("unexpected kind " + kind)
    # Logical row r is the (rows-1-r)-th <row>: it must be r steps after start.
    bad = []
    for r_ in range(m["rows"]):
        row = data.childNodes[m["rows"] - 1 - r_]
        t = int(row.childNodes[0].firstChild.data)
        if t != m["start"] + r_ * m["step"] or len(row.childNodes) != 1 + m["columns"]:
            bad.append((r_, t))
        for col, e in enumerate(entries):
            cf, kind, uid, name = e.split(":")
            v = float(row.childNodes[1 + col].firstChild.data)
            if not same_float(v, fake_value(owner_index(kind, uid), ds_index(kind, name), t)):
                bad.append((r_, e, v))
    tap.ok(names == ["start", "step", "end", "rows", "columns", "legend"] and
           xport.childNodes[1].nodeName == "data" and host_uuid == HOST_UUID and len(vms) == 3
           and not bad, "the SDK child-index parser reads every row and value", (names, bad[:3]))
except Exception as e:
    tap.ok(False, "the SDK child-index parser reads every row and value", repr(e))


# ---- the alarm daemon: SAX, then re-poll from the first row's t + 1 ----
class Sax(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.path, self.text, self.meta, self.legend, self.rows = [], "", {}, [], []

    def startElement(self, name, attrs):
        self.path.append(name)
        self.text = ""
        if name == "row":
            self.rows.append([None, []])

    def characters(self, c):
        self.text += c

    def endElement(self, name):
        self.path.pop()
        if name in ("start", "step", "end", "rows", "columns"):
            self.meta[name] = int(self.text)
        elif name == "entry":
            self.legend.append(self.text)
        elif name == "t":
            self.rows[-1][0] = int(self.text)
        elif name == "v":
            self.rows[-1][1].append(float(self.text))


sx = Sax()
xml.sax.parseString(get("/rrd_updates?start=%d&host=true&sr_uuid=all&cf=AVERAGE&interval=60"
                        % (int(time.time()) - 300), SESSION).body, sx)
tap.ok(sx.meta.get("step") == 60 and len(sx.rows) == sx.meta["rows"] > 0 and
       sx.rows[0][0] == sx.meta["end"] and all(len(v) == sx.meta["columns"] for _, v in sx.rows),
       "SAX: perfmon's query (interval=60, sr_uuid=all) parses", sx.meta)
tap.ok(any(e.split(":")[1] == "sr" for e in sx.legend), "sr_uuid=all brings SR columns")
sx2 = Sax()
xml.sax.parseString(get("/rrd_updates?start=%d&host=true" % (sx.rows[0][0] + 1), SESSION).body, sx2)
tap.ok(all(t > sx.rows[0][0] for t, _ in sx2.rows), "re-polling from first t + 1 gives only newer rows",
       [t for t, _ in sx2.rows])

# ---- urllib with user:pass@ ----
url = "http://%s:%s@127.0.0.1:%d/rrd_updates?start=-60&host=true" % (
    urllib.parse.quote(USER), urllib.parse.quote(PASSWORD), h.port)
parts = urllib.parse.urlsplit(url)
plain = urllib.parse.urlunsplit((parts.scheme, "%s:%d" % (parts.hostname, parts.port),
                                 parts.path, parts.query, ""))
req = urllib.request.Request(plain)
req.add_header("Authorization", "Basic " + base64.b64encode(
    ("%s:%s" % (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password)))
    .encode()).decode())
with urllib.request.urlopen(req) as f:
    body, enc = f.read(), f.headers.get("Content-Encoding")
tap.ok(f.status == 200 and body.startswith(b"<?xml") and enc is None,
       "urllib, credentials from user:pass@ sent preemptively; no gzip", (f.status, enc))
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, plain, urllib.parse.unquote(parts.username),
                 urllib.parse.unquote(parts.password))
opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
with opener.open(plain) as f:
    tap.ok(f.status == 200 and f.read().startswith(b"<?xml"),
           "urllib answering the 401 challenge (WWW-Authenticate: Basic) gets in")
try:
    urllib.request.urlopen(plain)
    code = 200
except urllib.error.HTTPError as e:
    code = e.code
tap.ok(code == 401, "urllib without credentials: HTTPError 401", code)


# ---- the web UI: four granularities, meta.step must equal interval ----
def wait_inside_step():
    # start is computed from the clock; keep clear of the instant a tick lands.
    while not 0.3 < time.time() % 5 < 4.5:
        time.sleep(0.1)


for interval, back in ((5, 595), (60, 7140), (3600, 167 * 3600), (86400, 365 * 86400)):
    wait_inside_step()
    st = int(time.time()) - back
    r = get("/rrd_updates?json=true&cf=AVERAGE&interval=%d&start=%d&host=true" % (interval, st),
            SESSION)
    j = strict_json(r.text())
    ok = int(j["meta"]["step"]) == interval and all(e.startswith("AVERAGE:") for e in
                                                    j["meta"]["legend"])
    ts = [int(d["t"]) for d in j["data"]]
    ok = ok and ts == sorted(ts, reverse=True) and (not ts or ts[0] == int(j["meta"]["end"]))
    tap.ok(ok, "web UI: interval=%d, start=now-%d answers step %d, newest first" %
           (interval, back, interval), j["meta"] if not ok else None)

# ---- the monitoring agent: re-poll with start = previous meta.end, YAML-ish tolerance aside ----
r = get("/rrd_updates?json=true&start=-60&host=true", SESSION)
j = strict_json(r.text())
prev_end = int(j["meta"]["end"])
r = get("/rrd_updates?json=true&start=%d&host=true" % prev_end, SESSION)
j2 = strict_json(r.text())
tap.ok(j2["data"] and prev_end in [int(d["t"]) for d in j2["data"]],
       "re-polling from meta.end returns the row at that time (never an empty data)", j2["meta"])

# ---- an exporter: cf=AVERAGE, data[0] is current, a host entry is present ----
r = get("/rrd_updates?json=true&cf=AVERAGE&start=-30&host=true", SESSION)
j = strict_json(r.text())
hosts = [e for e in j["meta"]["legend"] if e.split(":")[1] == "host"]
d0 = j["data"][0]
i = j["meta"]["legend"].index("AVERAGE:host:%s:memory_total_kib" % HOST_UUID)
tap.ok(hosts and int(d0["t"]) == max(int(d["t"]) for d in j["data"]) and
       float(d0["values"][i]) == fake_value(0, ds_index("host", "memory_total_kib"), int(d0["t"])),
       "exporter: data[0] is the newest row and holds the value fed at that time", d0["t"])

# ---- command-line tools: four fields, a known CF, a parseable uuid ----
r = get("/rrd_updates?start=-30&host=true&sr_uuid=all&interval=60", SESSION)
doc = xml.dom.minidom.parseString(r.body)
bad = []
for e in doc.getElementsByTagName("entry"):
    f = e.firstChild.data.split(":")
    try:
        uuid.UUID(f[2])
        if len(f) != 4 or f[0] not in ("AVERAGE", "MIN", "MAX") or f[1] not in ("host", "vm", "sr"):
            bad.append(f)
    except (ValueError, IndexError):
        bad.append(f)
tap.ok(not bad and doc.getElementsByTagName("entry"), "every legend entry splits into 4 fields",
       bad[:3])

h.check_stop(tap)
tap.done()
