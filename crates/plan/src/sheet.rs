//! Spreadsheets (.xlsx, .xls, .ods) and CSV text → task tables, read with `calamine` from
//! memory. Every sheet that looks like a task table (a header with 序号 and two other known
//! columns) is read; merged cells (.xlsx, .xls) are kept as spans.

use std::io::Cursor;

use calamine::{Data, Dimensions, Ods, Range, Reader, Xls, Xlsx, open_workbook_from_rs};

use crate::table::{Cell, Table};

/// A spreadsheet format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Xlsx,
    Xls,
    Ods,
}

impl SheetKind {
    fn name(self) -> &'static str {
        match self {
            SheetKind::Xlsx => ".xlsx",
            SheetKind::Xls => ".xls",
            SheetKind::Ods => ".ods",
        }
    }
}

/// Why a spreadsheet could not be read as a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("{format} 电子表格已损坏，无法读取：{reason}")]
    Broken {
        format: &'static str,
        reason: String,
    },
    #[error(
        "{format} 电子表格中没有任务表：没有一个工作表的表头含“序号”和任务、责任单位等列；请确认文件是任务分解表，或另存为 .docx/.txt 后再导入"
    )]
    NoTaskTable { format: &'static str },
}

/// Largest sheet read (cells); larger sheets are cut to their first rows.
const MAX_CELLS: usize = 2_000_000;

/// The task tables of a workbook, laid out as text (see [`Table::to_text`]), one sheet after
/// another.
pub fn text(bytes: &[u8], kind: SheetKind) -> Result<String, SheetError> {
    let tables = tables(bytes, kind)?;
    let mut out = String::new();
    for (name, t) in tables {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = name;
        out.push_str(&t.to_text());
    }
    Ok(out)
}

/// The sheets of a workbook that look like task tables, with their names.
pub fn tables(bytes: &[u8], kind: SheetKind) -> Result<Vec<(String, Table)>, SheetError> {
    let broken = |e: String| SheetError::Broken {
        format: kind.name(),
        reason: e,
    };
    let cursor = Cursor::new(bytes);
    let sheets: Vec<(String, Range<Data>, Vec<Dimensions>)> = match kind {
        SheetKind::Xlsx => {
            let mut wb: Xlsx<_> = open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsxError| broken(e.to_string()))?;
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let Ok(range) = wb.worksheet_range(&name) else {
                    continue;
                };
                let merges: Vec<Dimensions> =
                    wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
                out.push((name, range, merges));
            }
            out
        }
        SheetKind::Xls => {
            let mut wb: Xls<_> = open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsError| broken(e.to_string()))?;
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let Ok(range) = wb.worksheet_range(&name) else {
                    continue;
                };
                let merges: Vec<Dimensions> =
                    wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
                out.push((name, range, merges));
            }
            out
        }
        SheetKind::Ods => {
            let mut wb: Ods<_> = open_workbook_from_rs(cursor)
                .map_err(|e: calamine::OdsError| broken(e.to_string()))?;
            let mut spans = ods_spans(bytes);
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let Ok(range) = wb.worksheet_range(&name) else {
                    continue;
                };
                let merges = spans.remove(&name).unwrap_or_default();
                out.push((name, range, merges));
            }
            out
        }
    };
    let tables: Vec<(String, Table)> = sheets
        .into_iter()
        .map(|(name, range, merges)| (name, sheet_table(&range, &merges)))
        .filter(|(_, t)| t.looks_like_task_table())
        .collect();
    if tables.is_empty() {
        return Err(SheetError::NoTaskTable {
            format: kind.name(),
        });
    }
    Ok(tables)
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// A sheet as a table: a merged region becomes one cell with its spans.
fn sheet_table(range: &Range<Data>, merges: &[Dimensions]) -> Table {
    let Some((r0, c0)) = range.start() else {
        return Table::default();
    };
    let (height, width) = range.get_size();
    let height = height.min(MAX_CELLS / width.max(1));
    let mut rows = Vec::with_capacity(height);
    for r in 0..height {
        let mut cells = Vec::with_capacity(width);
        for c in 0..width {
            let (ar, ac) = (r0 + r as u32, c0 + c as u32);
            let text = range.get((r, c)).map(data_text).unwrap_or_default();
            match merges.iter().find(|m| m.contains(ar, ac)) {
                Some(m) if m.start == (ar, ac) => {
                    let rs = (m.end.0 - m.start.0 + 1) as usize;
                    let cs = (m.end.1 - m.start.1 + 1) as usize;
                    cells.push(Cell::spanning(text, rs, cs));
                }
                // Covered by a merged region: the region's first cell stands for it.
                Some(_) => {}
                None => cells.push(Cell::new(text)),
            }
        }
        rows.push(cells);
    }
    Table { rows }
}

/// Largest `content.xml` of an .ods read for merged cells.
const MAX_ODS_CONTENT: u64 = 64 * 1024 * 1024;

