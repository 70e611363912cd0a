//! `zhuanban backup` and `zhuanban restore`, and `zhuanban audit purge`.
//!
//! A backup is a folder: `zhuanban.db` (a consistent copy taken online with SQLite's
//! `VACUUM INTO`, while the server keeps writing), `files/` (the evidence files the copy refers
//! to; they are content-addressed and never change, so copying them after the database is
//! consistent), and `manifest.json` with the SHA-256 and size of every file. The deployment's
//! settings (security policy, plan settings) live in the database and travel with it; channel
//! secrets come from the environment and are not copied.
//!
//! The audit chain's key (`zhuanban.db.audit-key`) travels as its own file beside the copy,
//! and so does an anchor (`zhuanban.db.audit-anchor`): the live anchor's lines up to the copy's
//! head, and that head. The live anchor gets the head too. `restore` puts both beside the
//! restored database, replacing the ones there (the restored chain ends at the backup's head).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhuanban_store::{Db, Store, audit};

use crate::DbArgs;
use crate::serve::data_dir_for;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    created_at: String,
    source: String,
    audit_records: usize,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileEntry {
    path: String,
    size: u64,
    sha256: String,
}

fn sha256_file(p: &Path) -> anyhow::Result<(u64, String)> {
    let bytes = std::fs::read(p).with_context(|| format!("无法读取 {}", p.display()))?;
    let d = Sha256::digest(&bytes);
    Ok((
        bytes.len() as u64,
        d.iter().map(|b| format!("{b:02x}")).collect(),
    ))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for e in std::fs::read_dir(dir).with_context(|| format!("无法读取目录 {}", dir.display()))?
    {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_none_or(|x| x != "part") {
            out.push(p);
        }
    }
    Ok(())
}

