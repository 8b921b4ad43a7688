# tests/history-chained.py EXPR: EXPR, a Python expression, over j, the
# history dis-checkpoint-admin printed as JSON (on stdin), with chained()
# known; exits 0 when it is true.
import json
import sys


def chained(rows, current):
    """Each partition's rows follow one another, the newest's new value
    is current[partition] (None: deleted)."""
    by = {}
    for r in rows:
        by.setdefault(r["partition"], []).append(r)
    for p, rs in by.items():
        rs.sort(key=lambda r: -r["seq"])
        if (rs[0]["new"] or {}).get("sequence") != current.get(p):
            return False
        for newer, older in zip(rs, rs[1:]):
            if (newer["seq"] != older["seq"] + 1 or
                    newer["old"] != older["new"] or
                    newer["old_set"] != older["changed"]):
                return False
    return True


j = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)
