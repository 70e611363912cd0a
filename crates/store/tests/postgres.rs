//! The PostgreSQL store, for real, on a throwaway cluster (`zhuanban_testkit::pg`): its
//! migrations, its schema against the SQLite one, and the append-only audit table.
//!
//! These tests need PostgreSQL installed (Debian package `postgresql`; `cargo xtask test`
//! installs it) and fail without it.

use std::collections::BTreeSet;
use std::fmt::Debug;

use sqlx::PgPool;
use zhuanban_store::{Db, PgOptions};
use zhuanban_testkit::pg::PgCluster;

/// Opens a store on the database at `url`, with its audit key in a folder kept for the test
/// process's life (every store of one database shares it, as servers do).
async fn open_pg(url: &str) -> zhuanban_store::Result<Db> {
    static KEYS: std::sync::LazyLock<tempfile::TempDir> =
        std::sync::LazyLock::new(|| tempfile::tempdir().unwrap());
    let name = url.rsplit('/').next().unwrap_or("db").to_string();
    Db::open_pg(
        url,
        &PgOptions::new(KEYS.path().join(format!("{name}.audit-key"))),
    )
    .await
}

fn cluster() -> PgCluster {
    PgCluster::start().expect("a throwaway PostgreSQL cluster")
}

/// (version, name) of every file in `migrations/postgres`, named `NNNN_name.sql`, in order.
fn migration_files() -> Vec<(i64, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<(i64, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let stem = name.strip_suffix(".sql").expect("only .sql files");
            let (version, name) = stem.split_once('_').expect("NNNN_name.sql");
            (
                version.parse().expect("a numbered migration"),
                name.to_string(),
            )
        })
        .collect();
    files.sort();
    files
}

async fn recorded(pool: &PgPool) -> Vec<(i64, String, String)> {
    sqlx::query_as("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_are_applied_and_recorded_once() {
    let cluster = cluster();
    let url = cluster.new_database().unwrap();

    let first = open_pg(&url).await.unwrap();
    let after_first = recorded(first.pg_pool().unwrap()).await;
    let versions: Vec<(i64, String)> = after_first
        .iter()
        .map(|(v, n, _)| (*v, n.clone()))
        .collect();
    assert_eq!(versions, migration_files(), "every migration file, once");
    for (_, _, at) in &after_first {
        chrono::DateTime::parse_from_rfc3339(at).expect("applied_at is RFC 3339");
    }

    // Opening again applies nothing: the same records, with the same times.
    let second = open_pg(&url).await.unwrap();
    assert_eq!(recorded(second.pg_pool().unwrap()).await, after_first);

    // Two stores opening a new database at once apply each migration once between them.
    let url = cluster.new_database().unwrap();
    let (a, b) = tokio::join!(open_pg(&url), open_pg(&url));
    let (a, _b) = (a.unwrap(), b.unwrap());
    let versions: Vec<(i64, String)> = recorded(a.pg_pool().unwrap())
        .await
        .into_iter()
        .map(|(v, n, _)| (v, n))
        .collect();
    assert_eq!(versions, migration_files());
}

/// A column as both schemas can describe it: table, column, kind of type, and whether it
/// refuses NULL.
type Column = (String, String, &'static str, bool);

/// The kind of a SQLite declared type.
fn sqlite_kind(declared: &str) -> &'static str {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => "integer",
        "REAL" => "real",
        "TEXT" => "text",
        _ => "other",
    }
}

/// The kind of a PostgreSQL type: flags are BOOLEAN where SQLite keeps 0/1 INTEGERs.
fn postgres_kind(data_type: &str) -> &'static str {
    match data_type {
        "bigint" | "integer" | "smallint" | "boolean" => "integer",
        "double precision" => "real",
        "text" => "text",
        _ => "other",
    }
}

async fn sqlite_columns() -> (Vec<Column>, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Db::open(&dir.path().join("ledger.db")).await.unwrap();
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk
           FROM sqlite_master m JOIN pragma_table_info(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(store.sqlite_pool().unwrap())
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        // A primary key column refuses NULL in PostgreSQL; in SQLite an INTEGER PRIMARY KEY
        // does too, and the others are meant to.
        .map(|(t, c, ty, notnull, pk)| (t, c, sqlite_kind(&ty), notnull != 0 || pk > 0))
        .collect();
    // Indexes made by CREATE INDEX (not those of keys and UNIQUE, which have no SQL).
    let indexes: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(store.sqlite_pool().unwrap())
            .await
            .unwrap();
    (columns, indexes.into_iter().map(|(n,)| n).collect())
}

async fn postgres_columns(pool: &PgPool) -> (Vec<Column>, BTreeSet<String>) {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
           FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(t, c, ty, nullable)| (t, c, postgres_kind(&ty), nullable == "NO"))
        .collect();
    // Indexes made by CREATE INDEX (not those of keys and UNIQUE, named as their constraints).
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
            AND indexname NOT IN (SELECT conname FROM pg_constraint)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (columns, indexes.into_iter().map(|(n,)| n).collect())
}

