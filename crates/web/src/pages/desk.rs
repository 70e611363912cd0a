//! The office's and leaders' desk: dashboard, ledger, task page, instructions, rounds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_ledger::evaluate::{Reporting, TaskStatus};
use zhuanban_ledger::{
    Colour, Id, ReportState, Role, RoundState, Status, TargetKind, TaskRecord, UnitRecord, User,
};
use zhuanban_office::svg;
use zhuanban_store::{RoundInput, Store};

use super::{Nav, colour_class, cst, current_plan, number, render, today, unit_name};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// The width charts are drawn at: the content width of a card in a three-column grid on the
/// desk, and about a phone's screen; charts are never scaled up, only down.
const CHART_WIDTH: u32 = 340;

pub use zhuanban_desk::Judged;
use zhuanban_desk::View;

/// A judgement kept for reuse: the data version it was made at, the day, the judgement.
pub type JudgedCache = (i64, NaiveDate, Arc<Judged>);

/// Judges the current plan as the desk shows it by default (the current round's reporting,
/// progress as of the newest round with data: see `zhuanban_desk::judge`).
///
/// Judging reads the whole ledger (about twenty statements), so the result is kept and
/// reused while the database's data version and the day stay the same. The data version
/// changes on any commit, by this process or another (a command run beside the server), so
/// a page never shows a judgement older than the data it was asked after. When a commit
/// lands while judging, the judgement is stored under the version read before it, and the
/// next request judges again.
pub async fn judge(state: &AppState, ctx: &Ctx) -> AppResult<Option<Arc<Judged>>> {
    judge_view(state, ctx, View::default()).await
}

/// Judges the current plan for a view (`?round=ID&as_of=DATE` on the desk's pages and the
/// API); the default view is cached (see [`judge`]). A round of another plan is not found.
pub async fn judge_view(state: &AppState, ctx: &Ctx, view: View) -> AppResult<Option<Arc<Judged>>> {
    match judge_plan(state, ctx.plan, view).await {
        // A chosen plan that is not (any more) in this ledger: the newest, as `current_plan`.
        Err(e) if ctx.plan.is_some() && e.status == axum::http::StatusCode::NOT_FOUND => {
            judge_plan(state, None, view).await
        }
        other => other,
    }
}

/// Judges a plan (the newest when None; an unknown one is not found) for a view. The default
/// view of each plan is kept (see [`judge`]); a kept judgement is found without reading
/// anything but the data version.
pub async fn judge_plan(
    state: &AppState,
    plan: Option<Id>,
    view: View,
) -> AppResult<Option<Arc<Judged>>> {
    let cached = view == View::default();
    let version = state.store.data_version().await?;
    let day = today();
    let id = match plan {
        Some(id) => id,
        None => {
            let kept = *state.newest_plan.lock().expect("newest plan");
            match kept {
                Some((v, id)) if v == version => match id {
                    Some(id) => id,
                    None => return Ok(None),
                },
                _ => {
                    let newest = state.store.plans().await?.last().map(|p| p.id);
                    *state.newest_plan.lock().expect("newest plan") = Some((version, newest));
                    match newest {
                        Some(id) => id,
                        None => return Ok(None),
                    }
                }
            }
        }
    };
    if cached
        && let Some((v, d, j)) = state.judged.lock().expect("judgement cache").get(&id)
        && *v == version
        && *d == day
    {
        return Ok(Some(Arc::clone(j)));
    }
    // An unknown plan is not found (the judgement's first read, the plan, says so).
    let j = match zhuanban_desk::judge(&state.store, id, view, day).await {
        Ok(j) => Arc::new(j),
        Err(zhuanban_store::StoreError::NotFound { .. }) => return Err(AppError::not_found()),
        Err(zhuanban_store::StoreError::Invalid { .. }) if view.round.is_some() => {
            return Err(AppError::not_found());
        }
        Err(e) => return Err(e.into()),
    };
    if cached {
        let mut kept = state.judged.lock().expect("judgement cache");
        // Judgements of an older data version are of no more use.
        kept.retain(|_, (v, _, _)| *v == version);
        kept.insert(id, (version, day, Arc::clone(&j)));
    }
    Ok(Some(j))
}

