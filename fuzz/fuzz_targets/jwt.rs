//! The JWT payload decoder on arbitrary tokens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logweave::sequence::jwt;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = jwt::claims(&s);
    // Shaped like a token: a real header, the fuzzed bytes as the payload.
    let _ = jwt::claims(&format!("eyJhbGciOiJIUzI1NiJ9.{s}.sig"));
});
