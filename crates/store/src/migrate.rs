//! Embedded migrations, one folder per backend, applied in order inside a transaction each.

use sqlx::SqlitePool;

use crate::{Result, StoreError};

/// (version, name, SQL) of every SQLite migration, in order.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../migrations/sqlite/0001_ledger.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../migrations/sqlite/0002_accounts.sql"),
    ),
    (
        3,
        "dispatch",
        include_str!("../migrations/sqlite/0003_dispatch.sql"),
    ),
    (
        4,
        "security",
        include_str!("../migrations/sqlite/0004_security.sql"),
    ),
    (
        5,
        "series",
        include_str!("../migrations/sqlite/0005_series.sql"),
    ),
    (
        6,
        "sign_in",
        include_str!("../migrations/sqlite/0006_sign_in.sql"),
    ),
    (
        7,
        "audit_key",
        include_str!("../migrations/sqlite/0007_audit_key.sql"),
    ),
    (
        8,
        "outbox_claims",
        include_str!("../migrations/sqlite/0008_outbox_claims.sql"),
    ),
];

/// Brings the database to the newest schema. Refuses a database newer than this binary.
pub async fn sqlite(pool: &SqlitePool) -> Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(pool)
        .await?;
    let current = current.unwrap_or(0);
    let newest = SQLITE.last().map_or(0, |m| m.0);
    if current > newest {
        return Err(StoreError::Migrate(format!(
            "数据库结构版本为 {current}，高于本程序支持的 {newest}，请升级程序"
        )));
    }
    for (version, name, sql) in SQLITE.iter().filter(|m| m.0 > current) {
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(*sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migrate(format!("{version}_{name}: {e}")))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .bind(version)
            .bind(name)
            .bind(crate::clock::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
