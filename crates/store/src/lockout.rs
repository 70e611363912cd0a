//! Lockout that an outsider cannot aim at someone else.
//!
//! Failed sign-ins count against the pair (address, account): `threshold` failures in a row
//! from one address lock that address out of that account for `minutes`; the owner signing in
//! from anywhere else is not affected. The whole account locks only when `addresses` distinct
//! addresses are locked out of it at the same time (a guessing attack spread over many
//! machines). A success from an address clears that address's count. The security
//! administrator can lift every lock of an account (audited).

use chrono::{DateTime, Duration, Utc};
use zhuanban_ledger::AccountId;

use crate::db::{self, Tx};
use crate::ledger::write_audit;
use crate::{Actor, Db, Result, StoreError};

fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// What a failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOutcome {
    /// Counted; nothing locked.
    Counted,
    /// This address is locked out of the account until then.
    AddressLocked(DateTime<Utc>),
    /// The whole account is locked until then.
    AccountLocked(DateTime<Utc>),
}

impl Db {
    /// Until when this address is locked out of this account, if it is now.
    pub async fn address_locked_until(
        &self,
        user_id: AccountId,
        ip: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let until: Option<Option<String>> =
            db::query_scalar("SELECT locked_until FROM login_locks WHERE user_id = $1 AND ip = $2")
                .bind(user_id)
                .bind(ip)
                .fetch_optional(&self.pool)
                .await?;
        let now = crate::clock::now();
        Ok(until
            .flatten()
            .as_deref()
            .and_then(parse)
            .filter(|t| *t > now))
    }

    /// Counts a failed sign-in of `ip` on an account; locks the pair at `threshold` failures
    /// (0: never) and the account when `addresses` addresses are locked out of it at once.
    pub async fn count_address_failure(
        &self,
        user_id: AccountId,
        ip: &str,
        threshold: u32,
        minutes: i64,
        addresses: u32,
    ) -> Result<LockOutcome> {
        let mut tx = self.write().await?;
        let out = count_pair(&mut tx, user_id, ip, threshold, minutes, addresses).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// A failed sign-in, all in one transaction (so that a known account costs the same
    /// writes as an unknown name): the aggregated audit record, and for an account whose
    /// address is not locked yet, the count of the pair (address, account).
    pub async fn failed_sign_in(
        &self,
        user_id: Option<AccountId>,
        login: &str,
        actor: &Actor,
        lock: Option<(u32, i64, u32)>,
    ) -> Result<LockOutcome> {
        let mut tx = self.write().await?;
        if let Some(id) = user_id {
            db::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut tx)
                .await?;
        }
        crate::accounts::aggregate_failure(&mut tx, "login.fail", login, actor).await?;
        let out = match (user_id, lock) {
            (Some(id), Some((threshold, minutes, addresses))) => {
                count_pair(&mut tx, id, &actor.source, threshold, minutes, addresses).await?
            }
            _ => LockOutcome::Counted,
        };
        tx.commit().await?;
        Ok(out)
    }

    /// A successful sign-in from `ip`: its count on the account starts again.
    pub async fn clear_address_failures(&self, user_id: AccountId, ip: &str) -> Result<()> {
        db::query("DELETE FROM login_locks WHERE user_id = $1 AND ip = $2")
            .bind(user_id)
            .bind(ip)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Lifts every lock of an account (the account's and every address's), audited.
    pub async fn unlock_user(&self, user_id: AccountId, actor: &Actor) -> Result<()> {
        let mut tx = self.write().await?;
        let before: Option<Option<String>> =
            db::query_scalar("SELECT locked_until FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut tx)
                .await?;
        let Some(before) = before else {
            return Err(StoreError::NotFound {
                what: "账号",
                id: user_id.to_string(),
            });
        };
        let addresses = db::query("DELETE FROM login_locks WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut tx)
            .await?
            .rows_affected();
        db::query(
            "UPDATE users SET locked_until = NULL, failed_logins = 0, row_version = row_version + 1 WHERE id = $1",
        )
        .bind(user_id)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "user.unlock",
            &format!("user#{user_id}"),
            before.as_deref(),
            Some(&format!("解除锁定（含{addresses}个地址的失败计数）")),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether an account or any address of it is locked now.
    pub async fn is_locked_anywhere(&self, user_id: AccountId) -> Result<bool> {
        let now = fmt(crate::clock::now());
        let n: i64 = db::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users WHERE id = $1 AND locked_until > $2)
                  + (SELECT COUNT(*) FROM login_locks WHERE user_id = $3 AND locked_until > $4)",
        )
        .bind(user_id)
        .bind(&now)
        .bind(user_id)
        .bind(&now)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}

/// Counts a failed sign-in of `ip` on an account; locks the pair at `threshold` failures
/// (0: never) and the account when `addresses` addresses are locked out of it at once.
async fn count_pair(
    conn: &mut Tx,
    user_id: AccountId,
    ip: &str,
    threshold: u32,
    minutes: i64,
    addresses: u32,
) -> Result<LockOutcome> {
    let now = crate::clock::now();
    let failures: i64 = db::query_scalar(
        "INSERT INTO login_locks (user_id, ip, failures) VALUES ($1, $2, 1)
         ON CONFLICT (user_id, ip) DO UPDATE SET failures = login_locks.failures + 1
         RETURNING failures",
    )
    .bind(user_id)
    .bind(ip)
    .fetch_one(&mut *conn)
    .await?;
    if threshold == 0 || failures < i64::from(threshold) {
        return Ok(LockOutcome::Counted);
    }
    let until = now + Duration::minutes(minutes);
    db::query(
        "UPDATE login_locks SET failures = 0, locked_until = $1 WHERE user_id = $2 AND ip = $3",
    )
    .bind(fmt(until))
    .bind(user_id)
    .bind(ip)
    .execute(&mut *conn)
    .await?;
    write_audit(
        &mut *conn,
        &Actor::new("系统", "system"),
        "user.lock_address",
        &format!("user#{user_id}"),
        None,
        Some(&format!(
            "来自 {ip} 连续{failures}次登录失败，该地址锁定{minutes}分钟"
        )),
        "ok",
    )
    .await?;
    let locked: Vec<String> = db::query_scalar(
        "SELECT ip FROM login_locks WHERE user_id = $1 AND locked_until > $2 ORDER BY ip",
    )
    .bind(user_id)
    .bind(fmt(now))
    .fetch_all(&mut *conn)
    .await?;
    let outcome = if addresses > 0 && locked.len() >= addresses as usize {
        db::query("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
            .bind(fmt(until))
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        write_audit(
            &mut *conn,
            &Actor::new("系统", "system"),
            "user.lock",
            &format!("user#{user_id}"),
            None,
            Some(&format!(
                "{}个地址（{}）均因连续登录失败被锁定，账号锁定{minutes}分钟",
                locked.len(),
                locked.join("、")
            )),
            "ok",
        )
        .await?;
        LockOutcome::AccountLocked(until)
    } else {
        LockOutcome::AddressLocked(until)
    };
    Ok(outcome)
}
