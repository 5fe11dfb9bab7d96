//! Logs of a real stack run on loopback, with the ground truth of every session
//! (`tests/data/real-stack-daphne-debug-json/README.md`): what the correlation and the
//! rules make of them, session by session.

use std::path::Path;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;

const DIR: &str = "tests/data/real-stack-daphne-debug-json";

/// Sessions whose verdict is still wrong, with why: the test fails when one of them
/// comes right (take it off) or another goes wrong.
const KNOWN_WRONG: &[(&str, &str)] = &[];

fn scan() -> pipeline::Scan {
    pipeline::scan(&specs(), &Options::default(), PackSet::load(&[]).unwrap())
}

/// The stack's logs, proxy first, as its README lists them.
fn specs() -> Vec<InputSpec> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    [
        "nginx-access.log.1.gz",
        "nginx-access.log",
        "nginx-error.log",
        "daphne-access.log",
        "daphne-stdout.log",
        "daphne-stderr.log",
        "supervisord.log",
    ]
    .iter()
    .map(|f| InputSpec::from_arg(dir.join(f).to_str().unwrap()))
    .collect()
}

/// Each connection as a person reads it: its span, verdict, rules and lines (by input
/// name and line number).
fn told(s: &pipeline::Scan) -> Vec<String> {
    let names: Vec<&str> = s.ingested.inputs.iter().map(|i| i.name.as_str()).collect();
    (0..s.correlated.connections.len())
        .map(|ci| {
            let c = &s.correlated.connections[ci];
            let mut rules: Vec<&str> = s.analysis.by_connection[ci]
                .iter()
                .map(|&fi| s.analysis.findings[fi].rule)
                .collect();
            rules.sort();
            let lines: Vec<String> = c
                .links
                .iter()
                .map(|l| {
                    let e = &s.events[l.event];
                    let r = &s.ingested.records[e.record];
                    format!("{}:{}", names[e.input as usize], r.line)
                })
                .collect();
            format!(
                "{:?} {:?} {:?} {:?} {rules:?} {lines:?}",
                c.start, c.end, c.client, s.analysis.verdicts[ci]
            )
        })
        .collect()
}

fn truth() -> Vec<serde_json::Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DIR)
        .join("truth.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn every_sessions_json_lines_make_one_connection_with_the_verdict_the_truth_gives() {
    let s = scan();
    let mut wrong = Vec::new();
    for t in truth() {
        let sid = t["sid"].as_str().unwrap();
        let rid = format!("request_id={}", t["request_id"].as_str().unwrap());
        // The connections holding this session's application lines (they carry its id).
        let holders: Vec<usize> = (0..s.correlated.connections.len())
            .filter(|&ci| {
                s.correlated.connections[ci].links.iter().any(|l| {
                    let r = s.events[l.event].record;
                    s.ingested.records[r].message.contains(&rid)
                })
            })
            .collect();
        // (A handshake nginx answered 502 while Daphne restarted never reached the
        // application: no line carries its id.)
        if holders.is_empty() && t["kind"] == "restart-gap" {
            continue;
        }
        // `healthy|degraded`: either is right.
        let want = t["expected_verdict"].as_str().unwrap();
        let got = match holders.as_slice() {
            [ci] => format!("{:?}", s.analysis.verdicts[*ci]).to_lowercase(),
            other => format!("{} connections", other.len()),
        };
        if !want.split('|').any(|w| w == got) {
            wrong.push(sid.to_string());
            if !KNOWN_WRONG.iter().any(|(k, _)| *k == sid) {
                eprintln!("{sid}: expected {want}, found {got}");
            }
        }
    }
    let known: Vec<String> = KNOWN_WRONG.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(wrong, known, "sessions read wrongly");
}

#[test]
fn a_refused_handshakes_unnamed_line_is_that_connections_not_a_finding_of_its_own() {
    // Daphne -v 2 writes `failing WebSocket opening handshake ('Access denied')` and, a
    // millisecond later, `dropping connection to peer tcp4:IP:PORT`: the first line,
    // given to the session logged last or taken from its own refused connection, was an
    // error finding that named no connection (three in this run); one that opened a
    // connection of its own took the next session's lines, which then read "broken".
    let s = scan();
    let alone: Vec<&str> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.connections.is_empty() && f.rule == "handshake.rejected")
        .map(|f| f.rule)
        .collect();
    assert!(alone.is_empty(), "{alone:?}");
}

#[test]
fn a_connection_that_gave_up_its_first_line_starts_at_its_own_first_line() {
    // The session of 127.0.0.1:44156 took, as its first line, another handshake's
    // `failing WebSocket opening handshake` (05:09:57.879), which the scan then gave to
    // the connection naming its client. Its start was set again as the earliest time
    // of the lines left, Daphne's access log's whole second (05:09:58): its own lines
    // say 05:09:58.983 (Daphne's `Upgraded connection ['127.0.0.1', 44156]`), by the rule
    // its lines set it by as they came (a whole second gives way to a precise line of
    // that second).
    let s = scan();
    let c = s
        .correlated
        .connections
        .iter()
        .find(|c| c.client.as_deref() == Some("127.0.0.1:44156"))
        .expect("its connection");
    assert_eq!(
        c.start.map(|t| t.to_rfc3339()),
        Some("2026-11-27T05:09:58.983+00:00".to_string())
    );
}

#[test]
fn the_sessions_nginx_cut_at_a_proxy_read_timeout_of_15_s_read_as_idle_timeouts() {
    // The stack's nginx had `proxy_read_timeout 15s` and its error log at `warn`: the
    // 101's request_time (15.003-15.010) and the application's 1006 are all there is.
    // They read as `close.abnormal` when only 60 s was known as an idle timeout.
    let s = scan();
    let idle: Vec<serde_json::Value> = truth()
        .into_iter()
        .filter(|t| t["expected_rule"] == "close.idle-timeout")
        .collect();
    assert_eq!(idle.len(), 3);
    for t in idle {
        let rid = format!("request_id={}", t["request_id"].as_str().unwrap());
        let ci = (0..s.correlated.connections.len())
            .find(|&ci| {
                s.correlated.connections[ci].links.iter().any(|l| {
                    let r = s.events[l.event].record;
                    s.ingested.records[r].message.contains(&rid)
                })
            })
            .unwrap_or_else(|| panic!("{}: no connection", t["sid"]));
        let rules: Vec<&str> = s.analysis.by_connection[ci]
            .iter()
            .map(|&f| s.analysis.findings[f].rule)
            .collect();
        assert_eq!(rules, ["close.idle-timeout"], "{}", t["sid"]);
    }
}

#[test]
fn the_order_the_inputs_are_named_in_changes_nothing_but_their_list() {
    // Lines of two inputs with the same time were merged and placed in the order the
    // inputs were named: named proxy first, as this stack's README lists them, s15's
    // `Exception inside application` went to no connection and 127.0.0.1:44156 lost
    // Daphne's `Upgraded connection` line; named the other way, both were right.
    let given = specs();
    let mut backwards = given.clone();
    backwards.reverse();
    let opts = Options::default();
    let a = pipeline::scan(&given, &opts, PackSet::load(&[]).unwrap());
    let b = pipeline::scan(&backwards, &opts, PackSet::load(&[]).unwrap());
    assert_eq!(told(&a), told(&b));
    // The report still lists the inputs as they were named.
    let names = |s: &pipeline::Scan| -> Vec<String> {
        s.ingested.inputs.iter().map(|i| i.name.clone()).collect()
    };
    assert_eq!(
        names(&a),
        given.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        names(&b),
        backwards.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
    );
}
