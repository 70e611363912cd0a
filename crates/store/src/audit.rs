//! The audit log's chain: each record's hash covers its fields and the previous record's hash,
//! so editing, deleting or inserting a record breaks the chain at that record.
//!
//! **Keyed.** From the point a database was keyed on (`audit_keying.keyed_from`: 1 for a
//! database created since, the next record for one migrated by `0007_audit_key.sql`) the hash
//! is an HMAC-SHA256 under a key that lives outside the database, in the file
//! `<database>.audit-key` beside it (32 random bytes in hex, mode 0600, created when the database
//! is first opened or keyed). Someone who can write the database but not read that file cannot
//! rewrite a record and recompute the hashes after it. Records before the keying point keep
//! their plain SHA-256 hashes (they cannot be re-keyed without trusting them, and re-hashing
//! would hide any earlier tampering); the first keyed record's HMAC covers the last plain hash,
//! so the plain part cannot be rewritten either.
//!
//! **Anchored.** The chain head (the record count, which is the last id, and its hash) is
//! appended to `<database>.audit-anchor`, an append-only text file beside the database: at the
//! start of every audited write (the head committed before it: appending after our own commit
//! would need a hook at thirty commit sites; appending before it could anchor a write that then
//! rolls back), after every clean `audit verify`, and at every backup (which also carries its own
//! anchor). A line costs an append without fsync (microseconds, on a save path that already
//! waits for SQLite's fsync); a line lost in a power cut only leaves the anchor behind the
//! database, never ahead of it. `audit verify` reports anchored records that are gone (a
//! truncation or deletion at the end), anchored hashes that differ, and a missing anchor file.
//! The most recent record is anchored by the next write, verify or backup.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The key file beside a database.
pub fn key_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.audit-key", db.display()))
}

/// The anchor file beside a database.
pub fn anchor_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.audit-anchor", db.display()))
}

/// The anchor file that goes with a key file given on its own (a PostgreSQL store's,
/// `ZHUANBAN_AUDIT_KEY`): beside it, `ledger.audit-key` → `ledger.audit-anchor`.
pub fn key_anchor_path(key: &Path) -> PathBuf {
    anchor_path(&key.with_extension(""))
}

/// The HMAC key of a database's audit chain, where its anchor goes, and from which record on
/// records are keyed.
#[derive(Clone)]
pub struct Keyring {
    key: [u8; 32],
    pub key_id: String,
    pub keyed_from: i64,
    /// `None` for an in-memory database.
    pub anchor: Option<PathBuf>,
    /// The last head this process anchored, so that a head is written once.
    last_anchored: Arc<Mutex<i64>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("key", &"[redacted]")
            .field("key_id", &self.key_id)
            .field("keyed_from", &self.keyed_from)
            .field("anchor", &self.anchor)
            .finish()
    }
}

/// A key's public name: the first 16 hex digits of the SHA-256 of the key.
pub fn key_id(key: &[u8; 32]) -> String {
    hex(&Sha256::digest(key))[..16].to_string()
}

/// A new random key.
pub fn new_key() -> std::io::Result<[u8; 32]> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(k)
}

/// Reads a key file (64 hex digits); `Ok(None)` when there is none.
pub fn read_key(path: &Path) -> Result<Option<[u8; 32]>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("无法读取审计密钥文件 {}：{e}", path.display())),
    };
    let t = text.trim();
    let mut k = [0u8; 32];
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "审计密钥文件 {} 格式错误（应为 64 位十六进制）",
            path.display()
        ));
    }
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    Ok(Some(k))
}

/// Writes a new key file with mode 0600; if another process created it first, reads theirs.
pub fn create_key(path: &Path) -> Result<[u8; 32], String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let key = new_key().map_err(|e| format!("无法生成审计密钥：{e}"))?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            f.write_all(format!("{}\n", hex(&key)).as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("无法写入审计密钥文件 {}：{e}", path.display()))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(path)?.ok_or_else(|| format!("审计密钥文件 {} 无法读取", path.display()))
        }
        Err(e) => Err(format!("无法创建审计密钥文件 {}：{e}", path.display())),
    }
}

impl Keyring {
    pub fn new(key: [u8; 32], keyed_from: i64, anchor: Option<PathBuf>) -> Self {
        Keyring {
            key_id: key_id(&key),
            key,
            keyed_from,
            anchor,
            last_anchored: Arc::new(Mutex::new(-1)),
        }
    }

    /// The hash of record `e`: keyed from `keyed_from` on, plain before.
    pub fn hash(&self, prev: &str, e: &Entry<'_>) -> String {
        if e.id >= self.keyed_from {
            keyed_hash(&self.key, prev, e)
        } else {
            hash(prev, e)
        }
    }

    /// The anchor file's first line.
    pub fn header(&self) -> String {
        format!(
            "# zhuanban audit anchor; key {}; keyed from {}",
            self.key_id, self.keyed_from
        )
    }

