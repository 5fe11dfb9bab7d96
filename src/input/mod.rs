//! Reading inputs: files, stdin, `.gz` and `.zst` (recognised by their first bytes, not
//! their names), cut into lines of bounded length.
//!
//! ```text
//! path or "-" ──► File / Stdin ──► CountingReader ──► (gzip | zstd)? ──► LineReader ──► lines
//!                                   (compressed offset,                  (≤ max_line bytes,
//!                                    for error messages)                  LF, CR LF or CR)
//! ```
//!
//! A line ends at `\n`, `\r\n` or a lone `\r` (old Mac OS logs, and what
//! Python's universal newlines do), so no text hides behind a carriage return.
//! A FIFO is read like a pipe. A regular file that gets shorter while it is read
//! (`copytruncate` rotation) is noticed at its end: see [`Opened::shrink_warning`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::{Error, Result};

pub mod walk;

/// The longest line kept whole; the rest of a longer line is skipped and the record flagged.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// How an input is compressed, as told by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (`1f 8b`), possibly several members.
    Gzip,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
}

/// An input as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// The name shown in output: the path as given, or `-` for stdin.
    pub name: String,
    /// The file to read; `None` for stdin.
    pub path: Option<PathBuf>,
}

impl InputSpec {
    /// `-` means stdin; anything else is a path.
    pub fn from_arg(arg: &str) -> InputSpec {
        InputSpec {
            name: arg.to_string(),
            path: (arg != "-").then(|| PathBuf::from(arg)),
        }
    }

    /// Standard input.
    pub fn stdin() -> InputSpec {
        InputSpec::from_arg("-")
    }
}

/// An opened input, ready to be read line by line.
pub struct Opened {
    /// Decompressed bytes.
    pub reader: LineReader<Box<dyn BufRead + Send>>,
    /// What the first bytes said.
    pub compression: Compression,
    /// The file's modification time (the reference for year-less timestamps).
    pub mtime: Option<SystemTime>,
    /// Compressed bytes read so far, shared with the reader chain.
    pub raw_offset: Arc<AtomicU64>,
    /// A regular file's own handle and its length when opened.
    watch: Option<(File, u64)>,
}

impl Opened {
    /// Says so when a regular file got shorter while it was read (truncated in place by
    /// `copytruncate` rotation, or rewritten): reading stopped where the file then ended,
    /// so lines past that point were never seen. Call it at the end of input.
    pub fn shrink_warning(&self, spec: &InputSpec) -> Option<String> {
        let (file, at_open) = self.watch.as_ref()?;
        // `/proc` and similar files claim a length of 0: nothing to compare.
        if *at_open == 0 {
            return None;
        }
        let read = self.raw_offset.load(Ordering::Relaxed);
        let now = file.metadata().ok()?.len();
        (read < *at_open || now < read).then(|| {
            format!(
                "{}: the file shrank while it was read ({at_open} bytes when opened, {read} read, {now} now): \
                 it was truncated or rewritten in place, lines written over or cut off were not read",
                spec.name
            )
        })
    }
}

/// Counts the bytes that pass through, so a decompression error can say where it happened.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decompressed blocks handed over from the thread that decompresses, so decompression
/// and the analysis of the lines run on two cores. Blocks come in order; an error comes
/// after every block decoded before it, then the stream ends.
struct Decompressed {
    blocks: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
    /// The error the stream ended with, said again on every later call (as a decoder
    /// read directly would), so a reader handing out the line before it still sees it.
    failed: Option<(io::ErrorKind, String)>,
}

/// Bytes per block handed over.
const BLOCK: usize = 256 * 1024;

