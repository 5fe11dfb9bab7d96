//! `logweave watch`: findings from a live stream the moment they are certain.
//!
//! ```text
//! stdin thread ─┐                 per source                     one engine
//! follow thread ┼─► channel ─► Assembler (same as scan) ─► settled records ─► Engine ─► sink
//! follow thread ┘   (arrival    take_settled: all but the last few,            │
//!                    order)     all of them when the stream goes quiet         └ findings
//! quiet ≥ --idle-timeout: the engine's clock moves on by the wall clock, deadlines fire
//! ```
//!
//! Several inputs read to their end (files, not followed) go to the engine merged by
//! time, as `scan` merges them ([`Merge`]); a stream and followed files go as they come.
//!
//! The driver owns no analysis and prints nothing: the engine decides, the sink writes.

pub mod engine;
pub mod source;

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use chrono::Duration as CDuration;

use crate::assemble::{detect, Assembler, Detection, InputStats};
use crate::ingest;
use crate::pattern::PackSet;
use crate::time::TimeCtx;

pub use engine::{Counts, LiveFinding};
use source::{FollowOptions, Msg, Notice};

/// Lines a record may wait for a continuation (a traceback's next line) before it is
/// analysed, while lines keep coming.
const KEEP_RECORDS: usize = 16;
/// Quiet long enough to take every record as complete.
const QUIET: Duration = Duration::from_millis(10);
/// How often the loop looks at the clock and the stop flag when nothing arrives.
const TICK: Duration = Duration::from_millis(5);
/// Lines detection looks at when a source starts.
const SAMPLE_LINES: usize = 64;

/// How to watch.
#[derive(Clone)]
pub struct Options {
    /// Reading: format, year, zone, line limit, `--since` / `--until`.
    pub read: ingest::Options,
    /// Bounds and lateness.
    pub engine: engine::Options,
    /// Inputs read to their end (stdin when this and `follow` are empty).
    pub read_inputs: Vec<crate::input::InputSpec>,
    /// Files to follow.
    pub follow: Vec<PathBuf>,
    /// Fire deadlines by the wall clock after this long without a line.
    pub idle_timeout: Option<Duration>,
    /// How often followed files are polled.
    pub poll: Duration,
}

/// One input's accounting.
#[derive(Clone, Debug, Default)]
pub struct InputSummary {
    /// The input as named.
    pub name: String,
    /// Lines and records.
    pub stats: InputStats,
    /// Times the path was renamed away and replaced.
    pub rotated: u64,
    /// Times the file got shorter (copytruncate) and was read again from its start.
    pub truncated: u64,
    /// Times the path vanished.
    pub vanished: u64,
    /// Read errors, as said.
    pub errors: Vec<String>,
}

/// What a watch saw, for the closing summary.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Per input.
    pub inputs: Vec<InputSummary>,
    /// The engine's counts.
    pub counts: Counts,
    /// Connections still held when it stopped.
    pub open: usize,
    /// Stopped by a signal rather than the end of the input.
    pub interrupted: bool,
}

/// Records on their way to the engine. Several inputs read to their end (not followed)
/// are merged by time as `scan` merges them ([`ingest::sort_key`]): a record goes on only
/// when every input not yet ended has one waiting, so the result does not depend on
/// which reader thread ran first. Followed files and a single input go on as they come.
struct Merge {
    gated: bool,
    queues: Vec<std::collections::VecDeque<(ingest::SortKey, crate::record::Record)>>,
    last: Vec<ingest::SortKey>,
}

impl Merge {
    fn new(inputs: usize, gated: bool) -> Merge {
        Merge {
            gated,
            queues: (0..inputs).map(|_| Default::default()).collect(),
            last: vec![None; inputs],
        }
    }

    /// Takes input `src`'s next record.
    fn push(&mut self, eng: &mut engine::Engine, src: usize, r: crate::record::Record) {
        if !self.gated {
            eng.push(r);
            return;
        }
        let key = ingest::sort_key(&r, self.last[src]);
        if r.ts.is_some() {
            self.last[src] = key;
        }
        self.queues[src].push_back((key, r));
    }

