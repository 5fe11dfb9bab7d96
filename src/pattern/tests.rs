use super::*;

const GOOD: &str = r#"
[pack]
name = "demo"
about = "a demo pack"
key = ["path"]

[[pattern]]
id = "mw.start"
stage = "middleware"
regex = '\[JWTAuthMiddleware\] Processing connection for path: (?P<path>/\S*)'
examples = [
  { line = "[JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/", path = "/ws/chat/1/2/" },
]
counter_examples = ["[JWTAuthMiddleware] Token found: abc"]

[[pattern]]
id = "consumer.start"
stage = "consumer"
regex = '\[(?P<consumer>\w+Consumer)\] (?:WebSocket connection attempt|Connection attempt)'
examples = [{ line = "[ChatConsumer] WebSocket connection attempt", consumer = "ChatConsumer" }]

[sequence]
steps = [
  { step = "mw.start" },
  { step = "consumer.start", within = "5s" },
]

[[rule]]
id = "routing.no-consumer"
when = { seen = "mw.start", missing = "consumer.start", within = "5s" }
diagnosis = "No consumer for {path}."
hint = "Check websocket_urlpatterns."
"#;

fn err(text: &str) -> String {
    compile(Origin::File("bad.toml".into()), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_pack_compiles_and_its_examples_pass() {
    let p = compile(Origin::File("demo.toml".into()), GOOD).unwrap();
    assert_eq!(p.patterns.len(), 2);
    assert_eq!(p.sequence[1].within, Some(Duration::from_secs(5)));
    assert_eq!(p.rules[0].id, "routing.no-consumer");
    let (n, fails) = test_pack(&p);
    assert_eq!(n, 3);
    assert!(fails.is_empty(), "{fails:?}");
}

#[test]
fn broken_regex_is_reported_at_its_line_and_column() {
    let bad = GOOD.replace(r"(?P<path>/\S*)'", r"(?P<path>/\S*'");
    let e = err(&bad);
    assert!(
        e.starts_with("bad.toml:10:9: regex of 'mw.start' does not compile"),
        "{e}"
    );
}

#[test]
fn a_rule_names_a_regex_of_its_pack_with_an_at_sign() {
    // process.toml held one `alone` regex six times; now once, under `[pack] names`.
    let with_names = GOOD.replace(
        "key = [\"path\"]\n",
        "key = [\"path\"]\nnames = { servers = '(?i)daphne' }\n",
    );
    let named = with_names.replace(
        "within = \"5s\" }\ndiagnosis",
        "within = \"5s\", alone = \"@servers\" }\ndiagnosis",
    );
    let p = compile(Origin::File("demo.toml".into()), &named).unwrap();
    let alone = p.rules[0].when.alone.as_ref().unwrap();
    assert!(alone.is_match("Daphne") && !alone.is_match("celery"));
    // A name the pack does not define is an error at the rule's `alone`.
    let e = err(&named.replace("@servers", "@workers"));
    assert!(
        e.starts_with("bad.toml:31:80:") && e.contains("no `workers` in [pack] names"),
        "{e}"
    );
}

#[test]
fn missing_field_is_reported_with_position() {
    let bad = GOOD.replace("stage = \"consumer\"\n", "");
    let e = err(&bad);
    assert!(e.starts_with("bad.toml:16:"), "{e}");
    assert!(e.contains("stage"), "{e}");
}

#[test]
fn unknown_rule_id_is_an_error_naming_the_catalog() {
    let bad = GOOD.replace("id = \"routing.no-consumer\"", "id = \"routing.nope\"");
    let e = err(&bad);
    assert!(
        e.starts_with("bad.toml:29:6: unknown rule id 'routing.nope'"),
        "{e}"
    );
    // It lists the ids it knows (it pointed at DESIGN.md, which is not beside the tool).
    assert!(
        e.contains("routing.no-consumer") && e.contains("server.restart"),
        "{e}"
    );
}

#[test]
fn rule_naming_a_missing_pattern_is_an_error() {
    let bad = GOOD.replace(
        "missing = \"consumer.start\"",
        "missing = \"consumer.begin\"",
    );
    let e = err(&bad);
    assert!(e.contains("no pattern 'consumer.begin'"), "{e}");
}

#[test]
fn failing_example_is_reported_with_its_line() {
    let bad = GOOD.replace("path = \"/ws/chat/1/2/\" }", "path = \"/ws/chat/9/\" }");
    let p = compile(Origin::File("demo.toml".into()), &bad).unwrap();
    let (_, fails) = test_pack(&p);
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].location, "demo.toml:12");
    assert!(fails[0].problem.contains("capture 'path'"));
}

