//! `--since` / `--until`: the time words `journalctl` understands, and the record filter
//! they drive.
//!
//! ```text
//! "2026-11-23 19:37:49"  "2026-11-23"  "19:37" (today)  "2026-11-23T19:37:49+01:00"  "@1763926669"
//! "now"  "today"  "yesterday"  "tomorrow"            (midnight in --tz)
//! "-1h"  "+30m"  "-2d"  "-1h30min"  "2 hours ago"  "30 min ago"  "5min left"
//! ```
//!
//! [`parse`] takes "now" and the `--tz` zone as arguments instead of reading the clock, so
//! the same words always give the same instant in tests. Times without a zone are in `--tz`
//! (default UTC, like the zone-less timestamps in the logs), so both sides of the
//! comparison are read the same way.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::record::Record;
use crate::time::Zone;

/// The forms accepted, for error messages.
pub const ACCEPTED: &str = "expected a time like '2026-11-23 19:37:49', '2026-11-23', '19:37', \
     '2026-11-23T19:37:49+01:00', 'today', 'yesterday', 'now', '-1h', '+30m' or '2 hours ago'";

/// Reads one `--since` / `--until` value as `journalctl` would, relative to `now`, with
/// zone-less times and day boundaries in `tz`.
pub fn parse(text: &str, now: DateTime<Utc>, tz: Zone) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("empty time; {ACCEPTED}"));
    }
    let midnight = |days: i64| -> Result<DateTime<Utc>, String> {
        let today = tz.wall_clock(&now).date();
        let day = today
            .checked_add_signed(Duration::days(days))
            .ok_or_else(|| "date out of range".to_string())?;
        local(day.and_time(NaiveTime::MIN), tz)
    };
    match t.to_ascii_lowercase().as_str() {
        "now" => return Ok(now),
        "today" => return midnight(0),
        "yesterday" => return midnight(-1),
        "tomorrow" => return midnight(1),
        _ => {}
    }
    if let Some(secs) = t.strip_prefix('@') {
        return unix(secs).ok_or_else(|| format!("'{t}' is not a number of seconds after '@'"));
    }
    if let Some(rel) = relative(t) {
        let span = rel?;
        return now
            .checked_add_signed(span)
            .ok_or_else(|| format!("'{t}' is out of range"));
    }
    absolute(t, now, tz)
}

/// A naive local time in `tz` ([`Zone::to_utc`] reads the hours a clock change repeats
/// or skips).
fn local(naive: NaiveDateTime, tz: Zone) -> Result<DateTime<Utc>, String> {
    tz.to_utc(&naive)
        .ok_or_else(|| "time out of range".to_string())
}

fn unix(s: &str) -> Option<DateTime<Utc>> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = whole.parse().ok()?;
    let mut nanos: u32 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 9 {
            nanos = nanos * 10 + (b - b'0') as u32;
        }
    }
    for _ in frac.len().min(9)..9 {
        nanos *= 10;
    }
    DateTime::<Utc>::from_timestamp(secs, nanos)
}

/// A relative time, when `t` has the shape of one: `-1h`, `+30m`, `2 hours ago`,
/// `5min left`. `None` when it is not relative at all, so absolute parsing gets its turn.
fn relative(t: &str) -> Option<Result<Duration, String>> {
    let (sign, body) = if let Some(b) = t.strip_prefix('-') {
        (-1, b)
    } else if let Some(b) = t.strip_prefix('+') {
        (1, b)
    } else if let Some(b) = strip_suffix_word(t, "ago") {
        (-1, b)
    } else if let Some(b) = strip_suffix_word(t, "left") {
        (1, b)
    } else {
        return None;
    };
    Some(
        span(body)
            .map(|d| if sign < 0 { -d } else { d })
            .ok_or_else(|| {
                format!(
                    "'{t}' is not a time span (use units like s, min, h, d, w: '-1h', '30 min ago')"
                )
            }),
    )
}

fn strip_suffix_word<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    let n = t.len().checked_sub(word.len())?;
    if !t.is_char_boundary(n) || !t[n..].eq_ignore_ascii_case(word) {
        return None;
    }
    let body = &t[..n];
    // "2h ago" and "2hago" are both what systemd takes; "ago" alone is not a span.
    (!body.trim().is_empty()).then_some(body)
}

