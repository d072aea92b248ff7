//! The one start-up seam: [`Application::build`] binds the listener, picks the backends, spawns
//! the long-lived tasks; [`Application::run_until_stopped`] serves until a shutdown signal.
//! Integration tests start the server through the same two calls.
//!
//! Connections are accepted by a small hyper-util loop rather than `axum::serve`, which sets no
//! hyper timer (so no header-read timeout) and has no connection limit: here each connection
//! holds a semaphore permit (`server.max_connections`; beyond, connections wait in the backlog),
//! gets `ConnectInfo`, and is drained gracefully on shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use socketioxide::layer::SocketIoLayer;

use crate::config::Config;
use crate::files::sweep_rankmap_entries;
use crate::jobs::queue::MemoryJobQueue;
use crate::jobs::service::JobService;
use crate::jobs::store::MemoryJobStore;
use crate::socketio::LiveSockets;
use crate::state::AppState;

/// A built, bound, not yet serving server.
pub struct Application {
    listener: TcpListener,
    /// socket.io's handle: its layer is in the router, and it is closed on shutdown.
    socketio: (SocketIoLayer, LiveSockets),
    addr: SocketAddr,
    state: AppState,
    tasks: TaskTracker,
    stop_tasks: CancellationToken,
}

impl Application {
    /// Prepares directories, backends and background tasks, and binds `server.bind`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        crate::ops::metrics::install();
        for dir in [&config.storage.uploads_dir, &config.storage.results_dir] {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create directory {}", dir.display()))?;
            // Nothing survives a restart with the in-memory store.
            let removed = sweep_rankmap_entries(dir)
                .with_context(|| format!("cannot sweep directory {}", dir.display()))?;
            if removed > 0 {
                tracing::info!(dir = %dir.display(), removed, "removed leftovers of a previous run");
            }
        }
        if let Err(why) = crate::runner::check_command(&config.runner.command) {
            tracing::warn!("analyzer unavailable: {why}; jobs will fail until it is installed");
        }

        let store = Arc::new(MemoryJobStore::new());
        let (queue, queue_events) =
            MemoryJobQueue::new(config.runner.concurrency.get(), config.runner.max_queued);
        let jobs = Arc::new(JobService::new(
            store,
            Arc::new(queue.clone()),
            Arc::clone(&config),
        ));

        let tasks = TaskTracker::new();
        let stop_tasks = CancellationToken::new();
        tasks.spawn(queue.run(stop_tasks.clone()));
        tasks.spawn(Arc::clone(&jobs).dispatch(queue_events, stop_tasks.clone()));
        tasks.spawn(crate::jobs::cleanup::run(
            Arc::clone(&jobs),
            stop_tasks.clone(),
        ));
        tasks.spawn(crate::ops::metrics::upkeep(stop_tasks.clone()));

        let listener = TcpListener::bind(config.server.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.server.bind))?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config, jobs);
        let socketio = crate::socketio::layer(&state);
        Ok(Self {
            listener,
            socketio,
            addr,
            state,
            tasks,
            stop_tasks,
        })
    }

    /// The address actually bound (port 0 picks one).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (tests inspect the job service through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then drains (contract §6): uploads get 503 `shutdown`
    /// and `/readyz` says draining while reads keep working; queued jobs fail at once; running
    /// jobs get `server.shutdown_grace_secs`, then their scripts are stopped. Only then does the
    /// listener close and open connections finish gracefully.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            tasks,
            stop_tasks,
            socketio: (socketio_layer, live),
            ..
        } = self;
        let stop_accepting = CancellationToken::new();
        let drain = tokio::spawn(drain_jobs(shutdown, state.clone(), stop_accepting.clone()));
        let graceful = GracefulShutdown::new();
        let router = crate::api::router_with(state.clone(), Some(socketio_layer));
        accept_until(listener, router, &state, &graceful, stop_accepting).await?;
        drain.await?;
        // socket.io clients get the last events of the drained jobs, then their connections
        // (websockets and long polls alike) close, so the graceful drain below need not wait.
        live.close(Duration::from_secs(1)).await;
        stop_tasks.cancel();
        tasks.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            graceful.shutdown().await;
            tasks.wait().await;
        })
        .await;
        Ok(())
    }
}

/// Waits for the shutdown signal, then drains the job system and stops the accept loop.
async fn drain_jobs(
    shutdown: impl Future<Output = ()>,
    state: AppState,
    stop_accepting: CancellationToken,
) {
    shutdown.await;
    tracing::info!("shutting down");
    state.draining.cancel();
    state.jobs.close_queue().await;
    state.jobs.tasks.close();
    let config = &state.config;
    if tokio::time::timeout(config.server.shutdown_grace, state.jobs.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("running jobs did not finish in time; stopping them");
        state.jobs.stop_running();
        let kill = config.runner.kill_grace + Duration::from_secs(1);
        let _ = tokio::time::timeout(kill, state.jobs.tasks.wait()).await;
    }
    stop_accepting.cancel();
}

/// Accepts connections until `stop`: one permit each (`server.max_connections`), headers read
/// under `server.header_timeout_secs`, `ConnectInfo` inserted, every connection watched for the
/// graceful close.
async fn accept_until(
    listener: TcpListener,
    router: axum::Router,
    state: &AppState,
    graceful: &GracefulShutdown,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let config = &state.config;
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.server.header_timeout);
    let permits = Arc::new(Semaphore::new(config.server.max_connections.get()));
    loop {
        let permit = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            permit = Arc::clone(&permits).acquire_owned() => permit?,
        };
        let (stream, peer) = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        );
        let connection = http
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is called, not when the
/// future is first polled: a signal that arrives right after `listening on` is logged (a
/// supervisor or a test stopping the server at once) must drain, not kill the process.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (terminate, interrupt) {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => tokio::signal::ctrl_c().await.unwrap_or(()),
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
