//! Pattern packs: what a stack's log lines mean.
//!
//! ```text
//! patterns/*.toml (embedded) ─┐
//! --patterns DIR/*.toml ──────┴─► load (TOML, spans) ─► compile (regex, literals,
//!                                                       references, catalog) ─► PackSet
//! record.message ─► prefilter (one Aho-Corasick over every pattern's required text)
//!                ─► candidate regexes ─► Match { pack, pattern, captures }
//! ```
//!
//! A pack names its own patterns, the healthy sequence of its stack and the rules that
//! name each break; the sequence stage interprets those. Everything a pack refers to is
//! checked here, when it is loaded, so a typo is an error with file:line:col rather than
//! a rule that silently never fires.

pub mod load;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aho_corasick::AhoCorasick;
use regex::Regex;
use regex_syntax::hir::{Hir, HirKind};

use crate::catalog::{self, Severity};
use crate::error::Error;
use crate::record::Record;
use load::{error_at, OneOrMany};

/// Where a pack came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Built into the binary, from `patterns/<file>`.
    Builtin(&'static str),
    /// Loaded from a user's `--patterns` directory.
    File(PathBuf),
}

impl Origin {
    /// The path to show in messages.
    pub fn path(&self) -> PathBuf {
        match self {
            Origin::Builtin(f) => PathBuf::from("patterns").join(f),
            Origin::File(p) => p.clone(),
        }
    }
}

/// Which lane of a connection's timeline a line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// nginx or another reverse proxy.
    Proxy,
    /// The ASGI server (Daphne, uvicorn).
    Server,
    /// Authentication middleware.
    Middleware,
    /// The consumer.
    Consumer,
    /// The channel layer (Redis) and the database.
    Layer,
    /// Process lifecycle (supervisord, systemd, docker).
    Process,
}

impl Stage {
    fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "proxy" => Stage::Proxy,
            "server" => Stage::Server,
            "middleware" => Stage::Middleware,
            "consumer" => Stage::Consumer,
            "layer" => Stage::Layer,
            "process" => Stage::Process,
            _ => return None,
        })
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Proxy => "proxy",
            Stage::Server => "server",
            Stage::Middleware => "middleware",
            Stage::Consumer => "consumer",
            Stage::Layer => "layer",
            Stage::Process => "process",
        }
    }
}

/// An example line and the captures it must yield.
#[derive(Clone, Debug)]
pub struct Example {
    /// The line.
    pub line: String,
    /// Capture name → expected value.
    pub expect: BTreeMap<String, String>,
    /// Where the example is written (1-based line in the pack file).
    pub at: usize,
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Unique within its pack.
    pub id: String,
    /// Timeline lane.
    pub stage: Stage,
    /// Matched against `Record::message`.
    pub regex: PatternRegex,
    /// A matching line contains at least one of these (empty: no prefilter possible).
    pub literals: Vec<String>,
    /// The regex's other requirements: a matching line contains one text of each set.
    /// Checked before the regex runs, which most lines the prefilter lets through fail.
    pub also: Vec<Vec<memchr::memmem::Finder<'static>>>,
    /// Only records of these formats (empty: any).
    pub formats: Vec<String>,
    /// Not a line this finds, though `regex` matches it.
    pub except: Option<Regex>,
    /// Fixed captures added to every match.
    pub set: Vec<(Arc<str>, String)>,
    /// The regex's capture names, then the names of `set`: shared by every match.
    pub names: Arc<[Arc<str>]>,
    /// The pack's `context` regexes with, for each, the index in
    /// `names` of each capture it may add.
    pub context: Arc<[ContextRegex]>,
    /// Ends its connection.
    pub ends: bool,
    /// May occur many times in one connection.
    pub repeats: bool,
    /// Starts a connection: written before any other line of it.
    pub opens: bool,
    /// Patterns (indices in the same pack) this line follows in its connection.
    pub after: Vec<usize>,
    /// Must match.
    pub examples: Vec<Example>,
    /// Must not match: (line, where written).
    pub counter_examples: Vec<(String, usize)>,
}

/// A pack's `context` regex and, for each of its captures, the name and its index in
/// the pattern's name list.
pub type ContextRegex = (Arc<PatternRegex>, Vec<(Arc<str>, usize)>);

/// A pattern's regex, compiled when it is first needed: compiling every built-in
/// pattern was most of a short run's time, and most runs meet few of them. A user's
/// pattern is compiled when loaded, so that an error in it names its file.
#[derive(Clone, Debug)]
pub struct PatternRegex {
    src: Arc<str>,
    /// The group index of each named group, in group order: a match's values are read by
    /// index, which costs far less than looking each name up (a hash of it) every match.
    named: Box<[usize]>,
    /// Texts every match contains, one of each set: checked before the regex runs. A
    /// context regex runs on every line its pack matches and fails on most of them, at
    /// the cost of a full search each time unless a missing text rules it out first.
    needs: Needs,
    full: OnceLock<Regex>,
    /// The same regex with ASCII-only classes, for ASCII text (see [`Pattern::captures`]);
    /// `None` inside when it does not compile that way (`\p{..}`, a non-ASCII literal).
    ascii: OnceLock<Option<regex::bytes::Regex>>,
}

/// Compiles a pattern's regex with the limits every pattern gets.
fn build_regex(src: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(src)
        .size_limit(1 << 20)
        .dfa_size_limit(4 << 20)
        .build()
}

impl PatternRegex {
    fn compiled(src: &str, re: Regex) -> PatternRegex {
        PatternRegex {
            src: Arc::from(src),
            named: re
                .capture_names()
                .enumerate()
                .filter_map(|(i, n)| n.map(|_| i))
                .collect(),
            needs: Vec::new(),
            full: OnceLock::from(re),
            ascii: OnceLock::new(),
        }
    }

    /// A built-in regex is compiled late when it parses (its capture names are read
    /// from the parse); anything else now, so that its errors are reported as they were.
    fn lazy(src: &str, hir: &Hir) -> PatternRegex {
        PatternRegex {
            src: Arc::from(src),
            named: named_groups(hir)
                .into_iter()
                .map(|(i, _)| i as usize)
                .collect(),
            needs: Vec::new(),
            full: OnceLock::new(),
            ascii: OnceLock::new(),
        }
    }

