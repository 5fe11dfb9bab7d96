//! Detection and assembly of a whole in-memory input: partials, captures, tracebacks;
//! and the same input assembled skipping what no pattern can match, which must keep
//! every record it keeps exactly as built in full.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use logweave::assemble::{assemble_str, assemble_str_skipping};
use logweave::pattern::PackSet;
use logweave::time::TimeCtx;

fn packs() -> &'static PackSet {
    static P: OnceLock<PackSet> = OnceLock::new();
    P.get_or_init(|| PackSet::load(&[]).expect("built-in packs"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A zone other than UTC exercises the zone-less paths.
    let ctx = TimeCtx {
        tz: chrono::FixedOffset::east_opt(3600).unwrap().into(),
        ..TimeCtx::fixed(2026, 1, 2, 0)
    };
    let a = assemble_str(0, &text, ctx.clone());
    let s = &a.stats;
    assert_eq!(
        s.lines,
        s.parsed + s.continuation + s.blank + s.unparsed,
        "every line is accounted for"
    );
    assert_eq!(s.records, a.records.len() as u64);

    let lazy = assemble_str_skipping(0, &text, ctx, packs().line_filter());
    assert_eq!(lazy.stats, a.stats, "skipping changes no count");
    assert_eq!(lazy.records.len(), a.records.len());
    for (full, l) in a.records.iter().zip(&lazy.records) {
        if l.flags.skipped {
            assert_eq!(
                (l.line, l.end_line, l.ts, l.format),
                (full.line, full.end_line, full.ts, full.format)
            );
            assert!(
                packs().matches(full).is_empty(),
                "skipped a record a pattern matches"
            );
        } else {
            assert_eq!(l, full, "a kept record is the record built in full");
        }
    }
});
