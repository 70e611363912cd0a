//! Plans brought in through the desk: the upload of a plan document.

use askama::Template;
use axum::Extension;
use axum::extract::Multipart;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use zhuanban_ledger::Id;
use zhuanban_plan::{Cmp, Plan};
use zhuanban_store::{PlanReading, Store as _, StoreError};

use super::{Nav, render};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// A plan document as uploaded.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    /// The plan the document is a revised version of (field `plan`), if any.
    pub revises: Option<zhuanban_ledger::Id>,
}

/// A multipart upload of a plan document: field `file` (within `max` bytes) and, optionally,
/// `plan`, the plan it revises.
pub async fn read_upload(mut mp: Multipart, max: usize) -> Result<Upload, String> {
    let mut file = None;
    let mut revises = None;
    while let Ok(Some(f)) = mp.next_field().await {
        if f.name() == Some("plan") {
            let v = f.text().await.unwrap_or_default();
            let v = v.trim();
            if !v.is_empty() {
                revises = Some(v.parse().map_err(|_| format!("方案编号“{v}”应为数字"))?);
            }
            continue;
        }
        if f.name() != Some("file") {
            continue;
        }
        let name = crate::evidence::sanitize_name(f.file_name().unwrap_or("方案文件"));
        let bytes = f
            .bytes()
            .await
            .map_err(|e| format!("“{name}”未能完整上传：{e}"))?;
        if bytes.is_empty() {
            return Err(format!("“{name}”是空文件"));
        }
        if bytes.len() > max {
            return Err(format!("“{name}”超过{}MB，未上传", max / (1024 * 1024)));
        }
        file = Some((name, bytes.to_vec()));
    }
    let (name, bytes) = file.ok_or("请选择要上传的方案文件（表单字段 file）")?;
    Ok(Upload {
        name,
        bytes,
        revises,
    })
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    nav: Nav,
    plans: Vec<zhuanban_ledger::PlanRecord>,
    readings: Vec<PlanReading>,
    errors: Vec<String>,
}

async fn plans_page(state: &AppState, ctx: &Ctx, errors: Vec<String>) -> AppResult<Response> {
    render(&PlansPage {
        nav: Nav::new(ctx, state, "/plans"),
        plans: state.store.plans().await?,
        readings: state.store.readings().await?,
        errors,
    })
}

