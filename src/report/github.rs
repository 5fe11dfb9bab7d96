//! `--output github`: GitHub Actions workflow commands, one per finding, so each break
//! shows as an annotation on the log line that proves it.
//!
//! ```text
//! ::error file=app.log,line=18,title=auth.token-invalid::The token was rejected: expired. (fix: Get a fresh token.)
//! ```
//!
//! Severity maps to the command (`error`, `warning`, `notice`); the annotation points at the
//! finding's first evidence line. With an expectation file, each difference from it is an
//! `error` on that file instead, as that is what `check` judges.

use std::borrow::Cow;
use std::io::{self, Write};

use super::json::ReportOptions;
use super::junit::ExpectOutcome;
use crate::catalog::Severity;
use crate::pipeline::Scan;
use crate::redact;

/// GitHub annotation options.
#[derive(Clone, Debug)]
pub struct GithubOptions<'a> {
    /// Redaction and the like.
    pub common: ReportOptions,
    /// Report this comparison instead of the findings.
    pub expect: Option<ExpectOutcome<'a>>,
    /// The checkout (`$GITHUB_WORKSPACE`): GitHub places an annotation by its path in the
    /// repository, so inputs inside it are written relative to it.
    pub workspace: Option<&'a str>,
    /// The directory relative input paths were named from (a step's
    /// `working-directory`), to place them in the workspace.
    pub cwd: Option<&'a str>,
}

/// The workflow command for a severity.
fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Writes one workflow command per finding (or per difference from the expectation).
pub fn write_github<W: Write>(w: &mut W, s: &Scan, opts: &GithubOptions) -> io::Result<()> {
    let red = |t: &str| redact::maybe(t, opts.common.redact).into_owned();
    if let Some(exp) = opts.expect {
        for d in exp.differences {
            writeln!(
                w,
                "::error file={},title={}::{}",
                property(&relative_to(exp.file, opts.workspace, opts.cwd)),
                property("logweave expect"),
                message(&red(d))
            )?;
        }
        return Ok(());
    }
    for f in &s.analysis.findings {
        let mut props = Vec::new();
        if let Some(&ei) = f.evidence.first() {
            let e = &s.events[ei];
            let r = &s.ingested.records[e.record];
            let input = &s.ingested.inputs[r.input as usize].name;
            // stdin has no file in the repository to point at.
            if input != "-" {
                let file = relative_to(input, opts.workspace, opts.cwd);
                props.push(format!("file={}", property(&file)));
                // A traceback's annotation sits on its exception, not its head.
                props.push(format!("line={}", super::matched_line(s, e, r).0));
            }
        }
        props.push(format!("title={}", property(f.rule)));
        let text = format!("{} (fix: {})", red(&f.diagnosis), red(&f.hint));
        writeln!(
            w,
            "::{} {}::{}",
            command(f.severity),
            props.join(","),
            message(&text)
        )?;
    }
    Ok(())
}

/// `path` as a path in the repository: without the `workspace/` in front of it, a
/// relative one first joined to `cwd` (`.` and `..` resolved by name); as given when it
/// lies outside the workspace.
fn relative_to<'p>(path: &'p str, workspace: Option<&str>, cwd: Option<&str>) -> Cow<'p, str> {
    let Some(ws) = workspace
        .map(|w| w.trim_end_matches('/'))
        .filter(|w| !w.is_empty())
    else {
        return Cow::Borrowed(path);
    };
    let full = match cwd {
        Some(dir) if !path.starts_with('/') => {
            let mut parts: Vec<&str> = Vec::new();
            for part in dir.split('/').chain(path.split('/')) {
                match part {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    p => parts.push(p),
                }
            }
            Cow::Owned(format!("/{}", parts.join("/")))
        }
        _ => Cow::Borrowed(path),
    };
    match full
        .strip_prefix(ws)
        .and_then(|rest| rest.strip_prefix('/'))
    {
        Some(rest) if !rest.is_empty() => Cow::Owned(rest.to_string()),
        _ => Cow::Borrowed(path),
    }
}

/// Escapes a command's message: `%`, CR and LF would end or corrupt the command.
pub fn message(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Escapes a property value: as [`message`], plus `:` and `,`, which separate properties.
pub fn property(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, prop: bool) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| matches!(c, '%' | '\r' | '\n') || (prop && matches!(c, ':' | ',')))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if prop => out.push_str("%3A"),
            ',' if prop => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_escapes_percent_and_line_breaks_only() {
        assert_eq!(
            message("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
    }

    #[test]
    fn paths_inside_the_workspace_become_repository_paths() {
        let ws = Some("/home/runner/work/app/app/");
        assert_eq!(
            relative_to("/home/runner/work/app/app/logs/a.log", ws, None),
            "logs/a.log"
        );
        assert_eq!(
            relative_to("/home/runner/work/app/app2/a.log", ws, None),
            "/home/runner/work/app/app2/a.log"
        );
        assert_eq!(relative_to("logs/a.log", ws, None), "logs/a.log");
        assert_eq!(relative_to("/tmp/a.log", None, None), "/tmp/a.log");
        assert_eq!(relative_to("/tmp/a.log", Some(""), None), "/tmp/a.log");
    }

    #[test]
    fn relative_paths_named_from_a_subdirectory_become_repository_paths() {
        // A step with `working-directory: logs` names `nginx-error.log`: GitHub reads
        // `file=` from the workspace root, where it is `logs/nginx-error.log`.
        let ws = Some("/home/runner/work/app/app");
        let cwd = Some("/home/runner/work/app/app/logs");
        assert_eq!(
            relative_to("nginx-error.log", ws, cwd),
            "logs/nginx-error.log"
        );
        assert_eq!(relative_to("./a/../b.log", ws, cwd), "logs/b.log");
        assert_eq!(
            relative_to("../../other/x.log", ws, cwd),
            "../../other/x.log"
        );
        assert_eq!(relative_to("x.log", ws, Some("/tmp")), "x.log");
    }

    #[test]
    fn property_also_escapes_colon_and_comma() {
        assert_eq!(property("C:\\logs\\a,b%.log"), "C%3A\\logs\\a%2Cb%25.log");
        assert_eq!(property("auth.token-invalid"), "auth.token-invalid");
    }
}
