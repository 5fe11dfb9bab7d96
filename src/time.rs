//! Timestamp pieces shared by the format parsers: fast digit readers, month names in
//! several languages, ISO-8601 / RFC 3339 prefixes, and the rules for what a timestamp
//! leaves out (year, zone).
//!
//! Parsers work on bytes and never allocate here: these functions run on every line.

use chrono::offset::LocalResult;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};

use crate::record::{Timestamp, TsNote};

/// The zone that zone-less times are read in (`--tz`): a fixed offset, or a zone with
/// rules (`Europe/Paris`, this machine's `local`) whose offset changes with daylight
/// saving time, so that a log written across a change is read in the offset of each of
/// its lines, not in today's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// `UTC`, `+02:00`, or the offset the inputs write.
    Fixed(FixedOffset),
    /// An IANA zone by name (the tz database is built in: the machine needs none).
    Named(chrono_tz::Tz),
    /// This machine's zone, with its rules (`TZ`, else `/etc/localtime`).
    Local,
}

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone::Fixed(match FixedOffset::east_opt(0) {
        Some(z) => z,
        None => unreachable!(),
    });

    /// The instant a wall-clock time in this zone names.
    ///
    /// In the hour a clock is set back, a time names two instants: the first is taken,
    /// as `date -d` and Python's `fold=0` do (a log's second pass through that hour reads
    /// an hour early). A time in the hour skipped when it is set forward names none; no
    /// clock writes one, so it is read in the offset before the change, as `mktime` does.
    pub fn to_utc(&self, naive: &NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(tz: &T, naive: &NaiveDateTime) -> Option<DateTime<Utc>> {
            match tz.from_local_datetime(naive) {
                LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => {
                    Some(d.with_timezone(&Utc))
                }
                LocalResult::None => {
                    // The offset before the gap, when the clock still read it: a few
                    // hours back, or a day and more for a zone that skipped a whole day
                    // (Pacific/Apia, 30 December 2011).
                    let off = [3, 26, 50].iter().find_map(|&h| {
                        let before = naive.checked_sub_signed(chrono::Duration::hours(h))?;
                        tz.offset_from_local_datetime(&before).earliest()
                    })?;
                    off.fix()
                        .from_local_datetime(naive)
                        .single()
                        .map(|d| d.with_timezone(&Utc))
                }
            }
        }
        match self {
            Zone::Fixed(off) => pick(off, naive),
            Zone::Named(tz) => pick(tz, naive),
            Zone::Local => pick(&chrono::Local, naive),
        }
    }

    /// The wall-clock time of `utc` in this zone.
    pub fn wall_clock(&self, utc: &DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Fixed(off) => utc.with_timezone(off).naive_local(),
            Zone::Named(tz) => utc.with_timezone(tz).naive_local(),
            Zone::Local => utc.with_timezone(&chrono::Local).naive_local(),
        }
    }

    /// True for UTC itself (a fixed offset of zero).
    pub fn is_utc(&self) -> bool {
        matches!(self, Zone::Fixed(off) if off.local_minus_utc() == 0)
    }
}

impl From<FixedOffset> for Zone {
    fn from(off: FixedOffset) -> Zone {
        Zone::Fixed(off)
    }
}

impl std::fmt::Display for Zone {
    /// `UTC`, `+02:00`, `Europe/Paris`, `local`: as a user writes it after `--tz`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            z if z.is_utc() => f.write_str("UTC"),
            Zone::Fixed(off) => write!(f, "{off}"),
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Local => f.write_str("local"),
        }
    }
}

/// What a parser needs to complete a partial timestamp.
#[derive(Clone, Debug)]
pub struct TimeCtx {
    /// The moment the input was last written (file mtime, else now). Year-less timestamps
    /// take this year, or the year before when they would otherwise lie in its future.
    pub reference: NaiveDateTime,
    /// `--year`: used as is for every year-less timestamp.
    pub year: Option<i32>,
    /// `--tz`: the zone of timestamps that carry none.
    pub tz: Zone,
}

impl Default for TimeCtx {
    fn default() -> Self {
        TimeCtx {
            reference: Utc::now().naive_utc(),
            year: None,
            tz: Zone::UTC,
        }
    }
}

