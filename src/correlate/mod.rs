//! Correlation: events become connections.
//!
//! ```text
//! events (time order) ─► exact key known? (client ip:port, Daphne channel, nginx *N)
//!                          │ yes → that connection (exact)
//!                          │ no
//!                          ▼
//!                        same path (and user, when both say) on an open connection
//!                        that lacks this step of its pack, within the step's window
//!                          │ yes → first-come: the earliest such connection (inferred)
//!                          │ no
//!                          ▼
//!                        no key at all → the latest connection of the same process
//!                                         within a short window (inferred), else global
//!                        otherwise → a new connection
//! ```
//!
//! The proxy logs a WebSocket at its close with the session length (`request_time`), so
//! an nginx access line joins the connection on its path that started when the line's
//! time minus `request_time` says, closed or not.
//!
//! Everything here runs in event order over a few events; maps are `BTreeMap` so the
//! result does not depend on hashing, and connection ids follow start order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Duration as CDuration, Utc};

use crate::pattern::{Event, PackSet, PatternRef, Stage};
use crate::record::{intern, Record};

mod short;
pub use crate::chunked::Chunked;
pub use short::Short;

/// How long a connection waits for its next step when the pack does not say.
const DEFAULT_STEP_WINDOW_MS: i64 = 10_000;
/// How close in time a key-less line must be to the connection it joins.
const KEYLESS_WINDOW_MS: i64 = 2_000;
/// How long after its end a connection still takes lines written after the close
/// (Daphne's application_close_timeout is 10 s).
const CLOSED_GRACE_MS: i64 = 15_000;
/// How far the proxy's computed start may be from the connection's start.
const PROXY_SLACK_MS: i64 = 2_000;

/// How an event joined its connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Index into the event list.
    pub event: usize,
    /// The key that made the link, as its place in [`LINK_KEYS`].
    key: u8,
    /// True when the key was an identifier both lines carry; false when inferred.
    pub exact: bool,
}

/// Every key a link can name: a link stores its key's place here, one byte where a
/// string reference took sixteen, for each event of each open connection.
const LINK_KEYS: [&str; 18] = [
    "start",
    "line",
    "client",
    "channel",
    "conn",
    "request_id",
    "path",
    "path+user",
    "user",
    "step",
    "after",
    "time",
    "request",
    "request_time",
    "long-session",
    "after-close",
    "end",
    "only-open",
];

impl Link {
    /// A link of event `event` made by `key` (one of the keys [`Link::key`] names).
    pub fn new(event: usize, key: &'static str, exact: bool) -> Link {
        let key = LINK_KEYS
            .iter()
            .position(|k| *k == key)
            .unwrap_or_else(|| panic!("link key {key:?} is not in LINK_KEYS"));
        Link {
            event,
            key: key as u8,
            exact,
        }
    }

    /// The key that made the link: `client`, `channel`, `conn`, `request_id`, `path`,
    /// `path+user`, `user`, `step` (sequence order), `after`, `time`, `request`,
    /// `request_time`, `long-session` (a close after a long quiet session),
    /// `after-close`, `line` (a time-less error right under the connection's line), `end`
    /// (a proxy's access line without `request_time`, joined by the server's close),
    /// `only-open` (a server's error given to the one session open when nothing else
    /// fits), or `start` for the event that opened it.
    pub fn key(&self) -> &'static str {
        LINK_KEYS[usize::from(self.key)]
    }

    /// The same link, with its key now `key` and inferred.
    fn inferred(self, key: &'static str) -> Link {
        Link::new(self.event, key, false)
    }
}

/// One WebSocket connection as the logs show it.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    /// `c1`, `c2`, ... in start order.
    pub id: Box<str>,
    /// Its events, in time order.
    pub links: Vec<Link>,
    /// Request path (no query).
    pub path: Option<Box<str>>,
    /// Client `ip:port` (port not 0).
    pub client: Option<Box<str>>,
    /// Client address without port.
    pub client_ip: Option<Box<str>>,
    /// User name or id.
    pub user: Option<Box<str>>,
    /// Time of the first event.
    pub start: Option<DateTime<Utc>>,
    /// Time of the last event.
    pub end: Option<DateTime<Utc>>,
    /// A line that ends a connection was seen.
    pub closed: bool,
    /// The input and record of the server's line that closed it: within one input, line
    /// order says what came first when whole-second times cannot.
    pub closed_line: Option<(u32, usize)>,
    /// When the proxy logged the request's end (nginx writes its access line then), on a
    /// connection the server also logged: the session was over by then even if the
    /// server never said so (uvicorn as gunicorn's worker writes no `connection closed`).
    pub proxy_end: Option<DateTime<Utc>>,
    /// Host and process of the server lines, for key-less joins.
    source: Option<(Option<Arc<str>>, Option<u32>)>,
}

impl Connection {
    /// Its end is known: a line closed it, or the proxy logged its end ([`proxy_end`]:
    /// nginx writes its access line when the request is over, and its error line when
    /// the request failed). Scan and watch judge by this, not by `closed` alone.
    ///
    /// [`proxy_end`]: Connection::proxy_end
    pub fn ended(&self) -> bool {
        self.closed || self.proxy_end.is_some()
    }

    /// The host of the server that logged its lines, when they name one.
    pub fn host(&self) -> Option<&str> {
        self.source.as_ref()?.0.as_deref()
    }

    /// The server process that logged its lines, as (host, pid), when known.
    pub fn process(&self) -> Option<(Option<&str>, u32)> {
        let (host, pid) = self.source.as_ref()?;
        Some((host.as_deref(), (*pid)?))
    }
}

/// Events that belong to no connection (process lifecycle, a Redis outage logged
/// without a path), kept for the rules that span connections.
#[derive(Clone, Debug, Default)]
pub struct Correlated {
    /// Connections, by start time then id.
    pub connections: Vec<Connection>,
    /// Indices of events not attached to any connection.
    pub global: Vec<usize>,
    /// For each of `global`, the host and process whose line it is, as far as the line
    /// says: a server's own `Killed N pending application instances` says which process
    /// stopped, and a pod's `Listening on` which pod started again.
    pub global_writers: Vec<(Option<Arc<str>>, Option<u32>)>,
}

/// A path as the different servers spell it: leading `/`, no query.
pub fn normalize_path(p: &str) -> String {
    let p = p.split(['?', '#']).next().unwrap_or("");
    let p = p.trim_matches(|c| c == '\'' || c == '"');
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

/// The client key of an event: `ip:port` with a real port, else `None`.
fn client_key(e: &Event) -> Option<String> {
    let (ip, port) = match (e.cap("client_ip"), e.cap("client_port")) {
        (Some(ip), Some(port)) => (ip, port),
        _ => {
            let (ip, port) = e.cap("client")?.rsplit_once(':')?;
            (ip.trim_matches(['[', ']']), port)
        }
    };
    match port.parse::<u32>() {
        Ok(p) if p > 0 => Some(format!("{ip}:{p}")),
        _ => None,
    }
}

/// The client address of an event, as [`client_ip`] gives it, without a copy.
fn client_ip_of(e: &Event) -> Option<&str> {
    if let Some(ip) = e.cap("client_ip") {
        return Some(ip);
    }
    let c = e.cap("client")?;
    Some(match c.rsplit_once(':') {
        Some((ip, port)) if port.chars().all(|d| d.is_ascii_digit()) => ip.trim_matches(['[', ']']),
        _ => c,
    })
}

fn client_ip(e: &Event) -> Option<String> {
    client_ip_of(e).map(String::from)
}

/// The user a line names: its `user` or `user_id`, else, on a proxy's or server's access
/// line, the `user_id` (or `sub`) claim of the JWT it carries in full (nginx's and
/// uvicorn's access lines show the query string): the claims can be read without the
/// key, and they say whose connection it is. Not on the application's own lines: where
/// the middleware logs the token it also says whom it authenticated, and a claim that
/// names the user differently (an id where the app logs another) must not split them.
fn user_of(e: &Event) -> Option<Cow<'_, str>> {
    if let Some(u) = e.cap("user").or_else(|| e.cap("user_id")) {
        return Some(Cow::Borrowed(u));
    }
    if !matches!(e.stage, Stage::Proxy | Stage::Server) {
        return None;
    }
    let t = e.cap("token")?;
    if !t.starts_with("eyJ") || t.matches('.').count() != 2 {
        return None;
    }
    crate::jwt::claims(t)?.user_id.map(Cow::Owned)
}

/// The exact keys an event carries: (kind, value).
fn exact_keys(e: &Event, r: &Origin) -> Vec<(&'static str, String)> {
    let mut k = Vec::new();
    if let Some(c) = client_key(e) {
        k.push(("client", c));
    }
    if let Some(ch) = e.cap("channel") {
        k.push(("channel", ch.to_string()));
    }
    if let Some(n) = e.cap("conn") {
        // nginx numbers connections per running instance: scope by input.
        k.push(("conn", format!("{}#{n}", r.input)));
    }
    if let Some(id) = e.cap("request_id") {
        k.push(("request_id", id.to_string()));
    }
    k
}

/// What the candidate searches ask of a connection, kept up to date as events attach so
/// no search walks a connection's events.
#[derive(Default)]
struct Cache {
    /// Patterns seen, sorted.
    patterns: Short<PatternRef>,
    /// (pack, highest step reached).
    reached: Short<(usize, usize)>,
    /// Packs whose healthy sequence the connection has left.
    diverted: Short<usize>,
    /// Kinds of exact ids any of its lines carried (bits of [`kind_bit`]).
    kinds_all: u8,
    /// The same, from lines other than the proxy's.
    kinds_server: u8,
    /// It has a proxy line.
    has_proxy: bool,
    /// It has a line other than the proxy's.
    has_server: bool,
    /// Its ids in the key index, to remove them when it closes.
    keys: Short<(&'static str, String)>,
    /// What few connections have (see [`Rare`]).
    rare: Option<Box<Rare>>,
    /// Its creation number (its entry in `open_set` while open).
    seq: usize,
    /// Its start as indexed in `by_path` (under its path, which never changes once set).
    indexed: Option<i64>,
    /// It is in `recent` (and so in the indexes of it by path and by user).
    in_recent: bool,
    /// When it closed, and whether that time was written in whole seconds.
    closed_at: Option<(DateTime<Utc>, bool)>,
    /// The line that closed it named it by an id (Daphne's WSDISCONNECT with the client).
    closed_exact: bool,
    /// It was closed by a server line that names nothing (uvicorn's `connection closed`)
    /// joined by inference, and a line naming it by its id came after: that close was
    /// another session's, and key-less lines may still join it.
    close_overturned: bool,
    /// It was closed by such a guess.
    closed_guess: bool,
    /// The pack of its first middleware or consumer line: the application stack it runs.
    app_pack: Option<usize>,
    /// The input of the line of its server or application that gave its close code
    /// (`disconnected code=1000`), once one did.
    coded_in: Option<u32>,
    /// Whether the request line of its proxy or server that first showed the query
    /// string carried a token ([`Facts::request_token`]).
    request_token: Option<bool>,
    /// What its lines said so far of when it began.
    start: StartClues,
    /// How its handshake was answered, by the first line that says: upgraded (101) or
    /// refused (an HTTP error).
    answer: Option<bool>,
    /// That answer's line has a time of its own finer than a second: lines sorted after
    /// it were written after it (a whole-second line only says "in that second", and a
    /// journal may stamp a server's stdout before the application's stderr).
    answered_precisely: bool,
    /// When that answer's line was written (for a whole-second line, the start of its
    /// second).
    answered_at: Option<DateTime<Utc>>,
    /// The input of that answer's line: a line of the same input placed after it was
    /// written below it.
    answered_in: Option<u32>,
}

/// The part of a [`Cache`] a connection fills only when its lines say so (a consumer, a
/// token, a user, a request id, a proxy access line, a refusal) or once it closed: apart,
/// an open connection whose lines name none of these costs 8 bytes for them, not 112.
#[derive(Default)]
struct Rare {
    /// Its ids in the closed-key index, once it closed.
    closed_keys: Short<(&'static str, String)>,
    /// The consumer class its lines name (`ChatConsumer`).
    consumer: Option<Box<str>>,
    /// The token its lines show (often cut: `e542125a86...`).
    token: Option<Box<str>>,
    /// Every name its lines gave the user: id, e-mail, user name.
    users: Short<String>,
    /// The kinds of those names (bits of [`user_kind`]): a search asks it of hundreds of
    /// connections per line, and reading the names' bytes each time cost more than the
    /// rest of the test.
    user_kinds: u8,
    /// The request ids its lines carried (a proxy's `$request_id`, passed on as
    /// `X-Request-ID` and logged by the application): one per session.
    request_ids: Short<String>,
    /// The server's line that refused its handshake (Daphne's WSREJECT): (input,
    /// record, whole second).
    refused_line: Option<(u32, usize, i64)>,
    /// The HTTP status of that refusal, when its line says (uvicorn's `connection
    /// rejected (500 Internal Server Error)`).
    refused_status: Option<u16>,
    /// When the proxy wrote its access line (at the request's end), and the client
    /// address it saw.
    proxy_at: Option<(DateTime<Utc>, Option<Box<str>>)>,
}

impl Cache {
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    fn consumer(&self) -> Option<&str> {
        self.rare.as_ref()?.consumer.as_deref()
    }

    fn token(&self) -> Option<&str> {
        self.rare.as_ref()?.token.as_deref()
    }

    /// Its lines showed a token other than `token`: another client's connection.
    fn other_token(&self, token: Option<&str>) -> bool {
        token
            .zip(self.token())
            .is_some_and(|(a, b)| !same_token(a, b))
    }

    /// Its handshake was answered a second or more before `t`: the middleware, which runs
    /// on the handshake, wrote nothing of it then.
    fn answered_a_second_before(&self, t: Option<DateTime<Utc>>) -> bool {
        self.answered_at
            .zip(t)
            .is_some_and(|(a, t)| t >= a + CDuration::seconds(1))
    }

    fn users(&self) -> &[String] {
        self.rare.as_ref().map_or(&[], |r| &r.users)
    }

    fn request_ids(&self) -> &[String] {
        self.rare.as_ref().map_or(&[], |r| &r.request_ids)
    }

    fn proxy_at(&self) -> Option<&(DateTime<Utc>, Option<Box<str>>)> {
        self.rare.as_ref()?.proxy_at.as_ref()
    }
}

/// `at` as one number ordered as `PatternRef` is: by pack, then pattern.
fn pattern_key(at: &PatternRef) -> u32 {
    u32::from(at.pack) << 16 | u32::from(at.pattern)
}

/// What kind of name for a user `s` is: 0 an id (digits), 1 an e-mail, 2 a user name.
fn user_kind(s: &str) -> u8 {
    if s.bytes().all(|c| c.is_ascii_digit()) {
        0
    } else if s.contains('@') {
        1
    } else {
        2
    }
}

/// A token as a line shows it, without the `...` of a cut one.
fn token_of(e: &Event) -> Option<&str> {
    let t = e.cap("token")?.trim_end_matches(['.', '…']);
    (t.len() >= 8).then_some(t)
}

/// How a line says the handshake was answered: `Some(true)` for 101 (the server's
/// WSCONNECT, uvicorn's `[accepted]`, the consumer's accept, nginx's 101), `Some(false)`
/// for a refusal (403, 404, 500, 502, ...; not 499, the client leaving first).
fn answer_of(e: &Event) -> Option<bool> {
    // `upstream_status`: what nginx answered for a request its error line is about (a
    // failed connect is a 502 whatever the access line beside it says).
    let status = e.cap("status").or_else(|| e.cap("upstream_status"))?;
    match status.parse::<u16>().ok()? {
        101 => Some(true),
        499 => None,
        400..=599 => Some(false),
        _ => None,
    }
}

/// Two sightings of one token: equal, or one cut from the other.
fn same_token(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// `v`, with room for one more element: a connection's short lists (its keys, patterns,
/// first links) mostly hold one or two elements for as long as it is open, and a `Vec`'s
/// first allocation holds four.
fn short<T>(v: &mut Vec<T>) -> &mut Vec<T> {
    if v.len() == v.capacity() && v.len() < 4 {
        v.reserve_exact(1);
    }
    v
}

/// [`kind_bit`] of nginx's request number.
const CONN_BIT: u8 = 4;

fn kind_bit(kind: &str) -> u8 {
    match kind {
        "client" => 1,
        "channel" => 2,
        "conn" => CONN_BIT,
        _ => 8,
    }
}

fn kinds_mask(keys: &[(&'static str, String)]) -> u8 {
    keys.iter().fold(0, |m, (k, _)| m | kind_bit(k))
}

/// Where the correlator finds events and the records they matched: the whole input's
/// slices for `scan`, the events still in memory for `watch`.
pub trait Store {
    /// Event number `i`.
    fn event(&self, i: usize) -> &Event;
    /// Event number `i`, when the store holds it (the other events of a record are held
    /// before the first is placed).
    fn peek(&self, i: usize) -> Option<&Event>;
    /// Where record number `i` came from.
    fn origin(&self, i: usize) -> Origin<'_>;
    /// Record `i` carries no time of its own (uvicorn's `ERROR:    Exception in ASGI
    /// application`): its events took the time of the line before it. Unknown: `false`.
    fn timeless(&self, _i: usize) -> bool {
        false
    }
    /// The stream of its input record `i` came through ([`Record::pipe`], else docker's
    /// `stdout` 1 and `stderr` 2); 0 when unknown. Asked only by scan's passes over
    /// finished inputs.
    fn pipe(&self, _i: usize) -> u16 {
        0
    }
}

/// What correlation needs of a record besides its events: which input and process wrote
/// it, and whether its time is whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The input's number.
    pub input: u32,
    /// Host name.
    pub host: Option<&'a str>,
    /// Process id.
    pub pid: Option<u32>,
    /// Its time was written in whole seconds.
    pub coarse: bool,
    /// Its application layout wrote a logger's name (`INFO:uvicorn.error:msg`): a second
    /// handler's copy of a line another wrote without one tells the two apart.
    pub logger: bool,
    /// Its first and last line in the input.
    pub lines: (u64, u64),
}

impl Origin<'_> {
    /// The origin of a record.
    pub fn of(r: &Record) -> Origin<'_> {
        Origin {
            input: r.input,
            host: r.host.as_deref(),
            pid: r.writer_pid(),
            coarse: r.coarse_time(),
            logger: r.names_logger(),
            lines: (r.line, r.end_line),
        }
    }
}

/// A [`Store`] over a finished input.
pub struct Slices<'a> {
    /// All records.
    pub records: &'a [Record],
    /// All events, in time order.
    pub events: &'a [Event],
}

impl Store for Slices<'_> {
    fn event(&self, i: usize) -> &Event {
        &self.events[i]
    }
    fn peek(&self, i: usize) -> Option<&Event> {
        self.events.get(i)
    }
    fn origin(&self, i: usize) -> Origin<'_> {
        Origin::of(&self.records[i])
    }
    fn timeless(&self, i: usize) -> bool {
        self.records[i].ts.is_none()
    }
    fn pipe(&self, i: usize) -> u16 {
        let r = &self.records[i];
        match (r.pipe, r.stream) {
            (0, Some("stdout")) => 1,
            (0, Some("stderr")) => 2,
            (p, _) => p,
        }
    }
}

/// A server as its start lines name it: (pack, input, host).
type ServerRun = (u16, u32, Option<Arc<str>>);

