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
use zhuanban_ledger::{
    Id, MilestoneId, Report, ReportState, RoundId, RoundState, TargetId, TaskId, UnitId,
};

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
    /// Several jobs that go into one batch together (each still stands or falls alone).
    Together(Vec<Job>),
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

    /// Saves reports each on its own (a refused one is answered with its refusal, the others
    /// are saved), all sent to the writer at once so that they are checked and committed in
    /// one batch; waits until they are committed.
    pub async fn save_each(&self, inputs: Vec<ReportInput>, actor: Actor) -> Vec<Result<Report>> {
        let mut answers = Vec::with_capacity(inputs.len());
        let jobs = inputs
            .into_iter()
            .map(|input| {
                let (reply, answer) = oneshot::channel();
                answers.push(answer);
                Job {
                    inputs: vec![input],
                    actor: actor.clone(),
                    reply,
                }
            })
            .collect();
        if self.tx.send(Ask::Together(jobs)).is_err() {
            return answers.iter().map(|_| Err(stopped())).collect();
        }
        let mut out = Vec::with_capacity(answers.len());
        for answer in answers {
            out.push(match answer.await {
                Ok(Ok(mut reports)) if !reports.is_empty() => Ok(reports.remove(0)),
                Ok(Ok(_)) => Err(StoreError::invalid("report", "报告未能写入")),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(stopped()),
            });
        }
        out
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
                Ask::Together(many) => jobs.extend(many),
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
    // PostgreSQL: the batch written together first; what it leaves, one at a time.
    if let Some(pg) = conn.as_pg() {
        waiting = commit_pg(pg, keyring, waiting);
        if waiting.is_empty() {
            return;
        }
    }
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

/// A save's task as the database has it.
struct TaskFacts {
    code: String,
    plan_id: Id,
    plan_version: i64,
}

/// A save's round as the database has it.
struct RoundFacts {
    name: String,
    state: String,
    plan_id: Id,
    plan_version: i64,
    due: String,
    demo: bool,
}

/// The first checks of a save (the same on every path): the task and the round exist, the
/// round is open and schedules the task's plan version. Gives back the task's number.
fn check_scope(
    input: &ReportInput,
    task: Option<TaskFacts>,
    round: Option<&RoundFacts>,
) -> Result<String> {
    let Some(task) = task else {
        return Err(StoreError::NotFound {
            what: "任务",
            id: input.task_id.to_string(),
        });
    };
    let Some(round) = round else {
        return Err(StoreError::NotFound {
            what: "调度轮次",
            id: input.round_id.to_string(),
        });
    };
    let round_name = &round.name;
    if RoundState::parse(&round.state) != Some(RoundState::Open) {
        return Err(StoreError::invalid(
            "round",
            format!("轮次“{round_name}”已关闭，不能再报送"),
        ));
    }
    if task.plan_id != round.plan_id || task.plan_version != round.plan_version {
        return Err(StoreError::invalid(
            "task",
            format!(
                "任务 {}（#{}）不属于轮次“{round_name}”所调度的方案版本",
                task.code, input.task_id
            ),
        ));
    }
    Ok(task.code)
}

/// The refusal of a save by a unit that neither leads nor supports the task.
fn not_a_member(input: &ReportInput, code: &str, unit_name: Option<String>) -> StoreError {
    let name = unit_name.unwrap_or_else(|| format!("单位 #{}", input.unit_id));
    StoreError::invalid(
        "unit",
        format!("“{name}”不是任务 {code} 的牵头或配合单位，不能报送"),
    )
}

/// The report itself against its task, by [`ReportDraft::check`] (the one check of a report,
/// in `zhuanban_ledger::input`).
fn check_content(input: &ReportInput, shape: TaskShape, round: &RoundFacts) -> Result<Checked> {
    let has_milestones = !shape.milestones.is_empty();
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
    let due = &round.due;
    let round_due = chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d")
        .map_err(|_| StoreError::invalid("due", format!("日期“{due}”格式不正确")))?;
    Ok(Checked {
        code: shape.code,
        round_due,
        has_milestones,
        demo_round: round.demo,
    })
}

/// The checks against the unit's report as it stands (none yet, or the one the save edits):
/// only demonstration data names its time; a submitted or accepted report is final; the save
/// names the version it read.
fn check_existing(input: &ReportInput, existing: Option<&Report>, demo_round: bool) -> Result<()> {
    if input.at.is_some() && !demo_round {
        return Err(StoreError::invalid("at", "只有演示数据可以指定报送时间"));
    }
    match existing {
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
        }
    }
    Ok(())
}

