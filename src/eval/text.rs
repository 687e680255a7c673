//! String operators: string literals ([`StrLit`]) for `eq`, `starts_with`
//! and `ends_with`, substring search ([`Needle`]) for `contains`, string sets
//! ([`StrSet`]) for `in`, and the word-level `phrase` and `words` (with
//! stemming). These are the hot paths, fast on ASCII without allocating.

use std::fmt;

use memchr::memmem;

use super::fold::{contains_folded, ends_folded, eq_folded, lower, starts_folded};

/// A string literal for `eq`, `in`, `contains`, `starts_with`,
/// `ends_with`: Unicode-lowercased when case-insensitive.
///
/// Folding text to ASCII lowercase letters needs no Unicode tables when the
/// literal is ASCII: of all non-ASCII characters only U+212A KELVIN SIGN
/// (→ `k`) and U+0130 (→ `i` and U+0307) lowercase to anything containing
/// ASCII (checked over every `char` by a unit test), so text folds to ASCII
/// only through its ASCII characters and Kelvin signs, and an ASCII literal
/// without `i` and `k` matches only ASCII characters, compared ignoring
/// ASCII case.
#[derive(Debug)]
pub(super) struct StrLit {
    text: Box<str>,
    ci: bool,
    /// Case-insensitive and `text` is ASCII.
    ascii: bool,
    /// `ascii` and `text` has no `i` or `k`.
    plain: bool,
    /// `ascii` and `text` has a `k` (which a Kelvin sign folds to).
    has_k: bool,
    /// When `ascii`: per byte of `text`, `0x20` for a letter (setting that
    /// bit maps `A` to `a`), 0 otherwise.
    mask: Box<[u8]>,
}

impl StrLit {
    /// Prepares a literal; `ci` when compared case-insensitively.
    pub(super) fn new(s: &str, ci: bool) -> StrLit {
        let text: Box<str> = if ci { lower(s).into() } else { s.into() };
        let ascii = ci && text.is_ascii();
        let mask = if ascii {
            text.bytes()
                .map(|b| if b.is_ascii_lowercase() { 0x20 } else { 0 })
                .collect()
        } else {
            Box::default()
        };
        StrLit {
            plain: ascii && !text.bytes().any(|b| b == b'i' || b == b'k'),
            has_k: ascii && text.contains('k'),
            ascii,
            mask,
            text,
            ci,
        }
    }

    /// Does `x` equal the literal (after folding when case-insensitive)?
    #[inline(always)]
    pub(super) fn eq(&self, x: &str) -> bool {
        let t = &*self.text;
        if self.ascii {
            // `x` folds to ASCII only if it is ASCII but for Kelvin signs,
            // each 3 bytes folding to 1: equal lengths mean plain ASCII, a
            // shorter `x` cannot match, a longer one only through a Kelvin
            // sign.
            if x.len() == t.len() {
                return eq_lowercase(x.as_bytes(), t.as_bytes(), &self.mask);
            }
            if x.len() < t.len() || !self.has_k {
                return false;
            }
        } else if !self.ci {
            return x == t;
        }
        self.eq_slow(x)
    }

    /// Case-insensitive equality through full folding.
    #[inline(never)]
    fn eq_slow(&self, x: &str) -> bool {
        !(self.ascii && x.is_ascii()) && eq_folded(x, &self.text)
    }

    /// Does `x` start with the literal (after folding when
    /// case-insensitive)?
    #[inline(always)]
    pub(super) fn starts(&self, x: &str) -> bool {
        let t = &*self.text;
        match (self.ci, self.plain) {
            (false, _) => x.starts_with(t),
            (true, true) => {
                x.len() >= t.len()
                    && eq_lowercase(&x.as_bytes()[..t.len()], t.as_bytes(), &self.mask)
            }
            (true, false) => starts_folded(x, t),
        }
    }

    /// Does `x` end with the literal (after folding when
    /// case-insensitive)?
    #[inline(always)]
    pub(super) fn ends(&self, x: &str) -> bool {
        let t = &*self.text;
        match (self.ci, self.plain) {
            (false, _) => x.ends_with(t),
            (true, true) => {
                x.len() >= t.len()
                    && eq_lowercase(&x.as_bytes()[x.len() - t.len()..], t.as_bytes(), &self.mask)
            }
            (true, false) => ends_folded(x, t),
        }
    }
}

