#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Checks a JSON dump (file named on the command line) the way strict clients read it: valid RFC 8259
# (no NaN literals, no control characters), every scalar a string, xcp-rrdd's field names and
# order, numbers readable by Python's float(), one value per data source in every row.
import json
import sys


def reject(what):
    raise ValueError("non-RFC 8259 literal " + what)


def walk(x):
    if isinstance(x, dict):
        for v in x.values():
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
    elif not isinstance(x, str):
        sys.exit("not a string: %r" % (x,))


with open(sys.argv[1], encoding="utf-8") as f:
    d = json.loads(f.read(), parse_constant=reject)
walk(d)
assert list(d) == ["version", "step", "lastupdate", "ds", "rra"], list(d)
float(d["lastupdate"])
int(d["step"])
for ds in d["ds"]:
    assert list(ds) == ["name", "type", "minimal_heartbeat", "min", "max", "last_ds", "value",
                        "unknown_sec", "last_updated"], list(ds)
    for k in ("min", "max", "value", "last_updated", "minimal_heartbeat"):
        float(ds[k])
for r in d["rra"]:
    assert list(r) == ["cf", "pdp_per_row", "params", "cdp_prep", "database"], list(r)
    assert list(r["params"]) == ["xff"]
    float(r["params"]["xff"])
    assert len(r["cdp_prep"]["ds"]) == len(d["ds"])
    for c in r["cdp_prep"]["ds"]:
        assert list(c) == ["primary_value", "secondary_value", "value", "unknown_datapoints"]
        for v in c.values():
            float(v)
    for row in r["database"]:
        assert len(row) == len(d["ds"])
        for v in row:
            float(v)
