//! `zhuanban-loadgen`: the web desk under load.
//!
//! Starts the real server (`zhuanban serve --demo`, a release build) on a loopback port with a
//! fresh demonstration database in a temporary folder, reads the demonstration accounts it
//! prints, signs in as the office, the leader and unit accounts, and then drives each scenario
//! with a fixed number of concurrent keep-alive connections for a fixed time:
//!
//! 1. `dashboard` — `GET /dashboard` as the office;
//! 2. `ledger-page` — `GET /ledger` as the unit (a unit's ledger, server-rendered);
//! 3. `ledger-api` — `GET /api/tasks` as the unit (the same ledger as JSON);
//! 4. `task-page` — `GET /tasks/<task>` as the office (the task with its history);
//! 5. `report-save` — `POST /api/reports`: each request a durably committed save of a draft
//!    with changing values, carrying the report's current `version`.
//!
//! For each it reports requests/s, the median and 99th-percentile latency, the responses that
//! were not 2xx, conflicts (409) and failures (5xx or transport errors), the server's CPU use
//! and its memory (VmRSS and VmHWM from `/proc/<pid>/status`) after the scenario. It prints a
//! table and writes the figures as JSON (`--out`).
//!
//! The write scenario: in the demonstration data every lead unit's report in the open round
//! is already submitted or accepted (an accepted report is final), so the office first opens
//! a new round, as it would each month. Each connection then keeps its own report — a report
//! is one per round, task and unit, and the unit has fewer tasks than there are connections —
//! so connection 1 is the unit on the task, the next ones the task's other units, then other
//! units' tasks (those with targets first), each unit with its own account. Every account is
//! signed in before the first scenario, so that the memory Argon2 takes when signing in is not
//! counted against a scenario. With one report per connection, versions do not race; a 409
//! would mean they did (counted apart; the connection re-reads its version and goes on). After
//! the run every report's version on the server is checked against the saves that were
//! acknowledged.
//!
//! On PostgreSQL (`--postgres`): a throwaway cluster (`zhuanban_testkit::pg`) with
//! [`PG_SETTINGS`] (fsync, synchronous_commit and full_page_writes on), a new database per run
//! filled by `zhuanban serve --demo --db URL --data DIR`, the same scenarios and the same
//! SIGKILL-and-restart check (`zhuanban serve --db URL --data DIR`); the table adds
//! PostgreSQL's CPU. `--province` measures a province-sized ledger instead (`province.rs`).
//! `--runs N` repeats the whole benchmark on fresh databases and prints each figure's range.
//!
//! Run: `cargo xtask bench` (after the cargo benches), or
//! `cargo run --release -p zhuanban-loadgen -- --server target/release/zhuanban`.
//! Loopback only; the server is killed at the end, also on error, panic, Ctrl+C, SIGTERM or
//! SIGHUP (not when the load generator itself is killed with SIGKILL).

use std::collections::HashMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, StatusCode, Url};
use serde::Serialize;
use serde_json::{Value, json};
use zhuanban_testkit::pg::PgCluster;

mod province;

#[derive(Debug, Parser)]
#[command(
    name = "zhuanban-loadgen",
    about = "Load benchmark of the zhuanban web desk (loopback only)"
)]
struct Args {
    /// The `zhuanban` binary to start (a release build).
    #[arg(long)]
    server: PathBuf,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "target/bench/web.json")]
    out: PathBuf,
    /// Seconds each scenario is measured.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds each scenario runs before it is measured.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Concurrent connections (each a client with one keep-alive connection).
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// The unit whose ledger is read and who saves reports (its name in the printed table).
    #[arg(long, default_value = "区住房城乡建设局")]
    unit: String,
    /// The task whose page is read and whose report is saved.
    #[arg(long, default_value = "2.3.2")]
    task: String,
    /// Only these scenarios (comma-separated: dashboard, ledger-page, ledger-api, task-page,
    /// report-save).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The folder under which the temporary database folder is made (default: the system's
    /// temporary folder). The database's file system decides what a durable commit costs.
    #[arg(long)]
    tmp: Option<PathBuf>,
    /// Exit with status 1 when a goal is missed (not only on errors).
    #[arg(long)]
    strict: bool,
    /// Run the server on PostgreSQL: a throwaway cluster (Debian's PostgreSQL, see
    /// `zhuanban_testkit::pg`) with durable settings, a new database for each run, the
    /// demonstration written into it by `zhuanban serve --demo --db URL --data DIR`.
    #[arg(long)]
    postgres: bool,
    /// The province-sized ledger on PostgreSQL (1,000 plans, 100,000 tasks, 12 rounds with
    /// reports) instead of the demonstration: judging every plan, and a unit's ledger page.
    #[arg(long)]
    province: bool,
    /// Plans of the province-sized ledger (100 tasks each).
    #[arg(long, default_value_t = 1000)]
    plans: usize,
    /// The province-sized ledger in this PostgreSQL database instead of a throwaway cluster
    /// (for profiling one ledger many times): generated when the database has no plan yet,
    /// used as it is otherwise. Its audit key is kept next to `--out`.
    #[arg(long)]
    province_db: Option<String>,
    /// Plans judged together in the province's batched runs (`zhuanban_desk::judge_plans`):
    /// a batch's statements read the ledger's large tables about once whatever its size, so
    /// fewer, larger batches cost less in all.
    #[arg(long, default_value_t = zhuanban_store::MAX_PLANS)]
    batch: usize,
    /// How many times the whole benchmark runs (each on a fresh database); with more than one
    /// run, each figure's range is printed.
    #[arg(long, default_value_t = 1)]
    runs: usize,
}

