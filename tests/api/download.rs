//! GET|HEAD /api/v1/analysis/download/{filename}: the workbook, and nothing else.

use serde_json::Value;

use crate::helpers::{assert_envelope, spawn_app};

#[tokio::test]
async fn the_report_downloads_with_its_headers_and_is_a_workbook() {
    let app = spawn_app().await;
    let response = app.upload("Requêtes.csv", b"query\nduo\n", None).await;
    let id = response.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.wait_for_job(&id).await;
    assert_eq!(body["status"], "completed", "{body}");
    let url = app.url(body["downloadUrl"].as_str().unwrap());
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers().clone();
    assert_eq!(
        h["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        h["content-disposition"],
        format!("attachment; filename=\"rankmap_{id}.xlsx\"; filename*=UTF-8''Requ%C3%AAtes-rankmap.xlsx").as_str()
    );
    assert_eq!(h["cache-control"], "private, no-cache");
    assert_eq!(h["accept-ranges"], "bytes");
    assert!(h.contains_key("etag") && h.contains_key("last-modified"));
    assert!(!h.contains_key("content-encoding"));
    let bytes = response.bytes().await.unwrap();
    assert_eq!(h["content-length"], bytes.len().to_string().as_str());
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");

    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        bytes.len().to_string().as_str()
    );

    let range = app
        .client
        .get(&url)
        .header("range", "bytes=0-1")
        .send()
        .await
        .unwrap();
    assert_eq!(range.status(), 206);
    assert_eq!(
        range.headers()["content-range"],
        format!("bytes 0-1/{}", bytes.len()).as_str()
    );
    assert_eq!(range.bytes().await.unwrap().as_ref(), b"PK");
    let beyond = app
        .client
        .get(&url)
        .header("range", format!("bytes={}-", bytes.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );
    let etag = h["etag"].to_str().unwrap();
    let cached = app
        .client
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
}

#[tokio::test]
async fn any_other_name_is_result_not_found_and_nothing_outside_is_read() {
    let app = spawn_app().await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    std::fs::write(app.results.join("secret.txt"), "do not serve").unwrap();
    let unknown = "rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.xlsx";
    // A bare `..` segment is resolved by the client before sending; it must not reach a file.
    let dotdot = app
        .client
        .get(app.url("/api/v1/analysis/download/.."))
        .send()
        .await
        .unwrap();
    assert_eq!(dotdot.status(), 404);
    for name in [
        "..%2Fsecret.txt",
        "%2e%2e%2fsecret.txt",
        "%252e%252e%252fsecret.txt",
        "..%5Csecret.txt",
        "%2Fetc%2Fpasswd",
        "secret.txt",
        "upload.csv",
        &format!("rankmap_{id}.xlsx%00"),
        &format!("..%2F..%2Fuploads%2F{id}%2Fupload.csv"),
        &format!("rankmap_{id}.XLSX"),
        &format!("{id}%2Fstatus.json"),
        unknown,
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/analysis/download/{name}")))
            .send()
            .await
            .unwrap();
        assert_envelope(response, 404, "result_not_found").await;
    }
}
