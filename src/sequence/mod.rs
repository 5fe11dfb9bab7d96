//! Sequence: each connection's events against its packs' rules → findings and a verdict.
//!
//! ```text
//! connection ─► for each pack rule:  seen [code/status]            → finding
//!                                     seen, missing within T        → finding once T passed
//!                                                                     (or the connection ended);
//!                                                                     else the connection is open
//!            ─► JWT claims of captured tokens: exp before the start → auth.token-expired
//!            ─► a silent 1006 that lasted a round idle timeout, no request_time → close.idle-timeout
//! all events ─► count rules (N seen sharing a capture within W)     → one finding, many connections
//! global     ─► process lifecycle rules                             → finding + connections open then
//! ```
//!
//! Deadlines are by event time: "now" is the time of the last record read, so the same
//! input always gives the same findings.

pub use crate::jwt;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration as CDuration, Utc};
use serde::Serialize;

use crate::catalog::Severity;
use crate::correlate::{Connection, Correlated};
use crate::pattern::{Event, PackSet, Rule};

/// One break from the healthy sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Catalog rule id.
    pub rule: &'static str,
    /// How bad.
    pub severity: Severity,
    /// The pack whose rule fired (`builtin` for logweave's own checks).
    pub pack: String,
    /// Indices of the connections it covers (into `Correlated::connections`).
    pub connections: Vec<usize>,
    /// One line for a person, placeholders filled in.
    pub diagnosis: String,
    /// What to do about it.
    pub hint: String,
    /// Indices of the events that prove it, in time order.
    pub evidence: Vec<usize>,
    /// When it became certain (the proving event, or the passed deadline).
    pub ts: Option<DateTime<Utc>>,
}

/// What became of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding.
    Healthy,
    /// Warnings only.
    Degraded,
    /// At least one error.
    Broken,
    /// Still waiting for a step at the end of the input, no deadline passed.
    Open,
}

impl Verdict {
    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::Broken => "broken",
            Verdict::Open => "open",
        }
    }
}

/// Findings and per-connection verdicts.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Findings, by time then rule.
    pub findings: Vec<Finding>,
    /// One per connection, same order.
    pub verdicts: Vec<Verdict>,
    /// The last close code each connection's lines name.
    pub close_codes: Vec<Option<u32>>,
    /// For each connection, the indices of the findings that name it.
    pub by_connection: Vec<Vec<usize>>,
}

impl Analysis {
    /// The findings about connection `ci` alone (not storms or restarts it was part of).
    pub fn own(&self, ci: usize) -> impl Iterator<Item = &Finding> + '_ {
        self.by_connection[ci]
            .iter()
            .map(|&i| &self.findings[i])
            .filter(|f| f.connections.len() == 1)
    }

    /// Every finding that names connection `ci`.
    pub fn naming(&self, ci: usize) -> impl Iterator<Item = &Finding> + '_ {
        self.by_connection[ci].iter().map(|&i| &self.findings[i])
    }
}

/// Fills `{name}` placeholders from the event's captures, then the connection's fields.
/// `{a|b}` takes the first of the names that has a value (`{reason|raised}`: the text
/// after the log's own words, else the exception the traceback under it ends with), and
/// a quoted alternative (`{reason|'no text'}`) is a default; a placeholder nothing fills
/// becomes `?`.
pub(crate) fn fill(template: &str, e: Option<&Event>, c: Option<&Connection>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let v = after[..j].split('|').find_map(|name| {
            // A quoted alternative is a default, written as it is.
            match name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
                Some(text) => Some(text.to_string()),
                None => value(name, e, c),
            }
        });
        match v {
            Some(v) => out.push_str(&v),
            None => out.push('?'),
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

/// The value of placeholder `name`: the event's capture, else the connection's field.
fn value(name: &str, e: Option<&Event>, c: Option<&Connection>) -> Option<String> {
    e.and_then(|e| e.cap(name)).map(str::to_string).or_else(|| {
        c.and_then(|c| match name {
            "path" => c.path.as_deref().map(String::from),
            "user" => c.user.as_deref().map(String::from),
            "client" => c
                .client
                .as_deref()
                .or(c.client_ip.as_deref())
                .map(String::from),
            "client_ip" => c.client_ip.as_deref().map(String::from),
            _ => None,
        })
    })
}

fn num(e: &Event, name: &str) -> Option<u32> {
    e.cap(name).and_then(|s| s.trim().parse().ok())
}

/// Line `x` ends its connection as far as line order tells: a line that ends one, an
/// HTTP error answering the handshake, a close code. (A stop line without a time names
/// the sessions of its input with no such line above it: [`Eval::open_above`], and
/// `watch` as the stream reaches it.)
pub(crate) fn ends_session(set: &PackSet, x: &Event) -> bool {
    set.pattern(x.at).ends || num(x, "status").is_some_and(|s| s >= 400) || num(x, "code").is_some()
}

/// How many of `n` connections a finding of line `e` tells were open, for
/// [`Rule::diagnosis_for`]: `None` for an application line without a time, which cannot
/// place them; a process line's are placed by line order when it has none.
pub(crate) fn open_told(e: &Event, n: usize) -> Option<usize> {
    Some(n).filter(|&n| n > 0 || e.ts.is_some() || e.stage == crate::pattern::Stage::Process)
}

/// The group a `count` rule counts `e` in: the `by` capture, else that field of its
/// connection; `None` when neither says (the line is not counted). `token` is the token
/// its connection's handshake carried ([`connection_token`]), when known.
pub(crate) fn count_key(
    rule: &Rule,
    e: &Event,
    conn: Option<&Connection>,
    token: Option<&str>,
) -> Option<String> {
    count_key_str(rule, e, conn, token).map(Cow::into_owned)
}

/// The token of a connection's handshake: the first of its lines that captured one (nginx's
/// access line, `?token=`, or a middleware's `Token found:`).
pub(crate) fn connection_token<'a>(
    c: &Connection,
    event: &impl Fn(usize) -> &'a Event,
) -> Option<&'a str> {
    c.links.iter().find_map(|l| event(l.event).cap("token"))
}

/// [`count_key`], borrowed from the event or the connection when `by` names one capture:
/// a scan groups every event a count rule sees at once, and a copy of each key (a JWT per
/// nginx access line) made its peak. Several names make one key of their values; a name
/// written with a `?` (`token?`, which the connection's handshake token also gives) is
/// left out of the key when neither the line nor its connection gives it, where any
/// other such name leaves the line uncounted.
fn count_key_str<'a>(
    rule: &Rule,
    e: &'a Event,
    conn: Option<&'a Connection>,
    token: Option<&'a str>,
) -> Option<Cow<'a, str>> {
    let one = |by: &str| -> Option<&'a str> {
        e.cap(by).or_else(|| {
            conn.and_then(|c| match by {
                "client_ip" => c.client_ip.as_deref(),
                "user" | "user_id" => c.user.as_deref(),
                "path" => c.path.as_deref(),
                _ => None,
            })
        })
    };
    match &rule.when.by[..] {
        [] => Some(Cow::Borrowed("")),
        [by] if !by.ends_with('?') => one(by).map(Cow::Borrowed),
        names => {
            let mut key = String::new();
            for by in names {
                match by.strip_suffix('?') {
                    // (The handshake's token, for a name that may be missing: a line
                    // counted by `token` alone carries its own.)
                    Some(name) => key.push_str(
                        one(name)
                            .or(token.filter(|_| name == "token"))
                            .unwrap_or_default(),
                    ),
                    None => key.push_str(one(by)?),
                }
                key.push('\u{1f}');
            }
            Some(Cow::Owned(key))
        }
    }
}

pub(crate) fn passes_filters(rule: &Rule, e: &Event) -> bool {
    (rule.when.codes.is_empty() || num(e, "code").is_some_and(|c| rule.when.codes.contains(&c)))
        && (rule.when.statuses.is_empty()
            || num(e, "status").is_some_and(|s| rule.when.statuses.contains(&s)))
}

