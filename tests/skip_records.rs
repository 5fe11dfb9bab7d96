//! `watch` (and the fast scan) build records in full only where a pattern may match
//! (`Assembler::skip_unless`). Skipping must change nothing a later stage sees: every kept
//! record equals the one built without skipping, and every skipped one is a record no
//! pattern matches, with the same lines, time, format, pid, stream and level.

use std::path::{Path, PathBuf};

use logweave::assemble::{detect, Assembled, Assembler, Filter};
use logweave::input::LineMeta;
use logweave::pattern::PackSet;
use logweave::record::Record;
use logweave::time::TimeCtx;

fn assemble(text: &str, filter: Option<Filter>) -> Assembled {
    let ctx = TimeCtx::fixed(2026, 11, 23, 12);
    let lines: Vec<&str> = text.lines().collect();
    let mut a = Assembler::new(0, detect(&lines[..lines.len().min(64)], &ctx), ctx);
    if let Some(f) = filter {
        a.skip_unless(f);
    }
    let meta = LineMeta {
        truncated: false,
        unterminated: false,
    };
    for (i, l) in lines.iter().enumerate() {
        a.push(i as u64 + 1, l.as_bytes(), meta);
    }
    a.finish()
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
        let same = |r: &Record| (r.line, r.end_line, r.ts, r.format, r.pid, r.stream, r.level);
        assert_eq!(
            same(f),
            same(l),
            "{name}: skipped record at line {}",
            f.line
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
