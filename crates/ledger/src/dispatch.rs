//! The dispatch cycle's rules, pure: unit scores by deduction rules (排名), the supervision
//! notices the rules propose (督办), the reminders due (催报), and the rounds a schedule opens.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::evaluate::{Evaluation, Status};
use crate::model::{NoticeLevel, RoundId, TaskId, UnitId};

/// The written deduction rules an office sets for scoring units. A round's bulletin ranks that
/// round ("本期"); the year to date is a separate, labelled ranking. Every field is a plan
/// setting; fields missing from older settings take the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeductionRules {
    /// Points every unit starts from.
    pub base: f64,
    /// A lead unit's missing report (nothing submitted by the ranking).
    pub missing_lead: f64,
    /// A support unit's missing contribution (0 by default: the lead consolidates).
    pub missing_support: f64,
    /// A lead unit's late report.
    pub late_lead: f64,
    /// A support unit's late contribution.
    pub late_support: f64,
    /// A report the office returned and the unit has not submitted again (退回未重报).
    pub returned_unresubmitted: f64,
    /// A task the unit leads that is lagging (滞后, 未达标, 有风险) at the date of the ranking.
    pub lagging_task: f64,
    /// … seriously lagging (严重滞后).
    pub seriously_lagging_task: f64,
    /// … overdue or missed (逾期未完成, 未完成目标).
    pub overdue_task: f64,
    /// A report the office returned (退回), per return, even when submitted again.
    pub returned: f64,
}

impl Default for DeductionRules {
    /// The rules of the design brief: a missing report −10, a late one −5 for the lead unit and
    /// −2.5 for a support unit, a report returned and not submitted again −5, a led task
    /// lagging −2, seriously lagging −5, overdue −5.
    fn default() -> Self {
        DeductionRules {
            base: 100.0,
            missing_lead: 10.0,
            missing_support: 0.0,
            late_lead: 5.0,
            late_support: 2.5,
            returned_unresubmitted: 5.0,
            lagging_task: 2.0,
            seriously_lagging_task: 5.0,
            overdue_task: 5.0,
            returned: 0.0,
        }
    }
}

impl DeductionRules {
    /// The rules in words, one line each, as printed under a ranking (rules of 0 points are
    /// left out).
    pub fn describe(&self) -> Vec<String> {
        let n = |v: f64| {
            let t = format!("{v:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        };
        let mut out = vec![format!("各单位基础分{}分", n(self.base))];
        for (what, points) in [
            ("牵头任务未报送", self.missing_lead),
            ("配合任务未报送", self.missing_support),
            ("牵头任务逾期报送", self.late_lead),
            ("配合任务逾期报送", self.late_support),
            ("报告被退回后未重报", self.returned_unresubmitted),
            ("报告被退回", self.returned),
            ("牵头任务滞后（含未达标、有风险）", self.lagging_task),
            ("牵头任务严重滞后", self.seriously_lagging_task),
            ("牵头任务逾期未完成或未完成目标", self.overdue_task),
        ] {
            if points > 0.0 {
                out.push(format!("{what}每项扣{}分", n(points)));
            }
        }
        out
    }
}

/// What a unit did in one round for one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    Missing,
    OnTime,
    Late,
    /// Returned by the office and not submitted again (退回未重报).
    Returned,
}

/// One unit's part in one task in one round, for scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct Duty {
    pub round_id: RoundId,
    pub unit_id: UnitId,
    pub lead: bool,
    pub submission: Submission,
    /// How often the office returned this report.
    pub returns: u32,
}

/// A unit's score and the deductions that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    pub unit_id: UnitId,
    pub score: f64,
    pub rank: usize,
    /// (what, count, points), e.g. ("未报送", 1, 10.0)
    pub deductions: Vec<(String, u32, f64)>,
}