/// A finding of `rule`, its placeholders filled from the first evidence event and the
/// first connection.
fn finding(
    rule: &Rule,
    pack: &str,
    conns: Vec<usize>,
    evidence: Vec<usize>,
    ts: Option<DateTime<Utc>>,
    e: Option<&Event>,
    c: Option<&Connection>,
) -> Finding {
    let named = Some(conns.len());
    finding_named(rule, pack, conns, named, evidence, ts, e, c)
}

/// [`finding`], saying how many connections were open (`named`, [`Rule::diagnosis_for`]):
/// `None` when its line could not tell.
#[allow(clippy::too_many_arguments)]
fn finding_named(
    rule: &Rule,
    pack: &str,
    conns: Vec<usize>,
    named: Option<usize>,
    evidence: Vec<usize>,
    ts: Option<DateTime<Utc>>,
    e: Option<&Event>,
    c: Option<&Connection>,
) -> Finding {
    Finding {
        rule: rule.id,
        severity: rule.severity,
        pack: pack.to_string(),
        diagnosis: fill(rule.diagnosis_for(named), e, c),
        connections: conns,
        hint: fill(&rule.hint, e, c),
        evidence,
        ts,
    }
}

/// What one connection's own rules say so far.
#[derive(Debug, Default)]
pub struct ConnectionFindings {
    /// Findings about this connection alone (not deduplicated across packs).
    pub findings: Vec<Finding>,
    /// The earliest deadline of a rule still waiting for a step (`missing … within`)
    /// that has neither passed nor been settled by the connection's end. `Some(None)`
    /// when the waiting line had no time.
    pub pending: Option<Option<DateTime<Utc>>>,
}

/// A finding of one connection's own rules before its words are written: `watch`
/// judges a connection again at each of its lines and says few of the findings it sees
/// (most were said before), so the words wait until one is said ([`Found::finding`]).
#[derive(Clone, Debug)]
pub struct Found<'s> {
    /// Catalog rule id.
    pub rule: &'static str,
    /// The pack rule that fired (its pack's number and the rule); `None` for logweave's
    /// own checks (the JWT's `exp`, an idle cut without `$request_time`).
    pub source: Option<(usize, &'s Rule)>,
    /// The event that proves it; its captures fill the placeholders.
    pub first: usize,
    /// For a step found missing, the connection's last event when it is not `first`.
    pub last: Option<usize>,
    /// When it became certain.
    pub ts: Option<DateTime<Utc>>,
}

impl Found<'_> {
    /// The events that prove it, in the order a [`Finding`] lists them.
    pub fn evidence(&self) -> Vec<usize> {
        std::iter::once(self.first).chain(self.last).collect()
    }

    /// The finding with its words, about connection `ci` as it is now.
    pub fn finding<'e>(
        &self,
        set: &PackSet,
        ci: usize,
        conn: &Connection,
        event: &dyn Fn(usize) -> &'e Event,
    ) -> Finding {
        let e = event(self.first);
        match self.source {
            Some((pi, rule)) => finding(
                rule,
                &set.packs[pi].name,
                vec![ci],
                self.evidence(),
                self.ts,
                Some(e),
                Some(conn),
            ),
            None if self.rule == "close.idle-timeout" => {
                let span =
                    e.ts.zip(conn.start)
                        .map_or(0, |(t, s)| (t - s).num_seconds());
                Finding {
                    rule: self.rule,
                    severity: Severity::Warning,
                    pack: "builtin".into(),
                    connections: vec![ci],
                    diagnosis: format!(
                        "The WebSocket on {} dropped (1006) after about {span} s with next to nothing sent by the server, a round number of seconds an idle timeout is set to (nginx's proxy_read_timeout, 60 s by default, or a load balancer's): it was cut for silence.",
                        conn.path.as_deref().unwrap_or("its path")
                    ),
                    hint: "Send application-level pings more often than that timeout, or raise the timeout that cut it: proxy_read_timeout for the /ws/ location, or the idle timeout of a load balancer in front of nginx. (nginx's `combined` log has no $request_time: add it to the log_format to see each session's length.)".into(),
                    evidence: self.evidence(),
                    ts: self.ts,
                }
            }
            None => {
                let claims = e.cap("token").and_then(jwt::claims).unwrap_or_default();
                let exp = claims.exp.unwrap_or_default();
                let ago = conn.start.map_or(CDuration::zero(), |s| s - exp);
                Finding {
                    rule: self.rule,
                    severity: Severity::Error,
                    pack: "builtin".into(),
                    connections: vec![ci],
                    diagnosis: format!(
                        "The token{} expired at {} ({} before the connection).",
                        claims.user_id.as_deref().map(|u| format!(" of user_id {u}")).unwrap_or_default(),
                        exp.to_rfc3339(),
                        human(ago)
                    ),
                    hint: "Refresh the access token before opening the WebSocket (SIMPLE_JWT ACCESS_TOKEN_LIFETIME), and reconnect with the new one.".into(),
                    evidence: self.evidence(),
                    ts: self.ts,
                }
            }
        }
    }
}

/// What one connection's own rules say so far, before any finding's words are written.
#[derive(Debug, Default)]
pub struct ConnectionFound<'s> {
    /// Findings about this connection alone (not deduplicated across packs).
    pub found: Vec<Found<'s>>,
    /// As [`ConnectionFindings::pending`].
    pub pending: Option<Option<DateTime<Utc>>>,
}

/// The `exp` of a token as [`jwt::claims`] reads it: `None` when the token is no JWT or
/// has no `exp`.
pub fn token_exp(token: &str) -> Option<DateTime<Utc>> {
    jwt::claims(token).and_then(|c| c.exp)
}

/// Runs every rule without `count` of the packs connection `ci` touched, and the JWT
/// check, over its events (`event` looks them up). Deadlines after `now` are pending.
pub fn connection_findings<'e>(
    set: &PackSet,
    ci: usize,
    conn: &Connection,
    event: &dyn Fn(usize) -> &'e Event,
    now: Option<DateTime<Utc>>,
) -> ConnectionFindings {
    let r = connection_found(set, conn, event, now, &|_, tok| token_exp(tok));
    ConnectionFindings {
        findings: r
            .found
            .iter()
            .map(|f| f.finding(set, ci, conn, event))
            .collect(),
        pending: r.pending,
    }
}

