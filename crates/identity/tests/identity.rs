//! The Google and Facebook adapters against `FakeIdentityProvider` over real HTTP on
//! loopback: token verification per client type, every rejection path, key rotation, code
//! exchange with the redirect defaults, outages, and config validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::json;
use sha2::Sha256;
use tessera_core::clock::{Clock, ManualClock, SystemClock};
use tessera_core::ports::{ClientType, ExternalIdentity, IdentityError, IdentityProvider};
use tessera_identity::{
    build_providers, http_client, FacebookConfig, FacebookProvider, GoogleConfig, GoogleProvider,
    IdentityConfig,
};
use tessera_testkit::FakeIdentityProvider;
use time::{Duration, OffsetDateTime};

const DESKTOP_ID: &str = "desktop-client.apps.googleusercontent.com";
const WEB_ID: &str = "web-client.apps.googleusercontent.com";
const FB_APP_ID: &str = "424242";
const FB_SECRET: &str = "fb-app-secret";

fn secret(s: &str) -> Option<SecretString> {
    Some(SecretString::from(s.to_owned()))
}

fn google_cfg(fake: &FakeIdentityProvider) -> GoogleConfig {
    GoogleConfig {
        enabled: true,
        desktop_client_id: DESKTOP_ID.to_owned(),
        desktop_client_secret: secret("desktop-secret"),
        web_client_id: WEB_ID.to_owned(),
        web_client_secret: secret("web-secret"),
        jwks_url: fake.jwks_url(),
        token_url: fake.google_token_url(),
        timeout_secs: 5,
        ..GoogleConfig::default()
    }
}

fn google_with(cfg: &GoogleConfig, clock: Arc<dyn Clock>) -> GoogleProvider {
    GoogleProvider::new(cfg, http_client().unwrap(), clock).unwrap()
}

fn google(fake: &FakeIdentityProvider) -> GoogleProvider {
    google_with(&google_cfg(fake), Arc::new(SystemClock))
}

fn facebook_cfg(fake: &FakeIdentityProvider) -> FacebookConfig {
    FacebookConfig {
        enabled: true,
        app_id: FB_APP_ID.to_owned(),
        app_secret: secret(FB_SECRET),
        graph_url: fake.graph_url(),
        timeout_secs: 5,
    }
}