/// A systemd time span: numbers with units, optionally spaced (`1h 30min`, `2d`, `1.5h`).
/// A number without a unit is seconds.
fn span(s: &str) -> Option<Duration> {
    let mut total_ns: f64 = 0.0;
    let mut rest = s.trim_start();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        total_ns += n * unit_ns(unit)?;
    }
    // About ±292 years fit in nanoseconds; beyond that is no real log's span.
    if !total_ns.is_finite() || total_ns.abs() > 9.0e18 {
        return None;
    }
    Some(Duration::nanoseconds(total_ns.round() as i64))
}

/// Nanoseconds in one of systemd's time-span units (`man systemd.time`).
fn unit_ns(unit: &str) -> Option<f64> {
    const S: f64 = 1e9;
    // `M` is months and `m` minutes, so the one-letter units are case-sensitive.
    match unit {
        "M" => return Some(30.44 * 86_400.0 * S),
        "m" => return Some(60.0 * S),
        _ => {}
    }
    Some(match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => S,
        "us" | "usec" | "µs" | "μs" => 1e3,
        "ms" | "msec" => 1e6,
        "min" | "mins" | "minute" | "minutes" => 60.0 * S,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0 * S,
        "d" | "day" | "days" => 86_400.0 * S,
        "w" | "week" | "weeks" => 7.0 * 86_400.0 * S,
        "month" | "months" => 30.44 * 86_400.0 * S,
        "y" | "year" | "years" => 365.25 * 86_400.0 * S,
        _ => return None,
    })
}

