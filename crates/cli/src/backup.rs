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
//!
//! A PostgreSQL ledger (`--db postgres://…`) is backed up with PostgreSQL's own client tools,
//! `pg_dump` and `pg_restore` (found on `PATH`, else in the newest `/usr/lib/postgresql/*/bin`;
//! Debian's `postgresql-client` package): `zhuanban.pgdump` (`pg_dump -Fc`, custom format) takes
//! the place of `zhuanban.db`. The dump reads a snapshot the backup exports
//! (`pg_dump --snapshot`), and the manifest's audit head, record count and evidence list are read
//! in that same snapshot, so they describe the dump while servers keep writing. The audit key is
//! the file `ZHUANBAN_AUDIT_KEY` names (it travels as `zhuanban.pgdump.audit-key`, the anchor as
//! `zhuanban.pgdump.audit-anchor`); evidence comes from `--data` (required, as for `serve`).
//! `restore` goes only into an empty database (no tables), with
//! `pg_restore --single-transaction --exit-on-error --no-owner --no-privileges`; it puts the key
//! where `ZHUANBAN_AUDIT_KEY` says (refusing to replace a different key there) and the anchor
//! beside it, then opens the restored ledger and verifies its audit chain against the manifest.
//! A password in the URL is given to the tools in `PGPASSWORD`, never on their command line,
//! and never printed.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhuanban_store::{Db, Store, audit};

use crate::DbArgs;
use crate::output::outln;
use crate::serve::data_dir_for;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    created_at: String,
    source: String,
    /// `sqlite` (`zhuanban.db`) or `postgresql` (`zhuanban.pgdump`); backups from before this
    /// field are SQLite ones.
    #[serde(default = "sqlite_kind")]
    database: String,
    audit_records: usize,
    /// The last audit record of the copy (PostgreSQL backups; a SQLite copy is read directly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_head: Option<(i64, String)>,
    files: Vec<FileEntry>,
}

const SQLITE: &str = "sqlite";
const POSTGRESQL: &str = "postgresql";
/// The database file of a SQLite backup, and the dump of a PostgreSQL one.
const SQLITE_COPY: &str = "zhuanban.db";
const PG_DUMP: &str = "zhuanban.pgdump";

fn sqlite_kind() -> String {
    SQLITE.to_string()
}

impl Manifest {
    fn copy_name(&self) -> &'static str {
        if self.database == POSTGRESQL {
            PG_DUMP
        } else {
            SQLITE_COPY
        }
    }
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
    let pg = crate::ledger_cmd::postgres_url(&db.db);
    if pg.is_some() && data.is_none() {
        bail!("备份 PostgreSQL 数据库时须以 --data 指定佐证材料的存放目录（即 serve 的 --data）");
    }
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!("{} 已存在且不为空：备份需要一个新目录", out.display());
    }
    let made = !out.exists();
    std::fs::create_dir_all(out).with_context(|| format!("无法创建目录 {}", out.display()))?;
    let done = backup_into(db, pg, out, data).await;
    if done.is_err() {
        // A failed backup leaves no half-written folder to be mistaken for one.
        if made {
            let _ = std::fs::remove_dir_all(out);
        } else if let Ok(entries) = std::fs::read_dir(out) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
    done
}

/// What a backup copied of the database: the copy's file name in the folder, and what its
/// manifest says of it.
struct Copied {
    copy: PathBuf,
    database: &'static str,
    source: String,
    audit_records: usize,
    audit_head: Option<(i64, String)>,
    /// The evidence files the copy refers to (their SHA-256).
    wanted: Vec<String>,
    /// Where to look for them.
    dirs: Vec<PathBuf>,
}

