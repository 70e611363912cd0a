//! Reading the paragraphs of a .docx file (being written).
#[derive(Debug, thiserror::Error)]
#[error("暂不支持读取 .docx 文件")]
pub struct DocxError;
pub fn text(_bytes: &[u8]) -> Result<String, DocxError> {
    Err(DocxError)
}
