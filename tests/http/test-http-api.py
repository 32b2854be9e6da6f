#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""/rrd_updates, dumps, /metrics and errors against the test harness: every parameter, the
archive choice, newest-first rows, compact well-formed XML, strict JSON, status codes, limits."""

import math
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

from harness import (ALICE, HOST_UUID, Harness, Tap, ds_index, fake_average, fake_value,
                     halted_uuid, owner_index, parse_xport, same_float, sr_uuid, strict_json,
                     vm_uuid, xmllint_ok)

tap = Tap()
DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def check_compact(resp, what):
    body = resp.body
    tap.ok(body.startswith(DECL + b"<xport><meta><start>"), what + ": declaration, then <xport>",
           body[:120])
    tap.ok(not re.search(rb">\s+<", body[len(DECL):]) and not body.endswith(b"\n"),
           what + ": no white space between elements", body[:200])
    good, msg = xmllint_ok(body)
    tap.ok(good, what + ": xmllint accepts it", msg)


def check_rows(meta, legend, rows, what):
    """Newest first, t = end .. start, step apart, one value per legend entry."""
    ts = [t for t, _ in rows]
    ok = (meta["rows"] == len(rows) and meta["columns"] == len(legend) and
          all(len(vs) == meta["columns"] for _, vs in rows))
    if rows:
        ok = ok and ts[0] == meta["end"] and ts[-1] == meta["start"]
        ok = ok and all(ts[i] - ts[i + 1] == meta["step"] for i in range(len(ts) - 1))
    tap.ok(ok, what + ": rows newest first, end..start, step apart, columns each", (meta, ts[:5]))


def check_values(meta, legend, rows, what, pdp_per_row):
    bad = []
    for c, entry in enumerate(legend):
        cf, kind, uuid, name = entry.split(":")
        k, d = owner_index(kind, uuid), ds_index(kind, name)
        for t, vs in rows:
            if cf == "AVERAGE" or pdp_per_row == 1:
                want = fake_average(k, d, t, pdp_per_row)
            else:
                vals = [fake_value(k, d, t - 5 * i) for i in range(pdp_per_row)]
                known = [v for v in vals if not math.isnan(v)]
                want = (min if cf == "MIN" else max)(known) if known else math.nan
            if not same_float(vs[c], want):
                bad.append((entry, t, vs[c], want))
    tap.ok(not bad, what + ": every value is the one fed in", bad[:5])


# ---- a harness that does not tick: contents are stable ----
h = Harness("--no-tick", "--vms", "3", "--srs", "2", "--halted", "1", "--ds", "10",
            "--vm-min-max", "--history", "7200")

r = h.request("/rrd_updates?start=-1&host=true&vm_uuid=none")
m, legend, rows = parse_xport(r.text())
END = m["end"]
tap.ok(r.status == 200 and END % 5 == 0 and END <= time.time(), "the newest 5 s row is recent",
       (r.status, m))

# 5 s archive, every VM (default), no SR, no host. 13 rows: data source 1 is unknown once
# every 13 steps, so a NaN is among them.
r = h.request("/rrd_updates?start=%d" % (END - 60))
check_compact(r, "start=end-60")
tap.ok(r.header("content-type") == "text/xml" and r.header("cache-control") == "no-cache, no-store",
       "content type text/xml, no caching", r.headers)
m, legend, rows = parse_xport(r.text())
check_rows(m, legend, rows, "start=end-60")
tap.ok(m["step"] == 5 and m["rows"] == 13 and m["start"] == END - 60,
       "start is inclusive: 13 rows from end-60 to end", m)
kinds = sorted({e.split(":")[1] for e in legend})
tap.ok(kinds == ["vm"] and len(legend) == 3 * 10, "default selection: every VM, no host, no SR",
       legend[:3])
tap.ok(all(len(e.split(":")) == 4 and e.split(":")[0] == "AVERAGE" for e in legend),
       "legend entries are CF:kind:uuid:name", legend[:2])
check_values(m, legend, rows, "5 s rows", 1)
tap.ok(any(math.isnan(v) for _, vs in rows for v in vs) and b"<v>NaN</v>" in r.body,
       "unknown values are spelt NaN")

# Parameters: percent-encoding, any order, unknown ones ignored, repeats, keywords.
q = urllib.parse.urlencode([("task_id", "x"), ("uuid", "ignored"), ("vm_uuid", vm_uuid(2)),
                            ("start", str(END - 10)), ("vm_uuid", vm_uuid(0)),
                            ("session_id", "OpaqueRef:nonsense"), ("host", "true"),
                            ("sr_uuid", sr_uuid(1))])
r = h.request("/rrd_updates?" + q)
m, legend, rows = parse_xport(r.text())
owners = []
for e in legend:
    o = tuple(e.split(":")[1:3])
    if o not in owners:
        owners.append(o)
tap.ok(r.status == 200 and owners == [("host", HOST_UUID), ("vm", vm_uuid(2)), ("vm", vm_uuid(0)),
                                       ("sr", sr_uuid(1))],
       "host first, then the VMs and SRs asked for, in request order", owners)
check_values(m, legend, rows, "mixed owners", 1)
tap.ok(len({e.split(":")[2] for e in legend if e.split(":")[1] == "host"}) == 1,
       "one host uuid per answer")

r = h.request("/rrd_updates?start=%2D10&vm_uuid=" + urllib.parse.quote(vm_uuid(1)))
m, legend, rows = parse_xport(r.text())
tap.ok(r.status == 200 and {e.split(":")[2] for e in legend} == {vm_uuid(1)},
       "percent-encoded values are decoded", (r.status, legend[:1]))

for q, want in (("vm_uuid=none", set()), ("vm_uuid=", set()), ("vm_uuid=all", {"vm"}),
                ("vm_uuid=none&sr_uuid=all", {"sr"}), ("sr_uuid=none", {"vm"}),
                ("vm_uuid=ALL&sr_uuid=All&host=1", {"host", "vm", "sr"})):
    r = h.request("/rrd_updates?start=%d&%s" % (END - 10, q))
    m, legend, rows = parse_xport(r.text())
    tap.ok(r.status == 200 and {e.split(":")[1] for e in legend} == want,
           "%s selects %s" % (q, sorted(want)), (r.status, r.body[:300]))

# An empty selection is a valid empty document.
r = h.request("/rrd_updates?start=%d&vm_uuid=none" % (END - 10))
check_compact(r, "empty selection")
tap.ok(r.status == 200 and b"<rows>0</rows><columns>0</columns><legend/></meta><data/></xport>"
       in r.body, "empty selection: rows 0, columns 0, empty legend and data", r.body)

# cf: case-insensitive; omitted at the 1-min tier gives AVERAGE, MIN and MAX.
r = h.request("/rrd_updates?start=%d&interval=60&host=true&vm_uuid=none" % (END - 600))
m, legend, rows = parse_xport(r.text())
cfs = [e.split(":")[0] for e in legend]
tap.ok(m["step"] == 60 and cfs == ["AVERAGE"] * 8 + ["MIN"] * 8 + ["MAX"] * 8,
       "no cf at 1 min: AVERAGE, MIN, MAX in stored order", (m, cfs))
check_rows(m, legend, rows, "1 min")
check_values(m, legend, rows, "1 min AVERAGE/MIN/MAX", 12)
r = h.request("/rrd_updates?start=%d&interval=60&host=true&cf=max" % (END - 600))
m, legend, rows = parse_xport(r.text())
tap.ok({e.split(":")[0] for e in legend} == {"MAX"} and {e.split(":")[1] for e in legend} ==
       {"host", "vm"}, "cf=max: MAX columns only", legend[:3])
check_values(m, legend, rows, "cf=max", 12)
r = h.request("/rrd_updates?start=%d&host=true&cf=LAST" % (END - 30))
m, legend, rows = parse_xport(r.text())
tap.ok(r.status == 200 and m["step"] == 5 and {e.split(":")[0] for e in legend} == {"LAST"},
       "cf=LAST at 5 s: the 1-PDP ring stands in", legend[:2])
check_values(m, legend, rows, "cf=LAST", 1)
r = h.request("/rrd_updates?start=%d&interval=60&host=true&cf=LAST" % (END - 600))
m, legend, rows = parse_xport(r.text())
tap.ok(r.status == 200 and m["columns"] == 0 and m["step"] == 60,
       "cf=LAST at 1 min (no such archive): an empty answer, not an error", r.body[:300])

# Archive choice: interval is a minimum; a start beyond an archive moves to a coarser one.
for q, step in (("start=%d" % (END - 595), 5), ("start=%d" % (END - 600), 60),
                ("start=%d&interval=5" % (END - 7000), 60), ("start=%d&interval=10" % (END - 60), 60),
                ("start=0", 86400), ("start=0&interval=5", 86400),
                ("start=%d&interval=3600" % (END - 3600), 3600)):
    r = h.request("/rrd_updates?host=true&" + q)
    m, legend, rows = parse_xport(r.text())
    tap.ok(r.status == 200 and m["step"] == step, "%s: step %d" % (q, step), m)
    if q == "start=0":
        tap.ok(m["rows"] == 366 and len(rows) == 366, "start=0: the whole daily archive (366 rows)",
               m)
        check_rows(m, legend, rows, "daily")

# JSON: json=true, or an explicit Accept; */* stays XML.
r = h.request("/rrd_updates?start=%d&host=true&json=true" % (END - 20))
j = strict_json(r.text())
rx = h.request("/rrd_updates?start=%d&host=true" % (END - 20))
mx, lx, rowsx = parse_xport(rx.text())
tap.ok(r.header("content-type") == "application/json" and list(j) == ["meta", "data"] and
       list(j["meta"]) == ["start", "step", "end", "rows", "columns", "legend"],
       "JSON: meta then data, keys in order", list(j))
scalars = [j["meta"][k] for k in ("start", "step", "end", "rows", "columns")] + \
    [row["t"] for row in j["data"]] + [v for row in j["data"] for v in row["values"]]
tap.ok(all(isinstance(s, str) for s in scalars) and all(isinstance(s, str) for s in j["meta"]["legend"]),
       "JSON: every scalar is a string")
tap.ok(int(j["meta"]["end"]) == mx["end"] and j["meta"]["legend"] == lx and
       [(int(row["t"]), [float(v) for v in row["values"]]) for row in j["data"]] ==
       [(t, vs) for t, vs in rowsx] or all(same_float(float(a), b) for row, (t, vs) in
                                           zip(j["data"], rowsx) for a, b in zip(row["values"], vs)),
       "JSON and XML carry the same data")
tap.ok(int(j["data"][0]["t"]) == int(j["meta"]["end"]), "JSON: data[0] is the newest row")
for accept, fmt in (("application/json", "json"), ("*/*", "xml"), ("text/xml", "xml"),
                    ("application/json;q=0.5, text/xml", "xml"),
                    ("application/json, */*;q=0.8", "json")):
    r = h.request("/rrd_updates?start=%d" % (END - 5), headers={"Accept": accept})
    got = "json" if r.body.startswith(b"{") else "xml"
    tap.ok(got == fmt, "Accept %s gives %s" % (accept, fmt), r.body[:60])

# Malformed known parameters: 400 and one line saying which.
for q, word in (("", "start"), ("start=soon", "start"), ("start=1.5", "start"),
                ("start=0&interval=-60", "interval"), ("start=0&interval=1m", "interval"),
                ("start=0&cf=AVG", "cf"), ("start=0&host=maybe", "host"),
                ("start=0&vm_uuid=../../etc/passwd", "vm_uuid"), ("start=0&sr_uuid=x", "sr_uuid")):
    r = h.request("/rrd_updates?" + q)
    tap.ok(r.status == 400 and word in r.text() and r.text().count("\n") == 1,
           "%r: 400 naming %s" % (q, word), (r.status, r.body))

# Unknown uuids: 404.
r = h.request("/rrd_updates?start=0&vm_uuid=" + vm_uuid(99))
tap.ok(r.status == 404 and vm_uuid(99) in r.text(), "an unknown VM uuid is 404", r.body)

# Dumps.
r = h.request("/host_rrd")
if r.status == 503 and b"not built in" in r.body:
    tap.skip("dumps", "persist/writer.h not merged yet")
else:
    for path in ("/host_rrd", "/host_rrds", "/vm_rrd?uuid=" + vm_uuid(0),
                 "/vm_rrds?uuid=" + vm_uuid(1), "/sr_rrd?uuid=" + sr_uuid(0),
                 "/vm_rrd?uuid=" + halted_uuid(0)):
        r = h.request(path)
        good, msg = xmllint_ok(r.body)
        tap.ok(r.status == 200 and r.body.startswith(DECL + b"<rrd><version>0003</version>") and
               good and not re.search(rb">\s+<", r.body[len(DECL):]), path + ": a compact dump", (r.status, msg,
                                                                                    r.body[:200]))
    r = h.request("/host_rrd?json=true")
    try:
        j = strict_json(r.text())
        float(j["lastupdate"])
        good = True
    except Exception as e:
        good = e
    tap.ok(r.status == 200 and good is True, "/host_rrd?json=true: strict JSON", good)
    for path, code in (("/vm_rrd", 400), ("/vm_rrd?uuid=nope", 400), ("/sr_rrd", 400),
                       ("/vm_rrd?uuid=" + vm_uuid(42), 404), ("/sr_rrd?uuid=" + sr_uuid(42), 404)):
        r = h.request(path)
        tap.ok(r.status == code and r.text().count("\n") == 1, "%s: %d" % (path, code),
               (r.status, r.body))

# rrdtool restore takes our dumps (when data-source names fit its 19 characters).
h2 = Harness("--no-tick", "--vms", "1", "--ds", "4", "--halted", "0")
for path, k, names in (("/host_rrd", 0, ["cpu0", "cpu1", "cpu_avg", "memory_total_kib"]),
                       ("/vm_rrd?uuid=" + vm_uuid(0), 1, ["cpu0", "cpu1", "memory"])):
    r = h2.request(path)
    d = tempfile.mkdtemp()
    xml, rrd = os.path.join(d, "d.xml"), os.path.join(d, "d.rrd")
    with open(xml, "wb") as f:
        f.write(r.body)
    p = subprocess.run(["rrdtool", "restore", xml, rrd], capture_output=True)
    tap.ok(r.status == 200 and p.returncode == 0, path + ": rrdtool restore accepts it", p.stderr)
    last = int(subprocess.run(["rrdtool", "last", rrd], capture_output=True).stdout)
    f = subprocess.run(["rrdtool", "fetch", rrd, "AVERAGE", "-r", "5", "-s", str(last - 10), "-e",
                        str(last)], capture_output=True, text=True).stdout.split("\n")
    header = f[0].split()
    rows = {int(line.split(":")[0]): line.split(":")[1].split() for line in f[2:] if ":" in line}
    bad = [(n, rows.get(last)) for n in names
           if not same_float(float(rows[last][header.index(n)]), fake_value(k, header.index(n), last))]
    tap.ok(last % 5 == 0 and last in rows and not bad,
           path + ": rrdtool fetch of the restored file gives the values fed in", (last, bad))
h2.check_stop(tap)

# Methods and paths.
for method, path, code, allow in (("POST", "/rrd_updates?start=0", 405, "GET, HEAD"),
                                  ("PUT", "/host_rrd", 405, "GET, HEAD"),
                                  ("DELETE", "/metrics", 405, "GET, HEAD"),
                                  ("GET", "/RPC2", 405, "POST"), ("GET", "/", 405, "POST"),
                                  ("GET", "/nope", 404, None), ("GET", "/rrd_updates/x", 404, None),
                                  ("GET", "/Host_rrd", 404, None)):
    r = h.request(path, method=method, body=b"" if method in ("POST", "PUT") else None)
    tap.ok(r.status == code and (allow is None or r.header("allow") == allow),
           "%s %s: %d" % (method, path, code), (r.status, r.headers))

r = h.request("/rrd_updates?start=%d" % (END - 10), method="HEAD")
tap.ok(r.status == 200 and r.body == b"", "HEAD: the headers only")

# Keep-alive: several answers on one connection, streamed ones included.
conn = h.connection()
statuses = [h.request(p, conn=conn).status for p in
            ("/rrd_updates?start=-60", "/metrics", "/rrd_updates?start=0&json", "/nope",
             "/rrd_updates?start=-60")]
conn.close()
tap.ok(statuses == [200, 200, 200, 404, 200], "one keep-alive connection serves several requests",
       statuses)

# A long query (500 vm_uuid parameters, 22 KB) is fine; an enormous one is refused (MHD answers
# 414 or, when it runs out of connection memory first, closes), and the server carries on.
q = "&".join("vm_uuid=" + vm_uuid(i % 3) for i in range(500))
r = h.request("/rrd_updates?start=-60&" + q)
tap.ok(r.status == 200, "500 vm_uuid parameters", r.status)
for size in (40000, 400000):
    try:
        code = h.request("/rrd_updates?start=-60&" + "x=1&" * (size // 4)).status
    except (ConnectionError, OSError):
        code = "closed"
    tap.ok(code in (414, 431, "closed"), "a %d-byte query is refused" % size, code)
tap.ok(h.request("/rrd_updates?start=-60").status == 200, "... and the server carries on")

# XML-RPC bodies are limited (the harness allows 64 KiB).
r = h.request("/RPC2", method="POST", body=b"<methodCall>" + b" " * 70000 + b"</methodCall>",
              auth=None, headers={"Content-Type": "text/xml"})
tap.ok(r.status == 413 and b"<fault>" in r.body, "an XML-RPC body over the limit: 413", r.status)

# /metrics: open by default; HELP and TYPE for every family; base units; labels.
r = h.request("/metrics", auth=None)
text = r.text()
tap.ok(r.status == 200 and r.header("content-type").startswith("text/plain; version=0.0.4"),
       "/metrics without credentials (metrics_auth off)", (r.status, r.headers))
families, typed, helped, bad = [], set(), set(), []
for line in text.splitlines():
    if line.startswith("# HELP "):
        helped.add(line.split()[2])
    elif line.startswith("# TYPE "):
        typed.add(line.split()[2])
        families.append(line.split()[2])
    elif line and not line.startswith("#"):
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        fam = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        if fam not in typed:
            bad.append(line)
        try:
            v = line.rsplit(" ", 1)[1]
            float(v.replace("+Inf", "inf").replace("-Inf", "-inf"))
        except ValueError:
            bad.append(line)
tap.ok(not bad and typed == helped and len(families) == len(set(families)),
       "every sample belongs to a family announced once with HELP and TYPE", bad[:5])
tap.ok(re.search(r'^rrdd_vif_rx_bytes_per_second\{kind="vm",uuid="%s",device="1"\} ' % vm_uuid(0),
                 text, re.M) is not None, "vif_1_rx: family vif_rx_bytes_per_second, device 1")
want = fake_value(0, 3, END) * 1024
tap.ok(re.search(r'^rrdd_memory_total_bytes\{kind="host",uuid="%s"\} (\S+)$' % HOST_UUID, text,
                 re.M) and float(re.search(r'^rrdd_memory_total_bytes\{[^}]*\} (\S+)$', text,
                                           re.M).group(1)) == want,
       "memory_total_kib: converted to bytes (×1024)", want)
tap.ok(re.search(r'^rrdd_daemon_http_requests_total\{code="404"\} \d+$', text, re.M) and
       re.search(r'^rrdd_daemon_http_requests_total\{code="200"\} \d+$', text, re.M),
       "HTTP requests counted by status code")
tap.ok("# TYPE rrdd_daemon_tick_duration_seconds histogram" in text and
       'rrdd_daemon_tick_duration_seconds_bucket{le="+Inf"}' in text, "tick-duration histogram")
r = h.request("/metrics", auth=None, headers={"Accept": "application/openmetrics-text; version=1.0.0"})
tap.ok(r.status == 200 and r.header("content-type").startswith("application/openmetrics-text") and
       r.text().endswith("# EOF\n") and "# TYPE rrdd_daemon_ticks counter" in r.text(),
       "OpenMetrics when Accept asks", r.text()[-200:])
h.check_stop(tap)

# ---- limits: connections and idle time ----
h = Harness("--no-tick", "--vms", "1", "--max-connections", "2", "--connection-timeout", "1")
a = socket.create_connection(("127.0.0.1", h.port))
b = socket.create_connection(("127.0.0.1", h.port))
time.sleep(0.2)
c = socket.create_connection(("127.0.0.1", h.port))
c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
c.settimeout(0.5)
try:
    early = c.recv(100)
except socket.timeout:
    early = None
tap.ok(early is None, "beyond max_connections a client waits in the backlog", early)
a.settimeout(5)
try:
    idle = a.recv(100)
except OSError as e:
    idle = e
tap.ok(idle == b"", "an idle connection is closed after connection_timeout", idle)
c.settimeout(5)
late = b""
try:
    while True:
        k = c.recv(65536)
        if not k:
            break
        late += k
except OSError:
    pass
tap.ok(late.startswith(b"HTTP/1.1 200 OK"), "... and is served once a slot frees", late[:60])
for s in (a, b, c):
    s.close()
r = h.request("/metrics")
tap.ok(r.status == 200, "the server still answers afterwards")
h.check_stop(tap)

# ---- a tick between chunks never changes an answer ----
h = Harness("--no-tick", "--vms", "300", "--ds", "20", "--history", "600", "--halted", "0")
r0 = h.request("/rrd_updates?start=-1&vm_uuid=none&host=true")
end0 = parse_xport(r0.text())[0]["end"]
conn = h.connection()
conn.request("GET", "/rrd_updates?start=%d" % (end0 - 595),
             headers={"Authorization": __import__("harness").basic(*ALICE)})
resp = conn.getresponse()
first = resp.read(4096)
h.signal(signal.SIGUSR1)
time.sleep(0.5)
rest = resp.read()
conn.close()
body = first + rest
m, legend, rows = parse_xport(body.decode())
tap.ok(len(body) > 4 << 20 and m["end"] == end0 and rows[0][0] == end0 and m["rows"] == 120,
       "a 4+ MB answer read across a tick is the answer from before the tick", (len(body), m))
check_values(m, legend, rows[:3], "answer read across a tick", 1)
r = h.request("/rrd_updates?start=%d&vm_uuid=%s" % (end0 - 10, vm_uuid(0)))
tap.ok(parse_xport(r.text())[0]["end"] == end0 + 5, "the next request sees the tick")
h.check_stop(tap)

tap.done()
