//! The conclusion SOURCES.md gives for each real-world excerpt whose case is in the rule
//! catalog, asserted on `logweave scan`'s result.

use std::path::PathBuf;

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline::{self, Scan};
use logweave::sequence::Verdict;

fn corpus() -> PathBuf {
    match std::env::var_os("LOGWEAVE_SHARED") {
        Some(p) => PathBuf::from(p).join("corpus/realworld"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld"),
    }
}

fn scan(names: &[&str]) -> Scan {
    let specs: Vec<InputSpec> = names
        .iter()
        .map(|n| InputSpec::from_arg(corpus().join(n).to_str().unwrap()))
        .collect();
    let opts = Options {
        year: Some(2025),
        ..Options::default()
    };
    let s = pipeline::scan(&specs, &opts, PackSet::load(&[]).unwrap());
    for i in &s.ingested.inputs {
        assert!(i.error.is_none(), "{:?}", i.error);
    }
    s
}

/// (path, client, verdict, rules) of a connection.
type Summary = (Option<String>, Option<String>, Verdict, Vec<&'static str>);

/// Every connection's summary.
fn conns(s: &Scan) -> Vec<Summary> {
    s.correlated
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut rules: Vec<&str> = s
                .analysis
                .findings
                .iter()
                .filter(|f| f.connections == [i])
                .map(|f| f.rule)
                .collect();
            rules.sort();
            rules.dedup();
            (
                c.path.as_deref().map(String::from),
                c.client.as_deref().map(String::from),
                s.analysis.verdicts[i],
                rules,
            )
        })
        .collect()
}

fn rules(s: &Scan) -> Vec<&'static str> {
    let mut r: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    r.sort();
    r
}

fn client(s: &Scan, c: &str) -> usize {
    s.correlated
        .connections
        .iter()
        .position(|x| x.client.as_deref() == Some(c))
        .unwrap_or_else(|| panic!("no connection for {c}: {:#?}", conns(s)))
}