const WEEKDAYS: [&str; 14] = [
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `[weekday] YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][ ][zone]`, or `HH:MM[:SS[.frac]][ zone]` today.
fn absolute(t: &str, now: DateTime<Utc>, tz: Zone) -> Result<DateTime<Utc>, String> {
    let bad = || format!("'{t}' is not a time; {ACCEPTED}");
    let mut s = t;
    // journalctl prints "Mon 2026-11-23 19:37:49"; pasting it back should work.
    if let Some((first, rest)) = s.split_once(' ') {
        if WEEKDAYS.contains(&first.to_ascii_lowercase().as_str()) {
            s = rest.trim_start();
        }
    }
    let (s, zone) = split_zone(s).ok_or_else(bad)?;
    let zone = zone.map_or(tz, Zone::from);
    let b = s.as_bytes();
    let (date, time_part) = if b.len() >= 10 && b[..10].is_ascii() && b[4] == b'-' && b[7] == b'-' {
        let date = ymd(&s[..10]).ok_or_else(|| format!("'{t}' has no such date"))?;
        let rest = &s[10..];
        let time = match rest.as_bytes().first() {
            None => None,
            Some(b' ' | b'T' | b't') => Some(rest[1..].trim_start()),
            Some(_) => return Err(bad()),
        };
        (date, time)
    } else {
        (zone.wall_clock(&now).date(), Some(s))
    };
    let time = match time_part {
        None => NaiveTime::MIN,
        Some(p) => hms(p).ok_or_else(bad)?,
    };
    local(date.and_time(time), zone)
}

/// Splits a trailing zone off: ` UTC`, `Z`, `+01:00`, ` -0500`. `None` when what follows
/// the time looks like a zone but is not one.
fn split_zone(s: &str) -> Option<(&str, Option<FixedOffset>)> {
    let s = s.trim_end();
    for word in [" UTC", " GMT", " Z"] {
        if let Some(n) = s.len().checked_sub(word.len()) {
            if s.is_char_boundary(n) && s[n..].eq_ignore_ascii_case(word) {
                return Some((s[..n].trim_end(), FixedOffset::east_opt(0)));
            }
        }
    }
    if s.ends_with(['Z', 'z']) && s.len() > 1 && s.as_bytes()[s.len() - 2].is_ascii_digit() {
        return Some((&s[..s.len() - 1], FixedOffset::east_opt(0)));
    }
    // A numeric offset comes after the time (which contains ':'), never inside a bare date.
    let Some(colon) = s.find(':') else {
        return Some((s, None));
    };
    if let Some(i) = s[colon..].rfind(['+', '-']).map(|i| i + colon) {
        let (secs, used) = crate::time::offset(&s.as_bytes()[i..])?;
        if i + used != s.len() {
            return None;
        }
        return Some((s[..i].trim_end(), Some(FixedOffset::east_opt(secs)?)));
    }
    Some((s, None))
}

fn ymd(s: &str) -> Option<NaiveDate> {
    let y: i32 = digits_only(&s[..4])?.parse().ok()?;
    let m: u32 = digits_only(&s[5..7])?.parse().ok()?;
    let d: u32 = digits_only(&s[8..10])?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn digits_only(s: &str) -> Option<&str> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.frac`.
fn hms(s: &str) -> Option<NaiveTime> {
    let (main, frac) = match s.split_once(['.', ',']) {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    let parts: Vec<&str> = main.split(':').collect();
    let num = |p: &str| -> Option<u32> {
        (1..=2)
            .contains(&p.len())
            .then_some(())
            .and_then(|_| digits_only(p))?
            .parse()
            .ok()
    };
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        _ => return None,
    };
    let nanos = match frac {
        None => 0,
        Some(f) => {
            // A fraction needs seconds before it: "19:37.5" is not a time.
            if parts.len() != 3 || digits_only(f).is_none() {
                return None;
            }
            let mut n: u32 = 0;
            for (i, b) in f.bytes().enumerate() {
                if i < 9 {
                    n = n * 10 + (b - b'0') as u32;
                }
            }
            for _ in f.len().min(9)..9 {
                n *= 10;
            }
            n
        }
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

/// Keeps the records whose time is within `since..=until` (both ends inclusive, as in
/// journalctl). A record without a time follows the record before it in its own input
/// (a traceback stays with the line that started it); leading untimed records of an input
/// follow its first timed record, and an input with no times at all is kept whole, since
/// nothing says it is out of range.
pub fn retain(
    mut records: Vec<Record>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Vec<Record> {
    if let Some(keep) = kept(&records, since, until) {
        retain_kept(&mut records, &keep);
    }
    records
}

/// The time `t` is within `since..=until` (both ends inclusive, either may be open).
pub fn inside(
    t: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> bool {
    since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u)
}

/// The span `from..=to` meets the window `since..=until`.
pub fn overlaps(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> bool {
    since.is_none_or(|s| to >= s) && until.is_none_or(|u| from <= u)
}

/// Keeps the items whose flag in `keep` (from [`kept`]) is set; items past the flags stay.
pub fn retain_kept<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    items.retain(|_| flags.next().copied().unwrap_or(true));
}

/// Which of `records` [`retain`] keeps, one flag each; `None` when neither bound is set
/// (every record is kept). Takes the records by reference so that a caller holding
/// something beside each record (what matched it) can drop both in place.
pub fn kept(
    records: &[Record],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Option<Vec<bool>> {
    if since.is_none() && until.is_none() {
        return None;
    }
    let inputs = records
        .iter()
        .map(|r| r.input as usize + 1)
        .max()
        .unwrap_or(0);
    let mut keep: Vec<Option<bool>> = records
        .iter()
        .map(|r| r.ts.map(|t| inside(t.utc, since, until)))
        .collect();
    let mut last: Vec<Option<bool>> = vec![None; inputs];
    for (r, k) in records.iter().zip(keep.iter_mut()) {
        let l = &mut last[r.input as usize];
        match k {
            Some(v) => *l = Some(*v),
            None => *k = *l,
        }
    }
    let mut next: Vec<Option<bool>> = vec![None; inputs];
    for (r, k) in records.iter().zip(keep.iter_mut()).rev() {
        let n = &mut next[r.input as usize];
        match k {
            Some(v) => *n = Some(*v),
            None => *k = *n,
        }
    }
    Some(keep.into_iter().map(|k| k.unwrap_or(true)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Timestamp, TsNote};
    use chrono::TimeZone;

    /// Monday 2026-11-23 19:37:49 UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 19, 37, 49).unwrap()
    }

    fn utc() -> Zone {
        Zone::UTC
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn p(s: &str) -> DateTime<Utc> {
        parse(s, now(), utc()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn full_date_and_time_is_read_in_the_tz_offset() {
        assert_eq!(p("2026-11-23 19:37:49"), at("2026-11-23T19:37:49Z"));
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(
            parse("2026-11-23 19:37:49", now(), plus2.into()).unwrap(),
            at("2026-11-23T17:37:49Z")
        );
    }

    #[test]
    fn a_bound_in_a_named_zone_takes_the_offset_of_its_own_date() {
        // "now" is in November (+01:00 in Paris); a July bound is at +02:00.
        let paris = Zone::Named(chrono_tz::Europe::Paris);
        assert_eq!(
            parse("2026-07-01 12:00", now(), paris).unwrap(),
            at("2026-07-01T10:00:00Z")
        );
        assert_eq!(
            parse("today", now(), paris).unwrap(),
            at("2026-11-22T23:00:00Z")
        );
    }

    #[test]
    fn date_alone_means_its_midnight() {
        assert_eq!(p("2026-11-23"), at("2026-11-23T00:00:00Z"));
    }

    #[test]
    fn time_alone_means_today_at_that_time() {
        assert_eq!(p("19:37"), at("2026-11-23T19:37:00Z"));
        assert_eq!(p("08:05:09"), at("2026-11-23T08:05:09Z"));
        assert_eq!(p("8:05"), at("2026-11-23T08:05:00Z"));
    }

    #[test]
    fn today_is_taken_in_the_tz_offset() {
        // 19:37 UTC on the 23rd is already the 24th at +06:00.
        let plus6 = FixedOffset::east_opt(6 * 3600).unwrap();
        assert_eq!(
            parse("today", now(), plus6.into()).unwrap(),
            at("2026-11-24T00:00:00+06:00")
        );
        assert_eq!(
            parse("01:00", now(), plus6.into()).unwrap(),
            at("2026-11-24T01:00:00+06:00")
        );
    }

    #[test]
    fn rfc3339_with_zone_keeps_its_zone() {
        assert_eq!(p("2026-11-23T19:37:49+01:00"), at("2026-11-23T18:37:49Z"));
        assert_eq!(p("2026-11-23T19:37:49Z"), at("2026-11-23T19:37:49Z"));
        assert_eq!(
            p("2026-11-23T19:37:49.250-05:00"),
            at("2026-11-24T00:37:49.25Z")
        );
        assert_eq!(p("2026-11-23 19:37:49 UTC"), at("2026-11-23T19:37:49Z"));
        assert_eq!(p("2026-11-23 19:37:49 +0200"), at("2026-11-23T17:37:49Z"));
    }

    #[test]
    fn journalctl_weekday_prefix_is_accepted() {
        assert_eq!(p("Mon 2026-11-23 19:37:49"), at("2026-11-23T19:37:49Z"));
    }

    #[test]
    fn day_words_are_midnights() {
        assert_eq!(p("today"), at("2026-11-23T00:00:00Z"));
        assert_eq!(p("yesterday"), at("2026-11-22T00:00:00Z"));
        assert_eq!(p("tomorrow"), at("2026-11-24T00:00:00Z"));
        assert_eq!(p("Today"), at("2026-11-23T00:00:00Z"));
        assert_eq!(p("now"), now());
    }

    #[test]
    fn signed_spans_count_from_now() {
        assert_eq!(p("-1h"), at("2026-11-23T18:37:49Z"));
        assert_eq!(p("+30m"), at("2026-11-23T20:07:49Z"));
        assert_eq!(p("-2d"), at("2026-11-21T19:37:49Z"));
        assert_eq!(p("-1h30min"), at("2026-11-23T18:07:49Z"));
        assert_eq!(p("-1h 30min"), at("2026-11-23T18:07:49Z"));
        assert_eq!(p("-90"), at("2026-11-23T19:36:19Z"));
        assert_eq!(p("-1.5h"), at("2026-11-23T18:07:49Z"));
        assert_eq!(p("-1w"), at("2026-11-16T19:37:49Z"));
    }

    #[test]
    fn ago_and_left_count_back_and_forward() {
        assert_eq!(p("2 hours ago"), at("2026-11-23T17:37:49Z"));
        assert_eq!(p("30 min ago"), at("2026-11-23T19:07:49Z"));
        assert_eq!(p("1 day ago"), at("2026-11-22T19:37:49Z"));
        assert_eq!(p("5min left"), at("2026-11-23T19:42:49Z"));
    }

    #[test]
    fn minutes_and_months_differ_by_case() {
        assert_eq!(p("-1m"), at("2026-11-23T19:36:49Z"));
        assert!(p("-1M") < at("2026-10-25T00:00:00Z"));
    }

    #[test]
    fn unix_seconds_after_at_sign() {
        assert_eq!(p("@0"), at("1970-01-01T00:00:00Z"));
        assert_eq!(p("@1.5"), at("1970-01-01T00:00:01.5Z"));
    }

    #[test]
    fn bad_input_is_an_error_listing_the_accepted_forms() {
        for bad in [
            "",
            "   ",
            "soon",
            "2026-13-01",
            "2026-02-30",
            "25:00",
            "19:60",
            "19",
            "-",
            "-1 fortnight",
            "ago",
            "2026-11-23X19:37",
            "2026-11-23 19:37 +99:00",
            "19:37.5",
            "@",
            "@12x",
            "@-1",
            "-99999999999y",
            "mon",
            "2026-11-23 19:37:49 CEST",
            "é",
            "19:37 ago",
            "2026-11-2é",
            "2026-11-23 19:37:4é",
        ] {
            let e = parse(bad, now(), utc());
            assert!(e.is_err(), "'{bad}' parsed as {e:?}");
        }
        let e = parse("soon", now(), utc()).unwrap_err();
        assert!(e.contains("'soon'") && e.contains("2 hours ago"), "{e}");
    }

    fn rec(input: u32, line: u64, ts: Option<&str>) -> Record {
        Record {
            input,
            line,
            ts: ts.map(|s| Timestamp {
                utc: at(s),
                digits: 0,
                note: TsNote::NONE,
            }),
            ..Record::default()
        }
    }

    fn lines(rs: &[Record]) -> Vec<(u32, u64)> {
        rs.iter().map(|r| (r.input, r.line)).collect()
    }

    #[test]
    fn retain_keeps_the_inclusive_window() {
        let rs = vec![
            rec(0, 1, Some("2026-11-23T10:00:00Z")),
            rec(0, 2, Some("2026-11-23T11:00:00Z")),
            rec(0, 3, Some("2026-11-23T12:00:00Z")),
            rec(0, 4, Some("2026-11-23T13:00:00Z")),
        ];
        let kept = retain(
            rs,
            Some(at("2026-11-23T11:00:00Z")),
            Some(at("2026-11-23T12:00:00Z")),
        );
        assert_eq!(lines(&kept), vec![(0, 2), (0, 3)]);
    }

    #[test]
    fn untimed_records_follow_the_record_before_them_in_their_input() {
        // Merged order interleaves inputs; the traceback line (0, 2) belongs to (0, 1).
        let rs = vec![
            rec(0, 1, Some("2026-11-23T10:00:00Z")),
            rec(1, 1, Some("2026-11-23T12:00:00Z")),
            rec(0, 2, None),
            rec(0, 3, Some("2026-11-23T12:30:00Z")),
            rec(0, 4, None),
        ];
        let kept = retain(rs, Some(at("2026-11-23T11:00:00Z")), None);
        assert_eq!(lines(&kept), vec![(1, 1), (0, 3), (0, 4)]);
    }

    #[test]
    fn leading_untimed_records_follow_the_first_timed_one_and_timeless_inputs_stay() {
        let rs = vec![
            rec(0, 1, None),
            rec(1, 1, None),
            rec(0, 2, Some("2026-11-23T10:00:00Z")),
            rec(1, 2, None),
        ];
        let kept = retain(rs, Some(at("2026-11-23T11:00:00Z")), None);
        assert_eq!(lines(&kept), vec![(1, 1), (1, 2)]);
    }

    #[test]
    fn no_bounds_keeps_everything() {
        let rs = vec![rec(0, 1, None), rec(0, 2, Some("2026-11-23T10:00:00Z"))];
        assert_eq!(retain(rs, None, None).len(), 2);
    }
}
