//! `watch` and `scan` build records in full only where a pattern may match
//! (`Assembler::skip_unless`), and `scan` drops the others while reading
//! (`ingest::Options::keep`), then also the records no pattern matched
//! (`ingest::ingest_matching`). Skipping must change nothing a later stage sees: every
//! kept record equals the one built without skipping, every skipped one is a record no
//! pattern matches, with the same lines, time, format, pid, stream and level, and the
//! report is the same byte for byte.

use std::path::{Path, PathBuf};

use logweave::assemble::{assemble_str_skipping, Assembled, Filter};
use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;
use logweave::record::Record;
use logweave::report::json::{write_json, ReportOptions};
use logweave::time::TimeCtx;

fn assemble(text: &str, filter: Option<Filter>) -> Assembled {
    assemble_str_skipping(0, text, TimeCtx::fixed(2026, 11, 23, 12), filter)
}

/// Returns how many records were skipped.
fn check(name: &str, text: &str, packs: &PackSet) -> usize {
    let full = assemble(text, None);
    let lazy = assemble(text, packs.line_filter());
    assert_eq!(full.stats, lazy.stats, "{name}: line accounting");
    assert_eq!(
        full.records.len(),
        lazy.records.len(),
        "{name}: record count"
    );
    let mut skipped = 0;
    for (f, l) in full.records.iter().zip(&lazy.records) {
        if !l.flags.skipped {
            assert_eq!(f, l, "{name}: a kept record differs");
            continue;
        }
        skipped += 1;
        let same = |r: &Record| (r.line, r.end_line, r.ts, r.format, r.stream);
        assert_eq!(
            same(f),
            same(l),
            "{name}: skipped record at line {}",
            f.line
        );
        // A skipped line whose envelope gave its time is not parsed for its application
        // layout: the pid and level it has are the envelope's, and right.
        assert!(
            l.pid.is_none_or(|p| Some(p) == f.pid) && l.level.is_none_or(|v| Some(v) == f.level),
            "{name}: skipped record at line {}: pid/level {:?}/{:?}, in full {:?}/{:?}",
            f.line,
            l.pid,
            l.level,
            f.pid,
            f.level
        );
        assert!(
            packs.matches(f).is_empty(),
            "{name}: line {} was skipped but a pattern matches it: {:?}",
            f.line,
            f.message
        );
    }
    skipped
}

fn plain_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            plain_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "log" || x == "txt" || x == "json" || x == "jsonl")
        {
            out.push(p);
        }
    }
}

#[test]
fn skipping_records_no_pattern_can_match_changes_no_kept_record() {
    let packs = PackSet::load(&[]).unwrap();
    assert!(
        packs.line_filter().is_some(),
        "built-in packs all have literals"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    plain_files(&root.join("fixtures"), &mut files);
    plain_files(&root.join("../shared/corpus/realworld"), &mut files);
    files.sort();
    assert!(files.len() > 50, "fixtures and real-world excerpts found");
    let mut skipped = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        skipped += check(&f.display().to_string(), &text, &packs);
    }
    assert!(skipped > 100, "some records were skipped: {skipped}");
}

#[test]
fn a_traceback_whose_matching_line_comes_late_is_rebuilt_in_full() {
    let packs = PackSet::load(&[]).unwrap();
    // The head says nothing a pattern knows; the exception at the end does.
    let text = "\
2026-11-23T10:00:00+0000 web-1 daphne[7]: 2026-11-23 10:00:00,001 ERROR    asyncio Task exception was never retrieved
2026-11-23T10:00:00+0000 web-1 daphne[7]: Traceback (most recent call last):
2026-11-23T10:00:00+0000 web-1 daphne[7]:   File \"/app/consumers.py\", line 10, in receive
2026-11-23T10:00:00+0000 web-1 daphne[7]: redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.
2026-11-23T10:00:01+0000 web-1 daphne[7]: 2026-11-23 10:00:01,001 INFO     app nothing to see
";
    let lazy = assemble(text, packs.line_filter());
    let full = assemble(text, None);
    assert_eq!(lazy.records.len(), 2);
    assert!(
        !lazy.records[0].flags.skipped,
        "rebuilt when the redis line joined"
    );
    assert_eq!(lazy.records[0], full.records[0]);
    assert!(lazy.records[0]
        .message
        .contains("Task exception was never retrieved"));
    assert!(lazy.records[0].app.is_some());
    assert!(lazy.records[1].flags.skipped);
    assert!(
        lazy.records[1].program.is_none(),
        "a skipped record keeps no copies"
    );
    check("inline", text, &packs);
}

