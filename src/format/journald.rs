//! The text output modes of `journalctl -o ...` (`short`, `short-precise`, `short-iso`,
//! `short-iso-precise`, `short-unix`, `short-full`, `cat`).
//!
//! Every mode but `cat` is `<time> <host> <identifier>[<pid>]: <message>`; only the time
//! differs. The parsers are hand-written byte scanners because journald text is the most
//! common envelope and the per-line fallback tries them on every line of other formats:
//! each checks a byte or two of the time first and borrows everything from the line.
//!
//! journalctl also writes lines that carry no entry (`-- Logs begin at ... --`); every
//! mode returns them as [`Kind::Marker`] so they count as parsed. The line it writes
//! between the entries of two boots (`-- Reboot --`, `-- Boot <id> --`) is
//! [`Kind::Reboot`]: the host went down there.
//!
//! Not handled here (needs more than one line): a multi-line journal message, which
//! journalctl prints with its continuation lines indented to the message column.

use std::borrow::Cow;

use chrono::NaiveTime;

use super::{Format, Kind, Layer, Parsed};
use crate::record::Timestamp;
use crate::time::{self, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![
        &ShortIsoPrecise,
        &ShortIso,
        &ShortFull,
        &ShortUnix,
        &ShortPrecise,
        &Short,
        &Cat,
    ]
}

/// `journalctl -o short` (the default, and what `journalctl -f` and `systemctl status`
/// show): a syslog-style time without year or zone.
pub struct Short;

/// `journalctl -o short-precise`: [`Short`] with microseconds.
pub struct ShortPrecise;

/// `journalctl -o short-iso`: an ISO-8601 time with offset. journalctl writes the offset
/// as `+0000` before systemd 250-ish and as `+00:00` after; `Z` is accepted as well.
pub struct ShortIso;

/// `journalctl -o short-iso-precise`: [`ShortIso`] with microseconds.
pub struct ShortIsoPrecise;

/// `journalctl -o short-unix`: seconds since the epoch with microseconds.
pub struct ShortUnix;

/// `journalctl -o short-full`: weekday, full date and a zone abbreviation
/// (`Mon 2026-11-23 19:37:49 UTC`), read by [`time::abbreviation_offset`].
pub struct ShortFull;

/// `journalctl -o cat`: the message alone, no time, host or identifier. Matches any line,
/// so it is only used when named with `--format`.
pub struct Cat;

impl Format for Short {
    fn name(&self) -> &'static str {
        "journald-short"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "Aug 29 07:35:43 sofia gunicorn[9118]: Traceback (most recent call last):"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_syslog_time(line, ctx, false)
    }
}

impl Format for ShortPrecise {
    fn name(&self) -> &'static str {
        "journald-short-precise"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "Aug 21 14:17:37.473512 gvaawxapp02t daphne[3535]: 2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc open and established"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_syslog_time(line, ctx, true)
    }
}

impl Format for ShortIso {
    fn name(&self) -> &'static str {
        "journald-short-iso"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "2026-11-23T19:37:49+0000 web1 daphne[3535]: 127.0.0.1:43174 - - [23/Nov/2026:19:37:49] \"WSCONNECT /ws/chat/42/\" - -"
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        // The offset is always written: no context needed.
        parse_iso(line, false)
    }
}

impl Format for ShortIsoPrecise {
    fn name(&self) -> &'static str {
        "journald-short-iso-precise"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "2026-11-23T19:37:49.123456+00:00 web1 uvicorn[812]: INFO:     ('10.0.0.5', 51065) - \"WebSocket /ws/chat/42/\" [accepted]"
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        // The offset is always written: no context needed.
        parse_iso(line, true)
    }
}

impl Format for ShortUnix {
    fn name(&self) -> &'static str {
        "journald-short-unix"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "1534860261.221373 imx6ul-medusa python[184]: GPS Reference longitude: 7.358143333"
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_unix(line)
    }
}

impl Format for ShortFull {
    fn name(&self) -> &'static str {
        "journald-short-full"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "Thu 2019-01-31 12:53:20 CET tuzebib-platform systemd[1]: Started daphne daemon (workbench)."
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_full(line, ctx)
    }
}

impl Format for Cat {
    fn name(&self) -> &'static str {
        "journald-cat"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc accepted by application"
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        Some(marker(line).unwrap_or_else(|| Parsed::new(line)))
    }
    fn detectable(&self) -> bool {
        false
    }
}

/// Leading spaces and tabs: journal excerpts pasted into documentation are often indented.
#[inline]
fn skip_indent(line: &str) -> &str {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    &line[i..]
}