fn facebook(fake: &FakeIdentityProvider) -> FacebookProvider {
    FacebookProvider::new(&facebook_cfg(fake), http_client().unwrap()).unwrap()
}

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, IdentityError>) -> String {
    match result {
        Err(IdentityError::Invalid(message)) => message,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

// ----------------------------------------------------------------------------- client type

#[test]
fn client_type_parses_the_three_path_segments() {
    assert_eq!(ClientType::parse("desktop"), Ok(ClientType::Desktop));
    assert_eq!(ClientType::parse("web"), Ok(ClientType::Web));
    assert_eq!("mobile".parse::<ClientType>(), Ok(ClientType::Mobile));
    assert_eq!(ClientType::Web.to_string(), "web");
    assert_eq!(
        ClientType::parse("tv"),
        Err(IdentityError::Unsupported(
            "unsupported client type: tv".into()
        ))
    );
    assert!(ClientType::parse("Desktop").is_err());
}

// ---------------------------------------------------------------------- google: id tokens

#[tokio::test]
async fn google_accepts_a_token_for_each_client_types_audience() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    assert_eq!(provider.name(), "google");

    let desktop = fake.google_id_token(&FakeIdentityProvider::google_claims(
        DESKTOP_ID,
        "111",
        "dee@example.com",
    ));
    let identity = provider
        .verify_token(ClientType::Desktop, &desktop)
        .await
        .unwrap();
    assert_eq!(
        identity,
        ExternalIdentity {
            provider: "google".into(),
            subject: "111".into(),
            email: "dee@example.com".into(),
            email_verified: true,
            name: Some("Fake User".into()),
        }
    );

    // Web and mobile tokens are both issued to the web client, as in the original.
    let web = fake.google_id_token(&FakeIdentityProvider::google_claims(
        WEB_ID,
        "222",
        "web@example.com",
    ));
    let identity = provider.verify_token(ClientType::Web, &web).await.unwrap();
    assert_eq!(identity.subject, "222");
    let identity = provider
        .verify_token(ClientType::Mobile, &web)
        .await
        .unwrap();
    assert_eq!(identity.email, "web@example.com");

    // Desktop and web audiences are not interchangeable.
    assert_invalid(provider.verify_token(ClientType::Web, &desktop).await);
    assert_invalid(provider.verify_token(ClientType::Desktop, &web).await);
    // One key-set fetch served all of the above.
    assert_eq!(fake.requests_to("/google/jwks").len(), 1);
}

#[tokio::test]
async fn google_mobile_uses_its_own_client_id_when_configured() {
    let fake = FakeIdentityProvider::start();
    let cfg = GoogleConfig {
        mobile_client_id: "mobile-client".into(),
        ..google_cfg(&fake)
    };
    let provider = google_with(&cfg, Arc::new(SystemClock));
    let mobile = fake.google_id_token(&FakeIdentityProvider::google_claims(
        "mobile-client",
        "333",
        "m@example.com",
    ));
    let web = fake.google_id_token(&FakeIdentityProvider::google_claims(
        WEB_ID,
        "333",
        "m@example.com",
    ));
    assert!(provider
        .verify_token(ClientType::Mobile, &mobile)
        .await
        .is_ok());
    assert_invalid(provider.verify_token(ClientType::Mobile, &web).await);
}

#[tokio::test]
async fn google_rejects_wrong_audience_and_issuer_and_accepts_the_bare_issuer() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);

    let mut claims = FakeIdentityProvider::google_claims("someone-else", "1", "a@example.com");
    let message = assert_invalid(
        provider
            .verify_token(ClientType::Web, &fake.google_id_token(&claims))
            .await,
    );
    assert!(message.contains("another client"), "{message}");

    claims["aud"] = json!(WEB_ID);
    claims["iss"] = json!("https://evil.example.com");
    let message = assert_invalid(
        provider
            .verify_token(ClientType::Web, &fake.google_id_token(&claims))
            .await,
    );
    assert!(message.contains("issuer"), "{message}");

    claims["iss"] = json!("accounts.google.com");
    assert!(provider
        .verify_token(ClientType::Web, &fake.google_id_token(&claims))
        .await
        .is_ok());

    claims.as_object_mut().unwrap().remove("iss");
    assert_invalid(
        provider
            .verify_token(ClientType::Web, &fake.google_id_token(&claims))
            .await,
    );
}

#[tokio::test]
async fn google_checks_expiry_and_issue_time() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let base = FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com");
    let verify = |claims: serde_json::Value| {
        let token = fake.google_id_token(&claims);
        let provider = &provider;
        async move { provider.verify_token(ClientType::Web, &token).await }
    };

    let mut expired = base.clone();
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let message = assert_invalid(verify(expired).await);
    assert!(message.contains("expired"), "{message}");

    // A few seconds of clock difference are tolerated.
    let mut just_expired = base.clone();
    just_expired["exp"] = json!(now() - 10);
    just_expired["iat"] = json!(now() - 3610);
    assert!(verify(just_expired).await.is_ok());

    let mut from_the_future = base.clone();
    from_the_future["iat"] = json!(now() + 3600);
    from_the_future["exp"] = json!(now() + 7200);
    assert_invalid(verify(from_the_future).await);

    let mut no_iat = base.clone();
    no_iat.as_object_mut().unwrap().remove("iat");
    assert_invalid(verify(no_iat).await);

    let mut no_exp = base.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_invalid(verify(no_exp).await);
}

#[tokio::test]
async fn google_rejects_a_token_signed_by_another_key_and_garbage() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com");
    let forged = fake.google_id_token_signed_by_unpublished_key(&claims);
    let message = assert_invalid(provider.verify_token(ClientType::Web, &forged).await);
    assert!(message.contains("signature"), "{message}");

    // A valid token with its payload swapped keeps the header and signature of the first.
    let good = fake.google_id_token(&claims);
    let other = fake.google_id_token(&FakeIdentityProvider::google_claims(
        WEB_ID,
        "2",
        "b@example.com",
    ));
    let good_parts: Vec<&str> = good.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let spliced = format!("{}.{}.{}", good_parts[0], other_parts[1], good_parts[2]);
    assert_invalid(provider.verify_token(ClientType::Web, &spliced).await);

    for garbage in ["", "   ", "not-a-jwt", "a.b.c"] {
        assert_invalid(provider.verify_token(ClientType::Web, garbage).await);
    }
}

