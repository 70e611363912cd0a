//! 督办 on any task: the office issues a notice on a task of its choosing, to the lead or a
//! cooperating unit, at the level and with the text it chooses (the system's proposals on
//! 督办与延期 link here with their level and reason filled in, to be adjusted before issuing).

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_ledger::{Id, NoticeLevel, TaskRecord, UnitId};
use zhuanban_store::{NoticeInput, Store};

use super::dispatch::{default_reply_by, issue, level_label};
use super::{Nav, current_plan, render, today, unit_name};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// What the form holds: as typed, so that a refusal shows it again.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeDraft {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply_by: String,
}

#[derive(Template)]
#[template(path = "notice_new.html")]
struct NoticeNewPage {
    nav: Nav,
    code: String,
    title: String,
    plan_id: Id,
    /// (unit id, name, 牵头/配合, chosen)
    units: Vec<(UnitId, String, &'static str, bool)>,
    /// (value, label, chosen)
    levels: Vec<(&'static str, &'static str, bool)>,
    reason: String,
    reply_by: String,
    error: Option<String>,
}

async fn task_of(state: &AppState, plan_id: Id, code: &str) -> AppResult<TaskRecord> {
    state
        .store
        .tasks(plan_id, None)
        .await?
        .into_iter()
        .find(|t| t.code == code)
        .ok_or_else(AppError::not_found)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    draft: NoticeDraft,
    error: Option<String>,
) -> AppResult<Response> {
    let plan = current_plan(state, ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let task = task_of(state, plan.id, code).await?;
    let all = state.store.units(plan.id).await?;
    let chosen_unit = draft.unit_id.parse::<UnitId>().ok();
    let units = task
        .lead
        .iter()
        .map(|u| (*u, "牵头"))
        .chain(task.support.iter().map(|u| (*u, "配合")))
        .enumerate()
        .map(|(i, (u, role))| {
            let chosen = chosen_unit.map_or(i == 0, |c| c == u);
            (u, unit_name(&all, u), role, chosen)
        })
        .collect();
    let level = NoticeLevel::parse(&draft.level).unwrap_or(NoticeLevel::Yellow);
    let levels = NoticeLevel::ALL
        .into_iter()
        .map(|l| (l.as_str(), level_label(l), l == level))
        .collect();
    let reply_by = if draft.reply_by.is_empty() {
        default_reply_by(&plan, today()).to_string()
    } else {
        draft.reply_by.clone()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&NoticeNewPage {
        nav: Nav::new(ctx, state, "/notices"),
        code: task.code.clone(),
        title: task.title.clone(),
        plan_id: plan.id,
        units,
        levels,
        reason: draft.reason,
        reply_by,
        error,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /tasks/{code}/notice`: the form, filled from the query (`unit_id`, `level`, `reason`)
/// when it comes from a proposal.
pub async fn notice_new(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let draft = NoticeDraft {
        unit_id: get("unit_id"),
        level: get("level"),
        reason: get("reason"),
        reply_by: String::new(),
    };
    page(&state, &ctx, &code, draft, None).await
}

/// `POST /tasks/{code}/notice`: issues the notice; a refusal shows the form again with what
/// was typed and the reason.
pub async fn notice_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Form(draft): Form<NoticeDraft>,
) -> AppResult<Response> {
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let task = task_of(&state, plan.id, &code).await?;
    let refuse = |draft, message: &str| {
        let message = message.to_string();
        let (state, ctx, code) = (&state, &ctx, &code);
        async move { page(state, ctx, code, draft, Some(message)).await }
    };
    let Some(unit_id) = draft
        .unit_id
        .parse::<UnitId>()
        .ok()
        .filter(|u| task.lead.contains(u) || task.support.contains(u))
    else {
        return refuse(draft, "请选择督办对象（该任务的牵头或配合单位）").await;
    };
    let Some(level) = NoticeLevel::parse(&draft.level) else {
        return refuse(draft, "请选择督办等级（蓝色、黄色或红色）").await;
    };
    let Ok(reply_by) = NaiveDate::parse_from_str(draft.reply_by.trim(), "%Y-%m-%d") else {
        let message = format!(
            "回复期限“{}”应为 年-月-日，如 2024-10-15",
            draft.reply_by.trim()
        );
        return refuse(draft, &message).await;
    };
    let input = NoticeInput {
        task_id: task.id,
        unit_id,
        level,
        reason: draft.reason.clone(),
        reply_by,
    };
    match issue(&state, &ctx, plan.id, &input).await? {
        Ok(n) => Ok(Redirect::to(&format!("/notices?ok=issued#notice-{}", n.id)).into_response()),
        Err(message) => refuse(draft, &message).await,
    }
}
