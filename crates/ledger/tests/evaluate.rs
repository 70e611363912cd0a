//! The judgement of progress (序时进度), table-driven: each row gives its inputs, the expected
//! status and the rule that decided it, and where it matters the numbers (elapsed share,
//! progress, gap, the value judged).
//!
//! The plan of most rows runs 100 days, from day 0 (2024-01-01) to day 100 (2024-04-10), so
//! that the elapsed share on day `n` is exactly `n / 100`; dates in the rows are day numbers.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use zhuanban_ledger::evaluate::{
    MilestoneView, PlanView, Rule, TargetView, TaskView, UnitSummary, evaluate_milestone,
    evaluate_target, evaluate_task, is_mean_bound,
};
use zhuanban_ledger::{
    Cmp, Colour, Evaluation, Hardness, MilestoneId, PlanSettings, Snapshot, Status, TargetId,
    TargetKind, TaskId, UnitId, evaluate,
};

use Rule::*;
use Status::*;
use zhuanban_ledger::ReportState;
use zhuanban_ledger::evaluate::{LeadReport, Reporting};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Day `n` of the test plan (day 0 = 2024-01-01).
fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + TimeDelta::days(n)
}

/// The 100-day plan with the default settings (bands 10 / 30 pp, tolerance 5%).
fn plan() -> PlanView {
    PlanView {
        start: day(0),
        end: day(100),
        settings: PlanSettings::default(),
    }
}

/// The same plan with other bands.
fn bands(lag_pp: f64, serious_pp: f64) -> PlanView {
    let mut p = plan();
    p.settings.lag_pp = lag_pp;
    p.settings.serious_pp = serious_pp;
    p
}

/// The same plan with another tolerance for "左右" and "稳定在".
fn tolerance(pct: f64) -> PlanView {
    let mut p = plan();
    p.settings.about_tolerance_pct = pct;
    p
}

fn target(kind: TargetKind, cmp: Cmp, value: f64) -> TargetView {
    TargetView {
        id: TargetId(1),
        value,
        cmp,
        hardness: Hardness::Plain,
        kind,
        deadline: None,
        mean: false,
        series: Vec::new(),
        monitored: None,
    }
}

/// A cumulative count: 完成 N.
fn cum(value: f64) -> TargetView {
    target(TargetKind::Cumulative, Cmp::AtLeast, value)
}

/// A level: 达到 N% (or another comparator).
fn level(cmp: Cmp, value: f64) -> TargetView {
    target(TargetKind::Level, cmp, value)
}

/// A growth rate: 增长 N% (a reduction has a negative value).
fn growth(cmp: Cmp, value: f64) -> TargetView {
    target(TargetKind::Growth, cmp, value)
}

/// An upper bound: 控制在 N 以内.
fn limit(value: f64) -> TargetView {
    target(TargetKind::Limit, Cmp::AtMost, value)
}

/// A water quality class: N 类以上 (class ≤ N).
fn class(value: f64) -> TargetView {
    target(TargetKind::Class, Cmp::AtMost, value)
}

/// Row-sized changes to a target.
trait TargetExt {
    /// Accepted values as (day, value).
    fn at(self, series: &[(i64, f64)]) -> Self;
    fn firm(self) -> Self;
    fn stretch(self) -> Self;
    /// The deadline in force (the plan's, or a granted extension).
    fn due(self, day: i64) -> Self;
    /// The bound is on the mean so far (年均).
    fn mean(self) -> Self;
}

impl TargetExt for TargetView {
    fn at(mut self, series: &[(i64, f64)]) -> Self {
        self.series = series.iter().map(|&(d, v)| (day(d), v)).collect();
        self
    }
    fn firm(mut self) -> Self {
        self.hardness = Hardness::Firm;
        self
    }
    fn stretch(mut self) -> Self {
        self.hardness = Hardness::Stretch;
        self
    }
    fn due(mut self, d: i64) -> Self {
        self.deadline = Some(day(d));
        self
    }
    fn mean(mut self) -> Self {
        self.mean = true;
        self
    }
}

/// Monthly values (days 0, 10, 20, …), for the mean bounds.
fn monthly(values: &[f64]) -> Vec<(i64, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as i64 * 10, v))
        .collect()
}

/// One row of a target table.
struct Row {
    name: &'static str,
    plan: PlanView,
    target: TargetView,
    as_of: i64,
    status: Status,
    rule: Rule,
    elapsed: Option<f64>,
    progress: Option<Option<f64>>,
    gap: Option<Option<f64>>,
    actual: Option<Option<f64>>,
}

fn r(name: &'static str, target: TargetView, as_of: i64, status: Status, rule: Rule) -> Row {
    Row {
        name,
        plan: plan(),
        target,
        as_of,
        status,
        rule,
        elapsed: None,
        progress: None,
        gap: None,
        actual: None,
    }
}

