//! SSPanel's five login cookies with the original's lifetimes: `uid`, `email`, `key`, `ip`
//! and `expire_in`, each with `Max-Age` and `Expires`, path `/`. Unlike the original, `key`
//! is a revocable server-side session token (HttpOnly, SameSite=Lax, Secure over HTTPS);
//! `ip` is opaque and not checked (Tessera does not bind sessions to an address).

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::{Duration, OffsetDateTime};

/// The session cookie.
pub const KEY: &str = "key";
/// Every cookie a login sets.
pub const ALL: [&str; 5] = ["uid", "email", "key", "ip", "expire_in"];

fn cookie(
    name: &'static str,
    value: String,
    lifetime: i64,
    expires: OffsetDateTime,
) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_path("/");
    c.set_max_age(Duration::seconds(lifetime));
    c.set_expires(expires);
    c
}

/// The cookies of a login that lasts `lifetime` seconds.
pub fn set_login(
    jar: CookieJar,
    uid: i64,
    email: &str,
    key: String,
    lifetime: i64,
    now: OffsetDateTime,
    secure: bool,
) -> CookieJar {
    let expires = now + Duration::seconds(lifetime);
    let expire_in = expires.unix_timestamp();
    // The jar percent-encodes values when it writes them (`@` becomes `%40`, as PHP's
    // URL-encoding did); encoding here as well would write `%2540`.
    let email = email.to_owned();
    let mut k = cookie(KEY, key, lifetime, expires);
    k.set_http_only(true);
    k.set_same_site(SameSite::Lax);
    k.set_secure(secure);
    let opaque = tessera_core::security::random::alphanumeric(32).to_ascii_lowercase();
    jar.add(cookie("uid", uid.to_string(), lifetime, expires))
        .add(cookie("email", email, lifetime, expires))
        .add(k)
        .add(cookie("ip", opaque, lifetime, expires))
        .add(cookie(
            "expire_in",
            expire_in.to_string(),
            lifetime,
            expires,
        ))
}

/// Clears every login cookie (the original cleared `uid`, `email` and `key` only).
pub fn clear(jar: CookieJar) -> CookieJar {
    ALL.iter().fold(jar, |jar, name| {
        let mut c = Cookie::new(*name, "deleted");
        c.set_path("/");
        c.set_max_age(Duration::ZERO);
        c.set_expires(OffsetDateTime::UNIX_EPOCH + Duration::seconds(1));
        jar.add(c)
    })
}
