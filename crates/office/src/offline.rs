//! Offline reporting by spreadsheet (离线填报): the template a unit downloads for a round, fills
//! in Excel (or WPS, or LibreOffice) and uploads back, and the strict reading of the upload.
//!
//! The template ([`report_template_xlsx`]) has one visible sheet "填报": a title row (the
//! round), a line with the unit and the due date, a line of instructions, the header, then one
//! row per target of each of the unit's tasks (one row for a task without targets). Columns:
//!
//! | | A | B | C | D | E | F | G | H | I | J | K |
//! |-|---|---|---|---|---|---|---|---|---|---|---|
//! | | 任务编号 | 任务 | 指标 | 目标 | 单位 | 本期累计/最新值 | 本期进展 | 存在问题 | 下步打算 | 任务ID | 指标ID |
//!
//! F is pre-filled with the last value, G–I with the task's text (once per task: A, B and G–I
//! are merged over the task's rows). The sheet is protected ([`PASSWORD`]): only F (on rows
//! with a target) and G–I are unlocked, shaded light yellow; rows and columns cannot be added
//! or removed, only row heights changed. J and K are hidden and carry the ids, so an upload is
//! matched row by row exactly; a very hidden sheet "meta" carries the format tag, the round id
//! and name and the unit. F has data validation (a decimal, not negative unless the target is
//! a growth rate). The bytes are reproducible: the creation time is the due date.
//!
//! The upload ([`read_report_xlsx`]) is read against the same [`ReportTemplate`] (rebuilt by
//! the caller for the round and unit). Every cell is checked and every problem reported as a
//! [`CellError`] ("填报!F7：不是数字（“两个”）"); any problem and nothing is returned. A file
//! that is not an XLSX, is not our template, or is the template of another round or unit is one
//! error and nothing more.
//!
//! Reading streams the sheet's cells (no dense grid, so a stray cell at XFD1048576 costs
//! nothing) after checking that the package unpacks to at most [`MAX_UNPACKED`] bytes; the
//! caller should still cap the upload's size (a template of a few hundred rows is under 50 KB).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Cursor;
use std::time::Duration;

use calamine::{DataRef, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};
use serde::{Deserialize, Serialize};
use zhuanban_ledger::{RoundId, TargetId, TargetKind, TaskId};

use crate::package::{LimitError, Limits, OpenError, Package, PartError};
use crate::text::cn_date;

/// What a unit reports on for one round: its tasks, with their targets and last values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTemplate {
    pub round_id: RoundId,
    /// e.g. "2026年11月调度"
    pub round_name: String,
    /// The round's due date (报送截止).
    pub due: NaiveDate,
    /// The reporting unit's name.
    pub unit: String,
    /// In the order to print.
    pub tasks: Vec<TemplateTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateTask {
    pub task_id: TaskId,
    /// "2.3.2"
    pub code: String,
    pub title: String,
    pub targets: Vec<TemplateTarget>,
    /// The texts to pre-fill (the unit's draft or last report), may be empty.
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    /// Why the task cannot be changed in this round ("本期报告已采纳"): its rows are shown
    /// locked and grey, and an upload skips it. None for a task to fill in.
    #[serde(default)]
    pub locked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateTarget {
    pub target_id: TargetId,
    /// "老旧小区改造"
    pub metric: String,
    /// "≥3个"
    pub goal: String,
    /// "个"
    pub unit: String,
    /// The value to pre-fill (the latest reported), if any.
    pub last_value: Option<f64>,
    /// Decides whether a negative value is allowed: only a growth (or reduction) rate may be
    /// negative; counts, levels, limits and classes may not.
    pub kind: TargetKind,
}

/// One task as the upload reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilledTask {
    pub task_id: TaskId,
    /// (target id, value) for every target whose value cell holds a number, in template
    /// order; a cleared value cell is left out (not reported this round).
    pub values: Vec<(TargetId, f64)>,
    /// Trimmed, line breaks as "\n"; empty when the cell is empty.
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
}

/// A problem with an upload, where Excel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    /// The sheet ("填报"); empty for a problem with the whole file.
    pub sheet: String,
    /// 1-based, as Excel shows it; 0 for a problem with the whole file or sheet.
    pub row: u32,
    /// "F"; empty for a problem with the whole file or sheet.
    pub column: String,
    /// What is wrong, in Chinese.
    pub reason: String,
}

impl fmt::Display for CellError {
    /// "填报!F7：不是数字（“两个”）"; "填报：…" without a cell; the reason alone without a sheet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (
            self.sheet.is_empty(),
            self.row == 0 || self.column.is_empty(),
        ) {
            (true, _) => write!(f, "{}", self.reason),
            (false, true) => write!(f, "{}：{}", self.sheet, self.reason),
            (false, false) => write!(
                f,
                "{}!{}{}：{}",
                self.sheet, self.column, self.row, self.reason
            ),
        }
    }
}

impl std::error::Error for CellError {}

/// What the hidden sheet "meta" of a template says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateMeta {
    pub round_id: RoundId,
    pub round_name: String,
    pub unit: String,
}

/// The visible sheet's name.
pub const SHEET: &str = "填报";
/// The very hidden sheet with the template's identity.
pub const META_SHEET: &str = "meta";
/// The sheet protection's password (it keeps cells from being changed by mistake; it is no
/// secret: the office may use it to unprotect a template).
pub const PASSWORD: &str = "zhuanban";
/// The media type of the template.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The largest unpacked size of an upload read.
pub const MAX_UNPACKED: u64 = 64 << 20;