/// [`connection_findings`] without the words: `exp` gives the `exp` of the token event
/// `i` carries ([`token_exp`], or a memory of it: decoding is the costly part of the
/// check, and `watch` asks again at every line of the connection).
pub fn connection_found<'s, 'e>(
    set: &'s PackSet,
    conn: &Connection,
    event: &dyn Fn(usize) -> &'e Event,
    now: Option<DateTime<Utc>>,
    exp: &dyn Fn(usize, &str) -> Option<DateTime<Utc>>,
) -> ConnectionFound<'s> {
    let mut out = ConnectionFound::default();
    // Each event looked up once: `event` may be a map lookup (`watch`).
    let evs: Vec<(usize, &Event)> = conn
        .links
        .iter()
        .map(|l| (l.event, event(l.event)))
        .collect();
    let packs = pattern_masks(&evs);
    for (pi, present) in packs {
        let pack = &set.packs[pi];
        for rule in &pack.rules {
            if rule.when.count.is_some() || !present.may_hold(&rule.when.seen) {
                continue;
            }
            let Some(&(first, s)) = evs.iter().find(|(_, e)| {
                usize::from(e.at.pack) == pi
                    && rule.when.seen.contains(&usize::from(e.at.pattern))
                    && passes_filters(rule, e)
            }) else {
                continue;
            };
            let excused = present.may_hold(&rule.when.unless)
                && evs.iter().any(|(_, e)| {
                    usize::from(e.at.pack) == pi
                        && rule.when.unless.contains(&usize::from(e.at.pattern))
                })
                || !rule.when.unless_codes.is_empty()
                    && evs.iter().any(|(_, e)| {
                        e.cap("code")
                            .and_then(|c| c.parse::<u32>().ok())
                            .is_some_and(|c| rule.when.unless_codes.contains(&c))
                    });
            if excused {
                continue;
            }
            if rule.when.missing.is_empty() {
                out.found.push(Found {
                    rule: rule.id,
                    source: Some((pi, rule)),
                    first,
                    last: None,
                    ts: s.ts,
                });
                continue;
            }
            let within = CDuration::from_std(rule.when.within.unwrap_or_default())
                .unwrap_or(CDuration::zero());
            let deadline = s.ts.map(|t| t + within);
            let followed = evs.iter().any(|(_, e)| {
                usize::from(e.at.pack) == pi
                    && rule.when.missing.contains(&usize::from(e.at.pattern))
                    && e.ts >= s.ts
                    && match (deadline, e.ts) {
                        (Some(d), Some(t)) => t <= d,
                        _ => true,
                    }
            });
            // A rule waiting for the handshake's answer (one of its missing lines
            // upgrades it) is answered by any line of the connection that says it was
            // upgraded (nginx's 101, the consumer's accept): the server's own line was
            // written, whichever connection it joined (Daphne's port-less WSCONNECT).
            let upgraded = || {
                rule.when.missing.iter().any(|&m| {
                    pack.patterns[m]
                        .set
                        .iter()
                        .any(|(k, v)| &**k == "status" && v == "101")
                }) && evs.iter().any(|(_, e)| e.cap("status") == Some("101"))
            };
            if followed || upgraded() {
                continue;
            }
            let ended_at = evs
                .iter()
                .map(|(_, e)| e)
                .find(|e| e.ts >= s.ts && set.pattern(e.at).ends && e.at != s.at)
                .map(|e| e.ts);
            let passed = matches!((deadline, now), (Some(d), Some(n)) if n >= d);
            // How long after the `seen` line the connection ended, when it did.
            let waited = ended_at
                .flatten()
                .zip(s.ts)
                .and_then(|(end, t)| (end - t).to_std().ok());
            let early =
                |limit: Option<std::time::Duration>| limit.map(|l| waited.is_some_and(|w| w < l));
            if early(rule.when.ended_after) == Some(true)
                || early(rule.when.ended_before) == Some(false)
            {
                continue;
            }
            // Ended, but a line without a time cannot say when: neither an end after a
            // server's timeout nor one before it is known, only that it ended.
            let unmeasured = ended_at.is_some() && waited.is_none();
            let measures = rule.when.ended_after.is_some() || rule.when.ended_before.is_some();
            if (unmeasured && measures) || (rule.when.ended_untimed && !unmeasured) {
                continue;
            }
            if passed || ended_at.is_some() {
                let ts = match ended_at {
                    Some(t) if !passed => t,
                    _ => deadline,
                };
                let last = evs.last().map(|&(l, _)| l).filter(|&l| l != first);
                out.found.push(Found {
                    rule: rule.id,
                    source: Some((pi, rule)),
                    first,
                    last,
                    ts,
                });
            } else {
                out.pending = Some(match out.pending {
                    Some(Some(p)) => deadline.map(|d| d.min(p)),
                    _ => deadline,
                });
            }
        }
    }
    if let Some(f) = jwt_found(conn, &evs, exp) {
        out.found.push(f);
    }
    if let Some(f) = idle_found(conn, &evs) {
        out.found.push(f);
    }
    drop_told_by_their_line(set, &mut out.found, &evs);
    out
}

/// Rules that say no more of a line than that it is an error: where another rule reads
/// the same line and names the cause (`Exception inside application: Error 111
/// connecting to localhost:6379` is the channel layer's Redis being down), that one
/// tells it.
const SAID_BETTER_BY_THEIR_LINE: &[&str] = &["consumer.exception"];

/// Drops the findings of [`SAID_BETTER_BY_THEIR_LINE`] whose line another of the
/// connection's events reads with a rule that names its cause ([`names_a_cause`], as
/// [`told_of_line`] asks of a line that joined no connection).
fn drop_told_by_their_line(set: &PackSet, found: &mut Vec<Found>, evs: &[(usize, &Event)]) {
    let line = |e: &Event| (e.input, e.record);
    found.retain(|f| {
        if !SAID_BETTER_BY_THEIR_LINE.contains(&f.rule) {
            return true;
        }
        let Some(&(_, e)) = evs.iter().find(|(i, _)| *i == f.first) else {
            return true;
        };
        !evs.iter()
            .any(|&(_, o)| o.at != e.at && line(o) == line(e) && names_a_cause(set, o))
    });
}

/// The patterns of one pack a connection's lines matched, as bits: most rules name lines
/// the connection does not have, and the bits rule them out without walking its lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Present(u128);

impl Present {
    /// Pattern numbers past the bits are not noted: a rule naming one is always looked at.
    const BITS: usize = 128;

    fn note(&mut self, pattern: usize) {
        if pattern < Self::BITS {
            self.0 |= 1 << pattern;
        }
    }

    /// Some of `patterns` may have matched a line (false only when none did).
    fn may_hold(self, patterns: &[usize]) -> bool {
        patterns
            .iter()
            .any(|&p| p >= Self::BITS || self.0 >> p & 1 == 1)
    }
}

/// The packs `evs` matched, in pack order, each with the patterns of it they matched.
fn pattern_masks(evs: &[(usize, &Event)]) -> Vec<(usize, Present)> {
    let mut packs: Vec<(usize, Present)> = Vec::new();
    for (_, e) in evs {
        let pi = usize::from(e.at.pack);
        let at = match packs.binary_search_by_key(&pi, |&(p, _)| p) {
            Ok(i) => i,
            Err(i) => {
                packs.insert(i, (pi, Present::default()));
                i
            }
        };
        packs[at].1.note(usize::from(e.at.pattern));
    }
    packs
}

/// Idle timeouts a proxy or load balancer is set to: nginx's `proxy_read_timeout`
/// (60 s by default) and the round numbers people set it to, Heroku's 55 s,
/// Cloudflare's 100 s, Azure's 240 s, AWS NLB's 350 s (as `nginx.ws-101-idle-set` lists).
const IDLE_TIMEOUTS_S: &[i64] = &[
    15, 20, 30, 45, 55, 60, 75, 90, 100, 120, 180, 240, 300, 350, 600, 900, 1200, 1800, 3600, 7200,
    86400,
];

/// A session cut for silence behind nginx's stock `combined` log, which writes no
/// `$request_time`: the proxy sent it next to nothing (a 101 of under 1 kB), the
/// application saw it drop (`1006`, never a clean `1000`/`1001`), and from its first
/// line to the proxy's access line, written when it ended, it lasted one of the
/// [`IDLE_TIMEOUTS_S`] within a second (whole-second times). The drop alone reads
/// `close.abnormal`; this names why, and is asked only when that is what the
/// connection already shows.
fn idle_found(conn: &Connection, evs: &[(usize, &Event)]) -> Option<Found<'static>> {
    let codes = || evs.iter().filter_map(|(_, e)| e.cap("code"));
    if !codes().any(|c| c == "1006") || codes().any(|c| c == "1000" || c == "1001") {
        return None;
    }
    let &(i, e) = evs.iter().find(|(_, e)| {
        e.stage == crate::pattern::Stage::Proxy
            && e.cap("status") == Some("101")
            && !e.says_span()
            && e.cap("bytes")
                .and_then(|b| b.parse::<u64>().ok())
                .is_some_and(|b| b < 1024)
    })?;
    let span_ms = (e.ts? - conn.start?).num_milliseconds();
    IDLE_TIMEOUTS_S
        .iter()
        .any(|&t| (span_ms - t * 1000).abs() <= 1000)
        .then_some(Found {
            rule: "close.idle-timeout",
            source: None,
            first: i,
            last: None,
            ts: e.ts,
        })
}

/// A token whose `exp` is before the connection started had expired.
fn jwt_found(
    conn: &Connection,
    evs: &[(usize, &Event)],
    exp: &dyn Fn(usize, &str) -> Option<DateTime<Utc>>,
) -> Option<Found<'static>> {
    let start = conn.start?;
    evs.iter().find_map(|&(i, e)| {
        let tok = e.cap("token")?;
        exp(i, tok).filter(|&x| x < start).map(|_| Found {
            rule: "auth.token-expired",
            source: None,
            first: i,
            last: None,
            ts: e.ts,
        })
    })
}