    /// The same regex, skipped on a text that lacks one of `needs`' texts.
    fn needing(self, needs: Needs) -> PatternRegex {
        PatternRegex { needs, ..self }
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// The compiled regex.
    pub fn get(&self) -> &Regex {
        self.full.get_or_init(|| {
            // Only built-in patterns are compiled late, and the tests compile each one.
            build_regex(&self.src).expect("a built-in pattern's regex compiles")
        })
    }

    /// The regex with Unicode classes cut to ASCII: on ASCII text it matches exactly
    /// where the full one does, with the same captures (`\w`, `\d`, `\s`, `\b`, `.` and
    /// case folding differ only on non-ASCII text), and its far smaller automaton makes
    /// the capture search several times cheaper.
    fn ascii(&self) -> Option<&regex::bytes::Regex> {
        self.ascii
            .get_or_init(|| {
                regex::bytes::RegexBuilder::new(&self.src)
                    .unicode(false)
                    .size_limit(1 << 20)
                    .dfa_size_limit(4 << 20)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The named groups of the first match in `text`, from the ASCII regex when the
    /// text is ASCII.
    fn captures<'t>(&self, text: &'t str) -> Option<Found<'t, '_>> {
        if !meets(&self.needs, text) {
            return None;
        }
        let c = match self.ascii().filter(|_| text.is_ascii()) {
            Some(re) => Groups::Ascii(text, re.captures(text.as_bytes())?),
            None => Groups::Full(self.get().captures(text)?),
        };
        Some(Found {
            groups: c,
            named: &self.named,
        })
    }
}

/// Requirement sets: a text meets them when it holds one text of each set.
type Needs = Vec<Vec<memchr::memmem::Finder<'static>>>;

/// Searchers for the texts of `sets` ([`required_all`]).
fn finders(sets: Vec<Vec<String>>) -> Needs {
    sets.iter()
        .map(|set| {
            set.iter()
                .map(|l| memchr::memmem::Finder::new(l.as_bytes()).into_owned())
                .collect()
        })
        .collect()
}

/// True when `text` holds one text of each of the sets.
fn meets(needs: &Needs, text: &str) -> bool {
    let hay = text.as_bytes();
    needs
        .iter()
        .all(|set| set.iter().any(|f| f.find(hay).is_some()))
}

/// A match's groups from either of a [`PatternRegex`]'s regexes.
enum Groups<'t> {
    Ascii(&'t str, regex::bytes::Captures<'t>),
    Full(regex::Captures<'t>),
}

/// A match, with where its regex's named groups are.
struct Found<'t, 'r> {
    groups: Groups<'t>,
    named: &'r [usize],
}

impl<'t> Found<'t, '_> {
    /// The value of the `k`-th named group (as the regex's capture names count them).
    fn named(&self, k: usize) -> Option<&'t str> {
        let g = *self.named.get(k)?;
        match &self.groups {
            // The text is ASCII: every offset is a char boundary.
            Groups::Ascii(text, c) => c.get(g).map(|m| &text[m.range()]),
            Groups::Full(c) => c.get(g).map(|m| m.as_str()),
        }
    }

    /// The value of the group called `name`.
    #[cfg(test)]
    fn name(&self, name: &str) -> Option<&'t str> {
        match &self.groups {
            Groups::Ascii(text, c) => c.name(name).map(|m| &text[m.range()]),
            Groups::Full(c) => c.name(name).map(|m| m.as_str()),
        }
    }
}

