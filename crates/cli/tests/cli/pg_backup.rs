//! `backup` and `restore` of a PostgreSQL ledger (`pg_dump` / `pg_restore` on a throwaway
//! cluster): the manifest's checks as for a SQLite backup, a restore only into an empty
//! database, and the restored ledger and its audit chain verify.

use crate::*;

/// Evidence the database refers to, and its file in the ledger's evidence folder.
fn add_evidence(l: &Ledger) -> String {
    let sha = "cd".repeat(32);
    let file = l.data.join("evidence/cd").join(&sha);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"%PDF-1.4 pg evidence").unwrap();
    l.exec(&format!(
        "INSERT INTO evidence (report_id, sha256, name, size, mime)
         SELECT MIN(id), '{sha}', '验收.pdf', 20, 'application/pdf' FROM reports"
    ));
    sha
}

#[test]
fn a_postgresql_backup_restores_into_an_empty_database_and_its_chain_verifies() {
    let src = Ledger::new(Backend::Postgres);
    let seed = seed().to_string_lossy().into_owned();
    src.ok(&["import", &seed]);
    src.ok(&["demo-data"]);
    let sha = add_evidence(&src);
    let out = src.dir.path().join("backup");
    let out_s = out.to_str().unwrap();
    let data = src.data.to_str().unwrap();

    // Without --data the backup says where evidence must come from, and makes no folder.
    let o = src.run(&["backup", "-o", out_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("须以 --data 指定佐证材料"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    let said = src.ok(&["backup", "-o", out_s, "--data", data]);
    assert!(said.contains("1 个佐证文件"), "{said}");
    for f in [
        "zhuanban.pgdump",
        "zhuanban.pgdump.audit-key",
        "zhuanban.pgdump.audit-anchor",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(out.join("files/evidence/cd").join(&sha).is_file());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["database"], "postgresql");
    let records = src.count("SELECT COUNT(*) FROM audit");
    assert!(records > 10);
    assert_eq!(manifest["audit_records"], records);
    assert_eq!(
        manifest["audit_head"][0],
        src.count("SELECT MAX(id) FROM audit")
    );
    assert_eq!(
        std::fs::read(out.join("zhuanban.pgdump.audit-key")).unwrap(),
        std::fs::read(&src.key).unwrap()
    );
    let status: Vec<String> = [vec!["status"], vec!["status", "--format", "json"]]
        .iter()
        .map(|args| src.ok(args))
        .collect();
    // The server keeps writing after the backup: the restored ledger is the one backed up.
    src.ok(&[
        "round",
        "open",
        "--name",
        "备份之后",
        "--as-of",
        "2024-10-31",
        "--due",
        "2024-11-05",
    ]);

    // The backup checks out by itself.
    let o = run(&["restore", "--from", out_s, "--verify-only"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("PostgreSQL 转储可读"), "{}", stdout(&o));

    // Into a new, empty database, with its own key path and evidence folder.
    let dst = Ledger::on(Backend::Postgres, src.cluster.clone());
    let dst_data = dst.data.to_str().unwrap();
    let said = dst.ok(&["restore", "--from", out_s, "--data", dst_data]);
    assert!(said.contains("哈希链完整"), "{said}");
    assert_eq!(
        std::fs::read(&dst.key).unwrap(),
        std::fs::read(&src.key).unwrap()
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&dst.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        std::fs::read(dst.data.join("evidence/cd").join(&sha)).unwrap(),
        b"%PDF-1.4 pg evidence"
    );
    assert_eq!(dst.count("SELECT COUNT(*) FROM audit"), records);
    assert_eq!(
        dst.count("SELECT COUNT(*) FROM rounds"),
        src.count("SELECT COUNT(*) FROM rounds") - 1
    );
    let verified = dst.ok(&["audit", "verify"]);
    assert!(
        verified.contains(&format!("审计日志完整：共 {records} 条记录")),
        "{verified}"
    );
    // The restored ledger works: the same status as the source had when backed up, and it
    // takes writes (its sequences continue).
    for (args, before) in [vec!["status"], vec!["status", "--format", "json"]]
        .iter()
        .zip(&status)
    {
        assert_eq!(&dst.ok(args), before, "{args:?}");
    }
    dst.ok(&[
        "round",
        "open",
        "--name",
        "恢复之后",
        "--as-of",
        "2024-10-31",
        "--due",
        "2024-11-05",
    ]);
    dst.ok(&["audit", "verify"]);

    // Not into a database that has tables, even with --force.
    let o = dst.run(&["restore", "--from", out_s, "--data", dst_data, "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("不是空的") && stderr(&o).contains("只能恢复到空数据库"),
        "{}",
        stderr(&o)
    );
    assert_eq!(dst.count("SELECT COUNT(*) FROM audit"), records + 1);

    // Not over another database's key file.
    let other = Ledger::on(Backend::Postgres, src.cluster.clone());
    std::fs::write(&other.key, "00".repeat(32)).unwrap();
    let o = other.run(&["restore", "--from", out_s, "--data", dst_data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("已存在且不是备份中的密钥"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        other.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"),
        0,
        "nothing restored"
    );

    // A PostgreSQL backup does not go into a SQLite file, nor a SQLite one into PostgreSQL.
    let file = other.dir.path().join("x.db");
    let o = run(&["restore", "--from", out_s, "--db", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("只能恢复到 PostgreSQL 数据库"),
        "{}",
        stderr(&o)
    );
    assert!(!file.exists());
    let lite = Ledger::new(Backend::Sqlite);
    lite.ok(&["import", &seed]);
    let lite_out = lite.dir.path().join("b");
    lite.ok(&["backup", "-o", lite_out.to_str().unwrap()]);
    let o = other.run(&["restore", "--from", lite_out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("不能直接恢复到 PostgreSQL"),
        "{}",
        stderr(&o)
    );

    // A changed dump is caught by the manifest before anything is restored.
    let dump = out.join("zhuanban.pgdump");
    let mut bytes = std::fs::read(&dump).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&dump, bytes).unwrap();
    std::fs::remove_file(&other.key).unwrap();
    let o = other.run(&["restore", "--from", out_s, "--data", dst_data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("zhuanban.pgdump 与清单不符"),
        "{}",
        stderr(&o)
    );
    assert!(!other.key.exists());

    // Evidence the database refers to that is not in --data: the backup says so.
    std::fs::remove_file(src.data.join("evidence/cd").join(&sha)).unwrap();
    let b2 = src.dir.path().join("b2");
    let o = src.run(&["backup", "-o", b2.to_str().unwrap(), "--data", data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("备份不完整") && stderr(&o).contains(&sha),
        "{}",
        stderr(&o)
    );
}
