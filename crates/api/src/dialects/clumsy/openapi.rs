//! The OpenAPI 3.1 description of the clumsy-tools dialect, built with utoipa from
//! documentation-only types ([`model`]) and operations (`ops`) that mirror the handlers
//! in `token.rs`, `social.rs`, `user.rs` and `todo.rs`, the bodies of `errors.rs` and the
//! answers of `guard.rs`. Nothing here is used to serve requests: when a handler changes
//! what it sends, change the matching schema here. `crates/api/openapi/clumsy.json` is a
//! snapshot of [`document`]; a test in `crate::docs` fails when the two drift.
//!
//! Paths are written in full (`/fo/rest/...`), so the document needs no `servers` entry
//! and a client or fuzzer pointed at the server's root finds every operation. Media types
//! are listed without parameters: every JSON answer really carries
//! `application/json;charset=utf-8` (the `cors_and_charset` middleware of `mod.rs`), which
//! tools match by type and subtype.

use std::borrow::Cow;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AnyOfBuilder, Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// Name of the bearer security scheme (`Authorization: Bearer <access token>`).
pub const BEARER_SCHEME: &str = "bearer";

/// Where the dialect is mounted; every documented path starts with it.
pub const BASE_PATH: &str = "/fo/rest";

/// The header with the client's local date-time, read by the to-do calls.
pub const CLIENT_TIME_HEADER: &str = "clientCurrentDateTime";

/// What `clientCurrentDateTime` may look like: `yyyy-MM-ddTHH:mm:ss`, optionally with a
/// fraction of a second, or without the seconds (as Java's `LocalDateTime.parse`). Months,
/// days, hours, minutes and seconds are kept in range, so that what matches is a date-time
/// but for a day its month does not have (e.g. `02-30`), which is 460 like any malformed value.
pub const CLIENT_TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\
     T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?$";

/// The clumsy-tools dialect's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ClumsyApi::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera — clumsy-tools API",
        description = "The clumsy-tools backend API (srb4j: OAuth 2.0 password flow with \
opaque bearer tokens, account endpoints, social sign-in, to-do items) as served by Tessera \
under `/fo/rest`.\n\n\
**Status codes.**\n\
- **200**: the model, or `{}` when there is none.\n\
- **460**: a business error, body `ErrorResult` (all six keys, nulls included). Server \
faults are 460 `UNKNOWN_SERVER_ERROR` too, with an `exception_id` that appears in the \
server log.\n\
- **400 from the token endpoints** (`/token/new/*`, `/token/refresh`): a malformed OAuth2 \
request gets the OAuth2 error `{error, error_description}` (`invalid_request` or \
`unsupported_grant_type`, in Apache Oltu's wording); an application error (wrong password, \
taken e-mail, refused social token...) gets an `ErrorResult` with `error: invalid_request` \
(or `ERR_BUT_CAN_RETRY` when a social provider did not answer).\n\
- **400 / 401 from the resource guard**: empty body, OAuth2 error in the \
`WWW-Authenticate` header. 400 `invalid_request`: no token where one is needed, or a \
malformed `Authorization` header. 401 `invalid_token`: unknown, superseded or revoked \
token, sign in again. 401 `expired_token`: refresh the token (or sign in again).\n\
- **404**: `ErrorResult` `UNKNOWN_SERVER_ERROR` \"This restful resource doesn't exist\" \
(unknown path, or a to-do `itemId` that is not an int64).\n\n\
**Media types.** Token endpoints take `application/x-www-form-urlencoded` forms (values \
trimmed; an empty value counts as missing); the other bodies are JSON objects. Every JSON \
answer is sent as `application/json;charset=utf-8` and the e-mail verification link \
answers `text/plain;charset=utf-8`; the media types below omit the `charset` parameter.\n\n\
**Values.** `createdAt` and `updatedAt` are epoch milliseconds; user and to-do ids are \
integers; `date` and `nextDate` are `yyyy-MM-dd`. Access tokens live 1 hour (14 days with \
`long_session=true`); a refresh rotates both tokens.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::new_local,
        ops::register,
        ops::new_random_code,
        ops::by_random_code,
        ops::social_by_token,
        ops::social_by_auth_code,
        ops::refresh,
        ops::delete,
        ops::protected,
        ops::me,
        ops::change_password,
        ops::verification_new,
        ops::verification_verify,
        ops::forget_new,
        ops::forget_validate,
        ops::forget_update,
        ops::list_items,
        ops::create_item,
        ops::get_item,
        ops::update_item,
        ops::finish_item,
    ),
    components(schemas(
        model::AuthTokenResult,
        model::UserProfile,
        model::Empty,
        model::ToDoItem,
        model::RepeatStrategy,
        model::PeriodStrategy,
        model::DaysOfWeekStrategy,
        model::DayInMonthStrategy,
        model::PeriodDetail,
        model::DaysOfWeekDetail,
        model::DayInMonthDetail,
        model::PeriodUnit,
        model::DayOfWeek,
        model::ErrorResult,
        model::OAuthError,
        model::TokenError,
        model::VerifiedText,
        model::RefusedText,
        model::FaultText,
        model::PasswordTokenForm,
        model::RegisterTokenForm,
        model::RandomCodeTokenForm,
        model::SocialTokenForm,
        model::SocialCodeForm,
        model::RefreshTokenForm,
        model::GenRandomLoginCodeRequest,
        model::ChangePasswordRequest,
        model::GenForgetPasswordVerifyRequest,
        model::ValidateForgetPasswordVerifyCodeRequest,
        model::ResetPasswordRequest,
        model::ToDoItemRequest,
        model::OneOffToDoItemRequest,
        model::SerialToDoItemRequest,
    )),
    modifiers(&Extras),
    tags(
        (name = "token", description = "OAuth2 token endpoints (form bodies), sign-out and the test resource."),
        (name = "user", description = "Profile, password change, e-mail verification, forgotten password."),
        (name = "todo", description = "The signed-in user's to-do items (needs a bearer token)."),
    )
)]
struct ClumsyApi;

/// Adds the bearer security scheme, the guard's 400/401 answers on every operation that
/// reads a token, and the `clientCurrentDateTime` header on every to-do operation.
struct Extras;

