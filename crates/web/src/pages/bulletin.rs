//! The bulletin (调度通报) of a round: the HTML preview, the DOCX and XLSX downloads, and the
//! office's closing section.

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuanban_ledger::{Id, Role};
use zhuanban_store::{Store, StoreError};

use super::{Nav, current_plan, render};
use crate::AppState;
use crate::bulletin::{DEFAULT_CLOSING, bulletin_for};
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    nav: Nav,
    round_id: Id,
    round_name: String,
    preview: String,
    closing: String,
    version: i64,
    is_office: bool,
    error: Option<String>,
}

/// The round, if it belongs to the current plan.
async fn round_of_plan(state: &AppState, id: Id) -> AppResult<zhuanban_ledger::Round> {
    let plan = current_plan(state).await?.ok_or_else(AppError::not_found)?;
    let round = state.store.round(id).await?;
    if round.plan_id != plan.id {
        return Err(AppError::not_found());
    }
    Ok(round)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    flash: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let round = round_of_plan(state, id).await?;
    let (b, _) = bulletin_for(&state.store, id, &ctx.actor()).await?;
    let record = state
        .store
        .bulletin_record(id, DEFAULT_CLOSING, &ctx.actor())
        .await?;
    render(&BulletinPage {
        nav: Nav::new(ctx, state, "/rounds").with_flash(flash),
        round_id: id,
        round_name: round.name,
        preview: zhuanban_office::html::bulletin_html(&b),
        closing: record.closing,
        version: record.row_version,
        is_office: ctx.user()?.role == Role::Office,
        error,
    })
}

pub async fn bulletin(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    axum::extract::Query(q): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> AppResult<Response> {
    page(&state, &ctx, id, q.get("ok").map(String::as_str), None).await
}

fn attachment(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bulletin\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}

pub async fn bulletin_docx(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let round = round_of_plan(&state, id).await?;
    let (b, _) = bulletin_for(&state.store, id, &ctx.actor()).await?;
    Ok(attachment(
        zhuanban_office::docx::bulletin_docx(&b),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &format!("{}调度通报.docx", round.name),
    ))
}

pub async fn bulletin_xlsx(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    let round = round_of_plan(&state, id).await?;
    let (_, sheet) = bulletin_for(&state.store, id, &ctx.actor()).await?;
    Ok(attachment(
        zhuanban_office::xlsx::ledger_xlsx(&sheet),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}任务台账.xlsx", round.name),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ClosingForm {
    version: i64,
    #[serde(default)]
    closing: String,
}

pub async fn bulletin_closing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<ClosingForm>,
) -> AppResult<Response> {
    round_of_plan(&state, id).await?;
    if f.closing.trim().is_empty() {
        return page(&state, &ctx, id, None, Some("下步工作要求不能为空".into())).await;
    }
    if f.closing.chars().count() > 5000 {
        return page(
            &state,
            &ctx,
            id,
            None,
            Some("下步工作要求不超过5000字".into()),
        )
        .await;
    }
    match state
        .store
        .set_bulletin_closing(id, f.version, &f.closing, &ctx.actor())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/rounds/{id}/bulletin?ok=closing")).into_response()),
        Err(e @ StoreError::Conflict { .. }) => {
            page(&state, &ctx, id, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bulletin_recompose(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
) -> AppResult<Response> {
    round_of_plan(&state, id).await?;
    state
        .store
        .set_bulletin_content(id, None, &ctx.actor())
        .await?;
    Ok(Redirect::to(&format!("/rounds/{id}/bulletin?ok=recomposed")).into_response())
}