/// `Nov 23 19:37:49 ...` (and `.123456` when `precise`).
fn parse_syslog_time<'a>(line: &'a str, ctx: &TimeCtx, precise: bool) -> Option<Parsed<'a>> {
    let s = skip_indent(line);
    let first = *s.as_bytes().first()?;
    if starts_marker(s) {
        return marker(line);
    }
    if !(first.is_ascii_alphabetic() || first >= 0x80) {
        return None;
    }
    let t = month_day_time(s.as_bytes())?;
    if (t.digits > 0) != precise {
        return None;
    }
    let rest = s.get(t.len..)?.strip_prefix(' ')?;
    let tail = host_ident(rest, false)?;
    let ts = ctx.yearless(t.month, t.day, t.time, t.digits, None)?;
    Some(tail.into_parsed(ts))
}

/// `2026-11-23T19:37:49+0000 ...` (and a fraction when `precise`).
fn parse_iso(line: &str, precise: bool) -> Option<Parsed<'_>> {
    let s = skip_indent(line);
    let b = s.as_bytes();
    // The cheap shape check first: most lines of other formats fail on one of these bytes.
    if b.len() < 25 || b[4] != b'-' || b[10] != b'T' || b[13] != b':' {
        return if starts_marker(s) { marker(line) } else { None };
    }
    // journalctl always writes the offset; without it this is some other ISO-stamped line.
    let w = time::iso_word(b)?;
    if (w.digits > 0) != precise {
        return None;
    }
    let tail = host_ident(&s[w.len + 1..], false)?;
    Some(tail.into_parsed(w.ts))
}

/// `1700000000.123456 ...`.
fn parse_unix(line: &str) -> Option<Parsed<'_>> {
    let s = skip_indent(line);
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() => {}
        _ if starts_marker(s) => return marker(line),
        _ => return None,
    }
    // journalctl always writes `%lu.%06lu`; an integer alone is too weak a shape.
    let (ts, n) = time::epoch_word(b, 12)?;
    let tail = host_ident(&s[n + 1..], false)?;
    Some(tail.into_parsed(ts))
}

/// `Mon 2026-11-23 19:37:49 UTC ...`.
fn parse_full<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let s = skip_indent(line);
    let b = s.as_bytes();
    let first = *b.first()?;
    if starts_marker(s) {
        return marker(line);
    }
    if !(first.is_ascii_alphabetic() || first >= 0x80) {
        return None;
    }
    // The weekday may be localised (`Mi`, `mer.`, `mié`): any short word.
    let wd = memchr::memchr(b' ', &b[..b.len().min(13)])?;
    let d = &b[wd + 1..];
    if d.len() < 20 || d[4] != b'-' || d[10] != b' ' {
        return None;
    }
    let p = time::iso_prefix(d, false)?;
    if d.get(p.len) != Some(&b' ') {
        return None;
    }
    let zs = p.len + 1;
    let zlen = memchr::memchr(b' ', &d[zs..])?;
    let zone = &d[zs..zs + zlen];
    let offset = match zone {
        [b'+' | b'-', ..] => match time::offset(zone) {
            Some((o, used)) if used == zone.len() => Some(o),
            _ => return None,
        },
        // An abbreviation of one zone (`EDT`, `CET`) says its offset; one of several
        // (`CST` is three zones) does not: `--tz` is assumed and the timestamp says so.
        z if !z.is_empty() && z.len() <= 6 && z.iter().all(u8::is_ascii_alphabetic) => {
            time::abbreviation_offset(z)
        }
        _ => return None,
    };
    let rest = s.get(wd + 1 + zs + zlen + 1..)?;
    let tail = host_ident(rest, false)?;
    let ts = ctx.complete(p.naive, p.digits, offset)?;
    Some(tail.into_parsed(ts))
}

/// A `Mon dd hh:mm:ss[.frac]` time as journalctl `short` and RFC 3164 write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MonthDayTime {
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// Time of day, fraction included.
    pub time: NaiveTime,
    /// Fraction digits (0 when none was written).
    pub digits: u8,
    /// Bytes consumed (ends before the following space).
    pub len: usize,
}

/// Reads `Nov 23 19:37:49`, `Nov  3 19:37:49`, `déc. 23 19:37:49.123456` at the start of
/// `b`. The month is a word up to the first space (localised names are not three bytes:
/// `févr.`), read by [`time::month`].
pub(crate) fn month_day_time(b: &[u8]) -> Option<MonthDayTime> {
    let mlen = memchr::memchr(b' ', &b[..b.len().min(13)])?;
    let month = time::month(std::str::from_utf8(&b[..mlen]).ok()?)?;
    let mut i = mlen + 1;
    // Syslog pads the day with a space (`Nov  3`), journalctl with a zero (`Nov 03`).
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (day, n) = time::leading_digits(b.get(i..i + 2.min(b.len().saturating_sub(i)))?)?;
    if !(1..=31).contains(&day) || b.get(i + n) != Some(&b' ') {
        return None;
    }
    i += n + 1;
    let (h, m, s) = time::hms(b.get(i..)?)?;
    i += 8;
    let (nanos, digits, flen) = time::fraction(&b[i..]);
    i += flen;
    let time = NaiveTime::from_hms_nano_opt(h, m, s.min(59), nanos)?;
    Some(MonthDayTime {
        month,
        day: day as u32,
        time,
        digits,
        len: i,
    })
}

