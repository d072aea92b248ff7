//! The in-memory queue: one dispatcher task, a `VecDeque` and a semaphore of worker slots.
//!
//! Positions are index + 1. The waiting room is `max_queued` jobs beyond the free slots, so
//! `max_queued = 0` still lets a job start when a slot is free — nothing merely waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::{JobQueue, QueueError, QueueEvent, Slot};
use crate::jobs::id::JobId;

struct Waiting {
    jobs: VecDeque<JobId>,
    closed: bool,
}

struct Shared {
    waiting: Mutex<Waiting>,
    slots: Arc<Semaphore>,
    max_queued: usize,
    wake: Notify,
    events: mpsc::UnboundedSender<QueueEvent>,
}

/// FIFO queue with `concurrency` slots, held in this process.
#[derive(Clone)]
pub struct MemoryJobQueue {
    shared: Arc<Shared>,
}

impl MemoryJobQueue {
    /// A queue and the receiver of its events. Call [`MemoryJobQueue::run`] to dispatch.
    pub fn new(
        concurrency: usize,
        max_queued: usize,
    ) -> (Self, mpsc::UnboundedReceiver<QueueEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            waiting: Mutex::new(Waiting {
                jobs: VecDeque::new(),
                closed: false,
            }),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            max_queued,
            wake: Notify::new(),
            events,
        });
        (Self { shared }, rx)
    }

    /// The dispatcher: waits for a job and a free slot, then hands the job out. Ends on `stop`.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            let permit = tokio::select! {
                _ = stop.cancelled() => return,
                permit = Arc::clone(&self.shared.slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
            };
            let next = loop {
                // Register interest before looking, so a push between the look and the wait
                // is not missed.
                let notified = self.shared.wake.notified();
                if let Some(popped) = self.pop_front() {
                    break popped;
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = notified => {}
                }
            };
            let (id, moved) = next;
            if !moved.is_empty() {
                let _ = self.shared.events.send(QueueEvent::Positions(moved));
            }
            if self
                .shared
                .events
                .send(QueueEvent::Ready(id, Slot(permit)))
                .is_err()
            {
                return;
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // A panic while holding this lock cannot leave the deque inconsistent (every change is
        // a single call), so a poisoned lock is still usable.
        self.shared
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn pop_front(&self) -> Option<(JobId, Vec<(JobId, u32)>)> {
        let mut waiting = self.lock();
        let id = waiting.jobs.pop_front()?;
        Some((id, positions_from(&waiting.jobs, 0)))
    }
}

fn positions_from(jobs: &VecDeque<JobId>, start: usize) -> Vec<(JobId, u32)> {
    jobs.iter()
        .enumerate()
        .skip(start)
        .map(|(i, id)| (id.clone(), u32::try_from(i + 1).unwrap_or(u32::MAX)))
        .collect()
}

#[async_trait]
impl JobQueue for MemoryJobQueue {
    async fn push(&self, id: JobId) -> Result<u32, QueueError> {
        let position = {
            let mut waiting = self.lock();
            if waiting.closed {
                return Err(QueueError::Closed);
            }
            let room = self.shared.max_queued + self.shared.slots.available_permits();
            if waiting.jobs.len() >= room {
                return Err(QueueError::Full);
            }
            waiting.jobs.push_back(id.clone());
            u32::try_from(waiting.jobs.len()).unwrap_or(u32::MAX)
        };
        let _ = self
            .shared
            .events
            .send(QueueEvent::Positions(vec![(id, position)]));
        self.shared.wake.notify_one();
        Ok(position)
    }

    async fn remove(&self, id: &JobId) -> bool {
        let moved = {
            let mut waiting = self.lock();
            let Some(index) = waiting.jobs.iter().position(|j| j == id) else {
                return false;
            };
            waiting.jobs.remove(index);
            positions_from(&waiting.jobs, index)
        };
        if !moved.is_empty() {
            let _ = self.shared.events.send(QueueEvent::Positions(moved));
        }
        true
    }

    async fn waiting(&self) -> usize {
        self.lock().jobs.len()
    }

    async fn close(&self) -> Vec<JobId> {
        let mut waiting = self.lock();
        waiting.closed = true;
        waiting.jobs.drain(..).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn id() -> JobId {
        JobId::generate(Timestamp::now()).unwrap()
    }

    async fn next_ready(rx: &mut mpsc::UnboundedReceiver<QueueEvent>) -> (JobId, Slot) {
        loop {
            match rx.recv().await.unwrap() {
                QueueEvent::Ready(id, slot) => return (id, slot),
                QueueEvent::Positions(_) => {}
            }
        }
    }

    #[tokio::test]
    async fn jobs_leave_in_fifo_order_and_only_as_slots_free_up() {
        let (queue, mut rx) = MemoryJobQueue::new(1, 10);
        let stop = CancellationToken::new();
        tokio::spawn(queue.clone().run(stop.clone()));
        let (a, b) = (id(), id());
        queue.push(a.clone()).await.unwrap();
        queue.push(b.clone()).await.unwrap();
        let (first, slot) = next_ready(&mut rx).await;
        assert_eq!(first, a);
        assert_eq!(queue.waiting().await, 1);
        drop(slot);
        let (second, _slot) = next_ready(&mut rx).await;
        assert_eq!(second, b);
        stop.cancel();
    }

    #[tokio::test]
    async fn a_full_queue_refuses_and_zero_waiting_room_still_runs_on_a_free_slot() {
        let (queue, _rx) = MemoryJobQueue::new(1, 0);
        assert_eq!(queue.push(id()).await, Ok(1));
        assert_eq!(queue.push(id()).await, Err(QueueError::Full));
    }

    #[tokio::test]
    async fn removing_a_waiting_job_moves_the_ones_behind_it_up() {
        let (queue, mut rx) = MemoryJobQueue::new(1, 10);
        let (a, b, c) = (id(), id(), id());
        for j in [&a, &b, &c] {
            queue.push(j.clone()).await.unwrap();
        }
        while rx.try_recv().is_ok() {}
        assert!(queue.remove(&a).await);
        assert!(!queue.remove(&a).await);
        match rx.try_recv().unwrap() {
            QueueEvent::Positions(p) => assert_eq!(p, vec![(b, 1), (c, 2)]),
            other => panic!("unexpected {other:?}"),
        }
    }
}
