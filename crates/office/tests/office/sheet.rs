//! The first sheet of an uploaded workbook as CSV: the same text as the grid reader gave for a
//! real workbook, and hostile workbooks refused within a little memory (how fast: `benches/bombs.rs`).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use zhuanban_office::sheet::first_sheet_csv;
use zhuanban_testkit::bombs::{dense_xlsx, lying_sizes, many_cells_xlsx, sparse_xlsx};

/// The grid reader this module had before it streamed: calamine's dense range of the first
/// sheet, as CSV. The oracle for workbooks that are not hostile.
fn grid_csv(bytes: &[u8]) -> String {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let mut out = String::new();
    for row in range.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let s = match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => format!("{f}"),
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
    out
}

#[test]
fn a_real_workbook_reads_as_the_grid_reader_read_it() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("监测").unwrap();
    let _second = wb.add_worksheet();
    let ws = wb.worksheet_from_index(0).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let cn_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let percent = Format::new().set_num_format("0.0%");
    // Data starting at B2, as people leave a margin.
    for (c, h) in ["监测时间", "站点", "总磷", "备注", "比例"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, 1 + c as u16, *h).unwrap();
    }
    for r in 0..30u32 {
        let t = ExcelDateTime::from_ymd(2024, 1 + (r % 12) as u8, 1 + (r % 28) as u8)
            .unwrap()
            .and_hms((r % 24) as u16, 30, 0)
            .unwrap();
        let row = 2 + r;
        if r % 2 == 0 {
            ws.write_datetime_with_format(row, 1, &t, &date).unwrap();
        } else {
            ws.write_datetime_with_format(row, 1, &t, &cn_date).unwrap();
        }
        ws.write_string(row, 2, "湖心 & \"东\"<站>").unwrap();
        ws.write_number(row, 3, 0.08 + f64::from(r) / 1000.0)
            .unwrap();
        if r % 3 == 0 {
            ws.write_string(row, 4, "有雨,偏高\n复测").unwrap();
        }
        ws.write_number_with_format(row, 5, f64::from(r) / 7.0, &percent)
            .unwrap();
        ws.write_boolean(row, 7, r % 5 == 0).unwrap();
    }
    ws.write_number(40, 2, 12345.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let csv = first_sheet_csv(&bytes).unwrap();
    assert_eq!(csv, grid_csv(&bytes));
    assert!(
        csv.starts_with("监测时间,站点,总磷,备注,比例,,\n2024-01-01 00:30:00,"),
        "{csv}"
    );
}

/// The process's peak resident memory (VmHWM) in KiB. Each test runs in its own process under
/// nextest, so the growth over a test is the test's own.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Refused with `reason`, the process's peak memory growing by less than 200 MiB. How fast
/// is the benchmark's (`benches/bombs.rs`, goal < 1 s): a time measured here would be that of
/// whatever else shares the cores.
fn refused_small(name: &str, bytes: &[u8], reason: &str) {
    let before = peak_kib();
    let e = first_sheet_csv(bytes).expect_err(name);
    let grew = peak_kib().saturating_sub(before);
    assert!(e.contains(reason), "{name}: {e}");
    assert!(grew < 200 * 1024, "{name}: the peak grew by {grew} KiB");
}

#[test]
fn a_sparse_bomb_is_refused_by_the_columns_used() {
    let bomb = sparse_xlsx();
    assert!(bomb.len() < 2048, "{} bytes", bomb.len());
    refused_small(
        "sparse",
        &bomb,
        "超出导入限制，未导入：单元格 XFD1048576 超出范围",
    );
}

#[test]
fn a_dense_bomb_is_refused_by_its_ratio_or_its_cells() {
    // Half a gigabyte of sheet XML in under 2 MB.
    let bomb = dense_xlsx(1_900_000);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    refused_small("dense", &bomb, "超出导入限制，未导入：压缩比异常");
    // Headers that claim no compression at all: inflating stops at the declared size.
    refused_small("lying", &lying_sizes(bomb), "");
}

#[test]
fn a_sheet_of_too_many_cells_is_refused_by_counting_them() {
    // 1.1 million cells that compress only tenfold.
    let bomb = many_cells_xlsx(70_000);
    refused_small("many cells", &bomb, "超出导入限制，未导入：单元格过多");
}
