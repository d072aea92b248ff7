//! The job queue: FIFO order, queue positions and the `runner.concurrency` worker slots.
//!
//! A queue hands jobs out as [`QueueEvent::Ready`] with a [`Slot`] (dropping the slot frees it)
//! and reports position changes as [`QueueEvent::Positions`]; the job service turns both into
//! record changes. Keeping the queue ignorant of job records lets a Redis queue replace the
//! in-memory one without the service changing.

mod memory;

use async_trait::async_trait;

pub use memory::MemoryJobQueue;

use super::id::JobId;

/// A worker slot; the job runs while it is held (the permit is only ever dropped).
#[derive(Debug)]
pub struct Slot(#[allow(dead_code)] pub(crate) tokio::sync::OwnedSemaphorePermit);

/// What the queue tells the job service.
#[derive(Debug)]
pub enum QueueEvent {
    /// New 1-based positions of waiting jobs (only those that changed).
    Positions(Vec<(JobId, u32)>),
    /// A job got a slot and may start.
    Ready(JobId, Slot),
}

/// Why a job could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("the queue is full")]
    Full,
    #[error("the queue is closed")]
    Closed,
}

/// A FIFO of job ids with bounded waiting room.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Appends a job; its 1-based position on success.
    async fn push(&self, id: JobId) -> Result<u32, QueueError>;
    /// Takes a waiting job out (cancel); whether it was waiting.
    async fn remove(&self, id: &JobId) -> bool;
    /// Jobs waiting for a slot.
    async fn waiting(&self) -> usize;
    /// Refuses new jobs and returns every waiting one (shutdown).
    async fn close(&self) -> Vec<JobId>;
}
