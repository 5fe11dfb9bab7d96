//! Real lines captured by the end-to-end stack (`tests/e2e/observed/`) that are kept out of
//! `fixtures/` because their dates would mix with the fixtures' in `properties.rs`'s
//! sampled inputs; each test names the behaviour the lines prove.

use std::path::PathBuf;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline::{self, Scan};
use logweave::sequence::Verdict;

fn scan(names: &[&str]) -> Scan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/observed");
    let specs: Vec<InputSpec> = names
        .iter()
        .map(|n| InputSpec::from_arg(dir.join(n).to_str().unwrap()))
        .collect();
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

#[test]
fn many_healthy_sessions_from_one_address_are_no_storm_and_no_immediate_close() {
    // Twelve sessions of six users within 25 s, all from 127.0.0.1 (nginx in front of
    // Daphne on loopback; a NAT or a load balancer looks the same), some under a second
    // but carrying messages (`101 78 ... 0.629`).
    let s = scan(&["nginx-many-clients-one-address.nginx-access.log"]);
    assert_eq!(s.correlated.connections.len(), 12);
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert!(rules.is_empty(), "{rules:?}");
    assert!(s.analysis.verdicts.iter().all(|v| *v == Verdict::Healthy));
}

#[test]
fn behind_nginx_port_less_daphne_lines_pair_by_handshake_answer_and_token_user() {
    // Two seconds of a real run behind nginx: Daphne logs every client as 127.0.0.1:0, so
    // its access lines pair by path and order. On /ws/chat/2/101/ one session of user 2
    // was accepted (101) between two attempts of user 1 refused (403, authz) and an
    // expired token of user 2 (403). A WSREJECT never joins the accepted session, nor a
    // WSCONNECT or nginx's 101 a refused one; nginx's line names its user by the JWT in
    // the query; a WSDISCONNECT after a WSREJECT closes the refused attempt; a
    // connection's start is its first precise line.
    let base = "nginx-port0-same-path";
    let files: Vec<String> = [
        "nginx-access",
        "nginx-error",
        "daphne-stdout",
        "daphne-stderr",
    ]
    .iter()
    .map(|s| format!("{base}.{s}.log"))
    .collect();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let s = scan(&names);
    let pattern = |ei: usize| {
        let at = s.events[ei].at;
        s.packs.pattern(at).id.to_string()
    };
    let mut seen = Vec::new();
    for (ci, c) in s.correlated.connections.iter().enumerate() {
        if c.path.as_deref() != Some("/ws/chat/2/101/") {
            continue;
        }
        // Its start is its first precise line, not the whole second of an access line.
        assert!(
            c.start.is_some_and(|t| t.timestamp_subsec_millis() > 0),
            "{:?}",
            c.id
        );
        let pats: Vec<String> = c.links.iter().map(|l| pattern(l.event)).collect();
        let has = |id: &str| pats.iter().any(|p| p == id);
        let upgraded = has("daphne.connect") || has("nginx.ws-101");
        let refused = has("server.rejected") || has("nginx.ws-denied");
        assert!(!(upgraded && refused), "{:?}: {pats:?}", c.id);
        let rules: Vec<&str> = s.analysis.by_connection[ci]
            .iter()
            .map(|&fi| &s.analysis.findings[fi])
            .filter(|f| f.connections.len() == 1)
            .map(|f| f.rule)
            .collect();
        seen.push((
            c.user.clone().unwrap_or_default(),
            s.analysis.verdicts[ci],
            rules,
        ));
    }
    seen.sort_by(|a, b| (&a.0, format!("{:?}", a.2)).cmp(&(&b.0, format!("{:?}", b.2))));
    let want = [
        ("1", Verdict::Broken, "authz.denied"),
        ("1", Verdict::Broken, "authz.denied"),
        ("2", Verdict::Broken, "auth.token-expired"),
        ("2", Verdict::Healthy, ""),
    ];
    assert_eq!(seen.len(), want.len(), "{seen:?}");
    for ((user, verdict, rules), (wu, wv, wr)) in seen.iter().zip(want) {
        assert_eq!((&**user, *verdict), (wu, wv), "{seen:?}");
        assert!(
            wr.is_empty() == rules.is_empty() && (wr.is_empty() || rules.contains(&wr)),
            "{seen:?}"
        );
    }
}

#[test]
fn redis_dying_under_three_sessions_breaks_each_by_the_close_after_its_exception() {
    // Daphne in a journal (`journalctl -o short-iso`): Redis stopped under three open
    // sessions; within one second Daphne logged four key-less `Exception inside
    // application` tracebacks (one `Timeout reading`, three `Error 111 connecting`) and
    // then closed the three sessions by their clients. Each exception went first to the
    // session that logged last; a second exception on a session that closes right after
    // is another session's, the one the server closes then.
    let s = scan(&["redis-down-three-open-sessions.journal-short-iso.log"]);
    let c = &s.correlated.connections;
    assert_eq!(c.len(), 3, "{c:#?}");
    for (ci, conn) in c.iter().enumerate() {
        let rules: Vec<&str> = s.analysis.by_connection[ci]
            .iter()
            .map(|&fi| s.analysis.findings[fi].rule)
            .collect();
        assert!(conn.client.is_some());
        assert!(
            rules.contains(&"channel-layer.down"),
            "{:?}: {rules:?}",
            conn.client
        );
        assert_eq!(s.analysis.verdicts[ci], Verdict::Broken);
    }
}

#[test]
fn a_whole_second_accept_joins_the_session_whose_consumer_already_joined_its_group() {
    // Behind nginx (Daphne logs 127.0.0.1:0): two sessions on /ws/chat/7/ in one second.
    // The consumer logs `Added to group chat_7` before accept(), then Daphne writes its
    // WSCONNECT, in whole seconds, so it sorts after the consumer's lines. Each WSCONNECT
    // still joins a session (not one of its own), though the pack's healthy order puts
    // the accept before the group.
    let s = scan(&[
        "nginx-port0-accept-after-group-add.daphne-stdout.log",
        "nginx-port0-accept-after-group-add.daphne-stderr.log",
    ]);
    let on_path: Vec<_> = s
        .correlated
        .connections
        .iter()
        .filter(|c| c.path.as_deref() == Some("/ws/chat/7/"))
        .collect();
    assert_eq!(on_path.len(), 2);
    for c in on_path {
        let ids: Vec<&str> = c
            .links
            .iter()
            .map(|l| s.packs.pattern(s.events[l.event].at).id.as_str())
            .collect();
        assert!(ids.contains(&"daphne.connecting"), "{ids:?}");
        assert!(ids.contains(&"server.accepted"), "{ids:?}");
        assert!(ids.contains(&"consumer.accepted"), "{ids:?}");
    }
}