/// The group index and name of each of a parsed regex's named groups, in group order.
fn named_groups(hir: &Hir) -> Vec<(u32, String)> {
    fn walk(h: &Hir, out: &mut Vec<(u32, String)>) {
        match h.kind() {
            HirKind::Capture(c) => {
                if let Some(n) = &c.name {
                    out.push((c.index, n.to_string()));
                }
                walk(&c.sub, out);
            }
            HirKind::Repetition(r) => walk(&r.sub, out),
            HirKind::Concat(xs) | HirKind::Alternation(xs) => {
                for x in xs {
                    walk(x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(hir, &mut out);
    out.sort_by_key(|(i, _)| *i);
    out
}

/// The names of a parsed regex's capture groups in group order, as
/// [`Regex::capture_names`] gives them, without compiling it.
fn capture_names(hir: &Hir) -> Vec<String> {
    named_groups(hir).into_iter().map(|(_, n)| n).collect()
}

/// `src` parsed as the regex crate parses it, or `None` when it does not parse.
fn parse_regex(src: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new().build().parse(src).ok()
}

impl Pattern {
    /// The names of the regex's own capture groups (not those `set` adds).
    pub fn regex_names(&self) -> &[Arc<str>] {
        &self.names[..self.names.len() - self.set.len()]
    }

    /// The regex itself captures `name` (not a value `set` gives every match).
    pub fn reads(&self, name: &str) -> bool {
        self.regex_names().iter().any(|n| &**n == name)
    }

    /// The captures of `text`, or `None` when it does not match.
    pub fn captures(&self, text: &str) -> Option<Captures> {
        if !meets(&self.also, text) {
            return None;
        }
        let regex_names = self.regex_names().len();
        let c = self.regex.captures(text)?;
        if self.except.as_ref().is_some_and(|x| x.is_match(text)) {
            return None;
        }
        let mut found: Vec<(usize, &str)> = Vec::with_capacity(self.names.len());
        found.extend((0..regex_names).filter_map(|i| c.named(i).map(|m| (i, m))));
        // The pattern's own capture wins: a context id only fills a name it left empty.
        for (re, adds) in self.context.iter() {
            if adds.iter().all(|(_, i)| found.iter().any(|(j, _)| j == i)) {
                continue;
            }
            if let Some(cc) = re.captures(text) {
                // `adds` lists the context regex's named groups in order.
                for (k, (_, i)) in adds.iter().enumerate() {
                    if found.iter().any(|(j, _)| j == i) {
                        continue;
                    }
                    if let Some(m) = cc.named(k) {
                        found.push((*i, m));
                    }
                }
            }
        }
        let fixed = self
            .set
            .iter()
            .enumerate()
            .map(|(j, (_, v))| (regex_names + j, v.as_str()));
        found.extend(fixed);
        Some(Captures::of(&self.names, &found))
    }
}

/// One step of the healthy sequence.
#[derive(Clone, Debug)]
pub struct Step {
    /// Index into the pack's patterns.
    pub pattern: usize,
    /// Deadline from the step before.
    pub within: Option<Duration>,
    /// A healthy connection may skip it.
    pub optional: bool,
}

/// A rule's condition, with pattern ids resolved to indices.
#[derive(Clone, Debug, Default)]
pub struct When {
    /// Fires on these patterns.
    pub seen: Vec<usize>,
    /// Unless one of these follows within `within`.
    pub missing: Vec<usize>,
    /// Deadline for `missing`.
    pub within: Option<Duration>,
    /// With `missing`: only when the connection ended this long or more after the `seen`
    /// line, or not before the deadline.
    pub ended_after: Option<Duration>,
    /// With `missing`: only when the connection ended less than this after it.
    pub ended_before: Option<Duration>,
    /// With `missing`: only when the connection ended and the times cannot say how long
    /// after the `seen` line. A rule with `ended_after` or `ended_before` never fires
    /// then.
    pub ended_untimed: bool,
    /// Not on a connection that has one of these.
    pub unless: Vec<usize>,
    /// Close codes the `seen` event must carry (capture `code`).
    pub codes: Vec<u32>,
    /// Close codes none of the connection's lines may carry (capture `code`, any pack).
    pub unless_codes: Vec<u32>,
    /// HTTP statuses the `seen` event must carry (capture `status`).
    pub statuses: Vec<u32>,
    /// Count rule: this many `seen` events ...
    pub count: Option<u32>,
    /// ... within this window ...
    pub window: Option<Duration>,
    /// ... sharing these captures (a name ending in `?` may be missing: see
    /// `sequence::count_key`).
    pub by: Vec<String>,
    /// With no connection named: only when the `process` capture matches this.
    pub alone: Option<Regex>,
    /// Seen on a server's start line: names the sessions its previous run left unclosed
    /// ([`crate::sequence::cut_by_restart`]).
    pub restarted: bool,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Catalog id.
    pub id: &'static str,
    /// Severity (the pack's or the catalog's).
    pub severity: Severity,
    /// Condition.
    pub when: When,
    /// One-line diagnosis with `{capture}` placeholders.
    pub diagnosis: String,
    /// The diagnosis when the finding names no connection, if it differs.
    pub none_open: Option<String>,
    /// Fix hint.
    pub hint: String,
}

impl Rule {
    /// The diagnosis of a finding that names `named` connections, or `None` when its line
    /// could not tell which were open (it has no time): a process that stopped with none
    /// open dropped none.
    pub fn diagnosis_for(&self, named: Option<usize>) -> &str {
        match &self.none_open {
            Some(d) if named == Some(0) => d,
            _ => &self.diagnosis,
        }
    }

    /// `when.by` reads the token (`token`, or `token?`).
    pub fn reads_token(&self) -> bool {
        self.when
            .by
            .iter()
            .any(|b| b.trim_end_matches('?') == "token")
    }
}

/// A compiled pack.
#[derive(Clone, Debug)]
pub struct Pack {
    /// Unique name.
    pub name: String,
    /// One line about the stack.
    pub about: String,
    /// Captures a connection is known by.
    pub key: Vec<String>,
    /// Where it was loaded from.
    pub origin: Origin,
    /// Patterns, in file order.
    pub patterns: Vec<Pattern>,
    /// Healthy sequence.
    pub sequence: Vec<Step>,
    /// Rules.
    pub rules: Vec<Rule>,
}

impl Pack {
    /// The index of pattern `id`.
    pub fn pattern_index(&self, id: &str) -> Option<usize> {
        self.patterns.iter().position(|p| p.id == id)
    }
}

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// Compiles one pack file's text.
pub fn compile(origin: Origin, text: &str) -> Result<Pack, Error> {
    let path = origin.path();
    let file = load::parse(&path, text)?;
    if let Some(extra) = file.patterns.get(MAX_PATTERNS) {
        return Err(error_at(
            &path,
            text,
            extra.id.span().start,
            format!(
                "{} patterns: a pack holds at most {MAX_PATTERNS}",
                file.patterns.len()
            ),
        ));
    }
    let at = |span: std::ops::Range<usize>, msg: String| error_at(&path, text, span.start, msg);
    let line_of = |span: std::ops::Range<usize>| load::line_col(text, span.start).0;

    let builtin = matches!(origin, Origin::Builtin(_));
    let mut context: Vec<(Arc<PatternRegex>, Vec<String>)> = Vec::new();
    for c in &file.pack.context {
        let src = c.get_ref();
        let hir = parse_regex(src);
        let (re, names) = match hir.as_ref().filter(|_| builtin) {
            Some(hir) => (PatternRegex::lazy(src, hir), capture_names(hir)),
            None => {
                let re = Regex::new(src)
                    .map_err(|e| at(c.span(), format!("context regex does not compile: {e}")))?;
                let names = re.capture_names().flatten().map(String::from).collect();
                (PatternRegex::compiled(src, re), names)
            }
        };
        let re = re.needing(finders(
            hir.as_ref().map(required_all_of).unwrap_or_default(),
        ));
        if names.is_empty() {
            return Err(at(c.span(), "a context regex needs a named capture".into()));
        }
        context.push((Arc::new(re), names));
    }

    let mut patterns: Vec<Pattern> = Vec::new();
    for d in &file.patterns {
        if patterns.iter().any(|p| p.id == *d.id.get_ref()) {
            return Err(at(
                d.id.span(),
                format!("pattern id '{}' is used twice", d.id.get_ref()),
            ));
        }
        let stage = Stage::parse(d.stage.get_ref()).ok_or_else(|| {
            at(
                d.stage.span(),
                format!(
                    "unknown stage '{}' (expected proxy, server, middleware, consumer, layer, process)",
                    d.stage.get_ref()
                ),
            )
        })?;
        let src = d.regex.get_ref();
        let hir = parse_regex(src);
        let (regex, regex_names) = match hir.as_ref().filter(|_| builtin) {
            Some(hir) => (PatternRegex::lazy(src, hir), capture_names(hir)),
            None => {
                let re = build_regex(src).map_err(|e| {
                    let why = match e {
                        regex::Error::CompiledTooBig(limit) => format!(
                        "is too big once compiled (limit {limit} bytes): bound its repetitions \
                         or split it into several patterns"
                    ),
                        e => format!("does not compile: {e}"),
                    };
                    at(
                        d.regex.span(),
                        format!("regex of '{}' {why}", d.id.get_ref()),
                    )
                })?;
                let names = re.capture_names().flatten().map(String::from).collect();
                (PatternRegex::compiled(src, re), names)
            }
        };
        let literals = match &d.literal {
            Some(l) => vec![l.get_ref().clone()],
            None => hir
                .as_ref()
                .and_then(required_literals_of)
                .unwrap_or_default(),
        };
        // A requirement every prefilter text already meets is checked once, by it.
        let implied = |set: &Vec<String>| {
            !literals.is_empty()
                && literals
                    .iter()
                    .all(|l| set.iter().any(|t| l.contains(t.as_str())))
        };
        let also = finders(
            hir.as_ref()
                .map(required_all_of)
                .unwrap_or_default()
                .into_iter()
                .filter(|set| !implied(set))
                .collect(),
        );
        if let Some(l) = &d.literal {
            if l.get_ref().is_empty() {
                return Err(at(l.span(), "literal must not be empty".into()));
            }
        }
        let except = d
            .except
            .as_ref()
            .map(|x| {
                build_regex(x.get_ref()).map_err(|e| {
                    at(
                        x.span(),
                        format!("`except` of '{}' does not compile: {e}", d.id.get_ref()),
                    )
                })
            })
            .transpose()?;
        let mut examples = Vec::new();
        for ex in &d.examples {
            let mut expect = ex.get_ref().clone();
            let line = expect
                .remove("line")
                .ok_or_else(|| at(ex.span(), "an example needs `line`".into()))?;
            for k in expect.keys() {
                if !regex_names.iter().any(|n| n == k)
                    && !d.set.contains_key(k)
                    && !context
                        .iter()
                        .any(|(_, names)| names.iter().any(|n| n == k))
                {
                    return Err(at(
                        ex.span(),
                        format!("example expects capture '{k}', which the regex does not have"),
                    ));
                }
            }
            examples.push(Example {
                line,
                expect,
                at: line_of(ex.span()),
            });
        }
        if examples.is_empty() {
            return Err(at(
                d.id.span(),
                format!("pattern '{}' has no examples", d.id.get_ref()),
            ));
        }
        // Names: the regex's own, then those only a context regex captures, then `set`'s.
        let mut own: Vec<&str> = regex_names.iter().map(String::as_str).collect();
        let mut pattern_context = Vec::new();
        for (re, names) in &context {
            let mut adds = Vec::new();
            for n in names.iter().map(String::as_str) {
                let i = match own.iter().position(|o| *o == n) {
                    Some(i) => i,
                    None => {
                        own.push(n);
                        own.len() - 1
                    }
                };
                adds.push((Arc::from(n), i));
            }
            pattern_context.push((re.clone(), adds));
        }
        let names = own
            .into_iter()
            .chain(d.set.keys().map(String::as_str))
            .map(Arc::from)
            .collect();
        patterns.push(Pattern {
            id: d.id.get_ref().clone(),
            stage,
            regex,
            literals,
            also,
            formats: d.formats.clone(),
            except,
            set: d
                .set
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), v.clone()))
                .collect(),
            names,
            context: pattern_context.into(),
            ends: d.ends,
            repeats: d.repeats,
            opens: d.opens,
            after: Vec::new(),
            examples,
            counter_examples: d
                .counter_examples
                .iter()
                .map(|c| (c.get_ref().clone(), line_of(c.span())))
                .collect(),
        });
    }

    let find = |id: &str, span: std::ops::Range<usize>| -> Result<usize, Error> {
        patterns
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| at(span, format!("no pattern '{id}' in this pack")))
    };
    let resolve = |id: &toml::Spanned<String>| find(id.get_ref(), id.span());
    let dur = |d: &Option<toml::Spanned<String>>| -> Result<Option<Duration>, Error> {
        d.as_ref()
            .map(|s| {
                load::duration(s.get_ref()).ok_or_else(|| {
                    at(
                        s.span(),
                        format!("'{}' is not a duration (250ms, 5s, 2m, 1h)", s.get_ref()),
                    )
                })
            })
            .transpose()
    };

    let afters = file
        .patterns
        .iter()
        .map(|d| {
            d.after
                .items()
                .into_iter()
                .map(|(id, span)| find(&id, span))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut sequence = Vec::new();
    if let Some(seq) = &file.sequence {
        for s in &seq.steps {
            sequence.push(Step {
                pattern: resolve(&s.step)?,
                within: dur(&s.within)?,
                optional: s.optional,
            });
        }
    }

    let mut rules = Vec::new();
    for r in &file.rules {
        let info = catalog::lookup(r.id.get_ref()).ok_or_else(|| {
            at(
                r.id.span(),
                format!(
                    "unknown rule id '{}' (known: {})",
                    r.id.get_ref(),
                    catalog::RULES
                        .iter()
                        .map(|i| i.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let severity = match &r.severity {
            None => info.severity,
            Some(s) => Severity::parse(s.get_ref()).ok_or_else(|| {
                at(
                    s.span(),
                    format!("unknown severity '{}' (error, warning, info)", s.get_ref()),
                )
            })?,
        };
        let w = r.when.get_ref();
        let list = |o: &OneOrMany| {
            o.items()
                .into_iter()
                .map(|(id, span)| find(&id, span))
                .collect::<Result<Vec<_>, _>>()
        };
        let when = When {
            seen: list(&w.seen)?,
            missing: list(&w.missing)?,
            within: dur(&w.within)?,
            ended_after: dur(&w.ended_after)?,
            ended_before: dur(&w.ended_before)?,
            ended_untimed: w.ended_untimed,
            unless: list(&w.unless)?,
            codes: w.code.clone(),
            unless_codes: w.unless_code.clone(),
            statuses: w.status.clone(),
            count: w.count,
            window: dur(&w.window)?,
            by: w.by.items().into_iter().map(|(name, _)| name).collect(),
            alone: w
                .alone
                .as_ref()
                .map(|x| {
                    let src = match x.get_ref().strip_prefix('@') {
                        Some(name) => file.pack.names.get(name).ok_or_else(|| {
                            at(
                                x.span(),
                                format!(
                                    "`alone` of rule '{}': no `{name}` in [pack] names",
                                    info.id
                                ),
                            )
                        })?,
                        None => x.get_ref(),
                    };
                    build_regex(src).map_err(|e| {
                        at(
                            x.span(),
                            format!("`alone` of rule '{}' does not compile: {e}", info.id),
                        )
                    })
                })
                .transpose()?,
            restarted: w.restarted,
        };
        if when.seen.is_empty() {
            return Err(at(r.when.span(), "a rule needs `seen`".into()));
        }
        if !when.missing.is_empty() && when.within.is_none() {
            return Err(at(
                r.when.span(),
                "`missing` needs `within` (how long to wait)".into(),
            ));
        }
        if when.missing.is_empty()
            && (when.ended_after.is_some() || when.ended_before.is_some() || when.ended_untimed)
        {
            return Err(at(
                r.when.span(),
                "`ended_after`, `ended_before` and `ended_untimed` go with `missing`".into(),
            ));
        }
        if when.count.is_some() != when.window.is_some() {
            return Err(at(r.when.span(), "`count` and `window` go together".into()));
        }
        rules.push(Rule {
            id: info.id,
            severity,
            when,
            diagnosis: r.diagnosis.clone(),
            none_open: r.none_open.clone(),
            hint: r.hint.clone(),
        });
    }

    for (p, a) in patterns.iter_mut().zip(afters) {
        p.after = a;
    }
    // A line that is not a step and names no `after` follows the nearest step written
    // above it in the file: packs list lines in the order a connection goes through them.
    let steps: Vec<usize> = sequence.iter().map(|s: &Step| s.pattern).collect();
    for (i, p) in patterns.iter_mut().enumerate() {
        if p.after.is_empty() && !p.repeats && !steps.contains(&i) {
            if let Some(prev) = steps.iter().copied().filter(|&s| s < i).max() {
                p.after = vec![prev];
            }
        }
    }
    Ok(Pack {
        name: file.pack.name.get_ref().clone(),
        about: file.pack.about.clone(),
        key: file.pack.key.clone(),
        origin,
        patterns,
        sequence,
        rules,
    })
}

/// The text every match of `regex` must contain: one of the returned strings (each at
/// least 3 bytes), or `None` when no such text can be derived (then the pattern runs on
/// every line of its formats).
pub fn required_literals(regex: &str) -> Option<Vec<String>> {
    required_literals_of(&parse_regex(regex)?)
}

/// [`required_literals`] of a parsed regex.
fn required_literals_of(hir: &Hir) -> Option<Vec<String>> {
    let set = required(hir)?;
    (set.iter().all(|s| s.len() >= 3)).then_some(set)
}

/// Every requirement of `regex`: each set holds the texts one of which every match
/// contains, and every match meets all the sets (the parts of its top-level sequence).
/// Sets with a text shorter than 3 bytes filter too little to be worth a search.
pub fn required_all(regex: &str) -> Vec<Vec<String>> {
    parse_regex(regex).map_or_else(Vec::new, |h| required_all_of(&h))
}

/// [`required_all`] of a parsed regex.
fn required_all_of(hir: &Hir) -> Vec<Vec<String>> {
    fn walk(h: &Hir, out: &mut Vec<Vec<String>>) {
        match h.kind() {
            HirKind::Capture(c) => walk(&c.sub, out),
            HirKind::Repetition(r) if r.min >= 1 => walk(&r.sub, out),
            HirKind::Concat(xs) => {
                for part in parts(xs) {
                    match part {
                        Part::Text(t) => out.push(vec![t]),
                        // A part with a few texts only, each long enough to search for
                        // (a status `30[1278]`: `301`, `302`, `307`, `308`), is one
                        // requirement; its pieces alone (`30`) are too short to be one.
                        Part::Sub(x) => match exact(x) {
                            Some(set) if set.iter().all(|t| t.len() >= 3) => {
                                out.push(minimal(set));
                            }
                            _ => walk(x, out),
                        },
                    }
                }
            }
            _ => out.extend(required(h)),
        }
    }
    let mut out = Vec::new();
    walk(hir, &mut out);
    out.retain(|set| !set.is_empty() && set.iter().all(|s| s.len() >= 3));
    out.sort();
    out.dedup();
    out
}

/// A part of a regex's sequence: adjacent literals joined into one text, or another node.
enum Part<'h> {
    Text(String),
    Sub(&'h Hir),
}

fn parts(xs: &[Hir]) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut run = String::new();
    for x in xs {
        if let HirKind::Literal(l) = x.kind() {
            if let Ok(s) = std::str::from_utf8(&l.0) {
                run.push_str(s);
                continue;
            }
        }
        if !run.is_empty() {
            out.push(Part::Text(std::mem::take(&mut run)));
        }
        out.push(Part::Sub(x));
    }
    if !run.is_empty() {
        out.push(Part::Text(run));
    }
    out
}

fn required(h: &Hir) -> Option<Vec<String>> {
    match h.kind() {
        HirKind::Literal(l) => Some(vec![String::from_utf8(l.0.to_vec()).ok()?]),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Concat(xs) => {
            // Adjacent literals make one longer literal; among the requirements of the
            // parts, the one whose shortest alternative is longest filters best.
            let mut best: Option<Vec<String>> = None;
            let consider = |cand: Vec<String>, best: &mut Option<Vec<String>>| {
                let q = cand.iter().map(String::len).min().unwrap_or(0);
                let bq = best
                    .as_ref()
                    .map_or(0, |b| b.iter().map(String::len).min().unwrap_or(0));
                if q > bq {
                    *best = Some(cand);
                }
            };
            for part in parts(xs) {
                match part {
                    Part::Text(t) => consider(vec![t], &mut best),
                    Part::Sub(x) => {
                        if let Some(r) = required(x) {
                            consider(r, &mut best);
                        }
                    }
                }
            }
            // Texts that run across parts: ` - "GET ` then `/(?:ws|websocket)` gives
            // ` - "GET /ws` and ` - "GET /websocket`, which far fewer lines hold than
            // ` - "GET ` alone.
            for start in 0..xs.len() {
                consider(minimal(across(&xs[start..])), &mut best);
            }
            best
        }
        HirKind::Alternation(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(required(x)?);
            }
            out.sort();
            out.dedup();
            Some(out)
        }
        _ => None,
    }
}

/// The most texts a derived requirement may list before it is given up.
const MAX_TEXTS: usize = 16;

/// Every text `h` can match, when that is a small finite set (zero-width assertions
/// match the empty text).
fn exact(h: &Hir) -> Option<Vec<String>> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![String::new()]),
        HirKind::Literal(l) => Some(vec![String::from_utf8(l.0.to_vec()).ok()?]),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => {
            let mut out = Vec::new();
            for r in c.iter() {
                for ch in r.start()..=r.end() {
                    if out.len() == 4 {
                        return None;
                    }
                    out.push(ch.to_string());
                }
            }
            Some(out)
        }
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => {
            let mut out = exact(&r.sub)?;
            out.push(String::new());
            Some(out)
        }
        HirKind::Concat(xs) => xs
            .iter()
            .try_fold(vec![String::new()], |acc, x| cross(&acc, &exact(x)?)),
        HirKind::Alternation(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.extend(exact(x)?);
            }
            (out.len() <= MAX_TEXTS).then_some(out)
        }
        _ => None,
    }
}

/// Each text of `a` followed by each text of `b`, unless there are too many.
fn cross(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() * b.len() > MAX_TEXTS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
            .collect(),
    )
}

/// Texts one of which every match of `h` starts with (`End::First`) or ends with
/// (`End::Last`); `[""]` when nothing is known.
fn edge(h: &Hir, end: End) -> Vec<String> {
    if let Some(e) = exact(h) {
        return e;
    }
    match h.kind() {
        HirKind::Capture(c) => edge(&c.sub, end),
        HirKind::Repetition(r) if r.min >= 1 => edge(&r.sub, end),
        HirKind::Concat(xs) if matches!(end, End::First) => {
            grow(vec![String::new()], xs.iter(), end)
        }
        HirKind::Concat(xs) => grow(vec![String::new()], xs.iter().rev(), end),
        _ => vec![String::new()],
    }
}

/// Texts one of which every match of the sequence `xs` contains where it starts: how
/// its first part ends, then the parts matched whole, then how the next part begins.
fn across(xs: &[Hir]) -> Vec<String> {
    match xs.split_first() {
        Some((first, rest)) if exact(first).is_none() => {
            grow(edge(first, End::Last), rest.iter(), End::First)
        }
        _ => grow(vec![String::new()], xs.iter(), End::First),
    }
}

/// Which end of a sequence texts are grown from.
#[derive(Clone, Copy)]
enum End {
    First,
    Last,
}

/// `acc` grown part by part along `xs` (in order from `End::First`, backwards from
/// `End::Last`) while the parts are matched whole, then by how the first part that is not
/// begins (or ends); stops before it would list more than [`MAX_TEXTS`].
fn grow<'h>(mut acc: Vec<String>, xs: impl Iterator<Item = &'h Hir>, end: End) -> Vec<String> {
    for x in xs {
        let (part, whole) = match (exact(x), end) {
            (Some(e), _) => (e, true),
            (None, _) => (edge(x, end), false),
        };
        let joined = match end {
            End::First => cross(&acc, &part),
            End::Last => cross(&part, &acc),
        };
        match joined {
            Some(c) => acc = c,
            None => return acc,
        }
        if !whole {
            return acc;
        }
    }
    acc
}

