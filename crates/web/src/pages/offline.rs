//! Offline reporting: a unit downloads a spreadsheet of its tasks for the open round
//! (pre-filled with the last values, locked where it must not write) and uploads it back; every
//! wrong cell is named and nothing is saved until the whole file is valid. And the printed
//! supervision notice.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use zhuanban_ledger::{Id, ReportState, Role, TargetId, TargetKind};
use zhuanban_office::offline::{
    ReportTemplate, TemplateTarget, TemplateTask, read_report_xlsx, report_template_xlsx,
    template_file_name,
};
use zhuanban_store::{ReportInput, Store, StoreError};

use super::{Nav, current_plan, own_unit, render};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// The template of the signed-in unit for the open round.
async fn template(state: &AppState, ctx: &Ctx) -> AppResult<ReportTemplate> {
    let user = ctx.user()?.clone();
    let unit_id = own_unit(&user)?;
    let plan = current_plan(state, ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let round = state
        .store
        .rounds(plan.id)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.state == zhuanban_ledger::RoundState::Open)
        .ok_or_else(|| {
            AppError::new(StatusCode::NOT_FOUND, "当前没有进行中的调度轮次，无需填报")
        })?;
    let unit = state.store.unit_by_id(unit_id).await?.name;
    let mut tasks = Vec::new();
    for t in state.store.tasks(plan.id, Some(round.plan_version)).await? {
        if !(t.lead.contains(&unit_id) || t.support.contains(&unit_id)) {
            continue;
        }
        let current = state.store.find_report(round.id, t.id, unit_id).await?;
        let last = state.store.last_accepted(plan.id, &t.code, unit_id).await?;
        let base = current.as_ref().or(last.as_ref());
        let value_of = |id: TargetId| {
            base.and_then(|r| r.values.iter().find(|v| v.target_id == id))
                .map(|v| v.value)
        };
        tasks.push(TemplateTask {
            task_id: t.id,
            code: t.code.clone(),
            title: t.title.clone(),
            targets: t
                .targets
                .iter()
                .map(|g| TemplateTarget {
                    target_id: g.id,
                    metric: if g.metric.is_empty() {
                        g.text.clone()
                    } else {
                        g.metric.clone()
                    },
                    // The same words as the desk and the bulletin ("≥3个", "Ⅲ类及以上").
                    goal: zhuanban_desk::bulletin::target_text(g),
                    unit: g.unit.clone(),
                    last_value: value_of(g.id),
                    kind: g.kind,
                })
                .collect(),
            narrative: current
                .as_ref()
                .map(|r| r.narrative.clone())
                .unwrap_or_default(),
            problems: current
                .as_ref()
                .map(|r| r.problems.clone())
                .unwrap_or_default(),
            next_steps: current
                .as_ref()
                .map(|r| r.next_steps.clone())
                .unwrap_or_default(),
            // A report submitted or accepted cannot change: shown locked, skipped on upload.
            locked: current
                .as_ref()
                .filter(|r| matches!(r.state, ReportState::Submitted | ReportState::Accepted))
                .map(|r| format!("本期报告{}", r.state.label())),
        });
    }
    Ok(ReportTemplate {
        round_id: round.id,
        round_name: round.name,
        due: round.due,
        unit,
        tasks,
    })
}

use crate::download::attachment;

pub async fn template_download(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let t = template(&state, &ctx).await?;
    Ok(attachment(
        report_template_xlsx(&t),
        zhuanban_office::offline::CONTENT_TYPE,
        &template_file_name(&t),
    ))
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    nav: Nav,
    errors: Vec<String>,
}

