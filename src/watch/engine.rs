//! The incremental analysis behind `watch`: records in, findings out the moment they are
//! certain, memory held only for connections that may still change.
//!
//! ```text
//! record ─► PackSet::matches ─► Builder::push (same correlation as `scan`)
//!                                  │ connection            │ none (process line, outage)
//!                                  ▼                       ▼
//!           connection_findings (same rules as `scan`)   process rules → finding naming
//!             │ new finding → out                        the connections open then
//!             │ generic (handshake.rejected, ...) → held a moment for a named cause
//!             │ waiting for a step → woken when its deadline passes
//!             ▼
//!           settled (closed, nothing more can join) or evicted → forgotten
//! count rules: a sliding window per (rule, key) → one finding per burst
//! ```
//!
//! Time is event time: `now` is the latest record time seen, less a lateness allowance
//! for sources that arrive out of order. The caller may move it on by the wall clock
//! when the stream goes quiet.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Duration as CDuration, Utc};

use crate::catalog::Severity;
use crate::correlate::{self, Builder, Chunked, Connection, Origin, Short, State, Store};
use crate::pattern::{Event, PackSet, Stage};
use crate::record::Record;
use crate::sequence::{self, Finding, Found};

/// How long (log time) a finding that a later line could withdraw waits for that line.
const HOLD_MS: i64 = 2_000;
/// Wakes handled per record fed; the rest wait for the next record or a pause.
const WAKES_PER_RECORD: usize = 16;
/// Most connections a finding that spans many lists by name.
const MAX_LISTED: usize = 50;

/// Bounds and allowances.
#[derive(Clone, Debug)]
pub struct Options {
    /// Open connections kept; the least recently active one is evicted beyond this.
    pub max_open: usize,
    /// Events kept per connection; older repeating ones are dropped beyond this.
    pub max_events: usize,
    /// How far behind the latest time a source may be before its deadlines fire.
    pub lateness: CDuration,
    /// Records before this instant are skipped.
    pub since: Option<DateTime<Utc>>,
    /// Records after this instant are skipped.
    pub until: Option<DateTime<Utc>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_open: 100_000,
            max_events: 256,
            lateness: CDuration::seconds(1),
            since: None,
            until: None,
        }
    }
}

/// A connection as a finding names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnRef {
    /// `c1`, `c2`, ... in the order they were first seen.
    pub id: String,
    /// Request path.
    pub path: Option<String>,
    /// Client `ip:port`, else the address.
    pub client: Option<String>,
    /// User name or id.
    pub user: Option<String>,
}

/// A line that proves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceLine {
    /// The input's name.
    pub input: String,
    /// Its first physical line.
    pub line: u64,
    /// Its time.
    pub ts: Option<DateTime<Utc>>,
    /// The message (not yet redacted: the writer redacts).
    pub text: String,
}

/// A finding with everything needed to print it, owned: the connection it names may be
/// forgotten before the finding is written.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveFinding {
    /// Catalog rule id.
    pub rule: &'static str,
    /// How bad.
    pub severity: Severity,
    /// The pack whose rule fired.
    pub pack: String,
    /// When it became certain.
    pub ts: Option<DateTime<Utc>>,
    /// One line for a person.
    pub diagnosis: String,
    /// What to do about it.
    pub hint: String,
    /// The connections it names (at most [`MAX_LISTED`]).
    pub connections: Vec<ConnRef>,
    /// How many connections it names in all.
    pub connection_count: usize,
    /// The lines that prove it.
    pub evidence: Vec<EvidenceLine>,
}

/// What the engine counted, for the summary.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Records read.
    pub records: u64,
    /// Records some pattern matched.
    pub matched: u64,
    /// Records skipped by `--since` / `--until`.
    pub filtered: u64,
    /// Records whose time was more than the lateness allowance behind the latest.
    pub late: u64,
    /// Connections seen.
    pub connections: u64,
    /// Connections evicted by `max_open` before they ended.
    pub evicted: u64,
    /// Events dropped from connections over `max_events`.
    pub events_dropped: u64,
    /// Findings by rule.
    pub findings: BTreeMap<&'static str, u64>,
}

/// Hashes the engine's own sequence numbers: they are unique and spread already, so a
/// multiply is enough (SipHash costs more than the rest of a lookup).
#[derive(Default)]
struct SeqHasher(u64);

