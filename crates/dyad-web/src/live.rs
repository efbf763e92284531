//! Live updates for the session-day console, shared by everyone watching one session.
//!
//! Each instance runs one watcher per session day that someone is watching: it asks the
//! database every [`POLL`] (so entries written through another instance arrive too) and
//! at once when an entry is written through this instance ([`LiveSessions::poke`]), and
//! hands the newest marker to every listener. A thousand listeners on one session cost two
//! small queries per poll, not two thousand. The watcher stops when its last listener goes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use dyad_store::sessions as store;
use tokio::sync::{Notify, watch};

use crate::state::AppState;

/// How often a watcher asks the database when nothing was written through this instance.
pub const POLL: Duration = Duration::from_millis(500);

/// What a console listener needs to know changed: the session log's newest entry and a
/// number that moves whenever a participant's consents may have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub seq: i64,
    pub consents: i64,
}

struct Watcher {
    duo_id: String,
    marker: watch::Sender<Marker>,
    poke: Notify,
}

/// The watchers of this instance, by session id.
#[derive(Clone, Default)]
pub struct LiveSessions {
    watchers: Arc<Mutex<HashMap<String, Weak<Watcher>>>>,
}

/// One listener's view: the newest marker, and a handle that keeps the watcher running.
pub struct Subscription {
    _watcher: Arc<Watcher>,
    pub marker: watch::Receiver<Marker>,
}

impl LiveSessions {
    /// Listens to `session_id`, starting a watcher when none runs; `current` is the marker
    /// the caller has just read, so a watcher starts from what the listener saw.
    pub fn subscribe(
        &self,
        state: &AppState,
        session_id: &str,
        duo_id: &str,
        current: Marker,
    ) -> Subscription {
        let mut watchers = self.lock();
        if let Some(watcher) = watchers.get(session_id).and_then(Weak::upgrade) {
            let mut marker = watcher.marker.subscribe();
            marker.mark_unchanged();
            // The listener read `current` itself; if the watcher is behind, let it look.
            if *marker.borrow() != current {
                watcher.poke.notify_one();
            }
            return Subscription {
                _watcher: watcher,
                marker,
            };
        }
        let (sender, receiver) = watch::channel(current);
        let watcher = Arc::new(Watcher {
            duo_id: duo_id.to_string(),
            marker: sender,
            poke: Notify::new(),
        });
        watchers.insert(session_id.to_string(), Arc::downgrade(&watcher));
        tokio::spawn(run(
            state.clone(),
            session_id.to_string(),
            Arc::downgrade(&watcher),
        ));
        Subscription {
            _watcher: watcher,
            marker: receiver,
        }
    }

    /// Something was written to `session_id` through this instance: look now.
    pub fn poke(&self, session_id: &str) {
        if let Some(watcher) = self.lock().get(session_id).and_then(Weak::upgrade) {
            watcher.poke.notify_one();
        }
    }

    /// A consent of a member of `duo_id` may have changed: every watcher of the duo looks.
    pub fn poke_duo(&self, duo_id: &str) {
        for watcher in self.lock().values().filter_map(Weak::upgrade) {
            if watcher.duo_id == duo_id {
                watcher.poke.notify_one();
            }
        }
    }

    /// Sessions watched on this instance now (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.lock()
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Weak<Watcher>>> {
        self.watchers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The watcher's loop: wait for a poke or the poll interval, read the marker, publish it
/// when it moved; end when no listener holds the watcher any more.
async fn run(state: AppState, session_id: String, watcher: Weak<Watcher>) {
    // Holding the watcher for one round keeps it alive at most one poll longer than its
    // last listener.
    while let Some(w) = watcher.upgrade() {
        let _ = tokio::time::timeout(POLL, w.poke.notified()).await;
        let seq = store::last_seq(&state.db, &session_id).await;
        let consents = store::consent_marker(&state.db, &w.duo_id).await;
        // A failed read is tried again at the next poll; listeners keep the last marker.
        if let (Ok(seq), Ok(consents)) = (seq, consents) {
            w.marker.send_if_modified(|m| {
                let new = Marker { seq, consents };
                let moved = *m != new;
                *m = new;
                moved
            });
        }
    }
    let live = &state.live;
    let mut watchers = live.lock();
    if watchers
        .get(&session_id)
        .is_some_and(|w| w.strong_count() == 0)
    {
        watchers.remove(&session_id);
    }
}
