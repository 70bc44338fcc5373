//! `FakeIdentityProvider`: a real HTTP server standing in for Google and Facebook, so the
//! social sign-in adapters are tested over real HTTP without leaving the host.
//!
//! It serves a Google-style JWKS (`/google/jwks`) and token endpoint (`/google/token`), and
//! Facebook-style Graph endpoints (`/facebook/me`, `/facebook/oauth/access_token`). Tests
//! mint signed ID tokens ([`FakeIdentityProvider::google_id_token`]), register codes, users
//! and tokens, rotate the signing key, program outages ([`FakeIdentityProvider::fail_next`])
//! and read back every request the fake received.
//!
//! Signing keys: three 2048-bit RSA keys generated once and embedded below (generating
//! RSA keys at start takes seconds in unoptimised test builds). Key 0 and key 1 take turns
//! as the published signing key; key 2 is never published, for "signed by another key"
//! tests. They are test fixtures and protect nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::net::TcpListener;

use crate::background::{self, Background};

/// Issuer the helper claims use, as in real Google ID tokens.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request path, e.g. `/google/token`.
    pub path: String,
    /// Decoded query parameters (the last value wins for a repeated name).
    pub query: BTreeMap<String, String>,
    /// Decoded `application/x-www-form-urlencoded` body parameters; empty otherwise.
    pub form: BTreeMap<String, String>,
    /// Headers by lower-case name; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
}

impl IdpRequest {
    /// Parameter `name` from the form body, else from the query.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .get(name)
            .or_else(|| self.query.get(name))
            .map(String::as_str)
    }
}

/// A signing key: its id, private half and published modulus/exponent.
struct TestKey {
    kid: String,
    encoding: EncodingKey,
    n: String,
    e: String,
}

/// The embedded keys, parsed once per test process.
fn test_keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [TEST_KEY_0, TEST_KEY_1, TEST_KEY_2]
            .iter()
            .enumerate()
            .map(|(i, pem)| {
                let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .expect("testkit: embedded RSA test key does not parse");
                let der = key
                    .to_pkcs1_der()
                    .expect("testkit: cannot encode the RSA test key");
                TestKey {
                    kid: format!("fake-key-{i}"),
                    encoding: EncodingKey::from_rsa_der(der.as_bytes()),
                    n: URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    e: URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                }
            })
            .collect()
    })
}

/// Index of the key that is never published.
const UNPUBLISHED_KEY: usize = 2;

/// Everything the handlers share with the test.
#[derive(Debug, Default)]
struct FakeState {
    requests: Vec<IdpRequest>,
    /// Remaining requests to fail, and with which status.
    fail: Option<(u32, StatusCode)>,
    /// Index of the key new ID tokens are signed with (0 or 1).
    current_key: usize,
    /// Indexes of the keys the JWKS lists.
    published: Vec<usize>,
    /// Google authorization code → claims of the ID token it yields (single use).
    google_codes: HashMap<String, Value>,
    /// Facebook access token → the `/me` answer.
    facebook_users: HashMap<String, Value>,
    /// Facebook authorization code → access token (single use).
    facebook_codes: HashMap<String, String>,
    /// When set, `/facebook/*` calls must carry a matching `appsecret_proof`.
    facebook_app_secret: Option<String>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<FakeState>,
}

