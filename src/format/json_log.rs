//! Structured application logs: one JSON object per line, as python-json-logger,
//! structlog, loguru's `serialize=True`, ECS formatters and Go's zap or logrus write them
//! when a Django, Daphne or uvicorn deployment ships its logs to a collector.
//!
//! It is an envelope: its message is the record's message decoded from JSON, with the
//! exception text after it on lines of their own, so the application layouts and the
//! pattern packs read it as they read a text log (`Exception inside application: ...`
//! then its traceback). Time, level and logger come from the object's keys.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::{Format, Layer, Parsed};
use crate::record::{Level, Timestamp};
use crate::time::{self, TimeCtx};

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&JsonLog]
}

/// A structured log record as one JSON object per line.
pub struct JsonLog;

/// A JSON object's keys and values.
pub(crate) type Object<'a> = BTreeMap<Cow<'a, str>, Value>;

/// `line` as a JSON object, when it is one (`{` first, `}` last; the first byte rules out
/// most lines before any parsing).
pub(crate) fn object(line: &str) -> Option<Object<'_>> {
    if line.as_bytes().first() != Some(&b'{') || line.trim_end().as_bytes().last() != Some(&b'}') {
        return None;
    }
    serde_json::from_str(line).ok()
}

/// The message, under the names the common formatters give it.
/// Google Cloud Logging's entries (Cloud Run, GKE, App Engine, a log sink's export) hold
/// it in `textPayload`, or in `jsonPayload.message` with the time under `timestamp`.
pub(crate) const MESSAGE: &[&str] = &[
    "message",
    "msg",
    "event",
    "@message",
    "text",
    "textPayload",
    "jsonPayload.message",
];
/// The exception with its traceback: `logging`'s names, structlog's `exception`, a
/// processor's short `exc` (authentik writes the exception's repr there), ECS's
/// `error.stack_trace`.
pub(crate) const EXCEPTION: &[&str] = &[
    "exc_info",
    "exception",
    "exc_text",
    "exc",
    "stack_trace",
    "error.stack_trace",
    "stack",
];
pub(crate) const TIME: &[&str] = &[
    "timestamp",
    "@timestamp",
    "asctime",
    "time",
    "ts",
    "datetime",
    "date",
    "created",
    // Grafana's logfmt (`t=2022-09-13T04:49:44.957218667Z`), asked last: a value that
    // does not read as a time is passed over.
    "t",
];
pub(crate) const LEVEL: &[&str] = &["levelname", "level", "severity", "log.level", "lvl"];
pub(crate) const LOGGER: &[&str] = &["name", "logger", "logger_name", "log.logger"];
pub(crate) const PID: &[&str] = &["process", "pid"];
/// Keys a logging filter adds for the connection a line is about (`scope["client"]`, the
/// `X-Request-ID` header): written after the message as `client=...`, `request_id=...`,
/// as a text layout would, so the packs' `context` ids read them in either form.
const CONTEXT: &[(&str, &[&str])] = &[
    (
        "client",
        &["client", "client_addr", "remote_addr", "peer", "remote"],
    ),
    ("request_id", REQUEST_ID),
];
/// Keys that say why a record was written, apart from its message: structlog's and
/// zap's `error` (`{"event": "ws read error", "error": "websocket: close 1012"}`), ECS's
/// `error.message`, a close's `reason` and `code`. Written after the message as
/// `error="..."`, as a logfmt line has them, so the packs read a cause in either form.
const CAUSE: &[&str] = &[
    "error",
    "err",
    "error.message",
    "error_message",
    "reason",
    "code",
    "close_code",
];

/// The names a request id goes by in JSON logs: `$request_id`, the `X-Request-ID` header
/// it passes on (`$http_x_request_id`), a correlation id.
pub(crate) const REQUEST_ID: &[&str] = &[
    "request_id",
    "req_id",
    "rid",
    "x_request_id",
    "http_x_request_id",
    "correlation_id",
];