impl Modify for Extras {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opaque")
                    .description(Some(
                        "`Authorization: Bearer <access_token>`, the opaque `access_token` of an \
                         `AuthTokenResult` (the scheme name is case-sensitive). Valid for 1 hour, \
                         or 14 days with `long_session=true`; refresh it with `POST \
                         /fo/rest/token/refresh`.",
                    ))
                    .build(),
            ),
        );
        let bearer = SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new());
        let todo_prefix = format!("{BASE_PATH}/todo/");
        let list_path = format!("{BASE_PATH}/todo/items");
        for (path, item) in openapi.paths.paths.iter_mut() {
            let is_todo = path.starts_with(&todo_prefix);
            let is_list = *path == list_path;
            for (op, is_get) in [(&mut item.get, true), (&mut item.post, false)] {
                let Some(op) = op.as_mut() else { continue };
                if op.security.as_ref().is_some_and(|s| s.contains(&bearer)) {
                    add_guard_responses(op);
                }
                if is_todo {
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(client_time_header(is_list && is_get));
                }
            }
        }
    }
}

/// The guard's answers: empty bodies, the OAuth2 error in `WWW-Authenticate`.
fn add_guard_responses(op: &mut Operation) {
    let bad_request = ResponseBuilder::new()
        .description(
            "No access token where one is needed (`error=\"invalid_request\"`, \
             `error_description=\"Missing auth token\"`, also when the token's account is gone), \
             or a malformed `Authorization` header (`Incorrect authorization method.`, \
             `Missing required parameter.`). Empty body.",
        )
        .header(
            "WWW-Authenticate",
            www_authenticate(
                "^Bearer realm=\"[^\"]*\",error=\"invalid_request\",error_description=\"[^\"]*\"$",
                "`Bearer realm=\"<public URL>/fo/rest/\",error=\"invalid_request\",\
                 error_description=\"...\"`.",
            ),
        )
        .build();
    let unauthorized = ResponseBuilder::new()
        .description(
            "The token is unknown, superseded or revoked (`invalid_token`: sign in again) or \
             has expired (`expired_token`: refresh it or sign in again). Empty body.",
        )
        .header(
            "WWW-Authenticate",
            www_authenticate(
                "^Bearer realm=\"[^\"]*\",error=\"(invalid_token|expired_token)\"$",
                "`Bearer realm=\"<public URL>/fo/rest/\",error=\"invalid_token\"` or \
                 `...,error=\"expired_token\"`.",
            ),
        )
        .build();
    op.responses
        .responses
        .insert("400".to_owned(), bad_request.into());
    op.responses
        .responses
        .insert("401".to_owned(), unauthorized.into());
}

fn www_authenticate(pattern: &str, description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        )
        .description(Some(description))
        .build()
}

