//! The office's and leaders' desk: dashboard, ledger, task page, instructions, rounds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_ledger::calendar;
use zhuanban_ledger::evaluate::{Reporting, TaskStatus};
use zhuanban_ledger::{
    Colour, Id, ReportState, Role, RoundId, RoundState, Status, TargetKind, TaskRecord, UnitId,
    UnitRecord, User,
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
    let version = state.store.data_version().await?;
    match plan_at(state, ctx, version).await? {
        Some(id) => judge_at(state, id, view, version).await.map(Some),
        None => Ok(None),
    }
}

/// The plan the desk works on for a request — the one rule, for every page and the API's
/// default: the plan named by `?plan=ID` or chosen on /plans/switch when the account may see
/// it (one named in the URL that it may not see is not found; a chosen one no longer there
/// falls back), else the newest active (not archived) plan it may see. The office, leaders and the administrator see every
/// plan; a unit the plans it has a part in (`Db::plans_of_unit`). None: no plan to show.
pub async fn plan_for(state: &AppState, ctx: &Ctx) -> AppResult<Option<Id>> {
    let version = state.store.data_version().await?;
    plan_at(state, ctx, version).await
}

/// [`plan_for`] at a data version. The plans each account may see are kept per data version
/// (a unit's ledger is the desk's busiest page), so a kept choice costs no query.
async fn plan_at(state: &AppState, ctx: &Ctx, version: i64) -> AppResult<Option<Id>> {
    // None: every plan; Some(unit): a unit's plans (an account of no unit has none).
    let key = ctx
        .user
        .as_ref()
        .filter(|u| u.role == zhuanban_ledger::Role::Unit)
        .map(|u| u.unit_id.unwrap_or_default());
    let kept = {
        let kept = state.plan_ids.lock().expect("plan ids");
        match &*kept {
            Some((v, by)) if *v == version => by.get(&key).cloned(),
            _ => None,
        }
    };
    let ids = match kept {
        Some(ids) => ids,
        None => {
            let plans = match key {
                None => state.store.plans().await?,
                Some(unit) => state.store.plans_of_unit(unit).await?,
            };
            let ids: Arc<Vec<(Id, bool)>> =
                Arc::new(plans.iter().map(|p| (p.id, p.archived())).collect());
            let mut kept = state.plan_ids.lock().expect("plan ids");
            match &mut *kept {
                Some((v, by)) if *v == version => {
                    by.insert(key, Arc::clone(&ids));
                }
                _ => *kept = Some((version, [(key, Arc::clone(&ids))].into())),
            }
            ids
        }
    };
    match ctx.plan {
        Some(id) if ids.iter().any(|(i, _)| *i == id) => Ok(Some(id)),
        Some(_) if ctx.plan_in_url => Err(AppError::not_found()),
        // The newest active plan; when every plan is archived, the newest.
        _ => Ok(ids
            .iter()
            .rev()
            .find(|(_, archived)| !archived)
            .or(ids.last())
            .map(|(id, _)| *id)),
    }
}

/// Judges a plan (None: there is no plan to judge; an unknown one is not found) for a view.
/// The default view of each plan is kept (see [`judge`]); a kept judgement is found without
/// reading anything but the data version.
pub async fn judge_plan(
    state: &AppState,
    plan: Option<Id>,
    view: View,
) -> AppResult<Option<Arc<Judged>>> {
    let Some(id) = plan else { return Ok(None) };
    let version = state.store.data_version().await?;
    judge_at(state, id, view, version).await.map(Some)
}

async fn judge_at(state: &AppState, id: Id, view: View, version: i64) -> AppResult<Arc<Judged>> {
    let cached = view == View::default();
    let day = today();
    if cached && let Some(j) = kept_judgement(state, id, version, day) {
        return Ok(j);
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
        keep_judgements(state, version, day, [(id, Arc::clone(&j))]);
    }
    Ok(j)
}

