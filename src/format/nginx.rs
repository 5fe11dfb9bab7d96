//! nginx's access log (`combined`, `main` and their common extensions) and its error log.
//!
//! nginx sits in front of every stack logweave reads, and its access log is the largest
//! input by far, so both parsers here are hand-written byte scanners that borrow every
//! field from the line. The request-line and client splitters at the bottom are shared
//! with the Daphne and uvicorn layouts, which write the same pieces in other wrappers.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use memchr::memchr;

use super::{Format, Layer, Parsed};
use crate::record::{Level, Timestamp, TsNote};
use crate::time::{digits, hms, iso_prefix_sep, offset, with_offset, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&NginxAccess, &NginxError]
}

/// nginx `access_log` in the `combined` layout, or `main` (combined plus
/// `"$http_x_forwarded_for"`), with whatever a config appends after them: `key=value`
/// timings (`rt=0.123 urt="0.001"`) or a bare `$request_time`. Gunicorn's default
/// access log has the same shape and is read by it too.
pub struct NginxAccess;

/// nginx `error_log`: `2017/01/21 09:24:56 [error] 1111#1111: *380 message, client: ...`.
/// The `*N` connection number is what ties an error to the other lines of one proxied
/// connection.
pub struct NginxError;

impl Format for NginxAccess {
    fn name(&self) -> &'static str {
        "nginx-access"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "XXX.XXX.XXX.XXX - - [03/Aug/2018:14:47:53 +0000] \"GET /ws/49256-197598 HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0 (iPhone; CPU iPhone OS 11_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/11.0 Mobile/15E148 Safari/604.1\""
    }
    // The zone is always written: no context needed.
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_access(line, true)
    }
    fn parse_basics<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_access(line, false)
    }
}

impl Format for NginxError {
    fn name(&self) -> &'static str {
        "nginx-error"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "2017/01/21 09:24:56 [error] 1111#1111: *380 upstream prematurely closed connection while reading response header from upstream, client: 92.204.120.84, server: test.myservice.com, request: \"GET /ws/?EIO=3&transport=websocket&sid=wWcj59i1CJFRcbGJAAAp HTTP/1.1\", upstream: \"http://10.42.239.185:8080/ws/?EIO=3&transport=websocket&sid=wWcj59i1CJFRcbGJAAAp\", host: \"test.myservice.com\""
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_error(line, ctx)
    }
}

// ---------------------------------------------------------------------------------------
// access log

/// Reads an access line; without `fields` only what decides whether it is one, its time
/// and its message, for [`Format::parse_basics`].
fn parse_access(line: &str, fields: bool) -> Option<Parsed<'_>> {
    let b = line.as_bytes();
    // `$remote_addr - $remote_user [`: the ` - ` right after the first word rejects
    // almost every other layout before any real work. A config may put `$host` (or
    // `$host:$server_port`) first, as Apache's `vhost_combined` does: then the address
    // is the second word.
    let mut a0 = 0;
    let mut sp = memchr(b' ', b)?;
    if sp == 0 {
        return None;
    }
    // `$http_x_forwarded_for` first, as some configs write it: a list of addresses
    // (`203.0.113.5, 10.0.0.1 - - [`), the client's first.
    let listed = |sp: usize| b[sp - 1] == b',' && b.get(sp + 1).is_some_and(|&c| c != b' ');
    let first_end = if listed(sp) { sp - 1 } else { sp };
    while listed(sp) {
        sp = sp + 1 + memchr(b' ', &b[sp + 1..])?;
    }
    if b.get(sp + 1..sp + 3) != Some(b"- ") {
        a0 = sp + 1;
        sp = a0 + memchr(b' ', &b[a0..])?;
        let host = &b[..a0 - 1];
        if sp == a0
            || b.get(sp + 1..sp + 3) != Some(b"- ")
            || !host
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || b".-_:[]".contains(&c))
        {
            return None;
        }
    }
    let lb = sp + 3 + memchr(b'[', &b[sp + 3..])?;
    if lb < sp + 5 || b[lb - 1] != b' ' {
        return None;
    }
    // `[03/Aug/2018:14:47:53 +0000] "`: nginx always writes the zone, which is what tells
    // it apart from Daphne's otherwise identical access line.
    let (ts, tlen) = clf_zoned(&b[lb + 1..])?;
    let rb = lb + 1 + tlen;
    if b.get(rb..rb + 3) != Some(b"] \"") {
        return None;
    }
    let rs = rb + 3;
    // The request ends at the quote followed by ` <status>`; nginx escapes quotes inside
    // variables as `\x22`, but a quote followed by a digit is the only safe anchor when a
    // config uses `escape=none`.
    let mut re = None;
    for q in memchr::memchr_iter(b'"', &b[rs..]) {
        let q = rs + q;
        if b.get(q + 1) == Some(&b' ') && b.get(q + 2).is_some_and(u8::is_ascii_digit) {
            re = Some(q);
            break;
        }
    }
    let re = re?;
    let mut p = re + 2;
    let status_end = p + b[p..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.get(status_end).is_some_and(|&c| c != b' ') {
        return None;
    }
    let status = &line[p..status_end];
    p = status_end;
    let mut bytes_sent = None;
    if b.get(p) == Some(&b' ') {
        let s = p + 1;
        let e = s + b[s..].iter().take_while(|&&c| c != b' ').count();
        if e > s {
            bytes_sent = Some(&line[s..e]);
            p = e;
        }
    }

    let mut out = Parsed::new(&line[rs - 1..]);
    out.ts = Some(ts);
    // Nothing below can reject the line: what follows only splits it into fields.
    if !fields {
        return Some(out);
    }
    let f = &mut out.fields;
    f.reserve(14);
    if a0 > 0 {
        f.push(("vhost", Cow::Borrowed(&line[..a0 - 1])));
    }
    let addr = &line[a0..if a0 == 0 { first_end } else { sp }];
    f.push(("client", Cow::Borrowed(addr)));
    f.push(("client_ip", Cow::Borrowed(addr)));
    if a0 == 0 && first_end < sp {
        f.push(("x_forwarded_for", Cow::Borrowed(&line[..sp])));
    }
    let user = &line[sp + 3..lb - 1];
    if user != "-" {
        f.push(("remote_user", Cow::Borrowed(user)));
    }
    push_request(f, &line[rs..re]);
    f.push(("status", Cow::Borrowed(status)));
    if let Some(n) = bytes_sent {
        f.push(("bytes", Cow::Borrowed(n)));
    }

    // `"$http_referer" "$http_user_agent"` and `main`'s `"$http_x_forwarded_for"`.
    for name in ["referer", "user_agent", "x_forwarded_for"] {
        if b.get(p..p + 2) != Some(b" \"") {
            break;
        }
        let Some(e) = quoted_end(b, p + 2) else { break };
        let v = &line[p + 2..e];
        if v != "-" {
            f.push((name, Cow::Borrowed(v)));
        }
        p = e + 1;
    }
    let rest = line[p..].trim_matches(' ');
    if !rest.is_empty() {
        push_extra(f, rest);
    }
    Some(out)
}

