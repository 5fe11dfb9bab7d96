use super::*;
use crate::assemble::assemble_str;
use crate::correlate::correlate;
use crate::pattern::{compile, events, Origin, PackSet};
use crate::time::TimeCtx;

const PACK: &str = r#"
[pack]
name = "t"
about = "test"
[[pattern]]
id = "connecting"
stage = "server"
regex = '(?P<client>\S+:\d+) - - \[[^\]]+\] "WSCONNECTING (?P<path>/\S*)"'
examples = [{ line = '127.0.0.1:1 - - [x] "WSCONNECTING /ws/a/"' }]
[[pattern]]
id = "connect"
stage = "server"
regex = '(?P<client>\S+:\d+) - - \[[^\]]+\] "WSCONNECT (?P<path>/\S*)"'
examples = [{ line = '127.0.0.1:1 - - [x] "WSCONNECT /ws/a/"' }]
[[pattern]]
id = "reject"
stage = "server"
ends = true
regex = '(?P<client>\S+:\d+) - - \[[^\]]+\] "WSREJECT (?P<path>/\S*)"'
examples = [{ line = '127.0.0.1:1 - - [x] "WSREJECT /ws/a/"' }]
[[pattern]]
id = "disconnect"
stage = "server"
ends = true
regex = '(?P<client>\S+:\d+) - - \[[^\]]+\] "WSDISCONNECT (?P<path>/\S*)"'
examples = [{ line = '127.0.0.1:1 - - [x] "WSDISCONNECT /ws/a/"' }]
[[pattern]]
id = "closed"
stage = "consumer"
regex = 'closed with code (?P<code>\d+) on (?P<path>/\S*)'
examples = [{ line = "closed with code 4001 on /ws/a/" }]
[[pattern]]
id = "token"
stage = "middleware"
regex = 'token for (?P<path>/\S*): (?P<token>\S+)'
examples = [{ line = "token for /ws/a/: abc" }]
[[pattern]]
id = "exited"
stage = "process"
regex = "exited: (?P<process>\\w+)"
examples = [{ line = "exited: daphne" }]

[[rule]]
id = "handshake.rejected"
when = { seen = "reject" }
diagnosis = "Rejected {path} for {client}."
hint = "Look at the origin validator."
[[rule]]
id = "handshake.timeout"
when = { seen = "connecting", missing = ["connect", "reject"], within = "5s" }
diagnosis = "No answer to the handshake on {path}."
hint = "Make connect() return."
[[rule]]
id = "auth.rejected"
when = { seen = "closed", code = [4001, 4401] }
diagnosis = "Closed {code}."
hint = "Log in again."
[[rule]]
id = "client.reconnect-storm"
when = { seen = "connecting", count = 3, window = "60s", by = "client_ip" }
diagnosis = "{count} attempts from {client_ip}."
hint = "Back off."
[[rule]]
id = "server.restart"
when = { seen = "exited" }
diagnosis = "{process} exited."
hint = "Read its stderr."
"#;

fn analyse(log: &str) -> (Analysis, crate::correlate::Correlated) {
    let set = PackSet::new(vec![compile(Origin::Builtin("t.toml"), PACK).unwrap()]);
    let records = assemble_str(0, log, TimeCtx::default()).records;
    let ev = events(&records, &set);
    let corr = correlate(&set, &records, &ev);
    let now = records.iter().filter_map(|r| r.ts.map(|t| t.utc)).max();
    (evaluate(&set, &ev, &corr, now), corr)
}

fn line(t: &str, client: &str, verb: &str) -> String {
    format!("2026-11-23 10:00:{t},000 INFO {client} - - [23/Nov/2026:10:00:{t}] \"{verb} /ws/a/\" - -\n")
}

#[test]
fn seen_rule_fires_with_placeholders_filled() {
    let log =
        line("00", "127.0.0.1:5000", "WSCONNECTING") + &line("01", "127.0.0.1:5000", "WSREJECT");
    let (a, _) = analyse(&log);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].rule, "handshake.rejected");
    assert_eq!(
        a.findings[0].diagnosis,
        "Rejected /ws/a/ for 127.0.0.1:5000."
    );
    assert_eq!(a.verdicts, vec![Verdict::Broken]);
}

#[test]
fn missing_step_fires_only_once_its_deadline_has_passed() {
    let waiting = line("00", "127.0.0.1:5000", "WSCONNECTING");
    let (a, _) = analyse(&waiting);
    assert!(a.findings.is_empty());
    assert_eq!(
        a.verdicts,
        vec![Verdict::Open],
        "end of input before the deadline: open, not broken"
    );

    let later = waiting.clone() + "2026-11-23 10:00:09,000 INFO unrelated line\n";
    let (a, _) = analyse(&later);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].rule, "handshake.timeout");
    assert_eq!(a.verdicts, vec![Verdict::Broken]);
}

