//! Secrets never leave: tokens, JWTs, passwords, cookies and `Authorization` values are
//! replaced before any text is written, in every output, unless `--no-redact`.
//!
//! The replacement keeps the key and a marker (`token=[redacted]`, `eyJ…[redacted-jwt]`)
//! so a reader still sees that a token was there and where.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex, RegexSet};

/// The marker that replaces a secret value.
pub const MARK: &str = "[redacted]";

/// Builds the replacement text for one match.
type Replace = fn(&Captures) -> String;

/// A redaction rule: its regex, its replacement, and words one of which (in any case)
/// every text it matches holds (the first look of [`redact`]).
struct Rule {
    re: Regex,
    replace: Replace,
    needles: &'static [&'static str],
}

fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        let v: Vec<(&str, Replace, &[&str])> = vec![
            // `Authorization: Bearer x`, `Authorization: Token x`, `authorization=Basic x`.
            (
                r#"(?i)(authorization["']?\s*[:=]\s*["']?)((?:bearer|token|basic|jwt)\s+)?[^\s"',;&]+"#,
                |c| format!("{}{}{MARK}", &c[1], c.get(2).map_or("", |m| m.as_str())),
                &["authorization"],
            ),
            // `Bearer x` on its own (curl -H lines, headers dumped without their name).
            (
                r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}",
                |c| format!("{}{MARK}", &c[1]),
                &["bearer"],
            ),
            // Query and form parameters, and `key: value` / `key=value` in messages.
            (
                r#"(?i)\b((?:access_|refresh_|auth_|api_|id_|csrf|x-csrf-)?token|jwt|password|passwd|pwd|secret|client_secret|api_?key|apikey|sessionid|session_id|session|csrftoken|signature|sig)(["']?\s*[=:]\s*["']?)([^\s"'&,;)\]}]+)"#,
                |c| {
                    // `Invalid token: Signature verification failed` is prose, not a
                    // token: after a colon, a token-ish key keeps a plain word.
                    let key = c[1].to_ascii_lowercase();
                    let value = &c[3];
                    let tokenish = key.ends_with("token") || key == "jwt" || key.starts_with("sig") || key.starts_with("session");
                    let prose = !c[2].contains('=')
                        && value.len() < 20
                        && value.chars().all(|ch| ch.is_ascii_alphabetic());
                    if tokenish && prose {
                        c[0].to_string()
                    } else {
                        format!("{}{}{MARK}", &c[1], &c[2])
                    }
                },
                &["token", "jwt", "passw", "pwd", "secret", "apikey", "api_key", "session", "sig"],
            ),
            // `Token extracted: aec8e0e9a0...`, `Token found: ...`, `token received - abc`.
            (
                r"(?i)\b(token\s+(?:extracted|found|received|value|is|string)\s*[:=-]?\s*)([^\s,;]{6,})",
                |c| format!("{}{MARK}", &c[1]),
                &["token"],
            ),
            // A DRF / opaque token written after the word: `token 9944b09199c6...`.
            (
                r"(?i)\b(token\s+)([A-Za-z0-9]{20,})",
                |c| format!("{}{MARK}", &c[1]),
                &["token"],
            ),
            // `redis-cli -a secret`, `--requirepass secret`, `--password secret`.
            (
                r"(\s-a\s+|--requirepass\s+|--pass(?:word)?\s+)(\S+)",
                |c| format!("{}{MARK}", &c[1]),
                &["-a", "--requirepass", "--pass"],
            ),
            // Credentials in URLs: `redis://:pw@host`, `postgres://user:pw@host`.
            (
                r"(://[^/\s:@]*:)([^@\s/]+)(@)",
                |c| format!("{}{MARK}{}", &c[1], &c[3]),
                &["://"],
            ),
            // Cookie headers: every value.
            (
                r"(?i)(cookie:\s*)([^\r\n]+)",
                |c| {
                    let kept: Vec<String> = c[2]
                        .split(';')
                        .map(|kv| match kv.split_once('=') {
                            Some((k, _)) => format!("{k}={MARK}"),
                            None => kv.to_string(),
                        })
                        .collect();
                    format!("{}{}", &c[1], kept.join(";"))
                },
                &["cookie:"],
            ),
            // Last: a JWT anywhere the rules above did not already remove: header.payload.signature, header starting `eyJ` (`{"`).
            (
                r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
                |_| "eyJ…[redacted-jwt]".to_string(),
                &["eyj"],
            ),
        ];
        v.into_iter()
            .map(|(re, replace, needles)| Rule {
                re: Regex::new(re).expect("built-in redaction regex"),
                replace,
                needles,
            })
            .collect()
    })
}

/// Cheap test before the regexes: most lines hold none of the rules' words (in any case:
/// `Signature=`, `ApiKey:`).
fn may_hold_secret(s: &str) -> bool {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(rules().iter().flat_map(|r| r.needles))
            .expect("needles build")
    })
    .is_match(s)
}

/// All the rules as one set: a text that holds a word may still match no rule.
fn rule_set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| {
        RegexSet::new(rules().iter().map(|r| r.re.as_str())).expect("built-in redaction regexes")
    })
}