/// The correlation built so far: everything that survives between two events.
#[derive(Default)]
pub struct State {
    conns: Chunked<Connection>,
    caches: Chunked<Cache>,
    /// Connections active within `horizon` of the latest event, in creation order: the
    /// only ones a line without an id can join.
    recent: Vec<usize>,
    /// `recent` by path: (creation number, connection) of each recent connection under
    /// its path, and apart those whose path is not known. A line that names its path
    /// looks only at these (a busy server has hundreds of recent connections, most on
    /// other paths); the creation number keeps `recent`'s order.
    recent_on_path: RecentIndex,
    recent_pathless: BTreeSet<(usize, usize)>,
    /// `recent` by user, in the same way: under each user name the recent connections
    /// that gave it, and under each kind of name ([`user_kind`]) those that gave none of
    /// that kind. A line naming a user and no path looks only at these.
    recent_by_user: RecentIndex,
    recent_kindless: [BTreeSet<(usize, usize)>; 3],
    /// (path, start in ms, connection), for the proxy's lines written at close.
    by_path: BTreeSet<(Box<str>, i64, usize)>,
    /// Exact key → connection index (open connections only).
    keys: BTreeMap<(&'static str, String), usize>,
    /// The ids of connections that closed, for the lines a server writes about a
    /// connection after its close (Daphne's kill warning, a ping timeout logged just
    /// after a WSDISCONNECT of the same second).
    closed_keys: BTreeMap<(&'static str, String), usize>,
    /// Open connections, (creation number, slot): a close that finds no connection
    /// active within the windows belongs to a long, quiet session, the oldest first.
    open_set: BTreeSet<(usize, usize)>,
    /// The record of the last event placed and its connection: a line that several
    /// packs match (its events are adjacent) is one line of one connection.
    record_conn: Option<(usize, usize)>,
    global: Vec<usize>,
    placed: usize,
    /// Slots of forgotten connections, reused by new ones.
    free: Vec<usize>,
    /// Connections ever opened: the number in the next id.
    opened: usize,
    /// Where the event being placed went.
    landed: Option<usize>,
    /// Per input, the last line of the record placed furthest down, and its connection.
    last_in_input: BTreeMap<u32, (u64, usize)>,
    /// The time of the latest start line ([`crate::pattern::When::restarted`]'s `seen`)
    /// of each server's pack in each input, by host: a session that began before it had
    /// its server die under it, and a close the new server logs is not its. (A few
    /// entries: one per server.)
    started: Vec<(ServerRun, DateTime<Utc>)>,
    /// The host names connections' processes run on, one copy each: a stack has a few
    /// hosts and `watch` may hold 100k connections naming them.
    hosts: BTreeSet<Arc<str>>,
    /// Hold the proxy's access lines that do not say how long the request took, and
    /// place them once every line is placed ([`Builder::place_deferred`]): `scan` only.
    defer_untimed_access: bool,
    /// The events held so, in order.
    deferred: Vec<usize>,
}

impl State {
    /// Connection `ci` (a slot of a forgotten connection is empty).
    pub fn connection(&self, ci: usize) -> &Connection {
        &self.conns[ci]
    }

    /// Slots in use or free: every `ci` below this is valid.
    pub fn slots(&self) -> usize {
        self.conns.len()
    }

    /// Connections opened so far, forgotten ones included.
    pub fn opened(&self) -> usize {
        self.opened
    }

    /// Removes link `pos` of connection `ci` (a long-lived connection's old lines),
    /// keeping what the searches know of it.
    pub fn drop_link(&mut self, ci: usize, pos: usize) -> Link {
        self.conns[ci].links.remove(pos)
    }

    /// Connections currently held.
    pub fn live(&self) -> usize {
        self.conns.len() - self.free.len()
    }

    /// Forgets connection `ci`: its ids and index entries go, its slot is reused.
    /// Returns what it was.
    pub fn forget(&mut self, ci: usize) -> Connection {
        let cache = std::mem::take(&mut self.caches[ci]);
        if cache.in_recent {
            self.recent.retain(|&c| c != ci);
            self.unindex_recent(ci, &cache);
        }
        for k in cache.keys {
            if self.keys.get(&k) == Some(&ci) {
                self.keys.remove(&k);
            }
        }
        for k in cache.rare.map(|r| r.closed_keys).unwrap_or_default() {
            if self.closed_keys.get(&k) == Some(&ci) {
                self.closed_keys.remove(&k);
            }
        }
        self.open_set.remove(&(cache.seq, ci));
        if let (Some(t), Some(p)) = (cache.indexed, &self.conns[ci].path) {
            self.by_path.remove(&(p.clone(), t, ci));
        }
        if self.record_conn.is_some_and(|(_, c)| c == ci) {
            self.record_conn = None;
        }
        self.free.push(ci);
        std::mem::take(&mut self.conns[ci])
    }

    /// Frees what only the searches read of closed connection `ci`, which no search can
    /// reach any more: its cache's lists, its closed ids and its place in the path
    /// index. Kept: the cache's flags and times, which the passes after the loop read
    /// ([`absorb_orphans`], [`rehome_errors`]), and its ids in the open-id index. A line
    /// carrying one of those still finds it and, the connection being closed long ago,
    /// starts a new one as it did; without the entry the line would look further.
    fn retire(&mut self, ci: usize) {
        let cache = &mut self.caches[ci];
        cache.patterns = Short::default();
        cache.reached = Short::default();
        cache.diverted = Short::default();
        cache.keys = Short::default();
        let rare = cache.rare.take();
        let indexed = cache.indexed.take();
        for k in rare.map(|r| r.closed_keys).unwrap_or_default() {
            if self.closed_keys.get(&k) == Some(&ci) {
                self.closed_keys.remove(&k);
            }
        }
        if let (Some(t), Some(p)) = (indexed, &self.conns[ci].path) {
            self.by_path.remove(&(p.clone(), t, ci));
        }
    }

    /// Adds connection `ci`, just opened (its path not known yet), to `recent`.
    fn enter_recent(&mut self, ci: usize) {
        self.recent.push(ci);
        self.caches[ci].in_recent = true;
        let seq = self.caches[ci].seq;
        self.recent_pathless.insert((seq, ci));
        for set in &mut self.recent_kindless {
            set.insert((seq, ci));
        }
    }

    /// Drops connection `ci` (whose cache is `cache`), gone from `recent`, from the
    /// indexes of it by path and by user.
    fn unindex_recent(&mut self, ci: usize, cache: &Cache) {
        let seq = cache.seq;
        for u in cache.users() {
            index_remove(&mut self.recent_by_user, u, (seq, ci));
        }
        let kinds = cache.rare.as_ref().map_or(0, |r| r.user_kinds);
        for (k, set) in self.recent_kindless.iter_mut().enumerate() {
            if kinds >> k & 1 == 0 {
                set.remove(&(seq, ci));
            }
        }
        match self.conns[ci].path.as_deref() {
            Some(p) => index_remove(&mut self.recent_on_path, p, (seq, ci)),
            None => {
                self.recent_pathless.remove(&(seq, ci));
            }
        }
    }

    /// Keeps of `recent` the connections `keep` says, in order.
    fn retain_recent(&mut self, keep: impl Fn(&State, usize) -> bool) {
        let mut gone = Vec::new();
        let mut recent = std::mem::take(&mut self.recent);
        recent.retain(|&ci| {
            keep(self, ci) || {
                gone.push(ci);
                false
            }
        });
        self.recent = recent;
        for ci in gone {
            let mut cache = std::mem::take(&mut self.caches[ci]);
            self.unindex_recent(ci, &cache);
            cache.in_recent = false;
            self.caches[ci] = cache;
        }
    }

    /// Connection `ci` has just learnt its path: a recent one moves under it.
    fn path_learnt(&mut self, ci: usize) {
        let seq = self.caches[ci].seq;
        if !self.caches[ci].in_recent || !self.recent_pathless.remove(&(seq, ci)) {
            return;
        }
        if let Some(p) = self.conns[ci].path.as_deref() {
            index_add(&mut self.recent_on_path, p, (seq, ci));
        }
    }

    /// Connection `ci` has just given its user name number `i`: a recent one goes under
    /// it, and no longer under the names of its kind it has not given.
    fn user_learnt(&mut self, ci: usize, i: usize) {
        let cache = &self.caches[ci];
        if !cache.in_recent {
            return;
        }
        let seq = cache.seq;
        let u = cache.users()[i].as_str();
        self.recent_kindless[usize::from(user_kind(u))].remove(&(seq, ci));
        index_add(&mut self.recent_by_user, u, (seq, ci));
    }

    /// Takes the events placed outside any connection since the last call.
    pub fn take_global(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.global)
    }
}

/// Recent connections under a text (a path, a user name), as (creation number, slot).
type RecentIndex = HashMap<Box<str>, BTreeSet<(usize, usize)>>;

/// Files `entry` under `key` in `index`.
fn index_add(index: &mut RecentIndex, key: &str, entry: (usize, usize)) {
    match index.get_mut(key) {
        Some(set) => {
            set.insert(entry);
        }
        // The key is copied only for a new text.
        None => {
            index.insert(Box::from(key), BTreeSet::from([entry]));
        }
    }
}

/// Takes `entry` out from under `key` in `index`, and the key once nothing is under it.
fn index_remove(index: &mut RecentIndex, key: &str, entry: (usize, usize)) {
    if let Some(set) = index.get_mut(key) {
        set.remove(&entry);
        if set.is_empty() {
            index.remove(key);
        }
    }
}

/// Places events one at a time into a [`State`].
pub struct Builder<'a, 'b, S: Store + ?Sized> {
    set: &'a PackSet,
    store: &'a S,
    /// The longest window any search uses.
    horizon: CDuration,
    /// The state, lent for the builder's life (`watch` makes a builder per event: a
    /// state moved in and out each time cost a copy and a drop of an empty one).
    pub st: &'b mut State,
    /// What the searches ask of the event being placed (see [`Facts`]).
    placing: Option<Rc<Facts<'a>>>,
}

/// What the candidate tests ask of an event, read from its captures once: a search
/// tests the event being placed against every recent connection (hundreds of them in a
/// busy log), and each capture read walks the event's capture list.
#[derive(Clone)]
struct Facts<'a> {
    /// The event these are of.
    event: &'a Event,
    /// Where its record came from.
    origin: Origin<'a>,
    /// Its place in its pack's healthy sequence.
    step: Option<usize>,
    /// How it says the handshake was answered ([`answer_of`]).
    answer: Option<bool>,
    /// Its request id.
    request_id: Option<&'a str>,
    /// The consumer class it names.
    consumer: Option<&'a str>,
    /// The values of its `seg_*` captures (segments of the URL) that are not empty.
    segments: Vec<&'a str>,
    /// Its exact keys ([`exact_keys`]).
    keys: Vec<(&'static str, String)>,
    /// The user it names ([`user_of`]: a token's claims are decoded once).
    user: Option<Cow<'a, str>>,
    /// It is an application's close line with 1006 ([`Builder::second_close`] asks it of
    /// every candidate of a search).
    closes_1006: bool,
    /// For a request line of the proxy or the server that shows the query string (its
    /// pattern reads a `token` from it): whether it carried a token.
    request_token: Option<bool>,
    /// The token it shows ([`token_of`]).
    token: Option<&'a str>,
}

impl<'a> Facts<'a> {
    fn of(set: &PackSet, e: &'a Event, origin: Origin<'a>) -> Facts<'a> {
        Facts {
            event: e,
            origin,
            step: set.step_of(e.at),
            answer: answer_of(e),
            request_id: e.cap("request_id"),
            consumer: e.cap("consumer"),
            segments: e
                .captures
                .iter()
                .filter(|(k, v)| k.starts_with("seg_") && !v.is_empty())
                .map(|(_, v)| v)
                .collect(),
            keys: exact_keys(e, &origin),
            user: user_of(e),
            closes_1006: closes_1006(e),
            request_token: (matches!(e.stage, Stage::Proxy | Stage::Server)
                && set.pattern(e.at).reads("token"))
            .then(|| e.cap("token").is_some_and(|t| !t.is_empty())),
            token: token_of(e),
        }
    }

    /// Its client key, `ip:port` ([`client_key`]).
    fn client(&self) -> Option<&str> {
        self.keys
            .iter()
            .find(|(k, _)| *k == "client")
            .map(|(_, v)| v.as_str())
    }
}

/// How many connections without timestamps stay searchable.
const RECENT_CAP: usize = 4096;

/// How many records below its close a connection without a time stays searchable by a
/// line without one ([`Builder::prune`]).
const UNTIMED_REACH: usize = 1024;

impl<'a, 'b, S: Store + ?Sized> Builder<'a, 'b, S> {
    /// A builder over `store`, continuing `st`.
    pub fn new(set: &'a PackSet, store: &'a S, st: &'b mut State) -> Self {
        Self::resume(set, store, st, horizon(set))
    }

    /// The same, with the packs' [`horizon`] already computed (one builder per event).
    pub fn resume(set: &'a PackSet, store: &'a S, st: &'b mut State, horizon: CDuration) -> Self {
        Builder {
            set,
            store,
            horizon,
            st,
            placing: None,
        }
    }

