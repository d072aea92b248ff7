//! POST /api/v1/analysis/analyze-file: acceptance, the ordered checks, nothing left behind.

use serde_json::Value;

use crate::helpers::{assert_envelope, entries, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_upload_is_accepted_with_location_and_the_seed_body() {
    let app = spawn_app().await;
    let response = app
        .upload("Queries.csv", b"query,clicks\nduo,1\n", Some("recommended"))
        .await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let id = body["jobId"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/analysis/job/{id}"));
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "processing");
    assert_eq!(
        body["message"],
        "Analysis started. Use the jobId to check progress."
    );
    assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
    let done = app.wait_for_job(id).await;
    assert_eq!(done["filterOption"], "recommended");
    assert_eq!(
        done["summary"]["filterOption"], "recommended",
        "the script got --filter"
    );
    assert_eq!(done["originalFilename"], "Queries.csv");
    assert_eq!(
        done["summary"]["inputBytes"], 19,
        "the upload reached the script whole"
    );
}

#[tokio::test]
async fn filter_option_may_come_before_or_after_the_file_and_defaults_to_all() {
    let app = spawn_app().await;
    let file = || reqwest::multipart::Part::bytes(b"query\nduo\n".to_vec()).file_name("q.csv");
    let before = reqwest::multipart::Form::new()
        .text("filterOption", "recommended")
        .part("file", file());
    let after = reqwest::multipart::Form::new()
        .part("file", file())
        .text("filterOption", "recommended");
    for form in [before, after] {
        let r = app
            .client
            .post(app.url("/api/v1/analysis/analyze-file"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let id = r.json::<Value>().await.unwrap()["jobId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(app.status(&id).await.1["filterOption"], "recommended");
    }
    let id = app.submit().await;
    assert_eq!(app.status(&id).await.1["filterOption"], "all");
}

#[tokio::test]
async fn bad_uploads_get_their_code_and_leave_no_file() {
    let app = spawn_app_with(|c| c.server.max_upload_bytes = 1000).await;
    let url = app.url("/api/v1/analysis/analyze-file");
    let form = |parts: Vec<(&str, Option<&str>, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new();
        for (name, file_name, bytes) in parts {
            let mut part = reqwest::multipart::Part::bytes(bytes);
            if let Some(f) = file_name {
                part = part.file_name(f.to_owned());
            }
            form = form.part(name.to_owned(), part);
        }
        form
    };
    let csv = b"query\nduo\n".to_vec();
    let cases: Vec<(reqwest::multipart::Form, u16, &str)> = vec![
        (
            form(vec![
                ("file", Some("a.csv"), csv.clone()),
                ("file", Some("b.csv"), csv.clone()),
            ]),
            400,
            "invalid_multipart",
        ),
        (
            form(vec![
                ("file", Some("a.csv"), csv.clone()),
                ("filterOption", None, b"All".to_vec()),
            ]),
            400,
            "invalid_filter_option",
        ),
        (
            form(vec![("filterOption", None, b"everything".to_vec())]),
            400,
            "invalid_filter_option",
        ),
        (
            form(vec![("other", None, b"x".to_vec())]),
            400,
            "file_missing",
        ),
        (form(vec![("file", None, csv.clone())]), 400, "file_missing"),
        (
            form(vec![("file", Some("a.csv"), Vec::new())]),
            400,
            "file_empty",
        ),
        (
            form(vec![("file", Some("a.csv"), vec![b'a'; 1001])]),
            413,
            "file_too_large",
        ),
        (
            form(vec![("file", Some("a.exe"), csv.clone())]),
            415,
            "unsupported_file_type",
        ),
        // The first failing check answers: a bad filter outranks the file's size.
        (
            form(vec![
                ("file", Some("a.csv"), vec![b'a'; 1001]),
                ("filterOption", None, b"x".to_vec()),
            ]),
            400,
            "invalid_filter_option",
        ),
    ];
    for (form, status, code) in cases {
        let response = app.client.post(&url).multipart(form).send().await.unwrap();
        assert_envelope(response, status, code).await;
    }
    let not_multipart = app
        .client
        .post(&url)
        .body("query\nduo\n")
        .send()
        .await
        .unwrap();
    assert_envelope(not_multipart, 400, "invalid_multipart").await;
    let broken = app
        .client
        .post(&url)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(
            "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nabc",
        )
        .send()
        .await
        .unwrap();
    assert_envelope(broken, 400, "invalid_multipart").await;
    assert_eq!(
        entries(&app.uploads),
        Vec::<String>::new(),
        "nothing left in the uploads dir"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_the_envelope_whether_declared_or_streamed() {
    let app = spawn_app_with(|c| c.server.max_upload_bytes = 10_000).await;
    let url = app.url("/api/v1/analysis/analyze-file");
    let declared = app
        .client
        .post(&url)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(vec![b'a'; 200_000])
        .send()
        .await
        .unwrap();
    assert_envelope(declared, 413, "file_too_large").await;
    // No Content-Length: the limit is found while streaming.
    let chunks = futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 4096])));
    let part =
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(chunks)).file_name("big.csv");
    let streamed = app
        .client
        .post(&url)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_envelope(streamed, 413, "file_too_large").await;
    assert_eq!(entries(&app.uploads), Vec::<String>::new());
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after_and_keeps_nothing() {
    let app = spawn_app_with(|c| {
        c.runner.command = crate::helpers::stub_command(&["--mode", "hang"]);
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
        c.runner.max_queued = 1;
    })
    .await;
    let running = app.submit().await;
    app.wait_until(&running, std::time::Duration::from_secs(10), |b| {
        b["phase"] == "running"
    })
    .await;
    let _waiting = app.submit().await;
    let refused = app.upload("q.csv", b"query\nduo\n", None).await;
    assert_eq!(refused.headers()["retry-after"], "30");
    assert_envelope(refused, 503, "queue_full").await;
    assert_eq!(
        entries(&app.uploads).len(),
        2,
        "only the two accepted jobs have scratch dirs"
    );
}
