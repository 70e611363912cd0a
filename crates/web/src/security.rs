//! Security settings (the security administrator's), sign-in rate limits, and TOTP (RFC 6238).
//!
//! The settings have two password profiles: 等保 (the default: 8+ characters from 3 classes,
//! history of 5, expiry after 90 days) and OWASP ASVS (12+ characters, no composition rules,
//! no expiry, common passwords refused). Lockout after 5 failures from one address for 30
//! minutes, of that address only (the whole account when 3 addresses are locked out), sessions idle
//! 30 minutes and absolute 12 hours, accounts unused for 90 days disabled, TOTP optional or
//! mandatory for everyone: all settings.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};

pub use zhuanban_desk::security::{Profile, SecuritySettings};

/// A sliding-window counter of attempts per key (an address, an account).
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Counts an attempt; false when `limit` attempts were already made in the last minute.
    pub fn allow(&self, key: &str, limit: u32, now: Instant) -> bool {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
            });
        }
        let q = hits.entry(key.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            return false;
        }
        q.push_back(now);
        true
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = BASE32
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sha1::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The HOTP value (RFC 4226) of a counter, with `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let h = hmac_sha1(secret, &counter.to_be_bytes());
    let offset = (h[19] & 0x0f) as usize;
    let code = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    format!(
        "{:0width$}",
        code % 10u32.pow(digits),
        width = digits as usize
    )
}

/// Checks a 6-digit TOTP code (30-second steps) at `unix_seconds`, accepting one step of clock
/// drift either way.
pub fn totp_ok(secret_b32: &str, code: &str, unix_seconds: u64) -> bool {
    let Some(secret) = base32_decode(secret_b32) else {
        return false;
    };
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let step = unix_seconds / 30;
    [step.saturating_sub(1), step, step + 1]
        .iter()
        .any(|&c| crate::auth::constant_eq(&hotp(&secret, c, 6), code))
}

/// A new random secret (160 bits), base32.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    base32_encode(&bytes)
}

/// The `otpauth://` URI authenticator apps import.
pub fn otpauth_uri(secret: &str, login: &str) -> String {
    let label: String = format!("工作专班台账:{login}")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("otpauth://totp/{label}?secret={secret}&issuer=zhuanban&digits=6&period=30")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", 8 digits.
        let secret = b"12345678901234567890";
        for (t, want) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(hotp(secret, t / 30, 8), want, "t = {t}");
        }
        let b32 = base32_encode(secret);
        assert_eq!(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&b32).unwrap(), secret);
        let code = hotp(secret, 1_234_567_890 / 30, 6);
        assert!(totp_ok(&b32, &code, 1_234_567_890));
        assert!(
            totp_ok(&b32, &code, 1_234_567_890 + 30),
            "one step of drift"
        );
        assert!(!totp_ok(&b32, &code, 1_234_567_890 + 90));
        assert!(!totp_ok(&b32, "12345", 1_234_567_890));
    }

    #[test]
    fn rate_limits() {
        let r = RateLimiter::default();
        let t = Instant::now();
        for _ in 0..3 {
            assert!(r.allow("ip:1", 3, t));
        }
        assert!(!r.allow("ip:1", 3, t));
        assert!(r.allow("ip:2", 3, t), "per key");
        assert!(
            r.allow("ip:1", 3, t + Duration::from_secs(61)),
            "the window slides"
        );
    }

    #[test]
    fn settings_validate() {
        assert!(SecuritySettings::default().validate().is_ok());
        let bad = SecuritySettings {
            session_idle_minutes: 0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("session_idle_minutes"));
    }
}
