//! The OpenAPI document and the Swagger UI (contract §1.8): the document describes exactly the
//! routes the router serves, agrees with `docs/api.md`, and carries the conventions every route
//! shares (error envelope, security schemes, polling headers, multipart, SSE).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, repo_root, spawn_app};
use rankmap::api::openapi::{DOCS_PATH, OPENAPI_PATH};

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// `(METHOD, path)` with every `{param}` written `{}`, so that `{job_id}` and `{jobId}` agree.
type Operation = (String, String);

fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

async fn document(app: &TestApp) -> Value {
    let response = app.client.get(app.url(OPENAPI_PATH)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    response.json().await.unwrap()
}

/// Every operation of the document.
fn documented(doc: &Value) -> BTreeSet<Operation> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), normalise(path)));
            }
        }
    }
    ops
}

/// The text of the balanced `( … )` group that opens at `open` (the index of `(`).
fn group(src: &str, open: usize) -> &str {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in src[open..].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &src[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced group at {open}");
}

fn first_string_literal(text: &str) -> Option<&str> {
    let start = text.find('"')? + 1;
    let end = start + text[start..].find('"')?;
    Some(&text[start..end])
}

/// The method routers (`get(`, `.delete(`, …) named in a `.route(…)` call's arguments.
fn methods_in(args: &str) -> Vec<String> {
    let mut found = Vec::new();
    for method in METHODS {
        let needle = format!("{method}(");
        let mut from = 0;
        while let Some(at) = args[from..].find(&needle) {
            let at = from + at;
            let before = args[..at].chars().next_back();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                found.push(method.to_uppercase());
            }
            from = at + needle.len();
        }
    }
    found
}

/// Every `(METHOD, path)` the router in `src/api/mod.rs` declares with `.route(…)` (with the
/// prefix of the `.nest(prefix, router)` it is built into, if any), but socket.io; plus the
/// document and the UI, which `openapi::routes()` mounts.
fn served() -> BTreeSet<Operation> {
    let src = std::fs::read_to_string(repo_root().join("src/api/mod.rs")).unwrap();
    // `.nest("/prefix", name)` → (name, prefix)
    let mut nests = Vec::new();
    for (at, _) in src.match_indices(".nest(") {
        let args = group(&src, at + ".nest".len());
        let prefix = first_string_literal(args).unwrap().to_owned();
        let name = args.rsplit(',').next().unwrap().trim().to_owned();
        nests.push((name, prefix));
    }
    // The statement `let name = …;` that builds each nested router.
    let mut spans = Vec::new();
    for (name, prefix) in &nests {
        let start = src
            .find(&format!("let {name} ="))
            .unwrap_or_else(|| panic!("no `let {name} =` in src/api/mod.rs"));
        let end = start + src[start..].find(";\n").unwrap();
        spans.push((start, end, prefix.clone()));
    }
    let mut routes = BTreeSet::new();
    for (at, _) in src.match_indices(".route(") {
        let args = group(&src, at + ".route".len());
        let path = first_string_literal(args).unwrap();
        let prefix = spans
            .iter()
            .find(|(start, end, _)| (*start..*end).contains(&at))
            .map_or("", |(_, _, prefix)| prefix.as_str());
        if path.starts_with("/socket.io") {
            continue; // socket.io is deliberately not described by OpenAPI
        }
        let methods = methods_in(args);
        assert!(!methods.is_empty(), "no method for route {path}");
        for method in methods {
            routes.insert((method, normalise(&format!("{prefix}{path}"))));
        }
    }
    routes.insert(("GET".into(), OPENAPI_PATH.into()));
    routes.insert(("GET".into(), DOCS_PATH.into()));
    routes
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_exactly_the_served_routes() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "rankmap");

    let served = served();
    assert!(
        served.contains(&("POST".into(), "/api/v1/analysis/analyze-file".into())),
        "the route parser found the upload route: {served:?}"
    );
    assert!(served.contains(&("GET".into(), "/healthz".into())));
    let documented = documented(&doc);
    // `get` routes answer HEAD too; the document lists HEAD where it is meant (the download).
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    let extra: Vec<_> = documented
        .iter()
        .filter(|(m, p)| !served.contains(&(m.clone(), p.clone())))
        .filter(|(m, p)| !(m == "HEAD" && served.contains(&("GET".into(), p.clone()))))
        .collect();
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
    assert!(
        documented.iter().all(|(_, p)| !p.starts_with("/socket.io")),
        "socket.io stays out of the OpenAPI document"
    );
}

#[tokio::test]
async fn every_documented_operation_reaches_a_route() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let id = "job_1999999999999_0123456789abcdef";
    for (method, path) in documented(&doc) {
        let url = app.url(
            &path
                .replacen("{}", id, 1)
                .replace("download/{}", &format!("download/rankmap_{id}.xlsx"))
                .replace("results/{}", "results/onpageResults"),
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client.request(method.clone(), &url).send().await.unwrap();
        let status = response.status().as_u16();
        assert_ne!(status, 405, "{method} {url}");
        if method != reqwest::Method::HEAD && status == 404 {
            let body: Value = response.json().await.unwrap();
            assert_ne!(body["error"]["code"], "route_not_found", "{method} {url}");
        }
    }
}

