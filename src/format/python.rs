//! Application layouts of the Python processes in the stack (gunicorn, uvicorn, Twisted,
//! the `logging` module's common layouts), plus two small neighbours that share their
//! log streams in compose files and pods (Go's `log` package, Redis).
//!
//! uvicorn's connection lines (`127.0.0.1:39432 - "WebSocket /ws" [accepted]`,
//! `connection rejected (403 Forbidden)`) appear under several of these layouts, so one
//! reader (`push_uvicorn_access`) splits them wherever they turn up.

use std::borrow::Cow;

use memchr::memchr;

use super::nginx::{clf_datetime, push_client, push_request};
use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::{digits, hms, iso_prefix, iso_prefix_sep, leading_digits, IsoPrefix, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![
        &Gunicorn,
        &Uvicorn,
        &Twisted,
        &PythonLogging,
        &GoLog,
        &Redis,
    ]
}

/// gunicorn's error log: `[2023-06-23 13:08:02 +0000] [14] [INFO] msg`. The pid is the
/// worker's, which differs from the master pid an envelope reports; under
/// `uvicorn.workers.UvicornWorker` the message may be a uvicorn connection line.
pub struct Gunicorn;

/// uvicorn's default formatter: `INFO:     msg`, the level and its colon padded so the
/// message starts in column 10; also Python's `basicConfig` layout
/// `INFO:uvicorn.error:msg` that a second handler often writes alongside.
pub struct Uvicorn;

/// Twisted's log observer (`2017-05-15 08:56:59+0000 [-] Log opened.`), which Daphne 1.x
/// can log through; the bracket names the Twisted "system" (protocol, connection, peer).
pub struct Twisted;

/// The common layouts of Python's `logging` module, as Daphne, Django, Channels and the
/// applications configure them: `%(asctime)s %(levelname)-8s %(message)s`,
/// `asctime - level - name - msg`, `asctime name level msg`, `asctime level name
/// [file:line] msg`, `level asctime msg`, bracketed asctimes, Django's `runserver`
/// request lines, and bare `LEVEL msg` lines whose time was cut off.
pub struct PythonLogging;

/// Go's standard `log` package (`2020/01/26 03:17:29 provider.go:117: msg`), as written
/// by the proxies and sidecars that share a pod or compose file with the stack.
pub struct GoLog;

/// Redis server's log (`1:M 25 Apr 2024 05:32:35.019 # Warning`): the channel layer's
/// backing store, whose restarts explain closed WebSockets.
pub struct Redis;

type Fields<'a> = Vec<(&'static str, Cow<'a, str>)>;

impl Format for Gunicorn {
    fn name(&self) -> &'static str {
        "gunicorn"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "[2023-06-23 13:08:02 +0000] [14] [INFO] ('172.19.0.11', 43088) - \"WebSocket /submission_output/\" 403"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_gunicorn(line, ctx)
    }
}

impl Format for Uvicorn {
    fn name(&self) -> &'static str {
        "uvicorn"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "INFO:     127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]"
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_uvicorn(line)
    }
}

impl Format for Twisted {
    fn name(&self) -> &'static str {
        "twisted"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "2017-05-15 08:56:59+0000 [HTTPChannel,0,127.0.0.1] Unhandled Error"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_twisted(line, ctx)
    }
}

impl Format for PythonLogging {
    fn name(&self) -> &'static str {
        "python-logging"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc open and established"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_logging(line, ctx)
    }
}

impl Format for GoLog {
    fn name(&self) -> &'static str {
        "go-log"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "2020/01/26 03:17:29 provider.go:117: Defaulting client-id to system:serviceaccount:openshift-monitoring:alertmanager-main"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_go(line, ctx)
    }
}

impl Format for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "1:M 25 Apr 2024 05:32:35.019 # Warning: no config file specified, using the default config."
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_redis(line, ctx)
    }
}

// ---------------------------------------------------------------------------------------
// level words and padding

/// The level names Python's `logging` writes (and the few extra that libraries register).
/// Upper case only: a lower-case word at that place is prose, not a level.
fn py_level(w: &[u8]) -> Option<Level> {
    Some(match w {
        b"DEBUG" => Level::Debug,
        b"INFO" => Level::Info,
        b"WARNING" | b"WARN" => Level::Warning,
        b"ERROR" => Level::Error,
        b"CRITICAL" | b"FATAL" => Level::Critical,
        b"TRACE" => Level::Trace,
        b"NOTICE" => Level::Notice,
        _ => return None,
    })
}

/// The five standard names only: for lines that carry nothing but a level, where any
/// looser match would claim ordinary prose.
fn std_level(w: &[u8]) -> Option<Level> {
    match w {
        b"DEBUG" | b"INFO" | b"WARNING" | b"ERROR" | b"CRITICAL" => py_level(w),
        _ => None,
    }
}

/// Where the message starts after a level word at `ls..le` followed by a space. With
/// `%(levelname)-8s %(message)s` the padding fills the column to 8 and one space
/// follows; strip exactly that, so an indented message (a traceback frame) keeps its own
/// indentation. Without padding, strip the one separator.
fn padded_start(b: &[u8], ls: usize, le: usize) -> usize {
    let col = ls + 8;
    if le < col && b.len() > col && b[le..=col].iter().all(|&c| c == b' ') {
        col + 1
    } else {
        (le + 1).min(b.len())
    }
}

/// The end of the word starting at `s` (the next space or the end).
fn word_end(b: &[u8], s: usize) -> usize {
    s + memchr(b' ', &b[s..]).unwrap_or(b.len() - s)
}

/// A logger name as `%(name)s` writes it: dotted identifiers.
fn is_logger(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s[0].is_ascii_alphabetic()
        && s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A logger name that can be told apart from a message's own tag: it has a dot
/// (`django.request`) or is one of the root names of the stack. `[JWTAuthMiddleware]`
/// and `[ChatConsumer]` are tags the pattern packs match on, so they stay in the message.
fn is_qualified_logger(s: &[u8]) -> bool {
    is_logger(s)
        && (memchr(b'.', s).is_some()
            || matches!(
                s,
                b"root"
                    | b"django"
                    | b"daphne"
                    | b"channels"
                    | b"uvicorn"
                    | b"gunicorn"
                    | b"asyncio"
            ))
}

fn timestamp(ctx: &TimeCtx, iso: &IsoPrefix) -> Option<crate::record::Timestamp> {
    ctx.complete(iso.naive, iso.digits, iso.offset)
}

// ---------------------------------------------------------------------------------------
// uvicorn connection lines

/// Splits a uvicorn connection line into fields; returns whether it was one.
///
/// Handles the access line (`127.0.0.1:39432 - "WebSocket /ws/todos" [accepted]`,
/// `('10.5.10.5', 56608) - "WebSocket /asr" 403`, `None - ...`, ` - "GET / HTTP/1.0" 200
/// OK` for a unix socket), TRACE lines (`127.0.0.1:39432 - ASGI [1] Receive {...}`,
/// `... - Connection made`) and `connection open|closed|rejected (403 Forbidden)`.
pub(crate) fn push_uvicorn_access<'a>(f: &mut Fields<'a>, msg: &'a str) -> bool {
    let b = msg.as_bytes();
    if let Some(rest) = msg.strip_prefix("connection ") {
        let (event, reason) = match rest {
            "open" => ("open", None),
            "closed" => ("closed", None),
            _ => {
                let Some(r) = rest.strip_prefix("rejected") else {
                    return false;
                };
                let r = r.trim_start();
                let reason = r.strip_prefix('(').and_then(|r| r.strip_suffix(')'));
                if !r.is_empty() && reason.is_none() {
                    return false;
                }
                ("rejected", reason)
            }
        };
        f.push(("event", Cow::Borrowed(event)));
        if let Some(r) = reason {
            f.push(("reason", Cow::Borrowed(r)));
        }
        return true;
    }
    let Some(dash) = memchr::memmem::find(b, b" - ") else {
        return false;
    };
    let client = &msg[..dash];
    let rest = &msg[dash + 3..];
    let rb = rest.as_bytes();
    // What the client looks like decides whether this is uvicorn's line at all.
    let peer: Option<Cow<'a, str>> = if client.is_empty() || client == "None" {
        None
    } else if let Some(t) = client.strip_prefix("('") {
        // An old uvicorn printing the address tuple: ('10.5.10.5', 56608[, 0, 0]).
        let Some((ip, tail)) = t.split_once("', ") else {
            return false;
        };
        let port_len = tail.bytes().take_while(u8::is_ascii_digit).count();
        if port_len == 0 || !tail.ends_with(')') {
            return false;
        }
        Some(Cow::Owned(format!("{ip}:{}", &tail[..port_len])))
    } else if looks_like_peer(client.as_bytes()) {
        Some(Cow::Borrowed(client))
    } else {
        return false;
    };
    let quoted = rb.first() == Some(&b'"');
    let asgi = rest.strip_prefix("ASGI [");
    if !quoted && asgi.is_none() && peer.is_none() {
        return false;
    }
    match peer {
        Some(Cow::Borrowed(c)) => push_client(f, c),
        Some(Cow::Owned(c)) => {
            // Rare (old uvicorn): the ip and port are re-read from the owned text.
            let (ip, port) = c.rsplit_once(':').unwrap_or((&c, ""));
            let (ip, port) = (ip.to_owned(), port.to_owned());
            f.push(("client", Cow::Owned(c)));
            f.push(("client_ip", Cow::Owned(ip)));
            f.push(("client_port", Cow::Owned(port)));
        }
        None => {}
    }
    if let Some(a) = asgi {
        let n = a.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && a.as_bytes().get(n) == Some(&b']') {
            f.push(("asgi_id", Cow::Borrowed(&a[..n])));
        }
    } else if quoted {
        let body = &rest[1..];
        let (request, after) = match memchr(b'"', body.as_bytes()) {
            Some(q) => (&body[..q], &body[q + 1..]),
            None => (body, ""),
        };
        push_request(f, request);
        let after = after.trim_start();
        if let Some(ev) = after.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
            f.push(("event", Cow::Borrowed(ev)));
        } else {
            let n = after.bytes().take_while(u8::is_ascii_digit).count();
            if n > 0 {
                f.push(("status", Cow::Borrowed(&after[..n])));
            }
        }
    }
    true
}

/// `127.0.0.1:39432`, `::1:8000`, `[::1]:8000`: an address with a numeric port.
fn looks_like_peer(b: &[u8]) -> bool {
    let Some(c) = memchr::memrchr(b':', b) else {
        return false;
    };
    c > 0
        && c + 1 < b.len()
        && b[c + 1..].iter().all(u8::is_ascii_digit)
        && b[..c]
            .iter()
            .all(|&x| x.is_ascii_hexdigit() || matches!(x, b'.' | b':' | b'[' | b']'))
}

// ---------------------------------------------------------------------------------------
// gunicorn

