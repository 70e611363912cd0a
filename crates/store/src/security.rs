//! Security records: settings, password history, second factor, lockout, inactive accounts,
//! and the audit log's search and purge.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use zhuanban_ledger::{AuditRecord, Id};

use crate::sqlite::{now_pub, write_audit};
use crate::{Actor, Result, SqliteStore, StoreError};

/// How long audit records must be kept before they may be purged (网络安全法 第二十一条: at
/// least six months).
pub const AUDIT_RETENTION_DAYS: i64 = 180;

fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::invalid("time", format!("时间“{s}”格式不正确")))
}

/// Filters for the audit page.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Records to skip (newest first), for pages.
    pub offset: usize,
    pub limit: usize,
}

impl SqliteStore {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.write().await?;
        let before: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "setting.change",
            &format!("setting {key}"),
            before.as_deref(),
            Some(value),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The last `n` password hashes of an account (the current one first).
    pub async fn password_history(&self, user_id: Id, n: usize) -> Result<Vec<String>> {
        let current: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        let mut out: Vec<String> = current.into_iter().collect();
        let older: Vec<String> = sqlx::query_scalar(
            "SELECT hash FROM password_history WHERE user_id = ? ORDER BY changed_at DESC LIMIT ?",
        )
        .bind(user_id)
        .bind(n as i64)
        .fetch_all(self.pool())
        .await?;
        out.extend(older);
        out.truncate(n);
        Ok(out)
    }

    pub async fn set_totp_secret(
        &self,
        user_id: Id,
        secret: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE users SET totp_secret = ?, row_version = row_version + 1 WHERE id = ?")
            .bind(secret)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            if secret.is_some() {
                "user.totp_enable"
            } else {
                "user.totp_disable"
            },
            &format!("user#{user_id}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn totp_secret(&self, user_id: Id) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT totp_secret FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?
                .flatten(),
        )
    }

    /// Whether a session still waits for its second factor.
    pub async fn session_mfa_pending(&self, token_hash: &str) -> Result<bool> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT mfa_pending FROM sessions WHERE token_hash = ?")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(v == Some(1))
    }

    pub async fn set_session_mfa_pending(&self, token_hash: &str, pending: bool) -> Result<()> {
        sqlx::query("UPDATE sessions SET mfa_pending = ? WHERE token_hash = ?")
            .bind(pending)
            .bind(token_hash)
            .execute(self.write_pool())
            .await?;
        Ok(())
    }

    /// Disables accounts that have not signed in for `days` days (counting from their creation
    /// when they never have). Returns their logins.
    pub async fn disable_inactive(&self, days: i64, actor: &Actor) -> Result<Vec<String>> {
        let cutoff = (crate::clock::now() - Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.write().await?;
        let users: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, login FROM users WHERE disabled = 0 AND COALESCE(last_login_at, created_at) < ?",
        )
        .bind(&cutoff)
        .fetch_all(&mut *tx)
        .await?;
        for (id, login) in &users {
            sqlx::query(
                "UPDATE users SET disabled = 1, row_version = row_version + 1 WHERE id = ?",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            write_audit(
                &mut tx,
                actor,
                "user.disable_inactive",
                &format!("user#{id} {login}"),
                None,
                Some(&format!("{days}天未登录")),
                "ok",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(users.into_iter().map(|u| u.1).collect())
    }

    /// Audit records matching a filter, newest first.
    pub async fn audit_search(&self, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let fmt = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let rows = sqlx::query(
            "SELECT * FROM audit WHERE (? IS NULL OR actor LIKE ?) AND (? IS NULL OR action = ?)
             AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?) ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(f.actor.as_deref())
        .bind(f.actor.as_ref().map(|a| format!("%{a}%")))
        .bind(f.action.as_deref())
        .bind(f.action.as_deref())
        .bind(f.from.as_ref().map(fmt))
        .bind(f.from.as_ref().map(fmt))
        .bind(f.to.as_ref().map(fmt))
        .bind(f.to.as_ref().map(fmt))
        .bind(f.limit.clamp(1, 100_000) as i64)
        .bind(f.offset.min(i64::MAX as usize) as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    at: time(&r.try_get::<String, _>("at")?)?,
                    actor: r.try_get("actor")?,
                    source: r.try_get("source")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                    result: r.try_get("result")?,
                })
            })
            .collect()
    }

    /// Deletes audit records older than `before`, which must be at least
    /// [`AUDIT_RETENTION_DAYS`] ago. The last deleted record's hash is kept as the chain's new
    /// anchor, and the purge itself is recorded. Returns how many records were deleted.
    pub async fn purge_audit(&self, before: DateTime<Utc>, actor: &Actor) -> Result<usize> {
        let limit = crate::clock::now() - Duration::days(AUDIT_RETENTION_DAYS);
        if before > limit {
            return Err(StoreError::invalid(
                "before",
                format!(
                    "审计记录至少保存{AUDIT_RETENTION_DAYS}天，只能清理 {} 之前的记录",
                    limit.format("%Y-%m-%d")
                ),
            ));
        }
        let cutoff = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.write().await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM audit WHERE at < ? ORDER BY id DESC LIMIT 1")
                .bind(&cutoff)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((last_id, last_hash)) = last else {
            return Ok(0);
        };
        sqlx::query("UPDATE audit_gate SET open = 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM audit WHERE id <= ?")
            .bind(last_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE audit_gate SET open = 0 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO audit_anchor (id, last_id, last_hash, purged_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, purged_at = excluded.purged_at",
        )
        .bind(last_id)
        .bind(&last_hash)
        .bind(now_pub())
        .execute(&mut *tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "audit.purge",
            "audit",
            None,
            Some(&format!("清理 {cutoff} 之前的 {n} 条记录（至 #{last_id}）")),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(n as usize)
    }

    /// Where verification starts: (last purged id, its hash), or the beginning.
    pub async fn audit_anchor(&self) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT last_id, last_hash FROM audit_anchor WHERE id = 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// A consistent copy of the database at one moment (SQLite `VACUUM INTO`), taken while the
    /// server keeps writing.
    pub async fn backup_into(&self, path: &std::path::Path) -> Result<()> {
        if path.exists() {
            return Err(StoreError::invalid(
                "backup",
                format!("{} 已存在", path.display()),
            ));
        }
        let p = path.to_string_lossy().replace('\'', "''");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{p}'")))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.join("; "))
    }
}
