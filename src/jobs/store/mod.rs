//! Where job records live, behind one object-safe trait.
//!
//! The store only keeps records; it never touches files. Whatever it removes it returns, so the
//! job service can delete the matching directories — which lets a remote store (Redis) share
//! jobs between instances without needing their disks.

mod memory;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

pub use memory::MemoryJobStore;

use super::id::JobId;
use super::model::Job;

/// A store failure (a remote backend being unreachable, say).
#[derive(Debug, thiserror::Error)]
#[error("job store: {0}")]
pub struct StoreError(pub String);

/// A change applied atomically to one record; returns whether the record changed.
pub type JobChange<'a> = &'a mut (dyn FnMut(&mut Job) -> bool + Send);

/// Job records by id.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Adds a new record (ids are unique by construction).
    async fn insert(&self, job: Job) -> Result<(), StoreError>;
    /// The record, if held.
    async fn get(&self, id: &JobId) -> Result<Option<Arc<Job>>, StoreError>;
    /// Applies `change` atomically. `None` when the job is not held; otherwise the record after
    /// the change and whether it changed.
    async fn update(
        &self,
        id: &JobId,
        change: JobChange<'_>,
    ) -> Result<Option<(Arc<Job>, bool)>, StoreError>;
    /// Removes a record, returning it.
    async fn remove(&self, id: &JobId) -> Result<Option<Arc<Job>>, StoreError>;
    /// Every record, in no particular order.
    async fn list(&self) -> Result<Vec<Arc<Job>>, StoreError>;
    /// Removes finished jobs whose `finishedAt` is at or before `cutoff`, returning them.
    /// Queued and running jobs are never removed.
    async fn remove_finished_before(&self, cutoff: Timestamp) -> Result<Vec<Arc<Job>>, StoreError>;
}