/// The view a page or API call asks for.
#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub round: Option<Id>,
    pub as_of: Option<NaiveDate>,
    /// The plan (the API's `?plan=ID`; the current plan when absent).
    pub plan: Option<Id>,
}

impl ViewQuery {
    pub fn view(&self) -> View {
        View {
            round: self.round,
            as_of: self.as_of,
        }
    }
}

/// Whether an account may see a task: office and leaders all, a unit its own.
pub fn may_see_task(user: &User, task: &TaskRecord) -> bool {
    match user.role {
        Role::Office | Role::Leader => true,
        Role::Unit => user
            .unit_id
            .is_some_and(|u| task.lead.contains(&u) || task.support.contains(&u)),
        _ => false,
    }
}

fn names(units: &[UnitRecord], ids: &[Id]) -> String {
    if ids.is_empty() {
        return "—".into();
    }
    ids.iter()
        .map(|&i| unit_name(units, i))
        .collect::<Vec<_>>()
        .join("、")
}

/// One target as a line of the ledger or the dashboard.
#[derive(Debug)]
pub struct TargetLine {
    pub metric: String,
    pub goal: String,
    pub latest: String,
    pub status: &'static str,
    pub class: &'static str,
    pub reason: String,
}

fn target_lines(task: &TaskRecord, status: &TaskStatus) -> Vec<TargetLine> {
    task.targets
        .iter()
        .zip(&status.targets)
        .map(|(t, s)| TargetLine {
            metric: if t.metric.is_empty() {
                t.text.clone()
            } else {
                t.metric.clone()
            },
            // The same words as the bulletin's: "≤0.08mg/L", "Ⅲ类及以上".
            goal: zhuanban_desk::bulletin::target_text(t),
            latest: s
                .actual
                .map_or_else(|| "—".into(), |v| zhuanban_desk::bulletin::value_text(t, v)),
            status: s.status.label(),
            class: colour_class(s.colour),
            reason: s.reason.clone(),
        })
        .collect()
}

#[derive(Debug)]
pub struct TaskRow {
    pub code: String,
    pub title: String,
    pub lead: String,
    pub support: String,
    pub status: &'static str,
    pub class: &'static str,
    /// The reporting state in the round, shown beside the progress ("本期未报送"), and its
    /// CSS class; None when nothing is owed or no round is judged.
    pub reporting: Option<String>,
    pub reporting_class: &'static str,
    pub reason: String,
    pub targets: Vec<TargetLine>,
}

/// The CSS class of a reporting state's tag (outlined, so that it never reads as a progress
/// colour).
pub fn reporting_class(r: Reporting) -> &'static str {
    match r {
        Reporting::OnTime | Reporting::NotRequired => "r-ok",
        Reporting::Late | Reporting::AwaitingReview => "r-pending",
        Reporting::Returned | Reporting::Missing => "r-owing",
    }
}

fn task_row(j: &Judged, task: &TaskRecord, status: &TaskStatus) -> TaskRow {
    let shown = status
        .reporting
        .filter(|r| !matches!(r, Reporting::OnTime | Reporting::NotRequired));
    TaskRow {
        code: task.code.clone(),
        title: task.title.clone(),
        lead: names(&j.units, &task.lead),
        support: names(&j.units, &task.support),
        status: status.status.label(),
        class: colour_class(status.colour),
        reporting: shown.map(Reporting::phrase),
        reporting_class: shown.map_or("", reporting_class),
        reason: status.reason.clone(),
        targets: target_lines(task, status),
    }
}