/// The default judgement of a plan kept at this data version and day, if any.
fn kept_judgement(state: &AppState, id: Id, version: i64, day: NaiveDate) -> Option<Arc<Judged>> {
    let kept = state.judged.lock().expect("judgement cache");
    let (v, d, j) = kept.get(&id)?;
    (*v == version && *d == day).then(|| Arc::clone(j))
}

/// Keeps default judgements made at this data version and day; those of an older data
/// version are of no more use and go.
fn keep_judgements(
    state: &AppState,
    version: i64,
    day: NaiveDate,
    judged: impl IntoIterator<Item = (Id, Arc<Judged>)>,
) {
    let mut kept = state.judged.lock().expect("judgement cache");
    kept.retain(|_, (v, _, _)| *v == version);
    for (id, j) in judged {
        kept.insert(id, (version, day, j));
    }
}

/// The default judgement of several plans, in the order asked: those judged since the data
/// last changed from the cache, the others judged together ([`zhuanban_desk::judge_plans`],
/// one set of reads for all of them) and kept. The same judgement [`judge_plan`] gives each.
pub async fn judge_plans(state: &AppState, ids: &[Id]) -> AppResult<Vec<Arc<Judged>>> {
    let version = state.store.data_version().await?;
    let day = today();
    let mut found: HashMap<Id, Arc<Judged>> = ids
        .iter()
        .filter_map(|&id| Some((id, kept_judgement(state, id, version, day)?)))
        .collect();
    let missing: Vec<Id> = ids
        .iter()
        .copied()
        .filter(|id| !found.contains_key(id))
        .collect();
    if !missing.is_empty() {
        let judged = match zhuanban_desk::judge_plans(&state.store, &missing, View::default(), day)
            .await
        {
            Ok(j) => j,
            Err(zhuanban_store::StoreError::NotFound { .. }) => return Err(AppError::not_found()),
            Err(e) => return Err(e.into()),
        };
        let judged: Vec<(Id, Arc<Judged>)> = missing
            .into_iter()
            .zip(judged.into_iter().map(Arc::new))
            .collect();
        keep_judgements(state, version, day, judged.iter().cloned());
        found.extend(judged);
    }
    ids.iter()
        .map(|id| found.get(id).cloned().ok_or_else(AppError::not_found))
        .collect()
}

/// The view a page or API call asks for.
#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub round: Option<RoundId>,
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