#[tokio::test]
async fn google_refetches_keys_on_an_unknown_kid_at_most_once_a_minute() {
    let fake = FakeIdentityProvider::start();
    let clock = ManualClock::new(OffsetDateTime::now_utc());
    let provider = google_with(&google_cfg(&fake), Arc::new(clock.clone()));
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com");

    let first_kid = fake.google_kid();
    let before = fake.google_id_token(&claims);
    assert!(provider
        .verify_token(ClientType::Web, &before)
        .await
        .is_ok());
    assert_eq!(fake.requests_to("/google/jwks").len(), 1);

    // Google rotates; a token with the new key id makes the cache refetch once.
    clock.advance(Duration::minutes(2));
    let new_kid = fake.rotate_google_key();
    assert_ne!(new_kid, first_kid);
    let after = fake.google_id_token(&claims);
    assert!(provider.verify_token(ClientType::Web, &after).await.is_ok());
    assert_eq!(fake.requests_to("/google/jwks").len(), 2);
    // The previous key is still published during the rotation, so older tokens still verify.
    assert!(provider
        .verify_token(ClientType::Web, &before)
        .await
        .is_ok());

    // Made-up key ids do not make the server hammer Google: one fetch per minute at most.
    let unknown = fake.google_id_token_with_kid(&claims, "no-such-key");
    let message = assert_invalid(provider.verify_token(ClientType::Web, &unknown).await);
    assert!(message.contains("unknown key id"), "{message}");
    assert_invalid(provider.verify_token(ClientType::Web, &unknown).await);
    assert_eq!(fake.requests_to("/google/jwks").len(), 2);
    clock.advance(Duration::seconds(61));
    assert_invalid(provider.verify_token(ClientType::Web, &unknown).await);
    assert_eq!(fake.requests_to("/google/jwks").len(), 3);
}

#[tokio::test]
async fn google_without_email_is_no_email_and_email_verified_comes_from_the_claim() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let mut claims = FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com");
    claims["email_verified"] = json!(false);
    let identity = provider
        .verify_token(ClientType::Web, &fake.google_id_token(&claims))
        .await
        .unwrap();
    assert!(!identity.email_verified);

    claims.as_object_mut().unwrap().remove("email");
    assert_eq!(
        provider
            .verify_token(ClientType::Web, &fake.google_id_token(&claims))
            .await,
        Err(IdentityError::NoEmail)
    );
    claims["email"] = json!("  ");
    assert_eq!(
        provider
            .verify_token(ClientType::Web, &fake.google_id_token(&claims))
            .await,
        Err(IdentityError::NoEmail)
    );
}

