//! Composing the bulletin (调度通报) of a round and its ledger sheet (台账) from the judgement.
//!
//! Everything the bulletin says comes from [`crate::judge`] for the round, as of the round's
//! date: progress from accepted values only, the reporting state of every task beside it. Every
//! task judged 滞后, 严重滞后 or 逾期 is listed whether or not its unit reported, with what the
//! unit said of it or "未说明原因"; a report awaiting review is named as such and its figures
//! are not counted.
//!
//! A bulletin is drafted (a preview, nothing stored) until the office freezes it with its date
//! ([`freeze`]): then its issue number (第N期, counting the plan's bulletins), its date and its
//! content are stored, so that generating it again gives the same document byte for byte
//! whatever happened in the ledger since; the office may recompose it on purpose. A round with
//! reports awaiting review is frozen only once the office confirms it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use zhuanban_ledger::dispatch::{Duty, score_units};
use zhuanban_ledger::evaluate::{Reporting, TaskStatus};
use zhuanban_ledger::{
    Colour, Report, ReportState, RoundId, RoundState, Status, TargetKind, TargetRecord, TaskId,
    TaskRecord, UnitId, UnitRecord,
};
use zhuanban_office::bulletin::*;
use zhuanban_store::{Actor, Db, Store, StoreError};

use crate::judge::{Judged, View, judge, lead_report, unit_name};

/// The general paragraphs of 下步工作要求 that follow the drafted, task-specific ones.
pub const GENERAL_CLOSING: &str = "各牵头单位要对照年度目标，倒排工期、挂图作战，确保滞后任务尽快赶上序时进度。\n各成员单位要按时报送进展情况，如实反映存在问题，报送内容要有数据、有举措、有佐证。\n专班办公室将对严重滞后和逾期任务实行红色督办，并在下期通报中通报整改情况。";

/// Why a bulletin was not frozen.
#[derive(Debug)]
pub enum FreezeError {
    /// Reports of the round await review; the office must confirm (their figures are left
    /// out).
    NeedsConfirmation {
        pending: usize,
    },
    Store(StoreError),
}

impl From<StoreError> for FreezeError {
    fn from(e: StoreError) -> Self {
        FreezeError::Store(e)
    }
}

impl std::fmt::Display for FreezeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FreezeError::NeedsConfirmation { pending } => write!(
                f,
                "本期还有{pending}份报告待审核，其数据不计入通报：请先审核，或确认后再生成通报"
            ),
            FreezeError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FreezeError {}

/// The frozen bulletin of a round, if the office has frozen it.
pub async fn frozen(
    store: &Db,
    round_id: RoundId,
) -> Result<Option<(Bulletin, LedgerSheet)>, StoreError> {
    let Some(json) = store.bulletin_content(round_id).await? else {
        return Ok(None);
    };
    let Some(record) = store.bulletin_record_of(round_id).await? else {
        return Ok(None);
    };
    let (mut b, s): (Bulletin, LedgerSheet) = serde_json::from_str(&json)?;
    // The closing section may have been edited since.
    b.closing = closing_paragraphs(&record.closing);
    Ok(Some((b, s)))
}

/// Reports of the round awaiting review (lead units' reports on its tasks).
pub async fn pending_reviews(store: &Db, round_id: RoundId) -> Result<usize, StoreError> {
    let round = store.round(round_id).await?;
    let j = judge(
        store,
        round.plan_id,
        View {
            round: Some(round_id),
            as_of: None,
        },
        round.as_of,
    )
    .await?;
    Ok(j.eval.reporting_count(Reporting::AwaitingReview))
}

/// The bulletin of a round: the frozen one, else a preview (nothing stored) dated `date`.
pub async fn current(
    store: &Db,
    round_id: RoundId,
    date: NaiveDate,
) -> Result<(Bulletin, LedgerSheet, bool), StoreError> {
    if let Some((b, s)) = frozen(store, round_id).await? {
        return Ok((b, s, true));
    }
    let (b, s) = preview(store, round_id, date).await?;
    Ok((b, s, false))
}

