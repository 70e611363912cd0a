//! 全部方案: every plan on one page — each plan's judgement in counts, and the tasks that need
//! attention across plans — for an office or a 督查室 that runs several plans at once.
//!
//! The plans are judged together (`desk::judge_plans`: the store's batched reads, the one
//! judgement of the desk, kept per plan and data version in the cache `desk::judge_plan`
//! also keeps) and each attention list is the dashboard's (`desk::attention`), so the
//! overview and each plan's dashboard agree by construction (a test checks it).

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use zhuanban_ledger::evaluate::Reporting;
use zhuanban_ledger::{Colour, Id};

use super::desk::{TaskRow, attention, judge_plans};
use super::{Nav, render, visible_plans};
use crate::AppState;
use crate::error::AppResult;
use crate::routes::Ctx;

/// One plan's line: its judgement in counts.
pub struct PlanLine {
    pub id: Id,
    pub title: String,
    pub version: i64,
    pub demo: bool,
    pub archived: bool,
    /// The round judged and the date of the judgement, when the plan has a round.
    pub round: Option<String>,
    pub as_of: String,
    pub total: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
    /// Reports owed in the round judged (未报送, 退回待重报).
    pub owing: usize,
}

/// A task that needs attention, with its plan.
pub struct AttentionLine {
    pub plan_id: Id,
    pub plan: String,
    pub row: TaskRow,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    nav: Nav,
    plans: Vec<PlanLine>,
    attention: Vec<AttentionLine>,
    /// Only the plans whose attention list has a task in it are shown, with how many more.
    more: usize,
    totals: PlanTotals,
}

#[derive(Default)]
struct PlanTotals {
    total: usize,
    green: usize,
    yellow: usize,
    red: usize,
    grey: usize,
    owing: usize,
}

/// At most this many tasks are listed under 需要关注的任务 (the worst first).
const ATTENTION_LIMIT: usize = 200;

pub async fn overview(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let mut plans = Vec::new();
    let mut all = Vec::new();
    let mut totals = PlanTotals::default();
    // Active plans first, the newest first; archived plans after them.
    let mut visible = visible_plans(&state, &user).await?;
    visible.sort_by_key(|p| (p.archived(), std::cmp::Reverse(p.id)));
    // Judged together: a plan judged since the data last changed comes from the cache.
    let ids: Vec<_> = visible.iter().map(|p| p.id).collect();
    let judged = judge_plans(&state, &ids).await?;
    for (p, j) in visible.into_iter().zip(judged) {
        let e = &j.eval;
        let owing = e.reporting_count(Reporting::Missing) + e.reporting_count(Reporting::Returned);
        let line = PlanLine {
            id: p.id,
            title: p.title.clone(),
            version: p.version,
            demo: p.demo,
            archived: p.archived(),
            round: j.round.as_ref().map(|r| r.name.clone()),
            as_of: j.as_of.to_string(),
            total: j.tasks.len(),
            green: e.colour_count(Colour::Green),
            yellow: e.colour_count(Colour::Yellow),
            red: e.colour_count(Colour::Red),
            grey: e.colour_count(Colour::Grey),
            owing,
        };
        totals.total += line.total;
        totals.green += line.green;
        totals.yellow += line.yellow;
        totals.red += line.red;
        totals.grey += line.grey;
        totals.owing += line.owing;
        plans.push(line);
        // A finished (archived) plan's tasks no longer need anybody's attention.
        if p.archived() {
            continue;
        }
        for row in attention(&j) {
            all.push(AttentionLine {
                plan_id: p.id,
                plan: p.title.clone(),
                row,
            });
        }
    }
    // Worst first across plans; within the same severity, the newest plan first (the order
    // the plans were read in) and the plan's own order.
    all.sort_by_key(|a| std::cmp::Reverse(a.row.severity));
    let more = all.len().saturating_sub(ATTENTION_LIMIT);
    all.truncate(ATTENTION_LIMIT);
    render(&OverviewPage {
        nav: Nav::new(&ctx, &state, "/overview"),
        plans,
        attention: all,
        more,
        totals,
    })
}
