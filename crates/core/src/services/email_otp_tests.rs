//! Tests of sign-in by login name with the e-mailed second factor (`email_otp.rs`) and of
//! the e-mail confirmation requirement that sign-in enforces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::testing::{harness, harness_with, test_ctx, Harness};
use super::*;
use crate::domain::{OutboxMessage, Password, User, UserStatus};
use crate::error::CoreError;
use crate::store::UserStore;

const PW: &str = "Correct-horse-1";

async fn sign_in(
    h: &Harness,
    login: &str,
    password: &str,
    otp: Option<&str>,
) -> CoreResult<PasswordSignIn> {
    h.core
        .sign_in_login_name(
            login,
            &Password::new(password),
            otp,
            &test_ctx(),
            SessionOptions::default(),
        )
        .await
}

fn complete(r: CoreResult<PasswordSignIn>) -> SignedIn {
    match r {
        Ok(PasswordSignIn::Complete(s)) => s,
        other => panic!("expected a complete sign-in, got {other:?}"),
    }
}

fn pending(r: CoreResult<PasswordSignIn>) -> PendingSignIn {
    match r {
        Ok(PasswordSignIn::OtpSent(p)) => p,
        other => panic!("expected a pending sign-in, got {other:?}"),
    }
}

/// The e-mailed sign-in codes sent to `to`, oldest first.
fn otp_mails(h: &Harness, to: &str) -> Vec<OutboxMessage> {
    h.mails_to(to)
        .into_iter()
        .filter(|m| m.params["purpose"] == "email_otp")
        .collect()
}

fn code_of(m: &OutboxMessage) -> String {
    m.params["code"].as_str().unwrap().to_owned()
}

fn other_code(code: &str) -> &'static str {
    if code == "000000" {
        "111111"
    } else {
        "000000"
    }
}

/// An account `otp@example.com` / `Otto` with the e-mailed second factor on, switched on
/// through the service (so `toggle_email_otp` is exercised too).
async fn otp_user(h: &Harness) -> User {
    h.account("otp@example.com", Some("Otto"), Some(PW), false)
        .await;
    let s = complete(sign_in(h, "otto", PW, None).await);
    let u = h
        .core
        .toggle_email_otp(s.auth(), &test_ctx())
        .await
        .unwrap();
    assert!(u.email_otp, "the toggle turns it on");
    assert!(
        h.core.user(u.id).await.unwrap().email_otp,
        "and it is stored"
    );
    u
}