impl Shared {
    /// Locks the state; a panicked test thread does not hide what was recorded.
    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fake Google + Facebook on `http://127.0.0.1:<port>`. Stops when dropped.
#[derive(Debug)]
pub struct FakeIdentityProvider {
    port: u16,
    shared: Arc<Shared>,
    _server: Background,
}

impl FakeIdentityProvider {
    /// Binds a free loopback port and starts serving; ready on return. Works from sync and
    /// async code alike.
    pub fn start() -> Self {
        // Parse the keys here, not on the server thread, so a broken key fails the test.
        let _ = test_keys();
        let shared = Arc::new(Shared::default());
        shared.lock().published = vec![0];
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (server, port) = background::spawn(
            "identity-provider",
            move |listener: TcpListener| async move {
                // Returns only on a fatal listener error; the handle then just sees no answers.
                let _ = axum::serve(listener, app).await;
            },
        );
        Self {
            port,
            shared,
            _server: server,
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Google-style JWKS URL (`identity.google.jwks_url`).
    pub fn jwks_url(&self) -> String {
        format!("{}/google/jwks", self.url())
    }

    /// Google-style token endpoint (`identity.google.token_url`).
    pub fn google_token_url(&self) -> String {
        format!("{}/google/token", self.url())
    }

    /// Facebook-style Graph API base (`identity.facebook.graph_url`).
    pub fn graph_url(&self) -> String {
        format!("{}/facebook", self.url())
    }

    /// Valid Google ID token claims for `aud`: issuer [`GOOGLE_ISSUER`], issued now, valid
    /// for an hour, verified `email`, name `Fake User`. Tests change or remove fields to
    /// build bad tokens.
    pub fn google_claims(aud: &str, sub: &str, email: &str) -> Value {
        let now = unix_now();
        json!({
            "iss": GOOGLE_ISSUER,
            "aud": aud,
            "sub": sub,
            "email": email,
            "email_verified": true,
            "name": "Fake User",
            "iat": now,
            "exp": now + 3600,
        })
    }

    /// An ID token with `claims`, signed with the currently published key.
    pub fn google_id_token(&self, claims: &Value) -> String {
        let current = self.shared.lock().current_key;
        sign(current, current, claims)
    }

    /// An ID token with `claims` that names the current key id but is signed with a key
    /// the JWKS never lists: its signature must not verify.
    pub fn google_id_token_signed_by_unpublished_key(&self, claims: &Value) -> String {
        let current = self.shared.lock().current_key;
        sign(UNPUBLISHED_KEY, current, claims)
    }

    /// An ID token with `claims`, signed with the current key but naming key id `kid`
    /// (e.g. one the JWKS does not list).
    pub fn google_id_token_with_kid(&self, claims: &Value, kid: &str) -> String {
        let current = self.shared.lock().current_key;
        sign_as(current, kid, claims)
    }

    /// The key id new ID tokens carry.
    pub fn google_kid(&self) -> String {
        let current = self.shared.lock().current_key;
        test_keys()[current].kid.clone()
    }

    /// Switches signing to the other key, which the JWKS now lists first, followed by the
    /// previous one (as Google does during a rotation). Returns the new key id.
    pub fn rotate_google_key(&self) -> String {
        let mut state = self.shared.lock();
        let previous = state.current_key;
        state.current_key = 1 - previous;
        state.published = vec![state.current_key, previous];
        test_keys()[state.current_key].kid.clone()
    }

    /// Registers a Google authorization code: the token endpoint exchanges it once for an
    /// ID token with `claims`, signed when exchanged.
    pub fn google_code(&self, code: &str, claims: Value) {
        self.shared
            .lock()
            .google_codes
            .insert(code.to_owned(), claims);
    }

    /// Registers a Facebook access token for user `id`; `/me` answers with `id`, `name` and
    /// `email` (left out when `None`, as for a user who refused the email scope).
    pub fn facebook_user(&self, token: &str, id: &str, name: &str, email: Option<&str>) {
        let mut user = json!({"id": id, "name": name});
        if let Some(email) = email {
            user["email"] = json!(email);
        }
        self.shared
            .lock()
            .facebook_users
            .insert(token.to_owned(), user);
    }

    /// Registers a Facebook authorization code that exchanges once for `token`.
    pub fn facebook_code(&self, code: &str, token: &str) {
        self.shared
            .lock()
            .facebook_codes
            .insert(code.to_owned(), token.to_owned());
    }

    /// Makes `/facebook/*` calls require `appsecret_proof` = hex HMAC-SHA256(secret, token),
    /// as Facebook does for apps with "Require App Secret" on.
    pub fn facebook_require_appsecret_proof(&self, app_secret: &str) {
        self.shared.lock().facebook_app_secret = Some(app_secret.to_owned());
    }

    /// Answers the next `n` requests (any endpoint) with `status` instead of serving them.
    /// Panics on a status outside 100..=999, which is a bug in the test.
    pub fn fail_next(&self, n: u32, status: u16) {
        let status = StatusCode::from_u16(status).expect("fail_next: not an HTTP status code");
        self.shared.lock().fail = (n > 0).then_some((n, status));
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<IdpRequest> {
        self.shared.lock().requests.clone()
    }

    /// The requests received so far on `path` (e.g. `/google/jwks`), oldest first.
    pub fn requests_to(&self, path: &str) -> Vec<IdpRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// Signs `claims` with key `signer`, naming key `named` in the header.
fn sign(signer: usize, named: usize, claims: &Value) -> String {
    sign_as(signer, &test_keys()[named].kid, claims)
}

/// Signs `claims` with key `signer`, naming key id `kid` in the header.
fn sign_as(signer: usize, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &test_keys()[signer].encoding)
        .expect("testkit: cannot sign an ID token")
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Decodes `a=1&b=2` into a map.
fn decode_params(text: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(text).into_owned().collect()
}

/// A Graph API error answer.
fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "fake",
    }});
    (status, Json(body)).into_response()
}

/// Records the request, then fails it as programmed or serves it.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut header_map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        header_map
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = IdpRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: decode_params(uri.query().unwrap_or_default().as_bytes()),
        form: if is_form {
            decode_params(&body)
        } else {
            BTreeMap::new()
        },
        headers: header_map,
    };
    let mut state = shared.lock();
    state.requests.push(request.clone());
    if let Some((n, status)) = state.fail {
        state.fail = (n > 1).then_some((n - 1, status));
        return (status, Json(json!({"error": "fail_next"}))).into_response();
    }
    match (method, request.path.as_str()) {
        (Method::GET, "/google/jwks") => {
            let keys = test_keys();
            let published: Vec<Value> = state
                .published
                .iter()
                .map(|&i| {
                    json!({
                        "kty": "RSA",
                        "alg": "RS256",
                        "use": "sig",
                        "kid": keys[i].kid,
                        "n": keys[i].n,
                        "e": keys[i].e,
                    })
                })
                .collect();
            Json(json!({"keys": published})).into_response()
        }
        (Method::POST, "/google/token") => {
            let code = request.param("code").unwrap_or_default();
            match state.google_codes.remove(code) {
                Some(claims) => {
                    let id_token = sign(state.current_key, state.current_key, &claims);
                    Json(json!({
                        "access_token": "fake-google-access-token",
                        "expires_in": 3599,
                        "token_type": "Bearer",
                        "scope": "openid email",
                        "id_token": id_token,
                    }))
                    .into_response()
                }
                None => (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_grant", "error_description": "Malformed auth code."})),
                )
                    .into_response(),
            }
        }
        (Method::GET, "/facebook/me") => {
            let token = request.param("access_token").unwrap_or_default();
            if let Some(response) = check_proof(&state, token, &request) {
                return response;
            }
            match state.facebook_users.get(token) {
                Some(user) => Json(user.clone()).into_response(),
                None => graph_error(StatusCode::BAD_REQUEST, 190, "Invalid OAuth access token."),
            }
        }
        (Method::GET, "/facebook/oauth/access_token") => {
            let code = request.param("code").unwrap_or_default();
            match state.facebook_codes.remove(code) {
                Some(token) => Json(json!({
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": 5_183_944,
                }))
                .into_response(),
                None => graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    "Invalid verification code format.",
                ),
            }
        }
        _ => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
    }
}