impl Format for JsonLog {
    fn name(&self) -> &'static str {
        "json-log"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn nested(&self) -> bool {
        true
    }
    fn example(&self) -> &'static str {
        r#"{"asctime": "2026-11-23 19:37:49,123", "levelname": "ERROR", "name": "daphne.server", "message": "Exception inside application: Error 111 connecting to 127.0.0.1:6379. Connection refused."}"#
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        self.parse_json(line, &object(line)?, ctx)
    }
    fn parse_json(&self, _line: &str, obj: &Object, ctx: &TimeCtx) -> Option<Parsed<'static>> {
        let message = MESSAGE.iter().find_map(|k| match lookup(obj, k)? {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        })?;
        let ts = TIME
            .iter()
            .find_map(|k| obj.get(*k).and_then(|v| read_time(v, ctx)));
        let level = LEVEL.iter().find_map(|k| match lookup(obj, k)? {
            Value::String(s) => Level::parse(s),
            // Python's numeric levels (`levelno`-style): 10 debug .. 50 critical.
            Value::Number(n) => n.as_u64().and_then(python_level),
            _ => None,
        });
        // A line of some other JSON that merely has a `message`: a log record says when
        // or how severe.
        if ts.is_none() && level.is_none() {
            return None;
        }
        let mut text = message.to_string();
        for (name, keys) in CONTEXT {
            if let Some(v) = keys.iter().find_map(|k| context_value(obj.get(*k)?)) {
                // Not when the message says it already (a layout that repeats it).
                if !text.contains(&v) {
                    let _ = write!(text, " {name}={v}");
                }
            }
        }
        // A request record says it was a WebSocket's only by its scheme (authentik's
        // `authentik.asgi`: the path as its event, `"scheme": "ws"`).
        if let Some(scheme @ ("ws" | "wss")) = obj.get("scheme").and_then(Value::as_str) {
            let _ = write!(text, " scheme={scheme}");
        }
        for key in CAUSE {
            if let Some(v) = lookup(obj, key).and_then(cause_value) {
                if !text.contains(v.as_str()) {
                    let _ = write!(text, " {key}={}", quoted(&v));
                }
            }
        }
        if let Some(exc) = EXCEPTION.iter().find_map(|k| match lookup(obj, k)? {
            Value::String(s) if !s.is_empty() && s != "None" => Some(s.as_str()),
            _ => None,
        }) {
            text.push('\n');
            text.push_str(exc.trim_end());
        }
        let mut p = Parsed::new(Cow::Owned(text));
        p.ts = ts;
        p.level = level;
        p.logger = LOGGER.iter().find_map(|k| match lookup(obj, k)? {
            Value::String(s) if !s.is_empty() => Some(Cow::Owned(s.clone())),
            _ => None,
        });
        p.pid = PID.iter().find_map(|k| match obj.get(*k)? {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        Some(p)
    }
}

/// A cause key's value as text: a string or number (an object, as ECS's `error` is, is
/// read through its dotted keys instead).
fn cause_value(v: &Value) -> Option<String> {
    scalar_text(v).filter(|s| s != "null")
}

/// A string (trimmed) or a number as text, when it says something: not empty, not
/// Python's `None`.
fn scalar_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty() && s != "None").then_some(s)
}

/// `v` as a logfmt value: in double quotes when it holds a blank or a quote.
pub(crate) fn quoted(v: &str) -> Cow<'_, str> {
    if v.contains(|c: char| c.is_whitespace() || c == '"') {
        Cow::Owned(format!("{v:?}"))
    } else {
        Cow::Borrowed(v)
    }
}

/// A context key's value as text: a string or number, or an `[ip, port]` pair (an ASGI
/// scope's `client` serialised as it is).
fn context_value(v: &Value) -> Option<String> {
    let s = match v {
        Value::Array(a) => match a.as_slice() {
            [Value::String(ip), port @ (Value::Number(_) | Value::String(_))] => {
                format!(
                    "{ip}:{}",
                    port.as_str()
                        .map_or_else(|| port.to_string(), str::to_string)
                )
            }
            _ => return None,
        },
        v => scalar_text(v)?,
    };
    (!s.contains(char::is_whitespace) && s != "-").then_some(s)
}

/// The value at `key`, where a dotted key (`log.level`) may also be nested objects (ECS
/// writes `{"log": {"level": "error"}}`).
fn lookup<'m>(obj: &'m Object, key: &str) -> Option<&'m Value> {
    if let Some(v) = obj.get(key) {
        return Some(v);
    }
    let (head, rest) = key.split_once('.')?;
    let mut v = obj.get(head)?;
    for part in rest.split('.') {
        v = v.as_object()?.get(part)?;
    }
    Some(v)
}

fn python_level(n: u64) -> Option<Level> {
    Some(match n {
        5 => Level::Trace,
        10 => Level::Debug,
        20 => Level::Info,
        30 => Level::Warning,
        40 => Level::Error,
        50 => Level::Critical,
        _ => return None,
    })
}

/// A time as JSON logs write it: ISO 8601 with `T` or a space, `,` or `.` before the
/// fraction, with or without a zone (then `--tz`); nginx's `$time_local`; or seconds since
/// the epoch as text or a number (`$msec`, zap's `ts`, Python's `created`), milliseconds
/// when the whole number is that large (pino, logrus). The fraction's digits are kept.
pub(crate) fn read_time(v: &Value, ctx: &TimeCtx) -> Option<Timestamp> {
    match v {
        Value::String(s) => read_time_text(s, ctx),
        Value::Number(n) => epoch(&n.to_string()),
        _ => None,
    }
}

