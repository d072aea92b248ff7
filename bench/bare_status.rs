//! The floor for `bench/status_load.sh`: a bare axum server whose only route answers `304 Not
//! Modified` with an `ETag`, on the same runtime settings as rankmap. What this reaches under
//! the same wrk load is the most any polling route can reach on the machine at that moment.
//!
//! `cargo run --release --example bare_status -- 127.0.0.1:3913`

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3913".to_owned());
    let app = Router::new().route(
        "/api/v1/analysis/job/{job_id}",
        get(|| async { (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"bare\"")]) }),
    );
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
