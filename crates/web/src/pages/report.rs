//! The unit's workspace (我的任务, the report form) and the office's review.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_ledger::input;
use zhuanban_ledger::{
    EvidenceRef, Id, MilestoneId, Report, ReportState, Role, Round, RoundState, TargetId,
    TargetKind, TaskId, TaskRecord, UnitId, User,
};
use zhuanban_store::{ReportInput, Store, StoreError};

use super::{Nav, cst, current_plan, number, own_unit, render, unit_name};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::evidence;
use crate::routes::Ctx;

#[derive(Debug)]
pub struct MyTask {
    pub code: String,
    pub title: String,
    pub role: &'static str,
    pub state: &'static str,
    pub returned: bool,
    pub can_edit: bool,
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    nav: Nav,
    unit: String,
    /// Every plan the unit has a part in: the desk's current plan first.
    plans: Vec<MyPlan>,
    /// What waits for the unit, shown above its tasks: open notices, returned reports.
    todo: Vec<MyTodo>,
}

/// Something waiting for the unit on 我的任务: a notice to sign or answer, a report returned
/// by the office (with its reason).
#[derive(Debug)]
pub struct MyTodo {
    /// What it is ("督办单待签收", "报告被退回" …) and its tag's colour.
    pub kind: &'static str,
    pub class: &'static str,
    pub title: String,
    pub detail: String,
    pub link: String,
}

/// The unit's open notices (to sign, or to answer) and its returned reports in open rounds,
/// for the top of 我的任务.
async fn my_todo(
    state: &AppState,
    unit_id: UnitId,
    plan: &zhuanban_ledger::PlanRecord,
    round: Option<&Round>,
    tasks: &[TaskRecord],
    reports: &[Report],
) -> AppResult<Vec<MyTodo>> {
    let mut out = Vec::new();
    let task_of = |id: TaskId| tasks.iter().find(|t| t.id == id);
    for n in state
        .store
        .notices(plan.id)
        .await?
        .into_iter()
        .filter(|n| n.unit_id == unit_id)
    {
        let (kind, class) = match n.state {
            zhuanban_ledger::NoticeState::Issued => ("督办单待签收", "c-red"),
            zhuanban_ledger::NoticeState::Signed => ("督办单待回复", "c-yellow"),
            zhuanban_ledger::NoticeState::Reopened => ("督办单退回重办", "c-red"),
            _ => continue,
        };
        let task = match task_of(n.task_id) {
            Some(t) => format!("{} {}", t.code, t.title),
            None => state
                .store
                .task_brief(n.task_id)
                .await
                .map_or_else(|_| String::new(), |t| format!("{} {}", t.code, t.title)),
        };
        out.push(MyTodo {
            kind,
            class,
            title: format!("{}（{}）", n.number, task),
            detail: if n.state == zhuanban_ledger::NoticeState::Issued {
                format!("{}。请于 {} 前签收并回复整改措施。", n.reason, n.reply_by)
            } else {
                format!("{}。请于 {} 前回复整改措施。", n.reason, n.reply_by)
            },
            link: format!("/notices?plan={}#notice-{}", plan.id, n.id),
        });
    }
    if let Some(round) = round {
        for r in reports
            .iter()
            .filter(|r| r.unit_id == unit_id && r.state == ReportState::Returned)
        {
            let Some(t) = task_of(r.task_id) else {
                continue;
            };
            out.push(MyTodo {
                kind: "报告被退回",
                class: "c-red",
                title: format!("{} {}（{}）", t.code, t.title, round.name),
                detail: format!(
                    "退回理由：{}",
                    r.return_reason.as_deref().unwrap_or("（未填写）")
                ),
                link: format!("/my/tasks/{}?plan={}", t.code, plan.id),
            });
        }
    }
    Ok(out)
}

/// A plan on 我的任务: its open round and the unit's tasks in it.
struct MyPlan {
    id: Id,
    title: String,
    current: bool,
    round: Option<Round>,
    tasks: Vec<MyTask>,
}

