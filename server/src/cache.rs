//! Answers kept for repeated requests, dropped whenever the database
//! changes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use siftql::sql::driver::Driver;
use siftql::Error;

/// Answers keyed by their SQL and values.
///
/// The watcher is a connection of its own that only ever reads SQLite's
/// `PRAGMA data_version` ([`Driver::data_version`]), which changes when any
/// other connection or process commits; a change drops every answer. The
/// generation counts the drops, so an answer computed before one is never
/// stored after it. Without a watcher nothing is cached.
///
/// The cache holds at most `capacity` answers and `bytes` bytes (keys and
/// bodies); the oldest answers make room for a new one.
pub(crate) struct Cache {
    state: Mutex<State>,
    capacity: usize,
    bytes: usize,
}

#[derive(Default)]
struct State {
    generation: u64,
    entries: HashMap<String, Arc<str>>,
    /// The keys, oldest first.
    order: VecDeque<String>,
    /// The bytes of the keys and bodies held.
    held: usize,
    watcher: Option<Box<dyn Driver>>,
    version: Option<i64>,
}

impl State {
    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.held = 0;
    }
}

impl Cache {
    /// A cache of up to `capacity` answers and `bytes` bytes, watching the
    /// database through `watcher` (none: answers are not cached).
    pub(crate) fn new(watcher: Option<Box<dyn Driver>>, capacity: usize, bytes: usize) -> Cache {
        Cache {
            state: Mutex::new(State {
                watcher,
                ..State::default()
            }),
            capacity,
            bytes,
        }
    }

    /// The generation answers may be read from and stored under, after
    /// dropping every answer if the database changed since the last
    /// request; `None` when answers are not cached.
    pub(crate) fn generation(&self) -> Result<Option<u64>, Error> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(watcher) = state.watcher.as_mut() else {
            return Ok(None);
        };
        let Some(version) = watcher.data_version()? else {
            return Ok(None);
        };
        if state.version != Some(version) {
            state.clear();
            state.generation += 1;
            state.version = Some(version);
        }
        Ok(Some(state.generation))
    }

    /// The answer stored under `key`, if any.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<str>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.entries.get(key).cloned()
    }

    /// Stores an answer computed in `generation`, unless the database
    /// changed since or the answer alone is over the byte bound; the
    /// oldest answers are dropped to make room.
    pub(crate) fn store(&self, generation: u64, key: String, body: Arc<str>) {
        let size = key.len() + body.len();
        if size > self.bytes || self.capacity == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.generation != generation || state.entries.contains_key(&key) {
            return;
        }
        while state.entries.len() >= self.capacity || state.held + size > self.bytes {
            let Some(old) = state.order.pop_front() else {
                break;
            };
            if let Some(b) = state.entries.remove(&old) {
                state.held -= old.len() + b.len();
            }
        }
        state.held += size;
        state.order.push_back(key.clone());
        state.entries.insert(key, body);
    }

    /// How many answers and bytes are held (for tests).
    #[cfg(test)]
    pub(crate) fn held(&self) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (state.entries.len(), state.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache whose generation is fixed at 1, as after the first look.
    fn cache(capacity: usize, bytes: usize) -> Cache {
        let c = Cache::new(None, capacity, bytes);
        c.state.lock().unwrap().generation = 1;
        c
    }

    #[test]
    fn the_oldest_answers_make_room_within_the_bytes() {
        let c = cache(100, 100);
        for k in ["a", "b", "c"] {
            // 1 + 39 bytes each: two fit in 100, three do not.
            c.store(1, k.to_owned(), "x".repeat(39).into());
        }
        assert_eq!(c.held(), (2, 80));
        assert!(c.get("a").is_none(), "the oldest went first");
        assert!(c.get("b").is_some() && c.get("c").is_some());
        // One answer over the bound is not kept, and drops nothing.
        c.store(1, "big".to_owned(), "x".repeat(100).into());
        assert!(c.get("big").is_none());
        assert_eq!(c.held(), (2, 80));
    }

    #[test]
    fn the_count_bounds_too_and_a_stale_answer_is_not_kept() {
        let c = cache(2, 1 << 20);
        for k in ["a", "b", "c"] {
            c.store(1, k.to_owned(), "body".into());
        }
        assert_eq!(c.held(), (2, 10));
        assert!(c.get("a").is_none());
        // Computed before the database changed (generation 0): dropped.
        c.store(0, "d".to_owned(), "body".into());
        assert!(c.get("d").is_none());
    }
}
