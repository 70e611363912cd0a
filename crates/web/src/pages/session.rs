//! Signing in and out, and the first start (the first system administrator).

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuanban_ledger::Role;
use zhuanban_store::{Actor, NewUser};

use super::{Nav, render};
use crate::AppState;
use crate::auth::{self, PasswordPolicy};
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// "/" sends each account to its own start page.
pub async fn home(Extension(ctx): Extension<Ctx>) -> Response {
    let to = match ctx.user.as_ref().map(|u| u.role) {
        None => "/login",
        Some(Role::Office | Role::Leader) => "/dashboard",
        Some(Role::Unit) => "/my",
        Some(Role::Sysadmin) => "/admin/users",
        Some(Role::Secadmin) => "/security",
        Some(Role::Auditor) => "/audit",
    };
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    login: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    ok: Option<String>,
}

/// Only local paths may follow a login (no open redirect): the value must start with a single
/// `/`, and neither it nor its percent-decoded form may contain `//` at the start, a backslash,
/// a control character (browsers drop tabs and line breaks from URLs, so `/\t/host` would
/// become `//host`) or anything a header cannot carry. Anything else goes to `/`.
pub fn safe_next(next: Option<&str>) -> String {
    fn local(s: &str) -> bool {
        s.starts_with('/')
            && !s.starts_with("//")
            && !s.contains('\\')
            && !s.chars().any(|c| c.is_control() || c == '\u{7f}')
    }
    match next {
        Some(n)
            if n.len() <= 2048
                && local(n)
                && local(&percent_decode(n))
                && axum::http::HeaderValue::from_str(n).is_ok() =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Decodes `%XX` sequences (others kept as they are); invalid UTF-8 becomes U+FFFD.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn login_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let notice = if q.expired.is_some() {
        Some("会话已过期，请重新登录")
    } else if q.ok.as_deref() == Some("setup") {
        Some("系统管理员已创建，请登录")
    } else if q.ok.as_deref() == Some("password") {
        Some("密码已修改，请用新密码登录")
    } else {
        None
    };
    render(&LoginPage {
        nav: Nav::new(&ctx, &state, ""),
        login: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        notice,
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The longest login name a sign-in reads; longer input is cut here (valid names have at
/// most 32 characters, so a cut name never signs in).
pub const MAX_LOGIN_INPUT: usize = 64;

/// The login name as typed, trimmed and cut to [`MAX_LOGIN_INPUT`] characters, control
/// characters removed.
pub fn cap_login(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LOGIN_INPUT)
        .collect()
}

/// When a lock ends, in China time: "14:05", or "6月3日 14:05" on another day.
fn unlock_time(until: chrono::DateTime<chrono::Utc>) -> String {
    let tz = zhuanban_store::clock::china();
    let t = until.with_timezone(&tz);
    if t.date_naive() == zhuanban_store::clock::now().with_timezone(&tz).date_naive() {
        t.format("%H:%M").to_string()
    } else {
        t.format("%-m月%-d日 %H:%M").to_string()
    }
}

/// Signs in. An unknown account and a wrong password get the same message and take the same
/// time (the password is checked against a dummy hash when there is no account).
///
/// Lockout (SECURITY.md): failures count against the pair (address, account), so an outsider
/// locks out only the address it guesses from; the account locks when `lockout_addresses`
/// addresses are locked out of it at once. A lock is told — "账户已锁定，将于HH:MM解锁" —
/// only to someone who gives the right password: a wrong password on a locked account, and
/// any name that does not exist, get the ordinary message, so a lock reveals nothing about
/// which accounts exist. The address is the TCP peer's; `X-Forwarded-For` is not read.
pub async fn login(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    // The name is capped before anything else reads it: no account has a longer one, and a
    // megabyte of name must not reach the limiter, the database or the audit log.
    let login = cap_login(&f.login);
    let security = state.security();
    // Rate limits per address and per account, before any work.
    let now = std::time::Instant::now();
    let ip_ok = state
        .limiter
        .allow(&format!("ip:{}", ctx.ip), security.attempts_per_ip, now);
    let account_ok = state.limiter.allow(
        &format!("login:{}", login.to_ascii_lowercase()),
        security.attempts_per_account,
        now,
    );
    if !ip_ok || !account_ok {
        // Aggregated like failures: per address and name when the account's limit was hit,
        // per address alone when the address's was.
        let key = if account_ok { "" } else { login.as_str() };
        state
            .store
            .note_login_failure(
                "login.throttled",
                key,
                &Actor::new(
                    if key.is_empty() { "（多个）" } else { key },
                    ctx.ip.clone(),
                ),
            )
            .await?;
        let page = LoginPage {
            nav: Nav::new(&ctx, &state, ""),
            login,
            next: safe_next(Some(&f.next)),
            error: Some("登录尝试过于频繁，请一分钟后再试".to_string()),
            notice: None,
        };
        let mut res = render(&page)?;
        *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(res);
    }
    let found = state.store.user_for_login(&login).await?;
    let clock = zhuanban_store::clock::now();
    // Every path verifies one hash, so an unknown or locked account takes the same time.
    // Argon2 takes tens of milliseconds of one core: off the async workers.
    let hash = found
        .as_ref()
        .map_or_else(|| auth::dummy_hash().to_string(), |(_, h)| h.clone());
    let password = f.password.clone();
    let good = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    let user = found.as_ref().map(|(u, _)| u);
    // Locks: this address's on this account, and the account's own.
    let address_lock = match user {
        Some(u) => state.store.address_locked_until(u.id, &ctx.ip).await?,
        None => None,
    };
    let account_lock = user.and_then(|u| u.locked_until).filter(|t| *t > clock);
    let lock = address_lock.max(account_lock);
    let usable = user.is_some_and(|u| !u.disabled);
    let ok = good && usable && lock.is_none();
    let actor = Actor::new(
        if login.is_empty() {
            "（空）".to_string()
        } else {
            login.clone()
        },
        ctx.ip.clone(),
    );
    if good && usable && lock.is_some() {
        // The right password on a locked account: only its owner learns of the lock.
        state
            .store
            .note_login_failure("login.locked", &login, &actor)
            .await?;
    } else if ok {
        state
            .store
            .note_login(user.map(|u| u.id), &login, true, &actor)
            .await?;
    } else {
        // One transaction whether or not the account exists: the same writes, the same time.
        let counting = (!good && lock.is_none()).then_some((
            security.lockout_threshold,
            security.lockout_minutes,
            security.lockout_addresses,
        ));
        state
            .store
            .failed_sign_in(user.map(|u| u.id), &login, &actor, counting)
            .await?;
    }
    if !ok {
        let (message, status) = match lock {
            Some(until) if good && usable => (
                format!(
                    "账户已锁定，将于{}解锁（多次登录失败）；如需提前解锁，请联系安全管理员",
                    unlock_time(until)
                ),
                axum::http::StatusCode::FORBIDDEN,
            ),
            _ => (
                format!(
                    "登录名或密码错误（连续失败{}次将锁定{}分钟）",
                    security.lockout_threshold, security.lockout_minutes
                ),
                axum::http::StatusCode::UNAUTHORIZED,
            ),
        };
        let page = LoginPage {
            nav: Nav::new(&ctx, &state, ""),
            login,
            next: safe_next(Some(&f.next)),
            error: Some(message),
            notice: None,
        };
        let mut res = render(&page)?;
        *res.status_mut() = status;
        return Ok(res);
    }
    let user = user.expect("ok implies an account");
    state.store.clear_address_failures(user.id, &ctx.ip).await?;
    // A new session id at every sign-in; the old one (if any) ends.
    if let Some(old) = &ctx.token_hash {
        state.store.delete_session(old).await?;
    }
    let token = auth::random_token();
    let csrf = auth::random_token();
    state
        .store
        .create_session(&auth::token_hash(&token), user.id, &csrf, &ctx.ip)
        .await?;
    let to = if user.totp_enabled {
        // Half signed in: the second factor comes next.
        state
            .store
            .set_session_mfa_pending(&auth::token_hash(&token), true)
            .await?;
        format!(
            "/login/totp?next={}",
            crate::routes::encode(&safe_next(Some(&f.next)))
        )
    } else {
        safe_next(Some(&f.next))
    };
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(Some(&token), state.config.secure_cookies)
            .parse()
            .expect("a valid header"),
    );
    Ok(res)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    if let Some(h) = &ctx.token_hash {
        state.store.delete_session(h).await?;
        state
            .store
            .audit_event(&ctx.actor(), "logout", "session", "ok")
            .await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(None, state.config.secure_cookies)
            .parse()
            .expect("a valid header"),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    nav: Nav,
    login: String,
    name: String,
    errors: Vec<(&'static str, String)>,
}

impl SetupPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub async fn setup_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    render(&SetupPage {
        nav: Nav::new(&ctx, &state, ""),
        login: "admin".into(),
        name: "系统管理员".into(),
        errors: vec![],
    })
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The first start: there is no default password; the first administrator is created here.
pub async fn setup(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<SetupForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let login = f.login.trim().to_string();
    if !zhuanban_store::valid_login(&login) {
        errors.push(("login", "登录名应为3～32位字母、数字或 . _ -".to_string()));
    }
    if f.name.trim().is_empty() {
        errors.push(("name", "请填写姓名".to_string()));
    }
    if let Err(e) = PasswordPolicy::default().check(&f.password, &login) {
        errors.push(("password", e));
    } else if f.password != f.confirm {
        errors.push(("confirm", "两次输入的密码不一致".to_string()));
    }
    if errors.is_empty() {
        let hash = auth::hash_password(&f.password).map_err(crate::error::AppError::internal)?;
        let created = state
            .store
            .create_first_user(
                &NewUser {
                    login: login.clone(),
                    name: f.name.trim().to_string(),
                    role: Role::Sysadmin,
                    unit_id: None,
                    password_hash: hash,
                },
                &Actor::new("首次启动", ctx.ip.clone()),
            )
            .await;
        match created {
            Ok(_) => {
                state.set_has_users();
                return Ok(Redirect::to("/login?ok=setup").into_response());
            }
            Err(zhuanban_store::StoreError::Invalid { field, message }) if field == "setup" => {
                // Another request created the first administrator a moment ago.
                state.set_has_users();
                return Err(AppError::new(axum::http::StatusCode::CONFLICT, &message));
            }
            Err(e) => errors.push(("login", e.for_people())),
        }
    }
    let mut res = render(&SetupPage {
        nav: Nav::new(&ctx, &state, ""),
        login,
        name: f.name,
        errors,
    })?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}
