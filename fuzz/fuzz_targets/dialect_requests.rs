//! The whole HTTP application in process (`tessera_api::router` over a `Core` with the
//! in-memory store), driven with one fuzzed request per run through `tower::ServiceExt::oneshot`.
//!
//! Input: a route byte (one of [`ROUTES`], modulo their number), a flag byte, then the
//! request's body; for the Ugene `GET /api/{module}/{param}/en?{query}` route the rest is
//! `module \0 param \0 query` instead (percent-encoded where a URI needs it).
//! Flags: bit 0 signs the account in first through the dialect's own sign-in and sends its
//! credential (a `TOKEN`/`key` cookie, a bearer token or `X-Authorization-Token`), so the
//! routes behind authentication (weplanx `PATCH /user`, Ugene's upload, clumsy's to-dos)
//! reach their body parsers; bit 1 makes the account an administrator.
//!
//! Every run starts from a fresh store, core and router (one account,
//! `fuzz@example.com` / `fuzzer` / `tessera99x`, argon2 at 8 KiB and one pass), with a
//! fixed clock, so an input found here replays alone. A status of 500 or above is a
//! handler failing on client input and aborts the run, as does any panic.
//!
//! The router is [`tessera_api::router`] without its documentation routes: [`app_router`]
//! merges the same public dialect and ops routers under the same layers. Building the four
//! OpenAPI documents took most of each run (about 15 runs a second with them), and no
//! route fuzzed here is a documentation route. Keep [`app_router`] in step with
//! `crates/api/src/lib.rs`.
#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tessera_api::dialects::{clumsy, sspanel, ugene, weplanx};
use tessera_api::{ops, ApiConfig, AppState};
use tessera_core::clock::ManualClock;
use tessera_core::config::{CoreConfig, HashParams};
use tessera_core::domain::{Password, RequestContext};
use tessera_core::security::keys::ServerKeys;
use tessera_core::services::{Core, CreateUser};
use tessera_core::store::memory::MemoryStore;
use tokio::runtime::Runtime;
use tower::ServiceExt;

const EMAIL: &str = "fuzz@example.com";
const USERNAME: &str = "fuzzer";
const PASSWORD: &str = "tessera99x";
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data; boundary=X";
/// The clumsy dialect's to-do operations read the client's date from this header.
const CLUMSY_TIME: (&str, &str) = ("clientCurrentDateTime", "2026-01-01T12:00:00");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Weplanx,
    Clumsy,
    Sspanel,
    Ugene,
}

struct Route {
    dialect: Dialect,
    method: Method,
    path: &'static str,
    content_type: &'static str,
}

const fn route(
    dialect: Dialect,
    method: Method,
    path: &'static str,
    content_type: &'static str,
) -> Route {
    Route {
        dialect,
        method,
        path,
        content_type,
    }
}

/// `path` "" marks the Ugene GET route, whose path and query come from the input.
const ROUTES: [Route; 12] = [
    route(Dialect::Weplanx, Method::POST, "/login", JSON),
    route(Dialect::Weplanx, Method::PATCH, "/user", JSON),
    route(
        Dialect::Clumsy,
        Method::POST,
        "/fo/rest/token/new/local",
        FORM,
    ),
    route(Dialect::Clumsy, Method::POST, "/fo/rest/todo/items", JSON),
    route(Dialect::Sspanel, Method::POST, "/auth/login", JSON),
    route(Dialect::Sspanel, Method::POST, "/auth/login", FORM),
    route(Dialect::Sspanel, Method::POST, "/auth/register", JSON),
    route(Dialect::Sspanel, Method::POST, "/auth/register", FORM),
    route(Dialect::Ugene, Method::POST, "/api", JSON),
    route(Dialect::Ugene, Method::PUT, "/api", MULTIPART),
    route(Dialect::Ugene, Method::GET, "", ""),
    route(Dialect::Weplanx, Method::POST, "/login/totp", JSON),
];

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fn core_config() -> CoreConfig {
    let mut config = CoreConfig::default();
    config.password.hash = HashParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
    config.password.max_concurrent_hashes = 1;
    config.password.hash_low_priority = false;
    config
}

/// A fresh application with one account.
async fn app(admin: bool) -> Router {
    let clock = ManualClock::new(
        time::OffsetDateTime::from_unix_timestamp(1_767_268_800).expect("a fixed instant"),
    );
    let core = Core::new(
        Arc::new(MemoryStore::new()),
        Arc::new(clock),
        ServerKeys::for_tests(),
        core_config(),
    )
    .expect("a core");
    core.create_user(
        CreateUser {
            email: EMAIL.into(),
            password: Some(Password::new(PASSWORD)),
            name: "Fuzz".into(),
            username: Some(USERNAME.into()),
            is_admin: admin,
            email_verified: true,
        },
        &RequestContext {
            ip: Some("127.0.0.1".into()),
            user_agent: Some("fuzz".into()),
            dialect: "fuzz",
        },
    )
    .await
    .expect("the fuzz account");
    app_router(AppState {
        core,
        config: Arc::new(ApiConfig::default()),
        metrics: None,
        identity: Arc::new(std::collections::HashMap::new()),
    })
}

