//! `logweave parse` and `logweave formats` run as a user runs them.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ingest")
        .join(name)
}

fn logweave() -> Command {
    Command::cargo_bin("logweave").unwrap()
}

/// Runs `logweave parse ARGS` and returns (exit code, records, stderr).
fn parse(args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = logweave().arg("parse").args(args).output().unwrap();
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        records,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn parse_fixture(name: &str) -> Vec<Value> {
    let (code, recs, err) = parse(&[fixture(name).to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    recs
}

#[test]
fn journald_short_iso_records_carry_envelope_and_app_fields() {
    let recs = parse_fixture("journald-short-iso.log");
    let start = &recs[1];
    assert_eq!(start["format"], "journald-short-iso");
    assert_eq!(start["host"], "web-1");
    assert_eq!(start["program"], "daphne");
    assert_eq!(start["pid"], 4242);
    assert_eq!(start["ts"], "2026-11-23T19:37:49Z");
    assert_eq!(start["app"]["format"], "python-logging");
    assert_eq!(start["app"]["level"], "info");
    assert_eq!(start["app"]["ts"], "2026-11-23T19:37:49.101Z");
    // Each key is present even when the source did not say.
    for key in [
        "input", "line", "ts", "ts_note", "format", "host", "program", "pid", "stream", "level",
        "message",
    ] {
        assert!(start.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn traceback_lines_in_journald_join_their_record_and_markers_are_not_records_but_a_reboot_is() {
    let recs = parse_fixture("journald-short-iso.log");
    let exc = recs
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .contains("Exception inside application")
        })
        .unwrap();
    assert_eq!(exc["line"], 7);
    assert_eq!(exc["end_line"], 11);
    assert!(exc["message"]
        .as_str()
        .unwrap()
        .ends_with("ValueError: No route found for path 'ws/chat/1/2/'."));
    // `-- Logs begin at ... --` is no record; the line between two boots' entries is one
    // (the host went down there), without a time.
    let marks: Vec<(&str, bool)> = recs
        .iter()
        .filter(|r| r["message"].as_str().unwrap().starts_with("-- "))
        .map(|r| (r["message"].as_str().unwrap(), r["ts"].is_null()))
        .collect();
    assert_eq!(
        marks,
        [("-- Boot 0dc874d3fbd44bdbb6fbcfaa27481492 --", true)]
    );
}

#[test]
fn tokens_are_redacted_unless_asked() {
    let recs = parse_fixture("journald-short-iso.log");
    let all = serde_json::to_string(&recs).unwrap();
    assert!(!all.contains("eyJ1c2VyX2lkIjoxLCJleHAiOjE3OTU0NjU0NjB9"));
    let (_, recs, _) = parse(&[
        "--no-redact",
        fixture("journald-short-iso.log").to_str().unwrap(),
    ]);
    assert!(serde_json::to_string(&recs)
        .unwrap()
        .contains("eyJ1c2VyX2lkIjoxLCJleHAiOjE3OTU0NjU0NjB9"));
}

#[test]
fn yearless_journald_short_says_where_the_year_came_from() {
    let (code, recs, _) = parse(&[
        "--year",
        "2025",
        fixture("journald-short.log").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(recs[0]["format"], "journald-short");
    assert_eq!(recs[0]["ts"], "2025-11-23T19:37:49Z");
    let note = recs[0]["ts_note"].as_str().unwrap();
    assert!(note.contains("--year") && note.contains("UTC"), "{note}");
}

#[test]
fn tz_flag_shifts_zoneless_timestamps() {
    let (_, recs, _) = parse(&[
        "--year",
        "2026",
        "--tz",
        "+02:00",
        fixture("journald-short.log").to_str().unwrap(),
    ]);
    assert_eq!(recs[0]["ts"], "2026-11-23T17:37:49Z");
}

#[test]
fn nginx_access_request_is_split_into_fields() {
    let recs = parse_fixture("nginx-access.log");
    let r = &recs[0];
    assert_eq!(r["format"], "nginx-access");
    assert_eq!(r["fields"]["method"], "GET");
    assert_eq!(r["fields"]["path"], "/ws/chat/1/2/");
    assert_eq!(r["fields"]["status"], "101");
    assert_eq!(r["fields"]["request_time"], "2.001");
    assert!(!r["fields"]["query"].as_str().unwrap().contains("eyJ1c2Vy"));
    assert_eq!(recs[1]["fields"]["request_time"], "0.004");
    assert_eq!(
        recs[2]["format"], "nginx-access",
        "a TLS handshake sent to the plain port still parses"
    );
}

#[test]
fn nginx_error_fields_include_connection_number_and_upstream() {
    let recs = parse_fixture("nginx-error.log");
    assert_eq!(recs[0]["format"], "nginx-error");
    assert_eq!(recs[0]["level"], "error");
    assert_eq!(recs[0]["fields"]["conn"], "5531");
    assert_eq!(recs[0]["fields"]["client"], "203.0.113.9");
    assert_eq!(
        recs[0]["fields"]["upstream"],
        "http://127.0.0.1:8000/ws/notifications/"
    );
    assert_eq!(recs[0]["ts_note"], "no zone in source, UTC assumed");
}

#[test]
fn docker_json_partials_join_and_last_line_without_newline_is_kept() {
    let recs = parse_fixture("docker-json.log");
    assert_eq!(recs.len(), 4, "{recs:#?}");
    assert_eq!(recs[0]["format"], "docker-json");
    assert_eq!(recs[0]["stream"], "stderr");
    assert_eq!(recs[0]["ts"], "2026-11-23T19:37:50.220481237Z");
    assert!(recs[1]["message"]
        .as_str()
        .unwrap()
        .ends_with("channel group: Error 111 connecting to 127.0.0.1:6379. Connection refused."));
    assert_eq!(
        recs[2]["app"]["format"], "uvicorn",
        "ANSI colour inside JSON is stripped"
    );
    assert_eq!(recs[3]["message"], "last line without newline");
}

#[test]
fn compose_prefixes_name_the_service_and_unprefixed_lines_are_kept() {
    let recs = parse_fixture("compose.log");
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[0]["program"], "web-1");
    assert_eq!(recs[2]["app"]["format"], "nginx-error");
    assert_eq!(recs[2]["fields"]["conn"], "51");
    assert_eq!(recs[3]["format"], "plain");
}

#[test]
fn supervisord_captured_output_belongs_to_the_program() {
    let recs = parse_fixture("supervisord.log");
    let cap = recs
        .iter()
        .find(|r| r["message"].as_str().unwrap().contains("Starting server"))
        .unwrap();
    assert_eq!(cap["program"], "daphne");
    assert_eq!(cap["stream"], "stderr");
    assert_eq!(cap["app"]["format"], "python-logging");
    let exited = recs
        .iter()
        .find(|r| r["message"].as_str().unwrap().starts_with("exited:"))
        .unwrap();
    assert_eq!(exited["fields"]["exit_status"], "1");
    assert_eq!(exited["level"], "warning");
}

#[test]
fn child_log_of_a_program_keeps_bare_prints_as_plain_output() {
    let recs = parse_fixture("daphne-stderr.log");
    assert_eq!(recs[0]["format"], "python-logging");
    assert_eq!(recs[2]["format"], "daphne-access");
    assert_eq!(recs[2]["fields"]["event"], "WSREJECT");
    assert_eq!(recs[3]["format"], "plain");
}

#[test]
fn cri_partial_lines_are_joined() {
    let recs = parse_fixture("cri.log");
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["app"]["format"], "uvicorn");
    assert_eq!(recs[1]["fields"]["path"], "/ws/chat/1/2/");
}

#[test]
fn journald_json_prefers_source_time_and_decodes_byte_array_messages() {
    let recs = parse_fixture("journald.json");
    assert_eq!(recs[0]["format"], "journald-json");
    assert_eq!(recs[0]["ts"], "2026-11-23T19:37:50.220000Z");
    assert_eq!(recs[1]["message"], "Closed with code 1006");
    assert_eq!(recs[1]["level"], "error");
}

#[test]
fn inputs_merge_by_time_and_ties_keep_input_order() {
    let (code, recs, _) = parse(&[
        fixture("nginx-error.log").to_str().unwrap(),
        fixture("journald-short-iso.log").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let times: Vec<&str> = recs.iter().filter_map(|r| r["ts"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[test]
fn missing_input_is_named_exit_2_and_others_still_processed() {
    let (code, recs, err) = parse(&[
        "/nonexistent/app.log",
        fixture("nginx-error.log").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/app.log"), "{err}");
    assert_eq!(recs.len(), 3);
}

#[test]
fn a_directory_as_input_is_read_as_the_files_under_it() {
    let dir = fixture("");
    let (code, recs, err) = parse(&[dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut inputs: Vec<String> = recs
        .iter()
        .map(|r| r["input"].as_str().unwrap().to_string())
        .collect();
    inputs.dedup();
    inputs.sort();
    inputs.dedup();
    assert!(inputs.len() > 5, "{inputs:?}");
    assert!(
        inputs.iter().all(|i| i.starts_with(dir.to_str().unwrap())),
        "{inputs:?}"
    );
}

#[test]
fn stdin_is_read_when_no_path_is_given() {
    let out = logweave()
        .arg("parse")
        .write_stdin("2026/11/23 19:39:00 [notice] 812#812: signal process started\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["input"], "-");
    assert_eq!(v["format"], "nginx-error");
}

#[test]
fn gzip_and_zstd_are_read_by_content_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(fixture("nginx-error.log")).unwrap();
    let gz = dir.path().join("error.log.1");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(&plain).unwrap();
    e.finish().unwrap();
    let zst = dir.path().join("error.log.2");
    std::fs::write(&zst, zstd::encode_all(&plain[..], 3).unwrap()).unwrap();
    for p in [&gz, &zst] {
        let (code, recs, err) = parse(&[p.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0]["format"], "nginx-error");
    }
}

#[test]
fn truncated_gzip_keeps_records_before_the_cut_and_names_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!(
            "2026/11/23 19:39:00 [notice] 812#812: line {i} of a long log that compresses\n"
        ));
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    let full = e.finish().unwrap();
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let (code, recs, err) = parse(&[cut.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("cut.gz") && err.contains("byte"), "{err}");
    assert!(!recs.is_empty() && recs.len() < 2000, "{}", recs.len());
}

#[test]
fn stats_account_for_every_line() {
    let out = logweave()
        .args([
            "parse",
            "--stats",
            fixture("journald-short-iso.log").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("14 lines = 10 parsed + 4 continuation + 0 blank + 0 unparsed"),
        "{err}"
    );
}

#[test]
fn unparsable_bytes_are_counted_and_kept_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("junk.log");
    std::fs::write(
        &p,
        b"\x00\x01\x02\xff\xfe binary\n2026/11/23 19:39:00 [notice] 1#1: ok\n",
    )
    .unwrap();
    let out = logweave()
        .args(["parse", "--stats", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 unparsed") && err.contains("not valid UTF-8"),
        "{err}"
    );
    let first: Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["format"], "unknown");
    assert_eq!(first["lossy"], true);
}

#[test]
fn overlong_line_is_cut_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.log");
    let mut data = vec![b'a'; 3 << 20];
    data.extend_from_slice(b"\nshort\n");
    std::fs::write(&p, data).unwrap();
    let (code, recs, _) = parse(&[p.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(recs[0]["truncated"], true);
    assert_eq!(recs[0]["message"].as_str().unwrap().len(), 1 << 20);
    assert_eq!(recs[1]["message"], "short");
}

#[test]
fn unknown_format_name_is_a_usage_error() {
    let out = logweave()
        .args(["parse", "--format", "nope", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("logweave formats"));
}

#[test]
fn forced_format_skips_detection() {
    let out = logweave()
        .args(["parse", "--format", "journald-cat"])
        .write_stdin("Nov 23 19:37:49 looks like short but is a message\n")
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["format"], "journald-cat");
    assert_eq!(
        v["message"],
        "Nov 23 19:37:49 looks like short but is a message"
    );
}

#[test]
fn formats_lists_every_format_with_an_example() {
    let out = logweave().arg("formats").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "journald-short",
        "journald-short-iso",
        "journald-short-precise",
        "journald-short-iso-precise",
        "journald-short-unix",
        "journald-json",
        "journald-cat",
        "syslog-rfc3164",
        "syslog-rfc5424",
        "supervisord",
        "docker-json",
        "docker-timestamps",
        "docker-compose",
        "cri",
        "nginx-access",
        "nginx-error",
        "daphne-access",
        "daphne-runserver",
        "uvicorn",
        "gunicorn",
        "python-logging",
    ] {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing:\n{text}"
        );
    }
}

#[test]
fn closed_stdout_ends_quietly() {
    // `logweave parse big.log | head -1`: the pipe closes early; no error message, exit 0.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let line = "2026/11/23 19:39:00 [notice] 812#812: signal process started\n";
    std::fs::write(&p, line.repeat(200_000)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("logweave");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' parse '{}' | head -1 >/dev/null",
            bin.display(),
            p.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parse_stdin(args: &[&str], input: &str) -> Vec<Value> {
    let out = logweave()
        .arg("parse")
        .args(args)
        .write_stdin(input.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn journalctl_reverse_output_comes_out_oldest_first() {
    let recs = parse_stdin(
        &[],
        "2026-11-23T19:37:52+0000 web-1 daphne[1]: third\n2026-11-23T19:37:51+0000 web-1 daphne[1]: second\n2026-11-23T19:37:50+0000 web-1 daphne[1]: first\n2026-11-23T19:37:49+0000 web-1 daphne[1]: zeroth\n",
    );
    let msgs: Vec<&str> = recs
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, vec!["zeroth", "first", "second", "third"]);
}

#[test]
fn journald_short_reads_german_french_and_spanish_months() {
    let recs = parse_stdin(
        &["--year", "2026"],
        "Mär 02 10:00:00 web-1 daphne[1]: de\ndéc. 03 10:00:00 web-1 daphne[1]: fr\ndic 04 10:00:00 web-1 daphne[1]: es\n",
    );
    let ts: Vec<&str> = recs.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    assert_eq!(
        ts,
        vec![
            "2026-03-02T10:00:00Z",
            "2026-12-03T10:00:00Z",
            "2026-12-04T10:00:00Z"
        ]
    );
}

#[test]
fn december_lines_in_a_file_written_in_january_get_the_previous_year() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("syslog");
    std::fs::write(
        &p,
        "Dec 31 23:59:58 web-1 daphne[1]: old year\nJan  1 00:00:01 web-1 daphne[1]: new year\n",
    )
    .unwrap();
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    // 2027-01-02T00:00:00Z
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_798_848_000))
        .unwrap();
    let (_, recs, _) = parse(&[p.to_str().unwrap()]);
    assert_eq!(recs[0]["ts"], "2026-12-31T23:59:58Z");
    assert_eq!(recs[1]["ts"], "2027-01-01T00:00:01Z");
    assert!(recs[0]["ts_note"]
        .as_str()
        .unwrap()
        .contains("modification time"));
}

#[test]
fn syslog_unix_and_docker_timestamp_envelopes_parse() {
    let recs = parse_stdin(
        &[],
        "<165>1 2026-11-23T19:37:49.003Z web-1 daphne 4242 ID47 - WSCONNECT done\n",
    );
    assert_eq!(recs[0]["format"], "syslog-rfc5424");
    assert_eq!(recs[0]["pid"], 4242);
    assert_eq!(recs[0]["level"], "notice");
    let recs = parse_stdin(&[], "1795462669.123456 web-1 daphne[4242]: hello\n");
    assert_eq!(recs[0]["format"], "journald-short-unix");
    assert_eq!(recs[0]["ts"], "2026-11-23T19:37:49.123456Z");
    let recs = parse_stdin(
        &[],
        "2026-11-23T19:37:49.123456789Z INFO:     connection open\n",
    );
    assert_eq!(recs[0]["format"], "docker-timestamps");
    assert_eq!(recs[0]["app"]["format"], "uvicorn");
}

#[test]
fn crlf_line_ends_and_nul_bytes_do_not_break_parsing() {
    let recs = parse_stdin(
        &[],
        "2026/11/23 19:39:00 [notice] 1#1: a\r\n2026/11/23 19:39:01 [notice] 1#1: b\0c\r\n",
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["app"]["message"], "a");
    assert_eq!(recs[1]["app"]["message"], "b\u{0}c");
}

#[test]
fn a_negative_offset_is_a_value_of_tz_and_flags_out_of_range_are_refused() {
    // `--tz -05:30` was read as a flag ("unexpected argument '-0'").
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "2026-02-09 14:20:16,207 INFO     hello\n").unwrap();
    let (code, recs, err) = parse(&["--tz", "-05:30", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(recs[0]["ts"], "2026-02-09T19:50:16.207Z");
    // A year outside 1..=9999 wrote times that are not RFC 3339; a line limit of 0 cut
    // every line to nothing.
    for args in [
        ["--year", "0"],
        ["--year", "99999"],
        ["--max-line-bytes", "0"],
    ] {
        let (code, _, err) = parse(&[args[0], args[1], log.to_str().unwrap()]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(args[0]), "{err}");
    }
}

#[test]
fn a_zoneless_since_is_in_the_offset_the_logs_zoneless_times_take() {
    // nginx writes +0100; Daphne's and supervisord's times carry no zone and take it.
    // `--since` copied out of daphne.log was read as UTC, an hour after the logs' end:
    // nothing was left.
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/upstream-down-error-log-supervisord");
    let tmp = tempfile::tempdir().unwrap();
    for f in ["daphne.log", "nginx-error.log", "supervisord.log"] {
        std::fs::copy(dir.join(f), tmp.path().join(f)).unwrap();
    }
    let access = std::fs::read_to_string(dir.join("nginx-access.log"))
        .unwrap()
        .replace(" +0000]", " +0100]");
    std::fs::write(tmp.path().join("nginx-access.log"), access).unwrap();
    let names: Vec<String> = [
        "daphne.log",
        "nginx-access.log",
        "nginx-error.log",
        "supervisord.log",
    ]
    .iter()
    .map(|f| tmp.path().join(f).to_string_lossy().into_owned())
    .collect();
    let count = |since: &str| {
        let mut args = vec!["--since", since];
        args.extend(names.iter().map(String::as_str));
        parse(&args).1.len()
    };
    let zoneless = count("2026-11-23 21:14:30");
    assert!(
        zoneless > 0,
        "a time copied out of the log selects its lines"
    );
    assert_eq!(zoneless, count("2026-11-23T21:14:30+01:00"));
}

#[test]
fn klog_lines_of_an_ingress_controller_pod_are_parsed_and_timed() {
    // `kubectl logs` of ingress-nginx: the controller's klog lines among nginx's access
    // lines were counted as unparsed and had no time.
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ingress-controller-klog.log");
    let out = logweave()
        .args(["parse", "--stats", "--year", "2020", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 lines = 4 parsed"), "{err}");
    assert!(err.contains("0 unparsed"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["format"], "klog");
    assert_eq!(first["ts"], "2020-04-09T13:01:28.912345Z");
    assert_eq!(first["fields"]["source"], "controller.go:190");
}

#[test]
fn a_zone_name_reads_each_zoneless_time_in_the_offset_of_its_date_across_a_dst_change() {
    // Paris moved from +01:00 to +02:00 at 02:00 on 29 March 2026. Read in one offset,
    // the second line would land an hour off, out of order with the access log's own
    // times; `--tz` took offsets only, and `local` was today's offset.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "2026-03-29 01:59:59,000 INFO     before\n2026-03-29 03:00:01,000 INFO     after\n",
    )
    .unwrap();
    let (code, recs, err) = parse(&["--tz", "Europe/Paris", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(recs[0]["ts"], "2026-03-29T00:59:59.000Z");
    assert_eq!(recs[1]["ts"], "2026-03-29T01:00:01.000Z");
    let note = recs[0]["ts_note"].as_str().unwrap();
    assert!(note.contains("Europe/Paris"), "{note}");
    // `local` is the machine's zone with its rules, here the one `TZ` names.
    let out = logweave()
        .env("TZ", "Europe/Paris")
        .args(["parse", "--tz", "local", log.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let local: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(local[1]["ts"], "2026-03-29T01:00:01.000Z", "{text}");
    // A name that is no zone is refused with the forms accepted.
    let (code, _, err) = parse(&["--tz", "Mars/Olympus", log.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("Europe/Paris"), "{err}");
}

#[test]
fn a_logfmt_record_inside_an_envelope_without_a_time_gives_the_record_its_time_and_pid() {
    // `docker compose logs` without `--timestamps`: the compose prefix has no time, the
    // structlog line inside it has one, and the pid that tells workers apart.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("compose.log");
    std::fs::write(
        &log,
        "web-1  | time=2026-11-23T19:37:49Z level=error pid=42 msg=\"Exception inside application: boom\"\n",
    )
    .unwrap();
    let (code, recs, err) = parse(&[log.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(recs[0]["format"], "docker-compose");
    assert_eq!(recs[0]["ts"], "2026-11-23T19:37:49Z");
    assert_eq!(recs[0]["pid"], 42);
    assert_eq!(recs[0]["level"], "error");
    assert_eq!(recs[0]["message"], "Exception inside application: boom");
}

#[test]
fn a_saved_systemctl_status_gives_its_journal_lines_the_year_of_its_active_line() {
    // A `systemctl status daphne` of March 2025 read in 2026: its journal lines write no
    // year, and came out in the file's, a year late; the `Active:` line writes it.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("status.txt");
    std::fs::write(
        &p,
        "\u{25cf} daphne.service - Daphne ASGI Server for Django Channels\n\
         \x20    Loaded: loaded (/etc/systemd/system/daphne.service; disabled; vendor preset: enabled)\n\
         \x20    Active: failed (Result: exit-code) since Wed 2025-03-12 05:56:29 UTC; 2min 17s ago\n\
         \x20  Main PID: 7647 (code=exited, status=1/FAILURE)\n\
         \n\
         Mar 12 05:56:29 ip-172-31-38-254 systemd[1]: daphne.service: Start request repeated too quickly.\n\
         Mar 12 05:56:29 ip-172-31-38-254 systemd[1]: daphne.service: Failed with result 'exit-code'.\n",
    )
    .unwrap();
    let (code, recs, _) = parse(&[p.to_str().unwrap()]);
    assert_eq!(code, 0);
    let ts: Vec<&str> = recs.iter().filter_map(|r| r["ts"].as_str()).collect();
    assert_eq!(ts, ["2025-03-12T05:56:29Z", "2025-03-12T05:56:29Z"]);
}

#[test]
fn a_saved_systemctl_status_gives_its_journal_lines_the_zone_of_its_active_line() {
    // awx-build#37 and others: `Active: ... since Wed 2018-08-22 11:47:55 CEST;` above
    // journal lines of the same wall clock, which write no zone: read as UTC they were
    // two hours off (8 h under systemd's `+08`). `IST` names three zones (India's,
    // Ireland's, Israel's): not taken, the lines are read in `--tz` (UTC here).
    let dir = tempfile::tempdir().unwrap();
    for (zone, want) in [
        ("CEST", "2018-08-22T09:47:55Z"),
        ("EEST", "2018-08-22T08:47:55Z"),
        ("+08", "2018-08-22T03:47:55Z"),
        ("EDT", "2018-08-22T15:47:55Z"),
        ("IST", "2018-08-22T11:47:55Z"),
    ] {
        let p = dir.path().join(format!("status-{zone}.txt"));
        std::fs::write(
            &p,
            format!(
                "\u{25cf} awx-daphne.service - AWX daphne service\n\
                 \x20  Loaded: loaded (/usr/lib/systemd/system/awx-daphne.service; enabled)\n\
                 \x20  Active: active (running) since Wed 2018-08-22 11:47:55 {zone}; 1h 11min ago\n\
                 \n\
                 Aug 22 11:47:55 dc0awx01 systemd[1]: Started AWX daphne service.\n"
            ),
        )
        .unwrap();
        let (code, recs, _) = parse(&[p.to_str().unwrap()]);
        assert_eq!(code, 0);
        let ts: Vec<&str> = recs.iter().filter_map(|r| r["ts"].as_str()).collect();
        assert_eq!(ts, [want], "{zone}");
    }
}

#[test]
fn a_journal_excerpt_saved_years_later_takes_the_year_its_lines_write() {
    // uvicorn#244: `journalctl` output pasted from 2019 and read in 2026 came out in 2026
    // (the file's modification time): a token's `exp` would be judged seven years late.
    // The application's own times write 2019; the systemd line between them moves too.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("journal.log");
    std::fs::write(
        &p,
        "Jan 07 11:57:24 makerlog gunicorn[19800]: [2019-01-07 11:57:24 +0000] [19806] [INFO] None - \"WebSocket /notifications/\" [accepted]\n\
         Jan 07 11:57:30 makerlog systemd[1]: Started gunicorn daemon.\n\
         Jan 07 11:57:31 makerlog gunicorn[19800]: [2019-01-07 11:57:31 +0000] [19806] [INFO] None - \"WebSocket /notifications/\" [accepted]\n",
    )
    .unwrap();
    let (code, recs, _) = parse(&[p.to_str().unwrap()]);
    assert_eq!(code, 0);
    let ts: Vec<&str> = recs.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    assert_eq!(
        ts,
        [
            "2019-01-07T11:57:24Z",
            "2019-01-07T11:57:30Z",
            "2019-01-07T11:57:31Z"
        ]
    );
    let note = recs[1]["ts_note"].as_str().unwrap();
    assert!(note.contains("lines' own times"), "{note}");
    // Saved on 5 January, it runs past that day: its later lines are not a year earlier.
    let q = dir.path().join("week.log");
    std::fs::write(
        &q,
        "Jan 03 09:00:00 web gunicorn[1]: [2019-01-03 09:00:00 +0000] [6] [INFO] Booting worker with pid: 6\n\
         Jan 10 09:00:00 web gunicorn[1]: [2019-01-10 09:00:00 +0000] [6] [INFO] Shutting down\n",
    )
    .unwrap();
    let f = std::fs::File::options().write(true).open(&q).unwrap();
    // 2026-01-05T00:00:00Z
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_571_200))
        .unwrap();
    let (_, recs, _) = parse(&[q.to_str().unwrap()]);
    let ts: Vec<&str> = recs.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    assert_eq!(ts, ["2019-01-03T09:00:00Z", "2019-01-10T09:00:00Z"]);
    // Lines whose own times write the file's year keep it, from the file.
    let n = dir.path().join("now.log");
    std::fs::write(
        &n,
        "Jan 03 09:00:00 web gunicorn[1]: [2026-01-03 09:00:00 +0000] [6] [INFO] Booting worker with pid: 6\n",
    )
    .unwrap();
    let f = std::fs::File::options().write(true).open(&n).unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_571_200))
        .unwrap();
    let (_, recs, _) = parse(&[n.to_str().unwrap()]);
    assert_eq!(recs[0]["ts"], "2026-01-03T09:00:00Z");
    assert!(recs[0]["ts_note"]
        .as_str()
        .unwrap()
        .contains("modification time"));
}

#[test]
fn a_yearless_journal_beside_an_access_log_of_another_year_takes_that_year() {
    // Logs copied off a server years after the incident: the journal (no year) was read
    // in the year of the copy, two years from the access log beside it, and no line of
    // one joined a line of the other.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("daphne.journal");
    std::fs::write(
        &journal,
        "Mar 14 11:15:02 web1 daphne[812]: WebSocket HANDSHAKING /ws/chat/lobby/ [127.0.0.1:50110]\n\
         Mar 14 11:15:40 web1 daphne[812]: WebSocket DISCONNECT /ws/chat/lobby/ [127.0.0.1:50110]\n",
    )
    .unwrap();
    let access = dir.path().join("access.log");
    std::fs::write(
        &access,
        "203.0.113.9 - - [14/Mar/2024:11:15:40 +0000] \"GET /ws/chat/lobby/ HTTP/1.1\" 101 388 \"-\" \"Mozilla/5.0\" 38.002\n",
    )
    .unwrap();
    // Written on 2026-11-25: read alone, the journal is of 2026.
    for f in [&journal, &access] {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_564_800))
            .unwrap();
    }
    let (_, alone, _) = parse(&[journal.to_str().unwrap()]);
    assert_eq!(alone[0]["ts"], "2026-03-14T11:15:02Z");
    let (code, recs, err) = parse(&[journal.to_str().unwrap(), access.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let ts: Vec<&str> = recs.iter().map(|r| r["ts"].as_str().unwrap()).collect();
    assert_eq!(
        ts,
        [
            "2024-03-14T11:15:02Z",
            "2024-03-14T11:15:40Z",
            "2024-03-14T11:15:40Z"
        ]
    );
    let note = recs[0]["ts_note"].as_str().unwrap();
    assert!(note.contains("the years other lines write"), "{note}");
    assert!(
        err.contains("daphne.journal: its times carry no year; the file's date put them 2 years away from the times ")
            && err.contains("access.log writes, so they are read 2 years earlier"),
        "{err}"
    );
    // Times that meet no year of the other's (August against March) stay as read, and
    // so does a year given with --year.
    let august = dir.path().join("august.journal");
    std::fs::write(
        &august,
        "Aug 01 09:00:00 web1 daphne[812]: WebSocket HANDSHAKING /ws/ [127.0.0.1:5]\n",
    )
    .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&august)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_564_800))
        .unwrap();
    let (_, recs, _) = parse(&[august.to_str().unwrap(), access.to_str().unwrap()]);
    let aug = recs
        .iter()
        .find(|r| r["input"].as_str().unwrap().ends_with("august.journal"))
        .unwrap();
    assert_eq!(aug["ts"], "2026-08-01T09:00:00Z");
    let (_, recs, _) = parse(&[
        "--year",
        "2026",
        journal.to_str().unwrap(),
        access.to_str().unwrap(),
    ]);
    let first = recs
        .iter()
        .find(|r| r["input"].as_str().unwrap().ends_with("daphne.journal"))
        .unwrap();
    assert_eq!(first["ts"], "2026-03-14T11:15:02Z");
}

#[test]
fn runserver_lines_written_without_their_date_are_runservers() {
    // channels#2062: Channels 4's runserver through a project's own formatter. The lines
    // were "not parsed, kept as unknown" (the patterns still read them).
    let recs = parse_stdin(
        &[],
        "WebSocket HANDSHAKING /ws/echo/ [172.20.0.1:51624]\n\
         WebSocket REJECT /ws/echo/ [172.20.0.1:51624]\n\
         HTTP GET /static/app.js 200 [0.01, 172.20.0.1:51620]\n",
    );
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(r["format"], "daphne-runserver", "{r}");
        assert_eq!(r["ts"], Value::Null, "{r}");
    }
    assert_eq!(recs[0]["fields"]["event"], "HANDSHAKING");
    assert_eq!(recs[0]["fields"]["client"], "172.20.0.1:51624");
    assert_eq!(recs[2]["fields"]["status"], "200");
}

#[test]
fn level_and_logger_in_brackets_without_a_time_are_python_logging() {
    // daphne#533: `[%(levelname)s][%(name)s] %(message)s` came out `unknown`, no level.
    let recs = parse_stdin(
        &[],
        "[WARNING][daphne.server] Application instance <Task pending name='Task-4097'> for connection <WebRequest at 0x7f2 method=POST uri=/socket.io/ clientproto=HTTP/1.1> took too long to shut down and was killed.\n\
         [INFO] Listening on TCP address 0.0.0.0:8000\n",
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["format"], "python-logging");
    assert_eq!(recs[0]["level"], "warning");
    assert_eq!(recs[0]["app"]["logger"], "daphne.server", "{}", recs[0]);
    assert_eq!(recs[1]["level"], "info");
}

/// A structured application log inside a journal (`journalctl -u app` of a structlog or
/// zap service) writes the year and the zone its short lines lack. Its record's time was
/// dropped for the journal's, so the year came from the file's date and the zone was
/// taken as UTC: an hour and a year away from an nginx log beside it.
#[test]
fn a_json_record_inside_a_journal_line_gives_the_year_and_zone_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.log");
    std::fs::write(
        &path,
        concat!(
            "Dec 29 20:47:58 web app[100]: {\"event\":\"failed to connect websocket\",",
            "\"level\":\"warning\",\"logger\":\"app.ws\",\"error\":\"websocket: bad handshake\",",
            "\"timestamp\":\"2024-12-29T20:47:58+01:00\"}\n",
            "Dec 29 20:47:59 web app[100]: {\"event\":\"waiting 5 seconds to reconnect\",",
            "\"level\":\"info\",\"logger\":\"app.ws\",\"timestamp\":\"2024-12-29T20:47:59+01:00\"}\n",
        ),
    )
    .unwrap();
    let (code, recs, err) = parse(&[path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(recs[0]["ts"], "2024-12-29T19:47:58Z", "{err}");
    assert_eq!(recs[1]["ts"], "2024-12-29T19:47:59Z");
    assert_eq!(recs[0]["app"]["format"], "json-log");
    assert_eq!(recs[0]["app"]["ts"], "2024-12-29T19:47:58Z");
    assert!(err.contains("+01:00"), "{err}");
}
