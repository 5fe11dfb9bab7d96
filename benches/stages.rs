//! Time per pipeline stage of `scan`, on one generated corpus of a Channels stack.
//!
//! ```text
//! ingest (read, assemble, skip, match while reading) ─► events ─► correlate ─► evaluate ─► JSON
//! ```
//!
//! The corpus is `benches/gen_corpus.py`'s four files at 16 MB (written once into
//! `target/bench-corpus-16`; `LOGWEAVE_BENCH_CORPUS=DIR` to use another). Each stage runs
//! on the previous stage's output, computed once; throughput is in input bytes, so the
//! stages compare. `ingest/full` builds every record, as `logweave parse` does.
//!
//! Run: `cargo bench --bench stages`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::pattern::{self, PackSet};
use logweave::report::json::{write_json, ReportOptions};
use logweave::{correlate, pipeline, sequence};

const FILES: [&str; 4] = [
    "app.journal.log",
    "app.docker.log",
    "nginx-access.log",
    "nginx-error.log",
];

/// The corpus directory, generated when missing.
fn corpus() -> PathBuf {
    if let Some(dir) = std::env::var_os("LOGWEAVE_BENCH_CORPUS") {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-corpus-16");
    if !dir.join("truth.json").exists() {
        let ok = std::process::Command::new("python3")
            .arg(root.join("benches/gen_corpus.py"))
            .arg(&dir)
            .args(["16", "42"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs benches/gen_corpus.py");
        assert!(ok.success(), "gen_corpus.py failed");
    }
    dir
}

fn stages(c: &mut Criterion) {
    let dir = corpus();
    let specs: Vec<InputSpec> = FILES
        .iter()
        .map(|f| InputSpec::from_arg(dir.join(f).to_str().expect("UTF-8 path")))
        .collect();
    let bytes: u64 = FILES
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()))
        .sum();
    let packs = PackSet::load(&[]).expect("built-in packs load");
    let sifting = Options {
        keep: packs.line_filter(),
        ..Options::default()
    };
    let marker = |r: &logweave::record::Record| packs.matches(r);

    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("ingest/full", |b| {
        b.iter(|| black_box(ingest::ingest(&specs, &Options::default())))
    });
    g.bench_function("ingest/skip+match", |b| {
        b.iter(|| black_box(ingest::ingest_matching(&specs, &sifting, &marker)))
    });

    // Each later stage on the records `scan` keeps.
    let ingested = ingest::ingest(&specs, &sifting);
    let records = &ingested.records;
    g.bench_function("events", |b| {
        b.iter(|| black_box(pattern::events(records, &packs)))
    });
    let events = pattern::events(records, &packs);
    g.bench_function("correlate", |b| {
        b.iter(|| black_box(correlate::correlate(&packs, records, &events)))
    });
    let correlated = correlate::correlate(&packs, records, &events);
    let now = records.iter().filter_map(|r| r.ts.map(|t| t.utc)).max();
    g.bench_function("evaluate", |b| {
        b.iter(|| black_box(sequence::evaluate(&packs, &events, &correlated, now)))
    });
    let scan = pipeline::analyse(
        ingest::ingest_matching(&specs, &sifting, &marker),
        PackSet::load(&[]).expect("built-in packs load"),
    );
    g.bench_function("report/json", |b| {
        b.iter(|| {
            let mut out = std::io::sink();
            write_json(&mut out, &scan, &ReportOptions { redact: true }).expect("sink");
        })
    });
    // What `scan -o json` does instead: every held message redacted beside the
    // correlation (on another core), then a report that writes them as they are.
    g.bench_function("redact/held", |b| {
        b.iter(|| {
            for r in &scan.ingested.records {
                black_box(logweave::redact::redact(&r.message));
            }
        })
    });
    let early = pipeline::scan_redacted(
        &specs,
        &Options::default(),
        PackSet::load(&[]).expect("built-in packs load"),
    );
    g.bench_function("report/json-redacted-already", |b| {
        b.iter(|| {
            let mut out = std::io::sink();
            write_json(&mut out, &early, &ReportOptions { redact: true }).expect("sink");
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
