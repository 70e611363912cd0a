//! `zhuanban demo-data`: a year of demonstration history for two plans.
//!
//! The seed plan (a district's action plan in numbered prose) with monthly rounds from January
//! to the as-of date, and a second plan of the genre in table form written for the
//! demonstration (大通湖区2024年重点民生实事项目任务分解表, an .xlsx with merged cells, read by the
//! same reader) with quarterly rounds. The seed plan is imported last, so it is the newest plan
//! and the desk's default; its rounds come first, so their ids run from 1. For each task a pace drawn at random (ahead,
//! on schedule, lagging, seriously lagging), values that follow it month by month, a few units
//! that report late or not at all, and reviews (most accepted, a few returned). A seeded random
//! process: the same seed gives the same history. Everything it writes is marked as
//! demonstration data (the plan, its rounds and reports carry the flag; round names say 演示).
//!
//! Demonstration time: the history is written on its own dates (each round opened, each report
//! sent, reviewed and each round closed on a day of 2024, by the process's clock moved there),
//! and `serve --demo` runs on the as-of date (10:00 China time, then on at the wall clock's
//! pace), so notices, bulletins, reminders and 逾期 are dated and judged in the demonstration's
//! year, not the year the program runs in. The last round is as of that date and due after it:
//! its reports are those sent by then, and no unit is late in it yet.

use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zhuanban_ledger::{Cmp, Id, MilestoneId, TargetId, TargetKind, TaskRecord, UnitId, calendar};
use zhuanban_plan::ReadOptions;
use zhuanban_store::{Actor, Db, ImportOptions, ReportInput, RoundInput, Store};

use crate::DbArgs;
use crate::output::outln;

/// The seed plan, compiled in.
pub const SEED_PLAN: &str =
    include_str!("../../plan/tests/data/plans/datonghu-regional-action-2024.txt");
pub const SEED_NAME: &str = "datonghu-regional-action-2024.txt";

/// The demonstration's second plan, a task table as offices circulate it, compiled in.
pub const TABLE_PLAN: &[u8] =
    include_bytes!("../../plan/tests/data/tables/datonghu-livelihood-projects-2024.xlsx");
pub const TABLE_NAME: &str = "datonghu-livelihood-projects-2024.xlsx";

/// How often a plan's demonstration history is dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Every {
    Month,
    Quarter,
}

#[derive(Debug, Clone, Copy)]
enum Pace {
    Ahead,
    OnSchedule,
    Lagging,
    Serious,
}

impl Pace {
    fn factor(self) -> f64 {
        match self {
            Pace::Ahead => 1.2,
            Pace::OnSchedule => 0.97,
            Pace::Lagging => 0.72,
            Pace::Serious => 0.4,
        }
    }

    fn draw(rng: &mut StdRng) -> Pace {
        match rng.random_range(0..100) {
            0..25 => Pace::Ahead,
            25..65 => Pace::OnSchedule,
            65..85 => Pace::Lagging,
            _ => Pace::Serious,
        }
    }
}

fn round_to(v: f64, whole: bool) -> f64 {
    if whole {
        v.round()
    } else {
        (v * 1000.0).round() / 1000.0
    }
}

fn elapsed(start: NaiveDate, end: NaiveDate, d: NaiveDate) -> f64 {
    let total = (end - start).num_days().max(1) as f64;
    ((d - start).num_days() as f64 / total).clamp(0.0, 1.0)
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    zhuanban_plan::dates::last_day_of_month(y, m).expect("valid month")
}

/// Imports the seed plan as demonstration data and fills it with history.
pub async fn demo_data(db: &DbArgs, as_of: NaiveDate, seed: u64) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open_path(&db.db, true).await?;
    let summary = fill(&store, as_of, seed).await?;
    outln!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// The moment a demonstration runs at: its as-of date, 10:00 China time.
pub fn demo_start(as_of: NaiveDate) -> chrono::DateTime<Utc> {
    zhuanban_store::clock::china()
        .from_local_datetime(&as_of.and_hms_opt(10, 0, 0).expect("10:00 is a time"))
        .single()
        .expect("China time has no gaps")
        .with_timezone(&Utc)
}

