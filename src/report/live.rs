//! `watch` output: one line per finding as it is found (text or JSONL), and the closing
//! summary.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::catalog::Severity;
use crate::redact;
use crate::report::json::SCHEMA;
use crate::watch::{LiveFinding, Summary};

/// How to write.
#[derive(Clone, Copy, Debug)]
pub struct LiveOptions {
    /// Replace secrets (default on).
    pub redact: bool,
    /// Colour the severity.
    pub color: bool,
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn sev_style(s: Severity) -> Style {
    let c = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One finding as one line: time, severity, rule, connection, diagnosis, fix, where.
pub fn write_text<W: Write>(w: &mut W, f: &LiveFinding, o: &LiveOptions) -> io::Result<()> {
    let red = |t: &str| redact::maybe(t, o.redact).into_owned();
    let when = f.ts.map(rfc3339).unwrap_or_else(|| "-".into());
    let mut who = String::new();
    match f.connections.as_slice() {
        [c] if f.connection_count == 1 => {
            who.push_str(&c.id);
            if let Some(p) = &c.path {
                who.push(' ');
                who.push_str(&red(p));
            }
            if let Some(cl) = &c.client {
                who.push_str(" client ");
                who.push_str(cl);
            }
            if let Some(u) = &c.user {
                who.push_str(" user ");
                who.push_str(&red(u));
            }
        }
        _ => who = format!("{} connections", f.connection_count),
    }
    let at = f
        .evidence
        .first()
        .map(|e| format!(" [{}:{}]", e.input, e.line))
        .unwrap_or_default();
    writeln!(
        w,
        "{when} {} {} {who}: {} (fix: {}){at}",
        paint(o.color, sev_style(f.severity), f.severity.name()),
        paint(o.color, Style::new().bold(), f.rule),
        red(&f.diagnosis),
        red(&f.hint),
    )
}

#[derive(Serialize)]
struct ConnView<'a> {
    id: &'a str,
    path: Option<String>,
    client: Option<&'a str>,
    user: Option<String>,
}

#[derive(Serialize)]
struct EvidenceView<'a> {
    input: &'a str,
    line: u64,
    ts: Option<String>,
    text: String,
}

#[derive(Serialize)]
struct FindingView<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'static str,
    rule: &'static str,
    severity: Severity,
    pack: &'a str,
    ts: Option<String>,
    connections: Vec<ConnView<'a>>,
    connection_count: usize,
    diagnosis: String,
    hint: String,
    evidence: Vec<EvidenceView<'a>>,
}

/// One finding as one JSON object on one line (`"type":"finding"`).
pub fn write_jsonl<W: Write>(w: &mut W, f: &LiveFinding, o: &LiveOptions) -> io::Result<()> {
    let red = |t: &str| redact::maybe(t, o.redact).into_owned();
    let v = FindingView {
        kind: "finding",
        schema: SCHEMA,
        rule: f.rule,
        severity: f.severity,
        pack: &f.pack,
        ts: f.ts.map(rfc3339),
        connections: f
            .connections
            .iter()
            .map(|c| ConnView {
                id: &c.id,
                path: c.path.as_deref().map(red),
                client: c.client.as_deref(),
                user: c.user.as_deref().map(red),
            })
            .collect(),
        connection_count: f.connection_count,
        diagnosis: red(&f.diagnosis),
        hint: red(&f.hint),
        evidence: f
            .evidence
            .iter()
            .map(|e| EvidenceView {
                input: &e.input,
                line: e.line,
                ts: e.ts.map(rfc3339),
                text: red(&e.text),
            })
            .collect(),
    };
    serde_json::to_writer(&mut *w, &v)?;
    w.write_all(b"\n")
}

#[derive(Serialize)]
struct InputView<'a> {
    name: &'a str,
    bytes: u64,
    lines: u64,
    parsed: u64,
    continuation: u64,
    blank: u64,
    unparsed: u64,
    records: u64,
    lossy: u64,
    cut: u64,
    rotated: u64,
    truncated: u64,
    vanished: u64,
    errors: &'a [String],
}

#[derive(Serialize)]
struct SummaryView<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'static str,
    interrupted: bool,
    records: u64,
    matched: u64,
    connections: u64,
    open: usize,
    evicted: u64,
    events_dropped: u64,
    late: u64,
    filtered: u64,
    findings: &'a std::collections::BTreeMap<&'static str, u64>,
    inputs: Vec<InputView<'a>>,
}

