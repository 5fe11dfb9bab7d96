//! nginx access logs in a `log_format` of the site's own: the fields of `combined` in
//! another order or with some left out (`$remote_addr [$time_local] "$request" $status
//! ...`, `$time_iso8601 $remote_addr "$request" ...`, double spaces between fields).
//!
//! Like [`super::nginx_json`], it is an envelope whose message is the record rewritten in
//! nginx's `main` layout with the timings after it (`rt=`, `request_id=`): the access-log
//! parser and the nginx pack then read it as a `combined` line. It takes only what
//! `combined`'s own parser refuses, and only a line with the three things every such
//! format keeps: a quoted request line (`"GET /ws/ HTTP/1.1"`) followed by the status and
//! the bytes sent, and a time (`[23/Nov/2026:19:37:50 +0000]` or ISO 8601).

use std::borrow::Cow;

use memchr::memmem;

use super::envoy::EnvoyAccess;
use super::nginx::{self, all_digits, NginxAccess};
use super::{Format, Layer, Parsed};
use crate::record::Timestamp;
use crate::time::{iso_prefix, TimeCtx};

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&NginxCustom]
}

/// An nginx access line in a layout of the site's own.
pub struct NginxCustom;

impl Format for NginxCustom {
    fn name(&self) -> &'static str {
        "nginx-custom"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "10.0.0.5 [23/Nov/2026:19:37:50 +0000] \"GET /ws/chat/1/ HTTP/1.1\" 101 1523 60.002"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_custom(line, ctx)
    }
    /// A site's own layout is the whole file's: read where detection finds it.
    fn fallback(&self) -> bool {
        false
    }
}

fn parse_custom<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // Cheap refusals first: this is tried on every line no other envelope took.
    let http = memmem::find(b, b" HTTP/")?;
    if b.first() == Some(&b'{') {
        return None;
    }
    let (q0, q1) = request_quotes(b, http)?;
    // Every line of a `combined` log comes here (it has no envelope): refused by its
    // shape, the access-log parser's, before anything is read; then what that parser
    // takes all the same (`$remote_user` left out of a `combined` head).
    if combined_head(&b[..q0])
        || NginxAccess.parse_basics(line, ctx).is_some()
        || EnvoyAccess.parse(line, ctx).is_some()
    {
        return None;
    }
    let request = &line[q0 + 1..q1];
    let after = &line[q1 + 1..];
    let mut words = after.split(' ').filter(|w| !w.is_empty());
    let status = words.next().filter(|s| s.len() == 3 && all_digits(s))?;
    let bytes = words
        .next()
        .filter(|s| all_digits(s) || *s == "-")
        .map(|s| if s == "-" { "0" } else { s })?;
    let ts = time_of(line, q0, q1, ctx)?;
    // The address alone, as `$remote_addr` in `combined`: the packs compare it so.
    let client = client_of(&line[..q0]).map_or("-", without_port);
    let tail = extras(after);
    let out = nginx::MainLine {
        client,
        user: "-",
        ts,
        request,
        status,
        bytes,
        referer: tail.quoted.first().copied().unwrap_or("-"),
        agent: tail.quoted.get(1).copied().unwrap_or("-"),
        forwarded: tail.quoted.get(2).copied(),
        request_time: tail.request_time,
        upstream_time: None,
        request_id: tail.request_id,
    }
    .write();
    let mut p = Parsed::new(Cow::Owned(out));
    p.ts = Some(ts);
    Some(p)
}

/// The quotes around the request line whose ` HTTP/` is at `http`: `"METHOD target
/// HTTP/1.1"`, the method in capitals.
fn request_quotes(b: &[u8], http: usize) -> Option<(usize, usize)> {
    let q0 = memchr::memrchr(b'"', &b[..http])?;
    let q1 = http + memchr::memchr(b'"', &b[http..])?;
    let req = &b[q0 + 1..q1];
    let sp = memchr::memchr(b' ', req)?;
    // The space before `HTTP/` may be the first one (`"GET HTTP/1.1"`: no target).
    let at = http - q0 - 1;
    if sp >= at {
        return None;
    }
    let method = &req[..sp];
    let target = &req[sp + 1..at];
    (!method.is_empty()
        && method.len() <= 10
        && method.iter().all(u8::is_ascii_uppercase)
        && !target.is_empty()
        && !target.contains(&b' '))
    .then_some((q0, q1))
}

