use super::*;
use crate::assemble::assemble_str;
use crate::pattern::{compile, events, Origin, PackSet};
use crate::time::TimeCtx;

/// A server pack (exact client keys) and an application pack (path only).
const SERVER: &str = r#"
[pack]
name = "server"
about = "test server"
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
id = "disconnect"
stage = "server"
ends = true
regex = '(?P<client>\S+:\d+) - - \[[^\]]+\] "WSDISCONNECT (?P<path>/\S*)"'
examples = [{ line = '127.0.0.1:1 - - [x] "WSDISCONNECT /ws/a/"' }]
[sequence]
steps = [{ step = "connecting" }, { step = "connect", within = "5s" }, { step = "disconnect", optional = true }]
"#;

const APP: &str = r#"
[pack]
name = "app"
about = "test app"
[[pattern]]
id = "mw.start"
stage = "middleware"
regex = 'MW start (?P<path>/\S*)'
examples = [{ line = "MW start /ws/a/" }]
[[pattern]]
id = "mw.user"
stage = "middleware"
regex = 'MW user (?P<user>\w+)'
examples = [{ line = "MW user bob" }]
[[pattern]]
id = "consumer.ok"
stage = "consumer"
regex = 'CONSUMER accepted (?P<path>/\S*)'
examples = [{ line = "CONSUMER accepted /ws/a/" }]
[[pattern]]
id = "ping"
stage = "consumer"
repeats = true
regex = 'PING (?P<path>/\S*)'
examples = [{ line = "PING /ws/a/" }]
[[pattern]]
id = "redis"
stage = "layer"
regex = 'Failed to add to channel group'
examples = [{ line = "Failed to add to channel group" }]
[[pattern]]
id = "consumer.bye"
stage = "consumer"
after = ["consumer.ok"]
regex = 'CONSUMER bye (?P<code>\d+)'
examples = [{ line = "CONSUMER bye 1000" }]
[sequence]
steps = [{ step = "mw.start" }, { step = "mw.user", within = "2s" }, { step = "consumer.ok", within = "5s" }]
"#;

fn run(log: &str) -> (Correlated, Vec<crate::pattern::Event>) {
    let set = PackSet::new(vec![
        compile(Origin::Builtin("server.toml"), SERVER).unwrap(),
        compile(Origin::Builtin("app.toml"), APP).unwrap(),
    ]);
    let records = assemble_str(0, log, TimeCtx::default()).records;
    let ev = events(&records, &set);
    (correlate(&set, &records, &ev), ev)
}

fn lines_of(c: &Connection, ev: &[crate::pattern::Event]) -> Vec<usize> {
    c.links.iter().map(|l| ev[l.event].record + 1).collect()
}

#[test]
fn client_ip_port_links_server_lines_exactly() {
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:00,100 INFO 127.0.0.1:1002 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:00,200 INFO 127.0.0.1:1002 - - [23/Nov/2026:10:00:00] \"WSCONNECT /ws/a/\" - -\n",
        "2026-11-23 10:00:00,300 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:00] \"WSDISCONNECT /ws/a/\" - -\n",
    ));
    assert_eq!(c.connections.len(), 2);
    assert_eq!(lines_of(&c.connections[0], &ev), vec![1, 4]);
    assert_eq!(lines_of(&c.connections[1], &ev), vec![2, 3]);
    assert!(c.connections[0].closed);
    assert_eq!(c.connections[0].links[1].key(), "client");
    assert!(c.connections[0].links[1].exact);
}

#[test]
fn app_lines_without_ids_pair_first_come_with_open_connections_on_their_path() {
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,010 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,020 INFO MW user alice\n",
        "2026-11-23 10:00:00,030 INFO MW user bob\n",
        "2026-11-23 10:00:00,040 INFO CONSUMER accepted /ws/a/\n",
        "2026-11-23 10:00:00,050 INFO CONSUMER accepted /ws/a/\n",
    ));
    assert_eq!(c.connections.len(), 2, "{:#?}", c.connections);
    assert_eq!(lines_of(&c.connections[0], &ev), vec![1, 3, 5]);
    assert_eq!(lines_of(&c.connections[1], &ev), vec![2, 4, 6]);
    assert_eq!(c.connections[0].user.as_deref(), Some("alice"));
    assert!(c.connections[0].links.iter().skip(1).all(|l| !l.exact));
}