/// A bulletin as it would be frozen now with the date `date`, without storing anything.
pub async fn preview(
    store: &Db,
    round_id: RoundId,
    date: NaiveDate,
) -> Result<(Bulletin, LedgerSheet), StoreError> {
    let round = store.round(round_id).await?;
    let issue = match store.bulletin_record_of(round_id).await? {
        Some(r) => r.issue,
        None => store.next_bulletin_issue(round.plan_id).await?,
    };
    let j = judged(store, round_id).await?;
    let closing = match store.bulletin_record_of(round_id).await? {
        Some(r) => r.closing,
        None => draft_closing(&j, store, date).await?,
    };
    compose(store, &j, issue, date, &closing).await
}

/// Freezes the bulletin of a round with its date (the day it is composed when `None`): stores
/// its issue number, date, drafted closing and content. A round with reports awaiting review
/// needs `confirmed`. An already frozen bulletin is returned as it is.
pub async fn freeze(
    store: &Db,
    round_id: RoundId,
    date: Option<NaiveDate>,
    confirmed: bool,
    today: NaiveDate,
    actor: &Actor,
) -> Result<(Bulletin, LedgerSheet), FreezeError> {
    if let Some(done) = frozen(store, round_id).await? {
        return Ok(done);
    }
    let j = judged(store, round_id).await?;
    let pending = j.eval.reporting_count(Reporting::AwaitingReview);
    if pending > 0 && !confirmed {
        return Err(FreezeError::NeedsConfirmation { pending });
    }
    let date = date.unwrap_or(today);
    let drafted = draft_closing(&j, store, date).await?;
    let record = store
        .bulletin_record(round_id, &drafted, Some(date), actor)
        .await?;
    let composed = compose(store, &j, record.issue, record.issued_on, &record.closing).await?;
    store
        .set_bulletin_content(
            round_id,
            Some(&serde_json::to_string(&composed).map_err(StoreError::from)?),
            actor,
        )
        .await?;
    Ok(composed)
}

/// The judgement a round's bulletin is made from: the round's reporting, as of its date.
async fn judged(store: &Db, round_id: RoundId) -> Result<Judged, StoreError> {
    let round = store.round(round_id).await?;
    judge(
        store,
        round.plan_id,
        View {
            round: Some(round_id),
            as_of: None,
        },
        round.as_of,
    )
    .await
}

fn closing_paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn names(units: &[UnitRecord], ids: &[UnitId]) -> String {
    ids.iter()
        .map(|&i| unit_name(units, i))
        .collect::<Vec<_>>()
        .join("、")
}

/// "10月15日"
fn month_day(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

/// "2024年9月30日"
pub fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A number as a document prints it: no trailing zeros.
fn number(v: f64) -> String {
    zhuanban_office::svg::fmt_number(v)
}

fn roman(n: f64) -> Option<&'static str> {
    zhuanban_office::figures::class_numeral(n)
}

/// A value of a target with its unit: "3个", "0.08mg/L", a water class as "Ⅲ类".
pub fn value_text(t: &TargetRecord, v: f64) -> String {
    if t.kind == TargetKind::Class
        && let Some(r) = roman(v)
    {
        return format!("{r}类");
    }
    format!("{}{}", number(v), t.unit)
}

/// A target's bound in words: "≥3个", "≤0.08mg/L", "Ⅲ类及以上".
pub fn target_text(t: &TargetRecord) -> String {
    if t.kind == TargetKind::Class {
        let v = value_text(t, t.value);
        return match t.cmp {
            zhuanban_ledger::Cmp::AtMost => format!("{v}及以上"),
            _ => v,
        };
    }
    let cmp = match t.cmp {
        zhuanban_ledger::Cmp::AtLeast => "≥",
        zhuanban_ledger::Cmp::AtMost => "≤",
        zhuanban_ledger::Cmp::About => "约",
        zhuanban_ledger::Cmp::Equal => "",
    };
    format!("{cmp}{}", value_text(t, t.value))
}

