//! The OpenAPI 3.1 description of the Ugene dialect, built with utoipa from
//! documentation-only schemas ([`model`]) and operations (`ops`) that mirror the routes of
//! `mod.rs`, the envelope written by [`render`](super::render), the dispatcher of
//! `envelope.rs`, the argument reads of `args.rs` and the answers of each module's
//! functions. Nothing here is used to serve requests: when a handler changes what it reads
//! or sends, change [`FUNCTIONS`] or the matching schema here.
//! `crates/api/openapi/ugene.json` is a snapshot of [`document`]; a test in `crate::docs`
//! fails when the two drift.
//!
//! The code table (the info description) and the `ErrorCode` / `MessageCode` enums are
//! generated from [`codes::CATALOGUE`], and the request body of `POST /api` (one schema per
//! function) from [`FUNCTIONS`], so the document cannot list a code or a function the
//! dialect does not have.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder,
    Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::codes;
use super::envelope::MODULES;

/// Name of the token security scheme.
pub const TOKEN_SCHEME: &str = "token";

/// The token header as the document spells it (matched case-insensitively).
pub const TOKEN_HEADER_NAME: &str = "X-Authorization-Token";

/// The Ugene dialect's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    UgeneApi::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera — Ugene API",
        description = "Replaced by `Extras` with the generated text.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::call,
        ops::upload,
        ops::call_by_get,
        ops::call_by_get_default_language,
        ops::download,
        ops::avatar_of,
        ops::own_avatar,
    ),
    modifiers(&Extras),
    tags(
        (name = "api", description = "The module/param functions: `POST /api`, and the read-style ones also as `GET`."),
        (name = "files", description = "Uploads (`PUT /api`), downloads and avatars."),
    )
)]
struct UgeneApi;

// ---- the functions ----

/// The documented type of an argument. The handlers also take numbers and booleans
/// written as strings (`"1"`, `"true"`); the document gives the type a client should send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// A string of at most 4096 characters; a required one must not be blank.
    Str,
    /// `true`/`false` (also `1`/`0`).
    Bool,
    /// An integer.
    Int,
    /// An array of at most 64 integers.
    IntList,
    /// One of these strings.
    Choice(&'static [&'static str]),
}

/// One argument of a function.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Its name in `args` (or in the query string of a `GET` call).
    pub name: &'static str,
    /// Its type.
    pub ty: ArgType,
    /// Whether the function refuses a call without it.
    pub required: bool,
    /// What it is.
    pub description: &'static str,
}

/// One module/param function of the dispatcher (`envelope.rs`).
#[derive(Debug, Clone, Copy)]
pub struct Function {
    /// `module`.
    pub module: &'static str,
    /// `param`.
    pub param: &'static str,
    /// Whether the document shows it as `GET /api/{module}/{param}/{lang}`.
    pub get: bool,
    /// What it does and answers.
    pub description: &'static str,
    /// Its arguments.
    pub args: &'static [Arg],
}

const fn arg(name: &'static str, ty: ArgType, required: bool, description: &'static str) -> Arg {
    Arg {
        name,
        ty,
        required,
        description,
    }
}

const fn function(
    module: &'static str,
    param: &'static str,
    get: bool,
    description: &'static str,
    args: &'static [Arg],
) -> Function {
    Function {
        module,
        param,
        get,
        description,
        args,
    }
}

use ArgType::{Bool, Choice, Int, IntList, Str};

const NEW_ACCOUNT: [Arg; 3] = [
    arg("uname", Str, true, "Username (unique)."),
    arg(
        "pass",
        Str,
        true,
        "Password: with a digit, a lowercase and an uppercase letter, and within the server's \
         password policy (else `001401`).",
    ),
    arg("email", Str, true, "E-mail address (unique)."),
];

const LISTING: &[Arg] = &[
    arg(
        "sort",
        Choice(&["asc", "desc"]),
        false,
        "By creation time, `asc` (default) or `desc` (any case).",
    ),
    arg(
        "filter",
        Str,
        false,
        "Only accounts whose e-mail or username starts with this (case-insensitive; at most \
         254 characters).",
    ),
    arg(
        "pagesize",
        Int,
        false,
        "Rows per page, 1 to 100 (default 10; 0 too).",
    ),
    arg(
        "pageno",
        Int,
        false,
        "Page number, 1 to 1000000 (default 1).",
    ),
];

const ROLE_FIELDS: [Arg; 3] = [
    arg("name", Str, true, "Role name (unique, case-insensitively)."),
    arg(
        "permissions",
        IntList,
        false,
        "Permission ids (`admin/show-permissions`); the set is replaced.",
    ),
    arg(
        "status",
        Bool,
        false,
        "Whether the role is enabled (default `true`).",
    ),
];

const ROLE_ASSIGNMENT: &[Arg] = &[
    arg("uid", Str, true, "The account's `uid`."),
    arg("role_id", Int, true, "The role's `id`."),
];

const HASH: &[Arg] = &[arg("hash", Str, true, "The hash of the mailed link.")];

