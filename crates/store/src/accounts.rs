//! Accounts, sessions, security events; and the queries the web desk needs beyond the
//! [`Store`](crate::Store) trait (instructions, evidence, report history). These are inherent
//! methods of the SQLite store for now; they join the trait when a second backend arrives.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use zhuanban_ledger::{EvidenceRef, Id, Instruction, Report, ReportState, Role, User};

use crate::Store as _;

use crate::sqlite::{load_report_pub, now_pub, write_audit};
use crate::{Actor, Result, SqliteStore, StoreError};

/// A new account. The password arrives hashed (the web crate hashes with Argon2id).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Id>,
    pub password_hash: String,
}

/// A session found by its token hash.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: Id,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Signed in with the password, still waiting for the second factor.
    pub mfa_pending: bool,
}

fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::invalid("time", format!("时间“{s}”格式不正确")))
}

fn user_from_row(r: &SqliteRow) -> Result<User> {
    let opt = |s: Option<String>| s.map(|s| time(&s)).transpose();
    Ok(User {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        name: r.try_get("name")?,
        role: Role::parse(&r.try_get::<String, _>("role")?).unwrap_or(Role::Unit),
        unit_id: r.try_get("unit_id")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: opt(r.try_get("locked_until")?)?,
        password_changed_at: time(&r.try_get::<String, _>("password_changed_at")?)?,
        last_login_at: opt(r.try_get("last_login_at")?)?,
        email: r.try_get("email")?,
        totp_enabled: r.try_get::<Option<String>, _>("totp_secret")?.is_some(),
        row_version: r.try_get("row_version")?,
    })
}

