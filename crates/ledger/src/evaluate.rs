//! The judgement of progress (序时进度): a pure function of a ledger snapshot and a date.
//!
//! For each target, with `e` the elapsed share of its time — (as_of − start) / (deadline −
//! start), clipped to [0, 1], start being the plan's start and deadline the target's (after
//! granted extensions), else the plan's end:
//! - `cumulative`: progress `p` = actual / target; done when `p ≥ 1`. Before or on the deadline
//!   the gap `g = (e − p) × 100` percentage points decides: on schedule when `g ≤ lag_pp`,
//!   lagging when `g ≤ serious_pp`, seriously lagging beyond. After the deadline: overdue.
//! - `level`, `growth`, `class`: the latest value against the bound: met, or not met (missed
//!   once the deadline has passed).
//! - `limit`: the latest value — or, for an annual or average bound (年均, 均值, 平均), the mean
//!   of the values so far — against the bound: met; a mean that breaks the bound is at risk
//!   before the deadline and missed after it.
//! - milestones: done, in progress, or overdue after the deadline (a milestone without a date
//!   falls due at the plan's end).
//! - hardness: a firm (确保) target is judged one grade worse: lagging becomes seriously
//!   lagging, not met becomes missed.
//! - a task is as bad as its worst target or milestone.
//! - a target linked to monitoring data (water, air, statistics) is judged from that data
//!   instead of units' reports ([`Monitored`], decided by `environment::judge`).
//!
//! Reporting is a second fact beside progress, never a replacement for it: in a round each
//! task also has a [`Reporting`] state (按时报送, 逾期报送, 待审核, 退回待重报, 未报送, 无需报送)
//! from its lead unit's report. A task whose unit did not report keeps the progress judgement
//! of its latest accepted values and is shown as both ("严重滞后 · 本期未报送"). The progress
//! judgement reads accepted values only; a report awaiting review changes nothing until the
//! office accepts it.
//!
//! Colours: green done/on schedule/met/in progress, yellow lagging/not met/at risk, red
//! seriously lagging/overdue/missed, grey no data/not started.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{
    Cmp, Hardness, MilestoneId, PlanSettings, ReportState, TargetId, TargetKind, TaskId, UnitId,
};

/// What the evaluation needs to know of a plan.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub settings: PlanSettings,
}

/// A target with its accepted values.
#[derive(Debug, Clone)]
pub struct TargetView {
    pub id: TargetId,
    pub value: f64,
    pub cmp: Cmp,
    pub hardness: Hardness,
    pub kind: TargetKind,
    /// The deadline in force (a granted extension replaces the plan's), or None for the plan's
    /// end.
    pub deadline: Option<NaiveDate>,
    /// Whether the bound is on a mean (年均, 年度均值, 平均).
    pub mean: bool,
    /// Accepted values by the as-of date of their round, ascending by date.
    pub series: Vec<(NaiveDate, f64)>,
    /// The judgement from monitoring data, for a target linked to a site; it replaces the
    /// judgement from reported values.
    pub monitored: Option<Monitored>,
}

/// A target's judgement from monitoring data (see `environment::judge`).
#[derive(Debug, Clone, PartialEq)]
pub struct Monitored {
    pub status: Status,
    pub reason: String,
    pub value: Option<f64>,
}

/// A lead unit's report on a task in the round being judged: its state and whether it came
/// after the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadReport {
    pub state: ReportState,
    pub late: bool,
}

/// A milestone with its state from accepted reports.
#[derive(Debug, Clone)]
pub struct MilestoneView {
    pub id: MilestoneId,
    pub deadline: Option<NaiveDate>,
    /// The date it was reported done (from an accepted report), if it was.
    pub done_on: Option<NaiveDate>,
}

/// A task with its targets and milestones.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub id: TaskId,
    pub code: String,
    pub lead: Vec<UnitId>,
    pub support: Vec<UnitId>,
    pub targets: Vec<TargetView>,
    pub milestones: Vec<MilestoneView>,
    /// For the round being judged: the lead units' reports in it (none yet: empty). None when
    /// no round is being judged.
    pub round_reports: Option<Vec<LeadReport>>,
    /// Whether any report on the task was ever accepted (a task without targets is otherwise
    /// without data).
    pub any_accepted: bool,
}

/// Everything the evaluation reads.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub plan: PlanView,
    pub tasks: Vec<TaskView>,
}

