//! Signing in and out, sessions, CSRF, the first start, security headers.

use std::time::Duration;

use reqwest::StatusCode;

use crate::{PASSWORD, TestApp};
use zhuanban_store::Store as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::start().await;
    let c = TestApp::client();
    let mut bodies = Vec::new();
    for (login, password) in [
        ("office", "Wrong#Pass1"),
        ("nobody", "Wrong#Pass1"),
        ("office", ""),
    ] {
        let res = c
            .post(app.url("/login"))
            .form(&[("login", login), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{login}");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "no session on failure"
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("登录名或密码错误"), "{body}");
        bodies.push(body.replace(login, "LOGIN"));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "an unknown account cannot be told from a wrong password"
    );
    // The failures are in the audit log, with the login tried: one record per address and
    // name in a window, with the count beside it.
    let log = app.store.audit_log(20).await.unwrap();
    assert_eq!(log.iter().filter(|a| a.action == "login.fail").count(), 2);
    let ids: Vec<i64> = log
        .iter()
        .filter(|a| a.action == "login.fail")
        .map(|a| a.id)
        .collect();
    let counts = app.store.audit_counts(&ids).await.unwrap();
    assert_eq!(counts.values().sum::<i64>(), 3);
    assert!(
        log.iter()
            .any(|a| a.action == "login.fail" && a.object.contains("nobody"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_is_http_only_and_renewed_at_login() {
    let app = TestApp::start().await;
    let c = TestApp::client();
    let res = c
        .post(app.url("/login"))
        .form(&[("login", "office"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("zb_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not Secure without TLS");
    let res = c
        .post(app.url("/login"))
        .form(&[("login", "office"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let again = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(
        cookie.split(';').next(),
        again.split(';').next(),
        "a new session id at every login"
    );
    assert_eq!(app.count("sessions").await, 1, "the old session ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookies_behind_tls() {
    let app = TestApp::start_with(|c| c.secure_cookies = true).await;
    let res = TestApp::client()
        .post(app.url("/login"))
        .form(&[("login", "office"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let app = TestApp::start_with(|c| c.session_idle = Duration::from_secs(1)).await;
    let (c, _) = app.login("office").await;
    assert_eq!(
        c.get(app.url("/dashboard")).send().await.unwrap().status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = c.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .contains("expired=1")
    );
    let page = c
        .get(app.url("/login?expired=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("会话已过期"));
    let api = c.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_an_account_ends_its_sessions() {
    let app = TestApp::start().await;
    let (unit, _) = app.login("unit").await;
    assert_eq!(
        unit.get(app.url("/my")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (admin, csrf) = app.login("admin").await;
    let id = app
        .store
        .user_for_login("unit")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let res = admin
        .post(app.url(&format!("/admin/users/{id}/disable")))
        .form(&[("_csrf", csrf.as_str()), ("disabled", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = unit.get(app.url("/my")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the session is gone");
    let res = TestApp::client()
        .post(app.url("/login"))
        .form(&[("login", "unit"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a disabled account cannot sign in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_requests_need_the_csrf_token_and_the_same_origin() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("leader").await;
    let url = app.url("/tasks/2.3.2/instructions");
    let before = app.count("instructions").await;
    // No token.
    let res = c
        .post(&url)
        .form(&[("text", "请加快进度")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("安全令牌"));
    // A wrong token.
    let res = c
        .post(&url)
        .form(&[("_csrf", "x".repeat(43).as_str()), ("text", "请加快进度")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The right token from another site.
    let res = c
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("_csrf", csrf.as_str()), ("text", "请加快进度")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .post(&url)
        .header("Origin", "http://evil.example")
        .form(&[("_csrf", csrf.as_str()), ("text", "请加快进度")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("instructions").await,
        before,
        "nothing was written"
    );
    // The right token from this site.
    let origin = format!("http://{}", app.addr);
    let res = c
        .post(&url)
        .header("Origin", origin)
        .form(&[("_csrf", csrf.as_str()), ("text", "请加快进度")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("instructions").await, before + 1);
    let page = c
        .get(app.url("/tasks/2.3.2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("请加快进度"),
        "the instruction shows on the task page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start().await;
    let (c, _) = app.login("office").await;
    for path in [
        "/login",
        "/dashboard",
        "/api/tasks",
        "/nope",
        "/static/style.css",
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
    let page = c
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<meta name="renderer" content="webkit">"#));
    assert!(!page.contains("<script"), "pages work without JavaScript");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_asks_for_the_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::TestDb::new(dir.path(), "empty");
    let store = db.open().await;
    let state = zhuanban_web::AppState::new(
        store.clone(),
        zhuanban_web::Config::new(dir.path().join("files")),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(zhuanban_web::serve(listener, state));
    let url = |p: &str| format!("http://{addr}{p}");
    let c = TestApp::client();
    for p in ["/", "/dashboard", "/login"] {
        let res = c.get(url(p)).send().await.unwrap();
        if p == "/login" {
            // The sign-in page exists, but nobody can sign in: there is no default account.
            let res = c
                .post(url("/login"))
                .form(&[("login", "admin"), ("password", "admin")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            continue;
        }
        assert_eq!(res.headers()["location"], "/setup", "{p}");
    }
    // A weak password is refused, with the reason beside the field and the input kept.
    let res = c
        .post(url("/setup"))
        .form(&[
            ("login", "chief"),
            ("name", "张三"),
            ("password", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("密码至少 8 位")
            && body.contains(r#"value="chief""#)
            && body.contains("张三"),
        "{body}"
    );
    assert_eq!(store.count_users().await.unwrap(), 0);
    let res = c
        .post(url("/setup"))
        .form(&[
            ("login", "chief"),
            ("name", "张三"),
            ("password", "Strong#Pass9"),
            ("confirm", "Strong#Pass9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?ok=setup");
    let users = store.users().await.unwrap();
    assert_eq!(
        (users.len(), users[0].role),
        (1, zhuanban_ledger::Role::Sysadmin)
    );
    // Setup is gone once an account exists.
    assert_eq!(
        c.get(url("/setup")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let res = c
        .post(url("/login"))
        .form(&[("login", "chief"), ("password", "Strong#Pass9")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        c.get(url("/")).send().await.unwrap().headers()["location"],
        "/admin/users"
    );
}
