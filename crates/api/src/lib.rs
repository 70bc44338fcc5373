//! Tessera's HTTP surface: one axum router per dialect (each speaking the wire protocol
//! of an existing backend), plus health, metrics and OpenAPI documents. Dialects are thin:
//! parse the request, call the core, render the result in the dialect's own format.

pub mod body;
pub mod client;
pub mod config;
pub mod dialects;
pub mod docs;
pub mod ops;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tessera_core::ports::SharedIdentityProvider;
use tessera_core::services::Core;

pub use config::{ApiConfig, Mode};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The account core.
    pub core: Core,
    /// HTTP-level configuration.
    pub config: Arc<ApiConfig>,
    /// Prometheus renderer, when metrics are on.
    pub metrics: Option<PrometheusHandle>,
    /// Enabled social sign-in providers by name (`google`, `facebook`); built once at
    /// start-up so a request never pays for key or client set-up.
    pub identity: Arc<HashMap<&'static str, SharedIdentityProvider>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The whole HTTP application: every dialect, health, metrics and docs.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(dialects::weplanx::router(&state))
        .merge(dialects::clumsy::router(&state))
        .merge(dialects::sspanel::router())
        .merge(dialects::ugene::router(&state))
        .merge(ops::router())
        .merge(docs::router())
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(axum::middleware::from_fn(ops::run_to_completion))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            ops::panic_response,
        ))
        .with_state(state)
}
