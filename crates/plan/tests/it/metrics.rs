//! Targets read like a ledger: each target's `metric` is the short name an office would write
//! in a 台账 column ("粮食播种面积", "地区生产总值增长", "新增城镇就业"), not a fragment of the
//! sentence. The names expected for every target of the plans in `tests/data/plans` were
//! written by hand in `metrics.tsv`, before the reader was taught to find them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use zhuanban_plan::{ReadOptions, read_bytes};

/// Share of the hand-written metric names the reader must find exactly.
const REQUIRED_SHARE: f64 = 0.98;

struct Expected {
    task: String,
    value: f64,
    unit: String,
    metric: String,
}

fn expected() -> BTreeMap<String, Vec<Expected>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plans/metrics.tsv");
    let mut out: BTreeMap<String, Vec<Expected>> = BTreeMap::new();
    for line in std::fs::read_to_string(p).unwrap().lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad line in metrics.tsv: {line}");
        out.entry(f[0].to_string()).or_default().push(Expected {
            task: f[1].to_string(),
            value: f[2].parse().unwrap(),
            unit: f[3].to_string(),
            metric: f[4].to_string(),
        });
    }
    out
}

#[test]
fn target_metrics_are_ledger_names() {
    let all = expected();
    assert!(all.len() >= 8, "metrics for every plan: {}", all.len());
    let mut total = 0;
    let mut exact = 0;
    let mut report = String::new();
    for (plan, targets) in &all {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/plans/{plan}.txt"));
        let bytes = std::fs::read(&path).unwrap();
        let read = read_bytes(&bytes, &ReadOptions::new(plan.clone())).unwrap();
        let mut used: Vec<(String, usize)> = Vec::new();
        for e in targets {
            total += 1;
            let task = read.plan.tasks.iter().find(|t| t.id == e.task);
            let found = task.and_then(|t| {
                t.targets.iter().enumerate().find(|(i, g)| {
                    (g.value - e.value).abs() < 1e-9
                        && g.unit == e.unit
                        && !used.contains(&(t.id.clone(), *i))
                })
            });
            match found {
                Some((i, g)) => {
                    used.push((e.task.clone(), i));
                    if g.metric == e.metric {
                        exact += 1;
                    } else {
                        let _ = writeln!(
                            report,
                            "  {plan} {} {}{}: expected {:?}, got {:?}",
                            e.task, e.value, e.unit, e.metric, g.metric
                        );
                    }
                }
                None => {
                    let _ = writeln!(
                        report,
                        "  {plan} {} {}{}: target not read",
                        e.task, e.value, e.unit
                    );
                }
            }
        }
    }
    let share = exact as f64 / total as f64;
    println!(
        "metric names: {exact} of {total} exact ({:.1}%)\n{report}",
        share * 100.0
    );
    assert!(
        share >= REQUIRED_SHARE,
        "only {exact} of {total} metric names are exact ({:.1}%, need {:.0}%):\n{report}",
        share * 100.0,
        REQUIRED_SHARE * 100.0
    );
}