/// When the fake requires `appsecret_proof`, the error answer for a missing or wrong one.
fn check_proof(state: &FakeState, token: &str, request: &IdpRequest) -> Option<Response> {
    let secret = state.facebook_app_secret.as_ref()?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    match request.param("appsecret_proof") {
        Some(proof) if proof == expected => None,
        Some(_) => Some(graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Invalid appsecret_proof provided in the API argument",
        )),
        None => Some(graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "API calls from the server require an appsecret_proof argument",
        )),
    }
}

/// Test key 0 (2048-bit RSA, PKCS#8). Generated once for these tests; it protects nothing.
const TEST_KEY_0: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC+DQVIMmT4mSrE\n\
4Y7lHD+/CxWmX36fDvUqyRL4uUqWS2XxTI47x1H+KbOCMdCQnyEbdZLY2ezjXwVk\n\
sjsvd2/E2cF/7m4CCONAeoUQJshOV1XAsmj/tprSoRz3y/5viisdttaBqxmu96sW\n\
Q/c495Qw36QQ6LgyAljgeRNdGlwDwaHN3SZJuINV2mf4c4/L6SckgR1Z8WsThpoy\n\
L9H2E2BmANZURctiAzhd/9DzO4ktYqGaaxzUJPRa4BtDoteLheKEmkO/JuyHuQ5a\n\
zKdOyBLV5Cj7lyo518qMXLZiCUKfvT/f7MqkqmX2gSKbkAetcAv9aKESN/Fdx0kP\n\
2ix0EbGNAgMBAAECggEAK0kO52sm6SIFhjLzV0ZQVIRDSZHdZn/DIhwK2KBnFwUU\n\
Mlmj2YSjrZY03tXWsWG06iqkqAQ2enDFazJW3ZA/4h9QfYFCB++bRq/BB7U1kPY+\n\
PzXDSV5/M7LjRKLvD9txx4JBp+Xe4yVgj6EqOQzWcS02km1WqnkzYejhmqZqx6XZ\n\
aATELU/9+66yWHOWyEW6KGtb0ZDYG2DsMMfjl+UMMg5d046XMWpruUMyjKvkqSxE\n\
tZpKKx77lfiC1VXivcrbnqk8unUylhoeFyY7iom8nGi2aPci4BWD5V9nAv1+l7e4\n\
GZ2K4zPpjAEhfdgrX64use6x9WbuilCPV6b0uN6eEQKBgQDehjdQwRBD0FRaHmKv\n\
oes3za7og7pYHD5ByKbg2+YMsjTIo3gyVAvBqe5GlxtOpGjbcJj9QOqXX0v4rSmZ\n\
9CURRC/t+YB8SZZjRBrxUX96bpZVI4lA17X1oJSKGV4raRv2UpehQxa+LGmhsrsm\n\
GSXC9P+QuNGiilflCbtCA5+rxQKBgQDapDLYByQJbw/MrTWZkMakae09isQyGWdG\n\
hUQpO00dPz+XWiIp6MgvdMrXBGapMLX2UyMJJL2UZ/GXuJ3stJ5SQkdXRyo7dwDw\n\
KsfblnF0Tq/skEuFDETe9vWFfIyRz8NpaY/63T7Qr8v2nX6Momd8iwPRCSURT4kw\n\
9m5rhupjKQKBgQCd5XDEvWm0JNRl6d+url9AhpNQ63/DW68VcLJxJbf0VFM99zin\n\
xZld/x1TO4+l2uWIqDn2oiST6ov21bCKTIIs4Ux9OShhiLnMkBvqFiE1l9jWatPO\n\
jgHQW/RqlZuLhBbST0LGq9sscEk38qH3Y6q2zq+1Wl9uTWoW3DPioL2g3QKBgHlA\n\
oHXPl/unXRK8aEJO2OrrV8dOgrnp/q1MUN2w5nY20lRkhxfI4eP3mFogNbLUscT2\n\
nDKA7qYz8vaaSvKvxDGIUjoj3Fb4C0wl3Yp451iCHuxJpagWgsdIHCc4SFjA6PU3\n\
tsKAGkrvg2S0OS9TDaMzER3HPYhZHJNLxzbYrnnpAoGBANhuBkNmIWvcUI2H6EHu\n\
yqSwmlHduGB2ede7C2f7V6wYOjetojjq/WVCNx/JyldDJQimUuGJm5Qkq7J8/PNn\n\
fmo7798KJi+Z9b6TM5jerP1jgMYpo/z2NHgb1K5fsMsaHroe+LvorkFhO1u+8Otb\n\
OoGS6GB7UZ+uHswVjDlCplky\n\
-----END PRIVATE KEY-----\n";

