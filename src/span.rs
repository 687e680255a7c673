//! [`Span`]: where a node, token or error sits in the source text.
//!
//! A leaf module: it depends on nothing else in the crate, so the tree, the
//! errors and the parsers can all use it without depending on one another.
//! Re-exported as `siftql::Span` and `siftql::ast::Span`.

use std::fmt;

/// A byte range `start..end` into the source text a node was parsed from.
///
/// `PartialEq` is always `true` and `Hash` hashes nothing, so spans never make
/// two otherwise equal trees differ.
#[derive(Clone, Copy, Default, Eq, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`, far above any
    /// accepted input size).
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The span as a `Range<usize>`, for slicing the source.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// True for the empty span that JSON-decoded nodes carry.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
