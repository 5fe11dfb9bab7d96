//! Assembling records from lines: detection, the per-line fallback, and everything that
//! spans lines (tracebacks, docker partials, supervisord's captured output).
//!
//! ```text
//! line ─► decode (lossy UTF-8, strip ANSI) ─► blank? ─► envelope ─► Marker  → counted
//!                                                        │ (locked,  Capture → following raw lines
//!                                                        │  else       belong to that program
//!                                                        │  fallback) Partial → held, joined
//!                                                        ▼
//!                                             application layout ─► continuation? ─► join
//!                                                                          │ no
//!                                                                          ▼
//!                                                                      new Record
//! ```
//!
//! An [`Assembler`] is fed one input's lines in order, either all of a file or one chunk
//! of it (every chunk gets the same [`Detection`]), or a stream line by line. It never
//! looks ahead, so the same code serves `parse`, `scan` and `watch`.

use std::borrow::Cow;
use std::sync::Arc;

use crate::format::{self, Format, Kind, Layer, Parsed};
use crate::input::LineMeta;
use crate::record::{AppInfo, Level, Record, RecordFlags, Timestamp, TsNote};
use crate::time::TimeCtx;

/// Format name for unstructured output of a program whose other lines were recognised.
pub const PLAIN: &str = "plain";
/// Format name for a line nothing recognised.
pub const UNKNOWN: &str = "unknown";
/// Format name for a traceback fragment with no record before it to join.
pub const TRACEBACK: &str = "python-traceback";

/// How far back a continuation line looks for the record of its own program.
const LOOKBACK: usize = 16;
/// Texts of skipped records kept for reuse ([`Assembler::reuse_text`]): more than one
/// batch of `scan`'s sieve makes.
const TEXTS_KEPT: usize = 8192;
/// The largest text kept for reuse.
const TEXT_KEPT_BYTES: usize = 1024;

/// What an input was found to be, from a sample of its first lines.
#[derive(Clone, Copy)]
pub struct Detection {
    /// The envelope most lines are in; `None` when lines stand alone.
    pub envelope: Option<&'static dyn Format>,
    /// The format the user forced with `--format`; no fallback then.
    pub forced: Option<&'static dyn Format>,
    /// Lines that match nothing are a program's own unstructured output (`plain`), not
    /// unknown: the input is a program's output (Python logging, uvicorn, Daphne lines
    /// around them) or a collector that mixes in unprefixed lines (`docker compose`).
    pub program_output: bool,
}

impl std::fmt::Debug for Detection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detection")
            .field("envelope", &self.envelope.map(|e| e.name()))
            .field("forced", &self.forced.map(|e| e.name()))
            .field("program_output", &self.program_output)
            .finish()
    }
}

impl Detection {
    /// The name to report for the input: the envelope, else the most common layout.
    pub fn name(&self, fallback: &'static str) -> &'static str {
        self.forced
            .or(self.envelope)
            .map(|f| f.name())
            .unwrap_or(fallback)
    }
}

/// Application layouts whose neighbouring unstructured lines are program output.
fn is_program_layout(name: &str) -> bool {
    !name.starts_with("nginx")
}

/// Detects the envelope of an input from a sample of its first lines: the detectable
/// envelope that parses the most sample lines wins if it parses at least 30% of them;
/// ties go to the one the registry lists first (more specific).
pub fn detect(sample: &[&str], ctx: &TimeCtx) -> Detection {
    let lines: Vec<Cow<str>> = sample
        .iter()
        .map(|l| format::strip_ansi(l))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut best: Option<(&'static dyn Format, usize)> = None;
    for f in format::registry() {
        if f.layer() != Layer::Envelope || !f.detectable() {
            continue;
        }
        // Markers (`-- Boot ... --`) are accepted by every journald style: no vote.
        let n = lines
            .iter()
            .filter(|l| {
                f.parse(l, ctx)
                    .is_some_and(|p| !matches!(p.kind, Kind::Marker | Kind::Reboot))
            })
            .count();
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((*f, n));
        }
    }
    let envelope = best
        .filter(|(_, n)| n * 10 >= lines.len() * 3)
        .map(|(f, _)| f);
    let program_output = match envelope {
        Some(e) => e.name() == "docker-compose",
        None => lines.iter().any(|l| {
            format::registry().iter().any(|f| {
                f.layer() == Layer::App && is_program_layout(f.name()) && f.parse(l, ctx).is_some()
            })
        }),
    };
    Detection {
        envelope,
        forced: None,
        program_output,
    }
}

/// Per-input accounting: every line read is parsed, a continuation, blank, or unparsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Physical lines read.
    pub lines: u64,
    /// Lines that started a record, or were a format's marker or partial.
    pub parsed: u64,
    /// Lines joined to the record before them (tracebacks, indented continuations).
    pub continuation: u64,
    /// Empty or whitespace-only lines.
    pub blank: u64,
    /// Lines no format recognised (kept as records of format `unknown`).
    pub unparsed: u64,
    /// Records produced.
    pub records: u64,
    /// Lines that were not valid UTF-8 (decoded lossily).
    pub lossy: u64,
    /// Lines longer than the limit (cut).
    pub truncated: u64,
}

impl InputStats {
    /// Adds another part's counts (chunks of one input).
    pub fn add(&mut self, o: &InputStats) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.parsed += o.parsed;
        self.continuation += o.continuation;
        self.blank += o.blank;
        self.unparsed += o.unparsed;
        self.records += o.records;
        self.lossy += o.lossy;
        self.truncated += o.truncated;
    }
}

/// The envelope's part of a record, owned (it may outlive the line: partials, captures).
#[derive(Clone, Debug, Default)]
struct Envelope {
    format: &'static str,
    ts: Option<Timestamp>,
    host: Option<String>,
    program: Option<String>,
    pid: Option<u32>,
    stream: Option<&'static str>,
    pipe: u16,
    level: Option<Level>,
    fields: Vec<(&'static str, String)>,
}

impl Envelope {
    fn from_parsed(format: &'static str, p: &Parsed) -> Envelope {
        Envelope {
            format,
            ts: p.ts,
            host: p.host.map(str::to_string),
            program: p.program.as_deref().map(str::to_string),
            pid: p.pid,
            stream: p.stream,
            pipe: p.pipe,
            level: p.level,
            fields: owned_fields(&p.fields),
        }
    }
}

/// Which source a record came from, for joining a continuation line to the latest record
/// of its own program: (program, stream, host) hashed, and whether there was a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SourceKey {
    hash: u64,
    has_program: bool,
}

