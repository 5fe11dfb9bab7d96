//! `--output json` (schema `logweave/report/v1`) and `--output jsonl`.
//!
//! The schema is an interface: fields may be added in v1, none removed or renamed.
//! Maps are `BTreeMap` and arrays are in a stable order (connections by start time then
//! id; findings by time then rule), so the same input gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::Severity;
use crate::pipeline::Scan;
use crate::redact;
use crate::sequence::Verdict;

/// The schema name written in every report.
pub const SCHEMA: &str = "logweave/report/v1";

/// Options shared by every report writer.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Replace secrets (default on).
    pub redact: bool,
}

/// A record's whole message as a report writes it: redacted unless `redact` is off, or
/// as it is when the scan redacted it already ([`crate::pipeline::scan_redacted`]).
pub fn message_text(s: &Scan, r: &crate::record::Record, redact: bool) -> String {
    if s.redacted {
        r.message.clone()
    } else {
        redact::maybe(&r.message, redact).into_owned()
    }
}

/// Per-input accounting.
#[derive(Serialize)]
pub struct InputView<'a> {
    path: &'a str,
    format: &'a str,
    bytes: u64,
    lines: u64,
    records: u64,
    parsed: u64,
    continuation: u64,
    blank: u64,
    unparsed: u64,
    /// Lines not valid UTF-8 (decoded lossily).
    lossy: u64,
    /// Lines cut at `--max-line-bytes`.
    truncated: u64,
    error: Option<String>,
    /// Each names the input (lines cut, a file that shrank while read).
    warnings: &'a [String],
}

/// Counts first.
#[derive(Serialize, Default)]
pub struct Summary {
    /// Connections found.
    pub connections: usize,
    /// By verdict.
    pub healthy: usize,
    /// By verdict.
    pub degraded: usize,
    /// By verdict.
    pub broken: usize,
    /// By verdict.
    pub open: usize,
    /// Findings per rule id.
    pub rules: BTreeMap<&'static str, usize>,
    /// Connections per close code.
    pub close_codes: BTreeMap<String, usize>,
    /// Broken or degraded connections per path, most first (at most 10).
    pub failing_paths: Vec<(String, usize)>,
}

#[derive(Serialize)]
struct EventView<'a> {
    ts: Option<String>,
    input: &'a str,
    line: u64,
    pattern: String,
    stage: &'static str,
    link: &'static str,
    key: &'static str,
    text: String,
}

#[derive(Serialize)]
struct ConnectionView<'a> {
    id: &'a str,
    path: Option<std::borrow::Cow<'a, str>>,
    user: Option<std::borrow::Cow<'a, str>>,
    client: Option<&'a str>,
    start: Option<String>,
    end: Option<String>,
    verdict: Verdict,
    close_code: Option<u32>,
    rules: Vec<&'static str>,
    events: Vec<EventView<'a>>,
}

#[derive(Serialize)]
struct Evidence<'a> {
    input: &'a str,
    line: u64,
    ts: Option<String>,
}

#[derive(Serialize)]
struct FindingView<'a> {
    rule: &'static str,
    severity: Severity,
    pack: &'a str,
    ts: Option<String>,
    connections: Vec<&'a str>,
    diagnosis: String,
    hint: String,
    evidence: Vec<Evidence<'a>>,
}

/// The report's parts, in the order `write_json` writes them.
struct ReportView<'a> {
    schema: &'static str,
    inputs: Vec<InputView<'a>>,
    summary: Summary,
    connections: Each<'a, ConnectionView<'a>>,
    findings: Each<'a, FindingView<'a>>,
}

/// A list whose items are built as they are written, a batch at a time on every core: a
/// report of a large scan is never held whole in memory.
struct Each<'a, T> {
    len: usize,
    item: Box<dyn Fn(usize) -> T + Send + Sync + 'a>,
}

impl<T: Send> Each<'_, T> {
    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        use rayon::prelude::*;
        const BATCH: usize = 1024;
        (0..self.len).step_by(BATCH).flat_map(move |start| {
            (start..(start + BATCH).min(self.len))
                .into_par_iter()
                .map(&self.item)
                .collect::<Vec<T>>()
        })
    }
}

