#!/usr/bin/env python3
"""logweave end-to-end: a real Django Channels stack on loopback, served three ways, driven
by real WebSocket clients; logweave's verdicts on the servers' real logs are checked against
what the clients saw.

    python run_e2e.py --logweave target/debug/logweave --venv VENV [--modes daphne,uvicorn,nginx]

Exit 0 when the run's ground-truth connections, all modes together, reach --threshold
(default 0.99) of correct verdict+rule and no mode falls under --mode-floor (default 0.95);
1 when not; 2 when the stack could not be run. Everything is kept in --workdir."""
import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from driver import Driver, set_expectation  # noqa: E402
from score import score, storm_check  # noqa: E402
from stack import ServerFailed, Stack, free_port  # noqa: E402

MODES = ("daphne", "uvicorn", "nginx", "journald")


def log(msg):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def retry_ports(start, attempts=3):
    """Run start(); when a port turned out to be taken, pick new ones and try again."""
    for n in range(attempts):
        try:
            return start()
        except ServerFailed as exc:
            if "in use" not in str(exc) or n == attempts - 1:
                raise
            log("a port was taken; trying other ports")


def run_mode(mode, workdir, venv, seed, serial=False):
    d = Path(workdir) / mode
    d.mkdir(parents=True, exist_ok=True)
    stack = Stack(d, venv)
    t0 = time.time()
    try:
        redis_port = free_port()
        stack.start_redis(redis_port, d)
        urls = {}
        if mode in ("daphne", "nginx"):
            def start_daphne():
                port = free_port()
                stack.start_supervisord(d, port, redis_port, proxy_headers=(mode == "nginx"))
                return port
            daphne_port = retry_ports(start_daphne)
            if mode == "daphne":
                urls["main"] = f"ws://127.0.0.1:{daphne_port}"
            else:
                def start_nginx():
                    ports = {"main": free_port(), "noupgrade": free_port(), "idle": free_port()}
                    stack.start_nginx(d, ports, daphne_port)
                    return ports
                for name, port in retry_ports(start_nginx).items():
                    urls[name] = f"ws://127.0.0.1:{port}"
        elif mode == "journald":
            def start_daphne():
                port = free_port()
                stack.start_daphne_journald(d, port, redis_port)
                return port
            urls["main"] = f"ws://127.0.0.1:{retry_ports(start_daphne)}"
        else:
            def start_uvicorn():
                port = free_port()
                stack.start_uvicorn(d, port, redis_port)
                return port
            urls["main"] = f"ws://127.0.0.1:{retry_ports(start_uvicorn)}"
        log(f"{mode}: stack up ({', '.join(f'{k}={v}' for k, v in urls.items())}, redis=:{redis_port})")

        driver = Driver(mode, urls, seed, d / "truth.jsonl")
        driver.serial = serial

        def stop_redis():
            log(f"{mode}: stopping redis")
            stack.stop("redis")

        def start_redis():
            log(f"{mode}: starting redis again")
            stack.start_redis(redis_port, d)

        def restart():
            log(f"{mode}: supervisorctl restart daphne")
            res = stack.supervisorctl("restart", "daphne")
            log(f"{mode}: supervisorctl: {res.stdout.strip()} {res.stderr.strip()}")

        async def phases():
            log(f"{mode}: phase 1, the mix{' (serial)' if serial else ''}")
            await driver.run_mix()
            log(f"{mode}: phase 2, redis outage")
            await driver.run_redis_outage(stop_redis, start_redis)
            if mode in ("daphne", "nginx"):
                log(f"{mode}: phase 3, daphne restart under supervisord")
                await driver.run_restart(restart)

        asyncio.run(phases())
        time.sleep(1.0)  # let the servers write their last lines
    finally:
        stack.stop_all()
    log(f"{mode}: {len(driver.records)} connections in {time.time() - t0:.0f}s")
    if mode == "journald":
        import journal
        for t in stack.pumps:
            t.join(timeout=5)
        out = journal.make(d, stack.journal_entries, log)
        return [out[k] for k in ("short-iso", "json") if k in out], driver.records
    if mode == "daphne" or mode == "nginx":
        logs = ["supervisord.log", "daphne-stdout.log", "daphne-stderr.log"]
        if mode == "nginx":
            logs = ["nginx-access.log", "nginx-error.log"] + logs
    else:
        logs = ["uvicorn.stdout.log", "uvicorn.stderr.log"]
    return [d / f for f in logs], driver.records


def logweave_scan(binary, logs, out):
    res = subprocess.run([binary, "scan", "--output", "json", *map(str, logs)], capture_output=True, text=True)
    Path(out).write_text(res.stdout)
    if res.returncode not in (0, 1) or not res.stdout.strip():
        raise RuntimeError(f"logweave scan failed ({res.returncode}):\n{res.stderr}")
    return json.loads(res.stdout)


def print_table(mode, rows, storm):
    total_n = sum(r["n"] for r in rows.values())
    total_ok = sum(r["ok"] for r in rows.values())
    print(f"\n=== {mode}: {total_ok}/{total_n} right ({100.0 * total_ok / max(total_n, 1):.1f} %)")
    print(f"{'scenario':30} {'n':>3} {'ok':>3} {'acc':>6}  {'expected':38} got (verdict/rules: count)")
    for sc, r in rows.items():
        acc = f"{100.0 * r['ok'] / r['n']:.0f}%" if r["n"] else "-"
        got = "; ".join(f"{k}: {v}" for k, v in sorted(r["got"].items(), key=lambda kv: -kv[1]))
        absent = f" (+{r['absent']} refused, in no log)" if r["absent"] else ""
        print(f"{sc:30} {r['n']:>3} {r['ok']:>3} {acc:>6}  {', '.join(sorted(r['expected'])):38} {got}{absent}")
    if storm:
        print(f"{'storm finding':30} {'':>3} {'':>3} {'yes' if storm['ok'] else 'NO':>6}  "
              f"{'client.reconnect-storm':38} {storm['findings']} storm finding(s), {storm['covering']} covering the "
              f"{storm['storm_connections']} storm connections, {storm['unrelated']} on other connections")
    return total_ok, total_n


