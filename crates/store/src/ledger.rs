//! The embedded SQLite store.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use zhuanban_ledger::evaluate::Snapshot;
use zhuanban_ledger::input;
use zhuanban_ledger::{
    AuditRecord, Cmp, EvidenceRef, Hardness, Id, MilestoneId, MilestoneState, PlanRecord, Report,
    ReportState, Round, RoundId, RoundState, TargetId, TargetKind, TargetValue, TaskId, TaskRecord,
    UnitId, UnitRecord,
};

use crate::audit::{self, Break, Entry, GENESIS};
use crate::db::{self, Ex, Pool, Row, Tx, TxInner};
use crate::{
    Actor, AuditCheck, ImportOptions, ImportOutcome, ReportInput, Result, RoundInput, Store,
    StoreError,
};

pub(crate) fn now_pub() -> String {
    now()
}

fn now() -> String {
    crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::invalid("date", format!("日期“{s}”格式不正确")))
}

pub(crate) fn opt_date(s: Option<String>) -> Result<Option<NaiveDate>> {
    s.map(|s| date(&s)).transpose()
}

pub(crate) fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::invalid("time", format!("时间“{s}”格式不正确")))
}

fn cmp_str(c: Cmp) -> &'static str {
    c.symbol()
}

pub(crate) fn cmp_parse(s: &str) -> Cmp {
    match s {
        "<=" => Cmp::AtMost,
        "~" => Cmp::About,
        "=" => Cmp::Equal,
        _ => Cmp::AtLeast,
    }
}

fn hardness_str(h: Hardness) -> &'static str {
    match h {
        Hardness::Firm => "firm",
        Hardness::Stretch => "stretch",
        Hardness::Plain => "plain",
    }
}

pub(crate) fn hardness_parse(s: &str) -> Hardness {
    match s {
        "firm" => Hardness::Firm,
        "stretch" => Hardness::Stretch,
        _ => Hardness::Plain,
    }
}

fn kind_str(k: TargetKind) -> &'static str {
    match k {
        TargetKind::Cumulative => "cumulative",
        TargetKind::Level => "level",
        TargetKind::Growth => "growth",
        TargetKind::Limit => "limit",
        TargetKind::Class => "class",
    }
}

pub(crate) fn kind_parse(s: &str) -> TargetKind {
    match s {
        "level" => TargetKind::Level,
        "growth" => TargetKind::Growth,
        "limit" => TargetKind::Limit,
        "class" => TargetKind::Class,
        _ => TargetKind::Cumulative,
    }
}

/// The ledger's store: SQLite (one file, the embedded default) or PostgreSQL (a city's or a
/// province's database, shared by several servers). Every query is written once for both (see
/// `crate::db`); what differs is kept here: how connections are opened, how a write
/// transaction takes the write lock, how changes made by others are noticed, and where the
/// audit key lives.
#[derive(Debug, Clone)]
pub struct Db {
    /// The connections reads use.
    pub(crate) pool: Pool,
    /// Where writes go. SQLite: the one connection `write` uses, so this process's writers
    /// queue for it in turn instead of racing for SQLite's write lock and sleeping in its busy
    /// handler (which backs off up to 100 ms between tries). PostgreSQL: the pool itself, a
    /// write transaction taking the store's write lock (see [`Db::write`]).
    pub(crate) writer: Pool,
    backend: Backend,
    /// The audit chain's key and anchor (see [`crate::audit`]).
    keyring: std::sync::Arc<audit::Keyring>,
    /// The writer thread of report saves (see [`crate::group`]).
    saves: crate::group::Committer,
    /// Bumped by every inbox change this process makes (a message posted, read, all read):
    /// caches of unread counts key on it (see [`Db::inbox_generation`]).
    pub(crate) inbox_generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite {
        /// A connection that never writes, kept only to ask `PRAGMA data_version`, which
        /// changes whenever any other connection (of this process or another) commits.
        watch: std::sync::Arc<tokio::sync::Mutex<SqliteConnection>>,
    },
    Pg {
        /// Bumped by every change notification (see [`crate::postgres`]).
        changes: std::sync::Arc<std::sync::atomic::AtomicI64>,
        /// Ends the change listener, which holds a connection of the pool (see [`Db::close`]).
        stop_listening: std::sync::Arc<tokio::sync::Notify>,
    },
}

/// Where a PostgreSQL store keeps what is not in the database.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// The audit chain's key file (64 hex digits, created with mode 0600 when missing); its
    /// anchor file goes beside it (`….audit-anchor`). Every server of one database must use
    /// the same key.
    pub audit_key: std::path::PathBuf,
    /// Connections of this server's pool.
    pub connections: u32,
}

impl PgOptions {
    pub fn new(audit_key: impl Into<std::path::PathBuf>) -> Self {
        PgOptions {
            audit_key: audit_key.into(),
            connections: 16,
        }
    }
}

/// The transaction-scoped advisory lock every PostgreSQL write transaction takes first: writes
/// are serialized as SQLite serializes them (one writer at a time, across every server of the
/// database), so a read-check-write in a transaction sees no concurrent write, and the audit
/// chain has one head. ("zhuanban" in ASCII, as a number.)
pub const PG_WRITE_LOCK: i64 = 0x7a6875616e62616e;