const SCENARIOS: &[&str] = &[
    "dashboard",
    "ledger-page",
    "ledger-api",
    "task-page",
    "report-save",
];

/// Goals from the issue.
const GOAL_LEDGER_RPS: f64 = 5_000.0;
const GOAL_SAVE_RPS: f64 = 3_000.0;
/// On PostgreSQL (a round trip per statement, the database in another process).
const GOAL_SAVE_RPS_PG: f64 = 1_500.0;
const GOAL_MEMORY_KIB: u64 = 100 * 1024;

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.clamp(1, 64))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (mut term, mut hup) = (
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
        );
        // On a signal `run` is dropped, and with it the server (killed and reaped).
        tokio::select! {
            r = run(&args) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
            _ = term.recv() => Err(anyhow::anyhow!("terminated")),
            _ = hup.recv() => Err(anyhow::anyhow!("hung up")),
        }
    });
    // The server (owned by `run`) is gone by now: dropping it killed and reaped it.
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A demonstration account as the server printed it.
#[derive(Debug, Clone)]
struct Account {
    login: String,
    password: String,
    who: String,
}

/// The server child process; killed and reaped when dropped (also on panic or error).
#[derive(Debug)]
struct Server {
    child: Child,
    base: Base,
    accounts: Vec<Account>,
    /// The PostgreSQL server's process (its backends are its children), when on PostgreSQL.
    db_pid: Option<u32>,
}

/// The server's address (`http://127.0.0.1:PORT`).
#[derive(Debug, Clone)]
struct Base(String);

impl Base {
    fn url(&self, path: &str) -> Result<Url> {
        Url::parse(&format!("{}{path}", self.0)).context("url")
    }
}

/// The database a server runs on.
#[derive(Debug, Clone)]
enum Backing {
    /// A SQLite demonstration database in this folder (`demo.db`).
    Sqlite { dir: PathBuf },
    /// A PostgreSQL database, with the evidence folder and the audit key file every server of
    /// it uses (`ZHUANBAN_AUDIT_KEY`).
    Pg {
        url: String,
        data: PathBuf,
        key: PathBuf,
    },
}

impl Backing {
    /// `zhuanban serve` on this database: a demonstration (`--demo`, which fills the
    /// database) or the database as it is.
    fn command(&self, binary: &Path, demo: bool) -> Command {
        let mut c = Command::new(binary);
        c.arg("serve");
        match self {
            Backing::Sqlite { dir } if demo => {
                c.arg("--demo").arg("--dir").arg(dir);
            }
            Backing::Sqlite { dir } => {
                c.arg("--db").arg(dir.join("demo.db"));
            }
            Backing::Pg { url, data, key } => {
                if demo {
                    c.arg("--demo");
                }
                c.arg("--db").arg(url).arg("--data").arg(data);
                c.env("ZHUANBAN_AUDIT_KEY", key);
            }
        }
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `zhuanban serve --demo` on a loopback port the system picks (read back from the
    /// line the server prints when it listens) and reads the accounts it prints.
    fn start(binary: &Path, backing: &Backing) -> Result<Server> {
        let server = Self::spawn(backing.command(binary, true))?;
        ensure!(
            !server.accounts.is_empty(),
            "the server printed no demonstration accounts"
        );
        Ok(server)
    }

    /// Kills the server with SIGKILL (no shutdown of any kind) and starts `zhuanban serve` on
    /// its database again: for the durability check.
    fn kill_and_restart(&mut self, binary: &Path, backing: &Backing) -> Result<()> {
        self.child.kill().context("could not kill the server")?;
        self.child.wait()?;
        let restarted = Self::spawn(backing.command(binary, false))?;
        let accounts = std::mem::take(&mut self.accounts);
        *self = restarted;
        self.accounts = accounts;
        Ok(())
    }

    /// Starts the server command on a loopback port the system picks and reads its start-up
    /// lines (the accounts of a demonstration, the address).
    fn spawn(mut command: Command) -> Result<Server> {
        let binary = command.get_program().to_owned();
        let binary = Path::new(&binary);
        let child = command
            .args(["--listen", "127.0.0.1:0"])
            // Every connection comes from 127.0.0.1: lift the per-address cap.
            .args(["--max-connections-per-address", "100000"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let mut server = Server {
            child,
            base: Base(String::new()),
            accounts: Vec::new(),
            db_pid: None,
        };
        let stdout = server.child.stdout.take().context("no stdout")?;
        let (tx, rx) = mpsc::channel::<String>();
        // Reads the server's output until it ends; after start-up the lines are only relayed.
        std::thread::spawn(move || {
            let mut relay = false;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if relay {
                    eprintln!("server: {line}");
                } else if tx.send(line).is_err() {
                    relay = true;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut in_accounts = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(l) => l,
                Err(mpsc::RecvTimeoutError::Timeout) => bail!("the server did not start in time"),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!(
                        "the server exited during start-up: {:?}",
                        server.child.try_wait()
                    )
                }
            };
            if line.starts_with("演示账号") {
                in_accounts = true;
            } else if in_accounts && line.starts_with("  ") {
                let mut f = line.split_whitespace();
                if let (Some(login), Some(password)) = (f.next(), f.next()) {
                    server.accounts.push(Account {
                        login: login.into(),
                        password: password.into(),
                        who: f.collect::<Vec<_>>().join(" "),
                    });
                }
            } else {
                in_accounts = false;
            }
            if let Some(rest) = line.split("http://").nth(1) {
                let addr = rest.split('/').next().unwrap_or_default();
                ensure!(
                    addr.starts_with("127.0.0.1:"),
                    "the server listens on {addr}, not on loopback"
                );
                server.base = Base(format!("http://{addr}"));
                break;
            }
        }
        drop(rx); // the reader thread relays from now on
        Ok(server)
    }

    fn account(&self, who: impl Fn(&Account) -> bool, what: &str) -> Result<&Account> {
        self.accounts
            .iter()
            .find(|a| who(a))
            .with_context(|| format!("no demonstration account for {what}"))
    }

    /// (VmRSS, VmHWM) in KiB.
    fn memory(&self) -> Result<(u64, u64)> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| {
            s.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok((field("VmRSS:"), field("VmHWM:")))
    }
}

/// User plus system CPU seconds of a process so far.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at "state" (field 3);
    // utime and stime are fields 14 and 15.
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / TICKS_PER_SECOND
}

/// CPU seconds of a process and its children (PostgreSQL's server and backends; the
/// backends that ended are not counted).
fn tree_cpu_seconds(root: u32) -> f64 {
    let mut total = cpu_seconds(&root.to_string());
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The parent's pid is the field after the state, after the command name.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(root) {
            total += cpu_seconds(pid);
        }
    }
    total
}

/// The system's load average over the last minute (others' work on the machine skews the
/// figures: a benchmark wants it near 0 before it starts).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The file system type of the mount that holds `path`.
fn fs_type(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, mount, kind) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(mount)
                .then(|| (mount.len(), kind.to_string()))
        })
        .max()
        .map_or_else(|| "unknown".into(), |(_, k)| k)
}

