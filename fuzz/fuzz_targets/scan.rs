//! The whole scan on arbitrary bytes, as a file (plain, or gzip / zstd by its first bytes),
//! through every report writer.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::pattern::{Pack, PackSet};
use logweave::pipeline;
use logweave::report::github::GithubOptions;
use logweave::report::json::ReportOptions;
use logweave::report::junit::JunitOptions;
use logweave::report::records::{self, RecordOptions};
use logweave::report::text::TextOptions;
use logweave::report::{github, html, json, junit, text};

fn dir() -> &'static tempfile::TempDir {
    static D: OnceLock<tempfile::TempDir> = OnceLock::new();
    D.get_or_init(|| tempfile::tempdir().unwrap())
}

/// The built-in packs, compiled once: compiling them on every input made each run
/// seconds long (the first "slow unit" found was this, not the input).
fn packs() -> PackSet {
    static P: OnceLock<Vec<Pack>> = OnceLock::new();
    PackSet::new(P.get_or_init(|| PackSet::load(&[]).unwrap().packs).clone())
}

fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("input.log");
    std::fs::File::create(&path).unwrap().write_all(data).unwrap();
    let spec = InputSpec::from_arg(path.to_str().unwrap());
    let opts = Options {
        // Small, so the cut-line path is reached often.
        max_line: 512,
        ..Options::default()
    };
    let ingested = ingest::ingest(&[spec], &opts);
    let mut sink = Vec::new();
    let ropts = RecordOptions {
        redact: true,
        tz_label: "UTC".into(),
    };
    records::write_jsonl(&mut sink, &ingested.records, &ingested.inputs, &ropts).unwrap();
    records::write_stats(&mut sink, &ingested.inputs).unwrap();
    let s = pipeline::analyse(ingested, packs());
    let common = ReportOptions { redact: true };
    json::write_json(&mut sink, &s, &common).unwrap();
    json::write_jsonl(&mut sink, &s, &common).unwrap();
    html::write_html(&mut sink, &s, &common).unwrap();
    junit::write_junit(
        &mut sink,
        &s,
        &JunitOptions {
            common: common.clone(),
            fail_on: None,
            expect: None,
        },
    )
    .unwrap();
    github::write_github(
        &mut sink,
        &s,
        &GithubOptions {
            common: common.clone(),
            expect: None,
            workspace: None,
        },
    )
    .unwrap();
    text::write_text(
        &mut sink,
        &s,
        &TextOptions {
            common,
            color: true,
            all: true,
        },
    )
    .unwrap();
});
