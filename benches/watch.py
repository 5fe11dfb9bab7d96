#!/usr/bin/env python3
"""Benchmarks of `logweave watch` (issue 6): run by hand, not in CI.

  python3 benches/watch.py [--bin target/release/logweave] [--mb 64] [--runs 3]

1. Throughput from a pipe: the generated journald app log (benches/gen_corpus.py, about
   10 % WebSocket lines) is written by `cat` into a pipe to `logweave watch` as fast as it reads;
   lines per second, median of --runs.
2. Latency: the same log is replayed at 100,000 lines/s in 1 ms slices, with a line that
   proves a finding (an nginx 502 on /ws/bench/N/) every 1,000 lines; for each, the time
   from the write of its slice to the moment the finding is read from stdout. p50/p99/max.
   The replay starts 0.5 s after the process, once startup is over (startup, mostly
   compiling the packs, is measured apart: median time to run on an empty input).
3. Memory: 100,000 connections opened (WSCONNECTING + WSCONNECT) and never closed,
   piped in; peak RSS from /usr/bin/time.

All on one core's worth of work: watch's analysis runs on one thread (readers aside).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="target/release/logweave")
ap.add_argument("--mb", type=float, default=64)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--rate", type=int, default=100_000)
ap.add_argument("--only", choices=["throughput", "startup", "latency", "memory"])
ap.add_argument("--one-core", action="store_true",
                help="pin logweave (readers and analysis together) to CPU 0 with taskset")
args = ap.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="logweave-watch-bench-")
subprocess.run([sys.executable, os.path.join(here, "gen_corpus.py"), tmp, str(args.mb), "11"],
               check=True, stdout=subprocess.DEVNULL)
log = os.path.join(tmp, "app.journal.log")
with open(log, "rb") as f:
    lines = f.read().splitlines(keepends=True)
print(f"corpus: {log}: {len(lines)} lines, {os.path.getsize(log) / 1e6:.1f} MB")


def throughput():
    rates = []
    for _ in range(args.runs):
        # A real pipe, as from `journalctl -f`: `cat` writes into it as fast as it drains.
        t = time.monotonic()
        cat = subprocess.Popen(["cat", log], stdout=subprocess.PIPE)
        pin = ["taskset", "-c", "0"] if args.one_core else []
        subprocess.run(pin + [args.bin, "watch"], stdin=cat.stdout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        cat.stdout.close()
        cat.wait()
        dt = time.monotonic() - t
        rates.append(len(lines) / dt)
    med = statistics.median(rates)
    print(f"throughput: median {med:,.0f} lines/s "
          f"({med * os.path.getsize(log) / len(lines) / 1e6:.1f} MB/s) over {args.runs} runs: "
          + ", ".join(f"{r:,.0f}" for r in rates))


def marker(n, stamp):
    return (f"{stamp}+0000 web-1 nginx[77]: 10.0.0.{n % 250 + 1} - - [23/Nov/2026:08:00:00 +0000] "
            f"\"GET /ws/bench/{n}/ HTTP/1.1\" 502 157 \"-\" \"bench\" 0.001\n").encode()


def startup():
    """Time from start to exit on an empty stdin: compiling the packs, mostly."""
    times = []
    for _ in range(5):
        t = time.monotonic()
        subprocess.run([args.bin, "watch"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append((time.monotonic() - t) * 1000)
    print(f"startup: median {statistics.median(times):.0f} ms over 5 runs (empty input)")


def latency():
    p = subprocess.Popen([args.bin, "watch", "-o", "jsonl"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    # Steady state: the stream starts once startup (see `startup`) is over, as it does
    # for a watch that has been running; otherwise the first lines wait for it.
    time.sleep(0.5)
    sent = {}
    got = {}

    def reader():
        fd = p.stdout.fileno()
        rest = b""
        while True:
            data = os.read(fd, 1 << 16)
            if not data:
                break
            now = time.monotonic()
            *full, rest = (rest + data).split(b"\n")
            for line in full:
                i = line.find(b"/ws/bench/")
                if i >= 0:
                    n = int(line[i + 10:line.index(b"/", i + 10)])
                    got.setdefault(n, now)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    per_slice = max(1, args.rate // 1000)
    start = time.monotonic()
    n = 0
    i = 0
    total = min(len(lines), args.rate * 20)
    while i < total:
        chunk = lines[i:i + per_slice]
        i += per_slice
        buf = b"".join(chunk)
        m = None
        if (i // per_slice) % max(1, 1000 // per_slice) == 0:
            stamp = chunk[-1][:19].decode()
            m = n
            buf += marker(n, stamp)
            n += 1
        p.stdin.write(buf)
        if m is not None:
            sent[m] = time.monotonic()
        # Hold the rate: slice k is due at k ms.
        due = start + (i / per_slice) / 1000
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    time.sleep(0.5)
    p.stdin.close()
    p.wait()
    th.join(timeout=5)
    if os.environ.get("LATENCY_TRACE"):
        print(" ".join(f"{k}:{(got[k] - sent[k]) * 1000:.0f}" for k in sorted(sent) if k in got))
    lat = sorted((got[k] - sent[k]) * 1000 for k in sent if k in got)
    missing = len(sent) - len(lat)
    if not lat:
        print("latency: no finding came back")
        return
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    print(f"latency at {total / elapsed:,.0f} lines/s offered: {len(lat)} findings, "
          f"p50 {q(0.5):.2f} ms, p90 {q(0.9):.2f} ms, p99 {q(0.99):.2f} ms, max {lat[-1]:.2f} ms, "
          f"{sum(1 for x in lat if x > 10)} over 10 ms"
          + (f", {missing} never came" if missing else ""))


def memory(n=100_000):
    path = os.path.join(tmp, "open.log")
    with open(path, "w") as f:
        for k in range(n):
            s = 8 * 3600 + k // 1000
            stamp = f"2026-11-23T{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}"
            ip = f"10.{k // 65000 % 250}.{k // 250 % 250}.{k % 250}"
            port = 1024 + k % 60000
            acc = f"[23/Nov/2026:{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}]"
            for what in ("WSCONNECTING", "WSCONNECT"):
                f.write(f"{stamp}+0000 web-1 daphne[4242]: {ip}:{port} - - {acc} "
                        f"\"{what} /ws/chat/{k % 977}/\" - -\n")
    with open(path, "rb") as f:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", args.bin, "watch", "--max-open", str(n * 2)],
                           stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    err = r.stderr.decode().strip().splitlines()
    rss_kb = int(err[-1])
    summary = next((l for l in err if l.startswith("logweave watch")), "")
    print(f"memory: {n:,} connections open at the end: peak RSS {rss_kb / 1024:.1f} MiB ({summary})")


for name, run in (("throughput", throughput), ("startup", startup), ("latency", latency),
                  ("memory", memory)):
    if args.only in (None, name):
        run()
