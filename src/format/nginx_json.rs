//! nginx's access log written as JSON: `log_format json escape=json '{"time_local":...}'`,
//! the layout log shippers (Filebeat, Vector, Datadog) ask for.
//!
//! Every site names its keys, so this reads the names nginx's variables have and the
//! common alternatives (`remote_addr` / `client_ip`, `request` or `request_method` +
//! `request_uri`, `time_local` / `time_iso8601` / `@timestamp` / `msec`, ...). It is an
//! envelope: its message is the record rewritten in nginx's `main` layout with the
//! timings after it (`rt=`, `urt=`, `request_id=`), which the access-log parser and the
//! nginx pack then read as they read a text access log. Reports show that line. Times
//! are read to the second, as in the text log (see [`to_the_second`]).

use std::borrow::Cow;
use std::fmt::Write;

use chrono::Timelike;
use serde_json::Value;

use super::json_log::{self, Object};
use super::{nginx, Format, Layer, Parsed};
use crate::record::Timestamp;
use crate::time::TimeCtx;

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&NginxJson]
}

/// An nginx access-log record as one JSON object per line.
pub struct NginxJson;

const CLIENT: &[&str] = &["remote_addr", "client_ip", "client", "ip", "remote_ip"];
const USER: &[&str] = &["remote_user", "user"];
const REQUEST: &[&str] = &["request", "request_line"];
const METHOD: &[&str] = &["request_method", "method"];
const URI: &[&str] = &["request_uri", "uri", "path", "url"];
const ARGS: &[&str] = &["args", "query_string", "query"];
const PROTOCOL: &[&str] = &["server_protocol", "protocol"];
const STATUS: &[&str] = &["status", "status_code", "response_status", "response_code"];
const BYTES: &[&str] = &["body_bytes_sent", "bytes_sent", "bytes", "size"];
const REFERER: &[&str] = &["http_referer", "http_referrer", "referer", "referrer"];
const AGENT: &[&str] = &["http_user_agent", "user_agent", "agent", "ua"];
const FORWARDED: &[&str] = &["http_x_forwarded_for", "x_forwarded_for", "forwarded_for"];
const REQUEST_TIME: &[&str] = &["request_time", "duration", "rt", "response_time"];
const UPSTREAM_TIME: &[&str] = &["upstream_response_time", "urt"];
/// `$request_id`, or the `X-Request-ID` header it passes on, which the application logs
/// too.
const REQUEST_ID: &[&str] = json_log::REQUEST_ID;
/// Time keys, the most precise first.
const TIME: &[&str] = &[
    "msec",
    "time_iso8601",
    "@timestamp",
    "timestamp",
    "time",
    "time_local",
    "date",
];

impl Format for NginxJson {
    fn name(&self) -> &'static str {
        "nginx-json"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn nested(&self) -> bool {
        true
    }
    fn example(&self) -> &'static str {
        r#"{"time_local":"25/Nov/2026:10:00:01 +0000","remote_addr":"203.0.113.7","request":"GET /ws/chat/1/ HTTP/1.1","status":"101","body_bytes_sent":"2345","request_time":"35.201","http_user_agent":"Mozilla/5.0"}"#
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        if line.as_bytes().first() != Some(&b'{') || !names_a_request(line) {
            return None;
        }
        record(&json_log::object(line)?, ctx)
    }
    fn parse_json(&self, line: &str, obj: &Object, ctx: &TimeCtx) -> Option<Parsed<'static>> {
        if !names_a_request(line) {
            return None;
        }
        record(obj, ctx)
    }
}

/// The record `obj` is, when it is one of nginx's.
pub(crate) fn record(obj: &Object, ctx: &TimeCtx) -> Option<Parsed<'static>> {
    let status = text(obj, STATUS).filter(|s| s.len() == 3 && nginx::all_digits(s))?;
    let request = request_line(obj)?;
    let ts = TIME
        .iter()
        .find_map(|k| obj.get(*k).and_then(|v| json_log::read_time(v, ctx)))
        .and_then(to_the_second)?;
    let mut p = Parsed::new(Cow::Owned(main_layout(obj, ts, &request, &status)));
    p.ts = Some(ts);
    Some(p)
}

/// Cheap refusal before any JSON is read: the line names a status and a request or URI.
fn names_a_request(line: &str) -> bool {
    let has = |k: &[u8]| memchr::memmem::find(line.as_bytes(), k).is_some();
    (has(b"stat") || has(b"response")) && (has(b"request") || has(b"uri"))
}

