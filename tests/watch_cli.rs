//! `logweave watch` as a person on call uses it: a stream that does not end, findings
//! that must come out while it runs, files rotated under it, Ctrl-C and `| head`.
//!
//! The waits here are liveness guards (a finding that never comes fails after a long
//! timeout), never speed assertions.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_logweave")
}

/// Kills a watch left running by a test that failed before stopping it (a follower
/// never ends by itself).
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", self.0)).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains("logweave") {
            let _ = Command::new("kill")
                .args(["-9", &self.0.to_string()])
                .status();
        }
    }
}

/// Starts `logweave watch ARGS` with piped stdio; stdout lines arrive on the channel.
fn spawn(args: &[&str]) -> (Child, Receiver<String>, KillOnDrop) {
    let mut child = Command::new(bin())
        .arg("watch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let guard = KillOnDrop(child.id());
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx, guard)
}

/// Stops a watch as Ctrl-C would (SIGTERM) and collects what it wrote.
fn stop(child: Child) -> std::process::Output {
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    child.wait_with_output().unwrap()
}

/// The next stdout line that contains `needle`, or a failure naming what was seen.
fn wait_for(rx: &Receiver<String>, needle: &str) -> String {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(PATIENCE) {
            Ok(l) if l.contains(needle) => return l,
            Ok(l) => seen.push(l),
            Err(_) => panic!("no line with {needle:?}; saw {seen:#?}"),
        }
    }
}

fn send(stdin: &mut ChildStdin, text: &str) {
    stdin.write_all(text.as_bytes()).unwrap();
    stdin.flush().unwrap();
}

/// An nginx access line: a WebSocket handshake on `path` answered 502 at `sec` seconds
/// past 10:00 (an `upstream.down` finding on its own).
fn bad_gateway(path: &str, sec: u32) -> String {
    format!(
        "203.0.113.9 - - [25/Nov/2026:10:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" 502 157 \"-\" \"Mozilla/5.0\" 0.001\n",
        sec / 60,
        sec % 60
    )
}

