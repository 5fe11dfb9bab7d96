"""Start and stop the real servers of the e2e stack on 127.0.0.1, each writing its logs to files.

Every process started here is recorded by PID and stopped by PID (Stack.stop_all), also
when a step fails. A server that does not come up fails the run with its log printed."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP_DIR = HERE / "app"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class ServerFailed(RuntimeError):
    pass


def tail(path, n=80):
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(lines[-n:])


class Stack:
    def __init__(self, workdir, venv):
        self.workdir = Path(workdir)
        self.venv = Path(venv)
        self.procs = {}  # name -> Popen
        self.env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(APP_DIR), DJANGO_SETTINGS_MODULE="e2eapp.settings")
        self.env.pop("PYTHONHOME", None)

    def bin(self, name):
        return str(self.venv / "bin" / name)

    # ------------------------------------------------------------ processes

    def spawn(self, name, argv, stdout, stderr=None, cwd=None, env=None):
        out = open(stdout, "ab")
        err = out if stderr is None else open(stderr, "ab")
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd or self.workdir,
                                env=env or self.env, start_new_session=True)
        self.procs[name] = proc
        return proc

    def stop(self, name, sig=signal.SIGTERM, timeout=10):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass

    def stop_all(self):
        for name in list(self.procs)[::-1]:
            self.stop(name)

    def wait_port(self, name, port, logs, timeout=20):
        deadline = time.time() + timeout
        proc = self.procs.get(name)
        while time.time() < deadline:
            if port_open(port):
                return
            if proc is not None and proc.poll() is not None:
                break
            time.sleep(0.1)
        msg = [f"{name} did not start listening on 127.0.0.1:{port}"]
        for log in logs:
            msg.append(f"----- {log}\n{tail(log)}")
        raise ServerFailed("\n".join(msg))

    # ------------------------------------------------------------ servers

    def start_redis(self, port, logdir, name="redis"):
        log = Path(logdir) / "redis.log"
        self.spawn(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--daemonize", "no", "--logfile", str(log)], stdout=Path(logdir) / "redis.stdout.log")
        self.wait_port(name, port, [log, Path(logdir) / "redis.stdout.log"])

    def daphne_argv(self, port, proxy_headers=False):
        argv = [self.bin("daphne"), "-b", "127.0.0.1", "-p", str(port),
                "--websocket_connect_timeout", "5", "--application-close-timeout", "3"]
        if proxy_headers:
            argv.append("--proxy-headers")
        return argv + ["e2eapp.asgi:application"]

    def start_supervisord(self, logdir, daphne_port, redis_port, proxy_headers=False):
        logdir = Path(logdir)
        sock = logdir / "supervisor.sock"
        conf = logdir / "supervisord.conf"
        env = f'PYTHONUNBUFFERED="1",PYTHONPATH="{APP_DIR}",DJANGO_SETTINGS_MODULE="e2eapp.settings",E2E_REDIS_PORT="{redis_port}"'
        conf.write_text(f"""[unix_http_server]
file={sock}

[supervisord]
logfile={logdir}/supervisord.log
pidfile={logdir}/supervisord.pid
loglevel=info
nodaemon=true
childlogdir={logdir}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{sock}

