//! The JSON API: the same operations as the pages, with the same access rules (the guard) and
//! the same object checks. Errors are `{"error": "…", "status": N}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zhuanban_ledger::{Id, Report, ReportState, RoundState, User};
use zhuanban_store::{ReportInput, Store};

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::pages::{
    ViewQuery, current_plan, judge, may_see_task, own_unit, report_view_model, visible_report,
};
use crate::routes::Ctx;

fn j(e: AppError) -> AppError {
    e.json()
}

pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}

#[derive(Serialize)]
struct Me<'a> {
    user: &'a User,
    role_label: &'static str,
    csrf: &'a str,
}

pub async fn me(Extension(ctx): Extension<Ctx>) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?;
    Ok(Json(Me {
        user,
        role_label: user.role.label(),
        csrf: &ctx.csrf,
    })
    .into_response())
}

/// The judgement of the current plan: progress and reporting of every task, with their
/// totals (`?round=ID&as_of=DATE`, by default what the dashboard shows).
pub async fn status(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let plan = match q.plan {
        Some(id) => Some(id),
        None => crate::pages::desk::plan_for(&state, &ctx)
            .await
            .map_err(j)?,
    };
    let jd = crate::pages::desk::judge_plan(&state, plan, q.view())
        .await
        .map_err(j)?
        .ok_or_else(|| j(AppError::not_found()))?;
    Ok(Json(&jd.eval).into_response())
}

#[derive(Serialize)]
struct TaskJson {
    id: zhuanban_ledger::TaskId,
    code: String,
    title: String,
    lead: Vec<String>,
    support: Vec<String>,
    status: &'static str,
    status_label: &'static str,
    colour: &'static str,
    /// The reporting state in the round judged (`missing`, `returned`, …), None without a
    /// round.
    reporting: Option<&'static str>,
    reporting_label: Option<&'static str>,
    /// Both facts as the desk shows them: "严重滞后 · 本期未报送".
    label: String,
    reason: String,
    targets: Vec<serde_json::Value>,
}

pub async fn tasks(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let plan = match q.plan {
        Some(id) => Some(id),
        None => crate::pages::desk::plan_for(&state, &ctx)
            .await
            .map_err(j)?,
    };
    let Some(jd) = crate::pages::desk::judge_plan(&state, plan, q.view())
        .await
        .map_err(j)?
    else {
        return Ok(Json(Vec::<TaskJson>::new()).into_response());
    };
    let name = |id: zhuanban_ledger::UnitId| crate::pages::unit_name(&jd.units, id);
    let out: Vec<TaskJson> = jd
        .tasks
        .iter()
        .zip(&jd.eval.tasks)
        .filter(|(t, _)| may_see_task(&user, t))
        .map(|(t, s)| TaskJson {
            id: t.id,
            code: t.code.clone(),
            title: t.title.clone(),
            lead: t.lead.iter().map(|&u| name(u)).collect(),
            support: t.support.iter().map(|&u| name(u)).collect(),
            status: s.status.as_str(),
            status_label: s.status.label(),
            colour: s.colour.as_str(),
            reporting: s.reporting.map(|r| r.as_str()),
            reporting_label: s.reporting.map(|r| r.label()),
            label: s.label_with_reporting(),
            reason: s.reason.clone(),
            targets: t
                .targets
                .iter()
                .zip(&s.targets)
                .map(|(g, gs)| {
                    serde_json::json!({
                        "id": g.id, "metric": g.metric, "value": g.value, "unit": g.unit,
                        "cmp": g.cmp, "kind": g.kind, "hardness": g.hardness, "deadline": gs.deadline,
                        "actual": gs.actual, "status": gs.status.as_str(), "reason": gs.reason,
                    })
                })
                .collect(),
        })
        .collect();
    Ok(Json(out).into_response())
}