/// An nginx access line nobody cares about.
fn ordinary(sec: u32, n: u32) -> String {
    format!(
        "10.0.0.1 - - [25/Nov/2026:10:{:02}:{:02} +0000] \"GET /api/items/{n}/ HTTP/1.1\" 200 12 \"-\" \"curl/8\" 0.004\n",
        sec / 60,
        sec % 60
    )
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn each_finding_is_printed_while_the_stream_is_still_open() {
    let (mut child, rx, _guard) = spawn(&["-o", "jsonl"]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, &ordinary(0, 1));
    send(&mut stdin, &bad_gateway("/ws/first/", 1));
    let f = json(&wait_for(&rx, "/ws/first/"));
    assert_eq!(f["type"], "finding");
    assert_eq!(f["rule"], "upstream.down");
    assert_eq!(f["connections"][0]["path"], "/ws/first/");
    assert_eq!(f["evidence"][0]["line"], 2);

    // A pause, then the next one: printed before the stream ends too.
    std::thread::sleep(Duration::from_millis(200));
    send(&mut stdin, &ordinary(20, 2));
    send(&mut stdin, &bad_gateway("/ws/second/", 21));
    let f = json(&wait_for(&rx, "/ws/second/"));
    assert_eq!(f["rule"], "upstream.down");

    drop(stdin);
    let s = json(&wait_for(&rx, "\"summary\""));
    assert_eq!(s["interrupted"], false);
    assert_eq!(s["findings"]["upstream.down"], 2);
    assert_eq!(s["inputs"][0]["lines"], 4);
    assert!(child.wait().unwrap().success());
}

const DAPHNE_WAITING: &str = "2026-11-30T10:00:04+0000 web-1 daphne[4242]: 127.0.0.1:52114 - - [30/Nov/2026:10:00:04] \"WSCONNECTING /ws/notifications/9/\" - -\n";

#[test]
fn a_deadline_fires_when_a_later_line_shows_it_passed() {
    let (mut child, rx, _guard) = spawn(&["-o", "jsonl"]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, DAPHNE_WAITING);
    // Another connection 30 s later: the first one's handshake deadline has passed.
    send(&mut stdin, "2026-11-30T10:00:34+0000 web-1 daphne[4242]: 127.0.0.1:52200 - - [30/Nov/2026:10:00:34] \"WSCONNECTING /ws/notifications/7/\" - -\n");
    let f = json(&wait_for(&rx, "handshake.timeout"));
    assert_eq!(f["connections"][0]["client"], "127.0.0.1:52114");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn idle_timeout_fires_a_deadline_when_the_stream_goes_quiet() {
    let (mut child, rx, _guard) = spawn(&["-o", "jsonl", "--idle-timeout", "1s"]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, DAPHNE_WAITING);
    // Nothing more comes; the handshake deadline passes by the wall clock.
    let f = json(&wait_for(&rx, "handshake.timeout"));
    assert_eq!(f["connections"][0]["client"], "127.0.0.1:52114");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn without_idle_timeout_a_quiet_stream_judges_deadlines_only_at_its_end() {
    let (mut child, rx, _guard) = spawn(&["-o", "jsonl"]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, DAPHNE_WAITING);
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing proves the deadline passed yet"
    );
    drop(stdin);
    let s = json(&wait_for(&rx, "\"summary\""));
    // At the end of the input the deadline had not passed by log time: still open.
    assert_eq!(s["open"], 1);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    let (mut child, rx, _guard) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, &bad_gateway("/ws/a/", 1));
    wait_for(&rx, "upstream.down");
    drop(rx);
    // The reader is gone; more findings hit a closed pipe.
    for i in 0..200 {
        if stdin
            .write_all(bad_gateway(&format!("/ws/b{i}/"), 10 + i).as_bytes())
            .is_err()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn sigterm_prints_the_summary_and_exits_0() {
    let (mut child, rx, _guard) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    send(&mut stdin, &bad_gateway("/ws/a/", 1));
    wait_for(&rx, "upstream.down");
    let out = stop(child);
    drop(stdin);
    assert!(out.status.success(), "{:?}", out.status);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("logweave watch stopped"), "{err}");
    assert!(err.contains("upstream.down  1"), "{err}");
}

/// Follows `log` from its start (`--since` long ago) with `--stats`, polling every 5 ms,
/// with `args` before the rest.
fn follow_from_start(log: &Path, args: &[&str]) -> (Child, Receiver<String>, KillOnDrop) {
    let mut all = args.to_vec();
    all.extend([
        "--stats",
        "--poll",
        "5ms",
        "--since",
        "2000-01-01",
        "-f",
        log.to_str().unwrap(),
    ]);
    spawn(&all)
}

/// Stops a `watch --stats` and returns its accounting line for the input named `input`,
/// after checking that it counts all `written` lines as parsed.
fn stop_for_stats(child: Child, input: &str, written: u64) -> String {
    let out = stop(child);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let stats = err
        .lines()
        .find(|l| l.contains(input))
        .unwrap_or_else(|| panic!("{err}"))
        .to_string();
    assert!(
        stats.contains(&format!(" {written} lines = {written} parsed")),
        "wrote {written} lines: {stats}"
    );
    stats
}

/// Writes `n` ordinary lines and one marker into `path` (appending), returns lines written.
fn write_round(path: &Path, round: u32, n: u32) -> u64 {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let base = round * 10;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&ordinary(base, i));
    }
    text.push_str(&bad_gateway(&format!("/ws/round{round}/"), base + 1));
    f.write_all(text.as_bytes()).unwrap();
    u64::from(n) + 1
}

#[test]
fn a_followed_file_rotated_100_times_both_ways_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let (child, rx, _guard) = follow_from_start(&log, &["-o", "jsonl"]);
    let mut written = 0u64;
    for round in 0..100u32 {
        written += write_round(&log, round, 3 + round % 5);
        // Every line of this round was read once its marker's finding is out.
        wait_for(&rx, &format!("/ws/round{round}/"));
        if round % 2 == 0 {
            // logrotate's default: rename away, create anew.
            std::fs::rename(&log, dir.path().join(format!("access.log.{round}"))).unwrap();
            std::fs::write(&log, "").unwrap();
        } else {
            // copytruncate: copy, then cut the file the writer keeps appending to.
            std::fs::copy(&log, dir.path().join(format!("access.log.{round}"))).unwrap();
            std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&log)
                .unwrap();
        }
    }
    written += write_round(&log, 100, 2);
    wait_for(&rx, "/ws/round100/");
    let stats = stop_for_stats(child, "access.log:", written);
    assert!(stats.contains("rotated 50×"), "{stats}");
    assert!(stats.contains("truncated 50×"), "{stats}");
}

/// Appends a finding's line to `ready` until one comes out: from then on every followed
/// file has had its first look (a follower starts at the end of what exists).
fn wait_until_following(ready: &Path, rx: &Receiver<String>) {
    for i in 0..150 {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(ready)
            .unwrap();
        f.write_all(bad_gateway(&format!("/ws/ready{i}/"), i).as_bytes())
            .unwrap();
        if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            return;
        }
    }
    panic!("the followed file was never read");
}

