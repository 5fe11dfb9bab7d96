//! The bad-input matrix: every kind of broken, odd or hostile input, run through the
//! binary as a user runs it, each checked for its exit status, what a person reads on
//! stderr, and the line accounting (`--stats` or the JSON report's `inputs`).
//!
//! | input                                  | test                                                        |
//! |----------------------------------------|-------------------------------------------------------------|
//! | empty input (file, stdin)              | `empty_input_*`                                             |
//! | only blank lines                       | `only_blank_lines_*`                                        |
//! | invalid UTF-8                          | `invalid_utf8_inside_a_line_*`; parse_cli `unparsable_bytes_are_counted_and_kept_as_unknown` |
//! | NUL bytes                              | `nul_padding_*`; parse_cli `crlf_line_ends_and_nul_bytes_do_not_break_parsing` |
//! | CR-only line ends                      | `lone_cr_*`                                                 |
//! | a 200 MB single line                   | `single_200_mb_line_*`; parse_cli `overlong_line_is_cut_and_flagged` |
//! | 10 million tiny lines                  | `many_tiny_lines_*` (200,000 by default; 10 M `#[ignore]`d) |
//! | truncated `.gz`                        | parse_cli `truncated_gzip_keeps_records_before_the_cut_and_names_the_offset` |
//! | corrupt `.zst`                         | `corrupt_zstd_*`                                            |
//! | a file that shrinks while it is read   | `file_truncated_while_read_*`; unit tests in `src/input/mod.rs` |
//! | a directory                            | `directory_given_to_scan_*`; parse_cli `a_directory_as_input_is_read_as_the_files_under_it`; unit tests in `src/input/walk.rs` |
//! | a FIFO                                 | `fifo_is_read_like_a_pipe`                                  |
//! | a missing file among good ones         | `missing_file_among_good_ones_*`; parse_cli `missing_input_is_named_exit_2_and_others_still_processed` |
//! | journald JSON nested thousands deep    | `journald_json_nested_*`                                    |
//! | timestamps backwards, years apart, no zone or year | `clock_going_backwards_*`, `timestamps_years_apart_*`, `timestamps_without_zone_and_year_*` |
//! | a pattern pack with a huge regex       | `pattern_pack_with_*`                                       |
//! | a `request_time` of thirty digits      | `a_request_time_too_long_for_a_clock_*`                     |

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_logweave");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn records(o: &Output) -> Vec<Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `logweave parse --stats FILE` on `bytes` written to a temporary file.
fn parse_bytes(name: &str, bytes: &[u8], extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    let mut args = vec!["parse", "--stats"];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    (run(&args), dir)
}

/// The `--stats` accounting of the only input: "N lines = P parsed + C continuation + B blank + U unparsed".
fn accounting(err: &str) -> String {
    let start = err
        .find(" lines = ")
        .map(|i| err[..i].rfind(' ').unwrap_or(0) + 1);
    let start = start.unwrap_or_else(|| panic!("no accounting in {err}"));
    let end = start + err[start..].find(';').unwrap();
    err[start..end].to_string()
}

const NGINX_ERR: &str = "2026/11/23 19:39:00 [notice] 812#812: signal process started";

#[test]
fn empty_input_gives_no_records_zero_lines_and_exit_0() {
    let (o, _d) = parse_bytes("empty.log", b"", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        accounting(&stderr(&o)),
        "0 lines = 0 parsed + 0 continuation + 0 blank + 0 unparsed"
    );
    let o = Command::new(BIN)
        .args(["parse", "--stats", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).starts_with("-: format unknown, 0 bytes, 0 lines"));
}

#[test]
fn only_blank_lines_are_counted_as_blank_and_make_no_record() {
    let (o, _d) = parse_bytes("blank.log", b"\n   \n\t\n\r\n \x1b[0m \n", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        accounting(&stderr(&o)),
        "5 lines = 0 parsed + 0 continuation + 5 blank + 0 unparsed"
    );
}

#[test]
fn invalid_utf8_inside_a_line_is_decoded_lossily_parsed_and_flagged() {
    let mut bytes = format!("{NGINX_ERR} caf").into_bytes();
    bytes.extend_from_slice(b"\xe9 \xff\n");
    let (o, _d) = parse_bytes("latin1.log", &bytes, &[]);
    assert_eq!(code(&o), 0);
    let recs = records(&o);
    assert_eq!(recs[0]["format"], "nginx-error");
    assert_eq!(recs[0]["lossy"], true);
    assert!(recs[0]["message"].as_str().unwrap().contains("caf\u{fffd}"));
    let err = stderr(&o);
    assert_eq!(
        accounting(&err),
        "1 lines = 1 parsed + 0 continuation + 0 blank + 0 unparsed"
    );
    assert!(
        err.contains("1 lines not valid UTF-8 (decoded lossily)"),
        "{err}"
    );
}

