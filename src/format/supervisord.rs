//! supervisord's own log (`/var/log/supervisor/supervisord.log`, or `docker logs` of a
//! container whose entrypoint is supervisord): process lifecycle lines and, at
//! `loglevel=debug`, the output it captured from its programs.

use std::borrow::Cow;

use super::{Format, Kind, Layer, Parsed};
use crate::record::Level;
use crate::time::{digits, iso_prefix, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Supervisord]
}

/// supervisord's logger: `%(asctime)s %(levelname)s %(message)s` with its own
/// four-letter level names (`CRIT ERRO WARN INFO DEBG TRAC BLAT`) and local time without a
/// zone. `DEBG 'daphne' stderr output:` introduces raw lines captured from a program.
pub struct Supervisord;

/// The start of every message supervisord writes at INFO. A Python `logging` line has the
/// same `2020-02-27 02:40:10,543 INFO msg` shape, so an INFO line is supervisord's only
/// when it starts with one of these. `true`: the whole message must also have the
/// lifecycle shape (`exited: NAME (...)`), because the prefix alone is ordinary English.
const INFO_MESSAGES: &[(&str, bool)] = &[
    ("spawned: ", true),
    ("success: ", true),
    ("exited: ", true),
    ("stopped: ", true),
    ("gave up: ", true),
    ("waiting for ", true),
    ("killing ", true),
    ("spawnerr: ", false),
    ("supervisord started with pid ", true),
    ("reaped unknown pid ", true),
    ("received SIG", false),
    ("Set uid to user ", false),
    ("RPC interface ", false),
    ("daemonizing the supervisord process", false),
    ("set current directory: ", false),
    ("Included extra file ", false),
    ("Increased RLIMIT_", false),
    ("Creating socket tcp://", false),
    ("Creating socket unix://", false),
    ("Closing socket tcp://", false),
    ("Closing socket unix://", false),
];

impl Format for Supervisord {
    fn name(&self) -> &'static str {
        "supervisord"
    }

    fn layer(&self) -> Layer {
        Layer::Envelope
    }

    fn example(&self) -> &'static str {
        "2025-06-16 21:30:00,931 WARN exited: daphne (exit status 1; not expected)"
    }

    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let b = line.as_bytes();
        // `YYYY-MM-DD HH:MM:SS,mmm LEVL ` — the level is exactly four letters, which is
        // what rejects Python's `WARNING`, `ERROR`, `DEBUG`, `CRITICAL`.
        if b.len() < 29
            || b[4] != b'-'
            || b[10] != b' '
            || b[19] != b','
            || b[23] != b' '
            || b[28] != b' '
            || digits(&b[20..], 3).is_none()
        {
            return None;
        }
        let level = match &b[24..28] {
            b"CRIT" | b"ERRO" | b"WARN" | b"INFO" | b"DEBG" | b"TRAC" | b"BLAT" => {
                Level::parse(&line[24..28])?
            }
            _ => return None,
        };
        let stamp = iso_prefix(&b[..23], false)?;
        let ts = ctx.complete(stamp.naive, stamp.digits, None)?;
        let message = &line[29..];

        if let Some((program, stream)) = capture_header(message) {
            let mut p = Parsed::new("");
            p.ts = Some(ts);
            p.level = Some(level);
            p.program = Some(Cow::Borrowed(program));
            p.stream = Some(stream);
            p.kind = Kind::Capture;
            return Some(p);
        }

        let life = lifecycle(message);
        if level == Level::Info {
            let (_, shaped) = INFO_MESSAGES
                .iter()
                .find(|(prefix, _)| message.starts_with(prefix))?;
            if *shaped && life.is_none() {
                return None;
            }
        }

        let mut p = Parsed::new(message);
        p.ts = Some(ts);
        p.level = Some(level);
        p.program = Some(Cow::Borrowed("supervisord"));
        if let Some(l) = life {
            p.pid = l.own_pid;
            let fields = [
                ("event", l.event),
                ("process", l.process),
                ("child_pid", l.child_pid),
                ("exit_status", l.exit_status),
                ("expected", l.expected),
                ("signal", l.signal),
            ];
            for (k, v) in fields {
                if let Some(v) = v {
                    p.fields.push((k, Cow::Borrowed(v)));
                }
            }
        }
        Some(p)
    }
}