#[test]
fn academe_undefined_path_is_not_routed_for_both_clients() {
    let s = scan(&["academe-notes-daphne-windows-no-route-undefined-blank-lines-spliced.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 2, "{c:#?}");
    for port in ["127.0.0.1:13065", "127.0.0.1:13090"] {
        let i = client(&s, port);
        assert_eq!(c[i].0.as_deref(), Some("/ws/chat/undefined/"));
        assert_eq!(c[i].2, Verdict::Broken);
        assert_eq!(c[i].3, vec!["handshake.not-routed"]);
    }
}

#[test]
fn arbitrage_1006_drops_page_reload_and_open_connection() {
    let s = scan(&["arbitrage-compose-daphne-consumer-1006-reconnects.log"]);
    let c = conns(&s);
    // The outbound exchange clients are not inbound connections.
    assert_eq!(c.len(), 5, "{c:#?}");
    for (port, verdict, rule) in [
        (
            "192.168.16.1:48174",
            Verdict::Degraded,
            Some("close.abnormal"),
        ),
        ("192.168.16.1:56760", Verdict::Healthy, None),
        ("192.168.16.1:51678", Verdict::Open, None),
        (
            "192.168.16.1:50714",
            Verdict::Degraded,
            Some("close.abnormal"),
        ),
        (
            "192.168.16.1:58784",
            Verdict::Degraded,
            Some("close.abnormal"),
        ),
    ] {
        let i = client(&s, port);
        assert_eq!(c[i].2, verdict, "{port}");
        assert_eq!(c[i].3.first().copied(), rule, "{port}");
    }
    assert_eq!(
        s.analysis.close_codes[client(&s, "192.168.16.1:56760")],
        Some(1001)
    );
}

#[test]
fn awx_channel_keyed_connection_is_not_broken() {
    let s = scan(&["awx-build-35-journalctl-short-daphne-runworker-interleaved.log"]);
    assert_eq!(s.correlated.connections.len(), 1);
    assert!(s.analysis.findings.is_empty());
    assert_ne!(s.analysis.verdicts[0], Verdict::Broken);
}

#[test]
fn channels_1880_port_zero_instances_are_two_kills() {
    let s = scan(&["channels-1880-daphne-killed-port0-reconnect-502.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 2, "port 0 is not a key: {c:#?}");
    assert!(c
        .iter()
        .all(|x| x.3 == vec!["consumer.killed"] && x.0.as_deref() == Some("/websocket/profile/")));
}

#[test]
fn channels_637_idle_disconnect_is_not_a_rejection() {
    let s = scan(&["channels-637-daphne1-wsconnect-idle-disconnect.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].1.as_deref(), Some("127.0.0.1:50398"));
    assert!(!rules(&s).contains(&"handshake.rejected"));
    assert_ne!(c[0].2, Verdict::Broken);
}

#[test]
fn channels_860_runserver_connection_lasts_86_seconds() {
    let s = scan(&["channels-860-runserver-v3-handshake-connect-disconnect.log"]);
    let c = &s.correlated.connections;
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].path.as_deref(), Some("/test/"));
    assert_eq!(c[0].client.as_deref(), Some("127.0.0.1:48306"));
    // 12:18:07,117 (its first precise line; the whole-second HANDSHAKING line says only
    // "during 12:18:07") to 12:19:33,103.
    let ms = (c[0].end.unwrap() - c[0].start.unwrap()).num_milliseconds();
    assert_eq!((ms + 500) / 1000, 86, "{ms} ms");
    assert_eq!(s.analysis.verdicts[0], Verdict::Healthy);
}

#[test]
fn channels_redis_102_is_a_redis_outage_not_tied_to_a_connection() {
    let s = scan(&["channels_redis-102-sentry-tab-indented-multiple-exceptions.log"]);
    assert!(s.correlated.connections.is_empty());
    assert_eq!(rules(&s), vec!["channel-layer.down"]);
}

#[test]
fn channels_redis_81_nginx_499_and_daphne_kill_are_one_connection() {
    let s = scan(&[
        "channels_redis-81-nginx-access-499.log",
        "channels_redis-81-daphne-killed.log",
    ]);
    let c = conns(&s);
    assert_eq!(c.len(), 1, "joined on path and time, not IP: {c:#?}");
    assert_eq!(c[0].0.as_deref(), Some("/ws/49256-197598"));
    assert!(c[0].3.contains(&"consumer.killed"));
    assert_eq!(s.correlated.connections[0].links.len(), 2);
}

#[test]
fn chat_fix_authenticated_then_rejected_by_the_consumer() {
    let s = scan(&["chat-fix-doc-jwt-authenticated-then-wsreject-elided.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 1, "middleware lines join by time: {c:#?}");
    assert_eq!(c[0].1.as_deref(), Some("127.0.0.1:58854"));
    assert_eq!(c[0].2, Verdict::Broken);
    assert!(c[0].3.contains(&"handshake.rejected"));
    assert_eq!(s.correlated.connections[0].links.len(), 3);
}

#[test]
fn codabench_submission_output_rejected_403() {
    let s = scan(&["codabench-985-compose-gunicorn-uvicorn-channels-ws-403-double-close.log"]);
    let i = client(&s, "172.19.0.11:43088");
    let c = conns(&s);
    assert_eq!(c[i].0.as_deref(), Some("/submission_output/"));
    assert!(c[i].3.contains(&"handshake.rejected"), "{c:#?}");
}

#[test]
fn daphne_113_ping_timeout_drop_is_one_abnormal_close() {
    let s = scan(&["daphne-113-daphne1-ping-timeout-drop.log"]);
    let c = conns(&s);
    assert_eq!(
        c.len(),
        1,
        "channel-keyed DEBUG lines join the access lines: {c:#?}"
    );
    assert_eq!(c[0].1.as_deref(), Some("127.0.0.1:38006"));
    assert_eq!(c[0].3, vec!["close.abnormal"]);
    assert_eq!(s.correlated.connections[0].links.len(), 7);
}

#[test]
fn daphne_114_two_handshakes_rejected_by_the_application() {
    let s = scan(&["daphne-114-access-denied-rejects-unhandled-error.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 2, "{c:#?}");
    for port in ["127.0.0.1:39857", "127.0.0.1:39856"] {
        assert_eq!(c[client(&s, port)].3, vec!["handshake.rejected"]);
    }
}

#[test]
fn daphne_263_server_never_starts() {
    let s = scan(&["daphne-263-fd0-listen-failure-ts-prefixed-traceback.log"]);
    assert!(s.correlated.connections.is_empty());
    assert_eq!(rules(&s), vec!["server.restart"]);
}

#[test]
fn eworkbench_gunicorn_named_daphne_has_no_websocket_connections() {
    let s = scan(&["eworkbench-docs-journal-daphne-unit-actually-gunicorn.log"]);
    assert!(s.correlated.connections.is_empty());
    assert!(s.analysis.findings.is_empty());
}

#[test]
fn nginx_upstream_failures_are_upstream_down() {
    for (f, path) in [
        (
            "odoocker-28-compose-nginx-ws-connect-refused.log",
            "/websocket",
        ),
        (
            "rancher-active-proxy-6-nginx-error-ws-upstream-closed.log",
            "/ws/",
        ),
    ] {
        let s = scan(&[f]);
        let c = conns(&s);
        assert_eq!(c.len(), 1, "{f}: {c:#?}");
        assert_eq!(c[0].0.as_deref(), Some(path));
        assert_eq!(c[0].3, vec!["upstream.down"], "{f}");
    }
}

#[test]
fn files_without_websockets_have_no_connections() {
    for f in [
        "researchhub-1952-daphne-ipv6-escaped-endpoint.log",
        "channels-302-supervisord-daphne1-tz-skew.log",
        "moby-14948-journal-header-container-output-utc-vs-edt.log",
        "lnav-test-logfile_docker_compose_with_noise.log",
    ] {
        let s = scan(&[f]);
        assert!(s.correlated.connections.is_empty(), "{f}");
        assert!(s.analysis.findings.is_empty(), "{f}");
    }
}

#[test]
fn uvicorn_accepted_connections_are_not_broken() {
    for (f, path, client) in [
        ("supervisor-1325-uvicorn-fcgi-stderr.log", "/ws/", None),
        (
            "uvicorn-393-trace-wsproto-channels-ws-todos.log",
            "/ws/todos",
            Some("127.0.0.1:39432"),
        ),
        (
            "timeless-sydney-87-uvicorn-ws-reconnect-after-closed-error.log",
            "/chat/ws",
            Some("127.0.0.1:51065"),
        ),
    ] {
        let s = scan(&[f]);
        let c = conns(&s);
        let i = c
            .iter()
            .position(|x| x.0.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("{f}: {c:#?}"));
        assert_eq!(c[i].1.as_deref(), client, "{f}");
        assert_ne!(c[i].2, Verdict::Broken, "{f}");
        // `Status code: 403` in timeless-sydney is an upstream API status, not a handshake.
        assert!(!rules(&s).contains(&"handshake.rejected"), "{f}");
    }
}

#[test]
fn uvicorn_3138_denied_401_and_the_incomplete_handshake_error_is_only_a_follow_up() {
    let s = scan(&["uvicorn-3138-sansio-port0-401-incomplete-handshake.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].0.as_deref(), Some("/ws"));
    assert_eq!(c[0].3, vec!["auth.rejected"]);
}

#[test]
fn uvicorn_185_consumer_crashed() {
    let s = scan(&["uvicorn-185-gunicorn-journal-short-channels-traceback.log"]);
    assert_eq!(rules(&s), vec!["consumer.exception"]);
}

#[test]
fn whisperlivekit_asr_rejected_403() {
    let s = scan(&["whisperlivekit-123-compose-uvicorn-403-with-tqdm-noise.log"]);
    let c = conns(&s);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].0.as_deref(), Some("/asr"));
    assert_eq!(c[0].1.as_deref(), Some("10.5.10.5:56608"));
    assert_eq!(c[0].3, vec!["handshake.rejected"]);
}

#[test]
fn zane_ops_daphne_crash_loop_is_two_restarts() {
    let s = scan(&["zane-ops-464-docker-logs-supervisord-daphne-restart-loop.log"]);
    assert_eq!(rules(&s), vec!["server.restart", "server.restart"]);
}

#[test]
fn starlette_shutdown_with_open_websockets_is_reported() {
    let s = scan(&["starlette-986-compose-uvicorn-closing-handshake-failed.log"]);
    let r = rules(&s);
    assert!(
        r.contains(&"close.abnormal") || r.contains(&"server.restart"),
        "{r:?}"
    );
}