pub async fn backup(db: &DbArgs, out: &Path, data: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    crate::ledger_cmd::sqlite_only(&db.db)?;
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!("{} 已存在且不为空：备份需要一个新目录", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("无法创建目录 {}", out.display()))?;
    let store = crate::ledger_cmd::open(db).await?;
    let db_copy = out.join("zhuanban.db");
    store.anchor_audit_head().await?;
    store.backup_into(&db_copy).await?;
    copy_audit_files(&store, &db.db, &db_copy).await?;
    let copy = Db::open_existing(&db_copy).await?;
    let audit_records = copy.verify_audit().await?.records;
    copy.close().await;
    // Evidence files: content-addressed, written before the rows that refer to them, in the
    // data folder given, or else in every layout a data folder has had.
    let dirs = match data {
        Some(d) => vec![d],
        None => data_dirs_for(&db.db),
    };
    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for data in &dirs {
        let mut found = Vec::new();
        walk(&data.join("evidence"), &mut found)?;
        for f in found {
            let rel = f.strip_prefix(data).unwrap_or(&f).to_path_buf();
            if seen.insert(rel.clone()) {
                files.push((f, rel));
            }
        }
    }
    // Every evidence file the database refers to must be in the backup.
    let wanted = Db::evidence_hashes_of_file(&db_copy).await?;
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|h| {
            !files
                .iter()
                .any(|(f, _)| f.file_name().is_some_and(|n| n.to_string_lossy() == **h))
        })
        .collect();
    if let Some(first) = missing.first() {
        bail!(
            "备份不完整：数据库引用的 {} 个佐证文件在 {} 中找不到（如 {first}）；请用 --data 指定数据目录",
            missing.len(),
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    for (f, rel) in &files {
        let dest = out.join("files").join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(f, &dest).with_context(|| format!("无法复制 {}", f.display()))?;
    }
    let files: Vec<&PathBuf> = files.iter().map(|(f, _)| f).collect();
    let mut entries = Vec::new();
    let mut all = vec![
        db_copy.clone(),
        audit::key_path(&db_copy),
        audit::anchor_path(&db_copy),
    ];
    walk(&out.join("files"), &mut all)?;
    for p in all {
        let (size, sha256) = sha256_file(&p)?;
        entries.push(FileEntry {
            path: p
                .strip_prefix(out)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: 1,
        created_at: zhuanban_store::clock::now().to_rfc3339(),
        source: db.db.display().to_string(),
        audit_records,
        files: entries,
    };
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    println!(
        "已备份到 {}：数据库与 {} 个佐证文件，审计记录 {} 条",
        out.display(),
        files.len(),
        audit_records
    );
    Ok(ExitCode::SUCCESS)
}

/// Where a database's evidence may live: `<db>.files` (`serve`, `serve --demo` since), and
/// `files/` beside it (`serve --demo` folders from before).
fn data_dirs_for(db: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![data_dir_for(db)];
    if let Some(parent) = db.parent() {
        let legacy = parent.join("files");
        if legacy.join("evidence").is_dir() {
            dirs.push(legacy);
        }
    }
    dirs
}

/// Puts the audit key and an anchor ending at the copy's head beside the copy.
async fn copy_audit_files(store: &Db, live: &Path, copy: &Path) -> anyhow::Result<()> {
    let key = audit::key_path(live);
    let key_copy = audit::key_path(copy);
    std::fs::copy(&key, &key_copy)
        .with_context(|| format!("无法复制审计密钥 {}", key.display()))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key_copy, std::fs::Permissions::from_mode(0o600))?;
    }
    // The copy's head, read from the copy itself without opening it as a store.
    let head = Db::audit_head_of_file(copy).await?;
    let k = store.audit_keyring();
    let mut text = format!("{}\n", k.header());
    let head_id = head.as_ref().map_or(0, |h| h.0);
    if let Ok((_, lines)) = audit::read_anchor(&audit::anchor_path(live)) {
        for a in lines.iter().filter(|a| a.id < head_id) {
            text.push_str(&format!("{} {}\n", a.id, a.hash));
        }
    }
    if let Some((id, hash)) = head {
        text.push_str(&format!("{id} {hash}\n"));
    }
    std::fs::write(audit::anchor_path(copy), text)?;
    Ok(())
}

/// Checks every file of a backup against its manifest; names the first file that differs.
fn verify(from: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read_to_string(from.join("manifest.json"))
        .with_context(|| format!("{}：缺少 manifest.json，不是有效的备份", from.display()))?;
    let m: Manifest = serde_json::from_str(&text).context("manifest.json 格式错误")?;
    let mut listed = std::collections::BTreeSet::new();
    for e in &m.files {
        let p = from.join(&e.path);
        let (size, sha) = sha256_file(&p).with_context(|| format!("备份中缺少文件 {}", e.path))?;
        if size != e.size || sha != e.sha256 {
            bail!("备份文件 {} 与清单不符（已被修改或损坏）", e.path);
        }
        listed.insert(e.path.clone());
    }
    let mut present = Vec::new();
    walk(&from.join("files"), &mut present)?;
    for p in present {
        let rel = p
            .strip_prefix(from)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        if !listed.contains(&rel) {
            bail!("备份中有清单外的文件 {rel}");
        }
    }
    if !listed.contains("zhuanban.db") {
        bail!("备份中没有数据库文件");
    }
    Ok(m)
}

pub async fn restore(
    from: &Path,
    db: Option<&Path>,
    data: Option<PathBuf>,
    verify_only: bool,
    force: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(db) = db {
        crate::ledger_cmd::sqlite_only(db)?;
    }
    let m = verify(from)?;
    let copy = Db::open_existing(&from.join("zhuanban.db")).await?;
    let integrity = copy.integrity_check().await?;
    let audit = copy.verify_audit().await?;
    copy.close().await;
    if integrity != "ok" {
        bail!("备份数据库完整性检查失败：{integrity}");
    }
    if !audit.breaks.is_empty() {
        bail!("备份中的审计日志校验失败：{}", audit.breaks[0]);
    }
    println!(
        "备份校验通过：{} 个文件与清单一致，数据库完整，审计记录 {} 条哈希链完整",
        m.files.len(),
        audit.records
    );
    if verify_only {
        return Ok(ExitCode::SUCCESS);
    }
    let Some(db) = db else {
        bail!("请用 --db 指定恢复到的数据库文件（或用 --verify-only 只校验）");
    };
    if db.exists() && !force {
        bail!("{} 已存在；确认覆盖请加 --force", db.display());
    }
    for suffix in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    let tmp = db.with_extension("restoring");
    std::fs::copy(from.join("zhuanban.db"), &tmp)?;
    // The chain's key and anchor come with it (a backup from before keying has neither: the
    // restored database is keyed when it is opened).
    let backup_db = from.join("zhuanban.db");
    for (src, dst) in [
        (audit::key_path(&backup_db), audit::key_path(db)),
        (audit::anchor_path(&backup_db), audit::anchor_path(db)),
    ] {
        if src.exists() {
            std::fs::copy(&src, &dst).with_context(|| format!("无法恢复 {}", dst.display()))?;
        } else if dst.exists() {
            std::fs::remove_file(&dst)?;
        }
    }
    std::fs::rename(&tmp, db)?;
    let data = data.unwrap_or_else(|| data_dir_for(db));
    let mut files = Vec::new();
    walk(&from.join("files"), &mut files)?;
    for f in &files {
        let rel = f.strip_prefix(from.join("files")).unwrap_or(f);
        let dest = data.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(f, &dest)?;
    }
    let restored = Db::open_existing(db).await?;
    let check = restored.verify_audit().await?;
    restored.close().await;
    println!(
        "已恢复到 {}（佐证文件 {} 个，审计记录 {} 条）",
        db.display(),
        files.len(),
        check.records
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn purge(db: &DbArgs, before: chrono::NaiveDate) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open(db).await?;
    let tz = zhuanban_store::clock::china();
    let at = before
        .and_hms_opt(0, 0, 0)
        .and_then(|t| chrono::TimeZone::from_local_datetime(&tz, &t).single())
        .context("日期无效")?
        .with_timezone(&chrono::Utc);
    let n = store.purge_audit(at, &crate::ledger_cmd::actor(db)).await?;
    println!("已清理 {before} 之前的审计记录 {n} 条");
    Ok(ExitCode::SUCCESS)
}
