//! The OpenAPI 3.1 description of the SSPanel dialect, built with utoipa from
//! documentation-only types ([`model`]) and operations (`ops`) that mirror the handlers
//! in `auth.rs` and `password.rs`, the bodies written by [`reply`](super::reply) and
//! [`reply_ret_only`](super::reply_ret_only), the cookies of `cookies.rs` and the messages
//! of [`messages`](super::messages). Nothing here is used to serve requests: when a handler
//! changes what it sends, change the matching schema or answer list here.
//! `crates/api/openapi/sspanel.json` is a snapshot of [`document`]; a test in `crate::docs`
//! fails when the two drift.
//!
//! The possible `msg` values of each operation (the dialect's error catalogue) are listed
//! in its description, generated from the message constants, so a translated deployment
//! documents its own wording.

use std::borrow::Cow;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::cookies::KEY;
use super::messages as m;

/// Name of the cookie security scheme (the `key` cookie).
pub const COOKIE_SCHEME: &str = "cookie";

/// The SSPanel dialect's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    SspanelApi::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera — SSPanel auth API",
        description = "The SSPanel-UIM auth API (cookie sessions, invite codes, e-mailed \
registration codes and reset links) as served by Tessera.\n\n\
**Answers.** Every answer is **HTTP 200** `application/json` with `{\"ret\": 0|1, \"msg\": \
\"...\"}` (`ret` first): `ret` 1 on success, 0 on any failure, `msg` saying which. Failures \
include an unreadable or malformed body (`{\"ret\":0,\"msg\":\"请求格式错误\"}`) and server \
faults (`未知错误`). `GET /logout` answers `{\"ret\":1}`. Bodies are written as PHP's \
`json_encode` did: every non-ASCII character as a `\\uXXXX` escape and `/` as `\\/`; still \
plain JSON, so a JSON parser reads the Chinese text back. The possible `msg` values of each \
operation are listed in its description.\n\n\
**Parameters.** Each field is read from the body, a form \
(`application/x-www-form-urlencoded`) or a JSON object (any other or no content type), \
then from the query string (Slim's `getParam`). Every field is optional at the schema \
level: a missing one gets a `ret` 0 answer. In JSON, numbers are read as their decimal text \
and `true` as `\"1\"`; `false`, `null`, arrays and objects count as absent. An empty body \
is an empty form.\n\n\
**Cookies.** A login or registration sets the original's five cookies, path `/`, each with \
`Max-Age` and `Expires`: `uid` (the account's number), `email` (URL-encoded), `key` (the \
session: HttpOnly, SameSite=Lax, Secure over HTTPS), `ip` (opaque, not checked) and \
`expire_in` (unix time of expiry). `key` names a server-side session that logout, a password \
change or reset, a lockout or an administrator revoke at once.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::login,
        ops::register,
        ops::send,
        ops::reset,
        ops::token,
        ops::logout,
    ),
    components(schemas(
        model::Reply,
        model::LoggedOut,
        model::LogoutReply,
        model::LoginForm,
        model::RegisterForm,
        model::SendForm,
        model::ResetForm,
        model::TokenForm,
    )),
    modifiers(&Extras),
    tags(
        (name = "auth", description = "Sign-in, registration (with its e-mailed code) and sign-out."),
        (name = "password", description = "Password recovery by an e-mailed link."),
    )
)]
struct SspanelApi;

/// One answer an operation may give: `ret`, `msg` and when.
pub struct Answer {
    /// `1` on success, `0` on failure.
    pub ret: u8,
    /// The message, as sent (before PHP-style escaping).
    pub msg: &'static str,
    /// When it is sent.
    pub when: &'static str,
}

const fn answer(ret: u8, msg: &'static str, when: &'static str) -> Answer {
    Answer { ret, msg, when }
}

const BAD_BODY: Answer = answer(
    0,
    m::BAD_REQUEST,
    "The body could not be read: malformed JSON or form, a JSON value that is not an \
     object, not UTF-8, or too large.",
);

const FAULT: Answer = answer(0, m::UNKNOWN_ERROR, "A server fault (details in the log).");

