//! `JobService`: the only writer of job state.
//!
//! Handlers and the worker never touch the store directly: every change goes through
//! [`JobService::update`], which applies one transition of [`crate::jobs::model`] atomically and
//! bumps the job's version when the status body changed. The service also owns the per-job run
//! controls (cancel), the files of a job (deleted with it), the cache of completed bodies and the
//! recent job durations behind `Retry-After`. Every changed record is published once to the
//! [`JobEvents`] source that the live channels follow.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::events::{JobEvents, Subscription};
use super::id::JobId;
use super::model::{Job, Phase, Status};
use super::queue::{JobQueue, QueueError, QueueEvent};
use super::store::{JobStore, StoreError};
use crate::config::Config;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::files::{UploadsDir, remove_dir};
use crate::results::{BodyCache, ResultsDir, STATUS_FILE};
use crate::runner::RunControl;

/// How many finished jobs' durations feed the queue wait estimate.
const RECENT_DURATIONS: usize = 50;

/// The job system's single point of change.
pub struct JobService {
    pub(crate) store: Arc<dyn JobStore>,
    queue: Arc<dyn JobQueue>,
    pub(crate) config: Arc<Config>,
    pub(crate) uploads: UploadsDir,
    pub(crate) results: ResultsDir,
    cache: BodyCache,
    controls: DashMap<JobId, RunControl>,
    recent_durations: Mutex<VecDeque<Duration>>,
    pub(crate) tasks: TaskTracker,
    /// API keys and the download-link secret.
    pub keys: crate::auth::Keys,
    events: Arc<JobEvents>,
}

/// Why a job could not be cancelled.
#[derive(Debug)]
pub enum CancelError {
    NotFound,
    Finished,
    Store(StoreError),
}

impl JobService {
    /// A service over the given backends.
    pub fn new(store: Arc<dyn JobStore>, queue: Arc<dyn JobQueue>, config: Arc<Config>) -> Self {
        Self {
            uploads: UploadsDir::new(config.storage.uploads_dir.clone()),
            results: ResultsDir::new(config.storage.results_dir.clone()),
            cache: BodyCache::new(config.results.cache_bytes),
            keys: crate::auth::Keys::new(&config.auth),
            store,
            queue,
            config,
            controls: DashMap::new(),
            recent_durations: Mutex::new(VecDeque::new()),
            tasks: TaskTracker::new(),
            events: Arc::new(JobEvents::default()),
        }
    }

    /// Records a new job and queues it. On failure nothing of the job is kept.
    pub async fn submit(&self, job: Job) -> Result<(), ApiError> {
        let id = job.id.clone();
        self.store.insert(job).await.map_err(ApiError::internal)?;
        match self.queue.push(id.clone()).await {
            Ok(_) => {
                tracing::info!(job.id = %id, "job created");
                crate::ops::metrics::job_submitted();
                Ok(())
            }
            Err(e) => {
                let _ = self.store.remove(&id).await;
                Err(match e {
                    QueueError::Full => ApiError::with_details(
                        ErrorCode::QueueFull,
                        "Too many analyses are waiting",
                        "The queue is full; try again in a little while.",
                    ),
                    QueueError::Closed => ApiError::with_details(
                        ErrorCode::Shutdown,
                        "The server is shutting down",
                        "Try again in a few seconds.",
                    ),
                })
            }
        }
    }

    /// The job, if held.
    pub async fn get(&self, id: &JobId) -> Result<Option<Arc<Job>>, StoreError> {
        self.store.get(id).await
    }

    /// Every job held, in no particular order (the admin routes and the metrics gauges).
    pub async fn list(&self) -> Result<Vec<Arc<Job>>, StoreError> {
        self.store.list().await
    }

    /// Applies one change. `None` when the job is not held.
    pub async fn update(
        &self,
        id: &JobId,
        mut change: impl FnMut(&mut Job) -> bool + Send,
    ) -> Option<Arc<Job>> {
        match self.store.update(id, &mut change).await {
            Ok(Some((job, changed))) => {
                if changed {
                    self.events.publish(&job);
                }
                Some(job)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(job.id = %id, error = %e, "job update failed");
                None
            }
        }
    }

    /// Marks a job failed (the first terminal transition wins) and logs it once.
    pub async fn fail(&self, id: &JobId, error: ErrorBody) -> Option<Arc<Job>> {
        let code = error.code;
        let mut failed_now = false;
        let job = self
            .update(id, |j| {
                failed_now = j.fail(error.clone(), Timestamp::now());
                failed_now
            })
            .await;
        if failed_now {
            tracing::info!(job.id = %id, job.status = "failed", code = code.as_str(), "job failed");
            crate::ops::metrics::job_finished("failed", code.as_str());
        }
        job
    }