/// Replaces every secret in `s`.
pub fn redact(s: &str) -> Cow<'_, str> {
    // Half the lines a report shows hold one of the words and no secret
    // (`[JWTAuthMiddleware] User authenticated`): one pass of the set, not one per rule.
    if !may_hold_secret(s) || !rule_set().is_match(s) {
        return Cow::Borrowed(s);
    }
    let mut out: Cow<str> = Cow::Borrowed(s);
    for r in rules() {
        if r.re.is_match(&out) {
            out = Cow::Owned(
                r.re.replace_all(&out, |c: &Captures| (r.replace)(c))
                    .into_owned(),
            );
        }
    }
    out
}

/// Redacts `s` when `on`, else returns it as is.
pub fn maybe(s: &str, on: bool) -> Cow<'_, str> {
    if on {
        redact(s)
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo1NiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU";

    #[test]
    fn jwt_in_query_string_is_removed() {
        let line = format!("GET /ws/chat/1/?token={JWT} HTTP/1.1");
        let r = redact(&line);
        assert!(!r.contains("eyJ1c2Vy"), "{r}");
        assert!(r.contains("token="), "{r}");
    }

    #[test]
    fn authorization_headers_keep_scheme_lose_value() {
        let r = redact("Authorization: Bearer abcdef0123456789");
        assert_eq!(r, "Authorization: Bearer [redacted]");
        let r = redact("-H \"Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b\"");
        assert!(!r.contains("9944b0"), "{r}");
    }

    #[test]
    fn passwords_cookies_and_redis_credentials_are_removed() {
        for (input, secret) in [
            ("password=hunter2&user=bob", "hunter2"),
            ("redis-cli -a s3cr3tpass ping", "s3cr3tpass"),
            ("redis://:p4ssw0rd@127.0.0.1:6379/0", "p4ssw0rd"),
            (
                "Cookie: sessionid=abc123xyz; csrftoken=qwerty987",
                "abc123xyz",
            ),
            ("🔑 Token extracted: aec8e0e9a0...", "aec8e0e9a0"),
            (
                "DRF token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
                "9944b0",
            ),
        ] {
            let r = redact(input);
            assert!(!r.contains(secret), "{input} -> {r}");
        }
    }

    /// Regression: the JWT rule ran first and the key-value rule then cut its marker,
    /// leaving `[redacted]]`.
    #[test]
    fn jwt_after_a_key_is_redacted_once_and_cleanly() {
        let line = format!("bad token: {JWT} <expired>");
        assert_eq!(redact(&line), "bad token: [redacted] <expired>");
        let line = format!("GET /ws/{JWT}/ HTTP/1.1");
        assert_eq!(redact(&line), "GET /ws/eyJ…[redacted-jwt]/ HTTP/1.1");
    }

    /// Regression (seen on the real stack): the reason after `Invalid token:` was redacted
    /// as if it were the token.
    #[test]
    fn a_reason_after_invalid_token_is_kept() {
        assert_eq!(
            redact("[JWTAuthMiddleware] Invalid token: Signature verification failed"),
            "[JWTAuthMiddleware] Invalid token: Signature verification failed"
        );
        assert_eq!(redact("session: expired"), "session: expired");
        assert_eq!(redact("token=abcdef"), "token=[redacted]");
        assert_eq!(redact("password: hunter"), "password: [redacted]");
    }

    /// Every rule on every text, in order, as if no needle filtered them.
    fn redact_unfiltered(s: &str) -> String {
        let mut out = s.to_string();
        for r in rules() {
            out =
                r.re.replace_all(&out, |c: &Captures| (r.replace)(c))
                    .into_owned();
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn the_first_look_passes_every_text_a_rule_matches(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Token", "token=", "TOKEN: ", "jwt=", "Password=", "pwd:", "secret ",
                "API_KEY=", "apikey=", "SessionId=", "Signature=", "Authorization: ",
                "Bearer ", "Cookie: ", "cookie:", " -a ", "--requirepass ", "--password ",
                "redis://", "u:p@h", "://x:", "@", "eyJhbGciOi", ".eyJzdWIiOj", ".c2ln",
                "abcdef0123456789abcdef", "extracted: ", "x", " ", "; ", "=", "\"",
            ]), 0..12),
        ) {
            let s: String = parts.concat();
            proptest::prop_assert_eq!(redact(&s).into_owned(), redact_unfiltered(&s));
        }
    }

    /// Regression: the words looked for before the regexes were lower or upper case only,
    /// so `Signature=...` or `ApiKey=...` kept their values.
    #[test]
    fn keys_in_mixed_case_are_redacted() {
        assert_eq!(redact("Signature=0a1b2c3d"), "Signature=[redacted]");
        assert_eq!(redact("ApiKey: 0a1b2c3d4e"), "ApiKey: [redacted]");
        assert_eq!(redact("PassWord=hunter2"), "PassWord=[redacted]");
    }

    #[test]
    fn ordinary_lines_are_untouched() {
        for s in [
            "127.0.0.1:50398 - - [22/May/2017:11:30:01] \"WSCONNECT /ws/chat/1/\" - -",
            "[ChatConsumer] Connection accepted for user 1 (role: customer)",
            "Application instance took too long to shut down and was killed.",
        ] {
            assert_eq!(redact(s), s);
        }
    }
}
