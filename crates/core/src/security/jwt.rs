//! HS256 access tokens (the weplanx dialect's `TOKEN` cookie). The token names the
//! session (`jti` = `sid` = session id), so revoking the session kills the token at once.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{SessionId, UserId};
use crate::error::CoreError;

/// Clock skew tolerated between nodes, in seconds.
const LEEWAY_SECS: i64 = 5;

/// The claims, with the original's key names (`UserId` really is capitalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account.
    #[serde(rename = "UserId")]
    pub user_id: String,
    /// Issuer (the configured namespace).
    pub iss: String,
    /// Expiry (unix seconds).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id: the session id, as in the original where the session stored the jti.
    pub jti: String,
    /// The session id again, under an explicit name.
    pub sid: String,
}

/// Signs and verifies access tokens with one key.
#[derive(Clone)]
pub struct JwtCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtCodec(<redacted>)")
    }
}

/// A verified token's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSubject {
    /// The account.
    pub user_id: UserId,
    /// The session.
    pub session_id: SessionId,
}

impl JwtCodec {
    /// A codec for `key`, stamping `issuer`.
    pub fn new(key: &[u8], issuer: &str) -> Self {
        // Only HS256 is issued and only HS256 is accepted: no algorithm confusion.
        let mut validation = Validation::new(Algorithm::HS256);
        // Time claims are checked against the injected clock in `verify`, not the OS clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "nbf", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: issuer.to_owned(),
        }
    }

    /// Issues a token for a session, valid for `lifetime_secs` from `now`.
    pub fn issue(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: OffsetDateTime,
        lifetime_secs: i64,
    ) -> Result<String, CoreError> {
        let iat = now.unix_timestamp();
        let claims = Claims {
            user_id: user_id.to_simple(),
            iss: self.issuer.clone(),
            exp: iat + lifetime_secs,
            nbf: iat,
            iat,
            jti: session_id.to_simple(),
            sid: session_id.to_simple(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(CoreError::internal)
    }

    /// Checks signature, algorithm and time claims at `now`; returns whom the token names.
    /// Every failure is [`CoreError::SessionInvalid`].
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<TokenSubject, CoreError> {
        if token.is_empty() || token.len() > 4096 {
            return Err(CoreError::SessionInvalid);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| CoreError::SessionInvalid)?;
        let t = now.unix_timestamp();
        // Saturating: a signed token may carry any i64 (found by the jwt_verify fuzz target).
        if t >= data.claims.exp.saturating_add(LEEWAY_SECS)
            || t.saturating_add(LEEWAY_SECS) < data.claims.nbf
        {
            return Err(CoreError::SessionInvalid);
        }
        let user_id = UserId::parse(&data.claims.user_id).ok_or(CoreError::SessionInvalid)?;
        let session_id = SessionId::parse(&data.claims.sid).ok_or(CoreError::SessionInvalid)?;
        if data.claims.jti != data.claims.sid {
            return Err(CoreError::SessionInvalid);
        }
        Ok(TokenSubject {
            user_id,
            session_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> JwtCodec {
        JwtCodec::new(b"0123456789abcdef0123456789abcdef", "tessera")
    }

    #[test]
    fn round_trip_keeps_subject() {
        let (u, s) = (UserId::new(), SessionId::new());
        let t = codec()
            .issue(u, s, OffsetDateTime::now_utc(), 7200)
            .unwrap();
        let got = codec().verify(&t, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(
            got,
            TokenSubject {
                user_id: u,
                session_id: s
            }
        );
    }

    #[test]
    fn other_key_expired_and_garbage_fail() {
        let (u, s) = (UserId::new(), SessionId::new());
        let now = OffsetDateTime::now_utc();
        let other = JwtCodec::new(b"another key, another key, anothe", "tessera");
        let t = other.issue(u, s, now, 7200).unwrap();
        assert!(codec().verify(&t, now).is_err());
        let old = codec()
            .issue(u, s, now - time::Duration::hours(3), 7200)
            .unwrap();
        assert!(codec().verify(&old, now).is_err());
        for junk in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", &"x".repeat(5000)] {
            assert!(codec().verify(junk, now).is_err());
        }
    }

    #[test]
    fn hs384_with_the_same_key_is_refused() {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let s = SessionId::new().to_simple();
        let claims = Claims {
            user_id: UserId::new().to_simple(),
            iss: "tessera".into(),
            exp: now + 60,
            nbf: now,
            iat: now,
            jti: s.clone(),
            sid: s,
        };
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS384),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(codec()
            .verify(&t, OffsetDateTime::from_unix_timestamp(now).unwrap())
            .is_err());
    }

    #[test]
    fn expiry_follows_the_given_clock() {
        let (u, s) = (UserId::new(), SessionId::new());
        let t0 = time::macros::datetime!(2026-01-01 00:00 UTC);
        let t = codec().issue(u, s, t0, 7200).unwrap();
        assert!(codec()
            .verify(&t, t0 + time::Duration::seconds(7199))
            .is_ok());
        assert!(codec()
            .verify(&t, t0 + time::Duration::seconds(7205))
            .is_err());
        assert!(
            codec()
                .verify(&t, t0 - time::Duration::seconds(60))
                .is_err(),
            "not before"
        );
    }

    /// Found by the `jwt_verify` fuzz target: a correctly signed token whose `exp` (or
    /// `nbf`) is at the end of the i64 range overflowed the leeway addition.
    #[test]
    fn extreme_expiry_claims_never_panic() {
        let codec = codec();
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let key = jsonwebtoken::EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let (u, s) = (UserId::new().to_simple(), SessionId::new().to_simple());
        for (exp, nbf) in [(i64::MAX, 0), (i64::MAX - 1, i64::MAX), (0, i64::MIN)] {
            let claims = serde_json::json!({
                "UserId": u, "sid": s, "jti": s, "iss": "tessera",
                "exp": exp, "nbf": nbf, "iat": 0,
            });
            let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
            let _ = codec.verify(&token, OffsetDateTime::now_utc());
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any ids, any issue time and any lifetime of at least a minute: the token
            /// verifies to the same subject while it lives, and not once it has expired.
            #[test]
            fn issue_then_verify_round_trips(
                user in any::<u128>(),
                session in any::<u128>(),
                at in 0i64..4_000_000_000,
                life in 60i64..10_000_000,
            ) {
                let (u, s) = (UserId(uuid::Uuid::from_u128(user)), SessionId(uuid::Uuid::from_u128(session)));
                let now = OffsetDateTime::from_unix_timestamp(at).unwrap();
                let t = codec().issue(u, s, now, life).unwrap();
                prop_assert_eq!(
                    codec().verify(&t, now).unwrap(),
                    TokenSubject { user_id: u, session_id: s }
                );
                let after = now + time::Duration::seconds(life + LEEWAY_SECS);
                prop_assert!(codec().verify(&t, after).is_err());
            }

            /// Changing any one character of a token makes it fail (or, where base64url
            /// has slack in its last character, still name the same subject): never another.
            #[test]
            fn a_changed_character_never_names_someone_else(
                pos in any::<prop::sample::Index>(),
                with in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".to_vec()),
            ) {
                let (u, s) = (UserId::new(), SessionId::new());
                let now = OffsetDateTime::now_utc();
                let t = codec().issue(u, s, now, 3600).unwrap();
                let mut bytes = t.into_bytes();
                let i = pos.index(bytes.len());
                prop_assume!(bytes[i] != with);
                bytes[i] = with;
                let changed = String::from_utf8(bytes).unwrap();
                if let Ok(got) = codec().verify(&changed, now) {
                    prop_assert_eq!(got, TokenSubject { user_id: u, session_id: s });
                }
            }
        }
    }
}
