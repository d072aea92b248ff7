//! The edge every request passes through, as one tower layer installed with `Router::layer` (so
//! it runs after routing and sees the matched route template):
//!
//! - the request id ([`crate::request_id`]): assigned, scoped for the handler, echoed;
//! - the request span carrying that id, which the job's log lines inherit;
//! - authentication ([`crate::auth::check`]), answered with its 401/403 envelope;
//! - the HTTP metrics of the matched route ([`crate::ops::metrics::http_route`]).
//!
//! One hand-written service rather than three `from_fn` middlewares: each of those boxes and
//! clones the rest of the stack per request, which dominated the cost of a `304` poll.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::response::Response;
use futures::future::BoxFuture;
use tower::{Layer, Service};
use tracing::Instrument;

use crate::request_id;
use crate::state::AppState;

/// Installs [`Edge`] around every route.
#[derive(Clone)]
pub struct EdgeLayer {
    state: AppState,
}

impl EdgeLayer {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Edge {
            inner,
            state: self.state.clone(),
        }
    }
}

/// See the module documentation.
#[derive(Clone)]
pub struct Edge<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let id = request_id::assign(request.headers());
        let route = crate::ops::metrics::http_route(request.extensions().get::<MatchedPath>());
        let span = tracing::info_span!(
            "request",
            request_id = %id.to_str().unwrap_or("-"),
            method = %request.method(),
            path = %request.uri().path()
        );
        let verdict = crate::auth::check(&self.state.jobs.keys, &request);
        // The clone that was made ready is the one that is called (tower's usual swap).
        let clone = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, clone);
        Box::pin(request_id::scope(
            id.clone(),
            async move {
                let mut response = match verdict {
                    Ok(()) => ready.call(request).await?,
                    Err(refusal) => crate::auth::refuse(refusal),
                };
                route.record(response.status(), started.elapsed());
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(request_id::HEADER), id);
                Ok(response)
            }
            .instrument(span),
        ))
    }
}
