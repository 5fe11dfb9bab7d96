//! Correlation regressions found on logs the fixtures did not cover, each named after
//! the bug.

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;
use logweave::sequence::Verdict;

#[test]
fn a_jwt_claim_in_a_logged_token_does_not_split_the_user_the_app_authenticated() {
    // The middleware logs the token (whose `user_id` claim is 1) and then says it
    // authenticated user 421: both are the one connection of 203.0.113.203:40002. Reading
    // the claim on the app's own line made "User authenticated: 421" start a connection
    // of its own (found on the 64 MB benchmark corpus: 409 healthy sessions became 46).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.journal.log");
    let h = "2026-11-23T08:00:00+0000 web-1 daphne[4242]:";
    std::fs::write(
        &p,
        format!(
            "{h} 203.0.113.203:40002 - - [23/Nov/2026:08:00:00] \"WSCONNECTING /ws/chat/421/834/\" - -\n\
             {h} 2026-11-23 08:00:00,313 INFO     [JWTAuthMiddleware] Processing connection for path: /ws/chat/421/834/\n\
             {h} 2026-11-23 08:00:00,313 INFO     [JWTAuthMiddleware] Token found: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxfQ.abcdefghijk\n\
             {h} 2026-11-23 08:00:00,313 INFO     [JWTAuthMiddleware] User authenticated: 421 (user421@example.com)\n\
             {h} 2026-11-23 08:00:00,313 INFO     [ChatConsumer] Connection attempt started\n\
             {h} 203.0.113.203:40002 - - [23/Nov/2026:08:00:00] \"WSCONNECT /ws/chat/421/834/\" - -\n\
             {h} 2026-11-23 08:00:00,313 INFO     [ChatConsumer] Connection accepted for user 421 (role: customer)\n\
             2026-11-23T08:01:00+0000 web-1 daphne[4242]: 2026-11-23 08:01:00,100 INFO     [ChatConsumer] Disconnected with code 1000\n\
             2026-11-23T08:01:00+0000 web-1 daphne[4242]: 203.0.113.203:40002 - - [23/Nov/2026:08:01:00] \"WSDISCONNECT /ws/chat/421/834/\" - -\n"
        ),
    )
    .unwrap();
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    let c = &s.correlated.connections;
    assert_eq!(c.len(), 1, "one connection: {c:#?}");
    assert_eq!(c[0].links.len(), s.events.len(), "every line joined it");
    assert_eq!(s.analysis.verdicts, vec![Verdict::Healthy]);
}

/// One journald file made of `lines` (each with its own `time host daphne[pid]:`
/// prefix), in a directory that lives as long as the returned guard.
fn journal(lines: &[&str]) -> (tempfile::TempDir, Vec<InputSpec>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.journal.log");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    (dir, specs)
}

