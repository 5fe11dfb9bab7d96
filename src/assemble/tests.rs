use super::*;
use crate::input::LineMeta;

const META: LineMeta = LineMeta {
    truncated: false,
    unterminated: false,
};

fn assemble(text: &str) -> Assembled {
    let lines: Vec<&str> = text.lines().collect();
    let ctx = TimeCtx::default();
    let det = detect(&lines, &ctx);
    let mut a = Assembler::new(0, det, ctx);
    for (i, l) in lines.iter().enumerate() {
        a.push(i as u64 + 1, l.as_bytes(), META);
    }
    a.finish()
}

fn accounted(s: &InputStats) -> bool {
    s.lines == s.parsed + s.continuation + s.blank + s.unparsed
}

#[test]
fn every_line_is_accounted_for() {
    let a = assemble("one\n\n  two\nTraceback (most recent call last):\n  File \"x\", line 1\nValueError: boom\n\u{1}\u{2}junk\n");
    assert!(accounted(&a.stats), "{:?}", a.stats);
    assert_eq!(a.stats.lines, 7);
    assert_eq!(a.stats.blank, 1);
}

#[test]
fn traceback_joins_the_record_before_it_including_the_exception_line() {
    let a = assemble("Exception inside application\nTraceback (most recent call last):\n  File \"a.py\", line 1, in f\n    raise ValueError(\"x\")\nValueError: x\nnext line\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!(a.records[0].end_line, 5);
    assert!(a.records[0].message.ends_with("ValueError: x"));
    assert_eq!(a.records[1].message, "next line");
}

#[test]
fn exception_shaped_line_without_open_traceback_is_its_own_record() {
    let a = assemble("first\nKeyError: nothing open\n");
    assert_eq!(a.records.len(), 2);
}

#[test]
fn continuation_at_start_of_input_becomes_a_traceback_fragment() {
    let a = assemble("    return await self.inner(scope)\n           ^^^^^^\nValueError: No route found for path 'ws/x/'.\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!(a.records[0].format, TRACEBACK);
    assert_eq!(a.leading_orphans, 1);
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_counted() {
    let ctx = TimeCtx::default();
    let det = detect(&[], &ctx);
    let mut a = Assembler::new(0, det, ctx);
    a.push(1, b"caf\xe9 \x00 nul", META);
    let done = a.finish();
    assert_eq!(done.stats.lossy, 1);
    assert!(done.records[0].flags.lossy);
    assert!(done.records[0].message.contains('\u{fffd}'));
    assert_eq!(done.records[0].format, UNKNOWN);
    assert_eq!(done.stats.unparsed, 1);
}

#[test]
fn ansi_colour_never_reaches_the_message() {
    let a = assemble("\u{1b}[32mgreen\u{1b}[0m text\n");
    assert_eq!(a.records[0].message, "green text");
}
