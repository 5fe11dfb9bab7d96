//! Ingest: inputs in, one time-ordered record stream out.
//!
//! ```text
//! inputs ──(rayon, one task per input)──► open ─► sample ─► detect ─► Assembler ─► Sieve
//!                                                                              │
//!         merge: stable sort by (time, input, position) ◄──────────────────────┘
//! ```
//!
//! With a [`Marker`] ([`ingest_matching`]), the sieve also runs the patterns over each
//! finished record while the input is read, and drops the records nothing matched: what
//! is held until the analysis is what it will use.
//!
//! A record without a time of its own sorts with the record before it in its input, so
//! tracebacks and untimestamped lines stay beside the lines they follow.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Utc};
use rayon::prelude::*;

use crate::assemble::{detect, Assembler, Detection, Filter, Indent, InputStats};
use crate::chunked::Chunked;
use crate::error::Error;
use crate::format::Format;
use crate::input::{self, Compression, InputSpec};
use crate::pattern::Match;
use crate::record::{Record, RecordFlags, Timestamp};
use crate::time::{TimeCtx, Zone};

/// Lines looked at to detect an input's format.
const SAMPLE_LINES: usize = 64;
/// With [`Options::keep`], settled records are sifted every this many lines, so skipped
/// ones never pile up. A batch's records (168 bytes each, and their texts) stay in a
/// core's 1 MiB cache: at 8192 lines a batch overflowed it, and each record was written
/// to memory and read back (the 1 GiB corpus, five alternating runs: 7.28 s at 8192,
/// 6.67 s at 1024, 7.02 s at 512, stop 32). At 256 the joins of the batches cost more.
const SIFT_LINES: u64 = 1024;
/// Records left with the assembler when sifting: a continuation may still join them.
const SIFT_KEEP: usize = 64;

/// How to read the inputs.
#[derive(Clone)]
pub struct Options {
    /// `--format`: skip detection.
    pub format: Option<&'static dyn Format>,
    /// `--year`: the year of year-less timestamps.
    pub year: Option<i32>,
    /// `--tz`: the zone of zone-less timestamps.
    pub tz: Zone,
    /// No `--tz` was given: zone-less timestamps take the offset that the inputs which
    /// write one agree on ([`shared_offset`]), else `tz`.
    pub tz_from_inputs: bool,
    /// `tz` is that offset already ([`Options::resolve_zone`]), written by this input.
    pub tz_from: Option<String>,
    /// The longest line kept whole.
    pub max_line: usize,
    /// `--since`: records before this instant are dropped after the merge.
    pub since: Option<DateTime<Utc>>,
    /// `--until`: records after this instant are dropped after the merge.
    pub until: Option<DateTime<Utc>>,
    /// Keep only the records whose text this accepts (those a pattern may match); the
    /// others are counted and dropped while reading, so memory and time follow what can
    /// be analysed, not the input's size. `None` (the default, and `parse`) keeps all.
    pub keep: Option<Filter>,
    /// With `keep`: a search for its literals over whole buffers
    /// ([`crate::input::LineReader::set_finder`]), so most lines are never searched alone.
    pub keep_finder: Option<input::Finder>,
    /// Counts the bytes read, for a progress display.
    pub progress: Option<std::sync::Arc<Progress>>,
}

/// Bytes read so far over all inputs (as stored: compressed bytes of compressed inputs),
/// updated every few thousand lines while inputs are read in parallel.
#[derive(Debug, Default)]
pub struct Progress {
    read: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// Bytes read so far.
    pub fn read(&self) -> u64 {
        self.read.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn add(&self, n: u64) {
        self.read.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Total size of the inputs as stored, when every one is a file whose size is known.
pub fn total_size(specs: &[InputSpec]) -> Option<u64> {
    specs
        .iter()
        .map(|s| {
            let m = std::fs::metadata(s.path.as_ref()?).ok()?;
            m.is_file().then_some(m.len())
        })
        .sum()
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            year: None,
            tz: Zone::UTC,
            tz_from_inputs: false,
            tz_from: None,
            max_line: input::DEFAULT_MAX_LINE,
            since: None,
            until: None,
            keep: None,
            keep_finder: None,
            progress: None,
        }
    }
}

/// Where the year of year-less timestamps came from, for `ts_note`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearSource {
    /// `--year`.
    Flag,
    /// The file's modification time.
    Mtime,
    /// Today (stdin has no mtime).
    Today,
    /// The year the lines' own times write inside a year-less envelope (a journal's
    /// `Jan 07 11:57:24 host gunicorn[1]: [2019-01-07 11:57:24 +0000] ...` saved to a
    /// file years later): see [`year_written`].
    Written,
    /// The years the other lines write (of other inputs, or this one's own lines with a
    /// year), when the file's modification time put this input's year-less times years
    /// away from all of theirs: see [`align_years`].
    Others,
}

impl YearSource {
    /// Words for `ts_note`.
    pub fn describe(self) -> &'static str {
        match self {
            YearSource::Flag => "--year",
            YearSource::Mtime => "the file's modification time",
            YearSource::Today => "today's date",
            YearSource::Written => "the year its lines' own times write",
            YearSource::Others => "the years other lines write",
        }
    }
}

/// What happened to one input.
#[derive(Debug)]
pub struct InputReport {
    /// The input as named.
    pub name: String,
    /// The detected (or forced) format; the most common layout for bare files.
    pub format: &'static str,
    /// What its first bytes said.
    pub compression: Compression,
    /// Line accounting.
    pub stats: InputStats,
    /// Where year-less timestamps got their year.
    pub year_source: YearSource,
    /// The error that stopped reading it, if any (records before it are kept).
    pub error: Option<Error>,
    /// What a person should know although reading went on: lines cut at the length
    /// limit, a file that shrank while it was read. Each names the input.
    pub warnings: Vec<String>,
    /// The latest time of any of its lines (kept or not): how far the input goes.
    pub latest: Option<DateTime<Utc>>,
}

