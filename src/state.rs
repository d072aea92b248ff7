//! The state every handler shares: cheap handles only, no globals.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::jobs::service::JobService;

/// Cloned into every handler.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub jobs: Arc<JobService>,
    /// Cancelled when the server starts draining.
    pub draining: CancellationToken,
}
