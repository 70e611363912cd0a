//! What a person reads is in Chinese: a refusal names what is wrong in words, never a field's
//! code; the audit log names actions in words.

use reqwest::StatusCode;

use crate::TestApp;

/// Returning a report without a reason: the page says what is missing, not "reason：…".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_names_what_is_wrong_in_words() {
    let app = TestApp::start().await;
    let r = app.submitted_report("2.3.2", app.unit_id, 2.0).await;
    let (c, csrf) = app.login("office").await;
    let res = c
        .post(app.url(&format!("/review/{}/return", r.id)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", &r.row_version.to_string()),
            ("reason", "  "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("退回报告必须写明理由"), "the message");
    assert!(!page.contains("reason："), "no field code");
    // The auditor's log: actions by name, with their code for searching.
    let (a, _) = app.login("auditor").await;
    let log = a
        .get(app.url("/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log.contains("登录（login）"), "actions named in the log");
}