pub async fn task(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let jd = judge(&state, &ctx)
        .await
        .map_err(j)?
        .ok_or_else(|| j(AppError::not_found()))?;
    let Some((i, t)) = jd.tasks.iter().enumerate().find(|(_, t)| t.code == code) else {
        return Err(j(AppError::not_found()));
    };
    if !may_see_task(&user, t) {
        return Err(j(AppError::not_found()));
    }
    let reports: Vec<Report> = state
        .store
        .task_reports(jd.plan.id, &code)
        .await
        .map_err(|e| j(e.into()))?
        .into_iter()
        .filter(|r| match user.role {
            zhuanban_ledger::Role::Unit => Some(r.unit_id) == user.unit_id,
            _ => r.state != ReportState::Draft,
        })
        .collect();
    let instructions = state
        .store
        .instructions(jd.plan.id, &code)
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(serde_json::json!({
        "task": t,
        "status": jd.eval.tasks[i],
        "reports": reports,
        "instructions": instructions,
    }))
    .into_response())
}

pub async fn my_tasks(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let unit_id = own_unit(&user).map_err(j)?;
    let Some(plan) = current_plan(&state, &ctx).await.map_err(j)? else {
        return Ok(Json(serde_json::json!({"round": null, "tasks": []})).into_response());
    };
    let rounds = state.store.rounds(plan.id).await.map_err(|e| j(e.into()))?;
    let Some(round) = rounds.iter().rev().find(|r| r.state == RoundState::Open) else {
        return Ok(Json(serde_json::json!({"round": null, "tasks": []})).into_response());
    };
    let tasks = state
        .store
        .tasks(plan.id, Some(round.plan_version))
        .await
        .map_err(|e| j(e.into()))?;
    let reports = state
        .store
        .reports(round.id)
        .await
        .map_err(|e| j(e.into()))?;
    let mine: Vec<serde_json::Value> = tasks
        .iter()
        .filter(|t| t.lead.contains(&unit_id) || t.support.contains(&unit_id))
        .map(|t| {
            let r = reports
                .iter()
                .find(|r| r.task_id == t.id && r.unit_id == unit_id);
            serde_json::json!({
                "task_id": t.id, "code": t.code, "title": t.title,
                "role": if t.lead.contains(&unit_id) { "lead" } else { "support" },
                "targets": t.targets, "milestones": t.milestones,
                "report": r,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({"round": round, "tasks": mine})).into_response())
}

/// A report as the API takes it: values by target id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    task: String,
    #[serde(default)]
    values: HashMap<String, f64>,
    #[serde(default)]
    milestones: HashMap<String, MilestoneBody>,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    next_steps: String,
    #[serde(default)]
    submit: bool,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    done: bool,
    #[serde(default)]
    done_on: Option<NaiveDate>,
}

pub async fn save_report(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let unit_id = own_unit(&user).map_err(j)?;
    let b: ReportBody = serde_json::from_slice(&body).map_err(|e| {
        j(AppError::bad_request(format!(
            "请求内容不是有效的报告：{e}"
        )))
    })?;
    // The newest open round of the plan, and the task of the unit in it: one statement.
    let Some((round_id, task_id)) = state
        .store
        .open_round_task(None, &b.task, unit_id)
        .await
        .map_err(|e| j(e.into()))?
    else {
        return Err(j(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "当前没有进行中的调度轮次",
        )));
    };
    let task_id = task_id.ok_or_else(|| j(AppError::not_found()))?;
    let parse_id = |k: &str, field: &str| {
        k.parse::<Id>().map_err(|_| {
            j(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}.{k}：应为目标或节点的编号"),
            ))
        })
    };
    let mut values = Vec::new();
    for (k, v) in &b.values {
        values.push((zhuanban_ledger::TargetId(parse_id(k, "values")?), *v));
    }
    let mut milestones = Vec::new();
    for (k, m) in &b.milestones {
        milestones.push((
            zhuanban_ledger::MilestoneId(parse_id(k, "milestones")?),
            m.done,
            m.done_on,
        ));
    }
    let input = ReportInput {
        round_id,
        task_id,
        unit_id,
        values,
        milestones,
        narrative: b.narrative,
        problems: b.problems,
        next_steps: b.next_steps,
        submit: b.submit,
        expected_version: b.version,
        at: None,
        evidence: vec![],
    };
    let r = zhuanban_desk::messages::save_report(
        &state.store,
        &state.config.channels,
        &input,
        &ctx.actor(),
    )
    .await
    .map(crate::warn_unposted)
    .map_err(|e| j(e.into()))?;
    Ok((axum::http::StatusCode::CREATED, Json(r)).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let r = visible_report(&state, &user, id).await.map_err(j)?;
    Ok(Json(r).into_response())
}