#[test]
fn required_literals_are_derived_from_the_regex() {
    assert_eq!(
        required_literals(r"\[JWTAuthMiddleware\] Processing connection for path: (?P<path>/\S*)"),
        Some(vec![
            "[JWTAuthMiddleware] Processing connection for path: /".to_string()
        ])
    );
    assert_eq!(
        required_literals(r"(?:WSCONNECTING|WSCONNECT) (?P<path>\S+)"),
        Some(vec!["WSCONNECT ".to_string(), "WSCONNECTING ".to_string()])
    );
    assert_eq!(required_literals(r"\d+ \w+"), None);
    // Case-insensitive: every spelling (the Kelvin sign too) of as much as 16 spellings
    // allow.
    let toks = required_literals(r"(?i)token").unwrap();
    assert_eq!(toks.len(), 12);
    assert!(toks
        .iter()
        .all(|t| t.to_lowercase().replace('\u{212A}', "k") == "tok"));
}

#[test]
fn required_texts_run_across_parts_so_a_common_prefix_alone_does_not_pass_every_line() {
    // Regression: uvicorn's plain-HTTP-on-a-ws-path pattern was found by ` - "GET ` alone,
    // which every uvicorn access line holds: scan kept and matched all of them.
    let ws = r#"(?:\(?'?(?P<ip>[0-9.]*)'?(?:, |:)(?P<port>\d+)\)?|None|) - "GET (?P<path>/(?:ws|wss|wsapi|websockets?)(?:/[^\s"?]*)?)(?:\?(?P<q>[^\s"]*))? HTTP/[\d.]+" (?P<status>\d{3})\b"#;
    assert_eq!(
        required_literals(ws),
        Some(vec![
            " - \"GET /websocket".to_string(),
            " - \"GET /ws".to_string()
        ])
    );
    // An optional character and a small class are followed through; a class too big
    // to list ends the text.
    assert_eq!(
        required_literals(r"Token(?:s)? [ab]x\d"),
        Some(vec![
            "Token ax".to_string(),
            "Token bx".to_string(),
            "Tokens ax".to_string(),
            "Tokens bx".to_string()
        ])
    );
    // A class too big to list: the text starts after it.
    assert_eq!(
        required_literals(r"[a-e][f-j] WebSocket"),
        Some(vec![" WebSocket".to_string()])
    );
    // Too many alternatives in a row: the texts start late enough to stay within 16,
    // and reach the literal after them.
    let texts = required_literals(r"[ab][cd][ef][gh][ij]xyz").unwrap();
    assert_eq!(texts.len(), 16);
    assert!(texts
        .iter()
        .all(|t| t.len() == 7 && t.ends_with("xyz") && t.starts_with(['c', 'd'])));
}

#[test]
fn every_requirement_of_a_sequence_is_found_not_only_the_best() {
    let all = required_all(
        r"\[(?P<consumer>\w+Consumer)\] (?:Missing|Invalid) (?:required )?param(?P<x>eter: )\d",
    );
    assert_eq!(
        all,
        vec![
            vec!["Consumer".to_string()],
            vec!["Invalid".to_string(), "Missing".to_string()],
            vec!["eter: ".to_string()],
            vec!["param".to_string()],
        ]
    );
    // Optional parts, case-insensitive and short texts require nothing.
    assert_eq!(required_all(r"(?:foo)?(?i:bar)"), Vec::<Vec<String>>::new());
}

