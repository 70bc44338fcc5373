//! The weplanx "Common" API (`specs/weplanx-common-api.md`): cookie sessions with an HS256
//! JWT in `TOKEN`, XSRF cookies, 204 on success, `{code, msg, message}` on 400.
//! Deliberate differences from the original are listed in `docs/dialects/weplanx.md`.

mod account;
mod cookies;
mod errors;
mod guard;
pub mod openapi;
mod public;
mod session;

use axum::routing::{delete, get, post};

// `DELETE /user/{key}` shares its path with the static `/user/phone`, `/user/totp` and
// `/user/password`
// routes, which axum prefers; those get the same DELETE handler, which reads the key
// from the path itself.
use axum::Router;

use crate::AppState;

pub use errors::messages;

/// Name used in login history and audit records.
pub const DIALECT: &str = "weplanx";

/// Every endpoint of the document, at its documented path. CSRF is checked on every
/// unsafe method (in production mode), as the original's route groups did.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(public::ping))
        .route("/login", post(session::login))
        .route(
            "/login/sms",
            get(session::sms_code).post(session::sms_login),
        )
        .route("/login/totp", post(session::totp_login))
        .route("/forget_code", get(public::forget_code))
        .route("/forget_reset", post(public::forget_reset))
        .route("/verify", get(session::verify))
        .route("/refresh_code", get(session::refresh_code))
        .route("/refresh_token", post(session::refresh_token))
        .route("/logout", post(session::logout))
        .route("/user", get(account::info).patch(account::set_user))
        .route(
            "/user/password",
            post(account::set_password).delete(account::unset),
        )
        .route("/user/phone_code", get(account::phone_code))
        .route(
            "/user/phone",
            post(account::bind_phone).delete(account::unset),
        )
        .route(
            "/user/totp",
            get(account::totp_url)
                .post(account::bind_totp)
                .delete(account::unset),
        )
        .route("/user/{key}", delete(account::unset))
        .route("/options", get(public::options))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::csrf,
        ))
}