/// The set without texts that contain another of its texts (finding the shorter one is
/// enough), sorted.
fn minimal(mut set: Vec<String>) -> Vec<String> {
    set.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    set.dedup();
    let mut out: Vec<String> = Vec::new();
    for t in set {
        if !out.iter().any(|o| t.contains(o.as_str())) {
            out.push(t);
        }
    }
    out.sort();
    out
}

/// The most packs a set holds, and patterns a pack holds: a [`PatternRef`] counts them
/// in a `u16`.
pub const MAX_PATTERNS: usize = u16::MAX as usize + 1;

/// A pattern's place in a [`PackSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatternRef {
    /// Pack index.
    pub pack: u16,
    /// Pattern index within the pack.
    pub pattern: u16,
}

impl PatternRef {
    /// The pattern `pattern` of pack `pack`. Loading refuses more packs, or patterns in
    /// a pack, than a `u16` counts ([`MAX_PATTERNS`]): an event holds its pattern in 4
    /// bytes, not 16, and 100,000 open connections hold several events each.
    pub fn new(pack: usize, pattern: usize) -> PatternRef {
        PatternRef {
            pack: u16::try_from(pack).expect("pack count checked at load"),
            pattern: u16::try_from(pattern).expect("pattern count checked at load"),
        }
    }
}

