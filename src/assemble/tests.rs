use super::*;
use crate::input::LineMeta;

const META: LineMeta = LineMeta {
    truncated: false,
    unterminated: false,
    clean: false,
    plain: false,
};

fn assemble(text: &str) -> Assembled {
    assemble_str(0, text, TimeCtx::default())
}

fn accounted(s: &InputStats) -> bool {
    s.lines == s.parsed + s.continuation + s.blank + s.unparsed
}

#[test]
fn blank_is_what_trim_leaves_empty() {
    for s in [
        "", " ", "\t", "\u{b}", "\u{c}", "\r", " \u{a0}", "\u{2003}", "\u{85}", "x", " x",
        "\u{b}x", "\u{a0}x", "é", "\u{1}", "\u{7f}",
    ] {
        assert_eq!(is_blank(s), s.trim().is_empty(), "{s:?}");
    }
}

#[test]
fn source_keys_tell_their_parts_apart() {
    let parts = [
        (Some("web"), None, Some("host")),
        (Some("web"), Some("stdout"), Some("host")),
        (Some("webhost"), None, None),
        (None, Some("web"), Some("host")),
        (Some("web-1234"), None, Some("host")),
        (Some("web-1234\0"), None, Some("host")),
        (Some("web-12345678"), None, None),
        (Some("web-1234"), Some("5678"), None),
        (Some(""), None, None),
        (None, None, None),
    ];
    for (i, a) in parts.iter().enumerate() {
        for (j, b) in parts.iter().enumerate() {
            let ka = SourceKey::of(a.0, a.1, a.2);
            let kb = SourceKey::of(b.0, b.1, b.2);
            assert_eq!(ka == kb, i == j, "{a:?} {b:?}");
        }
    }
}

#[test]
fn settled_records_come_out_in_order_and_the_last_ones_stay() {
    let text: String = (1..=40)
        .map(|i| {
            format!(
                "2026-11-23T08:00:{:02}+0000 web-1 app[7]: line {i}\n",
                i % 60
            )
        })
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let ctx = TimeCtx::fixed(2026, 11, 23, 12);
    let mut a = Assembler::new(0, detect(&lines, &ctx), ctx);
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        a.push(i as u64 + 1, l.as_bytes(), META);
        if i % 7 == 6 {
            let mut settled = a.take_settled(3);
            assert!(settled.iter().all(|r| r.line + 3 <= i as u64 + 1));
            out.append(&mut settled);
            // Given back, the list holds the records to come: none is lost or repeated.
            a.recycle(settled);
        }
    }
    out.extend(a.take_settled(0));
    assert!(a.take_settled(0).is_empty());
    let done = a.finish();
    assert!(done.records.is_empty());
    assert_eq!(done.stats.records, 40);
    let numbers: Vec<u64> = out.iter().map(|r| r.line).collect();
    assert_eq!(numbers, (1..=40).collect::<Vec<u64>>());
    assert!(out.iter().all(|r| r.message == format!("line {}", r.line)));
}

#[test]
fn a_reused_text_holds_only_its_own_line_and_a_huge_lines_buffer_is_not_kept() {
    // Skipped records take their text from the ones the sieve dropped: each must hold
    // its own line, whatever the reused text held, and a buffer that once held a 1 MB
    // line goes back to the allocator rather than into every short line after it.
    let lines = [
        "2026-11-23T08:00:01+0000 web-1 app[7]: first",
        "2026-11-23T08:00:02+0000 web-1 app[7]: second",
    ];
    let ctx = TimeCtx::fixed(2026, 11, 23, 12);
    let mut a = Assembler::new(0, detect(&lines, &ctx), ctx);
    a.skip_unless(std::sync::Arc::new(|_: &str| false));
    a.reuse_text(String::with_capacity(1 << 20));
    assert!(a.texts.is_empty(), "a 1 MB buffer was kept");
    a.reuse_text("an old, much longer line that was dropped".to_string());
    for (i, l) in lines.iter().enumerate() {
        a.push(i as u64 + 1, l.as_bytes(), META);
    }
    assert!(a.texts.is_empty(), "the text given back was not reused");
    let messages: Vec<String> = a.take_settled(0).into_iter().map(|r| r.message).collect();
    assert_eq!(messages, lines.map(str::to_string));
}

