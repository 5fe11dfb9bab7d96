//! The literal prefilter's first look: a few short fragments searched with SIMD.
//!
//! ```text
//! text ─► Teddy over ≤ 64 fragments ─► none: no literal here (most lines)
//!                                   └► some: the full Aho-Corasick DFA decides
//! ```
//!
//! Every literal of the packs contains at least one fragment, so a text without any
//! fragment holds no literal, and the answer is always the full automaton's. The packs
//! have hundreds of literals: too many for Teddy, and a DFA over them walks every byte
//! (about 2.5 ns a byte, most of a non-matching line's search). A few dozen 4-byte
//! fragments cover them all and Teddy skips through text that holds none at several
//! bytes a nanosecond.

use aho_corasick::packed;
use aho_corasick::AhoCorasick;

/// The most fragments Teddy takes (its own heuristic limit).
const MAX_FRAGMENTS: usize = 64;
/// Fragment length: at 3 bytes the fragments of the built-in packs hit almost every
/// line, at 5 they need more than Teddy takes; 4 passes few lines the full search fails.
const FRAGMENT: usize = 4;

/// Tells whether a text holds one of a set of literals: the fragments first, then the
/// full automaton.
#[derive(Clone, Debug)]
pub(crate) struct LiteralScan {
    /// `None` when no small cover was found or Teddy is not available on this CPU: then
    /// the full automaton looks at every text.
    fragments: Option<packed::Searcher>,
    /// How far into a literal its first fragment may start: a literal starts at most
    /// this many bytes before the first fragment found in a text.
    reach: usize,
    full: AhoCorasick,
}

impl LiteralScan {
    /// A scan for `literals`, which `full` searches for.
    pub(crate) fn new(literals: &[String], full: AhoCorasick) -> LiteralScan {
        let fragments = cover(literals).and_then(packed::Searcher::new);
        // A literal's first fragment is where the search finds one in it.
        let reach = fragments.as_ref().map_or(0, |f| {
            literals
                .iter()
                .map(|l| f.find(l).map_or(l.len(), |m| m.start()))
                .max()
                .unwrap_or(0)
        });
        LiteralScan {
            fragments,
            reach,
            full,
        }
    }

    /// Where in `text` the first literal may start, or `None` when `text` holds none: an
    /// overlapping search for every literal can start there. Only the fragments are
    /// looked for: when they pass a text, that search itself finds whether it holds a
    /// literal, and a first look with the full automaton would only walk it twice.
    pub(crate) fn start(&self, text: &str) -> Option<usize> {
        match &self.fragments {
            Some(f) => f.find(text).map(|m| m.start().saturating_sub(self.reach)),
            None => Some(0),
        }
    }

    /// Where the first fragment starts in `hay`: where none does, no literal does either.
    /// `None` when there are no fragments to search for.
    pub(crate) fn fragments(&self) -> Option<&packed::Searcher> {
        self.fragments.as_ref()
    }

    /// True when `text` holds one of the literals (as `full.is_match` says).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if let Some(f) = &self.fragments {
            if f.find(text).is_none() {
                return false;
            }
        }
        self.full.is_match(text)
    }
}

/// How rare a byte is in log text, roughly: fragments of rare bytes pass fewer lines that
/// hold no literal.
fn rarity(b: u8) -> u64 {
    match b {
        b' ' => 0,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'0'..=b'9' => 1,
        b'a'..=b'z' => 2,
        b'A'..=b'Z' | b'/' | b'.' | b'-' | b':' | b'_' => 3,
        _ => 4,
    }
}

