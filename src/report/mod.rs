//! Reports: turning what the earlier stages found into text, JSON and the other outputs.
//! Nothing here parses logs; every writer takes a `Write` and the data to render.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod live;
pub mod patterns;
pub mod progress;
pub mod records;
pub mod text;

use crate::pattern::Event;
use crate::pipeline::Scan;
use crate::record::Record;

/// Where event `e`'s pattern matched its record `r`: the physical line and its text. A
/// record of several lines (a traceback) is told by its exception, not by its
/// `Traceback (most recent call last):` head, which tells a reader nothing. The line
/// counts the record's lines joined before the match, within the record's span (joined
/// partials of one long line are one line).
pub(crate) fn matched_line<'r>(s: &Scan, e: &Event, r: &'r Record) -> (u64, &'r str) {
    let message = r.message.as_str();
    if !message.contains('\n') {
        return (r.line, message);
    }
    let at = s
        .packs
        .pattern(e.at)
        .regex
        .get()
        .find(message)
        .map_or(0, |m| m.start());
    let start = message[..at].rfind('\n').map_or(0, |i| i + 1);
    let above = memchr::memchr_iter(b'\n', &message.as_bytes()[..start]).count() as u64;
    let text = message[start..].split('\n').next().unwrap_or("");
    (
        r.line.saturating_add(above).min(r.end_line.max(r.line)),
        text,
    )
}

/// Where a record lies in its input: `name:line`, or `name:first-last` for a record of
/// several lines.
pub(crate) fn span(input: &str, r: &Record) -> String {
    match r.end_line > r.line {
        true => format!("{input}:{}-{}", r.line, r.end_line),
        false => format!("{input}:{}", r.line),
    }
}
