//! socket.io on the HTTP port (contract §1.7): path `/socket.io/`, namespace `/`.
//!
//! A client sends `subscribe-job` with `"job_…"` or `{"jobId": "job_…"}` (and an ack callback
//! if it wants one); its socket joins room `job:<jobId>` and receives the job's current state at
//! once as `job-progress`, `job-completed` or `job-failed` (the status bodies of §1.2 with the
//! job's `version`), then every newer state through the job's relay (`relay::Relay`). A malformed,
//! unknown or expired id, or a 101st subscription, answers `job-error` with the error envelope
//! (and the same envelope as the ack). `unsubscribe-job` leaves the room.
//!
//! The [`Hub`] keeps, under one short lock, which jobs each socket follows and one relay per
//! followed job, counted by its sockets: the relay stops when the last one leaves. With auth on
//! (§1.9), the connection needs `{"token": "<key>"}` in its auth payload; a refusal is a
//! `connect_error` with `{"message": "unauthorized"}`.
//!
//! This module must not write job state: it only reads the job service and its event source.

mod payload;
mod relay;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;
use tokio_util::task::TaskTracker;

use crate::api::params::job_id;
use crate::error::{ApiError, ErrorCode};
use crate::jobs::id::JobId;
use crate::state::AppState;
use payload::{ERROR, ErrorEnvelope};
use relay::Relay;

pub use payload::{COMPLETED, FAILED, PROGRESS};

/// Jobs one socket may follow at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// The socket.io layer for the router and the handle that closes it on shutdown.
pub fn layer(app: &AppState) -> (SocketIoLayer, LiveSockets) {
    let hub = Hub::new(app.clone());
    let relays = hub.0.relays.clone();
    let (layer, io) = SocketIo::builder()
        .max_payload(app.config.socketio.max_payload_bytes)
        .with_state(hub)
        .build_layer();
    // The default namespace is not created on its own.
    io.ns("/", on_connect.with(admit));
    (layer, LiveSockets { io, relays })
}

/// What shutdown needs of socket.io.
pub struct LiveSockets {
    io: SocketIo,
    relays: TaskTracker,
}

impl LiveSockets {
    /// Lets every relay deliver what its job published last (the drained jobs' terminal events,
    /// for at most `settle`), then closes every connection, websockets and long polls alike.
    pub async fn close(&self, settle: Duration) {
        self.relays.close();
        let _ = tokio::time::timeout(settle, self.relays.wait()).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.io.close()).await;
    }
}

/// Who follows what: shared by every handler of the namespace.
#[derive(Clone)]
pub struct Hub(Arc<HubInner>);

struct HubInner {
    app: AppState,
    tables: Mutex<Tables>,
    /// The relays' forwarding tasks, waited for on shutdown.
    relays: TaskTracker,
}

#[derive(Default)]
struct Tables {
    /// The relay of every followed job and how many sockets follow it.
    relays: HashMap<JobId, (Arc<Relay>, usize)>,
    /// The jobs each socket follows.
    sockets: HashMap<Sid, HashSet<JobId>>,
}

/// What `subscribe-job` reserved for a socket.
enum Reserved {
    /// A new subscription, counted on this relay.
    New(Arc<Relay>),
    /// Already followed: the current state is sent again.
    Again(Arc<Relay>),
}

impl Hub {
    fn new(app: AppState) -> Self {
        Self(Arc::new(HubInner {
            app,
            tables: Mutex::new(Tables::default()),
            relays: TaskTracker::new(),
        }))
    }

    fn app(&self) -> &AppState {
        &self.0.app
    }

    /// Spawns a relay's forwarding task, tracked for shutdown.
    fn spawn_relay(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.0.relays.spawn(task);
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every update below leaves the tables consistent before it can panic.
        self.0.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `sid` follows `id`.
    fn is_subscribed(&self, sid: Sid, id: &JobId) -> bool {
        self.tables()
            .sockets
            .get(&sid)
            .is_some_and(|s| s.contains(id))
    }

    /// Records that `sid` follows `id` (at most [`MAX_SUBSCRIPTIONS`] jobs per socket).
    fn reserve(&self, sid: Sid, id: &JobId) -> Result<Reserved, ApiError> {
        let mut tables = self.tables();
        let tables = &mut *tables;
        let followed = tables.sockets.entry(sid).or_default();
        if followed.contains(id) {
            if let Some((relay, _)) = tables.relays.get(id) {
                return Ok(Reserved::Again(Arc::clone(relay)));
            }
        } else if followed.len() >= MAX_SUBSCRIPTIONS {
            return Err(ApiError::with_details(
                ErrorCode::InvalidRequest,
                "Too many subscriptions",
                format!(
                    "A connection may follow at most {MAX_SUBSCRIPTIONS} jobs; send unsubscribe-job first."
                ),
            ));
        }
        followed.insert(id.clone());
        let (relay, count) = tables
            .relays
            .entry(id.clone())
            .or_insert_with(|| (Arc::new(Relay::new(id.clone())), 0));
        *count += 1;
        Ok(Reserved::New(Arc::clone(relay)))
    }

    /// Forgets that `sid` follows `id`; the relay stops with its last socket. Returns the relay
    /// if the socket did follow the job.
    fn release(&self, sid: Sid, id: &JobId) -> Option<Arc<Relay>> {
        let mut tables = self.tables();
        let followed = tables.sockets.get_mut(&sid)?;
        if !followed.remove(id) {
            return None;
        }
        if followed.is_empty() {
            tables.sockets.remove(&sid);
        }
        let (relay, count) = tables.relays.get_mut(id)?;
        let relay = Arc::clone(relay);
        *count -= 1;
        if *count == 0 {
            tables.relays.remove(id);
            relay.stop.cancel();
        }
        Some(relay)
    }

    /// A socket closed: every subscription of it goes.
    fn disconnected(&self, sid: Sid) {
        let followed = self.tables().sockets.get(&sid).cloned().unwrap_or_default();
        for id in followed {
            self.release(sid, &id);
        }
    }

    async fn subscribe(
        &self,
        io: &SocketIo,
        socket: &SocketRef,
        id: &JobId,
    ) -> Result<(), ApiError> {
        match self.reserve(socket.id, id)? {
            Reserved::Again(relay) => relay.join(self, io, socket).await.map(|_| ()),
            Reserved::New(relay) => match relay.join(self, io, socket).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    self.release(socket.id, id);
                    Err(e)
                }
            },
        }
    }

    async fn unsubscribe(&self, socket: &SocketRef, id: &JobId) {
        if let Some(relay) = self.release(socket.id, id) {
            relay.leave(socket).await;
        }
    }
}

