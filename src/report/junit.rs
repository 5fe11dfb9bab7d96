//! `--output junit`: JUnit XML (the Jenkins / Ant shape every CI system reads), so a CI
//! run shows each WebSocket connection as a test and each break as its failure.
//!
//! ```text
//! <testsuites> ─ <testsuite name="logweave"> ─ <properties>  one `input` per input
//!                                            ├ <testcase>    per unreadable input → <error>
//!                                            ├ <testcase>    per connection (classname = path)
//!                                            │     findings ≥ fail_on → <failure>, others → <system-out>
//!                                            └ <testcase>    per finding that spans connections
//! with an expectation file: one <testcase> named after it instead of the connections.
//! ```
//!
//! A `<failure>` mirrors the exit status of `check`: what makes `check` exit 1 is what
//! shows as failed, so the CI's test view and its job status agree. The output carries no
//! wall-clock time or host name, so the same input gives the same bytes.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::json::ReportOptions;
use crate::catalog::Severity;
use crate::pipeline::Scan;
use crate::redact;
use crate::sequence::{Finding, Verdict};

/// The outcome of comparing a scan with an expectation file (`check --expect FILE`),
/// shared by the CI writers: they report it instead of the connections.
#[derive(Clone, Copy, Debug)]
pub struct ExpectOutcome<'a> {
    /// The expectation file as the user named it.
    pub file: &'a str,
    /// What differed (empty when the scan met the expectation).
    pub differences: &'a [String],
}

/// JUnit options.
#[derive(Clone, Debug)]
pub struct JunitOptions<'a> {
    /// Redaction and the like.
    pub common: ReportOptions,
    /// Findings at least this severe become `<failure>`; the others go to `<system-out>`.
    /// `None` fails nothing (`check --fail-on never`).
    pub fail_on: Option<Severity>,
    /// Report this comparison instead of the connections.
    pub expect: Option<ExpectOutcome<'a>>,
}

/// The class name of connections without a path.
const NO_PATH: &str = "(no path)";
/// The class name of findings that belong to no single connection.
const ACROSS: &str = "(across connections)";
/// At most this many connection ids are listed in a spanning finding's body.
const MAX_LISTED: usize = 20;

