//! A spreadsheet's first sheet as CSV text, so that monitoring data kept in Excel imports
//! through the same checked CSV reader (every bad cell named by row and column).
//!
//! The workbook is read with bounded work, whatever it claims: the package through
//! [`crate::package`] (entries, unpacked bytes declared and counted, compression ratio, time),
//! then the shared strings and the sheet's XML streamed with quick-xml, one event at a time.
//! Nothing is allocated by a declared size or dimension: only the cells that hold a value are
//! kept, and the rows and columns actually used, the number of cells and the size of the CSV
//! are held to [`SheetLimits`]. A sheet with a value in A1 and XFD1048576 is refused (column
//! XFD is far beyond [`SheetLimits::max_cols`]) after reading two cells.

use std::collections::HashMap;
use std::io::BufReader;
use std::time::Duration;

use calamine::{ExcelDateTime, ExcelDateTimeType};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::package::{Limits, OpenError, Package, PartError};

/// What reading one workbook may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    pub package: Limits,
    /// Cells holding a value.
    pub max_cells: usize,
    /// The highest row used (1-based, as Excel numbers rows).
    pub max_rows: u32,
    /// The highest column used (1-based: 256 is IV).
    pub max_cols: u32,
    /// Entries of the shared string table.
    pub max_strings: usize,
    /// Bytes of the CSV produced (text and separators).
    pub max_csv: usize,
}

/// The limits for monitoring data: a year of hourly data of a dozen sites in long form fits
/// with room to spare (a 2 MB upload rarely unpacks to more than 30 MB).
pub const LIMITS: SheetLimits = SheetLimits {
    package: Limits {
        max_entries: 1_000,
        max_unpacked: 100 << 20,
        max_ratio: 200,
        max_time: Duration::from_secs(10),
    },
    max_cells: 1_000_000,
    max_rows: 500_000,
    max_cols: 256,
    max_strings: 1_000_000,
    max_csv: 64 << 20,
};

/// The first sheet of an XLSX file as CSV (comma-separated, quoted where needed), read within
/// [`LIMITS`]. Dates come out as `YYYY-MM-DD HH:MM:SS`, numbers as written by Excel. The CSV
/// starts at the first row and column that hold a value.
pub fn first_sheet_csv(bytes: &[u8]) -> Result<String, String> {
    first_sheet_csv_within(bytes, &LIMITS)
}

fn limit(message: impl std::fmt::Display) -> String {
    format!("超出导入限制，未导入：{message}")
}

fn damaged(reason: impl std::fmt::Display) -> String {
    format!("不是有效的 Excel（.xlsx）文件：{reason}")
}

fn part_error(e: PartError) -> String {
    match e {
        PartError::Limit(l) => limit(l),
        PartError::Damaged(r) => damaged(r),
    }
}

/// [`first_sheet_csv`] with other limits.
pub fn first_sheet_csv_within(bytes: &[u8], limits: &SheetLimits) -> Result<String, String> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(damaged(
            "文件是旧版 Excel（.xls）或加密的工作簿，请另存为不加密的 .xlsx",
        ));
    }
    let mut pkg = match Package::open(bytes, limits.package) {
        Ok(p) => p,
        Err(OpenError::NotZip) => return Err(damaged("不是 zip 格式")),
        Err(OpenError::Limit(l)) => return Err(limit(l)),
    };
    let book = workbook(&mut pkg)?;
    let styles = match &book.styles {
        Some(name) => date_styles(&mut pkg, name)?,
        None => Vec::new(),
    };
    let strings = match &book.strings {
        Some(name) => shared_strings(&mut pkg, name, limits)?,
        None => Strings::default(),
    };
    let cells = sheet_cells(&mut pkg, &book, &styles, &strings, limits)?;
    drop(strings);
    to_csv(cells, limits)
}

// ---------------------------------------------------------------------------------------------
// The workbook: which part is the first sheet, where the strings and styles are.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Book {
    sheet: String,
    sheet_name: String,
    strings: Option<String>,
    styles: Option<String>,
    date1904: bool,
}

