//! The desk's messages (消息): each event tells the right people once and nobody else — the
//! office of a report awaiting review, of a unit's signing of or reply to a notice, of an
//! extension request and of units late for a round; the units of a task of a leader's
//! instruction — the unread count in the navigation, 全部标为已读, the unit's open notices and
//! returned reports on 我的任务, and the office's events on its channels when the plan asks.

use reqwest::{Client, StatusCode};
use zhuanban_ledger::UnitId;
use zhuanban_store::{Actor, NoticeInput, Store as _};

use crate::TestApp;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn system() -> Actor {
    Actor::new("测试", "test")
}

async fn page(c: &Client, app: &TestApp, path: &str) -> String {
    let res = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.text().await.unwrap()
}

/// The unread count the navigation shows (None: no badge).
fn badge(html: &str) -> Option<i64> {
    let rest = html.split("id=\"unread\"").nth(1)?;
    let n = rest.split('>').nth(1)?.split('<').next()?;
    Some(n.trim().parse().unwrap())
}

/// The inbox rows (title, body) addressed to an account, as the store lists them.
async fn inbox_of(app: &TestApp, login: &str) -> Vec<(String, String)> {
    let user = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login == login)
        .unwrap();
    app.store
        .inbox(&user, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.title, m.body))
        .collect()
}

/// A task the other unit (区交通运输局) leads.
fn other_task(app: &TestApp) -> String {
    app.tasks
        .iter()
        .find(|t| t.lead.first() == Some(&app.unit2_id))
        .unwrap()
        .code
        .clone()
}