impl SourceKey {
    fn of(program: Option<&str>, stream: Option<&str>, host: Option<&str>) -> SourceKey {
        // FNV-1a over eight bytes at a time: computed for every line, so cheap; fixed, so
        // every run joins alike. Each part starts with its length (an absent one with a
        // value no length has), so parts cannot run together and padding is no text.
        const PRIME: u64 = 0x0100_0000_01b3;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [program, stream, host] {
            let Some(b) = part.map(str::as_bytes) else {
                h = (h ^ u64::MAX).wrapping_mul(PRIME);
                continue;
            };
            h = (h ^ b.len() as u64).wrapping_mul(PRIME);
            let mut words = b.chunks_exact(8);
            for w in &mut words {
                h = (h ^ u64::from_le_bytes(w.try_into().expect("eight bytes")))
                    .wrapping_mul(PRIME);
            }
            let rest = words.remainder();
            if !rest.is_empty() {
                let mut w = [0u8; 8];
                w[..rest.len()].copy_from_slice(rest);
                h = (h ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
            }
        }
        SourceKey {
            hash: h,
            has_program: program.is_some(),
        }
    }
}

/// The envelope of the line being assembled: borrowed from the line when it was parsed
/// from it (nothing is copied unless a record is kept), owned when it outlived its line
/// (a joined partial, supervisord's captured output), or none.
enum Env<'a> {
    None,
    /// The format that parsed `raw`, its result, and the line itself.
    Parsed(&'static dyn Format, &'a Parsed<'a>, &'a str),
    Owned(Envelope),
}

/// What every line needs of its envelope, copied out so the envelope itself can move.
#[derive(Clone, Copy)]
struct Basics {
    format: &'static str,
    ts: Option<Timestamp>,
    pid: Option<u32>,
    level: Option<Level>,
    stream: Option<&'static str>,
    pipe: u16,
    source: SourceKey,
}

impl Env<'_> {
    fn basics(&self) -> Option<Basics> {
        let (format, ts, pid, level, stream, pipe, program, host) = match self {
            Env::None => return None,
            Env::Parsed(f, p, _) => (
                f.name(),
                p.ts,
                p.pid,
                p.level,
                p.stream,
                p.pipe,
                p.program.as_deref(),
                p.host,
            ),
            Env::Owned(e) => (
                e.format,
                e.ts,
                e.pid,
                e.level,
                e.stream,
                e.pipe,
                e.program.as_deref(),
                e.host.as_deref(),
            ),
        };
        Some(Basics {
            format,
            ts,
            pid,
            level,
            stream,
            pipe,
            source: SourceKey::of(program, stream, host),
        })
    }

    fn into_owned(self) -> Option<Envelope> {
        match self {
            Env::None => None,
            Env::Parsed(f, p, _) => Some(Envelope::from_parsed(f.name(), p)),
            Env::Owned(e) => Some(e),
        }
    }
}

/// What the assembler knows of each record it still holds, beside the record.
struct Meta {
    /// `None` for a record without an envelope.
    source: Option<SourceKey>,
    /// An access-log line ([`is_access_line`]): a traceback's lines look past it.
    access: bool,
    /// Set while the record is skipped: how to build it in full if a continuation line
    /// that a pattern may match joins it.
    skipped: Option<Skipped>,
}

/// A skipped record's message holds the text to rebuild it from: its first `head`
/// bytes are the raw line (or the owned envelope's message), the rest the `\n`-joined
/// continuation lines.
struct Skipped {
    head: usize,
    redo: Redo,
    app: AppLayout,
}

