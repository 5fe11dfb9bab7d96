//! Diagnoses that said the wrong thing, or nothing, on real-shaped logs: each test is
//! named after the bug.

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;

/// Scans each text, written to a file of its name, with the built-in packs.
fn scan_files(files: &[(&str, &str)]) -> pipeline::Scan {
    let dir = tempfile::tempdir().unwrap();
    let mut specs = Vec::new();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        specs.push(InputSpec::from_arg(p.to_str().unwrap()));
    }
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

/// Scans `text`, written to a file called `name`, with the built-in packs.
fn scan_text(name: &str, text: &str) -> pipeline::Scan {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

/// Each finding's rule and how many lines it holds as evidence.
fn rules_and_evidence(s: &pipeline::Scan) -> Vec<(&'static str, usize)> {
    s.analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.evidence.len()))
        .collect()
}

/// Each finding's rule and diagnosis.
fn rules_and_diagnoses(s: &pipeline::Scan) -> Vec<(&'static str, &str)> {
    s.analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.diagnosis.as_str()))
        .collect()
}

/// The diagnoses of the findings of `rule`.
fn diagnoses_of<'s>(s: &'s pipeline::Scan, rule: &str) -> Vec<&'s str> {
    s.analysis
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.diagnosis.as_str())
        .collect()
}

/// Each finding's rule and the path of its first connection, sorted.
fn rules_and_paths(s: &pipeline::Scan) -> Vec<(&'static str, Option<&str>)> {
    let mut told: Vec<(&str, Option<&str>)> = s
        .analysis
        .findings
        .iter()
        .map(|f| {
            let path = f
                .connections
                .first()
                .and_then(|&c| s.correlated.connections[c].path.as_deref());
            (f.rule, path)
        })
        .collect();
    told.sort();
    told
}

/// How many lines each connection holds, in connection order.
fn links_per_connection(s: &pipeline::Scan) -> Vec<usize> {
    s.correlated
        .connections
        .iter()
        .map(|c| c.links.len())
        .collect()
}

/// The line numbers of each finding's evidence.
fn evidence_lines(s: &pipeline::Scan) -> Vec<Vec<u64>> {
    s.analysis
        .findings
        .iter()
        .map(|f| {
            f.evidence
                .iter()
                .map(|&i| s.ingested.records[s.events[i].record].line)
                .collect()
        })
        .collect()
}

fn diagnoses(fixture: &str, rule: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dir = root.join(fixture);
    let mut specs: Vec<InputSpec> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    diagnoses_of(&s, rule)
        .into_iter()
        .map(String::from)
        .collect()
}

#[test]
fn an_exception_with_empty_text_is_named_from_its_traceback_not_as_a_question_mark() {
    // `raise QuotaExceeded()` has no text: Daphne's line ends in `Exception inside
    // application: ` and the diagnosis read "...: ?". (The fixture's `ChannelFull` is
    // the channel layer's, which names it better.)
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let text =
        std::fs::read_to_string(root.join("consumer-exception-channel-full-daphne/daphne.log"))
            .unwrap()
            .replace("raise ChannelFull()", "raise QuotaExceeded()")
            .replace(
                "channels.exceptions.ChannelFull",
                "chat.errors.QuotaExceeded",
            );
    let s = scan_text("daphne.log", &text);
    assert_eq!(
        diagnoses_of(&s, "consumer.exception"),
        ["The application raised an exception (Exception inside application): chat.errors.QuotaExceeded"]
    );
}

#[test]
fn an_exception_with_text_is_still_named_by_that_text() {
    let d = diagnoses("consumer-exception-journald", "consumer.exception");
    assert!(!d.is_empty());
    for d in d {
        assert!(!d.ends_with('?'), "{d}");
        assert!(!d.contains("Traceback"), "{d}");
    }
}

#[test]
fn unsupported_upgrade_alone_does_not_say_the_websocket_library_is_missing() {
    // python-socketio#686: nginx sent `Connection: upgrade` on every request, so uvicorn
    // (with its WebSocket library) warned about each plain one. Only `No supported
    // WebSocket library detected` says the library is missing.
    let s = scan_text(
        "uvicorn.log",
        "INFO:     Uvicorn running on http://127.0.0.1:5000 (Press CTRL+C to quit)\n\
         WARNING:  Unsupported upgrade request.\n\
         INFO:     127.0.0.1:40110 - \"GET /api/items/ HTTP/1.1\" 200 OK\n\
         WARNING:  Unsupported upgrade request.\n",
    );
    assert!(s.analysis.findings.is_empty(), "{:#?}", s.analysis.findings);
    assert!(s.correlated.connections.is_empty());
}

#[test]
fn a_rejection_with_no_application_line_does_not_say_a_consumer_closed_it() {
    // channels#2062: runserver rejected /ws/chat/44/ (the origin check). The chat
    // application's pack said its consumer had closed before accept(), with nothing of
    // that consumer in the log, beside the server pack's origin-check finding.
    let s = scan_text(
        "runserver.log",
        "WebSocket HANDSHAKING /ws/chat/44/ [172.20.0.1:51624]\n\
         WebSocket REJECT /ws/chat/44/ [172.20.0.1:51624]\n\
         WebSocket DISCONNECT /ws/chat/44/ [172.20.0.1:51624]\n",
    );
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"handshake.rejected"), "{rules:?}");
    for f in &s.analysis.findings {
        assert!(!f.diagnosis.contains("consumer closed"), "{}", f.diagnosis);
    }
}

#[test]
fn programs_stopped_together_are_told_once_in_the_text_report() {
    // cuckoo#1483: supervisord stopping its eight programs at shutdown printed eight
    // findings, each with the same fix.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("supervisord.log");
    let mut log =
        String::from("2017-04-25 22:34:43,729 WARN received SIGTERM indicating exit request\n");
    for name in ["web", "daphne_0", "daphne_1", "api"] {
        log.push_str(&format!(
            "2017-04-25 22:34:43,738 INFO stopped: {name} (terminated by SIGTERM)\n"
        ));
    }
    std::fs::write(&p, log).unwrap();
    let out = assert_cmd::Command::cargo_bin("logweave")
        .unwrap()
        .arg("scan")
        .arg(&p)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("fix:").count(), 1, "{text}");
    assert!(text.contains("(and 3 more like it)"), "{text}");
    for name in ["web", "daphne_0", "daphne_1", "api"] {
        assert!(text.contains(&format!("stopped: {name} ")), "{text}");
    }
}

#[test]
fn uvicorn_refusals_with_any_status_are_findings_not_open_connections() {
    // A 429 from a rate-limiting middleware, a 404 with no route, and a 403 logged only
    // as `connection rejected` (--no-access-log) were left "open" with no finding.
    let s = scan_text(
        "uvicorn.log",
        "INFO:     10.0.0.7:50110 - \"WebSocket /ws/chat/\" 429\n\
         INFO:     connection rejected (429 Too Many Requests)\n\
         INFO:     10.0.0.7:50112 - \"WebSocket /ws/chta/\" 404\n\
         INFO:     connection rejected (404 Not Found)\n",
    );
    let mut rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    rules.sort();
    assert_eq!(rules, ["handshake.not-routed", "handshake.rejected"]);
    assert_eq!(s.correlated.connections.len(), 2);

    let s = scan_text(
        "uvicorn.log",
        "INFO:     connection rejected (403 Forbidden)\n",
    );
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["handshake.rejected"]);
}

#[test]
fn a_token_that_expired_during_a_session_only_nginx_saw_is_not_an_expired_token() {
    // nginx writes a WebSocket's access line at its close, with its length: the session
    // began 180.9 s before. It was taken to begin at the close, after the token's `exp`
    // (10:13:20), and reported auth.token-expired, though the server had accepted it.
    let s = scan_text(
        "access.log",
        "203.0.113.7 - - [14/Mar/2026:10:15:02 +0000] \"GET /ws/chat/42/?token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo0MiwiZXhwIjoxNzczNDgzMjAwfQ.Yk3b0lT1dQ9b6h2mA8oQm7wQeO5m6fQv1f4c2e8a9b0 HTTP/1.1\" 101 5120 \"-\" \"Mozilla/5.0\" 180.904\n\
         203.0.113.7 - - [14/Mar/2026:10:17:06 +0000] \"GET /ws/chat/42/?token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo0MiwiZXhwIjoxNzczNDgzMjAwfQ.Yk3b0lT1dQ9b6h2mA8oQm7wQeO5m6fQv1f4c2e8a9b0 HTTP/1.1\" 101 240 \"-\" \"Mozilla/5.0\" 60.061\n",
    );
    let c = &s.correlated.connections;
    assert_eq!(c.len(), 2);
    assert_eq!(
        c[0].start.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-03-14T10:12:01.096+00:00")
    );
    let expired: Vec<&str> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule == "auth.token-expired")
        .map(|f| f.diagnosis.as_str())
        .collect();
    // Only the second: it began at 10:16:05, after the token's end.
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(
        expired[0].contains("2m 45s before the connection"),
        "{expired:?}"
    );
}

#[test]
fn a_task_queue_or_database_program_stopping_is_no_websocket_servers_restart() {
    // supervisord runs celery and the like beside Daphne: their exits dropped no
    // WebSocket, yet each was a server.restart that degraded the sessions open then.
    let s = scan_text(
        "supervisord.log",
        "2026-11-23 19:40:00,101 INFO exited: celery_worker (exit status 1; not expected)\n\
         2026-11-23 19:40:01,101 INFO stopped: celerybeat (terminated by SIGTERM)\n\
         2026-11-23 19:40:01,201 WARN killing 'redis' (812) with SIGKILL\n\
         2026-11-23 19:40:02,101 INFO exited: daphne (exit status 1; not expected)\n",
    );
    let d: Vec<&str> = s
        .analysis
        .findings
        .iter()
        .map(|f| f.diagnosis.as_str())
        .collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("daphne exited"), "{d:?}");
}

#[test]
fn a_program_that_serves_no_websocket_exiting_with_none_open_is_no_restart_finding() {
    // supervisord runs scripts beside the server: a sync script's crash loop (from a
    // supervisord issue) read as "SyncScript exited: every WebSocket it was serving was
    // dropped", six times, one an error; a wallet daemon killed by systemd likewise.
    let rules =
        |s: &pipeline::Scan| -> Vec<&str> { s.analysis.findings.iter().map(|f| f.rule).collect() };
    let other = "2018-07-17 11:50:03,712 INFO exited: SyncScript (exit status 0; expected)\n\
        2018-07-17 11:50:04,714 INFO spawned: 'SyncScript' with pid 20968\n\
        2018-07-17 11:50:04,766 INFO exited: SyncScript (exit status 255; not expected)\n\
        2018-07-17 11:50:11,993 INFO gave up: SyncScript entered FATAL state, too many start retries too quickly\n";
    assert!(rules(&scan_text("supervisord.log", other)).is_empty());
    let unit = "Nov 26 10:00:00 host systemd[1]: electrumx.service: Main process exited, code=killed, status=9/KILL\n";
    assert!(rules(&scan_text("journal.log", unit)).is_empty());
    // The server's own exit is told with none open: a crash loop at start is the answer.
    for name in ["daphne", "asgi", "web", "myproject-web-1", "uvicorn_0"] {
        let own = other.replace("SyncScript", name);
        let found = rules(&scan_text("supervisord.log", &own));
        assert!(
            found.len() == 3 && found.iter().all(|r| *r == "server.restart"),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn a_gunicorn_worker_killed_after_its_timeout_is_not_said_to_be_out_of_memory() {
    // gunicorn writes "Perhaps out of memory?" after every SIGKILL, its own kill of a
    // timed-out worker included: the hint said "SIGKILL suggests out of memory".
    let s = scan_text(
        "gunicorn.log",
        "[2025-01-06 07:28:04 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:418)\n\
         [2025-01-06 07:28:05 +0000] [1] [ERROR] Worker (pid:418) was sent SIGKILL! Perhaps out of memory?\n\
         [2025-01-06 07:29:05 +0000] [1] [ERROR] Worker (pid:420) was sent code 134!\n",
    );
    let told: Vec<(&str, &str)> = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.diagnosis.as_str(), f.hint.as_str()))
        .collect();
    // The kill of the timed-out worker is the same stop: one finding with both lines.
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].0.contains("timed worker 418 out"), "{told:?}");
    assert!(told[0].1.contains("gunicorn's own kill"), "{told:?}");
    assert_eq!(evidence_lines(&s)[0], [1, 2]);
    assert!(told[1].0.contains("420 was sent code 134"), "{told:?}");
}

