//! API keys: `Authorization: Bearer KEY`, checked in constant time.

use axum::http::{header, HeaderMap};

/// The keys a request may present; none means every request is let in.
pub(crate) struct Keys(Vec<Vec<u8>>);

impl Keys {
    /// The keys, byte for byte (an empty key is kept, and matches nothing).
    pub(crate) fn new(keys: &[String]) -> Keys {
        Keys(keys.iter().map(|k| k.as_bytes().to_vec()).collect())
    }

    /// Whether the request may be answered: no keys are configured, or its
    /// `Authorization` header is `Bearer ` (the scheme in any case, RFC
    /// 9110) followed by one of the keys exactly.
    pub(crate) fn authorized(&self, headers: &HeaderMap) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes())
            .filter(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer "))
            .map_or(&[][..], |v| &v[7..]);
        // Every key is compared, so the time does not tell which one matched.
        self.0.iter().fold(false, |ok, k| same(k, given) | ok) && !given.is_empty()
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}
