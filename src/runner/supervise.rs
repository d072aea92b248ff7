//! Supervising a spawned script: its pipes are read while it runs, the time limit and stop
//! requests turn into SIGTERM → grace → SIGKILL of the group, and after the direct child died
//! the pipes are drained for a bounded time only.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustix::process::Signal;
use tokio::time::Instant;

use super::control::{RunControl, StopReason};
use super::progress::{Progress, ProgressTracker};
use super::stderr::{self, StderrRing};
use super::{ScriptRun, output, process};

/// After the group is dead, reading stdout and stderr stops once they stay quiet this long
/// without reaching their end: a process outside the group may hold the pipes open forever, and
/// it must not hold the job too.
const DRAIN_IDLE: Duration = Duration::from_millis(100);
/// Upper bound on that final read, even if something keeps writing.
const DRAIN_TOTAL: Duration = Duration::from_secs(1);

/// What a finished run left behind.
pub(super) struct Collected {
    pub(super) ending: Ending,
    pub(super) status: std::io::Result<std::process::ExitStatus>,
    pub(super) stderr: Vec<u8>,
    pub(super) tracker: ProgressTracker,
}

/// Supervises the spawned script while reading its pipes, reaps it, and drains what is left.
pub(super) async fn collect(
    child: &mut process::Spawned,
    control: &RunControl,
    run: &ScriptRun,
    on_progress: &mut (impl FnMut(Progress) + Send),
) -> Collected {
    let mut ring = StderrRing::default();
    let mut tracker = ProgressTracker::default();
    let activity = AtomicU64::new(0);
    let stdout = child.stdout.take();
    let stderr_pipe = child.stderr.take();
    let (ending, status) = {
        let io = async {
            let stdout_pump = async {
                if let Some(pipe) = stdout {
                    let reader = tokio::io::BufReader::with_capacity(64 * 1024, pipe);
                    let lines = output::LineReader::new(reader, output::MAX_LINE_BYTES);
                    output::pump(lines, &mut tracker, on_progress, &activity).await;
                }
            };
            let stderr_pump = async {
                if let Some(pipe) = stderr_pipe {
                    stderr::pump(pipe, &mut ring, &activity).await;
                }
            };
            tokio::join!(stdout_pump, stderr_pump);
        };
        tokio::pin!(io);
        let mut io_done = false;
        let ending = supervise(child, control, run, &mut io, &mut io_done).await;
        let status = child.reap(control).await;
        if !io_done {
            drain(&mut io, &activity).await;
        }
        (ending, status)
    };
    Collected {
        ending,
        status,
        stderr: ring.contents(),
        tracker,
    }
}

/// How the supervision loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// The script exited by itself.
    Exited,
    /// The time limit ran out.
    TimedOut,
    /// Cancel or shutdown.
    Stopped(StopReason),
}

/// Waits for the script to exit, the time limit, or a stop request, while the pipes are read;
/// on timeout or stop it runs SIGTERM → grace → SIGKILL and returns once the direct child is
/// dead (not yet reaped).
async fn supervise(
    child: &mut process::Spawned,
    control: &RunControl,
    run: &ScriptRun,
    io: &mut Pin<&mut impl Future<Output = ()>>,
    io_done: &mut bool,
) -> Ending {
    let deadline = Instant::now() + run.timeout;
    let ending = {
        let first = async {
            tokio::select! {
                () = child.exited() => Ending::Exited,
                () = tokio::time::sleep_until(deadline) => Ending::TimedOut,
                reason = control.stop_requested() => Ending::Stopped(reason),
            }
        };
        while_reading(io, io_done, first).await
    };
    if ending == Ending::Exited {
        return ending;
    }
    if ending == Ending::TimedOut {
        control.signal(Signal::TERM);
    }
    // A stop request already sent SIGTERM itself, before `cancel()` returned.
    let graceful = tokio::time::timeout(run.kill_grace, child.exited());
    if while_reading(io, io_done, graceful).await.is_err() {
        control.signal(Signal::KILL);
        while_reading(io, io_done, child.exited()).await;
    }
    ending
}

/// Drives `fut` to completion while also polling the pipe readers until they finish.
async fn while_reading<T>(
    io: &mut Pin<&mut impl Future<Output = ()>>,
    io_done: &mut bool,
    fut: impl Future<Output = T>,
) -> T {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            biased;
            value = &mut fut => return value,
            () = io.as_mut(), if !*io_done => *io_done = true,
        }
    }
}

/// Reads what the dead group left in the pipes, bounded by [`DRAIN_IDLE`] and [`DRAIN_TOTAL`].
async fn drain(io: &mut Pin<&mut impl Future<Output = ()>>, activity: &AtomicU64) {
    let give_up = Instant::now() + DRAIN_TOTAL;
    loop {
        let before = activity.load(Ordering::Relaxed);
        if tokio::time::timeout(DRAIN_IDLE, io.as_mut()).await.is_ok() {
            return;
        }
        if activity.load(Ordering::Relaxed) == before || Instant::now() >= give_up {
            tracing::debug!("a process outside the script's group holds its output open");
            return;
        }
    }
}
