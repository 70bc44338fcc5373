//! Who is calling: client IP (from the socket, or a forwarding header only when the peer is
//! a trusted proxy), whether the request came over HTTPS, and the core's request context.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use tessera_core::domain::RequestContext;

use crate::config::CookieSecure;
use crate::AppState;

/// Facts about the caller, extracted once per request. Never fails.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client IP.
    pub ip: Option<IpAddr>,
    /// User-Agent, if any.
    pub user_agent: Option<String>,
    /// The request reached us (or the trusted proxy) over HTTPS.
    pub https: bool,
}

impl Client {
    /// The core's context for a call made through `dialect`.
    pub fn context(&self, dialect: &'static str) -> RequestContext {
        RequestContext {
            ip: self.ip.map(|ip| ip.to_string()),
            user_agent: self.user_agent.clone(),
            dialect,
        }
    }

    /// Whether cookies set on this response should carry `Secure`.
    pub fn secure_cookies(&self, policy: CookieSecure) -> bool {
        match policy {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => self.https,
        }
    }
}

fn forwarded_for(headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let raw = headers.get("x-forwarded-for")?.to_str().ok()?;
    // Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
    raw.rsplit(',')
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = &state.config.trusted_proxies;
        let via_proxy = peer.is_some_and(|p| trusted.contains(&p));
        let ip = if via_proxy {
            forwarded_for(&parts.headers, trusted).or(peer)
        } else {
            peer
        };
        let https = parts.uri.scheme_str() == Some("https")
            || (via_proxy
                && parts
                    .headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("https")));
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        Ok(Self {
            ip,
            user_agent,
            https,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_skips_trusted_hops() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 10.0.0.2"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        let trusted: Vec<IpAddr> = vec!["10.0.0.2".parse().unwrap_or_else(|_| unreachable!())];
        assert_eq!(forwarded_for(&h, &trusted), "203.0.113.9".parse().ok());
        h.insert(
            "x-forwarded-for",
            "garbage".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(forwarded_for(&h, &trusted), None);
    }
}
