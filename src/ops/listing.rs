//! The admin view of the job table: counts by status and the paged, filtered list, newest first.
//!
//! Paging is by key, not by offset: jobs are ordered by id, which starts with the creation time
//! in milliseconds (ties broken by the random part), and a cursor is the id of the last job of a
//! page. The next page holds the jobs ordered after it. Ids never change, so a walk sees every
//! job held when it started exactly once, however many jobs arrive meanwhile (new jobs sort
//! before the cursor); a removed job simply drops out.
//!
//! Pure functions over a snapshot of records: no store, no HTTP.

use std::str::FromStr;
use std::sync::Arc;

use crate::jobs::id::JobId;
use crate::jobs::model::{Job, Phase, Status};

/// Jobs per page when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest accepted `limit`.
pub const MAX_LIMIT: usize = 500;

/// The `status` filter of the jobs list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum StatusFilter {
    /// Queued or running.
    Processing,
    Queued,
    Running,
    Completed,
    Failed,
}

impl StatusFilter {
    /// Whether `job` passes.
    pub fn admits(self, job: &Job) -> bool {
        match self {
            Self::Processing => job.status == Status::Processing,
            Self::Queued => job.status == Status::Processing && job.phase == Phase::Queued,
            Self::Running => job.status == Status::Processing && job.phase == Phase::Running,
            Self::Completed => job.status == Status::Completed,
            Self::Failed => job.status == Status::Failed,
        }
    }
}

impl FromStr for StatusFilter {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "processing" => Ok(Self::Processing),
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "completed" => Ok(Self::Completed),
            "failed" => Ok(Self::Failed),
            _ => Err(()),
        }
    }
}

/// A parsed `?status=&limit=&cursor=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub status: Option<StatusFilter>,
    pub limit: usize,
    /// Jobs strictly after this id (in list order) are wanted.
    pub after: Option<JobId>,
}

impl PageRequest {
    /// Parses the raw query values; the error is a sentence for `details`.
    pub fn parse(
        status: Option<&str>,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Self, String> {
        let status = status
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse().map_err(|()| {
                    format!(
                        "status must be processing, queued, running, completed or failed, not {s:?}."
                    )
                })
            })
            .transpose()?;
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    format!("limit must be an integer from 1 to {MAX_LIMIT}, not {raw:?}.")
                })?,
        };
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<JobId>()
                    .map_err(|_| "cursor is not one this server handed out.".to_owned())
            })
            .transpose()?;
        Ok(Self {
            status,
            limit,
            after,
        })
    }
}

/// One page and the cursor of the next (`None` on the last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub jobs: Vec<Arc<Job>>,
    pub next_cursor: Option<String>,
}

/// The page `request` asks for, from a snapshot of every record.
pub fn page(mut jobs: Vec<Arc<Job>>, request: &PageRequest) -> Page {
    jobs.retain(|job| {
        request.status.is_none_or(|s| s.admits(job))
            && request.after.as_ref().is_none_or(|after| job.id < *after)
    });
    // Newest first; the id embeds the creation time and is unique, so the order is total.
    jobs.sort_unstable_by(|a, b| b.id.cmp(&a.id));
    let more = jobs.len() > request.limit;
    jobs.truncate(request.limit);
    let next_cursor = more
        .then(|| jobs.last().map(|j| j.id.to_string()))
        .flatten();
    Page { jobs, next_cursor }
}

/// Jobs held, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub total: usize,
    pub processing: usize,
    pub queued: usize,
    pub running: usize,
    pub completed: usize,
    pub failed: usize,
}

impl Stats {
    /// Counts a snapshot.
    pub fn of(jobs: &[Arc<Job>]) -> Self {
        let mut stats = Self {
            total: jobs.len(),
            ..Self::default()
        };
        for job in jobs {
            match (job.status, job.phase) {
                (Status::Processing, phase) => {
                    stats.processing += 1;
                    match phase {
                        Phase::Queued => stats.queued += 1,
                        Phase::Running => stats.running += 1,
                    }
                }
                (Status::Completed, _) => stats.completed += 1,
                (Status::Failed, _) => stats.failed += 1,
            }
        }
        stats
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use jiff::Timestamp;

    use super::*;
    use crate::jobs::model::FilterOption;
    use crate::upload::UploadKind;

    fn job_at(ms: i64) -> Arc<Job> {
        let now = Timestamp::from_millisecond(ms).unwrap();
        let id = JobId::generate(now).unwrap();
        Arc::new(Job::new_queued(
            id,
            "q.csv".into(),
            FilterOption::All,
            UploadKind::Text,
            "upload.csv".into(),
            now,
        ))
    }

    fn request(limit: usize, after: Option<String>) -> PageRequest {
        PageRequest {
            status: None,
            limit,
            after: after.map(|a| a.parse().unwrap()),
        }
    }

    #[test]
    fn a_walk_sees_every_job_once_newest_first_while_jobs_arrive() {
        // Several jobs share a millisecond, so ties are broken by the random part.
        let mut held: Vec<Arc<Job>> = (0..23).map(|i| job_at(1_000 + i / 3)).collect();
        let original: HashSet<String> = held.iter().map(|j| j.id.to_string()).collect();
        let (mut seen, mut cursor, mut pages) = (Vec::<String>::new(), None, 0);
        loop {
            let page = page(held.clone(), &request(4, cursor.clone()));
            let times: Vec<_> = page.jobs.iter().map(|j| j.created_at).collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
            seen.extend(page.jobs.iter().map(|j| j.id.to_string()));
            held.push(job_at(5_000 + pages)); // arrives between two pages
            pages += 1;
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "no job twice");
        assert_eq!(unique, original, "exactly the jobs held at the start");
    }

    #[test]
    fn the_last_page_has_no_cursor_and_an_exact_fit_needs_no_empty_page() {
        let held: Vec<_> = (0..4).map(|i| job_at(1_000 + i)).collect();
        let first = page(held.clone(), &request(2, None));
        assert_eq!(first.jobs.len(), 2);
        let second = page(held, &request(2, first.next_cursor));
        assert_eq!(second.jobs.len(), 2);
        assert_eq!(second.next_cursor, None);
    }

    #[test]
    fn query_values_are_checked() {
        let ok = PageRequest::parse(Some("running"), Some("500"), None).unwrap();
        assert_eq!((ok.status, ok.limit), (Some(StatusFilter::Running), 500));
        assert_eq!(PageRequest::parse(None, None, None).unwrap().limit, 50);
        for (status, limit, cursor) in [
            (Some("Running"), None, None),
            (None, Some("0"), None),
            (None, Some("501"), None),
            (None, Some("-1"), None),
            (None, Some("ten"), None),
            (None, None, Some("job_1_2")),
        ] {
            assert!(
                PageRequest::parse(status, limit, cursor).is_err(),
                "{status:?} {limit:?} {cursor:?}"
            );
        }
    }

    #[test]
    fn stats_count_each_job_once() {
        let queued = job_at(1);
        let mut running = Job::clone(&job_at(2));
        running.start(Timestamp::from_millisecond(3).unwrap());
        let running = Arc::new(running);
        let mut failed = Job::clone(&job_at(4));
        failed.fail(
            crate::error::ErrorBody {
                message: "m".into(),
                details: None,
                code: crate::error::ErrorCode::Cancelled,
            },
            Timestamp::from_millisecond(5).unwrap(),
        );
        let stats = Stats::of(&[queued, running, Arc::new(failed)]);
        assert_eq!(
            stats,
            Stats {
                total: 3,
                processing: 2,
                queued: 1,
                running: 1,
                completed: 0,
                failed: 1
            }
        );
    }
}
