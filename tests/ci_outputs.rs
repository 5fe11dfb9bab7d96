//! The outputs for CI and for people, run as a user runs them: `--output junit` (checked
//! against a JUnit schema with xmllint), `--output github`, `--since` / `--until`,
//! `completions` and `man`.
//!
//! The log `tests/data/ci-demo.log` and its pack `tests/data/ci-pack/` give one healthy
//! connection (c1), one broken by an invalid token that carries a JWT (c2), one degraded
//! by a 1006 close (c3), and a reconnect storm over three connections (c4..c6).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const LOG: &str = "tests/data/ci-demo.log";
const PACK: &str = "tests/data/ci-pack";
/// The JWT's signature part: it must never reach an output.
const SECRET: &str = "c2lnbmF0dXJl";

/// `logweave ARGS` run from the repository root, so inputs are named as in the tests.
fn run(args: &[&str]) -> Output {
    Command::cargo_bin("logweave")
        .unwrap()
        .current_dir(root())
        .env_remove("GITHUB_WORKSPACE")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `scan`/`check` over the demo log with the demo pack, plus `extra` arguments.
fn demo(cmd: &str, extra: &[&str]) -> Output {
    let mut args = vec![cmd, "--year", "2026", "--patterns", PACK];
    args.extend_from_slice(extra);
    args.push(LOG);
    run(&args)
}

/// The `<testcase ...>` element (to its end) whose name starts with `name`.
fn testcase<'a>(xml: &'a str, name: &str) -> &'a str {
    let at = xml
        .find(&format!("name=\"{name}"))
        .unwrap_or_else(|| panic!("no testcase {name} in\n{xml}"));
    let rest = &xml[xml[..at].rfind("<testcase").unwrap()..];
    let first_line = rest.split('\n').next().unwrap();
    if first_line.ends_with("/>") {
        first_line
    } else {
        &rest[..rest.find("</testcase>").unwrap() + "</testcase>".len()]
    }
}

/// Validates `xml` against `tests/data/junit.xsd` with xmllint.
fn assert_valid_junit(xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(root().join("tests/data/junit.xsd"))
        .arg(&file)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed: install it (Debian/Ubuntu: `apt-get install -y libxml2-utils`) to validate the JUnit output"
        ),
        Err(e) => panic!("running xmllint: {e}"),
    };
    assert!(
        out.status.success(),
        "the JUnit output does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_output_of_scan_and_check_validates_against_the_junit_schema() {
    let exp = tempfile::tempdir().unwrap();
    let expect = exp.path().join("expect.toml");
    std::fs::write(&expect, "[rules]\n\"auth.token-invalid\" = 2\n").unwrap();
    let runs = [
        demo("scan", &["-o", "junit"]),
        demo("check", &["-o", "junit"]),
        demo("check", &["-o", "junit", "--fail-on", "warning"]),
        demo("check", &["-o", "junit", "--fail-on", "never"]),
        demo(
            "check",
            &["-o", "junit", "--expect", expect.to_str().unwrap()],
        ),
        run(&["scan", "-o", "junit", "tests/data/no-such-file.log"]),
    ];
    for o in &runs {
        assert_valid_junit(&stdout(o));
    }
}

