//! The SSPanel-UIM auth API (`specs/sspanel-auth-api.md`): `POST /auth/login`,
//! `POST /auth/register`, `POST /auth/send`, `POST /password/reset`,
//! `POST /password/token/{token}` and `GET /logout`. Every answer is HTTP 200 with
//! `{"ret": 0|1, "msg": …}` (non-ASCII escaped as `\uXXXX`, as PHP's `json_encode` wrote it)
//! and a login sets the five cookies of the original. Parameters come from a form or JSON
//! body, then the query string, as Slim's `getParam` read them. Differences from the
//! original: `docs/dialects/sspanel.md`.

mod auth;
mod cookies;
pub mod messages;
pub mod openapi;
mod password;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use crate::body::{Body, Fields};
use crate::AppState;

/// Name used in login history and audit records.
pub const DIALECT: &str = "sspanel";

/// Every endpoint of the document (and its companions `/auth/send`, `/password/token`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/register", post(auth::register))
        .route("/auth/send", post(auth::send))
        .route("/password/reset", post(password::reset))
        .route("/password/token/{token}", post(password::token))
        .route("/logout", get(auth::logout))
}

/// `{"ret": ret, "msg": msg}` with HTTP 200.
pub fn reply(ret: u8, msg: &str) -> Response {
    // Written by hand to keep the original's key order (`ret` first).
    let msg = Value::String(msg.to_owned());
    body(&format!("{{\"ret\":{ret},\"msg\":{msg}}}"))
}

/// `{"ret": 0, "msg": msg}` for a request refused by a per-IP limit, with `Retry-After`.
pub fn limited(msg: &str, retry_after_secs: i64) -> Response {
    let mut res = reply(0, msg);
    crate::ops::set_retry_after(&mut res, retry_after_secs);
    res
}

/// `{"ret": 1}`, the document's logout answer.
pub fn reply_ret_only(ret: u8) -> Response {
    body(&format!("{{\"ret\":{ret}}}"))
}

/// A JSON body written as PHP's `json_encode` does: `/` escaped, non-ASCII as `\uXXXX`.
fn body(json: &str) -> Response {
    let text = php_json(json);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

/// Re-escapes serde_json's output the way PHP does. serde_json already escapes quotes,
/// backslashes and control characters; PHP additionally escapes `/` and every non-ASCII
/// character (UTF-16 code units, so astral characters become surrogate pairs).
fn php_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// Request parameters: body fields first, then the query string (Slim's `getParam`).
pub struct Params {
    body: Fields,
    query: Fields,
}

impl Params {
    /// Reads the body and the query; an unreadable body is `None`.
    pub fn new(body: Body, query: Option<&str>) -> Option<Self> {
        Some(Self {
            body: body.0.ok()?,
            query: Fields::from_query(query),
        })
    }

    /// A parameter as PHP would see it as a string: numbers in decimal, `true` as `"1"`,
    /// `false` and `null` as absent.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = self.body.value(name).or_else(|| self.query.value(name))?;
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(true) => Some("1".to_owned()),
            _ => None,
        }
    }

    /// A parameter, trimmed, empty as absent.
    pub fn trimmed(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_json_escapes_like_json_encode() {
        assert_eq!(
            php_json(r#"{"msg":"邮箱不存在","ret":0}"#),
            r#"{"msg":"\u90ae\u7bb1\u4e0d\u5b58\u5728","ret":0}"#
        );
        assert_eq!(php_json("a/b 😀"), "a\\/b \\ud83d\\ude00");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any message survives the PHP-style escaping: the body is pure ASCII with no
            /// bare `/`, and a JSON parser reads back exactly the original text.
            #[test]
            fn php_json_is_ascii_and_round_trips(msg in any::<String>()) {
                let json = serde_json::json!({ "ret": 0, "msg": msg }).to_string();
                let php = php_json(&json);
                prop_assert!(php.is_ascii());
                prop_assert!(!php.replace("\\\\", "").replace("\\/", "").contains('/'));
                let back: Value = serde_json::from_str(&php).unwrap();
                prop_assert_eq!(back["msg"].as_str(), Some(msg.as_str()));
            }
        }
    }
}