    /// Creates the anchor file with its header when it does not exist.
    pub fn create_anchor(&self) -> std::io::Result<()> {
        let Some(path) = &self.anchor else {
            return Ok(());
        };
        match std::fs::OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut f) => f.write_all(format!("{}\n", self.header()).as_bytes()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Appends the head (count = last id, hash) unless this process anchored it already.
    pub fn anchor(&self, id: i64, hash: &str) -> std::io::Result<()> {
        let Some(path) = &self.anchor else {
            return Ok(());
        };
        let mut last = self.last_anchored.lock().unwrap_or_else(|e| e.into_inner());
        if *last == id {
            return Ok(());
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
        f.write_all(format!("{id} {hash}\n").as_bytes())?;
        *last = id;
        Ok(())
    }
}

/// Keyrings of the databases this process opened, by database (SQLite's name for the file, a
/// PostgreSQL URL with its key file), so that a second store on the same database shares the
/// first one's keyring and its anchor state.
static KEYRINGS: LazyLock<Mutex<HashMap<String, Arc<Keyring>>>> = LazyLock::new(Default::default);

pub(crate) fn register(file: &str, k: Keyring) -> Arc<Keyring> {
    let k = Arc::new(k);
    let mut map = KEYRINGS.lock().unwrap_or_else(|e| e.into_inner());
    // A second store on the same file shares the first one's keyring (and its anchor state).
    Arc::clone(map.entry(file.to_owned()).or_insert(k))
}

/// One line of the anchor file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchored {
    pub id: i64,
    pub hash: String,
}

/// An anchor file's header (key id, keyed from), if it has a readable one, and its lines.
pub type AnchorFile = (Option<(String, i64)>, Vec<Anchored>);

/// The anchor file: its header's (key id, keyed from) and its lines.
pub fn read_anchor(path: &Path) -> std::io::Result<AnchorFile> {
    let text = std::fs::read_to_string(path)?;
    let mut header = None;
    let mut lines = Vec::new();
    for l in text.lines() {
        if let Some(h) = l.strip_prefix("# zhuanban audit anchor; key ") {
            if let Some((key, from)) = h.split_once("; keyed from ")
                && let Ok(from) = from.trim().parse()
            {
                header = Some((key.to_owned(), from));
            }
            continue;
        }
        if let Some((id, hash)) = l.split_once(' ')
            && let Ok(id) = id.parse()
        {
            lines.push(Anchored {
                id,
                hash: hash.trim().to_owned(),
            });
        }
    }
    Ok((header, lines))
}

/// The hash of the record before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an audit record that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub source: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub result: &'a str,
}

fn field(update: &mut impl FnMut(&[u8]), s: Option<&str>) {
    match s {
        // Length-prefixed so that no two field sequences hash alike.
        Some(s) => {
            update(&(s.len() as u64).to_be_bytes());
            update(s.as_bytes());
        }
        None => update(&u64::MAX.to_be_bytes()),
    }
}

/// The plain hash of a record given the previous record's hash (hex): the records before a
/// database was keyed.
pub fn hash(prev: &str, e: &Entry<'_>) -> String {
    let mut h = Sha256::new();
    feed(&mut |b: &[u8]| h.update(b), prev, e);
    hex(&h.finalize())
}

/// The keyed hash of a record: HMAC-SHA256 under the database's audit key, over a domain tag
/// and the same bytes as the plain hash.
pub fn keyed_hash(key: &[u8; 32], prev: &str, e: &Entry<'_>) -> String {
    let mut m = <hmac::Hmac<sha2_keyed::Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC takes a key of any length");
    m.update(b"zhuanban-audit-v2\0");
    feed(&mut |b: &[u8]| m.update(b), prev, e);
    hex(&m.finalize().into_bytes())
}

fn feed(update: &mut impl FnMut(&[u8]), prev: &str, e: &Entry<'_>) {
    update(prev.as_bytes());
    update(&e.id.to_be_bytes());
    for f in [
        Some(e.at),
        Some(e.actor),
        Some(e.source),
        Some(e.action),
        Some(e.object),
        e.before,
        e.after,
        Some(e.result),
    ] {
        field(update, f);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A break in the chain, naming the record where it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The record's contents do not match its hash: it was edited.
    Edited { id: i64 },
    /// The record does not follow the one before it: a record was deleted before it, or it was
    /// inserted.
    Unlinked { id: i64, expected_prev: String },
    /// Ids are not consecutive: records between were deleted.
    Gap { after: i64, next: i64 },
    /// A record the anchor file holds is gone: the log was truncated or its end deleted.
    Truncated { anchored: i64, last: i64 },
    /// A record's hash differs from the one the anchor file holds for it.
    AnchorDiffers { id: i64 },
    /// The anchor file is missing, or belongs to another key or keying point.
    AnchorLost { reason: String },
    /// The key file is missing or is not the key the chain was written with.
    KeyLost { reason: String },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Edited { id } => write!(f, "审计记录 #{id} 的内容与其哈希不符（记录被修改）"),
            Break::Unlinked { id, .. } => {
                write!(
                    f,
                    "审计记录 #{id} 未接续前一条记录（其前有记录被删除，或本条为插入）"
                )
            }
            Break::Gap { after, next } => {
                write!(f, "审计记录 #{after} 与 #{next} 之间的记录缺失（被删除）")
            }
            Break::Truncated { anchored, last } => {
                if *last == 0 {
                    write!(
                        f,
                        "审计日志已被清空：锚定文件记有 #{anchored}，现在一条记录也没有（记录被删除）"
                    )
                } else {
                    write!(
                        f,
                        "审计日志末尾的记录缺失：锚定文件记有 #{anchored}，现在最后一条是 #{last}（末尾记录被删除或日志被截断）"
                    )
                }
            }
            Break::AnchorDiffers { id } => {
                write!(f, "审计记录 #{id} 的哈希与锚定文件所记不符（记录链被改写）")
            }
            Break::AnchorLost { reason } => write!(f, "审计锚定文件异常：{reason}"),
            Break::KeyLost { reason } => write!(f, "审计密钥异常：{reason}"),
        }
    }
}
