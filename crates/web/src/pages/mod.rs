//! Server-rendered pages. Each page is an askama template under `templates/`; handlers load
//! what the page shows, check that the account may see each object, and render.

mod admin;
mod bulletin;
pub(crate) mod desk;
mod dispatch;
mod offline;
pub(crate) mod overview;
pub(crate) mod plans;
mod report;
mod security;
mod series;
mod session;
mod supervise;
mod work_calendar;

pub use admin::*;
pub use bulletin::*;
pub use desk::*;
pub use dispatch::*;
pub use offline::*;
pub use report::*;
pub use security::*;
pub use series::*;
pub use session::*;
pub use supervise::*;
pub use work_calendar::*;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use zhuanban_ledger::{PlanRecord, Role, Round, UnitId, UnitRecord, User};
use zhuanban_store::Store;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// What the layout needs: the account, its menu, the CSRF token, banners.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user: Option<User>,
    pub links: Vec<(&'static str, &'static str)>,
    pub current: &'static str,
    pub csrf: String,
    pub demo: bool,
    /// The demonstration runs on its data's date (`serve --demo`): the banner says so.
    pub demo_time: bool,
    /// Today (China time) by the process's clock.
    pub today: NaiveDate,
    pub flash: Option<&'static str>,
    /// Unread messages, shown beside 消息 (0: none).
    pub unread: i64,
}

impl Nav {
    pub fn new(ctx: &Ctx, state: &AppState, current: &'static str) -> Nav {
        let links: Vec<(&'static str, &'static str)> = match ctx.user.as_ref().map(|u| u.role) {
            Some(Role::Office) => vec![
                ("/dashboard", "工作台"),
                ("/overview", "全部方案"),
                ("/ledger", "任务台账"),
                ("/plans", "方案"),
                ("/review", "待审核"),
                ("/rounds", "调度与通报"),
                ("/notices", "督办"),
                ("/series", "监测数据"),
                ("/inbox", "消息"),
            ],
            Some(Role::Leader) => vec![
                ("/dashboard", "工作台"),
                ("/overview", "全部方案"),
                ("/ledger", "任务台账"),
                ("/plans/switch", "切换方案"),
                ("/rounds", "调度与通报"),
                ("/notices", "督办"),
                ("/inbox", "消息"),
            ],
            Some(Role::Unit) => vec![
                ("/my", "我的任务"),
                ("/ledger", "任务台账"),
                ("/plans/switch", "切换方案"),
                ("/notices", "督办与延期"),
                ("/inbox", "消息"),
            ],
            Some(Role::Sysadmin) => {
                vec![("/admin/users", "账号管理"), ("/admin/units", "单位管理")]
            }
            Some(Role::Secadmin) => vec![("/security", "安全策略"), ("/admin/users", "账号管理")],
            Some(Role::Auditor) => vec![("/audit", "审计日志")],
            _ => vec![],
        };
        Nav {
            user: ctx.user.clone(),
            links,
            current,
            csrf: ctx.csrf.clone(),
            demo: state.config.demo,
            demo_time: state.config.demo && zhuanban_store::clock::is_demo_time(),
            today: today(),
            flash: None,
            unread: ctx.unread.unwrap_or(0),
        }
    }

    pub fn is_current(&self, href: &str) -> bool {
        href == self.current
    }

    /// The unread count shown beside a link: on 消息, when there is any.
    pub fn unread_on(&self, href: &str) -> Option<i64> {
        (href == "/inbox" && self.unread > 0).then_some(self.unread)
    }

    /// A fixed message chosen by a code in the query (no user text is reflected).
    pub fn with_flash(mut self, code: Option<&str>) -> Nav {
        self.flash = code.and_then(flash_message);
        self
    }
}

fn flash_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "已保存草稿",
        "submitted" => "已报送，等待专班办公室审核",
        "accepted" => "已采纳",
        "returned" => "已退回，单位将看到退回理由",
        "opened" => "已开启调度轮次",
        "opened_moved" => {
            "已开启调度轮次。所填报送截止日期是周末或法定节假日，已顺延至下一个工作日"
        }
        "closed" => "已关闭调度轮次",
        "instruction" => "批示已发布",
        "created" => "已创建",
        "reset" => "密码已重置，该账号的会话已全部结束",
        "disabled" => "账号已停用，其会话已结束",
        "enabled" => "账号已启用",
        "unlocked" => "已解除登录锁定",
        "setup" => "系统管理员已创建，请登录",
        "password" => "密码已修改，请用新密码登录",
        "totp" => "二次验证已启用",
        "issued" => "督办单已签发，已通知责任单位",
        "sign" => "已签收",
        "reply" => "已回复，等待专班办公室销号",
        "close" => "已销号",
        "reopen" => "已退回重办",
        "extension" => "延期申请已提交，等待专班办公室审批",
        "granted" => "已同意延期",
        "refused" => "未同意延期",
        "closing" => "下步工作要求已保存",
        "recomposed" => "通报已按最新台账重新生成",
        "renamed" => "单位已更名，原名称保留为别名",
        "merged" => "单位已合并，原写法保留为别名",
        "all_read" => "消息已全部标为已读",
        _ => return None,
    })
}

/// The page shown for an error.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> String {
    let nav = Nav {
        user: None,
        links: vec![],
        current: "",
        csrf: String::new(),
        demo: false,
        demo_time: false,
        today: today(),
        flash: None,
        unread: 0,
    };
    ErrorPage {
        nav,
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_string())
}

pub fn render(t: &impl Template) -> AppResult<Response> {
    Ok(Html(t.render()?).into_response())
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// China Standard Time for display ("2024-09-30 14:05").
pub fn cst(t: &DateTime<Utc>) -> String {
    let tz = zhuanban_store::clock::china();
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn today() -> NaiveDate {
    zhuanban_store::clock::china_today()
}

pub fn number(v: f64) -> String {
    zhuanban_office::svg::fmt_number(v)
}

/// The plan the desk works on (see [`desk::plan_for`], the one rule).
pub async fn current_plan(state: &AppState, ctx: &Ctx) -> AppResult<Option<PlanRecord>> {
    match desk::plan_for(state, ctx).await? {
        Some(id) => Ok(Some(state.store.plan(id).await?)),
        None => Ok(None),
    }
}

/// The plans an account sees: every plan for the office, a leader and the administrator; for
/// a unit, the plans it has a part in (`Db::plans_of_unit`, the one rule).
pub async fn visible_plans(state: &AppState, user: &User) -> AppResult<Vec<PlanRecord>> {
    if user.role != zhuanban_ledger::Role::Unit {
        return Ok(state.store.plans().await?);
    }
    Ok(state.store.plans_of_unit(own_unit(user)?).await?)
}

/// The round the desk works on: the newest open one, else the newest (the judgement's own
/// rule).
pub fn current_round(rounds: &[Round]) -> Option<&Round> {
    zhuanban_desk::judge::current_round(rounds)
}

pub fn unit_name(units: &[UnitRecord], id: UnitId) -> String {
    units
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("单位#{id}"), |u| u.name.clone())
}

/// A unit account's unit, or an error for accounts without one.
pub fn own_unit(user: &User) -> AppResult<UnitId> {
    user.unit_id.ok_or_else(AppError::forbidden)
}

pub fn colour_class(c: zhuanban_ledger::Colour) -> &'static str {
    match c {
        zhuanban_ledger::Colour::Green => "c-green",
        zhuanban_ledger::Colour::Yellow => "c-yellow",
        zhuanban_ledger::Colour::Red => "c-red",
        zhuanban_ledger::Colour::Grey => "c-grey",
    }
}
