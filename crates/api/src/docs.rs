//! OpenAPI documents of every dialect and a vendored Swagger UI at `/docs`: weplanx at
//! [`WEPLANX_JSON`], clumsy-tools at [`CLUMSY_JSON`], SSPanel at [`SSPANEL_JSON`], Ugene at
//! [`UGENE_JSON`] (the UI offers all four).
//!
//! The Swagger UI assets are compiled in from the `utoipa-swagger-ui-vendored` crate (the
//! `vendored` feature of `utoipa-swagger-ui`): its build script takes that bundled zip and
//! never downloads anything, whatever `SWAGGER_UI_DOWNLOAD_URL` says.
//!
//! Each document is also committed under `crates/api/openapi/`; the tests below fail when
//! the generated document and the committed file differ. Regenerate with
//! `UPDATE_OPENAPI=1 cargo test -p tessera-api docs::`.

use axum::Router;
use utoipa_swagger_ui::SwaggerUi;

use crate::dialects::{clumsy, sspanel, ugene, weplanx};
use crate::AppState;

/// Where the weplanx document is served.
pub const WEPLANX_JSON: &str = "/openapi/weplanx.json";

/// Where the clumsy-tools document is served.
pub const CLUMSY_JSON: &str = "/openapi/clumsy.json";

/// Where the SSPanel document is served.
pub const SSPANEL_JSON: &str = "/openapi/sspanel.json";

/// Where the Ugene document is served.
pub const UGENE_JSON: &str = "/openapi/ugene.json";

/// Where the Swagger UI is served (`/docs` redirects to `/docs/`).
pub const UI_PATH: &str = "/docs";

/// `/openapi/<dialect>.json` and `/docs`.
pub fn router() -> Router<AppState> {
    routes()
}

/// The docs routes for any state (they use none).
fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    SwaggerUi::new(UI_PATH)
        .url(WEPLANX_JSON, weplanx::openapi::document())
        .url(CLUMSY_JSON, clumsy::openapi::document())
        .url(SSPANEL_JSON, sspanel::openapi::document())
        .url(UGENE_JSON, ugene::openapi::document())
        .into()
}