#[test]
fn a_step_never_pairs_with_a_connection_already_past_it() {
    // The first connection stopped after its middleware (no consumer); the second's
    // lines must not fill the first's gap out of order.
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,010 INFO MW user alice\n",
        "2026-11-23 10:00:01,000 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:01,010 INFO MW user bob\n",
        "2026-11-23 10:00:01,020 INFO CONSUMER accepted /ws/a/\n",
    ));
    assert_eq!(c.connections.len(), 2);
    // First-come pairs the consumer with the earliest connection lacking it: alice's.
    // That is the documented trade-off of inferring links without ids; what must hold
    // is that no connection gets a step twice or out of order.
    for conn in &c.connections {
        let l = lines_of(conn, &ev);
        let mut sorted = l.clone();
        sorted.sort();
        assert_eq!(l, sorted);
    }
}

#[test]
fn repeating_lines_join_the_latest_connection_on_their_path() {
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,500 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:01,000 INFO PING /ws/a/\n",
        "2026-11-23 10:00:02,000 INFO PING /ws/a/\n",
    ));
    assert_eq!(c.connections.len(), 2);
    assert_eq!(lines_of(&c.connections[1], &ev), vec![2, 3, 4]);
}

#[test]
fn keyless_line_joins_the_connection_its_process_just_served() {
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,500 ERROR Failed to add to channel group\n",
        "2026-11-23 10:00:09,000 ERROR Failed to add to channel group\n",
    ));
    assert_eq!(c.connections.len(), 1);
    assert_eq!(lines_of(&c.connections[0], &ev), vec![1, 2]);
    assert_eq!(c.global.len(), 1, "too late to belong to the connection");
}

#[test]
fn port_zero_is_not_a_key() {
    let (c, _) = run(concat!(
        "2026-11-23 10:00:00,000 INFO 127.0.0.1:0 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:30,000 INFO 127.0.0.1:0 - - [23/Nov/2026:10:00:30] \"WSCONNECTING /ws/b/\" - -\n",
    ));
    assert_eq!(c.connections.len(), 2);
    assert_eq!(c.connections[0].client, None);
}

#[test]
fn paths_are_compared_without_query_and_with_a_leading_slash() {
    assert_eq!(normalize_path("ws/chat/1/?token=x"), "/ws/chat/1/");
    assert_eq!(
        normalize_path("'ws/chat/undefined/'"),
        "/ws/chat/undefined/"
    );
}

#[test]
fn the_apps_close_line_goes_to_the_connection_the_server_just_closed() {
    // Both sessions are open and accepted; the server logs the second one's close, then
    // the consumer's disconnect() says its code: it is the second's, not first come.
    let (c, ev) = run(concat!(
        "2026-11-23 10:00:00,000 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:00,010 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,020 INFO MW user alice\n",
        "2026-11-23 10:00:00,030 INFO CONSUMER accepted /ws/a/\n",
        "2026-11-23 10:00:00,100 INFO 127.0.0.1:1002 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:00,110 INFO MW start /ws/a/\n",
        "2026-11-23 10:00:00,120 INFO MW user bob\n",
        "2026-11-23 10:00:00,130 INFO CONSUMER accepted /ws/a/\n",
        "2026-11-23 10:00:01,000 INFO 127.0.0.1:1002 - - [23/Nov/2026:10:00:01] \"WSDISCONNECT /ws/a/\" - -\n",
        "2026-11-23 10:00:01,010 INFO CONSUMER bye 1006\n",
    ));
    assert_eq!(c.connections.len(), 2, "{:#?}", c.connections);
    assert_eq!(lines_of(&c.connections[0], &ev), vec![1, 2, 3, 4]);
    assert_eq!(lines_of(&c.connections[1], &ev), vec![5, 6, 7, 8, 9, 10]);
}

#[test]
fn a_user_name_is_told_from_an_id_and_an_email_by_kind() {
    assert_eq!(user_kind("8"), 0);
    assert_eq!(user_kind("customer8@example.com"), 1);
    assert_eq!(user_kind("customer8"), 2);
    // The kinds a connection's names had are kept as bits as the names come.
    let mut rare = Rare::default();
    for u in ["8", "customer8"] {
        rare.users.push(u.to_string());
        rare.user_kinds |= 1 << user_kind(u);
    }
    assert_eq!(rare.user_kinds, 0b101);
}