/// Fragments such that every literal contains one, at most [`MAX_FRAGMENTS`]; `None`
/// when there are no literals or no such cover was found.
///
/// Greedy set cover over each literal's [`FRAGMENT`]-byte windows (a shorter literal is
/// its own window): the window that covers the most literals not yet covered, weighted
/// by the rarity of its bytes, ties to the smallest bytes, so the choice is the same
/// every run.
fn cover(literals: &[String]) -> Option<Vec<Vec<u8>>> {
    let mut lits: Vec<&[u8]> = literals.iter().map(|l| l.as_bytes()).collect();
    lits.sort_unstable();
    lits.dedup();
    if lits.is_empty() || lits.iter().any(|l| l.is_empty()) {
        return None;
    }
    let words = lits.len().div_ceil(64);
    // Which literals hold each window, as a bit set over `lits`.
    let mut holders: std::collections::BTreeMap<&[u8], Vec<u64>> = Default::default();
    for (i, l) in lits.iter().enumerate() {
        for w in l.windows(FRAGMENT.min(l.len())) {
            holders.entry(w).or_insert_with(|| vec![0; words])[i / 64] |= 1 << (i % 64);
        }
    }
    // A literal holds a full-length window only as one of its own windows; a short
    // literal (its own window) may also sit inside longer ones.
    for (w, bits) in holders.iter_mut().filter(|(w, _)| w.len() < FRAGMENT) {
        for (i, l) in lits.iter().enumerate() {
            if memchr::memmem::find(l, w).is_some() {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
    }
    let mut uncovered = vec![0u64; words];
    for i in 0..lits.len() {
        uncovered[i / 64] |= 1 << (i % 64);
    }
    // (window, rarity weight, holders), in byte order so that a tie keeps the smaller
    // window; windows that cover nothing left are dropped as the cover grows.
    let mut windows: Vec<(&[u8], u64, Vec<u64>)> = holders
        .into_iter()
        .map(|(w, bits)| (w, 1 + w.iter().map(|&b| rarity(b)).sum::<u64>(), bits))
        .collect();
    let mut chosen = Vec::new();
    while uncovered.iter().any(|&w| w != 0) {
        if chosen.len() == MAX_FRAGMENTS {
            return None;
        }
        let mut best: Option<(u64, usize)> = None;
        windows.retain(|(_, _, bits)| bits.iter().zip(&uncovered).any(|(b, u)| b & u != 0));
        for (i, (_, weight, bits)) in windows.iter().enumerate() {
            let covers: u64 = bits
                .iter()
                .zip(&uncovered)
                .map(|(b, u)| u64::from((b & u).count_ones()))
                .sum();
            let score = covers * weight;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
        let (_, i) = best?;
        let (w, _, bits) = &windows[i];
        for (u, b) in uncovered.iter_mut().zip(bits) {
            *u &= !b;
        }
        chosen.push(w.to_vec());
    }
    Some(bucketed(chosen))
}

/// Buckets of fat Teddy, which searches more than 32 fragments.
const TEDDY_BUCKETS: usize = 16;

/// `fragments` in the order that gives Teddy buckets of alike fragments. Teddy puts the
/// fragment with id `i` in bucket `15 - i % 16` (unless one with the same low nybbles
/// came first), and a bucket lets through every text whose bytes match, position by
/// position, the nybbles of any of its fragments: alike fragments in one bucket let
/// through fewer texts that hold none of them. So the sorted fragments are cut into 16
/// runs, and run `j` takes the ids `j`, `j + 16`, `j + 32`... (the longer runs first,
/// so that the ids stay consecutive). The greedy cover's order, which each new literal
/// reshuffles, left it to chance: a scan of the 32 MB benchmark corpus took 2,719 M
/// instructions with stop 34's packs, and 2,747 M once a pack added five literals but
/// no fragment (the fragment search alone went from 94 M to 124 M); in this order the
/// two take 2,690 M and 2,693 M.
fn bucketed(mut fragments: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    fragments.sort_unstable();
    let n = fragments.len();
    let per = n.div_ceil(TEDDY_BUCKETS).max(1);
    // The first `long` runs hold `per` fragments, the others one fewer.
    let long = n - (per - 1) * TEDDY_BUCKETS;
    let size = |j: usize| if j < long { per } else { per - 1 };
    let mut runs: Vec<std::vec::IntoIter<Vec<u8>>> = Vec::with_capacity(TEDDY_BUCKETS);
    let mut rest = fragments.into_iter();
    for j in 0..TEDDY_BUCKETS {
        runs.push(rest.by_ref().take(size(j)).collect::<Vec<_>>().into_iter());
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..per {
        for run in &mut runs {
            out.extend(run.next());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(lits: &[&str]) -> LiteralScan {
        let lits: Vec<String> = lits.iter().map(|s| s.to_string()).collect();
        LiteralScan::new(&lits, AhoCorasick::new(&lits).unwrap())
    }

    #[test]
    fn alike_fragments_share_a_teddy_bucket_and_none_is_lost() {
        // 62 fragments, as the built-in packs have: 14 runs of 4 and 2 of 3.
        let frags: Vec<Vec<u8>> = (0..62u8).rev().map(|i| vec![b'a' + i / 4, i]).collect();
        let out = bucketed(frags.clone());
        let mut sorted = frags.clone();
        sorted.sort();
        let mut back = out.clone();
        back.sort();
        assert_eq!(back, sorted, "every fragment once");
        // Fragment `id` goes to bucket `id % 16` (mirrored): each bucket holds a run of
        // the sorted fragments.
        let mut buckets: Vec<Vec<&Vec<u8>>> = vec![Vec::new(); TEDDY_BUCKETS];
        for (id, f) in out.iter().enumerate() {
            buckets[id % TEDDY_BUCKETS].push(f);
        }
        let mut at = 0;
        for (j, b) in buckets.iter().enumerate() {
            let want: Vec<&Vec<u8>> = sorted[at..at + b.len()].iter().collect();
            assert_eq!(*b, want, "bucket {j}");
            assert_eq!(b.len(), if j < 14 { 4 } else { 3 });
            at += b.len();
        }
        assert_eq!(bucketed(vec![b"ab".to_vec()]), vec![b"ab".to_vec()]);
        assert!(bucketed(Vec::new()).is_empty());
    }

    #[test]
    fn every_literal_holds_a_fragment() {
        let lits: Vec<String> = [
            "Middleware] Token found: ",
            "Consumer] Connection closed",
            "\" 101 ",
            "ws",
            "🔌 WebSocket",
            "chat_",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let frags = cover(&lits).expect("a cover");
        for l in &lits {
            assert!(
                frags
                    .iter()
                    .any(|f| memchr::memmem::find(l.as_bytes(), f).is_some()),
                "{l:?} holds none of {frags:?}"
            );
        }
    }

    #[test]
    fn answers_as_the_full_automaton_does() {
        let s = scan(&["Token found: ", "\" 101 ", "chat_", "ws"]);
        for (text, want) in [
            ("INFO Token found: abc", true),
            ("1.2.3.4 - - [x] \"GET /ws/ HTTP/1.1\" 101 0", true),
            (
                "nothing to see here, just a long enough line of text",
                false,
            ),
            ("joined chat_12", true),
            ("", false),
            ("w", false),
            ("Token found", false),
        ] {
            assert_eq!(s.is_match(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_literal_never_starts_before_where_the_search_starts() {
        let lits = [
            "Token found: ",
            "\" 101 ",
            "chat_",
            "ws",
            "WebSocket HANDSHAKING",
        ];
        let s = scan(&lits);
        for text in [
            "INFO Token found: abc",
            "1.2.3.4 - - [x] \"GET /ws/ HTTP/1.1\" 101 0",
            "a long prefix before the literal: WebSocket HANDSHAKING /ws/",
            "x chat_1 ws",
            "no literal in this text at all, though it is long",
        ] {
            let first = lits.iter().filter_map(|l| text.find(l)).min();
            match (s.start(text), first) {
                (Some(at), Some(first)) => assert!(at <= first, "{text:?}: {at} > {first}"),
                // The fragments may pass a text the full search then finds nothing in.
                (_, None) => {}
                (None, Some(_)) => panic!("{text:?}: a literal was missed"),
            }
        }
    }

    #[test]
    fn no_literals_means_no_fragments() {
        assert!(cover(&[]).is_none());
        assert!(scan(&[]).fragments.is_none());
    }
}