/// A signed-in session: the cookie to send and the CSRF token for unsafe methods.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    csrf: String,
    role: String,
}

fn client() -> Result<Client> {
    Ok(Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn login(c: &Client, base: &Base, a: &Account) -> Result<Session> {
    let res = c
        .post(base.url("/login")?)
        .form(&[
            ("login", a.login.as_str()),
            ("password", a.password.as_str()),
            ("next", "/"),
        ])
        .send()
        .await?;
    ensure!(
        res.status().is_redirection(),
        "signing in as {} answered {}",
        a.login,
        res.status()
    );
    let token = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next()?.trim().strip_prefix("zb_session="))
        .filter(|t| !t.is_empty())
        .with_context(|| format!("signing in as {} set no session cookie", a.login))?
        .to_string();
    let cookie = format!("zb_session={token}");
    let me: Value = get_json(c, base, "/api/me", &cookie).await?;
    Ok(Session {
        cookie,
        csrf: me["csrf"].as_str().context("/api/me has no csrf")?.into(),
        role: me["user"]["role"].as_str().unwrap_or_default().into(),
    })
}

async fn get_json(c: &Client, base: &Base, path: &str, cookie: &str) -> Result<Value> {
    let res = c.get(base.url(path)?).header(COOKIE, cookie).send().await?;
    let status = res.status();
    let body = res.text().await?;
    ensure!(status.is_success(), "GET {path} answered {status}: {body}");
    Ok(serde_json::from_str(&body)?)
}

/// What one connection does, over and over.
#[derive(Debug, Clone)]
enum Op {
    Get { url: Url, cookie: String },
    Save(Box<Slot>),
}

/// One connection's own report: a unit, one of its tasks, and the version it last saw.
#[derive(Debug, Clone)]
struct Slot {
    login: String,
    session: Session,
    task: String,
    /// (target id, whether it is a water-quality class 1–6).
    targets: Vec<(i64, bool)>,
    version: Option<i64>,
    /// The version of the first and the last acknowledged save, and how many there were.
    first: Option<i64>,
    last: Option<i64>,
    saved: u64,
}

#[derive(Debug)]
enum Outcome {
    Ok {
        bytes: usize,
    },
    /// Not 2xx; (status, body) — a 409 is a conflict, a 5xx a failure.
    Status(StatusCode, String),
    /// No response (connection refused or reset, timeout …).
    Transport(String),
}

impl Op {
    async fn once(&mut self, c: &Client, base: &Base, save_url: &Url, n: u64) -> Outcome {
        match self {
            Op::Get { url, cookie } => {
                let res = match c.get(url.clone()).header(COOKIE, &*cookie).send().await {
                    Ok(r) => r,
                    Err(e) => return Outcome::Transport(e.to_string()),
                };
                let status = res.status();
                match res.bytes().await {
                    Ok(b) if status.is_success() => Outcome::Ok { bytes: b.len() },
                    Ok(b) => Outcome::Status(status, String::from_utf8_lossy(&b).into()),
                    Err(e) => Outcome::Transport(e.to_string()),
                }
            }
            Op::Save(slot) => {
                let outcome = slot.save(c, save_url, n).await;
                if let Outcome::Status(StatusCode::CONFLICT, _) = outcome {
                    // Someone else saved this report: read its version and go on.
                    if let Ok(v) = slot.server_version(c, base).await {
                        slot.version = v;
                    }
                }
                outcome
            }
        }
    }
}

impl Slot {
    async fn save(&mut self, c: &Client, url: &Url, n: u64) -> Outcome {
        let values: serde_json::Map<String, Value> = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, &(id, class))| {
                let v = if class {
                    1 + (n + i as u64) % 6
                } else {
                    (n * 7 + i as u64) % 1000
                };
                (id.to_string(), json!(v as f64))
            })
            .collect();
        let body = json!({
            "task": self.task,
            "values": values,
            "narrative": format!("负载测试草稿：第 {n} 次保存"),
            "submit": false,
            "version": self.version,
        });
        let res = match c
            .post(url.clone())
            .header(COOKIE, &self.session.cookie)
            .header("x-csrf-token", &self.session.csrf)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Outcome::Transport(e.to_string()),
        };
        let status = res.status();
        let bytes = match res.bytes().await {
            Ok(b) => b,
            Err(e) => return Outcome::Transport(e.to_string()),
        };
        if !status.is_success() {
            return Outcome::Status(status, String::from_utf8_lossy(&bytes).into());
        }
        let report: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let Some(v) = report["row_version"].as_i64() else {
            return Outcome::Status(status, "no row_version in the answer".into());
        };
        if report["state"] != "draft" {
            return Outcome::Status(
                status,
                format!("state {} instead of draft", report["state"]),
            );
        }
        self.version = Some(v);
        self.first.get_or_insert(v);
        self.last = Some(v);
        self.saved += 1;
        Outcome::Ok { bytes: bytes.len() }
    }

    /// The version of this slot's report on the server (None: no report yet).
    async fn server_version(&self, c: &Client, base: &Base) -> Result<Option<i64>> {
        let my = get_json(c, base, "/api/my/tasks", &self.session.cookie).await?;
        let t = my["tasks"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["code"] == self.task.as_str()))
            .with_context(|| format!("{} has no task {}", self.login, self.task))?;
        Ok(t["report"]["row_version"].as_i64())
    }
}

