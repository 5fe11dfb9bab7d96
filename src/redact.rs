//! Secrets never leave: tokens, JWTs, passwords, cookies and `Authorization` values are
//! replaced before any text is written, in every output, unless `--no-redact`.
//!
//! The replacement keeps the key and a marker (`token=[redacted]`, `eyJ…[redacted-jwt]`)
//! so a reader still sees that a token was there and where.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};

/// The marker that replaces a secret value.
pub const MARK: &str = "[redacted]";

/// Builds the replacement text for one match from its groups: `[0]` is the whole match,
/// `[i]` the text of group `i` (empty when it did not take part).
type Replace = fn(&[&str]) -> String;

/// A redaction rule: `head` then `tail`, its replacement, and words one of which (in any
/// case) every text it matches holds (the first look of [`redact`]; a rule with none has
/// a first look of its own, [`has_hex_segment`]).
///
/// The rule matches `{head}({tail}{min,})`. The tail is the secret's value, often a
/// whole JWT: the regex engine's capture pass costs by the length of its match, so
/// [`apply`] captures only `{head}({tail}{min})` and runs the rest of the tail with a
/// plain search. Both find the same matches (a test proves it).
struct Rule {
    /// The whole rule's source: the first look's set is made of these.
    full: String,
    /// The rule with its tail cut to its fewest characters; its last group is the tail.
    head: Regex,
    /// `\A(?:{tail})*`: the rest of a tail. Without the head's flags, so a tail class
    /// must not depend on them (none holds a letter that case folding changes).
    tail: Regex,
    replace: Replace,
    needles: &'static [&'static str],
}

/// The name of a secret, as a key (`token=`, `"password":`) or a header (`(b'x-api-key',
/// ...)`) writes it. A name may carry a prefix (`REDIS_PASSWORD`, `X-Api-Key`,
/// `DJANGO_SECRET_KEY`, `AWS_SECRET_ACCESS_KEY`, libpq's `PGPASSWORD`): environment dumps
/// and headers name their secrets so.
const SECRET_NAME: &str = r"(?:[\w-]*[_-]|pg)?(?:(?:access_|refresh_|auth_|api_|id_|csrf|x-csrf-)?token|jwt|password|passwd|pwd|secret(?:[_-](?:access[_-])?key)?|client_secret|api[_-]?key|apikey|private[_-]?key|sessionid|session_id|session|csrftoken|signature|sig|auth)";

/// The most groups a rule's head may have, the whole match counted (the URL rule has 5).
const MAX_GROUPS: usize = 8;

fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        // (head, tail class, fewest tail characters, replacement, needles)
        type Spec<'h> = (&'h str, &'static str, usize, Replace, &'static [&'static str]);
        let key_head = format!(r#"(?i)\b({SECRET_NAME})(["']?\s*[=:]\s*["']?)"#);
        let pair_head = format!(
            r#"(?i)([(\[]\s*b?["'](?:(?:proxy-)?authorization|cookie|{SECRET_NAME})["']\s*,\s*b?["'])"#
        );
        let v: Vec<Spec<'_>> = vec![
            // `Authorization: Bearer x`, `Authorization: Token x`, `authorization=Basic x`.
            (
                r#"(?i)(authorization["']?\s*[:=]\s*["']?)((?:bearer|token|basic|jwt)\s+)?"#,
                r#"[^\s"',;&]"#,
                1,
                |g| format!("{}{}{MARK}", g[1], g[2]),
                &["authorization"],
            ),
            // `Bearer x` on its own (curl -H lines, headers dumped without their name).
            (
                r"(?i)\b(bearer\s+)",
                r"[A-Za-z0-9._~+/=-]",
                8,
                |g| format!("{}{MARK}", g[1]),
                &["bearer"],
            ),
            // Query and form parameters, and `key: value` / `key=value` in messages.
            (
                &key_head,
                r#"[^\s"'&,;)\]}]"#,
                1,
                |g| {
                    // `Invalid token: Signature verification failed` is prose, not a
                    // token: after a colon, a token-ish key keeps a plain word.
                    let key = g[1].to_ascii_lowercase();
                    let value = g[3];
                    let tokenish = key.ends_with("token")
                        || key == "jwt"
                        || key == "auth"
                        || key.starts_with("sig")
                        || key.starts_with("session");
                    // Nor is a short number (`User found in JWT: 7`: a user id).
                    let prose = !g[2].contains('=')
                        && (is_word(value)
                            || value.len() < 10 && value.chars().all(|ch| ch.is_ascii_digit()));
                    if tokenish && prose {
                        g[0].to_string()
                    } else {
                        format!("{}{}{MARK}", g[1], g[2])
                    }
                },
                // (`auth` only before its separator: `[JWTAuthMiddleware]` is on every line
                // of some logs, and the rule's regex would run on each.)
                &["token", "jwt", "passw", "pwd", "secret", "apikey", "api_key", "api-key", "private_key", "private-key", "session", "sig", "auth=", "auth:", "auth\"", "auth'", "auth ", "auth\t"],
            ),
            // simplejwt's token pair as a dict or JSON: `{"refresh": "...", "access": "..."}`.
            // Only quoted, and not a plain word (`"access": "granted"`).
            (
                // (The quote before the key is not asked for: a regex that starts with a
                // quote runs its search from every quote of every line.)
                r#"(?i)\b((?:refresh|access)["']\s*:\s*["'])"#,
                r#"[^\s"']"#,
                8,
                unless_word,
                &["refresh\"", "refresh'", "access\"", "access'"],
            ),
            // HTTP Digest credentials: `response="6629fae4..."`, `cnonce="..."`.
            (
                r#"(?i)\b((?:response|cnonce|nonce)=["']?)"#,
                r"[0-9A-Fa-f]",
                16,
                |g| format!("{}{MARK}", g[1]),
                &["nonce=", "response="],
            ),
            // `Token extracted: aec8e0e9a0...`, `Token found: ...`, `token received - abc`.
            (
                r"(?i)\b(token\s+(?:extracted|found|received|value|is|string)\s*[:=-]?\s*)",
                r"[^\s,;]",
                6,
                // `Token is invalid or expired`: a word, not a token.
                unless_word,
                &["token"],
            ),
            // A JWT anywhere the rules above did not already remove: header.payload.signature,
            // header starting `eyJ` (`{"`). Before the opaque token's rule below, which
            // would take a JWT's header alone (`invalid token eyJhbGciOiJIUzI1NiJ9.`:
            // twenty letters and digits) and leave its payload and signature.
            (
                r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.",
                r"[A-Za-z0-9_-]",
                0,
                |_| "eyJ…[redacted-jwt]".to_string(),
                &["eyj"],
            ),
            // A DRF / opaque token written after the word: `token 9944b09199c6...`.
            (
                r"(?i)\b(token\s+)",
                r"[A-Za-z0-9]",
                20,
                |g| format!("{}{MARK}", g[1]),
                &["token"],
            ),
            // `redis-cli -a secret`, `--requirepass secret`, `--password secret`.
            (
                r"(\s-a\s+|--requirepass\s+|--pass(?:word)?\s+)",
                r"\S",
                1,
                |g| format!("{}{MARK}", g[1]),
                &["-a", "--requirepass", "--pass"],
            ),
            // Credentials in URLs: `redis://:pw@host`, `postgres://user:pw@host`. Short:
            // the whole match is the tail-less head.
            (
                r"(://[^/\s:@]*:)([^@\s/]+)(@)",
                r"[^\s\S]",
                0,
                |g| format!("{}{MARK}{}", g[1], g[3]),
                &["://"],
            ),
            // Cookie headers: every value.
            (
                r"(?i)(cookie:\s*)",
                r"[^\r\n]",
                1,
                |g| {
                    let kept: Vec<String> = g[2]
                        .split(';')
                        .map(|kv| match kv.split_once('=') {
                            // A cookie's value holds no quote, comma, backslash or space
                            // (RFC 6265): what follows one is the line's, not the cookie's
                            // (`cookie: "sessionid=x"` keeps its closing quote).
                            Some((k, v)) => {
                                let end = v
                                    .find(|c: char| "\"',\\ ".contains(c))
                                    .unwrap_or(v.len());
                                format!("{k}={MARK}{}", &v[end..])
                            }
                            None => kv.to_string(),
                        })
                        .collect();
                    format!("{}{}", g[1], kept.join(";"))
                },
                &["cookie:"],
            ),
            // A header as a (name, value) pair, as an ASGI scope holds them and a
            // traceback or `repr(scope)` writes them: `(b'authorization', b'Basic x')`,
            // `(b'x-api-key', b'x')`, `(b'cookie', b'a=x; b=y')` (the whole value).
            (
                &pair_head,
                r#"[^"'\r\n]"#,
                1,
                |g| format!("{}{MARK}", g[1]),
                &["', b'", "\", b\"", "', '", "\", \""],
            ),
            // An opaque token as a path segment: `/ws/usercode/<DRF's 40 hex digits>/`.
            // A run of 32 or more hex digits with a digit among them, between a slash and
            // the next non-alphanumeric; a longer word that only starts so is kept.
            (
                r"(/)",
                r"[0-9A-Za-z]",
                HEX_SEGMENT,
                |g| {
                    let v = g[2];
                    if v.bytes().all(|b| b.is_ascii_hexdigit()) && v.bytes().any(|b| b.is_ascii_digit()) {
                        format!("{}{MARK}", g[1])
                    } else {
                        g[0].to_string()
                    }
                },
                // (Looked for by [`has_hex_segment`], not by a word.)
                &[],
            ),
        ];
        v.into_iter()
            .map(|(head, tail, min, replace, needles)| Rule {
                full: format!("{head}({tail}{{{min},}})"),
                head: Regex::new(&format!("{head}({tail}{{{min}}})"))
                    .ok()
                    .filter(|re| re.captures_len() <= MAX_GROUPS)
                    .expect("built-in redaction regex, with few enough groups"),
                tail: Regex::new(&format!(r"\A(?:{tail})*")).expect("built-in redaction regex"),
                replace,
                needles,
            })
            .collect()
    })
}