impl std::hash::Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type SeqMap<V> = HashMap<usize, V, std::hash::BuildHasherDefault<SeqHasher>>;

/// Bits of an event's number that say which of its record's matches it is; the rest is
/// the record's number. Numbered so, an event is found through its record: no map of
/// its own (at 100k open connections a table entry per event costs more than 8 MB).
const MATCH_BITS: u32 = 16;
const MATCH_MASK: usize = (1 << MATCH_BITS) - 1;

/// Events and the records they matched, while their connection lives.
#[derive(Default)]
struct LiveStore {
    // Boxed: the table holds pointers only, so growing it (both tables are alive while
    // it rehashes) costs little at 100k open connections.
    records: SeqMap<Box<Held>>,
    /// Events held.
    live_events: usize,
    /// Host names, one copy each (see [`crate::record::intern`]).
    hosts: BTreeSet<Arc<str>>,
    /// The `exp` of the token each held event carries, once decoded: a connection is
    /// judged again at each of its lines, and decoding its token every time cost more
    /// than the rest of the judging. Only events with a token have an entry.
    exps: RefCell<SeqMap<Option<DateTime<Utc>>>>,
}

/// A matched record as the engine keeps it: what correlation asks (input, process,
/// precision) and what evidence shows (line, time, text); nothing else.
struct Held {
    input: u32,
    line: u64,
    ts: Option<DateTime<Utc>>,
    /// [`Origin::coarse`] and [`Origin::logger`] (bits 0 and 1): two `bool`s would take
    /// the struct past 80 bytes.
    flags: u8,
    host: Option<Arc<str>>,
    // Not an `Option<u32>`: its tag would take the struct past 80 bytes, the next
    // allocation size up being 96.
    pid: u32,
    has_pid: bool,
    /// Its lines after the first (saturating: beside the two flags, it keeps the struct
    /// at 80 bytes).
    span: u16,
    message: Box<str>,
    /// Its events, by their place among its matches; `None` once let go.
    events: Box<[Option<Event>]>,
}

impl Held {
    fn of(r: Record, hosts: &mut BTreeSet<Arc<str>>, events: Box<[Option<Event>]>) -> Held {
        let pid = r.writer_pid();
        Held {
            input: r.input,
            line: r.line,
            ts: r.ts.map(|t| t.utc),
            flags: u8::from(r.coarse_time()) | u8::from(r.names_logger()) << 1,
            host: r.host.map(|h| crate::record::intern(hosts, &h)),
            pid: pid.unwrap_or(0),
            has_pid: pid.is_some(),
            span: u16::try_from(r.end_line.saturating_sub(r.line)).unwrap_or(u16::MAX),
            message: r.message.into_boxed_str(),
            events,
        }
    }
}

impl LiveStore {
    /// Lets event `i` go, and its record with its last event. Says whether it was held.
    fn remove_event(&mut self, i: usize) -> bool {
        let ri = i >> MATCH_BITS;
        let Some(r) = self.records.get_mut(&ri) else {
            return false;
        };
        let Some(e) = r.events.get_mut(i & MATCH_MASK).and_then(Option::take) else {
            return false;
        };
        drop(e);
        forget_exp(&mut self.exps, i);
        self.live_events -= 1;
        if r.events.iter().all(Option::is_none) {
            self.records.remove(&ri);
        }
        true
    }

    /// Lets record `ri` go with the events it still holds.
    fn remove_record(&mut self, ri: usize) {
        if let Some(r) = self.records.remove(&ri) {
            for (j, _) in r.events.iter().enumerate().filter(|(_, e)| e.is_some()) {
                forget_exp(&mut self.exps, ri << MATCH_BITS | j);
                self.live_events -= 1;
            }
        }
    }

    /// The `exp` of the token held event `i` carries ([`sequence::token_exp`]), decoded
    /// once per event.
    fn token_exp(&self, i: usize, token: &str) -> Option<DateTime<Utc>> {
        *self
            .exps
            .borrow_mut()
            .entry(i)
            .or_insert_with(|| sequence::token_exp(token))
    }
}

/// Forgets the decoded `exp` of event `i`, let go.
fn forget_exp(exps: &mut RefCell<SeqMap<Option<DateTime<Utc>>>>, i: usize) {
    let exps = exps.get_mut();
    if !exps.is_empty() {
        exps.remove(&i);
    }
}

