//! Report saves: one writer thread, group commit.
//!
//! A durable commit costs one fsync, and the statements of a save cost microseconds when they
//! run on the thread that owns the connection (through sqlx, each statement is a round trip
//! between the async task and sqlx's connection thread, two thread wake-ups apiece). So report
//! saves are sent to one thread that owns its own connection to the database: it takes every
//! save waiting (up to [`MAX_BATCH`]), and in one write transaction checks and writes each
//! inside its own savepoint, then commits them all with one fsync.
//!
//! The thread runs the same code on both backends through [`SaveConn`]: on SQLite a rusqlite
//! connection to the file (`BEGIN IMMEDIATE`); on PostgreSQL a connection of the pool, its
//! statements run to completion one at a time (`BEGIN` and the store's write lock,
//! [`crate::PG_WRITE_LOCK`], so the batch is the only writer and the chain's head is its own). A refused
//! save is rolled back to its savepoint and answered at once; the others go on. Each save is
//! acknowledged only after the commit that holds it has returned, so an acknowledged save
//! survives a crash or a SIGKILL; when the commit fails, every save of the batch gets the
//! error and none is acknowledged.
//!
//! Everything a save checks is checked here, under the write lock, by [`check_report`] (one
//! function for every entry point: the form, the API, the command line and the offline
//! template's upload). The audit chain's head is read once per batch (and anchored, as
//! committed); the batch's records are chained in memory, and the new head is anchored after
//! the commit.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;
use zhuanban_ledger::input::{ReportDraft, TargetShape, TaskShape};
use zhuanban_ledger::{Id, Report, ReportState, RoundState};

use crate::audit::{self, Entry, GENESIS};
use crate::db::Arg;
use crate::ledger::{Col, kind_parse, report_from_row, report_json, report_sql};
use crate::{Actor, ReportInput, Result, StoreError};

/// The most saves one transaction takes.
pub(crate) const MAX_BATCH: usize = 256;

/// Saves waiting for the writer: one report, or several that stand or fall together.
#[derive(Debug)]
struct Job {
    inputs: Vec<ReportInput>,
    actor: Actor,
    reply: oneshot::Sender<Result<Vec<Report>>>,
}

/// What the writer thread is asked.
#[derive(Debug)]
enum Ask {
    Save(Job),
    /// Close the connection and end the thread; answered once the connection is closed.
    Stop(oneshot::Sender<()>),
}

/// The queue to the writer thread.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    tx: mpsc::Sender<Ask>,
}

impl Committer {
    /// Opens the writer's connection to a SQLite database file and starts its thread.
    pub fn start_sqlite(path: &Path, keyring: std::sync::Arc<audit::Keyring>) -> Result<Committer> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // The same settings as every connection of the store (see `connect_options`).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let synchronous: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        if synchronous != 2 {
            return Err(StoreError::invalid(
                "db",
                format!("写入连接未能设为 synchronous=FULL（为 {synchronous}）"),
            ));
        }
        Self::spawn(conn, keyring)
    }

    /// Starts the writer's thread with its own connection to the PostgreSQL database of
    /// `pool` (made with the pool's options).
    ///
    /// The thread has its own single-threaded runtime, which owns the connection's socket: a
    /// statement's answer wakes the writer thread itself, not a worker of the server's runtime
    /// that would then wake it (a save runs a dozen statements, and on a busy machine every
    /// extra wake-up is a wait for a core).
    pub async fn start_pg(
        pool: &sqlx::PgPool,
        keyring: std::sync::Arc<audit::Keyring>,
    ) -> Result<Committer> {
        let options = (*pool.connect_options()).clone();
        let (ready, started) = oneshot::channel::<Result<()>>();
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("zhuanban-writer".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready.send(Err(StoreError::invalid(
                            "db",
                            format!("无法启动数据库写入线程：{e}"),
                        )));
                        return;
                    }
                };
                let conn = match rt.block_on(sqlx::ConnectOptions::connect(&options)) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready.send(Err(e.into()));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                run(
                    PgSave {
                        conn,
                        rt,
                        open: false,
                    },
                    &keyring,
                    rx,
                )
            })
            .map_err(|e| StoreError::invalid("db", format!("无法启动数据库写入线程：{e}")))?;
        started.await.map_err(|_| stopped())??;
        Ok(Committer { tx })
    }

    fn spawn(conn: impl SaveConn, keyring: std::sync::Arc<audit::Keyring>) -> Result<Committer> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("zhuanban-writer".into())
            .spawn(move || run(conn, &keyring, rx))
            .map_err(|e| StoreError::invalid("db", format!("无法启动数据库写入线程：{e}")))?;
        Ok(Committer { tx })
    }

    /// Checks and writes reports, all of them or none, and waits until they are committed.
    pub async fn save(&self, inputs: Vec<ReportInput>, actor: Actor) -> Result<Vec<Report>> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Ask::Save(Job {
                inputs,
                actor,
                reply,
            }))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Closes the writer's connection (its file handles, its WAL) and ends the thread, once
    /// the saves queued before are done. Saves asked afterwards are refused.
    pub async fn stop(&self) {
        let (done, closed) = oneshot::channel();
        if self.tx.send(Ask::Stop(done)).is_ok() {
            let _ = closed.await;
        }
    }
}