fn names(units: &[UnitRecord], ids: &[UnitId]) -> String {
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
    /// How far behind the progress is (`Status::severity`): the order of attention lists.
    pub severity: u8,
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

/// The tasks that need attention in a judgement — behind schedule, whether or not they were
/// reported, or with a report owed — worst progress first, as rows. The dashboard's
/// 需要关注的任务 and the overview of all plans show these.
pub fn attention(j: &Judged) -> Vec<TaskRow> {
    let mut out: Vec<(&TaskStatus, &TaskRecord)> = j
        .eval
        .tasks
        .iter()
        .zip(&j.tasks)
        .filter(|(s, _)| s.status.behind() || s.reporting.is_some_and(Reporting::owing))
        .collect();
    out.sort_by_key(|(s, _)| std::cmp::Reverse(s.status.severity()));
    out.into_iter().map(|(s, t)| task_row(j, t, s)).collect()
}

fn task_row(j: &Judged, task: &TaskRecord, status: &TaskStatus) -> TaskRow {
    let shown = status
        .reporting
        .filter(|r| !matches!(r, Reporting::OnTime | Reporting::NotRequired));
    TaskRow {
        severity: status.status.severity(),
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
    let attention = attention(&j);
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

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LedgerQuery {
    /// Words to search for (`?q=`), each in the task's number, title or text, its units, its
    /// status or reporting state, its colour, or its section; all must be found.
    q: Option<String>,
    section: Option<String>,
    unit: Option<UnitId>,
    colour: Option<String>,
    /// A reporting state (`missing`, `returned`, `awaiting_review`, `late`, `on_time`).
    reporting: Option<String>,
    round: Option<RoundId>,
    as_of: Option<NaiveDate>,
    /// The plan (read by `plan_for`; kept here for the page links and the export link).
    plan: Option<Id>,
    /// The page of the ledger, from 1 ([`LEDGER_PAGE`] tasks a page).
    page: Option<usize>,
}

/// Tasks on one page of the ledger.
pub const LEDGER_PAGE: usize = 200;

impl LedgerQuery {
    fn view(&self) -> View {
        View {
            round: self.round,
            as_of: self.as_of,
        }
    }

    /// The query of this view and its filters without the page (`plan=1&q=…`), for the
    /// page links and the export link.
    fn filters_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut add = |k: &str, v: String| {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::routes::encode(&v)));
            }
        };
        add("plan", self.plan.map(|p| p.to_string()).unwrap_or_default());
        add(
            "round",
            self.round.map(|r| r.to_string()).unwrap_or_default(),
        );
        add(
            "as_of",
            self.as_of.map(|d| d.to_string()).unwrap_or_default(),
        );
        add("q", self.q.clone().unwrap_or_default());
        add("section", self.section.clone().unwrap_or_default());
        add(
            "unit",
            self.unit
                .filter(|&u| u.get() != 0)
                .map(|u| u.to_string())
                .unwrap_or_default(),
        );
        add("colour", self.colour.clone().unwrap_or_default());
        add("reporting", self.reporting.clone().unwrap_or_default());
        parts.join("&")
    }
}

/// The tasks of a judgement the ledger shows an account through the filters of a query, in
/// the plan's order, and how many tasks the account sees in all. The one filter of the ledger
/// page and of its export (`/ledger.xlsx`).
fn ledger_tasks<'j>(
    j: &'j Judged,
    user: &User,
    q: &LedgerQuery,
) -> (usize, Vec<(&'j TaskRecord, &'j TaskStatus)>) {
    let section = q.section.as_deref().unwrap_or_default();
    let colour = q.colour.as_deref().unwrap_or_default();
    // 0: every unit (the filter's 全部).
    let unit = q.unit.unwrap_or_default();
    let reporting = q.reporting.as_deref().unwrap_or_default();
    let words = search_words(q.q.as_deref().unwrap_or_default());
    let sections = section_titles(&j.tasks);
    let visible: Vec<(&TaskRecord, &TaskStatus)> =
        j.rows().filter(|(t, _)| may_see_task(user, t)).collect();
    let total = visible.len();
    let tasks = visible
        .into_iter()
        .filter(|(t, _)| {
            section.is_empty() || t.code == section || t.code.starts_with(&format!("{section}."))
        })
        .filter(|(t, _)| unit.get() == 0 || t.lead.contains(&unit) || t.support.contains(&unit))
        .filter(|(_, s)| colour.is_empty() || s.colour.as_str() == colour)
        .filter(|(_, s)| {
            reporting.is_empty() || s.reporting.is_some_and(|r| r.as_str() == reporting)
        })
        .filter(|(t, s)| {
            words.is_empty() || {
                let row = task_row(j, t, s);
                let head = t.code.split('.').next().unwrap_or("");
                let section_title = sections
                    .iter()
                    .find(|(v, _)| v == head)
                    .map_or("", |(_, l)| l.as_str());
                let hay = [
                    row.code.as_str(),
                    &row.title,
                    &t.text,
                    &row.lead,
                    &row.support,
                    row.status,
                    row.reporting.as_deref().unwrap_or(""),
                    colour_words(row.class),
                    section_title,
                ]
                .join(" ")
                .to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            }
        })
        .collect();
    (total, tasks)
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    nav: Nav,
    plan: Option<String>,
    as_of: String,
    rows: Vec<TaskRow>,
    sections: Vec<(String, String)>,
    units: Vec<(UnitId, String)>,
    q: String,
    section: String,
    unit: UnitId,
    colour: String,
    reporting: String,
    /// Tasks the account sees in the plan, and those the filters keep.
    total: usize,
    matched: usize,
    /// The page shown (from 1) and the number of pages.
    page: usize,
    pages: usize,
    /// The filters as a query (without the page), for page links and the export.
    filters: String,
    /// The plan shown, kept by the filter form.
    plan_id: Id,
}