fn client_time_header(required: bool) -> Parameter {
    let description = if required {
        "The client's current local date-time, no zone, e.g. `2011-12-03T10:15:30`: \"today\" \
         for `nextDate`. Required here: without it the answer is 460 `INVALID_INPUT`; a \
         malformed value is 460 too."
    } else {
        "The client's current local date-time, no zone, e.g. `2011-12-03T10:15:30`: \"today\" \
         for `nextDate`. Optional (the server's UTC date otherwise); a malformed value is 460 \
         `INVALID_INPUT`."
    };
    ParameterBuilder::new()
        .name(CLIENT_TIME_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(CLIENT_TIME_PATTERN)),
        ))
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
    use std::collections::BTreeMap;

    use super::*;

    /// A string restricted to the given values.
    fn string_enum(values: &[&str], description: &str) -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .description(Some(description))
            .build()
    }

    fn bearer_type() -> utoipa::openapi::schema::Object {
        string_enum(&["Bearer"], "Always `Bearer`.")
    }

    fn oauth_code() -> utoipa::openapi::schema::Object {
        string_enum(
            &["invalid_request", "unsupported_grant_type"],
            "`invalid_request` (missing or invalid `grant_type`, missing parameters, wrong \
             content type, unreadable or too large body) or `unsupported_grant_type` (a valid \
             OAuth2 grant type other than the one this endpoint takes).",
        )
    }

    fn error_code() -> utoipa::openapi::schema::Object {
        string_enum(
            &[
                "invalid_request",
                "INVALID_INPUT",
                "ILLEGAL_STATUS",
                "NO_RECORD",
                "RECORD_ALREADY_EXISTS",
                "ERR_BUT_CAN_RETRY",
                "UNKNOWN_SERVER_ERROR",
            ],
            "Error code, compatible with OAuth2. `invalid_request`: an application error of a \
             token endpoint (400). `INVALID_INPUT`: bad or missing input, wrong code or \
             password, too many attempts. `ILLEGAL_STATUS`: e-mail already verified. \
             `NO_RECORD`: no such to-do item (or another user's). `RECORD_ALREADY_EXISTS`: \
             e-mail taken. `ERR_BUT_CAN_RETRY`: a social provider did not answer (400). \
             `UNKNOWN_SERVER_ERROR`: a server fault (with `exception_id`), an unsupported \
             social client type for a code exchange, or (404) an unknown resource.",
        )
    }

    fn password_grant() -> utoipa::openapi::schema::Object {
        string_enum(
            &["password"],
            "Has to be `password`. A missing or unknown value is 400 `invalid_request`; \
             `authorization_code` or `refresh_token` is 400 `unsupported_grant_type`.",
        )
    }

    fn refresh_grant() -> utoipa::openapi::schema::Object {
        string_enum(
            &["refresh_token"],
            "Has to be `refresh_token`. A missing or unknown value is 400 `invalid_request`; \
             `password` or `authorization_code` is 400 `unsupported_grant_type`.",
        )
    }

    fn long_session() -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "Exactly `true` (case-sensitive) for a 14-day access token; any other value \
                 or none gives the 1-hour one.",
            ))
            .examples([serde_json::json!("true")])
            .build()
    }

    fn todo_type() -> utoipa::openapi::schema::Object {
        string_enum(
            &["NORMAL", "SERIAL"],
            "`NORMAL` for a one-off item (no `repeatStrategy`), `SERIAL` for an item with a \
             `repeatStrategy`.",
        )
    }

    fn period_mode() -> utoipa::openapi::schema::Object {
        string_enum(&["PERIOD"], "`PERIOD`.")
    }

    fn days_of_week_mode() -> utoipa::openapi::schema::Object {
        string_enum(&["DAYS_OF_WEEK"], "`DAYS_OF_WEEK`.")
    }

    fn day_in_month_mode() -> utoipa::openapi::schema::Object {
        string_enum(&["DAY_IN_MONTH"], "`DAY_IN_MONTH`.")
    }

    fn null_only() -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::Null)
            .description(Some("Absent or `null`: a one-off item."))
            .build()
    }

    fn new_password() -> utoipa::openapi::schema::Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(8))
            .max_length(Some(20))
            .pattern(Some("^(?=.*[0-9])(?=.*[A-Za-z])"))
            .description(Some(
                "The new password (trimmed): the original's rule, 6-20 characters with at least \
                 one digit and one letter, and Tessera's policy, at least 8 characters and not a \
                 common password.",
            ))
            .build()
    }

    // ---- token endpoints ----

    /// `AuthTokenResult`: the answer of every successful token request.
    #[derive(ToSchema)]
    pub struct AuthTokenResult {
        /// The opaque access token, for `Authorization: Bearer ...`.
        pub access_token: String,
        /// The opaque refresh token for `POST /fo/rest/token/refresh` (single use).
        pub refresh_token: String,
        /// Lifetime of the access token in seconds (3600, or 1209600 with
        /// `long_session=true`).
        #[schema(minimum = 1)]
        pub expires_in: i64,
        /// Always `Bearer`.
        #[schema(schema_with = bearer_type)]
        pub token_type: String,
        /// `<source>:<email>`, e.g. `local:a@b.com` or `google:a@b.com`.
        pub user_principal: String,
    }

    /// Form of `POST /token/new/local`.
    #[derive(ToSchema)]
    pub struct PasswordTokenForm {
        /// Has to be `password`.
        #[schema(schema_with = password_grant)]
        pub grant_type: String,
        /// The user's e-mail.
        #[schema(min_length = 1)]
        pub username: String,
        /// The user's password.
        #[schema(min_length = 1)]
        pub password: String,
        /// `true` for a 14-day token.
        #[schema(schema_with = long_session)]
        pub long_session: Option<String>,
    }

    /// Form of `POST /token/new/by-register/local`.
    #[derive(ToSchema)]
    pub struct RegisterTokenForm {
        /// Has to be `password`.
        #[schema(schema_with = password_grant)]
        pub grant_type: String,
        /// The new account's e-mail; must be a valid address not used by any account.
        #[schema(min_length = 1, format = Email)]
        pub username: String,
        /// The password: 6-20 characters with at least one digit and one letter (the
        /// original's rule) and Tessera's policy (at least 8 characters, not a common
        /// password).
        #[schema(
            min_length = 8,
            max_length = 20,
            pattern = "^(?=.*[0-9])(?=.*[A-Za-z])"
        )]
        pub password: String,
    }

    /// Form of `POST /token/new/by-random-code/local`.
    #[derive(ToSchema)]
    pub struct RandomCodeTokenForm {
        /// Has to be `password`.
        #[schema(schema_with = password_grant)]
        pub grant_type: String,
        /// The user's e-mail.
        #[schema(min_length = 1)]
        pub username: String,
        /// The random login code that was e-mailed.
        #[schema(min_length = 1)]
        pub password: String,
    }

    /// Form of `POST /token/new/social/by-token/{source}/{clientType}`.
    #[derive(ToSchema)]
    pub struct SocialTokenForm {
        /// Has to be `password`.
        #[schema(schema_with = password_grant)]
        pub grant_type: String,
        /// The provider's token: the ID token for Google, the access token (with the
        /// `email` scope) for Facebook.
        #[schema(min_length = 1)]
        pub username: String,
        /// Anything but empty.
        #[schema(min_length = 1)]
        pub password: String,
        /// `true` for a 14-day token.
        #[schema(schema_with = long_session)]
        pub long_session: Option<String>,
    }

    /// Form of `POST /token/new/social/by-auth-code/{source}/{clientType}`.
    #[derive(ToSchema)]
    pub struct SocialCodeForm {
        /// Has to be `password`.
        #[schema(schema_with = password_grant)]
        pub grant_type: String,
        /// The authorization code obtained from the provider's OAuth2 code flow.
        #[schema(min_length = 1)]
        pub username: String,
        /// Anything but empty.
        #[schema(min_length = 1)]
        pub password: String,
        /// `true` for a 14-day token.
        #[schema(schema_with = long_session)]
        pub long_session: Option<String>,
        /// The redirect URI of the code flow. Google + desktop: may be
        /// `urn:ietf:wg:oauth:2.0:oob` (the default); Google + web: must be `postmessage`
        /// (the default); Facebook + desktop: may be
        /// `https://www.facebook.com/connect/login_success.html` (the default); Facebook +
        /// web: the URL of the HTML client, required.
        #[schema(rename = "redirectUri", nullable = false)]
        pub redirect_uri: Option<String>,
    }

    /// Form of `POST /token/refresh`.
    #[derive(ToSchema)]
    pub struct RefreshTokenForm {
        /// Has to be `refresh_token`.
        #[schema(schema_with = refresh_grant)]
        pub grant_type: String,
        /// The refresh token of the latest `AuthTokenResult`.
        #[schema(min_length = 1)]
        pub refresh_token: String,
    }

    // ---- JSON request bodies ----

    /// `GenRandomLoginCodeRequest`.
    #[derive(ToSchema)]
    pub struct GenRandomLoginCodeRequest {
        /// The user's e-mail.
        #[schema(min_length = 1, format = Email)]
        pub email: String,
    }

    /// `ChangePasswordRequest`.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct ChangePasswordRequest {
        /// The current password.
        #[schema(min_length = 1)]
        pub current_password: String,
        /// The new password.
        #[schema(schema_with = new_password)]
        pub new_password: String,
    }

    /// `GenForgetPasswordVerifyRequest`.
    #[derive(ToSchema)]
    pub struct GenForgetPasswordVerifyRequest {
        /// The user's e-mail.
        #[schema(min_length = 1, format = Email)]
        pub email: String,
    }

    /// `FoValidateForgetPasswordVerifyCodeRequest`.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct ValidateForgetPasswordVerifyCodeRequest {
        /// The user's e-mail.
        #[schema(min_length = 1, format = Email)]
        pub email: String,
        /// The code that was e-mailed.
        #[schema(min_length = 1)]
        pub verify_code: String,
    }

    /// `ResetPasswordRequest`.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct ResetPasswordRequest {
        /// The user's e-mail.
        #[schema(min_length = 1, format = Email)]
        pub email: String,
        /// The code that was e-mailed.
        #[schema(min_length = 1)]
        pub verify_code: String,
        /// The new password.
        #[schema(schema_with = new_password)]
        pub new_password: String,
    }

    // ---- 200 bodies ----

    /// The literal `{}`: success without a model.
    pub struct Empty;

    impl PartialSchema for Empty {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .max_properties(Some(0))
                .description(Some("An empty object: success without a model."))
                .into()
        }
    }

    impl ToSchema for Empty {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Empty")
        }
    }

    /// The document's `User`: the signed-in account.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct UserProfile {
        /// The account's number (stable, shared by every dialect).
        #[schema(format = Int64)]
        pub id: i64,
        /// Creation time, epoch milliseconds.
        #[schema(format = Int64)]
        pub created_at: i64,
        /// Last change, epoch milliseconds (the creation time until the first change).
        #[schema(format = Int64)]
        pub updated_at: i64,
        /// `<source>:<email>`.
        pub principal: String,
        /// Where the account comes from: `local` (registered with a password), `google`,
        /// `facebook`, or another dialect's source (e.g. `lark`).
        pub source: String,
        /// The e-mail address.
        pub email: String,
        /// Whether the address is confirmed.
        pub email_verified: bool,
        /// `!emailVerified`.
        pub can_verify_email: bool,
    }

    // ---- to-do items ----

    /// `ToDoItem`. Every key is always present; `moreInfo`, `date`, `nextDate` and
    /// `repeatStrategy` are `null` when not set.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct ToDoItem {
        /// The item's id.
        #[schema(format = Int64)]
        pub id: i64,
        /// Creation time, epoch milliseconds.
        #[schema(format = Int64)]
        pub created_at: i64,
        /// Last change, epoch milliseconds (the creation time until the first change).
        #[schema(format = Int64)]
        pub updated_at: i64,
        /// The owner's account number (`id` of `UserProfile`).
        #[schema(format = Int64)]
        pub user_id: i64,
        /// The task, trimmed; at most 200 characters.
        #[schema(min_length = 1, max_length = 200)]
        pub task: String,
        /// Free text, as given; at most 2000 characters.
        #[schema(required = true, max_length = 2000)]
        pub more_info: Option<String>,
        /// The day to do it, or the start date of a serial item (`yyyy-MM-dd`, no zone).
        #[schema(required = true, format = Date)]
        pub date: Option<String>,
        /// Serial items: the next occurrence still to do (could be today), the first one
        /// on or after the later of `date` and the client's local date
        /// (`clientCurrentDateTime`, else the server's date). `null` for one-off items,
        /// and for a series with no occurrence left before year 10000.
        #[schema(required = true, format = Date)]
        pub next_date: Option<String>,
        /// Whether the item is finished (only unfinished items are ever returned).
        pub finished: bool,
        /// How the item repeats; `null` for a one-off item.
        #[schema(required = true)]
        pub repeat_strategy: Option<RepeatStrategy>,
        /// `NORMAL` or `SERIAL`.
        #[schema(rename = "type", schema_with = todo_type)]
        pub kind: String,
    }

    /// `RepeatStrategy`: a `repeatMode` and the `modeDetail` object of that mode. The
    /// detail object is stored and echoed back as given, unknown extra keys included.
    pub struct RepeatStrategy;

    impl PartialSchema for RepeatStrategy {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(schema_ref::<PeriodStrategy>())
                .item(schema_ref::<DaysOfWeekStrategy>())
                .item(schema_ref::<DayInMonthStrategy>())
                .discriminator(Some(Discriminator::with_mapping(
                    "repeatMode",
                    [
                        ("PERIOD", "#/components/schemas/PeriodStrategy"),
                        ("DAYS_OF_WEEK", "#/components/schemas/DaysOfWeekStrategy"),
                        ("DAY_IN_MONTH", "#/components/schemas/DayInMonthStrategy"),
                    ],
                )))
                .description(Some(
                    "How a serial item repeats. `repeatMode` selects the shape of `modeDetail`: \
                     `PERIOD` `{period, unit}`, `DAYS_OF_WEEK` `{daysOfWeek}`, `DAY_IN_MONTH` \
                     `{dayInMonth}`. Unknown extra keys in `modeDetail` are kept and echoed back \
                     (at most 2048 bytes of compact JSON in all).",
                ))
                .into()
        }
    }

    impl ToSchema for RepeatStrategy {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("RepeatStrategy")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<PeriodStrategy>(schemas);
            push_schema::<DaysOfWeekStrategy>(schemas);
            push_schema::<DayInMonthStrategy>(schemas);
        }
    }

    /// Every `period` days, weeks, months or years from `date`.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct PeriodStrategy {
        /// `PERIOD`.
        #[schema(schema_with = period_mode)]
        pub repeat_mode: String,
        /// The period.
        pub mode_detail: PeriodDetail,
    }

    /// On the given weekdays, from `date` on.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct DaysOfWeekStrategy {
        /// `DAYS_OF_WEEK`.
        #[schema(schema_with = days_of_week_mode)]
        pub repeat_mode: String,
        /// The weekdays.
        pub mode_detail: DaysOfWeekDetail,
    }

    /// On one day of every month, from `date` on.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct DayInMonthStrategy {
        /// `DAY_IN_MONTH`.
        #[schema(schema_with = day_in_month_mode)]
        pub repeat_mode: String,
        /// The day of the month.
        pub mode_detail: DayInMonthDetail,
    }

    /// `modeDetail` of `PERIOD`: occurrences on `date + k·period units` (k = 0, 1, ...).
    /// Months and years count from `date`, on its day, or the month's last day when the
    /// month is shorter (Feb 29 gives Feb 28 in other years). Extra keys are kept.
    #[derive(ToSchema)]
    pub struct PeriodDetail {
        /// How many units between occurrences.
        #[schema(minimum = 1, maximum = 1000)]
        pub period: i32,
        /// The unit.
        pub unit: PeriodUnit,
    }

    /// The unit of a `PERIOD` (a week is 7 days).
    #[derive(ToSchema)]
    #[schema(rename_all = "UPPERCASE")]
    pub enum PeriodUnit {
        /// Days.
        Day,
        /// Weeks.
        Week,
        /// Calendar months.
        Month,
        /// Calendar years.
        Year,
    }

    /// `modeDetail` of `DAYS_OF_WEEK`: every day on or after `date` whose weekday is
    /// listed (duplicates are harmless). Extra keys are kept.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct DaysOfWeekDetail {
        /// At least one weekday.
        #[schema(min_items = 1)]
        pub days_of_week: Vec<DayOfWeek>,
    }

    /// A weekday.
    #[derive(ToSchema)]
    #[schema(rename_all = "UPPERCASE")]
    pub enum DayOfWeek {
        /// Monday.
        Monday,
        /// Tuesday.
        Tuesday,
        /// Wednesday.
        Wednesday,
        /// Thursday.
        Thursday,
        /// Friday.
        Friday,
        /// Saturday.
        Saturday,
        /// Sunday.
        Sunday,
    }

    /// `modeDetail` of `DAY_IN_MONTH`: day `dayInMonth` of every month on or after `date`,
    /// or the month's last day when the month is shorter. Extra keys are kept.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct DayInMonthDetail {
        /// The day of the month.
        #[schema(minimum = 1, maximum = 31)]
        pub day_in_month: i32,
    }

    /// `NewToDoItemRequest` / `UpdateToDoItemRequest`: a one-off or a serial item. An update
    /// replaces every field (an absent one is cleared); changing `date` or the schedule
    /// forgets which occurrences of a series were done.
    pub struct ToDoItemRequest;

    impl PartialSchema for ToDoItemRequest {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(schema_ref::<OneOffToDoItemRequest>())
                .item(schema_ref::<SerialToDoItemRequest>())
                .description(Some(
                    "A one-off item (no `repeatStrategy`) or a serial one (`repeatStrategy` and \
                     its start `date`). Bad fields are 460 `INVALID_INPUT` with one \
                     `field_errors_for_user` entry per field (`task`, `moreInfo`, `date`, \
                     `repeatStrategy`, `repeatStrategy.repeatMode`, \
                     `repeatStrategy.modeDetail`).",
                ))
                .into()
        }
    }

    impl ToSchema for ToDoItemRequest {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ToDoItemRequest")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<OneOffToDoItemRequest>(schemas);
            push_schema::<SerialToDoItemRequest>(schemas);
        }
    }

    /// A one-off item.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct OneOffToDoItemRequest {
        /// The task: trimmed, then 1 to 200 characters.
        #[schema(min_length = 1, max_length = 200)]
        pub task: String,
        /// The day to do it (`yyyy-MM-dd`, years 1 to 9999).
        #[schema(format = Date)]
        pub date: Option<String>,
        /// Free text, at most 2000 characters.
        #[schema(max_length = 2000)]
        pub more_info: Option<String>,
        /// Absent or `null`.
        #[schema(schema_with = null_only)]
        pub repeat_strategy: Option<()>,
    }

    /// A serial item.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct SerialToDoItemRequest {
        /// The task: trimmed, then 1 to 200 characters.
        #[schema(min_length = 1, max_length = 200)]
        pub task: String,
        /// The start of the series (`yyyy-MM-dd`, years 1 to 9999); required.
        #[schema(format = Date)]
        pub date: String,
        /// Free text, at most 2000 characters.
        #[schema(max_length = 2000)]
        pub more_info: Option<String>,
        /// How the item repeats.
        pub repeat_strategy: RepeatStrategy,
    }

    // ---- errors ----

    /// `ErrorResult`: business errors (460), application errors of the token endpoints
    /// (400) and unknown resources (404). All six keys are always present, `null` when
    /// not set. User errors set `non_field_error_for_user` and/or `field_errors_for_user`;
    /// developer errors set `error_description` (and `exception_id` for server faults).
    #[derive(ToSchema)]
    pub struct ErrorResult {
        /// The error code.
        #[schema(schema_with = error_code)]
        pub error: String,
        /// Message for client developers, not for users.
        #[schema(required = true)]
        pub error_description: Option<String>,
        /// Set on server faults (`UNKNOWN_SERVER_ERROR`): quote it to the server's operator,
        /// it appears in the server log.
        #[schema(required = true)]
        pub exception_id: Option<String>,
        /// The error shown on top of a form, unrelated to any field.
        #[schema(required = true)]
        pub non_field_error_for_user: Option<String>,
        /// The errors shown beside the fields: field name (e.g. `email`, `newPassword`,
        /// `repeatStrategy.modeDetail`) to message.
        #[schema(required = true)]
        pub field_errors_for_user: Option<BTreeMap<String, String>>,
        /// A message for users: `non_field_error_for_user` if set, else the first field
        /// message (by field name), else `null`.
        #[schema(required = true)]
        pub error_description_for_user: Option<String>,
    }

    /// The OAuth2 error of a malformed token request (400), as Apache Oltu wrote it: only
    /// these two keys.
    #[derive(ToSchema)]
    pub struct OAuthError {
        /// The OAuth2 error code.
        #[schema(schema_with = oauth_code)]
        pub error: String,
        /// What is wrong, e.g. `Missing grant_type parameter value`, `Invalid grant_type
        /// parameter value`, `Missing parameters: username password`, `Bad request content
        /// type. Expecting: application/x-www-form-urlencoded`, `the grant_type has to be
        /// 'password' `.
        pub error_description: String,
    }

    /// 400 from a token endpoint: an OAuth2 error or an `ErrorResult`.
    pub struct TokenError;

    impl PartialSchema for TokenError {
        fn schema() -> RefOr<Schema> {
            AnyOfBuilder::new()
                .item(schema_ref::<OAuthError>())
                .item(schema_ref::<ErrorResult>())
                .description(Some(
                    "`OAuthError` for a malformed token request; `ErrorResult` (`error: \
                     invalid_request`, or `ERR_BUT_CAN_RETRY`) for an application error.",
                ))
                .into()
        }
    }

    impl ToSchema for TokenError {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("TokenError")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            push_schema::<OAuthError>(schemas);
            push_schema::<ErrorResult>(schemas);
        }
    }

    /// The e-mail verification link's plain-text success.
    pub struct VerifiedText;

    impl PartialSchema for VerifiedText {
        fn schema() -> RefOr<Schema> {
            string_enum(
                &["Email address verified."],
                "The address is confirmed (also when it already was).",
            )
            .into()
        }
    }

    impl ToSchema for VerifiedText {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("VerifiedText")
        }
    }

    /// The e-mail verification link's plain-text refusal.
    pub struct RefusedText;

    impl PartialSchema for RefusedText {
        fn schema() -> RefOr<Schema> {
            string_enum(
                &["Invalid request", "The link has expired."],
                "`Invalid request` for a missing, unknown or spent link; `The link has \
                 expired.` for an expired one.",
            )
            .into()
        }
    }

    impl ToSchema for RefusedText {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("RefusedText")
        }
    }

    /// The e-mail verification link's plain-text server fault.
    pub struct FaultText;

    impl PartialSchema for FaultText {
        fn schema() -> RefOr<Schema> {
            string_enum(
                &["Internal error."],
                "A server fault; details are only logged.",
            )
            .into()
        }
    }

    impl ToSchema for FaultText {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("FaultText")
        }
    }

    // ---- path parameters ----

    /// A social sign-in provider.
    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum SocialSource {
        /// Google (an ID token, or a code exchanged for one).
        Google,
        /// Facebook (an access token, or a code exchanged for one).
        Facebook,
    }

    /// The kind of client signing in.
    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum ClientType {
        /// A desktop application.
        Desktop,
        /// A web application.
        Web,
        /// A mobile application.
        Mobile,
    }
}

