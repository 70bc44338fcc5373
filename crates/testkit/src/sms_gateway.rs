//! `FakeSmsGateway`: a real HTTP server standing in for an SMS provider. It records every
//! request (method, path, query, headers, body) and answers `200 {"ok":true}`, or a chosen
//! error status for the next few requests, so tests can check both what the server sends and
//! how it handles a failing provider.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::background::{self, Background};

/// One request the gateway received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request path, e.g. `/send`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers by lower-case name; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The body as text (lossy UTF-8).
    pub body_text: String,
    /// The body parsed as JSON; `Null` when empty or not JSON.
    pub body: serde_json::Value,
}

impl RecordedRequest {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// What the handler shares with the test.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<GatewayState>,
    arrived: Notify,
}

/// Requests so far and the programmed failures.
#[derive(Debug, Default)]
struct GatewayState {
    requests: Vec<RecordedRequest>,
    /// Index of the next request `wait_for_request` hands out.
    cursor: usize,
    /// Remaining requests to fail, and with which status.
    fail: Option<(u32, StatusCode)>,
}

impl Shared {
    /// Locks the state; a panicked test thread does not hide what was recorded.
    fn lock(&self) -> std::sync::MutexGuard<'_, GatewayState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands out the next request no earlier `wait_for_request` returned.
    fn take_next(&self) -> Option<RecordedRequest> {
        let mut state = self.lock();
        let request = state.requests.get(state.cursor).cloned()?;
        state.cursor += 1;
        Some(request)
    }
}

/// A fake SMS provider on `http://127.0.0.1:<port>`, accepting any method on any path.
/// Stops when dropped.
#[derive(Debug)]
pub struct FakeSmsGateway {
    port: u16,
    shared: Arc<Shared>,
    _server: Background,
}

impl FakeSmsGateway {
    /// Binds a free loopback port and starts serving; ready on return. Works from sync and
    /// async code alike.
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&shared));
        let (server, port) =
            background::spawn("sms-gateway", move |listener: TcpListener| async move {
                // Returns only on a fatal listener error; the handle then just sees no answers.
                let _ = axum::serve(listener, app).await;
            });
        Self {
            port,
            shared,
            _server: server,
        }
    }

    /// The gateway's base URL, e.g. `http://127.0.0.1:41234`; any path below it works.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the gateway listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Waits up to `timeout` for a request that no earlier call of this method returned and
    /// returns the oldest such one; `None` on timeout.
    pub async fn wait_for_request(&self, timeout: Duration) -> Option<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            // Register before checking, so a request recorded in between still wakes us.
            arrived.as_mut().enable();
            if let Some(request) = self.shared.take_next() {
                return Some(request);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.shared.take_next();
            }
        }
    }

    /// Answers the next `n` requests with `status` (and `{"ok":false}`) instead of 200.
    /// Panics on a status outside 100..=999, which is a bug in the test.
    pub fn fail_next(&self, n: u32, status: u16) {
        let status = StatusCode::from_u16(status).expect("fail_next: not an HTTP status code");
        self.shared.lock().fail = (n > 0).then_some((n, status));
    }
}

/// Records the request and answers as programmed.
async fn record(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut header_map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        header_map
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: header_map,
        body_text: String::from_utf8_lossy(&body).into_owned(),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    };
    let failure = {
        let mut state = shared.lock();
        state.requests.push(request);
        match state.fail {
            Some((n, status)) => {
                state.fail = (n > 1).then_some((n - 1, status));
                Some(status)
            }
            None => None,
        }
    };
    shared.arrived.notify_waiters();
    match failure {
        Some(status) => (
            status,
            Json(serde_json::json!({"ok": false, "error": "fail_next"})),
        )
            .into_response(),
        None => Json(serde_json::json!({"ok": true})).into_response(),
    }
}