#[derive(Debug)]
pub struct UnitRow {
    pub name: String,
    pub led: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub not_reported: usize,
    pub returned: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Nav,
    plan: Option<String>,
    as_of: String,
    round: Option<String>,
    bars: String,
    donut: String,
    attention: Vec<TaskRow>,
    units: Vec<UnitRow>,
    reporting: Vec<(&'static str, usize)>,
    /// Tasks by status, every status with tasks: (code, label, count, CSS class).
    totals: Vec<(&'static str, &'static str, usize, &'static str)>,
    expected: usize,
    due: String,
    progress_svg: String,
    indicators: Vec<(String, TargetLine)>,
    total: usize,
}

pub async fn dashboard(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let nav = Nav::new(&ctx, &state, "/dashboard");
    let Some(j) = judge_view(&state, &ctx, q.view()).await? else {
        return render(&Dashboard {
            nav,
            plan: None,
            as_of: String::new(),
            round: None,
            bars: String::new(),
            donut: String::new(),
            attention: vec![],
            units: vec![],
            reporting: vec![],
            totals: vec![],
            expected: 0,
            due: String::new(),
            progress_svg: String::new(),
            indicators: vec![],
            total: 0,
        });
    };
    let e = &j.eval;
    let bars: Vec<svg::Bar> = Status::ALL
        .iter()
        .filter(|s| {
            e.count(**s) > 0
                || matches!(
                    s,
                    Status::OnSchedule
                        | Status::Lagging
                        | Status::SeriouslyLagging
                        | Status::Overdue
                )
        })
        .map(|s| svg::Bar {
            label: s.label().to_string(),
            value: e.count(*s) as u64,
            colour: svg::colour_hex(s.colour()),
        })
        .collect();
    let colour = |c: Colour| e.colour_count(c) as u64;
    let donut = svg::colour_donut(
        colour(Colour::Green),
        colour(Colour::Yellow),
        colour(Colour::Red),
        colour(Colour::Grey),
        ["正常推进", "滞后/未达标", "严重滞后/逾期", "无数据"],
        "任务",
    );
    // Tasks behind schedule, whether or not they were reported, and tasks whose report is
    // owed: worst progress first.
    let mut attention: Vec<(&TaskStatus, &TaskRecord)> = e
        .tasks
        .iter()
        .zip(&j.tasks)
        .filter(|(s, _)| s.status.behind() || s.reporting.is_some_and(Reporting::owing))
        .collect();
    attention.sort_by_key(|(s, _)| std::cmp::Reverse(s.status.severity()));
    let attention = attention
        .into_iter()
        .map(|(s, t)| task_row(&j, t, s))
        .collect();
    let mut units: Vec<UnitRow> = e
        .units
        .iter()
        .filter(|u| u.led > 0)
        .map(|u| UnitRow {
            name: unit_name(&j.units, u.unit_id),
            led: u.led,
            green: u.green,
            yellow: u.yellow,
            red: u.red,
            not_reported: u.not_reported,
            returned: u.returned,
        })
        .collect();
    units.sort_by_key(|u| std::cmp::Reverse((u.red, u.yellow, u.not_reported + u.returned)));
    // The round's reporting, from the same judgement.
    let reporting: Vec<(&'static str, usize)> = Reporting::ALL
        .iter()
        .filter(|r| **r != Reporting::NotRequired)
        .map(|r| (r.label(), e.reporting_count(*r)))
        .collect();
    let expected: usize = reporting.iter().map(|(_, n)| n).sum();
    let reported = e.reporting_count(Reporting::OnTime)
        + e.reporting_count(Reporting::Late)
        + e.reporting_count(Reporting::AwaitingReview);
    let share = if expected == 0 {
        0.0
    } else {
        reported as f64 / expected as f64
    };
    let elapsed_round = j
        .round
        .as_ref()
        .map_or(1.0, |r| if today() >= r.due { 1.0 } else { 0.5 });
    let progress_svg = svg::progress_bar(share, elapsed_round, svg::BLUE, 320);
    let mut indicators = Vec::new();
    for (t, s) in j.tasks.iter().zip(&e.tasks) {
        for (line, spec) in target_lines(t, s).into_iter().zip(&t.targets) {
            if spec.kind != TargetKind::Cumulative {
                indicators.push((t.code.clone(), line));
            }
        }
    }
    render(&Dashboard {
        nav,
        plan: Some(j.plan.title.clone()),
        as_of: j.as_of.to_string(),
        round: j.round.as_ref().map(|r| r.name.clone()),
        bars: svg::status_bars_sized(&bars, CHART_WIDTH),
        donut,
        attention,
        units,
        reporting,
        totals: Status::ALL
            .iter()
            .filter(|s| e.count(**s) > 0)
            .map(|s| (s.as_str(), s.label(), e.count(*s), colour_class(s.colour())))
            .collect(),
        expected,
        due: j
            .round
            .as_ref()
            .map(|r| r.due.to_string())
            .unwrap_or_default(),
        progress_svg,
        indicators,
        total: j.tasks.len(),
    })
}

#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    section: Option<String>,
    unit: Option<Id>,
    colour: Option<String>,
    /// A reporting state (`missing`, `returned`, `awaiting_review`, `late`, `on_time`).
    reporting: Option<String>,
    round: Option<Id>,
    as_of: Option<NaiveDate>,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    nav: Nav,
    plan: Option<String>,
    as_of: String,
    rows: Vec<TaskRow>,
    sections: Vec<(String, String)>,
    units: Vec<(Id, String)>,
    section: String,
    unit: Id,
    colour: String,
    reporting: String,
    total: usize,
}

pub async fn ledger(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LedgerQuery>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let nav = Nav::new(&ctx, &state, "/ledger");
    let view = View {
        round: q.round,
        as_of: q.as_of,
    };
    let Some(j) = judge_view(&state, &ctx, view).await? else {
        return render(&LedgerPage {
            nav,
            plan: None,
            as_of: String::new(),
            rows: vec![],
            sections: vec![],
            units: vec![],
            section: String::new(),
            unit: 0,
            colour: String::new(),
            reporting: String::new(),
            total: 0,
        });
    };
    let reading: Vec<(String, String)> = section_titles(&j.tasks);
    let section = q.section.unwrap_or_default();
    let colour = q.colour.unwrap_or_default();
    let unit = q.unit.unwrap_or(0);
    let reporting = q.reporting.unwrap_or_default();
    let visible: Vec<(&TaskStatus, &TaskRecord)> = j
        .eval
        .tasks
        .iter()
        .zip(&j.tasks)
        .filter(|(_, t)| may_see_task(&user, t))
        .collect();
    let total = visible.len();
    let rows = visible
        .into_iter()
        .filter(|(_, t)| {
            section.is_empty() || t.code == section || t.code.starts_with(&format!("{section}."))
        })
        .filter(|(_, t)| unit == 0 || t.lead.contains(&unit) || t.support.contains(&unit))
        .filter(|(s, _)| colour.is_empty() || s.colour.as_str() == colour)
        .filter(|(s, _)| {
            reporting.is_empty() || s.reporting.is_some_and(|r| r.as_str() == reporting)
        })
        .map(|(s, t)| task_row(&j, t, s))
        .collect();
    let mut units: Vec<(Id, String)> = j
        .units
        .iter()
        .filter(|u| {
            j.tasks
                .iter()
                .any(|t| t.lead.contains(&u.id) || t.support.contains(&u.id))
        })
        .map(|u| (u.id, u.name.clone()))
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    render(&LedgerPage {
        nav,
        plan: Some(j.plan.title.clone()),
        as_of: j.as_of.to_string(),
        rows,
        sections: reading,
        units,
        section,
        unit,
        colour,
        reporting,
        total,
    })
}

/// The plan's sections (the first part of its task codes), for the ledger's filter.
fn section_titles(tasks: &[TaskRecord]) -> Vec<(String, String)> {
    let mut firsts: BTreeMap<u64, String> = BTreeMap::new();
    for t in tasks {
        let head = t.code.split('.').next().unwrap_or("").to_string();
        if let Ok(n) = head.parse::<u64>() {
            firsts.entry(n).or_insert(head);
        }
    }
    firsts
        .into_values()
        .map(|h| {
            let label = format!(
                "第{}部分",
                zhuanban_plan::numeral::to_chinese(h.parse().unwrap_or(0))
            );
            (h, label)
        })
        .collect()
}

#[derive(Debug)]
pub struct TargetDetail {
    pub line: TargetLine,
    pub chart: String,
    pub kind: &'static str,
    pub hardness: &'static str,
    pub deadline: String,
    pub text: String,
}

#[derive(Debug)]
pub struct ReportLine {
    pub id: Id,
    pub round: String,
    pub unit: String,
    pub state: &'static str,
    pub submitted: String,
    pub late: bool,
    pub values: String,
    pub narrative: String,
    pub return_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    nav: Nav,
    row: TaskRow,
    text: String,
    targets: Vec<TargetDetail>,
    milestones: Vec<(String, String, &'static str, &'static str)>,
    reports: Vec<ReportLine>,
    instructions: Vec<(String, String, String)>,
    audit: Vec<(String, String, String, String)>,
    can_instruct: bool,
    show_audit: bool,
    instruction_error: Option<String>,
    instruction_text: String,
}

pub async fn task(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    // The view (`?round=ID&as_of=DATE`), as on the dashboard and the ledger.
    let round = match q.get("round").filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<Id>()
                .map_err(|_| AppError::bad_request(format!("轮次“{v}”不是有效的编号")))?,
        ),
        None => None,
    };
    let as_of = match q.get("as_of").filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<NaiveDate>()
                .map_err(|_| AppError::bad_request(format!("日期“{v}”无效（格式：2024-09-30）")))?,
        ),
        None => None,
    };
    let view = View { round, as_of };
    task_page(
        &state,
        &ctx,
        &code,
        view,
        q.get("ok").map(String::as_str),
        None,
    )
    .await
}