impl Db {
    /// The rounds of a plan that have at least one accepted report.
    pub async fn rounds_with_accepted_reports(&self, plan_id: Id) -> Result<Vec<RoundId>> {
        let ids: Vec<i64> = db::query_scalar(
            "SELECT DISTINCT r.id FROM rounds r JOIN reports p ON p.round_id = r.id
             WHERE r.plan_id = $1 AND p.state = 'accepted' ORDER BY r.id",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(RoundId).collect())
    }

    /// Opens the store named by `spec`: a `postgres://` URL (with the audit key file named by
    /// `ZHUANBAN_AUDIT_KEY`; see [`Db::open_pg`]), or else the path of a SQLite file (created
    /// when missing; see [`Db::open`]).
    pub async fn connect(spec: &str) -> Result<Self> {
        if is_postgres(spec) {
            let key = std::env::var_os("ZHUANBAN_AUDIT_KEY").ok_or_else(|| {
                StoreError::invalid(
                    "db",
                    "使用 PostgreSQL 时须以环境变量 ZHUANBAN_AUDIT_KEY 指定审计密钥文件的路径（各服务器使用同一密钥文件）",
                )
            })?;
            Self::open_pg(spec, &PgOptions::new(key)).await
        } else {
            Self::open(Path::new(spec)).await
        }
    }

    /// Opens (creating when missing) a database file and brings its schema up to date. WAL
    /// mode, `synchronous=FULL` (an acknowledged write survives a power cut), foreign keys on.
    pub async fn open(path: &Path) -> Result<Self> {
        let opts = Self::connect_options(path)?;
        // Migrations on a connection of their own, closed before the pools open: a connection
        // that read the schema before a migration changed a table would prepare `SELECT *` with
        // the old columns and then step with the new ones.
        let migrating = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        crate::migrate::sqlite(&migrating).await?;
        migrating.close().await;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        let watch = sqlx::ConnectOptions::connect(&opts).await?;
        let writer = Pool::Sqlite(writer);
        let keyring = key_audit(&writer, sqlite_keyring_home(&writer).await?).await?;
        let saves = crate::group::Committer::start_sqlite(path, keyring.clone())?;
        let db = Db {
            saves,
            pool: Pool::Sqlite(pool),
            writer,
            backend: Backend::Sqlite {
                watch: std::sync::Arc::new(tokio::sync::Mutex::new(watch)),
            },
            keyring,
            inbox_generation: Default::default(),
        };
        db.load_calendar().await?;
        Ok(db)
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/database`) and
    /// brings its schema up to date (opening an up-to-date database changes nothing).
    pub async fn open_pg(url: &str, opts: &PgOptions) -> Result<Self> {
        let (pool, changes, stop_listening) =
            crate::postgres::connect(url, opts.connections).await?;
        let pool = Pool::Pg(pool);
        let home = KeyringHome {
            registry: format!("{url} {}", opts.audit_key.display()),
            key: Some(opts.audit_key.clone()),
            anchor: Some(audit::key_anchor_path(&opts.audit_key)),
        };
        let keyring = key_audit(&pool, home).await?;
        let Pool::Pg(pg) = &pool else { unreachable!() };
        let saves = crate::group::Committer::start_pg(pg, keyring.clone()).await?;
        let db = Db {
            saves,
            writer: pool.clone(),
            pool,
            backend: Backend::Pg {
                changes,
                stop_listening,
            },
            keyring,
            inbox_generation: Default::default(),
        };
        db.load_calendar().await?;
        Ok(db)
    }

    /// The newest migration applied (the schema's version).
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = db::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.pool.is_pg()
    }

    /// The last audit record (id, hash) of a database file, read without opening it as a
    /// store (no migration, no key): for a backup's copy before its key is beside it.
    pub async fn audit_head_of_file(path: &Path) -> Result<Option<(i64, String)>> {
        let mut conn = sqlx::ConnectOptions::connect(
            &SqliteConnectOptions::from_str("sqlite:")?
                .filename(path)
                .read_only(true),
        )
        .await?;
        db::query_as("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut conn)
            .await
    }

    /// The SHA-256 of every evidence file a database file refers to, read without opening it
    /// as a store: for checking that a backup holds them all.
    pub async fn evidence_hashes_of_file(path: &Path) -> Result<Vec<String>> {
        let mut conn = sqlx::ConnectOptions::connect(
            &SqliteConnectOptions::from_str("sqlite:")?
                .filename(path)
                .read_only(true),
        )
        .await?;
        db::query_scalar("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256")
            .fetch_all(&mut conn)
            .await
    }

    /// The audit chain's keyring.
    pub fn audit_keyring(&self) -> &audit::Keyring {
        &self.keyring
    }

    /// Appends the audit chain's committed head to the anchor file (backups and `audit verify`
    /// call it; every audited write anchors the head before it).
    pub async fn anchor_audit_head(&self) -> Result<Option<(i64, String)>> {
        let head: Option<(i64, String)> =
            db::query_as("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        if let Some((id, hash)) = &head {
            self.keyring
                .anchor(*id, hash)
                .map_err(|e| StoreError::invalid("audit", format!("无法写入审计锚定文件：{e}")))?;
        }
        Ok(head)
    }

    /// The options of every connection of a SQLite store (the pool, the writer and the
    /// watcher): WAL, `synchronous=FULL` set explicitly (not left to the library's compiled-in
    /// default), foreign keys, a 10 s busy timeout.
    pub fn connect_options(path: &Path) -> Result<SqliteConnectOptions> {
        Ok(SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10)))
    }

    /// Opens an existing SQLite database; refuses a path with no database.
    pub async fn open_existing(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(StoreError::invalid(
                "db",
                format!(
                    "数据库文件 {} 不存在（先运行 zhuanban init）",
                    path.display()
                ),
            ));
        }
        Self::open(path).await
    }

    /// A SQLite store's read pool (None on PostgreSQL): for tests and SQLite-only tools.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            Pool::Pg(_) => None,
        }
    }

    /// A SQLite store's writer (one connection; None on PostgreSQL): for tests of the
    /// connections' settings.
    pub fn sqlite_writer(&self) -> Option<&SqlitePool> {
        match &self.writer {
            Pool::Sqlite(p) => Some(p),
            Pool::Pg(_) => None,
        }
    }

    /// A PostgreSQL store's pool (None on SQLite).
    pub fn pg_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.pool {
            Pool::Pg(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }

    /// Closes the store's connections that may write or hold its files open (the read pool,
    /// the writer, the report-save thread's), after the writes under way: before its files
    /// are copied, hashed or moved. The store is not used afterwards.
    pub async fn close(&self) {
        self.saves.stop().await;
        // Closing a pool waits for all its connections, the change listener's too.
        if let Backend::Pg { stop_listening, .. } = &self.backend {
            stop_listening.notify_one();
        }
        for p in [&self.writer, &self.pool] {
            match p {
                Pool::Sqlite(p) => p.close().await,
                Pool::Pg(p) => p.close().await,
            }
        }
    }

    /// A number that changes whenever anything has been committed to the database since the
    /// last call, by this process or another: what caches of derived data are keyed by.
    /// SQLite: `PRAGMA data_version`; PostgreSQL: the count of change notifications.
    pub async fn data_version(&self) -> Result<i64> {
        match &self.backend {
            Backend::Sqlite { watch } => {
                let mut conn = watch.lock().await;
                db::query_scalar("PRAGMA data_version")
                    .fetch_one(&mut *conn)
                    .await
            }
            Backend::Pg { changes, .. } => Ok(changes.load(std::sync::atomic::Ordering::SeqCst)),
        }
    }

    /// A write transaction that holds the write lock from its start (so concurrent writers
    /// wait instead of failing on a lock upgrade). SQLite: `BEGIN IMMEDIATE` on the writer
    /// connection (writers of this process wait their turn for it in order); PostgreSQL: the
    /// store's transaction-scoped advisory lock ([`PG_WRITE_LOCK`]), which every server's
    /// writers wait for.
    pub(crate) async fn write(&self) -> Result<Tx> {
        Self::begin_write(&self.writer, self.keyring.clone()).await
    }

    /// A write transaction on `writer` (see [`Db::write`]) whose audit records `keyring` keys.
    async fn begin_write(writer: &Pool, keyring: std::sync::Arc<audit::Keyring>) -> Result<Tx> {
        let inner = match writer {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Pg(p) => {
                let mut t = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_WRITE_LOCK)
                    .execute(&mut *t)
                    .await?;
                TxInner::Pg(t)
            }
        };
        Ok(Tx { inner, keyring })
    }

    /// Exports a snapshot of a PostgreSQL store (see [`crate::PgSnapshot`]); None on SQLite.
    /// Its transaction is read-only (it writes nothing, so it is not one of the write path's).
    pub async fn pg_snapshot(&self) -> Result<Option<crate::PgSnapshot>> {
        let Some(pool) = self.pg_pool() else {
            return Ok(None);
        };
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?;
        let audit_head: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let audit_records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(&mut *tx)
            .await?;
        let evidence: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256")
                .fetch_all(&mut *tx)
                .await?;
        Ok(Some(crate::PgSnapshot {
            tx,
            id,
            audit_head,
            audit_records,
            evidence,
        }))
    }

    /// Where a unit's report on a task goes, in one statement: the newest open round (by its
    /// as-of date) of the plan (the newest plan when None), and the task with that number in
    /// the plan version the round schedules, when the unit leads or supports it. None when the
    /// plan has no open round; `Some((round, None))` when there is no such task for the unit.
    pub async fn open_round_task(
        &self,
        plan_id: Option<Id>,
        code: &str,
        unit_id: UnitId,
    ) -> Result<Option<(RoundId, Option<TaskId>)>> {
        let found: Option<(i64, Option<i64>)> = db::query_as(
            "WITH r AS (SELECT id, plan_id, plan_version FROM rounds
                        WHERE plan_id = COALESCE($1, (SELECT MAX(id) FROM plans)) AND state = 'open'
                        ORDER BY as_of DESC, id DESC LIMIT 1)
             SELECT r.id, (SELECT t.id FROM tasks t JOIN task_units u ON u.task_id = t.id
                           WHERE t.plan_id = r.plan_id AND t.plan_version = r.plan_version
                             AND t.code = $2 AND u.unit_id = $3 LIMIT 1)
             FROM r",
        )
        .bind(plan_id)
        .bind(code)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|(round, task)| (RoundId(round), task.map(TaskId))))
    }

    /// Saves several reports in one transaction: all of them or none (the offline template's
    /// upload). Each is checked as [`Store::save_report`] checks it; the first refusal names its
    /// task and nothing is written.
    pub async fn save_reports(&self, inputs: &[ReportInput], actor: &Actor) -> Result<Vec<Report>> {
        self.saves.save(inputs.to_vec(), actor.clone()).await
    }

    /// Saves several reports each on its own, checked and committed in one batch of the
    /// writer's: a refused one is answered with its refusal and takes no other down with it
    /// (each answer as [`Store::save_report`] gives it, in the order of `inputs`).
    pub async fn save_each(&self, inputs: &[ReportInput], actor: &Actor) -> Vec<Result<Report>> {
        self.saves.save_each(inputs.to_vec(), actor.clone()).await
    }
}

/// Whether a `--db` value names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// The shared text check ([`input::check_text`]) as a store error naming the field.
pub(crate) fn check_text(field: &str, label: &str, text: &str, max: usize) -> Result<()> {
    input::check_text(label, text, max)
        .map(drop)
        .map_err(|m| StoreError::invalid(field, m))
}

/// Where a store's audit key and anchor are kept, and the name its keyring is shared under by
/// the stores of one process.
struct KeyringHome {
    registry: String,
    /// None: an in-memory SQLite database (a fresh key each time, no anchor).
    key: Option<std::path::PathBuf>,
    anchor: Option<std::path::PathBuf>,
}

/// A SQLite database's key and anchor files, beside it.
async fn sqlite_keyring_home(writer: &Pool) -> Result<KeyringHome> {
    let rows: Vec<(i64, String, String)> = db::query_as("PRAGMA database_list")
        .fetch_all(writer)
        .await?;
    let file = rows
        .into_iter()
        .find(|r| r.1 == "main")
        .map(|r| r.2)
        .unwrap_or_default();
    if file.is_empty() {
        return Ok(KeyringHome {
            registry: file,
            key: None,
            anchor: None,
        });
    }
    let db = std::path::PathBuf::from(&file);
    Ok(KeyringHome {
        key: Some(audit::key_path(&db)),
        anchor: Some(audit::anchor_path(&db)),
        registry: file,
    })
}

/// Loads (or, the first time, creates) the audit key of the database and registers it for the
/// audit writer: see [`crate::audit`]. A database whose chain is keyed refuses to open without
/// its key file, rather than start a chain nobody could verify.
async fn key_audit(writer: &Pool, home: KeyringHome) -> Result<std::sync::Arc<audit::Keyring>> {
    let lost = |m: String| StoreError::invalid("audit", m);
    let Some(key_path) = home.key else {
        let key = audit::new_key().map_err(|e| lost(e.to_string()))?;
        return Ok(audit::register(
            &home.registry,
            audit::Keyring::new(key, 1, None),
        ));
    };
    let anchor = home.anchor;
    let row: Option<(String, i64)> =
        db::query_as("SELECT key_id, keyed_from FROM audit_keying WHERE id = 1")
            .fetch_optional(writer)
            .await?;
    let keyring = match row {
        Some((key_id, keyed_from)) => {
            let key = audit::read_key(&key_path).map_err(lost)?.ok_or_else(|| {
                lost(format!(
                    "审计密钥文件 {} 缺失：审计日志无法续写与校验；请从备份恢复该文件",
                    key_path.display()
                ))
            })?;
            if audit::key_id(&key) != key_id {
                return Err(lost(format!(
                    "审计密钥文件 {} 不是本数据库的密钥（应为 {key_id}）",
                    key_path.display()
                )));
            }
            audit::Keyring::new(key, keyed_from, anchor)
        }
        None => {
            let key = match audit::read_key(&key_path).map_err(lost)? {
                Some(k) => k,
                None => audit::create_key(&key_path).map_err(lost)?,
            };
            let placeholder = audit::Keyring::new(key, 1, None);
            let (key_id, keyed_from): (String, i64) = {
                let mut tx = Db::begin_write(writer, std::sync::Arc::new(placeholder)).await?;
                db::query(
                    "INSERT INTO audit_keying (id, key_id, keyed_from, keyed_at)
                     VALUES (1, $1, (SELECT COALESCE(MAX(id), 0) + 1 FROM audit), $2)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(audit::key_id(&key))
                .bind(now())
                .execute(&mut tx)
                .await?;
                let row = db::query_as("SELECT key_id, keyed_from FROM audit_keying WHERE id = 1")
                    .fetch_one(&mut tx)
                    .await?;
                tx.commit().await?;
                row
            };
            if key_id != audit::key_id(&key) {
                return Err(lost(format!(
                    "审计密钥文件 {} 不是本数据库的密钥（应为 {key_id}）",
                    key_path.display()
                )));
            }
            let k = audit::Keyring::new(key, keyed_from, anchor);
            k.create_anchor()
                .map_err(|e| lost(format!("无法创建审计锚定文件：{e}")))?;
            k
        }
    };
    Ok(audit::register(&home.registry, keyring))
}

/// Appends an audit record in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_audit(
    conn: &mut Tx,
    actor: &Actor,
    action: &str,
    object: &str,
    before: Option<&str>,
    after: Option<&str>,
    result: &str,
) -> Result<()> {
    let last: Option<(i64, String)> =
        db::query_as("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let keyring = conn.keyring.clone();
    let (id, prev) = match last {
        Some((id, h)) => {
            // The head committed before this write (see `audit`: anchoring after our own
            // commit is not possible here, anchoring this record could anchor a rollback).
            keyring
                .anchor(id, &h)
                .map_err(|e| StoreError::invalid("audit", format!("无法写入审计锚定文件：{e}")))?;
            (id + 1, h)
        }
        None => (1, GENESIS.to_string()),
    };
    let at = now();
    let e = Entry {
        id,
        at: &at,
        actor: &actor.name,
        source: &actor.source,
        action,
        object,
        before,
        after,
        result,
    };
    let hash = keyring.hash(&prev, &e);
    db::query(
        "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(&at)
    .bind(&actor.name)
    .bind(&actor.source)
    .bind(action)
    .bind(object)
    .bind(before)
    .bind(after)
    .bind(result)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Refuses what an archived plan no longer takes (`what`: "开启调度轮次", "导入新版本").
pub(crate) async fn refuse_archived(tx: &mut Tx, plan_id: Id, what: &str) -> Result<()> {
    let archived: Option<Option<String>> =
        db::query_scalar("SELECT archived_at FROM plans WHERE id = $1")
            .bind(plan_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(Some(_)) = archived {
        return Err(StoreError::invalid(
            "plan",
            format!("方案 #{plan_id} 已归档，不能再{what}；如需继续，请先取消归档"),
        ));
    }
    Ok(())
}

pub(crate) fn plan_from_row(r: &Row) -> Result<PlanRecord> {
    let settings: String = r.try_get("settings")?;
    Ok(PlanRecord {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        source: r.try_get("source")?,
        version: r.try_get("version")?,
        period_start: date(&r.try_get::<String>("period_start")?)?,
        period_end: date(&r.try_get::<String>("period_end")?)?,
        settings: serde_json::from_str(&settings)?,
        demo: r.try_get::<bool>("demo")?,
        row_version: r.try_get("row_version")?,
        created_at: time(&r.try_get::<String>("created_at")?)?,
        archived_at: r
            .try_get::<Option<String>>("archived_at")?
            .map(|t| time(&t))
            .transpose()?,
    })
}

pub(crate) fn round_from_row(r: &Row) -> Result<Round> {
    Ok(Round {
        id: RoundId(r.try_get("id")?),
        plan_id: r.try_get("plan_id")?,
        plan_version: r.try_get("plan_version")?,
        name: r.try_get("name")?,
        as_of: date(&r.try_get::<String>("as_of")?)?,
        due: date(&r.try_get::<String>("due")?)?,
        state: RoundState::parse(&r.try_get::<String>("state")?).unwrap_or(RoundState::Closed),
        row_version: r.try_get("row_version")?,
    })
}

async fn load_round<'e>(ex: impl Into<Ex<'e>>, id: RoundId) -> Result<Round> {
    let row = db::query("SELECT * FROM rounds WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound {
            what: "调度轮次",
            id: id.to_string(),
        })?;
    round_from_row(&row)
}

/// The report columns with its values, milestone states and evidence as JSON arrays, so that
/// one statement reads a whole report (each statement is a round trip to the connection).
/// Values travel as text that gives back the same f64 (17 significant digits in SQLite,
/// PostgreSQL's shortest exact text). The JSON functions differ between the backends, so each
/// has its own text of the statements below.
macro_rules! report_columns {
    (sqlite, $all:literal, $r:literal) => {
        concat!(
            $all,
            ",
   (SELECT json_group_array(json_array(target_id, printf('%!.17g', value))) FROM
      (SELECT target_id, value FROM report_values WHERE report_id = ",
            $r,
            ".id ORDER BY target_id)) AS values_json,
   (SELECT json_group_array(json_array(milestone_id, done, done_on)) FROM
      (SELECT milestone_id, done, done_on FROM report_milestones WHERE report_id = ",
            $r,
            ".id ORDER BY milestone_id)) AS milestones_json,
   (SELECT json_group_array(json_array(sha256, name, size, mime)) FROM
      (SELECT sha256, name, size, mime FROM evidence WHERE report_id = ",
            $r,
            ".id ORDER BY name, sha256)) AS evidence_json"
        )
    };
    (pg, $all:literal, $r:literal) => {
        concat!(
            $all,
            ",
   (SELECT CAST(COALESCE(json_agg(json_build_array(target_id, CAST(value AS TEXT))
      ORDER BY target_id), '[]') AS TEXT) FROM report_values WHERE report_id = ",
            $r,
            ".id) AS values_json,
   (SELECT CAST(COALESCE(json_agg(json_build_array(milestone_id, CASE WHEN done THEN 1 ELSE 0 END,
      done_on) ORDER BY milestone_id), '[]') AS TEXT) FROM report_milestones WHERE report_id = ",
            $r,
            ".id) AS milestones_json,
   (SELECT CAST(COALESCE(json_agg(json_build_array(sha256, name, size, mime) ORDER BY name, sha256), '[]')
      AS TEXT) FROM evidence WHERE report_id = ",
            $r,
            ".id) AS evidence_json"
        )
    };
}

macro_rules! report_sql {
    ($b:ident) => {
        ReportSql {
            by_id: concat!(
                "SELECT ",
                report_columns!($b, "r.*", "r"),
                " FROM reports r WHERE r.id = $1"
            ),
            of: concat!(
                "SELECT ",
                report_columns!($b, "r.*", "r"),
                " FROM reports r WHERE r.round_id = $1 AND r.task_id = $2 AND r.unit_id = $3"
            ),
            by_round: concat!(
                "SELECT ",
                report_columns!($b, "r.*", "r"),
                " FROM reports r WHERE r.round_id = $1 ORDER BY r.id"
            ),
            update: concat!(
                "UPDATE reports SET state = $1, narrative = $2, problems = $3, next_steps = $4,
                 author = $5, submitted_at = COALESCE($6, submitted_at), late = $7,
                 row_version = row_version + 1, updated_at = $8
                 WHERE id = $9 AND row_version = $10 RETURNING ",
                report_columns!($b, "*", "reports")
            ),
        }
    };
}

/// The statements that read a whole report, in a backend's dialect.
pub(crate) struct ReportSql {
    /// A report by id.
    pub by_id: &'static str,
    /// A unit's report on a task in a round.
    pub of: &'static str,
    /// A round's reports, by id.
    pub by_round: &'static str,
    /// A re-saved report's update, which returns the whole report as it now stands.
    pub update: &'static str,
}

const REPORT_SQL: [ReportSql; 2] = [report_sql!(sqlite), report_sql!(pg)];

/// PostgreSQL's report saves, a batch at a time (see [`crate::group`]): what each save of the
/// batch checks, in one statement for the whole batch. The saves' (round, task, unit) come as
/// three arrays of ids (`$1`, `$2`, `$3`: the batch writes them in as array literals and sends
/// the statement with others in one round trip); each row gives its position (`n`, from 1), its task, its round, the unit's
/// role on the task and its name (each NULL when missing), and the unit's report on the task
/// in the round, whole (its columns NULL when there is none).
pub(crate) const PG_SAVE_CHECKS: &str = concat!(
    "SELECT i.n, t.code AS t_code, t.plan_id AS t_plan, t.plan_version AS t_version,
            rd.name AS rd_name, rd.state AS rd_state, rd.plan_id AS rd_plan,
            rd.plan_version AS rd_version, rd.due AS rd_due, rd.demo AS rd_demo,
            tu.role AS tu_role, u.name AS u_name, p.*
     FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]))
          WITH ORDINALITY AS i(round_id, task_id, unit_id, n)
     LEFT JOIN tasks t ON t.id = i.task_id
     LEFT JOIN rounds rd ON rd.id = i.round_id
     LEFT JOIN task_units tu ON tu.task_id = i.task_id AND tu.unit_id = i.unit_id
     LEFT JOIN units u ON u.id = i.unit_id
     LEFT JOIN LATERAL (SELECT ",
    report_columns!(pg, "r.*", "r"),
    " FROM reports r WHERE r.round_id = i.round_id AND r.task_id = i.task_id
       AND r.unit_id = i.unit_id) AS p ON TRUE
     ORDER BY i.n"
);

/// The report statements of SQLite (`pg` false) or PostgreSQL.
pub(crate) fn report_sql(pg: bool) -> &'static ReportSql {
    &REPORT_SQL[usize::from(pg)]
}

pub(crate) async fn load_report<'e>(ex: impl Into<Ex<'e>>, id: Id) -> Result<Report> {
    let ex = ex.into();
    let r = db::query(report_sql(ex.is_pg()).by_id)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound {
            what: "报告",
            id: id.to_string(),
        })?;
    report_from_row(&r)
}

/// The report of a unit on a task in a round, if it has one.
pub(crate) async fn report_of<'e>(
    ex: impl Into<Ex<'e>>,
    round_id: RoundId,
    task_id: TaskId,
    unit_id: UnitId,
) -> Result<Option<Report>> {
    let ex = ex.into();
    let r = db::query(report_sql(ex.is_pg()).of)
        .bind(round_id)
        .bind(task_id)
        .bind(unit_id)
        .fetch_optional(ex)
        .await?;
    r.as_ref().map(report_from_row).transpose()
}

pub(crate) fn report_from_row(r: &(impl Col + ?Sized)) -> Result<Report> {
    let id: Id = r.int("id")?;
    let json = |col: &str| r.text(col);
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::invalid("report", format!("报告 #{id} 的{what}无法读取：{e}"))
    };
    let values: Vec<(TargetId, String)> =
        serde_json::from_str(&json("values_json")?).map_err(|e| bad("填报值", &e))?;
    let values: Vec<(TargetId, f64)> = values
        .into_iter()
        .map(|(t, v)| v.parse().map(|v| (t, v)).map_err(|e| bad("填报值", &e)))
        .collect::<Result<_>>()?;
    let ms: Vec<(MilestoneId, i64, Option<String>)> =
        serde_json::from_str(&json("milestones_json")?).map_err(|e| bad("节点", &e))?;
    let ev: Vec<(String, String, i64, String)> =
        serde_json::from_str(&json("evidence_json")?).map_err(|e| bad("佐证材料", &e))?;
    let opt_time = |s: Option<String>| s.map(|s| time(&s)).transpose();
    Ok(Report {
        id,
        round_id: RoundId(r.int("round_id")?),
        task_id: TaskId(r.int("task_id")?),
        unit_id: UnitId(r.int("unit_id")?),
        state: ReportState::parse(&r.text("state")?).unwrap_or(ReportState::Draft),
        values: values
            .into_iter()
            .map(|(target_id, value)| TargetValue { target_id, value })
            .collect(),
        milestones: ms
            .into_iter()
            .map(|(milestone_id, done, done_on)| {
                Ok(MilestoneState {
                    milestone_id,
                    done: done != 0,
                    done_on: opt_date(done_on)?,
                })
            })
            .collect::<Result<_>>()?,
        narrative: r.text("narrative")?,
        problems: r.text("problems")?,
        next_steps: r.text("next_steps")?,
        evidence: ev
            .into_iter()
            .map(|(sha256, name, size, mime)| EvidenceRef {
                sha256,
                name,
                size: size.max(0) as u64,
                mime,
            })
            .collect(),
        author: r.text("author")?,
        submitted_at: opt_time(r.opt_text("submitted_at")?)?,
        late: r.flag("late")?,
        reviewed_by: r.opt_text("reviewed_by")?,
        reviewed_at: opt_time(r.opt_text("reviewed_at")?)?,
        return_reason: r.opt_text("return_reason")?,
        row_version: r.int("row_version")?,
    })
}

/// The columns a report row is read by, from either driver's row (sqlx's here, the writer
/// thread's in [`crate::group`]).
pub(crate) trait Col {
    fn int(&self, col: &str) -> Result<i64>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn real(&self, col: &str) -> Result<f64>;
    fn flag(&self, col: &str) -> Result<bool>;
}

impl Col for Row {
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        Ok(self.try_get(col)?)
    }
    fn real(&self, col: &str) -> Result<f64> {
        Ok(self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool> {
        Ok(self.try_get(col)?)
    }
}

/// A compact JSON of a report's content for the audit log.
pub(crate) fn report_json(r: &Report) -> String {
    serde_json::json!({
        "state": r.state.as_str(),
        "values": r.values.iter().map(|v| (v.target_id.to_string(), v.value)).collect::<BTreeMap<_, _>>(),
        "milestones": r.milestones.iter().map(|m| (m.milestone_id.to_string(), m.done)).collect::<BTreeMap<_, _>>(),
        "narrative": r.narrative,
        "problems": r.problems,
        "next_steps": r.next_steps,
        "evidence": r.evidence.iter().map(|e| format!("{} {}", e.sha256, e.name)).collect::<Vec<_>>(),
        "return_reason": r.return_reason,
        "row_version": r.row_version,
    })
    .to_string()
}

/// A task's number (代码), for messages and audit records.
async fn task_code(conn: &mut Tx, task_id: TaskId) -> Result<String> {
    let code: Option<String> = db::query_scalar("SELECT code FROM tasks WHERE id = $1")
        .bind(task_id)
        .fetch_optional(&mut *conn)
        .await?;
    code.ok_or(StoreError::NotFound {
        what: "任务",
        id: task_id.to_string(),
    })
}

impl Db {
    /// The snapshot [`Store::snapshot`] gives, of a plan, a round and the tasks of the plan
    /// version judged, all three already read by the caller (the desk's judgement reads them
    /// for itself too, and reads them once).
    pub async fn snapshot_of(
        &self,
        plan: &PlanRecord,
        round: Option<&Round>,
        tasks: &[TaskRecord],
        as_of: NaiveDate,
    ) -> Result<Snapshot> {
        let ask = crate::batch::SnapshotOf {
            plan,
            round,
            tasks,
            as_of,
        };
        let mut out = self.snapshots_of(&[ask]).await?;
        out.pop()
            .ok_or_else(|| StoreError::invalid("snapshot", "快照未能读取"))
    }

    /// A plan's rounds (as [`Store::rounds`]) and, in the same statement, the ids of those with
    /// at least one accepted report (as [`Db::rounds_with_accepted_reports`]).
    pub async fn rounds_with_data(&self, plan_id: Id) -> Result<(Vec<Round>, Vec<RoundId>)> {
        Ok(self
            .rounds_with_data_of(&[plan_id])
            .await?
            .remove(&plan_id)
            .unwrap_or_default())
    }
}

impl Store for Db {
    async fn import_plan(
        &self,
        plan: &zhuanban_plan::Plan,
        opts: &ImportOptions,
        actor: &Actor,
    ) -> Result<ImportOutcome> {
        let mut tx = self.write().await?;
        let outcome = import_in(&mut tx, plan, opts, actor).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn plans(&self) -> Result<Vec<PlanRecord>> {
        let rows = db::query("SELECT * FROM plans ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(plan_from_row).collect()
    }

    async fn plan(&self, id: Id) -> Result<PlanRecord> {
        let row = db::query("SELECT * FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound {
                what: "方案",
                id: id.to_string(),
            })?;
        plan_from_row(&row)
    }

    async fn tasks(&self, plan_id: Id, version: Option<i64>) -> Result<Vec<TaskRecord>> {
        let version = match version {
            Some(v) => v,
            None => self.plan(plan_id).await?.version,
        };
        Ok(self
            .tasks_of(&[(plan_id, version)])
            .await?
            .pop()
            .unwrap_or_default())
    }

    async fn units(&self, plan_id: Id) -> Result<Vec<UnitRecord>> {
        Ok(self
            .units_of(&[plan_id])
            .await?
            .remove(&plan_id)
            .unwrap_or_default())
    }

    async fn unit_by_name(&self, name: &str) -> Result<UnitRecord> {
        let rows: Vec<(i64, String, String, i64)> =
            db::query_as("SELECT id, name, aliases, row_version FROM units ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        for (id, n, aliases, row_version) in rows {
            let aliases: Vec<String> = serde_json::from_str(&aliases)?;
            if n == name || aliases.iter().any(|a| a == name) {
                return Ok(UnitRecord {
                    id: UnitId(id),
                    name: n,
                    aliases,
                    member: false,
                    row_version,
                });
            }
        }
        Err(StoreError::NotFound {
            what: "单位",
            id: name.to_string(),
        })
    }

    async fn open_round(&self, input: &RoundInput, demo: bool, actor: &Actor) -> Result<Round> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("name", "轮次名称不能为空"));
        }
        if input.due < input.as_of {
            return Err(StoreError::invalid(
                "due",
                format!("报送截止日 {} 早于统计截止日 {}", input.due, input.as_of),
            ));
        }
        let mut tx = self.write().await?;
        let plan: Option<(i64, String, String)> =
            db::query_as("SELECT version, period_start, period_end FROM plans WHERE id = $1")
                .bind(input.plan_id)
                .fetch_optional(&mut tx)
                .await?;
        let (version, ..) = plan.ok_or(StoreError::NotFound {
            what: "方案",
            id: input.plan_id.to_string(),
        })?;
        refuse_archived(&mut tx, input.plan_id, "开启调度轮次").await?;
        let dup: Option<i64> =
            db::query_scalar("SELECT id FROM rounds WHERE plan_id = $1 AND name = $2")
                .bind(input.plan_id)
                .bind(name)
                .fetch_optional(&mut tx)
                .await?;
        if let Some(d) = dup {
            return Err(StoreError::invalid(
                "name",
                format!("已有同名轮次“{name}”（#{d}）"),
            ));
        }
        let id: RoundId = db::query_scalar(
            "INSERT INTO rounds (plan_id, plan_version, name, as_of, due, state, demo, opened_at)
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id",
        )
        .bind(input.plan_id)
        .bind(version)
        .bind(name)
        .bind(input.as_of.to_string())
        .bind(input.due.to_string())
        .bind(demo)
        .bind(now())
        .fetch_one(&mut tx)
        .await?;
        let round = load_round(&mut tx, id).await?;
        write_audit(
            &mut tx,
            actor,
            "round.open",
            &format!("round#{id}"),
            None,
            Some(&serde_json::to_string(&round)?),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(round)
    }

    async fn close_round(
        &self,
        id: RoundId,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<Round> {
        let mut tx = self.write().await?;
        let before = load_round(&mut tx, id).await?;
        if before.state == RoundState::Closed {
            return Err(StoreError::invalid(
                "round",
                format!("轮次“{}”已经关闭", before.name),
            ));
        }
        if before.row_version != expected_version {
            return Err(StoreError::Conflict {
                what: "调度轮次",
                id: id.get(),
                current: before.row_version,
                given: expected_version,
            });
        }
        db::query(
            "UPDATE rounds SET state = 'closed', closed_at = $1, row_version = row_version + 1
             WHERE id = $2 AND row_version = $3",
        )
        .bind(now())
        .bind(id)
        .bind(expected_version)
        .execute(&mut tx)
        .await?;
        let after = load_round(&mut tx, id).await?;
        write_audit(
            &mut tx,
            actor,
            "round.close",
            &format!("round#{id}"),
            Some(&serde_json::to_string(&before)?),
            Some(&serde_json::to_string(&after)?),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn rounds(&self, plan_id: Id) -> Result<Vec<Round>> {
        let rows = db::query("SELECT * FROM rounds WHERE plan_id = $1 ORDER BY as_of, id")
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(round_from_row).collect()
    }

    async fn round(&self, id: RoundId) -> Result<Round> {
        load_round(&self.pool, id).await
    }

    async fn save_report(&self, input: &ReportInput, actor: &Actor) -> Result<Report> {
        // Checked and written on the store's writer thread, committed in groups: see
        // [`crate::group`].
        let mut saved = self.saves.save(vec![input.clone()], actor.clone()).await?;
        Ok(saved.remove(0))
    }

    async fn accept_report(&self, id: Id, expected_version: i64, actor: &Actor) -> Result<Report> {
        review(self, id, expected_version, None, actor).await
    }

    async fn return_report(
        &self,
        id: Id,
        expected_version: i64,
        reason: &str,
        actor: &Actor,
    ) -> Result<Report> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("reason", "退回报告必须写明理由"));
        }
        check_text("reason", "退回理由", reason, input::limits::REASON)?;
        review(self, id, expected_version, Some(reason.trim()), actor).await
    }

    async fn report(&self, id: Id) -> Result<Report> {
        load_report(&self.pool, id).await
    }

    async fn reports(&self, round_id: RoundId) -> Result<Vec<Report>> {
        // One statement for the round's reports (the dispatch worker reads every open
        // round's each pass; a statement per report made that thousands on a province).
        let rows = db::query(report_sql(self.pool.is_pg()).by_round)
            .bind(round_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(report_from_row).collect()
    }

    async fn snapshot(
        &self,
        plan_id: Id,
        as_of: NaiveDate,
        round: Option<RoundId>,
    ) -> Result<Snapshot> {
        let plan = self.plan(plan_id).await?;
        let round = match round {
            Some(r) => {
                let r = self.round(r).await?;
                if r.plan_id != plan_id {
                    return Err(StoreError::invalid(
                        "round",
                        format!("轮次 #{} 不属于方案 #{plan_id}", r.id),
                    ));
                }
                Some(r)
            }
            None => None,
        };
        let version = round.as_ref().map_or(plan.version, |r| r.plan_version);
        let tasks = self.tasks(plan_id, Some(version)).await?;
        self.snapshot_of(&plan, round.as_ref(), &tasks, as_of).await
    }

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>> {
        let rows = db::query("SELECT * FROM audit ORDER BY id DESC LIMIT $1")
            .bind(limit as i64)
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

    async fn verify_audit(&self) -> Result<AuditCheck> {
        let rows = db::query("SELECT * FROM audit ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut breaks = Vec::new();
        let k = &self.keyring;
        // After a purge the chain starts at the anchor the purge left.
        let purged = self.audit_anchor().await?;
        let (mut prev_id, mut prev_hash) = purged.clone().unwrap_or((0, GENESIS.to_string()));
        let mut hashes: std::collections::HashMap<i64, String> =
            std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let at: String = r.try_get("at")?;
            let actor: String = r.try_get("actor")?;
            let source: String = r.try_get("source")?;
            let action: String = r.try_get("action")?;
            let object: String = r.try_get("object")?;
            let before: Option<String> = r.try_get("before")?;
            let after: Option<String> = r.try_get("after")?;
            let result: String = r.try_get("result")?;
            let stored_prev: String = r.try_get("prev_hash")?;
            let stored_hash: String = r.try_get("hash")?;
            if id != prev_id + 1 {
                breaks.push(Break::Gap {
                    after: prev_id,
                    next: id,
                });
            } else if stored_prev != prev_hash {
                breaks.push(Break::Unlinked {
                    id,
                    expected_prev: prev_hash.clone(),
                });
            }
            let e = Entry {
                id,
                at: &at,
                actor: &actor,
                source: &source,
                action: &action,
                object: &object,
                before: before.as_deref(),
                after: after.as_deref(),
                result: &result,
            };
            if k.hash(&stored_prev, &e) != stored_hash {
                breaks.push(Break::Edited { id });
            }
            hashes.insert(id, stored_hash.clone());
            prev_hash = stored_hash;
            prev_id = id;
        }
        // The keying point the database claims must be the one the anchor file was begun with.
        let keyed: Option<(String, i64)> =
            db::query_as("SELECT key_id, keyed_from FROM audit_keying WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        if let Some((key_id, from)) = &keyed
            && (*key_id != k.key_id || *from != k.keyed_from)
        {
            breaks.push(Break::KeyLost {
                reason: format!("数据库记录的密钥 {key_id}（自 #{from} 起）与已加载的不同"),
            });
        }
        if let Some(path) = &k.anchor {
            match audit::read_anchor(path) {
                Err(e) => breaks.push(Break::AnchorLost {
                    reason: format!("{}：{e}", path.display()),
                }),
                Ok((header, lines)) => {
                    if header != Some((k.key_id.clone(), k.keyed_from)) {
                        breaks.push(Break::AnchorLost {
                            reason: format!(
                                "{} 的首行应为“{}”（密钥或起始记录被替换）",
                                path.display(),
                                k.header()
                            ),
                        });
                    }
                    let floor = purged.as_ref().map_or(0, |p| p.0);
                    let mut gone: Option<i64> = None;
                    for a in lines.iter().filter(|a| a.id > floor) {
                        match hashes.get(&a.id) {
                            Some(h) if *h == a.hash => {}
                            Some(_) => breaks.push(Break::AnchorDiffers { id: a.id }),
                            None => gone = Some(gone.map_or(a.id, |g| g.max(a.id))),
                        }
                    }
                    if let Some(anchored) = gone {
                        breaks.push(Break::Truncated {
                            anchored,
                            last: rows.len().checked_sub(1).map_or(0, |_| prev_id),
                        });
                    }
                }
            }
        }
        Ok(AuditCheck {
            records: rows.len(),
            breaks,
        })
    }
}

/// Imports a plan reading in the caller's write transaction (see [`Store::import_plan`]):
/// checked first, then written with its audit record; nothing is committed here.
pub(crate) async fn import_in(
    mut tx: &mut Tx,
    plan: &zhuanban_plan::Plan,
    opts: &ImportOptions,
    actor: &Actor,
) -> Result<ImportOutcome> {
    crate::readings::check_importable(plan)?;
    let Some(period) = &plan.period else {
        return Err(StoreError::invalid("period", "方案缺少实施期限"));
    };
    // Canonical names: the reading's unit table, with its aliases.
    let mut canonical: HashMap<&str, &str> = HashMap::new();
    for u in &plan.units {
        canonical.insert(&u.name, &u.name);
        for a in &u.aliases {
            canonical.insert(a, &u.name);
        }
    }
    let members: HashSet<&str> = plan
        .task_force
        .iter()
        .flat_map(|tf| tf.members.iter().chain(tf.office.iter()))
        .map(|m| canonical.get(m.as_str()).copied().unwrap_or(m.as_str()))
        .collect();
    let title = plan.title.clone().unwrap_or_else(|| {
        plan.task_force
            .as_ref()
            .map(|tf| tf.name.trim_end_matches("工作专班").to_string() + "实施方案")
            .unwrap_or_else(|| plan.source.clone())
    });
    let reading = serde_json::to_string(plan)?;
    let task_force = plan
        .task_force
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    let created = now();

    let (plan_id, version) = match opts.plan_id {
        Some(id) => {
            let row: Option<(i64, String)> =
                db::query_as("SELECT version, settings FROM plans WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut tx)
                    .await?;
            let (v, settings) = row.ok_or(StoreError::NotFound {
                what: "方案",
                id: id.to_string(),
            })?;
            refuse_archived(tx, id, "导入新版本").await?;
            let settings = match &opts.settings {
                Some(s) => serde_json::to_string(s)?,
                None => settings,
            };
            db::query(
                "UPDATE plans SET version = $1, title = $2, source = $3, period_start = $4, period_end = $5,
                 settings = $6, task_force = $7, row_version = row_version + 1 WHERE id = $8",
            )
            .bind(v + 1)
            .bind(&title)
            .bind(&plan.source)
            .bind(period.start.to_string())
            .bind(period.end.to_string())
            .bind(settings)
            .bind(&task_force)
            .bind(id)
            .execute(&mut tx)
            .await?;
            (id, v + 1)
        }
        None => {
            let settings = serde_json::to_string(&opts.settings.clone().unwrap_or_default())?;
            let id: i64 = db::query_scalar(
                "INSERT INTO plans (title, source, version, period_start, period_end, settings, task_force, demo, created_at)
                 VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&title)
            .bind(&plan.source)
            .bind(period.start.to_string())
            .bind(period.end.to_string())
            .bind(settings)
            .bind(&task_force)
            .bind(opts.demo)
            .bind(&created)
            .fetch_one(&mut tx)
            .await?;
            (id, 1)
        }
    };
    db::query(
        "INSERT INTO plan_versions (plan_id, version, reading, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(plan_id)
    .bind(version)
    .bind(&reading)
    .bind(&created)
    .bind(&actor.name)
    .execute(&mut tx)
    .await?;

    // Units: one row per canonical name across plans; aliases accumulate.
    let mut unit_ids: HashMap<String, UnitId> = HashMap::new();
    let mut created_units = 0;
    let mut names: Vec<(String, Vec<String>)> = plan
        .units
        .iter()
        .map(|u| (u.name.clone(), u.aliases.clone()))
        .collect();
    for m in &members {
        if !names.iter().any(|(n, _)| n == m) {
            names.push((m.to_string(), vec![]));
        }
    }
    for (name, aliases) in &names {
        let mut existing: Option<(UnitId, String)> =
            db::query_as("SELECT id, aliases FROM units WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut tx)
                .await?;
        if existing.is_none() {
            // A former name or another spelling of a unit of the directory (renamed, merged).
            let like = format!("%{}%", serde_json::to_string(name)?);
            let candidates: Vec<(UnitId, String)> =
                db::query_as("SELECT id, aliases FROM units WHERE aliases LIKE $1 ORDER BY id")
                    .bind(like)
                    .fetch_all(&mut tx)
                    .await?;
            existing = candidates.into_iter().find(|(_, a)| {
                serde_json::from_str::<Vec<String>>(a).is_ok_and(|a| a.contains(name))
            });
        }
        let id = match existing {
            Some((id, old)) => {
                let mut all: Vec<String> = serde_json::from_str(&old).unwrap_or_default();
                let before = all.len();
                for a in aliases {
                    if !all.contains(a) {
                        all.push(a.clone());
                    }
                }
                if all.len() != before {
                    db::query("UPDATE units SET aliases = $1, row_version = row_version + 1 WHERE id = $2")
                        .bind(serde_json::to_string(&all)?)
                        .bind(id)
                        .execute(&mut tx)
                        .await?;
                }
                id
            }
            None => {
                created_units += 1;
                db::query_scalar("INSERT INTO units (name, aliases) VALUES ($1, $2) RETURNING id")
                    .bind(name)
                    .bind(serde_json::to_string(aliases)?)
                    .fetch_one(&mut tx)
                    .await?
            }
        };
        unit_ids.insert(name.clone(), id);
        db::query(
            "INSERT INTO plan_units (plan_id, unit_id, member) VALUES ($1, $2, $3)
             ON CONFLICT (plan_id, unit_id) DO UPDATE SET member = excluded.member",
        )
        .bind(plan_id)
        .bind(id)
        .bind(members.contains(name.as_str()))
        .execute(&mut tx)
        .await?;
    }

    let mut targets = 0;
    let mut milestones = 0;
    let mut seen_codes = HashSet::new();
    for t in &plan.tasks {
        if !seen_codes.insert(t.id.as_str()) {
            return Err(StoreError::invalid(
                format!("任务 {}", t.id),
                "编号重复（第 {} 行），请先更正方案中的编号".replace("{}", &t.line.to_string()),
            ));
        }
        let task_id: TaskId = db::query_scalar(
            "INSERT INTO tasks (plan_id, plan_version, code, title, text, line) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(plan_id)
        .bind(version)
        .bind(&t.id)
        .bind(&t.title)
        .bind(&t.text)
        .bind(t.line as i64)
        .fetch_one(&mut tx)
        .await?;
        for (role, list) in [("lead", &t.lead), ("support", &t.support)] {
            for (i, name) in list.iter().enumerate() {
                let name = canonical.get(name.as_str()).copied().unwrap_or(name);
                let unit_id = match unit_ids.get(name) {
                    Some(&id) => id,
                    None => {
                        return Err(StoreError::invalid(
                            format!("任务 {}", t.id),
                            format!("责任单位“{name}”不在方案的单位表中"),
                        ));
                    }
                };
                db::query(
                    "INSERT INTO task_units (task_id, unit_id, role, seq) VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING",
                )
                .bind(task_id)
                .bind(unit_id)
                .bind(role)
                .bind(i as i64 + 1)
                .execute(&mut tx)
                .await?;
            }
        }
        for (i, g) in t.targets.iter().enumerate() {
            db::query(
                "INSERT INTO targets (task_id, seq, value, unit, cmp, hardness, kind, deadline, metric, text)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(task_id)
            .bind(i as i64 + 1)
            .bind(g.value)
            .bind(&g.unit)
            .bind(cmp_str(g.cmp))
            .bind(hardness_str(g.hardness))
            .bind(kind_str(g.kind))
            .bind(g.deadline.map(|d| d.to_string()))
            .bind(&g.metric)
            .bind(&g.text)
            .execute(&mut tx)
            .await?;
            targets += 1;
        }
        for (i, m) in t.milestones.iter().enumerate() {
            db::query(
                "INSERT INTO milestones (task_id, seq, text, deadline) VALUES ($1, $2, $3, $4)",
            )
            .bind(task_id)
            .bind(i as i64 + 1)
            .bind(&m.text)
            .bind(m.deadline.map(|d| d.to_string()))
            .execute(&mut tx)
            .await?;
            milestones += 1;
        }
    }
    let outcome = ImportOutcome {
        plan_id,
        version,
        tasks: plan.tasks.len(),
        targets,
        milestones,
        units: names.len(),
        units_created: created_units,
    };
    write_audit(
        tx,
        actor,
        if version == 1 {
            "plan.import"
        } else {
            "plan.new_version"
        },
        &format!("plan#{plan_id} v{version}"),
        None,
        Some(&serde_json::to_string(&outcome)?),
        "ok",
    )
    .await?;
    Ok(outcome)
}

async fn review(
    store: &Db,
    id: Id,
    expected_version: i64,
    return_reason: Option<&str>,
    actor: &Actor,
) -> Result<Report> {
    let mut tx = store.write().await?;
    let before = load_report(&mut tx, id).await?;
    if before.state != ReportState::Submitted {
        return Err(StoreError::invalid(
            "state",
            format!(
                "报告当前为“{}”，只有已报送的报告可以审核",
                before.state.label()
            ),
        ));
    }
    if before.row_version != expected_version {
        return Err(StoreError::Conflict {
            what: "报告",
            id,
            current: before.row_version,
            given: expected_version,
        });
    }
    let state = if return_reason.is_some() {
        "returned"
    } else {
        "accepted"
    };
    db::query(
        "UPDATE reports SET state = $1, reviewed_by = $2, reviewed_at = $3, return_reason = $4,
         row_version = row_version + 1, updated_at = $5 WHERE id = $6 AND row_version = $7",
    )
    .bind(state)
    .bind(&actor.name)
    .bind(now())
    .bind(return_reason)
    .bind(now())
    .bind(id)
    .bind(expected_version)
    .execute(&mut tx)
    .await?;
    let after = load_report(&mut tx, id).await?;
    let code = task_code(&mut tx, after.task_id).await?;
    write_audit(
        &mut tx,
        actor,
        if return_reason.is_some() {
            "report.return"
        } else {
            "report.accept"
        },
        &format!("report#{id} round#{} task {}", after.round_id, code),
        Some(&report_json(&before)),
        Some(&report_json(&after)),
        "ok",
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sort key for numbering paths ("2.10" after "2.9").
pub fn code_order(code: &str) -> Vec<u64> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}
