//! `--db postgres://…` on a throwaway cluster: `init` builds the ledger's schema, `import`,
//! `demo-data`, `status`, `user` and `serve` work on it, and the same ledger gives the same
//! answers as on a SQLite file. A database that cannot be reached, or no audit key, is named as
//! the cause, and a password in the URL is never printed.

use crate::*;

const PASSWORD: &str = "Pg#Office2024";

/// The same commands on both backends: the seed plan, the demonstration history.
fn fill(l: &Ledger) {
    let seed = seed().to_string_lossy().into_owned();
    let out = l.ok(&["import", &seed]);
    assert!(
        out.contains("已导入方案 #1 第 1 版"),
        "{:?}: {out}",
        l.backend
    );
    l.ok(&["demo-data"]);
}

#[test]
fn init_import_demo_data_and_status_on_postgresql_match_sqlite() {
    let pg = Ledger::new(Backend::Postgres);
    for _ in 0..2 {
        let out = pg.ok(&["init"]);
        assert!(out.contains("PostgreSQL 数据库：台账结构已是最新"), "{out}");
    }
    assert_eq!(
        pg.count(
            "SELECT COUNT(*) FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name IN ('plans', 'tasks', 'reports', 'audit')",
        ),
        4
    );
    assert!(pg.key.is_file(), "init made the audit key file");
    let lite = Ledger::new(Backend::Sqlite);
    lite.ok(&["init"]);
    fill(&pg);
    fill(&lite);
    assert!(pg.count("SELECT COUNT(*) FROM reports") > 0);
    assert_eq!(
        pg.count("SELECT COUNT(*) FROM reports"),
        lite.count("SELECT COUNT(*) FROM reports")
    );
    // The same ledger, the same status: in text, as JSON, for another plan and date, and
    // within a round.
    for args in [
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["status", "--plan", "1", "--as-of", "2024-06-30"],
        vec!["status", "--round", "2", "--format", "json"],
    ] {
        let (p, s) = (pg.ok(&args), lite.ok(&args));
        assert!(p.len() > 200, "{args:?}: {p}");
        assert_eq!(p, s, "{args:?}");
    }
    for args in [
        vec!["plans"],
        vec!["round", "list"],
        vec!["report", "list", "--round", "2"],
    ] {
        assert_eq!(pg.ok(&args), lite.ok(&args), "{args:?}");
    }
    // The audit chain PostgreSQL holds verifies with the key file.
    // (The same records, each ledger with its own key.)
    let records = pg.count("SELECT COUNT(*) FROM audit");
    assert_eq!(records, lite.count("SELECT COUNT(*) FROM audit"));
    for l in [&pg, &lite] {
        let out = l.ok(&["audit", "verify"]);
        assert!(
            out.contains(&format!("审计日志完整：共 {records} 条记录")),
            "{:?}: {out}",
            l.backend
        );
    }
    // demo-data does not run twice, on either.
    for l in [&pg, &lite] {
        let o = l.run(&["demo-data"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("已有演示数据"), "{}", stderr(&o));
    }
}

/// An office account, a server, and what it answers to the signed-in office.
fn serve_and_ask(l: &Ledger) -> Vec<serde_json::Value> {
    fill(l);
    let pw = l.dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    l.ok(&[
        "user",
        "add",
        "office1",
        "--role",
        "office",
        "--password-file",
        pw.to_str().unwrap(),
        "--owner-password",
    ]);
    assert!(l.ok(&["user", "list"]).contains("office1"));
    let port = free_port();
    let _server = l.serve(port, &[], &[]);
    let base = format!("http://127.0.0.1:{port}");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let (c, cookie, _) = sign_in(&base, "office1", PASSWORD).await;
        let mut answers = Vec::new();
        for path in [
            "/api/status",
            "/api/tasks",
            "/api/tasks/2.3.2",
            "/api/review",
        ] {
            let res = c
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK, "{path}");
            answers.push(res.json().await.unwrap());
        }
        for page in ["/dashboard", "/ledger", "/rounds"] {
            let res = c
                .get(format!("{base}{page}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK, "{page}");
            let html = res.text().await.unwrap();
            if page == "/ledger" {
                // The ledger's rows (the page around them carries a per-session token).
                let rows = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
                assert!(rows.contains("data-code=\"2.3.2\""), "{rows}");
                answers.push(serde_json::Value::String(rows.to_string()));
            }
        }
        answers
    })
}