/// Scores the units that lead at least one task (`leads`: task → its lead units): every duty
/// given (the caller picks the rounds: one for "本期", the year's for the year to date), and the
/// tasks each leads that lag, lag seriously or are overdue in `eval`. Units that lead nothing
/// are not ranked (the caller lists them apart). Ties share a rank (1, 2, 2, 4) and are listed
/// by unit id.
pub fn score_units(
    rules: &DeductionRules,
    duties: &[Duty],
    eval: Option<&Evaluation>,
    leads: &BTreeMap<TaskId, Vec<UnitId>>,
) -> Vec<UnitScore> {
    let leaders: std::collections::BTreeSet<UnitId> = leads.values().flatten().copied().collect();
    let mut counts: BTreeMap<UnitId, BTreeMap<&'static str, (u32, f64)>> =
        leaders.iter().map(|&u| (u, BTreeMap::new())).collect();
    let mut add = |unit: UnitId, what: &'static str, n: u32, points: f64| {
        if let Some(c) = counts.get_mut(&unit) {
            let e = c.entry(what).or_insert((0, 0.0));
            e.0 += n;
            e.1 += points * f64::from(n);
        }
    };
    for d in duties {
        match (d.submission, d.lead) {
            (Submission::Missing, true) => add(d.unit_id, "未报送", 1, rules.missing_lead),
            (Submission::Missing, false) => add(d.unit_id, "配合未报送", 1, rules.missing_support),
            (Submission::Late, true) => add(d.unit_id, "逾期报送", 1, rules.late_lead),
            (Submission::Late, false) => add(d.unit_id, "配合逾期报送", 1, rules.late_support),
            (Submission::Returned, _) => {
                add(d.unit_id, "退回未重报", 1, rules.returned_unresubmitted)
            }
            (Submission::OnTime, _) => {}
        }
        if d.returns > 0 {
            add(d.unit_id, "报告被退回", d.returns, rules.returned);
        }
    }
    if let Some(eval) = eval {
        for t in &eval.tasks {
            let rule = match t.status {
                Status::Overdue | Status::Missed => Some(("牵头任务逾期", rules.overdue_task)),
                Status::SeriouslyLagging => {
                    Some(("牵头任务严重滞后", rules.seriously_lagging_task))
                }
                Status::Lagging | Status::NotMet | Status::AtRisk => {
                    Some(("牵头任务滞后", rules.lagging_task))
                }
                _ => None,
            };
            if let Some((what, points)) = rule {
                for &u in leads.get(&t.task_id).into_iter().flatten() {
                    add(u, what, 1, points);
                }
            }
        }
    }
    let mut scores: Vec<UnitScore> = counts
        .into_iter()
        .map(|(unit_id, items)| {
            let deductions: Vec<(String, u32, f64)> = items
                .into_iter()
                .filter(|(_, (_, p))| *p > 0.0)
                .map(|(w, (n, p))| (w.to_string(), n, p))
                .collect();
            let total: f64 = deductions.iter().map(|d| d.2).sum();
            UnitScore {
                unit_id,
                score: rules.base - total,
                rank: 0,
                deductions,
            }
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.unit_id.cmp(&b.unit_id)));
    let mut last: Option<(f64, usize)> = None;
    for (i, s) in scores.iter_mut().enumerate() {
        s.rank = match last {
            Some((score, rank)) if (score - s.score).abs() < 1e-9 => rank,
            _ => i + 1,
        };
        last = Some((s.score, s.rank));
    }
    scores
}

/// A notice the rules propose for a task and its lead unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub level: NoticeLevel,
    /// Why, in Chinese, for the notice's body.
    pub reason: String,
}

/// What the rules need to know about one task in the round being judged.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFacts {
    pub task_id: TaskId,
    pub code: String,
    pub lead: Option<UnitId>,
    /// Its progress now, and in the previous round (if judged).
    pub status: Status,
    pub previous: Option<Status>,
    /// Rounds in a row, up to this one, in which the lead unit owed its report (nothing
    /// submitted, or returned and not submitted again); this round counts once its due date
    /// has passed.
    pub unreported_rounds: u32,
    /// The nearest open deadline of its targets and milestones not yet done.
    pub next_deadline: Option<NaiveDate>,
    /// The lead unit's report this round says nothing of substance: no value changed, no
    /// milestone moved, and a narrative shorter than a sentence.
    pub empty_report: bool,
}

fn lagging(s: Status) -> bool {
    matches!(
        s,
        Status::Lagging | Status::SeriouslyLagging | Status::NotMet | Status::AtRisk
    )
}