/// A document as committed: pretty-printed JSON (keys in a stable order: utoipa keeps
/// paths, properties and components in sorted maps) with a final newline.
pub fn render(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(doc)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::PathBuf;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    fn snapshot_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("openapi")
            .join(name)
    }

    /// Compares a generated document with its committed snapshot; `UPDATE_OPENAPI=1`
    /// rewrites the snapshot instead.
    fn check_snapshot(name: &str, doc: &utoipa::openapi::OpenApi) {
        let path = snapshot_path(name);
        let generated = render(doc).unwrap();
        if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| !v.is_empty() && v != "0") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            let line = committed
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || committed.lines().count().min(generated.lines().count()) + 1,
                    |i| i + 1,
                );
            panic!(
                "the OpenAPI document drifted from {} (first difference at line {line}).\n\
                 If the change is intended, regenerate the file with\n\
                 \n    UPDATE_OPENAPI=1 cargo test -p tessera-api docs::\n\n\
                 and commit it.",
                path.display()
            );
        }
    }

    #[test]
    fn weplanx_snapshot_is_current() {
        check_snapshot("weplanx.json", &weplanx::openapi::document());
    }

    /// Every (method, path) of `dialects::weplanx::router` (mod.rs), in OpenAPI path
    /// syntax, in the order of mod.rs. Keep in step with mod.rs by hand. The DELETE routes
    /// on the static `/user/password`, `/user/phone` and `/user/totp` paths (axum prefers
    /// them over `/user/{key}`) are described as operations of their own, since OpenAPI
    /// also matches a static path before a template; `/user/{key}` is left with `lark`.
    const WEPLANX_ROUTES: &[(&str, &str)] = &[
        ("get", "/"),
        ("post", "/login"),
        ("get", "/login/sms"),
        ("post", "/login/sms"),
        ("post", "/login/totp"),
        ("get", "/forget_code"),
        ("post", "/forget_reset"),
        ("get", "/verify"),
        ("get", "/refresh_code"),
        ("post", "/refresh_token"),
        ("post", "/logout"),
        ("get", "/user"),
        ("patch", "/user"),
        ("post", "/user/password"),
        ("delete", "/user/password"),
        ("get", "/user/phone_code"),
        ("post", "/user/phone"),
        ("delete", "/user/phone"),
        ("get", "/user/totp"),
        ("post", "/user/totp"),
        ("delete", "/user/totp"),
        ("delete", "/user/{key}"),
        ("get", "/options"),
    ];

    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    /// Asserts that `doc` describes exactly the (method, path) pairs of `routes`.
    fn assert_covers_exactly(doc: &Value, routes: &[(&str, &str)]) {
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        for (method, path) in routes {
            assert!(
                paths.get(*path).and_then(|p| p.get(*method)).is_some(),
                "{} {path} is routed but not described",
                method.to_uppercase()
            );
        }
        for (path, item) in paths {
            for method in METHODS {
                if item.get(*method).is_some() {
                    assert!(
                        routes.contains(&(*method, path.as_str())),
                        "{} {path} is described but not routed",
                        method.to_uppercase()
                    );
                }
            }
        }
    }

    #[test]
    fn weplanx_document_covers_every_route_and_nothing_else() {
        let doc = serde_json::to_value(weplanx::openapi::document()).unwrap();
        assert_covers_exactly(&doc, WEPLANX_ROUTES);
    }

    #[test]
    fn weplanx_unsafe_methods_document_csrf_and_authenticated_ones_the_cookie() {
        let doc = serde_json::to_value(weplanx::openapi::document()).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["cookie"],
            serde_json::json!({
                "type": "apiKey",
                "in": "cookie",
                "name": "TOKEN",
                "description": doc["components"]["securitySchemes"]["cookie"]["description"],
            })
        );
        for (method, path) in WEPLANX_ROUTES {
            let op = &doc["paths"][*path][*method];
            let has_xsrf = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "X-XSRF-TOKEN"));
            assert_eq!(has_xsrf, *method != "get", "{method} {path}");
            if *method != "get" {
                let csrf = op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap_or_default();
                assert!(csrf.ends_with("/ClientErrorOrCsrf"), "{method} {path}");
            }
            let authed = op.get("security").is_some();
            assert_eq!(
                authed,
                op["responses"].get("401").is_some(),
                "{method} {path}: security and 401 go together"
            );
        }
    }

    #[test]
    fn clumsy_snapshot_is_current() {
        check_snapshot("clumsy.json", &clumsy::openapi::document());
    }

    /// Every (method, path) of `dialects::clumsy::router` (mod.rs) with the `/fo/rest` it is
    /// nested under, in OpenAPI path syntax, in the order of mod.rs. Keep in step with
    /// mod.rs by hand. Path parameters carry the API document's names (`clientType`,
    /// `itemId`) where mod.rs says `client_type`, `item_id`.
    const CLUMSY_ROUTES: &[(&str, &str)] = &[
        ("post", "/fo/rest/token/new/local"),
        ("post", "/fo/rest/token/new/by-register/local"),
        ("post", "/fo/rest/token/random-code/new/local"),
        ("post", "/fo/rest/token/new/by-random-code/local"),
        (
            "post",
            "/fo/rest/token/new/social/by-token/{source}/{clientType}",
        ),
        (
            "post",
            "/fo/rest/token/new/social/by-auth-code/{source}/{clientType}",
        ),
        ("post", "/fo/rest/token/refresh"),
        ("post", "/fo/rest/token/delete"),
        ("get", "/fo/rest/token/test/protected-resource"),
        ("get", "/fo/rest/user/profile/me"),
        ("post", "/fo/rest/user/password/update/local"),
        ("post", "/fo/rest/user/email-verification-process/new"),
        ("get", "/fo/rest/user/email-verification-process/verify"),
        (
            "post",
            "/fo/rest/user/password/forget-password-verify-code/new",
        ),
        (
            "post",
            "/fo/rest/user/password/forget-password-verify-code/validate",
        ),
        ("post", "/fo/rest/user/password/forget-password-flow/update"),
        ("get", "/fo/rest/todo/items"),
        ("post", "/fo/rest/todo/items"),
        ("get", "/fo/rest/todo/items/{itemId}"),
        ("post", "/fo/rest/todo/items/{itemId}"),
        ("post", "/fo/rest/todo/items/{itemId}/finish"),
    ];

    #[test]
    fn clumsy_document_covers_every_route_and_nothing_else() {
        let doc = serde_json::to_value(clumsy::openapi::document()).unwrap();
        assert_covers_exactly(&doc, CLUMSY_ROUTES);
    }

    /// The token endpoints, which take OAuth2 forms and answer 400 with a body.
    fn is_token_endpoint(path: &str) -> bool {
        path.starts_with("/fo/rest/token/new/") || path == "/fo/rest/token/refresh"
    }

    #[test]
    fn clumsy_documents_bearer_guard_answers_media_types_and_460() {
        let doc = serde_json::to_value(clumsy::openapi::document()).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["type"],
            "http"
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        for (method, path) in CLUMSY_ROUTES {
            let op = &doc["paths"][*path][*method];
            let responses = op["responses"].as_object().unwrap();
            let guarded = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(
                guarded,
                responses.contains_key("401"),
                "{method} {path}: security and 401 go together"
            );
            if guarded {
                for status in ["400", "401"] {
                    let r = &responses[status];
                    assert!(r.get("content").is_none(), "{method} {path} {status}");
                    assert!(
                        r["headers"].get("WWW-Authenticate").is_some(),
                        "{method} {path} {status}"
                    );
                }
            }
            assert_eq!(
                responses.contains_key("400"),
                guarded || is_token_endpoint(path),
                "{method} {path}: 400 comes from the guard or a token endpoint"
            );
            let verify = *path == "/fo/rest/user/email-verification-process/verify";
            let media = if verify {
                "text/plain"
            } else {
                "application/json"
            };
            assert!(responses.contains_key("460"), "{method} {path}");
            for (status, r) in responses {
                if let Some(content) = r.get("content") {
                    assert_eq!(
                        keys(content),
                        vec![media.to_owned()],
                        "{method} {path} {status}"
                    );
                }
            }
            if let Some(body) = op.get("requestBody") {
                let media = if is_token_endpoint(path) {
                    "application/x-www-form-urlencoded"
                } else {
                    "application/json"
                };
                assert_eq!(
                    keys(&body["content"]),
                    vec![media.to_owned()],
                    "{method} {path}"
                );
            }
            let has_time_header = op["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "clientCurrentDateTime" && p["in"] == "header")
            });
            assert_eq!(
                has_time_header,
                path.starts_with("/fo/rest/todo/"),
                "{method} {path}"
            );
        }
        let list = &doc["paths"]["/fo/rest/todo/items"]["get"]["parameters"];
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "clientCurrentDateTime" && p["required"] == true));
    }

    #[test]
    fn sspanel_snapshot_is_current() {
        check_snapshot("sspanel.json", &sspanel::openapi::document());
    }

    /// Every (method, path) of `dialects::sspanel::router` (mod.rs), in OpenAPI path
    /// syntax, in the order of mod.rs. Keep in step with mod.rs by hand.
    const SSPANEL_ROUTES: &[(&str, &str)] = &[
        ("post", "/auth/login"),
        ("post", "/auth/register"),
        ("post", "/auth/send"),
        ("post", "/password/reset"),
        ("post", "/password/token/{token}"),
        ("get", "/logout"),
    ];

    #[test]
    fn sspanel_document_covers_every_route_and_nothing_else() {
        let doc = serde_json::to_value(sspanel::openapi::document()).unwrap();
        assert_covers_exactly(&doc, SSPANEL_ROUTES);
    }

    /// Every answer is 200 JSON (`Reply`, or `LogoutReply` for `GET /logout`); bodies are
    /// optional forms or JSON; the cookies are documented where they are set or cleared.
    #[test]
    fn sspanel_documents_200_json_answers_bodies_and_cookies() {
        let doc = serde_json::to_value(sspanel::openapi::document()).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["cookie"],
            serde_json::json!({
                "type": "apiKey",
                "in": "cookie",
                "name": "key",
                "description": doc["components"]["securitySchemes"]["cookie"]["description"],
            })
        );
        for (method, path) in SSPANEL_ROUTES {
            let op = &doc["paths"][*path][*method];
            let responses = op["responses"].as_object().unwrap();
            assert_eq!(
                keys(&op["responses"]),
                vec!["200".to_owned()],
                "{method} {path}"
            );
            let ok = &responses["200"];
            assert_eq!(
                keys(&ok["content"]),
                vec!["application/json".to_owned()],
                "{method} {path}"
            );
            let logout = *path == "/logout";
            let schema = ok["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or_default();
            let expected = if logout { "/LogoutReply" } else { "/Reply" };
            assert!(schema.ends_with(expected), "{method} {path}: {schema}");
            let sets_cookies = matches!(*path, "/auth/login" | "/auth/register" | "/logout");
            assert_eq!(
                ok["headers"].get("Set-Cookie").is_some(),
                sets_cookies,
                "{method} {path}"
            );
            assert_eq!(op.get("security").is_some(), logout, "{method} {path}");
            if logout {
                assert!(op.get("requestBody").is_none());
                assert_eq!(
                    op["security"],
                    serde_json::json!([{}, {"cookie": []}]),
                    "the cookie is optional"
                );
            } else {
                let body = &op["requestBody"];
                assert_eq!(body["required"], false, "{method} {path}");
                assert_eq!(
                    keys(&body["content"]),
                    vec![
                        "application/json".to_owned(),
                        "application/x-www-form-urlencoded".to_owned()
                    ],
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn ugene_snapshot_is_current() {
        check_snapshot("ugene.json", &ugene::openapi::document());
    }

    /// Every (method, path) of `dialects::ugene::router` (mod.rs), in OpenAPI path syntax,
    /// in the order of mod.rs. Keep in step with mod.rs by hand.
    const UGENE_ROUTES: &[(&str, &str)] = &[
        ("post", "/api"),
        ("put", "/api"),
        ("get", "/api/{module}/{param}/{lang}"),
        ("get", "/api/{module}/{param}"),
        ("get", "/download/file/{id}"),
        ("get", "/image/user/avatar/{uid}"),
        ("get", "/image/user/avatar"),
    ];

    #[test]
    fn ugene_document_covers_every_route_and_nothing_else() {
        let doc = serde_json::to_value(ugene::openapi::document()).unwrap();
        assert_covers_exactly(&doc, UGENE_ROUTES);
    }

    fn enum_strings(schema: &Value) -> Vec<String> {
        schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    }

    /// The `error` enum is exactly the catalogue's error codes and the `answer.message`
    /// enum exactly its message codes (`1xxxxx`): together, every code of
    /// `codes::CATALOGUE` and nothing else, each in the place the envelope carries it.
    #[test]
    fn ugene_code_enums_are_the_catalogue() {
        use crate::dialects::ugene::codes::CATALOGUE;

        let doc = serde_json::to_value(ugene::openapi::document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Envelope"]["properties"]["error"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
        assert_eq!(
            schemas["Answer"]["properties"]["message"]["$ref"],
            "#/components/schemas/MessageCode"
        );
        let errors = enum_strings(&schemas["ErrorCode"]);
        let messages = enum_strings(&schemas["MessageCode"]);
        let catalogue: Vec<&str> = CATALOGUE.iter().map(|(code, _, _)| *code).collect();
        for code in &catalogue {
            let listed = if code.starts_with('1') {
                &messages
            } else {
                &errors
            };
            assert!(
                listed.iter().any(|c| c == code),
                "{code} is in the catalogue but not in its enum"
            );
        }
        for code in errors.iter().chain(&messages) {
            assert!(
                catalogue.contains(&code.as_str()),
                "{code} is in an enum but not in the catalogue"
            );
        }
        assert_eq!(errors.len() + messages.len(), catalogue.len(), "duplicates");
        assert!(errors.iter().all(|c| !c.starts_with('1')));
        assert!(messages.iter().all(|c| c.starts_with('1')));
        let table = doc["info"]["description"].as_str().unwrap();
        for (code, meaning, _) in CATALOGUE {
            assert!(
                table.contains(&format!("| `{code}` | {meaning} |")),
                "{code}"
            );
        }
    }

    /// Every answer is the JSON envelope with HTTP 200 (or 500 for a fault); downloads and
    /// avatars may also be bytes; the token is a header API key, required where no
    /// function works without it.
    #[test]
    fn ugene_documents_the_envelope_bodies_and_the_token() {
        let doc = serde_json::to_value(ugene::openapi::document()).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["token"],
            serde_json::json!({
                "type": "apiKey",
                "in": "header",
                "name": "X-Authorization-Token",
                "description": doc["components"]["securitySchemes"]["token"]["description"],
            })
        );
        for (method, path) in UGENE_ROUTES {
            let op = &doc["paths"][*path][*method];
            assert_eq!(
                keys(&op["responses"]),
                vec!["200".to_owned(), "500".to_owned()],
                "{method} {path}"
            );
            for status in ["200", "500"] {
                let schema = &op["responses"][status]["content"]["application/json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/Envelope",
                    "{method} {path} {status}"
                );
            }
            let media = keys(&op["responses"]["200"]["content"]);
            let expected: &[&str] = match *path {
                "/download/file/{id}" => &["*/*", "application/json"],
                "/image/user/avatar/{uid}" | "/image/user/avatar" => {
                    &["application/json", "image/png"]
                }
                _ => &["application/json"],
            };
            let mut media_sorted = media.clone();
            media_sorted.sort();
            assert_eq!(media_sorted, expected, "{method} {path}");
            let open = *method != "put" && path.starts_with("/api");
            let security = if open {
                serde_json::json!([{}, {"token": []}])
            } else {
                serde_json::json!([{"token": []}])
            };
            assert_eq!(op["security"], security, "{method} {path}");
        }
        let post = &doc["paths"]["/api"]["post"]["requestBody"]["content"];
        assert_eq!(
            post["application/json"]["schema"]["$ref"],
            "#/components/schemas/Call"
        );
        let put = &doc["paths"]["/api"]["put"]["requestBody"]["content"];
        assert_eq!(
            put["multipart/form-data"]["schema"]["$ref"],
            "#/components/schemas/UploadForm"
        );
    }

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    async fn get(path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        // The docs routes do not touch the state, so they are checked without one.
        let res = routes::<()>()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, body)
    }

    #[tokio::test]
    async fn serves_the_document_and_the_ui() {
        let (status, _, body) = get(WEPLANX_JSON).await;
        assert_eq!(status, StatusCode::OK);
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            served,
            serde_json::to_value(weplanx::openapi::document()).unwrap()
        );

        let (status, _, body) = get(CLUMSY_JSON).await;
        assert_eq!(status, StatusCode::OK);
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            served,
            serde_json::to_value(clumsy::openapi::document()).unwrap()
        );

        let (status, _, body) = get(SSPANEL_JSON).await;
        assert_eq!(status, StatusCode::OK);
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            served,
            serde_json::to_value(sspanel::openapi::document()).unwrap()
        );

        let (status, _, body) = get(UGENE_JSON).await;
        assert_eq!(status, StatusCode::OK);
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            served,
            serde_json::to_value(ugene::openapi::document()).unwrap()
        );

        let (status, headers, _) = get(UI_PATH).await;
        assert!(status.is_redirection(), "{status}");
        assert_eq!(headers["location"], "/docs/");

        let (status, _, body) = get("/docs/").await;
        assert_eq!(status, StatusCode::OK);
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains("swagger-ui"), "{html}");

        let (status, _, body) = get("/docs/swagger-initializer.js").await;
        assert_eq!(status, StatusCode::OK);
        let js = String::from_utf8(body).unwrap();
        assert!(js.contains(WEPLANX_JSON), "{js}");
        assert!(js.contains(CLUMSY_JSON), "{js}");
        assert!(js.contains(SSPANEL_JSON), "{js}");
        assert!(js.contains(UGENE_JSON), "{js}");
    }
}