/// Scans one journald file made of `lines`.
fn scan_journal(lines: &[&str]) -> pipeline::Scan {
    let (_dir, specs) = journal(lines);
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

/// The verdict and rules of the connection whose client is `client`.
fn verdict_of(s: &pipeline::Scan, client: &str) -> (Verdict, Vec<&'static str>) {
    let ci = s
        .correlated
        .connections
        .iter()
        .position(|c| c.client.as_deref() == Some(client))
        .unwrap_or_else(|| panic!("no connection of {client}"));
    let mut rules: Vec<&'static str> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.connections.contains(&ci))
        .map(|f| f.rule)
        .collect();
    rules.sort();
    rules.dedup();
    (s.analysis.verdicts[ci], rules)
}

const OPEN_A: [&str; 2] = [
    "2026-11-23T08:00:00+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:00:00] \"WSCONNECTING /ws/chat/1/501/\" - -",
    "2026-11-23T08:00:00+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:00:00] \"WSCONNECT /ws/chat/1/501/\" - -",
];
const OPEN_B: [&str; 2] = [
    "2026-11-23T08:00:01+0000 web-1 daphne[4242]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:01] \"WSCONNECTING /ws/chat/2/502/\" - -",
    "2026-11-23T08:00:01+0000 web-1 daphne[4242]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:01] \"WSCONNECT /ws/chat/2/502/\" - -",
];

#[test]
fn an_exception_written_after_one_close_of_its_second_belongs_to_the_session_closed_next() {
    // Both sessions close in second :14. A's close is written first; then the exception
    // and its traceback; then B's close. Joined by time to A (the last to log), the
    // exception stayed there because A's whole-second close "may" follow it; line order
    // says it does not (found on the benchmark corpus: 3 in 79 exceptions misplaced).
    let h = "2026-11-23T08:00:14+0000 web-1 daphne[4242]:";
    let a_close = format!(
        "{h} 203.0.113.1:40001 - - [23/Nov/2026:08:00:14] \"WSDISCONNECT /ws/chat/1/501/\" - -"
    );
    let exc = format!("{h} 2026-11-23 08:00:14,971 ERROR    Exception inside application: 'NoneType' object has no attribute 'id'");
    let tb = format!("{h} Traceback (most recent call last):");
    let tb_end = format!("{h} AttributeError: 'NoneType' object has no attribute 'id'");
    let b_close = format!(
        "{h} 203.0.113.2:40002 - - [23/Nov/2026:08:00:14] \"WSDISCONNECT /ws/chat/2/502/\" - -"
    );
    let mut lines: Vec<&str> = OPEN_A.iter().chain(&OPEN_B).copied().collect();
    lines.extend([a_close.as_str(), &exc, &tb, &tb_end, &b_close]);
    let s = scan_journal(&lines);
    assert_eq!(
        verdict_of(&s, "203.0.113.1:40001"),
        (Verdict::Healthy, vec![])
    );
    assert_eq!(verdict_of(&s, "203.0.113.2:40002").0, Verdict::Broken);
}

#[test]
fn a_session_closed_before_the_stopping_line_of_its_second_was_not_cut_by_the_restart() {
    // A closes at :34, written before systemd's `Stopping` of the same second; B is
    // still open and closes during the stop. Whole seconds cannot order A's close and
    // the stop; the file can (found on the benchmark corpus: 28 healthy sessions called
    // degraded by server.restart).
    let a_close = "2026-11-23T08:00:34+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:00:34] \"WSDISCONNECT /ws/chat/1/501/\" - -";
    let stopping = "2026-11-23T08:00:34+0000 web-1 systemd[1]: Stopping Daphne ASGI server...";
    let b_close = "2026-11-23T08:00:34+0000 web-1 daphne[4242]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:34] \"WSDISCONNECT /ws/chat/2/502/\" - -";
    let killed = "2026-11-23T08:00:34+0000 web-1 daphne[4242]: 2026-11-23 08:00:34,878 WARNING  Killed 1 pending application instances";
    let mut lines: Vec<&str> = OPEN_A.iter().chain(&OPEN_B).copied().collect();
    lines.extend([a_close, stopping, b_close, killed]);
    let s = scan_journal(&lines);
    assert_eq!(
        verdict_of(&s, "203.0.113.1:40001"),
        (Verdict::Healthy, vec![])
    );
    assert_eq!(
        verdict_of(&s, "203.0.113.2:40002"),
        (Verdict::Degraded, vec!["server.restart"])
    );
}

#[test]
fn a_middleware_line_of_one_server_process_never_joins_another_servers_connection() {
    // A uvicorn container refuses a retry whose token names user 301 while, on Daphne
    // (journald, its own host and pid), user 301's session authenticates. The middleware
    // line names the user, not the process: it went to the uvicorn attempt (found on the
    // benchmark corpus: 7 healthy Daphne sessions lost their middleware line and were
    // called auth.rejected).
    let dir = tempfile::tempdir().unwrap();
    let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjogMzAxfQ.c2lnbmF0dXJl";
    let docker = dir.path().join("app.docker.log");
    std::fs::write(
        &docker,
        format!(
            "{{\"log\": \"INFO:     203.0.113.53:40891 - \\\"WebSocket /ws/chat/301/?token={token}\\\" 403\\n\", \"stream\": \"stderr\", \"time\": \"2026-11-23T08:02:02.500000000Z\"}}\n\
             {{\"log\": \"INFO:     connection rejected (403 Forbidden)\\n\", \"stream\": \"stderr\", \"time\": \"2026-11-23T08:02:02.500100000Z\"}}\n"
        ),
    )
    .unwrap();
    let h = "2026-11-23T08:02:02+0000 web-1 daphne[4242]:";
    let journal = dir.path().join("app.journal.log");
    std::fs::write(
        &journal,
        format!(
            "{h} 203.0.113.100:40914 - - [23/Nov/2026:08:02:02] \"WSCONNECTING /ws/chat/301/760/\" - -\n\
             {h} 2026-11-23 08:02:02,793 INFO     [JWTAuthMiddleware] Processing connection for path: /ws/chat/301/760/\n\
             {h} 2026-11-23 08:02:02,793 INFO     [JWTAuthMiddleware] Token found: {token}\n\
             {h} 2026-11-23 08:02:02,793 INFO     [JWTAuthMiddleware] User authenticated: 301 (user301@example.com)\n\
             {h} 2026-11-23 08:02:02,793 INFO     [ChatConsumer] Connection attempt started\n\
             {h} 203.0.113.100:40914 - - [23/Nov/2026:08:02:02] \"WSCONNECT /ws/chat/301/760/\" - -\n\
             {h} 2026-11-23 08:02:02,793 INFO     [ChatConsumer] Connection accepted for user 301 (role: customer)\n\
             2026-11-23T08:02:22+0000 web-1 daphne[4242]: 203.0.113.100:40914 - - [23/Nov/2026:08:02:22] \"WSDISCONNECT /ws/chat/301/760/\" - -\n"
        ),
    )
    .unwrap();
    let specs = [docker, journal]
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect::<Vec<_>>();
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    assert_eq!(
        verdict_of(&s, "203.0.113.100:40914"),
        (Verdict::Healthy, vec![])
    );
}

#[test]
fn a_session_the_restarted_server_opened_in_the_second_of_the_stop_was_not_cut_by_it() {
    // A is served by daphne[4242], stopped at :05; B starts in the same second, on the
    // new daphne[4243]. Whole seconds put B's start at the stop; its process, first seen
    // then, is the one that replaced the stopped one (found on the benchmark corpus: 45
    // healthy sessions called degraded by server.restart).
    let a_close = "2026-11-23T08:00:05+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:00:05] \"WSDISCONNECT /ws/chat/1/501/\" - -";
    let stopping = "2026-11-23T08:00:05+0000 web-1 systemd[1]: Stopping Daphne ASGI server...";
    let killed = "2026-11-23T08:00:05+0000 web-1 daphne[4242]: 2026-11-23 08:00:05,001 WARNING  Killed 1 pending application instances";
    let started = "2026-11-23T08:00:05+0000 web-1 systemd[1]: Started Daphne ASGI server.";
    let b = [
        "2026-11-23T08:00:05+0000 web-1 daphne[4243]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:05] \"WSCONNECTING /ws/chat/2/502/\" - -",
        "2026-11-23T08:00:05+0000 web-1 daphne[4243]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:05] \"WSCONNECT /ws/chat/2/502/\" - -",
        "2026-11-23T08:00:30+0000 web-1 daphne[4243]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:30] \"WSDISCONNECT /ws/chat/2/502/\" - -",
    ];
    let mut lines: Vec<&str> = OPEN_A.to_vec();
    lines.extend([stopping, a_close, killed, started]);
    lines.extend(b);
    let s = scan_journal(&lines);
    assert_eq!(
        verdict_of(&s, "203.0.113.1:40001"),
        (Verdict::Degraded, vec!["server.restart"])
    );
    assert_eq!(
        verdict_of(&s, "203.0.113.2:40002"),
        (Verdict::Healthy, vec![])
    );
}

#[test]
fn watch_names_only_the_sessions_a_stop_cut_like_scan() {
    // a_session_closed_before_the_stopping_line_..., live: when `Stopping` arrives, A's close (written
    // before it) must not make A one of the connections the restart names; B, still open
    // then, is.
    use logweave::watch::engine::{self, Engine};
    let a_close = "2026-11-23T08:00:34+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:00:34] \"WSDISCONNECT /ws/chat/1/501/\" - -";
    let stopping = "2026-11-23T08:00:34+0000 web-1 systemd[1]: Stopping Daphne ASGI server...";
    let b_close = "2026-11-23T08:00:34+0000 web-1 daphne[4242]: 203.0.113.2:40002 - - [23/Nov/2026:08:00:34] \"WSDISCONNECT /ws/chat/2/502/\" - -";
    let mut lines: Vec<&str> = OPEN_A.iter().chain(&OPEN_B).copied().collect();
    lines.extend([a_close, stopping, b_close]);
    let (_dir, specs) = journal(&lines);
    let ingested = logweave::ingest::ingest(&specs, &Options::default());
    let packs = PackSet::load(&[]).unwrap();
    let mut eng = Engine::new(&packs, engine::Options::default(), vec!["app".into()]);
    for r in ingested.records {
        eng.push(r);
    }
    eng.finish();
    let named: Vec<Option<String>> = eng
        .take()
        .into_iter()
        .filter(|f| f.rule == "server.restart")
        .flat_map(|f| f.connections.into_iter().map(|c| c.client))
        .collect();
    assert_eq!(named, vec![Some("203.0.113.2:40002".to_string())]);
}

#[test]
fn a_second_opening_line_on_a_client_port_is_a_new_connection() {
    // The first session's end was never logged; 55 minutes later the same ip:port opens
    // again. A TCP port is not reused while its connection lives: the new WSCONNECTING is
    // a new connection (found on the 1 GiB benchmark corpus: a Daphne attempt joined a
    // uvicorn retry of an hour before that had the same client address).
    let lines = [
        OPEN_A[0],
        OPEN_A[1],
        "2026-11-23T08:55:00+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:55:00] \"WSCONNECTING /ws/chat/9/509/\" - -",
        "2026-11-23T08:55:00+0000 web-1 daphne[4242]: 203.0.113.1:40001 - - [23/Nov/2026:08:55:00] \"WSREJECT /ws/chat/9/509/\" - -",
    ];
    let s = scan_journal(&lines);
    let paths: Vec<Option<&str>> = s
        .correlated
        .connections
        .iter()
        .map(|c| c.path.as_deref())
        .collect();
    assert_eq!(
        paths,
        vec![Some("/ws/chat/1/501/"), Some("/ws/chat/9/509/")]
    );
}

#[test]
fn a_failed_connect_in_nginx_error_log_joins_the_502_not_the_101_of_its_second() {
    // Daphne restarting: in second :08 nginx upgraded one request on the path (101) and
    // answered the next with 502 after `connect() failed (111)`. The error line names
    // path and address, not the request; it went to the 101 (the nearest in time), which
    // became upstream.down (found on the real stack, e2e seed 9).
    let dir = tempfile::tempdir().unwrap();
    let access = dir.path().join("nginx-access.log");
    let error = dir.path().join("nginx-error.log");
    let q = "?token=937aaac597f3e2db41435e51f1a74589360976b6";
    std::fs::write(
        &access,
        format!(
            "127.0.0.1 - - [26/Nov/2026:05:55:08 +0000] \"GET /ws/notifications/{q} HTTP/1.1\" 101 37 \"-\" \"e2e/1\" 0.161\n\
             127.0.0.1 - - [26/Nov/2026:05:55:08 +0000] \"GET /ws/notifications/{q} HTTP/1.1\" 502 157 \"-\" \"e2e/1\" 0.000\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &error,
        format!(
            "2026/11/26 05:55:08 [error] 1556#1556: *124 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: \"GET /ws/notifications/{q} HTTP/1.1\", upstream: \"http://127.0.0.1:57055/ws/notifications/{q}\", host: \"127.0.0.1\"\n"
        ),
    )
    .unwrap();
    let specs = [access, error]
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect::<Vec<_>>();
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    let by_status: Vec<(String, usize)> = s
        .correlated
        .connections
        .iter()
        .map(|c| {
            let status = c
                .links
                .iter()
                .find_map(|l| s.events[l.event].cap("status"))
                .unwrap_or("-")
                .to_string();
            (status, c.links.len())
        })
        .collect();
    assert!(
        by_status.contains(&("101".to_string(), 1)) && by_status.contains(&("502".to_string(), 2)),
        "{by_status:?}"
    );
}
