//! The state every handler shares: cheap handles only, no globals.

use std::ops::Deref;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::jobs::service::JobService;

/// Cloned into every request (by the edge layer and the `State` extractor), so a clone is one
/// reference-count increment: the handles live behind a single `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] dereferences to.
pub struct Shared {
    pub config: Arc<Config>,
    pub jobs: Arc<JobService>,
    /// Cancelled when the server starts draining.
    pub draining: CancellationToken,
}

impl AppState {
    pub fn new(config: Arc<Config>, jobs: Arc<JobService>) -> Self {
        Self(Arc::new(Shared {
            config,
            jobs,
            draining: CancellationToken::new(),
        }))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