/// All inputs, read and merged.
#[derive(Debug, Default)]
pub struct Ingested {
    /// One report per input, in the order given.
    pub inputs: Vec<InputReport>,
    /// All records, ordered by time; ties keep the inputs' file-name order
    /// ([`by_file_name`]), then line order. With
    /// [`Options::keep`], only the kept ones and the skipped ones whose time an untimed
    /// kept record inherits.
    pub records: Vec<Record>,
    /// The latest time of a record dropped by [`Options::keep`] or by a [`Marker`] within
    /// `--since` / `--until`: the reading ends no earlier than this.
    pub dropped_latest: Option<DateTime<Utc>>,
    /// With [`ingest_matching`]: what matched each record, beside `records` (whose
    /// application part, fields and program are then dropped: see `slim`).
    pub matched: Option<Vec<Vec<Match>>>,
    /// The offset zone-less times were taken in when the inputs agreed on one
    /// ([`Options::tz_from_inputs`]).
    pub zone: Option<Zone>,
    /// What `--since` / `--until` left out, when they left out everything.
    pub outside: Option<Outside>,
}

/// What a time window left out: how many records, and the times they span (to say where
/// the logs are when the window missed them all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outside {
    /// Records left out.
    pub records: usize,
    /// The earliest and latest time among them.
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Outside {
    /// What `records` are, left out.
    pub fn of<'r>(records: impl Iterator<Item = &'r Record> + Clone) -> Outside {
        let times = records.clone().filter_map(|r| r.ts.map(|t| t.utc));
        Outside {
            records: records.count(),
            span: times.clone().min().zip(times.max()),
        }
    }
}

impl Ingested {
    /// True when any input failed to open or read completely.
    pub fn has_errors(&self) -> bool {
        self.inputs.iter().any(|i| i.error.is_some())
    }
}

/// Reads every input (in parallel) and merges their records by time.
pub fn ingest(specs: &[InputSpec], opts: &Options) -> Ingested {
    ingest_with(specs, opts, None)
}

/// What the patterns match in one finished record ([`crate::pattern::PackSet::matches`]).
pub type Marker<'a> = &'a (dyn Fn(&Record) -> Vec<Match> + Sync);

/// [`ingest`], matching each record as its input is read: only the records something
/// matched are kept (with the time stubs untimed ones need), and
/// [`Ingested::matched`] holds what matched them.
pub fn ingest_matching(specs: &[InputSpec], opts: &Options, marker: Marker) -> Ingested {
    ingest_with(specs, opts, Some(marker))
}

fn ingest_with(specs: &[InputSpec], opts: &Options, marker: Option<Marker>) -> Ingested {
    let shared = zone_of_inputs(specs, opts);
    let zoned;
    let opts = match &shared {
        Some((tz, _)) => {
            zoned = Options {
                tz: *tz,
                ..opts.clone()
            };
            &zoned
        }
        None => opts,
    };
    // One input per core: within an input, its batches' patterns run on a free core too,
    // so inputs of unequal sizes keep both busy. (Reading the largest first, each core
    // taking the largest left, measured no faster: 7.12 s against 7.13 s, four
    // alternating runs each over the 1 GiB corpus, stop 31.)
    let mut parts: Vec<(InputReport, Sifted)> = specs
        .par_iter()
        .enumerate()
        .map(|(i, spec)| read_sifted(i as u32, spec, opts, marker))
        .collect();
    align_years(&mut parts);
    let mut inputs = Vec::with_capacity(parts.len());
    let mut all = Vec::new();
    let mut dropped_latest = None;
    for (mut report, sifted) in parts {
        if let Some((tz, from)) = &shared {
            if sifted.records.iter().any(|(r, _)| {
                r.ts.is_some_and(|t| t.note.contains(crate::record::TsNote::ZONE))
            }) {
                report.warnings.push(format!(
                    "{}: its times carry no zone; {}",
                    report.name,
                    zone_taken(*tz, from)
                ));
            }
        }
        inputs.push(report);
        all.push(sifted.records);
        dropped_latest = dropped_latest.max(sifted.dropped_latest);
    }
    // The merge moves the records straight into their final lists, sized once, while
    // each input's chunks are freed as they empty: the records are held twice only a
    // chunk at a time, not all of them at once.
    let total = all.iter().map(Chunked::len).sum();
    let mut records = Vec::with_capacity(total);
    let mut matched = Vec::with_capacity(if marker.is_some() { total } else { 0 });
    let parts = all.into_iter().map(Chunked::into_iter).collect();
    merge_by(
        parts,
        &by_file_name(specs),
        |(r, _)| r,
        |(r, m)| {
            records.push(r);
            if marker.is_some() {
                matched.push(m);
            }
        },
    );
    let mut outside = None;
    if let Some(keep) = crate::timefilter::kept(&records, opts.since, opts.until) {
        if !keep.iter().any(|&k| k) && !records.is_empty() {
            outside = Some(Outside::of(records.iter()));
        }
        crate::timefilter::retain_kept(&mut records, &keep);
        crate::timefilter::retain_kept(&mut matched, &keep);
    }
    Ingested {
        inputs,
        records,
        dropped_latest,
        matched: marker.map(|_| matched),
        zone: shared.map(|(tz, _)| tz),
        outside,
    }
}

/// How near (each side) an input's times must come to the other inputs' for the two
/// to be one story: a year-less input further from all of them was given the wrong year.
const YEAR_SLACK_DAYS: i64 = 3;