impl Decompressed {
    fn spawn(mut decoder: Box<dyn Read + Send>) -> Decompressed {
        // A few blocks ahead at most: memory stays bounded whatever the file's size.
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        std::thread::spawn(move || loop {
            let mut block = vec![0; BLOCK];
            let mut filled = 0;
            // Full blocks: a decoder may return a few bytes at a time.
            let res = loop {
                match decoder.read(&mut block[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == BLOCK {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            block.truncate(filled);
            if filled > 0 && tx.send(Ok(block)).is_err() {
                return;
            }
            match res {
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
                // A short block: the decoder reached the end.
                Ok(()) if filled < BLOCK => return,
                Ok(()) => {}
            }
        });
        Decompressed {
            blocks: rx,
            cur: Vec::new(),
            pos: 0,
            done: false,
            failed: None,
        }
    }
}

impl Read for Decompressed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, buf)
    }
}

/// `Read::read` of a reader whose `BufRead` side holds the text: what it has buffered,
/// copied out.
fn read_buffered(r: &mut impl BufRead, buf: &mut [u8]) -> io::Result<usize> {
    let avail = r.fill_buf()?;
    let n = avail.len().min(buf.len());
    buf[..n].copy_from_slice(&avail[..n]);
    r.consume(n);
    Ok(n)
}

impl BufRead for Decompressed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let (true, Some((kind, msg))) = (self.pos == self.cur.len(), &self.failed) {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        while self.pos == self.cur.len() && !self.done {
            match self.blocks.recv() {
                Ok(Ok(b)) => {
                    self.cur = b;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    self.failed = Some((e.kind(), e.to_string()));
                    return Err(e);
                }
                // The thread ended: the stream is complete.
                Err(_) => self.done = true,
            }
        }
        Ok(&self.cur[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.cur.len());
    }
}

/// Opens `spec`, detecting compression from its first bytes.
pub fn open(spec: &InputSpec, max_line: usize) -> Result<Opened> {
    let io_err = |source| Error::Io {
        input: spec.name.clone(),
        source,
    };
    let mut watch = None;
    let (raw, mtime): (Box<dyn Read + Send>, Option<SystemTime>) = match &spec.path {
        None => (Box::new(io::stdin()), None),
        Some(p) => {
            let meta = std::fs::metadata(p).map_err(io_err)?;
            if meta.is_dir() {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a directory (name the log files in it)",
                )));
            }
            // A FIFO opens once a writer does, then reads like a pipe.
            let f = File::open(p).map_err(io_err)?;
            if meta.is_file() {
                watch = f.try_clone().ok().map(|c| (c, meta.len()));
            }
            (Box::new(f), meta.modified().ok())
        }
    };
    let count = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(
        256 * 1024,
        CountingReader {
            inner: raw,
            count: count.clone(),
        },
    );
    let head = fill_at_least(&mut buffered, 6).map_err(io_err)?;
    if let Some(tool) = unread_compression(&head) {
        return Err(io_err(io::Error::new(
            io::ErrorKind::InvalidData,
            unread_note(tool, &spec.name),
        )));
    }
    let compression = sniff(&head);
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(Decompressed::spawn(Box::new(
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))),
        Compression::Zstd => Box::new(Decompressed::spawn(Box::new(
            zstd::stream::read::Decoder::with_buffer(buffered).map_err(io_err)?,
        ))),
    };
    let reader = utf16_to_utf8(reader).map_err(io_err)?;
    Ok(Opened {
        reader: LineReader::new(reader, max_line),
        compression,
        mtime,
        raw_offset: count,
        watch,
    })
}

/// `reader` as UTF-8 when it starts with a UTF-16 byte-order mark, else as it is.
/// PowerShell's `>` (`docker logs web > web.log` on Windows) writes UTF-16LE with one:
/// read as bytes, every line was "unknown".
fn utf16_to_utf8(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    let big_endian = match reader.fill_buf()? {
        [0xff, 0xfe, ..] => false,
        [0xfe, 0xff, ..] => true,
        _ => return Ok(reader),
    };
    reader.consume(2);
    Ok(Box::new(Utf16Reader {
        inner: reader,
        big_endian,
        out: Vec::new(),
        pos: 0,
        odd: None,
        high: None,
    }))
}

/// Decodes a UTF-16 stream (its byte-order mark read) to UTF-8 as it is read. A unit
/// that is not valid UTF-16 (a lone surrogate, an odd last byte) becomes U+FFFD, as a
/// lossy UTF-8 line does.
struct Utf16Reader {
    inner: Box<dyn BufRead + Send>,
    big_endian: bool,
    /// Decoded text, handed out from `pos`.
    out: Vec<u8>,
    pos: usize,
    /// A unit's first byte, whose second is in the next read.
    odd: Option<u8>,
    /// A high surrogate, whose low one is in the next read.
    high: Option<u16>,
}