/// The named captures of one match in one allocation: for each capture its name, as an
/// index into the pattern's name list, and where its value ends, then the values back to
/// back. `watch` holds the events of every open connection: one allocation with 6-byte
/// entries costs about half of a text and a list of 12-byte spans apart.
#[derive(Clone, Debug)]
pub struct Captures {
    /// `[count: u16][(name: u16, end: u32) × count][values]`, little-endian; ends count
    /// from the start of the values.
    data: Box<[u8]>,
    /// The pattern's names ([`Pattern::names`]), shared.
    names: Arc<[Arc<str>]>,
}

/// Bytes of the count, and of each capture's entry.
const COUNT_BYTES: usize = 2;
const ENTRY_BYTES: usize = 6;

impl Default for Captures {
    fn default() -> Self {
        Captures {
            data: Box::default(),
            names: Arc::new([]),
        }
    }
}

impl PartialEq for Captures {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Captures {}

impl Captures {
    /// Builds from (index in `names`, value) pairs.
    fn of(names: &Arc<[Arc<str>]>, pairs: &[(usize, &str)]) -> Captures {
        let head = COUNT_BYTES + ENTRY_BYTES * pairs.len();
        // Sized once: no spare capacity is held for as long as the event lives.
        let mut data = Vec::with_capacity(head + pairs.iter().map(|(_, v)| v.len()).sum::<usize>());
        data.extend_from_slice(&(pairs.len() as u16).to_le_bytes());
        let mut end = 0u32;
        for &(i, v) in pairs {
            end += v.len() as u32;
            data.extend_from_slice(&(i as u16).to_le_bytes());
            data.extend_from_slice(&end.to_le_bytes());
        }
        for &(_, v) in pairs {
            data.extend_from_slice(v.as_bytes());
        }
        Captures {
            data: data.into_boxed_slice(),
            names: names.clone(),
        }
    }