/// The open round of the current plan (units report only into an open round).
async fn open_round(
    state: &AppState,
    ctx: &Ctx,
) -> AppResult<Option<(zhuanban_ledger::PlanRecord, Round)>> {
    let Some(plan) = current_plan(state, ctx).await? else {
        return Ok(None);
    };
    let round = newest_open(state.store.rounds(plan.id).await?);
    Ok(round.map(|r| (plan, r)))
}

fn newest_open(rounds: Vec<Round>) -> Option<Round> {
    rounds
        .into_iter()
        .rev()
        .find(|r| r.state == RoundState::Open)
}

/// 我的任务: the unit's tasks in the open round of every plan it has a part in (a unit that
/// leads tasks in two plans reports in both from here; each link names its plan).
pub async fn my_tasks(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let unit_id = own_unit(&user)?;
    let nav = Nav::new(&ctx, &state, "/my").with_flash(q.get("ok").map(String::as_str));
    let unit = state.store.unit_by_id(unit_id).await?.name;
    let current = current_plan(&state, &ctx).await?.map(|p| p.id);
    let mut plans = Vec::new();
    let mut todo = Vec::new();
    for plan in super::visible_plans(&state, &user).await? {
        let round = newest_open(state.store.rounds(plan.id).await?);
        let tasks = match &round {
            Some(round) => {
                let tasks = state.store.tasks(plan.id, Some(round.plan_version)).await?;
                let reports = state.store.reports(round.id).await?;
                todo.extend(my_todo(&state, unit_id, &plan, Some(round), &tasks, &reports).await?);
                my_rows(&tasks, &reports, unit_id)
            }
            None => {
                todo.extend(my_todo(&state, unit_id, &plan, None, &[], &[]).await?);
                vec![]
            }
        };
        plans.push(MyPlan {
            id: plan.id,
            title: plan.title,
            current: Some(plan.id) == current,
            round,
            tasks,
        });
    }
    // The current plan first, then plans with an open round, newest first.
    plans.sort_by_key(|p| (!p.current, p.round.is_none(), std::cmp::Reverse(p.id)));
    render(&MyPage {
        nav,
        unit,
        plans,
        todo,
    })
}

fn my_rows(tasks: &[TaskRecord], reports: &[Report], unit_id: UnitId) -> Vec<MyTask> {
    tasks
        .iter()
        .filter(|t| t.lead.contains(&unit_id) || t.support.contains(&unit_id))
        .map(|t| {
            let r = reports
                .iter()
                .find(|r| r.task_id == t.id && r.unit_id == unit_id);
            MyTask {
                code: t.code.clone(),
                title: t.title.clone(),
                role: if t.lead.contains(&unit_id) {
                    "牵头"
                } else {
                    "配合"
                },
                state: r.map_or("未填报", |r| r.state.label()),
                returned: r.is_some_and(|r| r.state == ReportState::Returned),
                can_edit: r
                    .is_none_or(|r| matches!(r.state, ReportState::Draft | ReportState::Returned)),
            }
        })
        .collect()
}

/// One target row of the report form.
#[derive(Debug)]
pub struct FormTarget {
    pub id: TargetId,
    pub metric: String,
    pub goal: String,
    pub unit: String,
    pub hint: &'static str,
    pub value: String,
    pub previous: String,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct FormMilestone {
    pub id: MilestoneId,
    pub text: String,
    pub deadline: String,
    pub done: bool,
    pub done_on: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    nav: Nav,
    /// The plan of the task (carried in the form's URLs: a unit may report in several plans).
    plan_id: Id,
    round: Round,
    code: String,
    title: String,
    text: String,
    role: &'static str,
    targets: Vec<FormTarget>,
    milestones: Vec<FormMilestone>,
    narrative: String,
    problems: String,
    next_steps: String,
    evidence: Vec<(String, String, String)>,
    return_reason: Option<String>,
    state: Option<&'static str>,
    editable: bool,
    version: String,
    errors: Vec<String>,
    field_errors: HashMap<&'static str, String>,
    max_upload_mb: usize,
    /// ("t12", "目标：…（现时限 2024-12-31）") for the extension request form.
    extendable: Vec<(String, String)>,
    /// A report no longer editable, shown whole as the office sees it (every field, its
    /// evidence, when it was sent).
    view: Option<ReportView>,
}

impl ReportFormPage {
    fn field_error(&self, f: &str) -> Option<&str> {
        self.field_errors.get(f).map(String::as_str)
    }
}

struct FormCtx {
    round: Round,
    task: TaskRecord,
    unit_id: UnitId,
    existing: Option<Report>,
    previous: Option<Report>,
    plan_id: Id,
}

async fn form_ctx(state: &AppState, ctx: &Ctx, user: &User, code: &str) -> AppResult<FormCtx> {
    let unit_id = own_unit(user)?;
    let Some((plan, round)) = open_round(state, ctx).await? else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "当前没有进行中的调度轮次，无需填报",
        ));
    };
    let tasks = state.store.tasks(plan.id, Some(round.plan_version)).await?;
    let task = tasks
        .into_iter()
        .find(|t| t.code == code)
        .filter(|t| t.lead.contains(&unit_id) || t.support.contains(&unit_id))
        .ok_or_else(AppError::not_found)?;
    let existing = state.store.find_report(round.id, task.id, unit_id).await?;
    let previous = state.store.last_accepted(plan.id, code, unit_id).await?;
    Ok(FormCtx {
        round,
        task,
        unit_id,
        existing,
        previous,
        plan_id: plan.id,
    })
}

