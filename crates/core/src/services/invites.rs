//! Registration modes and invite codes, applied by every dialect that can register.
//!
//! `open`: anyone registers; a known code given anyway records the inviter (and spends a
//! use), an unknown one is ignored (as SSPanel did). `invite`: a code with a use left is
//! required. `close`: nobody registers (operators still create accounts with the CLI or an
//! import). A code spent by a registration that then fails (e-mail taken, weak password) is
//! given back.

use super::{Core, SessionOptions, SignedIn};
use crate::config::RegistrationMode;
use crate::domain::{InviteCode, InviteTake, RequestContext, UserId};
use crate::error::{CoreError, CoreResult};
use crate::security::{keyed, random};

use super::CreateUser;

/// Length of a generated invite code (alphanumeric, ~119 bits).
const INVITE_CODE_LEN: usize = 20;
/// Longest code accepted from a client; longer input is not looked up.
const MAX_INVITE_CODE_LEN: usize = 128;

impl Core {
    fn invite_hash(&self, code: &str) -> String {
        hex::encode(keyed::hash(
            &self.inner.keys.pepper,
            &[b"invite", code.trim().as_bytes()],
        ))
    }

    /// Refuses a new account (of any kind a client can create) when the mode forbids it
    /// without a code.
    pub(crate) async fn check_open_registration(&self) -> CoreResult<()> {
        match self.registration_mode().await? {
            RegistrationMode::Open => Ok(()),
            RegistrationMode::Invite => Err(CoreError::InviteRequired),
            RegistrationMode::Close => Err(CoreError::RegistrationClosed),
        }
    }

    /// Creates an invite code and returns it (the only time it is visible). With an
    /// `owner`, each use spends the owner's quota; without one it is a system code, limited
    /// to `uses` registrations when given.
    pub async fn create_invite(
        &self,
        owner: Option<UserId>,
        uses: Option<i64>,
    ) -> CoreResult<String> {
        if uses.is_some_and(|n| n < 1) {
            return Err(CoreError::field("uses", "min"));
        }
        let code = random::alphanumeric(INVITE_CODE_LEN);
        let invite = InviteCode {
            code_hash: self.invite_hash(&code),
            owner,
            uses_left: if owner.is_some() { None } else { uses },
            created_at: self.now(),
        };
        self.inner.store.insert_invite(&invite).await?;
        Ok(code)
    }

    /// Every invite code (hashes only), oldest first.
    pub async fn list_invites(&self) -> CoreResult<Vec<InviteCode>> {
        Ok(self.inner.store.list_invites().await?)
    }

    /// Sets how many people `user` may still invite (negative: unlimited).
    pub async fn set_invite_quota(&self, user: UserId, remaining: i64) -> CoreResult<()> {
        Ok(self.inner.store.set_invite_quota(user, remaining).await?)
    }

    /// How many people `user` may still invite (negative: unlimited).
    pub async fn invite_quota(&self, user: UserId) -> CoreResult<i64> {
        Ok(self.inner.store.invite_quota(user).await?)
    }

    /// Registers an account under the registration mode, with an optional invite code, and
    /// signs it in.
    pub async fn register_with_invite(
        &self,
        req: CreateUser,
        invite: Option<&str>,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.limit_ip(super::rate_limits::Action::Register, ctx)
            .await?;
        let mode = self.registration_mode().await?;
        if mode == RegistrationMode::Close {
            return Err(CoreError::RegistrationClosed);
        }
        let code = invite
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= MAX_INVITE_CODE_LEN);
        let too_long = invite.is_some_and(|c| c.trim().len() > MAX_INVITE_CODE_LEN);
        let mut taken: Option<(String, Option<UserId>)> = None;
        match (mode, code) {
            (RegistrationMode::Invite, None) if too_long => return Err(CoreError::InviteInvalid),
            (RegistrationMode::Invite, None) => return Err(CoreError::InviteRequired),
            (_, Some(code)) => {
                let hash = self.invite_hash(code);
                match self.inner.store.take_invite(&hash).await? {
                    InviteTake::Taken(owner) => taken = Some((hash, owner)),
                    InviteTake::Unknown | InviteTake::UsedUp if mode == RegistrationMode::Open => {
                        // SSPanel ignored a bad code in open mode.
                    }
                    InviteTake::OwnerExhausted if mode == RegistrationMode::Open => {
                        return Err(CoreError::InviteExhausted)
                    }
                    InviteTake::Unknown | InviteTake::UsedUp => {
                        return Err(CoreError::InviteInvalid)
                    }
                    InviteTake::OwnerExhausted => return Err(CoreError::InviteExhausted),
                }
            }
            (_, None) => {}
        }
        let user = match self.create_user(req, ctx).await {
            Ok(user) => user,
            Err(e) => {
                if let Some((hash, _)) = &taken {
                    self.inner.store.return_invite(hash).await?;
                }
                return Err(e);
            }
        };
        let quota = self.inner.config.registration.default_invite_quota;
        if quota != 0 {
            self.inner.store.set_invite_quota(user.id, quota).await?;
        }
        if let Some((_, owner)) = taken {
            self.audit(
                owner,
                "invite.use",
                Some(user.id),
                ctx,
                "ok",
                serde_json::json!({ "system_code": owner.is_none() }),
            )
            .await;
        }
        self.finish_sign_in(user, "register", ctx, opts).await
    }
}
