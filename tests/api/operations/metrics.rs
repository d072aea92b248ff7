//! `/metrics`: the recorder is process-global and shared by every test of this binary, so these
//! tests compare scrapes taken before and after, never absolute values.

use std::collections::{BTreeMap, HashSet};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, stub_command};

/// One sample line: `name{labels} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap();
                    (k.to_owned(), v.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().unwrap(),
            }
        })
        .collect()
}

async fn scrape(app: &TestApp) -> (String, Vec<Sample>) {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

/// The sum of the samples named `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

fn route_labels(samples: &[Sample]) -> HashSet<String> {
    samples
        .iter()
        .filter(|s| s.name == "rankmap_http_requests_total")
        .filter_map(|s| s.labels.get("route").cloned())
        .collect()
}

#[tokio::test]
async fn metrics_move_when_a_job_runs() {
    let app = spawn_app().await;
    let (_, before) = scrape(&app).await;
    let upload = b"query,clicks\nduo,1\n";
    let response = app.upload("Queries.csv", upload, None).await;
    assert_eq!(response.status(), 202);
    let id = response.json::<serde_json::Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.wait_for_job(&id).await["status"], "completed");
    let (text, after) = scrape(&app).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(delta("rankmap_jobs_submitted_total", &[]) >= 1.0, "{text}");
    let completed = [("status", "completed"), ("code", "none")];
    assert!(
        delta("rankmap_jobs_finished_total", &completed) >= 1.0,
        "{text}"
    );
    assert!(
        delta("rankmap_job_duration_seconds_count", &[]) >= 1.0,
        "{text}"
    );
    assert!(
        delta("rankmap_job_queue_wait_seconds_count", &[]) >= 1.0,
        "{text}"
    );
    assert!(
        delta("rankmap_upload_bytes_total", &[]) >= upload.len() as f64,
        "{text}"
    );
    let upload_route = [
        ("route", "/api/v1/analysis/analyze-file"),
        ("status", "202"),
    ];
    assert!(
        delta("rankmap_http_requests_total", &upload_route) >= 1.0,
        "{text}"
    );
    let status_route = [
        ("route", "/api/v1/analysis/job/{job_id}"),
        ("status", "200"),
    ];
    assert!(
        delta("rankmap_http_requests_total", &status_route) >= 1.0,
        "{text}"
    );
    let timed = [("route", "/api/v1/analysis/job/{job_id}")];
    assert!(
        delta("rankmap_http_request_duration_seconds_count", &timed) >= 1.0,
        "{text}"
    );

    // Histograms render as histograms with the contract's buckets; gauges and build info exist.
    for le in [
        "0.1", "0.5", "1", "2", "5", "10", "30", "60", "120", "300", "600", "+Inf",
    ] {
        let bucket = [("le", le)];
        assert!(
            after
                .iter()
                .any(|s| s.name == "rankmap_job_duration_seconds_bucket"
                    && s.labels.get("le").map(String::as_str) == Some(bucket[0].1)),
            "bucket {le}: {text}"
        );
    }
    for le in ["0.001", "10"] {
        assert!(
            after
                .iter()
                .any(|s| s.name == "rankmap_http_request_duration_seconds_bucket"
                    && s.labels.get("le").map(String::as_str) == Some(le)),
            "http bucket {le}: {text}"
        );
    }
    assert!(
        text.contains("# TYPE rankmap_job_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE rankmap_job_queue_wait_seconds histogram"),
        "{text}"
    );
    for gauge in ["rankmap_jobs_running", "rankmap_jobs_queued"] {
        assert!(after.iter().any(|s| s.name == gauge), "{gauge}: {text}");
    }
    let version = [("version", env!("CARGO_PKG_VERSION"))];
    assert_eq!(value(&after, "rankmap_build_info", &version), 1.0, "{text}");
}

#[tokio::test]
async fn a_failed_job_is_counted_with_its_code() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "crash"])).await;
    let (_, before) = scrape(&app).await;
    let id = app.submit().await;
    assert_eq!(app.wait_for_job(&id).await["status"], "failed");
    let (text, after) = scrape(&app).await;
    let failed = [("status", "failed"), ("code", "analysis_failed")];
    let delta = value(&after, "rankmap_jobs_finished_total", &failed)
        - value(&before, "rankmap_jobs_finished_total", &failed);
    assert!(delta >= 1.0, "{text}");
}

#[tokio::test]
async fn a_burst_of_random_404_paths_does_not_grow_the_route_labels() {
    let app = spawn_app().await;
    let (_, before) = scrape(&app).await;
    // Letters around the number, so that no metric value can contain it by chance.
    let token = format!("zq{:x}zq", std::process::id() as u64 * 7919 + 12345);
    for n in 0..60 {
        let path = match n % 3 {
            0 => format!("/random-{token}-{n}"),
            1 => format!("/api/v1/analysis/nope-{token}/{n}"),
            _ => format!("/api/v1/analysis/job/x/y/{token}{n}"),
        };
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let (text, after) = scrape(&app).await;
    let unmatched = [("route", "unmatched"), ("status", "404")];
    let delta = value(&after, "rankmap_http_requests_total", &unmatched)
        - value(&before, "rankmap_http_requests_total", &unmatched);
    assert!(delta >= 60.0, "{text}");
    assert!(
        !text.contains(&token),
        "a client path became a label: {text}"
    );
    // Other tests run meanwhile, so new labels may appear, but only route templates (a new
    // route belongs in this list).
    let templates: HashSet<&str> = [
        "unmatched",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/analysis/analyze-file",
        "/api/v1/analysis/job/{job_id}",
        "/api/v1/analysis/job/{job_id}/results/{table}",
        "/api/v1/analysis/job/{job_id}/events",
        "/api/v1/analysis/download/{filename}",
        "/api/v1/analysis/stats",
        "/api/v1/analysis/jobs",
        "/api/v1/analysis/cleanup",
    ]
    .into_iter()
    .collect();
    let grown: Vec<String> = route_labels(&after)
        .difference(&route_labels(&before))
        .cloned()
        .collect();
    assert!(
        grown.iter().all(|r| templates.contains(r.as_str())),
        "new route labels that are not templates: {grown:?}"
    );
    let histogram_routes: HashSet<String> = after
        .iter()
        .filter(|s| s.name == "rankmap_http_request_duration_seconds_count")
        .filter_map(|s| s.labels.get("route").cloned())
        .collect();
    assert!(histogram_routes.contains("unmatched"), "{text}");
    assert!(
        !histogram_routes.iter().any(|r| r.contains(&token)),
        "{text}"
    );
}