/// `... - $remote_user [$time_local] ` before the request: `combined`'s head (and
/// `vhost_combined`'s), which the access-log parser reads.
fn combined_head(head: &[u8]) -> bool {
    let Some(h) = head.strip_suffix(b"] ") else {
        return false;
    };
    let Some(lb) = memchr::memrchr(b'[', h) else {
        return false;
    };
    let mut words = h[..lb].rsplit(|&c| c == b' ').skip(1);
    let user = words.next().is_some_and(|w| !w.is_empty());
    user && words.next() == Some(b"-".as_slice())
}

/// The line's time, outside the request's quotes: `[dd/Mon/yyyy:hh:mm:ss +zzzz]`
/// (`$time_local`), or ISO 8601 (`$time_iso8601`) at the start or after a space or `[`.
fn time_of(line: &str, q0: usize, q1: usize, ctx: &TimeCtx) -> Option<Timestamp> {
    let b = line.as_bytes();
    let outside = |i: usize| i < q0 || i > q1;
    for i in memchr::memchr_iter(b'[', b).filter(|&i| outside(i)) {
        if let Some((ts, _)) = nginx::clf_zoned(&b[i + 1..]) {
            return Some(ts);
        }
    }
    let starts = std::iter::once(0).chain(
        memchr::memchr2_iter(b' ', b'[', b)
            .filter(|&i| outside(i))
            .map(|i| i + 1),
    );
    for i in starts.filter(|&i| b.get(i).is_some_and(u8::is_ascii_digit)) {
        if let Some(iso) = iso_prefix(&b[i..], false) {
            return ctx.complete(iso.naive, iso.digits, iso.offset);
        }
    }
    None
}

/// The client: the first word before the request that is an address (`10.0.0.5`,
/// `10.0.0.5:51234`, `2001:db8::1`, `[2001:db8::1]:443`), or the value of a `key=` word.
fn client_of(head: &str) -> Option<&str> {
    head.split([' ', '\t'])
        .map(|w| w.split_once('=').map_or(w, |(_, v)| v))
        .map(|w| w.trim_matches(|c| c == '"' || c == ','))
        .find(|w| is_address(w))
}

/// `10.0.0.5` of `10.0.0.5:51234`, `2001:db8::1` of `[2001:db8::1]:443`.
fn without_port(w: &str) -> &str {
    if let Some(r) = w.strip_prefix('[') {
        return r.split_once(']').map_or(r, |(h, _)| h);
    }
    match w.rsplit_once(':') {
        Some((ip, port)) if ip.contains('.') && all_digits(port) => ip,
        _ => w,
    }
}

fn is_address(w: &str) -> bool {
    let host = w
        .strip_prefix('[')
        .and_then(|r| r.split_once(']').map(|(h, _)| h))
        .unwrap_or(w);
    let v4 = {
        let ip = host
            .rsplit_once(':')
            .map_or(host, |(ip, port)| if all_digits(port) { ip } else { host });
        let parts: Vec<&str> = ip.split('.').collect();
        parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && all_digits(p))
    };
    let v6 = host.matches(':').count() >= 2
        && host
            .bytes()
            .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
    v4 || v6
}

/// What follows the status and bytes: quoted strings (referer, user agent, forwarded
/// for), the first `$request_time`-shaped number, and a 32-hex `$request_id`.
struct Extras<'a> {
    quoted: Vec<&'a str>,
    request_time: Option<&'a str>,
    request_id: Option<&'a str>,
}

fn extras(after: &str) -> Extras<'_> {
    let mut out = Extras {
        quoted: Vec::new(),
        request_time: None,
        request_id: None,
    };
    // Skip the status and the bytes.
    let mut rest = after.trim_start();
    for _ in 0..2 {
        rest = rest.split_once(' ').map_or("", |(_, r)| r).trim_start();
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            out.quoted.push(&r[..end]);
            rest = r.get(end + 1..).unwrap_or("").trim_start();
            continue;
        }
        let (w, r) = rest.split_once(' ').unwrap_or((rest, ""));
        rest = r.trim_start();
        let (key, value) = w.split_once('=').unwrap_or(("", w));
        let value = value.trim_matches('"');
        match key {
            "" | "rt" | "request_time" if out.request_time.is_none() && is_time(value) => {
                out.request_time = Some(value)
            }
            "" | "request_id" | "req_id" | "rid"
                if out.request_id.is_none()
                    && value.len() == 32
                    && value.bytes().all(|c| c.is_ascii_hexdigit()) =>
            {
                out.request_id = Some(value)
            }
            _ => {}
        }
    }
    out
}

