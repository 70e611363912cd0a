//! The store's conformance suite, for real on both backends: import, versions, rounds,
//! reports, conflicts, atomicity, audit, claims. Every test runs on a SQLite file
//! (`sqlite::…`) and on a throwaway PostgreSQL cluster (`postgres::…`, see
//! `zhuanban_testkit::pg`); a test of what only one backend has says so by its name.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use zhuanban_ledger::evaluate::evaluate;
use zhuanban_ledger::{ReportState, Reporting, RoundId, TaskId, UnitId};
use zhuanban_plan::{ReadOptions, read_text};
use zhuanban_store::{Actor, ImportOptions, ReportInput, RoundInput, Store, StoreError};

const SEED: &str = include_str!("../../plan/tests/data/plans/datonghu-regional-action-2024.txt");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn office() -> Actor {
    Actor::new("办公室甲", "test")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Pg,
}

/// Runs each named test (an `async fn(Backend)`) on both backends.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Backend::Pg).await
                }
            )*
        }
    };
}

struct TestDb {
    dir: tempfile::TempDir,
    /// The SQLite file, or the PostgreSQL URL.
    spec: String,
    store: zhuanban_store::Db,
    _cluster: Option<zhuanban_testkit::pg::PgCluster>,
}

impl TestDb {
    fn path(&self) -> PathBuf {
        PathBuf::from(&self.spec)
    }

    /// Another store on the same database: another server.
    async fn reopen(&self) -> zhuanban_store::Db {
        if self._cluster.is_some() {
            zhuanban_store::Db::open_pg(&self.spec, &pg_options(self.dir.path()))
                .await
                .unwrap()
        } else {
            zhuanban_store::Db::open(&self.path()).await.unwrap()
        }
    }

    /// Runs SQL beside the store (the statement for this backend), on a connection of its own.
    async fn exec(&self, sqlite: &str, pg: &str) {
        match &self._cluster {
            None => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            Some(_) => {
                let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(pg.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
    }

    /// Whether a statement run beside the store fails.
    async fn refuses(&self, sql: &str) -> bool {
        match &self._cluster {
            None => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.spec))
                    .await
                    .unwrap();
                let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&pool)
                    .await;
                pool.close().await;
                r.is_err()
            }
            Some(_) => {
                let pool = sqlx::PgPool::connect(&self.spec).await.unwrap();
                let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&pool)
                    .await;
                pool.close().await;
                r.is_err()
            }
        }
    }
}

fn pg_options(dir: &Path) -> zhuanban_store::PgOptions {
    zhuanban_store::PgOptions::new(dir.join("ledger.audit-key"))
}

async fn fresh(backend: Backend) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => {
            let path = dir.path().join("ledger.db");
            let store = zhuanban_store::Db::open(&path).await.unwrap();
            TestDb {
                spec: path.to_string_lossy().into_owned(),
                dir,
                store,
                _cluster: None,
            }
        }
        Backend::Pg => {
            let cluster =
                zhuanban_testkit::pg::PgCluster::start().expect("a throwaway PostgreSQL cluster");
            let url = cluster.new_database().unwrap();
            let store = zhuanban_store::Db::open_pg(&url, &pg_options(dir.path()))
                .await
                .unwrap();
            TestDb {
                spec: url,
                dir,
                store,
                _cluster: Some(cluster),
            }
        }
    }
}

async fn seeded(backend: Backend) -> (TestDb, i64) {
    let db = fresh(backend).await;
    let plan = read_text(SEED, &ReadOptions::new("seed.txt")).plan;
    let out = db
        .store
        .import_plan(&plan, &ImportOptions::default(), &office())
        .await
        .unwrap();
    (db, out.plan_id)
}

/// A count read beside the store.
async fn count(db: &TestDb, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match &db._cluster {
        None => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.spec))
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
        Some(_) => {
            let pool = sqlx::PgPool::connect(&db.spec).await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
    }
}

async fn round(
    db: &TestDb,
    plan_id: i64,
    name: &str,
    as_of: &str,
    due: &str,
) -> zhuanban_ledger::Round {
    db.store
        .open_round(
            &RoundInput {
                plan_id,
                name: name.into(),
                as_of: d(as_of),
                due: d(due),
            },
            false,
            &office(),
        )
        .await
        .unwrap()
}

/// The ids of a task by code, its unit ids by name, and its target ids by seq.
async fn task(
    db: &TestDb,
    plan_id: i64,
    version: Option<i64>,
    code: &str,
) -> zhuanban_ledger::TaskRecord {
    db.store
        .tasks(plan_id, version)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == code)
        .unwrap()
}

async fn unit(db: &TestDb, name: &str) -> UnitId {
    db.store.unit_by_name(name).await.unwrap().id
}

async fn importing_the_seed_makes_the_ledger(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let tasks = db.store.tasks(plan_id, None).await.unwrap();
    assert_eq!(tasks.len(), 16);
    assert_eq!(tasks.iter().map(|t| t.targets.len()).sum::<usize>(), 26);
    let codes: Vec<&str> = tasks.iter().map(|t| t.code.as_str()).collect();
    assert_eq!(codes[..4], ["1", "2.1.1", "2.1.2", "2.1.3"]);
    assert_eq!(codes.last(), Some(&"3"));
    let units = db.store.units(plan_id).await.unwrap();
    let members: Vec<&str> = units
        .iter()
        .filter(|u| u.member)
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(members.len(), 11, "{members:?}");
    assert!(members.contains(&"区政务中心") && members.contains(&"区公安分局"));
    let all: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
    for u in [
        "区委宣传统战部",
        "区民政人社局",
        "区南洞庭保护管理局",
        "区生态公司",
        "大通湖产业开发区",
    ] {
        assert!(all.contains(&u), "{u}");
    }
    // The office's short name is an alias of the full one.
    assert_eq!(
        db.store.unit_by_name("发改财政局").await.unwrap().name,
        "区发改财政局"
    );
    let plan = db.store.plan(plan_id).await.unwrap();
    assert_eq!(
        (plan.version, plan.period_start, plan.period_end),
        (1, d("2024-01-01"), d("2024-12-31"))
    );
    let t = task(&db, plan_id, None, "2.4.4").await;
    assert_eq!(t.targets[1].value, 270000.0);
    assert_eq!(t.lead, vec![unit(&db, "区农业农村水利局").await]);
    // One audit record for the import, and the chain verifies.
    let log = db.store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "plan.import");
    assert!(db.store.verify_audit().await.unwrap().breaks.is_empty());
}

