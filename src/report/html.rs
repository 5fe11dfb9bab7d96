//! `--output html`: one self-contained page — summary charts, then a swimlane timeline per
//! connection with its diagnosis and fix — that works offline.
//!
//! ```text
//! <head>  CSP meta: default-src 'none' (nothing is fetched), scripts only by hash
//!         inline CSS, a tiny error counter
//! <body>  static skeleton
//!         <script type="application/json" id="logweave-report">  the `--output json`
//!                                                               document, minified
//!         <script type="application/json" id="logweave-extra">   what the JSON view lacks:
//!                                                               rule descriptions, the text
//!                                                               of evidence lines outside
//!                                                               any connection
//!         <script> vanilla JS: charts (SVG), filters, paging, timelines
//! ```
//!
//! The page's JS inserts every string from the data with `textContent` (never as markup),
//! and the JSON blocks escape `</` as `<\/` and `<!--` as `\u003c!--`, so no log line can
//! end a script element. Should markup ever get in anyway, the Content-Security-Policy runs
//! only the page's two scripts (by SHA-256): no injected script or event handler. Every text from the logs is redacted before it gets here (the JSON
//! view redacts; the extra block uses the same `redact::maybe`). Nothing depends on the
//! clock or on map order, so the same input gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde::Serialize;

use super::json::{self, ReportOptions};
use crate::catalog::{self, Severity};
use crate::pipeline::Scan;

const PAGE: &str = include_str!("html/page.html");
const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// At most this many evidence lines of one finding that spans connections are carried in
/// the extra block (a reconnect storm can name thousands).
const WIDE_EVIDENCE: usize = 20;

#[derive(Serialize)]
struct RuleText {
    severity: Severity,
    what: &'static str,
}

#[derive(Serialize)]
struct LineText {
    ts: Option<String>,
    pattern: String,
    stage: &'static str,
    text: String,
}

#[derive(Serialize)]
struct Extra {
    generator: String,
    redacted: bool,
    /// Catalog entries of the rules that fired.
    rules: BTreeMap<&'static str, RuleText>,
    /// `input:line` → the evidence line, for evidence not among its connections' events.
    lines: BTreeMap<String, LineText>,
}

fn extra(s: &Scan, opts: &ReportOptions) -> Extra {
    let mut rules = BTreeMap::new();
    for f in &s.analysis.findings {
        let what = catalog::lookup(f.rule).map_or("", |r| r.what);
        rules.entry(f.rule).or_insert(RuleText {
            severity: f.severity,
            what,
        });
    }
    let mut lines = BTreeMap::new();
    for f in &s.analysis.findings {
        let linked: BTreeSet<usize> = f
            .connections
            .iter()
            .flat_map(|&ci| {
                s.correlated.connections[ci]
                    .links
                    .iter()
                    .map(|l| s.events[l.event].record)
            })
            .collect();
        let take = if f.connections.len() == 1 {
            usize::MAX
        } else {
            WIDE_EVIDENCE
        };
        for &ei in f.evidence.iter().take(take) {
            let e = &s.events[ei];
            if linked.contains(&e.record) {
                continue;
            }
            let r = &s.ingested.records[e.record];
            let input = &s.ingested.inputs[r.input as usize].name;
            lines
                .entry(format!("{input}:{}", r.line))
                .or_insert_with(|| LineText {
                    ts: r.ts.map(|t| t.to_rfc3339()),
                    pattern: s.packs.pattern_name(e.at),
                    stage: e.stage.name(),
                    text: json::message_text(s, r, opts.redact),
                });
        }
    }
    Extra {
        generator: format!("logweave {}", env!("CARGO_PKG_VERSION")),
        redacted: opts.redact,
        rules,
        lines,
    }
}

/// Writes JSON text into a `<script>` element: drops the whitespace between tokens and, in
/// strings, writes `</` as `<\/` and `<!` as `\u003c!` (the only ways text can end the
/// element or change how the HTML parser reads it).
struct ScriptJson<W: Write> {
    inner: W,
    in_string: bool,
    escaped: bool,
    /// A `<` inside a string whose next byte decides how it is written.
    lt: bool,
}

impl<W: Write> ScriptJson<W> {
    fn new(inner: W) -> Self {
        ScriptJson {
            inner,
            in_string: false,
            escaped: false,
            lt: false,
        }
    }
}