/// A string literal for `contains` on a string: the [`StrLit`] with a
/// substring searcher built once.
#[derive(Debug)]
pub(super) struct Needle {
    /// Also used by `contains` on arrays, which compares elements whole.
    pub(super) lit: StrLit,
    /// Searches for the literal's text (lowercased when case-insensitive).
    finder: memmem::Finder<'static>,
    /// The text has an ASCII letter.
    letters: bool,
}

impl Needle {
    /// Prepares a literal; `ci` when compared case-insensitively.
    pub(super) fn new(s: &str, ci: bool) -> Needle {
        let lit = StrLit::new(s, ci);
        Needle {
            finder: memmem::Finder::new(lit.text.as_bytes()).into_owned(),
            letters: lit.text.bytes().any(|b| b.is_ascii_alphabetic()),
            lit,
        }
    }

    /// Is the literal a substring of `x` (after folding when
    /// case-insensitive)?
    #[inline]
    pub(super) fn contained_in(&self, x: &str) -> bool {
        let lit = &self.lit;
        let (h, n) = (x.as_bytes(), lit.text.as_bytes());
        // Folding ASCII text changes only letters: without any, the search
        // is for the text as it is.
        if !lit.ci || lit.plain && !self.letters {
            return match n {
                [b] => contains_byte(h, *b),
                _ => self.finder.find(h).is_some(),
            };
        }
        if !lit.plain {
            return contains_folded(x, &lit.text);
        }
        // Candidates start with either case of the first letter.
        let Some(last) = h.len().checked_sub(n.len()) else {
            return false;
        };
        let first = n[0];
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=last])
            .any(|at| eq_lowercase(&h[at..at + n.len()], n, &lit.mask))
    }
}

/// Does `h` contain the byte `b`? Field values are mostly short, where
/// eight bytes at a time beat setting up a vectorised search.
#[inline]
fn contains_byte(h: &[u8], b: u8) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    if h.len() < 8 {
        return h.contains(&b);
    }
    if h.len() > 64 {
        return memchr::memchr(b, h).is_some();
    }
    let splat = ONES * u64::from(b);
    // A zero byte in `w ^ splat` is a match.
    let any = |at: usize| {
        let x = u64::from_le_bytes(h[at..at + 8].try_into().expect("eight bytes")) ^ splat;
        x.wrapping_sub(ONES) & !x & HIGH != 0
    };
    let mut at = 0;
    while at + 8 < h.len() {
        if any(at) {
            return true;
        }
        at += 8;
    }
    // The last eight bytes, overlapping the previous word.
    any(h.len() - 8)
}

/// `x` equals the ASCII lowercase `t` ignoring ASCII case, where `mask`
/// has `0x20` at the letters of `t` (all three of one length): eight bytes
/// at a time, `x | mask == t`.
#[inline(always)]
fn eq_lowercase(x: &[u8], t: &[u8], mask: &[u8]) -> bool {
    let n = t.len();
    if x.len() != n || mask.len() != n {
        return false;
    }
    let word =
        |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    if n < 8 {
        if n < 4 {
            return x.iter().zip(mask).zip(t).all(|((x, m), t)| x | m == *t);
        }
        // Two overlapping four-byte words.
        let half =
            |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"));
        return half(x, 0) | half(mask, 0) == half(t, 0)
            && half(x, n - 4) | half(mask, n - 4) == half(t, n - 4);
    }
    let mut at = 0;
    while at + 8 < n {
        if word(x, at) | word(mask, at) != word(t, at) {
            return false;
        }
        at += 8;
    }
    // The last eight bytes, overlapping the previous word.
    word(x, n - 8) | word(mask, n - 8) == word(t, n - 8)
}

/// The strings of an `in` list that holds only strings.
#[derive(Debug)]
pub(super) struct StrSet {
    /// Sorted, without duplicates; lowercased when `ci`.
    items: Box<[StrLit]>,
    ci: bool,
    /// A short list of strings of up to eight bytes (ASCII when `ci`), each
    /// packed into a word.
    words: Option<Box<[Packed]>>,
}

