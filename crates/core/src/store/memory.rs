//! An in-memory store: the reference behaviour of the store ports, used by the core's unit
//! tests (so rules are tested with a moved clock and no database) and held to the same
//! conformance suite as the real engines. Not for production: nothing survives a restart.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::domain::{FileKind, NewRole, Role, StoredFile, TokenPair};

#[derive(Default)]
struct State {
    users: Vec<User>,
    sessions: Vec<Session>,
    codes: Vec<OneTimeCode>,
    lockouts: HashMap<String, LockoutState>,
    logins: Vec<LoginEvent>,
    audit: Vec<AuditEvent>,
    outbox: Vec<OutboxMessage>,
    secrets: HashMap<String, Vec<u8>>,
    settings: HashMap<String, String>,
    tokens: Vec<TokenPair>,
    numbers: HashMap<UserId, i64>,
    todos: Vec<crate::domain::TodoItem>,
    last_todo_id: i64,
    invites: Vec<crate::domain::InviteCode>,
    quotas: HashMap<UserId, i64>,
    roles: Vec<Role>,
    last_role_id: i64,
    user_roles: Vec<(UserId, i64)>,
    files: Vec<StoredFile>,
    identities: Vec<ExternalBinding>,
}

/// The in-memory store.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every outbox message (tests read what would have been sent).
    pub fn outbox_messages(&self) -> Vec<OutboxMessage> {
        self.lock().outbox.clone()
    }
}

/// Engines keep microseconds in UTC; so does the reference store.
fn micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

fn normalize(u: &mut User) {
    u.created_at = micros(u.created_at);
    u.updated_at = micros(u.updated_at);
    u.email_verified_at = u.email_verified_at.map(micros);
    u.last_login_at = u.last_login_at.map(micros);
    u.confirmation_sent_at = u.confirmation_sent_at.map(micros);
    u.deleted_at = u.deleted_at.map(micros);
}

/// Whether an account matches a search prefix: what the engines' range on the normalised
/// e-mail and username selects.
fn matches_prefix(u: &User, prefix: &str) -> bool {
    u.email.normalized().starts_with(prefix)
        || u.username
            .as_deref()
            .is_some_and(|n| n.to_lowercase().starts_with(prefix))
}

fn conflicts(users: &[User], u: &User) -> Option<UniqueField> {
    for other in users.iter().filter(|o| o.id != u.id) {
        if other.email.normalized() == u.email.normalized() {
            return Some(UniqueField::Email);
        }
        if let (Some(a), Some(b)) = (&other.username, &u.username) {
            if a.to_lowercase() == b.to_lowercase() {
                return Some(UniqueField::Username);
            }
        }
        if other.phone.is_some() && other.phone == u.phone {
            return Some(UniqueField::Phone);
        }
    }
    None
}