/// What a lifecycle message says; every part borrowed from the message.
#[derive(Debug, Default, PartialEq)]
struct Life<'a> {
    event: Option<&'a str>,
    process: Option<&'a str>,
    child_pid: Option<&'a str>,
    exit_status: Option<&'a str>,
    expected: Option<&'a str>,
    signal: Option<&'a str>,
    /// supervisord's own pid (`supervisord started with pid 1`).
    own_pid: Option<u32>,
}

/// `'daphne' stderr output:` (Python 2 wrote `u'daphne'`): the program and stream whose
/// raw output follows on the next lines.
fn capture_header(msg: &str) -> Option<(&str, &'static str)> {
    let rest = msg.strip_suffix(" output:")?;
    let (name, stream) = rest.rsplit_once(' ')?;
    let stream = match stream {
        "stdout" => "stdout",
        "stderr" => "stderr",
        _ => return None,
    };
    let name = name.strip_prefix('u').unwrap_or(name);
    let name = name.strip_prefix('\'')?.strip_suffix('\'')?;
    (!name.is_empty()).then_some((name, stream))
}

/// Reads the messages that track a program's state (supervisor's `process.py` and
/// `supervisord.py`), at whatever level they were logged: supervisord 3 wrote
/// `exited: ... not expected` at INFO, 4 at WARN.
fn lifecycle(msg: &str) -> Option<Life<'_>> {
    let mut l = Life::default();
    if let Some(rest) = msg.strip_prefix("spawned: ") {
        // spawned: 'daphne' with pid 9
        let (name, rest) = quoted(rest)?;
        let pid = rest.strip_prefix(" with pid ")?;
        l.event = Some("spawned");
        l.process = Some(name);
        l.child_pid = Some(number(pid)?);
    } else if let Some(rest) = msg.strip_prefix("success: ") {
        // success: daphne entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
        let (name, rest) = rest.split_once(' ')?;
        rest.starts_with("entered RUNNING state").then_some(())?;
        l.event = Some("success");
        l.process = Some(name);
    } else if let Some(rest) = msg.strip_prefix("gave up: ") {
        // gave up: daphne entered FATAL state, too many start retries too quickly
        let (name, rest) = rest.split_once(' ')?;
        rest.starts_with("entered FATAL state").then_some(())?;
        l.event = Some("gave_up");
        l.process = Some(name);
    } else if let Some((event, rest)) = msg
        .strip_prefix("exited: ")
        .map(|r| ("exited", r))
        .or_else(|| msg.strip_prefix("stopped: ").map(|r| ("stopped", r)))
    {
        // exited: daphne (exit status 1; not expected)
        // exited: daphne (terminated by SIGSEGV (core dumped); not expected)
        // stopped: daphne (terminated by SIGTERM)
        let (name, status) = rest.split_once(" (")?;
        let status = status.strip_suffix(')')?;
        if name.is_empty() || name.contains(' ') {
            return None;
        }
        l.event = Some(event);
        l.process = Some(name);
        let (cause, expected) = match status.rsplit_once("; ") {
            Some((c, e @ ("expected" | "not expected"))) => (c, Some(e)),
            _ => (status, None),
        };
        l.expected = expected;
        wait_status(cause, &mut l)?;
    } else if let Some(rest) = msg.strip_prefix("waiting for ") {
        // waiting for daphne to stop / waiting for daphne, runworker to die
        let names = rest
            .strip_suffix(" to stop")
            .or_else(|| rest.strip_suffix(" to die"))?;
        if names.is_empty() {
            return None;
        }
        l.event = Some("waiting");
        l.process = Some(names);
    } else if let Some(rest) = msg.strip_prefix("killing ") {
        // WARN killing 'daphne' (123) with SIGKILL
        // DEBG killing daphne (pid 123) process group with signal SIGTERM
        let (name, rest) = match quoted(rest) {
            Some(q) => q,
            None => rest.split_at(rest.find(' ')?),
        };
        let inner = rest.strip_prefix(" (")?;
        let (pid, tail) = inner.split_once(')')?;
        let pid = pid.strip_prefix("pid ").unwrap_or(pid);
        let sig = tail.rsplit_once(' ')?.1;
        if !sig.starts_with("SIG") || !tail.contains("with ") {
            return None;
        }
        l.event = Some("killing");
        l.process = Some(name);
        l.child_pid = Some(number(pid)?);
        l.signal = Some(sig);
    } else if let Some(rest) = msg.strip_prefix("supervisord started with pid ") {
        l.event = Some("started");
        l.own_pid = Some(number(rest)?.parse().ok()?);
    } else if let Some(rest) = msg.strip_prefix("reaped unknown pid ") {
        // reaped unknown pid 512 (exit status 0) — supervisord 4.2 adds the status
        let (pid, status) = match rest.split_once(" (") {
            Some((p, s)) => (p, Some(s.strip_suffix(')')?)),
            None => (rest, None),
        };
        l.event = Some("reaped");
        l.child_pid = Some(number(pid)?);
        if let Some(s) = status {
            wait_status(s, &mut l)?;
        }
    } else if let Some(rest) = msg.strip_prefix("received ") {
        // received SIGTERM indicating exit request
        let (sig, _) = rest.split_once(' ')?;
        sig.starts_with("SIG").then_some(())?;
        l.signal = Some(sig);
    } else if msg.starts_with("spawnerr: ") {
        l.event = Some("spawnerr");
    } else {
        return None;
    }
    Some(l)
}

