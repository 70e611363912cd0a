//! Findings about a plan that the office should see before it becomes a ledger.
//!
//! | code | severity | what |
//! | --- | --- | --- |
//! | `task-without-unit` | error (warning in goals/mechanism sections) | a task names no responsible unit |
//! | `target-without-deadline` | info when the plan has a period (its end applies), else warning | a target gives no date |
//! | `asap-without-date` | warning | "尽快" with no date |
//! | `duplicate-target` | warning | the same target under two tasks |
//! | `unit-not-in-task-force` | warning | a unit leads or supports tasks but is not a member of the task force |
//! | `scope-wider-than-plan` | warning | a district plan promising a "全市" indicator, and the like |

use std::collections::BTreeMap;

use crate::model::*;
use crate::normalize::Line;
use crate::units::AliasTable;

fn finding(
    severity: Severity,
    code: &str,
    line: Option<usize>,
    task: Option<&str>,
    message: String,
    text: &str,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.to_string(),
        line,
        task: task.map(str::to_string),
        message,
        text: text.to_string(),
    }
}

fn is_framework_title(t: &str) -> bool {
    [
        "目标",
        "总体要求",
        "指导思想",
        "基本原则",
        "推进机制",
        "保障措施",
        "保障机制",
        "组织保障",
        "组织领导",
        "工作要求",
        "实施步骤",
        "工作机制",
        "组织实施",
        "附则",
        "总则",
        "工作原则",
        "工作步骤",
        "进度安排",
        "时间安排",
        "适用范围",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Whether a task is, or sits under, a goals/principles/mechanism heading (where no unit is
/// expected).
fn in_framework(framework_sections: &std::collections::HashSet<&str>, task: &Task) -> bool {
    if is_framework_title(&task.title) {
        return true;
    }
    task.id
        .match_indices('.')
        .any(|(i, _)| framework_sections.contains(&task.id[..i]))
}

/// Lints a plan (with the alias table its units were merged by).
pub fn lint_with(plan: &Plan, aliases: &AliasTable) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let framework_sections: std::collections::HashSet<&str> = plan
        .sections
        .iter()
        .filter(|s| is_framework_title(&s.title))
        .map(|s| s.id.as_str())
        .collect();
    for t in &plan.tasks {
        if t.lead.is_empty() && t.support.is_empty() {
            let fw = in_framework(&framework_sections, t);
            out.push(finding(
                if fw {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                "task-without-unit",
                Some(t.line),
                Some(&t.id),
                if fw {
                    format!(
                        "任务 {} 未明确责任单位（属目标或保障类条目，导入时可指定牵头单位）",
                        t.id
                    )
                } else {
                    format!("任务 {} 未明确责任单位", t.id)
                },
                &t.title,
            ));
        }
        for g in &t.targets {
            if g.deadline.is_none() {
                let (sev, msg) = match &plan.period {
                    Some(p) => (
                        Severity::Info,
                        format!(
                            "任务 {} 的目标未写明完成时限，按方案期末 {} 计",
                            t.id, p.end
                        ),
                    ),
                    None => (
                        Severity::Warning,
                        format!("任务 {} 的目标未写明完成时限", t.id),
                    ),
                };
                out.push(finding(
                    sev,
                    "target-without-deadline",
                    Some(g.line),
                    Some(&t.id),
                    msg,
                    &g.text,
                ));
            }
        }
        for m in &t.milestones {
            if m.deadline.is_none() && m.text.contains("尽快") {
                out.push(finding(
                    Severity::Warning,
                    "asap-without-date",
                    Some(m.line),
                    Some(&t.id),
                    format!("任务 {} 中的“尽快”没有明确时限，无法判断是否逾期", t.id),
                    &m.text,
                ));
            }
        }
    }

    // The same target under two tasks.
    // (A hash map: only looked up, never iterated, so its order does not show.)
    let mut seen: std::collections::HashMap<(String, &str, &str), (&Task, &Target)> =
        std::collections::HashMap::new();
    for t in &plan.tasks {
        for g in &t.targets {
            let k = (format!("{}", g.value), g.unit.as_str(), g.metric.as_str());
            if let Some((pt, _)) = seen.get(&k) {
                if pt.id != t.id {
                    out.push(finding(
                        Severity::Warning,
                        "duplicate-target",
                        Some(g.line),
                        Some(&t.id),
                        format!(
                            "同一目标“{}”同时出现在任务 {} 和 {}，请确认是否重复计数",
                            g.text, pt.id, t.id
                        ),
                        &g.text,
                    ));
                }
            } else {
                seen.insert(k, (t, g));
            }
        }
    }

    // Units that carry tasks but are not members of the task force.
    if let Some(tf) = &plan.task_force
        && !tf.members.is_empty()
    {
        let mut members: Vec<String> = tf
            .members
            .iter()
            .map(|m| aliases.canonical(m).to_string())
            .collect();
        if let Some(o) = &tf.office {
            members.push(aliases.canonical(o).to_string());
        }
        let mut outside: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
        for t in &plan.tasks {
            for u in t.lead.iter().chain(&t.support) {
                if !members.contains(u) {
                    let e = outside.entry(u).or_insert((t.line, Vec::new()));
                    e.1.push(&t.id);
                }
            }
        }
        for (u, (line, ids)) in outside {
            out.push(finding(
                Severity::Warning,
                "unit-not-in-task-force",
                Some(line),
                ids.first().copied(),
                format!("“{u}”承担任务 {} 但不是{}成员单位", ids.join("、"), tf.name),
                u,
            ));
        }
    }

    // Indicators whose scope is wider than the plan's.
    if let Some(level) = plan.level {
        let wider: &[&str] = match level {
            AdminLevel::Township => &["全区", "全县", "全市", "全省", "全国"],
            AdminLevel::District | AdminLevel::County => &["全市", "全州", "全省", "全国"],
            AdminLevel::City => &["全省", "全国"],
            AdminLevel::Province => &["全国"],
        };
        for t in &plan.tasks {
            for g in &t.targets {
                if let Some(w) = wider.iter().find(|w| g.text.contains(**w)) {
                    out.push(finding(
                        Severity::Warning,
                        "scope-wider-than-plan",
                        Some(g.line),
                        Some(&t.id),
                        format!(
                            "任务 {} 的指标范围为“{w}”，超出本{}方案的范围，请确认本级应承担的数值",
                            t.id,
                            level.word()
                        ),
                        &g.text,
                    ));
                }
            }
        }
    }
    out
}

/// The level of the issuing government: from "我区/全区", "我县" … and the jurisdiction words
/// unit names start with.
pub(crate) fn infer_level(preamble: &[Line], lines: &[Line], tasks: &[Task]) -> Option<AdminLevel> {
    let levels = [
        (AdminLevel::Township, '镇'),
        (AdminLevel::District, '区'),
        (AdminLevel::County, '县'),
        (AdminLevel::City, '市'),
        (AdminLevel::Province, '省'),
    ];
    let mut score = [0usize; 5];
    let words: Vec<(String, String)> = levels
        .iter()
        .map(|(_, c)| (format!("我{c}"), format!("本{c}")))
        .collect();
    for l in preamble.iter().chain(lines) {
        if !l.key.contains(['我', '本']) {
            continue;
        }
        for (i, (mine, whole)) in words.iter().enumerate() {
            score[i] += l.key.matches(mine.as_str()).count() * 3
                + l.key.matches(whole.as_str()).count() * 3;
        }
    }
    for t in tasks {
        for u in t.lead.iter().chain(&t.support) {
            if let Some(first) = u.chars().next()
                && let Some(i) = levels.iter().position(|(_, c)| *c == first)
            {
                score[i] += 1;
            }
        }
    }
    let (i, &best) = score.iter().enumerate().max_by_key(|&(i, s)| (*s, i))?;
    (best > 0).then(|| levels[i].0)
}