impl<T: Serialize + Send> Each<'_, T> {
    /// Writes the list as serde_json's pretty printer writes an array that is the value
    /// of a top-level key, each item built and serialized on every core, a batch at a
    /// time, then written in order.
    fn write_pretty<W: Write>(&self, w: &mut W) -> io::Result<()> {
        use rayon::prelude::*;
        const BATCH: usize = 1024;
        if self.len == 0 {
            return w.write_all(b"[]");
        }
        w.write_all(b"[")?;
        for start in (0..self.len).step_by(BATCH) {
            let texts = (start..(start + BATCH).min(self.len))
                .into_par_iter()
                .map(|i| pretty_at(&(self.item)(i), 2))
                .collect::<io::Result<Vec<Vec<u8>>>>()?;
            for (i, t) in (start..).zip(texts) {
                w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
                w.write_all(&t)?;
            }
        }
        w.write_all(b"\n  ]")
    }
}

/// `value` as serde_json's pretty printer writes it `depth` levels deep (two spaces a
/// level). A JSON text holds no raw newline inside a string, so every newline of the
/// value's own pretty text starts a line to indent.
fn pretty_at<T: Serialize + ?Sized>(value: &T, depth: usize) -> io::Result<Vec<u8>> {
    let text = serde_json::to_vec_pretty(value)?;
    let indent = 2 * depth;
    let lines = memchr::memchr_iter(b'\n', &text).count();
    let mut out = Vec::with_capacity(text.len() + lines * indent);
    let mut from = 0;
    for nl in memchr::memchr_iter(b'\n', &text) {
        out.extend_from_slice(&text[from..=nl]);
        out.resize(out.len() + indent, b' ');
        from = nl + 1;
    }
    out.extend_from_slice(&text[from..]);
    Ok(out)
}

/// The summary counts of a scan, with failing paths as the logs wrote them.
pub fn summary(s: &Scan) -> Summary {
    summary_as(s, false)
}

/// [`summary`], with the failing paths redacted when `redact` is on (a path may hold a
/// token: `/ws/chat/<JWT>/`), and counted as redacted.
pub fn summary_as(s: &Scan, redact: bool) -> Summary {
    let mut out = Summary {
        connections: s.correlated.connections.len(),
        ..Summary::default()
    };
    let mut failing: BTreeMap<String, usize> = BTreeMap::new();
    for (i, v) in s.analysis.verdicts.iter().enumerate() {
        match v {
            Verdict::Healthy => out.healthy += 1,
            Verdict::Degraded => out.degraded += 1,
            Verdict::Broken => out.broken += 1,
            Verdict::Open => out.open += 1,
        }
        if matches!(v, Verdict::Broken | Verdict::Degraded) {
            let p = s.correlated.connections[i]
                .path
                .as_deref()
                .unwrap_or("(no path)");
            let p = redact::maybe(p, redact).into_owned();
            *failing.entry(p).or_default() += 1;
        }
    }
    for f in &s.analysis.findings {
        *out.rules.entry(f.rule).or_default() += 1;
    }
    for c in s.analysis.close_codes.iter().flatten() {
        *out.close_codes.entry(c.to_string()).or_default() += 1;
    }
    let mut fp: Vec<(String, usize)> = failing.into_iter().collect();
    fp.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    fp.truncate(10);
    out.failing_paths = fp;
    out
}

