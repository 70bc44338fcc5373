//! Operations endpoints and cross-cutting middleware: `/healthz`, `/readyz`, `/metrics`,
//! security headers on every response, request metrics labelled by route, and a 500 in
//! place of a crashed handler.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// Health and metrics routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.core.store().ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "ready\n",
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are disabled\n").into_response(),
    }
}

/// Adds headers every response should carry: no sniffing, no framing, no referrer leaks,
/// and `no-store` unless the handler chose a caching policy itself.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Sets `Retry-After` (seconds) on an answer refused by a request limit.
pub fn set_retry_after(res: &mut Response, secs: i64) {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
}

/// Runs every request to completion even when the client goes away. Without this a
/// dropped connection cancels the handler between two awaits: half of a multi-step change
/// (a code spent but the password not yet written), or a database transaction abandoned
/// mid-flight. A panic in the task becomes the usual 500.
///
/// Safe methods (GET, HEAD, OPTIONS) change nothing a client asked for, so they skip the
/// extra task: token checks are the hot path.
pub async fn run_to_completion(req: Request, next: Next) -> Response {
    if req.method().is_safe() {
        return next.run(req).await;
    }
    match tokio::spawn(next.run(req)).await {
        Ok(res) => res,
        Err(e) if e.is_panic() => panic_response(e.into_panic()),
        Err(_) => panic_response(Box::new("request task cancelled")),
    }
}

/// Counts requests and records latency per route template (never the raw URL).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("tessera_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("tessera_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// The response for a handler that panicked: a plain 500, details only in the log.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"code":"system.internal","message":"internal error"}"#,
    )
        .into_response()
}