impl TimeCtx {
    /// UTC, no `--year`, and a fixed reference instant (`year-month-day hour:00`): for
    /// tests and fuzz targets, whose results must not depend on today's date.
    pub fn fixed(year: i32, month: u32, day: u32, hour: u32) -> TimeCtx {
        TimeCtx {
            reference: NaiveDate::from_ymd_opt(year, month, day)
                .and_then(|d| d.and_hms_opt(hour, 0, 0))
                .expect("a valid date and hour"),
            year: None,
            tz: Zone::UTC,
        }
    }

    /// Picks the year of a year-less date: `--year` if given, else the reference year,
    /// or the one before if the date would be more than a day after the reference
    /// (a December line read in January).
    pub fn infer_year(&self, month: u32, day: u32) -> i32 {
        if let Some(y) = self.year {
            return y;
        }
        let ry = self.reference.year();
        match NaiveDate::from_ymd_opt(ry, month, day) {
            Some(d) if d > self.reference.date() + chrono::Days::new(1) => ry - 1,
            Some(_) => ry,
            // 29 February in a non-leap reference year: the year before is no better; try it.
            None => ry - 1,
        }
    }

    /// A naive local time in `--tz`, marked as zone-assumed.
    pub fn assume_zone(&self, naive: NaiveDateTime, digits: u8, note: TsNote) -> Timestamp {
        let utc = self
            .tz
            .to_utc(&naive)
            .unwrap_or_else(|| Utc.from_utc_datetime(&naive));
        Timestamp {
            utc,
            digits,
            note: note | TsNote::ZONE,
        }
    }

    /// A year-less, zone-less time (`Nov 23 19:37:49`), completed by the rules above.
    pub fn yearless(
        &self,
        month: u32,
        day: u32,
        time: NaiveTime,
        digits: u8,
        offset: Option<i32>,
    ) -> Option<Timestamp> {
        let year = self.infer_year(month, day);
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(year - 1, month, day))?;
        let naive = date.and_time(time);
        Some(match offset {
            Some(off) => with_offset(naive, off, digits, TsNote::YEAR)?,
            None => self.assume_zone(naive, digits, TsNote::YEAR),
        })
    }

    /// A full date-time whose zone may be missing.
    pub fn complete(
        &self,
        naive: NaiveDateTime,
        digits: u8,
        offset: Option<i32>,
    ) -> Option<Timestamp> {
        match offset {
            Some(off) => with_offset(naive, off, digits, TsNote::NONE),
            None => Some(self.assume_zone(naive, digits, TsNote::NONE)),
        }
    }
}

/// The longest session a log's line may say it lasted, in milliseconds: a year. A longer
/// one (or a negative one) is a mangled line's digits, and must not reach the time
/// arithmetic, which overflows.
pub const LONGEST_SESSION_MS: i64 = 366 * 86_400 * 1000;

/// `start` plus `ms` milliseconds: when a line that writes a request's start and length
/// (HAProxy's accept date and last timer, Envoy's start time and duration) was written.
/// `None` for a length no session has ([`LONGEST_SESSION_MS`]).
pub fn after_ms(start: Timestamp, ms: i64) -> Option<Timestamp> {
    if !(0..=LONGEST_SESSION_MS).contains(&ms) {
        return None;
    }
    Some(Timestamp {
        utc: start
            .utc
            .checked_add_signed(chrono::Duration::milliseconds(ms))?,
        ..start
    })
}

/// A naive time at a known UTC offset (seconds east).
pub fn with_offset(
    naive: NaiveDateTime,
    offset_secs: i32,
    digits: u8,
    note: TsNote,
) -> Option<Timestamp> {
    let off = FixedOffset::east_opt(offset_secs)?;
    let dt: DateTime<FixedOffset> = off.from_local_datetime(&naive).single()?;
    Some(Timestamp {
        utc: dt.with_timezone(&Utc),
        digits,
        note,
    })
}

/// A timestamp from microseconds since the Unix epoch (journald's `__REALTIME_TIMESTAMP`).
pub fn from_unix_micros(us: i64) -> Option<Timestamp> {
    Some(Timestamp {
        utc: DateTime::<Utc>::from_timestamp_micros(us)?,
        digits: 6,
        note: TsNote::NONE,
    })
}