/// Follows `log` and a second file, and returns once the second one's lines come
/// through: from then on `log` has had its first look too.
fn follow_with_ready(dir: &Path, log: &Path) -> (Child, Receiver<String>, KillOnDrop) {
    let ready = dir.join("ready.log");
    std::fs::write(&ready, "").unwrap();
    let (child, rx, guard) = spawn(&[
        "--poll",
        "5ms",
        "-f",
        ready.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    wait_until_following(&ready, &rx);
    (child, rx, guard)
}

#[test]
fn a_followed_file_that_appears_later_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("later.log");
    let (child, rx, _guard) = follow_with_ready(dir.path(), &log);
    std::fs::write(
        &log,
        format!("{}{}", ordinary(0, 1), bad_gateway("/ws/late/", 2)),
    )
    .unwrap();
    let line = wait_for(&rx, "/ws/late/");
    assert!(line.contains("upstream.down"), "{line}");
    assert!(line.contains("later.log:2"), "{line}");
    assert!(stop(child).status.success());
}

#[test]
fn following_starts_at_the_end_without_since() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("old.log");
    std::fs::write(&log, bad_gateway("/ws/old/", 1)).unwrap();
    let (child, rx, _guard) = follow_with_ready(dir.path(), &log);
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(bad_gateway("/ws/new/", 5).as_bytes()).unwrap();
    let line = wait_for(&rx, "upstream.down");
    assert!(line.contains("/ws/new/"), "the old line is history: {line}");
    // Line numbers count the lines that were skipped.
    assert!(line.contains("old.log:2"), "{line}");
    assert!(stop(child).status.success());
}

#[test]
fn follow_needs_paths() {
    let out = Command::new(bin())
        .args(["watch", "-f"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-f follows files"));
}

#[test]
fn a_line_stalled_midway_junk_and_a_clock_jumping_back_are_survived_and_counted() {
    let (mut child, rx, _guard) = spawn(&["-o", "jsonl"]);
    let mut stdin = child.stdin.take().unwrap();
    // The writer stalls in the middle of a line: nothing is made of the half.
    let line = bad_gateway("/ws/stalled/", 30);
    let (a, b) = line.split_at(40);
    send(&mut stdin, a);
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    send(&mut stdin, b);
    let f = json(&wait_for(&rx, "/ws/stalled/"));
    assert_eq!(f["evidence"][0]["line"], 1);
    // A burst of binary junk, then a line whose clock went back 20 s.
    stdin
        .write_all(b"\x00\x01\xff\xfe garbage \x1b[2J\x00\n")
        .unwrap();
    stdin.write_all(&[0xffu8; 300]).unwrap();
    send(&mut stdin, "\n");
    send(&mut stdin, &bad_gateway("/ws/after/", 10));
    wait_for(&rx, "/ws/after/");
    drop(stdin);
    let s = json(&wait_for(&rx, "\"summary\""));
    assert_eq!(s["inputs"][0]["lines"], 4);
    assert_eq!(s["inputs"][0]["unparsed"], 2);
    assert_eq!(s["inputs"][0]["lossy"], 2);
    assert_eq!(s["late"], 1);
    assert!(child.wait().unwrap().success());
}

#[test]
fn following_with_since_reads_existing_lines_from_that_time_on() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("since.log");
    std::fs::write(
        &log,
        format!(
            "{}{}",
            bad_gateway("/ws/before/", 60),
            bad_gateway("/ws/after/", 300)
        ),
    )
    .unwrap();
    let (child, rx, _guard) = spawn(&[
        "--poll",
        "5ms",
        "--since",
        "2026-11-25 10:02:00",
        "-f",
        log.to_str().unwrap(),
    ]);
    let line = wait_for(&rx, "upstream.down");
    assert!(line.contains("/ws/after/"), "{line}");
    assert!(line.contains("since.log:2"), "{line}");
    assert!(stop(child).status.success());
    assert!(rx.try_iter().all(|l| !l.contains("/ws/before/")));
}

#[test]
fn a_line_in_one_followed_file_moves_time_on_for_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let daphne = dir.path().join("daphne.log");
    std::fs::write(&daphne, "").unwrap();
    let (child, rx, _guard) = follow_with_ready(dir.path(), &daphne);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&daphne)
        .unwrap();
    f.write_all(DAPHNE_WAITING.as_bytes()).unwrap();
    // Time for the follower to read it (it polls every 5 ms), then a line 30 s later
    // in the other file: the handshake's deadline has passed on the shared clock,
    // with no idle timeout and the stream still open.
    std::thread::sleep(Duration::from_millis(300));
    let mut other = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("ready.log"))
        .unwrap();
    other
        .write_all(b"10.0.0.1 - - [30/Nov/2026:10:00:34 +0000] \"GET /api/items/1/ HTTP/1.1\" 200 12 \"-\" \"curl/8\" 0.004\n")
        .unwrap();
    let line = wait_for(&rx, "handshake.timeout");
    assert!(line.contains("127.0.0.1:52114"), "{line}");
    assert!(line.contains("daphne.log:1"), "{line}");
    assert!(stop(child).status.success());
}

