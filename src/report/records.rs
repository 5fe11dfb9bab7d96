//! `logweave parse` output: one JSON object per record, and the per-input accounting.
//!
//! Every key below is always present (null when the source did not say), so `jq`
//! filters do not need to guard against missing keys.

use std::io::{self, Write};

use serde::Serialize;

use crate::ingest::{InputReport, YearSource};
use crate::record::{Level, Record, TsNote};
use crate::redact;

/// How to write records.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// Replace secrets (default on).
    pub redact: bool,
    /// The name of `--tz`, for `ts_note` (`UTC`, `+02:00`).
    pub tz_label: String,
}

#[derive(Serialize)]
struct AppView<'a> {
    format: &'a str,
    ts: Option<String>,
    logger: Option<&'a str>,
    level: Option<Level>,
    pid: Option<u32>,
    message: String,
}

#[derive(Serialize)]
struct RecordView<'a> {
    input: &'a str,
    line: u64,
    end_line: u64,
    ts: Option<String>,
    ts_note: Option<String>,
    format: &'a str,
    host: Option<&'a str>,
    program: Option<&'a str>,
    pid: Option<u32>,
    stream: Option<&'a str>,
    level: Option<Level>,
    message: String,
    app: Option<AppView<'a>>,
    fields: serde_json::Map<String, serde_json::Value>,
    truncated: bool,
    lossy: bool,
}

/// Words for what was inferred in a timestamp.
pub fn ts_note(note: TsNote, year: YearSource, tz_label: &str) -> Option<String> {
    let mut parts = Vec::new();
    if note.contains(TsNote::YEAR) {
        parts.push(format!("year from {}", year.describe()));
    }
    if note.contains(TsNote::ZONE) {
        parts.push(format!("no zone in source, {tz_label} assumed"));
    }
    if note.contains(TsNote::INHERITED) {
        parts.push("time of the line that announced this output".to_string());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Writes `records` as JSON Lines.
pub fn write_jsonl<W: Write>(
    w: &mut W,
    records: &[Record],
    inputs: &[InputReport],
    opts: &RecordOptions,
) -> io::Result<()> {
    for r in records {
        let input = &inputs[r.input as usize];
        let red = |s: &str| redact::maybe(s, opts.redact).into_owned();
        let view = RecordView {
            input: &input.name,
            line: r.line,
            end_line: r.end_line,
            ts: r.ts.map(|t| t.to_rfc3339()),
            ts_note: r
                .ts
                .and_then(|t| ts_note(t.note, input.year_source, &opts.tz_label)),
            format: r.format,
            host: r.host.as_deref(),
            program: r.program.as_deref(),
            pid: r.pid,
            stream: r.stream,
            level: r.level,
            message: red(&r.message),
            app: r.app.as_ref().map(|a| AppView {
                format: a.format,
                ts: a.ts.map(|t| t.to_rfc3339()),
                logger: a.logger.as_deref(),
                level: a.level,
                pid: a.pid,
                message: red(&a.message),
            }),
            fields: r
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(red(v))))
                .collect(),
            truncated: r.flags.truncated,
            lossy: r.flags.lossy,
        };
        serde_json::to_writer(&mut *w, &view)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The warnings of every input, one `logweave: warning: ...` line each: printed whether
/// or not `--stats` was asked for, because each says some text was not read whole.
pub fn write_warnings<W: Write>(w: &mut W, inputs: &[InputReport]) -> io::Result<()> {
    for i in inputs {
        for m in &i.warnings {
            writeln!(w, "logweave: warning: {m}")?;
        }
    }
    Ok(())
}

/// One line per input for `--stats`: the accounting a person can check.
pub fn write_stats<W: Write>(w: &mut W, inputs: &[InputReport]) -> io::Result<()> {
    for i in inputs {
        let s = &i.stats;
        writeln!(
            w,
            "{}: format {}, {} bytes, {} lines = {} parsed + {} continuation + {} blank + {} unparsed; {} records{}{}{}",
            i.name,
            i.format,
            s.bytes,
            s.lines,
            s.parsed,
            s.continuation,
            s.blank,
            s.unparsed,
            s.records,
            if s.lossy > 0 { format!("; {} lines not valid UTF-8 (decoded lossily)", s.lossy) } else { String::new() },
            if s.truncated > 0 { format!("; {} lines over the length limit (cut)", s.truncated) } else { String::new() },
            match &i.error {
                Some(e) => format!("; error: {e}"),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}