fn revoke_where(
    sessions: &mut [Session],
    now: OffsetDateTime,
    pred: impl Fn(&Session) -> bool,
) -> Vec<SessionId> {
    let mut ids = Vec::new();
    for s in sessions
        .iter_mut()
        .filter(|s| s.revoked_at.is_none() && pred(s))
    {
        s.revoked_at = Some(now);
        ids.push(s.id);
    }
    ids
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn insert_user(&self, user: &NewUser, outbox: &[OutboxMessage]) -> StoreResult<User> {
        let mut st = self.lock();
        let mut u = user.clone().into_user();
        normalize(&mut u);
        if let Some(f) = conflicts(&st.users, &u) {
            return Err(StoreError::Conflict(f));
        }
        st.users.push(u.clone());
        st.outbox.extend_from_slice(outbox);
        Ok(u)
    }
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        Ok(self.lock().users.iter().find(|u| u.id == id).cloned())
    }
    async fn user_by_email(&self, email_normalized: &str) -> StoreResult<Option<User>> {
        Ok(self
            .lock()
            .users
            .iter()
            .find(|u| u.email.normalized() == email_normalized)
            .cloned())
    }
    async fn user_by_phone(&self, phone: &Phone) -> StoreResult<Option<User>> {
        Ok(self
            .lock()
            .users
            .iter()
            .find(|u| u.phone.as_ref() == Some(phone))
            .cloned())
    }
    async fn user_by_username(&self, username_normalized: &str) -> StoreResult<Option<User>> {
        Ok(self
            .lock()
            .users
            .iter()
            .find(|u| {
                u.username.as_deref().map(str::to_lowercase).as_deref() == Some(username_normalized)
            })
            .cloned())
    }
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        write_user(&mut self.lock(), user)
    }
    async fn set_password_hash(
        &self,
        user_id: UserId,
        hash: &str,
        now: OffsetDateTime,
        revoke: RevokeSessions,
        outbox: &[OutboxMessage],
    ) -> StoreResult<Vec<SessionId>> {
        let mut st = self.lock();
        let slot = st
            .users
            .iter_mut()
            .find(|u| u.id == user_id)
            .ok_or(StoreError::NotFound)?;
        slot.password_hash = Some(hash.to_owned());
        slot.updated_at = now;
        let ids = match revoke {
            RevokeSessions::None => Vec::new(),
            RevokeSessions::All => revoke_where(&mut st.sessions, now, |s| s.user_id == user_id),
            RevokeSessions::AllExcept(keep) => revoke_where(&mut st.sessions, now, |s| {
                s.user_id == user_id && s.id != keep
            }),
        };
        st.outbox.extend_from_slice(outbox);
        Ok(ids)
    }
    async fn advance_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        let mut st = self.lock();
        let slot = st
            .users
            .iter_mut()
            .find(|u| u.id == user_id)
            .ok_or(StoreError::NotFound)?;
        if slot.totp_last_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        slot.totp_last_step = Some(step);
        Ok(true)
    }
    async fn list_users(&self, offset: i64, limit: i64) -> StoreResult<Vec<User>> {
        let mut users = self.lock().users.clone();
        users.sort_by_key(|u| (u.created_at, u.id));
        let skip = usize::try_from(offset).unwrap_or(0);
        let take = usize::try_from(limit).unwrap_or(0);
        Ok(users.into_iter().skip(skip).take(take).collect())
    }
    async fn count_users(&self) -> StoreResult<i64> {
        Ok(i64::try_from(self.lock().users.len()).unwrap_or(i64::MAX))
    }
    async fn search_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        let mut users: Vec<User> = self
            .lock()
            .users
            .iter()
            .filter(|u| query.include_deleted || u.deleted_at.is_none())
            .filter(|u| query.prefix.as_deref().is_none_or(|p| matches_prefix(u, p)))
            .cloned()
            .collect();
        users.sort_by_key(|u| (u.created_at, u.id));
        if query.descending {
            users.reverse();
        }
        let skip = usize::try_from(query.offset).unwrap_or(0);
        let take = usize::try_from(query.limit).unwrap_or(0);
        Ok(users.into_iter().skip(skip).take(take).collect())
    }
    async fn erase_user(&self, erasure: &Erasure) -> StoreResult<Vec<SessionId>> {
        let mut guard = self.lock();
        let st = &mut *guard;
        // Fails before changing anything, as the engines roll back.
        write_user(st, &erasure.user)?;
        let id = erasure.user.id;
        if let Some(u) = st.users.iter_mut().find(|u| u.id == id) {
            u.password_hash = None;
            u.totp_secret = None;
            u.totp_last_step = None;
        }
        let revoked = revoke_where(&mut st.sessions, erasure.now, |s| s.user_id == id);
        for s in st.sessions.iter_mut().filter(|s| s.user_id == id) {
            s.ip = None;
            s.user_agent = None;
        }
        st.tokens.retain(|t| t.user_id != id);
        st.codes
            .retain(|c| !erasure.code_subjects.contains(&c.subject));
        st.outbox
            .retain(|m| !erasure.recipients.contains(&m.recipient));
        st.todos.retain(|t| t.user_id != id);
        st.user_roles.retain(|(u, _)| *u != id);
        st.files.retain(|f| f.owner != id);
        st.logins.retain(|e| e.user_id != Some(id));
        for e in st
            .audit
            .iter_mut()
            .filter(|e| e.actor == Some(id) || e.target == Some(id))
        {
            e.ip = None;
        }
        st.quotas.remove(&id);
        st.identities.retain(|b| b.user_id != id);
        Ok(revoked)
    }
}

