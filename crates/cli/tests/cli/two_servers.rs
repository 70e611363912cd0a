//! Two `zhuanban serve` processes on one database, as behind a load balancer: a session made on
//! one is honoured by the other (its CSRF token too), a report saved through either is the
//! ledger both serve, and every reminder reaches the group robot once although both servers
//! run the dispatch pass every second. The same test on a SQLite file and on a PostgreSQL
//! database (a throwaway cluster).

use std::time::{Duration, Instant};

use crate::*;

const PASSWORD: &str = "Two#Servers2024";
const NOW: &str = "2024-10-04T09:00:00+08:00";

async fn my_task(c: &reqwest::Client, base: &str, cookie: &str, code: &str) -> serde_json::Value {
    let my: serde_json::Value = c
        .get(format!("{base}/api/my/tasks"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    my["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap()
        .clone()
}

#[test]
fn two_servers_on_sqlite_serve_one_ledger_and_send_each_reminder_once() {
    two_servers_serve_one_ledger_and_send_each_reminder_once(Backend::Sqlite);
}

#[test]
fn two_servers_on_postgresql_serve_one_ledger_and_send_each_reminder_once() {
    two_servers_serve_one_ledger_and_send_each_reminder_once(Backend::Postgres);
}

fn two_servers_serve_one_ledger_and_send_each_reminder_once(backend: Backend) {
    let ledger = Ledger::new(backend);
    let dir = &ledger.dir;
    let seed = seed().to_string_lossy().into_owned();
    ledger.ok(&["import", &seed]);
    let o = ledger.run(&[
        "round",
        "open",
        "--name",
        "2024年9月调度",
        "--as-of",
        "2024-09-30",
        "--due",
        "2024-10-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pw = dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    for (login, unit) in [("unit1", "区住房城乡建设局"), ("unit2", "区教育卫生健康局")]
    {
        let o = ledger.run(&[
            "user",
            "add",
            login,
            "--role",
            "unit",
            "--unit",
            unit,
            "--password-file",
            pw.to_str().unwrap(),
            "--owner-password",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (robot, got) = super::dispatch::robot();
    let (pa, pb) = (free_port(), free_port());
    let env = [
        ("ZHUANBAN_WECOM_KEY", "test-key"),
        ("ZHUANBAN_WECOM_URL", robot.as_str()),
        ("ZHUANBAN_TEST_NOW", NOW),
        ("ZHUANBAN_TEST_WORKER_SECS", "1"),
    ];
    let _a = ledger.serve(pa, &[], &env);
    let _b = ledger.serve(pb, &[], &env);
    let (a, b) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // unit1 signs in on A and submits its report through B with the same session.
        let (c1, cookie1, csrf1) = sign_in(&a, "unit1", PASSWORD).await;
        let t = my_task(&c1, &b, &cookie1, "2.3.2").await;
        let target = t["targets"][0]["id"].as_i64().unwrap();
        let res = c1
            .post(format!("{b}/api/reports"))
            .header("cookie", &cookie1)
            .header("X-CSRF-Token", &csrf1)
            .json(&serde_json::json!({
                "task": "2.3.2",
                "values": { target.to_string(): 2 },
                "narrative": "完成老旧小区改造2个",
                "submit": true,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let saved: serde_json::Value = res.json().await.unwrap();
        // A serves what B saved.
        let on_a = my_task(&c1, &a, &cookie1, "2.3.2").await;
        assert_eq!(on_a["report"]["id"], saved["id"]);
        assert_eq!(on_a["report"]["row_version"], saved["row_version"]);
        assert_eq!(on_a["report"]["state"], "submitted");

        // unit2 signs in on B and saves a draft through A.
        let (c2, cookie2, csrf2) = sign_in(&b, "unit2", PASSWORD).await;
        let res = c2
            .post(format!("{a}/api/reports"))
            .header("cookie", &cookie2)
            .header("X-CSRF-Token", &csrf2)
            .json(&serde_json::json!({"task": "2.4.2", "narrative": "正在推进"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let draft: serde_json::Value = res.json().await.unwrap();
        let on_b = my_task(&c2, &b, &cookie2, "2.4.2").await;
        assert_eq!(on_b["report"]["row_version"], draft["row_version"]);
    });

    // Both servers run the dispatch pass every second: wait until the reminders are out, then
    // a few more passes.
    let reminders = || ledger.count("SELECT COUNT(*) FROM outbox WHERE channel = 'wecom'");
    let deadline = Instant::now() + Duration::from_secs(30);
    while (reminders() == 0
        || ledger.count("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'") > 0)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(4));
    let queued = reminders();
    assert!(
        queued >= 2,
        "reminders to the units that owe reports: {queued}"
    );
    assert_eq!(
        ledger.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'"),
        queued,
        "every reminder sent"
    );
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len() as i64, queued, "each reminder once: {got:#?}");
    let mut distinct = got.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), got.len(), "no reminder twice: {got:#?}");
}