/// `POST /auth/login`.
pub const LOGIN_ANSWERS: &[Answer] = &[
    answer(1, m::LOGIN_OK, "Signed in; the login cookies are set."),
    BAD_BODY,
    answer(
        0,
        m::LOGIN_WRONG,
        "No `email` or `passwd`, unknown e-mail, wrong password, or any other refusal (e.g. a \
         blocked account): one answer for all.",
    ),
    answer(
        0,
        m::LOGIN_TOTP_WRONG,
        "Two-factor is on and `code` is missing, wrong or already used.",
    ),
    answer(
        0,
        m::LOGIN_SECOND_FACTOR,
        "Tessera: the password is right but the account's second factor is the e-mailed \
         code (switched on through Ugene), which this form cannot carry.",
    ),
    answer(
        0,
        m::TOO_MANY_ATTEMPTS,
        "The account is locked after repeated failures, or too many requests.",
    ),
    FAULT,
];

/// `POST /auth/register`.
pub const REGISTER_ANSWERS: &[Answer] = &[
    answer(
        1,
        m::REGISTER_OK,
        "Registered and signed in for an hour; the login cookies are set.",
    ),
    BAD_BODY,
    answer(0, m::REGISTER_CLOSED, "Registration mode `close`."),
    answer(
        0,
        m::EMAIL_INVALID,
        "`email` missing or not a valid address.",
    ),
    answer(0, m::EMAIL_TAKEN, "The address belongs to an account."),
    answer(0, m::PASSWORD_SHORT, "`passwd` shorter than 8 bytes."),
    answer(0, m::PASSWORD_MISMATCH, "`repasswd` differs from `passwd`."),
    answer(
        0,
        m::CONTACT_MISSING,
        "`imtype` or `wechat` missing or blank.",
    ),
    answer(
        0,
        m::PASSWORD_WEAK,
        "The password breaks the password policy (e.g. a common password).",
    ),
    answer(
        0,
        m::EMAIL_CODE_WRONG,
        "With e-mail verification on: `emailcode` missing, wrong or expired.",
    ),
    answer(
        0,
        m::INVITE_INVALID,
        "Registration mode `invite`: `code` missing, unknown or used up.",
    ),
    answer(
        0,
        m::INVITE_EXHAUSTED,
        "The inviter has no invitations left.",
    ),
    answer(
        0,
        m::NAME_INVALID,
        "`name` too long or with control characters.",
    ),
    answer(0, m::TOO_MANY_ATTEMPTS, "Too many requests."),
    FAULT,
];

/// `POST /auth/send`.
pub const SEND_ANSWERS: &[Answer] = &[
    answer(1, m::SEND_OK, "A 6-digit registration code was e-mailed."),
    answer(
        0,
        m::SEND_DISABLED,
        "E-mail verification is off on this server (checked before the body is read).",
    ),
    BAD_BODY,
    answer(0, m::SEND_EMAIL_EMPTY, "`email` missing or blank."),
    answer(0, m::EMAIL_INVALID, "`email` is not a valid address."),
    answer(0, m::SEND_EMAIL_TAKEN, "The address belongs to an account."),
    answer(
        0,
        m::SEND_TOO_OFTEN,
        "Codes requested too often for this address (limits shared with every code Tessera \
         sends).",
    ),
    FAULT,
];

/// `POST /password/reset`.
pub const RESET_ANSWERS: &[Answer] = &[
    answer(
        1,
        m::RESET_SENT,
        "A reset link was e-mailed, or nothing was done: the same answer for an unknown, \
         invalid or missing address.",
    ),
    BAD_BODY,
    answer(
        0,
        m::RESET_UNKNOWN,
        "Only with `http.sspanel.reveal_unknown_email`: no account has this address.",
    ),
    answer(
        0,
        m::RESET_TOO_OFTEN,
        "Reset requested too often for this address.",
    ),
    FAULT,
];

