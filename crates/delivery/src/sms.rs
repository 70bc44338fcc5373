//! SMS transports: the log (development default) and a generic JSON-over-HTTP gateway.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use secrecy::ExposeSecret;
use tessera_core::domain::OutboxMessage;
use tessera_core::ports::{DeliveryError, SmsTransport};

use crate::config::{HttpSmsConfig, HttpSmsMethod};
use crate::template::BodyTemplate;

/// Logs each text message at `info` level instead of sending it. **Development only: it logs
/// the whole text, one-time codes included.**
#[derive(Debug, Default)]
pub struct LogSms;

#[async_trait]
impl SmsTransport for LogSms {
    async fn send_sms(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        tracing::info!(
            outbox_id = %message.id,
            to = %message.recipient,
            text = %message.body_text,
            params = %message.params,
            "sms (log transport, not sent)"
        );
        Ok(())
    }
}

/// Longest part of a gateway's error answer kept in the delivery error.
const MAX_ERROR_BODY: usize = 200;

/// Sends text messages to an HTTP SMS gateway: renders the body template, adds the
/// credential header, and maps the answer: 2xx is delivered, 4xx (except 408 and 429) is a
/// permanent refusal, anything else (5xx, 408, 429, network errors, timeouts) is transient.
pub struct HttpSms {
    client: reqwest::Client,
    url: reqwest::Url,
    method: HttpSmsMethod,
    auth: Option<(HeaderName, HeaderValue)>,
    template: BodyTemplate,
}

impl HttpSms {
    /// Builds the gateway client from config.
    ///
    /// # Errors
    /// A message naming the bad `sms.http.*` key.
    pub fn new(cfg: &HttpSmsConfig) -> Result<Self, String> {
        if cfg.url.trim().is_empty() {
            return Err("sms.http.url is required when sms.transport = http".to_owned());
        }
        let url = reqwest::Url::parse(&cfg.url)
            .map_err(|e| format!("sms.http.url is not a valid URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "sms.http.url must be http:// or https://, not {}://",
                url.scheme()
            ));
        }
        if cfg.timeout_secs == 0 {
            return Err("sms.http.timeout_secs must be greater than 0".to_owned());
        }
        let auth = match (&cfg.auth_header, &cfg.auth_value) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(
                    "sms.http.auth_value is required when sms.http.auth_header is set".to_owned(),
                )
            }
            (None, Some(_)) => {
                return Err(
                    "sms.http.auth_header is required when sms.http.auth_value is set".to_owned(),
                )
            }
            (Some(name), Some(value)) => {
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    format!("sms.http.auth_header `{name}` is not a valid header name")
                })?;
                let mut value = HeaderValue::from_str(value.expose_secret())
                    .map_err(|_| "sms.http.auth_value is not a valid header value".to_owned())?;
                value.set_sensitive(true);
                Some((name, value))
            }
        };
        let template = BodyTemplate::parse(&cfg.body_template)
            .map_err(|e| format!("sms.http.body_template: {e}"))?;
        check_template_output(&template, cfg.method)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_secs))
            .build()
            .map_err(|e| format!("sms.http: cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            url,
            method: cfg.method,
            auth,
            template,
        })
    }

    /// Builds the request for one message.
    fn request(&self, body: &str) -> Result<reqwest::RequestBuilder, DeliveryError> {
        let request = match self.method {
            HttpSmsMethod::Post => self.client.post(self.url.clone()),
            HttpSmsMethod::Put => self.client.put(self.url.clone()),
            HttpSmsMethod::Get => {
                let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body)
                    .map_err(|e| {
                        DeliveryError::permanent(format!(
                            "rendered SMS template is not a JSON object: {e}"
                        ))
                    })?;
                let query: Vec<(String, String)> = fields
                    .into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect();
                return Ok(self.with_auth(self.client.get(self.url.clone()).query(&query)));
            }
        };
        Ok(self.with_auth(
            request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned()),
        ))
    }

    /// Adds the credential header, when configured.
    fn with_auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some((name, value)) => request.header(name.clone(), value.clone()),
            None => request,
        }
    }
}

/// Renders the template with sample values and checks that the result is JSON (an object
/// for GET, whose fields become query parameters), so a broken template fails at start-up.
fn check_template_output(template: &BodyTemplate, method: HttpSmsMethod) -> Result<(), String> {
    let sample_params: serde_json::Map<String, serde_json::Value> = template
        .param_names()
        .map(|n| (n.to_owned(), serde_json::Value::from("0")))
        .collect();
    let sample = template
        .render(
            "+10000000000",
            "sample \"text\"",
            &serde_json::Value::Object(sample_params),
        )
        .map_err(|e| format!("sms.http.body_template: {e}"))?;
    let parsed: serde_json::Value = serde_json::from_str(&sample)
        .map_err(|e| format!("sms.http.body_template is not valid JSON once filled in: {e}"))?;
    if method == HttpSmsMethod::Get && !parsed.is_object() {
        return Err(
            "sms.http.body_template must be a JSON object when sms.http.method = GET".to_owned(),
        );
    }
    Ok(())
}

/// Sorts a gateway answer by status: see [`HttpSms`].
fn classify_status(status: reqwest::StatusCode, body: &str) -> DeliveryError {
    let snippet: String = body.chars().take(MAX_ERROR_BODY).collect();
    let message = format!("SMS gateway answered {status}: {snippet}");
    let retry_helps = status.is_server_error()
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || !status.is_client_error();
    if retry_helps {
        DeliveryError::transient(message)
    } else {
        DeliveryError::permanent(message)
    }
}

#[async_trait]
impl SmsTransport for HttpSms {
    async fn send_sms(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        let body = self
            .template
            .render(&message.recipient, &message.body_text, &message.params)
            .map_err(DeliveryError::permanent)?;
        // `without_url`: the gateway URL may carry an API key in its query string.
        let response = self.request(&body)?.send().await.map_err(|e| {
            DeliveryError::transient(format!("SMS gateway request failed: {}", e.without_url()))
        })?;
        let status = response.status();
        if status.is_success() {
            tracing::debug!(outbox_id = %message.id, %status, "sms accepted by the gateway");
            return Ok(());
        }
        let text = read_prefix(response).await;
        Err(classify_status(status, &text))
    }
}

/// Reads at most a few kilobytes of an error answer: enough to explain it, bounded so a
/// misbehaving gateway cannot make us buffer a huge body.
async fn read_prefix(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < 4 * MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
