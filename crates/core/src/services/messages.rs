//! The texts of the mails and SMS the core sends. One place, so they can be translated.

use time::OffsetDateTime;

use crate::domain::{OutboxChannel, OutboxMessage};

/// SMS carrying a sign-in code.
pub(crate) fn sms_login_code(
    phone: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Sms,
        phone,
        "",
        format!("Your sign-in code is {code}. It expires in {minutes} minutes."),
        now,
    );
    m.params = serde_json::json!({ "code": code, "purpose": "login", "minutes": minutes });
    m
}

/// SMS carrying a phone-binding code.
pub(crate) fn sms_bind_code(
    phone: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Sms,
        phone,
        "",
        format!("Your verification code is {code}. It expires in {minutes} minutes."),
        now,
    );
    m.params = serde_json::json!({ "code": code, "purpose": "bind", "minutes": minutes });
    m
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Mail carrying a password reset code.
pub(crate) fn mail_reset_code(
    to: &str,
    name: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let greeting = if name.is_empty() {
        format!("Hello {to},")
    } else {
        format!("Hello {name},")
    };
    let text = format!(
        "{greeting}\n\nYour password reset code is: {code}\n\nIt expires in {minutes} minutes. \
         If you did not ask to reset your password, ignore this mail; your password stays as it is.\n"
    );
    let html = format!(
        "<p>{}</p><p>Your password reset code is: <strong>{code}</strong></p>\
         <p>It expires in {minutes} minutes. If you did not ask to reset your password, \
         ignore this mail; your password stays as it is.</p>",
        html_escape(&greeting)
    );
    let mut m = OutboxMessage::new(OutboxChannel::Mail, to, "Password reset code", text, now);
    m.body_html = Some(html);
    m.params = serde_json::json!({ "code": code, "purpose": "password_reset" });
    m
}

/// Mail telling the owner that the password changed.
pub(crate) fn mail_password_changed(to: &str, now: OffsetDateTime) -> OutboxMessage {
    OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your password was changed",
        "The password of your account was just changed and your other sessions were signed out.\n\
         If this was not you, reset your password now and contact your administrator.\n",
        now,
    )
}

/// Mail carrying a sign-in code.
pub(crate) fn mail_login_code(
    to: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let text = format!(
        "Your sign-in code is: {code}\n\nIt expires in {minutes} minutes and works once. \
         If you did not ask for it, ignore this mail.\n"
    );
    let mut m = OutboxMessage::new(OutboxChannel::Mail, to, "Random Login Code", text, now);
    m.params = serde_json::json!({ "code": code, "purpose": "login_code" });
    m
}

/// Mail carrying an address confirmation link.
pub(crate) fn mail_verify_email(to: &str, link: &str, now: OffsetDateTime) -> OutboxMessage {
    let text = format!("Please confirm your e-mail address by opening this link:\n\n{link}\n");
    let html = format!(
        "<p>Please confirm your e-mail address by opening this link:</p><p><a href=\"{0}\">{0}</a></p>",
        html_escape(link)
    );
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Verify Your Email Address",
        text,
        now,
    );
    m.body_html = Some(html);
    m.params = serde_json::json!({ "link": link, "purpose": "email_verification" });
    m
}

/// Mail carrying a password reset link (SSPanel-style recovery).
pub(crate) fn mail_reset_link(
    to: &str,
    link: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let text = format!(
        "Someone asked to reset the password of this account. To choose a new password, open \
         this link within {minutes} minutes:\n\n{link}\n\nIf it was not you, ignore this mail; \
         your password stays as it is.\n"
    );
    let html = format!(
        "<p>Someone asked to reset the password of this account. To choose a new password, \
         open this link within {minutes} minutes:</p><p><a href=\"{0}\">{0}</a></p>\
         <p>If it was not you, ignore this mail; your password stays as it is.</p>",
        html_escape(link)
    );
    let mut m = OutboxMessage::new(OutboxChannel::Mail, to, "Reset your password", text, now);
    m.body_html = Some(html);
    m.params =
        serde_json::json!({ "link": link, "purpose": "password_reset_link", "minutes": minutes });
    m
}

/// Mail carrying a code that proves an address before registration.
pub(crate) fn mail_registration_code(
    to: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your registration code",
        format!("Your registration code is {code}. It expires in {minutes} minutes.\n"),
        now,
    );
    m.params = serde_json::json!({ "code": code, "purpose": "registration", "minutes": minutes });
    m
}

/// Mail carrying the second-factor code of a sign-in.
pub(crate) fn mail_sign_in_otp(
    to: &str,
    code: &str,
    minutes: i64,
    now: OffsetDateTime,
) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your sign-in code",
        format!(
            "Your sign-in code is {code}. It expires in {minutes} minutes and works once.\n\
             If you did not just sign in, change your password: someone knows it.\n"
        ),
        now,
    );
    m.params = serde_json::json!({ "code": code, "purpose": "email_otp", "minutes": minutes });
    m
}

/// Mail carrying a password the server generated after a confirmed reset request.
pub(crate) fn mail_generated_password(
    to: &str,
    password: &str,
    now: OffsetDateTime,
) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your new password",
        format!(
            "Your password was reset. Your new password is:\n\n{password}\n\n\
             Every session of your account was signed out. Sign in and change this password.\n"
        ),
        now,
    );
    m.params = serde_json::json!({ "password": password, "purpose": "generated_password" });
    m
}

/// Mail telling the owner that the account's sign-in or recovery details changed.
pub(crate) fn mail_sign_in_details_changed(
    to: &str,
    what: &str,
    sessions_ended: usize,
    now: OffsetDateTime,
) -> OutboxMessage {
    let ended = match sessions_ended {
        0 => String::new(),
        1 => " One session was signed out.".to_owned(),
        n => format!(" {n} sessions were signed out."),
    };
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your sign-in details changed",
        format!(
            "{what}{ended}\nIf this was not you, reset your password now and contact your \
             administrator.\n"
        ),
        now,
    );
    m.params = serde_json::json!({ "purpose": "credential_change" });
    m
}

/// Mail confirming that an account and its data were deleted.
pub(crate) fn mail_account_deleted(to: &str, now: OffsetDateTime) -> OutboxMessage {
    OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your account was deleted",
        "Your account and the personal data held with it were deleted, and every session \
         was signed out. If this was not you, contact your administrator.\n",
        now,
    )
}

/// Mail carrying the export of everything held on an account, as JSON.
pub(crate) fn mail_data_export(to: &str, json: &str, now: OffsetDateTime) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your data export",
        format!(
            "As you asked, here is everything this server holds on your account, as JSON:\n\n\
             {json}\n"
        ),
        now,
    );
    m.params = serde_json::json!({ "purpose": "data_export" });
    m
}