/// The first of `keys` with a value that says something (not empty, not nginx's `-`),
/// as text: a number as JSON writes it, but for a fraction, which keeps nginx's three
/// digits (`$request_time` written unquoted).
fn text<'m>(obj: &'m Object, keys: &[&str]) -> Option<Cow<'m, str>> {
    keys.iter().find_map(|k| match obj.get(*k)? {
        Value::String(s) if !s.is_empty() && s != "-" => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) if n.is_f64() => n.as_f64().map(|f| Cow::Owned(format!("{f:.3}"))),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    })
}

/// `GET /ws/chat/?token=x HTTP/1.1`: the `request` key, or one made of the method, the
/// URI (with the arguments when they are apart) and the protocol.
fn request_line(obj: &Object) -> Option<String> {
    if let Some(r) = text(obj, REQUEST) {
        let ok = nginx::split_request(&r)
            .is_some_and(|q| q.path.starts_with('/') || q.path.starts_with("http"));
        return ok.then(|| r.into_owned());
    }
    let method = text(obj, METHOD)?;
    let uri = text(obj, URI).filter(|u| u.starts_with('/'))?;
    let mut line = format!("{method} {uri}");
    if let Some(args) = text(obj, ARGS).filter(|_| !uri.contains('?')) {
        let _ = write!(line, "?{args}");
    }
    let proto = text(obj, PROTOCOL);
    let _ = write!(line, " {}", proto.as_deref().unwrap_or("HTTP/1.1"));
    Some(line)
}

/// `ts` to its second, as nginx's text log writes `$time_local`. The correlation weighs
/// an access line (written when its request ends) by its second beside the application's
/// own whole-second lines (Daphne's access log); read to the millisecond (`$msec`), it
/// tied with the application's lines of the same millisecond and sorted before the
/// second's whole-second lines, and on the real stack two sessions in 65 lost their
/// close or their request's lines.
pub(crate) fn to_the_second(ts: Timestamp) -> Option<Timestamp> {
    Some(Timestamp {
        utc: ts.utc.with_nanosecond(0)?,
        digits: 0,
        ..ts
    })
}

/// The record in nginx's `main` layout, then the timings: what the access-log parser
/// and the nginx pack read. Quotes inside values are written `\x22`, as nginx does.
fn main_layout(obj: &Object, ts: Timestamp, request: &str, status: &str) -> String {
    let client = text(obj, CLIENT).map(|c| c.replace(' ', ""));
    let user = text(obj, USER).map(|u| u.replace(' ', "_"));
    let bytes = text(obj, BYTES).filter(|b| nginx::all_digits(b));
    let referer = text(obj, REFERER);
    let agent = text(obj, AGENT);
    let forwarded = text(obj, FORWARDED);
    let request_time = text(obj, REQUEST_TIME).filter(|t| is_time(t));
    let upstream_time = text(obj, UPSTREAM_TIME).filter(|t| is_time(t));
    let request_id = text(obj, REQUEST_ID).filter(|i| !i.contains(char::is_whitespace));
    nginx::MainLine {
        client: client.as_deref().unwrap_or("-"),
        user: user.as_deref().unwrap_or("-"),
        ts,
        request,
        status,
        bytes: bytes.as_deref().unwrap_or("0"),
        referer: referer.as_deref().unwrap_or("-"),
        agent: agent.as_deref().unwrap_or("-"),
        forwarded: forwarded.as_deref(),
        request_time: request_time.as_deref(),
        upstream_time: upstream_time.as_deref(),
        request_id: request_id.as_deref(),
    }
    .write()
}

