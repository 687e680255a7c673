//! Bounds on what a filter may cost, checked by every entry point.

/// Limits applied while parsing DSL and decoding JSON. Exceeding one is an
/// error that names the limit ([`ErrorCode::InputTooLarge`](crate::ErrorCode)
/// and its neighbours); nothing is truncated silently.
///
/// | limit | default | counts |
/// |---|---|---|
/// | `max_input_bytes` | 1 MiB | bytes of DSL or JSON text |
/// | `max_depth` | 32 | nested groups (the root is 1), and nesting inside values |
/// | `max_nodes` | 10,000 | groups and conditions, the root included |
/// | `max_list_len` | 10,000 | items of an `in`/`nin` list |
/// | `max_regex_bytes` | 1 MiB | compiled size of a `regex` pattern, and the memory its lazy DFA may cache |
/// | `max_string_bytes` | 64 KiB | one string in a value, or one field path |
///
/// `max_depth` is capped at [`Limits::DEPTH_CAP`] (128): the DSL parser
/// recurses once per nesting level, and the cap keeps that within a small,
/// fixed stack (well under 1 MiB) on any thread.
///
/// JSON text is additionally bounded by serde_json's own nesting limit of 128
/// levels, which a filter of depth 32 stays well inside; raising `max_depth`
/// above about 60 runs into it, and that too is reported as
/// [`ErrorCode::TooDeep`](crate::ErrorCode::TooDeep).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Deepest accepted nesting of groups (and of arrays/objects in values).
    pub max_depth: usize,
    /// Most nodes (groups and conditions) in one filter.
    pub max_nodes: usize,
    /// Longest `in`/`nin` list.
    pub max_list_len: usize,
    /// Largest compiled regex, in bytes (the `regex` crate's size limit).
    pub max_regex_bytes: usize,
    /// Longest string in a value (list items and object members included),
    /// and longest field path, in bytes.
    pub max_string_bytes: usize,
}

impl Limits {
    /// The documented defaults.
    pub const DEFAULT: Limits = Limits {
        max_input_bytes: 1 << 20,
        max_depth: 32,
        max_nodes: 10_000,
        max_list_len: 10_000,
        max_regex_bytes: 1 << 20,
        max_string_bytes: 64 << 10,
    };
}

impl Limits {
    /// The largest `max_depth` in force; larger settings act as this.
    pub const DEPTH_CAP: usize = 128;

    /// `max_depth` after the cap.
    pub fn depth(&self) -> usize {
        self.max_depth.min(Limits::DEPTH_CAP)
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// The error for nesting beyond `max_depth` (as capped).
pub(crate) fn too_deep(limits: &Limits) -> crate::Error {
    crate::Error::new(
        crate::ErrorCode::TooDeep,
        format!(
            "filter nests deeper than the limit max_depth = {}",
            limits.depth()
        ),
    )
}

/// The error for more nodes than `max_nodes`.
pub(crate) fn too_many_nodes(limits: &Limits) -> crate::Error {
    crate::Error::new(
        crate::ErrorCode::TooManyNodes,
        format!(
            "filter has more than max_nodes = {} groups and conditions",
            limits.max_nodes
        ),
    )
}

/// The error for input longer than `max_input_bytes`.
pub(crate) fn too_large(len: usize, limits: &Limits) -> crate::Error {
    crate::Error::new(
        crate::ErrorCode::InputTooLarge,
        format!(
            "input is {len} bytes, over the limit max_input_bytes = {}",
            limits.max_input_bytes
        ),
    )
}
