//! A time window (`--since`, `--until`) selects connections, it does not cut them: a
//! connection active in the window has the lines, the verdict and the rules it has in the
//! whole log.

use logweave::ingest::Options;
use logweave::input::InputSpec;
use logweave::pattern::PackSet;
use logweave::pipeline;

mod common;

/// What a connection is, for comparing two scans: path, client, start, verdict, rules,
/// number of lines.
type Seen = (
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Vec<String>,
    usize,
);

fn seen(s: &pipeline::Scan) -> Vec<Seen> {
    s.correlated
        .connections
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut rules: Vec<String> =
                s.analysis.naming(ci).map(|f| f.rule.to_string()).collect();
            rules.sort();
            rules.dedup();
            (
                c.path.as_deref().map(String::from),
                c.client.as_deref().map(String::from),
                c.start.map(|t| t.to_rfc3339()),
                format!("{:?}", s.analysis.verdicts[ci]),
                rules,
                c.links.len(),
            )
        })
        .collect()
}

#[test]
fn a_window_keeps_every_connection_active_in_it_as_the_whole_log_reads_it() {
    // A window that began in the middle of a session left its end alone: a WSDISCONNECT
    // with nothing before it read "healthy", an nginx 101 without its server lines
    // another connection, a refused handshake's last line a handshake timeout (40 such
    // windows over the fixtures gave a rule the whole log does not).
    let packs = || PackSet::load(&[]).unwrap();
    let mut failures = Vec::new();
    for dir in common::scenarios() {
        let specs: Vec<InputSpec> = common::logs(&dir)
            .iter()
            .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
            .collect();
        let opts = Options {
            year: Some(2026),
            ..Options::default()
        };
        let full = pipeline::scan(&specs, &opts, packs());
        let mut starts: Vec<_> = full
            .correlated
            .connections
            .iter()
            .filter_map(|c| c.start)
            .collect();
        starts.sort();
        let Some(&mid) = starts.get(starts.len() / 2) else {
            continue;
        };
        // From the middle connection's start on, and up to it.
        for (since, until) in [(Some(mid), None), (None, Some(mid))] {
            let windowed = pipeline::scan(
                &specs,
                &Options {
                    since,
                    until,
                    ..opts.clone()
                },
                packs(),
            );
            let active = |c: &logweave::correlate::Connection| {
                let (a, b) = (c.start.or(c.end), c.end.or(c.start));
                a.zip(b)
                    .is_some_and(|(a, b)| logweave::timefilter::overlaps(a, b, since, until))
            };
            let expected: Vec<Seen> = seen(&full)
                .into_iter()
                .zip(&full.correlated.connections)
                .filter(|(_, c)| active(c))
                .map(|(s, _)| s)
                .collect();
            if seen(&windowed) != expected {
                failures.push(format!("{} {since:?}..{until:?}", dir.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
