//! The RPC envelope: `POST /api` with `{module, param, args, language, timestamp}`, and
//! the same functions as `GET /api/{module}/{param}/{lang}?…`. Both reach one dispatcher,
//! so a function answers the same whichever way it is called.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};
use tessera_core::domain::RequestContext;

use super::args::Args;
use super::caller::Caller;
use super::{admin, codes, gdpr, language, reg_auth, render, user, Out, DIALECT};
use crate::body::{Body, BodyError, Fields};
use crate::client::Client;
use crate::AppState;

/// The modules of the document.
pub const MODULES: [&str; 6] = ["reg", "auth", "user", "admin", "gdpr", "general"];

/// One function call, with everything a function needs.
pub struct Call {
    /// Shared state.
    pub st: AppState,
    /// Who, from where.
    pub client: Client,
    /// The answer's language.
    pub lang: String,
    /// The caller's identity.
    pub caller: Caller,
    /// The arguments.
    pub args: Args,
    /// Server time (unix seconds), the answer's `timestamp`.
    pub now: i64,
}

impl Call {
    /// The core's request context.
    pub fn ctx(&self) -> RequestContext {
        self.client.context(DIALECT)
    }

    /// Base of links mailed by this call, e.g. `https://host/api/reg/confirm-email/en?hash=`.
    pub fn link_base(&self, module: &str, param: &str) -> String {
        format!(
            "{}/api/{module}/{param}/{}?hash=",
            self.st.config.public_url.trim_end_matches('/'),
            self.lang
        )
    }
}

/// Runs a call and renders its answer with the caller's session.
pub async fn run(
    st: AppState,
    client: Client,
    headers: &HeaderMap,
    module: &str,
    param: &str,
    lang: String,
    args: Args,
) -> Response {
    let now = st.core.now().unix_timestamp();
    let session_secs = st.config.ugene.session_secs;
    let caller = match Caller::resolve(&st.core, headers).await {
        Ok(c) => c,
        Err(e) => {
            let code = super::code_of(&e, codes::INTERNAL);
            return render(Out::error(code), &lang, Value::Object(Map::new()), now);
        }
    };
    let session = caller.session(now, session_secs);
    let call = Call {
        st,
        client,
        lang,
        caller,
        args,
        now,
    };
    let out = dispatch(module, param, &call).await;
    render(out, &call.lang, session, now)
}

async fn dispatch(module: &str, param: &str, call: &Call) -> Out {
    match (module, param) {
        ("reg", "signup") => reg_auth::signup(call).await,
        ("reg", "resend-confirm") => reg_auth::resend_confirm(call).await,
        ("reg", "confirm-email") => reg_auth::confirm_email(call).await,
        ("auth", "signin") => reg_auth::signin(call).await,
        ("auth", "refresh-session") => reg_auth::refresh_session(call).await,
        ("auth", "restore-pwd") => reg_auth::restore_pwd(call).await,
        ("auth", "verify-pwd") => reg_auth::verify_pwd(call).await,
        ("user", "profile") => user::profile(call).await,
        ("user", "change-email") => user::change_email(call).await,
        ("user", "change-pwd") => user::change_pwd(call).await,
        ("user", "logout") => user::logout(call).await,
        ("user", "delete-account") => user::delete_account(call).await,
        ("user", "switch-2fa") => user::switch_2fa(call).await,
        ("user", "resend-otp") => user::resend_otp(call).await,
        // Uploads are multipart `PUT /api` only.
        ("user", "upload-avatar" | "upload-file") => Out::error(codes::BAD_UPLOAD),
        ("admin", "show-users") => admin::show_users(call).await,
        ("admin", "users-info") => admin::users_info(call).await,
        ("admin", "add-user") => admin::add_user(call).await,
        ("admin", "change-user-status") => admin::change_user_status(call).await,
        ("admin", "change-admin") => admin::change_admin(call).await,
        ("admin", "change-registration") => admin::change_registration(call).await,
        ("admin", "switch-confirm-email") => admin::switch_confirm_email(call).await,
        ("admin", "create-role") => admin::create_role(call).await,
        ("admin", "modify-role") => admin::modify_role(call).await,
        ("admin", "delete-role") => admin::delete_role(call).await,
        ("admin", "assign-role") => admin::assign_role(call, true).await,
        ("admin", "unassign-role") => admin::assign_role(call, false).await,
        ("admin", "show-roles") => admin::show_roles(call).await,
        ("admin", "show-audit") => admin::show_audit(call).await,
        ("admin", "show-permissions") => admin::show_permissions(call).await,
        ("admin", "show-module") => admin::show_module(call).await,
        ("general", "status") => gdpr::status(call).await,
        ("gdpr", "restrict") => gdpr::restrict(call).await,
        ("gdpr", "export-data") => gdpr::export_data(call).await,
        ("gdpr", "show-data") => gdpr::show_data(call).await,
        ("gdpr", "forget-me") => gdpr::forget_me(call).await,
        (m, _) if MODULES.contains(&m) => Out::error(codes::UNKNOWN_PARAM),
        _ => Out::error(codes::UNKNOWN_MODULE),
    }
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// `POST /api`.
pub async fn post(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let default_lang = st.config.ugene.default_language.clone();
    let now = st.core.now().unix_timestamp();
    let empty = || Value::Object(Map::new());
    let fields = match body.0 {
        Ok(f) => f,
        Err(BodyError::TooLarge) => {
            return render(
                Out::error(codes::BODY_TOO_LARGE),
                &default_lang,
                empty(),
                now,
            )
        }
        Err(_) => return render(Out::error(codes::BAD_INPUT), &default_lang, empty(), now),
    };
    let lang = language(text(fields.value("language")), &default_lang);
    let (Some(module), Some(param)) = (text(fields.value("module")), text(fields.value("param")))
    else {
        return render(Out::error(codes::BAD_INPUT), &lang, empty(), now);
    };
    let args = match fields.value("args") {
        None | Some(Value::Null) => Args::default(),
        Some(Value::Object(m)) => Args::new(m.clone()),
        Some(_) => return render(Out::error(codes::BAD_INPUT), &lang, empty(), now),
    };
    let (module, param) = (module.to_owned(), param.to_owned());
    run(st, client, &headers, &module, &param, lang, args).await
}

/// `GET /api/{module}/{param}/{lang}`.
pub async fn get_with_lang(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Path((module, param, lang)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = language(Some(&lang), &st.config.ugene.default_language);
    let args = Args::new(Fields::from_query(query.as_deref()).into_map());
    run(st, client, &headers, &module, &param, lang, args).await
}

/// `GET /api/{module}/{param}` (no language segment: the default language).
pub async fn get_default_lang(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Path((module, param)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = st.config.ugene.default_language.clone();
    let args = Args::new(Fields::from_query(query.as_deref()).into_map());
    run(st, client, &headers, &module, &param, lang, args).await
}
