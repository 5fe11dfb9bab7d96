"""The scenario driver: real WebSocket clients (the `websockets` library) against the stack.

Each connection is written as one ground-truth record: scenario, url, path, user, client
port (the local port of the client socket, bound before connecting so it is known even
when the handshake fails), start/end, what the client saw (HTTP status, close code,
outcome) and the verdict + rule logweave should give (DESIGN.md's rule catalog)."""
import asyncio
import datetime as dt
import json
import random
import socket
import time
import uuid

import jwt
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

SECRET_KEY = "e2e-not-a-secret-0123456789abcdef"
import hashlib  # noqa: E402


def rest_token(uid):
    return hashlib.sha1(f"e2e-rest-token-{uid}".encode()).hexdigest()


def make_jwt(uid, *, expired=False, key=SECRET_KEY):
    now = int(time.time())
    exp = now - 3600 if expired else now + 3600
    payload = {"token_type": "access", "exp": exp, "iat": exp - 3600, "jti": uuid.uuid4().hex, "user_id": str(uid)}
    return jwt.encode(payload, key, algorithm="HS256")


def now_iso():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


# What logweave should say, from DESIGN.md's catalog. None = healthy, no rule.
EXPECT = {
    "healthy-chat": ("healthy", None),
    "healthy-conversation": ("healthy", None),
    "healthy-notifications": ("healthy", None),
    "invalid-token-chat": ("broken", "auth.token-invalid"),
    "expired-token-chat": ("broken", "auth.token-expired"),
    "missing-token-chat": ("broken", "auth.token-missing"),
    "invalid-token-notifications": ("broken", "auth.token-invalid"),
    "missing-token-notifications": ("broken", "auth.token-missing"),
    "authz-chat-4003": ("broken", "authz.denied"),
    "authz-conversation-4003": ("broken", "authz.denied"),
    "not-found-conversation-4004": ("broken", "resource.not-found"),
    "missing-params-4000": ("broken", "consumer.exception"),
    "wrong-path": ("broken", "handshake.not-routed"),
    "never-finishes": ("broken", "handshake.timeout"),
    "consumer-raises": ("broken", "consumer.exception"),
    "tcp-drop": ("degraded", "close.abnormal"),
    "reconnect-storm": ("broken", "auth.token-invalid"),
    "no-upgrade": ("broken", "handshake.no-upgrade"),
    "idle-timeout": ("degraded", "close.idle-timeout"),
    "redis-down-open": ("broken", "channel-layer.down"),
    "redis-down-new": ("broken", "channel-layer.down"),
    "after-redis": ("healthy", None),
    "restart-open": ("degraded", "server.restart"),
    "restart-gap": ("broken", "upstream.down"),
    "after-restart": ("healthy", None),
}


def set_expectation(rec):
    """The verdict and rule logweave should give: the scenario's, unless what really
    happened (what the client saw) says otherwise."""
    rec["expected_verdict"], rec["expected_rule"] = EXPECT[rec["scenario"]]
    sc = rec["scenario"]
    clean = rec["http_status"] == 101 and rec["outcome"] == "client-closed" and rec["close_code"] == 1000
    if rec["outcome"].startswith("tcp-refused"):
        # Nothing reached any server: no log can show this connection.
        rec["expected_verdict"], rec["expected_rule"] = "absent", None
    elif rec["http_status"] == 500 and sc != "wrong-path":
        # Besides a missing route, the app answers 500 only when the channel layer raises
        # in NotificationConsumer.connect(): Redis down, or a pooled connection that fails
        # once more ("Connection closed by server.") just after Redis is back.
        rec["expected_verdict"], rec["expected_rule"] = "broken", "channel-layer.down"
    elif rec["http_status"] == 403 and sc in ("restart-open", "restart-gap", "after-restart"):
        # A valid token on an allowed path: ChatConsumer closes before accept() (403) only
        # when group_add raised, a stale pooled Redis connection after the outage.
        rec["expected_verdict"], rec["expected_rule"] = "broken", "channel-layer.down"
    elif rec["close_code"] == 1011 and sc in ("restart-open", "restart-gap", "after-restart", "after-redis"):
        # 1011 from Daphne means the consumer raised; outside the raise scenario the only
        # raising path is the channel layer (a stale pooled Redis connection after the outage).
        rec["expected_verdict"], rec["expected_rule"] = "broken", "channel-layer.down"
    elif sc in ("after-redis", "after-restart", "restart-gap", "redis-down-open") and clean:
        rec["expected_verdict"], rec["expected_rule"] = "healthy", None
    elif sc in ("restart-gap", "after-restart") and rec["http_status"] == 101:
        rec["expected_verdict"], rec["expected_rule"] = "degraded", "server.restart"
    elif sc == "after-redis":
        rec["expected_verdict"], rec["expected_rule"] = "broken", "channel-layer.down"