fn titled<'a>(msgs: &'a [(String, String)], start: &str) -> Vec<&'a (String, String)> {
    msgs.iter().filter(|(t, _)| t.starts_with(start)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_report_tells_the_office_once_and_the_count_follows_reading() {
    let app = TestApp::start().await;
    let (office, ocsrf) = app.login("office").await;
    let before = page(&office, &app, "/dashboard").await;
    assert_eq!(badge(&before), None, "no unread message yet");

    // The unit submits its report on 2.3.2 through the API.
    let (unit, ucsrf) = app.login("unit").await;
    let t = app.task("2.3.2");
    let body = serde_json::json!({
        "task": "2.3.2",
        "values": { t.targets[0].id.to_string(): 2.0 },
        "narrative": "已完成2个小区改造",
        "submit": true,
    });
    let res = unit
        .post(app.url("/api/reports"))
        .header("x-csrf-token", &ucsrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: zhuanban_ledger::Report = res.json().await.unwrap();

    // One message for the office, in words, linking to the report's review.
    let want = format!(
        "待审核：2.3.2 {}（区住房城乡建设局 · 2024年9月调度）",
        t.title
    );
    let office_msgs = inbox_of(&app, "office").await;
    let review = titled(&office_msgs, "待审核");
    assert_eq!(review.len(), 1, "{office_msgs:?}");
    assert_eq!(review[0].0, want);
    assert!(
        review[0].1.contains("区住房城乡建设局") && !review[0].1.contains('#'),
        "in words, no internal ids: {}",
        review[0].1
    );
    let inbox = page(&office, &app, "/inbox").await;
    assert!(inbox.contains(&want), "{inbox}");
    assert!(inbox.contains(&format!("/reports/{}?plan={}", r.id, app.plan_id)));
    assert_eq!(badge(&inbox), Some(1), "消息 1 in the navigation");
    assert_eq!(
        badge(&page(&office, &app, "/ledger").await),
        Some(1),
        "on every page"
    );

    // Nobody else is told: neither the units (the author included) nor a leader.
    for login in ["unit", "unit2", "leader"] {
        assert!(
            titled(&inbox_of(&app, login).await, "待审核").is_empty(),
            "{login} is not told"
        );
    }
    assert_eq!(badge(&page(&unit, &app, "/my").await), None);
    let unit2 = app.login("unit2").await.0;
    assert!(!page(&unit2, &app, "/inbox").await.contains("待审核"));

    // One row in the inbox, addressed to the office's role.
    assert_eq!(
        app.db
            .int("SELECT COUNT(*) FROM inbox WHERE key LIKE 'office:report:%' AND role = 'office' AND unit_id IS NULL AND user_id IS NULL")
            .await,
        1
    );

    // Reading it moves the count.
    let id = app
        .db
        .int("SELECT id FROM inbox WHERE key LIKE 'office:report:%'")
        .await;
    let res = office
        .post(app.url(&format!("/inbox/{id}/read")))
        .form(&[("_csrf", ocsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(badge(&page(&office, &app, "/inbox").await), None);

    // Returned and submitted again: a new message; 全部标为已读 clears the count.
    let r = app.store.report(r.id).await.unwrap();
    let r = app
        .store
        .return_report(r.id, r.row_version, "缺少佐证材料", &system())
        .await
        .unwrap();
    let again = unit
        .post(app.url("/api/reports"))
        .header("x-csrf-token", &ucsrf)
        .json(&serde_json::json!({
            "task": "2.3.2",
            "values": { t.targets[0].id.to_string(): 2.0 },
            "narrative": "已补充佐证材料",
            "submit": true,
            "version": r.row_version,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let inbox = page(&office, &app, "/inbox").await;
    assert_eq!(badge(&inbox), Some(1), "the resubmission is new");
    assert!(inbox.contains("全部标为已读"));
    let res = office
        .post(app.url("/inbox/read-all"))
        .form(&[("_csrf", ocsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let inbox = page(&office, &app, "/inbox").await;
    assert_eq!(badge(&inbox), None);
    assert!(!inbox.contains("全部标为已读"), "nothing left to mark");
    assert!(!inbox.contains("未读</span>"));
    // A later message counts again.
    let other = app
        .submitted_report(&other_task(&app), app.unit2_id, 1.0)
        .await;
    zhuanban_desk::messages::reports_submitted(&app.store, &[], std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(badge(&page(&office, &app, "/inbox").await), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_signed_and_replied_and_extension_requests_tell_the_office() {
    let app = TestApp::start().await;
    let task = app.task("2.3.2").clone();
    let n = app
        .store
        .issue_notice(
            app.plan_id,
            &NoticeInput {
                task_id: task.id,
                unit_id: app.unit_id,
                level: zhuanban_ledger::NoticeLevel::Yellow,
                reason: "任务 2.3.2 严重滞后".into(),
                reply_by: d("2030-01-01"),
            },
            &system(),
        )
        .await
        .unwrap();
    let (unit, ucsrf) = app.login("unit").await;
    let step = |path: String, version: i64, text: &'static str| {
        unit.post(app.url(&path))
            .form(&[
                ("_csrf", ucsrf.clone()),
                ("version", version.to_string()),
                ("text", text.to_string()),
            ])
            .send()
    };
    assert_eq!(
        step(format!("/notices/{}/sign", n.id), 1, "")
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let office = inbox_of(&app, "office").await;
    let signed = titled(&office, "督办单已签收");
    assert_eq!(signed.len(), 1, "{office:?}");
    assert!(
        signed[0].0.contains(&n.number) && signed[0].0.contains("区住房城乡建设局"),
        "{}",
        signed[0].0
    );
    assert_eq!(
        step(
            format!("/notices/{}/reply", n.id),
            2,
            "10月底前完成第2个小区"
        )
        .await
        .unwrap()
        .status(),
        StatusCode::SEE_OTHER
    );
    let office = inbox_of(&app, "office").await;
    let replied = titled(&office, "督办单已回复");
    assert_eq!(replied.len(), 1);
    assert!(replied[0].1.contains("10月底前完成第2个小区"));
    assert_eq!(titled(&office, "督办单已签收").len(), 1, "still one");

    // An extension request.
    let res = unit
        .post(app.url("/my/tasks/2.3.2/extension"))
        .form(&[
            ("_csrf", ucsrf.as_str()),
            ("what", &format!("t{}", task.targets[0].id)),
            ("requested", "2025-06-30"),
            ("reason", "冬季不宜施工"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let office = inbox_of(&app, "office").await;
    let ext = titled(&office, "延期申请");
    assert_eq!(ext.len(), 1);
    assert_eq!(
        ext[0].0,
        format!("延期申请：2.3.2 {}（区住房城乡建设局）", task.title)
    );
    assert!(ext[0].1.contains("2025-06-30") && ext[0].1.contains("冬季不宜施工"));

    // None of it reaches the units or a leader.
    for login in ["unit", "unit2", "leader"] {
        let msgs = inbox_of(&app, login).await;
        for start in ["督办单已", "延期申请："] {
            assert!(titled(&msgs, start).is_empty(), "{login}: {msgs:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaders_instruction_reaches_the_units_of_the_task_only() {
    let app = TestApp::start().await;
    // A task of the unit that unit2 has no part in.
    let task = app
        .tasks
        .iter()
        .find(|t| {
            t.lead.contains(&app.unit_id)
                && !t.lead.contains(&app.unit2_id)
                && !t.support.contains(&app.unit2_id)
        })
        .unwrap()
        .clone();
    let (leader, lcsrf) = app.login("leader").await;
    let res = leader
        .post(app.url(&format!("/tasks/{}/instructions", task.code)))
        .form(&[
            ("_csrf", lcsrf.as_str()),
            ("text", "加快进度，月底前见实效"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let want = format!("领导批示：{} {}", task.code, task.title);
    let unit_msgs = inbox_of(&app, "unit").await;
    let got = titled(&unit_msgs, "领导批示");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, want);
    assert!(got[0].1.contains("加快进度，月底前见实效"));
    let unit = app.login("unit").await.0;
    let inbox = page(&unit, &app, "/inbox").await;
    assert!(inbox.contains(&format!("/tasks/{}?plan={}", task.code, app.plan_id)));
    assert_eq!(badge(&inbox), Some(1));
    // Every unit of the task, once each; nobody else.
    let mut units: Vec<UnitId> = task.lead.iter().chain(&task.support).copied().collect();
    units.sort_unstable();
    units.dedup();
    assert_eq!(
        app.db
            .int("SELECT COUNT(*) FROM inbox WHERE key LIKE 'instruction:%'")
            .await,
        units.len() as i64
    );
    assert_eq!(
        app.db
            .int("SELECT COUNT(*) FROM inbox WHERE key LIKE 'instruction:%' AND (unit_id IS NULL OR role IS NOT NULL OR user_id IS NOT NULL)")
            .await,
        0
    );
    for login in ["unit2", "office", "leader"] {
        assert!(
            titled(&inbox_of(&app, login).await, "领导批示").is_empty(),
            "{login}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_tasks_shows_the_open_notice_and_the_returned_report_with_its_reason() {
    let app = TestApp::start().await;
    let n = app
        .store
        .issue_notice(
            app.plan_id,
            &NoticeInput {
                task_id: app.task("2.3.2").id,
                unit_id: app.unit_id,
                level: zhuanban_ledger::NoticeLevel::Red,
                reason: "逾期未完成老旧小区改造".into(),
                reply_by: d("2030-01-01"),
            },
            &system(),
        )
        .await
        .unwrap();
    let r = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    app.store
        .return_report(r.id, r.row_version, "数据与统计口径不一致", &system())
        .await
        .unwrap();
    let unit = app.login("unit").await.0;
    let my = page(&unit, &app, "/my").await;
    let todo = my
        .split("id=\"my-todo\"")
        .nth(1)
        .expect("the block of what waits for the unit")
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        todo.contains("督办单待签收") && todo.contains(&n.number),
        "{todo}"
    );
    assert!(
        todo.contains("报告被退回") && todo.contains("退回理由：数据与统计口径不一致"),
        "{todo}"
    );
    // It is above the tasks.
    assert!(my.find("id=\"my-todo\"") < my.find("id=\"my-tasks\""));
    // Another unit sees neither.
    let unit2 = app.login("unit2").await.0;
    let other = page(&unit2, &app, "/my").await;
    assert!(!other.contains(&n.number) && !other.contains("数据与统计口径不一致"));
    // Once signed and answered, the notice leaves the block.
    for (step, version, text) in [("sign", 1, ""), ("reply", 2, "已整改")] {
        let ucsrf = app.login("unit").await;
        let res = ucsrf
            .0
            .post(app.url(&format!("/notices/{}/{step}", n.id)))
            .form(&[
                ("_csrf", ucsrf.1.clone()),
                ("version", version.to_string()),
                ("text", text.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let my = page(&unit, &app, "/my").await;
        assert_eq!(my.contains(&n.number), step == "sign", "after {step}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_late_for_a_round_are_named_in_one_message_to_the_office() {
    let app = TestApp::start().await;
    // 区住房城乡建设局 reports on every task it leads; the others do not.
    for t in app
        .tasks
        .iter()
        .filter(|t| t.lead.first() == Some(&app.unit_id))
    {
        app.submitted_report(&t.code, app.unit_id, 1.0).await;
    }
    let units = app.store.units(app.plan_id).await.unwrap();
    let name = |id: UnitId| units.iter().find(|u| u.id == id).unwrap().name.clone();
    let mut expected: Vec<String> = app
        .tasks
        .iter()
        .filter_map(|t| t.lead.first().copied())
        .filter(|u| *u != app.unit_id)
        .map(name)
        .collect();
    expected.sort();
    expected.dedup();
    assert!(!expected.is_empty());

    // Not before the due date (2024-10-05) has passed.
    zhuanban_desk::dispatch::tick(&app.store, &[], d("2024-10-05"), false)
        .await
        .unwrap();
    assert_eq!(
        app.db
            .int("SELECT COUNT(*) FROM inbox WHERE key LIKE 'office:late:%'")
            .await,
        0
    );
    let t = zhuanban_desk::dispatch::tick(&app.store, &[], d("2024-10-06"), false)
        .await
        .unwrap();
    assert_eq!(t.late, 1);
    let again = zhuanban_desk::dispatch::tick(&app.store, &[], d("2024-10-07"), false)
        .await
        .unwrap();
    assert_eq!(again.late, 0, "once per round");
    let office = inbox_of(&app, "office").await;
    let late = titled(&office, "逾期未报");
    assert_eq!(late.len(), 1, "{office:?}");
    assert_eq!(
        late[0].0,
        format!("逾期未报：2024年9月调度（{}个单位）", expected.len())
    );
    let listed = late[0]
        .1
        .split("尚未报送：")
        .nth(1)
        .unwrap()
        .trim_end_matches('。');
    let mut named: Vec<String> = listed
        .split('；')
        .map(|s| s.split('（').next().unwrap().to_string())
        .collect();
    named.sort();
    assert_eq!(named, expected, "exactly the units that did not report");
    // The office only.
    for login in ["unit", "unit2", "leader"] {
        assert!(titled(&inbox_of(&app, login).await, "逾期未报").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_channels_setting_queues_its_events_on_the_channels() {
    let app = TestApp::start_with(|c| {
        c.channels = vec![zhuanban_notify::Channel::WeCom(
            zhuanban_notify::WeComConfig::new("test-key"),
        )];
    })
    .await;
    let queued = || {
        app.db
            .int("SELECT COUNT(*) FROM outbox WHERE key LIKE 'office:%'")
    };
    let channels = app.state.config.channels.clone();
    let r = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    zhuanban_desk::messages::reports_submitted(&app.store, &channels, std::slice::from_ref(&r))
        .await
        .unwrap();
    assert_eq!(queued().await, 0, "off by default: the inbox only");
    assert_eq!(
        app.db
            .int("SELECT COUNT(*) FROM inbox WHERE key LIKE 'office:report:%'")
            .await,
        1
    );

    let plan = app.store.plan(app.plan_id).await.unwrap();
    let mut settings = plan.settings.clone();
    settings.office_channels = true;
    app.store
        .set_plan_settings(app.plan_id, plan.row_version, &settings, &system())
        .await
        .unwrap();
    let code = other_task(&app);
    let r2 = app.submitted_report(&code, app.unit2_id, 1.0).await;
    zhuanban_desk::messages::reports_submitted(&app.store, &channels, std::slice::from_ref(&r2))
        .await
        .unwrap();
    let rows = app
        .db
        .texts("SELECT subject FROM outbox WHERE key LIKE 'office:%' AND channel = 'wecom'")
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with(&format!("待审核：{code} ")),
        "{}",
        rows[0]
    );
    // Told again: nothing queued twice.
    zhuanban_desk::messages::reports_submitted(&app.store, &channels, std::slice::from_ref(&r2))
        .await
        .unwrap();
    assert_eq!(queued().await, 1);
}