fn parse_gunicorn<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // A journal excerpt can lose the leading `[`; the `] [pid] [LEVEL] ` that follows is
    // distinctive enough on its own.
    let s = match b.first()? {
        b'[' => 1,
        b'0'..=b'9' => 0,
        _ => return None,
    };
    let iso = iso_prefix(&b[s..], true)?;
    let mut p = s + iso.len;
    if b.get(p..p + 3) != Some(b"] [") {
        return None;
    }
    p += 3;
    let pe = p + b[p..].iter().take_while(|c| c.is_ascii_digit()).count();
    if pe == p || b.get(pe..pe + 3) != Some(b"] [") {
        return None;
    }
    let ls = pe + 3;
    let le = ls + memchr(b']', &b[ls..b.len().min(ls + 10)])?;
    let level = Level::parse(&line[ls..le])?;
    let ms = match b.get(le + 1) {
        None => le + 1,
        Some(b' ') => le + 2,
        Some(_) => return None,
    };
    let msg = &line[ms..];
    let mut out = Parsed::new(msg);
    out.ts = Some(timestamp(ctx, &iso)?);
    out.pid = line[p..pe].parse().ok();
    out.level = Some(level);
    push_uvicorn_access(&mut out.fields, msg);
    Some(out)
}

// ---------------------------------------------------------------------------------------
// uvicorn

/// Where uvicorn's message starts after its level prefix (`INFO:     `), which begins at
/// `ls` and whose colon ends before `after`: ten columns after `ls` whatever the level's
/// length, so anything past that column (an empty client's ` - "GET ...`) is the
/// message's own.
fn uvicorn_message_start(b: &[u8], ls: usize, after: usize) -> usize {
    let mut i = after;
    while i < b.len() && i < ls + 10 && b[i] == b' ' {
        i += 1;
    }
    i
}

fn parse_uvicorn(line: &str) -> Option<Parsed<'_>> {
    let b = line.as_bytes();
    if !matches!(b.first()?, b'T' | b'D' | b'I' | b'W' | b'E' | b'C') {
        return None;
    }
    let colon = memchr(b':', &b[..b.len().min(9)])?;
    let level = py_level(&b[..colon])?;
    let after = colon + 1;
    let (msg, logger) = match b.get(after) {
        None | Some(b' ') => (&line[uvicorn_message_start(b, 0, after)..], None),
        Some(_) => {
            // `LEVEL:logger:message` (`logging.basicConfig`).
            let le = after + memchr(b':', &b[after..])?;
            if !is_logger(&b[after..le]) {
                return None;
            }
            (&line[le + 1..], Some(Cow::Borrowed(&line[after..le])))
        }
    };
    let mut out = Parsed::new(msg);
    out.level = Some(level);
    out.logger = logger;
    push_uvicorn_access(&mut out.fields, msg);
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Twisted

fn parse_twisted<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    let iso = iso_prefix(b, true)?;
    // Twisted always writes the zone; Python's asctime never does by default.
    iso.offset?;
    let p = iso.len;
    if b.get(p..p + 2) != Some(b" [") {
        return None;
    }
    let ss = p + 2;
    let se = ss + memchr(b']', &b[ss..])?;
    let ms = match b.get(se + 1) {
        None => se + 1,
        Some(b' ') => se + 2,
        Some(_) => return None,
    };
    let system = &line[ss..se];
    // A level in the bracket (`2019-03-16T05:41:20Z [WARN] msg`, Go's seelog, Python's
    // `%(asctime)s [%(levelname)s]` with a zone) is another layout's, not a system.
    if bracket_level(system.as_bytes()).is_some() {
        return None;
    }
    let mut out = Parsed::new(&line[ms..]);
    out.ts = Some(timestamp(ctx, &iso)?);
    // The new-style logger writes `[namespace#level]`.
    if let Some((_, lvl)) = system.rsplit_once('#') {
        out.level = Level::parse(lvl);
    }
    out.fields.push(("system", Cow::Borrowed(system)));
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Python logging

/// What follows the time in an asctime-first layout.
struct Tail<'a> {
    level: Option<Level>,
    logger: Option<&'a str>,
    source: Option<&'a str>,
    /// `%(process)d`, where the layout writes it after the logger.
    pid: Option<u32>,
    msg: usize,
    layout: &'static str,
}

fn parse_logging<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let (ts, tail) = match *b.first()? {
        b'0'..=b'9' => {
            let Some(iso) = iso_prefix(b, true) else {
                return parse_epoch_first(line);
            };
            // Two times: a viewer's in local time before the line the application wrote
            // (Docker Desktop's log view: `2024-07-29 15:35:41 2024-07-29 13:35:41,580
            // INFO ...`). The application's own time and columns are the record's.
            if let Some(inner) = line.get(iso.len + 1..).filter(|r| {
                b.get(iso.len) == Some(&b' ') && iso_prefix(r.as_bytes(), true).is_some()
            }) {
                if let Some(p) = parse_logging(inner, ctx) {
                    return Some(p);
                }
            }
            let tail = if b.get(iso.len) == Some(&b' ') {
                asctime_tail(line, iso.len + 1).or_else(|| bare_tail(line, iso.len + 1))?
            } else {
                glued_tail(line, iso.len)?
            };
            (Some(timestamp(ctx, &iso)?), tail)
        }
        b'[' => return parse_bracketed(line, ctx),
        b'A'..=b'Z' | b' ' => return parse_level_first(line, ctx),
        b'a'..=b'z' => return parse_name_first(line, ctx),
        _ => return None,
    };
    Some(finish(line, ts, tail))
}

/// The time in seconds since the epoch, then the level: structlog's default
/// `TimeStamper()` with its console renderer (`1690198078.8367748 [critical ] WORKER
/// TIMEOUT (pid:21)        [gunicorn.error]`, authentik's layout until 2023.10). Ten
/// digits and a fraction (2001 to 2286), and a level column after them: a number alone
/// before some text is no time.
fn parse_epoch_first(line: &str) -> Option<Parsed<'_>> {
    let b = line.as_bytes();
    // Ten digits: asked first, as every line of a bare access log (an address) comes
    // this far.
    if b.get(10) != Some(&b'.') || !b[..10].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (ts, n) = crate::time::epoch_word(b, 10)?;
    let tail = asctime_tail(line, n + 1)?;
    Some(finish(line, Some(ts), tail))
}

/// The logger's name first, then the level and the time: `{name} {levelname} {asctime}
/// {message}` (`django.channels.server INFO 2025-04-30 19:54:18,598 WebSocket
/// HANDSHAKING /ws/chat/sync [127.0.0.1:58283]`). Only with all three: a line that
/// starts with a lower-case word is prose otherwise.
fn parse_name_first<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let ne = word_end(b, 0);
    if !is_logger(&b[..ne]) {
        return None;
    }
    let ls = ne + 1;
    let le = word_end(b, ls.min(b.len()));
    let level = py_level(b.get(ls..le)?)?;
    let ts_at = padded_start(b, ls, le);
    let iso = iso_prefix(b.get(ts_at..)?, true)?;
    let e = ts_at + iso.len;
    if !matches!(b.get(e), None | Some(b' ')) {
        return None;
    }
    let ts = Some(timestamp(ctx, &iso)?);
    Some(finish(
        line,
        ts,
        Tail {
            level: Some(level),
            logger: Some(&line[..ne]),
            source: None,
            pid: None,
            msg: e + 1,
            layout: "name-level-asctime",
        },
    ))
}

fn finish<'a>(line: &'a str, ts: Option<crate::record::Timestamp>, tail: Tail<'a>) -> Parsed<'a> {
    let msg = &line[tail.msg.min(line.len())..];
    let mut out = Parsed::new(msg);
    out.ts = ts;
    out.level = tail.level;
    out.logger = tail.logger.map(Cow::Borrowed);
    out.pid = tail.pid;
    out.fields.push(("layout", Cow::Borrowed(tail.layout)));
    if let Some(s) = tail.source {
        out.fields.push(("source", Cow::Borrowed(s)));
    }
    push_uvicorn_access(&mut out.fields, msg);
    out
}

/// Reads the level / logger / source columns that follow an asctime at `s`.
fn asctime_tail(line: &str, s: usize) -> Option<Tail<'_>> {
    let b = line.as_bytes();
    if s >= b.len() {
        return None;
    }
    // `- LEVEL - name - msg`, `- name - LEVEL - msg`, `- LEVEL - msg`
    if b[s..].starts_with(b"- ") {
        let a = s + 2;
        let ae = a + memchr::memmem::find(&b[a..], b" - ")?;
        let bs = ae + 3;
        if let Some(level) = py_level(&b[a..ae]) {
            let next = memchr::memmem::find(&b[bs..], b" - ").map(|k| bs + k);
            return Some(match next {
                Some(be) if is_logger(&b[bs..be]) => Tail {
                    level: Some(level),
                    logger: Some(&line[bs..be]),
                    source: None,
                    pid: None,
                    msg: be + 3,
                    layout: "asctime-level-name",
                },
                _ => Tail {
                    level: Some(level),
                    logger: None,
                    source: None,
                    pid: None,
                    msg: bs,
                    layout: "asctime-level",
                },
            });
        }
        if !is_logger(&b[a..ae]) {
            return None;
        }
        let be = bs + memchr::memmem::find(&b[bs..], b" - ")?;
        let level = py_level(&b[bs..be])?;
        return Some(Tail {
            level: Some(level),
            logger: Some(&line[a..ae]),
            source: None,
            pid: None,
            msg: be + 3,
            layout: "asctime-name-level",
        });
    }
    // loguru's default: `| LEVEL    | name:function:line - msg`
    if b[s..].starts_with(b"| ") {
        return loguru_tail(line, s + 2).or_else(|| piped_tail(line, s + 2));
    }
    // `%(process)d` before the level: `[12345] INFO name: msg`, `12345 INFO msg`.
    if let Some((pid, after)) = pid_column(b, s) {
        if let Some(mut tail) = asctime_tail(line, after) {
            tail.pid = tail.pid.or(Some(pid));
            tail.layout = match tail.layout {
                "asctime-level" => "asctime-pid-level",
                "asctime-level-name" => "asctime-pid-level-name",
                "asctime-level-name-source" => "asctime-pid-level-name-source",
                "asctime-name-level" => "asctime-pid-name-level",
                other => other,
            };
            return Some(tail);
        }
    }
    // `[LEVEL] msg`
    if b[s] == b'[' {
        let e = s + 1 + memchr(b']', &b[s + 1..b.len().min(s + 11)])?;
        let level = bracket_level(&b[s + 1..e])?;
        let ms = if b.get(e + 1) == Some(&b' ') {
            e + 2
        } else {
            e + 1
        };
        // `[ERROR] daphne.server: msg`: the logger columns as after a bare level.
        return Some(Tail {
            level: Some(level),
            ..logger_after_level(line, ms)
        });
    }
    let we = word_end(b, s);
    // uvicorn's level prefix after an asctime (a common uvicorn log config:
    // `%(asctime)s %(levelprefix)s %(message)s`): `INFO:     msg`.
    if we > s + 1 && b[we - 1] == b':' {
        if let Some(level) = py_level(&b[s..we - 1]) {
            return Some(Tail {
                level: Some(level),
                logger: None,
                source: None,
                pid: None,
                msg: uvicorn_message_start(b, s, we),
                layout: "asctime-uvicorn",
            });
        }
    }
    if let Some(level) = py_level(&b[s..we]) {
        if we >= b.len() {
            return Some(Tail {
                level: Some(level),
                logger: None,
                source: None,
                pid: None,
                msg: we,
                layout: "asctime-level",
            });
        }
        // A level column padded to another width than `%(levelname)-8s`'s
        // (`%(levelname)-5s`: `INFO  chat.consumers - msg`): its blanks are the layout's,
        // and a message left starting with them read as the line above's continuation.
        // (Past an 8-wide column, blanks are the message's own: Daphne logs each line of
        // a traceback so, `ERROR      File "..."`.)
        let mut ms = padded_start(b, s, we);
        if ms == we + 1 {
            ms += b[ms..].iter().take(16).take_while(|&&c| c == b' ').count();
        }
        return Some(Tail {
            level: Some(level),
            ..logger_after_level(line, ms)
        });
    }
    // `name LEVEL msg`, the name maybe padded (`%(name)-12s`, the logging cookbook's:
    // `chat         INFO     msg`).
    if we < b.len() && is_logger(&b[s..we]) {
        let ls = we + b[we..].iter().take(64).take_while(|&&c| c == b' ').count();
        let le = word_end(b, ls);
        let level = py_level(&b[ls..le])?;
        return Some(Tail {
            level: Some(level),
            logger: Some(&line[s..we]),
            source: None,
            pid: None,
            msg: if le < b.len() {
                padded_start(b, ls, le)
            } else {
                le
            },
            layout: "asctime-name-level",
        });
    }
    None
}