/// Seconds since the Unix epoch with a fraction, then a space, at the start of `b`
/// (`1690198078.8367748 `), with at most `max_digits` digits before the point: the time
/// and the length of its word (the space not counted). The fraction's digits must end at
/// a space: they are looked at before they are read, as every dotted address
/// (`203.0.113.142 - - [`) of a file of access lines comes this far.
// Inlined: every line of a bare access log asks it (short-unix is a fallback envelope);
// as a call it cost 4 M instructions over the 32 MB benchmark corpus.
#[inline]
pub fn epoch_word(b: &[u8], max_digits: usize) -> Option<(Timestamp, usize)> {
    let (secs, n) = leading_digits(b)?;
    if n > max_digits || b.get(n) != Some(&b'.') {
        return None;
    }
    let fraction_digits = b[n + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if fraction_digits == 0 || b.get(n + 1 + fraction_digits) != Some(&b' ') {
        return None;
    }
    let (nanos, digits, used) = fraction(&b[n..]);
    let utc = DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)?;
    let ts = Timestamp {
        utc,
        digits,
        note: TsNote::NONE,
    };
    Some((ts, n + used))
}

/// Reads exactly `n` ASCII digits at the start of `b`.
#[inline]
pub fn digits(b: &[u8], n: usize) -> Option<u32> {
    if b.len() < n {
        return None;
    }
    let mut v: u32 = 0;
    for &c in &b[..n] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u32;
    }
    Some(v)
}

/// Reads 1 or more ASCII digits (at most 9), returning the value and how many were read.
#[inline]
pub fn leading_digits(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    while n < b.len() && n < 19 && b[n].is_ascii_digit() {
        v = v * 10 + (b[n] - b'0') as u64;
        n += 1;
    }
    (n > 0).then_some((v, n))
}

/// C's `ctime` layout at the start of `b`, as Apache's error log and `dmesg -T` write it
/// inside brackets: `Thu Nov 20 17:00:23.344126 2025`, `Tue Oct  5 16:38:47 2021` (the day
/// padded with a space). The local date and time, fraction digits, bytes used.
pub fn ctime(b: &[u8]) -> Option<(NaiveDateTime, u8, usize)> {
    // `Www Mmm `, then the day in two columns.
    if b.len() < 24 || b[3] != b' ' || b[7] != b' ' || !b[..3].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let month = month(std::str::from_utf8(&b[4..7]).ok()?)?;
    let day = match (b[8], b[9]) {
        (b' ', d) if d.is_ascii_digit() => u32::from(d - b'0'),
        (a, d) if a.is_ascii_digit() && d.is_ascii_digit() => digits(&b[8..], 2)?,
        _ => return None,
    };
    if b[10] != b' ' {
        return None;
    }
    let (h, mi, sec) = hms(&b[11..])?;
    let (nanos, fdigits, flen) = fraction(&b[19..]);
    let y = 19 + flen;
    if b.get(y) != Some(&b' ') {
        return None;
    }
    let year = digits(b.get(y + 1..)?, 4)? as i32;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(h, mi, sec.min(59), nanos)?;
    Some((date.and_time(time), fdigits, y + 5))
}

/// `HH:MM:SS` at the start of `b`.
#[inline]
pub fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((digits(b, 2)?, digits(&b[3..], 2)?, digits(&b[6..], 2)?))
}

/// A fraction of a second after `.` or `,` at the start of `b`: (nanoseconds, digits, bytes used).
#[inline]
pub fn fraction(b: &[u8]) -> (u32, u8, usize) {
    if b.len() < 2 || (b[0] != b'.' && b[0] != b',') || !b[1].is_ascii_digit() {
        return (0, 0, 0);
    }
    let mut nanos: u32 = 0;
    let mut n = 0usize;
    while 1 + n < b.len() && b[1 + n].is_ascii_digit() {
        if n < 9 {
            nanos = nanos * 10 + (b[1 + n] - b'0') as u32;
        }
        n += 1;
    }
    let kept = n.min(9);
    for _ in kept..9 {
        nanos *= 10;
    }
    let digits = match kept {
        0 => 0,
        1..=3 => 3,
        4..=6 => 6,
        _ => 9,
    };
    (nanos, digits, 1 + n)
}

/// A UTC offset at the start of `b`: `Z`, `+0000`, `+00:00`, `-05`, returning (seconds east, bytes used).
#[inline]
pub fn offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        &s @ (b'+' | b'-') => {
            let h = digits(&b[1..], 2)? as i32;
            let (m, used) = if b.len() >= 6 && b[3] == b':' {
                (digits(&b[4..], 2)? as i32, 6)
            } else if let Some(m) = digits(b.get(3..).unwrap_or(&[]), 2) {
                (m as i32, 5)
            } else {
                (0, 3)
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some((if s == b'-' { -secs } else { secs }, used))
        }
        _ => None,
    }
}

