//! `--output html`: one self-contained page that works offline.
//!
//! - the page references nothing on the network and embeds the same document as
//!   `--output json` (minified, `</` escaped), byte-for-byte deterministic;
//! - log lines carrying markup (`<script>`, `</script>`, `<img onerror>`) stay text;
//! - headless Chromium draws it without a console message or error, one card per
//!   connection of the first page, and copes with 10,000 connections.
//!
//! The Chromium tests need the `chromium` package (Debian: `apt-get install -y chromium`);
//! set `LOGWEAVE_CHROMIUM` to use another binary. Without one they fail, saying so.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use regex::Regex;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    match std::env::var_os("LOGWEAVE_SHARED") {
        Some(p) => PathBuf::from(p).join("corpus/realworld"),
        None => root().join("../shared/corpus/realworld"),
    }
}

/// Every bundled fixture and real-world excerpt: the largest input the repository has.
fn all_logs() -> Vec<String> {
    let mut v = Vec::new();
    for dir in [root().join("fixtures/ingest"), corpus()] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "log" || x == "json" || x == "gz" || x == "zst")
            })
            .collect();
        names.sort();
        v.extend(names.into_iter().map(|p| p.display().to_string()));
    }
    assert!(
        v.len() > 20,
        "expected the fixtures and the corpus, got {v:?}"
    );
    v
}

fn logweave(args: &[&str]) -> Output {
    let o = Command::cargo_bin("logweave")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.code() == Some(0),
        "logweave {args:?}: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn scan(output: &str, logs: &[String]) -> String {
    let mut args = vec!["scan", "--year", "2025", "--output", output];
    args.extend(logs.iter().map(String::as_str));
    String::from_utf8(logweave(&args).stdout).unwrap()
}

/// The text of `<script type="application/json" id="ID">`.
fn json_block<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let at = html
        .find(&open)
        .unwrap_or_else(|| panic!("no {open} in the page"))
        + open.len();
    let end = at + html[at..].find("</script>").unwrap();
    &html[at..end]
}

/// The page without the contents of its JSON blocks: what the page itself says.
fn without_data(html: &str) -> String {
    let mut out = html.to_string();
    for id in ["logweave-report", "logweave-extra"] {
        let block = json_block(&out, id).to_string();
        out = out.replacen(&block, "", 1);
    }
    out
}

