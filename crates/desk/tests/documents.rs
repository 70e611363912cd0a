//! Plan documents the pure reader cannot open by itself, read through the tools on the
//! machine: the task table of `crates/plan/tests/data/tables` printed to PDF by Chromium
//! (`task-table.pdf`, read with poppler's `pdftotext`), saved as .doc by LibreOffice
//! (`task-table.doc`, converted back with LibreOffice), and a PDF holding only a picture of
//! text (`task-table.scanned.pdf`, Chromium's print of a page with one image).
//!
//! `pdftotext` (Debian `poppler-utils`) and LibreOffice (`libreoffice-writer-nogui`) are
//! required: without them these tests fail, they do not skip (`cargo xtask test` installs both).

#[path = "../../plan/tests/support/compare.rs"]
mod compare;

use std::path::{Path, PathBuf};

use zhuanban_desk::convert::{Tools, decode_with};
use zhuanban_desk::plans::read_document;
use zhuanban_plan::SourceFormat;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plan/tests/data/tables")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn require(names: &[&str], package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{} not found: install the Debian package {package} or run `cargo xtask test`",
                names.join(" or ")
            )
        })
}

fn check(name: &str, format: SourceFormat) {
    let doc = read_document(name, &data(name)).unwrap_or_else(|e| panic!("{e}"));
    let r = &doc.reading;
    assert_eq!(r.format, Some(format), "{name}");
    assert_eq!(doc.format, format.to_string());
    assert!(r.plan.complete, "{name}:\n{}", doc.text);
    assert_eq!(
        r.plan.title.as_deref(),
        Some("江州市2024年乡村振兴重点任务分解表"),
        "{name}"
    );
    assert!(!r.has_errors(), "{name}: {:?}", r.diagnostics);
    let expected: serde_json::Value =
        serde_json::from_slice(&data("task-table.expected.json")).unwrap();
    let diffs = compare::reading(&expected, &serde_json::to_value(&r.plan).unwrap());
    assert!(
        diffs.is_empty(),
        "{name} differs from the expected reading:\n{}\n{}",
        diffs.join("\n"),
        doc.text
    );
}

#[test]
fn pdf_printed_by_chromium_reads_as_expected() {
    require(&["pdftotext"], "poppler-utils");
    check("task-table.pdf", SourceFormat::Pdf);
}

#[test]
fn doc_saved_by_libreoffice_reads_as_expected() {
    require(&["soffice", "libreoffice"], "libreoffice-writer-nogui");
    check("task-table.doc", SourceFormat::Doc);
}

#[test]
fn a_scanned_pdf_is_refused_with_what_to_do() {
    require(&["pdftotext"], "poppler-utils");
    let name = "task-table.scanned.pdf";
    let e = read_document(name, &data(name)).unwrap_err();
    assert!(e.starts_with(name), "{e}");
    assert!(e.contains("PDF"), "{e}");
    assert!(e.contains("没有文字层") && e.contains("Word"), "{e}");
}

#[test]
fn without_the_tools_the_message_says_what_to_install() {
    let tools = Tools {
        pdftotext: "zhuanban-no-such-pdftotext".into(),
        soffice: vec!["zhuanban-no-such-soffice".into()],
    };
    let e = decode_with("plan.pdf", &data("task-table.pdf"), &tools).unwrap_err();
    assert!(e.starts_with("plan.pdf（PDF"), "{e}");
    assert!(e.contains("poppler-utils") && e.contains(".docx"), "{e}");
    let e = decode_with("plan.doc", &data("task-table.doc"), &tools).unwrap_err();
    assert!(e.starts_with("plan.doc（旧版 Word/WPS"), "{e}");
    assert!(e.contains("LibreOffice") && e.contains(".docx"), "{e}");
}

#[test]
fn the_format_is_decided_by_content_not_by_name() {
    require(&["pdftotext"], "poppler-utils");
    let doc = read_document("plan.docx", &data("task-table.pdf")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.reading.format, Some(SourceFormat::Pdf));
    assert_eq!(doc.reading.plan.tasks.len(), 8);
}
