//! The administrators' pages: accounts and units. No plan content here.
//!
//! 三员 (the three administrators are kept apart): on the accounts page the system
//! administrator creates, resets and disables only business accounts (office, leader, unit);
//! the security administrator only the administration accounts (system administrator,
//! security administrator, auditor), and lifts sign-in locks. Neither can make or take over an
//! account of the other kind. The host's command line (`zhuanban user add/reset`) can do
//! either. A password set here must be changed by its owner at the next sign-in.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuanban_ledger::{AccountId, Role, UnitId, UnitRecord};
use zhuanban_store::NewUser;

use super::{Nav, cst, render};
use crate::AppState;
use crate::auth::{self, PasswordPolicy};
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

/// Whether an administrator with role `actor` manages accounts with role `target`.
pub fn manages(actor: Role, target: Role) -> bool {
    match actor {
        Role::Sysadmin => matches!(target, Role::Office | Role::Leader | Role::Unit),
        Role::Secadmin => matches!(target, Role::Sysadmin | Role::Secadmin | Role::Auditor),
        _ => false,
    }
}

/// Why `actor` may not manage an account of role `target`.
fn refusal(actor: Role, target: Role) -> String {
    match actor {
        Role::Sysadmin => format!(
            "系统管理员只能管理业务账号（专班办公室、领导、成员单位）；{}账号由安全管理员或在服务器命令行管理",
            target.label()
        ),
        _ => format!(
            "安全管理员只能管理系统管理员、安全管理员和审计员账号；{}账号由系统管理员管理",
            target.label()
        ),
    }
}

