//! Downloads: one way to name a file in `Content-Disposition`, used by every download.
//!
//! The header carries an ASCII `filename` (what old clients show: the name's ASCII letters,
//! digits, `-` and `_`, anything else as `_`, ending in the real extension, `download.<ext>`
//! when nothing ASCII is left) and the real name as RFC 5987 `filename*=UTF-8''…`, which every
//! current browser prefers. Every download is an attachment with `nosniff`.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The extension of a file name (ASCII letters and digits only, at most 10), if any.
fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 10 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// The ASCII fallback name: see the [module documentation](self).
pub fn ascii_name(name: &str) -> String {
    let ext = extension(name);
    let stem = match &ext {
        Some(e) => &name[..name.len() - e.len() - 1],
        None => name,
    };
    let mut out = String::new();
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let out = out.trim_matches(|c| c == '_' || c == '-');
    let stem = if out.is_empty() { "download" } else { out };
    match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem.to_owned(),
    }
}

/// The header value: `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`.
pub fn disposition(name: &str) -> String {
    disposition_with(&ascii_name(name), name)
}

/// The header value with an explicit ASCII stand-in (itself made safe: its characters outside
/// letters, digits, `.`, `-` and `_` become `_`).
pub fn disposition_with(ascii: &str, name: &str) -> String {
    let ascii: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            // RFC 5987 attr-char.
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A file to download, named `name`.
pub fn attachment(bytes: impl Into<Body>, mime: &str, name: &str) -> Response {
    attachment_named(bytes, mime, &ascii_name(name), name)
}

/// A file to download, named `name`, with an explicit ASCII stand-in (`bulletin-7.docx`).
pub fn attachment_named(bytes: impl Into<Body>, mime: &str, ascii: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition_with(ascii, name)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes.into(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_ascii_name_keeps_its_extension() {
        assert_eq!(
            disposition_with("bulletin-7.docx", "2024年9月调度 通报.docx"),
            "attachment; filename=\"bulletin-7.docx\"; filename*=UTF-8''2024%E5%B9%B49%E6%9C%88%E8%B0%83%E5%BA%A6%20%E9%80%9A%E6%8A%A5.docx"
        );
        assert!(
            disposition_with("a\"b;c.html", "x\"y;.html")
                .starts_with("attachment; filename=\"a_b_c.html\"; filename*=UTF-8''x%22y%3B.html")
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            ascii_name("督办通知单-专班督〔2024〕1号.docx"),
            "2024_1.docx"
        );
        assert_eq!(ascii_name("2024年3月调度通报.docx"), "2024_3.docx");
        assert_eq!(ascii_name("验收材料.pdf"), "download.pdf");
        assert_eq!(ascii_name("a\"b\r\n.csv"), "a_b.csv");
        assert_eq!(
            disposition("台账.xlsx"),
            "attachment; filename=\"download.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx"
        );
    }
}
