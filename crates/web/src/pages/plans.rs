//! Plans brought in through the desk: the upload of a plan document.

use axum::extract::Multipart;

/// The file of a multipart upload (field `file`): its name and bytes, within `max` bytes.
pub async fn read_upload(mut mp: Multipart, max: usize) -> Result<(String, Vec<u8>), String> {
    while let Ok(Some(f)) = mp.next_field().await {
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
        return Ok((name, bytes.to_vec()));
    }
    Err("请选择要上传的方案文件（表单字段 file）".into())
}