#[derive(Debug)]
pub struct UserLine {
    pub id: AccountId,
    pub login: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub unit: String,
    pub disabled: bool,
    pub last_login: String,
    pub is_self: bool,
    /// The signed-in administrator may reset and disable it.
    pub manageable: bool,
    /// The account, or an address of it, is locked out after failed sign-ins.
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserLine>,
    units: Vec<UnitRecord>,
    roles: Vec<(&'static str, &'static str)>,
    /// The security administrator lifts locks.
    can_unlock: bool,
    form: UserForm,
    errors: Vec<(&'static str, String)>,
}

impl UsersPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    form: UserForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<Response> {
    let me = ctx.user()?.id;
    let my_role = ctx.user()?.role;
    let units = state.store.all_units().await?;
    let mut locked = std::collections::HashSet::new();
    let all = state.store.users().await?;
    for u in &all {
        if state.store.is_locked_anywhere(u.id).await? {
            locked.insert(u.id);
        }
    }
    let users = all
        .into_iter()
        .map(|u| UserLine {
            locked: locked.contains(&u.id),
            id: u.id,
            login: u.login,
            name: u.name,
            email: u.email.unwrap_or_default(),
            role: u.role.label(),
            unit: u
                .unit_id
                .and_then(|id| units.iter().find(|x| x.id == id))
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            disabled: u.disabled,
            last_login: u
                .last_login_at
                .as_ref()
                .map(cst)
                .unwrap_or_else(|| "从未".into()),
            is_self: u.id == me,
            manageable: manages(my_role, u.role),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&UsersPage {
        nav: Nav::new(ctx, state, "/admin/users").with_flash(flash),
        users,
        units,
        roles: Role::ALL
            .iter()
            .filter(|r| manages(my_role, **r))
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        can_unlock: ctx.user()?.role == Role::Secadmin,
        form,
        errors,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn admin_users(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    users_page(
        &state,
        &ctx,
        q.get("ok").map(String::as_str),
        UserForm::default(),
        vec![],
    )
    .await
}

pub async fn admin_user_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let me = ctx.user()?.role;
    let role = Role::parse(&f.role);
    match role {
        None => errors.push(("role", "请选择角色".to_string())),
        Some(r) if !manages(me, r) => errors.push(("role", refusal(me, r))),
        Some(_) => {}
    }
    let unit_id: Option<UnitId> = f.unit.trim().parse().ok().filter(|u: &UnitId| u.get() > 0);
    if role == Some(Role::Unit) && unit_id.is_none() {
        errors.push(("unit", "成员单位账号必须选择所属单位".to_string()));
    }
    if let Err(e) = PasswordPolicy::default().check(&f.password, f.login.trim()) {
        errors.push(("password", e));
    }
    let email = Some(f.email.trim()).filter(|e| !e.is_empty());
    if let Some(e) = email
        && let Err(m) = zhuanban_store::valid_email(e)
    {
        errors.push(("email", m));
    }
    if errors.is_empty()
        && let Some(role) = role
    {
        let hash = auth::hash_password(&f.password).map_err(AppError::internal)?;
        let created = state
            .store
            .create_user_with(
                &NewUser {
                    login: f.login.trim().to_string(),
                    name: f.name.trim().to_string(),
                    role,
                    unit_id: if role == Role::Unit { unit_id } else { None },
                    password_hash: hash,
                },
                true,
                &ctx.actor(),
            )
            .await;
        match created {
            Ok(u) => {
                if email.is_some() {
                    state.store.set_email(u.id, email, &ctx.actor()).await?;
                }
                return Ok(Redirect::to("/admin/users?ok=created").into_response());
            }
            Err(zhuanban_store::StoreError::Invalid { field, message }) => {
                let f: &'static str = match field.as_str() {
                    "login" => "login",
                    "name" => "name",
                    "unit" => "unit",
                    _ => "role",
                };
                errors.push((f, message));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let keep = UserForm {
        password: String::new(),
        ..f
    };
    users_page(&state, &ctx, None, keep, errors).await
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    /// The new password again.
    #[serde(default)]
    password2: String,
    /// The account's login name, typed to confirm whose password is reset.
    #[serde(default)]
    confirm: String,
}

#[derive(Template)]
#[template(path = "admin_reset.html")]
struct ResetPage {
    nav: Nav,
    id: AccountId,
    login: String,
    name: String,
    role: &'static str,
    unit: String,
    errors: Vec<(&'static str, String)>,
}

impl ResetPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn reset_page(
    state: &AppState,
    ctx: &Ctx,
    user: &zhuanban_ledger::User,
    errors: Vec<(&'static str, String)>,
) -> AppResult<Response> {
    let unit = match user.unit_id {
        Some(u) => state.store.unit_by_id(u).await?.name,
        None => String::new(),
    };
    let failed = !errors.is_empty();
    let mut res = render(&ResetPage {
        nav: Nav::new(ctx, state, "/admin/users"),
        id: user.id,
        login: user.login.clone(),
        name: user.name.clone(),
        role: user.role.label(),
        unit,
        errors,
    })?;
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Resetting one account's password: its own page, naming the account, with the new password
/// twice and the account's login typed to confirm.
pub async fn admin_user_reset_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<AccountId>,
) -> AppResult<Response> {
    let user = state.store.user(id).await?;
    let me = ctx.user()?.role;
    if !manages(me, user.role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!("{}：{}", user.login, refusal(me, user.role)),
        ));
    }
    reset_page(&state, &ctx, &user, vec![]).await
}

pub async fn admin_user_reset(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<AccountId>,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    let user = state.store.user(id).await?;
    let me = ctx.user()?.role;
    if !manages(me, user.role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!("{}：{}", user.login, refusal(me, user.role)),
        ));
    }
    let mut errors = Vec::new();
    if let Err(e) = PasswordPolicy::default().check(&f.password, &user.login) {
        errors.push(("password", e.to_string()));
    } else if f.password2 != f.password {
        errors.push(("password2", "两次输入的新密码不一致".to_string()));
    }
    if f.confirm.trim() != user.login {
        errors.push((
            "confirm",
            format!("请输入该账号的登录名“{}”以确认", user.login),
        ));
    }
    if !errors.is_empty() {
        return reset_page(&state, &ctx, &user, errors).await;
    }
    let hash = auth::hash_password(&f.password).map_err(AppError::internal)?;
    // Set by an administrator: the owner changes it at the next sign-in.
    state
        .store
        .reset_password(id, &hash, true, &ctx.actor())
        .await?;
    Ok(Redirect::to("/admin/users?ok=reset").into_response())
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    disabled: String,
}

pub async fn admin_user_disable(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<AccountId>,
    Form(f): Form<DisableForm>,
) -> AppResult<Response> {
    if ctx.user()?.id == id {
        return users_page(
            &state,
            &ctx,
            None,
            UserForm::default(),
            vec![("reset", "不能停用自己的账号".into())],
        )
        .await;
    }
    let target = state.store.user(id).await?;
    let me = ctx.user()?.role;
    if !manages(me, target.role) {
        return users_page(
            &state,
            &ctx,
            None,
            UserForm::default(),
            vec![(
                "reset",
                format!("{}：{}", target.login, refusal(me, target.role)),
            )],
        )
        .await;
    }
    let disabled = f.disabled == "1";
    state.store.set_disabled(id, disabled, &ctx.actor()).await?;
    Ok(Redirect::to(if disabled {
        "/admin/users?ok=disabled"
    } else {
        "/admin/users?ok=enabled"
    })
    .into_response())
}

/// The security administrator lifts every sign-in lock of an account (audited).
pub async fn admin_user_unlock(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<AccountId>,
) -> AppResult<Response> {
    state.store.unlock_user(id, &ctx.actor()).await?;
    Ok(Redirect::to("/admin/users?ok=unlocked").into_response())
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct UnitsPage {
    nav: Nav,
    units: Vec<UnitLine>,
    error: Option<String>,
}

/// A unit of the directory with how many tasks it leads and supports (in every plan's current
/// version).
struct UnitLine {
    unit: UnitRecord,
    lead: i64,
    support: i64,
}

async fn units_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let counts = state.store.unit_task_counts().await?;
    let units = state
        .store
        .all_units()
        .await?
        .into_iter()
        .map(|u| {
            let (lead, support) = counts.get(&u.id).copied().unwrap_or((0, 0));
            UnitLine {
                unit: u,
                lead,
                support,
            }
        })
        .collect();
    let mut res = render(&UnitsPage {
        nav: Nav::new(ctx, state, "/admin/units").with_flash(flash),
        units,
        error: error.clone(),
    })?;
    if error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn admin_units(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> AppResult<Response> {
    units_page(&state, &ctx, q.get("ok").map(String::as_str), None).await
}

/// What a refused change of the directory shows on the page (anything else is an error page).
fn unit_refusal(e: zhuanban_store::StoreError) -> Result<String, crate::error::AppError> {
    match e {
        zhuanban_store::StoreError::Invalid { message, .. } => Ok(message),
        e @ zhuanban_store::StoreError::Conflict { .. } => Ok(e.to_string()),
        e => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct UnitNameForm {
    name: String,
    #[serde(default)]
    version: Option<i64>,
}

/// Adds a unit to the directory (one no plan names yet).
pub async fn unit_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<UnitNameForm>,
) -> AppResult<Response> {
    match state.store.create_unit(&f.name, &ctx.actor()).await {
        Ok(_) => Ok(Redirect::to("/admin/units?ok=created").into_response()),
        Err(e) => units_page(&state, &ctx, None, Some(unit_refusal(e)?)).await,
    }
}

/// Renames a unit; its former name stays as an alias.
pub async fn unit_rename(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<UnitId>,
    Form(f): Form<UnitNameForm>,
) -> AppResult<Response> {
    let version = f.version.unwrap_or(-1);
    match state
        .store
        .rename_unit(id, version, &f.name, &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/units?ok=renamed").into_response()),
        Err(e) => units_page(&state, &ctx, None, Some(unit_refusal(e)?)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    /// "ID:VERSION" of the unit that stays.
    into: String,
    /// "ID:VERSION" of the spelling merged into it.
    from: String,
}

/// Merges two spellings of one unit.
pub async fn unit_merge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<MergeForm>,
) -> AppResult<Response> {
    let parse = |s: &str| -> Option<(UnitId, i64)> {
        let (id, v) = s.split_once(':')?;
        Some((id.parse().ok()?, v.parse().ok()?))
    };
    let (Some(into), Some(from)) = (parse(&f.into), parse(&f.from)) else {
        return units_page(
            &state,
            &ctx,
            None,
            Some("请选择要合并的两个单位".to_string()),
        )
        .await;
    };
    match state
        .store
        .merge_units(into.0, from.0, (into.1, from.1), &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/units?ok=merged").into_response()),
        Err(e) => units_page(&state, &ctx, None, Some(unit_refusal(e)?)).await,
    }
}