/// Asserts two sets are equal, listing what each has that the other lacks.
fn assert_same<T: Ord + Debug>(what: &str, sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>) {
    let only_sqlite: Vec<&T> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<&T> = postgres.difference(sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "{what} differ:\n  only in SQLite: {only_sqlite:#?}\n  only in PostgreSQL: {only_postgres:#?}"
    );
}

#[tokio::test]
async fn the_postgres_schema_has_the_sqlite_tables_and_columns() {
    let cluster = cluster();
    let store = open_pg(&cluster.new_database().unwrap()).await.unwrap();
    let (sqlite, sqlite_indexes) = sqlite_columns().await;
    let (postgres, postgres_indexes) = postgres_columns(store.pg_pool().unwrap()).await;
    assert!(
        sqlite.len() > 100,
        "the SQLite schema was read ({} columns)",
        sqlite.len()
    );

    let pairs = |cols: &[Column]| -> BTreeSet<(String, String)> {
        cols.iter()
            .map(|(t, c, _, _)| (t.clone(), c.clone()))
            .collect()
    };
    assert_same("(table, column) pairs", &pairs(&sqlite), &pairs(&postgres));

    let full = |cols: Vec<Column>| -> BTreeSet<Column> { cols.into_iter().collect() };
    assert_same("column types and NOT NULL", &full(sqlite), &full(postgres));
    assert_same("indexes", &sqlite_indexes, &postgres_indexes);
}