/// The header, A to K (J and K hidden).
pub const COLUMNS: [&str; 11] = [
    "任务编号",
    "任务",
    "指标",
    "目标",
    "单位",
    "本期累计/最新值",
    "本期进展",
    "存在问题",
    "下步打算",
    "任务ID",
    "指标ID",
];

/// The header row (0-based); data rows follow it.
pub const HEADER_ROW: u32 = 3;
/// The first data row (0-based): title, unit line, instructions and header above it.
pub const FIRST_ROW: u32 = HEADER_ROW + 1;

/// The format tag in "meta"; a change of layout changes it, so old templates are refused.
const FORMAT_TAG: &str = "zhuanban-report-template/1";
/// The metric shown for a task without targets.
const NO_TARGET: &str = "（无量化指标）";

const COL_CODE: u16 = 0;
const COL_TASK: u16 = 1;
const COL_METRIC: u16 = 2;
const COL_GOAL: u16 = 3;
const COL_UNIT: u16 = 4;
const COL_VALUE: u16 = 5;
const COL_NARRATIVE: u16 = 6;
const COL_PROBLEMS: u16 = 7;
const COL_NEXT: u16 = 8;
const COL_TASK_ID: u16 = 9;
const COL_TARGET_ID: u16 = 10;
/// The last visible column (I).
const LAST_VISIBLE: u16 = COL_NEXT;

/// Column widths in Excel character units (a CJK character is about two).
const WIDTHS: [f64; 11] = [
    9.0, 24.0, 22.0, 12.0, 7.0, 13.0, 36.0, 28.0, 28.0, 10.0, 10.0,
];

const FONT: &str = "宋体";
const FONT_SIZE: f64 = 11.0;
/// Points per wrapped line at [`FONT_SIZE`].
const LINE_PT: f64 = 14.5;
/// Excel's cell text limit.
const MAX_TEXT: usize = 32_767;
/// Room to write in: a task's rows together are at least this tall (points).
const MIN_BLOCK_PT: f64 = 4.0 * LINE_PT + 6.0;
/// The fill of the cells a unit fills in.
const INPUT_FILL: u32 = 0xFF_F8DC;
const HEADER_FILL: u32 = 0xD9_D9D9;
/// Beyond this many non-empty cells an upload is refused outright.
const MAX_CELLS: usize = 200_000;
/// Beyond this many problems the rest are summed up in one line.
const MAX_ERRORS: usize = 500;

// ---------------------------------------------------------------------------------------
// The template's rows, shared by the writer and the reader.

/// A data row of the template.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    task: &'a TemplateTask,
    target: Option<&'a TemplateTarget>,
    /// The task's first row (it holds A, B and G–I).
    first: bool,
    /// The sheet row (0-based).
    row: u32,
    /// The sheet row of the task's first row.
    task_row: u32,
    /// The task's rows.
    span: u32,
}

impl Line<'_> {
    /// The expected text of C, D and E.
    fn locked(&self) -> [String; 3] {
        match self.target {
            Some(g) => [clip(&g.metric), clip(&g.goal), clip(&g.unit)],
            None => [NO_TARGET.to_owned(), String::new(), String::new()],
        }
    }

    fn key(&self) -> (TaskId, Option<TargetId>) {
        (self.task.task_id, self.target.map(|g| g.target_id))
    }
}