/// The summary as one JSON object (`"type":"summary"`).
pub fn write_summary_jsonl<W: Write>(w: &mut W, s: &Summary) -> io::Result<()> {
    let c = &s.counts;
    let v = SummaryView {
        kind: "summary",
        schema: SCHEMA,
        interrupted: s.interrupted,
        records: c.records,
        matched: c.matched,
        connections: c.connections,
        open: s.open,
        evicted: c.evicted,
        events_dropped: c.events_dropped,
        late: c.late,
        filtered: c.filtered,
        findings: &c.findings,
        inputs: s
            .inputs
            .iter()
            .map(|i| InputView {
                name: &i.name,
                bytes: i.stats.bytes,
                lines: i.stats.lines,
                parsed: i.stats.parsed,
                continuation: i.stats.continuation,
                blank: i.stats.blank,
                unparsed: i.stats.unparsed,
                records: i.stats.records,
                lossy: i.stats.lossy,
                cut: i.stats.truncated,
                rotated: i.rotated,
                truncated: i.truncated,
                vanished: i.vanished,
                errors: &i.errors,
            })
            .collect(),
    };
    serde_json::to_writer(&mut *w, &v)?;
    w.write_all(b"\n")
}

/// The closing summary for a person; with `stats`, one accounting line per input.
pub fn write_summary_text<W: Write>(w: &mut W, s: &Summary, stats: bool) -> io::Result<()> {
    let c = &s.counts;
    let lines: u64 = s.inputs.iter().map(|i| i.stats.lines).sum();
    let unparsed: u64 = s.inputs.iter().map(|i| i.stats.unparsed).sum();
    let found: u64 = c.findings.values().sum();
    writeln!(
        w,
        "logweave watch {}: {lines} lines from {} input{}{}, {} connections ({} still open, {} evicted), {found} finding{}",
        if s.interrupted { "stopped" } else { "ended" },
        s.inputs.len(),
        if s.inputs.len() == 1 { "" } else { "s" },
        if unparsed > 0 { format!(" ({unparsed} not parsed)") } else { String::new() },
        c.connections,
        s.open,
        c.evicted,
        if found == 1 { "" } else { "s" },
    )?;
    for (rule, n) in &c.findings {
        writeln!(w, "  {rule}  {n}")?;
    }
    if c.late > 0 {
        writeln!(
            w,
            "  {} records arrived later than the lateness allowance",
            c.late
        )?;
    }
    if c.events_dropped > 0 {
        writeln!(
            w,
            "  {} old lines dropped from long connections",
            c.events_dropped
        )?;
    }
    // An input that could not be read, or whose lines were changed to be read, is named
    // whether or not `--stats` was asked for: nothing is lost silently.
    if !stats {
        for i in &s.inputs {
            let said = changed_lines(&i.stats);
            if !said.is_empty() {
                writeln!(w, "  {}: {}", i.name, said.join("; "))?;
            }
            // (The error names its input.)
            for e in &i.errors {
                writeln!(w, "  error: {e}")?;
            }
        }
    }
    if stats {
        for i in &s.inputs {
            let st = &i.stats;
            writeln!(
                w,
                "{}: {} bytes, {} lines = {} parsed + {} continuation + {} blank + {} unparsed; {} records{}{}{}{}{}",
                i.name,
                st.bytes,
                st.lines,
                st.parsed,
                st.continuation,
                st.blank,
                st.unparsed,
                st.records,
                changed_lines(st).iter().map(|c| format!("; {c}")).collect::<String>(),
                if i.rotated > 0 { format!("; rotated {}×", i.rotated) } else { String::new() },
                if i.truncated > 0 { format!("; truncated {}×", i.truncated) } else { String::new() },
                if i.vanished > 0 { format!("; vanished {}×", i.vanished) } else { String::new() },
                if i.errors.is_empty() { String::new() } else { format!("; errors: {}", i.errors.join("; ")) },
            )?;
        }
    }
    Ok(())
}

/// What reading changed in an input's lines: lines decoded lossily, lines cut.
fn changed_lines(st: &crate::assemble::InputStats) -> Vec<String> {
    let mut said = Vec::new();
    if st.lossy > 0 {
        said.push(format!(
            "{} lines not valid UTF-8 (decoded lossily)",
            st.lossy
        ));
    }
    if st.truncated > 0 {
        said.push(format!(
            "{} lines over the length limit (cut)",
            st.truncated
        ));
    }
    said
}
