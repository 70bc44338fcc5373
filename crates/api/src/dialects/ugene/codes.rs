//! Every message and error code the Ugene dialect answers with. The codes the document
//! shows keep the meaning and the place it shows them; the others are Tessera's, for cases
//! the document does not cover. [`CATALOGUE`] is the published table (rendered into
//! `docs/dialects/ugene.md`, checked by a test).

/// Generic success (sign-up, add-user, change-user-status, uploads).
pub const OK: &str = "100100";
/// A restore link was mailed (or would have been: unknown names answer the same).
pub const RESTORE_SENT: &str = "100003";
/// A restore link was followed: a new password was mailed.
pub const PASSWORD_RESTORED: &str = "100005";
/// The address is confirmed.
pub const EMAIL_CONFIRMED: &str = "100006";
/// The confirmation mail was sent again.
pub const CONFIRMATION_RESENT: &str = "100007";
/// The address was changed.
pub const EMAIL_CHANGED: &str = "100008";
/// The password was changed.
pub const PASSWORD_CHANGED: &str = "100009";
/// The account was deleted.
pub const ACCOUNT_DELETED: &str = "100010";
/// Signed out (one session, or all).
pub const LOGGED_OUT: &str = "100011";
/// The administrator flag was changed.
pub const ADMIN_CHANGED: &str = "100015";
/// A setting was changed (registration, e-mail confirmation).
pub const CONFIG_UPDATED: &str = "100016";
/// A role was created or modified.
pub const ROLE_SAVED: &str = "100018";
/// Processing is restricted.
pub const RESTRICTED: &str = "100019";
/// The data export was mailed, or the account was forgotten.
pub const GDPR_DONE: &str = "100020";
/// A role was deleted.
pub const ROLE_DELETED: &str = "100021";
/// A role was assigned.
pub const ROLE_ASSIGNED: &str = "100022";
/// A role was unassigned.
pub const ROLE_UNASSIGNED: &str = "100023";
/// A sign-in code was e-mailed (resend-otp, and a sign-in that now needs the code).
pub const OTP_SENT: &str = "100104";

/// The request is malformed, a field is missing or wrong, or a link is invalid or expired.
pub const BAD_INPUT: &str = "001400";
/// The password lacks a digit, a lowercase or an uppercase letter, or breaks the policy.
pub const WEAK_PASSWORD: &str = "001401";
/// The e-mail address or username is taken.
pub const EXISTS: &str = "001402";
/// The e-mail address is not confirmed yet (when confirmation is required).
pub const EMAIL_NOT_CONFIRMED: &str = "001403";
/// Wrong name or password (or, when configured, an unknown name on restore).
pub const WRONG_CREDENTIALS: &str = "001404";
/// Too many failures: the account is locked for a while.
pub const LOCKED: &str = "001405";
/// The e-mailed sign-in code is wrong, used or expired.
pub const OTP_INVALID: &str = "001406";
/// Registration is closed.
pub const REGISTRATION_CLOSED: &str = "001407";
/// Too many requests: try again later.
pub const TOO_OFTEN: &str = "001408";
/// change-user-status failed (unknown account, or one's own).
pub const STATUS_FAILED: &str = "001409";
/// change-pwd failed (current password wrong, or the new one refused).
pub const CHANGE_PASSWORD_FAILED: &str = "001410";
/// The account has an authenticator (TOTP) bound: sign-in needs its current code in `otp`.
pub const TOTP_REQUIRED: &str = "001411";
/// A role's name or permissions are invalid, or the name is taken.
pub const ROLE_INVALID: &str = "001412";
/// The request body is larger than allowed.
pub const BODY_TOO_LARGE: &str = "001413";
/// No such role (delete-role, assign-role, unassign-role).
pub const ROLE_NOT_FOUND: &str = "001414";
/// No such account (assign-role, unassign-role).
pub const USER_NOT_FOUND: &str = "001415";
/// The refresh token is unknown, expired or replayed.
pub const REFRESH_INVALID: &str = "001416";
/// Unknown module.
pub const UNKNOWN_MODULE: &str = "002000";
/// Unknown function (param) of a known module.
pub const UNKNOWN_PARAM: &str = "002002";
/// The function could not be carried out (e.g. resend-otp with no sign-in waiting).
pub const FUNCTION_FAILED: &str = "002004";
/// A server fault (HTTP 500); the cause is in the server's log.
pub const INTERNAL: &str = "002005";
/// Signed in, but no role grants this admin function.
pub const FORBIDDEN: &str = "003003";
/// change-registration or switch-confirm-email failed.
pub const CONFIG_FAILED: &str = "003007";
/// The account restricted processing of its data.
pub const PROCESSING_RESTRICTED: &str = "003010";
/// show-users / users-info refused (not signed in, or not allowed).
pub const LISTING_REFUSED: &str = "003012";
/// change-admin failed; forget-me or an upload without a valid token.
pub const ACTION_REFUSED: &str = "003014";
/// The upload is larger than allowed.
pub const FILE_TOO_LARGE: &str = "003015";
/// The upload would exceed the account's storage quota.
pub const QUOTA_EXCEEDED: &str = "003016";
/// The avatar is not an image in a supported format.
pub const NOT_AN_IMAGE: &str = "003017";
/// The multipart body is malformed or lacks the `source` file.
pub const BAD_UPLOAD: &str = "003018";
/// No such file (or not yours).
pub const FILE_NOT_FOUND: &str = "003019";
/// The token is missing, wrong, expired, or its session ended.
pub const TOKEN_WRONG: &str = "004004";
/// The token belongs to a sign-in still waiting for its e-mailed code: only resend-otp
/// and a new sign-in with the code are open to it.
pub const OTP_REQUIRED: &str = "004005";
/// The change (address, two-factor) needs a session that signed in recently: sign in
/// again and repeat it.
pub const REAUTH_REQUIRED: &str = "004006";