#[test]
fn a_followed_file_that_vanishes_is_waited_for_and_read_again_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("daphne.log");
    std::fs::write(&log, "").unwrap();
    let (child, rx, _guard) = follow_from_start(&log, &[]);
    let mut written = write_round(&log, 0, 2);
    wait_for(&rx, "/ws/round0/");
    // Removed with nothing in its place (logrotate's `nocreate`, a container's log file
    // deleted): watch keeps going, and reads the file from its start when it is back.
    std::fs::remove_file(&log).unwrap();
    // Time for the follower (polling every 5 ms) to find it gone; a file back sooner
    // would be a rotation, which the assertion at the end does not expect. 200 polls, for a
    // loaded machine.
    std::thread::sleep(Duration::from_millis(1000));
    written += write_round(&log, 1, 3);
    wait_for(&rx, "/ws/round1/");
    let stats = stop_for_stats(child, "daphne.log:", written);
    assert!(stats.contains("vanished 1×"), "{stats}");
}

#[test]
fn a_finding_still_held_for_certainty_is_told_when_the_watch_is_stopped() {
    // A finding waits a little log time for a line that might change it; on a quiet
    // stream stopped with Ctrl-C it was dropped, and the summary said "0 findings".
    let (mut child, rx, _guard) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    let log = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/channel-layer-down-journald/journal.log"),
    )
    .unwrap();
    send(&mut stdin, &log);
    // A line told at once, a second later: every line before it was read, and the held
    // findings (two seconds of log time) are still held.
    send(
        &mut stdin,
        "2026-11-23T19:40:19+0000 web-1 daphne[4242]: 2026-11-23 19:40:19,000 ERROR    Listen failure: Couldn't listen on 0.0.0.0:8000: [Errno 98] Address already in use.\n",
    );
    wait_for(&rx, "could not listen");
    let out = stop(child);
    drop(stdin);
    assert!(out.status.success(), "{:?}", out.status);
    let told: Vec<String> = rx.iter().collect();
    assert!(
        told.iter().any(|l| l.contains("channel-layer.down")),
        "{told:#?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("channel-layer.down  1"), "{err}");
}

#[test]
fn an_input_that_cannot_be_read_is_named_on_stderr_without_stats() {
    // It said only "0 lines from 1 input" unless --stats was given.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log");
    let bad = dir.path().join("bad.log");
    std::fs::write(&bad, b"abc \xff\xfe def\n").unwrap();
    let out = Command::new(bin())
        .arg("watch")
        .arg(&missing)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.log: No such file"), "{err}");
    assert!(err.contains("1 lines not valid UTF-8"), "{err}");
}

#[test]
fn several_files_read_to_their_end_are_merged_by_time_as_scan_merges_them() {
    // Each file had a reader thread and the engine took lines as they came: nginx's
    // 502s before the journal's restart, or after, depending on which thread ran first,
    // and 2 false handshake.timeout errors in most runs.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/upstream-down-journald");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let run = || {
        let out = Command::new(bin())
            .args(["watch", "--year", "2026", "-o", "jsonl"])
            .args(&files)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    let rules: Vec<String> = first
        .lines()
        .map(json)
        .filter_map(|v| v["rule"].as_str().map(String::from))
        .collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["server.restart", "upstream.down", "upstream.down"],
        "{first}"
    );
    for _ in 0..4 {
        assert_eq!(run(), first);
    }
}

