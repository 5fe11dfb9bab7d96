//! AWS Application Load Balancer access logs (the files ALB writes to S3), whose `ws` and
//! `wss` entries are WebSocket connections:
//!
//! ```text
//! wss 2026-11-25T10:01:05.124518Z app/web-lb/50dc6c495c0c9188 203.0.113.7:55012 10.0.1.17:8000 0.001 0.002 0.000 101 101 345 1290
//! "GET https://app.example.com:443/ws/chat/lobby/ HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2
//! arn:aws:elasticloadbalancing:... "Root=1-..." "app.example.com" "arn:aws:acm:..." 0 2026-11-25T10:00:05.120000Z "forward" ...
//! ```
//!
//! For a WebSocket, the entry's `time` is when the connection closed and
//! `request_creation_time` when its request arrived: their difference is the session's
//! length. Like Caddy's and nginx's JSON lines, the record is rewritten in nginx's `main`
//! layout with that length as `rt=` (the request's URL cut to its path), so the access-log
//! parser and the nginx pack read it: a 101 dates its session, a minute's cut is the
//! ALB's default idle timeout, and a 502/503/504 on a WebSocket path is the target down.

use super::nginx::{self, MainLine};
use super::{Format, Layer, Parsed};
use crate::time::{iso_prefix, TimeCtx, LONGEST_SESSION_MS};

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&AlbAccess]
}

/// One entry of an Application Load Balancer's access log.
pub struct AlbAccess;

impl Format for AlbAccess {
    fn name(&self) -> &'static str {
        "alb-access"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "wss 2026-11-25T10:01:05.124518Z app/web-lb/50dc6c495c0c9188 203.0.113.7:55012 10.0.1.17:8000 0.001 0.002 0.000 101 101 345 1290 \"GET https://app.example.com:443/ws/chat/lobby/ HTTP/1.1\" \"Mozilla/5.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\" \"app.example.com\" \"arn:aws:acm:eu-west-1:123456789012:certificate/12345678\" 0 2026-11-25T10:00:05.120000Z \"forward\" \"-\" \"-\" \"10.0.1.17:8000\" \"101\" \"-\" \"-\""
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_entry(line, ctx)
    }
    /// An ALB's log is a whole file of its entries (the objects it writes to S3): read
    /// where detection finds it, not tried on every line another envelope did not take
    /// (5 M instructions over the benchmark corpus's nginx log).
    fn fallback(&self) -> bool {
        false
    }
}

/// The entry's fields: words, or quoted strings without their quotes (ALB writes a
/// quote inside one as `\"`, which is kept).
fn fields(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && !(b[j] == b'"' && b[j - 1] != b'\\') {
                j += 1;
            }
            out.push(&line[i + 1..j.min(b.len())]);
            i = j + 1;
        } else {
            let j = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |k| i + k);
            out.push(&line[i..j]);
            i = j;
        }
    }
    out
}

/// `GET https://host:443/ws/chat/?x=1 HTTP/1.1` with its URL cut to the path.
fn request_with_path(request: &str) -> Option<String> {
    let (method, rest) = request.split_once(' ')?;
    let (url, proto) = rest.rsplit_once(' ')?;
    let path = match url.find("://") {
        Some(s) => url[s + 3..].find('/').map_or("/", |p| &url[s + 3 + p..]),
        None => url,
    };
    path.starts_with('/')
        .then(|| format!("{method} {path} {proto}"))
}

fn parse_entry<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    // The entry type first: the one word that refuses every other layout at once.
    let kind = &line[..memchr::memchr(b' ', line.as_bytes())?];
    if !matches!(kind, "http" | "https" | "h2" | "grpcs" | "ws" | "wss") {
        return None;
    }
    let f = fields(line);
    if f.len() < 14 || !f[2].starts_with("app/") {
        return None;
    }
    let closed = zulu(f[1], ctx)?;
    let status = f[8];
    if status.len() != 3 || !nginx::all_digits(status) {
        return None;
    }
    let request = request_with_path(f[12])?;
    let client = f[3].rsplit_once(':').map_or(f[3], |(ip, _)| ip);
    // A WebSocket's length: from the request's arrival to the close.
    let length = f
        .get(21)
        .and_then(|c| zulu(c, ctx))
        .map(|began| (closed.utc - began.utc).num_milliseconds())
        .filter(|ms| (0..=LONGEST_SESSION_MS).contains(ms))
        .map(|ms| format!("{}.{:03}", ms / 1000, ms % 1000));
    let ts = super::nginx_json::to_the_second(closed)?;
    let message = MainLine {
        client,
        user: "-",
        ts,
        request: &request,
        status,
        bytes: Some(f[11]).filter(|b| nginx::all_digits(b)).unwrap_or("0"),
        referer: "-",
        agent: f[13],
        forwarded: None,
        request_time: length.as_deref(),
        upstream_time: None,
        request_id: None,
    }
    .write();
    let mut p = Parsed::new(message);
    p.ts = Some(ts);
    p.program = Some(kind.into());
    Some(p)
}

/// `2026-11-25T10:01:05.124518Z`.
fn zulu(s: &str, ctx: &TimeCtx) -> Option<crate::record::Timestamp> {
    let t = iso_prefix(s.as_bytes(), false)?;
    (t.len == s.len() && t.offset.is_some()).then_some(())?;
    ctx.complete(t.naive, t.digits, t.offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::nginx::NginxAccess;

    fn ctx() -> TimeCtx {
        TimeCtx::fixed(2026, 11, 25, 12)
    }

    #[test]
    fn a_websocket_entry_reads_as_nginxs_with_its_length_and_path() {
        let p = AlbAccess.parse(AlbAccess.example(), &ctx()).unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-11-25T10:01:05+00:00");
        let a = NginxAccess
            .parse(&p.message, &ctx())
            .expect("an access line");
        assert_eq!(a.field("client"), Some("203.0.113.7"));
        assert_eq!(a.field("path"), Some("/ws/chat/lobby/"));
        assert_eq!(a.field("status"), Some("101"));
        assert_eq!(a.field("request_time"), Some("60.004"));
        assert_eq!(a.field("user_agent"), Some("Mozilla/5.0"));
    }

    #[test]
    fn a_target_that_did_not_answer_is_the_albs_502_without_a_length_if_none_is_written() {
        let line = "ws 2026-11-25T10:02:03.500000Z app/web-lb/50dc6c495c0c9188 198.51.100.4:41000 - -1 -1 -1 502 - 120 272 \"GET http://app.example.com:80/ws/chat/lobby/ HTTP/1.1\" \"Mozilla/5.0\" - - - \"Root=1-5\" \"-\" \"-\" 0";
        let p = AlbAccess.parse(line, &ctx()).unwrap();
        let a = NginxAccess.parse(&p.message, &ctx()).unwrap();
        assert_eq!(a.field("status"), Some("502"));
        assert_eq!(a.field("path"), Some("/ws/chat/lobby/"));
        assert_eq!(a.field("request_time"), None);
    }

    #[test]
    fn other_layouts_are_refused() {
        for line in [
            "http 2026-11-25 10:00:00 nothing else",
            "ws 2026-11-25T10:02:03.500000Z classic-lb 1.2.3.4:5 - -1 -1 -1 502 - 0 0 \"GET / HTTP/1.1\" \"-\"",
            "https://example.com is up",
        ] {
            assert!(AlbAccess.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
