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
/// shortly after the commit; a lost connection to the database counts as a change.
pub(crate) async fn connect(url: &str, connections: u32) -> Result<(PgPool, Arc<AtomicI64>)> {
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
    tokio::spawn(listen(listener, changes.clone()));
    Ok((pool, changes))
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