/// The merged cells of each sheet of an .ods (calamine does not report them): cells with
/// `table:number-rows-spanned` / `table:number-columns-spanned`, positions counted as calamine
/// counts them (repeated rows and columns included). Empty when the part cannot be read.
fn ods_spans(bytes: &[u8]) -> std::collections::HashMap<String, Vec<Dimensions>> {
    use quick_xml::events::Event;
    use std::io::Read;

    let mut out = std::collections::HashMap::new();
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return out;
    };
    let mut xml = String::new();
    match archive.by_name("content.xml") {
        Ok(f) => {
            if f.take(MAX_ODS_CONTENT).read_to_string(&mut xml).is_err() {
                return out;
            }
        }
        Err(_) => return out,
    }
    let mut reader = quick_xml::Reader::from_str(&xml);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes().flatten().find_map(|a| {
            (a.key.local_name().into_inner() == name)
                .then(|| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                .flatten()
                .map(|v| v.into_owned())
        })
    };
    let attr_u32 = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<u32> {
        attr(e, name).and_then(|v| v.trim().parse().ok())
    };
    let mut sheet: Option<(String, Vec<Dimensions>)> = None;
    let (mut row, mut col, mut row_repeat) = (0u32, 0u32, 1u32);
    let mut depth_in_cell = 0usize;
    loop {
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(_) => break,
        };
        let (e, empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.local_name().into_inner() {
                    "table" if depth_in_cell == 0 => {
                        if let Some((name, dims)) = sheet.take() {
                            out.insert(name, dims);
                        }
                    }
                    "table-row" if depth_in_cell == 0 => {
                        row = row.saturating_add(row_repeat);
                    }
                    "table-cell" | "covered-table-cell" => {
                        depth_in_cell = depth_in_cell.saturating_sub(1);
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().into_inner() {
            "table" if depth_in_cell == 0 => {
                let name = attr(e, "name").unwrap_or_default();
                sheet = Some((name, Vec::new()));
                row = 0;
            }
            "table-row" if depth_in_cell == 0 => {
                col = 0;
                row_repeat = attr_u32(e, "number-rows-repeated").unwrap_or(1).max(1);
                if empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            name @ ("table-cell" | "covered-table-cell") if depth_in_cell == 0 => {
                let repeat = attr_u32(e, "number-columns-repeated").unwrap_or(1).max(1);
                if name == "table-cell" {
                    let rs = attr_u32(e, "number-rows-spanned").unwrap_or(1).max(1);
                    let cs = attr_u32(e, "number-columns-spanned").unwrap_or(1).max(1);
                    if (rs > 1 || cs > 1)
                        && let Some((_, dims)) = sheet.as_mut()
                    {
                        dims.push(Dimensions::new(
                            (row, col),
                            (row.saturating_add(rs - 1), col.saturating_add(cs - 1)),
                        ));
                    }
                }
                col = col.saturating_add(repeat);
                if !empty {
                    depth_in_cell += 1;
                }
            }
            "table-cell" | "covered-table-cell" if !empty => depth_in_cell += 1,
            _ => {}
        }
    }
    out
}

/// What a ZIP archive holds, from its entry names (and an OpenDocument `mimetype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    Docx,
    Xlsx,
    Ods,
    /// An OpenDocument text (.odt): not read.
    Odt,
}

/// Sniffs a ZIP archive's kind; `None` when it cannot be opened or holds none of the above
/// (the .docx reader then reports what is wrong).
pub fn zip_kind(bytes: &[u8]) -> Option<ZipKind> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = (0..archive.len().min(10_000))
        .filter_map(|i| {
            archive
                .name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| n.to_string())
        })
        .collect();
    let has = |n: &str| names.iter().any(|x| x.trim_start_matches('/') == n);
    if has("word/document.xml") {
        return Some(ZipKind::Docx);
    }
    if has("xl/workbook.xml") {
        return Some(ZipKind::Xlsx);
    }
    if has("mimetype") {
        let mut mime = String::new();
        if let Ok(f) = archive.by_name("mimetype") {
            use std::io::Read;
            let _ = f.take(200).read_to_string(&mut mime);
        }
        if mime.contains("opendocument.spreadsheet") {
            return Some(ZipKind::Ods);
        }
        if mime.contains("opendocument.text") {
            return Some(ZipKind::Odt);
        }
    }
    None
}

/// Reads CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// CSV text as a table, when it holds a task table's header within its first lines.
pub fn csv_table(text: &str) -> Option<Table> {
    // Cheap test first: a header line with 序号 and at least two commas.
    let head = text
        .lines()
        .take(30)
        .any(|l| l.contains("序号") && l.matches(',').count() >= 2);
    if !head {
        return None;
    }
    let rows = parse_csv(text);
    let table = Table {
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(Cell::new).collect())
            .collect(),
    };
    table.looks_like_task_table().then_some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_line_breaks() {
        let rows = parse_csv("序号,任务,单位\n1,\"甲,乙\",\"A\nB\"\n2,\"说\"\"明\",C");
        assert_eq!(
            rows,
            vec![
                vec!["序号", "任务", "单位"],
                vec!["1", "甲,乙", "A\nB"],
                vec!["2", "说\"明", "C"],
            ]
        );
    }
}