/// What a skipped record knows of its application layout.
#[derive(Clone, Copy)]
enum AppLayout {
    /// Parsed with this format, or found to have none.
    Known(Option<&'static dyn Format>),
    /// Not looked for: its envelope gave the time and nothing could match it, so only a
    /// rebuild needs it.
    Untried,
}

/// How a skipped record's envelope is rebuilt.
enum Redo {
    /// No envelope: the head is the message.
    None,
    /// Parse the head (a raw line) again with this format.
    Parse(&'static dyn Format),
    /// The envelope outlived its line; the head is its message.
    Owned(Box<Envelope>),
}

/// Keeps a record in full only when a pattern may match its text.
pub type Filter = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

fn owned_fields(f: &[(&'static str, Cow<str>)]) -> Vec<(&'static str, String)> {
    f.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// A docker / CRI line that continues in a later line of its stream.
struct Pending {
    env: Envelope,
    message: String,
    line: u64,
    /// The line of its last part.
    last: u64,
    flags: RecordFlags,
}

impl Pending {
    /// The next part of the same record: the same program's same stream (a runtime
    /// splits each stream's long lines on its own; the other stream's lines, and other
    /// containers' in a shared journal, come between the parts).
    fn continued_by(&self, p: &Parsed) -> bool {
        self.env.stream == p.stream && self.env.program.as_deref() == p.program.as_deref()
    }
}

/// Lines a partial waits for its next part before it is a record of its own: the
/// runtime writes the parts one after the other, and only a lost end leaves one waiting.
const PARTIAL_SPAN: u64 = 64;

/// supervisord said the following raw lines are `program`'s output on `stream`.
struct Capture {
    program: String,
    stream: Option<&'static str>,
    ts: Option<Timestamp>,
}

/// How a message relates to the record before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cont {
    /// Starts a record of its own.
    No,
    /// Belongs to the record before (indented frame, caret line, chained-exception text).
    Yes,
    /// `Traceback (most recent call last):`: belongs to the record before and opens a
    /// traceback whose final exception line joins too.
    TracebackStart,
    /// Looks like `SomeError: text`; joins only a record with an open traceback.
    ExceptionLine,
}

/// An access-log line: Daphne's `host:port - - [date] "WSCONNECT /ws/"`, uvicorn's
/// `host:port - "GET /ws/ HTTP/1.1" 101` (after its `INFO:` prefix, if any). One line by
/// nature, written to stdout while a traceback goes to stderr: in a journal the two
/// interleave, and the traceback's next lines must look past it for their record.
fn is_access_line(msg: &str) -> bool {
    let mut b = msg.as_bytes();
    // uvicorn's default formatter: `INFO:` and spaces.
    let level = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if level > 0 && b.get(level) == Some(&b':') && b.get(level + 1) == Some(&b' ') {
        b = b[level + 1..].trim_ascii_start();
    }
    let Some(sp) = memchr::memchr(b' ', b) else {
        return false;
    };
    sp > 0 && (b[sp..].starts_with(b" - - [") || b[sp..].starts_with(b" - \""))
}

fn classify(msg: &str) -> Cont {
    let b = msg.as_bytes();
    // Every line is classified, most of them plain: the first byte rules out all but
    // one of the texts to compare.
    let first = match b.first() {
        None => return Cont::No,
        Some(b' ' | b'\t') => return Cont::Yes,
        Some(&c) => c,
    };
    match first {
        b'T' if msg.starts_with("Traceback (most recent call last)")
            || msg.starts_with("The above exception was the direct cause") =>
        {
            return Cont::TracebackStart
        }
        b'D' if msg.starts_with("During handling of the above exception") => {
            return Cont::TracebackStart
        }
        // `--- <exception caught here> ---` and Twisted's other `--- <` markers.
        b'-' if msg.starts_with("--- <") => return Cont::Yes,
        // asyncio's second line under `Exception in callback ...` and `Task exception was
        // never retrieved`: `handle: <TimerHandle ...>`, `future: <Task finished ...>`;
        // the traceback under it belongs to the same record.
        b'h' if msg.starts_with("handle: <") => return Cont::Yes,
        b'f' if msg.starts_with("future: <") => return Cont::Yes,
        // A frame of Twisted's `[Failure instance: Traceback: ...]`, one per line with no
        // indent: `/usr/lib/python3/dist-packages/twisted/internet/defer.py:1386:_inlineCallbacks`,
        // `C:\...\daphne\ws_protocol.py:83:onConnect`.
        b'/' if is_failure_frame(msg) => return Cont::Yes,
        c if c.is_ascii_alphabetic() && b.get(1..3) == Some(b":\\") && is_failure_frame(msg) => {
            return Cont::Yes
        }
        _ => {}
    }
    if !first.is_ascii_alphabetic() {
        return Cont::No;
    }
    // `ValueError: ...`, `websockets.exceptions.ConnectionClosedError: ...`, `KeyError`.
    let name_end = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
        .unwrap_or(b.len());
    if name_end == b.len() || b[name_end] == b':' {
        return Cont::ExceptionLine;
    }
    Cont::No
}

/// `<path>.py:<line>:<function>` and nothing after it: a frame of a Twisted Failure.
fn is_failure_frame(msg: &str) -> bool {
    let Some(at) = msg.rfind(".py:") else {
        return false;
    };
    let Some((line, func)) = msg[at + 4..].split_once(':') else {
        return false;
    };
    !line.is_empty()
        && line.bytes().all(|c| c.is_ascii_digit())
        && !func.is_empty()
        && func
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'<' | b'>'))
}

/// Builds records from one input's lines, in order.
pub struct Assembler {
    input: u32,
    det: Detection,
    ctx: TimeCtx,
    app_hint: Option<&'static dyn Format>,
    /// The application layouts last found per source (its key's hash), newest first: a
    /// program writes one or two layouts, so most lines parse at the first try.
    app_hints: Vec<(u64, [Option<&'static dyn Format>; 2])>,
    records: Vec<Record>,
    /// One per record in `records`.
    meta: Vec<Meta>,
    /// When set, records whose text it rejects are only counted (`skipped`).
    filter: Option<Filter>,
    stats: InputStats,
    /// Partial lines waiting for their end, one per program and stream.
    pending: Vec<Pending>,
    capture: Option<Capture>,
    /// Index in `records` of the record whose traceback is still open.
    tb_open: Option<usize>,
    /// Records whose first line was a continuation with nothing before it to join: the
    /// caller joining chunks may attach them to the previous chunk's last record.
    leading_orphans: usize,
    seen_record: bool,
    /// The boot each host's last entry was written in (`_BOOT_ID` of `journalctl -o
    /// json`), for [`Assembler::boot_changed`].
    boots: Vec<(Option<String>, String)>,
    /// Records handed out by [`Assembler::take_settled`].
    taken: u64,
    /// An emptied list given back ([`Assembler::recycle`]), for the next records: a fresh
    /// list of a batch's size faults its pages in again (3 % of a 1 GiB scan's time).
    spare: Vec<Record>,
    /// Emptied texts of skipped records given back ([`Assembler::reuse_text`]): nearly
    /// every line of a large input is skipped, and an allocation freed for each (often on
    /// the other core) cost more than copying the line.
    texts: Vec<String>,
    /// The addresses of the line being pushed when it is [`LineMeta::clean`]: a text that
    /// lies within them holds nothing the filter accepts, so it need not be searched.
    clean: std::ops::Range<usize>,
    /// The envelopes a line that the detected one does not parse is tried with, in
    /// registry order: listed once, as a file without an envelope tries them all on every
    /// line.
    fallback: Vec<&'static dyn Format>,
    /// The blanks before every line of a log pasted indented ([`paste_indent`]): cut
    /// off each line that has them.
    indent: Indent,
}

/// Blanks a pasted log's every line starts with: `width` bytes of `byte` (a space or a
/// tab). The default cuts nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indent {
    /// `b' '` or `b'\t'`.
    pub byte: u8,
    /// How many; 0 for none.
    pub width: usize,
}

/// The `byte`s (spaces or tabs) every non-blank one of `lines` starts with, when all of
/// them start with some: a log pasted into a document or an issue indented as a block
/// (Markdown's four spaces or a tab, an RST literal block, a quote). Read as they are,
/// its lines begin as continuation lines do, and the whole log became one traceback. A
/// log's own lines start at their first byte; a traceback's indented lines follow a line
/// that does not, unless the log begins inside a long one (a rotated file, a `tail`):
/// when every least-indented line is a frame (`  File "..."`), nothing is cut. (Tabs can
/// also be a report's own indentation, Sentry's frames under their exception: the caller
/// cuts them only when the lines then read as records, [`reads_as_records`].)
fn pasted_indent<'a>(lines: impl Iterator<Item = &'a [u8]>, byte: u8) -> Indent {
    let none = Indent { byte, width: 0 };
    let lines: Vec<&[u8]> = lines
        .filter(|l| !l.iter().all(|b| matches!(b, b' ' | b'\t')))
        .collect();
    let blanks = |l: &[u8]| l.iter().take_while(|&&b| b == byte).count();
    let Some(least) = lines.iter().map(|l| blanks(l)).min() else {
        return none;
    };
    let frame = |l: &[u8]| l[least..].trim_ascii_start().starts_with(b"File \"");
    if least == 0 || lines.iter().all(|l| blanks(l) > least || frame(l)) {
        return none;
    }
    Indent { byte, width: least }
}

/// The blanks every line of a pasted log starts with ([`pasted_indent`]): spaces, or
/// tabs when the lines cut of them read as records. `ctx` is `None` when the user forced
/// a format: the file is then taken as it is, but for spaces.
pub fn paste_indent<'a>(
    lines: impl Iterator<Item = &'a [u8]> + Clone,
    ctx: Option<&TimeCtx>,
) -> Indent {
    let spaces = pasted_indent(lines.clone(), b' ');
    let Some(ctx) = ctx.filter(|_| spaces.width == 0) else {
        return spaces;
    };
    let tabs = pasted_indent(lines.clone(), b'\t');
    if tabs.width == 0 {
        return spaces;
    }
    let cut: Vec<Cow<str>> = lines
        .map(|b| String::from_utf8_lossy(cut_indent(b, tabs)))
        .collect();
    let refs: Vec<&str> = cut.iter().map(|c| c.as_ref()).collect();
    if reads_as_records(&refs, ctx) {
        tabs
    } else {
        spaces
    }
}

/// `line` without the blanks of a pasted log ([`paste_indent`]), when it has them.
pub fn cut_indent(line: &[u8], indent: Indent) -> &[u8] {
    match line.get(..indent.width) {
        Some(head) if head.iter().all(|&b| b == indent.byte) => &line[indent.width..],
        _ => line,
    }
}

/// Whether at least 30 % of `lines` (the blank ones aside) start a record in some
/// format, with a time or in an envelope detection would lock in (a compose prefix
/// without `--timestamps`): a sample cut of its indent reads as a log, not as a report's
/// indented text.
fn reads_as_records(lines: &[&str], ctx: &TimeCtx) -> bool {
    let lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let timed = lines
        .iter()
        .filter(|l| {
            let l = format::strip_ansi(l);
            format::registry().iter().any(|f| {
                f.parse(&l, ctx).is_some_and(|p| {
                    p.ts.is_some()
                        || f.layer() == Layer::Envelope && f.detectable() && p.kind == Kind::Record
                })
            })
        })
        .count();
    !lines.is_empty() && timed * 10 >= lines.len() * 3
}

/// `line` without what pasting it into Markdown or copying it from a terminal put around
/// it: a quote's `> ` (nested `> > `; an issue quoting a log marks every line so, or
/// only the first), a code fence glued to the line (```` ```127.0.0.1:57338 - - ... ````
/// when the paste lost its newline; a fence line alone reads as blank), one pair of
/// backticks around the whole line or one backtick at either end that inline code over
/// several lines left, a terminal's echo of Ctrl-C (`^CINFO:     Shutting
/// down`), and the bar of a compose log copied without its name column (`| ERROR:
/// Exception in ASGI application`). Read as they were, every quoted line was "unknown",
/// without its time, and a fence glued to a client address made it another client. A
/// log's own lines start with `> ` only in the `websockets` library's debug output, its
/// frames (`> CLOSE 1000 (OK)`) and its handshake (`> HTTP/1.1 101 ...`, `> Upgrade:
/// websocket`): those are kept whole.
pub fn cut_paste_marks(line: &str) -> &str {
    let b = line.as_bytes();
    let line = match b.first() {
        Some(b'>') => cut_quote(line),
        Some(b'`') => cut_backticks(line),
        Some(b'^') if b.get(1) == Some(&b'C') => &line[2..],
        // A compose log copied from a terminal without its name column: `| ERROR: ...`.
        Some(b'|') if b.get(1) == Some(&b' ') => &line[2..],
        _ => line,
    };
    match line.as_bytes().last() {
        Some(b'`') => cut_closing_ticks(line),
        _ => line,
    }
}

/// [`cut_paste_marks`] for a line that ends with a backtick: a code fence glued to its
/// end, or the closing backtick of inline code opened lines above (`` `2017-12-25 ...``
/// ... ``incoming frame on daphne.response.Br!fL` ``). One backtick is cut only when it
/// is the line's only one: `` `a` and `b` `` keeps its own.
fn cut_closing_ticks(line: &str) -> &str {
    let rest = line.trim_end_matches('`');
    match line.len() - rest.len() {
        n if n >= 3 => rest.trim_end(),
        1 if !rest.contains('`') && rest.ends_with(|c: char| !c.is_whitespace()) => rest,
        _ => line,
    }
}

/// [`cut_paste_marks`] for a line that starts with `>`.
fn cut_quote(line: &str) -> &str {
    let mut rest = line;
    while let Some(r) = rest.strip_prefix('>') {
        match r.as_bytes().first() {
            None => return "",
            Some(b' ') => rest = &r[1..],
            Some(b'>') => rest = r,
            Some(_) => return line,
        }
    }
    let word_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.'))
        .unwrap_or(rest.len());
    let word = &rest[..word_end];
    let next = rest[word_end..].chars().next();
    let frame = matches!(
        word,
        "TEXT" | "BINARY" | "PING" | "PONG" | "CLOSE" | "CONT" | "EOF"
    ) && next.is_none_or(|c| c == ' ');
    let header = !word.is_empty()
        && rest[word_end..].starts_with(": ")
        && !word.contains('/')
        && crate::record::Level::parse(word).is_none();
    if frame || header || word.starts_with("HTTP/") {
        return line;
    }
    rest
}

/// [`cut_paste_marks`] for a line that starts with a backtick.
fn cut_backticks(line: &str) -> &str {
    let ticks = line.bytes().take_while(|&c| c == b'`').count();
    let rest = &line[ticks..];
    if ticks >= 3 {
        let rest = rest.trim_end().trim_end_matches('`');
        // A fence line alone, maybe with its language (```` ```log ````).
        if !rest.contains(' ') && rest.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            return "";
        }
        return rest;
    }
    match rest.trim_end().strip_suffix('`') {
        Some(inner) if ticks == 1 && !inner.is_empty() && !inner.contains('`') => inner,
        // Inline code that a later line closes: the opening backtick alone.
        None if ticks == 1
            && rest.starts_with(|c: char| !c.is_whitespace())
            && !rest.contains('`') =>
        {
            rest
        }
        _ => line,
    }
}

