//! The real analyzer (`analysis/analyze.py`, the default `runner.command`) behind the API.

use serde_json::Value;

use crate::helpers::{TestApp, repo_root, spawn_app_with};
use crate::upload_support::{deflated, real_fixture, zip_bytes};

async fn spawn_with_analyzer() -> TestApp {
    let defaults = rankmap::config::Config::defaults(&repo_root()).unwrap();
    spawn_app_with(|c| c.runner.command = defaults.runner.command.clone()).await
}

async fn analyse(app: &TestApp, name: &str, bytes: &[u8]) -> Value {
    let response = app.upload(name, bytes, None).await;
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_until(&id, std::time::Duration::from_secs(120), |b| {
        b["status"] != "processing"
    })
    .await
}

#[tokio::test]
async fn a_search_console_queries_export_is_analysed_end_to_end() {
    let app = spawn_with_analyzer().await;
    let csv = "Top queries,Clicks,Impressions,CTR,Position\nduo,120,4000,3%,2.1\nduo app,40,900,4.44%,5.3\n";
    let body = analyse(&app, "Queries.csv", csv.as_bytes()).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["dataSource"], "gsc_queries");
    assert_eq!(body["resultCounts"]["keywordMapping"], 2);
    let download = app
        .client
        .get(app.url(body["downloadUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
}

#[tokio::test]
async fn an_unreadable_export_fails_with_the_analyzers_own_message() {
    let app = spawn_with_analyzer().await;
    let body = analyse(
        &app,
        "Queries.csv",
        b"Top queries,Clicks,Impressions,CTR,Position\n",
    )
    .await;
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["error"]["code"], "analysis_failed");
    assert_eq!(body["error"]["message"], "The file contains no data rows");
}

#[tokio::test]
async fn in_a_search_console_zip_the_queries_member_is_analysed_after_the_countries_one() {
    let app = spawn_with_analyzer().await;
    let zip = zip_bytes(&[
        deflated(
            "Countries.csv",
            b"Country,Clicks,Impressions,CTR,Position\nFrance,10,200,5%,3.2\n",
        ),
        deflated(
            "Queries.csv",
            b"Top queries,Clicks,Impressions,CTR,Position\nduo,120,4000,3%,2.1\n",
        ),
    ]);
    let body = analyse(&app, "search-console.zip", &zip).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["dataSource"], "gsc_queries");
    assert_eq!(body["summary"]["source"]["inputName"], "Queries.csv");
}

#[tokio::test]
async fn the_real_query_page_export_maps_its_keywords() {
    let Some(path) = real_fixture("gsc_api_date_page_query.csv") else {
        return;
    };
    let app = spawn_with_analyzer().await;
    let body = analyse(
        &app,
        "gsc_api_date_page_query.csv",
        &std::fs::read(path).unwrap(),
    )
    .await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["dataSource"], "gsc_query_page");
    assert_eq!(body["resultCounts"]["keywordMapping"], 806);
    assert_eq!(body["summary"]["pages"]["total"], 214);
    let onpage = body["resultCounts"]["onpageResults"].as_u64().unwrap();
    assert!(onpage > 0 && onpage <= 214, "{onpage}");
}
