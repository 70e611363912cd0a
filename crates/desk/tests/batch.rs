//! Judging several plans together gives each plan exactly the judgement it gets alone
//! (`judge_plans` against `judge`), on a real SQLite file and on a throwaway PostgreSQL
//! cluster: plans with the same task numbers, different rounds, dates, versions, accepted
//! values, milestones and extensions, a plan without rounds, a plan named twice.

use chrono::NaiveDate;
use zhuanban_desk::judge::{Judged, View, judge, judge_plans};
use zhuanban_ledger::{Id, RoundId, TaskRecord};
use zhuanban_plan::{ReadOptions, read_text};
use zhuanban_store::dispatch::ExtensionInput;
use zhuanban_store::{Actor, Db, ImportOptions, ReportInput, RoundInput, Store};

const SEED: &str = include_str!("../../plan/tests/data/plans/datonghu-regional-action-2024.txt");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn office() -> Actor {
    Actor::new("办公室", "test")
}

async fn import(store: &Db, new_version_of: Option<Id>) -> Id {
    let plan = read_text(SEED, &ReadOptions::new("seed.txt")).plan;
    store
        .import_plan(
            &plan,
            &ImportOptions {
                plan_id: new_version_of,
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap()
        .plan_id
}

async fn round(store: &Db, plan_id: Id, as_of: &str, due: &str) -> zhuanban_ledger::Round {
    store
        .open_round(
            &RoundInput {
                plan_id,
                name: format!("{as_of} 调度"),
                as_of: d(as_of),
                due: d(due),
            },
            false,
            &office(),
        )
        .await
        .unwrap()
}

async fn task(store: &Db, plan_id: Id, code: &str) -> TaskRecord {
    store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == code)
        .unwrap()
}

/// The first task of a plan with a target and a milestone (the seed has one).
async fn task_with_milestone(store: &Db, plan_id: Id) -> TaskRecord {
    store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| !t.milestones.is_empty() && !t.lead.is_empty())
        .expect("a task with a milestone")
}

/// A lead unit's submitted report on a task, accepted when `accept`.
async fn report(store: &Db, round: RoundId, t: &TaskRecord, value: Option<f64>, accept: bool) {
    let r = store
        .save_report(
            &ReportInput {
                round_id: round,
                task_id: t.id,
                unit_id: t.lead[0],
                values: t
                    .targets
                    .first()
                    .zip(value)
                    .map(|(g, v)| vec![(g.id, v)])
                    .unwrap_or_default(),
                milestones: t
                    .milestones
                    .first()
                    .filter(|_| value.is_some())
                    .map(|m| vec![(m.id, true, None)])
                    .unwrap_or_default(),
                narrative: "按计划推进".into(),
                submit: true,
                ..Default::default()
            },
            &Actor::new("单位填报员", "test"),
        )
        .await
        .unwrap();
    if accept {
        store
            .accept_report(r.id, r.row_version, &office())
            .await
            .unwrap();
    }
}

/// Everything a judgement gives, comparable.
fn facts(j: &Judged) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{}\n{:?}\n{:?}",
        j.plan, j.rounds, j.round, j.as_of, j.tasks, j.units
    )
}

