//! nginx configured to log JSON (`log_format ... escape=json`) must tell the same story as
//! its text access log: every fixture scenario with an nginx access log is checked again
//! with that log rewritten as JSON, in the key names and value forms real configs use.

use std::sync::LazyLock;

use chrono::DateTime;
use regex::Regex;
use serde_json::{json, Map, Value};

mod common;

/// One text access line as the JSON object a config would write; line `i` picks one of
/// three common shapes (time as `$time_local`, `$time_iso8601` or epoch seconds like
/// `$msec`; the request whole or split; numbers quoted or not).
fn as_json(line: &str, i: usize) -> Option<String> {
    static ACCESS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"^(?P<addr>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<req>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+)(?: "(?P<ref>[^"]*)" "(?P<ua>[^"]*)")?(?: "(?P<xff>[^"]*)")?(?P<rest>.*)$"#,
        )
        .unwrap()
    });
    let c = ACCESS.captures(line)?;
    let mut o = Map::new();
    let time = DateTime::parse_from_str(&c["time"], "%d/%b/%Y:%H:%M:%S %z").unwrap();
    match i % 3 {
        0 => o.insert("time_local".into(), json!(&c["time"])),
        1 => o.insert("time_iso8601".into(), json!(time.to_rfc3339())),
        // `$msec` has milliseconds; the text line's second has none to give.
        _ => o.insert("msec".into(), json!(time.timestamp().to_string())),
    };
    o.insert("remote_addr".into(), json!(&c["addr"]));
    o.insert("remote_user".into(), json!(&c["user"]));
    let req = &c["req"];
    let parts: Vec<&str> = req.splitn(3, ' ').collect();
    if i % 3 == 1 && parts.len() == 3 {
        o.insert("request_method".into(), json!(parts[0]));
        o.insert("request_uri".into(), json!(parts[1]));
        o.insert("server_protocol".into(), json!(parts[2]));
    } else {
        o.insert("request".into(), json!(req));
    }
    let status: u16 = c["status"].parse().unwrap();
    o.insert(
        "status".into(),
        if i.is_multiple_of(2) {
            json!(c["status"])
        } else {
            json!(status)
        },
    );
    o.insert("body_bytes_sent".into(), json!(&c["bytes"]));
    for (key, group) in [
        ("http_referer", "ref"),
        ("http_user_agent", "ua"),
        ("http_x_forwarded_for", "xff"),
    ] {
        if let Some(v) = c.name(group) {
            o.insert(key.into(), json!(v.as_str()));
        }
    }
    for tok in c["rest"].split_whitespace() {
        let (key, v) = match tok.split_once('=') {
            Some((k, v)) => (k, v.trim_matches('"')),
            None if tok.len() == 32 => ("request_id", tok),
            None => ("rt", tok),
        };
        let name = match key {
            "rt" | "request_time" => "request_time",
            "urt" => "upstream_response_time",
            "request_id" => "request_id",
            _ => continue,
        };
        let value = match v.parse::<f64>() {
            Ok(f) if i % 2 == 1 && name != "request_id" => Value::from(f),
            _ => json!(v),
        };
        o.entry(name).or_insert(value);
    }
    Some(Value::Object(o).to_string())
}

#[test]
fn every_scenario_behind_nginx_tells_the_same_story_from_a_json_access_log() {
    let dirs: Vec<_> = common::scenarios()
        .into_iter()
        .filter(|p| p.join("nginx-access.log").exists())
        .collect();
    assert!(
        dirs.len() >= 20,
        "only {} scenarios behind nginx",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let tmp = tempfile::tempdir().unwrap();
        let mut logs = Vec::new();
        for p in common::logs(dir) {
            let name = p.file_name().unwrap().to_owned();
            let to = tmp.path().join(&name);
            if name == "nginx-access.log" {
                let text = std::fs::read_to_string(&p).unwrap();
                let out: Vec<String> = text
                    .lines()
                    .enumerate()
                    .map(|(i, l)| as_json(l, i).unwrap_or_else(|| l.to_string()))
                    .collect();
                // The access lines must be the JSON twins, not the text left as it was.
                let json = out.iter().filter(|l| l.starts_with('{')).count();
                assert!(
                    json * 10 >= out.len() * 9,
                    "{}: {json} of {} lines turned into JSON",
                    dir.display(),
                    out.len()
                );
                std::fs::write(&to, out.join("\n") + "\n").unwrap();
            } else {
                std::fs::copy(&p, &to).unwrap();
            }
            logs.push(to);
        }
        failures.extend(common::check_scenario(dir, &logs));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