    /// The value of `name`, when captured (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        // Called many times per event by the correlation: names are compared without
        // cutting out the values, and a differing first byte settles most comparisons.
        let want = name.as_bytes();
        (0..self.len())
            .find(|&k| {
                let n = self.names[self.name_at(k)].as_bytes();
                n.len() == want.len() && n.first() == want.first() && n == want
            })
            .map(|k| self.value_at(k))
    }

    /// (name, value) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        (0..self.len()).map(move |k| (&*self.names[self.name_at(k)], self.value_at(k)))
    }

    /// The number of captures.
    fn len(&self) -> usize {
        match &self.data[..] {
            [a, b, ..] => u16::from_le_bytes([*a, *b]) as usize,
            _ => 0,
        }
    }

    /// Entry `k`: (index in `names`, end of its value).
    fn entry(&self, k: usize) -> (usize, usize) {
        let e = &self.data[COUNT_BYTES + k * ENTRY_BYTES..COUNT_BYTES + (k + 1) * ENTRY_BYTES];
        (
            u16::from_le_bytes([e[0], e[1]]) as usize,
            u32::from_le_bytes([e[2], e[3], e[4], e[5]]) as usize,
        )
    }

    fn name_at(&self, k: usize) -> usize {
        self.entry(k).0
    }

    /// The value of entry `k`. `of` wrote each value whole from a `&str`, so the range
    /// is always valid UTF-8; checking it costs little on values this short.
    fn value_at(&self, k: usize) -> &str {
        let text = &self.data[COUNT_BYTES + ENTRY_BYTES * self.len()..];
        let a = if k == 0 { 0 } else { self.entry(k - 1).1 };
        std::str::from_utf8(&text[a..self.entry(k).1]).unwrap_or_default()
    }
}

/// A record a pattern matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Which pattern.
    pub at: PatternRef,
    /// Named captures (and the pattern's fixed ones), in regex order.
    pub captures: Captures,
}