pub async fn review_queue(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let Some(plan) = current_plan(&state, &ctx).await.map_err(j)? else {
        return Ok(Json(Vec::<Report>::new()).into_response());
    };
    let reports = state
        .store
        .reports_in_state(plan.id, ReportState::Submitted)
        .await
        .map_err(|e| j(e.into()))?;
    let mut out = Vec::new();
    for r in &reports {
        let v = report_view_model(&state, r).await.map_err(j)?;
        out.push(
            serde_json::json!({"report": r, "task": v.code, "unit": v.unit, "round": v.round}),
        );
    }
    Ok(Json(out).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    version: i64,
    #[serde(default)]
    reason: String,
}

/// A report the office may review: submitted (a draft is its unit's alone), of any plan.
async fn reviewable(state: &AppState, id: Id) -> AppResult<()> {
    let r = state.store.report(id).await?;
    if r.state == ReportState::Draft {
        return Err(AppError::not_found());
    }
    Ok(())
}

pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Json(b): Json<ReviewBody>,
) -> AppResult<Response> {
    reviewable(&state, id).await.map_err(j)?;
    let r = state
        .store
        .accept_report(id, b.version, &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(r).into_response())
}

pub async fn return_report(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Json(b): Json<ReviewBody>,
) -> AppResult<Response> {
    reviewable(&state, id).await.map_err(j)?;
    let r = state
        .store
        .return_report(id, b.version, &b.reason, &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(r).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionBody {
    text: String,
}

pub async fn add_instruction(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Json(b): Json<InstructionBody>,
) -> AppResult<Response> {
    let plan = current_plan(&state, &ctx)
        .await
        .map_err(j)?
        .ok_or_else(|| j(AppError::not_found()))?;
    let tasks = state
        .store
        .tasks(plan.id, None)
        .await
        .map_err(|e| j(e.into()))?;
    let task = tasks
        .iter()
        .find(|t| t.code == code)
        .ok_or_else(|| j(AppError::not_found()))?;
    let i = zhuanban_desk::messages::add_instruction(&state.store, task.id, &b.text, &ctx.actor())
        .await
        .map(crate::warn_unposted)
        .map_err(|e| j(e.into()))?;
    Ok((axum::http::StatusCode::CREATED, Json(i)).into_response())
}

/// A plan as `GET /api/plans` lists it.
#[derive(Serialize)]
struct PlanJson {
    id: Id,
    title: String,
    version: i64,
    period_start: NaiveDate,
    period_end: NaiveDate,
    demo: bool,
    /// Archived: finished and read-only.
    archived: bool,
    /// The record's version, for `POST /api/plans/{id}/archive`.
    row_version: i64,
    /// Whether the desk works on it for this account (the plan chosen, else the newest it sees).
    current: bool,
}

/// The plans on the desk: every plan for the office and leaders, a unit's those in which it
/// has a task.
pub async fn plans(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let user = ctx.user().map_err(j)?.clone();
    let current = crate::pages::desk::plan_for(&state, &ctx)
        .await
        .map_err(j)?;
    let visible = crate::pages::visible_plans(&state, &user)
        .await
        .map_err(j)?;
    let mut out = Vec::with_capacity(visible.len());
    for p in visible {
        out.push(PlanJson {
            current: Some(p.id) == current,
            archived: p.archived(),
            row_version: p.row_version,
            id: p.id,
            title: p.title,
            version: p.version,
            period_start: p.period_start,
            period_end: p.period_end,
            demo: p.demo,
        });
    }
    Ok(Json(out).into_response())
}

/// A reading as the API answers it.
fn reading_json(r: &zhuanban_store::PlanReading) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "source": r.source,
        "format": r.format,
        "state": r.state,
        "plan": r.reading,
        "original": r.original,
        "diagnostics": r.diagnostics,
        "reapplied": r.reapplied,
        "plan_id": r.plan_id,
        "version": r.version,
        "row_version": r.row_version,
    })
}

