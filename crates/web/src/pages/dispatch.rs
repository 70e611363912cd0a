//! Supervision notices (督办单), extension requests (延期申请) and the in-app inbox.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use zhuanban_ledger::dispatch::Proposal;
use zhuanban_ledger::{
    ExtensionState, Id, Notice, NoticeLevel, NoticeState, Role, TaskId, UnitId, User,
};
use zhuanban_store::{
    Audience, ExtensionInput, NoticeInput, NoticeStep, Store, StoreError, notice_state_label,
};

use super::{Nav, cst, current_plan, own_unit, render, today, unit_name};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

pub fn level_label(l: NoticeLevel) -> &'static str {
    match l {
        NoticeLevel::Blue => "蓝色",
        NoticeLevel::Yellow => "黄色",
        NoticeLevel::Red => "红色",
    }
}

pub fn level_class(l: NoticeLevel) -> &'static str {
    match l {
        NoticeLevel::Blue => "c-blue",
        NoticeLevel::Yellow => "c-yellow",
        NoticeLevel::Red => "c-red",
    }
}

#[derive(Debug)]
pub struct NoticeLine {
    pub id: Id,
    pub number: String,
    pub level: &'static str,
    pub class: &'static str,
    pub code: String,
    pub title: String,
    pub unit: String,
    pub reason: String,
    pub reply_by: String,
    pub state: &'static str,
    pub reply: String,
    pub row_version: i64,
    pub can_sign: bool,
    pub can_reply: bool,
    pub can_close: bool,
    pub overdue: bool,
}

#[derive(Debug)]
pub struct ProposalLine {
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub code: String,
    pub unit: String,
    pub level: &'static str,
    pub level_value: &'static str,
    pub class: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    nav: Nav,
    notices: Vec<NoticeLine>,
    proposals: Vec<ProposalLine>,
    extensions: Vec<ExtensionLine>,
    is_office: bool,
    default_reply_by: String,
    /// For the links to a task's own 督办 form.
    plan_id: Id,
    error: Option<String>,
}

#[derive(Debug)]
pub struct ExtensionLine {
    pub id: Id,
    pub code: String,
    pub what: String,
    pub unit: String,
    pub old: String,
    pub requested: String,
    pub reason: String,
    pub state: &'static str,
    pub pending: bool,
}

fn may_see_notice(user: &User, n: &Notice) -> bool {
    match user.role {
        Role::Office | Role::Leader => true,
        Role::Unit => user.unit_id == Some(n.unit_id),
        _ => false,
    }
}

/// The notices the rules propose for the current round, minus those already issued for the
/// same task and level and still open (`zhuanban_desk::proposals`).
async fn proposals(state: &AppState, ctx: &Ctx) -> AppResult<Vec<Proposal>> {
    let Some(plan) = current_plan(state, ctx).await? else {
        return Ok(vec![]);
    };
    Ok(zhuanban_desk::proposals::proposals(&state.store, plan.id, super::today()).await?)
}

