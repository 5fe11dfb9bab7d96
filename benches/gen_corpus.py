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
`ChatConsumer` without brackets). truth.json says how many connections of each kind
were written. Usage: gen_corpus.py OUTDIR SIZE_MB [SEED]
"""
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
         "consumer_exception": 0, "storm_attempts": 0, "restarts": 0, "decoys": 0,
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
    w("app.docker.log", json.dumps({"log": msg + "\n", "stream": stream,
                                     "time": t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"}), ws)


def ngx(t, ip, req, status, size, rt, ws=False):
    w("nginx-access.log", f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S")} +0000] "{req}" {status} {size} '
      f'"https://app.example.com/" "Mozilla/5.0 (X11; Linux x86_64)" {rt:.3f}', ws)


def ngx_err(t, msg):
    w("nginx-error.log", f"{t.strftime('%Y/%m/%d %H:%M:%S')} [error] 812#812: {msg}", True)


API = ["/api/orders/", "/api/users/me/", "/api/products/?page=2", "/static/app.js", "/admin/login/"]
t = t0
port = 40000
daphne_pid = 4242
while written < budget:
    t += timedelta(microseconds=rnd.randint(200, 4000))
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
    if kind < 0.01:  # restart: nginx refuses while daphne is down
        truth["restarts"] += 1
        jd(tt, "systemd", 1, "Stopping Daphne ASGI server...", True)
        jd(tt, "daphne", daphne_pid, py(tt, "WARNING", "Killed 3 pending application instances"), True)
        daphne_pid += 1
        ngx_err(tt, f'*{port} connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, server: app.example.com, request: "GET {path} HTTP/1.1", upstream: "http://127.0.0.1:8000{path}", host: "app.example.com"')
        ngx(tt, ip, f"GET {path} HTTP/1.1", 502, 157, 0.001, True)
        truth["refused_502"] += 1
        jd(tt + timedelta(seconds=1), "systemd", 1, "Started Daphne ASGI server.", True)
        continue
    if kind < 0.02:  # reconnect storm from one client
        for i in range(30):
            tt += timedelta(milliseconds=200)
            truth["storm_attempts"] += 1
            dk(tt, f'INFO:     {ip}:{port + i} - "WebSocket /ws/chat/{u1}/?token=eyJhbGciOiJIUzI1NiJ9.e30.sig" 403', ws=True)
            dk(tt, "INFO:     connection rejected (403 Forbidden)", ws=True)
        continue
    jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSCONNECTING {path}" - -', True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[JWTAuthMiddleware] Processing connection for path: {path}"), True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", "[JWTAuthMiddleware] Token found: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxfQ.abcdefghijk"), True)
    if kind < 0.06:
        truth["token_invalid"] += 1
        jd(tt, "daphne", daphne_pid, py(tt, "WARNING", "[JWTAuthMiddleware] Invalid token: Signature verification failed"), True)
        jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSREJECT {path}" - -', True)
        ngx(tt, ip, f"GET {path} HTTP/1.1", 403, 0, 0.010, True)
        continue
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[JWTAuthMiddleware] User authenticated: {u1} (user{u1}@example.com)"), True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[ChatConsumer] Connection attempt started"), True)
    jd(tt, "daphne", daphne_pid, f'{a} - - [{tt.strftime("%d/%b/%Y:%H:%M:%S")}] "WSCONNECT {path}" - -', True)
    jd(tt, "daphne", daphne_pid, py(tt, "INFO", f"[ChatConsumer] Connection accepted for user {u1} (role: customer)"), True)
    dur = rnd.uniform(1, 120)
    te = tt + timedelta(seconds=dur)
    if kind < 0.08:
        truth["consumer_exception"] += 1
        jd(te, "daphne", daphne_pid, py(te, "ERROR", "Exception inside application: 'NoneType' object has no attribute 'id'"), True)
        jd(te, "daphne", daphne_pid, "Traceback (most recent call last):", True)
        jd(te, "daphne", daphne_pid, '  File "/app/chat/consumers.py", line 88, in receive', True)
        jd(te, "daphne", daphne_pid, "    room = self.room.id", True)
        jd(te, "daphne", daphne_pid, "AttributeError: 'NoneType' object has no attribute 'id'", True)
    else:
        truth["healthy"] += 1
    jd(te, "daphne", daphne_pid, f'{a} - - [{te.strftime("%d/%b/%Y:%H:%M:%S")}] "WSDISCONNECT {path}" - -', True)
    # nginx writes the 101 at close, with request_time = session length
    ngx(te, ip, f"GET {path}?token=eyJhbGciOiJIUzI1NiJ9.e30.sig HTTP/1.1", 101, 2048, dur, True)

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
        key = lambda l: l[l.rindex('"time": "'):]
    else:
        key = lambda l: l[:19]
    lines.sort(key=key)
    with open(p, "w") as f:
        f.writelines(lines)
with open(os.path.join(out, "truth.json"), "w") as f:
    json.dump(truth, f, indent=1)
print(json.dumps(truth))
