//! Daphne's own access log, and the `runserver` lines of Channels / Daphne's development
//! server. These are the lines that say a WebSocket handshake reached the ASGI server at
//! all, and how it ended, so every field a connection is keyed by is split out here.

use std::borrow::Cow;

use memchr::memchr;

use super::nginx::{clf_datetime, push_client, push_request};
use super::{Format, Layer, Parsed};
use crate::time::{iso_prefix_sep, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&DaphneAccess, &DaphneRunserver]
}

/// Daphne 2+'s access log (`daphne/access.py`), written to stdout for every HTTP request
/// and every WebSocket state change: `WSCONNECTING`, `WSCONNECT`, `WSDISCONNECT`,
/// `WSREJECT`. It looks like nginx's `combined` but has no zone, no referer and no agent.
pub struct DaphneAccess;

/// The console lines of `manage.py runserver` under Channels (and Daphne's own
/// `runserver`): `WebSocket HANDSHAKING|CONNECT|DISCONNECT|REJECT` and
/// `HTTP GET /x 200 [0.01, client]`, dated `[2018/02/05 12:18:07]` by Channels 1.x and
/// `[23/Nov/2026 19:37:49]` or `[2026-11-23 19:37:49,123]` by later versions through
/// Django's server formatter.
pub struct DaphneRunserver;

impl Format for DaphneAccess {
    fn name(&self) -> &'static str {
        "daphne-access"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "127.0.0.1:50398 - - [22/May/2017:11:30:01] \"WSCONNECTING /\" - -"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_access(line, ctx)
    }
}

impl Format for DaphneRunserver {
    fn name(&self) -> &'static str {
        "daphne-runserver"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "[2018/02/05 12:18:07] WebSocket HANDSHAKING /test/ [127.0.0.1:48306]"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_runserver(line, ctx)
    }
}

fn parse_access<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // `host - - [`: Daphne never fills ident or user, so both dashes are literal.
    let sp = memchr(b' ', b)?;
    if sp == 0 || b.get(sp..sp + 6) != Some(b" - - [") {
        return None;
    }
    let ds = sp + 6;
    let (naive, tlen) = clf_datetime(&b[ds..], b':')?;
    let rb = ds + tlen;
    if b.get(rb..rb + 3) != Some(b"] \"") {
        return None;
    }
    let rs = rb + 3;
    // Daphne does not escape the request, but a path has no raw quote; posted excerpts
    // are cut or spliced right after it, so everything after the quote is optional.
    let re = memchr(b'"', &b[rs..]).map_or(b.len(), |q| rs + q);
    let request = &line[rs..re];

    let mut out = Parsed::new(&line[rs - 1..]);
    out.ts = Some(ctx.complete(naive, 0, None)?);
    let f = &mut out.fields;
    f.reserve(10);
    let client = &line[..sp];
    if client != "-" {
        push_client(f, client);
    }
    push_request(f, request);
    if request.starts_with("WS") {
        if let Some(sp) = memchr(b' ', request.as_bytes()) {
            f.push(("event", Cow::Borrowed(&request[..sp])));
        }
    }
    // ` 200 752`, ` - -`, ` - ` (cut), or nothing (elided).
    let rest = line.get(re + 1..).unwrap_or("");
    let mut toks = rest.split(' ').filter(|t| !t.is_empty());
    if let Some(status) = toks.next().filter(|t| is_number(t)) {
        f.push(("status", Cow::Borrowed(status)));
    }
    if let Some(n) = toks.next().filter(|t| is_number(t)) {
        f.push(("bytes", Cow::Borrowed(n)));
    }
    Some(out)
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn parse_runserver<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // Channels 4's runserver writes its lines through a formatter of the project's own,
    // often without the date (`WebSocket HANDSHAKING /ws/echo/ [172.20.0.1:51624]`).
    if line.starts_with("WebSocket ") || line.starts_with("HTTP ") {
        return runserver_message(line, None);
    }
    if b.len() < 24 || b[0] != b'[' {
        return None;
    }
    // `[2018/02/05 12:18:07]`, `[2026-11-25 10:00:01,123]` (Django's server formatter
    // given no date format: `logging`'s own asctime) or `[23/Nov/2026 19:37:49]`.
    let (naive, len, digits) = match b[5] {
        b'/' | b'-' => {
            let iso = iso_prefix_sep(&b[1..], b[5], false)?;
            (iso.naive, iso.len, iso.digits)
        }
        _ => {
            let (naive, len) = clf_datetime(&b[1..], b' ')?;
            (naive, len, 0)
        }
    };
    let ms = 1 + len + 2;
    if b.get(1 + len..ms) != Some(b"] ") {
        return None;
    }
    runserver_message(&line[ms..], Some(ctx.complete(naive, digits, None)?))
}