async fn backup_into(
    db: &DbArgs,
    pg: Option<&str>,
    out: &Path,
    data: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open(db).await?;
    store.anchor_audit_head().await?;
    let copied = match pg {
        Some(url) => {
            let data = data.context("--data")?;
            copy_postgres(&store, url, out, data).await?
        }
        None => copy_sqlite(&store, &db.db, out, data).await?,
    };
    // Evidence files: content-addressed, written before the rows that refer to them, in the
    // data folder given, or else in every layout a data folder has had.
    let dirs = &copied.dirs;
    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for data in dirs {
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
    let missing: Vec<&String> = copied
        .wanted
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
    let db_copy = &copied.copy;
    let mut all = vec![
        db_copy.clone(),
        audit::key_path(db_copy),
        audit::anchor_path(db_copy),
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
        source: copied.source,
        database: copied.database.to_string(),
        audit_records: copied.audit_records,
        audit_head: copied.audit_head,
        files: entries,
    };
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    outln!(
        "已备份到 {}：数据库与 {} 个佐证文件，审计记录 {} 条",
        out.display(),
        files.len(),
        copied.audit_records
    );
    Ok(ExitCode::SUCCESS)
}

/// A SQLite ledger's copy: `VACUUM INTO` while others write, its key and anchor beside it.
async fn copy_sqlite(
    store: &Db,
    live: &Path,
    out: &Path,
    data: Option<PathBuf>,
) -> anyhow::Result<Copied> {
    let db_copy = out.join(SQLITE_COPY);
    store.backup_into(&db_copy).await?;
    // The copy's head, read from the copy itself without opening it as a store.
    let head = Db::audit_head_of_file(&db_copy).await?;
    write_audit_files(
        store,
        &audit::key_path(live),
        &audit::anchor_path(live),
        &db_copy,
        head,
    )?;
    let copy = Db::open_existing(&db_copy).await?;
    let audit_records = copy.verify_audit().await?.records;
    copy.close().await;
    Ok(Copied {
        wanted: Db::evidence_hashes_of_file(&db_copy).await?,
        copy: db_copy,
        database: SQLITE,
        source: live.display().to_string(),
        audit_records,
        audit_head: None,
        dirs: match data {
            Some(d) => vec![d],
            None => data_dirs_for(live),
        },
    })
}

/// A PostgreSQL ledger's copy: `pg_dump -Fc` of a snapshot exported for it, and what the
/// manifest says read in that snapshot; the key `ZHUANBAN_AUDIT_KEY` names and an anchor
/// ending at the snapshot's head beside the dump.
async fn copy_postgres(store: &Db, url: &str, out: &Path, data: PathBuf) -> anyhow::Result<Copied> {
    let key = audit_key_file()?;
    let pg_dump = pg_tool("pg_dump")?;
    let snap = store
        .pg_snapshot()
        .await?
        .context("不是 PostgreSQL 数据库")?;
    let dump = out.join(PG_DUMP);
    let conn = PgConn::parse(url);
    let dumped = run_pg_tool(
        Command::new(&pg_dump)
            .args(["--format=custom", "--snapshot", &snap.id, "--file"])
            .arg(&dump)
            .args(["--dbname", &conn.url]),
        &conn,
        "pg_dump",
    );
    let (head, records, wanted) = (
        snap.audit_head.clone(),
        snap.audit_records,
        snap.evidence.clone(),
    );
    snap.release().await?;
    dumped?;
    write_audit_files(
        store,
        &key,
        &audit::key_anchor_path(&key),
        &dump,
        head.clone(),
    )?;
    Ok(Copied {
        copy: dump,
        database: POSTGRESQL,
        source: conn.url,
        audit_records: usize::try_from(records).unwrap_or_default(),
        audit_head: head,
        wanted,
        dirs: vec![data],
    })
}

/// The audit key file a PostgreSQL ledger's commands use (`ZHUANBAN_AUDIT_KEY`).
fn audit_key_file() -> anyhow::Result<PathBuf> {
    std::env::var_os("ZHUANBAN_AUDIT_KEY")
        .map(PathBuf::from)
        .context("使用 PostgreSQL 时须以环境变量 ZHUANBAN_AUDIT_KEY 指定审计密钥文件的路径（各服务器使用同一密钥文件）")
}

/// A PostgreSQL URL as the client tools get it: without its password (which goes in
/// `PGPASSWORD`, not on a command line others can read).
struct PgConn {
    url: String,
    password: Option<String>,
}

impl PgConn {
    /// `postgres://user:password@host:port/db?…&password=…` → `postgres://user@host:port/db?…`
    /// and the password (percent-decoded), from the user part or the `password` parameter.
    fn parse(url: &str) -> PgConn {
        let Some((scheme, rest)) = url.split_once("://") else {
            return PgConn {
                url: url.to_string(),
                password: None,
            };
        };
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let mut password = None;
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, pw)) => {
                    password = Some(percent_decode(pw));
                    format!("{user}@{host}")
                }
                None => authority.to_string(),
            },
            None => authority.to_string(),
        };
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.strip_prefix("password=") {
                Some(pw) => password = Some(percent_decode(pw)),
                None => kept.push(pair),
            }
        }
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        PgConn {
            url: format!("{scheme}://{authority}{path}{query}"),
            password,
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`): on `PATH`, else in the newest
/// `/usr/lib/postgresql/VERSION/bin`.
fn pg_tool(name: &str) -> anyhow::Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if let Some(p) = on_path {
        return Ok(p);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let p = e.path().join("bin").join(name);
            p.is_file().then_some((v, p))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().next().map(|v| v.1).with_context(|| {
        format!(
            "找不到 PostgreSQL 工具 {name}（PATH 与 /usr/lib/postgresql/*/bin 中都没有）：请安装 postgresql-client"
        )
    })
}

/// Runs a PostgreSQL client tool with the connection's password in its environment; a
/// failure gives the tool's own message (which names the cause, never the password).
fn run_pg_tool(cmd: &mut Command, conn: &PgConn, what: &str) -> anyhow::Result<()> {
    if let Some(pw) = &conn.password {
        cmd.env("PGPASSWORD", pw);
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("无法运行 {what}"))?;
    if !out.status.success() {
        let mut err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if let Some(pw) = conn.password.as_deref().filter(|p| !p.is_empty()) {
            err = err.replace(pw, "***");
        }
        bail!("{what} 失败（{}）：{err}", out.status);
    }
    Ok(())
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

/// Puts the audit key and an anchor ending at the copy's head beside the copy: the live key
/// file, and the live anchor's lines before the head.
fn write_audit_files(
    store: &Db,
    live_key: &Path,
    live_anchor: &Path,
    copy: &Path,
    head: Option<(i64, String)>,
) -> anyhow::Result<()> {
    let key_copy = audit::key_path(copy);
    std::fs::copy(live_key, &key_copy)
        .with_context(|| format!("无法复制审计密钥 {}", live_key.display()))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key_copy, std::fs::Permissions::from_mode(0o600))?;
    }
    let k = store.audit_keyring();
    let mut text = format!("{}\n", k.header());
    let head_id = head.as_ref().map_or(0, |h| h.0);
    if let Ok((_, lines)) = audit::read_anchor(live_anchor) {
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
    if !listed.contains(m.copy_name()) {
        bail!("备份中没有数据库文件");
    }
    if m.database == POSTGRESQL && !listed.contains(&format!("{PG_DUMP}.audit-key")) {
        bail!("备份中没有审计密钥文件（{PG_DUMP}.audit-key）");
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
    let m = verify(from)?;
    let pg = db.and_then(crate::ledger_cmd::postgres_url);
    if m.database == POSTGRESQL {
        if db.is_some() && pg.is_none() {
            bail!(
                "此备份来自 PostgreSQL 数据库，只能恢复到 PostgreSQL 数据库（--db postgres://…）"
            );
        }
        return restore_postgres(from, &m, pg, data, verify_only).await;
    }
    if pg.is_some() {
        bail!(
            "此备份来自 SQLite 数据库文件，不能直接恢复到 PostgreSQL 数据库：请恢复到 SQLite 文件"
        );
    }
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
    outln!(
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
    outln!(
        "已恢复到 {}（佐证文件 {} 个，审计记录 {} 条）",
        db.display(),
        files.len(),
        check.records
    );
    Ok(ExitCode::SUCCESS)
}

/// `restore` of a PostgreSQL backup (see the module docs): the dump must be readable; it goes
/// only into an empty database.
async fn restore_postgres(
    from: &Path,
    m: &Manifest,
    url: Option<&str>,
    data: Option<PathBuf>,
    verify_only: bool,
) -> anyhow::Result<ExitCode> {
    let pg_restore = pg_tool("pg_restore")?;
    let dump = from.join(PG_DUMP);
    // The dump's table of contents reads back (its bytes are the manifest's already).
    let listed = Command::new(&pg_restore)
        .arg("--list")
        .arg(&dump)
        .stdin(std::process::Stdio::null())
        .output()
        .context("无法运行 pg_restore")?;
    if !listed.status.success() {
        bail!(
            "备份中的 PostgreSQL 转储 {PG_DUMP} 无法读取：{}",
            String::from_utf8_lossy(&listed.stderr).trim()
        );
    }
    outln!(
        "备份校验通过：{} 个文件与清单一致，PostgreSQL 转储可读，审计记录 {} 条",
        m.files.len(),
        m.audit_records
    );
    if verify_only {
        return Ok(ExitCode::SUCCESS);
    }
    let Some(url) = url else {
        bail!("请用 --db postgres://… 指定恢复到的 PostgreSQL 数据库（或用 --verify-only 只校验）");
    };
    let Some(data) = data else {
        bail!("恢复到 PostgreSQL 数据库时须以 --data 指定佐证材料的存放目录（即 serve 的 --data）");
    };
    let key = audit_key_file()?;
    let conn = PgConn::parse(url);
    let tables = zhuanban_store::pg_user_tables(url)
        .await
        .context("无法连接 PostgreSQL 数据库")?;
    if let Some(first) = tables.first() {
        bail!(
            "PostgreSQL 数据库 {} 不是空的（已有 {} 张表，如 {first}）：只能恢复到空数据库，--force 也不覆盖；请新建一个空数据库（如 createdb）后重试",
            conn.url,
            tables.len()
        );
    }
    let backup_key = std::fs::read(audit::key_path(&dump))?;
    if key.exists() {
        let there = std::fs::read(&key)
            .with_context(|| format!("无法读取审计密钥文件 {}", key.display()))?;
        if there != backup_key {
            bail!(
                "审计密钥文件 {} 已存在且不是备份中的密钥：不予覆盖（其他数据库可能在用它）；请将 ZHUANBAN_AUDIT_KEY 指向一个新路径",
                key.display()
            );
        }
    }
    run_pg_tool(
        Command::new(&pg_restore)
            .args([
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                "--dbname",
                &conn.url,
            ])
            .arg(&dump),
        &conn,
        "pg_restore",
    )?;
    // The chain's key and an anchor ending at the backup's head.
    if let Some(dir) = key.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    }
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&key)
            .with_context(|| format!("无法写入审计密钥文件 {}", key.display()))?;
        f.write_all(&backup_key)?;
        f.sync_all()?;
    }
    let anchor = audit::key_anchor_path(&key);
    std::fs::copy(audit::anchor_path(&dump), &anchor)
        .with_context(|| format!("无法恢复 {}", anchor.display()))?;
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
    let restored = crate::ledger_cmd::open_path(Path::new(url), false).await?;
    let check = restored.verify_audit().await?;
    let head = restored.anchor_audit_head().await?;
    restored.close().await;
    if let Some(b) = check.breaks.first() {
        bail!("恢复后的审计日志校验失败：{b}");
    }
    if check.records != m.audit_records || head != m.audit_head {
        bail!(
            "恢复后的审计日志与备份清单不符：审计记录 {} 条（清单 {} 条），末条 {:?}（清单 {:?}）",
            check.records,
            m.audit_records,
            head.map(|h| h.0),
            m.audit_head.as_ref().map(|h| h.0)
        );
    }
    outln!(
        "已恢复到 {}（佐证文件 {} 个，审计记录 {} 条，哈希链完整）",
        conn.url,
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
    outln!("已清理 {before} 之前的审计记录 {n} 条");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_the_tools_see() {
        for (url, bare, pw) in [
            (
                "postgres://clerk:s3cr%40t@db.example:5432/ledger?sslmode=require",
                "postgres://clerk@db.example:5432/ledger?sslmode=require",
                Some("s3cr@t"),
            ),
            (
                "postgresql://clerk@db/ledger?password=p%25w&sslmode=disable",
                "postgresql://clerk@db/ledger?sslmode=disable",
                Some("p%w"),
            ),
            (
                "postgres://clerk@db/ledger",
                "postgres://clerk@db/ledger",
                None,
            ),
            ("postgres://a:b@c", "postgres://a@c", Some("b")),
            ("postgres://a:%中%4@c/d", "postgres://a@c/d", Some("%中%4")),
        ] {
            let c = PgConn::parse(url);
            assert_eq!(c.url, bare, "{url}");
            assert_eq!(c.password.as_deref(), pw, "{url}");
        }
    }
}