#[test]
fn a_worker_timeout_and_its_kill_are_one_stop_not_two_findings() {
    // gunicorn kills the worker it timed out: `WORKER TIMEOUT (pid:7)`, then `Worker
    // (pid:7) was sent SIGKILL!` (or, from gunicorn 21, `terminated due to signal 6`).
    // Each was a finding naming the same two sessions.
    for kill in [
        "[2024-05-02 10:05:01 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
        "[2024-05-02 10:05:01 +0000] [1] [WARNING] Worker with pid 7 was terminated due to signal 6",
    ] {
        let text = format!(
            "[2024-05-02 10:00:00 +0000] [7] [INFO] Booting worker with pid: 7\n\
             [2024-05-02 10:01:00 +0000] [7] [INFO] ('10.0.0.1', 5555) - \"WebSocket /ws/chat/\" [accepted]\n\
             [2024-05-02 10:01:00 +0000] [7] [INFO] connection open\n\
             [2024-05-02 10:01:05 +0000] [7] [INFO] ('10.0.0.2', 6666) - \"WebSocket /ws/chat/\" [accepted]\n\
             [2024-05-02 10:01:05 +0000] [7] [INFO] connection open\n\
             [2024-05-02 10:05:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)\n\
             {kill}\n\
             [2024-05-02 10:05:01 +0000] [12] [INFO] Booting worker with pid: 12\n\
             [2024-05-02 10:07:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:12)\n"
        );
        let s = scan_text("gunicorn.log", &text);
        let told = rules_and_evidence(&s);
        // Another worker's timeout minutes later is another stop.
        assert_eq!(told, [("server.restart", 2), ("server.restart", 1)], "{kill}");
        assert_eq!(s.analysis.findings[0].connections.len(), 2, "{kill}");
    }
    // Two workers timed out together, then killed in the other order (mlflow#10855).
    let s = scan_text(
        "gunicorn.log",
        "[2024-01-19 00:48:31 +0000] [2973] [CRITICAL] WORKER TIMEOUT (pid:2976)\n\
         [2024-01-19 00:48:31 +0000] [2973] [CRITICAL] WORKER TIMEOUT (pid:2977)\n\
         [2024-01-19 00:48:32 +0000] [2973] [ERROR] Worker (pid:2977) was sent SIGKILL! Perhaps out of memory?\n\
         [2024-01-19 00:48:32 +0000] [2973] [ERROR] Worker (pid:2976) was sent SIGKILL! Perhaps out of memory?\n",
    );
    assert_eq!(evidence_lines(&s), [vec![1, 4], vec![2, 3]]);
}

#[test]
fn a_session_nginx_saw_reset_or_time_out_while_upgraded_is_not_left_open() {
    // JumpServer's docs (nginx in front of Daphne): `recv() failed (104) while proxying
    // upgraded connection` ends the session, whoever closed first. Alone, each line was a
    // connection "open" for ever.
    let s = scan_text(
        "error.log",
        "2021/08/07 16:01:19 [error] 1113#1113: *395030 recv() failed (104: Connection reset by peer) while proxying upgraded connection, client: 192.168.250.1, server: , request: \"GET /ws/notifications/site-msg/ HTTP/1.1\", upstream: \"http://192.168.250.2:8070/ws/notifications/site-msg/\", host: \"192.168.100.100\"\n\
         2021/08/07 17:51:55 [info] 1113#1113: *397564 upstream timed out (110: Connection timed out) while proxying upgraded connection, client: 192.168.250.1, server: , request: \"GET /ws/notifications/site-msg/ HTTP/1.1\", upstream: \"http://192.168.250.2:8070/ws/notifications/site-msg/\", host: \"192.168.100.100\"\n",
    );
    assert_eq!(s.correlated.connections.len(), 2);
    for c in &s.correlated.connections {
        assert!(c.closed, "{:?}", c.id);
    }
    assert!(!s
        .analysis
        .verdicts
        .contains(&logweave::sequence::Verdict::Open));
}

#[test]
fn nginx_out_of_worker_connections_is_a_capacity_finding_not_a_pathless_connection() {
    // nchan#346: `32768 worker_connections are not enough`, four times in a second, was
    // parsed and matched by nothing. Written while accepting it names no session: one
    // finding about the proxy. Written for a request, it is that connection's failure.
    let s = scan_text(
        "error.log",
        "2017/04/20 19:43:34 [alert] 9808#0: 32768 worker_connections are not enough\n\
         2017/04/20 19:43:34 [alert] 9805#0: 32768 worker_connections are not enough\n\
         2024/02/01 10:00:00 [alert] 31#31: *81920 1024 worker_connections are not enough while connecting to upstream, client: 10.0.0.5, server: app.example.com, request: \"GET /ws/chat/1/ HTTP/1.1\", upstream: \"http://127.0.0.1:8000/ws/chat/1/\", host: \"app.example.com\"\n",
    );
    let found: Vec<(&str, usize)> = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.connections.len()))
        .collect();
    assert_eq!(
        found,
        [
            ("proxy.capacity", 0),
            ("proxy.capacity", 0),
            ("proxy.capacity", 1)
        ]
    );
    assert_eq!(s.correlated.connections.len(), 1);
    assert_eq!(
        s.correlated.connections[0].path.as_deref(),
        Some("/ws/chat/1/")
    );
}

#[test]
fn channels_redis_failures_in_other_words_are_the_channel_layers_not_the_consumers() {
    // channels_redis#106 (Redis's host name not resolved), #313 (its receive lock), #340
    // (another event loop): each was a bare consumer.exception, or nothing. And
    // channels#866, channels_redis 2.0.0's own AttributeError on `self.ChannelFull`, was
    // "a channel is full".
    let layer = |text: &str| -> Vec<String> {
        scan_text("daphne.log", text)
            .analysis
            .findings
            .iter()
            .filter(|f| f.rule == "channel-layer.down")
            .map(|f| f.diagnosis.clone())
            .collect()
    };
    let frame = "  File \"/venv/lib/python3.6/site-packages/channels_redis/core.py\", line 469, in receive\n    real_channel\n";
    let dns = layer(&format!("2018-06-03 15:54:48,949 ERROR    Exception inside application: [Errno -2] Name or service not known\nTraceback (most recent call last):\n{frame}"));
    assert_eq!(
        dns,
        ["The channel layer could not use Redis: [Errno -2] Name or service not known"]
    );
    let lock = layer(&format!("2019-04-11 10:00:00,000 ERROR    Exception inside application: Lock is not acquired.\nTraceback (most recent call last):\n{frame}"));
    assert!(
        lock.len() == 1 && lock[0].contains("receive lock"),
        "{lock:?}"
    );
    let other = layer("[2022-11-14 17:58:24 +0800] [7] [ERROR] Task exception was never retrieved\nfuture: <Task finished coro=<Connection.disconnect() done, defined at /usr/local/lib/python3.11/site-packages/redis/asyncio/connection.py:819> exception=RuntimeError(\"Task <Task pending> got Future <Future pending> attached to a different loop\")>\n");
    assert!(
        other.len() == 1 && other[0].contains("another event loop"),
        "{other:?}"
    );
    let bug = layer("2018-02-06 10:00:00,000 ERROR    Exception inside application: 'RedisChannelLayer' object has no attribute 'ChannelFull'\n");
    assert!(bug.is_empty(), "{bug:?}");
}

#[test]
fn uvicorn_stopped_with_no_session_open_is_not_said_to_drop_open_websockets() {
    // uvicorn#1022: a Ctrl-C at the end of a development run was "uvicorn shut down; open
    // WebSockets were dropped", with none open.
    let quiet = "2026-11-27 10:00:00,001 INFO:     Started server process [4242]\n\
        2026-11-27 10:00:00,101 INFO:     Application startup complete.\n\
        2026-11-27 10:05:00,001 INFO:     Shutting down\n\
        2026-11-27 10:05:00,101 INFO:     Finished server process [4242]\n";
    let s = scan_text("uvicorn.log", quiet);
    assert!(s.analysis.findings.is_empty(), "{:?}", s.analysis.findings);
    let open = "2026-11-27 10:00:00,001 INFO:     Started server process [4242]\n\
        2026-11-27 10:01:00,001 INFO:     127.0.0.1:51000 - \"WebSocket /ws/chat/\" [accepted]\n\
        2026-11-27 10:01:00,002 INFO:     connection open\n\
        2026-11-27 10:05:00,001 INFO:     Shutting down\n";
    let s = scan_text("uvicorn.log", open);
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"server.restart"), "{rules:?}");
    // Without times (uvicorn's default layout) its input shows none open above it: not
    // told either (it was, when an untimed line could not say what was open).
    let bare: String = quiet.lines().map(|l| format!("{}\n", &l[24..])).collect();
    let s = scan_text("uvicorn.log", &bare);
    assert!(s.analysis.findings.is_empty(), "{:?}", s.analysis.findings);
}

#[test]
fn a_session_whose_server_never_logged_its_end_is_over_at_the_proxys_access_line() {
    // gunicorn's UvicornWorker writes no `connection closed`: a real stack's 48 sessions
    // all stayed open, and every later stop named them as dropped (35 wrong
    // server.restart). nginx wrote each one's end in its access line.
    // (tests/data/gunicorn-session-ended-by-nginx: one session, then gunicorn stops.)
    let specs = gunicorn_session_ended_by_nginx();
    let s = pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap());
    assert_eq!(s.correlated.connections.len(), 1);
    // (Over by the proxy's line: `ended`, which scan and watch judge by; no line of the
    // server `closed` it.)
    assert!(s.correlated.connections[0].ended());
    assert!(s.correlated.connections[0].proxy_end.is_some());
    assert_eq!(
        s.analysis.verdicts,
        [logweave::sequence::Verdict::Healthy],
        "{:?}",
        s.analysis.findings
    );
}

#[test]
fn a_redis_timeout_of_a_cancelled_read_is_not_redis_down_when_its_line_joined_no_connection() {
    // A real gunicorn stack: a consumer that had closed (StopConsumer) had its channel
    // layer read cancelled, which raises a Redis TimeoutError. The rule's `unless`
    // (`layer.receive-cancelled`) was judged only on connections, and this line had
    // joined none: "The channel layer could not use Redis" while Redis was up.
    let s = scan_text("gunicorn.log", REDIS_TIMEOUT_OF_A_CANCELLED_READ);
    let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
    assert!(!rules.contains(&"channel-layer.down"), "{rules:?}");
}

/// (A raw string: the traceback's indentation is what makes its frames continuations.)
const REDIS_TIMEOUT_OF_A_CANCELLED_READ: &str = r#"2026-11-27 03:07:35,287 INFO rtsite.consumers 3716 disconnected code=1000
[2026-11-27 03:07:37 +0000] [3713] [ERROR] Exception in ASGI application
Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/channels/generic/websocket.py", line 252, in websocket_disconnect
    raise StopConsumer()
channels.exceptions.StopConsumer

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/uvicorn/protocols/websockets/websockets_sansio_impl.py", line 409, in run_asgi
    result = await self.app(self.scope, self.receive, self.send)
  File "/venv/lib/python3.11/site-packages/channels_redis/core.py", line 340, in receive
    message_channel, message = await self.receive_single(
  File "/venv/lib/python3.11/site-packages/redis/asyncio/connection.py", line 1310, in read_response
    raise TimeoutError(f"Timeout reading from {host_error}")
redis.exceptions.TimeoutError: Timeout reading from 127.0.0.1:6379
[2026-11-27 03:07:37 +0000] [3716] [INFO] 127.0.0.1:0 - "WebSocket /ws/echo/lobby/" [accepted]
[2026-11-27 03:07:37 +0000] [3716] [INFO] connection open
"#;

/// The logs of `tests/data/gunicorn-session-ended-by-nginx`: one session uvicorn served
/// under gunicorn (no `connection closed`), its nginx access line, then gunicorn stops.
fn gunicorn_session_ended_by_nginx() -> Vec<InputSpec> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gunicorn-session-ended-by-nginx");
    ["gunicorn.log", "nginx-access.log"]
        .iter()
        .map(|f| InputSpec::from_arg(dir.join(f).to_str().unwrap()))
        .collect()
}

#[test]
fn a_users_sessions_with_tokens_of_their_own_are_not_named_by_another_tokens_storm() {
    // A real Daphne stack behind nginx (`tests/data/real-stack-daphne-combined`): user 7
    // reconnected eleven times in 7 s with one token, and in the same minute had four
    // healthy sessions with tokens of their own. Daphne's storm counts by user, so all
    // fifteen were named as the loop.
    let tok = |exp: u32| {
        use base64::Engine;
        let b64 = |s: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(r#"{"alg":"HS256","typ":"JWT"}"#.into()),
            b64(format!(r#"{{"user_id":7,"exp":{exp}}}"#))
        )
    };
    let (mut nginx, mut daphne, mut django) = (String::new(), String::new(), String::new());
    // (port, start second, end second and millisecond, token, user agent)
    let mut sessions = vec![
        (59001, 4, (7, 709), tok(1795789082), 7),
        (59002, 10, (16, 559), tok(1795789082), 21),
        (59003, 50, (52, 100), tok(1795789130), 44),
        (59004, 56, (59, 419), tok(1795789136), 49),
    ];
    for k in 0..11 {
        sessions.push((
            59100 + k,
            40 + k / 2,
            (41 + k / 2, 185),
            tok(1795789120),
            30 + k,
        ));
    }
    sessions.sort_by_key(|s| (s.1, s.0));
    for (port, start, (end, ms), token, ua) in &sessions {
        let at = |s: u32| format!("27/Nov/2026:13:18:{s:02}");
        let access = |verb: &str, s: u32| {
            format!(
                "127.0.0.1:{port} - - [{}] \"{verb} /ws/secure/\" - -\n",
                at(s)
            )
        };
        daphne += &access("WSCONNECTING", *start);
        daphne += &access("WSCONNECT", *start);
        django += &format!("INFO 2026-11-27 13:18:{start:02},500 consumers connected user_id=7\n");
        django +=
            &format!("INFO 2026-11-27 13:18:{end:02},{ms:03} consumers disconnected code=1000\n");
        daphne += &access("WSDISCONNECT", *end);
        nginx += &format!(
            "127.0.0.1 - - [{} +0000] \"GET /ws/secure/?token={token} HTTP/1.1\" 101 16 \"-\" \"rt7-client/{ua:03}\"\n",
            at(*end)
        );
    }
    let s = scan_files(&[
        ("nginx-access.log", &nginx),
        ("daphne.out.log", &daphne),
        ("daphne.err.log", &django),
    ]);
    let storms: Vec<_> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule == "client.reconnect-storm")
        .collect();
    assert_eq!(storms.len(), 1, "{storms:#?}");
    // The connections it names are the eleven that carried the loop's token.
    let loop_token = tok(1795789120);
    let named: Vec<bool> = storms[0]
        .connections
        .iter()
        .map(|&ci| {
            s.correlated.connections[ci]
                .links
                .iter()
                .any(|l| s.events[l.event].cap("token") == Some(loop_token.as_str()))
        })
        .collect();
    assert_eq!(named, vec![true; 11], "{:?}", storms[0].connections);
}

/// Scans one file of `tests/data`.
fn scan_data(name: &str) -> pipeline::Scan {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let specs = vec![InputSpec::from_arg(p.to_str().unwrap())];
    pipeline::scan(&specs, &Options::default(), PackSet::load(&[]).unwrap())
}

/// The findings of rule `rule`.
fn findings_of<'s>(s: &'s pipeline::Scan, rule: &str) -> Vec<&'s logweave::sequence::Finding> {
    s.analysis
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// Each connection as (client, path, verdict, rules).
fn verdicts(s: &pipeline::Scan) -> Vec<String> {
    (0..s.correlated.connections.len())
        .map(|ci| {
            let c = &s.correlated.connections[ci];
            let rules: Vec<&str> = s.analysis.by_connection[ci]
                .iter()
                .map(|&fi| s.analysis.findings[fi].rule)
                .collect();
            format!(
                "{} {} {:?} {rules:?}",
                c.client.as_deref().unwrap_or("-"),
                c.path.as_deref().unwrap_or("-"),
                s.analysis.verdicts[ci]
            )
        })
        .collect()
}

