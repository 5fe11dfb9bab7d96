//! Heroku's log stream, as `heroku logs` (and `--tail`) prints it (a Logplex drain's
//! syslog frames, `<158>1 2023-... host heroku router - ...`, are another shape):
//! `2023-04-11T09:12:01.100214+00:00 app[web.1]: 10.1.45.3:40312 - - [...] "WSCONNECT /ws/"`.
//!
//! The word before the brackets is the source (`app` for what the dyno's process wrote,
//! `heroku` for the platform: the router and the dyno manager); inside them is the dyno
//! (`web.1`, `worker.2`) or the platform's part (`router`, `api`). Each dyno is a machine
//! of its own, with its own restarts, as a compose container is: it is the record's host,
//! so `heroku[web.1]: Stopping all processes with SIGTERM` concerns the sessions of
//! `app[web.1]`, not those of `app[web.2]`; a router line's host is the dyno it names
//! (`dyno=web.1`). The router's lines are logfmt pairs (`at=error code=H15 desc="Idle
//! connection" path="/ws/" ...`) read by the `heroku` pack.
//!
//! Read as nothing, such a log was all "unknown": no time, so no rule that needs one.

use std::borrow::Cow;

use super::{Format, Layer, Parsed};
use crate::time::{self, TimeCtx};

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Heroku]
}

/// `<RFC 3339 time> <source>[<dyno>]: <message>`.
pub struct Heroku;

/// The sources Heroku writes: `app` (a dyno's output, and add-ons' lines such as
/// `app[postgres.1234]`) and `heroku` (router, dyno manager, API). Only these: a bare
/// `word[...]:` after a time is also a syslog line without its host.
const SOURCES: &[&str] = &["app", "heroku"];

/// The longest dyno name taken (`scheduler.4392`, `release.1234`, `heroku-postgres`).
const MAX_DYNO: usize = 64;

impl Format for Heroku {
    fn name(&self) -> &'static str {
        "heroku"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        r#"2023-04-11T09:13:01.300111+00:00 heroku[router]: at=error code=H15 desc="Idle connection" method=GET path="/ws/chat/lobby/" host=chat.herokuapp.com fwd="203.0.113.7" dyno=web.1 connect=0ms service=60199ms status=503 bytes= protocol=https"#
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let (ts, source, after) = platform_head(line, SOURCES)?;
        let close = after.find("]:")?;
        let dyno = &after[..close];
        if dyno.len() > MAX_DYNO || !super::docker::is_name(dyno) {
            return None;
        }
        let message = &after[close + 2..];
        let message = message.strip_prefix(' ').unwrap_or(message);
        let mut p = Parsed::new(Cow::Borrowed(message));
        p.ts = Some(ts);
        // The router's line is about the request of the dyno it names (`dyno=web.1`): a
        // stop of that dyno ends it.
        p.host = Some(match dyno {
            "router" => served_by(message).unwrap_or(dyno),
            _ => dyno,
        });
        p.program = Some(Cow::Borrowed(source));
        p.fields.push(("dyno", Cow::Borrowed(dyno)));
        Some(p)
    }
}

/// The head of a platform's log line (Heroku's, Fly.io's): an RFC 3339 time word, then
/// `<source>[` with the source one of `sources`. The time, the source and the text after
/// the bracket.
pub(super) fn platform_head<'a>(
    line: &'a str,
    sources: &[&str],
) -> Option<(crate::record::Timestamp, &'a str, &'a str)> {
    let b = line.as_bytes();
    // Every line of a file without an envelope comes here: a digit and a `T` first.
    if !b.first()?.is_ascii_digit() || b.get(10) != Some(&b'T') {
        return None;
    }
    let word = time::iso_word(b)?;
    let rest = &line[word.len + 1..];
    let open = rest.find('[')?;
    let source = &rest[..open];
    sources
        .contains(&source)
        .then(|| (word.ts, source, &rest[open + 1..]))
}

/// The dyno a router line names (`... dyno=web.1 connect=...`), when it names one (an
/// `H10 App crashed` line has `dyno=` empty).
fn served_by(message: &str) -> Option<&str> {
    let at = message.find(" dyno=")? + " dyno=".len();
    let rest = &message[at..];
    let name = &rest[..rest.find(' ').unwrap_or(rest.len())];
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeCtx {
        TimeCtx::default()
    }

    #[test]
    fn a_dynos_line_keeps_its_time_dyno_and_message() {
        let line = r#"2023-04-11T09:12:01.104218+00:00 app[web.1]: 10.1.45.3:40312 - - [11/Apr/2023:09:12:01] "WSCONNECT /ws/chat/lobby/" - -"#;
        let p = Heroku.parse(line, &ctx()).unwrap();
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2023-04-11T09:12:01.104218+00:00"
        );
        assert_eq!(p.host, Some("web.1"));
        assert_eq!(p.program.as_deref(), Some("app"));
        assert_eq!(
            p.message,
            r#"10.1.45.3:40312 - - [11/Apr/2023:09:12:01] "WSCONNECT /ws/chat/lobby/" - -"#
        );
    }

    #[test]
    fn the_routers_and_the_dyno_managers_lines_are_the_platforms() {
        let p = Heroku
            .parse(
                "2023-04-11T09:20:00.000000+00:00 heroku[web.1]: Stopping all processes with SIGTERM",
                &ctx(),
            )
            .unwrap();
        assert_eq!(p.program.as_deref(), Some("heroku"));
        assert_eq!(p.host, Some("web.1"));
        assert_eq!(p.message, "Stopping all processes with SIGTERM");
        // The router's line belongs to the dyno that served its request.
        let p = Heroku
            .parse(Heroku.example(), &ctx())
            .expect("the example is read");
        assert_eq!(p.host, Some("web.1"));
        assert!(p.message.starts_with("at=error code=H15"));
        let crashed = "2023-04-11T09:13:01.300111+00:00 heroku[router]: at=error code=H10 desc=\"App crashed\" method=GET path=\"/ws/\" host=x.herokuapp.com fwd=\"203.0.113.7\" dyno= connect= service= status=503 bytes=";
        assert_eq!(Heroku.parse(crashed, &ctx()).unwrap().host, Some("router"));
    }

    #[test]
    fn a_syslog_line_without_its_host_is_not_herokus() {
        for line in [
            "2023-04-11T09:12:01.100214+00:00 daphne[812]: WSCONNECT /ws/",
            "2023-04-11T09:12:01.100214+00:00 myhost app[812]: WSCONNECT /ws/",
            "2023-04-11 09:12:01,100 app[web.1]: WSCONNECT /ws/",
            "2023-04-11T09:12:01 app[web.1]: no offset, not heroku logs",
        ] {
            assert!(Heroku.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
