//! The whole pipeline for `scan` and `check`, from inputs to an analysed report.
//!
//! ```text
//! ingest (records, merged by time) ─► pattern::events ─► correlate ─► sequence::evaluate
//!                                                        redact (beside it, for the
//!                                                        reports of whole messages)
//! ```

use chrono::{DateTime, Utc};

use crate::correlate::{self, Correlated};
use crate::ingest::{self, Ingested, Options};
use crate::input::InputSpec;
use crate::pattern::{self, Event, PackSet};
use crate::sequence::{self, Analysis};
use crate::timefilter;

/// Everything the report writers need.
pub struct Scan {
    /// Inputs and their records.
    pub ingested: Ingested,
    /// The packs used.
    pub packs: PackSet,
    /// Matched records.
    pub events: Vec<Event>,
    /// Connections and global events.
    pub correlated: Correlated,
    /// Findings and verdicts.
    pub analysis: Analysis,
    /// The time of the last record: deadlines after it are pending.
    pub now: Option<DateTime<Utc>>,
    /// Every record's message is redacted already ([`scan_redacted`]): a report writes
    /// it as it is.
    pub redacted: bool,
}

/// Runs every stage over `specs`. A time window (`--since`, `--until`) selects the
/// connections active in it and the findings of it; every line is read and correlated,
/// so a connection the window cuts keeps the lines and the diagnosis it has without it.
pub fn scan(specs: &[InputSpec], opts: &Options, packs: PackSet) -> Scan {
    let s = analyse_with(ingest_all(specs, opts, &packs), packs, false);
    narrow(s, opts.since, opts.until)
}

/// [`scan`], redacting every record's message ([`crate::redact::redact`]) on the cores
/// the correlation leaves idle (it runs on one), for a report that writes whole messages.
pub fn scan_redacted(specs: &[InputSpec], opts: &Options, packs: PackSet) -> Scan {
    let s = analyse_with(ingest_all(specs, opts, &packs), packs, true);
    narrow(s, opts.since, opts.until)
}

/// Keeps the connections active between `since` and `until` (both inclusive) and the
/// findings that name one of them or, naming none, happened then; ids follow the kept
/// connections' order again (`c1`...). When nothing is left, [`Ingested::outside`] says
/// what the window left out: the records, all of them outside it.
fn narrow(mut s: Scan, since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Scan {
    if since.is_none() && until.is_none() {
        return s;
    }
    let inside = |t: DateTime<Utc>| timefilter::inside(t, since, until);
    let active = |c: &correlate::Connection| match (c.start.or(c.end), c.end.or(c.start)) {
        (Some(a), Some(b)) => timefilter::overlaps(a, b, since, until),
        _ => false,
    };
    let conns = std::mem::take(&mut s.correlated.connections);
    let mut new_index = vec![None; conns.len()];
    let mut kept = Vec::new();
    for (i, c) in conns.into_iter().enumerate() {
        if active(&c) {
            new_index[i] = Some(kept.len());
            kept.push(c);
        }
    }
    for (n, c) in kept.iter_mut().enumerate() {
        c.id = format!("c{}", n + 1).into();
    }
    let a = &mut s.analysis;
    let keep: Vec<bool> = new_index.iter().map(Option::is_some).collect();
    timefilter::retain_kept(&mut a.verdicts, &keep);
    timefilter::retain_kept(&mut a.close_codes, &keep);
    let mut finding_index = vec![None; a.findings.len()];
    let mut findings = Vec::new();
    for (i, mut f) in std::mem::take(&mut a.findings).into_iter().enumerate() {
        let named = !f.connections.is_empty();
        f.connections = f.connections.iter().filter_map(|&c| new_index[c]).collect();
        let keep = if named {
            !f.connections.is_empty()
        } else {
            f.ts.is_some_and(inside)
        };
        if keep {
            finding_index[i] = Some(findings.len());
            findings.push(f);
        }
    }
    a.findings = findings;
    let by_connection = std::mem::take(&mut a.by_connection);
    a.by_connection = by_connection
        .into_iter()
        .enumerate()
        .filter(|(i, _)| new_index[*i].is_some())
        .map(|(_, fs)| fs.iter().filter_map(|&f| finding_index[f]).collect())
        .collect();
    let none_inside = || {
        !s.ingested
            .records
            .iter()
            .any(|r| r.ts.is_some_and(|t| inside(t.utc)))
    };
    if kept.is_empty() && a.findings.is_empty() && !s.ingested.records.is_empty() && none_inside() {
        s.ingested.outside = Some(crate::ingest::Outside::of(s.ingested.records.iter()));
    }
    s.correlated.connections = kept;
    s
}

/// Reads `specs`, keeping the records the packs match; a time window is applied after
/// the analysis ([`narrow`]), not to the lines read.
fn ingest_all(specs: &[InputSpec], opts: &Options, packs: &PackSet) -> Ingested {
    let mut opts = opts.clone();
    opts.since = None;
    opts.until = None;
    // Records no pattern can match are counted, not kept: the analysis never sees them.
    opts.keep = packs.line_filter();
    opts.keep_finder = packs.line_finder();
    // Matching while reading drops what nothing matched before the inputs are merged.
    ingest::ingest_matching(specs, &opts, &|r| packs.matches(r))
}

/// Runs the stages after ingest.
pub fn analyse(ingested: Ingested, packs: PackSet) -> Scan {
    analyse_with(ingested, packs, false)
}

fn analyse_with(mut ingested: Ingested, packs: PackSet, redact: bool) -> Scan {
    let events = match ingested.matched.take() {
        Some(matched) => pattern::events_of(&ingested.records, matched, &packs),
        None => pattern::events(&ingested.records, &packs),
    };
    let correlated = if redact {
        // The correlation reads no message: they are redacted beside it, out of their
        // records for as long.
        use rayon::prelude::*;
        let records = &mut ingested.records;
        let mut messages: Vec<String> = records
            .iter_mut()
            .map(|r| std::mem::take(&mut r.message))
            .collect();
        let (correlated, ()) = rayon::join(
            || correlate::correlate(&packs, records, &events),
            || {
                messages.par_iter_mut().for_each(|m| {
                    if let std::borrow::Cow::Owned(o) = crate::redact::redact(m) {
                        *m = o;
                    }
                })
            },
        );
        for (r, m) in records.iter_mut().zip(messages) {
            r.message = m;
        }
        correlated
    } else {
        correlate::correlate(&packs, &ingested.records, &events)
    };
    let now = ingested
        .records
        .iter()
        .filter_map(|r| r.ts.map(|t| t.utc))
        .max()
        .max(ingested.dropped_latest);
    let latest: Vec<_> = ingested.inputs.iter().map(|i| i.latest).collect();
    let analysis = sequence::evaluate_by_input(&packs, &events, &correlated, now, &latest);
    Scan {
        ingested,
        packs,
        events,
        correlated,
        analysis,
        now,
        redacted: redact,
    }
}
