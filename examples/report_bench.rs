//! Measures the workbook writer on a large synthetic result: 1,000,000 keyword rows in the
//! `keywordMapping` shape (analysis-spec §9.4), seeded so every run writes the same input.
//! Prints the time `write_report` took and how much the process's resident memory grew.
//!
//! `cargo run --release --example report_bench [rows]`

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use rankmap::report::{ReportInput, ReportOptions, write_report};
use serde_json::json;

// The server's allocator, so that time and memory are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SplitMix64: a tiny deterministic generator, enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn keyword_row(rng: &mut Rng, i: u64) -> serde_json::Value {
    let position = 1.0 + (rng.unit() * 60.0 * 100.0).round() / 100.0;
    let impressions = rng.below(20_000) as f64;
    let clicks = (impressions * rng.unit() * 0.3).round();
    let urls = 1 + rng.below(3);
    let competing: Vec<_> = (0..urls)
        .map(|u| {
            json!({"url": format!("https://www.example.com/category-{}/page-{}-{u}", i % 97, i),
                   "position": position + u as f64, "clicks": clicks, "impressions": impressions,
                   "clickShare": 1.0 / urls as f64, "impressionShare": 1.0 / urls as f64,
                   "isBest": u == 0})
        })
        .collect();
    let cannibalised = urls > 1 && rng.below(4) == 0;
    let opportunity = (4.0..=20.0).contains(&position).then(|| {
        json!({"type": if position <= 10.0 { "quick_win" } else { "striking_distance" },
               "targetPosition": if position <= 10.0 { 3 } else { 8 }, "expectedCtr": 0.11,
               "potentialClicks": rng.below(500), "potentialTraffic": null,
               "actionHint": "Improve the page for this query and link to it internally to reach the top 3."})
    });
    json!({
        "keyword": format!("synthetic keyword {i} {}", rng.below(1_000_000)),
        "bestUrl": format!("https://www.example.com/category-{}/page-{}-0", i % 97, i),
        "position": position, "previousPosition": null, "clicks": clicks,
        "impressions": impressions, "ctr": if impressions > 0.0 { clicks / impressions } else { 0.0 },
        "searchVolume": null, "traffic": null, "keywordDifficulty": null, "cpc": null,
        "intent": ["informational"], "serpFeatures": [], "urlCount": urls,
        "competingUrls": competing,
        "cannibalization": {"isCannibalized": cannibalised,
            "severity": if cannibalised { json!("medium") } else { json!(null) },
            "reason": if cannibalised { json!("multiple_pages") } else { json!(null) },
            "recommendation": if cannibalised { json!("Pick one target page; merge or de-optimise the other and link it there.") } else { json!(null) }},
        "opportunity": opportunity, "expectedCtr": 0.05, "priorityScore": rng.below(1000),
    })
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User + system CPU time of this process, in seconds (from `/proc/self/stat`, 100 Hz ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    // Not /tmp: it may be a tmpfs, which would count the temp files as memory.
    let dir = tempfile::tempdir_in(std::env::current_dir()?)?;
    let summary = dir.path().join("summary.json");
    let onpage = dir.path().join("onpageResults.ndjson");
    let keywords = dir.path().join("keywordMapping.ndjson");
    std::fs::write(
        &summary,
        serde_json::to_vec(&json!({
            "dataSource": "gsc_query_page",
            "summary": {"source": {"label": "Google Search Console (query + page)"},
                        "filterOption": "all", "keywords": {"total": rows}, "warnings": []},
            "checks": [],
        }))?,
    )?;
    File::create(&onpage)?;
    let mut out = BufWriter::new(File::create(&keywords)?);
    let mut rng = Rng(42);
    for i in 0..rows {
        serde_json::to_writer(&mut out, &keyword_row(&mut rng, i))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    let input_bytes = std::fs::metadata(&keywords)?.len();

    // Reset the peak (VmHWM) so it reflects the write, not the input generation.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (rss_before, _) = memory_kib();
    let input = ReportInput {
        summary_json: &summary,
        onpage_ndjson: &onpage,
        keyword_ndjson: &keywords,
        original_filename: "synthetic.csv",
        job_id: "job_bench",
    };
    let xlsx = dir.path().join("rankmap_job_bench.xlsx");
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let stats = write_report(&input, &xlsx, &ReportOptions::default())?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let (rss_after, hwm_after) = memory_kib();

    println!(
        "keyword rows:     {rows} ({:.1} MB of NDJSON)",
        input_bytes as f64 / 1e6
    );
    println!("sheets:           {}", stats.sheets.join(", "));
    println!("rows written:     {}", stats.rows_written);
    println!(
        "workbook:         {:.1} MB",
        std::fs::metadata(&xlsx)?.len() as f64 / 1e6
    );
    println!("write_report:     {seconds:.2} s wall, {cpu:.2} s CPU (both threads)");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average:     {}", load.trim());
    println!(
        "RSS growth:       {:.1} MB at peak (VmHWM {} KiB - VmRSS before {} KiB), {:.1} MB after",
        hwm_after.saturating_sub(rss_before) as f64 / 1024.0,
        hwm_after,
        rss_before,
        rss_after.saturating_sub(rss_before) as f64 / 1024.0
    );
    Ok(())
}