/// No column between the time and the message, at `s`: `%(asctime)s %(message)s`
/// (`2023-04-12 10:36:44 Check service status: flower -> running`), as many programs and
/// simple logging setups write. Only when no level or logger column was found there, and
/// with a message: before, such lines had no time and were all "unknown".
fn bare_tail(line: &str, s: usize) -> Option<Tail<'_>> {
    let tail = |level, msg, layout| Tail {
        level,
        logger: None,
        source: None,
        pid: None,
        msg,
        layout,
    };
    let rest = line.get(s..)?;
    if rest.trim().is_empty() {
        return None;
    }
    // `%(asctime)s - %(message)s`.
    if let Some(msg) = rest.strip_prefix("- ") {
        return (!msg.trim().is_empty()).then(|| tail(None, s + 2, "asctime-message"));
    }
    // A column this layout would have read (a bracket, a bar, a number: Twisted's `[-]`,
    // loguru's bars, a process id) that did not read is another layout's.
    let we = word_end(rest.as_bytes(), 0);
    let first = &rest[..we];
    if first.is_empty()
        || first.starts_with(['[', '|', '-', '+', '('])
        || first.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    // A short level of another logging library in capitals: supervisord's own `CRIT`,
    // Go's zerolog `ERR`, `WRN`, `INF` (`2021-08-10T13:43:13Z ERR msg`).
    if (3..=5).contains(&first.len())
        && first.bytes().all(|c| c.is_ascii_uppercase())
        && we < rest.len()
    {
        if let Some(level) = Level::parse(first) {
            return Some(tail(Some(level), s + we + 1, "asctime-level"));
        }
    }
    Some(tail(None, s, "asctime-message"))
}

/// A layout that glues its columns with a separator instead of spaces, at `s` just after
/// the asctime: `2021-02-12 06:20:23,642-INFO-uvicorn.error-12::server|63:: msg`
/// (`%(asctime)s-%(levelname)s-%(name)s-...`), `...,642|ERROR|msg`. Only with the level
/// right after the separator: the time and level are read, and the message is the rest
/// after the level's own separator (the logger columns in it, as the layout wrote them).
fn glued_tail(line: &str, s: usize) -> Option<Tail<'_>> {
    let b = line.as_bytes();
    if !matches!(b.get(s)?, b'-' | b'|' | b';' | b':') {
        return None;
    }
    let ls = s + 1;
    let le = ls + b[ls..].iter().position(|c| !c.is_ascii_alphabetic())?;
    let level = std_level(&b[ls..le])?;
    let ms = le + 1 + b[le + 1..].iter().take_while(|&&c| c == b' ').count();
    Some(Tail {
        level: Some(level),
        logger: None,
        source: None,
        pid: None,
        msg: ms.min(b.len()),
        layout: "asctime-glued",
    })
}

/// The rest of a loguru line after its first bar, at `s`: the level padded to 8, a bar,
/// then `module:function:line - ` before the message. loguru's own `SUCCESS` level is
/// an `INFO`.
fn loguru_tail(line: &str, s: usize) -> Option<Tail<'_>> {
    let b = line.as_bytes();
    let le = word_end(b, s);
    let level = match &b[s..le] {
        b"SUCCESS" => Level::Info,
        w => py_level(w)?,
    };
    let bar = le + memchr::memmem::find(&b[le..b.len().min(s + 12)], b" | ")?;
    if !b[le..bar].iter().all(|&c| c == b' ') {
        return None;
    }
    let src = bar + 3;
    let se = src + memchr::memmem::find(&b[src..], b" - ")?;
    let name = &line[src..se];
    // `__main__` too: loguru names the module, not a logger.
    let module = name.split(':').next().filter(|m| {
        !m.is_empty()
            && m.len() <= 128
            && m.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
    })?;
    Some(Tail {
        level: Some(level),
        logger: Some(module),
        source: Some(name),
        pid: None,
        msg: se + 3,
        layout: "loguru",
    })
}

/// Columns split by ` | ` after the asctime, loguru's aside: `%(asctime)s | %(levelname)s |
/// %(name)s | %(message)s` (`| INFO | chat.consumers | WebSocket connected`), or without
/// the name. The level is `s`'s column, maybe padded; a name column is a logger's name.
fn piped_tail(line: &str, s: usize) -> Option<Tail<'_>> {
    let b = line.as_bytes();
    let bar = |from: usize| memchr::memmem::find(&b[from..], b" | ").map(|k| from + k);
    let le = bar(s)?;
    let level = py_level(b[s..le].trim_ascii_end())?;
    let ns = le + 3;
    let (logger, msg) = match bar(ns) {
        Some(ne) if is_logger(b[ns..ne].trim_ascii_end()) => {
            let name = &line[ns..ns + b[ns..ne].trim_ascii_end().len()];
            (Some(name), ne + 3)
        }
        _ => (None, ns),
    };
    Some(Tail {
        level: Some(level),
        logger,
        source: None,
        pid: None,
        msg,
        layout: if logger.is_some() {
            "asctime-level-name-piped"
        } else {
            "asctime-level-piped"
        },
    })
}

/// The logger columns some layouts put between the level and the message:
/// `[django.channels] msg`, `daphne.server [server.py:113] msg`, `django.request: msg`,
/// `chat.consumers 3716 msg` (`%(name)s %(process)d`). The level is the caller's.
fn logger_after_level(line: &str, ms: usize) -> Tail<'_> {
    let b = line.as_bytes();
    let tail = |logger, source, pid, msg, layout| Tail {
        level: None,
        logger,
        source,
        pid,
        msg,
        layout,
    };
    let plain = tail(None, None, None, ms, "asctime-level");
    if ms >= b.len() {
        return plain;
    }
    if b[ms] == b'[' {
        if let Some(e) = memchr(b']', &b[ms + 1..]).map(|e| ms + 1 + e) {
            if b.get(e + 1) == Some(&b' ') && is_qualified_logger(&b[ms + 1..e]) {
                return tail(
                    Some(&line[ms + 1..e]),
                    None,
                    None,
                    e + 2,
                    "asctime-level-name",
                );
            }
        }
        return plain;
    }
    let we = word_end(b, ms);
    if we >= b.len() {
        return plain;
    }
    let name = &b[ms..we];
    // `name [file.py:113] msg`
    if is_logger(name) && b.get(we + 1) == Some(&b'[') {
        let ss = we + 2;
        if let Some(se) = memchr(b']', &b[ss..]).map(|e| ss + e) {
            let src = &b[ss..se];
            let ok = memchr::memrchr(b':', src).is_some_and(|c| {
                c > 0 && c + 1 < src.len() && src[c + 1..].iter().all(u8::is_ascii_digit)
            }) && !src.contains(&b' ');
            if ok {
                let msg = if b.get(se + 1) == Some(&b' ') {
                    se + 2
                } else {
                    se + 1
                };
                return tail(
                    Some(&line[ms..we]),
                    Some(&line[ss..se]),
                    None,
                    msg,
                    "asctime-level-name-source",
                );
            }
        }
    }
    // `chat.consumers 3716 msg`: a dotted logger then a number is `%(name)s
    // %(process)d`, not a message that starts with a word and a count. (A message that
    // starts with a host name and a count, `example.com 3 failed logins`, reads so too.)
    if is_qualified_logger(name) {
        let ps = we + 1;
        let pe = word_end(b, ps);
        if let Some(pid) = pid_word(&b[ps..pe]).filter(|_| pe < b.len()) {
            return tail(
                Some(&line[ms..we]),
                None,
                Some(pid),
                pe + 1,
                "asctime-level-name-pid",
            );
        }
    }
    // `django.request: msg`
    if name.len() > 1
        && name[name.len() - 1] == b':'
        && is_qualified_logger(&name[..name.len() - 1])
    {
        return tail(
            Some(&line[ms..we - 1]),
            None,
            None,
            we + 1,
            "asctime-level-name",
        );
    }
    plain
}

/// A process id column at `s` and where the column after it starts: `[12345] ` or
/// `12345 ` ([`asctime_tail`] reads a level after it, or takes none of it).
fn pid_column(b: &[u8], s: usize) -> Option<(u32, usize)> {
    let (open, from) = match b.get(s)? {
        b'[' => (true, s + 1),
        _ => (false, s),
    };
    let de = from
        + b[from..]
            .iter()
            .take(8)
            .take_while(|c| c.is_ascii_digit())
            .count();
    let pid = pid_word(&b[from..de])?;
    let end = if open {
        (b.get(de) == Some(&b']')).then_some(de + 1)?
    } else {
        de
    };
    (b.get(end) == Some(&b' ')).then_some((pid, end + 1))
}

/// A process id as a layout writes it: 1 to 7 digits, not starting with 0.
fn pid_word(w: &[u8]) -> Option<u32> {
    let (v, n) = leading_digits(w)?;
    (n == w.len() && n <= 7 && w[0] != b'0').then_some(v as u32)
}