impl Row {
    fn plan(mut self, plan: PlanView) -> Self {
        self.plan = plan;
        self
    }
    /// The target's deadline in force (its own, or a granted extension).
    fn due(mut self, d: i64) -> Self {
        self.target = self.target.due(d);
        self
    }
    /// Expected elapsed share, progress and gap (cumulative targets).
    fn n(mut self, elapsed: f64, progress: f64, gap: f64) -> Self {
        self.elapsed = Some(elapsed);
        self.progress = Some(Some(progress));
        self.gap = Some(Some(gap));
        self
    }
    /// Expected: no progress and no gap (not judged by the bands).
    fn no_n(mut self, elapsed: f64) -> Self {
        self.elapsed = Some(elapsed);
        self.progress = Some(None);
        self.gap = Some(None);
        self
    }
    /// Expected value judged (latest, or the mean so far).
    fn actual(mut self, actual: Option<f64>) -> Self {
        self.actual = Some(actual);
        self
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn check(rows: Vec<Row>) {
    let mut failures = Vec::new();
    for row in rows {
        let got = evaluate_target(&row.plan, &row.target, day(row.as_of));
        let mut wrong = Vec::new();
        if got.status != row.status {
            wrong.push(format!("status {:?}, want {:?}", got.status, row.status));
        }
        if got.rule != row.rule {
            wrong.push(format!("rule {:?}, want {:?}", got.rule, row.rule));
        }
        if got.colour != row.status.colour() {
            wrong.push(format!("colour {:?} for {:?}", got.colour, got.status));
        }
        if let Some(e) = row.elapsed
            && !close(got.elapsed, e)
        {
            wrong.push(format!("elapsed {}, want {e}", got.elapsed));
        }
        if let Some(p) = row.progress
            && !close_opt(got.progress, p)
        {
            wrong.push(format!("progress {:?}, want {p:?}", got.progress));
        }
        if let Some(g) = row.gap
            && !close_opt(got.gap_pp, g)
        {
            wrong.push(format!("gap {:?}, want {g:?}", got.gap_pp));
        }
        if let Some(a) = row.actual
            && !close_opt(got.actual, a)
        {
            wrong.push(format!("actual {:?}, want {a:?}", got.actual));
        }
        if got.reason.is_empty() {
            wrong.push("no reason".into());
        }
        if got.deadline != row.target.deadline.unwrap_or(row.plan.end) {
            wrong.push(format!("deadline {}", got.deadline));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {} (reason: {})",
                row.name,
                wrong.join("; "),
                got.reason
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Cumulative targets

#[test]
#[rustfmt::skip]
fn cumulative() {
    check(vec![
        // Before the plan starts.
        r("before start, no data", cum(100.0), -5, NotStarted, BeforeStart).no_n(0.0),
        r("before start with an early value: judged, elapsed clipped to 0", cum(100.0).at(&[(-10, 20.0)]), -5, OnSchedule, CumulativeBands).n(0.0, 0.2, -20.0),
        // Missing values: no data early, judged as 0 later.
        r("start day, no data", cum(100.0), 0, NoData, NoValue).no_n(0.0).actual(None),
        r("early, no data", cum(100.0), 5, NoData, NoValue).no_n(0.05),
        r("no data at exactly the lag band", cum(100.0), 10, NoData, NoValue).no_n(0.1),
        r("no data past the lag band: judged as 0", cum(100.0), 11, Lagging, CumulativeBands).n(0.11, 0.0, 11.0).actual(Some(0.0)),
        r("no data at 40%: seriously lagging", cum(100.0), 40, SeriouslyLagging, CumulativeBands).n(0.4, 0.0, 40.0),
        r("no data after the deadline: overdue", cum(100.0), 101, Overdue, CumulativeOverdue).n(1.0, 0.0, 100.0),
        r("no data, custom lag 5: judged from 5%", cum(100.0), 8, Lagging, CumulativeBands).plan(bands(5.0, 15.0)).n(0.08, 0.0, 8.0),
        // A reported zero is data.
        r("zero reported early", cum(100.0).at(&[(5, 0.0)]), 5, OnSchedule, CumulativeBands).n(0.05, 0.0, 5.0).actual(Some(0.0)),
        r("zero reported at half time", cum(100.0).at(&[(50, 0.0)]), 50, SeriouslyLagging, CumulativeBands).n(0.5, 0.0, 50.0),
        // The bands (default 10 / 30 pp).
        r("ahead of time", cum(100.0).at(&[(50, 70.0)]), 50, OnSchedule, CumulativeBands).n(0.5, 0.7, -20.0),
        r("9 pp behind", cum(100.0).at(&[(50, 41.0)]), 50, OnSchedule, CumulativeBands).n(0.5, 0.41, 9.0),
        r("exactly 10 pp behind: on schedule", cum(100.0).at(&[(40, 30.0)]), 40, OnSchedule, CumulativeBands).n(0.4, 0.3, 10.0),
        r("exactly 10 pp behind (other numbers)", cum(100.0).at(&[(50, 40.0)]), 50, OnSchedule, CumulativeBands).n(0.5, 0.4, 10.0),
        r("11 pp behind: lagging", cum(100.0).at(&[(50, 39.0)]), 50, Lagging, CumulativeBands).n(0.5, 0.39, 11.0),
        r("exactly 30 pp behind: lagging", cum(100.0).at(&[(50, 20.0)]), 50, Lagging, CumulativeBands).n(0.5, 0.2, 30.0),
        r("exactly 30 pp behind (other numbers)", cum(100.0).at(&[(70, 40.0)]), 70, Lagging, CumulativeBands).n(0.7, 0.4, 30.0),
        r("31 pp behind: seriously lagging", cum(100.0).at(&[(50, 19.0)]), 50, SeriouslyLagging, CumulativeBands).n(0.5, 0.19, 31.0),
        r("non-round target value", cum(1.5).at(&[(60, 0.6)]), 60, Lagging, CumulativeBands).n(0.6, 0.4, 20.0),
        // Done.
        r("done early", cum(100.0).at(&[(50, 100.0)]), 50, Done, CumulativeDone).n(0.5, 1.0, -50.0),
        r("over-done", cum(100.0).at(&[(30, 120.0)]), 30, Done, CumulativeDone).n(0.3, 1.2, -90.0),
        r("done, judged after the deadline", cum(100.0).at(&[(90, 100.0)]), 101, Done, CumulativeDone).n(1.0, 1.0, 0.0),
        r("done on the deadline", cum(4.0).at(&[(100, 4.0)]), 100, Done, CumulativeDone).n(1.0, 1.0, 0.0),
        // The deadline: on it the bands still apply; the day after, overdue.
        r("on the deadline, 5 pp short", cum(100.0).at(&[(100, 95.0)]), 100, OnSchedule, CumulativeBands).n(1.0, 0.95, 5.0),
        r("on the deadline, 20 pp short", cum(100.0).at(&[(100, 80.0)]), 100, Lagging, CumulativeBands).n(1.0, 0.8, 20.0),
        r("on the deadline, 40 pp short", cum(100.0).at(&[(100, 60.0)]), 100, SeriouslyLagging, CumulativeBands).n(1.0, 0.6, 40.0),
        r("the day after, 5 pp short", cum(100.0).at(&[(100, 95.0)]), 101, Overdue, CumulativeOverdue).n(1.0, 0.95, 5.0),
        r("long after, elapsed clipped to 1", cum(100.0).at(&[(100, 99.0)]), 150, Overdue, CumulativeOverdue).n(1.0, 0.99, 1.0),
        // A target's own deadline.
        r("own deadline day 40, on it", cum(10.0).at(&[(40, 7.0)]), 40, Lagging, CumulativeBands).due(40).n(1.0, 0.7, 30.0),
        r("own deadline day 40, the day after", cum(10.0).at(&[(40, 7.0)]), 41, Overdue, CumulativeOverdue).due(40).n(1.0, 0.7, 30.0),
        r("own deadline day 50, elapsed 20/50, exactly 10 pp", cum(10.0).at(&[(20, 3.0)]), 20, OnSchedule, CumulativeBands).due(50).n(0.4, 0.3, 10.0),
        // Only values dated on or before the as-of date count.
        r("a later value is ignored", cum(100.0).at(&[(30, 20.0), (60, 55.0)]), 45, Lagging, CumulativeBands).n(0.45, 0.2, 25.0).actual(Some(20.0)),
        r("the latest value counts", cum(100.0).at(&[(30, 20.0), (60, 55.0)]), 60, OnSchedule, CumulativeBands).n(0.6, 0.55, 5.0).actual(Some(55.0)),
        r("a value after the as-of date only: no data", cum(100.0).at(&[(8, 5.0)]), 5, NoData, NoValue).no_n(0.05).actual(None),
    ]);
}

/// The plan's bands decide: the same numbers, judged under 10 / 30 and under 5 / 15.
#[test]
#[rustfmt::skip]
fn custom_bands() {
    check(vec![
        r("8 pp, default bands", cum(100.0).at(&[(50, 42.0)]), 50, OnSchedule, CumulativeBands).n(0.5, 0.42, 8.0),
        r("8 pp, bands 5/15", cum(100.0).at(&[(50, 42.0)]), 50, Lagging, CumulativeBands).plan(bands(5.0, 15.0)).n(0.5, 0.42, 8.0),
        r("20 pp, default bands", cum(100.0).at(&[(50, 30.0)]), 50, Lagging, CumulativeBands).n(0.5, 0.3, 20.0),
        r("20 pp, bands 5/15", cum(100.0).at(&[(50, 30.0)]), 50, SeriouslyLagging, CumulativeBands).plan(bands(5.0, 15.0)).n(0.5, 0.3, 20.0),
        r("exactly 5 pp, bands 5/15", cum(100.0).at(&[(50, 45.0)]), 50, OnSchedule, CumulativeBands).plan(bands(5.0, 15.0)).n(0.5, 0.45, 5.0),
        r("exactly 15 pp, bands 5/15", cum(100.0).at(&[(50, 35.0)]), 50, Lagging, CumulativeBands).plan(bands(5.0, 15.0)).n(0.5, 0.35, 15.0),
        r("35 pp, default bands", cum(100.0).at(&[(50, 15.0)]), 50, SeriouslyLagging, CumulativeBands).n(0.5, 0.15, 35.0),
        r("35 pp, bands 40/60", cum(100.0).at(&[(50, 15.0)]), 50, OnSchedule, CumulativeBands).plan(bands(40.0, 60.0)).n(0.5, 0.15, 35.0),
        r("after the deadline the bands do not matter", cum(100.0).at(&[(90, 99.0)]), 101, Overdue, CumulativeOverdue).plan(bands(40.0, 60.0)),
    ]);
}

/// A granted extension is a later deadline in the view: overdue becomes banded again.
#[test]
#[rustfmt::skip]
fn extensions() {
    check(vec![
        r("deadline day 60 passed", cum(100.0).at(&[(70, 50.0)]), 70, Overdue, CumulativeOverdue).due(60).n(1.0, 0.5, 50.0),
        r("extended to day 120: on schedule", cum(100.0).at(&[(70, 50.0)]), 70, OnSchedule, CumulativeBands).due(120).n(70.0 / 120.0, 0.5, 7000.0 / 120.0 - 50.0),
        r("extended to day 120: lagging", cum(100.0).at(&[(70, 40.0)]), 70, Lagging, CumulativeBands).due(120).n(70.0 / 120.0, 0.4, 7000.0 / 120.0 - 40.0),
        r("extended past the plan's end", cum(100.0).at(&[(100, 90.0)]), 101, OnSchedule, CumulativeBands).due(110).n(101.0 / 110.0, 0.9, 10100.0 / 110.0 - 90.0),
        r("level missed at day 60, extended to 80: not met", level(Cmp::AtLeast, 95.0).at(&[(60, 90.0)]), 70, NotMet, BoundNotMet).due(80),
        r("level missed at day 60, not extended", level(Cmp::AtLeast, 95.0).at(&[(60, 90.0)]), 70, Missed, BoundMissedAfterDeadline).due(60),
    ]);
}

/// Firm (确保) targets count one grade worse; stretch (力争) and plain ones do not.
#[test]
#[rustfmt::skip]
fn hardness() {
    check(vec![
        r("stretch, 20 pp behind", cum(100.0).at(&[(50, 30.0)]).stretch(), 50, Lagging, CumulativeBands).n(0.5, 0.3, 20.0),
        r("plain, 20 pp behind", cum(100.0).at(&[(50, 30.0)]), 50, Lagging, CumulativeBands).n(0.5, 0.3, 20.0),
        r("firm, 20 pp behind", cum(100.0).at(&[(50, 30.0)]).firm(), 50, SeriouslyLagging, FirmEscalated).n(0.5, 0.3, 20.0),
        r("firm, 40 pp behind: no further", cum(100.0).at(&[(50, 10.0)]).firm(), 50, SeriouslyLagging, CumulativeBands).n(0.5, 0.1, 40.0),
        r("firm, on schedule", cum(100.0).at(&[(50, 45.0)]).firm(), 50, OnSchedule, CumulativeBands),
        r("firm, done", cum(100.0).at(&[(50, 100.0)]).firm(), 50, Done, CumulativeDone),
        r("firm, overdue", cum(100.0).at(&[(50, 10.0)]).firm(), 101, Overdue, CumulativeOverdue),
        r("firm, no data", cum(100.0).firm(), 5, NoData, NoValue),
        r("firm, before start", cum(100.0).firm(), -1, NotStarted, BeforeStart),
        r("stretch level not met", level(Cmp::AtLeast, 95.0).at(&[(50, 94.0)]).stretch(), 50, NotMet, BoundNotMet),
        r("firm level not met", level(Cmp::AtLeast, 95.0).at(&[(50, 94.0)]).firm(), 50, Missed, FirmEscalated),
        r("firm level met", level(Cmp::AtLeast, 95.0).at(&[(50, 96.0)]).firm(), 50, Met, BoundMet),
        r("firm level missed after deadline", level(Cmp::AtLeast, 95.0).at(&[(50, 94.0)]).firm(), 101, Missed, BoundMissedAfterDeadline),
        r("firm mean limit at risk", limit(0.08).mean().at(&monthly(&[0.085, 0.083, 0.075])).firm(), 25, Missed, FirmEscalated),
        r("firm class not met", class(3.0).at(&[(50, 4.0)]).firm(), 50, Missed, FirmEscalated),
    ]);
    let p = plan();
    let firm = evaluate_target(&p, &cum(100.0).at(&[(50, 30.0)]).firm(), day(50));
    assert!(firm.reason.ends_with("；确保类目标，从严判定"), "{}", firm.reason);
    let stretch = evaluate_target(&p, &cum(100.0).at(&[(50, 30.0)]).stretch(), day(50));
    assert!(!stretch.reason.contains("确保"), "{}", stretch.reason);
}

// ---------------------------------------------------------------------------------------------
// Bounds: limits, levels, growth rates, classes

#[test]
#[rustfmt::skip]
fn limits() {
    check(vec![
        // Latest value against ≤ 0.08 mg/L.
        r("latest 0.079 ≤ 0.08", limit(0.08).at(&[(50, 0.079)]), 50, Met, BoundMet).no_n(0.5).actual(Some(0.079)),
        r("latest exactly 0.08", limit(0.08).at(&[(50, 0.08)]), 50, Met, BoundMet).actual(Some(0.08)),
        r("latest 0.081 > 0.08, before deadline", limit(0.08).at(&[(50, 0.081)]), 50, NotMet, BoundNotMet).actual(Some(0.081)),
        r("latest 0.081 on the deadline", limit(0.08).at(&[(100, 0.081)]), 100, NotMet, BoundNotMet),
        r("latest 0.081 after the deadline", limit(0.08).at(&[(100, 0.081)]), 101, Missed, BoundMissedAfterDeadline),
        r("latest 0.079 after the deadline", limit(0.08).at(&[(100, 0.079)]), 101, Met, BoundMet),
        r("the latest, not the worst, counts", limit(0.08).at(&[(10, 0.09), (20, 0.07)]), 20, Met, BoundMet).actual(Some(0.07)),
        r("a latest-value limit ignores the mean", limit(0.08).at(&monthly(&[0.085, 0.083, 0.075])), 25, Met, BoundMet).actual(Some(0.075)),
        // Mean so far (年均) against ≤ 0.08 mg/L.
        r("mean 0.079 (latest 0.089)", limit(0.08).mean().at(&monthly(&[0.070, 0.078, 0.089])), 25, Met, BoundMet).actual(Some(0.079)),
        r("mean 0.081 (latest 0.075): at risk", limit(0.08).mean().at(&monthly(&[0.085, 0.083, 0.075])), 25, AtRisk, MeanBreaksBound).actual(Some(0.081)),
        r("mean 0.081 on the deadline: at risk", limit(0.08).mean().at(&monthly(&[0.085, 0.083, 0.075])), 100, AtRisk, MeanBreaksBound).actual(Some(0.081)),
        r("mean 0.081 after the deadline: missed", limit(0.08).mean().at(&monthly(&[0.085, 0.083, 0.075])), 101, Missed, BoundMissedAfterDeadline).actual(Some(0.081)),
        r("mean 0.079 after the deadline: met", limit(0.08).mean().at(&monthly(&[0.070, 0.078, 0.089])), 101, Met, BoundMet).actual(Some(0.079)),
        r("twelve months, mean 0.079", limit(0.08).mean().at(&monthly(&[0.07, 0.09, 0.075, 0.083, 0.079, 0.079, 0.08, 0.078, 0.082, 0.076, 0.081, 0.075])), 110, Met, BoundMet).actual(Some(0.079)),
        r("twelve months, mean 0.081", limit(0.08).mean().at(&monthly(&[0.07, 0.09, 0.075, 0.083, 0.079, 0.079, 0.08, 0.078, 0.082, 0.076, 0.081, 0.099])), 110, Missed, BoundMissedAfterDeadline).actual(Some(0.081)),
        r("mean of the values up to the as-of date only", limit(0.08).mean().at(&monthly(&[0.07, 0.078, 0.2])), 15, Met, BoundMet).actual(Some(0.074)),
        r("mean exactly on the bound", limit(0.08).mean().at(&monthly(&[0.07, 0.09])), 15, Met, BoundMet).actual(Some(0.08)),
        // Missing values.
        r("no data before the deadline", limit(0.08), 50, NoData, NoValue).actual(None),
        r("mean bound, no data", limit(0.08).mean(), 50, NoData, NoValue).actual(None),
        r("no data after the deadline: missed", limit(0.08), 101, Missed, BoundMissedAfterDeadline).actual(None),
        r("before start, no data", limit(0.08), -1, NotStarted, BeforeStart),
        r("zero is a value", limit(0.08).at(&[(50, 0.0)]), 50, Met, BoundMet).actual(Some(0.0)),
    ]);
}

#[test]
#[rustfmt::skip]
fn levels() {
    check(vec![
        r("95% met (96)", level(Cmp::AtLeast, 95.0).at(&[(50, 96.0)]), 50, Met, BoundMet).no_n(0.5).actual(Some(96.0)),
        r("95% met exactly", level(Cmp::AtLeast, 95.0).at(&[(50, 95.0)]), 50, Met, BoundMet),
        r("95% missed (94.9) before the deadline", level(Cmp::AtLeast, 95.0).at(&[(50, 94.9)]), 50, NotMet, BoundNotMet).actual(Some(94.9)),
        r("95% missed on the deadline", level(Cmp::AtLeast, 95.0).at(&[(100, 94.0)]), 100, NotMet, BoundNotMet),
        r("95% missed after the deadline", level(Cmp::AtLeast, 95.0).at(&[(100, 94.0)]), 101, Missed, BoundMissedAfterDeadline),
        r("95% met after the deadline", level(Cmp::AtLeast, 95.0).at(&[(100, 97.0)]), 101, Met, BoundMet),
        r("latest value counts, not the first", level(Cmp::AtLeast, 95.0).at(&[(10, 97.0), (40, 93.0)]), 50, NotMet, BoundNotMet).actual(Some(93.0)),
        r("zero is a value", level(Cmp::AtLeast, 95.0).at(&[(50, 0.0)]), 50, NotMet, BoundNotMet).actual(Some(0.0)),
        r("no data", level(Cmp::AtLeast, 95.0), 50, NoData, NoValue).actual(None),
        r("no data after the deadline", level(Cmp::AtLeast, 95.0), 101, Missed, BoundMissedAfterDeadline),
        r("mean level (平均) met", level(Cmp::AtLeast, 95.0).mean().at(&monthly(&[94.0, 97.0])), 15, Met, BoundMet).actual(Some(95.5)),
        r("mean level (平均) not met: not 'at risk'", level(Cmp::AtLeast, 95.0).mean().at(&monthly(&[90.0, 97.0])), 15, NotMet, BoundNotMet).actual(Some(93.5)),
        // 稳定在 95% (=), tolerance 5% of 95 = 4.75.
        r("= 95, actual 99", level(Cmp::Equal, 95.0).at(&[(50, 99.0)]), 50, Met, BoundMet),
        r("= 95, actual 91", level(Cmp::Equal, 95.0).at(&[(50, 91.0)]), 50, Met, BoundMet),
        r("= 95, actual 90.25 (edge)", level(Cmp::Equal, 95.0).at(&[(50, 90.25)]), 50, Met, BoundMet),
        r("= 95, actual 90", level(Cmp::Equal, 95.0).at(&[(50, 90.0)]), 50, NotMet, BoundNotMet),
        r("= 95, actual 100: too far above", level(Cmp::Equal, 95.0).at(&[(50, 100.0)]), 50, NotMet, BoundNotMet),
        r("= 95, actual 91, tolerance 2%", level(Cmp::Equal, 95.0).at(&[(50, 91.0)]), 50, NotMet, BoundNotMet).plan(tolerance(2.0)),
        r("= 0.08, actual 0.084 (edge)", level(Cmp::Equal, 0.08).at(&[(50, 0.084)]), 50, Met, BoundMet),
        r("= 95, after the deadline", level(Cmp::Equal, 95.0).at(&[(50, 90.0)]), 101, Missed, BoundMissedAfterDeadline),
        // ≤ as a level: 不高于.
        r("≤ 5 level met", level(Cmp::AtMost, 5.0).at(&[(50, 4.0)]), 50, Met, BoundMet),
        r("≤ 5 level not met", level(Cmp::AtMost, 5.0).at(&[(50, 6.0)]), 50, NotMet, BoundNotMet),
        // 约 95 (~): at least 95 less the tolerance; more is fine.
        r("~ 95, actual 91", level(Cmp::About, 95.0).at(&[(50, 91.0)]), 50, Met, BoundMet),
        r("~ 95, actual 100", level(Cmp::About, 95.0).at(&[(50, 100.0)]), 50, Met, BoundMet),
        r("~ 95, actual 90", level(Cmp::About, 95.0).at(&[(50, 90.0)]), 50, NotMet, BoundNotMet),
    ]);
}

#[test]
#[rustfmt::skip]
fn growth_rates() {
    check(vec![
        // 增长 7%.
        r("≥ 7%, actual 7.5", growth(Cmp::AtLeast, 7.0).at(&[(50, 7.5)]), 50, Met, BoundMet).actual(Some(7.5)),
        r("≥ 7%, actual 7", growth(Cmp::AtLeast, 7.0).at(&[(50, 7.0)]), 50, Met, BoundMet),
        r("≥ 7%, actual 6", growth(Cmp::AtLeast, 7.0).at(&[(50, 6.0)]), 50, NotMet, BoundNotMet),
        r("≥ 7%, actual −1", growth(Cmp::AtLeast, 7.0).at(&[(50, -1.0)]), 50, NotMet, BoundNotMet),
        r("≥ 7%, actual 6 after the deadline", growth(Cmp::AtLeast, 7.0).at(&[(50, 6.0)]), 101, Missed, BoundMissedAfterDeadline),
        r("≥ 7%, no data", growth(Cmp::AtLeast, 7.0), 50, NoData, NoValue),
        // 下降 3%: value −3, ≤.
        r("≤ −3%, actual −3.5", growth(Cmp::AtMost, -3.0).at(&[(50, -3.5)]), 50, Met, BoundMet).actual(Some(-3.5)),
        r("≤ −3%, actual −3", growth(Cmp::AtMost, -3.0).at(&[(50, -3.0)]), 50, Met, BoundMet),
        r("≤ −3%, actual −2", growth(Cmp::AtMost, -3.0).at(&[(50, -2.0)]), 50, NotMet, BoundNotMet),
        r("≤ −3%, actual +1", growth(Cmp::AtMost, -3.0).at(&[(50, 1.0)]), 50, NotMet, BoundNotMet),
        r("≤ −3%, actual −2 after the deadline", growth(Cmp::AtMost, -3.0).at(&[(50, -2.0)]), 101, Missed, BoundMissedAfterDeadline),
        r("≤ −3%, actual −4 after the deadline", growth(Cmp::AtMost, -3.0).at(&[(50, -4.0)]), 101, Met, BoundMet),
        // 增长 8% 左右: ≥ 8 − 0.4.
        r("~ 8%, actual 7.7", growth(Cmp::About, 8.0).at(&[(50, 7.7)]), 50, Met, BoundMet),
        r("~ 8%, actual 9", growth(Cmp::About, 8.0).at(&[(50, 9.0)]), 50, Met, BoundMet),
        r("~ 8%, actual 7.5", growth(Cmp::About, 8.0).at(&[(50, 7.5)]), 50, NotMet, BoundNotMet),
        r("~ 8%, actual 7.7, tolerance 2%", growth(Cmp::About, 8.0).at(&[(50, 7.7)]), 50, NotMet, BoundNotMet).plan(tolerance(2.0)),
        // 下降 3% 左右: value −3, ~: a reduction of at least 3 less the tolerance (0.15).
        r("~ −3%, actual −2.9", growth(Cmp::About, -3.0).at(&[(50, -2.9)]), 50, Met, BoundMet),
        r("~ −3%, actual −4", growth(Cmp::About, -3.0).at(&[(50, -4.0)]), 50, Met, BoundMet),
        r("~ −3%, actual −2", growth(Cmp::About, -3.0).at(&[(50, -2.0)]), 50, NotMet, BoundNotMet),
        r("~ −3%, actual +1: a rise is not a reduction", growth(Cmp::About, -3.0).at(&[(50, 1.0)]), 50, NotMet, BoundNotMet),
        r("~ −3%, actual +1 after the deadline", growth(Cmp::About, -3.0).at(&[(50, 1.0)]), 101, Missed, BoundMissedAfterDeadline),
        // 稳定在 −3% (=): within 0.15 either way.
        r("= −3%, actual −3.1", growth(Cmp::Equal, -3.0).at(&[(50, -3.1)]), 50, Met, BoundMet),
        r("= −3%, actual −3.5", growth(Cmp::Equal, -3.0).at(&[(50, -3.5)]), 50, NotMet, BoundNotMet),
    ]);
}

#[test]
#[rustfmt::skip]
fn classes() {
    check(vec![
        r("III类以上, class 2", class(3.0).at(&[(50, 2.0)]), 50, Met, BoundMet).actual(Some(2.0)),
        r("III类以上, class 3", class(3.0).at(&[(50, 3.0)]), 50, Met, BoundMet),
        r("III类以上, class 4", class(3.0).at(&[(50, 4.0)]), 50, NotMet, BoundNotMet),
        r("III类以上, class 4 on the deadline", class(3.0).at(&[(50, 4.0)]), 100, NotMet, BoundNotMet),
        r("III类以上, class 4 after the deadline", class(3.0).at(&[(50, 4.0)]), 101, Missed, BoundMissedAfterDeadline),
        r("III类以上, class 5 then 3", class(3.0).at(&[(20, 5.0), (40, 3.0)]), 50, Met, BoundMet).actual(Some(3.0)),
        r("III类以上, no data", class(3.0), 50, NoData, NoValue),
        r("IV类以下 (≥ 4), class 5", target(TargetKind::Class, Cmp::AtLeast, 4.0).at(&[(50, 5.0)]), 50, Met, BoundMet),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Milestones

fn ms(deadline: Option<i64>, done_on: Option<i64>) -> MilestoneView {
    MilestoneView {
        id: MilestoneId(7),
        deadline: deadline.map(day),
        done_on: done_on.map(day),
    }
}

#[test]
#[rustfmt::skip]
fn milestones() {
    let rows: Vec<(&str, MilestoneView, i64, Status, Rule, i64)> = vec![
        ("done before the as-of date", ms(Some(60), Some(30)), 50, Done, MilestoneDone, 60),
        ("done on the as-of date", ms(Some(60), Some(50)), 50, Done, MilestoneDone, 60),
        ("done after the as-of date: not yet", ms(Some(60), Some(55)), 50, InProgress, MilestoneOpen, 60),
        ("done late", ms(Some(60), Some(80)), 90, Done, MilestoneDone, 60),
        ("open before the deadline", ms(Some(60), None), 50, InProgress, MilestoneOpen, 60),
        ("open on the deadline", ms(Some(60), None), 60, InProgress, MilestoneOpen, 60),
        ("open the day after", ms(Some(60), None), 61, Overdue, MilestoneOverdue, 60),
        ("reported done after the as-of date, past deadline", ms(Some(60), Some(70)), 65, Overdue, MilestoneOverdue, 60),
        ("extended to day 90", ms(Some(90), None), 61, InProgress, MilestoneOpen, 90),
        ("no date: due at the plan's end", ms(None, None), 100, InProgress, MilestoneOpen, 100),
        ("no date: overdue the day after the plan's end", ms(None, None), 101, Overdue, MilestoneOverdue, 100),
        ("no date, done", ms(None, Some(99)), 101, Done, MilestoneDone, 100),
        ("before start", ms(Some(60), None), -3, NotStarted, BeforeStart, 60),
        ("done before start", ms(Some(60), Some(-10)), -3, Done, MilestoneDone, 60),
    ];
    let p = plan();
    let mut failures = Vec::new();
    for (name, m, as_of, status, rule, deadline) in rows {
        let got = evaluate_milestone(&p, &m, day(as_of));
        let want = (status, status.colour(), rule, day(deadline));
        let have = (got.status, got.colour, got.rule, got.deadline);
        if have != want || got.reason.is_empty() || got.milestone_id != MilestoneId(7) {
            failures.push(format!("{name}: got {have:?}, want {want:?} ({})", got.reason));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Tasks

fn task(id: i64, targets: Vec<TargetView>, milestones: Vec<MilestoneView>) -> TaskView {
    TaskView {
        id: TaskId(id),
        code: format!("1.{id}"),
        lead: vec![UnitId(1)],
        support: Vec::new(),
        targets,
        milestones,
        round_reports: Some(vec![accepted()]),
        any_accepted: true,
    }
}

fn accepted() -> LeadReport {
    LeadReport {
        state: ReportState::Accepted,
        late: false,
    }
}

fn report(state: ReportState, late: bool) -> LeadReport {
    LeadReport { state, late }
}

trait TaskExt {
    fn reported(self, r: Option<Vec<LeadReport>>) -> Self;
    fn accepted(self, a: bool) -> Self;
    fn units(self, lead: &[i64], support: &[i64]) -> Self;
}

impl TaskExt for TaskView {
    fn reported(mut self, r: Option<Vec<LeadReport>>) -> Self {
        self.round_reports = r;
        self
    }
    fn accepted(mut self, a: bool) -> Self {
        self.any_accepted = a;
        self
    }
    fn units(mut self, lead: &[i64], support: &[i64]) -> Self {
        self.lead = lead.iter().copied().map(UnitId).collect();
        self.support = support.iter().copied().map(UnitId).collect();
        self
    }
}

// Parts with known statuses as of day 50 (each checked in the tables above).
fn done() -> TargetView {
    cum(100.0).at(&[(50, 100.0)])
}
fn on_schedule() -> TargetView {
    cum(100.0).at(&[(50, 45.0)])
}
fn lagging() -> TargetView {
    cum(100.0).at(&[(50, 30.0)])
}
fn seriously() -> TargetView {
    cum(100.0).at(&[(50, 10.0)])
}
fn overdue() -> TargetView {
    cum(100.0).at(&[(30, 50.0)]).due(40)
}
fn met() -> TargetView {
    level(Cmp::AtLeast, 95.0).at(&[(50, 96.0)])
}
fn not_met() -> TargetView {
    level(Cmp::AtLeast, 95.0).at(&[(50, 94.0)])
}
fn at_risk() -> TargetView {
    limit(0.08).mean().at(&monthly(&[0.085, 0.083, 0.075]))
}
fn no_data() -> TargetView {
    level(Cmp::AtLeast, 95.0)
}
fn m_done() -> MilestoneView {
    ms(Some(60), Some(20))
}
fn m_open() -> MilestoneView {
    ms(Some(60), None)
}
fn m_overdue() -> MilestoneView {
    ms(Some(40), None)
}

#[test]
#[rustfmt::skip]
fn tasks() {
    let rows: Vec<(&str, TaskView, i64, Status, Rule)> = vec![
        // Milestones only.
        ("milestones: done + open", task(1, vec![], vec![m_done(), m_open()]), 50, InProgress, WorstPart),
        ("milestones: all done", task(1, vec![], vec![m_done(), m_done()]), 50, Done, WorstPart),
        ("milestones: done + overdue", task(1, vec![], vec![m_done(), m_overdue()]), 50, Overdue, WorstPart),
        ("milestone without a date, after the plan's end", task(1, vec![], vec![ms(None, None)]), 101, Overdue, WorstPart),
        ("milestone without a date, on the plan's end", task(1, vec![], vec![ms(None, None)]), 100, InProgress, WorstPart),
        ("milestones before start", task(1, vec![], vec![m_open()]), -1, NotStarted, WorstPart),
        // No targets and no milestones.
        ("nothing, never accepted", task(1, vec![], vec![]).accepted(false), 50, NoData, NoCommitments),
        ("nothing, a report accepted", task(1, vec![], vec![]), 50, InProgress, NoCommitments),
        ("nothing, before start", task(1, vec![], vec![]), -1, NotStarted, BeforeStart),
        // The worst part decides.
        ("done + on schedule", task(1, vec![done(), on_schedule()], vec![]), 50, OnSchedule, WorstPart),
        ("done + lagging + open milestone", task(1, vec![done(), lagging()], vec![m_open()]), 50, Lagging, WorstPart),
        ("on schedule + seriously lagging", task(1, vec![on_schedule(), seriously()], vec![]), 50, SeriouslyLagging, WorstPart),
        ("met + not met", task(1, vec![met(), not_met()], vec![]), 50, NotMet, WorstPart),
        ("not met + at risk", task(1, vec![not_met(), at_risk()], vec![]), 50, AtRisk, WorstPart),
        ("at risk + lagging", task(1, vec![at_risk(), lagging()], vec![]), 50, Lagging, WorstPart),
        ("seriously lagging + overdue milestone", task(1, vec![seriously()], vec![m_overdue()]), 50, Overdue, WorstPart),
        ("overdue target + done milestone", task(1, vec![overdue()], vec![m_done()]), 50, Overdue, WorstPart),
        ("firm lagging + stretch lagging", task(1, vec![lagging().stretch(), lagging().firm()], vec![]), 50, SeriouslyLagging, WorstPart),
        ("firm not met outranks lagging", task(1, vec![lagging(), not_met().firm()], vec![]), 50, Missed, WorstPart),
        ("on schedule + no data: no data", task(1, vec![on_schedule(), no_data()], vec![]), 50, NoData, WorstPart),
        ("no data + not met: not met", task(1, vec![no_data(), not_met()], vec![]), 50, NotMet, WorstPart),
        ("no data + open milestone", task(1, vec![no_data()], vec![m_open()]), 50, NoData, WorstPart),
        // Not reported in the round: the progress judgement stays what the values say.
        ("not reported, all done", task(1, vec![done()], vec![m_done()]).reported(Some(vec![])), 50, Done, WorstPart),
        ("not reported, overdue", task(1, vec![overdue()], vec![]).reported(Some(vec![])), 50, Overdue, WorstPart),
        ("not reported, seriously lagging", task(1, vec![seriously()], vec![]).reported(Some(vec![])), 50, SeriouslyLagging, WorstPart),
        ("not reported, no commitments", task(1, vec![], vec![]).reported(Some(vec![])).accepted(false), 50, NoData, NoCommitments),
        ("not reported before start: not started", task(1, vec![done()], vec![]).reported(Some(vec![])), -1, NotStarted, WorstPart),
        ("not reported before start, no parts", task(1, vec![], vec![]).reported(Some(vec![])), -1, NotStarted, BeforeStart),
        ("reported", task(1, vec![done()], vec![]).reported(Some(vec![accepted()])), 50, Done, WorstPart),
        ("returned", task(1, vec![lagging()], vec![]).reported(Some(vec![report(ReportState::Returned, false)])), 50, Lagging, WorstPart),
        ("no round judged", task(1, vec![lagging()], vec![]).reported(None), 50, Lagging, WorstPart),
    ];
    let p = plan();
    let mut failures = Vec::new();
    for (name, t, as_of, status, rule) in rows {
        let got = evaluate_task(&p, &t, day(as_of));
        let ok = got.status == status
            && got.rule == rule
            && got.colour == status.colour()
            && got.task_id == t.id
            && got.code == t.code
            && got.targets.len() == t.targets.len()
            && got.milestones.len() == t.milestones.len()
            && !got.reason.is_empty();
        if !ok {
            failures.push(format!(
                "{name}: got {:?} / {:?} / {:?}, want {status:?} / {rule:?} ({})",
                got.status, got.rule, got.colour, got.reason
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A task's reason is its worst part's; 未报送 keeps the parts' judgements.
#[test]
fn task_reasons_and_parts() {
    let p = plan();
    let t = task(3, vec![done(), lagging()], vec![m_open()]);
    let got = evaluate_task(&p, &t, day(50));
    let lag = evaluate_target(&p, &lagging(), day(50));
    assert_eq!(got.reason, lag.reason);
    assert_eq!(
        got.targets.iter().map(|s| s.status).collect::<Vec<_>>(),
        [Done, Lagging]
    );
    assert_eq!(got.milestones[0].status, InProgress);

    let t = task(3, vec![done(), lagging()], vec![m_open()]).reported(Some(vec![]));
    let got = evaluate_task(&p, &t, day(50));
    assert_eq!(got.status, Lagging);
    assert_eq!(got.reason, lag.reason);
    assert_eq!(got.reporting, Some(Reporting::Missing));
    assert_eq!(got.label_with_reporting(), "滞后 · 本期未报送");
    assert_eq!(
        got.targets.iter().map(|s| s.status).collect::<Vec<_>>(),
        [Done, Lagging]
    );
}

/// Reporting is a second fact: every state of the lead unit's report gives its reporting state,
/// and none of them changes the progress judgement.
#[test]
fn reporting_is_a_second_fact_beside_progress() {
    use ReportState::*;
    #[rustfmt::skip]
    let rows: Vec<(&str, bool, Vec<LeadReport>, Reporting)> = vec![
        ("nothing", true, vec![], Reporting::Missing),
        ("a draft", true, vec![report(Draft, false)], Reporting::Missing),
        ("submitted", true, vec![report(Submitted, false)], Reporting::AwaitingReview),
        ("submitted late", true, vec![report(Submitted, true)], Reporting::AwaitingReview),
        ("returned", true, vec![report(Returned, false)], Reporting::Returned),
        ("accepted", true, vec![report(Accepted, false)], Reporting::OnTime),
        ("accepted late", true, vec![report(Accepted, true)], Reporting::Late),
        ("two leads: the most advanced counts", true, vec![report(Draft, false), report(Submitted, false)], Reporting::AwaitingReview),
        ("no lead unit", false, vec![], Reporting::NotRequired),
    ];
    let p = plan();
    for (name, has_lead, reports, want) in rows {
        assert_eq!(Reporting::of(has_lead, &reports), want, "{name}");
        let mut t = task(1, vec![seriously()], vec![]).reported(Some(reports));
        if !has_lead {
            t.lead.clear();
        }
        let got = evaluate_task(&p, &t, day(50));
        assert_eq!(got.status, SeriouslyLagging, "{name}: progress unchanged");
        assert_eq!(got.reporting, Some(want), "{name}");
    }
    let labels: Vec<&str> = Reporting::ALL.iter().map(|r| r.label()).collect();
    assert_eq!(
        labels,
        [
            "按时报送",
            "逾期报送",
            "待审核",
            "退回待重报",
            "未报送",
            "无需报送"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Colours, labels, order

#[test]
fn colours() {
    let want = [
        (Done, Colour::Green),
        (Met, Colour::Green),
        (OnSchedule, Colour::Green),
        (InProgress, Colour::Green),
        (NotStarted, Colour::Grey),
        (NoData, Colour::Grey),
        (NotMet, Colour::Yellow),
        (AtRisk, Colour::Yellow),
        (Lagging, Colour::Yellow),
        (SeriouslyLagging, Colour::Red),
        (Missed, Colour::Red),
        (Overdue, Colour::Red),
    ];
    assert_eq!(want.len(), Status::ALL.len());
    for (s, c) in want {
        assert_eq!(s.colour(), c, "{s:?}");
    }
    let labels = [
        (Colour::Green, "绿", "green"),
        (Colour::Yellow, "黄", "yellow"),
        (Colour::Red, "红", "red"),
        (Colour::Grey, "灰", "grey"),
    ];
    for (c, label, code) in labels {
        assert_eq!((c.label(), c.as_str()), (label, code));
    }
}

#[test]
fn statuses_are_ordered_by_severity() {
    for pair in Status::ALL.windows(2) {
        assert!(pair[0].severity() < pair[1].severity(), "{pair:?}");
        assert!(pair[0] < pair[1], "{pair:?}");
    }
    let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
    assert_eq!(
        labels,
        [
            "已完成",
            "达标",
            "序时推进",
            "推进中",
            "未开始",
            "无数据",
            "未达标",
            "有风险",
            "滞后",
            "严重滞后",
            "未完成目标",
            "逾期未完成"
        ]
    );
    for s in Status::ALL {
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
}

#[test]
fn mean_bounds_from_text() {
    let rows = [
        ("PM2.5年均浓度控制在35微克/立方米以内", "", true),
        ("", "总磷年度均值", true),
        ("平均浓度不高于0.08mg/L", "总磷", true),
        ("总磷浓度控制在0.08mg/L以内", "总磷浓度", false),
    ];
    for (text, metric, want) in rows {
        assert_eq!(is_mean_bound(text, metric), want, "{text} / {metric}");
    }
}

// ---------------------------------------------------------------------------------------------
// The whole evaluation

fn summary(
    unit_id: i64,
    led: usize,
    supported: usize,
    [green, yellow, red, grey]: [usize; 4],
    not_reported: usize,
) -> UnitSummary {
    UnitSummary {
        unit_id: UnitId(unit_id),
        led,
        supported,
        green,
        yellow,
        red,
        grey,
        not_reported,
        ..Default::default()
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        plan: plan(),
        tasks: vec![
            task(1, vec![done()], vec![]).units(&[10], &[20]),
            task(2, vec![lagging()], vec![]).units(&[10], &[20, 30]),
            task(3, vec![overdue()], vec![]).units(&[20], &[]),
            task(4, vec![done()], vec![])
                .units(&[10, 20], &[])
                .reported(Some(vec![])),
            task(5, vec![], vec![]).units(&[30], &[]).accepted(false),
            task(6, vec![met()], vec![m_open()]).units(&[], &[30, 40]),
            // No round judged: neither 未报送 nor counted as a missing report.
            task(7, vec![on_schedule()], vec![])
                .units(&[30], &[])
                .reported(None),
        ],
    }
}

#[test]
fn evaluation_per_unit_and_totals() {
    let ev: Evaluation = evaluate(&snapshot(), day(50));
    assert_eq!(ev.as_of, day(50));
    assert_eq!(
        ev.tasks
            .iter()
            .map(|t| (t.task_id.get(), t.status))
            .collect::<Vec<_>>(),
        [
            (1, Done),
            (2, Lagging),
            (3, Overdue),
            (4, Done),
            (5, NoData),
            (6, InProgress),
            (7, OnSchedule)
        ]
    );
    assert_eq!(
        ev.units,
        [
            // unit, led, supported, [green, yellow, red, grey], not reported
            summary(10, 3, 0, [2, 1, 0, 0], 1),
            summary(20, 2, 2, [1, 0, 1, 0], 1),
            summary(30, 2, 2, [1, 0, 0, 1], 0),
            summary(40, 0, 1, [0, 0, 0, 0], 0),
        ]
    );
    assert_eq!(
        ev.totals,
        BTreeMap::from([
            (Done, 2),
            (InProgress, 1),
            (NoData, 1),
            (Lagging, 1),
            (OnSchedule, 1),
            (Overdue, 1)
        ])
    );
    assert_eq!(
        ev.colours,
        BTreeMap::from([
            (Colour::Green, 4),
            (Colour::Grey, 1),
            (Colour::Yellow, 1),
            (Colour::Red, 1)
        ])
    );
    assert_eq!(ev.tasks.len(), ev.totals.values().sum::<usize>());
    // Reporting beside it: task 4 was not reported, task 6 has no lead, task 7 no round.
    assert_eq!(
        ev.reporting,
        BTreeMap::from([
            (Reporting::OnTime, 4),
            (Reporting::Missing, 1),
            (Reporting::NotRequired, 1)
        ])
    );
    assert_eq!(ev.tasks[3].reporting, Some(Reporting::Missing));
    assert_eq!(ev.tasks[6].reporting, None);
}

/// The same snapshot later: the lagging task is overdue, the met level is still met, the open
/// milestone is overdue.
#[test]
fn evaluation_after_the_deadline() {
    let ev = evaluate(&snapshot(), day(101));
    assert_eq!(
        ev.tasks.iter().map(|t| t.status).collect::<Vec<_>>(),
        [Done, Overdue, Overdue, Done, NoData, Overdue, Overdue]
    );
    assert_eq!(
        ev.colours,
        BTreeMap::from([(Colour::Green, 2), (Colour::Grey, 1), (Colour::Red, 4)])
    );
    assert_eq!(ev.units[0], summary(10, 3, 0, [2, 0, 1, 0], 1));
    assert_eq!(ev.units[1], summary(20, 2, 2, [1, 0, 1, 0], 1));
    assert_eq!(ev.units[2], summary(30, 2, 2, [0, 0, 1, 1], 0));
}

#[test]
fn evaluation_of_nothing() {
    let ev = evaluate(
        &Snapshot {
            plan: plan(),
            tasks: vec![],
        },
        day(50),
    );
    assert!(ev.tasks.is_empty() && ev.units.is_empty());
    assert!(ev.totals.is_empty() && ev.colours.is_empty());
}
