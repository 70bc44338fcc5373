//! The OpenAPI 3.1 description of the weplanx dialect, built with utoipa from
//! documentation-only types (`model`) and operations (`ops`) that mirror the handlers
//! in `session.rs`, `public.rs` and `account.rs`, the bodies of `errors.rs` and the checks
//! of `guard.rs`. Nothing here is used to serve requests: when a handler changes what it
//! sends, change the matching schema here. `crates/api/openapi/weplanx.json` is a snapshot
//! of [`document`]; a test in `crate::docs` fails when the two drift.

use std::borrow::Cow;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::cookies::{TOKEN, XSRF_SALT, XSRF_TOKEN, XSRF_TOKEN_DOC};

/// Name of the cookie security scheme (the `TOKEN` cookie).
pub const COOKIE_SCHEME: &str = "cookie";

/// The weplanx dialect's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    WeplanxApi::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera — weplanx Common API",
        description = "The weplanx \"Common\" API as served by Tessera: cookie sessions \
(an access token in the `TOKEN` cookie), CSRF cookies set by `GET /`, 204 on success and \
`{code, msg, message}` bodies on client errors.\n\n\
Request bodies are JSON objects; `application/x-www-form-urlencoded` forms with the same \
field names are accepted too (repeat a key for a list). An empty body counts as an empty \
object.\n\n\
**CSRF.** In production mode every unsafe request (POST, PATCH, DELETE) must carry the \
`X-XSRF-TOKEN` header with the value of the `XSRF-TOKEN` cookie (also sent as `XSRF_TOKEN`) \
that `GET /` set, together with the `XSRF-SALT` cookie; otherwise the answer is 400 \
`{\"code\": \"csrf\"}`. Development mode does not check it.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::ping,
        ops::login,
        ops::sms_code,
        ops::sms_login,
        ops::totp_login,
        ops::forget_code,
        ops::forget_reset,
        ops::verify,
        ops::refresh_code,
        ops::refresh_token,
        ops::logout,
        ops::user_info,
        ops::set_user,
        ops::set_password,
        ops::phone_code,
        ops::bind_phone,
        ops::totp_url,
        ops::bind_totp,
        ops::unset_phone,
        ops::unset_totp,
        ops::unset,
        ops::unset_password,
        ops::options,
    ),
    components(schemas(
        model::Ping,
        model::PingValues,
        model::User,
        model::LoginHistory,
        model::LoginMetadata,
        model::RefreshCode,
        model::TotpUrl,
        model::OptionsResponse,
        model::UploadOption,
        model::CollaborationOption,
        model::SecretOption,
        model::EmptyOption,
        model::ClientError,
        model::ClientErrorOrCsrf,
        model::BusinessError,
        model::ValidationError,
        model::FieldError,
        model::CsrfError,
        model::BodyTooLarge,
        model::Unauthorized,
        model::InternalError,
        model::TooManyRequests,
        model::LoginBody,
        model::SmsLoginBody,
        model::TotpLoginBody,
        model::ForgetResetBody,
        model::RefreshTokenBody,
        model::SetUserBody,
        model::SetPasswordBody,
        model::BindPhoneBody,
        model::BindTotpBody,
    )),
    modifiers(&Extras),
    tags(
        (name = "public", description = "Unauthenticated: ping, password recovery, options."),
        (name = "session", description = "Sign-in, verification, token refresh, sign-out."),
        (name = "account", description = "The signed-in user's account (needs `TOKEN`)."),
    )
)]
struct WeplanxApi;

/// Adds the cookie security scheme and the `X-XSRF-TOKEN` header on every unsafe method.
struct Extras;

impl Modify for Extras {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                TOKEN,
                "The access token (HttpOnly, SameSite=Lax) set by a successful sign-in or \
                 refresh; a browser-session cookie. Valid while its session lives.",
            ))),
        );
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(xsrf_header());
            }
        }
    }
}