/// A save's state and times, as written.
struct Stamp {
    state: &'static str,
    submitted_at: Option<String>,
    late: bool,
    now: String,
}

fn stamp(input: &ReportInput, round_due: chrono::NaiveDate) -> Stamp {
    let state = if input.submit { "submitted" } else { "draft" };
    let at = input.at.unwrap_or_else(crate::clock::now);
    let submitted_at = input
        .submit
        .then(|| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let late = input.submit && at.with_timezone(&crate::clock::china()).date_naive() > round_due;
    let now = crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    Stamp {
        state,
        submitted_at,
        late,
        now,
    }
}

/// What a report save checks against the database: the round is open and schedules the task's
/// plan version; the unit leads or supports the task; then the report itself against its
/// task.
fn check_report(c: &mut impl SaveConn, input: &ReportInput) -> Result<Checked> {
    // The task, the round and the unit's role on the task in one statement (on PostgreSQL
    // each statement is a round trip), each NULL when missing. Arguments appear in order of
    // their numbers (SQLite numbers `$N` by first appearance).
    let (task, round, role): (Option<TaskFacts>, Option<RoundFacts>, Option<String>) = c
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
                let task = match r.opt_text("code")? {
                    Some(code) => Some(TaskFacts {
                        code,
                        plan_id: r.int("plan_id")?,
                        plan_version: r.int("plan_version")?,
                    }),
                    None => None,
                };
                let round = match r.opt_text("name")? {
                    Some(name) => Some(RoundFacts {
                        name,
                        state: r.text("state")?,
                        plan_id: r.int("round_plan")?,
                        plan_version: r.int("round_version")?,
                        due: r.text("due")?,
                        demo: r.flag("demo")?,
                    }),
                    None => None,
                };
                Ok((task, round, r.opt_text("role")?))
            },
        )?
        .ok_or_else(|| StoreError::invalid("report", "报告未能检查"))?;
    let code = check_scope(input, task, round.as_ref())?;
    let round = round.ok_or_else(|| StoreError::invalid("report", "报告未能检查"))?;
    if role.is_none() {
        let name: Option<String> = c.first(
            "SELECT name FROM units WHERE id = $1",
            &[input.unit_id.into()],
            |r| r.text("name"),
        )?;
        return Err(not_a_member(input, &code, name));
    }
    // The task's targets and milestones in one statement.
    let mut targets = Vec::new();
    let mut milestones: Vec<(MilestoneId, i64)> = Vec::new();
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
                    id: TargetId(r.int("id")?),
                    seq: r.int("seq")?,
                    kind: kind_parse(&r.text("kind")?),
                    value: r.real("value")?,
                    unit: r.text("unit")?,
                    metric: r.text("metric")?,
                });
            } else {
                milestones.push((MilestoneId(r.int("id")?), r.int("seq")?));
            }
            Ok(())
        },
    )?;
    check_content(
        input,
        TaskShape {
            code,
            targets,
            milestones,
        },
        &round,
    )
}