#[tokio::test]
async fn google_down_is_unavailable_and_recovers() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let token = fake.google_id_token(&FakeIdentityProvider::google_claims(
        WEB_ID,
        "1",
        "a@example.com",
    ));
    fake.fail_next(1, 503);
    assert!(matches!(
        provider.verify_token(ClientType::Web, &token).await,
        Err(IdentityError::Unavailable(_))
    ));
    // The failed fetch does not start the once-a-minute limit.
    assert!(provider.verify_token(ClientType::Web, &token).await.is_ok());

    let cfg = GoogleConfig {
        jwks_url: format!("{}/certs", dead_url()),
        ..google_cfg(&fake)
    };
    let unreachable = google_with(&cfg, Arc::new(SystemClock));
    match unreachable.verify_token(ClientType::Web, &token).await {
        Err(IdentityError::Unavailable(message)) => {
            assert!(!message.contains("127.0.0.1"), "URL leaked: {message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn google_desktop_without_a_client_id_is_unsupported() {
    let fake = FakeIdentityProvider::start();
    let cfg = GoogleConfig {
        desktop_client_id: String::new(),
        desktop_client_secret: None,
        ..google_cfg(&fake)
    };
    let provider = google_with(&cfg, Arc::new(SystemClock));
    let token = fake.google_id_token(&FakeIdentityProvider::google_claims(
        "",
        "1",
        "a@example.com",
    ));
    assert!(matches!(
        provider.verify_token(ClientType::Desktop, &token).await,
        Err(IdentityError::Unsupported(_))
    ));
    assert!(matches!(
        provider
            .exchange_code(ClientType::Desktop, "code", None)
            .await,
        Err(IdentityError::Unsupported(_))
    ));
    assert!(fake.requests().is_empty());
}

// -------------------------------------------------------------------- google: code flow

#[tokio::test]
async fn google_desktop_code_exchange_uses_the_desktop_client_and_oob_redirect() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    fake.google_code(
        "desk-code",
        FakeIdentityProvider::google_claims(DESKTOP_ID, "d1", "desk@example.com"),
    );
    let identity = provider
        .exchange_code(ClientType::Desktop, "desk-code", None)
        .await
        .unwrap();
    assert_eq!(identity.subject, "d1");
    assert_eq!(identity.email, "desk@example.com");

    let requests = fake.requests_to("/google/token");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.param("code"), Some("desk-code"));
    assert_eq!(request.param("client_id"), Some(DESKTOP_ID));
    assert_eq!(request.param("client_secret"), Some("desktop-secret"));
    assert_eq!(
        request.param("redirect_uri"),
        Some("urn:ietf:wg:oauth:2.0:oob")
    );
    assert_eq!(request.param("grant_type"), Some("authorization_code"));
    assert!(request.query.is_empty(), "secrets belong in the body");

    // Codes are single-use at Google: a replay is refused.
    let message = assert_invalid(
        provider
            .exchange_code(ClientType::Desktop, "desk-code", None)
            .await,
    );
    assert!(message.contains("invalid_grant"), "{message}");
}

#[tokio::test]
async fn google_web_code_exchange_uses_the_web_client_and_postmessage() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "w1", "web@example.com");
    fake.google_code("web-code", claims.clone());
    let identity = provider
        .exchange_code(ClientType::Web, "web-code", Some("  "))
        .await
        .unwrap();
    assert_eq!(identity.subject, "w1");
    fake.google_code("web-code-2", claims.clone());
    provider
        .exchange_code(
            ClientType::Web,
            "web-code-2",
            Some(" https://app.example.com/cb "),
        )
        .await
        .unwrap();

    let requests = fake.requests_to("/google/token");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].param("client_id"), Some(WEB_ID));
    assert_eq!(requests[0].param("client_secret"), Some("web-secret"));
    assert_eq!(requests[0].param("redirect_uri"), Some("postmessage"));
    assert_eq!(
        requests[1].param("redirect_uri"),
        Some("https://app.example.com/cb")
    );

    // The ID token from the exchange is verified like any other: a desktop-audience token
    // coming back for a web exchange is refused.
    fake.google_code(
        "wrong-aud",
        FakeIdentityProvider::google_claims(DESKTOP_ID, "w1", "web@example.com"),
    );
    assert_invalid(
        provider
            .exchange_code(ClientType::Web, "wrong-aud", None)
            .await,
    );
}

#[tokio::test]
async fn google_mobile_code_is_unsupported_and_outages_are_unavailable() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    assert!(matches!(
        provider
            .exchange_code(ClientType::Mobile, "code", None)
            .await,
        Err(IdentityError::Unsupported(_))
    ));
    assert!(fake.requests().is_empty());

    fake.google_code(
        "c",
        FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com"),
    );
    fake.fail_next(1, 502);
    assert!(matches!(
        provider.exchange_code(ClientType::Web, "c", None).await,
        Err(IdentityError::Unavailable(_))
    ));
    assert!(provider
        .exchange_code(ClientType::Web, "c", None)
        .await
        .is_ok());
    assert_invalid(provider.exchange_code(ClientType::Web, "  ", None).await);
}

// ------------------------------------------------------------------------------ facebook

