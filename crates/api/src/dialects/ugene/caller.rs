//! Who is calling: from `X-Authorization-Token: Bearer <token>`. A session token, a
//! pending sign-in token (two-factor code not given yet), a token that is wrong, or none.

use axum::http::HeaderMap;
use serde_json::{json, Value};
use tessera_core::domain::User;
use tessera_core::error::CoreError;
use tessera_core::services::{AuthContext, Core};

/// The header the document uses.
pub const TOKEN_HEADER: &str = "x-authorization-token";

/// The caller of one request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No token was sent.
    Anonymous,
    /// A token was sent but is not valid (wrong, expired, revoked, account gone).
    Invalid,
    /// A sign-in waiting for its e-mailed code.
    Pending {
        /// The pending token.
        token: String,
        /// The account.
        user: User,
        /// When the pending sign-in ends (unix seconds).
        expires: i64,
    },
    /// A live session.
    Signed {
        /// The session.
        auth: AuthContext,
        /// The account.
        user: User,
    },
}

/// The bearer token of a request, if the header is present and readable.
fn bearer(headers: &HeaderMap) -> Option<Option<String>> {
    let raw = headers.get(TOKEN_HEADER)?;
    let Ok(text) = raw.to_str() else {
        return Some(None);
    };
    let text = text.trim();
    if text.eq_ignore_ascii_case("bearer") {
        return Some(None);
    }
    let token = match text.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => text,
    };
    Some((!token.is_empty() && token.len() <= 2048).then(|| token.to_owned()))
}

impl Caller {
    /// Resolves the caller. A server fault while checking is returned as an error so it
    /// is answered as one, not as "signed out".
    pub async fn resolve(core: &Core, headers: &HeaderMap) -> Result<Self, CoreError> {
        let token = match bearer(headers) {
            None => return Ok(Self::Anonymous),
            Some(None) => return Ok(Self::Invalid),
            Some(Some(t)) => t,
        };
        if Core::is_pending_token(&token) {
            return match core.verify_pending_token(&token).await {
                Ok(user) => {
                    // `pending.<uid>.<exp>.<mac>`, already verified.
                    let expires = token
                        .split('.')
                        .nth(2)
                        .and_then(|e| e.parse().ok())
                        .unwrap_or_default();
                    Ok(Self::Pending {
                        token,
                        user,
                        expires,
                    })
                }
                Err(e @ CoreError::Internal(_)) => Err(e),
                Err(_) => Ok(Self::Invalid),
            };
        }
        let auth = match core.verify_access_token(&token).await {
            Ok(auth) => auth,
            Err(e @ CoreError::Internal(_)) => return Err(e),
            Err(_) => return Ok(Self::Invalid),
        };
        match core.user(auth.user_id).await {
            Ok(user) if user.is_usable() => Ok(Self::Signed { auth, user }),
            Ok(_) | Err(CoreError::NotFound) => Ok(Self::Invalid),
            Err(e) => Err(e),
        }
    }

    /// The signed-in session, or the code to answer with: `unauthenticated` for no or
    /// a wrong token, [`super::codes::OTP_REQUIRED`] for a pending sign-in.
    pub fn signed(
        &self,
        unauthenticated: &'static str,
    ) -> Result<(AuthContext, &User), &'static str> {
        match self {
            Self::Signed { auth, user } => Ok((*auth, user)),
            Self::Pending { .. } => Err(super::codes::OTP_REQUIRED),
            Self::Anonymous | Self::Invalid => Err(unauthenticated),
        }
    }

    /// The `session` object: `completed` is 0 while the e-mailed code is awaited;
    /// `session_exp` is when the session ends if unused (it slides with every call).
    pub fn session(&self, now: i64, session_secs: i64) -> Value {
        match self {
            Self::Signed { user, .. } => session_object(user, true, now + session_secs),
            Self::Pending { user, expires, .. } => session_object(user, false, *expires),
            Self::Anonymous | Self::Invalid => json!({}),
        }
    }
}

/// A `session` object for `user`.
pub fn session_object(user: &User, completed: bool, exp: i64) -> Value {
    json!({
        "completed": u8::from(completed),
        "is_admin": u8::from(user.is_admin),
        "session_exp": exp,
        "uid": user.id.to_simple(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_header_shapes() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(TOKEN_HEADER, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&h), Some(Some("abc".to_owned())));
        h.insert(TOKEN_HEADER, HeaderValue::from_static("bearer   abc "));
        assert_eq!(bearer(&h), Some(Some("abc".to_owned())));
        h.insert(TOKEN_HEADER, HeaderValue::from_static("abc"));
        assert_eq!(bearer(&h), Some(Some("abc".to_owned())));
        h.insert(TOKEN_HEADER, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), Some(None));
        h.insert(
            TOKEN_HEADER,
            HeaderValue::from_bytes(b"Bearer \xff").unwrap_or(HeaderValue::from_static("")),
        );
        assert!(matches!(bearer(&h), Some(None)));
    }
}
