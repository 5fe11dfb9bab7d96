"""Optional: the Daphne mode's output as journald would hold it under systemd.

Daphne runs with its stdout (access log) and stderr (logging) on pipes; each line is
stamped on arrival, as journald does with a service's stream, turned into a journal export
entry (one per line: journald splits a stream at newlines, tracebacks too), fed to
systemd-journal-remote, and read back with `journalctl --file ...
-o short-iso` and `-o json`. Skipped when systemd-journal-remote is not installed."""
import shutil
import subprocess
import uuid
from pathlib import Path

JR = next((p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote",
                       shutil.which("systemd-journal-remote") or "") if p and Path(p).exists()), None)


def make(d, entries, log):
    """entries: (arrival time in µs, stream, line bytes) as read from Daphne's stdout/stderr."""
    if JR is None or not shutil.which("journalctl"):
        log("journal: systemd-journal-remote/journalctl not installed, skipped")
        return {}
    d = Path(d)
    entries = sorted(entries, key=lambda e: e[0])
    boot = uuid.uuid4().hex
    export = bytearray()
    t0 = entries[0][0] if entries else 0
    for n, (usec, stream, msg) in enumerate(entries):
        export += (f"__CURSOR=s=0;i={n + 1:x}\n__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={usec - t0 + 1000000}\n"
                   f"_BOOT_ID={boot}\n_HOSTNAME=e2e-web1\n_TRANSPORT=stdout\n_SYSTEMD_UNIT=daphne.service\n"
                   f"SYSLOG_IDENTIFIER=daphne\n_PID=4242\nPRIORITY=6\n_STREAM_ID={stream}\n").encode()
        if b"\n" in msg:
            export += b"MESSAGE\n" + len(msg).to_bytes(8, "little") + msg + b"\n"
        else:
            export += b"MESSAGE=" + msg + b"\n"
        export += b"\n"
    (d / "daphne.export").write_bytes(bytes(export))
    jfile = d / "daphne.journal"
    jfile.unlink(missing_ok=True)
    res = subprocess.run([JR, f"--output={jfile}", str(d / "daphne.export")], capture_output=True, text=True)
    if res.returncode != 0 or not jfile.exists():
        log(f"journal: systemd-journal-remote failed ({res.returncode}): {res.stderr.strip()[:500]}")
        return {}
    out = {}
    for fmt in ("short-iso", "json"):
        path = d / f"journal-{fmt}.log"
        with open(path, "w") as f:
            r = subprocess.run(["journalctl", "--no-pager", "--file", str(jfile), "-o", fmt], stdout=f,
                               stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            log(f"journal: journalctl -o {fmt} failed: {r.stderr.strip()[:300]}")
            continue
        out[fmt] = path
    log(f"journal: {len(entries)} entries through systemd-journal-remote, read back as {', '.join(out)}")
    return out
