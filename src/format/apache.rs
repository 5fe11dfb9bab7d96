//! Apache httpd's error log, where `mod_proxy_wstunnel` (and, since 2.4.47,
//! `mod_proxy_http` with `upgrade=websocket`) tells what became of a proxied WebSocket:
//!
//! ```text
//! [Thu Nov 20 17:00:23.481843 2025] [proxy:error] [pid 9:tid 9] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8000 (127.0.0.1:8000) failed
//! [Sat May 02 14:28:52.946893 2015] [proxy:warn] [pid 15457] [client 192.168.2.145:49641] AH01144: No protocol handler was valid for the URL /ws/chat/.
//! ```
//!
//! The time is `ctime`'s, local and without a zone (2.2 writes it without the fraction);
//! then the module and level (`[proxy:error]`; 2.2: `[error]`), the process (`[pid N:tid
//! N]`), at debug and trace levels the source (`proxy_util.c(5257): `), and the message,
//! which names the client (`[client IP:PORT]`) when a request is at hand. The access log
//! is the common `combined` layout, which `nginx-access` reads.

use std::borrow::Cow;

use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&ApacheError]
}

/// `[<ctime>] [<module>:<level>] [pid <n>:tid <n>] <message>`.
pub struct ApacheError;

impl Format for ApacheError {
    fn name(&self) -> &'static str {
        "apache-error"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "[Sat May 02 14:28:52.946893 2015] [proxy:warn] [pid 15457] [client 192.168.2.145:49641] AH01144: No protocol handler was valid for the URL /ws/chat/. If you are using a DSO version of mod_proxy, make sure the proxy submodules are included in the configuration using LoadModule."
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let (ts, rest) = super::bracketed_ctime(line, ctx)?;
        let rest = rest.strip_prefix('[')?;
        let close = rest.find(']')?;
        let (module, level) = match rest[..close].split_once(':') {
            Some((m, l)) => (Some(m), l),
            None => (None, &rest[..close]),
        };
        let level = apache_level(level)?;
        let mut rest = rest[close + 1..]
            .strip_prefix(' ')
            .unwrap_or(&rest[close + 1..]);
        let mut pid = None;
        if let Some(after) = rest.strip_prefix("[pid ") {
            let close = after.find(']')?;
            let id = after[..close].split(':').next()?;
            pid = id.parse().ok();
            rest = after[close + 1..]
                .strip_prefix(' ')
                .unwrap_or(&after[close + 1..]);
        }
        let message = strip_source(rest);
        let mut p = Parsed::new(Cow::Borrowed(message));
        p.ts = Some(ts);
        p.level = Some(level);
        p.pid = pid;
        p.program = Some(Cow::Borrowed("httpd"));
        if let Some(m) = module {
            p.fields.push(("module", Cow::Borrowed(m)));
        }
        if let Some(client) = client_of(message) {
            p.fields.push(("client", Cow::Borrowed(client)));
        }
        Some(p)
    }
}

/// Apache's level words: syslog's, and `trace1` to `trace8`.
fn apache_level(w: &str) -> Option<Level> {
    if w.starts_with("trace") && w[5..].bytes().all(|c| c.is_ascii_digit()) {
        return Some(Level::Trace);
    }
    if !w.bytes().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    Level::parse(w)
}

/// The message without the source file and line that debug and trace levels write
/// before it (`mod_proxy.c(848): `).
fn strip_source(s: &str) -> &str {
    let Some(open) = s.find(".c(") else { return s };
    let head = &s[..open];
    if head.contains(' ') {
        return s;
    }
    match s[open..].find("): ") {
        Some(close)
            if s[open + 3..open + close]
                .bytes()
                .all(|c| c.is_ascii_digit()) =>
        {
            &s[open + close + 3..]
        }
        _ => s,
    }
}

/// The address in `[client IP:PORT]` (or `[client IP]`, 2.2's).
fn client_of(message: &str) -> Option<&str> {
    let at = message.find("[client ")? + "[client ".len();
    let end = message[at..].find(']')?;
    Some(&message[at..at + end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Parsed<'_>> {
        ApacheError.parse(line, &TimeCtx::default())
    }

    #[test]
    fn a_24_line_gives_time_level_pid_client_and_message() {
        let p = parse(ApacheError.example()).unwrap();
        assert_eq!(
            p.ts.unwrap().utc.to_rfc3339(),
            "2015-05-02T14:28:52.946893+00:00"
        );
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.pid, Some(15457));
        assert_eq!(p.field("module"), Some("proxy"));
        assert_eq!(p.field("client"), Some("192.168.2.145:49641"));
        assert!(p
            .message
            .starts_with("[client 192.168.2.145:49641] AH01144: No protocol handler"));
    }

    #[test]
    fn a_trace_lines_source_is_cut_and_22s_layout_is_read() {
        let p = parse("[Thu Nov 20 17:00:23.481843 2025] [proxy:debug] [pid 9:tid 9] proxy_util.c(5257): (5)Input/output error: [client 174.16.0.2:63587] AH03308: ap_proxy_transfer_between_connections: error on client - ap_get_brigade").unwrap();
        assert_eq!(p.level, Some(Level::Debug));
        assert_eq!(p.pid, Some(9));
        assert!(
            p.message.starts_with("(5)Input/output error: [client"),
            "{}",
            p.message
        );
        let p = parse("[Thu Nov 20 17:00:23.481885 2025] [proxy:trace1] [pid 9:tid 9] mod_proxy.c(969): [client 174.16.0.2:63587] AH03464: URI path '/' matches proxy handler 'proxy:ws://localhost:8001'").unwrap();
        assert_eq!(p.level, Some(Level::Trace));
        let p = parse("[Sat May 02 14:28:52 2015] [error] [client 192.168.2.145] File does not exist: /var/www/favicon.ico").unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2015-05-02T14:28:52+00:00");
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.field("client"), Some("192.168.2.145"));
    }

    #[test]
    fn kernel_and_other_bracketed_lines_are_not_apaches() {
        for line in [
            "[Tue Oct  5 16:38:47 2021] Out of memory: Killed process 1483 (uvicorn)",
            "[Tue Oct  5 16:38:47 2021] [Not A Level] x",
            "[2026-11-20 12:00:02,000] [ERROR] connection open",
        ] {
            assert!(parse(line).is_none(), "{line}");
        }
    }
}