/// A short run of letters only (`invalid`, `none`): a word of prose where a token's rule
/// expected its value, not a secret.
fn is_word(value: &str) -> bool {
    value.len() < 20 && value.chars().all(|ch| ch.is_ascii_alphabetic())
}

/// The replacement of a rule whose value may be a word of prose: the match as it is when
/// the value (group 2) is a word, else the head (group 1) and the marker.
fn unless_word(g: &[&str]) -> String {
    if is_word(g[2]) {
        g[0].to_string()
    } else {
        format!("{}{MARK}", g[1])
    }
}

/// Replaces every match of `r` in `text` (what `replace_all` with `r.full` does, except
/// that a value in brackets takes its closing bracket and the marker itself stays), or
/// `None` when there is none.
fn apply(r: &Rule, text: &str) -> Option<String> {
    let mut locs = r.head.capture_locations();
    let groups = locs.len();
    let mut out = String::new();
    let mut last = 0;
    while let Some(m) = r.head.captures_read_at(&mut locs, text, last) {
        let (tail_start, tail_end) = locs
            .get(groups - 1)
            .expect("the tail group always takes part");
        let mut end = tail_end + r.tail.find(&text[tail_end..]).map_or(0, |t| t.end());
        // A value a scrubber already replaced by a bracketed marker (`[Filtered]`,
        // `(hidden)`, logweave's own) is the secret's place whole: a tail that stops
        // before the closing bracket left it behind (`password=[redacted]]`).
        let closes = |open: char, close: char| {
            text[tail_start..].starts_with(open) && text[end..].starts_with(close)
        };
        if closes('[', ']') || closes('(', ')') || closes('{', '}') {
            end += 1;
        }
        // Logweave's own marker stays as it is.
        if &text[tail_start..end] == MARK {
            out.push_str(&text[last..end]);
            last = end;
            continue;
        }
        // Room for every rule's groups (checked when the rules are built).
        let mut g = [""; MAX_GROUPS];
        g[0] = &text[m.start()..end];
        for (i, slot) in g.iter_mut().enumerate().take(groups - 1).skip(1) {
            *slot = locs.get(i).map_or("", |(s, e)| &text[s..e]);
        }
        g[groups - 1] = &text[tail_start..end];
        out.push_str(&text[last..m.start()]);
        out.push_str(&(r.replace)(&g[..groups]));
        // No rule matches the empty text, so this moves on.
        last = end;
    }
    if last == 0 {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
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

/// The fewest hex digits of a path segment taken for a token: an MD5-sized key (32).
const HEX_SEGMENT: usize = 32;

/// The first look for the path-segment rule, which has no word: a `/` followed by
/// [`HEX_SEGMENT`] hex digits or more.
fn has_hex_segment(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'/', b).any(|i| {
        b[i + 1..]
            .iter()
            .take(HEX_SEGMENT)
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
            == HEX_SEGMENT
    })
}

/// All the rules as one set: a text that holds a word may still match no rule.
fn rule_set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| {
        RegexSet::new(rules().iter().map(|r| r.full.as_str())).expect("built-in redaction regexes")
    })
}