/// supervisor's `decode_wait_status` text: `exit status 1`, `terminated by SIGKILL`,
/// `terminated by SIGSEGV (core dumped)`, `unknown termination cause 0x0000`.
fn wait_status<'a>(cause: &'a str, l: &mut Life<'a>) -> Option<()> {
    if let Some(code) = cause.strip_prefix("exit status ") {
        l.exit_status = Some(number(code)?);
    } else if let Some(sig) = cause.strip_prefix("terminated by ") {
        let sig = sig.strip_suffix(" (core dumped)").unwrap_or(sig);
        if sig.is_empty() || sig.contains(' ') {
            return None;
        }
        l.signal = Some(sig);
    } else if !cause.starts_with("unknown termination cause") {
        return None;
    }
    Some(())
}

/// `'name'` at the start: (name, the rest after the closing quote).
fn quoted(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('\'')?;
    let end = s.find('\'')?;
    let name = &s[..end];
    (!name.is_empty()).then_some((name, &s[end + 1..]))
}

/// `s` when it is all ASCII digits (a pid or an exit status).
fn number(s: &str) -> Option<&str> {
    (!s.is_empty() && s.len() <= 10 && s.bytes().all(|c| c.is_ascii_digit())).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TsNote;
    use chrono::NaiveDateTime;

    fn ctx() -> TimeCtx {
        TimeCtx {
            reference: NaiveDateTime::parse_from_str("2026-12-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
            year: None,
            tz: chrono::FixedOffset::east_opt(-4 * 3600).unwrap().into(),
        }
    }

    fn sup(line: &str) -> Option<Parsed<'_>> {
        Supervisord.parse(line, &ctx())
    }

    fn fields<'a>(p: &'a Parsed<'_>) -> Vec<(&'static str, &'a str)> {
        p.fields.iter().map(|(k, v)| (*k, v.as_ref())).collect()
    }

    #[test]
    fn spawned_line_gives_process_and_child_pid() {
        // zane-ops-464-docker-logs-supervisord-daphne-restart-loop.log
        let p = sup("2025-06-16 21:29:24,890 INFO spawned: 'daphne' with pid 9").unwrap();
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(p.program.as_deref(), Some("supervisord"));
        assert_eq!(p.message, "spawned: 'daphne' with pid 9");
        assert_eq!(p.kind, Kind::Record);
        assert_eq!(p.pid, None, "9 is the child's pid, not supervisord's");
        assert_eq!(
            fields(&p),
            [
                ("event", "spawned"),
                ("process", "daphne"),
                ("child_pid", "9")
            ]
        );
    }

    #[test]
    fn local_time_without_zone_is_marked_assumed() {
        let p = sup("2025-06-16 21:29:24,890 INFO spawned: 'daphne' with pid 9").unwrap();
        let ts = p.ts.unwrap();
        assert!(ts.note.contains(TsNote::ZONE));
        assert_eq!(ts.digits, 3);
        assert_eq!(
            ts.to_rfc3339(),
            "2025-06-17T01:29:24.890Z",
            "--tz -04:00 applied"
        );
    }

    #[test]
    fn success_and_unexpected_exit_of_the_restart_loop() {
        let p = sup("2025-06-16 21:29:26,027 INFO success: daphne entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)").unwrap();
        assert_eq!(fields(&p), [("event", "success"), ("process", "daphne")]);
        let p = sup(Supervisord.example()).unwrap();
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(
            fields(&p),
            [
                ("event", "exited"),
                ("process", "daphne"),
                ("exit_status", "1"),
                ("expected", "not expected")
            ]
        );
    }

    #[test]
    fn supervisor3_logged_unexpected_exits_at_info() {
        let p =
            sup("2016-08-17 19:05:12,001 INFO exited: daphne (exit status 0; expected)").unwrap();
        assert_eq!(p.field("exit_status"), Some("0"));
        assert_eq!(p.field("expected"), Some("expected"));
    }

    #[test]
    fn signals_from_stops_kills_and_crashes() {
        let p =
            sup("2026-11-23 19:37:49,123 INFO stopped: daphne (terminated by SIGTERM)").unwrap();
        assert_eq!(
            fields(&p),
            [
                ("event", "stopped"),
                ("process", "daphne"),
                ("signal", "SIGTERM")
            ]
        );
        let p = sup("2026-11-23 19:37:49,123 WARN exited: asgi:daphne_0 (terminated by SIGSEGV (core dumped); not expected)").unwrap();
        assert_eq!(
            p.field("process"),
            Some("asgi:daphne_0"),
            "group:name kept as written"
        );
        assert_eq!(p.field("signal"), Some("SIGSEGV"));
        assert_eq!(p.field("expected"), Some("not expected"));
        let p = sup("2026-11-23 19:37:59,200 WARN killing 'daphne' (125) with SIGKILL").unwrap();
        assert_eq!(
            fields(&p),
            [
                ("event", "killing"),
                ("process", "daphne"),
                ("child_pid", "125"),
                ("signal", "SIGKILL")
            ]
        );
        let p = sup("2026-11-23 19:37:49,123 DEBG killing daphne (pid 125) process group with signal SIGTERM").unwrap();
        assert_eq!(
            fields(&p),
            [
                ("event", "killing"),
                ("process", "daphne"),
                ("child_pid", "125"),
                ("signal", "SIGTERM")
            ]
        );
        let p =
            sup("2026-11-23 19:37:49,123 WARN received SIGTERM indicating exit request").unwrap();
        assert_eq!(fields(&p), [("signal", "SIGTERM")]);
    }

    #[test]
    fn gave_up_and_waiting_events() {
        let p = sup("2026-11-23 19:37:49,123 INFO gave up: daphne entered FATAL state, too many start retries too quickly").unwrap();
        assert_eq!(fields(&p), [("event", "gave_up"), ("process", "daphne")]);
        let p = sup("2026-11-23 19:37:49,123 INFO waiting for daphne, runworker to die").unwrap();
        assert_eq!(
            fields(&p),
            [("event", "waiting"), ("process", "daphne, runworker")]
        );
        let p = sup("2026-11-23 19:37:49,123 INFO waiting for daphne to stop").unwrap();
        assert_eq!(p.field("process"), Some("daphne"));
    }

    #[test]
    fn started_line_carries_supervisords_own_pid() {
        // channels-302-supervisord-daphne1-tz-skew.log
        let p = sup("2016-08-17 19:01:09,439 INFO supervisord started with pid 3473").unwrap();
        assert_eq!(p.pid, Some(3473));
        assert_eq!(fields(&p), [("event", "started")]);
    }

    #[test]
    fn reaped_unknown_pid_with_and_without_status() {
        let p = sup("2025-07-28 00:45:20,882 INFO reaped unknown pid 512 (exit status 0)").unwrap();
        assert_eq!(
            fields(&p),
            [
                ("event", "reaped"),
                ("child_pid", "512"),
                ("exit_status", "0")
            ]
        );
        let p = sup("2018-04-22 03:42:52,506 INFO reaped unknown pid 128").unwrap();
        assert_eq!(p.field("child_pid"), Some("128"));
    }

    #[test]
    fn capture_header_names_the_program_and_stream() {
        // channels-302-supervisord-daphne1-tz-skew.log
        let p = sup("2016-08-17 19:01:11,421 DEBG 'daphne' stderr output:").unwrap();
        assert_eq!(p.kind, Kind::Capture);
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(p.stream, Some("stderr"));
        assert_eq!(p.message, "");
        assert_eq!(p.level, Some(Level::Debug));
        assert!(p.ts.is_some());
        let p = sup("2016-08-17 19:01:11,421 DEBG u'runworker' stdout output:").unwrap();
        assert_eq!(p.program.as_deref(), Some("runworker"));
        assert_eq!(p.stream, Some("stdout"));
    }

    #[test]
    fn fd_closed_debug_line_is_an_ordinary_record() {
        let line = "2016-08-17 19:01:11,421 DEBG fd 7 closed, stopped monitoring <POutputDispatcher at 140 for <Subprocess at 140 with name daphne in state RUNNING> (stdout)>";
        let p = sup(line).unwrap();
        assert_eq!(p.kind, Kind::Record);
        assert_eq!(p.program.as_deref(), Some("supervisord"));
        assert!(p.fields.is_empty());
        assert_eq!(p.stream, None);
    }

    #[test]
    fn non_info_levels_take_any_message() {
        // zane-ops-464
        let p = sup("2025-06-16 21:29:23,880 CRIT Server 'inet_http_server' running without any HTTP authentication checking").unwrap();
        assert_eq!(p.level, Some(Level::Critical));
        let p = sup("2016-08-17 19:01:11,421 BLAT read event caused by <POutputDispatcher at 1>")
            .unwrap();
        assert_eq!(p.level, Some(Level::Trace));
        let p = sup("2016-08-17 19:01:11,421 TRAC anything").unwrap();
        assert_eq!(p.level, Some(Level::Trace));
        let p = sup("2016-08-17 19:01:11,421 ERRO pool x event buffer overflowed").unwrap();
        assert_eq!(p.level, Some(Level::Error));
    }

    #[test]
    fn info_lines_of_supervisord_startup_are_accepted() {
        for msg in [
            "RPC interface 'supervisor' initialized",
            "Set uid to user 1000 succeeded",
            "daemonizing the supervisord process",
            "Included extra file \"/etc/supervisor/conf.d/daphne.conf\" during parsing",
            "Increased RLIMIT_NOFILE limit to 1024",
            "received SIGUSR2 indicating log reopen request",
            "spawnerr: can't find command 'daphne'",
            "Creating socket tcp://localhost:8000",
            "Closing socket unix:///run/daphne/daphne0.sock",
        ] {
            let line = format!("2026-11-23 19:37:49,123 INFO {msg}");
            let p = sup(&line).unwrap_or_else(|| panic!("{msg}"));
            assert_eq!(p.message, msg);
        }
    }

    #[test]
    fn python_logging_info_lines_of_the_same_shape_are_not_supervisords() {
        for line in [
            "2020-02-27 02:40:10,543 INFO Starting server at tcp:port=8000:interface=0.0.0.0",
            // channels-302: daphne's own line inside the capture
            "2016-08-17 23:01:11,421 INFO     Starting server at 0.0.0.0:9000, channel layer laguardia.asgi:channel_layer",
            "2026-11-23 19:37:49,123 INFO success: user logged in",
            "2026-11-23 19:37:49,123 INFO waiting for redis",
            "2026-11-23 19:37:49,123 INFO exited: the loop",
            "2026-11-23 19:37:49,123 INFO stopped: worker (because)",
            "2026-11-23 19:37:49,123 INFO killing time",
            "2026-11-23 19:37:49,123 INFO spawned: 'task' with pid many",
            "2026-11-23 19:37:49,123 INFO Creating socket",
            "2026-11-23 19:37:49,123 INFO stopping",
            "2026-11-23 19:37:49,123 WARNING Disconnected",
            "2026-11-23 19:37:49,123 ERROR Exception inside application",
            "2026-11-23 19:37:49,123 DEBUG HTTP b'GET' request",
            "2026-11-23 19:37:49,123 CRITICAL Listen failure",
            "2026-11-23 19:37:49.123 WARN dotted fraction",
            "2026-11-23T19:37:49,123 WARN T separator",
            "2026-11-23 19:37:49,123  WARN two spaces",
            "2026-11-23 19:37:49,123 warn lower case",
        ] {
            assert!(sup(line).is_none(), "{line}");
        }
    }

    #[test]
    fn garbage_multibyte_empty_and_truncated_lines_never_panic() {
        let mut lines: Vec<String> = [
            "",
            "é",
            "2026-11-23 19:37:49,123 INFO",
            "2026-11-23 19:37:49,123 INFO ",
            "2026-11-23 19:37:49,123 INFOé",
            "2026-11-23 19:37:49,123 ÉNFO x",
            "2026-11-23 19:37:49,1é3 INFO x",
            "2026-11-23 19:37:49,12é INFO x",
            "2026-11-23 1é:37:49,123 INFO x",
            "2026-13-23 19:37:49,123 WARN x",
            "2026-11-23 19:37:49,123 DEBG '' stdout output:",
            "2026-11-23 19:37:49,123 DEBG 'é' stdout output:",
            "2026-11-23 19:37:49,123 DEBG ' stdout output:",
            "2026-11-23 19:37:49,123 DEBG stdout output:",
            "2026-11-23 19:37:49,123 INFO spawned: 'é",
            "2026-11-23 19:37:49,123 INFO spawned: 'é' with pid ",
            "2026-11-23 19:37:49,123 WARN killing 'é",
            "2026-11-23 19:37:49,123 WARN killing é",
            "2026-11-23 19:37:49,123 WARN killing éé (pid 1) with signal SIGé",
            "2026-11-23 19:37:49,123 WARN killing ",
            "2026-11-23 19:37:49,123 WARN exited: é (",
            "2026-11-23 19:37:49,123 WARN exited: é ()",
            "2026-11-23 19:37:49,123 WARN exited: x (exit status ; not expected)",
            "2026-11-23 19:37:49,123 INFO supervisord started with pid 99999999999999999999",
            "2026-11-23 19:37:49,123 INFO reaped unknown pid 1 (",
            "2026-11-23 19:37:49,123 INFO received é",
            "2026-11-23 19:37:49,123 INFO waiting for  to die",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for real in [
            Supervisord.example(),
            "2016-08-17 19:01:11,421 DEBG 'daphne' stderr output:",
            "2026-11-23 19:37:59,200 WARN killing 'daphne' (125) with SIGKILL",
            "2026-11-23 19:37:49,123 INFO spawned: 'dåphné' with pid 9",
        ] {
            lines.extend(real.char_indices().map(|(i, _)| real[..i].to_string()));
        }
        for line in &lines {
            let _ = sup(line);
        }
        // spot checks on what must not be accepted
        assert!(sup("").is_none());
        assert!(sup("2026-11-23 19:37:49,123 INFO ").is_none());
        assert!(sup(
            "2026-11-23 19:37:49,123 INFO supervisord started with pid 99999999999999999999"
        )
        .is_none());
        let p = sup("2026-11-23 19:37:49,123 INFO spawned: 'dåphné' with pid 9").unwrap();
        assert_eq!(p.field("process"), Some("dåphné"));
    }

    #[test]
    fn docker_and_syslog_lines_are_not_supervisord() {
        for line in [
            "2026-11-23T19:37:49.123456789Z 2025-06-16 21:30:00,931 WARN exited: daphne (exit status 1; not expected)",
            "web-1  | 2025-06-16 21:30:00,931 WARN exited: daphne (exit status 1; not expected)",
            "Nov 23 19:37:49 host supervisord[1]: 2025-06-16 21:30:00,931 WARN x",
        ] {
            assert!(sup(line).is_none(), "{line}");
        }
    }
}