/// `tessera_api::router` less `docs::router()`: the same routers, layers and order.
fn app_router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(weplanx::router(&state))
        .merge(clumsy::router(&state))
        .merge(sspanel::router())
        .merge(ugene::router(&state))
        .merge(ops::router())
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(axum::middleware::from_fn(ops::run_to_completion))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            ops::panic_response,
        ))
        .with_state(state)
}

/// Sends `req` as coming from 127.0.0.1; returns the status, headers and whole body.
async fn send(app: &Router, mut req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let (parts, body) = res.into_parts();
    let bytes = body
        .collect()
        .await
        .expect("a response body")
        .to_bytes()
        .to_vec();
    (parts.status, parts.headers, bytes)
}

fn request(method: Method, uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("a fixed request")
}

/// `name=value` of every `Set-Cookie`, as one `Cookie` header.
fn cookies_of(headers: &HeaderMap) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// Signs in through the dialect's own sign-in; returns the header that carries the session.
async fn sign_in(app: &Router, dialect: Dialect) -> (header::HeaderName, String) {
    match dialect {
        Dialect::Weplanx => {
            let body = json!({ "email": EMAIL, "password": PASSWORD }).to_string();
            let (status, headers, _) =
                send(app, request(Method::POST, "/login", JSON, body.into())).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "weplanx sign-in");
            (header::COOKIE, cookies_of(&headers))
        }
        Dialect::Clumsy => {
            let body =
                format!("grant_type=password&username=fuzz%40example.com&password={PASSWORD}");
            let (status, _, bytes) = send(
                app,
                request(Method::POST, "/fo/rest/token/new/local", FORM, body.into()),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "clumsy sign-in");
            let token = json_of(&bytes)["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (header::AUTHORIZATION, format!("Bearer {token}"))
        }
        Dialect::Sspanel => {
            let body = format!("email=fuzz%40example.com&passwd={PASSWORD}");
            let (status, headers, bytes) =
                send(app, request(Method::POST, "/auth/login", FORM, body.into())).await;
            assert_eq!(status, StatusCode::OK, "SSPanel sign-in");
            assert_eq!(json_of(&bytes)["ret"], 1, "SSPanel sign-in");
            (header::COOKIE, cookies_of(&headers))
        }
        Dialect::Ugene => {
            let body = json!({
                "module": "auth",
                "param": "signin",
                "args": { "uname": USERNAME, "pass": PASSWORD },
                "language": "en",
                "timestamp": "123456789",
            })
            .to_string();
            let (status, _, bytes) =
                send(app, request(Method::POST, "/api", JSON, body.into())).await;
            let v = json_of(&bytes);
            assert_eq!(status, StatusCode::OK, "Ugene sign-in");
            assert_eq!(v["success"], 1, "Ugene sign-in: {v}");
            let token = v["answer"]["token"].as_str().unwrap_or_default().to_owned();
            (
                header::HeaderName::from_static("x-authorization-token"),
                format!("Bearer {token}"),
            )
        }
    }
}

/// Percent-encodes every byte outside `keep` and the unreserved set.
fn escape(raw: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn fuzzed_request(route: &Route, rest: &[u8]) -> Option<Request<Body>> {
    if route.path.is_empty() {
        let mut parts = rest.splitn(3, |&b| b == 0);
        let module = escape(parts.next().unwrap_or_default(), b"");
        let param = escape(parts.next().unwrap_or_default(), b"");
        let query = escape(parts.next().unwrap_or_default(), b"&=+%/?:@!$'()*,;");
        let uri = format!("/api/{module}/{param}/en?{query}");
        return Request::builder()
            .method(Method::GET)
            .uri(uri)
            .body(Body::empty())
            .ok();
    }
    let mut req = request(
        route.method.clone(),
        route.path,
        route.content_type,
        rest.to_vec(),
    );
    if route.dialect == Dialect::Clumsy {
        req.headers_mut()
            .insert(CLUMSY_TIME.0, HeaderValue::from_static(CLUMSY_TIME.1));
    }
    Some(req)
}

fuzz_target!(|data: &[u8]| {
    let [selector, flags, rest @ ..] = data else {
        return;
    };
    let route = &ROUTES[usize::from(*selector) % ROUTES.len()];
    let Some(mut req) = fuzzed_request(route, rest) else {
        return;
    };
    runtime().block_on(async {
        let app = app(flags & 2 != 0).await;
        if flags & 1 != 0 {
            let (name, value) = sign_in(&app, route.dialect).await;
            let value = HeaderValue::from_str(&value).expect("a credential header");
            req.headers_mut().insert(name, value);
        }
        let (status, _, body) = send(&app, req).await;
        assert!(
            !status.is_server_error(),
            "{} {} answered {status}: {}",
            route.method,
            route.path,
            String::from_utf8_lossy(&body)
        );
    });
});
