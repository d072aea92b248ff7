//! Measures the time from the analysis script's exit to the `completed` event at an SSE client,
//! on loopback, with the stub analyzer writing a result of 0 rows. The stub stamps its exit time
//! (wall clock, ns) as its last act; the client stamps the moment the `completed` event is
//! parsed. Jobs run one at a time, so no job waits in the queue. The workbook write, which is
//! part of that interval, is timed separately on the same 0-row result.
//!
//! Usage: `cargo run --release --example sse_latency [-- <jobs=200>]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rankmap::config::Config;
use rankmap::report::{ReportInput, ReportOptions, write_report};
use rankmap::results::{SUMMARY_FILE, Table};
use rankmap::startup::Application;

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().context("the argument is the number of jobs")?,
        None => 200,
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dirs = tempfile::tempdir()?;
    let stamps = dirs.path().join("stamps");
    std::fs::create_dir_all(&stamps)?;
    let mut config = Config::defaults(&root)?;
    config.server.bind = "127.0.0.1:0".parse()?;
    config.storage.uploads_dir = dirs.path().join("uploads");
    config.storage.results_dir = dirs.path().join("results");
    config.storage.min_free_bytes = 0;
    config.runner.command = vec![
        "python3".into(),
        root.join("tests/fixtures/stub/analyzer.py")
            .display()
            .to_string(),
        "--rows".into(),
        "0".into(),
        "--exit-stamp".into(),
        stamps.display().to_string(),
    ];
    let results_dir = config.storage.results_dir.clone();
    let app = Application::build(config).await?;
    let base = format!("http://{}/api/v1/analysis", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().no_proxy().build()?;

    let mut latencies = Vec::with_capacity(jobs);
    let mut last_job = String::new();
    for _ in 0..jobs {
        let id = submit(&client, &base).await?;
        let mut events = client.get(format!("{base}/job/{id}/events")).send().await?;
        let mut text = String::new();
        let received = loop {
            let chunk = tokio::time::timeout(Duration::from_secs(30), events.chunk())
                .await
                .context("no completed event within 30 s")??;
            let Some(chunk) = chunk else {
                bail!("stream of {id} ended without completed: {text}");
            };
            text.push_str(std::str::from_utf8(&chunk)?);
            if text.contains("event: completed\n") && text.ends_with("\n\n") {
                break now_ns();
            }
            if text.contains("event: failed\n") {
                bail!("job {id} failed: {text}");
            }
        };
        let exited: u128 = std::fs::read_to_string(stamps.join(&id))?.trim().parse()?;
        latencies.push(Duration::from_nanos(
            u64::try_from(received.saturating_sub(exited)).unwrap_or(u64::MAX),
        ));
        last_job = id;
    }
    let _ = stop.send(());
    server.await??;

    report("script exit -> completed event", &mut latencies);
    let mut workbook = time_workbook(&results_dir.join(&last_job), &last_job, 50)?;
    report("workbook write (0 rows, in that interval)", &mut workbook);
    Ok(())
}

async fn submit(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let part =
        reqwest::multipart::Part::bytes(b"query,clicks\nduo,1\n".to_vec()).file_name("Queries.csv");
    let form = reqwest::multipart::Form::new().part("file", part);
    let answer: serde_json::Value = client
        .post(format!("{base}/analyze-file"))
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    answer["jobId"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("upload refused: {answer}"))
}

/// Writes the workbook of a completed job's stored 0-row tables `runs` times.
fn time_workbook(dir: &Path, job_id: &str, runs: usize) -> anyhow::Result<Vec<Duration>> {
    let out = tempfile::tempdir()?;
    let (summary, onpage, keywords) = (
        dir.join(SUMMARY_FILE),
        Table::OnpageResults.rows_path(dir),
        Table::KeywordMapping.rows_path(dir),
    );
    let input = ReportInput {
        summary_json: &summary,
        onpage_ndjson: &onpage,
        keyword_ndjson: &keywords,
        original_filename: "Queries.csv",
        job_id,
    };
    (0..runs)
        .map(|n| {
            let started = Instant::now();
            write_report(
                &input,
                &out.path().join(format!("{n}.xlsx")),
                &ReportOptions::default(),
            )?;
            Ok(started.elapsed())
        })
        .collect()
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).copied().unwrap_or_default()
    };
    println!(
        "{what}: n={} median={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