#[test]
fn a_log_pasted_indented_is_read_as_its_lines_not_as_one_traceback() {
    // litestar#3980: uvicorn's log quoted with five spaces before every line. Each line
    // began as a traceback's continuation does, the 31 lines made one record, one of seven
    // refused handshakes was found, and uvicorn's first start read as a restart.
    let s = scan_data("litestar-3980-uvicorn-403-pasted-indented.log");
    let v = verdicts(&s);
    assert_eq!(v.len(), 7, "{v:#?}");
    for c in &v {
        assert!(c.ends_with(r#"Broken ["handshake.rejected"]"#), "{v:#?}");
    }
    assert!(
        s.analysis
            .findings
            .iter()
            .all(|f| f.rule != "server.restart"),
        "{:?}",
        s.analysis.findings
    );
}

#[test]
fn fastapis_cli_log_reads_its_websockets() {
    // litestar#3980 again, under `fastapi dev`: Rich right-aligns the level (`INFO   msg`,
    // which left the message starting with blanks, a continuation line) and takes uvicorn's
    // `[accepted]` for markup, so an accepted handshake's line ends at its quote.
    let s = scan_data("litestar-3980-fastapi-cli-rich.log");
    assert_eq!(
        verdicts(&s),
        [
            "127.0.0.1:56490 /notebooks/notebook1/ws Healthy []",
            "127.0.0.1:48906 /notebooks/notebook2/ws Open []"
        ]
    );
    // Its levels are right-aligned: a WARNING and the banner sit three columns left of
    // the INFO lines, which then keep blanks of their own before the level.
    let s = scan_text(
        "fastapi.log",
        "   FastAPI   Starting development server\n\n\
         \x20     INFO   Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)\n\
         \x20     INFO   ('127.0.0.1', 56490) - \"WebSocket /notebooks/notebook1/ws\"\n\
         \x20     INFO   connection open\n\
         \x20  WARNING   Invalid HTTP request received.\n\
         \x20     INFO   connection closed\n\
         \x20     INFO   ('127.0.0.1', 48906) - \"WebSocket /notebooks/notebook2/ws\" 403\n\
         \x20     INFO   connection rejected (403 Forbidden)\n\
         \x20     INFO   connection closed\n",
    );
    assert_eq!(
        verdicts(&s),
        [
            "127.0.0.1:56490 /notebooks/notebook1/ws Healthy []",
            r#"127.0.0.1:48906 /notebooks/notebook2/ws Broken ["handshake.rejected"]"#
        ]
    );
}

#[test]
fn a_handshake_an_excerpt_of_daphnes_log_ends_on_did_not_time_out_because_another_log_goes_on() {
    // A `tail -5` of Daphne's log ending on a `WSCONNECTING`, beside nginx's log of ten
    // minutes more: "Daphne gave up (its connect timeout is 5 s)", judged by nginx's
    // times. Daphne's log says nothing after the handshake began.
    let daphne =
        "127.0.0.1:42912 - - [07/Apr/2019:00:31:39] \"WSCONNECTING /ws/notifications/\" - -\n\
        127.0.0.1:42912 - - [07/Apr/2019:00:31:39] \"WSREJECT /ws/notifications/\" - -\n\
        127.0.0.1:42918 - - [07/Apr/2019:00:31:50] \"WSCONNECTING /ws/notifications/\" - -\n";
    let nginx = "10.0.0.5 - - [07/Apr/2019:00:41:10 +0000] \"GET /api/notes/ HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n";
    let told = |s: &pipeline::Scan| verdicts(s);
    let s = scan_files(&[("daphne.log", daphne), ("nginx-access.log", nginx)]);
    assert_eq!(
        told(&s),
        [
            "127.0.0.1:42912 /ws/notifications/ Broken [\"handshake.rejected\"]",
            "127.0.0.1:42918 /ws/notifications/ Open []"
        ]
    );
    // Where Daphne's own log goes on past the 5 s, the handshake did time out.
    let later = format!(
        "{daphne}127.0.0.1:42930 - - [07/Apr/2019:00:32:10] \"WSCONNECTING /ws/other/\" - -\n\
         127.0.0.1:42930 - - [07/Apr/2019:00:32:10] \"WSCONNECT /ws/other/\" - -\n"
    );
    let s = scan_files(&[("daphne.log", &later), ("nginx-access.log", nginx)]);
    assert!(
        told(&s)[1].ends_with("[\"handshake.timeout\"]"),
        "{:#?}",
        told(&s)
    );
}

#[test]
fn the_text_report_says_its_times_are_utc() {
    // Daphne's `[07/Apr/2019:00:31:39]`, taken in the +08:00 nginx writes beside it, is
    // shown as 16:31:39 the day before: without a word it read as a clock gone wrong.
    let dir = tempfile::tempdir().unwrap();
    let daphne = dir.path().join("daphne.log");
    std::fs::write(
        &daphne,
        "127.0.0.1:42912 - - [07/Apr/2019:00:31:39] \"WSCONNECTING /ws/notifications/\" - -\n\
         127.0.0.1:42912 - - [07/Apr/2019:00:31:39] \"WSREJECT /ws/notifications/\" - -\n",
    )
    .unwrap();
    let nginx = dir.path().join("nginx-access.log");
    std::fs::write(
        &nginx,
        "10.0.0.5 - - [07/Apr/2019:00:31:40 +0800] \"GET /ws/notifications/ HTTP/1.1\" 403 5 \"-\" \"Mozilla/5.0\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_logweave"))
        .args(["scan", "--color", "never"])
        .arg(&daphne)
        .arg(&nginx)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let head = text.lines().next().unwrap();
    assert!(head.ends_with(", times in UTC"), "{head}");
    assert!(text.contains("16:31:39.000"), "{text}");
}

#[test]
fn a_server_that_stopped_with_no_websocket_open_is_not_said_to_have_dropped_them() {
    // uvicorn#1252: a refused handshake, then `Shutting down`: "uvicorn shut down; open
    // WebSockets were dropped. (0 connections)". Likewise supervisord's and gunicorn's.
    // uvicorn's line names no process, so with none open it is no finding at all.
    let told = |name: &str, text: &str| -> Vec<String> {
        findings_of(&scan_text(name, text), "server.restart")
            .iter()
            .map(|f| format!("{} {}", f.connections.len(), f.diagnosis))
            .collect()
    };
    assert_eq!(
        told(
            "uvicorn.log",
            "INFO:     ('127.0.0.1', 52429) - \"WebSocket /\" 403\nINFO:     Shutting down\n"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        told(
            "supervisord.log",
            "2026-11-23 10:00:00,000 INFO stopped: daphne (exit status 0)\n"
        ),
        ["0 daphne was stopped or killed by its process manager; the logs show no WebSocket open then."]
    );
    // Without times, a session left open above the stop was open at it, by line order.
    assert_eq!(
        told(
            "uvicorn.log",
            "INFO:     ('127.0.0.1', 52430) - \"WebSocket /ws/\" [accepted]\nINFO:     connection open\nINFO:     Shutting down\n"
        ),
        ["1 uvicorn shut down; open WebSockets were dropped."]
    );
    // With one open, it says what became of it.
    let open = told(
        "journal.log",
        "2026-10-01T10:00:19.118000+00:00 web-1 uvicorn[812]: INFO:     127.0.0.1:51822 - \"WebSocket /ws/chat/5/\" [accepted]\n\
         2026-10-01T10:00:19.119000+00:00 web-1 uvicorn[812]: INFO:     connection open\n\
         2026-10-01T10:00:24.500000+00:00 web-1 uvicorn[812]: INFO:     Shutting down\n",
    );
    assert_eq!(open, ["1 uvicorn shut down; open WebSockets were dropped."]);
}

#[test]
fn an_untimed_stop_names_the_sessions_its_input_shows_open_at_it() {
    // uvicorn's console without times (a plain `docker logs`): the session opened above
    // `Shutting down` and closed below it was cut by the shutdown. Its close below the
    // stop had made "every connection above had ended": "shut down with no WebSocket
    // open", and the session healthy.
    let s = scan_text(
        "uvicorn.log",
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\n\
         INFO:     connection open\n\
         INFO:     127.0.0.1:34400 - \"WebSocket /ws/y\" [accepted]\n\
         INFO:     connection open\n\
         INFO:     connection closed\n\
         INFO:     Shutting down\n\
         INFO:     connection closed\n\
         INFO:     Waiting for application shutdown.\n\
         INFO:     Application shutdown complete.\n\
         INFO:     Finished server process [13409]\n",
    );
    let stops = findings_of(&s, "server.restart");
    assert_eq!(stops.len(), 1, "{:#?}", s.analysis.findings);
    assert_eq!(
        stops[0].diagnosis,
        "uvicorn shut down; open WebSockets were dropped."
    );
    let named: Vec<&str> = stops[0]
        .connections
        .iter()
        .map(|&c| s.correlated.connections[c].path.as_deref().unwrap_or("-"))
        .collect();
    // The session that closed above the stop was not open at it.
    assert_eq!(named.len(), 1, "{named:?}");
    let verdicts: Vec<String> = s
        .analysis
        .verdicts
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    assert_eq!(verdicts.len(), 2);
    assert!(
        verdicts.iter().any(|v| v.contains("Healthy")),
        "{verdicts:?}"
    );
    assert!(
        verdicts.iter().any(|v| v.contains("Degraded")),
        "{verdicts:?}"
    );
    // Started again under a session never closed, with no stop line: the process died
    // under it (it read as open).
    let s = scan_text(
        "uvicorn.log",
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\n\
         INFO:     connection open\n\
         INFO:     Started server process [13410]\n\
         INFO:     Waiting for application startup.\n\
         INFO:     Application startup complete.\n\
         INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n",
    );
    let told: Vec<(&str, usize)> = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.connections.len()))
        .collect();
    assert_eq!(told, [("server.restart", 1)]);
    assert!(s.analysis.findings[0]
        .diagnosis
        .contains("died without a logged stop"));
    // With the stop line above the start, the stop alone tells of them (two sessions: a
    // finding per connection is merged, one naming both is not).
    let s = scan_text(
        "uvicorn.log",
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\n\
         INFO:     connection open\n\
         INFO:     127.0.0.1:34399 - \"WebSocket /ws/y\" [accepted]\n\
         INFO:     connection open\n\
         INFO:     Shutting down\n\
         INFO:     Finished server process [13409]\n\
         INFO:     Started server process [13410]\n\
         INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n",
    );
    let told: Vec<&str> = s
        .analysis
        .findings
        .iter()
        .map(|f| f.diagnosis.as_str())
        .collect();
    assert_eq!(told, ["uvicorn shut down; open WebSockets were dropped."]);
}

#[test]
fn a_closing_handshake_that_fails_after_the_clients_close_frame_is_a_clean_close() {
    // websockets#1117 (`--log-level debug`): the client's `< CLOSE 1001`, the server's
    // `> CLOSE 1001`, then the TCP half-close fails (`Transport endpoint is not
    // connected`) and websockets logs "closing handshake failed": read as "ended without
    // a proper close handshake" although both close frames are in the log.
    let head = "INFO:     connection open\nDEBUG:    = connection is OPEN\n";
    let frames = "DEBUG:    < CLOSE 1001 (going away) [2 bytes]\n\
                  DEBUG:    = connection is CLOSING\n\
                  DEBUG:    > CLOSE 1001 (going away) [2 bytes]\n";
    let tail = "DEBUG:    x half-closing TCP connection\n\
                DEBUG:    = connection is CLOSED\n\
                ERROR:    closing handshake failed\n\
                Traceback (most recent call last):\n  \
                File \"/venv/lib/python3.10/site-packages/websockets/legacy/protocol.py\", line 1309, in close_connection\n    \
                self.transport.write_eof()\n\
                OSError: [Errno 107] Transport endpoint is not connected\n\
                INFO:     connection closed\n";
    let s = scan_text("uvicorn.log", &format!("{head}{frames}{tail}"));
    assert_eq!(s.correlated.connections.len(), 1);
    let rules = |s: &pipeline::Scan| -> Vec<&str> {
        s.analysis
            .findings
            .iter()
            .filter(|f| f.connections.contains(&0))
            .map(|f| f.rule)
            .collect()
    };
    assert!(rules(&s).is_empty(), "{:?}", rules(&s));
    assert_eq!(s.analysis.close_codes, vec![Some(1001)]);
    // Without the client's close frame, the failed closing handshake is what it says.
    let s = scan_text("uvicorn.log", &format!("{head}{tail}"));
    assert_eq!(rules(&s), ["close.abnormal"]);
}

