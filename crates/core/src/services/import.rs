//! Bringing accounts over from an existing deployment (`tessera import`): one row at a
//! time, an upsert keyed by the normalised e-mail address, so re-running a file updates
//! the accounts it created and never duplicates them.
//!
//! Rules:
//! - Every field is validated as on the other paths (e-mail, phone, username, name); the
//!   password hash is stored in the form [`encode_imported`] gives, and replaced with
//!   argon2id at the account's next successful sign-in.
//! - An empty or absent optional field leaves the stored value alone: an import never
//!   clears a phone, a name or a TOTP secret set here meanwhile.
//! - A hash Tessera wrote itself (argon2id at the configured parameters: the account has
//!   signed in, reset or changed its password here) is not replaced by the file's hash
//!   unless [`ImportOptions::overwrite_passwords`] is set. Otherwise a re-run after the
//!   switch would put back the old backend's hash.
//! - `created_at` is kept from the file for new accounts; an existing account keeps its own,
//!   and its address as first written (the match is case-insensitive).
//! - A changed password or a block ends the account's sessions.

use time::{Duration, OffsetDateTime};

use super::accounts::{check_name, check_username};
use super::Core;
use crate::domain::{Email, NewUser, Phone, RequestContext, User, UserId, UserSource, UserStatus};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::security::passwords::encode_imported;
use crate::security::sealed;
use crate::store::RevokeSessions;

/// Shortest TOTP secret accepted, in bytes (SSPanel's 16 base32 characters).
const MIN_TOTP_SECRET_BYTES: usize = 10;
/// Longest TOTP secret accepted, in bytes.
const MAX_TOTP_SECRET_BYTES: usize = 64;

/// One account from an import file. Text is taken as read; the core trims and validates.
#[derive(Clone, Default)]
pub struct ImportedUser {
    /// Address; the key of the upsert (case-insensitive).
    pub email: String,
    /// Optional username (unique, case-insensitive).
    pub username: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Phone number (unique).
    pub phone: Option<String>,
    /// The stored hash as the old backend kept it (see [`encode_imported`]).
    pub password_hash: Option<String>,
    /// `argon2`, `bcrypt`, `pbkdf2_sha256`, `md5` or `sha256`; empty to detect.
    pub hash_format: Option<String>,
    /// The salt of an SSPanel md5/sha256 hash.
    pub salt: Option<String>,
    /// When the account was created on the old backend.
    pub created_at: Option<OffsetDateTime>,
    /// `active` or `blocked`.
    pub status: Option<String>,
    /// Administrator.
    pub is_admin: Option<bool>,
    /// The old backend had confirmed the address.
    pub email_verified: Option<bool>,
    /// Base32 TOTP secret (stored sealed with the server key).
    pub totp_secret: Option<String>,
    /// Invitations the account may still hand out; -1 = unlimited (SSPanel: negative).
    pub invite_quota: Option<i64>,
}

impl std::fmt::Debug for ImportedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedUser")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("hash_format", &self.hash_format)
            .field("status", &self.status)
            .field("is_admin", &self.is_admin)
            .finish_non_exhaustive()
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Validate and compare with the store, write nothing.
    pub dry_run: bool,
    /// Replace password hashes even where the account already has one Tessera wrote.
    pub overwrite_passwords: bool,
}

/// What importing one row did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new account.
    Created,
    /// An existing account (same address) was changed.
    Updated,
    /// An existing account already matched the row.
    Unchanged,
}