/// The setting that marks a database a demonstration server started on: its as-of date and
/// the wall time it started ("2024-09-30 2026-12-05T15:36:59+00:00").
pub const DEMO_CLOCK_KEY: &str = "demo.clock";

/// Runs this process's clock from the demonstration's date on (`serve --demo`), and marks the
/// database so that a server started on it later goes on from there ([`resume_clock`]).
pub async fn start_clock(store: &Db, as_of: NaiveDate) -> anyhow::Result<()> {
    let started = zhuanban_store::clock::wall_now();
    clock_from(as_of, started);
    store
        .set_setting(
            DEMO_CLOCK_KEY,
            &format!("{as_of} {}", started.to_rfc3339()),
            &Actor::new("演示数据生成", "system"),
        )
        .await?;
    Ok(())
}

/// On a database a demonstration server started on, the clock goes on where it was: the
/// demonstration's moment plus the wall time since (sessions, due dates and reminders stay in
/// the demonstration's time across a restart). Returns the as-of date; None on any other
/// database, whose clock is the wall clock. The mark is honoured only while every plan of the
/// database is demonstration data: on a database with a real plan it is ignored (and said
/// so), so that writing the setting cannot make a real server date its records in the past.
pub async fn resume_clock(store: &Db) -> anyhow::Result<Option<NaiveDate>> {
    let Some(v) = store.setting(DEMO_CLOCK_KEY).await? else {
        return Ok(None);
    };
    let plans = store.plans().await?;
    if plans.is_empty() || plans.iter().any(|p| !p.demo) {
        eprintln!("注意：数据库中有非演示方案，忽略演示时钟设置 {DEMO_CLOCK_KEY}，按实际时间运行");
        return Ok(None);
    }
    let parsed = v.split_once(' ').and_then(|(d, t)| {
        Some((
            d.parse::<NaiveDate>().ok()?,
            chrono::DateTime::parse_from_rfc3339(t)
                .ok()?
                .with_timezone(&Utc),
        ))
    });
    let Some((as_of, started)) = parsed else {
        bail!("演示数据库的时钟设置“{v}”无法读取（{DEMO_CLOCK_KEY}）");
    };
    clock_from(as_of, started);
    Ok(Some(as_of))
}

fn clock_from(as_of: NaiveDate, started: chrono::DateTime<Utc>) {
    let since = (zhuanban_store::clock::wall_now() - started).max(Duration::zero());
    zhuanban_store::clock::set_demo_now(Some(demo_start(as_of) + since));
}

/// The clock moved to `t` while the history is written, never past the demonstration's start.
fn clock_at(t: chrono::DateTime<Utc>, start: chrono::DateTime<Utc>) {
    zhuanban_store::clock::set_demo_now(Some(t.min(start)));
}

/// The work of `demo-data`, for the server's `--demo` as well. Returns a summary line.
pub async fn fill(store: &Db, as_of: NaiveDate, seed: u64) -> anyhow::Result<String> {
    if store.plans().await?.iter().any(|p| p.demo) {
        bail!("数据库中已有演示数据，不再重复生成");
    }
    let table = zhuanban_plan::read_bytes(TABLE_PLAN, &ReadOptions::new(TABLE_NAME))
        .map_err(|e| anyhow::anyhow!("演示方案 {TABLE_NAME}：{e}"))?;
    if table.has_errors() {
        bail!("演示方案 {TABLE_NAME} 识别有误：{:?}", table.diagnostics);
    }
    let reading = zhuanban_plan::read_text(SEED_PLAN, &ReadOptions::new(SEED_NAME));
    let written = write_history(store, &table, &reading, as_of, seed).await;
    // The history's dates end with it: what this process does next is on the wall clock
    // unless it is a demonstration server, which moves it to the as-of date itself.
    zhuanban_store::clock::set_demo_now(None);
    written
}

