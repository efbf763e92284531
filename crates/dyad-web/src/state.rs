//! What every handler can reach.

use std::sync::Arc;

use dyad_core::time::Clock;
use dyad_store::Db;
use dyad_store::sealing::Sealer;

use crate::config::WebConfig;
use crate::mail::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub sealer: Sealer,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    pub config: Arc<WebConfig>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Watchers of the session days someone follows live on this instance.
    pub live: crate::live::LiveSessions,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now_micros()
    }
}