class Driver:
    def __init__(self, mode, urls, seed, out_path):
        """urls: name -> base ws url ('ws://127.0.0.1:P'); names: main (always), noupgrade, idle (nginx)."""
        self.mode = mode
        self.urls = urls
        self.rng = random.Random(seed)
        self.out = open(out_path, "w")
        self.records = []
        self.serial = False  # one connection at a time, 1.1 s apart (to tell join errors from rule errors)

    def write(self, rec):
        self.records.append(rec)
        self.out.write(json.dumps(rec) + "\n")
        self.out.flush()

    # ------------------------------------------------------------ one client

    async def session(self, scenario, path, *, query="", user=None, server="main", actions=(), open_timeout=10.0,
                      delay=0.0):
        """Open one connection, run `actions` on it, record what the client saw."""
        if delay and not self.serial:
            await asyncio.sleep(delay)
        base = self.urls[server]
        url = base + path + (f"?{query}" if query else "")
        host, port = base.split("//")[1].split(":")
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        rec = {"mode": self.mode, "scenario": scenario, "server": server, "path": path, "query": bool(query),
               "user": None if user is None else str(user), "client_port": sock.getsockname()[1], "start": now_iso(),
               "end": None, "http_status": None, "close_code": None, "outcome": None, "pongs": 0,
               "request_id": None}
        ws = None
        try:
            try:
                await loop.sock_connect(sock, (host, int(port)))
            except OSError as exc:
                rec["outcome"] = f"tcp-refused ({exc.strerror})"
                sock.close()
                return self.finish(rec)
            try:
                ws = await connect(url, sock=sock, open_timeout=open_timeout, ping_interval=None, close_timeout=3,
                                   user_agent_header="logweave-e2e/1")
            except InvalidStatus as exc:
                rec["http_status"] = exc.response.status_code
                rec["request_id"] = exc.response.headers.get("X-Request-ID")
                rec["outcome"] = "handshake-rejected"
                return self.finish(rec)
            except TimeoutError:
                rec["outcome"] = "handshake-timeout (client gave up)"
                return self.finish(rec)
            except Exception as exc:  # EOF during the handshake, reset, ...
                rec["outcome"] = f"handshake-failed ({type(exc).__name__}: {exc})"
                return self.finish(rec)
            rec["http_status"] = 101
            rec["request_id"] = ws.response.headers.get("X-Request-ID")
            rec["outcome"] = "open"
            for action in actions:
                done = await action(ws, rec)
                if done:
                    break
            if rec["outcome"] == "open":
                await ws.close()
                rec["outcome"] = "client-closed"
            if rec["close_code"] is None and rec["outcome"] != "client-aborted":
                rec["close_code"] = ws.close_code
        except ConnectionClosed as exc:
            rec["outcome"] = "server-closed" if exc.rcvd is not None else "dropped (no close frame)"
            rec["close_code"] = exc.rcvd.code if exc.rcvd is not None else 1006
        except Exception as exc:
            rec["outcome"] = f"client-error ({type(exc).__name__}: {exc})"
        return self.finish(rec)

    def finish(self, rec):
        rec["end"] = now_iso()
        set_expectation(rec)
        self.write(rec)
        return rec

    # ------------------------------------------------------------ actions

    @staticmethod
    def pings(n, gap=0.3):
        async def act(ws, rec):
            for _ in range(n):
                await ws.send(json.dumps({"type": "ping"}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 3))
                if reply.get("type") == "pong":
                    rec["pongs"] += 1
                await asyncio.sleep(gap)
        return act

    @staticmethod
    def wait_server_close(timeout):
        async def act(ws, rec):
            try:
                await asyncio.wait_for(ws.recv(), timeout)
            except TimeoutError:
                rec["outcome"] = "open"  # the server kept it open
                return False
            return False
        return act

    @staticmethod
    def hold(seconds, gap=0.5):
        """Ping until the server closes or `seconds` pass."""
        async def act(ws, rec):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await ws.send(json.dumps({"type": "ping"}))
                await asyncio.wait_for(ws.recv(), 3)
                rec["pongs"] += 1
                await asyncio.sleep(gap)
        return act

    @staticmethod
    def send_raw(obj):
        async def act(ws, rec):
            await ws.send(json.dumps(obj))
        return act

    @staticmethod
    def abort():
        async def act(ws, rec):
            ws.transport.abort()
            rec["outcome"] = "client-aborted"
            await asyncio.sleep(0.2)
            return True
        return act

    @staticmethod
    def sleep(seconds):
        async def act(ws, rec):
            await asyncio.sleep(seconds)
        return act

    # ------------------------------------------------------------ phases

    def phase_mix(self):
        """Concurrent, overlapping connections on shared paths."""
        r = self.rng
        t = lambda: round(r.uniform(0, 4), 2)  # noqa: E731
        s = self.session
        P, W, H, A, S = self.pings, self.wait_server_close, self.hold, self.abort, self.sleep
        jobs = []
        for c in (1, 2, 3):
            for _ in range(2):  # two clients of one user on one path
                jobs.append(s("healthy-chat", f"/ws/chat/{c}/101/", query=f"token={make_jwt(c)}", user=c,
                              actions=[P(r.randint(2, 5))], delay=t()))
        for uid in (5, 6, 5, 6):
            jobs.append(s("healthy-notifications", "/ws/notifications/", query=f"token={rest_token(uid)}", user=uid,
                          actions=[P(r.randint(2, 5))], delay=t()))
        for _ in range(2):
            jobs.append(s("healthy-conversation", "/ws/chat/7/", query=f"token={make_jwt(7)}", user=7,
                          actions=[P(3)], delay=t()))
        for _ in range(2):
            jobs.append(s("invalid-token-chat", "/ws/chat/1/101/", query=f"token={make_jwt(1, key='some-other-key')}",
                          user=1, delay=t()))
            jobs.append(s("expired-token-chat", "/ws/chat/2/101/", query=f"token={make_jwt(2, expired=True)}", user=2,
                          delay=t()))
            jobs.append(s("authz-chat-4003", "/ws/chat/2/101/", query=f"token={make_jwt(1)}", user=1, delay=t()))
            jobs.append(s("not-found-conversation-4004", "/ws/chat/4242/", query=f"token={make_jwt(7)}", user=7,
                          actions=[W(3)], delay=t()))
            jobs.append(s("wrong-path", "/ws/chat/undefined/", query=f"token={make_jwt(3)}", user=3, delay=t()))
            jobs.append(s("never-finishes", "/ws/location/1/101/", query=f"token={make_jwt(1)}", user=1,
                          open_timeout=8, delay=t()))
            jobs.append(s("consumer-raises", "/ws/chat/3/101/", query=f"token={make_jwt(3)}", user=3,
                          actions=[P(1), self.send_raw({"type": "message", "content": None}), W(3)], delay=t()))
        jobs.append(s("missing-token-chat", "/ws/chat/3/101/", delay=t()))
        jobs.append(s("invalid-token-notifications", "/ws/notifications/", query="token=" + "0" * 40, delay=t()))
        jobs.append(s("missing-token-notifications", "/ws/notifications/", delay=t()))
        jobs.append(s("authz-conversation-4003", "/ws/chat/9/", query=f"token={make_jwt(8)}", user=8, actions=[W(3)],
                      delay=t()))
        jobs.append(s("missing-params-4000", "/ws/chat/undefined/101/", query=f"token={make_jwt(101)}", user=101,
                      delay=t()))
        jobs.append(s("tcp-drop", "/ws/chat/1/101/", query=f"token={make_jwt(1)}", user=1, actions=[P(2), A()],
                      delay=t()))
        jobs.append(s("tcp-drop", "/ws/notifications/", query=f"token={rest_token(6)}", user=6, actions=[P(2), A()],
                      delay=t()))
        storm_token = "f" * 40  # a revoked token a client keeps retrying
        for i in range(12):
            jobs.append(s("reconnect-storm", "/ws/notifications/", query=f"token={storm_token}", delay=1 + i * 0.35))
        if "noupgrade" in self.urls:
            jobs.append(s("no-upgrade", "/ws/notifications/", query=f"token={rest_token(5)}", user=5, server="noupgrade",
                          delay=t()))
            jobs.append(s("no-upgrade", "/ws/chat/1/101/", query=f"token={make_jwt(1)}", user=1, server="noupgrade",
                          delay=t()))
        if "idle" in self.urls:
            jobs.append(s("idle-timeout", "/ws/notifications/", query=f"token={rest_token(9)}", user=9, server="idle",
                          actions=[W(8)], delay=t()))
            jobs.append(s("idle-timeout", "/ws/chat/4/101/", query=f"token={make_jwt(4)}", user=4, server="idle",
                          actions=[W(8)], delay=t()))
        return jobs

    async def run_mix(self):
        jobs = self.phase_mix()
        if not self.serial:
            await asyncio.gather(*jobs)
            return
        for job in jobs:
            await job
            await asyncio.sleep(1.1)

    async def run_redis_outage(self, stop_redis, start_redis):
        s, H = self.session, self.hold
        holders = [
            asyncio.create_task(s("redis-down-open", "/ws/chat/11/101/", query=f"token={make_jwt(11)}", user=11,
                                  actions=[H(6)])),
            asyncio.create_task(s("redis-down-open", "/ws/chat/12/101/", query=f"token={make_jwt(12)}", user=12,
                                  actions=[H(6)])),
            asyncio.create_task(s("redis-down-open", "/ws/notifications/", query=f"token={rest_token(13)}", user=13,
                                  actions=[H(6)])),
        ]
        await asyncio.sleep(1.5)
        await asyncio.to_thread(stop_redis)
        await asyncio.sleep(1.0)
        await asyncio.gather(
            s("redis-down-new", "/ws/chat/14/101/", query=f"token={make_jwt(14)}", user=14, actions=[self.pings(1)]),
            s("redis-down-new", "/ws/chat/15/101/", query=f"token={make_jwt(15)}", user=15, actions=[self.pings(1)],
              delay=0.3),
            s("redis-down-new", "/ws/notifications/", query=f"token={rest_token(16)}", user=16,
              actions=[self.pings(1)], delay=0.6),
        )
        await asyncio.gather(*holders)
        await asyncio.to_thread(start_redis)
        await asyncio.sleep(1.0)
        await asyncio.gather(
            s("after-redis", "/ws/chat/17/101/", query=f"token={make_jwt(17)}", user=17, actions=[self.pings(3)]),
            s("after-redis", "/ws/notifications/", query=f"token={rest_token(18)}", user=18, actions=[self.pings(3)],
              delay=0.5),
        )

    async def run_restart(self, restart):
        s, H = self.session, self.hold
        holders = [
            asyncio.create_task(s("restart-open", "/ws/chat/21/101/", query=f"token={make_jwt(21)}", user=21,
                                  actions=[H(8)])),
            asyncio.create_task(s("restart-open", "/ws/notifications/", query=f"token={rest_token(22)}", user=22,
                                  actions=[H(8)])),
        ]
        await asyncio.sleep(1.5)
        restarting = asyncio.create_task(asyncio.to_thread(restart))
        # a client retrying every 200 ms while the server is away
        for _ in range(60):
            rec = await s("restart-gap", "/ws/notifications/", query=f"token={rest_token(23)}", user=23,
                          actions=[self.pings(1)], open_timeout=5)
            if rec["outcome"] == "client-closed" and restarting.done():
                break
            await asyncio.sleep(0.2)
        await restarting
        await asyncio.gather(*holders)
        await asyncio.sleep(0.5)
        await asyncio.gather(
            s("after-restart", "/ws/chat/24/101/", query=f"token={make_jwt(24)}", user=24, actions=[self.pings(3)]),
            s("after-restart", "/ws/notifications/", query=f"token={rest_token(25)}", user=25, actions=[self.pings(3)]),
        )
