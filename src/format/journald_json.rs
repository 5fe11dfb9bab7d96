//! `journalctl -o json`: one JSON object per entry, all journal fields as keys.
//!
//! journald writes a field as a JSON string when it is valid UTF-8 without control
//! characters, as an array of byte values otherwise (`"MESSAGE":[27,91,51,49,109,...]`),
//! and as an array of either when the entry has the field more than once; fields above
//! the data threshold are `null`. The object is read with a serde visitor that keeps only
//! the keys used here and borrows their strings from the line where JSON allows (no
//! escapes); all other keys are skipped without building values.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{strip_ansi, Format, Kind, Layer, Parsed};
use crate::record::Level;
use crate::time::{self, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&JournaldJson]
}

/// `journalctl -o json` (compact) and the spaced `{ "KEY" : "value", ... }` style of older
/// journalctl / `-o json-pretty` squeezed onto one line.
///
/// Fields: `unit` (`_SYSTEMD_UNIT`), `container` (`CONTAINER_NAME`, docker's journald
/// driver), `transport` (`_TRANSPORT`), `boot_id` (`_BOOT_ID`), and `host` only when
/// `_HOSTNAME` could not be borrowed from the line (escaped or byte-array spelling).
pub struct JournaldJson;

impl Format for JournaldJson {
    fn name(&self) -> &'static str {
        "journald-json"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        r#"{"__CURSOR":"s=e991dd5775894620914f2f7126aae6c1;i=372a;b=0dc874d3fbd44bdbb6fbcfaa27481492;m=24ea327;t=573f280a663fd;x=9ceeb77ef4331563","__REALTIME_TIMESTAMP":"1534860261221373","_BOOT_ID":"0dc874d3fbd44bdbb6fbcfaa27481492","PRIORITY":"6","_HOSTNAME":"web1","_TRANSPORT":"stdout","SYSLOG_IDENTIFIER":"daphne","_PID":"3535","_SYSTEMD_UNIT":"daphne.service","MESSAGE":"127.0.0.1:43174 - - [21/Aug/2018:14:04:21] \"WSCONNECT /ws/chat/42/\" - -"}"#
    }
    fn parse<'a>(&self, line: &'a str, _ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let t = line.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        let b = t.as_bytes();
        if memchr::memmem::find(b, b"\"MESSAGE\"").is_none()
            && memchr::memmem::find(b, b"\"__REALTIME_TIMESTAMP\"").is_none()
        {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(t);
        // Any error, the recursion limit on deeply nested input included, is "not this
        // format", never a panic.
        let e = de.deserialize_map(EntryVisitor).ok()?;
        de.end().ok()?;
        e.into_parsed()
    }
}

/// The journal fields this format reads; the rest are skipped.
#[derive(Clone, Copy)]
enum Key {
    Message,
    Realtime,
    SourceRealtime,
    Hostname,
    Identifier,
    Unit,
    Comm,
    ContainerName,
    ContainerPartial,
    Pid,
    SyslogPid,
    Priority,
    Transport,
    StreamId,
    BootId,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a journal field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "MESSAGE" => Key::Message,
                    "__REALTIME_TIMESTAMP" => Key::Realtime,
                    "_SOURCE_REALTIME_TIMESTAMP" => Key::SourceRealtime,
                    "_HOSTNAME" => Key::Hostname,
                    "SYSLOG_IDENTIFIER" => Key::Identifier,
                    "_SYSTEMD_UNIT" => Key::Unit,
                    "_COMM" => Key::Comm,
                    "CONTAINER_NAME" => Key::ContainerName,
                    "CONTAINER_PARTIAL_MESSAGE" => Key::ContainerPartial,
                    "_PID" => Key::Pid,
                    "SYSLOG_PID" => Key::SyslogPid,
                    "PRIORITY" => Key::Priority,
                    "_TRANSPORT" => Key::Transport,
                    "_STREAM_ID" => Key::StreamId,
                    "_BOOT_ID" => Key::BootId,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// A journal stream's id (`_STREAM_ID`, one per connection of a service's stdout or
/// stderr to journald) as a [`crate::record::Record::pipe`]: hashed (FNV-1a) to a number
/// of at least 3, since 1 and 2 stand for docker's stdout and stderr. Two ids that hash
/// alike are taken for one stream, as a journal without the field is.
fn pipe_of(id: &str) -> u16 {
    let h = id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    3 + (h % u32::from(u16::MAX - 3)) as u16
}

/// One field's value, reduced to a single string.
///
/// A multi-valued field (an array of values) keeps its first value only, MESSAGE
/// included: the record model has one message per entry, and journald's own `short`
/// output also shows only one of them.
#[derive(Debug, PartialEq)]
enum Val<'a> {
    Str(Cow<'a, str>),
    Num(u64),
    Null,
}

impl<'a> Val<'a> {
    fn as_u64(&self) -> Option<u64> {
        match self {
            Val::Str(s) => s.trim().parse().ok(),
            Val::Num(n) => Some(*n),
            Val::Null => None,
        }
    }