/// A target's short name for a column: its metric, else its text.
fn metric(t: &TargetRecord) -> String {
    if t.metric.is_empty() {
        t.text.clone()
    } else {
        t.metric.clone()
    }
}

/// `part / whole` as a percentage with one decimal: the office's one percentage function,
/// [`zhuanban_office::figures::percent`] (GB/T 8170, exact decimals; 1 of 16 is "6.2%").
pub fn percent_of(part: f64, whole: f64) -> Option<String> {
    zhuanban_office::figures::percent(part, whole)
}

/// The task's completion in words, every target and milestone, not only its worst part:
/// "老旧小区改造1/3个（33.3%）；公办园在园幼儿占比56.3%（目标≥58%）；节点2项已完成1项".
pub fn completion(task: &TaskRecord, s: &TaskStatus) -> String {
    let mut parts = Vec::new();
    for (g, gs) in task.targets.iter().zip(&s.targets) {
        let name = metric(g);
        match (g.kind, gs.actual) {
            (TargetKind::Cumulative, actual) => {
                let a = actual.unwrap_or(0.0);
                let rate = percent_of(a, g.value).unwrap_or_else(|| "—".into());
                parts.push(format!(
                    "{name}{}/{}（{rate}）",
                    number(a),
                    value_text(g, g.value)
                ));
            }
            (_, Some(a)) => parts.push(format!(
                "{name}{}（目标{}）",
                value_text(g, a),
                target_text(g)
            )),
            (_, None) => parts.push(format!("{name}暂无数据（目标{}）", target_text(g))),
        }
    }
    if !s.milestones.is_empty() {
        let done = s
            .milestones
            .iter()
            .filter(|m| m.status == Status::Done)
            .count();
        parts.push(format!("节点{}项已完成{done}项", s.milestones.len()));
    }
    parts.join("；")
}

/// The reporting state as the bulletin prints it beside a lagging task.
fn reporting_words(r: Option<Reporting>) -> String {
    match r {
        Some(Reporting::OnTime) => "按时报送".into(),
        Some(Reporting::Late) => "逾期报送".into(),
        Some(Reporting::AwaitingReview) => "新报告待审核".into(),
        Some(Reporting::Returned) => "退回未重报".into(),
        Some(Reporting::Missing) => "本期未报送".into(),
        Some(Reporting::NotRequired) | None => String::new(),
    }
}

/// The display name of an author recorded as "王明（leader）": the name without the login.
fn display_name(author: &str) -> String {
    match author.rfind('（') {
        Some(i) if i > 0 && author.ends_with('）') => author[..i].to_string(),
        _ => author.to_string(),
    }
}

/// Whether a task is a task of the ledger: something a unit answers for. A numbered part with
/// no unit at all (工作目标, 推进机制) is a section of the plan, not a task.
pub fn is_ledger_task(t: &TaskRecord) -> bool {
    !t.lead.is_empty() || !t.support.is_empty()
}

fn code_key(code: &str) -> Vec<u64> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

/// The lagging, seriously lagging and overdue tasks, worst first.
fn behind(j: &Judged) -> Vec<(&TaskRecord, &TaskStatus)> {
    let mut v: Vec<_> = j.rows().filter(|(_, s)| s.status.behind()).collect();
    v.sort_by(|a, b| {
        b.1.status
            .severity()
            .cmp(&a.1.status.severity())
            .then_with(|| code_key(&a.0.code).cmp(&code_key(&b.0.code)))
    });
    v
}