fn xsrf_header() -> Parameter {
    ParameterBuilder::new()
        .name("X-XSRF-TOKEN")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "CSRF token: the value of the `{XSRF_TOKEN}` cookie set by `GET /` (the same value \
             is also in `{XSRF_TOKEN_DOC}`); checked against the `{XSRF_SALT}` cookie. Required in \
             production mode (400 `csrf` without it), ignored in development mode."
        )))
        .schema(Some(String::schema()))
        .build()
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

    /// A string restricted to the given values.
    fn string_enum(values: &[&str], description: &str) -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .description(Some(description))
            .build()
    }

    fn development() -> utoipa::openapi::schema::Object {
        string_enum(
            &["development"],
            "Always `development` (the values are hidden in production).",
        )
    }

    fn flag() -> utoipa::openapi::schema::Object {
        string_enum(&["", "*"], "`*` when bound, empty otherwise.")
    }

    fn tessera() -> utoipa::openapi::schema::Object {
        string_enum(&["tessera"], "Always `tessera`.")
    }

    fn local() -> utoipa::openapi::schema::Object {
        string_enum(&["local"], "Always `local`.")
    }

    fn validation_code() -> utoipa::openapi::schema::Object {
        string_enum(&["system.validation"], "Always `system.validation`.")
    }

    fn csrf_code() -> utoipa::openapi::schema::Object {
        string_enum(&["csrf"], "Always `csrf`.")
    }

    fn body_too_large_code() -> utoipa::openapi::schema::Object {
        string_enum(
            &["system.body_too_large"],
            "Always `system.body_too_large`.",
        )
    }

    fn too_many_requests_code() -> utoipa::openapi::schema::Object {
        string_enum(
            &["system.too_many_requests"],
            "Always `system.too_many_requests`.",
        )
    }

    fn session_invalid_code() -> utoipa::openapi::schema::Object {
        string_enum(
            &["session_invalid", "reauth_required"],
            "`session_invalid`; or `reauth_required` when a change of the address or of a \
             second factor needs a session that signed in recently (Tessera).",
        )
    }

    fn internal_code() -> utoipa::openapi::schema::Object {
        string_enum(&["system.internal"], "Always `system.internal`.")
    }

    fn profile_key() -> utoipa::openapi::schema::Object {
        string_enum(
            &["Email", "Name", "Avatar", "email", "name", "avatar"],
            "Field to change; the letter case does not matter (`EMAIL` works too).",
        )
    }

    // ---- GET / ----

    /// `GET /` answer.
    #[derive(ToSchema)]
    pub struct Ping {
        /// The server's name (configured host name, possibly empty).
        pub name: String,
        /// The client's IP as the server sees it (after trusted proxies); empty when unknown.
        pub ip: String,
        /// Server time, RFC 3339.
        #[schema(format = DateTime)]
        pub now: String,
        /// Runtime values; present only in development mode, never contains a secret.
        #[schema(nullable = false)]
        pub values: Option<PingValues>,
    }

    /// Runtime values shown by the ping in development mode.
    #[derive(ToSchema)]
    pub struct PingValues {
        /// Always `development` (the values are hidden in production).
        #[schema(rename = "Mode", schema_with = development)]
        pub mode: String,
        /// Configured host name.
        #[schema(rename = "Hostname")]
        pub hostname: String,
        /// Token issuer.
        #[schema(rename = "Namespace")]
        pub namespace: String,
        /// Session idle timeout, in nanoseconds (as Go's `time.Duration`).
        #[schema(rename = "SessionTTL")]
        pub session_ttl: i64,
        /// Login failure window, in nanoseconds.
        #[schema(rename = "LoginTTL")]
        pub login_ttl: i64,
        /// Failures before a lockout.
        #[schema(rename = "LoginFailures")]
        pub login_failures: i32,
        /// Store engine (e.g. `sqlite`, `postgres`, `memory`).
        #[schema(rename = "Engine")]
        pub engine: String,
    }

    // ---- GET /user ----

    /// `GET /user` answer.
    #[derive(ToSchema)]
    pub struct User {
        /// User id (32 lowercase hex digits).
        #[schema(rename = "_id", pattern = "^[0-9a-f]{32}$")]
        pub id: String,
        /// E-mail address.
        pub email: String,
        /// Display name (may be empty).
        pub name: String,
        /// Avatar URL or file reference (may be empty).
        pub avatar: String,
        /// `*` when a phone is bound, empty otherwise.
        #[schema(schema_with = flag)]
        pub phone: String,
        /// Number of successful sign-ins.
        pub sessions: i64,
        /// The latest successful sign-in; `null` when there is none.
        #[schema(required = true)]
        pub history: Option<LoginHistory>,
        /// `*` when TOTP is bound, empty otherwise.
        #[schema(schema_with = flag)]
        pub totp: String,
        /// Whether the account is active (not blocked).
        pub status: bool,
        /// Creation time, RFC 3339.
        #[schema(format = DateTime)]
        pub create_time: String,
        /// Last profile change, RFC 3339.
        #[schema(format = DateTime)]
        pub update_time: String,
        /// The linked Lark profile; present only when one is bound.
        #[schema(value_type = Option<Object>, nullable = false)]
        pub lark: Option<serde_json::Value>,
    }

    /// A sign-in record in the original's login-log shape.
    #[derive(ToSchema)]
    pub struct LoginHistory {
        /// When, RFC 3339.
        #[schema(format = DateTime)]
        pub timestamp: String,
        /// Where from and how.
        pub metadata: LoginMetadata,
        /// The client's user agent; `null` when it sent none.
        #[schema(required = true)]
        pub user_agent: Option<String>,
        /// Always an empty object (no IP geolocation detail).
        #[schema(value_type = Object)]
        pub detail: serde_json::Value,
    }

    /// Metadata of a sign-in record.
    #[derive(ToSchema)]
    pub struct LoginMetadata {
        /// The client's IP; `null` when unknown.
        #[schema(required = true)]
        pub client_ip: Option<String>,
        /// Always `tessera`.
        #[schema(schema_with = tessera)]
        pub version: String,
        /// How the user signed in: `email` (password), `sms`, `totp`, or another method name.
        pub source: String,
    }

    // ---- small 200 bodies ----

    /// `GET /refresh_code` answer.
    #[derive(ToSchema)]
    pub struct RefreshCode {
        /// Single-use code for `POST /refresh_token`, valid for a few seconds.
        pub code: String,
    }

    /// `GET /user/totp` answer.
    #[derive(ToSchema)]
    pub struct TotpUrl {
        /// An `otpauth://totp/...` URI; pending for five minutes.
        pub totp: String,
    }

    // ---- GET /options ----

    /// `GET /options` answer: one shape per `type`, `{}` for any other type.
    pub struct OptionsResponse;

    impl PartialSchema for OptionsResponse {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(schema_ref::<UploadOption>())
                .item(schema_ref::<CollaborationOption>())
                .item(schema_ref::<SecretOption>())
                .item(schema_ref::<EmptyOption>())
                .description(Some(
                    "`type=upload`: `UploadOption`; `type=collaboration`: `CollaborationOption`; \
                     `type=generate-secret`: `SecretOption`; anything else: `{}`.",
                ))
                .into()
        }
    }

    impl ToSchema for OptionsResponse {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("OptionsResponse")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<UploadOption>(schemas);
            push_schema::<CollaborationOption>(schemas);
            push_schema::<SecretOption>(schemas);
            push_schema::<EmptyOption>(schemas);
        }
    }

    /// `type=upload`: Tessera's own upload limits.
    #[derive(ToSchema)]
    pub struct UploadOption {
        /// Always `local`.
        #[schema(rename = "type", schema_with = local)]
        pub kind: String,
        /// Upload size limit, in KiB.
        #[schema(minimum = 0)]
        pub limit: u64,
    }

    /// `type=collaboration`: the configured Lark app.
    #[derive(ToSchema)]
    pub struct CollaborationOption {
        /// Lark authorisation page.
        pub url: String,
        /// Configured redirect URL (may be empty).
        pub redirect: String,
        /// Configured Lark app id (may be empty).
        pub app_id: String,
    }

    /// `type=generate-secret`: a fresh random id and key.
    #[derive(ToSchema)]
    pub struct SecretOption {
        /// 8 random alphanumeric characters.
        #[schema(pattern = "^[0-9A-Za-z]{8}$")]
        pub id: String,
        /// 16 random alphanumeric characters.
        #[schema(pattern = "^[0-9A-Za-z]{16}$")]
        pub key: String,
    }

    /// Any other `type` (or none): an empty object.
    pub struct EmptyOption;

    impl PartialSchema for EmptyOption {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .max_properties(Some(0))
                .description(Some("An empty object."))
                .into()
        }
    }

    impl ToSchema for EmptyOption {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("EmptyOption")
        }
    }

    // ---- errors ----

    /// 400 on safe methods (GET): a business error or a validation error.
    pub struct ClientError;

    impl PartialSchema for ClientError {
        fn schema() -> RefOr<Schema> {
            AnyOfBuilder::new()
                .item(schema_ref::<BusinessError>())
                .item(schema_ref::<ValidationError>())
                .description(Some("A business error or a validation error."))
                .into()
        }
    }

    impl ToSchema for ClientError {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ClientError")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<BusinessError>(schemas);
            push_schema::<ValidationError>(schemas);
        }
    }

    /// 400 on unsafe methods: a business error, a validation error, or a CSRF refusal.
    pub struct ClientErrorOrCsrf;

    impl PartialSchema for ClientErrorOrCsrf {
        fn schema() -> RefOr<Schema> {
            AnyOfBuilder::new()
                .item(schema_ref::<BusinessError>())
                .item(schema_ref::<ValidationError>())
                .item(schema_ref::<CsrfError>())
                .description(Some(
                    "A business error, a validation error, or (production mode) a CSRF refusal.",
                ))
                .into()
        }
    }

    impl ToSchema for ClientErrorOrCsrf {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ClientErrorOrCsrf")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<BusinessError>(schemas);
            push_schema::<ValidationError>(schemas);
            push_schema::<CsrfError>(schemas);
        }
    }

    /// A business error (400). `msg` (the original's key) and `message` (the document's)
    /// carry the same text.
    #[derive(ToSchema)]
    pub struct BusinessError {
        /// `system.<code>`, e.g. `system.invalid_credentials`, `system.code_invalid`,
        /// `system.account_locked`, `system.bad_request` (unreadable body).
        #[schema(pattern = "^system\\.[a-z_]+$")]
        pub code: String,
        /// Human-readable text.
        pub msg: String,
        /// The same text.
        pub message: String,
    }

    /// A validation error (400) naming each bad field.
    #[derive(ToSchema)]
    pub struct ValidationError {
        /// Always `system.validation`.
        #[schema(schema_with = validation_code)]
        pub code: String,
        /// Summary: `<field> failed on the '<tag>' rule`, joined with `; `.
        pub msg: String,
        /// The same text.
        pub message: String,
        /// One entry per bad field.
        pub errors: Vec<FieldError>,
    }

    /// One bad field.
    #[derive(ToSchema)]
    pub struct FieldError {
        /// The JSON field name (or query parameter / path segment name).
        pub field: String,
        /// The failed rule: `required`, `string`, `array`, `min`, `max`, `len`, `oneof`,
        /// `email`, `common`, ...
        pub tag: String,
    }

    /// The CSRF refusal (400, unsafe methods in production mode).
    #[derive(ToSchema)]
    pub struct CsrfError {
        /// Always `csrf`.
        #[schema(schema_with = csrf_code)]
        pub code: String,
        /// `CSRF missing csrf token in header` or `CSRF invalid token`.
        pub msg: String,
        /// The same text.
        pub message: String,
    }

    /// The request body was over the configured limit (413).
    #[derive(ToSchema)]
    pub struct BodyTooLarge {
        /// Always `system.body_too_large`.
        #[schema(schema_with = body_too_large_code)]
        pub code: String,
        /// `request body too large`.
        pub msg: String,
        /// The same text.
        pub message: String,
    }

    /// No live session (401): no `TOKEN` cookie, or an expired / revoked / invalid one
    /// (then the answer also clears the cookie); or, for a change of the address or of a
    /// second factor, a session that did not sign in recently (`reauth_required`).
    #[derive(ToSchema)]
    pub struct Unauthorized {
        /// `session_invalid` (or `reauth_required`).
        #[schema(schema_with = session_invalid_code)]
        pub code: String,
        /// Human-readable text.
        pub message: String,
    }

    /// Too many requests of this kind from this client (429, Tessera's per-IP limits); the
    /// `Retry-After` header gives the seconds to wait.
    #[derive(ToSchema)]
    pub struct TooManyRequests {
        /// Always `system.too_many_requests`.
        #[schema(schema_with = too_many_requests_code)]
        pub code: String,
        /// Human-readable text.
        pub msg: String,
        /// The same text.
        pub message: String,
    }

    /// A server fault (500); details are only logged.
    #[derive(ToSchema)]
    pub struct InternalError {
        /// Always `system.internal`.
        #[schema(schema_with = internal_code)]
        pub code: String,
        /// `internal error`.
        pub message: String,
    }

    // ---- request bodies ----

    /// `POST /login`.
    #[derive(ToSchema)]
    pub struct LoginBody {
        /// Account e-mail.
        #[schema(format = Email)]
        pub email: String,
        /// Password (at least 8 characters).
        #[schema(min_length = 8)]
        pub password: String,
    }

    /// `POST /login/sms`.
    #[derive(ToSchema)]
    pub struct SmsLoginBody {
        /// Phone number the code was sent to (spaces, dots, dashes and parentheses are
        /// also accepted and ignored).
        #[schema(pattern = "^\\+?[0-9]{5,20}$")]
        pub phone: String,
        /// SMS login code from `GET /login/sms`.
        #[schema(min_length = 1)]
        pub code: String,
    }

    /// `POST /login/totp`.
    #[derive(ToSchema)]
    pub struct TotpLoginBody {
        /// Account e-mail (the account must have bound TOTP).
        #[schema(format = Email)]
        pub email: String,
        /// Current TOTP code; each code is accepted once.
        #[schema(min_length = 1)]
        pub code: String,
    }

    /// `POST /forget_reset`.
    #[derive(ToSchema)]
    pub struct ForgetResetBody {
        /// Account e-mail.
        #[schema(format = Email)]
        pub email: String,
        /// Reset code from `GET /forget_code`.
        #[schema(min_length = 1)]
        pub code: String,
        /// New password (default policy: 8 to 128 characters, not a common password).
        #[schema(min_length = 8, max_length = 128)]
        pub password: String,
    }

    /// `POST /refresh_token`.
    #[derive(ToSchema)]
    pub struct RefreshTokenBody {
        /// Code from `GET /refresh_code` (single use).
        #[schema(min_length = 1)]
        pub code: String,
    }

    /// `PATCH /user`: `key` names the field to change, which is then read from its own key.
    #[derive(ToSchema)]
    pub struct SetUserBody {
        /// Field to change, in any letter case.
        #[schema(schema_with = profile_key)]
        pub key: String,
        /// New e-mail; required when `key` is `Email`.
        #[schema(nullable = false, format = Email)]
        pub email: Option<String>,
        /// New display name when `key` is `Name` (absent = empty).
        #[schema(nullable = false)]
        pub name: Option<String>,
        /// New avatar when `key` is `Avatar` (absent = empty).
        #[schema(nullable = false)]
        pub avatar: Option<String>,
    }

    /// `POST /user/password`.
    #[derive(ToSchema)]
    pub struct SetPasswordBody {
        /// Current password (at least 8 characters).
        #[schema(min_length = 8)]
        pub old: String,
        /// New password (default policy: 8 to 128 characters, not a common password).
        #[schema(min_length = 8, max_length = 128)]
        pub password: String,
    }

    /// `POST /user/phone`.
    #[derive(ToSchema)]
    pub struct BindPhoneBody {
        /// Phone number the code was sent to (spaces, dots, dashes and parentheses are
        /// also accepted and ignored).
        #[schema(pattern = "^\\+?[0-9]{5,20}$")]
        pub phone: String,
        /// SMS code from `GET /user/phone_code`.
        #[schema(min_length = 1)]
        pub code: String,
    }

    /// `POST /user/totp`.
    #[derive(ToSchema)]
    pub struct BindTotpBody {
        /// The `otpauth://` URI from `GET /user/totp`.
        #[schema(min_length = 1)]
        pub totp: String,
        /// Two consecutive TOTP codes.
        #[schema(min_items = 2, max_items = 2)]
        pub tss: Vec<String>,
    }

    /// What `DELETE /user/{key}` unbinds (`phone` and `totp` have their own paths).
    #[derive(ToSchema)]
    pub enum UnsetKey {
        /// The Lark account.
        #[schema(rename = "lark")]
        Lark,
    }
}

