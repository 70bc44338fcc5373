//! The one HTTP client every provider shares, and the helpers that send a request and read
//! a bounded answer. Transport failures become [`IdentityError::Unavailable`] with the URL
//! stripped from the message: provider URLs carry tokens and secrets in their query.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode};
use tessera_core::ports::IdentityError;

/// Largest answer read from a provider; real ones are a few kilobytes.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Limit for opening a connection to a provider; each request also has its own total limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the client shared by all providers: rustls, connect timeout, no redirects (a
/// token endpoint that redirects is misconfigured, and following it would resend secrets).
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("identity: cannot build the HTTP client: {e}"))
}

/// A provider's answer: status and body (at most [`MAX_ANSWER_BYTES`]).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body parsed as JSON, or `Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// Whether a retry may get a different answer (server errors, rate limits, timeouts).
    pub fn is_transient(&self) -> bool {
        self.status.is_server_error()
            || self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::REQUEST_TIMEOUT
    }
}

/// Sends `request` with `timeout` and reads the answer. `what` names the call in errors,
/// e.g. `google token endpoint`.
pub(crate) async fn send(
    request: RequestBuilder,
    timeout: Duration,
    what: &str,
) -> Result<Answer, IdentityError> {
    let unavailable = |e: reqwest::Error| {
        IdentityError::Unavailable(format!("{what} did not answer: {}", e.without_url()))
    };
    let mut response = request.timeout(timeout).send().await.map_err(unavailable)?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(IdentityError::Unavailable(format!(
                "{what} answered with more than {MAX_ANSWER_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, body })
}

/// Checks that `url` (the value of config key `key`) is an absolute http(s) URL.
pub(crate) fn check_url(key: &str, url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| format!("{key} is not a valid URL: {e}"))?;
    if matches!(parsed.scheme(), "http" | "https") {
        Ok(())
    } else {
        Err(format!(
            "{key} must be http:// or https://, not {}://",
            parsed.scheme()
        ))
    }
}

/// Cuts a provider's message to a length fit for logs and errors.
pub(crate) fn short(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