async fn write_history(
    store: &Db,
    table: &zhuanban_plan::Reading,
    reading: &zhuanban_plan::Reading,
    as_of: NaiveDate,
    seed: u64,
) -> anyhow::Result<String> {
    let start = demo_start(as_of);
    // The plans are imported at the start of the year, when they were issued.
    let issued = NaiveDate::from_ymd_opt(as_of.year(), 1, 2).expect("2 January is a date");
    clock_at(demo_start(issued), start);
    let system = Actor::new("演示数据生成", "system");
    let demo = ImportOptions {
        demo: true,
        ..Default::default()
    };
    let table_id = store
        .import_plan(&table.plan, &demo, &system)
        .await?
        .plan_id;
    let seed_id = store
        .import_plan(&reading.plan, &demo, &system)
        .await?
        .plan_id;
    let names =
        |p: &zhuanban_plan::Plan| p.units.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
    let a = history(
        store,
        seed_id,
        as_of,
        seed,
        Every::Month,
        &names(&reading.plan),
    )
    .await?;
    let b = history(
        store,
        table_id,
        as_of,
        seed.wrapping_add(1),
        Every::Quarter,
        &names(&table.plan),
    )
    .await?;
    Ok(format!(
        "已生成演示数据：{a}；{b}；截至 {as_of}（随机种子 {seed}）"
    ))
}

/// The rounds of a plan's history: (as-of date, name) up to `as_of`.
fn round_dates(as_of: NaiveDate, every: Every) -> Vec<(NaiveDate, String, u32)> {
    let y = as_of.year();
    let mut out = Vec::new();
    for m in 1..=as_of.month() {
        let last = m == as_of.month();
        let end = if last { as_of } else { last_day(y, m) };
        match every {
            Every::Month => out.push((end, format!("{y}年{m}月调度（演示）"), m)),
            Every::Quarter if m % 3 == 0 => {
                let q = ["一", "二", "三", "四"][(m / 3 - 1) as usize];
                out.push((end, format!("民生实事{y}年第{q}季度调度（演示）"), m));
            }
            Every::Quarter if last => {
                out.push((end, format!("民生实事{y}年{m}月调度（演示）"), m));
            }
            Every::Quarter => {}
        }
    }
    out
}