/// [`read_time`] of a time written as text (a JSON string, a logfmt value).
pub(crate) fn read_time_text(s: &str, ctx: &TimeCtx) -> Option<Timestamp> {
    let b = s.as_bytes();
    if let Some(p) = time::iso_prefix(b, true).filter(|p| p.len == b.len()) {
        return ctx.complete(p.naive, p.digits, p.offset);
    }
    if let Some((ts, _)) = super::nginx::clf_zoned(b).filter(|(_, n)| *n == b.len()) {
        return Some(ts);
    }
    epoch(s)
}

/// `1795600801.123` (seconds) or `1795600801123` (milliseconds) since the epoch.
fn epoch(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let (whole, n) = time::leading_digits(b)?;
    let (nanos, digits, used) = time::fraction(&b[n..]);
    if n + used != b.len() {
        return None;
    }
    // 1973 to 5138, in seconds or milliseconds: a stray small number is not a time.
    let micros = match whole {
        100_000_000..=99_999_999_999 => whole as i64 * 1_000_000 + i64::from(nanos / 1_000),
        100_000_000_000..=99_999_999_999_999 if used == 0 => whole as i64 * 1_000,
        _ => return None,
    };
    let mut ts = time::from_unix_micros(micros)?;
    ts.digits = if used == 0 && whole >= 100_000_000_000 {
        3
    } else {
        digits
    };
    Some(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        JsonLog.parse(line, &TimeCtx::default())
    }

    #[test]
    fn python_json_logger_record_with_its_traceback() {
        let line = r#"{"asctime": "2026-11-23 19:37:49,123", "levelname": "ERROR", "name": "daphne.server", "message": "Exception inside application: boom", "exc_info": "Traceback (most recent call last):\n  File \"/app/consumers.py\", line 12, in receive\n    raise ValueError('boom')\nValueError: boom"}"#;
        let p = parse(line).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49.123Z");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.logger.as_deref(), Some("daphne.server"));
        let lines: Vec<&str> = p.message.lines().collect();
        assert_eq!(lines[0], "Exception inside application: boom");
        assert_eq!(lines[1], "Traceback (most recent call last):");
        assert_eq!(lines.last(), Some(&"ValueError: boom"));
    }

    #[test]
    fn structlogs_short_exc_and_ecs_error_stack_trace_follow_the_message() {
        // authentik's structlog processor writes the exception's repr under `exc`, ECS
        // nests the traceback in `error`: dropped, the line said a warning without why.
        let p = parse(r#"{"auth_via": "secret_key", "event": "runtime error during accept", "exc": "RuntimeError(\"Expected ASGI message 'websocket.send' or 'websocket.close', but got 'websocket.accept'.\")", "level": "warning", "logger": "authentik.outposts.channels", "pid": 22112, "timestamp": "2023-07-27T15:57:22.638700"}"#).unwrap();
        assert_eq!(
            p.message,
            "runtime error during accept\nRuntimeError(\"Expected ASGI message 'websocket.send' or 'websocket.close', but got 'websocket.accept'.\")"
        );
        assert_eq!(p.logger.as_deref(), Some("authentik.outposts.channels"));
        let p = parse(r#"{"@timestamp":"2026-11-23T19:37:49.123Z","log.level":"error","message":"Exception inside application","error":{"type":"ValueError","stack_trace":"Traceback (most recent call last):\nValueError: boom"}}"#).unwrap();
        assert_eq!(
            p.message,
            "Exception inside application\nTraceback (most recent call last):\nValueError: boom"
        );
    }

    #[test]
    fn google_cloud_loggings_entries_give_their_payload_as_the_message() {
        // Cloud Run's stdout lines and structured entries (hunt 24): "unknown" before.
        let p = parse(r#"{"textPayload":"INFO:     169.254.1.1:40000 - \"WebSocket /ws\" [accepted]","timestamp":"2025-09-12T23:26:25.718912Z","severity":"INFO","resource":{"type":"cloud_run_revision","labels":{"service_name":"netra-service"}}}"#).unwrap();
        assert_eq!(
            p.message,
            r#"INFO:     169.254.1.1:40000 - "WebSocket /ws" [accepted]"#
        );
        assert_eq!(p.level, Some(Level::Info));
        let p = parse(r#"{"jsonPayload":{"message":"Error routing message from demo-user-001","context":{"name":"handlers"}},"severity":"ERROR","timestamp":"2025-09-12T23:26:25.718912Z"}"#).unwrap();
        assert_eq!(p.message, "Error routing message from demo-user-001");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2025-09-12T23:26:25.718912Z");
    }

    #[test]
    fn the_cause_under_an_error_key_follows_the_message() {
        // structlog's and zap's `error` (authentik#11090): the line said only `ws read
        // error`, and a Redis failure written there fired no rule.
        let p = parse(r#"{"error":"websocket: close 1012","event":"ws read error","level":"warning","logger":"authentik.outpost.ak-api-controller","timestamp":"2024-08-25T20:53:23Z"}"#).unwrap();
        assert_eq!(p.message, r#"ws read error error="websocket: close 1012""#);
        let p = parse(r#"{"event":"receive failed","error":"Error 111 connecting to redis:6379. Connection refused.","level":"error","timestamp":"2024-08-25T20:53:23Z"}"#).unwrap();
        assert_eq!(
            p.message,
            r#"receive failed error="Error 111 connecting to redis:6379. Connection refused.""#
        );
        // ECS nests it; a code is a number; a cause the message says already is not
        // written twice.
        let p = parse(r#"{"@timestamp":"2026-11-23T19:37:49.123Z","log.level":"warning","message":"closed","error":{"message":"peer gone"},"code":1006}"#).unwrap();
        assert_eq!(p.message, r#"closed error.message="peer gone" code=1006"#);
        let p = parse(
            r#"{"level":"error","msg":"dial failed: refused","err":"refused","ts":1700000000}"#,
        )
        .unwrap();
        assert_eq!(p.message, "dial failed: refused");
    }

    #[test]
    fn the_connection_a_logging_filter_names_follows_the_message() {
        // python-json-logger writes a filter's attributes as keys of their own: the packs'
        // `context` ids read `client=` and `request_id=` in the text, as a text layout
        // writes them. An ASGI scope's client is a pair; a key the message repeats is
        // not written twice.
        let p = parse(r#"{"asctime": "2026-11-27 05:09:44,508", "levelname": "INFO", "process": 10968, "message": "[ChatConsumer] Connection attempt started", "client": "127.0.0.1:40052", "request_id": "1321912e75df445ba6330eccd5ef3286"}"#).unwrap();
        assert_eq!(
            p.message,
            "[ChatConsumer] Connection attempt started client=127.0.0.1:40052 request_id=1321912e75df445ba6330eccd5ef3286"
        );
        assert_eq!(p.pid, Some(10968));
        let p = parse(r#"{"levelname": "INFO", "asctime": "2026-11-27 05:09:44,508", "message": "connected", "client": ["10.0.0.5", 51234], "x_request_id": "-"}"#).unwrap();
        assert_eq!(p.message, "connected client=10.0.0.5:51234");
        let p = parse(r#"{"levelname": "INFO", "asctime": "2026-11-27 05:09:44,508", "message": "connected client=10.0.0.5:51234", "client": "10.0.0.5:51234"}"#).unwrap();
        assert_eq!(p.message, "connected client=10.0.0.5:51234");
    }

    #[test]
    fn structlog_zap_and_ecs_records() {
        let p = parse(r#"{"event": "[ChatConsumer] WebSocket connected", "level": "info", "logger": "chat.consumers", "timestamp": "2026-11-23T19:37:49.123456Z"}"#).unwrap();
        assert_eq!(p.message, "[ChatConsumer] WebSocket connected");
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49.123456Z");
        assert_eq!(p.level, Some(Level::Info));
        let p = parse(r#"{"level":"warn","ts":1795600801.5,"caller":"proxy/main.go:42","msg":"upstream closed"}"#).unwrap();
        assert_eq!(p.ts.unwrap().utc.timestamp_millis(), 1_795_600_801_500);
        assert_eq!(p.level, Some(Level::Warning));
        // pino and logrus: milliseconds since the epoch.
        let p = parse(r#"{"level":30,"time":1795600801123,"msg":"listening"}"#).unwrap();
        assert_eq!(p.ts.unwrap().utc.timestamp_millis(), 1_795_600_801_123);
        let p = parse(r#"{"@timestamp":"2026-11-23T19:37:49.123+01:00","log":{"level":"error","logger":"django.request"},"message":"Internal Server Error: /ws/chat/","process":{"pid":7}}"#).unwrap();
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T18:37:49.123Z");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.logger.as_deref(), Some("django.request"));
    }

    #[test]
    fn a_zoneless_time_is_in_tz_and_python_numeric_levels_are_read() {
        let p = parse(r#"{"time": "2026-11-23 19:37:49", "levelno": 40, "level": 40, "msg": "x"}"#)
            .unwrap();
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.ts.unwrap().to_rfc3339(), "2026-11-23T19:37:49Z");
    }

    #[test]
    fn json_that_is_not_a_log_record_is_left_alone() {
        for line in [
            r#"{"message": "hello"}"#,
            r#"{"msg": 42, "level": "info"}"#,
            r#"{"level": "info", "time": "2026-11-23T19:37:49Z"}"#,
            r#"{"message": "x", "level": "loud"}"#,
            r#"{"message": "x", "level": "info""#,
            "not json",
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }
}