impl Store for LiveStore {
    fn event(&self, i: usize) -> &Event {
        self.peek(i).expect("a held event")
    }
    fn peek(&self, i: usize) -> Option<&Event> {
        self.records
            .get(&(i >> MATCH_BITS))?
            .events
            .get(i & MATCH_MASK)?
            .as_ref()
    }
    fn origin(&self, i: usize) -> Origin<'_> {
        let r = &self.records[&i];
        Origin {
            input: r.input,
            host: r.host.as_deref(),
            pid: r.has_pid.then_some(r.pid),
            coarse: r.flags & 1 != 0,
            logger: r.flags & 2 != 0,
            lines: (r.line, r.line + u64::from(r.span)),
        }
    }
}

/// Per connection slot: what was already said and when to look again.
#[derive(Default)]
struct Slot {
    emitted: Short<&'static str>,
    /// A server's stop named it ([`sequence::STOP_RULE`]): a generic close it explains
    /// is not told.
    stopped: bool,
    wake: Option<DateTime<Utc>>,
    active: u64,
}

/// One count rule's recent matches for one key.
#[derive(Default)]
struct Burst {
    seen: VecDeque<(DateTime<Utc>, Option<ConnRef>, EvidenceLine)>,
    fired: bool,
}

/// The incremental analysis.
pub struct Engine<'a> {
    set: &'a PackSet,
    opts: Options,
    inputs: Vec<String>,
    horizon: CDuration,
    store: LiveStore,
    state: State,
    slots: Chunked<Slot>,
    wakes: BTreeSet<(DateTime<Utc>, usize)>,
    /// (last activity, slot): the eviction order.
    activity: BTreeSet<(u64, usize)>,
    seq: u64,
    next_record: usize,
    last_ts: Vec<Option<DateTime<Utc>>>,
    /// Where each input's current stop or restart began.
    episodes: sequence::Episodes,
    /// When the last stop was told ([`sequence::stop_logged_before`]).
    last_stop: Option<DateTime<Utc>>,
    /// The stops told in the last seconds: a line that tells one of them again is not
    /// told.
    told_stops: sequence::ToldStops,
    now: Option<DateTime<Utc>>,
    /// `now` less the lateness allowance ([`Engine::judged_now`]), worked out when `now`
    /// moves: every record asks it, and log times move once a second at most.
    judged: Option<DateTime<Utc>>,
    bursts: BTreeMap<(usize, usize, String), Burst>,
    /// Storms reported lately: (rule, when, the connections it named). Another pack's
    /// burst of the same rule over one of those connections is the same storm.
    storms: VecDeque<(&'static str, DateTime<Utc>, CDuration, Vec<String>)>,
    out: Vec<LiveFinding>,
    /// What was counted so far.
    pub counts: Counts,
}