    fn into_str(self) -> Option<Cow<'a, str>> {
        match self {
            Val::Str(s) => Some(s),
            Val::Num(n) => Some(Cow::Owned(n.to_string())),
            Val::Null => None,
        }
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a journal field value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val<'de>, E> {
        Ok(Val::Num(n))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Val<'de>, E> {
        Ok(u64::try_from(n).map_or(Val::Null, Val::Num))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Val<'de>, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Null)
    }
    /// An array of byte values (binary or control characters: decoded lossily, terminal
    /// escapes removed) or of values (multi-valued field: the first one).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let first = match seq.next_element_seed(ValSeed)? {
            None => return Ok(Val::Null),
            Some(v) => v,
        };
        let Val::Num(b0) = first else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(first);
        };
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(64) + 1);
        let mut push = |n: u64| bytes.push(u8::try_from(n).unwrap_or(b'?'));
        push(b0);
        while let Some(v) = seq.next_element_seed(ValSeed)? {
            match v {
                Val::Num(n) => push(n),
                _ => return Err(de::Error::custom("mixed byte array")),
            }
        }
        let s = String::from_utf8_lossy(&bytes);
        Ok(Val::Str(Cow::Owned(strip_ansi(&s).into_owned())))
    }
}

struct ValSeed;

impl<'de> DeserializeSeed<'de> for ValSeed {
    type Value = Val<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// The fields of one entry that [`JournaldJson`] uses.
#[derive(Default)]
struct Entry<'a> {
    message: Option<Val<'a>>,
    realtime: Option<Val<'a>>,
    source_realtime: Option<Val<'a>>,
    hostname: Option<Val<'a>>,
    identifier: Option<Val<'a>>,
    unit: Option<Val<'a>>,
    comm: Option<Val<'a>>,
    container: Option<Val<'a>>,
    partial: Option<Val<'a>>,
    pid: Option<Val<'a>>,
    syslog_pid: Option<Val<'a>>,
    priority: Option<Val<'a>>,
    transport: Option<Val<'a>>,
    stream_id: Option<Val<'a>>,
    boot_id: Option<Val<'a>>,
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a journal entry object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Entry<'de>, A::Error> {
        let mut e = Entry::default();
        while let Some(k) = m.next_key::<Key>()? {
            let slot = match k {
                Key::Message => &mut e.message,
                Key::Realtime => &mut e.realtime,
                Key::SourceRealtime => &mut e.source_realtime,
                Key::Hostname => &mut e.hostname,
                Key::Identifier => &mut e.identifier,
                Key::Unit => &mut e.unit,
                Key::Comm => &mut e.comm,
                Key::ContainerName => &mut e.container,
                Key::ContainerPartial => &mut e.partial,
                Key::Pid => &mut e.pid,
                Key::SyslogPid => &mut e.syslog_pid,
                Key::Priority => &mut e.priority,
                Key::Transport => &mut e.transport,
                Key::StreamId => &mut e.stream_id,
                Key::BootId => &mut e.boot_id,
                Key::Other => {
                    m.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let v = m.next_value_seed(ValSeed)?;
            // A key written twice: the first one stands, like a multi-valued field.
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        Ok(e)
    }
}

/// `Some(s)` for a present, non-empty string value.
fn text(v: Option<Val<'_>>) -> Option<Cow<'_, str>> {
    v?.into_str().filter(|s| !s.is_empty())
}

/// Removes trailing `\n` / `\r` without copying a borrowed string.
fn trim_newlines(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim_end_matches(['\n', '\r'])),
        Cow::Owned(mut o) => {
            let n = o.trim_end_matches(['\n', '\r']).len();
            o.truncate(n);
            Cow::Owned(o)
        }
    }
}

impl<'a> Entry<'a> {
    fn into_parsed(self) -> Option<Parsed<'a>> {
        if self.message.is_none() && self.realtime.is_none() && self.source_realtime.is_none() {
            return None;
        }
        let message = self
            .message
            .and_then(Val::into_str)
            .map(trim_newlines)
            .unwrap_or(Cow::Borrowed(""));
        let mut p = Parsed::new(message);
        // The source time is when the program logged; __REALTIME is when journald
        // received it, which lags under load.
        p.ts = [&self.source_realtime, &self.realtime]
            .into_iter()
            .flatten()
            .find_map(|v| time::from_unix_micros(i64::try_from(v.as_u64()?).ok()?));
        p.pid = [&self.pid, &self.syslog_pid]
            .into_iter()
            .flatten()
            .find_map(|v| u32::try_from(v.as_u64()?).ok());
        let priority = self.priority.as_ref().and_then(Val::as_u64);
        p.level = priority.and_then(|n| Level::from_syslog(u8::try_from(n).ok()?));
        let unit = text(self.unit);
        let container = text(self.container);
        let transport = text(self.transport);
        p.stream = match transport.as_deref() {
            Some("stdout") => Some("stdout"),
            // docker's journald driver logs stdout at priority 6 and stderr at 3.
            _ if container.is_some() => match priority {
                Some(3) => Some("stderr"),
                Some(6) => Some("stdout"),
                _ => None,
            },
            _ => None,
        };
        p.pipe = text(self.stream_id).map_or(0, |id| pipe_of(&id));
        if matches!(text(self.partial).as_deref(), Some("true")) {
            p.kind = Kind::Partial;
        }
        p.program = container
            .clone()
            .or_else(|| text(self.identifier))
            .or_else(|| {
                unit.as_ref().map(|u| match u {
                    Cow::Borrowed(b) => Cow::Borrowed(b.strip_suffix(".service").unwrap_or(b)),
                    Cow::Owned(o) => Cow::Owned(o.strip_suffix(".service").unwrap_or(o).to_owned()),
                })
            })
            .or_else(|| text(self.comm));
        let mut host_field = None;
        match text(self.hostname) {
            Some(Cow::Borrowed(h)) => p.host = Some(h),
            // `host` is borrowed in `Parsed`; an escaped host name goes to the fields.
            Some(h) => host_field = Some(h),
            None => {}
        }
        if let Some(u) = unit {
            p.fields.push(("unit", u));
        }
        if let Some(c) = container {
            p.fields.push(("container", c));
        }
        if let Some(t) = transport {
            p.fields.push(("transport", t));
        }
        if let Some(b) = text(self.boot_id) {
            p.fields.push(("boot_id", b));
        }
        if let Some(h) = host_field {
            p.fields.push(("host", h));
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        JournaldJson.parse(line, &TimeCtx::default())
    }

