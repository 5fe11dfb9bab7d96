//! The `logweave` command: parses arguments, calls the library, maps results to exit codes.
//!
//! Exit codes: 0 success; 1 a `check` found what it was told to fail on; 2 usage errors
//! and inputs that could not be read (the other inputs are still processed).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use logweave::catalog::Severity;
use logweave::format::{self, Format};
use logweave::ingest::{self, Options};
use logweave::input::{InputSpec, DEFAULT_MAX_LINE};
use logweave::pattern::{self, PackSet};
use logweave::pipeline;
use logweave::report::github::GithubOptions;
use logweave::report::junit::{ExpectOutcome, JunitOptions};
use logweave::report::records::{self, RecordOptions};
use logweave::report::{self, json::ReportOptions, text::TextOptions};
use logweave::Error;

/// Reading a log makes and drops a few small strings per line on every core: mimalloc's
/// per-thread free lists take a fifth less time than glibc at it (scan of the 256 MB
/// benchmark corpus: 6.6 s of CPU against 5.4 s).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: position 15 of `mi_option_e` in the vendored v3
/// `mimalloc.h` (`libmimalloc-sys` does not name it).
const MI_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory follows what is held, not what was read: freed pages go back to the system at
/// once, not a second later. With that, and without transparent huge pages (the
/// `no_thp` build: one touched byte made a 2 MB page resident), peak RSS is below
/// glibc's: scan at 256 MB 199 MB against 221 MB; with mimalloc's defaults it was 283 MB.
fn tune_allocator() {
    // SAFETY: mi_option_set only stores a value in mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_set(MI_PURGE_DELAY, 0) }
}