/// Documentation-only operations, one per endpoint of the route table in `mod.rs`.
#[allow(dead_code)]
mod ops {
    use super::model::*;

    /// Ping
    ///
    /// Server name, the client's IP and the server time; runtime values in development
    /// mode. Sets fresh CSRF cookies: `XSRF-SALT` (HttpOnly) and `XSRF-TOKEN` /
    /// `XSRF_TOKEN` (readable by scripts, echo in `X-XSRF-TOKEN`), valid one day.
    #[utoipa::path(
        get, path = "/", tag = "public", operation_id = "ping",
        responses(
            (status = 200, description = "Server info; CSRF cookies set.", body = Ping,
                headers(("Set-Cookie" = String,
                    description = "`XSRF-SALT`, `XSRF-TOKEN` and `XSRF_TOKEN` (Max-Age one day, SameSite=Strict)."))),
        )
    )]
    fn ping() {}

    /// Sign in with e-mail and password
    ///
    /// On success a new session starts (by default ending the user's previous one) and
    /// its access token is set in `TOKEN`.
    #[utoipa::path(
        post, path = "/login", tag = "session", operation_id = "login",
        request_body(description = "Credentials (JSON or form).", content(
            (LoginBody = "application/json"),
            (LoginBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Signed in.",
                headers(("Set-Cookie" = String, description = "`TOKEN` (HttpOnly, SameSite=Lax)."))),
            (status = 400, description = "Wrong credentials, locked or blocked account, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn login() {}

    /// Send an SMS login code
    #[utoipa::path(
        get, path = "/login/sms", tag = "session", operation_id = "smsLoginCode",
        params(("phone" = String, Query, pattern = "^\\+?[0-9]{5,20}$", description = "Phone number of the account.")),
        responses(
            (status = 204, description = "Code sent (the same answer when no account has this phone)."),
            (status = 400, description = "Missing phone, requested too often, or invalid input.", body = ClientError),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn sms_code() {}

    /// Sign in with an SMS code
    #[utoipa::path(
        post, path = "/login/sms", tag = "session", operation_id = "smsLogin",
        request_body(description = "Phone and code (JSON or form).", content(
            (SmsLoginBody = "application/json"),
            (SmsLoginBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Signed in.",
                headers(("Set-Cookie" = String, description = "`TOKEN` (HttpOnly, SameSite=Lax)."))),
            (status = 400, description = "Wrong or expired code, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn sms_login() {}

    /// Sign in with a TOTP code
    ///
    /// Only for accounts that have bound TOTP; each code is accepted once.
    #[utoipa::path(
        post, path = "/login/totp", tag = "session", operation_id = "totpLogin",
        request_body(description = "E-mail and TOTP code (JSON or form).", content(
            (TotpLoginBody = "application/json"),
            (TotpLoginBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Signed in.",
                headers(("Set-Cookie" = String, description = "`TOKEN` (HttpOnly, SameSite=Lax)."))),
            (status = 400, description = "Wrong code, no TOTP bound, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn totp_login() {}

    /// Send a password reset code
    #[utoipa::path(
        get, path = "/forget_code", tag = "public", operation_id = "forgetCode",
        params(("email" = String, Query, min_length = 1, format = "email", description = "Account e-mail.")),
        responses(
            (status = 204, description = "Code e-mailed (the same answer for unknown addresses)."),
            (status = 400, description = "Missing e-mail, requested too often, or invalid input.", body = ClientError),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn forget_code() {}

    /// Reset the password with an e-mailed code
    ///
    /// Ends every session of the user.
    #[utoipa::path(
        post, path = "/forget_reset", tag = "public", operation_id = "forgetReset",
        request_body(description = "E-mail, code and new password (JSON or form).", content(
            (ForgetResetBody = "application/json"),
            (ForgetResetBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Password changed."),
            (status = 400, description = "Wrong or expired code, weak password, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn forget_reset() {}

    /// Check the session
    #[utoipa::path(
        get, path = "/verify", tag = "session", operation_id = "verify",
        security(("cookie" = [])),
        responses(
            (status = 204, description = "The session lives."),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn verify() {}

    /// Get a token refresh code
    #[utoipa::path(
        get, path = "/refresh_code", tag = "session", operation_id = "refreshCode",
        security(("cookie" = [])),
        responses(
            (status = 200, description = "A single-use refresh code.", body = RefreshCode),
            (status = 400, description = "Requested too often.", body = ClientError),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn refresh_code() {}

    /// Refresh the access token
    ///
    /// Redeems a code from `GET /refresh_code` for a new `TOKEN` of the same session.
    #[utoipa::path(
        post, path = "/refresh_token", tag = "session", operation_id = "refreshToken",
        security(("cookie" = [])),
        request_body(description = "The refresh code (JSON or form).", content(
            (RefreshTokenBody = "application/json"),
            (RefreshTokenBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "New token set.",
                headers(("Set-Cookie" = String, description = "`TOKEN` (HttpOnly, SameSite=Lax)."))),
            (status = 400, description = "Wrong or spent code, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn refresh_token() {}

    /// Sign out
    ///
    /// Ends the session and clears `TOKEN`. No request body.
    #[utoipa::path(
        post, path = "/logout", tag = "session", operation_id = "logout",
        security(("cookie" = [])),
        responses(
            (status = 204, description = "Signed out.",
                headers(("Set-Cookie" = String, description = "Clears `TOKEN`."))),
            (status = 400, description = "CSRF refusal (or a business error).", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn logout() {}

    /// The signed-in user
    #[utoipa::path(
        get, path = "/user", tag = "account", operation_id = "getUser",
        security(("cookie" = [])),
        responses(
            (status = 200, description = "The user, with the latest sign-in.", body = User),
            (status = 400, description = "Business error.", body = ClientError),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn user_info() {}

    /// Change a profile field
    ///
    /// A new e-mail must not belong to another account and is marked unconfirmed.
    #[utoipa::path(
        patch, path = "/user", tag = "account", operation_id = "setUser",
        security(("cookie" = [])),
        request_body(description = "The field to change and its value (JSON or form).", content(
            (SetUserBody = "application/json"),
            (SetUserBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Changed."),
            (status = 400, description = "E-mail taken, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn set_user() {}

    /// Change the password
    ///
    /// The user's other sessions end.
    #[utoipa::path(
        post, path = "/user/password", tag = "account", operation_id = "setPassword",
        security(("cookie" = [])),
        request_body(description = "Current and new password (JSON or form).", content(
            (SetPasswordBody = "application/json"),
            (SetPasswordBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Changed."),
            (status = 400, description = "Wrong current password, weak password, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn set_password() {}

    /// Send a phone binding code
    #[utoipa::path(
        get, path = "/user/phone_code", tag = "account", operation_id = "phoneCode",
        security(("cookie" = [])),
        params(("phone" = String, Query, pattern = "^\\+?[0-9]{5,20}$", description = "Phone number to bind.")),
        responses(
            (status = 204, description = "Code sent."),
            (status = 400, description = "Missing phone, phone taken, requested too often, or invalid input.", body = ClientError),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 429, description = "Too many requests from this client (per-IP limit); `Retry-After` says when to retry.", body = TooManyRequests,
                headers(("Retry-After" = i64, description = "Seconds to wait."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn phone_code() {}

    /// Bind a phone
    #[utoipa::path(
        post, path = "/user/phone", tag = "account", operation_id = "bindPhone",
        security(("cookie" = [])),
        request_body(description = "Phone and SMS code (JSON or form).", content(
            (BindPhoneBody = "application/json"),
            (BindPhoneBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Bound."),
            (status = 400, description = "Wrong code, phone taken, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn bind_phone() {}

    /// Start TOTP enrolment
    #[utoipa::path(
        get, path = "/user/totp", tag = "account", operation_id = "totpUrl",
        security(("cookie" = [])),
        responses(
            (status = 200, description = "A fresh `otpauth://` URI.", body = TotpUrl),
            (status = 400, description = "Business error.", body = ClientError),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn totp_url() {}

    /// Bind TOTP
    #[utoipa::path(
        post, path = "/user/totp", tag = "account", operation_id = "bindTotp",
        security(("cookie" = [])),
        request_body(description = "The URI and two consecutive codes (JSON or form; repeat `tss` in a form).", content(
            (BindTotpBody = "application/json"),
            (BindTotpBody = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 204, description = "Bound."),
            (status = 400, description = "Wrong codes, unknown or expired URI, invalid input, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 413, description = "Body too large.", body = BodyTooLarge),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn bind_totp() {}

    /// Unbind the phone
    ///
    /// The document's `DELETE /user/:key` with `key=phone`.
    #[utoipa::path(
        delete, path = "/user/phone", tag = "account", operation_id = "unsetPhone",
        security(("cookie" = [])),
        responses(
            (status = 204, description = "Unbound (also when nothing was bound)."),
            (status = 400, description = "CSRF refusal (or a business error).", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn unset_phone() {}

    /// Unbind TOTP
    ///
    /// The document's `DELETE /user/:key` with `key=totp`.
    #[utoipa::path(
        delete, path = "/user/totp", tag = "account", operation_id = "unsetTotp",
        security(("cookie" = [])),
        responses(
            (status = 204, description = "Unbound (also when nothing was bound)."),
            (status = 400, description = "CSRF refusal (or a business error).", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn unset_totp() {}

    /// Unbind the Lark account
    ///
    /// The document's `DELETE /user/:key`. `phone` and `totp` have their own static paths
    /// (`DELETE /user/phone`, `DELETE /user/totp`), so `lark` is the only key left to this
    /// template; any other key is refused with 400 `key`/`oneof`.
    #[utoipa::path(
        delete, path = "/user/{key}", tag = "account", operation_id = "unsetUser",
        security(("cookie" = [])),
        params(("key" = inline(UnsetKey), Path, description = "What to unbind.")),
        responses(
            (status = 204, description = "Unbound (also when nothing was bound)."),
            (status = 400, description = "Unknown key, or CSRF refusal.", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn unset() {}

    /// Not an unbinding target
    ///
    /// `DELETE /user/:key` with `key=password`, which the original refused: always 400
    /// validation (`key`/`oneof`) for a signed-in user.
    #[utoipa::path(
        delete, path = "/user/password", tag = "account", operation_id = "unsetPassword",
        security(("cookie" = [])),
        responses(
            (status = 400, description = "Always: `key` is not `phone`, `totp` or `lark` (or CSRF refusal).", body = ClientErrorOrCsrf),
            (status = 401, description = "No live session.", body = Unauthorized,
                headers(("Set-Cookie" = String, description = "Clears `TOKEN` when an invalid one was sent."))),
            (status = 500, description = "Server fault.", body = InternalError),
        )
    )]
    fn unset_password() {}

    /// Load an option
    #[utoipa::path(
        get, path = "/options", tag = "public", operation_id = "options",
        params(("type" = Option<String>, Query, nullable = false,
            description = "`upload`, `collaboration` or `generate-secret`; anything else answers `{}`.")),
        responses(
            (status = 200, description = "The option.", body = OptionsResponse),
        )
    )]
    fn options() {}
}