fn proof(token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(FB_SECRET.as_bytes()).unwrap();
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn facebook_valid_token_with_appsecret_proof() {
    let fake = FakeIdentityProvider::start();
    fake.facebook_require_appsecret_proof(FB_SECRET);
    fake.facebook_user("fb-token", "10001", "Fay Book", Some("fay@example.com"));
    let provider = facebook(&fake);
    assert_eq!(provider.name(), "facebook");
    let identity = provider
        .verify_token(ClientType::Mobile, "fb-token")
        .await
        .unwrap();
    assert_eq!(
        identity,
        ExternalIdentity {
            provider: "facebook".into(),
            subject: "10001".into(),
            email: "fay@example.com".into(),
            email_verified: true,
            name: Some("Fay Book".into()),
        }
    );
    let requests = fake.requests_to("/facebook/me");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].param("fields"), Some("id,name,email"));
    assert_eq!(requests[0].param("access_token"), Some("fb-token"));
    assert_eq!(
        requests[0].param("appsecret_proof"),
        Some(proof("fb-token").as_str())
    );
}

#[tokio::test]
async fn facebook_invalid_token_wrong_secret_and_no_email() {
    let fake = FakeIdentityProvider::start();
    fake.facebook_require_appsecret_proof(FB_SECRET);
    fake.facebook_user("fb-token", "10001", "Fay", Some("fay@example.com"));
    fake.facebook_user("no-mail", "10002", "Nomi", None);
    let provider = facebook(&fake);

    let message = assert_invalid(provider.verify_token(ClientType::Web, "unknown").await);
    assert!(message.contains("Invalid OAuth access token"), "{message}");
    assert_eq!(
        assert_invalid(provider.verify_token(ClientType::Web, " ").await),
        "invalid facebook access token"
    );
    assert_eq!(
        provider.verify_token(ClientType::Web, "no-mail").await,
        Err(IdentityError::NoEmail)
    );

    // A proof made with another secret (a token meant for another app) is refused.
    let cfg = FacebookConfig {
        app_secret: secret("some-other-app-secret"),
        ..facebook_cfg(&fake)
    };
    let other_app = FacebookProvider::new(&cfg, http_client().unwrap()).unwrap();
    let message = assert_invalid(other_app.verify_token(ClientType::Web, "fb-token").await);
    assert!(message.contains("appsecret_proof"), "{message}");
}