impl Read for Utf16Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, buf)
    }
}

impl BufRead for Utf16Reader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.out.len() {
            self.out.clear();
            self.pos = 0;
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                // Half a unit, or a surrogate without its pair, at the end (`|`: both
                // are taken).
                if self.odd.take().is_some() | self.high.take().is_some() {
                    self.out.extend_from_slice("\u{fffd}".as_bytes());
                    continue;
                }
                break;
            }
            let n = chunk.len();
            let mut units: Vec<u16> = Vec::with_capacity(n / 2 + 2);
            units.extend(self.high.take());
            let mut bytes = self.odd.take().into_iter().chain(chunk.iter().copied());
            while let Some(a) = bytes.next() {
                match bytes.next() {
                    Some(b) if self.big_endian => units.push(u16::from_be_bytes([a, b])),
                    Some(b) => units.push(u16::from_le_bytes([a, b])),
                    None => self.odd = Some(a),
                }
            }
            self.inner.consume(n);
            if units.last().is_some_and(|u| (0xd800..0xdc00).contains(u)) {
                self.high = units.pop();
            }
            for c in char::decode_utf16(units) {
                let mut b = [0; 4];
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
        Ok(&self.out[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.out.len());
    }
}

/// Peeks at up to `n` bytes without consuming them (a pipe may deliver them piecemeal).
fn fill_at_least<R: BufRead>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let buf = r.fill_buf()?;
    Ok(buf[..buf.len().min(n)].to_vec())
}

/// Names the compression of a stream from its first bytes.
pub fn sniff(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// The tool that made a compressed stream logweave does not decompress, told by its
/// first bytes: read as text it would be garbage, counted line by line as unparsed.
pub(crate) fn unread_compression(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        Some("bzip2")
    } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        Some("lz4")
    } else {
        None
    }
}

/// What to tell of a file compressed with `tool`, which logweave does not read.
pub(crate) fn unread_note(tool: &str, name: &str) -> String {
    format!(
        "compressed with {tool}, which logweave does not read: decompress it first \
         (`{tool} -dc {name} | logweave scan -`)"
    )
}

/// Turns a read error from a decompressor into the error a person should see.
pub fn read_error(spec: &InputSpec, compression: Compression, offset: u64, e: io::Error) -> Error {
    match compression {
        Compression::None => Error::Io {
            input: spec.name.clone(),
            source: e,
        },
        _ => Error::Corrupt {
            input: spec.name.clone(),
            offset,
            detail: e.to_string(),
        },
    }
}

/// One line as read: its bytes without the terminator, and whether it was cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineMeta {
    /// The line was longer than the limit; only its start was kept.
    pub truncated: bool,
    /// The line ended at end of input without a newline.
    pub unterminated: bool,
    /// The reader's [`Finder`] found nothing in the line: no text taken from its bytes
    /// as they are holds what it looks for. False when not known.
    pub clean: bool,
    /// The reader found no escape byte (`ESC`) in the line: it holds no ANSI colour to
    /// strip. False when not known.
    pub plain: bool,
}

/// Finds where the first of some short texts starts in a buffer (the packs' literal
/// fragments): [`LineReader::next_line_ref`] searches each buffer once with it instead of
/// each line apart, and marks the lines it found nothing in [`LineMeta::clean`]. None of
/// the texts may hold `\n` or `\r`, so an occurrence never spans two lines.
pub type Finder = Arc<dyn Fn(&[u8]) -> Option<usize> + Send + Sync>;

