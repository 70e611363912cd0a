//! What a judgement reads, for several plans at once.
//!
//! Judging a plan reads its record, its rounds, the tasks of the plan version judged, the
//! accepted values and milestones, granted extensions, the lead units' reports in the round
//! judged, its units and its targets linked to monitoring data. Each is read here by one
//! statement for any number of plans (`plan_id IN ($1, $2, …)`), so judging a province's
//! thousand plans costs a dozen statements per batch instead of a dozen per plan. The
//! one-plan reads of the store ([`crate::Store::tasks`], [`Db::snapshot_of`],
//! [`crate::Store::units`] …)
//! are these with one plan: there is one way to read each.
//!
//! Rows whose use depends on each plan's own date (values and milestones up to the date
//! judged, whether a task ever had an accepted report) are read up to the latest date asked
//! and sorted out by plan in memory; ties the statements used to leave to the database
//! (several lead units' reports in one round) are broken by report id, so a plan reads the
//! same alone and in a batch.
//!
//! The reports table is the ledger's widest (a report's text) and largest: the snapshot reads
//! it once, for the accepted reports of the plans' rounds, and keeps in memory which were a
//! lead unit's. Values and milestones are then read by the plans' targets and milestones,
//! without the reports, and kept when their report is one of those; task codes are numbered
//! per plan instead of carried on every row. On a province's ledger (500 plans a batch) the
//! database answered in less than half the time it took with the reports joined into every
//! statement.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use zhuanban_ledger::evaluate::{
    LeadReport, MilestoneView, PlanView, Snapshot, TargetView, TaskView, is_mean_bound,
};
use zhuanban_ledger::{
    Id, MilestoneId, MilestoneRecord, PlanRecord, ReportState, Round, RoundId, TargetRecord,
    TaskId, TaskRecord, UnitId, UnitRecord,
};

use crate::db::{self, Arg};
use crate::ledger::{
    Col, cmp_parse, code_order, date, hardness_parse, kind_parse, opt_date, plan_from_row,
    round_from_row,
};
use crate::{Db, Result, StoreError};

/// The most plans one statement names (each plan one or two arguments; both backends take
/// far more, this keeps statements and their plans small).
pub const MAX_PLANS: usize = 500;

/// `$from, $from + 1, …`: the placeholders of `n` arguments.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The distinct ids of a list, in order of first appearance.
fn distinct<T: Copy + Eq + std::hash::Hash>(ids: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// A task read by [`Db::tasks_of`], found by its id.
fn task_mut<'a>(
    home: &HashMap<TaskId, (Id, i64)>,
    by_version: &'a mut HashMap<(Id, i64), BTreeMap<TaskId, TaskRecord>>,
    id: TaskId,
) -> Option<&'a mut TaskRecord> {
    by_version.get_mut(home.get(&id)?)?.get_mut(&id)
}

/// What one snapshot is made of: the plan, the round whose reporting is judged, the tasks of
/// the plan version judged (all three read by the caller) and the date of the judgement.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotOf<'a> {
    pub plan: &'a PlanRecord,
    pub round: Option<&'a Round>,
    pub tasks: &'a [TaskRecord],
    pub as_of: NaiveDate,
}

/// Dates as read (a handful of distinct ones among many rows), parsed once each.
#[derive(Default)]
struct Dates(HashMap<String, NaiveDate>);

impl Dates {
    fn get(&mut self, s: String) -> Result<NaiveDate> {
        if let Some(d) = self.0.get(&s) {
            return Ok(*d);
        }
        let d = date(&s)?;
        self.0.insert(s, d);
        Ok(d)
    }
}

/// An accepted value: (round date, round, report, value).
type Value = (NaiveDate, RoundId, Id, f64);
/// A milestone done in an accepted report: (round date, round, report, the day it was done).
type Done = (NaiveDate, RoundId, Id, NaiveDate);

/// A row of granted extensions: (plan, task code, target position, milestone position, date).
type ExtRow = (Id, String, Option<i64>, Option<i64>, String);
/// The lead units' reports of each round judged, by round and task, with their ids.
type RoundReports = HashMap<RoundId, HashMap<TaskId, Vec<(Id, LeadReport)>>>;

