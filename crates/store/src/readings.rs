//! Plan readings brought in through the desk: uploaded, corrected as a draft, confirmed.
//!
//! A reading keeps the document's text (the lines the review page shows beside the reading),
//! what the reader made of it (`original`, never changed) and the office's corrected reading
//! (`reading`). A correction is saved whole and checked as an import checks a plan
//! ([`check_importable`]); a refused one changes nothing. Confirming imports the corrected
//! reading as a new plan or a new version of one, and marks the draft confirmed, in one
//! transaction: a reading becomes a plan once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhuanban_ledger::{Id, PlanRecord};
use zhuanban_plan::corrections::{Reapplied, reapply};
use zhuanban_plan::{Diagnostic, Plan};

use crate::db;
use crate::ledger::{import_in, now_pub, write_audit};
use crate::{Actor, Db, ImportOptions, ImportOutcome, Result, StoreError};

/// The most a document's text may hold (characters), as the upload limit allows.
pub const MAX_TEXT: usize = 8 * 1024 * 1024;

/// A reading as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReading {
    pub id: Id,
    /// The uploaded file's name.
    pub source: String,
    /// What the bytes were (".docx", "GB18030" …).
    pub format: String,
    /// The document's text as read, one line per line of the review page.
    pub text: String,
    /// What the reader made of it.
    pub original: Plan,
    /// The reading as the office corrected it (the reader's until corrected).
    pub reading: Plan,
    pub diagnostics: Vec<Diagnostic>,
    /// The office's earlier corrections carried over from the plan's last confirmed reading.
    pub reapplied: Reapplied,
    /// The plan the document was uploaded as a revision of.
    pub revises: Option<Id>,
    /// `draft`, `confirmed` or `discarded`.
    pub state: String,
    /// The plan (and its version) it became when confirmed.
    pub plan_id: Option<Id>,
    pub version: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub row_version: i64,
}

/// A reading to store: what the reader made of an uploaded document.
#[derive(Debug, Clone)]
pub struct NewReading<'a> {
    pub source: &'a str,
    pub format: &'a str,
    pub text: &'a str,
    pub plan: &'a Plan,
    pub diagnostics: &'a [Diagnostic],
    /// The plan this document revises: its last confirmed reading's corrections are carried
    /// over to the tasks that read as they did then.
    pub revises: Option<Id>,
}

/// What an import requires of a reading; the error names the field (as the review page shows
/// it beside the field).
pub fn check_importable(plan: &Plan) -> Result<()> {
    if plan.tasks.is_empty() {
        return Err(StoreError::invalid(
            "plan",
            "方案中没有识别到任何任务，未导入",
        ));
    }
    if plan.period.is_none() {
        return Err(StoreError::invalid(
            "period",
            "未能从方案中识别实施期限（如“2024年”），请指定方案年度后再导入",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, t) in plan.tasks.iter().enumerate() {
        let n = i + 1;
        if t.id.trim().is_empty() {
            return Err(StoreError::invalid(
                format!("tasks[{i}].id"),
                format!("第{n}项任务没有编号"),
            ));
        }
        if !seen.insert(t.id.as_str()) {
            return Err(StoreError::invalid(
                format!("tasks[{i}].id"),
                format!("任务编号“{}”重复", t.id),
            ));
        }
        if t.title.trim().is_empty() {
            return Err(StoreError::invalid(
                format!("tasks[{i}].title"),
                format!("任务 {} 没有名称", t.id),
            ));
        }
        for (k, g) in t.targets.iter().enumerate() {
            if !g.value.is_finite() {
                return Err(StoreError::invalid(
                    format!("tasks[{i}].targets[{k}].value"),
                    format!("任务 {} 的第{}个目标值不是有效数字", t.id, k + 1),
                ));
            }
        }
    }
    Ok(())
}

/// Adds to the reading's unit table every unit a task names that it lacks (a corrected lead
/// or support unit, or a reading given without a unit table, as `SCHEMA.md` allows): the
/// import then knows each of them. Names already there, or aliases of one, are left alone.
pub fn complete_units(plan: &mut Plan) {
    let mut known: std::collections::HashSet<String> = plan
        .units
        .iter()
        .flat_map(|u| std::iter::once(u.name.clone()).chain(u.aliases.iter().cloned()))
        .collect();
    let named: Vec<String> = plan
        .tasks
        .iter()
        .flat_map(|t| t.lead.iter().chain(&t.support))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    for name in named {
        if known.insert(name.clone()) {
            plan.units.push(zhuanban_plan::Unit {
                name,
                aliases: Vec::new(),
            });
        }
    }
}

fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::invalid("time", format!("时间“{s}”格式不正确")))
}