    const LNAV: &str = r#"{ "__CURSOR" : "s=e991dd5775894620914f2f7126aae6c1;i=372a;b=0dc874d3fbd44bdbb6fbcfaa27481492;m=24ea327;t=573f280a663fd;x=9ceeb77ef4331563", "__REALTIME_TIMESTAMP" : "1534860261221373", "__MONOTONIC_TIMESTAMP" : "38708007", "_BOOT_ID" : "0dc874d3fbd44bdbb6fbcfaa27481492", "PRIORITY" : "1", "_MACHINE_ID" : "1234567890abcdef1234567890abcdef", "_HOSTNAME" : "imx6ul-medusa", "SYSLOG_FACILITY" : "3", "_UID" : "0", "_GID" : "0", "_SYSTEMD_SLICE" : "system.slice", "_CAP_EFFECTIVE" : "3fffffffff", "_TRANSPORT" : "stdout", "_STREAM_ID" : "d6422e98dfb24d128e274f917f04362f", "SYSLOG_IDENTIFIER" : "python", "_PID" : "184", "_COMM" : "python", "_EXE" : "/usr/bin/python2.7", "_CMDLINE" : "/usr/bin/python -u /usr/bin/medusa/GpsLocator/GpsLocator.py", "_SYSTEMD_CGROUP" : "/system.slice/medusa-GpsLocator.service", "_SYSTEMD_UNIT" : "medusa-GpsLocator.service", "_SYSTEMD_INVOCATION_ID" : "e8fb03c1b8bf47b8ac2fc82f9870fd57", "MESSAGE" : "GPS Reference longitude: 7.358143333" }"#;