#[test]
fn junit_has_one_suite_named_logweave_with_the_inputs_as_properties() {
    let xml = stdout(&demo("scan", &["-o", "junit"]));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
    assert!(
        xml.contains(
            r#"<testsuite name="logweave" tests="7" failures="2" errors="0" skipped="3">"#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<property name="input" value="tests/data/ci-demo.log"/>"#),
        "{xml}"
    );
}

#[test]
fn junit_healthy_connection_is_a_passing_testcase_classed_by_path() {
    let xml = stdout(&demo("scan", &["-o", "junit"]));
    assert_eq!(
        testcase(&xml, "c1 "),
        r#"<testcase classname="/ws/chat/1/" name="c1 192.168.1.1:50001" time="20.000"/>"#
    );
}

#[test]
fn junit_broken_connection_fails_with_rule_diagnosis_and_redacted_evidence() {
    let xml = stdout(&demo("scan", &["-o", "junit"]));
    let c2 = testcase(&xml, "c2 ");
    assert!(
        c2.contains(r#"classname="/ws/chat/2/" name="c2 192.168.1.2:50002""#),
        "{c2}"
    );
    assert!(
        c2.contains(
            r#"<failure message="auth.token-invalid: The token was rejected: eyJ…[redacted-jwt] &lt;expired&gt; &amp; &quot;bad&quot;." type="auth.token-invalid">"#
        ),
        "{c2}"
    );
    assert!(
        c2.contains("fix: Get a fresh token, check SIMPLE_JWT signing settings."),
        "{c2}"
    );
    assert!(
        c2.contains("  tests/data/ci-demo.log:4  2026-11-23 19:37:50,200 WARNING  [CiDemo] 192.168.1.2:50002 bad token: "),
        "{c2}"
    );
    assert!(!xml.contains(SECRET), "a secret leaked:\n{xml}");
}

#[test]
fn junit_without_redaction_shows_the_token() {
    let xml = stdout(&demo("scan", &["-o", "junit", "--no-redact"]));
    assert!(xml.contains(SECRET), "{xml}");
}

#[test]
fn junit_degraded_connection_is_system_out_unless_check_fails_on_warnings() {
    let scan = stdout(&demo("scan", &["-o", "junit"]));
    let c3 = testcase(&scan, "c3 ");
    assert!(!c3.contains("<failure"), "{c3}");
    assert!(
        c3.contains("<system-out>close.abnormal (warning) at 2026-11-23T19:37:58Z: The connection dropped without a close frame (code 1006)."),
        "{c3}"
    );
    assert!(c3.contains("tests/data/ci-demo.log:8  "), "{c3}");

    let check = demo("check", &["-o", "junit", "--fail-on", "warning"]);
    assert_eq!(check.status.code(), Some(1));
    let xml = stdout(&check);
    let c3 = testcase(&xml, "c3 ");
    assert!(
        c3.contains(r#"<failure message="close.abnormal: The connection dropped without a close frame (code 1006)." type="close.abnormal">"#),
        "{c3}"
    );
    assert!(xml.contains(r#"failures="3""#), "{xml}");
}

#[test]
fn junit_check_fail_on_never_fails_no_testcase() {
    let o = demo("check", &["-o", "junit", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));
    let xml = stdout(&o);
    assert!(!xml.contains("<failure"), "{xml}");
    assert!(xml.contains(r#"failures="0""#), "{xml}");
    assert!(testcase(&xml, "c2 ").contains("<system-out>auth.token-invalid (error)"));
}

#[test]
fn junit_finding_across_connections_is_a_testcase_named_after_the_rule() {
    let xml = stdout(&demo("scan", &["-o", "junit"]));
    let storm = testcase(&xml, "client.reconnect-storm");
    assert!(
        storm.starts_with(
            r#"<testcase classname="(across connections)" name="client.reconnect-storm">"#
        ),
        "{storm}"
    );
    assert!(
        storm.contains(r#"type="client.reconnect-storm""#),
        "{storm}"
    );
    assert!(storm.contains("  connections: c4, c5, c6\n"), "{storm}");
    assert!(
        storm.contains("  tests/data/ci-demo.log:10  2026-11-23 19:38:00,000 INFO     [CiDemo] 10.0.0.9:40001 connecting"),
        "{storm}"
    );
    // Its connections stay test cases of their own.
    assert!(xml.contains(r#"name="c4 10.0.0.9:40001""#), "{xml}");
}

#[test]
fn junit_with_expect_is_one_testcase_named_after_the_expect_file() {
    let dir = tempfile::tempdir().unwrap();
    let expect = dir.path().join("expect.toml");
    let name = expect.to_str().unwrap();

    std::fs::write(
        &expect,
        "[rules]\n\"auth.token-invalid\" = 1\n\"close.abnormal\" = 1\n\"client.reconnect-storm\" = 1\n",
    )
    .unwrap();
    let ok = demo("check", &["-o", "junit", "--expect", name]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let xml = stdout(&ok);
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    assert!(
        xml.contains(&format!(
            r#"<testcase classname="logweave" name="{name}"/>"#
        )),
        "{xml}"
    );

    std::fs::write(&expect, "[rules]\n\"auth.token-invalid\" = 2\n").unwrap();
    let bad = demo("check", &["-o", "junit", "--expect", name]);
    assert_eq!(bad.status.code(), Some(1));
    let xml = stdout(&bad);
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    let case = testcase(&xml, name);
    assert!(
        case.contains(&format!(
            r#"<failure message="3 differences from {name}" type="expect">"#
        )),
        "{case}"
    );
    assert!(
        case.contains("rule auth.token-invalid: expected 2, found 1\n"),
        "{case}"
    );
    assert!(
        case.contains("rule client.reconnect-storm: expected 0, found 1\n"),
        "{case}"
    );
}

#[test]
fn junit_unreadable_input_is_an_error_testcase() {
    let o = run(&["scan", "-o", "junit", "tests/data/no-such-file.log"]);
    assert_eq!(o.status.code(), Some(2));
    let xml = stdout(&o);
    let case = testcase(&xml, "tests/data/no-such-file.log");
    assert!(case.contains(r#"classname="(inputs)""#), "{case}");
    assert!(
        case.contains(r#"<error message="tests/data/no-such-file.log: "#),
        "{case}"
    );
    assert!(xml.contains(r#"errors="1""#), "{xml}");
}

#[test]
fn junit_replaces_characters_xml_cannot_hold_and_still_validates() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ctl.log");
    std::fs::write(
        &log,
        b"2026-11-23 19:37:50,200 WARNING  [CiDemo] 192.168.1.2:50002 bad token: bell\x07 nul\x00 esc\x1b[0m vt\x0b ]]> <x>\n",
    )
    .unwrap();
    let o = run(&[
        "scan",
        "--patterns",
        PACK,
        "-o",
        "junit",
        log.to_str().unwrap(),
    ]);
    let xml = stdout(&o);
    assert!(xml.contains("auth.token-invalid"), "{xml}");
    for bad in ['\u{0}', '\u{7}', '\u{b}', '\u{1b}'] {
        assert!(!xml.contains(bad), "{bad:?} in\n{xml}");
    }
    assert!(xml.contains("]]&gt; &lt;x&gt;"), "{xml}");
    assert_valid_junit(&xml);
}

#[test]
fn junit_output_is_the_same_bytes_every_run() {
    let a = demo("scan", &["-o", "junit"]).stdout;
    let b = demo("scan", &["-o", "junit"]).stdout;
    assert_eq!(a, b);
}

#[test]
fn github_output_is_one_annotation_per_finding_at_its_first_evidence_line() {
    let o = demo("scan", &["-o", "github"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "::error file=tests/data/ci-demo.log,line=4,title=auth.token-invalid::The token was rejected: eyJ…[redacted-jwt] <expired> & \"bad\". (fix: Get a fresh token, check SIMPLE_JWT signing settings.)\n\
         ::warning file=tests/data/ci-demo.log,line=8,title=close.abnormal::The connection dropped without a close frame (code 1006). (fix: Send a keep-alive ping; check the proxy's read timeout.)\n\
         ::error file=tests/data/ci-demo.log,line=10,title=client.reconnect-storm::3 attempts from one client. (fix: Add backoff to the client's reconnect loop.)\n"
    );
}

#[test]
fn github_paths_inside_github_workspace_are_written_relative_to_it() {
    let abs = root().join(LOG);
    let o = Command::cargo_bin("logweave")
        .unwrap()
        .env("GITHUB_WORKSPACE", root())
        .args(["scan", "-o", "github", "--patterns"])
        .arg(root().join(PACK))
        .arg(&abs)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.starts_with("::error file=tests/data/ci-demo.log,line=4,"),
        "{out}"
    );
}

#[test]
fn github_info_findings_are_notices_and_values_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    std::fs::write(
        pack.join("info.toml"),
        r#"
[pack]
name = "info-demo"
about = "one info rule whose text needs escaping"
key = ["client"]

[[pattern]]
id = "consumer.early-close"
stage = "consumer"
regex = 'client (?P<client>[\d.]+:\d+) closed (?P<code>\d+) before accept: (?P<why>.*)'
examples = [{ line = "client 10.0.0.1:5 closed 4001 before accept: x", client = "10.0.0.1:5", code = "4001", why = "x" }]

[[rule]]
id = "close.rejected-before-accept"
severity = "info"
when = { seen = "consumer.early-close" }
diagnosis = "Close {code} before accept: {why}"
hint = "Accept first, then close(4001): 100% of browsers see 1006 otherwise."
"#,
    )
    .unwrap();
    // A file name with the characters that separate properties.
    std::fs::write(
        dir.path().join("a,b:c.log"),
        "2026-11-23 19:37:50,200 INFO client 10.0.0.1:5 closed 4001 before accept: line1\\r\\n50%\n",
    )
    .unwrap();
    let o = Command::cargo_bin("logweave")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("GITHUB_WORKSPACE")
        .args(["scan", "-o", "github", "--patterns", "pack", "a,b:c.log"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "::notice file=a%2Cb%3Ac.log,line=1,title=close.rejected-before-accept::Close 4001 before accept: line1\\r\\n50%25 (fix: Accept first, then close(4001): 100%25 of browsers see 1006 otherwise.)\n"
    );
}

#[test]
fn github_with_expect_annotates_each_difference_on_the_expect_file() {
    let dir = tempfile::tempdir().unwrap();
    let expect = dir.path().join("expect.toml");
    std::fs::write(&expect, "[verdicts]\nbroken = 5\n").unwrap();
    let name = expect.to_str().unwrap();
    let o = demo("check", &["-o", "github", "--expect", name]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "::error file={},title=logweave expect::broken connections: expected 5, found 1\n",
            name.replace(':', "%3A").replace(',', "%2C")
        )
    );
}

fn parse_lines(extra: &[&str]) -> (i32, Vec<u64>, String) {
    let mut args = vec!["parse"];
    args.extend_from_slice(extra);
    args.push(LOG);
    let o = run(&args);
    let lines = stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["line"].as_u64().unwrap()
        })
        .collect();
    (o.status.code().unwrap_or(-1), lines, stderr(&o))
}

#[test]
fn since_and_until_keep_records_in_the_inclusive_window() {
    let (code, lines, err) = parse_lines(&[
        "--since",
        "2026-11-23 19:37:58",
        "--until",
        "2026-11-23 19:38:01",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines, vec![8, 9, 10, 11]);
}

#[test]
fn since_with_a_zone_and_until_alone_work() {
    let (_, lines, _) = parse_lines(&["--since", "2026-11-23T20:38:02+01:00"]);
    assert_eq!(lines, vec![12, 13]);
    let (_, lines, _) = parse_lines(&["--until", "2026-11-23 19:37:49.010"]);
    assert_eq!(lines, vec![1, 2]);
    // --tz applies to zone-less bounds as it does to the zone-less log times, so they
    // compare as written; a bound with its own zone moves against them.
    let (_, lines, _) = parse_lines(&["--tz", "+01:00", "--since", "2026-11-23 19:38:02"]);
    assert_eq!(lines, vec![12, 13]);
    let (_, lines, _) = parse_lines(&["--tz", "+01:00", "--since", "2026-11-23T19:38:02Z"]);
    assert_eq!(lines, Vec::<u64>::new());
}

#[test]
fn a_window_that_leaves_out_every_record_says_where_the_logs_are() {
    // `-1h` on logs copied off a server days ago: the report was an empty one, as a
    // clean log gives, and nothing said the window had missed them all.
    let (code, lines, err) = parse_lines(&["--since", "2026-11-24"]);
    assert_eq!((code, lines.len()), (0, 0));
    assert!(
        err.contains("--since/--until left out every record (13); they span 2026-11-23T19:37:49Z to 2026-11-23T19:38:09Z"),
        "{err}"
    );
    let (_, _, err) = parse_lines(&["--since", "2026-11-23 19:38:00"]);
    assert!(!err.contains("left out every record"), "{err}");
}

#[test]
fn since_narrows_what_scan_analyses() {
    let o = demo("scan", &["-o", "github", "--since", "2026-11-23 19:37:51"]);
    let out = stdout(&o);
    assert!(!out.contains("auth.token-invalid"), "{out}");
    assert!(out.contains("close.abnormal"), "{out}");
}

#[test]
fn relative_and_word_times_are_accepted() {
    for t in [
        "today",
        "yesterday",
        "tomorrow",
        "now",
        "-1h",
        "+30m",
        "-2d",
        "2 hours ago",
        "30 min ago",
        "19:37",
        "2026-11-23",
    ] {
        let (code, _, err) = parse_lines(&["--since", t]);
        assert_eq!(code, 0, "--since {t}: {err}");
    }
}

#[test]
fn a_bad_time_is_a_usage_error_naming_the_flag() {
    for (flag, value) in [
        ("--since", "soon"),
        ("--until", "2026-13-45"),
        ("--since", "-3 fortnights"),
    ] {
        let (code, lines, err) = parse_lines(&[flag, value]);
        assert_eq!(code, 2, "{flag} {value}");
        assert!(lines.is_empty());
        assert!(
            err.starts_with(&format!("logweave: {flag} '{value}': ")),
            "{err}"
        );
    }
    let o = demo("check", &["--until", "yesterday!"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--until 'yesterday!'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn since_after_until_is_a_usage_error() {
    let (code, _, err) = parse_lines(&["--since", "2026-11-24", "--until", "2026-11-23"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--since (2026-11-24T00:00:00Z) is after --until (2026-11-23T00:00:00Z)"),
        "{err}"
    );
}

#[test]
fn completions_for_each_shell_mention_scan() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("scan"), "{shell}:\n{out}");
        assert!(out.contains("--since"), "{shell}:\n{out}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_prints_a_roff_page_listing_scan() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(".TH logweave 1"), "{out}");
    assert!(out.contains("scan"), "{out}");
}

#[test]
fn man_for_a_command_prints_its_own_page() {
    let out = stdout(&run(&["man", "scan"]));
    assert!(out.contains(".TH logweave-scan 1"), "{out}");
    assert!(out.contains("since"), "{out}");
    let o = run(&["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no command 'nope'"));
}

#[test]
fn check_says_on_stderr_why_it_failed_on_findings() {
    // It exited 1 with nothing on stderr: a CI log showed no reason.
    let o = demo("check", &["-o", "github"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("at or above error (--fail-on)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_directory_of_many_logs_is_counted_by_format_and_the_summary_comes_first() {
    // `scan /var/log` listed hundreds of inputs, one per line, before the summary.
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(root().join("fixtures/upstream-down-journald/journal.log"))
        .unwrap();
    for i in 0..14 {
        std::fs::write(dir.path().join(format!("app-{i:02}.log")), &demo).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a log\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let out = stdout(&run(&["scan", "--color", "never", d]));
    let head: Vec<&str> = out.lines().take(4).collect();
    assert!(head[0].starts_with("logweave 15 inputs"), "{out}");
    assert!(
        head[1] == "  15 inputs: 14 journald-short-iso, 1 unknown  (--all lists each)",
        "{out}"
    );
    assert_eq!(head[2], "");
    assert!(head[3].starts_with("connections "), "{out}");
    let all = stdout(&run(&["scan", "--all", "--color", "never", d]));
    assert!(
        all.lines().nth(15).is_some_and(|l| l.contains("notes.txt")),
        "{all}"
    );
}

#[test]
fn a_scan_window_that_misses_the_logs_says_where_they_are() {
    // The scan reads everything and keeps the connections of the window: when it keeps
    // none because no line is in it, the empty report says why.
    let o = demo("check", &["--since", "2026-11-24"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("--since/--until left out every record"),
        "{}",
        stderr(&o)
    );
}

/// A finding whose line is a traceback quoted the record's first line as its evidence,
/// `Traceback (most recent call last):` (or a frame, or a pasted remark), which says
/// nothing: it now quotes the line the pattern matched, under the span of the record's
/// lines (hunt 30: greaterwms#129 showed `The problem:`).
#[test]
fn a_findings_evidence_quotes_and_points_at_the_line_that_matched_not_the_tracebacks_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daphne.log");
    std::fs::write(
        &path,
        "Traceback (most recent call last):\n  File \"/srv/app/project/asgi.py\", line 5, in <module>\n    from chat.routing import websocket_urlpatterns\ndjango.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet.\n",
    )
    .unwrap();
    let out = run(&["scan", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let evidence = text
        .lines()
        .find(|l| l.contains("daphne.log:"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        evidence.ends_with(
            "daphne.log:1-4  django.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet."
        ),
        "{evidence}"
    );
    // JUnit's failure quotes it too (stop 35 had left its first line there), and
    // GitHub's annotation sits on its line, the fourth.
    let out = run(&["scan", "-o", "junit", path.to_str().unwrap()]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains(
            "daphne.log:1-4  django.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet."
        ) && !xml.contains("Traceback (most recent"),
        "{xml}"
    );
    let out = run(&["scan", "-o", "github", path.to_str().unwrap()]);
    let annotations = String::from_utf8_lossy(&out.stdout);
    assert!(
        annotations.contains("daphne.log,line=4,title=server.start-failed"),
        "{annotations}"
    );
}
