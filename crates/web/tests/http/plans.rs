//! Plans through the API: a document uploaded, its reading corrected and confirmed as a plan
//! that carries the corrections; the plans listed; the ledger of a plan by `?plan=`.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::{SEED, TestApp};

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = c
        .post(app.url("/api/plans/readings"))
        .header("X-CSRF-Token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_uploaded_corrected_and_confirmed_through_the_api() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let plans_before = app.count("plans").await;

    // What cannot be read is refused with the file's name, and nothing is kept.
    let (status, body) = upload(&app, &c, &csrf, "空白.txt", b"   \n".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("空白.txt"),
        "{body}"
    );
    assert_eq!(app.count("plan_readings").await, 0);

    let (status, r) = upload(&app, &c, &csrf, "方案.txt", SEED.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let id = r["id"].as_i64().unwrap();
    let tasks = r["plan"]["tasks"].as_array().unwrap();
    assert!(tasks.len() >= 10, "{}", tasks.len());
    assert!(r["diagnostics"].is_array());

    // The office corrects a lead unit and a target, in the schema of a reading.
    let mut plan = r["plan"].clone();
    let i = tasks.iter().position(|t| t["id"] == "2.3.2").unwrap();
    plan["tasks"][i]["lead"] = serde_json::json!(["区财政局"]);
    let old = plan["tasks"][i]["targets"][0]["value"].as_f64().unwrap();
    plan["tasks"][i]["targets"][0]["value"] = serde_json::json!(old + 2.0);
    let put = |body: Value, version: Option<i64>| {
        let mut req = c
            .put(app.url(&format!("/api/plans/readings/{id}")))
            .header("X-CSRF-Token", &csrf)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(v) = version {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        req.send()
    };
    let res = put(plan.clone(), Some(r["row_version"].as_i64().unwrap()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["plan"]["tasks"][i]["lead"][0], "区财政局");
    // A stale version conflicts; a task without a title is refused by its field.
    let res = put(plan.clone(), Some(r["row_version"].as_i64().unwrap()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let mut bad = plan.clone();
    bad["tasks"][i]["title"] = serde_json::json!("");
    let res = put(bad, None).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = res.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("没有名称"), "{e}");

    // Confirmed as a new plan: listed, and its ledger carries the corrections.
    let confirm = |body: &'static str| {
        c.post(app.url(&format!("/api/plans/readings/{id}/confirm")))
            .header("X-CSRF-Token", &csrf)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let res = confirm(r#"{"plan": null}"#).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["version"], 1);
    let new_plan = out["plan_id"].as_i64().unwrap();
    assert_eq!(app.count("plans").await, plans_before + 1);
    let res = confirm(r#"{"plan": null}"#).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmed once"
    );
    assert_eq!(app.count("plans").await, plans_before + 1);

    let listed: Value = c
        .get(app.url("/api/plans"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![app.plan_id, new_plan]);
    let ledger: Value = c
        .get(app.url(&format!("/api/tasks?plan={new_plan}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = ledger
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2.3.2")
        .unwrap();
    assert_eq!(t["lead"], serde_json::json!(["区财政局"]));
    assert_eq!(t["targets"][0]["value"].as_f64().unwrap(), old + 2.0);
    // The first plan's ledger is unchanged, and an unknown plan is not found.
    let first: Value = c
        .get(app.url(&format!("/api/tasks?plan={}", app.plan_id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = first
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2.3.2")
        .unwrap();
    assert_eq!(t["lead"], serde_json::json!(["区住房城乡建设局"]));
    let res = c
        .get(app.url("/api/tasks?plan=99999"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The revised document (here: the same text) as a new version of the plan: the office's
    // correction carries over to the task that did not change.
    let form = Form::new()
        .part(
            "file",
            Part::bytes(SEED.as_bytes().to_vec()).file_name("方案（修订）.txt"),
        )
        .text("plan", new_plan.to_string());
    let res = c
        .post(app.url("/api/plans/readings"))
        .header("X-CSRF-Token", &csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let again: Value = res.json().await.unwrap();
    assert_eq!(
        again["reapplied"]["corrected"],
        serde_json::json!(["2.3.2"])
    );
    assert_eq!(
        again["plan"]["tasks"][i]["lead"],
        serde_json::json!(["区财政局"])
    );
    assert_eq!(
        again["original"]["tasks"][i]["lead"],
        serde_json::json!(["区住房城乡建设局"])
    );

    // Every step is in the audit log.
    let actions = app.db.texts("SELECT action FROM audit").await;
    for a in [
        "plan.reading.upload",
        "plan.reading.correct",
        "plan.reading.confirm",
        "plan.import",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

/// A unit lists the plans it has a part in, and sees only its own tasks of another plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_sees_only_its_part_of_each_plan() {
    let app = TestApp::start().await;
    // A second plan in which the unit (区住房城乡建设局) leads nothing at all.
    let mut other = zhuanban_plan::read_text(SEED, &zhuanban_plan::ReadOptions::new("b.txt")).plan;
    for t in &mut other.tasks {
        t.lead = vec!["区交通运输局".into()];
        t.support.clear();
    }
    zhuanban_store::complete_units(&mut other);
    use zhuanban_store::Store as _;
    let second = app
        .store
        .import_plan(
            &other,
            &Default::default(),
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap()
        .plan_id;
    let (unit, _) = app.login("unit").await;
    let listed: Value = unit
        .get(app.url("/api/plans"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![app.plan_id],
        "the unit has no part in plan {second}"
    );
    let tasks: Value = unit
        .get(app.url(&format!("/api/tasks?plan={second}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tasks, serde_json::json!([]));
    let (unit2, _) = app.login("unit2").await;
    let listed: Value = unit2
        .get(app.url("/api/plans"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

/// The review page: the document's lines beside the fields; a bad value is refused beside its
/// task with nothing saved; a correction saved; the reading confirmed as a plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_reviews_corrects_and_confirms_on_the_page() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let form = Form::new().part(
        "file",
        Part::bytes(SEED.as_bytes().to_vec()).file_name("新方案.txt"),
    );
    let res = c
        .post(app.url(&format!("/plans/readings?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let page = c
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("核对识别结果：新方案.txt"), "{page}");
    assert!(page.contains("id=\"L1\""), "the document's lines are shown");
    let r = app.store.reading(id).await.unwrap();
    let i = r
        .reading
        .tasks
        .iter()
        .position(|t| t.id == "2.3.2")
        .unwrap();
    assert!(
        page.contains(&format!("name=\"t{i}.lead\" value=\"区住房城乡建设局\"")),
        "{page}"
    );

    let post = |fields: Vec<(String, String)>| {
        c.post(app.url(&format!("/plans/readings/{id}")))
            .form(&fields)
            .send()
    };
    let base = |v: i64| {
        vec![
            ("_csrf".to_string(), csrf.clone()),
            ("row_version".to_string(), v.to_string()),
        ]
    };
    // A value that is not a number: refused beside its task, nothing saved.
    let mut f = base(r.row_version);
    f.push((format!("t{i}.lead"), "区财政局".into()));
    f.push((format!("t{i}.g0.value"), "三个".into()));
    let page = post(f).await.unwrap().text().await.unwrap();
    assert!(page.contains("class=\"field-error\""), "{page}");
    assert!(
        page.contains("三个"),
        "the message quotes what was typed: {page}"
    );
    assert_eq!(
        app.store.reading(id).await.unwrap().row_version,
        r.row_version
    );
    // Saved, then confirmed as a new plan with the correction.
    let mut f = base(r.row_version);
    f.push((format!("t{i}.lead"), "区财政局".into()));
    let page = post(f).await.unwrap().text().await.unwrap();
    assert!(page.contains("更正已保存"), "{page}");
    assert!(
        page.contains("单位目录中还没有"),
        "a new unit is pointed out: {page}"
    );
    let mut f = base(r.row_version + 1);
    f.push(("confirm".into(), "1".into()));
    f.push(("plan".into(), String::new()));
    let res = post(f).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/dashboard",
        "the desk opens on the new plan"
    );
    let done = app.store.reading(id).await.unwrap();
    assert_eq!(done.state, "confirmed");
    use zhuanban_store::Store as _;
    let tasks = app.store.tasks(done.plan_id.unwrap(), None).await.unwrap();
    let t = tasks.iter().find(|t| t.code == "2.3.2").unwrap();
    let unit = app.store.unit_by_name("区财政局").await.unwrap();
    assert_eq!(t.lead, vec![unit.id]);
    let list = c
        .get(app.url("/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("已导入"), "{list}");
}

/// The plan the desk's pages work on is chosen per browser; a unit cannot choose a plan in
/// which it has no part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_follow_the_plan_chosen() {
    let app = TestApp::start().await;
    let mut second = zhuanban_plan::read_text(SEED, &zhuanban_plan::ReadOptions::new("b.txt")).plan;
    second.title = Some("第二个方案".into());
    for t in &mut second.tasks {
        t.lead = vec!["区交通运输局".into()];
        t.support.clear();
    }
    zhuanban_store::complete_units(&mut second);
    use zhuanban_store::Store as _;
    let b = app
        .store
        .import_plan(
            &second,
            &Default::default(),
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap()
        .plan_id;
    let (office, csrf) = app.login("office").await;
    // The newest plan by default.
    let ledger = office
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let t = ledger
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2.3.2")
        .unwrap()
        .clone();
    assert_eq!(t["lead"], serde_json::json!(["区交通运输局"]));
    let dash = office
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dash.contains("第二个方案"), "{dash}");
    // The office chooses the first plan: the pages follow.
    let res = office
        .post(app.url("/plans/switch"))
        .form(&[("_csrf", csrf.as_str()), ("plan", &app.plan_id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let dash = office
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dash.contains("第二个方案"), "{dash}");
    let page = office
        .get(app.url("/plans/switch"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("第二个方案") && page.contains("当前"),
        "{page}"
    );
    // A unit with no part in the second plan cannot choose it.
    let (unit, ucsrf) = app.login("unit").await;
    let res = unit
        .post(app.url("/plans/switch"))
        .form(&[("_csrf", ucsrf.as_str()), ("plan", &b.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// A task table uploaded as a spreadsheet reads to its tasks (the reader's table formats reach
/// the desk).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_table_spreadsheet_is_read_on_upload() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let expected: Value = serde_json::from_str(include_str!(
        "../../../plan/tests/data/tables/task-table.expected.json"
    ))
    .unwrap();
    let bytes = include_bytes!("../../../plan/tests/data/tables/task-table.xlsx").to_vec();
    let (status, r) = upload(&app, &c, &csrf, "任务分解表.xlsx", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let got: Vec<(&str, &Value)> = r["plan"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), &t["lead"]))
        .collect();
    let want: Vec<(&str, &Value)> = expected["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), &t["lead"]))
        .collect();
    assert_eq!(got, want);
}

/// A unit that leads tasks in two plans sees both on 我的任务 and reports into the second plan's
/// round from there; a unit with no part in the second plan sees neither its section nor its
/// tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_leading_tasks_in_two_plans_sees_and_reports_both() {
    use zhuanban_store::Store as _;
    let app = TestApp::start().await;
    let mut other = zhuanban_plan::read_text(SEED, &zhuanban_plan::ReadOptions::new("b.txt")).plan;
    other.title = Some("大通湖区第二方案（测试）".into());
    for t in &mut other.tasks {
        t.lead = vec!["区交通运输局".into()];
        t.support.clear();
    }
    zhuanban_store::complete_units(&mut other);
    let system = zhuanban_store::Actor::new("测试", "test");
    let second = app
        .store
        .import_plan(&other, &Default::default(), &system)
        .await
        .unwrap()
        .plan_id;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let round = app
        .store
        .open_round(
            &zhuanban_store::RoundInput {
                plan_id: second,
                name: "第二方案2024年9月调度".into(),
                as_of: d("2024-09-30"),
                due: d("2024-10-08"),
            },
            false,
            &system,
        )
        .await
        .unwrap();
    let tasks = app.store.tasks(second, None).await.unwrap();
    let task = tasks.iter().find(|t| t.code == "2.3.2").unwrap();

    let (c, csrf) = app.login("unit2").await;
    let page = c
        .get(app.url("/my"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first_title = app.store.plan(app.plan_id).await.unwrap().title;
    assert!(page.contains(&first_title), "the first plan is listed");
    assert!(
        page.contains("大通湖区第二方案（测试）"),
        "the second plan too"
    );
    assert!(page.contains(&format!("id=\"plan-{}\"", app.plan_id)));
    assert!(page.contains(&format!("id=\"plan-{second}\"")));
    assert!(
        page.contains("第二方案2024年9月调度"),
        "with its open round"
    );
    assert!(page.contains(&format!("/my/tasks/2.3.2?plan={second}")));

    // The form of the second plan's task, and a report saved into the second plan's round.
    let form = c
        .get(app.url(&format!("/my/tasks/2.3.2?plan={second}")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.unwrap();
    assert!(form.contains(&format!("/my/tasks/2.3.2?plan={second}&amp;_csrf=")));
    let mut f = Form::new()
        .text("narrative", "第二方案本月完成改造1个小区")
        .text("action", "submit");
    for t in &task.targets {
        f = f.text(format!("value_{}", t.id), "1");
    }
    let res = c
        .post(app.url(&format!("/my/tasks/2.3.2?plan={second}&_csrf={csrf}")))
        .multipart(f)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        res.text().await
    );
    let saved = app.store.reports(round.id).await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].task_id, task.id);
    assert_eq!(saved[0].unit_id, app.unit2_id);
    assert!(
        app.store
            .reports(app.round_id)
            .await
            .unwrap()
            .iter()
            .all(|r| r.narrative != "第二方案本月完成改造1个小区"),
        "nothing went into the first plan's round"
    );

    // The unit with no part in the second plan.
    let (u, _) = app.login("unit").await;
    let page = u
        .get(app.url("/my"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("大通湖区第二方案（测试）"));
    assert!(!page.contains(&format!("plan={second}")));
    let res = u
        .get(app.url(&format!("/my/tasks/2.3.2?plan={second}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// 全部方案: each plan's counts are its judgement's (as /api/status gives them) and its tasks
/// needing attention are its dashboard's; a leader sees it, a unit does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_of_all_plans_agrees_with_each_plan() {
    use zhuanban_store::Store as _;
    let app = TestApp::start().await;
    let mut other = zhuanban_plan::read_text(SEED, &zhuanban_plan::ReadOptions::new("b.txt")).plan;
    other.title = Some("第二个方案（测试）".into());
    other.tasks.truncate(5);
    zhuanban_store::complete_units(&mut other);
    let second = app
        .store
        .import_plan(
            &other,
            &Default::default(),
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap()
        .plan_id;
    let (c, _) = app.login("office").await;
    let page = c
        .get(app.url("/overview"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Between two markers of the page, the text of the first element after each.
    let cell = |row: &str, attr: &str| -> i64 {
        let at = row.find(attr).unwrap_or_else(|| panic!("{attr} in {row}"));
        let rest = &row[at..];
        let start = rest.find('>').unwrap() + 1;
        let end = rest.find('<').unwrap();
        rest[start..end].trim().parse().unwrap()
    };
    let codes_of = |html: &str, table: &str, plan: Option<i64>| -> Vec<String> {
        let Some(at) = html.find(&format!("id=\"{table}\"")) else {
            return vec![];
        };
        let body = &html[at..at + html[at..].find("</table>").unwrap()];
        body.split("<tr ")
            .skip(1)
            .filter(|r| plan.is_none_or(|p| r.contains(&format!("data-plan=\"{p}\""))))
            .filter_map(|r| {
                let at = r.find("data-code=\"")? + 11;
                Some(r[at..at + r[at..].find('"')?].to_string())
            })
            .collect()
    };
    let mut total = 0;
    for plan in [app.plan_id, second] {
        let at = page
            .find(&format!("<tr data-plan=\"{plan}\"><td>"))
            .unwrap_or_else(|| panic!("plan {plan} on the overview"));
        let row = &page[at..at + page[at..].find("</tr>").unwrap()];
        let status: Value = c
            .get(app.url(&format!("/api/status?plan={plan}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(status["colours"].is_object(), "{status}");
        let sum: i64 = ["green", "yellow", "red", "grey"]
            .iter()
            .map(|c| cell(row, &format!("data-colour=\"{c}\"")))
            .sum();
        assert_eq!(sum, status["tasks"].as_array().unwrap().len() as i64);
        for colour in ["green", "yellow", "red", "grey"] {
            assert_eq!(
                cell(row, &format!("data-colour=\"{colour}\"")),
                status["colours"][colour].as_i64().unwrap_or(0),
                "plan {plan}, {colour}: {row}"
            );
        }
        let dashboard = c
            .get(app.url(&format!("/dashboard?plan={plan}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let want = codes_of(&dashboard, "attention", None);
        let got = codes_of(&page, "attention-all", Some(plan));
        let mut want_sorted = want.clone();
        want_sorted.sort();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        assert_eq!(got_sorted, want_sorted, "plan {plan}: attention");
        total += want.len();
    }
    assert!(total > 0, "the test ledger has tasks needing attention");
    let (leader, _) = app.login("leader").await;
    let res = leader.get(app.url("/overview")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (unit, _) = app.login("unit").await;
    let res = unit.get(app.url("/overview")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// A revised document of a plan: before confirming, the review page shows what the new
/// version changes (task by task) and that the open round stays on the current version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revised_version_shows_its_changes_before_confirming() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let revised = SEED.replacen("完成3个老旧小区改造", "完成5个老旧小区改造", 1);
    assert_ne!(revised, SEED);
    let form = Form::new().text("plan", app.plan_id.to_string()).part(
        "file",
        Part::bytes(revised.into_bytes()).file_name("修订稿.txt"),
    );
    let res = c
        .post(app.url(&format!("/plans/readings?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("id=\"revision\"").expect("the changes are shown");
    let section = &page[at..at + page[at..].find("</section>").unwrap()];
    assert!(section.contains("第2版的变化"), "{section}");
    let changed: Vec<&str> = section.matches("class=\"changed\"").collect();
    assert_eq!(changed.len(), 1, "one task changed: {section}");
    assert!(
        section.contains("任务 2.3.2") && section.contains("≥3个") && section.contains("≥5个"),
        "{section}"
    );
    assert!(!section.contains("class=\"added\"") && !section.contains("class=\"removed\""));
    assert!(
        section.contains("进行中的“2024年9月调度”仍按第1版的任务填报"),
        "{section}"
    );

    // The same document again: no change to show.
    let form = Form::new().text("plan", app.plan_id.to_string()).part(
        "file",
        Part::bytes(SEED.as_bytes().to_vec()).file_name("原稿.txt"),
    );
    let res = c
        .post(app.url(&format!("/plans/readings?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("任务、单位和目标都没有变化"), "no change");
}

/// A finished plan archived through the API: refused while a round is open; archived, the
/// desk opens on the newest active plan, the rounds page takes no new round, and the plan is
/// still read; taken out of the archive on the plans page, it takes rounds again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_plan_is_archived_and_read_only() {
    use zhuanban_store::Store as _;
    let app = TestApp::start().await;
    let system = zhuanban_store::Actor::new("测试", "test");
    let mut other = zhuanban_plan::read_text(SEED, &zhuanban_plan::ReadOptions::new("b.txt")).plan;
    other.title = Some("已完成的方案（测试）".into());
    zhuanban_store::complete_units(&mut other);
    let second = app
        .store
        .import_plan(&other, &Default::default(), &system)
        .await
        .unwrap()
        .plan_id;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let r = app
        .store
        .open_round(
            &zhuanban_store::RoundInput {
                plan_id: second,
                name: "最后一轮".into(),
                as_of: d("2024-12-31"),
                due: d("2025-01-08"),
            },
            false,
            &system,
        )
        .await
        .unwrap();
    let (c, csrf) = app.login("office").await;
    let listed = |c: reqwest::Client| {
        let url = app.url("/api/plans");
        async move {
            let v: Value = c.get(url).send().await.unwrap().json().await.unwrap();
            v
        }
    };
    let plans = listed(c.clone()).await;
    let row = |plans: &Value, id: i64| {
        plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&plans, second)["current"], true, "the newest plan");
    let archive = |archived: bool, version: i64| {
        c.post(app.url(&format!("/api/plans/{second}/archive")))
            .header("X-CSRF-Token", &csrf)
            .header("content-type", "application/json")
            .body(serde_json::json!({"archived": archived, "version": version}).to_string())
            .send()
    };
    let version = row(&plans, second)["row_version"].as_i64().unwrap();
    let res = archive(true, version).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = res.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("进行中的调度轮次（最后一轮）"),
        "{e}"
    );
    app.store
        .close_round(r.id, r.row_version, &system)
        .await
        .unwrap();
    let res = archive(true, version).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["archived"], true);

    // The desk opens on the newest active plan; the archived one is listed and still read.
    let plans = listed(c.clone()).await;
    assert_eq!(row(&plans, second)["archived"], true);
    assert_eq!(row(&plans, second)["current"], false);
    assert_eq!(row(&plans, app.plan_id)["current"], true);
    let tasks: Value = c
        .get(app.url(&format!("/api/tasks?plan={second}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!tasks.as_array().unwrap().is_empty());
    let page = c
        .get(app.url(&format!("/rounds?plan={second}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"archived\""), "the rounds page says so");
    assert!(
        !page.contains("action=\"/rounds\""),
        "and offers no new round"
    );
    let res = c
        .post(app.url(&format!("/rounds?plan={second}")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "归档后"),
            ("as_of", "2024-12-31"),
            ("due", "2025-01-08"),
        ])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(body.contains("已归档，不能再开启调度轮次"), "{body}");
    assert_eq!(app.store.rounds(second).await.unwrap().len(), 1);

    // Taken out of the archive on the plans page.
    let page = c
        .get(app.url("/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已归档") && page.contains("取消归档"));
    let version = out["row_version"].as_i64().unwrap();
    let res = c
        .post(app.url(&format!("/plans/{second}/archive")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", &version.to_string()),
            ("archive", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!app.store.plan(second).await.unwrap().archived());
    let actions = app.db.texts("SELECT action FROM audit").await;
    assert!(actions.iter().any(|a| a == "plan.archive"));
    assert!(actions.iter().any(|a| a == "plan.unarchive"));
}

/// The unit directory on 单位管理: a rename keeps the former name as an alias, a name another
/// unit has is refused beside the form, and two spellings merge into one unit with its tasks
/// and accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_renames_and_merges_units() {
    use zhuanban_store::Store as _;
    let app = TestApp::start().await;
    let (c, csrf) = app.login("admin").await;
    let page = c
        .get(app.url("/admin/units"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("区交通运输局") && page.contains("id=\"merge\""));
    let u = app.store.unit_by_id(app.unit2_id).await.unwrap();
    let rename = |name: &'static str, version: i64| {
        c.post(app.url(&format!("/admin/units/{}/rename", app.unit2_id)))
            .form(&[
                ("_csrf", csrf.clone()),
                ("name", name.to_string()),
                ("version", version.to_string()),
            ])
            .send()
    };
    let res = rename("区住房城乡建设局", u.row_version).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("如是同一单位请合并"));
    let res = rename("区交通运输和港航局", u.row_version).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let u = app.store.unit_by_id(app.unit2_id).await.unwrap();
    assert_eq!(u.name, "区交通运输和港航局");
    assert_eq!(u.aliases, vec!["区交通运输局".to_string()]);

    // A spelling added by hand, then merged into the renamed unit.
    let res = c
        .post(app.url("/admin/units"))
        .form(&[("_csrf", csrf.as_str()), ("name", "区交通局")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let short = app.store.unit_by_name("区交通局").await.unwrap();
    let res = c
        .post(app.url("/admin/units/merge"))
        .form(&[
            ("_csrf", csrf.clone()),
            ("from", format!("{}:{}", short.id, short.row_version)),
            ("into", format!("{}:{}", u.id, u.row_version)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let u = app.store.unit_by_id(app.unit2_id).await.unwrap();
    assert!(u.aliases.contains(&"区交通局".to_string()), "{u:?}");
    assert!(
        app.store.unit_by_id(short.id).await.is_err(),
        "the spelling is gone"
    );
    assert_eq!(
        app.store.unit_by_name("区交通局").await.unwrap().id,
        u.id,
        "and finds the unit it was merged into"
    );
    // The unit's account still signs in and sees its tasks.
    let (unit2, _) = app.login("unit2").await;
    let tasks: Value = unit2
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!tasks.as_array().unwrap().is_empty());
    assert!(
        tasks.as_array().unwrap()[0]["lead"]
            .as_array()
            .unwrap()
            .iter()
            .chain(tasks.as_array().unwrap()[0]["support"].as_array().unwrap())
            .any(|n| n == "区交通运输和港航局"),
        "{tasks}"
    );
}
