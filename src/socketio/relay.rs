//! One job's fan-out to its socket.io room `job:<jobId>`.
//!
//! A relay follows the job through one [`JobFeed`] whatever the number of sockets, renders each
//! record once and emits it to every socket of the room. One lock per job orders everything a
//! socket sees: the relay holds it while it emits a record and remembers it as the room's last
//! one; a subscriber holds it while it joins the room and receives that last record. So a new
//! subscriber gets the current state first and then exactly the records after it — nothing lost
//! between the upload answer and the subscription, nothing repeated, nothing reordered.
//!
//! A socket whose outgoing buffer is full (`socketio` buffers a bounded number of packets per
//! socket) is a lagging client: it leaves the room, so it misses what follows, and once its
//! buffer drains it receives the room's last record and rejoins — the same "current state once"
//! rule as a slow SSE stream. A socket that stays full for [`CATCH_UP_LIMIT`] is disconnected.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError};
use tokio_util::sync::CancellationToken;

use super::Hub;
use super::payload::{ERROR, ErrorEnvelope, Payload, render};
use crate::api::params::not_held;
use crate::error::ApiError;
use crate::jobs::events::{JobFeed, POSITION_INTERVAL};
use crate::jobs::id::JobId;
use crate::jobs::model::Job;
use crate::state::AppState;

/// How often a lagging socket's buffer is tried again.
const CATCH_UP_INTERVAL: Duration = Duration::from_millis(100);
/// How long a socket may stay unable to take a packet before it is disconnected.
pub const CATCH_UP_LIMIT: Duration = Duration::from_secs(30);

/// The fan-out of one job to its room.
pub struct Relay {
    id: JobId,
    room: String,
    /// The per-job lock: held while a record goes out and while a socket joins.
    room_state: tokio::sync::Mutex<Option<RoomState>>,
    /// Stops the forwarding task once no socket follows the job.
    pub(super) stop: CancellationToken,
}

struct RoomState {
    /// The record every socket of the room has (or is being sent), rendered.
    last: Option<Arc<Payload>>,
    /// `last` is terminal: nothing follows but the job's removal.
    terminal: bool,
    /// Subscribed sockets taken out of the room until their buffer drains.
    lagging: HashSet<Sid>,
}

/// How a send to one socket went.
enum Sent {
    Ok,
    Full,
    Gone,
}

impl Relay {
    pub fn new(id: JobId) -> Self {
        Self {
            room: room(&id),
            id,
            room_state: tokio::sync::Mutex::new(None),
            stop: CancellationToken::new(),
        }
    }

    /// Joins `socket` to the room and sends it the current state, under the job's lock. The
    /// first subscriber starts the relay: subscribe to the job's events, then read the job, so
    /// that no change in between is missed. `Ok(false)` when the socket unsubscribed meanwhile.
    pub async fn join(
        self: &Arc<Self>,
        hub: &Hub,
        io: &SocketIo,
        socket: &SocketRef,
    ) -> Result<bool, ApiError> {
        let mut guard = self.room_state.lock().await;
        if guard.as_ref().is_some_and(|s| s.terminal) && !self.still_held(hub).await? {
            // Removed after it finished (purge, cleanup): the id is unknown now.
            *guard = None;
        }
        if guard.is_none() {
            let app = hub.app();
            let subscription = app.jobs.subscribe(&self.id);
            let job = app.jobs.get(&self.id).await.map_err(ApiError::internal)?;
            let job = job
                .ok_or_else(|| not_held(&self.id, app.config.cleanup.max_age, Timestamp::now()))?;
            let last = render(app, &job).await.map(Arc::new);
            if !job.is_terminal() {
                let feed = JobFeed::new(subscription, Arc::clone(&job), POSITION_INTERVAL);
                hub.spawn_relay(Arc::clone(self).forward(hub.clone(), io.clone(), feed));
            }
            *guard = Some(RoomState {
                last,
                terminal: job.is_terminal(),
                lagging: HashSet::new(),
            });
        }
        let Some(state) = guard.as_mut() else {
            return Ok(false);
        };
        // Re-checked under the lock: an `unsubscribe-job` that ran meanwhile wins.
        if !hub.is_subscribed(socket.id, &self.id) {
            return Ok(false);
        }
        if state.lagging.contains(&socket.id) {
            // Its catch-up will send the current state.
            return Ok(true);
        }
        socket.join(self.room.clone());
        if let Some(last) = &state.last
            && let Sent::Full = send(socket, last)
        {
            self.lag(state, hub, socket);
        }
        Ok(true)
    }

    /// Takes `socket` out of the room (no-op if not in it).
    pub async fn leave(&self, socket: &SocketRef) {
        let mut guard = self.room_state.lock().await;
        socket.leave(self.room.clone());
        if let Some(state) = guard.as_mut() {
            state.lagging.remove(&socket.id);
        }
    }

