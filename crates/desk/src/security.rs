//! The security administrator's settings: the password profile (等保 or OWASP ASVS), lockout,
//! session limits, second factor, inactive accounts, sign-in rates. Stored in the database
//! under [`SECURITY_KEY`]; the web desk enforces them, the dispatch worker disables inactive
//! accounts by them.

use serde::{Deserialize, Serialize};
use zhuanban_store::Db;

use crate::passwords::PasswordPolicy;

/// The settings key of the security settings.
pub const SECURITY_KEY: &str = "security";

/// The settings in force: the stored ones, else the defaults (also when the stored ones
/// cannot be read).
pub async fn load(store: &Db) -> zhuanban_store::Result<SecuritySettings> {
    Ok(match store.setting(SECURITY_KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => SecuritySettings::default(),
    })
}

/// Which password rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// 网络安全等级保护 (GB/T 22239-2019) as assessors read it.
    Dengbao,
    /// OWASP ASVS 4 (V2.1): length over composition, no periodic change.
    Asvs,
}

/// The security administrator's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecuritySettings {
    pub profile: Profile,
    /// Failures in a row from one address that lock that address out of an account (0: never).
    pub lockout_threshold: u32,
    pub lockout_minutes: i64,
    /// Addresses locked out of an account at once that lock the whole account (0: never; the
    /// account then locks only address by address).
    pub lockout_addresses: u32,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Every account must use a second factor (等保 level 3).
    pub require_totp: bool,
    /// Accounts that have not signed in for this many days are disabled (0: never).
    pub inactive_days: i64,
    /// Sign-in attempts per minute from one address, and for one account.
    pub attempts_per_ip: u32,
    pub attempts_per_account: u32,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            profile: Profile::Dengbao,
            lockout_threshold: 5,
            lockout_minutes: 30,
            lockout_addresses: 3,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            require_totp: false,
            inactive_days: 90,
            attempts_per_ip: 30,
            attempts_per_account: 10,
        }
    }
}

impl SecuritySettings {
    pub fn policy(&self) -> PasswordPolicy {
        match self.profile {
            Profile::Dengbao => PasswordPolicy::default(),
            Profile::Asvs => PasswordPolicy::asvs(),
        }
    }

    /// Checks the values; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.lockout_threshold > 100 {
            return Err("lockout_threshold：应在 0～100 之间".into());
        }
        if self.lockout_addresses > 1000 {
            return Err("lockout_addresses：应在 0～1000 之间".into());
        }
        if !(1..=24 * 60).contains(&self.lockout_minutes) {
            return Err("lockout_minutes：应在 1～1440 分钟之间".into());
        }
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            return Err("session_idle_minutes：应在 1～1440 分钟之间".into());
        }
        if !(1..=24 * 7).contains(&self.session_absolute_hours) {
            return Err("session_absolute_hours：应在 1～168 小时之间".into());
        }
        if self.inactive_days < 0 {
            return Err("inactive_days：不能为负".into());
        }
        if self.attempts_per_ip == 0 || self.attempts_per_account == 0 {
            return Err("attempts_per_ip / attempts_per_account：至少为 1".into());
        }
        Ok(())
    }
}