impl<'a> Engine<'a> {
    /// An engine over `set`; `inputs` names the inputs records refer to by number.
    pub fn new(set: &'a PackSet, opts: Options, inputs: Vec<String>) -> Self {
        Engine {
            set,
            opts,
            last_ts: vec![None; inputs.len()],
            episodes: sequence::Episodes::default(),
            last_stop: None,
            told_stops: sequence::ToldStops::default(),
            inputs,
            horizon: correlate::horizon(set),
            store: LiveStore::default(),
            state: State::default(),
            slots: Chunked::default(),
            wakes: BTreeSet::new(),
            activity: BTreeSet::new(),
            seq: 0,
            next_record: 0,
            now: None,
            judged: None,
            bursts: BTreeMap::new(),
            storms: VecDeque::new(),
            out: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Connections held that have not closed (a closed one is held a while longer for
    /// lines written after its close).
    pub fn open_connections(&self) -> usize {
        (0..self.state.slots())
            .map(|ci| self.state.connection(ci))
            .filter(|c| !c.links.is_empty() && !c.ended())
            .count()
    }

    /// (connections, events, records) held in memory right now.
    pub fn held(&self) -> (usize, usize, usize) {
        (
            self.state.live(),
            self.store.live_events,
            self.store.records.len(),
        )
    }

    /// The latest record time seen.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.now
    }

    /// Takes the findings made since the last call, in the order they became certain.
    pub fn take(&mut self) -> Vec<LiveFinding> {
        std::mem::take(&mut self.out)
    }

    /// Feeds one record.
    pub fn push(&mut self, rec: Record) {
        self.counts.records += 1;
        let input = rec.input as usize;
        if self.last_ts.len() <= input {
            self.last_ts.resize(input + 1, None);
        }
        let own = rec.ts.map(|t| t.utc);
        if let Some(t) = own {
            if self.judged.is_some_and(|j| t < j) {
                self.counts.late += 1;
            }
            if self.now.is_none_or(|n| t > n) {
                self.set_now(Some(t));
            }
            self.last_ts[input] = Some(t);
        }
        let ts = own.or(self.last_ts[input]);
        if ts.is_some_and(|t| {
            self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t > u)
        }) {
            self.counts.filtered += 1;
            return;
        }
        if rec.flags.skipped {
            self.tick();
            return;
        }
        let matches = self.set.matches(&rec);
        if matches.is_empty() {
            self.tick();
            return;
        }
        self.counts.matched += 1;
        let ri = self.next_record;
        self.next_record += 1;
        // Every event of the record is held before the first is placed: the correlation
        // looks at all the patterns a line matched.
        let events: Box<[Option<Event>]> = matches
            .into_iter()
            .take(MATCH_MASK + 1)
            .map(|m| {
                Some(Event {
                    record: ri,
                    input: input as u32,
                    ts,
                    own_time: own.is_some(),
                    at: m.at,
                    stage: self.set.pattern(m.at).stage,
                    captures: m.captures,
                })
            })
            .collect();
        let n = events.len();
        self.store.live_events += n;
        let held = Held::of(rec, &mut self.store.hosts, events);
        self.store.records.insert(ri, Box::new(held));
        let mut touched: Vec<usize> = Vec::new();
        for ei in (0..n).map(|j| ri << MATCH_BITS | j) {
            let mut b = Builder::resume(self.set, &self.store, &mut self.state, self.horizon);
            let landed = b.push(ei);
            self.counts.connections = self.state.opened() as u64;
            if let Some(ci) = landed {
                if !touched.contains(&ci) {
                    touched.push(ci);
                }
                self.note_activity(ci);
            }
            self.count_rules(ei, landed);
            for g in self.state.take_global() {
                self.global_rules(g);
                self.store.remove_event(g);
            }
        }
        if touched.is_empty() {
            self.store.remove_record(ri);
        }
        for ci in touched {
            self.trim(ci);
            self.evaluate(ci, false);
        }
        while self.state.live() > self.opts.max_open {
            let Some(&(_, ci)) = self.activity.first() else {
                break;
            };
            self.counts.evicted += 1;
            self.release(ci);
        }
        self.tick();
    }

    fn slot(&mut self, ci: usize) -> &mut Slot {
        while self.slots.len() <= ci {
            self.slots.push(Slot::default());
        }
        &mut self.slots[ci]
    }

    fn note_activity(&mut self, ci: usize) {
        self.seq += 1;
        let seq = self.seq;
        let old = std::mem::replace(&mut self.slot(ci).active, seq);
        self.activity.remove(&(old, ci));
        self.activity.insert((seq, ci));
    }

    /// Keeps a long-lived connection's events bounded: the oldest repeating line (a
    /// ping, a message) goes first, then the oldest line of a pattern seen twice.
    fn trim(&mut self, ci: usize) {
        while self.state.connection(ci).links.len() > self.opts.max_events {
            let links = &self.state.connection(ci).links;
            let set = self.set;
            let store = &self.store;
            let pick = links[1..links.len() - 1]
                .iter()
                .position(|l| set.pattern(store.event(l.event).at).repeats)
                .or_else(|| {
                    links[1..links.len() - 1].iter().position(|l| {
                        let at = store.event(l.event).at;
                        links
                            .iter()
                            .filter(|o| store.event(o.event).at == at)
                            .count()
                            > 1
                    })
                })
                .map(|p| p + 1);
            let Some(pos) = pick else { break };
            let link = self.state.drop_link(ci, pos);
            self.counts.events_dropped += 1;
            self.drop_event(link.event);
        }
    }

    /// Removes an event, and its record when no other held event needs it.
    fn drop_event(&mut self, ei: usize) {
        self.store.remove_event(ei);
    }

    /// The time deadlines are judged by.
    fn judged_now(&self) -> Option<DateTime<Utc>> {
        self.judged
    }

    fn set_now(&mut self, now: Option<DateTime<Utc>>) {
        self.now = now;
        self.judged = now.map(|n| n - self.opts.lateness);
    }

    /// Runs connection `ci`'s rules and says what became certain. A finding that a later
    /// line could still take back waits [`HOLD_MS`] of log time: a generic one
    /// (`handshake.rejected`) for the line naming its cause, one of a rule with `unless`
    /// for the line excusing it. `force` says everything still true (the connection is
    /// being forgotten, or the input ended).
    fn evaluate(&mut self, ci: usize, force: bool) {
        let now = self.judged_now();
        let set = self.set;
        let store = &self.store;
        let r = sequence::connection_found(
            set,
            self.state.connection(ci),
            &|i| store.event(i),
            now,
            &|i, tok| store.token_exp(i, tok),
        );
        let mut found = r.found;
        found.sort_by(|a, b| (a.ts, a.rule).cmp(&(b.ts, b.rule)));
        let hold = CDuration::milliseconds(HOLD_MS);
        let mut wake: Option<DateTime<Utc>> = None;
        for f in &found {
            if self.slot(ci).emitted.contains(&f.rule) {
                continue;
            }
            if found.iter().any(|o| sequence::subsumes(o.rule, f.rule))
                || (self.slot(ci).stopped && sequence::subsumes(sequence::STOP_RULE, f.rule))
            {
                continue;
            }
            if let (false, Some(due)) = (force, self.certain_at(f, hold)) {
                let ready = matches!((due, now), (Some(d), Some(n)) if n >= d);
                if !ready {
                    wake = [wake, due].into_iter().flatten().min();
                    continue;
                }
            }
            self.slot(ci).emitted.push(f.rule);
            let store = &self.store;
            let f = f.finding(set, ci, self.state.connection(ci), &|i| store.event(i));
            self.emit(&f);
        }
        let c = self.state.connection(ci);
        let settle = if c.ended() {
            c.end.map(|e| e + self.horizon)
        } else {
            None
        };
        let wake = [wake, settle, r.pending.flatten()]
            .into_iter()
            .flatten()
            .min();
        self.set_wake(ci, wake);
    }

    /// When a finding that a line still to come could withdraw becomes certain: `None`
    /// when it already is. A generic finding or one of a rule with `unless` or
    /// `unless_code` waits `hold`; a step found missing because the connection ended waits
    /// `hold` too (a source that writes at close, like nginx, can arrive before the
    /// step's own line), but never past the step's deadline.
    fn certain_at(&self, f: &Found, hold: CDuration) -> Option<Option<DateTime<Utc>>> {
        let held = f.ts.map(|t| t + hold);
        if sequence::is_generic(f.rule) {
            return Some(held);
        }
        // The rule that fired (a pack may have several of one id, `server.restart`); the
        // JWT check has none and is certain at once.
        let (_, rule) = f.source?;
        if !rule.when.unless.is_empty() || !rule.when.unless_codes.is_empty() {
            return Some(held);
        }
        if rule.when.missing.is_empty() {
            return None;
        }
        let within = rule
            .when
            .within
            .and_then(|w| CDuration::from_std(w).ok())
            .unwrap_or(CDuration::zero());
        let deadline = self
            .store
            .peek(f.first)
            .and_then(|e| e.ts)
            .map(|t| t + within);
        Some(match (held, deadline) {
            (Some(h), Some(d)) => Some(h.min(d)),
            (h, d) => h.or(d),
        })
    }

    fn set_wake(&mut self, ci: usize, wake: Option<DateTime<Utc>>) {
        let old = std::mem::replace(&mut self.slot(ci).wake, wake);
        if let Some(o) = old {
            self.wakes.remove(&(o, ci));
        }
        if let Some(w) = wake {
            self.wakes.insert((w, ci));
        }
    }

    /// Wakes the connections whose deadline, wait or settling time has passed.
    fn tick(&mut self) {
        if let Some(now) = self.judged_now() {
            // Whole-second log times make a second's deadlines pass together; a few per
            // record keeps the line after them from waiting behind all of them.
            self.fire_until(now, WAKES_PER_RECORD);
        }
        if self.counts.records.is_multiple_of(4096) {
            self.prune_bursts();
        }
    }

    /// Moves time on to `t` by the wall clock (the stream went quiet): deadlines up to
    /// `t` fire without waiting for a line that proves time has passed.
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        self.fire_until(t, usize::MAX);
    }