async fn a_new_version_keeps_old_reports_and_statuses_reproducible(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r1 = round(&db, plan_id, "2024年6月调度", "2024-06-30", "2024-07-05").await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    let lead = t.lead[0];
    let rep = db
        .store
        .save_report(
            &ReportInput {
                round_id: r1.id,
                task_id: t.id,
                unit_id: lead,
                values: vec![(t.targets[0].id, 1.0), (t.targets[1].id, 600.0)],
                narrative: "按计划推进".into(),
                submit: true,
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap();
    db.store
        .accept_report(rep.id, rep.row_version, &office())
        .await
        .unwrap();
    let before = evaluate(
        &db.store
            .snapshot(plan_id, d("2024-06-30"), Some(r1.id))
            .await
            .unwrap(),
        d("2024-06-30"),
    );

    // The amended plan: 2.3.2 now asks for 5 old compounds instead of 3.
    let amended = SEED.replace("完成3个老旧小区改造。实施好", "完成5个老旧小区改造。实施好");
    let plan = read_text(&amended, &ReadOptions::new("seed-v2.txt")).plan;
    let out = db
        .store
        .import_plan(
            &plan,
            &ImportOptions {
                plan_id: Some(plan_id),
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap();
    assert_eq!((out.plan_id, out.version), (plan_id, 2));
    assert_eq!(db.store.plan(plan_id).await.unwrap().version, 2);

    // The old round is judged against version 1, exactly as before.
    let again = evaluate(
        &db.store
            .snapshot(plan_id, d("2024-06-30"), Some(r1.id))
            .await
            .unwrap(),
        d("2024-06-30"),
    );
    assert_eq!(before, again);
    let old = task(&db, plan_id, Some(1), "2.3.2").await;
    assert_eq!(old.targets[0].value, 3.0);
    assert_eq!(
        db.store.report(rep.id).await.unwrap().state,
        ReportState::Accepted
    );

    // The current version sees the same history against its new target.
    let new = task(&db, plan_id, None, "2.3.2").await;
    assert_eq!(new.targets[0].value, 5.0);
    let now = evaluate(
        &db.store
            .snapshot(plan_id, d("2024-06-30"), None)
            .await
            .unwrap(),
        d("2024-06-30"),
    );
    let ts = now.tasks.iter().find(|t| t.code == "2.3.2").unwrap();
    assert_eq!(ts.targets[0].actual, Some(1.0));
    assert!((ts.targets[0].progress.unwrap() - 0.2).abs() < 1e-9);
}

async fn stale_updates_are_refused(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "3月", "2024-03-31", "2024-04-05").await;
    let t = task(&db, plan_id, None, "2.4.4").await;
    let input = ReportInput {
        round_id: r.id,
        task_id: t.id,
        unit_id: t.lead[0],
        values: vec![(t.targets[0].id, 2000.0)],
        submit: false,
        ..Default::default()
    };
    let draft = db.store.save_report(&input, &office()).await.unwrap();
    // Two people edit the same draft; the second one's base is stale.
    let mut first = input.clone();
    first.expected_version = Some(draft.row_version);
    first.values = vec![(t.targets[0].id, 2500.0)];
    db.store.save_report(&first, &office()).await.unwrap();
    let mut second = input.clone();
    second.expected_version = Some(draft.row_version);
    second.values = vec![(t.targets[0].id, 9999.0)];
    let err = db.store.save_report(&second, &office()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("已被他人修改"));
    let stored = db.store.report(draft.id).await.unwrap();
    assert_eq!(stored.values[0].value, 2500.0);
    // A new report over an existing one without its version is a conflict too.
    assert!(matches!(
        db.store.save_report(&input, &office()).await,
        Err(StoreError::Conflict { .. })
    ));
    // Closing a round with a stale version.
    let err = db
        .store
        .close_round(r.id, r.row_version + 1, &office())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    // Reviewing with a stale version.
    let mut submit = input.clone();
    submit.expected_version = Some(stored.row_version);
    submit.submit = true;
    submit.narrative = "按计划推进".into();
    let sub = db.store.save_report(&submit, &office()).await.unwrap();
    assert!(matches!(
        db.store
            .accept_report(sub.id, sub.row_version - 1, &office())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    db.store
        .accept_report(sub.id, sub.row_version, &office())
        .await
        .unwrap();
}

async fn a_report_reads_back_exactly_as_saved(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "3月", "2024-03-31", "2024-04-05").await;
    let t = task(&db, plan_id, None, "2.4.4").await;
    // Values that need all 17 significant digits, and text with quotes and brackets.
    let mut values: Vec<f64> = vec![0.1 + 0.2, 1.0 / 3.0, 123_456_789.012_345_67, -0.0, 5e-324];
    // And 200 more spread over magnitudes (a fixed linear congruential sequence).
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..200 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mantissa = (x >> 11) as f64 / (1u64 << 53) as f64;
        let exp = ((x >> 3) % 24) as i32 - 8;
        values.push(mantissa * 10f64.powi(exp));
    }
    for v in values {
        let input = ReportInput {
            round_id: r.id,
            task_id: t.id,
            unit_id: t.lead[0],
            values: vec![(t.targets[0].id, v.abs())],
            narrative: "完成\"第[1]批\"，\\ 100%".into(),
            expected_version: db
                .store
                .reports(r.id)
                .await
                .unwrap()
                .first()
                .map(|x| x.row_version),
            ..Default::default()
        };
        let saved = db.store.save_report(&input, &office()).await.unwrap();
        let stored = db.store.report(saved.id).await.unwrap();
        assert_eq!(stored.values[0].value.to_bits(), v.abs().to_bits(), "{v}");
        assert_eq!(stored.narrative, input.narrative);
        // What a save returns is what a later read gives.
        assert_eq!(saved, stored);
    }
    // Milestone states, evidence (two files of one name; one attached again), a draft made,
    // edited and submitted: each save's answer is what a later read gives.
    let t = db
        .store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.milestones.len() >= 2 && !t.lead.is_empty())
        .expect("a task with two milestones");
    let file = |sha: char, name: &str| zhuanban_ledger::EvidenceRef {
        sha256: sha.to_string().repeat(64),
        name: name.into(),
        size: 10,
        mime: "application/pdf".into(),
    };
    let steps = [
        (
            vec![(t.milestones[1].id, true, Some(d("2024-03-02")))],
            vec![file('b', "照片.pdf"), file('a', "照片.pdf")],
            false,
        ),
        (
            vec![
                (t.milestones[1].id, false, None),
                (t.milestones[0].id, true, Some(d("2024-03-20"))),
            ],
            vec![file('a', "另一名称.pdf"), file('c', "验收单.pdf")],
            true,
        ),
    ];
    let mut version = None;
    for (milestones, evidence, submit) in steps {
        let input = ReportInput {
            round_id: r.id,
            task_id: t.id,
            unit_id: t.lead[0],
            milestones,
            evidence,
            narrative: "按计划推进".into(),
            submit,
            expected_version: version,
            ..Default::default()
        };
        let saved = db.store.save_report(&input, &office()).await.unwrap();
        let stored = db.store.report(saved.id).await.unwrap();
        assert_eq!(saved, stored);
        version = Some(saved.row_version);
    }
    let last = db.store.reports(r.id).await.unwrap();
    let last = last.iter().find(|x| x.task_id == t.id).unwrap();
    assert_eq!(last.evidence.len(), 3, "{:?}", last.evidence);
    assert!(last.submitted_at.is_some());
}

async fn a_failed_write_leaves_nothing_half_saved(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "4月", "2024-04-30", "2024-05-05").await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    // Fault injection: the database refuses a particular value, after the report row and the
    // first value of the same transaction were written.
    db.exec(
        "CREATE TRIGGER fail_mid_write BEFORE INSERT ON report_values WHEN NEW.value = 666
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        "CREATE FUNCTION fail_mid_write() RETURNS trigger AS $$
         BEGIN IF NEW.value = 666 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END
         $$ LANGUAGE plpgsql;
         CREATE TRIGGER fail_mid_write BEFORE INSERT ON report_values
         FOR EACH ROW EXECUTE PROCEDURE fail_mid_write();",
    )
    .await;
    let audit_before = count(&db, "SELECT COUNT(*) FROM audit").await;
    let input = ReportInput {
        round_id: r.id,
        task_id: t.id,
        unit_id: t.lead[0],
        values: vec![(t.targets[0].id, 1.0), (t.targets[1].id, 666.0)],
        narrative: "不应留下".into(),
        submit: true,
        ..Default::default()
    };
    let err = db.store.save_report(&input, &office()).await.unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM report_values").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit").await, audit_before);
    // The same report without the poisoned value goes through.
    let mut ok = input.clone();
    ok.values = vec![(t.targets[0].id, 1.0)];
    db.store.save_report(&ok, &office()).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 1);
}

