//! Expectation files for `logweave check --expect FILE`: what a fixture must produce.
//!
//! ```toml
//! [rules]                 # findings per rule id; rules not listed must not fire
//! "auth.token-invalid" = 1
//!
//! [verdicts]              # connections per verdict (those listed)
//! broken = 1
//! healthy = 2
//!
//! [[connection]]          # optional: matched in order by path (and client/user if given)
//! path = "/ws/chat/1/2/"
//! verdict = "broken"
//! rules = ["auth.token-invalid"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::Error;
use crate::pattern::load::error_at;
use crate::pipeline::Scan;
use crate::report::json::summary;

/// A parsed expectation file.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Exact finding counts per rule.
    #[serde(default)]
    pub rules: Option<BTreeMap<String, usize>>,
    /// Connection counts per verdict.
    #[serde(default)]
    pub verdicts: BTreeMap<String, usize>,
    /// Per-connection expectations.
    #[serde(default, rename = "connection")]
    pub connections: Vec<ExpectConnection>,
}

/// One expected connection.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct ExpectConnection {
    /// Its path.
    pub path: String,
    /// Its client `ip:port`, when the expectation is that precise.
    #[serde(default)]
    pub client: Option<String>,
    /// Its user.
    #[serde(default)]
    pub user: Option<String>,
    /// `healthy`, `degraded`, `broken`, `open`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Exactly these rule ids (sorted or not).
    #[serde(default)]
    pub rules: Option<Vec<String>>,
    /// The close code.
    #[serde(default)]
    pub close_code: Option<u32>,
}

/// Reads an expectation file.
pub fn load(path: &Path) -> Result<Expect, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        input: path.display().to_string(),
        source: e,
    })?;
    let exp: Expect = toml::from_str(&text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        error_at(path, &text, at, e.message().trim().to_string())
    })?;
    for (rule, _) in exp.rules.iter().flatten() {
        if crate::catalog::lookup(rule).is_none() {
            let at = text.find(rule.as_str()).unwrap_or(0);
            return Err(error_at(
                path,
                &text,
                at,
                format!("unknown rule id '{rule}'"),
            ));
        }
    }
    for v in exp.verdicts.keys() {
        if !matches!(v.as_str(), "healthy" | "degraded" | "broken" | "open") {
            let at = text.find(v.as_str()).unwrap_or(0);
            return Err(error_at(path, &text, at, format!("unknown verdict '{v}'")));
        }
    }
    Ok(exp)
}

/// The differences between what was expected and what the scan found; empty when they agree.
pub fn compare(exp: &Expect, s: &Scan) -> Vec<String> {
    let mut diffs = Vec::new();
    let sum = summary(s);
    if let Some(rules) = &exp.rules {
        let mut all: Vec<&str> = rules
            .keys()
            .map(String::as_str)
            .chain(sum.rules.keys().copied())
            .collect();
        all.sort();
        all.dedup();
        for r in all {
            let want = rules.get(r).copied().unwrap_or(0);
            let got = sum.rules.get(r).copied().unwrap_or(0);
            if want != got {
                diffs.push(format!("rule {r}: expected {want}, found {got}"));
            }
        }
    }
    for (v, want) in &exp.verdicts {
        let got = match v.as_str() {
            "healthy" => sum.healthy,
            "degraded" => sum.degraded,
            "broken" => sum.broken,
            _ => sum.open,
        };
        if *want != got {
            diffs.push(format!("{v} connections: expected {want}, found {got}"));
        }
    }
    let mut used = vec![false; s.correlated.connections.len()];
    for (n, ec) in exp.connections.iter().enumerate() {
        let found = s.correlated.connections.iter().enumerate().find(|(i, c)| {
            !used[*i]
                && c.path.as_deref() == Some(ec.path.as_str())
                && ec
                    .client
                    .as_ref()
                    .is_none_or(|cl| c.client.as_deref() == Some(cl.as_str()))
                && ec
                    .user
                    .as_ref()
                    .is_none_or(|u| c.user.as_deref() == Some(u.as_str()))
        });
        let Some((ci, c)) = found else {
            diffs.push(format!("connection #{} ({}): not found", n + 1, ec.path));
            continue;
        };
        used[ci] = true;
        let verdict = s.analysis.verdicts[ci].name();
        if let Some(v) = &ec.verdict {
            if v != verdict {
                diffs.push(format!(
                    "connection #{} {} ({}): verdict expected {v}, found {verdict}",
                    n + 1,
                    c.id,
                    ec.path
                ));
            }
        }
        if let Some(want) = &ec.rules {
            let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
            want.sort();
            let mut got: Vec<&str> = s.analysis.naming(ci).map(|f| f.rule).collect();
            got.sort();
            got.dedup();
            if want != got {
                diffs.push(format!(
                    "connection #{} {} ({}): rules expected [{}], found [{}]",
                    n + 1,
                    c.id,
                    ec.path,
                    want.join(", "),
                    got.join(", ")
                ));
            }
        }
        if let Some(code) = ec.close_code {
            let got = s.analysis.close_codes[ci];
            if got != Some(code) {
                diffs.push(format!(
                    "connection #{} {} ({}): close code expected {code}, found {got:?}",
                    n + 1,
                    c.id,
                    ec.path
                ));
            }
        }
    }
    diffs
}