fn lines(t: &ReportTemplate) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut row = FIRST_ROW;
    for task in &t.tasks {
        let span = task.targets.len().max(1) as u32;
        let task_row = row;
        if task.targets.is_empty() {
            out.push(Line {
                task,
                target: None,
                first: true,
                row,
                task_row,
                span,
            });
            row += 1;
        }
        for (i, g) in task.targets.iter().enumerate() {
            out.push(Line {
                task,
                target: Some(g),
                first: i == 0,
                row,
                task_row,
                span,
            });
            row += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Writing.

/// The template as an XLSX: see the [module documentation](self). The same template always
/// gives the same bytes.
pub fn report_template_xlsx(t: &ReportTemplate) -> Vec<u8> {
    // The only errors rust_xlsxwriter reports are for input this function already bounds
    // (text length, finite numbers, dates in Excel's range, sheet names, row heights).
    build(t).expect("the report template is within Excel's limits")
}

/// A file name for the template: "2026年11月调度-区住房城乡建设局-填报表.xlsx" (characters
/// that Windows forbids in names replaced by "_").
pub fn template_file_name(t: &ReportTemplate) -> String {
    let name = format!("{}-{}-填报表.xlsx", t.round_name.trim(), t.unit.trim());
    name.chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
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

fn input() -> Format {
    cell()
        .set_unlocked()
        .set_background_color(Color::RGB(INPUT_FILL))
}

fn build(t: &ReportTemplate) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = excel_date(t.due).unwrap_or_default();
    wb.set_properties(
        &DocProperties::new()
            .set_title(clip(&format!(
                "{}进展填报表（{}）",
                t.round_name.trim(),
                t.unit.trim()
            )))
            .set_subject("离线填报")
            .set_author("zhuanban")
            .set_creation_datetime(&created),
    );
    let rows = lines(t);

    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (i, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    ws.set_column_hidden(COL_TASK_ID)?;
    ws.set_column_hidden(COL_TARGET_ID)?;

    let title_fmt = base()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let title = clip(&format!("{}进展填报表", t.round_name.trim()));
    ws.merge_range(0, 0, 0, LAST_VISIBLE, &title, &title_fmt)?;
    ws.set_row_height(0, 30)?;

    let unit_fmt = base().set_bold();
    ws.merge_range(
        1,
        0,
        1,
        COL_UNIT,
        &clip(&format!("填报单位：{}", t.unit.trim())),
        &unit_fmt,
    )?;
    ws.merge_range(
        1,
        COL_VALUE,
        1,
        LAST_VISIBLE,
        &format!("报送截止：{}", cn_date(t.due)),
        &unit_fmt.clone().set_align(FormatAlign::Right),
    )?;
    ws.set_row_height(1, 20)?;

    let note = "填报说明：浅黄色单元格为填报区，其余单元格已锁定。“本期累计/最新值”只填数字，不带单位和百分号（如完成95%填95）；累计类指标填开展以来的累计数，其他指标填最新值。进展、问题和打算按任务填写。请勿增删行列或修改工作表名称，填好后保存为 .xlsx 直接上传。";
    let note_fmt = base()
        .set_font_size(10)
        .set_font_color(Color::RGB(0x42_4242))
        .set_text_wrap()
        .set_align(FormatAlign::Left);
    ws.merge_range(2, 0, 2, LAST_VISIBLE, note, &note_fmt)?;
    ws.set_row_height(2, 30)?;

    let head_fmt = cell()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(HEADER_FILL));
    for (i, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, i as u16, *h, &head_fmt)?;
    }
    ws.set_row_height(HEADER_ROW, 22)?;

    let fmts = Formats {
        text: cell(),
        centre: cell().set_align(FormatAlign::Center),
        value: input().set_align(FormatAlign::Center),
        no_value: cell().set_background_color(Color::RGB(0xF2_F2F2)),
        prose: input().set_num_format("@").set_align(FormatAlign::Top),
        id: base().set_num_format("0"),
        done_prose: cell()
            .set_background_color(Color::RGB(0xE0_E0E0))
            .set_align(FormatAlign::Top),
        done_value: cell()
            .set_background_color(Color::RGB(0xE0_E0E0))
            .set_align(FormatAlign::Center),
    };
    for l in &rows {
        write_line(ws, l, &fmts)?;
    }
    for (row, h) in row_heights(&rows) {
        ws.set_row_height(row, h)?;
    }
    validations(ws, &rows)?;

    ws.set_freeze_panes(FIRST_ROW, 2)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页");
    ws.set_repeat_rows(0, HEADER_ROW)?;
    ws.set_print_area(
        0,
        0,
        rows.last().map_or(HEADER_ROW, |l| l.row),
        LAST_VISIBLE,
    )?;
    let protection = ProtectionOptions {
        format_rows: true,
        ..ProtectionOptions::default()
    };
    ws.protect_with_password(PASSWORD);
    ws.protect_with_options(&protection);

    let meta = wb.add_worksheet();
    meta.set_name(META_SHEET)?;
    let entries: [(&str, MetaValue<'_>); 4] = [
        ("格式", MetaValue::Text(FORMAT_TAG)),
        ("轮次ID", MetaValue::Number(t.round_id.get() as f64)),
        ("轮次", MetaValue::Text(&t.round_name)),
        ("单位", MetaValue::Text(&t.unit)),
    ];
    for (i, (k, v)) in entries.iter().enumerate() {
        meta.write_string(i as u32, 0, *k)?;
        match v {
            MetaValue::Text(s) => meta.write_string(i as u32, 1, clip(s))?,
            MetaValue::Number(n) => meta.write_number(i as u32, 1, *n)?,
        };
    }
    meta.set_very_hidden(true);
    meta.protect_with_password(PASSWORD);

    wb.save_to_buffer()
}

enum MetaValue<'a> {
    Text(&'a str),
    Number(f64),
}

struct Formats {
    text: Format,
    centre: Format,
    value: Format,
    no_value: Format,
    prose: Format,
    id: Format,
    /// A locked task's texts and values: grey, not editable.
    done_prose: Format,
    done_value: Format,
}

fn write_line(ws: &mut Worksheet, l: &Line<'_>, f: &Formats) -> Result<(), XlsxError> {
    let row = l.row;
    let task = l.task;
    let (prose, value) = match task.locked {
        Some(_) => (&f.done_prose, &f.done_value),
        None => (&f.prose, &f.value),
    };
    if l.first {
        let last = row + l.span - 1;
        let narrative = match &task.locked {
            Some(why) => format!("【{why}，不可修改】{}", task.narrative),
            None => task.narrative.clone(),
        };
        let cols: [(u16, String, &Format); 5] = [
            (COL_CODE, clip(&task.code), &f.centre),
            (COL_TASK, clip(&task.title), &f.text),
            (COL_NARRATIVE, clip(&narrative), prose),
            (COL_PROBLEMS, clip(&task.problems), prose),
            (COL_NEXT, clip(&task.next_steps), prose),
        ];
        for (col, text, fmt) in cols {
            if last > row {
                ws.merge_range(row, col, last, col, &text, fmt)?;
            } else if text.is_empty() {
                ws.write_blank(row, col, fmt)?;
            } else {
                ws.write_string_with_format(row, col, &text, fmt)?;
            }
        }
    }
    let [metric, goal, unit] = l.locked();
    for (col, text, fmt) in [
        (COL_METRIC, metric, &f.text),
        (COL_GOAL, goal, &f.centre),
        (COL_UNIT, unit, &f.centre),
    ] {
        if text.is_empty() {
            ws.write_blank(row, col, fmt)?;
        } else {
            ws.write_string_with_format(row, col, &text, fmt)?;
        }
    }
    match l.target {
        Some(g) => match g.last_value.filter(|v| v.is_finite()) {
            Some(v) => ws.write_number_with_format(row, COL_VALUE, v, value)?,
            None => ws.write_blank(row, COL_VALUE, value)?,
        },
        None => ws.write_blank(row, COL_VALUE, &f.no_value)?,
    };
    ws.write_number_with_format(row, COL_TASK_ID, task.task_id.get() as f64, &f.id)?;
    if let Some(g) = l.target {
        ws.write_number_with_format(row, COL_TARGET_ID, g.target_id.get() as f64, &f.id)?;
    }
    Ok(())
}

/// Row heights: each row shows its locked texts whole, and a task's rows together show its
/// texts whole (the merged cells) with room to write.
fn row_heights(rows: &[Line<'_>]) -> Vec<(u32, f64)> {
    let mut out = Vec::with_capacity(rows.len());
    let mut i = 0;
    while i < rows.len() {
        let block = &rows[i..i + rows[i].span as usize];
        let own: Vec<f64> = block
            .iter()
            .map(|l| {
                let [metric, goal, unit] = l.locked();
                let lines = [(metric, COL_METRIC), (goal, COL_GOAL), (unit, COL_UNIT)]
                    .iter()
                    .map(|(t, c)| wrapped_lines(t, WIDTHS[*c as usize]))
                    .max()
                    .unwrap_or(1);
                lines as f64 * LINE_PT + 6.0
            })
            .collect();
        let task = block[0].task;
        let merged = [
            (&task.code, COL_CODE),
            (&task.title, COL_TASK),
            (&task.narrative, COL_NARRATIVE),
            (&task.problems, COL_PROBLEMS),
            (&task.next_steps, COL_NEXT),
        ]
        .iter()
        .map(|(t, c)| wrapped_lines(t, WIDTHS[*c as usize]))
        .max()
        .unwrap_or(1);
        let need = (merged as f64 * LINE_PT + 6.0).max(MIN_BLOCK_PT);
        let have: f64 = own.iter().sum();
        let extra = ((need - have) / block.len() as f64).max(0.0);
        for (l, h) in block.iter().zip(own) {
            out.push((l.row, (((h + extra) * 4.0).ceil() / 4.0).min(409.0)));
        }
        i += block.len();
    }
    out
}

/// Data validation on F: a decimal, not negative unless the target is a growth rate; runs of
/// rows with the same rule share one validation.
fn validations(ws: &mut Worksheet, rows: &[Line<'_>]) -> Result<(), XlsxError> {
    // (first row, last row, signed)
    let mut runs: Vec<(u32, u32, bool)> = Vec::new();
    for l in rows {
        let Some(g) = l.target else { continue };
        let signed = g.kind == TargetKind::Growth;
        match runs.last_mut() {
            Some((_, last, s)) if *last + 1 == l.row && *s == signed => *last = l.row,
            _ => runs.push((l.row, l.row, signed)),
        }
    }
    for (first, last, signed) in runs {
        let (rule, error) = if signed {
            (
                DataValidationRule::Between(-1e15, 1e15),
                "此处只能填写数字，不带单位和百分号。",
            )
        } else {
            (
                DataValidationRule::GreaterThanOrEqualTo(0.0),
                "此处只能填写不小于0的数字，不带单位和百分号。",
            )
        };
        let v = DataValidation::new()
            .allow_decimal_number(rule)
            .set_input_title("本期累计/最新值")?
            .set_input_message(
                "填写数字，不带单位。累计类指标填开展以来的累计数，其他指标填最新值。",
            )?
            .set_error_title("请填写数字")?
            .set_error_message(error)?;
        ws.add_data_validation(first, COL_VALUE, last, COL_VALUE, &v)?;
    }
    Ok(())
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

// ---------------------------------------------------------------------------------------
// Reading.

/// A non-empty cell of an upload.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Text(String),
    /// A date or time, as text.
    Date(String),
    Bool(bool),
    /// A formula error ("#DIV/0!").
    Error(String),
}

impl Value {
    fn from_ref(d: DataRef<'_>) -> Option<Value> {
        let v = match d {
            DataRef::Int(i) => Value::Number(i as f64),
            DataRef::Float(f) => Value::Number(f),
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s.to_owned()),
            DataRef::Bool(b) => Value::Bool(b),
            DataRef::DateTime(d) => Value::Date(match d.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => cn_date(t.date()),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => d.as_f64().to_string(),
            }),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Date(s),
            DataRef::Error(e) => Value::Error(e.to_string()),
            DataRef::Empty => return None,
        };
        match &v {
            Value::Text(s) if s.trim().is_empty() => None,
            _ => Some(v),
        }
    }

    /// How the cell reads, for messages ("“两个”", "3", "TRUE").
    fn shown(&self) -> String {
        match self {
            Value::Number(n) => number(*n),
            Value::Text(s) => format!("“{}”", excerpt(s)),
            Value::Date(s) => format!("日期{s}"),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Value::Error(e) => e.clone(),
        }
    }

    /// The cell as text (for text cells): numbers and dates as they read.
    fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(s) => Some(normalise(s)),
            Value::Number(n) => Some(number(*n)),
            Value::Date(s) => Some(s.clone()),
            Value::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
            Value::Error(_) => None,
        }
    }
}

