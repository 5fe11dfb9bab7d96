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
