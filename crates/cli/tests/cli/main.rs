//! The `zhuanban` binary, run for real, in one test binary.

pub use std::path::{Path, PathBuf};
pub use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zhuanban"))
}

pub fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plan/tests/data/plans/datonghu-regional-action-2024.txt")
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A loopback port nobody listens on (at the moment of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `zhuanban serve` process, killed (SIGKILL) and reaped when dropped.
#[derive(Debug)]
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `zhuanban serve --db DB --listen 127.0.0.1:PORT` with `extra` arguments and `env`,
/// and waits until it listens.
pub fn serve(db: &str, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let child = bin()
        .args([
            "serve",
            "--db",
            db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the server did not start");
}

/// One number from a SQLite database file (a COUNT), read beside the program.
pub fn count(db: &str, sql: &str) -> i64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    })
}

/// One number from a PostgreSQL database (a COUNT), read beside the program.
pub fn pg_count(url: &str, sql: &str) -> i64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    })
}

/// Where a test's ledger is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty ledger on one backend, and how the program is run on it: a SQLite file in a
/// temporary folder, or a new database of a throwaway PostgreSQL cluster, with its audit key
/// file (`ZHUANBAN_AUDIT_KEY`) and evidence folder (`--data`) in the temporary folder.
#[derive(Debug)]
pub struct Ledger {
    pub backend: Backend,
    /// The `--db` value.
    pub db: String,
    /// The evidence folder `serve` is given on PostgreSQL.
    pub data: PathBuf,
    /// The audit key file on PostgreSQL.
    pub key: PathBuf,
    pub dir: tempfile::TempDir,
    /// Kept so that the cluster runs as long as the ledger.
    pub cluster: Option<std::sync::Arc<zhuanban_testkit::pg::PgCluster>>,
}

impl Ledger {
    pub fn new(backend: Backend) -> Ledger {
        let cluster = (backend == Backend::Postgres)
            .then(|| std::sync::Arc::new(zhuanban_testkit::pg::PgCluster::start().unwrap()));
        Self::on(backend, cluster)
    }

    /// A fresh ledger; on PostgreSQL a new database of `cluster`.
    pub fn on(
        backend: Backend,
        cluster: Option<std::sync::Arc<zhuanban_testkit::pg::PgCluster>>,
    ) -> Ledger {
        let dir = tempfile::tempdir().unwrap();
        let db = match &cluster {
            Some(c) if backend == Backend::Postgres => c.new_database().unwrap(),
            _ => dir.path().join("ledger.db").to_string_lossy().into_owned(),
        };
        Ledger {
            backend,
            db,
            data: dir.path().join("data"),
            key: dir.path().join("ledger.audit-key"),
            dir,
            cluster,
        }
    }

    /// The environment the program needs for this ledger.
    pub fn env(&self) -> Vec<(&str, &str)> {
        match self.backend {
            Backend::Sqlite => vec![],
            Backend::Postgres => vec![("ZHUANBAN_AUDIT_KEY", self.key.to_str().unwrap())],
        }
    }

    /// `zhuanban ARGS --db DB`.
    pub fn run(&self, args: &[&str]) -> Output {
        bin()
            .args(args)
            .args(["--db", &self.db])
            .envs(self.env())
            .output()
            .expect("the binary runs")
    }

    /// `zhuanban ARGS --db DB`, which must succeed; gives its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{:?} {args:?}: {}{}",
            self.backend,
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    /// `zhuanban serve` on this ledger (see [`serve`]); on PostgreSQL with `--data`.
    pub fn serve(&self, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut args: Vec<&str> = extra.to_vec();
        if self.backend == Backend::Postgres {
            args.extend(["--data", self.data.to_str().unwrap()]);
        }
        let mut all = self.env();
        all.extend_from_slice(env);
        serve(&self.db, port, &args, &all)
    }

    /// Runs statements on the ledger's database beside the program.
    pub fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            match self.backend {
                Backend::Sqlite => {
                    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.db))
                        .await
                        .unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
                Backend::Postgres => {
                    let pool = sqlx::PgPool::connect(&self.db).await.unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
            }
        });
    }

    /// One number (a COUNT) from the ledger's database.
    pub fn count(&self, sql: &str) -> i64 {
        match self.backend {
            Backend::Sqlite => count(&self.db, sql),
            Backend::Postgres => pg_count(&self.db, sql),
        }
    }
}

/// Signs in on `base` with a password; gives the client (not following redirects), the
/// session cookie header and the CSRF token.
pub async fn sign_in(base: &str, login: &str, password: &str) -> (reqwest::Client, String, String) {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = c
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{login}: {}", res.status());
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("zb_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let me: serde_json::Value = c
        .get(format!("{base}/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf"].as_str().unwrap().to_string();
    (c, cookie, csrf)
}

pub fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhuanban-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

mod agreement;
mod demo_api;
mod dispatch;
mod durability;
mod ledger;
mod pg_backup;
mod plan;
mod postgres;
mod probe_auth;
mod probe_data;
mod series;
mod two_servers;