/// A number as people write it: 3, 12.5, -0.8.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The first 30 characters of a text, for messages.
fn excerpt(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 30 {
        let mut e: String = s.chars().take(30).collect();
        e.push('…');
        e
    } else {
        s.to_owned()
    }
}

/// Line breaks as "\n", trimmed.
fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Excel's column name: 0 → "A", 25 → "Z", 26 → "AA".
fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Problems found so far: (row 0-based, column 0-based, reason); whole-file problems have no
/// cell.
#[derive(Debug, Default)]
struct Problems {
    cells: Vec<(u32, u32, String)>,
}

impl Problems {
    fn at(&mut self, row: u32, col: u16, reason: impl Into<String>) {
        self.at_col(row, u32::from(col), reason);
    }

    fn at_col(&mut self, row: u32, col: u32, reason: impl Into<String>) {
        self.cells.push((row, col, reason.into()));
    }

    fn into_errors(mut self) -> Vec<CellError> {
        self.cells.sort_by_key(|a| (a.0, a.1));
        let total = self.cells.len();
        let mut out: Vec<CellError> = self
            .cells
            .into_iter()
            .take(MAX_ERRORS)
            .map(|(row, col, reason)| CellError {
                sheet: SHEET.to_owned(),
                row: row + 1,
                column: column_name(col),
                reason,
            })
            .collect();
        if total > MAX_ERRORS {
            out.push(CellError {
                sheet: SHEET.to_owned(),
                row: 0,
                column: String::new(),
                reason: format!(
                    "另有{}处问题未列出：请按以上提示改正后重新上传",
                    total - MAX_ERRORS
                ),
            });
        }
        out
    }
}