    /// Fires every wake due by the latest time (the stream paused: there is time).
    pub fn catch_up(&mut self) {
        if let Some(now) = self.judged_now() {
            self.fire_until(now, usize::MAX);
        }
    }

    fn fire_until(&mut self, now: DateTime<Utc>, mut budget: usize) {
        while let Some(&(w, ci)) = self.wakes.first() {
            if w > now || budget == 0 {
                break;
            }
            budget -= 1;
            self.wakes.remove(&(w, ci));
            self.slots[ci].wake = None;
            // Judge the deadline by the time the caller moved to.
            let saved = (self.now, self.judged);
            let lateness = self.opts.lateness;
            self.set_now(Some(now + lateness).max(saved.0));
            self.evaluate(ci, false);
            (self.now, self.judged) = saved;
            let c = self.state.connection(ci);
            if c.ended() && c.end.is_none_or(|e| now >= e + self.horizon) {
                self.release(ci);
            }
        }
    }

    /// Says what a connection still holds back and forgets it.
    fn release(&mut self, ci: usize) {
        self.evaluate(ci, true);
        self.set_wake(ci, None);
        let slot = std::mem::take(&mut self.slots[ci]);
        self.activity.remove(&(slot.active, ci));
        let conn = self.state.forget(ci);
        for l in conn.links {
            self.drop_event(l.event);
        }
    }