    fn ev(&self, i: usize) -> &'a Event {
        let s: &'a S = self.store;
        s.event(i)
    }

    fn rec(&self, i: usize) -> Origin<'a> {
        let s: &'a S = self.store;
        s.origin(i)
    }

    /// Places event `ei`: returns its connection, or `None` when it joined none.
    pub fn push(&mut self, ei: usize) -> Option<usize> {
        self.st.landed = None;
        self.place(ei);
        self.placing = None;
        self.st.landed
    }

    /// The [`Facts`] of `e`: those read once for the event being placed, else read now.
    fn facts<'s>(&'s self, e: &'s Event) -> Cow<'s, Facts<'s>> {
        match self.placing.as_deref() {
            Some(f) if std::ptr::eq(f.event, e) => Cow::Borrowed(f),
            _ => Cow::Owned(Facts::of(self.set, e, self.rec(e.record))),
        }
    }

    /// The same, shared: for the code that places the event and changes the state.
    fn facts_rc(&self, e: &'a Event) -> Rc<Facts<'a>> {
        match &self.placing {
            Some(f) if std::ptr::eq(f.event, e) => f.clone(),
            _ => Rc::new(Facts::of(self.set, e, self.rec(e.record))),
        }
    }

    fn step_index(&self, e: &Event) -> Option<usize> {
        self.facts(e).step
    }

    /// The window in which this step may follow the connection's previous event.
    fn step_window(&self, e: &Event) -> CDuration {
        let pack = self.set.pack(e.at);
        let w = self
            .step_index(e)
            .and_then(|i| pack.sequence[i].within)
            .map(|d| d.as_millis() as i64 * 2)
            .unwrap_or(DEFAULT_STEP_WINDOW_MS)
            .max(DEFAULT_STEP_WINDOW_MS);
        CDuration::milliseconds(w)
    }

    /// Highest sequence step of pack `pack` connection `ci` has reached.
    fn reached(&self, ci: usize, pack: usize) -> Option<usize> {
        self.st.caches[ci]
            .reached
            .iter()
            .find(|(p, _)| *p == pack)
            .map(|(_, s)| *s)
    }

    /// Whether user name `u` is connection `ci`'s user: `Some(true)` when its lines gave
    /// that name, `Some(false)` when they gave another of the same kind (one id, e-mail
    /// or user name against another: the middleware logs `user_id: 8` and the consumer
    /// `User customer8@example.com`, which do not disagree), `None` when they say nothing.
    fn user_match(&self, ci: usize, u: &str) -> Option<bool> {
        let rare = self.st.caches[ci].rare.as_deref()?;
        if rare.users.is_empty() {
            return None;
        }
        if rare.users.iter().any(|n| n == u) {
            return Some(true);
        }
        (rare.user_kinds >> user_kind(u) & 1 == 1).then_some(false)
    }

    /// Connection `ci` reached a step of `pack` before `step` and every step between
    /// them may be skipped: `step` is what it waits for next.
    fn waits_for(&self, ci: usize, pack: usize, step: usize) -> bool {
        let seq = &self.set.packs[pack].sequence;
        self.reached(ci, pack)
            .is_some_and(|r| r < step && seq[r + 1..step].iter().all(|s| s.optional))
    }

    /// A connection that logged a line of pack `pack` that is neither a step nor repeats
    /// (an error, a rejection) has left the healthy sequence: no further step of that
    /// pack pairs with it.
    fn diverted(&self, ci: usize, pack: usize) -> bool {
        self.st.caches[ci].diverted.contains(&pack)
    }

    /// Every line that took connection `ci` off pack `pack`'s sequence came at or after
    /// `second`. A whole-second line of that second may have been written before such a
    /// line: Daphne's WSCONNECT before the exception it logged a moment later (a guess,
    /// moved when the session turns out to have lived on), or before the consumer's
    /// `Conversation 4242 does not exist` and its close with 4004 after accepting.
    fn diverted_since(&self, ci: usize, pack: usize, second: DateTime<Utc>) -> bool {
        let mut any = false;
        for k in &self.st.conns[ci].links {
            let ev = self.ev(k.event);
            if usize::from(ev.at.pack) != pack || !leaves_sequence(self.set, ev) {
                continue;
            }
            if ev.ts.is_none_or(|t| t < second) {
                return false;
            }
            any = true;
        }
        any
    }

    /// Closed as far as a line at `ts` is concerned. A close written in whole seconds
    /// (Daphne's access log) happened somewhere in that second, so lines of the same
    /// second from a more precise source may still precede it.
    fn closed_for(&self, ci: usize, ts: Option<DateTime<Utc>>) -> bool {
        if !self.st.conns[ci].closed || self.st.caches[ci].close_overturned {
            return false;
        }
        match (self.st.caches[ci].closed_at, ts) {
            (Some((t, true)), Some(now)) => now >= t + CDuration::seconds(1),
            _ => true,
        }
    }

    /// Open for a line at `e`'s time, of `e`'s process, compatible with it, and active
    /// within `window`: what every search for a line without an id asks first.
    fn live_for(&self, ci: usize, e: &Event, since: Option<DateTime<Utc>>) -> bool {
        // (The flags first: an untimed connection's activity reads its links.)
        !self.closed_for(ci, e.ts) && self.active(ci, e, since) && self.joinable(ci, e)
    }

    /// Of `e`'s process and compatible with it: what [`Builder::live_for`] asks besides
    /// time, for a search that asked [`Builder::active`] first.
    fn joinable(&self, ci: usize, e: &Event) -> bool {
        self.same_process(ci, e) && self.compatible(ci, e)
    }

    /// Connection `ci` was active at or after `since` (as [`active_since`]) and may be
    /// paired with line `e` by time ([`Builder::untimed_elsewhere`]).
    // (Asked of every candidate of a search: inlined, and the connection's links read
    // only when it has no time.)
    #[inline]
    fn active(&self, ci: usize, e: &Event, since: Option<DateTime<Utc>>) -> bool {
        match self.st.conns[ci].end {
            end @ Some(_) => active_since(end, since),
            None => !self.untimed_elsewhere(ci, e),
        }
    }

    /// Connection `ci` has no time yet and none of its lines is this input's: nothing
    /// says when it was, so a line of this input cannot be paired with it by time. uvicorn's
    /// console writes no times at all; its refused handshake took Daphne's lines of
    /// another log, named beside it, years apart. (In its own input a line follows the
    /// lines above it.)
    fn untimed_elsewhere(&self, ci: usize, e: &Event) -> bool {
        let c = &self.st.conns[ci];
        c.end.is_none() && c.links.iter().all(|l| self.ev(l.event).input != e.input)
    }

    /// The connection's server lines came from the process (host, pid) that wrote `e`,
    /// or it has none yet. Where both the line and the connection carry ids (a client
    /// `ip:port`, a request id), a pid one side lacks is no difference: Daphne's access
    /// log writes none, while a JSON application log beside it writes its `process`. A
    /// line or connection that names nothing needs the same pid: under several workers
    /// an unknown one could be any of them.
    fn same_process(&self, ci: usize, e: &Event) -> bool {
        let f = self.facts(e);
        let r = f.origin;
        let named = !f.keys.is_empty() && self.st.caches[ci].kinds_all != 0;
        self.st.conns[ci].source.as_ref().is_none_or(|(h, p)| {
            h.as_deref() == r.host && (*p == r.pid || named && pids_may_match(*p, r.pid))
        })
    }

    /// Lines of another consumer class never belong to this connection; a step of an
    /// application pack does not join a connection another application pack's steps
    /// already describe (packs may share a line, so only steps are held to this).
    fn compatible(&self, ci: usize, e: &Event) -> bool {
        let c = &self.st.caches[ci];
        let f = self.facts(e);
        if !self.same_answer(ci, e) || !self.same_request(ci, e) {
            return false;
        }
        // A handshake is answered before the connection closes: an acceptance that names
        // nothing, written in the input that already holds the connection's close code
        // below it, is a later session's (uvicorn's `[accepted]`, without a time, under
        // the application's `disconnected code=1000` of the session before). Not a
        // whole-second line: it sorts after the precise lines of its second.
        if f.answer == Some(true)
            && e.stage != Stage::Proxy
            && f.keys.is_empty()
            && !f.origin.coarse
            && c.coded_in == Some(f.origin.input)
        {
            return false;
        }
        // Another token is another client's connection: a revoked token retried beside
        // healthy sessions on the same path, or the middleware's `Signature has expired
        // token=...` beside another client's session it was not about.
        if c.other_token(f.token) {
            return false;
        }
        // A server process's lines are about the connections it serves (a uvicorn
        // container's attempt never takes a Daphne middleware line naming the same user).
        if e.stage != Stage::Proxy && !self.same_process(ci, e) {
            return false;
        }
        if f.step.is_some()
            && matches!(e.stage, Stage::Middleware | Stage::Consumer)
            && c.app_pack.is_some_and(|p| p != usize::from(e.at.pack))
        {
            return false;
        }
        // The application's first line about a handshake comes before anyone answers it:
        // a connection answered by a line written before it (Django's `Not Found: /ws/...`
        // at the millisecond, for a request that reached it as plain HTTP; Daphne's
        // port-less WSREJECT of an earlier second) is another request's. So is every line
        // of the middleware, which runs on the handshake only: an `Invalid token` does not
        // join a session the server accepted seconds ago (uvicorn writes its answer after
        // the application's lines about it, gunicorn in whole seconds).
        // (A later line of the middleware only a second after the answer: a journal may
        // stamp the application's buffered stderr after the server's stdout.)
        let first_line =
            f.step == Some(0) && matches!(e.stage, Stage::Middleware | Stage::Consumer);
        if c.answer.is_some()
            && (first_line && c.answered_precisely
                || (first_line || e.stage == Stage::Middleware) && c.answered_a_second_before(e.ts))
        {
            return false;
        }
        // A client `ip:port` names one connection: a server's or application's line that
        // names another is not this one's, however well its path fits (a WSDISCONNECT
        // whose WSCONNECT came before the log began, beside a session open on its path).
        // Nor is one from another address (a browser's plain request on the path, where
        // the server writes port 0).
        if e.stage != Stage::Proxy {
            let c = &self.st.conns[ci];
            if let (Some(a), Some(b)) = (f.client(), c.client.as_deref()) {
                if a != b {
                    return false;
                }
            }
            if let (Some(a), Some(b)) = (client_ip_of(e), c.client_ip.as_deref()) {
                if a != b {
                    return false;
                }
            }
        }
        if let Some(p) = self.st.conns[ci].path.as_deref() {
            // A capture named `seg_*` is a segment of the URL (`Customer ID: 3` of
            // /ws/chat/3/101/): the line is not this connection's if its path lacks it.
            let foreign = f.segments.iter().any(|v| !p.split('/').any(|s| s == *v));
            if foreign {
                return false;
            }
        }
        match (f.consumer, c.consumer()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// A handshake is either upgraded or refused: a line that says one never joins a
    /// connection whose lines said the other (a port-less WSREJECT beside an accepted
    /// session on the same path, nginx's 403 beside an accepted one).
    fn same_answer(&self, ci: usize, e: &Event) -> bool {
        match (self.facts(e).answer, self.st.caches[ci].answer) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// A request id names one request: a line carrying one never joins a connection
    /// whose lines carried another (nginx's access line of a plain-HTTP request beside
    /// the WebSocket session the application logged on the same path).
    /// The proxy and the server write the same request too: one with a token in its query
    /// string and one without are two requests (a handshake without a token and one with
    /// a bad token, refused in the same second on the same path).
    fn same_request(&self, ci: usize, e: &Event) -> bool {
        let cache = &self.st.caches[ci];
        let ids = cache.request_ids();
        let f = self.facts(e);
        f.request_id
            .is_none_or(|id| ids.is_empty() || ids.iter().any(|x| x == id))
            && f.request_token
                .zip(cache.request_token)
                .is_none_or(|(a, b)| a == b)
    }

    fn has(&self, ci: usize, at: PatternRef) -> bool {
        // Asked of every recent connection by a search; compared as one number (the
        // same order as `PatternRef`'s, pack then pattern), a step of the search costs
        // one comparison instead of two.
        let want = pattern_key(&at);
        self.st.caches[ci]
            .patterns
            .binary_search_by_key(&want, pattern_key)
            .is_ok()
    }

    fn has_pattern(&self, ci: usize, e: &Event) -> bool {
        self.has(ci, e.at) && !self.second_close(ci, e)
    }

    /// Line `e` is the application's second close line of connection `ci`: Channels
    /// runs the consumer's `disconnect()` (`disconnected code=1006`) after the consumer's
    /// own `close(4001)` before accept (`closing with code=4001`), and an application
    /// that logs both writes two, the second just after the first.
    fn second_close(&self, ci: usize, e: &Event) -> bool {
        // The consumer's own code is an application's (4000-4999, 3000-3999); the one
        // its disconnect() is handed for a handshake never accepted is 1006. (Asked of
        // every candidate of a search: known once for the line being placed.)
        let is_1006 = match self.placing.as_deref() {
            Some(f) if std::ptr::eq(f.event, e) => f.closes_1006,
            _ => closes_1006(e),
        };
        if !is_1006 {
            return false;
        }
        let mut earlier = self.st.conns[ci]
            .links
            .iter()
            .map(|l| self.ev(l.event))
            .filter(|x| x.at == e.at);
        match (earlier.next(), earlier.next()) {
            (Some(first), None) => {
                first.record != e.record
                    && first.cap("code").is_some_and(|c| c.starts_with(['3', '4']))
                    && first.ts.zip(e.ts).is_some_and(|(a, b)| {
                        b >= a && b - a <= CDuration::milliseconds(KEYLESS_WINDOW_MS)
                    })
            }
            _ => false,
        }
    }

    /// Drops from `recent` the connections idle for longer than any window; at line `e`
    /// without a time, those without one that its input closed [`UNTIMED_REACH`] records
    /// or more above it (line order is all such a log has to place by, and every search
    /// for a line that names nothing walks `recent`: a console log of uvicorn took a
    /// quarter of a minute for 120,000 lines).
    fn prune(&mut self, e: &Event) {
        let horizon = self.horizon;
        match e.ts {
            Some(n) => self
                .st
                .retain_recent(|st, ci| st.conns[ci].end.is_none_or(|e| n - e <= horizon)),
            None => self.st.retain_recent(|st, ci| {
                let c = &st.conns[ci];
                let far =
                    |&(input, r): &(u32, usize)| input == e.input && r + UNTIMED_REACH <= e.record;
                !(c.end.is_none()
                    && c.closed
                    && !st.caches[ci].close_overturned
                    && c.closed_line.as_ref().is_some_and(far))
            }),
        }
        if self.st.recent.len() > RECENT_CAP {
            let cut = self.st.recent[self.st.recent.len() - RECENT_CAP];
            let seq = self.st.caches[cut].seq;
            self.st.retain_recent(|st, ci| st.caches[ci].seq >= seq);
        }
    }

    fn attach(&mut self, ci: usize, ei: usize, key: &'static str, exact: bool) {
        let e = self.ev(ei);
        let r = self.rec(e.record);
        let ends = self.set.pattern(e.at).ends;
        // (A line with a close code is the application's own close: the session ended.)
        if exact
            && !ends
            && key != "start"
            && e.cap("code").is_none()
            && self.st.caches[ci].closed_guess
        {
            self.st.caches[ci].close_overturned = true;
        }
        // The application's own close, by id, of a connection whose guessed close was
        // overturned: now it is over.
        let app_close = exact
            && e.stage == Stage::Consumer
            && e.cap("code").is_some()
            && self.st.caches[ci].close_overturned;
        let f = self.facts_rc(e);
        let keys = &f.keys;
        let path = e.cap("path").map(normalize_path);
        let client = f.client();
        let cip = client_ip(e);
        let user = f.user.as_deref();
        self.st.record_conn = Some((e.record, ci));
        self.st.landed = Some(ci);
        // (Forward only: `scan` places an application's held close after lines written
        // below it.)
        let last = self
            .st
            .last_in_input
            .entry(r.input)
            .or_insert((r.lines.1, ci));
        if r.lines.1 >= last.0 {
            *last = (r.lines.1, ci);
        }
        let users_before;
        {
            let step = f.step;
            let leaves = step.is_none() && leaves_sequence(self.set, e);
            let cache = &mut self.st.caches[ci];
            if let Err(i) = cache.patterns.binary_search(&e.at) {
                cache.patterns.insert(i, e.at);
            }
            match step {
                Some(st) => match cache
                    .reached
                    .iter_mut()
                    .find(|(p, _)| *p == usize::from(e.at.pack))
                {
                    Some((_, r)) => *r = (*r).max(st),
                    None => cache.reached.push((usize::from(e.at.pack), st)),
                },
                None if leaves && !cache.diverted.contains(&usize::from(e.at.pack)) => {
                    cache.diverted.push(usize::from(e.at.pack))
                }
                None => {}
            }
            if cache.app_pack.is_none()
                && step.is_some()
                && matches!(e.stage, Stage::Middleware | Stage::Consumer)
            {
                cache.app_pack = Some(usize::from(e.at.pack));
            }
            if let (None, Some(c)) = (cache.consumer(), e.cap("consumer")) {
                cache.rare_mut().consumer = Some(c.into());
            }
            if let (None, Some(t)) = (cache.token(), f.token) {
                cache.rare_mut().token = Some(t.into());
            }
            // (A code the pattern sets, as the middleware's 4001, is no close written.)
            if cache.coded_in.is_none()
                && e.stage != Stage::Proxy
                && e.cap("code").is_some()
                && self.set.pattern(e.at).reads("code")
            {
                cache.coded_in = Some(r.input);
            }
            cache.request_token = cache.request_token.or(f.request_token);
            if cache.answer.is_none() {
                cache.answer = f.answer;
                cache.answered_precisely = cache.answer.is_some() && !r.coarse;
                cache.answered_at = e.ts.filter(|_| cache.answer.is_some());
                cache.answered_in = cache.answer.map(|_| e.input);
            }
            if e.stage == Stage::Server && f.answer == Some(false) {
                if let Some(t) = e.ts {
                    let rare = cache.rare_mut();
                    rare.refused_line = Some((e.input, e.record, t.timestamp()));
                    rare.refused_status = e.cap("status").and_then(|s| s.parse().ok());
                }
            }
            if let Some(id) = e.cap("request_id") {
                if !cache.request_ids().iter().any(|x| x == id) {
                    cache.rare_mut().request_ids.push(id.to_string());
                }
            }
            users_before = cache.users().len();
            let names = ["user", "user_id", "email"].map(|n| e.cap(n));
            for u in names.into_iter().flatten().chain(user) {
                if !cache.users().iter().any(|x| x == u) {
                    let rare = cache.rare_mut();
                    rare.users.push(u.to_string());
                    rare.user_kinds |= 1 << user_kind(u);
                }
            }
            let mask = kinds_mask(keys);
            cache.kinds_all |= mask;
            if e.stage == Stage::Proxy {
                cache.has_proxy = true;
                if let (Some(_), None, Some(t)) = (e.cap("status"), cache.proxy_at(), e.ts) {
                    cache.rare_mut().proxy_at = Some((t, cip.as_deref().map(Box::from)));
                }
            } else {
                cache.kinds_server |= mask;
                cache.has_server = true;
            }
        }
        let c = &mut self.st.conns[ci];
        short(&mut c.links).push(Link::new(ei, key, exact));
        {
            let cache = &mut self.st.caches[ci];
            cache.start.note(e, r.coarse, cache.has_server);
            c.start = cache.start.start();
        }
        if e.ts.is_some() && e.ts > c.end {
            c.end = e.ts;
        }
        let learnt = c.path.is_none() && path.is_some();
        if learnt {
            c.path = path.map(Box::from);
        }
        if e.stage != Stage::Proxy {
            if c.client.is_none() {
                c.client = client.map(Box::from);
            }
            if c.client_ip.is_none() {
                c.client_ip = cip.map(Box::from);
            }
            if c.source.is_none()
                && matches!(e.stage, Stage::Server | Stage::Middleware | Stage::Consumer)
            {
                c.source = Some((r.host.map(|h| intern(&mut self.st.hosts, h)), r.pid));
            }
        } else if c.client_ip.is_none() {
            c.client_ip = cip.map(Box::from);
        }
        if c.user.is_none() {
            c.user = user.map(Box::from);
        }
        for k in keys {
            match self.st.keys.get_mut(k) {
                None => {
                    self.st.keys.insert(k.clone(), ci);
                    self.st.caches[ci].keys.push(k.clone());
                }
                // A connection closed by a guess kept its id until a new one took it.
                Some(o) if *o != ci && self.st.conns[*o].closed => {
                    let old = std::mem::replace(o, ci);
                    self.st.caches[old].keys.retain(|x| x != k);
                    self.st.caches[ci].keys.push(k.clone());
                }
                Some(_) => {}
            }
        }
        if learnt {
            self.st.path_learnt(ci);
        }
        for i in users_before..self.st.caches[ci].users().len() {
            self.st.user_learnt(ci, i);
        }
        self.reindex(ci);
        let coarse = r.coarse;
        if (ends && e.stage != Stage::Proxy) || app_close {
            self.st.conns[ci].closed = true;
            self.st.caches[ci].closed_at = e.ts.map(|t| (t, coarse));
            self.st.caches[ci].closed_exact = exact && key != "start";
            self.st.conns[ci].closed_line = Some((e.input, e.record));
            self.st.caches[ci].closed_guess = !exact;
            self.st.caches[ci].close_overturned = false;
            // A close joined by inference may be another session's: the connection's
            // ids stay in the index, so its own later lines still find it.
            if exact {
                for k in std::mem::take(&mut self.st.caches[ci].keys) {
                    self.st.keys.remove(&k);
                    self.st.closed_keys.insert(k.clone(), ci);
                    self.st.caches[ci].rare_mut().closed_keys.push(k);
                }
            }
            let seq = self.st.caches[ci].seq;
            self.st.open_set.remove(&(seq, ci));
        } else if ends && !self.st.caches[ci].has_server {
            // The proxy writes its access line when the request is over. That ends a
            // connection only the proxy has seen; the server's own lines still join one
            // it shares with the proxy.
            self.st.conns[ci].closed = true;
            self.st.caches[ci].closed_at = e.ts.map(|t| (t, coarse));
            let seq = self.st.caches[ci].seq;
            self.st.open_set.remove(&(seq, ci));
        } else if ends {
            let c = &mut self.st.conns[ci];
            c.proxy_end = c.proxy_end.max(e.ts);
        }
    }

    /// Keeps `by_path` in step with the connection's path and start.
    fn reindex(&mut self, ci: usize) {
        let c = &self.st.conns[ci];
        let Some(p) = &c.path else { return };
        let want = c.start.map(|t| t.timestamp_millis());
        if self.st.caches[ci].indexed != want {
            if let Some(t) = self.st.caches[ci].indexed.take() {
                self.st.by_path.remove(&(p.clone(), t, ci));
            }
            if let Some(t) = want {
                self.st.by_path.insert((p.clone(), t, ci));
            }
            self.st.caches[ci].indexed = want;
        }
    }

    fn open(&mut self, ei: usize) {
        self.st.opened += 1;
        let conn = Connection {
            id: format!("c{}", self.st.opened).into(),
            ..Connection::default()
        };
        let ci = match self.st.free.pop() {
            Some(ci) => {
                self.st.conns[ci] = conn;
                self.st.caches[ci] = Cache::default();
                ci
            }
            None => {
                self.st.conns.push(conn);
                self.st.caches.push(Cache::default());
                self.st.conns.len() - 1
            }
        };
        self.st.caches[ci].seq = self.st.opened;
        self.st.open_set.insert((self.st.opened, ci));
        self.st.enter_recent(ci);
        self.attach(ci, ei, "start", true);
    }

    fn place(&mut self, ei: usize) {
        let e = self.ev(ei);
        let r = self.rec(e.record);
        let f = Rc::new(Facts::of(self.set, e, r));
        self.placing = Some(f.clone());
        self.st.placed += 1;
        if self.st.placed.is_multiple_of(256) {
            self.prune(e);
        }
        if let Some((rec, owner)) = self.st.record_conn {
            if rec == e.record {
                self.attach(owner, ei, "line", true);
                return;
            }
        }
        if let Some(ci) = self.copy_of(ei, &f) {
            self.attach(ci, ei, "line", true);
            return;
        }
        // A proxy line that names no connection at all (nginx's `1024 worker_connections
        // are not enough`, written while accepting) is about the proxy, not a session.
        let unnamed_proxy = e.stage == Stage::Proxy
            && f.keys.is_empty()
            && e.cap("path").is_none()
            && e.cap("client_ip").is_none();
        if e.stage == Stage::Process || unnamed_proxy {
            let pattern = usize::from(e.at.pattern);
            let start_line = self
                .set
                .pack(e.at)
                .rules
                .iter()
                .any(|r| r.when.restarted && r.when.seen.contains(&pattern));
            if let (true, Some(t)) = (start_line, e.ts) {
                let host = self.rec(e.record).host;
                let key = (
                    e.at.pack,
                    e.input,
                    host.map(|h| intern(&mut self.st.hosts, h)),
                );
                match self.st.started.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, at)) => *at = t,
                    None => self.st.started.push((key, t)),
                }
            }
            self.st.global.push(ei);
            return;
        }
        if self.st.defer_untimed_access && self.untimed_access(e) {
            self.st.deferred.push(ei);
            return;
        }
        for k in &f.keys {
            if let Some(&ci) = self.st.keys.get(k) {
                // Closed by a key-less line (uvicorn's `connection closed`) it still owns
                // its id, since that close was a guess; but a line that opens a
                // connection, or one long after, is a new client on a reused port. So is
                // the first step of an application's sequence on a connection that
                // already went through one (the previous session's close was not logged
                // or not recognised).
                let first_step = self.step_index(e) == Some(0)
                    && matches!(e.stage, Stage::Middleware | Stage::Consumer);
                let again = first_step
                    && (self.reached(ci, usize::from(e.at.pack)).is_some()
                        || self.st.caches[ci]
                            .app_pack
                            .is_some_and(|p| p != usize::from(e.at.pack)));
                // A server's opening line on an id whose connection another server
                // process served, or that was already opened, is a new client on a
                // reused port (the last one's end was not logged: a uvicorn 403).
                let reopened = self.opens(ei)
                    && e.stage == Stage::Server
                    && (!self.same_process(ci, e) || self.was_opened(ci));
                let stale = again
                    || reopened
                    || self.st.conns[ci].closed
                        && (self.opens(ei)
                            || first_step
                            || e.ts.zip(self.st.conns[ci].end).is_some_and(|(t, end)| {
                                t > end + CDuration::milliseconds(CLOSED_GRACE_MS)
                            }));
                if stale {
                    for k in &f.keys {
                        if self.st.keys.get(k) == Some(&ci) {
                            self.st.keys.remove(k);
                            self.st.caches[ci].keys.retain(|x| x != k);
                        }
                    }
                    self.open(ei);
                    return;
                }
                let ci = self
                    .earlier_session_of_client(ei, ci)
                    .or_else(|| {
                        (k.0 == "client")
                            .then(|| self.session_of_client_on_path(ei, ci))
                            .flatten()
                    })
                    .unwrap_or(ci);
                self.attach(ci, ei, k.0, true);
                return;
            }
        }
        if let Some((ci, kind)) = self.closed_owner(ei) {
            self.attach(ci, ei, kind, true);
            return;
        }
        if self.opens(ei) && e.stage != Stage::Proxy {
            // Nothing of this connection was logged before it: an older connection on
            // the same path is another client's (one whose access line went missing).
            // Only a line written in whole seconds sorts after the precise lines of its
            // second, so the application may already have logged this connection.
            if let Some(ci) = self.same_second_opening(ei) {
                self.attach(ci, ei, "path", false);
                return;
            }
            self.open(ei);
            return;
        }
        if e.stage == Stage::Proxy {
            if let Some(ci) = self.proxy_sibling(ei) {
                self.attach(ci, ei, "request", false);
                return;
            }
            if let Some(ci) = self.proxy_candidate(ei) {
                self.attach(ci, ei, "request_time", false);
                return;
            }
            if let Some(ci) = self.error_sibling(ei) {
                self.attach(ci, ei, "request", false);
                return;
            }
            if let Some(ci) = self.pathless_refusal(ei) {
                self.attach(ci, ei, "request_time", false);
                return;
            }
            self.open(ei);
            return;
        }
        let path = e.cap("path").map(normalize_path);
        let user = f.user.as_deref();
        if path.is_some() || user.is_some() {
            if let Some((ci, key)) = self.path_candidate(ei, path.as_deref(), user) {
                self.attach(ci, ei, key, false);
                return;
            }
            {
                if let Some(ci) = self.recently_closed(ei, path.as_deref()) {
                    self.attach(ci, ei, "after-close", false);
                    return;
                }
            }
            if let Some(ci) = self.long_session(ei, path.as_deref()) {
                self.attach(ci, ei, "long-session", false);
                return;
            }
            // Lines that named neither path nor client (`User found in JWT: admin`)
            // started a connection just before this one named its path. The first line
            // the application writes about a handshake comes before anything else of
            // it: an error alone (a Redis failure no session owned) started none then
            // (a server's access line, written at the answer, may follow its exception).
            if path.is_some() {
                let kinds: Vec<&str> = f.keys.iter().map(|k| k.0).collect();
                let app_first = self.step_index(e) == Some(0)
                    && matches!(e.stage, Stage::Middleware | Stage::Consumer);
                if let Some(ci) = self.recent_without(ei, &kinds).filter(|&ci| {
                    self.st.conns[ci].path.is_none()
                        && (!app_first
                            || self.st.conns[ci].links.iter().any(|k| {
                                matches!(
                                    self.ev(k.event).stage,
                                    Stage::Middleware | Stage::Consumer
                                )
                            }))
                }) {
                    self.attach(ci, ei, "time", false);
                    return;
                }
            }
            self.open(ei);
            return;
        }
        let keys = &f.keys;
        if !keys.is_empty() {
            // An id of a kind the connection has not shown yet (Daphne 1.x's channel
            // name beside the access line's client): the process's connection that
            // started just now and has no such id pairs with it, first come.
            let kinds: Vec<&str> = keys.iter().map(|k| k.0).collect();
            if let Some(ci) = self.recent_without(ei, &kinds) {
                self.attach(ci, ei, "time", false);
            } else {
                self.open(ei);
            }
            return;
        }
        // No key at all. A step of a sequence (`[ChatConsumer] Connection attempt
        // started`) pairs first-come with the process's connections that reached the
        // step before it; anything else (`Failed to add to channel group`) belongs to
        // the connection its process was just serving.
        let pat = self.set.pattern(e.at);
        // An error written without a time, right under a line of a connection (uvicorn's
        // traceback follows the last line the failing consumer logged): that one's,
        // unless it already has such an error (the next is another session's).
        if self.store.timeless(e.record)
            && matches!(e.stage, Stage::Server | Stage::Layer)
            && e.cap("path").is_none()
            && self.step_index(e).is_none()
        {
            // By line, not by record: whether the lines nothing matched were kept must
            // not change where this one goes.
            if let Some(&(end, ci)) = self.st.last_in_input.get(&r.input) {
                if r.lines.0 == end + 1
                    && self.live_for(ci, e, None)
                    && !self.has_pattern(ci, e)
                    && self.takes_record(ci, ei)
                {
                    self.attach(ci, ei, "line", false);
                    return;
                }
            }
        }
        let cand = if let Some(ci) = self.just_closed(ei) {
            Some((ci, "after-close"))
        } else if !pat.after.is_empty() && !pat.repeats {
            let window = self.step_window(e);
            // A connection already past the step this line follows is not its owner.
            let seq = &self.set.pack(e.at).sequence;
            let limit = pat
                .after
                .iter()
                .filter_map(|a| seq.iter().position(|st| st.pattern == *a))
                .max();
            let since = earliest(e.ts, window);
            let pack = usize::from(e.at.pack);
            let in_receive = self.record_handler(ei) == Some("websocket_receive");
            // (The cheap tests first: most recent connections fail on their patterns.)
            let fits = |ci: usize, a: usize| {
                // A close inferred for a line that names nothing (uvicorn's `connection
                // closed`) may be another session's: a consumer that raised while
                // handling a message was still there, unless it logged its own close.
                let guessed = in_receive && !self.st.caches[ci].closed_exact;
                // Both ways in ask for activity since `since`: asked first, it spares
                // the connections idle that long a walk of their patterns.
                self.active(ci, e, since)
                    && self.has(ci, PatternRef::new(pack, a))
                    && !self.has_pattern(ci, e)
                    && limit.is_none_or(|lim| self.reached(ci, pack).is_none_or(|r| r <= lim))
                    && (!self.closed_for(ci, e.ts) || guessed)
                    // A refused handshake ran its application at once: an error seconds
                    // later (uvicorn's traceback of a session that lost Redis, its
                    // time the line's before it) is a session's that ran since.
                    && !self.refused_before(ci, e.ts, CDuration::seconds(2))
                    && self.joinable(ci, e)
                    && !(in_receive && self.app_closed(ci))
                    && self.takes_record(ci, ei)
            };
            let recent = &self.st.recent;
            // An exception raised while handling a message follows that message: the
            // session that logged last (in time, then in its log), of those any `after`
            // pattern fits, is its owner.
            if in_receive {
                let last_line = |ci: usize| {
                    self.st.conns[ci]
                        .links
                        .last()
                        .map(|k| self.ev(k.event).record)
                };
                recent
                    .iter()
                    .copied()
                    .filter(|&ci| pat.after.iter().any(|&a| fits(ci, a)))
                    .max_by_key(|&ci| (self.st.conns[ci].end, last_line(ci), ci))
                    .map(|i| (i, "after"))
            } else {
                // The `after` list is in order of preference: the first pattern that some
                // connection has decides, and among those the first come wins. A line that
                // follows a healthy step (`Authorization failed` after `User authenticated`)
                // is the first break of its connection: a connection still on the healthy
                // sequence whose last step is that one goes first, then any still on it,
                // and one that already broke off (a rejected token) only when none is.
                pat.after
                    .iter()
                    .find_map(|&a| {
                        let fits = |ci: usize| fits(ci, a);
                        match seq.iter().position(|st| st.pattern == a) {
                            Some(p) => first_preferred(
                                recent,
                                fits,
                                &[
                                    &|ci| {
                                        !self.diverted(ci, pack)
                                            && self.reached(ci, pack) == Some(p)
                                    },
                                    &|ci| !self.diverted(ci, pack),
                                    &|_| true,
                                ],
                            ),
                            None => first_preferred(recent, fits, &[&|_| true]),
                        }
                    })
                    .map(|i| (i, "after"))
            }
        } else if let (Some(step), false) = (self.step_index(e), pat.repeats) {
            let since = earliest(e.ts, self.step_window(e));
            let pack = usize::from(e.at.pack);
            let fits = |ci: usize| {
                // Activity since `since` asked first spares the connections idle that
                // long a walk of their patterns; then the rest of `live_for`.
                self.active(ci, e, since)
                    && !self.has_pattern(ci, e)
                    && self.reached(ci, pack).is_none_or(|r| r < step)
                    && !self.closed_for(ci, e.ts)
                    && self.joinable(ci, e)
            };
            // The connection waiting for exactly this line is the one whose last step is
            // the required one before it; then one that would skip a required step; then
            // one that left the healthy sequence but goes on (an anonymous user after an
            // invalid token still reaches the consumer); one with none of the pack's
            // lines yet (an access line, a connection whose earlier lines were not
            // logged) takes it only when no other is.
            let on_track = |ci: usize| !self.diverted(ci, pack);
            first_preferred(
                &self.st.recent,
                fits,
                &[
                    &|ci| on_track(ci) && self.waits_for(ci, pack, step),
                    &|ci| on_track(ci) && self.reached(ci, pack).is_some(),
                    &|ci| self.reached(ci, pack).is_some(),
                    &on_track,
                ],
            )
            .map(|i| (i, "step"))
        } else {
            None
        };
        // Nothing in sequence: the connection this process logged for last, just now.
        let cand = cand.or_else(|| {
            // The one that logged most recently, not the one opened last: a coarse
            // access log may have opened several at once.
            let since = earliest(e.ts, CDuration::milliseconds(KEYLESS_WINDOW_MS));
            // The middleware runs on the handshake, before any answer: a session upgraded
            // by a line written above this one, or a second or more before it, is another
            // client's. (Within a second, from another input, the order is not known: a
            // journal may stamp the application's stderr after the server's stdout.)
            let upgraded_before = |ci: usize| {
                let c = &self.st.caches[ci];
                e.stage == Stage::Middleware
                    && c.answer == Some(true)
                    && (c.answered_in == Some(e.input) || c.answered_a_second_before(e.ts))
            };
            self.latest_where(|ci| {
                self.live_for(ci, e, since)
                    && !upgraded_before(ci)
                    && (pat.repeats || !self.has_pattern(ci, e))
                    && self.takes_record(ci, ei)
            })
            .map(|i| (i, "time"))
        });
        // The line a consumer writes after the server logged the close. (Not the
        // middleware's: it runs on the handshake, before anything is closed.)
        let cand = cand.or_else(|| {
            if e.stage == Stage::Middleware {
                return None;
            }
            let since = earliest(e.ts, CDuration::milliseconds(KEYLESS_WINDOW_MS));
            self.latest_where(|ci| {
                self.st.conns[ci].closed
                    && self.same_process(ci, e)
                    && self.active(ci, e, since)
                    && !self.has_pattern(ci, e)
                    && self.takes_record(ci, ei)
            })
            .map(|i| (i, "after-close"))
        });
        let cand = cand.or_else(|| self.long_session(ei, None).map(|i| (i, "long-session")));
        let cand = cand.or_else(|| self.lone_open_session(ei).map(|i| (i, "only-open")));
        match cand {
            Some((ci, key)) => self.attach(ci, ei, key, false),
            // A close (this far, it names no id, path or user: uvicorn's `connection
            // closed`) that no session took, below lines of sessions of its input, is
            // one of theirs counted twice (the guesses gave their closes to others):
            // alone, it is no connection, which would count a session healthy that
            // nothing else shows. Above them, it is a session whose other lines came
            // before the log began.
            None if pat.ends && self.st.last_in_input.contains_key(&r.input) => {
                self.st.global.push(ei)
            }
            // The first line we see of a connection (its earlier lines were not logged);
            // a channel-layer or database error alone is not a connection.
            None if e.stage != Stage::Layer => self.open(ei),
            None => self.st.global.push(ei),
        }
    }

    /// For the application's own close line (`Disconnected with code 1000`, a pattern
    /// with a `code` capture): the servers log the socket's close first (Daphne's
    /// WSDISCONNECT, uvicorn's `connection closed`) and only then run the consumer's
    /// disconnect(), so the connection whose close was logged last, moments ago, is its
    /// owner, before any still open: one that has a line this one follows, or, for a
    /// pattern that follows nothing in particular, one a whole-second close ended whose
    /// application logged no close yet. Only a close that named its connection counts (a
    /// key-less one may sit on the wrong connection itself), or the server's refusal of a
    /// handshake for a 1006: the latest close of the window wins, so a session that
    /// dropped and closed after a refusal takes its own 1006. Closes of one whole second
    /// go to a refused handshake first for a 1006, then in the order they were written.
    fn just_closed(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        let pat = self.set.pattern(e.at);
        if e.stage != Stage::Consumer || pat.repeats || !pat.reads("code") {
            return None;
        }
        let since = earliest(e.ts, CDuration::milliseconds(KEYLESS_WINDOW_MS));
        // A handshake the server refused (uvicorn's `403`, then `connection rejected`) is
        // closed by a line that names nothing, and reached no step: the application's
        // `disconnected code=1006` written just after is its (1006 is the code Channels
        // hands disconnect() for a handshake never accepted; a 4003 is an accepted
        // session's own close).
        let a_1006 = closes_1006(e);
        // A close line that follows nothing in particular (`disconnected code=1000`, any
        // application's) goes to a session a whole-second server close just ended, one
        // whose application logged no close yet: `scan` places such lines after the
        // whole-second closes of their second (see `place_all`), and `watch` reads them
        // after the server's close, as they were written.
        let generic = pat.after.is_empty();
        self.st
            .recent
            .iter()
            .copied()
            .filter(|&ci| {
                let cache = &self.st.caches[ci];
                let closed_at = cache.closed_at.map(|(t, _)| t);
                let refused = a_1006 && cache.answer == Some(false);
                let coarse_close = cache.closed_at.is_some_and(|(_, coarse)| coarse);
                self.st.conns[ci].closed
                    && (cache.closed_exact || refused)
                    && active_since(closed_at, since)
                    && self.same_process(ci, e)
                    && self.compatible(ci, e)
                    && !self.has_pattern(ci, e)
                    && (refused
                        || generic && coarse_close && !self.app_closed(ci)
                        || pat
                            .after
                            .iter()
                            .any(|&a| self.has(ci, PatternRef::new(usize::from(e.at.pack), a))))
            })
            // Of closes in one whole second, the one written last above this line; when
            // the server writes another log, the one it wrote first: both logs are
            // written in the order the sessions ended.
            //
            // A refused handshake's 1006 is always logged (Channels hands disconnect() 1006
            // for a handshake never accepted), a session's own close only when its
            // consumer lived to run disconnect(): one that raised did not. So a 1006 goes
            // to the second's refused handshakes first.
            .max_by_key(|&ci| {
                let c = &self.st.conns[ci];
                let cache = &self.st.caches[ci];
                let refused = a_1006 && cache.answer == Some(false);
                let above = c.closed_line.filter(|&(i, _)| i == e.input).map(|(_, r)| r);
                // (Only a close that named its session was written in its order. Records
                // are numbered in merged order, so the number orders them across inputs.)
                let first_written = c
                    .closed_line
                    .filter(|_| cache.closed_exact)
                    .map(|(_, r)| std::cmp::Reverse(r));
                (
                    cache.closed_at.map(|(t, _)| t),
                    refused,
                    above,
                    first_written,
                    ci,
                )
            })
    }

    /// A connection that closed moments ago and carried one of the line's ids: the
    /// server still writes about it (Daphne's `took too long to shut down and was
    /// killed` 10 s after the WSDISCONNECT, a ping timeout logged in the same second as
    /// a whole-second WSDISCONNECT). Never a line that opens a connection, nor a step
    /// the connection already passed: a reused client port is a new connection.
    fn closed_owner(&self, ei: usize) -> Option<(usize, &'static str)> {
        let e = self.ev(ei);
        if self.st.closed_keys.is_empty() || self.opens(ei) {
            return None;
        }
        let since = earliest(e.ts, CDuration::milliseconds(CLOSED_GRACE_MS));
        let step = self.step_index(e);
        // The first step of a sequence is a connection's beginning, never a late line.
        if step == Some(0) {
            return None;
        }
        self.facts(e).keys.iter().find_map(|k| {
            let &ci = self.st.closed_keys.get(k)?;
            let ok = self.st.conns[ci].closed
                && self.active(ci, e, since)
                && self.same_process(ci, e)
                && !self.has_pattern(ci, e)
                && step.is_none_or(|s| {
                    self.reached(ci, usize::from(e.at.pack))
                        .is_none_or(|r| r < s)
                });
            ok.then_some((ci, k.0))
        })
    }

    /// The connection of the line event `ei` copies: a logger with two handlers writes
    /// each line twice, one above the other (Django's `LOGGING` with the root logger's
    /// handler beside its own: `INFO 2020-06-08 17:10:57,761 runserver ... WebSocket
    /// DISCONNECT /graphql/ [127.0.0.1:41850]` and a bare `WebSocket DISCONNECT ...`).
    /// Read as two lines, the copy of a close or an opening line was another connection
    /// (one closes or opens each once). A copy is within three lines of the original in
    /// the same input, among the last four lines of the connection that took the input's
    /// last placed line, matched by the same pattern with the same captures, at the same
    /// time or with no time of its own, and names a client by its port (clients without
    /// one, uvicorn's `127.0.0.1:0`, write the same line for different connections).
    ///
    /// A line that names no client by its port is a copy only of the line just above it
    /// (or above a blank line) when one of the two has a time and the other none (an
    /// application's JSON record of an exception and uvicorn's own plain print of it,
    /// authentik), or one names its logger and the other none (uvicorn's `INFO:
    /// connection open` and a root `basicConfig` handler's `INFO:uvicorn.error:connection
    /// open`). Two plain consoles' lines alike (sessions closed at a shutdown) or two
    /// timed ones alike (`disconnected code=1012` of each) are as many connections.
    fn copy_of(&self, ei: usize, f: &Facts) -> Option<usize> {
        let e = self.ev(ei);
        // (A line written many times by one connection, a frame, joins it as any does.)
        if self.set.pattern(e.at).repeats {
            return None;
        }
        // (`client_key` keeps no client without its port.)
        let named = f.client().is_some();
        let r = self.rec(e.record);
        let &(end, ci) = self.st.last_in_input.get(&r.input)?;
        if r.lines.0 > end + 3 {
            return None;
        }
        let timeless = self.store.timeless(e.record);
        let logger = r.logger;
        self.st.conns[ci]
            .links
            .iter()
            .rev()
            .take(4)
            .map(|l| self.ev(l.event))
            .any(|x| {
                let x_end = self.rec(x.record).lines.1;
                let x_timeless = self.store.timeless(x.record);
                let two_handlers = x_timeless != timeless || self.rec(x.record).logger != logger;
                x.at == e.at
                    && x.input == e.input
                    && x_end + 3 >= r.lines.0
                    && (x.ts == e.ts || x_timeless || timeless)
                    // Naming no client: the line just above, one of the two untimed.
                    && (named || x_end == end && r.lines.0 <= end + 2 && two_handlers)
                    && x.captures.iter().eq(e.captures.iter())
            })
            .then_some(ci)
    }

    /// The line opens a connection: one of the patterns that matched it says so (an
    /// application pack may match Daphne's WSCONNECTING too, and be placed first).
    /// Connection `ci` has a line that opens a connection (Daphne's `WSCONNECTING`).
    fn was_opened(&self, ci: usize) -> bool {
        self.st.caches[ci]
            .patterns
            .iter()
            .any(|&p| self.set.pattern(p).opens)
    }

    /// Connection `ci`'s handshake was refused (an HTTP error) at least `gap` before `ts`.
    fn refused_before(&self, ci: usize, ts: Option<DateTime<Utc>>, gap: CDuration) -> bool {
        let c = &self.st.caches[ci];
        c.answer == Some(false) && c.answered_at.zip(ts).is_some_and(|(a, t)| t >= a + gap)
    }

    /// The application logged connection `ci`'s close code (`Disconnected with code
    /// 1000`), which its disconnect handler writes once the server closed the socket.
    fn app_closed(&self, ci: usize) -> bool {
        self.st.conns[ci]
            .links
            .iter()
            .any(|k| is_app_close(self.ev(k.event)))
    }

    /// Connection `ci` may take the line of event `ei` with all its patterns: it holds
    /// none of the line's patterns that a connection logs once, and it is in the phase
    /// the line's traceback names (see [`handler_fits`]). uvicorn's traceback is one
    /// record matching both a Redis error (which may repeat) and `Exception in ASGI
    /// application` (which may not): the session that already died of one is not the
    /// owner of the next.
    fn takes_record(&self, ci: usize, ei: usize) -> bool {
        self.record_events(ei).all(|e| {
            (self.set.pattern(e.at).repeats || !self.has_pattern(ci, e))
                && handler_fits(self.st, ci, e)
        })
    }

    /// Event `ei` and the events after it of the same line (a line several patterns
    /// match: its events are adjacent, and held before the first is placed).
    fn record_events(&self, ei: usize) -> impl Iterator<Item = &'a Event> + 'a {
        let s: &'a S = self.store;
        let record = s.event(ei).record;
        (ei..).map_while(move |i| s.peek(i).filter(|e| e.record == record))
    }

    /// The consumer method the traceback of event `ei`'s line went through, when a
    /// pattern of the line captured it (see [`handler_fits`]).
    fn record_handler(&self, ei: usize) -> Option<&'a str> {
        self.record_events(ei).find_map(|e| e.cap("handler"))
    }

    fn opens(&self, ei: usize) -> bool {
        self.record_events(ei).any(|e| self.set.pattern(e.at).opens)
    }

    /// For a line that opens a connection but was written in whole seconds (Daphne's
    /// `WSCONNECTING`): it sorts after the precise lines of its second, so the
    /// application lines of the connection it opened may already have started one. That
    /// is the connection on its path that started within this second and has no step
    /// of this pack nor an id of the kinds the line carries; the earliest first, as the
    /// server opens connections in the order the application then sees them.
    fn same_second_opening(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        let r = self.rec(e.record);
        if !r.coarse {
            return None;
        }
        // The second it was written in (its time may be when a journal received it).
        let ts = DateTime::from_timestamp(e.ts?.timestamp(), 0)?;
        let path = Box::<str>::from(normalize_path(e.cap("path")?));
        let mask = kinds_mask(&self.facts(e).keys);
        let pack = usize::from(e.at.pack);
        let from = ts.timestamp_millis();
        // The path index holds exactly the connections on this path that started in this
        // second: no walk over every recent connection (100k open ones in a burst).
        self.st
            .by_path
            .range((path.clone(), from, 0)..(path, from + 1000, 0))
            .map(|&(_, _, ci)| ci)
            .filter(|&ci| {
                let cache = &self.st.caches[ci];
                // A request the server answered itself at the millisecond, with no
                // application line (Django's `Not Found: /ws/...` for a request that
                // came as plain HTTP), is not a WebSocket handshake it opened.
                let answered_as_http = cache.answered_precisely && cache.app_pack.is_none();
                cache.kinds_all & mask == 0
                    && !answered_as_http
                    && !self.has_pattern(ci, e)
                    && self.reached(ci, pack).is_none()
                    && !self.closed_for(ci, e.ts)
                    && self.same_process(ci, e)
                    && self.compatible(ci, e)
            })
            .min_by_key(|&ci| (self.st.conns[ci].start, self.st.caches[ci].seq))
    }

    /// For a server line written in whole seconds whose client id names connection `ci`:
    /// an earlier session of the same client in that second that still waits for this
    /// line. Such a line sorts after every precise line of its second, so when the client
    /// reconnected from the same port within it, the application has already logged both
    /// sessions and the id names the later one; the server wrote its lines in order, so
    /// they go to the sessions in order (a rejected attempt's WSREJECT is not the next
    /// session's).
    fn earlier_session_of_client(&self, ei: usize, ci: usize) -> Option<usize> {
        let e = self.ev(ei);
        if e.stage != Stage::Server || !self.rec(e.record).coarse {
            return None;
        }
        let client = self.st.conns[ci].client.as_deref()?;
        let from = e.ts?.timestamp() * 1000;
        // An earlier session of the second means `ci` started in it too: most lines stop
        // here, before the path index is searched (a key of it costs an allocation).
        if self.st.conns[ci]
            .start
            .is_none_or(|t| t.timestamp_millis() < from)
        {
            return None;
        }
        let path = Box::<str>::from(normalize_path(e.cap("path")?));
        let opens = self.opens(ei);
        let order = |c: usize| (self.st.conns[c].start, self.st.caches[c].seq);
        self.st
            .by_path
            .range((path.clone(), from, 0)..(path, from + 1000, 0))
            .map(|&(_, _, cj)| cj)
            .filter(|&cj| {
                cj != ci
                    && order(cj) < order(ci)
                    && self.st.conns[cj].client.as_deref() == Some(client)
                    && !self.has_pattern(cj, e)
                    && self.st.conns[cj].closed_line.is_none()
                    && self.was_opened(cj) != opens
                    && self.compatible(cj, e)
            })
            .min_by_key(|&cj| order(cj))
    }

    /// For a line whose client id (`ip:port`, not a request id that a proxy's rewrite
    /// of the path keeps) names connection `ci` but whose path is another: the latest
    /// earlier session of that client on the line's path. A client port is reused
    /// within seconds (a proxy's to the server on loopback), and Daphne's `took too long to
    /// shut down and was killed`, written application_close_timeout after a session's
    /// end, names the old session's client and path while the port already serves the
    /// next one.
    fn session_of_client_on_path(&self, ei: usize, ci: usize) -> Option<usize> {
        // Sessions of one path searched back from the line, at most: a path that never
        // had this client must not cost a walk over every session it served.
        const LOOK_BACK: usize = 256;
        let e = self.ev(ei);
        let raw = e.cap("path")?;
        let c = &self.st.conns[ci];
        // (Most lines spell the path as their connection has it: no copy made for them.)
        if c.path.as_deref().is_none_or(|p| p == raw) {
            return None;
        }
        let path = normalize_path(raw);
        if c.path.as_deref() == Some(path.as_str()) {
            return None;
        }
        let client = c.client.as_deref()?;
        let until = e.ts?.timestamp_millis();
        let path = Box::<str>::from(path);
        self.st
            .by_path
            .range((path.clone(), i64::MIN, 0)..=(path, until, usize::MAX))
            .rev()
            .take(LOOK_BACK)
            .map(|&(_, _, cj)| cj)
            .find(|&cj| cj != ci && self.st.conns[cj].client.as_deref() == Some(client))
    }

    /// For a line that ends a connection and found none active within the windows: the
    /// oldest open connection it can end, however long it has been quiet (a session
    /// that lasted minutes logged nothing between its open and its close). Same process,
    /// same path when the line names one; a line without a path ends only a connection
    /// that reached a step of its pack before it. The application's own close
    /// (`disconnected code=1000`, which names nothing) ends one its server accepted and
    /// that has no close code yet: uvicorn writes no close line of its own, and a pack
    /// of the application's close alone has no steps to reach.
    fn long_session(&self, ei: usize, path: Option<&str>) -> Option<usize> {
        let e = self.ev(ei);
        let pat = self.set.pattern(e.at);
        let app_close = writes_close_code(self.set, e) && path.is_none();
        if !(pat.ends || app_close) || e.stage == Stage::Proxy {
            return None;
        }
        let step = self.step_index(e);
        let pack = usize::from(e.at.pack);
        let f = self.facts(e);
        let user = f.user.as_deref();
        let host = f.origin.host;
        let restarted = self.st.started.iter().find_map(|((p, i, h), t)| {
            (*p == e.at.pack && *i == e.input && h.as_deref() == host).then_some(*t)
        });
        self.st.open_set.iter().map(|&(_, ci)| ci).find(|&ci| {
            let c = &self.st.conns[ci];
            !c.closed
                && restarted.is_none_or(|t| c.start.is_none_or(|s| s >= t))
                && match path {
                    Some(p) => c.path.as_deref() == Some(p),
                    // (Not one the proxy saw end seconds before: a session that dropped
                    // without its close logged, a raise or a lost Redis, stays open.)
                    None if app_close => {
                        let cache = &self.st.caches[ci];
                        cache.answer == Some(true)
                            && cache.coded_in.is_none()
                            && !c.proxy_end.zip(e.ts).is_some_and(|(p, t)| {
                                p + CDuration::milliseconds(KEYLESS_WINDOW_MS) < t
                            })
                    }
                    None => self.reached(ci, pack).is_some(),
                }
                && user.is_none_or(|u| self.user_match(ci, u) != Some(false))
                && self.same_process(ci, e)
                && self.compatible(ci, e)
                && !self.has_pattern(ci, e)
                && step.is_none_or(|s| self.reached(ci, pack).is_none_or(|r| r < s))
        })
    }

    /// For a server's error line that names no connection and found none active around
    /// it: the one session of its process still open, with a path, begun before it and
    /// without a close code, when there is exactly one. A paste that ends at Daphne's
    /// `Exception inside application` traceback (no close under it) shows the session it
    /// broke seconds or minutes above; with two open, which one is not known.
    fn lone_open_session(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        let t = e.ts?;
        if e.stage != Stage::Server || e.cap("path").is_some() || !is_error(self.set, e) {
            return None;
        }
        let mut open = self.st.open_set.iter().map(|&(_, ci)| ci).filter(|&ci| {
            let c = &self.st.conns[ci];
            !c.closed
                && c.path.is_some()
                && c.start.is_some_and(|s| s <= t)
                && self.st.caches[ci].coded_in.is_none()
                && self.same_process(ci, e)
                && self.compatible(ci, e)
                && !self.has_pattern(ci, e)
        });
        let one = open.next()?;
        open.next().is_none().then_some(one)
    }

    /// Among the recent connections that pass `pred`, the one whose last line is latest.
    fn latest_where(&self, pred: impl Fn(usize) -> bool) -> Option<usize> {
        self.st
            .recent
            .iter()
            .copied()
            .filter(|&ci| pred(ci))
            .max_by_key(|&ci| (self.st.conns[ci].end, ci))
    }

    /// The first open connection of the same process, active within the key-less
    /// window, that has no id of these kinds yet and lacks this line.
    fn recent_without(&self, ei: usize, kinds: &[&str]) -> Option<usize> {
        let e = self.ev(ei);
        let since = earliest(e.ts, CDuration::milliseconds(KEYLESS_WINDOW_MS));
        let mask = kinds.iter().fold(0, |m, k| m | kind_bit(k));
        self.st.recent.iter().copied().find(|&ci| {
            self.live_for(ci, e, since)
                && !self.has_pattern(ci, e)
                && self.st.caches[ci].kinds_all & mask == 0
        })
    }

    /// A connection on the same path that ended moments ago, for the lines servers write
    /// after the close (the application's disconnect line, Daphne's kill warning 10 s
    /// later). Never for a step the connection is already past, so a reconnect on the
    /// same path starts a connection of its own.
    fn recently_closed(&self, ei: usize, path: Option<&str>) -> Option<usize> {
        let e = self.ev(ei);
        // An HTTP status answers a handshake: that is never written after the close.
        if e.cap("status").is_some() {
            return None;
        }
        let since = earliest(e.ts, CDuration::milliseconds(CLOSED_GRACE_MS));
        let step = self.step_index(e);
        let mask = kinds_mask(&self.facts(e).keys);
        self.st.recent.iter().rev().copied().find(|&ci| {
            let c = &self.st.conns[ci];
            c.closed
                && path.is_some_and(|p| c.path.as_deref() == Some(p))
                // Its own ids must not disagree with the line's.
                && self.st.caches[ci].kinds_server & mask == 0
                && self.same_process(ci, e)
                && self.active(ci, e, since)
                && !self.has_pattern(ci, e)
                && match step {
                    None => true,
                    Some(s) => self.reached(ci, usize::from(e.at.pack)).is_some_and(|r| r < s),
                }
        })
    }

    /// An open connection on the same path (and user) that this event can extend:
    /// the earliest one lacking this step (first come, first paired), or for repeating
    /// lines the latest one.
    fn path_candidate(
        &self,
        ei: usize,
        path: Option<&str>,
        user: Option<&str>,
    ) -> Option<(usize, &'static str)> {
        let e = self.ev(ei);
        let pat = self.set.pattern(e.at);
        let step = self.step_index(e);
        let since = earliest(e.ts, self.step_window(e));
        let token = token_of(e);
        let coarse = self.rec(e.record).coarse;
        let second =
            e.ts.and_then(|t| DateTime::from_timestamp(t.timestamp(), 0))
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
        // Cheapest tests first: most recent connections fail on time or path.
        let ok = |ci: usize| {
            let c = &self.st.conns[ci];
            if !self.active(ci, e, since) {
                return false;
            }
            if let (Some(p), Some(cp)) = (path, c.path.as_deref()) {
                if p != cp {
                    return false;
                }
            }
            let same_user = match user {
                Some(u) => match self.user_match(ci, u) {
                    Some(false) => return false,
                    Some(true) => true,
                    None => false,
                },
                None => false,
            };
            // A path-less connection takes a path line only from its own user.
            if path.is_some() && c.path.is_none() && !same_user {
                return false;
            }
            if !pat.repeats && self.has_pattern(ci, e) {
                return false;
            }
            if self.closed_for(ci, e.ts) || !self.compatible(ci, e) {
                return false;
            }
            if pat.repeats {
                return true;
            }
            // A refused handshake is closed at once: a close two seconds after the
            // refusal (a 404 for plain HTTP on the path) is a later session's.
            if pat.ends && self.refused_before(ci, e.ts, CDuration::seconds(2)) {
                return false;
            }
            // A close ends a connection whichever way it went (Daphne's WSDISCONNECT
            // after its WSREJECT).
            if step.is_some()
                && !pat.ends
                && self.diverted(ci, usize::from(e.at.pack))
                && !(coarse
                    && e.stage == Stage::Server
                    && self.diverted_since(ci, usize::from(e.at.pack), second))
            {
                return false;
            }
            match (step, self.reached(ci, usize::from(e.at.pack))) {
                // A whole-second line sorts after the precise lines of its second: the
                // steps those reached may really have come after it (Daphne's WSCONNECT
                // before the consumer's `Added to group`).
                (Some(s), Some(r)) => r < s || (coarse && c.end.is_some_and(|t| t >= second)),
                _ => true,
            }
        };
        let pool = self.recent_for(path, user);
        let key = match (path, user) {
            (Some(_), Some(_)) => "path+user",
            (Some(_), None) => "path",
            _ => "user",
        };
        let found = if pat.repeats {
            pool.iter().rev().copied().find(|&ci| ok(ci))
        } else {
            // First come, but a connection that already names this user, then one
            // whose sequence waits for exactly this step, goes before the others.
            let pack = usize::from(e.at.pack);
            // A server's close written in whole seconds (Daphne's WSDISCONNECT) sorts
            // after its second's precise lines, among them the close the application
            // logged once the server had closed the socket: a connection whose
            // application already said it closed is the one waiting for this line.
            // Before those goes one whose handshake the server refused in the same
            // second on a line just above in the same log, the nearest first: Daphne writes a refusal's
            // WSDISCONNECT right after its WSREJECT, while an upgraded session lasts.
            let closing = pat.ends && coarse && e.stage == Stage::Server;
            let rank = |ci: usize| {
                let named = user.is_some_and(|u| self.user_match(ci, u) == Some(true));
                let shown = token.is_some() && self.st.caches[ci].token().is_some();
                let refused = self.st.caches[ci]
                    .rare
                    .as_ref()
                    .and_then(|r| r.refused_line);
                let refusal_above = match refused {
                    Some((input, rec, sec))
                        if closing
                            && input == e.input
                            && Some(sec) == e.ts.map(|t| t.timestamp()) =>
                    {
                        e.record.checked_sub(rec)
                    }
                    _ => None,
                };
                let app_done = closing && (refusal_above.is_some() || self.app_closed(ci));
                let waits = step.is_some_and(|s| self.waits_for(ci, pack, s));
                // The server logs a connection's opening before its close: one it has not
                // opened yet (its WSCONNECTING comes further down the log) is not the one
                // this close ends, even if its application already said it closed.
                let unopened = closing && self.reached(ci, pack).is_none();
                (
                    !named,
                    !shown,
                    unopened,
                    refusal_above.unwrap_or(usize::MAX),
                    !app_done,
                    !waits,
                    self.reached(ci, pack).is_none(),
                )
            };
            pool.iter()
                .copied()
                .filter(|&ci| ok(ci))
                .enumerate()
                .min_by_key(|&(order, ci)| (rank(ci), order))
                .map(|(_, ci)| ci)
        };
        found.map(|i| (i, key))
    }

    /// The recent connections, in order, that a line on `path` or of `user` can join:
    /// those on the path, and when the line names a user those whose path is unknown;
    /// for a line naming only a user, those that gave that name or none of its kind.
    fn recent_for(&self, path: Option<&str>, user: Option<&str>) -> Cow<'_, [usize]> {
        let st = &self.st;
        let (first, second) = match (path, user) {
            (Some(p), u) => (st.recent_on_path.get(p), u.map(|_| &st.recent_pathless)),
            (None, Some(u)) => (
                st.recent_by_user.get(u),
                Some(&st.recent_kindless[usize::from(user_kind(u))]),
            ),
            (None, None) => return Cow::Borrowed(&st.recent),
        };
        let mut pool: Vec<(usize, usize)> = first.into_iter().flatten().copied().collect();
        if let Some(more) = second {
            pool.extend(more.iter().copied());
            pool.sort_unstable();
        }
        let pool: Vec<usize> = pool.into_iter().map(|(_, ci)| ci).collect();
        // The indexes must be `recent` cut to the path or user: the tests check it at
        // every line.
        debug_assert_eq!(
            pool,
            st.recent
                .iter()
                .copied()
                .filter(|&ci| match (path, st.conns[ci].path.as_deref()) {
                    (Some(p), Some(cp)) => cp == p,
                    (Some(_), None) => user.is_some(),
                    (None, _) => user.is_some_and(|u| self.user_match(ci, u) != Some(false)),
                })
                .collect::<Vec<_>>()
        );
        Cow::Owned(pool)
    }

    /// A proxy's access line of an upgraded WebSocket (101) that does not say how long it
    /// lasted (nginx's default `combined` format has no `$request_time`), or another match
    /// of the line just held back. A refused handshake's line (403, 502, 499) is written
    /// when it began, near enough: it is placed as it comes.
    fn untimed_access(&self, e: &Event) -> bool {
        if self
            .st
            .deferred
            .last()
            .is_some_and(|&d| self.ev(d).record == e.record)
        {
            return true;
        }
        // A 502 or 504 is written when the server gave up on the handshake too (Daphne's
        // 5 s timeout): it joins that session by its close as a 101 does.
        e.stage == Stage::Proxy
            && e.ts.is_some()
            && matches!(e.cap("status"), Some("101" | "502" | "504"))
            && e.cap("path").is_some()
            && !e.says_span()
    }

    /// Places the access lines [`Builder::untimed_access`] held back, now that every
    /// connection's close is known.
    ///
    /// nginx writes its access line when the request ends; without `request_time` the
    /// line does not say when it began. Placed as it comes, it took the connection on
    /// its path that started in its second, another client's, and opened one of its own
    /// beside a long session, which then took that session's key-less close lines. Held
    /// to the end, it joins the session on its path, with no access line of the proxy
    /// (an error line of it may have joined a session the server opened by path),
    /// answered as the line says, that the server closed nearest the line's time within
    /// two seconds (two as near leave it alone, unless as many lines saying that answer
    /// wait for that second), and the proxy's error lines of its request come with it;
    /// else the session that started in its second, as before.
    pub fn place_deferred(&mut self) {
        const SLACK_MS: i64 = 2_000;
        let deferred = std::mem::take(&mut self.st.deferred);
        if deferred.is_empty() {
            return;
        }
        // (path, close in ms, index) of the sessions that have no access line of the proxy.
        // An error line of it (`recv() failed` joined by path) is not the access line, in a
        // session the server opened; one that started a fragment is no session.
        let no_access_line = |b: &Self, x: usize| {
            let cache = &b.st.caches[x];
            cache.proxy_at().is_none() && (!cache.has_proxy || b.was_opened(x))
        };
        let mut closes: BTreeSet<(Box<str>, i64, usize)> = (0..self.st.conns.len())
            .filter(|&x| self.st.caches[x].has_server && no_access_line(self, x))
            .filter_map(|x| {
                let (t, _) = self.st.caches[x].closed_at?;
                Some((self.st.conns[x].path.clone()?, t.timestamp_millis(), x))
            })
            .collect();
        // The connections of the proxy's error lines alone, by path: looked up for each
        // held line, and a log of a busy proxy holds many.
        let mut fragments: BTreeMap<Box<str>, Vec<usize>> = BTreeMap::new();
        for o in 0..self.st.conns.len() {
            let c = &self.st.conns[o];
            let alone = self.st.caches[o].has_proxy
                && !self.st.caches[o].has_server
                && !c.links.is_empty()
                && c.links.iter().all(|l| {
                    let x = self.ev(l.event);
                    x.stage == Stage::Proxy && x.cap("status").is_none()
                });
            if let (true, Some(p)) = (alone, &c.path) {
                fragments.entry(p.clone()).or_default().push(o);
            }
        }
        // The held lines yet to place, by path and second: where as many lines as sessions
        // closed in one second on a path, any pairing gives each session one of them.
        // (A held 502 takes no accepted session: lines count by the answer they say.)
        let key_of = |e: &Event| {
            let path: Box<str> = normalize_path(e.cap("path").unwrap_or("")).into();
            (path, e.ts.map_or(0, |t| t.timestamp()), answer_of(e))
        };
        let mut held: BTreeMap<(Box<str>, i64, Option<bool>), usize> = BTreeMap::new();
        let mut last_record = None;
        for &d in &deferred {
            let e = self.ev(d);
            if last_record.replace(e.record) != Some(e.record) {
                *held.entry(key_of(e)).or_default() += 1;
            }
        }
        let mut i = 0;
        while i < deferred.len() {
            let ai = deferred[i];
            let e = self.ev(ai);
            // The other matches of the same line go where it goes.
            let n = deferred[i..]
                .iter()
                .take_while(|&&d| self.ev(d).record == e.record)
                .count();
            let group = deferred[i..i + n].to_vec();
            i += n;
            let key = key_of(e);
            let lines_left = held.get_mut(&key).map_or(1, |k| {
                let left = *k;
                *k = k.saturating_sub(1);
                left
            });
            let (path, _, answer) = key;
            let ts = e.ts.expect("held lines have a time");
            // A whole-second time is the start of the second the request ended in.
            let half = if self.rec(e.record).coarse { 500 } else { 0 };
            let at = ts.timestamp_millis() + half;
            let mut fitting: Vec<(i64, usize)> = closes
                .range((path.clone(), at - SLACK_MS, 0)..=(path.clone(), at + SLACK_MS, usize::MAX))
                .map(|(_, t, x)| ((t - at).abs(), *x))
                .filter(|&(_, x)| {
                    // (One that an earlier held line joined by its start has its line.)
                    no_access_line(self, x)
                        && self.st.conns[x]
                            .start
                            .is_some_and(|s| s.timestamp_millis() <= at)
                        && answer
                            .zip(self.st.caches[x].answer)
                            .is_none_or(|(a, b)| a == b)
                })
                .collect();
            fitting.sort_unstable();
            // The nearest close; sessions as near as it, when the lines still to place in
            // this second are fewer than they are, leave the line alone (either could be
            // the one whose access line is missing).
            let nearest = fitting.first().map(|&(d, _)| d);
            let tied = fitting
                .iter()
                .take_while(|&&(d, _)| Some(d) == nearest)
                .count();
            let session = fitting
                .first()
                .filter(|_| tied <= lines_left)
                .map(|&(_, x)| x);
            let sibling = fragments
                .get(&path)
                .and_then(|os| self.error_fragment_of(e, os));
            let target = match (session, sibling) {
                (Some(x), sibling) => {
                    if let Some((t, _)) = self.st.caches[x].closed_at {
                        closes.remove(&(path.clone(), t.timestamp_millis(), x));
                    }
                    if let Some(o) = sibling {
                        let links = std::mem::take(&mut self.st.conns[o].links);
                        let o_end = self.st.conns[o].end;
                        let xc = &mut self.st.conns[x];
                        xc.links.extend(links);
                        xc.end = xc.end.max(o_end);
                        self.st.caches[o].has_proxy = false;
                    }
                    Some((x, "end"))
                }
                (None, Some(o)) => Some((o, "request")),
                (None, None) => self.proxy_candidate(ai).map(|c| (c, "request_time")),
            };
            match target {
                Some((ci, key)) => {
                    for &g in &group {
                        self.attach(ci, g, key, false);
                    }
                }
                None => {
                    self.open(group[0]);
                    let ci = self.st.landed.expect("an opened connection");
                    for &g in &group[1..] {
                        self.attach(ci, g, "line", true);
                    }
                }
            }
        }
        drop_emptied(self.st);
    }

    /// Of `fragments` (connections of the proxy's error lines alone on access line `e`'s
    /// path: `upstream timed out (110: ...) while proxying upgraded connection`), one
    /// about `e`'s request: its client address, the second it ended in, the answer it
    /// says (`connect() failed` is a 502's). A fragment given away already is empty.
    fn error_fragment_of(&self, e: &Event, fragments: &[usize]) -> Option<usize> {
        let ts = e.ts?;
        let cip = client_ip_of(e);
        let answer = answer_of(e);
        fragments.iter().copied().find(|&o| {
            let c = &self.st.conns[o];
            !c.links.is_empty()
                && c.links.iter().all(|l| {
                    let x = self.ev(l.event);
                    // (One that took an access line already is that request's; a failed
                    // connect is a 502's, never an upgraded session's.)
                    x.cap("status").is_none()
                        && answer.zip(answer_of(x)).is_none_or(|(a, b)| a == b)
                        && cip.is_none_or(|ip| client_ip_of(x).is_none_or(|y| y == ip))
                        && x.ts
                            .is_some_and(|t| (t - ts).num_milliseconds().abs() <= 1_000)
                })
        })
    }

    /// For a proxy error line (no status, no `request_time`: `upstream timed out ...
    /// while proxying upgraded connection`, `connect() failed (111...)`): nginx writes
    /// it when the request ends, like the access line, so it joins the connection whose
    /// access line has its path, client address and second.
    fn proxy_sibling(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        if e.cap("status").is_some() || e.says_span() {
            return None;
        }
        let path = normalize_path(e.cap("path")?);
        let ts = e.ts?;
        let ip = client_ip(e);
        // A request numbered by nginx (`*108`) is not one that another number's error
        // line joined already: two failed handshakes of a second are two access lines.
        let numbered = kinds_mask(&self.facts(e).keys) & CONN_BIT;
        self.st
            .recent
            .iter()
            .copied()
            .filter_map(|ci| {
                let c = &self.st.conns[ci];
                let (at, seen) = self.st.caches[ci].proxy_at()?;
                let gap = (*at - ts).num_milliseconds().abs();
                let fits = gap < 1_000
                    && self.st.caches[ci].kinds_all & numbered == 0
                    && c.path.as_deref() == Some(path.as_str())
                    && (ip.is_none() || seen.is_none() || seen.as_deref() == ip.as_deref())
                    && !self.has_pattern(ci, e)
                    && self.same_answer(ci, e);
                fits.then_some((gap, ci))
            })
            .min()
            .map(|(_, ci)| ci)
    }

    /// For a proxy's access line: the connection made so far only of the proxy's error
    /// lines about the same request (same path and client address, same second), that
    /// were written first (`connect() failed` before its 502, in a stream that carries
    /// both logs, or in the error log named before the access log).
    fn error_sibling(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        e.cap("status")?;
        let path = Box::<str>::from(normalize_path(e.cap("path")?));
        let ts = e.ts?;
        let ip = client_ip(e);
        // Such a connection started at its error line, within a second of this one: the
        // path index holds exactly those (no walk over every recent connection).
        let at = ts.timestamp_millis();
        self.st
            .by_path
            .range((path.clone(), at - 999, 0)..=(path, at + 999, usize::MAX))
            .filter_map(|&(_, _, ci)| {
                let c = &self.st.conns[ci];
                let cache = &self.st.caches[ci];
                let errors_only =
                    cache.has_proxy && !cache.has_server && cache.proxy_at().is_none();
                let gap = (c.end? - ts).num_milliseconds().abs();
                let fits = errors_only
                    && gap < 1_000
                    && (ip.is_none()
                        || c.client_ip.is_none()
                        || c.client_ip.as_deref() == ip.as_deref())
                    && !self.has_pattern(ci, e)
                    && self.same_answer(ci, e);
                fits.then_some((gap, ci))
            })
            .min()
            .map(|(_, ci)| ci)
    }

    /// For a proxy's access line of a handshake the server failed (a 5xx) that found no
    /// connection on its path: the server's refusal of a handshake whose path it never
    /// wrote, with the same status, in the same seconds. uvicorn writes no `"WebSocket
    /// /path"` line for a handshake whose application raised, only the traceback and
    /// `connection rejected (500 Internal Server Error)`. Of several, the one refused
    /// nearest the line's time, first come.
    fn pathless_refusal(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        if self.facts(e).answer != Some(false) {
            return None;
        }
        // A 4xx refusal is written with its path (`"WebSocket /ws/" 403`).
        let status: u16 = e.cap("status")?.parse().ok().filter(|s| *s >= 500)?;
        let span = e.request_span().unwrap_or_else(CDuration::zero);
        let end = e.ts?.timestamp();
        let begun = e.ts?.checked_sub_signed(span)?.timestamp();
        self.st
            .recent_pathless
            .iter()
            .filter_map(|&(seq, ci)| {
                let c = &self.st.conns[ci];
                let cache = &self.st.caches[ci];
                let rare = cache.rare.as_ref()?;
                let (_, _, sec) = rare.refused_line?;
                let refused_as = rare.refused_status;
                (c.path.is_none()
                    && cache.has_server
                    && !cache.has_proxy
                    && refused_as == Some(status)
                    && (begun - 1..=end).contains(&sec))
                .then_some(((end - sec).abs(), seq, ci))
            })
            .min()
            .map(|(_, _, ci)| ci)
    }

    /// The connection an nginx line belongs to: same path, started when the line's
    /// time minus its `request_time` says.
    fn proxy_candidate(&self, ei: usize) -> Option<usize> {
        let e = self.ev(ei);
        let path = Box::<str>::from(normalize_path(e.cap("path")?));
        let span = e.request_span().unwrap_or_else(CDuration::zero);
        // A whole-second time is the start of the second in which the request ended: its
        // middle is the better guess.
        let half = if self.rec(e.record).coarse { 500 } else { 0 };
        let start = (e.ts? + CDuration::milliseconds(half)).checked_sub_signed(span)?;
        let lo = start.timestamp_millis() - PROXY_SLACK_MS;
        let hi = start.timestamp_millis() + PROXY_SLACK_MS;
        // The user its token names rules out another user's connection, and goes first.
        let f = self.facts(e);
        let user = f.user.as_deref();
        let named = |ci: usize| user.and_then(|u| self.user_match(ci, u));
        self.st
            .by_path
            .range((path.clone(), lo, 0)..=(path, hi, usize::MAX))
            .map(|(_, t, ci)| (*t, *ci))
            .filter(|&(_, ci)| {
                !self.st.caches[ci].has_proxy
                    && named(ci) != Some(false)
                    && self.same_answer(ci, e)
                    && self.same_request(ci, e)
            })
            .min_by_key(|&(t, ci)| {
                let dt = (t - start.timestamp_millis()).abs();
                (named(ci) != Some(true), dt, t, ci)
            })
            .map(|(_, ci)| ci)
    }
}