#[test]
fn every_line_is_accounted_for() {
    let a = assemble("one\n\n  two\nTraceback (most recent call last):\n  File \"x\", line 1\nValueError: boom\n\u{1}\u{2}junk\n");
    assert!(accounted(&a.stats), "{:?}", a.stats);
    assert_eq!(a.stats.lines, 7);
    assert_eq!(a.stats.blank, 1);
}

#[test]
fn traceback_joins_the_record_before_it_including_the_exception_line() {
    let a = assemble("Exception inside application\nTraceback (most recent call last):\n  File \"a.py\", line 1, in f\n    raise ValueError(\"x\")\nValueError: x\nnext line\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!(a.records[0].end_line, 5);
    assert!(a.records[0].message.ends_with("ValueError: x"));
    assert_eq!(a.records[1].message, "next line");
}

#[test]
fn exception_shaped_line_without_open_traceback_is_its_own_record() {
    let a = assemble("first\nKeyError: nothing open\n");
    assert_eq!(a.records.len(), 2);
}

#[test]
fn continuation_at_start_of_input_becomes_a_traceback_fragment() {
    let a = assemble("    return await self.inner(scope)\n           ^^^^^^\nValueError: No route found for path 'ws/x/'.\n");
    assert_eq!(a.records.len(), 1, "{:#?}", a.records);
    assert_eq!(a.records[0].format, TRACEBACK);
    assert_eq!(
        a.records[0].end_line, 3,
        "the exception line closes the fragment"
    );
    assert_eq!(a.leading_orphans, 1);
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_counted() {
    let ctx = TimeCtx::default();
    let det = detect(&[], &ctx);
    let mut a = Assembler::new(0, det, ctx);
    a.push(1, b"caf\xe9 \x00 nul", META);
    let done = a.finish();
    assert_eq!(done.stats.lossy, 1);
    assert!(done.records[0].flags.lossy);
    assert!(done.records[0].message.contains('\u{fffd}'));
    assert_eq!(done.records[0].format, UNKNOWN);
    assert_eq!(done.stats.unparsed, 1);
}

#[test]
fn ansi_colour_never_reaches_the_message() {
    let a = assemble("\u{1b}[32mgreen\u{1b}[0m text\n");
    assert_eq!(a.records[0].message, "green text");
}

#[test]
fn traceback_whose_head_was_cut_off_still_takes_its_exception_line() {
    let a = assemble("packages\\channels\\middleware.py\", line 24, in __call__\n    return await self.inner(scope)\n  File \"routing.py\", line 136, in __call__\n    raise ValueError(\"x\")\nValueError: No route found for path 'ws/x/'.\nnext\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert!(a.records[0].message.ends_with("'ws/x/'."));
}

/// Regression: a gunicorn worker's pid in the app layout made compose traceback lines
/// (which carry no pid) skip their own record and join an older one.
#[test]
fn compose_traceback_joins_the_gunicorn_line_before_it_not_an_older_record() {
    let a = assemble("django_1  | RuntimeError: earlier\ndjango_1  | [2023-06-23 13:08:02 +0000] [14] [ERROR] Exception in ASGI application\ndjango_1  | Traceback (most recent call last):\ndjango_1  |   File \"x.py\", line 1, in f\ndjango_1  | RuntimeError: boom\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!(a.records[1].line, 2);
    assert_eq!(a.records[1].end_line, 5);
    assert_eq!(a.records[0].end_line, 1);
}

#[test]
fn exception_line_after_a_leading_traceback_fragment_joins_it() {
    let a = assemble("    raise self.connection_closed_exc()\nwebsockets.exceptions.ConnectionClosedError: sent 1000 (OK); no close frame received\nINFO:     connection closed\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!(a.records[0].format, TRACEBACK);
    assert_eq!(a.records[0].end_line, 2);
}

/// An assembler keeping only texts that hold `WSCONNECT`, for docker json-file lines.
fn docker_wsconnect_only() -> Assembler {
    let ctx = TimeCtx::default();
    let line = r#"{"log":"x\n","stream":"stdout","time":"2026-11-26T00:30:49.000000000Z"}"#;
    let det = detect(&[line], &ctx);
    let mut a = Assembler::new(0, det, ctx);
    a.skip_unless(std::sync::Arc::new(|t: &str| t.contains("WSCONNECT")));
    a
}

#[test]
fn a_clean_lines_own_text_is_not_searched_again() {
    // The reader vouches that the line holds nothing the filter looks for, so the
    // message cut from it is skipped unsearched (here the voucher is false on purpose:
    // the record comes out skipped although its text holds the literal).
    let mut a = docker_wsconnect_only();
    let line = br#"{"log":"WSCONNECT /ws/1/\n","stream":"stdout","time":"2026-11-26T00:30:49.000000000Z"}"#;
    let clean = LineMeta {
        clean: true,
        ..META
    };
    a.push(1, line, clean);
    a.push(2, line, META);
    let done = a.finish();
    assert!(done.records[0].flags.skipped);
    assert!(!done.records[1].flags.skipped);
}

#[test]
fn a_clean_lines_decoded_message_is_still_searched() {
    // JSON escapes hide the literal from a search of the raw line; the decoded message
    // is a copy, not a part of the line, so it is searched.
    let mut a = docker_wsconnect_only();
    let line = br#"{"log":"WS\u0043ONNECT /ws/1/\n","stream":"stdout","time":"2026-11-26T00:30:49.000000000Z"}"#;
    assert!(memchr::memmem::find(line, b"WSCONNECT").is_none());
    a.push(
        1,
        line,
        LineMeta {
            clean: true,
            ..META
        },
    );
    let done = a.finish();
    assert!(!done.records[0].flags.skipped, "{:?}", done.records[0]);
    assert!(done.records[0].message.contains("WSCONNECT"));
}

/// Regression (seen on the real stack, Redis stopped under three open sockets): Daphne's
/// access lines on stdout fell between the lines of a chained traceback on stderr, and
/// the journal keeps the blank lines of the chain as empty entries. The blank entries
/// each started a record, cutting the chain in three, and the frames after the access
/// lines joined the last of them, so `WSDISCONNECT /ws/notifications/` became part of
/// a traceback and its connection was never closed.
#[test]
fn a_chained_traceback_stays_whole_around_access_lines_and_blank_entries() {
    let a = assemble(include_str!(
        "testdata/chained-traceback-interleaved.journal.log"
    ));
    assert!(accounted(&a.stats), "{:?}", a.stats);
    assert_eq!(a.stats.blank, 2, "the chain's two empty entries");
    let msgs: Vec<&str> = a.records.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(a.records.len(), 5, "{msgs:#?}");
    let tb = &a.records[0];
    assert!(tb
        .message
        .contains("During handling of the above exception"));
    assert!(tb
        .message
        .ends_with("Connect call failed ('127.0.0.1', 45957)."));
    assert!(!tb.message.contains("WSDISCONNECT"), "{}", tb.message);
    for (r, path) in
        a.records[1..4]
            .iter()
            .zip(["/ws/chat/11/101/", "/ws/chat/12/101/", "/ws/notifications/"])
    {
        assert!(
            r.message.contains(&format!("\"WSDISCONNECT {path}\"")),
            "{}",
            r.message
        );
        assert_eq!(r.line, r.end_line, "an access line takes no continuation");
    }
    assert!(a.records[4]
        .message
        .contains("WSCONNECTING /ws/chat/14/101/"));
}

#[test]
fn access_lines_of_daphne_and_uvicorn_are_told_from_log_lines() {
    for yes in [
        "127.0.0.1:43853 - - [26/Nov/2026:16:55:23] \"WSDISCONNECT /ws/chat/11/101/\" - -",
        "INFO:     127.0.0.1:52834 - \"GET /ws/ HTTP/1.1\" 101",
        "127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]",
    ] {
        assert!(is_access_line(yes), "{yes}");
    }
    for no in [
        "2026-11-26 16:55:23,342 ERROR    Exception inside application: boom",
        "INFO:     connection open",
        "ERROR:    Exception in ASGI application",
        "Traceback (most recent call last):",
        "- - [x]",
    ] {
        assert!(!is_access_line(no), "{no}");
    }
}

/// With no traceback open, an indented line joins the line before it, access line or
/// not: only a traceback's lines look past access lines.
#[test]
fn an_indented_line_with_no_traceback_open_joins_the_line_before_it() {
    let a = assemble("first record\n127.0.0.1:1 - - [26/Nov/2026:16:55:23] \"WSCONNECT /ws/\" - -\n  indented detail\n");
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert!(a.records[1].message.ends_with("- -\n  indented detail"));
}

/// A traceback that never ends (a process killed while writing it) stops holding the
/// access lines after it once they fill the look-back: `watch` hands records on only
/// when no open traceback may still take them.
#[test]
fn an_unended_traceback_stops_holding_access_lines_after_the_look_back() {
    let ctx = TimeCtx::default();
    let det = detect(&[], &ctx);
    let mut a = Assembler::new(0, det, ctx);
    a.push(1, b"Exception inside application: boom", META);
    a.push(2, b"Traceback (most recent call last):", META);
    let access = b"127.0.0.1:1 - - [26/Nov/2026:16:55:23] \"WSCONNECT /ws/\" - -";
    for n in 0..LOOKBACK as u64 + 4 {
        a.push(3 + n, access, META);
    }
    let settled = a.take_settled(2);
    assert!(
        !settled.is_empty(),
        "the access lines past the look-back are settled"
    );
}

#[test]
fn a_json_record_inside_an_envelope_is_decoded_as_a_file_of_them_would_be() {
    // nginx in a container logging JSON to stdout, and a structured application log in
    // the journal: the message is the line their own formats make of them.
    let text = concat!(
        r#"{"log":"{\"msec\":\"1795600801.123\",\"remote_addr\":\"10.0.0.5\",\"request\":\"GET /ws/chat/ HTTP/1.1\",\"status\":101,\"request_time\":3.001}\n","stream":"stdout","time":"2026-11-25T10:00:01.124000000Z"}"#,
        "\n",
        r#"{"log":"{\"levelname\": \"ERROR\", \"name\": \"daphne.server\", \"message\": \"Exception inside application: boom\"}\n","stream":"stderr","time":"2026-11-25T10:00:02.000000000Z"}"#,
        "\n",
    );
    let a = assemble(text);
    assert_eq!(a.records.len(), 2);
    let r = &a.records[0];
    assert_eq!(r.format, "docker-json");
    assert!(
        r.message.starts_with("10.0.0.5 - - [")
            && r.message.contains("\"GET /ws/chat/ HTTP/1.1\" 101 0 "),
        "{}",
        r.message
    );
    assert_eq!(r.app.as_ref().map(|a| a.format), Some("nginx-access"));
    let r = &a.records[1];
    assert_eq!(r.message, "Exception inside application: boom");
    assert_eq!(r.level, Some(Level::Error));
}

#[test]
fn a_traceback_logged_with_a_prefix_of_its_own_is_its_own_record() {
    // daphne#165: `logger.error(traceback.format_exc())` 16 s after the last INFO line
    // was joined to that line as continuation text, and lost its time and level.
    let a = assemble(
        "[2018-02-07 20:04:12] daphne.server INFO Listening on endpoint tcp:port=8001:interface=127.0.0.1\n\
         [2018-02-07 20:04:28] daphne.ws_protocol ERROR Traceback (most recent call last):\n  \
         File \"/venv/lib/python3.6/site-packages/daphne/ws_protocol.py\", line 76, in onConnect\n    \
         \"subprotocols\": subprotocols,\n\
         KeyError: 'websocket'\n",
    );
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert_eq!((a.records[1].line, a.records[1].end_line), (2, 5));
    assert_eq!(a.records[1].level, Some(Level::Error));
    // Two tracebacks a third of a second apart, each with its prefix, are two.
    let a = assemble(
        "2018-05-31 08:55:41,789 - ERROR - http_protocol - Traceback (most recent call last):\n  \
         File \"/x/daphne/http_protocol.py\", line 166, in process\n\
         ValueError: I/O operation on closed file.\n\
         2018-05-31 08:55:42,138 - ERROR - http_protocol - Traceback (most recent call last):\n  \
         File \"/x/daphne/http_protocol.py\", line 166, in process\n\
         ValueError: I/O operation on closed file.\n",
    );
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert!(accounted(&a.stats));
    // A logger that writes every line of a traceback with its prefix (Twisted, daphne#263)
    // still gives one record: the head joins the line it explains.
    let a = assemble(
        "2020-02-27 02:40:10,681 CRITICAL Listen failure: [Errno 88] Socket operation on non-socket\n\
         2020-02-27 02:40:10,682 ERROR    Traceback (most recent call last):\n\
         2020-02-27 02:40:10,803 ERROR      File \"/usr/local/bin/daphne\", line 8, in <module>\n",
    );
    assert_eq!(a.records.len(), 1, "{:#?}", a.records);
}

#[test]
fn a_twisted_failure_s_frames_join_its_record() {
    // channels#1446 (Daphne 2 on Windows): a `[Failure instance: Traceback: ...]` writes
    // one frame per line, unindented, `path.py:line:function`. Each was a record "unknown"
    // of its own, and `onConnect` was never in the failure's record.
    let text =
        "[Failure instance: Traceback: <class 'ValueError'>: No route found for path 'ws/'.\n\
        C:\\Python37\\lib\\site-packages\\autobahn\\websocket\\protocol.py:2821:processHandshake\n\
        /usr/lib/python3/dist-packages/daphne/ws_protocol.py:83:onConnect\n\
        --- <exception caught here> ---\n\
        /usr/lib/python3/dist-packages/twisted/internet/defer.py:151:maybeDeferred\n\
        /usr/lib/python3/dist-packages/channels/routing.py:54:__call__\n";
    let a = assemble(text);
    assert_eq!(a.records.len(), 1);
    assert!(a.records[0].message.contains("ws_protocol.py:83:onConnect"));
    assert_eq!(a.stats.continuation, 5);
    assert!(accounted(&a.stats));
    // A path with more after it is not a frame.
    for line in [
        "/usr/lib/python3/x.py:12:main extra",
        "/var/log/app.py:12:",
        "C:\\x.py:a:f",
    ] {
        assert!(!is_failure_frame(line), "{line}");
    }
}

/// A docker json-file line of `stream` at second `s`; `end` when it ends with `\n`.
fn docker_line(stream: &str, s: u32, log: &str, end: bool) -> String {
    let nl = if end { "\\n" } else { "" };
    format!(
        r#"{{"log":"{log}{nl}","stream":"{stream}","time":"2026-11-26T00:30:{s:02}.000000000Z"}}"#
    )
}

#[test]
fn a_partial_line_is_joined_to_its_own_streams_end_across_the_other_stream() {
    // The runtime splits each stream's long lines on its own: a stdout line came between
    // a stderr line's two parts, which made three records and cut its token in two.
    let text = [
        docker_line("stderr", 1, "WebSocket /ws/chat/9/?token=e", false),
        docker_line("stdout", 1, "GET /healthz 200", true),
        docker_line("stderr", 1, "yJhbGci.sig\\\" 403", true),
        docker_line("stdout", 2, "after", true),
    ]
    .join("\n");
    let a = assemble(&text);
    let got: Vec<(u64, u64, &str)> = a
        .records
        .iter()
        .map(|r| (r.line, r.end_line, r.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, 2, "GET /healthz 200"),
            (1, 3, "WebSocket /ws/chat/9/?token=eyJhbGci.sig\" 403"),
            (4, 4, "after"),
        ]
    );
    assert!(accounted(&a.stats), "{:?}", a.stats);
}

#[test]
fn a_partial_whose_end_never_came_is_a_record_of_its_own_after_a_while() {
    let mut lines = vec![docker_line("stderr", 1, "cut short", false)];
    for i in 0..PARTIAL_SPAN + 2 {
        lines.push(docker_line("stdout", 2, &format!("line {i}"), true));
    }
    let a = assemble(&lines.join("\n"));
    let cut = a.records.iter().find(|r| r.message == "cut short");
    assert_eq!(cut.map(|r| (r.line, r.end_line)), Some((1, 1)));
    assert_eq!(a.records.len() as u64, PARTIAL_SPAN + 3);
    // Not held to the end: it comes out among the lines after it.
    let at = a.records.iter().position(|r| r.message == "cut short");
    assert!(at.unwrap() < a.records.len() - 1);
    assert!(accounted(&a.stats), "{:?}", a.stats);
}

#[test]
fn a_structured_record_docker_split_in_parts_is_decoded_once_joined() {
    // docker cuts a line at 16 KiB: a JSON log with its traceback came in two parts, and
    // each part alone is no JSON object, so the record kept its raw JSON text.
    let first = r#"{\"levelname\": \"ERROR\", \"process\": 42, \"message\": \"Exception inside application: Error 111 connecting to redis:6379. Connection refused.\", "#;
    let rest = r#"\"exc_info\": \"Traceback (most recent call last):\\n  File \\\"/app/x.py\\\", line 1, in f\\nConnectionError: boom\"}"#;
    let text = [
        docker_line("stderr", 1, first, false),
        docker_line("stderr", 1, rest, true),
    ]
    .join("\n");
    let a = assemble(&text);
    assert_eq!(a.records.len(), 1, "{:?}", a.records);
    let r = &a.records[0];
    assert!(
        r.message
            .starts_with("Exception inside application: Error 111 connecting to redis:6379."),
        "{}",
        r.message
    );
    assert!(
        r.message.ends_with("ConnectionError: boom"),
        "{}",
        r.message
    );
    assert_eq!(r.level, Some(Level::Error));
    assert_eq!(r.pid, Some(42));
}

#[test]
fn pasted_indent_is_the_blanks_every_line_shares_unless_the_log_begins_in_a_traceback() {
    let indent = |text: &str| pasted_indent(text.lines().map(str::as_bytes), b' ').width;
    let tabs = |text: &str| pasted_indent(text.lines().map(str::as_bytes), b'\t').width;
    assert_eq!(indent("    a\n\n      b\n    c\n"), 4);
    assert_eq!(indent("    a\nb\n"), 0);
    assert_eq!(indent("\tOSError: x\n\t  File \"a.py\"\n"), 0);
    assert_eq!(tabs("\ta\n\t\tb\n"), 1);
    assert_eq!(tabs("\ta\nb\n"), 0);
    // A file that begins inside a long traceback: its frames keep their blanks.
    let frames = "  File \"a.py\", line 1, in f\n    g()\n".repeat(40);
    assert_eq!(indent(&frames), 0);
    // A pasted traceback under a pasted log line is still a paste.
    let pasted = "  ERROR boom\n  Traceback (most recent call last):\n    File \"a.py\", line 1, in f\n      g()\n  ValueError: x\n";
    assert_eq!(indent(pasted), 2);
}

#[test]
fn what_a_markdown_paste_puts_around_a_line_is_cut_and_websockets_debug_lines_are_kept() {
    let cut = cut_paste_marks;
    assert_eq!(
        cut("> web_1  | [2017/03/07 06:32:37] WebSocket DISCONNECT /socket [172.25.0.1:33257]"),
        "web_1  | [2017/03/07 06:32:37] WebSocket DISCONNECT /socket [172.25.0.1:33257]"
    );
    assert_eq!(
        cut("> > INFO:     Shutting down"),
        "INFO:     Shutting down"
    );
    assert_eq!(cut(">"), "");
    assert_eq!(
        cut("```127.0.0.1:57338 - - [17/Oct/2017:12:18:04] \"WSCONNECTING /\" - -"),
        "127.0.0.1:57338 - - [17/Oct/2017:12:18:04] \"WSCONNECTING /\" - -"
    );
    assert_eq!(cut("```log"), "");
    assert_eq!(cut("```"), "");
    assert_eq!(
        cut("`2018/04/17 18:41:29 [error] 13#13: *1 recv() failed`"),
        "2018/04/17 18:41:29 [error] 13#13: *1 recv() failed"
    );
    assert_eq!(cut("^CINFO:     Shutting down"), "INFO:     Shutting down");
    // Regression (channels#514): inline code over several lines left a backtick before
    // the first line's time and after the last line's text; the first was "plain".
    assert_eq!(
        cut("`2017-12-25 11:10:14,788 DEBUG    WebSocket daphne.response.Br!fL open and established"),
        "2017-12-25 11:10:14,788 DEBUG    WebSocket daphne.response.Br!fL open and established"
    );
    assert_eq!(
        cut("2017-12-25 11:10:38,021 DEBUG    WebSocket incoming frame on daphne.response.Br!fL`"),
        "2017-12-25 11:10:38,021 DEBUG    WebSocket incoming frame on daphne.response.Br!fL"
    );
    assert_eq!(
        cut("INFO:     connection closed```"),
        "INFO:     connection closed"
    );
    assert_eq!(
        cut("> INFO:     connection closed`"),
        "INFO:     connection closed"
    );
    assert_eq!(
        cut("|   File \"/app/consumers.py\", line 12, in connect"),
        "  File \"/app/consumers.py\", line 12, in connect"
    );
    // The `websockets` library's debug lines begin with `> ` of their own.
    for line in [
        "> CLOSE 1011 (internal error) keepalive ping timeout [24 bytes]",
        "> TEXT '{\"type\": \"ping\"}' [16 bytes]",
        "> PING '' [0 bytes]",
        "> EOF",
        "> HTTP/1.1 101 Switching Protocols",
        "> Upgrade: websocket",
        "> Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        "`a` and `b`",
        "Unknown field `name`",
        "` spaced",
        "ends spaced `",
        "^Z",
        "|no space",
        "plain line",
    ] {
        assert_eq!(cut(line), line, "{line}");
    }
}

#[test]
fn asyncios_handle_line_and_the_traceback_under_it_join_their_exception_in_callback() {
    // daphne#206: `handle: <TimerHandle ...>` started a record of its own, which took
    // the traceback, and the logged line above was left without it.
    let text = "ERROR 2018-05-24 05:46:01,284 base_events 22 140015681480448 Exception in callback AsyncioSelectorReactor.callLater.<locals>.run() at /usr/local/lib/python3.5/site-packages/twisted/internet/asyncioreactor.py:287\n\
handle: <TimerHandle when=599743.236895389 AsyncioSelectorReactor.callLater.<locals>.run() at /usr/local/lib/python3.5/site-packages/twisted/internet/asyncioreactor.py:287>\n\
Traceback (most recent call last):\n\
\x20 File \"/usr/local/lib/python3.5/site-packages/daphne/server.py\", line 213, in application_checker\n\
\x20   if not application_instance.done():\n\
AttributeError: 'NoneType' object has no attribute 'done'\n\
2018-05-24 05:46:02,001 INFO     next line\n";
    let a = assemble(text);
    assert_eq!(a.records.len(), 2, "{:#?}", a.records);
    assert!(a.records[0].message.ends_with("has no attribute 'done'"));
    assert!(accounted(&a.stats));
    let text = "2024-01-01 10:00:00,000 ERROR Task exception was never retrieved\n\
future: <Task finished name='Task-5' coro=<run() done> exception=ConnectionClosedError(None, Close(code=1011, reason='keepalive ping timeout'), None)>\n\
2024-01-01 10:00:01,000 INFO next\n";
    assert_eq!(assemble(text).records.len(), 2);
}
