//! The ledger driven from the command line: init, import, rounds, reports, status, demo data,
//! and the audit chain.

use crate::*;

/// A fresh database in its own folder.
fn db(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.db"));
    (dir, path.to_string_lossy().into_owned())
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?} failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn fails(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?} should fail:\n{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn count_rows(db: &str, table: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
            .await
            .unwrap();
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        n
    })
}

#[test]
fn the_ledger_from_the_command_line() {
    let (dir, db) = db("ledger");
    let seed = seed().to_string_lossy().into_owned();
    assert!(ok(&["init", "--db", &db]).contains("已创建台账数据库"));
    let out = ok(&["import", &seed, "--db", &db, "--actor", "办公室甲"]);
    assert!(out.contains("任务 16 项，量化目标 26 个"), "{out}");
    assert!(
        out.contains("unit-not-in-task-force"),
        "lint findings are printed: {out}"
    );
    let out = ok(&[
        "round",
        "open",
        "--db",
        &db,
        "--name",
        "2024年6月调度",
        "--as-of",
        "2024-06-30",
        "--due",
        "2024-07-05",
    ]);
    assert!(out.contains("已开启轮次 #1"), "{out}");

    let report = write(
        &dir,
        "r.toml",
        r#"round = 1
task = "2.3.2"
unit = "区住房城乡建设局"
narrative = "完成老旧小区改造1个"
[values]
1 = 1
2 = 600
"#,
    );
    let out = ok(&[
        "report",
        "submit",
        &report,
        "--db",
        &db,
        "--actor",
        "住建局联络员",
    ]);
    assert!(out.contains("报告 #1") && out.contains("已报送"), "{out}");
    assert!(
        ok(&[
            "report",
            "return",
            "1",
            "--reason",
            "请补充佐证",
            "--db",
            &db
        ])
        .contains("已退回")
    );
    let fixed = write(
        &dir,
        "r2.toml",
        r#"round = 1
task = "2.3.2"
unit = "住建局"
version = 2
narrative = "完成老旧小区改造2个"
[values]
1 = 2
2 = 650
"#,
    );
    // The short name is not an alias here: the unit must be named as the ledger knows it.
    let err = fails(&["report", "submit", &fixed, "--db", &db]);
    assert!(err.contains("unit") && err.contains("住建局"), "{err}");
    let fixed = fixed.clone();
    std::fs::write(
        &fixed,
        std::fs::read_to_string(&fixed)
            .unwrap()
            .replace("\"住建局\"", "\"区住房城乡建设局\""),
    )
    .unwrap();
    ok(&["report", "submit", &fixed, "--db", &db]);
    assert!(ok(&["report", "accept", "1", "--db", &db]).contains("已采纳"));

    let text = ok(&["status", "--db", &db, "--round", "1"]);
    assert!(text.contains("2.3.2") && text.contains("未报送"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "status", "--db", &db, "--round", "1", "--format", "json",
    ]))
    .unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 16);
    let t = tasks.iter().find(|t| t["code"] == "2.3.2").unwrap();
    assert_eq!(t["lead"][0], "区住房城乡建设局");
    assert!(
        matches!(t["reporting"].as_str(), Some("on_time" | "late")),
        "{t}"
    );
    assert_eq!(t["targets"][0]["actual"], 2.0);
    assert_eq!(
        tasks.iter().filter(|t| t["reporting"] == "missing").count(),
        13,
        "all other tasks with a lead unit owe their report"
    );
    // Owing a report never replaces the progress judgement.
    assert!(
        tasks
            .iter()
            .filter(|t| t["reporting"] == "missing")
            .all(|t| t["status"] != "not_reported" && t["status_label"] != "未报送"),
        "{tasks:?}"
    );
    assert_eq!(json["reporting"]["missing"], 13);
    assert_eq!(json["demo"], false);

    let rounds = ok(&["round", "list", "--db", &db]);
    assert!(rounds.contains("已采纳 1"), "{rounds}");
    ok(&["round", "close", "--db", &db, "--round", "1"]);
    let verify = ok(&["audit", "verify", "--db", &db]);
    assert!(verify.contains("校验通过"), "{verify}");
    let log = ok(&["audit", "log", "--db", &db]);
    assert!(
        log.contains("report.return") && log.contains("住建局联络员"),
        "{log}"
    );
}

