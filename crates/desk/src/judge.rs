//! Judging a plan: the one function every output calls.
//!
//! [`judge`] decides both facts of every task for a plan, a round and a date: its progress
//! (from accepted values, and from monitoring data for linked targets) and its reporting state
//! in the round. The dashboard, the ledger and its filters, the task page, the JSON API,
//! `zhuanban status`, the notice proposals, the bulletin (HTML, DOCX) and the ledger XLSX all
//! take their judgement from here, so they cannot disagree.
//!
//! Which round and date, when the caller does not say ([`View::default`]):
//! - the round is the *current* one: the newest open round, else the newest round. Its
//!   reporting states are shown.
//! - the date of the progress judgement is the as-of date of the newest round that has data
//!   (an accepted report) or is closed; with none, the newest round's; with no round, today.
//!   So opening a new round changes no progress judgement: the judgement moves on when the
//!   new round's first report is accepted or the round is closed.
//!
//! A round named explicitly is judged as of its own date unless a date is given too.

use std::collections::HashMap;

use chrono::NaiveDate;
use zhuanban_ledger::environment::{EnvJudgement, EnvTarget, judge as judge_monitored};
use zhuanban_ledger::evaluate::{Evaluation, Monitored, evaluate};
use zhuanban_ledger::{
    Id, PlanRecord, ReportState, Round, RoundId, RoundState, TaskRecord, UnitId, UnitRecord,
};
use zhuanban_standards::series::Series;
use zhuanban_store::{Db, SnapshotOf, StoreError};

/// What to judge: a round (its reporting) and a date (its progress). `None` takes the default
/// described in the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct View {
    pub round: Option<RoundId>,
    pub as_of: Option<NaiveDate>,
}

/// A plan judged: the plan, its rounds, the round and date judged, the tasks of the plan
/// version in force, the units, and the judgement (tasks in the order of `tasks`).
#[derive(Debug, Clone)]
pub struct Judged {
    pub plan: PlanRecord,
    pub rounds: Vec<Round>,
    /// The round whose reporting states are judged.
    pub round: Option<Round>,
    /// The date of the progress judgement.
    pub as_of: NaiveDate,
    pub tasks: Vec<TaskRecord>,
    pub units: Vec<UnitRecord>,
    pub eval: Evaluation,
}

impl Judged {
    /// A unit's name ("单位#N" for an id the plan does not know).
    pub fn unit_name(&self, id: UnitId) -> String {
        unit_name(&self.units, id)
    }

    /// The tasks with their judgement, in plan order.
    pub fn rows(
        &self,
    ) -> impl Iterator<Item = (&TaskRecord, &zhuanban_ledger::evaluate::TaskStatus)> {
        self.tasks.iter().zip(&self.eval.tasks)
    }
}

/// A unit's name from a list ("单位#N" when it is not there).
pub fn unit_name(units: &[UnitRecord], id: UnitId) -> String {
    units
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("单位#{id}"), |u| u.name.clone())
}

/// The round whose reporting the desk shows: the newest open round, else the newest.
pub fn current_round(rounds: &[Round]) -> Option<&Round> {
    rounds
        .iter()
        .rev()
        .find(|r| r.state == RoundState::Open)
        .or_else(|| rounds.last())
}

/// The default date of the progress judgement (see the module docs): the newest round with an
/// accepted report or closed, else the newest round, else `today`.
pub fn progress_date(rounds: &[Round], with_data: &[RoundId], today: NaiveDate) -> NaiveDate {
    rounds
        .iter()
        .filter(|r| r.state == RoundState::Closed || with_data.contains(&r.id))
        .map(|r| r.as_of)
        .max()
        .or_else(|| rounds.iter().map(|r| r.as_of).max())
        .unwrap_or(today)
}

/// Judges a plan for a view (see the module docs). `today` is the caller's clock (China's
/// date), used only when the plan has no round and no date is given.
pub async fn judge(
    store: &Db,
    plan_id: Id,
    view: View,
    today: NaiveDate,
) -> Result<Judged, StoreError> {
    judge_plans(store, &[plan_id], view, today)
        .await?
        .pop()
        .ok_or(StoreError::NotFound {
            what: "方案",
            id: plan_id.to_string(),
        })
}

/// Judges several plans for one view, each exactly as [`judge`] judges it alone, in the order
/// of `plan_ids`; what they need is read for all of them together, a few statements for up to
/// [`zhuanban_store::MAX_PLANS`] plans (see `zhuanban_store`'s `batch.rs`). A round named in
/// the view belongs to one plan: naming it with another plan is refused, as [`judge`] refuses
/// it.
pub async fn judge_plans(
    store: &Db,
    plan_ids: &[Id],
    view: View,
    today: NaiveDate,
) -> Result<Vec<Judged>, StoreError> {
    let mut out = Vec::with_capacity(plan_ids.len());
    for chunk in plan_ids.chunks(zhuanban_store::MAX_PLANS) {
        out.extend(judge_chunk(store, chunk, view, today).await?);
    }
    Ok(out)
}