/// `update_user` on the locked state: every mutable field but the credentials that have
/// their own atomic methods.
fn write_user(st: &mut State, user: &User) -> StoreResult<()> {
    if let Some(f) = conflicts(&st.users, user) {
        return Err(StoreError::Conflict(f));
    }
    let slot = st
        .users
        .iter_mut()
        .find(|u| u.id == user.id)
        .ok_or(StoreError::NotFound)?;
    let (hash, step, created) = (
        slot.password_hash.clone(),
        slot.totp_last_step,
        slot.created_at,
    );
    *slot = user.clone();
    normalize(slot);
    slot.password_hash = hash;
    slot.totp_last_step = step;
    slot.created_at = created;
    Ok(())
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(
        &self,
        session: &Session,
        single_per_user: bool,
    ) -> StoreResult<Vec<SessionId>> {
        let mut st = self.lock();
        if !st.users.iter().any(|u| u.id == session.user_id) {
            return Err(StoreError::NotFound);
        }
        let ids = if single_per_user {
            revoke_where(&mut st.sessions, session.created_at, |s| {
                s.user_id == session.user_id && s.dialect == session.dialect
            })
        } else {
            Vec::new()
        };
        st.sessions.push(session.clone());
        Ok(ids)
    }
    async fn session_by_id(&self, id: SessionId) -> StoreResult<Option<Session>> {
        Ok(self.lock().sessions.iter().find(|s| s.id == id).cloned())
    }
    async fn touch_session(&self, id: SessionId, seen_at: OffsetDateTime) -> StoreResult<()> {
        if let Some(s) = self.lock().sessions.iter_mut().find(|s| s.id == id) {
            if seen_at > s.last_seen_at {
                s.last_seen_at = seen_at;
            }
        }
        Ok(())
    }
    async fn revoke_session(&self, id: SessionId, now: OffsetDateTime) -> StoreResult<bool> {
        Ok(!revoke_where(&mut self.lock().sessions, now, |s| s.id == id).is_empty())
    }
    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        except: Option<SessionId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>> {
        Ok(revoke_where(&mut self.lock().sessions, now, |s| {
            s.user_id == user_id && Some(s.id) != except
        }))
    }
    async fn list_user_sessions(&self, user_id: UserId) -> StoreResult<Vec<Session>> {
        Ok(self
            .lock()
            .sessions
            .iter()
            .filter(|s| s.user_id == user_id && s.revoked_at.is_none())
            .cloned()
            .collect())
    }
    async fn revoke_unexpired_sessions(
        &self,
        user_id: Option<UserId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>> {
        Ok(revoke_where(&mut self.lock().sessions, now, |s| {
            s.expires_at > now && user_id.is_none_or(|u| s.user_id == u)
        }))
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    async fn put_code(
        &self,
        code: &OneTimeCode,
        outbox: Option<&OutboxMessage>,
    ) -> StoreResult<()> {
        let mut st = self.lock();
        st.codes
            .retain(|c| !(c.purpose == code.purpose && c.subject == code.subject));
        st.codes.push(code.clone());
        if let Some(m) = outbox {
            st.outbox.push(m.clone());
        }
        Ok(())
    }
    async fn live_code(&self, purpose: &str, subject: &str) -> StoreResult<Option<OneTimeCode>> {
        Ok(self
            .lock()
            .codes
            .iter()
            .filter(|c| c.purpose == purpose && c.subject == subject && c.consumed_at.is_none())
            .max_by_key(|c| c.created_at)
            .cloned())
    }
    async fn spend_code_attempt(&self, id: Uuid) -> StoreResult<Option<i32>> {
        let mut st = self.lock();
        match st.codes.iter_mut().find(|c| c.id == id) {
            Some(c) if c.attempts_left > 0 => {
                c.attempts_left -= 1;
                Ok(Some(c.attempts_left))
            }
            _ => Ok(None),
        }
    }
    async fn consume_code(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        let mut st = self.lock();
        match st
            .codes
            .iter_mut()
            .find(|c| c.id == id && c.consumed_at.is_none())
        {
            Some(c) => {
                c.consumed_at = Some(now);
                Ok(true)
            }
            None => Ok(false),
        }
    }
    async fn delete_codes(&self, purpose: &str, subject: &str) -> StoreResult<()> {
        self.lock()
            .codes
            .retain(|c| !(c.purpose == purpose && c.subject == subject));
        Ok(())
    }
    async fn purge_codes(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut st = self.lock();
        let n = st.codes.len();
        st.codes.retain(|c| c.expires_at >= before);
        Ok((n - st.codes.len()) as u64)
    }
}

#[async_trait]
impl LockoutStore for MemoryStore {
    async fn lockout_get(&self, key: &str) -> StoreResult<Option<LockoutState>> {
        Ok(self.lock().lockouts.get(key).copied())
    }
    async fn lockout_record_failure(
        &self,
        key: &str,
        u: FailureUpdate,
    ) -> StoreResult<LockoutState> {
        let mut st = self.lock();
        let next = match st.lockouts.get(key) {
            Some(s) if s.window_started_at > u.window_cutoff => LockoutState {
                failures: s.failures + 1,
                window_started_at: s.window_started_at,
                locked_until: if s.failures + 1 >= u.max_failures {
                    Some(u.lock_until)
                } else {
                    s.locked_until
                },
            },
            _ => LockoutState {
                failures: 1,
                window_started_at: u.now,
                locked_until: if 1 >= u.max_failures {
                    Some(u.lock_until)
                } else {
                    None
                },
            },
        };
        st.lockouts.insert(key.to_owned(), next);
        Ok(next)
    }
    async fn lockout_clear(&self, key: &str) -> StoreResult<()> {
        self.lock().lockouts.remove(key);
        Ok(())
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn record_login(&self, event: &LoginEvent) -> StoreResult<()> {
        self.lock().logins.push(event.clone());
        Ok(())
    }
    async fn login_summary(&self, user_id: UserId) -> StoreResult<(i64, Option<LoginEvent>)> {
        let st = self.lock();
        let ok: Vec<&LoginEvent> = st
            .logins
            .iter()
            .filter(|e| e.success && e.user_id == Some(user_id))
            .collect();
        let last = ok.iter().max_by_key(|e| (e.at, e.id)).map(|e| (*e).clone());
        Ok((i64::try_from(ok.len()).unwrap_or(i64::MAX), last))
    }
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        self.lock().audit.push(event.clone());
        Ok(())
    }
    async fn list_audit(&self, user: Option<UserId>, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        let st = self.lock();
        let mut v: Vec<AuditEvent> = st
            .audit
            .iter()
            .filter(|e| user.is_none() || e.actor == user || e.target == user)
            .cloned()
            .collect();
        v.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        v.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(v)
    }
    async fn purge_audit(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut st = self.lock();
        let n = st.audit.len() + st.logins.len();
        st.audit.retain(|e| e.at >= before);
        st.logins.retain(|e| e.at >= before);
        Ok((n - st.audit.len() - st.logins.len()) as u64)
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn enqueue(&self, message: &OutboxMessage) -> StoreResult<()> {
        self.lock().outbox.push(message.clone());
        Ok(())
    }
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let mut st = self.lock();
        let mut due: Vec<&mut OutboxMessage> = st
            .outbox
            .iter_mut()
            .filter(|m| m.sent_at.is_none() && !m.dead && m.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|m| (m.next_attempt_at, m.id));
        let take = usize::try_from(limit).unwrap_or(0);
        Ok(due
            .into_iter()
            .take(take)
            .map(|m| {
                m.next_attempt_at = lease_until;
                m.clone()
            })
            .collect())
    }
    async fn mark_sent(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        let mut st = self.lock();
        let m = st
            .outbox
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(StoreError::NotFound)?;
        m.sent_at = Some(now);
        m.attempts += 1;
        redact(m);
        Ok(())
    }
    async fn mark_failed(
        &self,
        id: Uuid,
        error: &str,
        next: OffsetDateTime,
        dead: bool,
    ) -> StoreResult<()> {
        let mut st = self.lock();
        let m = st
            .outbox
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(StoreError::NotFound)?;
        m.attempts += 1;
        m.last_error = Some(error.to_owned());
        m.next_attempt_at = next;
        m.dead = dead;
        if dead {
            redact(m);
        }
        Ok(())
    }
    async fn outbox_message(&self, id: Uuid) -> StoreResult<Option<OutboxMessage>> {
        Ok(self.lock().outbox.iter().find(|m| m.id == id).cloned())
    }
}

#[async_trait]
impl KeyStore for MemoryStore {
    async fn secret_get_or_insert(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>> {
        Ok(self
            .lock()
            .secrets
            .entry(name.to_owned())
            .or_insert_with(|| candidate.to_vec())
            .clone())
    }
    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.lock().settings.get(key).cloned())
    }
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.lock()
            .settings
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
    fn engine(&self) -> &'static str {
        "memory"
    }
}

