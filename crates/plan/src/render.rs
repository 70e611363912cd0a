//! A readable outline of a plan for a person (`zhuanban parse --format text`).

use std::fmt::Write;

use crate::model::*;

fn hardness(h: Hardness) -> &'static str {
    match h {
        Hardness::Firm => "确保",
        Hardness::Stretch => "力争",
        Hardness::Plain => "",
    }
}

fn cmp(c: Cmp) -> &'static str {
    match c {
        Cmp::AtLeast => "≥",
        Cmp::AtMost => "≤",
        Cmp::About => "约",
        Cmp::Equal => "=",
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Renders the plan as an indented outline in Chinese.
pub fn outline_text(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "方案：{}", plan.title.as_deref().unwrap_or(&plan.source));
    if let Some(p) = &plan.period {
        let _ = writeln!(
            s,
            "期限：{} 至 {}（依据：{}）",
            p.start,
            p.end,
            p.evidence.join("；")
        );
    }
    if let Some(tf) = &plan.task_force {
        let _ = writeln!(s, "工作专班：{}", tf.name);
        if let Some(c) = &tf.convener {
            let _ = writeln!(s, "  召集人：{c}");
        }
        if let Some(c) = &tf.deputy_convener {
            let _ = writeln!(s, "  副召集人：{c}");
        }
        if !tf.members.is_empty() {
            let _ = writeln!(s, "  成员单位：{}", tf.members.join("、"));
        }
        if let Some(o) = &tf.office {
            let _ = writeln!(s, "  办公室：{o}");
        }
    }
    let targets: usize = plan.tasks.iter().map(|t| t.targets.len()).sum();
    let _ = writeln!(
        s,
        "任务 {} 项，量化目标 {} 个，责任单位 {} 个",
        plan.tasks.len(),
        targets,
        plan.units.len()
    );
    let mut sections = plan.sections.iter().peekable();
    for t in &plan.tasks {
        while let Some(sec) = sections.peek() {
            if sec.line <= t.line {
                let depth = sec.id.matches('.').count();
                let _ = writeln!(s, "{}{} {}", "  ".repeat(depth), sec.id, sec.title);
                sections.next();
            } else {
                break;
            }
        }
        let depth = t.id.matches('.').count();
        let pad = "  ".repeat(depth);
        let _ = writeln!(s, "{pad}{} {}", t.id, t.title);
        if !t.lead.is_empty() || !t.support.is_empty() {
            let _ = writeln!(
                s,
                "{pad}  牵头：{}  配合：{}",
                join(&t.lead),
                join(&t.support)
            );
        }
        for g in &t.targets {
            let deadline = g.deadline.map(|d| format!("，{d} 前")).unwrap_or_default();
            let _ = writeln!(
                s,
                "{pad}  [目标] {}{} {}{}{}（{}）",
                hardness(g.hardness),
                g.metric,
                cmp(g.cmp),
                number(g.value),
                g.unit,
                deadline.trim_start_matches('，').to_string()
                    + if deadline.is_empty() { "无时限" } else { "" }
            );
        }
        for m in &t.milestones {
            let d = m
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_else(|| "无时限".into());
            let _ = writeln!(s, "{pad}  [节点] {}（{d}）", m.text);
        }
    }
    s
}

fn join(v: &[String]) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.join("、")
    }
}