/// Test key 1 (2048-bit RSA, PKCS#8). Generated once for these tests; it protects nothing.
const TEST_KEY_1: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCPduLKP6dhJpN+\n\
9bFsWj6HJ0BUbH5aMy9xojUJJZpYv9oGmwk9kvK9L6MQCwjeXWFUQr2pMs/AmKP7\n\
/6iKMaqOcL3AbNedLth2+RdvQqHLF9zwfTOvCDmh+R0OvfhAIrRimumSJTvA390b\n\
FudBnPPxqoEyFwYhL/Wn+XyHWkMT49qdH9vsTqqgdEebxbwvbs9zN2wSTGG5r9o5\n\
KnyNXPPQg2hETCn2RW/THLOgYVUy0EZ8vAZwdfkVNRr78usaJTqB9g/l10HddPbT\n\
O3r+HVlRQeZLwXbjItSRtWFz5R1SlqNcGIcot27M4UhRYhjNuSmt50ekZ4201+/e\n\
Z5CTH9C3AgMBAAECggEACcoa/6IIUeDH/8nUKYie66oKAbjFhnInsqFW7SDbv2KY\n\
BgtePg1g8vflMJsQJ9xHX/CN8JW/B21jAzcW0RdChCW9TPwgWmFv8+5bYwQw9iLS\n\
uLZSaIcvJ5ZQHUlpPzcfB/t6JLbVtPuRot+VOCz1mHACEODxUiJrqOKlVLccDKdN\n\
grmc7H1s/fNEY4wW2RymqCfJbunA3YkfQXiQxNyG/Rhf5diJjeQ9wS1tEnOGVSWe\n\
q1ltVYGOUGYh8uypWkPS8tnhkJ52vc7dGl8/DOy6sHp54RdfQpYhb5z8FeTfNBdn\n\
C3czDrMF+Xgmqqr/5fUBMYQMKXuIgS42PGBMei6lQQKBgQDDjlwkPiRmD1MwHXHC\n\
Ea6sYeb/VJJz7W+lskEq40f/3mXZ3Bg74Mhh30ZWR2q2p6JJXETjoeilJsFl/V9j\n\
doIBpnpK8e96imNZhO9HqvRwPATm2DIi9fvuTC+Ofeaht6ZSRw1wTsMBYTqT2uU9\n\
iyNMbBlvSDsuDpY7gINnyTTPDQKBgQC7zrNAQt4pWp37KvOrDJsOLyuybPFa1UvW\n\
fyLk0SnMd+Bcl1kPJaSwN+Q0I1kJNcXQMPJJy2juJvwLfQ2PfGoi83qZwubmOKTp\n\
Qa8J3p8WH3nFi01cg/hqSxvSy86QKIdDoxyTiXatvFwMsBhqjAlRqetJniMZxQN0\n\
j+SRhQuN0wKBgBbwtE5sG8j9Mz0JtzaU7HC8a2S4fxWqXNaLOqnVT7TsWfZco1si\n\
217f2lh0uEgFEjyY3lv1ulzlVvqn5nC8jjOzW9U+3GD7qvvtZER8AYDJCaoq4nbH\n\
dG5X8Zw9mLiP2qr8Os9Z7fZTeZOusgWuNM3aQIGVb5vPikAgq0mZiOBhAoGAXvoW\n\
bp4iafl4wYekONGkLJUwXQh5On1539zl0Z/xqoTJQyoLEPzxf2iUkMV7hovaIQJP\n\
1X/37dBrUIgKbpD1v/0v+Ei3qp/kzk24bp5WB8MdOwjKs8nNvDuFs6H8Ma09UrhP\n\
gFFZYl1Kk+QORPvSzqjG47EEgUjACZeneOw2vp8CgYBppRx/EytPa3wbWJsOyXKr\n\
+uC/Ue5pyRN0TrG5grlsb8zrZXMfYi11ei8TvaVHQOmrwIEDPhNaLrP58N1vsUqo\n\
m56CkwLaBrMv+KNFBIAq3DF9yEHkMhk3a9uOn+xO/vMrCxDrNJAJ7fA+TQfv4etg\n\
4OF+WUTmjuPWRjRl/4mBkg==\n\
-----END PRIVATE KEY-----\n";