/// Whether a line of `stage` that is no step of `pack` takes a connection off that pack's
/// healthy sequence. An application pack may also name the server's or proxy's answer
/// (Daphne's `WSREJECT` of its paths), and those lines come from another log written at
/// another precision: the middleware lines of the same connection may sort after them,
/// and must still pair with it.
fn diverts(pack: &crate::pattern::Pack, stage: Stage) -> bool {
    !matches!(stage, Stage::Server | Stage::Proxy)
        || pack
            .sequence
            .iter()
            .any(|s| pack.patterns[s.pattern].stage == stage)
}

/// A line of a pack that is not a step of its sequence and does not repeat, of a stage
/// whose lines that pack's sequence describes (an error, a rejection): a connection that
/// logs it has left the pack's healthy sequence ([`Cache::diverted`]).
fn leaves_sequence(set: &PackSet, e: &Event) -> bool {
    set.step_of(e.at).is_none() && !set.pattern(e.at).repeats && diverts(set.pack(e.at), e.stage)
}

/// The first of `cands` that `fits` and that the first test of `prefer` accepts; failing
/// that, the first that fits and that the second accepts; and so on. Each candidate is
/// tested for fit once, however many preferences are tried (the fit is the costly part).
// Never inlined: where the compiler inlined it into its caller, it stopped inlining the
// candidate test into the loop here, and each candidate paid a call (a scan took 5 %
// more instructions; forced inline, a watch 1.4 %).
#[inline(never)]
fn first_preferred(
    cands: &[usize],
    fits: impl Fn(usize) -> bool,
    prefer: &[&dyn Fn(usize) -> bool],
) -> Option<usize> {
    let (first, rest) = prefer.split_first()?;
    let mut fitting = Vec::new();
    for &ci in cands {
        if fits(ci) {
            if first(ci) {
                return Some(ci);
            }
            fitting.push(ci);
        }
    }
    rest.iter()
        .find_map(|ok| fitting.iter().copied().find(|&ci| ok(ci)))
}