/// `[2026-11-23 19:37:49,123] INFO [django.channels] msg`,
/// `[2026-11-23 19:37:49] ERROR django.request: msg`, and Django's `runserver`
/// `[23/Nov/2026 19:37:49] "GET / HTTP/1.1" 200 1234`.
fn parse_bracketed<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    if b.get(1)?.is_ascii_lowercase() {
        return parse_bracketed_level(line);
    }
    if b[1].is_ascii_uppercase() {
        return parse_bracketed_level_logger(line, ctx);
    }
    if !b.get(1)?.is_ascii_digit() {
        return None;
    }
    if b.get(3) == Some(&b'/') {
        let (naive, len) = clf_datetime(&b[1..], b' ')?;
        let e = 1 + len;
        if b.get(e) != Some(&b']') {
            return None;
        }
        let ms = if b.get(e + 1) == Some(&b' ') {
            e + 2
        } else {
            e + 1
        };
        let ts = Some(ctx.complete(naive, 0, None)?);
        // `[23/Nov/2026 19:37:49] ERROR [daphne.server] msg`: Django's date format in a
        // layout of the application's own, with a level after it.
        let we = word_end(b, ms);
        if let Some(level) = py_level(&b[ms..we]).filter(|_| we < b.len()) {
            let tail = logger_after_level(line, padded_start(b, ms, we));
            let tail = Tail {
                level: Some(level),
                layout: "bracket-date-level",
                ..tail
            };
            return Some(finish(line, ts, tail));
        }
        let msg = &line[ms..];
        let mut out = Parsed::new(msg);
        out.ts = ts;
        out.fields.push(("layout", Cow::Borrowed("django-server")));
        push_django_request(&mut out.fields, msg);
        return Some(out);
    }
    let iso = iso_prefix(&b[1..], true)?;
    let e = 1 + iso.len;
    if b.get(e) != Some(&b']') {
        return None;
    }
    let ts = Some(timestamp(ctx, &iso)?);
    if b.get(e + 1) != Some(&b' ') {
        return None;
    }
    let mut tail = asctime_tail(line, e + 2).or_else(|| bare_tail(line, e + 2))?;
    // `[asctime] [pid] [LEVEL]` is gunicorn's own layout, its format's to read.
    if tail.layout.starts_with("asctime-pid") {
        return None;
    }
    tail.layout = "bracket-asctime";
    Some(finish(line, ts, tail))
}

/// A level in brackets: `ERROR`, or structlog's lower case padded to nine (`error    `).
fn bracket_level(w: &[u8]) -> Option<Level> {
    let end = w.iter().rposition(|&c| c != b' ')? + 1;
    let word = &w[..end];
    if let Some(level) = py_level(word) {
        return Some(level);
    }
    // Lower case written out (`error`, not `e`): a one-letter tag is no level.
    if word.len() < 4 || !word.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    Level::parse(std::str::from_utf8(word).ok()?)
}

/// structlog's console renderer after its time (which an envelope took): the level in
/// lower case padded inside brackets, `[error    ] msg [logger] key=value`.
fn parse_bracketed_level(line: &str) -> Option<Parsed<'_>> {
    let b = line.as_bytes();
    let close = 1 + memchr(b']', &b[1..b.len().min(12)])?;
    let level = bracket_level(&b[1..close])?;
    if b.get(close + 1) != Some(&b' ') {
        return None;
    }
    let msg = line[close + 1..].trim_start_matches(' ');
    let mut out = Parsed::new(msg);
    out.level = Some(level);
    out.fields.push(("layout", Cow::Borrowed("bracket-level")));
    push_uvicorn_access(&mut out.fields, msg);
    Some(out)
}

/// `[%(levelname)s][%(name)s] %(message)s`, a layout without a time (an envelope's, or
/// none): `[WARNING][daphne.server] Application instance ... was killed.` Without the
/// logger (`[INFO] msg`), [`parse_bracketed_level`]'s; with a time after the level,
/// inside the brackets or after them, [`bracketed_level_asctime`]'s.
fn parse_bracketed_level_logger<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let Some(close) = memchr(b']', &b[1..b.len().min(12)]).map(|e| 1 + e) else {
        return bracketed_level_asctime(line, ctx);
    };
    let level = py_level(&b[1..close])?;
    let rest = &b[close + 1..];
    if rest.first() != Some(&b'[') {
        return bracketed_level_asctime(line, ctx).or_else(|| parse_bracketed_level(line));
    }
    let e = memchr(b']', rest)?;
    if !is_logger(&rest[1..e]) || rest.get(e + 1) != Some(&b' ') {
        return None;
    }
    let (logger, ms) = (Some(&line[close + 2..close + 1 + e]), close + 1 + e + 2);
    let msg = &line[ms.min(line.len())..];
    let mut out = Parsed::new(msg);
    out.level = Some(level);
    out.logger = logger.map(Cow::Borrowed);
    out.fields
        .push(("layout", Cow::Borrowed("bracket-level-name")));
    push_uvicorn_access(&mut out.fields, msg);
    Some(out)
}

/// The level in brackets with the time after it: `[INFO] 2024-03-01 10:00:03,567
/// daphne.server: msg` (`[%(levelname)s] %(asctime)s ...`, the columns after the time as
/// [`logger_after_level`] reads them), or inside them with a name after it: `[INFO
/// 2017-05-15 08:10:37,567 MainProcess] msg` (`[%(levelname)s %(asctime)s
/// %(processName)s]`, or a logger's name).
fn bracketed_level_asctime<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let we = 1 + b[1..]
        .iter()
        .take(10)
        .position(|&c| c == b' ' || c == b']')?;
    let level = py_level(&b[1..we])?;
    let inside = b[we] == b' ';
    let at = if inside { we + 1 } else { we + 2 };
    if !inside && b.get(we + 1) != Some(&b' ') {
        return None;
    }
    let iso = iso_prefix(b.get(at..)?, true)?;
    let te = at + iso.len;
    let ts = Some(timestamp(ctx, &iso)?);
    let mut tail = if inside {
        // The rest of the brackets: `]`, or ` name]`.
        let close = te + memchr(b']', &b[te..])?;
        let name = match &b[te..close] {
            [] => None,
            [b' ', name @ ..] if is_logger(name) => Some(&line[te + 1..close]),
            _ => return None,
        };
        if b.get(close + 1).is_some_and(|&c| c != b' ') {
            return None;
        }
        Tail {
            level: None,
            logger: name,
            source: None,
            pid: None,
            msg: close + 2,
            layout: "bracket-level-asctime",
        }
    } else {
        if b.get(te) != Some(&b' ') {
            return None;
        }
        logger_after_level(line, te + 1)
    };
    tail.level = Some(level);
    tail.layout = match tail.layout {
        "asctime-level" => "bracket-level-asctime",
        "asctime-level-name" => "bracket-level-asctime-name",
        "asctime-level-name-source" => "bracket-level-asctime-name-source",
        "asctime-level-name-pid" => "bracket-level-asctime-name-pid",
        other => other,
    };
    Some(finish(line, ts, tail))
}

/// Django's `django.server` message: `"GET /x HTTP/1.1" 200 1234`.
fn push_django_request<'a>(f: &mut Fields<'a>, msg: &'a str) {
    let Some(body) = msg.strip_prefix('"') else {
        return;
    };
    let Some(q) = memchr(b'"', body.as_bytes()) else {
        return;
    };
    push_request(f, &body[..q]);
    let mut toks = body[q + 1..].split(' ').filter(|t| !t.is_empty());
    if let Some(s) = toks
        .next()
        .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
    {
        f.push(("status", Cow::Borrowed(s)));
        if let Some(n) = toks
            .next()
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
        {
            f.push(("bytes", Cow::Borrowed(n)));
        }
    }
}

/// `INFO 2025-07-25 21:40:53,311 msg` (Django's `verbose`-style layouts), or a bare
/// `LEVEL msg` / ` WARNING  msg` whose time was never written or was cut off.
fn parse_level_first<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let s = b.iter().take(10).take_while(|&&c| c == b' ').count();
    let we = word_end(b, s);
    let level = py_level(&b[s..we])?;
    // FastAPI's CLI right-aligns the level through Rich (`      INFO   msg`, `   WARNING
    // msg`): blanks before a level word written in full and two after it. (One blank
    // after is a traceback's source line, `    ERROR = 5`.)
    if s > 1 && (std_level(&b[s..we]).is_none() || b.get(we..we + 2) != Some(b"  ")) {
        return None;
    }
    let mut ts = None;
    let mut layout = "level";
    let mut ms = (we + 1).min(b.len());
    // The time right after the level, bare or in brackets (`%(levelname)s [%(asctime)s]
    // - %(message)s`, hunt 24: `ERROR [2025-09-16T02:54:45.416300+00:00] - ...`).
    let bracketed = b.get(we + 1) == Some(&b'[');
    let at = we + 1 + usize::from(bracketed);
    if let Some(iso) = b.get(at..).and_then(|r| iso_prefix(r, true)) {
        let e = at + iso.len + usize::from(bracketed);
        let closed = !bracketed || b.get(e - 1) == Some(&b']');
        if closed && matches!(b.get(e), None | Some(b' ')) {
            ts = Some(timestamp(ctx, &iso)?);
            layout = if bracketed {
                "level-bracket-asctime"
            } else {
                "level-asctime"
            };
            ms = (e + 1).min(b.len());
            // After the brackets, a dash is the layout's separator.
            if bracketed && b.get(ms..ms + 2) == Some(b"- ") {
                ms += 2;
            }
        }
    }
    if ts.is_none() {
        // The most generic layout of all: only the standard names, written in full.
        std_level(&b[s..we])?;
        if we < b.len() {
            ms = padded_start(b, s, we);
            // A column wider than `%(levelname)-8s` (FastAPI's CLI: `INFO   msg`, the
            // level right-aligned): the message starts at its first word, or it would
            // read as a continuation line.
            while b.get(ms) == Some(&b' ') {
                ms += 1;
            }
        }
    }
    // Django's `verbose`: `{levelname} {asctime} {module} {process:d} {thread:d}
    // {message}`. Two numbers after a name: the second, a thread id (an address, 15
    // digits on Linux), is too long to be a count a message starts with.
    let mut logger = None;
    let mut pid = None;
    if ts.is_some() && ms < b.len() {
        let me = word_end(b, ms);
        let pe = word_end(b, (me + 1).min(b.len()));
        let te = word_end(b, (pe + 1).min(b.len()));
        if te < b.len() && is_logger(&b[ms..me]) {
            let thread = &b[pe + 1..te];
            if let Some(p) = pid_word(&b[me + 1..pe])
                .filter(|_| thread.len() >= 8 && thread.iter().all(u8::is_ascii_digit))
            {
                logger = Some(&line[ms..me]);
                pid = Some(p);
                layout = "level-asctime-module-pid-thread";
                ms = te + 1;
            }
        }
    }
    // `INFO  [uvicorn.error] msg` (alembic's `%(levelname)-5.5s [%(name)s]`): a dotted
    // name in brackets is the logger, as after an asctime.
    if logger.is_none() && b.get(ms) == Some(&b'[') {
        let t = logger_after_level(line, ms);
        if t.logger.is_some() {
            logger = t.logger;
            ms = t.msg;
            layout = if ts.is_some() {
                "level-asctime-name"
            } else {
                "level-name"
            };
        }
    }
    // `{levelname} {asctime} {name} {message}` (or `{name}: `): a dotted name after the
    // time is the logger (`INFO 2026-06-02 13:16:35,682 django.channels.server WebSocket
    // CONNECT ...`). A message rarely starts with one; an address starts with a digit.
    if logger.is_none() && ts.is_some() && ms < b.len() {
        let me = word_end(b, ms);
        let name = b[ms..me].strip_suffix(b":").unwrap_or(&b[ms..me]);
        let dotted = memchr(b'.', name).is_some()
            && name
                .split(|&c| c == b'.')
                .all(|part| part.first().is_some_and(u8::is_ascii_alphabetic));
        if me < b.len() && dotted && is_logger(name) {
            logger = Some(&line[ms..ms + name.len()]);
            ms = me + 1;
            layout = "level-asctime-name";
        }
    }
    let msg = &line[ms.min(line.len())..];
    let mut out = Parsed::new(msg);
    out.ts = ts;
    out.level = Some(level);
    out.logger = logger.map(Cow::Borrowed);
    out.pid = pid;
    out.fields.push(("layout", Cow::Borrowed(layout)));
    push_uvicorn_access(&mut out.fields, msg);
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Go log

