//! `lint` on the seed plan finds what an office would want to know before import.

use std::path::Path;

use zhuanban_plan::{Diagnostic, ReadOptions, Severity, read_bytes};

fn seed_findings() -> Vec<Diagnostic> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/plans/datonghu-regional-action-2024.txt");
    read_bytes(&std::fs::read(p).unwrap(), &ReadOptions::new("seed"))
        .unwrap()
        .diagnostics
}

fn with_code<'a>(d: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    d.iter().filter(|x| x.code == code).collect()
}

#[test]
fn seed_duplicate_target() {
    let d = seed_findings();
    let dup = with_code(&d, "duplicate-target");
    assert_eq!(dup.len(), 1, "{dup:#?}");
    assert_eq!(dup[0].task.as_deref(), Some("2.4.3"));
    assert!(dup[0].message.contains("2.3.2") && dup[0].message.contains("2.4.3"));
    assert!(dup[0].text.contains("完成3个老旧小区改造"));
    assert_eq!(dup[0].line, Some(21));
}

#[test]
fn seed_units_outside_the_task_force() {
    let d = seed_findings();
    let mut units: Vec<&str> = with_code(&d, "unit-not-in-task-force")
        .iter()
        .map(|x| x.text.as_str())
        .collect();
    units.sort();
    assert_eq!(
        units,
        vec![
            "区南洞庭保护管理局",
            "区委宣传统战部",
            "区民政人社局",
            "区生态公司",
            "大通湖产业开发区"
        ]
    );
}

#[test]
fn seed_scope_and_asap() {
    let d = seed_findings();
    let scope = with_code(&d, "scope-wider-than-plan");
    assert_eq!(scope.len(), 1);
    assert_eq!(scope[0].task.as_deref(), Some("2.3.1"));
    assert!(scope[0].text.contains("全市普惠性幼儿园覆盖率"));
    let asap: Vec<(Option<&str>, &str)> = with_code(&d, "asap-without-date")
        .iter()
        .map(|x| (x.task.as_deref(), x.text.as_str()))
        .collect();
    assert_eq!(
        asap,
        vec![
            (
                Some("2.1.1"),
                "尽快对接监利经华容至汨罗高速公路项目相关规划情况"
            ),
            (
                Some("2.3.1"),
                "尽快完成大通湖南岸可持续发展（环湖道路及堤防加固）一期工程建设"
            ),
            (Some("2.3.1"), "尽快完成大通湖区河坝至金盆公路工程前期工作"),
        ]
    );
}

#[test]
fn seed_has_no_errors_but_unit_less_goals_are_flagged() {
    let d = seed_findings();
    assert!(
        d.iter().all(|x| x.severity != Severity::Error),
        "{:#?}",
        d.iter()
            .filter(|x| x.severity == Severity::Error)
            .collect::<Vec<_>>()
    );
    let no_unit: Vec<Option<&str>> = with_code(&d, "task-without-unit")
        .iter()
        .map(|x| x.task.as_deref())
        .collect();
    assert_eq!(no_unit, vec![Some("1"), Some("3")]);
    // Targets without a date fall to the plan's end (2024), which is said, not hidden.
    let undated = with_code(&d, "target-without-deadline");
    assert_eq!(undated.len(), 23);
    assert!(
        undated
            .iter()
            .all(|x| x.severity == Severity::Info && x.message.contains("2024-12-31"))
    );
}

#[test]
fn a_task_without_units_outside_goals_is_an_error() {
    let text = "一、工作目标\n完成5个项目。\n二、重点任务\n1．建设公园3个。\n2．改造道路10公里。（区住建局负责）\n";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("x"));
    let errors: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].task.as_deref(), Some("2.1"));
    assert_eq!(errors[0].line, Some(4));
}

#[test]
fn no_numbered_items_is_an_error() {
    let r = zhuanban_plan::read_text("这是一段没有编号的文字。\n第二段。", &ReadOptions::new("x"));
    assert!(r.has_errors());
    assert_eq!(r.diagnostics[0].code, "no-tasks");
}