/// The earliest last line a connection may have to be active within `window` of `now`:
/// computed once per search, so each candidate costs one comparison, not a subtraction.
fn earliest(now: Option<DateTime<Utc>>, window: CDuration) -> Option<DateTime<Utc>> {
    now.and_then(|n| n.checked_sub_signed(window))
}

/// The connection whose last line was at `last` was active at or after `since` (or one of
/// the two times is unknown).
fn active_since(last: Option<DateTime<Utc>>, since: Option<DateTime<Utc>>) -> bool {
    match (last, since) {
        (Some(l), Some(s)) => l >= s,
        _ => true,
    }
}

/// The longest window a search uses: twice the longest step deadline of any pack, the
/// grace after a close, the default step window.
pub fn horizon(set: &PackSet) -> CDuration {
    let longest_step = set
        .packs
        .iter()
        .flat_map(|p| p.sequence.iter().filter_map(|s| s.within))
        .map(|d| d.as_millis() as i64 * 2)
        .max()
        .unwrap_or(0);
    CDuration::milliseconds(
        longest_step
            .max(CLOSED_GRACE_MS)
            .max(DEFAULT_STEP_WINDOW_MS)
            + 1_000,
    )
}

/// For every `every`-th event (the first of each run of `every`), the earliest time of it
/// and of all the events after it; `None` when one of them has no time.
///
/// Events come in time order only per input (a clock that jumps back stays where it
/// jumped), so the time of the event being placed does not bound the later ones: this
/// does, and a connection that ended more than a search window before it can take no
/// later line but the ones its ids or its start still find.
fn time_floors(events: &[Event], every: usize) -> Vec<Option<DateTime<Utc>>> {
    let mut floors = vec![None; events.len() / every + 1];
    let mut floor = Some(DateTime::<Utc>::MAX_UTC);
    for (i, e) in events.iter().enumerate().rev() {
        // A line without a time passes every time window: nothing before it may go.
        floor = floor.zip(e.ts).map(|(f, t)| f.min(t));
        if i % every == 0 {
            floors[i / every] = floor;
        }
    }
    floors
}

