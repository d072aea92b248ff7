//! The event source: every visible change of a job, fanned out to whoever follows that job.
//!
//! [`JobService::update`](super::service::JobService::update) publishes each changed record here
//! once; polling sees the same change through the ETag, and the live channels (SSE, socket.io)
//! read a [`JobFeed`]. Publishing never awaits: each subscriber has a small bounded inbox, and
//! one that falls behind has its backlog replaced by the newest record (the current state, once),
//! so a slow or dead subscriber can neither slow a job nor another subscriber.
//!
//! A record carries everything needed to render its status body; the completed body itself is
//! read from the stored bytes by the consumer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::id::JobId;
use super::model::Job;

/// Records a subscriber may have waiting before its backlog is replaced by the current state.
pub const SUBSCRIBER_BUFFER: usize = 16;

/// Queue-position-only changes reach a feed at most this often.
pub const POSITION_INTERVAL: Duration = Duration::from_secs(1);

/// Per-job subscribers and the fan-out to them.
pub struct JobEvents {
    subscribers: Mutex<HashMap<JobId, Vec<Arc<Inbox>>>>,
    capacity: usize,
}

#[derive(Default)]
struct Inbox {
    state: Mutex<InboxState>,
    notify: Notify,
}

#[derive(Default)]
struct InboxState {
    queue: VecDeque<Arc<Job>>,
    /// How many times the backlog was dropped for the current state.
    lagged: u64,
    /// The job is gone: nothing more will come.
    closed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave these maps half-updated in a way that matters.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inbox {
    fn push(&self, job: &Arc<Job>, capacity: usize) {
        {
            let mut state = lock(&self.state);
            if state.queue.len() >= capacity {
                // What is queued is superseded by this record: the subscriber skips to it.
                state.queue.clear();
                state.lagged += 1;
            }
            state.queue.push_back(Arc::clone(job));
        }
        self.notify.notify_one();
    }

    fn close(&self) {
        lock(&self.state).closed = true;
        self.notify.notify_one();
    }
}

impl Default for JobEvents {
    fn default() -> Self {
        Self::new(SUBSCRIBER_BUFFER)
    }
}

impl JobEvents {
    /// An event source whose subscribers hold at most `capacity` (≥ 1) records each.
    pub fn new(capacity: usize) -> Self {
        Self {
            subscribers: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Starts following `id`. Subscribe before reading the current state, so that nothing
    /// published in between is missed.
    pub fn subscribe(self: &Arc<Self>, id: &JobId) -> Subscription {
        let inbox = Arc::new(Inbox::default());
        lock(&self.subscribers)
            .entry(id.clone())
            .or_default()
            .push(Arc::clone(&inbox));
        Subscription {
            events: Arc::clone(self),
            id: id.clone(),
            inbox,
        }
    }

    /// Hands a changed record to every subscriber of its job. Never blocks on a subscriber.
    pub fn publish(&self, job: &Arc<Job>) {
        let subscribers = lock(&self.subscribers);
        for inbox in subscribers.get(&job.id).into_iter().flatten() {
            inbox.push(job, self.capacity);
        }
    }

    /// The job is gone (purged, swept): its subscriptions end after what they hold.
    pub fn close(&self, id: &JobId) {
        if let Some(inboxes) = lock(&self.subscribers).remove(id) {
            for inbox in inboxes {
                inbox.close();
            }
        }
    }

    /// How many subscriptions follow `id`.
    pub fn subscriber_count(&self, id: &JobId) -> usize {
        lock(&self.subscribers).get(id).map_or(0, Vec::len)
    }

    fn unsubscribe(&self, id: &JobId, inbox: &Arc<Inbox>) {
        let mut subscribers = lock(&self.subscribers);
        if let Some(inboxes) = subscribers.get_mut(id) {
            inboxes.retain(|i| !Arc::ptr_eq(i, inbox));
            if inboxes.is_empty() {
                subscribers.remove(id);
            }
        }
    }
}

/// One follower of one job: the records published since it subscribed, in order, bounded.
/// Dropping it unsubscribes.
pub struct Subscription {
    events: Arc<JobEvents>,
    id: JobId,
    inbox: Arc<Inbox>,
}

impl Subscription {
    /// The next record, waiting for one; `None` once the job is gone and the inbox empty.
    pub async fn recv(&mut self) -> Option<Arc<Job>> {
        loop {
            if let Some(next) = self.try_recv() {
                return next;
            }
            // `notify_one` stores a permit when nobody waits, so a push between the check
            // above and this await is not missed.
            self.inbox.notify.notified().await;
        }
    }

    /// `Some(record)` or `Some(None)` (closed) when ready, `None` when nothing is waiting.
    fn try_recv(&mut self) -> Option<Option<Arc<Job>>> {
        let mut state = lock(&self.inbox.state);
        match state.queue.pop_front() {
            Some(job) => Some(Some(job)),
            None if state.closed => Some(None),
            None => None,
        }
    }

    /// How many times this subscriber's backlog was replaced by the current state.
    pub fn lagged(&self) -> u64 {
        lock(&self.inbox.state).lagged
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.events.unsubscribe(&self.id, &self.inbox);
    }
}

/// What a live channel sends: the records newer than what the client has, in version order,
/// with queue-position-only changes coalesced.
pub struct JobFeed {
    subscription: Subscription,
    /// The newest record the client has (or was sent).
    last: Arc<Job>,
    last_sent_at: Instant,
    /// A queue-position-only change held back by the rate limit.
    pending: Option<Arc<Job>>,
    position_interval: Duration,
}

impl JobFeed {
    /// A feed over `subscription` for a client that already has `current` (just sent to it, or
    /// known to it by `Last-Event-ID`): only newer versions follow.
    pub fn new(subscription: Subscription, current: Arc<Job>, position_interval: Duration) -> Self {
        Self {
            subscription,
            last: current,
            last_sent_at: Instant::now(),
            pending: None,
            position_interval,
        }
    }

    /// The next record to send; `None` when the job is gone. A caller stops after a terminal
    /// record (no newer one can exist: terminal states do not change).
    pub async fn next(&mut self) -> Option<Arc<Job>> {
        loop {
            let release = self.last_sent_at + self.position_interval;
            let received = tokio::select! {
                biased;
                received = self.subscription.recv() => received,
                _ = tokio::time::sleep_until(release), if self.pending.is_some() => {
                    match self.pending.take() {
                        Some(job) => return Some(self.sent(job)),
                        None => continue,
                    }
                }
            };
            let Some(job) = received else {
                return self.pending.take().map(|job| self.sent(job));
            };
            // Publishers racing each other may deliver an older record after a newer one: the
            // newer state already covers it.
            if job.version <= self.last.version {
                continue;
            }
            if position_only(&self.last, &job)
                && Instant::now() < self.last_sent_at + self.position_interval
            {
                self.pending = Some(job);
                continue;
            }
            self.pending = None;
            return Some(self.sent(job));
        }
    }

    /// How many times the subscription's backlog was replaced by the current state.
    pub fn lagged(&self) -> u64 {
        self.subscription.lagged()
    }

    fn sent(&mut self, job: Arc<Job>) -> Arc<Job> {
        self.last = Arc::clone(&job);
        self.last_sent_at = Instant::now();
        job
    }
}

/// Whether `next` differs from `last` only in its queue position (and the clock fields).
fn position_only(last: &Job, next: &Job) -> bool {
    last.status == next.status
        && last.phase == next.phase
        && last.progress == next.progress
        && last.progress_message == next.progress_message
        && last.writing_report == next.writing_report
        && last.queue_position != next.queue_position
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
