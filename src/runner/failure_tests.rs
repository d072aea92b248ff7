//! Unit tests of the failure texts, without processes.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;

use super::*;

fn status_code(code: i32) -> ExitStatus {
    ExitStatus::from_raw(code << 8)
}

fn status_signal(signal: i32) -> ExitStatus {
    ExitStatus::from_raw(signal)
}

fn details(failure: Option<ScriptFailure>) -> Option<String> {
    failure.and_then(|f| f.details().map(str::to_owned))
}

#[tokio::test]
async fn a_signal_without_stderr_names_the_signal() {
    let missing = PathBuf::from("/nonexistent/result.json");
    let redactor = Redactor::default();
    let failure = from_exit(status_signal(11), b"", &missing, &redactor).await;
    assert_eq!(
        failure.as_ref().and_then(ScriptFailure::message),
        Some(ANALYSIS_FAILED)
    );
    assert_eq!(
        details(failure).as_deref(),
        Some("Killed by signal SIGSEGV (11)")
    );
    let failure = from_exit(status_signal(9), b"", &missing, &redactor).await;
    assert_eq!(
        details(failure).as_deref(),
        Some("Killed by signal SIGKILL (9)")
    );
    let failure = from_exit(status_signal(9), b"oom\n", &missing, &redactor).await;
    assert_eq!(details(failure).as_deref(), Some("oom"));
}

#[tokio::test]
async fn a_non_zero_exit_without_stderr_gives_the_code() {
    let missing = PathBuf::from("/nonexistent/result.json");
    let redactor = Redactor::default();
    let failure = from_exit(status_code(3), b"\n", &missing, &redactor).await;
    assert_eq!(details(failure).as_deref(), Some("Exited with code 3"));
    let failure = from_exit(status_code(2), b"", &missing, &redactor).await;
    assert_eq!(details(failure).as_deref(), Some("Exited with code 2"));
    assert_eq!(
        from_exit(status_code(0), b"x", &missing, &redactor).await,
        None
    );
}

#[test]
fn signal_names_cover_the_common_signals() {
    assert_eq!(signal_name(15), Some("SIGTERM"));
    assert_eq!(signal_name(31), Some("SIGSYS"));
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(40), None);
    assert_eq!(killed_by(40), "Killed by signal 40");
}

#[test]
fn an_error_file_becomes_the_failure_with_limits() {
    let redactor = Redactor::new(&[PathBuf::from("/srv/uploads")]);
    let long = format!(
        r#"{{"error": {{"message": "{}", "details": "{}"}}}}"#,
        "m".repeat(600),
        "/srv/uploads/a ".repeat(1000)
    );
    let failure = parse_error_file(long.as_bytes(), &redactor);
    let Some(ScriptFailure::Failed {
        message,
        details: Some(details),
    }) = failure
    else {
        panic!("expected a failure with details, got {failure:?}");
    };
    assert_eq!(message.chars().count(), MESSAGE_CHARS);
    assert!(details.len() <= DETAILS_BYTES);
    assert!(details.starts_with("…/a …/a"));
    assert!(!details.contains("/srv"));
}

#[test]
fn an_error_file_without_a_message_is_rejected() {
    let redactor = Redactor::default();
    for body in [
        r#"{"error": {"details": "x"}}"#,
        r#"{"error": {"message": " "}}"#,
        "[]",
        "oops",
    ] {
        assert_eq!(parse_error_file(body.as_bytes(), &redactor), None, "{body}");
    }
    let ok = parse_error_file(
        br#"{"error": {"message": "Bad export", "details": null}}"#,
        &redactor,
    );
    assert_eq!(
        ok,
        Some(ScriptFailure::Failed {
            message: "Bad export".into(),
            details: None
        })
    );
}

#[tokio::test]
async fn the_result_check_accepts_only_an_object_within_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let redactor = Redactor::default();
    let path = dir.path().join("result.json");
    let write = |text: &str| std::fs::write(&path, text).expect("write result");

    write("  \n{\"dataSource\": \"gsc\"}");
    assert_eq!(check_result(&path, 1024, b"", &redactor).await, Ok(24));
    assert_eq!(
        check_result(&path, 10, b"", &redactor).await,
        Err(ScriptFailure::failed(RESULT_TOO_LARGE))
    );
    for bad in ["", "   ", "[1]", "null"] {
        write(bad);
        assert_eq!(
            check_result(&path, 1024, b"", &redactor).await,
            Err(ScriptFailure::failed(NO_VALID_RESULT)),
            "{bad:?}"
        );
    }
    let missing = dir.path().join("missing.json");
    assert_eq!(
        check_result(&missing, 1024, b"warning: empty input\n", &redactor).await,
        Err(ScriptFailure::failed(format!(
            "{NO_VALID_RESULT}\nwarning: empty input"
        )))
    );
}

#[test]
fn timeouts_are_worded_in_seconds() {
    let failure = ScriptFailure::timed_out(Duration::from_secs(600));
    assert_eq!(failure.message(), Some(ANALYSIS_TIMEOUT));
    assert_eq!(
        failure.details(),
        Some("The analysis took longer than 600 seconds")
    );
    assert_eq!(failure.code(), "analysis_timeout");
    assert_eq!(format_secs(Duration::from_millis(1500)), "1.5");
}
