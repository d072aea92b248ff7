//! The cancel handle of one run and the process-group id it guards.
//!
//! [`RunControl`] is the single place where the group id of a live script is stored, behind a
//! mutex. Every signal to the group goes through it, and the reaper clears the id (under the
//! same mutex) *before* the direct child is reaped, so a signal can never reach a group whose
//! number the kernel may already have handed to somebody else. [`GroupGuard`] is the backstop:
//! dropping it (normal return, early return, panic, the future being dropped) SIGKILLs whatever
//! is still registered.

use std::sync::{Arc, Mutex, MutexGuard};

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::sync::Notify;

/// Why a run was asked to stop before its script finished on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// A client cancelled the job.
    Cancel,
    /// The server is shutting down and the grace period for running jobs is over.
    Shutdown,
}

#[derive(Debug, Default)]
struct ControlState {
    /// The group id of the live (not yet reaped) script, if any.
    pgid: Option<Pid>,
    /// The first stop request; later ones do not overwrite it.
    stop: Option<StopReason>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<ControlState>,
    notify: Notify,
}

/// A cheap, cloneable handle through which the owner of a job stops its script.
///
/// Create one per run, keep a clone, pass the other to [`super::run_script`]. Calls before the
/// spawn make the run return at once without starting anything; calls after the script ended
/// are no-ops.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    shared: Arc<Shared>,
}

impl RunControl {
    /// A fresh handle with no stop request and no process attached.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the run: SIGTERM reaches the live process group before this returns; the runner
    /// then escalates to SIGKILL after the kill grace and returns
    /// [`super::ScriptFailure::Cancelled`].
    pub fn cancel(&self) {
        self.request_stop(StopReason::Cancel);
    }

    /// Like [`RunControl::cancel`], for server shutdown: the runner returns
    /// [`super::ScriptFailure::Shutdown`].
    pub fn shutdown(&self) {
        self.request_stop(StopReason::Shutdown);
    }

    /// Whether a stop was requested (by cancel or shutdown).
    pub fn is_stopped(&self) -> bool {
        self.stop_reason().is_some()
    }

    fn request_stop(&self, reason: StopReason) {
        {
            let mut state = self.lock();
            if state.stop.is_none() {
                state.stop = Some(reason);
            }
            if let Some(pgid) = state.pgid {
                signal_group(pgid, Signal::TERM);
            }
        }
        // `notify_one` keeps a permit when nobody waits yet, so the runner cannot miss it.
        self.shared.notify.notify_one();
    }

    pub(crate) fn stop_reason(&self) -> Option<StopReason> {
        self.lock().stop
    }

    /// Resolves after the next stop request (or at once if one is pending).
    pub(crate) async fn stop_requested(&self) -> StopReason {
        loop {
            if let Some(reason) = self.stop_reason() {
                return reason;
            }
            self.shared.notify.notified().await;
        }
    }

    /// Runs `spawn` while holding the lock and registers the group it returns, unless a stop was
    /// already requested, so a cancel either prevents the spawn or sees the group.
    pub(crate) fn spawn_registered<T, E>(
        &self,
        spawn: impl FnOnce() -> Result<(T, Pid), E>,
    ) -> Result<Result<T, E>, StopReason> {
        let mut state = self.lock();
        if let Some(reason) = state.stop {
            return Err(reason);
        }
        Ok(spawn().map(|(value, pgid)| {
            state.pgid = Some(pgid);
            value
        }))
    }

    /// Sends `signal` to the registered group, if one is live.
    pub(crate) fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.lock().pgid {
            signal_group(pgid, signal);
        }
    }

    /// SIGKILLs the registered group and forgets it. Called while the leader is still a zombie
    /// (not reaped), which keeps the group id reserved until the signal is sent.
    pub(crate) fn kill_and_forget(&self) {
        let mut state = self.lock();
        if let Some(pgid) = state.pgid.take() {
            signal_group(pgid, Signal::KILL);
        }
    }

    fn lock(&self) -> MutexGuard<'_, ControlState> {
        // A panic while holding this lock cannot leave the state half-written (every update is a
        // single assignment), so a poisoned lock is still good to use.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn signal_group(pgid: Pid, signal: Signal) {
    match kill_process_group(pgid, signal) {
        Ok(()) => {}
        // The whole group already exited; nothing left to signal.
        Err(rustix::io::Errno::SRCH) => {}
        Err(err) => {
            tracing::warn!(pgid = pgid.as_raw_nonzero().get(), ?signal, %err, "signalling the script's process group failed");
        }
    }
}

/// SIGKILLs the run's process group when dropped, unless the reaper already did.
#[derive(Debug)]
pub(crate) struct GroupGuard {
    control: RunControl,
}

impl GroupGuard {
    pub(crate) fn new(control: RunControl) -> Self {
        Self { control }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.control.kill_and_forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stop_reason_wins() {
        let control = RunControl::new();
        control.cancel();
        control.shutdown();
        assert_eq!(control.stop_reason(), Some(StopReason::Cancel));
    }

    #[test]
    fn a_stop_before_spawn_prevents_the_spawn() {
        let control = RunControl::new();
        control.shutdown();
        let mut spawned = false;
        let outcome = control.spawn_registered(|| -> Result<((), Pid), ()> {
            spawned = true;
            Err(())
        });
        assert_eq!(outcome.err(), Some(StopReason::Shutdown));
        assert!(!spawned);
    }

    #[tokio::test]
    async fn a_pending_stop_request_is_seen_by_a_later_waiter() {
        let control = RunControl::new();
        control.cancel();
        let reason =
            tokio::time::timeout(std::time::Duration::from_secs(5), control.stop_requested())
                .await
                .expect("the stop request must be visible");
        assert_eq!(reason, StopReason::Cancel);
    }
}
