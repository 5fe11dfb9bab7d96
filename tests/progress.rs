//! The progress display of long scans: what it counts, and that it stays out of pipes.

use std::io::Write;
use std::sync::Arc;

use assert_cmd::Command;
use logweave::ingest::{self, Options, Progress};
use logweave::input::InputSpec;

fn log_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "2026-11-23T10:00:{:02}+0000 web-1 daphne[7]: 127.0.0.1:{} - - [23/Nov/2026:10:00:00] \"WSCONNECT /ws/chat/{i}/\" - -\n",
                i % 60,
                40000 + i
            )
        })
        .collect()
}

#[test]
fn progress_counts_every_byte_of_every_input_as_stored() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("a.log");
    std::fs::write(&plain, log_lines(20_000)).unwrap();
    let gz = dir.path().join("b.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(log_lines(20_000).as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let specs: Vec<InputSpec> = [&plain, &gz]
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect();
    let total = ingest::total_size(&specs).unwrap();
    assert_eq!(
        total,
        std::fs::metadata(&plain).unwrap().len() + std::fs::metadata(&gz).unwrap().len()
    );
    let p = Arc::new(Progress::default());
    let opts = Options {
        progress: Some(p.clone()),
        ..Options::default()
    };
    let ing = ingest::ingest(&specs, &opts);
    assert_eq!(ing.inputs[0].stats.lines, 20_000);
    assert_eq!(
        p.read(),
        total,
        "compressed bytes for the .gz, all bytes for the log"
    );
    assert_eq!(ingest::total_size(&[InputSpec::stdin()]), None);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.log");
    // Long enough to outlast the bar's delay on a terminal (lines nothing matches are
    // quick to read, even in a debug build).
    let noise: String = (0..100_000)
        .map(|i| {
            format!(
                "2026-11-23T10:00:{:02}+0000 web-1 app[7]: INFO django.server \"GET /health HTTP/1.1\" 200 2\n",
                i % 60
            )
        })
        .collect();
    std::fs::write(&f, noise).unwrap();
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(["scan", "-o", "json", "--report-file", "/dev/null"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("reading") && !err.contains('\r'), "{err}");
}

#[test]
fn an_input_that_cannot_be_read_still_counts_in_full_so_the_bar_reaches_its_total() {
    // The bar says "analysing" once every input's size is counted; an `.xz` (refused
    // when opened: logweave does not decompress it) was never counted, and the bar
    // stayed on "0s left".
    let dir = tempfile::tempdir().unwrap();
    let xz = dir.path().join("old.log.xz");
    let mut bytes = vec![0xfd, b'7', b'z', b'X', b'Z', 0];
    bytes.resize(50_000, 0x42);
    std::fs::write(&xz, bytes).unwrap();
    let plain = dir.path().join("a.log");
    std::fs::write(&plain, log_lines(100)).unwrap();
    let specs: Vec<InputSpec> = [&xz, &plain]
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect();
    let total = ingest::total_size(&specs).unwrap();
    let p = Arc::new(Progress::default());
    let opts = Options {
        progress: Some(p.clone()),
        ..Options::default()
    };
    let ing = ingest::ingest(&specs, &opts);
    assert!(ing.inputs[0].error.is_some(), "the .xz is refused");
    assert_eq!(p.read(), total);
}
