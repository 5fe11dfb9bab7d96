//! Helpers shared by the integration tests: fixture scenarios, and the rules a scan
//! found on a connection.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Every scenario directory under `fixtures/` (those with an `expect.toml`), sorted.
// Not every test that includes this module reads scenario directories.
#[allow(dead_code)]
pub fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.join("expect.toml").exists())
        .collect();
    v.sort();
    v
}

/// The log files of a scenario directory (all its files but `expect.toml`), sorted.
// Not every test that includes this module reads scenario directories.
#[allow(dead_code)]
pub fn logs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "expect.toml" && p.is_file())
        .collect();
    v.sort();
    v
}

/// Runs `logweave check --expect DIR/expect.toml LOGS...`; `None` when it agrees, else
/// the scenario's name, the exit status and what logweave said differs.
// Not every test that includes this module checks scenarios through the binary.
#[allow(dead_code)]
pub fn check_scenario(dir: &Path, logs: &[PathBuf]) -> Option<String> {
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["check", "--year", "2026", "--expect"])
        .arg(dir.join("expect.toml"))
        .args(logs)
        .output()
        .unwrap();
    (out.status.code() != Some(0)).then(|| {
        format!(
            "{}: exit {:?}\n{}",
            dir.file_name().unwrap().to_string_lossy(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The rules of the findings that name connection `ci`, sorted, once each.
// Not every test that includes this module looks at findings.
#[allow(dead_code)]
pub fn rules_of(s: &logweave::pipeline::Scan, ci: usize) -> Vec<&'static str> {
    let mut rules: Vec<&'static str> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.connections.contains(&ci))
        .map(|f| f.rule)
        .collect();
    rules.sort();
    rules.dedup();
    rules
}