/// Replaces every secret in `s`.
pub fn redact(s: &str) -> Cow<'_, str> {
    // Half the lines a report shows hold one of the words and no secret
    // (`[JWTAuthMiddleware] User authenticated`): one pass of the set, not one per rule.
    if !(may_hold_secret(s) || has_hex_segment(s)) || !rule_set().is_match(s) {
        return Cow::Borrowed(s);
    }
    // Each rule searches the text on its own: skipping those whose words it lacks (one
    // overlapping search for all words) and the set's `matches` cost as much (measured).
    let mut out: Cow<str> = Cow::Borrowed(s);
    for r in rules() {
        if let Some(o) = apply(r, &out) {
            out = Cow::Owned(o);
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
    use regex::Captures;

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo1NiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU";

    #[test]
    fn jwt_in_query_string_is_removed() {
        let line = format!("GET /ws/chat/1/?token={JWT} HTTP/1.1");
        let r = redact(&line);
        assert!(!r.contains("eyJ1c2Vy"), "{r}");
        assert!(r.contains("token="), "{r}");
    }

    #[test]
    fn a_jwt_after_the_word_token_loses_its_payload_and_signature_too() {
        // The opaque-token rule took the header alone (twenty letters and digits up to
        // its dot), and the JWT rule then no longer saw a JWT: the payload and signature
        // were written out.
        let line = format!("WebSocket rejected: invalid token {JWT}");
        assert_eq!(
            redact(&line),
            "WebSocket rejected: invalid token eyJ…[redacted-jwt]"
        );
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

    #[test]
    fn words_and_short_numbers_after_token_names_are_not_secrets() {
        // Found on applications' own lines: the redaction garbled the diagnosis
        // ("Token is [redacted] or expired") and hid the user a JWT named.
        for keep in [
            "Token is invalid or expired",
            "User found in JWT: 7",
            "Token found: none",
        ] {
            assert_eq!(redact(keep), keep);
        }
        assert_eq!(
            redact("Token found: 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
            "Token found: [redacted]"
        );
        assert_eq!(redact("jwt: 12345678901234"), "jwt: [redacted]");
        assert_eq!(redact("password: 1234"), "password: [redacted]");
    }

    /// Regression: a value already replaced by a marker was redacted again, and the
    /// marker lost its end to the rule's tail (`token=[redacted]]`).
    #[test]
    fn a_value_redacted_already_is_left_as_it_is() {
        for line in [
            "GET /ws/chat/?token=[redacted] HTTP/1.1",
            "password: [redacted], user=bob",
            "Authorization: Bearer [redacted]",
            "Cookie: sessionid=[redacted]; csrftoken=[redacted]",
            "redis://:[redacted]@127.0.0.1:6379/0",
        ] {
            assert_eq!(redact(line), line);
        }
        // Another scrubber's marker is replaced whole, its closing bracket too.
        assert_eq!(
            redact("password=[Filtered] user=bob"),
            "password=[redacted] user=bob"
        );
        assert_eq!(redact("?token=[REDACTED]&a=1"), "?token=[redacted]&a=1");
        assert_eq!(redact("secret: (hidden), next"), "secret: [redacted], next");
        // Only the marker alone: what follows it in the same value is still redacted.
        assert_eq!(
            redact("Authorization: Bearer [redacted]s3cr3t"),
            "Authorization: Bearer [redacted]"
        );
        let line = format!("GET /ws/?token={JWT}&password=hunter2 HTTP/1.1 Bearer abcdefghijkl");
        let once = redact(&line).into_owned();
        assert_eq!(redact(&once), once);
    }

    /// Regression: secrets whose names carry a prefix or suffix (environment dumps in a
    /// supervisord or compose log, API headers) were written out as they were.
    #[test]
    fn prefixed_secret_names_are_redacted() {
        for (line, secret) in [
            ("X-Api-Key: abcdef123456", "abcdef123456"),
            ("SECRET_KEY = 'django-insecure-abc123xyz'", "insecure"),
            ("DJANGO_SECRET_KEY=abc123xyz", "abc123xyz"),
            ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENG", "wJalrXUt"),
            ("private_key: abc123", "abc123"),
            ("REDIS_PASSWORD=s3cr3t", "s3cr3t"),
            ("environment: {'DB_PASSWORD': 'hunter2'}", "hunter2"),
        ] {
            let r = redact(line);
            assert!(!r.contains(secret), "{line} -> {r}");
            assert!(r.contains(MARK), "{line} -> {r}");
        }
        // Names that only end like one are not secrets.
        for line in [
            "token_count=5",
            "oldpwd=/home/app",
            "password_reset_sent: True",
        ] {
            assert_eq!(redact(line), line);
        }
    }

    #[test]
    fn header_pairs_of_an_asgi_scope_are_redacted() {
        // A consumer's traceback or `repr(scope)` writes the headers as byte pairs: the
        // `Authorization: ` and `key=` forms never matched them.
        for (line, kept) in [
            (
                "scope headers [(b'authorization', b'Basic dXNlcjpCQVNJQ1BBU1MxMjM='), (b'host', b'example.com')]",
                "scope headers [(b'authorization', b'[redacted]'), (b'host', b'example.com')]",
            ),
            ("[(b'x-api-key', b'APIKEYSECRET0123456789')]", "[(b'x-api-key', b'[redacted]')]"),
            ("[(b'x-auth-token', b'AUTHTOKEN0123')]", "[(b'x-auth-token', b'[redacted]')]"),
            (
                "[(b'cookie', b'remember_me=REMEMBERSECRET0123456789; theme=dark')]",
                "[(b'cookie', b'[redacted]')]",
            ),
            (r#"[["authorization", "Bearer abcdefgh12345678"]]"#, r#"[["authorization", "[redacted]"]]"#),
            // Not a secret's name: kept.
            ("[(b'user-agent', b'Mozilla/5.0'), (b'origin', b'https://x')]", "[(b'user-agent', b'Mozilla/5.0'), (b'origin', b'https://x')]"),
        ] {
            assert_eq!(redact(line), kept, "{line}");
        }
    }

    #[test]
    fn a_quoted_cookie_keeps_its_closing_quote() {
        assert_eq!(
            redact(r#"x cookie: "sessionid=abcd1234efgh5678", next: 1"#),
            r#"x cookie: "sessionid=[redacted]", next: 1"#
        );
    }

    #[test]
    fn secrets_in_other_shapes_are_redacted() {
        // Written out as they were: simplejwt's token pair dumped as a dict, libpq's
        // PGPASSWORD (no `_` before the name), a query's `auth=`, HTTP Digest's hashes.
        for (line, secret) in [
            (
                r#"{"refresh": "a8f3b2c9d1e4f5a6b7c8", "access": "x9y8z7w6v5u4t3s2r1q0"}"#,
                "a8f3b2",
            ),
            (r#"{'access': 'x9y8z7w6v5u4t3s2r1q0'}"#, "x9y8z7"),
            ("env PGPASSWORD=Sup3rS3cret PGHOST=db", "Sup3rS3cret"),
            ("GET /ws/chat/?auth=a8f3b2c9d1e4f5a6 HTTP/1.1", "a8f3b2"),
            (
                r#"Authorization: Digest username="u", response="6629fae49393a05397450978507c4ef1""#,
                "6629fae4",
            ),
        ] {
            let r = redact(line);
            assert!(!r.contains(secret), "{line} -> {r}");
        }
        // Words stay words.
        for line in [
            r#"{"access": "granted", "refresh": "never"}"#,
            "auth: required",
            "sent response=200 to the client",
        ] {
            assert_eq!(redact(line), line);
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

    /// What `replace_all` with a rule's whole regex makes of `s`.
    fn replace_whole(r: &Rule, s: &str) -> String {
        Regex::new(&r.full)
            .expect("built-in redaction regex")
            .replace_all(s, |c: &Captures| {
                let g: Vec<&str> = (0..c.len())
                    .map(|i| c.get(i).map_or("", |m| m.as_str()))
                    .collect();
                (r.replace)(&g)
            })
            .into_owned()
    }

    /// Every rule on every text, in order, as if no needle filtered them.
    fn redact_unfiltered(s: &str) -> String {
        let mut out = s.to_string();
        for r in rules() {
            out = replace_whole(r, &out);
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
                "auth", "JWTAuth", "'", "access", "refresh", ": ", "response", "nonce", "\t",
                "/", "236b6553fd4b215846e204df", "g",
            ]), 0..12),
        ) {
            let s: String = parts.concat();
            proptest::prop_assert_eq!(redact(&s).into_owned(), redact_unfiltered(&s));
        }
    }

    proptest::proptest! {
        /// The fast path (head captured, tail searched) replaces exactly what the whole
        /// rule's `replace_all` does, rule by rule, around every tail's edges.
        #[test]
        fn each_rule_cut_at_its_tail_replaces_what_the_whole_rule_does(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "token", "Token ", "found: ", "is ", "=", ": ", "\"", "'", "Bearer ",
                "Authorization: ", "authorization=", "basic ", "cookie: a=1", "; b", " -a ",
                "--password ", "redis://", "u", ":", "p", "@", "/", "eyJhbGciOi", ".eyJzdWIiOj",
                ".", "c2ln", "abcdef0123456789abcdef", "-", "_", "x", " ", "\u{a0}", "é", "&",
                ",", ";", ")", "]", "}", "\r\n", "\n", "9944b09199c62bcf9418",
            ]), 0..16),
        ) {
            let s: String = parts.concat();
            for r in rules() {
                let whole = replace_whole(r, &s);
                proptest::prop_assert_eq!(apply(r, &s).unwrap_or_else(|| s.clone()), whole, "rule {}", r.full);
            }
        }
    }

    /// Regression (daphne#217's journal): a DRF token as a WebSocket path's segment was
    /// written whole; no word before it for the first look to find.
    #[test]
    fn a_token_as_a_path_segment_is_redacted() {
        let line = "Not Found: /ws/usercode/e1cfb86161/236b6553fd4b215846e204dfed597f5abaa56147/";
        assert_eq!(
            redact(line),
            "Not Found: /ws/usercode/e1cfb86161/[redacted]/"
        );
        assert_eq!(
            redact("\"GET /ws/x/0123456789ABCDEF0123456789abcdef?room=1 HTTP/1.1\" 101"),
            "\"GET /ws/x/[redacted]?room=1 HTTP/1.1\" 101"
        );
        // Shorter than an MD5, no digit, or a longer word that only starts with hex.
        for kept in [
            "/ws/chat/e1cfb86161/",
            "/ws/abcdefabcdefabcdefabcdefabcdefabcdef/",
            "/ws/236b6553fd4b215846e204dfed597f5abaa56147xyz/",
        ] {
            assert_eq!(redact(kept), kept);
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
