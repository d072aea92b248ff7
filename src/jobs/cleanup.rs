//! The periodic cleanup: finished jobs and their results go once `cleanup.max_age_secs` have
//! passed since `finishedAt` (contract §3). The sweep itself is
//! [`super::service::JobService::sweep_once`], which takes the clock as an argument so tests can
//! move time; this module only schedules it.

use std::sync::Arc;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::service::JobService;

/// Sweeps every `cleanup.interval_secs` until `stop`.
pub async fn run(service: Arc<JobService>, stop: CancellationToken) {
    let mut every = tokio::time::interval(service.config.cleanup.interval);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    every.tick().await; // the first tick is immediate; nothing can be expired yet
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        match service
            .sweep_once(jiff::Timestamp::now(), service.config.cleanup.max_age)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "cleanup sweep"),
            Err(e) => tracing::warn!(error = %e, "cleanup sweep failed"),
        }
    }
}