/// A small part (workbook, relationships, styles) read whole: capped at 8 MB by itself.
fn small_part(pkg: &mut Package<'_>, name: &str) -> Result<Option<String>, String> {
    let Some(bytes) = pkg.read(name).map_err(part_error)? else {
        return Ok(None);
    };
    if bytes.len() > 8 << 20 {
        return Err(limit(format!("“{name}”过大（超过 8 MB）")));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| damaged(format!("“{name}”不是 UTF-8 文本")))
}

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| a.normalized_value(XmlVersion::Implicit1_0).ok())
            .flatten()
            .map(|v| v.into_owned())
    })
}

/// Every start (or empty) element of a small XML text, by local name.
fn elements(name: &str, xml: &str, mut f: impl FnMut(&str, &BytesStart<'_>)) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_str(xml);
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let local = e.local_name();
                f(local.as_ref(), &e);
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(damaged(format!("“{name}”无法解析：{e}"))),
        }
    }
}

fn resolve(base_dir: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_owned(),
        None => format!("{base_dir}/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn workbook(pkg: &mut Package<'_>) -> Result<Book, String> {
    const WORKBOOK: &str = "xl/workbook.xml";
    let Some(xml) = small_part(pkg, WORKBOOK)? else {
        return Err(damaged("缺少工作簿（xl/workbook.xml）"));
    };
    let mut book = Book::default();
    let mut first: Option<(String, String)> = None;
    elements(WORKBOOK, &xml, |local, e| match local {
        "workbookPr" => {
            book.date1904 = matches!(attr(e, "date1904").as_deref(), Some("1" | "true"));
        }
        "sheet" if first.is_none() => {
            first = Some((
                attr(e, "id").unwrap_or_default(),
                attr(e, "name").unwrap_or_default(),
            ));
        }
        _ => {}
    })?;
    let Some((rid, name)) = first else {
        return Err("工作簿中没有工作表".into());
    };
    book.sheet_name = name;
    let rels_name = "xl/_rels/workbook.xml.rels";
    let rels = small_part(pkg, rels_name)?.unwrap_or_default();
    elements(rels_name, &rels, |local, e| {
        if local != "Relationship" {
            return;
        }
        let (Some(id), Some(target), Some(kind)) =
            (attr(e, "Id"), attr(e, "Target"), attr(e, "Type"))
        else {
            return;
        };
        let path = resolve("xl", &target);
        if id == rid {
            book.sheet = path;
        } else if kind.ends_with("/sharedStrings") {
            book.strings = Some(path);
        } else if kind.ends_with("/styles") {
            book.styles = Some(path);
        }
    })?;
    if book.sheet.is_empty() || !pkg.has(&book.sheet) {
        return Err(format!(
            "无法读取工作表“{}”：找不到它的内容",
            book.sheet_name
        ));
    }
    if book.strings.is_none() && pkg.has("xl/sharedStrings.xml") {
        book.strings = Some("xl/sharedStrings.xml".into());
    }
    if book.styles.is_none() && pkg.has("xl/styles.xml") {
        book.styles = Some("xl/styles.xml".into());
    }
    Ok(book)
}

// ---------------------------------------------------------------------------------------------
// Styles: which cell formats are dates.
// ---------------------------------------------------------------------------------------------

/// Built-in number formats that show a date or a time (ECMA-376 18.8.30, and the East Asian
/// ones).
fn builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom number format shows a date or time: a d, m, y, h or s outside quotes,
/// brackets and escapes, in the first section.
fn custom_date(code: &str) -> bool {
    let mut chars = code.chars();
    let mut quoted = false;
    let mut bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => bracket = true,
            ']' => bracket = false,
            _ if bracket => {}
            ';' => return false,
            'd' | 'm' | 'y' | 'h' | 's' | 'D' | 'M' | 'Y' | 'H' | 'S' => return true,
            _ => {}
        }
    }
    false
}