#[test]
fn nul_padding_after_a_crash_is_one_unparsed_line_and_later_lines_parse() {
    // A machine that lost power leaves a block of NULs where the tail of the log was.
    let mut bytes = format!("{NGINX_ERR}\n").into_bytes();
    bytes.extend_from_slice(&[0u8; 4096]);
    bytes.extend_from_slice(format!("{NGINX_ERR}\n").as_bytes());
    let (o, _d) = parse_bytes("crashed.log", &bytes, &[]);
    assert_eq!(code(&o), 0);
    let recs = records(&o);
    // The NULs and the line written after them share a physical line.
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0]["format"], "nginx-error");
    assert_eq!(recs[1]["format"], "unknown");
    assert!(recs[1]["message"]
        .as_str()
        .unwrap()
        .ends_with("signal process started"));
    assert_eq!(
        accounting(&stderr(&o)),
        "2 lines = 1 parsed + 0 continuation + 0 blank + 1 unparsed"
    );
}

#[test]
fn lone_cr_line_ends_split_lines_like_newlines_and_nothing_is_lost() {
    // Old Mac OS logs end lines with CR alone; CR LF and LF may be mixed in.
    let text = format!("{NGINX_ERR} a\r{NGINX_ERR} b\r\n{NGINX_ERR} c\n{NGINX_ERR} d\r");
    let (o, _d) = parse_bytes("mac.log", text.as_bytes(), &[]);
    assert_eq!(code(&o), 0);
    let recs = records(&o);
    let msgs: Vec<&str> = recs
        .iter()
        .map(|r| r["app"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        msgs,
        [
            "signal process started a",
            "signal process started b",
            "signal process started c",
            "signal process started d"
        ]
    );
    let err = stderr(&o);
    assert_eq!(
        accounting(&err),
        "4 lines = 4 parsed + 0 continuation + 0 blank + 0 unparsed"
    );
    assert!(err.contains(&format!("{} bytes", text.len())), "{err}");
}

/// Writes `size` bytes of `a` and no line end, then one short line.
fn write_single_line(p: &Path, size: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(p).unwrap());
    let block = vec![b'a'; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        f.write_all(&block[..n]).unwrap();
        left -= n;
    }
    f.write_all(b"\nafter\n").unwrap();
}

#[test]
fn single_200_mb_line_is_cut_reported_and_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one-line.log");
    write_single_line(&p, 200 << 20);
    // 100 MB of address space is half the line: a reader that held it would abort.
    // One worker and one malloc arena keep the reservations of threads out of the count.
    let o = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -v 100000 && exec "$0" parse --stats --threads 1 "$1""#)
        .arg(BIN)
        .arg(&p)
        .env("MALLOC_ARENA_MAX", "1")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    let recs = records(&o);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["truncated"], true);
    assert_eq!(recs[0]["message"].as_str().unwrap().len(), 1 << 20);
    assert_eq!(recs[1]["message"], "after");
    assert!(
        err.contains(
            "1 lines longer than 1048576 bytes were cut to that length (flagged \"truncated\""
        ),
        "{err}"
    );
    assert!(err.contains("1 lines over the length limit (cut)"), "{err}");
    assert!(
        err.contains(&format!("{} bytes, 2 lines", (200 << 20) + 7)),
        "{err}"
    );
}