async fn insert_audit(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO audit (at, actor, source, action, object, before, after, result, prev_hash, hash)
         VALUES ('2026-01-01T00:00:00+00:00', '办公室甲', 'test', 'plan.import', 'plan:1',
                 NULL, '{}', 'ok', '', 'h1')
         RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The error of a statement that must be refused.
async fn refused(pool: &PgPool, sql: &'static str) -> String {
    match sqlx::query(sql).execute(pool).await {
        Ok(done) => panic!("{sql} was not refused: {done:?}"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn the_audit_table_refuses_update_and_delete() {
    let cluster = cluster();
    let store = open_pg(&cluster.new_database().unwrap()).await.unwrap();
    let pool = store.pg_pool().unwrap();
    let id = insert_audit(pool).await;
    let before: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, actor, hash FROM audit ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();

    let e = refused(pool, "UPDATE audit SET actor = '他人', hash = 'forged'").await;
    assert!(e.contains("audit records cannot be changed"), "{e}");
    let e = refused(pool, "DELETE FROM audit").await;
    assert!(e.contains("audit records cannot be deleted"), "{e}");
    let e = refused(pool, "TRUNCATE audit").await;
    assert!(e.contains("audit records cannot be deleted"), "{e}");

    let after: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, actor, hash FROM audit ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(after, before, "the record is untouched");

    // The purge gate, open inside a transaction, lets a DELETE through (as in SQLite), and
    // still no UPDATE.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE audit_gate SET open = TRUE WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    let deleted = sqlx::query("DELETE FROM audit WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 1);
    tx.rollback().await.unwrap();

    // The audit keying (written when the store first opened the database) is never changed.
    let e = refused(pool, "UPDATE audit_keying SET keyed_from = 2").await;
    assert!(e.contains("the audit keying cannot be changed"), "{e}");
    let e = refused(pool, "DELETE FROM audit_keying").await;
    assert!(e.contains("the audit keying cannot be deleted"), "{e}");
}

/// Caches are kept until the database changes: a commit by another server moves this store's
/// data version; a transaction rolled back, or one still open, does not.
#[tokio::test]
async fn a_commit_by_another_server_moves_the_data_version() {
    let cluster = cluster();
    let url = cluster.new_database().unwrap();
    let a = open_pg(&url).await.unwrap();
    let b = open_pg(&url).await.unwrap();
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(300));
    settle().await;
    let v0 = b.data_version().await.unwrap();
    let insert =
        |name: &'static str| sqlx::query("INSERT INTO units (name) VALUES ($1)").bind(name);
    // Rolled back: nothing to see.
    let mut tx = a.pg_pool().unwrap().begin().await.unwrap();
    insert("区住房城乡建设局").execute(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    // Open: not yet.
    let mut tx = a.pg_pool().unwrap().begin().await.unwrap();
    insert("区教育卫生健康局").execute(&mut *tx).await.unwrap();
    settle().await;
    assert_eq!(b.data_version().await.unwrap(), v0, "nothing committed yet");
    // Reading changes nothing either.
    sqlx::query("SELECT COUNT(*) FROM units")
        .fetch_one(a.pg_pool().unwrap())
        .await
        .unwrap();
    settle().await;
    assert_eq!(b.data_version().await.unwrap(), v0);
    tx.commit().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.data_version().await.unwrap() == v0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(b.data_version().await.unwrap() > v0, "the commit was seen");
    // Every table announces its changes (a later migration's table too), but the bookkeeping
    // of sessions, reminders, read marks and sign-in (see migrations 0006 and 0008 and
    // `a_session_touch_or_a_statement_that_changes_nothing_keeps_the_data_version`).
    let untriggered: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
            AND table_name NOT IN ('schema_migrations', 'sessions', 'inbox', 'inbox_reads',
                                   'inbox_marks', 'outbox', 'login_failures', 'login_locks')
            AND NOT EXISTS (SELECT 1 FROM pg_trigger
                             WHERE tgname = table_name || '_changed'
                               AND tgrelid = (quote_ident(table_name))::regclass)",
    )
    .fetch_all(a.pg_pool().unwrap())
    .await
    .unwrap();
    assert!(
        untriggered.is_empty(),
        "tables without the trigger: {untriggered:?}"
    );
}

/// The desk keeps its judgements until the data version moves: a statement that changes no
/// row, a session's touch (every signed-in account about once a minute) and a reminder the
/// dispatch worker posts do not move it; a changed row of the ledger does.
#[tokio::test]
async fn a_session_touch_or_a_statement_that_changes_nothing_keeps_the_data_version() {
    let cluster = cluster();
    let url = cluster.new_database().unwrap();
    let a = open_pg(&url).await.unwrap();
    let b = open_pg(&url).await.unwrap();
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(300));
    let unit = zhuanban_ledger::UnitId(
        sqlx::query_scalar("INSERT INTO units (name) VALUES ('区水利局') RETURNING id")
            .fetch_one(a.pg_pool().unwrap())
            .await
            .unwrap(),
    );
    assert!(
        a.post_inbox(
            "remind:1",
            zhuanban_store::Audience::Unit(unit),
            "催报",
            "请报送",
            "/my"
        )
        .await
        .unwrap()
    );
    settle().await;
    let v0 = b.data_version().await.unwrap();
    // The same reminder again: nothing inserted.
    assert!(
        !a.post_inbox(
            "remind:1",
            zhuanban_store::Audience::Unit(unit),
            "催报",
            "请报送",
            "/my"
        )
        .await
        .unwrap()
    );
    // An update that matches no row.
    sqlx::query("UPDATE units SET row_version = row_version + 1 WHERE id = -1")
        .execute(a.pg_pool().unwrap())
        .await
        .unwrap();
    // A session made and touched.
    let user = a
        .create_user(
            &zhuanban_store::NewUser {
                login: "unit".into(),
                name: "联络员".into(),
                role: zhuanban_ledger::Role::Unit,
                unit_id: Some(unit),
                password_hash: "x".into(),
            },
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap();
    settle().await;
    let v1 = b.data_version().await.unwrap();
    assert_ne!(v1, v0, "a new account is a change");
    a.create_session("hash-1", user.id, "csrf", "127.0.0.1")
        .await
        .unwrap();
    a.touch_session("hash-1").await.unwrap();
    settle().await;
    assert_eq!(b.data_version().await.unwrap(), v1, "a session is not data");
    // A reminder posted: bookkeeping, not data.
    assert!(
        a.post_inbox(
            "remind:2",
            zhuanban_store::Audience::Unit(unit),
            "催报",
            "请报送",
            "/my"
        )
        .await
        .unwrap()
    );
    settle().await;
    assert_eq!(
        b.data_version().await.unwrap(),
        v1,
        "a reminder is not data"
    );
    // A row of the ledger changed: seen.
    sqlx::query("UPDATE units SET row_version = row_version + 1 WHERE id = $1")
        .bind(unit.get())
        .execute(a.pg_pool().unwrap())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.data_version().await.unwrap() == v1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(b.data_version().await.unwrap() > v1, "the change was seen");
}
