//! Plans brought in through the desk: the upload of a plan document.

use axum::extract::Multipart;

/// A plan document as uploaded.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    /// The plan the document is a revised version of (field `plan`), if any.
    pub revises: Option<zhuanban_ledger::Id>,
}

/// A multipart upload of a plan document: field `file` (within `max` bytes) and, optionally,
/// `plan`, the plan it revises.
pub async fn read_upload(mut mp: Multipart, max: usize) -> Result<Upload, String> {
    let mut file = None;
    let mut revises = None;
    while let Ok(Some(f)) = mp.next_field().await {
        if f.name() == Some("plan") {
            let v = f.text().await.unwrap_or_default();
            let v = v.trim();
            if !v.is_empty() {
                revises = Some(v.parse().map_err(|_| format!("方案编号“{v}”应为数字"))?);
            }
            continue;
        }
        if f.name() != Some("file") {
            continue;
        }
        let name = crate::evidence::sanitize_name(f.file_name().unwrap_or("方案文件"));
        let bytes = f
            .bytes()
            .await
            .map_err(|e| format!("“{name}”未能完整上传：{e}"))?;
        if bytes.is_empty() {
            return Err(format!("“{name}”是空文件"));
        }
        if bytes.len() > max {
            return Err(format!("“{name}”超过{}MB，未上传", max / (1024 * 1024)));
        }
        file = Some((name, bytes.to_vec()));
    }
    let (name, bytes) = file.ok_or("请选择要上传的方案文件（表单字段 file）")?;
    Ok(Upload {
        name,
        bytes,
        revises,
    })
}
