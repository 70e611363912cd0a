//! Losing nothing: the server killed with SIGKILL under a load of report submissions, twenty
//! times; a backup taken during load; tampering with the audit log; purging it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::*;

const PASSWORD: &str = "Crash#Test2024";

/// The units that report in the load, with their tasks.
const UNITS: &[(&str, &str, &str)] = &[
    ("unit1", "区住房城乡建设局", "2.3.2"),
    ("unit2", "区教育卫生健康局", "2.4.2"),
    ("unit3", "区农业农村水利局", "2.4.4"),
    ("unit4", "区交通运输局", "2.1.1"),
];

#[allow(clippy::zombie_processes)] // the caller kills and waits for it
fn setup(dir: &tempfile::TempDir) -> String {
    let db = dir.path().join("crash.db").to_string_lossy().into_owned();
    let seed = seed().to_string_lossy().into_owned();
    assert!(run(&["import", &seed, "--db", &db]).status.success());
    assert!(
        run(&[
            "round",
            "open",
            "--db",
            &db,
            "--name",
            "9月",
            "--as-of",
            "2024-09-30",
            "--due",
            "2099-10-05"
        ])
        .status
        .success()
    );
    let pw = dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    for (login, unit, _) in UNITS {
        let o = run(&[
            "user",
            "add",
            login,
            "--role",
            "unit",
            "--unit",
            unit,
            "--password-file",
            pw.to_str().unwrap(),
            "--owner-password",
            "--db",
            &db,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    db
}

/// What the server acknowledged: report id → (row version, value).
type Acks = Arc<Mutex<std::collections::BTreeMap<i64, (i64, f64)>>>;

/// What the writers saw of a kill: when it happened, and how many saves had been sent before
/// it and got no (complete) answer, that is, were in flight when the server died.
#[derive(Debug, Default)]
struct Kill {
    at: Mutex<Option<Instant>>,
    in_flight: std::sync::atomic::AtomicUsize,
    /// Good saves the server refused.
    refused: Mutex<Vec<String>>,
    /// The writers with a save acknowledged in this round.
    saving: Mutex<std::collections::HashSet<&'static str>>,
}

impl Kill {
    /// Notes a save sent at `sent` that failed: in flight at the kill if sent before it.
    fn failed(&self, sent: Instant) {
        if self.at.lock().unwrap().is_some_and(|k| sent < k) {
            self.in_flight
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

async fn writer(
    port: u16,
    login: &'static str,
    task: &'static str,
    stop: Instant,
    acks: Acks,
    kill: Arc<Kill>,
) {
    let base = format!("http://127.0.0.1:{port}");
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let Ok(res) = c
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", PASSWORD)])
        .send()
        .await
    else {
        return;
    };
    if !res.status().is_redirection() {
        return;
    }
    let Ok(me) = c.get(format!("{base}/api/me")).send().await else {
        return;
    };
    let Ok(me) = me.json::<serde_json::Value>().await else {
        return;
    };
    let csrf = me["csrf"].as_str().unwrap_or_default().to_string();
    let Ok(my) = c.get(format!("{base}/api/my/tasks")).send().await else {
        return;
    };
    let Ok(my) = my.json::<serde_json::Value>().await else {
        return;
    };
    let Some(t) = my["tasks"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["code"] == task))
        .cloned()
    else {
        return;
    };
    let target = t["targets"][0]["id"].as_i64();
    let mut version = t["report"]["row_version"].as_i64();
    let mut n = 0.0;
    while Instant::now() < stop {
        n += 1.0;
        let values = match target {
            Some(id) => serde_json::json!({ id.to_string(): n }),
            None => serde_json::json!({}),
        };
        let mut body = serde_json::json!({"task": task, "values": values, "narrative": format!("第{n}次保存")});
        if let Some(v) = version {
            body["version"] = serde_json::json!(v);
        }
        let sent = Instant::now();
        let Ok(res) = c
            .post(format!("{base}/api/reports"))
            .header("X-CSRF-Token", &csrf)
            .json(&body)
            .send()
            .await
        else {
            kill.failed(sent);
            return;
        };
        if res.status() != reqwest::StatusCode::CREATED {
            // A refusal of a good save is a failure of its own (the writer stops).
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            kill.refused
                .lock()
                .unwrap()
                .push(format!("{login} {task}: {status} {body}"));
            return;
        }
        // Acknowledged: from here on it must survive.
        let Ok(r) = res.json::<serde_json::Value>().await else {
            kill.failed(sent);
            return;
        };
        let id = r["id"].as_i64().unwrap();
        let v = r["row_version"].as_i64().unwrap();
        acks.lock().unwrap().insert(id, (v, n));
        kill.saving.lock().unwrap().insert(login);
        version = Some(v);
    }
}

#[test]
fn twenty_kills_under_load_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(&dir);
    let acks: Acks = Arc::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut total = 0;
    let mut hit = 0;
    for round in 0..20 {
        let port = free_port();
        let mut server = serve(&db, port, &[], &[]);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let run_for = Duration::from_millis(300 + rng % 700);
        let stop = Instant::now() + Duration::from_secs(30);
        let kill = Arc::new(Kill::default());
        let acked_before = acks.lock().unwrap().values().map(|a| a.0).sum::<i64>();
        let handles: Vec<_> = UNITS
            .iter()
            .map(|(login, _, task)| {
                rt.spawn(writer(port, login, task, stop, acks.clone(), kill.clone()))
            })
            .collect();
        // The load is under way once every writer has had a save of this round acknowledged
        // (signing in takes a while on a busy machine); then it runs a random while longer.
        let under_way = Instant::now() + Duration::from_secs(20);
        while kill.saving.lock().unwrap().len() < UNITS.len() && Instant::now() < under_way {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(run_for);
        // SIGKILL in the middle of the load.
        *kill.at.lock().unwrap() = Some(Instant::now());
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        for h in handles {
            let _ = rt.block_on(h);
        }
        let refused = kill.refused.lock().unwrap().clone();
        assert!(
            refused.is_empty(),
            "round {round}: saves refused: {refused:?}"
        );
        // The kill hit saves under way: some were acknowledged in this round before it, and
        // some had been sent and were never answered.
        let acked_after = acks.lock().unwrap().values().map(|a| a.0).sum::<i64>();
        assert!(
            acked_after > acked_before,
            "round {round}: saves were acknowledged before the kill"
        );
        // A save takes well under a millisecond of the server's time, so now and then (on a
        // busy machine) all four writers are between two saves at the kill: counted over the
        // twenty kills below.
        if kill.in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            hit += 1;
        }
        // Every acknowledged write is there, nothing is half-written, the chain holds.
        let (present, integrity, chain) = rt.block_on(async {
            let store = zhuanban_store::Db::open_existing(std::path::Path::new(&db))
                .await
                .unwrap();
            let mut present = Vec::new();
            let acked: Vec<(i64, (i64, f64))> =
                acks.lock().unwrap().iter().map(|(k, v)| (*k, *v)).collect();
            for (id, (v, value)) in acked {
                use zhuanban_store::Store as _;
                let r = store.report(id).await.unwrap();
                let ok = r.row_version > v
                    || (r.row_version == v && r.narrative == format!("第{value}次保存"));
                present.push((id, v, ok));
            }
            let integrity = store.integrity_check().await.unwrap();
            use zhuanban_store::Store as _;
            let chain = store.verify_audit().await.unwrap();
            store.close().await;
            (present, integrity, chain)
        });
        assert_eq!(integrity, "ok", "round {round}");
        assert!(chain.breaks.is_empty(), "round {round}: {:?}", chain.breaks);
        let lost: Vec<_> = present.iter().filter(|p| !p.2).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged writes lost: {lost:?}"
        );
        total = acks.lock().unwrap().len();
    }
    assert_eq!(total, UNITS.len(), "each unit's report was acknowledged");
    assert!(
        hit >= 15,
        "saves were in flight at only {hit} of the 20 kills"
    );
}

#[test]
fn a_backup_taken_under_load_restores_to_that_moment() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(&dir);
    let port = free_port();
    let mut server = serve(&db, port, &[], &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let acks: Acks = Arc::default();
    let stop = Instant::now() + Duration::from_millis(2500);
    let kill = Arc::new(Kill::default());
    let handles: Vec<_> = UNITS
        .iter()
        .map(|(login, _, task)| {
            rt.spawn(writer(port, login, task, stop, acks.clone(), kill.clone()))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    let backup = dir.path().join("backup");
    let o = run(&["backup", "--db", &db, "-o", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for h in handles {
        let _ = rt.block_on(h);
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    // The backup checks out, and restores.
    let o = run(&[
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--verify-only",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let restored = dir
        .path()
        .join("restored.db")
        .to_string_lossy()
        .into_owned();
    let o = run(&[
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--db",
        &restored,
        "--verify",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The restored database is the source as it was at one moment: its audit log is a prefix
    // of the source's, and every report equals the source's state after that prefix — which we
    // check through the audit records of report saves, whose contents are the reports'.
    rt.block_on(async {
        use zhuanban_store::Store as _;
        let src = zhuanban_store::Db::open_existing(std::path::Path::new(&db))
            .await
            .unwrap();
        let dst = zhuanban_store::Db::open_existing(std::path::Path::new(&restored))
            .await
            .unwrap();
        let a = src.audit_log(1_000_000).await.unwrap();
        let b = dst.audit_log(1_000_000).await.unwrap();
        assert!(
            !b.is_empty() && b.len() < a.len(),
            "the backup was taken during the load ({} of {})",
            b.len(),
            a.len()
        );
        let prefix: Vec<_> = a.iter().rev().take(b.len()).collect();
        let restored: Vec<_> = b.iter().rev().collect();
        assert_eq!(
            prefix, restored,
            "the restored audit log is exactly the source's up to the backup's moment"
        );
        // Each restored report is the state its last audit record in the prefix describes.
        for r in dst.reports(zhuanban_ledger::RoundId(1)).await.unwrap() {
            let last = b
                .iter()
                .find(|x| x.object.starts_with(&format!("report#{} ", r.id)))
                .unwrap();
            let after: serde_json::Value =
                serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
            assert_eq!(after["row_version"], r.row_version, "report {}", r.id);
            assert_eq!(after["narrative"], r.narrative);
        }
        assert_eq!(dst.integrity_check().await.unwrap(), "ok");
        assert!(dst.verify_audit().await.unwrap().breaks.is_empty());
    });
    // A modified backup is refused, naming the file.
    let manifest = backup.join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(backup.join("zhuanban.db"), b"broken").unwrap();
    let o = run(&[
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--db",
        &dir.path().join("x.db").to_string_lossy(),
        "--verify",
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("zhuanban.db"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!dir.path().join("x.db").exists(), "nothing was restored");
    assert!(m.contains("sha256"));
}

fn tamper(db: &str, sql: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

fn verify(db: &str) -> (Option<i32>, String) {
    let o = run(&["audit", "verify", "--db", db]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn deleting_or_inserting_an_audit_record_is_detected_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.db").to_string_lossy().into_owned();
    assert!(
        run(&["demo-data", "--db", &base, "--as-of", "2024-02-29"])
            .status
            .success()
    );
    // Fold the write-ahead log into the file so that a plain copy is the whole database.
    tamper(&base, "PRAGMA wal_checkpoint(TRUNCATE);");
    // The database travels with its audit key and anchor (files beside it).
    let copy = |name: &str| {
        let p = dir.path().join(name).to_string_lossy().into_owned();
        std::fs::copy(&base, &p).unwrap();
        for suffix in [".audit-key", ".audit-anchor"] {
            std::fs::copy(format!("{base}{suffix}"), format!("{p}{suffix}")).unwrap();
        }
        p
    };
    let unguard = "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;";
    // Deleted in the middle: the next record is named.
    let d = copy("deleted.db");
    tamper(&d, &format!("{unguard} DELETE FROM audit WHERE id = 7;"));
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("#6") && out.contains("#8") && out.contains("缺失"),
        "{out}"
    );
    // Deleted at the end and the ids made to look consecutive: the link breaks.
    let d = copy("renumbered.db");
    tamper(
        &d,
        &format!(
            "{unguard} DELETE FROM audit WHERE id = 7; UPDATE audit SET id = id - 1 WHERE id > 7;"
        ),
    );
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("#7") && (out.contains("被修改") || out.contains("未接续")),
        "{out}"
    );
    // A forged record inserted with a made-up hash.
    let d = copy("inserted.db");
    tamper(
        &d,
        "INSERT INTO audit (id, at, actor, source, action, object, before, after, result, prev_hash, hash)
         SELECT MAX(id) + 1, '2024-03-01T00:00:00Z', '某人', 'cli', 'report.accept', 'report#1', NULL, NULL, 'ok', 'x', 'y' FROM audit;",
    );
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1));
    let records: i64 = verify(&base)
        .1
        .split("共 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(
        out.contains(&format!("#{} ", records + 1)),
        "the inserted record (#{}) is named: {out}",
        records + 1
    );
    // The untouched database verifies.
    assert_eq!(verify(&base).0, Some(0));
}

#[test]
fn purging_keeps_six_months_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db").to_string_lossy().into_owned();
    // Records written long ago (the test clock), then today's.
    let old = bin()
        .args(["import", &seed().to_string_lossy(), "--db", &db])
        .env("ZHUANBAN_TEST_NOW", "2024-01-15T09:00:00+08:00")
        .output()
        .unwrap();
    assert!(old.status.success());
    let o = bin()
        .args([
            "round",
            "open",
            "--db",
            &db,
            "--name",
            "1月",
            "--as-of",
            "2024-01-31",
            "--due",
            "2024-02-05",
        ])
        .env("ZHUANBAN_TEST_NOW", "2024-01-16T09:00:00+08:00")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        run(&[
            "round",
            "open",
            "--db",
            &db,
            "--name",
            "9月",
            "--as-of",
            "2024-09-30",
            "--due",
            "2024-10-05"
        ])
        .status
        .success()
    );
    // Too recent: refused, nothing deleted.
    let recent = (chrono::Utc::now().date_naive() - chrono::Duration::days(30)).to_string();
    let o = run(&["audit", "purge", "--db", &db, "--before", &recent]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("至少保存180天"));
    assert!(verify(&db).1.contains("共 3 条记录"));
    // Old enough: the two old records go; the chain verifies from the anchor.
    let o = run(&["audit", "purge", "--db", &db, "--before", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 条"));
    let (code, out) = verify(&db);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("共 2 条记录"),
        "the September round and the purge itself: {out}"
    );
    let log = run(&["audit", "log", "--db", &db]);
    assert!(String::from_utf8_lossy(&log.stdout).contains("audit.purge"));
}