/// The notices the rules propose (the office decides whether to issue), from the progress
/// judgement whether or not the unit reported: red when seriously lagging, overdue or missed,
/// or lagging two rounds running; yellow when lagging, when the lead unit owed its report two
/// rounds running, or when its report is empty of substance; blue when a deadline is within
/// `near_days`. One proposal per task, the most severe.
pub fn propose_notices(facts: &[TaskFacts], as_of: NaiveDate, near_days: i64) -> Vec<Proposal> {
    let mut out = Vec::new();
    for f in facts {
        let Some(unit_id) = f.lead else { continue };
        let (level, reason) = if matches!(
            f.status,
            Status::Overdue | Status::Missed | Status::SeriouslyLagging
        ) {
            (
                NoticeLevel::Red,
                format!("任务 {} {}，请立即采取措施", f.code, f.status.label()),
            )
        } else if lagging(f.status) && f.previous.is_some_and(lagging) {
            (
                NoticeLevel::Red,
                format!("任务 {} 连续两期{}", f.code, f.status.label()),
            )
        } else if lagging(f.status) {
            (
                NoticeLevel::Yellow,
                format!("任务 {} {}，落后于序时进度", f.code, f.status.label()),
            )
        } else if f.unreported_rounds >= 2 {
            (
                NoticeLevel::Yellow,
                format!("任务 {} 连续{}期未报送进展", f.code, f.unreported_rounds),
            )
        } else if f.empty_report {
            (
                NoticeLevel::Yellow,
                format!("任务 {} 本期报送内容空泛，无实质进展", f.code),
            )
        } else if let Some(d) = f
            .next_deadline
            .filter(|d| *d >= as_of && (*d - as_of).num_days() <= near_days)
        {
            (
                NoticeLevel::Blue,
                format!("任务 {} 将于 {d} 到期，请确保按时完成", f.code),
            )
        } else {
            continue;
        };
        out.push(Proposal {
            task_id: f.task_id,
            unit_id,
            level,
            reason,
        });
    }
    out
}

/// The kinds of reminder (催报).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Before the due date.
    DueSoon,
    /// On the day after the due date.
    Overdue,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueSoon => "due_soon",
            ReminderKind::Overdue => "overdue",
        }
    }
}

/// The reminders due today for a round: a unit that has not submitted every report it owes
/// gets `DueSoon` from `days_before` days before the due date, and `Overdue` after it. The
/// caller keeps each (round, unit, kind) to once.
pub fn reminders_due(
    due: NaiveDate,
    today: NaiveDate,
    days_before: i64,
    units_owing: &[UnitId],
) -> Vec<(UnitId, ReminderKind)> {
    let kind = if today > due {
        ReminderKind::Overdue
    } else if (due - today).num_days() <= days_before {
        ReminderKind::DueSoon
    } else {
        return vec![];
    };
    units_owing.iter().map(|&u| (u, kind)).collect()
}

/// How often rounds open by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Monthly,
    Quarterly,
}

/// A round schedule: rounds as of each month's (or quarter's) end, due `due_working_days`
/// working days later by China's official calendar ([`crate::calendar`]; Monday–Friday in
/// years outside its table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub frequency: Frequency,
    pub due_working_days: u32,
}

/// A round the schedule calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledRound {
    pub name: String,
    pub as_of: NaiveDate,
    pub due: NaiveDate,
}

/// Adds working days by China's official calendar ([`crate::calendar`]: public holidays and
/// 调休 working days of the years in its table; Monday–Friday for other years).
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    crate::calendar::add_working_days(from, days)
}

