//! Envoy's access log in its default text format, and Istio's (a sidecar's `istio-proxy`
//! log, the ingress gateway's), which adds fields to it:
//!
//! ```text
//! [2026-11-25T10:00:05.120Z] "GET /ws/chat/ HTTP/1.1" 101 - via_upstream - "-" 0 1290 60004 2 "203.0.113.7" "Mozilla/5.0" ...
//! [start time]               request                  status flags (Istio: details, termination, "failure")
//!                                                       bytes received, sent, duration ms, upstream ms, "x-forwarded-for" ...
//! ```
//!
//! Envoy writes the line when the stream ends, and the duration is the stream's length:
//! for a WebSocket, how long it lived. The time written is the stream's *start*, so the
//! record's time is that plus the duration, the moment the line was written, as for
//! nginx's line. The response flags say why a stream ended badly: `SI` its idle timeout,
//! `UF` / `UH` no connection to a healthy upstream, `UT` no answer in time, `UC` / `DC`
//! the upstream or the client closed it. The `envoy` pack reads them; the message is the
//! line as written.
//!
//! An application layout, so that the lines are read inside `docker logs -t`, `docker
//! compose logs` or `kubectl logs --prefix` too, where a sidecar's log mostly comes from;
//! `nginx-custom`, which would read a file of them as `101 -`, a status and its bytes
//! (no flags, no duration), refuses them.

use std::borrow::Cow;

use memchr::memchr;

use super::{Format, Layer, Parsed};
use crate::time::{after_ms, iso_prefix, TimeCtx};

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&EnvoyAccess]
}

/// One line of Envoy's (or Istio's) default access log.
pub struct EnvoyAccess;

impl Format for EnvoyAccess {
    fn name(&self) -> &'static str {
        "envoy-access"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "[2026-11-25T10:00:05.120Z] \"GET /ws/chat/lobby/ HTTP/1.1\" 101 - via_upstream - \"-\" 0 1290 60004 2 \"203.0.113.7\" \"Mozilla/5.0\" \"84961386-6d84-929d-98bd-c5aee93b5c88\" \"app.example.com\" \"10.44.1.27:8000\""
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_access(line, ctx)
    }
}

/// A response flag list: `-`, or codes of capitals joined by commas (`UF,URX`).
fn is_flags(w: &str) -> bool {
    w == "-"
        || !w.is_empty()
            && w.split(',')
                .all(|f| (1..=4).contains(&f.len()) && f.bytes().all(|c| c.is_ascii_uppercase()))
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|c| c.is_ascii_digit())
}

fn parse_access<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let t = iso_prefix(&b[1..], false)?;
    let close = 1 + t.len;
    if b.get(close..close + 3) != Some(b"] \"") {
        return None;
    }
    let rs = close + 3;
    let re = rs + memchr(b'"', &b[rs..])?;
    let request = &line[rs..re];
    let mut words = line.get(re + 1..)?.split(' ').filter(|w| !w.is_empty());
    let status = words.next()?;
    let flags = words.next()?;
    if !is_number(status) || !is_flags(flags) {
        return None;
    }
    // Bytes received, bytes sent and the duration: the first three numbers in a row
    // after the flags (Istio writes its details, a termination and a quoted failure
    // reason between them).
    let rest: Vec<&str> = words.take(12).collect();
    let at = rest
        .windows(3)
        .position(|w| w.iter().all(|x| is_number(x)))?;
    let (received, sent, duration) = (rest[at], rest[at + 1], rest[at + 2]);

    let start = ctx.complete(t.naive, t.digits, t.offset)?;
    let mut out = Parsed::new(line);
    let end = duration.parse().ok().and_then(|ms| after_ms(start, ms));
    out.ts = Some(end.unwrap_or(start));
    let f = &mut out.fields;
    super::nginx::push_request(f, request);
    f.push(("status", Cow::Borrowed(status)));
    f.push(("flags", Cow::Borrowed(flags)));
    f.push(("bytes_received", Cow::Borrowed(received)));
    f.push(("bytes", Cow::Borrowed(sent)));
    if end.is_some() {
        f.push(("request_ms", Cow::Borrowed(duration)));
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
    fn istios_line_is_timed_at_its_end_with_its_flags_and_duration() {
        let p = EnvoyAccess.parse(EnvoyAccess.example(), &ctx()).unwrap();
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2026-11-25T10:01:05.124+00:00"
        );
        assert_eq!(p.field("path"), Some("/ws/chat/lobby/"));
        assert_eq!(p.field("status"), Some("101"));
        assert_eq!(p.field("flags"), Some("-"));
        assert_eq!(p.field("bytes"), Some("1290"));
        assert_eq!(p.field("request_ms"), Some("60004"));
        assert_eq!(p.message, EnvoyAccess.example());
    }

    #[test]
    fn envoys_own_default_layout_has_its_numbers_right_after_the_flags() {
        let line = "[2016-04-15T20:17:00.310Z] \"GET /ws/notifications/ HTTP/1.1\" 101 SI 154 0 300001 100 \"10.0.35.28\" \"nsq2http\" \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\" \"tcp://10.0.2.1:80\"";
        let p = EnvoyAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("flags"), Some("SI"));
        assert_eq!(p.field("request_ms"), Some("300001"));
        let line = "[2026-11-25T10:02:03.500Z] \"GET /ws/chat/ HTTP/1.1\" 503 UF,URX upstream_reset_before_response_started{connection_failure} - \"-\" 0 91 2 - \"198.51.100.4\" \"Mozilla/5.0\"";
        let p = EnvoyAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("flags"), Some("UF,URX"));
        assert_eq!(p.field("request_ms"), Some("2"));
    }

    #[test]
    fn a_duration_no_stream_has_is_no_length_and_no_overflow() {
        let line = "[2026-11-25T10:00:05.120Z] \"GET /ws/ HTTP/1.1\" 101 - 0 12 99999999999999999 2 \"203.0.113.7\"";
        let p = EnvoyAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request_ms"), None);
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2026-11-25T10:00:05.120+00:00"
        );
    }

    #[test]
    fn other_bracketed_layouts_are_refused() {
        for line in [
            "[2026-11-25T10:00:05+00:00] \"GET /ws/ HTTP/1.1\" 101 512 \"-\" \"Mozilla/5.0\" 3.005",
            "[2020-04-27 19:55:13.187][6][debug][upstream] [source/common/upstream/upstream_impl.cc:275] transport socket match",
            "[2026-11-25 10:00:05,120] INFO \"GET /ws/ HTTP/1.1\" 101 - done",
        ] {
            assert!(EnvoyAccess.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
