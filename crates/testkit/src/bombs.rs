//! Hostile spreadsheets built in code, for the tests of the readers' limits: the sparse bomb
//! (a value in A1 and in XFD1048576, under 2 KB) and the dense bomb (a sheet of repeated cells
//! that deflates about a thousandfold), with honest or lying size headers.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

fn package(sheet: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(false);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    sheet(&mut zip);
    zip.finish().unwrap().into_inner()
}

/// A workbook whose sheet declares A1:XFD1048576 and holds a number in A1 and in XFD1048576:
/// a reader that allocates a grid by the dimension asks for 17 billion cells.
pub fn sparse_xlsx() -> Vec<u8> {
    package(|w| {
        write!(
            w,
            r#"{SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#
        )
        .unwrap();
    })
}

/// A workbook whose one sheet is `rows` rows of 16 identical numeric cells, written without
/// cell references (they are optional): 251 bytes a row, deflated about a thousandfold, so a
/// million rows are 250 MB of XML in a zip of a quarter of a megabyte.
pub fn dense_xlsx(rows: u32) -> Vec<u8> {
    package(|w| {
        write!(w, r#"{SHEET_HEAD}<sheetData>"#).unwrap();
        let row = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(16));
        let block = row.repeat(1000);
        for _ in 0..rows / 1000 {
            w.write_all(block.as_bytes()).unwrap();
        }
        for _ in 0..rows % 1000 {
            w.write_all(row.as_bytes()).unwrap();
        }
        w.write_all(b"</sheetData></worksheet>").unwrap();
    })
}

/// A workbook of `rows` rows of 16 distinct numbers with their cell references: it compresses
/// only about tenfold, so it passes the ratio check and must be stopped by counting cells.
pub fn many_cells_xlsx(rows: u32) -> Vec<u8> {
    package(|w| {
        write!(w, r#"{SHEET_HEAD}<sheetData>"#).unwrap();
        let mut line = String::new();
        for r in 1..=rows {
            line.clear();
            line.push_str(&format!(r#"<row r="{r}">"#));
            for c in b'A'..=b'P' {
                line.push_str(&format!(
                    r#"<c r="{}{r}"><v>{}</v></c>"#,
                    char::from(c),
                    r * 16 + u32::from(c)
                ));
            }
            line.push_str("</row>");
            w.write_all(line.as_bytes()).unwrap();
        }
        w.write_all(b"</sheetData></worksheet>").unwrap();
    })
}

/// The same package with every entry's declared unpacked size set to its packed size (local
/// headers and central directory), so that only counting the inflated bytes can catch it.
pub fn lying_sizes(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 46 <= zip.len() {
        let sig = u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
        match sig {
            // Local file header: compressed size at 18, uncompressed at 22.
            0x0403_4b50 => {
                let packed: [u8; 4] = zip[i + 18..i + 22].try_into().unwrap();
                if packed != [0xFF; 4] {
                    zip[i + 22..i + 26].copy_from_slice(&packed);
                }
                i += 30;
            }
            // Central directory header: compressed size at 20, uncompressed at 24.
            0x0201_4b50 => {
                let packed: [u8; 4] = zip[i + 20..i + 24].try_into().unwrap();
                if packed != [0xFF; 4] {
                    zip[i + 24..i + 28].copy_from_slice(&packed);
                }
                i += 46;
            }
            _ => i += 1,
        }
    }
    zip
}
