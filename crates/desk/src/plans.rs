//! Reading a plan document brought in through the desk or the command line: the bytes decoded
//! (by content, not by the file's name), the text kept for the review page, the reader's
//! reading and its diagnostics.

use zhuanban_ledger::Id;
use zhuanban_plan::{ReadOptions, Reading};
use zhuanban_store::NewReading;

/// An uploaded plan document as read.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's text, as the review page shows it line by line.
    pub text: String,
    /// What the bytes were (".docx", "GB18030" …).
    pub format: String,
    pub reading: Reading,
}

impl Document {
    /// The draft the store keeps of it; `revises`: the plan it is a revised version of.
    pub fn new_reading<'a>(&'a self, source: &'a str, revises: Option<Id>) -> NewReading<'a> {
        NewReading {
            source,
            format: &self.format,
            text: &self.text,
            plan: &self.reading.plan,
            diagnostics: &self.reading.diagnostics,
            revises,
        }
    }
}

/// Reads a plan document's bytes; a file that cannot be read gets a message naming it and
/// why (empty, binary, a broken .docx, a scanned PDF …). A PDF is read with `pdftotext` and a
/// legacy .doc/.wps with LibreOffice when installed ([`crate::convert`]).
pub fn read_document(name: &str, bytes: &[u8]) -> Result<Document, String> {
    read_document_with(bytes, &ReadOptions::new(name))
}

/// [`read_document`] with the reader's options (the source name, unit aliases).
pub fn read_document_with(bytes: &[u8], opts: &ReadOptions) -> Result<Document, String> {
    let decoded = crate::convert::decode(&opts.source, bytes)?;
    let mut reading = zhuanban_plan::read_text(&decoded.text, opts);
    reading.format = Some(decoded.format);
    Ok(Document {
        format: decoded.format.to_string(),
        text: decoded.text,
        reading,
    })
}

/// What a new version of a plan changes, task by task (tasks are matched by their number,
/// targets by their place in the task, as the ledger matches them across versions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanDiff {
    /// (number, title) of tasks only in the new version.
    pub added: Vec<(String, String)>,
    /// (number, title) of tasks only in the current version.
    pub removed: Vec<(String, String)>,
    pub changed: Vec<TaskChange>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A task in both versions, and what differs, in words ("牵头单位：A → B").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskChange {
    pub code: String,
    pub title: String,
    pub changes: Vec<String>,
}

/// The differences between a plan's current tasks (`units`: the directory, for their names)
/// and a reading of its new version.
pub fn diff(
    current: &[zhuanban_ledger::TaskRecord],
    units: &[zhuanban_ledger::UnitRecord],
    next: &zhuanban_plan::Plan,
) -> PlanDiff {
    let name = |id: &zhuanban_ledger::UnitId| {
        units
            .iter()
            .find(|u| u.id == *id)
            .map_or_else(|| format!("单位#{id}"), |u| u.name.clone())
    };
    let names =
        |ids: &[zhuanban_ledger::UnitId]| ids.iter().map(name).collect::<Vec<_>>().join("、");
    let mut out = PlanDiff::default();
    for t in &next.tasks {
        if !current.iter().any(|c| c.code == t.id) {
            out.added.push((t.id.clone(), t.title.clone()));
        }
    }
    for c in current {
        let Some(t) = next.tasks.iter().find(|t| t.id == c.code) else {
            out.removed.push((c.code.clone(), c.title.clone()));
            continue;
        };
        let mut changes = Vec::new();
        if c.title != t.title {
            changes.push(format!("名称：{} → {}", c.title, t.title));
        }
        for (label, old, new) in [
            ("牵头单位", names(&c.lead), t.lead.join("、")),
            ("配合单位", names(&c.support), t.support.join("、")),
        ] {
            if old != new {
                let show = |s: &str| {
                    if s.is_empty() {
                        "（无）".to_string()
                    } else {
                        s.to_string()
                    }
                };
                changes.push(format!("{label}：{} → {}", show(&old), show(&new)));
            }
        }
        let n = c.targets.len().max(t.targets.len());
        for i in 0..n {
            let old = c.targets.get(i).map(target_words);
            let new = t.targets.get(i).map(|g| target_words(&as_record(g, i)));
            match (old, new) {
                (Some(a), Some(b)) if a != b => {
                    changes.push(format!("目标{}：{a} → {b}", i + 1));
                }
                (Some(a), None) => changes.push(format!("目标{}：删去 {a}", i + 1)),
                (None, Some(b)) => changes.push(format!("目标{}：新增 {b}", i + 1)),
                _ => {}
            }
        }
        if !changes.is_empty() {
            out.changed.push(TaskChange {
                code: c.code.clone(),
                title: t.title.clone(),
                changes,
            });
        }
    }
    out
}