/// What one connection measured.
#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u32>,
    ok: u64,
    non_2xx: u64,
    conflicts: u64,
    failures: u64,
    transport: u64,
    bytes: u64,
    first_error: Option<String>,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome, took: Duration) {
        let err = match outcome {
            Outcome::Ok { bytes } => {
                self.ok += 1;
                self.bytes += *bytes as u64;
                None
            }
            Outcome::Status(s, body) => {
                self.non_2xx += 1;
                if *s == StatusCode::CONFLICT {
                    self.conflicts += 1;
                }
                if s.is_server_error() {
                    self.failures += 1;
                }
                Some(format!(
                    "{s}: {}",
                    body.chars().take(300).collect::<String>()
                ))
            }
            Outcome::Transport(e) => {
                self.failures += 1;
                self.transport += 1;
                Some(format!("transport: {e}"))
            }
        };
        if !matches!(outcome, Outcome::Transport(_)) {
            self.latencies_us
                .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        }
        if self.first_error.is_none() {
            self.first_error = err;
        }
    }

    fn merge(&mut self, o: Tally) {
        self.latencies_us.extend(o.latencies_us);
        self.ok += o.ok;
        self.non_2xx += o.non_2xx;
        self.conflicts += o.conflicts;
        self.failures += o.failures;
        self.transport += o.transport;
        self.bytes += o.bytes;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }
}

/// The figures of one scenario.
#[derive(Debug, Clone, Serialize)]
struct Figures {
    scenario: String,
    request: String,
    account: String,
    connections: usize,
    seconds: f64,
    requests: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    non_2xx: u64,
    conflicts: u64,
    failures: u64,
    mean_response_bytes: u64,
    /// Server CPU over the measured time, in cores (1.0 = one core busy).
    server_cpu_cores: f64,
    /// The load generator's own CPU over the measured time, in cores.
    client_cpu_cores: f64,
    vm_rss_kib: u64,
    vm_hwm_kib: u64,
    /// PostgreSQL's CPU (the server and its backends) over the measured time, in cores.
    db_cpu_cores: Option<f64>,
    first_error: Option<String>,
}

struct Scenario {
    name: &'static str,
    request: String,
    account: String,
    ops: Vec<Op>,
}

/// Runs one scenario: every connection loops until the end; requests that start during the
/// warm-up are not counted.
async fn measure(args: &Args, server: &Server, sc: Scenario) -> Result<(Figures, Vec<Op>)> {
    let warmup = Duration::from_secs_f64(args.warmup.clamp(0.0, 60.0));
    let seconds = args.seconds.clamp(0.1, 600.0);
    let start = Instant::now();
    let measured_from = start + warmup;
    let end = measured_from + Duration::from_secs_f64(seconds);
    let save_url = server.base.url("/api/reports")?;
    let server_pid = server.pid().to_string();
    let mut handles = Vec::new();
    for op in sc.ops {
        let base = server.base.clone();
        let save_url = save_url.clone();
        handles.push(tokio::spawn(async move {
            let c = client()?;
            let mut op = op;
            let mut tally = Tally::default();
            let mut n: u64 = 0;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let outcome = op.once(&c, &base, &save_url, n).await;
                if t0 >= measured_from {
                    tally.add(&outcome, t0.elapsed());
                }
                if matches!(outcome, Outcome::Transport(_)) {
                    // The server may be gone; do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                n += 1;
            }
            anyhow::Ok((tally, op))
        }));
    }
    // CPU is read at the start of the measured time, not of the warm-up.
    tokio::time::sleep_until(measured_from.into()).await;
    let db0 = server.db_pid.map(tree_cpu_seconds);
    let (srv0, me0, t0) = (
        cpu_seconds(&server_pid),
        cpu_seconds("self"),
        Instant::now(),
    );
    let mut tally = Tally::default();
    let mut ops = Vec::new();
    for h in handles {
        let (t, op) = h.await.context("a connection's task panicked")??;
        tally.merge(t);
        ops.push(op);
    }
    let wall = t0.elapsed().as_secs_f64().max(1e-9);
    let (srv1, me1) = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let db_cpu_cores = server
        .db_pid
        .map(tree_cpu_seconds)
        .zip(db0)
        .map(|(b, a)| (b - a) / wall);
    let (rss, hwm) = server.memory()?;
    let mut lat = std::mem::take(&mut tally.latencies_us);
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    // Every answered request has a latency; transport errors have none.
    let requests = lat.len() as u64 + tally.transport;
    Ok((
        Figures {
            scenario: sc.name.into(),
            request: sc.request,
            account: sc.account,
            connections: args.connections,
            seconds,
            requests,
            requests_per_second: requests as f64 / seconds,
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
            max_ms: pct(1.0),
            non_2xx: tally.non_2xx,
            conflicts: tally.conflicts,
            failures: tally.failures,
            mean_response_bytes: tally.bytes / tally.ok.max(1),
            server_cpu_cores: (srv1 - srv0) / wall,
            client_cpu_cores: (me1 - me0) / wall,
            vm_rss_kib: rss,
            vm_hwm_kib: hwm,
            db_cpu_cores,
            first_error: tally.first_error,
        },
        ops,
    ))
}