/// The part after the time: host (absent with `journalctl --no-hostname` and in RFC 3164
/// lines sent to the local socket), identifier, pid and message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tail<'a> {
    /// Host name.
    pub host: Option<&'a str>,
    /// `SYSLOG_IDENTIFIER` (`daphne`, `kernel`, `systemd`, `docker/abc123`).
    pub program: &'a str,
    /// `_PID`.
    pub pid: Option<u32>,
    /// Everything after `: `, leading whitespace kept.
    pub message: &'a str,
}

impl<'a> Tail<'a> {
    fn into_parsed(self, ts: Timestamp) -> Parsed<'a> {
        let mut p = Parsed::new(self.message);
        p.ts = Some(ts);
        p.host = self.host;
        p.program = Some(Cow::Borrowed(self.program));
        p.pid = self.pid;
        p
    }
}

/// Reads `host prog[pid]: msg`, `host prog: msg` or (no host) `prog[pid]: msg`.
///
/// A host name cannot end with `:`, so a first word that does is the identifier. Without
/// a host, `bare_ok` decides whether `prog: msg` (no pid) is accepted: in a line with no
/// other anchor (journald) `2026-...Z INFO:     msg` from another format would match.
pub(crate) fn host_ident(rest: &str, bare_ok: bool) -> Option<Tail<'_>> {
    if let Some(tail) = TAILS.with_borrow(|t| t.find(rest, bare_ok)) {
        return Some(tail);
    }
    let tail = read_host_ident(rest, bare_ok)?;
    TAILS.with_borrow_mut(|t| t.remember(rest, bare_ok, &tail));
    Some(tail)
}

/// [`host_ident`] without the shapes remembered.
fn read_host_ident(rest: &str, bare_ok: bool) -> Option<Tail<'_>> {
    let b = rest.as_bytes();
    let end = memchr::memchr(b' ', b).unwrap_or(b.len());
    if end == 0 {
        return None;
    }
    if b[end - 1] == b':' {
        let (program, pid, message) = ident(rest)?;
        if pid.is_none() && !bare_ok {
            return None;
        }
        return Some(Tail {
            host: None,
            program,
            pid,
            message,
        });
    }
    if end == b.len() {
        return None;
    }
    let (program, pid, message) = ident(&rest[end + 1..])?;
    Some(Tail {
        host: Some(&rest[..end]),
        program,
        pid,
        message,
    })
}

/// The longest `host prog[pid]: ` [`Shapes`] remembers.
const SHAPE_MAX: usize = 48;

/// Where the parts of a `host prog[pid]: ` lie, by offset in it, and its bytes.
#[derive(Clone, Copy)]
struct Shape {
    /// The first eight bytes, to tell most other lines apart at one compare.
    head: u64,
    bytes: [u8; SHAPE_MAX],
    /// Bytes of it, up to the message.
    len: usize,
    bare_ok: bool,
    host: Option<usize>,
    program: (usize, usize),
    pid: Option<u32>,
}

/// The last few `host prog[pid]: ` that [`host_ident`] read. What it reads depends on
/// those bytes alone when they end with the space before the message (each reader stops
/// at a byte within them), so a line that starts with one of them has its answer: a
/// journal interleaves a few programs, and reading their names and pids again costs more
/// than the rest of the envelope.
#[derive(Default)]
struct Shapes {
    shapes: [Option<Shape>; 4],
    /// The slot the next new shape takes.
    next: usize,
}

impl Shapes {
    fn find<'a>(&self, rest: &'a str, bare_ok: bool) -> Option<Tail<'a>> {
        let b = rest.as_bytes();
        let head = u64::from_le_bytes(b.get(..8)?.try_into().expect("eight bytes"));
        let s = self.shapes.iter().flatten().find(|s| {
            s.head == head
                && s.bare_ok == bare_ok
                && b.get(8..s.len).is_some_and(|p| *p == s.bytes[8..s.len])
        })?;
        Some(Tail {
            host: s.host.map(|h| &rest[..h]),
            program: &rest[s.program.0..s.program.1],
            pid: s.pid,
            message: &rest[s.len..],
        })
    }

    fn remember(&mut self, rest: &str, bare_ok: bool, tail: &Tail) {
        // An empty message may be no slice of `rest` (nothing after a final `:`); the
        // other parts are, so their offsets in it are told by their addresses.
        if tail.message.is_empty() {
            return;
        }
        let at = |part: &str| part.as_ptr() as usize - rest.as_ptr() as usize;
        let len = at(tail.message);
        if !(8..=SHAPE_MAX).contains(&len) || rest.as_bytes()[len - 1] != b' ' {
            return;
        }
        let mut bytes = [0u8; SHAPE_MAX];
        bytes[..len].copy_from_slice(&rest.as_bytes()[..len]);
        let program = at(tail.program);
        self.shapes[self.next] = Some(Shape {
            head: u64::from_le_bytes(bytes[..8].try_into().expect("eight bytes")),
            bytes,
            len,
            bare_ok,
            host: tail.host.map(str::len),
            program: (program, program + tail.program.len()),
            pid: tail.pid,
        });
        self.next = (self.next + 1) % self.shapes.len();
    }
}

