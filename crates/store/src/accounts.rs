//! Accounts, sessions, security events; and the queries the web desk needs beyond the
//! [`Store`](crate::Store) trait (instructions, evidence, report history). These are inherent
//! methods of the SQLite store for now; they join the trait when a second backend arrives.

use chrono::{DateTime, Utc};
use zhuanban_ledger::{
    AccountId, EvidenceRef, Id, Instruction, Report, ReportState, Role, RoundId, TaskId, UnitId,
    User,
};

use crate::Store as _;

use crate::db::{self, Row, Tx};
use crate::ledger::{load_report, now_pub, write_audit};
use crate::{Actor, Db, Result, StoreError};

/// A new account. The password arrives hashed (the web crate hashes with Argon2id).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub password_hash: String,
}

/// A session found by its token hash.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: AccountId,
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

fn user_from_row(r: &Row) -> Result<User> {
    let opt = |s: Option<String>| s.map(|s| time(&s)).transpose();
    Ok(User {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        name: r.try_get("name")?,
        role: Role::parse(&r.try_get::<String>("role")?).unwrap_or(Role::Unit),
        unit_id: r.try_get("unit_id")?,
        disabled: r.try_get::<bool>("disabled")?,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: opt(r.try_get("locked_until")?)?,
        password_changed_at: time(&r.try_get::<String>("password_changed_at")?)?,
        last_login_at: opt(r.try_get("last_login_at")?)?,
        email: r.try_get("email")?,
        totp_enabled: r.try_get::<Option<String>>("totp_secret")?.is_some(),
        must_change_password: r.try_get::<bool>("must_change_password")?,
        row_version: r.try_get("row_version")?,
    })
}

/// Failed and throttled sign-ins of one address and login name within this many minutes
/// share one audit record (with a count).
pub const FAILURE_WINDOW_MINUTES: i64 = 10;

/// Checks an e-mail address: `local@domain`, at most 254 characters, no spaces or control
/// characters, a domain of dot-separated labels of letters, digits and hyphens with at least
/// one dot. The message says what is wrong.
pub fn valid_email(e: &str) -> std::result::Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "“{}”不是有效的电子邮件地址：{why}",
            e.chars().take(80).collect::<String>()
        ))
    };
    if e.len() > 254 {
        return bad("超过254个字符");
    }
    if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("含有空格或控制字符");
    }
    let Some((local, domain)) = e.rsplit_once('@') else {
        return bad("缺少“@”");
    };
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return bad("“@”前的部分应为1～64个字符");
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return bad("“@”前含有不允许的字符");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    {
        return bad("“@”后应为域名，如 example.gov.cn");
    }
    Ok(())
}