fn stopped() -> StoreError {
    StoreError::invalid("db", "数据库写入线程已停止，请重启服务")
}

fn run(mut conn: impl SaveConn, keyring: &audit::Keyring, rx: mpsc::Receiver<Ask>) {
    let mut stop = None;
    while stop.is_none() {
        let Ok(first) = rx.recv() else { break };
        let mut jobs = std::collections::VecDeque::with_capacity(16);
        let mut next = Some(first);
        while let Some(ask) = next.take() {
            match ask {
                Ask::Save(job) => jobs.push_back(job),
                Ask::Stop(done) => {
                    stop = Some(done);
                    break;
                }
            }
            if jobs.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !jobs.is_empty() {
            commit(&mut conn, keyring, jobs);
        }
    }
    conn.close();
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

type Done = Vec<(oneshot::Sender<Result<Vec<Report>>>, Vec<Report>)>;

/// Writes and commits one batch, answering every job.
fn commit(
    conn: &mut impl SaveConn,
    keyring: &audit::Keyring,
    mut waiting: std::collections::VecDeque<Job>,
) {
    let mut done: Done = Vec::new();
    match write_batch(conn, keyring, &mut waiting, &mut done) {
        Ok(head) => {
            if let Some((id, h)) = &head {
                // Best effort: the next batch anchors the committed head again before it writes.
                let _ = keyring.anchor(*id, h);
            }
            for (reply, reports) in done {
                let _ = reply.send(Ok(reports));
            }
        }
        Err(e) => {
            // Nothing of the batch was committed (the transaction is rolled back): the saves
            // written so far and those not yet reached all get the error.
            conn.abandon();
            let replies = done
                .into_iter()
                .map(|(reply, _)| reply)
                .chain(waiting.into_iter().map(|j| j.reply));
            for reply in replies {
                let _ = reply.send(Err(StoreError::invalid(
                    "db",
                    format!("保存未能提交，请重试：{e}"),
                )));
            }
        }
    }
}

/// The batch's transaction: takes jobs from `waiting` one by one, answers refusals at once and
/// moves the written ones to `done`; commits and gives back the chain's new head.
fn write_batch(
    conn: &mut impl SaveConn,
    keyring: &audit::Keyring,
    waiting: &mut std::collections::VecDeque<Job>,
    done: &mut Done,
) -> Result<Option<(i64, String)>> {
    conn.begin()?;
    let mut head: Option<(i64, String)> = conn.first(
        "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
        &[],
        |r| Ok((r.int("id")?, r.text("hash")?)),
    )?;
    if let Some((id, h)) = &head {
        keyring
            .anchor(*id, h)
            .map_err(|e| StoreError::invalid("audit", format!("无法写入审计锚定文件：{e}")))?;
    }
    // A job's savepoint is released with the next statement the batch sends (the next job's
    // savepoint, or the commit): one round trip fewer per save on PostgreSQL.
    let mut release = false;
    while let Some(job) = waiting.pop_front() {
        conn.batch(if release {
            "RELEASE save; SAVEPOINT save"
        } else {
            "SAVEPOINT save"
        })?;
        release = false;
        let mut chain = head.clone();
        let written: Result<Vec<Report>> = job
            .inputs
            .iter()
            .map(|input| write_report(conn, input, &job.actor, keyring, &mut chain))
            .collect();
        match written {
            Ok(reports) => {
                release = true;
                head = chain;
                done.push((job.reply, reports));
            }
            Err(e) => {
                // A refusal (or a failed statement) undoes this job only.
                let _ = job.reply.send(Err(e));
                conn.batch("ROLLBACK TO SAVEPOINT save; RELEASE save")?;
            }
        }
    }
    conn.batch(if release {
        "RELEASE save; COMMIT"
    } else {
        "COMMIT"
    })?;
    Ok(head)
}

/// What a save needs to know of its task and round, read in its transaction.
struct Checked {
    code: String,
    round_due: chrono::NaiveDate,
    has_milestones: bool,
    demo_round: bool,
}

/// What a report save checks against the database: the round is open and schedules the task's
/// plan version; the unit leads or supports the task; then the report itself against its
/// task, by [`ReportDraft::check`] (the one check of a report, in `zhuanban_ledger::input`).
fn check_report(c: &mut impl SaveConn, input: &ReportInput) -> Result<Checked> {
    // The task, the round and the unit's role on the task in one statement (on PostgreSQL
    // each statement is a round trip), each NULL when missing. Arguments appear in order of
    // their numbers (SQLite numbers `$N` by first appearance).
    type TaskRow = (Option<String>, Option<(Id, i64)>);
    type RoundRow = (Option<String>, Option<(String, Id, i64, String, bool)>);
    let (task_row, round_row, role): (TaskRow, RoundRow, Option<String>) = c
        .first(
            "SELECT t.plan_id, t.plan_version, t.code, r.name, r.state, r.plan_id AS round_plan,
                    r.plan_version AS round_version, r.due, r.demo, tu.role
             FROM (SELECT 1 AS one) AS one
             LEFT JOIN tasks t ON t.id = $1
             LEFT JOIN rounds r ON r.id = $2
             LEFT JOIN task_units tu ON tu.task_id = $1 AND tu.unit_id = $3",
            &[
                input.task_id.into(),
                input.round_id.into(),
                input.unit_id.into(),
            ],
            |r| {
                let code = r.opt_text("code")?;
                let task = match code {
                    Some(_) => Some((r.int("plan_id")?, r.int("plan_version")?)),
                    None => None,
                };
                let name = r.opt_text("name")?;
                let round = match name {
                    Some(_) => Some((
                        r.text("state")?,
                        r.int("round_plan")?,
                        r.int("round_version")?,
                        r.text("due")?,
                        r.flag("demo")?,
                    )),
                    None => None,
                };
                Ok(((code, task), (name, round), r.opt_text("role")?))
            },
        )?
        .ok_or_else(|| StoreError::invalid("report", "报告未能检查"))?;
    let (Some(code), Some((plan_id, plan_version))) = task_row else {
        return Err(StoreError::NotFound {
            what: "任务",
            id: input.task_id.to_string(),
        });
    };
    let (Some(round_name), Some((state, round_plan, round_version, due, demo_round))) = round_row
    else {
        return Err(StoreError::NotFound {
            what: "调度轮次",
            id: input.round_id.to_string(),
        });
    };
    if RoundState::parse(&state) != Some(RoundState::Open) {
        return Err(StoreError::invalid(
            "round",
            format!("轮次“{round_name}”已关闭，不能再报送"),
        ));
    }
    if plan_id != round_plan || plan_version != round_version {
        return Err(StoreError::invalid(
            "task",
            format!(
                "任务 {code}（#{}）不属于轮次“{round_name}”所调度的方案版本",
                input.task_id
            ),
        ));
    }
    if role.is_none() {
        let name: Option<String> = c.first(
            "SELECT name FROM units WHERE id = $1",
            &[input.unit_id.into()],
            |r| r.text("name"),
        )?;
        let name = name.unwrap_or_else(|| format!("单位 #{}", input.unit_id));
        return Err(StoreError::invalid(
            "unit",
            format!("“{name}”不是任务 {code} 的牵头或配合单位，不能报送"),
        ));
    }
    // The task's targets and milestones in one statement.
    let mut targets = Vec::new();
    let mut milestones: Vec<(Id, i64)> = Vec::new();
    c.all(
        "SELECT 'target' AS what, id, seq, kind, value, unit, metric FROM targets WHERE task_id = $1
         UNION ALL
         SELECT 'milestone' AS what, id, seq, '' AS kind, CAST(0 AS DOUBLE PRECISION) AS value,
                '' AS unit, '' AS metric
         FROM milestones WHERE task_id = $1",
        &[input.task_id.into()],
        &mut |r| {
            if r.text("what")? == "target" {
                targets.push(TargetShape {
                    id: r.int("id")?,
                    seq: r.int("seq")?,
                    kind: kind_parse(&r.text("kind")?),
                    value: r.real("value")?,
                    unit: r.text("unit")?,
                    metric: r.text("metric")?,
                });
            } else {
                milestones.push((r.int("id")?, r.int("seq")?));
            }
            Ok(())
        },
    )?;
    let has_milestones = !milestones.is_empty();
    let shape = TaskShape {
        code,
        targets,
        milestones,
    };
    ReportDraft {
        values: &input.values,
        milestones: &input.milestones,
        narrative: &input.narrative,
        problems: &input.problems,
        next_steps: &input.next_steps,
        submit: input.submit,
    }
    .check(&shape, crate::clock::china_today())
    .map_err(|r| StoreError::invalid(r.field, r.message))?;
    let code = shape.code;
    let round_due = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .map_err(|_| StoreError::invalid("due", format!("日期“{due}”格式不正确")))?;
    Ok(Checked {
        code,
        round_due,
        has_milestones,
        demo_round,
    })
}

fn load(c: &mut impl SaveConn, sql: &str, args: &[Id]) -> Result<Option<Report>> {
    let args: Vec<Arg> = args.iter().map(|&a| a.into()).collect();
    c.first(sql, &args, |r| report_from_row(r))
}

/// Checks and writes one report in the caller's transaction, chaining its audit record after
/// `head` (which it moves on).
fn write_report(
    c: &mut impl SaveConn,
    input: &ReportInput,
    actor: &Actor,
    keyring: &audit::Keyring,
    head: &mut Option<(i64, String)>,
) -> Result<Report> {
    let Checked {
        code,
        round_due,
        has_milestones,
        demo_round,
    } = check_report(c, input)?;
    let sql = report_sql(c.is_pg());
    let existing = load(c, sql.of, &[input.round_id, input.task_id, input.unit_id])?;
    if input.at.is_some() && !demo_round {
        return Err(StoreError::invalid("at", "只有演示数据可以指定报送时间"));
    }
    let state = if input.submit { "submitted" } else { "draft" };
    let at = input.at.unwrap_or_else(crate::clock::now);
    let submitted_at = input
        .submit
        .then(|| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let late = input.submit && at.with_timezone(&crate::clock::china()).date_naive() > round_due;
    let now = crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (id, before) = match existing {
        Some(old) => {
            let (id, st, version) = (old.id, old.state, old.row_version);
            if matches!(st, ReportState::Submitted | ReportState::Accepted) {
                return Err(StoreError::invalid(
                    "state",
                    format!(
                        "报告{}，不能再修改（如需更正请联系专班办公室退回）",
                        st.label()
                    ),
                ));
            }
            if input.expected_version != Some(version) {
                return Err(StoreError::Conflict {
                    what: "报告",
                    id,
                    current: version,
                    given: input.expected_version.unwrap_or(0),
                });
            }
            c.exec(
                "DELETE FROM report_values WHERE report_id = $1",
                &[id.into()],
            )?;
            // A task without milestones has no milestone states to replace.
            if has_milestones {
                c.exec(
                    "DELETE FROM report_milestones WHERE report_id = $1",
                    &[id.into()],
                )?;
            }
            (id, Some((report_json(&old), version)))
        }
        None => {
            if let Some(v) = input.expected_version {
                return Err(StoreError::Conflict {
                    what: "报告",
                    id: 0,
                    current: 0,
                    given: v,
                });
            }
            let id: Id = c
                .first(
                    "INSERT INTO reports (round_id, task_id, unit_id, state, narrative, problems, next_steps, author,
                     submitted_at, late, demo, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                     RETURNING id",
                    &[
                        input.round_id.into(),
                        input.task_id.into(),
                        input.unit_id.into(),
                        state.into(),
                        (&input.narrative).into(),
                        (&input.problems).into(),
                        (&input.next_steps).into(),
                        (&actor.name).into(),
                        submitted_at.clone().into(),
                        late.into(),
                        demo_round.into(),
                        (&now).into(),
                    ],
                    |r| r.int("id"),
                )?
                .ok_or_else(|| StoreError::invalid("report", "报告未能写入"))?;
            (id, None)
        }
    };
    // The values in one statement (their arguments numbered in order of appearance).
    for chunk in input.values.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO report_values (report_id, target_id, value) VALUES {}",
            rows.join(", ")
        );
        let args: Vec<Arg> = chunk
            .iter()
            .flat_map(|&(target_id, value)| [id.into(), target_id.into(), value.into()])
            .collect();
        c.exec(&sql, &args)?;
    }
    for &(mid, done, done_on) in &input.milestones {
        c.exec(
            "INSERT INTO report_milestones (report_id, milestone_id, done, done_on) VALUES ($1, $2, $3, $4)",
            &[
                id.into(),
                mid.into(),
                done.into(),
                done_on.map(|d| d.to_string()).into(),
            ],
        )?;
    }
    for e in &input.evidence {
        c.exec(
            "INSERT INTO evidence (report_id, sha256, name, size, mime) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[
                id.into(),
                (&e.sha256).into(),
                (&e.name).into(),
                (e.size as i64).into(),
                (&e.mime).into(),
            ],
        )?;
    }
    let report = match &before {
        // The update last, so that it returns the whole report as it now stands.
        Some((_, version)) => c
            .first(
                sql.update,
                &[
                    state.into(),
                    (&input.narrative).into(),
                    (&input.problems).into(),
                    (&input.next_steps).into(),
                    (&actor.name).into(),
                    submitted_at.into(),
                    late.into(),
                    (&now).into(),
                    id.into(),
                    version.into(),
                ],
                |r| report_from_row(r),
            )?
            .ok_or(StoreError::Conflict {
                what: "报告",
                id,
                current: version + 1,
                given: *version,
            })?,
        None => load(c, sql.by_id, &[id])?.ok_or(StoreError::NotFound {
            what: "报告",
            id: id.to_string(),
        })?,
    };
    let before = before.map(|(json, _)| json);
    let after = report_json(&report);
    let object = format!("report#{id} round#{} task {code}", input.round_id);
    let action = if input.submit {
        "report.submit"
    } else {
        "report.save_draft"
    };
    *head = Some(append_audit(
        c,
        keyring,
        head.take(),
        actor,
        action,
        &object,
        before.as_deref(),
        Some(&after),
    )?);
    Ok(report)
}

