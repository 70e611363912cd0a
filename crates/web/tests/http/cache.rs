//! The desk keeps its judgement of the ledger between requests; any commit, by the server or
//! by another process on the same database file, makes the next request judge again.

use zhuanban_store::{Actor, Db, ReportInput, Store as _};

use crate::TestApp;

async fn actual_of(app: &TestApp, c: &reqwest::Client, code: &str) -> serde_json::Value {
    let tasks: serde_json::Value = c
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap();
    task["targets"][0]["actual"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_by_another_process_shows_at_once() {
    let app = TestApp::start().await;
    let (c, _) = app.login("office").await;
    let before = actual_of(&app, &c, "2.3.2").await;
    assert_ne!(before, serde_json::json!(2.0));
    // Asked again with nothing changed: the same answer (from the kept judgement).
    assert_eq!(actual_of(&app, &c, "2.3.2").await, before);

    // Another process (its own connections to the same file) saves and accepts a report.
    let other = Db::open(&app.dir.path().join("t.db")).await.unwrap();
    let t = app.task("2.3.2");
    let actor = Actor::new("命令行", "cli");
    let report = other
        .save_report(
            &ReportInput {
                round_id: app.round_id,
                task_id: t.id,
                unit_id: app.unit_id,
                values: vec![(t.targets[0].id, 2.0)],
                narrative: "按计划推进".into(),
                submit: true,
                ..Default::default()
            },
            &actor,
        )
        .await
        .unwrap();
    other
        .accept_report(report.id, report.row_version, &actor)
        .await
        .unwrap();
    assert_eq!(actual_of(&app, &c, "2.3.2").await, serde_json::json!(2.0));
}