/// Scan's list of the connections that closed, until what only the searches read of them
/// (their cache, their entries in the closed-id and path indexes) can go: a busy log's
/// finished connections otherwise hold it until the last line is placed, and at the end
/// of the loop it was a tenth of the scan's peak. `watch` forgets whole connections
/// instead (its engine's `release`); the scan's report needs them all.
#[derive(Default)]
struct Retiring {
    /// Closed connections whose search state is still held, in the order they closed.
    queue: Vec<usize>,
    /// Slots ever queued: a connection closes once, but its late lines land on it again.
    queued: Vec<bool>,
    /// What the last sweep kept: the next waits until as many more have closed, so each
    /// connection is looked at a bounded number of times however long it stays.
    kept: usize,
    /// Fewest newly closed connections worth a sweep; 0: sweep at every look (tests).
    least: usize,
}

impl Retiring {
    /// Places event `ei` and notes the connection it went to.
    fn place<S: Store + ?Sized>(&mut self, b: &mut Builder<'_, '_, S>, ei: usize) {
        if let Some(ci) = b.push(ei) {
            self.note(b.st, ci);
        }
    }

    /// Connection `ci` just took a line: queued once it is closed.
    fn note(&mut self, st: &State, ci: usize) {
        if !st.conns[ci].closed {
            return;
        }
        if self.queued.len() <= ci {
            self.queued.resize(ci + 1, false);
        }
        if !std::mem::replace(&mut self.queued[ci], true) {
            self.queue.push(ci);
        }
    }

    /// Retires the queued connections no line at or after `floor` can reach through a
    /// search: out of `recent`, ended more than the longest search window before
    /// `floor`, and with the proxy's access line (one without may still take it, found
    /// by its start however long ago that was).
    fn sweep<S: Store + ?Sized>(&mut self, b: &mut Builder<'_, '_, S>, floor: DateTime<Utc>) {
        if self.least > 0 && self.queue.len() < (2 * self.kept).max(self.kept + self.least) {
            return;
        }
        let Some(before) = floor.checked_sub_signed(b.horizon) else {
            return;
        };
        let st = &mut *b.st;
        let mut queue = std::mem::take(&mut self.queue);
        queue.retain(|&ci| {
            let cache = &st.caches[ci];
            let done = !cache.in_recent
                && cache.proxy_at().is_some()
                && st.conns[ci].end.is_some_and(|e| e < before);
            if done {
                st.retire(ci);
            }
            !done
        });
        self.kept = queue.len();
        self.queue = queue;
    }
}