fn parse_go<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    if b.len() < 20 || b[4] != b'/' {
        return None;
    }
    let iso = iso_prefix_sep(b, b'/', false)?;
    if b.get(iso.len) != Some(&b' ') {
        return None;
    }
    let rs = iso.len + 1;
    // nginx's error log shares the date; its `[level]` must not be taken for a message.
    if b.get(rs) == Some(&b'[') {
        if let Some(e) = memchr(b']', &b[rs..b.len().min(rs + 10)]) {
            if Level::parse(&line[rs + 1..rs + e]).is_some() {
                return None;
            }
        }
    }
    let mut out = Parsed::new(&line[rs..]);
    out.ts = Some(timestamp(ctx, &iso)?);
    // `file.go:117: ` (log.Lshortfile / Llongfile)
    let we = word_end(b, rs);
    let w = &b[rs..we];
    if w.len() > 2 && w[w.len() - 1] == b':' {
        let src = &w[..w.len() - 1];
        if let Some(c) = memchr::memrchr(b':', src) {
            if c > 0 && c + 1 < src.len() && src[c + 1..].iter().all(u8::is_ascii_digit) {
                out.message = Cow::Borrowed(&line[(we + 1).min(b.len())..]);
                out.fields
                    .push(("source", Cow::Borrowed(&line[rs..rs + src.len()])));
            }
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Redis

fn parse_redis<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // `1:M ` (Redis 3+) or `[1234] ` (Redis 2).
    let (pid, role, ds) = if b.first() == Some(&b'[') {
        let pe = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if pe == 1 || b.get(pe..pe + 2) != Some(b"] ") {
            return None;
        }
        (&line[1..pe], None, pe + 2)
    } else {
        let pe = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if pe == 0 || b.get(pe) != Some(&b':') {
            return None;
        }
        let r = *b.get(pe + 1)?;
        if !matches!(r, b'X' | b'C' | b'S' | b'M') || b.get(pe + 2) != Some(&b' ') {
            return None;
        }
        (&line[..pe], Some(&line[pe + 1..pe + 2]), pe + 3)
    };
    // `25 Apr 2024 05:32:35.018` or, in Redis 2, `25 Apr 05:32:35.018`.
    let day = digits(b.get(ds..)?, 2)?;
    if b.get(ds + 2) != Some(&b' ') || b.get(ds + 6) != Some(&b' ') {
        return None;
    }
    let month = crate::time::month(line.get(ds + 3..ds + 6)?)?;
    let mut p = ds + 7;
    let year = match digits(b.get(p..)?, 4) {
        Some(y) if b.get(p + 4) == Some(&b' ') => {
            p += 5;
            Some(y as i32)
        }
        _ => None,
    };
    let (h, mi, s) = hms(b.get(p..)?)?;
    let (nanos, fd, flen) = crate::time::fraction(&b[p + 8..]);
    p += 8 + flen;
    if b.get(p) != Some(&b' ') {
        return None;
    }
    let level = match b.get(p + 1)? {
        b'.' | b'-' => Level::Debug,
        b'*' => Level::Info,
        b'#' => Level::Warning,
        _ => return None,
    };
    let ms = match b.get(p + 2) {
        None => p + 2,
        Some(b' ') => p + 3,
        Some(_) => return None,
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(h, mi, s.min(59), nanos)?;
    let ts = match year {
        Some(y) => {
            let date = chrono::NaiveDate::from_ymd_opt(y, month, day)?;
            ctx.complete(date.and_time(time), fd, None)?
        }
        None => ctx.yearless(month, day, time, fd, None)?,
    };
    let mut out = Parsed::new(&line[ms..]);
    out.ts = Some(ts);
    out.pid = pid.parse().ok();
    out.level = Some(level);
    if let Some(r) = role {
        out.fields.push(("role", Cow::Borrowed(r)));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    fn all() -> Vec<&'static dyn Format> {
        formats()
    }

    // ---- structlog's console renderer with an epoch time

    #[test]
    fn structlog_console_lines_timed_in_seconds_since_the_epoch() {
        // authentik#6354: 6 of 9 lines were "unknown", and a finding took an earlier
        // line's time, 8.8 s early.
        let p = PythonLogging
            .parse(
                "1690198078.8367748 [critical ] WORKER TIMEOUT (pid:21)        [gunicorn.error] ",
                &ctx(),
            )
            .unwrap();
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2023-07-24T11:27:58.836774800+00:00"
        );
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        assert_eq!(p.level, Some(Level::Critical));
        assert!(
            p.message.starts_with("WORKER TIMEOUT (pid:21)"),
            "{}",
            p.message
        );
        // A number before text, without a level column, is no time.
        assert!(PythonLogging
            .parse("1690198078.5 bytes sent", &ctx())
            .is_none());
        assert!(PythonLogging
            .parse("169019807.5 [info     ] x", &ctx())
            .is_none());
    }

    // ---- gunicorn

    #[test]
    fn gunicorn_line_carrying_a_uvicorn_access_tuple() {
        let p = Gunicorn.parse(Gunicorn.example(), &ctx()).unwrap();
        assert_eq!(p.pid, Some(14));
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2023-06-23T13:08:02Z");
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        assert_eq!(p.field("client"), Some("172.19.0.11:43088"));
        assert_eq!(p.field("client_ip"), Some("172.19.0.11"));
        assert_eq!(p.field("client_port"), Some("43088"));
        assert_eq!(p.field("method"), Some("WebSocket"));
        assert_eq!(p.field("path"), Some("/submission_output/"));
        assert_eq!(p.field("status"), Some("403"));
    }

    #[test]
    fn gunicorn_offsets_and_lost_bracket() {
        let p = Gunicorn
            .parse(
                "[2019-01-31 12:53:20 +0100] [23868] [INFO] Starting daphne 19.9.0",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2019-01-31T11:53:20Z");
        assert_eq!(p.message, "Starting daphne 19.9.0");
        assert!(p.fields.is_empty());
        let p = Gunicorn
            .parse(
                "2018-08-29 07:35:43 -0500] [9160] [ERROR] Exception in ASGI application",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.pid, Some(9160));
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2018-08-29T12:35:43Z");
    }

    // ---- uvicorn

    #[test]
    fn uvicorn_access_lines_in_every_client_spelling() {
        // (line, client, path, status, event)
        type Want = Option<&'static str>;
        let cases: [(&str, Want, Want, Want, Want); 6] = [
            (
                "INFO:     127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]",
                Some("127.0.0.1:39432"),
                Some("/ws/todos"),
                None,
                Some("accepted"),
            ),
            (
                "INFO:     ('10.5.10.5', 56608) - \"WebSocket /asr\" 403",
                Some("10.5.10.5:56608"),
                Some("/asr"),
                Some("403"),
                None,
            ),
            (
                "INFO:     None - \"WebSocket /ws/\" [accepted]",
                None,
                Some("/ws/"),
                None,
                Some("accepted"),
            ),
            (
                "INFO:      - \"GET /home/ HTTP/1.0\" 200 OK",
                None,
                Some("/home/"),
                Some("200"),
                None,
            ),
            (
                "INFO:     127.0.0.1:0 - \"WebSocket /ws\" 401",
                Some("127.0.0.1:0"),
                Some("/ws"),
                Some("401"),
                None,
            ),
            (
                "INFO:     ('127.0.0.1', 51065) - \"WebSocket /chat/ws\" [accepted]",
                Some("127.0.0.1:51065"),
                Some("/chat/ws"),
                None,
                Some("accepted"),
            ),
        ];
        for (line, client, path, status, event) in cases {
            let p = Uvicorn.parse(line, &ctx()).unwrap();
            assert_eq!(p.level, Some(Level::Info), "{line}");
            assert_eq!(p.field("client"), client, "{line}");
            assert_eq!(p.field("path"), path, "{line}");
            assert_eq!(p.field("status"), status, "{line}");
            assert_eq!(p.field("event"), event, "{line}");
        }
        let p = Uvicorn
            .parse("INFO:      - \"GET /home/ HTTP/1.0\" 200 OK", &ctx())
            .unwrap();
        assert_eq!(p.message, " - \"GET /home/ HTTP/1.0\" 200 OK");
        assert_eq!(p.field("protocol"), Some("HTTP/1.0"));
    }

    #[test]
    fn uvicorn_connection_state_lines() {
        let p = Uvicorn
            .parse("INFO:     connection rejected (403 Forbidden)", &ctx())
            .unwrap();
        assert_eq!(p.field("event"), Some("rejected"));
        assert_eq!(p.field("reason"), Some("403 Forbidden"));
        assert_eq!(p.message, "connection rejected (403 Forbidden)");
        for (line, ev) in [
            ("INFO:     connection open", "open"),
            ("INFO:     connection closed", "closed"),
        ] {
            assert_eq!(
                Uvicorn.parse(line, &ctx()).unwrap().field("event"),
                Some(ev)
            );
        }
    }

    #[test]
    fn uvicorn_levels_pad_to_column_ten() {
        for (line, level, msg) in [
            (
                "ERROR:    ASGI callable returned without completing handshake.",
                Level::Error,
                "ASGI callable returned without completing handshake.",
            ),
            (
                "WARNING:  Invalid HTTP request received.",
                Level::Warning,
                "Invalid HTTP request received.",
            ),
            ("CRITICAL: boom", Level::Critical, "boom"),
            (
                "INFO:     Started server process [666]",
                Level::Info,
                "Started server process [666]",
            ),
        ] {
            let p = Uvicorn.parse(line, &ctx()).unwrap();
            assert_eq!(p.level, Some(level));
            assert_eq!(p.message, msg);
            assert!(p.fields.is_empty(), "{line}: {:?}", p.fields);
        }
    }

    #[test]
    fn uvicorn_trace_lines_carry_client_and_asgi_id() {
        let p = Uvicorn
            .parse(
                "TRACE:    127.0.0.1:39432 - ASGI [1] Receive {'type': 'websocket.connect'}",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.level, Some(Level::Trace));
        assert_eq!(p.field("client"), Some("127.0.0.1:39432"));
        assert_eq!(p.field("asgi_id"), Some("1"));
        let p = Uvicorn
            .parse("TRACE:    127.0.0.1:39432 - Connection made", &ctx())
            .unwrap();
        assert_eq!(p.field("client_port"), Some("39432"));
        assert_eq!(p.field("asgi_id"), None);
    }

    #[test]
    fn uvicorn_level_prefix_after_an_asctime_is_read() {
        // A common uvicorn log config: `%(asctime)s %(levelprefix)s %(message)s`; its
        // lines were all unparsed, with no time.
        let ctx = TimeCtx::default();
        let p = PythonLogging
            .parse(
                "2024-04-19 21:40:15 INFO:     ('172.17.0.1', 45180) - \"WebSocket /ws\" [accepted]",
                &ctx,
            )
            .unwrap();
        assert_eq!(p.level, Some(Level::Info));
        assert!(p.ts.is_some());
        assert_eq!(
            p.message,
            "('172.17.0.1', 45180) - \"WebSocket /ws\" [accepted]"
        );
        let p = PythonLogging
            .parse(
                "2024-04-19 21:40:16 WARNING:  Unsupported upgrade request.",
                &ctx,
            )
            .unwrap();
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.message, "Unsupported upgrade request.");
    }

    #[test]
    fn uvicorn_basic_config_layout_names_the_logger() {
        let p = Uvicorn
            .parse(
                "INFO:uvicorn.error:Waiting for application shutdown.",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.logger.as_deref(), Some("uvicorn.error"));
        assert_eq!(p.message, "Waiting for application shutdown.");
    }

    #[test]
    fn uvicorn_rejects_other_layouts() {
        for line in [
            "INFO 2025-07-25 21:40:53,311 System Status",
            "DEBUG Upgraded connection",
            "Info: lowercase",
            "INFORMATION: no",
            "Status code: 403",
        ] {
            assert!(Uvicorn.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn prose_with_a_dash_is_not_an_access_line() {
        let mut f = Vec::new();
        assert!(!push_uvicorn_access(
            &mut f,
            "Performance Metrics - Active Calculators: 8/8"
        ));
        assert!(!push_uvicorn_access(
            &mut f,
            "Uvicorn running on http://0.0.0.0:8000"
        ));
        assert!(!push_uvicorn_access(&mut f, "connection refused by peer"));
        assert!(f.is_empty());
    }

    // ---- twisted

    #[test]
    fn twisted_system_and_zone() {
        let p = Twisted
            .parse("2017-05-15 08:56:59+0000 [-] Log opened.", &ctx())
            .unwrap();
        assert_eq!(p.field("system"), Some("-"));
        assert_eq!(p.message, "Log opened.");
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        let p = Twisted.parse(Twisted.example(), &ctx()).unwrap();
        assert_eq!(p.field("system"), Some("HTTPChannel,0,127.0.0.1"));
        let p = Twisted
            .parse(
                "2017-05-15 08:56:59+0000 [twisted.internet.defer#critical] Unhandled error",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.level, Some(Level::Critical));
        assert!(Twisted
            .parse("2018-08-21 12:17:37,473 DEBUG    x", &ctx())
            .is_none());
    }

    #[test]
    fn a_level_in_the_bracket_is_a_level_not_a_twisted_system() {
        // hunt 31 (aws/amazon-ecs-agent#1872, seelog): `[WARN]` was the system of a
        // Twisted line, and the line had no level.
        let line = "2019-03-16T05:41:20Z [WARN] Error creating a websocket client: unexpected EOF";
        assert!(Twisted.parse(line, &ctx()).is_none());
        let p = logging(line);
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(
            p.message,
            "Error creating a websocket client: unexpected EOF"
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2019-03-16T05:41:20Z");
    }

    // ---- python logging

    fn logging(line: &str) -> Parsed<'_> {
        PythonLogging
            .parse(line, &ctx())
            .unwrap_or_else(|| panic!("not parsed: {line}"))
    }

    #[test]
    fn daphne_padded_level_layout() {
        let p = logging(PythonLogging.example());
        assert_eq!(p.level, Some(Level::Debug));
        assert_eq!(
            p.message,
            "WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc open and established"
        );
        let ts = p.ts.unwrap();
        assert_eq!(ts.to_rfc3339(), "2018-08-21T12:17:37.473Z");
        assert_eq!(ts.digits, 3);
        assert!(ts.note.contains(TsNote::ZONE));
        let p = logging("2017-05-15 08:56:59,441 CRITICAL Unhandled Error");
        assert_eq!(p.level, Some(Level::Critical));
        assert_eq!(p.message, "Unhandled Error");
    }

    #[test]
    fn traceback_line_with_own_prefix_keeps_indentation() {
        let p = logging("2020-02-27 02:40:10,803 ERROR      File \"/usr/local/bin/daphne\", line 8, in <module>");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(
            p.message,
            "  File \"/usr/local/bin/daphne\", line 8, in <module>"
        );
        let p = logging(
            "2020-02-27 02:40:10,805 ERROR        sys.exit(CommandLineInterface.entrypoint())",
        );
        assert_eq!(p.message, "    sys.exit(CommandLineInterface.entrypoint())");
        let p = logging("2020-02-27 02:40:10,829 ERROR    --- <exception caught here> ---");
        assert_eq!(p.message, "--- <exception caught here> ---");
    }

    #[test]
    fn dash_separated_layouts() {
        let p = logging("2018-02-05 12:18:07,117 - DEBUG - http_protocol - Upgraded connection ['127.0.0.1', 48306] to WebSocket");
        assert_eq!(p.level, Some(Level::Debug));
        assert_eq!(p.logger.as_deref(), Some("http_protocol"));
        assert_eq!(
            p.message,
            "Upgraded connection ['127.0.0.1', 48306] to WebSocket"
        );
        let p = logging("2018-08-21 12:17:38,483 - DEBUG - worker - Got message on websocket.receive (reply daphne.response.fFfkUJvMQZ!GsuGLNKtwc)");
        assert_eq!(p.logger.as_deref(), Some("worker"));
        let p = logging("2024-01-01 10:00:00,001 - chat.consumers - WARNING - Closing with 4001");
        assert_eq!(p.logger.as_deref(), Some("chat.consumers"));
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.message, "Closing with 4001");
        let p = logging("2024-01-01 10:00:00,001 - INFO - Server started - listening");
        assert_eq!(p.logger, None);
        assert_eq!(p.message, "Server started - listening");
    }

    #[test]
    fn a_level_before_a_bracketed_time_gives_the_time() {
        // `%(levelname)s [%(asctime)s] - %(message)s` (hunt 24): the level was read, the
        // time not, and the message kept both.
        let p = logging("ERROR [2025-09-16T02:54:45.416300+00:00] - Error routing message");
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2025-09-16T02:54:45.416300+00:00"
        );
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.message, "Error routing message");
        let p = logging("WARNING [2025-09-16 02:54:45,416] chat.consumers: closed");
        assert_eq!(p.logger.as_deref(), Some("chat.consumers"));
        assert_eq!(p.message, "closed");
    }

    #[test]
    fn a_time_with_no_column_after_it_is_a_record_with_that_time() {
        // `%(asctime)s %(message)s` (jumpserver#10182, a `docker logs` paste of channels_redis
        // #232): every such line was "unknown", without a time.
        for (line, ts, level, message) in [
            (
                "2023-04-12 10:36:44 Check service status: flower -> running at 16",
                "2023-04-12T10:36:44+00:00",
                None,
                "Check service status: flower -> running at 16",
            ),
            (
                "2026-11-20 12:00:00,123 127.0.0.1:50110 - - [20/Nov/2026:12:00:00] \"WSCONNECTING /ws/\" - -",
                "2026-11-20T12:00:00.123+00:00",
                None,
                "127.0.0.1:50110 - - [20/Nov/2026:12:00:00] \"WSCONNECTING /ws/\" - -",
            ),
            (
                "[2026-11-20 12:00:02,000] connection open",
                "2026-11-20T12:00:02+00:00",
                None,
                "connection open",
            ),
            // A short level in capitals of another library: supervisord's, zerolog's.
            (
                "2020-05-16 20:48:14,097 CRIT Supervisor is running as root.",
                "2020-05-16T20:48:14.097+00:00",
                Some(Level::Critical),
                "Supervisor is running as root.",
            ),
            (
                "2021-08-10T13:43:13Z ERR Failed to serve quic connection",
                "2021-08-10T13:43:13+00:00",
                Some(Level::Error),
                "Failed to serve quic connection",
            ),
            (
                "2024-01-01 10:00:00,123 - Starting server",
                "2024-01-01T10:00:00.123+00:00",
                None,
                "Starting server",
            ),
            // Docker Desktop's view writes its local time before the application's line
            // (daphne#519): the application's time and columns are the record's.
            (
                "2024-07-29 15:35:41 2024-07-29 13:35:41,594 CRITICAL Listen failure: x",
                "2024-07-29T13:35:41.594+00:00",
                Some(Level::Critical),
                "Listen failure: x",
            ),
            // A word in capitals that is no level stays the message's.
            (
                "2026-11-20 12:00:00 THE END",
                "2026-11-20T12:00:00+00:00",
                None,
                "THE END",
            ),
        ] {
            let p = logging(line);
            assert_eq!(p.ts.unwrap().utc.to_rfc3339(), ts, "{line}");
            assert_eq!(p.level, level, "{line}");
            assert_eq!(p.message, message, "{line}");
        }
        // A time alone is no record, nor one before a number or a column of another
        // layout.
        for line in [
            "2026-11-20 12:00:00 ",
            "2026-11-20 12:00:00 - ",
            "2024-03-01 10:00:00,130 200 OK sent",
            "2017-05-15 08:56:59+0000 [-] Log opened.",
        ] {
            assert!(PythonLogging.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn a_dotted_name_after_a_level_first_time_is_the_logger() {
        // `{levelname} {asctime} {name} {message}` (channels_redis#422): the logger
        // stayed at the message's head.
        for (line, logger, message) in [
            (
                "INFO 2026-06-02 13:16:35,717 django.channels.server WebSocket CONNECT /ws/p [127.0.0.1:55380]",
                Some("django.channels.server"),
                "WebSocket CONNECT /ws/p [127.0.0.1:55380]",
            ),
            (
                "ERROR 2026-06-02 13:16:41,633 daphne.server: Exception inside application: x",
                Some("daphne.server"),
                "Exception inside application: x",
            ),
            // An address, a bare word or a dotted word alone is the message's.
            (
                "INFO 2026-06-02 13:16:35,717 127.0.0.1:55380 - - [02/Jun/2026:13:16:35] \"WSCONNECT /ws/p\" - -",
                None,
                "127.0.0.1:55380 - - [02/Jun/2026:13:16:35] \"WSCONNECT /ws/p\" - -",
            ),
            (
                "INFO 2026-06-02 13:16:35,717 Starting server",
                None,
                "Starting server",
            ),
            (
                "INFO 2026-06-02 13:16:35,717 settings.py",
                None,
                "settings.py",
            ),
        ] {
            let p = logging(line);
            assert_eq!(p.logger.as_deref(), logger, "{line}");
            assert_eq!(p.message, message, "{line}");
        }
    }

    #[test]
    fn the_process_id_a_layout_writes_after_the_logger_is_the_records_pid() {
        // `%(asctime)s %(levelname)s %(name)s %(process)d %(message)s` (real stack rt3,
        // gunicorn with two UvicornWorkers): without the pid, the application's lines
        // could not be told from one worker to the other.
        let p = logging("2026-11-27 03:07:17,744 WARNING rtsite.consumers 3713 Invalid token: Signature verification failed");
        assert_eq!(p.logger.as_deref(), Some("rtsite.consumers"));
        assert_eq!(p.pid, Some(3713));
        assert_eq!(p.message, "Invalid token: Signature verification failed");
        // Django's `verbose`: `{levelname} {asctime} {module} {process:d} {thread:d} {message}`.
        let p = logging("ERROR 2026-11-27 10:00:01,123 server 1234 140234567890 Exception inside application: boom");
        assert_eq!(p.logger.as_deref(), Some("server"));
        assert_eq!(p.pid, Some(1234));
        assert_eq!(p.message, "Exception inside application: boom");
        // `[LEVEL] name: msg` reads its logger as a bare level does.
        let p = logging(
            "2026-11-27 10:00:03,123 [ERROR] daphne.server: Exception inside application: boom",
        );
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert_eq!(p.message, "Exception inside application: boom");
        // A message that starts with a word and a count keeps them.
        for (line, message) in [
            (
                "2026-11-27 10:00:04,123 INFO Processed 3 items",
                "Processed 3 items",
            ),
            (
                "2026-11-27 10:00:04,123 INFO daphne 0 connections",
                "daphne 0 connections",
            ),
            (
                "INFO 2026-11-27 10:00:04,123 Processed 3 items",
                "Processed 3 items",
            ),
            (
                "INFO 2026-11-27 10:00:04,123 worker 12 started 5 tasks",
                "worker 12 started 5 tasks",
            ),
            (
                "INFO 2026-11-27 10:00:04,123 order 4521 charged 129900 cents",
                "order 4521 charged 129900 cents",
            ),
        ] {
            let p = logging(line);
            assert_eq!((p.pid, p.message.as_ref()), (None, message), "{line}");
        }
    }

    #[test]
    fn structlog_console_and_django_dated_levels_are_read() {
        // structlog's ConsoleRenderer: the level lower case, padded inside brackets; an
        // envelope (docker's or journald's) may have taken the time before it.
        let p = logging(
            "2026-11-27 10:00:06 [error    ] Exception inside application: boom [daphne.server]",
        );
        assert_eq!(p.level, Some(Level::Error));
        assert!(p.message.starts_with("Exception inside application: boom"));
        let p = logging("[info     ] websocket connected [chat.consumers] user_id=5");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.message, "websocket connected [chat.consumers] user_id=5");
        // Django's date format in an application's own layout, a level after it.
        let p = logging(
            "[27/Nov/2026 10:00:09] ERROR [daphne.server] Exception inside application: boom",
        );
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert_eq!(p.message, "Exception inside application: boom");
        // Django's own request lines keep their layout; a tag in brackets is no level.
        let p = logging("[27/Nov/2026 10:00:09] \"GET /ws/ HTTP/1.1\" 404 179");
        assert_eq!(p.field("layout"), Some("django-server"));
        assert!(PythonLogging.parse("[e] shorthand", &ctx()).is_none());
        assert!(PythonLogging
            .parse("[chatconsumer] hello", &ctx())
            .is_none());
    }

    #[test]
    fn name_before_level_layout() {
        let p = logging("2018-08-03 14:48:04,666 daphne.server WARNING Application instance <Task pending coro=<SessionMiddlewareInstance.__call__()>> for connection <WebSocketProtocol client=['127.0.0.1', 43174] path=b'/ws/49256-197598'> took too long to shut down and was killed.");
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert_eq!(p.level, Some(Level::Warning));
        assert!(p.message.starts_with("Application instance <Task"));
    }

    #[test]
    fn level_name_source_layout() {
        let p = logging("2024-11-01 17:11:32,699 INFO daphne.server [server.py:113] HTTP/2 support not enabled (install the http2 and tls Twisted extras)");
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert_eq!(p.field("source"), Some("server.py:113"));
        assert!(p.message.starts_with("HTTP/2 support"));
        let p = logging("2024-11-01 17:14:03,824 WARNING review.views.peer_review_view [peer_review_view.py:33] User [3] already has a peer review on comment thread [1]");
        assert_eq!(p.field("source"), Some("peer_review_view.py:33"));
        assert!(p.message.starts_with("User [3] already"));
    }

    #[test]
    fn emoji_message_after_unpadded_level() {
        let p = logging("2025-09-09 09:31:10,275 INFO 🔌 User found in JWT: admin");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.message, "🔌 User found in JWT: admin");
        assert_eq!(p.logger, None);
        let p = logging("2025-09-09 09:31:10,276 INFO âœ… [JWTAuthMiddleware] ok");
        assert_eq!(p.message, "âœ… [JWTAuthMiddleware] ok");
    }

    #[test]
    fn app_tags_in_brackets_stay_in_the_message() {
        let p = logging("2025-09-09 09:31:10,275 INFO [JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/");
        assert_eq!(p.logger, None);
        assert_eq!(
            p.message,
            "[JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/"
        );
        let p = logging("2025-09-09 09:31:10,275 INFO Status: ok");
        assert_eq!(p.logger, None);
        assert_eq!(p.message, "Status: ok");
    }

    #[test]
    fn loguru_default_layout_gives_level_module_and_message() {
        let p = logging(
            "2026-11-25 10:00:06.123 | ERROR    | app.consumers:connect:42 - Exception inside application: boom",
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-25T10:00:06.123Z");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.logger.as_deref(), Some("app.consumers"));
        assert_eq!(p.field("source"), Some("app.consumers:connect:42"));
        assert_eq!(p.message, "Exception inside application: boom");
        let p = logging("2026-11-25 10:00:06.123 | SUCCESS  | __main__:<module>:7 - ready");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.message, "ready");
        // A bar that is not loguru's: no level after it.
        assert!(PythonLogging
            .parse("2026-11-25 10:00:06.123 | total | 42 - x", &ctx())
            .is_none());
    }

    #[test]
    fn level_before_asctime_layout() {
        let p =
            logging("INFO 2025-07-25 21:40:53,311 System Status - Connections: 3/3, Tasks: 14/14");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2025-07-25T21:40:53.311Z");
        assert_eq!(p.message, "System Status - Connections: 3/3, Tasks: 14/14");
        assert_eq!(p.field("client"), None);
    }

    #[test]
    fn level_only_lines_with_and_without_leading_space() {
        let p = logging("DEBUG Upgraded connection daphne.response.RGQewZnEoT!wLuySyWzLr to WebSocket daphne.response.RGQewZnEoT!ygHuTTKMxL");
        assert_eq!(p.level, Some(Level::Debug));
        assert_eq!(p.ts, None);
        assert!(p.message.starts_with("Upgraded connection"));
        let p = logging(" WARNING  Application instance <Task pending name='Task-30589'>");
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(
            p.message,
            "Application instance <Task pending name='Task-30589'>"
        );
        let p = logging("WARNING dropping connection to peer tcp4:127.0.0.1:38006 with abort=True");
        assert_eq!(p.level, Some(Level::Warning));
        for line in [
            "TRACE only in full layouts",
            "WARN not a python level alone",
            "Debug lowercase",
            "INFOx",
            "  WARNING two spaces",
        ] {
            assert!(PythonLogging.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn bracketed_asctime_layouts() {
        let p = logging("[2026-11-23 19:37:49,123] INFO [django.channels] msg");
        assert_eq!(p.logger.as_deref(), Some("django.channels"));
        assert_eq!(p.message, "msg");
        assert_eq!(p.ts.unwrap().digits, 3);
        let p = logging("[2026-11-23 19:37:49] ERROR django.request: Internal Server Error: /ws/");
        assert_eq!(p.logger.as_deref(), Some("django.request"));
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.message, "Internal Server Error: /ws/");
    }

    /// Regression (channels#595): `[INFO 2017-05-15 08:10:37,567 MainProcess] msg` was
    /// no layout at all, and `[INFO] 2024-03-01 10:00:03,567 daphne.server: msg` kept its
    /// time in the message: neither record had a time.
    #[test]
    fn a_bracketed_level_with_the_time_inside_or_after_it_gives_the_time() {
        let p = logging(
            "[INFO 2017-05-15 08:10:37,567 MainProcess] sending accept to daphne.response.Mq!Sg",
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2017-05-15T08:10:37.567Z");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.logger.as_deref(), Some("MainProcess"));
        assert_eq!(p.message, "sending accept to daphne.response.Mq!Sg");
        let p = logging("[WARNING 2017-05-15 08:10:37,694] Not Found: /ws/");
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.message, "Not Found: /ws/");
        let p = logging(
            "[INFO] 2024-03-01 10:00:03,567 daphne.server: Listening on TCP address 0.0.0.0:8000",
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2024-03-01T10:00:03.567Z");
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        assert_eq!(p.message, "Listening on TCP address 0.0.0.0:8000");
        // Without a time the bracketed level is read as before.
        let p = logging("[INFO] WebSocket /ws/chat/ [accepted]");
        assert!(p.ts.is_none());
        assert_eq!(p.message, "WebSocket /ws/chat/ [accepted]");
        // Words in the brackets after a time that are no name: not this layout.
        assert!(PythonLogging
            .parse("[INFO 2017-05-15 08:10:37,567 two words] x", &ctx())
            .is_none());
    }

    /// Regression: the logging cookbook's `%(asctime)s %(name)-12s %(levelname)-8s
    /// %(message)s` pads a short name (`chat         INFO     msg`), and a layout may
    /// write `%(process)d` before the level (`[12345] INFO`, `12345 INFO`): such lines
    /// were "plain", without their time.
    #[test]
    fn a_padded_name_or_a_process_id_before_the_level_is_read() {
        let p = logging("2024-03-01 10:00:00,124 chat         INFO     connect user=1");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2024-03-01T10:00:00.124Z");
        assert_eq!(p.logger.as_deref(), Some("chat"));
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.message, "connect user=1");
        let p = logging("2024-03-01 10:00:00,130 [12345] INFO chat.consumers: connect");
        assert_eq!(p.pid, Some(12345));
        assert_eq!(p.logger.as_deref(), Some("chat.consumers"));
        assert_eq!(p.message, "connect");
        let p = logging("2024-03-01 10:00:00,130 [12345] [WARNING] Not Found: /ws/");
        assert_eq!(p.pid, Some(12345));
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.message, "Not Found: /ws/");
        let p = logging("2024-03-01 10:00:00,130 12345 ERROR boom");
        assert_eq!((p.pid, p.level), (Some(12345), Some(Level::Error)));
        // A number with no level after it is no process id, and no layout.
        assert!(PythonLogging
            .parse("2024-03-01 10:00:00,130 200 OK sent", &ctx())
            .is_none());
    }

    /// Regression (hunt 15): the logger's name first (`{name} {levelname} {asctime}
    /// {message}`) was no layout, every line "unknown" and untimed; alembic's `INFO
    /// [uvicorn.error] msg` kept the name in the message.
    #[test]
    fn a_name_first_layout_and_a_bracketed_name_after_a_bare_level_are_read() {
        let p = logging("django.channels.server INFO 2025-04-30 19:54:18,598 WebSocket HANDSHAKING /ws/chat/sync [127.0.0.1:58283]");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2025-04-30T19:54:18.598Z");
        assert_eq!(p.logger.as_deref(), Some("django.channels.server"));
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(
            p.message,
            "WebSocket HANDSHAKING /ws/chat/sync [127.0.0.1:58283]"
        );
        let p =
            logging("INFO  [uvicorn.error] ('127.0.0.1', 47014) - \"WebSocket /api\" [accepted]");
        assert_eq!(p.logger.as_deref(), Some("uvicorn.error"));
        assert_eq!(
            p.message,
            "('127.0.0.1', 47014) - \"WebSocket /api\" [accepted]"
        );
        // Prose that starts with a lower-case word, and a tag that is no logger's name.
        assert!(PythonLogging
            .parse("connection INFO was lost at 2025-04-30 19:54:18", &ctx())
            .is_none());
        assert_eq!(
            logging("INFO [ChatConsumer] connected").message,
            "[ChatConsumer] connected"
        );
    }

    /// Regression: `%(asctime)s | %(levelname)s | %(name)s | %(message)s`, a common
    /// layout of Django and FastAPI settings, was "plain", without its time (only
    /// loguru's `| LEVEL | module:function:line - msg` was read).
    #[test]
    fn columns_split_by_bars_after_the_time_are_read() {
        let p = logging("2023-02-28 17:45:39,654 | INFO | chat.consumers | WebSocket connected");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2023-02-28T17:45:39.654Z");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.logger.as_deref(), Some("chat.consumers"));
        assert_eq!(p.message, "WebSocket connected");
        let p = logging("2023-02-28 17:45:39,655 | WARNING  | Not Found: /ws/ | again");
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.logger, None);
        assert_eq!(p.message, "Not Found: /ws/ | again");
        // loguru's own stays loguru's.
        let p = logging(
            "2023-02-28 17:45:39.657 | INFO     | chat.consumers:connect:42 - WebSocket connected",
        );
        assert_eq!(p.field("layout"), Some("loguru"));
        // A bar with no level after it is no layout.
        assert!(PythonLogging
            .parse("2023-02-28 17:45:39,654 | 200 | GET /", &ctx())
            .is_none());
    }

    /// Regression: a level column narrower or wider than `%(levelname)-8s`'s left its
    /// blanks at the message's head, and each such line joined the one above as its
    /// continuation: two sessions' lines were one record.
    #[test]
    fn a_level_padded_to_another_width_leaves_no_blank_before_the_message() {
        for line in [
            "2024-03-01 10:00:00.130 INFO  chat.consumers - WebSocket connected",
            "2024-03-01 10:00:00,133 INFO   chat.consumers - WebSocket connected",
        ] {
            assert_eq!(
                logging(line).message,
                "chat.consumers - WebSocket connected",
                "{line}"
            );
        }
        // Past an 8-wide column the blanks are the message's: a traceback Daphne logs a
        // line at a time keeps its frames' indentation.
        let p = logging("2020-02-27 02:40:10,803 ERROR      File \"/usr/local/bin/daphne\", line 8, in <module>");
        assert_eq!(
            p.message,
            "  File \"/usr/local/bin/daphne\", line 8, in <module>"
        );
    }

    #[test]
    fn django_runserver_request_line() {
        let p = logging("[23/Nov/2026 19:37:49] \"GET /ws/chat/1/?x=1 HTTP/1.1\" 404 1234");
        assert_eq!(p.field("method"), Some("GET"));
        assert_eq!(p.field("path"), Some("/ws/chat/1/"));
        assert_eq!(p.field("query"), Some("x=1"));
        assert_eq!(p.field("status"), Some("404"));
        assert_eq!(p.field("bytes"), Some("1234"));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
        let p = logging("[23/Nov/2026 19:37:49] Not Found: /ws/chat/1/");
        assert_eq!(p.message, "Not Found: /ws/chat/1/");
        assert_eq!(p.field("path"), None);
    }

    #[test]
    fn uvicorn_access_inside_a_custom_logging_layout() {
        let p =
            logging("2024-01-01 10:00:00,001 INFO 127.0.0.1:5000 - \"WebSocket /ws/\" [accepted]");
        assert_eq!(p.field("client_port"), Some("5000"));
        assert_eq!(p.field("event"), Some("accepted"));
    }

    #[test]
    fn python_logging_leaves_other_formats_alone() {
        for line in [
            "2017/01/21 09:24:56 [error] 1111#1111: *380 upstream prematurely closed",
            "2020/01/26 03:17:29 provider.go:117: Defaulting client-id",
            "2017-05-15 08:56:59+0000 [-] Log opened.",
            "127.0.0.1:50398 - - [22/May/2017:11:30:01] \"WSCONNECTING /\" - -",
            "[2018/02/05 12:18:07] WebSocket HANDSHAKING /test/ [127.0.0.1:48306]",
            "1:M 25 Apr 2024 05:32:35.019 # Warning",
            "websocket connected",
            "Traceback (most recent call last):",
            "  File \"x.py\", line 1, in <module>",
            "ValueError: No route found for path 'ws/chat/undefined/'.",
            "Aug 21 14:17:37 host daphne[3535]: x",
        ] {
            assert!(PythonLogging.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    // ---- go, redis

    #[test]
    fn go_log_with_and_without_source() {
        let p = GoLog.parse(GoLog.example(), &ctx()).unwrap();
        assert_eq!(p.field("source"), Some("provider.go:117"));
        assert!(p.message.starts_with("Defaulting client-id"));
        assert!(p.ts.unwrap().note.contains(TsNote::ZONE));
        let p = GoLog
            .parse(
                "2020/01/26 03:17:29.123456 compiled skip-auth-regex",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.field("source"), None);
        assert_eq!(p.ts.unwrap().digits, 6);
        assert!(GoLog
            .parse("2017/01/21 09:24:56 [error] 1#1: x", &ctx())
            .is_none());
    }

    #[test]
    fn redis_roles_and_level_marks() {
        let p = Redis
            .parse(
                "1:C 25 Apr 2024 05:32:35.018 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.pid, Some(1));
        assert_eq!(p.field("role"), Some("C"));
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2024-04-25T05:32:35.018Z");
        let p = Redis.parse(Redis.example(), &ctx()).unwrap();
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.field("role"), Some("M"));
        let p = Redis
            .parse(
                "[1234] 14 Nov 10:45:32.001 - Accepted 127.0.0.1:6379",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.level, Some(Level::Debug));
        assert!(p.ts.unwrap().note.contains(TsNote::YEAR));
        assert!(Redis
            .parse("1:signal-handler (1714024483) Received SIGTERM", &ctx())
            .is_none());
        assert!(Redis.parse("redis-1  | 1:", &ctx()).is_none());
    }

    // ---- all

    #[test]
    fn a_layout_gluing_its_columns_to_the_asctime_gets_its_time_and_level() {
        // uvicorn#954: `%(asctime)s-%(levelname)s-%(name)s-%(process)d::%(module)s|...`
        // was `unknown`, so none of its lines had a time.
        let p = logging("2021-02-12 06:20:27,329-WARNING-uvicorn.error-12::httptools_impl|181:: Unsupported upgrade request.");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2021-02-12T06:20:27.329Z");
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(
            p.message,
            "uvicorn.error-12::httptools_impl|181:: Unsupported upgrade request."
        );
        let p = logging("2026-11-23 19:37:49,123|ERROR| Exception inside application");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.message, "Exception inside application");
        // Not without a level word right after the separator, nor another kind of date.
        for line in [
            "2021-02-12 06:20:27,329-uvicorn.error-WARNING-x",
            "2021-02-12 06:20:27,329-INFORMATION about",
            "2021-02-12 06:20:27,329/INFO/x",
            "2020/09/28 10:15:37 [error] 217#217: *2442 connect() failed",
        ] {
            assert!(PythonLogging.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let samples = [
            "",
            " ",
            "[",
            "[2",
            "INFO:",
            "INFO:x",
            "INFO:é:",
            "TRACE:    é - ASGI [",
            "TRACE:    1:1 - ASGI [9",
            "INFO:     ('é', 1) - \"",
            "INFO:     ('a', ) - \"WebSocket",
            "INFO:     (' - x",
            "INFO:     connection rejected (",
            "INFO:     connection rejected é",
            " WARNING",
            " ",
            "DEBUG",
            "INFO 2025-07-25 21:40:53,311",
            "2018-08-21 12:17:37,473",
            "2018-08-21 12:17:37,473 ",
            "2018-08-21 12:17:37,473 - ",
            "2018-08-21 12:17:37,473 - DEBUG - ",
            "2018-08-21 12:17:37,473 - é - DEBUG",
            "2018-08-21 12:17:37,473 [",
            "2018-08-21 12:17:37,473 [INFO",
            "2018-08-21 12:17:37,473 INFO é [é:1",
            "2018-08-21 12:17:37,473 INFO a [b:1]",
            "2018-08-21 12:17:37,473 é WARNING",
            "[2026-11-23 19:37:49,123]",
            "[23/Nov/2026 19:37:49] \"",
            "[23/Nov/2026 19:37:49] \"GET\" é",
            "[2023-06-23 13:08:02 +0000] [",
            "[2023-06-23 13:08:02 +0000] [14] [INFO",
            "[2023-06-23 13:08:02 +0000] [14] [é]",
            "2017-05-15 08:56:59+0000 [é",
            "2020/01/26 03:17:29 é:1:",
            "2020/01/26 03:17:29 [é]",
            "1:M 25 Äpr 2024 05:32:35.019 # x",
            "1:M 25 Apr 2024 05:32:35.019 #",
            "1:M 25 Apr 2024 05:32",
            "[1] 1",
            "🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌🔌",
            "\u{feff}INFO:     x",
        ];
        let mut lines: Vec<&str> = samples.to_vec();
        for f in all() {
            lines.push(f.example());
        }
        for line in lines {
            for cut in (0..=line.len()).filter(|&c| line.is_char_boundary(c)) {
                for f in all() {
                    let _ = f.parse(&line[..cut], &ctx());
                }
            }
        }
    }

    #[test]
    fn multibyte_characters_anywhere_never_panic() {
        // Every application layout, fed each example with one character swapped for a
        // multibyte one, or a space, or a quote, at every position.
        let mut fs = crate::format::nginx::formats();
        fs.extend(crate::format::daphne::formats());
        fs.extend(all());
        let mut extra = vec![
            "INFO:     ('10.5.10.5', 56608) - \"WebSocket /asr\" 403",
            "2024-11-01 17:11:32,699 INFO daphne.server [server.py:113] HTTP/2 x",
            "2018-02-05 12:18:07,117 - DEBUG - http_protocol - Upgraded",
            "[23/Nov/2026 19:37:49] \"GET / HTTP/1.1\" 200 1234",
            "1.2.3.4 - - [23/Nov/2026:19:37:49 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\" rt=1 urt=\"2\"",
        ];
        extra.extend(fs.iter().map(|f| f.example()));
        for ex in extra {
            for (i, _) in ex.char_indices() {
                for rep in ["é", "🔌", " ", "\"", "]", "[", ":", "-"] {
                    let mut line = String::with_capacity(ex.len() + 4);
                    line.push_str(&ex[..i]);
                    line.push_str(rep);
                    let next = ex[i..].chars().next().map_or(0, char::len_utf8);
                    line.push_str(&ex[i + next..]);
                    for f in &fs {
                        let _ = f.parse(&line, &ctx());
                    }
                }
            }
        }
    }

    #[test]
    fn formats_do_not_claim_each_others_examples() {
        let mut fs = crate::format::nginx::formats();
        fs.extend(crate::format::daphne::formats());
        fs.extend(all());
        for a in &fs {
            for b in &fs {
                if a.name() == b.name() {
                    continue;
                }
                assert!(
                    b.parse(a.example(), &ctx()).is_none(),
                    "{} claims the example of {}",
                    b.name(),
                    a.name()
                );
            }
        }
    }
}
