//! Unit tests of the event source: bounded inboxes, lag handling, version filtering and the
//! queue-position rate limit.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::*;
use crate::jobs::model::{FilterOption, Phase};
use crate::upload::UploadKind;

fn queued() -> Job {
    let now = Timestamp::now();
    Job::new_queued(
        JobId::generate(now).unwrap(),
        "q.csv".into(),
        FilterOption::All,
        UploadKind::Text,
        "upload.csv".into(),
        now,
    )
}

/// `base` at `version` with `progress` (running).
fn at(base: &Job, version: u64, progress: u8) -> Arc<Job> {
    let mut job = base.clone();
    job.phase = Phase::Running;
    job.version = version;
    job.progress = progress;
    Arc::new(job)
}

fn at_position(base: &Job, version: u64, position: u32) -> Arc<Job> {
    let mut job = base.clone();
    job.version = version;
    job.queue_position = Some(position);
    Arc::new(job)
}

async fn next_within(feed: &mut JobFeed, within: Duration) -> Option<Arc<Job>> {
    tokio::time::timeout(within, feed.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn publishing_never_waits_for_a_subscriber_that_does_not_read() {
    let events = Arc::new(JobEvents::new(8));
    let job = queued();
    let idle = events.subscribe(&job.id);
    let mut reader = events.subscribe(&job.id);
    for version in 2..10_002 {
        events.publish(&at(&job, version, 1));
        assert_eq!(reader.recv().await.unwrap().version, version);
    }
    assert!(lock(&idle.inbox.state).queue.len() <= 8);
    assert!(idle.lagged() > 1000, "lagged {}", idle.lagged());
    assert_eq!(reader.lagged(), 0);
}

#[tokio::test]
async fn a_lagging_subscriber_gets_the_current_state_once_instead_of_the_backlog() {
    let events = Arc::new(JobEvents::new(4));
    let job = queued();
    let mut sub = events.subscribe(&job.id);
    for version in 2..=6 {
        events.publish(&at(&job, version, version as u8));
    }
    assert_eq!(sub.recv().await.unwrap().version, 6);
    assert_eq!(sub.lagged(), 1);
    assert!(sub.try_recv().is_none(), "nothing else is queued");
}

#[tokio::test]
async fn a_feed_forwards_only_versions_newer_than_the_snapshot() {
    let events = Arc::new(JobEvents::new(16));
    let job = queued();
    let sub = events.subscribe(&job.id);
    // Published between subscribing and reading the snapshot: already covered by it.
    events.publish(&at(&job, 2, 10));
    let snapshot = at(&job, 2, 10);
    let mut feed = JobFeed::new(sub, snapshot, POSITION_INTERVAL);
    events.publish(&at(&job, 4, 40));
    // A racing publisher delivering an older record late.
    events.publish(&at(&job, 3, 30));
    events.publish(&at(&job, 5, 50));
    let second = Duration::from_secs(1);
    assert_eq!(next_within(&mut feed, second).await.unwrap().version, 4);
    assert_eq!(next_within(&mut feed, second).await.unwrap().version, 5);
    assert!(
        next_within(&mut feed, Duration::from_millis(50))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn queue_position_changes_are_coalesced_but_progress_is_not() {
    let events = Arc::new(JobEvents::new(16));
    let job = queued();
    let interval = Duration::from_millis(300);
    let mut feed = JobFeed::new(events.subscribe(&job.id), Arc::new(job.clone()), interval);
    let started = Instant::now();
    for (version, position) in (2..7).zip([6, 5, 4, 3, 2]) {
        events.publish(&at_position(&job, version, position));
    }
    let held = next_within(&mut feed, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!((held.version, held.queue_position), (6, Some(2)));
    assert!(started.elapsed() >= interval, "{:?}", started.elapsed());

    // A phase/progress change right after goes out at once.
    let started = Instant::now();
    events.publish(&at(&job, 7, 5));
    assert_eq!(next_within(&mut feed, interval).await.unwrap().version, 7);
    assert!(started.elapsed() < interval);
}

#[tokio::test]
async fn a_progress_change_supersedes_a_held_position_change() {
    let events = Arc::new(JobEvents::new(16));
    let job = queued();
    let interval = Duration::from_millis(500);
    let mut feed = JobFeed::new(events.subscribe(&job.id), Arc::new(job.clone()), interval);
    events.publish(&at_position(&job, 2, 3));
    events.publish(&at(&job, 3, 1));
    let started = Instant::now();
    assert_eq!(next_within(&mut feed, interval).await.unwrap().version, 3);
    assert!(started.elapsed() < interval);
    assert!(
        next_within(&mut feed, Duration::from_millis(700))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn closing_a_job_ends_its_subscriptions_after_what_they_hold() {
    let events = Arc::new(JobEvents::new(16));
    let job = queued();
    let mut sub = events.subscribe(&job.id);
    let other = events.subscribe(&job.id);
    assert_eq!(events.subscriber_count(&job.id), 2);
    drop(other);
    assert_eq!(events.subscriber_count(&job.id), 1);
    events.publish(&at(&job, 2, 1));
    events.close(&job.id);
    assert_eq!(sub.recv().await.unwrap().version, 2);
    assert!(sub.recv().await.is_none());
    drop(sub);
    assert_eq!(events.subscriber_count(&job.id), 0);
}

#[tokio::test]
async fn a_subscriber_of_one_job_sees_nothing_of_another() {
    let events = Arc::new(JobEvents::new(16));
    let (a, b) = (queued(), queued());
    let mut sub = events.subscribe(&a.id);
    events.publish(&at(&b, 2, 1));
    assert!(sub.try_recv().is_none());
    events.publish(&at(&a, 2, 1));
    assert_eq!(sub.recv().await.unwrap().id, a.id);
}