/// The office's plans: every plan, the readings under way, and the upload of a document.
pub async fn plans(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    plans_page(&state, &ctx, Vec::new()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct ArchiveForm {
    version: i64,
    /// "1": archive; "0": take out of the archive.
    archive: String,
}

/// Archives a finished plan, or takes it out of the archive (refused, with the reason on the
/// plans page, while a round is open or a report waits).
pub async fn archive(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<ArchiveForm>,
) -> AppResult<Response> {
    let archive = f.archive == "1";
    match state
        .store
        .archive_plan(id, f.version, archive, &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to("/plans").into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            plans_page(&state, &ctx, vec![e.for_people()]).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads an uploaded document on a blocking thread: a PDF or a legacy .doc runs a tool for up
/// to seconds ([`zhuanban_desk::convert`]).
pub async fn read_blocking(
    name: &str,
    bytes: &[u8],
) -> Result<zhuanban_desk::plans::Document, String> {
    let (name, bytes) = (name.to_string(), bytes.to_vec());
    tokio::task::spawn_blocking(move || zhuanban_desk::plans::read_document(&name, &bytes))
        .await
        .map_err(|e| format!("读取文件时出错（{e}）"))?
}

/// Uploads a plan document: read at once and kept as a draft to review.
pub async fn upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mp: Multipart,
) -> AppResult<Response> {
    let up = match read_upload(mp, state.config.max_upload).await {
        Ok(u) => u,
        Err(m) => return plans_page(&state, &ctx, vec![m]).await,
    };
    let doc = match read_blocking(&up.name, &up.bytes).await {
        Ok(d) => d,
        Err(m) => return plans_page(&state, &ctx, vec![m]).await,
    };
    if let Some(p) = up.revises {
        state.store.plan(p).await?;
    }
    let r = state
        .store
        .create_reading(&doc.new_reading(&up.name, up.revises), &ctx.actor())
        .await?;
    Ok(Redirect::to(&format!("/plans/readings/{}", r.id)).into_response())
}

/// One line of the document beside the reading.
struct SourceLine {
    n: usize,
    text: String,
    /// A task starts here.
    task: Option<String>,
}

/// One target as the review form edits it.
struct TargetRow {
    value: String,
    unit: String,
    cmp: &'static str,
    deadline: String,
    metric: String,
    text: String,
}

/// One task as the review form edits it.
struct TaskRow {
    i: usize,
    id: String,
    title: String,
    lead: String,
    support: String,
    line: usize,
    targets: Vec<TargetRow>,
    /// Units it names that the unit directory does not hold yet.
    new_units: Vec<String>,
    carried: bool,
    /// The message of a refused correction of this task.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "plan_review.html")]
struct ReviewPage {
    nav: Nav,
    r: PlanReading,
    /// When the reading revises a plan: what the new version changes and what happens to the
    /// plan's open rounds.
    revision: Option<Revision>,
    lines: Vec<SourceLine>,
    tasks: Vec<TaskRow>,
    unsure: Vec<String>,
    plans: Vec<zhuanban_ledger::PlanRecord>,
    error: Option<String>,
    saved: bool,
}

/// A new version of a plan, as the review page shows it before confirming.
struct Revision {
    title: String,
    version: i64,
    diff: zhuanban_desk::plans::PlanDiff,
    /// What happens to the plan's open rounds.
    rounds: Vec<String>,
}

async fn revision(state: &AppState, plan_id: Id, next: &Plan) -> AppResult<Option<Revision>> {
    let plan = match state.store.plan(plan_id).await {
        Ok(p) => p,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let tasks = state.store.tasks(plan_id, None).await?;
    let units = state.store.units(plan_id).await?;
    let rounds = state
        .store
        .rounds(plan_id)
        .await?
        .into_iter()
        .filter(|r| r.state == zhuanban_ledger::RoundState::Open)
        .map(|r| {
            format!(
                "进行中的“{}”仍按第{}版的任务填报和研判；确认后新开的调度轮次按第{}版。",
                r.name,
                r.plan_version,
                plan.version + 1
            )
        })
        .collect();
    Ok(Some(Revision {
        title: plan.title,
        version: plan.version,
        diff: zhuanban_desk::plans::diff(&tasks, &units, next),
        rounds,
    }))
}

async fn review_page(
    state: &AppState,
    ctx: &Ctx,
    r: PlanReading,
    shown: Option<&Plan>,
    error: Option<(String, String)>,
    saved: bool,
) -> AppResult<Response> {
    let plan = shown.unwrap_or(&r.reading).clone();
    let directory: std::collections::HashSet<String> = state
        .store
        .all_units()
        .await?
        .into_iter()
        .flat_map(|u| std::iter::once(u.name).chain(u.aliases))
        .collect();
    let starts: std::collections::HashMap<usize, String> =
        plan.tasks.iter().map(|t| (t.line, t.id.clone())).collect();
    let lines = r
        .text
        .lines()
        .enumerate()
        .map(|(i, l)| SourceLine {
            n: i + 1,
            text: l.to_string(),
            task: starts.get(&(i + 1)).cloned(),
        })
        .collect();
    // The field a refusal names ("tasks[3].title") and the task it belongs to.
    let (error_task, error_text) = match &error {
        Some((field, msg)) => (
            field
                .strip_prefix("tasks[")
                .and_then(|f| f.split(']').next())
                .and_then(|n| n.parse::<usize>().ok()),
            Some(msg.clone()),
        ),
        None => (None, None),
    };
    let mut unsure: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.severity != zhuanban_plan::Severity::Info)
        .map(|d| match (&d.task, d.line) {
            (Some(t), _) if d.message.contains(&format!("任务 {t}")) => d.message.clone(),
            (Some(t), _) => format!("任务 {t}：{}", d.message),
            (None, Some(l)) => format!("第{l}行：{}", d.message),
            _ => d.message.clone(),
        })
        .collect();
    let tasks: Vec<TaskRow> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let new_units: Vec<String> = t
                .lead
                .iter()
                .chain(&t.support)
                .filter(|u| !directory.contains(*u))
                .cloned()
                .collect();
            TaskRow {
                i,
                id: t.id.clone(),
                title: t.title.clone(),
                lead: t.lead.join("、"),
                support: t.support.join("、"),
                line: t.line,
                targets: t
                    .targets
                    .iter()
                    .map(|g| TargetRow {
                        value: super::number(g.value),
                        unit: g.unit.clone(),
                        cmp: g.cmp.symbol(),
                        deadline: g.deadline.map(|d| d.to_string()).unwrap_or_default(),
                        metric: g.metric.clone(),
                        text: g.text.clone(),
                    })
                    .collect(),
                new_units,
                carried: r.reapplied.corrected.contains(&t.id),
                error: (error_task == Some(i))
                    .then(|| error_text.clone())
                    .flatten(),
            }
        })
        .collect();
    // Beyond the reader's own findings: tasks without a lead unit it did not already name,
    // and the units the directory does not hold yet (once each).
    let named: std::collections::HashSet<&str> = r
        .diagnostics
        .iter()
        .filter_map(|d| d.task.as_deref())
        .collect();
    for t in &tasks {
        if t.lead.is_empty() && !named.contains(t.id.as_str()) {
            unsure.push(format!("任务 {}：没有识别到牵头单位", t.id));
        }
    }
    let mut new_units: Vec<&str> = Vec::new();
    for u in tasks.iter().flat_map(|t| &t.new_units) {
        if !new_units.contains(&u.as_str()) {
            new_units.push(u);
        }
    }
    if !new_units.is_empty() {
        unsure.push(format!(
            "单位目录中还没有这些单位（确认后新建；如是已有单位的别称，请改为目录中的名称）：{}",
            new_units.join("、")
        ));
    }
    let error = match (error_task, error_text) {
        (Some(_), _) | (None, None) => None,
        (None, Some(m)) => Some(m),
    };
    let revision = match r.revises {
        Some(id) if r.state == "draft" => revision(state, id, &plan).await?,
        _ => None,
    };
    render(&ReviewPage {
        nav: Nav::new(ctx, state, "/plans"),
        plans: state
            .store
            .plans()
            .await?
            .into_iter()
            .filter(|p| !p.archived())
            .collect(),
        revision,
        r,
        lines,
        tasks,
        unsure,
        error,
        saved,
    })
}

/// The review page: the document's lines beside the reading, what the reader was unsure of
/// first, every task's fields to correct.
pub async fn review(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let r = state.store.reading(id).await?;
    review_page(&state, &ctx, r, None, None, false).await
}

/// Applies the review form's fields to a reading. A field that cannot be read is refused by
/// its name ("tasks[3].targets[0].value"), as the store refuses.
fn apply_form(plan: &mut Plan, form: &[(String, String)]) -> Result<(), (String, String)> {
    let split = |s: &str| -> Vec<String> {
        s.split(['、', '，', ',', ';', '；', '\n'])
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect()
    };
    for (k, v) in form {
        let Some(rest) = k.strip_prefix("t") else {
            continue;
        };
        let mut parts = rest.splitn(2, '.');
        let (Some(i), Some(field)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        let Some(task) = plan.tasks.get_mut(i) else {
            continue;
        };
        let v = v.trim();
        match field {
            "id" => task.id = v.to_string(),
            "title" => task.title = v.to_string(),
            "lead" => task.lead = split(v),
            "support" => task.support = split(v),
            f => {
                let Some(rest) = f.strip_prefix('g') else {
                    continue;
                };
                let mut p = rest.splitn(2, '.');
                let (Some(k), Some(f)) = (p.next(), p.next()) else {
                    continue;
                };
                let Ok(k) = k.parse::<usize>() else { continue };
                let code = task.id.clone();
                let Some(g) = task.targets.get_mut(k) else {
                    continue;
                };
                let name = format!("tasks[{i}].targets[{k}].{f}");
                match f {
                    "value" => {
                        let label = format!("任务 {code} 第{}个目标值", k + 1);
                        g.value = zhuanban_ledger::input::parse_value(&label, v)
                            .map_err(|m| (name.clone(), m))?;
                    }
                    "unit" => g.unit = v.to_string(),
                    "metric" => g.metric = v.to_string(),
                    "cmp" => {
                        g.cmp = Cmp::from_symbol(v).ok_or_else(|| {
                            (
                                name.clone(),
                                format!("任务 {code} 第{}个目标：比较方式不正确", k + 1),
                            )
                        })?;
                    }
                    "deadline" => {
                        g.deadline = if v.is_empty() {
                            None
                        } else {
                            Some(v.parse().map_err(|_| {
                                (
                                    name.clone(),
                                    format!(
                                        "任务 {code} 第{}个目标：日期“{v}”应为 2024-12-31 的格式",
                                        k + 1
                                    ),
                                )
                            })?)
                        };
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Saves the review form's corrections (all of them, or none with the message beside the
/// field), or confirms the reading as a plan.
pub async fn review_save(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let r = state.store.reading(id).await?;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let version: i64 = get("row_version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::bad_request("缺少识别稿版本号"))?;
    let mut plan = r.reading.clone();
    if let Err((field, msg)) = apply_form(&mut plan, &form) {
        return review_page(&state, &ctx, r, Some(&plan), Some((field, msg)), false).await;
    }
    match state
        .store
        .correct_reading(id, &plan, version, &ctx.actor())
        .await
    {
        Ok(saved) => {
            if get("confirm").is_some() {
                let target = match get("plan").map(str::trim) {
                    None | Some("") => None,
                    Some(p) => Some(
                        p.parse::<Id>()
                            .map_err(|_| AppError::bad_request("方案编号应为数字"))?,
                    ),
                };
                match state.store.confirm_reading(id, target, &ctx.actor()).await {
                    Ok(out) => {
                        // The desk opens on the plan just confirmed.
                        let mut res = Redirect::to("/dashboard").into_response();
                        res.headers_mut().insert(
                            axum::http::header::SET_COOKIE,
                            crate::auth::plan_cookie(out.plan_id, state.config.secure_cookies)
                                .parse()
                                .map_err(AppError::internal)?,
                        );
                        return Ok(res);
                    }
                    Err(StoreError::Invalid { field, message }) => {
                        return review_page(
                            &state,
                            &ctx,
                            saved,
                            None,
                            Some((field, message)),
                            false,
                        )
                        .await;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            review_page(&state, &ctx, saved, None, None, true).await
        }
        Err(StoreError::Invalid { field, message }) => {
            review_page(&state, &ctx, r, Some(&plan), Some((field, message)), false).await
        }
        Err(StoreError::Conflict { .. }) => {
            let now = state.store.reading(id).await?;
            review_page(
                &state,
                &ctx,
                now,
                None,
                Some((
                    String::new(),
                    "识别稿已被他人修改，以下为最新内容，请重新更正".into(),
                )),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "plan_switch.html")]
struct SwitchPage {
    nav: Nav,
    /// (plan, whether it is the one worked on)
    plans: Vec<(zhuanban_ledger::PlanRecord, bool)>,
}

/// The plans an account works on: every plan for the office and leaders, a unit's those in
/// which it has a task.
/// Which plan the desk works on: the list to choose from.
pub async fn switch_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let current = super::current_plan(&state, &ctx).await?.map(|p| p.id);
    let plans = super::visible_plans(&state, &user)
        .await?
        .into_iter()
        .map(|p| {
            let on = Some(p.id) == current;
            (p, on)
        })
        .collect();
    render(&SwitchPage {
        nav: Nav::new(&ctx, &state, "/plans/switch"),
        plans,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct SwitchForm {
    plan: Id,
}

/// Chooses the plan the desk's pages work on (kept in a cookie of this browser).
pub async fn switch(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<SwitchForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    if !super::visible_plans(&state, &user)
        .await?
        .iter()
        .any(|p| p.id == f.plan)
    {
        return Err(AppError::not_found());
    }
    let home = if user.role == zhuanban_ledger::Role::Unit {
        "/my"
    } else {
        "/dashboard"
    };
    let mut res = Redirect::to(home).into_response();
    res.headers_mut().insert(
        axum::http::header::SET_COOKIE,
        crate::auth::plan_cookie(f.plan, state.config.secure_cookies)
            .parse()
            .map_err(AppError::internal)?,
    );
    Ok(res)
}