def print_details(mode, details, extra, limit=4):
    if details:
        print(f"\n--- {mode}: wrong verdicts (at most {limit} per scenario)")
        seen = Counter()
        for rec, conn, why in details:
            seen[rec["scenario"]] += 1
            if seen[rec["scenario"]] > limit:
                continue
            print(f"* {rec['scenario']} {rec['path']} port={rec['client_port']} user={rec['user']} "
                  f"{rec['start'][11:23]}..{rec['end'][11:23]} client saw: http={rec['http_status']} "
                  f"close={rec['close_code']} {rec['outcome']}")
            print(f"  expected {rec['expected_verdict']}/{rec['expected_rule']}; {why}")
            if conn:
                print(f"  logweave {conn['id']} client={conn.get('client')} {conn.get('start')}..{conn.get('end')} "
                      f"close={conn.get('close_code')}")
                for ev in conn.get("events", [])[:14]:
                    print(f"    {ev['input'].rsplit('/', 1)[-1]}:{ev['line']} {ev['pattern']} [{ev['link']}/{ev.get('key')}]")
    if extra:
        print(f"\n--- {mode}: {len(extra)} logweave connections matched to no client")
        summary = Counter(f"{c.get('path')} {c['verdict']}/{','.join(c.get('rules') or []) or '-'}" for c in extra)
        for k, v in summary.most_common(15):
            print(f"    {v:3} x {k}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logweave", required=True)
    ap.add_argument("--venv", required=True)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--threshold", type=float, default=0.99,
                    help="share of all the run's connections (every mode) that must be right")
    ap.add_argument("--mode-floor", type=float, default=0.95,
                    help="share of each mode's connections that must be right")
    ap.add_argument("--workdir")
    ap.add_argument("--serial", action="store_true",
                    help="phase 1 one connection at a time (slow; separates join errors from rule errors)")
    ap.add_argument("--rescore", action="store_true", help="only rescan and rescore the logs already in --workdir")
    ap.add_argument("--keyless", action="store_true",
                    help="the app logs the seeds' messages without its client=ip:port (pairing by path, user and time)")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="logweave-e2e-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.keyless:
        os.environ["E2E_KEYLESS"] = "1"  # read by e2eapp.logctx in every server started below
    os.environ["TZ"] = "UTC"
    time.tzset()
    log(f"workdir {workdir}")
    modes = [m for m in args.modes.split(",") if m]
    results = {}
    for mode in modes:
        if mode == "journald":
            import journal
            if journal.JR is None or not shutil.which("journalctl"):
                log("journald: systemd-journal-remote or journalctl missing, mode skipped")
                continue
        if args.rescore:
            d = workdir / mode
            truth = [json.loads(l) for l in (d / "truth.jsonl").read_text().splitlines() if l.strip()]
            for rec in truth:
                set_expectation(rec)
            logs = json.loads((d / "inputs.json").read_text())
        else:
            try:
                logs, truth = run_mode(mode, workdir, args.venv, args.seed, args.serial)
            except ServerFailed as exc:
                print(f"\nFAILED to start the {mode} stack:\n{exc}", file=sys.stderr)
                return 2
            (workdir / mode / "inputs.json").write_text(json.dumps([str(p) for p in logs]))
        results[mode] = (logs, truth)

    if "nginx" in results:  # the same run scanned again with nginx's JSON access log
        logs, truth = results["nginx"]
        json_log = Path(logs[0]).with_suffix(".json")
        if json_log.exists():
            results["nginx-json"] = ([json_log] + list(logs[1:]), truth)
    if "journald" in results:  # one scan per journalctl output format, same ground truth
        logs, truth = results.pop("journald")
        if not logs:
            log("journald: no journal could be written, mode skipped")
        for path in logs:
            results[f"journald-{Path(path).stem.split('journal-')[-1]}"] = ([path], truth)

    worst = 1.0
    right, total = 0, 0
    summary = []
    for mode, (logs, truth) in results.items():
        report = logweave_scan(args.logweave, logs, workdir / f"report-{mode}.json")
        by_port = not mode.startswith("nginx")
        rows, details, extra, m = score(truth, report, by_port)
        storm = storm_check(truth, report, m)
        ok, n = print_table(mode, rows, storm)
        print_details(mode, details, extra)
        # A missing storm finding counts as one more wrong connection.
        if storm and not storm["ok"]:
            n += 1
        acc = ok / max(n, 1)
        worst = min(worst, acc)
        right, total = right + ok, total + n
        summary.append(f"{mode}: {ok}/{n} ({100 * acc:.1f} %)")
    overall = right / max(total, 1)
    print("\n" + "; ".join(summary))
    print(f"all modes: {right}/{total} ({100 * overall:.1f} %)")
    print(f"logs, ground truth and reports: {workdir}")
    if overall < args.threshold or worst < args.mode_floor:
        print(f"FAIL: below {100 * args.threshold:.0f} % right over all modes, or a mode "
              f"below {100 * args.mode_floor:.0f} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