#[test]
fn bad_report_files_are_named_and_change_nothing() {
    let (dir, db) = db("bad");
    let seed = seed().to_string_lossy().into_owned();
    ok(&["import", &seed, "--db", &db]);
    ok(&[
        "round",
        "open",
        "--db",
        &db,
        "--name",
        "6月",
        "--as-of",
        "2024-06-30",
        "--due",
        "2024-07-05",
    ]);
    ok(&[
        "round",
        "open",
        "--db",
        &db,
        "--name",
        "5月",
        "--as-of",
        "2024-05-31",
        "--due",
        "2024-06-05",
    ]);
    ok(&["round", "close", "--db", &db, "--round", "2"]);
    let file = |round: i64, task: &str, unit: &str, values: &str| {
        format!("round = {round}\ntask = \"{task}\"\nunit = \"{unit}\"\n[values]\n{values}\n")
    };
    let cases = [
        // a value for a target the task does not have (2.3.2 has four)
        (file(1, "2.3.2", "区住房城乡建设局", "5 = 1"), "values.5"),
        // a negative count
        (file(1, "2.3.2", "区住房城乡建设局", "1 = -2"), "values[1]"),
        // a value that is not a number
        (
            file(1, "2.3.2", "区住房城乡建设局", "2 = \"六百\""),
            "values.2",
        ),
        // a closed round
        (file(2, "2.3.2", "区住房城乡建设局", "1 = 1"), "已关闭"),
        // a unit not responsible for the task
        (
            file(1, "2.3.2", "区公安分局", "1 = 1"),
            "不是任务 2.3.2 的牵头或配合单位",
        ),
        // a task that does not exist
        (file(1, "9.9.9", "区住房城乡建设局", "1 = 1"), "task"),
        // a round that does not exist
        (
            file(7, "2.3.2", "区住房城乡建设局", "1 = 1"),
            "调度轮次 #7 不存在",
        ),
    ];
    let audit_before = count_rows(&db, "audit");
    for (i, (text, needle)) in cases.iter().enumerate() {
        let f = write(&dir, &format!("bad{i}.toml"), text);
        let err = fails(&["report", "submit", &f, "--db", &db]);
        assert!(
            err.contains(needle),
            "case {i}: expected “{needle}” in: {err}"
        );
        if !needle.contains("不存在") {
            assert!(err.contains(&f), "names the file: {err}");
        }
    }
    let f = write(
        &dir,
        "syntax.toml",
        "round = 1\ntask = \"2.3.2\"\nunit = \"区住房城乡建设局\"\ncolour = \"red\"\n",
    );
    let err = fails(&["report", "submit", &f, "--db", &db]);
    assert!(err.contains("colour"), "unknown fields are named: {err}");
    assert_eq!(count_rows(&db, "reports"), 0);
    assert_eq!(count_rows(&db, "audit"), audit_before);
}

#[test]
fn import_refuses_errors_unless_forced_and_makes_versions() {
    let (dir, db) = db("import");
    let bad = write(
        &dir,
        "bad.txt",
        "一、重点任务\n1．2024年建设公园3个。\n2．改造道路10公里。（区住建局负责）\n",
    );
    let o = run(&["import", &bad, "--db", &db]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(stdout(&o).contains("task-without-unit"));
    ok(&["init", "--db", &db]);
    assert_eq!(count_rows(&db, "plans"), 0);
    assert!(ok(&["import", &bad, "--db", &db, "--force"]).contains("第 1 版"));
    assert!(ok(&["import", &bad, "--db", &db, "--force", "--plan", "1"]).contains("第 2 版"));
    assert!(ok(&["plans", "--db", &db]).contains("第 2 版"));
    // A database that does not exist is not created by commands that need one.
    let missing = dir.path().join("none.db").to_string_lossy().into_owned();
    let err = fails(&["status", "--db", &missing]);
    assert!(err.contains("不存在"), "{err}");
}

#[test]
fn demo_data_is_reproducible_and_marked() {
    let (_d1, a) = db("demo-a");
    let (_d2, b) = db("demo-b");
    let out = ok(&["demo-data", "--db", &a, "--seed", "7"]);
    assert!(out.contains("9 个月度轮次"), "{out}");
    ok(&["demo-data", "--db", &b, "--seed", "7"]);
    let sa = ok(&["status", "--db", &a, "--format", "json"]);
    let sb = ok(&["status", "--db", &b, "--format", "json"]);
    assert_eq!(sa, sb, "the same seed gives the same history");
    let json: serde_json::Value = serde_json::from_str(&sa).unwrap();
    assert_eq!(json["demo"], true);
    assert_eq!(json["as_of"], "2024-09-30");
    let statuses: std::collections::BTreeSet<&str> = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["colour"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("green") && (statuses.contains("yellow") || statuses.contains("red")),
        "{statuses:?}"
    );
    let text = ok(&["status", "--db", &a]);
    assert!(text.starts_with("【演示数据】"), "{text}");
    let rounds = ok(&["round", "list", "--db", &a]);
    assert!(rounds.lines().all(|l| l.contains("（演示）")), "{rounds}");
    assert!(rounds.contains("逾期报送"), "{rounds}");
    // Some units late, some missing in the last round.
    let last = ok(&["status", "--db", &a, "--round", "9", "--format", "json"]);
    let last: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert!(
        last["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["reporting"] == "missing")
    );
    let other = ok(&[
        "demo-data",
        "--db",
        &b.replace("demo-b", "demo-c"),
        "--seed",
        "8",
    ]);
    assert!(other.contains("已生成演示数据"));
    fails(&["demo-data", "--db", &a]);
}

#[test]
fn tampering_with_the_audit_log_is_detected() {
    let (_dir, db) = db("tamper");
    ok(&["demo-data", "--db", &db, "--as-of", "2024-03-31"]);
    assert!(ok(&["audit", "verify", "--db", &db]).contains("校验通过"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tamper = |sql: &'static str| {
        rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        })
    };
    // Someone with the file drops the guards and edits a record.
    tamper(
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; UPDATE audit SET actor = '他人' WHERE id = 5;",
    );
    let o = run(&["audit", "verify", "--db", &db]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("#5") && stdout(&o).contains("被修改"),
        "{}",
        stdout(&o)
    );
}