#[async_trait]
impl TodoStore for MemoryStore {
    async fn insert_todo(&self, item: &crate::domain::NewTodoItem) -> StoreResult<i64> {
        let mut st = self.lock();
        if !st.users.iter().any(|u| u.id == item.user_id) {
            return Err(StoreError::NotFound);
        }
        st.last_todo_id += 1;
        let id = st.last_todo_id;
        st.todos.push(crate::domain::TodoItem {
            id,
            user_id: item.user_id,
            task: item.task.clone(),
            more_info: item.more_info.clone(),
            date: item.date,
            repeat: item.repeat.clone(),
            finished: false,
            done_through: None,
            created_at: micros(item.created_at),
            updated_at: micros(item.created_at),
        });
        Ok(id)
    }
    async fn todo_by_id(
        &self,
        user: UserId,
        id: i64,
    ) -> StoreResult<Option<crate::domain::TodoItem>> {
        Ok(self
            .lock()
            .todos
            .iter()
            .find(|t| t.id == id && t.user_id == user)
            .cloned())
    }
    async fn list_open_todos(&self, user: UserId) -> StoreResult<Vec<crate::domain::TodoItem>> {
        // Kept in insertion order, which is id order.
        Ok(self
            .lock()
            .todos
            .iter()
            .filter(|t| t.user_id == user && !t.finished)
            .cloned()
            .collect())
    }
    async fn count_open_todos(&self, user: UserId) -> StoreResult<i64> {
        let st = self.lock();
        let n = st
            .todos
            .iter()
            .filter(|t| t.user_id == user && !t.finished)
            .count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
    async fn update_todo(
        &self,
        user: UserId,
        id: i64,
        change: &crate::domain::TodoChange,
    ) -> StoreResult<bool> {
        let mut st = self.lock();
        let Some(t) = st
            .todos
            .iter_mut()
            .find(|t| t.id == id && t.user_id == user && !t.finished)
        else {
            return Ok(false);
        };
        t.task.clone_from(&change.task);
        t.more_info.clone_from(&change.more_info);
        t.date = change.date;
        t.repeat.clone_from(&change.repeat);
        if change.reset_done_through {
            t.done_through = None;
        }
        t.updated_at = micros(change.updated_at);
        Ok(true)
    }
    async fn finish_todo(&self, user: UserId, id: i64, now: OffsetDateTime) -> StoreResult<bool> {
        let mut st = self.lock();
        let Some(t) = st
            .todos
            .iter_mut()
            .find(|t| t.id == id && t.user_id == user && !t.finished)
        else {
            return Ok(false);
        };
        t.finished = true;
        t.updated_at = micros(now);
        Ok(true)
    }
    async fn set_todo_done_through(
        &self,
        user: UserId,
        id: i64,
        through: time::Date,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut st = self.lock();
        let Some(t) = st.todos.iter_mut().find(|t| {
            t.id == id
                && t.user_id == user
                && !t.finished
                && t.done_through.is_none_or(|d| d < through)
        }) else {
            return Ok(false);
        };
        t.done_through = Some(through);
        t.updated_at = micros(now);
        Ok(true)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn insert_token_pair(&self, pair: &TokenPair) -> StoreResult<()> {
        let mut st = self.lock();
        if st
            .tokens
            .iter()
            .any(|t| t.access_hash == pair.access_hash || t.refresh_hash == pair.refresh_hash)
        {
            return Err(StoreError::Conflict(UniqueField::Other));
        }
        st.tokens.push(pair.clone());
        Ok(())
    }
    async fn token_by_access_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>> {
        Ok(self
            .lock()
            .tokens
            .iter()
            .find(|t| t.access_hash == hash)
            .cloned())
    }
    async fn token_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>> {
        Ok(self
            .lock()
            .tokens
            .iter()
            .find(|t| t.refresh_hash == hash)
            .cloned())
    }
    async fn spend_refresh_token(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        let mut st = self.lock();
        match st
            .tokens
            .iter_mut()
            .find(|t| t.id == id && t.spent_at.is_none())
        {
            Some(t) => {
                t.spent_at = Some(micros(now));
                Ok(true)
            }
            None => Ok(false),
        }
    }
    async fn purge_token_pairs(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut st = self.lock();
        let n = st.tokens.len();
        st.tokens.retain(|t| t.refresh_expires_at >= before);
        Ok((n - st.tokens.len()) as u64)
    }
    async fn user_number(&self, user: UserId) -> StoreResult<i64> {
        let mut st = self.lock();
        if let Some(n) = st.numbers.get(&user) {
            return Ok(*n);
        }
        let n = i64::try_from(st.numbers.len()).unwrap_or(i64::MAX - 1) + 1;
        st.numbers.insert(user, n);
        Ok(n)
    }
}

#[async_trait]
impl super::InviteStore for MemoryStore {
    async fn insert_invite(&self, code: &crate::domain::InviteCode) -> StoreResult<()> {
        let mut st = self.lock();
        if let Some(owner) = code.owner {
            if !st.users.iter().any(|u| u.id == owner) {
                return Err(StoreError::NotFound);
            }
        }
        if st.invites.iter().any(|c| c.code_hash == code.code_hash) {
            return Err(StoreError::Conflict(super::UniqueField::Other));
        }
        let mut code = code.clone();
        code.created_at = micros(code.created_at);
        st.invites.push(code);
        Ok(())
    }

    async fn list_invites(&self) -> StoreResult<Vec<crate::domain::InviteCode>> {
        let mut all = self.lock().invites.clone();
        all.sort_by(|a, b| (a.created_at, &a.code_hash).cmp(&(b.created_at, &b.code_hash)));
        Ok(all)
    }

    async fn set_invite_quota(&self, user: UserId, remaining: i64) -> StoreResult<()> {
        let mut st = self.lock();
        if !st.users.iter().any(|u| u.id == user) {
            return Err(StoreError::NotFound);
        }
        st.quotas.insert(user, remaining);
        Ok(())
    }

    async fn invite_quota(&self, user: UserId) -> StoreResult<i64> {
        Ok(self.lock().quotas.get(&user).copied().unwrap_or(0))
    }

    async fn take_invite(&self, code_hash: &str) -> StoreResult<crate::domain::InviteTake> {
        use crate::domain::InviteTake;
        let mut st = self.lock();
        let Some(i) = st.invites.iter().position(|c| c.code_hash == code_hash) else {
            return Ok(InviteTake::Unknown);
        };
        let code = st.invites[i].clone();
        match code.owner {
            Some(owner) => {
                let quota = st.quotas.entry(owner).or_insert(0);
                if *quota == 0 {
                    return Ok(InviteTake::OwnerExhausted);
                }
                if *quota > 0 {
                    *quota -= 1;
                }
                Ok(InviteTake::Taken(Some(owner)))
            }
            None => match code.uses_left {
                Some(n) if n <= 0 => Ok(InviteTake::UsedUp),
                Some(n) => {
                    st.invites[i].uses_left = Some(n - 1);
                    Ok(InviteTake::Taken(None))
                }
                None => Ok(InviteTake::Taken(None)),
            },
        }
    }

    async fn return_invite(&self, code_hash: &str) -> StoreResult<()> {
        let mut st = self.lock();
        let Some(i) = st.invites.iter().position(|c| c.code_hash == code_hash) else {
            return Ok(());
        };
        match (st.invites[i].owner, st.invites[i].uses_left) {
            (Some(owner), _) => {
                if let Some(q) = st.quotas.get_mut(&owner) {
                    if *q >= 0 {
                        *q += 1;
                    }
                }
            }
            (None, Some(n)) => st.invites[i].uses_left = Some(n + 1),
            (None, None) => {}
        }
        Ok(())
    }
}

/// Role names are unique by their lowercase form, as in the engines' `name_norm` column.
fn role_name_taken(roles: &[Role], name: &str, except: Option<i64>) -> bool {
    let norm = name.to_lowercase();
    roles
        .iter()
        .any(|r| Some(r.id) != except && r.name.to_lowercase() == norm)
}

#[async_trait]
impl RoleStore for MemoryStore {
    async fn create_role(&self, role: &NewRole) -> StoreResult<Role> {
        let mut st = self.lock();
        if role_name_taken(&st.roles, &role.name, None) {
            return Err(StoreError::Conflict(UniqueField::Other));
        }
        st.last_role_id += 1;
        let created_at = micros(role.created_at);
        let stored = Role {
            id: st.last_role_id,
            name: role.name.clone(),
            permissions: role.permissions.clone(),
            enabled: role.enabled,
            created_at,
            updated_at: created_at,
        };
        st.roles.push(stored.clone());
        Ok(stored)
    }
    async fn update_role(&self, role: &Role) -> StoreResult<()> {
        let mut st = self.lock();
        if !st.roles.iter().any(|r| r.id == role.id) {
            return Err(StoreError::NotFound);
        }
        if role_name_taken(&st.roles, &role.name, Some(role.id)) {
            return Err(StoreError::Conflict(UniqueField::Other));
        }
        if let Some(slot) = st.roles.iter_mut().find(|r| r.id == role.id) {
            slot.name.clone_from(&role.name);
            slot.permissions.clone_from(&role.permissions);
            slot.enabled = role.enabled;
            slot.updated_at = micros(role.updated_at);
        }
        Ok(())
    }
    async fn delete_role(&self, id: i64) -> StoreResult<bool> {
        let mut st = self.lock();
        let before = st.roles.len();
        st.roles.retain(|r| r.id != id);
        st.user_roles.retain(|(_, r)| *r != id);
        Ok(st.roles.len() < before)
    }
    async fn role_by_id(&self, id: i64) -> StoreResult<Option<Role>> {
        Ok(self.lock().roles.iter().find(|r| r.id == id).cloned())
    }
    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        // Kept in creation order, which is id order.
        Ok(self.lock().roles.clone())
    }
    async fn assign_role(&self, user: UserId, role: i64) -> StoreResult<()> {
        let mut st = self.lock();
        if !st.users.iter().any(|u| u.id == user) || !st.roles.iter().any(|r| r.id == role) {
            return Err(StoreError::NotFound);
        }
        if !st.user_roles.contains(&(user, role)) {
            st.user_roles.push((user, role));
        }
        Ok(())
    }
    async fn unassign_role(&self, user: UserId, role: i64) -> StoreResult<bool> {
        let mut st = self.lock();
        let before = st.user_roles.len();
        st.user_roles.retain(|a| *a != (user, role));
        Ok(st.user_roles.len() < before)
    }
    async fn user_roles(&self, user: UserId) -> StoreResult<Vec<Role>> {
        let st = self.lock();
        Ok(st
            .roles
            .iter()
            .filter(|r| st.user_roles.contains(&(user, r.id)))
            .cloned()
            .collect())
    }
}

/// Bytes of the owner's `File` rows (avatars do not count against the quota).
fn file_bytes(files: &[StoredFile], owner: UserId) -> i64 {
    files
        .iter()
        .filter(|f| f.owner == owner && f.kind == FileKind::File)
        .fold(0, |sum, f| sum.saturating_add(f.size))
}

#[async_trait]
impl FileStore for MemoryStore {
    async fn insert_file(&self, file: &StoredFile, limits: FileLimits) -> StoreResult<FileInsert> {
        let mut st = self.lock();
        if !st
            .users
            .iter()
            .any(|u| u.id == file.owner && u.deleted_at.is_none())
        {
            return Err(StoreError::NotFound);
        }
        if file.kind == FileKind::File {
            let count = st
                .files
                .iter()
                .filter(|f| f.owner == file.owner && f.kind == FileKind::File)
                .count();
            if !limits.allows_another(i64::try_from(count).unwrap_or(i64::MAX)) {
                return Ok(FileInsert::TooManyFiles);
            }
            if file_bytes(&st.files, file.owner).saturating_add(file.size) > limits.max_bytes {
                return Ok(FileInsert::OverQuota);
            }
        }
        let is_replaced = |f: &StoredFile| {
            file.kind == FileKind::Avatar && f.owner == file.owner && f.kind == FileKind::Avatar
        };
        // The engines delete the old avatar before inserting, so its id is free again.
        if st.files.iter().any(|f| f.id == file.id && !is_replaced(f)) {
            return Err(StoreError::Conflict(UniqueField::Other));
        }
        let replaced = st
            .files
            .iter()
            .position(is_replaced)
            .map(|i| st.files.remove(i));
        let mut stored = file.clone();
        stored.created_at = micros(stored.created_at);
        st.files.push(stored);
        Ok(FileInsert::Stored(replaced))
    }
    async fn file_by_id(&self, id: &str) -> StoreResult<Option<StoredFile>> {
        Ok(self.lock().files.iter().find(|f| f.id == id).cloned())
    }
    async fn user_avatar(&self, owner: UserId) -> StoreResult<Option<StoredFile>> {
        Ok(self
            .lock()
            .files
            .iter()
            .find(|f| f.owner == owner && f.kind == FileKind::Avatar)
            .cloned())
    }
    async fn user_files(&self, owner: UserId) -> StoreResult<Vec<StoredFile>> {
        let mut files: Vec<StoredFile> = self
            .lock()
            .files
            .iter()
            .filter(|f| f.owner == owner)
            .cloned()
            .collect();
        files.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(files)
    }
    async fn user_file_bytes(&self, owner: UserId) -> StoreResult<i64> {
        Ok(file_bytes(&self.lock().files, owner))
    }
    async fn delete_file(&self, id: &str) -> StoreResult<bool> {
        let mut st = self.lock();
        let before = st.files.len();
        st.files.retain(|f| f.id != id);
        Ok(st.files.len() < before)
    }
}

#[async_trait]
impl IdentityStore for MemoryStore {
    async fn user_by_external(&self, provider: &str, subject: &str) -> StoreResult<Option<UserId>> {
        Ok(self
            .lock()
            .identities
            .iter()
            .find(|b| b.provider == provider && b.subject == subject)
            .map(|b| b.user_id))
    }
    async fn identities_of_user(&self, user_id: UserId) -> StoreResult<Vec<ExternalBinding>> {
        let mut found: Vec<ExternalBinding> = self
            .lock()
            .identities
            .iter()
            .filter(|b| b.user_id == user_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.provider).cmp(&(b.created_at, &b.provider)));
        Ok(found)
    }
    async fn bind_external(&self, binding: &ExternalBinding) -> StoreResult<BindOutcome> {
        let mut st = self.lock();
        if !st
            .users
            .iter()
            .any(|u| u.id == binding.user_id && u.deleted_at.is_none())
        {
            return Err(StoreError::NotFound);
        }
        if let Some(b) = st
            .identities
            .iter()
            .find(|b| b.provider == binding.provider && b.subject == binding.subject)
        {
            return Ok(if b.user_id == binding.user_id {
                BindOutcome::Bound
            } else {
                BindOutcome::SubjectTaken(b.user_id)
            });
        }
        if st
            .identities
            .iter()
            .any(|b| b.user_id == binding.user_id && b.provider == binding.provider)
        {
            return Ok(BindOutcome::AccountBound);
        }
        let mut stored = binding.clone();
        stored.created_at = micros(stored.created_at);
        st.identities.push(stored);
        Ok(BindOutcome::Bound)
    }
    async fn insert_external_user(
        &self,
        user: &NewUser,
        provider: &str,
        subject: &str,
    ) -> StoreResult<User> {
        let mut st = self.lock();
        let mut u = user.clone().into_user();
        normalize(&mut u);
        // The engines insert the account first, so its conflicts are reported first.
        if let Some(f) = conflicts(&st.users, &u) {
            return Err(StoreError::Conflict(f));
        }
        if st
            .identities
            .iter()
            .any(|b| b.provider == provider && b.subject == subject)
        {
            return Err(StoreError::Conflict(UniqueField::Other));
        }
        st.identities.push(ExternalBinding {
            provider: provider.to_owned(),
            subject: subject.to_owned(),
            user_id: u.id,
            created_at: u.created_at,
        });
        st.users.push(u.clone());
        Ok(u)
    }
}

/// What `mark_sent` and a final `mark_failed` keep of a message: its metadata only.
fn redact(m: &mut OutboxMessage) {
    m.body_text.clear();
    m.body_html = None;
    m.params = serde_json::json!({});
}
