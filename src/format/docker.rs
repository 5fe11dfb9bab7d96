//! The envelopes docker and the container runtimes put around a container's output:
//! json-file records on disk, `docker logs -t` (and `kubectl logs --timestamps`), `docker
//! compose logs` and `kubectl logs --prefix` prefixes, and CRI (containerd / CRI-O) files.
//!
//! All four carry one physical line of the application at a time. Docker and CRI cut
//! long lines (16 KiB) into pieces; a piece that does not end the application's line is
//! returned as [`Kind::Partial`] and joined by the assembler.

use std::borrow::Cow;

use serde::Deserialize;

use super::{Format, Kind, Layer, Parsed};
use crate::record::{Level, Timestamp};
use crate::time::{iso_prefix, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![
        &DockerJson,
        &Cri,
        &DockerTimestamps,
        &KubectlPrefix,
        &DockerCompose,
    ]
}

/// docker's `json-file` logging driver, as stored in
/// `/var/lib/docker/containers/<id>/<id>-json.log`: one JSON object per line with the
/// application's line in `log` (newline included), `stream` and `time`, sometimes
/// `attrs` (labels / env chosen with `--log-opt`). Log shippers copy the same records,
/// sometimes reduced to `{"log":"..."}`.
pub struct DockerJson;

/// `docker logs -t` / `--timestamps`: the daemon's RFC 3339 time with exactly nine
/// fraction digits (Go's `RFC3339NanoFixed`), one space, then the application's line.
/// `kubectl logs --timestamps` too: its times drop the fraction's trailing zeros.
pub struct DockerTimestamps;

/// `docker compose logs` (v2, `web-1  | `) and `docker-compose logs` (v1, `web_1  | `):
/// the service or container name padded to the widest name, `|`, one space, the line;
/// with `--timestamps`, the daemon's time comes first after the bar.
pub struct DockerCompose;

/// `kubectl logs --prefix` (with `--all-containers`, a deployment or a selector): each
/// line starts `[pod/NAME/CONTAINER] `, then, with `--timestamps`, the runtime's time.
/// The pod is the record's host and the container its program, so the lines of two
/// replicas are told apart. kubetail's `[POD] ` is read too, when the name ends in the
/// random suffix Kubernetes gives a ReplicaSet's or DaemonSet's pods (`-2zbxs`): a
/// bracketed word in front of a line is too common (`[django.request]`, `[-]`) to be
/// taken for a pod on its shape alone.
pub struct KubectlPrefix;

/// The CRI log file format written by containerd and CRI-O under `/var/log/pods`:
/// RFC 3339 time, stream, `P` (partial) or `F` (full), the line.
pub struct Cri;

/// The fields of a json-file record we use; `attrs` and anything else is skipped.
/// `Cow` borrows from the line when the string has no escapes, which is the common case.
#[derive(Deserialize)]
struct JsonFileLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(default, borrow)]
    stream: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    time: Option<Cow<'a, str>>,
}

/// Compose pads names to the widest one; real service and container names are far
/// shorter, and a longer "name" is more likely ordinary text that happens to hold a `|`.
const MAX_COMPOSE_NAME: usize = 64;

impl Format for DockerJson {
    fn name(&self) -> &'static str {
        "docker-json"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        r#"{"log":"2026-11-23 19:37:49,123 INFO     Listening on TCP address 0.0.0.0:8000\n","stream":"stderr","time":"2026-11-23T19:37:49.123456789Z"}"#
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let b = line.as_bytes();
        if b.first() != Some(&b'{') {
            return None;
        }
        // docker always writes `log` first; anything else must at least mention it, and
        // (below) carry docker's other keys, so an application's own JSON with a `log`
        // key is not mistaken for an envelope.
        let canonical = b.starts_with(br#"{"log":"#);
        if !canonical && memchr::memmem::find(b, br#""log""#).is_none() {
            return None;
        }
        let (text, kind, stream, time) = match canonical.then(|| json_fast(line)).flatten() {
            Some(found) => found,
            None => {
                let rec: JsonFileLine<'a> = serde_json::from_str(line).ok()?;
                if !canonical && rec.stream.is_none() && rec.time.is_none() {
                    return None;
                }
                let (text, kind) = split_newline(rec.log);
                let stream = rec.stream.as_deref().and_then(stream_name);
                let time = rec.time.as_deref().and_then(|t| rfc3339_exact(t, ctx));
                (text, kind, stream, time.map(Ok))
            }
        };
        let mut p = Parsed::new(strip_ansi_cow(text));
        p.kind = kind;
        p.stream = stream;
        p.ts = match time {
            Some(Ok(ts)) => Some(ts),
            Some(Err(raw)) => rfc3339_exact(raw, ctx),
            None => None,
        };
        Some(p)
    }
}

impl Format for Cri {
    fn name(&self) -> &'static str {
        "cri"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        r#"2026-11-23T19:37:49.123456789Z stderr F INFO:     ('10.5.10.5', 56608) - "WebSocket /asr" 403"#
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let b = line.as_bytes();
        let (ts, n) = daemon_time(b, ctx, false)?;
        if b.get(n) != Some(&b' ') {
            return None;
        }
        let (stream, kind, used) = cri_tail(&b[n + 1..])?;
        // `used` counts ASCII bytes only (stream, tag, separator).
        let mut p = Parsed::new(&line[n + 1 + used..]);
        p.ts = Some(ts);
        p.stream = Some(stream);
        p.kind = kind;
        Some(p)
    }
}

impl Format for DockerTimestamps {
    fn name(&self) -> &'static str {
        "docker-timestamps"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        r#"2026-11-23T19:37:49.123456789Z 127.0.0.1:48306 - - [23/Nov/2026:19:37:49] "WSCONNECT /ws/chat/" - -"#
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let (Some(ts), message) = leading_time(line, ctx) else {
            return None;
        };
        if cri_tail(message.as_bytes()).is_some() {
            return None;
        }
        let mut p = Parsed::new(message);
        p.ts = Some(ts);
        Some(p)
    }
}

