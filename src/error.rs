//! The one error type. Every variant names where the problem is, so a person can go and
//! look: the input and byte offset, or the pattern file, line and column.

use std::fmt;
use std::path::PathBuf;

/// Everything that can stop logweave from reading an input or loading its configuration.
#[derive(Debug)]
pub enum Error {
    /// An input could not be opened or read.
    Io {
        /// The input as the user named it (`-` for stdin).
        input: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A compressed input ended early or is corrupt; records before `offset` were kept.
    Corrupt {
        /// The input as the user named it.
        input: String,
        /// Compressed bytes read before the failure.
        offset: u64,
        /// What the decompressor said.
        detail: String,
    },
    /// A configuration file (pattern pack, expectation file) is wrong at a position.
    Config {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The command line asks for something that cannot be done.
    Usage(String),
    /// Writing the output failed (a closed pipe is not reported this way: see
    /// [`Error::is_broken_pipe`]).
    Output(std::io::Error),
}

impl Error {
    /// True when the output was closed by the reader (`| head`): not a failure to report.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { input, source } => write!(f, "{input}: {source}"),
            Error::Corrupt { input, offset, detail } => write!(
                f,
                "{input}: compressed data ends or breaks at byte {offset} ({detail}); records before it were kept"
            ),
            Error::Config {
                file,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", file.display()),
            Error::Usage(m) => write!(f, "{m}"),
            Error::Output(e) => write!(f, "writing output: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Output(e) => Some(e),
            _ => None,
        }
    }
}

/// Results with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
