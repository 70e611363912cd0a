//! A .docx beyond the reader's limits is refused with a message that names the limit: a zip
//! bomb (a small file that unpacks to more than the limit), too many paragraphs, a table too
//! large. A document of 60,000 paragraphs is within the limits.

use std::io::{Cursor, Write};

use zhuanban_plan::docx::{
    self, MAX_CELLS, MAX_PARAGRAPHS, MAX_PART_BYTES, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS,
};
use zhuanban_plan::{DecodeError, ReadOptions, read_bytes};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::docx_builder::{DocxPara, build_docx};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
const TAIL: &str = "</w:body></w:document>";

/// A .docx whose document part is `HEAD`, then `repeat` written `times` times, then `TAIL`.
fn docx_with_body(repeat: &str, times: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(HEAD.as_bytes()).unwrap();
    // Written in chunks of about 1 MiB, so the test itself stays small in memory.
    let per_chunk = (1 << 20) / repeat.len().max(1);
    let chunk = repeat.repeat(per_chunk.max(1));
    let mut left = times;
    while left > 0 {
        let n = left.min(per_chunk.max(1));
        if n == per_chunk.max(1) {
            zip.write_all(chunk.as_bytes()).unwrap();
        } else {
            zip.write_all(repeat.repeat(n).as_bytes()).unwrap();
        }
        left -= n;
    }
    zip.write_all(TAIL.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn refusal(bytes: &[u8]) -> String {
    match read_bytes(bytes, &ReadOptions::new("x.docx")) {
        Err(e @ DecodeError::Docx(_)) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(r) => panic!("read {} tasks instead of refusing", r.plan.tasks.len()),
    }
}

#[test]
fn a_zip_bomb_is_refused_naming_the_unpacked_limit() {
    // 96 MiB of one paragraph's text, which deflates to well under 1 MiB.
    let times = 96 << 20;
    let bytes = docx_with_body("a", times);
    assert!(
        bytes.len() < (1 << 20),
        "the bomb is small: {}",
        bytes.len()
    );
    let msg = refusal(&bytes);
    let limit = format!("{} MiB", MAX_PART_BYTES / (1024 * 1024));
    assert!(
        msg.contains("解压后超过上限") && msg.contains(&limit),
        "{msg}"
    );
}

#[test]
fn too_many_paragraphs_are_refused_naming_the_limit() {
    let bytes = docx_with_body("<w:p/>", MAX_PARAGRAPHS + 1);
    let msg = refusal(&bytes);
    assert!(
        msg.contains("段落数超过上限") && msg.contains(&MAX_PARAGRAPHS.to_string()),
        "{msg}"
    );
}

#[test]
fn a_table_too_long_or_too_wide_is_refused_naming_the_limit() {
    let row = "<w:tr><w:tc><w:p/></w:tc></w:tr>";
    let long = docx_with_body(
        &format!("<w:tbl>{}</w:tbl>", row.repeat(MAX_TABLE_ROWS + 1)),
        1,
    );
    let msg = refusal(&long);
    assert!(
        msg.contains("行数") && msg.contains(&MAX_TABLE_ROWS.to_string()),
        "{msg}"
    );

    let cell = "<w:tc><w:p/></w:tc>";
    let wide = docx_with_body(
        &format!(
            "<w:tbl><w:tr>{}</w:tr></w:tbl>",
            cell.repeat(MAX_TABLE_COLUMNS + 1)
        ),
        1,
    );
    let msg = refusal(&wide);
    assert!(
        msg.contains("单元格数") && msg.contains(&MAX_TABLE_COLUMNS.to_string()),
        "{msg}"
    );

    // Many tables, each within its own limits, but too many cells together.
    let table = format!(
        "<w:tbl>{}</w:tbl>",
        format!("<w:tr>{}</w:tr>", "<w:tc/>".repeat(100)).repeat(1000)
    );
    let many = docx_with_body(&table, MAX_CELLS / 100_000 + 1);
    let msg = refusal(&many);
    assert!(
        msg.contains("单元格总数") && msg.contains(&MAX_CELLS.to_string()),
        "{msg}"
    );
}

#[test]
fn sixty_thousand_paragraphs_are_within_the_limits() {
    let paras: Vec<DocxPara> = (0..60_000)
        .map(|i| DocxPara::Numbered {
            level: if i % 10 == 0 { 0 } else { 2 },
            text: format!("完成第{i}项任务"),
        })
        .collect();
    let bytes = build_docx(&paras);
    let read = docx::paragraphs(&bytes).expect("within the limits");
    assert_eq!(read.len(), 60_000);
}