/// The judgement of one target, task or milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Met,
    OnSchedule,
    InProgress,
    NotStarted,
    NoData,
    NotMet,
    AtRisk,
    Lagging,
    SeriouslyLagging,
    Missed,
    Overdue,
}

/// The colour of a status on the desk and in bulletins.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    Green,
    #[default]
    Grey,
    Yellow,
    Red,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Done,
        Status::Met,
        Status::OnSchedule,
        Status::InProgress,
        Status::NotStarted,
        Status::NoData,
        Status::NotMet,
        Status::AtRisk,
        Status::Lagging,
        Status::SeriouslyLagging,
        Status::Missed,
        Status::Overdue,
    ];

    /// The Chinese label used on the desk and in bulletins.
    pub fn label(self) -> &'static str {
        match self {
            Status::Done => "已完成",
            Status::Met => "达标",
            Status::OnSchedule => "序时推进",
            Status::InProgress => "推进中",
            Status::NotStarted => "未开始",
            Status::NoData => "无数据",
            Status::NotMet => "未达标",
            Status::AtRisk => "有风险",
            Status::Lagging => "滞后",
            Status::SeriouslyLagging => "严重滞后",
            Status::Missed => "未完成目标",
            Status::Overdue => "逾期未完成",
        }
    }

    pub fn colour(self) -> Colour {
        match self {
            Status::Done | Status::Met | Status::OnSchedule | Status::InProgress => Colour::Green,
            Status::NotStarted | Status::NoData => Colour::Grey,
            Status::NotMet | Status::AtRisk | Status::Lagging => Colour::Yellow,
            Status::SeriouslyLagging | Status::Missed | Status::Overdue => Colour::Red,
        }
    }

    /// How bad a status is, for "a task is as bad as its worst part". Grey statuses without
    /// data rank below every judged status except the greens.
    pub fn severity(self) -> u8 {
        match self {
            Status::Done => 0,
            Status::Met => 1,
            Status::OnSchedule => 2,
            Status::InProgress => 3,
            Status::NotStarted => 4,
            Status::NoData => 5,
            Status::NotMet => 6,
            Status::AtRisk => 7,
            Status::Lagging => 8,
            Status::SeriouslyLagging => 9,
            Status::Missed => 10,
            Status::Overdue => 11,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Met => "met",
            Status::OnSchedule => "on_schedule",
            Status::InProgress => "in_progress",
            Status::NotStarted => "not_started",
            Status::NoData => "no_data",
            Status::NotMet => "not_met",
            Status::AtRisk => "at_risk",
            Status::Lagging => "lagging",
            Status::SeriouslyLagging => "seriously_lagging",
            Status::Missed => "missed",
            Status::Overdue => "overdue",
        }
    }

    /// Whether the task needs attention: lagging, not met, at risk, seriously lagging, missed
    /// or overdue (the yellow and red statuses).
    pub fn behind(self) -> bool {
        matches!(self.colour(), Colour::Yellow | Colour::Red)
    }

    /// One grade worse, for firm (确保) targets.
    fn escalate(self) -> Status {
        match self {
            Status::Lagging => Status::SeriouslyLagging,
            Status::NotMet | Status::AtRisk => Status::Missed,
            s => s,
        }
    }
}

impl Colour {
    pub fn label(self) -> &'static str {
        match self {
            Colour::Green => "绿",
            Colour::Yellow => "黄",
            Colour::Red => "红",
            Colour::Grey => "灰",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
            Colour::Grey => "grey",
        }
    }
}

/// A task's reporting state in a round: the second fact beside its progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporting {
    /// The lead unit's report was accepted, submitted by the due date.
    OnTime,
    /// Accepted, but submitted after the due date.
    Late,
    /// Submitted and awaiting the office's review; its figures do not count yet.
    AwaitingReview,
    /// Returned by the office and not submitted again.
    Returned,
    /// Nothing submitted (nothing, or a draft).
    Missing,
    /// Nobody owes a report (the task has no lead unit).
    NotRequired,
}

impl Reporting {
    pub const ALL: [Reporting; 6] = [
        Reporting::OnTime,
        Reporting::Late,
        Reporting::AwaitingReview,
        Reporting::Returned,
        Reporting::Missing,
        Reporting::NotRequired,
    ];