#[tokio::test]
async fn facebook_outage_is_unavailable() {
    let fake = FakeIdentityProvider::start();
    fake.facebook_user("fb-token", "10001", "Fay", Some("fay@example.com"));
    let provider = facebook(&fake);
    fake.fail_next(2, 500);
    for _ in 0..2 {
        assert!(matches!(
            provider.verify_token(ClientType::Web, "fb-token").await,
            Err(IdentityError::Unavailable(_))
        ));
    }
    assert!(provider
        .verify_token(ClientType::Web, "fb-token")
        .await
        .is_ok());

    let cfg = FacebookConfig {
        graph_url: dead_url(),
        ..facebook_cfg(&fake)
    };
    let unreachable = FacebookProvider::new(&cfg, http_client().unwrap()).unwrap();
    match unreachable.verify_token(ClientType::Web, "fb-token").await {
        Err(IdentityError::Unavailable(message)) => {
            assert!(!message.contains("fb-token"), "token leaked: {message}");
            assert!(!message.contains(FB_SECRET), "secret leaked: {message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn facebook_code_exchange_per_client_type() {
    let fake = FakeIdentityProvider::start();
    fake.facebook_require_appsecret_proof(FB_SECRET);
    fake.facebook_user("fb-token", "10001", "Fay", Some("fay@example.com"));
    fake.facebook_code("desk-code", "fb-token");
    fake.facebook_code("web-code", "fb-token");
    let provider = facebook(&fake);

    let identity = provider
        .exchange_code(ClientType::Desktop, "desk-code", None)
        .await
        .unwrap();
    assert_eq!(identity.subject, "10001");
    let identity = provider
        .exchange_code(
            ClientType::Web,
            "web-code",
            Some("https://app.example.com/fb"),
        )
        .await
        .unwrap();
    assert_eq!(identity.email, "fay@example.com");

    let exchanges = fake.requests_to("/facebook/oauth/access_token");
    assert_eq!(exchanges.len(), 2);
    assert_eq!(exchanges[0].param("client_id"), Some(FB_APP_ID));
    assert_eq!(exchanges[0].param("client_secret"), Some(FB_SECRET));
    assert_eq!(exchanges[0].param("code"), Some("desk-code"));
    assert_eq!(
        exchanges[0].param("redirect_uri"),
        Some("https://www.facebook.com/connect/login_success.html")
    );
    assert_eq!(
        exchanges[1].param("redirect_uri"),
        Some("https://app.example.com/fb")
    );
    assert_eq!(fake.requests_to("/facebook/me").len(), 2);

    // Web needs the redirect URI the client used; nothing is sent without it.
    let before = fake.requests().len();
    for redirect in [None, Some(""), Some("   ")] {
        assert_eq!(
            provider
                .exchange_code(ClientType::Web, "web-code", redirect)
                .await,
            Err(IdentityError::Invalid(
                "redirect uri must not be empty for facebook + web".into()
            ))
        );
    }
    assert!(matches!(
        provider.exchange_code(ClientType::Mobile, "x", None).await,
        Err(IdentityError::Unsupported(_))
    ));
    assert_eq!(fake.requests().len(), before);

    // A spent or unknown code is refused; an outage is retryable.
    assert_invalid(
        provider
            .exchange_code(ClientType::Desktop, "desk-code", None)
            .await,
    );
    fake.facebook_code("late-code", "fb-token");
    fake.fail_next(1, 503);
    assert!(matches!(
        provider
            .exchange_code(ClientType::Desktop, "late-code", None)
            .await,
        Err(IdentityError::Unavailable(_))
    ));
}

// -------------------------------------------------------------------------------- config

#[test]
fn config_defaults_and_unknown_keys() {
    let cfg: IdentityConfig = serde_json::from_value(json!({})).unwrap();
    assert!(!cfg.google.enabled && !cfg.facebook.enabled);
    assert_eq!(
        cfg.google.issuers,
        ["https://accounts.google.com", "accounts.google.com"]
    );
    assert_eq!(
        cfg.google.jwks_url,
        "https://www.googleapis.com/oauth2/v3/certs"
    );
    assert_eq!(cfg.google.token_url, "https://oauth2.googleapis.com/token");
    assert_eq!(cfg.google.timeout_secs, 10);
    assert_eq!(cfg.facebook.graph_url, "https://graph.facebook.com/v2.11");
    assert!(build_providers(&cfg).unwrap().is_empty());

    let cfg: IdentityConfig = serde_json::from_value(json!({
        "google": {"enabled": true, "web_client_id": "w", "web_client_secret": "top-secret"},
    }))
    .unwrap();
    assert_eq!(cfg.google.effective_mobile_client_id(), "w");
    assert!(!format!("{cfg:?}").contains("top-secret"));

    let error = serde_json::from_value::<IdentityConfig>(json!({"google": {"enabeld": true}}))
        .unwrap_err()
        .to_string();
    assert!(error.contains("enabeld"), "{error}");
    assert!(serde_json::from_value::<IdentityConfig>(json!({"twitter": {}})).is_err());
}

#[test]
fn config_errors_name_the_key() {
    let fake = FakeIdentityProvider::start();
    let check = |cfg: IdentityConfig| match build_providers(&cfg) {
        Ok(_) => panic!("config accepted"),
        Err(message) => message,
    };
    let google = |g: GoogleConfig| IdentityConfig {
        google: g,
        ..IdentityConfig::default()
    };
    let facebook = |f: FacebookConfig| IdentityConfig {
        facebook: f,
        ..IdentityConfig::default()
    };

    assert_eq!(
        check(google(GoogleConfig {
            web_client_id: " ".into(),
            ..google_cfg(&fake)
        })),
        "identity.google.web_client_id is required when identity.google.enabled = true"
    );
    assert_eq!(
        check(google(GoogleConfig {
            desktop_client_id: String::new(),
            ..google_cfg(&fake)
        })),
        "identity.google.desktop_client_id is required when identity.google.desktop_client_secret is set"
    );
    assert!(check(google(GoogleConfig {
        issuers: vec![],
        ..google_cfg(&fake)
    }))
    .starts_with("identity.google.issuers "));
    assert!(check(google(GoogleConfig {
        jwks_url: "not a url".into(),
        ..google_cfg(&fake)
    }))
    .starts_with("identity.google.jwks_url "));
    assert!(check(google(GoogleConfig {
        token_url: "ftp://example.com/token".into(),
        ..google_cfg(&fake)
    }))
    .starts_with("identity.google.token_url "));
    assert_eq!(
        check(google(GoogleConfig {
            timeout_secs: 0,
            ..google_cfg(&fake)
        })),
        "identity.google.timeout_secs must be greater than 0"
    );

    assert_eq!(
        check(facebook(FacebookConfig {
            app_id: String::new(),
            ..facebook_cfg(&fake)
        })),
        "identity.facebook.app_id is required when identity.facebook.enabled = true"
    );
    assert_eq!(
        check(facebook(FacebookConfig {
            app_secret: secret(""),
            ..facebook_cfg(&fake)
        })),
        "identity.facebook.app_secret is required when identity.facebook.enabled = true"
    );
    assert!(check(facebook(FacebookConfig {
        graph_url: "graph".into(),
        ..facebook_cfg(&fake)
    }))
    .starts_with("identity.facebook.graph_url "));
    assert!(check(facebook(FacebookConfig {
        timeout_secs: 0,
        ..facebook_cfg(&fake)
    }))
    .starts_with("identity.facebook.timeout_secs "));

    // Disabled providers are not checked; enabled ones are built and keyed by name.
    let disabled = IdentityConfig {
        google: GoogleConfig {
            enabled: false,
            ..GoogleConfig::default()
        },
        facebook: FacebookConfig {
            enabled: false,
            timeout_secs: 0,
            ..FacebookConfig::default()
        },
    };
    assert!(build_providers(&disabled).unwrap().is_empty());
    let both = IdentityConfig {
        google: google_cfg(&fake),
        facebook: facebook_cfg(&fake),
    };
    let providers = build_providers(&both).unwrap();
    let mut names: Vec<_> = providers.keys().copied().collect();
    names.sort_unstable();
    assert_eq!(names, ["facebook", "google"]);
    assert_eq!(providers["google"].name(), "google");
    assert_eq!(providers["facebook"].name(), "facebook");
}

#[tokio::test]
async fn built_providers_work_end_to_end() {
    let fake = FakeIdentityProvider::start();
    fake.facebook_user("fb-token", "7", "Seven", Some("seven@example.com"));
    let providers = build_providers(&IdentityConfig {
        google: google_cfg(&fake),
        facebook: facebook_cfg(&fake),
    })
    .unwrap();
    let token = fake.google_id_token(&FakeIdentityProvider::google_claims(
        WEB_ID,
        "g7",
        "seven@example.com",
    ));
    let google = providers["google"]
        .verify_token(ClientType::Web, &token)
        .await
        .unwrap();
    let facebook = providers["facebook"]
        .verify_token(ClientType::Web, "fb-token")
        .await
        .unwrap();
    assert_eq!(google.email, facebook.email);
}

/// Algorithm confusion (ASVS V9.1.2): a token that names HS256 (signed with a secret an
/// attacker chose, e.g. the public key's bytes) or `none` is refused before any key is
/// looked up, however valid its claims.
#[tokio::test]
async fn google_refuses_tokens_not_signed_with_rs256() {
    let fake = FakeIdentityProvider::start();
    let provider = google(&fake);
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "1", "a@example.com");
    let good = fake.google_id_token(&claims);
    let kid = jsonwebtoken::decode_header(&good).unwrap().kid;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid;
    let hs256 = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"public key bytes"),
    )
    .unwrap();
    let message = assert_invalid(provider.verify_token(ClientType::Web, &hs256).await);
    assert!(message.contains("RS256"), "{message}");
    // `alg: none`, no signature: the header is swapped on the good token.
    let payload = good.split('.').nth(1).unwrap();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let unsigned = format!("{none_header}.{payload}.");
    assert_invalid(provider.verify_token(ClientType::Web, &unsigned).await);
    // The untouched token is accepted, so the refusals are about the algorithm.
    assert!(provider.verify_token(ClientType::Web, &good).await.is_ok());
}