/// Every function `POST /api` dispatches (`envelope.rs`), in its order, but the two
/// uploads, which are `PUT /api` only.
pub const FUNCTIONS: &[Function] = &[
    function(
        "reg",
        "signup",
        false,
        "Register an account; when e-mail confirmation is on, a link to `reg/confirm-email` is \
         mailed. Answers `message` `100100`.",
        &NEW_ACCOUNT,
    ),
    function(
        "reg",
        "resend-confirm",
        false,
        "Mail the confirmation link again. Answers `message` `100007` whether or not a mail was \
         due.",
        &[arg("email", Str, true, "The account's e-mail address.")],
    ),
    function(
        "reg",
        "confirm-email",
        true,
        "Confirm an address with the mailed link. Answers `message` `100006`.",
        HASH,
    ),
    function(
        "auth",
        "signin",
        false,
        "Sign in. Answers `{token, refresh_token}` and the new `session`. With two-factor on and \
         no `otp`, a code is mailed and the answer is `{token, message: \"100104\"}` with a \
         pending token (session `completed` 0), good only for `user/resend-otp`.",
        &[
            arg("uname", Str, true, "Username or e-mail address."),
            arg("pass", Str, true, "Password."),
            arg(
                "otp",
                Str,
                false,
                "The mailed sign-in code, when two-factor is on.",
            ),
        ],
    ),
    function(
        "auth",
        "refresh-session",
        false,
        "Trade a refresh token for a new access token. Answers `{access-token, refresh_token}` \
         (the refresh token is rotated) and the new `session`.",
        &[arg(
            "refresh-token",
            Str,
            true,
            "The refresh token of the sign-in.",
        )],
    ),
    function(
        "auth",
        "restore-pwd",
        false,
        "Mail a single-use link to `auth/verify-pwd`. Answers `message` `100003` (also for an \
         unknown name, unless the server reveals it with `001404`).",
        &[arg("uname", Str, true, "Username or e-mail address.")],
    ),
    function(
        "auth",
        "verify-pwd",
        true,
        "Follow the mailed restore link: a new password is generated and mailed, and every \
         session ends. Answers `message` `100005`.",
        HASH,
    ),
    function(
        "user",
        "profile",
        true,
        "The signed-in account: `data` is an `Account`.",
        &[],
    ),
    function(
        "user",
        "change-email",
        false,
        "Change the address (to be confirmed again when confirmation is on). Answers `message` \
         `100008`.",
        &[arg("email", Str, true, "The new address.")],
    ),
    function(
        "user",
        "change-pwd",
        false,
        "Change the password; the other sessions end. Answers `message` `100009`.",
        &[
            arg("current-pwd", Str, true, "The current password."),
            arg(
                "new-pwd",
                Str,
                true,
                "The new password (the rule of `reg/signup`).",
            ),
        ],
    ),
    function(
        "user",
        "logout",
        true,
        "End this session or, with `refresh-token`, every session of the account. Answers \
         `message` `100011`.",
        &[arg(
            "refresh-token",
            Str,
            false,
            "Any non-blank value: sign out everywhere.",
        )],
    ),
    function(
        "user",
        "delete-account",
        true,
        "Erase the account and its data; every session ends. Answers `message` `100010`.",
        &[],
    ),
    function(
        "user",
        "switch-2fa",
        true,
        "Turn the e-mailed sign-in code on or off: `data` is the new `TwoFactorSetting`.",
        &[],
    ),
    function(
        "user",
        "resend-otp",
        true,
        "With a pending sign-in token: mail a new sign-in code. Answers `message` `100104`.",
        &[],
    ),
    function(
        "admin",
        "show-users",
        false,
        "A page of accounts: `data` is an array of `AccountRow`.",
        LISTING,
    ),
    function(
        "admin",
        "users-info",
        false,
        "A page of accounts with their settings and roles: `data` is an array of \
         `AccountInfo`.",
        LISTING,
    ),
    function(
        "admin",
        "add-user",
        false,
        "Create an account. Answers `message` `100100`.",
        &[
            NEW_ACCOUNT[0],
            NEW_ACCOUNT[1],
            NEW_ACCOUNT[2],
            arg(
                "status",
                Bool,
                false,
                "`false` creates it blocked (default `true`).",
            ),
        ],
    ),
    function(
        "admin",
        "change-user-status",
        false,
        "Block (`false`) or unblock an account; blocking ends its sessions. Answers `message` \
         `100100`.",
        &[
            arg("uid", Str, true, "The account's `uid`."),
            arg("status", Bool, true, "`true` active, `false` blocked."),
        ],
    ),
    function(
        "admin",
        "change-admin",
        false,
        "Grant or revoke the administrator flag. Answers `message` `100015`.",
        &[
            arg("uid", Str, true, "The account's `uid`."),
            arg("is_admin", Bool, true, "The new flag."),
        ],
    ),
    function(
        "admin",
        "change-registration",
        false,
        "Open or close registration (for every dialect). Answers `message` `100016`.",
        &[arg("status", Bool, true, "`true` open, `false` closed.")],
    ),
    function(
        "admin",
        "switch-confirm-email",
        false,
        "Require e-mail confirmation or not. Answers `message` `100016`.",
        &[arg("status", Bool, true, "`true` required.")],
    ),
    function(
        "admin",
        "create-role",
        false,
        "Create a role. Answers `{message: \"100018\", id}`.",
        &ROLE_FIELDS,
    ),
    function(
        "admin",
        "modify-role",
        false,
        "Replace a role's name, permissions and status (`message` `100018`). With `id` alone it \
         deletes the role, as `delete-role` (`message` `100021`).",
        &[
            arg("id", Int, true, "The role's `id`."),
            arg(
                "name",
                Str,
                false,
                "Role name (unique, case-insensitively); required unless `id` comes alone.",
            ),
            ROLE_FIELDS[1],
            ROLE_FIELDS[2],
        ],
    ),
    function(
        "admin",
        "delete-role",
        false,
        "Delete a role. Answers `message` `100021`.",
        &[arg("id", Int, true, "The role's `id`.")],
    ),
    function(
        "admin",
        "assign-role",
        false,
        "Give an account a role (Tessera's). Answers `message` `100022`.",
        ROLE_ASSIGNMENT,
    ),
    function(
        "admin",
        "unassign-role",
        false,
        "Take a role from an account (Tessera's). Answers `message` `100023`.",
        ROLE_ASSIGNMENT,
    ),
    function(
        "admin",
        "show-roles",
        false,
        "Every role (Tessera's): `data` is an array of `Role`.",
        &[],
    ),
    function(
        "admin",
        "show-audit",
        false,
        "The audit trail, newest first (Tessera's): `data` is an array of `AuditEvent`.",
        &[
            arg(
                "uid",
                Str,
                false,
                "Only events by or about this account (not a valid `uid`: `001415`).",
            ),
            arg(
                "limit",
                Int,
                false,
                "At most this many events, 1 to 1000 (default 100; clamped).",
            ),
        ],
    ),
    function(
        "admin",
        "show-permissions",
        false,
        "The permission catalogue (Tessera's), for any signed-in account: `data` is an array \
         of `Permission`.",
        &[],
    ),
    function(
        "admin",
        "show-module",
        false,
        "Describe a module: `data` is a `ModuleInfo`; an unknown module is `002000`.",
        &[arg("module", Choice(&MODULES), true, "The module.")],
    ),
    function(
        "general",
        "status",
        true,
        "The public settings, no token needed: `data` is a `ServerStatus`.",
        &[],
    ),
    function(
        "gdpr",
        "restrict",
        true,
        "Restrict processing of the account's data (only sign-in, export and erasure stay \
         open). Answers `message` `100019`.",
        &[],
    ),
    function(
        "gdpr",
        "export-data",
        true,
        "Mail everything held on the account as JSON. Answers `message` `100020`.",
        &[],
    ),
    function(
        "gdpr",
        "show-data",
        true,
        "Everything held on the account: `data` is a `PersonalData`.",
        &[],
    ),
    function(
        "gdpr",
        "forget-me",
        true,
        "Erase the account's personal data and files and end every session; only the \
         pseudonymised audit trail stays. Answers `message` `100020`.",
        &[],
    ),
];