fn load(c: &mut impl SaveConn, sql: &str, args: &[Arg]) -> Result<Option<Report>> {
    c.first(sql, args, |r| report_from_row(r))
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
    let existing = load(
        c,
        sql.of,
        &[
            input.round_id.into(),
            input.task_id.into(),
            input.unit_id.into(),
        ],
    )?;
    check_existing(input, existing.as_ref(), demo_round)?;
    let Stamp {
        state,
        submitted_at,
        late,
        now,
    } = stamp(input, round_due);
    let (id, before) = match existing {
        Some(old) => {
            let (id, version) = (old.id, old.row_version);
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
        None => load(c, sql.by_id, &[id.into()])?.ok_or(StoreError::NotFound {
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
        &after,
    )?);
    Ok(report)
}

/// An audit record chained after a head, ready to be written.
struct Chained {
    id: i64,
    at: String,
    action: &'static str,
    object: String,
    before: Option<String>,
    after: String,
    prev: String,
    hash: String,
}

/// Chains a report save's audit record after `head` (the same for both paths).
fn chain(
    keyring: &audit::Keyring,
    head: Option<(i64, String)>,
    actor: &Actor,
    action: &'static str,
    object: String,
    before: Option<String>,
    after: String,
) -> Chained {
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
        object: &object,
        before: before.as_deref(),
        after: Some(&after),
        result: "ok",
    };
    let hash = keyring.hash(&prev, &e);
    Chained {
        id,
        at,
        action,
        object,
        before,
        after,
        prev,
        hash,
    }
}

/// Appends an audit record after `head` in the caller's transaction; gives back the new head.
#[allow(clippy::too_many_arguments)]
fn append_audit(
    c: &mut impl SaveConn,
    keyring: &audit::Keyring,
    head: Option<(i64, String)>,
    actor: &Actor,
    action: &'static str,
    object: &str,
    before: Option<&str>,
    after: &str,
) -> Result<(i64, String)> {
    let e = chain(
        keyring,
        head,
        actor,
        action,
        object.to_string(),
        before.map(str::to_string),
        after.to_string(),
    );
    c.exec(
        "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            e.id.into(),
            (&e.at).into(),
            (&actor.name).into(),
            (&actor.source).into(),
            e.action.into(),
            (&e.object).into(),
            e.before.as_deref().into(),
            e.after.as_str().into(),
            "ok".into(),
            (&e.prev).into(),
            (&e.hash).into(),
        ],
    )?;
    Ok((e.id, e.hash))
}

