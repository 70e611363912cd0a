//! The dispatch cycle from the command line: a round, two units report (one late), one never;
//! reminders go to a group robot (a real HTTP server on loopback) exactly once each, even when
//! the process dies between writing the outbox and sending.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::*;

/// A WeCom-like robot on 127.0.0.1 that records what it is sent.
pub(crate) fn robot() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/cgi-bin/webhook/send",
        listener.local_addr().unwrap()
    );
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let answer = r#"{"errcode":0,"errmsg":"ok"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, got)
}

fn zb(db: &str, args: &[&str], now: Option<&str>, robot_url: &str) -> Output {
    let mut c = bin();
    c.args(args)
        .arg("--db")
        .arg(db)
        .env("ZHUANBAN_WECOM_KEY", "test-key")
        .env("ZHUANBAN_WECOM_URL", robot_url);
    if let Some(n) = now {
        c.env("ZHUANBAN_TEST_NOW", n);
    }
    c.output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn reminders_go_out_once_even_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db").to_string_lossy().into_owned();
    let (url, got) = robot();
    let seed = seed().to_string_lossy().into_owned();
    ok(zb(&db, &["import", &seed], None, &url));
    let opened = zb(
        &db,
        &[
            "round",
            "open",
            "--name",
            "2024年9月调度",
            "--as-of",
            "2024-09-30",
            "--due",
            "2024-10-05",
        ],
        None,
        &url,
    );
    // The date is kept as given on the command line; a holiday is pointed out.
    assert!(
        String::from_utf8_lossy(&opened.stderr)
            .contains("报送截止日期 2024-10-05 为国庆节假期，下一个工作日为 2024-10-08"),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    ok(opened);
    let report = |task: &str, unit: &str| {
        let p = dir.path().join(format!("{task}.toml"));
        std::fs::write(&p, format!("round = 1\ntask = \"{task}\"\nunit = \"{unit}\"\nnarrative = \"按计划推进\"\n[values]\n1 = 1\n")).unwrap();
        p.to_string_lossy().into_owned()
    };
    // 区住房城乡建设局 reports on time.
    ok(zb(
        &db,
        &["report", "submit", &report("2.3.2", "区住房城乡建设局")],
        Some("2024-10-03T10:00:00+08:00"),
        &url,
    ));

    // Two days before the due date: reminders are written, then the process dies before sending.
    let crashed = bin()
        .args(["dispatch", "--today", "2024-10-04", "--db", &db])
        .env("ZHUANBAN_WECOM_KEY", "test-key")
        .env("ZHUANBAN_WECOM_URL", &url)
        .env("ZHUANBAN_TEST_CRASH_BEFORE_SEND", "1")
        .output()
        .unwrap();
    assert!(
        !crashed.status.success(),
        "the test hook aborts the process"
    );
    let queued = count(&db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
    // The seed's 14 led tasks have 8 distinct lead units; one has reported.
    let owing = 7;
    assert_eq!(
        queued, owing,
        "one reminder per owing unit is in the outbox"
    );
    assert_eq!(
        got.lock().unwrap().len(),
        0,
        "nothing was sent before the crash"
    );

    // The restart sends each one once; running again sends nothing.
    let out = ok(zb(&db, &["dispatch", "--today", "2024-10-04"], None, &url));
    assert!(out.contains(&format!("发送成功 {owing} 条")), "{out}");
    assert_eq!(got.lock().unwrap().len(), owing as usize);
    ok(zb(&db, &["dispatch", "--today", "2024-10-04"], None, &url));
    assert_eq!(
        got.lock().unwrap().len(),
        owing as usize,
        "no message twice"
    );
    let first = got.lock().unwrap()[0].clone();
    assert!(
        first.contains("催报") && first.contains("2024-10-05"),
        "{first}"
    );
    assert!(
        !first.contains("区住房城乡建设局"),
        "the unit that reported is not chased"
    );

    // After the due date: the units still owing are chased once more.
    ok(zb(&db, &["dispatch", "--today", "2024-10-06"], None, &url));
    assert_eq!(got.lock().unwrap().len(), 2 * owing as usize);
    assert!(
        got.lock()
            .unwrap()
            .last()
            .unwrap()
            .contains("已过报送截止日")
    );
    // 区教育卫生健康局 reports late; 区农业农村水利局 never reports.
    ok(zb(
        &db,
        &["report", "submit", &report("2.4.2", "区教育卫生健康局")],
        Some("2024-10-07T09:00:00+08:00"),
        &url,
    ));
    ok(zb(&db, &["dispatch", "--today", "2024-10-08"], None, &url));
    assert_eq!(
        got.lock().unwrap().len(),
        2 * owing as usize,
        "the overdue reminder is not repeated"
    );
    let reports = ok(zb(&db, &["report", "list", "--round", "1"], None, &url));
    assert!(
        reports
            .lines()
            .any(|l| l.contains("2.4.2") && l.contains("逾期")),
        "{reports}"
    );
    assert!(
        reports
            .lines()
            .any(|l| l.contains("2.3.2") && !l.contains("逾期")),
        "{reports}"
    );
    assert!(
        !reports.contains("2.4.4"),
        "区农业农村水利局 never reported"
    );
    // Every reminder is also in the units' in-app inbox, once.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM inbox WHERE key LIKE 'remind:%'"),
        2 * owing
    );
    let rounds = ok(zb(&db, &["round", "list"], None, &url));
    assert!(rounds.contains("逾期报送 1"), "{rounds}");
}

#[test]
fn the_bulletin_is_written_and_reproduced_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db").to_string_lossy().into_owned();
    ok(run(&["demo-data", "--db", &db, "--as-of", "2024-06-30"]));
    let a = dir.path().join("a.docx");
    let b = dir.path().join("b.docx");
    let x = dir.path().join("a.xlsx");
    let h = dir.path().join("a.html");
    // Reports await review in the last round: issuing asks for confirmation and writes nothing.
    let refused = run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "docx",
        "-o",
        a.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(msg.contains("待审核") && msg.contains("--confirm"), "{msg}");
    assert!(!a.exists(), "nothing is written before the confirmation");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM bulletins WHERE content IS NOT NULL"
        ),
        0
    );
    let out = ok(run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "docx",
        "--date",
        "2024-07-08",
        "--confirm",
        "-o",
        a.to_str().unwrap(),
    ]));
    assert!(out.contains("调度通报"), "{out}");
    ok(run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "docx",
        "-o",
        b.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "the same bulletin twice is the same bytes"
    );
    ok(run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "xlsx",
        "-o",
        x.to_str().unwrap(),
    ]));
    ok(run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "html",
        "-o",
        h.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(&h).unwrap();
    assert!(
        html.contains("2024年7月8日"),
        "the issued bulletin keeps the date it was issued with"
    );
    assert!(
        html.contains("演示") && html.contains("2024年6月调度"),
        "marked as demonstration data"
    );
    // A whole page that opens on its own.
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..80]);
    assert!(html.contains(r#"<meta charset="utf-8">"#) && html.contains("<style>"));
    assert!(html.contains(r#"<article class="bulletin"#) && html.trim_end().ends_with("</html>"));
    assert!(std::fs::read(&x).unwrap().starts_with(b"PK"));
    let err = run(&[
        "bulletin",
        "--db",
        &db,
        "--round",
        "6",
        "--format",
        "pdf",
        "-o",
        h.to_str().unwrap(),
    ]);
    assert_eq!(err.status.code(), Some(2));
}

#[test]
fn settings_schedule_rounds_and_refuse_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").to_string_lossy().into_owned();
    let seed = seed().to_string_lossy().into_owned();
    ok(run(&["import", &seed, "--db", &db]));
    let shown = ok(run(&["plan-settings", "--db", &db]));
    let mut v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["lag_pp"], 10.0);
    assert_eq!(v["deductions"]["missing_lead"], 10.0);
    // A monthly schedule, due 5 working days after each month's end.
    v["schedule"] = serde_json::json!({"frequency": "monthly", "due_working_days": 5});
    let f = dir.path().join("s.json");
    std::fs::write(&f, v.to_string()).unwrap();
    ok(run(&[
        "plan-settings",
        "--db",
        &db,
        "--file",
        f.to_str().unwrap(),
    ]));
    let out = ok(run(&[
        "dispatch",
        "--db",
        &db,
        "--today",
        "2024-11-02",
        "--no-send",
    ]));
    assert!(out.contains("已按计划开启轮次：2024年10月调度"), "{out}");
    let rounds = ok(run(&["round", "list", "--db", &db]));
    assert!(
        rounds.contains("2024年10月调度")
            && rounds.contains("2024-10-31")
            && rounds.contains("2024-11-07"),
        "{rounds}"
    );
    // The same day again opens nothing.
    let out = ok(run(&[
        "dispatch",
        "--db",
        &db,
        "--today",
        "2024-11-03",
        "--no-send",
    ]));
    assert!(!out.contains("已按计划开启"), "{out}");
    // Bad settings are refused with the field named, and nothing changes.
    v["serious_pp"] = serde_json::json!(5.0);
    std::fs::write(&f, v.to_string()).unwrap();
    let o = run(&["plan-settings", "--db", &db, "--file", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("lag_pp"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let again: serde_json::Value =
        serde_json::from_str(&ok(run(&["plan-settings", "--db", &db]))).unwrap();
    assert_eq!(again["serious_pp"], 30.0);
}