/// `60.002`: a time as nginx writes it, three digits after the point.
fn is_time(s: &str) -> bool {
    s.split_once('.')
        .is_some_and(|(i, f)| !i.is_empty() && all_digits(i) && f.len() == 3 && all_digits(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeCtx {
        TimeCtx::fixed(2026, 11, 24, 12)
    }

    /// The rewritten line, read back by the access-log parser: (path, status, client,
    /// request_time).
    fn read_back(line: &str) -> (String, String, String, Option<String>) {
        let p = NginxCustom
            .parse(line, &ctx())
            .unwrap_or_else(|| panic!("not read: {line}"));
        let a = NginxAccess
            .parse(&p.message, &ctx())
            .unwrap_or_else(|| panic!("rewritten line not an access line: {}", p.message));
        let f = |k: &str| a.field(k).map(str::to_string);
        (
            f("path").unwrap_or_default(),
            f("status").unwrap_or_default(),
            f("client_ip").unwrap_or_default(),
            f("request_time"),
        )
    }

    #[test]
    fn layouts_of_a_sites_own_are_read_as_combined() {
        for (line, client, rt) in [
            (
                "10.0.0.5 [23/Nov/2026:19:37:50 +0000] \"GET /ws/chat/1/ HTTP/1.1\" 101 1523 60.002",
                "10.0.0.5",
                Some("60.002"),
            ),
            (
                "10.0.0.5 - -  [23/Nov/2026:19:37:50 +0000]  \"GET /ws/chat/1/ HTTP/1.1\"  101  1523  \"-\"  \"Mozilla/5.0\"  60.002",
                "10.0.0.5",
                Some("60.002"),
            ),
            (
                "[23/Nov/2026:19:37:50 +0000] 10.0.0.5 \"GET /ws/chat/1/ HTTP/1.1\" 101 1523 60.002",
                "10.0.0.5",
                Some("60.002"),
            ),
            (
                "2026-11-23T19:37:50+00:00 10.0.0.5 \"GET /ws/chat/1/ HTTP/1.1\" 101 1523 rt=60.002 \"Mozilla/5.0\"",
                "10.0.0.5",
                Some("60.002"),
            ),
            (
                "2026-11-23T19:37:50+00:00 client=10.0.0.5:51234 \"GET /ws/chat/1/?token=abc HTTP/1.1\" 101 -",
                "10.0.0.5",
                None,
            ),
        ] {
            let (path, status, c, t) = read_back(line);
            assert_eq!(path, "/ws/chat/1/", "{line}");
            assert_eq!(status, "101", "{line}");
            assert_eq!(c, client, "{line}");
            assert_eq!(t.as_deref(), rt, "{line}");
        }
    }

    #[test]
    fn the_time_and_the_request_id_are_kept() {
        let line = "2026-11-23T20:37:50+01:00 10.0.0.5 \"GET /ws/ HTTP/1.1\" 502 157 0.001 0123456789abcdef0123456789abcdef";
        let p = NginxCustom.parse(line, &ctx()).unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-11-23T19:37:50+00:00");
        assert!(p
            .message
            .ends_with(" rt=0.001 request_id=0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn lines_combined_reads_or_no_access_line_are_left_alone() {
        for line in [
            // combined itself, and vhost_combined: the access-log parser's.
            "10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] \"GET /ws/ HTTP/1.1\" 101 1523 \"-\" \"ua\"",
            "app.example.com:443 10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] \"GET /ws/ HTTP/1.1\" 101 1523 \"-\" \"ua\"",
            // No time, or no status after the request.
            "INFO:     127.0.0.1:50432 - \"GET /ws/ HTTP/1.1\" 404",
            "10.0.0.5 \"GET /ws/ HTTP/1.1\" 101 1523",
            "[23/Nov/2026:19:37:50 +0000] 10.0.0.5 \"GET /ws/ HTTP/1.1\" upgraded",
            // Django's runserver (its own format), Daphne's access line.
            "[23/Nov/2026 19:37:53] \"GET /ws/chat/ HTTP/1.1\" 404 2345",
            "127.0.0.1:54321 - - [23/Nov/2026:19:37:53] \"WSCONNECTING /ws/\" - -",
            // A quoted request that is prose.
            "2026-11-23T19:37:50+00:00 said \"see the HTTP/1.1 spec\" 200 1",
            "{\"request\":\"GET /ws/ HTTP/1.1\",\"status\":101}",
            // No target between the method and the protocol (a fuzzed line panicked).
            "10.0.0.5 [23/Nov/2026:19:37:50 +0000] \"GET HTTP/1.1\" 101 1523",
        ] {
            assert!(NginxCustom.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
