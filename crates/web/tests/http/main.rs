//! The web desk over real HTTP: the real server on a loopback port 0, a real database,
//! reqwest clients with their own cookies.
//!
//! The database is a SQLite file, or, when the environment has `ZHUANBAN_TEST_DB=postgres`, a
//! database on a throwaway PostgreSQL cluster (`zhuanban_testkit::pg`): the test command runs
//! this suite once on each, so every page and API is checked on both backends.

mod cache;
mod dispatch;
mod inputs;
mod matrix;
mod messages;
mod monitoring;
mod plans;
mod probe_auth;
mod probe_data;
mod search;
mod security;
mod servers;
mod session;
mod words;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDate;
use reqwest::{Client, StatusCode, redirect};
use tempfile::TempDir;
use zhuanban_ledger::{Id, Role, RoundId, TaskRecord, UnitId};
use zhuanban_plan::{ReadOptions, read_text};
use zhuanban_store::{Actor, Db, ImportOptions, NewUser, ReportInput, RoundInput, Store};
use zhuanban_web::{AppState, Config, auth};

pub const SEED: &str =
    include_str!("../../../plan/tests/data/plans/datonghu-regional-action-2024.txt");
pub const PASSWORD: &str = "Test#Pass2024";

/// Whether this run's databases are PostgreSQL (see the module docs).
pub fn on_postgres() -> bool {
    std::env::var("ZHUANBAN_TEST_DB").as_deref() == Ok("postgres")
}

/// A test's database: a SQLite file in a folder, or a database of its own throwaway
/// PostgreSQL cluster; with the statements tests run beside the store.
#[derive(Debug)]
pub struct TestDb {
    /// The SQLite file or the PostgreSQL URL.
    pub spec: String,
    key: std::path::PathBuf,
    _cluster: Option<zhuanban_testkit::pg::PgCluster>,
}

impl TestDb {
    /// A new database named `name` (a file in `dir`, or a new cluster's database).
    pub fn new(dir: &std::path::Path, name: &str) -> TestDb {
        let key = dir.join(format!("{name}.audit-key"));
        if on_postgres() {
            let cluster =
                zhuanban_testkit::pg::PgCluster::start().expect("a throwaway PostgreSQL cluster");
            TestDb {
                spec: cluster.new_database().unwrap(),
                key,
                _cluster: Some(cluster),
            }
        } else {
            TestDb {
                spec: dir
                    .join(format!("{name}.db"))
                    .to_string_lossy()
                    .into_owned(),
                key,
                _cluster: None,
            }
        }
    }

    /// A store on it (each call: another server's store).
    pub async fn open(&self) -> Db {
        if self._cluster.is_some() {
            Db::open_pg(&self.spec, &zhuanban_store::PgOptions::new(&self.key))
                .await
                .unwrap()
        } else {
            Db::open(std::path::Path::new(&self.spec)).await.unwrap()
        }
    }

    /// Runs statements beside the store, on a connection of its own.
    pub async fn exec(&self, sql: &str) -> Result<(), String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self._cluster.is_some() {
            let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
            let r = sqlx::raw_sql(sql).execute(&pool).await;
            pool.close().await;
            r.map(drop).map_err(|e| e.to_string())
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                .await
                .unwrap();
            let r = sqlx::raw_sql(sql).execute(&pool).await;
            pool.close().await;
            r.map(drop).map_err(|e| e.to_string())
        }
    }

    /// The rows of a query of one text column and one integer column (BIGINT on PostgreSQL).
    pub async fn pairs(&self, sql: &str) -> Vec<(String, i64)> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self._cluster.is_some() {
            let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
            let r = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                .await
                .unwrap();
            let r = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        }
    }

    /// The texts of a query of one text column.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self._cluster.is_some() {
            let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
            let r = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                .await
                .unwrap();
            let r = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        }
    }

    /// The one integer a query gives (BIGINT on PostgreSQL).
    pub async fn int(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self._cluster.is_some() {
            let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
            let r = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            r
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                .await
                .unwrap();
            let r = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            r
        }
    }
}

/// A running server with a seeded ledger and one account per role.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Db,
    pub db: TestDb,
    pub dir: TempDir,
    pub plan_id: Id,
    pub round_id: RoundId,
    pub tasks: Vec<TaskRecord>,
    /// The unit of `unit` (区住房城乡建设局, lead of 2.3.2) and of `unit2` (区交通运输局).
    pub unit_id: UnitId,
    pub unit2_id: UnitId,
    pub state: AppState,
}

