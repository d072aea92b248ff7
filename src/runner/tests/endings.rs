//! How a script ends on its own, and the exact failure texts of contract §2 for each ending.

use super::*;

async fn run_mode(mode: &str) -> (Scratch, Result<ScriptSuccess, ScriptFailure>) {
    let scratch = Scratch::new();
    let result = run_script(
        scratch.run(sh("modes.sh", &[mode])),
        RunControl::new(),
        |_| {},
    )
    .await;
    (scratch, result)
}

#[tokio::test]
async fn a_clean_exit_with_a_result_succeeds() {
    let (scratch, result) = run_mode("ok").await;
    let success = result.expect("the script succeeded");
    let written = std::fs::metadata(scratch.file("result.json"))
        .expect("result")
        .len();
    assert_eq!(success.result_path, scratch.file("result.json"));
    assert_eq!(success.result_bytes, written);
    assert_eq!(success.stderr_tail, "");
}

#[tokio::test]
async fn a_crash_by_sigsegv_without_stderr_names_the_signal() {
    let (_scratch, result) = run_mode("segv").await;
    assert!(
        matches!(result, Err(ScriptFailure::Failed { .. })),
        "{result:?}"
    );
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "Killed by signal SIGSEGV (11)".into()
        )
    );
}

#[tokio::test]
async fn a_crash_by_sigkill_names_the_signal() {
    let (_scratch, result) = run_mode("kill").await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "Killed by signal SIGKILL (9)".into()
        )
    );
}

#[tokio::test]
async fn a_crash_with_stderr_reports_the_stderr_tail() {
    let (_scratch, result) = run_mode("segv_stderr").await;
    assert_eq!(
        failure_text(&result),
        ("Analysis failed".into(), "about to crash".into())
    );
}

#[tokio::test]
async fn a_non_zero_exit_without_stderr_reports_the_code() {
    let (_scratch, result) = run_mode("exit3").await;
    assert_eq!(
        failure_text(&result),
        ("Analysis failed".into(), "Exited with code 3".into())
    );
    assert_eq!(result.expect_err("a failure").code(), "analysis_failed");
}

#[tokio::test]
async fn a_non_zero_exit_with_stderr_reports_the_stderr_tail() {
    let (_scratch, result) = run_mode("exit3_stderr").await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "Traceback (most recent call last):\nValueError: bad column".into()
        )
    );
}

#[tokio::test]
async fn exit_zero_without_a_result_is_a_failure_with_the_stderr_tail() {
    let (_scratch, result) = run_mode("exit0_no_output").await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "The analysis exited without writing a valid result\nnothing to do".into()
        )
    );
}

#[tokio::test]
async fn exit_zero_with_a_result_that_is_not_an_object_is_a_failure() {
    let (_scratch, result) = run_mode("exit0_not_object").await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "The analysis exited without writing a valid result".into()
        )
    );
}

#[tokio::test]
async fn exit_two_reports_the_scripts_own_error_with_paths_redacted() {
    let (_scratch, result) = run_mode("exit2_error").await;
    assert_eq!(
        result,
        Err(ScriptFailure::Failed {
            message: "Unsupported export".into(),
            details: Some("No keyword column in …/input.csv".into()),
        })
    );
}

#[tokio::test]
async fn exit_two_without_an_error_file_falls_back_to_the_stderr_tail() {
    let (_scratch, result) = run_mode("exit2_no_file").await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "usage: analyze.py --input FILE".into()
        )
    );
}

#[tokio::test]
async fn a_result_over_the_limit_is_too_large() {
    let scratch = Scratch::new();
    let mut run = scratch.run(sh("modes.sh", &["big_result"]));
    run.max_result_bytes = 1024;
    let result = run_script(run, RunControl::new(), |_| {}).await;
    assert_eq!(
        failure_text(&result),
        ("Analysis failed".into(), "result too large".into())
    );
    let written = std::fs::metadata(scratch.file("result.json"))
        .expect("result")
        .len();
    assert!(
        written > 1024,
        "the fixture must write more than the limit, wrote {written}"
    );
}

#[tokio::test]
async fn server_paths_in_stderr_are_redacted() {
    let (scratch, result) = run_mode("redact").await;
    let (_, details) = failure_text(&result);
    assert_eq!(details, "cannot read …/input.csv");
    let dir = scratch.path().to_string_lossy().into_owned();
    assert!(!details.contains(&dir));
}

#[tokio::test]
async fn ten_megabytes_of_stderr_leave_only_the_last_four_kib_as_details() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let result = run_script(
        scratch.run(py("flood_stderr.py")),
        RunControl::new(),
        |_| {},
    )
    .await;
    let (message, details) = failure_text(&result);

    // The same lines the script writes (20 bytes each), trimmed like the details are.
    let written: String = (0..524_288)
        .map(|i| format!("stderr line {i:07}\n"))
        .collect();
    let written = written.trim_end();
    assert_eq!(written.len() + 1, 10 * 1024 * 1024);
    assert_eq!(message, "Analysis failed");
    assert!(details.len() <= 4096, "details are {} bytes", details.len());
    assert!(
        details.len() > 4000,
        "details are only {} bytes",
        details.len()
    );
    assert!(
        written.ends_with(&details),
        "details are not the tail of stderr"
    );
    assert!(details.ends_with("stderr line 0524287"));
}