/// The whole benchmark, `--runs` times (or the province-sized ledger, `--province`). Returns
/// whether it ran clean (and, with `--strict`, met the goals in every run).
async fn run(args: &Args) -> Result<bool> {
    ensure!(
        args.server.is_file(),
        "{} does not exist (cargo build --release -p zhuanban)",
        args.server.display()
    );
    ensure!(
        (1..=256).contains(&args.connections),
        "--connections must be 1 to 256"
    );
    ensure!((1..=20).contains(&args.runs), "--runs must be 1 to 20");
    for s in &args.only {
        ensure!(
            SCENARIOS.contains(&s.as_str()),
            "unknown scenario {s}; known: {SCENARIOS:?}"
        );
    }
    if args.province {
        return province::run(args).await;
    }
    let cluster = if args.postgres {
        Some(start_cluster().await?)
    } else {
        None
    };
    let mut outcomes = Vec::new();
    for i in 0..args.runs {
        if args.runs > 1 {
            eprintln!("loadgen: run {} of {}", i + 1, args.runs);
        }
        outcomes.push(run_once(args, cluster.as_ref()).await?);
    }
    if args.runs > 1 {
        print_ranges(&outcomes);
    }
    let doc = if let [one] = &outcomes[..] {
        one.doc.clone()
    } else {
        json!({
            "benchmark": "web",
            "backend": backend_name(args),
            "runs": outcomes.iter().map(|o| o.doc.clone()).collect::<Vec<_>>(),
        })
    };
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("could not write {}", args.out.display()))?;
    println!("figures written to {}", args.out.display());
    let clean = outcomes.iter().all(|o| o.clean);
    let met = outcomes.iter().all(|o| o.goals.iter().all(|g| g.met));
    Ok(clean && (!args.strict || met))
}

fn backend_name(args: &Args) -> &'static str {
    if args.postgres || args.province {
        "postgresql"
    } else {
        "sqlite"
    }
}

/// PostgreSQL server settings of the benchmarks, for this small machine (2 cores, a few GiB
/// free): durability as in production (`fsync`, `synchronous_commit` and `full_page_writes`
/// on), memory for the working set, checkpoints spaced out so that one does not land in a
/// measured run by chance, and no parallel query workers (two cores are already shared by
/// the server, the database and the load generator).
const PG_SETTINGS: &[(&str, &str)] = &[
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("full_page_writes", "on"),
    ("shared_buffers", "512MB"),
    ("effective_cache_size", "4GB"),
    ("work_mem", "16MB"),
    ("maintenance_work_mem", "256MB"),
    ("wal_buffers", "16MB"),
    ("max_wal_size", "4GB"),
    ("checkpoint_timeout", "15min"),
    ("random_page_cost", "1.1"),
    ("max_parallel_workers_per_gather", "0"),
];

/// A throwaway PostgreSQL cluster with [`PG_SETTINGS`] (in the system's temporary folder).
async fn start_cluster() -> Result<PgCluster> {
    eprintln!("loadgen: starting a PostgreSQL cluster ({PG_SETTINGS:?})");
    let cluster = tokio::task::spawn_blocking(|| PgCluster::start_with(PG_SETTINGS)).await??;
    eprintln!(
        "loadgen: PostgreSQL on 127.0.0.1:{} (server pid {:?})",
        cluster.port(),
        cluster.server_pid()
    );
    Ok(cluster)
}

/// What one run gave.
#[derive(Debug)]
struct RunOutcome {
    figures: Vec<Figures>,
    goals: Vec<Goal>,
    clean: bool,
    doc: Value,
}