#[test]
fn herokus_log_stream_is_read_and_its_router_lines_end_the_sessions_they_name() {
    // `heroku logs` of Daphne behind Heroku's router: every line was "unknown", without
    // a time. The router writes one line per request when it ends, `service=` its length:
    // the idle cut 60 s after the upgrade (`H15`) and a 101 written 21 ms after the dyno's
    // SIGTERM each join the session the dyno's lines give, which they end; the SIGTERM
    // names the sessions open at it, also one the router alone saw, whose line is written
    // below the stop (it was taken for a session begun after it); a 101 alone after the
    // restart is a session of its own, over.
    let s = scan_data("heroku-router-idle-and-cycling.log");
    assert_eq!(s.ingested.inputs[0].format, "heroku");
    assert_eq!(
        verdicts(&s),
        [
            r#"10.1.45.3:40312 /ws/chat/lobby/ Degraded ["close.idle-timeout"]"#,
            r#"10.1.45.3:40400 /ws/chat/lobby/ Degraded ["server.restart"]"#,
            r#"- /ws/notifications/ Degraded ["server.restart"]"#,
            r#"- /ws/notifications/ Healthy []"#,
        ]
    );
    let c = &s.correlated.connections;
    assert_eq!(c[0].links.len(), 4, "the H15 line joins the first session");
    assert_eq!(c[1].links.len(), 3, "the 101 line joins the second session");
    assert!(
        c.iter().all(|c| c.closed || c.proxy_end.is_some()),
        "all over"
    );
    // A router line alone began when its time less its `service` says.
    let start = |i: usize| c[i].start.unwrap().to_rfc3339();
    assert_eq!(start(2), "2023-04-11T09:18:01.022+00:00");
    assert_eq!(start(3), "2023-04-11T09:20:20.468+00:00");
}

#[test]
fn a_log_quoted_in_markdown_is_read_as_its_lines() {
    // A compose log of Daphne quoted in an issue (`> ` before every line) was "unknown"
    // throughout, without times; a code fence glued to the first line of another made its
    // client `` ```127.0.0.1:57338 `` and one refused handshake two connections.
    let quoted = "> web_1  | [2017/03/07 06:32:37] WebSocket HANDSHAKING /socket [172.25.0.1:33257]\n\
                  > web_1  | [2017/03/07 06:32:37] WebSocket CONNECT /socket [172.25.0.1:33257]\n\
                  > web_1  | [2017/03/07 06:32:45] WebSocket DISCONNECT /socket [172.25.0.1:33257]\n\
                  \n\
                  Run command:\n";
    let s = scan_text("quoted.log", quoted);
    assert_eq!(s.ingested.inputs[0].format, "docker-compose");
    assert_eq!(
        verdicts(&s),
        [r#"172.25.0.1:33257 /socket Healthy []"#],
        "one session, read with its times"
    );
    assert!(s.correlated.connections[0].start.is_some());
    let fenced = "```127.0.0.1:57338 - - [17/Oct/2017:12:18:04] \"WSCONNECTING /\" - -\n\
                  2017-10-17 12:18:04,853 WARNING  dropping connection to peer tcp4:127.0.0.1:57338 with abort=False: Access denied\n\
                  ```\n";
    let s = scan_text("fenced.log", fenced);
    assert_eq!(s.correlated.connections.len(), 1, "{:?}", verdicts(&s));
    assert_eq!(
        s.correlated.connections[0].client.as_deref(),
        Some("127.0.0.1:57338")
    );
}

#[test]
fn a_development_run_stopped_with_ctrl_c_and_no_session_open_is_no_finding() {
    // uvicorn's console writes no time, so its `Shutting down` was told whatever was
    // open ("uvicorn shut down with no WebSocket open"): noise on every pasted console
    // that ends in a Ctrl-C. Its input shows what was open above it.
    let console = "INFO:     Started server process [9]\n\
                   INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)\n\
                   ^CINFO:     Shutting down\n\
                   INFO:     Finished server process [9]\n";
    let s = scan_text("console.log", console);
    assert!(s.analysis.findings.is_empty(), "{:?}", s.analysis.findings);
    // With a session open above it, the same stop names it.
    let open = "INFO:     Started server process [9]\n\
                INFO:     ('127.0.0.1', 50000) - \"WebSocket /ws/chat/\" [accepted]\n\
                INFO:     connection open\n\
                ^CINFO:     Shutting down\n\
                INFO:     Finished server process [9]\n";
    let s = scan_text("console.log", open);
    let restarts: Vec<usize> = findings_of(&s, "server.restart")
        .iter()
        .map(|f| f.connections.len())
        .collect();
    assert_eq!(restarts, [1]);
}

#[test]
fn starlettes_websocket_disconnect_gives_the_sessions_close_code() {
    // FastAPI's most pasted WebSocket line, `starlette.websockets.WebSocketDisconnect:
    // 1006` at the foot of a traceback the application logged, was in no pack: the
    // session that dropped read as healthy.
    let console = "INFO:     127.0.0.1:51000 - \"WebSocket /ws/feed\" [accepted]\n\
                   INFO:     connection open\n\
                   ERROR:    feed loop ended\n\
                   Traceback (most recent call last):\n  \
                     File \"/app/main.py\", line 40, in feed\n    \
                       data = await websocket.receive_text()\n\
                   starlette.websockets.WebSocketDisconnect: 1006\n\
                   INFO:     connection closed\n";
    let s = scan_text("uvicorn.log", console);
    assert_eq!(
        verdicts(&s),
        [r#"127.0.0.1:51000 /ws/feed Degraded ["close.abnormal"]"#]
    );
}

#[test]
fn websockets_before_10_close_text_gives_the_sessions_close_code() {
    // starlette#655: websockets before 10.0 wrote `ConnectionClosedError: code = 1006
    // (connection closed abnormally [internal]), no reason`; only 10.0's `no close frame
    // received` was read: the session the client dropped had only the application's
    // exception. `code = 1000 (OK)` is a clean close.
    let console = |close: &str| {
        format!(
            "INFO:     127.0.0.1:51000 - \"WebSocket /ws/feed\" [accepted]\n\
             INFO:     connection open\n\
             ERROR:    Exception in ASGI application\n\
             Traceback (most recent call last):\n  \
               File \"/app/main.py\", line 40, in feed\n    \
                 await websocket.send_text(data)\n\
             websockets.exceptions.{close}\n\
             INFO:     connection closed\n"
        )
    };
    let s = scan_text(
        "uvicorn.log",
        &console("ConnectionClosedError: code = 1006 (connection closed abnormally [internal]), no reason"),
    );
    assert_eq!(
        verdicts(&s),
        [r#"127.0.0.1:51000 /ws/feed Broken ["close.abnormal", "consumer.exception"]"#]
    );
    assert_eq!(s.analysis.close_codes, [Some(1006)]);
    let s = scan_text(
        "uvicorn.log",
        &console("ConnectionClosedOK: code = 1000 (OK), no reason"),
    );
    assert!(findings_of(&s, "close.abnormal").is_empty());
}

#[test]
fn an_unanswered_handshake_without_times_does_not_claim_daphnes_timeout() {
    // channels#1340: a pasted runserver console, `HANDSHAKING` then `DISCONNECT` with no
    // times, said "Daphne gave up (its connect timeout is 5 s)": connect() had raised.
    let untimed = "WebSocket HANDSHAKING /foo/ [127.0.0.1:00000]\n\
                   WebSocket DISCONNECT /foo/ [127.0.0.1:00000]\n";
    let s = scan_text("console.log", untimed);
    let found = findings_of(&s, "handshake.timeout");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].diagnosis.contains("without times"),
        "{}",
        found[0].diagnosis
    );
    // With times, the end 6 s later is Daphne's timeout, and one at once the client's.
    for (end, says) in [
        ("10:00:06", "Daphne gave up"),
        ("10:00:01", "sooner than Daphne gives up"),
    ] {
        let timed = format!(
            "127.0.0.1:40000 - - [01/Mar/2024:10:00:00] \"WSCONNECTING /foo/\" - -\n\
             127.0.0.1:40000 - - [01/Mar/2024:{end}] \"WSDISCONNECT /foo/\" - -\n"
        );
        let s = scan_text("daphne.log", &timed);
        let found = findings_of(&s, "handshake.timeout");
        assert_eq!(found.len(), 1, "{end}");
        assert!(found[0].diagnosis.contains(says), "{}", found[0].diagnosis);
    }
}

#[test]
fn a_reboot_in_the_journal_cuts_the_sessions_open_at_it() {
    // `journalctl -u daphne` across a reboot: journalctl's `-- Reboot --` (`-- Boot <id>
    // --` since systemd 250) was counted and dropped, and Daphne's start after it said
    // "the process before it died without a logged stop", with a hint about OOM kills in
    // containers. The session closed before the reboot and the one opened after it are
    // not named. (The reboot line has no time: it borrows the time of the line above
    // it, the second in which the last session there began; that session was not taken
    // for the restarted server's.)
    let s = scan_data("journal-reboot-under-open-sessions.log");
    assert_eq!(
        verdicts(&s),
        [
            r#"127.0.0.1:50000 /ws/chat/1/ Broken ["server.restart"]"#,
            r#"127.0.0.1:50004 /ws/chat/2/ Healthy []"#,
            r#"127.0.0.1:50009 /ws/chat/3/ Broken ["server.restart"]"#,
            r#"127.0.0.1:50100 /ws/chat/1/ Healthy []"#,
        ]
    );
    let restarts = findings_of(&s, "server.restart");
    assert_eq!(restarts.len(), 1);
    assert!(restarts[0].diagnosis.contains("The host rebooted"));
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/journal-reboot-under-open-sessions.log");
    let text = std::fs::read_to_string(p).unwrap().replace(
        "-- Reboot --",
        "-- Boot 0dc874d3fbd44bdbb6fbcfaa27481492 --",
    );
    let s = scan_text("daphne.journal", &text);
    let restarts = findings_of(&s, "server.restart");
    assert_eq!(restarts.len(), 1);
    assert_eq!(restarts[0].connections.len(), 2);
    assert!(restarts[0].diagnosis.contains("The host rebooted"));
    // A server that had just started, a session that began in the second of the line
    // above the reboot, and one that closed in that line: neither that start nor that
    // second is the reboot's, and the session closed above it was not cut by it.
    let fresh = "Mar 01 10:00:00 web1 systemd[1]: Started Daphne ASGI server.\n\
                 Mar 01 10:00:01 web1 daphne[4242]: 2024-03-01 10:00:01,000 INFO     Starting server at tcp:port=8000:interface=127.0.0.1\n\
                 Mar 01 10:00:02 web1 daphne[4242]: 127.0.0.1:50000 - - [01/Mar/2024:10:00:02] \"WSCONNECTING /ws/chat/1/\" - -\n\
                 Mar 01 10:00:02 web1 daphne[4242]: 127.0.0.1:50000 - - [01/Mar/2024:10:00:02] \"WSCONNECT /ws/chat/1/\" - -\n\
                 Mar 01 10:00:02 web1 daphne[4242]: 127.0.0.1:50002 - - [01/Mar/2024:10:00:02] \"WSCONNECT /ws/chat/2/\" - -\n\
                 Mar 01 10:00:02 web1 daphne[4242]: 127.0.0.1:50002 - - [01/Mar/2024:10:00:02] \"WSDISCONNECT /ws/chat/2/\" - -\n\
                 -- Reboot --\n\
                 Mar 01 10:04:00 web1 systemd[1]: Started Daphne ASGI server.\n";
    let s = scan_text("daphne.journal", fresh);
    let restarts = findings_of(&s, "server.restart");
    assert_eq!(restarts.len(), 1);
    assert_eq!(restarts[0].connections, [0]);
    // `journalctl -o json` writes no such line: its entries' `_BOOT_ID` changes.
    let entry = |us: u64, boot: &str, pid: u32, msg: &str| {
        serde_json::json!({
            "__REALTIME_TIMESTAMP": us.to_string(), "_BOOT_ID": boot, "_HOSTNAME": "web1",
            "SYSLOG_IDENTIFIER": "daphne", "_PID": pid.to_string(), "MESSAGE": msg,
        })
        .to_string()
    };
    let (a, b) = (
        "0dc874d3fbd44bdbb6fbcfaa27481492",
        "7a1e2f3b4c5d6e7f8091a2b3c4d5e6f7",
    );
    let json = [
        entry(
            1709287202000000,
            a,
            4242,
            "127.0.0.1:50000 - - [01/Mar/2024:10:00:02] \"WSCONNECTING /ws/chat/1/\" - -",
        ),
        entry(
            1709287202000000,
            a,
            4242,
            "127.0.0.1:50000 - - [01/Mar/2024:10:00:02] \"WSCONNECT /ws/chat/1/\" - -",
        ),
        entry(
            1709287443000000,
            b,
            511,
            "2024-03-01 10:04:03,380 INFO     Starting server at tcp:port=8000:interface=127.0.0.1",
        ),
        entry(
            1709287470000000,
            b,
            511,
            "127.0.0.1:50100 - - [01/Mar/2024:10:04:30] \"WSCONNECTING /ws/chat/1/\" - -",
        ),
    ]
    .join("\n");
    let s = scan_text("daphne.json", &json);
    let restarts = findings_of(&s, "server.restart");
    assert_eq!(restarts.len(), 1);
    assert_eq!(restarts[0].connections, [0]);
    assert!(restarts[0].diagnosis.contains("The host rebooted"));
}

#[test]
fn a_keepalive_ping_timeout_in_websockets_exception_text_is_told_as_one() {
    // websockets 10+ writes the keepalive close as `sent 1011 (internal error) keepalive
    // ping timeout; no close frame received`, or its frame as `Close(code=1011,
    // reason='keepalive ping timeout')`: the first read as a close without a handshake,
    // the second as a consumer's server-side error "with Redis down".
    for line in [
        "websockets.exceptions.ConnectionClosedError: sent 1011 (internal error) keepalive ping timeout; no close frame received",
        "future: <Future finished exception=ConnectionClosedError(None, Close(code=1011, reason='keepalive ping timeout'), None)>",
    ] {
        let console = format!(
            "INFO:     127.0.0.1:51000 - \"WebSocket /ws/feed\" [accepted]\n\
             INFO:     connection open\n\
             {line}\n\
             INFO:     connection closed\n"
        );
        let s = scan_text("uvicorn.log", &console);
        let rules: Vec<&str> = s.analysis.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["close.abnormal"], "{line}");
        assert!(
            s.analysis.findings[0].diagnosis.contains("keepalive ping timeout"),
            "{line}"
        );
        assert_eq!(s.analysis.close_codes, [Some(1011)], "{line}");
    }
}