#[tokio::test]
async fn signs_in_by_username_or_email_and_ignores_a_code_when_the_factor_is_off() {
    let h = harness();
    let u = h
        .account("francis@example.com", Some("Francis"), Some(PW), false)
        .await;
    for login in [
        "Francis",
        "francis",
        " FRANCIS ",
        "francis@example.com",
        "Francis@Example.COM",
    ] {
        let s = complete(sign_in(&h, login, PW, None).await);
        assert_eq!(s.user.id, u.id, "{login}");
        assert_eq!(s.session.method, "password");
    }
    let s = complete(sign_in(&h, "francis", PW, Some("123456")).await);
    assert_eq!(
        s.user.id, u.id,
        "an otp argument is ignored when the factor is off"
    );
    assert!(
        h.store.outbox_messages().is_empty(),
        "no code is mailed when the factor is off"
    );
    assert_eq!(h.core.live_sessions(u.id).await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_right_password_mails_one_code_and_a_pending_token_that_is_no_session() {
    let h = harness();
    let u = otp_user(&h).await;
    let sessions_before = h.core.live_sessions(u.id).await.unwrap().len();
    let p = pending(sign_in(&h, "otto", PW, None).await);
    assert_eq!(p.user.id, u.id);
    assert_eq!(p.expires_at, h.core.now() + Duration::minutes(10));

    let mails = otp_mails(&h, "otp@example.com");
    assert_eq!(mails.len(), 1, "exactly one mail");
    let code = code_of(&mails[0]);
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "six digits: {code}"
    );
    assert!(mails[0].body_text.contains(&code));
    assert_eq!(
        h.store
            .outbox_messages()
            .iter()
            .filter(|m| m.params["purpose"] != "credential_change")
            .count(),
        1,
        "and no other message (but the notice that the factor was switched on)"
    );

    // The pending token opens nothing.
    assert!(Core::is_pending_token(&p.token));
    assert_eq!(
        h.core.live_sessions(u.id).await.unwrap().len(),
        sessions_before,
        "no session was started"
    );
    assert!(matches!(
        h.core.verify_access_token(&p.token).await,
        Err(CoreError::SessionInvalid)
    ));
    assert!(matches!(
        h.core.verify_bearer(&p.token).await,
        Err(CoreError::SessionInvalid)
    ));
    assert_eq!(
        h.core.verify_pending_token(&p.token).await.unwrap().id,
        u.id
    );

    // It cannot be re-pointed at another account.
    let other = h.account("other@example.com", None, Some(PW), false).await;
    let forged = p.token.replace(&u.id.to_simple(), &other.id.to_simple());
    assert!(matches!(
        h.core.verify_pending_token(&forged).await,
        Err(CoreError::SessionInvalid)
    ));

    // It lives ten minutes.
    h.clock.advance(Duration::seconds(599));
    assert!(h.core.verify_pending_token(&p.token).await.is_ok());
    h.clock.advance(Duration::seconds(1));
    assert!(matches!(
        h.core.verify_pending_token(&p.token).await,
        Err(CoreError::SessionInvalid)
    ));
    assert!(matches!(
        h.core.resend_email_otp(&p.token, &test_ctx()).await,
        Err(CoreError::SessionInvalid)
    ));
    assert!(
        matches!(
            sign_in(&h, "otto", PW, Some(&code)).await,
            Err(CoreError::CodeExpired)
        ),
        "the code expires with the token"
    );
}

#[tokio::test]
async fn the_code_signs_in_once() {
    let h = harness();
    let u = otp_user(&h).await;
    pending(sign_in(&h, "otp@example.com", PW, None).await);
    let code = code_of(&otp_mails(&h, "otp@example.com")[0]);
    assert!(
        matches!(
            sign_in(&h, "otto", "Wrong-horse-1", Some(&code)).await,
            Err(CoreError::InvalidCredentials)
        ),
        "the code does not replace the password"
    );
    let s = complete(sign_in(&h, "otto", PW, Some(&format!(" {code} "))).await);
    assert_eq!(s.user.id, u.id);
    assert_eq!(s.session.method, "password+email_otp");
    assert!(h
        .core
        .verify_access_token(&h.core.issue_access_token(s.auth()).unwrap())
        .await
        .is_ok());
    assert!(
        matches!(
            sign_in(&h, "otto", PW, Some(&code)).await,
            Err(CoreError::CodeInvalid)
        ),
        "replay refused"
    );
}

#[tokio::test]
async fn wrong_codes_count_toward_the_account_lockout() {
    // Codes allow more guesses than the lockout, so the lock (not the code's own attempt
    // limit) is what refuses the right code below.
    let h = harness_with(|c| {
        c.codes.max_attempts = 20;
        c.lockout.lock_secs = 60;
    });
    otp_user(&h).await;
    pending(sign_in(&h, "otto", PW, None).await);
    let code = code_of(&otp_mails(&h, "otp@example.com")[0]);
    let wrong = other_code(&code);
    for i in 0..5 {
        assert!(
            matches!(
                sign_in(&h, "otto", PW, Some(wrong)).await,
                Err(CoreError::CodeInvalid)
            ),
            "attempt {i}"
        );
    }
    assert!(
        matches!(
            sign_in(&h, "otto", PW, Some(&code)).await,
            Err(CoreError::AccountLocked)
        ),
        "right password and code refused while locked"
    );
    assert!(
        matches!(
            sign_in(&h, "otp@example.com", PW, Some(&code)).await,
            Err(CoreError::AccountLocked)
        ),
        "by e-mail too: the lock is the account's"
    );
    h.clock.advance(Duration::seconds(61));
    complete(sign_in(&h, "otto", PW, Some(&code)).await);
}

#[tokio::test]
async fn resending_respects_the_cooldown_and_replaces_the_code() {
    let h = harness();
    otp_user(&h).await;
    let p = pending(sign_in(&h, "otto", PW, None).await);
    let first = code_of(&otp_mails(&h, "otp@example.com")[0]);
    assert!(matches!(
        h.core.resend_email_otp(&p.token, &test_ctx()).await,
        Err(CoreError::CodeRequestedTooOften)
    ));
    h.clock.advance(Duration::seconds(59));
    assert!(matches!(
        h.core.resend_email_otp(&p.token, &test_ctx()).await,
        Err(CoreError::CodeRequestedTooOften)
    ));
    assert_eq!(otp_mails(&h, "otp@example.com").len(), 1, "nothing sent");
    h.clock.advance(Duration::seconds(1));
    h.core
        .resend_email_otp(&p.token, &test_ctx())
        .await
        .unwrap();
    let mails = otp_mails(&h, "otp@example.com");
    assert_eq!(mails.len(), 2, "one more mail");
    let second = code_of(&mails[1]);
    if first != second {
        assert!(
            matches!(
                sign_in(&h, "otto", PW, Some(&first)).await,
                Err(CoreError::CodeInvalid)
            ),
            "the previous code stops working"
        );
    }
    complete(sign_in(&h, "otto", PW, Some(&second)).await);
}

#[tokio::test]
async fn unknown_names_wrong_passwords_and_unusable_accounts_are_all_invalid_credentials() {
    let h = harness();
    let u = otp_user(&h).await;
    let blocked = h
        .account("blocked@example.com", Some("blocky"), Some(PW), false)
        .await;
    let deleted = h
        .account("deleted@example.com", Some("gone"), Some(PW), false)
        .await;
    for (user, block) in [(blocked, true), (deleted, false)] {
        let mut user = h.store.user_by_id(user.id).await.unwrap().unwrap();
        user.email_otp = true;
        if block {
            user.status = UserStatus::Blocked;
        } else {
            user.deleted_at = Some(h.core.now());
        }
        h.store.update_user(&user).await.unwrap();
    }
    let cases = [
        ("nobody", PW),
        ("nobody@example.com", PW),
        ("otto", "Wrong-horse-1"),
        ("otp@example.com", "Wrong-horse-1"),
        ("blocky", PW),
        ("blocked@example.com", PW),
        ("gone", PW),
        ("deleted@example.com", PW),
    ];
    for (login, pw) in cases {
        assert!(
            matches!(
                sign_in(&h, login, pw, None).await,
                Err(CoreError::InvalidCredentials)
            ),
            "{login}"
        );
        assert!(
            matches!(
                sign_in(&h, login, pw, Some("123456")).await,
                Err(CoreError::InvalidCredentials)
            ),
            "{login} with a code"
        );
    }
    assert!(
        h.store
            .outbox_messages()
            .iter()
            .all(|m| m.params["purpose"] != "email_otp"),
        "no code is mailed without the right password of a usable account"
    );
    // The refusals did not lock otto out: the right password still gets a code.
    assert_eq!(pending(sign_in(&h, "otto", PW, None).await).user.id, u.id);
}

#[tokio::test]
async fn email_not_confirmed_only_when_required_and_only_after_the_right_password() {
    let h = harness_with(|c| c.require_email_confirmation = true);
    let unconfirmed = h
        .core
        .create_user(
            CreateUser {
                email: "new@example.com".into(),
                password: Some(Password::new(PW)),
                name: String::new(),
                username: Some("newbie".into()),
                is_admin: false,
                email_verified: false,
            },
            &test_ctx(),
        )
        .await
        .unwrap();
    h.account("old@example.com", None, Some(PW), false).await;
    assert!(
        matches!(
            sign_in(&h, "newbie", "Wrong-horse-1", None).await,
            Err(CoreError::InvalidCredentials)
        ),
        "a wrong password reveals nothing about confirmation"
    );
    assert!(matches!(
        sign_in(&h, "newbie", PW, None).await,
        Err(CoreError::EmailNotConfirmed)
    ));
    assert!(matches!(
        sign_in(&h, "new@example.com", PW, None).await,
        Err(CoreError::EmailNotConfirmed)
    ));
    assert!(h
        .core
        .live_sessions(unconfirmed.id)
        .await
        .unwrap()
        .is_empty());
    complete(sign_in(&h, "old@example.com", PW, None).await);

    // The factor's code is not mailed to an unconfirmed account either.
    let mut with_otp = h.store.user_by_id(unconfirmed.id).await.unwrap().unwrap();
    with_otp.email_otp = true;
    h.store.update_user(&with_otp).await.unwrap();
    assert!(matches!(
        sign_in(&h, "newbie", PW, None).await,
        Err(CoreError::EmailNotConfirmed)
    ));
    assert!(otp_mails(&h, "new@example.com").is_empty());
    with_otp.email_otp = false;
    h.store.update_user(&with_otp).await.unwrap();

    // An administrator's choice overrides the configuration, both ways.
    let admin = h.account("admin@example.com", None, Some(PW), true).await;
    let a = complete(sign_in(&h, "admin@example.com", PW, None).await);
    assert_eq!(a.user.id, admin.id);
    h.core
        .admin_set_email_confirmation(a.auth(), false, &test_ctx())
        .await
        .unwrap();
    assert!(!h.core.email_confirmation_required().await.unwrap());
    complete(sign_in(&h, "newbie", PW, None).await);
    h.core
        .admin_set_email_confirmation(a.auth(), true, &test_ctx())
        .await
        .unwrap();
    assert!(matches!(
        sign_in(&h, "newbie", PW, None).await,
        Err(CoreError::EmailNotConfirmed)
    ));
}

#[tokio::test]
async fn without_the_requirement_unconfirmed_accounts_sign_in() {
    let h = harness();
    h.core
        .create_user(
            CreateUser {
                email: "new@example.com".into(),
                password: Some(Password::new(PW)),
                name: String::new(),
                username: None,
                is_admin: false,
                email_verified: false,
            },
            &test_ctx(),
        )
        .await
        .unwrap();
    complete(sign_in(&h, "new@example.com", PW, None).await);
    let admin = h.account("admin@example.com", None, Some(PW), true).await;
    let a = complete(sign_in(&h, "admin@example.com", PW, None).await);
    assert_eq!(a.user.id, admin.id);
    h.core
        .admin_set_email_confirmation(a.auth(), true, &test_ctx())
        .await
        .unwrap();
    assert!(
        matches!(
            sign_in(&h, "new@example.com", PW, None).await,
            Err(CoreError::EmailNotConfirmed)
        ),
        "switched on at run time"
    );
}
