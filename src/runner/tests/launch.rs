//! How the script is started: argv, working directory, environment, and a missing command.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn result_json(scratch: &Scratch) -> serde_json::Value {
    let text = std::fs::read_to_string(scratch.file("result.json")).expect("the script's result");
    serde_json::from_str(&text).expect("the result is JSON")
}

#[tokio::test]
async fn the_script_gets_the_protocol_arguments_in_order_and_runs_in_the_scratch_dir() {
    let scratch = Scratch::new();
    let mut run = scratch.run(py("env_dump.py"));
    run.inputs = vec![
        ScriptInput {
            path: scratch.file("a.csv"),
            name: Some("Sheet 1".into()),
        },
        ScriptInput {
            path: scratch.file("b.csv"),
            name: None,
        },
    ];
    run.filter = "recommended".into();
    run_script(run, RunControl::new(), |_| {})
        .await
        .expect("the script succeeded");

    let result = result_json(&scratch);
    let path = |name: &str| scratch.file(name).to_string_lossy().into_owned();
    let expected = vec![
        "--input".to_owned(),
        path("a.csv"),
        "--input-name".into(),
        "Sheet 1".into(),
        "--input".into(),
        path("b.csv"),
        "--filter".into(),
        "recommended".into(),
        "--output".into(),
        path("result.json"),
    ];
    assert_eq!(result["argv"], serde_json::json!(expected));
    let cwd = std::fs::canonicalize(scratch.path()).expect("scratch dir");
    assert_eq!(result["cwd"], serde_json::json!(cwd.to_string_lossy()));
}

/// The environment the script was started with, as `env_dump.sh` recorded it.
async fn started_env(run: ScriptRun, scratch: &Scratch) -> BTreeMap<String, String> {
    run_script(run, RunControl::new(), |_| {})
        .await
        .expect("the script succeeded");
    let text = std::fs::read_to_string(scratch.file("env.txt")).expect("env.txt");
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[tokio::test]
async fn only_allow_listed_variables_reach_the_script() {
    // Cargo sets this for the test process; it stands in for a planted server variable.
    let planted = "CARGO_MANIFEST_DIR";
    let value = std::env::var(planted).expect("cargo sets CARGO_MANIFEST_DIR for tests");

    let scratch = Scratch::new();
    let env = started_env(scratch.run(sh("env_dump.sh", &[])), &scratch).await;
    let names: BTreeSet<&str> = env.keys().map(String::as_str).collect();
    let mut expected = BTreeSet::from(["LANG", "PATH", "PYTHONUNBUFFERED", "RANKMAP_JOB_ID"]);
    if std::env::var_os("HOME").is_some() {
        expected.insert("HOME");
    }
    assert_eq!(names, expected, "the script saw exactly the allow-list");
    assert_eq!(env.get("RANKMAP_JOB_ID").map(String::as_str), Some(JOB_ID));
    assert_eq!(env.get("PYTHONUNBUFFERED").map(String::as_str), Some("1"));
    assert_eq!(env.get("PATH"), std::env::var("PATH").ok().as_ref());

    let listed = Scratch::new();
    let mut run = listed.run(sh("env_dump.sh", &[]));
    run.env_passthrough = vec![
        planted.into(),
        "RANKMAP_SURELY_UNSET_VARIABLE".into(),
        "BAD=NAME".into(),
    ];
    let env = started_env(run, &listed).await;
    assert_eq!(env.get(planted), Some(&value));
    assert!(!env.contains_key("RANKMAP_SURELY_UNSET_VARIABLE"));
    assert!(!env.contains_key("BAD"));
}

#[tokio::test]
async fn a_missing_interpreter_is_unavailable_with_a_clear_message() {
    let scratch = Scratch::new();
    let run = scratch.run(vec![
        "rankmap-no-such-interpreter".into(),
        script("env_dump.py"),
    ]);
    let result = run_script(run, RunControl::new(), |_| {}).await;
    assert_eq!(
        result,
        Err(ScriptFailure::Unavailable {
            message: "Analysis failed".into(),
            details: "The analysis command \"rankmap-no-such-interpreter\" was not found on PATH"
                .into(),
        })
    );
    assert_eq!(result.expect_err("a failure").code(), "analysis_failed");
}

#[tokio::test]
async fn a_missing_script_is_unavailable_with_its_path_redacted() {
    let scratch = Scratch::new();
    let missing = scratch
        .file("analysis/analyze.py")
        .to_string_lossy()
        .into_owned();
    let result = run_script(
        scratch.run(vec!["python3".into(), missing]),
        RunControl::new(),
        |_| {},
    )
    .await;
    let (message, details) = failure_text(&result);
    assert!(
        matches!(result, Err(ScriptFailure::Unavailable { .. })),
        "{result:?}"
    );
    assert_eq!(message, "Analysis failed");
    assert_eq!(
        details,
        "The analysis script \"…/analysis/analyze.py\" does not exist"
    );
}

#[tokio::test]
async fn a_missing_work_dir_is_a_failure_not_a_panic() {
    let scratch = Scratch::new();
    let mut run = scratch.run(sh("modes.sh", &["ok"]));
    run.work_dir = scratch.file("gone");
    let result = run_script(run, RunControl::new(), |_| {}).await;
    assert_eq!(
        failure_text(&result),
        (
            "Analysis failed".into(),
            "The job's working directory is missing".into()
        )
    );
}

#[test]
fn check_command_names_what_is_missing() {
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    assert_eq!(check_command(&owned(&["sh", &script("modes.sh")])), Ok(()));
    assert_eq!(
        check_command(&owned(&["python3", &script("env_dump.py")])),
        Ok(())
    );
    assert_eq!(
        check_command(&owned(&["rankmap-no-such-interpreter"])),
        Err("The analysis command \"rankmap-no-such-interpreter\" was not found on PATH".into())
    );
    assert_eq!(
        check_command(&owned(&["python3", "/nonexistent/analyze.py"])),
        Err("The analysis script \"/nonexistent/analyze.py\" does not exist".into())
    );
    assert_eq!(
        check_command(&owned(&["/nonexistent/python3"])),
        Err("The analysis command \"/nonexistent/python3\" does not exist".into())
    );
    assert_eq!(
        check_command(&[]),
        Err("The analysis command is empty".into())
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = dir.path().join("not-executable");
    std::fs::write(&plain, "#!/bin/sh\n").expect("file");
    let plain = plain.to_string_lossy().into_owned();
    assert_eq!(
        check_command(std::slice::from_ref(&plain)),
        Err(format!(
            "The analysis command \"{plain}\" is not executable"
        ))
    );
}

#[test]
fn the_run_future_can_be_spawned_on_a_multi_threaded_runtime() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    let scratch = Scratch::new();
    let future = run_script(
        scratch.run(sh("modes.sh", &["ok"])),
        RunControl::new(),
        |_| {},
    );
    assert_send(&future);
}
