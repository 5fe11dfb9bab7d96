//! Logs of two real stacks run on loopback whose sessions nginx names by user agent
//! (`tests/data/real-stack-uvicorn-workers/README.md`,
//! `tests/data/real-stack-daphne-combined/README.md`): the connection holding each
//! session's access line must have the verdict and the rules the truth gives, and no rule
//! the truth neither gives nor allows.

mod common;

use std::path::Path;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;

/// The sessions of `dir` whose verdict or rules are wrong, in truth order.
fn wrong_sessions(dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    // (Beside the logs: the README and the truth.)
    let specs: Vec<InputSpec> = common::logs(&dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect();
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    let truth: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    for t in truth {
        let sid = t["sid"].as_str().unwrap();
        let ua = format!("\"{}\"", t["ua"].as_str().unwrap());
        let holders: Vec<usize> = (0..s.correlated.connections.len())
            .filter(|&ci| {
                s.correlated.connections[ci].links.iter().any(|l| {
                    let e = &s.events[l.event];
                    e.stage == logweave::pattern::Stage::Proxy
                        && s.ingested.records[e.record].message.contains(&ua)
                })
            })
            .collect();
        let [ci] = holders[..] else {
            wrong.push(format!("{sid}: {} connections", holders.len()));
            continue;
        };
        let verdict = format!("{:?}", s.analysis.verdicts[ci]).to_lowercase();
        let rules = common::rules_of(&s, ci);
        let names = |k: &str| -> Vec<&str> {
            t[k].as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect()
        };
        let (want, allowed) = (names("expected_rules"), names("allowed_rules"));
        // Every expected rule, and none the truth neither expects nor allows.
        let ok = verdict == t["expected_verdict"].as_str().unwrap()
            && want.iter().all(|r| rules.contains(r))
            && rules
                .iter()
                .all(|r| want.contains(r) || allowed.contains(r));
        if !ok {
            wrong.push(format!("{sid}: {verdict} {rules:?}"));
        }
    }
    wrong
}

/// Compares the sessions read wrongly with `known` (sid, why): the test fails when one of
/// them comes right (take it off) or another goes wrong.
fn check(dir: &str, known: &[(&str, &str)]) {
    let wrong = wrong_sessions(dir);
    let sids: Vec<&str> = wrong.iter().map(|w| w.split(':').next().unwrap()).collect();
    let want: Vec<&str> = known.iter().map(|(s, _)| *s).collect();
    assert_eq!(sids, want, "sessions read wrongly: {wrong:#?}");
}

#[test]
fn uvicorn_workers_sessions_read_as_the_truth_says_but_the_known_ones() {
    check(
        "real-stack-uvicorn-workers",
        &[
            (
                "s02",
                "the raise's traceback names nothing; no close is logged after it",
            ),
            (
                "s10",
                "the raise's traceback names nothing; no close is logged after it",
            ),
            (
                "s11",
                "vanished: uvicorn's sans-I/O gives 1005, as a close frame without a code does",
            ),
            (
                "s12",
                "vanished: uvicorn's sans-I/O gives 1005, as a close frame without a code does",
            ),
            (
                "s13",
                "cut at an 8 s read timeout, a length no idle rule takes",
            ),
            (
                "s23",
                "cut at an 8 s read timeout, a length no idle rule takes",
            ),
            (
                "s35",
                "a handshake 500 with Redis down: uvicorn writes no access line for it",
            ),
            (
                "s36",
                "a handshake 500 with Redis down: uvicorn writes no access line for it",
            ),
        ],
    );
}

#[test]
fn daphne_behind_combined_sessions_read_as_the_truth_says() {
    check("real-stack-daphne-combined", &[]);
}