/// Each scenario's range over the runs.
fn print_ranges(outcomes: &[RunOutcome]) {
    println!();
    println!("range over {} runs (min – max):", outcomes.len());
    println!(
        "{:<12} {:>17} {:>15} {:>15} {:>6} {:>13} {:>13}",
        "scenario", "req/s", "p50 ms", "p99 ms", "fail", "srv CPU", "db CPU"
    );
    let mut names: Vec<&str> = Vec::new();
    for o in outcomes {
        for f in &o.figures {
            if !names.contains(&f.scenario.as_str()) {
                names.push(&f.scenario);
            }
        }
    }
    for name in names {
        let fs: Vec<&Figures> = outcomes
            .iter()
            .flat_map(|o| o.figures.iter().filter(|f| f.scenario == name))
            .collect();
        let range = |v: &dyn Fn(&Figures) -> f64, prec: usize| {
            let lo = fs.iter().map(|f| v(f)).fold(f64::INFINITY, f64::min);
            let hi = fs.iter().map(|f| v(f)).fold(f64::NEG_INFINITY, f64::max);
            format!("{lo:.prec$} – {hi:.prec$}")
        };
        let db = if fs.iter().all(|f| f.db_cpu_cores.is_some()) {
            range(&|f| f.db_cpu_cores.unwrap_or(0.0), 2)
        } else {
            "-".into()
        };
        println!(
            "{:<12} {:>17} {:>15} {:>15} {:>6} {:>13} {:>13}",
            name,
            range(&|f| f.requests_per_second, 0),
            range(&|f| f.p50_ms, 2),
            range(&|f| f.p99_ms, 2),
            fs.iter().map(|f| f.failures).sum::<u64>(),
            range(&|f| f.server_cpu_cores, 2),
            db,
        );
    }
    let mut goals: Vec<(&str, usize)> = Vec::new();
    for o in outcomes {
        for g in &o.goals {
            match goals.iter_mut().find(|(n, _)| *n == g.goal) {
                Some((_, met)) => *met += usize::from(g.met),
                None => goals.push((&g.goal, usize::from(g.met))),
            }
        }
    }
    for (goal, met) in goals {
        println!("{goal}: met in {met} of {} runs", outcomes.len());
    }
}

