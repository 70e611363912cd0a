//! The second sign-in step (TOTP), an account's own password and authenticator, the security
//! administrator's settings, and the auditor's audit log.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use zhuanban_store::{AuditFilter, Store as _};

use super::{Nav, cst, render, safe_next};
use crate::AppState;
use crate::auth;
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;
use crate::security::{Profile, SecuritySettings, new_totp_secret, otpauth_uri, totp_ok};

/// TOTP codes are checked against the authenticator's real time, never a demonstration's date.
fn unix_now() -> u64 {
    zhuanban_store::clock::wall_now().timestamp().max(0) as u64
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    nav: Nav,
    next: String,
    error: Option<String>,
}

pub async fn totp_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let mut nav = Nav::new(&ctx, &state, "");
    nav.links.clear();
    render(&TotpPage {
        nav,
        next: safe_next(q.get("next").map(String::as_str)),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    secret: String,
}

/// The second step of signing in.
pub async fn totp_verify(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let token = ctx.token_hash.clone().ok_or_else(AppError::forbidden)?;
    if !state.store.session_mfa_pending(&token).await? {
        // Nothing to verify: the session is signed in already.
        return Ok(Redirect::to(&safe_next(Some(&f.next))).into_response());
    }
    let secret = state
        .store
        .totp_secret(user.id)
        .await?
        .ok_or_else(AppError::forbidden)?;
    let allowed = state.limiter.allow(
        &format!("totp:{}", user.id),
        state.security().attempts_per_account,
        std::time::Instant::now(),
    );
    if allowed && totp_ok(&secret, &f.code, unix_now()) {
        state.store.set_session_mfa_pending(&token, false).await?;
        state
            .store
            .audit_event(
                &ctx.actor(),
                "login.totp",
                &format!("user#{}", user.id),
                "ok",
            )
            .await?;
        return Ok(Redirect::to(&safe_next(Some(&f.next))).into_response());
    }
    state
        .store
        .audit_event(
            &ctx.actor(),
            "login.totp_fail",
            &format!("user#{}", user.id),
            "denied",
        )
        .await?;
    let mut nav = Nav::new(&ctx, &state, "");
    nav.links.clear();
    let mut res = render(&TotpPage {
        nav,
        next: safe_next(Some(&f.next)),
        error: Some("验证码不正确或已过期".into()),
    })?;
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    Ok(res)
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    nav: Nav,
    expired: bool,
    /// The password was set by someone else.
    must: bool,
    /// The account's e-mail address, and a message about changing it.
    email: String,
    email_note: Option<String>,
    rules: String,
    error: Option<String>,
}

fn rules_text(s: &SecuritySettings) -> String {
    let p = s.policy();
    let mut t = format!("至少{}位", p.min_len);
    if p.min_classes > 0 {
        let _ = write!(
            t,
            "，含大写字母、小写字母、数字、符号中的至少{}类",
            p.min_classes
        );
    }
    if p.history > 0 {
        let _ = write!(t, "，不能与最近{}次的密码相同", p.history);
    }
    if let Some(d) = p.max_age_days {
        let _ = write!(t, "，每{d}天需更换");
    }
    t
}

pub async fn password_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    render(&PasswordPage {
        nav: Nav::new(&ctx, &state, ""),
        expired: q.contains_key("expired"),
        must: ctx.user()?.must_change_password,
        email: ctx.user()?.email.clone().unwrap_or_default(),
        email_note: q
            .contains_key("email")
            .then(|| "电子邮件已保存".to_string()),
        rules: rules_text(&state.security()),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// An account changes its own password (the current one is asked again).
pub async fn password_change(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let security = state.security();
    let policy = security.policy();
    let (_, hash) = state
        .store
        .user_for_login(&user.login)
        .await?
        .ok_or_else(AppError::forbidden)?;
    let error = if !auth::verify_password(&f.current, &hash) {
        Some("当前密码不正确".to_string())
    } else if f.password != f.confirm {
        Some("两次输入的新密码不一致".to_string())
    } else if let Err(e) = policy.check(&f.password, &user.login) {
        Some(e)
    } else if user.must_change_password && auth::verify_password(&f.password, &hash) {
        Some("新密码不能与他人为您设置的密码相同".to_string())
    } else {
        let recent = state
            .store
            .password_history(user.id, policy.history)
            .await?;
        policy.check_history(&f.password, &recent).err()
    };
    if let Some(e) = error {
        let mut res = render(&PasswordPage {
            nav: Nav::new(&ctx, &state, ""),
            expired: false,
            must: user.must_change_password,
            email: user.email.clone().unwrap_or_default(),
            email_note: None,
            rules: rules_text(&security),
            error: Some(e),
        })?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let new = auth::hash_password(&f.password).map_err(AppError::internal)?;
    // Every session of the account ends, this one too: sign in again with the new password.
    state
        .store
        .set_password(user.id, &new, &ctx.actor())
        .await?;
    Ok(Redirect::to("/login?ok=password").into_response())
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// An account sets (or clears, with an empty field) its own e-mail address.
pub async fn email_change(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let email = f.email.trim();
    match state
        .store
        .set_email(user.id, Some(email).filter(|e| !e.is_empty()), &ctx.actor())
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/password?email=1").into_response()),
        Err(zhuanban_store::StoreError::Invalid { message, .. }) => {
            let mut res = render(&PasswordPage {
                nav: Nav::new(&ctx, &state, ""),
                expired: false,
                must: user.must_change_password,
                email: email.chars().take(254).collect(),
                email_note: Some(message),
                rules: rules_text(&state.security()),
                error: None,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account_totp.html")]
struct TotpSetupPage {
    nav: Nav,
    enabled: bool,
    required: bool,
    secret: String,
    uri: String,
    error: Option<String>,
}

pub async fn totp_setup_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let secret = new_totp_secret();
    render(&TotpSetupPage {
        nav: Nav::new(&ctx, &state, ""),
        enabled: user.totp_enabled,
        required: q.contains_key("required") || state.security().require_totp,
        uri: otpauth_uri(&secret, &user.login),
        secret,
        error: None,
    })
}

/// Turns the second factor on: the account proves it holds the secret with a code.
pub async fn totp_setup(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let secret = f.secret.trim().to_string();
    if crate::security::base32_decode(&secret).is_none_or(|b| b.len() < 16)
        || !totp_ok(&secret, &f.code, unix_now())
    {
        let mut res = render(&TotpSetupPage {
            nav: Nav::new(&ctx, &state, ""),
            enabled: user.totp_enabled,
            required: state.security().require_totp,
            uri: otpauth_uri(&secret, &user.login),
            secret,
            error: Some("验证码不正确：请确认手机时间准确，并输入验证器当前显示的6位数字".into()),
        })?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    state
        .store
        .set_totp_secret(user.id, Some(&secret), &ctx.actor())
        .await?;
    Ok(Redirect::to("/?ok=totp").into_response())
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    nav: Nav,
    s: SecuritySettings,
    error: Option<String>,
    saved: bool,
}

pub async fn security_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    render(&SecurityPage {
        nav: Nav::new(&ctx, &state, "/security"),
        s: state.security(),
        error: None,
        saved: q.contains_key("ok"),
    })
}

#[derive(Debug, Deserialize)]
pub struct SecurityForm {
    profile: String,
    lockout_threshold: String,
    lockout_minutes: String,
    #[serde(default)]
    lockout_addresses: String,
    session_idle_minutes: String,
    session_absolute_hours: String,
    #[serde(default)]
    require_totp: Option<String>,
    inactive_days: String,
    attempts_per_ip: String,
    attempts_per_account: String,
}

pub async fn security_save(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<SecurityForm>,
) -> AppResult<Response> {
    let num = |name: &str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| format!("{name}：“{v}”不是整数"))
    };
    let parsed = (|| -> Result<SecuritySettings, String> {
        Ok(SecuritySettings {
            profile: match f.profile.as_str() {
                "asvs" => Profile::Asvs,
                "dengbao" => Profile::Dengbao,
                other => return Err(format!("profile：未知的策略“{other}”")),
            },
            lockout_threshold: u32::try_from(num("lockout_threshold", &f.lockout_threshold)?)
                .map_err(|_| "lockout_threshold：不能为负".to_string())?,
            lockout_minutes: num("lockout_minutes", &f.lockout_minutes)?,
            // Missing (an older form): as it is now.
            lockout_addresses: if f.lockout_addresses.trim().is_empty() {
                state.security().lockout_addresses
            } else {
                u32::try_from(num("lockout_addresses", &f.lockout_addresses)?)
                    .map_err(|_| "lockout_addresses：不能为负".to_string())?
            },
            session_idle_minutes: num("session_idle_minutes", &f.session_idle_minutes)?,
            session_absolute_hours: num("session_absolute_hours", &f.session_absolute_hours)?,
            require_totp: f.require_totp.is_some(),
            inactive_days: num("inactive_days", &f.inactive_days)?,
            attempts_per_ip: u32::try_from(num("attempts_per_ip", &f.attempts_per_ip)?)
                .map_err(|_| "attempts_per_ip：不能为负".to_string())?,
            attempts_per_account: u32::try_from(num(
                "attempts_per_account",
                &f.attempts_per_account,
            )?)
            .map_err(|_| "attempts_per_account：不能为负".to_string())?,
        })
    })();
    let result = match parsed {
        Ok(s) => state.set_security(s, &ctx.actor()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/security?ok=1").into_response()),
        Err(e) => {
            let mut res = render(&SecurityPage {
                nav: Nav::new(&ctx, &state, "/security"),
                s: state.security(),
                error: Some(e),
                saved: false,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The page (1 = the newest [`AUDIT_PAGE`] records); kept as text so that a bad value
    /// means the first page, not an error.
    #[serde(default)]
    page: String,
}

/// Records per audit page.
pub const AUDIT_PAGE: usize = 100;

/// id, time, actor, source, action, object, content, result
type AuditRow = (i64, String, String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    q: AuditQuery,
    rows: Vec<AuditRow>,
    query: String,
    verified: String,
    page: usize,
    /// Links to the previous and next page (empty when there is none).
    prev: String,
    next: String,
}

fn filter(q: &AuditQuery, offset: usize, limit: usize) -> AuditFilter {
    let tz = zhuanban_store::clock::china();
    let day = |s: &str, plus: i64| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| {
                let d = d + chrono::Duration::days(plus);
                tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                    .single()
                    .map(|t| t.with_timezone(&chrono::Utc))
            })
    };
    AuditFilter {
        actor: Some(q.actor.trim().to_string()).filter(|s| !s.is_empty()),
        action: Some(q.action.trim().to_string()).filter(|s| !s.is_empty()),
        from: day(&q.from, 0),
        to: day(&q.to, 1),
        offset,
        limit,
    }
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let page = q
        .page
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let mut found = state
        .store
        .audit_search(&filter(&q, (page - 1) * AUDIT_PAGE, AUDIT_PAGE + 1))
        .await?;
    let more = found.len() > AUDIT_PAGE;
    found.truncate(AUDIT_PAGE);
    let counts = state
        .store
        .audit_counts(&found.iter().map(|a| a.id).collect::<Vec<_>>())
        .await?;
    let rows = found
        .into_iter()
        .map(|a| {
            let mut content: String = a.after.unwrap_or_default().chars().take(120).collect();
            if let Some(n) = counts.get(&a.id) {
                content = format!("共{n}次；{content}");
            }
            (
                a.id,
                cst(&a.at),
                a.actor.chars().take(80).collect(),
                a.source,
                // The action's name, with its code for searching (`?action=`).
                format!(
                    "{}（{}）",
                    zhuanban_desk::audit::action_label(&a.action),
                    a.action
                ),
                a.object.chars().take(120).collect(),
                content,
                a.result,
            )
        })
        .collect();
    let check = state.store.verify_audit().await?;
    let verified = if check.breaks.is_empty() {
        format!("哈希链完整（{} 条记录）", check.records)
    } else {
        check
            .breaks
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join("；")
    };
    let query = format!(
        "actor={}&action={}&from={}&to={}",
        crate::routes::encode(&q.actor),
        crate::routes::encode(&q.action),
        crate::routes::encode(&q.from),
        crate::routes::encode(&q.to)
    );
    let link = |p: usize| format!("/audit?{query}&page={p}");
    render(&AuditPage {
        nav: Nav::new(&ctx, &state, "/audit"),
        q,
        rows,
        prev: if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
        next: if more { link(page + 1) } else { String::new() },
        page,
        query,
        verified,
    })
}

fn csv_field(s: &str) -> String {
    // Quote every field; neutralise spreadsheet formulas (=, +, -, @ at the start).
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The filtered audit log as CSV (UTF-8 with BOM, for Excel).
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let rows = state.store.audit_search(&filter(&q, 0, 100_000)).await?;
    let mut out = String::from("\u{feff}编号,时间,操作人,来源,操作,对象,变更前,变更后,结果\r\n");
    for a in rows {
        let fields = [
            a.id.to_string(),
            cst(&a.at),
            a.actor,
            a.source,
            a.action,
            a.object,
            a.before.unwrap_or_default(),
            a.after.unwrap_or_default(),
            a.result,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    state
        .store
        .audit_event(&ctx.actor(), "audit.export", "audit", "ok")
        .await?;
    Ok(crate::download::attachment(
        out,
        "text/csv; charset=utf-8",
        "审计日志-audit.csv",
    ))
}
