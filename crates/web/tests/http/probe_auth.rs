//! What a probe of the desk broke, on the sign-in side: redirects after signing in, query
//! strings no route may answer 500 to, the sign-in flood, lockout, the separation of the
//! administration roles, connection limits, login names and e-mail addresses.

use reqwest::StatusCode;
use zhuanban_web::routes::rules;

use crate::TestApp;
use zhuanban_store::Store as _;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Finding 7: `next` takes only a local path. A tab or a line break (which browsers drop
/// from URLs) cannot turn `/\t/host` into `//host`, and a line break is not a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_accepts_only_a_local_path() {
    let app = TestApp::start().await;
    let (c, _) = app.login("office").await;
    let bad = [
        "/%09/127.0.0.2:9999/x",
        "/%0A/x",
        "/%0D%0ALocation:%20http://evil/",
        "//127.0.0.2/x",
        "/%2F127.0.0.2/x",
        "/%5C127.0.0.2/x",
        "/\\127.0.0.2/x",
        "http://127.0.0.2/x",
        "javascript:alert(1)",
        "/%00/x",
        "/%7F/x",
    ];
    for n in bad {
        let res = c
            .get(app.url(&format!("/login?next={n}")))
            .send()
            .await
            .unwrap();
        assert!(
            res.status() == StatusCode::SEE_OTHER || res.status() == StatusCode::OK,
            "next={n}: {}",
            res.status()
        );
        if res.status() == StatusCode::SEE_OTHER {
            assert_eq!(location(&res), "/", "next={n}");
        }
        // The same through the sign-in form.
        let fresh = TestApp::client();
        let decoded = n.replace("%09", "\t").replace("%0A", "\n");
        let res = fresh
            .post(app.url("/login"))
            .form(&[
                ("login", "office"),
                ("password", crate::PASSWORD),
                ("next", decoded.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "post next={n}");
        assert_eq!(location(&res), "/", "post next={n}");
    }
    // A local path still works.
    let res = c
        .get(app.url("/login?next=/ledger%3Fq%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/ledger?q=1");
    // Anonymous: the form keeps only the safe value.
    let anon = TestApp::client();
    let page = anon
        .get(app.url("/login?next=/%09/127.0.0.2:9999/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(!page.text().await.unwrap().contains("127.0.0.2"));
}

/// Finding 7: no GET route of the route table answers 500 to a malformed query string, for
/// the anonymous visitor and for an account the route admits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_answers_500_to_a_bad_query_string() {
    let app = TestApp::start().await;
    let report = app.submitted_report("2.3.2", app.unit_id, 1.0).await;
    let queries = [
        "%",
        "%ZZ",
        "a=%",
        "next=%0A",
        "next=/%0D%0Ax",
        "=&&==&",
        "actor=%FF%FE&action=%C0",
        "from=2024-13-45&to=9999999-01-01",
        "page=-1&offset=-5&limit=abc",
        "page=99999999999999999999999",
        "round=x&as_of=notadate&format=%00",
        "q=%E4%B8",
        "ok=%0A&expired=%0A&required=%0A",
    ];
    let mut clients = vec![(None, TestApp::client())];
    for (login, role) in crate::ACCOUNTS {
        clients.push((Some(*role), app.login(login).await.0));
    }
    let table = rules();
    assert!(table.len() >= 30);
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in table.iter().filter(|r| r.method == reqwest::Method::GET) {
        let path: String = rule
            .path
            .split('/')
            .map(|seg| match seg {
                "{code}" => "2.3.2".to_string(),
                "{id}" if rule.path.starts_with("/reports/") => report.id.to_string(),
                "{id}" if rule.path.starts_with("/api/reports/") => report.id.to_string(),
                "{id}" if rule.path.starts_with("/rounds/") => app.round_id.to_string(),
                "{id}" => "1".to_string(),
                "{sha}" => "0".repeat(64),
                s => s.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        for (role, c) in &clients {
            if let Some(r) = role
                && !rule.access.allows(*r)
            {
                continue;
            }
            for q in queries {
                let res = c.get(app.url(&format!("{path}?{q}"))).send().await.unwrap();
                checked += 1;
                if res.status().is_server_error() {
                    failures.push(format!("GET {path}?{q} as {role:?}: {}", res.status()));
                }
            }
        }
    }
    assert!(checked > 300, "checked {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Finding 1: a login name is cut to 64 characters before anything reads it, and failed
/// sign-ins of one address and name share one audit record with a count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_capped_and_aggregated() {
    let app = TestApp::start().await;
    let before = app.count("audit").await;
    let long = "x".repeat(200_000);
    let c = TestApp::client();
    for name in std::iter::repeat_n(long.as_str(), 20).chain(std::iter::repeat_n("nobody", 7)) {
        let res = c
            .post(app.url("/login"))
            .form(&[("login", name), ("password", "Wrong#Pass1")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let page = res.text().await.unwrap();
        assert!(page.len() < 20_000, "the page does not echo the whole name");
    }
    assert_eq!(
        app.count("audit").await - before,
        2,
        "one record per address and name"
    );
    let longest: i64 = app
        .db
        .int("SELECT CAST(MAX(LENGTH(actor) + LENGTH(object) + LENGTH(COALESCE(after, ''))) AS BIGINT) FROM audit")
        .await;
    assert!(longest < 300, "an audit record of {longest} characters");
    let counts: Vec<(String, i64)> = app
        .db
        .pairs("SELECT login, count FROM login_failures ORDER BY count")
        .await;
    assert_eq!(
        counts,
        vec![("nobody".to_string(), 7), ("x".repeat(64), 20)]
    );
    // The auditor sees the count beside the record.
    let (auditor, _) = app.login("auditor").await;
    let page = auditor
        .get(app.url("/audit?action=login.fail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("共20次") && page.contains("共7次"), "{page}");
}

/// Finding 1: the auditor's page shows 100 records a page, with links between pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_paginates() {
    let app = TestApp::start().await;
    let actor = zhuanban_store::Actor::new("分页测试", "test");
    for i in 0..230 {
        app.store
            .audit_event(&actor, "test.page", &format!("item {i}"), "ok")
            .await
            .unwrap();
    }
    let (auditor, _) = app.login("auditor").await;
    let get = |p: &str| {
        let (a, url) = (auditor.clone(), app.url(p));
        async move { a.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let rows = |page: &str| page.matches("<tr><td>").count();
    let first = get("/audit?action=test.page").await;
    assert_eq!(rows(&first), 100);
    assert!(first.contains("item 229") && !first.contains("item 129<"));
    assert!(first.contains("page=2") && first.contains("下一页"));
    assert!(!first.contains("上一页"));
    let third = get("/audit?action=test.page&page=3").await;
    assert_eq!(rows(&third), 30);
    assert!(third.contains("item 0<") && third.contains("上一页") && !third.contains("下一页"));
    // A bad page number is the first page.
    assert_eq!(rows(&get("/audit?action=test.page&page=x").await), 100);
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address works on Linux).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn sign_in(
    c: &reqwest::Client,
    app: &TestApp,
    login: &str,
    password: &str,
) -> (StatusCode, String) {
    let res = c
        .post(app.url("/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Finding 5: guessing from one address locks out that address, not the owner; the account
/// locks when three addresses are locked out; only the right password learns of a lock; the
/// security administrator lifts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outsider_cannot_lock_the_owner_out() {
    let app = TestApp::start().await;
    let owner = client_from("127.0.0.1");
    let outsider = client_from("127.0.0.3");
    for _ in 0..12 {
        let (status, page) = sign_in(&outsider, &app, "office", "Wrong#Pass1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            !page.contains("锁定，将于"),
            "a wrong password learns nothing"
        );
        // An unknown name answers the same, however often.
        let (status, page) = sign_in(&outsider, &app, "nobody", "Wrong#Pass1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!page.contains("锁定，将于"));
    }
    // The owner, from elsewhere, signs in.
    let (status, _) = sign_in(&owner, &app, "office", crate::PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the owner is not locked out");
    // The right password from the locked address is told of the lock and when it ends.
    let (status, page) = sign_in(&outsider, &app, "office", crate::PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("账户已锁定，将于"), "{page}");
    // Two more addresses locked out: the whole account locks.
    for ip in ["127.0.0.4", "127.0.0.5"] {
        let c = client_from(ip);
        for _ in 0..5 {
            sign_in(&c, &app, "office", "Wrong#Pass1").await;
        }
    }
    let u = app.store.user_for_login("office").await.unwrap().unwrap().0;
    let until = u.locked_until.expect("three addresses lock the account");
    let (status, page) = sign_in(&client_from("127.0.0.1"), &app, "office", crate::PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hhmm = until
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%H:%M")
        .to_string();
    assert!(
        page.contains(&format!("将于{hhmm}解锁")) || page.contains(&hhmm),
        "{page}"
    );
    let (status, page) = sign_in(&owner, &app, "office", "Wrong#Pass1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!page.contains("锁定，将于"));
    // The system administrator cannot lift it; the security administrator can, and sees it.
    let (admin, admin_csrf) = app.login("admin").await;
    let res = admin
        .post(app.url(&format!("/admin/users/{}/unlock", u.id)))
        .header("X-CSRF-Token", &admin_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (sec, sec_csrf) = app.login("secadmin").await;
    let page = sec
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/admin/users/{}/unlock", u.id)),
        "an unlock button"
    );
    let res = sec
        .post(app.url(&format!("/admin/users/{}/unlock", u.id)))
        .form(&[("_csrf", sec_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, _) = sign_in(&outsider, &app, "office", crate::PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "every lock lifted");
    let log = app.store.audit_log(100).await.unwrap();
    assert!(
        log.iter()
            .any(|a| a.action == "user.unlock" && a.actor.contains("secadmin"))
    );
    assert!(log.iter().any(|a| a.action == "user.lock"));
}

async fn post_form(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    csrf: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut f: Vec<(&str, &str)> = vec![("_csrf", csrf)];
    f.extend_from_slice(form);
    let res = c.post(app.url(path)).form(&f).send().await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

async fn id_of(app: &TestApp, login: &str) -> zhuanban_ledger::AccountId {
    app.store.user_for_login(login).await.unwrap().unwrap().0.id
}

/// Finding 3: 三员. The system administrator cannot create, reset or disable the
/// administration accounts; the security administrator can, and not the business ones. A
/// password set by an administrator must be changed at the next sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_administrator_cannot_make_or_take_over_the_other_administrators() {
    let app = TestApp::start().await;
    let new_pw = "Given#Pass2024";
    let (admin, csrf) = app.login("admin").await;
    for role in ["auditor", "secadmin", "sysadmin"] {
        let (status, page) = post_form(
            &admin,
            &app,
            "/admin/users",
            &csrf,
            &[
                ("login", &format!("new{role}")),
                ("name", "新账号"),
                ("role", role),
                ("password", new_pw),
            ],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "sysadmin creates {role}"
        );
        assert!(page.contains("系统管理员只能管理业务账号"), "{page}");
        assert!(
            app.store
                .user_for_login(&format!("new{role}"))
                .await
                .unwrap()
                .is_none()
        );
    }
    for target in ["auditor", "secadmin"] {
        let id = id_of(&app, target).await;
        let (status, _) = post_form(
            &admin,
            &app,
            &format!("/admin/users/{id}/reset"),
            &csrf,
            &[("password", new_pw)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "sysadmin resets {target}");
        let (status, _) = post_form(
            &admin,
            &app,
            &format!("/admin/users/{id}/disable"),
            &csrf,
            &[("disabled", "1")],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "sysadmin disables {target}"
        );
        // Untouched: the old password still signs in, the account is not disabled.
        let (status, _) = sign_in(&TestApp::client(), &app, target, crate::PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{target} keeps its own password"
        );
    }
    // The page offers the system administrator business roles only.
    let page = admin
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("value=\"auditor\"") && page.contains("value=\"office\""));

    // The system administrator makes a business account: its owner must change the password.
    let (status, _) = post_form(
        &admin,
        &app,
        "/admin/users",
        &csrf,
        &[
            ("login", "office2"),
            ("name", "新办公室"),
            ("role", "office"),
            ("password", new_pw),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = TestApp::client();
    let (status, _) = sign_in(&c, &app, "office2", new_pw).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let res = c.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(location(&res), "/account/password?must=1");
    assert_eq!(
        c.get(app.url("/api/me")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let page = c
        .get(app.url("/account/password?must=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("您的密码由管理员设置"));
    let csrf2 = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Keeping the given password is not a change.
    let (status, _) = post_form(
        &c,
        &app,
        "/account/password",
        &csrf2,
        &[
            ("current", new_pw),
            ("password", new_pw),
            ("confirm", new_pw),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let own = "Own#Secret2024";
    let (status, _) = post_form(
        &c,
        &app,
        "/account/password",
        &csrf2,
        &[("current", new_pw), ("password", own), ("confirm", own)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = TestApp::client();
    sign_in(&c, &app, "office2", own).await;
    assert_eq!(
        c.get(app.url("/dashboard")).send().await.unwrap().status(),
        StatusCode::OK
    );

    // A reset by the system administrator: the leader must change it too.
    let id = id_of(&app, "leader").await;
    // The new password twice and the account's login typed to confirm whose it is.
    for (fields, what) in [
        (
            vec![
                ("password", new_pw),
                ("password2", "Other#Pass2024"),
                ("confirm", "leader"),
            ],
            "两次输入的新密码不一致",
        ),
        (
            vec![
                ("password", new_pw),
                ("password2", new_pw),
                ("confirm", "office"),
            ],
            "请输入该账号的登录名“leader”以确认",
        ),
    ] {
        let (status, page) = post_form(
            &admin,
            &app,
            &format!("/admin/users/{id}/reset"),
            &csrf,
            &fields,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains(what), "{what}");
    }
    let (status, _) = post_form(
        &admin,
        &app,
        &format!("/admin/users/{id}/reset"),
        &csrf,
        &[
            ("password", new_pw),
            ("password2", new_pw),
            ("confirm", "leader"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = TestApp::client();
    sign_in(&c, &app, "leader", new_pw).await;
    assert_eq!(
        location(&c.get(app.url("/dashboard")).send().await.unwrap()),
        "/account/password?must=1"
    );

    // The security administrator makes an auditor and resets the system administrator, not
    // a business account.
    let (sec, sec_csrf) = app.login("secadmin").await;
    let (status, _) = post_form(
        &sec,
        &app,
        "/admin/users",
        &sec_csrf,
        &[
            ("login", "auditor2"),
            ("name", "审计员二"),
            ("role", "auditor"),
            ("password", new_pw),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .user_for_login("auditor2")
            .await
            .unwrap()
            .unwrap()
            .0
            .must_change_password
    );
    let id = id_of(&app, "office").await;
    let (status, page) = post_form(
        &sec,
        &app,
        &format!("/admin/users/{id}/reset"),
        &sec_csrf,
        &[("password", new_pw)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("安全管理员只能管理"));
    let (status, _) = post_form(
        &sec,
        &app,
        "/admin/users",
        &sec_csrf,
        &[
            ("login", "unitx"),
            ("name", "单位"),
            ("role", "office"),
            ("password", new_pw),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = id_of(&app, "admin").await;
    let (status, _) = post_form(
        &sec,
        &app,
        &format!("/admin/users/{id}/reset"),
        &sec_csrf,
        &[
            ("password", new_pw),
            ("password2", new_pw),
            ("confirm", "admin"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .user_for_login("admin")
            .await
            .unwrap()
            .unwrap()
            .0
            .must_change_password
    );
}

/// A GET /healthz on a fresh connection from `from`: its status line and how long it took.
async fn healthz_from(app: &TestApp, from: &str) -> (String, std::time::Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = std::time::Instant::now();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    let mut s = tokio::time::timeout(std::time::Duration::from_secs(5), socket.connect(app.addr))
        .await
        .expect("connected in time")
        .unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .expect("answered in time")
        .unwrap();
    let status = String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (status, t.elapsed())
}

/// Finding 4: 10,000 slow connections from one address (each sends half a request head and
/// waits) leave `/healthz` answering within 100 ms for another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_connections_from_one_address_do_not_lock_out_another() {
    use tokio::io::AsyncWriteExt;
    let fds = zhuanban_web::conn::raise_fd_limit();
    // The test process holds both ends: the client's connections and the server's.
    let n: usize = if fds >= 12_000 {
        10_000
    } else {
        (fds as usize).saturating_sub(2_000)
    };
    if n < 10_000 {
        eprintln!("open-file limit {fds}: {n} slow connections instead of 10,000");
    }
    // Long timeouts: this test is of the caps, and the slow connections must still be held
    // (not timed out) when the last check runs on a busy machine.
    let app = TestApp::start_with(|c| {
        c.limits.header_timeout = std::time::Duration::from_secs(600);
        c.limits.idle_timeout = std::time::Duration::from_secs(600);
    })
    .await;
    let (status, _) = healthz_from(&app, "127.0.0.2").await;
    assert!(status.contains("200"), "{status}");
    let mut held = Vec::with_capacity(n);
    let mut refused = 0;
    for chunk in 0..n.div_ceil(500) {
        let mut connecting = Vec::new();
        for _ in 0..500.min(n - chunk * 500) {
            let addr = app.addr;
            connecting.push(tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await?;
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                    .await?;
                Ok::<_, std::io::Error>(s)
            }));
        }
        for c in connecting {
            match c.await.unwrap() {
                Ok(s) => held.push(s),
                Err(_) => refused += 1,
            }
        }
    }
    eprintln!(
        "{} slow connections open, {refused} refused at once",
        held.len()
    );
    // The kernel completes a handshake before the server accepts it: give the accept loop a
    // moment to take (and close) the connections over the cap still waiting in the listen
    // queue, so that the measurement is of the held state, not of a full queue.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut times = Vec::new();
    for _ in 0..7 {
        let (status, took) = healthz_from(&app, "127.0.0.2").await;
        assert!(status.contains("200"), "{status}");
        times.push(took);
    }
    eprintln!("/healthz from 127.0.0.2: {times:?}");
    // The median within 100 ms, every one within a second: the machine running the tests may
    // be busy with other work (without the caps no answer comes at all).
    times.sort();
    assert!(
        times[3] < std::time::Duration::from_millis(100),
        "{times:?}"
    );
    assert!(times[6] < std::time::Duration::from_secs(1), "{times:?}");
    // One address holds no more than its share: a further connection from 127.0.0.1 is
    // closed without an answer while the others are held.
    let over = async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(app.addr).await?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), over)
        .await
        .expect("closed in time");
    assert!(
        answer.is_err() || answer.as_ref().is_ok_and(|b| b.is_empty()),
        "over the per-address cap: {answer:?}"
    );
    drop(held);
}

/// Finding 4: a request head that never ends, a body that stops, and a connection that
/// waits for nothing are each closed after their timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_bodies_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let secs = std::time::Duration::from_secs;
    let app = TestApp::start_with(|c| {
        c.limits.header_timeout = secs(1);
        c.limits.body_timeout = secs(1);
        c.limits.idle_timeout = secs(1);
    })
    .await;
    // Closed by the server: reading ends (EOF or an error answer then EOF) within `within`.
    async fn closed_within(s: &mut tokio::net::TcpStream, within: std::time::Duration) -> String {
        let mut buf = Vec::new();
        tokio::time::timeout(within, s.read_to_end(&mut buf))
            .await
            .expect("the server closed the connection in time")
            .ok();
        String::from_utf8_lossy(&buf).into_owned()
    }
    // Half a head.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let t = std::time::Instant::now();
    closed_within(&mut s, secs(5)).await;
    assert!(t.elapsed() >= std::time::Duration::from_millis(900));
    // A body that stops: the sign-in form, 10 of 100 bytes.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin=abcd")
        .await
        .unwrap();
    closed_within(&mut s, secs(5)).await;
    // Nothing ever sent.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    closed_within(&mut s, secs(5)).await;
    // A kept-alive connection after its answer.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_within(&mut s, secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Finding 8: login names are unique without regard to case, and signing in ignores case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_names_ignore_case() {
    let app = TestApp::start().await;
    let (admin, csrf) = app.login("admin").await;
    let (status, page) = post_form(
        &admin,
        &app,
        "/admin/users",
        &csrf,
        &[
            ("login", "Office"),
            ("name", "重名"),
            ("role", "office"),
            ("password", "Given#Pass2024"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不区分大小写"), "{page}");
    // The database refuses it too, whoever asks.
    let dup = app
        .db
        .exec(
            "INSERT INTO users (login, name, role, password_hash, password_changed_at, created_at)
             VALUES ('OFFICE', 'x', 'office', 'x', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
        )
        .await;
    assert!(dup.is_err(), "the unique index on lower(login)");
    for name in ["OFFICE", "Office", "office"] {
        let (status, _) = sign_in(&TestApp::client(), &app, name, crate::PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
    }
}

/// Finding 8: however many `/setup` posts race, one administrator is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_setup_posts_create_one_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::TestDb::new(dir.path(), "s");
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
    let mut racing = Vec::new();
    for i in 0..24 {
        racing.push(tokio::spawn(async move {
            let login = format!("admin{i}");
            TestApp::client()
                .post(format!("http://{addr}/setup"))
                .form(&[
                    ("login", login.as_str()),
                    ("name", "管理员"),
                    ("password", "First#Admin2024"),
                    ("confirm", "First#Admin2024"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut created = 0;
    for r in racing {
        let status = r.await.unwrap();
        assert!(!status.is_server_error(), "{status}");
        if status == StatusCode::SEE_OTHER {
            created += 1;
        }
    }
    assert_eq!(created, 1, "one post created the administrator");
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// Finding 8: an account's e-mail address is set on the accounts page and on the owner's own
/// page, and checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_carry_an_e_mail_address() {
    let app = TestApp::start().await;
    let (admin, csrf) = app.login("admin").await;
    let form = |email: &'static str| {
        [
            ("login", "unitmail"),
            ("name", "联络员"),
            ("role", "unit"),
            ("unit", "0"),
            ("password", "Given#Pass2024"),
            ("email", email),
        ]
    };
    let unit = app.unit_id.to_string();
    let mut bad = form("zhang@@example").to_vec();
    bad[3] = ("unit", unit.as_str());
    let (status, page) = post_form(&admin, &app, "/admin/users", &csrf, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不是有效的电子邮件地址"), "{page}");
    assert!(
        app.store
            .user_for_login("unitmail")
            .await
            .unwrap()
            .is_none()
    );
    let mut good = form("zhang@example.gov.cn").to_vec();
    good[3] = ("unit", unit.as_str());
    let (status, _) = post_form(&admin, &app, "/admin/users", &csrf, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let u = app
        .store
        .user_for_login("unitmail")
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(u.email.as_deref(), Some("zhang@example.gov.cn"));
    // The owner's own page.
    let (c, csrf) = app.login("unit").await;
    let (status, page) = post_form(
        &c,
        &app,
        "/account/email",
        &csrf,
        &[("email", "no-at-sign")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("缺少“@”"), "{page}");
    let (status, _) = post_form(
        &c,
        &app,
        "/account/email",
        &csrf,
        &[("email", " li@example.gov.cn ")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let u = app.store.user_for_login("unit").await.unwrap().unwrap().0;
    assert_eq!(u.email.as_deref(), Some("li@example.gov.cn"));
    let page = c
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("li@example.gov.cn"));
}
