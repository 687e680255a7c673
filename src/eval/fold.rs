//! Case folding: the Unicode lowercase that case-insensitive operators
//! compare, and comparisons of text with folded text that avoid allocating.
//! Separate because every string operator and the SQL backends share it.

use std::borrow::Cow;
use std::cmp::Ordering;

/// The Unicode lowercase of each character. (Unlike `str::to_lowercase`
/// there is no word-final sigma rule, so folding is the same character by
/// character wherever a string stands.)
pub(crate) fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Lowercases only when there is something to lowercase.
pub(super) fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        Cow::Owned(lower(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// `fold(x) == folded`, without allocating.
pub(super) fn eq_folded(x: &str, folded: &str) -> bool {
    if x.is_ascii() && folded.is_ascii() {
        return x.eq_ignore_ascii_case(folded);
    }
    x.chars().flat_map(char::to_lowercase).eq(folded.chars())
}

/// `fold(x).starts_with(prefix)`, without allocating.
pub(super) fn starts_folded(x: &str, prefix: &str) -> bool {
    if x.is_ascii() && prefix.is_ascii() {
        return x.len() >= prefix.len()
            && x.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    let mut lower = x.chars().flat_map(char::to_lowercase);
    prefix.chars().all(|c| lower.next() == Some(c))
}

/// `fold(x).ends_with(suffix)`, without allocating for ASCII text.
pub(super) fn ends_folded(x: &str, suffix: &str) -> bool {
    if x.is_ascii() && suffix.is_ascii() {
        return x.len() >= suffix.len()
            && x.as_bytes()[x.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes());
    }
    fold(x).ends_with(suffix)
}

/// `fold(x).contains(needle)`, without allocating for ASCII text.
pub(super) fn contains_folded(x: &str, needle: &str) -> bool {
    if x.is_ascii() && needle.is_ascii() {
        if !needle.bytes().any(|b| b.is_ascii_alphabetic()) {
            // Folding ASCII text changes only letters.
            return x.contains(needle);
        }
        let (h, n) = (x.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    fold(x).contains(needle)
}

/// `fold(x).cmp(folded)`, without allocating for ASCII text. (Byte order of
/// UTF-8 is code-point order.)
pub(super) fn cmp_folded(x: &str, folded: &str) -> Ordering {
    if x.is_ascii() {
        return x
            .bytes()
            .map(|b| b.to_ascii_lowercase())
            .cmp(folded.bytes());
    }
    (*fold(x)).cmp(folded)
}
