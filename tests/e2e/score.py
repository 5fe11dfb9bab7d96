"""Match ground-truth connections to logweave's connections and score verdict + rule."""
import datetime as dt
import re
from collections import OrderedDict, defaultdict


def ts(s):
    if s is None:
        return None
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def match(truth, report, by_port):
    """Return {truth index: logweave connection or None}. One logweave connection per truth record.

    by_port: the server logs the client's own port (Daphne/uvicorn direct), so `client`
    is an exact key; otherwise (behind nginx) path + time decide, unless nginx sent the
    client its `$request_id` (X-Request-ID): then the connection holding the access line
    of that very request is the one."""
    conns = report["connections"]
    taken = set()
    result = {}
    pending = []
    by_rid = {}
    for c in conns:
        for e in c.get("events") or []:
            if e.get("stage") == "proxy":
                # (nginx's JSON access line is shown as `request_id=<id>`.)
                for tok in re.findall(r"\b[0-9a-f]{32}\b", e.get("text") or ""):
                    by_rid.setdefault(tok, c)
    for i, rec in enumerate(truth):
        if rec["expected_verdict"] == "absent":
            result[i] = None
            continue
        c = by_rid.get(rec.get("request_id") or "")
        if c is not None and id(c) not in taken:
            taken.add(id(c))
            result[i] = c
            continue
        if by_port:
            key = f"127.0.0.1:{rec['client_port']}"
            cands = [c for c in conns if c.get("client") == key and id(c) not in taken]
            if cands:
                best = min(cands, key=lambda c: (c.get("path") != rec["path"], abs((ts(c["start"]) or 0) - ts(rec["start"]))))
                taken.add(id(best))
                result[i] = best
                continue
        pending.append(i)
    # path + time: cheapest pairs first
    pairs = []
    for i in pending:
        rec = truth[i]
        s0, e0 = ts(rec["start"]), ts(rec["end"])
        for c in conns:
            if id(c) in taken or c.get("path") != rec["path"]:
                continue
            s1 = ts(c.get("start"))
            e1 = ts(c.get("end")) or s1
            if s1 is None or s1 < s0 - 2 or s1 > e0 + 2:
                continue
            cost = abs(s1 - s0) + abs(e1 - e0) * 0.5
            pairs.append((cost, i, id(c), c))
    pairs.sort(key=lambda p: (p[0], p[1]))
    done = set()
    for cost, i, cid, c in pairs:
        if i in done or cid in taken:
            continue
        done.add(i)
        taken.add(cid)
        result[i] = c
    for i in pending:
        result.setdefault(i, None)
    return result


def judge(rec, conn):
    """(ok, why)."""
    exp_v, exp_r = rec["expected_verdict"], rec["expected_rule"]
    if exp_v == "absent":
        return None, "not in any log (refused before reaching a server)"
    if conn is None:
        return False, "no logweave connection matches"
    rules = conn.get("rules") or []
    if conn["verdict"] != exp_v:
        return False, f"verdict {conn['verdict']} {rules}"
    if exp_r is not None and exp_r not in rules:
        return False, f"rule missing: got {rules}"
    return True, ""


def score(truth, report, by_port):
    m = match(truth, report, by_port)
    rows = OrderedDict()
    details = []
    for i, rec in enumerate(truth):
        ok, why = judge(rec, m[i])
        row = rows.setdefault(rec["scenario"], {"n": 0, "ok": 0, "absent": 0, "expected": set(), "got": defaultdict(int)})
        row["expected"].add(f"{rec['expected_verdict']}/{rec['expected_rule'] or '-'}")
        c = m[i]
        got = "unmatched" if c is None else f"{c['verdict']}/{','.join(c.get('rules') or []) or '-'}"
        if ok is None:
            row["absent"] += 1
            continue
        row["n"] += 1
        row["got"][got] += 1
        if ok:
            row["ok"] += 1
        else:
            details.append((rec, c, why))
    matched_ids = {id(c) for c in m.values() if c is not None}
    extra = [c for c in report["connections"] if id(c) not in matched_ids]
    return rows, details, extra, m


def storm_check(truth, report, m):
    storm = [i for i, r in enumerate(truth) if r["scenario"] == "reconnect-storm"]
    if not storm:
        return None
    ids = {m[i]["id"] for i in storm if m.get(i)}
    found = [f for f in report.get("findings", []) if f["rule"] == "client.reconnect-storm"]
    covering = [f for f in found if len(ids & set(f.get("connections", []))) >= len(storm) // 2]
    storm_ids = ids
    false = [f for f in found if not (set(f.get("connections", [])) & storm_ids)]
    return {"storm_connections": len(storm), "findings": len(found), "covering": len(covering),
            "unrelated": len(false), "ok": bool(covering)}
