//! Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK, .docx, and task
//! tables in .xlsx, .xls, .ods, CSV and HTML pages (laid out as text by `table`).
//!
//! The format is detected from the bytes, never guessed from a file name: a ZIP archive is
//! .docx, .xlsx or .ods by its entries; an OLE compound file is a legacy .xls (or a .doc,
//! refused); a BOM decides; valid UTF-8 is UTF-8; otherwise `chardetng` is asked, and GBK is
//! decoded as GB18030 (its superset). Decoded text that is an HTML page or CSV is read as such.

use std::fmt;

use serde::Serialize;

use crate::docx;
use crate::sheet::{self, SheetKind, ZipKind};

/// What the bytes were found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    Utf8,
    Utf8Bom,
    Utf16,
    Gb18030,
    /// Another legacy encoding chardetng recognised (Big5 for traditional-character texts).
    Big5,
    Docx,
    Xlsx,
    Xls,
    Ods,
    Csv,
    Html,
    /// A PDF's text layer (read from `pdftotext -bbox-layout` by [`decode_pdf_layout`]).
    Pdf,
    /// A legacy Word or WPS document (.doc, .wps), converted to .docx by LibreOffice.
    Doc,
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceFormat::Utf8 => "UTF-8",
            SourceFormat::Utf8Bom => "UTF-8 (BOM)",
            SourceFormat::Utf16 => "UTF-16",
            SourceFormat::Gb18030 => "GB18030",
            SourceFormat::Big5 => "Big5",
            SourceFormat::Docx => ".docx",
            SourceFormat::Xlsx => ".xlsx",
            SourceFormat::Xls => ".xls",
            SourceFormat::Ods => ".ods",
            SourceFormat::Csv => "CSV",
            SourceFormat::Html => "HTML",
            SourceFormat::Pdf => "PDF",
            SourceFormat::Doc => ".doc/.wps",
        })
    }
}

/// Decoded text and what it was decoded from.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub format: SourceFormat,
}

/// Why bytes could not be read as a plan at all.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("文件为空")]
    Empty,
    #[error("文件内容为空白，没有可读取的文字")]
    Blank,
    #[error("不是文本文件（含有二进制数据，第 {offset} 字节附近）")]
    Binary { offset: usize },
    #[error("无法识别的文字编码（既不是 UTF-8，也不是 GB18030/GBK）")]
    UnknownEncoding,
    #[error("{0}")]
    Docx(#[from] docx::DocxError),
    #[error("{0}")]
    Sheet(#[from] sheet::SheetError),
    #[error("这是 OpenDocument 文本（.odt）文件，暂不能直接读取；请另存为 .docx 后再导入")]
    Odt,
    #[error(
        "这是 PDF 文件，暂不能直接读取；请用 Word 打开另存为 .docx，或复制其中的文字后粘贴导入"
    )]
    Pdf,
    #[error("{0}")]
    PdfLayout(#[from] crate::pdf::PdfError),
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Decodes a plan file's bytes into text.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        match sheet::zip_kind(bytes) {
            Some(ZipKind::Xlsx) => {
                return finish(sheet::text(bytes, SheetKind::Xlsx)?, SourceFormat::Xlsx);
            }
            Some(ZipKind::Ods) => {
                return finish(sheet::text(bytes, SheetKind::Ods)?, SourceFormat::Ods);
            }
            Some(ZipKind::Odt) => return Err(DecodeError::Odt),
            Some(ZipKind::Docx) | None => {}
        }
        let text = docx::text(bytes)?;
        return finish(text, SourceFormat::Docx);
    }
    if is_pdf(bytes) {
        return Err(DecodeError::Pdf);
    }
    if bytes.starts_with(OLE_MAGIC) {
        // A legacy .xls; anything else in an OLE file (.doc, an encrypted document) is refused.
        return match sheet::text(bytes, SheetKind::Xls) {
            Ok(text) => finish(text, SourceFormat::Xls),
            Err(e @ sheet::SheetError::NoTaskTable { .. }) => Err(e.into()),
            Err(_) => Err(docx::DocxError::LegacyOrEncrypted.into()),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = String::from_utf8_lossy(rest).into_owned();
        return finish(check_text(text)?, SourceFormat::Utf8Bom);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes); // the BOM picks LE or BE
        return finish(check_text(text.into_owned())?, SourceFormat::Utf16);
    }
    if let Some(offset) = binary_offset(bytes) {
        return Err(DecodeError::Binary { offset });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return finish(check_text(text.to_owned())?, SourceFormat::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), true);
    let (encoding, format) = if guess == encoding_rs::BIG5 {
        (encoding_rs::BIG5, SourceFormat::Big5)
    } else {
        (encoding_rs::GB18030, SourceFormat::Gb18030)
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors {
        // Not GB18030 either: count how much is broken before giving up.
        let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
        if bad * 50 > text.chars().count().max(1) {
            return Err(DecodeError::UnknownEncoding);
        }
    }
    finish(check_text(text.into_owned())?, format)
}

