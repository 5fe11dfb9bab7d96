//! 1,000+ interleaved connections with known truth: Daphne access lines (which carry the
//! client) and JWT-middleware / consumer lines (which carry no connection id), with more
//! than 50 connections open at once on the same path. At least 99 % must be assembled
//! (every line in the right connection) and diagnosed (verdict and rule) right.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;
use logweave::sequence::Verdict;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scenario {
    Healthy,
    InvalidToken,
    AuthzDenied,
    GroupAddFailed,
    DbError,
}

impl Scenario {
    fn expected(self) -> (Verdict, Option<&'static str>) {
        match self {
            Scenario::Healthy => (Verdict::Healthy, None),
            Scenario::InvalidToken => (Verdict::Broken, Some("auth.token-invalid")),
            Scenario::AuthzDenied => (Verdict::Broken, Some("authz.denied")),
            Scenario::GroupAddFailed => (Verdict::Broken, Some("channel-layer.down")),
            Scenario::DbError => (Verdict::Broken, Some("db.error")),
        }
    }
}

struct Truth {
    scenario: Scenario,
    port: u32,
    /// (time in ms, line text) before sorting.
    lines: Vec<(u64, String)>,
}

fn ts(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "2026-11-23 {:02}:{:02}:{:02},{:03}",
        10 + s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

fn access(ms: u64, port: u32, verb: &str, path: &str) -> String {
    let s = ms / 1000;
    format!(
        "127.0.0.1:{port} - - [23/Nov/2026:{:02}:{:02}:{:02}] \"{verb} {path}\" - -",
        10 + s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Lines of one connection being written, `gap` ms apart.
struct Writer {
    t: u64,
    gap: u64,
    port: u32,
    path: String,
    lines: Vec<(u64, String)>,
}

impl Writer {
    fn app(&mut self, level: &str, m: &str) {
        self.lines.push((self.t, format!("{level:<8} {m}")));
        self.t += self.gap;
    }
    fn info(&mut self, m: &str) {
        self.app("INFO", m)
    }
    fn access(&mut self, verb: &str) {
        self.lines
            .push((self.t, access(self.t, self.port, verb, &self.path)));
        self.t += self.gap;
    }
}

/// One connection's lines from `t0`; healthy ones stay open for minutes.
fn connection(rng: &mut Rng, i: usize, t0: u64, gap: u64, scenario: Scenario) -> Truth {
    let port = 20000 + i as u32;
    let (cust, ther) = (1 + rng.below(3), 2 + rng.below(2));
    let user = 100 + i;
    let mut w = Writer {
        t: t0,
        gap,
        port,
        path: format!("/ws/chat/{cust}/{ther}/"),
        lines: Vec::new(),
    };
    w.access("WSCONNECTING");
    w.info(&format!(
        "[JWTAuthMiddleware] Processing connection for path: {}",
        w.path
    ));
    w.info("[JWTAuthMiddleware] Token found: eyJhbGciOiJIUzI1NiI...");
    let done = |w: Writer| Truth {
        scenario,
        port,
        lines: w.lines,
    };
    if scenario == Scenario::InvalidToken {
        w.app(
            "WARNING",
            "[JWTAuthMiddleware] Invalid token: Signature verification failed",
        );
        w.info("[ChatConsumer] Connection rejected - user not authenticated");
        w.access("WSREJECT");
        w.access("WSDISCONNECT");
        return done(w);
    }
    w.info(&format!(
        "[JWTAuthMiddleware] Decoded token payload, user_id: {user}"
    ));
    w.info(&format!(
        "[JWTAuthMiddleware] User found: {user} - user{user}@example.com (role: customer)"
    ));
    w.info(&format!(
        "[JWTAuthMiddleware] User authenticated: {user} (user{user}@example.com)"
    ));
    w.info("[ChatConsumer] Connection attempt started");
    w.info("[ChatConsumer] User authenticated: True, User: <User object>");
    if scenario == Scenario::AuthzDenied {
        w.app("WARNING", &format!("[ChatConsumer] Authorization failed - customer {user} tried to access customer {cust}"));
        w.access("WSREJECT");
        w.access("WSDISCONNECT");
        return done(w);
    }
    w.info(&format!(
        "[ChatConsumer] Customer ID: {cust}, Therapist ID: {ther}"
    ));
    w.info(&format!(
        "[ChatConsumer] Room group name: chat_{cust}_{ther}"
    ));
    if scenario == Scenario::GroupAddFailed {
        w.app("ERROR", "[ChatConsumer] Failed to add to channel group: Error 111 connecting to 127.0.0.1:6379. Connection refused.");
        w.access("WSDISCONNECT");
        return done(w);
    }
    w.info("[ChatConsumer] Added to channel group successfully");
    w.info(&format!(
        "[ChatConsumer] Connection accepted for user {user} (role: customer)"
    ));
    w.access("WSCONNECT");
    w.info(&format!(
        "[ChatConsumer] Getting/creating conversation for customer {cust}, therapist {ther}"
    ));
    if scenario == Scenario::DbError {
        w.app("ERROR", "[ChatConsumer] Database error in get_or_create_conversation: connection to server at \"db\" failed");
        w.access("WSDISCONNECT");
        return done(w);
    }
    w.info("[ChatConsumer] Found existing conversation: 7d1f0c4e-7a51-4c2b-9a2e-3f0b8d8a9e10");
    w.info("[ChatConsumer] Conversation loaded/created: 7d1f0c4e-7a51-4c2b-9a2e-3f0b8d8a9e10");
    // Long-lived: stays open for minutes, so dozens are open at once on each path.
    w.t += 60_000 + rng.below(120_000);
    w.access("WSDISCONNECT");
    done(w)
}

#[test]
fn at_least_99_percent_of_1000_interleaved_connections_are_assembled_and_diagnosed_right() {
    const N: usize = 1000;
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut truths = Vec::new();
    let mut t0 = 0u64;
    for i in 0..N {
        let scenario = match rng.below(20) {
            0..=12 => Scenario::Healthy,
            13..=14 => Scenario::InvalidToken,
            15..=16 => Scenario::AuthzDenied,
            17..=18 => Scenario::GroupAddFailed,
            _ => Scenario::DbError,
        };
        // Handshakes overlap: a new one starts every 3-9 ms, each step 8 ms apart, so
        // several handshakes interleave line by line (in arrival order).
        t0 += 3 + rng.below(7);
        truths.push(connection(&mut rng, i, t0, 8, scenario));
    }
    // Every line: (time, connection, position) → the order a single Daphne process logs them.
    let mut all: Vec<(u64, usize, usize, String)> = Vec::new();
    for (ci, t) in truths.iter().enumerate() {
        for (pi, (ms, text)) in t.lines.iter().enumerate() {
            let line = if text.starts_with("127.0.0.1:") {
                text.clone()
            } else {
                format!("{} {text}", ts(*ms))
            };
            all.push((*ms, ci, pi, line));
        }
    }
    all.sort_by_key(|(ms, ci, pi, _)| (*ms, *ci, *pi));
    let mut log = String::new();
    let mut owner: Vec<usize> = Vec::new(); // line number - 1 → truth index
    for (_, ci, _, line) in &all {
        writeln!(log, "{line}").unwrap();
        owner.push(*ci);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daphne.log");
    std::fs::write(&path, &log).unwrap();
    if let Some(p) = std::env::var_os("LOGWEAVE_KEEP_SYNTHETIC") {
        std::fs::write(p, &log).unwrap();
    }

    let packs = PackSet::load(&[]).unwrap();
    let opts = Options::default();
    let s = pipeline::scan(&[InputSpec::from_arg(path.to_str().unwrap())], &opts, packs);

    // How many connections were open at once on one path (the condition the test is for).
    let mut open_at: BTreeMap<String, Vec<(u64, i32)>> = BTreeMap::new();
    for t in &truths {
        let path = t.lines[0]
            .1
            .split('"')
            .nth(1)
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .to_string();
        let v = open_at.entry(path).or_default();
        v.push((t.lines[0].0, 1));
        v.push((t.lines.last().unwrap().0, -1));
    }
    let max_open = open_at
        .values_mut()
        .map(|v| {
            v.sort();
            v.iter()
                .scan(0, |n, (_, d)| {
                    *n += d;
                    Some(*n)
                })
                .max()
                .unwrap()
        })
        .max()
        .unwrap();
    assert!(max_open >= 50, "only {max_open} open at once on one path");

    // Truth by client port; a connection is right when its lines are exactly the truth's
    // and its verdict and rule are the expected ones.
    let by_port: BTreeMap<String, usize> = truths
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("127.0.0.1:{}", t.port), i))
        .collect();
    let mut right = 0;
    let mut per: BTreeMap<Scenario, (usize, usize)> = BTreeMap::new();
    let mut wrong_examples = Vec::new();
    for (ci, c) in s.correlated.connections.iter().enumerate() {
        let Some(&ti) = c.client.as_deref().and_then(|cl| by_port.get(cl)) else {
            continue;
        };
        let t = &truths[ti];
        // A line several packs match is one line of the connection.
        let mut lines: Vec<usize> = c
            .links
            .iter()
            .map(|l| s.ingested.records[s.events[l.event].record].line as usize)
            .collect();
        lines.dedup();
        let assembled = lines.iter().all(|&ln| owner[ln - 1] == ti)
            && lines.len() == owner.iter().filter(|&&o| o == ti).count();
        let (want_v, want_r) = t.scenario.expected();
        let rules: Vec<&str> = s
            .analysis
            .findings
            .iter()
            .filter(|f| f.connections == [ci])
            .map(|f| f.rule)
            .collect();
        let diagnosed =
            s.analysis.verdicts[ci] == want_v && want_r.is_none_or(|r| rules.contains(&r));
        let e = per.entry(t.scenario).or_default();
        e.1 += 1;
        if assembled && diagnosed {
            right += 1;
            e.0 += 1;
        } else if wrong_examples.len() < 5 {
            if wrong_examples.is_empty() {
                let want: Vec<usize> = (0..owner.len())
                    .filter(|&i| owner[i] == ti)
                    .map(|i| i + 1)
                    .collect();
                eprintln!("got lines {lines:?}\nwant lines {want:?}");
            }
            wrong_examples.push(format!(
                "{:?} port {}: assembled {assembled} ({} lines), verdict {:?}, rules {rules:?}",
                t.scenario,
                t.port,
                lines.len(),
                s.analysis.verdicts[ci]
            ));
        }
    }
    eprintln!("scenario          right / total");
    for (sc, (r, n)) in &per {
        eprintln!("{:<16}  {r:>5} / {n}", format!("{sc:?}"));
    }
    let rate = right as f64 / N as f64;
    eprintln!(
        "overall: {right} / {N} = {:.1}% (max {max_open} open at once on one path)",
        rate * 100.0
    );
    assert!(
        rate >= 0.99,
        "{:.1}% right; e.g.\n{}",
        rate * 100.0,
        wrong_examples.join("\n")
    );
}
