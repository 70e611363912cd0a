//! 工作日历: the years of China's work calendar that due dates are counted on — those written
//! down from the State Council's notices (compiled in, read-only) and those the office enters
//! from a later notice (`zhuanban_store`'s `calendar.added_years`).

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuanban_ledger::calendar;
use zhuanban_store::StoreError;

use super::{Nav, render};
use crate::AppState;
use crate::error::AppResult;
use crate::routes::Ctx;

/// One year as the page lists it.
struct YearLine {
    year: i32,
    source: String,
    /// "国庆节 10月1日—10月7日".
    holidays: Vec<String>,
    workdays: Vec<String>,
    /// Entered by the office (may be removed).
    added: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    workdays: String,
    /// A year to remove instead.
    #[serde(default)]
    remove: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    nav: Nav,
    years: Vec<YearLine>,
    form: YearForm,
    errors: Vec<String>,
}

fn md(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", d.month(), d.day())
}

fn lines() -> Vec<YearLine> {
    let mut out: Vec<YearLine> = calendar::TABLE
        .iter()
        .map(|t| YearLine {
            year: t.year,
            source: t.notice.to_string(),
            holidays: t
                .holidays
                .iter()
                .map(|(h, a, b)| {
                    if a == b {
                        format!("{h} {}月{}日", a.0, a.1)
                    } else {
                        format!("{h} {}月{}日—{}月{}日", a.0, a.1, b.0, b.1)
                    }
                })
                .collect(),
            workdays: t
                .workdays
                .iter()
                .map(|(h, d)| format!("{}月{}日（{h}）", d.0, d.1))
                .collect(),
            added: false,
        })
        .collect();
    out.extend(calendar::added_years().into_iter().map(|y| {
        YearLine {
            year: y.year,
            source: format!("{}（专班办公室录入）", y.notice),
            holidays: y
                .holidays
                .iter()
                .map(|(h, a, b)| {
                    if a == b {
                        format!("{h} {}", md(*a))
                    } else {
                        format!("{h} {}—{}", md(*a), md(*b))
                    }
                })
                .collect(),
            workdays: y
                .workdays
                .iter()
                .map(|(h, d)| format!("{}（{h}）", md(*d)))
                .collect(),
            added: true,
        }
    }));
    out.sort_by_key(|y| y.year);
    out
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    form: YearForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    // As stored now (another server may have changed it).
    state.store.load_calendar().await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&CalendarPage {
        nav: Nav::new(ctx, state, "/calendar"),
        years: lines(),
        form,
        errors,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn work_calendar(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    page(&state, &ctx, YearForm::default(), vec![]).await
}

/// Enters (or replaces) a year from its notice, or removes one the office entered.
pub async fn work_calendar_save(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<YearForm>,
) -> AppResult<Response> {
    if !f.remove.trim().is_empty() {
        let Ok(year) = f.remove.trim().parse::<i32>() else {
            let e = format!("年份“{}”无效", f.remove.trim());
            return page(&state, &ctx, YearForm::default(), vec![e]).await;
        };
        return match state.store.remove_calendar_year(year, &ctx.actor()).await {
            Ok(()) => Ok(Redirect::to("/calendar").into_response()),
            Err(StoreError::Invalid { message, .. }) => {
                page(&state, &ctx, YearForm::default(), vec![message]).await
            }
            Err(e) => Err(e.into()),
        };
    }
    let Ok(year) = f.year.trim().parse::<i32>() else {
        let e = format!("年份“{}”无效（如 2027）", f.year.trim());
        return page(&state, &ctx, f, vec![e]).await;
    };
    let parsed = match calendar::parse_year(year, &f.notice, &f.holidays, &f.workdays) {
        Ok(y) => y,
        Err(errors) => return page(&state, &ctx, f, errors).await,
    };
    match state.store.save_calendar_year(parsed, &ctx.actor()).await {
        Ok(()) => Ok(Redirect::to("/calendar").into_response()),
        Err(StoreError::Invalid { message, .. }) => page(&state, &ctx, f, vec![message]).await,
        Err(e) => Err(e.into()),
    }
}