/// The component name of a function's request schema, e.g. `UserSwitch2faCall`.
pub fn call_schema_name(f: &Function) -> String {
    let mut name = String::new();
    for word in f.module.split('-').chain(f.param.split('-')) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name.push_str("Call");
    name
}

/// Codes sent as `answer.message` (the `1xxxxx` codes).
pub fn message_codes() -> impl Iterator<Item = &'static str> {
    codes::CATALOGUE
        .iter()
        .map(|(code, _, _)| *code)
        .filter(|c| c.starts_with('1'))
}

/// Codes sent as `error` (every other code).
pub fn error_codes() -> impl Iterator<Item = &'static str> {
    codes::CATALOGUE
        .iter()
        .map(|(code, _, _)| *code)
        .filter(|c| !c.starts_with('1'))
}

/// The info description: the protocol in short, then the code table.
fn description() -> String {
    let mut text = String::from(
        "The Ugene account API (module/param RPC) as served by Tessera.\n\n\
**Calls.** Every function is `POST /api` with `{module, param, args, language, timestamp}`; \
the read-style ones are also `GET /api/{module}/{param}/{lang}` (or without `{lang}`: the \
default language) with their arguments in the query string. Uploads are a multipart \
`PUT /api`. `timestamp` is ignored. Numbers and booleans in `args` may also be sent as \
strings (`\"1\"`, `\"true\"`), booleans also as `1`/`0`; a string argument longer than 4096 \
characters, or a wrong shape, is `001400`. Unknown `args` keys are ignored.\n\n\
**Answers.** Every answer is **HTTP 200** `application/json` with the `Envelope` \
`{success, answer|error, timestamp, language, session}`: `success` 1 with `answer` (`{message}` \
for actions, `{data}` for queries), or 0 with `error`, a code of the table below. Only a \
server fault is HTTP 500, with the same envelope and `error` `002005` (the cause is in the \
server log). `timestamp` is the server's unix time; `language` echoes the request's \
(`language` of the body or upload form, the `{lang}` segment, else the default) when it \
is 1 to 16 letters, digits, `-` or `_`. `session` is `{}` without a valid token, else \
`{completed, is_admin, session_exp, uid}`; `session_exp` slides with every call. Downloads \
and avatars answer the raw bytes on success and the envelope otherwise.\n\n\
**Authentication.** `X-Authorization-Token: Bearer <token>` with the `token` of \
`auth/signin` (the `access-token` of `auth/refresh-session`). A pending token (two-factor \
code awaited) opens only `user/resend-otp` (and a new `auth/signin` with the `otp`); every \
other function that needs a token answers `004005`.\n\n\
**Codes.** `1xxxxx` are `answer.message` (`MessageCode`), the others `error` (`ErrorCode`). \
Codes marked (Tessera) are not in the original document.\n\n\
| code | meaning | where |\n| --- | --- | --- |\n",
    );
    for (code, meaning, place) in codes::CATALOGUE {
        text.push_str(&format!(
            "| `{code}` | {} | {} |\n",
            meaning.replace('|', "\\|"),
            place.replace('|', "\\|")
        ));
    }
    text
}

/// Adds the token security scheme, the generated info description and every component,
/// and drops the schema of binary content (`Binary`, a placeholder the operations name):
/// OpenAPI 3.1 describes raw bytes by a media type without a schema.
struct Extras;

impl Modify for Extras {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.description = Some(description());
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                TOKEN_HEADER_NAME,
                "`Bearer <token>` (the scheme word may be left out): the `token` of \
                 `auth/signin` or the `access-token` of `auth/refresh-session`. A missing, \
                 wrong, expired or ended token is answered with an error code, not a 401.",
            ))),
        );
        for (name, schema) in model::components() {
            components.schemas.insert(name, schema);
        }
        components.schemas.remove("Binary");
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.get.as_mut() else {
                continue;
            };
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for (media, content) in response.content.iter_mut() {
                        if media != "application/json" {
                            content.schema = None;
                        }
                    }
                }
            }
        }
    }
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// Documentation-only schemas: the exact shapes the handlers send and accept.
pub mod model {
    use super::*;

    fn string(description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    }