struct Eval<'a> {
    set: &'a PackSet,
    events: &'a [Event],
    corr: &'a Correlated,
    findings: Vec<Finding>,
    pending: Vec<bool>,
    /// Event → the connection it belongs to ([`NO_OWNER`] for none). One number per
    /// event: as a map of the linked events it was built by sorting them all, and that
    /// made the scan's peak (the 1 GiB corpus: 470 MB, 43 MB above the correlation's).
    owner: Vec<u32>,
    /// Each connection's last close code ([`last_code`]).
    close_codes: Vec<Option<u32>>,
    /// Per input, each connection's lines there ([`Eval::open_above`]), built the first
    /// time a line without a time asks.
    spans: std::cell::OnceCell<BTreeMap<u32, Vec<Span>>>,
}

/// Connection `ci`'s lines in one input, by record number: its first, its first that ends
/// it (a line that ends a connection, an HTTP error, a close code), its last; and whether
/// it ended anywhere (a close, the proxy's end, a close code).
#[derive(Clone, Copy)]
struct Span {
    ci: usize,
    first: usize,
    end: usize,
    last: usize,
    ended: bool,
}

/// No connection holds the event.
const NO_OWNER: u32 = u32::MAX;

/// For each of `events` events, the connection whose link names it (the last one, should
/// two), or [`NO_OWNER`].
fn owners(corr: &Correlated, events: usize) -> Vec<u32> {
    let mut owner = vec![NO_OWNER; events];
    for (ci, c) in corr.connections.iter().enumerate() {
        // Each connection holds an event, and four billion events would not fit in memory.
        let ci = u32::try_from(ci)
            .ok()
            .filter(|&c| c != NO_OWNER)
            .expect("fewer connections than u32::MAX");
        for l in &c.links {
            owner[l.event] = ci;
        }
    }
    owner
}

/// The connection that holds event `i`, from [`owners`].
fn owner_of(owner: &[u32], i: usize) -> Option<usize> {
    owner
        .get(i)
        .copied()
        .filter(|&ci| ci != NO_OWNER)
        .map(|ci| ci as usize)
}

impl Eval<'_> {
    /// Records a finding of `rule` naming `conns`, of which `named` were open when
    /// known ([`finding_named`]).
    fn push(
        &mut self,
        rule: &Rule,
        pack: &str,
        conns: Vec<usize>,
        named: Option<usize>,
        evidence: Vec<usize>,
        ts: Option<DateTime<Utc>>,
    ) {
        let e = evidence.first().map(|&i| &self.events[i]);
        let c = conns.first().map(|&i| &self.corr.connections[i]);
        self.findings
            .push(finding_named(rule, pack, conns, named, evidence, ts, e, c));
    }

    /// `count` rules over every event of their pack, across connections.
    fn count_rules(&mut self) {
        let set = self.set;
        // Taken out for the loop so findings can be pushed while it is read.
        let owner = std::mem::take(&mut self.owner);
        let mut storms: Vec<Finding> = Vec::new();
        for (pi, pack) in set.packs.iter().enumerate() {
            for rule in &pack.rules {
                let (Some(n), Some(w)) = (rule.when.count, rule.when.window) else {
                    continue;
                };
                let window = CDuration::from_std(w).unwrap_or(CDuration::zero());
                let owner = &owner;
                let mut groups: BTreeMap<Cow<str>, Vec<usize>> = BTreeMap::new();
                let reads_token = rule.reads_token();
                for (i, e) in self.events.iter().enumerate() {
                    // `alone` keeps a count of process lines to the servers' programs.
                    if usize::from(e.at.pack) != pi
                        || !rule.when.seen.contains(&usize::from(e.at.pattern))
                        || !passes_filters(rule, e)
                        || !alone_allows(rule, e)
                        || e.ts.is_none()
                    {
                        continue;
                    }
                    let conn = owner_of(owner, i).map(|ci| &self.corr.connections[ci]);
                    let token = conn
                        .filter(|_| reads_token)
                        .and_then(|c| connection_token(c, &|i| &self.events[i]));
                    let Some(key) = count_key_str(rule, e, conn, token) else {
                        continue;
                    };
                    groups.entry(key).or_default().push(i);
                }
                for (_, evs) in groups {
                    let mut lo = 0;
                    let mut hi = 0;
                    while hi < evs.len() {
                        let t = |i: usize| self.events[evs[i]].ts.unwrap();
                        while t(hi) - t(lo) > window {
                            lo += 1;
                        }
                        if hi - lo + 1 >= n as usize {
                            // Extend to every event of the burst (gaps under the window).
                            let mut end = hi;
                            while end + 1 < evs.len() && t(end + 1) - t(end) <= window {
                                end += 1;
                            }
                            let burst = &evs[lo..=end];
                            let mut conns: Vec<usize> =
                                burst.iter().filter_map(|&i| owner_of(owner, i)).collect();
                            conns.sort();
                            conns.dedup();
                            let mut ev = vec![burst[0], *burst.last().unwrap()];
                            // A burst of one line (a count of one) shows it once.
                            ev.dedup();
                            let ts = self.events[evs[hi]].ts;
                            let mut diag_rule = rule.clone();
                            diag_rule.diagnosis =
                                rule.diagnosis.replace("{count}", &burst.len().to_string());
                            let e = &self.events[ev[0]];
                            let c = conns.first().map(|&i| &self.corr.connections[i]);
                            storms.push(finding(&diag_rule, &pack.name, conns, ev, ts, Some(e), c));
                            lo = end + 1;
                            hi = end + 1;
                            continue;
                        }
                        hi += 1;
                    }
                }
            }
        }
        self.owner = owner;
        self.findings.extend(merge_bursts(storms));
    }

    /// The connections open at `e`, a line without a time, as far as its input tells:
    /// each has a line of `e`'s input above `e` and no end there (a line that ends a
    /// connection, an HTTP error answering the handshake, a close code). A connection
    /// whose end was written to another input, where line order says nothing of `e`,
    /// counts as open only when it never ended.
    fn open_above(&self, e: &Event) -> Vec<usize> {
        // (Spans, not each connection's links at each such line: a console of uvicorn
        // restarted 300 times under 120,000 sessions read their links 600 times.)
        let spans = self.spans.get_or_init(|| self.spans());
        let r = e.record;
        spans.get(&e.input).map_or_else(Vec::new, |s| {
            s.iter()
                .filter(|s| s.first < r && s.end >= r && (s.last > r || !s.ended))
                .map(|s| s.ci)
                .collect()
        })
    }

    /// Every connection's [`Span`] in each input it has lines in, in connection order.
    fn spans(&self) -> BTreeMap<u32, Vec<Span>> {
        let mut out: BTreeMap<u32, Vec<Span>> = BTreeMap::new();
        let mut mine: BTreeMap<u32, Span> = BTreeMap::new();
        for (ci, c) in self.corr.connections.iter().enumerate() {
            let ended = c.ended() || self.close_codes[ci].is_some();
            for l in &c.links {
                let x = &self.events[l.event];
                let ends = ends_session(self.set, x);
                let s = mine.entry(x.input).or_insert(Span {
                    ci,
                    first: x.record,
                    end: usize::MAX,
                    last: x.record,
                    ended,
                });
                s.first = s.first.min(x.record);
                s.last = s.last.max(x.record);
                if ends {
                    s.end = s.end.min(x.record);
                }
            }
            for (input, s) in std::mem::take(&mut mine) {
                out.entry(input).or_default().push(s);
            }
        }
        out
    }

    /// Rules on events outside any connection (process lifecycle): each names the
    /// connections that were open or starting around it.
    fn global_rules(&mut self) {
        let set = self.set;
        // Connections with an error of their own (the per-connection rules ran first).
        let mut failed: Vec<usize> = self
            .findings
            .iter()
            .filter(|f| f.connections.len() == 1 && f.severity == Severity::Error)
            .map(|f| f.connections[0])
            .collect();
        failed.sort_unstable();
        let mut episodes = Episodes::default();
        let began = process_starts(self.corr.connections.iter());
        let around = around(
            &self.corr.connections,
            self.corr.global.iter().filter_map(|&gi| {
                let e = &self.events[gi];
                e.ts.filter(|_| e.stage == crate::pattern::Stage::Process)
            }),
        );
        // Connections a stop line named, and when the last one was told: a start line
        // after it does not name them again.
        let mut stopped: BTreeSet<usize> = BTreeSet::new();
        let mut last_stop: Option<DateTime<Utc>> = None;
        let mut told_stops = ToldStops::default();
        for (k, &gi) in self.corr.global.iter().enumerate() {
            let e = &self.events[gi];
            let (host, pid) = self
                .corr
                .global_writers
                .get(k)
                .map_or((None, None), |(h, p)| (h.as_deref(), *p));
            let writer = pid.map(|pid| (host, pid));
            let episode = episodes.of(e);
            let pack = set.pack(e.at);
            for rule in &pack.rules {
                if rule.when.count.is_some() || !rule.when.missing.is_empty() {
                    continue;
                }
                if !rule.when.seen.contains(&usize::from(e.at.pattern)) || !passes_filters(rule, e)
                {
                    continue;
                }
                let stopper = stopped_process(e, host, pid);
                let conns: Vec<usize> = match e.ts {
                    // A key-less application line that no connection took (a Redis
                    // outage in a traceback) names none rather than every open one.
                    _ if e.stage != crate::pattern::Stage::Process => Vec::new(),
                    // Placed by line order: uvicorn's console writes no time. (A start
                    // line does not name again what a stop line named.)
                    None => {
                        let mut open = self.open_above(e);
                        if rule.when.restarted {
                            open.retain(|i| !stopped.contains(i));
                        }
                        open
                    }
                    // (Not `around`: the proxy may have seen these end minutes before.)
                    Some(t) if rule.when.restarted && stop_logged_before(last_stop, t) => {
                        Vec::new()
                    }
                    Some(t) if rule.when.restarted => (0..self.corr.connections.len())
                        .filter(|i| !stopped.contains(i))
                        .filter(|&i| {
                            let c = &self.corr.connections[i];
                            let code = || self.close_codes[i];
                            cut_by_restart(c, t, e.at.pack, host, code, &|j| &self.events[j])
                        })
                        .collect(),
                    Some(t) => around[&t]
                        .iter()
                        .copied()
                        .filter(|&i| {
                            let c = &self.corr.connections[i];
                            // Served when it happened, or an attempt that failed in the
                            // gap after it (the 502s).
                            let failed_in_gap = c
                                .start
                                .is_some_and(|s| s > t && s <= t + CDuration::seconds(GAP_S))
                                && failed.binary_search(&i).is_ok();
                            let code = self.close_codes[i];
                            (served_at_stop(c, t, e.own_time, episode, &began, code, stopper)
                                && !opened_below(c, e, self.events))
                                || failed_in_gap
                        })
                        .collect(),
                };
                let conns =
                    of_stopped_process(conns, e, writer, |i| self.corr.connections[i].process());
                if !told_of_line(
                    set,
                    rule,
                    e,
                    record_run(self.events, gi).iter(),
                    conns.len(),
                ) {
                    continue;
                }
                if rule.id == STOP_RULE {
                    stopped.extend(conns.iter().copied());
                    last_stop = last_stop.max(e.ts);
                    let next = self.findings.len();
                    if let Some(fi) = told_stops.again_or_note(e, (host, pid), &conns, next) {
                        self.findings[fi].evidence.push(gi);
                        continue;
                    }
                }
                let named = open_told(e, conns.len());
                self.push(rule, &pack.name, conns, named, vec![gi], e.ts);
            }
        }
    }
}