/// `POST /password/token/{token}`, in the order of the checks.
pub const TOKEN_ANSWERS: &[Answer] = &[
    answer(
        1,
        m::RESET_OK,
        "The password is set; the link is spent and every session of the account ends.",
    ),
    BAD_BODY,
    answer(
        0,
        m::RESET_MISMATCH,
        "`repasswd` differs from `password` (both missing counts as equal).",
    ),
    answer(0, m::RESET_SHORT, "`password` shorter than 8 bytes."),
    answer(
        0,
        m::PASSWORD_WEAK,
        "The password breaks the password policy (e.g. a common password).",
    ),
    answer(
        0,
        m::TOO_MANY_ATTEMPTS,
        "The account is locked, or too many attempts.",
    ),
    answer(
        0,
        m::RESET_LINK_INVALID,
        "The token is unknown, spent or expired.",
    ),
    FAULT,
];

/// `GET /logout`: `{"ret":1}`, or this when ending the session fails.
pub const LOGOUT_ANSWERS: &[Answer] = &[answer(
    0,
    m::UNKNOWN_ERROR,
    "A server fault while ending the session (the cookies are then left as they are).",
)];

/// Every documented operation (method, path) with its answers.
pub const CATALOGUE: &[(&str, &str, &[Answer])] = &[
    ("post", "/auth/login", LOGIN_ANSWERS),
    ("post", "/auth/register", REGISTER_ANSWERS),
    ("post", "/auth/send", SEND_ANSWERS),
    ("post", "/password/reset", RESET_ANSWERS),
    ("post", "/password/token/{token}", TOKEN_ANSWERS),
    ("get", "/logout", LOGOUT_ANSWERS),
];

/// The Markdown list of `answers` appended to an operation's description.
pub fn answers_markdown(answers: &[Answer], logout: bool) -> String {
    let mut text = String::from(if logout {
        "**Answers** (`ret`, `msg`):\n- `1`, no `msg`: signed out (also when nobody was \
         signed in); the cookies are cleared.\n"
    } else {
        "**Answers** (`ret`, `msg`):\n"
    });
    for a in answers {
        text.push_str(&format!("- `{}` `{}`: {}\n", a.ret, a.msg, a.when));
    }
    text
}

/// Adds the cookie security scheme and each operation's list of answers, and marks every
/// request body optional (an empty body is an empty form).
struct Extras;

impl Modify for Extras {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                KEY,
                "The session token (HttpOnly, SameSite=Lax) set by a login or registration, \
                 valid for the cookie's lifetime unless the session is revoked. Only \
                 `GET /logout` reads it.",
            ))),
        );
        for (method, path, answers) in CATALOGUE {
            let Some(item) = openapi.paths.paths.get_mut(*path) else {
                continue;
            };
            let op = match *method {
                "get" => item.get.as_mut(),
                _ => item.post.as_mut(),
            };
            if let Some(op) = op {
                append_answers(op, answers, *method == "get");
                if let Some(body) = op.request_body.as_mut() {
                    body.required = Some(Required::False);
                }
            }
        }
    }
}

fn append_answers(op: &mut Operation, answers: &[Answer], logout: bool) {
    let list = answers_markdown(answers, logout);
    op.description = Some(match op.description.take() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{list}"),
        _ => list,
    });
}

fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

fn push_schema<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// Documentation-only types: the exact shapes the handlers send and accept.
#[allow(dead_code)]
pub mod model {
    use super::*;