#[test]
fn an_http_requests_traceback_is_not_an_open_websockets() {
    // uvicorn serves both: a `POST` that answered 500 logged `Exception in ASGI
    // application` over a traceback through `protocols/http/h11_impl.py`, and the open
    // `/stream` session, the only one, took it and was broken.
    let console = "INFO:     ('172.19.0.1', 59518) - \"WebSocket /stream\" [accepted]\n\
                   INFO:     connection open\n\
                   INFO:     172.19.0.1:55524 - \"POST /wallet/import HTTP/1.1\" 500 Internal Server Error\n\
                   ERROR:    Exception in ASGI application\n\
                   Traceback (most recent call last):\n  \
                     File \"/usr/local/lib/python3.9/site-packages/uvicorn/protocols/http/h11_impl.py\", line 366, in run_asgi\n    \
                       result = await app(self.scope, self.receive, self.send)\n\
                   ValueError: bad wallet\n";
    let s = scan_text("uvicorn.log", console);
    assert!(s.analysis.findings.is_empty(), "{:?}", verdicts(&s));
    // Through the WebSocket protocol, it is the session's.
    let ws = console.replace(
        "protocols/http/h11_impl.py",
        "protocols/websockets/websockets_impl.py",
    );
    let s = scan_text("uvicorn.log", &ws);
    assert_eq!(findings_of(&s, "consumer.exception").len(), 1);
}

#[test]
fn a_line_a_second_handler_copies_with_its_logger_name_is_one_line() {
    // uvicorn's own handler and a root `basicConfig` one both print each line:
    // `INFO:     connection open` and `INFO:uvicorn.error:connection open`. The copies
    // that name no client were other sessions: one session read as two.
    let console = "INFO:     ('172.19.0.1', 59518) - \"WebSocket /stream\" [accepted]\n\
                   INFO:uvicorn.error:('172.19.0.1', 59518) - \"WebSocket /stream\" [accepted]\n\
                   INFO:     connection open\n\
                   INFO:uvicorn.error:connection open\n\
                   INFO:     connection closed\n\
                   INFO:uvicorn.error:connection closed\n";
    let s = scan_text("uvicorn.log", console);
    assert_eq!(s.correlated.connections.len(), 1);
    assert_eq!(s.correlated.connections[0].links.len(), 6);
    // One formatter's lines alike are as many sessions' (closed at a shutdown).
    let two = "INFO:     ('172.19.0.1', 59518) - \"WebSocket /a\" [accepted]\n\
               INFO:     connection open\n\
               INFO:     ('172.19.0.1', 59519) - \"WebSocket /b\" [accepted]\n\
               INFO:     connection open\n\
               INFO:     connection closed\n\
               INFO:     connection closed\n";
    let s = scan_text("uvicorn.log", two);
    assert_eq!(s.correlated.connections.len(), 2);
}

#[test]
fn a_sigkill_its_process_manager_did_not_send_points_at_the_oom_killer() {
    // supervisord's `exited: daphne (terminated by SIGKILL; not expected)` and systemd's
    // `code=killed, status=9/KILL` got the hint of a crash ("read the program's own
    // output"): nothing in it explains a SIGKILL from outside (awx-operator#1336).
    for stop in [
        "2023-04-06 14:04:47,621 WARN exited: daphne (terminated by SIGKILL; not expected)",
        "Apr 06 14:04:47 web1 systemd[1]: daphne.service: Main process exited, code=killed, status=9/KILL",
    ] {
        let s = scan_files(&[
            (
                "daphne.log",
                "127.0.0.1:40000 - - [06/Apr/2023:14:04:40] \"WSCONNECTING /ws/chat/\" - -\n\
                 127.0.0.1:40000 - - [06/Apr/2023:14:04:40] \"WSCONNECT /ws/chat/\" - -\n",
            ),
            ("manager.log", stop),
        ]);
        let restarts = findings_of(&s, "server.restart");
        assert_eq!(restarts.len(), 1, "{stop}");
        assert_eq!(restarts[0].connections, [0], "{stop}");
        assert!(restarts[0].diagnosis.starts_with("daphne was killed"), "{stop}");
        assert!(restarts[0].hint.contains("OOM killer"), "{stop}");
    }
    // A program called `webserver` serves the site: its crash loop is told.
    let s = scan_text(
        "supervisord.log",
        "2012-03-08 12:06:35,001 INFO spawned: 'webserver' with pid 7\n\
         2012-03-08 12:06:36,002 INFO exited: webserver (exit status 0; not expected)\n",
    );
    assert_eq!(findings_of(&s, "server.restart").len(), 1);
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_not_part_of_it() {
    // A file saved by a Windows editor: the mark before its first line was read as part
    // of the client's address, the handshake's line another client's, and that client's
    // session a Daphne handshake timeout.
    let s = scan_text(
        "daphne.log",
        "\u{feff}127.0.0.1:40000 - - [01/Mar/2024:10:00:01] \"WSCONNECTING /ws/chat/1/\" - -\r\n\
         127.0.0.1:40000 - - [01/Mar/2024:10:00:01] \"WSCONNECT /ws/chat/1/\" - -\r\n\
         127.0.0.1:40000 - - [01/Mar/2024:10:00:09] \"WSDISCONNECT /ws/chat/1/\" - -\r\n",
    );
    assert_eq!(verdicts(&s), [r#"127.0.0.1:40000 /ws/chat/1/ Healthy []"#]);
}

#[test]
fn websockets_debug_request_line_is_the_first_line_of_its_session() {
    // uvicorn --ws websockets --log-level debug: the library's `< GET /ws/quiet/ HTTP/1.1`
    // comes before uvicorn's `[accepted]`, which joins it as the next step on its path
    // (one session, not two); a paste cut before `[accepted]` still shows the session.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/close-abnormal-uvicorn-ping-timeout-debug-websockets/uvicorn.log");
    let s = scan_text("uvicorn.log", &std::fs::read_to_string(path).unwrap());
    assert_eq!(
        verdicts(&s),
        [r#"127.0.0.1:37344 /ws/quiet/ Degraded ["close.abnormal"]"#]
    );
    let first = s.correlated.connections[0].links[0].event;
    assert_eq!(
        s.packs.pattern(s.events[first].at).id,
        "uvicorn.ws-debug-request"
    );
    let cut = "DEBUG:    = connection is CONNECTING\nDEBUG:    < GET /chat/ HTTP/1.1\nDEBUG:    < host: 127.0.0.1:7860\n";
    let s = scan_text("uvicorn.log", cut);
    assert_eq!(s.correlated.connections.len(), 1);
    assert_eq!(s.correlated.connections[0].path.as_deref(), Some("/chat/"));
}

#[test]
fn granians_exception_in_a_websockets_code_is_the_applications() {
    // paperless-ngx and codex serve Channels on Granian: `Application callable raised an
    // exception` over a traceback through channels' WebSocket code was in no pack. An
    // HTTP view's exception under the same words is no WebSocket finding.
    let ws = "[2025-06-01 10:03:09,345] [ERROR] [_granian.utils] Application callable raised an exception\n\
              Traceback (most recent call last):\n  \
              File \"/usr/local/lib/python3.12/site-packages/channels/routing.py\", line 48, in __call__\n    \
              return await application(scope, receive, send)\n  \
              File \"/usr/local/lib/python3.12/site-packages/channels/security/websocket.py\", line 37, in __call__\n    \
              return await self.application(scope, receive, send)\n\
              ValueError: boom\n";
    let rules = |text: &str| -> Vec<&'static str> {
        scan_text("granian.log", text)
            .analysis
            .findings
            .iter()
            .map(|f| f.rule)
            .collect()
    };
    assert_eq!(rules(ws), ["consumer.exception"]);
    let http = ws.replace("channels/security/websocket.py", "app/views.py");
    assert!(rules(&http).is_empty());
}

#[test]
fn gunicorns_newer_worker_signal_line_names_the_sessions_its_worker_served() {
    // gunicorn 21+ writes `Worker with pid 44 was terminated due to signal 9` where older
    // versions wrote `Worker (pid:44) was sent SIGKILL!`: in no pack, a worker killed
    // under open WebSockets went unreported.
    let log = "[2024-05-02 09:12:00 +0000] [44] [INFO] 10.0.0.5:51000 - \"WebSocket /ws/feed/\" [accepted]\n\
               [2024-05-02 09:12:00 +0000] [44] [INFO] connection open\n\
               [2024-05-02 09:12:41 +0000] [7] [ERROR] Worker with pid 44 was terminated due to signal 9\n\
               [2024-05-02 09:12:42 +0000] [51] [INFO] Booting worker with pid: 51\n";
    let s = scan_text("gunicorn.log", log);
    let told: Vec<(usize, String)> = findings_of(&s, "server.restart")
        .iter()
        .map(|f| (f.connections.len(), f.diagnosis.clone()))
        .collect();
    assert_eq!(
        told,
        [(
            1,
            "gunicorn's worker 44 was ended by signal 9: the WebSockets it served were dropped."
                .to_string()
        )]
    );
}

#[test]
fn a_redis_read_timeout_is_not_said_to_be_redis_down() {
    // redis-py 8 made `socket_timeout` default to 5 s: the channel layer's blocking
    // receive on an idle consumer times out while Redis is fine (channels_redis#422).
    // logweave said "could not use Redis" and "check Redis is running".
    let s = scan_text(
        "daphne.log",
        "2026-06-02 13:16:35,717 INFO     127.0.0.1:55380 - - [02/Jun/2026:13:16:35] \"WSCONNECT /ws/progress/\" - -\n\
         2026-06-02 13:16:41,633 ERROR    Exception inside application: Timeout reading from redis:6379\n\
         Traceback (most recent call last):\n\
         \x20 File \"/venv/lib/python3.12/site-packages/channels_redis/core.py\", line 369, in receive\n\
         \x20   message_channel, message = await self.receive_single(\n\
         redis.exceptions.TimeoutError: Timeout reading from redis:6379\n\
         2026-06-02 13:16:41,640 INFO     127.0.0.1:55380 - - [02/Jun/2026:13:16:41] \"WSDISCONNECT /ws/progress/\" - -\n\
         2026-06-02 13:17:02,001 ERROR    Exception inside application: Error 111 connecting to redis:6379. Connection refused.\n",
    );
    let told: Vec<(&str, &str)> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule == "channel-layer.down")
        .map(|f| (f.diagnosis.as_str(), f.hint.as_str()))
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    let timeout = told
        .iter()
        .find(|t| t.0.contains("timed out"))
        .expect("the timeout");
    assert!(
        timeout.0.contains("Timeout reading from redis:6379"),
        "{told:?}"
    );
    assert!(timeout.1.contains("socket_timeout"), "{told:?}");
    assert!(!timeout.0.contains("could not use Redis"), "{told:?}");
    // A refused connection is still Redis down.
    assert!(
        told.iter()
            .any(|t| t.0.contains("could not use Redis: Error 111")),
        "{told:?}"
    );
}

#[test]
fn daphne_dropping_a_connection_for_a_protocol_violation_is_an_abnormal_close() {
    // autobahn's `I dropped the WebSocket TCP connection: RSV = 4 and no extension
    // negotiated` (daphne#221, Apache in front) matched nothing: the session read healthy.
    let s = scan_text(
        "daphne.log",
        "2018-08-09 10:00:00,100 INFO     127.0.0.1:38118 - - [09/Aug/2018:10:00:00] \"WSCONNECTING /ws/chat/\" - -\n\
         2018-08-09 10:00:00,120 INFO     127.0.0.1:38118 - - [09/Aug/2018:10:00:00] \"WSCONNECT /ws/chat/\" - -\n\
         2018-08-09 10:00:01,000 WARNING  dropping connection to peer tcp4:127.0.0.1:38118 with abort=True: I dropped the WebSocket TCP connection: RSV = 4 and no extension negotiated\n\
         2018-08-09 10:00:01,010 INFO     127.0.0.1:38118 - - [09/Aug/2018:10:00:01] \"WSDISCONNECT /ws/chat/\" - -\n",
    );
    assert_eq!(s.correlated.connections.len(), 1);
    let told = rules_and_diagnoses(&s);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "close.abnormal");
    assert!(told[0].1.contains("RSV = 4"), "{told:?}");
    assert_eq!(s.analysis.findings[0].connections, [0]);
}

/// Daphne's session on `/ws/progress/` from `port`, accepted at 13:16:35.
fn daphne_session(port: u32) -> String {
    format!(
        "2026-06-02 13:16:35,682 INFO     127.0.0.1:{port} - - [02/Jun/2026:13:16:35] \"WSCONNECTING /ws/progress/\" - -\n\
         2026-06-02 13:16:35,717 INFO     127.0.0.1:{port} - - [02/Jun/2026:13:16:35] \"WSCONNECT /ws/progress/\" - -\n"
    )
}

const KEYLESS_EXCEPTION: &str = "2026-06-02 13:16:41,633 ERROR    Exception inside application: Timeout reading from localhost:6379\n\
    Traceback (most recent call last):\n\
    \x20 File \"/venv/lib/python3.12/site-packages/redis/_parsers/base.py\", line 578, in _readline\n\
    \x20   data = await self._stream.readline()\n\
    redis.exceptions.TimeoutError: Timeout reading from localhost:6379\n";

#[test]
fn a_keyless_exception_under_the_one_open_session_is_that_sessions() {
    // A paste that ends at Daphne's traceback, six seconds after the only session's
    // CONNECT (channels_redis#422): the session read "open" and the exception became a
    // connection of its own, "(no path)".
    let text = format!("{}{KEYLESS_EXCEPTION}", daphne_session(55380));
    let s = scan_text("daphne.log", &text);
    assert_eq!(s.correlated.connections.len(), 1);
    assert_eq!(s.analysis.verdicts[0].name(), "broken");
    let rules: Vec<&str> = s.analysis.by_connection[0]
        .iter()
        .map(|&f| s.analysis.findings[f].rule)
        .collect();
    // (Daphne's `Exception inside application` line is the channel layer's Redis
    // timeout: told once, by the rule that names it.)
    assert_eq!(rules, ["channel-layer.down"]);

    // Closed seconds after it, the session lived on past the exception (Daphne closes
    // the one it broke at once): not its, and not a connection either.
    let text = format!(
        "{}{KEYLESS_EXCEPTION}2026-06-02 13:16:47,000 INFO     127.0.0.1:55380 - - [02/Jun/2026:13:16:47] \"WSDISCONNECT /ws/progress/\" - -\n",
        daphne_session(55380)
    );
    let s = scan_text("daphne.log", &text);
    assert_eq!(s.correlated.connections.len(), 1);
    assert_eq!(s.analysis.verdicts[0].name(), "healthy");
    assert!(s.analysis.findings.iter().all(|f| f.connections.is_empty()));

    // Two open: which one is not known; neither takes it.
    let text = format!(
        "{}{}{KEYLESS_EXCEPTION}",
        daphne_session(55380),
        daphne_session(55381)
    );
    let s = scan_text("daphne.log", &text);
    let with_path: Vec<&str> = s
        .correlated
        .connections
        .iter()
        .filter(|c| c.path.is_some())
        .map(|c| c.client.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(with_path, ["127.0.0.1:55380", "127.0.0.1:55381"]);
    for (ci, c) in s.correlated.connections.iter().enumerate() {
        if c.path.is_some() {
            assert_eq!(s.analysis.verdicts[ci].name(), "open", "{:?}", c.client);
        }
    }
}

#[test]
fn a_stop_line_written_twice_is_one_stop_but_two_hosts_stops_are_two() {
    // A log two handlers write holds each line twice (AWX's supervisord): the stop
    // counted twice.
    let line =
        "2025-06-16 21:30:00,931 INFO exited: daphne (terminated by SIGKILL; not expected)\n";
    let text = format!(
        "2025-06-16 21:29:00,100 INFO success: daphne entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)\n{line}{line}"
    );
    let s = scan_text("supervisord.log", &text);
    let told = rules_and_evidence(&s);
    assert_eq!(told, [("server.restart", 2)]);
    // The same words from two hosts of one journal are two servers' stops.
    let s = scan_text(
        "journal.log",
        "Mar 12 05:56:29 web1 systemd[1]: daphne.service: Main process exited, code=killed, status=9/KILL\n\
         Mar 12 05:56:29 web2 systemd[1]: daphne.service: Main process exited, code=killed, status=9/KILL\n",
    );
    let told = rules_and_evidence(&s);
    assert_eq!(told, [("server.restart", 1), ("server.restart", 1)]);
}

#[test]
fn aioredis_reader_at_end_of_file_is_redis_down() {
    // aioredis 1.x (channels_redis 2.x) says only `Reader at end of file` when Redis
    // closes its socket, and Daphne writes it without the exception's class
    // (channels#1288, daphne#262): read as any consumer's exception, it named no Redis.
    let s = scan_text(
        "daphne.log",
        "2019-04-26 13:42:50,253 ERROR    Exception inside application: Reader at end of file\n\
         \x20 File \"/usr/lib/python3.5/asyncio/tasks.py\", line 241, in _step\n\
         \x20   result = coro.throw(exc)\n",
    );
    assert_eq!(
        diagnoses_of(&s, "channel-layer.down"),
        ["The channel layer could not use Redis: Reader at end of file"]
    );
}

#[test]
fn a_close_with_1012_is_a_server_restart_told_once_with_the_stop() {
    // 1012 is "service restart": a session a restart cut, read as a clean close, looked
    // healthy (authentik#11090). Where the server's stop line names the sessions too,
    // the stop is told once, not once more per session.
    let session = |room: &str, close: &str| {
        format!(
            "INFO:     127.0.0.1:0 - \"WebSocket /ws/echo/{room}/\" [accepted]\n\
             INFO:     connection open\n\
             2026-11-27 12:45:37,075 [INFO] rtsite.consumers: connected room={room}\n{close}"
        )
    };
    let lone = scan_text(
        "uvicorn.log",
        &session(
            "lobby",
            "2026-11-27 12:45:39,794 [INFO] rtsite.consumers: disconnected code=1012\n",
        ),
    );
    assert_eq!(rules_and_evidence(&lone), [("server.restart", 1)]);
    assert_eq!(lone.analysis.findings[0].connections.len(), 1);
    // A real uvicorn stack stopped with four sessions open: each consumer logged 1012.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real-stack-uvicorn-workers");
    let files: Vec<(String, String)> = ["uvicorn.log", "supervisord.log", "nginx-access.log"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read_to_string(dir.join(n)).unwrap()))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let s = scan_files(&refs);
    let restarts: Vec<&Vec<usize>> = s
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule == "server.restart")
        .map(|f| &f.connections)
        .collect();
    let cut_by_a_stop: Vec<usize> = restarts
        .iter()
        .filter(|c| c.len() > 1)
        .flat_map(|c| c.iter().copied())
        .collect();
    assert!(!cut_by_a_stop.is_empty(), "{restarts:?}");
    for c in &restarts {
        assert!(
            c.len() > 1 || !cut_by_a_stop.contains(&c[0]),
            "a session the stop names is told again alone: {restarts:?}"
        );
    }
}