[program:daphne]
command={" ".join(self.daphne_argv(daphne_port, proxy_headers))}
directory={APP_DIR}
environment={env}
autostart=true
autorestart=true
startsecs=1
stopwaitsecs=5
stopsignal=TERM
stdout_logfile={logdir}/daphne-stdout.log
stderr_logfile={logdir}/daphne-stderr.log
""")
        self.supervisor_conf = conf
        self.spawn("supervisord", [self.bin("supervisord"), "-n", "-c", str(conf)], stdout=logdir / "supervisord.stdout.log")
        self.wait_port("supervisord", daphne_port,
                       [logdir / "supervisord.log", logdir / "supervisord.stdout.log", logdir / "daphne-stderr.log",
                        logdir / "daphne-stdout.log"], timeout=30)

    def supervisorctl(self, *args):
        return subprocess.run([self.bin("supervisorctl"), "-c", str(self.supervisor_conf), *args],
                              capture_output=True, text=True, env=self.env, timeout=60)

    def start_daphne_journald(self, logdir, port, redis_port):
        """Daphne as a systemd unit would run it: stdout and stderr are streams that journald
        stamps line by line on arrival. Here two reader threads do the stamping; the entries
        become a journal with systemd-journal-remote afterwards (journal.py)."""
        import threading
        logdir = Path(logdir)
        env = dict(self.env, E2E_REDIS_PORT=str(redis_port))
        proc = subprocess.Popen(self.daphne_argv(port), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, cwd=APP_DIR, env=env, start_new_session=True)
        self.procs["daphne"] = proc
        self.journal_entries = []
        lock = threading.Lock()

        def pump(stream, name):
            with open(logdir / f"daphne-{name}.log", "wb") as copy:
                for raw in iter(stream.readline, b""):
                    t = time.time_ns() // 1000
                    copy.write(raw)
                    copy.flush()
                    with lock:
                        self.journal_entries.append((t, name, raw.rstrip(b"\n")))

        self.pumps = [threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
                      threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True)]
        for t in self.pumps:
            t.start()
        self.wait_port("daphne", port, [logdir / "daphne-stderr.log", logdir / "daphne-stdout.log"])

    def start_uvicorn(self, logdir, port, redis_port):
        logdir = Path(logdir)
        env = dict(self.env, E2E_REDIS_PORT=str(redis_port))
        self.spawn("uvicorn", [self.bin("uvicorn"), "e2eapp.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                               "--ws", "websockets", "--ws-ping-interval", "0"],
                   stdout=logdir / "uvicorn.stdout.log", stderr=logdir / "uvicorn.stderr.log", cwd=APP_DIR, env=env)
        self.wait_port("uvicorn", port, [logdir / "uvicorn.stderr.log", logdir / "uvicorn.stdout.log"])

    def start_nginx(self, logdir, ports, daphne_port):
        """ports: dict main/noupgrade/idle -> port. Three servers in front of the same Daphne."""
        logdir = Path(logdir)
        prefix = logdir / "nginx"
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / d).mkdir(parents=True, exist_ok=True)
        up = f"http://127.0.0.1:{daphne_port}"
        ws_headers = """proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";"""
        common = """proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            add_header X-Request-ID $request_id always;"""
        conf = prefix / "nginx.conf"
        conf.write_text(f"""user root;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {logdir}/nginx-error.log info;
events {{ worker_connections 512; }}
http {{
    log_format ws '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $request_id';
    access_log {logdir}/nginx-access.log ws;
    # the same requests as JSON, as log shippers ask for (scored as mode nginx-json)
    log_format wsjson escape=json '{{"msec":"$msec","time_local":"$time_local","remote_addr":"$remote_addr","remote_user":"$remote_user","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"http_referer":"$http_referer","http_user_agent":"$http_user_agent","request_time":$request_time,"upstream_response_time":"$upstream_response_time","request_id":"$request_id"}}';
    access_log {logdir}/nginx-access.json wsjson;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # the standard WebSocket location
    server {{
        listen 127.0.0.1:{ports['main']};
        location / {{
            proxy_pass {up};
            {ws_headers}
            {common}
            proxy_read_timeout 60s;
        }}
    }}
    # a location that forgets the Upgrade/Connection headers
    server {{
        listen 127.0.0.1:{ports['noupgrade']};
        location / {{
            proxy_pass {up};
            {common}
        }}
    }}
    # a location with a short proxy_read_timeout (idle connections are cut)
    server {{
        listen 127.0.0.1:{ports['idle']};
        location / {{
            proxy_pass {up};
            {ws_headers}
            {common}
            proxy_read_timeout 3s;
        }}
    }}
}}
""")
        self.spawn("nginx", ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(logdir / "nginx-error.log"),
                             "-g", "daemon off;"], stdout=logdir / "nginx.stdout.log")
        for p in ports.values():
            self.wait_port("nginx", p, [logdir / "nginx-error.log", logdir / "nginx.stdout.log"])


def kill_leftovers(stack):
    try:
        stack.stop_all()
    except Exception as exc:  # never mask the original failure
        print(f"warning: stopping the stack: {exc}", file=sys.stderr)