/// The writer thread's connection: the statements a save runs, one at a time, on the thread
/// that owns it. Statements use `$1`, `$2` … (SQLite numbers `$N` by first appearance, which
/// is N when they appear in order, as here).
pub(crate) trait SaveConn: Send + 'static {
    /// Whether this is PostgreSQL (for the statements written per dialect).
    fn is_pg(&self) -> bool;
    /// PostgreSQL's connection, whose batches are written together ([`commit_pg`]).
    fn as_pg(&mut self) -> Option<&mut PgSave> {
        None
    }
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
pub(crate) struct PgSave {
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
    fn as_pg(&mut self) -> Option<&mut PgSave> {
        Some(self)
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

/// What became of a job in a batch written together (PostgreSQL's path, [`commit_pg`]).
enum Fate {
    Saved(Vec<Report>),
    Refused(StoreError),
    /// Left to the one-at-a-time path after the batch's commit: it writes a report that an
    /// earlier save of the batch writes too (or the same report twice).
    Later,
}

/// The targets and milestones of each task of a batch, by task id.
type Shapes = std::collections::HashMap<TaskId, (Vec<TargetShape>, Vec<(MilestoneId, i64)>)>;

/// A report's key: (round, task, unit).
type ReportKey = (RoundId, TaskId, UnitId);

/// A save of the batch that passed its checks, with what it writes.
struct Planned<'a> {
    input: &'a ReportInput,
    actor: &'a Actor,
    code: String,
    demo: bool,
    stamp: Stamp,
    existing: Option<Report>,
}

/// What the batch's check statement says about one save.
#[derive(Default)]
struct Facts {
    task: Option<TaskFacts>,
    round: Option<RoundFacts>,
    role: Option<String>,
    unit_name: Option<String>,
    existing: Option<Report>,
}

/// A save's report: (round, task, unit).
fn key(input: &ReportInput) -> ReportKey {
    (input.round_id, input.task_id, input.unit_id)
}

/// PostgreSQL: checks and writes a batch of saves with half a dozen statements in all, whatever
/// the batch's size (one at a time, a save costs about ten round trips): every save's checks
/// read by one statement, then the new reports inserted by one and everything else of every
/// accepted save (edited reports, values, milestone states) written by one (arrays unnested),
/// evidence by one, the reports read back by one, their audit records chained in memory and
/// written by one. The checks are the one-at-a-time path's ([`check_scope`], [`check_content`],
/// [`check_existing`]), made on what was read, in the batch's order, so a refused save is
/// simply not written and takes no other down with it. A save whose report an earlier save
/// of the batch writes too is left to the one-at-a-time path after this batch's commit.
///
/// Gives back the jobs the one-at-a-time path still has to do: those left over, or the whole
/// batch again (rolled back) when a statement failed, where each save then stands alone in
/// its savepoint. Every other job is answered after the commit.
fn commit_pg(
    pg: &mut PgSave,
    keyring: &audit::Keyring,
    waiting: std::collections::VecDeque<Job>,
) -> std::collections::VecDeque<Job> {
    let jobs: Vec<Job> = waiting.into();
    pg.open = true;
    let outcome = {
        let PgSave { conn, rt, .. } = &mut *pg;
        rt.block_on(write_batch_pg(conn, keyring, &jobs))
    };
    match outcome {
        Ok((fates, head)) => {
            pg.open = false;
            if let Some((id, h)) = &head {
                // Best effort: the next batch anchors the committed head again before it writes.
                let _ = keyring.anchor(*id, h);
            }
            let mut later = std::collections::VecDeque::new();
            for (job, fate) in jobs.into_iter().zip(fates) {
                match fate {
                    Fate::Saved(reports) => {
                        let _ = job.reply.send(Ok(reports));
                    }
                    Fate::Refused(e) => {
                        let _ = job.reply.send(Err(e));
                    }
                    Fate::Later => later.push_back(job),
                }
            }
            later
        }
        Err(_) => {
            pg.abandon();
            jobs.into()
        }
    }
}

/// The transaction of [`commit_pg`]: gives back each job's fate (in order) and the chain's
/// new head, once committed.
async fn write_batch_pg(
    c: &mut sqlx::PgConnection,
    keyring: &audit::Keyring,
    jobs: &[Job],
) -> Result<(Vec<Fate>, Option<(i64, String)>)> {
    use sqlx::Row as _;
    // One round trip (the simple query protocol, several statements in one message) opens
    // the transaction, takes the write lock, and reads the chain's head, every save's checks
    // and the targets and milestones of every task of the batch. Its arguments are ids
    // (numbers, written into the statements as array literals).
    let inputs: Vec<&ReportInput> = jobs.iter().flat_map(|j| &j.inputs).collect();
    let array = |f: fn(&ReportInput) -> i64| {
        let ids: Vec<String> = inputs.iter().map(|&i| f(i).to_string()).collect();
        format!("'{{{}}}'", ids.join(","))
    };
    let checks = crate::ledger::PG_SAVE_CHECKS
        .replace("$1", &array(|i| i.round_id.get()))
        .replace("$2", &array(|i| i.task_id.get()))
        .replace("$3", &array(|i| i.unit_id.get()));
    let tasks = array(|i| i.task_id.get());
    let sql = format!(
        "BEGIN;
         SELECT pg_advisory_xact_lock({lock});
         SELECT id AS head_id, hash AS head_hash FROM audit ORDER BY id DESC LIMIT 1;
         {checks};
         SELECT 'target' AS what, task_id, id, seq, kind, value, unit, metric FROM targets
         WHERE task_id = ANY(CAST({tasks} AS BIGINT[]))
         UNION ALL
         SELECT 'milestone' AS what, task_id, id, seq, '' AS kind,
                CAST(0 AS DOUBLE PRECISION) AS value, '' AS unit, '' AS metric
         FROM milestones WHERE task_id = ANY(CAST({tasks} AS BIGINT[]))
         ORDER BY what DESC, task_id, seq, id",
        lock = crate::PG_WRITE_LOCK,
    );
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    let mut head: Option<(i64, String)> = None;
    let mut facts: Vec<Facts> = Vec::with_capacity(inputs.len());
    facts.resize_with(inputs.len(), Facts::default);
    let mut seen = vec![false; inputs.len()];
    let mut shapes: Shapes = std::collections::HashMap::new();
    for row in rows {
        if row.try_column("head_id").is_ok() {
            head = Some((row.try_get("head_id")?, row.try_get("head_hash")?));
        } else if row.try_column("what").is_ok() {
            let row = crate::db::Row::Pg(row);
            let shape = shapes.entry(TaskId(row.int("task_id")?)).or_default();
            if row.text("what")? == "target" {
                shape.0.push(TargetShape {
                    id: TargetId(row.int("id")?),
                    seq: row.int("seq")?,
                    kind: kind_parse(&row.text("kind")?),
                    value: row.real("value")?,
                    unit: row.text("unit")?,
                    metric: row.text("metric")?,
                });
            } else {
                shape.1.push((MilestoneId(row.int("id")?), row.int("seq")?));
            }
        } else if row.try_column("n").is_ok() {
            let n: i64 = row.try_get("n")?;
            let Some(i) = usize::try_from(n - 1).ok().filter(|&i| i < facts.len()) else {
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let existing = row.try_get::<Option<i64>, _>("id")?.is_some();
            let row = crate::db::Row::Pg(row);
            let f = &mut facts[i];
            f.task = match row.opt_text("t_code")? {
                Some(code) => Some(TaskFacts {
                    code,
                    plan_id: row.int("t_plan")?,
                    plan_version: row.int("t_version")?,
                }),
                None => None,
            };
            f.round = match row.opt_text("rd_name")? {
                Some(name) => Some(RoundFacts {
                    name,
                    state: row.text("rd_state")?,
                    plan_id: row.int("rd_plan")?,
                    plan_version: row.int("rd_version")?,
                    due: row.text("rd_due")?,
                    demo: row.flag("rd_demo")?,
                }),
                None => None,
            };
            f.role = row.opt_text("tu_role")?;
            f.unit_name = row.opt_text("u_name")?;
            if existing {
                f.existing = Some(report_from_row(&row)?);
            }
        }
    }
    if let Some((id, h)) = &head {
        keyring
            .anchor(*id, h)
            .map_err(|e| StoreError::invalid("audit", format!("无法写入审计锚定文件：{e}")))?;
    }

    // Each job's checks, in order.
    let mut fates: Vec<Fate> = Vec::with_capacity(jobs.len());
    let mut planned: Vec<Planned> = Vec::new();
    let mut written: std::collections::HashSet<ReportKey> = std::collections::HashSet::new();
    let mut facts = facts.into_iter();
    for job in jobs {
        let job_facts: Vec<Facts> = facts.by_ref().take(job.inputs.len()).collect();
        let keys: Vec<ReportKey> = job.inputs.iter().map(key).collect();
        let mut distinct = keys.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != keys.len() || keys.iter().any(|k| written.contains(k)) {
            fates.push(Fate::Later);
            continue;
        }
        let mut plans = Vec::with_capacity(job.inputs.len());
        let mut refusal = None;
        for (input, f) in job.inputs.iter().zip(job_facts) {
            match plan_save(input, &job.actor, f, &shapes) {
                Ok(p) => plans.push(p),
                Err(e) => {
                    refusal = Some(e);
                    break;
                }
            }
        }
        match refusal {
            Some(e) => fates.push(Fate::Refused(e)),
            None => {
                written.extend(keys);
                planned.extend(plans);
                fates.push(Fate::Saved(Vec::new()));
            }
        }
    }

    let mut report_ids: std::collections::HashMap<ReportKey, Id> = std::collections::HashMap::new();
    if !planned.is_empty() {
        report_ids = write_planned(c, &planned).await?;
    }
    // Their audit records, chained in the batch's order.
    let mut audit: Vec<(Chained, &Actor)> = Vec::with_capacity(planned.len());
    let mut reports: Vec<Report> = Vec::with_capacity(planned.len());
    for p in &planned {
        let id = report_ids
            .get(&key(p.input))
            .copied()
            .ok_or_else(|| StoreError::invalid("report", "报告未能写入"))?;
        let report = as_written(p, id)?;
        let object = format!(
            "report#{} round#{} task {}",
            report.id, p.input.round_id, p.code
        );
        let action = if p.input.submit {
            "report.submit"
        } else {
            "report.save_draft"
        };
        let e = chain(
            keyring,
            head.take(),
            p.actor,
            action,
            object,
            p.existing.as_ref().map(report_json),
            report_json(&report),
        );
        head = Some((e.id, e.hash.clone()));
        audit.push((e, p.actor));
        reports.push(report);
    }
    if !audit.is_empty() {
        let col = |f: fn(&(Chained, &Actor)) -> String| audit.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
             SELECT * FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS TEXT[]), CAST($3 AS TEXT[]),
                  CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]), CAST($7 AS TEXT[]),
                  CAST($8 AS TEXT[]), CAST($9 AS TEXT[]), CAST($10 AS TEXT[]), CAST($11 AS TEXT[]))",
        )
        .bind(audit.iter().map(|(e, _)| e.id).collect::<Vec<i64>>())
        .bind(col(|(e, _)| e.at.clone()))
        .bind(col(|(_, a)| a.name.clone()))
        .bind(col(|(_, a)| a.source.clone()))
        .bind(col(|(e, _)| e.action.to_string()))
        .bind(col(|(e, _)| e.object.clone()))
        .bind(audit.iter().map(|(e, _)| e.before.clone()).collect::<Vec<Option<String>>>())
        .bind(col(|(e, _)| e.after.clone()))
        .bind(col(|_| "ok".to_string()))
        .bind(col(|(e, _)| e.prev.clone()))
        .bind(col(|(e, _)| e.hash.clone()))
        .execute(&mut *c)
        .await?;
    }
    sqlx::raw_sql("COMMIT").execute(&mut *c).await?;
    // The reports to their jobs, in order.
    let mut reports = reports.into_iter();
    for (fate, job) in fates.iter_mut().zip(jobs) {
        if let Fate::Saved(out) = fate {
            out.extend(reports.by_ref().take(job.inputs.len()));
        }
    }
    Ok((fates, head))
}