/// All loaded packs, with one prefilter over all of them.
pub struct PackSet {
    /// Packs, built-in first (overridden ones replaced in place), then the user's.
    pub packs: Vec<Pack>,
    prefilter: AhoCorasick,
    /// The same literals, looked for with a faster first pass: a yes or no only.
    literal_scan: scan::LiteralScan,
    /// For each prefilter literal: the patterns that need it.
    literal_owner: Vec<PatternRef>,
    /// Patterns with no literal: tried on every record.
    always: Vec<PatternRef>,
}

impl PackSet {
    /// Builds the prefilter over `packs`.
    pub fn new(packs: Vec<Pack>) -> PackSet {
        let mut lits = Vec::new();
        let mut owner = Vec::new();
        let mut always = Vec::new();
        for (pi, p) in packs.iter().enumerate() {
            for (ti, t) in p.patterns.iter().enumerate() {
                let r = PatternRef::new(pi, ti);
                if t.literals.is_empty() {
                    always.push(r);
                }
                for l in &t.literals {
                    lits.push(l.clone());
                    owner.push(r);
                }
            }
        }
        // A full DFA: a few hundred literals build in well under a millisecond, and it
        // scans every line `watch` and `scan` read.
        let prefilter = aho_corasick::AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&lits)
            .expect("literal set builds");
        let literal_scan = scan::LiteralScan::new(&lits, prefilter.clone());
        PackSet {
            packs,
            prefilter,
            literal_scan,
            literal_owner: owner,
            always,
        }
    }

    /// The built-in packs, with the packs in `dirs` added (a pack whose name matches a
    /// built-in one replaces it).
    pub fn load(dirs: &[PathBuf]) -> Result<PackSet, Error> {
        use rayon::prelude::*;
        // Compiling the regexes is most of a short run's time: one pack per core.
        let mut packs: Vec<Pack> = BUILTIN
            .par_iter()
            .map(|(file, text)| compile(Origin::Builtin(file), text))
            .collect::<Result<_, _>>()?;
        for d in dirs {
            for p in load_dir(d)? {
                match packs.iter_mut().find(|q| q.name == p.name) {
                    Some(slot) => *slot = p,
                    None => packs.push(p),
                }
            }
        }
        if packs.len() > MAX_PATTERNS {
            return Err(Error::Usage(format!(
                "{} pattern packs: at most {MAX_PATTERNS} are loaded",
                packs.len()
            )));
        }
        Ok(PackSet::new(packs))
    }

    /// The pattern at `r`.
    pub fn pattern(&self, r: PatternRef) -> &Pattern {
        &self.pack(r).patterns[usize::from(r.pattern)]
    }

    /// The pack of the pattern at `r`.
    pub fn pack(&self, r: PatternRef) -> &Pack {
        &self.packs[usize::from(r.pack)]
    }

    /// The pattern at `r` as the reports name it: `pack/pattern-id`.
    pub fn pattern_name(&self, r: PatternRef) -> String {
        format!("{}/{}", self.pack(r).name, self.pattern(r).id)
    }

    /// The place of the pattern at `r` in its pack's healthy sequence, if it is a step.
    pub fn step_of(&self, r: PatternRef) -> Option<usize> {
        let pattern = usize::from(r.pattern);
        self.pack(r)
            .sequence
            .iter()
            .position(|s| s.pattern == pattern)
    }

    /// A test that a pattern may match a record's text, for
    /// [`crate::assemble::Assembler::skip_unless`]: true when the text holds one of the
    /// prefilter's literals. `None` when some pattern has no literal (it may match
    /// anything) or a literal spans lines (a record joins its lines with `\n`, so
    /// testing each line alone could miss it).
    pub fn line_filter(&self) -> Option<crate::assemble::Filter> {
        if !self.lines_filterable() {
            return None;
        }
        let scan = self.literal_scan.clone();
        Some(std::sync::Arc::new(move |text: &str| scan.is_match(text)))
    }

    /// Whether [`PackSet::line_filter`] has a filter to give.
    fn lines_filterable(&self) -> bool {
        self.always.is_empty() && !self.any_literal_holds('\n')
    }

    /// True when some pattern's literal holds `c`.
    fn any_literal_holds(&self, c: char) -> bool {
        self.packs
            .iter()
            .flat_map(|p| &p.patterns)
            .flat_map(|t| &t.literals)
            .any(|l| l.contains(c))
    }

    /// A search for [`PackSet::line_filter`]'s literals over whole buffers of lines, for
    /// [`crate::input::LineReader::set_finder`]: it finds where one of the few fragments
    /// that every literal holds starts, so a line it finds nothing in holds no literal.
    /// `None` when there is no line filter or no fragments, or a literal holds `\r` (an
    /// end of line to the reader).
    pub fn line_finder(&self) -> Option<crate::input::Finder> {
        if !self.lines_filterable() || self.any_literal_holds('\r') {
            return None;
        }
        let fragments = self.literal_scan.fragments()?.clone();
        Some(std::sync::Arc::new(move |hay: &[u8]| {
            fragments.find(hay).map(|m| m.start())
        }))
    }

    /// Every pattern that matches `record`, in (pack, pattern) order, the channel
    /// layer's last: the correlation places a record's matches in turn, and a layer error
    /// that names no connection (uvicorn's `Exception in ASGI application` whose traceback
    /// ends in Redis's `Error 111`) goes where the record's other matches go, not apart.
    pub fn matches(&self, record: &Record) -> Vec<Match> {
        let text = record.message.as_str();
        // Most records hold no literal at all: the fragment search skips through them,
        // the overlapping one (needed to find every literal) walks every byte.
        let start = self.literal_scan.start(text);
        if self.always.is_empty() && start.is_none() {
            return Vec::new();
        }
        let mut cands = Candidates::new();
        for &r in &self.always {
            cands.add(r);
        }
        if let Some(start) = start {
            let input = aho_corasick::Input::new(text).span(start..text.len());
            for m in self.prefilter.find_overlapping_iter(input) {
                cands.add(self.literal_owner[m.pattern().as_usize()]);
            }
        }
        let cands = cands.as_slice();
        if cands.is_empty() {
            return Vec::new();
        }
        let app_format = record.app.as_ref().map(|a| a.format);
        // Sized for every candidate to match, as most do: `scan` keeps the list as long
        // as its record and first shrinks it, which reallocates a larger one.
        let mut found = Vec::with_capacity(cands.len());
        found.extend(cands.iter().filter_map(|&r| {
            let p = self.pattern(r);
            if !p.formats.is_empty()
                && !p
                    .formats
                    .iter()
                    .any(|f| f == record.format || Some(f.as_str()) == app_format)
            {
                return None;
            }
            p.captures(text).map(|captures| Match { at: r, captures })
        }));
        if found.len() > 1 {
            found.sort_by_key(|m| self.pattern(m.at).stage == Stage::Layer);
        }
        found
    }
}