/// The result of reading an ISO-8601 date-time prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoPrefix {
    /// The local date and time as written.
    pub naive: NaiveDateTime,
    /// Fraction digits (0, 3, 6, 9).
    pub digits: u8,
    /// Offset in seconds east, when written.
    pub offset: Option<i32>,
    /// Bytes consumed.
    pub len: usize,
}

/// Reads `YYYY-MM-DD[T ]HH:MM:SS[.,frac][ ?offset]` at the start of `b`.
///
/// `space_offset` allows one space before a numeric offset (`2019-01-31 12:53:20 +0100`).
pub fn iso_prefix(b: &[u8], space_offset: bool) -> Option<IsoPrefix> {
    iso_prefix_sep(b, b'-', space_offset)
}

thread_local! {
    /// The last `YYYY-MM-DD?HH:MM:SS` read and its value: a log's consecutive lines mostly
    /// share their second, and building a date is most of the cost of reading one.
    static LAST_ISO: Last<IsoSecond, 19> = const { std::cell::Cell::new(None) };
}

type IsoSecond = (NaiveDate, u32, u32, u32);

/// The date, hour, minute and second of the 19 bytes `YYYY-MM-DD?HH:MM:SS` at the start
/// of `b` (separators already checked); a leap second (`:60`) is clamped to 59.
fn date_hms(b: &[u8]) -> Option<IsoSecond> {
    let mut key: [u8; 19] = b.get(..19)?.try_into().ok()?;
    // `T` or a space, read as one: a journal's `...T08:00:00` and the `... 08:00:00,192`
    // of the application line inside it are one second, and alternate line after line.
    key[10] = b'T';
    remembered(&LAST_ISO, &key, |b| {
        let y = digits(b, 4)? as i32;
        let mo = digits(&b[5..], 2)?;
        let d = digits(&b[8..], 2)?;
        let (h, mi, s) = hms(&b[11..])?;
        let v = (NaiveDate::from_ymd_opt(y, mo, d)?, h, mi, s.min(59));
        // Still checked here, so only a valid second is remembered.
        NaiveTime::from_hms_opt(h, mi, v.3)?;
        Some((v, 19))
    })
}

/// [`iso_prefix`] with another date separator (`/` for `2018/02/05 12:18:07`).
pub fn iso_prefix_sep(b: &[u8], sep: u8, space_offset: bool) -> Option<IsoPrefix> {
    if b.len() < 19 || b[4] != sep || b[7] != sep || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let (date, h, mi, s) = date_hms(b)?;
    let (nanos, fdigits, flen) = fraction(&b[19..]);
    let mut len = 19 + flen;
    let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)?;
    let mut off = None;
    let rest = &b[len..];
    if let Some((o, used)) = offset(rest) {
        off = Some(o);
        len += used;
    } else if space_offset && rest.len() > 1 && rest[0] == b' ' && matches!(rest[1], b'+' | b'-') {
        if let Some((o, used)) = offset(&rest[1..]) {
            // Only a full numeric offset counts here, so `12:00:00 -  msg` is not misread.
            if used >= 5 {
                off = Some(o);
                len += 1 + used;
            }
        }
    }
    Some(IsoPrefix {
        naive: date.and_time(time),
        digits: fdigits,
        offset: off,
        len,
    })
}

/// An ISO-8601 time with its offset written, as a word of its own: what journald's
/// `short-iso` modes start a line with (`2026-11-23T08:00:00+0000 host ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoWord {
    /// The instant.
    pub ts: Timestamp,
    /// Fraction digits (0, 3, 6, 9).
    pub digits: u8,
    /// Bytes of the word (the space after it not counted).
    pub len: usize,
}

/// The last bytes a reader's answer was decided by, how many, and the answer: what
/// [`remembered`] keeps per reader.
pub(crate) type Last<V, const N: usize> = std::cell::Cell<Option<([u8; N], usize, V)>>;