/// The scheduled round whose as-of date is the latest one not after `today` within the plan's
/// period, if any: the round that should be open now.
pub fn scheduled_round(
    schedule: &Schedule,
    period_start: NaiveDate,
    period_end: NaiveDate,
    today: NaiveDate,
) -> Option<ScheduledRound> {
    let step = match schedule.frequency {
        Frequency::Monthly => 1,
        Frequency::Quarterly => 3,
    };
    let mut found = None;
    let mut y = period_start.year();
    let mut m = period_start.month();
    loop {
        // The end of the period (month or quarter) that starts at (y, m).
        let mut em = m + step - 1;
        let mut ey = y;
        while em > 12 {
            em -= 12;
            ey += 1;
        }
        let end = NaiveDate::from_ymd_opt(ey, em, 1)?.checked_add_months(chrono::Months::new(1))?
            - Duration::days(1);
        if end > today || end > period_end {
            break;
        }
        let name = match schedule.frequency {
            Frequency::Monthly => format!("{}年{}月调度", end.year(), end.month()),
            Frequency::Quarterly => {
                format!("{}年第{}季度调度", end.year(), end.month().div_ceil(3))
            }
        };
        found = Some(ScheduledRound {
            name,
            as_of: end,
            due: add_working_days(end, schedule.due_working_days),
        });
        m = em + 1;
        y = ey;
        if m > 12 {
            m -= 12;
            y += 1;
        }
    }
    found
}

