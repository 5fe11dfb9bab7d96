//! The report for people: summary first, then each broken or degraded connection's
//! timeline with its diagnosis and a fix hint. Colour only when asked (a terminal
//! without `NO_COLOR`); the caller decides.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::json::{summary_as, ReportOptions};
use crate::catalog::Severity;
use crate::pipeline::Scan;
use crate::redact;
use crate::sequence::Verdict;

/// Text options.
#[derive(Clone, Debug)]
pub struct TextOptions {
    /// Redaction and the like.
    pub common: ReportOptions,
    /// ANSI colour.
    pub color: bool,
    /// Also show healthy and open connections' timelines.
    pub all: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn s(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.s(Style::new().bold(), t)
    }
    fn dim(&self, t: &str) -> String {
        self.s(Style::new().dimmed(), t)
    }
    fn sev(&self, sev: Severity, t: &str) -> String {
        let c = match sev {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.s(Style::new().fg_color(Some(c.into())).bold(), t)
    }
    fn verdict(&self, v: Verdict) -> String {
        let c = match v {
            Verdict::Broken => AnsiColor::Red,
            Verdict::Degraded => AnsiColor::Yellow,
            Verdict::Healthy => AnsiColor::Green,
            Verdict::Open => AnsiColor::Blue,
        };
        self.s(Style::new().fg_color(Some(c.into())).bold(), v.name())
    }
}

/// Inputs listed one by one in the text report's head; past this, counted by format.
const LISTED_INPUTS: usize = 12;

/// Writes the text report.
pub fn write_text<W: Write>(w: &mut W, s: &Scan, opts: &TextOptions) -> io::Result<()> {
    let p = Paint { on: opts.color };
    let red = |t: &str| redact::maybe(t, opts.common.redact).into_owned();
    let sum = summary_as(s, opts.common.redact);

    // Inputs.
    let lines: u64 = s.ingested.inputs.iter().map(|i| i.stats.lines).sum();
    let unparsed: u64 = s.ingested.inputs.iter().map(|i| i.stats.unparsed).sum();
    // Times below are UTC, whatever zone the logs wrote (nginx's `+0800`, a journal's
    // local time): said once, as `date -u` would.
    writeln!(
        w,
        "{} {} input{}, {} lines{}, times in UTC",
        p.bold("logweave"),
        s.ingested.inputs.len(),
        if s.ingested.inputs.len() == 1 {
            ""
        } else {
            "s"
        },
        lines,
        if unparsed > 0 {
            format!(" ({unparsed} not parsed, kept as \"unknown\")")
        } else {
            String::new()
        }
    )?;
    // A directory of logs (`scan /var/log`) is hundreds of inputs: the summary comes
    // first, so past a screenful only the inputs that failed are listed, the others
    // counted by format (`--all` lists each).
    let list_all = opts.all || s.ingested.inputs.len() <= LISTED_INPUTS;
    let mut hidden: std::collections::BTreeMap<&str, usize> = Default::default();
    for i in &s.ingested.inputs {
        if !list_all && i.error.is_none() {
            *hidden.entry(i.format).or_default() += 1;
            continue;
        }
        let err = i
            .error
            .as_ref()
            .map(|e| format!("  {}", p.sev(Severity::Error, &e.to_string())))
            .unwrap_or_default();
        writeln!(
            w,
            "  {}  {}  {} lines{err}",
            i.name,
            p.dim(i.format),
            i.stats.lines
        )?;
    }
    if !hidden.is_empty() {
        let mut by: Vec<(&str, usize)> = hidden.into_iter().collect();
        by.sort_by_key(|&(f, n)| (std::cmp::Reverse(n), f));
        let n: usize = by.iter().map(|(_, n)| n).sum();
        let kinds: Vec<String> = by.iter().map(|(f, n)| format!("{n} {f}")).collect();
        writeln!(
            w,
            "  {n} inputs: {}  {}",
            kinds.join(", "),
            p.dim("(--all lists each)")
        )?;
    }
    writeln!(w)?;

    if sum.connections == 0 {
        writeln!(w, "No WebSocket connections found.")?;
        if !s.analysis.findings.is_empty() {
            writeln!(w)?;
        }
    } else {
        writeln!(
            w,
            "{} {} — {} healthy, {} degraded, {} broken, {} open",
            p.bold("connections"),
            sum.connections,
            sum.healthy,
            sum.degraded,
            sum.broken,
            sum.open
        )?;
    }
    if !sum.rules.is_empty() {
        writeln!(w, "{}", p.bold("findings by rule"))?;
        let width = sum.rules.keys().map(|k| k.len()).max().unwrap_or(0);
        for (rule, n) in &sum.rules {
            // The worst of what was found: a pack may give a rule another severity than
            // the catalog's (a client that closed during the handshake is a warning).
            let sev = s
                .analysis
                .findings
                .iter()
                .filter(|f| f.rule == *rule)
                .map(|f| f.severity)
                .max()
                .or_else(|| crate::catalog::lookup(rule).map(|r| r.severity))
                .unwrap_or(Severity::Error);
            writeln!(
                w,
                "  {}  {n:>5}  {}",
                p.sev(sev, &format!("{rule:width$}")),
                p.dim(sev.name())
            )?;
        }
    }
    if !sum.close_codes.is_empty() {
        let codes: Vec<String> = sum
            .close_codes
            .iter()
            .map(|(c, n)| format!("{c} ×{n}"))
            .collect();
        writeln!(w, "{} {}", p.bold("close codes"), codes.join(", "))?;
    }
    if !sum.failing_paths.is_empty() {
        let paths: Vec<String> = sum
            .failing_paths
            .iter()
            .map(|(pa, n)| format!("{pa} ({n})"))
            .collect();
        writeln!(w, "{} {}", p.bold("failing paths"), paths.join(", "))?;
    }

    // Findings that span connections or none: storms, restarts, outages.
    let wide: Vec<_> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.connections.len() != 1)
        .collect();
    if !wide.is_empty() {
        writeln!(w)?;
        // Findings of one rule in one second with the same fix and connections are one
        // event told once (supervisord stopping all its programs at shutdown).
        let second = |f: &crate::sequence::Finding| f.ts.map(|t| t.timestamp());
        let mut i = 0;
        while i < wide.len() {
            let f = wide[i];
            let n = wide[i..]
                .iter()
                .take_while(|g| {
                    g.rule == f.rule
                        && g.hint == f.hint
                        && g.connections == f.connections
                        && second(g) == second(f)
                })
                .count();
            let group = &wide[i..i + n];
            i += n;
            let when =
                f.ts.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
            let more = if n > 1 {
                format!(" (and {} more like it)", n - 1)
            } else {
                String::new()
            };
            writeln!(
                w,
                "{} {}  {}{more}  ({} connection{})",
                p.sev(f.severity, f.rule),
                p.dim(&when),
                red(&f.diagnosis),
                f.connections.len(),
                if f.connections.len() == 1 { "" } else { "s" }
            )?;
            for &ei in group.iter().flat_map(|g| &g.evidence) {
                let e = &s.events[ei];
                let r = &s.ingested.records[e.record];
                let input = &s.ingested.inputs[r.input as usize].name;
                // A record of several lines (a traceback) is shown by the line its
                // pattern matched, under the span of its lines.
                writeln!(
                    w,
                    "    {}  {}",
                    p.dim(&super::span(input, r)),
                    red(super::matched_line(s, e, r).1)
                )?;
            }
            writeln!(w, "    {} {}", p.dim("fix:"), red(&f.hint))?;
        }
    }