/// Rebuilds one timeline per WebSocket connection from nginx, Daphne/uvicorn, Django
/// Channels, supervisord, systemd and docker logs.
#[derive(Parser)]
#[command(name = "logweave", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rebuild every WebSocket connection's timeline and say where each breaks.
    Scan(ScanArgs),
    /// Like scan, for CI: exit 1 when a finding is at or above --fail-on, or the
    /// result differs from --expect.
    Check(CheckArgs),
    /// Follow a live stream (stdin, or files with -f) and print each finding the moment
    /// it is certain: `journalctl -u daphne -f -o json | logweave watch`.
    Watch(WatchArgs),
    /// Print one JSON object per log record (stdin when no path or `-`).
    Parse(ParseArgs),
    /// List the formats logweave reads, with one example line of each.
    Formats,
    /// Show or check the pattern packs.
    Patterns {
        #[command(subcommand)]
        command: PatternsCommand,
    },
    /// Print a shell completion script (e.g. `logweave completions bash > /etc/bash_completion.d/logweave`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout (e.g. `logweave man | man -l -`).
    Man {
        /// The page of this command (`logweave-scan(1)`) instead of the main one.
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

#[derive(Subcommand)]
enum PatternsCommand {
    /// List the loaded packs: patterns, prefilter text, sequence and rules.
    List {
        /// Also load the packs in these directories (a pack with a built-in name replaces it).
        #[arg(long = "patterns", value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Check every example and counter-example; exit 1 if any fails.
    Test {
        /// Test the packs in these directories instead of the built-in ones.
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
}

/// How to read inputs: shared by every command that reads logs.
#[derive(Args)]
struct ReadArgs {
    /// Log files (plain, .gz, .zst; recognised by content), or directories: every file
    /// under one, hidden and binary ones (systemd's .journal) left out. `-` or nothing
    /// reads stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Skip detection and read every input as this format (see `logweave formats`).
    #[arg(long, value_name = "NAME")]
    format: Option<String>,
    /// Year for timestamps that have none (default: from each file's modification time).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..=9999))]
    year: Option<i32>,
    /// Zone of timestamps that carry none: UTC, a zone name like Europe/Paris (read with
    /// its daylight saving rules), local (this machine's zone), or an offset like +02:00.
    /// Without it: the offset the other inputs write (nginx's access log beside its error
    /// log), when they agree on one, else UTC.
    #[arg(long, allow_hyphen_values = true)]
    tz: Option<String>,
    /// Longest line kept whole, in bytes; longer lines are cut and flagged.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE, value_parser = max_line_arg)]
    max_line_bytes: usize,
    /// Print per-input line accounting on stderr.
    #[arg(long)]
    stats: bool,
    /// Show secrets (tokens, passwords, Authorization values) instead of redacting them.
    #[arg(long)]
    no_redact: bool,
    /// Only records at or after this time: what journalctl takes (`2026-11-23 19:37:49`,
    /// `19:37`, `today`, `yesterday`, `-1h`, `2 hours ago`); zone-less times are in --tz.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    since: Option<String>,
    /// Only records at or before this time (same forms as --since).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    until: Option<String>,
    /// Worker threads (default: one per core). The output is the same whatever the count.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
}

/// How to analyse and report: shared by scan and check.
#[derive(Args)]
struct AnalyseArgs {
    /// Load the pattern packs in DIR too (a pack named like a built-in one replaces it).
    #[arg(long = "patterns", value_name = "DIR")]
    patterns: Vec<PathBuf>,
    /// Output: text (for people), json (schema logweave/report/v1), jsonl, junit (JUnit
    /// XML), github (GitHub Actions annotations), html (one self-contained page).
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Write the report to FILE instead of stdout.
    #[arg(long = "report-file", visible_alias = "out", value_name = "FILE")]
    report_file: Option<PathBuf>,
    /// Show every connection's timeline in text output, not only broken and degraded ones,
    /// and every input in its head (past 12 they are counted by format).
    #[arg(long)]
    all: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    Text,
    Json,
    Jsonl,
    Junit,
    Github,
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    analyse: AnalyseArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The least severe finding that fails, if any does.
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// What `check` adds to a scan: what fails, and the expectation to compare with.
struct CheckCtx<'a> {
    fail_on: Option<Severity>,
    expect: Option<(&'a Path, &'a logweave::expect::Expect)>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    analyse: AnalyseArgs,
    /// Fail (exit 1) when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Compare with an expectation file (rule counts, verdicts, connections); exit 1 on a difference.
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
}

#[derive(Args)]
struct WatchArgs {
    #[command(flatten)]
    read: ReadArgs,
    /// Follow the PATHs like `tail -F`: new lines as they are written, through rotation
    /// (rename or copytruncate) and files that appear later. Starts at the end, or at
    /// --since.
    #[arg(short = 'f', long)]
    follow: bool,
    /// Load the pattern packs in DIR too (a pack named like a built-in one replaces it).
    #[arg(long = "patterns", value_name = "DIR")]
    patterns: Vec<PathBuf>,
    /// Output: one text line per finding, or one JSON object per line (jsonl).
    #[arg(long, short = 'o', value_enum, default_value_t = WatchOutput::Text)]
    output: WatchOutput,
    /// When no line has come for this long, move the clock on by the wall clock so
    /// waiting deadlines fire (`30s`, `2m`). Default: only log times move it.
    #[arg(long, value_name = "DURATION")]
    idle_timeout: Option<String>,
    /// How far one source may lag behind the others before its deadlines count as
    /// passed (`1s`, `500ms`).
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    lateness: String,
    /// Open connections kept; beyond this the least recently active is forgotten and
    /// counted.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_open: usize,
    /// How often followed files are checked (`100ms`).
    #[arg(long, value_name = "DURATION", default_value = "100ms", hide = true)]
    poll: String,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum WatchOutput {
    Text,
    Jsonl,
}

#[derive(Args)]
struct ParseArgs {
    #[command(flatten)]
    read: ReadArgs,
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(a) => scan(a),
        Command::Check(a) => check(a),
        Command::Watch(a) => watch(a),
        Command::Parse(a) => parse(a),
        Command::Formats => formats(),
        Command::Patterns { command } => patterns(command),
        Command::Completions { shell } => completions(shell),
        Command::Man { command } => man(command.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logweave: {e}");
            ExitCode::from(2)
        }
    }
}

fn read_options(a: &ReadArgs) -> Result<(Vec<InputSpec>, Options, String), Error> {
    if let Some(n) = a.threads {
        // Fails only if the pool already exists, which it cannot this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let format: Option<&'static dyn Format> = match &a.format {
        None => None,
        Some(name) => Some(format::by_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown format '{name}'; `logweave formats` lists them"
            ))
        })?),
    };
    let tz_arg = a.tz.as_deref().unwrap_or("UTC");
    let (tz, tz_label) = logweave::time::parse_tz_arg(tz_arg).ok_or_else(|| {
        Error::Usage(format!(
            "--tz '{tz_arg}': expected UTC, local, a zone name like Europe/Paris, or an offset like +02:00"
        ))
    })?;
    let specs: Vec<InputSpec> = if a.paths.is_empty() {
        // As `grep` with no file: it reads the keyboard. Say so rather than seem to hang.
        if io::stdin().is_terminal() {
            eprintln!(
                "logweave: reading logs from the terminal (stdin); name files or pipe a log in, Ctrl-D ends"
            );
        }
        vec![InputSpec::stdin()]
    } else {
        let (specs, skipped) = logweave::input::walk::expand(&a.paths);
        for s in skipped {
            eprintln!("logweave: note: skipped {}: {}", s.path, s.why);
        }
        specs
    };
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(Error::Usage("stdin (`-`) can be read only once".into()));
    }
    let mut opts = Options {
        format,
        year: a.year,
        tz,
        tz_from_inputs: a.tz.is_none(),
        max_line: a.max_line_bytes,
        ..Options::default()
    };
    // Settled before the window is read: a zone-less bound is in the zone the logs' own
    // zone-less times take (a time copied out of the log selects that line).
    opts.resolve_zone(&specs);
    let now = chrono::Utc::now();
    let bound = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|t| {
                logweave::timefilter::parse(t, now, opts.tz)
                    .map_err(|e| Error::Usage(format!("{flag} '{t}': {e}")))
            })
            .transpose()
    };
    let since = bound("--since", &a.since)?;
    let until = bound("--until", &a.until)?;
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(Error::Usage(format!(
                "--since ({}) is after --until ({}): nothing could match",
                s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
    }
    opts.since = since;
    opts.until = until;
    Ok((specs, opts, tz_label))
}

fn parse(a: ParseArgs) -> Result<ExitCode, Error> {
    let (specs, opts, tz_label) = read_options(&a.read)?;
    let ingested = ingest::ingest(&specs, &opts);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let ropts = RecordOptions {
        redact: !a.read.no_redact,
        tz_label: ingested.zone.map_or(tz_label, |z| z.to_string()),
    };
    records::write_jsonl(&mut out, &ingested.records, &ingested.inputs, &ropts)
        .map_err(Error::Output)?;
    out.flush().map_err(Error::Output)?;
    finish(&ingested, a.read.stats)
}

/// Reports input errors and the accounting on stderr; exit 2 when an input failed.
fn finish(ingested: &ingest::Ingested, stats: bool) -> Result<ExitCode, Error> {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    if stats {
        records::write_stats(&mut err, &ingested.inputs).map_err(Error::Output)?;
    }
    for i in &ingested.inputs {
        if let Some(e) = &i.error {
            let _ = writeln!(err, "logweave: {e}");
        }
    }
    records::write_warnings(&mut err, &ingested.inputs).map_err(Error::Output)?;
    // A window that missed every record leaves an empty report that looks like a clean
    // one (journalctl says `-- No entries --`): say where the logs are.
    if let Some(out) = ingested.outside {
        let span = out.span.map_or(String::new(), |(a, b)| {
            let f = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            };
            format!("; they span {} to {}", f(a), f(b))
        });
        let _ = writeln!(
            err,
            "logweave: warning: --since/--until left out every record ({}){span}",
            out.records
        );
    }
    let unparsed: u64 = ingested.inputs.iter().map(|i| i.stats.unparsed).sum();
    if unparsed > 0 && !stats && io::stderr().is_terminal() {
        let _ = writeln!(
            err,
            "logweave: {unparsed} lines matched no known format (kept as format \"unknown\"; --stats for details)"
        );
    }
    Ok(if ingested.has_errors() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn formats() -> Result<ExitCode, Error> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let w = format::registry()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for f in format::registry() {
        let layer = match f.layer() {
            format::Layer::Envelope => "envelope",
            format::Layer::App => "app",
        };
        writeln!(out, "{:w$}  {:8}  {}", f.name(), layer, f.example()).map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)?;
    Ok(ExitCode::SUCCESS)
}

fn patterns(cmd: PatternsCommand) -> Result<ExitCode, Error> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = match cmd {
        PatternsCommand::List { dirs } => {
            let set = PackSet::load(&dirs)?;
            logweave::report::patterns::write_list(&mut out, &set.packs).map_err(Error::Output)?;
            ExitCode::SUCCESS
        }
        PatternsCommand::Test { dirs } => {
            let packs = if dirs.is_empty() {
                PackSet::load(&[])?.packs
            } else {
                let mut v = Vec::new();
                for d in &dirs {
                    v.extend(pattern::load_dir(d)?);
                }
                v
            };
            let mut checked = 0;
            let mut failures = Vec::new();
            for p in &packs {
                let (n, f) = pattern::test_pack(p);
                checked += n;
                failures.extend(f);
            }
            logweave::report::patterns::write_test(&mut out, packs.len(), checked, &failures)
                .map_err(Error::Output)?;
            if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    };
    out.flush().map_err(Error::Output)?;
    Ok(code)
}

/// Runs the pipeline, compares with the expectation if any, and writes the report in the
/// chosen output. Returns the scan, the exit code so far and the differences.
fn run_scan(
    read: &ReadArgs,
    an: &AnalyseArgs,
    ck: &CheckCtx,
) -> Result<
    (
        std::mem::ManuallyDrop<pipeline::Scan>,
        ExitCode,
        Vec<String>,
    ),
    Error,
> {
    let (specs, mut opts, _) = read_options(read)?;
    let packs = PackSet::load(&an.patterns)?;
    // Gigabytes take a while: say how far reading is, where a person is looking.
    let bar = io::stderr().is_terminal().then(|| {
        let p = std::sync::Arc::new(logweave::ingest::Progress::default());
        opts.progress = Some(p.clone());
        report::progress::Bar::start(logweave::ingest::total_size(&specs), p)
    });
    // The reports that write whole messages have them redacted beside the correlation.
    let s = match an.output {
        Output::Json | Output::Jsonl | Output::Html if !read.no_redact => {
            pipeline::scan_redacted(&specs, &opts, packs)
        }
        _ => pipeline::scan(&specs, &opts, packs),
    };
    drop(bar);
    let diffs = ck
        .expect
        .map(|(_, exp)| logweave::expect::compare(exp, &s))
        .unwrap_or_default();
    let expect_file = ck.expect.map(|(p, _)| p.display().to_string());
    let outcome = expect_file.as_deref().map(|file| ExpectOutcome {
        file,
        differences: &diffs,
    });
    let workspace = std::env::var("GITHUB_WORKSPACE").ok();
    let cwd = std::env::current_dir()
        .ok()
        .map(|d| d.to_string_lossy().into_owned());
    let mut out: BufWriter<Box<dyn Write>> = BufWriter::new(match &an.report_file {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| Error::Usage(format!("--report-file {}: {e}", path.display())))?,
        ),
        None => Box::new(io::stdout().lock()),
    });
    let common = ReportOptions {
        redact: !read.no_redact,
    };
    match an.output {
        Output::Json => report::json::write_json(&mut out, &s, &common),
        Output::Jsonl => report::json::write_jsonl(&mut out, &s, &common),
        Output::Html => report::html::write_html(&mut out, &s, &common),
        Output::Junit => report::junit::write_junit(
            &mut out,
            &s,
            &JunitOptions {
                common,
                fail_on: ck.fail_on,
                expect: outcome,
            },
        ),
        Output::Github => report::github::write_github(
            &mut out,
            &s,
            &GithubOptions {
                common,
                expect: outcome,
                workspace: workspace.as_deref(),
                cwd: cwd.as_deref(),
            },
        ),
        Output::Text => {
            let color = match an.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => an.report_file.is_none() && auto_color(),
            };
            report::text::write_text(
                &mut out,
                &s,
                &TextOptions {
                    common,
                    color,
                    all: an.all,
                },
            )
        }
    }
    .map_err(Error::Output)?;
    out.flush().map_err(Error::Output)?;
    let code = finish(&s.ingested, read.stats)?;
    // Never freed: the process ends next, and freeing millions of records one by one
    // would only delay it (as ripgrep and rustc do, the kernel takes the memory back).
    Ok((std::mem::ManuallyDrop::new(s), code, diffs))
}