#[test]
fn a_redis_failure_under_a_json_logs_error_key_is_redis_down() {
    // structlog and zap write the cause under `error`: json-log kept only the message,
    // and the Redis failure fired nothing.
    let s = scan_text(
        "app.log",
        "{\"event\":\"channel layer receive failed\",\"error\":\"Error 111 connecting to redis:6379. Connection refused.\",\"level\":\"error\",\"timestamp\":\"2024-08-25T20:53:23Z\",\"logger\":\"chat.consumers\"}\n",
    );
    assert_eq!(
        diagnoses_of(&s, "channel-layer.down"),
        ["The channel layer could not use Redis: Error 111 connecting to redis:6379. Connection refused."]
    );
}

#[test]
fn systemd_failing_to_start_the_server_is_told_but_not_another_units_failure() {
    // `Failed at step EXEC spawning` (status 203/EXEC: a wrong ExecStart= path,
    // essarch#1922) and `Failed to start <Description>.` (uvicorn#678) said nothing.
    let s = scan_text(
        "journal.log",
        "Mar 24 10:02:59 essarch-centos systemd[107202]: daphneessarch.service: Failed at step EXEC spawning /ESSArch/pd/python/bin/daphne: No such file or directory\n\
         Mar 24 10:03:09 essarch-centos systemd[107300]: postgresql.service: Failed at step EXEC spawning /usr/lib/postgresql/bin/postgres: No such file or directory\n\
         May 19 10:18:25 ubuntu-2cpu-4gb-de-fra1 systemd[1]: Failed to start Uvicorn systemd service..\n\
         May 19 10:18:26 ubuntu-2cpu-4gb-de-fra1 systemd[1]: Failed to start PostgreSQL database server.\n",
    );
    let told = rules_and_diagnoses(&s);
    assert_eq!(
        told,
        [
            (
                "server.restart",
                "systemd could not start daphneessarch: step EXEC failed for /ESSArch/pd/python/bin/daphne (No such file or directory)."
            ),
            (
                "server.restart",
                "systemd could not start Uvicorn systemd service."
            ),
        ]
    );
}

#[test]
fn caddys_json_access_and_error_lines_are_read_as_a_proxys() {
    // Read as a plain JSON log, Caddy's line said `handled request`: no path, no status.
    // A redirect answering a handshake (betterdesk#294) fails it in a browser.
    let s = scan_text(
        "caddy.log",
        "{\"level\":\"info\",\"ts\":1785329470.7539737,\"logger\":\"http.log.access.log16\",\"msg\":\"handled request\",\"request\":{\"remote_ip\":\"92.70.140.81\",\"remote_port\":\"54248\",\"client_ip\":\"92.70.140.81\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"betterdesk.example.com\",\"uri\":\"/ws/id\",\"headers\":{\"Connection\":[\"Upgrade\"],\"Upgrade\":[\"websocket\"]}},\"bytes_read\":0,\"user_id\":\"\",\"duration\":0.000052385,\"size\":0,\"status\":308}\n\
         {\"level\":\"error\",\"ts\":1785329480.1,\"logger\":\"http.log.error\",\"msg\":\"dial tcp 127.0.0.1:8000: connect: connection refused\",\"request\":{\"remote_ip\":\"203.0.113.7\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"uri\":\"/ws/chat/1/\",\"headers\":{\"Upgrade\":[\"websocket\"]}},\"duration\":0.001,\"status\":502}\n\
         {\"level\":\"info\",\"ts\":1785329490.5,\"logger\":\"http.log.access.log16\",\"msg\":\"handled request\",\"request\":{\"remote_ip\":\"203.0.113.7\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"uri\":\"/ws/chat/1/\",\"headers\":{\"Upgrade\":[\"websocket\"]}},\"duration\":35.2,\"size\":2345,\"status\":101}\n",
    );
    assert_eq!(s.ingested.inputs[0].format, "caddy-json");
    let mut paths: Vec<&str> = s
        .correlated
        .connections
        .iter()
        .map(|c| c.path.as_deref().unwrap_or("-"))
        .collect();
    paths.sort();
    assert_eq!(paths, ["/ws/chat/1/", "/ws/chat/1/", "/ws/id"]);
    assert_eq!(
        rules_and_evidence(&s),
        [("handshake.rejected", 1), ("upstream.down", 1)]
    );
}

#[test]
fn a_clients_refused_handshake_is_told_by_its_status() {
    // The browser's console and the client libraries name the status the server or a
    // proxy answered instead of 101 (awx#14885, prefect#20775): nothing read them.
    let s = scan_text(
        "client.log",
        "2024-02-15 19:20:57,001 ERROR    WebSocket connection to 'ws://127.0.0.1:8000/ws/chat/lobby/' failed: Error during WebSocket handshake: Unexpected response code: 404\n\
         2024-02-15 19:21:57,043 WARNING  [-] awx.main.wsrelay Connection from awx-task-d5465549d-h8jbq to 10.42.0.104 failed for unknown reason: '403, message='Invalid response status', url=URL('http://10.42.0.104:8052/websocket/relay/')'.\n\
         2024-02-15 19:22:57,100 ERROR    websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 500\n\
         2024-02-15 19:23:57,100 ERROR    Error: Unexpected server response: 502\n",
    );
    let told = rules_and_paths(&s);
    assert_eq!(
        told,
        [
            ("handshake.not-routed", Some("/ws/chat/lobby/")),
            ("handshake.rejected", Some("/websocket/relay/")),
            ("handshake.server-error", None),
            ("upstream.down", None),
        ]
    );
}

#[test]
fn apaches_error_log_and_dmesg_t_are_read_with_their_times() {
    // Apache's error log (mod_proxy_wstunnel's AH codes) and `dmesg -T` were all
    // "unknown": no time, and nothing said the module was missing or the server down.
    let s = scan_files(&[
        (
            "error.log",
            "[Sat May 02 14:28:52.946893 2015] [proxy:warn] [pid 15457] [client 192.168.2.145:49641] AH01144: No protocol handler was valid for the URL /ws/chat/lobby/. If you are using a DSO version of mod_proxy, make sure the proxy submodules are included in the configuration using LoadModule.\n\
             [Sat May 02 14:30:00.100000 2015] [proxy:error] [pid 15457:tid 140] (111)Connection refused: AH00957: WS: attempt to connect to 127.0.0.1:8000 (127.0.0.1) failed\n",
        ),
        (
            "dmesg.txt",
            "[Sat May  2 14:29:59 2015] Out of memory: Killed process 1483 (daphne) total-vm:116345136kB, anon-rss:3558264kB\n",
        ),
    ]);
    let formats: Vec<&str> = s.ingested.inputs.iter().map(|i| i.format).collect();
    assert_eq!(formats, ["apache-error", "dmesg-T"]);
    let told: Vec<(&str, String)> = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.ts.map(|t| t.to_rfc3339()).unwrap_or_default()))
        .collect();
    assert_eq!(
        told,
        [
            (
                "handshake.no-upgrade",
                "2015-05-02T14:28:52.946893+00:00".into()
            ),
            ("server.restart", "2015-05-02T14:29:59+00:00".into()),
            ("upstream.down", "2015-05-02T14:30:00.100+00:00".into()),
        ]
    );
}