#[test]
fn cut_lines_are_counted_in_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.log");
    write_single_line(&p, 5000);
    let o = run(&[
        "scan",
        "-o",
        "json",
        "--max-line-bytes",
        "1000",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let input = &v["inputs"][0];
    assert_eq!(input["truncated"], 1);
    assert_eq!(input["lines"], 2);
    assert!(input["warnings"][0]
        .as_str()
        .unwrap()
        .contains("longer than 1000 bytes"));
    assert!(stderr(&o).contains("logweave: warning: "), "{}", stderr(&o));
}

fn tiny_lines(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tiny.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    for i in 0..n {
        // One byte and a line end; every tenth line blank.
        f.write_all(if i % 10 == 9 { b"\n" } else { b"x\n" })
            .unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let o = Command::new(BIN)
        .args(["parse", "--stats", p.to_str().unwrap()])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    let blank = n / 10;
    assert_eq!(
        accounting(&stderr(&o)),
        format!(
            "{n} lines = 0 parsed + 0 continuation + {blank} blank + {} unparsed",
            n - blank
        )
    );
}

#[test]
fn many_tiny_lines_are_counted_exactly() {
    tiny_lines(200_000);
}

/// Run with `cargo test --release --test bad_input -- --ignored`: about a minute in debug.
#[test]
#[ignore]
fn ten_million_tiny_lines_are_counted_exactly() {
    tiny_lines(10_000_000);
}

#[test]
fn corrupt_zstd_names_the_input_and_offset_keeps_earlier_records_exit_2() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("{NGINX_ERR} number {i} {}\n", i * 7919 % 10007));
    }
    let mut z = zstd::encode_all(text.as_bytes(), 3).unwrap();
    let mid = z.len() / 2;
    for b in &mut z[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let (o, _d) = parse_bytes("app.log.zst", &z, &[]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("app.log.zst: compressed data ends or breaks at byte "),
        "{err}"
    );
    assert!(err.contains("records before it were kept"), "{err}");
    let recs = records(&o);
    assert!(!recs.is_empty() && recs.len() < 20_000, "{}", recs.len());
    assert_eq!(
        recs[0]["app"]["message"],
        "signal process started number 0 0"
    );
    // The accounting covers the lines that were read.
    assert!(
        accounting(&err).starts_with(&format!("{} lines = ", recs.len())),
        "{err}"
    );
}

#[test]
fn file_truncated_while_read_gives_a_warning_naming_it() {
    // The binary cannot be paused halfway through a file, so this drives the library's
    // reader the way `ingest` does and truncates the file between two reads.
    use logweave::input::{open, InputSpec, DEFAULT_MAX_LINE};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("copytruncate.log");
    std::fs::write(&p, format!("{NGINX_ERR}\n").repeat(50_000)).unwrap();
    let spec = InputSpec::from_arg(p.to_str().unwrap());
    let mut o = open(&spec, DEFAULT_MAX_LINE).unwrap();
    let mut buf = Vec::new();
    let mut n = 0;
    while o.reader.next_line(&mut buf).unwrap().is_some() {
        n += 1;
        if n == 1 {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&p)
                .unwrap()
                .set_len(0)
                .unwrap();
        }
    }
    assert!(n < 50_000, "reading stopped where the file then ended");
    let w = o.shrink_warning(&spec).expect("a warning");
    assert!(
        w.starts_with(&format!("{}: the file shrank while it was read", spec.name)),
        "{w}"
    );
}

#[test]
fn directory_given_to_scan_is_read_as_its_files_and_binary_ones_are_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nginx")).unwrap();
    std::fs::write(
        dir.path().join("nginx/access.log"),
        "203.0.113.9 - - [25/Nov/2026:10:00:01 +0000] \"GET /ws/x/ HTTP/1.1\" 502 157 \"-\" \"Mozilla/5.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("app.log"), "hello\n").unwrap();
    std::fs::write(dir.path().join("system.journal"), b"LPKSHHRH\0\0\x01\x02").unwrap();
    let o = run(&["scan", "-o", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: skipped")
            && err.contains("system.journal")
            && err.contains("journalctl --file"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with("/app.log") && names[1].ends_with("/nginx/access.log"),
        "{names:?}"
    );
    assert_eq!(v["inputs"][1]["lines"], 1);
    assert_eq!(v["summary"]["connections"], 1);
}

#[test]
fn fifo_is_read_like_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("live.pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Opening blocks until logweave opens the other end.
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            for i in 0..3 {
                writeln!(f, "{NGINX_ERR} {i}").unwrap();
            }
        })
    };
    let o = run(&["parse", "--stats", fifo.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(records(&o).len(), 3);
    assert_eq!(
        accounting(&stderr(&o)),
        "3 lines = 3 parsed + 0 continuation + 0 blank + 0 unparsed"
    );
}

#[test]
fn missing_file_among_good_ones_is_named_in_the_report_others_scanned_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, format!("{NGINX_ERR}\n{NGINX_ERR}\n")).unwrap();
    let missing = dir.path().join("gone.log");
    let o = run(&[
        "scan",
        "-o",
        "json",
        good.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("gone.log: No such file"), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["inputs"][0]["lines"], 2);
    assert_eq!(v["inputs"][0]["parsed"], 2);
    assert!(v["inputs"][1]["error"]
        .as_str()
        .unwrap()
        .contains("gone.log"));
    assert_eq!(v["inputs"][1]["lines"], 0);
}