#[test]
fn pattern_keys_order_as_pattern_refs_do() {
    let refs = [
        PatternRef::new(0, 0),
        PatternRef::new(0, 65_535),
        PatternRef::new(1, 0),
        PatternRef::new(1, 2),
        PatternRef::new(65_535, 1),
    ];
    for a in &refs {
        for b in &refs {
            assert_eq!(pattern_key(a).cmp(&pattern_key(b)), a.cmp(b), "{a:?} {b:?}");
        }
    }
}

/// The proxy's access line, written at the close with the session's length, and the
/// server's kill warning, written by the connection's id after its close.
const LATE: &str = r#"
[pack]
name = "late"
about = "test proxy and late server lines"
[[pattern]]
id = "access"
stage = "proxy"
ends = true
regex = 'NGINX (?P<client_ip>[\d.]+) "GET (?P<path>/\S*)" (?P<status>\d+) (?P<request_time>[\d.]+)'
examples = [{ line = 'NGINX 127.0.0.1 "GET /ws/a/" 101 1.100' }]
[[pattern]]
id = "killed"
stage = "server"
regex = '(?P<client>\S+:\d+) took too long to shut down and was killed'
examples = [{ line = "127.0.0.1:1 took too long to shut down and was killed" }]
"#;

/// The correlation's state once every event of `ev` is placed, retiring as `every` and
/// `least` say ([`correlate_sweeping`]).
fn placed(
    set: &PackSet,
    records: &[crate::record::Record],
    ev: &[crate::pattern::Event],
    every: usize,
    least: usize,
) -> State {
    let store = Slices {
        records,
        events: ev,
    };
    let mut state = State::default();
    let mut b = Builder::new(set, &store, &mut state);
    place_all(&mut b, ev, every, least);
    state
}

#[test]
fn a_finished_connection_gives_up_its_search_state_and_late_lines_land_as_before() {
    let mut log = String::from(concat!(
        "2026-11-23 10:00:00,000 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:00] \"WSCONNECTING /ws/a/\" - -\n",
        "2026-11-23 10:00:00,100 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:00] \"WSCONNECT /ws/a/\" - -\n",
        "2026-11-23 10:00:01,000 INFO 127.0.0.1:1001 - - [23/Nov/2026:10:00:01] \"WSDISCONNECT /ws/a/\" - -\n",
        "2026-11-23 10:00:01,100 INFO NGINX 127.0.0.1 \"GET /ws/a/\" 101 1.100\n",
        // Within the grace after the close: found by its closed id.
        "2026-11-23 10:00:10,000 WARNING 127.0.0.1:1001 took too long to shut down and was killed\n",
        "2026-11-23 10:00:40,000 INFO 127.0.0.1:1002 - - [23/Nov/2026:10:00:40] \"WSCONNECTING /ws/b/\" - -\n",
    ));
    // Enough lines for `recent` to be pruned of the first connection.
    for i in 0..600 {
        log.push_str(&format!(
            "2026-11-23 10:00:{:02},{:03} INFO PING /ws/b/\n",
            41 + i / 100,
            i % 100 * 10
        ));
    }
    // Long after the close: its id and its start no longer take these.
    log.push_str(concat!(
        "2026-11-23 10:00:50,000 WARNING 127.0.0.1:1001 took too long to shut down and was killed\n",
        "2026-11-23 10:00:50,100 INFO NGINX 127.0.0.1 \"GET /ws/a/\" 101 49.100\n",
    ));
    let set = PackSet::new(vec![
        compile(Origin::Builtin("server.toml"), SERVER).unwrap(),
        compile(Origin::Builtin("app.toml"), APP).unwrap(),
        compile(Origin::Builtin("late.toml"), LATE).unwrap(),
    ]);
    let records = assemble_str(0, &log, TimeCtx::default()).records;
    let ev = events(&records, &set);
    let state = placed(&set, &records, &ev, 1, 0);
    let st = &state;
    // The first connection (slot 0) kept its lines, but not what only searches read.
    assert_eq!(lines_of(&st.conns[0], &ev), vec![1, 2, 3, 4, 5]);
    assert!(st.conns[0].closed);
    assert!(st.caches[0].patterns.is_empty() && st.caches[0].rare.is_none());
    assert!(st.caches[0].closed_at.is_some() && st.caches[0].has_proxy);
    assert!(!st.closed_keys.values().any(|&c| c == 0));
    assert!(!st.by_path.iter().any(|&(_, _, c)| c == 0));

    // Retired at every line or never, the connections are the same.
    let every_line = correlate_sweeping(&set, &records, &ev, 1, 0);
    let never = correlate_sweeping(&set, &records, &ev, usize::MAX, 0);
    assert_eq!(
        format!("{:?}", every_line.connections),
        format!("{:?}", never.connections)
    );
    assert_eq!(every_line.global, never.global);
    let n = records.len();
    let lines: Vec<Vec<usize>> = never.connections.iter().map(|c| lines_of(c, &ev)).collect();
    assert!(lines.contains(&vec![1, 2, 3, 4, 5]), "{lines:?}");
    assert!(
        lines.contains(&vec![n - 1]) && lines.contains(&vec![n]),
        "{lines:?}"
    );
}