fn file_error(reason: impl Into<String>) -> CellError {
    CellError {
        sheet: String::new(),
        row: 0,
        column: String::new(),
        reason: reason.into(),
    }
}

fn sheet_error(sheet: &str, reason: impl Into<String>) -> CellError {
    CellError {
        sheet: sheet.to_owned(),
        row: 0,
        column: String::new(),
        reason: reason.into(),
    }
}

fn cell_error(row: u32, col: u16, reason: impl Into<String>) -> CellError {
    CellError {
        sheet: SHEET.to_owned(),
        row: row + 1,
        column: column_name(u32::from(col)),
        reason: reason.into(),
    }
}

const NOT_XLSX: &str =
    "文件不是Excel工作簿（.xlsx）：请上传本系统下载的填报模板，填好后保存为 .xlsx";

/// The limits of an upload: a template of a few hundred rows unpacks to well under 1 MB.
pub const LIMITS: Limits = Limits {
    max_entries: 1_000,
    max_unpacked: MAX_UNPACKED,
    max_ratio: 200,
    max_time: Duration::from_secs(10),
};

/// Checks that the bytes are a zip package within [`LIMITS`]: entries, unpacked size (declared,
/// and counted while unpacking, whatever the headers claim), compression ratio and time.
fn check_package(bytes: &[u8]) -> Result<(), CellError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(file_error(
            "文件是旧版Excel（.xls）或加密的工作簿：请另存为不加密的 .xlsx 后上传",
        ));
    }
    let too_large = |e: LimitError| {
        file_error(format!(
            "文件过大或异常（{e}）：填报模板解压后不应超过64MB，请勿在模板中插入图片或其他内容"
        ))
    };
    let mut pkg = match Package::open(bytes, LIMITS) {
        Ok(p) => p,
        Err(OpenError::NotZip) => return Err(file_error(NOT_XLSX)),
        Err(OpenError::Limit(e)) => return Err(too_large(e)),
    };
    for i in 0..pkg.len() {
        let copied = match pkg.reader_at(i) {
            Ok(mut r) => std::io::copy(&mut r, &mut std::io::sink()).map(drop),
            Err(PartError::Limit(e)) => return Err(too_large(e)),
            Err(PartError::Damaged(_)) => return Err(file_error(NOT_XLSX)),
        };
        if let Err(e) = copied {
            return Err(match pkg.error(e.to_string()) {
                PartError::Limit(e) => too_large(e),
                PartError::Damaged(_) => file_error(NOT_XLSX),
            });
        }
    }
    Ok(())
}

type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

fn open(bytes: &[u8]) -> Result<Book<'_>, CellError> {
    check_package(bytes)?;
    let book: Book<'_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| file_error(NOT_XLSX))?;
    let names = book.sheet_names();
    if !names.iter().any(|n| n == SHEET) {
        return Err(sheet_error(
            SHEET,
            format!(
                "找不到工作表“{SHEET}”：文件不是本系统的填报模板，或工作表被改名（现有工作表：{}）",
                names.join("、")
            ),
        ));
    }
    if !names.iter().any(|n| n == META_SHEET) {
        return Err(sheet_error(
            META_SHEET,
            "找不到模板标识（隐藏的工作表“meta”）：文件不是本系统下载的填报模板，或内容被复制到了新工作簿；请下载本轮模板重新填报",
        ));
    }
    Ok(book)
}

