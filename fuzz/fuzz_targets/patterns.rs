//! A pattern pack's TOML text, then every example checked and the pack used as a prefilter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logweave::pattern::{self, Origin, PackSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Origin::File("fuzz.toml".into());
    match pattern::compile(origin, text) {
        Ok(pack) => {
            let _ = pattern::test_pack(&pack);
            let _ = PackSet::new(vec![pack]);
        }
        Err(e) => {
            // The message must render (it names file:line:col).
            let _ = e.to_string();
        }
    }
});
