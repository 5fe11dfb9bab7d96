//! Where `watch` lines come from: stdin (or files) read as a stream, or files followed like
//! `tail -F` (rotation by rename and by truncation, files that appear later, a partial
//! last line that waits for its newline). Each source is one thread that sends batches
//! of whole lines down a channel, so several sources interleave in arrival order.

use std::fs::File;
use std::io::{self, BufRead};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::thread;
use std::time::Duration;

use crate::input::{Finder, InputSpec, LineMeta};

/// Bytes read at a time: what a pipe or a poll hands over.
const READ_SIZE: usize = 64 * 1024;
/// Bytes before the read position remembered to notice a file truncated and rewritten
/// past where we were between two polls.
const TAIL_CHECK: usize = 64;

/// Whole lines from one source: `data` (or, once [`Batch::seal`] found it valid UTF-8,
/// `text`) holds them, `lines` the ranges.
#[derive(Debug, Default)]
pub struct Batch {
    /// The lines' bytes, back to back; empty once they moved to `text`.
    pub data: Vec<u8>,
    /// The lines' bytes as text, when they are valid UTF-8 (see [`Batch::seal`]).
    pub text: String,
    /// (start, end, meta) of each line in `data`, terminators removed.
    pub lines: Vec<(usize, usize, LineMeta)>,
    /// Number of the first line in its file (1-based).
    pub first_line: u64,
    /// Bytes read from the source into it: terminators, and the parts of lines past the
    /// length limit, included (the input's size, where `lines` hold what was kept).
    pub read: u64,
}

impl Batch {
    /// The lines' bytes, back to back.
    pub fn bytes(&self) -> &[u8] {
        match self.data.is_empty() {
            true => self.text.as_bytes(),
            false => &self.data,
        }
    }

    /// The bytes of line `i`.
    pub fn line(&self, i: usize) -> &[u8] {
        let (s, e, _) = self.lines[i];
        &self.bytes()[s..e]
    }

    /// Line `i` as text, when the batch is valid UTF-8 and the line's ends are char
    /// boundaries (a line cut at the length limit may end inside a character).
    pub fn line_str(&self, i: usize) -> Option<&str> {
        let (s, e, _) = self.lines[i];
        self.data.is_empty().then(|| self.text.get(s..e)).flatten()
    }

    /// Checks the whole batch is UTF-8 at once, on the reader's thread, so that its lines
    /// need no check of their own on the analysis thread ([`Batch::line_str`]).
    pub fn seal(&mut self) {
        match String::from_utf8(std::mem::take(&mut self.data)) {
            Ok(t) => self.text = t,
            Err(e) => self.data = e.into_bytes(),
        }
    }

    /// Marks [`LineMeta::clean`] the lines in which `finder` finds nothing, searching
    /// the batch's bytes once on the reader's thread, not each line on the analysis'. A
    /// find that spans two lines (they lie back to back) only leaves the first unmarked.
    pub fn mark_clean(&mut self, finder: &Finder) {
        self.mark(|h| finder(h), |m, none| m.clean = none);
    }

    /// Marks [`LineMeta::plain`] the lines without an escape byte, in the same way: the
    /// analysis thread need not look for ANSI colour in them.
    pub fn mark_plain(&mut self) {
        self.mark(|h| memchr::memchr(0x1b, h), |m, none| m.plain = none);
    }

    /// Tells `set` of each line whether `search` finds nothing in it, searching the
    /// batch's bytes about once.
    fn mark(&mut self, search: impl Fn(&[u8]) -> Option<usize>, set: impl Fn(&mut LineMeta, bool)) {
        // The first find at or after `from`, or `None` when there is none after it.
        // Not `bytes()`: the lines are borrowed apart from the bytes below.
        let data = match self.data.is_empty() {
            true => self.text.as_bytes(),
            false => &self.data[..],
        };
        let find = |from: usize| search(&data[from..]).map(|p| from + p);
        let mut next = find(0);
        for (s, e, meta) in &mut self.lines {
            if next.is_some_and(|h| h < *s) {
                next = find(*s);
            }
            set(meta, next.is_none_or(|h| h >= *e));
        }
    }
}

/// Something that happened to a followed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The path now names another file (rename and create); the old one was read to
    /// its end first.
    Rotated,
    /// The file got shorter (copytruncate): reading starts again at its beginning.
    Truncated,
    /// The path vanished.
    Vanished,
    /// A file appeared at a path that had none.
    Appeared,
}