/// The non-empty cells of a sheet, by row and column.
type Cells = BTreeMap<u32, BTreeMap<u32, Value>>;

fn read_cells(book: &mut Book<'_>, sheet: &str) -> Result<Cells, CellError> {
    let unreadable = || sheet_error(sheet, "工作表无法读取：文件已损坏，请重新下载模板填报");
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|_| unreadable())?;
    let mut cells = Cells::new();
    let mut count = 0usize;
    while let Some(c) = reader.next_cell().map_err(|_| unreadable())? {
        let (row, col) = c.get_position();
        if let Some(v) = Value::from_ref(c.get_value().clone()) {
            count += 1;
            if count > MAX_CELLS {
                return Err(sheet_error(
                    sheet,
                    "表格内容过多：填报模板不应有这么多单元格，请下载本轮模板重新填报",
                ));
            }
            cells.entry(row).or_default().insert(col, v);
        }
    }
    Ok(cells)
}

/// The identity of a template (round and unit) from its hidden sheet "meta": for telling
/// which round an upload belongs to before reading it.
pub fn read_template_meta(bytes: &[u8]) -> Result<TemplateMeta, CellError> {
    let mut book = open(bytes)?;
    meta(&mut book)
}

fn meta(book: &mut Book<'_>) -> Result<TemplateMeta, CellError> {
    let cells = read_cells(book, META_SHEET)?;
    let get = |row: u32| cells.get(&row).and_then(|r| r.get(&1));
    let bad = || {
        sheet_error(
            META_SHEET,
            "模板标识不完整或版本过旧：请下载本轮模板重新填报",
        )
    };
    if get(0) != Some(&Value::Text(FORMAT_TAG.to_owned())) {
        return Err(bad());
    }
    let round_id = match get(1) {
        Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => RoundId(*n as i64),
        _ => return Err(bad()),
    };
    let text = |row: u32| match get(row) {
        Some(v) => v.as_text().unwrap_or_default(),
        None => String::new(),
    };
    Ok(TemplateMeta {
        round_id,
        round_name: text(2),
        unit: text(3),
    })
}

/// Reads a filled template back: see the [module documentation](self). `t` is the template
/// as it was downloaded (the same round, unit, tasks and targets; the pre-filled values and
/// texts do not matter). Either every task of the template, in order, or every problem.
pub fn read_report_xlsx(
    bytes: &[u8],
    t: &ReportTemplate,
) -> Result<Vec<FilledTask>, Vec<CellError>> {
    let mut book = open(bytes).map_err(|e| vec![e])?;
    let m = meta(&mut book).map_err(|e| vec![e])?;
    if m.round_id != t.round_id {
        return Err(vec![cell_error(
            0,
            COL_CODE,
            format!(
                "这是“{}”的填报模板（轮次ID {}），不是本轮“{}”的：请下载本轮模板重新填报",
                m.round_name.trim(),
                m.round_id,
                t.round_name.trim()
            ),
        )]);
    }
    if m.unit.trim() != t.unit.trim() {
        return Err(vec![cell_error(
            1,
            COL_CODE,
            format!(
                "这是“{}”的填报模板，不是本单位（{}）的：请下载本单位的模板填报",
                m.unit.trim(),
                t.unit.trim()
            ),
        )]);
    }
    let cells = read_cells(&mut book, SHEET).map_err(|e| vec![e])?;
    check(&cells, t)
}

/// Every check of the sheet's cells against the template.
fn check(cells: &Cells, t: &ReportTemplate) -> Result<Vec<FilledTask>, Vec<CellError>> {
    let rows = lines(t);
    let mut p = Problems::default();
    let by_key: HashMap<(TaskId, Option<TargetId>), usize> =
        rows.iter().enumerate().map(|(i, l)| (l.key(), i)).collect();
    let task_ids: HashMap<TaskId, &TemplateTask> = t.tasks.iter().map(|k| (k.task_id, k)).collect();
    // For each template row, the sheet row it was found on.
    let mut found: Vec<Option<u32>> = vec![None; rows.len()];
    // Per template row: the value; per task (first row's index): the texts.
    let mut values: Vec<Option<f64>> = vec![None; rows.len()];
    let mut texts: HashMap<usize, [String; 3]> = HashMap::new();

    for (&row, cols) in cells {
        // Nothing may be written outside the template's columns.
        for (&col, v) in cols.range(u32::from(COL_TARGET_ID) + 1..) {
            p.at_col(
                row,
                col,
                format!("模板之外的单元格有内容（{}）：请删除", v.shown()),
            );
        }
        if row < HEADER_ROW {
            continue;
        }
        let get = |col: u16| cols.get(&u32::from(col));
        if row == HEADER_ROW {
            for (i, h) in COLUMNS.iter().enumerate() {
                let col = i as u16;
                let actual = get(col).and_then(Value::as_text).unwrap_or_default();
                if actual != *h {
                    p.at(row, col, format!("表头被改动：应为“{h}”"));
                }
            }
            continue;
        }
        if cols.range(..=u32::from(COL_TARGET_ID)).next().is_none() {
            continue;
        }
        let Some(i) = identify(row, cols, &by_key, &task_ids, &mut p) else {
            continue;
        };
        if let Some(earlier) = found[i] {
            p.at(
                row,
                COL_CODE,
                format!(
                    "与第{}行重复：同一任务{}出现了两次，请删除多出的行",
                    earlier + 1,
                    describe(&rows[i])
                ),
            );
            continue;
        }
        found[i] = Some(row);
        let l = &rows[i];
        check_locked(row, l, &get, &mut p);
        values[i] = check_value(row, l, get(COL_VALUE), &mut p);
        let prose = check_prose(row, l, &get, &mut p);
        if l.first {
            texts.insert(i, prose);
        }
    }

    for (i, l) in rows.iter().enumerate() {
        if found[i].is_none() {
            p.at(
                l.row,
                COL_CODE,
                format!(
                    "缺少任务{}的行：行被删除，或行标识被改动；请下载本轮模板重新填报",
                    describe(l)
                ),
            );
        }
    }

    if !p.cells.is_empty() {
        return Err(p.into_errors());
    }
    let mut out: Vec<FilledTask> = Vec::with_capacity(t.tasks.len());
    for (i, l) in rows.iter().enumerate() {
        if l.first {
            let [narrative, problems, next_steps] = texts.remove(&i).unwrap_or_default();
            out.push(FilledTask {
                task_id: l.task.task_id,
                values: Vec::new(),
                narrative,
                problems,
                next_steps,
            });
        }
        if let (Some(g), Some(v), Some(task)) = (l.target, values[i], out.last_mut()) {
            task.values.push((g.target_id, v));
        }
    }
    Ok(out)
}

