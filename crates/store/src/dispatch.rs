//! Dispatch records: supervision notices (督办单), extension requests (延期申请), the
//! notification outbox, the in-app inbox, bulletin records, and the duties units are scored on.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use zhuanban_ledger::dispatch::{Duty, Submission, notice_number};
use zhuanban_ledger::input;
use zhuanban_ledger::{
    AccountId, ExtensionRequest, ExtensionState, Id, MilestoneId, Notice, NoticeLevel, NoticeState,
    RoundId, RoundState, TargetId, TaskId, UnitId,
};

use crate::db::{self, Row};
use crate::ledger::{now_pub, write_audit};
use crate::{Actor, Db, Result, Store, StoreError};

fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::invalid("time", format!("时间“{s}”格式不正确")))
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::invalid("date", format!("日期“{s}”格式不正确")))
}

fn china_today() -> NaiveDate {
    crate::clock::china_today()
}

fn level_str(l: NoticeLevel) -> &'static str {
    l.as_str()
}

fn level_parse(s: &str) -> NoticeLevel {
    NoticeLevel::parse(s).unwrap_or(NoticeLevel::Blue)
}

fn state_str(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Issued => "issued",
        NoticeState::Signed => "signed",
        NoticeState::Replied => "replied",
        NoticeState::Closed => "closed",
        NoticeState::Reopened => "reopened",
    }
}

fn state_parse(s: &str) -> NoticeState {
    match s {
        "signed" => NoticeState::Signed,
        "replied" => NoticeState::Replied,
        "closed" => NoticeState::Closed,
        "reopened" => NoticeState::Reopened,
        _ => NoticeState::Issued,
    }
}

/// The Chinese label of a notice state.
pub fn notice_state_label(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Issued => "待签收",
        NoticeState::Signed => "已签收",
        NoticeState::Replied => "已回复",
        NoticeState::Closed => "已销号",
        NoticeState::Reopened => "退回重办",
    }
}

fn notice_from_row(r: &Row) -> Result<Notice> {
    Ok(Notice {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        level: level_parse(&r.try_get::<String>("level")?),
        task_id: r.try_get("task_id")?,
        unit_id: r.try_get("unit_id")?,
        reason: r.try_get("reason")?,
        reply_by: date(&r.try_get::<String>("reply_by")?)?,
        state: state_parse(&r.try_get::<String>("state")?),
        reply: r.try_get("reply")?,
        issued_by: r.try_get("issued_by")?,
        issued_at: time(&r.try_get::<String>("issued_at")?)?,
        row_version: r.try_get("row_version")?,
    })
}

/// A new supervision notice.
#[derive(Debug, Clone)]
pub struct NoticeInput {
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub level: NoticeLevel,
    pub reason: String,
    pub reply_by: NaiveDate,
}

/// A new extension request.
#[derive(Debug, Clone)]
pub struct ExtensionInput {
    pub task_id: TaskId,
    pub target_id: Option<TargetId>,
    pub milestone_id: Option<MilestoneId>,
    pub unit_id: UnitId,
    pub requested: NaiveDate,
    pub reason: String,
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: Id,
    pub key: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// The answer to [`Db::claim_outbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This pass sends it.
    Mine,
    /// Another server (or pass) sent or claimed it meanwhile (whether or not the channel's
    /// rate is used up).
    Taken,
    /// The channel's rate is used up until then, and the message is still to be sent.
    Throttled(DateTime<Utc>),
}

/// An in-app message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub id: Id,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Who an in-app message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Unit(UnitId),
    User(AccountId),
    Role(zhuanban_ledger::Role),
}

/// What a message says about a task: its plan, number, title and units (lead first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskBrief {
    pub id: TaskId,
    pub plan_id: Id,
    pub code: String,
    pub title: String,
    /// The lead and cooperating units, lead first, each once.
    pub units: Vec<UnitId>,
}

/// The stored part of a bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulletinRecord {
    pub round_id: RoundId,
    pub plan_version: i64,
    pub issue: i64,
    pub issued_on: NaiveDate,
    pub closing: String,
    pub row_version: i64,
}