/// The stops told in the last [`GAP_S`] seconds. A stop line that tells one of them
/// again, naming no other connection, is that stop (scan adds it to the finding's
/// evidence, watch does not tell it again): one pack's lines in one input naming the
/// same process id (gunicorn's `WORKER TIMEOUT (pid:7)`, then its `Worker (pid:7) was
/// sent SIGKILL!` as it kills that worker), or the same line again at the same time from
/// the same writer (a log that two handlers write, each line twice). A pid is not reused
/// within seconds; one journal may hold several hosts, and two workers of one server
/// each write their `Shutting down` (unknown writers are alike).
#[derive(Default)]
pub struct ToldStops {
    told: Vec<ToldStop>,
}

/// A stop told: its line, its writer's host and pid, the connections it named, and the
/// caller's number for its finding.
struct ToldStop {
    line: Event,
    host: Option<String>,
    pid: Option<u32>,
    named: Vec<usize>,
    finding: usize,
}

/// A line's writer, where known: its host and its process id.
pub type Writer<'a> = (Option<&'a str>, Option<u32>);

impl ToldStops {
    /// For stop line `e`, written by `writer` and naming connections `named`: the
    /// `finding` given with the stop it tells again, else `None`, and it is noted as a
    /// stop told in finding `finding`.
    pub fn again_or_note(
        &mut self,
        e: &Event,
        (host, pid): Writer,
        named: &[usize],
        finding: usize,
    ) -> Option<usize> {
        let recent = |t: &ToldStop| match (t.line.ts, e.ts) {
            (Some(a), Some(b)) => b >= a && b - a <= CDuration::seconds(GAP_S),
            _ => false,
        };
        self.told.retain(recent);
        let again = self.told.iter().find(|t| {
            let by_pid = t.line.cap("pid").is_some_and(|p| e.cap("pid") == Some(p));
            let same_writer = t.pid.zip(pid).is_none_or(|(a, b)| a == b);
            let repeated = t.line.at == e.at
                && t.line.ts == e.ts
                && t.line.captures == e.captures
                && same_writer;
            t.line.at.pack == e.at.pack
                && t.line.input == e.input
                && t.host.as_deref() == host
                && (by_pid || repeated)
                && named.iter().all(|c| t.named.contains(c))
        });
        if let Some(t) = again {
            return Some(t.finding);
        }
        self.told.push(ToldStop {
            line: e.clone(),
            host: host.map(str::to_string),
            pid,
            named: named.to_vec(),
            finding,
        });
        None
    }
}

/// Connection `c`'s first line was written below stop line `e` in the same input, so it
/// began after that stop, whatever time it borrowed: uvicorn's `[accepted]` of a session
/// served by the restarted worker, with no time of its own, under `Child process [N]
/// died`. (`watch` never sees such a connection at the stop: it is not open yet.) A
/// proxy's line that says how long its request lasted is written at its end: Heroku's
/// router writes the 101 of a session a stop cut just below the stop.
fn opened_below(c: &Connection, e: &Event, events: &[Event]) -> bool {
    c.links
        .first()
        .map(|l| &events[l.event])
        .is_some_and(|f| f.input == e.input && f.record > e.record && !f.says_span())
}

/// The events of event `i`'s record: a record's events are adjacent in `events`.
fn record_run(events: &[Event], i: usize) -> &[Event] {
    let record = events[i].record;
    let start = events[..i]
        .iter()
        .rposition(|o| o.record != record)
        .map_or(0, |p| p + 1);
    let end = events[i..]
        .iter()
        .position(|o| o.record != record)
        .map_or(events.len(), |p| i + p);
    &events[start..end]
}