    /// The state of a task from its lead units' reports in the round (the most advanced one
    /// counts when a task has several lead units).
    pub fn of(has_lead: bool, reports: &[LeadReport]) -> Reporting {
        if !has_lead {
            return Reporting::NotRequired;
        }
        let rank = |r: &LeadReport| match r.state {
            ReportState::Accepted => 3,
            ReportState::Submitted => 2,
            ReportState::Returned => 1,
            ReportState::Draft => 0,
        };
        match reports.iter().max_by_key(|r| rank(r)) {
            Some(r) => match r.state {
                ReportState::Accepted if r.late => Reporting::Late,
                ReportState::Accepted => Reporting::OnTime,
                ReportState::Submitted => Reporting::AwaitingReview,
                ReportState::Returned => Reporting::Returned,
                ReportState::Draft => Reporting::Missing,
            },
            None => Reporting::Missing,
        }
    }

    /// 按时报送 / 逾期报送 / 待审核 / 退回待重报 / 未报送 / 无需报送
    pub fn label(self) -> &'static str {
        match self {
            Reporting::OnTime => "按时报送",
            Reporting::Late => "逾期报送",
            Reporting::AwaitingReview => "待审核",
            Reporting::Returned => "退回待重报",
            Reporting::Missing => "未报送",
            Reporting::NotRequired => "无需报送",
        }
    }

    /// How a round's state reads beside a progress judgement: "本期未报送", "本期待审核".
    pub fn phrase(self) -> String {
        format!("本期{}", self.label())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reporting::OnTime => "on_time",
            Reporting::Late => "late",
            Reporting::AwaitingReview => "awaiting_review",
            Reporting::Returned => "returned",
            Reporting::Missing => "missing",
            Reporting::NotRequired => "not_required",
        }
    }

    /// Whether the unit owes something in the round: nothing submitted, or returned.
    pub fn owing(self) -> bool {
        matches!(self, Reporting::Missing | Reporting::Returned)
    }
}

/// Which rule decided a judgement (stable codes for tests and reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    BeforeStart,
    NoValue,
    CumulativeDone,
    CumulativeBands,
    CumulativeOverdue,
    BoundMet,
    BoundNotMet,
    BoundMissedAfterDeadline,
    MeanBreaksBound,
    MilestoneDone,
    MilestoneOpen,
    MilestoneOverdue,
    FirmEscalated,
    Monitored,
    WorstPart,
    NoCommitments,
}

/// The judgement of one target, with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetStatus {
    pub target_id: TargetId,
    pub status: Status,
    pub colour: Colour,
    pub rule: Rule,
    /// The elapsed share of the target's time, 0–1.
    pub elapsed: f64,
    /// actual / target for cumulative targets.
    pub progress: Option<f64>,
    /// (elapsed − progress) × 100, in percentage points, for cumulative targets.
    pub gap_pp: Option<f64>,
    /// The value judged (latest, or the mean so far).
    pub actual: Option<f64>,
    /// The deadline applied.
    pub deadline: NaiveDate,
    /// A sentence in Chinese that says why.
    pub reason: String,
}

/// The judgement of one milestone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneStatus {
    pub milestone_id: MilestoneId,
    pub status: Status,
    pub colour: Colour,
    pub rule: Rule,
    pub deadline: NaiveDate,
    pub reason: String,
}

/// The judgement of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub task_id: TaskId,
    pub code: String,
    pub status: Status,
    pub colour: Colour,
    pub rule: Rule,
    pub reason: String,
    pub targets: Vec<TargetStatus>,
    pub milestones: Vec<MilestoneStatus>,
    /// The reporting state in the round judged (None when no round is judged).
    pub reporting: Option<Reporting>,
}

impl TaskStatus {
    /// Both facts in words, as every view shows them: "严重滞后 · 本期未报送"; the progress
    /// judgement alone when the round's report is in (accepted) or no round is judged.
    pub fn label_with_reporting(&self) -> String {
        match self.reporting {
            Some(r) if r != Reporting::OnTime && r != Reporting::NotRequired => {
                format!("{} · {}", self.status.label(), r.phrase())
            }
            _ => self.status.label().to_string(),
        }
    }
}

/// Counts per unit: tasks it leads, by colour, and its missing reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSummary {
    pub unit_id: UnitId,
    pub led: usize,
    pub supported: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
    /// Tasks it leads, by reporting state in the round being judged.
    pub not_reported: usize,
    pub returned: usize,
    pub awaiting_review: usize,
    pub late: usize,
}

