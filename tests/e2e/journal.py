"""Optional: the Daphne mode's output as journald would hold it under systemd.

The lines Daphne wrote (stdout: access log; stderr: logging) are merged by their own
timestamps, turned into a journal export stream (one entry per line, as journald splits
a stream), fed to systemd-journal-remote, and read back with `journalctl --file ...
-o short-iso` and `-o json`. Skipped when systemd-journal-remote is not installed."""
import re
import shutil
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

JR = next((p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote",
                       shutil.which("systemd-journal-remote") or "") if p and Path(p).exists()), None)
PYLOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ")
ACCESS = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d)\]")


def _times(path, access):
    out, last = [], 0.0
    for line in Path(path).read_text(errors="replace").splitlines():
        t = None
        m = PYLOG.match(line)
        if m:
            t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + int(m.group(2)) / 1000
        elif access and (m := ACCESS.search(line)):
            # second precision: put it in the middle of its second
            t = datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + 0.5
        t = last if t is None else t
        last = t
        out.append((t, line))
    return out


def make(d, logs, log):
    if JR is None or not shutil.which("journalctl"):
        log("journal: systemd-journal-remote/journalctl not installed, skipped")
        return {}
    d = Path(d)
    byname = {Path(p).name: p for p in logs}
    lines = [(t, i, "stdout", l) for i, (t, l) in enumerate(_times(byname["daphne-stdout.log"], True))]
    lines += [(t, i, "stderr", l) for i, (t, l) in enumerate(_times(byname["daphne-stderr.log"], False))]
    lines.sort(key=lambda x: (x[0], x[2] == "stdout", x[1]))
    boot = uuid.uuid4().hex
    export = bytearray()
    prev = 0
    for n, (t, _, stream, line) in enumerate(lines):
        usec = max(int(t * 1_000_000), prev + 1)  # arrival order: realtime never goes back
        prev = usec
        msg = line.encode()
        export += (f"__CURSOR=s=0;i={n + 1:x}\n__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={usec - int(lines[0][0] * 1e6) + 1000000}\n"
                   f"_BOOT_ID={boot}\n_HOSTNAME=e2e-web1\n_TRANSPORT=stdout\n_SYSTEMD_UNIT=daphne.service\n"
                   f"SYSLOG_IDENTIFIER=daphne\n_PID=4242\nPRIORITY={6 if stream == 'stdout' else 6}\n").encode()
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
    log(f"journal: {len(lines)} entries through systemd-journal-remote, read back as {', '.join(out)}")
    return out