async fn every_change_has_an_audit_record(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "5月", "2024-05-31", "2024-06-05").await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    let input = ReportInput {
        round_id: r.id,
        task_id: t.id,
        unit_id: t.lead[0],
        values: vec![(t.targets[0].id, 1.0)],
        narrative: "按计划推进".into(),
        submit: true,
        ..Default::default()
    };
    let rep = db
        .store
        .save_report(&input, &Actor::new("住建局联络员", "127.0.0.1"))
        .await
        .unwrap();
    let rep = db
        .store
        .return_report(rep.id, rep.row_version, "请补充佐证材料", &office())
        .await
        .unwrap();
    let mut fix = input.clone();
    fix.expected_version = Some(rep.row_version);
    fix.values = vec![(t.targets[0].id, 2.0)];
    let rep = db
        .store
        .save_report(&fix, &Actor::new("住建局联络员", "127.0.0.1"))
        .await
        .unwrap();
    db.store
        .accept_report(rep.id, rep.row_version, &office())
        .await
        .unwrap();
    db.store
        .close_round(r.id, r.row_version, &office())
        .await
        .unwrap();
    let log = db.store.audit_log(100).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "plan.import",
            "round.open",
            "report.submit",
            "report.return",
            "report.submit",
            "report.accept",
            "round.close"
        ]
    );
    let ret = log.iter().find(|a| a.action == "report.return").unwrap();
    assert!(ret.after.as_deref().unwrap().contains("请补充佐证材料"));
    assert!(ret.before.as_deref().unwrap().contains("submitted"));
    let resubmit = &log[2];
    assert_eq!(
        (resubmit.actor.as_str(), resubmit.source.as_str()),
        ("住建局联络员", "127.0.0.1")
    );
    assert!(
        resubmit.before.as_deref().unwrap().contains("\"1\":1.0")
            || resubmit.before.as_deref().unwrap().contains(":1.0")
    );
    assert!(db.store.verify_audit().await.unwrap().breaks.is_empty());
    // The table refuses edits and deletions.
    assert!(
        db.refuses("UPDATE audit SET actor = 'x' WHERE id = 1")
            .await
    );
    assert!(db.refuses("DELETE FROM audit WHERE id = 1").await);
}

async fn bad_reports_are_refused_and_change_nothing(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "6月", "2024-06-30", "2024-07-05").await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    let other = task(&db, plan_id, None, "2.4.4").await;
    let base = ReportInput {
        round_id: r.id,
        task_id: t.id,
        unit_id: t.lead[0],
        values: vec![(t.targets[0].id, 1.0)],
        narrative: "按计划推进".into(),
        submit: true,
        ..Default::default()
    };
    let audit_before = count(&db, "SELECT COUNT(*) FROM audit").await;
    let cases: Vec<(ReportInput, &str)> = vec![
        (
            ReportInput {
                values: vec![(other.targets[0].id, 5.0)],
                ..base.clone()
            },
            "不属于任务 2.3.2",
        ),
        (
            ReportInput {
                values: vec![(t.targets[0].id, -1.0)],
                ..base.clone()
            },
            "values[1]",
        ),
        (
            ReportInput {
                values: vec![(t.targets[0].id, f64::NAN)],
                ..base.clone()
            },
            "不是有效的数值",
        ),
        (
            ReportInput {
                unit_id: unit(&db, "区公安分局").await,
                ..base.clone()
            },
            "不是任务 2.3.2 的牵头或配合单位",
        ),
        (
            ReportInput {
                task_id: TaskId(999_999),
                ..base.clone()
            },
            "任务 #999999 不存在",
        ),
    ];
    for (input, needle) in cases {
        let err = db.store.save_report(&input, &office()).await.unwrap_err();
        assert!(
            err.to_string().contains(needle),
            "expected “{needle}” in “{err}”"
        );
    }
    // A closed round.
    db.store
        .close_round(r.id, r.row_version, &office())
        .await
        .unwrap();
    let err = db.store.save_report(&base, &office()).await.unwrap_err();
    assert!(err.to_string().contains("已关闭"), "{err}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 0);
    // Only the round's closing was recorded.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM audit").await,
        audit_before + 1
    );
}