/// Admits a connection: with auth on, its auth payload's token must be a valid key. The event
/// handlers are registered here rather than in the connect handler: socketioxide answers the
/// connect packet before it spawns the connect handler, so a client emitting `subscribe-job`
/// right after `connect` would otherwise race the registration and be ignored.
async fn admit(
    socket: SocketRef,
    State(hub): State<Hub>,
    TryData(auth): TryData<Value>,
) -> Result<(), Unauthorized> {
    let auth = auth.ok();
    let token = auth
        .as_ref()
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str);
    if hub.app().jobs.keys.access(token).is_err() {
        return Err(Unauthorized);
    }
    socket.on("subscribe-job", subscribe_job);
    socket.on("unsubscribe-job", unsubscribe_job);
    socket.on_disconnect(async |socket: SocketRef, State(hub): State<Hub>| {
        hub.disconnected(socket.id);
    });
    Ok(())
}

/// A refused connection; its text is the `connect_error` message.
#[derive(Debug)]
struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unauthorized")
    }
}

/// The namespace's connect handler: everything was set up when the connection was admitted.
async fn on_connect(socket: SocketRef) {
    tracing::debug!(sid = %socket.id, "socket.io client connected");
}

/// `subscribe-job`: join the job's room and get its current state, or `job-error`.
async fn subscribe_job(
    socket: SocketRef,
    io: SocketIo,
    State(hub): State<Hub>,
    TryData(data): TryData<Value>,
    ack: AckSender,
) {
    let data = data.ok();
    let raw = requested_id(data.as_ref());
    tracing::debug!(sid = %socket.id, job.id = ?raw, "subscribe-job");
    let outcome = match job_id(raw.unwrap_or("")) {
        Ok(id) => hub.subscribe(&io, &socket, &id).await,
        Err(e) => Err(e),
    };
    tracing::debug!(sid = %socket.id, job.id = ?raw, ok = outcome.is_ok(), "subscribe-job answered");
    match outcome {
        Ok(()) => {
            let _ = ack.send(&json!({"success": true}));
        }
        Err(e) => {
            let envelope = ErrorEnvelope::new(e.body, raw.map(str::to_owned));
            let _ = socket.emit(ERROR, &envelope);
            let _ = ack.send(&envelope);
        }
    }
}

/// `unsubscribe-job`: leave the job's room (no-op if not in it).
async fn unsubscribe_job(
    socket: SocketRef,
    State(hub): State<Hub>,
    TryData(data): TryData<Value>,
    ack: AckSender,
) {
    let data = data.ok();
    let raw = requested_id(data.as_ref());
    match job_id(raw.unwrap_or("")) {
        Ok(id) => {
            hub.unsubscribe(&socket, &id).await;
            let _ = ack.send(&json!({"success": true}));
        }
        Err(e) => {
            let _ = ack.send(&ErrorEnvelope::new(e.body, raw.map(str::to_owned)));
        }
    }
}

/// The id of `"job_…"` or `{"jobId": "job_…"}`.
fn requested_id(data: Option<&Value>) -> Option<&str> {
    match data? {
        Value::String(id) => Some(id),
        Value::Object(fields) => fields.get("jobId")?.as_str(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_taken_from_a_string_or_a_job_id_field() {
        let string = json!("job_1738268400000_a1b2c3d4e5f6a7b8");
        let object = json!({"jobId": "job_1738268400000_a1b2c3d4e5f6a7b8"});
        assert_eq!(requested_id(Some(&string)), string.as_str());
        assert_eq!(requested_id(Some(&object)), string.as_str());
        assert_eq!(requested_id(Some(&json!({"id": "x"}))), None);
        assert_eq!(requested_id(Some(&json!(42))), None);
        assert_eq!(requested_id(None), None);
    }
}
