//! The record: one log entry as every later stage sees it, whatever envelope it came in.
//!
//! A [`Record`] owns its strings because records outlive the buffer they were read from
//! (they are merged across inputs and sorted by time). The per-line parsers produce the
//! borrowed [`crate::format::Parsed`] instead, so a line that is thrown away costs nothing.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// A point in time with the precision its source wrote it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// The instant, in UTC.
    pub utc: DateTime<Utc>,
    /// Digits after the second the source wrote (0, 3, 6 or 9; other counts round up).
    pub digits: u8,
    /// What was inferred rather than read ([`TsNote`] bits).
    pub note: TsNote,
}

/// Bits saying which parts of a [`Timestamp`] were inferred instead of read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TsNote(pub u8);

impl TsNote {
    /// Nothing inferred.
    pub const NONE: TsNote = TsNote(0);
    /// The source wrote no year; it came from `--year`, the file's mtime or today.
    pub const YEAR: TsNote = TsNote(1);
    /// The source wrote no zone; `--tz` (default UTC) was assumed.
    pub const ZONE: TsNote = TsNote(2);
    /// The timestamp was not on this line: it was taken from the envelope or a previous line.
    pub const INHERITED: TsNote = TsNote(4);

    /// True when every bit of `other` is set in `self`.
    pub fn contains(self, other: TsNote) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
}

impl std::ops::BitOr for TsNote {
    type Output = TsNote;
    fn bitor(self, rhs: TsNote) -> TsNote {
        TsNote(self.0 | rhs.0)
    }
}

impl Timestamp {
    /// RFC 3339 in UTC (`Z`), with as many fraction digits as the source had.
    pub fn to_rfc3339(&self) -> String {
        let fmt = match self.digits {
            0 => SecondsFormat::Secs,
            1..=3 => SecondsFormat::Millis,
            4..=6 => SecondsFormat::Micros,
            _ => SecondsFormat::Nanos,
        };
        self.utc.to_rfc3339_opts(fmt, true)
    }
}

/// Severity, normalised from the many spellings logs use (`WARN`, `DEBG`, `E`, `err`, `3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Finer than debug (uvicorn `TRACE`, supervisord `TRAC`/`BLAT`).
    Trace,
    /// `DEBUG`, `DEBG`, syslog 7.
    Debug,
    /// `INFO`, syslog 6.
    Info,
    /// syslog 5, nginx `notice`.
    Notice,
    /// `WARNING`, `WARN`, syslog 4.
    Warning,
    /// `ERROR`, `ERRO`, `err`, syslog 3.
    Error,
    /// `CRITICAL`, `CRIT`, `FATAL`, syslog 2.
    Critical,
    /// syslog 1.
    Alert,
    /// syslog 0.
    Emergency,
}

impl Level {
    /// Reads a level name in any common spelling and case; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Level> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 9 {
            return None;
        }
        let mut buf = [0u8; 9];
        for (i, c) in b.iter().enumerate() {
            buf[i] = c.to_ascii_lowercase();
        }
        Some(match &buf[..b.len()] {
            b"trace" | b"trac" | b"blat" => Level::Trace,
            b"debug" | b"debg" | b"dbg" | b"d" => Level::Debug,
            b"info" | b"inf" | b"i" => Level::Info,
            b"notice" => Level::Notice,
            b"warning" | b"warn" | b"wrn" | b"w" => Level::Warning,
            b"error" | b"erro" | b"err" | b"e" => Level::Error,
            b"critical" | b"crit" | b"fatal" | b"c" | b"f" => Level::Critical,
            b"alert" => Level::Alert,
            b"emerg" | b"emergency" | b"panic" => Level::Emergency,
            _ => return None,
        })
    }

    /// The syslog / journald `PRIORITY` number (0 = emergency .. 7 = debug).
    pub fn from_syslog(n: u8) -> Option<Level> {
        Some(match n {
            0 => Level::Emergency,
            1 => Level::Alert,
            2 => Level::Critical,
            3 => Level::Error,
            4 => Level::Warning,
            5 => Level::Notice,
            6 => Level::Info,
            7 => Level::Debug,
            _ => return None,
        })
    }
}

/// The application's own view of a line, found inside the envelope's message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppInfo {
    /// Which application layout matched (`python-logging`, `daphne-access`, ...).
    pub format: &'static str,
    /// The application's own timestamp, which may disagree with the envelope's.
    pub ts: Option<Timestamp>,
    /// The logger name, when the layout has one.
    pub logger: Option<String>,
    /// The application's level.
    pub level: Option<Level>,
    /// The process id the application wrote (gunicorn workers), when it differs.
    pub pid: Option<u32>,
    /// The message with the application's prefix removed.
    pub message: String,
}

