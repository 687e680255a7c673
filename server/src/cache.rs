//! Answers kept for repeated requests, dropped whenever the database
//! changes.

use std::collections::HashMap;
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
pub(crate) struct Cache {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    generation: u64,
    entries: HashMap<String, Arc<str>>,
    watcher: Option<Box<dyn Driver>>,
    version: Option<i64>,
}

impl Cache {
    /// A cache of up to `capacity` answers, watching the database through
    /// `watcher` (none: answers are not cached).
    pub(crate) fn new(watcher: Option<Box<dyn Driver>>, capacity: usize) -> Cache {
        Cache {
            state: Mutex::new(State {
                watcher,
                ..State::default()
            }),
            capacity,
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
            state.entries.clear();
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
    /// changed since; a full cache is emptied first.
    pub(crate) fn store(&self, generation: u64, key: String, body: Arc<str>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.generation != generation {
            return;
        }
        if state.entries.len() >= self.capacity {
            state.entries.clear();
        }
        state.entries.insert(key, body);
    }
}