/// 下步工作要求 drafted from the facts: for each lead unit of a seriously lagging or overdue
/// task, the measures it must send and by when; for each unit that owes its report, the report
/// and by when; then the general paragraphs. The office edits it freely.
async fn draft_closing(j: &Judged, store: &Db, date: NaiveDate) -> Result<String, StoreError> {
    // Moved off a weekend or public holiday to the next working day (China's calendar).
    let by = month_day(zhuanban_ledger::calendar::next_working_day(
        date + Duration::days(j.plan.settings.notice_reply_days.max(1)),
    ));
    let _ = store;
    let mut red: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut yellow: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (t, s) in behind(j) {
        let Some(&lead) = t.lead.first() else {
            continue;
        };
        let target = if s.colour == Colour::Red {
            &mut red
        } else {
            &mut yellow
        };
        target
            .entry(j.unit_name(lead))
            .or_default()
            .push(t.code.clone());
    }
    let mut owing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (t, s) in j.rows() {
        if s.reporting.is_some_and(|r| r.owing())
            && let Some(&lead) = t.lead.first()
        {
            owing
                .entry(j.unit_name(lead))
                .or_default()
                .push(t.code.clone());
        }
    }
    let mut out = Vec::new();
    for (unit, codes) in &red {
        out.push(format!(
            "请{unit}于{by}前报送{}整改措施，明确完成时限和责任人。",
            codes.join("、")
        ));
    }
    for (unit, codes) in &yellow {
        out.push(format!(
            "请{unit}加快推进{}，于{by}前报送赶超序时进度的具体举措。",
            codes.join("、")
        ));
    }
    for (unit, codes) in &owing {
        out.push(format!(
            "请{unit}于{by}前补报{}本期进展。",
            codes.join("、")
        ));
    }
    out.extend(GENERAL_CLOSING.lines().map(str::to_string));
    Ok(out.join("\n"))
}

