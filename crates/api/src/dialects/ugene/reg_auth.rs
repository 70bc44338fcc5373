//! Modules `reg` and `auth`: sign-up, confirmation, sign-in (with the e-mailed second
//! factor), session refresh, and password restore.

use serde_json::json;
use tessera_core::domain::Password;
use tessera_core::error::CoreError;
use tessera_core::services::{check_password_classes, CreateUser, PasswordSignIn, SessionOptions};

use super::caller::session_object;
use super::envelope::Call;
use super::{code_of, codes, Out};

/// Sessions of this dialect: `session_secs` of inactivity end them (the sliding
/// `session_exp`), and each sign-in is independent.
fn session_options(call: &Call) -> SessionOptions {
    let cfg = &call.st.core.config().tokens;
    SessionOptions {
        single_per_user: false,
        // The refresh token must outlive the access token by the refresh extra.
        idle_timeout_secs: Some(call.st.config.ugene.session_secs + cfg.refresh_extra_secs),
        lifetime_secs: None,
    }
}

/// The password rule of the document, then the server's policy, as one code.
fn new_password(raw: &str) -> Result<Password, &'static str> {
    let pw = Password::new(raw);
    check_password_classes(&pw).map_err(|_| codes::WEAK_PASSWORD)?;
    Ok(pw)
}

fn creation_error(e: &CoreError) -> &'static str {
    match e {
        CoreError::EmailTaken | CoreError::UsernameTaken => codes::EXISTS,
        CoreError::WeakPassword(_) => codes::WEAK_PASSWORD,
        CoreError::RegistrationClosed
        | CoreError::InviteRequired
        | CoreError::InviteInvalid
        | CoreError::InviteExhausted => codes::REGISTRATION_CLOSED,
        other => code_of(other, codes::BAD_INPUT),
    }
}

/// What `reg/signup` and `admin/add-user` read.
pub fn new_account(call: &Call) -> Result<CreateUser, &'static str> {
    let uname = call.args.str("uname")?;
    let pass = call.args.str("pass")?;
    let email = call.args.str("email")?;
    let password = new_password(&pass)?;
    Ok(CreateUser {
        email,
        password: Some(password),
        name: uname.clone(),
        username: Some(uname),
        is_admin: false,
        email_verified: false,
    })
}

/// Maps an account creation failure (shared with `admin/add-user`).
pub fn creation_code(e: &CoreError) -> &'static str {
    creation_error(e)
}

/// `reg/signup {uname, pass, email}`.
pub async fn signup(call: &Call) -> Out {
    let req = match new_account(call) {
        Ok(r) => r,
        Err(code) => return Out::error(code),
    };
    let link = call.link_base("reg", "confirm-email");
    let ttl = call.st.config.ugene.confirm_link_ttl_secs;
    match call
        .st
        .core
        .register_unconfirmed(req, &link, ttl, &call.ctx())
        .await
    {
        Ok(_) => Out::message(codes::OK),
        Err(e @ CoreError::TooManyRequests(_)) => Out::failed(&e, codes::TOO_OFTEN),
        Err(e) => Out::error(creation_error(&e)),
    }
}

/// `reg/resend-confirm {email}`: answers the same whether or not a mail was due.
pub async fn resend_confirm(call: &Call) -> Out {
    let email = match call.args.str("email") {
        Ok(e) => e,
        Err(code) => return Out::error(code),
    };
    let link = call.link_base("reg", "confirm-email");
    let ttl = call.st.config.ugene.confirm_link_ttl_secs;
    match call
        .st
        .core
        .resend_confirmation(&email, &link, ttl, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::CONFIRMATION_RESENT),
        Err(e) => Out::failed(&e, codes::BAD_INPUT),
    }
}

/// `reg/confirm-email?hash=`.
pub async fn confirm_email(call: &Call) -> Out {
    let hash = match call.args.str("hash") {
        Ok(h) => h,
        Err(code) => return Out::error(code),
    };
    match call.st.core.confirm_email(hash.trim(), &call.ctx()).await {
        Ok(()) => Out::message(codes::EMAIL_CONFIRMED),
        Err(e) => Out::failed(&e, codes::BAD_INPUT),
    }
}

