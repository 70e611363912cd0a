//! The permission matrix: every route of the router × every kind of account × own/other
//! object → the expected answer. The routes come from the router's own table, so a new route
//! is in the matrix the day it is added; a new path parameter without sample objects fails
//! the test.

use reqwest::{Method, StatusCode};
use zhuanban_ledger::Role;
use zhuanban_web::routes::{Access, rules};

use crate::TestApp;
use zhuanban_store::Store as _;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Account(&'static str, Role),
    /// The unit account asking about another unit's object.
    OtherUnit,
}

#[derive(Debug, PartialEq)]
enum Expect {
    Allowed,
    LoginRedirect,
    Unauthorized,
    Forbidden,
    NotFound,
}

struct Samples {
    own_code: String,
    other_code: String,
    own_report: i64,
    other_report: i64,
    own_sha: String,
    other_sha: String,
    round: zhuanban_ledger::RoundId,
    user: zhuanban_ledger::AccountId,
    own_notice: i64,
    other_notice: i64,
    extension: i64,
    unit_message: i64,
    reading: i64,
    plan: i64,
    unit: zhuanban_ledger::UnitId,
}

fn fill(path: &str, s: &Samples, other: bool) -> String {
    let mut out = Vec::new();
    let report_route = path.contains("/reports/") || path.contains("/review/");
    for seg in path.split('/') {
        let v = match seg {
            "{code}" => {
                if other {
                    s.other_code.clone()
                } else {
                    s.own_code.clone()
                }
            }
            "{id}" if report_route => {
                (if other { s.other_report } else { s.own_report }).to_string()
            }
            "{id}" if path.starts_with("/rounds/") => s.round.to_string(),
            "{id}" if path.starts_with("/notices/") => {
                (if other { s.other_notice } else { s.own_notice }).to_string()
            }
            "{id}" if path.starts_with("/extensions/") => s.extension.to_string(),
            "{id}" if path.starts_with("/inbox/") => s.unit_message.to_string(),
            "{id}" if path.starts_with("/admin/users/") => s.user.to_string(),
            "{id}" if path.starts_with("/admin/units/") => s.unit.to_string(),
            "{id}"
                if path.starts_with("/api/plans/readings/")
                    || path.starts_with("/plans/readings/") =>
            {
                s.reading.to_string()
            }
            "{id}" if path.starts_with("/api/plans/") || path.starts_with("/plans/") => {
                s.plan.to_string()
            }
            "{sha}" => {
                if other {
                    s.other_sha.clone()
                } else {
                    s.own_sha.clone()
                }
            }
            p if p.starts_with('{') => panic!(
                "no sample object for the parameter {p} of {path}: add one to the permission matrix"
            ),
            p => p.to_string(),
        };
        out.push(v);
    }
    out.join("/")
}

fn has_object(path: &str) -> bool {
    path.contains("{code}")
        || (path.contains("{id}")
            && (path.contains("/reports/")
                || path.contains("/review/")
                || path.starts_with("/notices/")))
}

fn expect(access: Access, api: bool, who: Who, path: &str) -> Expect {
    let role = match who {
        Who::Anonymous => None,
        Who::Account(_, r) => Some(r),
        Who::OtherUnit => Some(Role::Unit),
    };
    match (access, role) {
        (Access::Public, _) => Expect::Allowed,
        (Access::Setup, _) => Expect::NotFound,
        (_, None) => {
            if api {
                Expect::Unauthorized
            } else {
                Expect::LoginRedirect
            }
        }
        (a, Some(r)) if !a.allows(r) => Expect::Forbidden,
        (_, Some(_)) if who == Who::OtherUnit && has_object(path) => Expect::NotFound,
        // The sample account is a business account, whose password only the system
        // administrator resets (三员: the security administrator manages the administrators).
        (_, Some(Role::Secadmin)) if path.starts_with("/admin/users/{id}/reset") => {
            Expect::Forbidden
        }
        // The sample message is addressed to the unit: nobody else may mark it read.
        (_, Some(_))
            if path.starts_with("/inbox/{id}")
                && !matches!(who, Who::Account("unit", _) | Who::OtherUnit) =>
        {
            Expect::NotFound
        }
        _ => Expect::Allowed,
    }
}