impl Assembler {
    /// An assembler for input number `input`.
    pub fn new(input: u32, det: Detection, ctx: TimeCtx) -> Assembler {
        Assembler {
            input,
            det,
            ctx,
            app_hint: det.forced.filter(|f| f.layer() == Layer::App),
            app_hints: Vec::new(),
            records: Vec::new(),
            meta: Vec::new(),
            filter: None,
            stats: InputStats::default(),
            pending: Vec::new(),
            capture: None,
            tb_open: None,
            leading_orphans: 0,
            seen_record: false,
            boots: Vec::new(),
            taken: 0,
            spare: Vec::new(),
            texts: Vec::new(),
            clean: 0..0,
            indent: Indent::default(),
            fallback: format::registry()
                .iter()
                .copied()
                .filter(|f| {
                    f.layer() == Layer::Envelope
                        && f.detectable()
                        && f.fallback()
                        && det.envelope.is_none_or(|e| e.name() != f.name())
                })
                .collect(),
        }
    }

    /// Keeps only records whose text `keep` accepts (a pattern may match it); the others
    /// come out `skipped`: counted and timed, but without the copies of their text, fields
    /// and application part that make a record costly. A continuation line that `keep`
    /// accepts rebuilds its skipped record in full before it joins. `keep` must accept
    /// any text that contains a text it accepts, as a literal search does.
    pub fn skip_unless(&mut self, keep: Filter) {
        self.filter = Some(keep);
    }

    fn wanted(&self, text: &str) -> bool {
        let Some(f) = &self.filter else {
            return true;
        };
        // Comparing addresses, not text: a message cut from the clean line as it is.
        // A decoded, joined or cleaned message is a copy elsewhere and is searched.
        let at = text.as_ptr() as usize;
        if self.clean.start <= at && at + text.len() <= self.clean.end {
            return false;
        }
        f(text)
    }

    /// The counts so far.
    pub fn stats(&self) -> &InputStats {
        &self.stats
    }

    /// Cuts `indent` off the start of every line that has it ([`paste_indent`]).
    pub fn dedent(&mut self, indent: Indent) {
        self.indent = indent;
    }

    /// Feeds the next physical line (without its terminator), numbered from 1.
    pub fn push(&mut self, line_no: u64, bytes: &[u8], meta: LineMeta) {
        let bytes = cut_indent(bytes, self.indent);
        match std::str::from_utf8(bytes) {
            Ok(s) => self.push_text(line_no, Cow::Borrowed(s), meta, false),
            Err(_) => self.push_text(line_no, String::from_utf8_lossy(bytes), meta, true),
        }
    }

    /// [`Assembler::push`] for a line already known to be UTF-8 (`watch` checks a whole
    /// read at once on its reader's thread).
    pub fn push_str(&mut self, line_no: u64, text: &str, meta: LineMeta) {
        self.push_text(line_no, Cow::Borrowed(text), meta, false)
    }