/// A plan's demonstration history: its rounds, the units' reports and the office's reviews.
async fn history(
    store: &Db,
    plan_id: Id,
    as_of: NaiveDate,
    seed: u64,
    every: Every,
    unit_order: &[String],
) -> anyhow::Result<String> {
    let plan = store.plan(plan_id).await?;
    if as_of < plan.period_start || as_of.year() != plan.period_start.year() {
        bail!(
            "--as-of {as_of} 不在方案年度内（{} 至 {}）",
            plan.period_start,
            plan.period_end
        );
    }
    let system = Actor::new("演示数据生成", "system");
    let start = demo_start(as_of);
    let tasks = store.tasks(plan.id, None).await?;
    let units = store.units(plan.id).await?;
    let mut rng = StdRng::seed_from_u64(seed);
    let paces: Vec<Pace> = tasks.iter().map(|_| Pace::draw(&mut rng)).collect();
    // Two units often report late; one stops reporting in the last two rounds.
    let mut lead_units: Vec<UnitId> = tasks
        .iter()
        .filter_map(|t| t.lead.first().copied())
        .collect();
    // In the order the plan lists its units (not by id: ids depend on what was imported
    // before), so that a seed tells the same story in any ledger.
    let rank = |id: &UnitId| {
        let name = units.iter().find(|u| u.id == *id).map(|u| u.name.as_str());
        unit_order
            .iter()
            .position(|n| Some(n.as_str()) == name)
            .unwrap_or(usize::MAX)
    };
    lead_units.sort_by_key(|id| (rank(id), *id));
    lead_units.dedup();
    let late_units: Vec<UnitId> = lead_units
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.2))
        .take(2)
        .collect();
    let missing_unit = lead_units
        .get(rng.random_range(0..lead_units.len().max(1)))
        .copied();
    let cst = zhuanban_store::clock::china();

    let months = as_of.month();
    let mut prev: Vec<Vec<f64>> = tasks.iter().map(|t| vec![0.0; t.targets.len()]).collect();
    let mut reports_made = 0;
    let mut rounds_made = 0;
    let dates = round_dates(as_of, every);
    for (k, (round_as_of, name, m)) in dates.iter().cloned().enumerate() {
        // Five days after the as-of date, moved off a weekend or public holiday to the next
        // working day by China's official calendar (the September round is due 2024-10-08,
        // after the National Day holiday, not 2024-10-05 in it).
        let due = calendar::next_working_day(round_as_of + Duration::days(5));
        // Opened a few days before its as-of date, as offices send the 调度 notice.
        clock_at(
            demo_start(calendar::previous_working_day(
                round_as_of - Duration::days(3),
            )),
            start,
        );
        let round = store
            .open_round(
                &RoundInput {
                    plan_id: plan.id,
                    name,
                    as_of: round_as_of,
                    due,
                },
                true,
                &system,
            )
            .await?;
        rounds_made += 1;
        let last = k + 1 == dates.len();
        for (ti, task) in tasks.iter().enumerate() {
            let Some(&lead) = task.lead.first() else {
                continue;
            };
            let pace = paces[ti];
            let missing = (Some(lead) == missing_unit && m + 1 >= months && months > 2)
                || rng.random_bool(0.03);
            if missing {
                continue;
            }
            let late = if late_units.contains(&lead) {
                rng.random_bool(0.5)
            } else {
                rng.random_bool(0.05)
            };
            // Units send on working days: a report on time drawn in a holiday is sent on the
            // working day before it (not before the as-of date), a late one on the working day
            // after it.
            let day = if late {
                calendar::next_working_day(due + Duration::days(rng.random_range(1..=6)))
            } else {
                let drawn = due - Duration::days(rng.random_range(0..=4));
                Some(calendar::previous_working_day(drawn))
                    .filter(|d| *d >= round_as_of)
                    .unwrap_or_else(|| calendar::next_working_day(drawn))
            };
            let hour = rng.random_range(8..18);
            // The last round is as of the demonstration's date and due after it: a report
            // drawn after that moment is one a late unit has not sent yet, or one sent on the
            // working day before by a unit on time.
            let day = if last && day >= as_of {
                if late {
                    continue;
                }
                calendar::previous_working_day(as_of - Duration::days(1))
            } else {
                day
            };
            let at = cst
                .with_ymd_and_hms(
                    day.year(),
                    day.month(),
                    day.day(),
                    hour,
                    rng.random_range(0..60),
                    0,
                )
                .single()
                .context("submission time")?
                .with_timezone(&Utc);
            let input = ReportInput {
                round_id: round.id,
                task_id: task.id,
                unit_id: lead,
                values: values_for(task, pace, &plan, round_as_of, &mut prev[ti], &mut rng),
                milestones: milestones_for(task, pace, m, round_as_of),
                narrative: narrative(task, pace, m),
                problems: problems(pace).to_string(),
                next_steps: "按照年度计划倒排工期，加强调度，确保按时序推进。".to_string(),
                submit: true,
                expected_version: None,
                at: Some(at),
                evidence: vec![],
            };
            let unit_actor = Actor::new(
                units
                    .iter()
                    .find(|u| u.id == lead)
                    .map_or("演示单位".into(), |u| {
                        format!("{}联络员（演示）", u.name)
                    }),
                "system",
            );
            clock_at(at, start);
            let r = store.save_report(&input, &unit_actor).await?;
            reports_made += 1;
            let office = Actor::new("专班办公室（演示）", "system");
            // Reviewed the next working day.
            let reviewed = demo_start(calendar::next_working_day(day + Duration::days(1)));
            clock_at(reviewed, start);
            let roll: f64 = rng.random();
            if last && roll < 0.2 {
                // Left for the office to review: its 消息 says so, as for any report sent.
                zhuanban_desk::messages::reports_submitted(store, &[], std::slice::from_ref(&r))
                    .await?;
            } else if last && roll < 0.3 {
                store
                    .return_report(
                        r.id,
                        r.row_version,
                        "请补充本月具体完成量及佐证材料",
                        &office,
                    )
                    .await?;
            } else if roll < 0.06 {
                // Returned, corrected and accepted.
                let r = store
                    .return_report(
                        r.id,
                        r.row_version,
                        "进展描述过于笼统，请补充量化数据",
                        &office,
                    )
                    .await?;
                let mut again = input.clone();
                again.expected_version = Some(r.row_version);
                again.narrative.push_str("（已按要求补充量化数据）");
                let r = store.save_report(&again, &unit_actor).await?;
                store.accept_report(r.id, r.row_version, &office).await?;
            } else {
                store.accept_report(r.id, r.row_version, &office).await?;
            }
        }
        if !last {
            clock_at(
                demo_start(calendar::next_working_day(due + Duration::days(7))),
                start,
            );
            store
                .close_round(round.id, round.row_version, &system)
                .await?;
        }
    }
    let kind = match every {
        Every::Month => "月度",
        Every::Quarter => "季度",
    };
    Ok(format!(
        "方案 #{}（{}），{rounds_made} 个{kind}轮次，{reports_made} 份报告",
        plan.id, plan.title
    ))
}