#[test]
fn a_restart_loop_and_supervisorctls_spawn_error_are_a_server_that_cannot_stay_up() {
    // A restart counter of 137601 with the exits out of view (tacticalrmm#1303), and
    // supervisorctl's answers pasted from a deploy's output (openwisp#520), said nothing.
    // Told once per loop, and only of a server's program.
    let s = scan_text(
        "journal.log",
        "Oct 07 19:13:31 tactical-server systemd[1]: daphne.service: Scheduled restart job, restart counter is at 137600.\n\
         Oct 07 19:13:41 tactical-server systemd[1]: daphne.service: Scheduled restart job, restart counter is at 137601.\n\
         Oct 07 19:13:45 tactical-server systemd[1]: celery.service: Scheduled restart job, restart counter is at 52.\n\
         Oct 07 19:14:00 tactical-server sh[99]: daphne:asgi0: ERROR (spawn error)\n\
         Oct 07 19:14:01 tactical-server sh[99]: daphne                           FATAL     Exited too quickly (process log may have details)\n",
    );
    let told: Vec<(&str, &str, usize)> = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.diagnosis.as_str(), f.evidence.len()))
        .collect();
    assert_eq!(
        told,
        [
            (
                "server.restart",
                "systemd keeps restarting daphne (its restart counter was at 137600): it dies soon after each start.",
                2
            ),
            (
                "server.restart",
                "supervisorctl could not keep daphne:asgi0 running (spawn error).",
                1
            ),
            (
                "server.restart",
                "supervisorctl could not keep daphne running (Exited too quickly (process log may have details)).",
                1
            ),
        ]
    );
}

#[test]
fn the_browsers_failed_line_without_a_status_is_a_failed_handshake_until_a_cause_is_named() {
    // Chrome since 2021 prints no status (hunt 25: a React app's console beside Daphne's
    // REJECT); Firefox words it its own way; a refused connection is the server down.
    let s = scan_text(
        "console.log",
        "2026-11-20 12:00:00,000 ERROR    UnifiedChatContext.jsx:323 WebSocket connection to 'ws://localhost:8000/ws/chat/' failed\n\
         2026-11-20 12:01:00,000 ERROR    Firefox can’t establish a connection to the server at ws://127.0.0.1:8000/ws/room/.\n\
         2026-11-20 12:02:00,000 ERROR    WebSocket connection to 'ws://127.0.0.1:8000/ws/lobby/' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED\n",
    );
    let told = rules_and_paths(&s);
    assert_eq!(
        told,
        [
            ("handshake.rejected", Some("/ws/chat/")),
            ("handshake.rejected", Some("/ws/room/")),
            ("upstream.down", Some("/ws/lobby/")),
        ]
    );
}

#[test]
fn haproxys_http_log_is_read_as_a_proxys_with_its_termination_state() {
    // HAProxy's lines were "unknown" or plain: its tunnel cut for silence (`cD`), its
    // refused connect (`SC`, <NOSRV>) and its health check's DOWN said nothing, and its
    // 101 joined no server line.
    let s = scan_files(&[
        (
            "haproxy.log",
            "Nov 25 10:01:05 lb1 haproxy[2211]: 203.0.113.7:50110 [25/Nov/2026:10:00:05.120] http-in ws_back/daphne1 0/0/1/3/60004 101 1290 - - cD-- 3/3/2/2/0 0/0 \"GET /ws/chat/lobby/ HTTP/1.1\"\n\
             Nov 25 10:02:00 lb1 haproxy[2211]: Server ws_back/daphne1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue.\n\
             Nov 25 10:02:03 lb1 haproxy[2211]: 198.51.100.4:41000 [25/Nov/2026:10:02:03.500] http-in ws_back/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 2/2/0/0/0 0/0 \"GET /ws/chat/lobby/ HTTP/1.1\"\n\
             Nov 25 10:03:10 lb1 haproxy[2211]: 198.51.100.9:41100 [25/Nov/2026:10:03:00.000] http-in ws_back/daphne1 0/0/0/2/10250 101 420 - - ---- 2/2/1/1/0 0/0 \"GET /ws/notifications/ HTTP/1.1\"\n",
        ),
        (
            "daphne.log",
            "10.0.0.2:0 - - [25/Nov/2026:10:00:05] \"WSCONNECTING /ws/chat/lobby/\" - -\n\
             10.0.0.2:0 - - [25/Nov/2026:10:00:05] \"WSCONNECT /ws/chat/lobby/\" - -\n\
             10.0.0.2:0 - - [25/Nov/2026:10:01:05] \"WSDISCONNECT /ws/chat/lobby/\" - -\n\
             10.0.0.2:0 - - [25/Nov/2026:10:03:00] \"WSCONNECTING /ws/notifications/\" - -\n\
             10.0.0.2:0 - - [25/Nov/2026:10:03:00] \"WSCONNECT /ws/notifications/\" - -\n\
             10.0.0.2:0 - - [25/Nov/2026:10:03:10] \"WSDISCONNECT /ws/notifications/\" - -\n",
        ),
    ]);
    let mut ids: Vec<String> = s
        .events
        .iter()
        .map(|e| s.packs.pattern(e.at).id.to_string())
        .filter(|id| id.starts_with("haproxy."))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "haproxy.connect-failed",
            "haproxy.server-down",
            "haproxy.ws-101",
            "haproxy.ws-101",
            "haproxy.ws-idle"
        ]
    );
    // Each tunnel joins the server's session it carried (the cut one's line is two
    // events: a tunnel's end and its timeout); the refused one stands alone.
    let conns: Vec<(&str, usize)> = s
        .correlated
        .connections
        .iter()
        .map(|c| (c.path.as_deref().unwrap_or("-"), c.links.len()))
        .collect();
    assert_eq!(
        conns,
        [
            ("/ws/chat/lobby/", 5),
            ("/ws/chat/lobby/", 1),
            ("/ws/notifications/", 4)
        ]
    );
    assert_eq!(
        rules_and_paths(&s),
        [
            ("close.idle-timeout", Some("/ws/chat/lobby/")),
            ("upstream.down", None),
            ("upstream.down", Some("/ws/chat/lobby/")),
        ]
    );
    assert!(diagnoses_of(&s, "close.idle-timeout")[0].contains("after 60004 ms"));
}

#[test]
fn websockets_10s_unexpected_error_keepalive_timeout_is_not_a_healthy_close() {
    // websockets 10.x names 1011 `unexpected error`: only `internal error` was read, and
    // a session its ping timeout closed read healthy.
    let s = scan_text(
        "uvicorn.log",
        "INFO:     127.0.0.1:52831 - \"WebSocket /ws/chat/\" [accepted]\n\
         INFO:     connection open\n\
         websockets.exceptions.ConnectionClosedError: sent 1011 (unexpected error) keepalive ping timeout; no close frame received\n\
         INFO:     connection closed\n",
    );
    assert_eq!(rules_and_paths(&s), [("close.abnormal", Some("/ws/chat/"))]);
    assert!(diagnoses_of(&s, "close.abnormal")[0].contains("keepalive ping timeout"));
}

#[test]
fn traefiks_duration_in_milliseconds_dates_the_session_it_ended() {
    // Traefik's `common` access log ends with `60012ms`: read as no length at all, its
    // 101 joined the session only by the server's close, not by when it began (hunt 26).
    // (A minute's length is not read as an idle cut there, as nginx's `60.012` is.)
    let s = scan_files(&[
        (
            "traefik.log",
            "192.168.1.20 - - [10/Feb/2026:10:01:33 +0000] \"GET /ws/chat/ HTTP/1.1\" 101 4 \"-\" \"Mozilla/5.0\" 16 \"chat@docker\" \"http://172.18.0.3:8000\" 60012ms\n",
        ),
        (
            "daphne.log",
            "172.18.0.2:41250 - - [10/Feb/2026:10:00:33] \"WSCONNECTING /ws/chat/\" - -\n\
             172.18.0.2:41250 - - [10/Feb/2026:10:00:33] \"WSCONNECT /ws/chat/\" - -\n\
             172.18.0.2:41250 - - [10/Feb/2026:10:01:33] \"WSDISCONNECT /ws/chat/\" - -\n",
        ),
    ]);
    assert_eq!(s.correlated.connections.len(), 1);
    let links = &s.correlated.connections[0].links;
    assert_eq!(links.len(), 4);
    let proxy = links
        .iter()
        .find(|l| s.events[l.event].stage == logweave::pattern::Stage::Proxy)
        .unwrap();
    assert_eq!(proxy.key(), "request_time");
    assert_eq!(
        s.events[proxy.event].request_span(),
        Some(chrono::Duration::milliseconds(60012))
    );
}

#[test]
fn an_applications_own_refusal_of_a_websockets_token_names_the_403s_cause() {
    // uvicorn's 403 said only "the application closed before accept()": the app's line
    // right above it in the same millisecond said why (OpenMates#62).
    let s = scan_text(
        "app.log",
        "{\"timestamp\": \"2025-06-18 09:46:47,223\", \"name\": \"app.routes.auth_ws\", \"level\": \"WARNING\", \"message\": \"WebSocket connection denied: Invalid or expired token (not found in cache for token ending ...jka9y8).\"}\n\
         {\"timestamp\": \"2025-06-18 09:46:47,223\", \"name\": \"uvicorn.error\", \"level\": \"INFO\", \"message\": \"('104.28.129.23', 0) - \\\"WebSocket /v1/ws\\\" 403\"}\n\
         {\"timestamp\": \"2025-06-18 09:47:01,001\", \"name\": \"app.routes.auth_ws\", \"level\": \"WARNING\", \"message\": \"Rejecting websocket connection: missing token\"}\n\
         {\"timestamp\": \"2025-06-18 09:47:01,002\", \"name\": \"uvicorn.error\", \"level\": \"INFO\", \"message\": \"('104.28.129.23', 0) - \\\"WebSocket /v1/ws\\\" 403\"}\n",
    );
    assert_eq!(
        rules_and_paths(&s),
        [
            ("auth.rejected", Some("/v1/ws")),
            ("auth.token-missing", Some("/v1/ws"))
        ]
    );
    assert_eq!(
        diagnoses_of(&s, "auth.rejected"),
        ["The application refused the WebSocket's credentials: Invalid or expired token (not found in cache for token ending ...jka9y8)."]
    );
}

#[test]
fn websockets_9s_debug_verdicts_after_a_bang_close_their_session() {
    // websockets before 10.0 wrote `! timed out waiting for pong` and `! failing ...
    // 1011` in its debug log: nothing read them, and the session was not found at all
    // (private-chat#67) or left open (pwnagotchi#43).
    let s = scan_text(
        "app.log",
        "2020-09-04 07:58:40,000 DEBUG server - received solicited pong: 76786768\n\
         2020-09-04 07:58:44,000 DEBUG server ! timed out waiting for pong\n\
         2020-09-04 07:58:44,001 DEBUG server ! failing WebSocket connection in the OPEN state: 1011 [no reason]\n",
    );
    assert_eq!(rules_and_paths(&s), [("close.abnormal", None)]);
    assert!(diagnoses_of(&s, "close.abnormal")[0].contains("timed out waiting for pong"));
    let s = scan_text(
        "client.log",
        "[2020-04-08 08:14:25,124] [DEBUG] client - received ping, sending pong: [empty]\n\
         [2020-04-08 08:14:25,321] [DEBUG] client ! failing OPEN WebSocket connection with code 1006\n",
    );
    assert_eq!(rules_and_paths(&s), [("close.abnormal", None)]);
    assert_eq!(s.analysis.close_codes, [Some(1006)]);
}

#[test]
fn envoys_and_istios_access_lines_are_a_proxys_with_their_flags_and_duration() {
    // An Istio sidecar's line was read as an nginx layout of the site's own (`101 -` as
    // status and bytes): no duration, no flags, so the tunnel joined no server session
    // and a 503 with `UF` said only "5xx".
    let s = scan_files(&[
        (
            "istio-proxy.log",
            "[2026-11-25T10:00:05.120Z] \"GET /ws/chat/lobby/ HTTP/1.1\" 101 SI via_upstream - \"-\" 0 1290 300004 2 \"203.0.113.7\" \"Mozilla/5.0\" \"84961386\" \"app.example.com\" \"10.44.1.27:8000\"\n\
             [2026-11-25T10:06:03.500Z] \"GET /ws/chat/lobby/ HTTP/1.1\" 503 UF,URX upstream_reset_before_response_started{connection_failure} - \"-\" 0 91 2 - \"198.51.100.4\" \"Mozilla/5.0\" \"9f1c\" \"app.example.com\" \"10.44.1.27:8000\"\n",
        ),
        (
            "daphne.log",
            "10.44.1.5:0 - - [25/Nov/2026:10:00:05] \"WSCONNECTING /ws/chat/lobby/\" - -\n\
             10.44.1.5:0 - - [25/Nov/2026:10:00:05] \"WSCONNECT /ws/chat/lobby/\" - -\n\
             10.44.1.5:0 - - [25/Nov/2026:10:05:05] \"WSDISCONNECT /ws/chat/lobby/\" - -\n",
        ),
    ]);
    assert_eq!(s.ingested.inputs[0].format, "envoy-access");
    assert_eq!(links_per_connection(&s), [5, 1]);
    assert_eq!(
        rules_and_paths(&s),
        [
            ("close.idle-timeout", Some("/ws/chat/lobby/")),
            ("upstream.down", Some("/ws/chat/lobby/")),
        ]
    );
    assert!(diagnoses_of(&s, "upstream.down")[0].contains("flags UF,URX"));
}