#[test]
fn time_floors_bound_every_later_event_and_stop_at_a_timeless_one() {
    let t = |s: i64| Some(DateTime::from_timestamp(s, 0).unwrap());
    let ev = |ts| Event {
        record: 0,
        input: 0,
        ts,
        own_time: ts.is_some(),
        at: PatternRef::new(0, 0),
        stage: Stage::Server,
        captures: crate::pattern::Captures::default(),
    };
    // A clock that jumps back: the floor before the jump is the later low time.
    let events = [ev(t(10)), ev(t(20)), ev(t(5)), ev(t(30)), ev(t(40))];
    assert_eq!(time_floors(&events, 2), vec![t(5), t(5), t(40)]);
    let events = [ev(t(10)), ev(None), ev(t(30)), ev(t(40))];
    assert_eq!(time_floors(&events, 2), vec![None, t(30), None]);
}

/// Regression: the connections an orphan fragment emptied were dropped and their caches
/// kept, so every later connection read the cache of the one after it (its close time,
/// its ids) in the passes that follow (`rehome_errors`).
#[test]
fn dropping_emptied_connections_drops_their_caches_too() {
    let mut st = State::default();
    for (i, links) in [1usize, 0, 1].into_iter().enumerate() {
        st.conns.push(Connection {
            links: (0..links).map(|e| Link::new(e, "client", true)).collect(),
            ..Connection::default()
        });
        st.caches.push(Cache {
            seq: i,
            ..Cache::default()
        });
    }
    drop_emptied(&mut st);
    assert_eq!(st.conns.len(), 2);
    let seqs: Vec<usize> = st.caches.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, vec![0, 2]);
}

#[test]
fn sessions_a_timeless_log_closed_far_above_leave_the_searches() {
    // uvicorn's console writes no time, so nothing retired its closed sessions: every
    // line that names nothing (`connection open`) walked up to 4,096 of them, and a
    // 120,000-line console took nine seconds. A session still open stays searchable.
    let mut log = String::from("INFO:     127.0.0.1:9999 - \"WebSocket /ws/first/\" [accepted]\nINFO:     connection open\n");
    for i in 0..3000 {
        log.push_str(&format!(
            "INFO:     127.0.0.1:{} - \"WebSocket /ws/chat/\" [accepted]\nINFO:     connection open\nINFO:     connection closed\n",
            10_000 + i
        ));
    }
    let set = PackSet::load(&[]).unwrap();
    let records = assemble_str(0, &log, TimeCtx::default()).records;
    let ev = events(&records, &set);
    let state = placed(&set, &records, &ev, SWEEP_EVERY, SWEEP_LEAST);
    let closed_in_recent = state
        .recent
        .iter()
        .filter(|&&c| state.conns[c].closed)
        .count();
    // At most the sessions closed within reach, and those of the last 256 lines placed.
    assert!(
        closed_in_recent <= (UNTIMED_REACH + 256) / 3 + 1,
        "{closed_in_recent} closed sessions still searched"
    );
    // (uvicorn's closes name nothing: each goes to the earliest session open, so the
    // last one is left open.)
    let open = (0..state.conns.len())
        .filter(|&c| !state.conns[c].closed)
        .count();
    assert_eq!(open, 1);
    assert!(state.recent.iter().any(|&c| !state.conns[c].closed));
}