/// A string of up to eight bytes as one word, with its length and, when
/// compared case-insensitively, the `0x20` bits of its letters (see
/// [`eq_lowercase`]).
#[derive(Debug)]
struct Packed {
    len: usize,
    word: u64,
    mask: u64,
}

/// The bytes as a little-endian word, zero-padded; up to eight bytes. Two
/// overlapping loads instead of a copy of variable length.
#[inline(always)]
fn pack(b: &[u8]) -> u64 {
    let n = b.len();
    let load = |at: usize, size: usize| {
        b[at..at + size]
            .iter()
            .rev()
            .fold(0u64, |w, &byte| w << 8 | u64::from(byte))
    };
    match n {
        0 => 0,
        1 => u64::from(b[0]),
        2..=3 => load(0, 2) | load(n - 2, 2) << (8 * (n - 2)),
        4..=7 => load(0, 4) | load(n - 4, 4) << (8 * (n - 4)),
        _ => load(0, 8),
    }
}

/// Up to this many strings are compared one by one; longer lists are
/// searched by bisection.
const SHORT_LIST: usize = 8;

impl StrSet {
    /// Prepares the list; `ci` when compared case-insensitively.
    pub(super) fn new<'a>(items: impl Iterator<Item = &'a str>, ci: bool) -> StrSet {
        let mut items: Vec<StrLit> = items.map(|s| StrLit::new(s, ci)).collect();
        items.sort_by(|a, b| a.text.cmp(&b.text));
        items.dedup_by(|a, b| a.text == b.text);
        let short = |l: &StrLit| l.text.len() <= 8 && (!ci || l.ascii);
        let words = (items.len() <= SHORT_LIST && items.iter().all(short)).then(|| {
            items
                .iter()
                .map(|l| Packed {
                    len: l.text.len(),
                    word: pack(l.text.as_bytes()),
                    mask: if ci { pack(&l.mask) } else { 0 },
                })
                .collect()
        });
        StrSet {
            items: items.into(),
            ci,
            words,
        }
    }

    /// Is `x` one of the strings (after folding when case-insensitive)?
    #[inline]
    pub(super) fn contains(&self, x: &str) -> bool {
        let b = x.as_bytes();
        if let Some(words) = &self.words {
            // Case-insensitively, a string other than ASCII can still fold to
            // ASCII through a Kelvin sign: the general path then.
            if b.len() <= 8 && (!self.ci || b.is_ascii()) {
                let w = pack(b);
                return words
                    .iter()
                    .any(|p| p.len == b.len() && w | p.mask == p.word);
            }
            if !self.ci || b.is_ascii() {
                return false;
            }
        }
        self.contains_slow(x)
    }

    #[inline(never)]
    fn contains_slow(&self, x: &str) -> bool {
        if self.items.len() <= SHORT_LIST {
            return self.items.iter().any(|lit| lit.eq(x));
        }
        if !self.ci {
            return self.items.binary_search_by(|l| (*l.text).cmp(x)).is_ok();
        }
        if x.is_ascii() {
            // Compare with the ASCII lowercase of `x`, computed on the fly.
            let lowered = || x.bytes().map(|b| b.to_ascii_lowercase());
            return self
                .items
                .binary_search_by(|l| l.text.bytes().cmp(lowered()))
                .is_ok();
        }
        let folded = lower(x);
        self.items
            .binary_search_by(|l| (*l.text).cmp(folded.as_str()))
            .is_ok()
    }
}

/// The stems of the words of a `words` operand, with the stemmer that made
/// them.
pub(super) struct Stems(Vec<String>, rust_stemmers::Stemmer);

impl fmt::Debug for Stems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Stems").field(&self.0).finish()
    }
}

/// Words of a text: maximal runs of letters and digits, lowercased.
pub(crate) fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    raw_words(s).map(lower)
}

/// Words of a text as they stand in it (see [`words`]).
fn raw_words(s: &str) -> impl Iterator<Item = &str> + Clone {
    fn separator(c: char) -> bool {
        !c.is_alphanumeric()
    }
    s.split(separator).filter(|w| !w.is_empty())
}

