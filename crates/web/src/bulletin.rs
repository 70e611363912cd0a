//! Composing the bulletin (调度通报) of a round from the ledger.
//!
//! The first composition of a round's bulletin is frozen in the store (as JSON) together with
//! its issue number and closing section, so generating it again gives the same document byte
//! for byte, whatever happened in the ledger since; the office may recompose it on purpose.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use zhuanban_ledger::dispatch::score_units;
use zhuanban_ledger::evaluate::{Evaluation, evaluate};
use zhuanban_ledger::{Colour, Id, ReportState, Status, TargetKind, TaskRecord, UnitRecord};
use zhuanban_office::bulletin::*;
use zhuanban_store::{Actor, SqliteStore, Store, StoreError};

/// The closing section a new bulletin starts with; the office edits it.
pub const DEFAULT_CLOSING: &str = "各牵头单位要对照年度目标，倒排工期、挂图作战，确保滞后任务尽快赶上序时进度。\n各成员单位要按时报送进展情况，如实反映存在问题，报送内容要有数据、有举措、有佐证。\n专班办公室将对严重滞后和逾期任务实行红色督办，并在下期通报中通报整改情况。";

fn number(v: f64) -> String {
    zhuanban_office::svg::fmt_number(v)
}

fn cmp_word(c: zhuanban_ledger::Cmp) -> &'static str {
    match c {
        zhuanban_ledger::Cmp::AtLeast => "≥",
        zhuanban_ledger::Cmp::AtMost => "≤",
        zhuanban_ledger::Cmp::About => "约",
        zhuanban_ledger::Cmp::Equal => "=",
    }
}

