//! The `logweave` command: parses arguments, calls the library, maps results to exit codes.
//!
//! Exit codes: 0 success; 1 a `check` found what it was told to fail on; 2 usage errors
//! and inputs that could not be read (the other inputs are still processed).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use logweave::catalog::Severity;
use logweave::format::{self, Format};
use logweave::ingest::{self, Options};
use logweave::input::{InputSpec, DEFAULT_MAX_LINE};
use logweave::pattern::{self, PackSet};
use logweave::pipeline;
use logweave::report::records::{self, RecordOptions};
use logweave::report::{self, json::ReportOptions, text::TextOptions};
use logweave::Error;

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
    /// Print one JSON object per log record (stdin when no path or `-`).
    Parse(ParseArgs),
    /// List the formats logweave reads, with one example line of each.
    Formats,
    /// Show or check the pattern packs.
    Patterns {
        #[command(subcommand)]
        command: PatternsCommand,
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
    /// Log files (plain, .gz, .zst; recognised by content). `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Skip detection and read every input as this format (see `logweave formats`).
    #[arg(long, value_name = "NAME")]
    format: Option<String>,
    /// Year for timestamps that have none (default: from each file's modification time).
    #[arg(long)]
    year: Option<i32>,
    /// Zone of timestamps that carry none: UTC, local, or an offset like +02:00.
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Longest line kept whole, in bytes; longer lines are cut and flagged.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE)]
    max_line_bytes: usize,
    /// Print per-input line accounting on stderr.
    #[arg(long)]
    stats: bool,
    /// Show secrets (tokens, passwords, Authorization values) instead of redacting them.
    #[arg(long)]
    no_redact: bool,
}

/// How to analyse and report: shared by scan and check.
#[derive(Args)]
struct AnalyseArgs {
    /// Load the pattern packs in DIR too (a pack named like a built-in one replaces it).
    #[arg(long = "patterns", value_name = "DIR")]
    patterns: Vec<PathBuf>,
    /// Output: text (for people), json (schema logweave/report/v1), jsonl.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Show every connection's timeline in text output, not only broken and degraded ones.
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
struct ParseArgs {
    #[command(flatten)]
    read: ReadArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(a) => scan(a),
        Command::Check(a) => check(a),
        Command::Parse(a) => parse(a),
        Command::Formats => formats(),
        Command::Patterns { command } => patterns(command),
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
    let format: Option<&'static dyn Format> = match &a.format {
        None => None,
        Some(name) => Some(format::by_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown format '{name}'; `logweave formats` lists them"
            ))
        })?),
    };
    let (tz, tz_label) = logweave::time::parse_tz_arg(&a.tz).ok_or_else(|| {
        Error::Usage(format!(
            "--tz '{}': expected UTC, local, or an offset like +02:00",
            a.tz
        ))
    })?;
    let specs: Vec<InputSpec> = if a.paths.is_empty() {
        vec![InputSpec::stdin()]
    } else {
        a.paths.iter().map(|p| InputSpec::from_arg(p)).collect()
    };
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(Error::Usage("stdin (`-`) can be read only once".into()));
    }
    let opts = Options {
        format,
        year: a.year,
        tz,
        max_line: a.max_line_bytes,
    };
    Ok((specs, opts, tz_label))
}

fn parse(a: ParseArgs) -> Result<ExitCode, Error> {
    let (specs, opts, tz_label) = read_options(&a.read)?;
    let ingested = ingest::ingest(&specs, &opts);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let ropts = RecordOptions {
        redact: !a.read.no_redact,
        tz_label,
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

/// Runs the pipeline and writes the report in the chosen output.
fn run_scan(read: &ReadArgs, an: &AnalyseArgs) -> Result<(pipeline::Scan, ExitCode), Error> {
    let (specs, opts, _) = read_options(read)?;
    let packs = PackSet::load(&an.patterns)?;
    let s = pipeline::scan(&specs, &opts, packs);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let common = ReportOptions {
        redact: !read.no_redact,
    };
    match an.output {
        Output::Json => report::json::write_json(&mut out, &s, &common),
        Output::Jsonl => report::json::write_jsonl(&mut out, &s, &common),
        Output::Text => {
            let color = match an.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
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
    Ok((s, code))
}

fn scan(a: ScanArgs) -> Result<ExitCode, Error> {
    Ok(run_scan(&a.read, &a.analyse)?.1)
}

fn check(a: CheckArgs) -> Result<ExitCode, Error> {
    let expect = a
        .expect
        .as_deref()
        .map(logweave::expect::load)
        .transpose()?;
    let (s, code) = run_scan(&a.read, &a.analyse)?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    if let Some(exp) = expect {
        let diffs = logweave::expect::compare(&exp, &s);
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
        return Ok(ExitCode::SUCCESS);
    }
    let threshold = match a.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| s.analysis.findings.iter().any(|f| f.severity >= t));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