/// Gives key-less fragments to the connection the server closed right after them.
///
/// A line that names nothing (Daphne's `Exception inside application` with its traceback,
/// `Received message`) written while several sessions were open may find no owner and
/// start a fragment of its own: no path, no client, no id. The server then closes the
/// session it broke, by its id (`WSDISCONNECT` with the client): the fragment belongs to
/// the session whose close came first at or after its last line, within the second that
/// whole-second close was written in (or two seconds before a precise one). Scan only:
/// it needs the lines that come after.
fn absorb_orphans<S: Store + ?Sized>(st: &mut State, store: &S) {
    let consumer_of = |c: &Connection| {
        c.links
            .iter()
            .find_map(|l| store.event(l.event).cap("consumer"))
    };
    let n = st.conns.len();
    let closes = closes_by_time(st);
    for o in 0..n {
        let c = &st.conns[o];
        let orphan = !c.links.is_empty()
            && !c.closed
            && c.path.is_none()
            && c.client.is_none()
            && st.caches[o].kinds_all == 0
            && !st.caches[o].has_proxy;
        let Some(last) = c.end.filter(|_| orphan) else {
            continue;
        };
        let (start, source, consumer) = (c.start, c.source.clone(), consumer_of(c));
        // The middleware runs on the handshake: its lines are not those of a session
        // accepted a second or more before them, and a token they show is their client's.
        let handshake = c
            .links
            .iter()
            .any(|l| store.event(l.event).stage == Stage::Middleware);
        let token: Option<Box<str>> = st.caches[o].token().map(Into::into);
        let last_line = c
            .links
            .iter()
            .map(|l| store.event(l.event).record)
            .max()
            .map(|r| (store.origin(r).input, r));
        let owner = closes_near(&closes, last)
            .filter(|&(_, x)| x != o && last_line.is_none_or(|l| !closed_before(st, store, x, l)))
            .filter_map(|(t, x)| {
                let (_, coarse) = st.caches[x].closed_at?;
                let x_conn = &st.conns[x];
                let fits = if coarse {
                    last < t + CDuration::seconds(1) && last >= t - CDuration::seconds(1)
                } else {
                    last <= t && last >= t - CDuration::seconds(2)
                };
                let ok = fits
                    && x_conn.start.zip(start).is_none_or(|(a, b)| a <= b)
                    && x_conn
                        .source
                        .as_ref()
                        .zip(source.as_ref())
                        .is_none_or(|(a, b)| same_source(a, b))
                    && consumer
                        .zip(consumer_of(x_conn))
                        .is_none_or(|(a, b)| a == b);
                let x_cache = &st.caches[x];
                let accepted_before = handshake
                    && x_cache.answer == Some(true)
                    && x_cache.answered_a_second_before(start);
                if accepted_before || x_cache.other_token(token.as_deref()) {
                    return None;
                }
                // One that shows the same token goes first.
                let other = !(token.is_some() && x_cache.token().is_some());
                ok.then_some((other, t, st.conns[x].closed_line, x))
            })
            .min();
        let Some((_, _, _, x)) = owner else { continue };
        let mut moved = std::mem::take(&mut st.conns[o].links);
        // The other patterns of the same lines (a Redis error is also a channel-layer
        // line, which alone joined nothing) go with them.
        let records: BTreeSet<usize> = moved.iter().map(|l| store.event(l.event).record).collect();
        st.global.retain(|&g| {
            let mine = records.contains(&store.event(g).record);
            if mine {
                moved.push(Link::new(g, "line", true));
            }
            !mine
        });
        let o_user = st.conns[o].user.clone();
        let xc = &mut st.conns[x];
        xc.links
            .extend(moved.into_iter().map(|l| l.inferred("after-close")));
        if xc.user.is_none() {
            xc.user = o_user;
        }
        // (So that a later fragment showing another token does not join it too.)
        if let (None, Some(t)) = (st.caches[x].token(), token) {
            st.caches[x].rare_mut().token = Some(t);
        }
        set_span(st, store, x);
    }
    drop_emptied(st);
}

/// Gives a connection made only of the proxy's error lines (`connect() failed`,
/// `upstream prematurely closed`) to the connection holding the access line nginx wrote
/// for the same request: same path and client address, within the same second (both are
/// written when the request ends). A line placed before its access line, in a stream
/// where the error log comes first (`docker logs` of the nginx image, ingress-nginx) or
/// in the error log named before the access log, found nothing to join and started a
/// connection of its own. Scan only: it needs the line that comes after.
fn join_proxy_errors<S: Store + ?Sized>(st: &mut State, store: &S) {
    let is_error_line =
        |e: &Event| e.stage == Stage::Proxy && e.cap("status").is_none() && !e.says_span();
    let conn_ids = |c: &Connection| -> BTreeSet<String> {
        c.links
            .iter()
            .filter_map(|l| store.event(l.event).cap("conn").map(String::from))
            .collect()
    };
    // Connections holding an access line, by path: the few a fragment may belong to.
    let mut with_access: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (x, c) in st.conns.iter().enumerate() {
        if let (Some(p), Some(_)) = (c.path.as_deref(), st.caches[x].proxy_at()) {
            with_access.entry(p).or_default().push(x);
        }
    }
    let mut moves = Vec::new();
    for (o, c) in st.conns.iter().enumerate() {
        let fragment =
            !c.links.is_empty() && c.links.iter().all(|l| is_error_line(store.event(l.event)));
        let (Some(path), Some(at), true) = (c.path.as_deref(), c.end, fragment) else {
            continue;
        };
        let ip = c.client_ip.as_deref();
        let patterns: BTreeSet<PatternRef> =
            c.links.iter().map(|l| store.event(l.event).at).collect();
        let ids = conn_ids(c);
        let owner = with_access
            .get(path)
            .into_iter()
            .flatten()
            .filter_map(|&x| {
                let (t, seen) = st.caches[x].proxy_at()?;
                let gap = (*t - at).num_milliseconds().abs();
                let xc = &st.conns[x];
                // nginx numbers a request's connection (`*31`) on each of its error lines.
                let same_request = || {
                    let theirs = conn_ids(xc);
                    ids.is_empty() || theirs.is_empty() || !ids.is_disjoint(&theirs)
                };
                let fits = x != o
                    && gap < 1_000
                    && (ip.is_none() || seen.as_deref().is_none_or(|s| Some(s) == ip))
                    && st.caches[x]
                        .answer
                        .zip(st.caches[o].answer)
                        .is_none_or(|(a, b)| a == b)
                    && !xc
                        .links
                        .iter()
                        .any(|l| patterns.contains(&store.event(l.event).at))
                    && same_request();
                fits.then_some((gap, x))
            })
            .min();
        if let Some((_, x)) = owner {
            moves.push((o, x));
        }
    }
    for (o, x) in moves {
        let moved = std::mem::take(&mut st.conns[o].links);
        let o_closed = st.conns[o].closed;
        let xc = &mut st.conns[x];
        xc.links
            .extend(moved.into_iter().map(|l| l.inferred("request")));
        xc.closed |= o_closed;
        set_span(st, store, x);
    }
    drop_emptied(st);
}

/// Drops the connections whose lines all went to others, with their caches: the two
/// lists are read by the same index.
fn drop_emptied(st: &mut State) {
    let keep: Vec<bool> = st.conns.iter().map(|c| !c.links.is_empty()).collect();
    let mut i = 0;
    st.caches.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    st.conns.retain(|c| !c.links.is_empty());
}

/// The connections closed by their id (the server's WSDISCONNECT with the client), or
/// whose own server and application lines named them by an id (a request id behind a
/// proxy that writes no client port) when only the close was joined by inference, as
/// (close time, index) in time order: the late moves below look up closes near a line
/// instead of walking every connection for each line.
fn closes_by_time(st: &State) -> Vec<(DateTime<Utc>, usize)> {
    let mut v: Vec<(DateTime<Utc>, usize)> = (0..st.conns.len())
        .filter(|&x| {
            st.conns[x].closed && (st.caches[x].closed_exact || st.caches[x].kinds_server != 0)
        })
        .filter_map(|x| st.caches[x].closed_at.map(|(t, _)| (t, x)))
        .collect();
    v.sort();
    v
}

/// The closes from one second before `t` to two seconds after it, the widest span in
/// which a close may follow a line (a whole-second close of the same second, or a
/// precise one up to two seconds later), in (time, index) order.
fn closes_near(
    closes: &[(DateTime<Utc>, usize)],
    t: DateTime<Utc>,
) -> impl Iterator<Item = (DateTime<Utc>, usize)> + '_ {
    let (lo, hi) = (t - CDuration::seconds(1), t + CDuration::seconds(2));
    let from = closes.partition_point(|&(c, _)| c < lo);
    closes[from..]
        .iter()
        .copied()
        .take_while(move |&(c, _)| c <= hi)
}

/// Two connections' or lines' writers, (host, pid), may be one process: the same host,
/// and pids that may match.
fn same_source(a: &(Option<Arc<str>>, Option<u32>), b: &(Option<Arc<str>>, Option<u32>)) -> bool {
    a.0 == b.0 && pids_may_match(a.1, b.1)
}

/// The same pid, or one not known: Daphne's access log and stderr write none, a JSON
/// application log beside them its `process`.
fn pids_may_match(a: Option<u32>, b: Option<u32>) -> bool {
    a == b || a.is_none() || b.is_none()
}

/// Connection `x`'s server closed it on a line of input `input` before record `record`:
/// a line written after the close is not what led to it, whatever the times say. Only
/// lines of one stream were written in the order they stand: Daphne writes its access
/// lines to stdout and its errors to stderr, and docker or a journal that keeps the two
/// apart reads each on its own, so an exception written before the close may stand
/// after it.
fn closed_before<S: Store + ?Sized>(
    st: &State,
    store: &S,
    x: usize,
    (input, record): (u32, usize),
) -> bool {
    st.conns[x].closed_line.is_some_and(|(i, r)| {
        i == input
            && r < record
            && match (store.pipe(r), store.pipe(record)) {
                (a, b) if a != 0 && b != 0 => a == b,
                _ => true,
            }
    })
}

/// The connection whose close by its id (the server's WSDISCONNECT with the client) came
/// right at or after `t`: within the whole second that close was written in, or up to
/// two seconds after `t` for a precise one. Same process as `source`, started by `t`,
/// and not `except`. (`ok` says whether the close came after the line: see
/// [`closed_before`].)
fn closed_right_after(
    st: &State,
    closes: &[(DateTime<Utc>, usize)],
    t: DateTime<Utc>,
    source: Option<&(Option<Arc<str>>, Option<u32>)>,
    except: usize,
    ok: impl Fn(usize) -> bool,
) -> Option<usize> {
    closes_near(closes, t)
        .filter(|&(_, x)| x != except)
        .filter_map(|(c, x)| {
            let (_, coarse) = st.caches[x].closed_at?;
            let fits = if coarse {
                t < c + CDuration::seconds(1) && t >= c - CDuration::seconds(1)
            } else {
                t <= c && t >= c - CDuration::seconds(2)
            };
            let xc = &st.conns[x];
            let ok = fits
                && xc.start.is_some_and(|s| s <= t)
                && xc
                    .source
                    .as_ref()
                    .zip(source)
                    .is_none_or(|(a, b)| same_source(a, b))
                && ok(x);
            ok.then_some((c, st.conns[x].closed_line, x))
        })
        .min()
        .map(|(_, _, x)| x)
}

/// The application wrote a line for connection `x` after `t`: its consumer was still
/// running then, so an error that killed a consumer at or before `t` (the server logs the
/// exception once the application has died) was not its.
fn alive_after<S: Store + ?Sized>(st: &State, store: &S, x: usize, t: DateTime<Utc>) -> bool {
    st.conns[x].links.iter().any(|k| {
        let e = store.event(k.event);
        matches!(e.stage, Stage::Middleware | Stage::Consumer) && e.ts.is_some_and(|ts| ts > t)
    })
}

/// The application logged connection `x`'s close code by `t` (`Disconnected with code
/// 1000`): its consumer's disconnect handler ran, which a consumer killed by an exception
/// never does.
fn closed_cleanly<S: Store + ?Sized>(st: &State, store: &S, x: usize, t: DateTime<Utc>) -> bool {
    st.conns[x].links.iter().any(|k| {
        let e = store.event(k.event);
        is_app_close(e) && e.ts.is_some_and(|ts| ts <= t)
    })
}

/// The application's own close line (`Disconnected with code 1000`): a consumer line
/// with a close code, which its disconnect handler writes.
fn is_app_close(e: &Event) -> bool {
    e.stage == Stage::Consumer && e.cap("code").is_some()
}

/// Line `e` is the application's close with the code it wrote (`disconnected
/// code=1000`: its pattern reads the code, not sets it), once per session.
fn writes_close_code(set: &PackSet, e: &Event) -> bool {
    let pat = set.pattern(e.at);
    is_app_close(e) && pat.reads("code") && !pat.repeats
}

/// The server refused connection `x`'s handshake with 403 (Daphne's WSREJECT, uvicorn's
/// `403`) and the application logged why (`User not authenticated, closing connection`):
/// it closed the connection before accept, on its own decision, so an exception the
/// server caught was not this connection's. (A 403 alone is not enough: some Daphne
/// versions answer an exception in connect() with WSREJECT too.)
fn refused_by_app<S: Store + ?Sized>(st: &State, set: &PackSet, store: &S, x: usize) -> bool {
    let links = &st.conns[x].links;
    let refused = links.iter().any(|k| {
        let e = store.event(k.event);
        e.stage == Stage::Server && e.cap("status") == Some("403")
    });
    refused
        && links.iter().any(|k| {
            let e = store.event(k.event);
            matches!(e.stage, Stage::Middleware | Stage::Consumer)
                && !set.pattern(e.at).repeats
                && set.step_of(e.at).is_none()
        })
}

/// An exception raised in a consumer's `websocket_receive` (its traceback says so, in
/// the pattern's `handler` capture) is a session's whose handshake was accepted: one
/// still in its handshake is not its owner.
fn handler_fits(st: &State, ci: usize, e: &Event) -> bool {
    match e.cap("handler") {
        Some("websocket_receive") => st.caches[ci].answer == Some(true),
        _ => true,
    }
}

/// A line of a server or the channel layer that reports an error, not a step of the
/// connection's life: no pack's healthy sequence holds it, it neither opens nor ends one.
fn is_error(set: &PackSet, e: &Event) -> bool {
    let pat = set.pattern(e.at);
    matches!(e.stage, Stage::Server | Stage::Layer)
        && !pat.ends
        && !pat.opens
        && set.step_of(e.at).is_none()
}

/// Connection `x` holds, on a line other than `record`, an error that names its path
/// (Daphne's `Exception inside application: No route found for path '...'`): its
/// application instance died of that one, and an instance dies once, so a key-less
/// exception logged around then was another session's.
fn died_of_named_error<S: Store + ?Sized>(
    st: &State,
    set: &PackSet,
    store: &S,
    x: usize,
    record: usize,
) -> bool {
    st.conns[x].links.iter().any(|k| {
        let e = store.event(k.event);
        e.record != record
            && e.cap("path").is_some()
            && answer_of(e).is_none()
            && !set.pattern(e.at).repeats
            && is_error(set, e)
    })
}

/// Line `e` is an application's close line with code 1006.
fn closes_1006(e: &Event) -> bool {
    e.stage == Stage::Consumer && e.cap("code") == Some("1006")
}

/// When line `e` says its connection began: its time, or, for the proxy's access line of
/// a connection whose server lines it does not have (`has_server`), its time less the
/// session's length it gives (nginx writes it at the close).
fn began_at(e: &Event, has_server: bool) -> Option<DateTime<Utc>> {
    match (e.stage, e.says_span()) {
        (Stage::Proxy, true) if !has_server => e.ts?.checked_sub_signed(e.request_span()?),
        _ => e.ts,
    }
}

/// What a connection's lines say of when it began: its earliest line written in whole
/// seconds (only "somewhere in that second"), its earliest precise line, and its
/// application's earliest close line (`disconnected code=1006`), which comes last
/// however precise its time: it only bounds the start (`scan` places it after the
/// whole-second lines of its second, and it must not move the start of a session they
/// opened to its millisecond).
#[derive(Clone, Copy, Debug, Default)]
struct StartClues {
    coarse: Option<DateTime<Utc>>,
    precise: Option<DateTime<Utc>>,
    close: Option<DateTime<Utc>>,
}

impl StartClues {
    /// Takes line `e` (`coarse`: written in whole seconds) of a connection that has lines
    /// other than the proxy's when `has_server` ([`began_at`]).
    fn note(&mut self, e: &Event, coarse: bool, has_server: bool) {
        let slot = if coarse {
            &mut self.coarse
        } else if is_app_close(e) {
            &mut self.close
        } else {
            &mut self.precise
        };
        if let Some(t) = began_at(e, has_server) {
            *slot = Some(slot.map_or(t, |s| s.min(t)));
        }
    }

    /// The start: when a precise line of the earliest whole-second line's second exists,
    /// the connection started at the earliest precise one; never after its close.
    fn start(&self) -> Option<DateTime<Utc>> {
        let opened = match (self.coarse, self.precise) {
            (Some(a), Some(b)) if a.timestamp() < b.timestamp() => Some(a),
            (_, Some(b)) => Some(b),
            (a, None) => a,
        };
        match (opened, self.close) {
            (Some(s), Some(c)) => Some(s.min(c)),
            (s, c) => s.or(c),
        }
    }
}

/// Takes out of connection `y` the links of the lines of record `record` (the patterns
/// of one line go together), and sets its start and end again from the lines left (the
/// line taken may have been its first or last).
fn take_record_links<S: Store + ?Sized>(
    st: &mut State,
    store: &S,
    y: usize,
    record: usize,
) -> Vec<Link> {
    let (moved, kept): (Vec<Link>, Vec<Link>) = std::mem::take(&mut st.conns[y].links)
        .into_iter()
        .partition(|k| store.event(k.event).record == record);
    st.conns[y].links = kept;
    set_span(st, store, y);
    moved
}

/// Sets connection `y`'s start and end from its lines, by the rules its lines set them
/// by as they came ([`StartClues`]): after lines were moved in or out.
fn set_span<S: Store + ?Sized>(st: &mut State, store: &S, y: usize) {
    let c = &mut st.conns[y];
    let events = || c.links.iter().map(|k| store.event(k.event));
    let has_server = events().any(|e| e.stage != Stage::Proxy);
    let mut clues = StartClues::default();
    for e in events() {
        clues.note(e, store.origin(e.record).coarse, has_server);
    }
    c.start = clues.start();
    c.end = events().filter_map(|e| e.ts).max();
}

/// A refusal that names no one (Daphne's `failing WebSocket opening handshake ('Access
/// denied')`, from Autobahn) is followed, in the same log and within milliseconds, by the
/// line that names the client it dropped (`dropping connection to peer tcp4:IP:PORT ...:
/// Access denied`): it is that connection's. Placed as it came, it took the connection
/// its process logged last, often an accepted one. Scan only: the naming line comes after.
fn refusals_to_the_line_naming_them<S: Store + ?Sized>(st: &mut State, store: &S) {
    /// How many records after a refusal its naming line may be.
    const AHEAD: usize = 4;
    let mut found: Vec<(usize, usize, DateTime<Utc>)> = Vec::new();
    for (y, c) in st.conns.iter().enumerate() {
        // (Or the line that opened a connection: lines with ids the connection had not
        // shown yet then joined it, a second later, as the process's newest.)
        for l in c.links.iter().filter(|l| !l.exact || l.key() == "start") {
            let e = store.event(l.event);
            if e.stage != Stage::Server {
                continue;
            }
            if let (Some(t), Some(false), None) = (e.ts, answer_of(e), e.cap("path")) {
                // (A line with an id of its own, a channel name, is not one of these.)
                if exact_keys(e, &store.origin(e.record)).is_empty() {
                    found.push((e.record, y, t));
                }
            }
        }
    }
    if found.is_empty() {
        return;
    }
    let wanted: BTreeSet<usize> = found
        .iter()
        .flat_map(|&(r, _, _)| r + 1..=r + AHEAD)
        .collect();
    // The connection and event of each record that may name a refusal.
    let mut owner: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (x, c) in st.conns.iter().enumerate() {
        for l in &c.links {
            let r = store.event(l.event).record;
            if wanted.contains(&r) {
                owner.entry(r).or_insert((x, l.event));
            }
        }
    }
    for (record, y, t) in found {
        let origin = store.origin(record);
        // Only a time to the millisecond says "the same moment": whole seconds hold a
        // refused client's keyed line before its key-less one (uvicorn's `"WebSocket
        // /ws" 403` then `connection rejected (403 Forbidden)`), and the next keyed
        // line is the next request's.
        if origin.coarse {
            continue;
        }
        let input = origin.input;
        // (Only records some event holds: past the last one there is none to ask of.)
        let named = (record + 1..=record + AHEAD)
            .filter_map(|r| owner.get(&r).copied())
            .filter(|&(_, ev)| store.origin(store.event(ev).record).input == input)
            .find(|&(_, ev)| {
                let n = store.event(ev);
                n.ts.is_some_and(|nt| nt >= t && nt <= t + CDuration::milliseconds(5))
                    && answer_of(n) == Some(false)
                    && client_key(n).is_some()
            });
        if let Some((x, _)) = named.filter(|&(x, _)| x != y) {
            let moved = take_record_links(st, store, y, record);
            st.conns[x]
                .links
                .extend(moved.into_iter().map(|k| k.inferred("line")));
        }
    }
    drop_emptied(st);
}