fn kind_hint(k: TargetKind) -> &'static str {
    match k {
        TargetKind::Cumulative => "填写年初以来累计完成数",
        TargetKind::Level => "填写最新水平值",
        TargetKind::Growth => "填写最新增长率（下降填负数）",
        TargetKind::Limit => "填写本期监测值",
        TargetKind::Class => "填写类别（1～6，对应I～劣V类）",
    }
}

/// The form's values: what the user typed (after an error), else the report being edited,
/// else the last accepted values (so a unit with nothing new changes only what moved).
fn build_form(
    state: &AppState,
    ctx: &Ctx,
    fc: &FormCtx,
    typed: Option<&Typed>,
    errors: Vec<String>,
    field_errors: HashMap<&'static str, String>,
) -> ReportFormPage {
    let base = fc.existing.as_ref().or(fc.previous.as_ref());
    let value_of = |r: Option<&Report>, id: TargetId| {
        r.and_then(|r| r.values.iter().find(|v| v.target_id == id))
            .map(|v| number(v.value).replace(',', ""))
    };
    let targets = fc
        .task
        .targets
        .iter()
        .map(|t| {
            let key = format!("value_{}", t.id);
            let value = match typed {
                Some(ty) => ty.fields.get(&key).cloned().unwrap_or_default(),
                None => value_of(base, t.id)
                    .or_else(|| value_of(fc.previous.as_ref(), t.id))
                    .unwrap_or_default(),
            };
            FormTarget {
                id: t.id,
                metric: if t.metric.is_empty() {
                    t.text.clone()
                } else {
                    t.metric.clone()
                },
                goal: format!("{}{}", number(t.value), t.unit),
                unit: t.unit.clone(),
                hint: kind_hint(t.kind),
                value,
                previous: value_of(fc.previous.as_ref(), t.id)
                    .map(|v| format!("上次采纳：{v}{}", t.unit))
                    .unwrap_or_else(|| "尚无采纳记录".into()),
                error: field_errors.get(leak_key(&key)).cloned(),
            }
        })
        .collect();
    let milestones = fc
        .task
        .milestones
        .iter()
        .map(|m| {
            let prior = base.and_then(|r| r.milestones.iter().find(|x| x.milestone_id == m.id));
            let (done, done_on) = match typed {
                Some(ty) => (
                    ty.fields.contains_key(&format!("done_{}", m.id)),
                    ty.fields
                        .get(&format!("done_on_{}", m.id))
                        .cloned()
                        .unwrap_or_default(),
                ),
                None => (
                    prior.is_some_and(|p| p.done),
                    prior
                        .and_then(|p| p.done_on)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ),
            };
            FormMilestone {
                id: m.id,
                text: m.text.clone(),
                deadline: m
                    .deadline
                    .map_or_else(|| "无明确时限".into(), |d| d.to_string()),
                done,
                done_on,
                error: field_errors
                    .get(leak_key(&format!("done_on_{}", m.id)))
                    .cloned(),
            }
        })
        .collect();
    let text_of = |field: &str, from: fn(&Report) -> &String| match typed {
        Some(ty) => ty.fields.get(field).cloned().unwrap_or_default(),
        None => fc
            .existing
            .as_ref()
            .map(|r| from(r).clone())
            .unwrap_or_default(),
    };
    let editable = fc
        .existing
        .as_ref()
        .is_none_or(|r| matches!(r.state, ReportState::Draft | ReportState::Returned));
    ReportFormPage {
        nav: Nav::new(ctx, state, "/my"),
        plan_id: fc.plan_id,
        round: fc.round.clone(),
        code: fc.task.code.clone(),
        title: fc.task.title.clone(),
        text: fc.task.text.clone(),
        role: if fc.task.lead.contains(&fc.unit_id) {
            "牵头"
        } else {
            "配合"
        },
        targets,
        milestones,
        narrative: text_of("narrative", |r| &r.narrative),
        problems: text_of("problems", |r| &r.problems),
        next_steps: text_of("next_steps", |r| &r.next_steps),
        evidence: fc
            .existing
            .as_ref()
            .map(|r| {
                r.evidence
                    .iter()
                    .map(|e| {
                        (
                            format!("/reports/{}/evidence/{}", r.id, e.sha256),
                            e.name.clone(),
                            format!("{:.1} KB", e.size as f64 / 1024.0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        return_reason: fc
            .existing
            .as_ref()
            .filter(|r| r.state == ReportState::Returned)
            .and_then(|r| r.return_reason.clone()),
        state: fc.existing.as_ref().map(|r| r.state.label()),
        editable,
        version: fc
            .existing
            .as_ref()
            .map(|r| r.row_version.to_string())
            .unwrap_or_default(),
        errors,
        field_errors,
        max_upload_mb: state.config.max_upload / 1_048_576,
        view: None,
        extendable: fc
            .task
            .targets
            .iter()
            .map(|t| {
                (
                    format!("t{}", t.id),
                    format!(
                        "目标：{}（时限 {}）",
                        if t.metric.is_empty() {
                            &t.text
                        } else {
                            &t.metric
                        },
                        t.deadline
                            .map_or_else(|| "方案期末".to_string(), |d| d.to_string())
                    ),
                )
            })
            .chain(fc.task.milestones.iter().map(|m| {
                (
                    format!("m{}", m.id),
                    format!(
                        "节点：{}（时限 {}）",
                        m.text,
                        m.deadline
                            .map_or_else(|| "方案期末".to_string(), |d| d.to_string())
                    ),
                )
            }))
            .collect(),
    }
}

/// Field names are built from ids; errors are keyed by a leaked `'static` copy (one per form
/// field, bounded by the number of targets and milestones).
fn leak_key(key: &str) -> &'static str {
    static KEYS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        std::sync::OnceLock::new();
    let set = KEYS.get_or_init(Default::default);
    let mut set = set.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = set.get(key) {
        return k;
    }
    let k: &'static str = Box::leak(key.to_string().into_boxed_str());
    set.insert(k);
    k
}

pub async fn report_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let fc = form_ctx(&state, &ctx, &user, &code).await?;
    let mut page = build_form(&state, &ctx, &fc, None, vec![], HashMap::new());
    if !page.editable
        && let Some(r) = &fc.existing
    {
        let mut view = report_view_model(&state, r).await?;
        view.reviewable = false;
        page.view = Some(view);
    }
    render(&page)
}

/// What the user typed, kept to re-show the form after an error.
#[derive(Debug, Default)]
struct Typed {
    fields: HashMap<String, String>,
    files: Vec<(String, Vec<u8>)>,
}

async fn read_multipart(mut mp: Multipart, max: usize) -> Result<Typed, String> {
    let mut t = Typed::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("表单数据不完整：{e}")),
        };
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| format!("文件上传失败或超过 {} MB", max / 1_048_576))?;
            if !file_name.is_empty() && !bytes.is_empty() {
                t.files.push((file_name, bytes.to_vec()));
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| format!("表单数据不完整：{e}"))?;
            t.fields.insert(name, text);
        }
    }
    Ok(t)
}