/// What a source thread sends.
#[derive(Debug)]
pub enum Msg {
    /// New whole lines.
    Lines {
        /// The source's number.
        src: usize,
        /// The lines.
        batch: Batch,
    },
    /// A followed file changed.
    Notice {
        /// The source's number.
        src: usize,
        /// What happened.
        notice: Notice,
    },
    /// Reading failed (the source goes on if it can).
    Error {
        /// The source's number.
        src: usize,
        /// The error, for a person.
        message: String,
    },
    /// The source ended (stdin closed).
    End {
        /// The source's number.
        src: usize,
    },
}

/// Cuts a byte stream into lines that may arrive in pieces, keeping at most `max_line`
/// bytes of each line.
#[derive(Debug)]
pub struct Splitter {
    partial: Vec<u8>,
    truncated: bool,
    /// The last piece ended with `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    max_line: usize,
    /// Number of the next line.
    pub next_line: u64,
}

impl Splitter {
    /// A splitter whose first line is number 1.
    pub fn new(max_line: usize) -> Self {
        Splitter {
            partial: Vec::new(),
            truncated: false,
            after_cr: false,
            max_line: max_line.max(1),
            next_line: 1,
        }
    }

    /// A new batch starting at the next line.
    pub fn batch(&self) -> Batch {
        Batch {
            first_line: self.next_line,
            ..Batch::default()
        }
    }

    /// Adds `bytes`; every line they complete goes to `out`. Lines end as the file
    /// reader's do: `\n`, `\r\n` (also split across two pieces) or a lone `\r`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Batch) {
        out.read += bytes.len() as u64;
        if std::mem::take(&mut self.after_cr) && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        while let Some(i) = memchr::memchr2(b'\n', b'\r', bytes) {
            let line = &bytes[..i];
            if self.partial.is_empty() && !self.truncated && line.len() <= self.max_line {
                // A whole line in this piece goes straight to the batch: copied once,
                // not through `partial`.
                let start = out.data.len();
                out.data.extend_from_slice(line);
                out.lines.push((start, out.data.len(), LineMeta::default()));
                self.next_line += 1;
            } else {
                self.keep(line);
                self.end_line(out, false);
            }
            let mut next = i + 1;
            if bytes[i] == b'\r' {
                match bytes.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            bytes = &bytes[next..];
        }
        self.keep(bytes);
    }

    /// The line still waiting for its newline, ended as it is (the stream ended or the
    /// file was replaced).
    pub fn flush(&mut self, out: &mut Batch) {
        if !self.partial.is_empty() || self.truncated {
            self.end_line(out, true);
        }
    }

    /// Forgets the waiting partial line (the file it came from was truncated).
    pub fn reset(&mut self) {
        self.partial.clear();
        self.truncated = false;
        self.after_cr = false;
        self.next_line = 1;
    }

    fn keep(&mut self, piece: &[u8]) {
        let room = self.max_line.saturating_sub(self.partial.len());
        if piece.len() > room {
            self.truncated = true;
        }
        self.partial
            .extend_from_slice(&piece[..piece.len().min(room)]);
    }

    fn end_line(&mut self, out: &mut Batch, unterminated: bool) {
        let start = out.data.len();
        out.data.extend_from_slice(&self.partial);
        out.lines.push((
            start,
            out.data.len(),
            LineMeta {
                truncated: self.truncated,
                unterminated,
                clean: false,
                plain: false,
            },
        ));
        self.partial.clear();
        self.truncated = false;
        self.next_line += 1;
    }
}

/// Reads an input (stdin or a file, decompressed as its first bytes say) on its own
/// thread until it ends, handing over whatever has arrived.
pub fn spawn_reader(
    src: usize,
    spec: InputSpec,
    tx: SyncSender<Msg>,
    max_line: usize,
    finder: Option<Finder>,
) {
    thread::spawn(move || {
        let fail = |message: String| {
            let _ = tx.send(Msg::Error { src, message });
            let _ = tx.send(Msg::End { src });
        };
        let opened = match crate::input::open(&spec, max_line) {
            Ok(o) => o,
            Err(e) => return fail(e.to_string()),
        };
        let mut inner = opened.reader.into_inner();
        let mut sp = Splitter::new(max_line);
        loop {
            let chunk = match inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let mut b = sp.batch();
                    sp.flush(&mut b);
                    if !b.lines.is_empty() {
                        let _ = tx.send(Msg::Lines { src, batch: b });
                    }
                    return fail(format!("{}: {e}", spec.name));
                }
            };
            if chunk.is_empty() {
                let mut b = sp.batch();
                sp.flush(&mut b);
                if !b.lines.is_empty() {
                    let _ = tx.send(Msg::Lines { src, batch: b });
                }
                let _ = tx.send(Msg::End { src });
                return;
            }
            let n = chunk.len();
            let mut b = sp.batch();
            sp.feed(chunk, &mut b);
            inner.consume(n);
            if let Some(f) = &finder {
                b.mark_clean(f);
            }
            b.mark_plain();
            b.seal();
            if !b.lines.is_empty() && tx.send(Msg::Lines { src, batch: b }).is_err() {
                return;
            }
        }
    });
}