/// Moves the times of each year-less input whose year came from the file's modification
/// time (or today) by whole years, to where they meet the times of the inputs that write
/// their years, when they meet none of them as read. A set of logs copied off a server
/// years after the incident has the copy's date: `journalctl` (no year) would be read in
/// that year while nginx's access log beside it writes the real one, and no line of the
/// one would join a line of the other. Only when a shift makes them meet; the smallest
/// such shift. Each moved input gets a warning, and `ts_note` names where its year came
/// from.
fn align_years(parts: &mut [(InputReport, Sifted)]) {
    let yearless = |t: &Timestamp| t.note.contains(crate::record::TsNote::YEAR);
    // Every record's time counts, kept or not: what is kept depends on the packs and on
    // `parse` or `scan`, and the year must not.
    let written = parts
        .iter()
        .filter_map(|(_, s)| s.spans.written())
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)));
    let Some((w0, w1)) = written else { return };
    let slack = chrono::Duration::days(YEAR_SLACK_DAYS);
    let (w0, w1) = (w0 - slack, w1 + slack);
    let writers: Vec<String> = parts
        .iter()
        .filter(|(_, s)| s.spans.written().is_some())
        .map(|(r, _)| r.name.clone())
        .collect();
    for (report, sifted) in parts.iter_mut() {
        if !matches!(report.year_source, YearSource::Mtime | YearSource::Today) {
            continue;
        }
        let Some((a, b)) = sifted.spans.yearless() else {
            continue;
        };
        let meets = |k: i32| {
            let (a, b) = (shift_years(a, k), shift_years(b, k));
            a.is_some_and(|a| a <= w1) && b.is_some_and(|b| b >= w0)
        };
        if meets(0) {
            continue;
        }
        // Logs are copied after they are written: back first, nearest first.
        let Some(k) = (1..=30).flat_map(|k| [-k, k]).find(|&k| meets(k)) else {
            continue;
        };
        for (r, _) in sifted.records.iter_mut() {
            if let Some(t) = r.ts.as_mut().filter(|t| yearless(t)) {
                if let Some(u) = shift_years(t.utc, k) {
                    t.utc = u;
                }
            }
        }
        // The latest times move with the year-less ones, not past the times the input
        // writes with their year (a year-less time later than those is one that moved).
        let own_written = sifted.spans.written().map(|(_, b)| b);
        if let Some(t) = sifted.dropped_latest {
            if own_written.is_none_or(|w| t > w) {
                sifted.dropped_latest = shift_years(t, k).or(Some(t));
            }
        }
        report.latest = match report.latest {
            Some(t) if own_written.is_none_or(|w| t > w) => shift_years(t, k).or(Some(t)),
            t => t,
        }
        .max(shift_years(b, k));
        report.year_source = YearSource::Others;
        let writer = match writers.iter().find(|w| **w != report.name) {
            Some(w) => format!("the times {w} writes"),
            None => "the times its other lines write".to_string(),
        };
        let years = if k.abs() == 1 { "year" } else { "years" };
        report.warnings.push(format!(
            "{}: its times carry no year; the file's date put them {} {years} away from {writer}, so they are read {} {years} {} (--year to choose another)",
            report.name,
            k.abs(),
            k.abs(),
            if k < 0 { "earlier" } else { "later" },
        ));
    }
}

/// `t` moved by `k` years, the day and time kept (29 February to 1 March where the year
/// has none).
fn shift_years(t: DateTime<Utc>, k: i32) -> Option<DateTime<Utc>> {
    let y = t.year() + k;
    t.with_year(y)
        .or_else(|| (t + chrono::Duration::days(1)).with_year(y))
}

/// The offset zone-less times take when `opts` asks for the inputs' own
/// ([`Options::tz_from_inputs`]) and they agree on one ([`shared_offset`]), with the
/// name of the input that writes it; read once ([`Options::resolve_zone`]).
pub fn zone_of_inputs(specs: &[InputSpec], opts: &Options) -> Option<(Zone, String)> {
    if let Some(from) = &opts.tz_from {
        return Some((opts.tz, from.clone()));
    }
    opts.tz_from_inputs
        .then(|| shared_offset(specs, opts.max_line))
        .flatten()
        .map(|(off, from)| (off.into(), from))
}

impl Options {
    /// Settles the zone of zone-less times before anything else reads `tz` (a time
    /// window's zone-less bounds take it too): the inputs' heads are read once, here,
    /// not again by each reader.
    pub fn resolve_zone(&mut self, specs: &[InputSpec]) {
        if let Some((tz, from)) = zone_of_inputs(specs, self) {
            self.tz = tz;
            self.tz_from = Some(from);
        }
        self.tz_from_inputs = false;
    }
}

/// How a warning says where zone-less times took their offset from.
pub fn zone_taken(tz: Zone, from: &str) -> String {
    format!("taken as {tz}, the offset {from} writes (--tz to choose another)")
}

/// The UTC offset written by every input that writes one in its first lines, when they
/// all write the same one and it is not UTC, with the name of the first such input.
///
/// nginx's access log writes its local offset (`[14/Mar/2026:11:15:02 +0100]`); its error
/// log, Daphne's and supervisord's write the same local time with none. Read as UTC, they
/// would be an hour away from the access log and nothing would join. Only numeric offsets
/// count: `Z` (docker's, journald JSON's) is the runtime's clock, not the host's zone.
/// Inputs that cannot be read twice (stdin, a named pipe) are not looked at.
pub fn shared_offset(specs: &[InputSpec], max_line: usize) -> Option<(FixedOffset, String)> {
    let mut found: Option<(i32, String)> = None;
    let regular = |s: &&InputSpec| {
        s.path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file())
    };
    for spec in specs.iter().filter(regular) {
        let Ok(mut opened) = input::open(spec, max_line) else {
            continue;
        };
        let mut buf = Vec::new();
        for _ in 0..SAMPLE_LINES {
            let Ok(Some(_)) = opened.reader.next_line(&mut buf) else {
                break;
            };
            // A JSON record may write its time last (structlog's `"timestamp"`).
            let look = match memchr::memmem::find(&buf, b"{\"") {
                Some(_) => JSON_OFFSET_LOOK,
                None => OFFSET_LOOK,
            };
            let head = &buf[..buf.len().min(look)];
            let Some(secs) = written_offset(head) else {
                continue;
            };
            match &found {
                Some((s, _)) if *s != secs => return None,
                Some(_) => {}
                None => found = Some((secs, spec.name.clone())),
            }
        }
    }
    let (secs, from) = found?;
    if secs == 0 {
        return None;
    }
    Some((FixedOffset::east_opt(secs)?, from))
}

/// How far into a line its time is looked for: timestamps lead a line, or follow an
/// address and a user (nginx).
const OFFSET_LOOK: usize = 160;
/// The same for a line holding a JSON object, whose time may come after its message.
const JSON_OFFSET_LOOK: usize = 4096;

