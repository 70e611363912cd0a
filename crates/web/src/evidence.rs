//! Evidence files: type checked by content (not by name), size limited, stored by SHA-256
//! under the data folder (never a served directory), served as attachments.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zhuanban_ledger::EvidenceRef;

/// The file types accepted, by their content signature, with the extensions each may carry.
const KINDS: &[(&str, &[&str], &str)] = &[
    ("pdf", &["pdf"], "application/pdf"),
    ("png", &["png"], "image/png"),
    ("jpeg", &["jpg", "jpeg"], "image/jpeg"),
    (
        "docx",
        &["docx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        &["xlsx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ole", &["doc", "xls"], "application/octet-stream"),
];

fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // Office Open XML: the part names tell Word from Excel.
        let window = &bytes[..bytes.len().min(64 * 1024)];
        let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        if has(b"word/") {
            Some("docx")
        } else if has(b"xl/") {
            Some("xlsx")
        } else {
            None
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("ole")
    } else {
        None
    }
}

/// Checks an uploaded file: not empty, within the size limit, of an accepted type whose
/// content matches its name. The message names the file and the reason.
pub fn check(name: &str, bytes: &[u8], max: usize) -> Result<EvidenceRef, String> {
    let name = sanitize_name(name);
    if bytes.is_empty() {
        return Err(format!("“{name}”是空文件"));
    }
    if bytes.len() > max {
        return Err(format!(
            "“{name}”大小为 {:.1} MB，超过上限 {:.0} MB",
            bytes.len() as f64 / 1_048_576.0,
            max as f64 / 1_048_576.0
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(kind) = sniff(bytes) else {
        return Err(format!(
            "“{name}”的内容不是可接受的文件类型（仅接受 PDF、图片、Word、Excel）"
        ));
    };
    let (_, exts, mime) = KINDS
        .iter()
        .find(|k| k.0 == kind)
        .copied()
        .unwrap_or(KINDS[0]);
    if !exts.contains(&ext.as_str()) {
        return Err(format!(
            "“{name}”的扩展名与文件内容不符（内容是 {kind} 文件）"
        ));
    }
    let sha = Sha256::digest(bytes);
    Ok(EvidenceRef {
        sha256: sha.iter().map(|b| format!("{b:02x}")).collect(),
        name,
        size: bytes.len() as u64,
        mime: mime.to_string(),
    })
}

/// Keeps a file name printable and short; drops any folder part.
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "附件".into()
    } else {
        clean
    }
}

/// Where a file with this hash lives.
pub fn path_for(data_dir: &Path, sha256: &str) -> Option<PathBuf> {
    if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(data_dir.join("evidence").join(&sha256[..2]).join(sha256))
}

/// Writes a checked file to its place (once; the same content is stored once).
pub async fn store(data_dir: &Path, e: &EvidenceRef, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_for(data_dir, &e.sha256).ok_or_else(|| std::io::Error::other("bad hash"))?;
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension("part");
    tokio::fs::write(&tmp, bytes).await?;
    let f = tokio::fs::File::open(&tmp).await?;
    f.sync_all().await?;
    tokio::fs::rename(&tmp, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides() {
        assert_eq!(
            check("a.pdf", b"%PDF-1.7 x", 100).unwrap().mime,
            "application/pdf"
        );
        assert!(
            check("a.pdf", b"MZ\x90\x00 exe", 100)
                .unwrap_err()
                .contains("不是可接受的文件类型")
        );
        assert!(
            check("a.png", b"%PDF-1.7 x", 100)
                .unwrap_err()
                .contains("扩展名与文件内容不符")
        );
        assert!(
            check("a.pdf", &[b'%'; 200], 100)
                .unwrap_err()
                .contains("超过上限")
        );
        assert!(check("a.pdf", b"", 100).unwrap_err().contains("空文件"));
        assert_eq!(sanitize_name("..\\..\\evil<x>.pdf"), "evilx.pdf");
        assert!(path_for(Path::new("/d"), "../../etc/passwd").is_none());
    }
}
