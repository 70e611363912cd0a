//! The 等保 controls over HTTP, each with a test that fails if the control is removed: lockout,
//! rate limits, equal answers and timing, absolute timeout, password expiry and history, TOTP
//! (optional and mandatory), inactive accounts, and the separation of the administration roles.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use zhuanban_store::Store as _;
use zhuanban_web::security::{SecuritySettings, base32_decode, hotp};

use crate::{PASSWORD, TestApp};

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    TestApp::client()
        .post(app.url("/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn sql(app: &TestApp, q: &str) {
    app.db.exec(q).await.unwrap();
}

fn system() -> zhuanban_store::Actor {
    zhuanban_store::Actor::new("测试", "test")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_address_out_of_the_account() {
    let app = TestApp::start().await;
    for _ in 0..5 {
        assert_eq!(
            login_status(&app, "office", "Wrong#Pass1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked from this address: even the right password fails now, and its owner is told.
    assert_eq!(
        login_status(&app, "office", PASSWORD).await,
        StatusCode::FORBIDDEN
    );
    let u = app.store.user_for_login("office").await.unwrap().unwrap().0;
    let until = app
        .store
        .address_locked_until(u.id, "127.0.0.1")
        .await
        .unwrap()
        .expect("locked");
    let minutes = (until - chrono::Utc::now()).num_minutes();
    assert!(
        (28..=30).contains(&minutes),
        "locked for 30 minutes, got {minutes}"
    );
    assert!(
        u.locked_until.is_none(),
        "one address does not lock the account"
    );
    assert!(
        app.store
            .audit_log(50)
            .await
            .unwrap()
            .iter()
            .any(|a| a.action == "user.lock_address")
    );
    // When the lock has run out, the right password works again.
    sql(
        &app,
        &format!(
            "UPDATE login_locks SET locked_until = '2020-01-01T00:00:00Z' WHERE user_id = {}",
            u.id
        ),
    )
    .await;
    assert_eq!(
        login_status(&app, "office", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // Four failures and a success: the count starts again.
    for _ in 0..4 {
        login_status(&app, "leader", "Wrong#Pass1").await;
    }
    assert_eq!(
        login_status(&app, "leader", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    login_status(&app, "leader", "Wrong#Pass1").await;
    assert_eq!(
        login_status(&app, "leader", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_per_address_and_per_account() {
    let app = TestApp::start().await;
    let s = SecuritySettings {
        attempts_per_ip: 100,
        attempts_per_account: 3,
        lockout_threshold: 0,
        ..Default::default()
    };
    app.state.set_security(s, &system()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            login_status(&app, "unit", "Wrong#Pass1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = TestApp::client()
        .post(app.url("/login"))
        .form(&[("login", "unit"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the account's limit, even with the right password"
    );
    assert!(res.text().await.unwrap().contains("过于频繁"));
    assert_eq!(
        login_status(&app, "office", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "other accounts are not held up"
    );
    assert!(
        app.store
            .audit_log(50)
            .await
            .unwrap()
            .iter()
            .any(|a| a.action == "login.throttled")
    );
    // The address's limit, on a fresh server (the limiter counts every attempt so far).
    let app = TestApp::start().await;
    let s = SecuritySettings {
        attempts_per_ip: 2,
        attempts_per_account: 100,
        lockout_threshold: 0,
        ..Default::default()
    };
    app.state.set_security(s, &system()).await.unwrap();
    assert_eq!(
        login_status(&app, "leader", "Wrong#Pass1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "admin", "Wrong#Pass1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "office", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the address's limit, across accounts"
    );
    assert!(
        app.store
            .audit_log(50)
            .await
            .unwrap()
            .iter()
            .any(|a| a.action == "login.throttled")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_accounts_take_as_long_as_wrong_passwords() {
    let app = TestApp::start().await;
    let s = SecuritySettings {
        attempts_per_ip: 1000,
        attempts_per_account: 1000,
        lockout_threshold: 0,
        ..Default::default()
    };
    app.state.set_security(s, &system()).await.unwrap();
    // Interleaved, so that both see the same load on a busy machine; the median of each.
    let (mut k, mut u) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        for (login, v) in [("office", &mut k), ("nobody-at-all", &mut u)] {
            let t = Instant::now();
            assert_eq!(
                login_status(&app, login, "Wrong#Pass1").await,
                StatusCode::UNAUTHORIZED
            );
            v.push(t.elapsed());
        }
    }
    k.sort();
    u.sort();
    let (known, unknown) = (k[4], u[4]);
    // Without the dummy hash an unknown account answers in well under a millisecond, against the
    // tens of milliseconds of Argon2id.
    assert!(
        unknown * 2 > known,
        "unknown {unknown:?} vs known {known:?}"
    );
    assert!(
        known * 2 > unknown,
        "unknown {unknown:?} vs known {known:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_after_the_absolute_timeout_even_when_busy() {
    let app = TestApp::start_with(|c| c.session_absolute = Duration::from_secs(2)).await;
    let (c, _) = app.login("office").await;
    for _ in 0..3 {
        assert_eq!(
            c.get(app.url("/api/me")).send().await.unwrap().status(),
            StatusCode::OK
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        c.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_password_must_be_changed_and_not_to_a_recent_one() {
    let app = TestApp::start().await;
    sql(
        &app,
        "UPDATE users SET password_changed_at = '2020-01-01T00:00:00Z' WHERE login = 'unit'",
    )
    .await;
    let (c, csrf) = app.login("unit").await;
    let res = c.get(app.url("/my")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/account/password?expired=1");
    let res = c.get(app.url("/api/tasks")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "the API is closed too");
    let change = |new: &'static str| {
        c.post(app.url("/account/password"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("current", PASSWORD),
                ("password", new),
                ("confirm", new),
            ])
            .send()
    };
    let res = change(PASSWORD).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("最近 5 次"));
    let res = change("short").await.unwrap();
    assert!(res.text().await.unwrap().contains("至少 8 位"));
    let res = change("Fresh#Pass2026").await.unwrap();
    assert_eq!(res.headers()["location"], "/login?ok=password");
    assert_eq!(
        c.get(app.url("/my")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(
        login_status(&app, "unit", "Fresh#Pass2026").await,
        StatusCode::SEE_OTHER
    );
}

fn code_for(secret: &str) -> String {
    let step = chrono::Utc::now().timestamp() as u64 / 30;
    hotp(&base32_decode(secret).unwrap(), step, 6)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_guards_sign_in_once_enabled() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let page = c
        .get(app.url("/account/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = page
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let res = c
        .post(app.url("/account/totp"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("secret", secret.as_str()),
            ("code", "000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .post(app.url("/account/totp"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("secret", secret.as_str()),
            ("code", &code_for(&secret)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Signing in now needs the code: the password alone opens nothing.
    let c = TestApp::client();
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("login", "office"),
            ("password", PASSWORD),
            ("next", "/dashboard"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login/totp")
    );
    assert_eq!(
        c.get(app.url("/dashboard")).send().await.unwrap().headers()["location"],
        "/login/totp"
    );
    assert_eq!(
        c.get(app.url("/api/tasks")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let page = c
        .get(app.url("/login/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = c
        .post(app.url("/login/totp"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "123456"),
            ("next", "/dashboard"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = c
        .post(app.url("/login/totp"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", &code_for(&secret)),
            ("next", "/dashboard"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/dashboard");
    assert_eq!(
        c.get(app.url("/dashboard")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandatory_totp_sends_every_account_to_set_it_up() {
    let app = TestApp::start().await;
    // The security administrator turns it on through the settings page.
    let (sec, csrf) = app.login("secadmin").await;
    let form = |idle: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("profile", "dengbao".to_string()),
            ("lockout_threshold", "5".to_string()),
            ("lockout_minutes", "30".to_string()),
            ("session_idle_minutes", idle.to_string()),
            ("session_absolute_hours", "12".to_string()),
            ("require_totp", "1".to_string()),
            ("inactive_days", "90".to_string()),
            ("attempts_per_ip", "30".to_string()),
            ("attempts_per_account", "10".to_string()),
        ]
    };
    let res = sec
        .post(app.url("/security"))
        .form(&form("零"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().await.unwrap().contains("session_idle_minutes"),
        "the field is named"
    );
    assert!(!app.state.security().require_totp, "nothing changed");
    let res = sec
        .post(app.url("/security"))
        .form(&form("30"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.state.security().require_totp);
    let (c, _) = app.login("leader").await;
    let res = c.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/account/totp?required=1");
    let page = c
        .get(app.url("/account/totp?required=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("要求所有账号启用二次验证"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_unused_for_long_are_disabled() {
    let app = TestApp::start().await;
    sql(
        &app,
        "UPDATE users SET last_login_at = '2020-01-01T00:00:00Z' WHERE login = 'unit2'",
    )
    .await;
    sql(
        &app,
        &format!(
            "UPDATE users SET last_login_at = '{}' WHERE login = 'unit'",
            chrono::Utc::now().to_rfc3339()
        ),
    )
    .await;
    zhuanban_web::worker::tick(&app.state, chrono::Utc::now().date_naive(), false)
        .await
        .unwrap();
    assert!(
        app.store
            .user_for_login("unit2")
            .await
            .unwrap()
            .unwrap()
            .0
            .disabled
    );
    assert!(
        !app.store
            .user_for_login("unit")
            .await
            .unwrap()
            .unwrap()
            .0
            .disabled
    );
    assert_eq!(
        login_status(&app, "unit2", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administration_roles_are_separate() {
    let app = TestApp::start().await;
    login_status(&app, "office", "Wrong#Pass1").await;
    let (auditor, _) = app.login("auditor").await;
    let page = auditor
        .get(app.url("/audit?action=login.fail"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("login.fail") && page.contains("哈希链完整"),
        "the auditor reads the log"
    );
    let csv = auditor
        .get(app.url("/audit.csv?action=login.fail"))
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit.csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("login.fail"));
    assert_eq!(
        auditor
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        auditor
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let (admin, _) = app.login("admin").await;
    assert_eq!(
        admin.get(app.url("/audit")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "the system administrator cannot read the audit log"
    );
    assert_eq!(
        admin
            .get(app.url("/audit.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .get(app.url("/security"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "nor plan content"
    );
    // An account has exactly one role: the schema has one role column and the form one choice.
    let roles: Vec<String> = app.db.texts("SELECT role FROM users").await;
    assert_eq!(roles.len(), crate::ACCOUNTS.len());
}