/// An error line that names nothing (Daphne's `Exception inside application`, a Redis
/// error) joined the connection that logged last; the server then closes the one it
/// broke (Daphne: 1011 right after the exception). When the connection it joined does
/// not close then and another closes by its id right after the line, the line (with the
/// other patterns of the same record) is that one's. Scan only.
fn rehome_errors<S: Store + ?Sized>(st: &mut State, set: &PackSet, store: &S) {
    let ejected = rehome_pass(st, set, store);
    settle_ejected(st, set, store, ejected);
}

/// An error line's links (the patterns of one record) taken from a connection that
/// provably is not its owner, with that connection's process.
type Ejected = (Vec<Link>, Option<(Option<Arc<str>>, Option<u32>)>);

/// One pass of [`rehome_errors`]; returns the errors it took from a connection and found
/// no other owner for.
fn rehome_pass<S: Store + ?Sized>(st: &mut State, set: &PackSet, store: &S) -> Vec<Ejected> {
    let mut ejected = Vec::new();
    let n = st.conns.len();
    let closes = closes_by_time(st);
    for y in 0..n {
        let mut i = 0;
        while i < st.conns[y].links.len() {
            let l = st.conns[y].links[i].clone();
            let e = store.event(l.event);
            // An exception raised while handling a message, written without a time, goes
            // to the connection whose line is right above it ("line", not exact): a guess
            // as well, when two sessions logged in that millisecond.
            let under =
                l.key() == "line" && !l.exact && e.cap("handler") == Some("websocket_receive");
            // An exception (with its traceback) given to the session that logged last
            // before it (`after`) is a guess too: two sessions may have logged then.
            let raised = l.key() == "after" && e.cap("raised").is_some();
            let keyless =
                (matches!(l.key(), "time" | "after-close" | "only-open") || under || raised)
                    && !l.exact;
            // (Read only for a key-less link: most links are not, and this walks captures.)
            // A refusal that names no one, on a connection whose handshake was refused, is
            // about that refusal (see `refusals_to_the_line_naming_them`), not an error
            // some other session died of.
            let refusal = || answer_of(e) == Some(false) && st.caches[y].answer == Some(false);
            let error = keyless && e.cap("path").is_none() && !refusal() && is_error(set, e);
            let Some(t) = e.ts.filter(|_| keyless && error) else {
                i += 1;
                continue;
            };
            // Its connection closed right after it, and this is its first such line: it
            // stays. A second one (four exceptions as Redis died under three sessions)
            // is another session's.
            let first = st.conns[y].links[..i]
                .iter()
                .all(|k| store.event(k.event).at != e.at);
            let line = (store.origin(e.record).input, e.record);
            // Given to the one open session only for want of another: a session the
            // server closed seconds later lived on past it (Daphne closes the one an
            // exception broke at once, with 1011).
            let outlived = l.key() == "only-open"
                && st.caches[y].closed_at.is_some_and(|(c, coarse)| {
                    c > t + CDuration::seconds(if coarse { 3 } else { 2 })
                });
            let not_its = outlived || !may_have_died_of(st, set, store, y, e, t);
            let stays = first
                && !closed_before(st, store, y, line)
                && !not_its
                && st.caches[y].closed_at.is_some_and(|(c, coarse)| {
                    let late = if coarse { 1 } else { 0 };
                    c + CDuration::seconds(late) > t && c <= t + CDuration::seconds(2)
                });
            let source = st.conns[y].source.clone();
            let other = closed_right_after(st, &closes, t, source.as_ref(), y, |x| {
                !closed_before(st, store, x, line)
                    && may_have_died_of(st, set, store, x, e, t)
                    && !holds_any(st, store, x, &[e.at])
            });
            // Of two sessions closed right after the line, the first to close is the one
            // it broke.
            let close_order =
                |x: usize| (st.caches[x].closed_at.map(|c| c.0), st.conns[x].closed_line);
            let owner = other.filter(|&x| !stays || close_order(x) < close_order(y));
            if under && !not_its {
                i += 1;
                continue;
            }
            let owner = owner.or_else(|| {
                not_its
                    .then(|| fell_silent_at(st, store, t, source.as_ref(), y, e))
                    .flatten()
            });
            let Some(x) = owner else {
                if not_its {
                    // No session fits and the one it joined provably is not its owner
                    // (see `settle_ejected` for what becomes of it).
                    let moved = take_record_links(st, store, y, e.record);
                    ejected.push((moved, source));
                    continue;
                }
                // The one open session took it and closed right after: it led to the close.
                if stays && l.key() == "only-open" {
                    st.conns[y].links[i] = l.inferred("after-close");
                }
                i += 1;
                continue;
            };
            let moved = take_record_links(st, store, y, e.record);
            give_after_close(st, x, moved, t);
        }
    }
    drop_emptied(st);
    ejected
}

/// Connection `x` may have died of error event `e`, written at `t`: its application
/// wrote nothing after `t`, neither refused it nor closed cleanly by then, it did not die
/// of an error that names it, and the error's handler fits it.
fn may_have_died_of<S: Store + ?Sized>(
    st: &State,
    set: &PackSet,
    store: &S,
    x: usize,
    e: &Event,
    t: DateTime<Utc>,
) -> bool {
    !alive_after(st, store, x, t)
        && !refused_by_app(st, set, store, x)
        && !closed_cleanly(st, store, x, t)
        && !died_of_named_error(st, set, store, x, e.record)
        && handler_fits(st, x, e)
}

/// Connection `x` holds a line of one of the patterns `ats`.
fn holds_any<S: Store + ?Sized>(st: &State, store: &S, x: usize, ats: &[PatternRef]) -> bool {
    st.conns[x]
        .links
        .iter()
        .any(|k| ats.contains(&store.event(k.event).at))
}

/// Gives connection `x` an error line's `links`, written at `t`, as lines that led to its
/// close.
fn give_after_close(st: &mut State, x: usize, links: Vec<Link>, t: DateTime<Utc>) {
    let xc = &mut st.conns[x];
    xc.links
        .extend(links.into_iter().map(|k| k.inferred("after-close")));
    xc.end = xc.end.max(Some(t));
}

/// Application close lines that name no connection (`Disconnected with code 1006`, no
/// client or request id) join, as they are placed, an open connection on their path
/// chosen by what is known then: the server's own closes of that second (Daphne's `WSDISCONNECT` with the client,
/// in whole seconds) sort after them and cannot choose. When several connections on one
/// path each took one such line and the server closed each by its id within one second,
/// the lines go to the connections in the order the server wrote those closes: both
/// streams are written in the order the sessions ended. Only a connection's own
/// application's close line counts, and lines that name a user stay with connections of
/// that user. Scan only: it needs the closes that come after.
fn pair_closes_in_order<S: Store + ?Sized>(st: &mut State, store: &S) {
    // (path, server close second, its input) → (server close record, connection, its
    // application close event).
    type Key = (Box<str>, i64, u32);
    let mut groups: BTreeMap<Key, Vec<(usize, usize, usize)>> = BTreeMap::new();
    for (ci, c) in st.conns.iter().enumerate() {
        let cache = &st.caches[ci];
        let (Some((at, true)), true, Some((input, rec)), Some(path)) = (
            cache.closed_at,
            cache.closed_exact && c.closed,
            c.closed_line,
            &c.path,
        ) else {
            continue;
        };
        // Its own application's close (another application's, joined after the close,
        // is not the session's).
        let mut app_closes = c.links.iter().filter(|l| {
            let e = store.event(l.event);
            !l.exact && is_app_close(e) && cache.app_pack == Some(usize::from(e.at.pack))
        });
        let (Some(l), None) = (app_closes.next(), app_closes.next()) else {
            continue;
        };
        // Written within the second of the server's close: a line of the second before
        // may be a session's that closed then.
        let near = store
            .event(l.event)
            .ts
            .is_some_and(|t| t >= at && t < at + CDuration::seconds(1));
        if near {
            groups
                .entry((path.clone(), at.timestamp(), input))
                .or_default()
                .push((rec, ci, l.event));
        }
    }
    for (_, mut group) in groups {
        if group.len() < 2 {
            continue;
        }
        // Connections in the order the server closed them; lines in the order written.
        group.sort_unstable();
        let mut lines: Vec<usize> = group.iter().map(|&(_, _, ev)| ev).collect();
        lines.sort_by_key(|&ev| (store.event(ev).ts, ev));
        let moves = group
            .iter()
            .zip(&lines)
            .any(|(&(_, _, had), &ev)| had != ev);
        let fits = group.iter().zip(&lines).all(|(&(_, ci, _), &ev)| {
            match (user_of(store.event(ev)), st.conns[ci].user.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
        });
        if !moves || !fits {
            continue;
        }
        let mut bundles: BTreeMap<usize, Vec<Link>> = BTreeMap::new();
        for &(_, ci, ev) in &group {
            let r = store.event(ev).record;
            bundles.insert(ev, take_record_links(st, store, ci, r));
        }
        for (&(_, ci, _), ev) in group.iter().zip(lines) {
            let links = bundles.remove(&ev).unwrap_or_default();
            let c = &mut st.conns[ci];
            c.links.extend(links);
            c.end = c.end.max(store.event(ev).ts);
        }
    }
}

/// The errors a pass of [`rehome_errors`] took from connections that were not theirs,
/// once the pass is over: a connection that closed right after one may have been passed
/// over only because it held another such error, which the same pass then took from it
/// (Redis stopped under three sessions: the third's exception first joined a session
/// killed earlier, and the third held a Redis timeout that was not its own). The first
/// connection that closed right after the line and fits takes it; an error none fits (a
/// pooled Redis connection failing after every session closed) names none.
fn settle_ejected<S: Store + ?Sized>(
    st: &mut State,
    set: &PackSet,
    store: &S,
    ejected: Vec<Ejected>,
) {
    if ejected.is_empty() {
        return;
    }
    let closes = closes_by_time(st);
    for (links, source) in ejected {
        let e = store.event(links[0].event);
        let ats: Vec<PatternRef> = links.iter().map(|l| store.event(l.event).at).collect();
        let line = (store.origin(e.record).input, e.record);
        let owner = e.ts.and_then(|t| {
            // No connection is excepted: the one it was taken from fails
            // `may_have_died_of`, as its taking showed.
            closed_right_after(st, &closes, t, source.as_ref(), usize::MAX, |x| {
                !closed_before(st, store, x, line)
                    && may_have_died_of(st, set, store, x, e, t)
                    && !holds_any(st, store, x, &ats)
            })
            .map(|x| (x, t))
        });
        match owner {
            Some((x, t)) => give_after_close(st, x, links, t),
            None => st.global.extend(links.into_iter().map(|k| k.event)),
        }
    }
}

/// For an exception raised in a consumer's `websocket_receive` whose first owner lived on:
/// the session that fell silent at it. Accepted, of the same process, its application's
/// last line came within the second up to `t` and nothing after it, nor its own close
/// (the consumer that raised was killed); the one that logged last goes first. Not
/// `except`, nor one that already has such an error.
fn fell_silent_at<S: Store + ?Sized>(
    st: &State,
    store: &S,
    t: DateTime<Utc>,
    source: Option<&(Option<Arc<str>>, Option<u32>)>,
    except: usize,
    e: &Event,
) -> Option<usize> {
    if e.cap("handler") != Some("websocket_receive") {
        return None;
    }
    let from = t - CDuration::seconds(1);
    (0..st.conns.len())
        .filter(|&x| x != except && st.caches[x].answer == Some(true))
        .filter(|&x| {
            let c = &st.conns[x];
            c.end.is_some_and(|end| end >= from)
                && c.source
                    .as_ref()
                    .zip(source)
                    .is_none_or(|(a, b)| same_source(a, b))
        })
        .filter_map(|x| {
            let mut last = None;
            for k in &st.conns[x].links {
                let ev = store.event(k.event);
                if ev.at == e.at || is_app_close(ev) {
                    return None;
                }
                if matches!(ev.stage, Stage::Middleware | Stage::Consumer) {
                    last = last.max(ev.ts.map(|ts| (ts, ev.record)));
                }
            }
            let (ts, rec) = last?;
            (ts >= from && ts <= t).then_some(((ts, rec), x))
        })
        .max()
        .map(|(_, x)| x)
}

/// Events placed between two looks at the closed connections whose search state may go.
const SWEEP_EVERY: usize = 4096;
/// Fewest connections closed since the last look that make a look worth its walk.
const SWEEP_LEAST: usize = 256;

/// Groups `events` (in time order) into connections.
pub fn correlate(set: &PackSet, records: &[Record], events: &[Event]) -> Correlated {
    correlate_sweeping(set, records, events, SWEEP_EVERY, SWEEP_LEAST)
}

/// Places every event of `events` (the builder's store's) in order, retiring the
/// finished connections as [`correlate_sweeping`] says.
fn place_all<S: Store + ?Sized>(
    b: &mut Builder<'_, '_, S>,
    events: &[Event],
    every: usize,
    least: usize,
) {
    let floors = time_floors(events, every);
    let coarse = coarse_server_closes(b.set, b.store, events);
    let mut retiring = Retiring {
        least,
        ..Retiring::default()
    };
    // Application closes held until the whole-second lines of their second are placed.
    let mut held: Vec<usize> = Vec::new();
    let mut held_second = None;
    let mut next_sweep = every;
    let mut i = 0;
    while i < events.len() {
        // (Lines are placed whole: the look comes at the first line at or past each mark.)
        if i >= next_sweep {
            if let Some(floor) = floors[i / every] {
                retiring.sweep(b, floor);
            }
            next_sweep = (i / every + 1) * every;
        }
        let second = events[i].ts.map(|t| t.timestamp());
        // (A line without a time, of an input that has none, does not end the second.)
        if !held.is_empty() && second.is_some() && second != held_second {
            for h in held.drain(..) {
                retiring.place(b, h);
            }
        }
        // The line's events stay together (several patterns may match one line).
        let end = i + b.record_events(i).count();
        // Only a whole-second close of another input sorts after the line it precedes: in
        // one input the lines keep the order they were written in. (A line an application
        // pack's sequence also reads is placed by that sequence.)
        let input = events[i].input;
        let hold = second.is_some_and(|s| {
            let from = coarse.partition_point(|&(t, _)| t < s);
            coarse[from..]
                .iter()
                .take_while(|&&(t, _)| t == s)
                .any(|&(_, other)| other != input)
        }) && (i..end).all(|j| closes_before_its_server(b, j));
        for j in i..end {
            if hold {
                held.push(j);
                held_second = second;
            } else {
                retiring.place(b, j);
            }
        }
        i = end;
    }
    for h in held {
        retiring.place(b, h);
    }
    b.place_deferred();
}

/// (second, input) of every line (sorted, once each) on which a server wrote, in whole
/// seconds, the close of a connection it names by an id (Daphne's `WSDISCONNECT` with the
/// client's port): the closes an application's close line may wait for
/// ([`closes_before_its_server`]).
fn coarse_server_closes<S: Store + ?Sized>(
    set: &PackSet,
    store: &S,
    events: &[Event],
) -> Vec<(i64, u32)> {
    let mut v: Vec<(i64, u32)> = events
        .iter()
        .filter(|e| {
            e.stage == Stage::Server && set.pattern(e.at).ends && {
                let origin = store.origin(e.record);
                origin.coarse && !exact_keys(e, &origin).is_empty()
            }
        })
        .filter_map(|e| e.ts.map(|t| (t.timestamp(), e.input)))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Event `ei` is an application's close (`disconnected code=1006`) that names no
/// connection, user or path, written at a precise instant, and no step of a sequence
/// (those go where their sequence waits for them). The server logs the socket's close before
/// the application's disconnect() runs, but a server that writes whole seconds (Daphne's
/// `WSDISCONNECT`) sorts after every precise line of its second: placed where it sorts,
/// the application's close finds its session still open beside the others of its path
/// and takes one of them. Placed after the second's whole-second lines, it goes to a
/// session the server just closed, as under a server that logs precisely.
fn closes_before_its_server<S: Store + ?Sized>(b: &Builder<'_, '_, S>, ei: usize) -> bool {
    let e = b.ev(ei);
    let origin = b.rec(e.record);
    // (The ids last: reading them allocates.)
    writes_close_code(b.set, e)
        && !origin.coarse
        && b.set.pattern(e.at).after.is_empty()
        && b.set.step_of(e.at).is_none()
        && e.cap("path").is_none()
        && user_of(e).is_none()
        && exact_keys(e, &origin).is_empty()
}

/// [`correlate`], looking every `every` events for finished connections to retire once
/// at least `least` have closed since the last look.
fn correlate_sweeping(
    set: &PackSet,
    records: &[Record],
    events: &[Event],
    every: usize,
    least: usize,
) -> Correlated {
    let store = Slices { records, events };
    let mut st = State {
        defer_untimed_access: true,
        ..State::default()
    };
    let mut b = Builder::new(set, &store, &mut st);
    place_all(&mut b, events, every, least);
    absorb_orphans(&mut st, &store);
    join_proxy_errors(&mut st, &store);
    refusals_to_the_line_naming_them(&mut st, &store);
    // Twice: a session that held an error not its own (a Redis timeout written while it
    // was still logging) gives it up in the first pass, after another error that was its
    // own had already looked for an owner and found it taken.
    rehome_errors(&mut st, set, &store);
    rehome_errors(&mut st, set, &store);
    pair_closes_in_order(&mut st, &store);
    // What only the searches read (the key and path indexes, every connection's cache)
    // goes before the connections are copied out of their chunks: it is as large as the
    // connections themselves, and held with the copy it made the scan's peak.
    let chunks = std::mem::take(&mut st.conns);
    let mut global = std::mem::take(&mut st.global);
    drop(st);
    global.sort_unstable();
    let mut conns = chunks.into_vec();
    // Start order, ties by first event: deterministic ids.
    conns.sort_by_key(|c| (c.start, c.links.first().map(|l| l.event)));
    for (i, c) in conns.iter_mut().enumerate() {
        c.id = format!("c{}", i + 1).into();
        c.links.sort_by_key(|l| l.event);
    }
    let global_writers = global
        .iter()
        .map(|&g| {
            let o = store.origin(events[g].record);
            (o.host.map(Arc::from), o.pid)
        })
        .collect();
    Correlated {
        connections: conns,
        global,
        global_writers,
    }
}

#[cfg(test)]
mod tests;