impl Format for DockerCompose {
    fn name(&self) -> &'static str {
        "docker-compose"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        r#"arbitrage-web       | 192.168.16.1:56760 - - [25/Jul/2025:21:41:35] "WSCONNECT /ws/arbitrage/" - -"#
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let b = line.as_bytes();
        if !b.first()?.is_ascii_alphanumeric() {
            return None;
        }
        let mut i = 1;
        // Every line of a file without an envelope comes this far (a client address):
        // one table look-up a byte.
        // (`@`: `docker service logs` names a swarm task `service.slot.task@node`.)
        while i < b.len() && (NAME_BYTE[usize::from(b[i])] || b[i] == b'@') {
            i += 1;
            if i > MAX_COMPOSE_NAME {
                return None;
            }
        }
        let mut j = i;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j == i || b.get(j) != Some(&b'|') {
            return None;
        }
        let start = match b.get(j + 1) {
            None => b.len(),
            Some(b' ') => j + 2,
            Some(_) => return None,
        };
        let name = &line[..i];
        // `INFO | ...`, `ERROR    | ...` are columns of an application's own layout; an
        // address (`bob@example.com | ...`) is no swarm task.
        if Level::parse(name).is_some() || (name.contains('@') && swarm_task(name).is_none()) {
            return None;
        }

        let (ts, message) = leading_time(&line[start..], ctx);
        let mut p = Parsed::new(message);
        p.ts = ts;
        // Each container is a machine of its own (its own pids, its own restarts), as a
        // pod is for `kubectl --prefix`: two replicas of one service are told apart.
        p.host = Some(name);
        p.program = Some(Cow::Borrowed(name));
        match swarm_task(name).or_else(|| split_replica(name)) {
            Some((service, replica)) => {
                p.fields.push(("service", Cow::Borrowed(service)));
                p.fields.push(("replica", Cow::Borrowed(replica)));
            }
            None => p.fields.push(("service", Cow::Borrowed(name))),
        }
        Some(p)
    }
}

/// The runtime's time at the start of `text` (`--timestamps`), and the line after it
/// (empty when the line was, its trailing space lost); `(None, text)` without one.
fn leading_time<'a>(text: &'a str, ctx: &TimeCtx) -> (Option<Timestamp>, &'a str) {
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        if let Some((t, n)) = daemon_time(text.as_bytes(), ctx, true) {
            match text.as_bytes().get(n) {
                None => return (Some(t), ""),
                Some(b' ') => return (Some(t), &text[n + 1..]),
                Some(_) => {}
            }
        }
    }
    (None, text)
}

impl Format for KubectlPrefix {
    fn name(&self) -> &'static str {
        "kubectl-prefix"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        r#"[pod/web-7d4b9c-x2x9q/daphne] 2026-11-23T19:37:49.123456789Z 10.0.0.5:48306 - - [23/Nov/2026:19:37:49] "WSCONNECT /ws/chat/" - -"#
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let rest = line.strip_prefix('[')?;
        let close = memchr::memmem::find(&rest.as_bytes()[..rest.len().min(MAX_PREFIX)], b"] ")
            .or_else(|| rest.ends_with(']').then(|| rest.len() - 1))?;
        let (pod, container) = match rest[..close].strip_prefix("pod/") {
            Some(named) => {
                let (pod, container) = named.split_once('/')?;
                if !is_name(pod) || !is_name(container) {
                    return None;
                }
                (pod, Some(container))
            }
            None if is_generated_pod_name(&rest[..close]) => (&rest[..close], None),
            // Any other name only before a time `--timestamps` writes (RFC 3339 with its
            // `T`): a log viewer or a wrapper around `docker logs -t` tags each line with
            // its container's name (`[codex] 2026-06-22T04:22:29.148795401Z ...`), and a
            // Python layout's `[django.request] 2026-06-22 04:22:29,148` writes no `T`.
            None if is_name(&rest[..close])
                && daemon_time(rest.as_bytes().get(close + 2..)?, ctx, true).is_some() =>
            {
                (&rest[..close], None)
            }
            None => return None,
        };
        let (ts, message) = leading_time(rest.get(close + 2..).unwrap_or(""), ctx);
        let mut p = Parsed::new(message);
        p.ts = ts;
        p.host = Some(pod);
        p.fields.push(("pod", Cow::Borrowed(pod)));
        if let Some(container) = container {
            p.program = Some(Cow::Borrowed(container));
            p.fields.push(("container", Cow::Borrowed(container)));
        }
        Some(p)
    }
}

/// A pod name that ends in the suffix Kubernetes generates for a ReplicaSet's or a
/// DaemonSet's pods: a DNS label (lowercase letters, digits, `-`), then `-` and five of
/// the characters of its random strings (no vowels, no `0`, `1`, `3`).
fn is_generated_pod_name(name: &str) -> bool {
    const SUFFIX: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let b = name.as_bytes();
    let label = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    b.len() > 6
        && b.len() <= 253
        && b.iter().all(label)
        && b[0] != b'-'
        && b[b.len() - 6] == b'-'
        && b[..b.len() - 6].last() != Some(&b'-')
        && b[b.len() - 5..].iter().all(|c| SUFFIX.contains(c))
}

/// A container, pod or service name: [`NAME_BYTE`]s only (also a Heroku dyno's, a Fly.io
/// machine's).
pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| NAME_BYTE[usize::from(c)])
}

/// The longest `pod/NAME/CONTAINER` taken (Kubernetes names are at most 253 bytes).
const MAX_PREFIX: usize = 512;

/// Bytes allowed in a compose service / container name after the first.
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
        c += 1;
    }
    t
};

/// A swarm task's name, `proxy.1.goom36mvtfow@ip-10-1-0-20` → (`proxy`, `1`): the
/// service and its slot (a global service's slot is the node's id).
fn swarm_task(name: &str) -> Option<(&str, &str)> {
    let (task, node) = name.split_once('@')?;
    let mut parts = task.split('.');
    let (service, slot) = (parts.next()?, parts.next()?);
    (!service.is_empty() && !slot.is_empty() && !node.is_empty() && !node.contains('@'))
        .then_some((service, slot))
}

/// `web-1` → (`web`, `1`), `django_1` → (`django`, `1`); names without a numeric
/// suffix (`arbitrage-web`, `whisperlivekit`) have no replica.
fn split_replica(name: &str) -> Option<(&str, &str)> {
    let b = name.as_bytes();
    let sep = b.iter().rposition(|&c| c == b'-' || c == b'_')?;
    let digits = &b[sep + 1..];
    if sep == 0 || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((&name[..sep], &name[sep + 1..]))
}

/// `stdout P ` / `stderr F` after a CRI timestamp: (stream, kind, bytes used including
/// the space before the message, if any).
fn cri_tail(b: &[u8]) -> Option<(&'static str, Kind, usize)> {
    if b.len() < 8 || b[6] != b' ' {
        return None;
    }
    let stream = stream_name_bytes(&b[..6])?;
    let kind = match b[7] {
        b'P' => Kind::Partial,
        b'F' => Kind::Record,
        _ => return None,
    };
    match b.get(8) {
        None => Some((stream, kind, 8)),
        Some(b' ') => Some((stream, kind, 9)),
        Some(_) => None,
    }
}