    /// Starts following a job's changes. Subscribe first, then read the job, so that no change
    /// in between is missed (the feed drops versions the reader already has).
    pub fn subscribe(&self, id: &JobId) -> Subscription {
        self.events.subscribe(id)
    }

    /// The stored completed body: from the cache, or `status.json` (then cached).
    pub async fn completed_body(&self, id: &JobId) -> std::io::Result<Bytes> {
        if let Some(bytes) = self.cache.get(id) {
            return Ok(bytes);
        }
        let bytes = Bytes::from(tokio::fs::read(self.results.job_dir(id).join(STATUS_FILE)).await?);
        self.cache.insert(id.clone(), bytes.clone());
        Ok(bytes)
    }

    pub(crate) fn cache_completed_body(&self, id: &JobId, bytes: Bytes) {
        self.cache.insert(id.clone(), bytes);
    }

    /// Consumes the queue's events: position changes and jobs ready to run. Ends on `stop`.
    pub async fn dispatch(
        self: Arc<Self>,
        mut events: mpsc::UnboundedReceiver<QueueEvent>,
        stop: CancellationToken,
    ) {
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return,
                event = events.recv() => match event { Some(e) => e, None => return },
            };
            match event {
                QueueEvent::Positions(moves) => {
                    let now = Timestamp::now();
                    for (id, position) in moves {
                        self.update(&id, |j| j.set_queue_position(position, now))
                            .await;
                    }
                }
                QueueEvent::Ready(id, slot) => {
                    let service = Arc::clone(&self);
                    self.tasks
                        .spawn(async move { service.run_job(id, slot).await });
                }
            }
        }
    }

    pub(crate) fn register_control(&self, id: &JobId) -> RunControl {
        let control = RunControl::new();
        self.controls.insert(id.clone(), control.clone());
        control
    }

    pub(crate) fn forget_control(&self, id: &JobId) {
        self.controls.remove(id);
    }

    /// Records how long a finished job ran, for `Retry-After` estimates.
    pub(crate) fn record_duration(&self, duration: Duration) {
        let mut recent = self
            .recent_durations
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if recent.len() == RECENT_DURATIONS {
            recent.pop_front();
        }
        recent.push_back(duration);
    }

    /// `Retry-After` for a processing job: 2 while running; while queued,
    /// `clamp(position × median recent duration ÷ concurrency, 2, 60)`, 5 without history.
    pub fn retry_after_secs(&self, job: &Job) -> u64 {
        let Some(position) = job.queue_position.filter(|_| job.phase == Phase::Queued) else {
            return 2;
        };
        let median = {
            let recent = self
                .recent_durations
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if recent.is_empty() {
                return 5;
            }
            let mut sorted: Vec<_> = recent.iter().copied().collect();
            sorted.sort();
            sorted[sorted.len() / 2]
        };
        let concurrency = self.config.runner.concurrency.get() as f64;
        let estimate = f64::from(position) * median.as_secs_f64() / concurrency;
        (estimate.ceil() as u64).clamp(2, 60)
    }

    /// Cancels a queued or running job (contract §1.5). SIGTERM has been sent when this returns.
    pub async fn cancel(&self, id: &JobId) -> Result<Arc<Job>, CancelError> {
        let job = self
            .store
            .get(id)
            .await
            .map_err(CancelError::Store)?
            .ok_or(CancelError::NotFound)?;
        if let Some(error) = &job.error {
            return if error.code == ErrorCode::Cancelled {
                Ok(job)
            } else {
                Err(CancelError::Finished)
            };
        }
        if job.status == Status::Completed {
            return Err(CancelError::Finished);
        }
        let was_queued = self.queue.remove(id).await;
        let error = ErrorBody {
            message: "Analysis cancelled".into(),
            details: Some("The analysis was cancelled by a client.".into()),
            code: ErrorCode::Cancelled,
        };
        let now = Timestamp::now();
        // Refused atomically once the report is being written: the script already succeeded.
        let mut cancelled = false;
        let job = self
            .update(id, |j| {
                cancelled = !j.writing_report && j.fail(error.clone(), now);
                cancelled
            })
            .await
            .ok_or(CancelError::NotFound)?;
        if !cancelled {
            return match &job.error {
                Some(e) if e.code == ErrorCode::Cancelled => Ok(job),
                _ => Err(CancelError::Finished),
            };
        }
        tracing::info!(job.id = %id, job.status = "failed", code = "cancelled", "job failed");
        crate::ops::metrics::job_finished("failed", ErrorCode::Cancelled.as_str());
        if let Some(control) = self.controls.get(id).map(|c| c.clone()) {
            control.cancel();
        }
        if was_queued {
            self.remove_scratch(id).await;
        }
        Ok(job)
    }

    /// Cancels if needed, then removes the job and every file of it.
    pub async fn purge(&self, id: &JobId) -> Result<(), CancelError> {
        match self.cancel(id).await {
            Ok(_) | Err(CancelError::Finished) => {}
            Err(e) => return Err(e),
        }
        self.store.remove(id).await.map_err(CancelError::Store)?;
        self.events.close(id);
        self.remove_files(id).await;
        tracing::info!(job.id = %id, "job removed");
        Ok(())
    }

    /// Removes finished jobs whose `finishedAt` is older than `max_age` at `now`, with their
    /// files. Queued and running jobs are never removed. Returns how many went.
    pub async fn sweep_once(&self, now: Timestamp, max_age: Duration) -> Result<usize, StoreError> {
        let age = jiff::SignedDuration::try_from(max_age).unwrap_or(jiff::SignedDuration::MAX);
        let cutoff = now.checked_sub(age).unwrap_or(Timestamp::MIN);
        let removed = self.store.remove_finished_before(cutoff).await?;
        for job in &removed {
            self.events.close(&job.id);
            self.remove_files(&job.id).await;
            tracing::info!(job.id = %job.id, "job removed");
        }
        Ok(removed.len())
    }

    /// Deletes a job's scratch directory (every terminal state does).
    pub(crate) async fn remove_scratch(&self, id: &JobId) {
        let dir = self.uploads.scratch_dir(id);
        if let Err(e) = remove_dir(&dir).await {
            tracing::warn!(job.id = %id, error = %e, "cannot remove scratch dir");
        }
    }

    /// Deletes everything a job has on disk and in the cache.
    pub(crate) async fn remove_files(&self, id: &JobId) {
        self.cache.remove(id);
        self.remove_scratch(id).await;
        if let Err(e) = remove_dir(&self.results.job_dir(id)).await {
            tracing::warn!(job.id = %id, error = %e, "cannot remove results dir");
        }
    }

    /// Paths the script's error details must not reveal.
    pub(crate) fn server_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![
            self.uploads.root().to_owned(),
            self.results.root().to_owned(),
        ];
        if let Ok(cwd) = std::env::current_dir() {
            paths.push(cwd);
        }
        paths
    }

    /// Refuses new jobs and fails every waiting one with `shutdown`.
    pub async fn close_queue(&self) {
        for id in self.queue.close().await {
            let error = ErrorBody {
                message: "The server is shutting down".into(),
                details: Some("The analysis was not started; upload the file again.".into()),
                code: ErrorCode::Shutdown,
            };
            self.fail(&id, error).await;
            self.remove_scratch(&id).await;
        }
    }

    /// Stops every running script (SIGTERM, then SIGKILL after the grace); their jobs fail
    /// with `shutdown`.
    pub fn stop_running(&self) {
        for control in self.controls.iter() {
            control.value().shutdown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::FilterOption;
    use crate::jobs::queue::MemoryJobQueue;
    use crate::jobs::store::MemoryJobStore;
    use crate::upload::UploadKind;

    fn service(dir: &std::path::Path) -> JobService {
        let mut config = Config::defaults(dir).unwrap();
        config.storage.uploads_dir = dir.join("uploads");
        config.storage.results_dir = dir.join("results");
        let (queue, _events) = MemoryJobQueue::new(1, 10);
        JobService::new(
            Arc::new(MemoryJobStore::new()),
            Arc::new(queue),
            Arc::new(config),
        )
    }

    async fn running_job(service: &JobService) -> JobId {
        let now = Timestamp::now();
        let id = JobId::generate(now).unwrap();
        let job = Job::new_queued(
            id.clone(),
            "q.csv".into(),
            FilterOption::All,
            UploadKind::Text,
            "upload.csv".into(),
            now,
        );
        service.store.insert(job).await.unwrap();
        service.update(&id, |j| j.start(now)).await.unwrap();
        id
    }

    #[tokio::test]
    async fn cancel_is_refused_once_the_report_is_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let service = service(dir.path());
        let id = running_job(&service).await;
        service
            .update(&id, |j| j.begin_report(Timestamp::now()))
            .await
            .unwrap();
        assert!(matches!(
            service.cancel(&id).await,
            Err(CancelError::Finished)
        ));
        let job = service.get(&id).await.unwrap().unwrap();
        assert_eq!((job.status, job.writing_report), (Status::Processing, true));
    }

    #[tokio::test]
    async fn a_running_job_is_cancelled_once_and_then_answers_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let service = service(dir.path());
        let id = running_job(&service).await;
        let first = service.cancel(&id).await.unwrap();
        let version = first.version;
        let again = service.cancel(&id).await.unwrap();
        assert_eq!(again.version, version, "a second cancel changes nothing");
        assert_eq!(
            again.error.as_ref().map(|e| e.code),
            Some(ErrorCode::Cancelled)
        );
        let unknown = JobId::generate(Timestamp::now()).unwrap();
        assert!(matches!(
            service.cancel(&unknown).await,
            Err(CancelError::NotFound)
        ));
    }
}