/// Test key 2 (2048-bit RSA, PKCS#8). Generated once for these tests; it protects nothing.
const TEST_KEY_2: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDDI56Q9b2JO7VI\n\
tGXU4goQQbm/9y2cJj0H1V1xCLFEOvNYW8sfvf4knqmSGjTyNT8BaRD4ep2w2NR4\n\
bWL15jBaXVAmRwTqEV6GWOO2ZTfiY6Ep2/c6QKmP65MAsGJmudfjn+isINkMRfLY\n\
AeY4x4ELTGXQ5QBRChoHz32hojcyLsl5h2TTFGksQJcweeEBZXl1KBSlPyVtLB9V\n\
4lBcm7JarfD6EGZY+euNGp/S9jLpoyrF/Q90GDSOGHCDytkvQztTha/CPhUrY98w\n\
92sfGEE0ErinxuhtKxQjdtXovENesgukGMO4W1xz7QkHhxmqbMaE4A7nhp8WhyBj\n\
JJc9cyR3AgMBAAECggEAA61hKJQo7TQd12/m11snG2VRrcdnqaCi18nyh9XFGWcO\n\
/ORF8KQw7Nm8kk9CHipYtJsZQcV1wUZkwpw1GDMtSBaoEwCVnB+Vq2xzZhWENxTv\n\
jY1inEtpppem3oV0ZUEtS1HRHaVE0dFjoSRwBTPlP6RB6uzV07EgCnOjh286IQzu\n\
KxZU6LkULAt+ss0LaFtxy4K1XVMLcscPP6Jubxc8UtOKePaUitSKuQsDmp6VGQxB\n\
lurW7K4eJcDZvCA3ltLVnIeoXpVgglFL+XD9rpxeHB66+Et8l3JQJatLBIgVrnM/\n\
5UnK9fsaRDtEMhPbNbpTw9fHvxO9OKLIs4MCz9qkKQKBgQD9zLuQDTe573dRAz02\n\
BYCamDA8u0Skiuzw70XVzqjUh2EorAcyX10CXVgH8ix8WYIk1/UEwP4EH9VvYffV\n\
S97NxBQu9EdowaUylUK4gFUCakWw084h3ZNJcX7jBNZqn8qf2+NZqxY62ejbrCXe\n\
hCwKYybmsUW1y6kP5sBZIQl73QKBgQDE1LL1GTGxswJU1TFuX2wyndkw1V9K0Y77\n\
Q6Vgvhudwr66hPTIuOv65FyuV1FWdVDGQa/FJo16C2LTU5VNd4PYcfPoZfU0Ctjw\n\
cgxa0BY32MI7pQe5TvBjQy+RFj9ZxmFxD19xJYJv4xQMvdShbafco/556anxtqfk\n\
esr9dxxWYwKBgBzY3WTFK9VVc5Fgtd9jBrgLnkf43Rd6tu23tI9VuvjVHmT6EKNY\n\
FYFETNIyY34KynEXnsDYksazO5Y6Y2n6AqwOomCn4Un14Kn8LyY7Z+4rWBp+KIrO\n\
3YPWg56YGSrrWKOM4a16db9gr0fwrCk7iqnvlSdZdNvx9xhYmPpIeAR9AoGAQDxa\n\
GvsZ6LBO9niNJUQm/23cT7+S1cwGKaIt+qCQSrAfpqd1a3xOJxcX2B3PAbRPpCQT\n\
xPeL/GRy4BzLAPkcIisuOo3rtAxGOFJADfMTDS7EVMrK9oL4mKx4fZURH69KZadq\n\
snZXV0R4aqAZIIW03qD2j7reJ3BA4qPgU0/oA5kCgYA0HRWYqaaJ2Q17LzfSFCc1\n\
DIFkLQOHg2wgh2FR2iQIyHR68tbpmts4gXgChepkGgkpcqT4XuZM/HACpKLueEBj\n\
Uosrwe0yIDCKi6Cva7KZWNYHKSduEbx9bJldChUtJ0HPJY8VV6o7X2VgXyqAb7+P\n\
O2WLrig/P1rI1E3iSRNz4Q==\n\
-----END PRIVATE KEY-----\n";