/// Whether `rule`, fired by line `e` that joined no connection and naming `named`
/// connections, is told (scan and watch ask the same):
/// - its `unless` is judged on the line itself, among `record` (the events of `e`'s own
///   record): a Redis timeout raised while a closed consumer's read was cancelled
///   (`layer.receive-cancelled`) is not Redis down;
/// - one that names no connection is told only of a program known to serve WebSockets
///   ([`crate::pattern::When::alone`]): supervisord and systemd run many programs beside
///   the server, and a sync script or a wallet daemon exiting while no session was open
///   is not a WebSocket finding. A line without a time (uvicorn's default layout) names
///   the sessions its input shows open above it, as scan's `open_above` and watch's
///   stream find them: a development run stopped with Ctrl-C, none open, is no finding;
/// - a server's start line ([`crate::pattern::When::restarted`]) is told only when it
///   names a session its previous run left unclosed;
/// - a rule of [`SAID_BETTER_BY_THEIR_LINE`] is not told where another of the line's
///   events names its cause.
pub fn told_of_line<'e>(
    set: &PackSet,
    rule: &crate::pattern::Rule,
    e: &Event,
    record: impl Iterator<Item = &'e Event> + Clone,
    named: usize,
) -> bool {
    let vetoed = !rule.when.unless.is_empty()
        && record.clone().any(|o| {
            o.at.pack == e.at.pack && rule.when.unless.contains(&usize::from(o.at.pattern))
        })
        || SAID_BETTER_BY_THEIR_LINE.contains(&rule.id)
            && record
                .into_iter()
                .any(|o| o.at != e.at && names_a_cause(set, o));
    let alone = named > 0 || alone_allows(rule, e);
    let start_alone = rule.when.restarted && named == 0;
    !vetoed && alone && !start_alone
}

/// Event `o` fires a rule, other than those of [`SAID_BETTER_BY_THEIR_LINE`] and the
/// generic ones, that needs no other line (as a line that joined no connection fires).
fn names_a_cause(set: &PackSet, o: &Event) -> bool {
    set.pack(o.at).rules.iter().any(|r| {
        r.when.count.is_none()
            && r.when.missing.is_empty()
            && r.when.seen.contains(&usize::from(o.at.pattern))
            && !SAID_BETTER_BY_THEIR_LINE.contains(&r.id)
            && !is_generic(r.id)
            && passes_filters(r, o)
    })
}

/// Line `e`'s `process` is one `rule`'s `alone` accepts, or the rule has none
/// ([`crate::pattern::When::alone`]).
fn alone_allows(rule: &crate::pattern::Rule, e: &Event) -> bool {
    rule.when
        .alone
        .as_ref()
        .is_none_or(|re| e.cap("process").is_some_and(|p| re.is_match(p)))
}

/// `conns` less those another process served, when the line names the process that
/// stopped (`Worker (pid:125) was sent SIGKILL!`, `Finished server process [666]`) and
/// some of `conns` are known to be that process's (`process_of`, as
/// [`Connection::process`]): gunicorn's master replacing one worker leaves its siblings'
/// sessions up. Connections whose process is unknown stay (an nginx line alone says
/// nothing of which worker served it); and when none is known to be the named process's
/// (a journal that stamps every worker's lines with the master's pid), all stay.
pub fn of_stopped_process<'c>(
    mut conns: Vec<usize>,
    e: &Event,
    writer: Option<(Option<&str>, u32)>,
    process_of: impl Fn(usize) -> Option<(Option<&'c str>, u32)>,
) -> Vec<usize> {
    let Some(pid) = named_pid(e) else {
        return conns;
    };
    let host = writer.and_then(|(h, _)| h);
    let served_by = |i: usize| {
        process_of(i).map(|(h, p)| p == pid && (host.is_none() || h.is_none() || h == host))
    };
    if conns.iter().any(|&i| served_by(i) == Some(true)) {
        conns.retain(|&i| served_by(i) != Some(false));
    }
    conns
}

/// The process stop line `e` says stopped: the one whose pid it names (gunicorn's
/// `Worker (pid:553823) was sent SIGBUS!`, written by the master about a worker, whose
/// own pid a JSON record may not carry), on the writer's host, else the writer (`host`,
/// `pid`). Sessions of that process were its, however late in its life they began (see
/// [`served_at_stop`]).
pub fn stopped_process<'h>(
    e: &Event,
    host: Option<&'h str>,
    pid: Option<u32>,
) -> Option<(Option<&'h str>, u32)> {
    named_pid(e).or(pid).map(|pid| (host, pid))
}

/// The process id a stop line names (`pid`), which may not be its writer's.
fn named_pid(e: &Event) -> Option<u32> {
    e.cap("pid").and_then(|p| p.parse::<u32>().ok())
}

/// How long after a stop a failed attempt is counted as one of its gap (the 502s while
/// the server restarts).
const GAP_S: i64 = 10;

/// For each time in `times`, the connections a stop then may concern, in index order: a
/// superset of those [`served_at_stop`] takes (started by then and not closed more than
/// `STOP_SPAN_S + 1` seconds before; kept a second longer here) and of those starting in
/// the [`GAP_S`] after. One
/// sweep over the connections in start order, keeping those still open, instead of
/// testing every connection at every stop: a long log has both many of each.
fn around(
    conns: &[Connection],
    times: impl Iterator<Item = DateTime<Utc>>,
) -> BTreeMap<DateTime<Utc>, Vec<usize>> {
    let mut times: Vec<DateTime<Utc>> = times.collect();
    times.sort_unstable();
    times.dedup();
    let mut by_start: Vec<(DateTime<Utc>, usize)> = conns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.start.map(|s| (s, i)))
        .collect();
    by_start.sort_unstable();
    // Kept while it may still be served: a connection with no close is, to the end.
    let until = |c: &Connection| match (c.ended(), c.end) {
        (true, Some(end)) => end,
        _ => DateTime::<Utc>::MAX_UTC,
    };
    let margin = CDuration::seconds(STOP_SPAN_S + 2);
    let mut open: BTreeSet<(DateTime<Utc>, usize)> = BTreeSet::new();
    let mut next = 0;
    let mut out = BTreeMap::new();
    for t in times {
        while next < by_start.len() && by_start[next].0 <= t {
            let i = by_start[next].1;
            open.insert((until(&conns[i]), i));
            next += 1;
        }
        if let Some(gone) = t.checked_sub_signed(margin) {
            while open.first().is_some_and(|&(u, _)| u < gone) {
                open.pop_first();
            }
        }
        let gap_end = t
            .checked_add_signed(CDuration::seconds(GAP_S))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut here: Vec<usize> = open.iter().map(|&(_, i)| i).collect();
        here.extend(
            by_start[next..]
                .iter()
                .take_while(|&&(s, _)| s <= gap_end)
                .map(|&(_, i)| i),
        );
        here.sort_unstable();
        out.insert(t, here);
    }
    out
}

/// Lines of a process manager or server this close to each other in one input belong to
/// one stop or restart (`Stopping daphne...`, then Daphne's `Killed 3 pending
/// application instances`, then `Started`).
const EPISODE_GAP_S: i64 = 10;

/// How long before its last line a stop may have begun closing sockets: supervisord's
/// `waiting for daphne to stop` comes under a second before `stopped:`.
const STOP_SPAN_S: i64 = 2;

/// Where each input's current stop or restart began, fed the process lines in order.
#[derive(Clone, Debug, Default)]
pub struct Episodes {
    /// Per input: the time of its last process line, and the first line of that line's
    /// episode.
    last: Vec<Option<(DateTime<Utc>, Episode)>>,
}

/// The first line of a stop or restart: (input, record, time).
pub type Episode = (u32, usize, DateTime<Utc>);

impl Episodes {
    /// The episode of line `e` when it is a process line with a time, noted: a line
    /// without a time of its own is an episode of its own, not part of the one of the
    /// lines above it, whose time it borrows (journalctl's `-- Reboot --` under a start).
    pub fn of(&mut self, e: &Event) -> Option<Episode> {
        let t = e.ts.filter(|_| e.stage == crate::pattern::Stage::Process)?;
        Some(match e.own_time {
            true => self.note(e.input, e.record, t),
            false => (e.input, e.record, t),
        })
    }

    /// Notes a process line of `input` (record `record`, time `t`); returns the first line
    /// of the episode it belongs to.
    fn note(&mut self, input: u32, record: usize, t: DateTime<Utc>) -> Episode {
        let i = input as usize;
        if self.last.len() <= i {
            self.last.resize(i + 1, None);
        }
        let first = match self.last[i] {
            Some((prev, first)) if t - prev <= CDuration::seconds(EPISODE_GAP_S) => first,
            _ => (input, record, t),
        };
        self.last[i] = Some((t, first));
        first
    }
}