async fn the_batch_judges_each_plan_as_alone(store: &Db) {
    // A: two versions, a closed round with accepted values and a done milestone under the
    // first, an open round with a submitted report under the second.
    let a = import(store, None).await;
    // B: the same task numbers, a round of its own with other values, an extension granted.
    let b = import(store, None).await;
    // C: no round at all (judged as of today).
    let c = import(store, None).await;

    let a1 = round(store, a, "2024-06-30", "2024-07-05").await;
    let t = task(store, a, "2.3.2").await;
    report(store, a1.id, &t, Some(3.0), true).await;
    let m = task_with_milestone(store, a).await;
    report(store, a1.id, &m, Some(1.0), true).await;
    let a1 = store.round(a1.id).await.unwrap();
    store
        .close_round(a1.id, a1.row_version, &office())
        .await
        .unwrap();
    import(store, Some(a)).await;
    let a2 = round(store, a, "2024-09-30", "2024-10-05").await;
    let t = task(store, a, "2.3.2").await;
    report(store, a2.id, &t, Some(5.0), false).await;

    let b1 = round(store, b, "2024-03-31", "2024-04-05").await;
    let t = task(store, b, "2.3.2").await;
    report(store, b1.id, &t, Some(1.0), true).await;
    let m = task_with_milestone(store, b).await;
    let target = t.targets[0].id;
    let e = store
        .request_extension(
            &ExtensionInput {
                task_id: t.id,
                target_id: Some(target),
                milestone_id: None,
                unit_id: t.lead[0],
                requested: d("2025-06-30"),
                reason: "资金未到位".into(),
            },
            &Actor::new("单位填报员", "test"),
        )
        .await
        .unwrap();
    store.decide_extension(e.id, true, &office()).await.unwrap();
    report(store, b1.id, &m, None, false).await;

    let today = d("2024-11-15");
    let ids = [a, b, c, a];
    for view in [
        View::default(),
        View {
            round: None,
            as_of: Some(d("2024-12-31")),
        },
        View {
            round: None,
            as_of: Some(d("2024-05-31")),
        },
    ] {
        let together = judge_plans(store, &ids, view, today).await.unwrap();
        assert_eq!(together.len(), ids.len());
        for (id, j) in ids.iter().zip(&together) {
            let alone = judge(store, *id, view, today).await.unwrap();
            assert_eq!(j.plan.id, *id);
            assert_eq!(facts(j), facts(&alone), "plan {id}, {view:?}");
            assert_eq!(j.eval, alone.eval, "plan {id}, {view:?}");
        }
        // The plans are told apart although their tasks have the same numbers.
        let of = |j: &Judged| {
            j.rows()
                .find(|(t, _)| t.code == "2.3.2")
                .map(|(_, s)| s.clone())
                .unwrap()
        };
        assert_ne!(
            of(&together[0]).targets,
            of(&together[1]).targets,
            "{view:?}"
        );
        assert_eq!(together[0].eval, together[3].eval);
    }
    // By default each plan is judged at its own date: A at its closed round's (the open
    // round has no accepted report yet), B at its round's, C (no round) today.
    let together = judge_plans(store, &ids, View::default(), today)
        .await
        .unwrap();
    assert_eq!(together[0].as_of, d("2024-06-30"));
    assert_eq!(together[0].round.as_ref().map(|r| r.id), Some(a2.id));
    assert_eq!(together[1].as_of, d("2024-03-31"));
    assert_eq!(together[2].as_of, today);
    assert!(together[2].round.is_none());
    // A round belongs to one plan: naming it with another is refused, together as alone.
    let view = View {
        round: Some(b1.id),
        as_of: None,
    };
    assert!(judge(store, a, view, today).await.is_err());
    assert!(judge_plans(store, &[b, a], view, today).await.is_err());
    let only_b = judge_plans(store, &[b], view, today).await.unwrap();
    assert_eq!(
        facts(&only_b[0]),
        facts(&judge(store, b, view, today).await.unwrap())
    );
    // An unknown plan is not found, together as alone.
    assert!(
        judge_plans(store, &[a, 999_999], View::default(), today)
            .await
            .is_err()
    );
    assert!(
        judge_plans(store, &[], View::default(), today)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_the_batch_judges_each_plan_as_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Db::open(&dir.path().join("ledger.db")).await.unwrap();
    the_batch_judges_each_plan_as_alone(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_the_batch_judges_each_plan_as_alone() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = zhuanban_testkit::pg::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.new_database().unwrap();
    let store = Db::open_pg(
        &url,
        &zhuanban_store::PgOptions::new(dir.path().join("ledger.audit-key")),
    )
    .await
    .unwrap();
    the_batch_judges_each_plan_as_alone(&store).await;
}
