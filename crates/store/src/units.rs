//! The unit directory shared by all plans: renaming a unit (its former name kept as an alias,
//! so plans that use it still find the unit) and merging two spellings of one unit into one.

use zhuanban_ledger::{UnitId, UnitRecord};

use crate::db;
use crate::ledger::write_audit;
use crate::{Actor, Db, Result, StoreError};

/// A unit's name as the directory keeps it: trimmed, not empty, at most 60 characters (as `create_unit`).
fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("name", "单位名称不能为空"));
    }
    if name.chars().count() > 60 {
        return Err(StoreError::invalid("name", "单位名称不能超过60个字"));
    }
    Ok(name)
}

impl Db {
    /// Renames a unit. The former name becomes one of its aliases (an import that names the
    /// unit the old way finds it); a name another unit already has is refused (merge the two
    /// instead).
    pub async fn rename_unit(
        &self,
        id: UnitId,
        expected_version: i64,
        new_name: &str,
        actor: &Actor,
    ) -> Result<UnitRecord> {
        let new_name = check_name(new_name)?;
        let mut tx = self.write().await?;
        let unit = unit_in(&mut tx, id).await?;
        if unit.row_version != expected_version {
            return Err(StoreError::Conflict {
                what: "单位",
                id: id.get(),
                current: unit.row_version,
                given: expected_version,
            });
        }
        if unit.name == new_name {
            return Ok(unit);
        }
        let taken: Option<i64> = db::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(new_name)
            .fetch_optional(&mut tx)
            .await?;
        if let Some(other) = taken {
            return Err(StoreError::invalid(
                "name",
                format!("已有单位“{new_name}”（#{other}），如是同一单位请合并"),
            ));
        }
        let mut aliases: Vec<String> = unit
            .aliases
            .iter()
            .filter(|a| *a != new_name)
            .cloned()
            .collect();
        if !aliases.contains(&unit.name) {
            aliases.push(unit.name.clone());
        }
        db::query(
            "UPDATE units SET name = $1, aliases = $2, row_version = row_version + 1 WHERE id = $3",
        )
        .bind(new_name)
        .bind(serde_json::to_string(&aliases)?)
        .bind(id)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "unit.rename",
            &format!("unit#{id}"),
            Some(&unit.name),
            Some(new_name),
            "ok",
        )
        .await?;
        let out = unit_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Merges unit `from` into unit `into` (two spellings of one unit): every task, plan,
    /// report, notice, extension, message and account of `from` becomes `into`'s; `from`'s
    /// name and aliases become aliases of `into`; `from` is removed. Refused, with nothing
    /// changed, when both reported on the same task in the same round (the office decides
    /// which report stands first).
    pub async fn merge_units(
        &self,
        into: UnitId,
        from: UnitId,
        expected_versions: (i64, i64),
        actor: &Actor,
    ) -> Result<UnitRecord> {
        if into == from {
            return Err(StoreError::invalid("from", "不能把单位合并到它自己"));
        }
        let mut tx = self.write().await?;
        let a = unit_in(&mut tx, into).await?;
        let b = unit_in(&mut tx, from).await?;
        for (u, given) in [(&a, expected_versions.0), (&b, expected_versions.1)] {
            if u.row_version != given {
                return Err(StoreError::Conflict {
                    what: "单位",
                    id: u.id.get(),
                    current: u.row_version,
                    given,
                });
            }
        }
        let clash: Option<(String, String)> = db::query_as(
            "SELECT d.name, t.code FROM reports x JOIN reports y
                 ON y.round_id = x.round_id AND y.task_id = x.task_id
             JOIN rounds d ON d.id = x.round_id JOIN tasks t ON t.id = x.task_id
             WHERE x.unit_id = $1 AND y.unit_id = $2 LIMIT 1",
        )
        .bind(into)
        .bind(from)
        .fetch_optional(&mut tx)
        .await?;
        if let Some((round, code)) = clash {
            return Err(StoreError::invalid(
                "from",
                format!(
                    "“{}”和“{}”在“{round}”都报送了任务 {code}，请先退回或删去其中一份再合并",
                    a.name, b.name
                ),
            ));
        }
        // Tasks: where both have a part, the stronger role stays (牵头 over 配合).
        db::query(
            "UPDATE task_units SET role = 'lead' WHERE unit_id = $1 AND task_id IN
                 (SELECT task_id FROM task_units WHERE unit_id = $2 AND role = 'lead')",
        )
        .bind(into)
        .bind(from)
        .execute(&mut tx)
        .await?;
        db::query(
            "DELETE FROM task_units WHERE unit_id = $2 AND task_id IN
                 (SELECT task_id FROM task_units WHERE unit_id = $1)",
        )
        .bind(into)
        .bind(from)
        .execute(&mut tx)
        .await?;
        db::query(
            "UPDATE plan_units SET member = TRUE WHERE unit_id = $1 AND plan_id IN
                 (SELECT plan_id FROM plan_units WHERE unit_id = $2 AND member = TRUE)",
        )
        .bind(into)
        .bind(from)
        .execute(&mut tx)
        .await?;
        db::query(
            "DELETE FROM plan_units WHERE unit_id = $2 AND plan_id IN
                 (SELECT plan_id FROM plan_units WHERE unit_id = $1)",
        )
        .bind(into)
        .bind(from)
        .execute(&mut tx)
        .await?;
        for sql in [
            "UPDATE task_units SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE plan_units SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE reports SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE extensions SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE notices SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE inbox SET unit_id = $1 WHERE unit_id = $2",
            "UPDATE users SET unit_id = $1 WHERE unit_id = $2",
        ] {
            db::query(sql)
                .bind(into)
                .bind(from)
                .execute(&mut tx)
                .await?;
        }
        let mut aliases = a.aliases.clone();
        for n in std::iter::once(&b.name).chain(&b.aliases) {
            if *n != a.name && !aliases.contains(n) {
                aliases.push(n.clone());
            }
        }
        db::query("DELETE FROM units WHERE id = $1")
            .bind(from)
            .execute(&mut tx)
            .await?;
        db::query("UPDATE units SET aliases = $1, row_version = row_version + 1 WHERE id = $2")
            .bind(serde_json::to_string(&aliases)?)
            .bind(into)
            .execute(&mut tx)
            .await?;
        write_audit(
            &mut tx,
            actor,
            "unit.merge",
            &format!("unit#{into}"),
            Some(&format!("unit#{from} {}", b.name)),
            Some(&a.name),
            "ok",
        )
        .await?;
        let out = unit_in(&mut tx, into).await?;
        tx.commit().await?;
        Ok(out)
    }
}