impl<W: Write> Write for ScriptJson<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        let mut i = 0;
        while i < buf.len() {
            let b = buf[i];
            if !self.in_string {
                match b {
                    b' ' | b'\n' | b'\r' | b'\t' => {}
                    b'"' => {
                        self.in_string = true;
                        out.push(b);
                    }
                    _ => out.push(b),
                }
                i += 1;
                continue;
            }
            if self.lt {
                self.lt = false;
                match b {
                    b'/' => {
                        out.extend_from_slice(b"<\\/");
                        i += 1;
                        continue;
                    }
                    b'!' => {
                        out.extend_from_slice(b"\\u003c!");
                        i += 1;
                        continue;
                    }
                    _ => out.push(b'<'),
                }
            }
            if self.escaped {
                self.escaped = false;
                out.push(b);
                i += 1;
                continue;
            }
            match b {
                b'\\' => {
                    self.escaped = true;
                    out.push(b);
                }
                b'"' => {
                    self.in_string = false;
                    out.push(b);
                }
                b'<' => self.lt = true,
                _ => {
                    // The run up to the next byte that matters, copied at once.
                    let run =
                        memchr::memchr3(b'\\', b'"', b'<', &buf[i..]).unwrap_or(buf.len() - i);
                    out.extend_from_slice(&buf[i..i + run]);
                    i += run;
                    continue;
                }
            }
            i += 1;
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The page split at its markers: the pieces to write between CSP, title, CSS, data, JS.
fn template_parts() -> Vec<&'static str> {
    let mut parts = Vec::new();
    let mut rest = PAGE;
    for marker in [
        "<!--CSP-->",
        "<!--TITLE-->",
        "<!--CSS-->",
        "<!--REPORT-->",
        "<!--EXTRA-->",
        "<!--JS-->",
    ] {
        let at = rest.find(marker).expect("page.html lacks a marker");
        parts.push(&rest[..at]);
        rest = &rest[at + marker.len()..];
    }
    parts.push(rest);
    parts
}

/// The text of the page's first inline script (the error counter in `<head>`).
fn boot_script() -> &'static str {
    let at = PAGE.find("<script>").expect("page.html has a boot script") + "<script>".len();
    &PAGE[at..at + PAGE[at..].find("</script>").unwrap()]
}

/// The CSP `script-src` sources: the hashes of the page's two scripts.
fn script_sources() -> String {
    use base64::Engine;
    [boot_script(), JS]
        .iter()
        .map(|t| {
            let digest = sha256(t.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// SHA-256 of a script, for the CSP script hashes.
fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// Writes the HTML report.
pub fn write_html<W: Write>(w: &mut W, s: &Scan, opts: &ReportOptions) -> io::Result<()> {
    let mut parts = template_parts().into_iter();
    let mut part = || parts.next().expect("every part of page.html").as_bytes();
    let sum = json::summary_as(s, opts.redact);
    w.write_all(part())?;
    w.write_all(script_sources().as_bytes())?;
    w.write_all(part())?;
    write!(
        w,
        "logweave report — {} connection{}, {} broken, {} degraded",
        sum.connections,
        if sum.connections == 1 { "" } else { "s" },
        sum.broken,
        sum.degraded
    )?;
    w.write_all(part())?;
    w.write_all(CSS.as_bytes())?;
    w.write_all(part())?;
    {
        let mut sj = ScriptJson::new(&mut *w);
        json::write_json(&mut sj, s, opts)?;
    }
    w.write_all(part())?;
    {
        let mut sj = ScriptJson::new(&mut *w);
        serde_json::to_writer(&mut sj, &extra(s, opts))?;
    }
    w.write_all(part())?;
    w.write_all(JS.as_bytes())?;
    w.write_all(part())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_json(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut sj = ScriptJson::new(&mut out);
        serde_json::to_writer_pretty(&mut sj, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn script_json_is_minified_valid_and_cannot_close_the_element() {
        let v = serde_json::json!({
            "a b": "x </script><script>alert(1)</script> <!-- y < z <<//",
            "n": [1, 2, {"q": "\"</\\"}],
            "u": "ü ✅ \u{2028}",
        });
        let s = script_json(&v);
        assert!(!s.contains("</"), "{s}");
        assert!(!s.contains("<!"), "{s}");
        assert!(!s.contains('\n'), "{s}");
        assert!(s.contains("\"a b\""), "spaces in strings kept: {s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    fn hex(d: [u8; 32]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn script_json_handles_split_writes() {
        let mut out = Vec::new();
        {
            let mut sj = ScriptJson::new(&mut out);
            for chunk in ["{\"k\": \"a<", "/b\\", "\"<", "!c\" }"] {
                sj.write_all(chunk.as_bytes()).unwrap();
            }
        }
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, r#"{"k":"a<\/b\"\u003c!c"}"#);
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["k"], "a</b\"<!c");
    }

    #[test]
    fn template_has_every_marker_once_and_assets_cannot_close_a_script() {
        assert_eq!(template_parts().len(), 7);
        assert!(boot_script().contains("lwErrors"));
        assert!(
            !JS.contains("</script"),
            "report.js must not contain </script"
        );
        assert!(!JS.contains("<!--"), "report.js must not contain <!--");
        assert!(
            !CSS.contains("</style"),
            "report.css must not contain </style"
        );
        for bad in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!JS.contains(bad), "report.js uses {bad}");
        }
    }
}
