//! Log formats: the envelope a line arrived in, and the application layout inside it.
//!
//! ```text
//!  physical line ──► envelope (journald, docker, supervisord, syslog, or none)
//!                      │ message
//!                      ▼
//!                    application layout (nginx, Daphne, uvicorn, gunicorn, Python logging)
//! ```
//!
//! Every format is one [`Format`] in one file of this folder; [`registry`] lists them in
//! the order detection tries them (specific before generic). A parser looks at one line
//! and either recognises it, returning a borrowed [`Parsed`], or returns `None` quickly.
//! Everything that needs more than one line (continuations, partial docker lines,
//! supervisord's captured output, detection) is [`crate::assemble`]'s job.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::record::{Level, Timestamp};
use crate::time::TimeCtx;

pub mod alb;
pub mod apache;
pub mod caddy;
pub mod daphne;
pub mod dmesg;
pub mod docker;
pub mod envoy;
pub mod fly;
pub mod haproxy;
pub mod heroku;
pub mod journald;
pub mod journald_json;
pub mod json_log;
pub mod klog;
pub mod logfmt;
pub mod nginx;
pub mod nginx_custom;
pub mod nginx_json;
pub mod python;
pub mod supervisord;
pub mod syslog;

/// Which layer of a line a format describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Written around the application's line by a log collector (journald, docker, ...).
    Envelope,
    /// Written by the application itself; may also stand alone in a file.
    App,
}

/// What else a recognised line means for the lines around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ordinary record.
    Record,
    /// A line of the format that carries no log entry (`-- Logs begin at ... --`): counted
    /// as parsed, produces no record.
    Marker,
    /// A line of the format that says the host rebooted between the entries around it
    /// (journalctl's `-- Reboot --`, `-- Boot 1a2b... --`): a record without a time of
    /// its own, which the process pack reads.
    Reboot,
    /// The message continues in the next line of the same format (docker's 16 KiB
    /// split, CRI `P`): join before treating it as a record.
    Partial,
    /// The following lines that this format does not recognise are the raw output of
    /// `program` on `stream` (supervisord's `DEBG 'daphne' stderr output:`).
    Capture,
}

/// One line as a format understood it. Borrows from the line wherever it can.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<'a> {
    /// The time the line carries, completed by [`TimeCtx`] where parts are missing.
    pub ts: Option<Timestamp>,
    /// Host name.
    pub host: Option<&'a str>,
    /// Unit, container, service or program name.
    pub program: Option<Cow<'a, str>>,
    /// Process id.
    pub pid: Option<u32>,
    /// `stdout` / `stderr`.
    pub stream: Option<&'static str>,
    /// Which of the source's streams the line came through, where the envelope tells
    /// streams apart that `stream` does not (journald's `_STREAM_ID`); 0 when it does
    /// not say. See [`crate::record::Record::pipe`].
    pub pipe: u16,
    /// Severity.
    pub level: Option<Level>,
    /// Logger name (application layouts).
    pub logger: Option<Cow<'a, str>>,
    /// The rest of the line: for an envelope, the application's line; for an
    /// application layout, its message.
    pub message: Cow<'a, str>,
    /// Format-specific fields, in the order the format defines.
    pub fields: Vec<(&'static str, Cow<'a, str>)>,
    /// How this line relates to the lines around it.
    pub kind: Kind,
}

impl<'a> Parsed<'a> {
    /// A record with only a message; set the other fields as the format finds them.
    pub fn new(message: impl Into<Cow<'a, str>>) -> Self {
        Parsed {
            ts: None,
            host: None,
            program: None,
            pid: None,
            stream: None,
            pipe: 0,
            level: None,
            logger: None,
            message: message.into(),
            fields: Vec::new(),
            kind: Kind::Record,
        }
    }

    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// A log format: recognises and splits one physical line.
pub trait Format: Send + Sync {
    /// The name users pass to `--format` and see in `format` (`journald-short-iso`).
    fn name(&self) -> &'static str;
    /// Envelope or application layout.
    fn layer(&self) -> Layer;
    /// One real-shaped line of this format, shown by `logweave formats`.
    fn example(&self) -> &'static str;
    /// Recognises `line` (no line terminator, ANSI escapes already removed) or returns
    /// `None`. Must be cheap on lines of other formats: check the shape first.
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>>;
    /// [`Format::parse`] for a line that nothing may match, whose record will only be
    /// counted and timed: the same answer in every part but `fields`, which may be left
    /// empty. A format whose fields cost much of its parse (nginx's access log, most
    /// lines of the largest inputs) overrides it.
    fn parse_basics<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        self.parse(line, ctx)
    }
    /// False for formats that match almost anything (journald `cat`) and so are only
    /// used when named with `--format`.
    fn detectable(&self) -> bool {
        true
    }
    /// False for an envelope tried only when detection locked it in for the input, not
    /// on each line another envelope did not take: one whose refusal is not cheap on the
    /// lines of common inputs (`nginx-custom` on every line of a `combined` log).
    fn fallback(&self) -> bool {
        true
    }
    /// True for a JSON record format whose records also arrive as the message of another
    /// envelope (a structured log in docker's `log` or journald's `MESSAGE`): the
    /// assembler decodes them there too, through [`Format::parse_json`].
    fn nested(&self) -> bool {
        false
    }
    /// A [`Format::nested`] format's record from `line` already read as a JSON object
    /// (`obj`): the assembler reads a message once for every such format.
    fn parse_json(
        &self,
        _line: &str,
        _obj: &json_log::Object,
        _ctx: &TimeCtx,
    ) -> Option<Parsed<'static>> {
        None
    }
    /// A [`Format::nested`] text format's record from `line`, the message of another
    /// envelope that is no JSON object (logfmt in docker's `log`).
    fn parse_text(&self, _line: &str, _ctx: &TimeCtx) -> Option<Parsed<'static>> {
        None
    }
}