async fn unit_in(tx: &mut crate::db::Tx, id: UnitId) -> Result<UnitRecord> {
    let row: Option<(UnitId, String, String, i64)> =
        db::query_as("SELECT id, name, aliases, row_version FROM units WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (id, name, aliases, row_version) = row.ok_or(StoreError::NotFound {
        what: "单位",
        id: id.to_string(),
    })?;
    Ok(UnitRecord {
        id,
        name,
        aliases: serde_json::from_str(&aliases)?,
        member: false,
        row_version,
    })
}

impl Db {
    /// (tasks led, tasks supported) per unit, in every plan's current version; a unit of the
    /// directory that leads nothing is absent.
    pub async fn unit_task_counts(&self) -> Result<std::collections::HashMap<UnitId, (i64, i64)>> {
        let rows: Vec<(UnitId, i64, i64)> = db::query_as(
            "SELECT tu.unit_id,
                    SUM(CASE WHEN tu.role = 'lead' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN tu.role = 'support' THEN 1 ELSE 0 END)
             FROM task_units tu JOIN tasks t ON t.id = tu.task_id
             JOIN plans p ON p.id = t.plan_id AND p.version = t.plan_version
             GROUP BY tu.unit_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(u, l, s)| (u, (l, s))).collect())
    }
}