/// Splits a byte stream into lines, keeping at most `max_line` bytes of each so a
/// gigantic line costs bounded memory. `\n`, `\r\n` and a lone `\r` end a line.
pub struct LineReader<R> {
    inner: R,
    max_line: usize,
    /// The last line ended with `\r` at the end of a buffer: a `\n` next belongs to it.
    after_cr: bool,
    /// Bytes handed out so far (decompressed).
    pub bytes: u64,
    /// Bytes of the line [`LineReader::next_line_ref`] lent out, consumed at the next call.
    lent: usize,
    finder: Option<Finder>,
    /// How far the finder's texts are known absent.
    clear: Clear,
    /// How far escape bytes are known absent.
    no_escape: Clear,
}

/// How far ahead a search of a reader's buffer found nothing: the stream's bytes from
/// the current line up to `to` hold no find, and one starts at `to` when `found` is set.
/// Each buffer is searched about once whatever the lines' lengths.
#[derive(Default)]
struct Clear {
    to: u64,
    found: bool,
}

impl Clear {
    /// True when `search` finds nothing in the `len` bytes of the line at stream offset
    /// `start`; `chunk` is the buffer from `start` on (the line and what follows it).
    fn line_clear(
        &mut self,
        start: u64,
        len: usize,
        chunk: &[u8],
        search: impl Fn(&[u8]) -> Option<usize>,
    ) -> bool {
        let end = start + len as u64;
        if self.to < start {
            self.to = start;
            self.found = false;
        }
        if self.to < end && !self.found {
            let from = (self.to - start) as usize;
            match search(&chunk[from..]) {
                Some(p) => {
                    self.to += p as u64;
                    self.found = true;
                }
                None => self.to = start + chunk.len() as u64,
            }
        }
        self.to >= end
    }
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a buffered reader.
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            max_line: max_line.max(1),
            after_cr: false,
            bytes: 0,
            lent: 0,
            finder: None,
            clear: Clear::default(),
            no_escape: Clear::default(),
        }
    }

    /// Marks the lines `finder` finds nothing in as [`LineMeta::clean`] (only lines that
    /// [`LineReader::next_line_ref`] lends out whole from a buffer).
    pub fn set_finder(&mut self, finder: Finder) {
        self.finder = Some(finder);
    }

    /// The reader underneath, for a caller that splits lines itself (`watch` takes
    /// whatever has arrived instead of waiting for a line).
    pub fn into_inner(mut self) -> R {
        self.settle_lent();
        self.inner
    }

    /// The next line, lent from the reader's buffer when it lies whole in it (most lines:
    /// no copy), else read into `spill` as [`LineReader::next_line`] does. `Ok(None)` at
    /// end of input.
    pub fn next_line_ref<'a>(
        &'a mut self,
        spill: &'a mut Vec<u8>,
    ) -> io::Result<Option<(&'a [u8], LineMeta)>> {
        self.settle_lent();
        // (bytes of text, bytes of terminator), when the buffer holds the whole line.
        let whole = match (self.after_cr, self.inner.fill_buf()) {
            (false, Ok(chunk)) => match memchr::memchr2(b'\n', b'\r', chunk) {
                Some(i) if chunk[i] == b'\n' => Some((i, 1)),
                Some(i) => chunk
                    .get(i + 1)
                    .map(|&b| (i, if b == b'\n' { 2 } else { 1 })),
                None => None,
            },
            _ => None,
        };
        let Some((take, term)) = whole else {
            let meta = self.next_line(spill)?;
            return Ok(meta.map(|m| (spill.as_slice(), m)));
        };
        let chunk = self.inner.fill_buf()?;
        let start = self.bytes;
        let clean = match &self.finder {
            Some(f) => self.clear.line_clear(start, take, chunk, |h| f(h)),
            None => false,
        };
        let plain = self
            .no_escape
            .line_clear(start, take, chunk, |h| memchr::memchr(0x1b, h));
        let kept = take.min(self.max_line);
        self.lent = take + term;
        self.bytes += self.lent as u64;
        Ok(Some((
            &chunk[..kept],
            LineMeta {
                truncated: kept < take,
                unterminated: false,
                clean,
                plain,
            },
        )))
    }

    fn settle_lent(&mut self) {
        if self.lent > 0 {
            self.inner.consume(std::mem::take(&mut self.lent));
        }
    }

    /// Reads the next line into `buf` (cleared first). `Ok(None)` at end of input.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<LineMeta>> {
        self.settle_lent();
        buf.clear();
        let mut truncated = false;
        let mut any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Hand out what was read before the error; report the error next call.
                    if any {
                        return Ok(Some(LineMeta {
                            truncated,
                            unterminated: true,
                            clean: false,
                            plain: false,
                        }));
                    }
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                return Ok(any.then_some(LineMeta {
                    truncated,
                    unterminated: true,
                    clean: false,
                    plain: false,
                }));
            }
            if std::mem::take(&mut self.after_cr) && chunk[0] == b'\n' {
                self.inner.consume(1);
                self.bytes += 1;
                continue;
            }
            any = true;
            // (bytes of text, bytes of terminator)
            let (take, term) = match memchr::memchr2(b'\n', b'\r', chunk) {
                Some(i) if chunk[i] == b'\n' => (i, 1),
                Some(i) => match chunk.get(i + 1) {
                    Some(b'\n') => (i, 2),
                    Some(_) => (i, 1),
                    None => {
                        self.after_cr = true;
                        (i, 1)
                    }
                },
                None => (chunk.len(), 0),
            };
            let room = self.max_line.saturating_sub(buf.len());
            if take > room {
                truncated = true;
            }
            buf.extend_from_slice(&chunk[..take.min(room)]);
            let used = take + term;
            self.inner.consume(used);
            self.bytes += used as u64;
            if term > 0 {
                return Ok(Some(LineMeta {
                    truncated,
                    unterminated: false,
                    clean: false,
                    plain: false,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8], max: usize) -> Vec<(Vec<u8>, LineMeta)> {
        let mut r = LineReader::new(io::BufReader::with_capacity(7, data), max);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(m) = r.next_line(&mut buf).unwrap() {
            out.push((buf.clone(), m));
        }
        out
    }

    /// Every line by [`LineReader::next_line_ref`], with a finder for `needle` when given.
    fn lines_ref(
        data: &[u8],
        cap: usize,
        max: usize,
        needle: Option<&'static [u8]>,
    ) -> (Vec<(Vec<u8>, LineMeta)>, u64) {
        let mut r = LineReader::new(io::BufReader::with_capacity(cap, data), max);
        if let Some(n) = needle {
            r.set_finder(Arc::new(move |hay: &[u8]| memchr::memmem::find(hay, n)));
        }
        let mut out = Vec::new();
        let mut spill = Vec::new();
        while let Some((l, m)) = r.next_line_ref(&mut spill).unwrap() {
            out.push((l.to_vec(), m));
        }
        (out, r.bytes)
    }

    proptest::proptest! {
        #[test]
        fn lent_lines_are_the_copied_lines_and_clean_or_plain_ones_hold_no_find(
            data in proptest::collection::vec(
                proptest::sample::select(b"ab\r\n x\x1b".to_vec()), 0..300),
            cap in 1usize..40,
            max in 1usize..12,
        ) {
            let mut r = LineReader::new(io::BufReader::with_capacity(cap, &data[..]), max);
            let mut want = Vec::new();
            let mut buf = Vec::new();
            while let Some(m) = r.next_line(&mut buf).unwrap() {
                want.push((buf.clone(), m));
            }
            let (got, bytes) = lines_ref(&data, cap, max, Some(b"ab"));
            proptest::prop_assert_eq!(bytes, r.bytes);
            proptest::prop_assert_eq!(got.len(), want.len());
            for ((g, gm), (w, wm)) in got.iter().zip(&want) {
                proptest::prop_assert_eq!(g, w);
                proptest::prop_assert_eq!((gm.truncated, gm.unterminated), (wm.truncated, wm.unterminated));
                if gm.clean {
                    proptest::prop_assert!(memchr::memmem::find(g, b"ab").is_none());
                }
                if gm.plain {
                    proptest::prop_assert!(!g.contains(&0x1b));
                }
            }
        }
    }

    #[test]
    fn a_finder_marks_the_lines_it_finds_nothing_in_clean_across_buffer_refills() {
        let mut data = Vec::new();
        for i in 0..2000 {
            let line = if i % 7 == 0 {
                "a WebSocket line"
            } else {
                "nothing here"
            };
            data.extend_from_slice(format!("{line} {i}\n").as_bytes());
        }
        let (got, _) = lines_ref(&data, 4096, 100, Some(b"WebSocket"));
        assert_eq!(got.len(), 2000);
        let dirty: Vec<usize> = (0..2000).filter(|i| !got[*i].1.clean).collect();
        // Lines cut by a refill are copied and not known clean; every other line is.
        assert!(dirty
            .iter()
            .all(|i| i % 7 == 0 || got[*i].0.starts_with(b"nothing")));
        assert!(
            dirty.iter().filter(|i| *i % 7 != 0).count() < 20,
            "{dirty:?}"
        );
        assert!((0..2000).filter(|i| i % 7 == 0).all(|i| !got[i].1.clean));
        // Without a finder no line is known clean.
        let (plain, _) = lines_ref(&data, 4096, 100, None);
        assert!(plain.iter().all(|(_, m)| !m.clean));
    }

    #[test]
    fn crlf_is_trimmed_and_last_line_without_newline_is_kept() {
        let l = lines(b"a\r\nbb\n\nccc", 100);
        let texts: Vec<_> = l.iter().map(|(b, _)| b.as_slice()).collect();
        assert_eq!(texts, vec![&b"a"[..], b"bb", b"", b"ccc"]);
        assert!(l[3].1.unterminated && !l[2].1.unterminated);
    }

    #[test]
    fn lone_cr_ends_a_line_and_crlf_split_across_buffers_is_one_end() {
        // Buffers of 7 bytes put the CR LF of "abcdef\r\n" across a refill.
        let l = lines(b"mac 1\rmac 2\rabcdef\r\nunix\n\r", 100);
        let texts: Vec<_> = l.iter().map(|(b, _)| b.as_slice()).collect();
        assert_eq!(
            texts,
            vec![&b"mac 1"[..], b"mac 2", b"abcdef", b"unix", b""]
        );
        let mut r = LineReader::new(
            io::BufReader::with_capacity(7, &b"abcdef\r\nunix\n"[..]),
            100,
        );
        let mut buf = Vec::new();
        while r.next_line(&mut buf).unwrap().is_some() {}
        assert_eq!(
            r.bytes, 13,
            "every byte, terminators included, is counted once"
        );
    }

    #[test]
    fn file_truncated_while_read_is_noticed_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rotating.log");
        std::fs::write(&p, "a line of log\n".repeat(100_000)).unwrap();
        let spec = InputSpec::from_arg(p.to_str().unwrap());
        let mut o = open(&spec, DEFAULT_MAX_LINE).unwrap();
        let mut buf = Vec::new();
        o.reader.next_line(&mut buf).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(10)
            .unwrap();
        while o.reader.next_line(&mut buf).unwrap().is_some() {}
        let w = o.shrink_warning(&spec).expect("a warning");
        assert!(w.contains("rotating.log") && w.contains("shrank"), "{w}");
    }

    #[test]
    fn file_read_whole_gives_no_shrink_warning() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("calm.log");
        std::fs::write(&p, "one\ntwo\n").unwrap();
        let spec = InputSpec::from_arg(p.to_str().unwrap());
        let mut o = open(&spec, DEFAULT_MAX_LINE).unwrap();
        let mut buf = Vec::new();
        while o.reader.next_line(&mut buf).unwrap().is_some() {}
        assert_eq!(o.shrink_warning(&spec), None);
    }

    #[test]
    fn overlong_line_is_cut_and_flagged_and_next_line_survives() {
        let mut data = vec![b'x'; 1000];
        data.extend_from_slice(b"\nnext\n");
        let l = lines(&data, 10);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0.len(), 10);
        assert!(l[0].1.truncated);
        assert_eq!(l[1].0, b"next");
        assert!(!l[1].1.truncated);
    }

    #[test]
    fn compressions_logweave_does_not_read_are_named_not_read_as_text() {
        assert_eq!(
            unread_compression(&[0xfd, b'7', b'z', b'X', b'Z', 0]),
            Some("xz")
        );
        assert_eq!(unread_compression(b"BZh91AY&SY"), Some("bzip2"));
        assert_eq!(
            unread_compression(&[0x04, 0x22, 0x4d, 0x18, 0x64]),
            Some("lz4")
        );
        assert_eq!(unread_compression(b"BZh is a word"), None);
        assert_eq!(unread_compression(b"2026-11-23 x"), None);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("access.log.1.xz");
        std::fs::write(&p, [0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4]).unwrap();
        let spec = InputSpec::from_arg(p.to_str().unwrap());
        let e = open(&spec, DEFAULT_MAX_LINE).err().unwrap().to_string();
        assert!(
            e.contains("compressed with xz") && e.contains("xz -dc"),
            "{e}"
        );
    }

    #[test]
    fn compression_is_recognised_by_content() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"Nov 2"), Compression::None);
        assert_eq!(sniff(b""), Compression::None);
    }

    /// Gives `data` a few bytes at a time, then fails.
    struct FailingAfter {
        data: Vec<u8>,
        pos: usize,
    }

    impl Read for FailingAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt block"));
            }
            let n = buf.len().min(3).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    /// Regression: a log PowerShell redirected (`docker logs web > web.log`) is UTF-16LE
    /// with a byte-order mark; every line was "unknown". Big-endian too, a character
    /// outside the BMP split across reads, and a lone surrogate made U+FFFD.
    #[test]
    fn a_utf16_stream_with_its_byte_order_mark_is_read_as_text() {
        let text = "127.0.0.1:40000 - - \"WSCONNECT /ws/\u{1f600}/\" - -\r\nsecond line\n";
        let encode = |big: bool| {
            let mut b = if big {
                vec![0xfe, 0xff]
            } else {
                vec![0xff, 0xfe]
            };
            for u in text.encode_utf16() {
                b.extend(if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            b
        };
        for big in [false, true] {
            // A 3-byte buffer splits units and the surrogate pair across reads.
            let inner = Box::new(io::BufReader::with_capacity(
                3,
                io::Cursor::new(encode(big)),
            ));
            let mut r = LineReader::new(utf16_to_utf8(inner).unwrap(), 1 << 20);
            let mut buf = Vec::new();
            let mut lines = Vec::new();
            while r.next_line(&mut buf).unwrap().is_some() {
                lines.push(String::from_utf8(buf.clone()).unwrap());
            }
            assert_eq!(
                lines,
                [
                    "127.0.0.1:40000 - - \"WSCONNECT /ws/\u{1f600}/\" - -",
                    "second line"
                ],
                "big endian: {big}"
            );
        }
        let lone = vec![0xff, 0xfe, 0x00, 0xd8, b'a', 0x00];
        let inner = Box::new(io::Cursor::new(lone));
        let mut out = String::new();
        utf16_to_utf8(inner)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "\u{fffd}a");
        // Without a mark, bytes are read as they are.
        let inner = Box::new(io::Cursor::new(b"plain\n".to_vec()));
        let mut out = String::new();
        utf16_to_utf8(inner)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "plain\n");
    }

    #[test]
    fn decompressing_on_a_thread_keeps_every_line_before_the_error_and_then_reports_it() {
        let mut data = Vec::new();
        for i in 0..100_000 {
            data.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        data.extend_from_slice(b"half a li");
        let d = Decompressed::spawn(Box::new(FailingAfter { data, pos: 0 }));
        let mut r = LineReader::new(d, 100);
        let mut buf = Vec::new();
        let mut n = 0;
        let mut last = Vec::new();
        let err = loop {
            match r.next_line(&mut buf) {
                Ok(Some(_)) => {
                    if n < 100_000 {
                        assert_eq!(buf, format!("line {n}").as_bytes());
                    }
                    n += 1;
                    last = buf.clone();
                }
                Ok(None) => panic!("the error was lost after {n} lines"),
                Err(e) => break e,
            }
        };
        // Every whole line, then the cut one, then the error.
        assert_eq!(n, 100_001);
        assert_eq!(last, b"half a li");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("corrupt block"));
    }
}
