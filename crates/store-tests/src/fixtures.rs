//! Builders for test data and a helper to race many tasks, shared by the cases (and
//! usable by other crates' tests).
//!
//! Times: every instant is built from a fixed base with a microsecond part, because the
//! store keeps microsecond precision (instants are rounded down to the microsecond), so
//! round-trip equality holds. Nothing here reads the clock.

use std::future::Future;
use std::sync::Arc;

use tessera_core::domain::{
    Email, FileKind, NewRole, NewUser, OneTimeCode, OutboxChannel, OutboxMessage, Session,
    SessionId, StoredFile, UserId, UserSource, UserStatus,
};
use tessera_core::store::SharedStore;
use time::{Duration, OffsetDateTime};
use tokio::sync::Barrier;
use uuid::Uuid;

/// Instant `secs` seconds after the fixed base (2024-03-01 12:00:00.123456 UTC).
pub fn t(secs: i64) -> OffsetDateTime {
    time::macros::datetime!(2024-03-01 12:00:00.123_456 UTC) + Duration::seconds(secs)
}

/// A new local account with this address and optional username, created at `t(created)`.
pub fn new_user(email: &str, username: Option<&str>, created: i64) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: Email::from_trusted(email.to_owned()),
        username: username.map(str::to_owned),
        name: format!("Name of {email}"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        source: UserSource::local(),
        is_admin: false,
        email_verified_at: None,
        created_at: t(created),
        status: UserStatus::Active,
        created_by: None,
    }
}

/// A live session of `user` created at `t(created)`.
pub fn session(user: UserId, created: i64) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: t(created),
        last_seen_at: t(created),
        expires_at: t(created + 86_400),
        idle_timeout_secs: 3_600,
        ip: Some("192.0.2.7".to_owned()),
        user_agent: Some("conformance/1.0".to_owned()),
        method: "password".to_owned(),
        dialect: "weplanx".to_owned(),
        revoked_at: None,
    }
}

/// A fresh code for (purpose, subject) issued at `t(created)`, valid 10 minutes, 3 tries.
pub fn code(purpose: &str, subject: &str, created: i64) -> OneTimeCode {
    OneTimeCode {
        id: Uuid::now_v7(),
        purpose: purpose.to_owned(),
        subject: subject.to_owned(),
        code_hash: vec![0xAB; 32],
        data: Some(vec![1, 2, 3, 0, 255]),
        created_at: t(created),
        expires_at: t(created + 600),
        attempts_left: 3,
        consumed_at: None,
    }
}

/// A file row `id` of `owner`, `size` bytes, uploaded at `t(created)`.
pub fn stored_file(owner: UserId, id: &str, kind: FileKind, size: i64, created: i64) -> StoredFile {
    StoredFile {
        id: id.to_owned(),
        owner,
        kind,
        name: format!("{id}.bin"),
        content_type: "application/octet-stream".to_owned(),
        size,
        sha256: format!("{:064x}", size),
        blob_key: format!("blobs/{id}"),
        created_at: t(created),
    }
}

/// An enabled role `name` with these permission ids, created at `t(created)`.
pub fn new_role(name: &str, permissions: &[i32], created: i64) -> NewRole {
    NewRole {
        name: name.to_owned(),
        permissions: permissions.to_vec(),
        enabled: true,
        created_at: t(created),
    }
}

/// A mail message to `to`, due at `t(at)`.
pub fn mail(to: &str, at: i64) -> OutboxMessage {
    let mut m = OutboxMessage::new(OutboxChannel::Mail, to, "Subject", "Body", t(at));
    m.body_html = Some("<p>Body</p>".to_owned());
    m.params = serde_json::json!({ "code": "123456", "n": 3 });
    m
}

/// Runs `n` copies of `f(store, i)` at once (released together by a barrier) on the
/// runtime's worker threads and returns their results in task order.
///
/// # Panics
/// When a task panics.
pub async fn race<T, F, Fut>(store: &SharedStore, n: usize, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(SharedStore, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let barrier = Arc::clone(&barrier);
        let task = f(Arc::clone(store), i);
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            task.await
        }));
    }
    let mut out = Vec::with_capacity(n);
    for handle in handles {
        match handle.await {
            Ok(v) => out.push(v),
            Err(e) => panic!("raced task failed: {e}"),
        }
    }
    out
}