/// For each cell format (the `s` of a cell), whether it is a date.
fn date_styles(pkg: &mut Package<'_>, name: &str) -> Result<Vec<bool>, String> {
    let Some(xml) = small_part(pkg, name)? else {
        return Ok(Vec::new());
    };
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut in_cell_xfs = false;
    let mut r = quick_xml::Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId"), attr(&e, "formatCode"))
                        && let Ok(id) = id.parse()
                    {
                        custom.insert(id, custom_date(&code));
                    }
                }
                "xf" if in_cell_xfs => {
                    xfs.push(
                        attr(&e, "numFmtId")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                    );
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(damaged(format!("“{name}”无法解析：{e}"))),
        }
    }
    Ok(xfs
        .into_iter()
        .map(|id| custom.get(&id).copied().unwrap_or_else(|| builtin_date(id)))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Shared strings, streamed into one buffer.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Strings {
    text: String,
    /// End of each string in `text`.
    ends: Vec<usize>,
}

impl Strings {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
}

fn push_ref(out: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    let c = match r.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        Ok(None) => match r.as_ref() {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => None,
        },
        Err(_) => None,
    };
    if let Some(c) = c {
        out.push(c);
    }
}

fn shared_strings(
    pkg: &mut Package<'_>,
    name: &str,
    limits: &SheetLimits,
) -> Result<Strings, String> {
    let outcome = {
        let Some(part) = pkg.reader(name).map_err(part_error)? else {
            return Ok(Strings::default());
        };
        let mut r = quick_xml::Reader::from_reader(BufReader::new(part));
        let mut buf = Vec::new();
        let mut s = Strings::default();
        // Inside <si>, inside <t>, inside a phonetic run (<rPh>, not part of the text).
        let (mut si, mut t, mut phonetic) = (false, false, 0u32);
        let result = loop {
            buf.clear();
            let ev = match r.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => break Err(e.to_string()),
            };
            match ev {
                Event::Start(e) => match e.local_name().as_ref() {
                    "si" => si = true,
                    "t" => t = true,
                    "rPh" => phonetic += 1,
                    _ => {}
                },
                Event::Empty(e) if e.local_name().as_ref() == "si" => {
                    s.ends.push(s.text.len());
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "si" => {
                        si = false;
                        s.ends.push(s.text.len());
                        if s.ends.len() > limits.max_strings {
                            break Ok(Some(format!(
                                "共享字符串过多（超过 {} 个）",
                                limits.max_strings
                            )));
                        }
                    }
                    "t" => t = false,
                    "rPh" => phonetic = phonetic.saturating_sub(1),
                    _ => {}
                },
                Event::Text(x) if si && t && phonetic == 0 => s.text.push_str(&x.xml10_content()),
                Event::CData(x) if si && t && phonetic == 0 => s.text.push_str(&x.xml10_content()),
                Event::GeneralRef(x) if si && t && phonetic == 0 => push_ref(&mut s.text, &x),
                Event::Eof => break Ok(None),
                _ => {}
            }
            if s.text.len() > limits.max_csv {
                break Ok(Some(format!(
                    "共享字符串过长（超过 {} MB）",
                    limits.max_csv >> 20
                )));
            }
        };
        result.map(|refused| (s, refused))
    };
    match outcome {
        Ok((_, Some(refused))) => Err(limit(refused)),
        Ok((s, None)) => Ok(s),
        Err(e) => Err(part_error(pkg.error(format!("“{name}”无法解析：{e}")))),
    }
}

// ---------------------------------------------------------------------------------------------
// The sheet's cells, streamed.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Cell {
    row: u32,
    col: u32,
    end: usize,
}

/// The cells holding a value, in sheet order, with their texts in one buffer.
#[derive(Debug, Default)]
struct Cells {
    cells: Vec<Cell>,
    text: String,
}

/// "XFD1048576" → (row 1048576, column 16384), both 1-based; `None` if it is no reference.
fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col = 0u32;
    for b in r[..letters].bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = r[letters..].parse().ok()?;
    (row > 0).then_some((row, col))
}