impl ImportOutcome {
    /// Lowercase name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// A row after validation.
struct Row {
    email: Email,
    username: Option<String>,
    name: Option<String>,
    phone: Option<Phone>,
    password_hash: Option<String>,
    created_at: Option<OffsetDateTime>,
    status: Option<UserStatus>,
    is_admin: Option<bool>,
    email_verified: bool,
    /// Normalised base32.
    totp_secret: Option<String>,
    /// Invitations left (negative: unlimited), when the file gives them.
    invite_quota: Option<i64>,
}

fn present(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn push_err(errors: &mut Vec<FieldError>, e: CoreError, field: &'static str) {
    match e {
        CoreError::InvalidInput(fields) => errors.extend(fields),
        _ => errors.push(FieldError {
            field,
            tag: "format",
        }),
    }
}

fn normalize_totp(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = data_encoding::BASE32_NOPAD.decode(s.as_bytes()).ok()?;
    (MIN_TOTP_SECRET_BYTES..=MAX_TOTP_SECRET_BYTES)
        .contains(&bytes.len())
        .then_some(s)
}

fn validate(raw: &ImportedUser, now: OffsetDateTime) -> CoreResult<Row> {
    let mut errors = Vec::new();
    let email = Email::parse(&raw.email).map_err(|e| push_err(&mut errors, e, "email"));
    let username = present(raw.username.as_ref())
        .map(check_username)
        .transpose()
        .map_err(|e| push_err(&mut errors, e, "username"));
    let name = present(raw.name.as_ref())
        .map(check_name)
        .transpose()
        .map_err(|e| push_err(&mut errors, e, "name"));
    let phone = present(raw.phone.as_ref())
        .map(Phone::parse)
        .transpose()
        .map_err(|e| push_err(&mut errors, e, "phone"));
    let password_hash = match present(raw.password_hash.as_ref()) {
        Some(hash) => encode_imported(
            present(raw.hash_format.as_ref()).unwrap_or_default(),
            hash,
            raw.salt.as_deref(),
        )
        .map(Some)
        .map_err(|e| {
            errors.push(FieldError {
                field: e.field(),
                tag: e.tag(),
            });
        }),
        None => Ok(None),
    };
    if raw.created_at.is_some_and(|t| t > now + Duration::days(1)) {
        errors.push(FieldError {
            field: "created_at",
            tag: "range",
        });
    }
    let status = match present(raw.status.as_ref()).map(str::to_ascii_lowercase) {
        None => None,
        Some(s) if s == "active" => Some(UserStatus::Active),
        Some(s) if s == "blocked" => Some(UserStatus::Blocked),
        Some(_) => {
            errors.push(FieldError {
                field: "status",
                tag: "format",
            });
            None
        }
    };
    let totp_secret = match present(raw.totp_secret.as_ref()) {
        None => None,
        Some(s) => {
            let n = normalize_totp(s);
            if n.is_none() {
                errors.push(FieldError {
                    field: "totp_secret",
                    tag: "format",
                });
            }
            n
        }
    };
    if raw.invite_quota.is_some_and(|q| q < -1) {
        errors.push(FieldError {
            field: "invite_quota",
            tag: "range",
        });
    }
    match (email, username, name, phone, password_hash) {
        (Ok(email), Ok(username), Ok(name), Ok(phone), Ok(password_hash)) if errors.is_empty() => {
            Ok(Row {
                email,
                username,
                name,
                phone,
                password_hash,
                created_at: raw.created_at,
                status,
                is_admin: raw.is_admin,
                email_verified: raw.email_verified == Some(true),
                totp_secret,
                invite_quota: raw.invite_quota,
            })
        }
        _ => Err(CoreError::InvalidInput(errors)),
    }
}

fn import_context() -> RequestContext {
    RequestContext {
        ip: None,
        user_agent: None,
        dialect: "import",
    }
}

impl Core {
    /// Imports one account: creates it, or updates the account with the same address.
    /// Validation failures are `InvalidInput` naming every bad field; an address, phone or
    /// username owned by another account gives `EmailTaken`/`PhoneTaken`/`UsernameTaken`.
    pub async fn import_user(
        &self,
        row: ImportedUser,
        opts: ImportOptions,
    ) -> CoreResult<ImportOutcome> {
        let row = validate(&row, self.now())?;
        let existing = self
            .inner
            .store
            .user_by_email(&row.email.normalized())
            .await?;
        self.check_unique(&row, existing.as_ref().map(|u| u.id))
            .await?;
        match existing {
            Some(user) => self.update_imported(user, &row, opts).await,
            None if opts.dry_run => Ok(ImportOutcome::Created),
            None => match self.create_imported(&row).await {
                // Another row of the same file with the same address won the race.
                Err(CoreError::EmailTaken) => {
                    let user = self
                        .inner
                        .store
                        .user_by_email(&row.email.normalized())
                        .await?
                        .ok_or(CoreError::EmailTaken)?;
                    self.update_imported(user, &row, opts).await
                }
                other => other,
            },
        }
    }

    /// Refuses a phone or username held by another account before anything is written
    /// (the store's constraints still decide races).
    async fn check_unique(&self, row: &Row, own: Option<UserId>) -> CoreResult<()> {
        let store = &self.inner.store;
        if let Some(phone) = &row.phone {
            if let Some(other) = store.user_by_phone(phone).await? {
                if Some(other.id) != own {
                    return Err(CoreError::PhoneTaken);
                }
            }
        }
        if let Some(username) = &row.username {
            if let Some(other) = store.user_by_username(&username.to_lowercase()).await? {
                if Some(other.id) != own {
                    return Err(CoreError::UsernameTaken);
                }
            }
        }
        Ok(())
    }

    fn seal_totp(&self, secret: &str) -> CoreResult<Vec<u8>> {
        sealed::seal(&self.inner.keys.seal, secret.as_bytes())
    }

    async fn create_imported(&self, row: &Row) -> CoreResult<ImportOutcome> {
        let now = self.now();
        let created_at = row.created_at.unwrap_or(now);
        let new = NewUser {
            id: UserId::new(),
            email: row.email.clone(),
            username: row.username.clone(),
            name: row.name.clone().unwrap_or_default(),
            password_hash: row.password_hash.clone(),
            source: UserSource::local(),
            is_admin: row.is_admin.unwrap_or(false),
            email_verified_at: row.email_verified.then_some(created_at),
            created_at,
            status: crate::domain::UserStatus::Active,
            created_by: None,
        };
        let mut user = self.inner.store.insert_user(&new, &[]).await?;
        // Fields a new account cannot be inserted with: a second write.
        let blocked = row.status == Some(UserStatus::Blocked);
        if row.phone.is_some() || row.totp_secret.is_some() || blocked {
            user.phone.clone_from(&row.phone);
            if blocked {
                user.status = UserStatus::Blocked;
            }
            user.totp_secret = row
                .totp_secret
                .as_deref()
                .map(|s| self.seal_totp(s))
                .transpose()?;
            self.inner.store.update_user(&user).await?;
        }
        if let Some(quota) = row.invite_quota {
            self.inner.store.set_invite_quota(user.id, quota).await?;
        }
        self.audit(
            None,
            "account.import",
            Some(user.id),
            &import_context(),
            "created",
            serde_json::json!({ "admin": user.is_admin }),
        )
        .await;
        Ok(ImportOutcome::Created)
    }

    async fn update_imported(
        &self,
        existing: User,
        row: &Row,
        opts: ImportOptions,
    ) -> CoreResult<ImportOutcome> {
        // The address is the key: it matched case-insensitively and is kept as stored.
        let mut user = existing.clone();
        if let Some(username) = &row.username {
            user.username = Some(username.clone());
        }
        if let Some(name) = &row.name {
            user.name.clone_from(name);
        }
        if let Some(phone) = &row.phone {
            user.phone = Some(phone.clone());
        }
        if let Some(status) = row.status {
            user.status = status;
        }
        if let Some(admin) = row.is_admin {
            user.is_admin = admin;
        }
        if row.email_verified && user.email_verified_at.is_none() {
            user.email_verified_at = Some(row.created_at.unwrap_or(user.created_at));
        }
        if let Some(secret) = &row.totp_secret {
            let same = match user.totp_secret.as_deref() {
                Some(sealed_secret) => {
                    sealed::open(&self.inner.keys.seal, sealed_secret)? == secret.as_bytes()
                }
                None => false,
            };
            if !same {
                user.totp_secret = Some(self.seal_totp(secret)?);
            }
        }
        let quota_change = match row.invite_quota {
            Some(q) if self.inner.store.invite_quota(user.id).await? != q => Some(q),
            _ => None,
        };
        let profile_changed = user != existing;
        let new_hash =
            row.password_hash
                .as_deref()
                .filter(|hash| match existing.password_hash.as_deref() {
                    None => true,
                    Some(stored) if stored == *hash => false,
                    Some(stored) => {
                        opts.overwrite_passwords || !self.inner.hasher.is_current(stored)
                    }
                });
        if !profile_changed && new_hash.is_none() && quota_change.is_none() {
            return Ok(ImportOutcome::Unchanged);
        }
        if opts.dry_run {
            return Ok(ImportOutcome::Updated);
        }
        let now = self.now();
        if profile_changed {
            user.updated_at = now;
            self.inner.store.update_user(&user).await?;
        }
        if let Some(quota) = quota_change {
            self.inner.store.set_invite_quota(user.id, quota).await?;
        }
        let mut revoked = 0;
        if let Some(hash) = new_hash {
            let ids = self
                .inner
                .store
                .set_password_hash(user.id, hash, now, RevokeSessions::All, &[])
                .await?;
            revoked += ids.len();
            self.sessions_revoked(&ids).await;
        }
        if user.status == UserStatus::Blocked && existing.status != UserStatus::Blocked {
            revoked += self.revoke_user_sessions(user.id, None).await?;
        }
        self.audit(
            None,
            "account.import",
            Some(user.id),
            &import_context(),
            "updated",
            serde_json::json!({
                "password": new_hash.is_some(),
                "sessions_revoked": revoked,
            }),
        )
        .await;
        Ok(ImportOutcome::Updated)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::domain::Password;
    use crate::security::passwords::encode_imported;
    use crate::security::totp;
    use crate::services::testing::harness;
    use crate::services::SessionOptions;
    use crate::store::UserStore;

    fn ctx() -> RequestContext {
        RequestContext {
            ip: Some("127.0.0.1".into()),
            user_agent: Some("test".into()),
            dialect: "test",
        }
    }

    fn row(email: &str, format: &str, hash: &str, salt: Option<&str>) -> ImportedUser {
        ImportedUser {
            email: email.into(),
            password_hash: Some(hash.into()),
            hash_format: Some(format.into()),
            salt: salt.map(Into::into),
            ..ImportedUser::default()
        }
    }

    /// (format, hash, salt, original password), one per legacy format.
    fn legacy_rows() -> Vec<(
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
    )> {
        vec![
            (
                "pbkdf2_sha256",
                "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=",
                None,
                "dhde8212",
            ),
            (
                "bcrypt",
                "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG",
                None,
                "php-legacy-pw1",
            ),
            (
                "argon2",
                "$argon2i$v=19$m=4096,t=3,p=1$0lR5UNNV6rg5+D8KvNctaw$P9Cx32xncd0MuTxp2YgZJ9ZEM8kG6Dy1lIy9ciTV05Q",
                None,
                "argon2i-pw",
            ),
            (
                "argon2",
                "$argon2id$v=19$m=2048,t=2,p=4$tcLzpHcRa1rs0KqGpws6Tw$t7230NZb2DeYwbWEfhuzs+nNeUuKdOgCOKv1sAo5gp0",
                None,
                "weplanx-p4-pw",
            ),
            (
                "md5",
                "10eecfff3b3337bd5d4e9862ab86ec89",
                Some("s@lt$x"),
                "sspanel-pw",
            ),
            (
                "sha256",
                "35f7c6f826790507380a43d9ce89b09737b615946492fc6f5c30f66c3449f690",
                Some("s@lt$x"),
                "sspanel-pw",
            ),
        ]
    }

    #[tokio::test]
    async fn every_legacy_hash_signs_in_and_is_upgraded_to_argon2id() {
        let h = harness();
        for (i, (format, hash, salt, pw)) in legacy_rows().into_iter().enumerate() {
            let email = format!("legacy{i}@example.com");
            let out = h
                .core
                .import_user(row(&email, format, hash, salt), ImportOptions::default())
                .await
                .unwrap();
            assert_eq!(out, ImportOutcome::Created, "{format}");
            let before = h.store.user_by_email(&email).await.unwrap().unwrap();
            assert_eq!(
                before.password_hash.as_deref(),
                Some(encode_imported(format, hash, salt).unwrap().as_str())
            );
            let wrong = h
                .core
                .sign_in_password(
                    &email,
                    &Password::new("not-it-at-all"),
                    &ctx(),
                    SessionOptions::default(),
                )
                .await;
            assert!(
                matches!(wrong, Err(CoreError::InvalidCredentials)),
                "{format}"
            );
            h.core
                .sign_in_password(
                    &email,
                    &Password::new(pw),
                    &ctx(),
                    SessionOptions::default(),
                )
                .await
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            let after = h.store.user_by_email(&email).await.unwrap().unwrap();
            let stored = after.password_hash.unwrap();
            assert!(
                stored.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
                "{format}: {stored}"
            );
            // The upgraded hash keeps working; the old one is gone.
            h.core
                .sign_in_password(
                    &email,
                    &Password::new(pw),
                    &ctx(),
                    SessionOptions::default(),
                )
                .await
                .unwrap();
            // Re-importing the file does not put the legacy hash back.
            let again = h
                .core
                .import_user(row(&email, format, hash, salt), ImportOptions::default())
                .await
                .unwrap();
            assert_eq!(again, ImportOutcome::Unchanged, "{format}");
            let kept = h.store.user_by_email(&email).await.unwrap().unwrap();
            assert_eq!(kept.password_hash.as_deref(), Some(stored.as_str()));
        }
        assert_eq!(h.store.count_users().await.unwrap(), 6);
    }

    #[tokio::test]
    async fn upsert_is_idempotent_and_updates_fields() {
        let h = harness();
        let secret = totp::generate_secret();
        let full = ImportedUser {
            email: "Bob@Example.com".into(),
            username: Some("bob".into()),
            name: Some("Bob".into()),
            phone: Some("+86 138-0013-8000".into()),
            password_hash: Some("ce2236d6d8faad6fe8b42fd08f09aa6f".into()),
            hash_format: Some("md5".into()),
            salt: None,
            created_at: Some(time::macros::datetime!(2020-05-01 08:00:00 UTC)),
            status: Some("active".into()),
            is_admin: Some(true),
            email_verified: Some(true),
            totp_secret: Some(secret.to_lowercase()),
            invite_quota: Some(-1),
        };
        let dry = ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        };
        assert_eq!(
            h.core.import_user(full.clone(), dry).await.unwrap(),
            ImportOutcome::Created
        );
        assert_eq!(
            h.store.count_users().await.unwrap(),
            0,
            "dry run writes nothing"
        );
        assert_eq!(
            h.core
                .import_user(full.clone(), ImportOptions::default())
                .await
                .unwrap(),
            ImportOutcome::Created
        );
        let u = h
            .store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.username.as_deref(), Some("bob"));
        assert_eq!(u.phone.as_ref().unwrap().as_str(), "+8613800138000");
        assert!(u.is_admin);
        assert_eq!(
            u.created_at,
            time::macros::datetime!(2020-05-01 08:00:00 UTC)
        );
        assert!(u.email_verified_at.is_some());
        assert_eq!(h.core.invite_quota(u.id).await.unwrap(), -1, "invite quota");
        let sealed_secret = u.totp_secret.clone().unwrap();
        assert_ne!(sealed_secret, secret.as_bytes(), "sealed at rest");
        assert_eq!(
            sealed::open(&h.core.keys().seal, &sealed_secret).unwrap(),
            secret.as_bytes()
        );
        // The imported TOTP secret signs in.
        let step = totp::step_of(h.core.now().unix_timestamp());
        let code = totp::code_at_step(&secret, step).unwrap();
        h.core
            .sign_in_totp("bob@example.com", &code, &ctx(), SessionOptions::default())
            .await
            .unwrap();

        // Same row again: nothing to do, in a dry run or not.
        for opts in [dry, ImportOptions::default()] {
            assert_eq!(
                h.core.import_user(full.clone(), opts).await.unwrap(),
                ImportOutcome::Unchanged
            );
        }
        // A new invite quota alone is a change.
        let quota = ImportedUser {
            invite_quota: Some(3),
            ..full.clone()
        };
        assert_eq!(
            h.core
                .import_user(quota, ImportOptions::default())
                .await
                .unwrap(),
            ImportOutcome::Updated
        );
        assert_eq!(h.core.invite_quota(u.id).await.unwrap(), 3);
        // Changed fields: updated; empty fields leave values alone.
        let changed = ImportedUser {
            email: "bob@example.com".into(),
            name: Some("Robert".into()),
            status: Some("blocked".into()),
            phone: Some(String::new()),
            ..ImportedUser::default()
        };
        assert_eq!(
            h.core.import_user(changed.clone(), dry).await.unwrap(),
            ImportOutcome::Updated
        );
        assert_eq!(
            h.store
                .user_by_email("bob@example.com")
                .await
                .unwrap()
                .unwrap()
                .name,
            "Bob",
            "dry run"
        );
        // The imported TOTP is a second factor: the password alone is not enough.
        assert!(matches!(
            h.core
                .sign_in_password(
                    "bob@example.com",
                    &Password::new("sspanel-pw"),
                    &ctx(),
                    SessionOptions::default(),
                )
                .await,
            Err(CoreError::SecondFactorRequired)
        ));
        let next = totp::code_at_step(&secret, step + 1).unwrap();
        let signed_in = h
            .core
            .sign_in_password_2fa(
                "bob@example.com",
                &Password::new("sspanel-pw"),
                Some(&next),
                &ctx(),
                SessionOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            h.core
                .import_user(changed, ImportOptions::default())
                .await
                .unwrap(),
            ImportOutcome::Updated
        );
        let u = h
            .store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.name, "Robert");
        assert_eq!(u.status, UserStatus::Blocked);
        assert!(u.phone.is_some(), "an empty field clears nothing");
        assert_eq!(
            u.created_at,
            time::macros::datetime!(2020-05-01 08:00:00 UTC)
        );
        assert!(
            h.core
                .verify_session(crate::security::jwt::TokenSubject {
                    user_id: signed_in.user.id,
                    session_id: signed_in.session.id,
                })
                .await
                .is_err(),
            "a block ends sessions"
        );
        assert_eq!(h.store.count_users().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn passwords_set_here_win_unless_overwrite_is_asked() {
        let h = harness();
        let md5 = |hex: &str| row("carol@example.com", "md5", hex, None);
        h.core
            .import_user(
                md5("ce2236d6d8faad6fe8b42fd08f09aa6f"),
                ImportOptions::default(),
            )
            .await
            .unwrap();
        // A changed legacy hash (password changed on the old backend) replaces a legacy one.
        let new_hex = "2d2b0a4e7e4e67b89f0e96c2cc5b8e5f";
        let v = h
            .core
            .import_user(md5(new_hex), ImportOptions::default())
            .await;
        assert_eq!(v.unwrap(), ImportOutcome::Updated);
        // After a password set here, the file's hash no longer applies...
        let u = h
            .store
            .user_by_email("carol@example.com")
            .await
            .unwrap()
            .unwrap();
        let ours = h.core.hasher().hash_now("a-password-set-here").unwrap();
        h.store
            .set_password_hash(u.id, &ours, h.core.now(), RevokeSessions::None, &[])
            .await
            .unwrap();
        assert_eq!(
            h.core
                .import_user(md5(new_hex), ImportOptions::default())
                .await
                .unwrap(),
            ImportOutcome::Unchanged
        );
        // ...unless asked for.
        let force = ImportOptions {
            overwrite_passwords: true,
            ..ImportOptions::default()
        };
        assert_eq!(
            h.core.import_user(md5(new_hex), force).await.unwrap(),
            ImportOutcome::Updated
        );
        let u = h
            .store
            .user_by_email("carol@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(u.password_hash.unwrap().starts_with("sspanel-md5$$"));
    }

    #[tokio::test]
    async fn bad_rows_name_their_fields_and_write_nothing() {
        let h = harness();
        let bad = ImportedUser {
            email: "not-an-address".into(),
            username: Some("bad name!".into()),
            phone: Some("12".into()),
            password_hash: Some("abc".into()),
            hash_format: Some("md4".into()),
            status: Some("gone".into()),
            totp_secret: Some("not base32!".into()),
            invite_quota: Some(-2),
            created_at: Some(h.core.now() + Duration::days(30)),
            ..ImportedUser::default()
        };
        let Err(CoreError::InvalidInput(fields)) =
            h.core.import_user(bad, ImportOptions::default()).await
        else {
            panic!("expected invalid input")
        };
        let mut names: Vec<&str> = fields.iter().map(|f| f.field).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "created_at",
                "email",
                "hash_format",
                "invite_quota",
                "phone",
                "status",
                "totp_secret",
                "username"
            ]
        );
        for (format, hash, salt, want) in [
            (
                "",
                "10eecfff3b3337bd5d4e9862ab86ec89",
                None,
                ("hash_format", "required"),
            ),
            (
                "bcrypt",
                "$2y$31$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG",
                None,
                ("password_hash", "range"),
            ),
            ("bcrypt", "$2y$10$short", None, ("password_hash", "format")),
            (
                "pbkdf2_sha256",
                "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=",
                Some("x"),
                ("salt", "unexpected"),
            ),
        ] {
            let e = h
                .core
                .import_user(
                    row("dave@example.com", format, hash, salt),
                    ImportOptions::default(),
                )
                .await
                .unwrap_err();
            let CoreError::InvalidInput(f) = e else {
                panic!("{format}: {e}")
            };
            assert_eq!((f[0].field, f[0].tag), want, "{format} {hash}");
        }
        assert_eq!(h.store.count_users().await.unwrap(), 0);

        // Another account's phone or username is refused before anything is written.
        h.core
            .import_user(
                ImportedUser {
                    email: "erin@example.com".into(),
                    username: Some("erin".into()),
                    phone: Some("13800138000".into()),
                    ..ImportedUser::default()
                },
                ImportOptions::default(),
            )
            .await
            .unwrap();
        let phone_clash = ImportedUser {
            email: "frank@example.com".into(),
            phone: Some("13800138000".into()),
            ..ImportedUser::default()
        };
        assert!(matches!(
            h.core
                .import_user(phone_clash, ImportOptions::default())
                .await,
            Err(CoreError::PhoneTaken)
        ));
        let name_clash = ImportedUser {
            email: "frank@example.com".into(),
            username: Some("ERIN".into()),
            ..ImportedUser::default()
        };
        assert!(matches!(
            h.core
                .import_user(name_clash, ImportOptions::default())
                .await,
            Err(CoreError::UsernameTaken)
        ));
        assert_eq!(h.store.count_users().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn concurrent_rows_for_one_address_make_one_account() {
        let h = harness();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let core = h.core.clone();
            tasks.push(tokio::spawn(async move {
                core.import_user(
                    ImportedUser {
                        email: if i % 2 == 0 {
                            "same@example.com"
                        } else {
                            "Same@Example.com"
                        }
                        .into(),
                        name: Some(format!("n{i}")),
                        ..ImportedUser::default()
                    },
                    ImportOptions::default(),
                )
                .await
            }));
        }
        let mut created = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() == ImportOutcome::Created {
                created += 1;
            }
        }
        assert_eq!(created, 1);
        assert_eq!(h.store.count_users().await.unwrap(), 1);
    }
}
