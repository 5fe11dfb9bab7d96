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

/// Runs every stage over `specs`.
pub fn scan(specs: &[InputSpec], opts: &Options, packs: PackSet) -> Scan {
    analyse_with(ingest_all(specs, opts, &packs), packs, false)
}

/// [`scan`], redacting every record's message ([`crate::redact::redact`]) on the cores
/// the correlation leaves idle (it runs on one), for a report that writes whole messages.
pub fn scan_redacted(specs: &[InputSpec], opts: &Options, packs: PackSet) -> Scan {
    analyse_with(ingest_all(specs, opts, &packs), packs, true)
}

/// Reads `specs`, keeping the records the packs match.
fn ingest_all(specs: &[InputSpec], opts: &Options, packs: &PackSet) -> Ingested {
    let mut opts = opts.clone();
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
    let analysis = sequence::evaluate(&packs, &events, &correlated, now);
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