/// The index of the quote closing a string that starts at `from`: the first `"` followed
/// by a space or the end of the line.
fn quoted_end(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr_iter(b'"', b.get(from..)?)
        .map(|q| from + q)
        .find(|&q| matches!(b.get(q + 1), None | Some(b' ')))
}

/// Reads what a config appended after the standard fields: `key=value` pairs (values
/// maybe quoted) and bare numbers, of which the first is `$request_time` by convention.
fn push_extra<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, rest: &'a str) {
    let b = rest.as_bytes();
    let mut i = 0;
    let mut request_time = None;
    let mut upstream = None;
    let mut tokens = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let mut eq = None;
        let mut quoted = false;
        while i < b.len() && (quoted || b[i] != b' ') {
            match b[i] {
                b'"' => quoted = !quoted,
                b'=' if eq.is_none() && !quoted => eq = Some(i),
                _ => {}
            }
            i += 1;
        }
        tokens += 1;
        let tok = &rest[start..i];
        match eq {
            Some(e) => {
                let v = rest[e + 1..i].trim_matches('"');
                match &rest[start..e] {
                    "rt" | "request_time" => request_time = request_time.or(Some(v)),
                    "urt" | "upstream_response_time" => upstream = upstream.or(Some(v)),
                    _ => {}
                }
            }
            None if request_time.is_none() && is_decimal(tok) => request_time = Some(tok),
            None => {}
        }
    }
    if let Some(v) = request_time {
        f.push(("request_time", Cow::Borrowed(v)));
    }
    if let Some(v) = upstream {
        f.push(("upstream_response_time", Cow::Borrowed(v)));
    }
    // A lone `$request_time` is fully understood; anything more is kept verbatim.
    if !(tokens == 1 && request_time == Some(rest)) {
        f.push(("extra", Cow::Borrowed(rest)));
    }
}

/// `60.001`, `0`, `.5`: what nginx writes for a time variable.
/// A number with a fraction, as nginx writes `$request_time` (`35.012`): an integer before
/// it is another variable (ingress-nginx's `$request_length`).
fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().all(|&c| c.is_ascii_digit() || c == b'.')
        && b.iter().filter(|&&c| c == b'.').count() == 1
        && b.first().is_some_and(u8::is_ascii_digit)
        && b.last().is_some_and(u8::is_ascii_digit)
}

// ---------------------------------------------------------------------------------------
// error log

