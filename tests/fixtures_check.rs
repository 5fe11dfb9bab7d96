//! Every scenario in `fixtures/<scenario>/` (except `ingest/`) holds real-shaped logs and
//! an `expect.toml`; `logweave check --expect` over its logs must agree with it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

use common::{logs, scenarios};

#[test]
fn every_fixture_scenario_meets_its_expectation() {
    let mut failures = Vec::new();
    let all = scenarios();
    for dir in &all {
        failures.extend(common::check_scenario(dir, &logs(dir)));
    }
    eprintln!("{} scenarios checked", all.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `logweave check --expect` with an expectation file holding `expect`, over a log with
/// no WebSocket line: (exit code, stderr, the expectation file's path).
fn check_expect_on_an_empty_log(expect: &str) -> (Option<i32>, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("expect.toml");
    std::fs::write(&exp, expect).unwrap();
    let log = dir.path().join("empty.log");
    std::fs::write(&log, "nothing here\n").unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["check", "--expect"])
        .arg(&exp)
        .arg(&log)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), err, exp)
}

#[test]
fn a_met_expectation_says_so() {
    // A CI log showed what failed but never what passed.
    let (code, err, exp) = check_expect_on_an_empty_log("[rules]\n");
    assert_eq!(code, Some(0));
    assert!(
        err.contains(&format!("logweave: the result matches {}", exp.display())),
        "{err}"
    );
}

#[test]
fn a_wrong_expectation_fails_with_a_readable_difference() {
    let (code, err, _) = check_expect_on_an_empty_log("[rules]\n\"auth.token-expired\" = 3\n");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("rule auth.token-expired: expected 3, found 0"),
        "{err}"
    );
}

#[test]
fn logs_without_websocket_lines_say_so_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "2026-11-23 10:00:00,000 INFO django.request GET /api/ 200\n",
    )
    .unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .arg("scan")
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No WebSocket connections found."));
}

#[test]
fn bad_pattern_pack_is_an_error_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[pack]\nname = \"bad\"\nabout = \"x\"\n\n[[pattern]]\nid = \"p\"\nstage = \"server\"\nregex = '(unclosed'\nexamples = [{ line = \"x\" }]\n",
    )
    .unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "x\n").unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["check", "--patterns"])
        .arg(dir.path())
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:8:9: regex of 'p' does not compile"),
        "{err}"
    );
}

#[test]
fn unknown_rule_id_in_a_pack_is_an_error_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[pack]\nname = \"bad\"\nabout = \"x\"\n\n[[pattern]]\nid = \"p\"\nstage = \"server\"\nregex = 'abc'\nexamples = [{ line = \"abc\" }]\n\n[[rule]]\nid = \"no.such-rule\"\nwhen = { seen = \"p\" }\ndiagnosis = \"d\"\nhint = \"h\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["patterns", "test"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad.toml:12:6: unknown rule id 'no.such-rule'"));
}

#[test]
fn built_in_packs_pass_their_own_examples() {
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["patterns", "test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/realworld");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    inputs.sort();
    inputs.extend(logs(&root.join("fixtures/ingest")));
    let run = |threads: &str| {
        Command::cargo_bin("logweave")
            .unwrap()
            .args(["scan", "-o", "json", "--year", "2026", "--threads", threads])
            .args(&inputs)
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(one.len() > 1000);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}

#[test]
fn a_user_pack_with_a_built_in_name_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("daphne.toml"),
        "[pack]\nname = \"daphne\"\nabout = \"my own daphne\"\n\n[[pattern]]\nid = \"mine\"\nstage = \"server\"\nregex = 'WSCONNECTING (?P<path>/\\S*)'\nexamples = [{ line = \"WSCONNECTING /ws/\", path = \"/ws/\" }]\n",
    )
    .unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["patterns", "list", "--patterns"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("my own daphne"), "{text}");
    assert_eq!(
        text.matches("\ndaphne  (").count() + text.starts_with("daphne  (") as usize,
        1,
        "{text}"
    );
    assert!(!text.contains("daphne.connecting"), "{text}");
}