/// `phrase` (lowercased words) appears in `s` as consecutive words, compared
/// in place.
pub(super) fn has_phrase(s: &str, phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return true;
    }
    let mut from = raw_words(s);
    loop {
        let mut probe = from.clone();
        if phrase
            .iter()
            .all(|p| probe.next().is_some_and(|w| eq_folded(w, p)))
        {
            return true;
        }
        if from.next().is_none() {
            return false;
        }
    }
}

impl Stems {
    /// The English stems of the words of `s`.
    pub(super) fn new(s: &str) -> Stems {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let stems = words(s).map(|w| stemmer.stem(&w).into_owned()).collect();
        Stems(stems, stemmer)
    }

    /// Every stem is among the stems of the words of `s`. Words are folded
    /// into one buffer and stemmed one at a time; the walk stops once all
    /// stems are seen.
    pub(super) fn all_in(&self, s: &str) -> bool {
        let Stems(want, stemmer) = self;
        if want.len() > 64 {
            let have: Vec<String> = words(s).map(|w| stemmer.stem(&w).into_owned()).collect();
            return want.iter().all(|w| have.contains(w));
        }
        let all = u64::MAX >> (64 - want.len().max(1));
        let mut seen = if want.is_empty() { all } else { 0 };
        let mut word = String::new();
        for w in raw_words(s) {
            if seen == all {
                break;
            }
            word.clear();
            word.extend(w.chars().flat_map(char::to_lowercase));
            let stem = stemmer.stem(&word);
            for (i, x) in want.iter().enumerate() {
                if *x == *stem {
                    seen |= 1 << i;
                }
            }
        }
        seen == all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fact `StrLit` relies on: only ASCII characters, U+212A and
    /// U+0130 lowercase to anything containing ASCII, and only ASCII and
    /// U+212A to nothing but ASCII.
    #[test]
    fn few_characters_fold_to_ascii() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c.is_ascii() {
                continue;
            }
            let l: String = c.to_lowercase().collect();
            if l.is_ascii() {
                assert_eq!((c, l.as_str()), ('\u{212A}', "k"));
            } else if l.chars().any(|c| c.is_ascii()) {
                assert_eq!((c, l.as_str()), ('\u{130}', "i\u{307}"));
            }
        }
    }

    #[test]
    fn contains_byte_at_every_position() {
        for len in 0..80 {
            let mut h = vec![b'a'; len];
            assert!(!contains_byte(&h, b'_'), "{len}");
            for at in 0..len {
                h[at] = b'_';
                assert!(contains_byte(&h, b'_'), "{len} {at}");
                // Bytes next to the one sought (borrows across bytes).
                h[at] = b'^';
                assert!(!contains_byte(&h, b'_'), "{len} {at}");
                h[at] = 0xDF;
                assert!(!contains_byte(&h, b'_'), "{len} {at}");
                h[at] = b'a';
            }
        }
        assert!(contains_byte(&[0x80; 9], 0x80));
        assert!(!contains_byte(&[0x81; 9], 0x01));
    }

    #[test]
    fn pack_is_little_endian_zero_padded() {
        for len in 0..=8 {
            let b: Vec<u8> = (1..=len as u8).collect();
            let mut want = [0; 8];
            want[..len].copy_from_slice(&b);
            assert_eq!(pack(&b), u64::from_le_bytes(want), "{len}");
        }
    }

    /// Short lists packed into words: lengths, case, a Kelvin sign, strings
    /// longer than eight bytes and others than ASCII.
    #[test]
    fn short_string_sets() {
        let set = |items: &[&str], ci| StrSet::new(items.iter().copied(), ci);
        let ci = set(&["kmeans", "ns_1", "", "a"], true);
        assert!(ci.words.is_some());
        for yes in ["KMeans", "kmeans", "\u{212A}means", "NS_1", "", "A"] {
            assert!(ci.contains(yes), "{yes}");
        }
        for no in ["kmean", "kmeans_", "ns_2", "ns_1 ", "b", "kmeansxyz", "é"] {
            assert!(!ci.contains(no), "{no}");
        }
        let cs = set(&["Ab", "é", "12345678"], false);
        assert!(cs.words.is_some());
        assert!(cs.contains("Ab") && cs.contains("é") && cs.contains("12345678"));
        assert!(!cs.contains("ab") && !cs.contains("É") && !cs.contains("123456789"));
        // Not packed: too long, or not ASCII under case folding.
        assert!(set(&["123456789"], true).words.is_none());
        assert!(set(&["é"], true).words.is_none());
        assert!(set(&["é"], true).contains("É"));
    }

    #[test]
    fn phrases_restart_after_a_partial_match() {
        let phrase = |p: &str| words(p).collect::<Vec<_>>();
        assert!(has_phrase("a a a b", &phrase("A A B")));
        assert!(has_phrase("x, İstanbul-Dogs!", &phrase("İSTANBUL dogs")));
        assert!(!has_phrase("a a c b", &phrase("a a b")));
        assert!(!has_phrase("a", &phrase("a a")));
        assert!(has_phrase("", &phrase("")));
    }

    #[test]
    fn words_with_more_stems_than_a_word_has_bits() {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let many: Vec<String> = (0..70).map(|i| format!("w{i}")).collect();
        let text = many.join(" ");
        let stems = |ws: &[String]| {
            Stems(
                ws.to_vec(),
                rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
            )
        };
        assert!(stems(&many).all_in(&text));
        assert!(!stems(&many).all_in(&many[1..].join(" ")));
        assert!(stems(&many[..64]).all_in(&text));
        assert!(!stems(&many[..64]).all_in(&many[..63].join(" ")));
        let running = vec![stemmer.stem("running").into_owned(), "dog".to_owned()];
        assert!(stems(&running).all_in("Dogs were RUNNING"));
        assert!(!stems(&running).all_in("Dogs ran"));
        assert!(stems(&[]).all_in("anything"));
    }

    /// Short strings over letters that fold in interesting ways: ASCII
    /// case, U+212A KELVIN SIGN (to `k`), U+0130 (to `i` and U+0307), `ß`,
    /// accents, separators.
    fn text() -> impl Strategy<Value = String> {
        let chars = [
            'k', 'K', '\u{212A}', 'i', 'I', '\u{130}', 'é', 'É', 'ß', 'a', 'A', '_', ' ', 's',
        ];
        prop::collection::vec(prop::sample::select(chars.to_vec()), 0..12)
            .prop_map(String::from_iter)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The string tests give what folding both sides by hand gives.
        #[test]
        fn string_tests_match_folding_by_hand(
            h in text(),
            n in text(),
            items in prop::collection::vec(text(), 0..11),
            ci in any::<bool>(),
        ) {
            let fold = |s: &str| if ci { lower(s) } else { s.to_owned() };
            let (fh, fn_) = (fold(&h), fold(&n));
            let lit = StrLit::new(&n, ci);
            prop_assert_eq!(lit.eq(&h), fh == fn_);
            prop_assert_eq!(lit.starts(&h), fh.starts_with(&fn_));
            prop_assert_eq!(lit.ends(&h), fh.ends_with(&fn_));
            prop_assert_eq!(Needle::new(&n, ci).contained_in(&h), fh.contains(&fn_));
            let set = StrSet::new(items.iter().map(String::as_str), ci);
            prop_assert_eq!(set.contains(&h), items.iter().any(|i| fold(i) == fh));
        }

        /// `phrase` and `words` give what comparing word lists gives.
        #[test]
        fn phrase_and_words_match_word_lists(h in text(), n in text()) {
            let have: Vec<String> = words(&h).collect();
            let phrase: Vec<String> = words(&n).collect();
            let windows = phrase.is_empty() || have.windows(phrase.len()).any(|w| w == phrase.as_slice());
            prop_assert_eq!(has_phrase(&h, &phrase), windows);
            let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
            let stems: Vec<String> = phrase.iter().map(|w| stemmer.stem(w).into_owned()).collect();
            let have: Vec<String> = have.iter().map(|w| stemmer.stem(w).into_owned()).collect();
            let all = stems.iter().all(|w| have.contains(w));
            prop_assert_eq!(Stems(stems, stemmer).all_in(&h), all);
        }
    }
}
