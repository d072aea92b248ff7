//! Uploads of every accepted family through the API: type sniffing (415s), real UTF-16 text,
//! workbooks converted sheet by sheet, zips member by member, and hostile archives refused.

use serde_json::Value;

use crate::helpers::{assert_envelope, entries, spawn_app};
use crate::upload_support::{deflated, ods_bytes, real_fixture, stored, upload_fixture, zip_bytes};

async fn accepted(app: &crate::helpers::TestApp, name: &str, bytes: &[u8]) -> Value {
    let response = app.upload(name, bytes, None).await;
    assert_eq!(
        response.status(),
        202,
        "{name} refused: {}",
        response.text().await.unwrap_or_default()
    );
    let id = response.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_for_job(&id).await
}

fn xlsx_bytes() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Queries").unwrap();
    sheet.write_string(0, 0, "Top queries").unwrap();
    sheet.write_string(0, 1, "Clicks").unwrap();
    sheet.write_string(1, 0, "duo").unwrap();
    sheet.write_number(1, 1, 8100).unwrap();
    workbook.add_worksheet().set_name("Empty").unwrap();
    let notes = workbook.add_worksheet().set_name("Notes").unwrap();
    notes.write_string(0, 0, "note").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn content_that_does_not_match_its_extension_is_refused_and_leaves_nothing() {
    let app = spawn_app().await;
    let zip = zip_bytes(&[deflated("Queries.csv", b"query\nduo\n")]);
    let ole2 = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("Queries.csv", zip.clone()),
        ("Queries.txt", ole2.to_vec()),
        (
            "Queries.tsv",
            vec![
                0xFF, 0x00, 0x9D, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x81,
            ],
        ),
        ("report.xlsx", b"query,clicks\nduo,1\n".to_vec()),
        ("report.xlsx", zip.clone()),
        ("report.ods", zip.clone()),
        ("report.xls", b"not an ole2 file".to_vec()),
        ("export.zip", b"query\nduo\n".to_vec()),
        ("export.pdf", b"%PDF-1.4".to_vec()),
        ("export", b"query\nduo\n".to_vec()),
        ("export.csv.exe", b"query\nduo\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let response = app.upload(name, &bytes, None).await;
        let body = assert_envelope(response, 415, "unsupported_file_type").await;
        assert!(
            body["error"]["details"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}: {body}"
        );
    }
    assert!(
        entries(&app.uploads).is_empty(),
        "{:?}",
        entries(&app.uploads)
    );
}

#[tokio::test]
async fn text_in_utf16_with_and_without_bom_and_in_cp1252_is_accepted() {
    let app = spawn_app().await;
    let text = "Keyword\tVolume\nduo\t10\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut le_bom = vec![0xFF, 0xFE];
    le_bom.extend(&le);
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("a.csv", le),
        ("b.tsv", le_bom),
        ("c.txt", be),
        ("d.csv", b"caf\xe9,1\n".to_vec()),
    ] {
        let body = accepted(&app, name, &bytes).await;
        assert_eq!(body["status"], "completed", "{name}: {body}");
        assert_eq!(
            body["summary"]["inputBytes"],
            bytes.len(),
            "{name} reached the script byte for byte"
        );
    }
    let Some(path) = real_fixture("ahrefs_v3_organic_keywords_utf16le.csv") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let body = accepted(&app, "ahrefs_v3_organic_keywords_utf16le.csv", &bytes).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["summary"]["inputBytes"], bytes.len());
}

#[tokio::test]
async fn a_workbook_reaches_the_script_as_one_csv_per_non_empty_sheet() {
    let app = spawn_app().await;
    let body = accepted(&app, "Performance.xlsx", &xlsx_bytes()).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(
        body["summary"]["inputNames"],
        serde_json::json!(["Queries", "Notes"])
    );
    let inputs = body["summary"]["inputs"].as_array().unwrap();
    assert_eq!(
        inputs[0]["firstLine"].as_str().unwrap().trim_end(),
        "Top queries,Clicks"
    );
    assert!(inputs.iter().all(|i| i["absolute"] == true));

    let ods = ods_bytes(
        r#"<table:table table:name="Pages"><table:table-row><table:table-cell office:value-type="string"><text:p>Page</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p></table:table-cell></table:table-row></table:table>"#,
    );
    let body = accepted(&app, "pages.ods", &ods).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["summary"]["inputNames"], serde_json::json!(["Pages"]));
    assert_eq!(
        body["summary"]["inputs"][0]["firstLine"]
            .as_str()
            .unwrap()
            .trim_end(),
        "Page,12"
    );

    let xls = std::fs::read(upload_fixture("tiny.xls")).unwrap();
    let body = accepted(&app, "tiny.xls", &xls).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert!(!body["summary"]["inputNames"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_search_console_zip_passes_its_csv_members_in_archive_order() {
    let app = spawn_app().await;
    let zip = zip_bytes(&[
        deflated(
            "Countries.csv",
            b"Country,Clicks,Impressions,CTR,Position\nFrance,1,2,50%,1\n",
        ),
        stored("readme.pdf", b"%PDF"),
        deflated(
            "Queries.csv",
            b"Top queries,Clicks,Impressions,CTR,Position\nduo,1,2,50%,1\n",
        ),
    ]);
    let body = accepted(&app, "search-console.zip", &zip).await;
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(
        body["summary"]["inputNames"],
        serde_json::json!(["Countries.csv", "Queries.csv"])
    );
    assert_eq!(
        body["summary"]["inputs"][1]["firstLine"],
        "Top queries,Clicks,Impressions,CTR,Position"
    );
}

#[tokio::test]
async fn hostile_or_broken_archives_fail_the_job_as_unreadable() {
    let app = spawn_app().await;
    let bomb_data = vec![b'a'; 50 * 1024 * 1024];
    let bomb = zip_bytes(&[deflated("Queries.csv", &bomb_data)]);
    let no_csv = zip_bytes(&[deflated("image.png", b"png")]);
    let mut truncated = xlsx_bytes();
    truncated.truncate(truncated.len() / 2);
    for (name, bytes) in [
        ("bomb.zip", bomb),
        ("nothing.zip", no_csv),
        ("broken.xlsx", truncated),
    ] {
        let body = accepted(&app, name, &bytes).await;
        assert_eq!(body["status"], "failed", "{name}: {body}");
        assert_eq!(
            body["error"]["code"], "unreadable_spreadsheet",
            "{name}: {body}"
        );
        assert_eq!(
            body["error"]["message"],
            "The spreadsheet could not be read"
        );
        let details = body["error"]["details"].as_str().unwrap();
        assert!(
            !details.contains(app.uploads.to_str().unwrap()),
            "no server path: {details}"
        );
    }
}
