//! Fly.io's log stream, as `fly logs` prints it:
//! `2023-07-30T07:13:11Z app[6e82932a759e18] fra [info]ERROR:    Exception in ASGI application`.
//!
//! The word before the brackets is the source (`app` for what the machine's process
//! wrote, `proxy` and `runner` for the platform's), the brackets hold the machine's id,
//! then its region and the stream's level in brackets, glued to the line the process
//! wrote. Each machine is a host of its own, with its own restarts.
//!
//! Read as nothing, such a log was all "unknown": no time, and uvicorn's lines of two
//! machines could not be told apart.

use std::borrow::Cow;

use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Fly]
}

/// `<RFC 3339 time> <source>[<machine>] <region> [<level>]<message>`.
pub struct Fly;

/// The sources `fly logs` writes.
const SOURCES: &[&str] = &["app", "proxy", "runner", "health"];

impl Format for Fly {
    fn name(&self) -> &'static str {
        "fly"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        r#"2023-07-30T07:13:11Z app[6e82932a759e18] fra [info]INFO:     10.0.0.5:51065 - "WebSocket /ws/chat/42/" [accepted]"#
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let (ts, source, after) = super::heroku::platform_head(line, SOURCES)?;
        let close = after.find("] ")?;
        let machine = &after[..close];
        if machine.len() > 64 || !super::docker::is_name(machine) {
            return None;
        }
        let after = &after[close + 2..];
        let (region, after) = after.split_once(" [")?;
        if region.len() != 3 || !region.bytes().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let (level, message) = after.split_once(']')?;
        let level = Level::parse(level)?;
        let mut p = Parsed::new(Cow::Borrowed(message));
        p.ts = Some(ts);
        p.host = Some(machine);
        p.program = Some(Cow::Borrowed(source));
        p.level = Some(level);
        p.fields.push(("region", Cow::Borrowed(region)));
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machines_line_keeps_its_time_machine_region_and_message() {
        let line = "2023-07-30T07:13:11Z app[6e82932a759e18] fra [info]ERROR:    Exception in ASGI application";
        let p = Fly.parse(line, &TimeCtx::default()).unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2023-07-30T07:13:11+00:00");
        assert_eq!(p.host, Some("6e82932a759e18"));
        assert_eq!(p.program.as_deref(), Some("app"));
        assert_eq!(p.field("region"), Some("fra"));
        assert_eq!(p.message, "ERROR:    Exception in ASGI application");
        assert!(Fly.parse(Fly.example(), &TimeCtx::default()).is_some());
    }

    #[test]
    fn herokus_and_a_journals_lines_are_not_flys() {
        for line in [
            "2023-04-11T09:12:01.100214+00:00 app[web.1]: WSCONNECT /ws/",
            "2023-04-11T09:12:01+0000 myhost app[812]: WSCONNECT /ws/",
            "2023-07-30T07:13:11Z app[6e82932a759e18] frankfurt [info]x",
        ] {
            assert!(Fly.parse(line, &TimeCtx::default()).is_none(), "{line}");
        }
    }
}