impl Db {
    /// Issues a supervision notice; its number is the next of the plan's year.
    pub async fn issue_notice(
        &self,
        plan_id: Id,
        n: &NoticeInput,
        actor: &Actor,
    ) -> Result<Notice> {
        let reason = n.reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "督办事由不能为空"));
        }
        crate::ledger::check_text("reason", "督办事由", reason, input::limits::REASON)?;
        let today = china_today();
        if n.reply_by < today {
            return Err(StoreError::invalid(
                "reply_by",
                format!("回复期限 {} 早于今天", n.reply_by),
            ));
        }
        let plan = self.plan(plan_id).await?;
        if plan.archived() {
            return Err(StoreError::invalid("plan", "方案已归档，不能再签发督办单"));
        }
        let mut tx = self.write().await?;
        let role: Option<String> = db::query_scalar(
            "SELECT tu.role FROM task_units tu JOIN tasks t ON t.id = tu.task_id WHERE tu.task_id = $1 AND tu.unit_id = $2 AND t.plan_id = $3",
        )
        .bind(n.task_id)
        .bind(n.unit_id)
        .bind(plan_id)
        .fetch_optional(&mut tx)
        .await?;
        if role.is_none() {
            return Err(StoreError::invalid(
                "unit",
                "督办对象应为该任务的牵头或配合单位",
            ));
        }
        use chrono::Datelike;
        let year = today.year();
        let seq: i64 = db::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM notices WHERE plan_id = $1 AND year = $2",
        )
        .bind(plan_id)
        .bind(year)
        .fetch_one(&mut tx)
        .await?;
        let number = notice_number(&plan.settings.notice_prefix, year, seq);
        let id: i64 = db::query_scalar(
            "INSERT INTO notices (plan_id, year, seq, number, level, task_id, unit_id, reason, reply_by, state, issued_by, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'issued', $10, $11) RETURNING id",
        )
        .bind(plan_id)
        .bind(year)
        .bind(seq)
        .bind(&number)
        .bind(level_str(n.level))
        .bind(n.task_id)
        .bind(n.unit_id)
        .bind(reason)
        .bind(n.reply_by.to_string())
        .bind(&actor.name)
        .bind(now_pub())
        .fetch_one(&mut tx)
        .await?;
        let row = db::query("SELECT * FROM notices WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let notice = notice_from_row(&row)?;
        let code: String = db::query_scalar("SELECT code FROM tasks WHERE id = $1")
            .bind(n.task_id)
            .fetch_one(&mut tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "notice.issue",
            &format!("notice#{id} {number} task {code}"),
            None,
            Some(&serde_json::to_string(&notice)?),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(notice)
    }

    pub async fn notices(&self, plan_id: Id) -> Result<Vec<Notice>> {
        let rows = db::query("SELECT * FROM notices WHERE plan_id = $1 ORDER BY year, seq")
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notice_from_row).collect()
    }

    pub async fn notice(&self, id: Id) -> Result<Notice> {
        let row = db::query("SELECT * FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound {
                what: "督办单",
                id: id.to_string(),
            })?;
        notice_from_row(&row)
    }

    /// Moves a notice along its life: 签收 (sign), 回复 (reply with measures), 销号 (close), 退回
    /// (reopen with a reason). Each step is allowed only from the right state.
    pub async fn notice_step(
        &self,
        id: Id,
        expected_version: i64,
        step: NoticeStep<'_>,
        actor: &Actor,
    ) -> Result<Notice> {
        match step {
            NoticeStep::Reply(t) => {
                crate::ledger::check_text("text", "回复", t, input::limits::REPLY)?;
            }
            NoticeStep::Reopen(t) => {
                crate::ledger::check_text("text", "退回理由", t, input::limits::REASON)?;
            }
            _ => {}
        }
        let mut tx = self.write().await?;
        let row = db::query("SELECT * FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound {
                what: "督办单",
                id: id.to_string(),
            })?;
        let before = notice_from_row(&row)?;
        if before.row_version != expected_version {
            return Err(StoreError::Conflict {
                what: "督办单",
                id,
                current: before.row_version,
                given: expected_version,
            });
        }
        let (from, to, action): (&[NoticeState], NoticeState, &str) = match step {
            NoticeStep::Sign => (&[NoticeState::Issued], NoticeState::Signed, "notice.sign"),
            NoticeStep::Reply(_) => (
                &[NoticeState::Signed, NoticeState::Reopened],
                NoticeState::Replied,
                "notice.reply",
            ),
            NoticeStep::Close => (&[NoticeState::Replied], NoticeState::Closed, "notice.close"),
            NoticeStep::Reopen(_) => (
                &[NoticeState::Replied],
                NoticeState::Reopened,
                "notice.reopen",
            ),
        };
        if !from.contains(&before.state) {
            return Err(StoreError::invalid(
                "state",
                format!(
                    "督办单 {} 当前为“{}”，不能执行此操作",
                    before.number,
                    notice_state_label(before.state)
                ),
            ));
        }
        let now = now_pub();
        match step {
            NoticeStep::Sign => {
                db::query("UPDATE notices SET state = $1, signed_by = $2, signed_at = $3, row_version = row_version + 1 WHERE id = $4")
                    .bind(state_str(to))
                    .bind(&actor.name)
                    .bind(&now)
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            NoticeStep::Reply(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(StoreError::invalid("reply", "请填写整改措施"));
                }
                db::query("UPDATE notices SET state = $1, reply = $2, replied_at = $3, row_version = row_version + 1 WHERE id = $4")
                    .bind(state_str(to))
                    .bind(text)
                    .bind(&now)
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            NoticeStep::Close => {
                db::query("UPDATE notices SET state = $1, closed_by = $2, closed_at = $3, row_version = row_version + 1 WHERE id = $4")
                    .bind(state_str(to))
                    .bind(&actor.name)
                    .bind(&now)
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
            NoticeStep::Reopen(reason) => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(StoreError::invalid("reason", "退回重办须写明理由"));
                }
                let reply = format!(
                    "{}\n【退回重办】{reason}",
                    before.reply.clone().unwrap_or_default()
                );
                db::query("UPDATE notices SET state = $1, reply = $2, row_version = row_version + 1 WHERE id = $3")
                    .bind(state_str(to))
                    .bind(reply)
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
            }
        }
        let row = db::query("SELECT * FROM notices WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let after = notice_from_row(&row)?;
        write_audit(
            &mut tx,
            actor,
            action,
            &format!("notice#{id} {}", before.number),
            Some(&serde_json::to_string(&before)?),
            Some(&serde_json::to_string(&after)?),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A unit asks for a later deadline for a target or milestone of a task it is responsible for.
    pub async fn request_extension(
        &self,
        e: &ExtensionInput,
        actor: &Actor,
    ) -> Result<ExtensionRequest> {
        let reason = e.reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "请说明延期理由"));
        }
        crate::ledger::check_text("reason", "延期理由", reason, input::limits::REASON)?;
        if e.target_id.is_some() == e.milestone_id.is_some() {
            return Err(StoreError::invalid("target", "应指定一个目标或一个节点"));
        }
        let mut tx = self.write().await?;
        let role: Option<String> =
            db::query_scalar("SELECT role FROM task_units WHERE task_id = $1 AND unit_id = $2")
                .bind(e.task_id)
                .bind(e.unit_id)
                .fetch_optional(&mut tx)
                .await?;
        if role.is_none() {
            return Err(StoreError::invalid(
                "unit",
                "只有任务的责任单位可以申请延期",
            ));
        }
        let (plan_end, code): (String, String) = db::query_as("SELECT p.period_end, t.code FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1")
            .bind(e.task_id)
            .fetch_one(&mut tx)
            .await?;
        let old: Option<Option<String>> = match (e.target_id, e.milestone_id) {
            (Some(t), _) => {
                db::query_scalar("SELECT deadline FROM targets WHERE id = $1 AND task_id = $2")
                    .bind(t)
                    .bind(e.task_id)
                    .fetch_optional(&mut tx)
                    .await?
            }
            (_, Some(m)) => {
                db::query_scalar("SELECT deadline FROM milestones WHERE id = $1 AND task_id = $2")
                    .bind(m)
                    .bind(e.task_id)
                    .fetch_optional(&mut tx)
                    .await?
            }
            _ => None,
        };
        let Some(old) = old else {
            return Err(StoreError::invalid(
                "target",
                format!("该目标或节点不属于任务 {code}"),
            ));
        };
        // The deadline in force: the latest granted extension, else the plan's.
        let granted: Option<String> = db::query_scalar(
            "SELECT requested FROM extensions WHERE task_id = $1 AND state = 'granted' AND (target_id IS NOT DISTINCT FROM $2 AND milestone_id IS NOT DISTINCT FROM $3) ORDER BY decided_at DESC LIMIT 1",
        )
        .bind(e.task_id)
        .bind(e.target_id)
        .bind(e.milestone_id)
        .fetch_optional(&mut tx)
        .await?;
        let in_force = granted.or(old).unwrap_or(plan_end);
        let in_force = date(&in_force)?;
        if e.requested <= in_force {
            return Err(StoreError::invalid(
                "requested",
                format!("申请的新时限 {} 应晚于现时限 {in_force}", e.requested),
            ));
        }
        let id: i64 = db::query_scalar(
            "INSERT INTO extensions (task_id, target_id, milestone_id, unit_id, old_deadline, requested, reason, state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id",
        )
        .bind(e.task_id)
        .bind(e.target_id)
        .bind(e.milestone_id)
        .bind(e.unit_id)
        .bind(in_force.to_string())
        .bind(e.requested.to_string())
        .bind(reason)
        .bind(now_pub())
        .fetch_one(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "extension.request",
            &format!("extension#{id} task {code}"),
            None,
            Some(&format!("{in_force} → {}：{reason}", e.requested)),
            "ok",
        )
        .await?;
        tx.commit().await?;
        self.extension(id).await
    }

    pub async fn extension(&self, id: Id) -> Result<ExtensionRequest> {
        let row = db::query("SELECT * FROM extensions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound {
                what: "延期申请",
                id: id.to_string(),
            })?;
        extension_from_row(&row)
    }

    pub async fn extensions(&self, plan_id: Id) -> Result<Vec<ExtensionRequest>> {
        let rows = db::query("SELECT e.* FROM extensions e JOIN tasks t ON t.id = e.task_id WHERE t.plan_id = $1 ORDER BY e.id")
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(extension_from_row).collect()
    }

    /// The office grants or refuses an extension; the history keeps both dates.
    pub async fn decide_extension(
        &self,
        id: Id,
        grant: bool,
        actor: &Actor,
    ) -> Result<ExtensionRequest> {
        let mut tx = self.write().await?;
        let state: Option<String> = db::query_scalar("SELECT state FROM extensions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
        match state.as_deref() {
            None => {
                return Err(StoreError::NotFound {
                    what: "延期申请",
                    id: id.to_string(),
                });
            }
            Some("pending") => {}
            Some(_) => return Err(StoreError::invalid("state", "该延期申请已处理")),
        }
        db::query(
            "UPDATE extensions SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
        )
        .bind(if grant { "granted" } else { "refused" })
        .bind(&actor.name)
        .bind(now_pub())
        .bind(id)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            if grant {
                "extension.grant"
            } else {
                "extension.refuse"
            },
            &format!("extension#{id}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        self.extension(id).await
    }

    /// Puts a message in the outbox; false when one with the same key is already there (a
    /// message is never queued twice for the same recipient and channel).
    pub async fn enqueue(
        &self,
        key: &str,
        channel: &str,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> Result<bool> {
        let now = now_pub();
        let n = db::query(
            "INSERT INTO outbox (key, channel, recipient, subject, body, state, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(channel)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(&now)
        .bind(&now)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Pending messages whose time has come, oldest first.
    pub async fn outbox_due(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let rows: Vec<(i64, String, String, String, String, String, i64)> = db::query_as(
            "SELECT id, key, channel, recipient, subject, body, attempts FROM outbox
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(now_pub())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, key, channel, recipient, subject, body, attempts)| OutboxItem {
                    id,
                    key,
                    channel,
                    recipient,
                    subject,
                    body,
                    attempts,
                },
            )
            .collect())
    }

    /// Claims a due message for sending, in one write transaction: no other server (or pass)
    /// sends a message claimed in the last `hold`; and when `per_minute` is given, at most that
    /// many messages of the channel are claimed or sent in any minute, across every server on
    /// the database (the robots' limit). A crash after claiming delays the message by `hold`.
    pub async fn claim_outbox(
        &self,
        id: Id,
        channel: &str,
        per_minute: Option<u32>,
        hold: chrono::Duration,
    ) -> Result<Claim> {
        let now = crate::clock::now();
        let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.write().await?;
        // Held by another server (or sent) since the caller listed it: taken, whatever the
        // rate, so that the caller does not reschedule a message someone else is sending.
        let claimable: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM outbox
             WHERE id = $1 AND state = 'pending' AND next_attempt_at <= $2",
        )
        .bind(id)
        .bind(stamp(now))
        .fetch_one(&mut tx)
        .await?;
        if claimable == 0 {
            tx.commit().await?;
            return Ok(Claim::Taken);
        }
        if let Some(limit) = per_minute {
            let minute_ago = stamp(now - chrono::Duration::minutes(1));
            let recent: Vec<String> = db::query_scalar(
                "SELECT claimed_at FROM outbox WHERE channel = $1 AND claimed_at > $2
                 ORDER BY claimed_at",
            )
            .bind(channel)
            .bind(&minute_ago)
            .fetch_all(&mut tx)
            .await?;
            if recent.len() >= limit as usize {
                // Free again a minute after the oldest claim of the window.
                let oldest = recent
                    .first()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map_or(now, |t| t.with_timezone(&Utc));
                return Ok(Claim::Throttled(oldest + chrono::Duration::minutes(1)));
            }
        }
        let n = db::query(
            "UPDATE outbox SET claimed_at = $1, next_attempt_at = $2
             WHERE id = $3 AND state = 'pending' AND next_attempt_at <= $4",
        )
        .bind(stamp(now))
        .bind(stamp(now + hold))
        .bind(id)
        .bind(stamp(now))
        .execute(&mut tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(if n == 1 { Claim::Mine } else { Claim::Taken })
    }

    pub async fn outbox_sent(&self, id: Id) -> Result<()> {
        db::query("UPDATE outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2 AND state = 'pending'")
            .bind(now_pub())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A failed attempt: retried at `retry_at`, or given up (failed) when None.
    pub async fn outbox_failed(
        &self,
        id: Id,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        match retry_at {
            Some(t) => {
                db::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                    .bind(error)
                    .bind(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
            }
            None => {
                db::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, state = 'failed' WHERE id = $2")
                    .bind(error)
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
            }
        }
        Ok(())
    }

    /// Outbox counts by state, for the desk.
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>> {
        db::query_as("SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")
            .fetch_all(&self.pool)
            .await
    }

    /// Posts an in-app message once per key.
    pub async fn post_inbox(
        &self,
        key: &str,
        to: Audience,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<bool> {
        let (unit, user, role) = match to {
            Audience::Unit(u) => (Some(u), None, None),
            Audience::User(u) => (None, Some(u), None),
            Audience::Role(r) => (None, None, Some(r.as_str())),
        };
        let n = db::query(
            "INSERT INTO inbox (key, unit_id, user_id, role, title, body, link, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(unit)
        .bind(user)
        .bind(role)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(now_pub())
        .execute(&self.writer)
        .await?
        .rows_affected();
        if n == 1 {
            self.inbox_changed();
        }
        Ok(n == 1)
    }

    /// The messages for an account: its own, its unit's, its role's; newest first. A message
    /// is read when the account marked it, or marked every message up to it (全部标为已读).
    pub async fn inbox(
        &self,
        user: &zhuanban_ledger::User,
        limit: usize,
    ) -> Result<Vec<InboxMessage>> {
        // (id, title, body, link, created_at, read_at, the account's read mark)
        type InboxRow = (i64, String, String, String, String, Option<String>, i64);
        let rows: Vec<InboxRow> = db::query_as(
            "SELECT i.id, i.title, i.body, i.link, i.created_at, r.read_at,
                    COALESCE((SELECT m.upto FROM inbox_marks m WHERE m.user_id = $1), 0)
             FROM inbox i
             LEFT JOIN inbox_reads r ON r.inbox_id = i.id AND r.user_id = $1
             WHERE i.user_id = $1 OR (i.unit_id IS NOT NULL AND i.unit_id = $2) OR i.role = $3
             ORDER BY i.id DESC LIMIT $4",
        )
        .bind(user.id)
        .bind(user.unit_id)
        .bind(user.role.as_str())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, title, body, link, created, read, upto)| {
                Ok(InboxMessage {
                    id,
                    title,
                    body,
                    link,
                    created_at: time(&created)?,
                    read: read.is_some() || id <= upto,
                })
            })
            .collect()
    }

    /// A task's plan, number, title and units, for the words of a message.
    pub async fn task_brief(&self, task_id: TaskId) -> Result<TaskBrief> {
        let row: Option<(i64, String, String)> =
            db::query_as("SELECT plan_id, code, title FROM tasks WHERE id = $1")
                .bind(task_id)
                .fetch_optional(&self.pool)
                .await?;
        let (plan_id, code, title) = row.ok_or(StoreError::NotFound {
            what: "任务",
            id: task_id.to_string(),
        })?;
        let listed: Vec<UnitId> = db::query_scalar(
            "SELECT unit_id FROM task_units WHERE task_id = $1
             ORDER BY CASE WHEN role = 'lead' THEN 0 ELSE 1 END, seq",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        let mut units = Vec::new();
        for u in listed {
            if !units.contains(&u) {
                units.push(u);
            }
        }
        Ok(TaskBrief {
            id: task_id,
            plan_id,
            code,
            title,
            units,
        })
    }

    /// How many of an account's messages (its own, its unit's, its role's) it has not read:
    /// one statement, each part through its index on (addressee, id) and only past the
    /// account's read mark, so that every page can show it.
    pub async fn unread_count(&self, user: &zhuanban_ledger::User) -> Result<i64> {
        db::query_scalar(
            "WITH m AS (SELECT COALESCE(MAX(upto), 0) AS upto FROM inbox_marks WHERE user_id = $1)
             SELECT CAST(
               (SELECT COUNT(*) FROM inbox i WHERE i.user_id = $1 AND i.id > (SELECT upto FROM m)
                  AND NOT EXISTS (SELECT 1 FROM inbox_reads r
                                  WHERE r.inbox_id = i.id AND r.user_id = $1))
             + (SELECT COUNT(*) FROM inbox i WHERE i.unit_id = $2 AND i.id > (SELECT upto FROM m)
                  AND NOT EXISTS (SELECT 1 FROM inbox_reads r
                                  WHERE r.inbox_id = i.id AND r.user_id = $1))
             + (SELECT COUNT(*) FROM inbox i WHERE i.role = $3 AND i.id > (SELECT upto FROM m)
                  AND NOT EXISTS (SELECT 1 FROM inbox_reads r
                                  WHERE r.inbox_id = i.id AND r.user_id = $1))
             AS BIGINT)",
        )
        .bind(user.id)
        .bind(user.unit_id)
        .bind(user.role.as_str())
        .fetch_one(&self.pool)
        .await
    }

    /// How many times this process changed the inbox (posted, read, all read). Another
    /// server's changes do not move it: a cache keyed on it also expires with time.
    pub fn inbox_generation(&self) -> u64 {
        self.inbox_generation
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    fn inbox_changed(&self) {
        self.inbox_generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Marks every message there is as read for an account (全部标为已读): its read mark moves
    /// to the newest message.
    pub async fn mark_all_read(&self, user_id: AccountId) -> Result<()> {
        db::query(
            "INSERT INTO inbox_marks (user_id, upto, read_at)
             SELECT $1, COALESCE(MAX(id), 0), $2 FROM inbox WHERE TRUE
             ON CONFLICT (user_id) DO UPDATE SET upto = excluded.upto, read_at = excluded.read_at",
        )
        .bind(user_id)
        .bind(now_pub())
        .execute(&self.writer)
        .await?;
        self.inbox_changed();
        Ok(())
    }

    pub async fn mark_read(&self, user_id: AccountId, inbox_id: Id) -> Result<()> {
        db::query(
            "INSERT INTO inbox_reads (inbox_id, user_id, read_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(inbox_id)
        .bind(user_id)
        .bind(now_pub())
        .execute(&self.writer)
        .await?;
        self.inbox_changed();
        Ok(())
    }

    /// The bulletin record of a round, if it was made.
    pub async fn bulletin_record_of(&self, round_id: RoundId) -> Result<Option<BulletinRecord>> {
        let row: Option<(i64, i64, String, String, i64)> =
            db::query_as("SELECT plan_version, issue, issued_on, closing, row_version FROM bulletins WHERE round_id = $1")
                .bind(round_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(plan_version, issue, issued_on, closing, row_version)| {
            Ok(BulletinRecord {
                round_id,
                plan_version,
                issue,
                issued_on: date(&issued_on)?,
                closing,
                row_version,
            })
        })
        .transpose()
    }

    /// The issue number the plan's next bulletin would get (第N期: its bulletins so far + 1).
    pub async fn next_bulletin_issue(&self, plan_id: Id) -> Result<i64> {
        db::query_scalar(
            "SELECT COUNT(*) + 1 FROM bulletins b JOIN rounds r ON r.id = b.round_id WHERE r.plan_id = $1",
        )
        .bind(plan_id)
        .fetch_one(&self.pool)
        .await
    }

    /// The bulletin record of a round, made on first use with the next issue number of the plan,
    /// the date `issued_on` (else today, or for a closed round its due date) and the default
    /// closing section. Given a date, an existing record takes it (the office reissues it).
    pub async fn bulletin_record(
        &self,
        round_id: RoundId,
        default_closing: &str,
        issued_on: Option<NaiveDate>,
        actor: &Actor,
    ) -> Result<BulletinRecord> {
        let round = self.round(round_id).await?;
        let mut tx = self.write().await?;
        let existing: Option<(i64, i64, String, String, i64)> =
            db::query_as("SELECT plan_version, issue, issued_on, closing, row_version FROM bulletins WHERE round_id = $1")
                .bind(round_id)
                .fetch_optional(&mut tx)
                .await?;
        let rec = match existing {
            Some((plan_version, issue, old_date, closing, row_version)) => {
                let old_date = date(&old_date)?;
                match issued_on.filter(|d| *d != old_date) {
                    Some(d) => {
                        db::query("UPDATE bulletins SET issued_on = $1, row_version = row_version + 1 WHERE round_id = $2")
                            .bind(d.to_string())
                            .bind(round_id)
                            .execute(&mut tx)
                            .await?;
                        write_audit(
                            &mut tx,
                            actor,
                            "bulletin.date",
                            &format!("bulletin round#{round_id} 第{issue}期"),
                            Some(&old_date.to_string()),
                            Some(&d.to_string()),
                            "ok",
                        )
                        .await?;
                        BulletinRecord {
                            round_id,
                            plan_version,
                            issue,
                            issued_on: d,
                            closing,
                            row_version: row_version + 1,
                        }
                    }
                    None => BulletinRecord {
                        round_id,
                        plan_version,
                        issue,
                        issued_on: old_date,
                        closing,
                        row_version,
                    },
                }
            }
            None => {
                let issue: i64 = db::query_scalar("SELECT COUNT(*) + 1 FROM bulletins b JOIN rounds r ON r.id = b.round_id WHERE r.plan_id = $1")
                    .bind(round.plan_id)
                    .fetch_one(&mut tx)
                    .await?;
                let issued_on = issued_on.unwrap_or_else(|| {
                    if round.state == RoundState::Closed {
                        round.due.max(round.as_of)
                    } else {
                        china_today()
                    }
                });
                db::query("INSERT INTO bulletins (round_id, plan_version, issue, issued_on, closing, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(round_id)
                    .bind(round.plan_version)
                    .bind(issue)
                    .bind(issued_on.to_string())
                    .bind(default_closing)
                    .bind(now_pub())
                    .execute(&mut tx)
                    .await?;
                write_audit(
                    &mut tx,
                    actor,
                    "bulletin.create",
                    &format!("bulletin round#{round_id} 第{issue}期"),
                    None,
                    None,
                    "ok",
                )
                .await?;
                BulletinRecord {
                    round_id,
                    plan_version: round.plan_version,
                    issue,
                    issued_on,
                    closing: default_closing.to_string(),
                    row_version: 1,
                }
            }
        };
        tx.commit().await?;
        Ok(rec)
    }

    /// Replaces a plan's settings (bands, tolerances, deduction rules, schedule, reminders).
    pub async fn set_plan_settings(
        &self,
        plan_id: Id,
        expected_version: i64,
        settings: &zhuanban_ledger::PlanSettings,
        actor: &Actor,
    ) -> Result<()> {
        if !(settings.lag_pp >= 0.0
            && settings.serious_pp > settings.lag_pp
            && settings.serious_pp <= 100.0)
        {
            return Err(StoreError::invalid(
                "lag_pp",
                "应满足 0 ≤ 滞后阈值 < 严重滞后阈值 ≤ 100（百分点）",
            ));
        }
        if !(0.0..=50.0).contains(&settings.about_tolerance_pct) {
            return Err(StoreError::invalid(
                "about_tolerance_pct",
                "“左右”的容差应在 0～50（%）之间",
            ));
        }
        let d = &settings.deductions;
        for (field, v) in [
            ("deductions.missing_lead", d.missing_lead),
            ("deductions.missing_support", d.missing_support),
            ("deductions.late_lead", d.late_lead),
            ("deductions.late_support", d.late_support),
            ("deductions.overdue_task", d.overdue_task),
            ("deductions.returned", d.returned),
            (
                "deductions.returned_unresubmitted",
                d.returned_unresubmitted,
            ),
            ("deductions.lagging_task", d.lagging_task),
            (
                "deductions.seriously_lagging_task",
                d.seriously_lagging_task,
            ),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return Err(StoreError::invalid(field, "扣分应在 0～100 之间"));
            }
        }
        if settings.reminder_days_before < 0
            || settings.notice_reply_days < 1
            || settings.near_deadline_days < 0
        {
            return Err(StoreError::invalid(
                "reminder_days_before",
                "天数不能为负，回复期限至少1天",
            ));
        }
        if settings.notice_prefix.trim().is_empty() || settings.notice_prefix.chars().count() > 20 {
            return Err(StoreError::invalid(
                "notice_prefix",
                "督办单文号前缀不能为空，且不超过20字",
            ));
        }
        let mut tx = self.write().await?;
        let before: Option<(String, i64)> =
            db::query_as("SELECT settings, row_version FROM plans WHERE id = $1")
                .bind(plan_id)
                .fetch_optional(&mut tx)
                .await?;
        let Some((before, version)) = before else {
            return Err(StoreError::NotFound {
                what: "方案",
                id: plan_id.to_string(),
            });
        };
        if version != expected_version {
            return Err(StoreError::Conflict {
                what: "方案",
                id: plan_id,
                current: version,
                given: expected_version,
            });
        }
        let after = serde_json::to_string(settings)?;
        db::query("UPDATE plans SET settings = $1, row_version = row_version + 1 WHERE id = $2")
            .bind(&after)
            .bind(plan_id)
            .execute(&mut tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "plan.settings",
            &format!("plan#{plan_id}"),
            Some(&before),
            Some(&after),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The frozen content of a round's bulletin, if composed.
    pub async fn bulletin_content(&self, round_id: RoundId) -> Result<Option<String>> {
        Ok(
            db::query_scalar::<Option<String>>("SELECT content FROM bulletins WHERE round_id = $1")
                .bind(round_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// Freezes (or, with `None`, unfreezes for recomposition) a round's bulletin content.
    pub async fn set_bulletin_content(
        &self,
        round_id: RoundId,
        content: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        db::query(
            "UPDATE bulletins SET content = $1, row_version = row_version + 1 WHERE round_id = $2",
        )
        .bind(content)
        .bind(round_id)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            if content.is_some() {
                "bulletin.compose"
            } else {
                "bulletin.recompose"
            },
            &format!("bulletin round#{round_id}"),
            None,
            None,
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reading a plan version was imported from.
    pub async fn plan_reading(&self, plan_id: Id, version: i64) -> Result<zhuanban_plan::Plan> {
        let json: Option<String> = db::query_scalar(
            "SELECT reading FROM plan_versions WHERE plan_id = $1 AND version = $2",
        )
        .bind(plan_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let json = json.ok_or(StoreError::NotFound {
            what: "方案版本",
            id: format!("{plan_id} v{version}"),
        })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// The office edits a bulletin's closing section (下步工作要求).
    pub async fn set_bulletin_closing(
        &self,
        round_id: RoundId,
        expected_version: i64,
        closing: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let n = db::query("UPDATE bulletins SET closing = $1, row_version = row_version + 1 WHERE round_id = $2 AND row_version = $3")
            .bind(closing.trim())
            .bind(round_id)
            .bind(expected_version)
            .execute(&mut tx)
            .await?
            .rows_affected();
        if n == 0 {
            let current: Option<i64> =
                db::query_scalar("SELECT row_version FROM bulletins WHERE round_id = $1")
                    .bind(round_id)
                    .fetch_optional(&mut tx)
                    .await?;
            return Err(match current {
                Some(c) => StoreError::Conflict {
                    what: "调度通报",
                    id: round_id.get(),
                    current: c,
                    given: expected_version,
                },
                None => StoreError::NotFound {
                    what: "调度通报",
                    id: round_id.to_string(),
                },
            });
        }
        write_audit(
            &mut tx,
            actor,
            "bulletin.closing",
            &format!("bulletin round#{round_id}"),
            None,
            Some(closing),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every duty of every closed round of a plan (up to and including `until` when given):
    /// each responsible unit of each task, and whether it reported, on time or late.
    pub async fn duties(&self, plan_id: Id, until: Option<RoundId>) -> Result<Vec<Duty>> {
        // (round, unit, role, report state, late)
        type DutyRow = (RoundId, UnitId, String, Option<String>, Option<bool>);
        let rows: Vec<DutyRow> = db::query_as(
            "SELECT r.id, tu.unit_id, tu.role, p.state, p.late
             FROM rounds r
             JOIN tasks t ON t.plan_id = r.plan_id AND t.plan_version = r.plan_version
             JOIN task_units tu ON tu.task_id = t.id
             LEFT JOIN reports p ON p.round_id = r.id AND p.task_id = t.id AND p.unit_id = tu.unit_id
             WHERE r.plan_id = $1 AND (r.state = 'closed' OR r.id = $2)
             ORDER BY r.id, t.id, tu.unit_id",
        )
        .bind(plan_id)
        .bind(until.map_or(-1, RoundId::get))
        .fetch_all(&self.pool)
        .await?;
        let until_as_of = match until {
            Some(r) => Some(self.round(r).await?.as_of),
            None => None,
        };
        let mut out = Vec::new();
        for (round_id, unit_id, role, state, late) in rows {
            if let Some(limit) = until_as_of
                && self.round(round_id).await?.as_of > limit
            {
                continue;
            }
            let submitted = matches!(state.as_deref(), Some("submitted") | Some("accepted"));
            out.push(Duty {
                round_id,
                unit_id,
                lead: role == "lead",
                submission: if state.as_deref() == Some("returned") {
                    Submission::Returned
                } else if !submitted {
                    Submission::Missing
                } else if late == Some(true) {
                    Submission::Late
                } else {
                    Submission::OnTime
                },
                returns: 0,
            });
        }
        Ok(out)
    }
}

/// A step in a notice's life.
#[derive(Debug, Clone, Copy)]
pub enum NoticeStep<'a> {
    Sign,
    Reply(&'a str),
    Close,
    Reopen(&'a str),
}

fn extension_from_row(r: &Row) -> Result<ExtensionRequest> {
    let opt_date = |s: Option<String>| s.map(|s| date(&s)).transpose();
    Ok(ExtensionRequest {
        id: r.try_get("id")?,
        task_id: r.try_get("task_id")?,
        target_id: r.try_get("target_id")?,
        milestone_id: r.try_get("milestone_id")?,
        unit_id: r.try_get("unit_id")?,
        old_deadline: opt_date(r.try_get("old_deadline")?)?,
        requested: date(&r.try_get::<String>("requested")?)?,
        reason: r.try_get("reason")?,
        state: match r.try_get::<String>("state")?.as_str() {
            "granted" => ExtensionState::Granted,
            "refused" => ExtensionState::Refused,
            _ => ExtensionState::Pending,
        },
        decided_by: r.try_get("decided_by")?,
        decided_at: r
            .try_get::<Option<String>>("decided_at")?
            .map(|s| time(&s))
            .transpose()?,
    })
}