/// Saves (草稿) or submits (报送) a report. Every field is checked first; a wrong value
/// re-shows the form with the message beside the field and what the user typed; nothing is
/// written until everything is valid.
pub async fn report_save(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let fc = form_ctx(&state, &ctx, &user, &code).await?;
    let mut typed = match read_multipart(mp, state.config.max_upload).await {
        Ok(t) => t,
        Err(e) => {
            let page = build_form(&state, &ctx, &fc, None, vec![e], HashMap::new());
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let mut errors = Vec::new();
    let mut field_errors: HashMap<&'static str, String> = HashMap::new();
    let mut values = Vec::new();
    for t in &fc.task.targets {
        let key = format!("value_{}", t.id);
        let raw = typed
            .fields
            .get(&key)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if raw.is_empty() {
            continue;
        }
        let label = if t.metric.is_empty() {
            "数值"
        } else {
            t.metric.as_str()
        };
        // Read here (the message quotes what was typed; the target's own unit may follow
        // the number, a water class may be a numeral); what the number may be is checked
        // with the rest of the report below.
        match input::parse_target_value(label, &raw, t.kind, &t.unit) {
            Ok(v) => values.push((t.id, v)),
            Err(e) => {
                field_errors.insert(leak_key(&key), e);
            }
        }
    }
    let mut milestones = Vec::new();
    for m in &fc.task.milestones {
        let done = typed.fields.contains_key(&format!("done_{}", m.id));
        let key = format!("done_on_{}", m.id);
        let raw = typed
            .fields
            .get(&key)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let date = if raw.is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    field_errors.insert(leak_key(&key), "日期格式应为 年-月-日".into());
                    None
                }
            }
        };
        milestones.push((m.id, done, date));
    }
    let mut evidence_refs: Vec<(EvidenceRef, Vec<u8>)> = Vec::new();
    for (name, bytes) in &typed.files {
        match evidence::check(name, bytes, state.config.max_upload) {
            Ok(e) => evidence_refs.push((e, bytes.clone())),
            Err(e) => errors.push(e),
        }
    }
    let submit = typed.fields.get("action").map(String::as_str) == Some("submit");
    // Windows line ends become line feeds (the text itself is checked below).
    for field in ["narrative", "problems", "next_steps"] {
        if let Some(t) = typed.fields.get_mut(field) {
            t.retain(|c| c != '\r');
        }
    }
    {
        // The one check of a report (the store makes it again under its write lock): each
        // refusal is shown beside the field it names (after a number that could not be read).
        let text = |k: &str| typed.fields.get(k).map(String::as_str).unwrap_or_default();
        let draft = input::ReportDraft {
            values: &values,
            milestones: &milestones,
            narrative: text("narrative"),
            problems: text("problems"),
            next_steps: text("next_steps"),
            submit,
        };
        for r in draft.refusals(&input::TaskShape::of(&fc.task), super::today()) {
            let seq = |f: &str, prefix: &str| {
                f.strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix(']'))
                    .and_then(|n| n.parse::<i64>().ok())
            };
            let key = if let Some(n) = seq(&r.field, "values[") {
                fc.task
                    .targets
                    .iter()
                    .find(|t| t.seq == n)
                    .map(|t| leak_key(&format!("value_{}", t.id)))
            } else if let Some(n) = seq(&r.field, "milestones[") {
                fc.task
                    .milestones
                    .iter()
                    .find(|m| m.seq == n)
                    .map(|m| leak_key(&format!("done_on_{}", m.id)))
            } else {
                ["narrative", "problems", "next_steps"]
                    .into_iter()
                    .find(|f| *f == r.field)
            };
            match key {
                Some(k) => {
                    field_errors.entry(k).or_insert(r.message);
                }
                None => errors.push(r.message),
            }
        }
    }
    if !errors.is_empty() || !field_errors.is_empty() {
        if !typed.files.is_empty() {
            errors.push("出于安全原因，浏览器不会保留已选择的文件，请重新选择附件".into());
        }
        let page = build_form(&state, &ctx, &fc, Some(&typed), errors, field_errors);
        let mut res = render(&page)?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    // Files first (content-addressed: storing is idempotent and harmless if the save fails).
    for (e, bytes) in &evidence_refs {
        evidence::store(&state.config.data_dir, e, bytes)
            .await
            .map_err(AppError::internal)?;
    }
    let expected_version = typed.fields.get("version").and_then(|v| v.parse().ok());
    let input = ReportInput {
        round_id: fc.round.id,
        task_id: fc.task.id,
        unit_id: fc.unit_id,
        values,
        milestones,
        narrative: typed.fields.get("narrative").cloned().unwrap_or_default(),
        problems: typed.fields.get("problems").cloned().unwrap_or_default(),
        next_steps: typed.fields.get("next_steps").cloned().unwrap_or_default(),
        submit,
        expected_version,
        at: None,
        evidence: evidence_refs.into_iter().map(|(e, _)| e).collect(),
    };
    match zhuanban_desk::messages::save_report(
        &state.store,
        &state.config.channels,
        &input,
        &ctx.actor(),
    )
    .await
    .map(crate::warn_unposted)
    {
        Ok(_) => Ok(Redirect::to(if submit {
            "/my?ok=submitted"
        } else {
            "/my?ok=saved"
        })
        .into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let page = build_form(
                &state,
                &ctx,
                &fc,
                Some(&typed),
                vec![e.for_people()],
                HashMap::new(),
            );
            let mut res = render(&page)?;
            *res.status_mut() = if matches!(e, StoreError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether an account may see a report: its own unit's always; the office and leaders every
/// report but drafts.
fn may_see_report(user: &User, r: &Report) -> bool {
    match user.role {
        Role::Unit => user.unit_id == Some(r.unit_id),
        Role::Office | Role::Leader => r.state != ReportState::Draft,
        _ => false,
    }
}

pub async fn visible_report(state: &AppState, user: &User, id: Id) -> AppResult<Report> {
    let r = state.store.report(id).await?;
    if !may_see_report(user, &r) {
        return Err(AppError::not_found());
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Nav,
    r: ReportView,
}

/// A report with the names a person reads.
#[derive(Debug)]
pub struct ReportView {
    pub id: Id,
    pub round: String,
    pub code: String,
    pub title: String,
    pub unit: String,
    pub state: &'static str,
    pub submitted: String,
    pub late: bool,
    pub values: Vec<(String, String, String)>,
    pub milestones: Vec<(String, &'static str)>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    pub evidence: Vec<(String, String, String)>,
    pub return_reason: Option<String>,
    pub reviewed: String,
    pub row_version: i64,
    pub reviewable: bool,
}

pub async fn report_view_model(state: &AppState, r: &Report) -> AppResult<ReportView> {
    let round = state.store.round(r.round_id).await?;
    let tasks = state
        .store
        .tasks(round.plan_id, Some(round.plan_version))
        .await?;
    let task = tasks
        .iter()
        .find(|t| t.id == r.task_id)
        .ok_or_else(AppError::not_found)?;
    let units = state.store.units(round.plan_id).await?;
    // The unit's accepted report of the round before this one (not the newest: a past report
    // is compared with the one it followed).
    let previous = state
        .store
        .accepted_before(round.plan_id, &task.code, r.unit_id, round.id)
        .await?;
    let values = task
        .targets
        .iter()
        .map(|t| {
            let now = r
                .values
                .iter()
                .find(|v| v.target_id == t.id)
                .map(|v| v.value);
            let before = previous
                .as_ref()
                .filter(|p| p.id != r.id)
                .and_then(|p| p.values.iter().find(|v| v.target_id == t.id))
                .map(|v| v.value);
            let change = match (now, before) {
                (Some(a), Some(b)) => format!(
                    "较上次采纳 {}{}",
                    if a >= b { "+" } else { "" },
                    number(a - b)
                ),
                (Some(_), None) => "首次填报".into(),
                _ => String::new(),
            };
            (
                format!(
                    "{}（目标{}{}）",
                    if t.metric.is_empty() {
                        &t.text
                    } else {
                        &t.metric
                    },
                    number(t.value),
                    t.unit
                ),
                now.map_or_else(|| "未填".into(), |v| format!("{}{}", number(v), t.unit)),
                change,
            )
        })
        .collect();
    let milestones = task
        .milestones
        .iter()
        .map(|m| {
            let done = r
                .milestones
                .iter()
                .any(|x| x.milestone_id == m.id && x.done);
            (m.text.clone(), if done { "已完成" } else { "未完成" })
        })
        .collect();
    Ok(ReportView {
        id: r.id,
        round: round.name.clone(),
        code: task.code.clone(),
        title: task.title.clone(),
        unit: unit_name(&units, r.unit_id),
        state: r.state.label(),
        submitted: r.submitted_at.as_ref().map(cst).unwrap_or_default(),
        late: r.late,
        values,
        milestones,
        narrative: r.narrative.clone(),
        problems: r.problems.clone(),
        next_steps: r.next_steps.clone(),
        evidence: r
            .evidence
            .iter()
            .map(|e| {
                (
                    format!("/reports/{}/evidence/{}", r.id, e.sha256),
                    e.name.clone(),
                    format!("{:.1} KB", e.size as f64 / 1024.0),
                )
            })
            .collect(),
        return_reason: r.return_reason.clone(),
        reviewed: match (&r.reviewed_by, &r.reviewed_at) {
            (Some(b), Some(a)) => format!("{b}，{}", cst(a)),
            _ => String::new(),
        },
        row_version: r.row_version,
        reviewable: r.state == ReportState::Submitted,
    })
}

pub async fn report_view(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let r = visible_report(&state, &user, id).await?;
    let mut view = report_view_model(&state, &r).await?;
    view.reviewable &= user.role == Role::Office;
    render(&ReportPage {
        nav: Nav::new(&ctx, &state, ""),
        r: view,
    })
}

/// Downloads an evidence file: as an attachment, never rendered by the browser.
pub async fn evidence_download(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, sha)): Path<(Id, String)>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let r = visible_report(&state, &user, id).await?;
    let e = r
        .evidence
        .iter()
        .find(|e| e.sha256 == sha)
        .ok_or_else(AppError::not_found)?;
    let path =
        evidence::path_for(&state.config.data_dir, &e.sha256).ok_or_else(AppError::not_found)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::not_found())?;
    Ok(crate::download::attachment(bytes, &e.mime, &e.name))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Nav,
    reports: Vec<ReportView>,
    error: Option<String>,
}

async fn review_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let mut reports = Vec::new();
    if let Some(plan) = current_plan(state, ctx).await? {
        for r in state
            .store
            .reports_in_state(plan.id, ReportState::Submitted)
            .await?
        {
            reports.push(report_view_model(state, &r).await?);
        }
    }
    render(&ReviewPage {
        nav: Nav::new(ctx, state, "/review").with_flash(flash),
        reports,
        error,
    })
}

pub async fn review_queue(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    review_page(&state, &ctx, q.get("ok").map(String::as_str), None).await
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    version: i64,
    #[serde(default)]
    reason: String,
}

/// A report the office may review: submitted (a draft is its unit's alone), of any plan.
async fn reviewable(state: &AppState, id: Id) -> AppResult<Report> {
    let r = state.store.report(id).await?;
    if r.state == ReportState::Draft {
        return Err(AppError::not_found());
    }
    Ok(r)
}

pub async fn review_accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<ReviewForm>,
) -> AppResult<Response> {
    reviewable(&state, id).await?;
    match state.store.accept_report(id, f.version, &ctx.actor()).await {
        Ok(_) => Ok(Redirect::to("/review?ok=accepted").into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let mut res = review_page(&state, &ctx, None, Some(e.for_people())).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn review_return(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<ReviewForm>,
) -> AppResult<Response> {
    reviewable(&state, id).await?;
    match state
        .store
        .return_report(id, f.version, &f.reason, &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to("/review?ok=returned").into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let status = if matches!(e, StoreError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut res = review_page(&state, &ctx, None, Some(e.for_people())).await?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// Unused placeholder so the plan id of a form context is read (kept for future links).
#[allow(dead_code)]
fn plan_of(fc: &FormCtx) -> Id {
    fc.plan_id
}
