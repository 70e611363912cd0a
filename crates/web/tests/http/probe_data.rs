//! What a probe of the desk broke, over HTTP: spreadsheet bombs uploaded to 监测数据, the
//! evidence size limit, free-text limits and control characters, numbers, the offline
//! template upload, download names and the frozen bulletin.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use zhuanban_testkit::bombs::{dense_xlsx, sparse_xlsx};

use crate::TestApp;
use zhuanban_store::Store as _;

/// This process's peak resident memory (VmHWM) in KiB: the server runs in the test's own
/// process (one process per test under nextest).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// Refused with a message naming the file and the limit, storing nothing, the server growing
/// by less than 200 MiB. (How fast: the benchmark `zhuanban-office/benches/bombs.rs` times the
/// same reader on the same bombs.)
async fn spreadsheet_bombs_uploaded_to_monitoring_data_are_refused_small() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let url = app.url(&format!("/series?_csrf={csrf}"));
    for (name, bytes, reason) in [
        ("稀疏.xlsx", sparse_xlsx(), "单元格 XFD1048576 超出范围"),
        ("重复.xlsx", dense_xlsx(1_900_000), "压缩比异常"),
    ] {
        let before = peak_kib();
        let res = c
            .post(&url)
            .multipart(
                Form::new()
                    .text("site", "大通湖")
                    .text("kind", "water")
                    .part("file", Part::bytes(bytes).file_name(name)),
            )
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        let grew = peak_kib().saturating_sub(before);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(&format!("{name}：超出导入限制")) && body.contains(reason),
            "{name}: {body}"
        );
        assert!(grew < 200 * 1024, "{name}: the server grew by {grew} KiB");
    }
    assert_eq!(app.count("observations").await, 0);
}