/// One run of the benchmark on a fresh database (a new SQLite demonstration folder, or a new
/// database of `cluster`).
async fn run_once(args: &Args, cluster: Option<&PgCluster>) -> Result<RunOutcome> {
    let wanted = |s: &str| args.only.is_empty() || args.only.iter().any(|o| o == s);
    let tmp = match &args.tmp {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            tempfile::Builder::new()
                .prefix("zhuanban-loadgen-")
                .tempdir_in(d)?
        }
        None => tempfile::Builder::new()
            .prefix("zhuanban-loadgen-")
            .tempdir()?,
    };
    let backing = match cluster {
        Some(c) => Backing::Pg {
            url: c.new_database()?,
            data: tmp.path().join("files"),
            key: tmp.path().join("audit.key"),
        },
        None => Backing::Sqlite {
            dir: tmp.path().join("demo"),
        },
    };
    let db_pid = cluster.and_then(PgCluster::server_pid);
    let fs = match cluster {
        Some(_) => format!("PostgreSQL, {}", fs_type(&std::env::temp_dir())),
        None => fs_type(tmp.path()),
    };
    let load_before = load_average();
    // Declared after `tmp`, so it is dropped (killed) before the folder is removed.
    let mut server = Server::start(&args.server, &backing)?;
    server.db_pid = db_pid;
    let base = server.base.clone();
    eprintln!(
        "loadgen: server pid {} at {}, database on {fs}, {} accounts",
        server.pid(),
        base.0,
        server.accounts.len()
    );
    let c = client()?;
    for _ in 0..100 {
        if let Ok(r) = c.get(base.url("/healthz")?).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let office_acc = server.account(|a| a.login == "office", "the office")?;
    let leader_acc = server.account(|a| a.login == "leader", "the leader")?;
    let unit_acc = server.account(|a| a.who == args.unit, &args.unit)?;
    let office = login(&c, &base, office_acc).await?;
    let leader = login(&c, &base, leader_acc).await?;
    let unit = login(&c, &base, unit_acc).await?;
    ensure!(
        office.role == "office" && leader.role == "leader" && unit.role == "unit",
        "unexpected roles: office {}, leader {}, unit {}",
        office.role,
        leader.role,
        unit.role
    );
    // The leader's session is checked once; the scenarios read as the office and the unit.
    get_json(&c, &base, "/api/status", &leader.cookie).await?;
    let my = get_json(&c, &base, "/api/my/tasks", &unit.cookie).await?;
    let leads = my["tasks"].as_array().is_some_and(|ts| {
        ts.iter()
            .any(|t| t["code"] == args.task.as_str() && t["role"] == "lead")
    });
    ensure!(leads, "{} does not lead task {}", args.unit, args.task);
    let writers = if wanted("report-save") {
        writers(args, &server, &c, &office, &unit).await?
    } else {
        Vec::new()
    };
    let (start_rss, start_hwm) = server.memory()?;

    let n = args.connections;
    let get = |path: &str, s: &Session| -> Result<Vec<Op>> {
        let url = base.url(path)?;
        Ok((0..n)
            .map(|_| Op::Get {
                url: url.clone(),
                cookie: s.cookie.clone(),
            })
            .collect())
    };
    let mut plan: Vec<Scenario> = Vec::new();
    let unit_label = format!("{}（{}）", unit_acc.login, args.unit);
    if wanted("dashboard") {
        plan.push(Scenario {
            name: "dashboard",
            request: "GET /dashboard".into(),
            account: "office".into(),
            ops: get("/dashboard", &office)?,
        });
    }
    if wanted("ledger-page") {
        plan.push(Scenario {
            name: "ledger-page",
            request: "GET /ledger".into(),
            account: unit_label.clone(),
            ops: get("/ledger", &unit)?,
        });
    }
    if wanted("ledger-api") {
        plan.push(Scenario {
            name: "ledger-api",
            request: "GET /api/tasks".into(),
            account: unit_label.clone(),
            ops: get("/api/tasks", &unit)?,
        });
    }
    if wanted("task-page") {
        let path = format!("/tasks/{}", args.task);
        plan.push(Scenario {
            name: "task-page",
            request: format!("GET {path}"),
            account: "office".into(),
            ops: get(&path, &office)?,
        });
    }

    let mut figures = Vec::new();
    let mut clean = true;
    let mut notes = Vec::new();
    for sc in plan {
        eprintln!("loadgen: {} ({}) …", sc.name, sc.request);
        let (f, _) = measure(args, &server, sc).await?;
        if f.non_2xx > 0 || f.failures > 0 {
            clean = false;
            notes.push(format!(
                "{}: {} non-2xx, {} failures; first: {}",
                f.scenario,
                f.non_2xx,
                f.failures,
                f.first_error.as_deref().unwrap_or("")
            ));
        }
        figures.push(f);
    }

    let mut slots_desc = Vec::new();
    if wanted("report-save") {
        let slots = save_slots(args, &base, &c, &office, writers).await?;
        for s in &slots {
            slots_desc.push(format!("{} {}", s.login, s.task));
        }
        eprintln!(
            "loadgen: report-save (POST /api/reports) … reports: {}",
            slots_desc.join(", ")
        );
        // Connection i keeps report i; with fewer reports than connections they share.
        let ops: Vec<Op> = (0..n)
            .map(|i| Op::Save(Box::new(slots[i % slots.len()].clone())))
            .collect();
        let sc = Scenario {
            name: "report-save",
            request: format!("POST /api/reports (draft of {})", args.task),
            account: format!("{unit_label} and other units, one report per connection"),
            ops,
        };
        let (f, ops) = measure(args, &server, sc).await?;
        if f.failures > 0 || (f.non_2xx > f.conflicts) {
            clean = false;
            notes.push(format!(
                "report-save: {} failures, {} non-2xx other than 409; first: {}",
                f.failures,
                f.non_2xx - f.conflicts,
                f.first_error.as_deref().unwrap_or("")
            ));
        }
        if f.conflicts > 0 {
            notes.push(format!(
                "report-save: {} conflicts (409): connections shared a report and raced on its version",
                f.conflicts
            ));
        }
        // Durability check: the server is killed with SIGKILL and started again on its
        // database; every acknowledged save made a new version, and the last one acknowledged
        // is the one the restarted server has.
        server.kill_and_restart(&args.server, &backing)?;
        server.db_pid = db_pid;
        let base = server.base.clone();
        // The units' sessions are kept in the database: they outlive the process.
        eprintln!(
            "loadgen: server killed (SIGKILL) and restarted, pid {} at {}",
            server.pid(),
            base.0
        );
        for op in &ops {
            let Op::Save(slot) = op else { continue };
            let on_server = slot.server_version(&c, &base).await?;
            let shared = slots.len() < n;
            let consistent = match (slot.first, slot.last) {
                (Some(first), Some(last)) => {
                    shared
                        || (on_server == Some(last)
                            && u64::try_from(last - first).ok() == Some(slot.saved - 1))
                }
                _ => slot.saved == 0,
            };
            if !consistent {
                clean = false;
                notes.push(format!(
                    "report-save: {} {}: {} saves acknowledged (versions {:?}…{:?}) but the server has version {:?}",
                    slot.login, slot.task, slot.saved, slot.first, slot.last, on_server
                ));
            }
        }
        figures.push(f);
    }

    // Goals.
    let mut goals = Vec::new();
    for f in &figures {
        match f.scenario.as_str() {
            "ledger-page" | "ledger-api" => goals.push(Goal::new(
                format!("{}: ≥ {GOAL_LEDGER_RPS} requests/s", f.scenario),
                f.requests_per_second,
                f.requests_per_second >= GOAL_LEDGER_RPS && f.non_2xx == 0,
            )),
            "report-save" => {
                let goal = if cluster.is_some() {
                    GOAL_SAVE_RPS_PG
                } else {
                    GOAL_SAVE_RPS
                };
                goals.push(Goal::new(
                    format!("report-save: ≥ {goal} durable saves/s, no failures"),
                    f.requests_per_second,
                    f.requests_per_second >= goal && f.failures == 0,
                ))
            }
            _ => {}
        }
    }
    let hwm = figures.iter().map(|f| f.vm_hwm_kib).max().unwrap_or(0);
    goals.push(Goal::new(
        "server memory (VmHWM) < 100 MiB".into(),
        hwm as f64 / 1024.0,
        hwm < GOAL_MEMORY_KIB,
    ));

    let load_after = load_average();
    println!();
    println!(
        "{} connections, {} s per scenario; {} CPUs, load average {load_before:.2} before, {load_after:.2} after; database on {fs}",
        n,
        args.seconds,
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );
    println!(
        "server memory after start-up and sign-in: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        start_rss as f64 / 1024.0,
        start_hwm as f64 / 1024.0
    );
    print_table(&figures);
    println!();
    for g in &goals {
        println!(
            "{} {} (measured {:.1})",
            if g.met { "met   " } else { "MISSED" },
            g.goal,
            g.measured
        );
    }
    for note in &notes {
        println!("note: {note}");
    }

    let doc = json!({
        "benchmark": "web",
        "backend": backend_name(args),
        "server": args.server.display().to_string(),
        "connections": n,
        "client_threads": args.client_threads,
        "seconds_per_scenario": args.seconds,
        "warmup_seconds": args.warmup,
        "cpus": std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0),
        "database_fs": fs,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "memory_after_start": {"vm_rss_kib": start_rss, "vm_hwm_kib": start_hwm},
        "report_save_reports": slots_desc,
        "scenarios": figures,
        "goals": goals,
        "notes": notes,
        "clean": clean,
    });
    drop(server);
    Ok(RunOutcome {
        figures,
        goals,
        clean,
        doc,
    })
}

