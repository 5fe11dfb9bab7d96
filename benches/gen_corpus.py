#!/usr/bin/env python3
"""Seeded corpus generator for logweave's throughput benchmarks.

Writes the four files of a Django Channels stack behind nginx, about SIZE in total:

  app.journal.log   journald short-iso: Daphne access lines, the JWT middleware and
                    ChatConsumer lines, tracebacks, Django HTTP requests, celery, restarts
  app.docker.log    docker json-file: uvicorn (access and websocket lines) and app output
  nginx-access.log  nginx combined + request_time: 101s for /ws/, 502s during restarts
  nginx-error.log   nginx error log: upstream refused while restarting, resets

About 90 % of the lines have nothing to do with WebSockets (HTTP requests, health checks,
celery); decoys carry WebSocket words without being WebSocket lines (`/api/ws/...`,
`ChatConsumer` without brackets). A restart ends the sessions open at the time. truth.json
says how many connections of each kind were written; truth.jsonl has one line per
connection (client, path, start, kind, and the verdict and rule a correct tool gives). Usage: gen_corpus.py OUTDIR SIZE_MB [SEED]
"""
import base64
import heapq
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

out, size_mb = sys.argv[1], float(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 42
rnd = random.Random(seed)
os.makedirs(out, exist_ok=True)
budget = int(size_mb * 1024 * 1024)
t0 = datetime(2026, 11, 23, 8, 0, 0, tzinfo=timezone.utc)

files = {n: open(os.path.join(out, n), "w", buffering=1 << 20)
         for n in ("app.journal.log", "app.docker.log", "nginx-access.log", "nginx-error.log")}
written = 0
truth = {"connections": 0, "healthy": 0, "token_invalid": 0, "refused_502": 0,
         "consumer_exception": 0, "restart_cut": 0, "storm_attempts": 0, "restarts": 0, "decoys": 0,
         "lines": 0, "ws_lines": 0}


def w(name, line, ws=False):
    global written
    files[name].write(line + "\n")
    written += len(line) + 1
    truth["lines"] += 1
    truth["ws_lines"] += ws


def jd(t, prog, pid, msg, ws=False):
    w("app.journal.log", f"{t.strftime('%Y-%m-%dT%H:%M:%S')}+0000 web-1 {prog}[{pid}]: {msg}", ws)


def py(t, level, msg):
    return f"{t.strftime('%Y-%m-%d %H:%M:%S')},{t.microsecond // 1000:03d} {level:<8} {msg}"


def dk(t, msg, stream="stderr", ws=False):
    # As docker's json-file driver writes (Go's encoding/json): compact, UTF-8 as is,
    # and <, > and & escaped.
    line = json.dumps({"log": msg + "\n", "stream": stream,
                       "time": t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"},
                      separators=(",", ":"), ensure_ascii=False)
    w("app.docker.log", line.replace("<", "\\u003c").replace(">", "\\u003e")
      .replace("&", "\\u0026"), ws)


def ngx(t, ip, req, status, size, rt, ws=False):
    w("nginx-access.log", f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S")} +0000] "{req}" {status} {size} '
      f'"https://app.example.com/" "Mozilla/5.0 (X11; Linux x86_64)" {rt:.3f}', ws)


def ngx_err(t, msg):
    w("nginx-error.log", f"{t.strftime('%Y/%m/%d %H:%M:%S')} [error] 812#812: {msg}", True)


# Sessions whose closing lines are not written yet (a heap by end), and the truth of
# every connection.
pending = []
truths = []


def record(client, path, start, kind):
    verdict, rule = EXPECTED[kind]
    truths.append({"client": client, "path": path, "start": start.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                   "kind": kind, "verdict": verdict, "rule": rule})


# What a correct tool says of each kind of connection: verdict and the rule that says why.
EXPECTED = {
    "healthy": ("healthy", None),
    "token_invalid": ("broken", "auth.token-invalid"),
    "consumer_exception": ("broken", "consumer.exception"),
    "restart_cut": ("degraded", "server.restart"),
    "refused_502": ("broken", "upstream.down"),
    "storm_attempt": ("broken", "handshake.rejected"),
}


def token(user):
    """A JWT of its own for each session: header, `{"user_id": N, "jti": ...}`, signature."""
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    claims = json.dumps({"user_id": user, "jti": f"{rnd.getrandbits(48):012x}"}).encode()
    header = b64(b'{"alg":"HS256","typ":"JWT"}')
    return f"{header}.{b64(claims)}.{b64(rnd.randbytes(32))}"


def flush(now):
    """Writes the closing lines of the sessions that ended by `now` (all when None)."""
    while pending and (now is None or pending[0][0] <= now):
        s = heapq.heappop(pending)[2]
        te, a, ip, path, pid = s["end"], s["a"], s["ip"], s["path"], s["pid"]
        if s["kind"] == "consumer_exception":
            jd(te, "daphne", pid, py(te, "ERROR", "Exception inside application: 'NoneType' object has no attribute 'id'"), True)
            jd(te, "daphne", pid, "Traceback (most recent call last):", True)
            jd(te, "daphne", pid, '  File "/app/chat/consumers.py", line 88, in receive', True)
            jd(te, "daphne", pid, "    room = self.room.id", True)
            jd(te, "daphne", pid, "AttributeError: 'NoneType' object has no attribute 'id'", True)
        jd(te, "daphne", pid, f'{a} - - [{te.strftime("%d/%b/%Y:%H:%M:%S")}] "WSDISCONNECT {path}" - -', True)
        # nginx writes the 101 at close, with request_time = session length
        dur = (te - s["start"]).total_seconds()
        ngx(te, ip, f"GET {path}?token={s['token']} HTTP/1.1", 101, 2048, dur, True)
        record(a, path, s["start"], s["kind"])


API = ["/api/orders/", "/api/users/me/", "/api/products/?page=2", "/static/app.js", "/admin/login/"]
t = t0
port = 40000
daphne_pid = 4242
while written < budget:
    t += timedelta(microseconds=rnd.randint(200, 4000))
    flush(t)
    r = rnd.random()
    ip = f"203.0.113.{rnd.randint(1, 250)}"
    if r < 0.985:  # noise: HTTP, health checks, celery, decoys
        k = rnd.random()
        if k < 0.35:
            path = rnd.choice(API)
            ngx(t, ip, f"GET {path} HTTP/1.1", 200, rnd.randint(200, 9000), rnd.random() / 5)
            jd(t, "daphne", daphne_pid, f'{ip}:{rnd.randint(1024, 65000)} - - [{t.strftime("%d/%b/%Y:%H:%M:%S")}] "GET {path}" 200 {rnd.randint(200, 9000)}')
        elif k < 0.55:
            jd(t, "celery", 3131, py(t, "INFO", f"Task orders.tasks.sync_inventory[{rnd.getrandbits(64):016x}] succeeded in 0.{rnd.randint(10, 99)}s: None"))
        elif k < 0.75:
            dk(t, f'INFO:     10.0.0.{rnd.randint(2, 9)}:{rnd.randint(1024, 65000)} - "GET /healthz HTTP/1.1" 200 OK', "stdout")
        elif k < 0.95:
            jd(t, "gunicorn", 2020, py(t, "INFO", f"django.request GET {rnd.choice(API)} took {rnd.randint(2, 400)}ms user={rnd.randint(1, 9999)}"))
        else:  # decoys
            truth["decoys"] += 1
            if rnd.random() < 0.5:
                ngx(t, ip, f"GET /api/ws/status/{rnd.randint(1, 99)}/ HTTP/1.1", 200, 31, 0.002)
            else:
                jd(t, "gunicorn", 2020, py(t, "INFO", "ChatConsumer module reloaded; WSCONNECT counter reset"))
        continue
    # a WebSocket connection
    truth["connections"] += 1
    port += 1
    if port > 65000:
        port = 40000
    a = f"{ip}:{port}"
    u1, u2 = rnd.randint(1, 500), rnd.randint(501, 999)
    path = f"/ws/chat/{u1}/{u2}/"
    kind = rnd.random()
    tt = t
    if kind < 0.001:  # restart (every few minutes): nginx refuses while daphne is down
        truth["restarts"] += 1
        jd(tt, "systemd", 1, "Stopping Daphne ASGI server...", True)
        # The restart ends every session still open, at the moment it stops.
        for _, _, s in pending:
            s["end"] = tt
            truth[s["kind"]] -= 1
            truth["restart_cut"] += 1
            s["kind"] = "restart_cut"
        flush(None)
        jd(tt, "daphne", daphne_pid, py(tt, "WARNING", "Killed 3 pending application instances"), True)
        daphne_pid += 1
        ngx_err(tt, f'*{port} connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, server: app.example.com, request: "GET {path} HTTP/1.1", upstream: "http://127.0.0.1:8000{path}", host: "app.example.com"')
        ngx(tt, ip, f"GET {path} HTTP/1.1", 502, 157, 0.001, True)
        truth["refused_502"] += 1
        record(None, path, tt, "refused_502")
        jd(tt + timedelta(seconds=1), "systemd", 1, "Started Daphne ASGI server.", True)
        continue
    if kind < 0.003:  # reconnect storm from one client, with its one revoked token
        revoked = token(u1)
        for i in range(30):
            tt += timedelta(milliseconds=200)
            truth["storm_attempts"] += 1
            dk(tt, f'INFO:     {ip}:{port + i} - "WebSocket /ws/chat/{u1}/?token={revoked}" 403', ws=True)
            record(f"{ip}:{port + i}", f"/ws/chat/{u1}/", tt, "storm_attempt")
            dk(tt, "INFO:     connection rejected (403 Forbidden)", ws=True)
        port += 30  # the attempts took these ports
        continue
    jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSCONNECTING {path}" - -', True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[JWTAuthMiddleware] Processing connection for path: {path}"), True)
    tok = token(u1)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[JWTAuthMiddleware] Token found: {tok}"), True)
    if kind < 0.06:
        truth["token_invalid"] += 1
        jd(tt, "daphne", daphne_pid, py(tt, "WARNING", "[JWTAuthMiddleware] Invalid token: Signature verification failed"), True)
        jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSREJECT {path}" - -', True)
        ngx(tt, ip, f"GET {path} HTTP/1.1", 403, 0, 0.010, True)
        record(a, path, tt, "token_invalid")
        continue
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[JWTAuthMiddleware] User authenticated: {u1} (user{u1}@example.com)"), True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[ChatConsumer] Connection attempt started"), True)
    jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSCONNECT {path}" - -', True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[ChatConsumer] Connection accepted for user {u1} (role: customer)"), True)
    # A session as long as nginx's default proxy_read_timeout (60 s) reads as one nginx
    # cut for silence: the generated healthy sessions stay clear of it.
    dur = rnd.uniform(1, 58) if rnd.random() < 0.5 else rnd.uniform(63, 120)
    kind_name = "consumer_exception" if kind < 0.08 else "healthy"
    truth[kind_name] += 1
    te = tt + timedelta(seconds=dur)
    heapq.heappush(pending, (te, truth["connections"], {
        "kind": kind_name, "a": a, "ip": ip, "path": path, "start": tt, "end": te, "token": tok,
        "pid": daphne_pid}))

flush(None)
for f in files.values():
    f.close()
# Lines written ahead of time (nginx writes at close, sessions end later): sort by time
# as the real files are.
for name in ("nginx-access.log", "app.journal.log", "app.docker.log"):
    p = os.path.join(out, name)
    with open(p) as f:
        lines = f.readlines()
    if name.startswith("nginx"):
        key = lambda l: datetime.strptime(l.split("[", 1)[1][:20], "%d/%b/%Y:%H:%M:%S")
    elif "docker" in name:
        key = lambda l: l[l.rindex('"time":"'):]
    else:
        key = lambda l: l[:19]
    lines.sort(key=key)
    with open(p, "w") as f:
        f.writelines(lines)
truth["connections"] = len(truths)
truths.sort(key=lambda x: (x["start"], x["client"] or "", x["path"]))
with open(os.path.join(out, "truth.jsonl"), "w") as f:
    f.writelines(json.dumps(x) + "\n" for x in truths)
with open(os.path.join(out, "truth.json"), "w") as f:
    json.dump(truth, f, indent=1)
print(json.dumps(truth))
