//! The integration test binary: the real server on 127.0.0.1:0, spoken to over HTTP.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod analyze_file;
mod analyzer;
mod auth;
mod cli;
mod download;
mod errors;
mod events;
mod helpers;
mod job_lifecycle;
mod job_status;
mod limits;
mod openapi;
mod operations;
mod runner;
mod shutdown;
mod socketio;
mod sse_client;
#[path = "../../src/upload/test_support.rs"]
#[allow(dead_code)]
mod upload_support;
mod uploads;
