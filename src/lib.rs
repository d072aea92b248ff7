//! rankmap: an HTTP service that turns SEO exports into a keyword map, an on-page audit and an
//! Excel report.
//!
//! # Layout
//!
//! The request path: [`startup`] binds the listener and runs the accept loop; [`api`] holds the
//! router, the [`api::edge`] layer every request passes (request id, [`auth`], metrics) and one
//! handler module per operation; handlers parse into typed values
//! ([`jobs::id::JobId`], [`jobs::model::FilterOption`]), call [`jobs::service::JobService`] and
//! answer DTOs or an [`error::ApiError`] envelope.
//!
//! The job path: an upload becomes a queued [`jobs::model::Job`] in a [`jobs::store::JobStore`]
//! and its id goes into a [`jobs::queue::JobQueue`]; when a worker slot frees up the job runs
//! (`jobs::worker`): the script is spawned by [`runner`], its `result.json` is ingested into
//! NDJSON tables by [`results`], the workbook is written by [`report`], and the completed body
//! is stored once and served from bytes. [`jobs::cleanup`] sweeps finished jobs after their
//! retention.
//!
//! Live channels: SSE ([`api::job_events`]) and socket.io ([`socketio`]) both follow the job
//! service's event source ([`jobs::events`]); polling sees the same versions through the ETag.
//!
//! Operations: [`ops`] holds readiness checks, the Prometheus metrics and the admin view of the
//! job table; their handlers are [`api::health`] and [`api::admin`].

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod files;
pub mod jobs;
pub mod ops;
pub mod report;
pub mod request_id;
pub mod results;
pub mod runner;
pub mod socketio;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod upload;
pub mod upload_kind;
