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

/// Most non-empty cells read from a sheet; the rest are left out.
const MAX_CELLS: usize = 200_000;

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
    let sheets: Vec<(String, Vec<SheetCell>, Vec<Dimensions>)> = match kind {
        SheetKind::Xlsx => {
            let mut wb: Xlsx<_> = open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsxError| broken(e.to_string()))?;
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                // Cell by cell, with a bound: the sheet's stated extent may be huge.
                let Ok(mut reader) = wb.worksheet_cells_reader(&name) else {
                    continue;
                };
                let mut cells = Vec::new();
                while let Ok(Some(c)) = reader.next_cell() {
                    let text = data_text(&Data::from(c.get_value().clone()));
                    if !text.trim().is_empty() {
                        cells.push((c.get_position(), text));
                    }
                    if cells.len() >= MAX_CELLS {
                        break;
                    }
                }
                drop(reader);
                let merges: Vec<Dimensions> =
                    wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
                out.push((name, cells, merges));
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
                out.push((name, range_cells(&range), merges));
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
                out.push((name, range_cells(&range), merges));
            }
            out
        }
    };
    let tables: Vec<(String, Table)> = sheets
        .into_iter()
        .map(|(name, cells, merges)| (name, sheet_table(cells, &merges)))
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

/// A non-empty cell: (row, column) and its text.
type SheetCell = ((u32, u32), String);

/// The non-empty cells of a range, at their absolute positions.
fn range_cells(range: &Range<Data>) -> Vec<SheetCell> {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    range
        .used_cells()
        .filter_map(|(r, c, d)| {
            let text = data_text(d);
            (!text.trim().is_empty()).then(|| ((r0 + r as u32, c0 + c as u32), text))
        })
        .take(MAX_CELLS)
        .collect()
}

/// Widest sheet read (columns).
const MAX_SHEET_COLUMNS: u32 = 256;

/// A sheet as a table: a merged region becomes one cell with its spans; rows without any
/// cell are left out.
fn sheet_table(mut cells: Vec<SheetCell>, merges: &[Dimensions]) -> Table {
    cells.retain(|((_, c), _)| *c < MAX_SHEET_COLUMNS);
    cells.sort_by_key(|(p, _)| *p);
    let Some(c0) = cells.iter().map(|((_, c), _)| *c).min() else {
        return Table::default();
    };
    let width = cells.iter().map(|((_, c), _)| *c).max().unwrap_or(c0) - c0 + 1;
    // Merged regions that start on an empty row still cover the rows below.
    let mut row_ids: Vec<u32> = cells.iter().map(|((r, _), _)| *r).collect();
    row_ids.dedup();
    let merges: Vec<&Dimensions> = merges
        .iter()
        .filter(|m| m.start.1 < MAX_SHEET_COLUMNS)
        .take(100_000)
        .collect();
    let mut rows = Vec::with_capacity(row_ids.len());
    let mut it = cells.into_iter().peekable();
    for &r in &row_ids {
        let mut texts: Vec<String> = vec![String::new(); width as usize];
        while let Some(((cr, cc), _)) = it.peek() {
            if *cr != r {
                break;
            }
            let col = (*cc - c0) as usize;
            if let Some(((_, _), t)) = it.next() {
                texts[col] = t;
            }
        }
        let mut row = Vec::with_capacity(width as usize);
        for (i, text) in texts.into_iter().enumerate() {
            let c = c0 + i as u32;
            match merges.iter().find(|m| m.contains(r, c)) {
                Some(m) if m.start == (r, c) => {
                    // Count only the rows kept (rows without cells are left out).
                    let rs = row_ids
                        .iter()
                        .filter(|&&x| x >= m.start.0 && x <= m.end.0)
                        .count();
                    let cs = (m.end.1.min(MAX_SHEET_COLUMNS) - m.start.1 + 1) as usize;
                    row.push(Cell::spanning(text, rs, cs));
                }
                // Covered by a merged region: the region's first cell stands for it.
                Some(m) if row_ids.binary_search(&m.start.0).is_ok() && m.start.1 >= c0 => {}
                _ => row.push(Cell::new(text)),
            }
        }
        rows.push(row);
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
    while let Ok(ev) = reader.read_event() {
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