    #[test]
    fn spaced_lnav_entry_reads_all_fields_borrowed() {
        let p = parse(LNAV).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2018-08-21T14:04:21.221373Z");
        assert_eq!(p.host, Some("imx6ul-medusa"));
        assert_eq!(p.program.as_deref(), Some("python"));
        assert!(matches!(p.program, Some(Cow::Borrowed(_))));
        assert_eq!(p.pid, Some(184));
        assert_eq!(p.level, Some(Level::Alert));
        assert_eq!(p.stream, Some("stdout"));
        assert_eq!(p.message, "GPS Reference longitude: 7.358143333");
        assert!(matches!(p.message, Cow::Borrowed(_)));
        assert_eq!(p.field("unit"), Some("medusa-GpsLocator.service"));
        assert_eq!(p.field("transport"), Some("stdout"));
        assert_eq!(p.field("boot_id"), Some("0dc874d3fbd44bdbb6fbcfaa27481492"));
        assert_eq!(p.field("container"), None);
        assert_eq!(p.kind, Kind::Record);
    }

    #[test]
    fn each_journal_stream_is_a_pipe_of_its_own() {
        // A service's stdout and stderr reach journald as two streams when they are kept
        // apart: their lines are then not in the order they were written.
        let line =
            |id: &str| format!(r#"{{"MESSAGE":"x","_TRANSPORT":"stdout","_STREAM_ID":"{id}"}}"#);
        let (out, err) = (line("d6422e98dfb24d12"), line("8e274f917f04362f"));
        let (out, err) = (parse(&out).unwrap().pipe, parse(&err).unwrap().pipe);
        assert!(out >= 3 && err >= 3 && out != err, "{out} {err}");
        assert_eq!(parse(&line("d6422e98dfb24d12")).unwrap().pipe, out);
        assert_eq!(
            parse(r#"{"MESSAGE":"x","_TRANSPORT":"stdout"}"#)
                .unwrap()
                .pipe,
            0
        );
    }

    #[test]
    fn source_realtime_wins_over_receive_time() {
        let p = parse(
            r#"{"__REALTIME_TIMESTAMP":"1534860261221373","_SOURCE_REALTIME_TIMESTAMP":"1534860260000001","MESSAGE":"x"}"#,
        )
        .unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2018-08-21T14:04:20.000001Z");
        let p = parse(r#"{"__REALTIME_TIMESTAMP":1534860261221373,"MESSAGE":"x"}"#).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2018-08-21T14:04:21.221373Z");
    }

    #[test]
    fn byte_array_message_is_decoded_lossily_without_escapes() {
        // "\x1b[31mERR\x1b[0m \xff" as journald writes a message with control bytes.
        let p = parse(
            r#"{"MESSAGE":[27,91,51,49,109,69,82,82,27,91,48,109,32,255],"__REALTIME_TIMESTAMP":"1"}"#,
        )
        .unwrap();
        assert_eq!(p.message, "ERR \u{fffd}");
    }

    #[test]
    fn multi_valued_fields_take_the_first_value() {
        let p = parse(
            r#"{"MESSAGE":["first","second"],"SYSLOG_IDENTIFIER":[[100,97],"x"],"_PID":["7","8"]}"#,
        )
        .unwrap();
        assert_eq!(p.message, "first");
        assert_eq!(p.program.as_deref(), Some("da"));
        assert_eq!(p.pid, Some(7));
    }

    #[test]
    fn trailing_newline_and_carriage_return_are_removed() {
        let p = parse(r#"{"MESSAGE":"hello\r\n"}"#).unwrap();
        assert_eq!(p.message, "hello");
        let p = parse(r#"{"MESSAGE":"  File \"x.py\", line 1\n"}"#).unwrap();
        assert_eq!(p.message, "  File \"x.py\", line 1");
    }

    #[test]
    fn docker_journald_driver_sets_container_stream_and_partial() {
        let p = parse(
            r#"{"__REALTIME_TIMESTAMP":"1700000000000000","_TRANSPORT":"journal","PRIORITY":"3","CONTAINER_NAME":"web-1","CONTAINER_ID":"abc","SYSLOG_IDENTIFIER":"abc","_SYSTEMD_UNIT":"docker.service","CONTAINER_PARTIAL_MESSAGE":"true","MESSAGE":"Traceback (most recent call last):"}"#,
        )
        .unwrap();
        assert_eq!(p.program.as_deref(), Some("web-1"));
        assert_eq!(p.field("container"), Some("web-1"));
        assert_eq!(p.stream, Some("stderr"));
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.kind, Kind::Partial);
    }

    #[test]
    fn program_falls_back_to_unit_without_service_then_comm() {
        let p =
            parse(r#"{"MESSAGE":"x","_SYSTEMD_UNIT":"daphne.service","_COMM":"python3"}"#).unwrap();
        assert_eq!(p.program.as_deref(), Some("daphne"));
        assert_eq!(p.field("unit"), Some("daphne.service"));
        let p = parse(r#"{"MESSAGE":"x","_COMM":"python3","SYSLOG_PID":"9"}"#).unwrap();
        assert_eq!(p.program.as_deref(), Some("python3"));
        assert_eq!(p.pid, Some(9));
    }

    #[test]
    fn escaped_hostname_goes_to_host_field() {
        let p = parse(r#"{"MESSAGE":"x","_HOSTNAME":"we\u00621"}"#).unwrap();
        assert_eq!(p.host, None);
        assert_eq!(p.field("host"), Some("web1"));
    }

    #[test]
    fn null_message_and_odd_value_types_are_tolerated() {
        let p = parse(
            r#"{"MESSAGE":null,"__REALTIME_TIMESTAMP":"1","PRIORITY":{"a":[1]},"_PID":-4,"X":[[[]]]}"#,
        )
        .unwrap();
        assert_eq!(p.message, "");
        assert_eq!(p.level, None);
        assert_eq!(p.pid, None);
    }

    #[test]
    fn other_json_lines_are_rejected() {
        for line in [
            r#"{"log":"{\"MESSAGE\":\"x\"}\n","stream":"stdout","time":"2026-11-23T19:37:49.1Z"}"#,
            r#"{"msg":"MESSAGE __REALTIME_TIMESTAMP"}"#,
            r#"["MESSAGE"]"#,
            r#"{"MESSAGE":"x"} trailing"#,
            r#"{"MESSAGE":"x""#,
            r#"{"__REALTIME_TIMESTAMP_X":"1","MESSAGE_ID":"x", "M":"\"MESSAGE\""}"#,
            "Nov 23 19:37:49 h a[1]: {\"MESSAGE\":\"x\"}",
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }

    #[test]
    fn deeply_nested_json_never_overflows_the_stack() {
        // A skipped key is walked without recursion by serde_json: the entry still counts.
        let deep = format!(
            r#"{{"MESSAGE":"x","Y":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(parse(&deep).unwrap().message, "x");
        // A value this format reads hits serde_json's recursion limit: not this format.
        let deep = format!(
            r#"{{"MESSAGE":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse(&deep).is_none());
        let deep = format!(r#"{{"MESSAGE":"x","Y":{}"#, "{\"a\":".repeat(100_000));
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn garbage_multibyte_empty_and_truncated_lines_never_panic() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "{".into(),
            "{\"MESSAGE\"".into(),
            "{\"MESSAGE\":".into(),
            "{\"MESSAGE\":[".into(),
            "{\"MESSAGE\":[256, 1e400, -1]}".into(),
            "{\"MESSAGE\":\"\u{1f600}\\ud800\"}".into(),
            "\u{1f600}{\"MESSAGE\"".into(),
        ];
        let good = r#"{"MESSAGE":"h\u00e9llo é 😀","_HOSTNAME":"é","__REALTIME_TIMESTAMP":"99999999999999999999"}"#;
        for i in 0..=good.len() {
            if let Some(s) = good.get(..i) {
                inputs.push(s.to_string());
            }
        }
        for s in &inputs {
            let _ = parse(s);
        }
        let p = parse(good).unwrap();
        assert_eq!(p.message, "héllo é 😀");
        assert_eq!(p.ts, None);
    }
}