/// `0.002`, `60.000`: what nginx writes for a time variable.
fn is_time(s: &str) -> bool {
    s.bytes().any(|c| c.is_ascii_digit()) && s.bytes().all(|c| c.is_ascii_digit() || c == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::nginx::NginxAccess;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        NginxJson.parse(line, &TimeCtx::default())
    }

    /// The message, read back by the access-log parser as a text line would be.
    fn fields(line: &str) -> Vec<(String, String)> {
        let p = parse(line).expect("an nginx JSON record");
        let a = NginxAccess
            .parse(&p.message, &TimeCtx::default())
            .expect("the message is an access line");
        a.fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field<'f>(f: &'f [(String, String)], k: &str) -> Option<&'f str> {
        f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn time_local_and_quoted_values_become_a_main_line_with_the_session_length() {
        let p = parse(NginxJson.example()).unwrap();
        assert_eq!(
            p.message,
            "203.0.113.7 - - [25/Nov/2026:10:00:01 +0000] \"GET /ws/chat/1/ HTTP/1.1\" 101 2345 \"-\" \"Mozilla/5.0\" rt=35.201"
        );
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-11-25T10:00:01+00:00");
        let f = fields(NginxJson.example());
        assert_eq!(field(&f, "path"), Some("/ws/chat/1/"));
        assert_eq!(field(&f, "status"), Some("101"));
        assert_eq!(field(&f, "request_time"), Some("35.201"));
    }

    #[test]
    fn unquoted_numbers_keep_nginx_three_digits_and_an_iso_time_is_read_to_its_second() {
        let line = r#"{"time_iso8601":"2026-11-25T11:00:02.250+01:00","remote_addr":"203.0.113.8","request_method":"GET","request_uri":"/ws/chat/2/","args":"token=abc","status":502,"request_time":60.000,"upstream_response_time":0.5,"request_id":"0123456789abcdef0123456789abcdef"}"#;
        let p = parse(line).unwrap();
        let ts = p.ts.unwrap();
        assert_eq!(ts.utc.to_rfc3339(), "2026-11-25T10:00:02+00:00");
        let f = fields(line);
        assert_eq!(field(&f, "path"), Some("/ws/chat/2/"));
        assert_eq!(field(&f, "query"), Some("token=abc"));
        assert_eq!(field(&f, "status"), Some("502"));
        assert_eq!(field(&f, "request_time"), Some("60.000"));
        assert_eq!(field(&f, "upstream_response_time"), Some("0.500"));
        assert!(p
            .message
            .ends_with(" request_id=0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn msec_times_and_quotes_inside_values_are_read_as_nginx_writes_them() {
        let line = r#"{"msec":"1795600801.123","remote_addr":"10.0.0.5","request":"GET /ws/ HTTP/1.1","status":"101","http_user_agent":"say \"hi\"","http_x_forwarded_for":"198.51.100.2"}"#;
        let p = parse(line).unwrap();
        // Read to its second, as the text log writes it, in the record and its line.
        assert_eq!(p.ts.unwrap().utc.timestamp_millis(), 1_795_600_801_000);
        assert_eq!(p.ts.unwrap().digits, 0);
        let a = NginxAccess.parse(&p.message, &TimeCtx::default()).unwrap();
        assert_eq!(a.ts, p.ts);
        assert!(
            p.message.contains(r#""say \x22hi\x22" "198.51.100.2""#),
            "{}",
            p.message
        );
        let f = fields(line);
        assert_eq!(field(&f, "user_agent"), Some(r"say \x22hi\x22"));
        assert_eq!(field(&f, "x_forwarded_for"), Some("198.51.100.2"));
    }

    #[test]
    fn the_x_request_id_header_is_the_request_id() {
        // `$http_x_request_id`, the id a client or a load balancer sends and the
        // application logs: the access line joins its session by it.
        let line = r#"{"time_iso8601":"2026-11-27T05:09:46+00:00","remote_addr":"127.0.0.1","remote_port":"55641","request_method":"GET","request_uri":"/ws/chat/7/114/","server_protocol":"HTTP/1.1","status":"101","body_bytes_sent":"81","request_time":"2.437","http_x_request_id":"1321912e75df445ba6330eccd5ef3286"}"#;
        let p = parse(line).unwrap();
        assert!(
            p.message
                .ends_with(" rt=2.437 request_id=1321912e75df445ba6330eccd5ef3286"),
            "{}",
            p.message
        );
    }

    #[test]
    fn other_json_is_not_an_nginx_record() {
        for line in [
            r#"{"log":"GET /ws/ 101\n","stream":"stdout","time":"2026-11-25T10:00:01Z"}"#,
            r#"{"MESSAGE":"request done","status":"ok","__REALTIME_TIMESTAMP":"1534860261221373"}"#,
            r#"{"level":"info","msg":"request handled","status":200}"#,
            r#"{"time_local":"25/Nov/2026:10:00:01 +0000","request":"not a request","status":"200"}"#,
            r#"{"time_local":"25/Nov/2026:10:00:01 +0000","request":"GET / HTTP/1.1","status":"20x"}"#,
            r#"{"request":"GET / HTTP/1.1","status":"200"}"#,
            r#"{"request":"GET / HTTP/1.1","status":"200","#,
            "{}",
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }
}
