//! Unit tests of the core's rules: a manual clock and the in-memory store, no sleeping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::{macros::datetime, Duration};

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::config::HashParams;
use crate::domain::{OutboxChannel, OutboxMessage, Password, RequestContext};
use crate::error::CoreError;
use crate::ports::{DeliveryError, MailTransport, SmsTransport};
use crate::security::totp;
use crate::store::memory::MemoryStore;
use crate::store::UserStore;

pub(crate) struct Harness {
    pub core: Core,
    pub clock: ManualClock,
    pub store: Arc<MemoryStore>,
}

pub(crate) fn harness() -> Harness {
    harness_with(|_| {})
}

pub(crate) fn harness_with(tweak: impl FnOnce(&mut CoreConfig)) -> Harness {
    let clock = ManualClock::new(datetime!(2026-01-01 12:00:00 UTC));
    let store = Arc::new(MemoryStore::new());
    let mut config = CoreConfig::default();
    config.password.hash = HashParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    tweak(&mut config);
    let core = Core::new(
        store.clone(),
        Arc::new(clock.clone()),
        ServerKeys::for_tests(),
        config,
    )
    .unwrap();
    Harness { core, clock, store }
}

fn ctx() -> RequestContext {
    RequestContext {
        ip: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
        dialect: "test",
    }
}

const SINGLE: SessionOptions = SessionOptions {
    single_per_user: true,
    idle_timeout_secs: None,
    lifetime_secs: None,
};
const MULTI: SessionOptions = SessionOptions {
    single_per_user: false,
    idle_timeout_secs: None,
    lifetime_secs: None,
};

impl Harness {
    async fn user(&self, email: &str, pw: &str) -> crate::domain::User {
        self.core
            .create_user(
                CreateUser {
                    email: email.into(),
                    password: Some(Password::new(pw)),
                    name: "Test".into(),
                    username: None,
                    is_admin: false,
                    email_verified: true,
                },
                &ctx(),
            )
            .await
            .unwrap()
    }

    fn last_code(&self, channel: OutboxChannel, to: &str) -> Option<String> {
        self.store
            .outbox_messages()
            .iter()
            .rev()
            .find(|m| m.channel == channel && m.recipient == to)
            .and_then(|m| m.params["code"].as_str().map(str::to_owned))
    }
}