/// A plan's rows read for its snapshots, by (task code, position). Task codes are numbered
/// per plan ([`PlanRows::code`]): the rows of every version of a task share its number.
#[derive(Default)]
struct PlanRows {
    codes: HashMap<String, u32>,
    values: HashMap<(u32, i64), Vec<Value>>,
    done: HashMap<(u32, i64), Vec<Done>>,
    /// The earliest round date of an accepted report, by task code.
    first_accepted: HashMap<u32, NaiveDate>,
    target_ext: HashMap<(u32, i64), NaiveDate>,
    milestone_ext: HashMap<(u32, i64), NaiveDate>,
}

impl PlanRows {
    /// The number of a task code in this plan, given on first sight.
    fn code(&mut self, code: String) -> u32 {
        let next = self.codes.len() as u32;
        *self.codes.entry(code).or_insert(next)
    }
}

impl Db {
    /// Plans by id, in the order asked (an id named twice, twice). An unknown id is
    /// [`StoreError::NotFound`], as [`crate::Store::plan`] answers it.
    pub async fn plans_by_id(&self, ids: &[Id]) -> Result<Vec<PlanRecord>> {
        let mut found: HashMap<Id, PlanRecord> = HashMap::new();
        for chunk in distinct(ids.iter().copied()).chunks(MAX_PLANS) {
            let rows = db::query(format!(
                "SELECT * FROM plans WHERE id IN ({})",
                placeholders(1, chunk.len())
            ))
            .args(&chunk.iter().map(|&i| Arg::from(i)).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let p = plan_from_row(r)?;
                found.insert(p.id, p);
            }
        }
        ids.iter()
            .map(|id| {
                found.get(id).cloned().ok_or(StoreError::NotFound {
                    what: "方案",
                    id: id.to_string(),
                })
            })
            .collect()
    }

    /// Each plan's rounds (by date, then id) and the ids of those with at least one accepted
    /// report, by plan (a plan without rounds is absent).
    pub async fn rounds_with_data_of(
        &self,
        plan_ids: &[Id],
    ) -> Result<HashMap<Id, (Vec<Round>, Vec<RoundId>)>> {
        let mut out: HashMap<Id, (Vec<Round>, Vec<RoundId>)> = HashMap::new();
        for chunk in distinct(plan_ids.iter().copied()).chunks(MAX_PLANS) {
            let rows = db::query(format!(
                "SELECT r.*, EXISTS (SELECT 1 FROM reports p WHERE p.round_id = r.id AND p.state = 'accepted')
                        AS with_data
                 FROM rounds r WHERE r.plan_id IN ({}) ORDER BY r.plan_id, r.as_of, r.id",
                placeholders(1, chunk.len())
            ))
            .args(&chunk.iter().map(|&i| Arg::from(i)).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let round = round_from_row(r)?;
                let e = out.entry(round.plan_id).or_default();
                if r.flag("with_data")? {
                    e.1.push(round.id);
                }
                e.0.push(round);
            }
        }
        Ok(out)
    }

