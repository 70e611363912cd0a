//! A spreadsheet's first sheet as CSV text, so that monitoring data kept in Excel imports
//! through the same checked CSV reader (every bad cell named by row and column).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// The first sheet of an XLSX file as CSV (comma-separated, quoted where needed). Dates come
/// out as `YYYY-MM-DD HH:MM:SS`, numbers as written by Excel.
pub fn first_sheet_csv(bytes: &[u8]) -> Result<String, String> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("不是有效的 Excel（.xlsx）文件：{e}"))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("工作簿中没有工作表")?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("无法读取工作表“{name}”：{e}"))?;
    let mut out = String::new();
    for row in range.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let s = match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) => {
                        if f.fract() == 0.0 && f.abs() < 1e15 {
                            format!("{}", *f as i64)
                        } else {
                            format!("{f}")
                        }
                    }
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(d) => d
                        .as_datetime()
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Error(e) => format!("#{e:?}"),
                };
                if s.contains([',', '"', '\n']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Ok(out)
}
