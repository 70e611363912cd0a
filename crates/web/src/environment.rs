//! Targets judged from monitoring data (water, air, statistics) instead of units' reports: the
//! judgement of `zhuanban_ledger::environment` replaces the report-based one for each linked
//! target, and the task's status follows.

use std::collections::HashMap;

use chrono::NaiveDate;
use zhuanban_ledger::Status;
use zhuanban_ledger::environment::{EnvJudgement, EnvKind, EnvTarget, Metric, judge};
use zhuanban_ledger::evaluate::{Evaluation, UnitSummary};
use zhuanban_ledger::series::{Item, Series};
use zhuanban_ledger::{Colour, Id, TaskRecord};
use zhuanban_store::{SqliteStore, StoreError};

/// The judgements of a plan's linked targets as of a date, by (task code, target position).
pub async fn judgements(
    store: &SqliteStore,
    plan_id: Id,
    as_of: NaiveDate,
) -> Result<HashMap<(String, i64), EnvJudgement>, StoreError> {
    let links = store.target_links(plan_id).await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let series = store.load_series().await?;
    Ok(links
        .into_iter()
        .map(|(code, seq, t)| ((code, seq), judge(&t, &series, as_of)))
        .collect())
}

/// Replaces the judgement of every linked target and recounts tasks, totals and units.
pub fn apply(
    eval: &mut Evaluation,
    tasks: &[TaskRecord],
    j: &HashMap<(String, i64), EnvJudgement>,
) {
    if j.is_empty() {
        return;
    }
    for (task, ts) in tasks.iter().zip(eval.tasks.iter_mut()) {
        let mut changed = false;
        for (target, st) in task.targets.iter().zip(ts.targets.iter_mut()) {
            if let Some(e) = j.get(&(task.code.clone(), target.seq)) {
                st.status = e.status;
                st.colour = e.status.colour();
                st.reason = format!("【监测数据】{}", e.reason);
                st.actual = e.value.map(|v| v.to_f64());
                changed = true;
            }
        }
        if changed && ts.status != Status::NotReported {
            let worst = ts
                .targets
                .iter()
                .map(|t| (t.status, t.reason.clone()))
                .chain(ts.milestones.iter().map(|m| (m.status, m.reason.clone())))
                .max_by_key(|(s, _)| s.severity());
            if let Some((s, r)) = worst {
                ts.status = s;
                ts.colour = s.colour();
                ts.reason = r;
            }
        }
    }
    // Recount.
    eval.totals.clear();
    eval.colours.clear();
    let mut units: HashMap<Id, UnitSummary> = eval
        .units
        .iter()
        .map(|u| {
            (
                u.unit_id,
                UnitSummary {
                    green: 0,
                    yellow: 0,
                    red: 0,
                    grey: 0,
                    ..u.clone()
                },
            )
        })
        .collect();
    for (task, ts) in tasks.iter().zip(&eval.tasks) {
        *eval.totals.entry(ts.status).or_insert(0) += 1;
        *eval.colours.entry(ts.colour).or_insert(0) += 1;
        for u in &task.lead {
            if let Some(s) = units.get_mut(u) {
                match ts.colour {
                    Colour::Green => s.green += 1,
                    Colour::Yellow => s.yellow += 1,
                    Colour::Red => s.red += 1,
                    Colour::Grey => s.grey += 1,
                }
            }
        }
    }
    for u in eval.units.iter_mut() {
        if let Some(s) = units.remove(&u.unit_id) {
            *u = s;
        }
    }
}

/// Monthly means of a linked target's item at its sites, at each month's end (for charts). A
/// class target shows nothing here (its chart would need one line per item).
pub fn monthly_points(series: &Series, target: &EnvTarget) -> Vec<(NaiveDate, f64)> {
    let metric = match &target.kind {
        EnvKind::Limit { metric, .. } | EnvKind::Growth { metric, .. } => metric,
        EnvKind::Class { .. } => return vec![],
    };
    let item = match metric {
        Metric::Water(w) => Item::Water(*w),
        Metric::Air(a) => Item::Air(*a),
        Metric::Statistic(name) => match series.statistic(name) {
            Some(i) => i,
            None => return vec![],
        },
    };
    let mut months: std::collections::BTreeMap<(i32, u32), (f64, usize)> = Default::default();
    for site in &target.sites {
        let Some(id) = series.site_id(site) else {
            continue;
        };
        for o in series.of(id, item).iter().filter(|o| o.valid) {
            use chrono::Datelike;
            let d = o.time.date();
            let v = o.value.for_mean(target.non_detect).to_f64();
            let e = months.entry((d.year(), d.month())).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
        }
    }
    months
        .into_iter()
        .filter_map(|((y, m), (sum, n))| {
            let end = zhuanban_plan::dates::last_day_of_month(y, m)?;
            Some((end, sum / n as f64))
        })
        .collect()
}
