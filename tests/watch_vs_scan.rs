//! `watch` judges a stream with the same packs, correlation and rules as `scan`: fed the
//! same records in the same order, it must reach the same findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use logweave::ingest::{self, Options};
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;
use logweave::watch::engine::{self, Engine};

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

fn logs(dir: &Path) -> Vec<InputSpec> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "toml") && p.is_file())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
        .collect()
}

/// Both sides over `specs`: watch's findings as it printed them, and scan's analysis.
fn both(specs: &[InputSpec]) -> (Vec<engine::LiveFinding>, pipeline::Scan) {
    let opts = Options::default();
    let packs = PackSet::load(&[]).unwrap();
    let ingested = ingest::ingest(specs, &opts);
    let names = ingested.inputs.iter().map(|i| i.name.clone()).collect();
    let mut eng = Engine::new(&packs, engine::Options::default(), names);
    for r in ingested.records.clone() {
        eng.push(r);
    }
    eng.finish();
    (eng.take(), pipeline::analyse(ingested, packs))
}

/// Each finding's rule and how many connections it names, as watch printed them and as
/// scan found them.
type Told = Vec<(&'static str, usize)>;
fn told_by_both(specs: &[InputSpec]) -> (Told, Told) {
    let (found, s) = both(specs);
    let live = found.iter().map(|f| (f.rule, f.connection_count)).collect();
    let batch = s
        .analysis
        .findings
        .iter()
        .map(|f| (f.rule, f.connections.len()))
        .collect();
    (live, batch)
}

/// Rule → number of findings, for each side.
fn compare(specs: Vec<InputSpec>) -> (BTreeMap<&'static str, u64>, BTreeMap<&'static str, u64>) {
    let (found, s) = both(&specs);
    let mut live: BTreeMap<&'static str, u64> = BTreeMap::new();
    for f in &found {
        *live.entry(f.rule).or_default() += 1;
    }
    let mut batch: BTreeMap<&'static str, u64> = BTreeMap::new();
    for f in &s.analysis.findings {
        *batch.entry(f.rule).or_default() += 1;
    }
    (live, batch)
}

/// Compares both sides on each named case; fails listing every case that differs.
fn assert_agree(cases: Vec<(String, Vec<InputSpec>)>) {
    let mut diffs = Vec::new();
    for (name, specs) in cases {
        let (live, batch) = compare(specs);
        if live != batch {
            diffs.push(format!("{name}: watch {live:?} vs scan {batch:?}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn watch_finds_what_scan_finds_in_every_fixture() {
    assert_agree(fixture_dirs().iter().map(|d| (name(d), logs(d))).collect());
}

fn realworld() -> PathBuf {
    match std::env::var_os("LOGWEAVE_SHARED") {
        Some(p) => PathBuf::from(p).join("corpus/realworld"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld"),
    }
}

#[test]
fn watch_finds_what_scan_finds_in_every_real_world_excerpt() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(realworld())
        .expect("../shared/corpus/realworld beside the repository")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "md"))
        .collect();
    files.sort();
    assert!(files.len() > 20);
    assert_agree(
        files
            .iter()
            .map(|f| (name(f), vec![InputSpec::from_arg(f.to_str().unwrap())]))
            .collect(),
    );
}

#[test]
fn watch_lets_go_of_a_session_the_proxy_saw_end() {
    // gunicorn's UvicornWorker writes no `connection closed`; nginx's access line says the
    // session was over. `watch` held such a session as open until 100,000 others pushed
    // it out (counted as "evicted before they ended"): days of a gunicorn stack filled
    // its memory with finished sessions.
    // One session, its nginx access line, then gunicorn stops.
    let specs = logs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gunicorn-session-ended-by-nginx"),
    );
    let packs = PackSet::load(&[]).unwrap();
    let ingested = ingest::ingest(&specs, &Options::default());
    let names = ingested.inputs.iter().map(|i| i.name.clone()).collect();
    let mut eng = Engine::new(&packs, engine::Options::default(), names);
    for r in ingested.records.clone() {
        eng.push(r);
    }
    assert_eq!(eng.open_connections(), 0, "the access line ended it");
    // An hour of log time later, nothing of it is held.
    eng.advance_to("2026-11-27T04:07:21Z".parse().unwrap());
    assert_eq!(eng.held().0, 0, "still held: {:?}", eng.held());
}

#[test]
fn a_reboot_between_timed_lines_names_the_same_sessions_in_watch_as_in_scan() {
    // journalctl's `-- Reboot --` has no time: it borrows the line above's, in whose
    // second (the second case) the server had just started and the session began.
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.journal");
    std::fs::write(
        &fresh,
        "Mar 01 10:00:00 web1 systemd[1]: Started Daphne ASGI server.\n\
         Mar 01 10:00:01 web1 daphne[4242]: 2024-03-01 10:00:01,000 INFO     Starting server at tcp:port=8000:interface=127.0.0.1\n\
         Mar 01 10:00:02 web1 daphne[4242]: 127.0.0.1:50000 - - [01/Mar/2024:10:00:02] \"WSCONNECT /ws/chat/1/\" - -\n\
         -- Reboot --\n\
         Mar 01 10:04:00 web1 systemd[1]: Started Daphne ASGI server.\n",
    )
    .unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/journal-reboot-under-open-sessions.log");
    for (p, open) in [(data, 2), (fresh, 1)] {
        let (live, batch) = told_by_both(&[InputSpec::from_arg(p.to_str().unwrap())]);
        assert_eq!(live, [("server.restart", open)], "{}", p.display());
        assert_eq!(live, batch, "{}", p.display());
    }
}

#[test]
fn a_worker_timeout_and_its_kill_are_one_stop_in_watch_as_in_scan() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gunicorn.log");
    std::fs::write(
        &p,
        "[2024-05-02 10:01:00 +0000] [7] [INFO] ('10.0.0.1', 5555) - \"WebSocket /ws/chat/\" [accepted]\n\
         [2024-05-02 10:01:00 +0000] [7] [INFO] connection open\n\
         [2024-05-02 10:01:05 +0000] [7] [INFO] ('10.0.0.2', 6666) - \"WebSocket /ws/chat/\" [accepted]\n\
         [2024-05-02 10:01:05 +0000] [7] [INFO] connection open\n\
         [2024-05-02 10:05:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)\n\
         [2024-05-02 10:05:01 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?\n",
    )
    .unwrap();
    let (live, batch) = told_by_both(&[InputSpec::from_arg(p.to_str().unwrap())]);
    assert_eq!(live, [("server.restart", 2)]);
    assert_eq!(live, batch);
}

#[test]
fn an_untimed_stop_names_the_sessions_open_at_it_in_watch_as_in_scan() {
    // uvicorn's console writes no time: watch said "shut down with no WebSocket open" (or,
    // for a start line, nothing) where scan, by line order, names the session.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // Closed by the shutdown, below it.
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\nINFO:     connection open\nINFO:     Shutting down\nINFO:     connection closed\nINFO:     Finished server process [13409]\n",
        // Started again under it, no stop line.
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\nINFO:     connection open\nINFO:     Started server process [13410]\nINFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n",
        // Two open, stopped, started again: the stop names both, the start none.
        "INFO:     127.0.0.1:34398 - \"WebSocket /ws/x\" [accepted]\nINFO:     connection open\nINFO:     127.0.0.1:34399 - \"WebSocket /ws/y\" [accepted]\nINFO:     connection open\nINFO:     Shutting down\nINFO:     Started server process [13410]\nINFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n",
        // Refused, then stopped: none open, and uvicorn's line names no process: no
        // finding, in either.
        "INFO:     ('127.0.0.1', 52429) - \"WebSocket /\" 403\nINFO:     Shutting down\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        let p = dir.path().join(format!("uvicorn{i}.log"));
        std::fs::write(&p, text).unwrap();
        let (found, s) = both(&[InputSpec::from_arg(p.to_str().unwrap())]);
        let live: Vec<(&str, usize, String)> = found
            .iter()
            .map(|f| (f.rule, f.connection_count, f.diagnosis.clone()))
            .collect();
        let batch: Vec<(&str, usize, String)> = s
            .analysis
            .findings
            .iter()
            .map(|f| (f.rule, f.connections.len(), f.diagnosis.clone()))
            .collect();
        let (mut live, mut batch) = (live, batch);
        live.sort();
        batch.sort();
        assert_eq!(live, batch, "case {i}");
        let stops: Vec<usize> = batch
            .iter()
            .filter(|f| f.0 == "server.restart")
            .map(|f| f.1)
            .collect();
        let want: [&[usize]; 4] = [&[1], &[1], &[2], &[]];
        assert_eq!(stops, want[i], "case {i}");
    }
}
