//! Prometheus metrics (contract §1.8): the recorder, the metric names, and the few calls the job
//! path and the HTTP edge make to move them.
//!
//! The `metrics` facade keeps one recorder per process, so [`install`] sets it once behind a
//! `OnceLock` and every later call (a second server in the same test binary) reuses it; tests
//! therefore compare values before and after, never absolute numbers. Before [`install`] every
//! call here is a no-op (unit tests run without a recorder).
//!
//! Label values are bounded by construction: `route` is the matched route template or
//! `unmatched`, `status` an HTTP status or a job status, `code` an [`crate::error::ErrorCode`].
//! Nothing a client sends ever becomes a label value.

use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::StatusCode;
use dashmap::DashMap;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

/// Uploads accepted as jobs.
pub const JOBS_SUBMITTED: &str = "rankmap_jobs_submitted_total";
/// Jobs that reached a terminal state, by `status` and `code`.
pub const JOBS_FINISHED: &str = "rankmap_jobs_finished_total";
/// Seconds from `startedAt` to the end of a run.
pub const JOB_DURATION: &str = "rankmap_job_duration_seconds";
/// Seconds from `createdAt` to `startedAt`.
pub const JOB_QUEUE_WAIT: &str = "rankmap_job_queue_wait_seconds";
/// Jobs running now (set at scrape time from the store).
pub const JOBS_RUNNING: &str = "rankmap_jobs_running";
/// Jobs waiting for a slot now (set at scrape time from the store).
pub const JOBS_QUEUED: &str = "rankmap_jobs_queued";
/// Bytes of accepted uploads.
pub const UPLOAD_BYTES: &str = "rankmap_upload_bytes_total";
/// HTTP answers by `route` and `status`.
pub const HTTP_REQUESTS: &str = "rankmap_http_requests_total";
/// Seconds until the response head, by `route`.
pub const HTTP_DURATION: &str = "rankmap_http_request_duration_seconds";
/// Always 1, labelled with the `version`.
pub const BUILD_INFO: &str = "rankmap_build_info";

/// The `route` label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";
/// The `code` label of a completed job (Prometheus treats an empty label as absent).
pub const NO_CODE: &str = "none";

/// Job duration and queue wait buckets, in seconds.
pub const JOB_BUCKETS: [f64; 11] = [
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];
/// HTTP duration buckets, in seconds.
pub const HTTP_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The exporter with every histogram given buckets (without them they render as summaries).
fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), &JOB_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(JOB_QUEUE_WAIT.into()), &JOB_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &HTTP_BUCKETS)
}

/// Installs the process-wide recorder on the first call; later calls return the same handle.
/// `None` when another recorder was installed first (metrics are then not served).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match builder().and_then(PrometheusBuilder::install_recorder) {
            Ok(handle) => {
                describe();
                ::metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
                Some(handle)
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
                None
            }
        })
        .as_ref()
}

fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(JOBS_SUBMITTED, "Uploads accepted as jobs.");
    describe_counter!(JOBS_FINISHED, "Jobs that reached a terminal state.");
    describe_histogram!(
        JOB_DURATION,
        Unit::Seconds,
        "From startedAt to the end of a run."
    );
    describe_histogram!(
        JOB_QUEUE_WAIT,
        Unit::Seconds,
        "From createdAt to startedAt."
    );
    describe_gauge!(JOBS_RUNNING, "Jobs running now.");
    describe_gauge!(JOBS_QUEUED, "Jobs waiting for a worker slot now.");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of accepted uploads.");
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP responses by route template and status."
    );
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to the response head.");
    describe_gauge!(BUILD_INFO, "Always 1; the version is a label.");
}

/// The Prometheus text of every metric; empty without a recorder.
pub fn render() -> String {
    HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}

/// Folds histogram samples every few seconds until `stop`, so that memory stays bounded even
/// when nothing scrapes `/metrics`.
pub async fn upkeep(stop: CancellationToken) {
    let Some(handle) = HANDLE.get().and_then(Option::as_ref) else {
        return;
    };
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => handle.run_upkeep(),
        }
    }
}

/// A job was accepted.
pub fn job_submitted() {
    ::metrics::counter!(JOBS_SUBMITTED).increment(1);
}

/// An upload of `bytes` was accepted.
pub fn upload_accepted(bytes: u64) {
    ::metrics::counter!(UPLOAD_BYTES).increment(bytes);
}

/// A job got a slot after waiting `wait`.
pub fn job_started(wait: Duration) {
    ::metrics::histogram!(JOB_QUEUE_WAIT).record(wait.as_secs_f64());
}

/// A job's run ended after `duration`.
pub fn job_ran(duration: Duration) {
    ::metrics::histogram!(JOB_DURATION).record(duration.as_secs_f64());
}