/// `read(b)`, which gives an answer and how many leading bytes of `b` decided it, unless
/// `b` starts with the bytes that decided the answer `last` keeps: then that answer. For
/// readers whose answer those bytes alone decide (each of their steps stops at a byte
/// within them), over lines that mostly repeat them (a log's lines of one second). An
/// answer decided by more than `N` bytes is not kept.
pub(crate) fn remembered<V: Copy + 'static, const N: usize>(
    last: &'static std::thread::LocalKey<Last<V, N>>,
    b: &[u8],
    read: impl FnOnce(&[u8]) -> Option<(V, usize)>,
) -> Option<V> {
    if let Some((k, len, v)) = last.with(std::cell::Cell::get) {
        if b.get(..len) == Some(&k[..len]) {
            return Some(v);
        }
    }
    let (v, len) = read(b)?;
    if len <= N {
        let mut k = [0u8; N];
        k[..len].copy_from_slice(&b[..len]);
        last.with(|c| c.set(Some((k, len, v))));
    }
    Some(v)
}

/// The longest word and space [`iso_word`] remembers (`2026-11-23T08:00:00.123456789+00:00 `
/// is 36).
const WORD_MAX: usize = 41;

thread_local! {
    /// The last word [`iso_word`] read, and what it read: consecutive lines of a journal
    /// mostly share their second, and reading one costs as much as the rest of the line.
    static LAST_WORD: Last<IsoWord, WORD_MAX> = const { std::cell::Cell::new(None) };
}

/// [`iso_prefix`] at the start of `b` when it has an offset and a space right after it;
/// `None` otherwise. What is read depends on the bytes up to that space alone (every
/// reader in [`iso_prefix`] stops at the first byte it does not take, and a space is
/// none of theirs), so it is [`remembered`].
pub fn iso_word(b: &[u8]) -> Option<IsoWord> {
    remembered(&LAST_WORD, b, |b| {
        let p = iso_prefix(b, false)?;
        let off = p.offset?;
        if b.get(p.len) != Some(&b' ') {
            return None;
        }
        let w = IsoWord {
            ts: with_offset(p.naive, off, p.digits, TsNote::NONE)?,
            digits: p.digits,
            len: p.len,
        };
        Some((w, w.len + 1))
    })
}

/// The offset of a zone abbreviation that names one zone in the tz database, whose
/// abbreviations systemd and journalctl print (`CEST`, `EDT`, `JST`); `None` for one that
/// names several (`CST`: the US's, China's, Cuba's; `IST`: India's, Ireland's, Israel's;
/// `PST`: the US's and the Philippines') or that it does not know: then the time is read
/// in `--tz`, and says so.
pub fn abbreviation_offset(name: &[u8]) -> Option<i32> {
    const H: i32 = 3600;
    Some(match name {
        b"UTC" | b"GMT" | b"UT" | b"Z" | b"WET" => 0,
        b"CET" | b"WEST" | b"BST" => H,
        b"CEST" | b"EET" | b"SAST" => 2 * H,
        b"EEST" | b"MSK" => 3 * H,
        b"JST" | b"KST" => 9 * H,
        b"AEST" => 10 * H,
        b"AEDT" => 11 * H,
        b"NZST" => 12 * H,
        b"NZDT" => 13 * H,
        b"HST" => -10 * H,
        b"AKST" => -9 * H,
        b"AKDT" => -8 * H,
        b"PDT" => -7 * H,
        b"MST" => -7 * H,
        b"MDT" => -6 * H,
        b"EST" => -5 * H,
        b"EDT" => -4 * H,
        _ => return None,
    })
}