async fn samples(app: &TestApp) -> Samples {
    let own = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    let other = app.submitted_report("2.1.1", app.unit2_id, 1.0).await;
    let mut shas = Vec::new();
    for (r, name) in [(own.id, "own.pdf"), (other.id, "other.pdf")] {
        let bytes = format!("%PDF-1.4 {name}").into_bytes();
        let e = zhuanban_web::evidence::check(name, &bytes, 1 << 20).unwrap();
        zhuanban_web::evidence::store(&app.dir.path().join("files"), &e, &bytes)
            .await
            .unwrap();
        app.store
            .add_evidence(r, &e, &zhuanban_store::Actor::new("测试", "test"))
            .await
            .unwrap();
        shas.push(e.sha256);
    }
    let leader = app
        .store
        .user_for_login("leader")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let actor = zhuanban_store::Actor::new("测试", "test");
    let reply_by = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    let mut notices = Vec::new();
    for (code, unit) in [("2.3.2", app.unit_id), ("2.1.1", app.unit2_id)] {
        let n = app
            .store
            .issue_notice(
                app.plan_id,
                &zhuanban_store::NoticeInput {
                    task_id: app.task(code).id,
                    unit_id: unit,
                    level: zhuanban_ledger::NoticeLevel::Yellow,
                    reason: "进度滞后".into(),
                    reply_by,
                },
                &actor,
            )
            .await
            .unwrap();
        notices.push(n.id);
    }
    let t = app.task("2.3.2");
    let ext = app
        .store
        .request_extension(
            &zhuanban_store::ExtensionInput {
                task_id: t.id,
                target_id: Some(t.targets[0].id),
                milestone_id: None,
                unit_id: app.unit_id,
                requested: chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
                reason: "资金未到位".into(),
            },
            &actor,
        )
        .await
        .unwrap();
    app.store
        .post_inbox(
            "test:1",
            zhuanban_store::Audience::Unit(app.unit_id),
            "测试消息",
            "正文",
            "/my",
        )
        .await
        .unwrap();
    let unit_user = app.store.user_for_login("unit").await.unwrap().unwrap().0;
    let message = app.store.inbox(&unit_user, 1).await.unwrap()[0].id;
    // The round's bulletin is issued, so its downloads and its closing have an object.
    zhuanban_desk::bulletin::freeze(
        &app.store,
        app.round_id,
        None,
        true,
        chrono::NaiveDate::from_ymd_opt(2024, 10, 8).unwrap(),
        &actor,
    )
    .await
    .unwrap();
    // A plan reading awaiting confirmation (confirming it in the matrix makes a new plan).
    let read = zhuanban_plan::read_text(crate::SEED, &zhuanban_plan::ReadOptions::new("r.txt"));
    let reading = app
        .store
        .create_reading(
            &zhuanban_store::NewReading {
                source: "r.txt",
                format: "UTF-8",
                text: crate::SEED,
                plan: &read.plan,
                diagnostics: &read.diagnostics,
                revises: None,
            },
            &actor,
        )
        .await
        .unwrap()
        .id;
    Samples {
        reading,
        plan: app.plan_id,
        unit: app.unit2_id,
        own_notice: notices[0],
        other_notice: notices[1],
        extension: ext.id,
        unit_message: message,
        own_code: "2.3.2".into(),
        other_code: "2.1.1".into(),
        own_report: own.id,
        other_report: other.id,
        own_sha: shas[0].clone(),
        other_sha: shas[1].clone(),
        round: app.round_id,
        user: leader,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role() {
    let app = TestApp::start().await;
    let s = samples(&app).await;
    let mut table = rules();
    // Reading routes first: the writing ones may change what they read (close the round).
    table.sort_by_key(|r| r.method != reqwest::Method::GET);
    assert!(
        table.len() >= 30,
        "the route table is filled when the app is built ({} routes)",
        table.len()
    );
    let mut who: Vec<Who> = vec![Who::Anonymous];
    who.extend(
        crate::ACCOUNTS
            .iter()
            .filter(|(l, _)| *l != "unit2")
            .map(|(l, r)| Who::Account(l, *r)),
    );
    who.push(Who::OtherUnit);
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in &table {
        // A fresh session for every case: some routes (signing out) end it.
        for w in &who {
            let (client, csrf) = match w {
                Who::Anonymous => (TestApp::client(), String::new()),
                Who::Account(login, _) => app.login(login).await,
                Who::OtherUnit => app.login("unit").await,
            };
            let path = fill(rule.path, &s, *w == Who::OtherUnit);
            let method = Method::from_bytes(rule.method.as_str().as_bytes()).unwrap();
            let mut req = client.request(method.clone(), app.url(&path));
            if method != Method::GET {
                req = req
                    .header("X-CSRF-Token", &csrf)
                    .header("Sec-Fetch-Site", "same-origin");
                if rule.path == "/login" {
                    // No credentials: the route answers, it does not refuse.
                } else if rule.path == "/my/tasks/{code}" {
                    req = req.multipart(reqwest::multipart::Form::new().text("action", "save"));
                } else {
                    // A body with every field the forms ask for, so that no form refuses it
                    // before the handler has checked access to the object.
                    req = req.form(&[
                        ("version", "1"),
                        ("text", "x"),
                        ("reason", "x"),
                        ("what", "t1"),
                        ("requested", "2030-01-01"),
                        ("closing", "x"),
                        ("task_id", "1"),
                        ("unit_id", "1"),
                        ("level", "yellow"),
                        ("reply_by", "2030-01-01"),
                    ]);
                }
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let want = expect(rule.access, rule.api, *w, rule.path);
            // Routes whose job is to send a person to the sign-in page.
            let sends_to_login =
                rule.path == "/logout" || (rule.path == "/" && *w == Who::Anonymous);
            let ok = match want {
                Expect::Allowed => {
                    let login_redirect = status == StatusCode::SEE_OTHER
                        && location.starts_with("/login")
                        && !sends_to_login;
                    let refused = matches!(
                        status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                    );
                    // Signed-in GETs of pages and API answer 200 (or redirect, for "/" and /login).
                    let good_get = method != Method::GET
                        || status == StatusCode::OK
                        || status == StatusCode::SEE_OTHER;
                    !login_redirect && !refused && good_get && !status.is_server_error()
                }
                Expect::LoginRedirect => {
                    status == StatusCode::SEE_OTHER && location.starts_with("/login")
                }
                Expect::Unauthorized => status == StatusCode::UNAUTHORIZED,
                Expect::Forbidden => status == StatusCode::FORBIDDEN,
                Expect::NotFound => status == StatusCode::NOT_FOUND,
            };
            checked += 1;
            if !ok {
                failures.push(format!(
                    "{} {} as {:?}: expected {:?}, got {} {}",
                    rule.method, path, w, want, status, location
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 240, "checked {checked}");
}

/// The ledger's export (`/ledger.xlsx`) is in the matrix above like every route; it is open
/// to exactly the accounts that may read the ledger, and a unit's export, like its ledger,
/// holds its own tasks only (`search::the_export_is_exactly_the_filtered_ledger`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_export_has_the_ledgers_access() {
    let app = TestApp::start().await;
    // The route table is filled once the server has built its router.
    app.login("office").await;
    let table = rules();
    let access = |path: &str| {
        table
            .iter()
            .find(|r| r.path == path && r.method == reqwest::Method::GET)
            .map(|r| r.access)
    };
    assert!(access("/ledger").is_some());
    assert_eq!(access("/ledger.xlsx"), access("/ledger"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_are_seen_by_their_unit_only() {
    let app = TestApp::start().await;
    let t = app.task("2.3.2");
    let draft = app
        .store
        .save_report(
            &zhuanban_store::ReportInput {
                round_id: app.round_id,
                task_id: t.id,
                unit_id: app.unit_id,
                narrative: "草稿内容".into(),
                ..Default::default()
            },
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap();
    for (login, want) in [
        ("unit", StatusCode::OK),
        ("office", StatusCode::NOT_FOUND),
        ("leader", StatusCode::NOT_FOUND),
        ("unit2", StatusCode::NOT_FOUND),
    ] {
        let (c, _) = app.login(login).await;
        for path in [
            format!("/reports/{}", draft.id),
            format!("/api/reports/{}", draft.id),
        ] {
            let res = c.get(app.url(&path)).send().await.unwrap();
            assert_eq!(res.status(), want, "{login} {path}");
        }
        let page = c
            .get(app.url("/tasks/2.3.2"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.contains("草稿内容") || page.contains(&format!("/reports/{}", draft.id)),
            login == "unit",
            "{login} sees the draft on the task page"
        );
    }
    // Guessing ids of reports that do not exist looks the same as another unit's.
    let (c, _) = app.login("unit2").await;
    assert_eq!(
        c.get(app.url("/reports/999999"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_sees_only_its_tasks_in_the_ledger_and_api() {
    let app = TestApp::start().await;
    let (c, _) = app.login("unit").await;
    let tasks: serde_json::Value = c
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["2.3.2"],
        "区住房城乡建设局 leads 2.3.2 and supports nothing else"
    );
    let page = c
        .get(app.url("/ledger"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/tasks/2.3.2") && !page.contains("/tasks/2.1.1"));
    let (c, _) = app.login("office").await;
    let all: serde_json::Value = c
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_api_route() {
    let app = TestApp::start().await;
    let doc: serde_json::Value = TestApp::client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let api: Vec<_> = rules().into_iter().filter(|r| r.api).collect();
    assert!(api.len() >= 10);
    for r in api {
        let op = &doc["paths"][r.path][r.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
        assert_eq!(op["summary"], r.summary);
    }
}