#[test]
fn an_albs_websocket_entries_date_their_session_and_tell_its_idle_cut_and_a_502() {
    // An Application Load Balancer's access log (its `ws`/`wss` entries) was "unknown":
    // the minute after which the ALB's default idle timeout cut a session, and its 502
    // for a target that did not answer, said nothing.
    let s = scan_files(&[
        (
            "alb.log",
            "wss 2026-11-25T10:01:05.124518Z app/web-lb/50dc6c495c0c9188 203.0.113.7:55012 10.0.1.17:8000 0.001 0.002 0.000 101 101 345 12 \"GET https://app.example.com:443/ws/chat/lobby/ HTTP/1.1\" \"Mozilla/5.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\" \"app.example.com\" \"-\" 0 2026-11-25T10:00:05.120000Z \"forward\" \"-\" \"-\" \"10.0.1.17:8000\" \"101\" \"-\" \"-\"\n\
             ws 2026-11-25T10:02:03.500000Z app/web-lb/50dc6c495c0c9188 198.51.100.4:41000 - -1 -1 -1 502 - 120 272 \"GET http://app.example.com:80/ws/chat/lobby/ HTTP/1.1\" \"Mozilla/5.0\" - - - \"Root=1-5\" \"-\" \"-\" 0 2026-11-25T10:02:03.499000Z \"forward\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\"\n",
        ),
        (
            "daphne.log",
            "10.0.1.5:0 - - [25/Nov/2026:10:00:05] \"WSCONNECTING /ws/chat/lobby/\" - -\n\
             10.0.1.5:0 - - [25/Nov/2026:10:00:05] \"WSCONNECT /ws/chat/lobby/\" - -\n\
             10.0.1.5:0 - - [25/Nov/2026:10:01:05] \"WSDISCONNECT /ws/chat/lobby/\" - -\n",
        ),
    ]);
    assert_eq!(s.ingested.inputs[0].format, "alb-access");
    assert_eq!(links_per_connection(&s), [5, 1]);
    assert_eq!(
        rules_and_paths(&s),
        [
            ("close.idle-timeout", Some("/ws/chat/lobby/")),
            ("upstream.down", Some("/ws/chat/lobby/")),
        ]
    );
    assert!(diagnoses_of(&s, "close.idle-timeout")[0].contains("lasted 60.004 s"));
}

#[test]
fn envoys_access_lines_inside_compose_output_are_read_as_envoys() {
    // A real compose log of an Envoy container (hunt 28): read as the container's output
    // in Python's bracketed-time layout, no WebSocket was found; its `SI` line is an
    // idle cut after 413 s.
    let s = scan_text(
        "compose.log",
        "envoy-1  | 2024-07-21T08:33:12.906672966Z [2024-07-21T08:32:59.547Z] \"GET /ws HTTP/1.1\" 101 DC downstream_remote_disconnect 61 105 13342 - \"-\" \"-\" \"e5248829-b318-443a-a763-e2460530f070\" \"localhost:8000\" \"192.168.5.2:8080\"\n\
         envoy-1  | 2024-07-21T09:18:26.815973385Z [2024-07-21T09:11:33.481Z] \"GET /ws HTTP/1.1\" 101 SI stream_idle_timeout 100 154 413322 - \"-\" \"-\" \"8a458ce2-bb8d-4e80-a305-f323bbab338f\" \"localhost:8000\" \"192.168.5.2:8080\"\n",
    );
    assert_eq!(s.correlated.connections.len(), 2);
    assert_eq!(rules_and_paths(&s), [("close.idle-timeout", Some("/ws"))]);
    assert!(diagnoses_of(&s, "close.idle-timeout")[0].contains("after 413322 ms"));
}

/// A server that cannot load its ASGI application dies at start, and its process manager
/// says only that it exited: the traceback above says why, and that is the finding a user
/// needs (a settings module not set, models imported before Django was set up, a module
/// missing from the virtualenv, uvicorn's wrong `module:attribute`). Before, a restart
/// finding alone told them to go and read it.
#[test]
fn a_server_that_cannot_load_its_application_is_told_why_not_only_that_it_exited() {
    let journal = "\
May 08 10:00:04 web daphne[1234]: Traceback (most recent call last):
May 08 10:00:04 web daphne[1234]:   File \"/srv/env/bin/daphne\", line 8, in <module>
May 08 10:00:04 web daphne[1234]:     sys.exit(CommandLineInterface.entrypoint())
May 08 10:00:04 web daphne[1234]: django.core.exceptions.ImproperlyConfigured: Requested setting INSTALLED_APPS, but settings are not configured. You must either define the environment variable DJANGO_SETTINGS_MODULE or call settings.configure() before accessing settings.
May 08 10:00:05 web systemd[1]: daphne.service: Main process exited, code=exited, status=1/FAILURE
May 08 10:00:09 web daphne[1240]: Traceback (most recent call last):
May 08 10:00:09 web daphne[1240]:   File \"/srv/app/project/asgi.py\", line 5, in <module>
May 08 10:00:09 web daphne[1240]:     from chat.routing import websocket_urlpatterns
May 08 10:00:09 web daphne[1240]: django.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet.
May 08 10:00:10 web systemd[1]: daphne.service: Main process exited, code=exited, status=1/FAILURE
May 08 10:00:14 web uvicorn[1250]: ModuleNotFoundError: No module named 'channels_redis'
May 08 10:00:20 web uvicorn[1260]: ERROR:    Error loading ASGI app. Could not import module \"project.asgi\".
May 08 10:00:30 web python[1270]: django.core.management.base.CommandError: You have not set ASGI_APPLICATION, which is needed to run the server.
";
    let s = scan_text("journal.log", journal);
    let found = diagnoses_of(&s, "server.start-failed");
    let want = [
        "DJANGO_SETTINGS_MODULE is not set",
        "AppRegistryNotReady: Apps aren't loaded yet.",
        "No module named 'channels_redis'",
        "Could not import module \"project.asgi\"",
        // Channels 2's runserver.
        "You have not set ASGI_APPLICATION.",
    ];
    assert_eq!(found.len(), want.len(), "{found:?}");
    for (d, w) in found.iter().zip(want) {
        assert!(d.contains(w), "{w}: {found:?}");
    }
    // The exits are still told: the start failure says why, the exit that it happened.
    assert_eq!(diagnoses_of(&s, "server.restart").len(), 2);
}

/// Go's gorilla/websocket says how a Go client's (or a Go proxy's) WebSocket failed in
/// words no pack read: its handshake was answered without an upgrade, or the socket
/// closed with a code. Real logs of Traefik 1.x, cloudflared, sish, authentik's outposts
/// and jumpserver's lion showed these lines, and no finding came of them.
#[test]
fn gorilla_websocket_handshake_and_close_errors_are_findings() {
    let log = "\
2024-03-01T10:00:00Z ERR failed to connect to origin error=\"websocket: bad handshake\" originURL=https://app.example.com
2024-03-01T10:00:05Z ERR Ws client read err: websocket: close 1006 (abnormal closure): unexpected EOF
2024-03-01T10:00:09Z WRN event read error error=\"websocket: close 1012\"
2024-03-01T10:00:12Z ERR read: websocket: close 1011 (internal server error)
2024-03-01T10:00:13Z DBG websocket: close sent
";
    let s = scan_text("outpost.log", log);
    let rules: Vec<&str> = rules_and_diagnoses(&s).iter().map(|(r, _)| *r).collect();
    assert_eq!(
        rules,
        [
            "handshake.rejected",
            "close.abnormal",
            "server.restart",
            "consumer.exception"
        ],
        "{:?}",
        rules_and_diagnoses(&s)
    );
    assert!(diagnoses_of(&s, "server.restart")[0].contains("1012 (service restart)"));
}

/// Three more ways an application fails to load, as real pastes showed them (hunt 30):
/// Daphne's own `Exception inside application: Apps aren't loaded yet.` (its connection
/// said only `consumer.exception`), gunicorn's `Exception in worker process` whose
/// traceback was cut, and a WSGI application handed to an ASGI server.
#[test]
fn daphnes_apps_not_ready_a_worker_that_cannot_boot_and_a_wsgi_app_are_named() {
    let daphne = "\
Feb 16 15:17:43 web daphne[2180]: 127.0.0.1:50412 - - [16/Feb/2024:15:17:43] \"WSCONNECTING /ws/chat/\" - -
Feb 16 15:17:43 web daphne[2180]: ERROR    Exception inside application: Apps aren't loaded yet.
Feb 16 15:17:43 web daphne[2180]:   File \"/srv/venv/lib/python3.11/site-packages/channels/consumer.py\", line 54, in __call__
";
    let s = scan_text("daphne.log", daphne);
    let rules: Vec<&str> = rules_and_diagnoses(&s).iter().map(|(r, _)| *r).collect();
    assert_eq!(
        rules,
        ["server.start-failed"],
        "{:?}",
        rules_and_diagnoses(&s)
    );
    assert!(diagnoses_of(&s, "server.start-failed")[0].contains("Apps aren't loaded yet."));

    let gunicorn = "\
[2025-04-04 08:27:11 +0200] [12] [INFO] Booting worker with pid: 12
[2025-04-04 08:27:11 +0200] [12] [ERROR] Exception in worker process
Traceback (most recent call last):
  File \"/usr/local/lib/python3.12/site-packages/gunicorn/arbiter.py\", line 608, in spawn_worker
    worker.init_process()
";
    let s = scan_text("gunicorn.log", gunicorn);
    let d = diagnoses_of(&s, "server.start-failed");
    assert_eq!(d.len(), 1, "{:?}", rules_and_diagnoses(&s));
    assert!(d[0].contains("gunicorn worker could not load"), "{d:?}");

    let wsgi = "\
2024-04-03 17:03:06,990 - ERROR - http_protocol - Traceback (most recent call last):
  File \"/srv/venv/lib/python3.11/site-packages/daphne/server.py\", line 184, in create_application
    application_instance = self.application(scope=scope)
TypeError: WSGIHandler.__call__() missing 1 required positional argument: 'start_response'
";
    let s = scan_text("app.log", wsgi);
    let d = diagnoses_of(&s, "server.not-asgi");
    assert_eq!(d.len(), 1, "{:?}", rules_and_diagnoses(&s));
    assert!(d[0].contains("WSGIHandler"), "{d:?}");
}

/// `systemctl status daphne`, the paste that most often comes with a dead server: its
/// head says the unit failed after its main process exited, and no finding came of it
/// when the journal lines under it were cut (hunt 30: daphne#347).
#[test]
fn a_systemctl_status_of_a_failed_server_is_a_finding() {
    let status = "\
● daphne.service - daphne daemon
     Loaded: loaded (/etc/systemd/system/daphne.service; enabled; vendor preset: enabled)
     Active: failed (Result: exit-code) since Tue 2024-11-24 15:13:06 UTC; 5s ago
    Process: 3125951 ExecStart=/srv/env/bin/daphne -u /run/daphne.sock app.asgi:application (code=exited, status=1/FAILURE)
   Main PID: 3125951 (code=exited, status=1/FAILURE)

Nov 24 15:13:06 web daphne[3125951]:     self.check_apps_ready()
";
    let s = scan_text("status.txt", status);
    let d = diagnoses_of(&s, "server.restart");
    assert_eq!(d.len(), 1, "{:?}", rules_and_diagnoses(&s));
    assert!(
        d[0].contains(
            "daphne failed (Result: exit-code; main process: code=exited, status=1/FAILURE)"
        ),
        "{d:?}"
    );
    // A running unit is no finding.
    let running = status.replace("failed (Result: exit-code)", "active (running)");
    assert!(diagnoses_of(&scan_text("status.txt", &running), "server.restart").is_empty());
}

/// authentik logs each request as a JSON record (`authentik.asgi`: the path as its
/// event, `"scheme": "ws"` for a WebSocket, `pid` the gunicorn worker); 13 ms after its
/// outpost's session came in, gunicorn's master said that worker `was sent SIGBUS!`
/// (hunt 29: authentik#16757). No session was read, and the worker's death named none;
/// then, read, it was not named either, as a process whose first session began in the
/// stop's second was taken for the restarted one, though the line names its pid.
#[test]
fn an_authentik_websocket_request_is_a_session_its_workers_death_names() {
    let s = scan_text(
        "compose.log",
        "server-1      | {\"event\": \"Booting worker with pid: 553817\", \"level\": \"info\", \"logger\": \"gunicorn.error\", \"timestamp\": \"2025-09-13T08:36:38.948265\"}\n\
         server-1      | {\"domain_url\": null, \"event\": \"/ws/outpost/91e36be2-2c64-4d77-8142-b49af813cf00/\", \"level\": \"info\", \"logger\": \"authentik.asgi\", \"pid\": 553823, \"remote\": \"127.0.0.1\", \"schema_name\": \"public\", \"scheme\": \"ws\", \"timestamp\": \"2025-09-13T08:36:39.293564\", \"user_agent\": \"goauthentik.io/outpost/2025.8.1\"}\n\
         server-1      | {\"domain_url\": null, \"event\": \"/api/v3/outposts/instances/\", \"level\": \"info\", \"logger\": \"authentik.asgi\", \"pid\": 553823, \"remote\": \"127.0.0.1\", \"scheme\": \"http\", \"timestamp\": \"2025-09-13T08:36:39.295000\"}\n\
         server-1      | {\"event\": \"Worker (pid:553823) was sent SIGBUS!\", \"level\": \"error\", \"logger\": \"gunicorn.error\", \"timestamp\": \"2025-09-13T08:36:39.306992\"}\n",
    );
    assert_eq!(
        s.correlated.connections.len(),
        1,
        "{:#?}",
        s.correlated.connections
    );
    assert_eq!(
        rules_and_paths(&s),
        [(
            "server.restart",
            Some("/ws/outpost/91e36be2-2c64-4d77-8142-b49af813cf00/")
        )]
    );
}