    /// `text` is the line's bytes as they are unless `lossy` (then a copy).
    fn push_text(&mut self, line_no: u64, text: Cow<str>, meta: LineMeta, lossy: bool) {
        self.stats.lines += 1;
        // A file saved with a byte-order mark (a Windows editor, PowerShell's
        // `Out-File -Encoding utf8`) has it before its first line: read as the line's, it
        // was the first client's address's (`\u{feff}127.0.0.1:40000`), another client.
        // (Here, not in the reader: `watch`'s followers read files their own way.)
        fn cut(t: &str, first: bool) -> &str {
            cut_paste_marks(match first {
                true => t.strip_prefix('\u{feff}').unwrap_or(t),
                false => t,
            })
        }
        let first = line_no == 1;
        let text = match text {
            Cow::Borrowed(t) => Cow::Borrowed(cut(t, first)),
            Cow::Owned(t) => match cut(&t, first) {
                c if c.len() == t.len() => Cow::Owned(t),
                c => Cow::Owned(c.to_string()),
            },
        };
        let mut flags = RecordFlags::default();
        if meta.truncated {
            flags.truncated = true;
            self.stats.truncated += 1;
        }
        if lossy {
            flags.lossy = true;
            self.stats.lossy += 1;
        }
        // The line's own bytes, for the clean test below (a lossy copy is never clean).
        let line = (!lossy).then(|| {
            let at = text.as_ptr() as usize;
            at..at + text.len()
        });
        let text = match meta.plain {
            true => text,
            false => match format::strip_ansi(&text) {
                Cow::Borrowed(_) => text,
                Cow::Owned(s) => Cow::Owned(s),
            },
        };
        if is_blank(&text) {
            self.stats.blank += 1;
            return;
        }
        if let (true, Some(line)) = (meta.clean, line) {
            self.clean = line;
        }
        self.line(line_no, &text, flags);
        self.clean = 0..0;
    }