/// How to follow files.
#[derive(Clone, Debug)]
pub struct FollowOptions {
    /// Read existing content from the beginning (`--since`) instead of from the end.
    pub from_start: bool,
    /// How often to look for new lines and rotation.
    pub poll: Duration,
    /// Longest line kept whole.
    pub max_line: usize,
}

/// Follows `path` on its own thread until the receiver goes away.
pub fn spawn_follow(
    src: usize,
    path: PathBuf,
    tx: SyncSender<Msg>,
    opts: FollowOptions,
    finder: Option<Finder>,
) {
    thread::spawn(move || {
        let mut f = Follower {
            src,
            path,
            tx,
            finder,
            file: None,
            id: None,
            pos: 0,
            tail: Vec::new(),
            sp: Splitter::new(opts.max_line),
            vanished: false,
            buf: vec![0u8; READ_SIZE],
        };
        let mut first = true;
        loop {
            if f.step(first, opts.from_start).is_err() {
                return;
            }
            first = false;
            thread::sleep(opts.poll);
        }
    });
}

/// The receiver is gone: stop.
struct Gone;

struct Follower {
    src: usize,
    path: PathBuf,
    tx: SyncSender<Msg>,
    finder: Option<Finder>,
    file: Option<File>,
    /// (device, inode) of the open file.
    id: Option<(u64, u64)>,
    /// Bytes of the open file consumed.
    pos: u64,
    /// The last bytes before `pos`, as read.
    tail: Vec<u8>,
    sp: Splitter,
    vanished: bool,
    /// Read buffer, reused by every poll.
    buf: Vec<u8>,
}

impl Follower {
    fn send(&self, m: Msg) -> Result<(), Gone> {
        self.tx.send(m).map_err(|_| Gone)
    }

    fn notice(&self, notice: Notice) -> Result<(), Gone> {
        self.send(Msg::Notice {
            src: self.src,
            notice,
        })
    }

    /// One poll: open if needed, read what is new, notice rotation.
    fn step(&mut self, first: bool, from_start: bool) -> Result<(), Gone> {
        if self.file.is_none() && !self.open(first, from_start, !first)? {
            return Ok(());
        }
        self.read_new()?;
        match std::fs::metadata(&self.path) {
            Ok(m) if Some((m.dev(), m.ino())) != self.id => {
                // Renamed away and replaced: what the writer put in the old file before
                // it let go is read first, then the new file from its start.
                self.read_new()?;
                self.end_file()?;
                self.notice(Notice::Rotated)?;
                if self.open(false, true, false)? {
                    self.read_new()?;
                }
            }
            Ok(_) => {}
            Err(_) => {
                if !self.vanished {
                    self.vanished = true;
                    self.notice(Notice::Vanished)?;
                }
            }
        }
        Ok(())
    }

    /// Opens the path; false when there is nothing there (yet).
    fn open(&mut self, first: bool, from_start: bool, announce: bool) -> Result<bool, Gone> {
        match File::open(&self.path) {
            Ok(file) => {
                let meta = file.metadata().ok();
                self.id = meta.as_ref().map(|m| (m.dev(), m.ino()));
                self.file = Some(file);
                self.pos = 0;
                self.tail.clear();
                self.sp.reset();
                if first && !from_start {
                    self.skip_to_end()?;
                } else if announce {
                    self.notice(Notice::Appeared)?;
                }
                self.vanished = false;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.vanished {
                    self.vanished = true;
                    if !first {
                        self.notice(Notice::Vanished)?;
                    }
                }
                Ok(false)
            }
            Err(e) => {
                if !self.vanished {
                    self.vanished = true;
                    self.send(Msg::Error {
                        src: self.src,
                        message: format!("{}: {e}", self.path.display()),
                    })?;
                }
                Ok(false)
            }
        }
    }