#[test]
fn a_zone_less_error_log_takes_the_offset_its_access_log_writes_as_in_scan() {
    // The error log's 14:20:20 was read as UTC beside the access log's +0100: one 502
    // was two findings an hour apart.
    let dir = tempfile::tempdir().unwrap();
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    std::fs::write(
        &access,
        "198.51.100.23 - - [09/Feb/2026:14:20:20 +0100] \"GET /ws/notify/9/ HTTP/1.1\" 502 21 \"-\" \"Mozilla/5.0\" 0.006\n",
    )
    .unwrap();
    std::fs::write(
        &error,
        "2026/02/09 14:20:20 [error] 31#31: *7 connect() failed (111: Connection refused) while connecting to upstream, client: 198.51.100.23, server: _, request: \"GET /ws/notify/9/ HTTP/1.1\", upstream: \"http://127.0.0.1:8000/ws/notify/9/\", host: \"x\"\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["watch", "-o", "jsonl"])
        .arg(&access)
        .arg(&error)
        .output()
        .unwrap();
    let findings = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"type\":\"finding\"") && l.contains("upstream.down"))
        .count();
    assert_eq!(findings, 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken as +01:00"));
}

#[test]
fn a_finding_an_application_close_code_withdraws_waits_for_it_in_watch_as_in_scan() {
    // A rule with `unless_code` alone (no `unless`) was certain at once in `watch`: the
    // clean close written just after the line that fired it came too late to withdraw
    // it, while `scan` never told it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uc.toml"),
        r#"[pack]
name = "uc-demo"
about = "A rule that a clean close withdraws"
key = ["client"]

[[pattern]]
id = "proxy.long"
stage = "proxy"
regex = '\[UcDemo\] (?P<client>[\d.]+:\d+) lasted (?P<request_time>\d+\.\d+) on (?P<path>/\S*)'
examples = [{ line = '[UcDemo] 10.0.0.1:5000 lasted 60.001 on /ws/', client = "10.0.0.1:5000", request_time = "60.001", path = "/ws/" }]

[[pattern]]
id = "consumer.closed"
stage = "consumer"
regex = '\[UcDemo\] (?P<client>[\d.]+:\d+) closed with (?P<code>\d+)'
examples = [{ line = '[UcDemo] 10.0.0.1:5000 closed with 1000', client = "10.0.0.1:5000", code = "1000" }]

[[rule]]
id = "close.idle-timeout"
when = { seen = "proxy.long", unless_code = [1000] }
diagnosis = "cut for silence"
hint = "send pings"
"#,
    )
    .unwrap();
    let long = "2026-11-23 19:38:49,100 INFO     [UcDemo] 10.0.0.1:5000 lasted 60.001 on /ws/\n";
    let closed = "2026-11-23 19:38:49,300 INFO     [UcDemo] 10.0.0.1:5000 closed with 1000\n";
    let pack = dir.path().to_str().unwrap();
    let run = |cmd: &str, log: &str| {
        let out = Command::new(bin())
            .args([cmd, "--patterns", pack, "-o", "jsonl", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(log.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).contains("close.idle-timeout")
    };
    for cmd in ["scan", "watch"] {
        assert!(run(cmd, long), "{cmd}: without the close, it is told");
        assert!(!run(cmd, &format!("{long}{closed}")), "{cmd} told it");
    }
}

#[test]
fn following_a_path_with_no_file_says_so_and_reads_the_file_once_it_appears() {
    // A mistyped or not yet created path waited in silence: `tail -F` says it.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("later.log");
    let (mut child, rx, _guard) = follow_from_start(&log, &[]);
    // The file is written once the watch said it has none, not after a fixed wait: on a
    // loaded machine (a clean-clone CI run beside a build) 100 ms passed before the
    // watch looked, it found the file there, and had nothing to say.
    let (tx, said) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let want = format!(
        "logweave: {}: no such file yet; it is followed once it appears",
        log.display()
    );
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains(&want)) {
        match said.recv_timeout(PATIENCE) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("never said {want:?}: {seen:?}"),
        }
    }
    write_round(&log, 1, 3);
    wait_for(&rx, "/ws/round1/");
    stop(child);
}

#[test]
fn watch_counts_the_bytes_it_read_as_scan_does() {
    // `watch --stats` summed the bytes of the lines it kept: a line cut at the length
    // limit, and `\r\n` endings, made it report less than the input's size.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("crlf.log");
    let text = format!(
        "{}\r\n{}\r\nshort\r\n",
        ordinary(1, 1).trim_end(),
        "x".repeat(300)
    );
    std::fs::write(&log, &text).unwrap();
    let want = format!("{} bytes, 3 lines", text.len());
    for cmd in ["watch", "scan"] {
        let out = Command::new(bin())
            .args([cmd, "--stats", "--max-line-bytes", "100"])
            .arg(&log)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&want), "{cmd}: want {want}:\n{err}");
    }
}