/// An answer without the times `demo-data` reviewed its reports at (the wall clock's).
fn without_review_times(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => m
            .into_iter()
            .filter(|(k, _)| k != "reviewed_at")
            .map(|(k, v)| (k, without_review_times(v)))
            .collect(),
        serde_json::Value::Array(a) => a.into_iter().map(without_review_times).collect(),
        v => v,
    }
}

#[test]
fn serve_on_postgresql_answers_as_on_sqlite() {
    let pg = Ledger::new(Backend::Postgres);
    // Without --data, serve says where evidence must go instead of starting.
    let o = bin()
        .args(["serve", "--db", &pg.db, "--listen", "127.0.0.1:0"])
        .envs(pg.env())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("须以 --data 指定佐证材料"),
        "{}",
        stderr(&o)
    );
    let on_pg = serve_and_ask(&pg);
    let on_sqlite = serve_and_ask(&Ledger::new(Backend::Sqlite));
    assert_eq!(on_pg.len(), on_sqlite.len());
    for (p, s) in on_pg.iter().zip(&on_sqlite) {
        assert_eq!(
            without_review_times(p.clone()),
            without_review_times(s.clone())
        );
    }
}

#[test]
fn an_unreachable_database_or_a_missing_key_is_named_and_the_password_never_printed() {
    let pg = Ledger::new(Backend::Postgres);
    let cluster = pg.cluster.clone().unwrap();
    let good = cluster.add_password_user("clerk", "s3cret-pw").unwrap();
    let wrong_password = good.replace("s3cret-pw", "wr0ng-pw");
    let other_port = free_port();
    let nobody = format!("postgres://zhuanban:s3cret-pw@127.0.0.1:{other_port}/ledger");
    let no_database = format!(
        "postgres://zhuanban:s3cret-pw@127.0.0.1:{}/no_such_ledger",
        cluster.port()
    );
    // The right password works.
    let o = bin()
        .args(["init", "--db", &good])
        .envs(pg.env())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for (url, secret, cause) in [
        (
            &wrong_password,
            "wr0ng-pw",
            "password authentication failed",
        ),
        (&nobody, "s3cret-pw", "refused"),
        (&no_database, "s3cret-pw", "does not exist"),
    ] {
        for cmd in ["init", "status", "import", "serve"] {
            let mut c = bin();
            c.arg(cmd);
            if cmd == "import" {
                c.arg(seed());
            }
            if cmd == "serve" {
                c.args(["--listen", "127.0.0.1:0", "--data"])
                    .arg(pg.dir.path().join("data"));
            }
            let o = c.args(["--db", url]).envs(pg.env()).output().unwrap();
            assert_eq!(o.status.code(), Some(2), "{cmd} {cause}");
            let (out, err) = (stdout(&o), stderr(&o));
            assert!(
                err.contains("无法连接或升级 PostgreSQL 数据库") && err.contains(cause),
                "{cmd}: {err}"
            );
            assert!(
                !err.contains(secret) && !out.contains(secret),
                "{cmd}: {err}"
            );
        }
    }
    // Without ZHUANBAN_AUDIT_KEY: the variable is named, nothing is connected to.
    for cmd in ["init", "status", "demo-data"] {
        let o = bin()
            .args([cmd, "--db", &good])
            .env_remove("ZHUANBAN_AUDIT_KEY")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = stderr(&o);
        assert!(err.contains("环境变量 ZHUANBAN_AUDIT_KEY"), "{cmd}: {err}");
        assert!(!err.contains("s3cret-pw"), "{cmd}: {err}");
    }
    assert_eq!(pg_count(&good, "SELECT COUNT(*) FROM plans"), 0);
}