/// The JSON report of `specs`, reading with `opts`.
fn json_report(specs: &[InputSpec], opts: &Options, packs: &PackSet) -> String {
    report_of(ingest::ingest(specs, opts), packs)
}

/// The JSON report of `specs` as `scan` makes it: matching while reading.
fn json_report_matching(specs: &[InputSpec], opts: &Options, packs: &PackSet) -> String {
    let ing = ingest::ingest_matching(specs, opts, &|r| packs.matches(r));
    report_of(ing, packs)
}

fn report_of(ing: ingest::Ingested, packs: &PackSet) -> String {
    let s = pipeline::analyse(ing, PackSet::new(packs.packs.clone()));
    let mut out = Vec::new();
    write_json(&mut out, &s, &ReportOptions { redact: true }).unwrap();
    String::from_utf8(out).unwrap()
}

fn input_sets() -> Vec<Vec<InputSpec>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    dirs.sort();
    let spec = |p: &Path| InputSpec::from_arg(p.to_str().unwrap());
    let mut sets: Vec<Vec<InputSpec>> = dirs
        .iter()
        .map(|d| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x != "toml"))
                .collect();
            files.sort();
            files.iter().map(|p| spec(p)).collect()
        })
        .collect();
    let mut rw = Vec::new();
    plain_files(&root.join("../shared/corpus/realworld"), &mut rw);
    rw.sort();
    sets.extend(rw.iter().map(|p| vec![spec(p)]));
    sets
}

#[test]
fn scan_reports_byte_for_byte_the_same_whether_or_not_it_skips() {
    let packs = PackSet::load(&[]).unwrap();
    assert!(
        packs.line_finder().is_some(),
        "built-in packs have fragments"
    );
    let sets = input_sets();
    assert!(sets.len() > 90);
    let mut diffs = Vec::new();
    let mut cut = 0;
    for specs in &sets {
        // A window cutting the inputs in the middle too: skipped records decide where
        // untimed kept ones fall and when the reading ends.
        let mut times: Vec<_> = ingest::ingest(specs, &Options::default())
            .records
            .iter()
            .filter_map(|r| r.ts.map(|t| t.utc))
            .collect();
        times.sort();
        let mut windows = vec![(None, None)];
        if times.len() >= 3 {
            windows.push((
                Some(times[times.len() / 3]),
                Some(times[2 * times.len() / 3]),
            ));
            cut += 1;
        }
        for (since, until) in windows {
            let all = Options {
                since,
                until,
                ..Options::default()
            };
            let sifted = Options {
                keep: packs.line_filter(),
                ..all.clone()
            };
            // As `scan` reads: each buffer searched once, lines it found nothing in
            // not searched alone.
            let found = Options {
                keep_finder: packs.line_finder(),
                ..sifted.clone()
            };
            let want = json_report(specs, &all, &packs);
            if want != json_report(specs, &sifted, &packs) {
                diffs.push(format!("{:?} {since:?}..{until:?}", specs[0].name));
            }
            if want != json_report_matching(specs, &sifted, &packs) {
                diffs.push(format!("{:?} {since:?}..{until:?} matching", specs[0].name));
            }
            if want != json_report_matching(specs, &found, &packs) {
                diffs.push(format!("{:?} {since:?}..{until:?} found", specs[0].name));
            }
        }
    }
    assert!(cut > 80, "windows tried: {cut}");
    assert!(diffs.is_empty(), "reports differ:\n{}", diffs.join("\n"));
}

