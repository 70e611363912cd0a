//! The office's page for monitoring data: the sites and their data, and a CSV upload whose
//! every bad cell is named (row and column), with nothing stored until the whole file is good.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use zhuanban_standards::series::{CsvOptions, SiteKind, parse_csv};
use zhuanban_store::Store as _;

use super::{Nav, render};
use crate::AppState;
use crate::error::AppResult;
use crate::routes::Ctx;

#[derive(Template)]
#[template(path = "series.html")]
struct SeriesPage {
    nav: Nav,
    sites: Vec<(String, &'static str, bool, usize, String)>,
    links: Vec<(String, i64, String)>,
    /// The current plan's targets that can be linked: ("2.2.2:1", "2.2.2 目标1：总磷 ≤0.08mg/L").
    targets: Vec<(String, String)>,
    errors: Vec<String>,
    done: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    errors: Vec<String>,
    done: Option<String>,
) -> AppResult<Response> {
    let series = state.store.load_series().await?;
    let sites = series
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let obs: Vec<_> = series
                .observations
                .iter()
                .filter(|o| o.site as usize == i)
                .collect();
            (
                s.name.clone(),
                match s.kind {
                    SiteKind::Water => "水质",
                    SiteKind::Air => "空气",
                    SiteKind::Statistic => "统计",
                },
                s.lake,
                obs.len(),
                obs.iter()
                    .map(|o| o.time)
                    .max()
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let plan = super::current_plan(state, ctx).await?;
    let links = match &plan {
        Some(p) => state
            .store
            .target_links(p.id)
            .await?
            .into_iter()
            .map(|(code, seq, t)| (code, seq, t.sites.join("、")))
            .collect(),
        None => vec![],
    };
    // Targets judged by a measurement (a level, a limit, a growth rate, a water class), not
    // counts of things done.
    let targets = match &plan {
        Some(p) => state
            .store
            .tasks(p.id, None)
            .await?
            .iter()
            .flat_map(|t| {
                t.targets
                    .iter()
                    .filter(|g| g.kind != zhuanban_ledger::TargetKind::Cumulative)
                    .map(move |g| {
                        (
                            format!("{}:{}", t.code, g.seq),
                            format!(
                                "{} 目标{}：{} {}",
                                t.code,
                                g.seq,
                                if g.metric.is_empty() {
                                    &g.text
                                } else {
                                    &g.metric
                                },
                                zhuanban_desk::bulletin::target_text(g)
                            ),
                        )
                    })
            })
            .collect(),
        None => vec![],
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&SeriesPage {
        nav: Nav::new(ctx, state, "/series"),
        sites,
        links,
        targets,
        errors,
        done,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn series(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let done = q.get("imported").map(|n| format!("已导入 {n} 条观测"));
    page(&state, &ctx, vec![], done).await
}

pub async fn series_upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut mp: Multipart,
) -> AppResult<Response> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(f)) = mp.next_field().await {
        let name = f.name().unwrap_or("").to_string();
        if let Some(fname) = f.file_name().map(str::to_string) {
            let bytes = f.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            file = Some((fname, bytes));
        } else {
            fields.insert(name, f.text().await.unwrap_or_default());
        }
    }
    let Some((fname, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(&state, &ctx, vec!["请选择要导入的 CSV 文件".into()], None).await;
    };
    let decoded = if bytes.starts_with(b"PK\x03\x04") {
        zhuanban_office::sheet::first_sheet_csv(&bytes)
    } else {
        zhuanban_plan::decode(&bytes)
            .map(|d| d.text)
            .map_err(|e| e.to_string())
    };
    let text = match decoded {
        Ok(t) => t,
        Err(e) => return page(&state, &ctx, vec![format!("{fname}：{e}")], None).await,
    };
    let kind = match fields.get("kind").map(String::as_str) {
        Some("air") => SiteKind::Air,
        Some("statistic") => SiteKind::Statistic,
        _ => SiteKind::Water,
    };
    let mut opts = CsvOptions::new(kind);
    opts.lake = fields.contains_key("lake");
    opts.site = fields
        .get("site")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    match parse_csv(&text, &opts) {
        Err(errors) => {
            let mut list: Vec<String> = errors.iter().map(|e| format!("{fname}：{e}")).collect();
            list.push("文件有错误，未导入任何数据".into());
            page(&state, &ctx, list, None).await
        }
        Ok(parsed) => {
            let out = state
                .store
                .import_series(&parsed, &fname, &ctx.actor())
                .await?;
            Ok(Redirect::to(&format!("/series?imported={}", out.observations)).into_response())
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct LinkForm {
    /// "CODE:SEQ" of the target.
    target: String,
    site: String,
    #[serde(default)]
    item: String,
    /// Judge by the latest value ("1") instead of the mean.
    #[serde(default)]
    latest: Option<String>,
}

/// Links a target of the current plan to a site's monitoring data (`zhuanban_desk::series`,
/// as `zhuanban series link` does).
pub async fn series_link(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Form(f): axum::extract::Form<LinkForm>,
) -> AppResult<Response> {
    let Some(plan) = super::current_plan(&state, &ctx).await? else {
        return page(&state, &ctx, vec!["尚未导入实施方案".into()], None).await;
    };
    let Some((task, seq)) = f
        .target
        .split_once(':')
        .and_then(|(c, n)| Some((c.to_string(), n.parse::<i64>().ok()?)))
    else {
        return page(&state, &ctx, vec!["请选择要关联的目标".into()], None).await;
    };
    let link = zhuanban_desk::series::Link {
        task: &task,
        seq,
        site: f.site.trim(),
        item: Some(f.item.as_str()),
        exclude: &[],
        latest: f.latest.is_some(),
    };
    match zhuanban_desk::series::link_target(&state.store, plan.id, &link, &ctx.actor()).await {
        Ok(done) => page(&state, &ctx, vec![], Some(done)).await,
        Err(zhuanban_desk::series::LinkError::Invalid(_, msg)) => {
            page(&state, &ctx, vec![msg], None).await
        }
        Err(zhuanban_desk::series::LinkError::Store(e)) => Err(e.into()),
    }
}

/// One item of a site, ready to show.
struct SiteItem {
    view: zhuanban_desk::series::ItemView,
    /// The chart drawn for a desktop and for a phone (a wide chart scaled down to a phone's
    /// width has unreadable labels); the style sheet shows one.
    chart: String,
    chart_narrow: String,
}

#[derive(Template)]
#[template(path = "series_site.html")]
struct SitePage {
    nav: Nav,
    site: zhuanban_desk::series::SiteView,
    items: Vec<SiteItem>,
    rows_shown: usize,
}

/// `GET /series/site?name=点位`: a site's values per item, a chart against the linked targets
/// and the standard's class lines, and the latest values as a table.
pub async fn series_site(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let name = q.get("name").map(|s| s.trim()).unwrap_or_default();
    if name.is_empty() {
        // No site named: the list of sites.
        return Ok(Redirect::to("/series").into_response());
    }
    let series = state.store.load_series().await?;
    let links = match super::current_plan(&state, &ctx).await? {
        Some(p) => state.store.target_links(p.id).await?,
        None => vec![],
    };
    let site = zhuanban_desk::series::site_view(&series, name, &links)
        .ok_or_else(crate::error::AppError::not_found)?;
    let items = site
        .items
        .iter()
        .map(|v| {
            let (start, end) = match (v.first, v.last) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    let t = super::today();
                    (t, t)
                }
            };
            // One target line on the chart (the first linked target with a value); the
            // others are listed beside it.
            let target = v.targets.iter().find_map(|t| t.3);
            let draw = |w, h| {
                zhuanban_office::svg::series_levels(
                    &v.points, target, &v.levels, start, end, &v.unit, w, h,
                )
            };
            SiteItem {
                chart: draw(720, 280),
                chart_narrow: draw(340, 220),
                view: v.clone(),
            }
        })
        .collect();
    render(&SitePage {
        nav: Nav::new(&ctx, &state, "/series"),
        site,
        items,
        rows_shown: zhuanban_desk::series::ROWS_SHOWN,
    })
}
