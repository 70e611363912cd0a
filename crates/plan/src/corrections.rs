//! The office's corrections of a reading, carried over to the reading of a revised document.
//!
//! A correction is a task whose corrected form differs from what the reader made of it. When
//! the office reads a revised version of the same plan, each task that reads exactly as it did
//! before (the same id, and the same title, units, targets, milestones and text, wherever its
//! lines moved) gets the office's earlier correction again; a task the office had removed is
//! removed again. A task whose source changed is left as the reader reads it now: the office
//! looks at it afresh.

use crate::{Plan, Task};

/// What [`reapply`] did, by task id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reapplied {
    /// Tasks given their earlier correction.
    #[serde(default)]
    pub corrected: Vec<String>,
    /// Tasks removed again.
    #[serde(default)]
    pub removed: Vec<String>,
}

impl Reapplied {
    pub fn is_empty(&self) -> bool {
        self.corrected.is_empty() && self.removed.is_empty()
    }
}

/// A task without the lines it was read at, for comparing two readings of one task.
fn unplaced(t: &Task) -> Task {
    let mut t = t.clone();
    t.line = 0;
    for g in &mut t.targets {
        g.line = 0;
    }
    for m in &mut t.milestones {
        m.line = 0;
    }
    t
}

/// Applies to `now` (the reader's reading of a revised document) the corrections the office
/// made to an earlier reading (`before_read` as the reader made it, `before_corrected` as the
/// office left it). Units a carried correction names join the unit table.
pub fn reapply(before_read: &Plan, before_corrected: &Plan, now: &Plan) -> (Plan, Reapplied) {
    let mut out = now.clone();
    let mut done = Reapplied::default();
    let find = |p: &Plan, id: &str| p.tasks.iter().find(|t| t.id == id).map(unplaced);
    out.tasks.retain(|t| {
        let (Some(was), None) = (find(before_read, &t.id), find(before_corrected, &t.id)) else {
            return true;
        };
        if was == unplaced(t) {
            done.removed.push(t.id.clone());
            false
        } else {
            true
        }
    });
    for t in &mut out.tasks {
        let (Some(was), Some(fixed)) = (find(before_read, &t.id), find(before_corrected, &t.id))
        else {
            continue;
        };
        if was != fixed && was == unplaced(t) {
            let line = t.line;
            let lines: Vec<usize> = t.targets.iter().map(|g| g.line).collect();
            *t = fixed;
            // Where the task stands in the new document.
            t.line = line;
            for (g, l) in t.targets.iter_mut().zip(lines) {
                g.line = l;
            }
            done.corrected.push(t.id.clone());
        }
    }
    for t in &out.tasks {
        for name in t.lead.iter().chain(&t.support) {
            let known = out
                .units
                .iter()
                .any(|u| u.name == *name || u.aliases.contains(name));
            if !known {
                out.units.push(crate::Unit {
                    name: name.clone(),
                    aliases: Vec::new(),
                });
            }
        }
    }
    (out, done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReadOptions, read_text};

    const PLAN: &str = "某区2024年工作方案\n\
一、重点任务\n\
1.完成3个老旧小区改造。（区住建局牵头，区财政局配合）\n\
2.新建公园2个。（区城管局负责）\n\
3.粮食产量保持在12万吨以上。（区农业局负责）\n";

    fn read(text: &str) -> Plan {
        read_text(text, &ReadOptions::new("p.txt")).plan
    }

    #[test]
    fn corrections_return_where_the_source_did_not_change() {
        let before = read(PLAN);
        assert_eq!(before.tasks.len(), 3, "{before:#?}");
        let mut fixed = before.clone();
        fixed.tasks[0].lead = vec!["区住房城乡建设局".into()];
        fixed.tasks[1].targets[0].value = 3.0;
        fixed.tasks.remove(2);
        // The revised document: a line added on top (every task moves), task 2 rewritten.
        let revised = PLAN
            .replacen("一、重点任务\n", "一、重点任务\n（根据上级要求修订）\n", 1)
            .replace("新建公园2个", "新建公园4个");
        let now = read(&revised);
        let (out, done) = reapply(&before, &fixed, &now);
        assert_eq!(done.corrected, vec!["1.1".to_string()]);
        assert_eq!(done.removed, vec!["1.3".to_string()]);
        assert_eq!(out.tasks.len(), 2);
        assert_eq!(out.tasks[0].lead, vec!["区住房城乡建设局".to_string()]);
        assert_eq!(
            out.tasks[0].line, now.tasks[0].line,
            "placed in the new document"
        );
        // The changed task reads as the document now says, not as corrected before.
        assert_eq!(out.tasks[1].targets[0].value, 4.0);
        assert!(out.units.iter().any(|u| u.name == "区住房城乡建设局"));
    }

    #[test]
    fn nothing_is_carried_without_corrections() {
        let before = read(PLAN);
        let (out, done) = reapply(&before, &before, &before);
        assert!(done.is_empty());
        assert_eq!(out, before);
    }
}