/// The accounts every test app has, by login.
pub const ACCOUNTS: &[(&str, Role)] = &[
    ("office", Role::Office),
    ("leader", Role::Leader),
    ("unit", Role::Unit),
    ("unit2", Role::Unit),
    ("admin", Role::Sysadmin),
    ("secadmin", Role::Secadmin),
    ("auditor", Role::Auditor),
];

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::new(dir.path(), "t");
        let store = db.open().await;
        let system = Actor::new("测试", "test");
        let plan = read_text(SEED, &ReadOptions::new("seed.txt")).plan;
        let plan_id = store
            .import_plan(&plan, &ImportOptions::default(), &system)
            .await
            .unwrap()
            .plan_id;
        let unit_id = store.unit_by_name("区住房城乡建设局").await.unwrap().id;
        let unit2_id = store.unit_by_name("区交通运输局").await.unwrap().id;
        let hash = auth::hash_password(PASSWORD).unwrap();
        for (login, role) in ACCOUNTS {
            let unit = match *login {
                "unit" => Some(unit_id),
                "unit2" => Some(unit2_id),
                _ => None,
            };
            store
                .create_user(
                    &NewUser {
                        login: login.to_string(),
                        name: format!("{login}测试"),
                        role: *role,
                        unit_id: unit,
                        password_hash: hash.clone(),
                    },
                    &system,
                )
                .await
                .unwrap();
        }
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let round = store
            .open_round(
                &RoundInput {
                    plan_id,
                    name: "2024年9月调度".into(),
                    as_of: d("2024-09-30"),
                    due: d("2024-10-05"),
                },
                false,
                &system,
            )
            .await
            .unwrap();
        let tasks = store.tasks(plan_id, None).await.unwrap();
        let mut config = Config::new(dir.path().join("files"));
        tune(&mut config);
        let state = AppState::new(store.clone(), config).await.unwrap();
        // Tests sign in often from one address: the limits are lifted here and tested on
        // their own in security.rs.
        let relaxed = zhuanban_web::security::SecuritySettings {
            attempts_per_ip: 100_000,
            attempts_per_account: 100_000,
            ..Default::default()
        };
        state.set_security(relaxed, &system).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(zhuanban_web::serve(listener, state.clone()));
        TestApp {
            addr,
            store,
            db,
            dir,
            plan_id,
            round_id: round.id,
            tasks,
            unit_id,
            unit2_id,
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn task(&self, code: &str) -> &TaskRecord {
        self.tasks.iter().find(|t| t.code == code).unwrap()
    }

    /// A client that does not follow redirects, with its own cookie jar.
    pub fn client() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap()
    }

    /// A signed-in client and its CSRF token.
    pub async fn login(&self, login: &str) -> (Client, String) {
        let c = Self::client();
        let res = c
            .post(self.url("/login"))
            .form(&[("login", login), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login {login}");
        let res = c.get(self.url("/api/me")).send().await.unwrap();
        if res.status() == StatusCode::OK {
            let me: serde_json::Value = res.json().await.unwrap();
            return (c, me["csrf"].as_str().unwrap().to_string());
        }
        // Signed in but held at a step (expired password, second factor to set up): the page
        // it is sent to carries the token.
        let to = c.get(self.url("/")).send().await.unwrap().headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        let page = c
            .get(self.url(&to))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        (c, csrf)
    }

    /// A submitted report of `unit` on a task (made through the store).
    pub async fn submitted_report(
        &self,
        code: &str,
        unit_id: UnitId,
        value: f64,
    ) -> zhuanban_ledger::Report {
        let t = self.task(code);
        self.store
            .save_report(
                &ReportInput {
                    round_id: self.round_id,
                    task_id: t.id,
                    unit_id,
                    values: t
                        .targets
                        .first()
                        .map(|g| vec![(g.id, value)])
                        .unwrap_or_default(),
                    narrative: "测试报送".into(),
                    submit: true,
                    ..Default::default()
                },
                &Actor::new("测试", "test"),
            )
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.db.int(&format!("SELECT COUNT(*) FROM {table}")).await
    }
}
