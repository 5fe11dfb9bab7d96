//! logweave: rebuilds one timeline per WebSocket connection from the logs of a Django
//! Channels stack and says where each timeline breaks.
//!
//! ```text
//! bytes ──► lines ──► records ──► events ──► connections ──► findings ──► report
//! input     assemble  format      pattern    correlate       sequence      report
//!           (ingest drives input + assemble + format, per input in parallel, then merges)
//! ```
//!
//! This crate is the library; `src/main.rs` only parses arguments and maps errors to exit
//! codes. Nothing below it prints or exits.

pub mod assemble;
pub mod catalog;
pub mod chunked;
pub mod correlate;
pub mod error;
pub mod expect;
pub mod format;
pub mod ingest;
pub mod input;
pub mod jwt;
pub mod pattern;
pub mod pipeline;
pub mod record;
pub mod redact;
pub mod report;
pub mod sequence;
pub mod time;
pub mod timefilter;
pub mod watch;

pub use error::{Error, Result};
