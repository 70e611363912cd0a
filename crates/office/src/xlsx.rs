//! The ledger sheet (台账) as an XLSX, written with `rust_xlsxwriter`.
//!
//! Sheet "台账": a title row, a line with the as-of date (and 【演示数据】 in red for a
//! demonstration), the header row of the sixteen columns an office keeps ([`COLUMNS`]), then one
//! row per target of each task (a task without targets is one row); sections that are not
//! tasks (工作目标, 推进机制) are not rows — the caller passes tasks only. 序号 runs 1, 2, 3…
//! Numbers are numbers (目标值 and 完成值 carry their unit in the number format, so "1,200人" is
//! the number 1200), 完成率 and 序时进度 are fractions shown as percentages, 完成时限 is a date.
//! Values are those of accepted reports; a row whose unit has a newer report awaiting review
//! says so in 报送情况 (filled light yellow). 进度判断 is filled in the status colour (red for
//! 严重滞后 and 逾期, yellow for 滞后, green, grey). Long text wraps in columns sized for
//! Chinese, row heights follow the longest cell, the header row and the first three columns
//! are frozen, the header is filtered and repeated on every printed page.
//!
//! Printing: the same table twice, as two sheets with their own page setup — "台账" prints
//! landscape on A4 and "台账（A3）" landscape on A3, each one page wide. (A worksheet has one
//! page setup; a second sheet lets the office print either without touching the settings.)
//! The office edits "台账"; the A3 sheet is a copy for printing.
//!
//! Reproducible: the document's creation time is the sheet's as-of date (midnight UTC) and
//! `rust_xlsxwriter` stamps every zip entry 1980-01-01, so the same sheet gives the same bytes.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use zhuanban_ledger::Colour;

use crate::bulletin::{LedgerRow, LedgerSheet};
use crate::svg;
use crate::text::cn_date;

/// The sheet's name (A4 print setup), and the A3 copy's.
pub const SHEET: &str = "台账";
pub const SHEET_A3: &str = "台账（A3）";

/// The sixteen columns, in order.
pub const COLUMNS: [&str; 16] = [
    "序号",
    "任务编号",
    "任务名称",
    "指标",
    "目标值",
    "完成时限",
    "牵头单位",
    "配合单位",
    "本期进展",
    "完成值",
    "完成率",
    "序时进度",
    "进度判断",
    "报送情况",
    "存在问题",
    "下步计划",
];

/// Column widths in Excel character units (a CJK character is about two).
const WIDTHS: [f64; 16] = [
    6.0, 9.0, 22.0, 24.0, 11.0, 14.0, 16.0, 18.0, 36.0, 11.0, 9.0, 9.0, 11.0, 14.0, 26.0, 26.0,
];

/// The first data row (0-based): title, info line, header above it.
pub const FIRST_ROW: u32 = 3;

const FONT: &str = "宋体";
const FONT_SIZE: f64 = 11.0;
/// Points per wrapped line at [`FONT_SIZE`].
const LINE_PT: f64 = 14.5;
/// Excel's cell text limit.
const MAX_TEXT: usize = 32_767;

/// The ledger sheet as an XLSX: see the [module documentation](self).
pub fn ledger_xlsx(s: &LedgerSheet) -> Vec<u8> {
    // The only errors rust_xlsxwriter reports are for input this function already bounds
    // (text length, finite numbers, dates in Excel's range, the sheet name).
    build(s).expect("the ledger sheet is within Excel's limits")
}

fn base() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_size(FONT_SIZE)
        .set_align(FormatAlign::VerticalCenter)
}

fn cell() -> Format {
    base().set_border(FormatBorder::Thin).set_text_wrap()
}

fn build(s: &LedgerSheet) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = excel_date(s.as_of).unwrap_or_default();
    wb.set_properties(
        &DocProperties::new()
            .set_title(clip(&s.title))
            .set_subject("台账")
            .set_author("zhuanban")
            .set_creation_datetime(&created),
    );
    // Paper sizes of Excel's page setup: 9 is A4, 8 is A3.
    for (name, paper) in [(SHEET, 9), (SHEET_A3, 8)] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        sheet(ws, s, paper)?;
    }
    wb.save_to_buffer()
}

