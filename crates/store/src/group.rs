//! Report saves on SQLite: one writer thread, group commit.
//!
//! A durable commit costs one fsync, and the statements of a save cost microseconds when they
//! run on the thread that owns the connection (through sqlx, each statement is a round trip
//! between the async task and sqlx's connection thread, two thread wake-ups apiece). So report
//! saves are sent to one thread that owns its own connection to the database file: it takes
//! every save waiting (up to [`MAX_BATCH`]), and in one `BEGIN IMMEDIATE` transaction checks
//! and writes each inside its own savepoint, then commits them all with one fsync. A refused
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

use rusqlite::{OptionalExtension, params};
use tokio::sync::oneshot;
use zhuanban_ledger::input::{ReportDraft, TargetShape, TaskShape};
use zhuanban_ledger::{Id, Report, ReportState, RoundState};

use crate::audit::{self, Entry, GENESIS};
use crate::sqlite::{
    Col, REPORT_BY_ID, REPORT_OF, UPDATE_REPORT, kind_parse, report_from_row, report_json,
};
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
    /// Opens the writer's connection to the database file and starts its thread.
    pub fn start(path: &Path, keyring: std::sync::Arc<audit::Keyring>) -> Result<Committer> {
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

fn run(mut conn: rusqlite::Connection, keyring: &audit::Keyring, rx: mpsc::Receiver<Ask>) {
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
    let _ = conn.close();
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

type Done = Vec<(oneshot::Sender<Result<Vec<Report>>>, Vec<Report>)>;

/// Writes and commits one batch, answering every job.
fn commit(
    conn: &mut rusqlite::Connection,
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
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
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
    conn: &mut rusqlite::Connection,
    keyring: &audit::Keyring,
    waiting: &mut std::collections::VecDeque<Job>,
    done: &mut Done,
) -> Result<Option<(i64, String)>> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut head: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, h)) = &head {
        keyring
            .anchor(*id, h)
            .map_err(|e| StoreError::invalid("audit", format!("无法写入审计锚定文件：{e}")))?;
    }
    while let Some(job) = waiting.pop_front() {
        conn.execute_batch("SAVEPOINT save")?;
        let mut chain = head.clone();
        let written: Result<Vec<Report>> = job
            .inputs
            .iter()
            .map(|input| write_report(conn, input, &job.actor, keyring, &mut chain))
            .collect();
        match written {
            Ok(reports) => {
                conn.execute_batch("RELEASE save")?;
                head = chain;
                done.push((job.reply, reports));
            }
            Err(e) => {
                // A refusal (or a failed statement) undoes this job only.
                let _ = job.reply.send(Err(e));
                conn.execute_batch("ROLLBACK TO save; RELEASE save")?;
            }
        }
    }
    conn.execute_batch("COMMIT")?;
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
fn check_report(c: &rusqlite::Connection, input: &ReportInput) -> Result<Checked> {
    let (plan_id, plan_version, code): (Id, i64, String) = c
        .prepare_cached("SELECT plan_id, plan_version, code FROM tasks WHERE id = ?")?
        .query_row([input.task_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "任务",
            id: input.task_id.to_string(),
        })?;
    let round: (String, String, Id, i64, String, bool) = c
        .prepare_cached(
            "SELECT name, state, plan_id, plan_version, due, demo FROM rounds WHERE id = ?",
        )?
        .query_row([input.round_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "调度轮次",
            id: input.round_id.to_string(),
        })?;
    let (round_name, state, round_plan, round_version, due, demo_round) = round;
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
    let role: Option<String> = c
        .prepare_cached("SELECT role FROM task_units WHERE task_id = ? AND unit_id = ?")?
        .query_row([input.task_id, input.unit_id], |r| r.get(0))
        .optional()?;
    if role.is_none() {
        let name: Option<String> = c
            .prepare_cached("SELECT name FROM units WHERE id = ?")?
            .query_row([input.unit_id], |r| r.get(0))
            .optional()?;
        let name = name.unwrap_or_else(|| format!("单位 #{}", input.unit_id));
        return Err(StoreError::invalid(
            "unit",
            format!("“{name}”不是任务 {code} 的牵头或配合单位，不能报送"),
        ));
    }
    let targets = c
        .prepare_cached("SELECT id, seq, kind, value, unit, metric FROM targets WHERE task_id = ?")?
        .query_map([input.task_id], |r| {
            Ok(TargetShape {
                id: r.get(0)?,
                seq: r.get(1)?,
                kind: kind_parse(&r.get::<_, String>(2)?),
                value: r.get(3)?,
                unit: r.get(4)?,
                metric: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let milestones: Vec<(Id, i64)> = c
        .prepare_cached("SELECT id, seq FROM milestones WHERE task_id = ?")?
        .query_map([input.task_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
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

fn load(c: &rusqlite::Connection, sql: &str, args: &[Id]) -> Result<Option<Report>> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    match rows.next()? {
        Some(row) => Ok(Some(report_from_row(row)?)),
        None => Ok(None),
    }
}

/// Checks and writes one report in the caller's transaction, chaining its audit record after
/// `head` (which it moves on).
fn write_report(
    c: &rusqlite::Connection,
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
    let existing = load(
        c,
        REPORT_OF,
        &[input.round_id, input.task_id, input.unit_id],
    )?;
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
            c.prepare_cached("DELETE FROM report_values WHERE report_id = ?")?
                .execute([id])?;
            // A task without milestones has no milestone states to replace.
            if has_milestones {
                c.prepare_cached("DELETE FROM report_milestones WHERE report_id = ?")?
                    .execute([id])?;
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
                .prepare_cached(
                    "INSERT INTO reports (round_id, task_id, unit_id, state, narrative, problems, next_steps, author,
                     submitted_at, late, demo, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )?
                .query_row(
                    params![
                        input.round_id,
                        input.task_id,
                        input.unit_id,
                        state,
                        input.narrative,
                        input.problems,
                        input.next_steps,
                        actor.name,
                        submitted_at,
                        late,
                        demo_round,
                        now,
                    ],
                    |r| r.get(0),
                )?;
            (id, None)
        }
    };
    {
        let mut ins = c.prepare_cached(
            "INSERT INTO report_values (report_id, target_id, value) VALUES (?, ?, ?)",
        )?;
        for &(target_id, value) in &input.values {
            ins.execute(params![id, target_id, value])?;
        }
    }
    if !input.milestones.is_empty() {
        let mut ins = c.prepare_cached(
            "INSERT INTO report_milestones (report_id, milestone_id, done, done_on) VALUES (?, ?, ?, ?)",
        )?;
        for &(mid, done, done_on) in &input.milestones {
            ins.execute(params![id, mid, done, done_on.map(|d| d.to_string())])?;
        }
    }
    for e in &input.evidence {
        c.prepare_cached(
            "INSERT OR IGNORE INTO evidence (report_id, sha256, name, size, mime) VALUES (?, ?, ?, ?, ?)",
        )?
        .execute(params![id, e.sha256, e.name, e.size as i64, e.mime])?;
    }
    let report = match &before {
        // The update last, so that it returns the whole report as it now stands.
        Some((_, version)) => {
            let mut stmt = c.prepare_cached(UPDATE_REPORT)?;
            let mut rows = stmt.query(params![
                state,
                input.narrative,
                input.problems,
                input.next_steps,
                actor.name,
                submitted_at,
                late,
                now,
                id,
                version
            ])?;
            let row = rows.next()?.ok_or(StoreError::Conflict {
                what: "报告",
                id,
                current: version + 1,
                given: *version,
            })?;
            report_from_row(row)?
        }
        None => load(c, REPORT_BY_ID, &[id])?.ok_or(StoreError::NotFound {
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
    c: &rusqlite::Connection,
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
    c.prepare_cached(
        "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        id,
        at,
        actor.name,
        actor.source,
        action,
        object,
        before,
        after,
        "ok",
        prev,
        hash
    ])?;
    Ok((id, hash))
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
}
