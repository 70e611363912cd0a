//! The supervision cycle over HTTP: a lagging task gets a yellow notice, the unit signs for it
//! and replies, the office closes it; an extension is granted and the judgement follows it.

use reqwest::StatusCode;
use zhuanban_ledger::evaluate::evaluate;
use zhuanban_ledger::{NoticeState, Status};
use zhuanban_store::Store as _;

use crate::TestApp;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn status_of(app: &TestApp, code: &str) -> (Status, chrono::NaiveDate) {
    let snap = app
        .store
        .snapshot(app.plan_id, d("2024-09-30"), None)
        .await
        .unwrap();
    let eval = evaluate(&snap, d("2024-09-30"));
    let t = eval.tasks.iter().find(|t| t.code == code).unwrap();
    (t.targets[0].status, t.targets[0].deadline)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_task_is_supervised_and_an_extension_changes_its_judgement() {
    let app = TestApp::start().await;
    // 区住房城乡建设局 has renovated 1 of 3 old compounds by 30 September: seriously lagging.
    let r = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    app.store
        .accept_report(
            r.id,
            r.row_version,
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, "2.3.2").await,
        (Status::SeriouslyLagging, d("2024-12-31"))
    );

    // The office sees the proposal and issues a yellow notice.
    let (office, ocsrf) = app.login("office").await;
    let page = office
        .get(app.url("/notices"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("系统建议督办") && page.contains("任务 2.3.2 严重滞后"),
        "the rules propose a notice for 2.3.2: {page}"
    );
    // Or adjusted first: the proposal's link opens the task's own form, filled in.
    let start = page
        .find("/tasks/2.3.2/notice?plan=")
        .expect("an adjust link on the proposal");
    let link = page[start..page[start..].find('"').unwrap() + start].replace("&amp;", "&");
    let form = office
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("任务 2.3.2 严重滞后") && form.contains("value=\"red\" checked"),
        "{form}"
    );
    let task_id = app.task("2.3.2").id.to_string();
    let unit_id = app.unit_id.to_string();
    let reply_by = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    let res = office
        .post(app.url("/notices"))
        .form(&[
            ("_csrf", ocsrf.as_str()),
            ("task_id", &task_id),
            ("unit_id", &unit_id),
            ("level", "yellow"),
            ("reason", "任务 2.3.2 严重滞后，落后于序时进度"),
            ("reply_by", &reply_by),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let n = app.store.notices(app.plan_id).await.unwrap().pop().unwrap();
    assert!(
        n.number.starts_with("专班督〔") && n.number.ends_with("〕1号"),
        "{}",
        n.number
    );

    // The unit finds it in its inbox, signs for it and replies with measures.
    let (unit, ucsrf) = app.login("unit").await;
    let inbox = unit
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains(&n.number),
        "the notice is in the unit's inbox"
    );
    let other = app
        .login("unit2")
        .await
        .0
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains(&n.number), "not in another unit's");
    let step = |c: &reqwest::Client, csrf: &str, path: &str, version: i64, text: &str| {
        c.post(app.url(path))
            .form(&[
                ("_csrf", csrf.to_string()),
                ("version", version.to_string()),
                ("text", text.to_string()),
            ])
            .send()
    };
    // The office cannot close before the unit has replied.
    let res = step(&office, &ocsrf, &format!("/notices/{}/close", n.id), 1, "")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不能执行此操作"));
    assert_eq!(
        step(&unit, &ucsrf, &format!("/notices/{}/sign", n.id), 1, "")
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(
            &unit,
            &ucsrf,
            &format!("/notices/{}/reply", n.id),
            2,
            "已调集施工力量，10月底前完成第2个小区"
        )
        .await
        .unwrap()
        .status(),
        StatusCode::SEE_OTHER
    );
    // Another unit cannot touch it.
    let (unit2, u2csrf) = app.login("unit2").await;
    assert_eq!(
        step(&unit2, &u2csrf, &format!("/notices/{}/sign", n.id), 3, "")
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        step(&office, &ocsrf, &format!("/notices/{}/close", n.id), 3, "")
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let n = app.store.notice(n.id).await.unwrap();
    assert_eq!(n.state, NoticeState::Closed);
    assert!(n.reply.unwrap().contains("10月底前"));
    let actions: Vec<String> = app
        .store
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for a in [
        "notice.issue",
        "notice.sign",
        "notice.reply",
        "notice.close",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} is in the audit log");
    }

    // The unit asks for a later deadline; the office grants it; the judgement follows.
    let target = format!("t{}", app.task("2.3.2").targets[0].id);
    let res = unit
        .post(app.url("/my/tasks/2.3.2/extension"))
        .form(&[
            ("_csrf", ucsrf.as_str()),
            ("what", &target),
            ("requested", "2024-12-01"),
            ("reason", "资金未到位"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an earlier date is not an extension"
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("应晚于现时限 2024-12-31")
    );
    let res = unit
        .post(app.url("/my/tasks/2.3.2/extension"))
        .form(&[
            ("_csrf", ucsrf.as_str()),
            ("what", &target),
            ("requested", "2025-06-30"),
            ("reason", "资金未到位，申请延期半年"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let e = app
        .store
        .extensions(app.plan_id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        status_of(&app, "2.3.2").await.0,
        Status::SeriouslyLagging,
        "pending: nothing changes yet"
    );
    let res = office
        .post(app.url(&format!("/extensions/{}/grant", e.id)))
        .form(&[("_csrf", ocsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&app, "2.3.2").await,
        (Status::Lagging, d("2025-06-30"))
    );
    // The history keeps both dates.
    let e = app.store.extension(e.id).await.unwrap();
    assert_eq!(
        (e.old_deadline, e.requested),
        (Some(d("2024-12-31")), d("2025-06-30"))
    );
    let page = office
        .get(app.url("/notices"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("2024-12-31") && page.contains("2025-06-30") && page.contains("已同意"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulletin_page_and_downloads() {
    let app = TestApp::start().await;
    let r = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    app.store
        .accept_report(
            r.id,
            r.row_version,
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap();
    let (leader, _) = app.login("leader").await;
    let page = leader
        .get(app.url(&format!("/rounds/{}/bulletin", app.round_id)))
        .send()
        .await
        .unwrap();
    let status = page.status();
    let page = page.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("调度通报") && page.contains("2.3.2"),
        "the preview shows the lagging task"
    );
    assert!(
        !page.contains("编辑“下步工作要求”") && !page.contains("生成通报</button>"),
        "only the office issues and edits"
    );
    assert!(page.contains("草稿"), "a bulletin is a draft until issued");
    // Nothing to download before the office issues it.
    let early = leader
        .get(app.url(&format!("/rounds/{}/bulletin.docx", app.round_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::CONFLICT);
    assert!(early.text().await.unwrap().contains("尚未生成"));
    let early = leader
        .get(app.url(&format!("/rounds/{}/bulletin.html", app.round_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::CONFLICT);
    // The office issues it with its date.
    let (office, csrf) = app.login("office").await;
    let res = office
        .post(app.url(&format!("/rounds/{}/bulletin/freeze", app.round_id)))
        .form(&[("_csrf", csrf.as_str()), ("date", "2024-10-08")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let docx = leader
        .get(app.url(&format!("/rounds/{}/bulletin.docx", app.round_id)))
        .send()
        .await
        .unwrap();
    assert!(
        docx.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        docx.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("filename=\"bulletin-{}.docx\"", app.round_id))
    );
    let first = docx.bytes().await.unwrap();
    let again = leader
        .get(app.url(&format!("/rounds/{}/bulletin.docx", app.round_id)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(first, again, "the same bulletin twice is the same bytes");
    // The standalone page: the issued bulletin, a whole HTML document, saved as .html.
    let page = leader
        .get(app.url(&format!("/rounds/{}/bulletin.html", app.round_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let disposition = page.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with(&format!(
            "attachment; filename=\"bulletin-{}.html\"; filename*=UTF-8''",
            app.round_id
        )) && disposition.ends_with("%E8%B0%83%E5%BA%A6%E9%80%9A%E6%8A%A5.html"),
        "{disposition}"
    );
    let page = page.text().await.unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains(r#"<meta charset="utf-8">"#));
    assert!(page.contains("<style>") && page.contains("2024年10月8日印发"));
    let again = leader
        .get(app.url(&format!("/rounds/{}/bulletin.html", app.round_id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, again, "the issued page, the same bytes");
    let page_view = leader
        .get(app.url(&format!("/rounds/{}/bulletin", app.round_id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page_view.contains(&format!(
        r#"href="/rounds/{}/bulletin.html" id="download-html""#,
        app.round_id
    )));
    // The office edits the closing section; the next DOCX carries it.
    let rec = app
        .store
        .bulletin_record_of(app.round_id)
        .await
        .unwrap()
        .expect("issued");
    assert_eq!(rec.issued_on, d("2024-10-08"));
    let res = office
        .post(app.url(&format!("/rounds/{}/bulletin/closing", app.round_id)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", &rec.row_version.to_string()),
            ("closing", "各单位于10月15日前报送整改清单。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = office
        .get(app.url(&format!("/rounds/{}/bulletin", app.round_id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("各单位于10月15日前报送整改清单"));
    let xlsx = office
        .get(app.url(&format!("/rounds/{}/bulletin.xlsx", app.round_id)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(xlsx.starts_with(b"PK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_due_in_a_holiday_moves_to_the_next_working_day_and_the_page_says_so() {
    let app = TestApp::start().await;
    let (office, csrf) = app.login("office").await;
    // (name, as of, due typed, due kept, moved)
    let cases = [
        ("国庆调度", "2024-09-30", "2024-10-05", "2024-10-08", true),
        (
            "十一月调度",
            "2024-10-31",
            "2024-11-07",
            "2024-11-07",
            false,
        ),
        // Saturday 2024-10-12 is a 调休 working day: kept.
        ("调休调度", "2024-09-30", "2024-10-12", "2024-10-12", false),
        // 2027's holidays are not known: Monday–Friday, and the page says so.
        ("2027调度", "2027-09-30", "2027-10-02", "2027-10-04", true),
    ];
    for (name, as_of, due, kept, moved) in cases {
        let res = office
            .post(app.url("/rounds"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", name),
                ("as_of", as_of),
                ("due", due),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
        let to = res.headers()["location"].to_str().unwrap().to_string();
        let round = app
            .store
            .rounds(app.plan_id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.name == name)
            .unwrap();
        assert_eq!(round.due, d(kept), "{name}");
        let page = office
            .get(app.url(&to))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(page.contains("已顺延至下一个工作日"), moved, "{name}");
        assert!(page.contains("截止日期如逢周末或法定节假日，顺延至下一个工作日"));
    }
    let page = office
        .get(app.url("/rounds"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2027年的法定节假日未收录，按周一至周五计算工作日"),
        "{page}"
    );
    assert!(!page.contains("2024年的法定节假日未收录"));
}

/// 督办 is not limited to the system's proposals: the office issues a notice on any task, to
/// the lead or a cooperating unit, at the level and with the text it chooses; what it typed
/// wrong is shown again with the reason, and nothing is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_supervises_any_task_at_the_level_and_with_the_text_it_chooses() {
    let app = TestApp::start().await;
    // A task with a cooperating unit and no report at all: nothing proposes a notice on it.
    let task = app
        .tasks
        .iter()
        .find(|t| !t.support.is_empty() && !t.lead.is_empty())
        .expect("a task with a cooperating unit")
        .clone();
    let support = task.support[0];
    let units = app.store.units(app.plan_id).await.unwrap();
    let name = |id| units.iter().find(|u| u.id == id).unwrap().name.clone();
    let stranger = units
        .iter()
        .find(|u| !task.lead.contains(&u.id) && !task.support.contains(&u.id))
        .unwrap()
        .id;
    let (office, csrf) = app.login("office").await;
    let get = |c: &reqwest::Client, path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move { c.get(url).send().await.unwrap() }
    };

    // The task page leads the office (and only the office) to the form.
    let page = get(&office, format!("/tasks/{}", task.code)).await;
    let page = page.text().await.unwrap();
    let link = format!("/tasks/{}/notice?plan={}", task.code, app.plan_id);
    assert!(
        page.contains(&link) && page.contains("督办此任务"),
        "{page}"
    );
    let (leader, _) = app.login("leader").await;
    let page = get(&leader, format!("/tasks/{}", task.code)).await;
    assert!(!page.text().await.unwrap().contains("督办此任务"));
    let (unit, _) = app.login("unit").await;
    assert_eq!(
        get(&unit, link.clone()).await.status(),
        StatusCode::FORBIDDEN
    );

    // The form offers the task's units, the lead first and chosen.
    let form = get(&office, link.clone()).await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.unwrap();
    assert!(
        form.contains(&format!("{}（牵头）", name(task.lead[0]))),
        "{form}"
    );
    assert!(
        form.contains(&format!("{}（配合）", name(support))),
        "{form}"
    );
    assert!(!form.contains(&name(stranger)), "{form}");

    let reply_by = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
    let post = |fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("_csrf", csrf.clone()));
        let office = office.clone();
        let url = app.url(&link);
        async move { office.post(url).form(&fields).send().await.unwrap() }
    };
    let reason = "请说明该项任务配合工作的推进情况，并提出保障措施".to_string();
    // A unit that is not the task's, a mistyped date: refused, what was typed shown again.
    let res = post(vec![
        ("unit_id", stranger.to_string()),
        ("level", "red".into()),
        ("reason", reason.clone()),
        ("reply_by", reply_by.clone()),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("督办对象") && text.contains(&reason),
        "{text}"
    );
    let res = post(vec![
        ("unit_id", support.to_string()),
        ("level", "red".into()),
        ("reason", reason.clone()),
        ("reply_by", "2024/10/15".into()),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("“2024/10/15”") && text.contains(&reason),
        "{text}"
    );
    assert!(app.store.notices(app.plan_id).await.unwrap().is_empty());

    // Issued: red, to the cooperating unit, with the office's own text.
    let res = post(vec![
        ("unit_id", support.to_string()),
        ("level", "red".into()),
        ("reason", reason.clone()),
        ("reply_by", reply_by.clone()),
    ])
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        res.text().await
    );
    let n = app.store.notices(app.plan_id).await.unwrap().pop().unwrap();
    assert_eq!(
        (n.task_id, n.unit_id, n.level, n.reason.as_str()),
        (
            task.id,
            support,
            zhuanban_ledger::NoticeLevel::Red,
            reason.as_str()
        )
    );
    assert_eq!(n.reply_by.to_string(), reply_by);
}

/// 工作日历: the office enters a later year from its notice (every bad line named, nothing
/// stored until all are good), due dates are counted on it from then on, and it can be
/// removed; the years of the compiled table are listed with their notices and not editable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_enters_a_later_year_of_the_work_calendar() {
    let app = TestApp::start().await;
    let (office, csrf) = app.login("office").await;
    let get = |path: &str| {
        let (office, url) = (office.clone(), app.url(path));
        async move { office.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = get("/calendar").await;
    for needle in [
        "国办发明电〔2023〕7号",
        "国庆节 10月1日—10月7日",
        "9月29日（国庆节）",
        "内置",
    ] {
        assert!(page.contains(needle), "{needle}: {page}");
    }
    assert!(get("/rounds").await.contains("2024—2026"));

    let post = |fields: Vec<(&'static str, &'static str)>| {
        let mut fields: Vec<(&str, String)> = fields
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        fields.push(("_csrf", csrf.clone()));
        let (office, url) = (office.clone(), app.url("/calendar"));
        async move { office.post(url).form(&fields).send().await.unwrap() }
    };
    let res = post(vec![
        ("year", "2028"),
        ("notice", "国务院办公厅关于2028年部分节假日安排的通知"),
        ("holidays", "国庆节 2028-10-01 2028-10-07\n春节 2028-02-31"),
        ("workdays", "国庆节 2028-10-08"),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("放假安排第2行：“2028-02-31”不是日期") && text.contains("春节 2028-02-31"),
        "the line named, what was typed kept: {text}"
    );
    assert!(
        app.store
            .setting("calendar.added_years")
            .await
            .unwrap()
            .is_none()
    );
    let res = post(vec![
        ("year", "2028"),
        ("notice", "国务院办公厅关于2028年部分节假日安排的通知"),
        ("holidays", "国庆节 2028-10-01 2028-10-07"),
        ("workdays", "国庆节 2028-10-08"),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = get("/calendar").await;
    assert!(
        page.contains("国庆节 10月1日—10月7日") && page.contains("专班办公室录入"),
        "{page}"
    );
    assert!(get("/rounds").await.contains("2024、2025、2026、2028"));
    // Counted on it: a due date in the 2028 National Day holiday moves to Sunday 2028-10-08,
    // a 调休 working day.
    assert_eq!(
        zhuanban_ledger::calendar::next_working_day(d("2028-10-04")),
        d("2028-10-08")
    );
    // A year of the table is not entered again.
    let res = post(vec![
        ("year", "2025"),
        ("notice", "通知"),
        ("holidays", "国庆节 2025-10-01 2025-10-08"),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("2025年的安排已按"));

    let res = post(vec![("remove", "2028")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!get("/calendar").await.contains("专班办公室录入"));
    assert_eq!(
        zhuanban_ledger::calendar::next_working_day(d("2028-10-04")),
        d("2028-10-04")
    );
}