/// A target as the diff names it: metric, bound and deadline ("新建高标准农田 ≥15,000亩，
/// 2024-12-31前").
fn target_words(t: &zhuanban_ledger::TargetRecord) -> String {
    let metric = if t.metric.is_empty() {
        &t.text
    } else {
        &t.metric
    };
    let deadline = t
        .deadline
        .map_or_else(|| "方案期限内".to_string(), |d| format!("{d}前"));
    format!("{metric} {}，{deadline}", crate::bulletin::target_text(t))
}

fn as_record(g: &zhuanban_plan::Target, i: usize) -> zhuanban_ledger::TargetRecord {
    zhuanban_ledger::TargetRecord {
        // Not stored: no id.
        id: zhuanban_ledger::TargetId::default(),
        seq: i as i64 + 1,
        value: g.value,
        unit: g.unit.clone(),
        cmp: g.cmp,
        hardness: g.hardness,
        kind: g.kind,
        deadline: g.deadline,
        metric: g.metric.clone(),
        text: g.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str) -> zhuanban_plan::Plan {
        zhuanban_plan::read_text(text, &ReadOptions::new("t.txt")).plan
    }

    /// The current version as the ledger holds it, from a reading (units numbered in order).
    fn ledger(
        plan: &zhuanban_plan::Plan,
    ) -> (
        Vec<zhuanban_ledger::TaskRecord>,
        Vec<zhuanban_ledger::UnitRecord>,
    ) {
        let mut units: Vec<zhuanban_ledger::UnitRecord> = Vec::new();
        let id_of =
            |n: &String, units: &mut Vec<zhuanban_ledger::UnitRecord>| -> zhuanban_ledger::UnitId {
                if let Some(u) = units.iter().find(|u| &u.name == n) {
                    return u.id;
                }
                let id = zhuanban_ledger::UnitId(units.len() as i64 + 1);
                units.push(zhuanban_ledger::UnitRecord {
                    id,
                    name: n.clone(),
                    aliases: vec![],
                    member: false,
                    row_version: 1,
                });
                id
            };
        let tasks = plan
            .tasks
            .iter()
            .enumerate()
            .map(|(k, t)| zhuanban_ledger::TaskRecord {
                id: zhuanban_ledger::TaskId(k as i64 + 1),
                plan_id: 1,
                plan_version: 1,
                code: t.id.clone(),
                title: t.title.clone(),
                text: t.text.clone(),
                lead: t.lead.iter().map(|n| id_of(n, &mut units)).collect(),
                support: t.support.iter().map(|n| id_of(n, &mut units)).collect(),
                targets: t
                    .targets
                    .iter()
                    .enumerate()
                    .map(|(i, g)| as_record(g, i))
                    .collect(),
                milestones: vec![],
            })
            .collect();
        (tasks, units)
    }

    const V1: &str = "某区2024年工作方案\n一、重点任务\n（一）老旧小区改造。完成3个老旧小区改造。（区住建局负责）\n（二）农村公路。完成农村公路提质改造25公里。（区交通局负责）\n（三）充电桩。新建公共充电桩120个。（区发改局负责）\n";
    const V2: &str = "某区2024年工作方案\n一、重点任务\n（一）老旧小区改造。完成5个老旧小区改造。（区住建局负责，区财政局配合）\n（二）农村公路。完成农村公路提质改造25公里。（区交通局负责）\n（三）充电桩。新建公共充电桩120个。（区发改局负责）\n（四）益老食堂。新建益老食堂8家。（区民政局负责）\n";

    #[test]
    fn a_new_version_is_told_task_by_task() {
        let (tasks, units) = ledger(&reading(V1));
        let d = diff(&tasks, &units, &reading(V2));
        assert_eq!(d.added, vec![("1.4".to_string(), "益老食堂".to_string())]);
        assert!(d.removed.is_empty());
        assert_eq!(d.changed.len(), 1, "{d:?}");
        let c = &d.changed[0];
        assert_eq!(c.code, "1.1");
        assert!(
            c.changes.iter().any(|x| x == "配合单位：（无） → 区财政局"),
            "{c:?}"
        );
        assert!(
            c.changes
                .iter()
                .any(|x| x.starts_with("目标1：") && x.contains("≥3个") && x.contains("≥5个")),
            "{c:?}"
        );
        // And back: the task is removed, the change reversed.
        let (tasks, units) = ledger(&reading(V2));
        let d = diff(&tasks, &units, &reading(V1));
        assert_eq!(d.removed, vec![("1.4".to_string(), "益老食堂".to_string())]);
        assert!(d.added.is_empty());
        // The same version: nothing.
        let (tasks, units) = ledger(&reading(V1));
        assert!(diff(&tasks, &units, &reading(V1)).is_empty());
    }
}
