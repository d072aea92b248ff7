//! Progress from stdout as a script prints it: rising, filtered, capped and coalesced.

use std::time::Instant;

use super::*;

#[tokio::test]
async fn progress_rises_ten_fifty_ninety_with_its_messages() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let (seen, record) = recorder();
    let result = run_script(scratch.run(py("progress.py")), RunControl::new(), record).await;
    assert!(result.is_ok(), "{result:?}");
    // Noise, text and array lines are ignored, 5 and 30 cannot lower 10 and 90, 50.7 and 90.2
    // are floored, 150 is clamped to 99.
    assert_eq!(
        recorded(&seen),
        vec![
            progress(10, "Reading"),
            progress(50, "Scoring"),
            progress(90, "Writing"),
            progress(99, "Almost"),
        ]
    );
}

#[tokio::test]
async fn megabyte_stdout_lines_are_ignored_and_progress_continues() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let (seen, record) = recorder();
    let result = run_script(
        scratch.run(py("big_stdout_line.py")),
        RunControl::new(),
        record,
    )
    .await;
    assert!(result.is_ok(), "{result:?}");
    let seen = recorded(&seen);
    assert_eq!(seen.first(), Some(&progress(10, "before")));
    assert_eq!(seen.last(), Some(&progress(20, "after")));
    assert!(
        seen.iter().all(|p| p.percent != 60),
        "the over-long progress line was used: {seen:?}"
    );
}

#[tokio::test]
async fn a_flood_of_progress_lines_is_coalesced_and_the_last_value_arrives() {
    let _heavy = HEAVY.lock().await;
    let scratch = Scratch::new();
    let delivered = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(Instant, Progress)>::new()));
    let sink = std::sync::Arc::clone(&delivered);
    let record = move |progress: Progress| {
        let mut list = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        list.push((Instant::now(), progress));
    };
    let result = run_script(
        scratch.run(py("flood_progress.py")),
        RunControl::new(),
        record,
    )
    .await;
    assert!(result.is_ok(), "{result:?}");

    let delivered = delivered
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    assert_eq!(
        delivered.last().map(|(_, p)| p),
        Some(&progress(99, "step 999"))
    );
    assert!(
        delivered.len() < 1000 / 2,
        "{} updates for 1000 lines",
        delivered.len()
    );
    // At most one update per 100 ms, except the final one delivered at the end of the run.
    let paced = &delivered[..delivered.len() - 1];
    for pair in paced.windows(2) {
        let gap = pair[1].0.duration_since(pair[0].0);
        assert!(
            gap >= std::time::Duration::from_millis(95),
            "two updates {gap:?} apart"
        );
    }
    let percents: Vec<u8> = delivered.iter().map(|(_, p)| p.percent).collect();
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]),
        "progress went down: {percents:?}"
    );
}
