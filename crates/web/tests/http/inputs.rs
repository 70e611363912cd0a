//! Bad input gets a clear message in Chinese, keeps what the user typed, and changes nothing;
//! good input is saved with its evidence.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::TestApp;
use zhuanban_store::Store as _;

fn form(
    csrf_target: &TestApp,
    values: &[(zhuanban_ledger::TargetId, &str)],
    narrative: &str,
    action: &str,
) -> Form {
    let _ = csrf_target;
    let mut f = Form::new()
        .text("narrative", narrative.to_string())
        .text("action", action.to_string());
    for (id, v) in values {
        f = f.text(format!("value_{id}"), v.to_string());
    }
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_is_not_a_number_is_shown_beside_its_field() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    let f = form(
        &app,
        &[(t.targets[0].id, "两个"), (t.targets[1].id, "860")],
        "完成改造2个小区",
        "submit",
    );
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("“两个”不是数字"),
        "the message names the value"
    );
    assert!(
        body.contains(r#"value="两个""#) && body.contains(r#"value="860""#),
        "what was typed is kept"
    );
    assert!(body.contains("完成改造2个小区"), "the narrative is kept");
    assert!(body.contains(r#"class="bad""#), "the field is marked");
    assert_eq!(app.count("reports").await, 0, "nothing was saved");
    // A negative count, and a submission without a narrative.
    let f = form(&app, &[(t.targets[0].id, "-1")], "", "submit");
    let body = c
        .post(&url)
        .multipart(f)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("不能为负数") && body.contains("报送时请填写本期进展情况"),
        "{body}"
    );
    assert_eq!(app.count("reports").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_as_people_type_them_are_read_and_a_typo_is_quoted_as_typed() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    // A typo: the message quotes it exactly, and nothing is saved.
    let f = form(
        &app,
        &[(t.targets[1].id, "1,15O")],
        "完成改造2个小区",
        "save",
    );
    let body = c
        .post(&url)
        .multipart(f)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("“1,15O”不是数字"), "{body}");
    assert!(!body.contains("“115O”"));
    assert_eq!(app.count("reports").await, 0);
    // A unit other than the target's (人) is named.
    let f = form(
        &app,
        &[(t.targets[1].id, "860个")],
        "完成改造2个小区",
        "save",
    );
    let body = c
        .post(&url)
        .multipart(f)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("不是本目标的单位“人”"), "{body}");
    assert_eq!(app.count("reports").await, 0);
    // Full-width digits and the target's own unit, as an input method types them.
    let f = form(
        &app,
        &[(t.targets[0].id, "２个"), (t.targets[1].id, "１，０５０人")],
        "完成改造2个小区",
        "save",
    );
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let r = app
        .store
        .reports(app.round_id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        r.values.iter().map(|v| v.value).collect::<Vec<_>>(),
        vec![2.0, 1050.0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_disguised_uploads_are_refused() {
    let app = TestApp::start_with(|c| c.max_upload = 64 * 1024).await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "big.pdf",
            [b"%PDF-1.4 ".to_vec(), vec![b'x'; 100 * 1024]].concat(),
            "超过上限",
        ),
        (
            "report.pdf",
            b"MZ\x90\x00\x03\x00 an executable".to_vec(),
            "不是可接受的文件类型",
        ),
        (
            "photo.png",
            b"%PDF-1.4 a pdf named png".to_vec(),
            "扩展名与文件内容不符",
        ),
    ];
    for (name, bytes, needle) in cases {
        let f = form(&app, &[(t.targets[0].id, "2")], "进展", "submit")
            .part("evidence", Part::bytes(bytes).file_name(name.to_string()));
        let res = c.post(&url).multipart(f).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains(needle) && body.contains(name),
            "{name}: expected “{needle}”"
        );
        assert!(
            body.contains("重新选择附件"),
            "says the file must be chosen again"
        );
        assert!(body.contains(r#"value="2""#), "keeps the typed value");
    }
    assert_eq!(app.count("reports").await, 0);
    assert_eq!(app.count("evidence").await, 0);
    assert!(
        !app.dir.path().join("files").join("evidence").exists(),
        "no file was stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_report_is_saved_with_its_evidence_served_as_an_attachment() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let url = app.url(&format!("/my/tasks/2.3.2?_csrf={csrf}"));
    let pdf = b"%PDF-1.4\n% evidence\n".to_vec();
    let f = form(
        &app,
        &[(t.targets[0].id, "2"), (t.targets[1].id, "1,050")],
        "完成改造2个小区",
        "submit",
    )
    .part(
        "evidence",
        Part::bytes(pdf.clone()).file_name("验收材料.pdf"),
    );
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/my?ok=submitted");
    let page = c
        .get(app.url("/my?ok=submitted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已报送，等待专班办公室审核"));
    let r = app
        .store
        .reports(app.round_id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        r.values.iter().map(|v| v.value).collect::<Vec<_>>(),
        vec![2.0, 1050.0]
    );
    assert_eq!(r.evidence.len(), 1);
    assert_eq!(r.evidence[0].name, "验收材料.pdf");
    // Stored by hash outside any served folder; downloaded as an attachment.
    let path =
        zhuanban_web::evidence::path_for(&app.dir.path().join("files"), &r.evidence[0].sha256)
            .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), pdf);
    let (office, _) = app.login("office").await;
    let res = office
        .get(app.url(&format!(
            "/reports/{}/evidence/{}",
            r.id, r.evidence[0].sha256
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    // A submitted report cannot be edited by the unit.
    let f = form(&app, &[(t.targets[0].id, "3")], "改", "submit");
    let res = c.post(&url).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不能再修改"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_bad_reports_with_json_errors() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let t = app.task("2.3.2").clone();
    let cases = [
        (
            format!(
                r#"{{"task":"2.3.2","values":{{"{}":"两个"}}}}"#,
                t.targets[0].id
            ),
            StatusCode::BAD_REQUEST,
            "不是有效的报告",
        ),
        (
            format!(
                r#"{{"task":"2.3.2","values":{{"{}":-4}}}}"#,
                t.targets[0].id
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不能为负数",
        ),
        (
            format!(
                r#"{{"task":"2.3.2","values":{{"{}":4}}}}"#,
                app.task("2.4.4").targets[0].id
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不属于任务 2.3.2",
        ),
        (
            r#"{"task":"2.1.1"}"#.to_string(),
            StatusCode::NOT_FOUND,
            "不存在",
        ),
        (
            r#"{"task":"2.3.2","colour":"red"}"#.to_string(),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ];
    for (body, status, needle) in cases {
        let res = c
            .post(app.url("/api/reports"))
            .header("X-CSRF-Token", &csrf)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{body}");
        let json: serde_json::Value = res.json().await.unwrap();
        assert!(
            json["error"].as_str().unwrap().contains(needle),
            "{body}: {json}"
        );
    }
    assert_eq!(app.count("reports").await, 0);
    // A good one.
    let body = format!(
        r#"{{"task":"2.3.2","values":{{"{}":2}},"narrative":"进展","submit":true}}"#,
        t.targets[0].id
    );
    let res = c
        .post(app.url("/api/reports"))
        .header("X-CSRF-Token", &csrf)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: serde_json::Value = res.json().await.unwrap();
    assert_eq!(r["state"], "submitted");
    // The office returns it through the API, then accepts the corrected one.
    let (office, ocsrf) = app.login("office").await;
    let id = r["id"].as_i64().unwrap();
    let res = office
        .post(app.url(&format!("/api/reports/{id}/return")))
        .header("X-CSRF-Token", &ocsrf)
        .json(&serde_json::json!({"version": r["row_version"], "reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return needs a reason"
    );
    let res = office
        .post(app.url(&format!("/api/reports/{id}/return")))
        .header("X-CSRF-Token", &ocsrf)
        .json(&serde_json::json!({"version": r["row_version"], "reason": "请补充佐证"}))
        .send()
        .await
        .unwrap();
    let r: serde_json::Value = res.json().await.unwrap();
    assert_eq!(r["state"], "returned");
    let stale = office
        .post(app.url(&format!("/api/reports/{id}/accept")))
        .header("X-CSRF-Token", &ocsrf)
        .json(&serde_json::json!({"version": 1}))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        stale.status(),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_uploads_monitoring_data_and_bad_cells_are_named() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let url = app.url(&format!("/series?_csrf={csrf}"));
    let upload = |text: &'static str| {
        Form::new()
            .text("site", "大通湖")
            .text("kind", "water")
            .text("lake", "1")
            .part(
                "file",
                Part::bytes(text.as_bytes().to_vec()).file_name("lake.csv"),
            )
    };
    let res = c
        .post(&url)
        .multipart(upload(
            "监测时间,总磷\n2024-01-15,0.05\n2024-02-15,abc\n2024-03-45,0.06\n",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("第3行“总磷”列：不是数值") && body.contains("第4行“监测时间”列"),
        "every bad cell is named"
    );
    assert!(body.contains("未导入任何数据"));
    assert_eq!(app.count("observations").await, 0);
    let res = c
        .post(&url)
        .multipart(upload(
            "监测时间,总磷,氨氮\n2024-01-15,0.05,0.4\n2024-02-15,0.06,0.5\n",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/series?imported=4");
    let page = c
        .get(app.url("/series"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("大通湖") && page.contains("2024-02-15"));
    assert_eq!(app.count("observations").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_template_downloads_and_a_bad_upload_saves_nothing() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("unit").await;
    let res = c.get(app.url("/my/template.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let template = res.bytes().await.unwrap().to_vec();
    assert!(template.starts_with(b"PK"));
    let url = app.url(&format!("/my/template?_csrf={csrf}"));
    // Not a spreadsheet.
    let res = c
        .post(&url)
        .multipart(Form::new().part(
            "file",
            Part::bytes(b"%PDF-1.4 x".to_vec()).file_name("x.xlsx"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("未保存任何内容"));
    // The template as downloaded: nothing filled in, so nothing to report.
    let res = c
        .post(&url)
        .multipart(Form::new().part("file", Part::bytes(template).file_name("填报表.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("2.3.2") && body.contains("未填写本期进展"),
        "{body}"
    );
    assert_eq!(app.count("reports").await, 0);
    // Another unit's role cannot fetch a template; the office cannot either.
    let (office, _) = app.login("office").await;
    assert_eq!(
        office
            .get(app.url("/my/template.xlsx"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}
