//! What a probe of the desk broke, from the command line: spreadsheet bombs given to
//! `zhuanban series import`.

use std::time::Duration;

use zhuanban_testkit::bombs::{dense_xlsx, many_cells_xlsx, sparse_xlsx};

use crate::*;

/// Runs the binary and samples its peak resident memory (VmHWM, KiB) from /proc while it runs.
fn run_measured(args: &[&str]) -> (Output, u64) {
    let child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Ok(s) = std::fs::read_to_string(&status) {
                let Some(kib) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                else {
                    // A zombie has no memory lines left: it has exited.
                    break;
                };
                peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    sampler.join().unwrap();
    (out, peak.load(std::sync::atomic::Ordering::Relaxed))
}

#[test]
fn series_import_refuses_spreadsheet_bombs_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db = db.to_str().unwrap();
    let mut sampled = 0;
    for (name, bytes, reason) in [
        ("sparse.xlsx", sparse_xlsx(), "单元格 XFD1048576 超出范围"),
        ("dense.xlsx", dense_xlsx(1_900_000), "压缩比异常"),
        ("cells.xlsx", many_cells_xlsx(70_000), "单元格过多"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, &bytes).unwrap();
        // Three runs, the highest peak kept: a refusal within a few milliseconds may end
        // before the sampler reads it. (How fast a bomb is refused is measured by the
        // benchmark `zhuanban-office/benches/bombs.rs`, on a machine not shared with tests.)
        let (mut out, mut peak) = (None, 0);
        for _ in 0..3 {
            let (o, p) = run_measured(&[
                "series",
                "import",
                file.to_str().unwrap(),
                "--db",
                db,
                "--kind",
                "water",
                "--site",
                "湖心",
            ]);
            peak = peak.max(p);
            out = Some(o);
        }
        let out = out.unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: {}", stdout(&out));
        assert!(
            err.contains(name) && err.contains("超出导入限制") && err.contains(reason),
            "{name}: {err}"
        );
        // A refusal within a few milliseconds may end before the first sample.
        assert!(peak < 200 * 1024, "{name}: peak {peak} KiB");
        sampled += usize::from(peak > 0);
        assert!(!Path::new(db).exists(), "{name}: nothing is stored");
    }
    assert!(sampled > 0, "the memory of at least one child was measured");
}

fn sql(db: &str, statements: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(statements.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

fn verify(db: &str) -> (Option<i32>, String) {
    let o = run(&["audit", "verify", "--db", db]);
    (o.status.code(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// A database with demo data whose chain head is anchored, and a fresh copy of it (database,
/// key and anchor) for each attack.
fn anchored(dir: &Path) -> impl Fn(&str) -> String {
    let base = dir.join("base.db").to_string_lossy().into_owned();
    let o = run(&["demo-data", "--db", &base, "--as-of", "2024-02-29"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, out) = verify(&base);
    assert_eq!(code, Some(0), "{out}");
    sql(&base, "PRAGMA wal_checkpoint(TRUNCATE);");
    let key = std::fs::metadata(format!("{base}.audit-key")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            key.permissions().mode() & 0o777,
            0o600,
            "the key is the owner's alone"
        );
    }
    let dir = dir.to_path_buf();
    move |name: &str| {
        let p = dir.join(name).to_string_lossy().into_owned();
        std::fs::copy(&base, &p).unwrap();
        for suffix in [".audit-key", ".audit-anchor"] {
            std::fs::copy(format!("{base}{suffix}"), format!("{p}{suffix}")).unwrap();
        }
        p
    }
}

const UNGUARD: &str =
    "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;";

#[test]
fn audit_verify_reports_deletions_at_the_end_truncation_and_a_rewritten_chain() {
    let dir = tempfile::tempdir().unwrap();
    let copy = anchored(dir.path());

    // The last five records deleted.
    let d = copy("tail.db");
    sql(
        &d,
        &format!("{UNGUARD} DELETE FROM audit WHERE id > (SELECT MAX(id) - 5 FROM audit);"),
    );
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("末尾的记录缺失"), "{out}");

    // Every record deleted.
    let d = copy("all.db");
    sql(&d, &format!("{UNGUARD} DELETE FROM audit;"));
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("审计日志已被清空"), "{out}");

    // A record edited and every later hash recomputed with the plain SHA-256 chain (all an
    // attacker without the key file can compute): the keyed hashes do not match.
    let d = copy("rewritten.db");
    sql(
        &d,
        &format!("{UNGUARD} UPDATE audit SET actor = '他人' WHERE id = 5;"),
    );
    rechain_plain(&d);
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("#5") && out.contains("被修改"), "{out}");

    // The anchor file deleted too: named.
    let d = copy("no-anchor.db");
    std::fs::remove_file(format!("{d}.audit-anchor")).unwrap();
    let (code, out) = verify(&d);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("锚定文件异常"), "{out}");

    // The key file gone: the database is not opened to write a chain nobody could verify.
    let d = copy("no-key.db");
    std::fs::remove_file(format!("{d}.audit-key")).unwrap();
    let (code, out) = verify(&d);
    assert_ne!(code, Some(0), "{out}");
    assert!(
        out.contains("审计密钥文件") && out.contains("缺失"),
        "{out}"
    );

    // Untouched: still clean.
    let d = copy("clean.db");
    let (code, out) = verify(&d);
    assert_eq!(code, Some(0), "{out}");
}

/// Recomputes every record's prev_hash and hash with the plain chain, as `audit.rs` did before
/// the key: what an attacker with the database and the source code can do.
fn rechain_plain(db: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Row as _;
        use zhuanban_store::audit::{Entry, GENESIS, hash};
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{db}"))
            .await
            .unwrap();
        let rows = sqlx::query("SELECT * FROM audit ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let mut prev = GENESIS.to_string();
        for r in &rows {
            let s = |c: &str| r.get::<String, _>(c);
            let o = |c: &str| r.get::<Option<String>, _>(c);
            let (at, actor, source, action, object, result) = (
                s("at"),
                s("actor"),
                s("source"),
                s("action"),
                s("object"),
                s("result"),
            );
            let (before, after) = (o("before"), o("after"));
            let id: i64 = r.get("id");
            let h = hash(
                &prev,
                &Entry {
                    id,
                    at: &at,
                    actor: &actor,
                    source: &source,
                    action: &action,
                    object: &object,
                    before: before.as_deref(),
                    after: after.as_deref(),
                    result: &result,
                },
            );
            sqlx::query("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?")
                .bind(&prev)
                .bind(&h)
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
            prev = h;
        }
        pool.close().await;
    });
}