/// The patterns a record's literals name, sorted and without repeats (a record names
/// a few, mostly one).
struct Candidates(Vec<PatternRef>);

impl Candidates {
    fn new() -> Candidates {
        Candidates(Vec::with_capacity(4))
    }

    /// Adds `r`, unless it is in already.
    fn add(&mut self, r: PatternRef) {
        if let Err(i) = self.0.binary_search(&r) {
            self.0.insert(i, r);
        }
    }

    fn as_slice(&self) -> &[PatternRef] {
        &self.0
    }
}

/// A record that a pattern matched: the pattern stage's output.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Index of the record in the merged record list.
    pub record: usize,
    /// The record's input.
    pub input: u32,
    /// The record's time, or the time of the record before it in its input.
    pub ts: Option<chrono::DateTime<chrono::Utc>>,
    /// The record has a time of its own: `ts` is not borrowed from the record before.
    pub own_time: bool,
    /// Which pattern matched.
    pub at: PatternRef,
    /// The pattern's lane.
    pub stage: Stage,
    /// Named captures.
    pub captures: Captures,
}

impl Event {
    /// The capture called `name`, when present and not empty.
    pub fn cap(&self, name: &str) -> Option<&str> {
        self.captures.get(name).filter(|v| !v.is_empty())
    }

    /// How long the request of this proxy line lasted, when it says: nginx's
    /// `request_time` in seconds (`60.002`), or a `request_ms` in milliseconds (Heroku's
    /// router writes `service=60199ms`). A length no session has (a mangled line's
    /// thirty digits) is none ([`crate::time::LONGEST_SESSION_MS`]).
    pub fn request_span(&self) -> Option<chrono::Duration> {
        const LONGEST_MS: f64 = crate::time::LONGEST_SESSION_MS as f64;
        let ms = match (self.cap("request_time"), self.cap("request_ms")) {
            (Some(s), _) => s.parse::<f64>().ok()? * 1000.0,
            (None, Some(ms)) => ms.parse::<f64>().ok()?,
            (None, None) => return None,
        };
        (ms.is_finite() && (0.0..=LONGEST_MS).contains(&ms))
            .then(|| chrono::Duration::milliseconds(ms as i64))
    }

    /// The line says how long its request lasted ([`Event::request_span`]), whatever the
    /// value: a proxy writes such a line when the request ends (nginx's access line,
    /// Heroku's router line), so its request began that long before it, and the line is
    /// placed by that start, not held back until the sessions' closes are known.
    pub fn says_span(&self) -> bool {
        self.cap("request_time").is_some() || self.cap("request_ms").is_some()
    }
}

/// Matches every record against every pack (in parallel, deterministic order): one event
/// per (record, matching pattern), in record order.
pub fn events(records: &[Record], set: &PackSet) -> Vec<Event> {
    use rayon::prelude::*;
    let matched: Vec<Vec<Match>> = records
        .par_iter()
        .with_min_len(1024)
        .map(|r| set.matches(r))
        .collect();
    events_of(records, matched, set)
}

/// [`events`] from what matched each record, found already
/// ([`crate::ingest::ingest_matching`]); `matched` is beside `records`.
pub fn events_of(records: &[Record], matched: Vec<Vec<Match>>, set: &PackSet) -> Vec<Event> {
    // Records without a time of their own take the last time before them in their input.
    let mut last: Vec<Option<chrono::DateTime<chrono::Utc>>> = Vec::new();
    // Sized once: the events are held until the report is written, and a `Vec` grown by
    // doubling holds up to as many again in spare capacity.
    let mut out = Vec::with_capacity(matched.iter().map(Vec::len).sum());
    for (i, (r, found)) in records.iter().zip(matched).enumerate() {
        let input = r.input as usize;
        if last.len() <= input {
            last.resize(input + 1, None);
        }
        if let Some(t) = r.ts {
            last[input] = Some(t.utc);
        }
        out.extend(found.into_iter().map(|m| Event {
            record: i,
            input: r.input,
            ts: last[input],
            own_time: r.ts.is_some(),
            at: m.at,
            stage: set.pattern(m.at).stage,
            captures: m.captures,
        }));
    }
    out
}

/// Loads every `*.toml` in `dir`, in name order.
pub fn load_dir(dir: &Path) -> Result<Vec<Pack>, Error> {
    let io = |e| Error::Io {
        input: dir.display().to_string(),
        source: e,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Error::Io {
            input: f.display().to_string(),
            source: e,
        })?;
        out.push(compile(Origin::File(f), &text)?);
    }
    Ok(out)
}

/// One failed example or counter-example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleFailure {
    /// `file:line`.
    pub location: String,
    /// Pack and pattern id.
    pub pattern: String,
    /// What went wrong.
    pub problem: String,
}

/// Checks every example and counter-example of `pack`: examples must match (through the
/// prefilter too) and yield their expected captures; counter-examples must not match.
pub fn test_pack(pack: &Pack) -> (usize, Vec<ExampleFailure>) {
    let mut checked = 0;
    let mut fails = Vec::new();
    let file = pack.origin.path();
    for p in &pack.patterns {
        let fail = |at: usize, problem: String| ExampleFailure {
            location: format!("{}:{at}", file.display()),
            pattern: format!("{}/{}", pack.name, p.id),
            problem,
        };
        for ex in &p.examples {
            checked += 1;
            if !p.literals.is_empty() && !p.literals.iter().any(|l| ex.line.contains(l.as_str())) {
                fails.push(fail(
                    ex.at,
                    format!(
                        "example lacks the prefilter text {:?}: {:?}",
                        p.literals, ex.line
                    ),
                ));
                continue;
            }
            match p.captures(&ex.line) {
                None => fails.push(fail(
                    ex.at,
                    format!("example does not match: {:?}", ex.line),
                )),
                Some(caps) => {
                    for (k, v) in &ex.expect {
                        let got = caps.get(k);
                        if got != Some(v.as_str()) {
                            fails.push(fail(
                                ex.at,
                                format!("capture '{k}': expected {v:?}, got {got:?}"),
                            ));
                        }
                    }
                }
            }
        }
        for (line, at) in &p.counter_examples {
            checked += 1;
            let vetoed = p.except.as_ref().is_some_and(|x| x.is_match(line));
            if p.regex.get().is_match(line) && !vetoed {
                fails.push(fail(*at, format!("counter-example matches: {line:?}")));
            }
        }
    }
    (checked, fails)
}

#[cfg(test)]
mod tests;
