//! Module `user`: the signed-in account (profile, address, password, sessions, deletion,
//! two-factor switch, code resend). Uploads are in `files`.

use serde_json::{json, Value};
use tessera_core::domain::{Password, User, UserStatus};
use tessera_core::error::CoreError;
use time::OffsetDateTime;

use super::caller::Caller;
use super::envelope::Call;
use super::{code_of, codes, Out};

/// Unix seconds, 0 for "never" (the document's convention).
pub fn secs(t: Option<OffsetDateTime>) -> i64 {
    t.map_or(0, OffsetDateTime::unix_timestamp)
}

/// Whether the account is complete: its address is confirmed, or confirmation is not
/// required.
pub async fn completed(call: &Call, user: &User) -> Result<bool, &'static str> {
    if user.email_verified_at.is_some() {
        return Ok(true);
    }
    match call.st.core.email_confirmation_required().await {
        Ok(required) => Ok(!required),
        Err(e) => Err(code_of(&e, codes::INTERNAL)),
    }
}

/// The account fields every listing shares; `admin_key` is `admin` in profiles and
/// `is_admin` in `show-users`, as the document has it.
pub fn account_fields(
    user: &User,
    completed: bool,
    admin_key: &str,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("uid".into(), json!(user.id.to_simple()));
    m.insert(
        "username".into(),
        json!(user.username.clone().unwrap_or_default()),
    );
    m.insert("email".into(), json!(user.email.as_str()));
    m.insert(admin_key.into(), json!(user.is_admin));
    m.insert("deleted".into(), json!(user.deleted_at.is_some()));
    m.insert("mailsent".into(), json!(secs(user.confirmation_sent_at)));
    m.insert("mailconfirmed".into(), json!(secs(user.email_verified_at)));
    m.insert("completed".into(), json!(completed));
    m.insert("restricted".into(), json!(user.restricted));
    m.insert("status".into(), json!(user.status == UserStatus::Active));
    m.insert("created_at".into(), json!(user.created_at.unix_timestamp()));
    m.insert("updated_at".into(), json!(user.updated_at.unix_timestamp()));
    m.insert("logged_at".into(), json!(secs(user.last_login_at)));
    m
}

/// The two-factor setting as the document's config row (PascalCase keys).
pub fn two_factor_row(user: &User) -> Value {
    json!({
        "UID": user.id.to_simple(),
        "ConfigName": "Authentication Two Factor",
        "ConfigGroup": "security",
        "ConfigKey": "auth_two_factor",
        "CurrentValue": if user.email_otp { "1" } else { "0" },
        "DefaultValue": "0",
        "Status": true,
        "CreatedAt": user.created_at.unix_timestamp(),
        "UpdatedAt": user.updated_at.unix_timestamp(),
    })
}

/// `user/profile`.
pub async fn profile(call: &Call) -> Out {
    let (_, user) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    match completed(call, user).await {
        Ok(c) => Out::data(Value::Object(account_fields(user, c, "admin"))),
        Err(code) => Out::error(code),
    }
}

/// `user/change-email {email}`: the new address needs confirming when confirmation is on.
pub async fn change_email(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    let email = match call.args.str("email") {
        Ok(e) => e,
        Err(code) => return Out::error(code),
    };
    let link = call.link_base("reg", "confirm-email");
    let ttl = call.st.config.ugene.confirm_link_ttl_secs;
    match call
        .st
        .core
        .change_email(auth, &email, &link, ttl, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::EMAIL_CHANGED),
        Err(CoreError::EmailTaken) => Out::error(codes::EXISTS),
        Err(e) => Out::failed(&e, codes::BAD_INPUT),
    }
}

/// `user/change-pwd {current-pwd, new-pwd}`: the other sessions end.
pub async fn change_pwd(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    let (Ok(current), Ok(new)) = (call.args.str("current-pwd"), call.args.str("new-pwd")) else {
        return Out::error(codes::CHANGE_PASSWORD_FAILED);
    };
    let new = Password::new(new);
    if tessera_core::services::check_password_classes(&new).is_err() {
        return Out::error(codes::CHANGE_PASSWORD_FAILED);
    }
    match call
        .st
        .core
        .change_password(auth, &Password::new(current), &new, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::PASSWORD_CHANGED),
        Err(e) => Out::failed(&e, codes::CHANGE_PASSWORD_FAILED),
    }
}

/// `user/logout[?refresh-token=]`: this session, or with `refresh-token` every session of
/// the account. The answer echoes the session that was just ended.
pub async fn logout(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code).with_session(json!({})),
    };
    let everywhere =
        matches!(call.args.opt_str("refresh-token"), Ok(Some(t)) if !t.trim().is_empty());
    let core = &call.st.core;
    let result = if everywhere {
        core.sign_out_everywhere(auth, &call.ctx())
            .await
            .map(|_| ())
    } else {
        core.sign_out(auth, &call.ctx()).await
    };
    match result {
        Ok(()) => Out::message(codes::LOGGED_OUT),
        Err(e) => Out::failed(&e, codes::TOKEN_WRONG),
    }
}

/// `user/delete-account`: the account and its data are erased and every session ends.
pub async fn delete_account(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    match call.st.core.erase_own_account(auth, &call.ctx()).await {
        Ok(()) => Out::message(codes::ACCOUNT_DELETED),
        Err(e) => Out::failed(&e, codes::TOKEN_WRONG),
    }
}

/// `user/switch-2fa`: turns the e-mailed second factor on or off; answers the setting row.
pub async fn switch_2fa(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    match call.st.core.toggle_email_otp(auth, &call.ctx()).await {
        Ok(user) => Out::data(two_factor_row(&user)),
        Err(e) => Out::failed(&e, codes::TOKEN_WRONG),
    }
}

/// `user/resend-otp`: only for a sign-in waiting for its code (a pending token); with a
/// full session there is nothing to resend.
pub async fn resend_otp(call: &Call) -> Out {
    match &call.caller {
        Caller::Pending { token, .. } => {
            match call.st.core.resend_email_otp(token, &call.ctx()).await {
                Ok(()) => Out::message(codes::OTP_SENT),
                Err(e) => Out::failed(&e, codes::FUNCTION_FAILED),
            }
        }
        Caller::Signed { .. } => Out::error(codes::FUNCTION_FAILED),
        Caller::Anonymous | Caller::Invalid => Out::error(codes::TOKEN_WRONG),
    }
}