/// Documentation-only operations, one per endpoint of the route table in `mod.rs`.
#[allow(dead_code)]
mod ops {
    use super::model::*;

    // ---- token ----

    /// Sign in with e-mail and password
    ///
    /// OAuth2 token endpoint (password grant, no client credentials) for accounts with a
    /// password. Social accounts get the same "Email or password wrong" answer.
    #[utoipa::path(
        post, path = "/fo/rest/token/new/local", tag = "token", operation_id = "newLocalToken",
        request_body(description = "The password-grant form.", content(
            (PasswordTokenForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "Signed in: a new session and its tokens.", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`), or `ErrorResult` \
                `invalid_request` with `Email or password wrong` or `Too many attempts. Please try again later.`.",
                body = TokenError),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn new_local() {}

    /// Register a local account
    ///
    /// OAuth2 token endpoint: creates an account with an unconfirmed e-mail and signs it in
    /// (always a 1-hour token; `long_session` is not read). No e-mail is sent.
    #[utoipa::path(
        post, path = "/fo/rest/token/new/by-register/local", tag = "token", operation_id = "registerLocal",
        request_body(description = "The password-grant form: `username` is the new account's e-mail.", content(
            (RegisterTokenForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "Registered and signed in.", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`), or `ErrorResult` \
                `invalid_request`: `Please input a valid email`, `This email already exists`, \
                `Registration is closed.`, `Registration needs an invite code.`, or a `password` field \
                error (the pattern or the password policy).",
                body = TokenError),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn register() {}

    /// E-mail a random login code
    ///
    /// Sends a 6-digit sign-in code, valid 30 minutes, to a local account. The answer is the
    /// same for unknown or social addresses. At most one code a minute and five an hour
    /// per address.
    #[utoipa::path(
        post, path = "/fo/rest/token/random-code/new/local", tag = "token", operation_id = "newRandomLoginCode",
        request_body(description = "The address.", content((GenRandomLoginCodeRequest = "application/json"))),
        responses(
            (status = 200, description = "Done (or silently nothing).", body = Empty),
            (status = 460, description = "`INVALID_INPUT`: no body (`Please input the required fields.`), \
                no `email` (`Please input email`), an invalid address, requested too often; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn new_random_code() {}

    /// Sign in with a random login code
    ///
    /// OAuth2 token endpoint: `username` is the e-mail, `password` the e-mailed code. The
    /// code works once; each wrong guess counts towards the lockout. Always a 1-hour token.
    #[utoipa::path(
        post, path = "/fo/rest/token/new/by-random-code/local", tag = "token", operation_id = "byRandomCode",
        request_body(description = "The password-grant form.", content(
            (RandomCodeTokenForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "Signed in.", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`), or `ErrorResult` \
                `invalid_request`: `Invalid login code.`, `Login code expired.`, `Email or password wrong`, \
                `Too many attempts. Please try again later.`.",
                body = TokenError),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn by_random_code() {}

    /// Sign in with a social provider's token
    ///
    /// OAuth2 token endpoint: the server verifies the provider's token and reads the
    /// e-mail. An unknown e-mail creates an account of that source (e-mail confirmed); an
    /// e-mail that belongs to an account of another source is refused. Mainly for mobile
    /// clients, which obtain the token directly.
    #[utoipa::path(
        post, path = "/fo/rest/token/new/social/by-token/{source}/{clientType}", tag = "token",
        operation_id = "socialByToken",
        params(
            ("source" = inline(SocialSource), Path, description = "The provider. Another value, or a provider \
                not enabled on this server, is 400 `unsupported source: ...`."),
            ("clientType" = inline(ClientType), Path, description = "The client type (selects the provider's \
                client id). Another value is 400."),
        ),
        request_body(description = "The password-grant form: `username` carries the provider's token.", content(
            (SocialTokenForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "Signed in.", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`), or `ErrorResult`: \
                unsupported source or client type, invalid token, no e-mail in it, e-mail not verified \
                by the provider, e-mail taken by another source, disabled account, too many attempts, \
                registration closed or invite-only for a new account (`invalid_request`); the provider \
                did not answer (`ERR_BUT_CAN_RETRY`).",
                body = TokenError),
            (status = 460, description = "Server fault (also a provider misconfigured on the server).", body = ErrorResult),
        )
    )]
    fn social_by_token() {}

    /// Sign in with a social provider's authorization code
    ///
    /// OAuth2 token endpoint: the server exchanges the code for the provider's token, then
    /// proceeds as `by-token`. Mainly for desktop and web clients; the server must hold the
    /// provider's client id and secret.
    #[utoipa::path(
        post, path = "/fo/rest/token/new/social/by-auth-code/{source}/{clientType}", tag = "token",
        operation_id = "socialByAuthCode",
        params(
            ("source" = inline(SocialSource), Path, description = "The provider. Another value, or a provider \
                not enabled on this server, is 400 `unsupported source: ...`."),
            ("clientType" = inline(ClientType), Path, description = "The client type. `mobile` cannot exchange \
                a code (460 `UNKNOWN_SERVER_ERROR`, as the original); another value is 400."),
        ),
        request_body(description = "The password-grant form: `username` carries the authorization code.", content(
            (SocialCodeForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "Signed in.", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`), or `ErrorResult`: as \
                `by-token`, plus a refused code or redirect URI (`redirect uri must not be empty for \
                facebook + web `).",
                body = TokenError),
            (status = 460, description = "`UNKNOWN_SERVER_ERROR`: `clientType` `mobile`, a provider \
                misconfigured on the server, or another server fault.", body = ErrorResult),
        )
    )]
    fn social_by_auth_code() {}

    /// Refresh the tokens
    ///
    /// Rotates both tokens of the session and keeps its lifetime class. A refresh token
    /// works once; presented again within a short grace window it yields another fresh
    /// pair, after that it revokes the whole session.
    #[utoipa::path(
        post, path = "/fo/rest/token/refresh", tag = "token", operation_id = "refreshToken",
        request_body(description = "The refresh-token-grant form.", content(
            (RefreshTokenForm = "application/x-www-form-urlencoded"),
        )),
        responses(
            (status = 200, description = "New tokens (the old pair stops working).", body = AuthTokenResult),
            (status = 400, description = "Malformed token request (`OAuthError`, e.g. `Missing parameters: \
                refresh_token`), or `ErrorResult` `invalid_request` with `error_description` \
                `invalid refresh token`.",
                body = TokenError),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn refresh() {}

    /// Sign out
    ///
    /// Ends the session of the bearer token (its refresh token too). Without an
    /// `Authorization` header it does nothing and still answers `{}`.
    #[utoipa::path(
        post, path = "/fo/rest/token/delete", tag = "token", operation_id = "deleteToken",
        security((), ("bearer" = [])),
        responses(
            (status = 200, description = "Signed out (or nothing to do).", body = Empty),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn delete() {}

    /// A test resource for signed-in users
    #[utoipa::path(
        get, path = "/fo/rest/token/test/protected-resource", tag = "token", operation_id = "protectedResource",
        security(("bearer" = [])),
        responses(
            (status = 200, description = "The token is valid.", body = Empty),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn protected() {}

    // ---- user ----

    /// The signed-in user's profile
    #[utoipa::path(
        get, path = "/fo/rest/user/profile/me", tag = "user", operation_id = "me",
        security(("bearer" = [])),
        responses(
            (status = 200, description = "The profile (never the password).", body = UserProfile),
            (status = 460, description = "Server fault.", body = ErrorResult),
        )
    )]
    fn me() {}

    /// Change the password of a local account
    ///
    /// The user's other sessions end; this one stays.
    #[utoipa::path(
        post, path = "/fo/rest/user/password/update/local", tag = "user", operation_id = "changePassword",
        security(("bearer" = [])),
        request_body(description = "Current and new password.", content((ChangePasswordRequest = "application/json"))),
        responses(
            (status = 200, description = "Changed.", body = Empty),
            (status = 460, description = "`INVALID_INPUT`: no body, field errors on `currentPassword` / \
                `newPassword` (missing, pattern, policy), `You are a <source> user and cannot change password`, \
                `The current password you input is wrong`, too many attempts; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn change_password() {}

    /// Start an e-mail verification
    ///
    /// Mails a confirmation link (`GET /fo/rest/user/email-verification-process/verify?d=...`),
    /// valid 14 days. Only the latest link works.
    #[utoipa::path(
        post, path = "/fo/rest/user/email-verification-process/new", tag = "user", operation_id = "newEmailVerification",
        security(("bearer" = [])),
        responses(
            (status = 200, description = "Link mailed.", body = Empty),
            (status = 460, description = "`ILLEGAL_STATUS` `Your email is already verified.`; \
                `INVALID_INPUT` when asked too often; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn verification_new() {}

    /// Confirm the e-mail address (the mailed link)
    ///
    /// Not really a REST call: it always answers plain text. A link works once; a confirmed
    /// account still gets the success text on a second click.
    #[utoipa::path(
        get, path = "/fo/rest/user/email-verification-process/verify", tag = "user", operation_id = "verifyEmail",
        params(("d" = Option<String>, Query, nullable = false, description = "The digest from the mailed link.")),
        responses(
            (status = 200, description = "Confirmed.", body = VerifiedText, content_type = "text/plain"),
            (status = 460, description = "Refused.", body = RefusedText, content_type = "text/plain"),
            (status = 500, description = "Server fault.", body = FaultText, content_type = "text/plain"),
        )
    )]
    fn verification_verify() {}

    /// E-mail a password reset code
    ///
    /// Starts the forget-password flow: a 6-digit code, valid 10 minutes, to a local
    /// account. The answer is the same for unknown or social addresses. At most one code a
    /// minute and five an hour per address.
    #[utoipa::path(
        post, path = "/fo/rest/user/password/forget-password-verify-code/new", tag = "user",
        operation_id = "newForgetPasswordCode",
        request_body(description = "The address.", content((GenForgetPasswordVerifyRequest = "application/json"))),
        responses(
            (status = 200, description = "Done (or silently nothing).", body = Empty),
            (status = 460, description = "`INVALID_INPUT`: no body, no `email` (`please input email`), an \
                invalid address, requested too often; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn forget_new() {}

    /// Check a password reset code
    ///
    /// Does not spend the code, but each wrong guess counts towards its attempt limit.
    #[utoipa::path(
        post, path = "/fo/rest/user/password/forget-password-verify-code/validate", tag = "user",
        operation_id = "validateForgetPasswordCode",
        request_body(description = "The address and the code.", content((ValidateForgetPasswordVerifyCodeRequest = "application/json"))),
        responses(
            (status = 200, description = "The code is right.", body = Empty),
            (status = 460, description = "`INVALID_INPUT`: no body, field errors on `email` / `verifyCode`, \
                `Invalid verification code.`, `Verification code expired.`, too many attempts; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn forget_validate() {}

    /// Reset the password with the code
    ///
    /// The final step of the forget-password flow. The code works once; every session of
    /// the user ends.
    #[utoipa::path(
        post, path = "/fo/rest/user/password/forget-password-flow/update", tag = "user",
        operation_id = "resetPassword",
        request_body(description = "The address, the code and the new password.", content((ResetPasswordRequest = "application/json"))),
        responses(
            (status = 200, description = "Changed.", body = Empty),
            (status = 460, description = "`INVALID_INPUT`: no body, field errors on `email` / `verifyCode` / \
                `newPassword` (all reported at once), `Invalid verification code.`, `Verification code \
                expired.`, too many attempts; or a server fault.",
                body = ErrorResult),
        )
    )]
    fn forget_update() {}

    // ---- todo ----

    /// The unfinished items
    ///
    /// The caller's unfinished items, ordered by effective date ascending (`nextDate` for
    /// serial items, `date` for one-off ones), items without one last, then by id.
    #[utoipa::path(
        get, path = "/fo/rest/todo/items", tag = "todo", operation_id = "listItems",
        security(("bearer" = [])),
        responses(
            (status = 200, description = "The items (possibly none).", body = [ToDoItem]),
            (status = 460, description = "`INVALID_INPUT`: `clientCurrentDateTime` missing or malformed; \
                or a server fault.", body = ErrorResult),
        )
    )]
    fn list_items() {}

    /// Create an item
    ///
    /// At most 10000 unfinished items per user.
    #[utoipa::path(
        post, path = "/fo/rest/todo/items", tag = "todo", operation_id = "createItem",
        security(("bearer" = [])),
        request_body(description = "The item.", content((ToDoItemRequest = "application/json"))),
        responses(
            (status = 200, description = "The new item.", body = ToDoItem),
            (status = 460, description = "`INVALID_INPUT`: no body, field errors, too many unfinished items \
                (`task`), malformed `clientCurrentDateTime`; or a server fault.", body = ErrorResult),
        )
    )]
    fn create_item() {}

    /// One unfinished item
    #[utoipa::path(
        get, path = "/fo/rest/todo/items/{itemId}", tag = "todo", operation_id = "getItem",
        security(("bearer" = [])),
        params(("itemId" = i64, Path, description = "The item's id. Not an int64: 404.")),
        responses(
            (status = 200, description = "The item.", body = ToDoItem),
            (status = 404, description = "`itemId` is not an int64.", body = ErrorResult),
            (status = 460, description = "`NO_RECORD`: no such unfinished item of the caller; \
                `INVALID_INPUT`: malformed `clientCurrentDateTime`; or a server fault.", body = ErrorResult),
        )
    )]
    fn get_item() {}

    /// Update an item
    ///
    /// Replaces every field of one of the caller's unfinished items.
    #[utoipa::path(
        post, path = "/fo/rest/todo/items/{itemId}", tag = "todo", operation_id = "updateItem",
        security(("bearer" = [])),
        params(("itemId" = i64, Path, description = "The item's id. Not an int64: 404.")),
        request_body(description = "The item's new fields.", content((ToDoItemRequest = "application/json"))),
        responses(
            (status = 200, description = "The updated item.", body = ToDoItem),
            (status = 404, description = "`itemId` is not an int64.", body = ErrorResult),
            (status = 460, description = "`INVALID_INPUT`: no body, field errors, malformed \
                `clientCurrentDateTime`; `NO_RECORD`: no such unfinished item of the caller; or a \
                server fault.", body = ErrorResult),
        )
    )]
    fn update_item() {}

    /// Finish an item
    ///
    /// A one-off item becomes finished (and disappears from the list). For a serial item
    /// the occurrence on its `nextDate` is marked done and the series moves on to the next
    /// occurrence; a series with no occurrence left is finished.
    #[utoipa::path(
        post, path = "/fo/rest/todo/items/{itemId}/finish", tag = "todo", operation_id = "finishItem",
        security(("bearer" = [])),
        params(("itemId" = i64, Path, description = "The item's id. Not an int64: 404.")),
        responses(
            (status = 200, description = "Done.", body = Empty),
            (status = 404, description = "`itemId` is not an int64.", body = ErrorResult),
            (status = 460, description = "`NO_RECORD`: no such unfinished item of the caller; \
                `INVALID_INPUT`: malformed `clientCurrentDateTime`; or a server fault.", body = ErrorResult),
        )
    )]
    fn finish_item() {}
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::{BTreeMap, BTreeSet};

    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use serde_json::Value;

    use super::super::errors::{error_result, ClError};
    use super::*;

    fn components() -> Value {
        serde_json::to_value(document()).unwrap()["components"]["schemas"].clone()
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    fn required(schema: &Value) -> BTreeSet<String> {
        schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect()
    }

    async fn body_of(err: ClError) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = err.into_response();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, body)
    }

    #[test]
    fn error_result_documents_every_key_the_handlers_write() {
        let schemas = components();
        let documented = &schemas["ErrorResult"];
        let mut fields = BTreeMap::new();
        fields.insert("email".to_owned(), "Please input email.".to_owned());
        for body in [
            error_result("INVALID_INPUT", None, Some("x"), &BTreeMap::new()),
            error_result("invalid_request", Some("y"), None, &fields),
        ] {
            assert_eq!(keys(&body), keys(&documented["properties"]));
            assert_eq!(keys(&body), required(documented));
        }
    }

    #[tokio::test]
    async fn oauth_error_and_guard_answers_match_the_document() {
        let schemas = components();
        let (status, _, body) = body_of(ClError::oauth("invalid_request", "x")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(keys(&body), keys(&schemas["OAuthError"]["properties"]));
        assert_eq!(keys(&body), required(&schemas["OAuthError"]));

        let (status, headers, body) = body_of(ClError::guard(
            "http://h/fo/rest/",
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            None,
        ))
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body.is_empty());
        assert!(headers.get(header::CONTENT_TYPE).is_none());
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            "Bearer realm=\"http://h/fo/rest/\",error=\"invalid_token\""
        );

        let (status, _, body) = body_of(ClError::not_found()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(keys(&body), keys(&schemas["ErrorResult"]["properties"]));
    }
}
