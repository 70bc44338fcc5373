//! The dialect's cookies: `TOKEN` (the access token: HttpOnly, SameSite=Lax, a browser-
//! session cookie as in the original) and the XSRF pair set by the ping.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::Duration;

/// Name of the access token cookie.
pub const TOKEN: &str = "TOKEN";
/// Name of the CSRF token cookie (readable by scripts, echoed in `X-XSRF-TOKEN`).
pub const XSRF_TOKEN: &str = "XSRF-TOKEN";
/// The document's spelling of the same cookie, also set.
pub const XSRF_TOKEN_DOC: &str = "XSRF_TOKEN";
/// Name of the CSRF salt cookie (HttpOnly).
pub const XSRF_SALT: &str = "XSRF-SALT";
/// Header carrying the CSRF token.
pub const XSRF_HEADER: &str = "x-xsrf-token";

/// Sets the access token.
pub fn set_token(jar: CookieJar, token: String, secure: bool) -> CookieJar {
    let mut c = Cookie::new(TOKEN, token);
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    jar.add(c)
}

/// Removes the access token (expired at once, rather than the original's empty value).
pub fn clear_token(jar: CookieJar) -> CookieJar {
    let mut c = Cookie::new(TOKEN, "");
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_max_age(Duration::ZERO);
    jar.add(c)
}

/// Sets a fresh XSRF salt and token (valid one day).
pub fn set_xsrf(
    jar: CookieJar,
    salt: String,
    token: String,
    secure: bool,
    domain: Option<&str>,
) -> CookieJar {
    let mut s = Cookie::new(XSRF_SALT, salt);
    s.set_path("/");
    s.set_http_only(true);
    s.set_same_site(SameSite::Strict);
    s.set_secure(secure);
    s.set_max_age(Duration::days(1));
    let mut jar = jar.add(s);
    for name in [XSRF_TOKEN, XSRF_TOKEN_DOC] {
        let mut t = Cookie::new(name, token.clone());
        t.set_path("/");
        t.set_http_only(false);
        t.set_same_site(SameSite::Strict);
        t.set_secure(secure);
        t.set_max_age(Duration::days(1));
        if let Some(d) = domain {
            t.set_domain(d.to_owned());
        }
        jar = jar.add(t);
    }
    jar
}
