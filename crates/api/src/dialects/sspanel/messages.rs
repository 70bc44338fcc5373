//! Every message the SSPanel dialect sends, in the original's language (Simplified Chinese),
//! in one place so a deployment can translate them later. Messages marked "Tessera" have no
//! counterpart in the original (cases it did not have: lockout, rate limits, policy).

/// Login succeeded.
pub const LOGIN_OK: &str = "登录成功";
/// Unknown e-mail or wrong password: one answer for both (the original said
/// "邮箱不存在" for an unknown address; later versions unified the message too).
pub const LOGIN_WRONG: &str = "邮箱或者密码错误";
/// The password was right but the account's second factor is the e-mailed code, which
/// this form cannot carry (Tessera; `core.enforce_second_factors`).
pub const LOGIN_SECOND_FACTOR: &str = "此账户已开启邮件两步验证，请在支持该验证方式的客户端登录。";
/// Missing or wrong two-factor code.
pub const LOGIN_TOTP_WRONG: &str = "两步验证码错误，如果您是丢失了生成器或者错误地设置了这个选项，您可以尝试重置密码，即可取消这个选项。";
/// Tessera: the account is locked after repeated failures.
pub const TOO_MANY_ATTEMPTS: &str = "尝试次数过多，请稍后再试。";
/// Registration is closed.
pub const REGISTER_CLOSED: &str = "未开放注册。";
/// Invalid e-mail address.
pub const EMAIL_INVALID: &str = "邮箱无效";
/// The address is registered.
pub const EMAIL_TAKEN: &str = "邮箱已经被注册了";
/// Wrong registration e-mail code.
pub const EMAIL_CODE_WRONG: &str = "您的邮箱验证码不正确";
/// Password shorter than 8 bytes.
pub const PASSWORD_SHORT: &str = "密码请大于8位";
/// Password and confirmation differ.
pub const PASSWORD_MISMATCH: &str = "两次密码输入不符";
/// Tessera: the password is on the common-password list or breaks the policy.
pub const PASSWORD_WEAK: &str = "密码太弱，请换一个更安全的密码。";
/// Contact type or account missing.
pub const CONTACT_MISSING: &str = "请填上你的联络方式";
/// Tessera: the display name is too long or has control characters.
pub const NAME_INVALID: &str = "用户名无效";
/// Missing, unknown or used-up invite code.
pub const INVITE_INVALID: &str = "邀请码无效";
/// The inviter has no invitations left.
pub const INVITE_EXHAUSTED: &str = "邀请人可用邀请次数为0";
/// Registered.
pub const REGISTER_OK: &str = "注册成功！正在进入登录界面";
/// A server fault.
pub const UNKNOWN_ERROR: &str = "未知错误";
/// `/auth/send` without an address.
pub const SEND_EMAIL_EMPTY: &str = "未填写邮箱";
/// `/auth/send` for a registered address.
pub const SEND_EMAIL_TAKEN: &str = "此邮箱已经注册";
/// `/auth/send` asked too often for one address.
pub const SEND_TOO_OFTEN: &str = "此邮箱请求次数过多";
/// `/auth/send` when e-mail verification is off (Tessera; the original sent no message).
pub const SEND_DISABLED: &str = "未开启邮箱验证";
/// Registration code sent.
pub const SEND_OK: &str = "验证码发送成功，请查收邮件。";
/// Reset mail "sent" (the answer for every address unless configured otherwise).
pub const RESET_SENT: &str = "重置邮件已经发送,请检查邮箱.";
/// Unknown address, only when `http.sspanel.reveal_unknown_email` is on.
pub const RESET_UNKNOWN: &str = "此邮箱不存在.";
/// Tessera: reset requested too often for one address.
pub const RESET_TOO_OFTEN: &str = "请求过于频繁，请稍后再试。";
/// New password and confirmation differ.
pub const RESET_MISMATCH: &str = "两次输入不符合";
/// New password shorter than 8 bytes.
pub const RESET_SHORT: &str = "密码太短啦";
/// Unknown, spent or expired reset link.
pub const RESET_LINK_INVALID: &str = "链接已经失效，请重新获取";
/// Password reset.
pub const RESET_OK: &str = "重置成功";
/// Tessera: the request body could not be read.
pub const BAD_REQUEST: &str = "请求格式错误";
