//! `scan_redacted` (what `scan -o json|jsonl|html` runs) redacts every record's message
//! beside the correlation instead of in the report: the reports must come out byte for
//! byte as when the report redacts, and no secret may stay in a held message.

mod common;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;
use logweave::report::json::{write_json, ReportOptions};

fn specs(dir: &std::path::Path) -> Vec<InputSpec> {
    common::logs(dir)
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect()
}

fn opts() -> Options {
    Options {
        year: Some(2026),
        ..Options::default()
    }
}

#[test]
fn redacting_beside_the_correlation_gives_the_same_json_report_for_every_scenario() {
    let report = ReportOptions { redact: true };
    for dir in common::scenarios() {
        let specs = specs(&dir);
        let plain = pipeline::scan(&specs, &opts(), PackSet::load(&[]).unwrap());
        let early = pipeline::scan_redacted(&specs, &opts(), PackSet::load(&[]).unwrap());
        assert!(early.redacted && !plain.redacted);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_json(&mut a, &plain, &report).unwrap();
        write_json(&mut b, &early, &report).unwrap();
        assert!(a == b, "{}: the reports differ", dir.display());
    }
}

#[test]
fn every_held_message_is_the_redacted_text_and_keeps_no_token() {
    let mut redacted = 0;
    for dir in common::scenarios() {
        let specs = specs(&dir);
        let plain = pipeline::scan(&specs, &opts(), PackSet::load(&[]).unwrap());
        let early = pipeline::scan_redacted(&specs, &opts(), PackSet::load(&[]).unwrap());
        assert_eq!(plain.ingested.records.len(), early.ingested.records.len());
        for (p, e) in plain.ingested.records.iter().zip(&early.ingested.records) {
            assert_eq!(logweave::redact::redact(&p.message), e.message.as_str());
            // A JWT's payload and signature never stay: only the marker's `eyJ…` does.
            assert!(
                !e.message.contains("token=eyJ") && !e.message.contains("Token found: eyJ"),
                "{}: {}",
                dir.display(),
                e.message
            );
            redacted += usize::from(p.message != e.message);
        }
    }
    assert!(redacted > 0, "no scenario held a secret to redact");
}
