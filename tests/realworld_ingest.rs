//! Every real-world excerpt in `../shared/corpus/realworld/` parses without a panic and
//! with at least 95 % of its non-blank lines attributed to a known format; plus the
//! facts about each file that SOURCES.md states and that ingest alone can check.

use std::path::PathBuf;

use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::record::Record;

fn corpus() -> PathBuf {
    match std::env::var_os("LOGWEAVE_SHARED") {
        Some(p) => PathBuf::from(p).join("corpus/realworld"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld"),
    }
}

fn read(name: &str) -> (ingest::InputReport, Vec<Record>) {
    let spec = InputSpec::from_arg(corpus().join(name).to_str().unwrap());
    let opts = Options {
        year: Some(2020),
        ..Options::default()
    };
    let (report, records) = ingest::read_input(0, &spec, &opts);
    assert!(report.error.is_none(), "{name}: {:?}", report.error);
    (report, records)
}

/// Non-blank lines attributed to a known format, as a fraction of non-blank lines.
fn attributed(report: &ingest::InputReport) -> f64 {
    let s = &report.stats;
    let nonblank = s.lines - s.blank;
    if nonblank == 0 {
        return 1.0;
    }
    (nonblank - s.unparsed) as f64 / nonblank as f64
}

#[test]
fn every_realworld_file_is_at_least_95_percent_attributed() {
    let mut failures = Vec::new();
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(corpus())
        .expect("../shared/corpus/realworld is beside the repository")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "SOURCES.md")
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let (report, _) = read(&name);
        let s = &report.stats;
        assert_eq!(
            s.lines,
            s.parsed + s.continuation + s.blank + s.unparsed,
            "{name}: accounting"
        );
        let a = attributed(&report);
        eprintln!(
            "{name}: {} ({:.1}% attributed, {:?})",
            report.format,
            a * 100.0,
            s
        );
        if a < 0.95 {
            failures.push(format!("{name}: {:.1}% ({:?})", a * 100.0, s));
        }
        n += 1;
    }
    assert!(n >= 30, "only {n} files found");
    assert!(failures.is_empty(), "below 95%:\n{}", failures.join("\n"));
}

fn formats(records: &[Record]) -> Vec<&'static str> {
    records.iter().map(|r| r.format).collect()
}

#[test]
fn awx_journal_is_short_with_two_interleaved_units_and_utc_bodies() {
    let (report, recs) = read("awx-build-35-journalctl-short-daphne-runworker-interleaved.log");
    assert_eq!(report.format, "journald-short");
    let programs: Vec<_> = recs.iter().map(|r| r.program.as_deref().unwrap()).collect();
    assert!(programs.contains(&"daphne") && programs.contains(&"awx-manage"));
    // Journal local 14:17 vs body 12:17: both times are kept.
    let r = &recs[0];
    assert_eq!(r.ts.unwrap().utc.format("%H:%M").to_string(), "14:17");
    assert_eq!(
        r.app
            .as_ref()
            .unwrap()
            .ts
            .unwrap()
            .utc
            .format("%H:%M")
            .to_string(),
        "12:17"
    );
}

#[test]
fn supervisord_skew_file_keeps_both_clocks() {
    let (report, recs) = read("channels-302-supervisord-daphne1-tz-skew.log");
    assert_eq!(report.format, "supervisord");
    let cap = recs
        .iter()
        .find(|r| r.message.contains("Starting server"))
        .unwrap();
    assert_eq!(cap.program.as_deref(), Some("daphne"));
    assert_eq!(cap.ts.unwrap().utc.format("%H").to_string(), "19");
    assert_eq!(
        cap.app
            .as_ref()
            .unwrap()
            .ts
            .unwrap()
            .utc
            .format("%H")
            .to_string(),
        "23"
    );
}

#[test]
fn fluent_bit_split_docker_lines_join_into_six_lines() {
    let (report, recs) = read("fluent-bit-test-dockermode_splitted_multiple_lines.log");
    assert_eq!(report.format, "docker-json");
    assert_eq!(recs.len(), 6, "{:#?}", formats(&recs));
    assert!(recs.iter().any(|r| r.message == "third bullet point"));
}

#[test]
fn containerd_partial_last_line_is_treated_as_complete() {
    let (_, recs) = read("containerd-4813-cri-partial-last-line.log");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].message, "Hello from init container!");
}

#[test]
fn academe_blank_spliced_file_joins_traceback_and_reads_daphne_lines() {
    let (_, recs) = read("academe-notes-daphne-windows-no-route-undefined-blank-lines-spliced.log");
    let access: Vec<_> = recs
        .iter()
        .filter(|r| r.format == "daphne-access")
        .collect();
    assert!(access.len() >= 4, "{:#?}", formats(&recs));
    assert!(access.iter().any(
        |r| r.field("event") == Some("WSDISCONNECT") && r.field("client_port") == Some("13065")
    ));
}

#[test]
fn daphne_263_timestamp_prefixed_traceback_is_one_record() {
    let (_, recs) = read("daphne-263-fd0-listen-failure-ts-prefixed-traceback.log");
    let crit = recs
        .iter()
        .find(|r| r.message.contains("Listen failure"))
        .unwrap();
    assert!(crit.end_line >= 13, "traceback lines joined: {crit:#?}");
}

#[test]
fn compose_file_with_tqdm_noise_keeps_service_names() {
    let (report, recs) = read("whisperlivekit-123-compose-uvicorn-403-with-tqdm-noise.log");
    assert_eq!(report.format, "docker-compose");
    let ws = recs
        .iter()
        .find(|r| r.message.contains("WebSocket /asr"))
        .unwrap();
    assert_eq!(ws.program.as_deref(), Some("whisperlivekit"));
    assert_eq!(ws.field("status"), Some("403"));
}

#[test]
fn lnav_journald_json_without_trailing_newline_has_two_records() {
    let (report, recs) = read("lnav-test-logfile_journald.json");
    assert_eq!(report.format, "journald-json");
    assert_eq!(recs.len(), 2);
}

#[test]
fn moby_journal_header_is_a_marker_not_a_record() {
    let (_, recs) = read("moby-14948-journal-header-container-output-utc-vs-edt.log");
    assert_eq!(recs.len(), 6);
    assert!(recs.iter().all(|r| r.program.as_deref() == Some("dockerd")));
}

#[test]
fn cri_o_offsets_are_read() {
    let (report, recs) = read("cri-o-3181-openshift-cri-log-offset-plus0000.log");
    assert_eq!(report.format, "cri");
    assert_eq!(recs[0].stream, Some("stderr"));
    assert_eq!(recs[0].ts.unwrap().digits, 9);
}