async fn task_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    view: View,
    flash: Option<&str>,
    instruction_error: Option<(String, String)>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let j = judge_view(state, ctx, view)
        .await?
        .ok_or_else(AppError::not_found)?;
    let Some((idx, task)) = j.tasks.iter().enumerate().find(|(_, t)| t.code == code) else {
        return Err(AppError::not_found());
    };
    if !may_see_task(&user, task) {
        return Err(AppError::not_found());
    }
    let status = &j.eval.tasks[idx];
    let row = task_row(&j, task, status);
    let snapshot_task = state.store.snapshot(j.plan.id, j.as_of, None).await?;
    let mut series: HashMap<Id, Vec<(NaiveDate, f64)>> = snapshot_task
        .tasks
        .iter()
        .filter(|t| t.code == task.code)
        .flat_map(|t| t.targets.iter().map(|g| (g.id, g.series.clone())))
        .collect();
    // Targets judged from monitoring data: their chart shows the data (monthly means).
    for (code, seq, env) in state.store.target_links(j.plan.id).await? {
        if code != task.code {
            continue;
        }
        if let Some(g) = task.targets.iter().find(|g| g.seq == seq) {
            let data = state.store.load_series().await?;
            series.insert(
                g.id,
                zhuanban_ledger::environment::monthly_points(&data, &env),
            );
        }
    }
    let targets = task
        .targets
        .iter()
        .zip(&status.targets)
        .map(|(t, s)| {
            let line = target_lines(task, status)
                .into_iter()
                .nth((t.seq - 1).max(0) as usize)
                .unwrap_or(TargetLine {
                    metric: t.metric.clone(),
                    goal: String::new(),
                    latest: String::new(),
                    status: s.status.label(),
                    class: colour_class(s.colour),
                    reason: s.reason.clone(),
                });
            let points = series.get(&t.id).cloned().unwrap_or_default();
            TargetDetail {
                line,
                chart: svg::series_line(
                    &points,
                    Some(t.value),
                    t.kind == TargetKind::Cumulative,
                    j.plan.period_start,
                    s.deadline.max(j.plan.period_end),
                    &t.unit,
                    // Drawn at the size it is shown (a third of the desk, a phone's width):
                    // a wider chart is scaled down and its axis labels become unreadable.
                    CHART_WIDTH,
                    200,
                ),
                kind: match t.kind {
                    TargetKind::Cumulative => "累计完成",
                    TargetKind::Level => "水平值",
                    TargetKind::Growth => "增长率",
                    TargetKind::Limit => "上限",
                    TargetKind::Class => "类别",
                },
                hardness: match t.hardness {
                    zhuanban_ledger::Hardness::Firm => "确保",
                    zhuanban_ledger::Hardness::Stretch => "力争",
                    zhuanban_ledger::Hardness::Plain => "",
                },
                deadline: s.deadline.to_string(),
                text: t.text.clone(),
            }
        })
        .collect();
    let milestones = task
        .milestones
        .iter()
        .zip(&status.milestones)
        .map(|(m, s)| {
            (
                m.text.clone(),
                s.deadline.to_string(),
                s.status.label(),
                colour_class(s.colour),
            )
        })
        .collect();
    let rounds: HashMap<Id, String> = j.rounds.iter().map(|r| (r.id, r.name.clone())).collect();
    let all_reports = state.store.task_reports(j.plan.id, &task.code).await?;
    let reports = all_reports
        .iter()
        .filter(|r| match user.role {
            // A unit sees its own reports; others see everything but drafts.
            Role::Unit => Some(r.unit_id) == user.unit_id,
            _ => r.state != ReportState::Draft,
        })
        .map(|r| ReportLine {
            id: r.id,
            round: rounds.get(&r.round_id).cloned().unwrap_or_default(),
            unit: unit_name(&j.units, r.unit_id),
            state: r.state.label(),
            submitted: r.submitted_at.as_ref().map(cst).unwrap_or_default(),
            late: r.late,
            values: r
                .values
                .iter()
                .map(|v| {
                    let t = task.targets.iter().find(|t| t.id == v.target_id);
                    format!("{}{}", number(v.value), t.map_or("", |t| t.unit.as_str()))
                })
                .collect::<Vec<_>>()
                .join("，"),
            narrative: r.narrative.clone(),
            return_reason: r.return_reason.clone(),
        })
        .collect();
    let instructions = state
        .store
        .instructions(j.plan.id, &task.code)
        .await?
        .into_iter()
        .map(|i| (i.author, cst(&i.created_at), i.text))
        .collect();
    let show_audit = matches!(user.role, Role::Office | Role::Leader);
    let audit = if show_audit {
        state
            .store
            .audit_for_task(&task.code, 30)
            .await?
            .into_iter()
            .map(|a| {
                (
                    cst(&a.at),
                    a.actor,
                    action_label(&a.action).to_string(),
                    a.object,
                )
            })
            .collect()
    } else {
        vec![]
    };
    let (instruction_error, instruction_text) = match instruction_error {
        Some((e, t)) => (Some(e), t),
        None => (None, String::new()),
    };
    render(&TaskPage {
        nav: Nav::new(ctx, state, "/ledger").with_flash(flash),
        row,
        text: task.text.clone(),
        targets,
        milestones,
        reports,
        instructions,
        audit,
        can_instruct: user.role == Role::Leader,
        show_audit,
        instruction_error,
        instruction_text,
    })
}