/// All formats in detection order: envelopes first, specific before generic, then the
/// application layouts, specific before generic.
pub fn registry() -> &'static [&'static dyn Format] {
    static ALL: OnceLock<Vec<&'static dyn Format>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static dyn Format> = Vec::new();
        v.extend(journald_json::formats());
        v.extend(docker::formats());
        v.extend(caddy::formats());
        v.extend(alb::formats());
        v.extend(nginx_json::formats());
        v.extend(json_log::formats());
        v.extend(logfmt::formats());
        v.extend(syslog::formats());
        v.extend(apache::formats());
        v.extend(dmesg::formats());
        v.extend(heroku::formats());
        v.extend(fly::formats());
        v.extend(journald::formats());
        v.extend(supervisord::formats());
        v.extend(nginx_custom::formats());
        v.extend(envoy::formats());
        v.extend(haproxy::formats());
        v.extend(nginx::formats());
        v.extend(daphne::formats());
        v.extend(python::formats());
        v.extend(klog::formats());
        v
    })
}

/// The format called `name`, if there is one.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    registry().iter().copied().find(|f| f.name() == name)
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, and
/// two-byte `ESC x`). Returns the input unchanged when it has none.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if memchr::memchr(0x1b, s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != 0x1b {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        match b.get(i) {
            Some(b'[') => {
                i += 1;
                while i < b.len() && !(0x40..=0x7e).contains(&b[i]) {
                    i += 1;
                }
                i += 1;
            }
            Some(b']') => {
                i += 1;
                while i < b.len() && b[i] != 0x07 && !(b[i] == 0x1b && b.get(i + 1) == Some(&b'\\'))
                {
                    i += 1;
                }
                i += if b.get(i) == Some(&0x07) { 1 } else { 2 };
            }
            Some(_) => i += 1,
            None => {}
        }
    }
    // Only whole escape sequences (ASCII) were removed, so the rest is still UTF-8.
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// A `ctime` time in brackets at the start of `line` (`[Thu Nov 20 17:00:23.344126 2025] `,
/// as Apache's error log and `dmesg -T` write it; local, no zone), and the rest of the
/// line after the bracket and its space.
pub(crate) fn bracketed_ctime<'a>(line: &'a str, ctx: &TimeCtx) -> Option<(Timestamp, &'a str)> {
    let rest = line.strip_prefix('[')?;
    let (naive, digits, n) = crate::time::ctime(rest.as_bytes())?;
    let after = rest[n..].strip_prefix("] ")?;
    Some((ctx.complete(naive, digits, None)?, after))
}

/// Splits `s` at the first occurrence of `byte`, without the byte.
#[inline]
pub fn split_at_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    let i = memchr::memchr(byte, s.as_bytes())?;
    Some((&s[..i], &s[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_colour_is_stripped_but_text_kept() {
        assert_eq!(
            strip_ansi("\x1b[36mweb_1  |\x1b[0m hello"),
            "web_1  | hello"
        );
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("a\x1b]0;title\x07b"), "ab");
        assert_eq!(strip_ansi("trailing\x1b"), "trailing");
    }

    #[test]
    fn every_format_parses_its_own_example() {
        let ctx = TimeCtx::default();
        for f in registry() {
            assert!(
                f.parse(f.example(), &ctx).is_some(),
                "{} does not parse its example {:?}",
                f.name(),
                f.example()
            );
        }
    }

    #[test]
    fn format_names_are_unique() {
        let mut names: Vec<_> = registry().iter().map(|f| f.name()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