    /// Forwards the job's records to the room until a terminal one, the job's removal, or no
    /// socket following it.
    async fn forward(self: Arc<Self>, hub: Hub, io: SocketIo, mut feed: JobFeed) {
        let app = hub.app();
        loop {
            let next = tokio::select! {
                _ = self.stop.cancelled() => return,
                next = feed.next() => next,
            };
            let Some(job) = next else {
                self.gone(app, &io).await;
                return;
            };
            let Some(payload) = render(app, &job).await.map(Arc::new) else {
                self.gone(app, &io).await;
                return;
            };
            self.emit(&hub, &io, &job, payload).await;
            if job.is_terminal() {
                return;
            }
        }
    }

    /// Emits one record to every socket of the room and remembers it as the room's last one.
    async fn emit(self: &Arc<Self>, hub: &Hub, io: &SocketIo, job: &Job, payload: Arc<Payload>) {
        let mut guard = self.room_state.lock().await;
        let Some(state) = guard.as_mut() else {
            return;
        };
        let mut full = Vec::new();
        for socket in members(io, &self.room) {
            if let Sent::Full = send(&socket, &payload) {
                full.push(socket);
            }
        }
        state.last = Some(payload);
        state.terminal = job.is_terminal();
        if !full.is_empty() {
            tracing::warn!(job.id = %job.id, sockets = full.len(), "socket.io clients lagging");
            for socket in &full {
                self.lag(state, hub, socket);
            }
        }
    }

    /// Whether the job is still held (terminal states never change, but a job can be removed).
    async fn still_held(&self, hub: &Hub) -> Result<bool, ApiError> {
        let job = hub.app().jobs.get(&self.id).await;
        Ok(job.map_err(ApiError::internal)?.is_some())
    }

    /// The job was removed while followed: its id is now unknown. The next subscriber starts
    /// afresh (and is told so).
    async fn gone(&self, app: &AppState, io: &SocketIo) {
        *self.room_state.lock().await = None;
        let error = not_held(&self.id, app.config.cleanup.max_age, Timestamp::now());
        let envelope = ErrorEnvelope::new(error.body, Some(self.id.to_string()));
        for socket in members(io, &self.room) {
            let _ = socket.emit(ERROR, &envelope);
        }
    }

    /// Takes a socket whose buffer is full out of the room and starts its catch-up.
    fn lag(self: &Arc<Self>, state: &mut RoomState, hub: &Hub, socket: &SocketRef) {
        socket.leave(self.room.clone());
        if state.lagging.insert(socket.id) {
            tokio::spawn(Arc::clone(self).catch_up(hub.clone(), socket.clone()));
        }
    }

    /// Waits for a lagging socket's buffer to drain, sends it the room's last record and puts
    /// it back in the room; disconnects it after [`CATCH_UP_LIMIT`].
    async fn catch_up(self: Arc<Self>, hub: Hub, socket: SocketRef) {
        let deadline = tokio::time::Instant::now() + CATCH_UP_LIMIT;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(CATCH_UP_INTERVAL).await;
            let mut guard = self.room_state.lock().await;
            let Some(state) = guard.as_mut() else {
                return;
            };
            if !socket.connected()
                || !state.lagging.contains(&socket.id)
                || !hub.is_subscribed(socket.id, &self.id)
            {
                state.lagging.remove(&socket.id);
                return;
            }
            let sent = match &state.last {
                Some(last) => send(&socket, last),
                None => Sent::Ok,
            };
            match sent {
                Sent::Full => continue,
                Sent::Ok => socket.join(self.room.clone()),
                Sent::Gone => {}
            }
            state.lagging.remove(&socket.id);
            return;
        }
        tracing::warn!(job.id = %self.id, sid = %socket.id, "socket.io client too slow; disconnecting");
        let _ = socket.disconnect();
    }
}

/// The room of a job.
pub fn room(id: &JobId) -> String {
    format!("job:{id}")
}

/// The sockets of a room on this server.
fn members(io: &SocketIo, room: &str) -> Vec<SocketRef> {
    io.of("/")
        .map(|ns| ns.to(room.to_owned()).sockets())
        .unwrap_or_default()
}

/// Sends one rendered record to one socket.
fn send(socket: &SocketRef, payload: &Payload) -> Sent {
    match socket.emit(payload.event, &payload.body) {
        Ok(()) => Sent::Ok,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => Sent::Full,
        Err(SendError::Socket(SocketError::Closed)) => Sent::Gone,
        Err(SendError::Serialize(e)) => {
            tracing::error!(error = ?e, "cannot encode a socket.io packet");
            Sent::Gone
        }
    }
}
