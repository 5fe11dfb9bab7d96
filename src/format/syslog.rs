//! Syslog messages as they reach a file with their `<PRI>` kept: RFC 5424 (rsyslog
//! `RSYSLOG_SyslogProtocol23Format`, syslog-ng, docker's `syslog` driver with
//! `syslog-format=rfc5424`) and RFC 3164 (BSD syslog, what `logger` and most daemons
//! send, and rsyslog's forward format with an ISO time).
//!
//! A 3164 line without `<PRI>` has exactly the `journald-short` shape and is left to
//! [`super::journald`]: the PRI is what makes these two formats cheap to recognise (one
//! byte, `<`) and safe to try on every line.

use std::borrow::Cow;

use super::journald::{host_ident, month_day_time};
use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::{self, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Rfc5424, &Rfc3164]
}

/// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, `-` for absent parts.
///
/// Fields: `facility` (always), `msgid`, `procid` (only when not a number, which goes to
/// `pid`), `sd` (the structured data, brackets included).
pub struct Rfc5424;

/// RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, also with an RFC 3339 time
/// (rsyslog forwarding) and without HOST (messages sent to the local socket).
///
/// Fields: `facility`.
pub struct Rfc3164;

impl Format for Rfc5424 {
    fn name(&self) -> &'static str {
        "syslog-rfc5424"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \u{feff}An application event log entry..."
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_5424(line, ctx)
    }
}

impl Format for Rfc3164 {
    fn name(&self) -> &'static str {
        "syslog-rfc3164"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_3164(line, ctx)
    }
}

/// `"0"` .. `"23"`: the facility field borrows one of these instead of allocating.
const FACILITY: [&str; 24] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23",
];

/// `<PRI>` at the start of the line: (PRI, bytes used). PRI is at most 191 (facility 23).
#[inline]
fn pri(b: &[u8]) -> Option<(u8, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let (v, n) = time::leading_digits(&b[1..])?;
    if n > 3 || v > 191 || b.get(1 + n) != Some(&b'>') {
        return None;
    }
    Some((v as u8, n + 2))
}

/// A record with the PRI's severity and facility.
fn with_pri(message: &str, pri: u8) -> Parsed<'_> {
    let mut p = Parsed::new(message);
    p.level = Level::from_syslog(pri % 8);
    p.fields
        .push(("facility", Cow::Borrowed(FACILITY[(pri / 8) as usize])));
    p
}

/// The next space-delimited header token of `s` and what follows its space.
#[inline]
fn token(s: &str) -> Option<(&str, &str)> {
    let i = memchr::memchr(b' ', s.as_bytes())?;
    (i > 0).then(|| (&s[..i], &s[i + 1..]))
}

/// RFC 5424's `-` (NILVALUE) as `None`.
#[inline]
fn nil(s: &str) -> Option<&str> {
    (s != "-").then_some(s)
}

fn parse_5424<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let (pri, n) = pri(b)?;
    // VERSION: 1-2 digits, not 0, then a space. `<30>2026-...` (no version) is 3164.
    let (ver, vn) = time::leading_digits(&b[n..])?;
    if vn > 2 || ver == 0 || b.get(n + vn) != Some(&b' ') {
        return None;
    }
    let rest = &line[n + vn + 1..];
    let rb = rest.as_bytes();
    let (ts, rest) = if rb.first() == Some(&b'-') {
        (None, rest.get(1..)?.strip_prefix(' ')?)
    } else {
        if rb.get(10) != Some(&b'T') {
            return None;
        }
        let p = time::iso_prefix(rb, false)?;
        (
            Some(ctx.complete(p.naive, p.digits, p.offset)?),
            rest.get(p.len..)?.strip_prefix(' ')?,
        )
    };
    let (host, rest) = token(rest)?;
    let (app, rest) = token(rest)?;
    let (procid, rest) = token(rest)?;
    let (msgid, rest) = token(rest)?;
    let (sd, msg) = structured_data(rest)?;
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);

    let mut p = with_pri(msg, pri);
    p.ts = ts;
    p.host = nil(host);
    p.program = nil(app).map(Cow::Borrowed);
    if let Some(procid) = nil(procid) {
        match procid.parse::<u32>() {
            Ok(pid) => p.pid = Some(pid),
            Err(_) => p.fields.push(("procid", Cow::Borrowed(procid))),
        }
    }
    if let Some(msgid) = nil(msgid) {
        p.fields.push(("msgid", Cow::Borrowed(msgid)));
    }
    if let Some(sd) = nil(sd) {
        p.fields.push(("sd", Cow::Borrowed(sd)));
    }
    Some(p)
}

