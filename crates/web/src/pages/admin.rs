//! The system administrator's pages: accounts and units. No plan content here.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuanban_ledger::{Id, Role, UnitRecord};
use zhuanban_store::NewUser;

use super::{Nav, cst, render};
use crate::AppState;
use crate::auth::{self, PasswordPolicy};
use crate::error::{AppError, AppResult};
use crate::routes::Ctx;

#[derive(Debug)]
pub struct UserLine {
    pub id: Id,
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub unit: String,
    pub disabled: bool,
    pub last_login: String,
    pub is_self: bool,
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
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    flash: Option<&str>,
    form: UserForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<Response> {
    let me = ctx.user()?.id;
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
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
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
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.push(("role", "请选择角色".to_string()));
    }
    let unit_id: Option<Id> = f.unit.trim().parse().ok().filter(|&u: &Id| u > 0);
    if role == Some(Role::Unit) && unit_id.is_none() {
        errors.push(("unit", "成员单位账号必须选择所属单位".to_string()));
    }
    if let Err(e) = PasswordPolicy::default().check(&f.password, f.login.trim()) {
        errors.push(("password", e));
    }
    if errors.is_empty()
        && let Some(role) = role
    {
        let hash = auth::hash_password(&f.password).map_err(AppError::internal)?;
        let created = state
            .store
            .create_user(
                &NewUser {
                    login: f.login.trim().to_string(),
                    name: f.name.trim().to_string(),
                    role,
                    unit_id: if role == Role::Unit { unit_id } else { None },
                    password_hash: hash,
                },
                &ctx.actor(),
            )
            .await;
        match created {
            Ok(_) => return Ok(Redirect::to("/admin/users?ok=created").into_response()),
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
}

pub async fn admin_user_reset(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<Id>,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    let user = state.store.user(id).await?;
    if let Err(e) = PasswordPolicy::default().check(&f.password, &user.login) {
        return users_page(
            &state,
            &ctx,
            None,
            UserForm::default(),
            vec![("reset", format!("{}：{e}", user.login))],
        )
        .await;
    }
    let hash = auth::hash_password(&f.password).map_err(AppError::internal)?;
    state.store.set_password(id, &hash, &ctx.actor()).await?;
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
    Path(id): Path<Id>,
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
    Path(id): Path<Id>,
) -> AppResult<Response> {
    state.store.unlock_user(id, &ctx.actor()).await?;
    Ok(Redirect::to("/admin/users?ok=unlocked").into_response())
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct UnitsPage {
    nav: Nav,
    units: Vec<UnitRecord>,
}

pub async fn admin_units(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> AppResult<Response> {
    let units = state.store.all_units().await?;
    render(&UnitsPage {
        nav: Nav::new(&ctx, &state, "/admin/units"),
        units,
    })
}