#[test]
fn a_database_from_before_the_key_is_keyed_from_its_next_record() {
    // A ledger written by the plain chain only: the keying row removed and the chain rehashed
    // plain, as a database from before migration 7 is (and without the later migrations).
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db").to_string_lossy().into_owned();
    let o = run(&["demo-data", "--db", &db, "--as-of", "2024-02-29"]);
    assert!(o.status.success(), "{}", stderr(&o));
    sql(
        &db,
        &format!(
            "{UNGUARD} DROP TRIGGER audit_keying_no_delete; DELETE FROM audit_keying; DROP TABLE audit_keying; \
             DROP INDEX outbox_channel_recent; ALTER TABLE outbox DROP COLUMN claimed_at; \
             DROP TABLE plan_readings; ALTER TABLE plans DROP COLUMN archived_at; \
             DROP TABLE inbox_marks; DROP INDEX inbox_user; DROP INDEX inbox_unit; \
             DROP INDEX inbox_role; \
             DELETE FROM schema_migrations WHERE version >= 7;"
        ),
    );
    rechain_plain(&db);
    for suffix in [".audit-key", ".audit-anchor"] {
        std::fs::remove_file(format!("{db}{suffix}")).unwrap();
    }
    // Opening it migrates and keys it; old records keep their plain hashes and verify.
    let (code, out) = verify(&db);
    assert_eq!(code, Some(0), "{out}");
    assert!(Path::new(&format!("{db}.audit-key")).exists());
    // A new record is keyed; rewriting the old part is still caught (the first keyed record's
    // HMAC covers the last plain hash).
    let o = run(&[
        "round",
        "open",
        "--db",
        &db,
        "--name",
        "2024年4月调度",
        "--as-of",
        "2024-04-30",
        "--due",
        "2024-05-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, out) = verify(&db);
    assert_eq!(code, Some(0), "{out}");
    sql(
        &db,
        &format!("{UNGUARD} UPDATE audit SET actor = '他人' WHERE id = 3;"),
    );
    rechain_plain(&db);
    let (code, out) = verify(&db);
    assert_eq!(code, Some(1), "{out}");
}

#[test]
fn backup_finds_the_evidence_of_a_demo_folder() {
    // A folder as `serve --demo --dir` left it before: demo.db, and evidence under files/.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    let o = run(&["demo-data", "--db", &db, "--as-of", "2024-02-29"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sha = "ab".repeat(32);
    let file = dir.path().join("files/evidence/ab").join(&sha);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"%PDF-1.4 demo evidence").unwrap();
    sql(
        &db,
        &format!(
            "INSERT INTO evidence (report_id, sha256, name, size, mime)
             SELECT MIN(id), '{sha}', '验收.pdf', 22, 'application/pdf' FROM reports;"
        ),
    );
    let out = dir.path().join("backup");
    let o = run(&["backup", "--db", &db, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.join("files/evidence/ab").join(&sha).is_file(),
        "the demo folder's evidence is in the backup: {}",
        stdout(&o)
    );
    // Restored beside the new database, where the desk looks for it.
    let restored = dir.path().join("r/restored.db");
    std::fs::create_dir_all(restored.parent().unwrap()).unwrap();
    let o = run(&[
        "restore",
        "--from",
        out.to_str().unwrap(),
        "--db",
        restored.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.path()
            .join("r/restored.db.files/evidence/ab")
            .join(&sha)
            .is_file()
    );
    // Evidence the database refers to but nobody can find: the backup says so.
    std::fs::remove_file(&file).unwrap();
    let o = run(&[
        "backup",
        "--db",
        &db,
        "-o",
        dir.path().join("b2").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("备份不完整") && stderr(&o).contains(&sha),
        "{}",
        stderr(&o)
    );
}