fn stream_name(s: &str) -> Option<&'static str> {
    stream_name_bytes(s.as_bytes())
}

fn stream_name_bytes(b: &[u8]) -> Option<&'static str> {
    match b {
        b"stdout" => Some("stdout"),
        b"stderr" => Some("stderr"),
        _ => None,
    }
}

/// The RFC 3339 time a container runtime writes at the start of a line: `T` separator
/// and an offset always. With `nine_digits`, exactly nine fraction digits (`docker logs
/// -t` and compose format with Go's `RFC3339NanoFixed`) or kubectl's trimmed fraction
/// with `Z`: that is what tells them from journald's `short-iso-precise` and rsyslog's
/// RFC 3339 times (six digits, a numeric offset), which are tried after docker. Returns
/// the time and the bytes it took.
fn daemon_time(b: &[u8], ctx: &TimeCtx, nine_digits: bool) -> Option<(Timestamp, usize)> {
    if b.len() < 20 || b[10] != b'T' {
        return None;
    }
    if nine_digits {
        let fixed = b.len() >= 30
            && b[19] == b'.'
            && b[20..29].iter().all(u8::is_ascii_digit)
            && !b[29].is_ascii_digit();
        // `kubectl logs --timestamps` writes Go's RFC3339Nano instead: the fraction's
        // trailing zeros dropped, always in UTC with `Z`. journald and rsyslog never write
        // `Z`; a line of a whole second (no fraction left) is not taken, as an
        // application's own `...:49Z` time is far likelier than a runtime clock's zero
        // nanoseconds.
        let trimmed = b[19] == b'.' && {
            let n = b[20..]
                .iter()
                .take(10)
                .take_while(|c| c.is_ascii_digit())
                .count();
            (1..=9).contains(&n) && b.get(20 + n) == Some(&b'Z')
        };
        if !fixed && !trimmed {
            return None;
        }
    }
    let p = iso_prefix(b, false)?;
    let off = p.offset?;
    Some((ctx.complete(p.naive, p.digits, Some(off))?, p.len))
}

/// json-file's `time`, which must be nothing but an RFC 3339 time.
fn rfc3339_exact(s: &str, ctx: &TimeCtx) -> Option<Timestamp> {
    let b = s.as_bytes();
    let (ts, n) = daemon_time(b, ctx, false)?;
    (n == b.len()).then_some(ts)
}

/// The time of a json-file record: already read, or still the raw string.
type JsonTime<'a> = Option<Result<Timestamp, &'a str>>;

/// The common json-file record read without serde: `{"log":"...","stream":"...",
/// "time":"..."}` or `{"log":"..."}`. Every docker record ends `log` with the escape
/// `\n`, so serde could never borrow it: here it is borrowed when that is its only
/// escape, and unescaped into a copy otherwise (uvicorn's access lines quote the request:
/// `\"GET / HTTP/1.1\"`). Anything else (`attrs`, spacing, a bad escape) returns `None`
/// for serde.
fn json_fast(line: &str) -> Option<(Cow<'_, str>, Kind, Option<&'static str>, JsonTime<'_>)> {
    const HEAD: usize = br#"{"log":""#.len();
    let b = line.as_bytes();
    // The slices below count on these ASCII bytes: without them `HEAD` may fall inside
    // a multi-byte character (found by fuzzing: `{"log":` then `\xa2`).
    if !b.starts_with(br#"{"log":""#) {
        return None;
    }
    let (text, kind, end) = json_string(line, HEAD)?;
    let rest = &b[end..];
    if rest == b"}" {
        return Some((text, kind, None, None));
    }
    const STREAM: &[u8] = br#","stream":""#;
    const TIME: &[u8] = br#"","time":""#;
    if !rest.starts_with(STREAM) {
        return None;
    }
    let rest = &rest[STREAM.len()..];
    let stream = stream_name_bytes(rest.get(..6)?)?;
    let rest = rest.get(6..)?;
    if !rest.starts_with(TIME) || !rest.ends_with(b"\"}") {
        return None;
    }
    let t0 = line.len() - rest.len() + TIME.len();
    let t1 = line.len() - 2;
    if t0 > t1 || memchr::memchr2(b'"', b'\\', &b[t0..t1]).is_some() {
        return None;
    }
    Some((text, kind, Some(stream), Some(Err(&line[t0..t1]))))
}

/// The JSON string that starts at `start` (just after its opening quote) as the `log`
/// text of a record ([`split_newline`]: its final newline says it is whole), and the
/// index just past its closing quote. Borrowed when its only escape is that final `\n`
/// (or `\r\n`) or it has none; otherwise unescaped in the same pass that finds its end
/// when every escape is a two-byte one (`\"`, `\\`, `\n`, ...: all docker writes but
/// `\u`), else by serde (whose answer costs more than the rest of the line: most uvicorn
/// lines quote their request, `\"GET`). `None` for a bad escape or no closing quote.
fn json_string(line: &str, start: usize) -> Option<(Cow<'_, str>, Kind, usize)> {
    let b = line.as_bytes();
    let mut text = Unescaped::NoEscape;
    // Where the text not yet copied into `Unescaped::Simple` starts.
    let mut i = start;
    let close = loop {
        let k = i + memchr::memchr2(b'"', b'\\', &b[i..])?;
        if b[k] == b'"' {
            break k;
        }
        if let Unescaped::NoEscape = text {
            let tail = &b[k..];
            let newline = if tail.starts_with(b"\\n\"") {
                2
            } else if tail.starts_with(b"\\r\\n\"") {
                4
            } else {
                0
            };
            if newline > 0 {
                return Some((
                    Cow::Borrowed(&line[start..k]),
                    Kind::Record,
                    k + newline + 1,
                ));
            }
            text = Unescaped::Simple(String::with_capacity(b.len() - start));
        }
        if let Unescaped::Simple(t) = &mut text {
            match b.get(k + 1).and_then(|&c| simple_escape(c)) {
                // `i` and `k` are at ASCII bytes: character boundaries.
                Some(c) if !has_control(&b[i..k]) => {
                    t.push_str(&line[i..k]);
                    t.push(c);
                }
                _ => text = Unescaped::Serde,
            }
        }
        // The escaped character is never the closing quote.
        i = k + 2;
        if i > b.len() {
            return None;
        }
    };
    let text = match text {
        Unescaped::NoEscape => {
            return Some((Cow::Borrowed(&line[start..close]), Kind::Partial, close + 1))
        }
        Unescaped::Simple(mut t) if !has_control(&b[i..close]) => {
            t.push_str(&line[i..close]);
            t
        }
        _ => serde_json::from_str(&line[start - 1..=close]).ok()?,
    };
    let (text, kind) = split_newline(Cow::Owned(text));
    Some((text, kind, close + 1))
}