/// Decodes a PDF's text layer as `pdftotext -bbox-layout` gives it (running it is the
/// caller's business): text, with task tables rebuilt from the words' positions.
pub fn decode_pdf_layout(xhtml: &str) -> Result<Decoded, DecodeError> {
    let text = crate::pdf::read_layout(xhtml)?;
    if text.trim().is_empty() {
        return Err(crate::pdf::PdfError::NoText.into());
    }
    Ok(Decoded {
        text,
        format: SourceFormat::Pdf,
    })
}

/// Whether the bytes are a PDF file.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Whether the bytes are an OLE compound file (a legacy .doc, .wps, .xls or .et).
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(OLE_MAGIC)
}

fn finish(text: String, format: SourceFormat) -> Result<Decoded, DecodeError> {
    let (text, format) = text_kind(text, format);
    if text.trim().is_empty() {
        return Err(DecodeError::Blank);
    }
    Ok(Decoded { text, format })
}

/// Decoded text that is an HTML page or a CSV task table is read as such.
fn text_kind(text: String, format: SourceFormat) -> (String, SourceFormat) {
    if !matches!(
        format,
        SourceFormat::Utf8
            | SourceFormat::Utf8Bom
            | SourceFormat::Utf16
            | SourceFormat::Gb18030
            | SourceFormat::Big5
    ) {
        return (text, format);
    }
    if crate::html::looks_like_html(&text) {
        return (crate::html::text(&text), SourceFormat::Html);
    }
    match sheet::csv_table(&text) {
        Some(t) => (t.to_text(), SourceFormat::Csv),
        None => (text, format),
    }
}

/// A NUL byte, or many control bytes, mean the file is not text.
fn binary_offset(bytes: &[u8]) -> Option<usize> {
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        return Some(i);
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    if controls * 20 > sample.len() {
        sample
            .iter()
            .position(|&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
    } else {
        None
    }
}

fn check_text(text: String) -> Result<String, DecodeError> {
    if let Some((i, _)) = text.char_indices().find(|&(_, c)| c == '\0') {
        return Err(DecodeError::Binary { offset: i });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode("一、工作目标".as_bytes()).unwrap();
        assert_eq!(
            (d.text.as_str(), d.format),
            ("一、工作目标", SourceFormat::Utf8)
        );
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice("一、工作目标".as_bytes());
        let d = decode(&b).unwrap();
        assert_eq!(
            (d.text.as_str(), d.format),
            ("一、工作目标", SourceFormat::Utf8Bom)
        );
    }

    #[test]
    fn gb18030_is_detected_from_bytes() {
        let text =
            "一、工作目标\n力争地区生产总值增长7%，完成3个老旧小区改造。（区发改财政局负责）";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.format, SourceFormat::Gb18030);
        assert_eq!(d.text, text);
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "二、任务".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&b).unwrap();
        assert_eq!(
            (d.text.as_str(), d.format),
            ("二、任务", SourceFormat::Utf16)
        );
    }

    #[test]
    fn empty_blank_and_binary_are_refused() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty)));
        assert!(matches!(decode(b" \n\r\n\t "), Err(DecodeError::Blank)));
        assert!(matches!(
            decode(b"\x7fELF\x02\x01\x01\x00\x00"),
            Err(DecodeError::Binary { offset: 7 })
        ));
        assert!(matches!(
            decode(b"PK\x03\x04garbage"),
            Err(DecodeError::Docx(_))
        ));
    }
}
