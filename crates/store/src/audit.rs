//! The audit log's hash chain: each record's hash covers its fields and the previous record's
//! hash, so editing, deleting or inserting a record breaks the chain at that record.

use sha2::{Digest, Sha256};

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

fn field(h: &mut Sha256, s: Option<&str>) {
    match s {
        // Length-prefixed so that no two field sequences hash alike.
        Some(s) => {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
        None => h.update(u64::MAX.to_be_bytes()),
    }
}

/// The hash of a record given the previous record's hash (hex).
pub fn hash(prev: &str, e: &Entry<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(e.id.to_be_bytes());
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
        field(&mut h, f);
    }
    hex(&h.finalize())
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
        }
    }
}