fn parse_error<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // A line pasted without its date (`[error] 368292#368292: *611 connect() failed ...`)
    // is still nginx's by its `[level] pid#tid: `, with nginx's own level words.
    let (lb, iso) = if b.first() == Some(&b'[') {
        (0, None)
    } else {
        if b.len() < 24 || b[4] != b'/' || b[19] != b' ' || b[20] != b'[' {
            return None;
        }
        let iso = iso_prefix_sep(b, b'/', false)?;
        if iso.len != 19 {
            return None;
        }
        (20, Some(iso))
    };
    let le = lb + 1 + memchr(b']', &b[lb + 1..b.len().min(lb + 12)])?;
    if iso.is_none()
        && !matches!(
            &line[lb + 1..le],
            "debug" | "info" | "notice" | "warn" | "error" | "crit" | "alert" | "emerg"
        )
    {
        return None;
    }
    let level = Level::parse(&line[lb + 1..le])?;
    // `] 1111#1111: `
    if b.get(le + 1) != Some(&b' ') {
        return None;
    }
    let ps = le + 2;
    let pe = ps + b[ps..].iter().take_while(|c| c.is_ascii_digit()).count();
    if pe == ps || b.get(pe) != Some(&b'#') {
        return None;
    }
    let ts_ = pe + 1;
    let te = ts_ + b[ts_..].iter().take_while(|c| c.is_ascii_digit()).count();
    if te == ts_ || b.get(te) != Some(&b':') {
        return None;
    }
    let pid = line[ps..pe].parse().ok();
    let mut p = te + 1;
    if b.get(p) == Some(&b' ') {
        p += 1;
    }
    let mut conn = None;
    if b.get(p) == Some(&b'*') {
        let cs = p + 1;
        let ce = cs + b[cs..].iter().take_while(|c| c.is_ascii_digit()).count();
        if ce > cs && matches!(b.get(ce), None | Some(b' ')) {
            conn = Some(&line[cs..ce]);
            p = (ce + 1).min(b.len());
        }
    }
    let body = &line[p..];
    // The context nginx appends always starts with the client; everything before it is
    // the message, which may itself contain `, ` freely.
    let (message, pairs) = match memchr::memmem::find(body.as_bytes(), b", client: ") {
        Some(i) => (&body[..i], Some(&body[i..])),
        None => (body, None),
    };

    let mut out = Parsed::new(message);
    out.ts = match iso {
        Some(iso) => Some(ctx.complete(iso.naive, 0, None)?),
        None => None,
    };
    out.level = Some(level);
    out.pid = pid;
    let f = &mut out.fields;
    f.push(("tid", Cow::Borrowed(&line[ts_..te])));
    if let Some(c) = conn {
        f.push(("conn", Cow::Borrowed(c)));
    }
    if let Some(pairs) = pairs {
        push_error_pairs(f, pairs);
    }
    Some(out)
}

/// The keys nginx's http, stream and mail modules append to an error line.
fn error_key(k: &str) -> Option<&'static str> {
    Some(match k {
        "client" => "client",
        "server" => "server",
        "request" => "request",
        "subrequest" => "subrequest",
        "upstream" => "upstream",
        "host" => "host",
        "referrer" => "referrer",
        "login" => "login",
        "port" => "port",
        _ => return None,
    })
}

/// Whether `b` starts with `, key: ` for a lowercase key: the boundary between two pairs.
fn at_pair(b: &[u8]) -> bool {
    if b.len() < 5 || b[0] != b',' || b[1] != b' ' {
        return false;
    }
    let k = b[2..]
        .iter()
        .take_while(|c| c.is_ascii_lowercase() || **c == b'_')
        .count();
    k > 0 && b.get(2 + k..4 + k) == Some(b": ")
}

/// Splits `, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1", ...` into fields.
/// Quoted values may contain `, `; a value ends only where the next pair begins.
fn push_error_pairs<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, s: &'a str) {
    let b = s.as_bytes();
    let mut p = 0;
    while at_pair(&b[p..]) {
        let ks = p + 2;
        let ke = ks + memchr(b':', &b[ks..]).unwrap_or(0);
        let Some(key) = error_key(&s[ks..ke]) else {
            // An unknown key: keep the rest as it is rather than guess its shape.
            f.push(("extra", Cow::Borrowed(&s[ks..])));
            return;
        };
        let vs = ke + 2;
        let (value, next) = if b.get(vs) == Some(&b'"') {
            // The closing quote is the one before the next pair; failing that (the stream
            // module's `, bytes from/to client:0/0` is no pair), the first before a comma.
            let quotes = || memchr::memchr_iter(b'"', &b[vs + 1..]).map(|q| vs + 1 + q);
            let end = quotes()
                .find(|&q| q + 1 == b.len() || at_pair(&b[q + 1..]))
                .or_else(|| quotes().find(|&q| b.get(q + 1) == Some(&b',')));
            match end {
                Some(q) => (&s[vs + 1..q], q + 1),
                None => (&s[vs + 1..], b.len()),
            }
        } else {
            let mut e = vs;
            loop {
                match memchr(b',', &b[e..]) {
                    Some(c) if at_pair(&b[e + c..]) => {
                        e += c;
                        break;
                    }
                    Some(c) => e += c + 1,
                    None => {
                        e = b.len();
                        break;
                    }
                }
            }
            (&s[vs..e], e)
        };
        f.push((key, Cow::Borrowed(value)));
        if key == "client" {
            f.push(("client_ip", Cow::Borrowed(value)));
        }
        if key == "request" {
            push_request_parts(f, value);
        }
        p = next;
    }
    if p < b.len() {
        let rest = &s[p..];
        f.push((
            "extra",
            Cow::Borrowed(rest.strip_prefix(", ").unwrap_or(rest)),
        ));
    }
}

// ---------------------------------------------------------------------------------------
// shared by the access-log layouts of nginx, Daphne, uvicorn and Django

/// An HTTP request line split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RequestLine<'a> {
    /// `GET`, `WSCONNECTING`, `WebSocket`: whatever word the server put first.
    pub method: &'a str,
    /// The target up to `?`.
    pub path: &'a str,
    /// The target after `?`, when there is one.
    pub query: Option<&'a str>,
    /// `HTTP/1.1`, when written.
    pub protocol: Option<&'a str>,
}

