//! The bulletin (调度通报) of a round: the draft preview, freezing it with its date, the DOCX,
//! XLSX and standalone HTML downloads, and the office's closing section. Composition is
//! `zhuanban_desk::bulletin`'s.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_desk::bulletin::{self as desk_bulletin, FreezeError};
use zhuanban_ledger::{Role, RoundId};
use zhuanban_office::bulletin::{Bulletin, LedgerSheet};
use zhuanban_store::{Store, StoreError};

use super::{Nav, render, today};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    nav: Nav,
    round_id: RoundId,
    round_name: String,
    preview: String,
    /// Frozen (issued): downloads and the closing editor; else a draft and the form to issue.
    frozen: bool,
    date: String,
    pending: usize,
    closing: String,
    version: i64,
    is_office: bool,
    error: Option<String>,
}

/// The round (of any plan: its bulletin is its plan's).
async fn round_of_plan(state: &AppState, id: RoundId) -> AppResult<zhuanban_ledger::Round> {
    Ok(state.store.round(id).await?)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: RoundId,
    date: Option<NaiveDate>,
    flash: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let round = round_of_plan(state, id).await?;
    let date = date.unwrap_or_else(today);
    let (b, _, frozen) = desk_bulletin::current(&state.store, id, date).await?;
    let record = state.store.bulletin_record_of(id).await?;
    let pending = if frozen {
        0
    } else {
        desk_bulletin::pending_reviews(&state.store, id).await?
    };
    render(&BulletinPage {
        nav: Nav::new(ctx, state, "/rounds").with_flash(flash),
        round_id: id,
        round_name: round.name,
        preview: zhuanban_office::html::bulletin_html(&b),
        frozen,
        date: b.date.to_string(),
        pending,
        closing: record
            .as_ref()
            .map(|r| r.closing.clone())
            .unwrap_or_default(),
        version: record.as_ref().map_or(0, |r| r.row_version),
        is_office: ctx.user()?.role == Role::Office,
        error,
    })
}

#[derive(Debug, Deserialize)]
pub struct BulletinQuery {
    ok: Option<String>,
    date: Option<NaiveDate>,
}

pub async fn bulletin(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<RoundId>,
    Query(q): Query<BulletinQuery>,
) -> AppResult<Response> {
    page(&state, &ctx, id, q.date, q.ok.as_deref(), None).await
}

#[derive(Debug, Deserialize)]
pub struct FreezeForm {
    date: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// Issues (freezes) the round's bulletin with its date; a round with reports awaiting review
/// needs the confirmation box.
pub async fn bulletin_freeze(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<RoundId>,
    Form(f): Form<FreezeForm>,
) -> AppResult<Response> {
    round_of_plan(&state, id).await?;
    let Ok(date) = f.date.trim().parse::<NaiveDate>() else {
        return page(
            &state,
            &ctx,
            id,
            None,
            None,
            Some(format!(
                "成文日期“{}”不是有效日期（格式：2024-10-08）",
                f.date.trim()
            )),
        )
        .await;
    };
    match desk_bulletin::freeze(
        &state.store,
        id,
        Some(date),
        f.confirm.is_some(),
        today(),
        &ctx.actor(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/rounds/{id}/bulletin?ok=issued")).into_response()),
        Err(e @ FreezeError::NeedsConfirmation { .. }) => {
            page(&state, &ctx, id, Some(date), None, Some(e.to_string())).await
        }
        Err(FreezeError::Store(e)) => Err(e.into()),
    }
}

/// The frozen bulletin, or a clear refusal while it is a draft.
async fn issued(state: &AppState, id: RoundId) -> AppResult<(Bulletin, LedgerSheet)> {
    desk_bulletin::frozen(&state.store, id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::CONFLICT,
                "本期通报尚未生成：请专班办公室在通报页确认成文日期后生成，再下载",
            )
        })
}

use crate::download::attachment_named as attachment;

pub async fn bulletin_docx(
    State(state): State<AppState>,
    Path(id): Path<RoundId>,
) -> AppResult<Response> {
    let round = round_of_plan(&state, id).await?;
    let (b, _) = issued(&state, id).await?;
    Ok(attachment(
        zhuanban_office::docx::bulletin_docx(&b),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &format!("bulletin-{id}.docx"),
        &format!("{}调度通报.docx", round.name),
    ))
}

/// The issued bulletin as a whole HTML page (styles and charts inline) to save and send;
/// like the DOCX, rendered from the frozen bulletin (the same bytes every time) and refused
/// (409) before it is issued.
pub async fn bulletin_page_html(
    State(state): State<AppState>,
    Path(id): Path<RoundId>,
) -> AppResult<Response> {
    let round = round_of_plan(&state, id).await?;
    let (b, _) = issued(&state, id).await?;
    Ok(attachment(
        zhuanban_office::html::bulletin_page(&b).into_bytes(),
        "text/html; charset=utf-8",
        &format!("bulletin-{id}.html"),
        &format!("{}调度通报.html", round.name),
    ))
}

pub async fn bulletin_xlsx(
    State(state): State<AppState>,
    Path(id): Path<RoundId>,
) -> AppResult<Response> {
    let round = round_of_plan(&state, id).await?;
    let (_, sheet) = issued(&state, id).await?;
    Ok(attachment(
        zhuanban_office::xlsx::ledger_xlsx(&sheet),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("ledger-{id}.xlsx"),
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
    Path(id): Path<RoundId>,
    Form(f): Form<ClosingForm>,
) -> AppResult<Response> {
    round_of_plan(&state, id).await?;
    if f.closing.trim().is_empty() {
        return page(
            &state,
            &ctx,
            id,
            None,
            None,
            Some("下步工作要求不能为空".into()),
        )
        .await;
    }
    if f.closing.chars().count() > 5000 {
        return page(
            &state,
            &ctx,
            id,
            None,
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
            page(&state, &ctx, id, None, None, Some(e.for_people())).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bulletin_recompose(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<RoundId>,
) -> AppResult<Response> {
    round_of_plan(&state, id).await?;
    state
        .store
        .set_bulletin_content(id, None, &ctx.actor())
        .await?;
    Ok(Redirect::to(&format!("/rounds/{id}/bulletin?ok=recomposed")).into_response())
}