/// Appends an audit record after `head` in the caller's transaction; gives back the new head.
#[allow(clippy::too_many_arguments)]
fn append_audit(
    c: &mut impl SaveConn,
    keyring: &audit::Keyring,
    head: Option<(i64, String)>,
    actor: &Actor,
    action: &str,
    object: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(i64, String)> {
    let (id, prev) = match head {
        Some((id, h)) => (id + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at = crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let e = Entry {
        id,
        at: &at,
        actor: &actor.name,
        source: &actor.source,
        action,
        object,
        before,
        after,
        result: "ok",
    };
    let hash = keyring.hash(&prev, &e);
    c.exec(
        "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            id.into(),
            at.into(),
            (&actor.name).into(),
            (&actor.source).into(),
            action.into(),
            object.into(),
            before.into(),
            after.into(),
            "ok".into(),
            prev.into(),
            (&hash).into(),
        ],
    )?;
    Ok((id, hash))
}

/// The writer thread's connection: the statements a save runs, one at a time, on the thread
/// that owns it. Statements use `$1`, `$2` … (SQLite numbers `$N` by first appearance, which
/// is N when they appear in order, as here).
pub(crate) trait SaveConn: Send + 'static {
    /// Whether this is PostgreSQL (for the statements written per dialect).
    fn is_pg(&self) -> bool;
    /// Opens the batch's write transaction, holding the write lock from its start.
    fn begin(&mut self) -> Result<()>;
    /// A statement without arguments or rows (SAVEPOINT, RELEASE, COMMIT …).
    fn batch(&mut self, sql: &str) -> Result<()>;
    fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<()>;
    /// The first row, read by `f`.
    fn first<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: impl FnOnce(&dyn Col) -> Result<T>,
    ) -> Result<Option<T>>;
    /// Every row, each read by `f`.
    fn all<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Col) -> Result<T>,
    ) -> Result<Vec<T>>;
    /// Rolls back a transaction left open by a failure.
    fn abandon(&mut self);
    fn close(self);
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match self {
            Arg::Int(v) => v.map_or(ToSqlOutput::Owned(Value::Null), |v| v.into()),
            Arg::Real(v) => v.map_or(ToSqlOutput::Owned(Value::Null), |v| v.into()),
            Arg::Flag(v) => v.map_or(ToSqlOutput::Owned(Value::Null), |v| v.into()),
            Arg::Text(v) => match v {
                Some(s) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
                None => ToSqlOutput::Owned(Value::Null),
            },
        })
    }
}

