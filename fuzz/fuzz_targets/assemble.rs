//! Detection and assembly of a whole in-memory input: partials, captures, tracebacks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logweave::assemble::assemble_str;
use logweave::time::TimeCtx;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A zone other than UTC exercises the zone-less paths.
    let ctx = TimeCtx {
        tz: chrono::FixedOffset::east_opt(3600).unwrap(),
        ..TimeCtx::fixed(2026, 1, 2, 0)
    };
    let a = assemble_str(0, &text, ctx);
    let s = &a.stats;
    assert_eq!(
        s.lines,
        s.parsed + s.continuation + s.blank + s.unparsed,
        "every line is accounted for"
    );
    assert_eq!(s.records, a.records.len() as u64);
});
