//! Every route with its access rule, the guard that enforces the rules, and the security
//! headers of every response.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, on};
use zhuanban_ledger::{Role, User};
use zhuanban_store::Actor;

use crate::auth;
use crate::error::AppError;
use crate::{AppState, api, pages};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Only while no account exists (the first administrator).
    Setup,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts with one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Setup => false,
            Access::Roles(r) => r.contains(&role),
        }
    }
}

/// A route and its rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// API routes answer JSON (errors too); page routes answer HTML.
    pub api: bool,
    /// What the route does (for the OpenAPI document).
    pub summary: &'static str,
}

pub const OFFICE: &[Role] = &[Role::Office];
pub const LEADER: &[Role] = &[Role::Leader];
pub const UNIT: &[Role] = &[Role::Unit];
pub const BUSINESS: &[Role] = &[Role::Office, Role::Leader, Role::Unit];
pub const READERS: &[Role] = &[Role::Office, Role::Leader];
pub const SYSADMIN: &[Role] = &[Role::Sysadmin];
pub const SECADMIN: &[Role] = &[Role::Secadmin];
pub const AUDITOR: &[Role] = &[Role::Auditor];
/// The system and security administrators: each manages its own kind of account on the
/// accounts page (`pages::admin`).
pub const ADMINS: &[Role] = &[Role::Sysadmin, Role::Secadmin];

/// The signed-in account (if any) and its session, for handlers.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<User>,
    pub csrf: String,
    pub token_hash: Option<String>,
    pub ip: String,
    /// The plan to work on: named in the URL (`?plan=ID`), else chosen in this browser (its
    /// cookie); see `pages::desk::plan_for`.
    pub plan: Option<zhuanban_ledger::Id>,
    /// Whether `plan` was named in the URL: a plan named there that the account may not see is
    /// not found, while a chosen one falls back to the newest.
    pub plan_in_url: bool,
    /// The account's unread messages, for the navigation of a page (None on the API and for
    /// accounts without an inbox).
    pub unread: Option<i64>,
}

impl Ctx {
    /// The signed-in account; the guard guarantees one on non-public routes.
    pub fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or_else(AppError::forbidden)
    }

    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => Actor::new(format!("{}（{}）", u.name, u.login), self.ip.clone()),
            None => Actor::new("匿名", self.ip.clone()),
        }
    }
}

struct Registry {
    router: Router<AppState>,
    rules: Vec<Rule>,
    state: AppState,
}

impl Registry {
    fn add<H, T>(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_limited(method, path, access, summary, handler, None)
    }

    /// A route that takes an upload: its body may be up to `limit` bytes instead of axum's
    /// default 2 MiB, which every other route keeps.
    fn upload<H, T>(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: H,
        limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_limited(method, path, access, summary, handler, Some(limit))
    }

    fn add_limited<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: H,
        limit: Option<usize>,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let rule = Rule {
            method: method.clone(),
            path,
            access,
            api: path.starts_with("/api/"),
            summary,
        };
        let filter = MethodFilter::try_from(method).expect("a standard method");
        let guard_state = (self.state.clone(), Arc::new(rule.clone()));
        let mut mr =
            on(filter, handler).route_layer(middleware::from_fn_with_state(guard_state, guard));
        if let Some(limit) = limit {
            mr = mr.layer(axum::extract::DefaultBodyLimit::max(limit));
        }
        self.router = self.router.route(path, mr);
        self.rules.push(rule);
        self
    }
}

/// The route table: every route of the application with its rule (filled when the
/// application is built).
pub fn rules() -> Vec<Rule> {
    RULES.get().cloned().unwrap_or_default()
}

