//! Passwords: Argon2id hashes, the password policy (等保 and ASVS profiles), and random
//! passwords and tokens. Shared by the web desk (sign-in, accounts) and the command line
//! (`reset-password`, the demonstration's accounts).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Hashes a password with Argon2id (the crate's default parameters: 19 MiB, t=2, p=1).
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("无法计算密码摘要：{e}"))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash of a random password, for spending the same time on an unknown account.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// The password policy. The 等保 default: at least 8 characters from at least 3 of the 4
/// classes (upper case, lower case, digits, symbols).
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub min_len: usize,
    pub min_classes: usize,
    /// A new password may not be one of this many previous ones (the current one included).
    pub history: usize,
    /// A password expires after this many days.
    pub max_age_days: Option<i64>,
    /// Refuse the most common passwords.
    pub deny_common: bool,
}

impl Default for PasswordPolicy {
    /// The 等保 profile.
    fn default() -> Self {
        PasswordPolicy {
            min_len: 8,
            min_classes: 3,
            history: 5,
            max_age_days: Some(90),
            deny_common: true,
        }
    }
}

/// Passwords people choose first (checked case-insensitively, ignoring a trailing digit run).
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "admin",
    "admin123",
    "administrator",
    "qwerty",
    "qwertyuiop",
    "12345678",
    "123456789",
    "1234567890",
    "11111111",
    "88888888",
    "abc123",
    "abcd1234",
    "a1234567",
    "iloveyou",
    "welcome",
    "zhuanban",
    "root",
    "test",
    "test1234",
    "changeme",
    "letmein",
    "1qaz2wsx",
    "1q2w3e4r",
    "q1w2e3r4",
    "zaq12wsx",
    "woaini",
    "woaini1314",
    "5201314",
    "aa123456",
    "asdfghjkl",
    "zxcvbnm",
];

impl PasswordPolicy {
    /// The OWASP ASVS profile: length over composition, no expiry.
    pub fn asvs() -> Self {
        PasswordPolicy {
            min_len: 12,
            min_classes: 0,
            history: 0,
            max_age_days: None,
            deny_common: true,
        }
    }

    /// Whether a password changed at `changed` has expired at `now`.
    pub fn expired(
        &self,
        changed: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.max_age_days
            .is_some_and(|d| now - changed > chrono::Duration::days(d))
    }

    /// Refuses a password that is one of the account's recent ones.
    pub fn check_history(&self, password: &str, recent_hashes: &[String]) -> Result<(), String> {
        if recent_hashes
            .iter()
            .take(self.history)
            .any(|h| verify_password(password, h))
        {
            return Err(format!(
                "新密码不能与最近 {} 次使用过的密码相同",
                self.history
            ));
        }
        Ok(())
    }

    /// Checks a new password; the message says what is missing.
    pub fn check(&self, password: &str, login: &str) -> Result<(), String> {
        let n = password.chars().count();
        if n < self.min_len {
            return Err(format!("密码至少 {} 位（当前 {n} 位）", self.min_len));
        }
        if n > 128 {
            return Err("密码不超过128位".into());
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if classes < self.min_classes {
            return Err(format!(
                "密码须包含大写字母、小写字母、数字、符号中的至少 {} 类",
                self.min_classes
            ));
        }
        if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
            return Err("密码不能包含登录名".into());
        }
        if self.deny_common {
            let core = password.to_lowercase();
            let core =
                core.trim_end_matches(|c: char| c.is_ascii_digit() || "!@#$%^&*.".contains(c));
            if COMMON
                .iter()
                .any(|c| *c == core || *c == password.to_lowercase())
            {
                return Err("密码过于常见，请换一个".into());
            }
        }
        Ok(())
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random password that satisfies the default policy (for demonstration accounts).
pub fn random_password() -> String {
    let t = random_token();
    let core: String = t
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(10)
        .collect();
    format!("Zb{core}#7")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("Correct#Horse9").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct#Horse9", &h));
        assert!(!verify_password("correct#horse9", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        assert!(p.check("Abcdef1!", "zhang").is_ok());
        assert!(p.check("Abc1!", "zhang").unwrap_err().contains("至少 8 位"));
        assert!(
            p.check("abcdefgh1", "zhang")
                .unwrap_err()
                .contains("至少 3 类")
        );
        assert!(
            p.check("Zhang2024!", "zhang")
                .unwrap_err()
                .contains("登录名")
        );
        assert!(p.check(&random_password(), "zhang").is_ok());
        assert!(
            p.check("Password123!", "zhang")
                .unwrap_err()
                .contains("常见")
        );
        let a = PasswordPolicy::asvs();
        assert!(
            a.check("correct horse battery", "zhang").is_ok(),
            "no composition rules"
        );
        assert!(
            a.check("Abcdef1!", "zhang")
                .unwrap_err()
                .contains("至少 12 位")
        );
        let now = chrono::Utc::now();
        assert!(p.expired(now - chrono::Duration::days(91), now));
        assert!(!p.expired(now - chrono::Duration::days(89), now));
        assert!(!a.expired(now - chrono::Duration::days(1000), now));
        let h = hash_password("Old#Pass2024").unwrap();
        assert!(
            p.check_history("Old#Pass2024", std::slice::from_ref(&h))
                .is_err()
        );
        assert!(p.check_history("New#Pass2024", &[h]).is_ok());
    }
}