fn names(units: &[UnitRecord], ids: &[Id]) -> String {
    ids.iter()
        .map(|&i| {
            units
                .iter()
                .find(|u| u.id == i)
                .map_or_else(|| format!("单位#{i}"), |u| u.name.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The bulletin of a round: the frozen one, or a new composition (then frozen).
pub async fn bulletin_for(
    store: &SqliteStore,
    round_id: Id,
    actor: &Actor,
) -> Result<(Bulletin, LedgerSheet), StoreError> {
    let record = store
        .bulletin_record(round_id, DEFAULT_CLOSING, actor)
        .await?;
    if let Some(json) = store.bulletin_content(round_id).await? {
        let (b, s): (Bulletin, LedgerSheet) = serde_json::from_str(&json)?;
        // The closing section may have been edited since.
        let mut b = b;
        b.closing = closing_paragraphs(&record.closing);
        return Ok((b, s));
    }
    let composed = compose(store, round_id, &record).await?;
    store
        .set_bulletin_content(round_id, Some(&serde_json::to_string(&composed)?), actor)
        .await?;
    Ok(composed)
}

fn closing_paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Composes a bulletin and the ledger sheet from the ledger as it is now.
pub async fn compose(
    store: &SqliteStore,
    round_id: Id,
    record: &zhuanban_store::BulletinRecord,
) -> Result<(Bulletin, LedgerSheet), StoreError> {
    let round = store.round(round_id).await?;
    let plan = store.plan(round.plan_id).await?;
    let tasks = store.tasks(plan.id, Some(round.plan_version)).await?;
    let units = store.units(plan.id).await?;
    let snapshot = store.snapshot(plan.id, round.as_of, Some(round.id)).await?;
    let mut eval = evaluate(&snapshot, round.as_of);
    let env = crate::environment::judgements(store, plan.id, round.as_of).await?;
    crate::environment::apply(&mut eval, &tasks, &env);
    let reports = store.reports(round.id).await?;
    let reading = store.plan_reading(plan.id, round.plan_version).await.ok();
    let tf_name = reading
        .as_ref()
        .and_then(|r| r.task_force.as_ref())
        .map(|t| t.name.clone())
        .unwrap_or_else(|| "工作专班".to_string());

    // Totals.
    let count = |s: Status| eval.totals.get(&s).copied().unwrap_or(0);
    let totals: Vec<StatusCount> = Status::ALL
        .iter()
        .filter(|s| count(**s) > 0)
        .map(|s| StatusCount {
            label: s.label().to_string(),
            count: count(*s),
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
    for (t, s) in tasks.iter().zip(&eval.tasks) {
        let parent = t
            .code
            .rsplit_once('.')
            .map_or(t.code.as_str(), |(p, _)| p)
            .to_string();
        let key: Vec<u64> = parent.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        let e = sections.entry(key).or_insert_with(|| SectionSummary {
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
    for (t, s) in tasks.iter().zip(&eval.tasks) {
        for (g, gs) in t.targets.iter().zip(&s.targets) {
            if g.kind == TargetKind::Cumulative {
                continue;
            }
            indicators.push(IndicatorRow {
                task_code: t.code.clone(),
                metric: if g.metric.is_empty() {
                    g.text.clone()
                } else {
                    g.metric.clone()
                },
                target: format!("{}{}{}", cmp_word(g.cmp), number(g.value), g.unit),
                latest: gs
                    .actual
                    .map_or_else(|| "—".into(), |v| format!("{}{}", number(v), g.unit)),
                schedule: String::new(),
                status: gs.status.label().to_string(),
                colour: gs.colour,
            });
        }
    }

    // Lagging and overdue tasks, worst first, with what the lead unit said.
    let lead_report = |t: &TaskRecord| {
        reports
            .iter()
            .find(|r| r.task_id == t.id && t.lead.contains(&r.unit_id))
    };
    let mut lagging: Vec<(u8, LaggingTask)> = tasks
        .iter()
        .zip(&eval.tasks)
        .filter(|(_, s)| {
            matches!(s.colour, Colour::Yellow | Colour::Red) && s.status != Status::NotReported
        })
        .map(|(t, s)| {
            (
                s.status.severity(),
                LaggingTask {
                    code: t.code.clone(),
                    title: t.title.clone(),
                    lead: names(&units, &t.lead),
                    support: names(&units, &t.support),
                    status: s.status.label().to_string(),
                    colour: s.colour,
                    reason: s.reason.clone(),
                    unit_reason: lead_report(t)
                        .map(|r| r.problems.trim().to_string())
                        .unwrap_or_default(),
                },
            )
        })
        .collect();
    lagging.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| code_key(&a.1.code).cmp(&code_key(&b.1.code)))
    });
    let lagging: Vec<LaggingTask> = lagging.into_iter().map(|(_, l)| l).collect();

    // Who reported late, who did not (lead units; the lead's report is the task's).
    let mut late: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut expected, mut on_time, mut late_n, mut missing_n) = (0, 0, 0, 0);
    for t in tasks.iter().filter(|t| !t.lead.is_empty()) {
        expected += 1;
        let unit = names(&units, &t.lead[..1]);
        match lead_report(t)
            .filter(|r| matches!(r.state, ReportState::Submitted | ReportState::Accepted))
        {
            Some(r) if r.late => {
                late_n += 1;
                late.entry(unit).or_default().push(t.code.clone());
            }
            Some(_) => on_time += 1,
            None => {
                missing_n += 1;
                missing.entry(unit).or_default().push(t.code.clone());
            }
        }
    }
    let to_rows = |m: BTreeMap<String, Vec<String>>| {
        m.into_iter()
            .map(|(unit, tasks)| UnitTasks { unit, tasks })
            .collect::<Vec<_>>()
    };

    // Leaders' instructions up to this round's due date.
    let mut instructions = Vec::new();
    for t in &tasks {
        for i in store.instructions(plan.id, &t.code).await? {
            let d = i
                .created_at
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
                .date_naive();
            instructions.push(InstructionRow {
                author: i.author,
                date: d,
                task_code: t.code.clone(),
                text: i.text,
            });
        }
    }
    instructions.sort_by(|a, b| a.date.cmp(&b.date).then(a.task_code.cmp(&b.task_code)));

    // The ranking by the plan's deduction rules.
    let duties = store.duties(plan.id, Some(round.id)).await?;
    let leads: BTreeMap<Id, Vec<Id>> = tasks.iter().map(|t| (t.id, t.lead.clone())).collect();
    let ranking = score_units(&plan.settings.deductions, &duties, Some(&eval), &leads)
        .into_iter()
        .map(|s| RankRow {
            rank: s.rank,
            unit: names(&units, &[s.unit_id]),
            score: s.score,
            deductions: if s.deductions.is_empty() {
                "—".into()
            } else {
                s.deductions
                    .iter()
                    .map(|(w, n, p)| format!("{w}{n}次 −{}", number(*p)))
                    .collect::<Vec<_>>()
                    .join("；")
            },
        })
        .collect();

    let colour = |c: Colour| eval.colours.get(&c).copied().unwrap_or(0);
    let summary = format!(
        "截至{}，{}共{}项任务，其中已完成或达标{}项，序时推进{}项，滞后或未达标{}项，严重滞后或逾期{}项，无数据或未报送{}项。本轮应报{}项，按时报送{}项，逾期报送{}项，未报送{}项。",
        cn_date(round.as_of),
        plan.title,
        tasks.len(),
        count(Status::Done) + count(Status::Met),
        count(Status::OnSchedule) + count(Status::InProgress),
        colour(Colour::Yellow),
        colour(Colour::Red),
        colour(Colour::Grey),
        expected,
        on_time,
        late_n,
        missing_n
    );

    let bulletin = Bulletin {
        title: format!("{tf_name}调度通报"),
        issue: format!("第{}期", record.issue),
        issuer: format!("{tf_name}办公室"),
        date: record.issued_on,
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
        late_units: to_rows(late),
        missing_units: to_rows(missing),
        instructions,
        ranking,
        closing: closing_paragraphs(&record.closing),
    };
    let sheet = ledger_sheet(
        &plan.title,
        &round,
        plan.demo,
        &tasks,
        &units,
        &eval,
        &reports,
    );
    Ok((bulletin, sheet))
}

fn code_key(code: &str) -> Vec<u64> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

/// "2024年9月30日"
pub fn cn_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn ledger_sheet(
    title: &str,
    round: &zhuanban_ledger::Round,
    demo: bool,
    tasks: &[TaskRecord],
    units: &[UnitRecord],
    eval: &Evaluation,
    reports: &[zhuanban_ledger::Report],
) -> LedgerSheet {
    let mut rows = Vec::new();
    for (t, s) in tasks.iter().zip(&eval.tasks) {
        let progress = reports
            .iter()
            .find(|r| {
                r.task_id == t.id && t.lead.contains(&r.unit_id) && r.state != ReportState::Draft
            })
            .map(|r| r.narrative.clone())
            .unwrap_or_default();
        let base = |content: String| LedgerRow {
            code: t.code.clone(),
            task: t.title.clone(),
            content,
            lead: names(units, &t.lead),
            support: names(units, &t.support),
            target: None,
            unit: String::new(),
            deadline: None,
            progress: progress.clone(),
            actual: None,
            completion: None,
            schedule: None,
            status: s.status.label().to_string(),
            colour: s.colour,
        };
        if t.targets.is_empty() {
            rows.push(base(t.text.clone()));
            continue;
        }
        for (g, gs) in t.targets.iter().zip(&s.targets) {
            let mut r = base(g.text.clone());
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
        title: format!("{title}任务台账（{}）", round.name),
        as_of: round.as_of,
        plan_version: round.plan_version,
        demo,
        rows,
    }
}
