//! logfmt: a record as `key=value` pairs, as structlog's `LogfmtRenderer` and
//! `KeyValueRenderer`, Go's logrus and log/slog's text handler write it:
//! `time="2026-11-23T19:37:49Z" level=error logger=daphne.server msg="Exception inside application: ..."`.
//!
//! Read as nothing, such a file was all "unknown": no time, no level, no connection. The
//! message is the pair the formatters name it by (`msg`, `message`, `event`, as in
//! [`super::json_log`]), time, level, logger and pid come from theirs, and the pairs
//! left over follow the message as they were written (`path=/ws/chat/ user_id=7`), so
//! the packs' `context` ids (`client=`, `request_id=`) read them as in a text layout. An
//! exception's traceback, escaped into one value (`exception="Traceback ...\n..."`),
//! comes after it on lines of its own.
//!
//! Like [`super::json_log`] it is an envelope, whose message is the decoded text, and a
//! line of it inside docker's or journald's envelope is decoded there too
//! ([`Format::nested`]).

use std::borrow::Cow;

use super::json_log::{read_time_text, EXCEPTION, LEVEL, MESSAGE, PID, TIME};
use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Logfmt]
}

/// `key=value` pairs, values bare, `"double"` or `'single'` quoted.
pub struct Logfmt;

/// The logger's names: JSON's but `name`.
const LOGGER: &[&str] = &["logger", "logger_name", "log.logger"];

/// The most pairs read from one line: a record has a dozen at most; more is a line of
/// something else (a query string), not worth the time.
const MAX_PAIRS: usize = 64;

impl Format for Logfmt {
    fn name(&self) -> &'static str {
        "logfmt"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn nested(&self) -> bool {
        true
    }
    fn example(&self) -> &'static str {
        r#"time="2026-11-23T19:37:49Z" level=error logger=daphne.server msg="Exception inside application: Error 111 connecting to 127.0.0.1:6379. Connection refused.""#
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_logfmt(line, ctx)
    }
    fn parse_text(&self, line: &str, ctx: &TimeCtx) -> Option<Parsed<'static>> {
        let p = parse_logfmt(line, ctx)?;
        let mut owned = Parsed::new(Cow::Owned(p.message.into_owned()));
        owned.ts = p.ts;
        owned.level = p.level;
        owned.logger = p.logger.map(|l| Cow::Owned(l.into_owned()));
        owned.pid = p.pid;
        Some(owned)
    }
}

/// True when `text` may be logfmt: its first word is a pair. A cheap look for the
/// assembler, before it decodes an envelope's message as a record of its own.
pub(crate) fn may_be(text: &str) -> bool {
    let b = text.as_bytes();
    b.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_' || *c == b'@')
        && memchr::memchr2(b'=', b' ', b).is_some_and(|i| b[i] == b'=')
}

/// One pair: its key, its value (escapes resolved), and the pair's text as written.
struct Pair<'a> {
    key: &'a str,
    value: Cow<'a, str>,
    raw: &'a str,
}

fn parse_logfmt<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    if !may_be(line) {
        return None;
    }
    let pairs = pairs(line)?;
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| pairs.iter().position(|p| p.key == *n))
    };
    let message = find(MESSAGE)?;
    // The first of the names whose value reads, as for JSON: `ts=1 time=2026-...` is
    // timed by `time`.
    let (time, ts) = first_read(&pairs, TIME, |v| read_time_text(v, ctx)).unzip();
    let (level_at, level) = first_read(&pairs, LEVEL, Level::parse).unzip();
    // Pairs that are not a log record (a query string, `a=b` in a config dump) say
    // neither when nor how severe.
    if ts.is_none() && level.is_none() {
        return None;
    }
    // Not `name`, which JSON formatters use for the logger: in logfmt it is more often
    // the application's own (`name=lobby`).
    let logger = find(LOGGER);
    let pid = find(PID);
    let exception = find(EXCEPTION).filter(|&i| {
        let v = pairs[i].value.trim();
        !v.is_empty() && v != "None"
    });
    let mut text = pairs[message].value.clone().into_owned();
    for (i, p) in pairs.iter().enumerate() {
        let known = [Some(message), time, level_at, logger, pid, exception];
        if !known.contains(&Some(i)) {
            text.push(' ');
            text.push_str(p.raw);
        }
    }
    if let Some(i) = exception {
        text.push('\n');
        text.push_str(pairs[i].value.trim_end());
    }
    let mut p = Parsed::new(Cow::Owned(text));
    p.ts = ts;
    p.level = level;
    p.logger = logger
        .map(|i| pairs[i].value.clone())
        .filter(|l| !l.is_empty());
    p.pid = pid.and_then(|i| pairs[i].value.parse().ok());
    Some(p)
}

/// The place of the first pair, by the order of `names`, whose value `read` reads, and
/// what it read.
fn first_read<T>(
    pairs: &[Pair],
    names: &[&str],
    read: impl Fn(&str) -> Option<T>,
) -> Option<(usize, T)> {
    names.iter().find_map(|n| {
        pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.key == *n)
            .find_map(|(i, p)| read(&p.value).map(|v| (i, v)))
    })
}