#[test]
fn untimed_kept_lines_take_their_time_from_skipped_lines_around_them() {
    let packs = PackSet::load(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    // uvicorn's own lines carry no time; the timed health checks between them are lines
    // no pattern matches, skipped, yet they date the connection.
    std::fs::write(
        &p,
        "2026-11-23 10:00:00,000 INFO django.server \"GET /health HTTP/1.1\" 200 2\n\
         INFO:     ('127.0.0.1', 5000) - \"WebSocket /ws/chat/1/\" [accepted]\n\
         INFO:     connection open\n\
         2026-11-23 10:00:07,000 INFO django.server \"GET /health HTTP/1.1\" 200 2\n\
         INFO:     connection closed\n",
    )
    .unwrap();
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    for until in [None, Some("2026-11-23T10:00:05Z".parse().unwrap())] {
        let all = Options {
            until,
            ..Options::default()
        };
        let sifted = Options {
            keep: packs.line_filter(),
            ..all.clone()
        };
        let want = json_report(&specs, &all, &packs);
        assert_eq!(
            want,
            json_report(&specs, &sifted, &packs),
            "until {until:?}"
        );
        assert_eq!(
            want,
            json_report_matching(&specs, &sifted, &packs),
            "until {until:?}, matching while reading"
        );
        let end = if until.is_none() {
            "10:00:07Z"
        } else {
            "10:00:00Z"
        };
        assert!(
            want.contains(&format!("\"end\": \"2026-11-23T{end}\"")),
            "{want}"
        );
    }
}

#[test]
fn matching_while_reading_holds_only_matched_records_and_the_time_stubs_they_need() {
    let packs = PackSet::load(&[]).unwrap();
    let mut checked = 0;
    let mut coarse_apps = 0;
    for specs in input_sets() {
        let opts = Options {
            keep: packs.line_filter(),
            ..Options::default()
        };
        let full = ingest::ingest(&specs, &Options::default());
        let ing = ingest::ingest_matching(&specs, &opts, &|r| packs.matches(r));
        let matched = ing
            .matched
            .as_ref()
            .expect("matches kept beside the records");
        assert_eq!(matched.len(), ing.records.len());
        let wanted: std::collections::BTreeMap<(u32, u64), (&Record, Vec<_>)> = full
            .records
            .iter()
            .map(|r| ((r.input, r.line), (r, packs.matches(r))))
            .filter(|(_, (_, m))| !m.is_empty())
            .collect();
        let mut held = 0;
        for (r, m) in ing.records.iter().zip(matched) {
            let at = format!("{}: line {}", specs[0].name, r.line);
            if m.is_empty() {
                // A stub: only its time is used, so no text is held.
                assert!(r.flags.skipped && r.message.is_empty() && r.app.is_none());
                assert!(r.ts.is_some(), "{at}: a stub without a time");
                continue;
            }
            let (whole, found) = &wanted[&(r.input, r.line)];
            assert_eq!(m, found, "{at}: matched as when built in full");
            // What the analysis and the reports read is kept; the rest is dropped (the
            // application's pid, when it wrote one, becomes the record's).
            assert_eq!(
                (r.ts, &r.message, &r.host, r.writer_pid(), r.end_line),
                (
                    whole.ts,
                    &whole.message,
                    &whole.host,
                    whole.writer_pid(),
                    whole.end_line
                ),
                "{at}"
            );
            assert_eq!(r.coarse_time(), whole.coarse_time(), "{at}");
            // Whether its application time is whole seconds is a flag, not a kept box.
            assert!(r.app.is_none());
            coarse_apps += usize::from(r.flags.coarse_app);
            assert!(r.fields.is_empty() && r.program.is_none());
            held += 1;
        }
        let wanted = wanted.len();
        assert_eq!(
            held, wanted,
            "{}: every matched record is held",
            specs[0].name
        );
        checked += 1;
    }
    assert!(checked > 90);
    // Daphne's access lines in a journal: the flag is tested, not always unset.
    assert!(coarse_apps > 0);
}

#[test]
fn untimed_matched_lines_take_their_time_from_unmatched_lines_that_hold_a_pattern_text() {
    let packs = PackSet::load(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    // The 10:00:03 and 10:00:07 lines hold a pattern's text (` - "GET /ws`) yet no
    // pattern matches them: matching while reading drops them, but the later one still
    // dates the close after it.
    let unmatched = "2026-11-23 10:00:07,000 INFO app 10.0.0.9:5 - \"GET /wsx HTTP/1.1\" 200";
    std::fs::write(
        &p,
        format!(
            "2026-11-23 10:00:00,000 INFO django.server \"GET /health HTTP/1.1\" 200 2\n\
             INFO:     ('127.0.0.1', 5000) - \"WebSocket /ws/chat/1/\" [accepted]\n\
             INFO:     connection open\n\
             2026-11-23 10:00:03,000 INFO app 10.0.0.9:4 - \"GET /wsx HTTP/1.1\" 200\n\
             {unmatched}\n\
             INFO:     connection closed\n"
        ),
    )
    .unwrap();
    let filter = packs.line_filter().unwrap();
    assert!(filter(unmatched), "the line holds a pattern's text");
    let rec = assemble(&format!("{unmatched}\n"), None).records.remove(0);
    assert!(packs.matches(&rec).is_empty(), "and no pattern matches it");
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    let sifted = Options {
        keep: packs.line_filter(),
        ..Options::default()
    };
    let want = json_report(&specs, &Options::default(), &packs);
    assert!(want.contains("\"end\": \"2026-11-23T10:00:07Z\""), "{want}");
    assert_eq!(want, json_report_matching(&specs, &sifted, &packs));
}