    /// The end of the input: every deadline is judged by the last time seen, and the
    /// generic findings held back are said.
    pub fn finish(&mut self) {
        if let Some(n) = self.now {
            self.fire_until(n, usize::MAX);
        }
        for ci in 0..self.state.slots() {
            // Forgotten slots are empty; a held finding without a time has no wake.
            if !self.state.connection(ci).links.is_empty() {
                self.evaluate(ci, true);
                self.set_wake(ci, None);
            }
        }
    }

    fn conn_ref(c: &Connection) -> ConnRef {
        ConnRef {
            id: c.id.to_string(),
            path: c.path.as_deref().map(String::from),
            client: c
                .client
                .as_deref()
                .or(c.client_ip.as_deref())
                .map(String::from),
            user: c.user.as_deref().map(String::from),
        }
    }

    fn evidence(&self, ei: usize) -> Option<EvidenceLine> {
        let e = self.store.peek(ei)?;
        let r = self.store.records.get(&e.record)?;
        Some(EvidenceLine {
            input: self
                .inputs
                .get(r.input as usize)
                .cloned()
                .unwrap_or_default(),
            line: r.line,
            ts: r.ts,
            text: r.message.to_string(),
        })
    }

    fn emit(&mut self, f: &Finding) {
        let conns: Vec<ConnRef> = f
            .connections
            .iter()
            .take(MAX_LISTED)
            .map(|&ci| Self::conn_ref(self.state.connection(ci)))
            .collect();
        let evidence = f
            .evidence
            .iter()
            .filter_map(|&e| self.evidence(e))
            .collect();
        self.push_out(LiveFinding {
            rule: f.rule,
            severity: f.severity,
            pack: f.pack.clone(),
            ts: f.ts,
            diagnosis: f.diagnosis.clone(),
            hint: f.hint.clone(),
            connection_count: f.connections.len(),
            connections: conns,
            evidence,
        });
    }

    fn push_out(&mut self, f: LiveFinding) {
        *self.counts.findings.entry(f.rule).or_default() += 1;
        self.out.push(f);
    }

    /// The connections with a line of `input` held, not ended and with no line that ends
    /// one ([`sequence::ends_session`]): open as a line of `input` without a time is read
    /// (scan's `open_above`).
    fn open_in_input(&self, input: u32) -> Vec<usize> {
        let store = &self.store;
        (0..self.state.slots())
            .filter(|&ci| {
                let c = self.state.connection(ci);
                let evs = || c.links.iter().filter_map(|l| store.peek(l.event));
                !c.id.is_empty()
                    && !c.ended()
                    && evs().any(|x| x.input == input)
                    && !evs().any(|x| sequence::ends_session(self.set, x))
            })
            .collect()
    }

