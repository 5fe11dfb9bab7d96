//! Caddy's HTTP logs, as its default JSON encoder writes them: the access log
//! (`"logger":"http.log.access..."`, `"msg":"handled request"`) and the error log
//! (`"logger":"http.log.error"`, a failed `reverse_proxy` dial with its 502).
//!
//! ```text
//! {"level":"info","ts":1785329470.75,"logger":"http.log.access.log0","msg":"handled request",
//!  "request":{"remote_ip":"92.70.140.81","proto":"HTTP/1.1","method":"GET","uri":"/ws/id",
//!  "headers":{"Upgrade":["websocket"],"User-Agent":["Mozilla/5.0"]}},
//!  "duration":35.2,"size":2345,"status":101}
//! ```
//!
//! As for nginx, a WebSocket's access line is written when the connection ends, its
//! `duration` the connection's length. The request sits in a nested object and the
//! headers are lists, so the record is flattened into nginx's variable names and read as
//! an nginx JSON record ([`super::nginx_json`]): the message is the line in nginx's `main`
//! layout, which the access-log parser and the nginx pack read. The error log's cause
//! (`dial tcp 127.0.0.1:8000: connect: connection refused`) follows as `error="..."`.
//!
//! Read as a plain JSON log, an access line said only `handled request`: no path, no
//! status, no client.

use serde_json::Value;

use super::json_log::{self, Object};
use super::{nginx_json, Format, Layer, Parsed};
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&CaddyJson]
}

/// A Caddy HTTP log record as one JSON object per line.
pub struct CaddyJson;

impl Format for CaddyJson {
    fn name(&self) -> &'static str {
        "caddy-json"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn nested(&self) -> bool {
        true
    }
    fn example(&self) -> &'static str {
        r#"{"level":"info","ts":1785329470.7539737,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"203.0.113.7","remote_port":"54248","proto":"HTTP/1.1","method":"GET","host":"app.example.com","uri":"/ws/chat/1/","headers":{"Upgrade":["websocket"],"User-Agent":["Mozilla/5.0"]}},"duration":35.201,"size":2345,"status":101}"#
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        if line.as_bytes().first() != Some(&b'{') || !names_a_caddy_logger(line) {
            return None;
        }
        record(&json_log::object(line)?, ctx)
    }
    fn parse_json(&self, line: &str, obj: &Object, ctx: &TimeCtx) -> Option<Parsed<'static>> {
        if !names_a_caddy_logger(line) {
            return None;
        }
        record(obj, ctx)
    }
}

/// Cheap refusal before any JSON is read: Caddy's HTTP loggers are `http.log...`.
fn names_a_caddy_logger(line: &str) -> bool {
    memchr::memmem::find(line.as_bytes(), b"\"http.log").is_some()
}

/// The record `obj` is, when Caddy's HTTP logger wrote it about a request.
fn record(obj: &Object, ctx: &TimeCtx) -> Option<Parsed<'static>> {
    let logger = match obj.get("logger")? {
        Value::String(s) if s.starts_with("http.log") => s,
        _ => return None,
    };
    let Value::Object(request) = obj.get("request")? else {
        return None;
    };
    let mut flat = Object::new();
    let mut put = |name: &'static str, v: Option<&Value>| {
        if let Some(v) = v {
            flat.insert(name.into(), v.clone());
        }
    };
    put("request_method", request.get("method"));
    put("request_uri", request.get("uri"));
    // `client_ip` is the client behind trusted proxies, `remote_ip` the peer.
    put(
        "remote_addr",
        request
            .get("client_ip")
            .or_else(|| request.get("remote_ip")),
    );
    put("server_protocol", request.get("proto"));
    let header = |name: &str| match request.get("headers")?.get(name)? {
        Value::Array(values) => values.first(),
        v => Some(v),
    };
    put("http_user_agent", header("User-Agent"));
    put("http_referer", header("Referer"));
    put("http_x_request_id", header("X-Request-Id"));
    put("msec", obj.get("ts"));
    put("status", obj.get("status"));
    put("body_bytes_sent", obj.get("size"));
    put("request_time", obj.get("duration"));
    let mut p = nginx_json::record(&flat, ctx)?;
    if logger.starts_with("http.log.error") {
        if let Some(Value::String(msg)) = obj.get("msg") {
            // Written as json-log writes a record's `error`.
            let mut text = p.message.into_owned();
            text.push_str(" error=");
            text.push_str(&json_log::quoted(msg));
            p.message = text.into();
        }
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::nginx::NginxAccess;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        CaddyJson.parse(line, &TimeCtx::default())
    }

    #[test]
    fn an_access_line_reads_as_nginxs_with_its_path_status_client_and_duration() {
        let p = parse(CaddyJson.example()).unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2026-07-29T12:51:10+00:00");
        let a = NginxAccess
            .parse(&p.message, &TimeCtx::default())
            .expect("an access line");
        let field = |k: &str| a.field(k).map(str::to_string);
        assert_eq!(field("client").as_deref(), Some("203.0.113.7"));
        assert_eq!(field("method").as_deref(), Some("GET"));
        assert_eq!(field("path").as_deref(), Some("/ws/chat/1/"));
        assert_eq!(field("status").as_deref(), Some("101"));
        assert_eq!(field("user_agent").as_deref(), Some("Mozilla/5.0"));
        assert!(p.message.contains("rt=35.201"), "{}", p.message);
    }

    #[test]
    fn a_failed_dial_keeps_its_cause_after_the_502() {
        let p = parse(r#"{"level":"error","ts":1785329470.1,"logger":"http.log.error","msg":"dial tcp 127.0.0.1:8000: connect: connection refused","request":{"remote_ip":"203.0.113.7","proto":"HTTP/1.1","method":"GET","uri":"/ws/chat/1/","headers":{"Upgrade":["websocket"]}},"duration":0.001,"status":502}"#).unwrap();
        assert!(
            p.message.contains("\"GET /ws/chat/1/ HTTP/1.1\" 502 "),
            "{}",
            p.message
        );
        assert!(
            p.message
                .ends_with(r#" error="dial tcp 127.0.0.1:8000: connect: connection refused""#),
            "{}",
            p.message
        );
    }

    #[test]
    fn other_json_logs_with_a_request_are_not_caddys() {
        for line in [
            r#"{"level":"info","ts":1785329470.1,"logger":"django.request","msg":"x","request":{"method":"GET","uri":"/ws/"},"status":200}"#,
            r#"{"level":"info","ts":1785329470.1,"logger":"http.log.access","msg":"handled request","status":200}"#,
            r#"{"level":"info","ts":1785329470.1,"logger":"http.handlers.reverse_proxy","msg":"http.log shown","request":{"method":"GET","uri":"/"}}"#,
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }
}
