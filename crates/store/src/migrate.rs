//! Embedded migrations, one folder per backend, applied in order inside a transaction each.

use sqlx::{PgPool, SqlitePool};

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
    (
        9,
        "plan_readings",
        include_str!("../migrations/sqlite/0009_plan_readings.sql"),
    ),
    (
        10,
        "report_indexes",
        include_str!("../migrations/sqlite/0010_report_indexes.sql"),
    ),
    (
        11,
        "plan_archive",
        include_str!("../migrations/sqlite/0011_plan_archive.sql"),
    ),
    (
        12,
        "inbox_unread",
        include_str!("../migrations/sqlite/0012_inbox_unread.sql"),
    ),
];

/// (version, name, SQL) of every PostgreSQL migration, in order. Their own numbering: version 1
/// is the whole schema of SQLite migrations 1–7; a later SQLite migration gets a PostgreSQL one
/// with the next version here.
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../migrations/postgres/0001_ledger.sql"),
    ),
    (
        2,
        "outbox_claims",
        include_str!("../migrations/postgres/0002_outbox_claims.sql"),
    ),
    (
        3,
        "changes",
        include_str!("../migrations/postgres/0003_changes.sql"),
    ),
    (
        4,
        "plan_readings",
        include_str!("../migrations/postgres/0004_plan_readings.sql"),
    ),
    (
        5,
        "report_indexes",
        include_str!("../migrations/postgres/0005_report_indexes.sql"),
    ),
    (
        6,
        "changes_by_row",
        include_str!("../migrations/postgres/0006_changes_by_row.sql"),
    ),
    (
        7,
        "plan_archive",
        include_str!("../migrations/postgres/0007_plan_archive.sql"),
    ),
    (
        8,
        "inbox_unread",
        include_str!("../migrations/postgres/0008_inbox_unread.sql"),
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

/// Brings a PostgreSQL database to the newest schema, as [`sqlite`] does a SQLite one.
/// Refuses a database newer than this binary. Each migration is applied in its own
/// transaction, which first locks `schema_migrations` and reads the version again: two
/// processes opening one database at once apply each migration once (the second waits, then
/// finds it recorded). Plain SQL only (no advisory locks), so that it also runs on
/// PostgreSQL-compatible databases.
pub async fn postgres(pool: &PgPool) -> Result<()> {
    let created = sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await;
    match created {
        Ok(_) => {}
        // Another process created it at the same moment (IF NOT EXISTS does not cover a
        // creation still in progress): it is there now.
        Err(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("23505") | Some("42P07")) => {}
        Err(e) => return Err(e.into()),
    }
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(pool)
        .await?;
    let current = current.unwrap_or(0);
    let newest = POSTGRES.last().map_or(0, |m| m.0);
    if current > newest {
        return Err(StoreError::Migrate(format!(
            "数据库结构版本为 {current}，高于本程序支持的 {newest}，请升级程序"
        )));
    }
    for (version, name, sql) in POSTGRES.iter().filter(|m| m.0 > current) {
        let mut tx = pool.begin().await?;
        sqlx::query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let done: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await?;
        if done.unwrap_or(0) >= *version {
            tx.commit().await?;
            continue;
        }
        sqlx::raw_sql(*sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migrate(format!("{version}_{name}: {e}")))?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(crate::clock::now().to_rfc3339())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
