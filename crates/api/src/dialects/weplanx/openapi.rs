//! The OpenAPI description of the weplanx dialect. Kept next to the handlers; a snapshot
//! test in the server crate fails when it drifts from the routes.

/// Placeholder replaced below.
pub fn document() -> serde_json::Value {
    serde_json::Value::Null
}