    /// A line outside any connection: process rules name the connections open then.
    fn global_rules(&mut self, gi: usize) {
        let e = self.store.event(gi).clone();
        let episode = self.episodes.of(&e);
        let pack = self.set.pack(e.at);
        let fires = |rule: &&crate::pattern::Rule| {
            rule.when.count.is_none()
                && rule.when.missing.is_empty()
                && rule.when.seen.contains(&usize::from(e.at.pattern))
                && sequence::passes_filters(rule, &e)
        };
        if !pack.rules.iter().any(|r| fires(&r)) {
            return;
        }
        // The connections open when a process line said the server stopped, as scan names
        // them (`sequence::served_at_stop`); the same for every rule the line fires.
        let origin = self.store.origin(e.record);
        let (host, pid) = (origin.host.map(str::to_string), origin.pid);
        let writer = pid.map(|pid| (host.clone(), pid));
        let conns: Vec<usize> = match e.ts {
            Some(t) if e.stage == Stage::Process => {
                let live = || {
                    (0..self.state.slots()).filter(|&ci| !self.state.connection(ci).id.is_empty())
                };
                let began = sequence::process_starts(live().map(|ci| self.state.connection(ci)));
                let stopper = sequence::stopped_process(&e, host.as_deref(), pid);
                let store = &self.store;
                live()
                    .filter(|&ci| {
                        let c = self.state.connection(ci);
                        let code = sequence::last_code(c, &|i| store.event(i));
                        sequence::served_at_stop(c, t, e.own_time, episode, &began, code, stopper)
                    })
                    .collect()
            }
            // Without a time (uvicorn's console), the sessions of its input still open
            // as the stream reaches it, as scan places them by line order.
            None if e.stage == Stage::Process => self.open_in_input(e.input),
            _ => Vec::new(),
        };
        let writer = writer.as_ref().map(|(h, p)| (h.as_deref(), *p));
        let conns = sequence::of_stopped_process(conns, &e, writer, |ci| {
            self.state.connection(ci).process()
        });
        // A start line names the sessions the server before it left unclosed, less those
        // a stop line named (`sequence::cut_by_restart`, as scan).
        let restarted: Vec<usize> = match e.ts {
            Some(t)
                if pack.rules.iter().any(|r| fires(&r) && r.when.restarted)
                    && !sequence::stop_logged_before(self.last_stop, t) =>
            {
                let store = &self.store;
                let stopped = |ci: usize| ci < self.slots.len() && self.slots[ci].stopped;
                (0..self.state.slots())
                    .filter(|&ci| {
                        let c = self.state.connection(ci);
                        let code = || sequence::last_code(c, &|i| store.event(i));
                        !c.id.is_empty()
                            && !stopped(ci)
                            && sequence::cut_by_restart(c, t, e.at.pack, origin.host, code, &|i| {
                                store.event(i)
                            })
                    })
                    .collect()
            }
            None if e.stage == Stage::Process
                && pack.rules.iter().any(|r| fires(&r) && r.when.restarted) =>
            {
                let mut open = self.open_in_input(e.input);
                open.retain(|&ci| ci >= self.slots.len() || !self.slots[ci].stopped);
                open
            }
            _ => Vec::new(),
        };
        let record = self.store.records.get(&(gi >> MATCH_BITS));
        let told: Vec<(&crate::pattern::Rule, &Vec<usize>)> = pack
            .rules
            .iter()
            .filter(fires)
            .map(|rule| {
                (
                    rule,
                    if rule.when.restarted {
                        &restarted
                    } else {
                        &conns
                    },
                )
            })
            .filter(|(rule, conns)| {
                let siblings = record.into_iter().flat_map(|r| r.events.iter().flatten());
                sequence::told_of_line(self.set, rule, &e, siblings, conns.len())
            })
            .collect();
        for (rule, conns) in told {
            if rule.id == sequence::STOP_RULE {
                for &ci in conns {
                    self.slot(ci).stopped = true;
                }
                self.last_stop = self.last_stop.max(e.ts);
                let by = (host.as_deref(), pid);
                if self.told_stops.again_or_note(&e, by, conns, 0).is_some() {
                    continue;
                }
            }
            // One connection told of one rule once, as scan's `dedup` merges them (a
            // worker's `WORKER TIMEOUT`, then its `was sent SIGKILL!`).
            if let [ci] = conns[..] {
                if self.slot(ci).emitted.contains(&rule.id) {
                    continue;
                }
                self.slot(ci).emitted.push(rule.id);
            }
            let c = conns.first().map(|&ci| self.state.connection(ci));
            let f = Finding {
                rule: rule.id,
                severity: rule.severity,
                pack: pack.name.clone(),
                connections: conns.clone(),
                diagnosis: sequence::fill(
                    rule.diagnosis_for(sequence::open_told(&e, conns.len())),
                    Some(&e),
                    c,
                ),
                hint: sequence::fill(&rule.hint, Some(&e), c),
                evidence: vec![gi],
                ts: e.ts,
            };
            self.emit(&f);
        }
    }