#[test]
fn missing_step_fires_early_when_the_connection_ends_without_it() {
    let log = line("00", "127.0.0.1:5000", "WSCONNECTING")
        + &line("01", "127.0.0.1:5000", "WSDISCONNECT");
    let (a, _) = analyse(&log);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].rule, "handshake.timeout");
}

#[test]
fn healthy_connection_has_no_finding() {
    let log = line("00", "127.0.0.1:5000", "WSCONNECTING")
        + &line("00", "127.0.0.1:5000", "WSCONNECT")
        + &line("09", "127.0.0.1:5000", "WSDISCONNECT");
    let (a, _) = analyse(&log);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.verdicts, vec![Verdict::Healthy]);
}

#[test]
fn close_code_filter_and_close_code_summary() {
    let log = "2026-11-23 10:00:00,000 INFO closed with code 1000 on /ws/a/\n2026-11-23 10:00:30,000 INFO closed with code 4001 on /ws/a/\n";
    let (a, _) = analyse(log);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].diagnosis, "Closed 4001.");
    assert_eq!(a.close_codes, vec![Some(1000), Some(4001)]);
}

#[test]
fn reconnect_storm_is_one_finding_over_many_connections() {
    let mut log = String::new();
    for (i, t) in ["00", "05", "10", "15"].iter().enumerate() {
        let c = format!("10.0.0.7:{}", 4000 + i);
        log += &line(t, &c, "WSCONNECTING");
        log += &line(t, &c, "WSREJECT");
    }
    let (a, corr) = analyse(&log);
    assert_eq!(corr.connections.len(), 4);
    let storms: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "client.reconnect-storm")
        .collect();
    assert_eq!(storms.len(), 1);
    assert_eq!(storms[0].connections.len(), 4);
    assert_eq!(storms[0].diagnosis, "4 attempts from 10.0.0.7.");
}

#[test]
fn process_exit_names_the_connections_open_around_it() {
    let log = line("00", "127.0.0.1:5000", "WSCONNECTING")
        + &line("00", "127.0.0.1:5000", "WSCONNECT")
        + "2026-11-23 10:00:02,000 WARN exited: daphne\n";
    let (a, _) = analyse(&log);
    let r: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "server.restart")
        .collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].connections, vec![0]);
    assert_eq!(r[0].diagnosis, "daphne exited.");
}

#[test]
fn expired_jwt_is_found_from_its_claims_and_never_printed() {
    // exp 1795465460 = 2026-11-23T20:24:20Z; the connection is at 22:00.
    let tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxLCJleHAiOjE3OTU0NjU0NjB9.5mhBHqs5_DTLdINd9p5m7ZJ6XD0Xc55kIaCRY5r6HRA";
    let log = format!("2026-11-23 22:00:00,000 INFO token for /ws/a/: {tok}\n");
    let (a, _) = analyse(&log);
    assert_eq!(a.findings.len(), 1);
    let f = &a.findings[0];
    assert_eq!(f.rule, "auth.token-expired");
    assert!(
        f.diagnosis.contains("user_id 1") && f.diagnosis.contains("1h 35m"),
        "{}",
        f.diagnosis
    );
    assert!(!f.diagnosis.contains("eyJ"));
}

#[test]
fn human_durations_read_naturally() {
    assert_eq!(human(CDuration::seconds(45)), "45s");
    assert_eq!(human(CDuration::seconds(3 * 3600 + 120)), "3h 2m");
    assert_eq!(human(CDuration::seconds(2 * 86400 + 4 * 3600)), "2d 4h");
}

#[test]
fn a_named_cause_replaces_the_generic_rejection() {
    // handshake.rejected means "refused with no reason logged"; here the app logged 4001.
    let log = line("00", "127.0.0.1:5000", "WSCONNECTING")
        + &line("00", "127.0.0.1:5000", "WSREJECT")
        + "2026-11-23 10:00:00,500 INFO closed with code 4001 on /ws/a/\n";
    let (a, corr) = analyse(&log);
    assert_eq!(corr.connections.len(), 1, "{:#?}", corr.connections);
    let rules: Vec<&str> = a.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec!["auth.rejected"]);
}

#[test]
fn a_rule_naming_a_pattern_past_the_bits_is_always_looked_at() {
    let mut p = Present::default();
    p.note(3);
    p.note(200);
    assert!(p.may_hold(&[1, 3]));
    assert!(!p.may_hold(&[1, 2]), "no line of 1 or 2");
    assert!(
        p.may_hold(&[1, 130]),
        "130 is past the bits: it may be there"
    );
    assert!(!p.may_hold(&[]));
}