/// An access record to be written in nginx's `main` layout, then its timings: what the
/// access-log parser and the nginx pack read. The envelopes that hold an access record
/// in another shape (`nginx-json`, `nginx-custom`) rewrite it so.
pub(crate) struct MainLine<'a> {
    pub client: &'a str,
    pub user: &'a str,
    pub ts: Timestamp,
    pub request: &'a str,
    pub status: &'a str,
    pub bytes: &'a str,
    pub referer: &'a str,
    pub agent: &'a str,
    /// `$http_x_forwarded_for`, quoted after the user agent as `main` writes it.
    pub forwarded: Option<&'a str>,
    /// `$request_time`, written `rt=`.
    pub request_time: Option<&'a str>,
    /// `$upstream_response_time`, written `urt="..."`.
    pub upstream_time: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

impl MainLine<'_> {
    /// The line; quotes inside quoted values are written `\x22`, as nginx does.
    pub(crate) fn write(&self) -> String {
        use std::fmt::Write;
        let q = |s: &str| s.replace('"', "\\x22");
        let mut out = format!(
            "{} - {} [{}] \"{}\" {} {} \"{}\" \"{}\"",
            self.client,
            self.user,
            self.ts.utc.format("%d/%b/%Y:%H:%M:%S +0000"),
            q(self.request),
            self.status,
            self.bytes,
            q(self.referer),
            q(self.agent),
        );
        if let Some(f) = self.forwarded {
            let _ = write!(out, " \"{}\"", q(f));
        }
        if let Some(t) = self.request_time {
            let _ = write!(out, " rt={t}");
        }
        if let Some(t) = self.upstream_time {
            let _ = write!(out, " urt=\"{t}\"");
        }
        if let Some(id) = self.request_id {
            let _ = write!(out, " request_id={id}");
        }
        out
    }
}

/// Digits only, at least one.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Splits `GET /ws/?token=x HTTP/1.1` (or `WSCONNECTING /ws/`, `GET /x`). `None` for what
/// a scanner or a TLS client sends to a plain-HTTP port (`-`, `\x16\x03\x01...`).
pub(crate) fn split_request(req: &str) -> Option<RequestLine<'_>> {
    let b = req.as_bytes();
    let sp = memchr(b' ', b)?;
    if sp == 0 || sp > 32 || !b[..sp].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let rest = &req[sp + 1..];
    let (target, protocol) = match rest.rfind(' ') {
        Some(i) if rest[i + 1..].starts_with("HTTP/") => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if target.is_empty() {
        return None;
    }
    let (path, query) = match memchr(b'?', target.as_bytes()) {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    Some(RequestLine {
        method: &req[..sp],
        path,
        query,
        protocol,
    })
}

/// Pushes `method`, `path`, `query` and `protocol` for a request line that splits.
pub(crate) fn push_request_parts<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, req: &'a str) {
    if let Some(r) = split_request(req) {
        f.push(("method", Cow::Borrowed(r.method)));
        f.push(("path", Cow::Borrowed(r.path)));
        if let Some(q) = r.query.filter(|q| !q.is_empty()) {
            f.push(("query", Cow::Borrowed(q)));
        }
        if let Some(p) = r.protocol {
            f.push(("protocol", Cow::Borrowed(p)));
        }
    }
}

/// Pushes the raw `request` and, when it splits, its parts.
pub(crate) fn push_request<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, req: &'a str) {
    f.push(("request", Cow::Borrowed(req)));
    push_request_parts(f, req);
}

/// Pushes `client`, `client_ip` and `client_port` for a peer written as `ip:port`,
/// `[v6]:port` or, as Daphne and uvicorn do, `v6:port` without brackets. A port of 0
/// (Daphne behind a proxy) is kept: deciding it is no key is correlation's job.
pub(crate) fn push_client<'a>(f: &mut Vec<(&'static str, Cow<'a, str>)>, client: &'a str) {
    f.push(("client", Cow::Borrowed(client)));
    let b = client.as_bytes();
    let Some(c) = memchr::memrchr(b':', b) else {
        f.push(("client_ip", Cow::Borrowed(client)));
        return;
    };
    let port = &client[c + 1..];
    if port.is_empty() || !port.bytes().all(|d| d.is_ascii_digit()) {
        f.push(("client_ip", Cow::Borrowed(client)));
        return;
    }
    let ip = &client[..c];
    let ip = match (ip.strip_prefix('['), ip.strip_suffix(']')) {
        (Some(_), Some(_)) if ip.len() >= 2 => &ip[1..ip.len() - 1],
        _ => ip,
    };
    f.push(("client_ip", Cow::Borrowed(ip)));
    f.push(("client_port", Cow::Borrowed(port)));
}

/// Reads the common-log date `03/Aug/2018:14:47:53` (`sep` = `:`) or Django's
/// `23/Nov/2026 19:37:49` (`sep` = ` `) at the start of `b`, returning the time and the
/// bytes used. Month names are English in nginx, but Python's `%b` follows the locale.
pub(crate) fn clf_datetime(b: &[u8], sep: u8) -> Option<(NaiveDateTime, usize)> {
    if b.len() < 20 || b[2] != b'/' {
        return None;
    }
    let d = digits(b, 2)?;
    let me = 3 + memchr(b'/', &b[3..b.len().min(16)])?;
    let m = month_bytes(&b[3..me])?;
    let y = digits(&b[me + 1..], 4)? as i32;
    let t = me + 5;
    if b.get(t) != Some(&sep) {
        return None;
    }
    let (h, mi, s) = hms(b.get(t + 1..)?)?;
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let time = NaiveTime::from_hms_opt(h, mi, s.min(59))?;
    Some((date.and_time(time), t + 9))
}