#[test]
fn the_page_is_self_contained_and_embeds_the_json_report() {
    let logs = all_logs();
    let html = scan("html", &logs);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("Content-Security-Policy\" content=\"default-src 'none'"),
        "a CSP forbidding every fetch"
    );

    // No resource on the network, nor any external resource at all.
    let page = without_data(&html);
    for bad in ["http://", "https://", "url(", "@import", "//cdn", "<link"] {
        assert!(!page.contains(bad), "the page contains {bad:?}");
    }
    let refs = Regex::new(r#"(?i)\b(src|href|srcset|action|data)\s*="#).unwrap();
    assert!(
        !refs.is_match(&page),
        "the page references a resource: {:?}",
        refs.find(&page)
    );
    // No reference in the data either that the page could load (they are JSON strings).
    let data_refs = Regex::new(r#"(?i)(src|href)\s*=\s*["']?https?://"#).unwrap();
    for m in data_refs.find_iter(&html) {
        assert!(
            !page.contains(m.as_str()),
            "{} outside the JSON data",
            m.as_str()
        );
    }

    // The same document as --output json.
    let block = json_block(&html, "logweave-report");
    assert!(!block.contains("</"), "`</` escaped in the data");
    let embedded: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
    let json: serde_json::Value = serde_json::from_str(&scan("json", &logs)).unwrap();
    assert_eq!(embedded, json, "the embedded report is --output json's");
    assert_eq!(embedded["schema"], "logweave/report/v1");
    assert!(embedded["connections"].as_array().unwrap().len() > 20);
    let extra: serde_json::Value =
        serde_json::from_str(json_block(&html, "logweave-extra")).expect("valid JSON");
    assert_eq!(extra["redacted"], true);
    assert!(extra["rules"].as_object().unwrap().len() >= 5);

    // Deterministic, and --report-file writes the same bytes.
    assert_eq!(scan("html", &logs), html, "same input, same bytes");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let mut args = vec![
        "scan",
        "--year",
        "2025",
        "-o",
        "html",
        "--report-file",
        file.to_str().unwrap(),
    ];
    args.extend(logs.iter().map(String::as_str));
    let o = logweave(&args);
    assert!(o.stdout.is_empty(), "nothing on stdout with --report-file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), html);
}

#[test]
fn an_unwritable_report_file_is_a_usage_error() {
    let o = Command::cargo_bin("logweave")
        .unwrap()
        .current_dir(root())
        .args([
            "scan",
            "-o",
            "html",
            "--out",
            "/nonexistent-dir/report.html",
            "fixtures/ingest/daphne-stderr.log",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-dir/report.html"));
}

/// A Daphne access log whose paths and trailing text carry markup that would run if the
/// page ever parsed a log line as HTML: each payload sets `data-pwned` on `<html>`.
const HOSTILE: &str = r#"127.0.0.1:50001 - - [23/Nov/2026:10:00:00] "WSCONNECTING /ws/</script><script>document.documentElement.setAttribute('data-pwned','1')</script>/" - - <img/src=x/onerror=document.documentElement.setAttribute('data-pwned','2')>
127.0.0.1:50001 - - [23/Nov/2026:10:00:01] "WSREJECT /ws/</script><script>document.documentElement.setAttribute('data-pwned','1')</script>/" - - <!-- <script>alert(1)</script>
127.0.0.1:50001 - - [23/Nov/2026:10:00:01] "WSDISCONNECT /ws/</script><script>document.documentElement.setAttribute('data-pwned','1')</script>/" - - </script><script>alert(1)</script>
127.0.0.1:50002 - - [23/Nov/2026:10:00:02] "WSCONNECTING /ws/<svg/onload=document.documentElement.setAttribute('data-pwned','3')>/" - -
127.0.0.1:50002 - - [23/Nov/2026:10:00:02] "WSCONNECT /ws/<svg/onload=document.documentElement.setAttribute('data-pwned','3')>/" - -
127.0.0.1:50002 - - [23/Nov/2026:10:00:09] "WSDISCONNECT /ws/<svg/onload=document.documentElement.setAttribute('data-pwned','3')>/" - -
"#;

#[test]
fn log_lines_with_markup_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hostile.log");
    std::fs::write(&log, HOSTILE).unwrap();
    let html = scan("html", &[log.display().to_string()]);

    // Four script elements (error counter, two data blocks, the code): none from the log.
    assert_eq!(html.matches("</script").count(), 4, "{html}");
    let report: serde_json::Value =
        serde_json::from_str(json_block(&html, "logweave-report")).unwrap();
    let conns = report["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 2);
    assert_eq!(
        conns[0]["path"],
        "/ws/</script><script>document.documentElement.setAttribute('data-pwned','1')</script>/"
    );
    let text = conns[0]["events"][0]["text"].as_str().unwrap();
    assert!(text.contains("<img/src=x/onerror="), "{text}");

    // In the browser: both connections drawn, the markup shown as text, nothing run.
    let page = dir.path().join("hostile.html");
    std::fs::write(&page, &html).unwrap();
    let r = render(&page, "v=all", &[]);
    r.assert_clean();
    assert_eq!(r.attr("data-shown").as_deref(), Some("2"));
    assert_eq!(r.attr("data-pwned"), None, "a log line ran as code");
    assert!(
        r.dom
            .contains("/ws/&lt;/script&gt;&lt;script&gt;document.documentElement"),
        "the path is shown as text"
    );
    let body = &r.dom[r.dom.find("<body").unwrap()..];
    let visible = body[..body.find("<script type=\"application/json\"").unwrap()].to_string();
    for tag in ["<img", "<script", "<svg/onload", "<svg onload"] {
        assert!(
            !visible.contains(tag),
            "{tag} became an element:\n{visible}"
        );
    }
}

#[test]
fn chromium_draws_every_connection_of_the_first_page() {
    let logs = all_logs();
    let html = scan("html", &logs);
    let report: serde_json::Value =
        serde_json::from_str(json_block(&html, "logweave-report")).unwrap();
    let sum = &report["summary"];
    let n = |k: &str| sum[k].as_u64().unwrap() as usize;
    let total = n("connections");
    let failing = n("broken") + n("degraded");
    assert!(failing > 0);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    // By default: the broken and degraded connections, as the text report shows them.
    let shot = dir.path().join("report.png");
    let r = render(
        &page,
        "",
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,1000",
        ],
    );
    r.assert_clean();
    let want = failing.min(50);
    assert_eq!(r.attr("data-shown"), Some(want.to_string()));
    assert_eq!(r.attr("data-total"), Some(total.to_string()));
    assert_eq!(r.count("<article class=\"conn "), want);
    assert_eq!(
        r.count("aria-label=\"Timeline of "),
        want,
        "one timeline each"
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);

    // Every connection, and the filters from the URL fragment.
    let r = render(&page, "v=all", &[]);
    r.assert_clean();
    assert_eq!(r.attr("data-shown"), Some(total.min(50).to_string()));
    assert_eq!(r.count("<article class=\"conn "), total.min(50));
    for c in report["connections"].as_array().unwrap().iter().take(50) {
        let id = c["id"].as_str().unwrap();
        assert!(r.dom.contains(&format!("data-id=\"{id}\"")), "{id} drawn");
    }
    let rule = "handshake.rejected";
    let with_rule = report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rules"].as_array().unwrap().iter().any(|r| r == rule))
        .count();
    assert!(with_rule > 0);
    let r = render(&page, &format!("v=all&rule={rule}"), &[]);
    r.assert_clean();
    assert_eq!(r.attr("data-matching"), Some(with_rule.to_string()));
    // The charts: a bar per rule, a bar per close code.
    let rules = sum["rules"].as_object().unwrap().len();
    let codes = sum["close_codes"].as_object().unwrap().len();
    assert_eq!(r.count("class=\"bar-row"), rules + codes);
}

/// `n` connections as Daphne logs them, three seconds of traffic each, spread over an hour:
/// every tenth rejected.
fn daphne_log(n: usize) -> String {
    let mut out = String::with_capacity(n * 240);
    for i in 0..n {
        let client = format!(
            "10.{}.{}.{}:{}",
            i / 62500,
            i / 250 % 250,
            i % 250 + 1,
            40000 + i % 20000
        );
        let path = format!("/ws/chat/{}/", i % 97);
        let at = |d: usize| {
            let s = i * 36 / 100 + d;
            format!(
                "23/Nov/2026:{:02}:{:02}:{:02}",
                10 + s / 3600,
                s / 60 % 60,
                s % 60
            )
        };
        out.push_str(&format!(
            "{client} - - [{}] \"WSCONNECTING {path}\" - -\n",
            at(0)
        ));
        if i % 10 == 7 {
            out.push_str(&format!(
                "{client} - - [{}] \"WSREJECT {path}\" - -\n",
                at(0)
            ));
            out.push_str(&format!(
                "{client} - - [{}] \"WSDISCONNECT {path}\" - -\n",
                at(0)
            ));
        } else {
            out.push_str(&format!(
                "{client} - - [{}] \"WSCONNECT {path}\" - -\n",
                at(1)
            ));
            out.push_str(&format!(
                "{client} - - [{}] \"WSDISCONNECT {path}\" - -\n",
                at(3 + i % 50)
            ));
        }
    }
    out
}

#[test]
fn ten_thousand_connections_render_their_first_page() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("daphne.log");
    std::fs::write(&log, daphne_log(10_000)).unwrap();
    let page = dir.path().join("report.html");
    logweave(&[
        "scan",
        "-o",
        "html",
        "--report-file",
        page.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    let size = std::fs::metadata(&page).unwrap().len();
    // About 1 KB per connection of three lines: the JSON report, minified, plus ~50 KB.
    assert!(
        size < 14_000_000,
        "the page for 10,000 connections is {size} bytes"
    );
    eprintln!("10,000 connections: {size} bytes");

    let t = Instant::now();
    let r = render(&page, "", &[]);
    r.assert_clean();
    assert_eq!(r.attr("data-total").as_deref(), Some("10000"));
    assert_eq!(
        r.attr("data-matching").as_deref(),
        Some("1000"),
        "the rejected ones"
    );
    assert_eq!(r.attr("data-shown").as_deref(), Some("50"));
    assert_eq!(
        r.count("<article class=\"conn "),
        50,
        "only the current page"
    );
    eprintln!(
        "first page drawn {} ms after navigation ({:?} with Chromium's start)",
        r.attr("data-ready-ms").unwrap_or_default(),
        t.elapsed()
    );

    let r = render(&page, "v=all&page=200&path=/ws/chat/", &[]);
    r.assert_clean();
    assert_eq!(r.attr("data-matching").as_deref(), Some("10000"));
    assert_eq!(r.attr("data-page").as_deref(), Some("200"));
    assert_eq!(r.attr("data-shown").as_deref(), Some("50"));
}

// ---- headless Chromium ---------------------------------------------------------------

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("LOGWEAVE_CHROMIUM") {
        return PathBuf::from(p);
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "chrome"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "headless Chromium is needed to test the HTML report and none was found: \
         install it (Debian/Ubuntu: `apt-get install -y chromium`) or set LOGWEAVE_CHROMIUM"
    );
}

struct Rendered {
    dom: String,
    console: Vec<String>,
}

impl Rendered {
    /// An attribute of `<html>`, where the page reports its state.
    fn attr(&self, name: &str) -> Option<String> {
        let at = self.dom.find("<html").expect("an <html> element");
        let tag = &self.dom[at..at + self.dom[at..].find('>').unwrap()];
        let re = Regex::new(&format!(r#"\s{}="([^"]*)""#, regex::escape(name))).unwrap();
        re.captures(tag).map(|c| c[1].to_string())
    }

    fn count(&self, needle: &str) -> usize {
        self.dom.matches(needle).count()
    }

    fn assert_clean(&self) {
        assert!(
            self.console.is_empty(),
            "console messages: {:#?}",
            self.console
        );
        assert_eq!(self.attr("data-state").as_deref(), Some("ready"), "drawn");
        assert_eq!(self.attr("data-errors").as_deref(), Some("0"), "no error");
    }
}

/// Loads `page#fragment` in headless Chromium and returns the DOM once scripts have run,
/// with every console message the page produced (it writes none when all is well).
fn render(page: &Path, fragment: &str, extra: &[&str]) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let mut url = format!("file://{}", page.canonicalize().unwrap().display());
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    let mut cmd = StdCommand::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra);
    if !extra.iter().any(|a| a.starts_with("--screenshot")) {
        cmd.arg("--dump-dom");
    }
    cmd.arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", chromium().display()));
    // Read both pipes on threads so a chatty Chromium cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    assert!(
        status.success(),
        "Chromium failed on {url}: {status}\n{stderr}"
    );
    let console: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    if extra.iter().any(|a| a.starts_with("--screenshot")) {
        // A screenshot run does not dump the DOM: load it again for the checks.
        let mut r = render(page, fragment, &[]);
        r.console.extend(console);
        return r;
    }
    Rendered {
        dom: stdout,
        console,
    }
}
