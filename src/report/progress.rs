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
            let bar = match total {
                Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template(
                            "reading {bar:30} {decimal_bytes}/{decimal_total_bytes} \
                             ({decimal_bytes_per_sec}, {eta} left)",
                        )
                        .expect("valid template"),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template(
                            "reading {spinner} {decimal_bytes} ({decimal_bytes_per_sec})",
                        )
                        .expect("valid template"),
                    ),
            };
            // Rates count from now, not from a start the bar did not see.
            bar.set_position(progress.read());
            bar.reset_eta();
            while !flag.load(Ordering::Relaxed) {
                bar.set_position(progress.read());
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