/// The numeric offset right after the first `HH:MM:SS` (with a fraction) of `line`:
/// ` +0100]`, `+01:00`, ` -0500`; or the zone of a `systemctl status` head's `Active:`
/// line ([`status_zone`]).
fn written_offset(line: &[u8]) -> Option<i32> {
    if let Some(secs) = status_zone(line) {
        return Some(secs);
    }
    let mut i = 0;
    while i + 8 <= line.len() {
        let t = &line[i..i + 8];
        let hms = t[2] == b':'
            && t[5] == b':'
            && [0, 1, 3, 4, 6, 7].iter().all(|&k| t[k].is_ascii_digit());
        if !hms {
            i += 1;
            continue;
        }
        let mut j = i + 8;
        if matches!(line.get(j), Some(b'.' | b',')) {
            j += 1;
            while line.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
        if line.get(j) == Some(&b' ') {
            j += 1;
        }
        // (`2026:11:12:01`: the first digits that look like a time may be the year's.)
        if !matches!(line.get(j), Some(b'+' | b'-')) {
            i += 1;
            continue;
        }
        let (secs, used) = crate::time::offset(&line[j..])?;
        // A sign and two digits alone (`12:00:00 -05`) is too weak to go on.
        return (used >= 5).then_some(secs);
    }
    None
}

/// The time context of an input: its mtime (or now) as the reference for year inference.
pub fn time_ctx(opts: &Options, mtime: Option<std::time::SystemTime>) -> (TimeCtx, YearSource) {
    let (reference, source) = match mtime {
        Some(t) => (DateTime::<Utc>::from(t), YearSource::Mtime),
        None => (Utc::now(), YearSource::Today),
    };
    let local: NaiveDateTime = opts.tz.wall_clock(&reference);
    let source = if opts.year.is_some() {
        YearSource::Flag
    } else {
        source
    };
    (
        TimeCtx {
            reference: local,
            year: opts.year,
            tz: opts.tz,
        },
        source,
    )
}

/// Reads one input to the end (or to its first error).
pub fn read_input(index: u32, spec: &InputSpec, opts: &Options) -> (InputReport, Vec<Record>) {
    let (report, sifted) = read_sifted(index, spec, opts, None);
    (report, sifted.records.into_iter().map(|(r, _)| r).collect())
}

/// One input's records as [`Options::keep`] and the [`Marker`] leave them, each with what
/// matched it (nothing without a marker). In chunks: a `Vec` would hold up to half again
/// its records in spare capacity, and could not give its memory back during the merge.
struct Sifted {
    records: Chunked<(Record, Vec<Match>)>,
    dropped_latest: Option<DateTime<Utc>>,
    spans: YearSpans,
}

/// Reads one input to the end (or to its first error), dropping skipped records as it
/// goes when [`Options::keep`] is set.
fn read_sifted(
    index: u32,
    spec: &InputSpec,
    opts: &Options,
    marker: Option<Marker>,
) -> (InputReport, Sifted) {
    let empty = || Sifted {
        records: Chunked::default(),
        dropped_latest: None,
        spans: YearSpans::default(),
    };
    let mut report = InputReport {
        name: spec.name.clone(),
        format: crate::assemble::UNKNOWN,
        compression: Compression::None,
        stats: InputStats::default(),
        year_source: YearSource::Today,
        error: None,
        warnings: Vec::new(),
        latest: None,
    };
    // What a progress display counts of an input that ends early (it could not be
    // opened, or failed half-way) is counted at its end all the same: the bar's total
    // is every input's size, and it says "analysing" only once that much is counted.
    let settle = |counted: u64| {
        // (The size is asked only when something displays it.)
        if let Some(p) = &opts.progress {
            if let Some(size) = total_size(std::slice::from_ref(spec)) {
                p.add(size.saturating_sub(counted));
            }
        }
    };
    let mut opened = match input::open(spec, opts.max_line) {
        Ok(o) => o,
        Err(e) => {
            report.error = Some(e);
            settle(0);
            return (report, empty());
        }
    };
    report.compression = opened.compression;
    let (ctx, year_source) = time_ctx(opts, opened.mtime);

    let mut sample: Vec<(Vec<u8>, input::LineMeta)> = Vec::new();
    let mut buf = Vec::new();
    let mut error = None;
    while sample.len() < SAMPLE_LINES {
        match opened.reader.next_line(&mut buf) {
            Ok(Some(meta)) => sample.push((std::mem::take(&mut buf), meta)),
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let indent = crate::assemble::paste_indent(
        sample.iter().map(|(b, _)| b.as_slice()),
        opts.format.is_none().then_some(&ctx),
    );
    let det = match opts.format {
        Some(f) => Detection {
            envelope: None,
            forced: Some(f),
            program_output: true,
        },
        None => {
            let texts: Vec<String> = sample
                .iter()
                .map(|(b, _)| {
                    let text = String::from_utf8_lossy(crate::assemble::cut_indent(b, indent));
                    crate::assemble::cut_paste_marks(&text).to_string()
                })
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            detect(&refs, &ctx)
        }
    };
    let written = opts
        .year
        .is_none()
        .then(|| year_written(index, det, indent, &ctx, &sample))
        .flatten();
    let (ctx, year_source) = match written {
        Some(moved) => (moved, YearSource::Written),
        None => (ctx, year_source),
    };
    report.year_source = year_source;
    let mut asm = Assembler::new(index, det, ctx);
    asm.dedent(indent);
    if let Some(f) = &opts.keep {
        asm.skip_unless(f.clone());
        if let Some(finder) = &opts.keep_finder {
            opened.reader.set_finder(finder.clone());
        }
    }
    let mut sieve = Sieve::new(opts, marker);
    let mut reported = 0u64;
    let mut report_progress = |opened: &input::Opened| {
        if let Some(p) = &opts.progress {
            let now = opened.raw_offset.load(std::sync::atomic::Ordering::Relaxed);
            p.add(now.saturating_sub(reported));
            reported = reported.max(now);
        }
    };
    let mut line_no = 0u64;
    for (bytes, meta) in &sample {
        line_no += 1;
        asm.push(line_no, bytes, *meta);
    }
    if error.is_none() {
        let sifting = opts.keep.is_some() || marker.is_some();
        // The patterns run over one batch of settled records, and the sieve takes them,
        // while the next batch is read (`rayon::join`: on the other core when it is
        // free, else here after the reading), so one large input keeps two cores busy.
        // The marks do not depend on who makes them, and the sieve takes the records in
        // order: the records kept are the same. (The texts of the records it drops go
        // back to the assembler once the reading is done with it.)
        let mut batch: Vec<Record> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        loop {
            let (read, ()) = rayon::join(
                || read_batch(&mut opened.reader, &mut asm, &mut buf, &mut line_no),
                || {
                    for r in batch.drain(..) {
                        let m = mark(marker, &r);
                        texts.extend(sieve.push_marked(r, m));
                    }
                },
            );
            for text in texts.drain(..) {
                asm.reuse_text(text);
            }
            asm.recycle(std::mem::take(&mut batch));
            report_progress(&opened);
            match read {
                Ok(true) if sifting => batch = asm.take_settled(SIFT_KEEP),
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    report_progress(&opened);
    settle(reported);
    let bytes = opened.reader.bytes;
    if let Some(e) = error {
        let offset = opened.raw_offset.load(std::sync::atomic::Ordering::Relaxed);
        report.error = Some(input::read_error(spec, opened.compression, offset, e));
    } else {
        report.warnings.extend(opened.shrink_warning(spec));
    }
    let mut done = asm.finish();
    if done.stats.truncated > 0 {
        report.warnings.push(format!(
            "{}: {} lines longer than {} bytes were cut to that length (flagged \"truncated\"; --max-line-bytes to change)",
            spec.name, done.stats.truncated, opts.max_line
        ));
    }
    done.stats.bytes = bytes;
    for r in std::mem::take(&mut done.records) {
        sieve.push(r);
    }
    report.format = det.name(sieve.most_common_format());
    report.latest = sieve.latest;
    report.stats = done.stats;
    let reversed = sieve.is_reversed();
    let mut sifted = Sifted {
        records: sieve.records,
        dropped_latest: sieve.dropped_latest,
        spans: sieve.spans,
    };
    if reversed {
        // `journalctl -r`: newest first. Reverse so untimed lines follow their owner.
        sifted.records.reverse();
    }
    (report, sifted)
}

/// The time context of an input whose envelope writes no year, moved to the year its
/// lines' own times write, when they write one that the envelope's guess (from the
/// file's modification time) misses: a journal excerpt saved years after it was written
/// (`Jan 07 11:57:24 host gunicorn[1]: [2019-01-07 11:57:24 +0000] ...`) would otherwise
/// be read in the year it was saved, and a token's `exp` judged against that. Decided
/// once from the first lines, by most of those whose application time writes a year and
/// falls within a day of the envelope's (the same month and day, zones aside), so that
/// every line of the input moves together.
fn year_written(
    index: u32,
    det: Detection,
    indent: Indent,
    ctx: &TimeCtx,
    sample: &[(Vec<u8>, input::LineMeta)],
) -> Option<TimeCtx> {
    let mut probe = Assembler::new(index, det, ctx.clone());
    probe.dedent(indent);
    for (n, (bytes, meta)) in sample.iter().enumerate() {
        probe.push(n as u64 + 1, bytes, *meta);
    }
    // Per record whose application time writes a year: the envelope's guess was wrong,
    // and the application's time it agrees with once given the right year (zones may
    // put the two a day apart across a New Year).
    let records = probe.finish().records;
    let yearless = |r: &Record| {
        r.ts.is_some_and(|t| t.note.contains(crate::record::TsNote::YEAR))
    };
    if let Some(since) = sample.iter().find_map(|(b, _)| status_since(b)) {
        if records.iter().any(yearless) {
            return Some(TimeCtx {
                reference: since + chrono::Duration::days(360),
                ..ctx.clone()
            });
        }
    }
    let mut told = 0;
    let mut wrong: Vec<DateTime<Utc>> = Vec::new();
    for r in &records {
        let (Some(env), Some(app)) = (r.ts, r.app.as_ref().and_then(|a| a.ts)) else {
            continue;
        };
        if !env.note.contains(crate::record::TsNote::YEAR)
            || app.note.contains(crate::record::TsNote::YEAR)
        {
            continue;
        }
        told += 1;
        let year = (app.utc.year() - 1..=app.utc.year() + 1).find(|&y| {
            env.utc
                .with_year(y)
                .is_some_and(|m| (m - app.utc).num_hours().abs() <= 26)
        });
        if year.is_some_and(|y| y != env.utc.year()) {
            wrong.push(app.utc);
        }
    }
    if wrong.is_empty() || 2 * wrong.len() <= told {
        return None;
    }
    // A year-less date is read in the latest year that puts it no more than a day after
    // the reference: the first of these times plus 360 days takes in the log from a few
    // days before it to almost a year after.
    let reference = wrong.into_iter().min()? + chrono::Duration::days(360);
    Some(TimeCtx {
        reference: ctx.tz.wall_clock(&reference),
        ..ctx.clone()
    })
}

/// A `systemctl status` head's `Active:` line (`Active: failed (Result: exit-code) since
/// Wed 2025-03-12 05:56:29 UTC; 2min 17s ago`): the wall clock it writes and the zone
/// written after it. Saved or pasted, the status is the only place such an excerpt writes
/// its year and its zone.
fn status_active(line: &[u8]) -> Option<(chrono::NaiveDateTime, &str)> {
    let text = std::str::from_utf8(line).ok()?.trim_start();
    let rest = text.strip_prefix("Active: ")?;
    let at = rest.find(" since ")? + " since ".len();
    // `Wed 2025-03-12 05:56:29`: the weekday, then the date and time.
    let when = rest.get(at + 4..at + 4 + 19)?;
    let when = chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M:%S").ok()?;
    let zone = rest.get(at + 4 + 19..)?.strip_prefix(' ').unwrap_or("");
    Some((when, &zone[..zone.find([';', ' ']).unwrap_or(zone.len())]))
}

/// The time of a `systemctl status` head ([`status_active`]): the journal lines under it,
/// without a year, are from around then (a unit running since January shows its lines
/// of March).
fn status_since(line: &[u8]) -> Option<chrono::NaiveDateTime> {
    status_active(line).map(|(when, _)| when)
}

/// The offset of the zone a `systemctl status` head writes ([`status_active`]: `since
/// Wed 2025-03-12 05:56:29 CEST; 2min ago`): the journal lines under it write the same
/// wall clock with no zone, and read as UTC they were hours off (pastes' CEST and EDT).
/// systemd writes the zone's abbreviation ([`crate::time::abbreviation_offset`]: one
/// that names several zones is not taken), or `+08` where it has none.
fn status_zone(line: &[u8]) -> Option<i32> {
    let zone = status_active(line)?.1.as_bytes();
    match crate::time::offset(zone) {
        Some((secs, used)) if used == zone.len() => Some(secs),
        _ => crate::time::abbreviation_offset(zone),
    }
}

/// Reads lines into `asm` up to the next multiple of [`SIFT_LINES`]: `Ok(false)` at the
/// end of the input.
fn read_batch<R: std::io::BufRead>(
    reader: &mut input::LineReader<R>,
    asm: &mut Assembler,
    spill: &mut Vec<u8>,
    line_no: &mut u64,
) -> std::io::Result<bool> {
    loop {
        match reader.next_line_ref(spill)? {
            Some((line, meta)) => {
                *line_no += 1;
                asm.push(*line_no, line, meta);
                if line_no.is_multiple_of(SIFT_LINES) {
                    return Ok(true);
                }
            }
            None => return Ok(false),
        }
    }
}

/// What the sieve keeps record `r` for: what matched it (nothing without a marker), or
/// `None` when it is skipped or nothing matched it.
fn mark(marker: Option<Marker>, r: &Record) -> Option<Vec<Match>> {
    match (r.flags.skipped, marker) {
        (true, _) => None,
        (false, None) => Some(Vec::new()),
        (false, Some(m)) => Some(m(r)).filter(|found| !found.is_empty()),
    }
}

/// Takes an input's records in order: keeps every record that is not skipped (and, with a
/// [`Marker`], that something matched), and of the others only those whose time decides
/// an untimed kept record's (the nearest timed record before it, and after it for an
/// input read in reverse), as bare time stubs. Whatever is said of the whole input (its
/// most common format, whether it runs backwards) is counted over every record.
struct Sieve<'m> {
    records: Chunked<(Record, Vec<Match>)>,
    marker: Option<Marker<'m>>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    dropped_latest: Option<DateTime<Utc>>,
    /// The last dropped timed record since the last kept one.
    held: Option<Record>,
    /// A kept untimed record waits for the next timed one.
    want_next: bool,
    formats: Vec<(&'static str, usize)>,
    last_ts: Option<DateTime<Utc>>,
    /// The latest time of any record.
    latest: Option<DateTime<Utc>>,
    down: usize,
    up: usize,
    /// The host names of the records kept, one copy each.
    hosts: BTreeSet<Arc<str>>,
    /// The first and last times written with their year, and without, of every record
    /// (kept or not): [`align_years`] reads them.
    spans: YearSpans,
}

/// The first and last times of an input's records, apart for the times written with their
/// year and those given one ([`crate::record::TsNote::YEAR`]): a log's span, as it runs
/// forwards or backwards, kept at a few instructions a record (a minimum and a maximum of
/// every time made the sieve a fifth more work: 34 instructions a record, callgrind).
#[derive(Clone, Copy, Debug, Default)]
struct YearSpans {
    /// Indexed by "given a year": [written, year-less].
    first: [Option<DateTime<Utc>>; 2],
    last: [Option<DateTime<Utc>>; 2],
}

impl YearSpans {
    fn add(&mut self, t: Timestamp) {
        let k = usize::from(t.note.contains(crate::record::TsNote::YEAR));
        if self.first[k].is_none() {
            self.first[k] = Some(t.utc);
        }
        self.last[k] = Some(t.utc);
    }

    fn span(&self, k: usize) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (a, b) = (self.first[k]?, self.last[k]?);
        Some((a.min(b), a.max(b)))
    }

    /// The span of the times written with their year.
    fn written(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.span(0)
    }

    /// The span of the times given a year.
    fn yearless(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.span(1)
    }
}

/// A matched record as the analysis and the reports use it (time, place, host, pid,
/// text, whether its time is whole seconds): the application part, the fields and the
/// program are dropped, the text keeps no spare capacity and the host name is the one
/// copy in `hosts`, since the record is held until the report is written.
fn slim(mut r: Record, hosts: &mut BTreeSet<Arc<str>>) -> Record {
    // An application time in whole seconds makes the record coarse (`coarse_time`): a
    // flag says so instead of the application part (Daphne's access lines, most of a
    // busy journal's matched lines, each held a box of about 100 bytes for it).
    // The application's pid names the writer better than the envelope's, and the
    // application part goes.
    r.pid = r.writer_pid();
    if let Some(app) = r.app.take() {
        r.flags.coarse_app = app.ts.is_some_and(|t| t.digits == 0);
        r.flags.app_logger = app.logger.is_some();
    }
    r.fields = Box::default();
    r.program = None;
    r.message.shrink_to_fit();
    r.host = r.host.map(|h| crate::record::intern(hosts, &h));
    r
}

impl<'m> Sieve<'m> {
    fn new(opts: &Options, marker: Option<Marker<'m>>) -> Sieve<'m> {
        Sieve {
            records: Chunked::default(),
            marker,
            since: opts.since,
            until: opts.until,
            dropped_latest: None,
            held: None,
            want_next: false,
            formats: Vec::new(),
            last_ts: None,
            latest: None,
            down: 0,
            up: 0,
            hosts: BTreeSet::new(),
            spans: YearSpans::default(),
        }
    }

    fn push(&mut self, r: Record) {
        let matched = mark(self.marker, &r);
        // No assembler left to reuse a text.
        drop(self.push_marked(r, matched));
    }

    /// [`Sieve::push`] with the record's [`mark`] made already. Gives back the text of a
    /// record it drops, for the assembler to reuse.
    fn push_marked(&mut self, mut r: Record, matched: Option<Vec<Match>>) -> Option<String> {
        match self.formats.iter_mut().find(|(n, _)| *n == r.format) {
            Some((_, c)) => *c += 1,
            None => self.formats.push((r.format, 1)),
        }
        if let Some(ts) = r.ts {
            self.spans.add(ts);
            let t = ts.utc;
            match self.last_ts.map(|l| t.cmp(&l)) {
                Some(std::cmp::Ordering::Less) => self.down += 1,
                Some(std::cmp::Ordering::Greater) => self.up += 1,
                _ => {}
            }
            self.last_ts = Some(t);
            self.latest = self.latest.max(Some(t));
        }
        if let Some(mut matched) = matched {
            let r = if self.marker.is_some() {
                slim(r, &mut self.hosts)
            } else {
                r
            };
            matched.shrink_to_fit();
            if r.ts.is_none() {
                if let Some(h) = self.held.take() {
                    self.records.push((h, Vec::new()));
                }
                self.want_next = true;
            } else {
                self.held = None;
                self.want_next = false;
            }
            self.records.push((r, matched));
            return None;
        }
        let text = std::mem::take(&mut r.message);
        let Some(t) = r.ts.map(|t| t.utc) else {
            return Some(text);
        };
        if self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u) {
            self.dropped_latest = self.dropped_latest.max(Some(t));
        }
        // Only its place and time are needed now.
        let stub = Record {
            input: r.input,
            line: r.line,
            end_line: r.end_line,
            ts: r.ts,
            format: r.format,
            pid: r.pid,
            stream: r.stream,
            pipe: r.pipe,
            level: r.level,
            flags: RecordFlags {
                skipped: true,
                ..r.flags
            },
            ..Record::default()
        };
        if std::mem::take(&mut self.want_next) {
            self.records.push((stub, Vec::new()));
        } else {
            self.held = Some(stub);
        }
        Some(text)
    }

    /// The format most records of a bare file have (`nginx-access`, `python-logging`).
    fn most_common_format(&self) -> &'static str {
        self.formats
            .iter()
            .filter(|(n, _)| !matches!(*n, "plain" | "unknown"))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| *n)
            .unwrap_or(crate::assemble::UNKNOWN)
    }

    /// True when the input's times mostly go backwards (`journalctl -r`).
    fn is_reversed(&self) -> bool {
        self.down > 2 * self.up.max(1)
    }
}

/// Where a record sorts: its second, then whether its time was written in whole seconds,
/// then its time. A whole-second time (Daphne's and nginx's access logs) says only that
/// the line was written somewhere in that second, while the application's lines of the
/// same second say exactly when they were: the whole-second lines go after them. That is
/// where the lines that close a connection (WSDISCONNECT, WSREJECT, nginx's access line,
/// written at the request's end) belong, after the application lines that led to them.
pub type SortKey = Option<(i64, bool, DateTime<Utc>)>;

/// The [`SortKey`] of a record, or `last` (its input's previous key) when it has no time.
pub fn sort_key(r: &Record, last: SortKey) -> SortKey {
    match r.ts {
        Some(t) => Some((t.utc.timestamp(), t.digits == 0, t.utc)),
        None => last,
    }
}

/// Merges per-input record lists into one ordered by time, keeping each input's own order
/// (a k-way merge, like `sort -m`): a clock that jumps back inside one file stays visible
/// where it happened. A record without a time takes the time of the record before it in
/// its input; within one second, whole-second times go after precise ones ([`SortKey`]);
/// ties go to the input named first.
pub fn merge(parts: Vec<Vec<Record>>) -> Vec<Record> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    let given: Vec<usize> = (0..parts.len()).collect();
    merge_by(
        parts.into_iter().map(Vec::into_iter).collect(),
        &given,
        |r| r,
        |r| out.push(r),
    );
    out
}

/// Each input's place among them by file name, then by name as given: where lines of
/// different inputs have the same time, they are merged (and then placed) in this order,
/// so that `scan a b` and `scan b a` tell connections apart alike, and `./nginx.log` reads
/// as `nginx.log`. (Stable: an input named twice keeps its order.)
fn by_file_name(specs: &[InputSpec]) -> Vec<usize> {
    let key = |i: usize| {
        let name = specs[i].name.as_str();
        let file = std::path::Path::new(name)
            .file_name()
            .and_then(|f| f.to_str());
        (file.unwrap_or(name), name)
    };
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut rank = vec![0; specs.len()];
    for (k, i) in order.into_iter().enumerate() {
        rank[i] = k;
    }
    rank
}

/// [`merge`] over items that each carry a record, handing each to `out` in merged order;
/// ties go to the input of the lowest `rank`.
fn merge_by<T, I: Iterator<Item = T>>(
    parts: Vec<I>,
    rank: &[usize],
    rec: impl Fn(&T) -> &Record,
    mut out: impl FnMut(T),
) {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    type Key = (SortKey, usize, usize);
    let mut iters: Vec<std::iter::Peekable<I>> =
        parts.into_iter().map(Iterator::peekable).collect();
    let mut last: Vec<SortKey> = vec![None; iters.len()];
    let mut heap: BinaryHeap<Reverse<Key>> = BinaryHeap::new();
    let key = sort_key;
    for (i, it) in iters.iter_mut().enumerate() {
        if let Some(r) = it.peek() {
            heap.push(Reverse((key(rec(r), None), rank[i], i)));
        }
    }
    while let Some(Reverse((_, _, i))) = heap.pop() {
        let r = iters[i].next().expect("a queued input has a record");
        if rec(&r).ts.is_some() {
            last[i] = key(rec(&r), None);
        }
        out(r);
        if let Some(n) = iters[i].peek() {
            heap.push(Reverse((key(rec(n), last[i]), rank[i], i)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assemble::assemble_str;
    use crate::pattern::{Captures, PatternRef};

    #[test]
    fn kept_records_share_one_copy_of_their_host_name() {
        let marker = |_: &Record| {
            vec![Match {
                at: PatternRef::new(0, 0),
                captures: Captures::default(),
            }]
        };
        let mut sieve = Sieve::new(&Options::default(), Some(&marker));
        for (line, host) in [(1, "web-1"), (2, "web-2"), (3, "web-1")] {
            sieve.push(Record {
                line,
                host: Some(Arc::from(host)),
                message: "x".to_string(),
                ..Record::default()
            });
        }
        let hosts: Vec<Arc<str>> = sieve
            .records
            .into_iter()
            .map(|(r, _)| r.host.expect("the host is kept"))
            .collect();
        assert_eq!(
            hosts.iter().map(|h| &**h).collect::<Vec<_>>(),
            ["web-1", "web-2", "web-1"]
        );
        assert!(Arc::ptr_eq(&hosts[0], &hosts[2]));
        assert!(!Arc::ptr_eq(&hosts[0], &hosts[1]));
    }

    #[test]
    fn whole_second_lines_sort_after_the_precise_lines_of_their_second() {
        // Daphne's access log (whole seconds) beside the application's log (ms): the
        // access lines of second :50 were written somewhere in that second, the app's
        // at an exact instant of it.
        let access = concat!(
            "127.0.0.1:35279 - - [26/Nov/2026:00:30:49] \"WSCONNECTING /ws/chat/3/101/\" - -\n",
            "127.0.0.1:35279 - - [26/Nov/2026:00:30:50] \"WSDISCONNECT /ws/chat/3/101/\" - -\n",
        );
        let app = concat!(
            "2026-11-26 00:30:49,735 INFO     [JWTAuthMiddleware] Processing connection for path: /ws/chat/3/101/\n",
            "2026-11-26 00:30:50,323 ERROR    Exception inside application: 'NoneType' object has no attribute 'strip'\n",
            "2026-11-26 00:30:51,002 INFO     [ChatConsumer] Disconnected with code 1011\n",
        );
        let a = assemble_str(0, access, TimeCtx::default()).records;
        let b = assemble_str(1, app, TimeCtx::default()).records;
        let order: Vec<(u32, u64)> = merge(vec![a, b])
            .iter()
            .map(|r| (r.input, r.line))
            .collect();
        assert_eq!(order, vec![(1, 1), (0, 1), (1, 2), (0, 2), (1, 3)]);
    }

    #[test]
    fn the_offset_after_a_lines_time_is_read_and_a_year_is_not_taken_for_a_time() {
        let off = |l: &str| written_offset(l.as_bytes());
        assert_eq!(
            off("203.0.113.7 - - [14/Mar/2026:11:12:01 +0100] \"GET / HTTP/1.1\" 200 5"),
            Some(3600)
        );
        assert_eq!(
            off("2026-11-26T10:00:00.123456-05:00 host app[1]: x"),
            Some(-18000)
        );
        assert_eq!(
            off("[2019-01-31 12:53:20 +0100] [23868] [INFO] Starting"),
            Some(3600)
        );
        assert_eq!(
            off("2026/03/14 11:15:02 [error] 812#812: *1 connect() failed"),
            None
        );
        assert_eq!(off("2026-03-14T10:15:02.123Z web-1 x"), None);
        assert_eq!(off("at 12:00:00 -05 something"), None);
    }

    #[test]
    fn zone_less_times_take_the_offset_the_other_inputs_agree_on() {
        let dir = tempfile::tempdir().unwrap();
        let access = dir.path().join("access.log");
        let error = dir.path().join("error.log");
        std::fs::write(
            &access,
            "203.0.113.7 - - [14/Mar/2026:11:15:02 +0100] \"GET /ws/a/ HTTP/1.1\" 101 5 \"-\" \"x\"\n",
        )
        .unwrap();
        std::fs::write(
            &error,
            "2026/03/14 11:15:02 [error] 812#812: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7\n",
        )
        .unwrap();
        let specs: Vec<InputSpec> = [&access, &error]
            .iter()
            .map(|p| InputSpec::from_arg(p.to_str().unwrap()))
            .collect();
        let times = |opts: &Options| {
            let i = ingest(&specs, opts);
            let t: Vec<_> = i.records.iter().map(|r| r.ts.unwrap().utc).collect();
            (t, i.zone, i.inputs[1].warnings.clone())
        };
        let auto = Options {
            tz_from_inputs: true,
            ..Options::default()
        };
        let (t, zone, warnings) = times(&auto);
        assert_eq!(t[0], t[1], "both 10:15:02Z");
        assert_eq!(
            zone,
            Some(chrono::FixedOffset::east_opt(3600).unwrap().into())
        );
        assert!(warnings[0].contains("taken as +01:00"), "{warnings:?}");
        // `--tz` given: as it says.
        let (t, zone, warnings) = times(&Options::default());
        assert_eq!(t[1] - t[0], chrono::Duration::hours(1));
        assert_eq!(zone, None);
        assert!(warnings.is_empty());
    }

    /// The sieve takes settled records every [`SIFT_LINES`] lines: a traceback that
    /// crosses such a line, whose only pattern text is in its last line, is still one
    /// record, kept and matched, wherever it starts.
    #[test]
    fn a_traceback_across_a_sieve_batch_stays_one_matched_record() {
        let packs = crate::pattern::PackSet::load(&[]).expect("the built-in packs load");
        let mut opts = Options {
            keep: packs.line_filter(),
            keep_finder: packs.line_finder(),
            ..Options::default()
        };
        opts.year = Some(2024);
        let boundary = SIFT_LINES as usize;
        for start in boundary - 4..=boundary + 1 {
            let mut text = String::new();
            for i in 1..start {
                text.push_str(&format!(
                    "2024-03-01 10:00:00,{:03} INFO app.tick: tick {i}\n",
                    i % 1000
                ));
            }
            text.push_str("2024-03-01 10:00:01,000 ERROR app.views: the worker failed\n");
            text.push_str("Traceback (most recent call last):\n");
            text.push_str("  File \"/app/chat/consumers.py\", line 10, in connect\n");
            text.push_str("    await self.channel_layer.group_add(self.room, self.channel_name)\n");
            text.push_str("redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused.\n");
            for i in 0..10 {
                text.push_str(&format!(
                    "2024-03-01 10:00:02,{i:03} INFO app.tick: tock {i}\n"
                ));
            }
            let dir = tempfile::tempdir().expect("a temporary directory");
            let path = dir.path().join("app.log");
            std::fs::write(&path, text).expect("the input is written");
            let spec = InputSpec::from_arg(path.to_str().expect("a UTF-8 path"));
            let got = ingest_matching(&[spec], &opts, &|r| packs.matches(r));
            let kept: Vec<(u64, u64)> = got
                .records
                .iter()
                .filter(|r| r.message.contains("Traceback"))
                .map(|r| (r.line, r.end_line))
                .collect();
            let start = start as u64;
            assert_eq!(
                kept,
                [(start, start + 4)],
                "the traceback starting at line {start}"
            );
            let i = got
                .records
                .iter()
                .position(|r| r.line == start)
                .expect("the traceback is kept");
            let matched = got.matched.as_ref().expect("the records were matched");
            assert!(
                !matched[i].is_empty(),
                "the traceback at line {start} is matched"
            );
        }
    }
}