    /// The tasks of each (plan, version), in document order, in the order asked.
    pub async fn tasks_of(&self, versions: &[(Id, i64)]) -> Result<Vec<Vec<TaskRecord>>> {
        let mut pairs: Vec<(Id, i64)> = versions.to_vec();
        pairs.sort_unstable();
        pairs.dedup();
        let mut by_version: HashMap<(Id, i64), BTreeMap<TaskId, TaskRecord>> = HashMap::new();
        for chunk in pairs.chunks(MAX_PLANS) {
            // The plans and versions named, each once: `t.plan_id IN (…) AND t.plan_version
            // IN (…)`, which the database answers by index, where a condition per pair
            // (`(t.plan_id = $1 AND t.plan_version = $2) OR …`) is tested on every row. It
            // may also give other versions of a plan; those are left out below.
            let plans = distinct(chunk.iter().map(|&(p, _)| p));
            let mut numbers: Vec<i64> = chunk.iter().map(|&(_, v)| v).collect();
            numbers.sort_unstable();
            numbers.dedup();
            let cond = format!(
                "t.plan_id IN ({}) AND t.plan_version IN ({})",
                placeholders(1, plans.len()),
                placeholders(plans.len() + 1, numbers.len())
            );
            let args: Vec<Arg> = plans
                .iter()
                .map(|&p| Arg::from(p))
                .chain(numbers.iter().map(|&v| Arg::from(v)))
                .collect();
            let wanted: std::collections::HashSet<(Id, i64)> = chunk.iter().copied().collect();
            let rows: Vec<(TaskId, Id, i64, String, String, String)> = db::query_as(format!(
                "SELECT t.id, t.plan_id, t.plan_version, t.code, t.title, t.text FROM tasks t
                 WHERE {cond} ORDER BY t.id"
            ))
            .args(&args)
            .fetch_all(&self.pool)
            .await?;
            let units: Vec<(TaskId, UnitId, String)> = db::query_as(format!(
                "SELECT tu.task_id, tu.unit_id, tu.role FROM task_units tu JOIN tasks t ON t.id = tu.task_id
                 WHERE {cond} ORDER BY tu.task_id, tu.role, tu.seq"
            ))
            .args(&args)
            .fetch_all(&self.pool)
            .await?;
            let targets = db::query(format!(
                "SELECT g.* FROM targets g JOIN tasks t ON t.id = g.task_id
                 WHERE {cond} ORDER BY g.task_id, g.seq"
            ))
            .args(&args)
            .fetch_all(&self.pool)
            .await?;
            let milestones: Vec<(MilestoneId, TaskId, i64, String, Option<String>)> = db::query_as(format!(
                "SELECT m.id, m.task_id, m.seq, m.text, m.deadline FROM milestones m JOIN tasks t ON t.id = m.task_id
                 WHERE {cond} ORDER BY m.task_id, m.seq"
            ))
            .args(&args)
            .fetch_all(&self.pool)
            .await?;
            // Which (plan, version) each task belongs to, for its units, targets and milestones.
            let mut home: HashMap<TaskId, (Id, i64)> = HashMap::with_capacity(rows.len());
            for (id, plan_id, version, code, title, text) in rows {
                if !wanted.contains(&(plan_id, version)) {
                    continue;
                }
                home.insert(id, (plan_id, version));
                by_version.entry((plan_id, version)).or_default().insert(
                    id,
                    TaskRecord {
                        id,
                        plan_id,
                        plan_version: version,
                        code,
                        title,
                        text,
                        lead: vec![],
                        support: vec![],
                        targets: vec![],
                        milestones: vec![],
                    },
                );
            }
            for (task_id, unit_id, role) in units {
                if let Some(t) = task_mut(&home, &mut by_version, task_id) {
                    if role == "lead" {
                        t.lead.push(unit_id);
                    } else {
                        t.support.push(unit_id);
                    }
                }
            }
            for r in &targets {
                let task_id: TaskId = r.try_get("task_id")?;
                if let Some(t) = task_mut(&home, &mut by_version, task_id) {
                    t.targets.push(TargetRecord {
                        id: r.try_get("id")?,
                        seq: r.try_get("seq")?,
                        value: r.try_get("value")?,
                        unit: r.try_get("unit")?,
                        cmp: cmp_parse(&r.try_get::<String>("cmp")?),
                        hardness: hardness_parse(&r.try_get::<String>("hardness")?),
                        kind: kind_parse(&r.try_get::<String>("kind")?),
                        deadline: opt_date(r.try_get("deadline")?)?,
                        metric: r.try_get("metric")?,
                        text: r.try_get("text")?,
                    });
                }
            }
            for (id, task_id, seq, text, deadline) in milestones {
                if let Some(t) = task_mut(&home, &mut by_version, task_id) {
                    t.milestones.push(MilestoneRecord {
                        id,
                        seq,
                        text,
                        deadline: opt_date(deadline)?,
                    });
                }
            }
        }
        Ok(versions
            .iter()
            .map(|k| {
                // Document order: codes compare as numbering paths.
                let mut tasks: Vec<TaskRecord> = by_version
                    .get(k)
                    .map(|m| m.values().cloned().collect())
                    .unwrap_or_default();
                tasks.sort_by_cached_key(|t| code_order(&t.code));
                tasks
            })
            .collect())
    }