thread_local! {
    static TAILS: std::cell::RefCell<Shapes> = std::cell::RefCell::new(Shapes::default());
}

/// `prog[pid]: msg` / `prog: msg` / `prog[pid]:` (empty message). The identifier has no
/// spaces or control characters; it may hold `-`, `.`, `@`, `/`, `(`, and a `:` not
/// followed by a space.
fn ident(s: &str) -> Option<(&str, Option<u32>, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        // Most bytes of an identifier are none of those the arms below look at: one
        // table look-up each skips them.
        while i < b.len() && !IDENT_STOP[usize::from(b[i])] {
            i += 1;
        }
        if i == b.len() {
            return None;
        }
        match b[i] {
            b'[' if i > 0 => {
                let (pid, n) = time::leading_digits(&b[i + 1..])?;
                let j = i + 1 + n;
                if b.get(j) != Some(&b']') || b.get(j + 1) != Some(&b':') {
                    return None;
                }
                let pid = u32::try_from(pid).ok()?;
                return Some((&s[..i], Some(pid), message_after(s, j + 2)?));
            }
            b':' if i > 0 && matches!(b.get(i + 1), None | Some(b' ')) => {
                return Some((&s[..i], None, message_after(s, i + 1)?));
            }
            c if c <= b' ' || c == 0x7f || c == b'[' => return None,
            _ => i += 1,
        }
    }
}

/// The bytes [`ident`] stops at: `[`, `:`, spaces and control characters.
static IDENT_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c <= b' ' as usize || c == 0x7f || c == b'[' as usize || c == b':' as usize;
        c += 1;
    }
    t
};

/// The message after the `:` at `colon_end`: one space is the separator, the rest is kept.
#[inline]
fn message_after(s: &str, colon_end: usize) -> Option<&str> {
    match s.as_bytes().get(colon_end) {
        None => Some(""),
        Some(b' ') => Some(&s[colon_end + 1..]),
        _ => None,
    }
}

/// The prefix `journalctl -x` (systemd 246 and later) gives the message catalog's
/// explanation under an entry; older versions write `-- `.
const CATALOG: &str = "\u{2591}\u{2591}";

/// `s` (its indent skipped) may be one of journalctl's own lines ([`marker`]).
fn starts_marker(s: &str) -> bool {
    s.starts_with('-') || s.starts_with(CATALOG)
}

/// journalctl's own lines: `-- Logs begin at ... --`, `-- Journal begins at ... --`,
/// `-- Boot <id> --`, `-- Reboot --`, `-- No entries --`, `-- cursor: ...`
/// (`--show-cursor`), and the message catalog's explanation `journalctl -x` writes under
/// an entry (`-- Subject: Unit daphne.service has failed`, `░░ Support: ...`, the text
/// after them, blank `--` lines). A `-- Boot` marker keeps its id in field `boot_id`.
pub(crate) fn marker(line: &str) -> Option<Parsed<'_>> {
    let t = skip_indent(line).trim_end_matches([' ', '\t', '\r']);
    if t == "--" || t.starts_with(CATALOG) {
        return Some(marker_parsed(t));
    }
    let inner = t.strip_prefix("-- ")?;
    if inner.starts_with("cursor: ") {
        return Some(marker_parsed(t));
    }
    // The catalog's text: one of its header fields, or prose (a capital, a sentence; a
    // sentence's second line starts in lower case and ends it: `-- the configured Restart=
    // setting for the unit.`).
    let Some(body) = inner.strip_suffix(" --") else {
        let catalog = ["Subject: ", "Defined-By: ", "Support: ", "Documentation: "]
            .iter()
            .any(|k| inner.starts_with(k))
            || inner.starts_with(|c: char| c.is_ascii_uppercase()) && inner.contains(' ')
            || inner.starts_with(|c: char| c.is_ascii_lowercase())
                && inner.contains(' ')
                && inner.ends_with('.');
        return catalog.then(|| marker_parsed(t));
    };
    let reboot = || Parsed {
        kind: Kind::Reboot,
        ..marker_parsed(t)
    };
    if let Some(id) = body.strip_prefix("Boot ") {
        if id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()) {
            let mut p = reboot();
            p.fields.push(("boot_id", Cow::Borrowed(id)));
            return Some(p);
        }
        return None;
    }
    if body == "Reboot" {
        return Some(reboot());
    }
    let known = body == "No entries"
        || body.starts_with("Logs begin at ")
        || body.starts_with("Journal begins at ")
        || body.starts_with("Journal starts at ");
    known.then(|| marker_parsed(t))
}