/// A job reached `status` (`completed` | `failed`) with `code` ([`NO_CODE`] when completed).
pub fn job_finished(status: &'static str, code: &'static str) {
    ::metrics::counter!(JOBS_FINISHED, "status" => status, "code" => code).increment(1);
}

/// The current number of queued and running jobs.
pub fn set_job_gauges(queued: usize, running: usize) {
    ::metrics::gauge!(JOBS_QUEUED).set(queued as f64);
    ::metrics::gauge!(JOBS_RUNNING).set(running as f64);
}

/// The HTTP metrics of one route template, its handles looked up once: counting a response is
/// then an atomic add instead of a registry lookup with freshly allocated labels.
pub struct RouteMetrics {
    route: String,
    duration: Histogram,
    /// One counter per status seen on this route (a handful).
    by_status: RwLock<Vec<(u16, Counter)>>,
}

impl RouteMetrics {
    fn new(route: String) -> Self {
        Self {
            duration: ::metrics::histogram!(HTTP_DURATION, "route" => route.clone()),
            route,
            by_status: RwLock::new(Vec::new()),
        }
    }

    /// Counts one response and times it.
    pub fn record(&self, status: StatusCode, elapsed: Duration) {
        self.duration.record(elapsed.as_secs_f64());
        let code = status.as_u16();
        // Increments the status's counter if it is known yet.
        let counted = |counters: &[(u16, Counter)]| {
            let known = counters.iter().find(|(s, _)| *s == code);
            known.map(|(_, counter)| counter.increment(1)).is_some()
        };
        if counted(
            &self
                .by_status
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        ) {
            return;
        }
        let mut counters = self
            .by_status
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Another thread may have added it between the two locks.
        if !counted(&counters) {
            let counter = ::metrics::counter!(HTTP_REQUESTS, "route" => self.route.clone(), "status" => code.to_string());
            counter.increment(1);
            counters.push((code, counter));
        }
    }
}

/// The metrics of the route a request matched (the template, `/api/v1/analysis/job/{job_id}`,
/// never the path a client sent), or of [`UNMATCHED`].
pub fn http_route(matched: Option<&MatchedPath>) -> Arc<RouteMetrics> {
    static ROUTES: OnceLock<DashMap<String, Arc<RouteMetrics>>> = OnceLock::new();
    let routes = ROUTES.get_or_init(DashMap::new);
    let route = matched.map_or(UNMATCHED, MatchedPath::as_str);
    if let Some(known) = routes.get(route) {
        return Arc::clone(&known);
    }
    Arc::clone(
        &routes
            .entry(route.to_owned())
            .or_insert_with(|| Arc::new(RouteMetrics::new(route.to_owned()))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition text after `record` ran against a fresh recorder of this exporter.
    fn rendered_after(record: impl FnOnce()) -> String {
        let recorder = builder()
            .unwrap_or_else(|e| panic!("buckets accepted: {e}"))
            .build_recorder();
        let handle = recorder.handle();
        ::metrics::with_local_recorder(&recorder, record);
        handle.render()
    }

    #[test]
    fn every_histogram_gets_buckets_so_it_renders_as_a_histogram() {
        let text = rendered_after(|| {
            job_ran(Duration::from_millis(700));
            job_started(Duration::from_secs(3));
            ::metrics::histogram!(HTTP_DURATION, "route" => "/healthz").record(0.002);
        });
        assert!(
            text.contains("rankmap_job_duration_seconds_bucket{le=\"0.5\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("rankmap_job_duration_seconds_bucket{le=\"1\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("rankmap_job_duration_seconds_bucket{le=\"600\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("rankmap_job_queue_wait_seconds_bucket{le=\"5\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "rankmap_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1"
            ),
            "{text}"
        );
        assert!(!text.contains("quantile"), "no summaries: {text}");
    }

    #[test]
    fn a_request_without_a_matched_route_is_labelled_unmatched() {
        assert_eq!(http_route(None).route, UNMATCHED);
    }

    #[test]
    fn route_metrics_count_each_status_apart_and_time_every_response() {
        let text = rendered_after(|| {
            let route = RouteMetrics::new("/api/v1/analysis/job/{job_id}".to_owned());
            route.record(StatusCode::NOT_MODIFIED, Duration::from_micros(50));
            route.record(StatusCode::NOT_MODIFIED, Duration::from_micros(50));
            route.record(StatusCode::NOT_FOUND, Duration::from_millis(2));
        });
        let route = "route=\"/api/v1/analysis/job/{job_id}\"";
        assert!(
            text.contains(&format!(
                "rankmap_http_requests_total{{{route},status=\"304\"}} 2"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "rankmap_http_requests_total{{{route},status=\"404\"}} 1"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "rankmap_http_request_duration_seconds_count{{{route}}} 3"
            )),
            "{text}"
        );
    }
}