/// The whole judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub as_of: NaiveDate,
    pub tasks: Vec<TaskStatus>,
    pub units: Vec<UnitSummary>,
    /// Tasks by status.
    pub totals: BTreeMap<Status, usize>,
    /// Tasks by colour.
    pub colours: BTreeMap<Colour, usize>,
    /// Tasks by reporting state in the round judged (empty when no round is judged).
    pub reporting: BTreeMap<Reporting, usize>,
}

impl Evaluation {
    /// Tasks with a status (0 when none).
    pub fn count(&self, s: Status) -> usize {
        self.totals.get(&s).copied().unwrap_or(0)
    }

    /// Tasks of a colour (0 when none).
    pub fn colour_count(&self, c: Colour) -> usize {
        self.colours.get(&c).copied().unwrap_or(0)
    }

    /// Tasks in a reporting state (0 when none).
    pub fn reporting_count(&self, r: Reporting) -> usize {
        self.reporting.get(&r).copied().unwrap_or(0)
    }
}

fn elapsed(start: NaiveDate, deadline: NaiveDate, as_of: NaiveDate) -> f64 {
    let total = (deadline - start).num_days();
    if total <= 0 {
        return if as_of >= deadline { 1.0 } else { 0.0 };
    }
    ((as_of - start).num_days() as f64 / total as f64).clamp(0.0, 1.0)
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn cmp_word(c: Cmp) -> &'static str {
    match c {
        Cmp::AtLeast => "不低于",
        Cmp::AtMost => "不高于",
        Cmp::About => "约",
        Cmp::Equal => "稳定在",
    }
}

/// Slack for comparing computed figures with thresholds, so that a value exactly on a
/// threshold (a gap of 10 pp, 0.084 against 0.08 ± 5%) is not pushed across it by rounding
/// in binary floating point.
const EPS: f64 = 1e-9;

/// Whether `actual` satisfies the bound `value` under `cmp`.
fn bound_met(actual: f64, value: f64, cmp: Cmp, tolerance_pct: f64) -> bool {
    let tol = value.abs() * tolerance_pct / 100.0;
    let eps = EPS * value.abs().max(1.0);
    match cmp {
        Cmp::AtLeast => actual >= value - eps,
        Cmp::AtMost => actual <= value + eps,
        // "左右": at least the value less the tolerance (more is better for a commitment); for
        // a reduction ("下降3%左右", value −3) at most the value plus the tolerance.
        Cmp::About if value < 0.0 => actual <= value + tol + eps,
        Cmp::About => actual >= value - tol - eps,
        Cmp::Equal => (actual - value).abs() <= tol + eps,
    }
}

