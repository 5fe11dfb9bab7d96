//! HAProxy's HTTP log (`option httplog`, and `option httpslog`, which adds fields after
//! the request), as syslog, journald or a container's output carries it:
//!
//! ```text
//! 10.0.1.2:33317 [06/Feb/2026:12:14:14.655] http-in ws_back/daphne1 10/0/30/69/60109 101 2750 - - cD-- 1/1/1/1/0 0/0 "GET /ws/chat/ HTTP/1.1"
//! client         accept date               frontend backend/server TR/Tw/Tc/Tr/Ta status bytes
//!                                          cookies termination conns queues {headers} request
//! ```
//!
//! HAProxy writes the line when the session ends, as nginx does, and its last timer is
//! the session's length in milliseconds: for a WebSocket, how long the tunnel lived. The
//! accept date is the session's *start*, so the record's time is the accept date plus
//! that length, the moment the line was written (a syslog or journald envelope's own time
//! says the same, and wins). The termination state's first two letters say who ended the
//! session and in which phase: `cD`/`sD` a client/server timeout during the tunnel (an
//! idle cut), `SD` the server closing it, `SC` a refused connect, `sH` no answer in time.
//! The `haproxy` pack reads them. The message is the line as written.

use std::borrow::Cow;

use chrono::Duration;
use memchr::memchr;

use super::nginx::{clf_datetime, push_client, push_request};
use super::{Format, Layer, Parsed};
use crate::record::TsNote;
use crate::time::{after_ms, fraction, TimeCtx};

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&HaproxyHttp]
}

/// One line of HAProxy's HTTP log format.
pub struct HaproxyHttp;

impl Format for HaproxyHttp {
    fn name(&self) -> &'static str {
        "haproxy-http"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "10.0.1.2:33317 [06/Feb/2026:12:14:14.655] http-in ws_back/daphne1 0/0/1/2/60109 101 2750 - - cD-- 12/12/3/1/0 0/0 \"GET /ws/chat/lobby/ HTTP/1.1\""
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_http(line, ctx)
    }
}