/// `auth/signin {uname, pass, otp?}`: `{token, refresh_token}` and the new session; with
/// two-factor on and no `otp`, a code is mailed and a pending token answered
/// (`completed: 0`), good only for `user/resend-otp`.
pub async fn signin(call: &Call) -> Out {
    let (login, pass) = match (call.args.str("uname"), call.args.str("pass")) {
        (Ok(l), Ok(p)) => (l, p),
        _ => return Out::error(codes::BAD_INPUT),
    };
    let otp = match call.args.opt_str("otp") {
        Ok(o) => o,
        Err(code) => return Out::error(code),
    };
    let core = &call.st.core;
    let outcome = core
        .sign_in_login_name(
            &login,
            &Password::new(pass),
            otp.as_deref(),
            &call.ctx(),
            session_options(call),
        )
        .await;
    let session_secs = call.st.config.ugene.session_secs;
    match outcome {
        Ok(PasswordSignIn::Complete(signed_in)) => {
            let tokens = match core
                .issue_tokens_with_lifespan(&signed_in, session_secs)
                .await
            {
                Ok(t) => t,
                Err(e) => return Out::failed(&e, codes::INTERNAL),
            };
            let token = match core.issue_session_token(signed_in.auth(), session_secs) {
                Ok(t) => t,
                Err(e) => return Out::failed(&e, codes::INTERNAL),
            };
            Out::answer(json!({ "token": token, "refresh_token": tokens.refresh_token }))
                .with_session(session_object(
                    &signed_in.user,
                    true,
                    call.now + session_secs,
                ))
        }
        Ok(PasswordSignIn::OtpSent(pending)) => Out::answer(json!({
            "token": pending.token,
            "message": codes::OTP_SENT,
        }))
        .with_session(session_object(
            &pending.user,
            false,
            pending.expires_at.unix_timestamp(),
        )),
        Err(e @ CoreError::TooManyRequests(_)) => Out::failed(&e, codes::TOO_OFTEN),
        Err(e) => Out::error(match e {
            CoreError::InvalidCredentials => codes::WRONG_CREDENTIALS,
            CoreError::EmailNotConfirmed => codes::EMAIL_NOT_CONFIRMED,
            CoreError::CodeInvalid | CoreError::CodeExpired | CoreError::TotpInvalid => {
                codes::OTP_INVALID
            }
            CoreError::SecondFactorRequired => codes::TOTP_REQUIRED,
            other => code_of(&other, codes::WRONG_CREDENTIALS),
        }),
    }
}

/// `auth/refresh-session {refresh-token}`: a new access token and a new refresh token
/// (rotated; the spent one works again only within the grace window).
pub async fn refresh_session(call: &Call) -> Out {
    let Ok(refresh) = call.args.str("refresh-token") else {
        return Out::error(codes::REFRESH_INVALID).with_session(json!({}));
    };
    let core = &call.st.core;
    let tokens = match core.refresh_tokens(refresh.trim(), &call.ctx()).await {
        Ok(t) => t,
        Err(e) => {
            return Out::failed(&e, codes::REFRESH_INVALID).with_session(json!({}));
        }
    };
    let session_secs = call.st.config.ugene.session_secs;
    match core.issue_session_token(tokens.auth, session_secs) {
        Ok(access) => Out::answer(json!({
            "access-token": access,
            "refresh_token": tokens.refresh_token,
        }))
        .with_session(session_object(&tokens.user, true, call.now + session_secs)),
        Err(e) => Out::failed(&e, codes::INTERNAL),
    }
}

/// `auth/restore-pwd {uname}`: mails a single-use link to `auth/verify-pwd`.
pub async fn restore_pwd(call: &Call) -> Out {
    let login = match call.args.str("uname") {
        Ok(l) => l,
        Err(code) => return Out::error(code),
    };
    let cfg = &call.st.config.ugene;
    let link = call.link_base("auth", "verify-pwd");
    match call
        .st
        .core
        .request_password_reset_by_login(
            &login,
            &link,
            cfg.restore_link_ttl_secs,
            cfg.reveal_unknown_login,
            &call.ctx(),
        )
        .await
    {
        Ok(()) => Out::message(codes::RESTORE_SENT),
        Err(e) => Out::failed(&e, codes::WRONG_CREDENTIALS),
    }
}

/// `auth/verify-pwd?hash=`: a new password is generated and mailed; every session ends.
pub async fn verify_pwd(call: &Call) -> Out {
    let hash = match call.args.str("hash") {
        Ok(h) => h,
        Err(code) => return Out::error(code),
    };
    match call
        .st
        .core
        .reset_password_generated(hash.trim(), &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::PASSWORD_RESTORED),
        Err(e) => Out::failed(&e, codes::BAD_INPUT),
    }
}
