//! An application that logs JSON (python-json-logger, structlog) must tell the same story
//! as one that logs text: every fixture scenario with a Python `logging` log is checked
//! again with that log rewritten as one JSON object per record, as a file and inside
//! docker's json-file records.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

mod common;

fn logweave() -> Command {
    Command::cargo_bin("logweave").unwrap()
}

/// The records of `path` as `logweave parse` reads them, when all of them are Python
/// `logging` lines (what a JSON formatter would have written instead).
fn logging_records(path: &Path) -> Option<Vec<Value>> {
    let out = logweave()
        .args(["parse", "--year", "2026", "--no-redact"])
        .arg(path)
        .output()
        .unwrap();
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let all = !recs.is_empty() && recs.iter().all(|r| r["format"] == "python-logging");
    all.then_some(recs)
}

/// One record as python-json-logger writes it (structlog's names on odd records): the
/// message's first line, and the traceback under it as the exception.
fn as_json(r: &Value, i: usize) -> Value {
    let app = &r["app"];
    let text = app["message"].as_str().unwrap();
    let (message, exc) = match text.split_once('\n') {
        Some((m, rest)) => (m, Some(rest)),
        None => (text, None),
    };
    let level = r["level"].as_str().unwrap_or("info");
    let mut o = if i.is_multiple_of(2) {
        json!({"asctime": r["ts"], "levelname": level.to_uppercase(), "message": message})
    } else {
        json!({"timestamp": r["ts"], "level": level, "event": message})
    };
    if let Some(logger) = app["logger"].as_str() {
        o["name"] = json!(logger);
    }
    if let Some(exc) = exc {
        o["exc_info"] = json!(exc);
    }
    o
}

#[test]
fn every_scenario_with_a_python_logging_log_tells_the_same_story_from_json_records() {
    let mut failures = Vec::new();
    let mut rewritten = 0;
    for dir in &common::scenarios() {
        let files = common::logs(dir);
        let twins: Vec<Option<Vec<Value>>> = files.iter().map(|f| logging_records(f)).collect();
        if twins.iter().all(Option::is_none) {
            continue;
        }
        rewritten += 1;
        // Once as files of JSON lines, once inside docker's json-file records.
        for docker in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let mut logs = Vec::new();
            for (f, twin) in files.iter().zip(&twins) {
                let to = tmp.path().join(f.file_name().unwrap());
                match twin {
                    Some(recs) => {
                        let text: String = recs
                            .iter()
                            .enumerate()
                            .map(|(i, r)| {
                                let line = as_json(r, i).to_string();
                                let line = if docker {
                                    json!({"log": format!("{line}\n"), "stream": "stderr", "time": r["ts"]})
                                        .to_string()
                                } else {
                                    line
                                };
                                line + "\n"
                            })
                            .collect();
                        std::fs::write(&to, text).unwrap();
                    }
                    None => {
                        std::fs::copy(f, &to).unwrap();
                    }
                }
                logs.push(to);
            }
            if let Some(f) = common::check_scenario(dir, &logs) {
                failures.push(format!("(docker: {docker}) {f}"));
            }
        }
    }
    assert!(
        rewritten >= 10,
        "only {rewritten} scenarios with a logging log"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
