//! The PostgreSQL store: for now it opens a database and brings its schema up to date
//! (`migrations/postgres`, applied by `migrate::postgres`); the [`crate::Store`]
//! trait comes next.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use crate::Result;

/// The channel every committed change is announced on (see `migrations/postgres/0003_changes.sql`).
const CHANGES: &str = "zhuanban_changes";

/// A ledger kept in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Bumped by every change notification (and whenever notifications may have been missed).
    changes: Arc<AtomicI64>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) and brings
    /// its schema up to date. Opening an up-to-date database changes nothing.
    pub async fn open(url: &str) -> Result<Self> {
        let options: PgConnectOptions = url.parse()?;
        // One connection first, so that a wrong address or password is reported as such (the
        // pool would retry until its timeout and report only that).
        sqlx::ConnectOptions::connect(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await?;
        crate::migrate::postgres(&pool).await?;
        let changes = Arc::new(AtomicI64::new(0));
        // Listening before `open` returns: nothing committed afterwards goes unseen.
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANGES).await?;
        tokio::spawn(listen(listener, changes.clone()));
        Ok(PgStore { pool, changes })
    }

    /// A number that changes whenever anything has been committed to the database since the
    /// last call, by this server or another: what caches of derived data are keyed by (as
    /// SQLite's `data_version` is for `SqliteStore`). A notification arrives shortly after
    /// the commit; a lost connection to the database counts as a change.
    pub fn data_version(&self) -> i64 {
        self.changes.load(Ordering::SeqCst)
    }

    /// The newest migration applied (the schema's version).
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Counts change notifications until the store is dropped (the counter is then alone).
async fn listen(mut listener: PgListener, changes: Arc<AtomicI64>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => {
                changes.fetch_add(1, Ordering::SeqCst);
            }
            // The connection was lost (and is made again by the next call): notifications may
            // have been missed, so caches start over.
            Ok(None) => {
                changes.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => {
                changes.fetch_add(1, Ordering::SeqCst);
                if Arc::strong_count(&changes) == 1 {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
        if Arc::strong_count(&changes) == 1 {
            return;
        }
    }
}