fn parse_http<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // `ip:port [dd/Mon/yyyy:hh:mm:ss.mmm] `: the bracket right after an address with its
    // port refuses every other layout at its first space.
    let sp = memchr(b' ', b)?;
    if sp < 3 || b.get(sp + 1) != Some(&b'[') || !b[sp - 1].is_ascii_digit() {
        return None;
    }
    let ds = sp + 2;
    let (naive, tlen) = clf_datetime(b.get(ds..)?, b':')?;
    let mut p = ds + tlen;
    let (ns, digits, flen) = match b.get(p) {
        Some(b'.') => fraction(&b[p..]),
        _ => (0, 0, 0),
    };
    p += flen;
    if b.get(p..p + 2) != Some(b"] ") {
        return None;
    }
    // Eight words, then the rest (connection counts, queues, captured headers and the
    // quoted request).
    let mut words = line[p + 2..].splitn(9, ' ');
    let mut word = || words.next().filter(|w| !w.is_empty());
    let frontend = word()?;
    let (backend, server) = word()?.split_once('/')?;
    let timers = word()?;
    let status = word()?;
    let bytes = word()?;
    let _request_cookie = word()?;
    let _response_cookie = word()?;
    let termination = word()?;
    let rest = word();
    // Five timers (`TR/Tw/Tc/Tr/Ta`, or 1.x's `Tq/Tw/Tc/Tr/Tt`), each a number or -1;
    // the last may carry `+` (`option logasap`: written before the end).
    let timer = |t: &str| {
        let t = t.strip_prefix('-').unwrap_or(t);
        !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit())
    };
    let (first_four, last) = timers.rsplit_once('/')?;
    if first_four.split('/').count() != 4
        || !first_four.split('/').all(timer)
        || !timer(last.trim_start_matches('+'))
        || !timer(status)
        || termination.len() != 4
        || !termination
            .bytes()
            .all(|c| c == b'-' || c.is_ascii_alphabetic())
    {
        return None;
    }
    let request = rest
        .and_then(|rest| {
            let q = memchr(b'"', rest.as_bytes())?;
            let r = &rest[q + 1..];
            Some(&r[..memchr(b'"', r.as_bytes()).unwrap_or(r.len())])
        })
        .filter(|r| !r.is_empty());

    let mut out = Parsed::new(line);
    let start = ctx.assume_zone(
        naive + Duration::nanoseconds(i64::from(ns)),
        digits,
        TsNote::NONE,
    );
    // Written at the end: the accept date plus the session's length, unless `+` says it
    // was written early (then the length is only what had passed).
    let end = (!last.starts_with('+'))
        .then(|| last.parse().ok())
        .flatten()
        .and_then(|ms| after_ms(start, ms));
    out.ts = Some(end.unwrap_or(start));
    let f = &mut out.fields;
    push_client(f, &line[..sp]);
    f.push(("frontend", Cow::Borrowed(frontend)));
    f.push(("backend", Cow::Borrowed(backend)));
    f.push(("server", Cow::Borrowed(server)));
    f.push(("timers", Cow::Borrowed(timers)));
    if end.is_some() {
        f.push(("request_ms", Cow::Borrowed(last)));
    }
    f.push(("status", Cow::Borrowed(status)));
    f.push(("bytes", Cow::Borrowed(bytes.trim_start_matches('+'))));
    f.push(("termination", Cow::Borrowed(termination)));
    if let Some(r) = request {
        push_request(f, r);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeCtx {
        TimeCtx::fixed(2026, 11, 25, 12)
    }

    #[test]
    fn a_tunnel_line_is_timed_at_its_end_and_split_into_fields() {
        let p = HaproxyHttp.parse(HaproxyHttp.example(), &ctx()).unwrap();
        // 12:14:14.655 + 60.109 s: when HAProxy wrote it.
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2026-02-06T12:15:14.764+00:00"
        );
        assert_eq!(p.ts.unwrap().digits, 3);
        assert_eq!(p.field("client_ip"), Some("10.0.1.2"));
        assert_eq!(p.field("client_port"), Some("33317"));
        assert_eq!(p.field("frontend"), Some("http-in"));
        assert_eq!(p.field("backend"), Some("ws_back"));
        assert_eq!(p.field("server"), Some("daphne1"));
        assert_eq!(p.field("request_ms"), Some("60109"));
        assert_eq!(p.field("status"), Some("101"));
        assert_eq!(p.field("termination"), Some("cD--"));
        assert_eq!(p.field("path"), Some("/ws/chat/lobby/"));
        assert_eq!(p.message, HaproxyHttp.example());
    }

    #[test]
    fn a_refused_connect_with_no_server_and_headers_captured() {
        let line = "203.0.113.7:50110 [25/Nov/2026:10:00:01.002] fe~ ws_back/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 2/2/0/0/0 0/0 {app.example.com|Mozilla/5.0} \"GET /ws/notifications/?token=abc HTTP/1.1\"";
        let p = HaproxyHttp.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("server"), Some("<NOSRV>"));
        assert_eq!(p.field("status"), Some("503"));
        assert_eq!(p.field("termination"), Some("SC--"));
        assert_eq!(p.field("path"), Some("/ws/notifications/"));
        assert_eq!(p.field("query"), Some("token=abc"));
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2026-11-25T10:00:01.002+00:00"
        );
    }

    #[test]
    fn an_early_line_keeps_its_accept_date_and_has_no_length() {
        let line = "10.0.0.5:40000 [25/Nov/2026:10:00:01.000] fe be/s1 0/0/0/1/+1 101 +0 - - ---- 1/1/1/1/0 0/0 \"GET /ws/ HTTP/1.1\"";
        let p = HaproxyHttp.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request_ms"), None);
        assert_eq!(p.field("bytes"), Some("0"));
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-11-25T10:00:01+00:00");
    }

    #[test]
    fn a_length_no_session_has_is_no_length_and_no_overflow() {
        let line = "10.0.0.5:40000 [25/Nov/2026:10:00:01.000] fe be/s1 0/0/0/1/9223372036854775807 101 0 - - ---- 1/1/1/1/0 0/0 \"GET /ws/ HTTP/1.1\"";
        let p = HaproxyHttp.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request_ms"), None);
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-11-25T10:00:01+00:00");
    }

    #[test]
    fn other_layouts_are_refused() {
        for line in [
            "127.0.0.1:50398 - - [22/May/2017:11:30:01] \"WSCONNECTING /\" - -",
            "10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] \"GET /ws/ HTTP/1.1\" 101 5 \"-\" \"-\"",
            "10.0.0.5:1 [23/Nov/2026:19:37:50.000] fe be/s1 0/0/0 101 5 - - ---- 1/1/1/1/0 0/0",
            "10.0.0.5:1 [23/Nov/2026:19:37:50.000] fe be/s1 0/0/0/0/5 101 5 - - -- 1/1/1/1/0 0/0",
            "Server ws_back/daphne1 is DOWN, reason: Layer4 connection problem",
        ] {
            assert!(HaproxyHttp.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