/// "2.3.2“老旧小区改造”（指标：改造老旧小区）"
fn describe(l: &Line<'_>) -> String {
    let mut s = format!("{}“{}”", l.task.code.trim(), excerpt(&l.task.title));
    if let Some(g) = l.target {
        s.push_str(&format!("（指标：{}）", excerpt(&g.metric)));
    }
    s
}

/// The template row a sheet row is, by its ids (J and K); problems when it is none.
fn identify(
    row: u32,
    cols: &BTreeMap<u32, Value>,
    by_key: &HashMap<(TaskId, Option<TargetId>), usize>,
    task_ids: &HashMap<TaskId, &TemplateTask>,
    p: &mut Problems,
) -> Option<usize> {
    let id = |col: u16| -> Result<Option<i64>, String> {
        match cols.get(&u32::from(col)) {
            None => Ok(None),
            Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Some(*n as i64)),
            Some(Value::Text(s)) => match s.trim().parse::<i64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(Value::Text(s.clone()).shown()),
            },
            Some(other) => Err(other.shown()),
        }
    };
    let code = cols
        .get(&u32::from(COL_CODE))
        .and_then(Value::as_text)
        .filter(|c| !c.is_empty())
        .map(|c| format!("任务{c}"))
        .unwrap_or_else(|| "该行".to_owned());
    let task_id = match id(COL_TASK_ID) {
        Ok(Some(n)) => TaskId(n),
        Ok(None) => {
            let first = cols.keys().next().copied().unwrap_or(0);
            p.at_col(row, first, "模板中没有此行（新增的行）：请删除，不要增加行");
            return None;
        }
        Err(shown) => {
            p.at(
                row,
                COL_TASK_ID,
                format!("行标识被改动（任务ID为{shown}）：请下载本轮模板重新填报"),
            );
            return None;
        }
    };
    let target_id = match id(COL_TARGET_ID) {
        Ok(n) => n.map(TargetId),
        Err(shown) => {
            p.at(
                row,
                COL_TARGET_ID,
                format!("行标识被改动（指标ID为{shown}）：请下载本轮模板重新填报"),
            );
            return None;
        }
    };
    if let Some(&i) = by_key.get(&(task_id, target_id)) {
        return Some(i);
    }
    match task_ids.get(&task_id) {
        None => p.at(
            row,
            COL_TASK_ID,
            format!(
                "{code}（任务ID {task_id}）不是本单位本轮的填报任务：可能是从其他单位或其他轮次的表格复制的行，请删除"
            ),
        ),
        Some(task) => p.at(
                row,
                COL_TARGET_ID,
                match target_id {
                    Some(g) => format!(
                        "指标ID {g}不属于任务{}“{}”：行标识被改动，请下载本轮模板重新填报",
                        task.code.trim(),
                        excerpt(&task.title)
                    ),
                    None => format!(
                        "缺少指标ID：任务{}“{}”的行标识被改动，请下载本轮模板重新填报",
                        task.code.trim(),
                        excerpt(&task.title)
                    ),
                },
            ),
    }
    None
}

/// A–E as the template has them (A and B on the task's first row; merged cells below it read
/// empty, or the same text where a program unmerged them).
fn check_locked<'v>(
    row: u32,
    l: &Line<'_>,
    get: &impl Fn(u16) -> Option<&'v Value>,
    p: &mut Problems,
) {
    let [metric, goal, unit] = l.locked();
    let expected = [
        (COL_CODE, clip(&l.task.code)),
        (COL_TASK, clip(&l.task.title)),
        (COL_METRIC, metric),
        (COL_GOAL, goal),
        (COL_UNIT, unit),
    ];
    for (col, want) in expected {
        let want = normalise(&want);
        let have = get(col);
        let text = have.and_then(Value::as_text).unwrap_or_default();
        let merged_below = !l.first && (col == COL_CODE || col == COL_TASK);
        let ok = match have {
            Some(Value::Error(_)) => false,
            _ => text == want || (merged_below && text.is_empty()),
        };
        if !ok {
            let was = match have {
                None => "被清空".to_owned(),
                Some(v) => format!("被改为{}", v.shown()),
            };
            let want_shown = if want.is_empty() {
                "空白".to_owned()
            } else {
                format!("“{}”", excerpt(&want))
            };
            p.at(
                row,
                col,
                format!("锁定的单元格{was}：应为{want_shown}，请勿修改"),
            );
        }
    }
}

