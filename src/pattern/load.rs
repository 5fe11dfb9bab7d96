//! Reading a pattern pack from TOML, with errors that name file, line and column.
//!
//! The TOML shape (see `patterns/*.toml`) is deserialized with spans kept on every value
//! that can be wrong for reasons TOML itself cannot see (a regex that does not compile, a
//! rule naming a pattern that does not exist), so those errors point at the value too.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

/// The file as written.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// Name, description and connection keys.
    pub pack: PackMeta,
    /// Line patterns.
    #[serde(default, rename = "pattern")]
    pub patterns: Vec<PatternDef>,
    /// The healthy order of steps.
    #[serde(default)]
    pub sequence: Option<SequenceDef>,
    /// What a break means.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleDef>,
}

/// `[pack]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    /// Unique name; a user pack with the same name replaces the built-in one.
    pub name: Spanned<String>,
    /// One line saying which stack this pack knows.
    pub about: String,
    /// Captures a connection is known by in these lines.
    #[serde(default)]
    pub key: Vec<String>,
    /// Regexes searched in every line one of this pack's patterns matched: the id an
    /// application puts on all its lines (`client=127.0.0.1:51234`) is written once here
    /// instead of in every pattern, and lines without it still match.
    #[serde(default)]
    pub context: Vec<Spanned<String>>,
    /// Regexes the pack's rules name instead of repeating them: `alone = "@servers"` is
    /// the regex under `servers` here.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// `[[pattern]]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PatternDef {
    /// Unique within the pack.
    pub id: Spanned<String>,
    /// Which lane of the timeline: `proxy`, `server`, `middleware`, `consumer`, `process`, `layer`.
    pub stage: Spanned<String>,
    /// Regex on the record's message, with named captures.
    pub regex: Spanned<String>,
    /// A line this regex finds is not the pattern's, though `regex` matches it
    /// (socket.io's long polling, `transport=polling`, on a WebSocket path).
    #[serde(default)]
    pub except: Option<Spanned<String>>,
    /// Text every matching line contains, for the prefilter; derived from the regex when absent.
    #[serde(default)]
    pub literal: Option<Spanned<String>>,
    /// Only records of these formats (envelope or application layout names).
    #[serde(default)]
    pub formats: Vec<String>,
    /// The connection is over once this line is seen (`WSDISCONNECT`, a close code):
    /// later lines start a new connection, except the proxy's, which log at close.
    #[serde(default)]
    pub ends: bool,
    /// The line may occur many times in one connection (pings, messages): it joins the
    /// latest matching connection instead of the first one still lacking it.
    #[serde(default)]
    pub repeats: bool,
    /// The server's first line of a connection, written before the application sees it
    /// (Daphne's `WSCONNECTING`): a new connection, never a line of one already logged.
    #[serde(default)]
    pub opens: bool,
    /// For a line that names no connection: it follows one of these patterns in the same
    /// connection (`Failed to add to channel group` after `Room group name`), so it pairs
    /// with the earliest connection that has one of them and lacks this line. Default for
    /// a line that is not a step: the nearest step written above it in the file.
    #[serde(default)]
    pub after: OneOrMany,
    /// Captures with fixed values, added to every match (`code = "4001"`).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Lines that must match, with the captures they must yield.
    #[serde(default)]
    pub examples: Vec<Spanned<BTreeMap<String, String>>>,
    /// Lines that must not match.
    #[serde(default)]
    pub counter_examples: Vec<Spanned<String>>,
}

/// `[sequence]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SequenceDef {
    /// Steps in healthy order.
    pub steps: Vec<StepDef>,
}

/// One step of `[sequence]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// A pattern id of this pack.
    pub step: Spanned<String>,
    /// How long after the step before it this one may come (`5s`, `500ms`, `2m`).
    #[serde(default)]
    pub within: Option<Spanned<String>>,
    /// A healthy connection may skip it.
    #[serde(default)]
    pub optional: bool,
}

/// `[[rule]]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// A rule id from the catalog ([`crate::catalog::RULES`]).
    pub id: Spanned<String>,
    /// `error`, `warning` or `info`; the catalog's when absent.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    /// The condition.
    pub when: Spanned<WhenDef>,
    /// One line for a person; `{capture}` is replaced by the capture's value.
    pub diagnosis: String,
    /// The diagnosis when the finding names no connection: a process rule's line whose
    /// `diagnosis` tells of the WebSockets it dropped, when none was open.
    #[serde(default)]
    pub none_open: Option<String>,
    /// What to do about it.
    pub hint: String,
}

