//! The PostgreSQL store: for now it opens a database and brings its schema up to date
//! (`migrations/postgres`, applied by `migrate::postgres`); the [`crate::Store`]
//! trait comes next.

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::Result;

/// A ledger kept in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) and brings
    /// its schema up to date. Opening an up-to-date database changes nothing.
    pub async fn open(url: &str) -> Result<Self> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        crate::migrate::postgres(&pool).await?;
        Ok(PgStore { pool })
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