fn reading_from_row(r: &db::Row) -> Result<PlanReading> {
    Ok(PlanReading {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        format: r.try_get("format")?,
        text: r.try_get("text")?,
        original: serde_json::from_str(&r.try_get::<String>("original")?)?,
        reading: serde_json::from_str(&r.try_get::<String>("reading")?)?,
        diagnostics: serde_json::from_str(&r.try_get::<String>("diagnostics")?)?,
        reapplied: serde_json::from_str(&r.try_get::<String>("reapplied")?)?,
        revises: r.try_get("revises")?,
        state: r.try_get("state")?,
        plan_id: r.try_get("plan_id")?,
        version: r.try_get("version")?,
        created_by: r.try_get("created_by")?,
        created_at: time(&r.try_get::<String>("created_at")?)?,
        updated_at: time(&r.try_get::<String>("updated_at")?)?,
        row_version: r.try_get("row_version")?,
    })
}

async fn load<'e>(ex: impl Into<db::Ex<'e>>, id: Id) -> Result<PlanReading> {
    let row = db::query("SELECT * FROM plan_readings WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound {
            what: "方案识别稿",
            id: id.to_string(),
        })?;
    reading_from_row(&row)
}

impl Db {
    /// Keeps what the reader made of an uploaded document, as a draft.
    pub async fn create_reading(&self, r: &NewReading<'_>, actor: &Actor) -> Result<PlanReading> {
        if r.text.chars().count() > MAX_TEXT {
            return Err(StoreError::invalid(
                "file",
                format!("“{}”的文字超过{MAX_TEXT}个字符", r.source),
            ));
        }
        let original = serde_json::to_string(r.plan)?;
        let diagnostics = serde_json::to_string(r.diagnostics)?;
        let now = now_pub();
        let mut tx = self.write().await?;
        // The plan's last confirmed reading, whose corrections carry over.
        let (reading, reapplied) = match r.revises {
            None => (r.plan.clone(), Reapplied::default()),
            Some(plan_id) => {
                let last: Option<i64> = db::query_scalar(
                    "SELECT MAX(id) FROM plan_readings WHERE plan_id = $1 AND state = 'confirmed'",
                )
                .bind(plan_id)
                .fetch_one(&mut tx)
                .await?;
                match last {
                    Some(id) => {
                        let before = load(&mut tx, id).await?;
                        reapply(&before.original, &before.reading, r.plan)
                    }
                    None => (r.plan.clone(), Reapplied::default()),
                }
            }
        };
        let id: Id = db::query_scalar(
            "INSERT INTO plan_readings (source, format, text, original, reading, diagnostics,
             reapplied, created_by, created_at, updated_at, revises)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(r.source)
        .bind(r.format)
        .bind(r.text)
        .bind(&original)
        .bind(serde_json::to_string(&reading)?)
        .bind(&diagnostics)
        .bind(serde_json::to_string(&reapplied)?)
        .bind(&actor.name)
        .bind(&now)
        .bind(&now)
        .bind(r.revises)
        .fetch_one(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "plan.reading.upload",
            &format!("reading#{id} {}", r.source),
            None,
            Some(
                &serde_json::json!({
                    "source": r.source, "format": r.format,
                    "tasks": r.plan.tasks.len(), "diagnostics": r.diagnostics.len(),
                    "revises": r.revises, "reapplied": reapplied,
                })
                .to_string(),
            ),
            "ok",
        )
        .await?;
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn reading(&self, id: Id) -> Result<PlanReading> {
        load(&self.pool, id).await
    }

    /// Every reading, newest first.
    pub async fn readings(&self) -> Result<Vec<PlanReading>> {
        let rows = db::query("SELECT * FROM plan_readings ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(reading_from_row).collect()
    }

    /// Saves the office's corrected reading over the draft's (checked as an import checks a
    /// plan; refused when the draft was saved by someone else meanwhile or is no longer a
    /// draft).
    pub async fn correct_reading(
        &self,
        id: Id,
        plan: &Plan,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<PlanReading> {
        let mut plan = plan.clone();
        complete_units(&mut plan);
        check_importable(&plan)?;
        let json = serde_json::to_string(&plan)?;
        let mut tx = self.write().await?;
        let before = load(&mut tx, id).await?;
        if before.state != "draft" {
            return Err(StoreError::invalid(
                "state",
                format!("识别稿 #{id} 已{}，不能再修改", state_label(&before.state)),
            ));
        }
        if before.row_version != expected_version {
            return Err(StoreError::Conflict {
                what: "方案识别稿",
                id,
                current: before.row_version,
                given: expected_version,
            });
        }
        db::query(
            "UPDATE plan_readings SET reading = $1, updated_at = $2, row_version = row_version + 1
             WHERE id = $3 AND row_version = $4",
        )
        .bind(&json)
        .bind(now_pub())
        .bind(id)
        .bind(expected_version)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "plan.reading.correct",
            &format!("reading#{id} {}", before.source),
            Some(&serde_json::to_string(&before.reading)?),
            Some(&json),
            "ok",
        )
        .await?;
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Imports the corrected reading as a new plan (`plan` None) or a new version of `plan`,
    /// and marks the draft confirmed, in one transaction.
    pub async fn confirm_reading(
        &self,
        id: Id,
        plan: Option<Id>,
        actor: &Actor,
    ) -> Result<ImportOutcome> {
        let mut tx = self.write().await?;
        let r = load(&mut tx, id).await?;
        if r.state != "draft" {
            return Err(StoreError::invalid(
                "state",
                format!("识别稿 #{id} 已{}", state_label(&r.state)),
            ));
        }
        let mut reading = r.reading.clone();
        complete_units(&mut reading);
        let outcome = import_in(
            &mut tx,
            &reading,
            &ImportOptions {
                plan_id: plan,
                ..ImportOptions::default()
            },
            actor,
        )
        .await?;
        db::query(
            "UPDATE plan_readings SET state = 'confirmed', plan_id = $1, version = $2,
             updated_at = $3, row_version = row_version + 1 WHERE id = $4",
        )
        .bind(outcome.plan_id)
        .bind(outcome.version)
        .bind(now_pub())
        .bind(id)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "plan.reading.confirm",
            &format!("reading#{id} {}", r.source),
            None,
            Some(&format!("plan#{} v{}", outcome.plan_id, outcome.version)),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

impl Db {
    /// The plans a unit has a part in: it leads or supports a task of the plan's current
    /// version. The one rule for which plans a unit account sees (the plan list, the switcher,
    /// 我的任务), in the order of `plans()`.
    pub async fn plans_of_unit(&self, unit_id: zhuanban_ledger::UnitId) -> Result<Vec<PlanRecord>> {
        let rows = db::query(
            "SELECT p.* FROM plans p WHERE EXISTS (
                 SELECT 1 FROM tasks t JOIN task_units tu ON tu.task_id = t.id
                 WHERE t.plan_id = p.id AND t.plan_version = p.version AND tu.unit_id = $1)
             ORDER BY p.id",
        )
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::ledger::plan_from_row).collect()
    }

    /// Archives a finished plan (`archive`), or takes it out of the archive. An archived plan
    /// stays on the desk, read-only: no round can be opened and no new version imported. A plan
    /// is archived only when no round is open and no report awaits review, so that nothing is
    /// left half-done in it.
    pub async fn archive_plan(
        &self,
        id: Id,
        expected_version: i64,
        archive: bool,
        actor: &Actor,
    ) -> Result<PlanRecord> {
        let mut tx = self.write().await?;
        let row = db::query("SELECT * FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound {
                what: "方案",
                id: id.to_string(),
            })?;
        let plan = crate::ledger::plan_from_row(&row)?;
        if plan.row_version != expected_version {
            return Err(StoreError::Conflict {
                what: "方案",
                id,
                current: plan.row_version,
                given: expected_version,
            });
        }
        if plan.archived() == archive {
            return Ok(plan);
        }
        if archive {
            let open: Vec<String> =
                db::query_scalar("SELECT name FROM rounds WHERE plan_id = $1 AND state = 'open'")
                    .bind(id)
                    .fetch_all(&mut tx)
                    .await?;
            if !open.is_empty() {
                return Err(StoreError::invalid(
                    "plan",
                    format!(
                        "“{}”还有进行中的调度轮次（{}），请先关闭再归档",
                        plan.title,
                        open.join("、")
                    ),
                ));
            }
            let waiting: i64 = db::query_scalar(
                "SELECT COUNT(*) FROM reports r JOIN rounds d ON d.id = r.round_id
                 WHERE d.plan_id = $1 AND r.state = 'submitted'",
            )
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
            if waiting > 0 {
                return Err(StoreError::invalid(
                    "plan",
                    format!(
                        "“{}”还有 {waiting} 份报告待审核，请先审核再归档",
                        plan.title
                    ),
                ));
            }
        }
        let at = archive.then(now_pub);
        db::query("UPDATE plans SET archived_at = $1, row_version = row_version + 1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            if archive {
                "plan.archive"
            } else {
                "plan.unarchive"
            },
            &format!("plan#{id} {}", plan.title),
            None,
            None,
            "ok",
        )
        .await?;
        let row = db::query("SELECT * FROM plans WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let out = crate::ledger::plan_from_row(&row)?;
        tx.commit().await?;
        Ok(out)
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "confirmed" => "确认导入",
        "discarded" => "放弃",
        _ => "保存为草稿",
    }
}
