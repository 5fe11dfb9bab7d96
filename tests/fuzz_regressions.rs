//! Inputs that once crashed a fuzz target (`fuzz/`), kept so the fix stays fixed. Each test
//! is named after what the input broke; the bytes are inline or in `tests/data/fuzz/`.

use std::path::Path;

use logweave::assemble::assemble_str;
use logweave::format;
use logweave::time::TimeCtx;

fn ctx() -> TimeCtx {
    TimeCtx::fixed(2026, 11, 23, 12)
}

/// Found by the `formats` target: docker-json's allocation-free path sliced at byte 8
/// without checking that byte 7 was the opening quote, inside a multi-byte character.
#[test]
fn regression_docker_json_fast_path_slices_inside_a_multibyte_char() {
    let bytes = b"{\"log\":\xa22026-11-23 19:37]:49,123 INFO     Listening no TC\xf6^{\x00\x00J127.0.0.1:39432 - \"WebSock!ecC\x80H\n\xf6^{11-23T19:37:49.123456789Z\"}";
    let text = String::from_utf8_lossy(bytes);
    for f in format::registry() {
        for line in text.split('\n') {
            let _ = f.parse(line, &ctx());
        }
    }
    for line in [
        "{\"log\":é\\n\"}",
        "{\"log\":\u{fffd}x\"}",
        "{\"log\": \"a\\n\"}",
    ] {
        for f in format::registry() {
            let _ = f.parse(line, &ctx());
        }
    }
}

/// Found by the `assemble` target: the same slice, reached through detection of a
/// docker json-file log whose lines have a space after `"log":`.
#[test]
fn regression_docker_json_with_spaced_keys_and_a_multibyte_char_assembles() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz/docker-json-fast-path-char-boundary.log");
    let bytes = std::fs::read(p).unwrap();
    let a = assemble_str(0, &String::from_utf8_lossy(&bytes), ctx());
    let s = &a.stats;
    assert_eq!(s.lines, s.parsed + s.continuation + s.blank + s.unparsed);
    assert!(
        s.parsed > 0,
        "the well-formed docker lines still parse: {s:?}"
    );
}