impl LedgerPage {
    /// The link to another page of the same filtered view.
    fn page_href(&self, page: impl std::borrow::Borrow<usize>) -> String {
        let page = page.borrow();
        if self.filters.is_empty() {
            format!("/ledger?page={page}")
        } else {
            format!("/ledger?{}&page={page}", self.filters)
        }
    }

    /// The export of the same filtered view.
    fn export_href(&self) -> String {
        if self.filters.is_empty() {
            "/ledger.xlsx".into()
        } else {
            format!("/ledger.xlsx?{}", self.filters)
        }
    }
}

pub async fn ledger(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LedgerQuery>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let nav = Nav::new(&ctx, &state, "/ledger");
    let Some(j) = judge_view(&state, &ctx, q.view()).await? else {
        return render(&LedgerPage {
            nav,
            plan: None,
            as_of: String::new(),
            rows: vec![],
            sections: vec![],
            units: vec![],
            q: String::new(),
            section: String::new(),
            unit: UnitId::default(),
            colour: String::new(),
            reporting: String::new(),
            total: 0,
            matched: 0,
            page: 1,
            pages: 1,
            filters: String::new(),
            plan_id: 0,
        });
    };
    let (total, tasks) = ledger_tasks(&j, &user, &q);
    let matched = tasks.len();
    let pages = matched.div_ceil(LEDGER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = tasks
        .into_iter()
        .skip((page - 1) * LEDGER_PAGE)
        .take(LEDGER_PAGE)
        .map(|(t, s)| task_row(&j, t, s))
        .collect();
    let mut units: Vec<(UnitId, String)> = j
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
    // The links keep the plan shown, whether or not the URL named it.
    let filters = LedgerQuery {
        plan: Some(j.plan.id),
        ..q.clone()
    }
    .filters_query();
    let LedgerQuery {
        q: words,
        section,
        unit,
        colour,
        reporting,
        ..
    } = q;
    render(&LedgerPage {
        nav,
        plan: Some(j.plan.title.clone()),
        as_of: j.as_of.to_string(),
        rows,
        sections: section_titles(&j.tasks),
        units,
        q: words.unwrap_or_default(),
        section: section.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        colour: colour.unwrap_or_default(),
        reporting: reporting.unwrap_or_default(),
        total,
        matched,
        page,
        pages,
        filters,
        plan_id: j.plan.id,
    })
}

/// The ledger's filtered view as XLSX (`/ledger.xlsx?` the ledger's own query): the same
/// tasks as the page through the same filter (every page of them), as the office's ledger
/// sheet. A unit's export carries only its own reports' words, as its task pages do.
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LedgerQuery>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let Some(j) = judge_view(&state, &ctx, q.view()).await? else {
        return Err(AppError::not_found());
    };
    let (_, tasks) = ledger_tasks(&j, &user, &q);
    let codes: std::collections::HashSet<&str> =
        tasks.iter().map(|(t, _)| t.code.as_str()).collect();
    let mut reports = match &j.round {
        Some(r) => state.store.reports(r.id).await?,
        None => vec![],
    };
    if user.role == Role::Unit {
        reports.retain(|r| Some(r.unit_id) == user.unit_id);
    }
    let sheet =
        zhuanban_desk::bulletin::ledger_sheet_of(&j, &reports, |t| codes.contains(t.code.as_str()));
    Ok(crate::download::attachment_named(
        zhuanban_office::xlsx::ledger_xlsx(&sheet),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("ledger-{}.xlsx", j.plan.id),
        &format!("{}任务台账.xlsx", j.plan.title),
    ))
}