/// A runserver line's message (`WebSocket ...`, `HTTP ...`), written at `ts`.
fn runserver_message(msg: &str, ts: Option<crate::record::Timestamp>) -> Option<Parsed<'_>> {
    let mut out = Parsed::new(msg);
    let f = &mut out.fields;
    if let Some(rest) = msg.strip_prefix("WebSocket ") {
        // `HANDSHAKING /test/ [127.0.0.1:48306]`
        let vs = memchr(b' ', rest.as_bytes())?;
        let verb = &rest[..vs];
        if verb.is_empty() || !verb.bytes().all(|c| c.is_ascii_uppercase()) {
            return None;
        }
        let (target, client) = bracket_tail(&rest[vs + 1..])?;
        f.push(("event", Cow::Borrowed(verb)));
        push_target(f, target);
        push_client(f, client);
    } else if let Some(rest) = msg.strip_prefix("HTTP ") {
        // `GET /static/x.js 200 [0.01, 127.0.0.1:48306]`
        let ms = memchr(b' ', rest.as_bytes())?;
        let method = &rest[..ms];
        if method.is_empty() || !method.bytes().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let (mid, inside) = bracket_tail(&rest[ms + 1..])?;
        let ss = mid.rfind(' ')?;
        let status = &mid[ss + 1..];
        if !is_number(status) {
            return None;
        }
        f.push(("method", Cow::Borrowed(method)));
        push_target(f, &mid[..ss]);
        f.push(("status", Cow::Borrowed(status)));
        match inside.split_once(", ") {
            Some((t, client)) => {
                f.push(("request_time", Cow::Borrowed(t)));
                push_client(f, client);
            }
            None => push_client(f, inside),
        }
    } else {
        return None;
    }
    out.ts = ts;
    Some(out)
}

/// Splits `text [inside]` at the last ` [`, which the path cannot be confused with
/// because the bracket closes the line.
fn bracket_tail(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_suffix(']')?;
    let i = inner.rfind(" [")?;
    Some((&inner[..i], &inner[i + 2..]))
}

