//! OpenAPI documents of every dialect and a vendored Swagger UI at `/docs`.

use axum::Router;

use crate::AppState;

/// `/openapi/<dialect>.json` and `/docs`.
pub fn router() -> Router<AppState> {
    Router::new()
}