/// The condition of a rule.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct WhenDef {
    /// The rule fires on a connection that has any of these patterns.
    #[serde(default)]
    pub seen: OneOrMany,
    /// ... and none of these, `within` after the `seen` one.
    #[serde(default)]
    pub missing: OneOrMany,
    /// Deadline for `missing`.
    #[serde(default)]
    pub within: Option<Spanned<String>>,
    /// With `missing`: only when the connection ended at least this long after the
    /// `seen` line, or did not end before the deadline.
    #[serde(default)]
    pub ended_after: Option<Spanned<String>>,
    /// With `missing`: only when the connection ended less than this after the `seen`
    /// line (the client went away before the server would have given up).
    #[serde(default)]
    pub ended_before: Option<Spanned<String>>,
    /// With `missing`: only when the connection ended and the log's times cannot say how
    /// long after the `seen` line (a paste without times), where `ended_after` and
    /// `ended_before` tell nothing.
    #[serde(default)]
    pub ended_untimed: bool,
    /// Not on a connection that has any of these (a spurious follow-up error after a
    /// rejection the pack already names).
    #[serde(default)]
    pub unless: OneOrMany,
    /// Only when the `seen` event's capture named `code` is one of these.
    #[serde(default)]
    pub code: Vec<u32>,
    /// Not on a connection any of whose lines, of any pack, carries a `code` among these
    /// (the application logged a clean close: 1000 is no idle cut).
    #[serde(default)]
    pub unless_code: Vec<u32>,
    /// Only when the `seen` event's capture named `status` is one of these.
    #[serde(default)]
    pub status: Vec<u32>,
    /// Count rule: at least this many `seen` events ...
    #[serde(default)]
    pub count: Option<u32>,
    /// ... within this window ...
    #[serde(default)]
    pub window: Option<Spanned<String>>,
    /// ... sharing this capture (or all of these: `["client_ip", "path"]`).
    #[serde(default)]
    pub by: OneOrMany,
    /// A process line's rule that names no connection fires only when the line's
    /// `process` capture matches this regex (a program known to serve WebSockets): a
    /// stop of another program, with no session open, is no WebSocket finding.
    #[serde(default)]
    pub alone: Option<Spanned<String>>,
    /// Seen on a server's start line: the rule names the sessions of that server that
    /// started before it and that it never closed nor logged again (its previous run died
    /// without a stop line: an OOM kill, a container restart).
    #[serde(default)]
    pub restarted: bool,
}

/// A pattern id or a list of them (the span covers the whole value).
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(from = "Option<Spanned<IdList>>")]
pub struct OneOrMany(pub Option<Spanned<IdList>>);

impl From<Option<Spanned<IdList>>> for OneOrMany {
    fn from(v: Option<Spanned<IdList>>) -> Self {
        OneOrMany(v)
    }
}

/// `"id"` or `["a", "b"]`.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum IdList {
    /// One id.
    One(String),
    /// Several ids.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The ids, each with the span of the value that holds it.
    pub fn items(&self) -> Vec<(String, std::ops::Range<usize>)> {
        match &self.0 {
            None => Vec::new(),
            Some(s) => match s.get_ref() {
                IdList::One(x) => vec![(x.clone(), s.span())],
                IdList::Many(v) => v.iter().map(|x| (x.clone(), s.span())).collect(),
            },
        }
    }
}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    // Called for every example of every pack at startup: memchr, not a byte loop.
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// An error at byte `offset` of `text` from `file`.
pub fn error_at(file: &Path, text: &str, offset: usize, message: impl Into<String>) -> Error {
    let (line, column) = line_col(text, offset);
    Error::Config {
        file: file.to_path_buf(),
        line,
        column,
        message: message.into(),
    }
}

/// Parses a pack file's TOML.
pub fn parse(file: &Path, text: &str) -> Result<PackFile, Error> {
    toml::from_str::<PackFile>(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        error_at(file, text, offset, e.message().trim().to_string())
    })
}

/// Reads a duration: `250ms`, `5s`, `2m`, `1h`, `1.5s`.
pub fn duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.trim().parse().ok()?;
    if !(n.is_finite() && n >= 0.0) {
        return None;
    }
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(std::time::Duration::from_secs_f64(secs))
}