impl SaveConn for rusqlite::Connection {
    fn is_pg(&self) -> bool {
        false
    }
    fn begin(&mut self) -> Result<()> {
        Ok(self.execute_batch("BEGIN IMMEDIATE")?)
    }
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }
    fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<()> {
        self.prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(())
    }
    fn first<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: impl FnOnce(&dyn Col) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        match rows.next()? {
            Some(row) => Ok(Some(f(row)?)),
            None => Ok(None),
        }
    }
    fn all<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Col) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(f(row)?);
        }
        Ok(out)
    }
    fn abandon(&mut self) {
        if !self.is_autocommit() {
            let _ = self.execute_batch("ROLLBACK");
        }
    }
    fn close(self) {
        let _ = rusqlite::Connection::close(self);
    }
}

/// A PostgreSQL connection driven by the writer thread's own runtime: each statement runs to
/// completion (`Runtime::block_on`) before the next, as a synchronous connection would.
struct PgSave {
    conn: sqlx::PgConnection,
    rt: tokio::runtime::Runtime,
    /// Whether a transaction is open.
    open: bool,
}

impl PgSave {
    fn run<T>(&mut self, f: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T>) -> Result<T> {
        let conn = &mut self.conn;
        self.rt.block_on(f(conn))
    }
}

impl SaveConn for PgSave {
    fn is_pg(&self) -> bool {
        true
    }
    fn begin(&mut self) -> Result<()> {
        self.batch("BEGIN")?;
        self.open = true;
        self.exec(
            "SELECT pg_advisory_xact_lock($1)",
            &[crate::PG_WRITE_LOCK.into()],
        )
    }
    fn batch(&mut self, sql: &str) -> Result<()> {
        let text = sql.to_string();
        self.run(async move |c| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(text)).execute(c).await?;
            Ok(())
        })?;
        if sql_ends(sql) {
            self.open = false;
        }
        Ok(())
    }
    fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<()> {
        let q = crate::db::query(sql.to_string()).args(args);
        self.run(async move |c| q.execute(c).await.map(drop))
    }
    fn first<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: impl FnOnce(&dyn Col) -> Result<T>,
    ) -> Result<Option<T>> {
        let q = crate::db::query(sql.to_string()).args(args);
        let row = self.run(async move |c| q.fetch_optional(c).await)?;
        row.map(|r| f(&r)).transpose()
    }
    fn all<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Col) -> Result<T>,
    ) -> Result<Vec<T>> {
        let q = crate::db::query(sql.to_string()).args(args);
        let rows = self.run(async move |c| q.fetch_all(c).await)?;
        rows.iter().map(|r| f(r)).collect()
    }
    fn abandon(&mut self) {
        if self.open {
            let _ = self.batch("ROLLBACK");
            self.open = false;
        }
    }
    fn close(self) {
        let PgSave { conn, rt, .. } = self;
        let _ = rt.block_on(sqlx::Connection::close(conn));
    }
}

/// Whether statements end the transaction (their last is COMMIT or ROLLBACK).
fn sql_ends(sql: &str) -> bool {
    let last = sql
        .trim()
        .trim_end_matches(';')
        .rsplit(';')
        .next()
        .unwrap_or("");
    matches!(last.trim(), "COMMIT" | "ROLLBACK")
}

/// The column access a report row needs, for both drivers' rows.
impl Col for rusqlite::Row<'_> {
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.get(col)?)
    }
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        Ok(self.get(col)?)
    }
    fn real(&self, col: &str) -> Result<f64> {
        Ok(self.get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool> {
        Ok(self.get(col)?)
    }
}