async fn not_reported_and_late_in_a_round(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2024-10-05").await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    let rep = db
        .store
        .save_report(
            &ReportInput {
                round_id: r.id,
                task_id: t.id,
                unit_id: t.lead[0],
                values: vec![(t.targets[0].id, 3.0)],
                narrative: "按计划推进".into(),
                submit: true,
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap();
    // Submitted today, long after a 2024 due date.
    assert!(rep.late);
    let eval = evaluate(
        &db.store
            .snapshot(plan_id, d("2024-09-30"), Some(r.id))
            .await
            .unwrap(),
        d("2024-09-30"),
    );
    let by = |code: &str| {
        eval.tasks
            .iter()
            .find(|t| t.code == code)
            .unwrap()
            .reporting
    };
    // Submitted and not yet reviewed; the other task's unit did not report at all.
    assert_eq!(by("2.3.2"), Some(Reporting::AwaitingReview));
    assert_eq!(by("2.4.4"), Some(Reporting::Missing));
    // The progress judgement uses accepted values only: the submitted 3 does not count yet.
    let t232 = eval.tasks.iter().find(|t| t.code == "2.3.2").unwrap();
    assert_eq!(t232.targets[0].actual.unwrap_or(0.0), 0.0);
    // A report with a backdated time is refused outside demonstration data.
    let err = db
        .store
        .save_report(
            &ReportInput {
                round_id: r.id,
                task_id: task(&db, plan_id, None, "2.4.4").await.id,
                unit_id: unit(&db, "区农业农村水利局").await,
                narrative: "按计划推进".into(),
                submit: true,
                at: Some(chrono::Utc::now()),
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("演示数据"));
}

async fn a_plan_without_a_period_or_tasks_is_refused(b: Backend) {
    let db = fresh(b).await;
    let plan = read_text(
        "一、重点任务\n1．建设公园3个。（区住建局负责）",
        &ReadOptions::new("x"),
    )
    .plan;
    let err = db
        .store
        .import_plan(&plan, &ImportOptions::default(), &office())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("实施期限"), "{err}");
    let plan = read_text("没有编号的文字。", &ReadOptions::new("x")).plan;
    let err = db
        .store
        .import_plan(&plan, &ImportOptions::default(), &office())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("没有识别到任何任务"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM plans").await, 0);
}

/// Every pooled connection runs with `synchronous=FULL`, and the store sets it itself: SQLite's
/// compiled-in default is FULL today, so asking the connections alone could not notice the
/// setting being dropped (a build with `SQLITE_DEFAULT_WAL_SYNCHRONOUS=1` would then lose
/// acknowledged writes in a power cut).
#[tokio::test]
async fn sqlite_every_pooled_connection_is_synchronous_full() {
    let db = fresh(Backend::Sqlite).await;
    let opts = format!(
        "{:?}",
        zhuanban_store::Db::connect_options(&db.path()).unwrap()
    );
    assert!(
        opts.contains(r#""synchronous": Some("FULL")"#),
        "the connect options set synchronous=FULL explicitly: {opts}"
    );
    // Hold every connection of both pools at once, so that each one is asked.
    for pool in [
        db.store.sqlite_pool().unwrap(),
        db.store.sqlite_writer().unwrap(),
    ] {
        let mut held = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            held.push(pool.acquire().await.unwrap());
        }
        for conn in &mut held {
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(level, 2, "FULL on every connection");
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
        }
    }
}

/// The offline template's upload: several reports in one transaction, all or nothing.
async fn several_reports_are_saved_all_or_nothing(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2099-10-05").await;
    let a = task(&db, plan_id, None, "2.3.2").await;
    let b = task(&db, plan_id, None, "2.4.4").await;
    let good = |t: &zhuanban_ledger::TaskRecord| ReportInput {
        round_id: r.id,
        task_id: t.id,
        unit_id: t.lead[0],
        values: vec![(t.targets[0].id, 1.0)],
        narrative: "按计划推进".into(),
        submit: true,
        ..Default::default()
    };
    let audits = count(&db, "SELECT COUNT(*) FROM audit").await;
    // The second report names a target of another task: refused, and the first not saved.
    let mut bad = good(&b);
    bad.values = vec![(a.targets[0].id, 1.0)];
    let err = db
        .store
        .save_reports(&[good(&a), bad], &office())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2.4.4"), "{err}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit").await, audits);
    // Both good: both saved, each with its audit record.
    let saved = db
        .store
        .save_reports(&[good(&a), good(&b)], &office())
        .await
        .unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 2);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit WHERE action = 'report.submit'"
        )
        .await,
        2
    );
}