    /// Hands the engine every record that may go on: all of them when `all` (the
    /// inputs ended, or the watch was stopped).
    fn drain(&mut self, eng: &mut engine::Engine, ended: &[bool], all: bool) {
        loop {
            let waiting =
                (0..self.queues.len()).any(|i| !all && !ended[i] && self.queues[i].is_empty());
            if waiting {
                return;
            }
            let next = (0..self.queues.len())
                .filter_map(|i| self.queues[i].front().map(|(k, _)| (*k, i)))
                .min();
            let Some((_, i)) = next else { return };
            if let Some((_, r)) = self.queues[i].pop_front() {
                eng.push(r);
            }
        }
    }
}

struct Source {
    summary: InputSummary,
    ctx: TimeCtx,
    asm: Option<Assembler>,
    /// Stats of assemblers already finished (a followed file's earlier generations).
    done: InputStats,
    bytes: u64,
    ended: bool,
}

/// Watches until every source ends or `stop` is set; each finding goes to `sink` as soon
/// as it is certain. A sink error (a closed pipe) ends the watch with that error.
pub fn run(
    opts: &Options,
    set: &PackSet,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(&LiveFinding) -> io::Result<()>,
) -> io::Result<Summary> {
    let (tx, rx) = mpsc::sync_channel::<Msg>(64);
    // The readers' threads search each read for the packs' literal text, so the
    // assembler here need not search the lines in which they found none.
    let finder = set.line_finder();
    let mut sources: Vec<Source> = Vec::new();
    if opts.follow.is_empty() {
        let specs = if opts.read_inputs.is_empty() {
            vec![crate::input::InputSpec::stdin()]
        } else {
            opts.read_inputs.clone()
        };
        for (i, spec) in specs.into_iter().enumerate() {
            let mtime = spec
                .path
                .as_ref()
                .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
            let (ctx, _) = ingest::time_ctx(&opts.read, mtime);
            sources.push(Source::new(spec.name.clone(), ctx));
            source::spawn_reader(i, spec, tx.clone(), opts.read.max_line, finder.clone());
        }
    } else {
        let fo = FollowOptions {
            from_start: opts.read.since.is_some(),
            poll: opts.poll,
            max_line: opts.read.max_line,
        };
        for (i, p) in opts.follow.iter().enumerate() {
            let mtime = std::fs::metadata(p).and_then(|m| m.modified()).ok();
            let (ctx, _) = ingest::time_ctx(&opts.read, mtime);
            sources.push(Source::new(p.display().to_string(), ctx));
            source::spawn_follow(i, p.clone(), tx.clone(), fo.clone(), finder.clone());
        }
    }
    drop(tx);
    let filter = set.line_filter();
    let names = sources.iter().map(|s| s.summary.name.clone()).collect();
    let mut eng = engine::Engine::new(set, opts.engine.clone(), names);
    let mut merge = Merge::new(sources.len(), opts.follow.is_empty() && sources.len() > 1);
    let mut last_line = Instant::now();
    let mut flushed = true;
    let mut interrupted = false;
    let mut out = |eng: &mut engine::Engine| -> io::Result<()> {
        for f in eng.take() {
            sink(&f)?;
        }
        Ok(())
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        let msg = rx.recv_timeout(TICK);
        let rx_idle = matches!(msg, Err(RecvTimeoutError::Timeout));
        match msg {
            Ok(Msg::Lines { src, batch }) => {
                let s = &mut sources[src];
                s.feed(src as u32, &batch, opts, filter.as_ref());
                let keep = KEEP_RECORDS;
                for r in s
                    .asm
                    .as_mut()
                    .map(|a| a.take_settled(keep))
                    .unwrap_or_default()
                {
                    merge.push(&mut eng, src, r);
                    // Said now, not after the rest of the batch.
                    out(&mut eng)?;
                }
                last_line = Instant::now();
                flushed = false;
            }
            Ok(Msg::Notice { src, notice }) => {
                let s = &mut sources[src];
                match notice {
                    Notice::Rotated => s.summary.rotated += 1,
                    Notice::Truncated => s.summary.truncated += 1,
                    Notice::Vanished => s.summary.vanished += 1,
                    Notice::Appeared => {}
                }
                if matches!(notice, Notice::Rotated | Notice::Truncated) {
                    // A new file: its lines continue nothing of the old one's.
                    for r in s.end_file() {
                        merge.push(&mut eng, src, r);
                    }
                }
            }
            Ok(Msg::Error { src, message }) => sources[src].summary.errors.push(message),
            Ok(Msg::End { src }) => {
                let s = &mut sources[src];
                for r in s.end_file() {
                    merge.push(&mut eng, src, r);
                }
                s.ended = true;
                if sources.iter().all(|s| s.ended) {
                    merge.drain(&mut eng, &[], true);
                    out(&mut eng)?;
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let quiet = last_line.elapsed();
        if rx_idle {
            eng.catch_up();
        }
        if !flushed && quiet >= QUIET {
            for (src, s) in sources.iter_mut().enumerate() {
                for r in s
                    .asm
                    .as_mut()
                    .map(|a| a.take_settled(0))
                    .unwrap_or_default()
                {
                    merge.push(&mut eng, src, r);
                }
            }
            flushed = true;
        }
        if let (Some(idle), Some(now)) = (opts.idle_timeout, eng.now()) {
            if quiet >= idle {
                let by = CDuration::from_std(quiet).unwrap_or(CDuration::zero());
                eng.advance_to(now + by);
            }
        }
        if merge.gated {
            let ended: Vec<bool> = sources.iter().map(|s| s.ended).collect();
            merge.drain(&mut eng, &ended, false);
        }
        out(&mut eng)?;
    }
    // Stopped by a signal too: what was read is told. A finding held for lines that
    // might still change it (a generic one, or one a rule's `unless` may withdraw) is
    // said as it stands, as at the end of the input, rather than lost with the watch.
    if interrupted {
        for (src, s) in sources.iter_mut().enumerate() {
            for r in s.end_file() {
                merge.push(&mut eng, src, r);
            }
        }
    }
    merge.drain(&mut eng, &[], true);
    eng.finish();
    out(&mut eng)?;
    let open = eng.open_connections();
    Ok(Summary {
        inputs: sources.into_iter().map(Source::into_summary).collect(),
        counts: eng.counts.clone(),
        open,
        interrupted,
    })
}

impl Source {
    fn new(name: String, ctx: TimeCtx) -> Self {
        Source {
            summary: InputSummary {
                name,
                ..InputSummary::default()
            },
            ctx,
            asm: None,
            done: InputStats::default(),
            bytes: 0,
            ended: false,
        }
    }

    /// Feeds a batch, detecting the format from the first lines a file gives.
    fn feed(
        &mut self,
        input: u32,
        batch: &source::Batch,
        opts: &Options,
        filter: Option<&crate::assemble::Filter>,
    ) {
        let ctx = self.ctx.clone();
        let asm = self.asm.get_or_insert_with(|| {
            let det = match opts.read.format {
                Some(f) => Detection {
                    envelope: None,
                    forced: Some(f),
                    program_output: true,
                },
                None => {
                    let texts: Vec<String> = (0..batch.lines.len().min(SAMPLE_LINES))
                        .map(|i| String::from_utf8_lossy(batch.line(i)).into_owned())
                        .collect();
                    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                    detect(&refs, &ctx)
                }
            };
            let mut a = Assembler::new(input, det, ctx);
            if let Some(f) = filter {
                // The engine only looks at records a pattern may match.
                a.skip_unless(f.clone());
            }
            a
        });
        for i in 0..batch.lines.len() {
            let (s, e, meta) = batch.lines[i];
            let line_no = batch.first_line + i as u64;
            match batch.line_str(i) {
                Some(text) => asm.push_str(line_no, text, meta),
                None => asm.push(line_no, &batch.bytes()[s..e], meta),
            }
        }
        self.bytes += batch.read;
    }

    /// Finishes the current file's assembler; the next lines start a new one.
    fn end_file(&mut self) -> Vec<crate::record::Record> {
        match self.asm.take() {
            Some(a) => {
                let done = a.finish();
                self.done.add(&done.stats);
                done.records
            }
            None => Vec::new(),
        }
    }

    fn into_summary(mut self) -> InputSummary {
        let mut stats = self.done;
        if let Some(a) = self.asm.take() {
            stats.add(&a.finish().stats);
        }
        stats.bytes = self.bytes;
        self.summary.stats = stats;
        self.summary
    }
}