pub fn action_label(action: &str) -> &str {
    match action {
        "report.submit" => "报送进展",
        "report.save_draft" => "保存草稿",
        "report.accept" => "采纳报告",
        "report.return" => "退回报告",
        "instruction.add" => "领导批示",
        "evidence.add" => "上传佐证",
        other => other,
    }
}

#[derive(Debug, Deserialize)]
pub struct InstructionForm {
    #[serde(default)]
    text: String,
}

pub async fn add_instruction(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Form(f): Form<InstructionForm>,
) -> AppResult<Response> {
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let tasks = state.store.tasks(plan.id, None).await?;
    let task = tasks
        .iter()
        .find(|t| t.code == code)
        .ok_or_else(AppError::not_found)?;
    match state
        .store
        .add_instruction(task.id, &f.text, &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{code}?ok=instruction")).into_response()),
        Err(zhuanban_store::StoreError::Invalid { message, .. }) => {
            let mut res = task_page(
                &state,
                &ctx,
                &code,
                View::default(),
                None,
                Some((message, f.text)),
            )
            .await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug)]
pub struct RoundLine {
    pub id: Id,
    pub name: String,
    pub as_of: String,
    pub due: String,
    pub open: bool,
    pub row_version: i64,
    pub submitted: usize,
    pub accepted: usize,
    pub late: usize,
}

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    nav: Nav,
    is_office: bool,
    plan: Option<String>,
    rounds: Vec<RoundLine>,
    expected: usize,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
}