    fn integer(description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(description))
    }

    fn boolean(description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(description))
    }

    fn flag(description: &str) -> ObjectBuilder {
        integer(description).enum_values(Some([0, 1]))
    }

    fn list(items: impl Into<RefOr<Schema>>, description: &str) -> ArrayBuilder {
        ArrayBuilder::new()
            .items(items.into())
            .description(Some(description))
    }

    fn closed(object: ObjectBuilder) -> ObjectBuilder {
        object.additional_properties(Some(AdditionalProperties::FreeForm(false)))
    }

    /// An object with every property required and no others.
    fn record(description: &str, props: Vec<(&str, RefOr<Schema>)>) -> ObjectBuilder {
        let mut o =
            closed(ObjectBuilder::new().schema_type(Type::Object)).description(Some(description));
        for (name, schema) in props {
            o = o.property(name, schema).required(name);
        }
        o
    }

    macro_rules! component {
        ($(#[$m:meta])* $ty:ident => $build:path) => {
            $(#[$m])*
            pub struct $ty;

            impl PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    $build()
                }
            }

            impl ToSchema for $ty {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($ty))
                }
            }
        };
    }

    component! {
        /// Every JSON answer.
        Envelope => envelope
    }
    component! {
        /// The request body of `POST /api`: one schema per function.
        Call => call
    }
    component! {
        /// The form of `PUT /api`.
        UploadForm => upload_form
    }
    component! {
        /// Raw bytes (downloads, avatars): a placeholder for the operations, replaced by no
        /// schema at all, as OpenAPI 3.1 describes binary content.
        Binary => binary
    }

    /// `module` of the `GET` calls.
    pub struct GetModule;

    impl PartialSchema for GetModule {
        fn schema() -> RefOr<Schema> {
            let mut modules: Vec<&str> = Vec::new();
            for f in FUNCTIONS.iter().filter(|f| f.get) {
                if !modules.contains(&f.module) {
                    modules.push(f.module);
                }
            }
            string("The function's module.")
                .enum_values(Some(modules))
                .into()
        }
    }

    impl ToSchema for GetModule {}

    /// `param` of the `GET` calls.
    pub struct GetParam;

    impl PartialSchema for GetParam {
        fn schema() -> RefOr<Schema> {
            let mut params: Vec<&str> = Vec::new();
            for f in FUNCTIONS.iter().filter(|f| f.get) {
                if !params.contains(&f.param) {
                    params.push(f.param);
                }
            }
            string(
                "The function: `reg/confirm-email`, `auth/verify-pwd`, `user/*`, \
                 `general/status`, `gdpr/*` (another pairing answers `002002`).",
            )
            .enum_values(Some(params))
            .into()
        }
    }

    impl ToSchema for GetParam {}

    fn envelope() -> RefOr<Schema> {
        closed(ObjectBuilder::new().schema_type(Type::Object))
            .description(Some(
                "`success` 1 with `answer`, or 0 with `error`; then `timestamp`, `language` \
                 and `session`, in this order.",
            ))
            .property("success", flag("`1` on success, `0` on failure."))
            .required("success")
            .property("answer", schema_ref("Answer"))
            .property("error", schema_ref("ErrorCode"))
            .property("timestamp", integer("The server's unix time (seconds)."))
            .required("timestamp")
            .property(
                "language",
                string("The request's language, else the default (`en`)."),
            )
            .required("language")
            .property("session", schema_ref("Session"))
            .required("session")
            .into()
    }

    fn answer() -> RefOr<Schema> {
        let data = AnyOfBuilder::new()
            .item(schema_ref("Account"))
            .item(list(schema_ref("AccountRow"), "`admin/show-users`."))
            .item(list(schema_ref("AccountInfo"), "`admin/users-info`."))
            .item(schema_ref("TwoFactorSetting"))
            .item(schema_ref("ServerStatus"))
            .item(schema_ref("ModuleInfo"))
            .item(schema_ref("PersonalData"))
            .item(list(schema_ref("Role"), "`admin/show-roles`."))
            .item(list(schema_ref("AuditEvent"), "`admin/show-audit`."))
            .item(list(schema_ref("Permission"), "`admin/show-permissions`."))
            .description(Some("The result of a query function (see its schema)."));
        closed(ObjectBuilder::new().schema_type(Type::Object))
            .description(Some(
                "`{message}` for actions, `{data}` for queries; `auth/signin`, \
                 `auth/refresh-session`, `admin/create-role` and the uploads add the keys \
                 below.",
            ))
            .property("message", schema_ref("MessageCode"))
            .property("data", data)
            .property(
                "token",
                string(
                    "`auth/signin`: the access token, or a pending token when a mailed code \
                     is awaited.",
                ),
            )
            .property(
                "refresh_token",
                string("`auth/signin`, `auth/refresh-session`: the refresh token."),
            )
            .property(
                "access-token",
                string("`auth/refresh-session`: the new access token."),
            )
            .property("id", integer("`admin/create-role`: the new role's id."))
            .property(
                "fileid",
                string("Uploads: the file's id (for `GET /download/file/{id}`)."),
            )
            .into()
    }

    fn session() -> RefOr<Schema> {
        let empty = closed(ObjectBuilder::new().schema_type(Type::Object)).description(Some(
            "No valid token (also after a sign-out or an erasure).",
        ));
        let active = record(
            "A valid token.",
            vec![
                (
                    "completed",
                    flag("`0` while a sign-in waits for its mailed code.").into(),
                ),
                (
                    "is_admin",
                    flag("Whether the account is an administrator.").into(),
                ),
                (
                    "session_exp",
                    integer("When the session ends if unused (unix time).").into(),
                ),
                ("uid", string("The account's id.").into()),
            ],
        );
        OneOfBuilder::new()
            .item(empty)
            .item(active)
            .description(Some("The caller's session."))
            .into()
    }

    fn code_enum(codes: Vec<&'static str>, description: &str) -> RefOr<Schema> {
        string(description).enum_values(Some(codes)).into()
    }

    /// The account fields every listing shares (`user.rs` `account_fields`).
    fn account_props(admin_key: &'static str) -> Vec<(&'static str, RefOr<Schema>)> {
        vec![
            ("uid", string("The account's id.").into()),
            ("username", string("Username (`\"\"` if none).").into()),
            ("email", string("E-mail address.").into()),
            (admin_key, boolean("Administrator.").into()),
            ("deleted", boolean("Deleted.").into()),
            (
                "mailsent",
                integer("When the confirmation mail was sent (unix time, 0: never).").into(),
            ),
            (
                "mailconfirmed",
                integer("When the address was confirmed (unix time, 0: never).").into(),
            ),
            (
                "completed",
                boolean("Address confirmed, or confirmation not required.").into(),
            ),
            (
                "restricted",
                boolean("Processing restricted (`gdpr/restrict`).").into(),
            ),
            ("status", boolean("Active (`false`: blocked).").into()),
            ("created_at", integer("Unix time.").into()),
            ("updated_at", integer("Unix time.").into()),
            (
                "logged_at",
                integer("Last sign-in (unix time, 0: never).").into(),
            ),
        ]
    }

    fn account() -> RefOr<Schema> {
        record("`user/profile`.", account_props("admin")).into()
    }

    fn account_row() -> RefOr<Schema> {
        let mut props = vec![("id", integer("The account's number.").into())];
        props.extend(account_props("is_admin"));
        record(
            "`admin/show-users`; `user-info` of `gdpr/show-data`.",
            props,
        )
        .into()
    }

    fn account_info() -> RefOr<Schema> {
        let mut props = account_props("admin");
        props.push((
            "creator_id",
            string("`uid` of the administrator who created it, or `\"\"`.").into(),
        ));
        props.push((
            "group_id",
            string("Ids of its roles, comma-separated.").into(),
        ));
        props.push((
            "config",
            list(
                schema_ref("TwoFactorSetting"),
                "Its settings (with `user_id`).",
            )
            .into(),
        ));
        props.push(("roles", list(schema_ref("Role"), "Its roles.").into()));
        record("`admin/users-info`.", props).into()
    }

    fn two_factor_setting() -> RefOr<Schema> {
        record(
            "The two-factor setting (`user/switch-2fa`; in `admin/users-info` also `user_id`).",
            vec![
                ("UID", string("The account's id.").into()),
                ("ConfigName", string("`Authentication Two Factor`.").into()),
                ("ConfigGroup", string("`security`.").into()),
                ("ConfigKey", string("`auth_two_factor`.").into()),
                (
                    "CurrentValue",
                    string("`1` on, `0` off.")
                        .enum_values(Some(["0", "1"]))
                        .into(),
                ),
                ("DefaultValue", string("`0`.").into()),
                ("Status", boolean("Always `true`.").into()),
                ("CreatedAt", integer("Unix time.").into()),
                ("UpdatedAt", integer("Unix time.").into()),
            ],
        )
        .property(
            "user_id",
            string("`admin/users-info` only: the account's id."),
        )
        .into()
    }

    fn server_status() -> RefOr<Schema> {
        record(
            "`general/status`.",
            vec![
                (
                    "Config",
                    record(
                        "Registration settings.",
                        vec![
                            (
                                "comfirmation-email",
                                boolean("E-mail confirmation required (the original's spelling).")
                                    .into(),
                            ),
                            ("allow-registration", boolean("Registration open.").into()),
                            (
                                "sendmail-delete-user",
                                boolean("A mail is sent when an account is deleted.").into(),
                            ),
                        ],
                    )
                    .into(),
                ),
                (
                    "App",
                    record(
                        "The server.",
                        vec![
                            ("app-name", string("Application name.").into()),
                            ("default-language", string("Default language.").into()),
                        ],
                    )
                    .into(),
                ),
            ],
        )
        .into()
    }

    fn module_info() -> RefOr<Schema> {
        record(
            "`admin/show-module`.",
            vec![
                ("description", string("`This is a module`.").into()),
                ("language", string("The request's language.").into()),
                ("name", string("E.g. `Module Admin`.").into()),
                ("version", string("Tessera's version.").into()),
            ],
        )
        .into()
    }

    fn role() -> RefOr<Schema> {
        record(
            "A role.",
            vec![
                ("id", integer("Its id.").into()),
                ("name", string("Its name.").into()),
                (
                    "permissions",
                    list(integer("A permission id."), "Permission ids, sorted.").into(),
                ),
                ("status", boolean("Enabled.").into()),
                ("created_at", integer("Unix time.").into()),
                ("updated_at", integer("Unix time.").into()),
            ],
        )
        .into()
    }

    fn nullable_string(description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .description(Some(description))
    }

    fn audit_event() -> RefOr<Schema> {
        record(
            "One audited action.",
            vec![
                ("at", integer("Unix time.").into()),
                (
                    "actor",
                    nullable_string("Who acted (`uid`), `null` if anonymous.").into(),
                ),
                ("action", string("E.g. `login.success`.").into()),
                (
                    "target",
                    nullable_string("The account acted upon (`uid`), if any.").into(),
                ),
                (
                    "ip",
                    nullable_string("The client's address, if known.").into(),
                ),
                ("outcome", string("`ok` or an error code.").into()),
                (
                    "detail",
                    ObjectBuilder::new()
                        .schema_type(SchemaType::AnyValue)
                        .description(Some("Extra facts (any JSON)."))
                        .into(),
                ),
            ],
        )
        .into()
    }

    fn permission() -> RefOr<Schema> {
        record(
            "A permission a role can grant.",
            vec![
                ("id", integer("Its id (stable).").into()),
                ("name", string("Its name, e.g. `show-users`.").into()),
            ],
        )
        .into()
    }

    fn personal_data() -> RefOr<Schema> {
        let config = record(
            "The two-factor setting, kebab-case.",
            vec![
                ("id", integer("`1`.").into()),
                ("uid", string("The account's id.").into()),
                ("config-name", string("`Authentication Two Factor`.").into()),
                ("config-group", string("`security`.").into()),
                ("config-key", string("`auth_two_factor`.").into()),
                (
                    "current-value",
                    string("`1` on, `0` off.")
                        .enum_values(Some(["0", "1"]))
                        .into(),
                ),
                ("default-value", string("`0`.").into()),
                ("status", boolean("Always `true`.").into()),
                ("created_at", integer("Unix time.").into()),
                ("updated_at", integer("Unix time.").into()),
            ],
        );
        record(
            "`gdpr/show-data`.",
            vec![
                (
                    "user-config",
                    list(config, "The account's settings.").into(),
                ),
                (
                    "user-hash",
                    list(
                        ObjectBuilder::new().schema_type(Type::Object),
                        "Always empty: restore links are kept only as keyed hashes.",
                    )
                    .into(),
                ),
                ("user-info", schema_ref("AccountRow")),
                (
                    "export",
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .description(Some("The full record `gdpr/export-data` mails."))
                        .into(),
                ),
            ],
        )
        .into()
    }

    fn arg_schema(a: &Arg) -> RefOr<Schema> {
        match a.ty {
            ArgType::Str => {
                let s = string(a.description).max_length(Some(4096));
                if a.required {
                    s.min_length(Some(1)).into()
                } else {
                    s.into()
                }
            }
            ArgType::Bool => boolean(a.description).into(),
            ArgType::Int => integer(a.description).into(),
            ArgType::IntList => list(integer("An id."), a.description)
                .max_items(Some(64))
                .into(),
            ArgType::Choice(values) => string(a.description)
                .enum_values(Some(values.iter().copied()))
                .into(),
        }
    }

    fn function_schema(f: &Function) -> RefOr<Schema> {
        let mut args = ObjectBuilder::new().schema_type(Type::Object);
        args = if f.args.is_empty() {
            args.description(Some("None (ignored)."))
        } else {
            args.description(Some("The arguments."))
        };
        let mut any_required = false;
        for a in f.args {
            args = args.property(a.name, arg_schema(a));
            if a.required {
                args = args.required(a.name);
                any_required = true;
            }
        }
        let mut call = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some(format!("{}/{}", f.module, f.param)))
            .description(Some(f.description))
            .property(
                "module",
                string("The module.").enum_values(Some([f.module])),
            )
            .required("module")
            .property(
                "param",
                string("The function.").enum_values(Some([f.param])),
            )
            .required("param")
            .property("args", args);
        if any_required {
            call = call.required("args");
        }
        call.property("language", string("The answer's language (default `en`)."))
            .property(
                "timestamp",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
                    .description(Some("The client's time; ignored.")),
            )
            .into()
    }

    fn call() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new().description(Some(
            "`{module, param, args, language, timestamp}`: one schema per function. An unknown \
             module is `002000`, an unknown function of a known module `002002`; the uploads \
             are `PUT /api` only (`003018` here). A body that is not a JSON object, or lacks \
             `module` or `param`, is `001400`.",
        ));
        for f in FUNCTIONS {
            one_of = one_of.item(schema_ref(&call_schema_name(f)));
        }
        one_of.into()
    }

    fn upload_form() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "The file and what to do with it. `param` (or, without it, `type`) picks the \
                 function; another value is `002002`, a `module` other than `user` `002000`.",
            ))
            .property(
                "source",
                string("The file. An avatar must be an image (re-encoded as PNG).")
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
            )
            .required("source")
            .property(
                "type",
                string("`avatar` or `file`.").enum_values(Some(["avatar", "file"])),
            )
            .property("module", string("`user`.").enum_values(Some(["user"])))
            .property(
                "param",
                string("The function.").enum_values(Some(["upload-avatar", "upload-file"])),
            )
            .property("language", string("The answer's language (default `en`)."))
            .into()
    }

    fn binary() -> RefOr<Schema> {
        string("The bytes.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }

    /// Every named schema of the document.
    pub fn components() -> Vec<(String, RefOr<Schema>)> {
        let mut all: Vec<(String, RefOr<Schema>)> = vec![
            ("Envelope".into(), envelope()),
            ("Answer".into(), answer()),
            ("Session".into(), session()),
            (
                "ErrorCode".into(),
                code_enum(
                    error_codes().collect(),
                    "`error`: what went wrong (the table in the description).",
                ),
            ),
            (
                "MessageCode".into(),
                code_enum(
                    message_codes().collect(),
                    "`answer.message`: what was done (the table in the description).",
                ),
            ),
            ("Account".into(), account()),
            ("AccountRow".into(), account_row()),
            ("AccountInfo".into(), account_info()),
            ("TwoFactorSetting".into(), two_factor_setting()),
            ("ServerStatus".into(), server_status()),
            ("ModuleInfo".into(), module_info()),
            ("Role".into(), role()),
            ("Permission".into(), permission()),
            ("AuditEvent".into(), audit_event()),
            ("PersonalData".into(), personal_data()),
            ("Call".into(), call()),
            ("UploadForm".into(), upload_form()),
        ];
        for f in FUNCTIONS {
            all.push((call_schema_name(f), function_schema(f)));
        }
        all
    }
}

/// Documentation-only operations, one per route of `mod.rs`.
#[allow(dead_code)]
mod ops {
    use super::model::*;

    /// Call a function
    ///
    /// Every function of every module; the read-style ones are also `GET`. Without a valid
    /// token, a function that needs one answers `004004`, except `admin/show-users` and
    /// `admin/users-info` (`003012`), `admin/change-admin` and `gdpr/forget-me` (`003014`),
    /// `admin/change-registration` and `admin/switch-confirm-email` (`003007`). The `admin`
    /// functions are for administrators, and for holders of an enabled role that grants
    /// them (else `003003`).
    #[utoipa::path(
        post, path = "/api", tag = "api", operation_id = "call",
        security((), ("token" = [])),
        request_body(description = "The call.", content((Call = "application/json"))),
        responses(
            (status = 200, description = "The envelope: `success` 1 with `answer`, or 0 with `error`.", body = Envelope,
                headers(("Retry-After" = i64, description = "Only with `001408` from a per-IP request limit \
                    (sign-in, registration, mailing, reset, refresh): seconds to wait."))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn call() {}

    /// Upload an avatar or a file
    ///
    /// `user/upload-avatar` replaces the account's avatar; `user/upload-file` stores a file
    /// within the size limit and the account's quota. Answers `{message: "100100",
    /// fileid}`. Without a valid token: `003014`, session `{}`.
    #[utoipa::path(
        put, path = "/api", tag = "files", operation_id = "upload",
        security(("token" = [])),
        request_body(description = "The form.", content((UploadForm = "multipart/form-data"))),
        responses(
            (status = 200, description = "The envelope. Errors: `003014` (no token), `003015` too large, \
                `003016` over quota, `003017` not an image, `003018` malformed form or no `source`, \
                `003010` processing restricted.", body = Envelope),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn upload() {}

    /// Call a read-style function
    ///
    /// The same function as `POST /api` with this `module` and `param`, its arguments
    /// taken from the query string.
    #[utoipa::path(
        get, path = "/api/{module}/{param}/{lang}", tag = "api", operation_id = "callByGet",
        security((), ("token" = [])),
        params(
            ("module" = inline(GetModule), Path, description = "The module."),
            ("param" = inline(GetParam), Path, description = "The function."),
            ("lang" = String, Path, description = "The answer's language: 1 to 16 letters, digits, `-` \
                or `_`; anything else answers in the default language."),
            ("hash" = Option<String>, Query, nullable = false,
                description = "`reg/confirm-email`, `auth/verify-pwd`: the hash of the mailed link."),
            ("refresh-token" = Option<String>, Query, nullable = false,
                description = "`user/logout`: any non-blank value signs out everywhere."),
        ),
        responses(
            (status = 200, description = "The envelope: `success` 1 with `answer`, or 0 with `error`.", body = Envelope,
                headers(("Retry-After" = i64, description = "Only with `001408` from a per-IP request limit \
                    (sign-in, registration, mailing, reset, refresh): seconds to wait."))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn call_by_get() {}

    /// Call a read-style function (default language)
    ///
    /// As `GET /api/{module}/{param}/{lang}`, answering in the default language.
    #[utoipa::path(
        get, path = "/api/{module}/{param}", tag = "api", operation_id = "callByGetDefaultLanguage",
        security((), ("token" = [])),
        params(
            ("module" = inline(GetModule), Path, description = "The module."),
            ("param" = inline(GetParam), Path, description = "The function."),
            ("hash" = Option<String>, Query, nullable = false,
                description = "`reg/confirm-email`, `auth/verify-pwd`: the hash of the mailed link."),
            ("refresh-token" = Option<String>, Query, nullable = false,
                description = "`user/logout`: any non-blank value signs out everywhere."),
        ),
        responses(
            (status = 200, description = "The envelope: `success` 1 with `answer`, or 0 with `error`.", body = Envelope,
                headers(("Retry-After" = i64, description = "Only with `001408` from a per-IP request limit \
                    (sign-in, registration, mailing, reset, refresh): seconds to wait."))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn call_by_get_default_language() {}

    /// Download a file
    ///
    /// For its owner or an administrator. Served as an attachment with the media type
    /// given at upload (`application/octet-stream` if none or malformed); failures are the
    /// envelope: `004004` without a valid token, `003019` for no such file or not yours.
    #[utoipa::path(
        get, path = "/download/file/{id}", tag = "files", operation_id = "downloadFile",
        security(("token" = [])),
        params(("id" = String, Path, description = "The file's id (`fileid` of the upload).")),
        responses(
            (status = 200, description = "The file (`Content-Disposition: attachment`), or the envelope \
                (`application/json`, no `Content-Disposition`) on failure.",
                content((Envelope = "application/json"), (Binary = "*/*")),
                headers(("Content-Disposition" = String, description = "With the file only: \
                    `attachment; filename=\"...\"; filename*=UTF-8''...`."))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn download() {}

    /// An account's avatar
    ///
    /// For any signed-in account. A PNG (avatars are re-encoded); failures are the
    /// envelope: `004004` without a valid token, `003019` for no avatar or a malformed
    /// `uid`.
    #[utoipa::path(
        get, path = "/image/user/avatar/{uid}", tag = "files", operation_id = "avatarOf",
        security(("token" = [])),
        params(("uid" = String, Path, description = "The account's `uid`.")),
        responses(
            (status = 200, description = "The avatar, or the envelope on failure.",
                content((Envelope = "application/json"), (Binary = "image/png"))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn avatar_of() {}

    /// The caller's avatar
    ///
    /// As `GET /image/user/avatar/{uid}` with the caller's own `uid`.
    #[utoipa::path(
        get, path = "/image/user/avatar", tag = "files", operation_id = "ownAvatar",
        security(("token" = [])),
        responses(
            (status = 200, description = "The avatar, or the envelope on failure.",
                content((Envelope = "application/json"), (Binary = "image/png"))),
            (status = 500, description = "Server fault: `error` `002005`.", body = Envelope),
        )
    )]
    fn own_avatar() {}
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use axum::http::{header, StatusCode};
    use axum::response::Response;
    use http_body_util::BodyExt;
    use serde_json::{json, Value};

    use super::super::args::Args;
    use super::super::caller;
    use super::super::{render, Out};
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

    /// Every `("module", "param") =>` arm of the dispatcher, read from its source.
    fn dispatched() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for line in include_str!("envelope.rs").lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("(\"") else {
                continue;
            };
            let Some((module, rest)) = rest.split_once('"') else {
                continue;
            };
            let Some(params) = rest.strip_prefix(", ") else {
                continue;
            };
            let Some((params, _)) = params.split_once(") =>") else {
                continue;
            };
            for p in params.split('|') {
                out.push((module.to_owned(), p.trim().trim_matches('"').to_owned()));
            }
        }
        out
    }

    #[test]
    fn functions_are_the_dispatcher_s() {
        let dispatched = dispatched();
        assert!(dispatched.len() >= 30, "{dispatched:?}");
        let documented: Vec<(String, String)> = FUNCTIONS
            .iter()
            .map(|f| (f.module.to_owned(), f.param.to_owned()))
            .collect();
        let uploads = [
            ("user".to_owned(), "upload-avatar".to_owned()),
            ("user".to_owned(), "upload-file".to_owned()),
        ];
        let expected: Vec<(String, String)> = dispatched
            .into_iter()
            .filter(|d| !uploads.contains(d))
            .collect();
        assert_eq!(
            documented, expected,
            "FUNCTIONS follows the dispatcher's order"
        );
        let names: BTreeSet<String> = FUNCTIONS.iter().map(call_schema_name).collect();
        assert_eq!(names.len(), FUNCTIONS.len());
    }

    #[test]
    fn get_functions_take_only_the_documented_query_parameters() {
        let doc = doc();
        for path in ["/api/{module}/{param}/{lang}", "/api/{module}/{param}"] {
            let query: BTreeSet<String> = doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            for f in FUNCTIONS.iter().filter(|f| f.get) {
                for a in f.args {
                    assert!(query.contains(a.name), "{path}: {}/{}", f.module, f.param);
                }
            }
        }
    }

    #[test]
    fn each_call_schema_pins_its_function_and_args() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let one_of = schemas["Call"]["oneOf"].as_array().unwrap();
        assert_eq!(one_of.len(), FUNCTIONS.len());
        for f in FUNCTIONS {
            let s = &schemas[call_schema_name(f).as_str()];
            assert_eq!(s["properties"]["module"]["enum"], json!([f.module]));
            assert_eq!(s["properties"]["param"]["enum"], json!([f.param]));
            let args = &s["properties"]["args"];
            let names: BTreeSet<String> = f.args.iter().map(|a| a.name.to_owned()).collect();
            let props = args.get("properties").map(keys).unwrap_or_default();
            assert_eq!(props, names, "{}/{}", f.module, f.param);
            let req: BTreeSet<String> = f
                .args
                .iter()
                .filter(|a| a.required)
                .map(|a| a.name.to_owned())
                .collect();
            assert_eq!(required(args), req, "{}/{}", f.module, f.param);
            assert_eq!(
                required(s).contains("args"),
                !req.is_empty(),
                "{}/{}",
                f.module,
                f.param
            );
        }
    }

    #[test]
    fn documented_argument_limits_hold() {
        let args = |v: Value| match v {
            Value::Object(m) => Args::new(m),
            _ => Args::default(),
        };
        assert!(args(json!({"s": "x".repeat(4096)})).str("s").is_ok());
        assert!(args(json!({"s": "x".repeat(4097)})).str("s").is_err());
        assert!(args(json!({"l": vec![1; 64]})).int_list("l").is_ok());
        assert!(args(json!({"l": vec![1; 65]})).int_list("l").is_err());
    }

    #[test]
    fn the_token_header_is_the_one_read() {
        assert!(TOKEN_HEADER_NAME.eq_ignore_ascii_case(caller::TOKEN_HEADER));
    }

    async fn sent(res: Response) -> (StatusCode, String, Value) {
        let status = res.status();
        let media = res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, media, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn rendered_envelopes_match_the_schemas() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let envelope = &schemas["Envelope"];
        let session_shapes = schemas["Session"]["oneOf"].as_array().unwrap();

        let (status, media, body) = sent(render(Out::message(codes::OK), "en", json!({}), 7)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(media, "application/json");
        assert!(keys(&body).is_subset(&keys(&envelope["properties"])));
        assert!(required(envelope).is_subset(&keys(&body)));
        assert_eq!(body["success"], 1);
        assert_eq!(body["timestamp"], 7);
        assert!(keys(&body["answer"]).is_subset(&keys(&schemas["Answer"]["properties"])));
        assert!(keys(&body["session"]).is_empty());
        assert_eq!(session_shapes[0]["additionalProperties"], false);

        let (status, _, body) = sent(render(Out::error(codes::INTERNAL), "vi", json!({}), 7)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"], codes::INTERNAL);
        assert_eq!(body["language"], "vi");
        assert!(keys(&body).is_subset(&keys(&envelope["properties"])));

        // `session_object` (caller.rs) writes exactly the documented keys.
        let active = &session_shapes[1];
        assert_eq!(keys(&active["properties"]), required(active));
        let source = include_str!("caller.rs");
        let body_of = source
            .split("pub fn session_object")
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap();
        let written: BTreeSet<String> = body_of
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .filter_map(|l| l.split_once("\":"))
            .map(|(k, _)| k.to_owned())
            .collect();
        assert_eq!(written, keys(&active["properties"]));
    }

    #[test]
    fn upload_form_fields_are_the_ones_read() {
        let doc = doc();
        let form = &doc["components"]["schemas"]["UploadForm"];
        let expected: BTreeSet<String> = ["source", "type", "module", "param", "language"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(keys(&form["properties"]), expected);
        assert_eq!(form["properties"]["source"]["format"], "binary");
    }
}