fn marker_parsed(text: &str) -> Parsed<'_> {
    let mut p = Parsed::new(text);
    p.kind = Kind::Marker;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;
    use chrono::{FixedOffset, NaiveDateTime};

    #[test]
    fn hosts_and_identifiers_read_in_turn_are_each_read_as_without_the_last_ones() {
        // The last few shapes read are remembered: each text here must still get what
        // reading it afresh gives, whatever was read before it.
        let texts = [
            "web-1 daphne[4243]: hello",
            "web-1 daphne[4243]: hello again",
            "web-1 daphne[4243]:",
            "web-1 daphne[4243]:x",
            "web-1 daphne[42431]: longer pid",
            "web-1 daphne[4243]: ",
            "web-1 celery[3131]: task",
            "web-1 gunicorn[2020]: GET /",
            "web-1 systemd[1]: Started",
            "web-1 daphne[4243]: back",
            "web-1 daphne: no pid",
            "web-1 daphne: no pid",
            "daphne[4243]: no host",
            "daphne[4243]: no host",
            "daphne: bare",
            "daphne: bare",
            "hôst-é prög[7]: ünïcode",
            "hôst-é prög[7]: ünïcode",
            "a-rather-long-host-name.example.com some-long-program-name[1234567]: x",
            "a-rather-long-host-name.example.com some-long-program-name[1234567]: x",
            "web-1 daphne[4243] no colon",
            "web-1",
            "",
        ];
        for bare_ok in [false, true, false] {
            for t in texts {
                assert_eq!(
                    host_ident(t, bare_ok),
                    read_host_ident(t, bare_ok),
                    "{t:?} {bare_ok}"
                );
            }
        }
    }

    fn ctx() -> TimeCtx {
        TimeCtx {
            reference: NaiveDateTime::parse_from_str("2026-12-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
            year: None,
            tz: FixedOffset::east_opt(0).unwrap().into(),
        }
    }

    fn rfc(p: &Parsed) -> String {
        p.ts.unwrap().to_rfc3339()
    }

    #[test]
    fn short_reads_real_awx_line_and_keeps_the_body() {
        let line = "Aug 21 14:17:37 gvaawxapp02t daphne[3535]: 2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc open and established";
        let p = Short.parse(line, &ctx()).unwrap();
        assert_eq!(rfc(&p), "2026-08-21T14:17:37Z");
        let note = p.ts.unwrap().note;
        assert!(note.contains(TsNote::YEAR) && note.contains(TsNote::ZONE));
        assert_eq!(p.host, Some("gvaawxapp02t"));
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(p.pid, Some(3535));
        assert_eq!(
            p.message,
            "2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc open and established"
        );
        assert_eq!(p.kind, Kind::Record);
        assert!(p.fields.is_empty());
    }

    #[test]
    fn short_keeps_traceback_indentation_in_message() {
        let line = "Aug 29 07:35:43 sofia gunicorn[9118]:   File \"/usr/local/lib/python3.6/dist-packages/channels/sessions.py\", line 175, in __call__";
        let p = Short.parse(line, &ctx()).unwrap();
        assert_eq!(
            p.message,
            "  File \"/usr/local/lib/python3.6/dist-packages/channels/sessions.py\", line 175, in __call__"
        );
    }

    #[test]
    fn short_tolerates_indented_lines() {
        let line =
            "    Jan 31 12:53:20 tuzebib-platform systemd[1]: Started daphne daemon (workbench).";
        let p = Short.parse(line, &ctx()).unwrap();
        assert_eq!(p.host, Some("tuzebib-platform"));
        assert_eq!(p.program.as_deref(), Some("systemd"));
        assert_eq!(p.pid, Some(1));
        assert_eq!(p.message, "Started daphne daemon (workbench).");
    }

    #[test]
    fn short_rejects_broken_gunicorn_header() {
        // First line of uvicorn-185: a gunicorn header whose `[` was lost.
        let line = "2018-08-29 07:35:43 -0500] [9160] [ERROR] Exception in ASGI application";
        for f in formats().into_iter().filter(|f| f.detectable()) {
            assert!(f.parse(line, &ctx()).is_none(), "{}", f.name());
        }
    }

    #[test]
    fn short_accepts_space_padded_and_zero_padded_day() {
        let p = Short.parse("Nov  3 19:37:49 h kernel: x", &ctx()).unwrap();
        assert_eq!(rfc(&p), "2026-11-03T19:37:49Z");
        let p = Short.parse("Nov 03 19:37:49 h kernel: x", &ctx()).unwrap();
        assert_eq!(rfc(&p), "2026-11-03T19:37:49Z");
        assert_eq!(p.pid, None);
        assert_eq!(p.program.as_deref(), Some("kernel"));
    }

    #[test]
    fn short_reads_localised_month_names() {
        for (line, want) in [
            ("Mär 05 10:00:00 h a[1]: m", "2026-03-05T10:00:00Z"),
            ("Okt 05 10:00:00 h a[1]: m", "2026-10-05T10:00:00Z"),
            ("févr. 05 10:00:00 h a[1]: m", "2026-02-05T10:00:00Z"),
            ("déc. 05 10:00:00 h a[1]: m", "2025-12-05T10:00:00Z"),
            ("ene 05 10:00:00 h a[1]: m", "2026-01-05T10:00:00Z"),
            ("dic 05 10:00:00 h a[1]: m", "2025-12-05T10:00:00Z"),
        ] {
            let p = Short
                .parse(line, &ctx())
                .unwrap_or_else(|| panic!("{line}"));
            assert_eq!(rfc(&p), want, "{line}");
        }
    }

    #[test]
    fn short_accepts_identifiers_with_punctuation_and_empty_message() {
        let p = Short
            .parse("Nov 23 19:37:49 h user@1000.service[5]: ", &ctx())
            .unwrap();
        assert_eq!(p.program.as_deref(), Some("user@1000.service"));
        assert_eq!(p.message, "");
        let p = Short
            .parse("Nov 23 19:37:49 h docker/web-1.x[5]:", &ctx())
            .unwrap();
        assert_eq!(p.program.as_deref(), Some("docker/web-1.x"));
        assert_eq!(p.message, "");
        let p = Short
            .parse("Nov 23 19:37:49 h (sd-pam)[77]: ok", &ctx())
            .unwrap();
        assert_eq!(p.program.as_deref(), Some("(sd-pam)"));
    }

    #[test]
    fn short_requires_identifier_after_host() {
        for line in [
            "Nov 23 19:37:49 host this is not an identifier",
            "Nov 23 19:37:49 host prog [12]: spaced",
            "Nov 23 19:37:49 host prog[12] no colon",
            "Nov 23 19:37:49 host prog[x]: bad pid",
            "Nov 23 19:37:49 host prog[99999999999]: pid too large",
            "Nov 23 19:37:49 host",
            "Nov 23 19:37:49",
            "Wed Jul 13 11:13:43 UTC 2016",
        ] {
            assert!(Short.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn short_without_hostname_takes_first_word_as_identifier() {
        let p = Short
            .parse("Nov 23 19:37:49 daphne[3535]: hello", &ctx())
            .unwrap();
        assert_eq!(p.host, None);
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(p.message, "hello");
        assert!(Short
            .parse("Nov 23 19:37:49 Error: no pid", &ctx())
            .is_none());
    }

    #[test]
    fn short_and_short_precise_do_not_overlap() {
        let precise = "Aug 21 14:17:37.473512 gvaawxapp02t daphne[3535]: x";
        let plain = "Aug 21 14:17:37 gvaawxapp02t daphne[3535]: x";
        assert!(Short.parse(precise, &ctx()).is_none());
        assert!(ShortPrecise.parse(plain, &ctx()).is_none());
        let p = ShortPrecise.parse(precise, &ctx()).unwrap();
        assert_eq!(rfc(&p), "2026-08-21T14:17:37.473512Z");
        assert_eq!(p.ts.unwrap().digits, 6);
    }

    #[test]
    fn short_rejects_impossible_dates() {
        assert!(Short.parse("Nov 31 19:37:49 h a: x", &ctx()).is_none());
        assert!(Short.parse("Nov 00 19:37:49 h a: x", &ctx()).is_none());
        assert!(Short.parse("Nov 23 25:37:49 h a: x", &ctx()).is_none());
    }

    #[test]
    fn short_iso_accepts_all_offset_spellings() {
        for (line, want) in [
            ("2026-11-23T19:37:49+0000 h a[1]: m", "2026-11-23T19:37:49Z"),
            (
                "2026-11-23T19:37:49+00:00 h a[1]: m",
                "2026-11-23T19:37:49Z",
            ),
            ("2026-11-23T19:37:49Z h a[1]: m", "2026-11-23T19:37:49Z"),
            ("2026-11-23T19:37:49-0500 h a[1]: m", "2026-11-24T00:37:49Z"),
            (
                "2026-11-23T19:37:49+01:00 h a[1]: m",
                "2026-11-23T18:37:49Z",
            ),
        ] {
            let p = ShortIso
                .parse(line, &ctx())
                .unwrap_or_else(|| panic!("{line}"));
            assert_eq!(rfc(&p), want);
            assert_eq!(p.ts.unwrap().note, TsNote::NONE);
            assert_eq!(p.message, "m");
        }
    }

    #[test]
    fn short_iso_precise_keeps_fraction_digits() {
        let p = ShortIsoPrecise
            .parse(
                "2026-11-23T19:37:49.123456+00:00 web1 daphne[3535]: hi",
                &ctx(),
            )
            .unwrap();
        assert_eq!(rfc(&p), "2026-11-23T19:37:49.123456Z");
        assert_eq!(p.host, Some("web1"));
        assert!(ShortIso
            .parse(
                "2026-11-23T19:37:49.123456+00:00 web1 daphne[3535]: hi",
                &ctx()
            )
            .is_none());
        assert!(ShortIsoPrecise
            .parse("2026-11-23T19:37:49+00:00 web1 daphne[3535]: hi", &ctx())
            .is_none());
    }

    #[test]
    fn short_iso_rejects_python_logging_and_supervisord_lines() {
        for line in [
            "2018-08-21 12:17:37,473 DEBUG    WebSocket daphne.response.fFfkUJvMQZ!GsuGLNKtwc accepted by application",
            "2025-06-16 21:29:23,870 INFO spawned: 'caddy' with pid 7",
            "2018-08-21 12:17:38,483 - DEBUG - worker - Got message on websocket.receive",
            "2026-11-23T19:37:49 host prog[1]: no offset",
            "2026-11-23T19:37:49.123456789Z INFO:     connection open",
        ] {
            for f in [&ShortIso as &dyn Format, &ShortIsoPrecise] {
                assert!(f.parse(line, &ctx()).is_none(), "{} {line}", f.name());
            }
        }
    }

    #[test]
    fn short_unix_reads_epoch_with_micros() {
        let p = ShortUnix
            .parse(
                "1534860261.221373 imx6ul-medusa python[184]: GPS Reference longitude: 7.358143333",
                &ctx(),
            )
            .unwrap();
        assert_eq!(rfc(&p), "2018-08-21T14:04:21.221373Z");
        assert_eq!(p.pid, Some(184));
        assert!(ShortUnix
            .parse("1534860261 host python[184]: no fraction", &ctx())
            .is_none());
        assert!(ShortUnix
            .parse("1:signal-handler (1714024483) Received SIGTERM", &ctx())
            .is_none());
    }

    #[test]
    fn short_full_reads_utc_numeric_and_one_zones_abbreviations_and_assumes_others() {
        let p = ShortFull
            .parse("Mon 2026-11-23 19:37:49 UTC web1 daphne[3535]: hi", &ctx())
            .unwrap();
        assert_eq!(rfc(&p), "2026-11-23T19:37:49Z");
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        let p = ShortFull
            .parse(
                "Mon 2026-11-23 19:37:49 +0100 web1 daphne[3535]: hi",
                &ctx(),
            )
            .unwrap();
        assert_eq!(rfc(&p), "2026-11-23T18:37:49Z");
        // EDT names one zone: its offset is read (the daemon's own line says 11:13:43 UTC).
        let p = ShortFull
            .parse("Wed 2016-07-13 07:13:43 EDT master.localdomain dockerd[19697]: Wed Jul 13 11:13:43 UTC 2016", &ctx())
            .unwrap();
        assert_eq!(rfc(&p), "2016-07-13T11:13:43Z");
        assert_eq!(p.ts.unwrap().note, TsNote::NONE);
        assert_eq!(p.message, "Wed Jul 13 11:13:43 UTC 2016");
        // CST names three: `--tz` is assumed, and the time says so.
        let p = ShortFull
            .parse("Wed 2016-07-13 07:13:43 CST web1 daphne[3535]: hi", &ctx())
            .unwrap();
        assert!(p.ts.unwrap().note.contains(TsNote::ZONE));
        assert!(ShortFull
            .parse("Mon 2026-11-23 19:37:49 web1 daphne[3535]: no zone", &ctx())
            .is_none());
    }

    #[test]
    fn markers_are_recognised_by_every_text_mode() {
        for line in [
            "-- Logs begin at Wed 2016-07-13 01:17:15 EDT. --",
            "-- Logs begin at Wed 2016-07-13 01:17:15 EDT, end at Wed 2016-07-13 07:14:08 EDT. --",
            "-- Journal begins at Mon 2021-11-01 10:00:00 UTC, ends at Tue 2021-11-02 10:00:00 UTC. --",
            "-- No entries --",
            "-- cursor: s=e991dd5775894620914f2f7126aae6c1;i=372a",
            // `journalctl -x`: the catalog's explanation, old and new prefixes.
            "-- Subject: A start job for unit daphne.service has failed",
            "-- Defined-By: systemd",
            "-- Support: https://www.debian.org/support",
            "--",
            "-- A start job for unit daphne.service has finished with a failure.",
            // A sentence's second line (essarch#1922's `journalctl -xe`).
            "-- the configured Restart= setting for the unit.",
            "\u{2591}\u{2591} Subject: A start job for unit daphne.service has failed",
            "\u{2591}\u{2591} ",
            "\u{2591}\u{2591} The job identifier is 1234 and the job result is failed.",
        ] {
            for f in formats() {
                let p = f
                    .parse(line, &ctx())
                    .unwrap_or_else(|| panic!("{} {line}", f.name()));
                assert_eq!(p.kind, Kind::Marker, "{} {line}", f.name());
                assert!(p.ts.is_none());
            }
        }
    }

    /// The line between two boots' entries is a record of its own (the host went down
    /// there), in every text mode; it was a marker, counted and dropped.
    #[test]
    fn a_boot_change_is_a_reboot_line_in_every_text_mode() {
        for line in [
            "-- Boot 0dc874d3fbd44bdbb6fbcfaa27481492 --",
            "-- Reboot --",
            "    -- Reboot --",
        ] {
            for f in formats() {
                let p = f
                    .parse(line, &ctx())
                    .unwrap_or_else(|| panic!("{} {line}", f.name()));
                assert_eq!(p.kind, Kind::Reboot, "{} {line}", f.name());
                assert!(p.ts.is_none());
            }
        }
    }

    #[test]
    fn boot_marker_keeps_boot_id() {
        let p = Short
            .parse("-- Boot 0dc874d3fbd44bdbb6fbcfaa27481492 --", &ctx())
            .unwrap();
        assert_eq!(p.field("boot_id"), Some("0dc874d3fbd44bdbb6fbcfaa27481492"));
        assert!(Short.parse("-- Boot nothex --", &ctx()).is_none());
        assert!(Short.parse("-- something else --", &ctx()).is_none());
    }

    #[test]
    fn cat_takes_whole_line_and_is_not_detectable() {
        let p = Cat.parse("  indented body", &ctx()).unwrap();
        assert_eq!(p.message, "  indented body");
        assert_eq!(p.kind, Kind::Record);
        assert!(p.ts.is_none() && p.host.is_none());
        assert!(!Cat.detectable());
        assert_eq!(Cat.parse("", &ctx()).unwrap().message, "");
    }

    #[test]
    fn real_journal_files_parse_line_by_line() {
        let moby = [
            "-- Logs begin at Wed 2016-07-13 01:17:15 EDT. --",
            "Jul 13 07:13:43 master.localdomain dockerd[19697]: Wed Jul 13 11:13:43 UTC 2016",
        ];
        assert_eq!(Short.parse(moby[0], &ctx()).unwrap().kind, Kind::Marker);
        let p = Short.parse(moby[1], &ctx()).unwrap();
        assert_eq!(p.host, Some("master.localdomain"));
        assert_eq!(p.program.as_deref(), Some("dockerd"));
        let line = "    Jan 31 12:53:20 tuzebib-platform daphne[23868]: [2019-01-31 12:53:20 +0100] [23873] [INFO] Booting worker with pid: 23873";
        let p = Short.parse(line, &ctx()).unwrap();
        assert_eq!(
            p.message,
            "[2019-01-31 12:53:20 +0100] [23873] [INFO] Booting worker with pid: 23873"
        );
    }

    #[test]
    fn garbage_multibyte_empty_and_truncated_lines_never_panic() {
        let good =
            "2026-11-23T19:37:49.123456+00:00 h\u{e9}\u{301} daphne[3535]: h\u{e9}llo \u{1f600}";
        let mut inputs: Vec<String> = vec![
            String::new(),
            " ".into(),
            "\t\t".into(),
            "-".into(),
            "--".into(),
            "-- ".into(),
            "-- Boot".into(),
            "\u{1f600}\u{1f600}\u{1f600}\u{1f600}".into(),
            "déc".into(),
            "déc.".into(),
            "déc. 2".into(),
            "févr. 23 19:37:49".into(),
            "Nov 23 19:37:49 \u{e9}".into(),
            "Nov 23 19:37:49 h \u{e9}[".into(),
            "Nov 23 19:37:49 h a[".into(),
            "Nov 23 19:37:49 h a[1".into(),
            "Nov 23 19:37:49 h a[1]".into(),
            "Mon 2026-11-23 19:37:49 U".into(),
            "Mon\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} 2026".into(),
            "99999999999999999999999.1 h a: x".into(),
            "1.".into(),
            "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".into(),
            "2026-11-23T\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}".into(),
        ];
        for i in 0..=good.len() {
            if let Some(s) = good.get(..i) {
                inputs.push(s.to_string());
            }
        }
        for f in formats() {
            for s in &inputs {
                let _ = f.parse(s, &ctx());
            }
        }
        assert!(ShortIsoPrecise.parse(good, &ctx()).is_some());
    }
}