/// The longest `dd/Mon/yyyy:hh:mm:ss +zz:zz` [`clf_zoned`] remembers (a month name may be
/// longer than three bytes).
const CLF_MAX: usize = 40;

thread_local! {
    /// The last time [`clf_zoned`] read: an access log's consecutive lines mostly share
    /// their second.
    static LAST_CLF: crate::time::Last<(Timestamp, usize), CLF_MAX> =
        const { std::cell::Cell::new(None) };
}

/// `03/Aug/2018:14:47:53 +0000` (a full numeric zone) at the start of `b`: its instant
/// and length. What is read depends on those bytes alone (each reader stops at the
/// first byte it does not take, within them), so it is [`crate::time::remembered`].
pub(crate) fn clf_zoned(b: &[u8]) -> Option<(Timestamp, usize)> {
    crate::time::remembered(&LAST_CLF, b, |b| {
        let (naive, tlen) = clf_datetime(b, b':')?;
        if b.get(tlen) != Some(&b' ') {
            return None;
        }
        let (off, olen) = offset(&b[tlen + 1..])?;
        if olen < 5 {
            return None;
        }
        let len = tlen + 1 + olen;
        Some(((with_offset(naive, off, 0, TsNote::NONE)?, len), len))
    })
}

/// A month abbreviation: the English ones by a byte compare, others through
/// [`crate::time::month`].
fn month_bytes(b: &[u8]) -> Option<u32> {
    if b.len() == 3 {
        let m = match [b[0] | 0x20, b[1] | 0x20, b[2] | 0x20] {
            [b'j', b'a', b'n'] => 1,
            [b'f', b'e', b'b'] => 2,
            [b'm', b'a', b'r'] => 3,
            [b'a', b'p', b'r'] => 4,
            [b'm', b'a', b'y'] => 5,
            [b'j', b'u', b'n'] => 6,
            [b'j', b'u', b'l'] => 7,
            [b'a', b'u', b'g'] => 8,
            [b's', b'e', b'p'] => 9,
            [b'o', b'c', b't'] => 10,
            [b'n', b'o', b'v'] => 11,
            [b'd', b'e', b'c'] => 12,
            _ => 0,
        };
        if m != 0 {
            return Some(m);
        }
    }
    crate::time::month(std::str::from_utf8(b).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_times_read_in_turn_are_each_read_as_without_the_last_one() {
        // The last time read is remembered: each one here must still get what the
        // readers make of it, whatever was read before it.
        let uncached = |s: &str| {
            let b = s.as_bytes();
            let (naive, tlen) = clf_datetime(b, b':')?;
            if b.get(tlen) != Some(&b' ') {
                return None;
            }
            let (off, olen) = offset(&b[tlen + 1..])?;
            (olen >= 5).then_some(())?;
            Some((with_offset(naive, off, 0, TsNote::NONE)?, tlen + 1 + olen))
        };
        for s in [
            "23/Nov/2026:08:00:00 +0000] \"GET",
            "23/Nov/2026:08:00:00 +0000] \"POST",
            "23/Nov/2026:08:00:00 +00001] x",
            "23/Nov/2026:08:00:00 +0100] x",
            "23/Nov/2026:08:00:00 +01:00] x",
            "23/Nov/2026:08:00:00 +01:00] x",
            "23/Nov/2026:08:00:00 +01] x",
            "23/Nov/2026:08:00:00 +0000",
            "23/Nov/2026:08:00:00 Z] x",
            "23/Nov/2026:08:00:01 -0500] x",
            "30/Feb/2026:08:00:01 -0500] x",
            "23/nov/2026:08:00:01 -0500] x",
            "23/Nov/2026 08:00:01 -0500] x",
        ] {
            assert_eq!(clf_zoned(s.as_bytes()), uncached(s), "{s}");
        }
    }

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn combined_line_with_redacted_client_splits_request_and_keeps_zone() {
        let line = NginxAccess.example();
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("client"), Some("XXX.XXX.XXX.XXX"));
        assert_eq!(p.field("client_ip"), Some("XXX.XXX.XXX.XXX"));
        assert_eq!(p.field("method"), Some("GET"));
        assert_eq!(p.field("path"), Some("/ws/49256-197598"));
        assert_eq!(p.field("query"), None);
        assert_eq!(p.field("protocol"), Some("HTTP/1.1"));
        assert_eq!(p.field("status"), Some("499"));
        assert_eq!(p.field("bytes"), Some("0"));
        assert_eq!(p.field("referer"), None, "`-` is no referer");
        assert!(p
            .field("user_agent")
            .unwrap()
            .starts_with("Mozilla/5.0 (iPhone"));
        assert_eq!(p.field("extra"), None);
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2018-08-03T14:47:53Z");
        assert_eq!(ts.note, TsNote::NONE);
        assert!(p.message.starts_with("\"GET /ws/49256-197598"));
        assert_eq!(p.level, None);
    }

    #[test]
    fn main_layout_with_forwarded_for_and_bare_request_time() {
        let line = "10.0.0.5 - alice [23/Nov/2026:19:37:49 +0100] \"GET /ws/chat/1/?token=abc HTTP/1.1\" 101 153 \"https://example.com/chat/\" \"Mozilla/5.0\" \"203.0.113.9\" 60.001";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("remote_user"), Some("alice"));
        assert_eq!(p.field("path"), Some("/ws/chat/1/"));
        assert_eq!(p.field("query"), Some("token=abc"));
        assert_eq!(p.field("status"), Some("101"));
        assert_eq!(p.field("referer"), Some("https://example.com/chat/"));
        assert_eq!(p.field("x_forwarded_for"), Some("203.0.113.9"));
        assert_eq!(p.field("request_time"), Some("60.001"));
        assert_eq!(p.field("extra"), None);
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T18:37:49Z");
    }

    #[test]
    fn ingress_nginx_request_length_is_not_taken_for_request_time() {
        // ingress-nginx's `upstreaminfo` writes `$request_length $request_time`: the
        // integer came first and was read as a 612-second request.
        let line = "10.244.1.1 - - [20/Jun/2024:19:40:15 +0000] \"GET /ws/chat/42/ HTTP/1.1\" 101 92 \"-\" \"Mozilla/5.0\" 612 35.012 [default-chat-daphne-8000] [] 10.244.1.16:8000 0 35.011 101 bd3e9f0a1b2c3d4e5f60718293a4b5c6";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request_time"), Some("35.012"));
    }

    #[test]
    fn key_value_timings_after_user_agent() {
        let line = "2001:db8::1 - - [23/Nov/2026:19:37:49 +0000] \"GET /ws/ HTTP/1.1\" 101 0 \"-\" \"curl/8.0\" rt=0.123 uct=\"0.000\" uht=\"0.001\" urt=\"0.001, 0.002\"";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("client_ip"), Some("2001:db8::1"));
        assert_eq!(p.field("request_time"), Some("0.123"));
        assert_eq!(p.field("upstream_response_time"), Some("0.001, 0.002"));
        assert_eq!(
            p.field("extra"),
            Some("rt=0.123 uct=\"0.000\" uht=\"0.001\" urt=\"0.001, 0.002\"")
        );
        let line = "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\" request_time=60.001";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request_time"), Some("60.001"));
    }

    #[test]
    fn malformed_requests_keep_raw_text() {
        let line = "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"\\x16\\x03\\x01\\x00\\xA5\\x01\" 400 157 \"-\" \"-\"";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request"), Some("\\x16\\x03\\x01\\x00\\xA5\\x01"));
        assert_eq!(p.field("method"), None);
        assert_eq!(p.field("status"), Some("400"));
        let line = "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"-\" 408 0 \"-\" \"-\"";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("request"), Some("-"));
        assert_eq!(p.field("path"), None);
    }

    #[test]
    fn common_layout_without_referer_and_agent() {
        let line = "127.0.0.1 - - [23/Nov/2026:19:37:49 +0000] \"GET / HTTP/1.0\" 200 612";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("bytes"), Some("612"));
        assert_eq!(p.field("user_agent"), None);
    }

    #[test]
    fn a_host_written_before_the_address_is_the_vhost() {
        for (line, vhost) in [
            ("example.com:443 203.0.113.9 - - [25/Nov/2026:10:00:03 +0000] \"GET /ws/chat/3/ HTTP/1.1\" 504 167 \"-\" \"curl/8.0\"", "example.com:443"),
            ("localhost 127.0.0.1 - - [25/Nov/2026:10:00:03 +0000] \"GET /ws/ HTTP/1.1\" 101 0 \"-\" \"-\" 3.001", "localhost"),
        ] {
            let p = NginxAccess.parse(line, &ctx()).unwrap();
            assert_eq!(p.field("vhost"), Some(vhost));
            assert_eq!(p.field("client_ip"), p.field("client"));
            assert!(p.field("client_ip").unwrap().contains(".0."), "{line}");
            assert!(p.field("path").unwrap().starts_with("/ws/"));
        }
        // Two words before ` - ` that are not a host: not an access line.
        let odd = "oh \"no\" 10.0.0.1 - - [25/Nov/2026:10:00:03 +0000] \"GET / HTTP/1.1\" 200 1";
        assert!(NginxAccess.parse(odd, &ctx()).is_none());
    }

    #[test]
    fn a_forwarded_for_list_written_first_is_read_and_its_first_address_is_the_client() {
        // `log_format ... '$http_x_forwarded_for - $remote_user [$time_local] ...'`: behind
        // two proxies the first word is a list, and the line was not an access line.
        let line = "203.0.113.5, 10.0.0.1 - - [12/Mar/2025:05:50:01 +0000] \"GET /ws/chat/42/ HTTP/1.1\" 101 3120 \"-\" \"Mozilla/5.0\" 60.003";
        let p = NginxAccess.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("client_ip"), Some("203.0.113.5"));
        assert_eq!(p.field("x_forwarded_for"), Some("203.0.113.5, 10.0.0.1"));
        assert_eq!(p.field("request_time"), Some("60.003"));
        let three = "198.51.100.7, 203.0.113.5, 10.0.0.1 - - [12/Mar/2025:05:50:01 +0000] \"GET /ws/ HTTP/1.1\" 101 0";
        let p = NginxAccess.parse(three, &ctx()).unwrap();
        assert_eq!(p.field("client_ip"), Some("198.51.100.7"));
        // A comma that ends the line's first word before no other word is no list.
        assert!(NginxAccess.parse("a,  - - [x", &ctx()).is_none());
    }

    #[test]
    fn access_rejects_daphne_and_other_layouts() {
        for line in [
            "127.0.0.1:50398 - - [22/May/2017:11:30:01] \"WSCONNECTING /\" - -",
            "2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.x open",
            "INFO:     127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]",
            NginxError.example(),
        ] {
            assert!(NginxAccess.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn error_line_splits_context_pairs() {
        let p = NginxError.parse(NginxError.example(), &ctx()).unwrap();
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.pid, Some(1111));
        assert_eq!(p.field("tid"), Some("1111"));
        assert_eq!(p.field("conn"), Some("380"));
        assert_eq!(
            p.message,
            "upstream prematurely closed connection while reading response header from upstream"
        );
        assert_eq!(p.field("client"), Some("92.204.120.84"));
        assert_eq!(p.field("client_ip"), Some("92.204.120.84"));
        assert_eq!(p.field("server"), Some("test.myservice.com"));
        assert_eq!(
            p.field("request"),
            Some("GET /ws/?EIO=3&transport=websocket&sid=wWcj59i1CJFRcbGJAAAp HTTP/1.1")
        );
        assert_eq!(p.field("method"), Some("GET"));
        assert_eq!(p.field("path"), Some("/ws/"));
        assert_eq!(
            p.field("query"),
            Some("EIO=3&transport=websocket&sid=wWcj59i1CJFRcbGJAAAp")
        );
        assert_eq!(
            p.field("upstream"),
            Some(
                "http://10.42.239.185:8080/ws/?EIO=3&transport=websocket&sid=wWcj59i1CJFRcbGJAAAp"
            )
        );
        assert_eq!(p.field("host"), Some("test.myservice.com"));
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2017-01-21T09:24:56Z");
        assert!(ts.note.contains(TsNote::ZONE));
    }

    #[test]
    fn error_line_from_compose_with_unexpanded_server_variable() {
        let line = "2024/09/24 13:40:46 [error] 28#28: *51 connect() failed (111: Connection refused) while connecting to upstream, client: 172.19.0.5, server: $virtual_host, request: \"GET /websocket?version=17.0-1 HTTP/1.1\", upstream: \"http://127.0.0.1:8072/websocket?version=17.0-1\", host: \"erp.odoocker.test\"";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(
            p.message,
            "connect() failed (111: Connection refused) while connecting to upstream"
        );
        assert_eq!(p.field("server"), Some("$virtual_host"));
        assert_eq!(p.field("path"), Some("/websocket"));
        assert_eq!(p.field("query"), Some("version=17.0-1"));
        assert_eq!(p.field("host"), Some("erp.odoocker.test"));
    }

    #[test]
    fn an_error_line_pasted_without_its_date_is_still_nginxs() {
        // notify_push#144: the reporter cut the dates; the lines were read as Python
        // logging's `[LEVEL] msg`, and no nginx pattern ran on them.
        let line = "[error] 368292#368292: *611 connect() failed (111: Connection refused) while connecting to upstream, client: 109.43.49.225, server: server, request: \"GET /push/ws HTTP/1.1\", upstream: \"http://127.0.0.1:7867/ws\", host: \"host\"";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(p.ts, None);
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.pid, Some(368292));
        assert_eq!(p.field("conn"), Some("611"));
        assert_eq!(p.field("path"), Some("/push/ws"));
        // Only nginx's own level words, and its `pid#tid: `.
        for line in [
            "[ERROR] 368292#368292: *611 connect() failed",
            "[warning] 368292#368292: *611 x",
            "[error] daphne.server: Exception inside application",
            "[error] 368292: *611 connect() failed",
        ] {
            assert!(NginxError.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn error_warn_level_and_quoted_values_with_commas() {
        let line = "2017/01/21 09:24:56 [warn] 1111#1111: *380 upstream server temporarily disabled while reading response header from upstream, client: 92.204.120.84, server: test.myservice.com, request: \"GET /a, b HTTP/1.1\", host: \"x\", referrer: \"https://x/?a=1, client: 2\"";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.field("request"), Some("GET /a, b HTTP/1.1"));
        assert_eq!(p.field("path"), Some("/a, b"));
        assert_eq!(p.field("referrer"), Some("https://x/?a=1, client: 2"));
    }

    #[test]
    fn error_stream_module_byte_counts_are_kept_as_extra() {
        let line = "2024/01/01 00:00:00 [error] 7#7: *12 upstream timed out (110: Connection timed out) while proxying and reading from upstream, client: 1.2.3.4, server: 0.0.0.0:443, upstream: \"10.0.0.1:443\", bytes from/to client:517/0, bytes from/to upstream:0/517";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("upstream"), Some("10.0.0.1:443"));
        assert_eq!(
            p.field("extra"),
            Some("bytes from/to client:517/0, bytes from/to upstream:0/517")
        );
    }

    #[test]
    fn error_startup_line_without_connection_number() {
        let line = "2024/01/01 00:00:00 [notice] 1#1: signal process started";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(p.level, Some(Level::Notice));
        assert_eq!(p.field("conn"), None);
        assert_eq!(p.message, "signal process started");
        let line = "2024/01/01 00:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)";
        assert_eq!(
            NginxError.parse(line, &ctx()).unwrap().level,
            Some(Level::Emergency)
        );
    }

    #[test]
    fn error_unknown_context_key_is_kept_raw() {
        let line = "2024/01/01 00:00:00 [info] 1#1: *3 client closed connection, client: 1.2.3.4, server: 0.0.0.0:443, foo: bar, host: \"x\"";
        let p = NginxError.parse(line, &ctx()).unwrap();
        assert_eq!(p.field("server"), Some("0.0.0.0:443"));
        assert_eq!(p.field("extra"), Some("foo: bar, host: \"x\""));
    }

    #[test]
    fn error_rejects_go_log_and_others() {
        for line in [
            "2020/01/26 03:17:29 provider.go:117: Defaulting client-id",
            "[2018/02/05 12:18:07] WebSocket HANDSHAKING /test/ [127.0.0.1:48306]",
            "2017/01/21 09:24:56 [bogus] 1#1: x",
            NginxAccess.example(),
        ] {
            assert!(NginxError.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn request_line_splits() {
        assert_eq!(
            split_request("WSCONNECTING /ws/?a=1"),
            Some(RequestLine {
                method: "WSCONNECTING",
                path: "/ws/",
                query: Some("a=1"),
                protocol: None
            })
        );
        assert_eq!(split_request("-"), None);
        assert_eq!(split_request("GET "), None);
        assert_eq!(split_request("G3T /"), None);
    }

    #[test]
    fn client_forms_split_into_ip_and_port() {
        let mut f = Vec::new();
        push_client(&mut f, "[::1]:1234");
        push_client(&mut f, "::1:1234");
        push_client(&mut f, "127.0.0.1:0");
        let ips: Vec<_> = f.iter().filter(|(k, _)| *k == "client_ip").collect();
        assert_eq!(ips[0].1, "::1");
        assert_eq!(ips[1].1, "::1");
        assert_eq!(ips[2].1, "127.0.0.1");
        let ports: Vec<_> = f.iter().filter(|(k, _)| *k == "client_port").collect();
        assert_eq!(ports.len(), 3);
        assert_eq!(ports[2].1, "0");
    }

    #[test]
    fn garbage_never_panics() {
        let lines = [
            "",
            " ",
            "-",
            "a - ",
            "a - [",
            "a - - [03/Aug/2018:14:47:53 +0000",
            "a - - [03/Aug/2018:14:47:53 +0000] \"",
            "a - - [03/Aug/2018:14:47:53 +0000] \"GET / HTTP/1.1\" 2",
            "a - - [03/Aug/2018:14:47:53 +0000] \"GET / HTTP/1.1\" 200 1 \"",
            "a - - [03/Aug/2018:14:47:53 +0000] \"GET / HTTP/1.1\" 200 1 \"é\" \"ü",
            "a - - [03/Mär/2018:14:47:53 +0000] \"GET / HTTP/1.1\" 200 1 \"é\" \"ü\" x=\"",
            "é - - [ü",
            "2017/01/21 09:24:56 [",
            "2017/01/21 09:24:56 [error]",
            "2017/01/21 09:24:56 [error] 1#",
            "2017/01/21 09:24:56 [error] 1#1:",
            "2017/01/21 09:24:56 [error] 1#1: *",
            "2017/01/21 09:24:56 [error] 1#1: *5",
            "2017/01/21 09:24:56 [error] 1#1: x, client: ",
            "2017/01/21 09:24:56 [error] 1#1: x, client: é, request: \"",
            "2017/01/21 09:24:56 [error] 1#1: x, client: a, request: \"GET",
            "2017/01/21 09:24:56 [érror] 1#1: x",
            "2017/01/21 09:24:56 [error] 1#1: x, client: a, é: b",
            "🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌",
        ];
        for line in lines {
            let _ = NginxAccess.parse(line, &ctx());
            let _ = NginxError.parse(line, &ctx());
            for cut in 0..line.len() {
                if line.is_char_boundary(cut) {
                    let _ = NginxAccess.parse(&line[..cut], &ctx());
                    let _ = NginxError.parse(&line[..cut], &ctx());
                }
            }
        }
        for ex in [NginxAccess.example(), NginxError.example()] {
            for cut in 0..ex.len() {
                let _ = NginxAccess.parse(&ex[..cut], &ctx());
                let _ = NginxError.parse(&ex[..cut], &ctx());
            }
        }
    }

    #[test]
    fn basics_agree_with_the_full_parse_but_for_fields() {
        let lines = [
            NginxAccess.example(),
            "10.0.0.5 - alice [23/Nov/2026:19:37:49 +0100] \"GET /ws/chat/1/?token=abc HTTP/1.1\" 101 153 \"https://example.com/chat/\" \"Mozilla/5.0\" \"203.0.113.9\" 60.001",
            "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"GET /x HTTP/1.1\" 200 12 rt=0.1 urt=\"0.001\"",
            "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"\\x16\\x03\" 400 0",
            "1.2.3.4 - - [23/Nov/2026:19:37:49] \"GET / HTTP/1.1\" 200 1",
            "1.2.3.4 - - [31/Feb/2026:19:37:49 +0000] \"GET / HTTP/1.1\" 200 1",
        ];
        for line in lines {
            for cut in (0..=line.len()).filter(|&c| line.is_char_boundary(c)) {
                let text = &line[..cut];
                let full = NginxAccess.parse(text, &ctx()).map(|mut p| {
                    p.fields.clear();
                    p
                });
                assert_eq!(NginxAccess.parse_basics(text, &ctx()), full, "{text:?}");
            }
        }
    }
}