    fn envelope<'a>(&self, text: &'a str) -> Option<(&'static dyn Format, Parsed<'a>)> {
        if let Some(f) = self.det.forced {
            if f.layer() == Layer::Envelope {
                return f.parse(text, &self.ctx).map(|p| (f, p));
            }
            return None;
        }
        if let Some(e) = self.det.envelope {
            if let Some(p) = e.parse(text, &self.ctx) {
                return Some((e, p));
            }
        }
        for f in &self.fallback {
            if let Some(p) = f.parse(text, &self.ctx) {
                return Some((*f, p));
            }
        }
        None
    }

    fn line(&mut self, line_no: u64, text: &str, flags: RecordFlags) {
        let Some((fmt, mut p)) = self.envelope(text) else {
            let env = match &self.capture {
                Some(c) => Env::Owned(Envelope {
                    format: "supervisord",
                    ts: c.ts.map(|t| Timestamp {
                        note: t.note | TsNote::INHERITED,
                        ..t
                    }),
                    program: Some(c.program.clone()),
                    stream: c.stream,
                    ..Envelope::default()
                }),
                None => Env::None,
            };
            self.message(env, text, line_no, line_no, flags);
            return;
        };
        self.capture = None;
        if let Some(id) = p.field("boot_id").filter(|_| p.kind != Kind::Reboot) {
            self.boot_changed(id, fmt, p.host, line_no, flags);
        }
        match p.kind {
            Kind::Marker => self.stats.parsed += 1,
            Kind::Reboot => {
                self.stats.parsed += 1;
                self.message_counted(
                    Env::Parsed(fmt, &p, text),
                    &p.message,
                    line_no,
                    line_no,
                    flags,
                    false,
                    None,
                );
            }
            Kind::Capture => {
                self.stats.parsed += 1;
                self.capture = Some(Capture {
                    program: p.program.as_deref().unwrap_or("").to_string(),
                    stream: p.stream,
                    ts: p.ts,
                });
            }
            Kind::Partial => {
                self.stats.parsed += 1;
                self.flush_stale(line_no);
                match self.pending.iter_mut().find(|pend| pend.continued_by(&p)) {
                    Some(pend) => {
                        pend.message.push_str(&p.message);
                        pend.last = line_no;
                        pend.flags.truncated |= flags.truncated;
                        pend.flags.lossy |= flags.lossy;
                    }
                    None => self.pending.push(Pending {
                        env: Envelope::from_parsed(fmt.name(), &p),
                        message: p.message.into_owned(),
                        line: line_no,
                        last: line_no,
                        flags,
                    }),
                }
            }
            Kind::Record => {
                self.flush_stale(line_no);
                match self.pending.iter().position(|pend| pend.continued_by(&p)) {
                    Some(i) => {
                        let mut pend = self.pending.remove(i);
                        // The first part's time and line are the record's.
                        pend.message.push_str(&p.message);
                        // Decoded whole: a structured record longer than docker's 16 KiB
                        // (a JSON log with its traceback) is only one once joined.
                        let mut app = None;
                        if let Some((f, mut inner)) =
                            structured_inside(fmt, &pend.message, &self.ctx)
                        {
                            let env = &mut pend.env;
                            take_inner(&inner, &mut env.ts, &mut env.level, &mut env.pid);
                            pend.message = std::mem::take(&mut inner.message).into_owned();
                            app = inner_app((f, inner), env.ts);
                        }
                        self.stats.parsed += 1;
                        let mut f = pend.flags;
                        f.truncated |= flags.truncated;
                        f.lossy |= flags.lossy;
                        self.message_counted(
                            Env::Owned(pend.env),
                            &pend.message,
                            pend.line,
                            line_no,
                            f,
                            false,
                            app,
                        );
                    }
                    None => {
                        let mut app = None;
                        if let Some((f, mut inner)) = structured_inside(fmt, &p.message, &self.ctx)
                        {
                            take_inner(&inner, &mut p.ts, &mut p.level, &mut p.pid);
                            p.message = std::mem::take(&mut inner.message);
                            app = inner_app((f, inner), p.ts);
                        }
                        self.message_counted(
                            Env::Parsed(fmt, &p, text),
                            &p.message,
                            line_no,
                            line_no,
                            flags,
                            true,
                            app,
                        )
                    }
                }
            }
        }
    }

    /// Notes that `host`'s entry at `line_no` was written in boot `id`; when its entry
    /// before was written in another, the host rebooted between them, and a record says
    /// so as journalctl's text modes write it, `-- Boot <id> --` (without a time, it sorts
    /// and is timed with the entry before it).
    fn boot_changed(
        &mut self,
        id: &str,
        fmt: &'static dyn Format,
        host: Option<&str>,
        line_no: u64,
        flags: RecordFlags,
    ) {
        match self.boots.iter_mut().find(|(h, _)| h.as_deref() == host) {
            Some((_, last)) if last == id => return,
            Some((_, last)) => *last = id.to_string(),
            None => {
                self.boots.push((host.map(str::to_string), id.to_string()));
                return;
            }
        }
        let env = Envelope {
            format: fmt.name(),
            host: host.map(str::to_string),
            ..Envelope::default()
        };
        let text = format!("-- Boot {id} --");
        self.message_counted(Env::Owned(env), &text, line_no, line_no, flags, false, None);
    }

    /// Emits the held partials whose next part has not come within [`PARTIAL_SPAN`]
    /// lines as records of their own.
    fn flush_stale(&mut self, line_no: u64) {
        while let Some(i) = self
            .pending
            .iter()
            .position(|p| line_no - p.last > PARTIAL_SPAN)
        {
            self.flush_one(i);
        }
    }

    /// Emits every held partial as a record of its own (the input ended), first started
    /// first.
    fn flush_pending(&mut self) {
        self.pending.sort_by_key(|p| p.line);
        while !self.pending.is_empty() {
            self.flush_one(0);
        }
    }

    fn flush_one(&mut self, i: usize) {
        let p = self.pending.remove(i);
        self.message_counted(
            Env::Owned(p.env),
            &p.message,
            p.line,
            p.last,
            p.flags,
            false,
            None,
        );
    }

    fn message(&mut self, env: Env, msg: &str, line: u64, end_line: u64, flags: RecordFlags) {
        self.message_counted(env, msg, line, end_line, flags, true, None)
    }

    /// Turns an envelope's message into a new record or a continuation of an earlier one.
    /// `count` is false when the line was already counted as a partial. `inner` is the
    /// structured record decoded from `msg` ([`inner_app`]): it is the application part
    /// when no application layout reads `msg`.
    #[allow(clippy::too_many_arguments)]
    fn message_counted(
        &mut self,
        env: Env,
        msg: &str,
        line: u64,
        end_line: u64,
        flags: RecordFlags,
        count: bool,
        inner: Option<Inner>,
    ) {
        // A journal entry or docker line with nothing in it: a blank line, as in a file
        // (Python's chained tracebacks hold two), which must not end the traceback.
        if is_blank(msg) {
            if count {
                self.stats.blank += 1;
            }
            return;
        }
        let basics = env.basics();
        // Most lines hold no pattern text and have their time from the envelope: such a
        // line that starts a record is only counted and timed, and its application layout
        // (a fifth of a line's cost) is left for a rebuild to find.
        let wanted = self.wanted(msg);
        let msg_cont = classify(msg);
        // An exception-shaped line with no traceback open starts a record too: uvicorn's
        // `INFO:     ...` lines (most of a docker log of it) look like `Name: text`.
        let starts =
            msg_cont == Cont::No || (msg_cont == Cont::ExceptionLine && self.tb_open.is_none());
        let lazy = !wanted && basics.is_some_and(|b| b.ts.is_some()) && starts;
        let app = if lazy {
            None
        } else {
            // A record nothing may match keeps none of its layout's fields. (A layout
            // read in a decoded record's message, as nginx's JSON made into its access
            // line, says more than the record's time alone.)
            self.app(msg, basics.map(|b| b.source.hash), !wanted)
                .or_else(|| {
                    let (f, p) = *inner?;
                    let p: Parsed<'_> = p;
                    Some((
                        f,
                        Parsed {
                            message: Cow::Borrowed(msg),
                            ..p
                        },
                    ))
                })
        };
        let (body, cont) = match &app {
            Some((_, p)) => (p.message.as_ref(), classify(&p.message)),
            None => (msg, msg_cont),
        };
        // A traceback's head written with a logger's prefix of its own (`ERROR Traceback
        // (most recent call last):`) is another record's only when a logger writes each
        // line of a traceback so (Twisted: its record is the line just before, in the
        // same second); `logger.error(traceback.format_exc())` starts a record.
        let own_traceback = app.is_some()
            && cont == Cont::TracebackStart
            && body.starts_with("Traceback (most recent call last)")
            && !self.prefixed_traceback_continues(basics, app.as_ref().and_then(|(_, p)| p.ts));
        if cont != Cont::No
            && !own_traceback
            && !(cont == Cont::ExceptionLine && self.tb_open.is_none())
        {
            if let Some(i) = self.find_owner(basics, cont) {
                if self.meta[i].skipped.is_some() && self.wanted(body) {
                    self.rebuild(i);
                }
                let r = &mut self.records[i];
                r.message.push('\n');
                r.message.push_str(body);
                if let Some(a) = &mut r.app {
                    a.message.push('\n');
                    a.message.push_str(body);
                }
                r.end_line = end_line;
                r.flags.truncated |= flags.truncated;
                r.flags.lossy |= flags.lossy;
                if count {
                    self.stats.continuation += 1;
                }
                self.tb_open = match cont {
                    Cont::TracebackStart => Some(i),
                    Cont::ExceptionLine => None,
                    // A frame line opens a traceback whose head was cut off.
                    _ if body.trim_start().starts_with("File \"") => Some(i),
                    _ => self.tb_open,
                };
                return;
            }
        }
        let orphan = matches!(cont, Cont::Yes | Cont::TracebackStart) && !own_traceback;
        let access = cont == Cont::No && is_access_line(msg);
        if orphan && !self.seen_record {
            self.leading_orphans += 1;
        }
        let format = match (basics.map(|b| b.format), &app) {
            (Some(f), _) => f,
            (None, Some((f, _))) => f.name(),
            (None, None) if orphan => TRACEBACK,
            (None, None) if self.det.program_output && !looks_binary(msg) => PLAIN,
            (None, None) => UNKNOWN,
        };
        if count {
            if format == UNKNOWN {
                self.stats.unparsed += 1;
            } else {
                self.stats.parsed += 1;
            }
        }
        let source = basics.map(|b| b.source);
        self.seen_record = true;
        self.tb_open = match cont {
            Cont::TracebackStart => Some(self.records.len()),
            // A fragment with nothing before it is the inside of a traceback.
            Cont::Yes if orphan => Some(self.records.len()),
            // Written between a traceback's lines (another stream of the same program),
            // not the traceback's end; within the look-back only, so that `watch` never
            // holds a run of access lines behind a traceback that will not end.
            _ if access => self.tb_open.filter(|&t| self.records.len() - t < LOOKBACK),
            _ => None,
        };
        // Each branch pushes its record where it is built: a record moved through a
        // tuple on its way was copied twice more, on every line of a large input.
        let skipped = if wanted {
            let app = app.map(|(f, p)| (f, p, String::new()));
            self.records.push(build(
                self.input,
                env.into_owned(),
                app,
                msg,
                line,
                end_line,
                format,
                flags,
            ));
            None
        } else {
            // The head to rebuild from: the raw line when it can be parsed again.
            let (head, redo) = match env {
                Env::None => (msg, Redo::None),
                Env::Parsed(f, _, raw) => (raw, Redo::Parse(f)),
                // Moved, not copied: the record is all that needs it now.
                Env::Owned(e) => (msg, Redo::Owned(Box::new(e))),
            };
            let (app_ts, app_pid, app_level) = app
                .as_ref()
                .map_or((None, None, None), |(_, p)| (p.ts, p.pid, p.level));
            let message = self.text(head);
            self.records.push(Record {
                input: self.input,
                line,
                end_line,
                ts: basics.and_then(|b| b.ts).or(app_ts),
                format,
                pid: basics.and_then(|b| b.pid).or(app_pid),
                stream: basics.and_then(|b| b.stream),
                pipe: basics.map_or(0, |b| b.pipe),
                level: basics.and_then(|b| b.level).or(app_level),
                message,
                flags: RecordFlags {
                    skipped: true,
                    ..flags
                },
                ..Record::default()
            });
            Some(Skipped {
                head: head.len(),
                redo,
                app: if lazy {
                    AppLayout::Untried
                } else {
                    AppLayout::Known(app.map(|(f, _)| f))
                },
            })
        };
        self.meta.push(Meta {
            source,
            skipped,
            access,
        });
    }

    /// Builds skipped record `i` in full: a continuation line a pattern may match is
    /// about to join it.
    fn rebuild(&mut self, i: usize) {
        let Some(sk) = self.meta[i].skipped.take() else {
            return;
        };
        let old = std::mem::take(&mut self.records[i]);
        let (head, rest) = old.message.split_at(sk.head);
        let (env, msg): (Option<Envelope>, Cow<str>) = match sk.redo {
            Redo::None => (None, Cow::Borrowed(head)),
            Redo::Parse(f) => match f.parse(head, &self.ctx) {
                Some(p) => (
                    Some(Envelope::from_parsed(f.name(), &p)),
                    Cow::Owned(p.message.into_owned()),
                ),
                None => (None, Cow::Borrowed(head)),
            },
            Redo::Owned(e) => (Some(*e), Cow::Borrowed(head)),
        };
        let app = match sk.app {
            AppLayout::Known(f) => f.and_then(|f| f.parse(&msg, &self.ctx).map(|p| (f, p))),
            AppLayout::Untried => {
                let source = self.meta[i].source.map(|s| s.hash);
                self.app(&msg, source, false)
            }
        }
        .map(|(f, p)| (f, p, rest.to_string()));
        let mut rec = build(
            self.input,
            env,
            app,
            &msg,
            old.line,
            old.end_line,
            old.format,
            RecordFlags {
                skipped: false,
                ..old.flags
            },
        );
        rec.message.push_str(rest);
        // What was worked out from the line when it was skipped stays as it was.
        rec.ts = old.ts;
        rec.pid = old.pid.or(rec.pid);
        rec.level = old.level.or(rec.level);
        self.records[i] = rec;
    }

    /// The record a continuation line belongs to: the latest one from the same program
    /// (journald and docker interleave several), within a short look-back.
    /// A traceback's head with its own logger prefix and time `ts` goes on the record
    /// its logger wrote just before, as the rest of a traceback logged line by line:
    /// that record was written within a second before it, and holds no traceback it
    /// finished already (a second `Traceback` after an exception line starts another).
    fn prefixed_traceback_continues(&self, env: Option<Basics>, ts: Option<Timestamp>) -> bool {
        let Some(i) = self.find_owner(env, Cont::TracebackStart) else {
            return false;
        };
        let r = &self.records[i];
        let near = match (r.ts, env.and_then(|b| b.ts).or(ts)) {
            (Some(a), Some(b)) => {
                let d = b.utc - a.utc;
                d >= chrono::Duration::zero() && d <= chrono::Duration::seconds(1)
            }
            _ => false,
        };
        let finished =
            self.tb_open != Some(i) && r.message.contains("Traceback (most recent call last)");
        near && !finished
    }

    fn find_owner(&self, env: Option<Basics>, cont: Cont) -> Option<usize> {
        if cont == Cont::ExceptionLine {
            return self.tb_open;
        }
        let n = self.records.len();
        let lo = n.saturating_sub(LOOKBACK);
        let key = env.map(|b| b.source);
        let pid = env.and_then(|b| b.pid);
        // A record's pid may come from the application (a gunicorn worker) where the
        // envelope had none, so only an envelope pid is compared.
        // Inside a traceback, the lines of another stream of the program fall between
        // its lines: only an access line is known to be one of those.
        let past_access = cont == Cont::TracebackStart || self.tb_open.is_some();
        (lo..n).rev().find(|&i| {
            !(past_access && self.meta[i].access)
                && match (key, self.meta[i].source) {
                    (Some(k), Some(s)) => k == s && (pid.is_none() || pid == self.records[i].pid),
                    (Some(k), None) => {
                        !k.has_program && (pid.is_none() || pid == self.records[i].pid)
                    }
                    (None, s) => s.is_none_or(|s| !s.has_program),
                }
        })
    }

    /// The application layout of `msg`: those its source wrote last are tried first
    /// (without a source, the last one found in the input). With `basics`, only what a
    /// skipped record needs is parsed ([`Format::parse_basics`]: no fields).
    fn app<'m>(
        &mut self,
        msg: &'m str,
        source: Option<u64>,
        basics: bool,
    ) -> Option<(&'static dyn Format, Parsed<'m>)> {
        if msg.is_empty() {
            return None;
        }
        let ctx = &self.ctx;
        let parse = |f: &'static dyn Format| match basics {
            true => f.parse_basics(msg, ctx).map(|p| (f, p)),
            false => f.parse(msg, ctx).map(|p| (f, p)),
        };
        // `--format` naming an application layout: that one only.
        if let Some(h) = self.det.forced.filter(|f| f.layer() == Layer::App) {
            return parse(h);
        }
        let slot = source.map(
            |key| match self.app_hints.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    // Bounded: a stream of ever new sources only costs a fresh start.
                    if self.app_hints.len() == 64 {
                        self.app_hints.clear();
                    }
                    self.app_hints.push((key, [None; 2]));
                    self.app_hints.len() - 1
                }
            },
        );
        let tried = match slot {
            Some(i) => self.app_hints[i].1,
            None => [self.app_hint, None],
        };
        let same = |a: &'static dyn Format, b: Option<&'static dyn Format>| {
            b.is_some_and(|b| b.name() == a.name())
        };
        let found = tried.iter().flatten().find_map(|h| parse(*h)).or_else(|| {
            format::registry()
                .iter()
                .filter(|f| f.layer() == Layer::App)
                .filter(|f| !tried.iter().any(|t| same(**f, *t)))
                .find_map(|f| parse(*f))
        });
        let (f, _) = found.as_ref()?;
        self.app_hint = Some(*f);
        if let Some(i) = slot {
            let h = &mut self.app_hints[i].1;
            if !same(*f, h[0]) {
                *h = [Some(*f), h[0]];
            }
        }
        found
    }

    /// Takes the records no later line can change, for a caller that acts on records as
    /// they come (`watch`): all but the last `keep` (a continuation line may still join
    /// one of those), and none from a record whose traceback is still open unless `keep`
    /// is 0 (the stream went quiet: nothing more is coming soon).
    pub fn take_settled(&mut self, keep: usize) -> Vec<Record> {
        let mut n = self.records.len().saturating_sub(keep);
        if keep > 0 {
            if let Some(t) = self.tb_open {
                n = n.min(t);
            }
        }
        self.tb_open = self.tb_open.and_then(|t| t.checked_sub(n));
        self.taken += n as u64;
        self.meta.drain(..n);
        if n == 0 {
            return Vec::new();
        }
        // The list itself is handed out and the few records kept move to the spare one
        // (or a new one of the same size): draining the settled ones into a new list
        // moved each of them.
        let cap = self.records.capacity();
        let mut next = std::mem::take(&mut self.spare);
        next.reserve(cap);
        let mut settled = std::mem::replace(&mut self.records, next);
        self.records.extend(settled.drain(n..));
        settled
    }

    /// Takes back the text of a skipped record that was dropped, for a later one.
    pub fn reuse_text(&mut self, mut text: String) {
        // As many as one batch makes, and only a line's worth each: more would only be
        // memory held (a 50 MB line's buffer reused for every short line after it).
        if self.texts.len() < TEXTS_KEPT && (1..=TEXT_KEPT_BYTES).contains(&text.capacity()) {
            text.clear();
            self.texts.push(text);
        }
    }

    /// `head` in a reused text when one is free.
    fn text(&mut self, head: &str) -> String {
        match self.texts.pop() {
            Some(mut t) => {
                t.push_str(head);
                t
            }
            None => head.to_string(),
        }
    }

    /// Gives back a list [`Assembler::take_settled`] handed out, once its records are
    /// taken, to hold the records to come.
    pub fn recycle(&mut self, mut list: Vec<Record>) {
        list.clear();
        if list.capacity() > self.spare.capacity() {
            self.spare = list;
        }
    }

    /// Ends the input: a held partial becomes a record (docker's last line without `\n`).
    pub fn finish(mut self) -> Assembled {
        self.flush_pending();
        self.stats.records = self.taken + self.records.len() as u64;
        Assembled {
            records: self.records,
            stats: self.stats,
            leading_orphans: self.leading_orphans,
        }
    }
}