impl RoundsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    due: String,
}

async fn rounds_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<Response> {
    let nav = Nav::new(ctx, state, "/rounds").with_flash(flash);
    let is_office = ctx.user()?.role == Role::Office;
    let Some(plan) = current_plan(state, ctx).await? else {
        return render(&RoundsPage {
            nav,
            is_office,
            plan: None,
            rounds: vec![],
            expected: 0,
            form,
            errors,
        });
    };
    let tasks = state.store.tasks(plan.id, None).await?;
    let expected = tasks.iter().filter(|t| !t.lead.is_empty()).count();
    let mut rounds = Vec::new();
    for r in state.store.rounds(plan.id).await?.into_iter().rev() {
        let reports = state.store.reports(r.id).await?;
        rounds.push(RoundLine {
            id: r.id,
            name: r.name.clone(),
            as_of: r.as_of.to_string(),
            due: r.due.to_string(),
            open: r.state == RoundState::Open,
            row_version: r.row_version,
            submitted: reports
                .iter()
                .filter(|x| matches!(x.state, ReportState::Submitted | ReportState::Accepted))
                .count(),
            accepted: reports
                .iter()
                .filter(|x| x.state == ReportState::Accepted)
                .count(),
            late: reports.iter().filter(|x| x.late).count(),
        });
    }
    render(&RoundsPage {
        nav,
        is_office,
        plan: Some(plan.title),
        rounds,
        expected,
        form,
        errors,
    })
}

