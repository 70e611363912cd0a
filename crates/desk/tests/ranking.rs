//! The ranking means what it says: per round by default (本期), the year apart; a returned
//! report not resubmitted is 退回未重报, not 未报送; units that lead nothing are listed apart; the
//! rules are printed. On a real SQLite ledger of the seed plan.

use chrono::NaiveDate;
use zhuanban_desk::bulletin::preview;
use zhuanban_ledger::{RoundId, TaskRecord, UnitId};
use zhuanban_plan::{ReadOptions, read_text};
use zhuanban_store::{Actor, Db, ImportOptions, ReportInput, RoundInput, Store};

const SEED: &str = include_str!("../../plan/tests/data/plans/datonghu-regional-action-2024.txt");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn report(
    store: &Db,
    round: RoundId,
    task: &TaskRecord,
    unit: UnitId,
) -> zhuanban_ledger::Report {
    store
        .save_report(
            &ReportInput {
                round_id: round,
                task_id: task.id,
                unit_id: unit,
                values: vec![],
                milestones: vec![],
                narrative: "按计划推进".into(),
                problems: String::new(),
                next_steps: String::new(),
                submit: true,
                expected_version: None,
                at: None,
                evidence: vec![],
            },
            &Actor::new("单位填报员", "test"),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_ranking_is_per_round_with_the_year_apart_and_its_rules_shown() {
    let dir = tempfile::tempdir().unwrap();
    let store = Db::open(&dir.path().join("ledger.db")).await.unwrap();
    let office = Actor::new("办公室", "test");
    let plan = read_text(SEED, &ReadOptions::new("seed.txt")).plan;
    let plan_id = store
        .import_plan(&plan, &ImportOptions::default(), &office)
        .await
        .unwrap()
        .plan_id;
    let tasks = store.tasks(plan_id, None).await.unwrap();
    let a = store.unit_by_name("区住房城乡建设局").await.unwrap();
    let b = store.unit_by_name("区交通运输局").await.unwrap();
    let led_by = |u: UnitId| -> Vec<TaskRecord> {
        tasks
            .iter()
            .filter(|t| t.lead.contains(&u))
            .cloned()
            .collect()
    };
    assert!(!led_by(a.id).is_empty() && !led_by(b.id).is_empty());

    // Round 1: A reports nothing; B reports everything, accepted.
    let r1 = store
        .open_round(
            &RoundInput {
                plan_id,
                name: "3月调度".into(),
                as_of: d("2024-03-31"),
                due: d("2099-04-05"),
            },
            false,
            &office,
        )
        .await
        .unwrap();
    for t in led_by(b.id) {
        let r = report(&store, r1.id, &t, b.id).await;
        store
            .accept_report(r.id, r.row_version, &office)
            .await
            .unwrap();
    }
    let r1 = store.round(r1.id).await.unwrap();
    store
        .close_round(r1.id, r1.row_version, &office)
        .await
        .unwrap();

    // Round 2: A reports everything, accepted; B's reports are returned and not resubmitted.
    let r2 = store
        .open_round(
            &RoundInput {
                plan_id,
                name: "4月调度".into(),
                as_of: d("2024-04-30"),
                due: d("2099-05-05"),
            },
            false,
            &office,
        )
        .await
        .unwrap();
    for t in led_by(a.id) {
        let r = report(&store, r2.id, &t, a.id).await;
        store
            .accept_report(r.id, r.row_version, &office)
            .await
            .unwrap();
    }
    for t in led_by(b.id) {
        let r = report(&store, r2.id, &t, b.id).await;
        store
            .return_report(r.id, r.row_version, "请补充量化数据", &office)
            .await
            .unwrap();
    }

    let (bulletin, _) = preview(&store, r2.id, d("2024-05-08")).await.unwrap();
    let row = |rows: &[zhuanban_office::bulletin::RankRow], unit: &str| {
        rows.iter()
            .find(|r| r.unit == unit)
            .unwrap_or_else(|| panic!("{unit} is ranked: {rows:?}"))
            .clone()
    };

    // This round: A owes nothing; B's returned reports are 退回未重报, never 未报送.
    let a_now = row(&bulletin.ranking, &a.name);
    let b_now = row(&bulletin.ranking, &b.name);
    assert!(!a_now.deductions.contains("未报送"), "{a_now:?}");
    assert!(b_now.deductions.contains("退回未重报"), "{b_now:?}");
    assert!(!b_now.deductions.contains("未报送"), "{b_now:?}");
    assert!(a_now.score > b_now.score, "{a_now:?} {b_now:?}");
    assert!(a_now.rank < b_now.rank);

    // The year to date, apart: A's missing round 1 counts there.
    let a_year = row(&bulletin.ranking_year, &a.name);
    assert!(a_year.deductions.contains("未报送"), "{a_year:?}");
    assert!(a_year.score < a_now.score);

    // Units that lead nothing are listed apart, never ranked.
    let leaders: Vec<UnitId> = tasks.iter().flat_map(|t| t.lead.clone()).collect();
    assert!(
        !bulletin.unranked.is_empty(),
        "the seed has support-only units"
    );
    for name in &bulletin.unranked {
        let u = store.unit_by_name(name).await.unwrap();
        assert!(!leaders.contains(&u.id), "{name} leads a task");
        assert!(bulletin.ranking.iter().all(|r| &r.unit != name));
    }
    for r in &bulletin.ranking {
        let u = store.unit_by_name(&r.unit).await.unwrap();
        assert!(
            leaders.contains(&u.id),
            "{} leads nothing but is ranked",
            r.unit
        );
    }

    // The rules used are printed, with the settings' figures.
    let rules = bulletin.ranking_rules.join("");
    assert!(rules.contains("本期排名"), "{rules}");
    assert!(rules.contains("报告被退回后未重报每项扣5分"), "{rules}");
    assert!(rules.contains("牵头任务未报送每项扣10分"), "{rules}");
    assert!(rules.contains("年度累计排名"), "{rules}");

    // And in the documents the office sends.
    let html = zhuanban_office::html::bulletin_html(&bulletin);
    assert!(html.contains("退回未重报"));
    assert!(html.contains("报告被退回后未重报每项扣5分"));
}