fn column_name(mut col: u32) -> String {
    let mut s = Vec::new();
    while col > 0 {
        let rem = (col - 1) % 26;
        s.push(b'A' + rem as u8);
        col = (col - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn number_text(v: &str, date: bool, date1904: bool) -> String {
    let Ok(f) = v.trim().parse::<f64>() else {
        return v.to_owned();
    };
    if date
        && let Some(t) = ExcelDateTime::new(f, ExcelDateTimeType::DateTime, date1904).as_datetime()
    {
        return t.format("%Y-%m-%d %H:%M:%S").to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// One `<c>` being read.
#[derive(Debug, Default)]
struct Open {
    row: u32,
    col: u32,
    kind: String,
    style: usize,
    value: String,
    /// Inside <v>, or inside <is><t> (not in a phonetic run).
    in_v: bool,
    in_t: bool,
    phonetic: u32,
}

fn sheet_cells(
    pkg: &mut Package<'_>,
    book: &Book,
    styles: &[bool],
    strings: &Strings,
    limits: &SheetLimits,
) -> Result<Cells, String> {
    let name = book.sheet.as_str();
    let outcome: Result<Result<Cells, String>, String> = {
        let Some(part) = pkg.reader(name).map_err(part_error)? else {
            return Err(damaged(format!("缺少工作表“{}”", book.sheet_name)));
        };
        let mut r = quick_xml::Reader::from_reader(BufReader::new(part));
        let mut buf = Vec::new();
        let mut out = Cells::default();
        let mut row = 0u32;
        let mut last_col = 0u32;
        let mut cell: Option<Open> = None;
        loop {
            buf.clear();
            let ev = match r.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => break Err(e.to_string()),
            };
            match ev {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                    row = attr(&e, "r")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(row + 1);
                    last_col = 0;
                }
                Event::Start(e) if e.local_name().as_ref() == "c" => {
                    // Attributes read in place: this runs once per cell.
                    let mut open = Open::default();
                    let mut at = None;
                    for a in e.attributes().with_checks(false).flatten() {
                        match a.key.local_name().as_ref() {
                            "r" => at = cell_ref(&a.value),
                            "t" => open.kind = a.value.into_owned(),
                            "s" => open.style = a.value.parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                    (open.row, open.col) = at.unwrap_or((row.max(1), last_col + 1));
                    last_col = open.col;
                    cell = Some(open);
                }
                Event::Empty(e) if e.local_name().as_ref() == "c" => {
                    if let Some((_, col)) = attr(&e, "r").and_then(|v| cell_ref(&v)) {
                        last_col = col;
                    } else {
                        last_col += 1;
                    }
                }
                Event::Start(e) => {
                    if let Some(c) = cell.as_mut() {
                        match e.local_name().as_ref() {
                            "v" => c.in_v = true,
                            "t" => c.in_t = true,
                            "rPh" => c.phonetic += 1,
                            _ => {}
                        }
                    }
                }
                Event::Text(x) => {
                    if let Some(c) = cell.as_mut()
                        && (c.in_v || (c.in_t && c.phonetic == 0))
                    {
                        c.value.push_str(&x.xml10_content());
                    }
                }
                Event::CData(x) => {
                    if let Some(c) = cell.as_mut()
                        && (c.in_v || (c.in_t && c.phonetic == 0))
                    {
                        c.value.push_str(&x.xml10_content());
                    }
                }
                Event::GeneralRef(x) => {
                    if let Some(c) = cell.as_mut()
                        && (c.in_v || (c.in_t && c.phonetic == 0))
                    {
                        push_ref(&mut c.value, &x);
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "v" => {
                        if let Some(c) = cell.as_mut() {
                            c.in_v = false;
                        }
                    }
                    "t" => {
                        if let Some(c) = cell.as_mut() {
                            c.in_t = false;
                        }
                    }
                    "rPh" => {
                        if let Some(c) = cell.as_mut() {
                            c.phonetic = c.phonetic.saturating_sub(1);
                        }
                    }
                    "c" => {
                        let Some(c) = cell.take() else { continue };
                        if c.value.is_empty() {
                            continue;
                        }
                        if c.col > limits.max_cols || c.row > limits.max_rows {
                            break Ok(Err(format!(
                                "单元格 {}{} 超出范围（最多 {} 列（到 {} 列）、{} 行）",
                                column_name(c.col),
                                c.row,
                                limits.max_cols,
                                column_name(limits.max_cols),
                                limits.max_rows
                            )));
                        }
                        let text = match c.kind.as_str() {
                            "s" => match c
                                .value
                                .trim()
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| strings.get(i))
                            {
                                Some(s) => s.to_owned(),
                                None => {
                                    break Err(format!(
                                        "单元格 {}{} 引用了不存在的共享字符串",
                                        column_name(c.col),
                                        c.row
                                    ));
                                }
                            },
                            "b" => if c.value.trim() == "1" {
                                "true"
                            } else {
                                "false"
                            }
                            .to_owned(),
                            "str" | "inlineStr" | "e" | "d" => c.value,
                            _ => number_text(
                                &c.value,
                                styles.get(c.style).copied().unwrap_or(false),
                                book.date1904,
                            ),
                        };
                        if text.is_empty() {
                            continue;
                        }
                        out.text.push_str(&text);
                        out.cells.push(Cell {
                            row: c.row,
                            col: c.col,
                            end: out.text.len(),
                        });
                        if out.cells.len() > limits.max_cells {
                            break Ok(Err(format!(
                                "单元格过多（超过 {} 个有内容的单元格）",
                                limits.max_cells
                            )));
                        }
                        if out.text.len() > limits.max_csv {
                            break Ok(Err(format!("内容过多（超过 {} MB）", limits.max_csv >> 20)));
                        }
                    }
                    _ => {}
                },
                Event::Eof => break Ok(Ok(out)),
                _ => {}
            }
        }
    };
    match outcome {
        Ok(Ok(cells)) => Ok(cells),
        Ok(Err(refused)) => Err(limit(refused)),
        Err(e) => Err(part_error(
            pkg.error(format!("工作表“{}”无法解析：{e}", book.sheet_name)),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

fn to_csv(c: Cells, limits: &SheetLimits) -> Result<String, String> {
    if c.cells.is_empty() {
        return Ok(String::new());
    }
    let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
    for cell in &c.cells {
        r0 = r0.min(cell.row);
        r1 = r1.max(cell.row);
        c0 = c0.min(cell.col);
        c1 = c1.max(cell.col);
    }
    let width = (c1 - c0 + 1) as usize;
    let rows = (r1 - r0 + 1) as usize;
    // Separators and line ends, then the texts (quoted at worst doubled, plus quotes).
    let estimate = rows
        .saturating_mul(width)
        .saturating_add(c.text.len().saturating_mul(2))
        .saturating_add(c.cells.len().saturating_mul(2));
    if estimate > limits.max_csv {
        return Err(limit(format!(
            "表格范围过大（{}{} 至 {}{}，{rows} 行 × {width} 列）",
            column_name(c0),
            r0,
            column_name(c1),
            r1
        )));
    }
    // Texts by cell, then sorted into sheet order (a sheet normally is in order already).
    let mut starts = Vec::with_capacity(c.cells.len());
    let mut start = 0usize;
    for cell in &c.cells {
        starts.push(start);
        start = cell.end;
    }
    let mut order: Vec<usize> = (0..c.cells.len()).collect();
    order.sort_by_key(|&i| (c.cells[i].row, c.cells[i].col));
    let mut out = String::with_capacity(estimate.min(c.text.len() + rows * width + 16));
    let mut row_cells: Vec<&str> = vec![""; width];
    let mut k = 0usize;
    for row in r0..=r1 {
        row_cells.iter_mut().for_each(|s| *s = "");
        while k < order.len() && c.cells[order[k]].row == row {
            let i = order[k];
            row_cells[(c.cells[i].col - c0) as usize] = &c.text[starts[i]..c.cells[i].end];
            k += 1;
        }
        for (j, s) in row_cells.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            if s.contains([',', '"', '\n']) {
                out.push('"');
                out.push_str(&s.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(s);
            }
        }
        out.push('\n');
    }
    Ok(out)
}