/// The pairs of `line`, or `None` when any word of it is not one (a sentence that holds
/// an `=` somewhere) or it holds fewer than two.
fn pairs(line: &str) -> Option<Vec<Pair<'_>>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if out.len() == MAX_PAIRS {
            return None;
        }
        let start = i;
        while b.get(i).is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'@' | b'/')
        }) {
            i += 1;
        }
        if i == start || b.get(i) != Some(&b'=') {
            return None;
        }
        let key = &line[start..i];
        i += 1;
        let (value, end) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => quoted(line, i, q)?,
            _ => {
                let end = bare_end(b, i);
                (Cow::Borrowed(&line[i..end]), end)
            }
        };
        out.push(Pair {
            key,
            value,
            raw: &line[start..end],
        });
        i = end;
    }
    (out.len() >= 2).then_some(out)
}

/// Where a bare value that starts at `at` ends: the first space outside brackets and
/// quotes. structlog's `KeyValueRenderer` writes Python's repr, with spaces inside:
/// `client=('127.0.0.1', 5000)`, `user=<User: bob>`.
fn bare_end(b: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut quote = None;
    let mut i = at;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == b'\\' => i += 1,
            Some(_) => {}
            None => match c {
                b'(' | b'[' | b'{' | b'<' => depth += 1,
                b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
                b'\'' | b'"' if depth > 0 => quote = Some(c),
                b' ' if depth == 0 => return i,
                _ => {}
            },
        }
        i += 1;
    }
    b.len()
}

/// The value quoted by `q` at `at`, its escapes (`\"`, `\\`, `\n`, `\t`) resolved, and
/// where it ends; `None` when the quote is not closed.
fn quoted(line: &str, at: usize, q: u8) -> Option<(Cow<'_, str>, usize)> {
    let b = line.as_bytes();
    let body = at + 1;
    let mut i = body;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                escaped = true;
                i += 2;
                continue;
            }
            c if c == q => break,
            _ => i += 1,
        }
    }
    if i >= b.len() {
        return None;
    }
    let raw = &line[body..i];
    let value = if escaped {
        let mut s = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                s.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('r') => {}
                Some(other) => s.push(other),
                None => s.push('\\'),
            }
        }
        Cow::Owned(s)
    } else {
        Cow::Borrowed(raw)
    };
    Some((value, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        Logfmt.parse(line, &TimeCtx::default())
    }

    #[test]
    fn logrus_and_slog_lines_give_time_level_logger_and_message() {
        let p = parse(Logfmt.example()).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert!(p
            .message
            .starts_with("Exception inside application: Error 111"));
        let p = parse(r#"time=2026-11-23T19:37:49.123+01:00 level=WARN msg="upstream closed" path=/ws/chat/ client=10.0.0.5:51234"#).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T18:37:49.123Z");
        assert_eq!(p.level, Some(Level::Warning));
        // The pairs left over follow the message as written: the packs' ids read them.
        assert_eq!(
            p.message,
            "upstream closed path=/ws/chat/ client=10.0.0.5:51234"
        );
    }

    #[test]
    fn structlog_renderers_and_an_escaped_traceback() {
        // LogfmtRenderer, with `format_exc_info`: the traceback in one quoted value.
        let p = parse(r#"timestamp=2026-11-23T19:37:49.123456Z level=error event="Exception inside application: boom" logger=daphne.server exception="Traceback (most recent call last):\n  File \"/app/consumers.py\", line 12, in receive\nValueError: boom""#).unwrap();
        let lines: Vec<&str> = p.message.lines().collect();
        assert_eq!(lines[0], "Exception inside application: boom");
        assert_eq!(lines[1], "Traceback (most recent call last):");
        assert_eq!(
            lines[2],
            "  File \"/app/consumers.py\", line 12, in receive"
        );
        assert_eq!(lines[3], "ValueError: boom");
        // KeyValueRenderer writes Python's repr: single quotes.
        let p = parse(r"event='WebSocket DISCONNECT /ws/chat/ [127.0.0.1:5000]' level='info' logger='django.channels.server' timestamp='2026-11-23T19:37:50Z' pid=42").unwrap();
        assert_eq!(p.message, "WebSocket DISCONNECT /ws/chat/ [127.0.0.1:5000]");
        assert_eq!(p.pid, Some(42));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:50Z");
    }

    #[test]
    fn a_repr_value_with_spaces_is_one_value_and_the_first_time_that_reads_times_the_line() {
        let p = parse(r"event='connected' level='info' timestamp='2026-11-23T19:37:50Z' client=('127.0.0.1', 5000) user=<User: bob> name=lobby").unwrap();
        assert_eq!(
            p.message,
            "connected client=('127.0.0.1', 5000) user=<User: bob> name=lobby"
        );
        assert_eq!(p.logger, None);
        let p = parse("ts=1 time=2026-11-23T19:37:49Z level=info msg=x").unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
    }

    #[test]
    fn grafanas_t_is_its_time() {
        // hunt 31 (grafana/helm-charts#1808): read without its time before.
        let p = parse(r#"logger=context userId=2 orgId=1 t=2022-09-13T04:49:44.957218667Z level=info msg="Request Completed" method=GET path=/api/datasources/proxy/2/loki/api/v1/tail status=400"#).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2022-09-13T04:49:44.957218667Z");
        assert!(p.message.starts_with("Request Completed "), "{}", p.message);
    }

    #[test]
    fn lines_of_other_layouts_and_sentences_with_an_equals_sign_are_not_logfmt() {
        for line in [
            "2026-11-23 19:37:49,123 INFO     level=info msg=x",
            "INFO:     127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]",
            "Setting timeout=30 for the worker",
            "a=1 b=2",
            "msg=hello",
            r#"level=info msg="unterminated"#,
            "time=yesterday msg=hello",
            "",
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }
}