/// A report as [`write_planned`] leaves it in the database, made from what was written
/// rather than read back (a round trip and three aggregations fewer per batch): the report
/// read before, if any, with the save's fields, values, milestone states and evidence over
/// it. Read back it is the same, field by field (the conformance suite's
/// `a_report_reads_back_exactly_as_saved` compares them on every save it makes).
fn as_written(p: &Planned<'_>, id: Id) -> Result<Report> {
    let input = p.input;
    let mut values: Vec<zhuanban_ledger::TargetValue> = input
        .values
        .iter()
        .map(|&(target_id, value)| zhuanban_ledger::TargetValue { target_id, value })
        .collect();
    values.sort_by_key(|v| v.target_id);
    let mut milestones: Vec<zhuanban_ledger::MilestoneState> = input
        .milestones
        .iter()
        .map(
            |&(milestone_id, done, done_on)| zhuanban_ledger::MilestoneState {
                milestone_id,
                done,
                done_on,
            },
        )
        .collect();
    milestones.sort_by_key(|m| m.milestone_id);
    // Evidence is only added (a file already attached, by its hash, is kept as it was).
    let mut evidence = p
        .existing
        .as_ref()
        .map(|r| r.evidence.clone())
        .unwrap_or_default();
    for e in &input.evidence {
        if !evidence.iter().any(|x| x.sha256 == e.sha256) {
            evidence.push(e.clone());
        }
    }
    evidence.sort_by(|a, b| (&a.name, &a.sha256).cmp(&(&b.name, &b.sha256)));
    let submitted_at = match &p.stamp.submitted_at {
        Some(s) => Some(crate::ledger::time(s)?),
        None => p.existing.as_ref().and_then(|r| r.submitted_at),
    };
    Ok(Report {
        id,
        round_id: input.round_id,
        task_id: input.task_id,
        unit_id: input.unit_id,
        state: ReportState::parse(p.stamp.state).unwrap_or(ReportState::Draft),
        values,
        milestones,
        narrative: input.narrative.clone(),
        problems: input.problems.clone(),
        next_steps: input.next_steps.clone(),
        evidence,
        author: p.actor.name.clone(),
        submitted_at,
        late: p.stamp.late,
        reviewed_by: p.existing.as_ref().and_then(|r| r.reviewed_by.clone()),
        reviewed_at: p.existing.as_ref().and_then(|r| r.reviewed_at),
        return_reason: p.existing.as_ref().and_then(|r| r.return_reason.clone()),
        row_version: p.existing.as_ref().map_or(1, |r| r.row_version + 1),
    })
}