fn sheet(ws: &mut Worksheet, s: &LedgerSheet, paper: u8) -> Result<(), XlsxError> {
    for (i, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }

    let last_col = (COLUMNS.len() - 1) as u16;
    let title_fmt = base()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, last_col, &clip(&s.title), &title_fmt)?;
    ws.set_row_height(0, 30)?;

    let mut info = format!("数据截至{}", cn_date(s.as_of));
    let mut info_fmt = base().set_align(FormatAlign::Right);
    if s.demo {
        info = format!("【演示数据】　{info}");
        info_fmt = info_fmt.set_font_color(Color::RGB(0xC6_2828)).set_bold();
    }
    ws.merge_range(1, 0, 1, last_col, &info, &info_fmt)?;
    ws.set_row_height(1, 20)?;

    let head_fmt = cell()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9_D9D9));
    for (i, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(2, i as u16, *h, &head_fmt)?;
    }
    ws.set_row_height(2, 22)?;

    let f = Formats {
        text: cell(),
        centre: cell().set_align(FormatAlign::Center),
        date: cell()
            .set_align(FormatAlign::Center)
            .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
        pct: cell().set_align(FormatAlign::Center).set_num_format("0.0%"),
        pending: cell().set_background_color(Color::RGB(0xFF_F3D6)),
    };
    for (i, r) in s.rows.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        write_row(ws, row, i + 1, r, &f)?;
        ws.set_row_height(row, row_height(r))?;
    }

    let last_row = (FIRST_ROW + s.rows.len() as u32).saturating_sub(1).max(2);
    ws.autofilter(2, 0, last_row, last_col)?;
    ws.set_freeze_panes(FIRST_ROW, 3)?;
    ws.set_landscape()
        .set_paper_size(paper)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页");
    ws.set_repeat_rows(2, 2)?;
    Ok(())
}

struct Formats {
    text: Format,
    centre: Format,
    date: Format,
    pct: Format,
    pending: Format,
}

/// 报送情况 as the row prints it: the lead unit's state, and a newer report awaiting review.
pub fn reporting_text(r: &LedgerRow) -> String {
    let state = r.reporting.trim();
    match (state.is_empty(), r.pending) {
        (_, false) => state.to_owned(),
        (true, true) => "新报告待审核（未计入）".to_owned(),
        (false, true) if state.contains("待审核") => format!("{state}（未计入）"),
        (false, true) => format!("{state}；新报告待审核（未计入）"),
    }
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    number_in_order: usize,
    r: &LedgerRow,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.write_number_with_format(row, 0, number_in_order as f64, &f.centre)?;
    ws.write_string_with_format(row, 1, clip(&r.code), &f.centre)?;
    ws.write_string_with_format(row, 2, clip(&r.task), &f.text)?;
    ws.write_string_with_format(row, 3, clip(&metric_text(r)), &f.text)?;
    value(ws, row, 4, r, r.target, &f.centre)?;
    match r.deadline.and_then(excel_date) {
        Some(d) => ws.write_datetime_with_format(row, 5, &d, &f.date)?,
        None => ws.write_blank(row, 5, &f.centre)?,
    };
    ws.write_string_with_format(row, 6, clip(&r.lead), &f.text)?;
    ws.write_string_with_format(row, 7, clip(&r.support), &f.text)?;
    ws.write_string_with_format(row, 8, clip(&r.progress), &f.text)?;
    value(ws, row, 9, r, r.actual, &f.centre)?;
    share(ws, row, 10, r.completion, &f.pct)?;
    share(ws, row, 11, r.schedule, &f.pct)?;
    let (fill, ink) = status_colours(r.colour);
    let status_fmt = cell()
        .set_align(FormatAlign::Center)
        .set_bold()
        .set_background_color(Color::RGB(fill))
        .set_font_color(Color::RGB(ink));
    ws.write_string_with_format(row, 12, clip(&r.status), &status_fmt)?;
    let reporting = reporting_text(r);
    let reporting_fmt = if r.pending { &f.pending } else { &f.text };
    ws.write_string_with_format(row, 13, clip(&reporting), reporting_fmt)?;
    ws.write_string_with_format(row, 14, clip(&r.problems), &f.text)?;
    ws.write_string_with_format(row, 15, clip(&r.next_steps), &f.text)?;
    Ok(())
}

/// 目标值 or 完成值: a class as text ("Ⅲ类", Roman numeral characters), any other value as a
/// number with its unit.
fn value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    r: &LedgerRow,
    v: Option<f64>,
    fmt: &Format,
) -> Result<(), XlsxError> {
    if r.class
        && let Some(c) = v.and_then(crate::figures::class_numeral)
    {
        ws.write_string_with_format(row, col, format!("{c}类"), fmt)?;
        return Ok(());
    }
    number(ws, row, col, v, &r.unit, fmt)
}