/// When each server process began serving: the earliest start among `conns`, by
/// (host, pid).
pub fn process_starts<'a>(
    conns: impl Iterator<Item = &'a Connection>,
) -> BTreeMap<(Option<&'a str>, u32), DateTime<Utc>> {
    let mut began: BTreeMap<(Option<&str>, u32), DateTime<Utc>> = BTreeMap::new();
    for c in conns {
        if let (Some(p), Some(s)) = (c.process(), c.start) {
            let slot = began.entry(p).or_insert(s);
            *slot = (*slot).min(s);
        }
    }
    began
}

/// Connection `c` was being served when a process line at `t` said its server stopped:
/// started by then and open, or closed since the second before the stop's first line
/// (the server closes its sockets while it stops, and the logs of a dying server race). Whole-second times leave three cases that other facts settle: a session
/// the application saw close normally (its `last_code` 1000, the client's own close) by
/// then was not dropped; a close written, in the same input, before the first line of
/// that stop (`episode`) came before it; and a connection of a process that began
/// serving (`began`, see [`process_starts`]) within the stop's second or later is the
/// restarted server's, unless the stop line says that process stopped (`writer`, see
/// [`stopped_process`]: Daphne's own `Killed N pending application instances`, or
/// gunicorn's line naming its worker's pid). A
/// stop line without a time of its own (`own_time` false: journalctl's `-- Reboot --`)
/// has `t` from the line above it, which says only that the stop came after: a process
/// that began serving in that second is not taken for the restarted one.
pub fn served_at_stop(
    c: &Connection,
    t: DateTime<Utc>,
    own_time: bool,
    episode: Option<Episode>,
    began: &BTreeMap<(Option<&str>, u32), DateTime<Utc>>,
    last_code: Option<u32>,
    writer: Option<(Option<&str>, u32)>,
) -> bool {
    // The server closes its sockets while it stops (`waiting for daphne to stop` ...
    // `stopped:`): a session closed since the stop's first line was cut by it. An episode
    // may also hold the previous restart's `Started` a few seconds before: only its
    // lines of the last two seconds count as this stop's.
    let from = episode.map_or(t, |(_, _, since)| {
        since.max(t - CDuration::seconds(STOP_SPAN_S)).min(t)
    });
    // (A session the proxy saw end before the stop was over, whatever its server said.)
    // A server that is stopping accepts no connection (Daphne and uvicorn close their
    // listening socket first): one that began after the stop's first line is the
    // restarted server's, though its whole-second start falls in the stop's second,
    // unless its own process wrote the stop line (see `stopped_itself`).
    let stopped_itself = writer.is_some() && c.process() == writer;
    let began_while_stopping =
        !stopped_itself && episode.is_some() && c.start.is_some_and(|s| s > from);
    let open = c.start.is_some_and(|s| s <= t)
        && !began_while_stopping
        && (!c.ended() || c.end.is_none_or(|end| end >= from - CDuration::seconds(1)))
        && c.proxy_end
            .is_none_or(|end| end >= from - CDuration::seconds(1));
    let closed_normally = c.ended() && c.end.is_some_and(|end| end <= t) && last_code == Some(1000);
    // The application logged its close (`Disconnected with code N`, its disconnect
    // handler ran) over a second before the stop began: ended, whether or not the
    // server's own close line was paired with it.
    let app_closed_before =
        last_code.is_some() && c.end.is_some_and(|end| end < from - CDuration::seconds(1));
    let closed_before = c
        .closed_line
        .zip(episode)
        .is_some_and(|((ci, cr), (i, r, _))| ci == i && cr < r);
    let second = DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    // A server that crashes and is restarted within a second (a crash loop) stops in the
    // second it began serving: its own stop line says its connections were its.
    let new_process = !stopped_itself
        && own_time
        && c.process()
            .and_then(|p| began.get(&p))
            .is_some_and(|&b| b >= second);
    open && !closed_normally && !app_closed_before && !closed_before && !new_process
}

/// How long before a server's start line the proxy may have seen the end of a session
/// that the dead server never closed: a pod in CrashLoopBackOff waits up to five
/// minutes before its next start.
const RESTART_GAP_S: i64 = 300;

/// A stop was told within [`RESTART_GAP_S`] before a start line at `t`: the restart was
/// logged, and the sessions it cut are that stop's to name. A start line then names none:
/// where closes are key-less (uvicorn's `connection closed`, under several gunicorn
/// workers), sessions whose close went to another read as never closed.
pub fn stop_logged_before(last_stop: Option<DateTime<Utc>>, t: DateTime<Utc>) -> bool {
    // (Within its second too: a start line in whole seconds sorts after the process
    // manager's precise `stopped:` of that second.)
    last_stop.is_some_and(|s| {
        s < t + CDuration::seconds(1) && t - s <= CDuration::seconds(RESTART_GAP_S)
    })
}

/// Connection `c` was cut when its server died without a stop line, as a start line of
/// pack `pack` at `t`, written on `host`, says (a rule with
/// [`crate::pattern::When::restarted`]): it started before `t` and was served by that
/// server (a line of `pack`, on that host when both name one: another pod's replica
/// keeps its sessions), which neither closed it nor logged it again from `t` on; the
/// application logged no close of it (`last_code`, asked last: it walks the lines); and
/// the proxy, if it saw the end, saw it within [`RESTART_GAP_S`] before (a server that
/// dies drops its sockets at once; the new one starts when it is restarted).
pub fn cut_by_restart<'e>(
    c: &Connection,
    t: DateTime<Utc>,
    pack: u16,
    host: Option<&str>,
    last_code: impl FnOnce() -> Option<u32>,
    event: &dyn Fn(usize) -> &'e Event,
) -> bool {
    let proxy_saw_it_die = |end: DateTime<Utc>| {
        end >= t - CDuration::seconds(RESTART_GAP_S) && end <= t + CDuration::seconds(GAP_S)
    };
    // The cheap tests first: a start line asks them of every connection.
    if c.closed
        || host.zip(c.host()).is_some_and(|(a, b)| a != b)
        || c.start.is_none_or(|s| s >= t)
        || c.proxy_end.is_some_and(|end| !proxy_saw_it_die(end))
        || last_code().is_some()
    {
        return false;
    }
    let mut served = false;
    for l in &c.links {
        let e = event(l.event);
        if e.at.pack != pack {
            continue;
        }
        if e.ts.is_none_or(|et| et >= t) {
            return false;
        }
        served = true;
    }
    served
}

/// The close code connection `c`'s last line with one gave.
pub fn last_code<'e>(c: &Connection, event: &dyn Fn(usize) -> &'e Event) -> Option<u32> {
    c.links
        .iter()
        .rev()
        .find_map(|l| num(event(l.event), "code"))
}

/// Evaluates every rule. `now` is the time of the last record read (deadlines that end
/// after it are still pending).
pub fn evaluate(
    set: &PackSet,
    events: &[Event],
    corr: &Correlated,
    now: Option<DateTime<Utc>>,
) -> Analysis {
    evaluate_by_input(set, events, corr, now, &[])
}