/// [`judge_plans`] for at most [`zhuanban_store::MAX_PLANS`] plans.
async fn judge_chunk(
    store: &Db,
    plan_ids: &[Id],
    view: View,
    today: NaiveDate,
) -> Result<Vec<Judged>, StoreError> {
    let plans = store.plans_by_id(plan_ids).await?;
    // The rounds and which of them have data in one statement; the tasks read once (the
    // snapshot takes them as read).
    let mut rounds_of = store.rounds_with_data_of(plan_ids).await?;
    // Each plan's round, date and plan version judged.
    let mut chosen = Vec::with_capacity(plans.len());
    for plan in &plans {
        let (rounds, with_data) = rounds_of.get(&plan.id).cloned().unwrap_or_default();
        let round = match view.round {
            Some(id) => {
                let r = rounds.iter().find(|r| r.id == id).cloned().ok_or_else(|| {
                    StoreError::invalid("round", format!("轮次 #{id} 不属于方案 #{}", plan.id))
                })?;
                Some(r)
            }
            None => current_round(&rounds).cloned(),
        };
        let as_of = match (view.as_of, view.round, &round) {
            (Some(d), _, _) => d,
            (None, Some(_), Some(r)) => r.as_of,
            _ => progress_date(&rounds, &with_data, today),
        };
        chosen.push((rounds, round, as_of));
    }
    rounds_of.clear();
    let versions: Vec<(Id, i64)> = plans
        .iter()
        .zip(&chosen)
        .map(|(p, (_, round, _))| (p.id, round.as_ref().map_or(p.version, |r| r.plan_version)))
        .collect();
    let tasks = store.tasks_of(&versions).await?;
    let asks: Vec<SnapshotOf<'_>> = plans
        .iter()
        .zip(&chosen)
        .zip(&tasks)
        .map(|((plan, (_, round, as_of)), tasks)| SnapshotOf {
            plan,
            round: round.as_ref(),
            tasks,
            as_of: *as_of,
        })
        .collect();
    let mut snapshots = store.snapshots_of(&asks).await?;
    // Targets linked to monitoring data are judged from it, as of the same date.
    let links = store.target_links_of(plan_ids).await?;
    let series = if links.is_empty() {
        None
    } else {
        Some(store.load_series().await?)
    };
    let units = store.units_of(plan_ids).await?;
    let mut out = Vec::with_capacity(plans.len());
    for (((plan, (rounds, round, as_of)), tasks), snapshot) in plans
        .into_iter()
        .zip(chosen)
        .zip(tasks)
        .zip(snapshots.iter_mut())
    {
        if let (Some(links), Some(series)) = (links.get(&plan.id), &series) {
            let monitored: HashMap<(String, i64), Monitored> =
                judge_links(links.iter().cloned(), series, as_of)
                    .into_iter()
                    .map(|(key, j)| {
                        (
                            key,
                            Monitored {
                                status: j.status,
                                reason: j.reason,
                                value: j.value.map(|v| v.to_f64()),
                            },
                        )
                    })
                    .collect();
            for (view, task) in snapshot.tasks.iter_mut().zip(&tasks) {
                for (tv, target) in view.targets.iter_mut().zip(&task.targets) {
                    tv.monitored = monitored.get(&(task.code.clone(), target.seq)).cloned();
                }
            }
        }
        let eval = evaluate(snapshot, as_of);
        let units = units.get(&plan.id).cloned().unwrap_or_default();
        out.push(Judged {
            plan,
            rounds,
            round,
            as_of,
            tasks,
            units,
            eval,
        });
    }
    Ok(out)
}

/// The judgements of a plan's targets linked to monitoring data as of a date, by (task code,
/// target position).
pub async fn monitored(
    store: &Db,
    plan_id: Id,
    as_of: NaiveDate,
) -> Result<HashMap<(String, i64), EnvJudgement>, StoreError> {
    let links = store.target_links(plan_id).await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let series = store.load_series().await?;
    Ok(judge_links(links, &series, as_of))
}

/// Linked targets judged from the monitoring data as of a date, by (task code, position).
fn judge_links(
    links: impl IntoIterator<Item = (String, i64, EnvTarget)>,
    series: &Series,
    as_of: NaiveDate,
) -> HashMap<(String, i64), EnvJudgement> {
    links
        .into_iter()
        .map(|(code, seq, t)| ((code, seq), judge_monitored(&t, series, as_of)))
        .collect()
}

/// The lead unit's report on a task in a round: the most advanced one (accepted, submitted,
/// returned, draft) when a task has several lead units.
pub fn lead_report<'a>(
    task: &TaskRecord,
    reports: &'a [zhuanban_ledger::Report],
) -> Option<&'a zhuanban_ledger::Report> {
    let rank = |s: ReportState| match s {
        ReportState::Accepted => 3,
        ReportState::Submitted => 2,
        ReportState::Returned => 1,
        ReportState::Draft => 0,
    };
    reports
        .iter()
        .filter(|r| r.task_id == task.id && task.lead.contains(&r.unit_id))
        .max_by_key(|r| rank(r.state))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(id: i64, as_of: &str, state: RoundState) -> Round {
        Round {
            id: RoundId(id),
            plan_id: 1,
            plan_version: 1,
            name: format!("r{id}"),
            as_of: as_of.parse().unwrap(),
            due: as_of.parse().unwrap(),
            state,
            row_version: 1,
        }
    }

    #[test]
    fn the_progress_date_waits_for_a_new_rounds_data() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(progress_date(&[], &[], today), today);
        let rounds = vec![
            round(1, "2024-08-31", RoundState::Closed),
            round(2, "2024-09-30", RoundState::Open),
        ];
        assert_eq!(
            progress_date(&rounds, &[RoundId(2)], today),
            d("2024-09-30")
        );
        assert_eq!(progress_date(&rounds, &[], today), d("2024-08-31"));
        let mut more = rounds.clone();
        more.push(round(3, "2024-10-31", RoundState::Open));
        assert_eq!(
            progress_date(&more, &[RoundId(1), RoundId(2)], today),
            d("2024-09-30")
        );
        assert_eq!(
            progress_date(&more, &[RoundId(1), RoundId(2), RoundId(3)], today),
            d("2024-10-31")
        );
        let first = vec![round(1, "2024-01-31", RoundState::Open)];
        assert_eq!(progress_date(&first, &[], today), d("2024-01-31"));
        assert_eq!(current_round(&more).map(|r| r.id), Some(RoundId(3)));
    }
}