/// Login names: letters, digits, ".", "_", "-", 3–32 characters.
pub fn valid_login(login: &str) -> bool {
    (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl SqliteStore {
    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    /// Creates an account. The first account of an empty database may only be a system
    /// administrator.
    pub async fn create_user(&self, u: &NewUser, actor: &Actor) -> Result<User> {
        if !valid_login(&u.login) {
            return Err(StoreError::invalid(
                "login",
                "登录名应为3～32位字母、数字或 . _ -",
            ));
        }
        let name = u.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(StoreError::invalid("name", "姓名不能为空，且不超过40字"));
        }
        if (u.role == Role::Unit) != u.unit_id.is_some() {
            return Err(StoreError::invalid(
                "unit",
                if u.role == Role::Unit {
                    "成员单位账号必须指定所属单位"
                } else {
                    "只有成员单位账号可以指定所属单位"
                },
            ));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = ?")
            .bind(&u.login)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::invalid(
                "login",
                format!("登录名“{}”已被使用", u.login),
            ));
        }
        if let Some(unit) = u.unit_id {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = ?")
                .bind(unit)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::invalid("unit", format!("单位 #{unit} 不存在")));
            }
        }
        let t = now_pub();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (login, name, role, unit_id, password_hash, password_changed_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&u.login)
        .bind(name)
        .bind(u.role.as_str())
        .bind(u.unit_id)
        .bind(&u.password_hash)
        .bind(&t)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({"login": u.login, "name": name, "role": u.role.as_str(), "unit_id": u.unit_id}).to_string();
        write_audit(
            &mut tx,
            actor,
            "user.create",
            &format!("user#{id} {}", u.login),
            None,
            Some(&after),
            "ok",
        )
        .await?;
        let row = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let user = user_from_row(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn user(&self, id: Id) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            })?;
        user_from_row(&row)
    }

    /// The account and its password hash, for signing in.
    pub async fn user_for_login(&self, login: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query("SELECT * FROM users WHERE login = ?")
            .bind(login)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn set_password(&self, id: Id, hash: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // The old hash joins the history (the policy refuses reusing recent passwords).
        sqlx::query("INSERT INTO password_history (user_id, hash, changed_at) SELECT id, password_hash, ? FROM users WHERE id = ?")
            .bind(now_pub())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query(
            "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL,
             row_version = row_version + 1 WHERE id = ?",
        )
        .bind(hash)
        .bind(now_pub())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            });
        }
        // A new password ends every session of the account.
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "user.password",
            &format!("user#{id}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or clears) the e-mail address notices go to.
    pub async fn set_email(&self, id: Id, email: Option<&str>, actor: &Actor) -> Result<()> {
        if let Some(e) = email
            && (!e.contains('@') || e.len() > 200 || e.chars().any(char::is_whitespace))
        {
            return Err(StoreError::invalid(
                "email",
                format!("“{e}”不是有效的电子邮件地址"),
            ));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("UPDATE users SET email = ?, row_version = row_version + 1 WHERE id = ?")
            .bind(email)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "user.email",
            &format!("user#{id}"),
            None,
            email,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_disabled(&self, id: Id, disabled: bool, actor: &Actor) -> Result<()> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query(
            "UPDATE users SET disabled = ?, row_version = row_version + 1 WHERE id = ?",
        )
        .bind(disabled)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            });
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        write_audit(
            &mut tx,
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            &format!("user#{id}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a sign-in attempt: resets or counts failures, and writes the audit record.
    pub async fn note_login(
        &self,
        user: Option<Id>,
        login: &str,
        ok: bool,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        if let Some(id) = user {
            if ok {
                sqlx::query("UPDATE users SET failed_logins = 0, last_login_at = ? WHERE id = ?")
                    .bind(now_pub())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        write_audit(
            &mut tx,
            actor,
            if ok { "login" } else { "login.fail" },
            &format!("login {login}"),
            None,
            None,
            if ok { "ok" } else { "denied" },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a security event (logout, a denied request) as its own audit record.
    pub async fn audit_event(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        result: &str,
    ) -> Result<()> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        write_audit(&mut tx, actor, action, object, None, None, result).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Id,
        csrf: &str,
        ip: &str,
    ) -> Result<()> {
        let t = now_pub();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, ip) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(&t)
        .bind(&t)
        .bind(ip)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row: Option<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT user_id, csrf, created_at, last_seen, mfa_pending FROM sessions WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(user_id, csrf, created, seen, mfa)| {
            Ok(SessionRow {
                user_id,
                csrf,
                created_at: time(&created)?,
                last_seen: time(&seen)?,
                mfa_pending: mfa != 0,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = ? WHERE token_hash = ?")
            .bind(now_pub())
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A leader's instruction (批示) on a task.
    pub async fn add_instruction(
        &self,
        task_id: Id,
        text: &str,
        actor: &Actor,
    ) -> Result<Instruction> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("text", "批示内容不能为空"));
        }
        crate::sqlite::check_text(
            "text",
            "批示内容",
            text,
            zhuanban_ledger::input::limits::REASON,
        )?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let code: Option<String> = sqlx::query_scalar("SELECT code FROM tasks WHERE id = ?")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
        let code = code.ok_or(StoreError::NotFound {
            what: "任务",
            id: task_id.to_string(),
        })?;
        let t = now_pub();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO instructions (task_id, author, text, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(task_id)
        .bind(&actor.name)
        .bind(text)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "instruction.add",
            &format!("instruction#{id} task {code}"),
            None,
            Some(text),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(Instruction {
            id,
            task_id,
            author: actor.name.clone(),
            text: text.to_string(),
            created_at: time(&t)?,
        })
    }

    /// Instructions on every version of a task (by its code), newest first.
    pub async fn instructions(&self, plan_id: Id, code: &str) -> Result<Vec<Instruction>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT i.id, i.task_id, i.author, i.text, i.created_at FROM instructions i JOIN tasks t ON t.id = i.task_id
             WHERE t.plan_id = ? AND t.code = ? ORDER BY i.id DESC",
        )
        .bind(plan_id)
        .bind(code)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, task_id, author, text, created)| {
                Ok(Instruction {
                    id,
                    task_id,
                    author,
                    text,
                    created_at: time(&created)?,
                })
            })
            .collect()
    }

    /// Attaches an evidence file (already stored by its hash) to a draft or returned report.
    pub async fn add_evidence(&self, report_id: Id, e: &EvidenceRef, actor: &Actor) -> Result<()> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM reports WHERE id = ?")
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?;
        match state.as_deref().and_then(ReportState::parse) {
            None => {
                return Err(StoreError::NotFound {
                    what: "报告",
                    id: report_id.to_string(),
                });
            }
            Some(ReportState::Accepted) => {
                return Err(StoreError::invalid(
                    "evidence",
                    "报告已采纳，不能再添加佐证材料",
                ));
            }
            Some(_) => {}
        }
        sqlx::query(
            "INSERT OR IGNORE INTO evidence (report_id, sha256, name, size, mime) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(report_id)
        .bind(&e.sha256)
        .bind(&e.name)
        .bind(e.size as i64)
        .bind(&e.mime)
        .execute(&mut *tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "evidence.add",
            &format!("report#{report_id} evidence {}", e.sha256),
            None,
            Some(&serde_json::to_string(e)?),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every report on a task (all plan versions, by its code), oldest round first.
    pub async fn task_reports(&self, plan_id: Id, code: &str) -> Result<Vec<Report>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT p.id FROM reports p JOIN tasks t ON t.id = p.task_id JOIN rounds r ON r.id = p.round_id
             WHERE t.plan_id = ? AND t.code = ? ORDER BY r.as_of, r.id, p.id",
        )
        .bind(plan_id)
        .bind(code)
        .fetch_all(self.pool())
        .await?;
        self.load_reports(ids).await
    }

    /// Reports of a plan in a state, oldest first.
    pub async fn reports_in_state(&self, plan_id: Id, state: ReportState) -> Result<Vec<Report>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT p.id FROM reports p JOIN rounds r ON r.id = p.round_id
             WHERE r.plan_id = ? AND p.state = ? ORDER BY p.submitted_at, p.id",
        )
        .bind(plan_id)
        .bind(state.as_str())
        .fetch_all(self.pool())
        .await?;
        self.load_reports(ids).await
    }

    /// The latest accepted report of a unit on a task (any version), to pre-fill the next one.
    pub async fn last_accepted(
        &self,
        plan_id: Id,
        code: &str,
        unit_id: Id,
    ) -> Result<Option<Report>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT p.id FROM reports p JOIN tasks t ON t.id = p.task_id JOIN rounds r ON r.id = p.round_id
             WHERE t.plan_id = ? AND t.code = ? AND p.unit_id = ? AND p.state = 'accepted'
             ORDER BY r.as_of DESC, r.id DESC LIMIT 1",
        )
        .bind(plan_id)
        .bind(code)
        .bind(unit_id)
        .fetch_optional(self.pool())
        .await?;
        match id {
            Some(id) => Ok(Some(self.report(id).await?)),
            None => Ok(None),
        }
    }

    /// The report of a unit on a task in a round, if any.
    pub async fn find_report(
        &self,
        round_id: Id,
        task_id: Id,
        unit_id: Id,
    ) -> Result<Option<Report>> {
        let mut conn = self.pool().acquire().await?;
        crate::sqlite::report_of(&mut conn, round_id, task_id, unit_id).await
    }

    /// Audit records about a task (its reports and instructions), newest first.
    pub async fn audit_for_task(
        &self,
        code: &str,
        limit: usize,
    ) -> Result<Vec<zhuanban_ledger::AuditRecord>> {
        let pattern = format!("%task {code}");
        let rows = sqlx::query("SELECT * FROM audit WHERE object LIKE ? ORDER BY id DESC LIMIT ?")
            .bind(pattern)
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(zhuanban_ledger::AuditRecord {
                    id: r.try_get("id")?,
                    at: time(&r.try_get::<String, _>("at")?)?,
                    actor: r.try_get("actor")?,
                    source: r.try_get("source")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                    result: r.try_get("result")?,
                })
            })
            .collect()
    }

    pub async fn unit_by_id(&self, id: Id) -> Result<zhuanban_ledger::UnitRecord> {
        let row: Option<(i64, String, String, i64)> =
            sqlx::query_as("SELECT id, name, aliases, row_version FROM units WHERE id = ?")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let (id, name, aliases, row_version) = row.ok_or(StoreError::NotFound {
            what: "单位",
            id: id.to_string(),
        })?;
        Ok(zhuanban_ledger::UnitRecord {
            id,
            name,
            aliases: serde_json::from_str(&aliases)?,
            member: false,
            row_version,
        })
    }

    /// Every unit in the ledger, by name.
    pub async fn all_units(&self) -> Result<Vec<zhuanban_ledger::UnitRecord>> {
        let rows: Vec<(i64, String, String, i64)> =
            sqlx::query_as("SELECT id, name, aliases, row_version FROM units ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(id, name, aliases, row_version)| {
                Ok(zhuanban_ledger::UnitRecord {
                    id,
                    name,
                    aliases: serde_json::from_str(&aliases)?,
                    member: false,
                    row_version,
                })
            })
            .collect()
    }

    /// Adds a unit by hand (one the plan does not name).
    pub async fn create_unit(
        &self,
        name: &str,
        actor: &Actor,
    ) -> Result<zhuanban_ledger::UnitRecord> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(StoreError::invalid(
                "name",
                "单位名称不能为空，且不超过60字",
            ));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::invalid("name", format!("单位“{name}”已存在")));
        }
        let id: i64 = sqlx::query_scalar("INSERT INTO units (name) VALUES (?) RETURNING id")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "unit.create",
            &format!("unit#{id}"),
            None,
            Some(name),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(zhuanban_ledger::UnitRecord {
            id,
            name: name.to_string(),
            aliases: vec![],
            member: false,
            row_version: 1,
        })
    }

    async fn load_reports(&self, ids: Vec<i64>) -> Result<Vec<Report>> {
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load_report_pub(&mut conn, id).await?);
        }
        Ok(out)
    }
}