#[tokio::test]
async fn docs_api_md_and_the_document_list_the_same_routes() {
    let app = spawn_app().await;
    let documented = documented(&document(&app).await);
    let text = std::fs::read_to_string(repo_root().join("docs/api.md")).unwrap();
    let routes = text
        .split("\n## Routes\n")
        .nth(1)
        .expect("docs/api.md has a `## Routes` section")
        .split("\n## ")
        .next()
        .unwrap();
    // Rows of the route tables, `| GET, HEAD | `/download/{filename}` | what |`, relative to the
    // prefix the text above the table names: "All under `/api/v1/analysis`." or "… at the root".
    let mut listed = BTreeSet::new();
    let mut prefix = String::new();
    for line in routes.lines() {
        if !line.starts_with('|') {
            if let Some(rest) = line.strip_prefix("All under `") {
                prefix = rest.split('`').next().unwrap().to_owned();
            } else if line.contains("at the root") {
                prefix.clear();
            }
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[2].starts_with("`/") {
            continue;
        }
        let path = format!("{prefix}{}", cells[2].trim_matches('`'));
        if path.starts_with("/socket.io") {
            continue; // documented in docs/api.md, deliberately absent from OpenAPI
        }
        for method in cells[1].split(',') {
            listed.insert((method.trim().to_owned(), normalise(&path)));
        }
    }
    assert!(listed.len() > 10, "the route tables parsed: {listed:?}");
    let only_md: Vec<_> = listed.difference(&documented).collect();
    let only_openapi: Vec<_> = documented.difference(&listed).collect();
    assert!(
        only_md.is_empty() && only_openapi.is_empty(),
        "docs/api.md only: {only_md:?}; OpenAPI only: {only_openapi:?}"
    );
}

#[tokio::test]
async fn errors_security_headers_multipart_and_sse_are_described() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["type"], "http");
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["apiKey"]["in"], "header");
    assert_eq!(schemes["apiKey"]["name"], "X-API-Key");
    assert_eq!(schemes["accessToken"]["in"], "query");
    assert_eq!(schemes["accessToken"]["name"], "access_token");

    let mut statuses = BTreeSet::new();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                operation_ids.insert(id),
                "{method} {path}: operationId not unique"
            );
            let security = op["security"].to_string();
            if path.starts_with("/api/v1/analysis/") {
                assert!(
                    security.contains("bearerAuth") && security.contains("apiKey"),
                    "{method} {path}: {security}"
                );
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                statuses.insert(status.clone());
                let code: u16 = status.parse().unwrap();
                // Every error with a body is the envelope (readiness adds its checks beside it).
                if code >= 400 && code != 416 {
                    let schema = response["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .unwrap_or_default();
                    assert!(
                        schema.ends_with("/ErrorEnvelope") || schema.ends_with("/NotReady"),
                        "{method} {path} {status}: {response}"
                    );
                }
            }
        }
    }
    for name in doc["components"]["responses"].as_object().unwrap().keys() {
        statuses.insert(name.clone());
    }
    for status in [
        "200", "202", "204", "206", "304", "400", "401", "403", "404", "408", "409", "410", "413",
        "415", "416", "503", "507",
    ] {
        assert!(statuses.contains(status), "no {status} documented");
    }
    assert!(
        statuses.contains("MethodNotAllowed"),
        "405 is a shared response"
    );

    let job = &doc["paths"]["/api/v1/analysis/job/{jobId}"]["get"];
    assert!(job["parameters"].to_string().contains("If-None-Match"));
    assert!(job["responses"]["200"]["headers"]["ETag"].is_object());
    assert!(job["responses"]["200"]["headers"]["Retry-After"].is_object());
    assert!(job["responses"]["304"]["headers"]["ETag"].is_object());
    let upload = &doc["paths"]["/api/v1/analysis/analyze-file"]["post"];
    assert!(upload["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(upload["responses"]["202"]["headers"]["Location"].is_object());
    assert!(upload["responses"]["503"]["headers"]["Retry-After"].is_object());
    let events = &doc["paths"]["/api/v1/analysis/job/{jobId}/events"]["get"];
    assert!(events["parameters"].to_string().contains("Last-Event-ID"));
    assert!(events["responses"]["200"]["content"]["text/event-stream"].is_object());
    assert!(events["security"].to_string().contains("accessToken"));
}

#[tokio::test]
async fn the_error_envelope_schema_is_what_the_server_sends() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let envelope = &doc["components"]["schemas"]["ErrorEnvelope"];
    let error = &doc["components"]["schemas"]["ErrorBody"];
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    let response = app
        .client
        .get(app.url("/api/v1/analysis/job/not-an-id"))
        .send()
        .await
        .unwrap();
    let body = assert_envelope(response, 400, "invalid_job_id").await;
    let keys = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    let properties = keys(&envelope["properties"]);
    assert!(keys(&body).is_subset(&properties), "{body} vs {envelope}");
    for required in envelope["required"].as_array().unwrap() {
        assert!(body.get(required.as_str().unwrap()).is_some());
    }
    assert_eq!(keys(&body["error"]), keys(&error["properties"]));
    assert!(codes.as_array().unwrap().contains(&body["error"]["code"]));
    assert!(
        error["required"].to_string().contains("details"),
        "details is always present, maybe null"
    );
}

#[tokio::test]
async fn the_swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/docs/");
    let response = client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("swagger-ui"));
    let init = client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), 200);
    assert!(init.text().await.unwrap().contains(OPENAPI_PATH));
    let missing = client
        .get(app.url("/docs/no-such-asset.js"))
        .send()
        .await
        .unwrap();
    assert_envelope(missing, 404, "route_not_found").await;
}