/// Decodes `p`'s message when it is a record of a [`Format::nested`] format that a
/// collector's envelope carries (nginx's JSON access log or a structured application log,
/// JSON or logfmt, in docker's `log` or journald's `MESSAGE`): the application's own
/// line, as for a file of them, and its time, level and pid where the envelope has none.
/// `None` when `message` is no such record, or `fmt` is itself one.
fn structured_inside(
    fmt: &'static dyn Format,
    message: &str,
    ctx: &TimeCtx,
) -> Option<(&'static dyn Format, Parsed<'static>)> {
    if fmt.nested() || !(message.starts_with('{') || format::logfmt::may_be(message)) {
        return None;
    }
    let mut nested = format::registry().iter().filter(|f| f.nested());
    // Read as JSON once, whichever format then takes it.
    match format::json_log::object(message) {
        Some(obj) => nested.find_map(|f| Some((*f, f.parse_json(message, &obj, ctx)?))),
        None => nested.find_map(|f| Some((*f, f.parse_text(message, ctx)?))),
    }
}

/// A structured record kept as its line's application part, its message left empty
/// (the line's message is that text). Boxed: unboxed, taken for every line, it was a
/// copy of a whole `Parsed` each time (9 M instructions over the 32 MB benchmark corpus,
/// when it was a field of the assembler).
type Inner = Box<(&'static dyn Format, Parsed<'static>)>;