/// STRUCTURED-DATA (`-` or one or more `[id k="v" ...]`, where a quoted value may hold
/// `\]`, `\"` and `\\`) and the message after it (empty when the line ends there).
fn structured_data(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let end = if b.first() == Some(&b'-') {
        1
    } else {
        let mut i = 0;
        while b.get(i) == Some(&b'[') {
            i += 1;
            let mut quoted = false;
            loop {
                match *b.get(i)? {
                    b'\\' if quoted => i += 2,
                    b'"' => {
                        quoted = !quoted;
                        i += 1;
                    }
                    b']' if !quoted => {
                        i += 1;
                        break;
                    }
                    _ => i += 1,
                }
            }
        }
        if i == 0 {
            return None;
        }
        i
    };
    // `end` is just past an ASCII `-` or `]`, so both slices are at char boundaries.
    match b.get(end) {
        None => Some((&s[..end], "")),
        Some(b' ') => Some((&s[..end], &s[end + 1..])),
        _ => None,
    }
}

fn parse_3164<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let (pri, n) = pri(b)?;
    let tb = &b[n..];
    let (ts, len) = match tb.first()? {
        c if c.is_ascii_digit() => {
            // rsyslog's forward format: `<30>2026-11-23T19:37:49+00:00 host ...`.
            let p = time::iso_prefix(tb, false)?;
            (ctx.complete(p.naive, p.digits, p.offset)?, p.len)
        }
        _ => {
            let t = month_day_time(tb)?;
            (ctx.yearless(t.month, t.day, t.time, t.digits, None)?, t.len)
        }
    };
    let rest = line.get(n + len..)?.strip_prefix(' ')?;
    let mut p = match host_ident(rest, true) {
        Some(t) => {
            let mut p = with_pri(t.message, pri);
            p.host = t.host;
            p.program = Some(Cow::Borrowed(t.program));
            p.pid = t.pid;
            p
        }
        // RFC 3164's TAG is optional (`<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!`): the
        // PRI and time already make the line certain, so keep host and text.
        None => match token(rest) {
            Some((host, msg)) => {
                let mut p = with_pri(msg, pri);
                p.host = Some(host);
                p
            }
            None if !rest.is_empty() => {
                let mut p = with_pri("", pri);
                p.host = Some(rest);
                p
            }
            None => return None,
        },
    };
    p.ts = Some(ts);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;
    use chrono::{FixedOffset, NaiveDateTime};

    fn ctx() -> TimeCtx {
        TimeCtx {
            reference: NaiveDateTime::parse_from_str("2026-12-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
            year: None,
            tz: FixedOffset::east_opt(0).unwrap().into(),
        }
    }

    #[test]
    fn rfc5424_reads_every_header_part_and_strips_bom() {
        let p = Rfc5424.parse(Rfc5424.example(), &ctx()).unwrap();
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2003-10-11T22:14:15.003Z");
        assert_eq!(ts.note, TsNote::NONE);
        assert_eq!(p.host, Some("mymachine.example.com"));
        assert_eq!(p.program.as_deref(), Some("evntslog"));
        assert_eq!(p.pid, None);
        assert_eq!(p.level, Some(Level::Notice));
        assert_eq!(p.field("facility"), Some("20"));
        assert_eq!(p.field("msgid"), Some("ID47"));
        assert_eq!(
            p.field("sd"),
            Some("[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]")
        );
        assert_eq!(p.message, "An application event log entry...");
    }

    #[test]
    fn rfc5424_nilvalues_become_absent() {
        let p = Rfc5424.parse("<34>1 - - - - - -", &ctx()).unwrap();
        assert_eq!(p.ts, None);
        assert_eq!(p.host, None);
        assert_eq!(p.program, None);
        assert_eq!(p.field("msgid"), None);
        assert_eq!(p.field("sd"), None);
        assert_eq!(p.message, "");
        assert_eq!(p.level, Some(Level::Critical));
        assert_eq!(p.field("facility"), Some("4"));
    }

    #[test]
    fn rfc5424_numeric_procid_is_pid_other_procid_is_field() {
        let p = Rfc5424
            .parse(
                "<14>1 2026-11-23T19:37:49.123456+01:00 web1 daphne 3535 - - 127.0.0.1:43174 - - [23/Nov/2026:19:37:49] \"WSCONNECT /ws/chat/42/\" - -",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.pid, Some(3535));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T18:37:49.123456Z");
        assert!(p.message.starts_with("127.0.0.1:43174 - - ["));
        let p = Rfc5424
            .parse(
                "<14>1 2026-11-23T19:37:49Z web1 app worker-3 - - hi",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.pid, None);
        assert_eq!(p.field("procid"), Some("worker-3"));
    }

    #[test]
    fn rfc5424_structured_data_may_hold_escaped_brackets_and_several_elements() {
        let line = r#"<165>1 2003-10-11T22:14:15.003Z h app - - [a x="q\]r \"s\" t\\"][b@1 y="]"] msg [not sd]"#;
        let p = Rfc5424.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("sd"), Some(r#"[a x="q\]r \"s\" t\\"][b@1 y="]"]"#));
        assert_eq!(p.message, "msg [not sd]");
        assert!(Rfc5424
            .parse(
                r#"<165>1 2003-10-11T22:14:15.003Z h app - - [a x="unterminated"#,
                &ctx()
            )
            .is_none());
    }

    #[test]
    fn rfc5424_rejects_3164_and_bad_pri() {
        for line in [
            "<34>Oct 11 22:14:15 mymachine su[123]: x",
            "<30>2026-11-23T19:37:49+00:00 host prog[1]: msg",
            "<192>1 2003-10-11T22:14:15.003Z h a - - - x",
            "<1234>1 2003-10-11T22:14:15.003Z h a - - - x",
            "<0>0 2003-10-11T22:14:15.003Z h a - - - x",
            "1 2003-10-11T22:14:15.003Z h a - - - x",
            "<165>1 2003-10-11 22:14:15.003Z h a - - - x",
        ] {
            assert!(Rfc5424.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn rfc3164_reads_rfc_example() {
        let p = Rfc3164.parse(Rfc3164.example(), &ctx()).unwrap();
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2026-10-11T22:14:15Z");
        assert!(ts.note.contains(TsNote::YEAR) && ts.note.contains(TsNote::ZONE));
        assert_eq!(p.host, Some("mymachine"));
        assert_eq!(p.program.as_deref(), Some("su"));
        assert_eq!(p.pid, Some(123));
        assert_eq!(p.level, Some(Level::Critical));
        assert_eq!(p.field("facility"), Some("4"));
        assert_eq!(p.message, "'su root' failed for lonvick on /dev/pts/8");
    }

    #[test]
    fn rfc3164_accepts_iso_time_as_rsyslog_forwards() {
        let p = Rfc3164
            .parse(
                "<30>2026-11-23T19:37:49+00:00 web1 daphne[3535]: 2026-11-23 19:37:49,870 INFO     Listening on TCP address 127.0.0.1:8001",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.field("facility"), Some("3"));
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(
            p.message,
            "2026-11-23 19:37:49,870 INFO     Listening on TCP address 127.0.0.1:8001"
        );
    }

    #[test]
    fn rfc3164_without_host_or_tag() {
        let p = Rfc3164
            .parse("<13>Nov  3 19:37:49 su: 'su root' failed", &ctx())
            .unwrap();
        assert_eq!(p.host, None);
        assert_eq!(p.program.as_deref(), Some("su"));
        assert_eq!(p.message, "'su root' failed");
        let p = Rfc3164
            .parse("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", &ctx())
            .unwrap();
        assert_eq!(p.host, Some("10.0.0.99"));
        assert_eq!(p.program, None);
        assert_eq!(p.message, "Use the BFG!");
    }

    #[test]
    fn rfc3164_requires_pri() {
        assert!(Rfc3164
            .parse("Oct 11 22:14:15 mymachine su[123]: x", &ctx())
            .is_none());
        assert!(Rfc3164
            .parse("<34>not a time mymachine su[123]: x", &ctx())
            .is_none());
    }

    #[test]
    fn garbage_multibyte_empty_and_truncated_lines_never_panic() {
        let goods = [
            Rfc5424.example(),
            Rfc3164.example(),
            "<30>2026-11-23T19:37:49+00:00 h\u{e9} d\u{e9}[1]: \u{1f600}",
            "<165>1 2003-10-11T22:14:15.003Z h\u{e9} a\u{e9} - - [x y=\"\u{e9}\\\u{e9}\"] \u{1f600}",
        ];
        let mut inputs: Vec<String> = vec![
            String::new(),
            "<".into(),
            "<>".into(),
            "<1".into(),
            "<1>".into(),
            "<1>1".into(),
            "<1>1 ".into(),
            "<1>\u{e9}".into(),
            "<\u{e9}>".into(),
            "<99999999999999999999>1 -".into(),
            "<1>déc. 23 19:37:49 h a: x".into(),
            "\u{1f600}\u{1f600}".into(),
        ];
        for g in goods {
            for i in 0..=g.len() {
                if let Some(s) = g.get(..i) {
                    inputs.push(s.to_string());
                }
            }
        }
        for f in formats() {
            for s in &inputs {
                let _ = f.parse(s, &ctx());
            }
        }
        assert!(Rfc3164
            .parse("<1>déc. 23 19:37:49 h a: x", &ctx())
            .is_some());
    }
}
