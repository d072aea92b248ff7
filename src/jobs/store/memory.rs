//! The in-memory job store: a `DashMap` of immutable records.
//!
//! Records are `Arc<Job>` replaced whole on every change, so a reader (a status poll) clones a
//! pointer and never holds a shard lock while it serialises. No guard is ever held across an
//! `.await`: every method here is synchronous inside.

use std::sync::Arc;

use async_trait::async_trait;
use dashmap::DashMap;
use jiff::Timestamp;

use super::{JobChange, JobStore, StoreError};
use crate::jobs::id::JobId;
use crate::jobs::model::Job;

/// Jobs held in this process; nothing survives a restart.
#[derive(Default)]
pub struct MemoryJobStore {
    jobs: DashMap<JobId, Arc<Job>>,
}

impl MemoryJobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl JobStore for MemoryJobStore {
    async fn insert(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.insert(job.id.clone(), Arc::new(job));
        Ok(())
    }

    async fn get(&self, id: &JobId) -> Result<Option<Arc<Job>>, StoreError> {
        Ok(self.jobs.get(id).map(|entry| Arc::clone(entry.value())))
    }

    async fn update(
        &self,
        id: &JobId,
        change: JobChange<'_>,
    ) -> Result<Option<(Arc<Job>, bool)>, StoreError> {
        let Some(mut entry) = self.jobs.get_mut(id) else {
            return Ok(None);
        };
        let mut next = Job::clone(entry.value());
        if change(&mut next) {
            let next = Arc::new(next);
            *entry.value_mut() = Arc::clone(&next);
            Ok(Some((next, true)))
        } else {
            Ok(Some((Arc::clone(entry.value()), false)))
        }
    }

    async fn remove(&self, id: &JobId) -> Result<Option<Arc<Job>>, StoreError> {
        Ok(self.jobs.remove(id).map(|(_, job)| job))
    }

    async fn list(&self) -> Result<Vec<Arc<Job>>, StoreError> {
        Ok(self
            .jobs
            .iter()
            .map(|entry| Arc::clone(entry.value()))
            .collect())
    }

    async fn remove_finished_before(&self, cutoff: Timestamp) -> Result<Vec<Arc<Job>>, StoreError> {
        let mut removed = Vec::new();
        self.jobs.retain(|_, job| {
            let expired = job.is_terminal() && job.finished_at.is_some_and(|t| t <= cutoff);
            if expired {
                removed.push(Arc::clone(job));
            }
            !expired
        });
        Ok(removed)
    }
}