#[tokio::test]
async fn password_sign_in_and_lockout() {
    let h = harness();
    h.user("a@example.com", "correct-horse-1").await;
    let ok = h
        .core
        .sign_in_password(
            "A@Example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await;
    assert!(ok.is_ok(), "case-insensitive e-mail sign-in");
    for _ in 0..5 {
        let e = h
            .core
            .sign_in_password(
                "a@example.com",
                &Password::new("wrong-one-1"),
                &ctx(),
                SINGLE,
            )
            .await;
        assert!(matches!(e, Err(CoreError::InvalidCredentials)));
    }
    let locked = h
        .core
        .sign_in_password(
            "a@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await;
    assert!(
        matches!(locked, Err(CoreError::AccountLocked)),
        "right password refused while locked"
    );
    h.clock.advance(Duration::minutes(16));
    assert!(h
        .core
        .sign_in_password(
            "a@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE
        )
        .await
        .is_ok());
}

#[tokio::test]
async fn failure_window_restarts() {
    let h = harness();
    h.user("w@example.com", "correct-horse-1").await;
    for _ in 0..4 {
        let _ = h
            .core
            .sign_in_password(
                "w@example.com",
                &Password::new("bad-bad-bad"),
                &ctx(),
                SINGLE,
            )
            .await;
    }
    h.clock.advance(Duration::minutes(16));
    let e = h
        .core
        .sign_in_password(
            "w@example.com",
            &Password::new("bad-bad-bad"),
            &ctx(),
            SINGLE,
        )
        .await;
    assert!(
        matches!(e, Err(CoreError::InvalidCredentials)),
        "old failures expired with their window"
    );
    assert!(h
        .core
        .sign_in_password(
            "w@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE
        )
        .await
        .is_ok());
}

#[tokio::test]
async fn unknown_accounts_answer_and_lock_like_known_ones() {
    let h = harness();
    for _ in 0..5 {
        let e = h
            .core
            .sign_in_password(
                "ghost@example.com",
                &Password::new("whatever-1"),
                &ctx(),
                SINGLE,
            )
            .await;
        assert!(matches!(e, Err(CoreError::InvalidCredentials)));
    }
    let e = h
        .core
        .sign_in_password(
            "ghost@example.com",
            &Password::new("whatever-1"),
            &ctx(),
            SINGLE,
        )
        .await;
    assert!(matches!(e, Err(CoreError::AccountLocked)));
}

#[tokio::test]
async fn blocked_accounts_cannot_sign_in() {
    let h = harness();
    let mut u = h.user("b@example.com", "correct-horse-1").await;
    u.status = crate::domain::UserStatus::Blocked;
    h.store.update_user(&u).await.unwrap();
    let e = h
        .core
        .sign_in_password(
            "b@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await;
    assert!(matches!(e, Err(CoreError::InvalidCredentials)));
}

#[tokio::test]
async fn sessions_expire_when_idle_and_are_renewed_by_use() {
    let h = harness();
    h.user("s@example.com", "correct-horse-1").await;
    let s = h
        .core
        .sign_in_password(
            "s@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await
        .unwrap();
    let token = h.core.issue_access_token(s.auth()).unwrap();
    h.clock.advance(Duration::minutes(50));
    assert!(h.core.verify_access_token(&token).await.is_ok());
    h.clock.advance(Duration::minutes(50));
    assert!(
        h.core.verify_access_token(&token).await.is_ok(),
        "use renewed the idle timer"
    );
    h.clock.advance(Duration::minutes(61));
    assert!(matches!(
        h.core.verify_access_token(&token).await,
        Err(CoreError::SessionInvalid)
    ));
}

#[tokio::test]
async fn idle_renewal_is_written_back_for_other_nodes() {
    let h = harness();
    h.user("n@example.com", "correct-horse-1").await;
    let s = h
        .core
        .sign_in_password(
            "n@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await
        .unwrap();
    let token = h.core.issue_access_token(s.auth()).unwrap();
    h.clock.advance(Duration::minutes(50));
    h.core.verify_access_token(&token).await.unwrap();
    h.clock.advance(Duration::minutes(50));
    // A node with an empty cache must see the renewed session.
    h.core.clear_session_cache();
    assert!(h.core.verify_access_token(&token).await.is_ok());
}

#[tokio::test]
async fn absolute_lifetime_ends_even_active_sessions() {
    let h = harness();
    h.user("l@example.com", "correct-horse-1").await;
    let s = h
        .core
        .sign_in_password(
            "l@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let auth = s.auth();
    for _ in 0..(30 * 24 + 1) {
        h.clock.advance(Duration::hours(1) - Duration::seconds(1));
        let _ = h
            .core
            .verify_session(crate::security::jwt::TokenSubject {
                user_id: auth.user_id,
                session_id: auth.session_id,
            })
            .await;
    }
    let r = h
        .core
        .verify_session(crate::security::jwt::TokenSubject {
            user_id: auth.user_id,
            session_id: auth.session_id,
        })
        .await;
    assert!(matches!(r, Err(CoreError::SessionInvalid)));
}

#[tokio::test]
async fn single_session_per_user_ends_the_previous_one() {
    let h = harness();
    h.user("one@example.com", "correct-horse-1").await;
    let first = h
        .core
        .sign_in_password(
            "one@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await
        .unwrap();
    let t1 = h.core.issue_access_token(first.auth()).unwrap();
    let second = h
        .core
        .sign_in_password(
            "one@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            SINGLE,
        )
        .await
        .unwrap();
    let t2 = h.core.issue_access_token(second.auth()).unwrap();
    assert!(h.core.verify_access_token(&t1).await.is_err());
    assert!(h.core.verify_access_token(&t2).await.is_ok());
    let third = h
        .core
        .sign_in_password(
            "one@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let t3 = h.core.issue_access_token(third.auth()).unwrap();
    assert!(
        h.core.verify_access_token(&t2).await.is_ok()
            && h.core.verify_access_token(&t3).await.is_ok()
    );
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_reset_ends_all() {
    let h = harness();
    h.user("p@example.com", "correct-horse-1").await;
    let a = h
        .core
        .sign_in_password(
            "p@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let b = h
        .core
        .sign_in_password(
            "p@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let (ta, tb) = (
        h.core.issue_access_token(a.auth()).unwrap(),
        h.core.issue_access_token(b.auth()).unwrap(),
    );
    let e = h
        .core
        .change_password(
            a.auth(),
            &Password::new("nope-nope-1"),
            &Password::new("new-horse-22"),
            &ctx(),
        )
        .await;
    assert!(matches!(e, Err(CoreError::PasswordMismatch)));
    h.core
        .change_password(
            a.auth(),
            &Password::new("correct-horse-1"),
            &Password::new("new-horse-22"),
            &ctx(),
        )
        .await
        .unwrap();
    assert!(
        h.core.verify_access_token(&ta).await.is_ok(),
        "the session that changed it stays"
    );
    assert!(
        h.core.verify_access_token(&tb).await.is_err(),
        "the others end at once"
    );
    assert!(h
        .core
        .sign_in_password(
            "p@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI
        )
        .await
        .is_err());

    h.core
        .request_password_reset("p@example.com", None, &ctx())
        .await
        .unwrap();
    let code = h.last_code(OutboxChannel::Mail, "p@example.com").unwrap();
    h.core
        .reset_password(
            "p@example.com",
            &code,
            &Password::new("third-horse-333"),
            &ctx(),
        )
        .await
        .unwrap();
    assert!(
        h.core.verify_access_token(&ta).await.is_err(),
        "reset ends every session"
    );
    let again = h
        .core
        .reset_password(
            "p@example.com",
            &code,
            &Password::new("fourth-horse-4444"),
            &ctx(),
        )
        .await;
    assert!(
        matches!(again, Err(CoreError::CodeInvalid)),
        "reset codes work once"
    );
    assert!(h
        .core
        .sign_in_password(
            "p@example.com",
            &Password::new("third-horse-333"),
            &ctx(),
            MULTI
        )
        .await
        .is_ok());
}

#[tokio::test]
async fn weak_passwords_are_refused_on_set_not_on_sign_in() {
    let h = harness();
    let e = h
        .core
        .create_user(
            CreateUser {
                email: "w2@example.com".into(),
                password: Some(Password::new("password123")),
                name: String::new(),
                username: None,
                is_admin: false,
                email_verified: false,
            },
            &ctx(),
        )
        .await;
    assert!(matches!(e, Err(CoreError::WeakPassword("common"))));
    let e = h
        .core
        .create_user(
            CreateUser {
                email: "w2@example.com".into(),
                password: Some(Password::new("short")),
                name: String::new(),
                username: None,
                is_admin: false,
                email_verified: false,
            },
            &ctx(),
        )
        .await;
    assert!(matches!(e, Err(CoreError::WeakPassword("too_short"))));
}

/// Passwords have no age (ASVS V6.2.10): ten years after it was set, the same password
/// still signs in to a new session at once, nothing asks for a new one, and the stored hash
/// is left as it was.
#[tokio::test]
async fn passwords_never_expire() {
    let h = harness();
    let user = h.user("old@example.com", "correct-horse-1").await;
    let s = h
        .core
        .sign_in_password(
            "old@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    h.core
        .change_password(
            s.auth(),
            &Password::new("correct-horse-1"),
            &Password::new("set-ten-years-ago-1"),
            &ctx(),
        )
        .await
        .unwrap();
    let hash = h
        .store
        .user_by_id(user.id)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let messages = h.store.outbox_messages().len();

    h.clock.advance(Duration::days(3653));
    let signed_in = h
        .core
        .sign_in_login_name(
            "old@example.com",
            &Password::new("set-ten-years-ago-1"),
            None,
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let PasswordSignIn::Complete(signed_in) = signed_in else {
        panic!("a step was asked for: {signed_in:?}");
    };
    let token = h.core.issue_access_token(signed_in.auth()).unwrap();
    assert_eq!(
        h.core.verify_access_token(&token).await.unwrap().user_id,
        user.id,
        "a new session, usable at once"
    );
    let after = h.store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(
        after.password_hash, hash,
        "nothing rotated or flagged the password"
    );
    assert_eq!(after.status, crate::domain::UserStatus::Active);
    assert_eq!(
        h.store.outbox_messages().len(),
        messages,
        "no reminder to change it"
    );
}

#[tokio::test]
async fn duplicate_email_in_any_case_is_refused() {
    let h = harness();
    h.user("dup@example.com", "correct-horse-1").await;
    let e = h
        .core
        .create_user(
            CreateUser {
                email: "DUP@example.com".into(),
                password: Some(Password::new("correct-horse-1")),
                name: String::new(),
                username: None,
                is_admin: false,
                email_verified: false,
            },
            &ctx(),
        )
        .await;
    assert!(matches!(e, Err(CoreError::EmailTaken)));
}

async fn bind_phone(h: &Harness, auth: AuthContext, phone: &str) {
    h.core
        .request_phone_bind_code(auth, phone, &ctx())
        .await
        .unwrap();
    let code = h.last_code(OutboxChannel::Sms, phone).unwrap();
    h.core.bind_phone(auth, phone, &code, &ctx()).await.unwrap();
}

#[tokio::test]
async fn sms_codes_are_single_use_expiring_attempt_limited_with_cooldown() {
    let h = harness();
    h.user("sms@example.com", "correct-horse-1").await;
    let s = h
        .core
        .sign_in_password(
            "sms@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    bind_phone(&h, s.auth(), "+15550001111").await;

    h.clock.advance(Duration::minutes(5));
    h.core
        .request_sms_login_code("+15550001111", &ctx())
        .await
        .unwrap();
    assert!(matches!(
        h.core.request_sms_login_code("+15550001111", &ctx()).await,
        Err(CoreError::CodeRequestedTooOften)
    ));
    let code = h.last_code(OutboxChannel::Sms, "+15550001111").unwrap();
    assert!(h
        .core
        .sign_in_sms("+15550001111", &code, &ctx(), MULTI)
        .await
        .is_ok());
    assert!(
        matches!(
            h.core
                .sign_in_sms("+15550001111", &code, &ctx(), MULTI)
                .await,
            Err(CoreError::CodeInvalid)
        ),
        "used once"
    );

    h.clock.advance(Duration::minutes(2));
    h.core
        .request_sms_login_code("+15550001111", &ctx())
        .await
        .unwrap();
    let code = h.last_code(OutboxChannel::Sms, "+15550001111").unwrap();
    h.clock.advance(Duration::minutes(3));
    assert!(matches!(
        h.core
            .sign_in_sms("+15550001111", &code, &ctx(), MULTI)
            .await,
        Err(CoreError::CodeExpired)
    ));

    h.core
        .request_sms_login_code("+15550001111", &ctx())
        .await
        .unwrap();
    let code = h.last_code(OutboxChannel::Sms, "+15550001111").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert!(h
            .core
            .sign_in_sms("+15550001111", wrong, &ctx(), MULTI)
            .await
            .is_err());
    }
    // Four failures so far; the fifth attempt exhausts the account's failure budget.
    assert!(h
        .core
        .sign_in_sms("+15550001111", wrong, &ctx(), MULTI)
        .await
        .is_err());
    assert!(matches!(
        h.core
            .sign_in_sms("+15550001111", &code, &ctx(), MULTI)
            .await,
        Err(CoreError::AccountLocked)
    ));
}

#[tokio::test]
async fn unknown_phone_gets_the_same_answer_and_no_message() {
    let h = harness();
    h.core
        .request_sms_login_code("+15559990000", &ctx())
        .await
        .unwrap();
    assert!(h.store.outbox_messages().is_empty());
    assert!(matches!(
        h.core.request_sms_login_code("+15559990000", &ctx()).await,
        Err(CoreError::CodeRequestedTooOften)
    ));
}

#[tokio::test]
async fn code_requests_per_destination_are_limited() {
    let h = harness();
    for _ in 0..5 {
        h.core
            .request_password_reset("limit@example.com", None, &ctx())
            .await
            .unwrap();
        h.clock.advance(Duration::minutes(2));
    }
    assert!(matches!(
        h.core
            .request_password_reset("limit@example.com", None, &ctx())
            .await,
        Err(CoreError::RateLimited)
    ));
    h.clock.advance(Duration::hours(1));
    assert!(h
        .core
        .request_password_reset("limit@example.com", None, &ctx())
        .await
        .is_ok());
}

#[tokio::test]
async fn totp_enrol_sign_in_and_replay() {
    let h = harness();
    h.user("t@example.com", "correct-horse-1").await;
    let e = h
        .core
        .sign_in_totp("t@example.com", "123456", &ctx(), MULTI)
        .await;
    assert!(
        matches!(e, Err(CoreError::TotpNotEnrolled)),
        "no TOTP, no TOTP sign-in"
    );

    let s = h
        .core
        .sign_in_password(
            "t@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let uri = h.core.start_totp_enrolment(s.auth()).await.unwrap();
    assert!(uri.starts_with("otpauth://totp/tessera:t@example.com?issuer=tessera&secret="));
    let secret = uri.rsplit("secret=").next().unwrap().to_owned();
    let step = totp::step_of(h.clock.now().unix_timestamp());
    let c_now = totp::code_at_step(&secret, step).unwrap();
    let c_prev = totp::code_at_step(&secret, step - 1).unwrap();
    let same = h
        .core
        .confirm_totp_enrolment(s.auth(), &uri, &[c_now.clone(), c_now.clone()], &ctx())
        .await;
    assert!(
        matches!(same, Err(CoreError::TotpInvalid)),
        "two equal codes prove nothing"
    );
    h.core
        .confirm_totp_enrolment(s.auth(), &uri, &[c_prev, c_now.clone()], &ctx())
        .await
        .unwrap();
    let stored = h
        .store
        .user_by_email("t@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(stored.totp_secret.as_ref().unwrap()).contains(&secret),
        "sealed at rest"
    );

    assert!(
        h.core
            .sign_in_totp("t@example.com", &c_now, &ctx(), MULTI)
            .await
            .is_err(),
        "enrolment codes are spent"
    );
    h.clock.advance(Duration::seconds(30));
    let next = totp::code_at_step(&secret, step + 1).unwrap();
    assert!(h
        .core
        .sign_in_totp("t@example.com", &next, &ctx(), MULTI)
        .await
        .is_ok());
    assert!(
        matches!(
            h.core
                .sign_in_totp("t@example.com", &next, &ctx(), MULTI)
                .await,
            Err(CoreError::TotpInvalid)
        ),
        "replay refused"
    );
    assert!(h
        .core
        .sign_in_totp("t@example.com", "12345", &ctx(), MULTI)
        .await
        .is_err());
}

#[tokio::test]
async fn refresh_codes_work_once_and_only_for_their_session() {
    let h = harness();
    h.user("r@example.com", "correct-horse-1").await;
    let a = h
        .core
        .sign_in_password(
            "r@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let b = h
        .core
        .sign_in_password(
            "r@example.com",
            &Password::new("correct-horse-1"),
            &ctx(),
            MULTI,
        )
        .await
        .unwrap();
    let code = h.core.issue_refresh_code(a.auth()).await.unwrap();
    assert!(
        h.core.redeem_refresh_code(b.auth(), &code).await.is_err(),
        "another session's code"
    );
    let token = h.core.redeem_refresh_code(a.auth(), &code).await.unwrap();
    assert_eq!(h.core.verify_access_token(&token).await.unwrap(), a.auth());
    assert!(
        h.core.redeem_refresh_code(a.auth(), &code).await.is_err(),
        "single use"
    );
    let late = h.core.issue_refresh_code(a.auth()).await.unwrap();
    h.clock.advance(Duration::seconds(16));
    assert!(matches!(
        h.core.redeem_refresh_code(a.auth(), &late).await,
        Err(CoreError::CodeExpired)
    ));
}

#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<OutboxMessage>>,
    fail_transient: Mutex<u32>,
    fail_permanent: Mutex<bool>,
}

#[async_trait]
impl MailTransport for Recorder {
    async fn send_mail(&self, m: &OutboxMessage) -> Result<(), DeliveryError> {
        if *self.fail_permanent.lock().unwrap() {
            return Err(DeliveryError::permanent("550 no such user"));
        }
        let mut n = self.fail_transient.lock().unwrap();
        if *n > 0 {
            *n -= 1;
            return Err(DeliveryError::transient("connection refused"));
        }
        self.sent.lock().unwrap().push(m.clone());
        Ok(())
    }
}

#[async_trait]
impl SmsTransport for Recorder {
    async fn send_sms(&self, m: &OutboxMessage) -> Result<(), DeliveryError> {
        self.send_mail(m).await
    }
}

#[tokio::test]
async fn dispatcher_retries_with_backoff_and_gives_up_on_permanent_errors() {
    let h = harness();
    let rec = Arc::new(Recorder::default());
    *rec.fail_transient.lock().unwrap() = 2;
    let d = Dispatcher::new(
        h.core.clone(),
        rec.clone(),
        rec.clone(),
        RetryPolicy::default(),
    );
    h.core.request_password_reset_for_test().await;
    assert_eq!(d.run_once().await.unwrap(), 1);
    assert!(rec.sent.lock().unwrap().is_empty());
    assert_eq!(d.run_once().await.unwrap(), 0, "not due before its backoff");
    h.clock.advance(Duration::seconds(5));
    assert_eq!(d.run_once().await.unwrap(), 1);
    h.clock.advance(Duration::seconds(9));
    assert_eq!(d.run_once().await.unwrap(), 0, "second backoff is 10 s");
    h.clock.advance(Duration::seconds(1));
    assert_eq!(d.run_once().await.unwrap(), 1);
    assert_eq!(
        rec.sent.lock().unwrap().len(),
        1,
        "delivered on the third attempt"
    );
    let msg = &h.store.outbox_messages()[0];
    assert!(msg.sent_at.is_some());
    assert_eq!(msg.attempts, 3);

    *rec.fail_permanent.lock().unwrap() = true;
    h.clock.advance(Duration::minutes(2));
    h.core.request_password_reset_for_test().await;
    d.run_once().await.unwrap();
    h.clock.advance(Duration::hours(2));
    assert_eq!(
        d.run_once().await.unwrap(),
        0,
        "dead messages are not retried"
    );
    assert!(h.store.outbox_messages()[1].dead);
}

impl Core {
    async fn request_password_reset_for_test(&self) {
        if self.user_by_email("o@example.com").await.unwrap().is_none() {
            self.create_user(
                CreateUser {
                    email: "o@example.com".into(),
                    password: Some(Password::new("correct-horse-1")),
                    name: String::new(),
                    username: None,
                    is_admin: false,
                    email_verified: true,
                },
                &ctx(),
            )
            .await
            .unwrap();
        }
        self.request_password_reset("o@example.com", None, &ctx())
            .await
            .unwrap();
    }
}

mod tokens {
    use super::*;

    async fn token_login(h: &Harness, long: bool) -> IssuedTokens {
        let opts = h.core.token_session_options(long);
        let s = h
            .core
            .sign_in_password(
                "tok@example.com",
                &Password::new("correct-horse-1"),
                &ctx(),
                opts,
            )
            .await
            .unwrap();
        h.core.issue_tokens(s, long).await.unwrap()
    }

    #[tokio::test]
    async fn access_tokens_expire_and_refresh_rotates_both() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let t = token_login(&h, false).await;
        assert_eq!(t.expires_in, 3600);
        assert_eq!(h.core.verify_bearer(&t.access_token).await.unwrap(), t.auth);
        assert!(matches!(
            h.core.verify_bearer("not-a-token").await,
            Err(CoreError::SessionInvalid)
        ));
        h.clock.advance(Duration::seconds(3601));
        assert!(matches!(
            h.core.verify_bearer(&t.access_token).await,
            Err(CoreError::TokenExpired)
        ));
        let r = h
            .core
            .refresh_tokens(&t.refresh_token, &ctx())
            .await
            .unwrap();
        assert_eq!(r.expires_in, 3600);
        assert_ne!(r.access_token, t.access_token);
        assert_eq!(
            h.core.verify_bearer(&r.access_token).await.unwrap(),
            t.auth,
            "same session"
        );
        assert!(
            matches!(
                h.core.verify_bearer(&t.access_token).await,
                Err(CoreError::SessionInvalid)
            ),
            "old access token dies"
        );
    }

    #[tokio::test]
    async fn long_sessions_stay_long_across_refreshes() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let t = token_login(&h, true).await;
        assert_eq!(t.expires_in, 14 * 24 * 3600);
        h.clock.advance(Duration::days(13));
        assert!(
            h.core.verify_bearer(&t.access_token).await.is_ok(),
            "a long session survives a quiet day"
        );
        let r = h
            .core
            .refresh_tokens(&t.refresh_token, &ctx())
            .await
            .unwrap();
        assert_eq!(r.expires_in, 14 * 24 * 3600);
    }

    /// A client that refreshes just before each access token expires still loses the
    /// session at its absolute end (`core.session.absolute_lifetime_secs`): every refresh
    /// token it presents is fresh, but a refresh needs a live session, and refreshing never
    /// moves the session's end.
    #[tokio::test]
    async fn refresh_chain_ends_at_the_absolute_lifetime() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let cfg = h.core.config().clone();
        let started = h.core.now();
        let end = started + Duration::seconds(cfg.session.absolute_lifetime_secs);
        let mut t = token_login(&h, false).await;
        let step = Duration::seconds(t.expires_in - 1);
        assert!(
            step < Duration::seconds(t.expires_in + cfg.tokens.refresh_extra_secs),
            "each refresh token is presented well inside its own lifetime"
        );
        let bound = cfg.session.absolute_lifetime_secs / step.whole_seconds() + 2;
        let mut refreshes = 0_i64;
        let refused = loop {
            assert!(
                refreshes <= bound,
                "the chain outlived the absolute lifetime"
            );
            h.clock.advance(step);
            if h.core.now() < end {
                assert!(
                    h.core.verify_bearer(&t.access_token).await.is_ok(),
                    "the access token is still good just before it expires"
                );
            }
            match h.core.refresh_tokens(&t.refresh_token, &ctx()).await {
                Ok(next) => {
                    assert_eq!(next.auth, t.auth, "one session all along");
                    t = next;
                    refreshes += 1;
                }
                Err(e) => break e,
            }
        };
        assert!(matches!(refused, CoreError::InvalidGrant), "{refused:?}");
        assert!(h.core.now() >= end, "no refresh was refused before the end");
        assert!(
            h.core.now() < end + step,
            "the first refresh after the end is refused"
        );
        assert_eq!(
            refreshes,
            (cfg.session.absolute_lifetime_secs - 1) / step.whole_seconds(),
            "every refresh before the end succeeded"
        );
        assert!(matches!(
            h.core.verify_bearer(&t.access_token).await,
            Err(CoreError::SessionInvalid)
        ));
    }

    #[tokio::test]
    async fn concurrent_refreshes_within_grace_all_succeed_then_replay_revokes() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let t = token_login(&h, false).await;
        let mut fresh = Vec::new();
        for _ in 0..5 {
            fresh.push(
                h.core
                    .refresh_tokens(&t.refresh_token, &ctx())
                    .await
                    .unwrap(),
            );
        }
        for f in &fresh {
            assert!(
                h.core.verify_bearer(&f.access_token).await.is_ok(),
                "every pair from the grace window works"
            );
        }
        h.clock.advance(Duration::seconds(31));
        assert!(matches!(
            h.core.refresh_tokens(&t.refresh_token, &ctx()).await,
            Err(CoreError::InvalidGrant)
        ));
        for f in &fresh {
            assert!(
                h.core.verify_bearer(&f.access_token).await.is_err(),
                "a replay after the window revokes the session"
            );
        }
        assert!(h
            .core
            .refresh_tokens(&fresh[0].refresh_token, &ctx())
            .await
            .is_err());
    }

    #[tokio::test]
    async fn refresh_tokens_end_and_logout_kills_the_pair_family() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let a = token_login(&h, false).await;
        let b = token_login(&h, false).await;
        h.core.sign_out(a.auth, &ctx()).await.unwrap();
        assert!(h.core.verify_bearer(&a.access_token).await.is_err());
        assert!(matches!(
            h.core.refresh_tokens(&a.refresh_token, &ctx()).await,
            Err(CoreError::InvalidGrant)
        ));
        assert!(
            h.core.verify_bearer(&b.access_token).await.is_ok(),
            "other sessions survive a logout"
        );
        h.clock.advance(Duration::seconds(3600 + 8 * 3600 + 1));
        assert!(matches!(
            h.core.refresh_tokens(&b.refresh_token, &ctx()).await,
            Err(CoreError::InvalidGrant)
        ));
    }

    #[tokio::test]
    async fn password_change_kills_other_token_sessions() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        let a = token_login(&h, false).await;
        let b = token_login(&h, false).await;
        h.core
            .change_password(
                a.auth,
                &Password::new("correct-horse-1"),
                &Password::new("another-horse-2"),
                &ctx(),
            )
            .await
            .unwrap();
        assert!(h.core.verify_bearer(&a.access_token).await.is_ok());
        assert!(h.core.verify_bearer(&b.access_token).await.is_err());
        assert!(h
            .core
            .refresh_tokens(&b.refresh_token, &ctx())
            .await
            .is_err());
    }

    #[tokio::test]
    async fn login_codes_work_once() {
        let h = harness();
        h.user("tok@example.com", "correct-horse-1").await;
        h.core
            .request_login_code("tok@example.com", 1800, &ctx())
            .await
            .unwrap();
        let code = h.last_code(OutboxChannel::Mail, "tok@example.com").unwrap();
        let opts = h.core.token_session_options(false);
        assert!(h
            .core
            .sign_in_login_code("tok@example.com", &code, &ctx(), opts)
            .await
            .is_ok());
        assert!(matches!(
            h.core
                .sign_in_login_code("tok@example.com", &code, &ctx(), opts)
                .await,
            Err(CoreError::CodeInvalid)
        ));
        h.core
            .request_login_code("nobody@example.com", 1800, &ctx())
            .await
            .unwrap();
        assert!(
            h.last_code(OutboxChannel::Mail, "nobody@example.com")
                .is_none(),
            "no mail for unknown addresses"
        );
    }

    #[tokio::test]
    async fn email_verification_links_work_once_and_expire() {
        let h = harness();
        let u = h
            .core
            .create_user(
                CreateUser {
                    email: "ver@example.com".into(),
                    password: Some(Password::new("correct-horse-1")),
                    name: String::new(),
                    username: None,
                    is_admin: false,
                    email_verified: false,
                },
                &ctx(),
            )
            .await
            .unwrap();
        let s = h
            .core
            .sign_in_password(
                "ver@example.com",
                &Password::new("correct-horse-1"),
                &ctx(),
                MULTI,
            )
            .await
            .unwrap();
        h.core
            .start_email_verification(s.auth(), "https://x/verify?d=", 60, &ctx())
            .await
            .unwrap();
        let first = h.store.outbox_messages().last().unwrap().params["link"]
            .as_str()
            .unwrap()
            .to_owned();
        h.core
            .start_email_verification(s.auth(), "https://x/verify?d=", 60, &ctx())
            .await
            .unwrap();
        let second = h.store.outbox_messages().last().unwrap().params["link"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = |l: &str| l.rsplit("d=").next().unwrap().to_owned();
        assert!(
            h.core.confirm_email(&token(&first), &ctx()).await.is_err(),
            "a new link replaces the old one"
        );
        assert!(h.core.confirm_email("garbage", &ctx()).await.is_err());
        h.clock.advance(Duration::seconds(61));
        assert!(matches!(
            h.core.confirm_email(&token(&second), &ctx()).await,
            Err(CoreError::CodeExpired)
        ));
        h.core
            .start_email_verification(s.auth(), "https://x/verify?d=", 60, &ctx())
            .await
            .unwrap();
        let third = h.store.outbox_messages().last().unwrap().params["link"]
            .as_str()
            .unwrap()
            .to_owned();
        h.core.confirm_email(&token(&third), &ctx()).await.unwrap();
        assert!(h.core.user(u.id).await.unwrap().email_verified_at.is_some());
        assert!(
            h.core.confirm_email(&token(&third), &ctx()).await.is_ok(),
            "a second click on a confirmed account succeeds"
        );
        assert!(matches!(
            h.core
                .start_email_verification(s.auth(), "x", 60, &ctx())
                .await,
            Err(CoreError::AlreadyVerified)
        ));
    }

    fn google(email: &str, verified: bool) -> crate::ports::ExternalIdentity {
        crate::ports::ExternalIdentity {
            provider: "google".into(),
            subject: "sub-1".into(),
            email: email.into(),
            email_verified: verified,
            name: Some("G User".into()),
        }
    }

    #[tokio::test]
    async fn external_sign_in_creates_a_verified_passwordless_account_once() {
        let h = harness();
        let first = h
            .core
            .sign_in_external(&google("G@Example.com", true), &ctx(), MULTI)
            .await
            .unwrap();
        assert_eq!(first.user.source.0, "google");
        assert!(first.user.email_verified_at.is_some());
        assert!(first.user.password_hash.is_none());
        let again = h
            .core
            .sign_in_external(&google("g@example.com", true), &ctx(), MULTI)
            .await
            .unwrap();
        assert_eq!(again.user.id, first.user.id, "same address, same account");
        assert!(h
            .core
            .sign_in_password("g@example.com", &Password::new("anything1"), &ctx(), MULTI)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn external_sign_in_never_links_to_another_source() {
        let h = harness();
        h.user("taken@example.com", "correct horse 1").await;
        assert!(matches!(
            h.core
                .sign_in_external(&google("taken@example.com", true), &ctx(), MULTI)
                .await,
            Err(CoreError::EmailTaken)
        ));
        let mut fb = google("fb@example.com", true);
        fb.provider = "facebook".into();
        h.core.sign_in_external(&fb, &ctx(), MULTI).await.unwrap();
        assert!(matches!(
            h.core
                .sign_in_external(&google("fb@example.com", true), &ctx(), MULTI)
                .await,
            Err(CoreError::EmailTaken)
        ));
    }

    #[tokio::test]
    async fn external_sign_in_refuses_an_unverified_address() {
        let h = harness();
        assert!(matches!(
            h.core
                .sign_in_external(&google("new@example.com", false), &ctx(), MULTI)
                .await,
            Err(CoreError::InvalidInput(_))
        ));
        assert!(h
            .core
            .sign_in_password("new@example.com", &Password::new("x"), &ctx(), MULTI)
            .await
            .is_err());
    }

    fn req(email: &str) -> CreateUser {
        CreateUser {
            email: email.into(),
            password: Some(Password::new("correct horse 1")),
            name: String::new(),
            username: None,
            is_admin: false,
            email_verified: false,
        }
    }

    #[tokio::test]
    async fn closed_registration_refuses_clients_but_not_operators() {
        use crate::config::RegistrationMode;
        let h = harness_with(|c| c.registration.mode = RegistrationMode::Close);
        assert!(matches!(
            h.core.register(req("a@example.com"), &ctx(), MULTI).await,
            Err(CoreError::RegistrationClosed)
        ));
        assert!(matches!(
            h.core
                .register_with_invite(req("a@example.com"), Some("any"), &ctx(), MULTI)
                .await,
            Err(CoreError::RegistrationClosed)
        ));
        assert!(matches!(
            h.core
                .sign_in_external(&google("new@example.com", true), &ctx(), MULTI)
                .await,
            Err(CoreError::RegistrationClosed)
        ));
        h.user("op@example.com", "correct horse 1").await;
    }

    #[tokio::test]
    async fn invite_mode_needs_a_code_with_a_use_left() {
        use crate::config::RegistrationMode;
        let h = harness_with(|c| c.registration.mode = RegistrationMode::Invite);
        let inviter = h.user("inviter@example.com", "correct horse 1").await;
        assert!(matches!(
            h.core.register(req("a@example.com"), &ctx(), MULTI).await,
            Err(CoreError::InviteRequired)
        ));
        assert!(matches!(
            h.core
                .register_with_invite(req("a@example.com"), Some("nope"), &ctx(), MULTI)
                .await,
            Err(CoreError::InviteInvalid)
        ));
        let code = h.core.create_invite(Some(inviter.id), None).await.unwrap();
        assert!(matches!(
            h.core
                .register_with_invite(req("a@example.com"), Some(&code), &ctx(), MULTI)
                .await,
            Err(CoreError::InviteExhausted)
        ));
        h.core.set_invite_quota(inviter.id, 1).await.unwrap();
        // A registration that fails gives its use back.
        assert!(matches!(
            h.core
                .register_with_invite(req("inviter@example.com"), Some(&code), &ctx(), MULTI)
                .await,
            Err(CoreError::EmailTaken)
        ));
        assert_eq!(h.core.invite_quota(inviter.id).await.unwrap(), 1);
        h.core
            .register_with_invite(
                req("a@example.com"),
                Some(&format!(" {code} ")),
                &ctx(),
                MULTI,
            )
            .await
            .unwrap();
        assert_eq!(h.core.invite_quota(inviter.id).await.unwrap(), 0);
        assert!(matches!(
            h.core
                .register_with_invite(req("b@example.com"), Some(&code), &ctx(), MULTI)
                .await,
            Err(CoreError::InviteExhausted)
        ));
        let system = h.core.create_invite(None, Some(1)).await.unwrap();
        h.core
            .register_with_invite(req("b@example.com"), Some(&system), &ctx(), MULTI)
            .await
            .unwrap();
        assert!(matches!(
            h.core
                .register_with_invite(req("c@example.com"), Some(&system), &ctx(), MULTI)
                .await,
            Err(CoreError::InviteInvalid)
        ));
        assert!(matches!(
            h.core
                .sign_in_external(&google("new@example.com", true), &ctx(), MULTI)
                .await,
            Err(CoreError::InviteRequired)
        ));
    }

    #[tokio::test]
    async fn open_mode_ignores_unknown_codes_and_grants_the_default_quota() {
        let h = harness_with(|c| c.registration.default_invite_quota = 10);
        let s = h
            .core
            .register_with_invite(req("a@example.com"), Some("unknown"), &ctx(), MULTI)
            .await
            .unwrap();
        assert_eq!(h.core.invite_quota(s.user.id).await.unwrap(), 10);
    }
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the per-area test modules (`admin_tests`, `email_otp_tests`,
// `gdpr_tests`, `files_tests`, `recovery_tests`).

/// The request context of test requests (with an IP, so tests can see it kept or dropped).
pub(crate) fn test_ctx() -> RequestContext {
    ctx()
}

/// A harness whose core keeps uploads and processes avatars with `media`, so a test can
/// hold the same blob store and see what is left in it.
pub(crate) fn harness_with_media(tweak: impl FnOnce(&mut CoreConfig), media: Media) -> Harness {
    let clock = ManualClock::new(datetime!(2026-01-01 12:00:00 UTC));
    let store = Arc::new(MemoryStore::new());
    let mut config = CoreConfig::default();
    config.password.hash = HashParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    tweak(&mut config);
    let core = Core::with_media(
        store.clone(),
        Arc::new(clock.clone()),
        ServerKeys::for_tests(),
        config,
        media,
    )
    .unwrap();
    Harness { core, clock, store }
}

impl Harness {
    /// Creates an active account with a confirmed address (and the given username,
    /// password and administrator flag).
    pub(crate) async fn account(
        &self,
        email: &str,
        username: Option<&str>,
        password: Option<&str>,
        is_admin: bool,
    ) -> crate::domain::User {
        self.core
            .create_user(
                CreateUser {
                    email: email.into(),
                    password: password.map(Password::new),
                    name: "Test".into(),
                    username: username.map(str::to_owned),
                    is_admin,
                    email_verified: true,
                },
                &ctx(),
            )
            .await
            .unwrap()
    }

    /// The outbox messages addressed to `to`, oldest first.
    pub(crate) fn mails_to(&self, to: &str) -> Vec<OutboxMessage> {
        self.store
            .outbox_messages()
            .into_iter()
            .filter(|m| m.recipient == to)
            .collect()
    }
}