    /// Starts at the end of what exists, counting its lines so numbers stay true.
    fn skip_to_end(&mut self) -> Result<(), Gone> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let buf = &mut self.buf;
        let mut lines = 0u64;
        let mut last_nl = 0u64;
        let mut pos = 0u64;
        loop {
            match file.read_at(buf, pos) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = &buf[..n];
                    lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
                    if let Some(i) = memchr::memrchr(b'\n', chunk) {
                        last_nl = pos + i as u64 + 1;
                    }
                    pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        // A partial last line is read when its newline comes.
        self.pos = last_nl;
        self.sp.next_line = lines + 1;
        self.tail = read_tail(file, self.pos);
        Ok(())
    }

    /// Sends the line still waiting for its newline, ended as it is.
    fn flush_partial(&mut self) -> Result<(), Gone> {
        let mut b = self.sp.batch();
        self.sp.flush(&mut b);
        if b.lines.is_empty() {
            return Ok(());
        }
        self.send(Msg::Lines {
            src: self.src,
            batch: b,
        })
    }

    /// The open file is done with: its last partial line is ended as it is.
    fn end_file(&mut self) -> Result<(), Gone> {
        self.flush_partial()?;
        self.file = None;
        self.id = None;
        Ok(())
    }

    fn read_new(&mut self) -> Result<(), Gone> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let len = match file.metadata() {
            Ok(m) => m.len(),
            Err(_) => return Ok(()),
        };
        let rewritten = len >= self.pos && !self.tail.is_empty() && {
            let t = read_tail(file, self.pos);
            t != self.tail
        };
        if len < self.pos || rewritten {
            // The line cut short by the truncation is kept as it was.
            self.flush_partial()?;
            self.pos = 0;
            self.tail.clear();
            self.sp.reset();
            self.notice(Notice::Truncated)?;
        }
        // Both lent out for the read, which sends lines as it goes.
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let mut buf = std::mem::take(&mut self.buf);
        let read = self.read_from(&file, &mut buf);
        self.file = Some(file);
        self.buf = buf;
        read
    }

    /// Reads `file` from the current position to its end, sending whole lines.
    fn read_from(&mut self, file: &File, buf: &mut [u8]) -> Result<(), Gone> {
        loop {
            match file.read_at(buf, self.pos) {
                Ok(0) => break,
                Ok(n) => {
                    let mut b = self.sp.batch();
                    self.sp.feed(&buf[..n], &mut b);
                    if let Some(f) = &self.finder {
                        b.mark_clean(f);
                    }
                    b.mark_plain();
                    b.seal();
                    self.pos += n as u64;
                    let keep = n.min(TAIL_CHECK);
                    if keep == TAIL_CHECK {
                        self.tail.clear();
                    } else if self.tail.len() + keep > TAIL_CHECK {
                        let cut = self.tail.len() + keep - TAIL_CHECK;
                        self.tail.drain(..cut);
                    }
                    self.tail.extend_from_slice(&buf[n - keep..n]);
                    if !b.lines.is_empty() {
                        self.send(Msg::Lines {
                            src: self.src,
                            batch: b,
                        })?;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return self.send(Msg::Error {
                        src: self.src,
                        message: format!("{}: {e}", self.path.display()),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The `TAIL_CHECK` bytes before `pos`.
fn read_tail(file: &File, pos: u64) -> Vec<u8> {
    let start = pos.saturating_sub(TAIL_CHECK as u64);
    let mut buf = vec![0u8; (pos - start) as usize];
    match file.read_exact_at(&mut buf, start) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(b: &Batch) -> Vec<&[u8]> {
        (0..b.lines.len()).map(|i| b.line(i)).collect()
    }

    #[test]
    fn a_sealed_batch_gives_its_lines_as_text_only_when_they_are_utf8() {
        let mut sp = Splitter::new(4);
        let mut b = sp.batch();
        // `ab€` is cut at 4 bytes, inside the euro sign; the next line starts with
        // bytes that complete it, so the batch as a whole is valid UTF-8.
        sp.feed("ab€\n".as_bytes(), &mut b);
        let mut rest = vec![0xac];
        rest.extend_from_slice("é\n".as_bytes());
        sp.feed(&rest, &mut b);
        sp.feed("ok\n".as_bytes(), &mut b);
        b.seal();
        assert!(b.data.is_empty(), "valid as a whole: moved to text");
        assert_eq!(b.line_str(0), None, "cut inside a character");
        assert_eq!(b.line_str(2), Some("ok"));
        assert_eq!(b.line(0), &"ab€".as_bytes()[..4]);
        let mut bad = sp.batch();
        sp.feed(b"caf\xe9\nok\n", &mut bad);
        bad.seal();
        assert_eq!(bad.line_str(1), None, "an invalid batch gives no text");
        assert_eq!(bad.line(0), b"caf\xe9");
    }

    #[test]
    fn lines_the_finder_finds_nothing_in_are_marked_clean() {
        let finder: Finder =
            std::sync::Arc::new(|hay: &[u8]| memchr::memmem::find(hay, b"WSCONNECT"));
        let mut sp = Splitter::new(100);
        let mut b = sp.batch();
        // The third and fourth lines lie back to back in the batch: `WSCON` + `NECT`
        // spans them, which leaves the third unmarked (not known clean), never wrong.
        sp.feed(
            b"GET /api\n\"WSCONNECT /ws/1/\"\nx WSCON\nNECT y\nplain\nWSCONNECT\n",
            &mut b,
        );
        b.mark_clean(&finder);
        let clean: Vec<bool> = b.lines.iter().map(|(_, _, m)| m.clean).collect();
        assert_eq!(clean, vec![true, false, false, true, true, false]);
    }

    #[test]
    fn lines_without_an_escape_byte_are_marked_plain() {
        let mut sp = Splitter::new(100);
        let mut b = sp.batch();
        sp.feed(b"INFO ok\n\x1b[32mINFO\x1b[0m green\nplain\n\x1b\n", &mut b);
        b.mark_plain();
        let plain: Vec<bool> = b.lines.iter().map(|(_, _, m)| m.plain).collect();
        assert_eq!(plain, vec![true, false, true, false]);
    }

    #[test]
    fn a_line_split_across_reads_comes_out_whole() {
        let mut sp = Splitter::new(100);
        let mut b = sp.batch();
        sp.feed(b"one\ntw", &mut b);
        assert_eq!(texts(&b), vec![&b"one"[..]]);
        let mut b2 = sp.batch();
        assert_eq!(b2.first_line, 2);
        sp.feed(b"o\r", &mut b2);
        sp.feed(b"\nthree", &mut b2);
        assert_eq!(
            texts(&b2),
            vec![&b"two"[..]],
            "CR LF across two reads is one end"
        );
        let mut b3 = sp.batch();
        sp.flush(&mut b3);
        assert_eq!(texts(&b3), vec![&b"three"[..]]);
        assert!(b3.lines[0].2.unterminated);
    }

    #[test]
    fn a_lone_cr_ends_a_line_like_the_file_reader() {
        let mut sp = Splitter::new(100);
        let mut b = sp.batch();
        sp.feed(b"mac 1\rmac 2\runix\n", &mut b);
        assert_eq!(texts(&b), vec![&b"mac 1"[..], b"mac 2", b"unix"]);
    }

    #[test]
    fn whole_lines_of_one_read_come_out_as_lines_waiting_in_pieces_do() {
        let mut sp = Splitter::new(5);
        let mut b = sp.batch();
        // At the limit, past it, after a piece that waited, then one left waiting.
        sp.feed(b"12345\n123456\nab", &mut b);
        sp.feed(b"c\r\nxyz\nrest", &mut b);
        assert_eq!(texts(&b), vec![&b"12345"[..], b"12345", b"abc", b"xyz"]);
        let cut: Vec<bool> = b.lines.iter().map(|l| l.2.truncated).collect();
        assert_eq!(cut, vec![false, true, false, false]);
        assert_eq!(sp.next_line, 5);
        let mut b2 = sp.batch();
        sp.flush(&mut b2);
        assert_eq!(texts(&b2), vec![&b"rest"[..]]);
    }

    #[test]
    fn an_overlong_line_is_cut_across_reads_and_the_next_survives() {
        let mut sp = Splitter::new(4);
        let mut b = sp.batch();
        sp.feed(b"abc", &mut b);
        sp.feed(b"defgh\nok\n", &mut b);
        assert_eq!(texts(&b), vec![&b"abcd"[..], b"ok"]);
        assert!(b.lines[0].2.truncated && !b.lines[1].2.truncated);
    }
}
