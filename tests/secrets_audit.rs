//! Secrets never leave: a log full of tokens, passwords and cookies goes through every
//! output, and none of the secrets comes out unless `--no-redact` is given — while the
//! decoded JWT claims that explain a failure still do.

use assert_cmd::Command;

/// `{"user_id":7,"exp":1795460000}` (2026-11-23T18:53:20Z), signed with junk.
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo3LCJleHAiOjE3OTU0NjAwMDB9.c2VjcmV0LXNpZ25hdHVyZS1ieXRlcw";
const DRF: &str = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";
const BEARER: &str = "s3cr3tBearerValue0123456789";
const PASSWORD: &str = "hunter2-Pa55word";
const REDIS_PW: &str = "r3disMasterPass";
const SESSION: &str = "sessabc123xyz789";
const REFRESH: &str = "a8f3b2c9d1e4f5a6b7c8d9e0f1a2b3c4";
const PG_PW: &str = "Sup3rS3cretPassw0rd";
const DIGEST: &str = "6629fae49393a05397450978507c4ef1";
const BASIC: &str = "dXNlcjpCQVNJQ1BBU1MxMjM=";
const API_KEY: &str = "APIKEYSECRET0123456789";

/// Every secret as it must never appear.
const SECRETS: &[&str] = &[
    "eyJ1c2VyX2lkIjo3LCJleHAiOjE3OTU0NjAwMDB9",
    "c2VjcmV0LXNpZ25hdHVyZS1ieXRlcw",
    DRF,
    BEARER,
    PASSWORD,
    REDIS_PW,
    SESSION,
    REFRESH,
    PG_PW,
    DIGEST,
    BASIC,
    API_KEY,
];

fn corpus() -> String {
    [
        format!("127.0.0.1 - - [23/Nov/2026:19:37:52 +0000] \"GET /ws/chat/5/?token={JWT} HTTP/1.1\" 403 0 \"-\" \"Mozilla/5.0\" 0.004"),
        format!("INFO:     127.0.0.1:50432 - \"WebSocket /ws/chat/5/?token={JWT}\" 403"),
        "INFO:     connection rejected (403 Forbidden)".to_string(),
        // A token as a path segment: the connection's path, the failing paths.
        format!("INFO:     ('172.18.0.1', 41002) - \"WebSocket /ws/chat/{JWT}/\" 403"),
        format!("203.0.113.9 - - [23/Nov/2026:19:37:52 +0000] \"GET /ws/creditconnect/{JWT} HTTP/1.1\" 403 0 \"-\" \"Mozilla/5.0\""),
        format!("2026-11-23 19:37:53,001 INFO     [JWTAuthMiddleware] Token found: {JWT}"),
        format!("2026-11-23 19:37:53,002 WARNING  [JWTAuthMiddleware] Invalid token: bad signature for {JWT}"),
        format!("2026-11-23 19:37:53,003 INFO     🔑 Token extracted: {DRF}"),
        format!("2026-11-23 19:37:53,004 INFO     curl -H \"Authorization: Bearer {BEARER}\" http://127.0.0.1:8000/api/"),
        format!("2026-11-23 19:37:53,005 INFO     Authorization: Token {DRF}"),
        format!("2026-11-23 19:37:53,006 ERROR    login failed: username=bob&password={PASSWORD}"),
        format!("2026-11-23 19:37:53,007 INFO     running redis-cli -a {REDIS_PW} ping"),
        format!("2026-11-23 19:37:53,008 ERROR    Error connecting to redis://:{REDIS_PW}@127.0.0.1:6379/0"),
        format!("2026-11-23 19:37:53,009 INFO     Cookie: sessionid={SESSION}; csrftoken={SESSION}"),
        // simplejwt's token pair, libpq's environment, a query `auth`, HTTP Digest.
        format!("2026-11-23 19:37:53,010 INFO     login: {{\"refresh\": \"{REFRESH}\", \"access\": \"{REFRESH}\"}}"),
        format!("2026-11-23 19:37:53,011 INFO     env PGPASSWORD={PG_PW} PGHOST=db"),
        format!("2026-11-23 19:37:53,012 INFO     WebSocket /ws/chat/?auth={REFRESH} [accepted]"),
        format!("2026-11-23 19:37:53,013 INFO     Authorization: Digest username=\"admin\", nonce=\"{DIGEST}\", response=\"{DIGEST}\""),
        // An ASGI scope's headers, as a traceback or `repr(scope)` writes them.
        format!("2026-11-23 19:37:53,014 ERROR    Exception inside application: 'user' scope={{'headers': [(b'authorization', b'Basic {BASIC}'), (b'x-api-key', b'{API_KEY}')]}}"),
        format!("127.0.0.1:54321 - - [23/Nov/2026:19:37:53] \"WSCONNECTING /ws/notifications/?token={DRF}\" - -"),
        "127.0.0.1:54321 - - [23/Nov/2026:19:37:53] \"WSREJECT /ws/notifications/\" - -".to_string(),
        "127.0.0.1:54321 - - [23/Nov/2026:19:37:53] \"WSDISCONNECT /ws/notifications/\" - -".to_string(),
    ]
    .join("\n")
        + "\n"
}