/// [`evaluate`], each connection's deadlines judged by how far the inputs holding its
/// lines go (`latest`, by input: the latest time of any of its lines), not the others:
/// a handshake that is the last line of an excerpt of Daphne's log did not time out
/// because nginx's log, named beside it, goes on for ten minutes more. An input that
/// stopped is no evidence that its server stopped answering. Without `latest` (or for a
/// connection none of whose inputs has a time), `now`.
pub fn evaluate_by_input(
    set: &PackSet,
    events: &[Event],
    corr: &Correlated,
    now: Option<DateTime<Utc>>,
    latest: &[Option<DateTime<Utc>>],
) -> Analysis {
    let now_of = |c: &Connection| {
        c.links
            .iter()
            .filter_map(|l| {
                latest
                    .get(events[l.event].input as usize)
                    .copied()
                    .flatten()
            })
            .max()
            .or(now)
    };
    let n = corr.connections.len();
    let mut ev = Eval {
        set,
        events,
        corr,
        findings: Vec::new(),
        pending: vec![false; n],
        owner: owners(corr, events.len()),
        close_codes: corr
            .connections
            .iter()
            .map(|c| last_code(c, &|i| &events[i]))
            .collect(),
        spans: std::cell::OnceCell::new(),
    };
    // Each connection alone, on every core; collected in connection order.
    let per: Vec<ConnectionFindings> = {
        use rayon::prelude::*;
        (0..n)
            .into_par_iter()
            .with_min_len(256)
            .map(|ci| {
                let c = &corr.connections[ci];
                connection_findings(set, ci, c, &|i| &events[i], now_of(c))
            })
            .collect()
    };
    for (ci, r) in per.into_iter().enumerate() {
        ev.findings.extend(r.findings);
        ev.pending[ci] = r.pending.is_some();
    }
    ev.count_rules();
    ev.global_rules();
    let mut findings = subsume(dedup(ev.findings));
    findings.sort_by(|a, b| (a.ts, a.rule, &a.connections).cmp(&(b.ts, b.rule, &b.connections)));

    let mut by_connection: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (fi, f) in findings.iter().enumerate() {
        for &ci in &f.connections {
            by_connection[ci].push(fi);
        }
    }
    let verdicts = (0..n)
        .map(|ci| {
            // Every finding that names the connection counts (a restart that dropped it
            // degrades it), except a storm: behind NAT or a proxy one address is many
            // users, so each attempt is judged by its own lines.
            let worst = by_connection[ci]
                .iter()
                .map(|&fi| &findings[fi])
                .filter(|f| f.connections.len() == 1 || f.rule != "client.reconnect-storm")
                .map(|f| f.severity)
                .max();
            match worst {
                Some(Severity::Error) => Verdict::Broken,
                Some(Severity::Warning) => Verdict::Degraded,
                // The application's close code (`Disconnected with code 1000`) ends it
                // too, when the server's close line was not paired with it.
                _ if ev.pending[ci]
                    || !corr.connections[ci].ended() && ev.close_codes[ci].is_none() =>
                {
                    Verdict::Open
                }
                _ => Verdict::Healthy,
            }
        })
        .collect();
    Analysis {
        findings,
        verdicts,
        close_codes: ev.close_codes,
        by_connection,
    }
}

/// The rules that name why a handshake failed or a session closed.
const NAMED_CAUSES: &[&str] = &[
    "auth.token-missing",
    "auth.token-expired",
    "auth.token-invalid",
    "auth.rejected",
    "authz.denied",
    "resource.not-found",
    "handshake.not-routed",
    "handshake.server-error",
    "channel-layer.down",
    "db.error",
    "consumer.exception",
];

/// Catalog rules that exist for the case where nothing more specific was logged, and the
/// rules that name that more specific cause. `handshake.rejected` is "refused before any
/// application code logged a reason": once a pack found the reason, it is that reason.
const SUBSUMED_BY: &[(&str, &[&str])] = &[
    ("handshake.rejected", NAMED_CAUSES),
    (
        "auth.rejected",
        &[
            "auth.token-missing",
            "auth.token-expired",
            "auth.token-invalid",
        ],
    ),
    // "Accepted, then closed within a second, no error logged": once an error names why
    // it closed (a consumer that accepted and then closed with 4001 for a bad token), the
    // brief session is that error.
    ("close.immediate", NAMED_CAUSES),
    // A connection that was never accepted has no close frame to lose: the browser's
    // 1006 is the rejection. A proxy that cut an idle session closed it without one.
    (
        "close.abnormal",
        &[
            "close.idle-timeout",
            "handshake.rejected",
            "close.rejected-before-accept",
            "auth.token-missing",
            "auth.token-expired",
            "auth.token-invalid",
            "auth.rejected",
            "authz.denied",
            "handshake.not-routed",
            "handshake.server-error",
        ],
    ),
];

/// The rule of a server's stop, and the generic rules it explains on a session it cut:
/// one that closed at once, or without a close frame, was cut by the stop.
pub const STOP_RULE: &str = "server.restart";
const STOP_EXPLAINS: &[&str] = &["close.immediate", "close.abnormal"];

/// True for a rule that stands only until a more specific cause is found.
pub fn is_generic(rule: &str) -> bool {
    SUBSUMED_BY.iter().any(|(r, _)| *r == rule)
}

/// True when a finding of `specific` on a connection makes its `generic` one redundant.
pub fn subsumes(specific: &str, generic: &str) -> bool {
    (specific == STOP_RULE && STOP_EXPLAINS.contains(&generic))
        || SUBSUMED_BY
            .iter()
            .any(|(r, by)| *r == generic && by.contains(&specific))
}

/// Drops a connection's generic finding when a more specific one names the cause
/// (judged on the findings before any is dropped). A server's stop names every session
/// it cut at once: it counts for each of them.
fn subsume(fs: Vec<Finding>) -> Vec<Finding> {
    let single = |f: &Finding| (f.connections.len() == 1).then(|| f.connections[0]);
    let mut named: BTreeMap<usize, Vec<&'static str>> = BTreeMap::new();
    // The sessions a stop of several names: a session's own word of that stop (its close
    // code 1012, "service restart") tells it again.
    let mut cut_together = std::collections::BTreeSet::new();
    for f in &fs {
        if f.rule == STOP_RULE {
            for &c in &f.connections {
                named.entry(c).or_default().push(f.rule);
            }
            if f.connections.len() > 1 {
                cut_together.extend(f.connections.iter().copied());
            }
        } else if let Some(c) = single(f) {
            named.entry(c).or_default().push(f.rule);
        }
    }
    fs.into_iter()
        .filter(|f| {
            let Some(c) = single(f) else { return true };
            let told_by_its_stop = f.rule == STOP_RULE && cut_together.contains(&c);
            !told_by_its_stop && !named[&c].iter().any(|r| subsumes(r, f.rule))
        })
        .collect()
}

/// One finding per (rule, single connection): several packs may name the same break.
fn dedup(mut fs: Vec<Finding>) -> Vec<Finding> {
    fs.sort_by(|a, b| (a.rule, &a.connections, a.ts).cmp(&(b.rule, &b.connections, b.ts)));
    let mut out: Vec<Finding> = Vec::with_capacity(fs.len());
    for f in fs {
        if let Some(last) = out.last_mut() {
            if last.rule == f.rule && last.connections == f.connections && f.connections.len() == 1
            {
                for e in f.evidence {
                    if !last.evidence.contains(&e) {
                        last.evidence.push(e);
                    }
                }
                last.evidence.sort();
                continue;
            }
        }
        out.push(f);
    }
    out
}

/// One storm, one finding: several packs count the same attempts (the server's handshake
/// lines, the application's attempt lines, the proxy's failing requests), so bursts of
/// one rule that share a connection are one burst. The finding that covers the most
/// connections (the first found on a tie) keeps its wording; the others add their
/// connections and evidence to it.
fn merge_bursts(fs: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(fs.len());
    for f in fs {
        let shared = out.iter().position(|g| {
            g.rule == f.rule && g.connections.iter().any(|c| f.connections.contains(c))
        });
        let Some(i) = shared else {
            out.push(f);
            continue;
        };
        let g = &mut out[i];
        let (mut conns, mut ev) = (f.connections.clone(), f.evidence.clone());
        conns.extend(g.connections.iter().copied());
        ev.extend(g.evidence.iter().copied());
        conns.sort_unstable();
        conns.dedup();
        ev.sort_unstable();
        ev.dedup();
        if f.connections.len() > g.connections.len() {
            *g = f;
        }
        g.connections = conns;
        g.evidence = match (ev.first(), ev.last()) {
            (Some(&a), Some(&b)) if a != b => vec![a, b],
            (Some(&a), _) => vec![a],
            _ => Vec::new(),
        };
    }
    out
}

/// `3h 2m`, `45s`, `2d 4h`.
pub fn human(d: CDuration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests;