#[test]
fn a_part_of_a_few_known_texts_is_one_requirement() {
    // nginx's redirect pattern: every 101 line on a WebSocket path ran its regex, since
    // `30[1278]` gave no text to search for (only `30`, too short).
    let all = required_all(r#"HTTP/[\d.]+" (?P<status>30[1278]) "#);
    assert!(
        all.contains(&vec![
            "301".to_string(),
            "302".to_string(),
            "307".to_string(),
            "308".to_string()
        ]),
        "{all:?}"
    );
    // Too many texts (`5\d\d`), or one that may be empty, is none.
    assert_eq!(
        required_all(r"(?P<status>5\d\d) x"),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(required_all(r"a (?:301)? b"), Vec::<Vec<String>>::new());
}

#[test]
fn a_line_missing_a_secondary_requirement_is_rejected_before_the_regex() {
    let p = &compile(Origin::File("demo.toml".into()), GOOD)
        .unwrap()
        .patterns[0];
    assert!(p.also.is_empty(), "the only requirement is the prefilter's");
    let src = GOOD.replace(
        r"Processing connection for path: (?P<path>/\S*)'",
        r"Processing connection for path: (?P<path>/\S*) via (?:nginx|haproxy)'",
    );
    let src = src.replace(
        "path: /ws/chat/1/2/\", path",
        "path: /ws/chat/1/2/ via nginx\", path",
    );
    let pack = compile(Origin::File("demo.toml".into()), &src).unwrap();
    let p = &pack.patterns[0];
    // " via " and one of the two proxies.
    assert_eq!(p.also.len(), 2);
    assert!(p
        .captures("[JWTAuthMiddleware] Processing connection for path: /ws/a/ via haproxy")
        .is_some());
    assert!(p
        .captures("[JWTAuthMiddleware] Processing connection for path: /ws/a/ via squid")
        .is_none());
}

#[test]
fn prefilter_only_runs_patterns_whose_text_is_present() {
    let p = compile(Origin::File("demo.toml".into()), GOOD).unwrap();
    let set = PackSet::new(vec![p]);
    let rec = |m: &str| Record {
        message: m.to_string(),
        format: "plain",
        ..Record::default()
    };
    let m = set.matches(&rec(
        "x [JWTAuthMiddleware] Processing connection for path: /ws/a/",
    ));
    assert_eq!(m.len(), 1);
    let caps: Vec<(&str, &str)> = m[0].captures.iter().collect();
    assert_eq!(caps, vec![("path", "/ws/a/")]);
    assert!(set.matches(&rec("nothing to see")).is_empty());
}

#[test]
fn durations_read_common_units() {
    assert_eq!(load::duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(load::duration("2m"), Some(Duration::from_secs(120)));
    assert_eq!(load::duration("1.5s"), Some(Duration::from_millis(1500)));
    assert_eq!(load::duration("soon"), None);
}

#[test]
fn a_pack_context_adds_the_client_an_application_puts_on_every_line() {
    let text = GOOD.replace(
        "key = [\"path\"]\n",
        "key = [\"path\"]\ncontext = ['''\\bclient=(?P<client_ip>[\\d.]+):(?P<client_port>\\d+)''']\n",
    );
    let p = compile(Origin::File("demo.toml".into()), &text).unwrap();
    let start = &p.patterns[0];
    let c = start
        .captures("client=127.0.0.1:51234 [JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/")
        .unwrap();
    assert_eq!(c.get("path"), Some("/ws/chat/1/2/"));
    assert_eq!(c.get("client_ip"), Some("127.0.0.1"));
    assert_eq!(c.get("client_port"), Some("51234"));
    // Lines without it match as before.
    let c = start
        .captures("[JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/")
        .unwrap();
    assert_eq!(c.get("client_ip"), None);
    // A context never makes a line match.
    assert!(start.captures("client=127.0.0.1:51234 unrelated").is_none());
}

#[test]
fn a_pattern_s_own_capture_wins_over_the_pack_context() {
    let text = GOOD.replace(
        "key = [\"path\"]\n",
        "key = [\"path\"]\ncontext = ['''\\bclient=(?P<path>\\S+)''']\n",
    );
    let p = compile(Origin::File("demo.toml".into()), &text).unwrap();
    let c = p.patterns[0]
        .captures("client=/other [JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/")
        .unwrap();
    assert_eq!(c.get("path"), Some("/ws/chat/1/2/"));
    assert_eq!(c.iter().filter(|(k, _)| *k == "path").count(), 1);
}

#[test]
fn a_context_regex_without_a_named_capture_is_an_error() {
    let bad = GOOD.replace(
        "key = [\"path\"]\n",
        "key = [\"path\"]\ncontext = ['client=\\S+']\n",
    );
    assert!(
        err(&bad).contains("a context regex needs a named capture"),
        "{}",
        err(&bad)
    );
}

fn builtin(pack: &str, pattern: &str) -> Pattern {
    let set = PackSet::load(&[]).unwrap();
    let p = set.packs.iter().find(|p| p.name == pack).unwrap();
    p.patterns[p.pattern_index(pattern).unwrap()].clone()
}

#[test]
fn nginx_s_request_id_at_the_end_of_an_access_line_is_read() {
    let ws = builtin("nginx", "nginx.ws-101");
    // Real line (tests/e2e: `... $request_time $request_id`).
    let line = r#"127.0.0.1 - - [26/Nov/2026:05:17:50 +0000] "GET /ws/notifications/?token=6b78b010c4 HTTP/1.1" 101 74 "-" "logweave-e2e/1" 0.613 5d7e8a3753290ee267de1b6e3d5b4a19"#;
    let c = ws.captures(line).unwrap();
    assert_eq!(
        c.get("request_id"),
        Some("5d7e8a3753290ee267de1b6e3d5b4a19")
    );
    assert_eq!(c.get("request_time"), Some("0.613"));
    let keyed = r#"10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] "GET /ws/chat/1/2/ HTTP/1.1" 101 1523 "-" "curl/8" rt=0.412 request_id="0123456789abcdef0123456789abcdef""#;
    assert_eq!(
        ws.captures(keyed).unwrap().get("request_id"),
        Some("0123456789abcdef0123456789abcdef")
    );
    // The default `combined` format has none, and a hex token in the query is not one.
    let combined = r#"10.0.0.5 - - [23/Nov/2026:19:37:50 +0000] "GET /ws/chat/1/2/?token=0123456789abcdef0123456789abcdef HTTP/1.1" 101 1523 "-" "Mozilla/5.0""#;
    assert_eq!(ws.captures(combined).unwrap().get("request_id"), None);
}

#[test]
fn an_application_line_s_request_id_is_read_by_the_app_packs() {
    let start = builtin("channels-token-emoji", "mw.attempt");
    // Real line (tests/e2e, behind nginx: the scope's port is 0, the request id names it).
    let line = "client=127.0.0.1:0 request_id=5d7e8a3753290ee267de1b6e3d5b4a19 🔍 WebSocket connection attempt - Path: /ws/notifications/, Query: token=6b78b010c4";
    let c = start.captures(line).unwrap();
    assert_eq!(
        c.get("request_id"),
        Some("5d7e8a3753290ee267de1b6e3d5b4a19")
    );
    assert_eq!(c.get("path"), Some("/ws/notifications/"));
}

/// Where each group of a match is, by group index.
type Spans = Vec<Option<(usize, usize)>>;

/// The spans of every group of the first match, from the full regex and, for ASCII text,
/// from the ASCII one.
fn spans_both(re: &PatternRegex, text: &str) -> (Spans, Option<Spans>) {
    let full = re
        .get()
        .captures(text)
        .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
        .unwrap_or_default();
    let ascii = re.ascii().filter(|_| text.is_ascii()).map(|a| {
        a.captures(text.as_bytes())
            .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
            .unwrap_or_default()
    });
    (full, ascii)
}

#[test]
fn every_built_in_regex_compiles_late_with_the_names_it_was_loaded_with() {
    let set = PackSet::load(&[]).unwrap();
    for pack in &set.packs {
        for p in &pack.patterns {
            let compiled: Vec<&str> = p.regex.get().capture_names().flatten().collect();
            let loaded: Vec<&str> = p.names.iter().map(|n| &**n).collect();
            assert_eq!(
                compiled,
                loaded[..compiled.len()],
                "{}/{}: capture names",
                pack.name,
                p.id
            );
            for (re, _) in p.context.iter() {
                assert!(re.get().capture_names().flatten().next().is_some());
            }
        }
    }
}

#[test]
fn the_ascii_regex_matches_ascii_text_exactly_as_the_full_one() {
    let set = PackSet::load(&[]).unwrap();
    let mut compared = 0;
    for pack in &set.packs {
        for p in &pack.patterns {
            let lines = p
                .examples
                .iter()
                .map(|e| e.line.as_str())
                .chain(p.counter_examples.iter().map(|(l, _)| l.as_str()));
            for line in lines {
                // Each line as written, cut short, and with its case changed: near misses
                // and partial matches as well as the matches.
                let variants = [
                    line.to_string(),
                    line.get(..line.len() / 2).unwrap_or(line).to_string(),
                    line.to_ascii_uppercase(),
                    format!("  {line} trailing text"),
                ];
                for v in variants.iter().filter(|v| v.is_ascii()) {
                    let (full, ascii) = spans_both(&p.regex, v);
                    if let Some(ascii) = ascii {
                        assert_eq!(full, ascii, "{}/{} on {v:?}", pack.name, p.id);
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 500, "ASCII regexes compared: {compared}");
}

#[test]
fn non_ascii_text_is_matched_by_the_full_regex() {
    let src = r"(?P<w>\w+)";
    let re = PatternRegex::compiled(src, Regex::new(src).unwrap());
    // `\w` takes `é` in Unicode, not in ASCII: the full regex decides.
    assert_eq!(re.captures("héllo").unwrap().name("w"), Some("héllo"));
    assert_eq!(re.captures("hello").unwrap().name("w"), Some("hello"));
}

#[test]
fn a_pack_with_more_patterns_than_an_event_can_name_is_an_error_at_the_first_too_many() {
    // An event names its pattern in a u16: pattern 65,537 would be read as another.
    let mut text = String::from("[pack]\nname = \"big\"\nabout = \"x\"\n");
    for i in 0..=crate::pattern::MAX_PATTERNS {
        text.push_str(&format!(
            "[[pattern]]\nid = \"p{i}\"\nstage = \"server\"\nregex = 'x'\n"
        ));
    }
    let e = err(&text);
    let line = 4 + 4 * crate::pattern::MAX_PATTERNS + 1;
    assert!(
        e.starts_with(&format!(
            "bad.toml:{line}:6: 65537 patterns: a pack holds at most 65536"
        )),
        "{e}"
    );
}

#[test]
fn named_captures_are_read_by_group_index_past_unnamed_groups() {
    let text = GOOD.replace(
        r"regex = '\[JWTAuthMiddleware\] Processing connection for path: (?P<path>/\S*)'",
        r"regex = '(\[)JWTAuthMiddleware\] (Processing)? connection for (?:path): ((?P<path>/\S*))(?P<rest> .*)?'",
    );
    let line = "[JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/ via haproxy";
    // A user's pattern is compiled at once, a built-in one late from its parse: both
    // must find each name's group.
    for origin in [
        Origin::File("demo.toml".into()),
        Origin::Builtin("demo.toml"),
    ] {
        let p = compile(origin, &text).unwrap();
        let c = p.patterns[0].captures(line).unwrap();
        let got: Vec<(&str, &str)> = c.iter().collect();
        assert_eq!(got, [("path", "/ws/chat/1/2/"), ("rest", " via haproxy")]);
    }
}

#[test]
fn a_context_regex_is_not_run_on_a_line_without_its_required_text() {
    let set = PackSet::load(&[]).unwrap();
    let mut ruled_out = 0;
    for pack in &set.packs {
        for p in &pack.patterns {
            for (re, _) in p.context.iter() {
                let lines = p.examples.iter().map(|e| e.line.as_str());
                for line in lines.chain(["client=10.0.0.1:5 x", "request_id=0123456789ab x"]) {
                    // The check before the regex never changes what it finds.
                    assert_eq!(
                        re.captures(line).is_some(),
                        re.get().is_match(line),
                        "{}/{}: {} on {line:?}",
                        pack.name,
                        p.id,
                        re.as_str()
                    );
                    ruled_out += usize::from(!meets(&re.needs, line));
                }
            }
        }
    }
    // The built-in `client` and `request_id` contexts name texts most lines lack.
    assert!(
        ruled_out > 100,
        "lines ruled out before the regex: {ruled_out}"
    );
}

#[test]
fn candidates_come_out_sorted_once_each_however_many_a_record_names() {
    for n in [0usize, 1, 3, 8, 9, 40] {
        let mut c = Candidates::new();
        let mut want = Vec::new();
        // Descending, with repeats: every insertion lands before the ones already in.
        for k in (0..n).rev() {
            let r = PatternRef::new(k % 3, k);
            c.add(r);
            c.add(r);
            want.push(r);
        }
        want.sort();
        assert_eq!(c.as_slice(), want.as_slice(), "{n} candidates");
    }
}

#[test]
fn ended_before_without_missing_is_an_error() {
    let bad = GOOD.replace(
        "missing = \"consumer.start\", within = \"5s\"",
        "ended_before = \"4s\"",
    );
    assert_ne!(bad, GOOD);
    let e = err(&bad);
    assert!(
        e.contains("`ended_after`, `ended_before` and `ended_untimed` go with `missing`"),
        "{e}"
    );
    let ok = GOOD.replace(
        "missing = \"consumer.start\", within = \"5s\"",
        "missing = \"consumer.start\", within = \"5s\", ended_after = \"4s\"",
    );
    assert_ne!(ok, GOOD);
    if let Err(e) = compile(Origin::File("ok.toml".into()), &ok) {
        panic!("{e}");
    }
}

#[test]
fn the_literal_prefilters_fragments_pass_no_common_line_of_plain_http_traffic() {
    // Nine lines in ten of a busy stack's logs are plain HTTP traffic: the fragments the
    // cover picks must pass none of them, or each goes to the full automaton (and its
    // record is built). A pack's literal once made the cover take `ET /` (every access
    // line: +16 % instructions), another `stat`; this names such a fragment.
    let set = PackSet::load(&[]).unwrap();
    let fragments = set.literal_scan.fragments().expect("a fragment cover");
    for line in [
        r#"203.0.113.7 - - [23/Nov/2026:19:37:50 +0000] "GET /static/app.js HTTP/1.1" 200 5123 "https://app.example.com/" "Mozilla/5.0 (X11; Linux x86_64)" 0.004"#,
        r#"203.0.113.7 - - [23/Nov/2026:19:37:50 +0000] "POST /api/orders/ HTTP/1.1" 201 88 "-" "python-requests/2.31.0""#,
        r#"2026-11-23T19:37:49+0000 web1 daphne[4242]: 203.0.113.7:51234 - - [23/Nov/2026:19:37:49] "GET /api/users/me/" 200 1432"#,
        r#"2026-11-23T19:37:49+0000 web1 celery[3131]: 2026-11-23 19:37:49,123 INFO Task orders.tasks.sync_inventory[9f2c0d1e4b5a6c7d] succeeded in 0.42s: None"#,
        r#"INFO:     10.0.0.4:40512 - "GET /healthz HTTP/1.1" 200 OK"#,
        r#"2026-11-23T19:37:49+0000 web1 gunicorn[2020]: 2026-11-23 19:37:49,123 INFO django.request GET /api/products/?page=2 took 37ms user=812"#,
    ] {
        assert!(
            fragments.find(line).is_none(),
            "fragment {:?} passes {line}",
            fragments.find(line).map(|m| &line[m.range()])
        );
    }
}