    /// Each plan's units (by id), by plan.
    pub async fn units_of(&self, plan_ids: &[Id]) -> Result<HashMap<Id, Vec<UnitRecord>>> {
        let mut out: HashMap<Id, Vec<UnitRecord>> = HashMap::new();
        for chunk in distinct(plan_ids.iter().copied()).chunks(MAX_PLANS) {
            let rows: Vec<(Id, UnitId, String, String, bool, i64)> = db::query_as(format!(
                "SELECT pu.plan_id, u.id, u.name, u.aliases, pu.member, u.row_version FROM units u
                 JOIN plan_units pu ON pu.unit_id = u.id WHERE pu.plan_id IN ({})
                 ORDER BY pu.plan_id, u.id",
                placeholders(1, chunk.len())
            ))
            .args(&chunk.iter().map(|&i| Arg::from(i)).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await?;
            for (plan_id, id, name, aliases, member, row_version) in rows {
                out.entry(plan_id).or_default().push(UnitRecord {
                    id,
                    name,
                    aliases: serde_json::from_str(&aliases)?,
                    member,
                    row_version,
                });
            }
        }
        Ok(out)
    }

    /// The snapshots [`crate::Store::snapshot`] gives, one for each ask, in order, read for all of them
    /// together (see the module docs).
    pub async fn snapshots_of(&self, asks: &[SnapshotOf<'_>]) -> Result<Vec<Snapshot>> {
        let Some(latest) = asks.iter().map(|a| a.as_of).max() else {
            return Ok(Vec::new());
        };
        let latest = latest.to_string();
        let plan_ids = distinct(asks.iter().map(|a| a.plan.id));
        let mut rows: HashMap<Id, PlanRows> = HashMap::new();
        let mut dates = Dates::default();
        for chunk in plan_ids.chunks(MAX_PLANS) {
            let n = chunk.len();
            let ids: Vec<Arg> = chunk.iter().map(|&i| Arg::from(i)).collect();
            let list = placeholders(1, n);
            let last = format!("${}", n + 1);
            // Every task of the plans, of every version: values and milestones are followed
            // by task code across versions.
            let codes: Vec<(TaskId, Id, String)> = db::query_as(format!(
                "SELECT id, plan_id, code FROM tasks WHERE plan_id IN ({list})"
            ))
            .args(&ids)
            .fetch_all(&self.pool)
            .await?;
            let mut task_code: HashMap<TaskId, (Id, u32)> = HashMap::with_capacity(codes.len());
            for (id, plan_id, code) in codes {
                let c = rows.entry(plan_id).or_default().code(code);
                task_code.insert(id, (plan_id, c));
            }
            // The accepted reports up to the latest date asked, read once: whether each was
            // made by one of its task's lead units, and its round.
            let reports: Vec<(Id, TaskId, RoundId, String, Option<UnitId>)> =
                db::query_as(format!(
                    "SELECT p.id, p.task_id, r.id, r.as_of, tu.unit_id
                 FROM rounds r
                 JOIN reports p ON p.round_id = r.id
                 LEFT JOIN task_units tu
                   ON tu.task_id = p.task_id AND tu.unit_id = p.unit_id AND tu.role = 'lead'
                 WHERE r.plan_id IN ({list}) AND p.state = 'accepted' AND r.as_of <= {last}"
                ))
                .args(&ids)
                .bind(&latest)
                .fetch_all(&self.pool)
                .await?;
            // Lead units' accepted reports: (round date, round).
            let mut lead: HashMap<Id, (NaiveDate, RoundId)> = HashMap::with_capacity(reports.len());
            for (report_id, task_id, round_id, as_of, lead_unit) in reports {
                let d = dates.get(as_of)?;
                let Some(&(plan_id, code)) = task_code.get(&task_id) else {
                    continue;
                };
                let first = rows
                    .entry(plan_id)
                    .or_default()
                    .first_accepted
                    .entry(code)
                    .or_insert(d);
                *first = (*first).min(d);
                if lead_unit.is_some() {
                    lead.insert(report_id, (d, round_id));
                }
            }
            // Values and milestones of the plans' targets, kept when their report is a lead
            // unit's accepted one: set apart in memory, so that neither statement reads the
            // reports again.
            let values: Vec<(Id, TaskId, i64, f64)> = db::query_as(format!(
                "SELECT v.report_id, g.task_id, g.seq, v.value FROM report_values v
                 JOIN targets g ON g.id = v.target_id JOIN tasks t ON t.id = g.task_id
                 WHERE t.plan_id IN ({list})"
            ))
            .args(&ids)
            .fetch_all(&self.pool)
            .await?;
            for (report_id, task_id, seq, value) in values {
                let (Some(&(d, round_id)), Some(&(plan_id, code))) =
                    (lead.get(&report_id), task_code.get(&task_id))
                else {
                    continue;
                };
                rows.entry(plan_id)
                    .or_default()
                    .values
                    .entry((code, seq))
                    .or_default()
                    .push((d, round_id, report_id, value));
            }
            let done: Vec<(Id, TaskId, i64, Option<String>)> = db::query_as(format!(
                "SELECT rm.report_id, m.task_id, m.seq, rm.done_on FROM report_milestones rm
                 JOIN milestones m ON m.id = rm.milestone_id JOIN tasks t ON t.id = m.task_id
                 WHERE t.plan_id IN ({list}) AND rm.done = TRUE"
            ))
            .args(&ids)
            .fetch_all(&self.pool)
            .await?;
            for (report_id, task_id, seq, done_on) in done {
                let (Some(&(round_date, round_id)), Some(&(plan_id, code))) =
                    (lead.get(&report_id), task_code.get(&task_id))
                else {
                    continue;
                };
                let d = match done_on {
                    Some(d) => dates.get(d)?,
                    None => round_date,
                };
                rows.entry(plan_id)
                    .or_default()
                    .done
                    .entry((code, seq))
                    .or_default()
                    .push((round_date, round_id, report_id, d));
            }
            // Granted extensions: the latest granted date per target / milestone (by code and
            // seq).
            let ext: Vec<ExtRow> = db::query_as(format!(
                "SELECT t.plan_id, t.code, g.seq, m.seq, e.requested FROM extensions e
                 JOIN tasks t ON t.id = e.task_id
                 LEFT JOIN targets g ON g.id = e.target_id
                 LEFT JOIN milestones m ON m.id = e.milestone_id
                 WHERE t.plan_id IN ({list}) AND e.state = 'granted'
                 ORDER BY e.decided_at, e.id"
            ))
            .args(&ids)
            .fetch_all(&self.pool)
            .await?;
            for (plan_id, code, tseq, mseq, d) in ext {
                let d = date(&d)?;
                let r = rows.entry(plan_id).or_default();
                let code = r.code(code);
                if let Some(s) = tseq {
                    r.target_ext.insert((code, s), d);
                }
                if let Some(s) = mseq {
                    r.milestone_ext.insert((code, s), d);
                }
            }
        }
        // Values in the order of their rounds (a later round with the same date replaces an
        // earlier one's value); milestones by the round that first reported them done.
        for r in rows.values_mut() {
            for v in r.values.values_mut() {
                v.sort_unstable_by_key(|&(d, round, report, _)| (d, round, report));
            }
            for v in r.done.values_mut() {
                v.sort_unstable();
            }
        }
        // The lead units' reports in each round judged, by task: their state and lateness.
        let round_ids = distinct(asks.iter().filter_map(|a| a.round.map(|r| r.id)));
        let mut round_reports: RoundReports = HashMap::new();
        for chunk in round_ids.chunks(MAX_PLANS) {
            let rows: Vec<(RoundId, TaskId, Id, String, bool)> = db::query_as(format!(
                "SELECT p.round_id, p.task_id, p.id, p.state, p.late FROM reports p
                 JOIN task_units tu ON tu.task_id = p.task_id AND tu.unit_id = p.unit_id AND tu.role = 'lead'
                 WHERE p.round_id IN ({})",
                placeholders(1, chunk.len())
            ))
            .args(&chunk.iter().map(|&i| Arg::from(i)).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await?;
            for (round, task, id, state, late) in rows {
                let state = ReportState::parse(&state).ok_or_else(|| {
                    StoreError::invalid("report", format!("未知的报告状态“{state}”"))
                })?;
                round_reports
                    .entry(round)
                    .or_default()
                    .entry(task)
                    .or_default()
                    .push((id, LeadReport { state, late }));
            }
        }
        for by_task in round_reports.values_mut() {
            for v in by_task.values_mut() {
                v.sort_unstable_by_key(|(id, _)| *id);
            }
        }
        let empty = PlanRows::default();
        Ok(asks
            .iter()
            .map(|a| snapshot(a, rows.get(&a.plan.id).unwrap_or(&empty), &round_reports))
            .collect())
    }
}

/// One snapshot from the rows read for its plan.
fn snapshot(a: &SnapshotOf<'_>, rows: &PlanRows, round_reports: &RoundReports) -> Snapshot {
    let as_of = a.as_of;
    let series = |key: &(u32, i64)| -> Vec<(NaiveDate, f64)> {
        let mut s: Vec<(NaiveDate, f64)> = Vec::new();
        for &(d, _, _, v) in rows.values.get(key).map_or(&[][..], |v| v) {
            if d > as_of {
                break;
            }
            // One value per date: a later round with the same as-of date replaces it.
            if s.last().is_some_and(|(ld, _)| *ld == d) {
                s.pop();
            }
            s.push((d, v));
        }
        s
    };
    let done_on = |key: &(u32, i64)| -> Option<NaiveDate> {
        rows.done
            .get(key)?
            .iter()
            .find(|(round_date, ..)| *round_date <= as_of)
            .map(|&(.., d)| d)
    };
    let reports = a.round.map(|r| round_reports.get(&r.id));
    let tasks = a
        .tasks
        .iter()
        .map(|t| {
            // A task whose code no row names (no report, no extension) has none of them.
            let code = rows.codes.get(&t.code).copied().unwrap_or(u32::MAX);
            TaskView {
                id: t.id,
                lead: t.lead.clone(),
                support: t.support.clone(),
                round_reports: reports.map(|m| {
                    m.and_then(|m| m.get(&t.id))
                        .map(|v| v.iter().map(|(_, r)| *r).collect())
                        .unwrap_or_default()
                }),
                any_accepted: rows.first_accepted.get(&code).is_some_and(|d| *d <= as_of),
                targets: t
                    .targets
                    .iter()
                    .map(|g| {
                        let key = (code, g.seq);
                        TargetView {
                            id: g.id,
                            value: g.value,
                            cmp: g.cmp,
                            hardness: g.hardness,
                            kind: g.kind,
                            deadline: rows.target_ext.get(&key).copied().or(g.deadline),
                            mean: is_mean_bound(&g.text, &g.metric),
                            series: series(&key),
                            monitored: None,
                        }
                    })
                    .collect(),
                milestones: t
                    .milestones
                    .iter()
                    .map(|m| {
                        let key = (code, m.seq);
                        MilestoneView {
                            id: m.id,
                            deadline: rows.milestone_ext.get(&key).copied().or(m.deadline),
                            done_on: done_on(&key),
                        }
                    })
                    .collect(),
                code: t.code.clone(),
            }
        })
        .collect();
    Snapshot {
        plan: PlanView {
            start: a.plan.period_start,
            end: a.plan.period_end,
            settings: a.plan.settings.clone(),
        },
        tasks,
    }
}