fn views<'a>(s: &'a Scan, opts: &ReportOptions) -> ReportView<'a> {
    let redacting = opts.redact;
    let red = move |t: &str| redact::maybe(t, redacting).into_owned();
    let inputs = s
        .ingested
        .inputs
        .iter()
        .map(|i| InputView {
            path: &i.name,
            format: i.format,
            bytes: i.stats.bytes,
            lines: i.stats.lines,
            records: i.stats.records,
            parsed: i.stats.parsed,
            continuation: i.stats.continuation,
            blank: i.stats.blank,
            unparsed: i.stats.unparsed,
            lossy: i.stats.lossy,
            truncated: i.stats.truncated,
            error: i.error.as_ref().map(|e| e.to_string()),
            warnings: &i.warnings,
        })
        .collect();
    let input_name = move |rec: usize| {
        s.ingested.inputs[s.ingested.records[rec].input as usize]
            .name
            .as_str()
    };
    let connections = Each {
        len: s.correlated.connections.len(),
        item: Box::new(move |ci| {
            let c = &s.correlated.connections[ci];
            let mut rules: Vec<&'static str> = s.analysis.naming(ci).map(|f| f.rule).collect();
            rules.sort();
            rules.dedup();
            ConnectionView {
                id: &c.id,
                // A path may hold a token (`/ws/chat/<JWT>/`), as a user may be one.
                path: c.path.as_deref().map(|p| redact::maybe(p, redacting)),
                user: c.user.as_deref().map(|u| redact::maybe(u, redacting)),
                client: c.client.as_deref().or(c.client_ip.as_deref()),
                start: c
                    .start
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                end: c
                    .end
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                verdict: s.analysis.verdicts[ci],
                close_code: s.analysis.close_codes[ci],
                rules,
                events: c
                    .links
                    .iter()
                    // A line several packs match is shown once.
                    .filter(|l| {
                        c.links
                            .iter()
                            .find(|o| s.events[o.event].record == s.events[l.event].record)
                            == Some(*l)
                    })
                    .map(|l| {
                        let e = &s.events[l.event];
                        let r = &s.ingested.records[e.record];
                        EventView {
                            ts: r.ts.map(|t| t.to_rfc3339()),
                            input: input_name(e.record),
                            line: r.line,
                            pattern: s.packs.pattern_name(e.at),
                            stage: e.stage.name(),
                            link: if l.exact { "exact" } else { "inferred" },
                            key: l.key(),
                            text: message_text(s, r, redacting),
                        }
                    })
                    .collect(),
            }
        }),
    };
    let findings = Each {
        len: s.analysis.findings.len(),
        item: Box::new(move |fi| {
            let f = &s.analysis.findings[fi];
            FindingView {
                rule: f.rule,
                severity: f.severity,
                pack: &f.pack,
                ts: f
                    .ts
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                connections: f
                    .connections
                    .iter()
                    .map(|&i| s.correlated.connections[i].id.as_ref())
                    .collect(),
                diagnosis: red(&f.diagnosis),
                hint: red(&f.hint),
                evidence: f
                    .evidence
                    .iter()
                    .map(|&ei| {
                        let rec = s.events[ei].record;
                        let r = &s.ingested.records[rec];
                        Evidence {
                            input: input_name(rec),
                            line: r.line,
                            ts: r.ts.map(|t| t.to_rfc3339()),
                        }
                    })
                    .collect(),
            }
        }),
    };
    ReportView {
        schema: SCHEMA,
        inputs,
        summary: summary_as(s, opts.redact),
        connections,
        findings,
    }
}

/// The whole report as one JSON document.
///
/// The bytes are serde_json's pretty printer's for the object `{schema, inputs, summary,
/// connections, findings}`; the outer object is written here so that the connections and
/// findings, most of the report, are serialized on every core ([`Each::write_pretty`]).
pub fn write_json<W: Write>(w: &mut W, s: &Scan, opts: &ReportOptions) -> io::Result<()> {
    let v = views(s, opts);
    w.write_all(b"{\n  \"schema\": ")?;
    w.write_all(&pretty_at(v.schema, 1)?)?;
    w.write_all(b",\n  \"inputs\": ")?;
    w.write_all(&pretty_at(&v.inputs, 1)?)?;
    w.write_all(b",\n  \"summary\": ")?;
    w.write_all(&pretty_at(&v.summary, 1)?)?;
    w.write_all(b",\n  \"connections\": ")?;
    v.connections.write_pretty(w)?;
    w.write_all(b",\n  \"findings\": ")?;
    v.findings.write_pretty(w)?;
    w.write_all(b"\n}\n")
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

fn tagged<W: Write, T: Serialize>(w: &mut W, kind: &'static str, body: &T) -> io::Result<()> {
    serde_json::to_writer(
        &mut *w,
        &Tagged {
            kind,
            schema: SCHEMA,
            body,
        },
    )?;
    w.write_all(b"\n")
}

/// One JSON object per line: `{"type":"summary",...}`, then each connection
/// (`"type":"connection"`), then each finding (`"type":"finding"`).
pub fn write_jsonl<W: Write>(w: &mut W, s: &Scan, opts: &ReportOptions) -> io::Result<()> {
    #[derive(Serialize)]
    struct Head<'a> {
        inputs: &'a [InputView<'a>],
        summary: &'a Summary,
    }
    let v = views(s, opts);
    tagged(
        w,
        "summary",
        &Head {
            inputs: &v.inputs,
            summary: &v.summary,
        },
    )?;
    for c in v.connections.iter() {
        tagged(w, "connection", &c)?;
    }
    for f in v.findings.iter() {
        tagged(w, "finding", &f)?;
    }
    Ok(())
}