/// Group commit: many saves at once, some of them refused inside the committer's transaction
/// (a stale version): every good save is committed with its audit record, every refused one
/// is refused alone, and the audit chain holds.
async fn saves_committed_together_stand_or_fall_alone(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2099-10-05").await;
    let tasks = db.store.tasks(plan_id, None).await.unwrap();
    let audits = count(&db, "SELECT COUNT(*) FROM audit").await;
    let mut inputs = Vec::new();
    for t in &tasks {
        for &unit_id in t.lead.iter().chain(&t.support) {
            let good = ReportInput {
                round_id: r.id,
                task_id: t.id,
                unit_id,
                narrative: format!("{} 按计划推进", t.code),
                ..Default::default()
            };
            // The same report again, claiming a version that does not exist yet: refused
            // (whichever of the two the committer takes first, exactly one is refused).
            let stale = ReportInput {
                expected_version: Some(41),
                ..good.clone()
            };
            inputs.push(good);
            inputs.push(stale);
        }
    }
    assert!(inputs.len() >= 40, "{}", inputs.len());
    let store = std::sync::Arc::new(db.store.clone());
    let handles: Vec<_> = inputs
        .iter()
        .cloned()
        .map(|input| {
            let store = store.clone();
            tokio::spawn(async move { store.save_report(&input, &office()).await })
        })
        .collect();
    let mut saved = 0;
    for (input, h) in inputs.iter().zip(handles) {
        match h.await.unwrap() {
            Ok(report) => {
                assert_eq!(input.expected_version, None);
                assert_eq!(
                    (report.task_id, report.unit_id),
                    (input.task_id, input.unit_id)
                );
                saved += 1;
            }
            Err(StoreError::Conflict { .. }) => assert_eq!(input.expected_version, Some(41)),
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    assert_eq!(saved, inputs.len() / 2);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM reports").await,
        saved as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM audit").await,
        audits + saved as i64
    );
    assert!(db.store.verify_audit().await.unwrap().breaks.is_empty());
}

/// Sending from several servers: a message is claimed once, and a robot's rate is counted over
/// every claim on the database.
async fn outbox_messages_are_claimed_once_within_a_shared_rate(b: Backend) {
    let db = fresh(b).await;
    let hold = chrono::Duration::minutes(10);
    for i in 0..3 {
        assert!(
            db.store
                .enqueue(&format!("k{i}"), "wecom", "group", "催报", "请报送")
                .await
                .unwrap()
        );
    }
    let due = db.store.outbox_due(10).await.unwrap();
    assert_eq!(due.len(), 3);
    use zhuanban_store::Claim;
    // Another store on the same file: another server.
    let other = db.reopen().await;
    assert_eq!(
        db.store
            .claim_outbox(due[0].id, "wecom", Some(2), hold)
            .await
            .unwrap(),
        Claim::Mine
    );
    assert_eq!(
        other
            .claim_outbox(due[0].id, "wecom", Some(2), hold)
            .await
            .unwrap(),
        Claim::Taken
    );
    assert_eq!(
        other
            .claim_outbox(due[1].id, "wecom", Some(2), hold)
            .await
            .unwrap(),
        Claim::Mine
    );
    // Two claims of the channel in the last minute: the third waits, whichever server asks.
    assert!(matches!(
        db.store
            .claim_outbox(due[2].id, "wecom", Some(2), hold)
            .await
            .unwrap(),
        Claim::Throttled(_)
    ));
    // A message another server holds is taken, not throttled (a throttled one is rescheduled
    // by the worker, which must not touch a message being sent elsewhere).
    for (store, id) in [(&db.store, due[1].id), (&other, due[0].id)] {
        assert_eq!(
            store
                .claim_outbox(id, "wecom", Some(2), hold)
                .await
                .unwrap(),
            Claim::Taken
        );
    }
    // A claimed message is not due any more (until its hold ends).
    assert_eq!(db.store.outbox_due(10).await.unwrap().len(), 1);
}

/// A reading uploaded through the desk: corrected as a draft (a stale or invalid correction
/// changes nothing), confirmed once as a plan carrying the corrections, then as a new version.
async fn a_reading_is_corrected_and_confirmed_once(b: Backend) {
    use zhuanban_store::NewReading;
    let db = fresh(b).await;
    let read = read_text(SEED, &ReadOptions::new("seed.txt"));
    let r = db
        .store
        .create_reading(
            &NewReading {
                source: "seed.txt",
                format: "UTF-8",
                text: SEED,
                plan: &read.plan,
                diagnostics: &read.diagnostics,
                revises: None,
            },
            &office(),
        )
        .await
        .unwrap();
    assert_eq!(r.state, "draft");
    assert_eq!(r.reading, read.plan);
    assert_eq!(r.text, SEED);
    // The office corrects a lead unit and a target's value.
    let mut corrected = r.reading.clone();
    let i = corrected
        .tasks
        .iter()
        .position(|t| t.id == "2.3.2")
        .unwrap();
    corrected.tasks[i].lead = vec!["区财政局".to_string()];
    let old_value = corrected.tasks[i].targets[0].value;
    corrected.tasks[i].targets[0].value = old_value + 1.0;
    let saved = db
        .store
        .correct_reading(r.id, &corrected, r.row_version, &office())
        .await
        .unwrap();
    let mut expected = corrected.clone();
    zhuanban_store::complete_units(&mut expected);
    assert_eq!(
        saved.reading, expected,
        "the corrected unit joins the unit table"
    );
    assert!(saved.reading.units.iter().any(|u| u.name == "区财政局"));
    assert_eq!(
        saved.original, read.plan,
        "the reader's reading is kept as read"
    );
    // A stale version and an invalid correction are refused and change nothing.
    let stale = db
        .store
        .correct_reading(r.id, &read.plan, r.row_version, &office())
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let mut bad = saved.reading.clone();
    bad.tasks[i].title = "  ".into();
    let e = db
        .store
        .correct_reading(r.id, &bad, saved.row_version, &office())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid { field, .. } if field == &format!("tasks[{i}].title")),
        "{e:?}"
    );
    assert_eq!(db.store.reading(r.id).await.unwrap(), saved);
    // Confirmed: a plan whose task carries the corrections; a second confirmation is refused.
    let audits = count(&db, "SELECT COUNT(*) FROM audit").await;
    let out = db
        .store
        .confirm_reading(r.id, None, &office())
        .await
        .unwrap();
    assert_eq!(out.version, 1);
    let tasks = db.store.tasks(out.plan_id, None).await.unwrap();
    let t = tasks.iter().find(|t| t.code == "2.3.2").unwrap();
    let lead = db.store.unit_by_name("区财政局").await.unwrap();
    assert_eq!(t.lead, vec![lead.id]);
    assert_eq!(t.targets[0].value, old_value + 1.0);
    assert!(
        count(&db, "SELECT COUNT(*) FROM audit").await >= audits + 2,
        "the import and the confirmation are audited"
    );
    let again = db.store.confirm_reading(r.id, None, &office()).await;
    assert!(
        matches!(again, Err(StoreError::Invalid { .. })),
        "{again:?}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM plans").await, 1);
    let done = db.store.reading(r.id).await.unwrap();
    assert_eq!(
        (done.state.as_str(), done.plan_id, done.version),
        ("confirmed", Some(out.plan_id), Some(1))
    );
    // A second reading of the same document becomes the plan's version 2.
    let r2 = db
        .store
        .create_reading(
            &NewReading {
                source: "seed-v2.txt",
                format: "UTF-8",
                text: SEED,
                plan: &read.plan,
                diagnostics: &[],
                revises: Some(out.plan_id),
            },
            &office(),
        )
        .await
        .unwrap();
    // The same document again: the office's correction of 2.3.2 carries over.
    assert_eq!(r2.reapplied.corrected, vec!["2.3.2".to_string()]);
    assert_eq!(r2.reading.tasks[i].lead, vec!["区财政局".to_string()]);
    assert_eq!(
        r2.original, read.plan,
        "as read, before the carried corrections"
    );
    let out2 = db
        .store
        .confirm_reading(r2.id, Some(out.plan_id), &office())
        .await
        .unwrap();
    assert_eq!((out2.plan_id, out2.version), (out.plan_id, 2));
    assert!(db.store.verify_audit().await.unwrap().breaks.is_empty());
}

/// Closing a store (before a backup copies its files, after a restore checks it) returns once
/// its writes are done, on both backends: on PostgreSQL the change listener, which holds a
/// connection of the pool, ends too; the database takes other connections afterwards.
async fn closing_a_store_returns_after_its_writes(backend: Backend) {
    let (db, plan_id) = seeded(backend).await;
    // Another server on the same database keeps working while this one closes.
    let other = db.reopen().await;
    let round = db
        .store
        .open_round(
            &RoundInput {
                plan_id,
                name: "关闭前".into(),
                as_of: d("2024-03-31"),
                due: d("2024-04-05"),
            },
            false,
            &office(),
        )
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(20), db.store.close())
        .await
        .expect("close returns");
    assert_eq!(other.round(round.id).await.unwrap().name, "关闭前");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM rounds").await, 1);
    let check = other.verify_audit().await.unwrap();
    assert!(check.breaks.is_empty(), "{:?}", check.breaks);
    tokio::time::timeout(std::time::Duration::from_secs(20), other.close())
        .await
        .expect("close returns");
}