/// Reads an uploaded plan document (multipart field `file`; `plan`: the plan it is a revised
/// version of, whose earlier corrections carry over) and keeps the reading as a draft:
/// `{"id", "plan", "diagnostics", "reapplied", …}`. A file that cannot be read is refused with a message
/// naming it and why; nothing is kept.
pub async fn upload_reading(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let refuse = |m: String| {
        j(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            m,
        ))
    };
    let up = crate::pages::plans::read_upload(mp, state.config.max_upload)
        .await
        .map_err(refuse)?;
    // Reading may run pdftotext or LibreOffice (seconds): off the async workers.
    let doc = crate::pages::plans::read_blocking(&up.name, &up.bytes)
        .await
        .map_err(refuse)?;
    if let Some(p) = up.revises {
        state.store.plan(p).await.map_err(|e| j(e.into()))?;
    }
    let r = state
        .store
        .create_reading(&doc.new_reading(&up.name, up.revises), &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok((axum::http::StatusCode::CREATED, Json(reading_json(&r))).into_response())
}

pub async fn reading(State(state): State<AppState>, Path(id): Path<Id>) -> AppResult<Response> {
    let r = state.store.reading(id).await.map_err(|e| j(e.into()))?;
    Ok(Json(reading_json(&r)).into_response())
}

/// Saves a corrected reading (the schema of a plan's reading; `If-Match: "N"` names the
/// version it corrects, else the newest is corrected).
pub async fn correct_reading(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let bad = |m: String| {
        j(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            m,
        ))
    };
    let plan: zhuanban_plan::Plan =
        serde_json::from_slice(&body).map_err(|e| bad(format!("识别结果格式不正确：{e}")))?;
    let version = match headers.get(axum::http::header::IF_MATCH) {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().trim_matches('"').parse::<i64>().ok())
            .ok_or_else(|| bad("If-Match 应为识别稿的版本号，如 \"2\"".into()))?,
        None => {
            state
                .store
                .reading(id)
                .await
                .map_err(|e| j(e.into()))?
                .row_version
        }
    };
    let r = state
        .store
        .correct_reading(id, &plan, version, &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(reading_json(&r)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// None: a new plan; Some: a new version of that plan.
    plan: Option<Id>,
}

/// Confirms a reading as a new plan or a new version of one: `{"plan_id", "version"}`.
pub async fn confirm_reading(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let b: ConfirmBody = serde_json::from_slice(&body).map_err(|e| {
        j(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!("请求应为 {{\"plan\": null}} 或 {{\"plan\": 方案编号}}：{e}"),
        ))
    })?;
    let out = state
        .store
        .confirm_reading(id, b.plan, &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(serde_json::json!({"plan_id": out.plan_id, "version": out.version})).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveBody {
    archived: bool,
    /// The plan's `row_version` as last read (optimistic concurrency).
    version: i64,
}

/// Archives a plan (`{"archived": true, "version": N}`) or takes it out of the archive
/// (`false`); answers the plan as `GET /api/plans` lists it.
pub async fn archive_plan(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let b: ArchiveBody = serde_json::from_slice(&body).map_err(|e| {
        j(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "请求应为 {{\"archived\": true 或 false, \"version\": 方案的 row_version}}：{e}"
            ),
        ))
    })?;
    let p = state
        .store
        .archive_plan(id, b.version, b.archived, &ctx.actor())
        .await
        .map_err(|e| j(e.into()))?;
    Ok(Json(serde_json::json!({
        "id": p.id, "title": p.title, "version": p.version, "archived": p.archived(),
        "row_version": p.row_version,
    }))
    .into_response())
}