async fn notices_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let is_office = user.role == Role::Office;
    let nav = Nav::new(ctx, state, "/notices").with_flash(flash);
    let Some(plan) = current_plan(state, ctx).await? else {
        return render(&NoticesPage {
            nav,
            notices: vec![],
            proposals: vec![],
            extensions: vec![],
            is_office,
            default_reply_by: String::new(),
            plan_id: 0,
            error,
        });
    };
    let tasks = state.store.tasks(plan.id, None).await?;
    let all_tasks: BTreeMap<TaskId, (String, String)> = {
        let mut m = BTreeMap::new();
        for v in 1..=plan.version {
            for t in state.store.tasks(plan.id, Some(v)).await? {
                m.insert(t.id, (t.code, t.title));
            }
        }
        m
    };
    let units = state.store.units(plan.id).await?;
    let t = today();
    let notices = state
        .store
        .notices(plan.id)
        .await?
        .into_iter()
        .filter(|n| may_see_notice(&user, n))
        .rev()
        .map(|n| {
            let own = user.role == Role::Unit && user.unit_id == Some(n.unit_id);
            let (code, title) = all_tasks.get(&n.task_id).cloned().unwrap_or_default();
            NoticeLine {
                id: n.id,
                number: n.number.clone(),
                level: level_label(n.level),
                class: level_class(n.level),
                code,
                title,
                unit: unit_name(&units, n.unit_id),
                reason: n.reason.clone(),
                reply_by: n.reply_by.to_string(),
                state: notice_state_label(n.state),
                reply: n.reply.clone().unwrap_or_default(),
                row_version: n.row_version,
                can_sign: own && n.state == NoticeState::Issued,
                can_reply: own && matches!(n.state, NoticeState::Signed | NoticeState::Reopened),
                can_close: is_office && n.state == NoticeState::Replied,
                overdue: n.state != NoticeState::Closed
                    && n.state != NoticeState::Replied
                    && t > n.reply_by,
            }
        })
        .collect();
    let proposals = if is_office {
        proposals(state, ctx)
            .await?
            .into_iter()
            .map(|p| ProposalLine {
                task_id: p.task_id,
                unit_id: p.unit_id,
                code: tasks
                    .iter()
                    .find(|t| t.id == p.task_id)
                    .map(|t| t.code.clone())
                    .unwrap_or_default(),
                unit: unit_name(&units, p.unit_id),
                level: level_label(p.level),
                level_value: p.level.as_str(),
                class: level_class(p.level),
                reason: p.reason,
            })
            .collect()
    } else {
        vec![]
    };
    let extensions = if matches!(user.role, Role::Office | Role::Leader | Role::Unit) {
        state
            .store
            .extensions(plan.id)
            .await?
            .into_iter()
            .filter(|e| user.role != Role::Unit || user.unit_id == Some(e.unit_id))
            .map(|e| {
                let (code, _) = all_tasks.get(&e.task_id).cloned().unwrap_or_default();
                ExtensionLine {
                    id: e.id,
                    code,
                    what: if e.target_id.is_some() {
                        "目标".into()
                    } else {
                        "节点".into()
                    },
                    unit: unit_name(&units, e.unit_id),
                    old: e.old_deadline.map(|d| d.to_string()).unwrap_or_default(),
                    requested: e.requested.to_string(),
                    reason: e.reason.clone(),
                    state: match e.state {
                        ExtensionState::Pending => "待审批",
                        ExtensionState::Granted => "已同意",
                        ExtensionState::Refused => "未同意",
                    },
                    pending: e.state == ExtensionState::Pending && is_office,
                }
            })
            .collect()
    } else {
        vec![]
    };
    let default_reply_by = default_reply_by(&plan, t).to_string();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&NoticesPage {
        nav,
        notices,
        proposals,
        extensions,
        is_office,
        default_reply_by,
        plan_id: plan.id,
        error,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn notices(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    notices_page(&state, &ctx, q.get("ok").map(String::as_str), None).await
}

#[derive(Debug, Deserialize)]
pub struct IssueForm {
    task_id: TaskId,
    unit_id: UnitId,
    level: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply_by: String,
}

pub async fn notice_issue(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<IssueForm>,
) -> AppResult<Response> {
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let Some(level) = NoticeLevel::parse(&f.level) else {
        return notices_page(&state, &ctx, None, Some("请选择督办等级".into())).await;
    };
    let Ok(reply_by) = NaiveDate::parse_from_str(f.reply_by.trim(), "%Y-%m-%d") else {
        return notices_page(&state, &ctx, None, Some("回复期限应为 年-月-日".into())).await;
    };
    let input = NoticeInput {
        task_id: f.task_id,
        unit_id: f.unit_id,
        level,
        reason: f.reason.clone(),
        reply_by,
    };
    match issue(&state, &ctx, plan.id, &input).await? {
        Ok(_) => Ok(Redirect::to("/notices?ok=issued").into_response()),
        Err(message) => notices_page(&state, &ctx, None, Some(message)).await,
    }
}

/// Issues a notice and tells its unit (消息 and the plan's channels): the one way a notice is
/// issued from the desk, from the proposals and from a task's own 督办 page. A refusal comes
/// back as its message, for the page to show with what was typed.
pub(crate) async fn issue(
    state: &AppState,
    ctx: &Ctx,
    plan_id: Id,
    input: &NoticeInput,
) -> AppResult<Result<Notice, String>> {
    let n = match state.store.issue_notice(plan_id, input, &ctx.actor()).await {
        Ok(n) => n,
        Err(StoreError::Invalid { message, .. }) => return Ok(Err(message)),
        Err(e) => return Err(e.into()),
    };
    let _ = state
        .store
        .post_inbox(
            &format!("notice:{}", n.id),
            Audience::Unit(n.unit_id),
            &format!("督办单 {}（{}）", n.number, level_label(n.level)),
            &n.reason,
            "/notices",
        )
        .await;
    zhuanban_desk::dispatch::notify_unit(
        &state.store,
        &state.config.channels,
        n.unit_id,
        &format!("notice:{}", n.id),
        &format!("督办单 {}", n.number),
        &format!("{}。请于 {} 前签收并回复整改措施。", n.reason, n.reply_by),
    )
    .await?;
    Ok(Ok(n))
}

/// The plan's days to reply from `from`, moved off a weekend or public holiday to the next
/// working day.
pub(crate) fn default_reply_by(plan: &zhuanban_ledger::PlanRecord, from: NaiveDate) -> NaiveDate {
    zhuanban_ledger::calendar::next_working_day(
        from + Duration::days(plan.settings.notice_reply_days),
    )
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    version: i64,
    #[serde(default)]
    text: String,
}

async fn notice_step(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    f: &StepForm,
    step: &str,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let n = state.store.notice(id).await?;
    let plan = current_plan(state, ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !may_see_notice(&user, &n)
        || state
            .store
            .notices(plan.id)
            .await?
            .iter()
            .all(|x| x.id != id)
    {
        return Err(AppError::not_found());
    }
    let own = user.role == Role::Unit && user.unit_id == Some(n.unit_id);
    let s = match (step, user.role) {
        ("sign", Role::Unit) if own => NoticeStep::Sign,
        ("reply", Role::Unit) if own => NoticeStep::Reply(&f.text),
        ("close", Role::Office) => NoticeStep::Close,
        ("reopen", Role::Office) => NoticeStep::Reopen(&f.text),
        _ => return Err(AppError::not_found()),
    };
    match zhuanban_desk::messages::notice_step(
        &state.store,
        &state.config.channels,
        id,
        f.version,
        s,
        &ctx.actor(),
    )
    .await
    .map(crate::warn_unposted)
    {
        Ok(_) => Ok(Redirect::to(&format!("/notices?ok={step}")).into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            notices_page(state, ctx, None, Some(e.for_people())).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn notice_sign(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    notice_step(&state, &ctx, id, &f, "sign").await
}

pub async fn notice_reply(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    notice_step(&state, &ctx, id, &f, "reply").await
}

pub async fn notice_close(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    notice_step(&state, &ctx, id, &f, "close").await
}

pub async fn notice_reopen(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    notice_step(&state, &ctx, id, &f, "reopen").await
}

#[derive(Debug, Deserialize)]
pub struct ExtensionForm {
    /// "t<id>" for a target, "m<id>" for a milestone.
    what: String,
    #[serde(default)]
    requested: String,
    #[serde(default)]
    reason: String,
}

pub async fn extension_request(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Form(f): Form<ExtensionForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let unit_id = own_unit(&user)?;
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let tasks = state.store.tasks(plan.id, None).await?;
    let task = tasks
        .iter()
        .find(|t| t.code == code && (t.lead.contains(&unit_id) || t.support.contains(&unit_id)))
        .ok_or_else(AppError::not_found)?;
    let (target_id, milestone_id) = match f.what.split_at_checked(1) {
        Some(("t", id)) => (id.parse().ok(), None),
        Some(("m", id)) => (None, id.parse().ok()),
        _ => (None, None),
    };
    let Ok(requested) = NaiveDate::parse_from_str(f.requested.trim(), "%Y-%m-%d") else {
        return notices_page(&state, &ctx, None, Some("申请的新时限应为 年-月-日".into())).await;
    };
    match zhuanban_desk::messages::request_extension(
        &state.store,
        &state.config.channels,
        &ExtensionInput {
            task_id: task.id,
            target_id,
            milestone_id,
            unit_id,
            requested,
            reason: f.reason.clone(),
        },
        &ctx.actor(),
    )
    .await
    .map(crate::warn_unposted)
    {
        Ok(_) => Ok(Redirect::to("/notices?ok=extension").into_response()),
        Err(StoreError::Invalid { message, .. }) => {
            notices_page(&state, &ctx, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide(state: &AppState, ctx: &Ctx, id: Id, grant: bool) -> AppResult<Response> {
    let plan = current_plan(state, ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    if state
        .store
        .extensions(plan.id)
        .await?
        .iter()
        .all(|e| e.id != id)
    {
        return Err(AppError::not_found());
    }
    match state.store.decide_extension(id, grant, &ctx.actor()).await {
        Ok(e) => {
            let _ = state
                .store
                .post_inbox(
                    &format!("extension:{id}"),
                    Audience::Unit(e.unit_id),
                    if grant {
                        "延期申请已同意"
                    } else {
                        "延期申请未同意"
                    },
                    &format!(
                        "申请延期至 {}：{}",
                        e.requested,
                        if grant { "已同意" } else { "未同意" }
                    ),
                    "/notices",
                )
                .await;
            Ok(Redirect::to(if grant {
                "/notices?ok=granted"
            } else {
                "/notices?ok=refused"
            })
            .into_response())
        }
        Err(StoreError::Invalid { message, .. }) => {
            notices_page(state, ctx, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn extension_grant(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    decide(&state, &ctx, id, true).await
}

pub async fn extension_refuse(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    decide(&state, &ctx, id, false).await
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    nav: Nav,
    messages: Vec<(Id, String, String, String, String, bool)>,
}

pub async fn inbox(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let messages = state
        .store
        .inbox(&user, 100)
        .await?
        .into_iter()
        .map(|m| (m.id, m.title, m.body, m.link, cst(&m.created_at), m.read))
        .collect();
    render(&InboxPage {
        nav: Nav::new(&ctx, &state, "/inbox").with_flash(q.get("ok").map(String::as_str)),
        messages,
    })
}

pub async fn inbox_read(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    if state
        .store
        .inbox(&user, 1000)
        .await?
        .iter()
        .all(|m| m.id != id)
    {
        return Err(AppError::not_found());
    }
    state.store.mark_read(user.id, id).await?;
    Ok(Redirect::to("/inbox").into_response())
}

/// 全部标为已读: every message the account has counts as read.
pub async fn inbox_read_all(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    state.store.mark_all_read(user.id).await?;
    Ok(Redirect::to("/inbox?ok=all_read").into_response())
}
