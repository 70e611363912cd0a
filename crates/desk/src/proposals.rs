//! The supervision notices (督办单) the rules propose for a plan's current round, from the same
//! judgement as every other output ([`crate::judge`]).

use chrono::NaiveDate;
use zhuanban_ledger::dispatch::{Proposal, TaskFacts, propose_notices};
use zhuanban_ledger::{Id, NoticeState, Status};
use zhuanban_store::{Db, Store, StoreError};

use crate::judge::{Judged, View, judge, lead_report};

/// The notices the rules propose for the plan's current round (as the desk judges it by
/// default), minus those already issued for the same task, unit and level and still open.
/// `today` decides whether the round's due date has passed (a report not yet due is not owed).
pub async fn proposals(
    store: &Db,
    plan_id: Id,
    today: NaiveDate,
) -> Result<Vec<Proposal>, StoreError> {
    let now = judge(store, plan_id, View::default(), today).await?;
    let Some(round) = now.round.clone() else {
        return Ok(vec![]);
    };
    // The previous round, judged as of its own date with its own reporting.
    let previous = now
        .rounds
        .iter()
        .rev()
        .find(|r| r.as_of < round.as_of)
        .cloned();
    let prev: Option<Judged> = match &previous {
        Some(p) => Some(
            judge(
                store,
                plan_id,
                View {
                    round: Some(p.id),
                    as_of: None,
                },
                today,
            )
            .await?,
        ),
        None => None,
    };
    let reports = store.reports(round.id).await?;
    let due_passed = today > round.due;
    let facts: Vec<TaskFacts> = now
        .rows()
        .map(|(t, s)| {
            let report = lead_report(t, &reports).filter(|r| {
                matches!(
                    r.state,
                    zhuanban_ledger::ReportState::Submitted
                        | zhuanban_ledger::ReportState::Accepted
                )
            });
            let empty = report.is_some_and(|r| {
                r.values.is_empty()
                    && r.milestones.iter().all(|m| !m.done)
                    && r.narrative.trim().chars().count() < 10
            });
            let next_deadline = s
                .targets
                .iter()
                .filter(|x| !matches!(x.status, Status::Done | Status::Met))
                .map(|x| x.deadline)
                .chain(
                    s.milestones
                        .iter()
                        .filter(|m| m.status != Status::Done)
                        .map(|m| m.deadline),
                )
                .min();
            let before = prev
                .as_ref()
                .and_then(|p| p.rows().find(|(pt, _)| pt.code == t.code));
            let owes_now = s.reporting.is_some_and(|r| r.owing()) && due_passed;
            let owed_before = before.is_some_and(|(_, ps)| ps.reporting.is_some_and(|r| r.owing()));
            let unreported_rounds = match (owed_before, owes_now) {
                (true, true) => 2,
                (_, true) | (true, false) => 1,
                (false, false) => 0,
            };
            TaskFacts {
                task_id: t.id,
                code: t.code.clone(),
                lead: t.lead.first().copied(),
                status: s.status,
                previous: before.map(|(_, ps)| ps.status),
                unreported_rounds,
                next_deadline,
                empty_report: empty,
            }
        })
        .collect();
    let open: Vec<_> = store
        .notices(plan_id)
        .await?
        .into_iter()
        .filter(|n| n.state != NoticeState::Closed)
        .collect();
    let code_of = |task_id: zhuanban_ledger::TaskId| {
        now.tasks
            .iter()
            .find(|t| t.id == task_id)
            .map(|t| t.code.clone())
    };
    // A notice issued on an earlier plan version names a task id of that version: such a
    // notice is matched by code only when the task is in this version too.
    let out = propose_notices(&facts, now.as_of, now.plan.settings.near_deadline_days)
        .into_iter()
        .filter(|p| {
            let code = code_of(p.task_id);
            !open
                .iter()
                .any(|n| n.unit_id == p.unit_id && n.level == p.level && code_of(n.task_id) == code)
        })
        .collect();
    Ok(out)
}