#[test]
fn journald_json_nested_thousands_deep_is_an_unparsed_line_not_a_crash() {
    let entry = r#"{"__REALTIME_TIMESTAMP":"1795462669000000","_HOSTNAME":"web-1","SYSLOG_IDENTIFIER":"daphne","MESSAGE":"ok"}"#;
    for depth in [200, 5_000, 200_000] {
        let deep = format!(
            r#"{{"__REALTIME_TIMESTAMP":"1795462669000000","MESSAGE":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let text = format!("{entry}\n{deep}\n{entry}\n");
        let (o, _d) = parse_bytes("journal.json", text.as_bytes(), &[]);
        let err = stderr(&o);
        assert_eq!(code(&o), 0, "depth {depth}: {err}");
        assert_eq!(
            accounting(&err),
            "3 lines = 2 parsed + 0 continuation + 0 blank + 1 unparsed",
            "depth {depth}"
        );
        let recs = records(&o);
        assert_eq!(recs[0]["format"], "journald-json");
        assert_eq!(recs[1]["format"], "unknown");
    }
}

/// nginx error-log lines at the given times (`YYYY/MM/DD HH:MM:SS`).
fn nginx_at(times: &[&str]) -> String {
    times
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{t} [notice] 1#1: line {}\n", i + 1))
        .collect()
}

#[test]
fn clock_going_backwards_inside_a_file_keeps_file_order() {
    let text = nginx_at(&[
        "2026/11/23 19:00:00",
        "2026/11/23 19:00:05",
        "2026/11/23 18:59:58", // NTP stepped the clock back
        "2026/11/23 19:00:06",
    ]);
    let (o, _d) = parse_bytes("stepped.log", text.as_bytes(), &[]);
    assert_eq!(code(&o), 0);
    let lines: Vec<u64> = records(&o)
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 3, 4]);
    assert_eq!(records(&o)[2]["ts"], "2026-11-23T18:59:58Z");
}

#[test]
fn timestamps_years_apart_are_kept_as_written_without_a_note() {
    let text = nginx_at(&["2019/01/01 00:00:00", "2026/11/23 19:00:00"]);
    let (o, _d) = parse_bytes("old.log", text.as_bytes(), &[]);
    assert_eq!(code(&o), 0);
    let recs = records(&o);
    assert_eq!(recs[0]["ts"], "2019-01-01T00:00:00Z");
    assert_eq!(recs[1]["ts"], "2026-11-23T19:00:00Z");
    assert_eq!(recs[0]["ts_note"], "no zone in source, UTC assumed");
}

