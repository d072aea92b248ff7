//! The edge every request passes through, as one tower layer installed with `Router::layer` (so
//! it runs after routing and sees the matched route template):
//!
//! - the request id ([`crate::request_id`]): assigned, scoped for the handler, echoed;
//! - the request span carrying that id, which the job's log lines inherit (see `request_span`);
//! - authentication ([`crate::auth::check`]), answered with its 401/403 envelope;
//! - the HTTP metrics of the matched route ([`crate::ops::metrics::http_route`]).
//!
//! One hand-written service rather than three `from_fn` middlewares: each of those boxes and
//! clones the rest of the stack per request, which dominated the cost of a `304` poll.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use futures::future::BoxFuture;
use tower::{Layer, Service};
use tracing::{Instrument, Span};

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
        let span = request_span(&request, &id);
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
                response.headers_mut().insert(request_id::HEADER, id);
                Ok(response)
            }
            .instrument(span),
        ))
    }
}

/// The `request` span. Requests that change something (uploads, cancels, cleanup) get an `info`
/// span, so the lines they and their jobs log carry the request id at the default level. Reads
/// get a `debug` span, as tower-http's trace layer does: a read logs nothing but its errors,
/// which name the request id themselves, and at `info` a span per poll would cost a quarter of
/// the poll.
fn request_span(request: &Request, id: &HeaderValue) -> Span {
    let id = id.to_str().unwrap_or("-");
    let (method, path) = (request.method(), request.uri().path());
    if method == Method::GET || method == Method::HEAD {
        tracing::debug_span!("request", request_id = %id, method = %method, path = %path)
    } else {
        tracing::info_span!("request", request_id = %id, method = %method, path = %path)
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn span_at_info(method: Method) -> Span {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let request = Request::builder()
                .method(method)
                .uri("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8")
                .body(Body::empty())
                .unwrap_or_else(|e| panic!("request: {e}"));
            request_span(&request, &HeaderValue::from_static("req-1"))
        })
    }

    #[test]
    fn writes_get_an_info_span_and_reads_a_debug_one() {
        assert!(!span_at_info(Method::POST).is_disabled());
        assert!(!span_at_info(Method::DELETE).is_disabled());
        assert!(span_at_info(Method::GET).is_disabled());
        assert!(span_at_info(Method::HEAD).is_disabled());
    }
}