/// Login names: letters, digits, ".", "_", "-", 3–32 characters.
pub fn valid_login(login: &str) -> bool {
    (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl Db {
    pub async fn count_users(&self) -> Result<i64> {
        db::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
    }

    /// Creates an account whose password its owner chose (the first start, demonstration
    /// accounts, `user add --owner-password`).
    pub async fn create_user(&self, u: &NewUser, actor: &Actor) -> Result<User> {
        self.create_user_with(u, false, actor).await
    }

    /// The first start: creates the first account only while there is none. The check and
    /// the insert are one `BEGIN IMMEDIATE` transaction, so of any number of racing requests
    /// exactly one creates an account; the others get an error on the field "setup".
    pub async fn create_first_user(&self, u: &NewUser, actor: &Actor) -> Result<User> {
        self.create(u, false, true, actor).await
    }

    /// Creates an account; `must_change`: the password was set by someone else and must be
    /// changed at the first sign-in.
    pub async fn create_user_with(
        &self,
        u: &NewUser,
        must_change: bool,
        actor: &Actor,
    ) -> Result<User> {
        self.create(u, must_change, false, actor).await
    }

    async fn create(
        &self,
        u: &NewUser,
        must_change: bool,
        only_first: bool,
        actor: &Actor,
    ) -> Result<User> {
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
        let mut tx = self.write().await?;
        if only_first {
            let n: i64 = db::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(&mut tx)
                .await?;
            if n > 0 {
                return Err(StoreError::invalid(
                    "setup",
                    "系统管理员已由另一请求创建，请直接登录",
                ));
            }
        }
        // Unique without regard to case (the index users_login_nocase holds it too).
        let exists: Option<String> =
            db::query_scalar("SELECT login FROM users WHERE lower(login) = lower($1)")
                .bind(&u.login)
                .fetch_optional(&mut tx)
                .await?;
        if let Some(other) = exists {
            return Err(StoreError::invalid(
                "login",
                if other == u.login {
                    format!("登录名“{}”已被使用", u.login)
                } else {
                    format!(
                        "登录名“{}”已被使用（与“{other}”只差大小写，登录名不区分大小写）",
                        u.login
                    )
                },
            ));
        }
        if let Some(unit) = u.unit_id {
            let found: Option<i64> = db::query_scalar("SELECT id FROM units WHERE id = $1")
                .bind(unit)
                .fetch_optional(&mut tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::invalid("unit", format!("单位 #{unit} 不存在")));
            }
        }
        let t = now_pub();
        let id: i64 = db::query_scalar(
            "INSERT INTO users (login, name, role, unit_id, password_hash, password_changed_at, created_at, must_change_password)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&u.login)
        .bind(name)
        .bind(u.role.as_str())
        .bind(u.unit_id)
        .bind(&u.password_hash)
        .bind(&t)
        .bind(&t)
        .bind(must_change)
        .fetch_one(&mut tx)
        .await?;
        let after = serde_json::json!({"login": u.login, "name": name, "role": u.role.as_str(), "unit_id": u.unit_id, "must_change_password": must_change}).to_string();
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
        let row = db::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let user = user_from_row(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = db::query("SELECT * FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn user(&self, id: AccountId) -> Result<User> {
        let row = db::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            })?;
        user_from_row(&row)
    }

    /// The account and its password hash, for signing in (the name's case does not matter).
    pub async fn user_for_login(&self, login: &str) -> Result<Option<(User, String)>> {
        let row = db::query("SELECT * FROM users WHERE lower(login) = lower($1)")
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    /// The owner's own new password (changed by the owner, or `user reset --owner-password`).
    pub async fn set_password(&self, id: AccountId, hash: &str, actor: &Actor) -> Result<()> {
        self.reset_password(id, hash, false, actor).await
    }

    /// Sets a password; `must_change`: someone else chose it, and the owner must change it at
    /// the next sign-in.
    pub async fn reset_password(
        &self,
        id: AccountId,
        hash: &str,
        must_change: bool,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        // The old hash joins the history (the policy refuses reusing recent passwords).
        db::query("INSERT INTO password_history (user_id, hash, changed_at) SELECT id, password_hash, $1 FROM users WHERE id = $2")
            .bind(now_pub())
            .bind(id)
            .execute(&mut tx)
            .await?;
        let n = db::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL,
             must_change_password = $3, row_version = row_version + 1 WHERE id = $4",
        )
        .bind(hash)
        .bind(now_pub())
        .bind(must_change)
        .bind(id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            });
        }
        // A new password ends every session of the account.
        db::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "user.password",
            &format!("user#{id}"),
            None,
            must_change.then_some("他人设置，须在下次登录时修改"),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or clears) the e-mail address notices go to (checked by [`valid_email`]).
    pub async fn set_email(&self, id: AccountId, email: Option<&str>, actor: &Actor) -> Result<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            valid_email(e).map_err(|m| StoreError::invalid("email", m))?;
        }
        let mut tx = self.write().await?;
        db::query("UPDATE users SET email = $1, row_version = row_version + 1 WHERE id = $2")
            .bind(email)
            .bind(id)
            .execute(&mut tx)
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

    pub async fn set_disabled(&self, id: AccountId, disabled: bool, actor: &Actor) -> Result<()> {
        let mut tx = self.write().await?;
        let n = db::query(
            "UPDATE users SET disabled = $1, row_version = row_version + 1 WHERE id = $2",
        )
        .bind(disabled)
        .bind(id)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "账号",
                id: id.to_string(),
            });
        }
        if disabled {
            db::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut tx)
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

    /// Records a sign-in attempt: a success resets the account's failures and writes its audit
    /// record; a failure counts against the account and is audited through
    /// [`note_login_failure`](Self::note_login_failure) (aggregated per window).
    pub async fn note_login(
        &self,
        user: Option<AccountId>,
        login: &str,
        ok: bool,
        actor: &Actor,
    ) -> Result<()> {
        if !ok {
            let mut tx = self.write().await?;
            if let Some(id) = user {
                db::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            aggregate_failure(&mut tx, "login.fail", login, actor).await?;
            tx.commit().await?;
            return Ok(());
        }
        let mut tx = self.write().await?;
        if let Some(id) = user {
            db::query("UPDATE users SET failed_logins = 0, last_login_at = $1 WHERE id = $2")
                .bind(now_pub())
                .bind(id)
                .execute(&mut tx)
                .await?;
        }
        write_audit(
            &mut tx,
            actor,
            "login",
            &format!("login {login}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audits a failed or throttled sign-in (`action` is `login.fail` or `login.throttled`),
    /// aggregated: the first one of a [`FAILURE_WINDOW_MINUTES`] window for an address and a
    /// login name writes one chained audit record; the others in that window add to its count
    /// in `login_failures` (shown beside the record on the audit page). The login name must
    /// already be capped (the web desk keeps 64 characters).
    pub async fn note_login_failure(&self, action: &str, login: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.write().await?;
        aggregate_failure(&mut tx, action, login, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many sign-ins each of these aggregated audit records stands for (records that
    /// aggregate nothing are absent).
    pub async fn audit_counts(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, i64>> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let marks = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let sql =
                format!("SELECT audit_id, count FROM login_failures WHERE audit_id IN ({marks})");
            let mut q = db::query_as::<(i64, i64)>(sql);
            for id in chunk {
                q = q.bind(id);
            }
            out.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    /// Writes a security event (logout, a denied request) as its own audit record.
    pub async fn audit_event(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        result: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        write_audit(&mut tx, actor, action, object, None, None, result).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: AccountId,
        csrf: &str,
        ip: &str,
    ) -> Result<()> {
        let t = now_pub();
        db::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, ip) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(&t)
        .bind(&t)
        .bind(ip)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A session and its account in one statement (every request reads both): None when there
    /// is no such session; the account None when it no longer exists.
    pub async fn session_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(SessionRow, Option<User>)>> {
        let row = db::query(
            "SELECT u.*, s.user_id AS s_user_id, s.csrf AS s_csrf, s.created_at AS s_created_at,
                    s.last_seen AS s_last_seen, s.mfa_pending AS s_mfa_pending
             FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let session = SessionRow {
            user_id: r.try_get("s_user_id")?,
            csrf: r.try_get("s_csrf")?,
            created_at: time(&r.try_get::<String>("s_created_at")?)?,
            last_seen: time(&r.try_get::<String>("s_last_seen")?)?,
            mfa_pending: r.try_get("s_mfa_pending")?,
        };
        let user = match r.try_get::<Option<i64>>("id")? {
            Some(_) => Some(user_from_row(&r)?),
            None => None,
        };
        Ok(Some((session, user)))
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row: Option<(AccountId, String, String, String, bool)> = db::query_as(
            "SELECT user_id, csrf, created_at, last_seen, mfa_pending FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(user_id, csrf, created, seen, mfa)| {
            Ok(SessionRow {
                user_id,
                csrf,
                created_at: time(&created)?,
                last_seen: time(&seen)?,
                mfa_pending: mfa,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str) -> Result<()> {
        db::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(now_pub())
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        db::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A leader's instruction (批示) on a task.
    pub async fn add_instruction(
        &self,
        task_id: TaskId,
        text: &str,
        actor: &Actor,
    ) -> Result<Instruction> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("text", "批示内容不能为空"));
        }
        crate::ledger::check_text(
            "text",
            "批示内容",
            text,
            zhuanban_ledger::input::limits::REASON,
        )?;
        let mut tx = self.write().await?;
        let code: Option<String> = db::query_scalar("SELECT code FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut tx)
            .await?;
        let code = code.ok_or(StoreError::NotFound {
            what: "任务",
            id: task_id.to_string(),
        })?;
        let t = now_pub();
        let id: i64 = db::query_scalar(
            "INSERT INTO instructions (task_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(task_id)
        .bind(&actor.name)
        .bind(text)
        .bind(&t)
        .fetch_one(&mut tx)
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
        let rows: Vec<(i64, TaskId, String, String, String)> = db::query_as(
            "SELECT i.id, i.task_id, i.author, i.text, i.created_at FROM instructions i JOIN tasks t ON t.id = i.task_id
             WHERE t.plan_id = $1 AND t.code = $2 ORDER BY i.id DESC",
        )
        .bind(plan_id)
        .bind(code)
        .fetch_all(&self.pool)
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
        let mut tx = self.write().await?;
        let state: Option<String> = db::query_scalar("SELECT state FROM reports WHERE id = $1")
            .bind(report_id)
            .fetch_optional(&mut tx)
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
        db::query(
            "INSERT INTO evidence (report_id, sha256, name, size, mime) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .bind(report_id)
        .bind(&e.sha256)
        .bind(&e.name)
        .bind(e.size as i64)
        .bind(&e.mime)
        .execute(&mut tx)
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
        let ids: Vec<i64> = db::query_scalar(
            "SELECT p.id FROM reports p JOIN tasks t ON t.id = p.task_id JOIN rounds r ON r.id = p.round_id
             WHERE t.plan_id = $1 AND t.code = $2 ORDER BY r.as_of, r.id, p.id",
        )
        .bind(plan_id)
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        self.load_reports(ids).await
    }

    /// Reports of a plan in a state, oldest first.
    pub async fn reports_in_state(&self, plan_id: Id, state: ReportState) -> Result<Vec<Report>> {
        let ids: Vec<i64> = db::query_scalar(
            "SELECT p.id FROM reports p JOIN rounds r ON r.id = p.round_id
             WHERE r.plan_id = $1 AND p.state = $2 ORDER BY p.submitted_at, p.id",
        )
        .bind(plan_id)
        .bind(state.as_str())
        .fetch_all(&self.pool)
        .await?;
        self.load_reports(ids).await
    }

    /// The latest accepted report of a unit on a task (any version), to pre-fill the next one.
    pub async fn last_accepted(
        &self,
        plan_id: Id,
        code: &str,
        unit_id: UnitId,
    ) -> Result<Option<Report>> {
        let id: Option<i64> = db::query_scalar(
            "SELECT p.id FROM reports p JOIN tasks t ON t.id = p.task_id JOIN rounds r ON r.id = p.round_id
             WHERE t.plan_id = $1 AND t.code = $2 AND p.unit_id = $3 AND p.state = 'accepted'
             ORDER BY r.as_of DESC, r.id DESC LIMIT 1",
        )
        .bind(plan_id)
        .bind(code)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(Some(self.report(id).await?)),
            None => Ok(None),
        }
    }

    /// The unit's last accepted report on the task before a round (rounds ordered by their
    /// as-of date, then by id): what a report of that round is compared with ("较上次采纳").
    pub async fn accepted_before(
        &self,
        plan_id: Id,
        code: &str,
        unit_id: UnitId,
        round_id: RoundId,
    ) -> Result<Option<Report>> {
        let id: Option<i64> = db::query_scalar(
            "SELECT p.id FROM reports p JOIN tasks t ON t.id = p.task_id JOIN rounds r ON r.id = p.round_id
             JOIN rounds this ON this.id = $4
             WHERE t.plan_id = $1 AND t.code = $2 AND p.unit_id = $3 AND p.state = 'accepted'
               AND (r.as_of < this.as_of OR (r.as_of = this.as_of AND r.id < this.id))
             ORDER BY r.as_of DESC, r.id DESC LIMIT 1",
        )
        .bind(plan_id)
        .bind(code)
        .bind(unit_id)
        .bind(round_id)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(Some(self.report(id).await?)),
            None => Ok(None),
        }
    }

    /// The report of a unit on a task in a round, if any.
    pub async fn find_report(
        &self,
        round_id: RoundId,
        task_id: TaskId,
        unit_id: UnitId,
    ) -> Result<Option<Report>> {
        crate::ledger::report_of(&self.pool, round_id, task_id, unit_id).await
    }

    /// Audit records about a task (its reports and instructions), newest first.
    pub async fn audit_for_task(
        &self,
        code: &str,
        limit: usize,
    ) -> Result<Vec<zhuanban_ledger::AuditRecord>> {
        let pattern = format!("%task {code}");
        let rows = db::query("SELECT * FROM audit WHERE object LIKE $1 ORDER BY id DESC LIMIT $2")
            .bind(pattern)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(zhuanban_ledger::AuditRecord {
                    id: r.try_get("id")?,
                    at: time(&r.try_get::<String>("at")?)?,
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

    pub async fn unit_by_id(&self, id: UnitId) -> Result<zhuanban_ledger::UnitRecord> {
        let row: Option<(UnitId, String, String, i64)> =
            db::query_as("SELECT id, name, aliases, row_version FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
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
        let rows: Vec<(UnitId, String, String, i64)> =
            db::query_as("SELECT id, name, aliases, row_version FROM units ORDER BY name")
                .fetch_all(&self.pool)
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
        let mut tx = self.write().await?;
        let exists: Option<i64> = db::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::invalid("name", format!("单位“{name}”已存在")));
        }
        let id: UnitId = db::query_scalar("INSERT INTO units (name) VALUES ($1) RETURNING id")
            .bind(name)
            .fetch_one(&mut tx)
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
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load_report(&self.pool, id).await?);
        }
        Ok(out)
    }
}

/// Counts a failed or throttled sign-in in its window, writing the window's one chained audit
/// record when it is the first (see [`Db::note_login_failure`]).
pub(crate) async fn aggregate_failure(
    conn: &mut Tx,
    action: &str,
    login: &str,
    actor: &Actor,
) -> Result<()> {
    let now = crate::clock::now();
    let minute = now.timestamp().div_euclid(60);
    let start = minute - minute.rem_euclid(FAILURE_WINDOW_MINUTES);
    let window = DateTime::from_timestamp(start * 60, 0)
        .unwrap_or(now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let n = db::query(
        "UPDATE login_failures SET count = count + 1, last_at = $1
         WHERE window_start = $2 AND ip = $3 AND login = $4 AND action = $5",
    )
    .bind(now_pub())
    .bind(&window)
    .bind(&actor.source)
    .bind(login)
    .bind(action)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        write_audit(
            &mut *conn,
            actor,
            action,
            &format!("login {login}"),
            None,
            Some(&format!(
                "{FAILURE_WINDOW_MINUTES}分钟内的同类记录合并计数（见次数）"
            )),
            "denied",
        )
        .await?;
        let audit_id: i64 = db::query_scalar("SELECT MAX(id) FROM audit")
            .fetch_one(&mut *conn)
            .await?;
        db::query(
            "INSERT INTO login_failures (window_start, ip, login, action, audit_id, count, last_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(&window)
        .bind(&actor.source)
        .bind(login)
        .bind(action)
        .bind(audit_id)
        .bind(now_pub())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