/// `(code, meaning, where)` for every code, in the order of the published table.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (OK, "success", "reg/signup, admin/add-user, admin/change-user-status, user/upload-avatar, user/upload-file"),
    (RESTORE_SENT, "restore link mailed", "auth/restore-pwd"),
    (PASSWORD_RESTORED, "new password mailed", "auth/verify-pwd"),
    (EMAIL_CONFIRMED, "address confirmed", "reg/confirm-email"),
    (CONFIRMATION_RESENT, "confirmation mail sent again", "reg/resend-confirm"),
    (EMAIL_CHANGED, "address changed", "user/change-email"),
    (PASSWORD_CHANGED, "password changed", "user/change-pwd"),
    (ACCOUNT_DELETED, "account deleted", "user/delete-account"),
    (LOGGED_OUT, "signed out", "user/logout"),
    (ADMIN_CHANGED, "administrator flag changed", "admin/change-admin"),
    (CONFIG_UPDATED, "setting changed", "admin/change-registration, admin/switch-confirm-email"),
    (ROLE_SAVED, "role saved", "admin/create-role, admin/modify-role"),
    (RESTRICTED, "processing restricted", "gdpr/restrict"),
    (GDPR_DONE, "export mailed / account forgotten", "gdpr/export-data, gdpr/forget-me"),
    (ROLE_DELETED, "role deleted", "admin/delete-role"),
    (ROLE_ASSIGNED, "role assigned (Tessera)", "admin/assign-role"),
    (ROLE_UNASSIGNED, "role unassigned (Tessera)", "admin/unassign-role"),
    (OTP_SENT, "sign-in code mailed", "user/resend-otp, auth/signin (two-factor on, no otp)"),
    (BAD_INPUT, "malformed request, missing or wrong field, invalid or expired link", "everywhere; reg/resend-confirm, reg/confirm-email, auth/verify-pwd"),
    (WEAK_PASSWORD, "password lacks a digit, a lowercase or an uppercase letter, or is too short (Tessera)", "reg/signup, admin/add-user"),
    (EXISTS, "e-mail or username taken", "reg/signup, user/change-email, admin/add-user"),
    (EMAIL_NOT_CONFIRMED, "address not confirmed (Tessera)", "auth/signin"),
    (WRONG_CREDENTIALS, "wrong name or password", "auth/signin; auth/restore-pwd when configured"),
    (LOCKED, "too many failures, locked for a while (Tessera)", "auth/signin, auth/verify-pwd, user/change-pwd"),
    (OTP_INVALID, "sign-in code (e-mailed or authenticator) wrong, used or expired (Tessera)", "auth/signin"),
    (REGISTRATION_CLOSED, "registration closed (Tessera)", "reg/signup"),
    (TOO_OFTEN, "too many requests, try later (Tessera)", "mails: resend-confirm, restore-pwd, resend-otp, export-data, signin"),
    (STATUS_FAILED, "unknown account, or one's own", "admin/change-user-status"),
    (CHANGE_PASSWORD_FAILED, "current password wrong or new password refused", "user/change-pwd"),
    (TOTP_REQUIRED, "authenticator (TOTP) code required in `otp` (Tessera)", "auth/signin"),
    (ROLE_INVALID, "role name or permissions invalid, or name taken", "admin/create-role, admin/modify-role"),
    (BODY_TOO_LARGE, "request body too large (Tessera)", "POST /api"),
    (ROLE_NOT_FOUND, "no such role", "admin/delete-role, admin/modify-role, admin/assign-role, admin/unassign-role"),
    (USER_NOT_FOUND, "no such account (Tessera)", "admin/assign-role, admin/unassign-role"),
    (REFRESH_INVALID, "refresh token unknown, expired or replayed", "auth/refresh-session"),
    (UNKNOWN_MODULE, "unknown module", "admin/show-module, any call"),
    (UNKNOWN_PARAM, "unknown function of a module (Tessera)", "any call"),
    (FUNCTION_FAILED, "function could not be carried out", "user/resend-otp, general/status, gdpr/restrict, gdpr/export-data, gdpr/show-data"),
    (INTERNAL, "server fault, HTTP 500 (Tessera)", "any call"),
    (FORBIDDEN, "no role grants this admin function (Tessera)", "admin/*"),
    (CONFIG_FAILED, "setting not changed", "admin/change-registration, admin/switch-confirm-email"),
    (PROCESSING_RESTRICTED, "processing restricted by the user (Tessera)", "user/change-email, user/switch-2fa, uploads"),
    (LISTING_REFUSED, "not signed in, or not allowed", "admin/show-users, admin/users-info"),
    (ACTION_REFUSED, "refused", "admin/change-admin; gdpr/forget-me and uploads without a valid token"),
    (FILE_TOO_LARGE, "upload too large (Tessera)", "user/upload-avatar, user/upload-file"),
    (QUOTA_EXCEEDED, "storage quota exceeded (Tessera)", "user/upload-file"),
    (NOT_AN_IMAGE, "avatar is not a supported image (Tessera)", "user/upload-avatar"),
    (BAD_UPLOAD, "malformed multipart body or no `source` file (Tessera)", "PUT /api"),
    (FILE_NOT_FOUND, "no such file, or not yours (Tessera)", "GET /download/file, GET /image/user/avatar"),
    (TOKEN_WRONG, "token missing, wrong, expired or ended", "every call that needs a token"),
    (OTP_REQUIRED, "sign-in waiting for its e-mailed code (Tessera)", "every call that needs a token, with a pending token"),
    (REAUTH_REQUIRED, "sign in again to make this change (Tessera)", "user/change-email, user/switch-2fa"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_six_digits() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, _) in CATALOGUE {
            assert_eq!(code.len(), 6, "{code}");
            assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
            assert!(seen.insert(*code), "{code} listed twice");
        }
    }

    /// The published table in docs/dialects/ugene.md lists every code, and nothing else.
    #[test]
    fn published_table_matches_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/dialects/ugene.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let table: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .filter(|c| c.len() == 6 && c.chars().all(|ch| ch.is_ascii_digit()))
            .collect();
        let ours: Vec<&str> = CATALOGUE.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(
            table, ours,
            "docs/dialects/ugene.md code table is out of step"
        );
    }
}