#[test]
fn timestamps_without_zone_and_year_say_what_was_assumed() {
    let text = "Nov 23 19:37:49 web-1 daphne[1]: a\nNov 23 19:37:50 web-1 daphne[1]: b\n";
    let (o, _d) = parse_bytes(
        "syslog",
        text.as_bytes(),
        &["--year", "2025", "--tz", "+02:00"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    assert_eq!(recs[0]["ts"], "2025-11-23T17:37:49Z");
    assert_eq!(
        recs[0]["ts_note"],
        "year from --year; no zone in source, +02:00 assumed"
    );
}

/// A pack whose one pattern has `regex`, in a directory of its own.
fn pack_dir(regex: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[pack]\nname = \"huge\"\nabout = \"a pack with a hostile regex\"\n\n[[pattern]]\nid = \"big\"\nstage = \"server\"\nregex = '{regex}'\nexamples = [{{ line = \"aaa\" }}]\n"
    );
    std::fs::write(dir.path().join("huge.toml"), text).unwrap();
    dir
}

#[test]
fn pattern_pack_with_a_regex_too_big_once_compiled_names_file_line_column_and_limit() {
    for regex in [r"(\w{100}){100}", &"(alpha|beta)".repeat(50_000)] {
        let dir = pack_dir(regex);
        let o = run(&[
            "scan",
            "--patterns",
            dir.path().to_str().unwrap(),
            "/dev/null",
        ]);
        assert_eq!(code(&o), 2);
        let err = stderr(&o);
        let file = dir.path().join("huge.toml");
        assert!(
            err.contains(&format!(
                "{}:8:9: regex of 'big' is too big once compiled (limit 1048576 bytes)",
                file.display()
            )),
            "{err}"
        );
    }
}

#[test]
fn pattern_pack_with_a_catastrophic_backtracking_regex_runs_in_linear_time() {
    // `(a+)+$` takes exponential time in a backtracking engine; Rust's regex has none,
    // so the pack loads and a long near-miss line is matched once, like any other.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.toml"),
        "[pack]\nname = \"evil\"\nabout = \"classic ReDoS\"\n\n[[pattern]]\nid = \"redos\"\nstage = \"server\"\nregex = '^(a+)+$'\nexamples = [{ line = \"aaaa\" }]\n",
    )
    .unwrap();
    let log = dir.path().join("near-miss.log");
    std::fs::write(&log, format!("{}!\n", "a".repeat(100_000))).unwrap();
    let o = run(&[
        "scan",
        "-o",
        "json",
        "--patterns",
        dir.path().to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["inputs"][0]["lines"], 1);
}

#[test]
fn a_request_time_too_long_for_a_clock_is_no_session_length_and_no_panic() {
    // `$request_time` is read as a number of any length: subtracted from the line's time,
    // thirty digits overflowed the clock and panicked scan and watch alike.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        "10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] \"GET /ws/chat/1/ HTTP/1.1\" 500 0 \"-\" \"x\" rt=100000000000000.000\n\
         10.0.0.5 - - [23/Nov/2026:19:37:51 +0000] \"GET /ws/chat/2/ HTTP/1.1\" 101 0 \"-\" \"x\" 99999999999999999999.000\n",
    )
    .unwrap();
    let o = run(&["scan", "-o", "json", log.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["connections"].as_array().unwrap().len(), 2);
    let mut child = Command::new(BIN)
        .arg("watch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&log).unwrap())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_log_pasted_indented_has_the_common_spaces_cut_and_reads_as_usual() {
    // Every line quoted with four spaces (Markdown, RST): each began as a traceback's
    // continuation does and the whole log was one record.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pasted.log");
    std::fs::write(
        &p,
        "    127.0.0.1:42906 - - [07/Apr/2019:00:31:20] \"WSCONNECTING /ws/notifications/\" - -\n\
         \n    127.0.0.1:42906 - - [07/Apr/2019:00:31:20] \"WSCONNECT /ws/notifications/\" - -\n\
         \x20   127.0.0.1:42906 - - [07/Apr/2019:00:31:28] \"WSDISCONNECT /ws/notifications/\" - -\n",
    )
    .unwrap();
    let o = run(&["parse", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(r["format"], "daphne-access", "{r}");
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .starts_with("127.0.0.1:42906"),
            "{r}"
        );
    }
    let o = run(&["scan", "-o", "json", p.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["connections"], 1, "{v}");
    assert_eq!(v["connections"][0]["verdict"], "healthy", "{v}");
}

#[test]
fn a_log_pasted_under_a_tab_has_it_cut_but_a_reports_tab_indented_text_keeps_it() {
    // A tab before every line (a code block indented with one, hunts 26 and 27): the
    // whole compose log was one traceback record with no time.
    let (o, _dir) = parse_bytes(
        "pasted.log",
        b"\tweb_1  | 2019-01-07 16:09:51,657 INFO     127.0.0.1:42164 - - [07/Jan/2019:16:09:51] \"WSCONNECTING /ws/chat/\" - -\n\
          \tweb_1  | 2019-01-07 16:09:51,660 INFO     127.0.0.1:42164 - - [07/Jan/2019:16:09:51] \"WSCONNECT /ws/chat/\" - -\n\
          \tweb_1  | 2019-01-07 16:09:58,001 INFO     127.0.0.1:42164 - - [07/Jan/2019:16:09:58] \"WSDISCONNECT /ws/chat/\" - -\n",
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(r["format"], "docker-compose", "{r}");
        assert!(r["ts"].is_string(), "{r}");
    }
    // An exception with its frames under it, all indented by a tab (Sentry's text):
    // nothing there starts a timed record, so the tabs are its own indentation.
    let (o, _dir) = parse_bytes(
        "report.txt",
        b"\tOSError: [Errno 111] Connect call failed\n\
          \t  File \"channels_redis/core.py\", line 8, in receive\n\
          \t    await self.connect()\n",
        &[],
    );
    let recs = records(&o);
    assert_eq!(recs.len(), 1, "{recs:?}");
}