enum Outcome {
    Pass,
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    Error {
        message: String,
        kind: &'static str,
    },
    Skipped(&'static str),
}

struct Case {
    classname: String,
    name: String,
    time: Option<f64>,
    outcome: Outcome,
    out: String,
}

/// Writes the JUnit XML report.
pub fn write_junit<W: Write>(w: &mut W, s: &Scan, opts: &JunitOptions) -> io::Result<()> {
    let cases = cases(s, opts);
    let count = |f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let failures = count(|o| matches!(o, Outcome::Failure { .. }));
    let errors = count(|o| matches!(o, Outcome::Error { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let totals = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\"",
        cases.len()
    );
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<testsuites name="logweave" {totals}>"#)?;
    writeln!(w, r#"  <testsuite name="logweave" {totals}>"#)?;
    if !s.ingested.inputs.is_empty() {
        writeln!(w, "    <properties>")?;
        for i in &s.ingested.inputs {
            writeln!(
                w,
                r#"      <property name="input" value="{}"/>"#,
                attr(&i.name)
            )?;
        }
        writeln!(w, "    </properties>")?;
    }
    for c in &cases {
        write!(
            w,
            r#"    <testcase classname="{}" name="{}""#,
            attr(&c.classname),
            attr(&c.name)
        )?;
        if let Some(t) = c.time {
            write!(w, r#" time="{t:.3}""#)?;
        }
        if matches!(c.outcome, Outcome::Pass) && c.out.is_empty() {
            writeln!(w, "/>")?;
            continue;
        }
        writeln!(w, ">")?;
        match &c.outcome {
            Outcome::Pass => {}
            Outcome::Failure {
                message,
                kind,
                body,
            } => writeln!(
                w,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                attr(message),
                attr(kind),
                text(body)
            )?,
            Outcome::Error { message, kind } => writeln!(
                w,
                r#"      <error message="{}" type="{kind}"/>"#,
                attr(message)
            )?,
            Outcome::Skipped(why) => writeln!(w, r#"      <skipped message="{}"/>"#, attr(why))?,
        }
        if !c.out.is_empty() {
            writeln!(w, "      <system-out>{}</system-out>", text(&c.out))?;
        }
        writeln!(w, "    </testcase>")?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

fn cases(s: &Scan, opts: &JunitOptions) -> Vec<Case> {
    let red = |t: &str| redact::maybe(t, opts.common.redact).into_owned();
    let mut cases = Vec::new();
    for i in &s.ingested.inputs {
        if let Some(e) = &i.error {
            cases.push(Case {
                classname: "(inputs)".into(),
                name: i.name.clone(),
                time: None,
                outcome: Outcome::Error {
                    message: e.to_string(),
                    kind: "input",
                },
                out: String::new(),
            });
        }
    }
    if let Some(exp) = opts.expect {
        let outcome = if exp.differences.is_empty() {
            Outcome::Pass
        } else {
            let n = exp.differences.len();
            Outcome::Failure {
                message: format!(
                    "{n} difference{} from {}",
                    if n == 1 { "" } else { "s" },
                    exp.file
                ),
                kind: "expect".into(),
                body: exp
                    .differences
                    .iter()
                    .map(|d| red(d) + "\n")
                    .collect::<String>(),
            }
        };
        cases.push(Case {
            classname: "logweave".into(),
            name: exp.file.to_string(),
            time: None,
            outcome,
            out: String::new(),
        });
        return cases;
    }

    let fails = |f: &Finding| opts.fail_on.is_some_and(|t| f.severity >= t);
    for (ci, c) in s.correlated.connections.iter().enumerate() {
        let mut own: Vec<&Finding> = s.analysis.own(ci).collect();
        // Most severe first, then in time order (the findings' own order), so the
        // failure's message names the worst break.
        own.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let (failing, other): (Vec<&Finding>, Vec<&Finding>) =
            own.into_iter().partition(|f| fails(f));
        let mut name = c.id.to_string();
        if let Some(cl) = c.client.as_deref().or(c.client_ip.as_deref()) {
            name.push(' ');
            name.push_str(&red(cl));
        }
        if let Some(u) = &c.user {
            name.push_str(" user ");
            name.push_str(&red(u));
        }
        let outcome = match failing.first() {
            Some(first) => Outcome::Failure {
                message: format!("{}: {}", first.rule, red(&first.diagnosis)),
                kind: first.rule.to_string(),
                body: failing.iter().map(|f| finding_body(s, f, &red)).collect(),
            },
            None if s.analysis.verdicts[ci] == Verdict::Open => {
                Outcome::Skipped("still open at the end of the input: no deadline passed")
            }
            None => Outcome::Pass,
        };
        let time = match (c.start, c.end) {
            (Some(a), Some(b)) if b >= a => Some((b - a).num_milliseconds() as f64 / 1000.0),
            _ => None,
        };
        cases.push(Case {
            classname: c.path.as_deref().map_or_else(|| NO_PATH.to_string(), &red),
            name,
            time,
            outcome,
            out: other.iter().map(|f| finding_body(s, f, &red)).collect(),
        });
    }

    let wide: Vec<&Finding> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.connections.len() != 1)
        .collect();
    for (k, f) in wide.iter().enumerate() {
        // Two storms of the same rule need two names; the ordinal follows report order,
        // which is stable for a given input.
        let same: Vec<usize> = (0..wide.len())
            .filter(|&j| wide[j].rule == f.rule)
            .collect();
        let name = if same.len() > 1 {
            let nth = same.iter().position(|&j| j == k).unwrap_or(0) + 1;
            format!("{} #{nth}", f.rule)
        } else {
            f.rule.to_string()
        };
        let mut body = finding_body(s, f, &red);
        if !f.connections.is_empty() {
            let ids: Vec<&str> = f
                .connections
                .iter()
                .take(MAX_LISTED)
                .map(|&i| s.correlated.connections[i].id.as_ref())
                .collect();
            let more = f.connections.len().saturating_sub(MAX_LISTED);
            let _ = write!(body, "  connections: {}", ids.join(", "));
            if more > 0 {
                let _ = write!(body, " and {more} more");
            }
            body.push('\n');
        }
        let (outcome, out) = if fails(f) {
            (
                Outcome::Failure {
                    message: format!("{}: {}", f.rule, red(&f.diagnosis)),
                    kind: f.rule.to_string(),
                    body,
                },
                String::new(),
            )
        } else {
            (Outcome::Pass, body)
        };
        cases.push(Case {
            classname: ACROSS.into(),
            name,
            time: None,
            outcome,
            out,
        });
    }
    cases
}

/// One finding as text: rule and diagnosis, the fix, then each evidence line.
fn finding_body(s: &Scan, f: &Finding, red: &dyn Fn(&str) -> String) -> String {
    let mut b = String::new();
    let when =
        f.ts.map(|t| {
            format!(
                " at {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        b,
        "{} ({}){when}: {}",
        f.rule,
        f.severity.name(),
        red(&f.diagnosis)
    );
    let _ = writeln!(b, "  fix: {}", red(&f.hint));
    for &ei in &f.evidence {
        let e = &s.events[ei];
        let r = &s.ingested.records[e.record];
        let input = &s.ingested.inputs[r.input as usize].name;
        let (_, line) = super::matched_line(s, e, r);
        let _ = writeln!(b, "  {}  {}", super::span(input, r), red(line));
    }
    b
}

/// True for the characters XML 1.0 allows (`Char` in the spec); the others (most C0
/// controls, U+FFFE, U+FFFF) cannot appear even escaped, so they are replaced.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn escape(s: &str, in_attr: bool) -> Cow<'_, str> {
    let needs = s.chars().any(|c| {
        !xml_char(c)
            || matches!(c, '&' | '<' | '>' | '\r')
            || (in_attr && matches!(c, '"' | '\'' | '\t' | '\n'))
    });
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\'' if in_attr => out.push_str("&apos;"),
            // Parsers normalise whitespace in attribute values and turn CR into LF in
            // text: character references keep them as the log had them.
            '\t' if in_attr => out.push_str("&#9;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if !xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes element text.
fn text(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Escapes an attribute value (for double quotes).
fn attr(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_in_text_and_attributes() {
        assert_eq!(text(r#"a<b>&"c'"#), r#"a&lt;b&gt;&amp;"c'"#);
        assert_eq!(attr(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn control_characters_xml_forbids_are_replaced() {
        assert_eq!(
            text("a\u{1b}[31mb\u{0}c\u{7}"),
            "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(text("x\u{FFFE}y\u{FFFF}"), "x\u{FFFD}y\u{FFFD}");
    }

    #[test]
    fn whitespace_survives_attribute_normalisation() {
        assert_eq!(attr("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(text("a\tb\nc"), "a\tb\nc");
        assert_eq!(text("a\rb"), "a&#13;b");
    }

    #[test]
    fn plain_text_is_borrowed_not_copied() {
        assert!(matches!(text("plain ✅ text"), Cow::Borrowed(_)));
        assert!(matches!(attr("plain"), Cow::Borrowed(_)));
    }
}