    fn ret() -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some([0, 1]))
            .description(Some("`1` on success, `0` on failure."))
            .build()
    }

    fn ret_one() -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some([1]))
            .description(Some("Always `1`."))
            .build()
    }

    // ---- answers ----

    /// Every answer but logout's: `{"ret": 0|1, "msg": "..."}`, `ret` first, non-ASCII
    /// characters escaped as `\uXXXX` and `/` as `\/` (PHP's `json_encode`).
    #[derive(ToSchema)]
    pub struct Reply {
        /// `1` on success, `0` on failure.
        #[schema(schema_with = ret)]
        pub ret: u8,
        /// What happened, in Chinese (the operation's description lists every value).
        pub msg: String,
    }

    /// The logout answer: `{"ret":1}`.
    #[derive(ToSchema)]
    pub struct LoggedOut {
        /// Always `1`.
        #[schema(schema_with = ret_one)]
        pub ret: u8,
    }

    /// `GET /logout` answers `LoggedOut`, or a `Reply` with `ret` 0 on a server fault.
    pub struct LogoutReply;

    impl PartialSchema for LogoutReply {
        fn schema() -> RefOr<Schema> {
            AnyOfBuilder::new()
                .item(schema_ref::<LoggedOut>())
                .item(schema_ref::<Reply>())
                .description(Some(
                    "`{\"ret\":1}` (`LoggedOut`), or `{\"ret\":0,\"msg\":\"未知错误\"}` \
                     (`Reply`) when ending the session failed.",
                ))
                .into()
        }
    }

    impl ToSchema for LogoutReply {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("LogoutReply")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<LoggedOut>(schemas);
            push_schema::<Reply>(schemas);
        }
    }

    // ---- request bodies (a form or a JSON object; every field optional) ----

    /// Fields of `POST /auth/login`.
    #[derive(ToSchema)]
    pub struct LoginForm {
        /// The account's e-mail (trimmed, case-insensitive).
        #[schema(nullable = false)]
        pub email: Option<String>,
        /// The password.
        #[schema(nullable = false)]
        pub passwd: Option<String>,
        /// The current six-digit two-factor code, when the account has two-factor on;
        /// ignored otherwise. Each code is accepted once.
        #[schema(nullable = false)]
        pub code: Option<String>,
        /// Keep the login for `http.sspanel.remember_me_days` (7) days instead of one:
        /// any value but absent, `""`, `"0"` and `"false"` (JSON `true` counts as `"1"`).
        #[schema(nullable = false)]
        pub remember_me: Option<String>,
    }

    /// Fields of `POST /auth/register`.
    #[derive(ToSchema)]
    pub struct RegisterForm {
        /// Display name (trimmed; may be empty).
        #[schema(nullable = false)]
        pub name: Option<String>,
        /// The new account's e-mail (trimmed, lowercased); must be a valid address not
        /// used by any account.
        #[schema(nullable = false)]
        pub email: Option<String>,
        /// The password: at least 8 bytes, and the server's password policy.
        #[schema(nullable = false)]
        pub passwd: Option<String>,
        /// The password again; must equal `passwd`.
        #[schema(nullable = false)]
        pub repasswd: Option<String>,
        /// Invite code: required in registration mode `invite`; in mode `open` an unknown
        /// code is ignored.
        #[schema(nullable = false)]
        pub code: Option<String>,
        /// Contact type (1 = WeChat, 2 = QQ, 3 = Facebook, 4 = Telegram); required, any
        /// non-blank value (not stored).
        #[schema(nullable = false)]
        pub imtype: Option<String>,
        /// Contact account; required, any non-blank value (not stored).
        #[schema(nullable = false)]
        pub wechat: Option<String>,
        /// The code e-mailed by `POST /auth/send`; required when e-mail verification is on,
        /// ignored otherwise.
        #[schema(nullable = false)]
        pub emailcode: Option<String>,
    }

    /// Fields of `POST /auth/send`.
    #[derive(ToSchema)]
    pub struct SendForm {
        /// The address to send a registration code to (trimmed).
        #[schema(nullable = false)]
        pub email: Option<String>,
    }

    /// Fields of `POST /password/reset`.
    #[derive(ToSchema)]
    pub struct ResetForm {
        /// The account's e-mail (trimmed).
        #[schema(nullable = false)]
        pub email: Option<String>,
    }

    /// Fields of `POST /password/token/{token}`.
    #[derive(ToSchema)]
    pub struct TokenForm {
        /// The new password: at least 8 bytes, and the server's password policy.
        #[schema(nullable = false)]
        pub password: Option<String>,
        /// The new password again; must equal `password`.
        #[schema(nullable = false)]
        pub repasswd: Option<String>,
    }
}

/// Documentation-only operations, one per endpoint of the route table in `mod.rs`.
#[allow(dead_code)]
mod ops {
    use super::model::*;

