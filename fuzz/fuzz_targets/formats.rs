//! Every format's `parse` on arbitrary text: the first byte picks the format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logweave::format;
use logweave::time::TimeCtx;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let formats = format::registry();
    let f = formats[pick as usize % formats.len()];
    let text = String::from_utf8_lossy(rest);
    let ctx = TimeCtx::fixed(2026, 11, 23, 12);
    for line in text.split('\n') {
        let stripped = format::strip_ansi(line);
        if let Some(p) = f.parse(&stripped, &ctx) {
            // Touch what a caller reads, so lazily built parts are exercised too.
            let _ = p.ts.map(|t| t.to_rfc3339());
            let _ = p.field("path");
        }
    }
});