    // Timelines.
    for (ci, c) in s.correlated.connections.iter().enumerate() {
        let v = s.analysis.verdicts[ci];
        if !opts.all && !matches!(v, Verdict::Broken | Verdict::Degraded) {
            continue;
        }
        writeln!(w)?;
        let mut head = format!(
            "── {} {}",
            p.bold(&c.id),
            red(c.path.as_deref().unwrap_or("(no path)"))
        );
        if let Some(u) = &c.user {
            head.push_str(&format!("  user {}", red(u)));
        }
        if let Some(cl) = c.client.as_deref().or(c.client_ip.as_deref()) {
            head.push_str(&format!("  client {cl}"));
        }
        if let Some(code) = s.analysis.close_codes[ci] {
            head.push_str(&format!("  close {code}"));
        }
        writeln!(w, "{head}  {}", p.verdict(v))?;
        // By record: a line several packs match is shown once, under whichever event
        // of it came first, and is evidence when any of its events is.
        let evidence: Vec<usize> = s
            .analysis
            .own(ci)
            .flat_map(|f| f.evidence.iter().map(|&ei| s.events[ei].record))
            .collect();
        let mut shown = Vec::new();
        for l in &c.links {
            let e = &s.events[l.event];
            if shown.contains(&e.record) {
                continue;
            }
            shown.push(e.record);
            let r = &s.ingested.records[e.record];
            let t =
                r.ts.map(|t| t.utc.format("%H:%M:%S%.3f").to_string())
                    .unwrap_or_else(|| "            ".into());
            let input = &s.ingested.inputs[r.input as usize].name;
            let mark = if evidence.contains(&e.record) {
                "▶"
            } else {
                " "
            };
            writeln!(
                w,
                "  {mark} {}  {:<10} {}  {}",
                p.dim(&t),
                e.stage.name(),
                p.dim(&format!("{}:{}", short(input), r.line)),
                red(first_line(&r.message))
            )?;
        }
        for f in s.analysis.own(ci) {
            writeln!(w, "    {} {}", p.sev(f.severity, f.rule), red(&f.diagnosis))?;
            writeln!(w, "      {} {}", p.dim("fix:"), red(&f.hint))?;
        }
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.split('\n').next().unwrap_or("")
}

/// The file name of an input path, so timelines stay narrow.
fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
