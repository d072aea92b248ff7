//! Whatever ends a run — exit, timeout, cancel, shutdown, a dropped future, a panic — no process
//! of the script's group survives it.

use std::time::{Duration, Instant};

use super::*;

#[tokio::test]
async fn a_hang_that_ignores_sigterm_times_out_and_leaves_no_process() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let mut run = scratch.run(sh("hang.sh", &[]));
    run.timeout = Duration::from_secs(1);
    run.kill_grace = Duration::from_secs(1);
    let started = Instant::now();
    let result = run_script(run, RunControl::new(), |_| {}).await;
    let elapsed = started.elapsed();

    assert!(
        matches!(result, Err(ScriptFailure::TimedOut { .. })),
        "{result:?}"
    );
    assert_eq!(
        failure_text(&result),
        (
            "Analysis timeout".into(),
            "The analysis took longer than 1 seconds".into()
        )
    );
    assert!(
        elapsed >= Duration::from_secs(2),
        "SIGKILL came before the grace: {elapsed:?}"
    );
    let pgid = scratch.pid("pid.txt").await;
    let grandchild = scratch.pid("grandchild.pid").await;
    assert_group_gone(pgid).await;
    assert!(!is_alive(grandchild), "the grandchild sleep survived");
}

#[tokio::test]
async fn cancel_sends_sigterm_before_it_returns() {
    let scratch = Scratch::new();
    let control = RunControl::new();
    let task = tokio::spawn(run_script(
        scratch.run(sh("trap_term.sh", &[])),
        control.clone(),
        |_| {},
    ));
    let pgid = scratch.pid("pid.txt").await;

    control.cancel();
    // This test runs on a single-threaded runtime and blocks it here: the runner task cannot
    // run, so only `cancel()` itself can have delivered the signal the script records.
    let marker = scratch.file("term.marker");
    let deadline = Instant::now() + SOON;
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "no SIGTERM reached the script after cancel()"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    let result = task.await.expect("the run task must not panic");
    assert_eq!(result, Err(ScriptFailure::Cancelled));
    assert_group_gone(pgid).await;
}

#[tokio::test]
async fn cancel_of_a_script_ignoring_sigterm_escalates_to_sigkill_after_the_grace() {
    let scratch = Scratch::new();
    let control = RunControl::new();
    let mut run = scratch.run(sh("hang.sh", &[]));
    run.kill_grace = Duration::from_millis(500);
    let task = tokio::spawn(run_script(run, control.clone(), |_| {}));
    let pgid = scratch.pid("pid.txt").await;
    let grandchild = scratch.pid("grandchild.pid").await;

    let cancelled_at = Instant::now();
    control.cancel();
    let result = tokio::time::timeout(SOON, task)
        .await
        .expect("the run ends")
        .expect("no panic");
    assert_eq!(result, Err(ScriptFailure::Cancelled));
    assert!(
        cancelled_at.elapsed() >= Duration::from_millis(500),
        "no grace before SIGKILL"
    );
    assert_group_gone(pgid).await;
    assert!(!is_alive(grandchild));
}

#[tokio::test]
async fn shutdown_stops_the_run_with_its_own_outcome() {
    let scratch = Scratch::new();
    let control = RunControl::new();
    let task = tokio::spawn(run_script(
        scratch.run(sh("trap_term.sh", &[])),
        control.clone(),
        |_| {},
    ));
    let pgid = scratch.pid("pid.txt").await;
    control.shutdown();
    let result = tokio::time::timeout(SOON, task)
        .await
        .expect("the run ends")
        .expect("no panic");
    assert_eq!(result, Err(ScriptFailure::Shutdown));
    assert_eq!(result.expect_err("a failure").code(), "shutdown");
    assert_group_gone(pgid).await;
}

#[tokio::test]
async fn a_cancel_before_the_start_means_the_script_never_runs() {
    let scratch = Scratch::new();
    let control = RunControl::new();
    control.cancel();
    let result = run_script(
        scratch.run(sh("trap_term.sh", &[])),
        control.clone(),
        |_| {},
    )
    .await;
    assert_eq!(result, Err(ScriptFailure::Cancelled));
    assert!(
        !scratch.file("pid.txt").exists(),
        "the script was started anyway"
    );
    // A cancel after the end is a harmless no-op.
    control.cancel();
}

#[tokio::test]
async fn dropping_the_future_mid_run_leaves_no_process() {
    let scratch = Scratch::new();
    let run = run_script(scratch.run(sh("hang.sh", &[])), RunControl::new(), |_| {});
    let pgid = tokio::select! {
        result = run => panic!("the hang ended by itself: {result:?}"),
        pgid = scratch.pid("pid.txt") => pgid,
    };
    // The run future is gone now.
    let grandchild = scratch.pid("grandchild.pid").await;
    assert_group_gone(pgid).await;
    assert!(!is_alive(grandchild));
}

#[tokio::test]
async fn a_panic_in_the_calling_task_leaves_no_process() {
    let scratch = Scratch::new();
    let run = scratch.run(sh("hang.sh", &["progress"]));
    let task = tokio::spawn(run_script(run, RunControl::new(), |progress| {
        panic!("the job task failed while handling {progress:?}");
    }));
    let pgid = scratch.pid("pid.txt").await;
    let joined = tokio::time::timeout(SOON, task)
        .await
        .expect("the task ends");
    assert!(
        joined.is_err_and(|err| err.is_panic()),
        "the callback should have panicked"
    );
    assert_group_gone(pgid).await;
}

#[tokio::test]
async fn a_grandchild_holding_stdout_neither_blocks_the_run_nor_survives_it() {
    let scratch = Scratch::new();
    let started = Instant::now();
    let result = run_script(
        scratch.run(sh("grandchild_stdout.sh", &[])),
        RunControl::new(),
        |_| {},
    )
    .await;
    assert!(
        started.elapsed() < SOON,
        "the run waited for the grandchild"
    );
    let success = result.expect("the script succeeded");
    assert_eq!(success.result_path, scratch.file("result.json"));
    let pgid = scratch.pid("pid.txt").await;
    let grandchild = scratch.pid("grandchild.pid").await;
    assert_group_gone(pgid).await;
    assert!(!is_alive(grandchild));
}

#[tokio::test]
async fn a_process_outside_the_group_holding_stdout_delays_the_end_only_briefly() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let (seen, record) = recorder();
    let started = Instant::now();
    let result = run_script(
        scratch.run(py("escaped_grandchild.py")),
        RunControl::new(),
        record,
    )
    .await;
    let elapsed = started.elapsed();
    let escaped = scratch.pid("escaped.pid").await;
    let still_there = is_alive(escaped);
    if let Some(pid) = rustix::process::Pid::from_raw(escaped) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }

    assert!(result.is_ok(), "{result:?}");
    assert!(
        still_there,
        "the escaped process was expected to outlive the group"
    );
    // Python start-up plus the bounded drain; the escaped `sleep 300` must not count.
    assert!(
        elapsed < Duration::from_secs(15),
        "the run waited {elapsed:?}"
    );
    assert_eq!(recorded(&seen).last(), Some(&progress(40, "done")));
}