/// A month name or abbreviation in English, German, French or Spanish (case-insensitive,
/// trailing `.` allowed: `Nov`, `Mär`, `févr.`, `déc.`, `ene`, `Dez`).
pub fn month(name: &str) -> Option<u32> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 12 {
        return None;
    }
    let mut buf = [0u8; 12];
    let mut n = 0;
    for c in name.chars().flat_map(|c| c.to_lowercase()) {
        let mut tmp = [0u8; 4];
        let s = c.encode_utf8(&mut tmp).as_bytes();
        if n + s.len() > buf.len() {
            return None;
        }
        buf[n..n + s.len()].copy_from_slice(s);
        n += s.len();
    }
    let l = std::str::from_utf8(&buf[..n]).ok()?;
    Some(match l {
        "jan" | "january" | "januar" | "jän" | "janv" | "janvier" | "ene" | "enero" => 1,
        "feb" | "february" | "februar" | "févr" | "fevr" | "février" | "fev" | "fév"
        | "febrero" => 2,
        "mar" | "march" | "mär" | "märz" | "maerz" | "mrz" | "mars" | "marzo" => 3,
        "apr" | "april" | "avr" | "avril" | "abr" | "abril" => 4,
        "may" | "mai" | "mayo" => 5,
        "jun" | "june" | "juni" | "juin" | "junio" => 6,
        "jul" | "july" | "juli" | "juil" | "juillet" | "julio" => 7,
        "aug" | "august" | "août" | "aout" | "ago" | "agosto" => 8,
        "sep" | "sept" | "september" | "septembre" | "septiembre" | "set" => 9,
        "oct" | "october" | "okt" | "oktober" | "octobre" | "octubre" => 10,
        "nov" | "november" | "novembre" | "noviembre" => 11,
        "dec" | "december" | "dez" | "dezember" | "déc" | "decembre" | "décembre" | "dic"
        | "diciembre" => 12,
        _ => return None,
    })
}

/// Reads a `--tz` value: `UTC`, `Z`, a zone name of the tz database (`Europe/Paris`,
/// any case), `local` (this machine's zone, with its rules), or a numeric offset
/// (`+02:00`, `-0500`, `+2`). Returns the zone and its label for notes.
pub fn parse_tz_arg(s: &str) -> Option<(Zone, String)> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "utc" | "z" | "gmt" | "+00:00" | "+0000" => return Some((Zone::UTC, "UTC".into())),
        "local" => {
            let zone = local_zone();
            let label = match zone {
                Zone::Named(tz) => format!("local ({})", tz.name()),
                _ => "local".into(),
            };
            return Some((zone, label));
        }
        _ => {}
    }
    if let Some(tz) = zone_named(t) {
        return Some((Zone::Named(tz), tz.name().into()));
    }
    let b = t.as_bytes();
    if let Some((secs, used)) = offset(b) {
        if used == b.len() {
            let off = FixedOffset::east_opt(secs)?;
            return Some((off.into(), off.to_string()));
        }
    }
    // `+2` / `-5`: whole hours.
    let (sign, rest) = match b.first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let h: i32 = rest.parse().ok()?;
    let off = FixedOffset::east_opt(sign * h * 3600)?;
    Some((off.into(), off.to_string()))
}

/// A zone of the tz database by its name, in any case (`europe/paris`).
fn zone_named(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    })
}