    /// Sign in with e-mail and password
    ///
    /// Starts a session of one day, or `remember_me_days` days with `remember_me`, and sets
    /// the login cookies. Accounts with two-factor on also need `code`.
    #[utoipa::path(
        post, path = "/auth/login", tag = "auth", operation_id = "login",
        request_body(description = "Credentials (form or JSON; every field optional, see the answers).", content(
            (LoginForm = "application/x-www-form-urlencoded"),
            (LoginForm = "application/json"),
        )),
        responses(
            (status = 200, description = "`ret` 1: signed in; `ret` 0: refused, `msg` says why.", body = Reply,
                headers(("Set-Cookie" = String, description = "Only with `ret` 1: `uid`, `email`, `key` \
                    (HttpOnly, SameSite=Lax, Secure over HTTPS), `ip` and `expire_in`, path `/`, each with \
                    `Max-Age` and `Expires` (one day, or `remember_me_days` days)."))),
        )
    )]
    fn login() {}

    /// Register an account
    ///
    /// Checks the form in the original's order (closed registration, e-mail, password,
    /// confirmation, contact, e-mail code; a code is only spent by an otherwise valid form),
    /// then the invite rules of the registration mode. A registered account is signed in for
    /// an hour.
    #[utoipa::path(
        post, path = "/auth/register", tag = "auth", operation_id = "register",
        request_body(description = "The registration form (form or JSON; every field optional, see the answers).", content(
            (RegisterForm = "application/x-www-form-urlencoded"),
            (RegisterForm = "application/json"),
        )),
        responses(
            (status = 200, description = "`ret` 1: registered and signed in; `ret` 0: refused, `msg` says why.",
                body = Reply,
                headers(("Set-Cookie" = String, description = "Only with `ret` 1: `uid`, `email`, `key` \
                    (HttpOnly, SameSite=Lax, Secure over HTTPS), `ip` and `expire_in`, path `/`, each with \
                    `Max-Age` and `Expires` (one hour)."))),
        )
    )]
    fn register() {}

    /// E-mail a registration code
    ///
    /// When e-mail verification is on (`http.sspanel.email_verify`), mails a 6-digit code
    /// for `emailcode` of `POST /auth/register`, valid `registration_code_ttl_secs` (1 h).
    #[utoipa::path(
        post, path = "/auth/send", tag = "auth", operation_id = "sendRegistrationCode",
        request_body(description = "The address (form or JSON).", content(
            (SendForm = "application/x-www-form-urlencoded"),
            (SendForm = "application/json"),
        )),
        responses(
            (status = 200, description = "`ret` 1: code sent; `ret` 0: refused, `msg` says why.", body = Reply),
        )
    )]
    fn send() {}

    /// E-mail a password reset link
    ///
    /// Mails `<public URL>/password/token/<token>` (64 characters), valid
    /// `reset_link_ttl_secs` (1 h); only the latest link works. The same answer for every
    /// address unless `http.sspanel.reveal_unknown_email` is on.
    #[utoipa::path(
        post, path = "/password/reset", tag = "password", operation_id = "requestPasswordReset",
        request_body(description = "The address (form or JSON).", content(
            (ResetForm = "application/x-www-form-urlencoded"),
            (ResetForm = "application/json"),
        )),
        responses(
            (status = 200, description = "`ret` 1: done (or silently nothing); `ret` 0: refused, `msg` says why.",
                body = Reply),
        )
    )]
    fn reset() {}

    /// Set a new password with the e-mailed link
    ///
    /// The link works once (wrong guesses count towards a limit); every session of the
    /// account ends. Two-factor stays on.
    #[utoipa::path(
        post, path = "/password/token/{token}", tag = "password", operation_id = "resetPasswordWithLink",
        params(("token" = String, Path, min_length = 1,
            description = "The token of the mailed link (64 characters); any other value gets `ret` 0.")),
        request_body(description = "The new password, twice (form or JSON).", content(
            (TokenForm = "application/x-www-form-urlencoded"),
            (TokenForm = "application/json"),
        )),
        responses(
            (status = 200, description = "`ret` 1: password set; `ret` 0: refused, `msg` says why.", body = Reply),
        )
    )]
    fn token() {}

    /// Sign out
    ///
    /// Ends the session named by the `key` cookie, if any, and clears the five login
    /// cookies. Answers `{"ret":1}` whether or not anyone was signed in.
    #[utoipa::path(
        get, path = "/logout", tag = "auth", operation_id = "logout",
        security((), ("cookie" = [])),
        responses(
            (status = 200, description = "`{\"ret\":1}`: signed out (or nothing to do); `ret` 0 only on a \
                server fault.", body = LogoutReply,
                headers(("Set-Cookie" = String, description = "With `ret` 1: `uid`, `email`, `key`, `ip` and \
                    `expire_in` set to `deleted`, path `/`, `Max-Age=0` and an `Expires` in 1970."))),
        )
    )]
    fn logout() {}
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use axum::http::{header, StatusCode};
    use axum::response::Response;
    use http_body_util::BodyExt;
    use serde_json::Value;

    use super::super::{reply, reply_ret_only};
    use super::*;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    fn required(schema: &Value) -> BTreeSet<String> {
        schema["required"]
            .as_array()
            .map(|r| r.iter().map(|k| k.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    }

    async fn sent(res: Response) -> (StatusCode, String, Vec<u8>) {
        let status = res.status();
        let media = res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, media, body)
    }

    /// Every message constant of `messages.rs`, read from its source.
    fn message_constants() -> Vec<String> {
        include_str!("messages.rs")
            .lines()
            .filter(|l| l.starts_with("pub const "))
            .map(|l| {
                let start = l.find('"').unwrap() + 1;
                let end = l.rfind('"').unwrap();
                l[start..end].to_owned()
            })
            .collect()
    }

    #[test]
    fn every_message_is_documented_and_every_answer_listed() {
        let doc = doc();
        for (method, path, answers) in CATALOGUE {
            let text = doc["paths"][*path][*method]["description"]
                .as_str()
                .unwrap();
            for a in *answers {
                assert!(
                    text.contains(&format!("- `{}` `{}`", a.ret, a.msg)),
                    "{method} {path}: {}",
                    a.msg
                );
            }
        }
        let all: BTreeSet<&str> = CATALOGUE
            .iter()
            .flat_map(|(_, _, answers)| answers.iter().map(|a| a.msg))
            .collect();
        let constants = message_constants();
        assert!(constants.len() >= 30, "{constants:?}");
        for msg in &constants {
            assert!(all.contains(msg.as_str()), "{msg} is in no answer list");
        }
    }

    #[tokio::test]
    async fn replies_match_the_documented_schemas() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];

        let (status, media, body) = sent(reply(0, m::LOGIN_WRONG)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(media, "application/json");
        assert!(body.is_ascii(), "PHP-style escapes");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["msg"], m::LOGIN_WRONG);
        assert_eq!(keys(&body), keys(&schemas["Reply"]["properties"]));
        assert_eq!(keys(&body), required(&schemas["Reply"]));
        assert_eq!(
            schemas["Reply"]["properties"]["ret"]["enum"],
            serde_json::json!([0, 1])
        );

        let (status, media, body) = sent(reply_ret_only(1)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(media, "application/json");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body, serde_json::json!({"ret": 1}));
        assert_eq!(keys(&body), keys(&schemas["LoggedOut"]["properties"]));
        assert_eq!(keys(&body), required(&schemas["LoggedOut"]));
    }

    #[test]
    fn request_fields_are_optional_strings() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        for name in [
            "LoginForm",
            "RegisterForm",
            "SendForm",
            "ResetForm",
            "TokenForm",
        ] {
            let s = &schemas[name];
            assert!(required(s).is_empty(), "{name}");
            for (field, p) in s["properties"].as_object().unwrap() {
                assert_eq!(p["type"], "string", "{name}.{field}");
            }
        }
        assert_eq!(
            keys(&schemas["RegisterForm"]["properties"]),
            [
                "code",
                "email",
                "emailcode",
                "imtype",
                "name",
                "passwd",
                "repasswd",
                "wechat"
            ]
            .into_iter()
            .map(str::to_owned)
            .collect()
        );
    }
}