/// What [`json_string`] has made of a string's escapes so far.
enum Unescaped {
    /// None seen yet.
    NoEscape,
    /// The text up to the last escape, unescaped.
    Simple(String),
    /// An escape [`simple_escape`] does not read, or a raw control character (which JSON
    /// forbids): serde decides.
    Serde,
}

/// The character a two-byte escape `\c` stands for; `None` for `\u` and bad escapes.
fn simple_escape(c: u8) -> Option<char> {
    Some(match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// Whether `b` holds a byte below 0x20, eight bytes at a time: in `x - 0x2020..20`, a
/// byte's top bit is set where it was less than 0x20 (or borrowed from one that was),
/// and `& !x` leaves out bytes whose own top bit was set.
fn has_control(b: &[u8]) -> bool {
    const LOW: u64 = u64::from_ne_bytes([0x20; 8]);
    const TOP: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        if x.wrapping_sub(LOW) & !x & TOP != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&c| c < 0x20)
}

/// Removes the application's line terminator (`\n`, or `\r\n` from programs that write
/// CRLF). Without one, docker cut the line and the rest follows in the next record.
fn split_newline(log: Cow<'_, str>) -> (Cow<'_, str>, Kind) {
    let cut = |s: &str| -> Option<usize> {
        let s = s.strip_suffix('\n')?;
        Some(s.strip_suffix('\r').unwrap_or(s).len())
    };
    match log {
        Cow::Borrowed(s) => match cut(s) {
            Some(n) => (Cow::Borrowed(&s[..n]), Kind::Record),
            None => (Cow::Borrowed(s), Kind::Partial),
        },
        Cow::Owned(mut s) => match cut(&s) {
            Some(n) => {
                s.truncate(n);
                (Cow::Owned(s), Kind::Record)
            }
            None => (Cow::Owned(s), Kind::Partial),
        },
    }
}

/// [`super::strip_ansi`] for a string that may already be owned, without copying it
/// when it has no escapes.
fn strip_ansi_cow(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => super::strip_ansi(b),
        Cow::Owned(o) => {
            if memchr::memchr(0x1b, o.as_bytes()).is_none() {
                Cow::Owned(o)
            } else {
                Cow::Owned(super::strip_ansi(&o).into_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;
    use chrono::{NaiveDateTime, TimeZone, Utc};

    fn ctx() -> TimeCtx {
        TimeCtx {
            reference: NaiveDateTime::parse_from_str("2026-12-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
            year: None,
            tz: chrono::FixedOffset::east_opt(3600).unwrap().into(),
        }
    }

    fn json(line: &str) -> Option<Parsed<'_>> {
        DockerJson.parse(line, &ctx())
    }

    fn cri(line: &str) -> Option<Parsed<'_>> {
        Cri.parse(line, &ctx())
    }

    fn stamped(line: &str) -> Option<Parsed<'_>> {
        DockerTimestamps.parse(line, &ctx())
    }

    fn compose(line: &str) -> Option<Parsed<'_>> {
        DockerCompose.parse(line, &ctx())
    }

    // ---- docker-json ----

    #[test]
    fn json_file_record_drops_newline_and_keeps_stream_and_nanosecond_time() {
        let p = json(DockerJson.example()).unwrap();
        assert_eq!(
            p.message,
            "2026-11-23 19:37:49,123 INFO     Listening on TCP address 0.0.0.0:8000"
        );
        assert!(
            matches!(p.message, Cow::Borrowed(_)),
            "only the final newline is escaped: borrowed"
        );
        assert_eq!(p.kind, Kind::Record);
        assert_eq!(p.stream, Some("stderr"));
        let ts = p.ts.unwrap();
        assert_eq!(ts.digits, 9);
        assert_eq!(ts.note, TsNote::NONE);
        assert_eq!(ts.to_rfc3339(), "2026-11-23T19:37:49.123456789Z");
    }

    #[test]
    fn json_file_fast_path_agrees_with_serde() {
        for line in [
            DockerJson.example(),
            r#"{"log":"a\r\n","stream":"stdout","time":"2026-11-23T19:37:49.5Z"}"#,
            r#"{"log":"part","stream":"stdout","time":"2026-11-23T19:37:49.5Z"}"#,
            r#"{"log":"","stream":"stdout","time":"2026-11-23T19:37:49.5Z"}"#,
            r#"{"log":"\n","stream":"stderr","time":"2026-11-23T19:37:49.123456789Z"}"#,
            r#"{"log":"ünï ✓\n","stream":"stderr","time":"2026-11-23T19:37:49.123456789Z"}"#,
            r#"{"log":"a\u003cb\u003e\n","stream":"stderr","time":"2026-11-23T19:37:49Z"}"#,
            r#"{"log":"q\"uote\n","stream":"stderr","time":"2026-11-23T19:37:49Z"}"#,
            r#"{"log":"x\n","stream":"stdout","time":""}"#,
            r#"{"log":"INFO:     10.0.0.3:64798 - \"GET /healthz HTTP/1.1\" 200 OK\n","stream":"stdout","time":"2026-11-23T08:00:00.015592000Z"}"#,
            r#"{"log":"key \ud83d\udd11 a\/b\tc\\n d\r\n","stream":"stdout","time":"2026-11-23T08:00:00Z"}"#,
            r#"{"log":"ends in a backslash n\\n","stream":"stdout","time":"2026-11-23T08:00:00Z"}"#,
        ] {
            let fast = json(line).unwrap();
            // a leading space in the object keeps the parser off the fast path
            let spaced = line.replacen('{', "{ ", 1);
            let slow = json(&spaced).unwrap();
            assert_eq!(fast, slow, "{line}");
        }
        assert!(matches!(
            json(DockerJson.example()).unwrap().message,
            Cow::Borrowed(_)
        ));
        assert_eq!(
            json(r#"{"log":"a\u003cb\u003e\n","stream":"stderr","time":"2026-11-23T19:37:49Z"}"#)
                .unwrap()
                .message,
            "a<b>"
        );
    }

    /// Checks [`json_string`] on the JSON string whose inside is `raw` (no bare quote)
    /// against serde: a text it unescaped itself is serde's, and it leaves borrowed only
    /// a text without escapes but a final newline.
    fn check_json_string(raw: &str) -> Result<(), String> {
        let line = format!("\"{raw}\"");
        let by_serde = serde_json::from_str::<String>(&line)
            .ok()
            .map(|s| split_newline(Cow::Owned(s)));
        let simple = raw.strip_suffix("\\n").unwrap_or(raw);
        let simple = simple.strip_suffix("\\r").unwrap_or(simple);
        match json_string(&line, 1) {
            Some((Cow::Borrowed(_), _, _)) if !simple.contains('\\') => Ok(()),
            Some((text @ Cow::Owned(_), kind, end)) if end == line.len() => {
                if by_serde == Some((text.clone(), kind)) {
                    Ok(())
                } else {
                    Err(format!("{raw:?}: {text:?} {kind:?}, serde {by_serde:?}"))
                }
            }
            None if by_serde.is_none() => Ok(()),
            other => Err(format!("{raw:?}: {other:?}, serde {by_serde:?}")),
        }
    }

    #[test]
    fn json_strings_with_escapes_read_as_serde_reads_them() {
        for raw in [
            "",
            "plain",
            r#"\"GET /healthz HTTP/1.1\" 200 OK\n"#,
            r"a\/b\\c\td\r\n\b\f",
            r"ünï ✓ \\u00e9 \/ \n",
            r"\\",
            r"\\\\n",
            r"a\u003cb\u003e\n",
            r"\ud83d\udd11\n",
            r"\u00e9 then \t",
            r"bad \x escape\n",
            r"bad \é escape",
            r"cut \",
            "\\t then a raw\ttab",
            "\\t then raw\u{1}\\n",
            "raw\u{1f} first \\t",
            "0123456789abcdef\u{1}0123456789\\n",
            "\\n then raw\n",
        ] {
            check_json_string(raw).unwrap();
        }
    }

    #[test]
    fn control_bytes_are_found_at_every_place() {
        for len in 0..20 {
            assert!(!has_control(&vec![b'a'; len]));
            for at in 0..len {
                for c in [0u8, 0x1f] {
                    let mut b = vec![0xc3; len];
                    b[at] = c;
                    assert!(has_control(&b), "{len} {at} {c}");
                }
            }
        }
        assert!(!has_control(" ~\x7f\u{80}é✓".as_bytes()));
    }

    proptest::proptest! {
        /// Any inside of a JSON string reads as serde reads it.
        #[test]
        fn json_strings_never_disagree_with_serde(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "é", "✓", "\\", "\\\"", "n", "r", "t", "u", "0", "0e9", "/", "\t",
                "\u{1}", "\n", "\\n", "\\r\\n",
            ]), 0..24),
        ) {
            let raw = parts.concat();
            // A bare quote would have closed the string before it (`\\` then `\"`).
            let mut bytes = raw.bytes();
            while let Some(c) = bytes.next() {
                match c {
                    b'\\' => _ = bytes.next(),
                    b'"' => return Ok(()),
                    _ => {}
                }
            }
            if let Err(e) = check_json_string(&raw) {
                proptest::prop_assert!(false, "{}", e);
            }
        }

        /// Whatever text an application writes, docker's encoding of it reads back the
        /// same without serde as with it.
        #[test]
        fn json_file_fast_path_reads_any_encoded_text_as_serde_does(
            text in "(\\PC|[\"\\\\/\t\r\u{8}\u{c}\u{1}]|\u{1F511}){0,40}",
            newline in proptest::bool::ANY,
        ) {
            let log = if newline { format!("{text}\n") } else { text };
            let line = format!(
                r#"{{"log":{},"stream":"stdout","time":"2026-11-23T08:00:00.5Z"}}"#,
                serde_json::to_string(&log).unwrap()
            );
            proptest::prop_assert!(json_fast(&line).is_some(), "{}", line);
            let spaced = line.replacen('{', "{ ", 1);
            proptest::prop_assert_eq!(json(&line), json(&spaced));
        }
    }

    #[test]
    fn json_file_crlf_is_removed_with_the_newline() {
        let p = json(r#"{"log":"WebSocket DISCONNECT /ws/\r\n","stream":"stdout","time":"2026-11-23T19:37:49.5Z"}"#)
            .unwrap();
        assert_eq!(p.message, "WebSocket DISCONNECT /ws/");
        assert_eq!(p.stream, Some("stdout"));
        assert_eq!(p.kind, Kind::Record);
    }

    #[test]
    fn json_file_line_without_newline_is_a_partial_to_join() {
        // fluent-bit-test-dockermode_splitted_multiple_lines.log
        let lines = [
            (
                r#"{"log":"2020-03-24 Multiple lines: \n"}"#,
                Kind::Record,
                "2020-03-24 Multiple lines: ",
            ),
            (r#"{"log":"third "}"#, Kind::Partial, "third "),
            (r#"{"log":"bullet "}"#, Kind::Partial, "bullet "),
            (r#"{"log":"point\n"}"#, Kind::Record, "point"),
        ];
        for (line, kind, msg) in lines {
            let p = json(line).unwrap();
            assert_eq!((p.kind, p.message.as_ref()), (kind, msg), "{line}");
            assert_eq!(p.ts, None);
            assert_eq!(p.stream, None);
        }
    }

    #[test]
    fn json_file_attrs_are_skipped_and_escapes_decoded() {
        let line = r#"{"log":"  File \"/app/chat/consumers.py\", line 12, in connect\n","stream":"stderr","attrs":{"com.docker.compose.service":"web","nested":{"a":[1,2]}},"time":"2026-11-23T19:37:49.123456789+01:00"}"#;
        let p = json(line).unwrap();
        assert_eq!(
            p.message, r#"  File "/app/chat/consumers.py", line 12, in connect"#,
            "indentation of the traceback line is kept"
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T18:37:49.123456789Z");
        assert!(p.fields.is_empty());
    }

    #[test]
    fn json_file_ansi_colour_inside_the_log_string_is_stripped() {
        let line = r#"{"log":"\u001b[32mINFO\u001b[0m:     connection open\n","stream":"stderr","time":"2026-11-23T19:37:49.000000001Z"}"#;
        assert_eq!(json(line).unwrap().message, "INFO:     connection open");
    }

    #[test]
    fn json_file_reordered_keys_are_accepted_but_app_json_is_not() {
        let reordered = r#"{"stream":"stdout","log":"hello\n","time":"2026-11-23T19:37:49.1Z"}"#;
        assert_eq!(json(reordered).unwrap().message, "hello");
        // an application's own JSON log with a `log` key and none of docker's
        assert!(json(r#"{"level":"info","log":"hello"}"#).is_none());
        // journald JSON
        assert!(json(r#"{"__CURSOR":"s=1","MESSAGE":"log","_PID":"1"}"#).is_none());
        // `log` that is not a string
        assert!(json(r#"{"log":42,"stream":"stdout"}"#).is_none());
    }

    #[test]
    fn json_file_bad_time_leaves_the_record_without_time() {
        let p = json(r#"{"log":"x\n","stream":"stdout","time":"yesterday"}"#).unwrap();
        assert_eq!(p.ts, None);
        assert_eq!(p.message, "x");
    }

    // ---- cri ----

    #[test]
    fn cri_partial_line_from_containerd() {
        // containerd-4813-cri-partial-last-line.log
        let p = cri("2020-12-07T15:32:38.994574754Z stdout P Hello from init container!").unwrap();
        assert_eq!(p.kind, Kind::Partial);
        assert_eq!(p.stream, Some("stdout"));
        assert_eq!(p.message, "Hello from init container!");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2020-12-07T15:32:38.994574754Z");
    }

    #[test]
    fn cri_full_line_with_plus_zero_offset_from_cri_o() {
        // cri-o-3181-openshift-cri-log-offset-plus0000.log
        let p = cri("2020-01-26T03:17:29.346494690+00:00 stderr F 2020/01/26 03:17:29 oauthproxy.go:221: compiled skip-auth-regex => \"^/metrics\"").unwrap();
        assert_eq!(p.kind, Kind::Record);
        assert_eq!(p.stream, Some("stderr"));
        assert_eq!(
            p.message,
            "2020/01/26 03:17:29 oauthproxy.go:221: compiled skip-auth-regex => \"^/metrics\""
        );
        let ts = p.ts.unwrap();
        assert_eq!(
            ts.utc,
            Utc.with_ymd_and_hms(2020, 1, 26, 3, 17, 29).unwrap()
                + chrono::Duration::nanoseconds(346_494_690)
        );
        assert_eq!(ts.digits, 9);
    }

    #[test]
    fn cri_empty_message_with_and_without_trailing_space() {
        assert_eq!(
            cri("2020-12-07T15:32:38.99Z stdout F ").unwrap().message,
            ""
        );
        assert_eq!(cri("2020-12-07T15:32:38.99Z stdout F").unwrap().message, "");
        assert_eq!(
            cri("2020-12-07T15:32:38.99Z stdout F   indented")
                .unwrap()
                .message,
            "  indented"
        );
    }

    #[test]
    fn cri_rejects_unknown_streams_tags_and_plain_docker_lines() {
        assert!(cri("2020-12-07T15:32:38.99Z stdin F x").is_none());
        assert!(cri("2020-12-07T15:32:38.99Z stdout X x").is_none());
        assert!(cri("2020-12-07T15:32:38.99Z stdout Fx").is_none());
        assert!(cri("2020-12-07T15:32:38.994574754Z hello world").is_none());
        assert!(cri("2020-12-07 15:32:38.99Z stdout F x").is_none());
    }

    // ---- docker-timestamps ----

    #[test]
    fn docker_logs_t_line_splits_at_the_single_space() {
        let p = stamped("2025-06-16T21:30:00.931000000Z 2025-06-16 21:30:00,931 WARN exited: daphne (exit status 1; not expected)").unwrap();
        assert_eq!(
            p.message,
            "2025-06-16 21:30:00,931 WARN exited: daphne (exit status 1; not expected)"
        );
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2025-06-16T21:30:00.931000000Z");
        assert_eq!(p.stream, None);
        let p = stamped("2026-11-23T19:37:49.123456789+02:00     at indented").unwrap();
        assert_eq!(p.message, "    at indented");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T17:37:49.123456789Z");
    }

    #[test]
    fn docker_logs_t_empty_lines_are_records() {
        assert_eq!(
            stamped("2026-11-23T19:37:49.123456789Z ").unwrap().message,
            ""
        );
        assert_eq!(
            stamped("2026-11-23T19:37:49.123456789Z").unwrap().message,
            ""
        );
    }

    #[test]
    fn docker_logs_t_leaves_cri_lines_to_cri() {
        for line in [
            "2020-12-07T15:32:38.994574754Z stdout P Hello from init container!",
            "2020-01-26T03:17:29.346494690+00:00 stderr F 2020/01/26 03:17:29 provider.go:117: x",
            "2020-01-26T03:17:29.346494690+00:00 stderr F",
        ] {
            assert!(stamped(line).is_none(), "{line}");
            assert!(cri(line).is_some(), "{line}");
        }
        // ... but a message that merely starts with the word stays docker's.
        assert_eq!(
            stamped("2026-11-23T19:37:49.123456789Z stdout Flushed")
                .unwrap()
                .message,
            "stdout Flushed"
        );
    }

    #[test]
    fn kubectl_prefix_names_pod_and_container_and_takes_the_time_after_it() {
        let p = KubectlPrefix
            .parse(KubectlPrefix.example(), &ctx())
            .unwrap();
        assert_eq!(p.host, Some("web-7d4b9c-x2x9q"));
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49.123456789Z");
        assert!(p.message.starts_with("10.0.0.5:48306 - - ["));
        let p = KubectlPrefix
            .parse("[pod/web-1/uvicorn] INFO:     connection open", &ctx())
            .unwrap();
        assert_eq!(p.ts, None);
        assert_eq!(p.message, "INFO:     connection open");
        assert_eq!(
            KubectlPrefix
                .parse("[pod/web-1/uvicorn]", &ctx())
                .unwrap()
                .message,
            ""
        );
        for line in [
            "[pod/web-1] no container",
            "[2026-11-23 19:37:49,123] INFO x",
            "[pod/web 1/x] y",
            "pod/web-1/x] y",
        ] {
            assert!(KubectlPrefix.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn kubetails_pod_prefix_is_read_when_the_name_ends_in_a_generated_suffix() {
        // nginx/kubernetes-ingress#715: a tailer of several pods writes `[POD] ` first.
        let line = "[nginx-ingress-2zbxs] 2019/10/01 02:33:15 [info] 27#27: *519 upstream timed out (110: Connection timed out) while proxying upgraded connection";
        let p = KubectlPrefix.parse(line, &ctx()).unwrap();
        assert_eq!(p.host, Some("nginx-ingress-2zbxs"));
        assert_eq!(p.program, None);
        assert!(p.message.starts_with("2019/10/01 02:33:15 [info] 27#27"));
        let p = KubectlPrefix
            .parse("[web-7d4b9c8f6-x2x9q] INFO:     connection open", &ctx())
            .unwrap();
        assert_eq!(p.host, Some("web-7d4b9c8f6-x2x9q"));
        // Brackets a logger or a program writes, or a StatefulSet's `-0`, are not pods.
        for line in [
            "[django.request] Internal Server Error: /ws/",
            "[-] WebSocket DISCONNECT /ws/ [127.0.0.1:5000]",
            "[daphne-server] listening",
            "[web-0] INFO x",
            "[celery-beat] x",
            "[INFO-ABCDE] x",
            "[-2zbxs] x",
            "[web--2zbxs] x",
            "[13:20:45] INFO: Running nginx...",
        ] {
            assert!(KubectlPrefix.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn any_bracketed_name_is_read_before_a_runtime_timestamp() {
        // A prefixer's `[codex] ` before `docker logs -t`'s time: every line was unknown.
        let line = "[codex] 2026-06-22T04:22:29.148795401Z 2026-06-22 14:22:29 | DEBUG    | No search entries to create.";
        let p = KubectlPrefix.parse(line, &ctx()).unwrap();
        assert_eq!(p.host, Some("codex"));
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2026-06-22T04:22:29.148795401+00:00"
        );
        assert!(p.message.starts_with("2026-06-22 14:22:29 | DEBUG"));
        // A logger's brackets before the application's own (space-separated) time are not.
        for line in [
            "[django.request] 2026-06-22 04:22:29,148 ERROR Internal Server Error: /ws/",
            "[web] INFO x",
        ] {
            assert!(KubectlPrefix.parse(line, &ctx()).is_none(), "{line}");
        }
    }

    #[test]
    fn docker_service_logs_names_a_swarm_task_by_its_service_and_slot() {
        let p = compose("proxy.1.goom36mvtfow@ip-10-1-0-20    | 10.0.0.126 - - [19/Feb/2018:16:30:59 +0000] \"GET /wss HTTP/1.1\" 0 0").unwrap();
        assert_eq!(p.host, Some("proxy.1.goom36mvtfow@ip-10-1-0-20"));
        assert_eq!(p.field("service"), Some("proxy"));
        assert_eq!(p.field("replica"), Some("1"));
        assert!(p.message.starts_with("10.0.0.126 - - "));
        assert!(compose("bob@example.com | hello").is_none());
    }

    #[test]
    fn kubectl_logs_timestamps_with_trailing_zeros_dropped_are_read() {
        for (line, at) in [
            ("2026-11-25T10:00:01.12345Z 127.0.0.1:48306 - - [25/Nov/2026:10:00:01] \"WSCONNECT /ws/\" - -", "2026-11-25T10:00:01.123450Z"),
            ("2026-11-25T10:00:01.5Z INFO:     connection open", "2026-11-25T10:00:01.500Z"),
        ] {
            let p = stamped(line).unwrap();
            assert_eq!(p.ts.unwrap().to_rfc3339(), at);
            assert!(line.ends_with(p.message.as_ref()));
        }
        // The trimmed form is UTC's only.
        assert!(stamped("2026-11-25T10:00:01.5+01:00 msg").is_none());
    }

    #[test]
    fn docker_logs_t_needs_the_daemons_zone_and_fraction() {
        // Python logging, an app's own zone-less or fraction-less ISO time
        assert!(stamped("2026-11-23 19:37:49,123 INFO msg").is_none());
        assert!(stamped("2026-11-23T19:37:49.123 msg").is_none());
        assert!(stamped("2026-11-23T19:37:49Z msg").is_none());
        assert!(stamped("2026-11-23T19:37:49.123456789Zmsg").is_none());
        assert!(stamped("2026-11-23T19:37:49.1234567890Z msg").is_none());
    }

    #[test]
    fn docker_logs_t_leaves_journald_and_syslog_iso_lines_alone() {
        for line in [
            // journalctl -o short-iso-precise, rsyslog RFC 3339, journalctl -o short-iso
            "2026-11-23T19:37:49.123456+0000 myhost daphne[123]: WSCONNECT",
            "2026-11-23T19:37:49.123456+00:00 myhost daphne[123]: WSCONNECT",
            "2026-11-23T19:37:49+0000 myhost daphne[123]: WSCONNECT",
        ] {
            for f in formats() {
                assert!(
                    f.parse(line, &ctx()).is_none(),
                    "{} took {line:?}",
                    f.name()
                );
            }
        }
    }

    // ---- docker-compose ----

    #[test]
    fn compose_v2_name_with_replica_and_short_padding() {
        // lnav-test-logfile_docker_compose_with_noise.log
        let p = compose("web-1  |  * Serving Flask app 'app.py'").unwrap();
        assert_eq!(p.program.as_deref(), Some("web-1"));
        assert_eq!(p.host, Some("web-1"), "a replica is a host of its own");
        assert_eq!(p.message, " * Serving Flask app 'app.py'");
        assert_eq!(p.field("service"), Some("web"));
        assert_eq!(p.field("replica"), Some("1"));
        assert_eq!(p.ts, None);
        let p = compose(
            "redis-1  | 1:M 25 Apr 2024 05:54:43.948 # Redis is now ready to exit, bye bye...",
        )
        .unwrap();
        assert_eq!(p.field("service"), Some("redis"));
        assert_eq!(
            p.message,
            "1:M 25 Apr 2024 05:54:43.948 # Redis is now ready to exit, bye bye..."
        );
        // the truncated last line of that file
        assert_eq!(compose("redis-1  | 1:").unwrap().message, "1:");
        assert!(compose("out of frame line 1").is_none());
    }

    #[test]
    fn compose_v1_underscore_replica() {
        // codabench-985-compose-gunicorn-uvicorn-channels-ws-403-double-close.log
        let p = compose(r#"django_1          | [2023-06-23 13:08:02 +0000] [14] [INFO] ('172.19.0.11', 43088) - "WebSocket /submission_output/" 403"#).unwrap();
        assert_eq!(p.program.as_deref(), Some("django_1"));
        assert_eq!(p.field("service"), Some("django"));
        assert_eq!(p.field("replica"), Some("1"));
        assert_eq!(
            p.message,
            r#"[2023-06-23 13:08:02 +0000] [14] [INFO] ('172.19.0.11', 43088) - "WebSocket /submission_output/" 403"#
        );
        let p = compose(r#"django_1          |   File "/usr/local/lib/python3.8/site-packages/channels/sessions.py", line 183, in __call__"#).unwrap();
        assert!(
            p.message.starts_with("  File "),
            "traceback indentation kept"
        );
    }

    #[test]
    fn compose_container_names_without_replica() {
        // arbitrage-compose-*, whisperlivekit-*, starlette-986-*, odoocker-28-*
        let p = compose(DockerCompose.example()).unwrap();
        assert_eq!(p.program.as_deref(), Some("arbitrage-web"));
        assert_eq!(p.field("service"), Some("arbitrage-web"));
        assert_eq!(p.field("replica"), None);
        let p =
            compose(r#"whisperlivekit  | INFO:     ('10.5.10.5', 56608) - "WebSocket /asr" 403"#)
                .unwrap();
        assert_eq!(p.program.as_deref(), Some("whisperlivekit"));
        assert_eq!(
            p.message,
            r#"INFO:     ('10.5.10.5', 56608) - "WebSocket /asr" 403"#
        );
        let p = compose("bin              | ERROR:    closing handshake failed").unwrap();
        assert_eq!(p.program.as_deref(), Some("bin"));
        let p = compose("nginx-1        | 2024/09/24 13:40:46 [error] 28#28: *51 connect() failed (111: Connection refused) while connecting to upstream").unwrap();
        assert_eq!(p.field("service"), Some("nginx"));
        assert!(p.message.starts_with("2024/09/24 13:40:46 [error]"));
        assert_eq!(p.ts, None, "nginx's own time is not the daemon's");
    }

    #[test]
    fn compose_empty_messages_with_and_without_the_space() {
        assert_eq!(compose("redis-1  | ").unwrap().message, "");
        assert_eq!(compose("redis-1  |").unwrap().message, "");
    }

    #[test]
    fn compose_timestamps_after_the_bar_become_the_time() {
        let p = compose("web-1  | 2026-11-23T19:37:49.123456789Z 127.0.0.1:48306 - - [23/Nov/2026:19:37:49] \"WSCONNECT /ws/chat/\" - -").unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49.123456789Z");
        assert!(p.message.starts_with("127.0.0.1:48306"));
        let p = compose("web-1  | 2026-11-23T19:37:49.123456789Z").unwrap();
        assert!(p.ts.is_some());
        assert_eq!(p.message, "");
        // the application's own time stays in the message
        let p =
            compose("arbitrage-web       | INFO 2025-07-25 21:40:53,311 System Status").unwrap();
        assert_eq!(p.ts, None);
        assert_eq!(p.message, "INFO 2025-07-25 21:40:53,311 System Status");
    }

    #[test]
    fn compose_rejects_bars_inside_ordinary_text() {
        for line in [
            "some text a | b",
            " web-1  | indented name",
            "web-1| no space before the bar",
            "web-1  |no space after the bar",
            "web 1  | two words",
            "-web  | starts with a dash",
            "INFO     | loguru-like column",
            "2026-11-23 19:37:49.123 | INFO     | app:main:12 - hi",
            "web-1  x | not only spaces before the bar",
        ] {
            assert!(compose(line).is_none(), "{line}");
        }
        let long = format!("{}  | msg", "a".repeat(MAX_COMPOSE_NAME + 1));
        assert!(compose(&long).is_none());
        let ok = format!("{}  | msg", "a".repeat(MAX_COMPOSE_NAME));
        assert!(compose(&ok).is_some());
    }

    #[test]
    fn replica_split_needs_a_name_before_and_digits_after() {
        assert_eq!(split_replica("web-1"), Some(("web", "1")));
        assert_eq!(split_replica("my_app_web_12"), Some(("my_app_web", "12")));
        assert_eq!(split_replica("arbitrage-web"), None);
        assert_eq!(split_replica("web-"), None);
        assert_eq!(split_replica("-1"), None);
        assert_eq!(split_replica("web"), None);
        assert_eq!(split_replica("v1.2"), None);
    }

    // ---- all ----

    #[test]
    fn each_format_rejects_the_others_examples() {
        let all = formats();
        for f in &all {
            for g in &all {
                let got = f.parse(g.example(), &ctx()).is_some();
                assert_eq!(
                    got,
                    f.name() == g.name(),
                    "{} on {:?}",
                    f.name(),
                    g.example()
                );
            }
        }
        for other in [
            "2025-06-16 21:29:24,890 INFO spawned: 'daphne' with pid 9",
            "Aug 29 07:35:43 sofia gunicorn[9118]: [2018-08-29 07:35:43 -0500] [9160] [ERROR] x",
            "127.0.0.1 - - [03/Aug/2018:14:47:53 +0000] \"GET /ws/49256-197598 HTTP/1.1\" 499 0",
            "2026-11-23T19:37:49.123456+00:00 myhost daphne[123]: msg",
        ] {
            for f in &all {
                assert!(
                    f.parse(other, &ctx()).is_none(),
                    "{} took {other:?}",
                    f.name()
                );
            }
        }
    }

    #[test]
    fn garbage_multibyte_empty_and_truncated_lines_never_panic() {
        let mut lines: Vec<String> = [
            "",
            "{",
            "{\"log\"",
            "{\"log\":",
            "{\"log\":\"",
            "{\"log\":\"\\ud800\"}",
            "{\"log\":\"é\",\"stream\":\"stdé\",\"time\":\"2026-11-23T19:37:49.1é\"}",
            "{\"log\":\"x\",\"time\":\"2026-11-23T19:37:49.123456789Zé\"}",
            "é",
            "日本語 | x",
            "web-é  | x",
            "wé  | x",
            "web-1  |é",
            "web-1  | 2026-11-23T19:37:49.1é",
            "web-1  | 2026-11-23T19:37:49.12345678Z",
            "2026-11-23T19:37:49.123456789Zé",
            "2026-11-23T19:37:49.123456789Z stdoutéP x",
            "2026-11-23T19:37:49.123456789Z stdout é x",
            "2026-11-23T19:37:49.123456789Z stdout Pé",
            "2026-11-23T19:37:49.123456789+0",
            "2026-11-23T19:37:49.123456789+",
            "2026-11-23T19:37:4",
            "2026-11-23T19:37:49.",
            "2026-13-23T19:37:49.1Z x",
            "2026-11-23T25:37:49.1Z x",
            "9999-99-99T99:99:99.999999999Z x",
            "|",
            " |",
            "a |",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
            "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // every prefix of real lines, cut at each char boundary
        for f in formats() {
            let ex = f.example();
            lines.extend(ex.char_indices().map(|(i, _)| ex[..i].to_string()));
        }
        let multi = "2026-11-23T19:37:49.123456789Z stdout F ünïcödé ✓";
        lines.extend(multi.char_indices().map(|(i, _)| multi[..i].to_string()));
        for line in &lines {
            for f in formats() {
                let _ = f.parse(line, &ctx());
            }
        }
    }

    #[test]
    fn zone_is_never_assumed_for_runtime_times() {
        let ts = cri("2020-12-07T15:32:38.994574754Z stdout F x")
            .unwrap()
            .ts
            .unwrap();
        assert!(!ts.note.contains(TsNote::ZONE));
    }
}
