//! Real lines captured by the end-to-end stack (`tests/e2e/observed/`) that are kept out of
//! `fixtures/` because their dates would mix with the fixtures' in `properties.rs`'s
//! sampled inputs; each test names the behaviour the lines prove.

use std::path::PathBuf;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline::{self, Scan};
use logweave::sequence::Verdict;

fn scan(names: &[&str]) -> Scan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/observed");
    let specs: Vec<InputSpec> = names
        .iter()
        .map(|n| InputSpec::from_arg(dir.join(n).to_str().unwrap()))
        .collect();
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

#[test]
fn many_healthy_sessions_from_one_address_are_no_storm_and_no_immediate_close() {
    // Twelve sessions of six users within 25 s, all from 127.0.0.1 (nginx in front of
    // Daphne on loopback; a NAT or a load balancer looks the same), some under a second
    // but carrying messages (`101 78 ... 0.629`).
    let s = scan(&["nginx-many-clients-one-address.nginx-access.log"]);
    assert_eq!(s.correlated.connections.len(), 12);
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert!(rules.is_empty(), "{rules:?}");
    assert!(s.analysis.verdicts.iter().all(|v| *v == Verdict::Healthy));
}