/// Pushes `path` and `query` of a request target.
fn push_target<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, target: &'a str) {
    match target.split_once('?') {
        Some((p, q)) => {
            f.push(("path", Cow::Borrowed(p)));
            if !q.is_empty() {
                f.push(("query", Cow::Borrowed(q)));
            }
        }
        None => f.push(("path", Cow::Borrowed(target))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn ws_verbs_become_event_and_method() {
        let p = DaphneAccess.parse(DaphneAccess.example(), &ctx()).unwrap();
        assert_eq!(p.field("client"), Some("127.0.0.1:50398"));
        assert_eq!(p.field("client_ip"), Some("127.0.0.1"));
        assert_eq!(p.field("client_port"), Some("50398"));
        assert_eq!(p.field("method"), Some("WSCONNECTING"));
        assert_eq!(p.field("event"), Some("WSCONNECTING"));
        assert_eq!(p.field("path"), Some("/"));
        assert_eq!(p.field("status"), None);
        assert_eq!(p.field("bytes"), None);
        assert_eq!(p.message, "\"WSCONNECTING /\" - -");
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2017-05-22T11:30:01Z");
        assert!(ts.note.contains(TsNote::ZONE));
    }

    #[test]
    fn http_line_has_status_and_bytes() {
        let line = "192.168.16.1:33594 - - [25/Jul/2025:21:41:25] \"GET /api/stats/\" 200 752";
        let p = DaphneAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("method"), Some("GET"));
        assert_eq!(p.field("event"), None);
        assert_eq!(p.field("path"), Some("/api/stats/"));
        assert_eq!(p.field("status"), Some("200"));
        assert_eq!(p.field("bytes"), Some("752"));
    }

    #[test]
    fn cut_and_elided_tails_still_parse() {
        // channels#637: the reporter cut the last `-`.
        let p = DaphneAccess
            .parse(
                "127.0.0.1:50398 - - [22/May/2017:11:30:51] \"WSDISCONNECT /\" - ",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("event"), Some("WSDISCONNECT"));
        // A fix report with ` - -` missing and the path elided.
        let p = DaphneAccess
            .parse(
                "127.0.0.1:58854 - - [09/Sep/2025:09:31:10] \"WSREJECT /ws/chat/...\"",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("event"), Some("WSREJECT"));
        assert_eq!(p.field("path"), Some("/ws/chat/..."));
        // A line spliced with the tail of another.
        let p = DaphneAccess
            .parse(
                "127.0.0.1:13090 - - [05/Jun/2026:21:58:16] \"WSDISCONNECT /ws/chat/undefined/\" - in/js/vendor/jquery/jquery.js\" 404 32269",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("path"), Some("/ws/chat/undefined/"));
        assert_eq!(p.field("status"), None);
        assert_eq!(p.field("bytes"), None);
    }

    #[test]
    fn ipv6_and_port_zero_clients() {
        let p = DaphneAccess
            .parse(
                "[::1]:1234 - - [22/May/2017:11:30:01] \"WSCONNECT /ws/\" - -",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("client_ip"), Some("::1"));
        assert_eq!(p.field("client_port"), Some("1234"));
        let p = DaphneAccess
            .parse(
                "::1:1234 - - [22/May/2017:11:30:01] \"WSCONNECT /ws/\" - -",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("client_ip"), Some("::1"));
        let p = DaphneAccess
            .parse(
                "127.0.0.1:0 - - [22/May/2017:11:30:01] \"WSCONNECT /ws/?token=a\" - -",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("client_port"), Some("0"));
        assert_eq!(p.field("query"), Some("token=a"));
    }

    #[test]
    fn access_rejects_nginx_and_python_lines() {
        for line in [
            "1.2.3.4 - - [03/Aug/2018:14:47:53 +0000] \"GET / HTTP/1.1\" 200 0 \"-\" \"-\"",
            "2025-09-09 09:31:10,275 INFO 🔌 User found in JWT: admin",
            "[2018/02/05 12:18:07] WebSocket HANDSHAKING /test/ [127.0.0.1:48306]",
        ] {
            assert!(DaphneAccess.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn runserver_websocket_lines_from_channels_860() {
        for (line, event) in [
            (
                "[2018/02/05 12:18:07] WebSocket HANDSHAKING /test/ [127.0.0.1:48306]",
                "HANDSHAKING",
            ),
            (
                "[2018/02/05 12:18:07] WebSocket CONNECT /test/ [127.0.0.1:48306]",
                "CONNECT",
            ),
            (
                "[2018/02/05 12:19:33] WebSocket DISCONNECT /test/ [127.0.0.1:48306]",
                "DISCONNECT",
            ),
        ] {
            let p = DaphneRunserver.parse(line, &ctx()).unwrap();
            assert_eq!(p.field("event"), Some(event));
            assert_eq!(p.field("path"), Some("/test/"));
            assert_eq!(p.field("client"), Some("127.0.0.1:48306"));
            assert_eq!(p.field("client_port"), Some("48306"));
            assert!(p.ts.unwrap().note.contains(TsNote::ZONE));
        }
    }

    #[test]
    fn runserver_http_line_and_django_dated_variant() {
        let p = DaphneRunserver
            .parse(
                "[2018/02/05 12:18:07] HTTP GET /static/x.js?v=2 200 [0.01, 127.0.0.1:48306]",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("method"), Some("GET"));
        assert_eq!(p.field("path"), Some("/static/x.js"));
        assert_eq!(p.field("query"), Some("v=2"));
        assert_eq!(p.field("status"), Some("200"));
        assert_eq!(p.field("request_time"), Some("0.01"));
        assert_eq!(p.field("client_ip"), Some("127.0.0.1"));
        let p = DaphneRunserver
            .parse(
                "[23/Nov/2026 19:37:49] WebSocket REJECT /ws/chat/1/ [127.0.0.1:54321]",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("event"), Some("REJECT"));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
        // Django's server formatter without a date format writes logging's asctime.
        let p = DaphneRunserver
            .parse(
                "[2026-11-23 19:37:49,123] WebSocket HANDSHAKING /ws/chat/1/ [127.0.0.1:54321]",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("event"), Some("HANDSHAKING"));
        assert_eq!(p.field("client_port"), Some("54321"));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49.123Z");
    }

    #[test]
    fn runserver_rejects_other_bracketed_lines() {
        for line in [
            "[23/Nov/2026 19:37:49] \"GET / HTTP/1.1\" 200 1234",
            "[2026-11-23 19:37:49,123] INFO [django.channels] msg",
            "[2018/02/05 12:18:07] WebSocket lowercase /x [1.2.3.4:5]",
            "[2018/02/05 12:18:07] HTTP GET /x abc [0.01, 1.2.3.4:5]",
        ] {
            assert!(DaphneRunserver.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let lines = [
            "",
            "-",
            "é - - [",
            "a - - [22/May/2017:11:30:01",
            "a - - [22/May/2017:11:30:01] \"",
            "a - - [22/May/2017:11:30:01] \"é",
            "a - - [22/Mäy/2017:11:30:01] \"WS é\" é é",
            "[2018/02/05 12:18:07] WebSocket ",
            "[2018/02/05 12:18:07] WebSocket X",
            "[2018/02/05 12:18:07] WebSocket X /é [",
            "[2018/02/05 12:18:07] HTTP GET /é 2 [é]",
            "[2018/02/05 12:18:07] HTTP",
            "[23/Nov/2026 19:37:49]",
            "[🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌",
        ];
        for line in lines.iter().chain(&[
            DaphneAccess.example(),
            DaphneRunserver.example(),
            "[2018/02/05 12:18:07] HTTP GET /static/x.js 200 [0.01, 127.0.0.1:48306]",
        ]) {
            for cut in (0..=line.len()).filter(|&c| line.is_char_boundary(c)) {
                let _ = DaphneAccess.parse(&line[..cut], &ctx());
                let _ = DaphneRunserver.parse(&line[..cut], &ctx());
            }
        }
    }
}