/// F: a number (text that is a plain number is accepted), finite, not negative unless the
/// target is a growth rate; empty on a row without a target.
fn check_value(row: u32, l: &Line<'_>, v: Option<&Value>, p: &mut Problems) -> Option<f64> {
    let v = v?;
    let Some(g) = l.target else {
        p.at(
            row,
            COL_VALUE,
            format!(
                "本任务没有量化指标，此处不填（现为{}）：进展请写在“本期进展”",
                v.shown()
            ),
        );
        return None;
    };
    let n = match v {
        Value::Number(n) => *n,
        Value::Text(s) => match parse_number(s, g) {
            Some(n) => n,
            None => {
                p.at(row, COL_VALUE, format!("不是数字（“{}”）", excerpt(s)));
                return None;
            }
        },
        Value::Error(e) => {
            p.at(row, COL_VALUE, format!("公式出错（{e}）：请填写数字"));
            return None;
        }
        other => {
            p.at(row, COL_VALUE, format!("不是数字（{}）", other.shown()));
            return None;
        }
    };
    if !n.is_finite() {
        p.at(row, COL_VALUE, "不是有效的数字");
        return None;
    }
    if n < 0.0 && g.kind != TargetKind::Growth {
        p.at(row, COL_VALUE, format!("不能为负数（{}）", number(n)));
        return None;
    }
    Some(n)
}

/// A number typed as text: optional sign, digits with optional thousands separators, an
/// optional fraction ("1,200", " 3.5 ", "-2"); nothing else (no units, no "%", no words).
/// A number typed as text, read as the desk reads it
/// ([`zhuanban_ledger::input::parse_target_value`]): full-width digits, thousands separators,
/// the target's own unit after the number, a water class as a numeral.
fn parse_number(s: &str, g: &TemplateTarget) -> Option<f64> {
    zhuanban_ledger::input::parse_target_value("", s, g.kind, &g.unit).ok()
}

/// G–I: text on the task's first row (the merged cells); nothing on its other rows.
fn check_prose<'v>(
    row: u32,
    l: &Line<'_>,
    get: &impl Fn(u16) -> Option<&'v Value>,
    p: &mut Problems,
) -> [String; 3] {
    let mut out: [String; 3] = Default::default();
    for (k, col) in [COL_NARRATIVE, COL_PROBLEMS, COL_NEXT]
        .into_iter()
        .enumerate()
    {
        let Some(v) = get(col) else { continue };
        if let Value::Error(e) = v {
            p.at(row, col, format!("公式出错（{e}）：请直接填写文字"));
            continue;
        }
        if !l.first {
            p.at(
                row,
                col,
                format!(
                    "请填写在本任务的第一行（第{}行），此处应为空（现为{}）",
                    l.task_row + 1,
                    v.shown()
                ),
            );
            continue;
        }
        out[k] = v.as_text().unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(5), "F");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn numbers_typed_as_text() {
        let target = |kind, unit: &str| TemplateTarget {
            target_id: TargetId(1),
            metric: String::new(),
            goal: String::new(),
            unit: unit.into(),
            last_value: None,
            kind,
        };
        let count = target(TargetKind::Cumulative, "个");
        let p = |s: &str| parse_number(s, &count);
        assert_eq!(p(" 12 "), Some(12.0));
        assert_eq!(p("1,200"), Some(1200.0));
        assert_eq!(p("-2.5"), Some(-2.5));
        assert_eq!(p("+3"), Some(3.0));
        // As the desk reads them: full-width digits, the target's own unit.
        assert_eq!(p("１２"), Some(12.0));
        assert_eq!(p("3个"), Some(3.0));
        let class = target(TargetKind::Class, "类");
        assert_eq!(parse_number("Ⅲ类", &class), Some(3.0));
        for bad in [
            "两个", "95%", "1,20", "inf", "NaN", "1e3", "", ".5", "5.", "1..2", "3人",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn shown_numbers() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(12.5), "12.5");
    }

    #[test]
    fn error_display() {
        let e = CellError {
            sheet: SHEET.to_owned(),
            row: 7,
            column: "F".to_owned(),
            reason: "不是数字（“两个”）".to_owned(),
        };
        assert_eq!(e.to_string(), "填报!F7：不是数字（“两个”）");
        assert_eq!(sheet_error("meta", "缺少").to_string(), "meta：缺少");
        assert_eq!(file_error("坏了").to_string(), "坏了");
    }

    #[test]
    fn file_names() {
        let t = ReportTemplate {
            round_id: RoundId(1),
            round_name: "2026年11月调度".to_owned(),
            due: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            unit: "区住建局/城管".to_owned(),
            tasks: Vec::new(),
        };
        assert_eq!(
            template_file_name(&t),
            "2026年11月调度-区住建局_城管-填报表.xlsx"
        );
    }
}
