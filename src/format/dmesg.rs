//! The kernel's ring buffer as `dmesg -T` prints it: `[Tue Oct  5 16:38:47 2021] Out of
//! memory: Killed process 1483 (uvicorn) ...`, the wall-clock time in brackets (local,
//! no zone), then the kernel's message.
//!
//! The `process` pack's hint for a SIGKILL sends users to `dmesg -T | grep -i oom`, and
//! they paste its answer beside the server's logs: read as nothing, its OOM kills had no
//! time and could not be set beside the sessions they cut. (Plain `dmesg` writes seconds
//! since boot, `[12345.678901]`, which say no wall-clock time: not read.)

use std::borrow::Cow;

use super::{Format, Layer, Parsed};
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&DmesgT]
}

/// `dmesg -T` (`--ctime`): `[<ctime>] <message>`.
pub struct DmesgT;

impl Format for DmesgT {
    fn name(&self) -> &'static str {
        "dmesg-T"
    }
    fn layer(&self) -> Layer {
        Layer::Envelope
    }
    fn example(&self) -> &'static str {
        "[Tue Oct  5 16:38:47 2021] Out of memory: Killed process 1483 (uvicorn) total-vm:116345136kB, anon-rss:3558264kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:50724kB oom_score_adj:0"
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        let (ts, message) = super::bracketed_ctime(line, ctx)?;
        // Apache's error log writes the same time, then its module and level in
        // brackets: that format's line.
        if message.starts_with('[') {
            return None;
        }
        let mut p = Parsed::new(Cow::Borrowed(message));
        p.ts = Some(ts);
        p.program = Some(Cow::Borrowed("kernel"));
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oom_kill_keeps_its_wall_clock_time() {
        let p = DmesgT.parse(DmesgT.example(), &TimeCtx::default()).unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2021-10-05T16:38:47+00:00");
        assert!(p
            .message
            .starts_with("Out of memory: Killed process 1483 (uvicorn)"));
        let p = DmesgT
            .parse(
                "[Wed Oct 13 21:59:46 2021] oom-kill:constraint=CONSTRAINT_NONE",
                &TimeCtx::default(),
            )
            .unwrap();
        assert_eq!(p.ts.unwrap().utc.to_rfc3339(), "2021-10-13T21:59:46+00:00");
    }

    #[test]
    fn uptime_stamps_and_apaches_lines_are_not_read() {
        for line in [
            "[12345.678901] Out of memory: Killed process 1483 (uvicorn)",
            "[Thu Nov 20 17:00:23.344126 2025] [proxy:error] [pid 9:tid 9] AH00957: x",
            "[Tue Oct  5 16:38:47 2021]",
        ] {
            assert!(DmesgT.parse(line, &TimeCtx::default()).is_none(), "{line}");
        }
    }
}