/// A batch of saves checked and committed together (`Db::save_each`: on PostgreSQL each
/// table's rows of the whole batch by one statement): new reports, the edit of a draft with
/// evidence, milestone states, and refusals among them (a stale edit of the report the batch
/// edits, a unit not on the task, another task's target). Each refused save alone is refused;
/// the others are saved, read back as saved, each with its audit record, and the chain holds.
async fn a_batch_of_saves_stands_or_falls_save_by_save(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2099-10-05").await;
    let tasks = db.store.tasks(plan_id, None).await.unwrap();
    let with_target: Vec<&zhuanban_ledger::TaskRecord> = tasks
        .iter()
        .filter(|t| !t.targets.is_empty() && !t.lead.is_empty())
        .collect();
    let (a, other) = (with_target[0], with_target[1]);
    let m = tasks
        .iter()
        .find(|t| {
            !t.milestones.is_empty() && !t.lead.is_empty() && t.id != a.id && t.id != other.id
        })
        .expect("a task with milestones");
    let outsider = tasks
        .iter()
        .flat_map(|t| t.lead.iter().chain(&t.support))
        .copied()
        .find(|u| !other.lead.contains(u) && !other.support.contains(u))
        .expect("a unit not on the task");
    let draft = db
        .store
        .save_report(
            &ReportInput {
                round_id: r.id,
                task_id: a.id,
                unit_id: a.lead[0],
                values: vec![(a.targets[0].id, 1.0)],
                narrative: "草稿".into(),
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap();
    let audits = count(&db, "SELECT COUNT(*) FROM audit").await;
    let edit = ReportInput {
        round_id: r.id,
        task_id: a.id,
        unit_id: a.lead[0],
        values: vec![(a.targets[0].id, 2.5)],
        narrative: "第二稿：按计划推进".into(),
        expected_version: Some(draft.row_version),
        evidence: vec![zhuanban_ledger::EvidenceRef {
            sha256: "ab".repeat(32),
            name: "现场照片.jpg".into(),
            size: 1234,
            mime: "image/jpeg".into(),
        }],
        ..Default::default()
    };
    let inputs = vec![
        edit.clone(),
        // A new draft.
        ReportInput {
            round_id: r.id,
            task_id: other.id,
            unit_id: other.lead[0],
            values: vec![(other.targets[0].id, 7.0)],
            narrative: "新稿".into(),
            ..Default::default()
        },
        // The same edit again: stale once the first is saved (a conflict, the draft still a
        // draft).
        edit.clone(),
        // A unit that neither leads nor supports the task.
        ReportInput {
            round_id: r.id,
            task_id: other.id,
            unit_id: outsider,
            narrative: "越权".into(),
            ..Default::default()
        },
        // Milestone states, submitted.
        ReportInput {
            round_id: r.id,
            task_id: m.id,
            unit_id: m.lead[0],
            milestones: vec![(m.milestones[0].id, true, Some(d("2024-09-01")))],
            narrative: "节点已完成".into(),
            submit: true,
            ..Default::default()
        },
        // Another task's target.
        ReportInput {
            round_id: r.id,
            task_id: m.id,
            unit_id: m.lead[0],
            values: vec![(a.targets[0].id, 1.0)],
            narrative: "错填".into(),
            ..Default::default()
        },
    ];
    let out = db.store.save_each(&inputs, &office()).await;
    assert_eq!(out.len(), inputs.len());
    let edited = out[0].as_ref().expect("the edit is saved");
    assert_eq!(edited.id, draft.id);
    assert_eq!(edited.row_version, draft.row_version + 1);
    assert_eq!(edited.state, ReportState::Draft);
    assert_eq!(edited.narrative, edit.narrative);
    assert_eq!(edited.values.len(), 1);
    assert_eq!(edited.values[0].value, 2.5);
    assert_eq!(edited.evidence.len(), 1);
    assert!(out[1].is_ok(), "{:?}", out[1]);
    assert!(
        matches!(out[2], Err(StoreError::Conflict { .. })),
        "{:?}",
        out[2]
    );
    assert!(
        matches!(&out[3], Err(StoreError::Invalid { field, .. }) if field == "unit"),
        "{:?}",
        out[3]
    );
    let done = out[4].as_ref().expect("the milestone states are saved");
    assert_eq!(done.milestones.len(), 1);
    assert!(done.milestones[0].done);
    assert!(
        matches!(&out[5], Err(StoreError::Invalid { .. })),
        "{:?}",
        out[5]
    );
    // What each save returned is what a later read gives.
    for saved in out.iter().flatten() {
        assert_eq!(saved, &db.store.report(saved.id).await.unwrap());
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM report_values").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evidence").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit").await, audits + 3);
    let check = db.store.verify_audit().await.unwrap();
    assert!(check.breaks.is_empty(), "{:?}", check.breaks);
    assert_eq!(check.records as i64, audits + 3);
    // The edit's audit record holds the first draft before it (the new reports' none).
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit WHERE action LIKE 'report.%' AND before IS NOT NULL"
        )
        .await,
        1
    );
}

/// A save that passes every check but fails in the database (here a trigger refuses it) in a
/// batch of saves: it fails alone, with the database's error, and the others are saved (on
/// PostgreSQL the batch written together is rolled back and taken again one save at a time,
/// each in its savepoint).
async fn a_save_failing_in_the_database_takes_no_other_down(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2099-10-05").await;
    db.exec(
        "CREATE TRIGGER boom BEFORE INSERT ON reports WHEN NEW.narrative = '引爆'
         BEGIN SELECT RAISE(ABORT, 'boom'); END",
        "CREATE FUNCTION boom() RETURNS trigger AS $$
         BEGIN IF NEW.narrative = '引爆' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END;
         $$ LANGUAGE plpgsql;
         CREATE TRIGGER boom BEFORE INSERT ON reports FOR EACH ROW EXECUTE PROCEDURE boom()",
    )
    .await;
    let tasks: Vec<zhuanban_ledger::TaskRecord> = db
        .store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| !t.lead.is_empty())
        .take(3)
        .collect();
    let audits = count(&db, "SELECT COUNT(*) FROM audit").await;
    let inputs: Vec<ReportInput> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ReportInput {
            round_id: r.id,
            task_id: t.id,
            unit_id: t.lead[0],
            narrative: if i == 1 { "引爆" } else { "按计划推进" }.into(),
            ..Default::default()
        })
        .collect();
    let out = db.store.save_each(&inputs, &office()).await;
    assert!(out[0].is_ok(), "{:?}", out[0]);
    assert!(
        matches!(&out[1], Err(e) if e.to_string().contains("boom")),
        "{:?}",
        out[1]
    );
    assert!(out[2].is_ok(), "{:?}", out[2]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reports").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit").await, audits + 2);
    assert!(db.store.verify_audit().await.unwrap().breaks.is_empty());
}

