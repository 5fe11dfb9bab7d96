//! Invariants that must hold for any input, checked on generated inputs built from the
//! real-shaped lines of the fixtures (sampled, reordered, mixed with blank lines, junk
//! and lines of other formats).
//!
//! - every line is accounted for: `lines = parsed + continuation + blank + unparsed`, and
//!   `lines` is the number of `\n`-separated lines of the input;
//! - the output does not depend on the thread count;
//! - a record's time never comes out earlier than the same line parsed alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;

use logweave::assemble::assemble_str;
use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::pattern::{Pack, PackSet};
use logweave::pipeline;
use logweave::record::TsNote;
use logweave::report::json::{write_json, ReportOptions};
use logweave::time::TimeCtx;

/// Lines of every fixture log, one list per file, in file order.
fn fixture_files() -> &'static Vec<Vec<String>> {
    static FILES: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut paths: Vec<PathBuf> = Vec::new();
        for d in std::fs::read_dir(&root).unwrap().flatten() {
            let p = d.path();
            if p.is_dir() {
                for f in std::fs::read_dir(&p).unwrap().flatten() {
                    let f = f.path();
                    if f.extension().is_some_and(|x| x != "toml") {
                        paths.push(f);
                    }
                }
            }
        }
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.lines().map(|l| l.replace('\r', "")).collect::<Vec<_>>())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Lines no fixture has: blank, junk, control bytes, lone traceback parts, half lines.
const ODD: &[&str] = &[
    "",
    "   ",
    "\t",
    "\u{1b}[31mred\u{1b}[0m text",
    "\u{0}\u{1}\u{2}",
    "Traceback (most recent call last):",
    "  File \"/app/consumers.py\", line 42, in connect",
    "ValueError: boom",
    "{\"MESSAGE\":",
    "{\"log\":\"partial",
    "2026-11-23 19:37:49,101",
    "Nov 31 25:61:61 host prog: impossible time",
    "\u{fffd}\u{fffd} mojibake âœ…",
];

/// One generated input: lines sampled in order from a fixture file, with lines from other
/// fixtures and odd lines mixed in; `crlf` picks the line end per line.
#[derive(Clone, Debug)]
struct GenInput {
    lines: Vec<String>,
    crlf: Vec<bool>,
    final_newline: bool,
}

impl GenInput {
    fn text(&self) -> String {
        let mut s = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            s.push_str(l);
            if i + 1 < self.lines.len() || self.final_newline {
                s.push_str(if self.crlf[i] { "\r\n" } else { "\n" });
            }
        }
        s
    }
}

fn gen_input() -> impl Strategy<Value = GenInput> {
    let files = fixture_files().len();
    (
        0..files,
        proptest::collection::vec((any::<u16>(), 0u8..10, any::<u16>(), any::<bool>()), 0..48),
        any::<bool>(),
    )
        .prop_map(|(base, picks, final_newline)| {
            let all = fixture_files();
            let own = &all[base];
            let mut pos = 0usize;
            let mut lines = Vec::new();
            let mut crlf = Vec::new();
            for (step, kind, pick, cr) in picks {
                let line = match kind {
                    // Mostly the file's own next lines, some skipped.
                    0..=6 => {
                        pos += 1 + usize::from(step % 3 == 0);
                        own[pos % own.len()].clone()
                    }
                    7 => {
                        let other = &all[step as usize % all.len()];
                        other[pick as usize % other.len()].clone()
                    }
                    _ => ODD[pick as usize % ODD.len()].to_string(),
                };
                lines.push(line);
                crlf.push(cr);
            }
            GenInput {
                lines,
                crlf,
                final_newline,
            }
        })
}

fn ctx() -> TimeCtx {
    TimeCtx::fixed(2026, 12, 1, 0)
}

/// Lines as a person counts them: `\n`-separated, a last line without `\n` included.
fn newline_lines(bytes: &[u8]) -> u64 {
    let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// Reads `bytes` as a file through the library's ingest and checks its accounting.
fn check_accounting(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gen.log");
    std::fs::write(&p, bytes).unwrap();
    let ing = ingest::ingest(
        &[InputSpec::from_arg(p.to_str().unwrap())],
        &Options {
            max_line: 200,
            ..Options::default()
        },
    );
    let s = &ing.inputs[0].stats;
    prop_assert_eq!(
        s.lines,
        s.parsed + s.continuation + s.blank + s.unparsed,
        "{:?}",
        s
    );
    prop_assert_eq!(s.lines, newline_lines(bytes), "{:?}", s);
    prop_assert_eq!(s.bytes, bytes.len() as u64);
    prop_assert_eq!(s.records, ing.records.len() as u64);
    Ok(())
}

/// The built-in packs, compiled once (compiling them is most of a small scan's time).
fn packs() -> PackSet {
    static PACKS: OnceLock<Vec<Pack>> = OnceLock::new();
    PackSet::new(
        PACKS
            .get_or_init(|| PackSet::load(&[]).unwrap().packs)
            .clone(),
    )
}

/// ingest + analyse + the JSON report, in a pool of `threads` workers.
fn json_report(specs: &[InputSpec], threads: usize) -> Vec<u8> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let ing = ingest::ingest(specs, &Options::default());
        let s = pipeline::analyse(ing, packs());
        let mut out = Vec::new();
        write_json(&mut out, &s, &ReportOptions { redact: true }).unwrap();
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_line_of_a_generated_log_is_accounted_for(g in gen_input()) {
        check_accounting(g.text().as_bytes())?;
    }

    #[test]
    fn every_line_of_arbitrary_bytes_is_accounted_for(
        bytes in proptest::collection::vec(any::<u8>(), 0..600)
    ) {
        // A lone CR ends a line too; here only `\n` does, so the count is `\n`-separated.
        let bytes: Vec<u8> = bytes.into_iter().map(|b| if b == b'\r' { b'\n' } else { b }).collect();
        check_accounting(&bytes)?;
    }

    #[test]
    fn json_report_is_the_same_with_one_or_two_threads(
        inputs in proptest::collection::vec(gen_input(), 1..4)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let specs: Vec<InputSpec> = inputs
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let p = dir.path().join(format!("in{i}.log"));
                std::fs::write(&p, g.text()).unwrap();
                InputSpec::from_arg(p.to_str().unwrap())
            })
            .collect();
        let one = json_report(&specs, 1);
        let two = json_report(&specs, 2);
        prop_assert!(one == two, "reports differ:\n{}\n---\n{}",
            String::from_utf8_lossy(&one), String::from_utf8_lossy(&two));
    }

    #[test]
    fn a_record_is_never_earlier_than_its_line_parsed_alone(g in gen_input()) {
        let text = g.text();
        let whole = assemble_str(0, &text, ctx());
        let lines: Vec<&str> = text.lines().collect();
        for r in &whole.records {
            let Some(t) = r.ts else { continue };
            // A line under supervisord's `DEBG 'x' stderr output:` header takes the
            // header's time on purpose: supervisord stamps output as it captures it, while
            // the application's own clock may be hours off (the real-world excerpt
            // channels-302-supervisord-daphne1-tz-skew.log). Such a time is not the line's.
            if t.note.contains(TsNote::INHERITED) {
                continue;
            }
            let alone = assemble_str(0, lines[r.line as usize - 1], ctx());
            let Some(t_alone) = alone.records.first().and_then(|a| a.ts) else { continue };
            prop_assert!(
                t.utc >= t_alone.utc,
                "line {} {:?}: {} in the file, {} alone",
                r.line, lines[r.line as usize - 1], t.utc, t_alone.utc
            );
        }
    }
}
