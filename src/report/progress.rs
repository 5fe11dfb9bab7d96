//! A progress bar on stderr while a long scan reads its inputs.
//!
//! Shown only when the caller says stderr is a terminal, and only once reading has taken
//! longer than [`DELAY`]: a quick scan prints nothing extra, and a pipe or a CI log never
//! gets the bar's control characters.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ingest::Progress;

/// How long reading runs before the bar appears.
pub const DELAY: Duration = Duration::from_millis(500);
/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// How long the bar counts bytes before it shows a rate and the time left.
const RATE_AFTER: Duration = Duration::from_secs(1);

/// What the bar says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Bytes so far, no rate yet.
    Measuring,
    /// Bytes, rate and time left.
    Reading,
    /// Everything is read; the rest of the scan runs.
    Analysing,
}

impl Phase {
    /// What to say after `read` of `total` bytes, the bar shown for `shown`.
    fn of(total: Option<u64>, read: u64, shown: Duration) -> Phase {
        match total {
            // Every byte is read: what runs now (correlation, the report) has no byte
            // count, and "0s left" would be untrue.
            Some(t) if read >= t => Phase::Analysing,
            _ if shown >= RATE_AFTER => Phase::Reading,
            _ => Phase::Measuring,
        }
    }
}

/// What the bar shows in `phase`: a bar against `total` (a spinner without one), with
/// the rate and the time left once they are measured.
fn style(phase: Phase, total: Option<u64>) -> ProgressStyle {
    let template = match (phase, total) {
        (Phase::Analysing, _) => "analysing {spinner} {decimal_total_bytes} read",
        (Phase::Reading, Some(_)) => {
            "reading {bar:30} {decimal_bytes}/{decimal_total_bytes} \
             ({decimal_bytes_per_sec}, {eta} left)"
        }
        (Phase::Measuring, Some(_)) => "reading {bar:30} {decimal_bytes}/{decimal_total_bytes}",
        (Phase::Reading, None) => "reading {spinner} {decimal_bytes} ({decimal_bytes_per_sec})",
        (Phase::Measuring, None) => "reading {spinner} {decimal_bytes}",
    };
    ProgressStyle::with_template(template).expect("valid template")
}

/// A bar drawn by its own thread until dropped (then cleared from the terminal).
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts drawing `progress` against `total` bytes (a spinner with the byte count
    /// when the total is unknown: stdin, a FIFO).
    pub fn start(total: Option<u64>, progress: Arc<Progress>) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < DELAY {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(TICK);
            }
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            // No rate until the bar has measured one: its first frames said "4 TB/s, 0s
            // left" from the bytes read before it appeared.
            let mut phase = Phase::Measuring;
            bar.set_style(style(phase, total));
            bar.set_position(progress.read());
            bar.reset_eta();
            let shown = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let read = progress.read();
                bar.set_position(read);
                let next = Phase::of(total, read, shown.elapsed());
                if next != phase {
                    phase = next;
                    bar.set_style(style(phase, total));
                }
                bar.tick();
                std::thread::sleep(TICK);
            }
            bar.finish_and_clear();
        });
        Bar {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_no_rate_before_it_measured_one_and_none_once_everything_is_read() {
        let ms = Duration::from_millis;
        assert_eq!(Phase::of(Some(100), 10, ms(0)), Phase::Measuring);
        assert_eq!(Phase::of(Some(100), 60, ms(900)), Phase::Measuring);
        assert_eq!(Phase::of(Some(100), 60, ms(1000)), Phase::Reading);
        assert_eq!(Phase::of(Some(100), 100, ms(100)), Phase::Analysing);
        // Without a total (stdin), reading never looks finished.
        assert_eq!(Phase::of(None, 1 << 40, ms(5000)), Phase::Reading);
        for phase in [Phase::Measuring, Phase::Reading, Phase::Analysing] {
            for total in [Some(1), None] {
                style(phase, total);
            }
        }
    }
}
