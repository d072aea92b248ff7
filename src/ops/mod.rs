//! Operations: what an operator and an orchestrator read — readiness checks, Prometheus
//! metrics, and the admin view of the job table.
//!
//! Nothing here writes job state: the admin cleanup goes through
//! [`crate::jobs::service::JobService::sweep_once`] like the periodic sweep. The HTTP handlers
//! for these live in [`crate::api::health`] and [`crate::api::admin`].

pub mod listing;
pub mod metrics;
pub mod readiness;