/// Composes a bulletin and the ledger sheet from a round's judgement.
async fn compose(
    store: &Db,
    j: &Judged,
    issue: i64,
    date: NaiveDate,
    closing: &str,
) -> Result<(Bulletin, LedgerSheet), StoreError> {
    let round = j
        .round
        .clone()
        .ok_or_else(|| StoreError::invalid("round", "通报必须属于一个调度轮次".to_string()))?;
    let plan = &j.plan;
    let tasks = &j.tasks;
    let units = &j.units;
    let eval = &j.eval;
    let reports = store.reports(round.id).await?;
    let reading = store.plan_reading(plan.id, round.plan_version).await.ok();
    let tf_name = reading
        .as_ref()
        .and_then(|r| r.task_force.as_ref())
        .map(|t| t.name.clone())
        .unwrap_or_else(|| "工作专班".to_string());

    // Totals, in the order of the statuses: the same numbers the chart draws.
    let totals: Vec<StatusCount> = Status::ALL
        .iter()
        .filter(|s| eval.count(**s) > 0)
        .map(|s| StatusCount {
            label: s.label().to_string(),
            count: eval.count(*s),
            colour: s.colour(),
        })
        .collect();

    // Sections: the parent of each task's number.
    let section_titles: HashMap<String, String> = reading
        .as_ref()
        .map(|r| {
            r.sections
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut sections: BTreeMap<Vec<u64>, SectionSummary> = BTreeMap::new();
    for (t, s) in j.rows() {
        let parent = t
            .code
            .rsplit_once('.')
            .map_or(t.code.as_str(), |(p, _)| p)
            .to_string();
        let e = sections
            .entry(code_key(&parent))
            .or_insert_with(|| SectionSummary {
                code: parent.clone(),
                title: section_titles.get(&parent).cloned().unwrap_or_else(|| {
                    if parent == t.code {
                        t.title.clone()
                    } else {
                        String::new()
                    }
                }),
                total: 0,
                green: 0,
                yellow: 0,
                red: 0,
                grey: 0,
            });
        e.total += 1;
        match s.colour {
            Colour::Green => e.green += 1,
            Colour::Yellow => e.yellow += 1,
            Colour::Red => e.red += 1,
            Colour::Grey => e.grey += 1,
        }
    }

    // Key indicators: every target that is not a plain count.
    let mut indicators = Vec::new();
    for (t, s) in j.rows() {
        for (g, gs) in t.targets.iter().zip(&s.targets) {
            if g.kind == TargetKind::Cumulative {
                continue;
            }
            indicators.push(IndicatorRow {
                task_code: t.code.clone(),
                metric: metric(g),
                target: target_text(g),
                latest: gs.actual.map_or_else(|| "—".into(), |v| value_text(g, v)),
                schedule: String::new(),
                status: gs.status.label().to_string(),
                colour: gs.colour,
            });
        }
    }

    // Every lagging, seriously lagging and overdue task, whether or not its unit reported.
    let lagging: Vec<LaggingTask> = behind(j)
        .into_iter()
        .map(|(t, s)| {
            let said = lead_report(t, &reports)
                .filter(|r| matches!(r.state, ReportState::Submitted | ReportState::Accepted))
                .map(|r| r.problems.trim().to_string())
                .unwrap_or_default();
            LaggingTask {
                code: t.code.clone(),
                title: t.title.clone(),
                lead: names(units, &t.lead),
                support: names(units, &t.support),
                status: s.status.label().to_string(),
                colour: s.colour,
                reason: s.reason.clone(),
                unit_reason: said,
                completion: completion(t, s),
                reporting: reporting_words(s.reporting),
            }
        })
        .collect();

    // Who reported late, not at all, was returned, or awaits review (lead units; the lead's
    // report is the task's).
    let mut by_state: BTreeMap<Reporting, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (t, s) in j.rows() {
        if let (Some(r), Some(&lead)) = (s.reporting, t.lead.first()) {
            by_state
                .entry(r)
                .or_default()
                .entry(unit_name(units, lead))
                .or_default()
                .push(t.code.clone());
        }
    }
    let mut rows_of = |r: Reporting| {
        by_state
            .remove(&r)
            .unwrap_or_default()
            .into_iter()
            .map(|(unit, tasks)| UnitTasks { unit, tasks })
            .collect::<Vec<_>>()
    };
    let late_units = rows_of(Reporting::Late);
    let missing_units = rows_of(Reporting::Missing);
    let returned_units = rows_of(Reporting::Returned);
    let pending_units = rows_of(Reporting::AwaitingReview);

    // Leaders' instructions, by their names (never a login).
    let mut instructions = Vec::new();
    for t in tasks {
        for i in store.instructions(plan.id, &t.code).await? {
            let d = i
                .created_at
                .with_timezone(&zhuanban_store::clock::china())
                .date_naive();
            instructions.push(InstructionRow {
                author: display_name(&i.author),
                date: d,
                task_code: t.code.clone(),
                text: i.text,
            });
        }
    }
    instructions.sort_by(|a, b| a.date.cmp(&b.date).then(a.task_code.cmp(&b.task_code)));

    // The ranking of this round ("本期"), and the year to date apart.
    let duties = store.duties(plan.id, Some(round.id)).await?;
    let leads: BTreeMap<TaskId, Vec<UnitId>> =
        tasks.iter().map(|t| (t.id, t.lead.clone())).collect();
    let rules = &plan.settings.deductions;
    let rank_rows = |duties: &[Duty]| -> Vec<RankRow> {
        score_units(rules, duties, Some(eval), &leads)
            .into_iter()
            .map(|s| RankRow {
                rank: s.rank,
                unit: unit_name(units, s.unit_id),
                score: s.score,
                deductions: if s.deductions.is_empty() {
                    "—".into()
                } else {
                    s.deductions
                        .iter()
                        .map(|(w, n, p)| format!("{w}{n}项 −{}", number(*p)))
                        .collect::<Vec<_>>()
                        .join("；")
                },
            })
            .collect()
    };
    let this_round: Vec<Duty> = duties
        .iter()
        .filter(|d| d.round_id == round.id)
        .cloned()
        .collect();
    let year_rounds: BTreeSet<RoundId> = j
        .rounds
        .iter()
        .filter(|r| {
            r.as_of.year() == round.as_of.year()
                && r.as_of <= round.as_of
                && (r.state == RoundState::Closed || r.id == round.id)
        })
        .map(|r| r.id)
        .collect();
    let year: Vec<Duty> = duties
        .iter()
        .filter(|d| year_rounds.contains(&d.round_id))
        .cloned()
        .collect();
    let ranking = rank_rows(&this_round);
    let ranking_year = if year_rounds.len() > 1 {
        rank_rows(&year)
    } else {
        vec![]
    };
    let leaders: BTreeSet<UnitId> = leads.values().flatten().copied().collect();
    let unranked: Vec<String> = tasks
        .iter()
        .flat_map(|t| t.support.iter().copied())
        .filter(|u| !leaders.contains(u))
        .collect::<BTreeSet<UnitId>>()
        .into_iter()
        .map(|u| unit_name(units, u))
        .collect();
    let mut ranking_rules = vec![format!(
        "本期排名按本期报送情况和截至{}的任务进度计分：{}。",
        cn_date(round.as_of),
        rules.describe().join("，")
    )];
    if !ranking_year.is_empty() {
        ranking_rules.push(format!(
            "年度累计排名计{}年已结束的各期和本期的报送情况，任务进度按本期研判计分。",
            round.as_of.year()
        ));
    }

    // 总体情况: the same counts as the totals and the chart, and the reporting of the round.
    let ledger_tasks = tasks.iter().filter(|t| is_ledger_task(t)).count();
    let status_words: Vec<String> = totals
        .iter()
        .map(|c| format!("{}{}项", c.label, c.count))
        .collect();
    let rep = |r: Reporting| eval.reporting_count(r);
    let expected = Reporting::ALL
        .iter()
        .filter(|r| **r != Reporting::NotRequired)
        .map(|r| rep(*r))
        .sum::<usize>();
    let mut reporting_words = vec![
        format!("按时报送{}项", rep(Reporting::OnTime)),
        format!("逾期报送{}项", rep(Reporting::Late)),
    ];
    if rep(Reporting::AwaitingReview) > 0 {
        reporting_words.push(format!(
            "待审核{}项（数据未计入本通报）",
            rep(Reporting::AwaitingReview)
        ));
    }
    if rep(Reporting::Returned) > 0 {
        reporting_words.push(format!("退回未重报{}项", rep(Reporting::Returned)));
    }
    reporting_words.push(format!("未报送{}项", rep(Reporting::Missing)));
    let scope = if ledger_tasks == tasks.len() {
        format!("方案{}项任务", tasks.len())
    } else {
        format!(
            "方案{}项任务（含{}项未明确责任单位的总体目标和工作要求）",
            tasks.len(),
            tasks.len() - ledger_tasks
        )
    };
    let summary = format!(
        "截至{}，{scope}：{}。本期应报送{expected}项，{}。",
        cn_date(round.as_of),
        status_words.join("，"),
        reporting_words.join("，")
    );

    let bulletin = Bulletin {
        title: format!("{tf_name}调度通报"),
        issue: format!("第{issue}期"),
        issuer: format!("{tf_name}办公室"),
        date,
        recipients: "各成员单位".to_string(),
        cc: String::new(),
        printer: format!("{tf_name}办公室"),
        printed_on: Some(date),
        round_name: round.name.clone(),
        as_of: round.as_of,
        plan_title: plan.title.clone(),
        plan_version: round.plan_version,
        demo: plan.demo,
        summary,
        totals,
        sections: sections.into_values().collect(),
        indicators,
        lagging,
        late_units,
        missing_units,
        returned_units,
        pending_units,
        instructions,
        ranking,
        ranking_year,
        unranked,
        ranking_rules,
        closing: closing_paragraphs(closing),
    };
    let sheet = ledger_sheet(j, &reports);
    Ok((bulletin, sheet))
}

/// The ledger as an office keeps it: one row per target of each task a unit answers for (a
/// task without targets is one row); figures from accepted reports only, a newer report awaiting
/// review marked.
pub fn ledger_sheet(j: &Judged, reports: &[Report]) -> LedgerSheet {
    ledger_sheet_of(j, reports, is_ledger_task)
}

/// The ledger sheet of the tasks `keep` chooses, in the plan's order (the desk's export of a
/// filtered ledger view); otherwise as [`ledger_sheet`].
pub fn ledger_sheet_of(
    j: &Judged,
    reports: &[Report],
    keep: impl Fn(&TaskRecord) -> bool,
) -> LedgerSheet {
    let round = j.round.as_ref();
    let mut rows = Vec::new();
    for (t, s) in j.rows().filter(|(t, _)| keep(t)) {
        let report = lead_report(t, reports);
        let accepted = report.filter(|r| r.state == ReportState::Accepted);
        let pending = report.is_some_and(|r| r.state == ReportState::Submitted);
        let base = |content: String| LedgerRow {
            code: t.code.clone(),
            task: t.title.clone(),
            content,
            lead: names(&j.units, &t.lead),
            support: names(&j.units, &t.support),
            target: None,
            unit: String::new(),
            deadline: None,
            progress: accepted.map(|r| r.narrative.clone()).unwrap_or_default(),
            actual: None,
            completion: None,
            schedule: None,
            status: s.status.label().to_string(),
            colour: s.colour,
            metric: String::new(),
            reporting: s
                .reporting
                .map(|r| r.label().to_string())
                .unwrap_or_default(),
            problems: accepted.map(|r| r.problems.clone()).unwrap_or_default(),
            next_steps: accepted.map(|r| r.next_steps.clone()).unwrap_or_default(),
            pending,
            class: false,
        };
        if t.targets.is_empty() {
            rows.push(base(t.text.clone()));
            continue;
        }
        for (g, gs) in t.targets.iter().zip(&s.targets) {
            let mut r = base(g.text.clone());
            r.metric = metric(g);
            r.class = g.kind == TargetKind::Class;
            r.target = Some(g.value);
            r.unit = g.unit.clone();
            r.deadline = Some(gs.deadline);
            r.actual = gs.actual;
            r.completion = gs.progress;
            r.schedule = (g.kind == TargetKind::Cumulative).then_some(gs.elapsed);
            r.status = gs.status.label().to_string();
            r.colour = gs.colour;
            rows.push(r);
        }
    }
    LedgerSheet {
        title: format!(
            "{}任务台账（{}）",
            j.plan.title,
            round.map_or_else(|| cn_date(j.as_of), |r| r.name.clone())
        ),
        as_of: j.as_of,
        plan_version: round.map_or(j.plan.version, |r| r.plan_version),
        demo: j.plan.demo,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_once_by_gbt_8170() {
        let p = |a, b| percent_of(a, b).unwrap();
        assert_eq!(p(1.0, 16.0), "6.2%");
        assert_eq!(p(1.0, 16.0 / 3.0), "18.8%");
        assert_eq!(p(0.0635, 1.0), "6.4%");
        assert_eq!(p(0.0645, 1.0), "6.4%");
        assert_eq!(p(0.06251, 1.0), "6.3%");
        assert_eq!(p(1.0, 3.0), "33.3%");
        assert_eq!(p(0.0, 3.0), "0.0%");
        assert_eq!(p(3.0, 3.0), "100.0%");
        assert_eq!(percent_of(1.0, 0.0), None);
        assert_eq!(percent_of(f64::NAN, 1.0), None);
    }

    #[test]
    fn authors_print_without_their_login() {
        assert_eq!(display_name("王明（leader）"), "王明");
        assert_eq!(display_name("王明"), "王明");
    }
}