#[derive(Debug, Serialize)]
struct Goal {
    goal: String,
    measured: f64,
    met: bool,
}

impl Goal {
    fn new(goal: String, measured: f64, met: bool) -> Goal {
        Goal {
            goal,
            measured,
            met,
        }
    }
}

/// Who writes in the write scenario, one (account, session, task) per connection: the unit
/// on the task, the task's other units, then other units' tasks (those with targets first, so
/// that every save changes values), each signed in with its own account. Signed in before the
/// scenarios run, so that the memory of signing in (Argon2) is not counted against a scenario.
async fn writers(
    args: &Args,
    server: &Server,
    c: &Client,
    office: &Session,
    unit: &Session,
) -> Result<Vec<(String, Session, String)>> {
    let base = &server.base;
    let tasks = get_json(c, base, "/api/tasks", &office.cookie).await?;
    let tasks = tasks.as_array().context("/api/tasks is not a list")?;
    let names = |t: &Value| -> Vec<String> {
        ["lead", "support"]
            .iter()
            .flat_map(|k| t[*k].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    let has_targets = |t: &&Value| t["targets"].as_array().is_some_and(|g| !g.is_empty());
    let mut pairs: Vec<(String, String)> = vec![(args.unit.clone(), args.task.clone())];
    let first = tasks.iter().filter(|t| t["code"] == args.task.as_str());
    let rest = tasks.iter().filter(|t| t["code"] != args.task.as_str());
    let (with, without): (Vec<&Value>, Vec<&Value>) = rest.partition(has_targets);
    for t in first.chain(with).chain(without) {
        let code = t["code"].as_str().unwrap_or_default().to_string();
        for u in names(t) {
            let pair = (u, code.clone());
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    let mut sessions: HashMap<String, Session> = HashMap::new();
    let mut out = Vec::new();
    for (unit_name, code) in pairs {
        if out.len() == args.connections {
            break;
        }
        let Ok(acc) = server.account(|a| a.who == unit_name, &unit_name) else {
            continue;
        };
        let session = match sessions.get(&acc.login) {
            Some(s) => s.clone(),
            None if unit_name == args.unit => unit.clone(),
            None => login(c, base, acc).await?,
        };
        sessions.insert(acc.login.clone(), session.clone());
        out.push((acc.login.clone(), session, code));
    }
    Ok(out)
}

/// The reports of the write scenario. The office first opens a new round: in the
/// demonstration round the lead units' reports are submitted or accepted, and an accepted
/// report is final.
async fn save_slots(
    args: &Args,
    base: &Base,
    c: &Client,
    office: &Session,
    writers: Vec<(String, Session, String)>,
) -> Result<Vec<Slot>> {
    let res = c
        .post(base.url("/rounds")?)
        .header(COOKIE, &office.cookie)
        .form(&[
            ("_csrf", office.csrf.as_str()),
            ("name", "2024年10月调度（负载测试）"),
            ("as_of", "2024-10-31"),
            ("due", "2024-11-05"),
        ])
        .send()
        .await?;
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    ensure!(
        res.status().is_redirection() && location.contains("ok=opened"),
        "opening a round answered {} ({location}): {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    let mut slots = Vec::new();
    for (login, session, code) in writers {
        let my = get_json(c, base, "/api/my/tasks", &session.cookie).await?;
        let Some(t) = my["tasks"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["code"] == code.as_str()))
        else {
            continue;
        };
        let report = &t["report"];
        if !(report.is_null() || report["state"] == "draft" || report["state"] == "returned") {
            continue;
        }
        let targets = t["targets"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter_map(|g| Some((g["id"].as_i64()?, g["kind"] == "class")))
                    .collect()
            })
            .unwrap_or_default();
        slots.push(Slot {
            login,
            session,
            task: code,
            targets,
            version: report["row_version"].as_i64(),
            first: None,
            last: None,
            saved: 0,
        });
    }
    ensure!(
        slots.first().is_some_and(|s| s.task == args.task),
        "{} cannot save a draft of {} in the new round",
        args.unit,
        args.task
    );
    Ok(slots)
}

fn print_table(figures: &[Figures]) {
    println!(
        "{:<12} {:>9} {:>8} {:>8} {:>8} {:>7} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "non2xx",
        "409",
        "fail",
        "srv CPU",
        "cli CPU",
        "db CPU",
        "RSS MiB",
        "HWM MiB"
    );
    for f in figures {
        println!(
            "{:<12} {:>9.0} {:>8.2} {:>8.2} {:>8.1} {:>7} {:>5} {:>5} {:>8.2} {:>8.2} {:>8} {:>8.1} {:>8.1}",
            f.scenario,
            f.requests_per_second,
            f.p50_ms,
            f.p99_ms,
            f.max_ms,
            f.non_2xx,
            f.conflicts,
            f.failures,
            f.server_cpu_cores,
            f.client_cpu_cores,
            f.db_cpu_cores
                .map_or_else(|| "-".into(), |c| format!("{c:.2}")),
            f.vm_rss_kib as f64 / 1024.0,
            f.vm_hwm_kib as f64 / 1024.0
        );
    }
}