pub async fn rounds(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    rounds_page(
        &state,
        &ctx,
        q.get("ok").map(String::as_str),
        RoundForm::default(),
        vec![],
    )
    .await
}

pub async fn round_open(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<RoundForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let as_of = NaiveDate::parse_from_str(f.as_of.trim(), "%Y-%m-%d");
    let due = NaiveDate::parse_from_str(f.due.trim(), "%Y-%m-%d");
    if f.name.trim().is_empty() {
        errors.push(("name", "请填写轮次名称，如“2024年9月调度”".to_string()));
    }
    if as_of.is_err() {
        errors.push(("as_of", "请填写统计截止日期（年-月-日）".to_string()));
    }
    if due.is_err() {
        errors.push(("due", "请填写报送截止日期（年-月-日）".to_string()));
    }
    let plan = current_plan(&state, &ctx).await?;
    if errors.is_empty()
        && let (Ok(as_of), Ok(due), Some(plan)) = (as_of, due, plan)
    {
        match state
            .store
            .open_round(
                &RoundInput {
                    plan_id: plan.id,
                    name: f.name.trim().to_string(),
                    as_of,
                    due,
                },
                false,
                &ctx.actor(),
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to("/rounds?ok=opened").into_response()),
            Err(zhuanban_store::StoreError::Invalid { field, message }) => {
                let field = match field.as_str() {
                    "due" => "due",
                    "name" => "name",
                    _ => "as_of",
                };
                errors.push((field, message));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut res = rounds_page(&state, &ctx, None, f, errors).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    version: i64,
}

pub async fn round_close(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let round = state.store.round(id).await?;
    if round.plan_id != plan.id {
        return Err(AppError::not_found());
    }
    state.store.close_round(id, f.version, &ctx.actor()).await?;
    Ok(Redirect::to("/rounds?ok=closed").into_response())
}
