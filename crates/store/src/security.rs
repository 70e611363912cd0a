//! Security records: settings, password history, second factor, lockout, inactive accounts,
//! and the audit log's search and purge.

use chrono::{DateTime, Duration, Utc};
use zhuanban_ledger::{AccountId, AuditRecord};

use crate::db;
use crate::ledger::{now_pub, write_audit};
use crate::{Actor, Db, Result, StoreError};

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

impl Db {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        db::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn set_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.write().await?;
        let before: Option<String> = db::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut tx)
            .await?;
        db::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut tx)
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
    pub async fn password_history(&self, user_id: AccountId, n: usize) -> Result<Vec<String>> {
        let current: Option<String> =
            db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        let mut out: Vec<String> = current.into_iter().collect();
        let older: Vec<String> = db::query_scalar(
            "SELECT hash FROM password_history WHERE user_id = $1 ORDER BY changed_at DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        out.extend(older);
        out.truncate(n);
        Ok(out)
    }

    pub async fn set_totp_secret(
        &self,
        user_id: AccountId,
        secret: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        db::query("UPDATE users SET totp_secret = $1, row_version = row_version + 1 WHERE id = $2")
            .bind(secret)
            .bind(user_id)
            .execute(&mut tx)
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

    pub async fn totp_secret(&self, user_id: AccountId) -> Result<Option<String>> {
        Ok(
            db::query_scalar::<Option<String>>("SELECT totp_secret FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// Whether a session still waits for its second factor.
    pub async fn session_mfa_pending(&self, token_hash: &str) -> Result<bool> {
        let v: Option<bool> =
            db::query_scalar("SELECT mfa_pending FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(v == Some(true))
    }

    pub async fn set_session_mfa_pending(&self, token_hash: &str, pending: bool) -> Result<()> {
        db::query("UPDATE sessions SET mfa_pending = $1 WHERE token_hash = $2")
            .bind(pending)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Disables accounts that have not signed in for `days` days (counting from their creation
    /// when they never have). Returns their logins.
    pub async fn disable_inactive(&self, days: i64, actor: &Actor) -> Result<Vec<String>> {
        let cutoff = (crate::clock::now() - Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.write().await?;
        let users: Vec<(i64, String)> = db::query_as(
            "SELECT id, login FROM users WHERE disabled = FALSE AND COALESCE(last_login_at, created_at) < $1",
        )
        .bind(&cutoff)
        .fetch_all(&mut tx)
        .await?;
        for (id, login) in &users {
            db::query(
                "UPDATE users SET disabled = TRUE, row_version = row_version + 1 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut tx)
            .await?;
            db::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut tx)
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
        let rows = db::query(
            "SELECT * FROM audit WHERE ($1 IS NULL OR actor LIKE $2) AND ($3 IS NULL OR action = $4)
             AND ($5 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $8) ORDER BY id DESC LIMIT $9 OFFSET $10",
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
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    at: time(&r.try_get::<String>("at")?)?,
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
            db::query_as("SELECT id, hash FROM audit WHERE at < $1 ORDER BY id DESC LIMIT 1")
                .bind(&cutoff)
                .fetch_optional(&mut tx)
                .await?;
        let Some((last_id, last_hash)) = last else {
            return Ok(0);
        };
        db::query("UPDATE audit_gate SET open = TRUE WHERE id = 1")
            .execute(&mut tx)
            .await?;
        let n = db::query("DELETE FROM audit WHERE id <= $1")
            .bind(last_id)
            .execute(&mut tx)
            .await?
            .rows_affected();
        db::query("UPDATE audit_gate SET open = FALSE WHERE id = 1")
            .execute(&mut tx)
            .await?;
        db::query(
            "INSERT INTO audit_anchor (id, last_id, last_hash, purged_at) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, purged_at = excluded.purged_at",
        )
        .bind(last_id)
        .bind(&last_hash)
        .bind(now_pub())
        .execute(&mut tx)
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
        db::query_as("SELECT last_id, last_hash FROM audit_anchor WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
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
        let Some(pool) = self.sqlite_pool() else {
            return Err(StoreError::invalid(
                "backup",
                "PostgreSQL 数据库请用 pg_dump 备份（见 zhuanban backup）",
            ));
        };
        let p = path.to_string_lossy().replace('\'', "''");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{p}'")))
            .execute(pool)
            .await?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        let rows: Vec<String> = db::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.join("; "))
    }
}