/// A finished plan is archived only with no round open and no report waiting; archived, it
/// takes no new round and no new version, and is still read; taken out, it works again.
async fn an_archived_plan_is_read_only(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "9月", "2024-09-30", "2024-10-08").await;
    let plan = db.store.plan(plan_id).await.unwrap();
    assert!(!plan.archived());
    let e = db
        .store
        .archive_plan(plan_id, plan.row_version, true, &office())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("进行中的调度轮次（9月）"), "{e}");
    let r = db
        .store
        .close_round(r.id, r.row_version, &office())
        .await
        .unwrap();
    assert_eq!(r.state, zhuanban_ledger::RoundState::Closed);
    // A stale version conflicts.
    let e = db
        .store
        .archive_plan(plan_id, plan.row_version - 1, true, &office())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e}");
    let archived = db
        .store
        .archive_plan(plan_id, plan.row_version, true, &office())
        .await
        .unwrap();
    assert!(archived.archived());
    assert!(db.store.plan(plan_id).await.unwrap().archived());
    let rounds = count(&db, "SELECT COUNT(*) FROM rounds").await;
    let e = db
        .store
        .open_round(
            &RoundInput {
                plan_id,
                name: "10月".into(),
                as_of: d("2024-10-31"),
                due: d("2024-11-08"),
            },
            false,
            &office(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已归档，不能再开启调度轮次"), "{e}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM rounds").await, rounds);
    let plan = read_text(SEED, &ReadOptions::new("seed.txt")).plan;
    let e = db
        .store
        .import_plan(
            &plan,
            &ImportOptions {
                plan_id: Some(plan_id),
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已归档，不能再导入新版本"), "{e}");
    assert_eq!(db.store.plan(plan_id).await.unwrap().version, 1);
    // Nor a notice.
    let task = db
        .store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| !t.lead.is_empty())
        .unwrap();
    let e = db
        .store
        .issue_notice(
            plan_id,
            &zhuanban_store::NoticeInput {
                task_id: task.id,
                unit_id: task.lead[0],
                level: zhuanban_ledger::NoticeLevel::Yellow,
                reason: "请说明进度".into(),
                reply_by: zhuanban_store::clock::china_today() + chrono::Duration::days(7),
            },
            &office(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已归档，不能再签发督办单"), "{e}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM notices").await, 0);
    // Still read as before.
    assert!(!db.store.tasks(plan_id, None).await.unwrap().is_empty());
    let back = db
        .store
        .archive_plan(plan_id, archived.row_version, false, &office())
        .await
        .unwrap();
    assert!(!back.archived());
    round(&db, plan_id, "10月", "2024-10-31", "2024-11-08").await;
    let actions = count(
        &db,
        "SELECT COUNT(*) FROM audit WHERE action IN ('plan.archive', 'plan.unarchive')",
    )
    .await;
    assert_eq!(actions, 2);
}

/// The unit directory: a renamed unit keeps its former name as an alias, so a plan that uses
/// the old name finds it; two spellings merge into one unit with their tasks and reports,
/// unless both reported on one task in one round.
async fn units_are_renamed_and_merged(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let old = "区住房城乡建设局";
    let new = "区住房和城乡建设局";
    let u = db.store.unit_by_name(old).await.unwrap();
    let e = db
        .store
        .rename_unit(u.id, u.row_version, "区民政人社局", &office())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("如是同一单位请合并"), "{e}");
    let renamed = db
        .store
        .rename_unit(u.id, u.row_version, new, &office())
        .await
        .unwrap();
    assert_eq!(renamed.name, new);
    assert!(renamed.aliases.iter().any(|a| a == old));
    assert_eq!(task(&db, plan_id, None, "2.3.2").await.lead, vec![u.id]);

    // A second plan naming the unit the old way, and a third spelling as 2.3.2's lead.
    let units_before = count(&db, "SELECT COUNT(*) FROM units").await;
    let mut other = read_text(SEED, &ReadOptions::new("b.txt")).plan;
    let t = other.tasks.iter_mut().find(|t| t.id == "2.3.2").unwrap();
    t.lead = vec!["区住建局".into()];
    t.support = vec![old.into()];
    zhuanban_store::complete_units(&mut other);
    let second = db
        .store
        .import_plan(&other, &ImportOptions::default(), &office())
        .await
        .unwrap()
        .plan_id;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM units").await,
        units_before + 1,
        "only 区住建局 is new: the old name found the renamed unit"
    );
    let t2 = task(&db, second, None, "2.3.2").await;
    let short = db.store.unit_by_name("区住建局").await.unwrap();
    assert_eq!(t2.lead, vec![short.id]);
    assert!(t2.support.contains(&u.id));
    let r = round(&db, second, "9月", "2024-09-30", "2024-10-08").await;
    let rep = db
        .store
        .save_report(
            &ReportInput {
                round_id: r.id,
                task_id: t2.id,
                unit_id: short.id,
                values: vec![(t2.targets[0].id, 2.0)],
                narrative: "完成2个".into(),
                submit: true,
                ..Default::default()
            },
            &office(),
        )
        .await
        .unwrap();

    // Merged: the task, the report and the spelling go to the renamed unit.
    let into = db.store.unit_by_id(u.id).await.unwrap();
    let merged = db
        .store
        .merge_units(
            into.id,
            short.id,
            (into.row_version, short.row_version),
            &office(),
        )
        .await
        .unwrap();
    assert!(merged.aliases.iter().any(|a| a == "区住建局"));
    assert!(db.store.unit_by_id(short.id).await.is_err());
    let t2 = task(&db, second, None, "2.3.2").await;
    assert_eq!(t2.lead, vec![u.id], "the stronger role stays");
    assert!(!t2.support.contains(&u.id));
    assert_eq!(db.store.report(rep.id).await.unwrap().unit_id, u.id);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM units").await, units_before);

    // Two units that both reported on one task in one round are not merged.
    let t1 = task(&db, plan_id, None, "2.3.2").await;
    let r1 = round(&db, plan_id, "9月", "2024-09-30", "2024-10-08").await;
    let a = db.store.unit_by_name("区民政人社局").await.unwrap();
    let c = db.store.unit_by_name("区教育卫生健康局").await.unwrap();
    for unit in [a.id, c.id] {
        db.store
            .save_report(
                &ReportInput {
                    round_id: r1.id,
                    task_id: t1.id,
                    unit_id: unit,
                    values: vec![(t1.targets[0].id, 1.0)],
                    narrative: "配合推进".into(),
                    submit: true,
                    ..Default::default()
                },
                &office(),
            )
            .await
            .unwrap();
    }
    let units = count(&db, "SELECT COUNT(*) FROM units").await;
    let e = db
        .store
        .merge_units(a.id, c.id, (a.row_version, c.row_version), &office())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("都报送了任务 2.3.2"), "{e}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM units").await, units);
    let actions = count(
        &db,
        "SELECT COUNT(*) FROM audit WHERE action IN ('unit.rename', 'unit.merge')",
    )
    .await;
    assert_eq!(actions, 2);
}