/// This machine's zone: by its name when the system tells it (`TZ`, `/etc/localtime`),
/// so it reads the same rules as a named `--tz`; else the C library's rules (a `TZ` of
/// POSIX rules such as `CET-1CEST,M3.5.0,M10.5.0/3`, which chrono reads as libc does).
fn local_zone() -> Zone {
    if let Some(tz) = std::env::var("TZ").ok().filter(|v| !v.is_empty()) {
        // `Europe/Paris`, `:Europe/Paris`, `:/usr/share/zoneinfo/Europe/Paris`.
        let path = tz.trim_start_matches(':');
        let name = path.split_once("zoneinfo/").map_or(path, |(_, n)| n);
        return zone_named(name).map_or(Zone::Local, Zone::Named);
    }
    let linked = || {
        let link = std::fs::read_link("/etc/localtime").ok()?;
        let path = link.to_string_lossy().into_owned();
        let (_, name) = path.split_once("zoneinfo/")?;
        zone_named(name)
    };
    let written = || zone_named(std::fs::read_to_string("/etc/timezone").ok()?.trim());
    linked().or_else(written).map_or(Zone::Local, Zone::Named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_word_is_digits_a_fraction_and_a_space() {
        let (ts, n) = epoch_word(b"1690198078.8367748 [critical ] x", 10).unwrap();
        assert_eq!(n, 18);
        assert_eq!(ts.utc.to_rfc3339(), "2023-07-24T11:27:58.836774800+00:00");
        assert_eq!(ts.note, TsNote::NONE);
        // Too many digits for the caller, no fraction, or a dotted address.
        assert!(epoch_word(b"1690198078.5 x", 9).is_none());
        assert!(epoch_word(b"1690198078 x", 10).is_none());
        assert!(epoch_word(b"203.0.113.142 - - [", 12).is_none());
    }

    fn ctx(reference: &str) -> TimeCtx {
        TimeCtx {
            reference: NaiveDateTime::parse_from_str(reference, "%Y-%m-%d %H:%M:%S").unwrap(),
            year: None,
            tz: Zone::UTC,
        }
    }

    #[test]
    fn iso_seconds_read_in_turn_each_keep_their_own_value_and_fraction() {
        // The last second read is remembered: a repeat, a change and an invalid date
        // after it must all still be read as themselves.
        let read = |s: &str| iso_prefix(s.as_bytes(), false).map(|p| (p.naive, p.offset, p.len));
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let a = "2026-11-23T08:00:00.250+0000 x";
        let b = "2026-11-23T08:00:01+0100 x";
        assert_eq!(read(a), Some((at("2026-11-23 08:00:00.25"), Some(0), 28)));
        assert_eq!(read(a), read(a));
        assert_eq!(read(b), Some((at("2026-11-23 08:00:01"), Some(3600), 24)));
        assert_eq!(
            read("2026-11-23T08:00:00.5Z"),
            Some((at("2026-11-23 08:00:00.5"), Some(0), 22))
        );
        assert_eq!(read("2026-02-30T08:00:00Z"), None);
        assert_eq!(
            read("2026-11-23T08:00:60Z").map(|p| p.0),
            Some(at("2026-11-23 08:00:59"))
        );
        assert_eq!(read("2026-11-23T24:00:00Z"), None);
    }

    #[test]
    fn iso_words_read_in_turn_are_each_read_as_iso_prefix_reads_them() {
        // The last word read is remembered: each line here must still get what
        // `iso_prefix` and `with_offset` make of it, whatever was read before it.
        let uncached = |s: &str| {
            let b = s.as_bytes();
            let p = iso_prefix(b, false)?;
            if b.get(p.len) != Some(&b' ') {
                return None;
            }
            Some(IsoWord {
                ts: with_offset(p.naive, p.offset?, p.digits, TsNote::NONE)?,
                digits: p.digits,
                len: p.len,
            })
        };
        let lines = [
            "2026-11-23T08:00:00+0000 web-1 a[1]: x",
            "2026-11-23T08:00:00+0000 web-1 b[2]: y",
            "2026-11-23T08:00:00+00001 web-1 b[2]: y",
            "2026-11-23T08:00:00+0000",
            "2026-11-23T08:00:00+0000x y",
            "2026-11-23T08:00:00+0100 web-1 a[1]: x",
            "2026-11-23T08:00:00+01 web-1 a[1]: x",
            "2026-11-23T08:00:00+01 web-1 a[1]: x",
            "2026-11-23T08:00:00.5+01:00 h p[1]: x",
            "2026-11-23T08:00:00.5+01:00 h p[1]: x",
            "2026-11-23T08:00:00.5 h p[1]: x",
            "2026-11-23T08:00:00Z h p: x",
            "2026-11-23T08:00:00Z",
            "2026-11-23T08:00:00Z ",
            "2026-02-30T08:00:00Z h p: x",
            "2026-11-23T08:00:00.123456789123456789123456789+00:00 h",
            "2026-11-23T08:00:00.123456789123456789123456789+00:00 h",
        ];
        for l in lines {
            assert_eq!(iso_word(l.as_bytes()), uncached(l), "{l}");
        }
        assert_eq!(iso_word(lines[0].as_bytes()).map(|w| w.len), Some(24));
    }

    #[test]
    fn december_line_read_in_january_belongs_to_last_year() {
        let c = ctx("2027-01-02 10:00:00");
        assert_eq!(c.infer_year(12, 31), 2026);
        assert_eq!(c.infer_year(1, 2), 2027);
        assert_eq!(
            c.infer_year(1, 3),
            2027,
            "one day of clock skew is tolerated"
        );
    }

    #[test]
    fn explicit_year_wins() {
        let mut c = ctx("2027-01-02 10:00:00");
        c.year = Some(2019);
        assert_eq!(c.infer_year(12, 31), 2019);
    }

    #[test]
    fn months_in_four_languages() {
        for (name, m) in [
            ("Nov", 11),
            ("Mär", 3),
            ("févr.", 2),
            ("déc.", 12),
            ("ene", 1),
            ("Dez", 12),
            ("OKT", 10),
            ("ago", 8),
            ("mai", 5),
        ] {
            assert_eq!(month(name), Some(m), "{name}");
        }
        assert_eq!(month("Foo"), None);
    }

    #[test]
    fn iso_prefix_reads_offsets_in_all_spellings() {
        let p = iso_prefix(b"2026-11-23T19:37:49+0000 host", false).unwrap();
        assert_eq!((p.offset, p.len, p.digits), (Some(0), 24, 0));
        let p = iso_prefix(b"2026-11-23T19:37:49.123456+01:00 x", false).unwrap();
        assert_eq!((p.offset, p.len, p.digits), (Some(3600), 32, 6));
        let p = iso_prefix(b"2019-01-31 12:53:20 +0100] [1]", true).unwrap();
        assert_eq!((p.offset, p.len), (Some(3600), 25));
        let p = iso_prefix(b"2018-08-21 12:17:37,473 DEBUG", true).unwrap();
        assert_eq!((p.offset, p.len, p.digits), (None, 23, 3));
        assert!(iso_prefix(b"2018-13-21 12:17:37", false).is_none());
    }

    #[test]
    fn nanosecond_fractions_keep_their_precision() {
        assert_eq!(fraction(b".346494690+00:00"), (346_494_690, 9, 10));
        assert_eq!(fraction(b",5 "), (500_000_000, 3, 2));
        assert_eq!(fraction(b" 5"), (0, 0, 0));
    }

    #[test]
    fn tz_argument_accepts_names_and_offsets() {
        let fixed = |s: &str| match parse_tz_arg(s).unwrap().0 {
            Zone::Fixed(off) => off.local_minus_utc(),
            z => panic!("{s}: {z:?}"),
        };
        assert_eq!(fixed("UTC"), 0);
        assert_eq!(fixed("+02:00"), 7200);
        assert_eq!(fixed("-0500"), -18000);
        assert_eq!(fixed("+2"), 7200);
        assert_eq!(
            parse_tz_arg("Europe/Paris").unwrap(),
            (Zone::Named(chrono_tz::Europe::Paris), "Europe/Paris".into())
        );
        assert_eq!(
            parse_tz_arg("america/new_york").unwrap().0,
            Zone::Named(chrono_tz::America::New_York)
        );
        assert!(parse_tz_arg("Mars/Olympus").is_none());
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn a_named_zone_reads_each_time_in_the_offset_of_its_own_date() {
        // Paris is +01:00 in winter and +02:00 in summer: a log that spans the change
        // must not be read in one offset throughout.
        let paris = Zone::Named(chrono_tz::Europe::Paris);
        let utc = |s: &str| paris.to_utc(&wall(s)).unwrap().naive_utc();
        assert_eq!(utc("2026-03-29 01:59:59"), wall("2026-03-29 00:59:59"));
        assert_eq!(utc("2026-03-29 03:00:00"), wall("2026-03-29 01:00:00"));
        assert_eq!(utc("2026-11-23 19:37:49"), wall("2026-11-23 18:37:49"));
        assert_eq!(
            paris.wall_clock(&chrono::Utc.from_utc_datetime(&wall("2026-07-01 10:00:00"))),
            wall("2026-07-01 12:00:00")
        );
    }

    #[test]
    fn a_time_in_the_repeated_hour_is_its_first_instant_and_one_in_the_skipped_hour_is_still_read()
    {
        let paris = Zone::Named(chrono_tz::Europe::Paris);
        let utc = |s: &str| paris.to_utc(&wall(s)).map(|d| d.naive_utc());
        // 25 October 2026: 03:00 +02:00 becomes 02:00 +01:00; 02:30 happens twice.
        assert_eq!(
            utc("2026-10-25 02:30:00"),
            Some(wall("2026-10-25 00:30:00"))
        );
        // 29 March 2026: 02:00 +01:00 becomes 03:00 +02:00; 02:30 never happens.
        assert_eq!(
            utc("2026-03-29 02:30:00"),
            Some(wall("2026-03-29 01:30:00"))
        );
        // Samoa skipped 30 December 2011 whole: a time of that day is still read, in the
        // offset of the day before (-10:00).
        let apia = Zone::Named(chrono_tz::Pacific::Apia);
        assert_eq!(
            apia.to_utc(&wall("2011-12-30 12:00:00"))
                .map(|d| d.naive_utc()),
            Some(wall("2011-12-30 22:00:00"))
        );
    }
}