/// Judges one target as of a date.
pub fn evaluate_target(plan: &PlanView, t: &TargetView, as_of: NaiveDate) -> TargetStatus {
    let deadline = t.deadline.unwrap_or(plan.end);
    let e = elapsed(plan.start, deadline, as_of);
    let s = &plan.settings;
    let upto = t.series.partition_point(|(d, _)| *d <= as_of);
    let seen = &t.series[..upto];
    let latest = seen.last().map(|(_, v)| *v);
    let mut out = TargetStatus {
        target_id: t.id,
        status: Status::NoData,
        colour: Colour::Grey,
        rule: Rule::NoValue,
        elapsed: e,
        progress: None,
        gap_pp: None,
        actual: latest,
        deadline,
        reason: String::new(),
    };
    let past = as_of > deadline;
    if let Some(m) = &t.monitored {
        out.status = m.status;
        out.colour = m.status.colour();
        out.rule = Rule::Monitored;
        out.reason = format!("【监测数据】{}", m.reason);
        out.actual = m.value;
        return out;
    }
    if as_of < plan.start && seen.is_empty() {
        out.status = Status::NotStarted;
        out.rule = Rule::BeforeStart;
        out.reason = format!("方案自 {} 起实施，尚未开始", plan.start);
        return finish(out, t.hardness);
    }
    match t.kind {
        TargetKind::Cumulative => {
            let actual = latest.unwrap_or(0.0);
            if latest.is_none() && !past && e * 100.0 <= s.lag_pp + EPS {
                out.reason = "尚无报送数据".into();
                return finish(out, t.hardness);
            }
            let p = if t.value > 0.0 { actual / t.value } else { 1.0 };
            let g = (e - p) * 100.0;
            out.progress = Some(p);
            out.gap_pp = Some(g);
            out.actual = Some(actual);
            if p >= 1.0 {
                out.status = Status::Done;
                out.rule = Rule::CumulativeDone;
                out.reason = format!(
                    "已完成{}（目标{}），完成率{:.1}%",
                    fmt_num(actual),
                    fmt_num(t.value),
                    p * 100.0
                );
            } else if past {
                out.status = Status::Overdue;
                out.rule = Rule::CumulativeOverdue;
                out.reason = format!(
                    "已过完成时限 {deadline}，完成{}（目标{}），完成率{:.1}%",
                    fmt_num(actual),
                    fmt_num(t.value),
                    p * 100.0
                );
            } else {
                out.rule = Rule::CumulativeBands;
                out.status = if g <= s.lag_pp + EPS {
                    Status::OnSchedule
                } else if g <= s.serious_pp + EPS {
                    Status::Lagging
                } else {
                    Status::SeriouslyLagging
                };
                let data = if latest.is_none() {
                    "尚无报送数据，"
                } else {
                    ""
                };
                let gap = if g > 0.0 {
                    format!("落后序时进度{g:.1}个百分点")
                } else {
                    format!("快于序时进度{:.1}个百分点", -g)
                };
                out.reason = format!(
                    "{data}时间进度{:.1}%，完成率{:.1}%，{gap}",
                    e * 100.0,
                    p * 100.0
                );
            }
        }
        TargetKind::Level | TargetKind::Growth | TargetKind::Class | TargetKind::Limit => {
            let mean_based = t.mean && !seen.is_empty();
            let actual = if mean_based {
                Some(seen.iter().map(|(_, v)| v).sum::<f64>() / seen.len() as f64)
            } else {
                latest
            };
            let Some(actual) = actual else {
                out.reason = if past {
                    format!("已过完成时限 {deadline}，仍无报送数据")
                } else {
                    "尚无报送数据".into()
                };
                if past {
                    out.status = Status::Missed;
                    out.rule = Rule::BoundMissedAfterDeadline;
                }
                return finish(out, t.hardness);
            };
            out.actual = Some(actual);
            let what = if mean_based { "均值" } else { "最新值" };
            let bound = format!("{}{}", cmp_word(t.cmp), fmt_num(t.value));
            if bound_met(actual, t.value, t.cmp, s.about_tolerance_pct) {
                out.status = Status::Met;
                out.rule = Rule::BoundMet;
                out.reason = format!("{what}{}，目标{bound}，达标", fmt_num(actual));
            } else if past {
                out.status = Status::Missed;
                out.rule = Rule::BoundMissedAfterDeadline;
                out.reason = format!(
                    "已过时限 {deadline}，{what}{}，目标{bound}，未达标",
                    fmt_num(actual)
                );
            } else if mean_based && t.kind == TargetKind::Limit {
                out.status = Status::AtRisk;
                out.rule = Rule::MeanBreaksBound;
                out.reason = format!(
                    "截至目前{what}{}，超出目标{bound}，全年达标有风险",
                    fmt_num(actual)
                );
            } else {
                out.status = Status::NotMet;
                out.rule = Rule::BoundNotMet;
                out.reason = format!("{what}{}，目标{bound}，暂未达标", fmt_num(actual));
            }
        }
    }
    finish(out, t.hardness)
}

fn finish(mut out: TargetStatus, hardness: Hardness) -> TargetStatus {
    if hardness == Hardness::Firm {
        let worse = out.status.escalate();
        if worse != out.status {
            out.status = worse;
            out.rule = Rule::FirmEscalated;
            out.reason.push_str("；确保类目标，从严判定");
        }
    }
    out.colour = out.status.colour();
    out
}