    /// `count` rules: a window of recent matches per (rule, key); one finding per burst.
    fn count_rules(&mut self, ei: usize, landed: Option<usize>) {
        let set = self.set;
        let pack = set.pack(self.store.event(ei).at);
        if pack.rules.iter().all(|r| r.when.count.is_none()) {
            return;
        }
        let e = self.store.event(ei).clone();
        let e = &e;
        let Some(t) = e.ts else { return };
        for (ri, rule) in pack.rules.iter().enumerate() {
            let (Some(n), Some(w)) = (rule.when.count, rule.when.window) else {
                continue;
            };
            if !rule.when.seen.contains(&usize::from(e.at.pattern))
                || !sequence::passes_filters(rule, e)
            {
                continue;
            }
            let conn = landed.map(|ci| self.state.connection(ci));
            // (The connection's token, as far as its lines have come: nginx writes its
            // access line, which carries it, when the session is over.)
            let token = conn
                .filter(|_| rule.reads_token())
                .and_then(|c| sequence::connection_token(c, &|i| self.store.event(i)));
            let Some(key) = sequence::count_key(rule, e, conn, token) else {
                continue;
            };
            let window = CDuration::from_std(w).unwrap_or(CDuration::zero());
            let Some(line) = self.evidence(ei) else {
                continue;
            };
            let cref = conn.map(Self::conn_ref);
            let burst = self
                .bursts
                .entry((usize::from(e.at.pack), ri, key))
                .or_default();
            if burst
                .seen
                .back()
                .is_some_and(|(last, _, _)| t - *last > window)
            {
                burst.fired = false;
            }
            burst.seen.push_back((t, cref, line));
            while burst.seen.front().is_some_and(|(f, _, _)| t - *f > window) {
                burst.seen.pop_front();
            }
            if burst.fired || burst.seen.len() < n as usize {
                continue;
            }
            burst.fired = true;
            let mut ids: Vec<ConnRef> = Vec::new();
            for (_, c, _) in &burst.seen {
                if let Some(c) = c {
                    if !ids.iter().any(|x| x.id == c.id) {
                        ids.push(c.clone());
                    }
                }
            }
            let first = burst.seen.front().map(|(_, _, l)| l.clone());
            let last = burst.seen.back().map(|(_, _, l)| l.clone());
            let count = burst.seen.len();
            // One storm, one finding, whichever packs count its attempts.
            self.storms.retain(|(_, at, w, _)| t - *at <= *w);
            let same = self.storms.iter_mut().find(|(r, _, _, named)| {
                *r == rule.id && ids.iter().any(|c| named.contains(&c.id))
            });
            if let Some((_, at, _, named)) = same {
                *at = t;
                for c in &ids {
                    if !named.contains(&c.id) {
                        named.push(c.id.clone());
                    }
                }
                continue;
            }
            self.storms.push_back((
                rule.id,
                t,
                window,
                ids.iter().map(|c| c.id.clone()).collect(),
            ));
            let first_conn = conn;
            let lf = LiveFinding {
                rule: rule.id,
                severity: rule.severity,
                pack: pack.name.clone(),
                ts: Some(t),
                diagnosis: sequence::fill(
                    &rule.diagnosis.replace("{count}", &count.to_string()),
                    Some(e),
                    first_conn,
                ),
                hint: sequence::fill(&rule.hint, Some(e), first_conn),
                connection_count: ids.len(),
                connections: ids.into_iter().take(MAX_LISTED).collect(),
                evidence: first.into_iter().chain(last).collect(),
            };
            self.push_out(lf);
        }
    }

    /// Forgets the windows of count rules that went quiet.
    fn prune_bursts(&mut self) {
        let Some(now) = self.now else { return };
        let set = self.set;
        self.bursts.retain(|(pi, ri, _), b| {
            let w = set.packs[*pi].rules[*ri]
                .when
                .window
                .and_then(|w| CDuration::from_std(w).ok())
                .unwrap_or(CDuration::zero());
            b.seen.back().is_some_and(|(t, _, _)| now - *t <= w)
        });
    }
}

#[cfg(test)]
mod tests;