async fn errors_page(state: &AppState, ctx: &Ctx, errors: Vec<String>) -> AppResult<Response> {
    let mut res = render(&UploadPage {
        nav: Nav::new(ctx, state, "/my"),
        errors,
    })?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// Takes a filled template back: every task in it is submitted, or nothing is.
pub async fn template_upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut mp: Multipart,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let unit_id = own_unit(&user)?;
    let t = template(&state, &ctx).await?;
    let mut bytes = None;
    while let Ok(Some(f)) = mp.next_field().await {
        if f.file_name().is_some() {
            bytes = f.bytes().await.ok().map(|b| b.to_vec());
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return errors_page(&state, &ctx, vec!["请选择填好的报表文件".into()]).await;
    };
    let filled = match read_report_xlsx(&bytes, &t) {
        Ok(f) => f,
        Err(errors) => {
            let mut list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            list.push("报表有错误，未保存任何内容；请更正后重新上传".into());
            return errors_page(&state, &ctx, list).await;
        }
    };
    // Check every task before saving any.
    let mut inputs = Vec::new();
    let kinds: HashMap<TargetId, TargetKind> = t
        .tasks
        .iter()
        .flat_map(|x| x.targets.iter().map(|g| (g.target_id, g.kind)))
        .collect();
    let mut problems = Vec::new();
    for f in &filled {
        let existing = state
            .store
            .find_report(t.round_id, f.task_id, unit_id)
            .await?;
        // A report already submitted or accepted cannot change: its task is skipped (its rows
        // are whatever the file says), the others are saved.
        if existing
            .as_ref()
            .is_some_and(|r| matches!(r.state, ReportState::Submitted | ReportState::Accepted))
        {
            continue;
        }
        if f.narrative.trim().is_empty() {
            let code = t
                .tasks
                .iter()
                .find(|x| x.task_id == f.task_id)
                .map_or("", |x| x.code.as_str());
            problems.push(format!("任务 {code} 未填写本期进展"));
        }
        let _ = &kinds;
        inputs.push(ReportInput {
            round_id: t.round_id,
            task_id: f.task_id,
            unit_id,
            values: f.values.clone(),
            milestones: vec![],
            narrative: f.narrative.clone(),
            problems: f.problems.clone(),
            next_steps: f.next_steps.clone(),
            submit: true,
            expected_version: existing.map(|r| r.row_version),
            at: None,
            evidence: vec![],
        });
    }
    if !problems.is_empty() {
        problems.push("未保存任何内容".into());
        return errors_page(&state, &ctx, problems).await;
    }
    // All or nothing: one transaction for the whole file.
    match zhuanban_desk::messages::save_reports(
        &state.store,
        &state.config.channels,
        &inputs,
        &ctx.actor(),
    )
    .await
    .map(crate::warn_unposted)
    {
        Ok(_) => Ok(Redirect::to("/my?ok=submitted").into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            errors_page(&state, &ctx, vec![e.for_people(), "未保存任何内容".into()]).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The printed supervision notice (DOCX).
pub async fn notice_print(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let plan = current_plan(&state, &ctx)
        .await?
        .ok_or_else(AppError::not_found)?;
    let n = state.store.notice(id).await?;
    let visible = match user.role {
        Role::Office | Role::Leader => true,
        Role::Unit => user.unit_id == Some(n.unit_id),
        _ => false,
    };
    if !visible
        || state
            .store
            .notices(plan.id)
            .await?
            .iter()
            .all(|x| x.id != id)
    {
        return Err(AppError::not_found());
    }
    let mut task = None;
    for v in 1..=plan.version {
        if let Some(t) = state
            .store
            .tasks(plan.id, Some(v))
            .await?
            .into_iter()
            .find(|t| t.id == n.task_id)
        {
            task = Some(t);
        }
    }
    let task = task.ok_or_else(AppError::not_found)?;
    let reading = state.store.plan_reading(plan.id, plan.version).await.ok();
    let issuer = reading
        .and_then(|r| r.task_force.map(|t| format!("{}办公室", t.name)))
        .unwrap_or_else(|| "工作专班办公室".into());
    let tz = zhuanban_store::clock::china();
    let doc = zhuanban_office::notice::NoticeDoc {
        number: n.number.clone(),
        level: super::level_label(n.level).to_string(),
        issuer,
        unit: state.store.unit_by_id(n.unit_id).await?.name,
        task_code: task.code.clone(),
        task_title: task.title.clone(),
        reason: n.reason.clone(),
        reply_by: n.reply_by,
        issued_on: n.issued_at.with_timezone(&tz).date_naive(),
        demo: plan.demo,
    };
    Ok(attachment(
        zhuanban_office::notice::notice_docx(&doc),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &format!("督办通知单-{}.docx", n.number),
    ))
}