/// One save's checks on what the batch read (see [`write_batch_pg`]); what it will write.
fn plan_save<'a>(
    input: &'a ReportInput,
    actor: &'a Actor,
    facts: Facts,
    shapes: &Shapes,
) -> Result<Planned<'a>> {
    let code = check_scope(input, facts.task, facts.round.as_ref())?;
    let round = facts
        .round
        .ok_or_else(|| StoreError::invalid("report", "报告未能检查"))?;
    if facts.role.is_none() {
        return Err(not_a_member(input, &code, facts.unit_name));
    }
    let (targets, milestones) = shapes.get(&input.task_id).cloned().unwrap_or_default();
    let checked = check_content(
        input,
        TaskShape {
            code,
            targets,
            milestones,
        },
        &round,
    )?;
    check_existing(input, facts.existing.as_ref(), checked.demo_round)?;
    Ok(Planned {
        input,
        actor,
        code: checked.code,
        demo: checked.demo_round,
        stamp: stamp(input, checked.round_due),
        existing: facts.existing,
    })
}

/// Writes the batch's accepted saves: each table's rows by one statement.
/// Gives back each save's report id.
async fn write_planned(
    c: &mut sqlx::PgConnection,
    planned: &[Planned<'_>],
) -> Result<std::collections::HashMap<ReportKey, Id>> {
    let (old, new): (Vec<&Planned>, Vec<&Planned>) =
        planned.iter().partition(|p| p.existing.is_some());
    type Texts = Vec<String>;
    let texts =
        |ps: &[&Planned], f: fn(&Planned) -> String| ps.iter().map(|&p| f(p)).collect::<Texts>();
    let mut ids: std::collections::HashMap<ReportKey, Id> = std::collections::HashMap::new();
    if !new.is_empty() {
        let rows: Vec<(Id, Id, Id, Id)> = sqlx::query_as(
            "INSERT INTO reports (round_id, task_id, unit_id, state, narrative, problems, next_steps,
                                  author, submitted_at, late, demo, updated_at)
             SELECT * FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]),
                  CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]), CAST($7 AS TEXT[]),
                  CAST($8 AS TEXT[]), CAST($9 AS TEXT[]), CAST($10 AS BOOLEAN[]),
                  CAST($11 AS BOOLEAN[]), CAST($12 AS TEXT[]))
             RETURNING id, round_id, task_id, unit_id",
        )
        .bind(new.iter().map(|p| p.input.round_id.get()).collect::<Vec<Id>>())
        .bind(new.iter().map(|p| p.input.task_id.get()).collect::<Vec<Id>>())
        .bind(new.iter().map(|p| p.input.unit_id.get()).collect::<Vec<Id>>())
        .bind(texts(&new, |p| p.stamp.state.to_string()))
        .bind(texts(&new, |p| p.input.narrative.clone()))
        .bind(texts(&new, |p| p.input.problems.clone()))
        .bind(texts(&new, |p| p.input.next_steps.clone()))
        .bind(texts(&new, |p| p.actor.name.clone()))
        .bind(new.iter().map(|p| p.stamp.submitted_at.clone()).collect::<Vec<Option<String>>>())
        .bind(new.iter().map(|p| p.stamp.late).collect::<Vec<bool>>())
        .bind(new.iter().map(|p| p.demo).collect::<Vec<bool>>())
        .bind(texts(&new, |p| p.stamp.now.clone()))
        .fetch_all(&mut *c)
        .await?;
        for (id, round_id, task_id, unit_id) in rows {
            ids.insert((RoundId(round_id), TaskId(task_id), UnitId(unit_id)), id);
        }
    }
    for (p, id) in old
        .iter()
        .filter_map(|p| p.existing.as_ref().map(|r| (p, r.id)))
    {
        ids.insert(key(p.input), id);
    }
    let id_of = |p: &Planned| -> Result<Id> {
        ids.get(&key(p.input))
            .copied()
            .ok_or_else(|| StoreError::invalid("report", "报告未能写入"))
    };
    let (mut v_report, mut v_target, mut v_value) = (Vec::new(), Vec::new(), Vec::new());
    let (mut m_report, mut m_id, mut m_done, mut m_on) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut e_report, mut e_sha, mut e_name, mut e_size, mut e_mime) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in planned {
        let id = id_of(p)?;
        for &(target_id, value) in &p.input.values {
            v_report.push(id);
            v_target.push(target_id.get());
            v_value.push(value);
        }
        for &(mid, done, done_on) in &p.input.milestones {
            m_report.push(id);
            m_id.push(mid.get());
            m_done.push(done);
            m_on.push(done_on.map(|d| d.to_string()));
        }
        for e in &p.input.evidence {
            e_report.push(id);
            e_sha.push(e.sha256.clone());
            e_name.push(e.name.clone());
            e_size.push(e.size as i64);
            e_mime.push(e.mime.clone());
        }
    }
    // One statement for the rest: the edited reports updated (each at the version it was
    // read at), their values and milestone states that the save no longer has deleted, and
    // every save's values and milestone states written over what stands (the rows a save
    // keeps are updated in place, only when they change). The deletes and the writes touch
    // different rows, so their order within the statement does not matter.
    let old_ids: Vec<Id> = old
        .iter()
        .filter_map(|p| p.existing.as_ref().map(|r| r.id))
        .collect();
    if !old_ids.is_empty() || !v_report.is_empty() || !m_report.is_empty() {
        let updated: i64 = sqlx::query_scalar(
            "WITH upd AS (
               UPDATE reports SET state = u.state, narrative = u.narrative, problems = u.problems,
                      next_steps = u.next_steps, author = u.author,
                      submitted_at = COALESCE(u.submitted_at, reports.submitted_at), late = u.late,
                      row_version = reports.row_version + 1, updated_at = u.updated_at
               FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS TEXT[]),
                    CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]), CAST($7 AS TEXT[]),
                    CAST($8 AS TEXT[]), CAST($9 AS BOOLEAN[]), CAST($10 AS TEXT[]))
                    AS u(id, version, state, narrative, problems, next_steps, author, submitted_at,
                         late, updated_at)
               WHERE reports.id = u.id AND reports.row_version = u.version
               RETURNING reports.id),
             v AS (SELECT * FROM UNNEST(CAST($11 AS BIGINT[]), CAST($12 AS BIGINT[]),
                                        CAST($13 AS DOUBLE PRECISION[])) AS v(report_id, target_id, value)),
             m AS (SELECT * FROM UNNEST(CAST($14 AS BIGINT[]), CAST($15 AS BIGINT[]),
                                        CAST($16 AS BOOLEAN[]), CAST($17 AS TEXT[]))
                        AS m(report_id, milestone_id, done, done_on)),
             dv AS (DELETE FROM report_values d WHERE d.report_id = ANY(CAST($1 AS BIGINT[]))
                      AND NOT EXISTS (SELECT 1 FROM v WHERE v.report_id = d.report_id
                                                        AND v.target_id = d.target_id)),
             dm AS (DELETE FROM report_milestones d WHERE d.report_id = ANY(CAST($1 AS BIGINT[]))
                      AND NOT EXISTS (SELECT 1 FROM m WHERE m.report_id = d.report_id
                                                        AND m.milestone_id = d.milestone_id)),
             iv AS (INSERT INTO report_values (report_id, target_id, value)
                    SELECT report_id, target_id, value FROM v
                    ON CONFLICT (report_id, target_id) DO UPDATE SET value = EXCLUDED.value
                    WHERE report_values.value IS DISTINCT FROM EXCLUDED.value),
             im AS (INSERT INTO report_milestones (report_id, milestone_id, done, done_on)
                    SELECT report_id, milestone_id, done, done_on FROM m
                    ON CONFLICT (report_id, milestone_id)
                    DO UPDATE SET done = EXCLUDED.done, done_on = EXCLUDED.done_on
                    WHERE (report_milestones.done, report_milestones.done_on)
                          IS DISTINCT FROM (EXCLUDED.done, EXCLUDED.done_on))
             SELECT CAST(COUNT(*) AS BIGINT) FROM upd",
        )
        .bind(&old_ids)
        .bind(
            old.iter()
                .filter_map(|p| p.existing.as_ref().map(|r| r.row_version))
                .collect::<Vec<i64>>(),
        )
        .bind(texts(&old, |p| p.stamp.state.to_string()))
        .bind(texts(&old, |p| p.input.narrative.clone()))
        .bind(texts(&old, |p| p.input.problems.clone()))
        .bind(texts(&old, |p| p.input.next_steps.clone()))
        .bind(texts(&old, |p| p.actor.name.clone()))
        .bind(
            old.iter()
                .map(|p| p.stamp.submitted_at.clone())
                .collect::<Vec<Option<String>>>(),
        )
        .bind(old.iter().map(|p| p.stamp.late).collect::<Vec<bool>>())
        .bind(texts(&old, |p| p.stamp.now.clone()))
        .bind(&v_report)
        .bind(&v_target)
        .bind(&v_value)
        .bind(&m_report)
        .bind(&m_id)
        .bind(&m_done)
        .bind(&m_on)
        .fetch_one(&mut *c)
        .await?;
        if updated != old_ids.len() as i64 {
            // Under the write lock nothing else changes a report: this is not a refusal of
            // one save but a failed batch (rolled back; the one-at-a-time path takes it again).
            return Err(StoreError::invalid("report", "报告未能更新"));
        }
    }
    if !e_report.is_empty() {
        sqlx::query(
            "INSERT INTO evidence (report_id, sha256, name, size, mime)
             SELECT * FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS TEXT[]), CAST($3 AS TEXT[]),
                                  CAST($4 AS BIGINT[]), CAST($5 AS TEXT[]))
             ON CONFLICT DO NOTHING",
        )
        .bind(&e_report)
        .bind(&e_sha)
        .bind(&e_name)
        .bind(&e_size)
        .bind(&e_mime)
        .execute(&mut *c)
        .await?;
    }
    Ok(ids)
}