fn report_form(
    values: &[(zhuanban_ledger::TargetId, &str)],
    narrative: &str,
    action: &str,
) -> Form {
    let mut f = Form::new()
        .text("narrative", narrative.to_string())
        .text("action", action.to_string());
    for (id, v) in values {
        f = f.text(format!("value_{id}"), v.to_string());
    }
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_up_to_the_documented_ten_megabytes_is_accepted() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    let mut pdf = b"%PDF-1.4\n% evidence\n".to_vec();
    pdf.resize(9 * 1024 * 1024, b' ');
    let f = report_form(&[(t.targets[0].id, "2")], "完成改造2个小区", "submit")
        .part("evidence", Part::bytes(pdf).file_name("验收材料.pdf"));
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    let r = app
        .store
        .reports(app.round_id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(r.evidence.len(), 1);
    assert_eq!(r.evidence[0].size, 9 * 1024 * 1024);
    // Over the limit: refused with the limit named, nothing saved.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(11 * 1024 * 1024, b' ');
    let f = report_form(&[(t.targets[0].id, "3")], "再报", "submit")
        .part("evidence", Part::bytes(big).file_name("大.pdf"));
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("10"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_text_is_length_limited_and_control_characters_are_refused() {
    let app = TestApp::start().await;
    let (office, ocsrf) = app.login("office").await;
    let (unit, ucsrf) = app.login("unit").await;
    let task_id = app.task("2.3.2").id.to_string();
    let unit_id = app.unit_id.to_string();
    let reply_by = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    let long = "长".repeat(3_000);
    for (reason, says) in [
        (long.as_str(), "督办事由不超过 2000 字"),
        ("滞后\0隐藏", "督办事由含有不可见的控制字符"),
    ] {
        let res = office
            .post(app.url("/notices"))
            .form(&[
                ("_csrf", ocsrf.as_str()),
                ("task_id", &task_id),
                ("unit_id", &unit_id),
                ("level", "yellow"),
                ("reason", reason),
                ("reply_by", &reply_by),
            ])
            .send()
            .await
            .unwrap();
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{says}");
    }
    assert!(app.store.notices(app.plan_id).await.unwrap().is_empty());

    let target = format!("t{}", app.task("2.3.2").targets[0].id);
    let res = unit
        .post(app.url("/my/tasks/2.3.2/extension"))
        .form(&[
            ("_csrf", ucsrf.as_str()),
            ("what", &target),
            ("requested", "2030-12-01"),
            ("reason", &long),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("延期理由不超过 2000 字"));
    assert_eq!(app.count("extensions").await, 0);

    // A narrative with NUL: refused beside the field; tab and line feed are kept.
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={ucsrf}"));
    let res = unit
        .post(&url)
        .multipart(report_form(&[], "完成\0改造", "draft"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("本期进展含有不可见的控制字符")
    );
    let res = unit
        .post(&url)
        .multipart(report_form(&[], "一、完成\r\n\t二、改造", "draft"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let r = app
        .store
        .reports(app.round_id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(r.narrative, "一、完成\n\t二、改造");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_are_bounded_and_a_lone_comma_is_ambiguous() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    for (value, says) in [
        ("1,5", "含义不明"),
        ("1e308", "不是数字"),
        ("inf", "不是数字"),
        ("-3", "不能为负数"),
    ] {
        let res = c
            .post(&url)
            .multipart(report_form(&[(t.targets[0].id, value)], "进展", "draft"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{value}: {says}");
    }
    assert_eq!(app.count("reports").await, 0);
    // Thousands separators in groups of three are fine.
    let res = c
        .post(&url)
        .multipart(report_form(&[(t.targets[0].id, "1,500")], "进展", "draft"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// The `filename` and `filename*` of a download.
fn names(res: &reqwest::Response) -> (String, String) {
    let v = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(v.starts_with("attachment;"), "{v}");
    let ascii = v
        .split("filename=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let utf8 = v.split("filename*=UTF-8''").nth(1).unwrap().to_string();
    (ascii, utf8)
}

async fn freeze(app: &TestApp) -> (reqwest::Client, String) {
    let (office, csrf) = app.login("office").await;
    let res = office
        .post(app.url(&format!("/rounds/{}/bulletin/freeze", app.round_id)))
        .form(&[("_csrf", csrf.as_str()), ("date", "2024-10-08")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    (office, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_download_is_named_with_its_own_extension() {
    let app = TestApp::start().await;
    let (office, ocsrf) = freeze(&app).await;
    let reply_by = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    let res = office
        .post(app.url("/notices"))
        .form(&[
            ("_csrf", ocsrf.as_str()),
            ("task_id", &app.task("2.3.2").id.to_string()),
            ("unit_id", &app.unit_id.to_string()),
            ("level", "yellow"),
            ("reason", "滞后"),
            ("reply_by", &reply_by),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let notice = app.store.notices(app.plan_id).await.unwrap().pop().unwrap();
    let (auditor, _) = app.login("auditor").await;
    let (unit, _) = app.login("unit").await;
    for (client, path, ext) in [
        (
            &office,
            format!("/notices/{}/print.docx", notice.id),
            ".docx",
        ),
        (
            &office,
            format!("/rounds/{}/bulletin.docx", app.round_id),
            ".docx",
        ),
        (
            &office,
            format!("/rounds/{}/bulletin.xlsx", app.round_id),
            ".xlsx",
        ),
        (&unit, "/my/template.xlsx".to_string(), ".xlsx"),
        (&auditor, "/audit.csv".to_string(), ".csv"),
    ] {
        let res = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let (ascii, utf8) = names(&res);
        assert!(
            ascii.ends_with(ext) && ascii.is_ascii() && ascii.len() > ext.len(),
            "{path}: {ascii}"
        );
        assert!(utf8.ends_with(ext) && utf8.contains('%'), "{path}: {utf8}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_bulletin_keeps_its_bytes_after_the_ledger_changes() {
    let app = TestApp::start().await;
    let (office, _) = freeze(&app).await;
    let get = |path: String| {
        let office = office.clone();
        let url = app.url(&path);
        async move {
            let res = office.get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.bytes().await.unwrap().to_vec()
        }
    };
    let docx = get(format!("/rounds/{}/bulletin.docx", app.round_id)).await;
    let xlsx = get(format!("/rounds/{}/bulletin.xlsx", app.round_id)).await;
    let html = get(format!("/rounds/{}/bulletin", app.round_id)).await;
    // A report accepted after the bulletin was issued changes the ledger...
    let r = app.submitted_report("2.3.2", app.unit_id, 3.0).await;
    app.store
        .accept_report(
            r.id,
            r.row_version,
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap();
    // ...but not the issued bulletin.
    assert_eq!(
        get(format!("/rounds/{}/bulletin.docx", app.round_id)).await,
        docx
    );
    assert_eq!(
        get(format!("/rounds/{}/bulletin.xlsx", app.round_id)).await,
        xlsx
    );
    let section = |page: &[u8]| {
        let page = String::from_utf8_lossy(page).into_owned();
        let start = page.find("调度通报").unwrap();
        page[start..]
            .lines()
            .filter(|l| !l.contains("_csrf") && !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        section(&get(format!("/rounds/{}/bulletin", app.round_id)).await),
        section(&html)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_upload_skips_accepted_tasks_instead_of_refusing_the_file() {
    let app = TestApp::start().await;
    let actor = zhuanban_store::Actor::new("测试", "test");
    let tasks_of = |unit| -> Vec<zhuanban_ledger::TaskRecord> {
        app.tasks
            .iter()
            .filter(|t| t.lead.contains(&unit) || t.support.contains(&unit))
            .cloned()
            .collect()
    };
    // The unit with more tasks; the first of them is accepted.
    let (login, unit_id, mine) = if tasks_of(app.unit2_id).len() > tasks_of(app.unit_id).len() {
        ("unit2", app.unit2_id, tasks_of(app.unit2_id))
    } else {
        ("unit", app.unit_id, tasks_of(app.unit_id))
    };
    assert!(mine.len() > 1, "the unit has several tasks");
    let accepted = mine[0].code.clone();
    // A draft with a narrative on every task (the template carries it), one accepted.
    for t in &mine {
        let r = app
            .store
            .save_report(
                &zhuanban_store::ReportInput {
                    round_id: app.round_id,
                    task_id: t.id,
                    unit_id,
                    narrative: format!("{}进展", t.code),
                    submit: t.code == accepted,
                    ..Default::default()
                },
                &actor,
            )
            .await
            .unwrap();
        if t.code == accepted {
            app.store
                .accept_report(r.id, r.row_version, &actor)
                .await
                .unwrap();
        }
    }
    let (c, csrf) = app.login(login).await;
    let template = c
        .get(app.url("/my/template.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    // The accepted task is shown locked in the template, saying why.
    {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(template.clone())).unwrap();
        let range = book.worksheet_range("填报").unwrap();
        let shown: Vec<String> = range
            .rows()
            .filter(|r| r.first().is_some_and(|c| c.to_string() == accepted))
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .collect();
        assert!(
            shown
                .iter()
                .any(|c| c.starts_with("【本期报告已采纳，不可修改】")),
            "{shown:?}"
        );
    }
    let res = c
        .post(app.url(&format!("/my/template?_csrf={csrf}")))
        .multipart(Form::new().part("file", Part::bytes(template).file_name("填报表.xlsx")))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(!body.contains("已已"), "{body}");
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    for r in app.store.reports(app.round_id).await.unwrap() {
        let code = &mine.iter().find(|t| t.id == r.task_id).unwrap().code;
        if *code == accepted {
            assert_eq!(
                r.state,
                zhuanban_ledger::ReportState::Accepted,
                "left as accepted"
            );
        } else {
            assert_eq!(
                r.state,
                zhuanban_ledger::ReportState::Submitted,
                "{code} submitted"
            );
        }
    }
}
