//! The rule catalog: rule ids are part of the interface (CI users grep for them, scripts
//! count them, expectation files name them). Add ids freely; never rename one.

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not a failure.
    Info,
    /// Degraded: the connection worked but something is off.
    Warning,
    /// Broken.
    Error,
}

impl Severity {
    /// Reads `info`, `warning`, `error`.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "warning" | "warn" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One catalog entry.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// The stable id.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What broke, in a few words.
    pub what: &'static str,
}

macro_rules! catalog {
    ($($id:literal $sev:ident $what:literal;)*) => {
        /// Every rule id logweave knows, with its default severity.
        pub const RULES: &[RuleInfo] = &[$(RuleInfo { id: $id, severity: Severity::$sev, what: $what }),*];
    };
}

catalog! {
    "handshake.not-routed" Error "the handshake reached the ASGI server but no route took it";
    "handshake.no-upgrade" Error "the proxy passed a ws request on as plain HTTP";
    "handshake.rejected" Error "the server refused the handshake before any application code logged a reason";
    "handshake.timeout" Error "the application neither accepted nor rejected before the server or the client gave up";
    "handshake.server-error" Error "the server failed during the handshake";
    "server.not-asgi" Error "WebSocket requests served by something that can't speak it";
    "upstream.down" Error "the proxy could not reach the ASGI server";
    "auth.token-missing" Error "no token on the connection";
    "auth.token-expired" Error "the token had expired";
    "auth.token-invalid" Error "the token was rejected";
    "auth.rejected" Error "authentication failed, cause not logged";
    "routing.no-consumer" Error "middleware finished but no consumer ever started";
    "authz.denied" Error "the user is authenticated but not allowed in";
    "resource.not-found" Error "the room/conversation doesn't exist";
    "channel-layer.down" Error "the channel layer (Redis) failed";
    "db.error" Error "a database error while connecting or serving";
    "consumer.exception" Error "the consumer raised";
    "consumer.killed" Warning "the server killed an application instance that did not shut down";
    "close.abnormal" Warning "the connection dropped without a close frame";
    "close.rejected-before-accept" Info "a custom close code sent before accept reaches the browser as 403/1006";
    "close.idle-timeout" Warning "connections die after the proxy's read timeout with no traffic";
    "close.immediate" Warning "accepted, then closed within a second, no error logged";
    "client.reconnect-storm" Error "one client/user/token reconnects many times in a short window";
    "server.restart" Warning "the ASGI server exited or restarted while connections were open or failing";
    "proxy.capacity" Error "the proxy ran out of connections (worker_connections, open files)";
    "server.start-failed" Error "the ASGI application could not be loaded (Django not set up, settings missing, a module missing)";
}

/// The catalog entry for `id`.
pub fn lookup(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}