/// Judges one milestone as of a date.
pub fn evaluate_milestone(plan: &PlanView, m: &MilestoneView, as_of: NaiveDate) -> MilestoneStatus {
    let deadline = m.deadline.unwrap_or(plan.end);
    let (status, rule, reason) = match m.done_on {
        Some(d) if d <= as_of => (Status::Done, Rule::MilestoneDone, format!("已于 {d} 完成")),
        _ if as_of > deadline => (
            Status::Overdue,
            Rule::MilestoneOverdue,
            format!("已过时限 {deadline}，尚未完成"),
        ),
        _ if as_of < plan.start => (Status::NotStarted, Rule::BeforeStart, "尚未开始".into()),
        _ => (
            Status::InProgress,
            Rule::MilestoneOpen,
            format!("推进中，时限 {deadline}"),
        ),
    };
    MilestoneStatus {
        milestone_id: m.id,
        status,
        colour: status.colour(),
        rule,
        deadline,
        reason,
    }
}

/// Judges a task: its progress (its worst part) and its reporting state in the round.
pub fn evaluate_task(plan: &PlanView, t: &TaskView, as_of: NaiveDate) -> TaskStatus {
    let targets: Vec<TargetStatus> = t
        .targets
        .iter()
        .map(|x| evaluate_target(plan, x, as_of))
        .collect();
    let milestones: Vec<MilestoneStatus> = t
        .milestones
        .iter()
        .map(|m| evaluate_milestone(plan, m, as_of))
        .collect();
    let worst = targets
        .iter()
        .map(|s| (s.status, s.reason.as_str()))
        .chain(milestones.iter().map(|s| (s.status, s.reason.as_str())))
        .max_by_key(|(s, _)| s.severity());
    let (status, rule, reason) = match worst {
        Some((s, r)) => (s, Rule::WorstPart, r.to_string()),
        None if as_of < plan.start => (
            Status::NotStarted,
            Rule::BeforeStart,
            "尚未开始".to_string(),
        ),
        None if t.any_accepted => (
            Status::InProgress,
            Rule::NoCommitments,
            "无量化目标，按报送情况推进中".to_string(),
        ),
        None => (
            Status::NoData,
            Rule::NoCommitments,
            "无量化目标，尚无报送".to_string(),
        ),
    };
    let reporting = t
        .round_reports
        .as_ref()
        .map(|r| Reporting::of(!t.lead.is_empty(), r));
    TaskStatus {
        task_id: t.id,
        code: t.code.clone(),
        status,
        colour: status.colour(),
        rule,
        reason,
        targets,
        milestones,
        reporting,
    }
}

/// Judges every task of a snapshot as of a date, with per-unit and overall counts.
pub fn evaluate(snapshot: &Snapshot, as_of: NaiveDate) -> Evaluation {
    let tasks: Vec<TaskStatus> = snapshot
        .tasks
        .iter()
        .map(|t| evaluate_task(&snapshot.plan, t, as_of))
        .collect();
    let mut units: BTreeMap<UnitId, UnitSummary> = BTreeMap::new();
    let mut totals = BTreeMap::new();
    let mut colours = BTreeMap::new();
    let mut reporting = BTreeMap::new();
    for (t, s) in snapshot.tasks.iter().zip(&tasks) {
        *totals.entry(s.status).or_insert(0) += 1;
        *colours.entry(s.colour).or_insert(0) += 1;
        if let Some(r) = s.reporting {
            *reporting.entry(r).or_insert(0) += 1;
        }
        for &u in &t.lead {
            let e = units.entry(u).or_insert_with(|| UnitSummary {
                unit_id: u,
                ..Default::default()
            });
            e.led += 1;
            match s.colour {
                Colour::Green => e.green += 1,
                Colour::Yellow => e.yellow += 1,
                Colour::Red => e.red += 1,
                Colour::Grey => e.grey += 1,
            }
            match s.reporting {
                Some(Reporting::Missing) => e.not_reported += 1,
                Some(Reporting::Returned) => e.returned += 1,
                Some(Reporting::AwaitingReview) => e.awaiting_review += 1,
                Some(Reporting::Late) => e.late += 1,
                _ => {}
            }
        }
        for &u in &t.support {
            units
                .entry(u)
                .or_insert_with(|| UnitSummary {
                    unit_id: u,
                    ..Default::default()
                })
                .supported += 1;
        }
    }
    Evaluation {
        as_of,
        tasks,
        units: units.into_values().collect(),
        totals,
        colours,
        reporting,
    }
}

/// Whether a target's bound is on a mean (年均, 年度均值, 平均), from its text.
pub fn is_mean_bound(text: &str, metric: &str) -> bool {
    ["年均", "均值", "平均"]
        .iter()
        .any(|w| text.contains(w) || metric.contains(w))
}