/// Flags on a record that a person should know about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordFlags {
    /// A line was longer than the limit and was cut.
    pub truncated: bool,
    /// A line was not valid UTF-8 and was decoded lossily.
    pub lossy: bool,
    /// Only counted, not kept: no pattern can match its text (see
    /// [`crate::assemble::Assembler::skip_unless`]). Its time, line numbers, format and
    /// stream are real, and so are its pid and level when it has them (a line whose
    /// envelope gave its time is not parsed for its application layout, so has only the
    /// envelope's); its message, host, program, fields and application part are not.
    pub skipped: bool,
    /// The application wrote its time in whole seconds, and its application part was
    /// dropped to save memory (a matched record `scan` holds): [`Record::coarse_time`]
    /// still says so.
    pub coarse_app: bool,
    /// The application layout wrote a logger's name (`INFO:uvicorn.error:msg`), kept
    /// when its application part is dropped: [`Record::names_logger`].
    pub app_logger: bool,
}

/// One log entry, possibly spanning several physical lines (tracebacks, joined partials).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Index of the input in the caller's input list.
    pub input: u32,
    /// First physical line, 1-based.
    pub line: u64,
    /// Last physical line that belongs to this record (continuations).
    pub end_line: u64,
    /// When it happened: the envelope's time, else the application's.
    pub ts: Option<Timestamp>,
    /// Envelope format name, or the application format when there is no envelope;
    /// `plain` for unstructured program output, `unknown` for lines nothing recognised.
    pub format: &'static str,
    /// Host name, from the envelope. Shared: a log names a few hosts, and `scan` holds
    /// every matched record until the report is written (see `ingest`'s sieve).
    pub host: Option<Arc<str>>,
    /// Unit, container, service or process name.
    pub program: Option<Box<str>>,
    /// Process id.
    pub pid: Option<u32>,
    /// `stdout` or `stderr` where the envelope says.
    pub stream: Option<&'static str>,
    /// Which stream of its input the line came through, where the envelope tells them
    /// apart beyond `stream` (journald's `_STREAM_ID`, hashed): 0 when it does not say.
    /// Lines of two streams of one input are not in the order they were written: each
    /// stream is read on its own, and stamped when read.
    pub pipe: u16,
    /// Severity: the envelope's, else the application's.
    pub level: Option<Level>,
    /// The line with the envelope removed (continuation lines joined with `\n`).
    pub message: String,
    /// The application layout found inside `message` (boxed: most records held for long
    /// have none, or have it dropped, and should not pay for its size).
    pub app: Option<Box<AppInfo>>,
    /// Format-specific fields (nginx request parts, syslog facility, ...), in a stable order.
    /// A boxed slice, not a `Vec`: the list never grows once the record is built, and
    /// every held record pays for the size of the empty list too.
    pub fields: Box<[(&'static str, String)]>,
    /// Truncation and decoding flags.
    pub flags: RecordFlags,
}

impl Record {
    /// The process that wrote the line: the application's own pid when its layout
    /// writes one, else the envelope's. A gunicorn worker writes `[124]` in its lines
    /// while journald stamps them with the stream of the master that spawned it
    /// (`gunicorn[99]`): only the worker's pid tells its connections from its siblings'.
    pub fn writer_pid(&self) -> Option<u32> {
        self.app.as_ref().and_then(|a| a.pid).or(self.pid)
    }

    /// The application layout wrote a logger's name (see [`RecordFlags::app_logger`]).
    pub fn names_logger(&self) -> bool {
        self.flags.app_logger || self.app.as_ref().is_some_and(|a| a.logger.is_some())
    }

    /// The line's time says only which second it was written in: its own time, or the
    /// time the application wrote inside it (Daphne's access line `[26/Nov/2026:00:32:04]`
    /// in a journal that stamped its arrival), is whole seconds.
    pub fn coarse_time(&self) -> bool {
        self.ts.is_some_and(|t| t.digits == 0)
            || self.flags.coarse_app
            || self
                .app
                .as_ref()
                .and_then(|a| a.ts)
                .is_some_and(|t| t.digits == 0)
    }

    /// The value of a format-specific field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Most distinct host names kept shared.
const MAX_INTERNED: usize = 1024;

/// The shared copy of `s` in `set`, added when new: a log names a few hosts, and `scan`
/// holds every matched record while `watch` holds every open connection's.
pub(crate) fn intern(set: &mut BTreeSet<Arc<str>>, s: &str) -> Arc<str> {
    if let Some(a) = set.get(s) {
        return a.clone();
    }
    // A stream naming ever new hosts must not grow the set for days: start over (the
    // copies in use stay valid, only shared less).
    if set.len() >= MAX_INTERNED {
        set.clear();
    }
    let a: Arc<str> = Arc::from(s);
    set.insert(a.clone());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_stays_small() {
        // `scan` holds every matched record until the report is written: a field added
        // inline costs its size once per record (700,000 of them at 1 GB of logs). 168,
        // not 160, since `RecordFlags::coarse_app`: 8 bytes on each record for a box of
        // about 100 on the many whose application time is whole seconds.
        assert!(
            std::mem::size_of::<Record>() <= 168,
            "{}",
            std::mem::size_of::<Record>()
        );
    }
}