/// 指标: the target's short name, else its text (a task without targets: the task's text).
fn metric_text(r: &LedgerRow) -> String {
    if r.metric.trim().is_empty() {
        r.content.clone()
    } else {
        r.metric.clone()
    }
}

/// A number with its unit in the number format ("1,200人"); blank when absent or not finite.
fn number(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    unit: &str,
    fmt: &Format,
) -> Result<(), XlsxError> {
    match v.filter(|v| v.is_finite()) {
        Some(v) => {
            let f = fmt.clone().set_num_format(number_format(v, unit));
            ws.write_number_with_format(row, col, v, &f)?;
        }
        None => {
            ws.write_blank(row, col, fmt)?;
        }
    }
    Ok(())
}

fn share(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    fmt: &Format,
) -> Result<(), XlsxError> {
    match v.filter(|v| v.is_finite()) {
        Some(v) => ws.write_number_with_format(row, col, v, fmt)?,
        None => ws.write_blank(row, col, fmt)?,
    };
    Ok(())
}

/// "#,##0.0##\"万亩\"": thousands separators, as many decimals as the value has (at most
/// three), the unit as a literal.
pub(crate) fn number_format(v: f64, unit: &str) -> String {
    let decimals = (0..=3)
        .find(|&d| {
            let scaled = v * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(3) as usize;
    let mut f = String::from("#,##0");
    if decimals > 0 {
        f.push('.');
        f.push_str(&"0".repeat(decimals));
    }
    let unit: String = unit.chars().filter(|&c| c != '"' && c != '\\').collect();
    let unit = unit.trim();
    if !unit.is_empty() {
        f.push('"');
        f.push_str(unit);
        f.push('"');
    }
    f
}

/// The status fill (the palette colour) and a text colour that reads on it.
fn status_colours(colour: Colour) -> (u32, u32) {
    let fill = u32::from_str_radix(&svg::colour_hex(colour)[1..], 16).unwrap_or(0x9E_9E9E);
    let ink = if colour == Colour::Yellow {
        0x21_2121
    } else {
        0xFF_FFFF
    };
    (fill, ink)
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let y = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
}

/// Text cut to Excel's cell limit.
fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT {
        s.to_owned()
    } else {
        s.chars().take(MAX_TEXT).collect()
    }
}

/// The row height (points) that shows the longest wrapped cell whole.
fn row_height(r: &LedgerRow) -> f64 {
    let metric = metric_text(r);
    let reporting = reporting_text(r);
    let texts = [
        (&r.code, 1),
        (&r.task, 2),
        (&metric, 3),
        (&r.lead, 6),
        (&r.support, 7),
        (&r.progress, 8),
        (&r.status, 12),
        (&reporting, 13),
        (&r.problems, 14),
        (&r.next_steps, 15),
    ];
    let lines = texts
        .iter()
        .map(|(t, col)| wrapped_lines(t, WIDTHS[*col]))
        .max()
        .unwrap_or(1)
        .max(1);
    (lines as f64 * LINE_PT + 6.0).min(409.0)
}

/// The lines a text takes in a column of `width` character units (CJK characters two
/// units, others one), each explicit line break starting a new line.
fn wrapped_lines(text: &str, width: f64) -> usize {
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.1 } else { 2.05 })
                .sum();
            ((units / usable).ceil() as usize).max(1)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(number_format(1200.0, "人"), "#,##0\"人\"");
        assert_eq!(number_format(1.5, "万亩"), "#,##0.0\"万亩\"");
        assert_eq!(number_format(0.08, "mg/L"), "#,##0.00\"mg/L\"");
        assert_eq!(number_format(95.0, "%"), "#,##0\"%\"");
        assert_eq!(number_format(3.0, ""), "#,##0");
        assert_eq!(number_format(1.0 / 3.0, "a\"b"), "#,##0.000\"ab\"");
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrapped_lines("", 20.0), 1);
        assert_eq!(wrapped_lines("区住房城乡建设局", 20.0), 1);
        assert_eq!(wrapped_lines("区住房城乡建设局、区民政人社局", 20.0), 2);
        assert_eq!(wrapped_lines("a\nb", 20.0), 2);
    }
}
