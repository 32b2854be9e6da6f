#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""rrdd-tool import, export and graph with rrdtool on the other side. Output is TAP."""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
SHARED = os.path.join(os.environ.get("RRDD_SOURCE_ROOT", "."), "..", "shared")
n = failed = 0


def check(ok, what, detail=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what), flush=True)
    if not ok:
        failed += 1
        if detail:
            print("# " + str(detail).replace("\n", "\n# "))


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


tmp = tempfile.mkdtemp(prefix="rrdd-archive-tool-")
data = os.path.join(tmp, "data")
U1 = "11111111-2222-4333-8444-555555555555"
U2 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
try:
    # xcp-rrdd's own internal form (an extra <last_updated>), named by --uuid.
    flip = os.path.join(SHARED, "data", "xcp-rrdd", "flip_flop.xml")
    r = run(TOOL, "import", "--data-dir", data, "--uuid", U1, flip)
    check(r.returncode == 0 and os.path.exists(os.path.join(data, U1 + ".xml")),
          "import of xcp-rrdd's flip_flop.xml", r.stderr)
    r = run(TOOL, "dump", os.path.join(data, U1 + ".xml"))
    check(r.returncode == 0 and "<rrd>" in r.stdout, "the imported archive loads")

    # A binary rrdtool file named by its uuid.
    src = os.path.join(tmp, U2 + ".rrd")
    run("rrdtool", "create", src, "--start", "1000000000", "--step", "5",
        "DS:g:GAUGE:20:U:U", "DS:c:COUNTER:20:0:U", "RRA:AVERAGE:0.5:1:30", "RRA:MAX:0.5:3:10")
    updates = ["%d:%s:%d" % (1000000000 + 5 * i, 1.0 + 0.25 * i, 1000 * i * i) for i in range(1, 40)]
    r = run("rrdtool", "update", src, *updates)
    check(r.returncode == 0, "rrdtool made a file", r.stderr)
    r = run(TOOL, "import", "--data-dir", data, src)
    check(r.returncode == 0 and os.path.exists(os.path.join(data, U2 + ".xml")),
          "import of a binary .rrd, named by its file name", r.stderr)

    # And back to rrdtool: the same rows, as rrdtool prints them.
    back = os.path.join(tmp, "back.rrd")
    r = run(TOOL, "export", "--format", "rrdtool", "--data-dir", data, "--output", back, U2)
    check(r.returncode == 0 and os.path.exists(back), "export to a binary .rrd", r.stderr)
    for cf in ("AVERAGE", "MAX"):
        a = run("rrdtool", "fetch", src, cf, "-s", "1000000000", "-e", "1000000195")
        b = run("rrdtool", "fetch", back, cf, "-s", "1000000000", "-e", "1000000195")
        check(a.returncode == 0 and a.stdout == b.stdout and "e+" in a.stdout,
              "rrdtool fetch %s: the round trip through rrdd keeps every row" % cf,
              (a.stdout[-400:], b.stdout[-400:]))

    # To xcp-rrdd: gzip, its internal form, and only the types it has.
    # xcp-rrdd's names can be longer than rrdtool allows: build this one with replay.
    gauge = os.path.join(tmp, "g.xml")
    lines = "\n".join("%d:%d:%d" % (1000000000 + 5 * i, 100 + i, i) for i in range(1, 10))
    with open(gauge, "w") as f:
        r = subprocess.run([TOOL, "replay", "--start", "1000000000", "--step", "5",
                            "DS:memory_internal_free:GAUGE:300:0:U", "DS:cpu0:DERIVE:300:0:1",
                            "RRA:AVERAGE:0.5:1:20"], input=lines, stdout=f, stderr=subprocess.PIPE,
                           text=True)
    check(r.returncode == 0, "replay builds an archive with a 20-character name", r.stderr)
    r = run(TOOL, "import", "--data-dir", data, "--uuid", U1, gauge)
    out = os.path.join(tmp, U1 + ".gz")
    r = run(TOOL, "export", "--format", "xcp", "--data-dir", data, "--output", out, U1)
    check(r.returncode == 0, "export to xcp-rrdd's <uuid>.gz", r.stderr)
    text = gzip.open(out, "rt").read() if os.path.exists(out) else ""
    check("<last_updated>" in text and text.count("<ds>") >= 2 and "<type>COUNTER" not in text,
          "gzip'd internal XML with <last_updated> in every data source")
    r = run(TOOL, "dump", out)
    check(r.returncode == 0 and "memory_internal_free" in r.stdout, "the .gz reads back")
    r = run(TOOL, "export", "--format", "xcp", "--data-dir", data, "--output", out + "2", U2)
    check(r.returncode == 1 and "COUNTER" in r.stderr, "a COUNTER cannot go to xcp-rrdd", r.stderr)

    # A graph. librrd's drawing path leaks inside fontconfig and pango (not ours to fix), so the
    # leak checker is off for these two runs only.
    genv = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    png = os.path.join(tmp, "g.png")
    r = run(TOOL, "graph", "--data-dir", data, "--output", png, "--start", "999999990",
            "--end", "1000000050", U1, env=genv)
    ok = r.returncode == 0 and os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    check(ok, "graph draws a PNG", r.stderr)
    r = run(TOOL, "graph", "--data-dir", data, "--output", png, "--ds", "nosuch", U1, env=genv)
    check(r.returncode == 1 and "none of the --ds" in r.stderr, "graph of an unknown data source")

    # Errors.
    r = run(TOOL, "import", "--data-dir", data, os.path.join(tmp, "back.rrd"))
    check(r.returncode == 1 and "uuid" in r.stderr, "import of a file not named by a uuid needs --uuid")
    bad = os.path.join(tmp, U1 + ".xml")
    open(bad, "w").write("<rrd><step>5</rrd>")
    r = run(TOOL, "import", "--data-dir", data, bad)
    check(r.returncode == 1 and "line" in r.stderr, "a malformed archive is refused with its line",
          r.stderr)
    r = run(TOOL, "export", "--format", "rrdtool", "--data-dir", data,
            "00000000-0000-4000-8000-000000000000")
    check(r.returncode == 1 and "no such archive" in r.stderr, "export of an unknown uuid")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % n)
sys.exit(1 if failed else 0)