/// A report is compared with the unit's accepted report of the round before its own, not
/// with the newest: the third of three monthly reports with the second, the first with none.
async fn a_report_is_compared_with_the_one_before_it(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let t = task(&db, plan_id, None, "2.3.2").await;
    let mut reports = Vec::new();
    for (i, (name, as_of)) in [
        ("7月", "2024-07-31"),
        ("8月", "2024-08-31"),
        ("9月", "2024-09-30"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = round(&db, plan_id, name, as_of, "2024-12-31").await;
        let rep = db
            .store
            .save_report(
                &ReportInput {
                    round_id: r.id,
                    task_id: t.id,
                    unit_id: t.lead[0],
                    values: vec![(t.targets[0].id, i as f64 + 1.0)],
                    narrative: "按计划推进".into(),
                    submit: true,
                    ..Default::default()
                },
                &office(),
            )
            .await
            .unwrap();
        db.store
            .accept_report(rep.id, rep.row_version, &office())
            .await
            .unwrap();
        reports.push((r.id, rep.id));
    }
    let before = |round: RoundId| db.store.accepted_before(plan_id, "2.3.2", t.lead[0], round);
    assert!(before(reports[0].0).await.unwrap().is_none());
    assert_eq!(
        before(reports[1].0).await.unwrap().unwrap().id,
        reports[0].1
    );
    assert_eq!(
        before(reports[2].0).await.unwrap().unwrap().id,
        reports[1].1
    );
    // The newest accepted is the September one, which the form of a new round starts from.
    let last = db
        .store
        .last_accepted(plan_id, "2.3.2", t.lead[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.id, reports[2].1);
}

/// The unread count of an account: its own, its unit's and its role's messages, none of
/// another unit's or role's; a read message or the read mark (全部标为已读) takes it off, and a
/// message posted after the mark counts again.
async fn the_unread_count_follows_reads_and_the_read_mark(b: Backend) {
    use zhuanban_ledger::Role;
    use zhuanban_store::{Audience, NewUser};
    let (db, _plan) = seeded(b).await;
    let s = &db.store;
    let unit_a = unit(&db, "区住房城乡建设局").await;
    let unit_b = unit(&db, "区交通运输局").await;
    let mut users = Vec::new();
    for (login, role, unit) in [
        ("office", Role::Office, None),
        ("unit-a", Role::Unit, Some(unit_a)),
        ("unit-b", Role::Unit, Some(unit_b)),
    ] {
        let u = s
            .create_user(
                &NewUser {
                    login: login.into(),
                    name: login.into(),
                    role,
                    unit_id: unit,
                    password_hash: "x".into(),
                },
                &office(),
            )
            .await
            .unwrap();
        users.push(u);
    }
    let (office_user, a, bb) = (&users[0], &users[1], &users[2]);
    let post = |key: &'static str, to: Audience| async move {
        s.post_inbox(key, to, key, "正文", "").await.unwrap()
    };
    assert!(post("r1", Audience::Role(Role::Office)).await);
    assert!(
        !post("r1", Audience::Role(Role::Office)).await,
        "once per key"
    );
    post("r2", Audience::Role(Role::Office)).await;
    post("ua", Audience::Unit(unit_a)).await;
    post("ub1", Audience::Unit(unit_b)).await;
    post("ub2", Audience::Unit(unit_b)).await;
    post("own", Audience::User(a.id)).await;
    assert_eq!(s.unread_count(office_user).await.unwrap(), 2);
    assert_eq!(
        s.unread_count(a).await.unwrap(),
        2,
        "its unit's and its own"
    );
    assert_eq!(s.unread_count(bb).await.unwrap(), 2);

    let first = s.inbox(a, 10).await.unwrap();
    let ua = first.iter().find(|m| m.title == "ua").unwrap().id;
    s.mark_read(a.id, ua).await.unwrap();
    assert_eq!(s.unread_count(a).await.unwrap(), 1);
    assert_eq!(
        s.unread_count(bb).await.unwrap(),
        2,
        "another account's reads"
    );

    s.mark_all_read(bb.id).await.unwrap();
    assert_eq!(s.unread_count(bb).await.unwrap(), 0);
    assert!(s.inbox(bb, 10).await.unwrap().iter().all(|m| m.read));
    assert_eq!(s.unread_count(a).await.unwrap(), 1, "only its own mark");
    post("ub3", Audience::Unit(unit_b)).await;
    assert_eq!(
        s.unread_count(bb).await.unwrap(),
        1,
        "a later message counts"
    );
    let listed = s.inbox(bb, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .filter(|m| !m.read)
            .map(|m| m.title.as_str())
            .collect::<Vec<_>>(),
        ["ub3"]
    );
    s.mark_all_read(bb.id).await.unwrap();
    assert_eq!(s.unread_count(bb).await.unwrap(), 0, "the mark moves again");
}

/// Progress is judged from the lead units' accepted values only; a support unit's accepted
/// report still shows that the task had one.
async fn only_the_lead_units_values_are_progress(b: Backend) {
    let (db, plan_id) = seeded(b).await;
    let r = round(&db, plan_id, "2024年6月调度", "2024-06-30", "2024-07-05").await;
    let t = db
        .store
        .tasks(plan_id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| !t.lead.is_empty() && !t.support.is_empty() && !t.targets.is_empty())
        .expect("a task with lead and support units and a target");
    let accepted = |unit_id: zhuanban_ledger::UnitId, value: f64| {
        let db = &db;
        let t = &t;
        async move {
            let rep = db
                .store
                .save_report(
                    &ReportInput {
                        round_id: r.id,
                        task_id: t.id,
                        unit_id,
                        values: vec![(t.targets[0].id, value)],
                        narrative: "按计划推进".into(),
                        submit: true,
                        ..Default::default()
                    },
                    &office(),
                )
                .await
                .unwrap();
            db.store
                .accept_report(rep.id, rep.row_version, &office())
                .await
                .unwrap();
        }
    };
    let view = |s: &zhuanban_ledger::evaluate::Snapshot| {
        let v = s.tasks.iter().find(|v| v.id == t.id).unwrap();
        (v.any_accepted, v.targets[0].series.clone())
    };
    let before = db
        .store
        .snapshot(plan_id, d("2024-06-30"), Some(r.id))
        .await
        .unwrap();
    assert_eq!(view(&before), (false, vec![]));
    accepted(t.support[0], 7.0).await;
    let support = db
        .store
        .snapshot(plan_id, d("2024-06-30"), Some(r.id))
        .await
        .unwrap();
    assert_eq!(view(&support), (true, vec![]));
    accepted(t.lead[0], 2.0).await;
    let lead = db
        .store
        .snapshot(plan_id, d("2024-06-30"), Some(r.id))
        .await
        .unwrap();
    assert_eq!(view(&lead), (true, vec![(d("2024-06-30"), 2.0)]));
    // Not before the round's date.
    let earlier = db
        .store
        .snapshot(plan_id, d("2024-05-31"), None)
        .await
        .unwrap();
    assert_eq!(view(&earlier), (false, vec![]));
}

both!(
    only_the_lead_units_values_are_progress,
    importing_the_seed_makes_the_ledger,
    a_new_version_keeps_old_reports_and_statuses_reproducible,
    stale_updates_are_refused,
    a_report_reads_back_exactly_as_saved,
    a_failed_write_leaves_nothing_half_saved,
    every_change_has_an_audit_record,
    bad_reports_are_refused_and_change_nothing,
    not_reported_and_late_in_a_round,
    a_plan_without_a_period_or_tasks_is_refused,
    several_reports_are_saved_all_or_nothing,
    outbox_messages_are_claimed_once_within_a_shared_rate,
    saves_committed_together_stand_or_fall_alone,
    a_batch_of_saves_stands_or_falls_save_by_save,
    a_save_failing_in_the_database_takes_no_other_down,
    a_reading_is_corrected_and_confirmed_once,
    closing_a_store_returns_after_its_writes,
    an_archived_plan_is_read_only,
    units_are_renamed_and_merged,
    a_report_is_compared_with_the_one_before_it,
    the_unread_count_follows_reads_and_the_read_mark,
);