/// Formats a notice number in 文号 style: 〔2024〕7号 (no zero padding).
pub fn notice_number(prefix: &str, year: i32, n: i64) -> String {
    format!("{prefix}〔{year}〕{n}号")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn scores_and_ranks() {
        let d = |unit_id, lead, submission| Duty {
            round_id: RoundId(1),
            unit_id: UnitId(unit_id),
            lead,
            submission,
            returns: 0,
        };
        let duties = vec![
            d(1, true, Submission::OnTime),
            d(2, true, Submission::Missing),
            d(2, true, Submission::Late),
            d(3, false, Submission::Late),
            d(3, true, Submission::OnTime),
            d(4, true, Submission::OnTime),
            d(5, true, Submission::Returned),
            d(6, false, Submission::Missing),
        ];
        // Unit 6 leads nothing: not ranked.
        let leads: BTreeMap<TaskId, Vec<UnitId>> = BTreeMap::from([
            (TaskId(10), vec![UnitId(1)]),
            (TaskId(11), vec![UnitId(2)]),
            (TaskId(12), vec![UnitId(3), UnitId(4)]),
            (TaskId(13), vec![UnitId(5)]),
        ]);
        let s = score_units(&DeductionRules::default(), &duties, None, &leads);
        let got: Vec<(i64, f64, usize)> = s
            .iter()
            .map(|x| (x.unit_id.get(), x.score, x.rank))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 100.0, 1),
                (4, 100.0, 1),
                (3, 97.5, 3),
                (5, 95.0, 4),
                (2, 85.0, 5)
            ]
        );
        assert_eq!(
            s[4].deductions,
            vec![
                ("未报送".to_string(), 1, 10.0),
                ("逾期报送".to_string(), 1, 5.0)
            ]
        );
        assert_eq!(s[3].deductions, vec![("退回未重报".to_string(), 1, 5.0)]);
        let rules = DeductionRules::default().describe();
        assert_eq!(rules[0], "各单位基础分100分");
        assert!(
            rules.contains(&"配合任务逾期报送每项扣2.5分".to_string()),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|r| r.contains("配合任务未报送")),
            "{rules:?}"
        );
    }

    #[test]
    fn scores_count_progress_by_the_rules() {
        use crate::evaluate::{Colour, Rule, TaskStatus};
        let task = |task_id, status: Status| TaskStatus {
            task_id: TaskId(task_id),
            code: task_id.to_string(),
            status,
            colour: status.colour(),
            rule: Rule::WorstPart,
            reason: String::new(),
            targets: vec![],
            milestones: vec![],
            reporting: None,
        };
        let eval = Evaluation {
            as_of: d("2024-09-30"),
            tasks: vec![
                task(10, Status::Lagging),
                task(11, Status::SeriouslyLagging),
                task(12, Status::Overdue),
                task(13, Status::OnSchedule),
            ],
            units: vec![],
            totals: Default::default(),
            colours: Default::default(),
            reporting: Default::default(),
        };
        let leads: BTreeMap<TaskId, Vec<UnitId>> =
            (10..14).map(|t| (TaskId(t), vec![UnitId(t - 9)])).collect();
        let s = score_units(&DeductionRules::default(), &[], Some(&eval), &leads);
        let got: Vec<(i64, f64)> = s.iter().map(|x| (x.unit_id.get(), x.score)).collect();
        assert_eq!(got, vec![(4, 100.0), (1, 98.0), (2, 95.0), (3, 95.0)]);
        let _ = Colour::Red;
    }

    #[test]
    fn proposals_by_colour() {
        let f = |code: &str, status, previous, deadline: Option<&str>, empty| TaskFacts {
            task_id: TaskId(code.len() as i64),
            code: code.into(),
            lead: Some(UnitId(9)),
            status,
            previous,
            unreported_rounds: 0,
            next_deadline: deadline.map(d),
            empty_report: empty,
        };
        let facts = vec![
            f("1", Status::Overdue, None, None, false),
            f(
                "22",
                Status::Lagging,
                Some(Status::SeriouslyLagging),
                None,
                false,
            ),
            f(
                "333",
                Status::Lagging,
                Some(Status::OnSchedule),
                None,
                false,
            ),
            f("4444", Status::OnSchedule, None, None, true),
            f("55555", Status::OnSchedule, None, Some("2024-10-20"), false),
            f(
                "666666",
                Status::OnSchedule,
                None,
                Some("2024-12-31"),
                false,
            ),
            f("7777777", Status::Done, None, None, false),
        ];
        let mut facts = facts;
        // Seriously lagging is red whether or not the unit reported; two rounds without a
        // report are proposed too.
        facts.push(f("88888888", Status::SeriouslyLagging, None, None, false));
        let mut unreported = f("999999999", Status::OnSchedule, None, None, false);
        unreported.unreported_rounds = 2;
        facts.push(unreported);
        let p = propose_notices(&facts, d("2024-09-30"), 30);
        let levels: Vec<(String, NoticeLevel)> = p
            .iter()
            .map(|x| (x.reason.chars().take(9).collect(), x.level))
            .collect();
        assert_eq!(p.len(), 7, "{levels:?}");
        assert_eq!(
            p.iter().map(|x| x.level).collect::<Vec<_>>(),
            vec![
                NoticeLevel::Red,
                NoticeLevel::Red,
                NoticeLevel::Yellow,
                NoticeLevel::Yellow,
                NoticeLevel::Blue,
                NoticeLevel::Red,
                NoticeLevel::Yellow,
            ]
        );
        assert!(p[1].reason.contains("连续两期"));
        assert!(p[6].reason.contains("连续2期未报送"), "{}", p[6].reason);
    }

    #[test]
    fn reminders_and_schedule() {
        assert_eq!(
            reminders_due(d("2024-10-05"), d("2024-10-01"), 3, &[UnitId(1), UnitId(2)]),
            vec![]
        );
        assert_eq!(
            reminders_due(d("2024-10-05"), d("2024-10-03"), 3, &[UnitId(1)]),
            vec![(UnitId(1), ReminderKind::DueSoon)]
        );
        assert_eq!(
            reminders_due(d("2024-10-05"), d("2024-10-06"), 3, &[UnitId(2)]),
            vec![(UnitId(2), ReminderKind::Overdue)]
        );
        // 调休: Saturday 2024-10-12 is a working day; 10-01 to 10-07 are National Day.
        assert_eq!(add_working_days(d("2024-09-30"), 5), d("2024-10-12"));
        assert_eq!(add_working_days(d("2024-08-30"), 5), d("2024-09-06"));
        let s = Schedule {
            frequency: Frequency::Monthly,
            due_working_days: 5,
        };
        let r = scheduled_round(&s, d("2024-01-01"), d("2024-12-31"), d("2024-10-02")).unwrap();
        assert_eq!(
            (r.name.as_str(), r.as_of, r.due),
            ("2024年9月调度", d("2024-09-30"), d("2024-10-12"))
        );
        let q = Schedule {
            frequency: Frequency::Quarterly,
            due_working_days: 3,
        };
        let r = scheduled_round(&q, d("2024-01-01"), d("2024-12-31"), d("2024-10-02")).unwrap();
        assert_eq!(
            (r.name.as_str(), r.as_of),
            ("2024年第3季度调度", d("2024-09-30"))
        );
        assert_eq!(
            scheduled_round(&s, d("2024-01-01"), d("2024-12-31"), d("2024-01-15")),
            None
        );
        assert_eq!(notice_number("区专班督", 2024, 7), "区专班督〔2024〕7号");
    }
}
