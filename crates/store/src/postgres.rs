//! What is PostgreSQL's own in the store: connecting (and migrating, `migrations/postgres`),
//! and hearing of every server's commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use crate::Result;

/// The channel every committed change is announced on (see `migrations/postgres/0003_changes.sql`).
const CHANGES: &str = "zhuanban_changes";

/// Connects to the database at `url` (`postgres://user@host:port/database`) with a pool of
/// `connections`, brings its schema up to date, and starts counting change notifications: the
/// counter is what [`crate::Db::data_version`] gives on PostgreSQL. A notification arrives
/// shortly after the commit; a lost connection to the database counts as a change. The
/// listener holds a connection of the pool until `stop` is notified (so that closing the pool,
/// which waits for every connection, can end).
pub(crate) async fn connect(
    url: &str,
    connections: u32,
) -> Result<(PgPool, Arc<AtomicI64>, Arc<tokio::sync::Notify>)> {
    let options: PgConnectOptions = url.parse()?;
    // One connection first, so that a wrong address or password is reported as such (the
    // pool would retry until its timeout and report only that).
    sqlx::ConnectOptions::connect(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(connections.max(2))
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await?;
    crate::migrate::postgres(&pool).await?;
    let changes = Arc::new(AtomicI64::new(0));
    // Listening before `connect` returns: nothing committed afterwards goes unseen.
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANGES).await?;
    let stop = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(listen(listener, changes.clone(), stop.clone()));
    Ok((pool, changes, stop))
}

/// Counts change notifications until the store is dropped (the counter is then alone) or
/// closed (`stop`).
async fn listen(mut listener: PgListener, changes: Arc<AtomicI64>, stop: Arc<tokio::sync::Notify>) {
    loop {
        let received = tokio::select! {
            r = listener.try_recv() => r,
            () = stop.notified() => return,
        };
        match received {
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

/// A read-only transaction on a PostgreSQL store whose snapshot is exported for
/// `pg_dump --snapshot`, and what a backup's manifest needs, read in that same snapshot: the
/// dump and the manifest describe one state of the database although servers keep writing.
/// The snapshot stays valid until [`PgSnapshot::release`] (or the value is dropped).
pub struct PgSnapshot {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// The name `pg_dump --snapshot` takes.
    pub id: String,
    /// The last audit record (id, hash), None when there are none.
    pub audit_head: Option<(i64, String)>,
    /// How many audit records there are.
    pub audit_records: i64,
    /// The SHA-256 of every evidence file the database refers to.
    pub evidence: Vec<String>,
}

impl std::fmt::Debug for PgSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSnapshot")
            .field("id", &self.id)
            .field("audit_head", &self.audit_head)
            .field("audit_records", &self.audit_records)
            .finish_non_exhaustive()
    }
}

impl PgSnapshot {
    /// Ends the transaction (it changed nothing).
    pub async fn release(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// The tables of a PostgreSQL database outside its system schemas, read without opening it as
/// a store (which would build the ledger's schema in it): a restore goes only into a database
/// where this is empty.
pub async fn pg_user_tables(url: &str) -> Result<Vec<String>> {
    let options: PgConnectOptions = url.parse()?;
    let mut conn = sqlx::ConnectOptions::connect(&options).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await?;
    sqlx::Connection::close(conn).await?;
    Ok(tables)
}
