//! klog, the layout of the Kubernetes components written in Go:
//! `I0409 13:01:28.912345       7 controller.go:190] "Backend successfully reloaded"`.
//!
//! `kubectl logs` of an ingress-nginx controller pod interleaves these lines with nginx's
//! access and error lines: read as nothing, they were counted as unparsed and had no
//! time. The header is the severity letter, the month and day (no year), the time with
//! microseconds, the writer's thread id padded to seven columns, and `file:line]`.

use std::borrow::Cow;

use chrono::NaiveTime;

use super::{Format, Layer, Parsed};
use crate::record::Level;
use crate::time::TimeCtx;

/// The formats of this file.
pub fn formats() -> Vec<&'static dyn Format> {
    vec![&Klog]
}

/// klog's header (`klog.InfoS`, `klog.Warningf`...), as Kubernetes components write it.
pub struct Klog;

impl Format for Klog {
    fn name(&self) -> &'static str {
        "klog"
    }
    fn layer(&self) -> Layer {
        Layer::App
    }
    fn example(&self) -> &'static str {
        "W0409 13:01:28.912345       7 controller.go:1110] Service \"default/web-daphne\" does not have any active Endpoint."
    }
    fn parse<'a>(&self, line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
        parse_klog(line, ctx)
    }
}

fn parse_klog<'a>(line: &'a str, ctx: &TimeCtx) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    // `Lmmdd hh:mm:ss` at least, checked before anything is read.
    if b.len() < 16 || b[5] != b' ' || b[8] != b':' || b[11] != b':' {
        return None;
    }
    let level = match b[0] {
        b'I' => Level::Info,
        b'W' => Level::Warning,
        b'E' => Level::Error,
        b'F' => Level::Critical,
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (month, day) = (num(1..3)?, num(3..5)?);
    let (h, m, s) = (num(6..8)?, num(9..11)?, num(12..14)?);
    let mut at = 14;
    let mut frac = 0u32;
    let mut digits = 0u8;
    if b.get(at) == Some(&b'.') {
        at += 1;
        while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
            if digits < 9 {
                frac = frac * 10 + u32::from(d - b'0');
                digits += 1;
            }
            at += 1;
        }
        if digits == 0 {
            return None;
        }
    }
    let nanos = frac * 10u32.pow(9 - u32::from(digits));
    let time = NaiveTime::from_hms_nano_opt(h, m, s, nanos)?;
    // The thread id, right-aligned in seven columns, then `file:line] `.
    let rest = &line[at..];
    let thread = rest.trim_start_matches(' ');
    if thread.len() == rest.len() {
        return None;
    }
    let tid_len = thread.bytes().take_while(u8::is_ascii_digit).count();
    if tid_len == 0 || thread.as_bytes().get(tid_len) != Some(&b' ') {
        return None;
    }
    let after_tid = &thread[tid_len + 1..];
    let close = after_tid
        .find("] ")
        .or_else(|| after_tid.strip_suffix(']').map(str::len))?;
    let source = &after_tid[..close];
    let colon = source.rfind(':')?;
    if colon == 0
        || !source[colon + 1..].bytes().all(|c| c.is_ascii_digit())
        || source.contains(' ')
    {
        return None;
    }
    let message = after_tid.get(close + 2..).unwrap_or("");
    let mut out = Parsed::new(message);
    out.ts = Some(ctx.yearless(month, day, time, digits, None)?);
    out.level = Some(level);
    out.fields
        .push(("thread", Cow::Borrowed(&thread[..tid_len])));
    out.fields.push(("source", Cow::Borrowed(source)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeCtx {
        TimeCtx::fixed(2020, 4, 10, 12)
    }

    #[test]
    fn reads_the_header_of_an_ingress_controller_line() {
        let p = Klog.parse(Klog.example(), &ctx()).unwrap();
        assert_eq!(p.level, Some(Level::Warning));
        assert_eq!(p.field("source"), Some("controller.go:1110"));
        assert_eq!(p.field("thread"), Some("7"));
        assert!(p.message.starts_with("Service \"default/web-daphne\""));
        let ts = p.ts.unwrap();
        assert_eq!(ts.utc.to_rfc3339(), "2020-04-09T13:01:28.912345+00:00");
        assert_eq!(ts.digits, 6);
    }

    #[test]
    fn structured_lines_and_every_severity_parse() {
        for (line, level) in [
            (
                "I0409 13:01:29.001122       7 controller.go:210] \"Backend successfully reloaded\"",
                Level::Info,
            ),
            (
                "E1125 08:00:00.000001   12345 reflector.go:138] k8s.io/client-go: Failed to watch",
                Level::Error,
            ),
            ("F0101 00:00:00.5 1 main.go:9] fatal", Level::Critical),
        ] {
            let p = Klog.parse(line, &ctx()).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(p.level, Some(level), "{line}");
        }
    }

    #[test]
    fn lines_of_other_layouts_are_not_klog() {
        for line in [
            "10.244.1.1 - - [09/Apr/2020:13:01:35 +0000] \"GET /ws/ HTTP/1.1\" 503 190",
            "INFO 2020-04-09 13:01:29,777 cli 1 139895479084864 Starting server",
            "I0409 13:01:28.912345 controller.go:190] no thread id",
            "I0409 13:01:28.912345       7 no source here",
            "W0409 25:01:28.912345       7 controller.go:1] bad hour",
            "Info 13:01:28 something",
        ] {
            assert!(Klog.parse(line, &ctx()).is_none(), "{line}");
        }
    }
}
