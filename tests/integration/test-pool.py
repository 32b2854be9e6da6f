#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A pool of three real daemons on loopback ports: a master M and members A and B, each with
simulated VMs (files in its sim_dir), one pool secret and one users file. A VM that halts on a
member is archived on the master; /vm_rrd redirects from every host to where the VM is; a VM
whose file moves from A to B keeps its history on B; a halt while the master is down reaches
the master once it is back; /rrd_updates?pool=true has every host's columns and names a member
that does not answer; a wrong secret is refused. Output is TAP."""

import json
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poolhelp import (Host, check, finish, known, make_root, request, wait_for,  # noqa: E402
                      xport_rows, SECRET)


def main():
    root = make_root()
    m = Host(root, "master", "master", 1)
    url = "http://127.0.0.1:%d" % m.port
    a = Host(root, "a", "member", 3, url)
    b = Host(root, "b", "member", 1, url)
    hosts = [m, a, b]
    try:
        check(m.start(root), "the master starts")
        check(a.start(root) and b.start(root), "both members start")
        reported = wait_for(lambda: a.uuid() in m.text() and b.uuid() in m.text(), 20)
        check(reported, "both members report to the master")
        # Every VM has an RRD with a few rows before anything moves.
        a_vm1, a_vm2, a_vm3 = a.vms()
        b_vm, = b.vms()
        m_vm, = m.vms()
        for h, v in ((a, a_vm1), (a, a_vm2), (a, a_vm3), (b, b_vm), (m, m_vm)):
            ok = wait_for(lambda: len(known(xport_rows(h.get(
                "/rrd_updates?start=-60&cf=AVERAGE&vm_uuid=" + v)[2]).get(
                    "AVERAGE:vm:%s:memory" % v, {}))) >= 3, 30)
            check(ok, "VM %s on %s has rows" % (v[:8], h.name))
        # Reports carry the VMs: the master knows where each one runs.
        time.sleep(2)

        # ---- authentication: the pool secret only ----
        good = "pool_secret=" + SECRET
        bad = "pool_secret=not-the-secret-0123456789"
        st, _, _ = m.get("/rrd?uuid=" + a_vm1, auth=None, cookie=bad)
        check(st == 401, "GET /rrd with a wrong secret: 401 (got %s)" % st)
        st, _, _ = m.get("/rrd?uuid=" + a_vm1)
        check(st == 401, "GET /rrd with valid Basic credentials only: 401 (got %s)" % st)
        st, hd, _ = m.get("/rrd?uuid=" + a_vm1, auth=None, cookie=bad)
        check("www-authenticate" in hd, "a 401 names the scheme")
        st, _, _ = m.get("/rrd?uuid=%s&archive=true" % a_vm1, method="PUT", auth=None, cookie=bad,
                         body=b"<rrd/>")
        check(st == 401, "PUT /rrd with a wrong secret: 401 (got %s)" % st)
        st, _, _ = m.get("/rrd?uuid=%s&archive=true" % a_vm1, method="PUT", body=b"<rrd/>")
        check(st == 401, "PUT /rrd with Basic credentials: 401 (got %s)" % st)
        st, _, _ = m.get("/pool/report", method="POST", auth=None, cookie=bad, body=b"x")
        check(st == 401, "POST /pool/report with a wrong secret: 401 (got %s)" % st)
        st, _, body = m.get("/rrd?uuid=00000000-0000-4000-8000-00000000dead", auth=None,
                            cookie=good)
        check(st == 404, "GET /rrd with the secret for an unknown uuid: 404 (got %s)" % st)
        st, _, body = m.get("/rrd?uuid=%s&archive=true" % a_vm1, method="PUT", auth=None,
                            cookie=good, body=b"<rrd><version>0003</version></rrd>")
        check(st == 400, "PUT /rrd with the secret and a broken RRD: 400 (got %s %s)" %
              (st, body[:80]))

        # ---- hand-over: the master points at the member holding a VM ----
        st, hd, _ = m.get("/rrd?uuid=%s&from=%s" % (a_vm1, b.uuid()), auth=None, cookie=good)
        loc = hd.get("location", "")
        check(st == 307 and loc.startswith("http://127.0.0.1:%d/rrd?" % a.port),
              "GET /rrd on the master for a VM on A: 307 to A (%s %s)" % (st, loc))
        st, hd, body = a.get(loc[len("http://127.0.0.1:%d" % a.port):], auth=None, cookie=good)
        check(st == 200 and b"<rrd>" in body and b"<lastupdate" in body,
              "and A answers with the VM's RRD (%s)" % st)
        st, hd, _ = m.get("/rrd?uuid=%s&from=%s" % (a_vm1, a.uuid()), auth=None, cookie=good)
        check(st != 307, "the master never sends a member to itself (%s)" % st)

        # ---- /vm_rrd from every host ----
        for h in hosts:
            st, hd, _ = h.get("/vm_rrd?uuid=" + a_vm1)
            loc = hd.get("location", "")
            if h is a:
                check(st == 200, "/vm_rrd on A for A's VM: served (%s)" % st)
            elif h is m:
                check(st == 302 and loc.startswith("http://127.0.0.1:%d/vm_rrd?uuid=%s" %
                                                   (a.port, a_vm1)),
                      "/vm_rrd on the master for A's VM: 302 to A (%s %s)" % (st, loc))
            else:
                check(st == 302 and loc.startswith("http://127.0.0.1:%d/vm_rrd?uuid=%s" %
                                                   (m.port, a_vm1)),
                      "/vm_rrd on B for A's VM: 302 to the master (%s %s)" % (st, loc))
        # Followed all the way from B: B -> master -> A, which answers.
        path, port, hops = "/vm_rrd?uuid=" + a_vm1 + "&json=true", b.port, 0
        while hops < 5:
            st, hd, body = request(port, path)
            if st != 302:
                break
            mm = re.match(r"http://127\.0\.0\.1:(\d+)(/.*)", hd.get("location", ""))
            port, path = int(mm.group(1)), mm.group(2)
            hops += 1
        check(st == 200 and port == a.port and hops == 2 and json.loads(body).get("step") == "5",
              "following the redirects from B ends on A after 2 hops (%s, %d hops)" % (st, hops))
        st, hd, _ = a.get("/vm_rrd?uuid=" + m_vm)
        check(st == 302 and hd.get("location", "").startswith("http://127.0.0.1:%d/" % m.port),
              "/vm_rrd on A for the master's VM: 302 to the master (%s)" % st)
        st, _, _ = m.get("/vm_rrd?uuid=" + m_vm)
        check(st == 200, "/vm_rrd on the master for its own VM: served (%s)" % st)

        # ---- a halt on a member: the archive goes to the master ----
        os.unlink(os.path.join(a.sim, a_vm1))
        archive = os.path.join(m.dir, a_vm1 + ".xml")
        check(wait_for(lambda: os.path.exists(archive), 30), "a VM halted on A is archived on "
              "the master")
        check(wait_for(lambda: "vm %s archived" % a_vm1 in a.text(), 15),
              "and A dropped it once the master had it")
        st, hd, body = m.get("/vm_rrd?uuid=" + a_vm1)
        st = wait_for(lambda: m.get("/vm_rrd?uuid=" + a_vm1)[0] == 200 and 200, 70) or st
        check(st == 200, "/vm_rrd on the master serves the halted VM's archive (%s)" % st)
        st, hd, _ = b.get("/vm_rrd?uuid=" + a_vm1)
        check(st == 302 and hd.get("location", "").startswith("http://127.0.0.1:%d/" % m.port),
              "/vm_rrd on B for the halted VM: 302 to the master (%s)" % st)
        st, hd, _ = a.get("/vm_rrd?uuid=" + a_vm1)
        check(st == 302 and hd.get("location", "").startswith("http://127.0.0.1:%d/" % m.port),
              "/vm_rrd on A for the halted VM: 302 to the master (%s)" % st)

        # ---- migration: A's history continues on B ----
        before = xport_rows(a.get("/rrd_updates?start=-595&cf=AVERAGE&vm_uuid=" + a_vm2)[2])
        mem_a = known(before.get("AVERAGE:vm:%s:memory" % a_vm2, {}))
        cpu_a = known(before.get("AVERAGE:vm:%s:cpu0" % a_vm2, {}))
        check(len(mem_a) >= 3, "A recorded %d rows of VM %s" % (len(mem_a), a_vm2[:8]))
        shutil.move(os.path.join(a.sim, a_vm2), os.path.join(b.sim, a_vm2))
        moved_at = time.time()

        def on_b():
            cols = xport_rows(b.get("/rrd_updates?start=-595&cf=AVERAGE&vm_uuid=" + a_vm2)[2])
            mem = known(cols.get("AVERAGE:vm:%s:memory" % a_vm2, {}))
            return cols if mem and mem_a and max(mem) > max(mem_a) else None
        after = wait_for(on_b, 40) or {}
        mem_b = after.get("AVERAGE:vm:%s:memory" % a_vm2, {})
        cpu_b = after.get("AVERAGE:vm:%s:cpu0" % a_vm2, {})
        same = [t for t in mem_a if mem_b.get(t) == mem_a[t]]
        check(after and len(same) == len(mem_a),
              "rrd_updates on B over the last 10 minutes has every row A recorded (%d of %d)" %
              (len(same), len(mem_a)))
        check(all(cpu_b.get(t) == v for t, v in cpu_a.items()),
              "with A's values (cpu0 too)")
        new_rows = [t for t, v in mem_b.items() if t > max(mem_a) and v != "NaN"]
        gap = min(new_rows) - max(mem_a) if new_rows else None
        check(new_rows and gap <= 20,
              "and B's own rows follow with no gap beyond the move (%s s)" % gap)
        print("# moved, first row on B after %.1f s" % (time.time() - moved_at))
        check(wait_for(lambda: m.get("/vm_rrd?uuid=" + a_vm2)[1].get("location", "").startswith(
            "http://127.0.0.1:%d/" % b.port), 70),
              "/vm_rrd on the master now sends the migrated VM to B")
        check(a.get("/rrd_updates?start=-60&vm_uuid=" + a_vm2)[0] == 404,
              "A no longer lists the migrated VM")
        check(not re.search(r"cannot (load|archive)[^\n]*%s" % a_vm2, a.text() + b.text()),
              "no load or archive of the migrated VM failed on the way")

        # ---- the race: B asks for a VM that A has not archived yet ----
        # The master cannot write this VM's archive (a directory stands where the file goes), so
        # A keeps it in memory, reporting it as leaving, for as long as B needs.
        blocker = os.path.join(m.dir, a_vm3 + ".xml")
        os.mkdir(blocker)
        before = xport_rows(a.get("/rrd_updates?start=-595&cf=AVERAGE&vm_uuid=" + a_vm3)[2])
        mem_a3 = known(before.get("AVERAGE:vm:%s:memory" % a_vm3, {}))
        shutil.move(os.path.join(a.sim, a_vm3), os.path.join(b.sim, a_vm3))

        def on_b3():
            cols = xport_rows(b.get("/rrd_updates?start=-595&cf=AVERAGE&vm_uuid=" + a_vm3)[2])
            mem = known(cols.get("AVERAGE:vm:%s:memory" % a_vm3, {}))
            return mem if mem and mem_a3 and max(mem) > max(mem_a3) else None
        mem_b3 = wait_for(on_b3, 40) or {}
        check(re.search(r"cannot archive vm %s" % a_vm3, a.text()),
              "A could not archive the VM that moved to B: it holds it in memory")
        check(mem_a3 and all(mem_b3.get(t) == v for t, v in mem_a3.items()),
              "B carries on with A's rows, taken from A's memory (%d of %d)" %
              (sum(1 for t, v in mem_a3.items() if mem_b3.get(t) == v), len(mem_a3)))
        # B halts it too before the master can write either copy: B's is newer and must win,
        # whichever arrives first once the master can write again.
        os.unlink(os.path.join(b.sim, a_vm3))
        check(wait_for(lambda: re.search(r"cannot archive vm %s" % a_vm3, b.text()), 30),
              "B cannot archive it either, for now")
        last_b3 = max(mem_b3) if mem_b3 else 0
        os.rmdir(blocker)

        def archived_by_both():
            return ("vm %s archived" % a_vm3 in a.text() and
                    "vm %s archived" % a_vm3 in b.text() and os.path.isfile(blocker))
        check(wait_for(archived_by_both, 120, 1), "both copies reach the master once it can write")
        lu = re.search(r"<lastupdate[^>]*>(\d+)</lastupdate>", open(blocker).read())
        lu = int(lu.group(1)) if lu else 0
        check(lu >= last_b3 and lu > max(mem_a3 or [0]),
              "the master keeps B's copy, the newer one, whatever the order (%d >= %d)" %
              (lu, last_b3))
        check(a_vm3 not in b.get("/rrd_updates?start=-60")[2].decode() and
              a_vm3 not in a.get("/rrd_updates?start=-60")[2].decode(),
              "and neither member holds the VM any longer")

        # ---- the master down during a halt ----
        code = m.stop()
        check(code == 0, "the master stops cleanly (%s)" % code)
        os.unlink(os.path.join(b.sim, b_vm))
        spool = os.path.join(b.dir, "spool", b_vm + ".xml")
        check(wait_for(lambda: os.path.exists(spool), 30),
              "B cannot reach the master: the halted VM waits in B's spool")
        check(not os.path.exists(os.path.join(m.dir, b_vm + ".xml")),
              "and not on the master yet")
        check(wait_for(lambda: re.search(r"cannot archive vm %s" % b_vm, b.text()), 10),
              "B keeps it in memory and retries")
        check(m.start(root), "the master starts again")
        check(wait_for(lambda: os.path.exists(os.path.join(m.dir, b_vm + ".xml")), 60),
              "the halted VM's archive reaches the master once it is back")
        check(wait_for(lambda: not os.path.exists(spool), 30), "B's spool is emptied")
        st = wait_for(lambda: m.get("/vm_rrd?uuid=" + b_vm)[0] == 200 and 200, 70)
        check(st == 200, "the master serves it")
        xml = open(os.path.join(m.dir, b_vm + ".xml")).read()
        rows = re.findall(r"<row>(.*?)</row>", xml.split("</rra>")[0])
        check(sum(1 for r in rows if re.search(r"<v>[-0-9]", r)) >= 3,
              "with the rows B recorded")

        # ---- pool=true: every host's columns ----
        uuids = {h.uuid() for h in hosts}

        # The master has just restarted: its own VM comes back with its first tick (at the next
        # 5 s boundary), so wait for every host's columns and every running VM's.
        def pool_hosts():
            st, hd, body = m.get("/rrd_updates?start=-60&host=true&cf=AVERAGE&pool=true")
            got = set(re.findall(r"<entry>AVERAGE:host:([^:]+):", body.decode()))
            vms = set(re.findall(r"<entry>AVERAGE:vm:([^:]+):", body.decode()))
            return (st, hd, body) if got == uuids and vms == {a_vm2, m_vm} else None
        res = wait_for(pool_hosts, 75, 1)
        check(res is not None, "pool=true on the master has the host columns of all 3 hosts "
              "and its running VMs' columns")
        if res:
            st, hd, body = res
            text = body.decode()
            vms = set(re.findall(r"<entry>AVERAGE:vm:([^:]+):", text))
            check(vms == {a_vm2, m_vm}, "and every running VM's columns (%s)" %
                  sorted(v[:8] for v in vms))
            check("<missing_hosts/>" in text and "x-rrdd-missing-hosts" not in hd,
                  "nobody is missing")
            n_rows = int(re.search(r"<rows>(\d+)</rows>", text).group(1))
            n_cols = int(re.search(r"<columns>(\d+)</columns>", text).group(1))
            rows = re.findall(r"<row>(.*?)</row>", text)
            check(len(rows) == n_rows and all(r.count("<v>") == n_cols for r in rows) and
                  len(re.findall(r"<entry>", text)) == n_cols,
                  "rows and columns are consistent (%d x %d)" % (n_rows, n_cols))
            ts = [int(t) for t in re.findall(r"<row><t>(\d+)</t>", text)]
            check(ts == sorted(ts, reverse=True) and all(x - y == 5 for x, y in zip(ts, ts[1:])),
                  "rows newest first, 5 s apart")
        st, _, body = m.get("/rrd_updates?start=-60&host=true&cf=AVERAGE&pool=true&json=true")
        try:
            doc = json.loads(body)
            got = {e.split(":")[2] for e in doc["meta"]["legend"] if e.split(":")[1] == "host"}
            check(got == uuids and doc["meta"]["missing_hosts"] == [],
                  "pool=true as JSON: valid, all hosts, missing_hosts empty")
        except (ValueError, KeyError) as e:
            check(False, "pool=true as JSON parses (%s)" % e)
        st, _, _ = a.get("/rrd_updates?start=-60&pool=true")
        check(st == 400, "pool=true on a member: 400, it is the master's (%s)" % st)

        # A member that does not answer is named.
        a.stop(signal.SIGKILL)
        st, hd, body = m.get("/rrd_updates?start=-60&host=true&cf=AVERAGE&pool=true")
        text = body.decode()
        check(st == 200 and hd.get("x-rrdd-missing-hosts") == a.uuid() and
              "<missing_hosts><host>%s</host></missing_hosts>" % a.uuid() in text,
              "pool=true names the member that did not answer (%s, %s)" %
              (st, hd.get("x-rrdd-missing-hosts")))
        got = set(re.findall(r"<entry>AVERAGE:host:([^:]+):", text))
        check(got == uuids - {a.uuid()}, "and still has the others' columns")

        for h in (b, m):
            code = h.stop()
            check(code == 0, "%s exits 0 on SIGTERM (%s)" % (h.name, code))
        check(os.path.exists(os.path.join(m.dir, b.uuid() + ".xml")),
              "B sent its host RRD to the master at shutdown")
    finally:
        code = finish(root, hosts)
    return code


sys.exit(main())