/// The structured record inside an envelope kept as the line's application part, when
/// it writes a time of its own and the envelope's (`env_ts`) is not that one.
fn inner_app(
    (f, inner): (&'static dyn Format, Parsed<'static>),
    env_ts: Option<Timestamp>,
) -> Option<Inner> {
    inner.ts.filter(|t| env_ts != Some(*t))?;
    Some(Box::new((f, inner)))
}

/// An envelope's time, level and pid, filled from the structured record inside it where
/// the envelope has none: its own say first, but a compose prefix without `--timestamps`
/// has no time, and the record's pid tells the workers of one container apart.
fn take_inner(
    inner: &Parsed,
    ts: &mut Option<Timestamp>,
    level: &mut Option<Level>,
    pid: &mut Option<u32>,
) {
    *ts = ts.or(inner.ts);
    *level = level.or(inner.level);
    *pid = pid.or(inner.pid);
}

/// A record in full from its envelope, its application part (with the continuation text
/// to append to the application's message) and its message.
#[allow(clippy::too_many_arguments)]
fn build(
    input: u32,
    env: Option<Envelope>,
    app: Option<(&'static dyn Format, Parsed, String)>,
    msg: &str,
    line: u64,
    end_line: u64,
    format: &'static str,
    flags: RecordFlags,
) -> Record {
    let env = env.unwrap_or_default();
    let mut fields = env.fields;
    let app_info = app.map(|(f, p, rest)| {
        // Sized once: the list ends as a boxed slice, which spare room would reallocate.
        fields.reserve_exact(p.fields.len());
        fields.extend(p.fields.into_iter().map(|(k, v)| (k, v.into_owned())));
        let mut message = p.message.into_owned();
        message.push_str(&rest);
        Box::new(AppInfo {
            format: f.name(),
            ts: p.ts,
            logger: p.logger.as_deref().map(str::to_string),
            level: p.level,
            pid: p.pid,
            message,
        })
    });
    Record {
        input,
        line,
        end_line,
        ts: env.ts.or_else(|| app_info.as_ref().and_then(|a| a.ts)),
        format,
        host: env.host.map(Arc::from),
        program: env.program.map(String::into_boxed_str),
        pid: env.pid.or_else(|| app_info.as_ref().and_then(|a| a.pid)),
        stream: env.stream,
        pipe: env.pipe,
        level: env
            .level
            .or_else(|| app_info.as_ref().and_then(|a| a.level)),
        message: msg.to_string(),
        app: app_info,
        fields: fields.into_boxed_slice(),
        flags,
    }
}

/// Records of an in-memory text (detection on its first lines, then every line): for
/// tests and for callers that already hold the whole input.
pub fn assemble_str(input: u32, text: &str, ctx: TimeCtx) -> Assembled {
    assemble_str_skipping(input, text, ctx, None)
}

/// [`assemble_str`] with [`Assembler::skip_unless`] when `keep` is given.
pub fn assemble_str_skipping(
    input: u32,
    text: &str,
    ctx: TimeCtx,
    keep: Option<Filter>,
) -> Assembled {
    let lines: Vec<&str> = text.lines().collect();
    let sample = &lines[..lines.len().min(64)];
    let mut a = Assembler::new(input, detect(sample, &ctx), ctx);
    if let Some(k) = keep {
        a.skip_unless(k);
    }
    let meta = LineMeta::default();
    for (i, l) in lines.iter().enumerate() {
        a.push(i as u64 + 1, l.as_bytes(), meta);
    }
    a.finish()
}

/// Empty or whitespace only, as `str::trim` says; most lines start with a byte that is
/// neither, which is the whole test for them.
fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(&c) if c > b' ' && c.is_ascii() => false,
        _ => s.trim().is_empty(),
    }
}

/// Lines with control characters other than tab are binary junk, not program output.
fn looks_binary(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 && b != b'\t') || s.contains('\u{fffd}')
}

/// The output of an [`Assembler`].
#[derive(Debug, Default)]
pub struct Assembled {
    /// Records in input order.
    pub records: Vec<Record>,
    /// Line accounting.
    pub stats: InputStats,
    /// How many records at the start are continuation fragments with nothing to join.
    pub leading_orphans: usize,
}

#[cfg(test)]
mod tests;
