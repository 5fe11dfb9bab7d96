//! The whole pipeline for `scan` and `check`, from inputs to an analysed report.
//!
//! ```text
//! ingest (records, merged by time) ─► pattern::events ─► correlate ─► sequence::evaluate
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
}

/// Runs every stage over `specs`.
pub fn scan(specs: &[InputSpec], opts: &Options, packs: PackSet) -> Scan {
    let mut opts = opts.clone();
    // Records no pattern can match are counted, not kept: the analysis never sees them.
    opts.keep = packs.line_filter();
    opts.keep_finder = packs.line_finder();
    // Matching while reading drops what nothing matched before the inputs are merged.
    let ingested = ingest::ingest_matching(specs, &opts, &|r| packs.matches(r));
    analyse(ingested, packs)
}

/// Runs the stages after ingest.
pub fn analyse(mut ingested: Ingested, packs: PackSet) -> Scan {
    let events = match ingested.matched.take() {
        Some(matched) => pattern::events_of(&ingested.records, matched, &packs),
        None => pattern::events(&ingested.records, &packs),
    };
    let correlated = correlate::correlate(&packs, &ingested.records, &events);
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
    }
}