fn scan(a: ScanArgs) -> Result<ExitCode, Error> {
    let ck = CheckCtx {
        fail_on: Some(Severity::Error),
        expect: None,
    };
    Ok(run_scan(&a.read, &a.analyse, &ck)?.1)
}

fn check(a: CheckArgs) -> Result<ExitCode, Error> {
    let expect = a
        .expect
        .as_deref()
        .map(logweave::expect::load)
        .transpose()?;
    let ck = CheckCtx {
        fail_on: a.fail_on.threshold(),
        expect: a.expect.as_deref().zip(expect.as_ref()),
    };
    let (s, code, diffs) = run_scan(&a.read, &a.analyse, &ck)?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    if expect.is_some() {
        if !diffs.is_empty() {
            let mut err = io::stderr().lock();
            let _ = writeln!(
                err,
                "logweave: the result differs from {}:",
                a.expect.unwrap().display()
            );
            for d in diffs {
                let _ = writeln!(err, "  {d}");
            }
            return Ok(ExitCode::from(1));
        }
        // A CI log says what passed, not only what failed.
        eprintln!(
            "logweave: the result matches {}",
            a.expect.unwrap().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let threshold = a.fail_on.threshold();
    let at_or_above = threshold.map_or(0, |t| {
        s.analysis
            .findings
            .iter()
            .filter(|f| f.severity >= t)
            .count()
    });
    Ok(match threshold {
        Some(t) if at_or_above > 0 => {
            // A CI log shows why the step failed, whatever went to stdout.
            let _ = writeln!(
                io::stderr().lock(),
                "logweave: {at_or_above} finding{} at or above {} (--fail-on)",
                if at_or_above == 1 { "" } else { "s" },
                t.name()
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    })
}

/// `--max-line-bytes`: at least one byte, or every line would be cut to nothing.
fn max_line_arg(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Colour on its own: a terminal that is not `TERM=dumb`, and no `NO_COLOR`.
fn auto_color() -> bool {
    io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// A duration flag: `30s`, `500ms`, `2m`, `1h`.
fn duration_arg(flag: &str, v: &str) -> Result<std::time::Duration, Error> {
    logweave::pattern::load::duration(v).ok_or_else(|| {
        Error::Usage(format!(
            "{flag} '{v}': expected a duration like 500ms, 30s, 2m"
        ))
    })
}

fn watch(a: WatchArgs) -> Result<ExitCode, Error> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let (specs, read, _) = read_options(&a.read)?;
    // Zone-less times take the offset the other files write, as in `scan`; said once, at
    // the start, since findings follow at once.
    if let Some(from) = &read.tz_from {
        let _ = writeln!(
            io::stderr().lock(),
            "logweave: times without a zone are {}",
            logweave::ingest::zone_taken(read.tz, from)
        );
    }
    let packs = PackSet::load(&a.patterns)?;
    let (read_inputs, follow) = if a.follow {
        if specs.iter().any(|s| s.path.is_none()) {
            return Err(Error::Usage(
                "-f follows files: name them (stdin is read as a stream without -f)".into(),
            ));
        }
        (
            Vec::new(),
            specs.iter().filter_map(|s| s.path.clone()).collect(),
        )
    } else {
        (specs, Vec::new())
    };
    // A path with no file yet is followed from when one appears, as `tail -F` does; said
    // at once, or a mistyped path would wait in silence.
    for p in follow.iter().filter(|p| !p.exists()) {
        let _ = writeln!(
            io::stderr().lock(),
            "logweave: {}: no such file yet; it is followed once it appears",
            p.display()
        );
    }
    let lateness = duration_arg("--lateness", &a.lateness)?;
    let opts = logweave::watch::Options {
        engine: logweave::watch::engine::Options {
            max_open: a.max_open.max(1),
            lateness: chrono::Duration::from_std(lateness).unwrap_or(chrono::Duration::zero()),
            since: read.since,
            until: read.until,
            ..Default::default()
        },
        read,
        read_inputs,
        follow,
        idle_timeout: a
            .idle_timeout
            .as_deref()
            .map(|v| duration_arg("--idle-timeout", v))
            .transpose()?,
        poll: duration_arg("--poll", &a.poll)?,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(Error::Output)?;
    }
    let color = match a.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(),
    };
    let lo = report::live::LiveOptions {
        redact: !a.read.no_redact,
        color,
    };
    let output = a.output;
    // Flushed per finding: someone is waiting for each line.
    let mut out = io::stdout().lock();
    let mut sink = |f: &logweave::watch::LiveFinding| -> io::Result<()> {
        match output {
            WatchOutput::Text => report::live::write_text(&mut out, f, &lo)?,
            WatchOutput::Jsonl => report::live::write_jsonl(&mut out, f, &lo)?,
        }
        out.flush()
    };
    let summary = match logweave::watch::run(&opts, &packs, &stop, &mut sink) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(Error::Output(e)),
    };
    let written = match output {
        WatchOutput::Jsonl => {
            report::live::write_summary_jsonl(&mut out, &summary).and_then(|_| out.flush())
        }
        WatchOutput::Text => Ok(()),
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(Error::Output(e));
        }
    }
    let _ = report::live::write_summary_text(&mut io::stderr().lock(), &summary, a.read.stats);
    let failed = summary.inputs.iter().any(|i| !i.errors.is_empty()) && !a.follow;
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Error> {
    // Rendered into memory first: clap_complete panics on a write error, and a closed
    // pipe must end quietly.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "logweave", &mut buf);
    write_stdout(&buf)
}

fn man(command: Option<&str>) -> Result<ExitCode, Error> {
    let mut cmd = Cli::command();
    // Built first so subcommands know their full usage (`logweave scan ...`).
    cmd.build();
    let page = match command {
        None => cmd,
        Some(name) => {
            // After build() a subcommand's display name is `logweave-scan`: the page title.
            cmd.find_subcommand(name).cloned().ok_or_else(|| {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                Error::Usage(format!(
                    "no command '{name}'; man pages exist for: {}",
                    names.join(", ")
                ))
            })?
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("logweave {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(Error::Output)?;
    write_stdout(&buf)
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode, Error> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).map_err(Error::Output)?;
    out.flush().map_err(Error::Output)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allocator_option_set_is_the_one_named() {
        // Read before tune_allocator: mimalloc's default (1000 ms) tells the option
        // apart from its neighbours (eager_commit_delay 1, use_numa_nodes 0), so a wrong
        // position fails.
        // SAFETY: reads and stores in mimalloc's option table.
        unsafe {
            assert_eq!(libmimalloc_sys::mi_option_get(MI_PURGE_DELAY), 1000);
            tune_allocator();
            assert_eq!(libmimalloc_sys::mi_option_get(MI_PURGE_DELAY), 0);
        }
    }
}
