//! Modules `general` (server status) and `gdpr` (restriction, export, access, erasure).

use serde_json::{json, Value};
use tessera_core::config::RegistrationMode;

use super::envelope::Call;
use super::user::{account_fields, completed, two_factor_row};
use super::{codes, Out};

/// `general/status`: the public settings. No token needed.
pub async fn status(call: &Call) -> Out {
    let core = &call.st.core;
    let (mode, confirm) = match (
        core.registration_mode().await,
        core.email_confirmation_required().await,
    ) {
        (Ok(m), Ok(c)) => (m, c),
        (Err(e), _) | (_, Err(e)) => return Out::failed(&e, codes::FUNCTION_FAILED),
    };
    let cfg = &call.st.config.ugene;
    Out::data(json!({
        "Config": {
            "comfirmation-email": confirm,
            "allow-registration": mode == RegistrationMode::Open,
            "sendmail-delete-user": core.config().mail_on_delete,
        },
        "App": {
            "app-name": cfg.app_name,
            "default-language": cfg.default_language,
        },
    }))
}

/// `gdpr/restrict`.
pub async fn restrict(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    match call.st.core.restrict_processing(auth, &call.ctx()).await {
        Ok(()) => Out::message(codes::RESTRICTED),
        Err(e) => Out::failed(&e, codes::FUNCTION_FAILED),
    }
}

/// `gdpr/export-data`: everything held on the account is e-mailed as JSON.
pub async fn export_data(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    match call.st.core.email_personal_data(auth, &call.ctx()).await {
        Ok(()) => Out::message(codes::GDPR_DONE),
        Err(e) => Out::failed(&e, codes::FUNCTION_FAILED),
    }
}

/// `gdpr/show-data`: the document's three sections, plus `export`, the same full record
/// `export-data` mails. `user-hash` is always empty: Tessera keeps restore links only as
/// keyed hashes and never shows them.
pub async fn show_data(call: &Call) -> Out {
    let (auth, user) = match call.caller.signed(codes::TOKEN_WRONG) {
        Ok(s) => s,
        Err(code) => return Out::error(code),
    };
    let core = &call.st.core;
    let export = match core.personal_data(auth).await {
        Ok(v) => v,
        Err(e) => return Out::failed(&e, codes::FUNCTION_FAILED),
    };
    let (number, done) = match (core.user_number(user.id).await, completed(call, user).await) {
        (Ok(n), Ok(c)) => (n, c),
        (Err(e), _) => return Out::failed(&e, codes::FUNCTION_FAILED),
        (_, Err(code)) => return Out::error(code),
    };
    let row = two_factor_row(user);
    let config = json!({
        "id": 1,
        "uid": user.id.to_simple(),
        "config-name": row["ConfigName"],
        "config-group": row["ConfigGroup"],
        "config-key": row["ConfigKey"],
        "current-value": row["CurrentValue"],
        "default-value": row["DefaultValue"],
        "status": true,
        "created_at": row["CreatedAt"],
        "updated_at": row["UpdatedAt"],
    });
    let mut info = serde_json::Map::new();
    info.insert("id".into(), json!(number));
    info.extend(account_fields(user, done, "is_admin"));
    Out::data(json!({
        "user-config": [config],
        "user-hash": Value::Array(Vec::new()),
        "user-info": Value::Object(info),
        "export": export,
    }))
}

/// `gdpr/forget-me`: personal data and files erased, every session ended; only the
/// pseudonymised audit trail stays.
pub async fn forget_me(call: &Call) -> Out {
    let (auth, _) = match call.caller.signed(codes::ACTION_REFUSED) {
        Ok(s) => s,
        Err(code) => return Out::error(code).with_session(json!({})),
    };
    match call.st.core.erase_own_account(auth, &call.ctx()).await {
        Ok(()) => Out::message(codes::GDPR_DONE),
        Err(e) => Out::failed(&e, codes::ACTION_REFUSED),
    }
}