/// The words of a search (`?q=`): split at spaces (full-width too), lower-cased, at most 10
/// words of at most 50 characters each.
fn search_words(q: &str) -> Vec<String> {
    q.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .take(10)
        .map(|w| w.chars().take(50).collect::<String>().to_lowercase())
        .collect()
}

/// The words a colour goes by on the desk (a search for "红" or "滞后" finds its tasks).
fn colour_words(class: &str) -> &'static str {
    match class {
        "c-green" => "绿 正常",
        "c-yellow" => "黄 滞后",
        "c-red" => "红 严重滞后 逾期",
        _ => "灰 无数据",
    }
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
    /// 督办 this task (the office): the form's address, with its plan.
    notice_link: Option<String>,
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
            v.parse::<RoundId>()
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
    let mut series: HashMap<zhuanban_ledger::TargetId, Vec<(NaiveDate, f64)>> = snapshot_task
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
    let rounds: HashMap<RoundId, String> =
        j.rounds.iter().map(|r| (r.id, r.name.clone())).collect();
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
        let rounds = state.store.rounds(task.plan_id).await?;
        state
            .store
            .audit_for_task(&task.code, 30)
            .await?
            .into_iter()
            // Task numbers repeat across plans: a report of another plan's round is not this
            // task's.
            .filter(|a| {
                a.object.split_whitespace().all(|w| {
                    w.strip_prefix("round#")
                        .and_then(|id| id.parse::<RoundId>().ok())
                        .is_none_or(|id| rounds.iter().any(|r| r.id == id))
                })
            })
            .map(|a| {
                (
                    cst(&a.at),
                    a.actor,
                    zhuanban_desk::audit::action_label(&a.action).to_string(),
                    zhuanban_desk::audit::object_label(
                        &a.object,
                        &rounds,
                        std::slice::from_ref(task),
                    ),
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
        notice_link: (user.role == Role::Office)
            .then(|| format!("/tasks/{}/notice?plan={}", task.code, task.plan_id)),
        show_audit,
        instruction_error,
        instruction_text,
    })
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
    match zhuanban_desk::messages::add_instruction(&state.store, task.id, &f.text, &ctx.actor())
        .await
        .map(crate::warn_unposted)
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
    pub id: RoundId,
    pub name: String,
    pub as_of: String,
    pub due: String,
    /// Said beside a due date in a year whose holidays are not in the calendar.
    pub due_note: String,
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
    /// An archived plan takes no new round.
    archived: bool,
    rounds: Vec<RoundLine>,
    expected: usize,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
    /// The years whose holidays the calendar knows, "2024—2026".
    calendar_years: String,
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
            archived: false,
            rounds: vec![],
            expected: 0,
            form,
            errors,
            calendar_years: calendar::years_known(),
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
            due_note: calendar::fallback_note(r.due).unwrap_or_default(),
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
        archived: plan.archived(),
        plan: Some(plan.title),
        rounds,
        expected,
        form,
        errors,
        calendar_years: calendar::years_known(),
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
        && let (Ok(as_of), Ok(typed_due), Some(plan)) = (as_of, due, plan)
    {
        // A due date on a weekend or public holiday moves to the next working day (China's
        // calendar), and the page says so.
        let due = calendar::next_working_day(typed_due);
        let moved = due != typed_due;
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
            Ok(_) => {
                let flash = if moved { "opened_moved" } else { "opened" };
                return Ok(Redirect::to(&format!("/rounds?ok={flash}")).into_response());
            }
            Err(zhuanban_store::StoreError::Invalid { field, message }) => {
                let field = match field.as_str() {
                    "due" => "due",
                    "name" => "name",
                    "plan" => "plan",
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
    Path(id): Path<RoundId>,
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