fn run(args: &[&str], log: &std::path::Path) -> String {
    let out = Command::cargo_bin("logweave")
        .unwrap()
        .args(args)
        .args(["--year", "2026"])
        .arg(log)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn no_secret_reaches_any_output_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, corpus()).unwrap();
    let outputs: Vec<(&str, Vec<&str>)> = vec![
        ("parse", vec!["parse"]),
        ("scan text", vec!["scan", "--all", "--color", "always"]),
        ("scan json", vec!["scan", "-o", "json"]),
        ("scan jsonl", vec!["scan", "-o", "jsonl"]),
        ("scan junit", vec!["scan", "-o", "junit"]),
        ("scan github", vec!["scan", "-o", "github"]),
        ("scan html", vec!["scan", "-o", "html"]),
        ("check json", vec!["check", "-o", "json"]),
        ("watch text", vec!["watch"]),
        ("watch jsonl", vec!["watch", "-o", "jsonl"]),
    ];
    for (name, args) in &outputs {
        let text = run(args, &log);
        assert!(
            text.len() > 100,
            "{name}: suspiciously little output:\n{text}"
        );
        for s in SECRETS {
            assert!(!text.contains(s), "{name} leaks {s}:\n{text}");
        }
    }
}

#[test]
fn decoded_claims_still_explain_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, corpus()).unwrap();
    let text = run(&["scan", "-o", "json"], &log);
    assert!(text.contains("auth.token-expired"), "{text}");
    assert!(text.contains("user_id 7"), "{text}");
    assert!(
        text.contains("2026-11-23T18:53:20"),
        "the exp claim is shown: {text}"
    );
}

#[test]
fn no_redact_shows_what_was_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, corpus()).unwrap();
    let text = run(&["parse", "--no-redact"], &log);
    for s in SECRETS {
        assert!(text.contains(s), "--no-redact hides {s}");
    }
}

#[test]
fn a_token_the_runtime_split_around_another_streams_line_is_redacted() {
    // containerd cut a stderr line inside its JWT (`P`), and a stdout line came before
    // the rest (`F`): joined across streams, the tail lost its leading `e`, no longer
    // looked like a JWT, and `parse` printed it whole.
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/auth-token-expired-cri-partial-interleaved-uvicorn/uvicorn-0.log");
    let signature = "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
    assert!(std::fs::read_to_string(&log).unwrap().contains(signature));
    // `watch` prints findings, not lines: the joined line's token is read there too.
    for (args, shown) in [
        (&["parse"][..], "[redacted]"),
        (&["scan", "--all"], "[redacted]"),
        (&["watch"], "auth.token-expired"),
    ] {
        let text = run(args, &log);
        assert!(text.contains(shown), "{args:?}:\n{text}");
        assert!(
            !text.contains(signature),
            "{args:?} leaks the token:\n{text}"
        );
    }
}