fn values_for(
    task: &TaskRecord,
    pace: Pace,
    plan: &zhuanban_ledger::PlanRecord,
    d: NaiveDate,
    prev: &mut [f64],
    rng: &mut StdRng,
) -> Vec<(TargetId, f64)> {
    let mut out = Vec::new();
    for (i, t) in task.targets.iter().enumerate() {
        let whole = t.value.fract() == 0.0 && t.value.abs() >= 1.0 && t.unit != "%";
        let deadline = t.deadline.unwrap_or(plan.period_end);
        let e = elapsed(plan.period_start, deadline, d);
        let noise = 1.0 + rng.random_range(-0.05..0.05);
        let good = matches!(pace, Pace::Ahead | Pace::OnSchedule);
        let v = match t.kind {
            TargetKind::Cumulative => {
                let v = (t.value * (e * pace.factor() * noise).min(1.05)).max(prev[i]);
                round_to(v, whole)
            }
            TargetKind::Level => {
                let delta = if good {
                    rng.random_range(0.0..0.02)
                } else {
                    -rng.random_range(0.01..0.05)
                };
                let v = match t.cmp {
                    Cmp::AtMost => t.value * (1.0 - delta),
                    _ => t.value * (1.0 + delta),
                };
                if t.unit == "%" {
                    (v * 10.0).round() / 10.0
                } else {
                    round_to(v, whole)
                }
            }
            TargetKind::Limit => {
                let centre = if good { 0.9 } else { 1.06 };
                round_to(t.value * centre * noise, false)
            }
            TargetKind::Growth => {
                let delta = if good {
                    rng.random_range(0.0..1.5)
                } else {
                    -rng.random_range(0.5..2.5)
                };
                round_to(t.value + delta, false)
            }
            TargetKind::Class => {
                if good {
                    t.value.max(1.0)
                } else {
                    (t.value + 1.0).min(6.0)
                }
            }
        };
        prev[i] = v;
        out.push((t.id, v));
    }
    out
}

fn milestones_for(
    task: &TaskRecord,
    pace: Pace,
    month: u32,
    d: NaiveDate,
) -> Vec<(MilestoneId, bool, Option<NaiveDate>)> {
    let done_month = match pace {
        Pace::Ahead => 5,
        Pace::OnSchedule => 8,
        _ => 13,
    };
    task.milestones
        .iter()
        .map(|m| {
            let done = month >= done_month;
            (
                m.id,
                done,
                done.then(|| last_day(d.year(), done_month.min(12)))
                    .filter(|x| *x <= d),
            )
        })
        .map(|(id, done, on)| (id, done && on.is_some(), on))
        .collect()
}

fn narrative(task: &TaskRecord, pace: Pace, month: u32) -> String {
    let how = match pace {
        Pace::Ahead => "进展顺利，部分指标已超序时进度",
        Pace::OnSchedule => "按计划有序推进",
        Pace::Lagging => "推进较计划有所滞后",
        Pace::Serious => "推进明显滞后，正在分析原因并制定赶进度措施",
    };
    format!("【演示数据】{month}月，“{}”{how}。", task.title)
}

fn problems(pace: Pace) -> &'static str {
    match pace {
        Pace::Ahead | Pace::OnSchedule => "",
        Pace::Lagging => "项目前期手续办理时间较长，资金到位偏慢。",
        Pace::Serious => "项目用地、资金等要素保障不足，施工进度受到影响。",
    }
}
