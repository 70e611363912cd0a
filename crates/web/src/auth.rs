//! Session tokens and cookies (passwords and their policy are the desk's:
//! [`zhuanban_desk::passwords`], re-exported here).
//!
//! A session token is 32 random bytes sent in an `HttpOnly`, `SameSite=Lax` cookie (`Secure`
//! behind TLS); the database keeps only its SHA-256. Each session has its own CSRF token.
//! Sessions end after `idle` without a request and after `absolute` in any case; disabling an
//! account or changing its password deletes its sessions.

use sha2::{Digest, Sha256};
pub use zhuanban_desk::passwords::{
    PasswordPolicy, dummy_hash, hash_password, random_password, random_token, verify_password,
};

pub const COOKIE: &str = "zb_session";

/// The SHA-256 (hex) under which a session token is stored.
pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The Set-Cookie value for a session token (or for removing it when `token` is None).
pub fn session_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The cookie that names the plan the desk works on (chosen on /plans/switch).
pub const PLAN_COOKIE: &str = "zb_plan";

/// The Set-Cookie value choosing a plan.
pub fn plan_cookie(plan: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{PLAN_COOKIE}={plan}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The plan chosen, from a Cookie header.
pub fn plan_from_cookies(header: &str) -> Option<i64> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == PLAN_COOKIE).then(|| v.parse().ok()).flatten()
    })
}

/// The plan named by a request's query string (`plan=ID`), if any.
pub fn plan_from_query(query: &str) -> Option<i64> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "plan").then(|| v.parse().ok()).flatten()
    })
}

/// The session token from a Cookie header.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE && !v.is_empty()).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_from_a_query() {
        assert_eq!(plan_from_query("plan=3"), Some(3));
        assert_eq!(plan_from_query("view=all&plan=12&x=1"), Some(12));
        assert_eq!(plan_from_query("plans=3&xplan=4"), None);
        assert_eq!(plan_from_query("plan=abc"), None);
        assert_eq!(plan_from_query(""), None);
    }

    #[test]
    fn cookies_and_tokens() {
        let t = random_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random_token());
        assert_eq!(
            token_from_cookies(&format!("a=1; {COOKIE}={t}; b=2")),
            Some(t.as_str())
        );
        assert_eq!(token_from_cookies("a=1"), None);
        assert!(session_cookie(Some("x"), true).contains("HttpOnly; SameSite=Lax; Secure"));
        assert!(constant_eq("abc", "abc") && !constant_eq("abc", "abd") && !constant_eq("a", "ab"));
        assert_eq!(token_hash("x").len(), 64);
    }
}