#[rustfmt::skip]
fn registry(state: AppState) -> (Router<AppState>, Vec<Rule>) {
    use Method as M;
    // Evidence: up to four files of the configured size in one report form, plus its text.
    let report_body = state.config.max_upload.saturating_mul(4).saturating_add(1 << 20);
    // Monitoring data: a year of hourly CSV for a few dozen sites; the spreadsheet reader has
    // its own limits on what the bytes unpack to.
    let series_body = 16 << 20;
    let r = Registry {
        router: Router::new(),
        rules: Vec::new(),
        state,
    };
    let r = r
        .add(M::GET, "/", Access::Public, "首页（按角色跳转）", pages::home)
        .add(M::GET, "/login", Access::Public, "登录页", pages::login_form)
        .add(M::POST, "/login", Access::Public, "登录", pages::login)
        .add(M::POST, "/logout", Access::SignedIn, "退出", pages::logout)
        .add(M::GET, "/setup", Access::Setup, "首次启动：创建系统管理员", pages::setup_form)
        .add(M::POST, "/setup", Access::Setup, "首次启动：创建系统管理员", pages::setup)
        .add(M::GET, "/dashboard", Access::Roles(READERS), "工作台", pages::dashboard)
        .add(M::GET, "/ledger", Access::Roles(BUSINESS), "任务台账", pages::ledger)
        .add(M::GET, "/ledger.xlsx", Access::Roles(BUSINESS), "导出任务台账（筛选结果，XLSX）", pages::ledger_xlsx)
        .add(M::GET, "/tasks/{code}", Access::Roles(BUSINESS), "任务详情", pages::task)
        .add(M::GET, "/tasks/{code}/notice", Access::Roles(OFFICE), "督办任务", pages::notice_new)
        .add(M::POST, "/tasks/{code}/notice", Access::Roles(OFFICE), "签发任务督办单", pages::notice_create)
        .add(M::POST, "/tasks/{code}/instructions", Access::Roles(LEADER), "领导批示", pages::add_instruction)
        .add(M::GET, "/my", Access::Roles(UNIT), "我的任务", pages::my_tasks)
        .add(M::GET, "/my/tasks/{code}", Access::Roles(UNIT), "填报进展", pages::report_form)
        .upload(M::POST, "/my/tasks/{code}", Access::Roles(UNIT), "保存或报送进展", pages::report_save, report_body)
        .add(M::GET, "/reports/{id}", Access::Roles(BUSINESS), "报告详情", pages::report_view)
        .add(M::GET, "/reports/{id}/evidence/{sha}", Access::Roles(BUSINESS), "下载佐证材料", pages::evidence_download)
        .add(M::GET, "/review", Access::Roles(OFFICE), "待审核报告", pages::review_queue)
        .add(M::POST, "/review/{id}/accept", Access::Roles(OFFICE), "采纳报告", pages::review_accept)
        .add(M::POST, "/review/{id}/return", Access::Roles(OFFICE), "退回报告", pages::review_return)
        .add(M::GET, "/rounds", Access::Roles(READERS), "调度轮次与通报", pages::rounds)
        .add(M::POST, "/rounds", Access::Roles(OFFICE), "开启轮次", pages::round_open)
        .add(M::POST, "/rounds/{id}/close", Access::Roles(OFFICE), "关闭轮次", pages::round_close)
        .add(M::GET, "/rounds/{id}/bulletin", Access::Roles(READERS), "调度通报预览", pages::bulletin)
        .add(M::GET, "/rounds/{id}/bulletin.docx", Access::Roles(READERS), "下载调度通报（DOCX）", pages::bulletin_docx)
        .add(M::GET, "/rounds/{id}/bulletin.html", Access::Roles(READERS), "下载调度通报（HTML）", pages::bulletin_page_html)
        .add(M::GET, "/rounds/{id}/bulletin.xlsx", Access::Roles(READERS), "下载任务台账（XLSX）", pages::bulletin_xlsx)
        .add(M::POST, "/rounds/{id}/bulletin/freeze", Access::Roles(OFFICE), "生成（定稿）调度通报", pages::bulletin_freeze)
        .add(M::POST, "/rounds/{id}/bulletin/closing", Access::Roles(OFFICE), "编辑下步工作要求", pages::bulletin_closing)
        .add(M::POST, "/rounds/{id}/bulletin/recompose", Access::Roles(OFFICE), "重新生成通报", pages::bulletin_recompose)
        .add(M::GET, "/notices", Access::Roles(BUSINESS), "督办单与延期申请", pages::notices)
        .add(M::POST, "/notices", Access::Roles(OFFICE), "签发督办单", pages::notice_issue)
        .add(M::POST, "/notices/{id}/sign", Access::Roles(UNIT), "签收督办单", pages::notice_sign)
        .add(M::POST, "/notices/{id}/reply", Access::Roles(UNIT), "回复督办单", pages::notice_reply)
        .add(M::POST, "/notices/{id}/close", Access::Roles(OFFICE), "督办单销号", pages::notice_close)
        .add(M::POST, "/notices/{id}/reopen", Access::Roles(OFFICE), "督办单退回重办", pages::notice_reopen)
        .add(M::POST, "/my/tasks/{code}/extension", Access::Roles(UNIT), "申请延期", pages::extension_request)
        .add(M::POST, "/extensions/{id}/grant", Access::Roles(OFFICE), "同意延期", pages::extension_grant)
        .add(M::POST, "/extensions/{id}/refuse", Access::Roles(OFFICE), "不同意延期", pages::extension_refuse)
        .add(M::GET, "/calendar", Access::Roles(OFFICE), "工作日历", pages::work_calendar)
        .add(M::POST, "/calendar", Access::Roles(OFFICE), "录入工作日历", pages::work_calendar_save)
        .add(M::GET, "/series", Access::Roles(OFFICE), "监测与统计数据", pages::series)
        .add(M::GET, "/series/site", Access::Roles(OFFICE), "监测点位", pages::series_site)
        .upload(M::POST, "/series", Access::Roles(OFFICE), "导入监测数据（CSV）", pages::series_upload, series_body)
        .add(M::POST, "/series/link", Access::Roles(OFFICE), "目标关联监测点位", pages::series_link)
        .add(M::GET, "/my/template.xlsx", Access::Roles(UNIT), "下载本轮填报表（Excel）", pages::template_download)
        .add(M::POST, "/my/template", Access::Roles(UNIT), "上传填好的报表", pages::template_upload)
        .add(M::GET, "/notices/{id}/print.docx", Access::Roles(BUSINESS), "打印督办通知单（DOCX）", pages::notice_print)
        .add(M::GET, "/inbox", Access::SignedIn, "消息", pages::inbox)
        .add(M::POST, "/inbox/{id}/read", Access::SignedIn, "标为已读", pages::inbox_read)
        .add(M::POST, "/inbox/read-all", Access::SignedIn, "全部标为已读", pages::inbox_read_all)
        .add(M::GET, "/admin/users", Access::Roles(ADMINS), "账号管理", pages::admin_users)
        .add(M::POST, "/admin/users", Access::Roles(ADMINS), "新建账号", pages::admin_user_create)
        .add(M::GET, "/admin/users/{id}/reset", Access::Roles(ADMINS), "重置密码", pages::admin_user_reset_form)
        .add(M::POST, "/admin/users/{id}/reset", Access::Roles(ADMINS), "重置密码", pages::admin_user_reset)
        .add(M::POST, "/admin/users/{id}/disable", Access::Roles(ADMINS), "停用或启用账号", pages::admin_user_disable)
        .add(M::POST, "/admin/users/{id}/unlock", Access::Roles(SECADMIN), "解除登录锁定", pages::admin_user_unlock)
        .add(M::GET, "/admin/units", Access::Roles(SYSADMIN), "单位管理", pages::admin_units)
        .add(M::POST, "/admin/units", Access::Roles(SYSADMIN), "新增单位", pages::unit_create)
        .add(M::POST, "/admin/units/merge", Access::Roles(SYSADMIN), "合并单位", pages::unit_merge)
        .add(M::POST, "/admin/units/{id}/rename", Access::Roles(SYSADMIN), "单位更名", pages::unit_rename)
        .add(M::GET, "/login/totp", Access::SignedIn, "二次验证", pages::totp_form)
        .add(M::POST, "/login/totp", Access::SignedIn, "二次验证", pages::totp_verify)
        .add(M::GET, "/account/password", Access::SignedIn, "修改密码", pages::password_form)
        .add(M::POST, "/account/password", Access::SignedIn, "修改密码", pages::password_change)
        .add(M::POST, "/account/email", Access::SignedIn, "修改本人电子邮件", pages::email_change)
        .add(M::GET, "/account/totp", Access::SignedIn, "设置二次验证", pages::totp_setup_form)
        .add(M::POST, "/account/totp", Access::SignedIn, "设置二次验证", pages::totp_setup)
        .add(M::GET, "/security", Access::Roles(SECADMIN), "安全策略", pages::security_form)
        .add(M::POST, "/security", Access::Roles(SECADMIN), "保存安全策略", pages::security_save)
        .add(M::GET, "/audit", Access::Roles(AUDITOR), "审计日志", pages::audit)
        .add(M::GET, "/audit.csv", Access::Roles(AUDITOR), "导出审计日志", pages::audit_csv)
        .add(M::GET, "/static/style.css", Access::Public, "样式表", pages::stylesheet)
        .add(M::GET, "/healthz", Access::Public, "健康检查", pages::healthz)
        .add(M::GET, "/overview", Access::Roles(READERS), "全部方案概览", pages::overview::overview)
        .add(M::GET, "/plans", Access::Roles(OFFICE), "方案与识别稿", pages::plans::plans)
        .add(M::POST, "/plans/{id}/archive", Access::Roles(OFFICE), "方案归档或取消归档", pages::plans::archive)
        .add(M::GET, "/plans/switch", Access::Roles(BUSINESS), "切换方案", pages::plans::switch_form)
        .add(M::POST, "/plans/switch", Access::Roles(BUSINESS), "切换方案", pages::plans::switch)
        .upload(M::POST, "/plans/readings", Access::Roles(OFFICE), "上传方案文件并识别", pages::plans::upload, report_body)
        .add(M::GET, "/plans/readings/{id}", Access::Roles(OFFICE), "核对识别结果", pages::plans::review)
        .add(M::POST, "/plans/readings/{id}", Access::Roles(OFFICE), "保存更正或确认导入", pages::plans::review_save)
        .add(M::GET, "/api/openapi.json", Access::Public, "本 API 的 OpenAPI 描述", api::openapi)
        .add(M::GET, "/api/me", Access::SignedIn, "当前账号", api::me)
        .add(M::GET, "/api/status", Access::Roles(READERS), "序时进度判断（全部任务）", api::status)
        .add(M::GET, "/api/plans", Access::Roles(BUSINESS), "方案列表（单位账号只见有本单位任务的方案）", api::plans)
        .upload(M::POST, "/api/plans/readings", Access::Roles(OFFICE), "上传方案文件，得到识别稿（multipart 字段 file）", api::upload_reading, report_body)
        .add(M::GET, "/api/plans/readings/{id}", Access::Roles(OFFICE), "识别稿", api::reading)
        .add(M::PUT, "/api/plans/readings/{id}", Access::Roles(OFFICE), "保存更正后的识别结果", api::correct_reading)
        .add(M::POST, "/api/plans/{id}/archive", Access::Roles(OFFICE), "方案归档或取消归档（{\"archived\": true, \"version\": N}）", api::archive_plan)
        .add(M::POST, "/api/plans/readings/{id}/confirm", Access::Roles(OFFICE), "确认识别稿：新方案或新版本", api::confirm_reading)
        .add(M::GET, "/api/tasks", Access::Roles(BUSINESS), "任务台账（单位账号只见本单位任务；?plan=方案编号）", api::tasks)
        .add(M::GET, "/api/tasks/{code}", Access::Roles(BUSINESS), "任务详情与历次报送", api::task)
        .add(M::GET, "/api/my/tasks", Access::Roles(UNIT), "本单位本轮任务与报送状态", api::my_tasks)
        .add(M::POST, "/api/reports", Access::Roles(UNIT), "保存或报送进展", api::save_report)
        .add(M::GET, "/api/reports/{id}", Access::Roles(BUSINESS), "报告详情", api::report)
        .add(M::GET, "/api/review", Access::Roles(OFFICE), "待审核报告", api::review_queue)
        .add(M::POST, "/api/reports/{id}/accept", Access::Roles(OFFICE), "采纳报告", api::accept)
        .add(M::POST, "/api/reports/{id}/return", Access::Roles(OFFICE), "退回报告", api::return_report)
        .add(M::POST, "/api/tasks/{code}/instructions", Access::Roles(LEADER), "领导批示", api::add_instruction);
    (r.router, r.rules)
}

