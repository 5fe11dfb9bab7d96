//! Helpers shared by the integration tests that check fixture scenarios.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Runs `logweave check --expect DIR/expect.toml LOGS...`; `None` when it agrees, else
/// the scenario's name, the exit status and what logweave said differs.
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