#[test]
fn found_findings_get_the_same_words_as_connection_findings() {
    let tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxLCJleHAiOjE3OTU0NjU0NjB9.5mhBHqs5_DTLdINd9p5m7ZJ6XD0Xc55kIaCRY5r6HRA";
    let log = line("00", "127.0.0.1:5000", "WSCONNECTING")
        + &line("01", "127.0.0.1:5000", "WSDISCONNECT")
        + &format!("2026-11-23 22:00:00,000 INFO token for /ws/b/: {tok}\n");
    let set = PackSet::new(vec![compile(Origin::Builtin("t.toml"), PACK).unwrap()]);
    let records = assemble_str(0, &log, TimeCtx::default()).records;
    let ev = events(&records, &set);
    let corr = correlate(&set, &records, &ev);
    let now = records.iter().filter_map(|r| r.ts.map(|t| t.utc)).max();
    let decoded = std::cell::Cell::new(0);
    let mut rules = Vec::new();
    for (ci, c) in corr.connections.iter().enumerate() {
        let whole = connection_findings(&set, ci, c, &|i| &ev[i], now);
        let found = connection_found(&set, c, &|i| &ev[i], now, &|_, t| {
            decoded.set(decoded.get() + 1);
            token_exp(t)
        });
        let worded: Vec<Finding> = found
            .found
            .iter()
            .map(|f| f.finding(&set, ci, c, &|i| &ev[i]))
            .collect();
        assert_eq!(worded, whole.findings);
        assert_eq!(found.pending, whole.pending);
        rules.extend(worded.iter().map(|f| f.rule));
    }
    assert_eq!(rules, vec!["handshake.timeout", "auth.token-expired"]);
    assert_eq!(
        decoded.get(),
        1,
        "the token is read through the caller's `exp`"
    );
}

#[test]
fn owners_name_each_linked_events_connection_and_none_for_the_others() {
    use crate::correlate::Link;
    let conn = |events: &[usize]| {
        let mut c = Connection::default();
        c.links = events
            .iter()
            .map(|&e| Link::new(e, "client", true))
            .collect();
        c
    };
    let corr = Correlated {
        connections: vec![conn(&[0, 3]), conn(&[1, 4])],
        ..Correlated::default()
    };
    let owner = owners(&corr, 6);
    let found: Vec<Option<usize>> = (0..6).map(|i| owner_of(&owner, i)).collect();
    assert_eq!(found, vec![Some(0), Some(1), None, Some(0), Some(1), None]);
}

/// Regression (global rules took 0.7 s of a 1 GiB scan testing every connection at every
/// stop): the sweep's candidates hold every connection the full test would take.
#[test]
fn the_connections_around_a_stop_include_every_one_a_full_pass_takes() {
    let base = DateTime::from_timestamp(1_795_600_000, 0).unwrap();
    let mut seed: u64 = 7;
    let mut rand = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let conns: Vec<Connection> = (0..600)
        .map(|_| {
            let start =
                (rand(10) > 0).then(|| base + CDuration::milliseconds(rand(600_000) as i64));
            let end = start
                .filter(|_| rand(8) > 0)
                .map(|s| s + CDuration::milliseconds(rand(120_000) as i64));
            let mut c = Connection::default();
            c.start = start;
            c.end = end;
            c.closed = rand(5) > 0;
            c
        })
        .collect();
    let times: Vec<DateTime<Utc>> = (0..80)
        .map(|_| base + CDuration::milliseconds(rand(700_000) as i64 - 50_000))
        .collect();
    let around = around(&conns, times.iter().copied());
    let began = BTreeMap::new();
    let mut taken = 0;
    for &t in &times {
        for (i, c) in conns.iter().enumerate() {
            for code in [None, Some(1000), Some(1006)] {
                let gap = c
                    .start
                    .is_some_and(|s| s > t && s <= t + CDuration::seconds(GAP_S));
                let episode = Some((0, 0, t - CDuration::seconds(5)));
                if served_at_stop(c, t, true, episode, &began, code, None)
                    || served_at_stop(c, t, true, None, &began, code, None)
                    || gap
                {
                    taken += 1;
                    assert!(around[&t].contains(&i), "connection {i} at {t}: {c:?}");
                }
            }
        }
    }
    assert!(taken > 100, "the data must exercise the test: {taken}");
}

#[test]
fn a_placeholder_with_alternatives_takes_the_first_that_has_a_value() {
    let mut c = crate::correlate::Connection::default();
    c.path = Some("/ws/a/".into());
    assert_eq!(fill("on {user|path}", None, Some(&c)), "on /ws/a/");
    assert_eq!(fill("on {path|user}", None, Some(&c)), "on /ws/a/");
    assert_eq!(fill("by {user|client}", None, Some(&c)), "by ?");
    assert_eq!(fill("by {user}", None, None), "by ?");
    assert_eq!(fill("by {user|'no one'}", None, Some(&c)), "by no one");
    assert_eq!(fill("on {path|'none'}", None, Some(&c)), "on /ws/a/");
}