static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();

/// The application router with the guard on every route and the security headers on every
/// response.
pub fn build(state: AppState) -> Router {
    let (router, rules) = registry(state.clone());
    let _ = RULES.set(rules);
    router
        .fallback(|| async { AppError::not_found() })
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers every response carries (SECURITY.md): CSP, nosniff, referrer policy, framing.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn client_ip(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn deny(rule: &Rule, status: StatusCode, message: &str) -> Response {
    let e = AppError::new(status, message);
    if rule.api {
        e.json().into_response()
    } else {
        e.into_response()
    }
}

/// Same-origin check for unsafe methods: Sec-Fetch-Site, else Origin against Host.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host),
        // No Origin (old browsers, command-line clients): the CSRF token decides.
        _ => true,
    }
}

/// Reads `_csrf` from a URL-encoded query or body.
fn csrf_field(s: &str) -> Option<String> {
    s.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        // Tokens are URL-safe base64: forms send them unencoded.
        (k == "_csrf").then(|| v.to_string())
    })
}

async fn guard(
    State((state, rule)): State<(AppState, Arc<Rule>)>,
    req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&req);
    if let Err(e) = state.refresh_settings().await {
        return deny(
            &rule,
            StatusCode::INTERNAL_SERVER_ERROR,
            &AppError::internal(e).message,
        );
    }
    // Until the first account exists, everything leads to /setup.
    if !state.has_users() && !matches!(rule.access, Access::Setup | Access::Public) {
        return Redirect::to("/setup").into_response();
    }
    if rule.access == Access::Setup && state.has_users() {
        return deny(&rule, StatusCode::NOT_FOUND, "页面或记录不存在");
    }
    if !state.has_users() && rule.path == "/" {
        return Redirect::to("/setup").into_response();
    }
    // The session, if any.
    let mut ctx = Ctx {
        user: None,
        csrf: String::new(),
        token_hash: None,
        ip: ip.clone(),
        plan: None,
        plan_in_url: false,
        unread: None,
    };
    // `?plan=ID` names the plan for this request (links across plans, the API); else the plan
    // chosen in this browser.
    match auth::plan_from_query(req.uri().query().unwrap_or("")) {
        Some(id) => {
            ctx.plan = Some(id);
            ctx.plan_in_url = true;
        }
        None => {
            ctx.plan = req
                .headers()
                .get(header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .and_then(auth::plan_from_cookies);
        }
    }
    let token = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::token_from_cookies)
        .map(str::to_string);
    let mut expired = false;
    let mut mfa_pending = false;
    if let Some(token) = token {
        let hash = auth::token_hash(&token);
        // The session and its account in one statement.
        match state.store.session_user(&hash).await {
            Ok(Some((s, user))) => {
                let now = zhuanban_store::clock::now();
                let (idle, absolute) = state.session_limits();
                let idle = chrono::Duration::from_std(idle).unwrap_or_default();
                let absolute = chrono::Duration::from_std(absolute).unwrap_or_default();
                mfa_pending = s.mfa_pending;
                if now - s.last_seen > idle || now - s.created_at > absolute {
                    let _ = state.store.delete_session(&hash).await;
                    expired = true;
                } else {
                    match user {
                        Some(u) if !u.disabled => {
                            if now - s.last_seen > chrono::Duration::seconds(60) {
                                let _ = state.store.touch_session(&hash).await;
                            }
                            ctx.user = Some(u);
                            ctx.csrf = s.csrf;
                            ctx.token_hash = Some(hash);
                        }
                        _ => {
                            let _ = state.store.delete_session(&hash).await;
                            expired = true;
                        }
                    }
                }
            }
            Ok(None) => expired = true,
            Err(e) => {
                return deny(
                    &rule,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &AppError::internal(e).message,
                );
            }
        }
    }
    // A session half way through signing in, a password that must change, a second factor that
    // must be set up: until done, only the pages that do it.
    if let Some(u) = &ctx.user {
        let security = state.security();
        let (allowed, to) = if mfa_pending {
            (&["/login/totp"][..], "/login/totp")
        } else if u.must_change_password {
            // Someone else set this password: the owner replaces it first.
            (&["/account/password"][..], "/account/password?must=1")
        } else if security
            .policy()
            .expired(u.password_changed_at, zhuanban_store::clock::now())
        {
            (&["/account/password"][..], "/account/password?expired=1")
        } else if security.require_totp && !u.totp_enabled {
            (&["/account/totp"][..], "/account/totp?required=1")
        } else {
            (&[][..], "")
        };
        if !to.is_empty()
            && !allowed.contains(&rule.path)
            && !matches!(rule.path, "/logout" | "/static/style.css" | "/healthz")
        {
            if rule.api {
                return deny(
                    &rule,
                    StatusCode::FORBIDDEN,
                    "请先完成登录步骤（二次验证、修改过期或他人设置的密码、设置验证器）",
                );
            }
            return Redirect::to(to).into_response();
        }
        if mfa_pending && rule.path != "/login/totp" && rule.path != "/logout" {
            // Not signed in yet: only the second-factor page sees the account.
            ctx.user = None;
        }
    }
    // Access.
    match (rule.access, &ctx.user) {
        (Access::Public | Access::Setup, _) => {}
        (_, None) => {
            if rule.api {
                return deny(
                    &rule,
                    StatusCode::UNAUTHORIZED,
                    if expired {
                        "会话已过期，请重新登录"
                    } else {
                        "请先登录"
                    },
                );
            }
            let next_path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = if req.method() == Method::GET {
                next_path
            } else {
                "/"
            };
            let mut url = format!("/login?next={}", encode(target));
            if expired {
                url.push_str("&expired=1");
            }
            return Redirect::to(&url).into_response();
        }
        (access, Some(u)) => {
            if !access.allows(u.role) {
                let _ = state
                    .store
                    .audit_event(
                        &ctx.actor(),
                        "access.denied",
                        &format!("{} {}", req.method(), req.uri().path()),
                        "denied",
                    )
                    .await;
                return deny(&rule, StatusCode::FORBIDDEN, "您没有访问此页面的权限");
            }
        }
    }
    // Unsafe methods: same origin, and the session's CSRF token.
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if !same_origin(req.headers()) {
            return deny(
                &rule,
                StatusCode::FORBIDDEN,
                "请求来源不符（跨站请求被拒绝）",
            );
        }
        // Signing in needs no token (there is no session to ride on); everything else does.
        if ctx.user.is_some() && rule.access != Access::Public {
            let mut given = req
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| req.uri().query().and_then(csrf_field));
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
            if given.is_none() && is_form {
                let (parts, body) = req.into_parts();
                let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
                    Ok(b) => b,
                    Err(_) => return deny(&rule, StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过大"),
                };
                given = csrf_field(&String::from_utf8_lossy(&bytes));
                req = Request::from_parts(parts, Body::from(bytes));
            }
            if !given.is_some_and(|g| auth::constant_eq(&g, &ctx.csrf)) {
                return deny(
                    &rule,
                    StatusCode::FORBIDDEN,
                    "页面已失效（缺少或错误的安全令牌），请刷新页面后重试",
                );
            }
        }
    }
    // The unread count the navigation shows on every page (one indexed statement, kept while
    // nothing changes: `AppState::unread_count`; a failure shows none rather than failing the
    // page).
    if !rule.api
        && !matches!(rule.access, Access::Public | Access::Setup)
        && let Some(u) = &ctx.user
        && matches!(u.role, Role::Office | Role::Leader | Role::Unit)
    {
        ctx.unread = state.unread_count(u).await.ok();
    }
    req.extensions_mut().insert(ctx);
    next.run(req).await
}

/// Percent-encodes a path for a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
