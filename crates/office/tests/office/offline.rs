//! The offline report template: written reproducibly, laid out and locked as a unit will see
//! it, read back to the same values after a user's edits, every kind of bad upload refused
//! with the right cell and reason, and LibreOffice opening, printing and re-saving it.
//!
//! A user's edits are made the way Excel stores them: in the sheet XML inside the zip
//! ([`Sheet`]), with inline strings for typed text; rows deleted or inserted shift the rows
//! below, as in Excel.

use std::io::{Cursor, Write as _};
use std::path::Path;
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::Workbook;
use zhuanban_ledger::{RoundId, TargetId, TargetKind, TaskId};
use zhuanban_office::offline::{
    CellError, FilledTask, ReportTemplate, TemplateMeta, TemplateTarget, TemplateTask,
    read_report_xlsx, read_template_meta, report_template_xlsx, template_file_name,
};
use zip::write::SimpleFileOptions;

use crate::libreoffice::{Pdf, compact, convert, pages, pdf, require};
use crate::sample::date;
use crate::support::{TempDir, assert_well_formed, part, save_sample, unzip};

fn target(
    id: i64,
    metric: &str,
    goal: &str,
    unit: &str,
    last: Option<f64>,
    kind: TargetKind,
) -> TemplateTarget {
    TemplateTarget {
        target_id: TargetId(id),
        metric: metric.to_owned(),
        goal: goal.to_owned(),
        unit: unit.to_owned(),
        last_value: last,
        kind,
    }
}

fn task(
    id: i64,
    code: &str,
    title: &str,
    targets: Vec<TemplateTarget>,
    texts: [&str; 3],
) -> TemplateTask {
    TemplateTask {
        task_id: TaskId(id),
        code: code.to_owned(),
        title: title.to_owned(),
        targets,
        narrative: texts[0].to_owned(),
        problems: texts[1].to_owned(),
        next_steps: texts[2].to_owned(),
        locked: None,
    }
}

/// The sample: 区住房城乡建设局's five tasks in the 2026年11月 round. Sheet rows (1-based):
/// 5–6 task 2.3.2 (two targets), 7 task 2.4.1, 8 task 3.1.2 (no target), 9 task 4.2.1 (a
/// growth rate), 10–12 task 5.1.1 (three targets, long texts).
fn sample() -> ReportTemplate {
    use TargetKind::*;
    ReportTemplate {
        round_id: RoundId(12),
        round_name: "2026年11月调度".to_owned(),
        due: date(2026, 12, 5),
        unit: "区住房城乡建设局".to_owned(),
        tasks: vec![
            task(
                7,
                "2.3.2",
                "老旧小区改造",
                vec![
                    target(101, "改造老旧小区", "≥3个", "个", Some(2.0), Cumulative),
                    target(102, "惠及居民户数", "≥1200户", "户", None, Cumulative),
                ],
                [
                    "已完成2个小区改造，第3个小区正在施工。",
                    "2个小区居民意见尚未统一。",
                    "加快第3个小区施工进度。",
                ],
            ),
            task(
                8,
                "2.4.1",
                "提高城市生活污水集中收集率",
                vec![target(
                    103,
                    "城市生活污水集中收集率",
                    "≥70%",
                    "%",
                    Some(68.5),
                    Level,
                )],
                ["", "", ""],
            ),
            task(
                9,
                "3.1.2",
                "完善住房保障体系",
                Vec::new(),
                ["保障性租赁住房项目已开工。", "", ""],
            ),
            task(
                10,
                "4.2.1",
                "推动建筑业稳定增长",
                vec![target(
                    104,
                    "建筑业增加值增速",
                    "≥5%",
                    "%",
                    Some(-1.2),
                    Growth,
                )],
                ["", "", ""],
            ),
            task(
                11,
                "5.1.1",
                "实施城市更新行动，统筹推进城镇老旧小区、城中村和危旧房改造，完善城市基础设施和公共服务设施",
                vec![
                    target(105, "城中村改造", "≥2个", "个", Some(1.0), Cumulative),
                    target(106, "危旧房改造", "≥150套", "套", Some(90.0), Cumulative),
                    target(
                        107,
                        "新建改造城市燃气管网",
                        "≥12.5公里",
                        "公里",
                        Some(8.25),
                        Cumulative,
                    ),
                ],
                [
                    "一是城中村改造项目完成征收评估；\n二是危旧房改造完成90套；\n三是燃气管网完成8.25公里。",
                    "资金到位较慢，部分管网路由需与交通部门协调。",
                    "争取专项债券资金，12月底前完成管网主体施工。",
                ],
            ),
        ],
    }
}

/// What reading the untouched template gives: the pre-filled values and texts.
fn prefilled(t: &ReportTemplate) -> Vec<FilledTask> {
    t.tasks
        .iter()
        .map(|k| FilledTask {
            task_id: k.task_id,
            values: k
                .targets
                .iter()
                .filter_map(|g| g.last_value.map(|v| (g.target_id, v)))
                .collect(),
            narrative: k.narrative.trim().to_owned(),
            problems: k.problems.trim().to_owned(),
            next_steps: k.next_steps.trim().to_owned(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Editing a workbook as a user would.

/// A cell value as a user leaves it.
#[derive(Debug, Clone)]
enum V<'a> {
    Num(f64),
    Text(&'a str),
    Blank,
    /// A formula error, "#DIV/0!".
    Error(&'a str),
}

/// A cell of the sheet XML: its column letters, its attributes other than `r`, and the
/// element's content (None for an empty element).
#[derive(Debug, Clone)]
struct XCell {
    col: String,
    attrs: String,
    inner: Option<String>,
}

#[derive(Debug, Clone)]
struct XRow {
    attrs: String,
    cells: Vec<XCell>,
}

/// The sheet XML of a worksheet, with its rows parsed (rust_xlsxwriter's and our own output
/// only: attributes in double quotes, no nested `<c>`).
#[derive(Debug, Clone)]
struct Sheet {
    head: String,
    /// Row number (1-based) and row.
    rows: Vec<(u32, XRow)>,
    tail: String,
}

fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = attrs.find(&key)? + key.len();
    let end = attrs[start..].find('"')? + start;
    Some(&attrs[start..end])
}

fn without_attr(attrs: &str, name: &str) -> String {
    match attr_value(attrs, name) {
        Some(v) => attrs.replace(&format!(" {name}=\"{v}\""), ""),
        None => attrs.to_owned(),
    }
}

fn split_ref(r: &str) -> (String, u32) {
    let col: String = r.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let row = r[col.len()..].parse().unwrap();
    (col, row)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Sheet {
    fn parse(xml: &str) -> Sheet {
        let start = xml.find("<sheetData>").unwrap() + "<sheetData>".len();
        let end = xml.find("</sheetData>").unwrap();
        let mut rows = Vec::new();
        let mut rest = &xml[start..end];
        while let Some(open) = rest.find("<row ") {
            let tag_end = rest[open..].find('>').unwrap() + open;
            let self_closing = rest[..tag_end].ends_with('/');
            let attrs = rest[open + 4..if self_closing { tag_end - 1 } else { tag_end }].to_owned();
            let r: u32 = attr_value(&attrs, "r").unwrap().parse().unwrap();
            let attrs = without_attr(&attrs, "r");
            let (body, next) = if self_closing {
                ("", tag_end + 1)
            } else {
                let close = rest[tag_end..].find("</row>").unwrap() + tag_end;
                (&rest[tag_end + 1..close], close + "</row>".len())
            };
            rows.push((
                r,
                XRow {
                    attrs,
                    cells: parse_cells(body),
                },
            ));
            rest = &rest[next..];
        }
        Sheet {
            head: xml[..start].to_owned(),
            rows,
            tail: xml[end..].to_owned(),
        }
    }

    fn to_xml(&self) -> String {
        let mut out = self.head.clone();
        for (r, row) in &self.rows {
            out.push_str(&format!("<row r=\"{r}\"{}>", row.attrs));
            for c in &row.cells {
                match &c.inner {
                    Some(inner) => {
                        out.push_str(&format!("<c r=\"{}{r}\"{}>{inner}</c>", c.col, c.attrs))
                    }
                    None => out.push_str(&format!("<c r=\"{}{r}\"{}/>", c.col, c.attrs)),
                }
            }
            out.push_str("</row>");
        }
        out.push_str(&self.tail);
        out
    }

    fn row_mut(&mut self, r: u32) -> &mut XRow {
        let i = match self.rows.iter().position(|(n, _)| *n >= r) {
            Some(i) if self.rows[i].0 == r => i,
            Some(i) => {
                self.rows.insert(
                    i,
                    (
                        r,
                        XRow {
                            attrs: String::new(),
                            cells: Vec::new(),
                        },
                    ),
                );
                i
            }
            None => {
                self.rows.push((
                    r,
                    XRow {
                        attrs: String::new(),
                        cells: Vec::new(),
                    },
                ));
                self.rows.len() - 1
            }
        };
        &mut self.rows[i].1
    }

    /// Sets a cell ("F7") as a user would: the style kept, the value replaced.
    fn set(&mut self, cell: &str, v: V<'_>) -> &mut Self {
        let (col, r) = split_ref(cell);
        let row = self.row_mut(r);
        let key = |c: &XCell| (c.col.len(), c.col.clone());
        let i = match row
            .cells
            .iter()
            .position(|c| key(c) >= (col.len(), col.clone()))
        {
            Some(i) if row.cells[i].col == col => i,
            Some(i) => {
                row.cells.insert(
                    i,
                    XCell {
                        col: col.clone(),
                        attrs: String::new(),
                        inner: None,
                    },
                );
                i
            }
            None => {
                row.cells.push(XCell {
                    col: col.clone(),
                    attrs: String::new(),
                    inner: None,
                });
                row.cells.len() - 1
            }
        };
        let c = &mut row.cells[i];
        let attrs = without_attr(&c.attrs, "t");
        (c.attrs, c.inner) = match v {
            V::Num(n) => (attrs, Some(format!("<v>{n}</v>"))),
            V::Text(s) => (
                format!("{attrs} t=\"inlineStr\""),
                Some(format!("<is><t xml:space=\"preserve\">{}</t></is>", esc(s))),
            ),
            V::Blank => (attrs, None),
            V::Error(e) => (
                format!("{attrs} t=\"e\""),
                Some(format!("<v>{}</v>", esc(e))),
            ),
        };
        self
    }

    /// Deletes row `r` as Excel does: the rows below move up.
    fn delete_row(&mut self, r: u32) -> &mut Self {
        self.rows.retain(|(n, _)| *n != r);
        for (n, _) in &mut self.rows {
            if *n > r {
                *n -= 1;
            }
        }
        self
    }

    /// Inserts an empty row before row `r` as Excel does: the rows from `r` on move down.
    fn insert_row(&mut self, r: u32) -> &mut Self {
        for (n, _) in &mut self.rows {
            if *n >= r {
                *n += 1;
            }
        }
        self
    }

    /// Copies row `from` over row `to` (values and styles), as copy and paste of a whole row.
    fn copy_row(&mut self, from: u32, to: u32) -> &mut Self {
        let row = self
            .rows
            .iter()
            .find(|(n, _)| *n == from)
            .unwrap()
            .1
            .clone();
        *self.row_mut(to) = row;
        self
    }

    fn last_row(&self) -> u32 {
        self.rows.last().map_or(0, |(n, _)| *n)
    }
}

fn parse_cells(body: &str) -> Vec<XCell> {
    let mut cells = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("<c ") {
        let tag_end = rest[open..].find('>').unwrap() + open;
        let self_closing = rest[..tag_end].ends_with('/');
        let attrs = &rest[open + 2..if self_closing { tag_end - 1 } else { tag_end }];
        let (col, _) = split_ref(attr_value(attrs, "r").unwrap());
        let attrs = without_attr(attrs, "r");
        if self_closing {
            cells.push(XCell {
                col,
                attrs,
                inner: None,
            });
            rest = &rest[tag_end + 1..];
        } else {
            let close = rest[tag_end..].find("</c>").unwrap() + tag_end;
            cells.push(XCell {
                col,
                attrs,
                inner: Some(rest[tag_end + 1..close].to_owned()),
            });
            rest = &rest[close + 4..];
        }
    }
    cells
}

/// The package with one part replaced (the others as they were, in order).
fn replace_part(bytes: &[u8], name: &str, content: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, data) in unzip(bytes) {
        zip.start_file(n.as_str(), SimpleFileOptions::default())
            .unwrap();
        if n == name {
            zip.write_all(content.as_bytes()).unwrap();
        } else {
            zip.write_all(&data).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}

const SHEET_XML: &str = "xl/worksheets/sheet1.xml";

/// The template of `t` after the user's edits to its sheet "填报".
fn edited(t: &ReportTemplate, edit: impl FnOnce(&mut Sheet)) -> Vec<u8> {
    let bytes = report_template_xlsx(t);
    let mut sheet = Sheet::parse(&part(&bytes, SHEET_XML));
    edit(&mut sheet);
    let xml = sheet.to_xml();
    assert_well_formed(SHEET_XML, &xml);
    replace_part(&bytes, SHEET_XML, &xml)
}

/// The errors of a bad upload, as "填报!F7：…" lines; fails when the upload is accepted.
fn errors(bytes: &[u8], t: &ReportTemplate) -> Vec<CellError> {
    match read_report_xlsx(bytes, t) {
        Ok(rows) => panic!("a bad upload was accepted: {rows:?}"),
        Err(e) => {
            assert!(!e.is_empty(), "an error result without errors");
            e
        }
    }
}

fn shown(errors: &[CellError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// Asserts one error at `cell` ("F7") whose reason contains `needle`.
fn assert_error_at(errors: &[CellError], cell: &str, needle: &str) {
    let (col, row) = split_ref(cell);
    assert!(
        errors.iter().any(|e| e.sheet == "填报"
            && e.row == row
            && e.column == col
            && e.reason.contains(needle)),
        "no error at 填报!{cell} containing {needle:?} in {:#?}",
        shown(errors)
    );
}

// ---------------------------------------------------------------------------------------
// The template.

#[test]
fn reproducible_byte_for_byte() {
    let t = sample();
    let first = report_template_xlsx(&t);
    save_sample("report-template.xlsx", &first);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(
        first == report_template_xlsx(&t.clone()),
        "two renderings differ"
    );
    let core = part(&first, "docProps/core.xml");
    assert!(
        core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-12-05T00:00:00Z"),
        "{core}"
    );
    assert!(
        core.contains("2026年11月调度进展填报表（区住房城乡建设局）"),
        "{core}"
    );
    assert_eq!(
        template_file_name(&t),
        "2026年11月调度-区住房城乡建设局-填报表.xlsx"
    );
}

/// The style indexes (`s`) whose cells are unlocked.
fn unlocked_styles(styles: &str) -> Vec<usize> {
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    xfs.split("<xf ")
        .skip(1)
        .enumerate()
        .filter(|(_, xf)| {
            let xf = xf.split("</xf>").next().unwrap();
            xf.contains(r#"<protection locked="0"/>"#)
        })
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn layout_locks_all_but_the_input_cells() {
    let t = sample();
    let bytes = report_template_xlsx(&t);
    let names: Vec<String> = unzip(&bytes).into_iter().map(|(n, _)| n).collect();
    for (name, data) in unzip(&bytes) {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            assert_well_formed(&name, std::str::from_utf8(&data).unwrap());
        }
    }
    assert!(names.contains(&"xl/worksheets/sheet2.xml".to_owned()));
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(r#"<sheet name="填报" sheetId="1""#),
        "{workbook}"
    );
    assert!(
        workbook.contains(r#"<sheet name="meta" sheetId="2" state="veryHidden""#),
        "{workbook}"
    );

    let xml = part(&bytes, SHEET_XML);
    // Protected with the fixed password; rows may be resized, nothing inserted or deleted.
    assert!(
        xml.contains(r#"<sheetProtection password="#) && xml.contains(r#"formatRows="0""#),
        "{xml}"
    );
    assert!(!xml.contains("insertRows") && !xml.contains("deleteRows"));
    // J and K hidden.
    assert!(
        xml.contains(r#"<col min="10" max="11" width="10.7109375" hidden="1""#),
        "{xml}"
    );
    // Decimal validation on F: not negative for counts and levels, any for the growth rate.
    assert!(xml.contains(r#"<dataValidation type="decimal" operator="greaterThanOrEqual""#));
    assert!(xml.contains(r#"sqref="F5:F7""#), "{xml}");
    assert!(
        xml.contains(r#"sqref="F9"><formula1>-1000000000000000</formula1>"#),
        "{xml}"
    );
    assert!(xml.contains(r#"sqref="F10:F12""#));
    // Task 2.3.2's task cells and texts span its two rows.
    for m in [
        "A5:A6", "B5:B6", "G5:G6", "H5:H6", "I5:I6", "G10:G12", "A1:I1",
    ] {
        assert!(
            xml.contains(&format!(r#"<mergeCell ref="{m}"/>"#)),
            "no merge {m}"
        );
    }

    // Exactly F (on rows with a target) and G–I are unlocked.
    let unlocked = unlocked_styles(&part(&bytes, "xl/styles.xml"));
    assert!(!unlocked.is_empty());
    let sheet = Sheet::parse(&xml);
    for (r, row) in &sheet.rows {
        for c in &row.cells {
            let s: usize = attr_value(&c.attrs, "s").map_or(0, |s| s.parse().unwrap());
            let open = unlocked.contains(&s);
            let should =
                *r >= 5 && (matches!(c.col.as_str(), "G" | "H" | "I") || (c.col == "F" && *r != 8));
            assert_eq!(open, should, "{}{r} unlocked: {open}", c.col);
        }
    }
    // The ids in J and K; nothing in K for the task without a target (row 8).
    let cell = |r: u32, col: &str| {
        sheet
            .rows
            .iter()
            .find(|(n, _)| *n == r)
            .and_then(|(_, row)| row.cells.iter().find(|c| c.col == col))
            .and_then(|c| c.inner.clone())
    };
    assert_eq!(cell(5, "J").as_deref(), Some("<v>7</v>"));
    assert_eq!(cell(6, "K").as_deref(), Some("<v>102</v>"));
    assert_eq!(cell(8, "J").as_deref(), Some("<v>9</v>"));
    assert_eq!(cell(8, "K"), None);
    assert_eq!(cell(9, "F").as_deref(), Some("<v>-1.2</v>"));
}

fn cell(r: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    r.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// What another program (calamine) reads in the template: the words a unit sees.
#[test]
fn other_programs_read_the_template() {
    let t = sample();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(report_template_xlsx(&t))).unwrap();
    assert_eq!(wb.sheet_names(), ["填报", "meta"]);
    let r = wb.worksheet_range("填报").unwrap();
    let text = |row, col| match cell(&r, row, col) {
        Data::String(s) => s,
        other => panic!("({row}, {col}) is {other:?}"),
    };
    assert_eq!(text(0, 0), "2026年11月调度进展填报表");
    assert_eq!(text(1, 0), "填报单位：区住房城乡建设局");
    assert_eq!(text(1, 5), "报送截止：2026年12月5日");
    assert!(text(2, 0).starts_with("填报说明：浅黄色单元格为填报区"));
    let header: Vec<String> = (0..11).map(|c| text(3, c)).collect();
    assert_eq!(
        header,
        [
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
            "指标ID"
        ]
    );
    assert_eq!(text(4, 0), "2.3.2");
    assert_eq!(text(4, 3), "≥3个");
    assert_eq!(cell(&r, 4, 5), Data::Float(2.0));
    assert_eq!(cell(&r, 5, 5), Data::Empty);
    assert_eq!(text(5, 2), "惠及居民户数");
    assert_eq!(text(7, 2), "（无量化指标）");
    assert_eq!(text(9, 6), t.tasks[4].narrative);
    assert_eq!(r.end(), Some((11, 10)));
    assert_eq!(
        read_template_meta(&report_template_xlsx(&t)).unwrap(),
        TemplateMeta {
            round_id: RoundId(12),
            round_name: "2026年11月调度".to_owned(),
            unit: "区住房城乡建设局".to_owned(),
        }
    );
}

// ---------------------------------------------------------------------------------------
// Reading back.

#[test]
fn untouched_template_reads_back_its_prefilled_values() {
    let t = sample();
    let read = read_report_xlsx(&report_template_xlsx(&t), &t).unwrap();
    assert_eq!(read, prefilled(&t));
    // The texts of a task with an empty template read empty; values left blank are absent.
    assert_eq!(read[0].values, [(TargetId(101), 2.0)]);
    assert_eq!(read[2].values, Vec::new());
    assert_eq!(read[3].values, [(TargetId(104), -1.2)]);
}

#[test]
fn filled_template_reads_back_the_users_values() {
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("F5", V::Num(3.0))
            // A number typed as text, with a thousands separator.
            .set("F6", V::Text("1,250"))
            .set("F7", V::Num(71.25))
            // A growth rate may fall.
            .set("F9", V::Num(-0.8))
            // Cleared: not reported this round.
            .set("F10", V::Blank)
            .set("F11", V::Num(150.0))
            .set(
                "G5",
                V::Text("  3个小区全部完工。\r\n居民满意度调查已开展。  "),
            )
            .set("H5", V::Blank)
            .set("I5", V::Text("组织竣工验收。"))
            .set("G8", V::Text("新开工保障性租赁住房300套。"))
            .set("H8", V::Num(2024.0))
            .set("G9", V::Text("一季度以来增速逐月回升。"));
    });
    save_sample("report-template-filled.xlsx", &bytes);
    let read = read_report_xlsx(&bytes, &t).unwrap_or_else(|e| panic!("{:#?}", shown(&e)));
    let mut expected = prefilled(&t);
    expected[0].values = vec![(TargetId(101), 3.0), (TargetId(102), 1250.0)];
    expected[0].narrative = "3个小区全部完工。\n居民满意度调查已开展。".to_owned();
    expected[0].problems = String::new();
    expected[0].next_steps = "组织竣工验收。".to_owned();
    expected[1].values = vec![(TargetId(103), 71.25)];
    expected[2].narrative = "新开工保障性租赁住房300套。".to_owned();
    expected[2].problems = "2024".to_owned();
    expected[3].values = vec![(TargetId(104), -0.8)];
    expected[3].narrative = "一季度以来增速逐月回升。".to_owned();
    expected[4].values = vec![(TargetId(106), 150.0), (TargetId(107), 8.25)];
    assert_eq!(read, expected);
}

#[test]
fn empty_template() {
    let mut t = sample();
    t.tasks.clear();
    let bytes = report_template_xlsx(&t);
    assert_eq!(read_report_xlsx(&bytes, &t).unwrap(), []);
}

#[test]
fn odd_texts_survive() {
    let mut t = sample();
    t.tasks[0].narrative = "A&B <x> \"引号\"\n第二行".to_owned();
    t.tasks[0].targets[0].goal = "≥3个 & <更多>".to_owned();
    t.tasks[1].narrative = "长".repeat(40_000);
    t.tasks[1].targets[0].last_value = Some(f64::NAN);
    let bytes = report_template_xlsx(&t);
    let read = read_report_xlsx(&bytes, &t).unwrap_or_else(|e| panic!("{:#?}", shown(&e)));
    assert_eq!(read[0].narrative, "A&B <x> \"引号\"\n第二行");
    assert_eq!(read[1].narrative, "长".repeat(32_767));
    assert_eq!(read[1].values, []);
}

// ---------------------------------------------------------------------------------------
// Bad uploads: each names the sheet, row, column and reason, and nothing is read.

#[test]
fn not_an_xlsx() {
    let t = sample();
    let notice = zhuanban_office::notice_docx(&crate::notice::sample(false));
    for (what, bytes) in [
        ("text", "任务编号,本期进展\n2.3.2,完成".as_bytes().to_vec()),
        ("empty", Vec::new()),
        ("a docx", notice),
        ("an old .xls", {
            let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
            b.resize(512, 0);
            b
        }),
        (
            "a truncated xlsx",
            report_template_xlsx(&t)[..2000].to_vec(),
        ),
    ] {
        let e = errors(&bytes, &t);
        assert_eq!(e.len(), 1, "{what}: {:?}", shown(&e));
        assert_eq!(
            (e[0].sheet.as_str(), e[0].row, e[0].column.as_str()),
            ("", 0, ""),
            "{what}"
        );
        let expected = if what == "an old .xls" {
            "旧版Excel（.xls）"
        } else {
            "不是Excel工作簿（.xlsx）"
        };
        assert!(e[0].reason.contains(expected), "{what}: {}", e[0]);
    }
}

#[test]
fn zip_bomb_is_refused_before_reading() {
    let t = sample();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, data) in unzip(&report_template_xlsx(&t)) {
        zip.start_file(n.as_str(), SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&data).unwrap();
    }
    zip.start_file("xl/media/padding.bin", SimpleFileOptions::default())
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..65 {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1 << 20);
    let e = errors(&bytes, &t);
    assert_eq!(e.len(), 1);
    assert!(e[0].reason.starts_with("文件过大"), "{}", e[0]);
}

#[test]
fn sheet_missing() {
    let t = sample();
    let bytes = report_template_xlsx(&t);
    let renamed = replace_part(
        &bytes,
        "xl/workbook.xml",
        &part(&bytes, "xl/workbook.xml").replace(r#"name="填报""#, r#"name="Sheet1""#),
    );
    let e = errors(&renamed, &t);
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_eq!(e[0].sheet, "填报");
    assert_eq!(e[0].row, 0);
    assert!(e[0].reason.contains("找不到工作表“填报”"), "{}", e[0]);
    assert!(e[0].reason.contains("Sheet1"), "{}", e[0]);
    assert!(
        e[0].to_string().starts_with("填报：找不到工作表"),
        "{}",
        e[0]
    );

    // The rows copied into a new workbook: no template identity.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("填报").unwrap();
    ws.write_string(4, 0, "2.3.2").unwrap();
    let copied = wb.save_to_buffer().unwrap();
    let e = errors(&copied, &t);
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_eq!(e[0].sheet, "meta");
    assert!(e[0].reason.contains("模板标识"), "{}", e[0]);
}

#[test]
fn wrong_round_or_unit() {
    let t = sample();
    let mut october = sample();
    october.round_id = RoundId(11);
    october.round_name = "2026年10月调度".to_owned();
    let e = errors(&report_template_xlsx(&october), &t);
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_eq!(
        e[0].to_string(),
        "填报!A1：这是“2026年10月调度”的填报模板（轮次ID 11），不是本轮“2026年11月调度”的：请下载本轮模板重新填报"
    );

    let mut other = sample();
    other.unit = "区民政人社局".to_owned();
    let e = errors(&report_template_xlsx(&other), &t);
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_eq!(e[0].row, 2);
    assert_eq!(e[0].column, "A");
    assert!(
        e[0].reason.contains("这是“区民政人社局”的填报模板"),
        "{}",
        e[0]
    );
}

#[test]
fn text_in_a_number_cell() {
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("F7", V::Text("两个")).set("F11", V::Text("150户"));
    });
    let e = errors(&bytes, &t);
    assert_eq!(
        shown(&e),
        [
            "填报!F7：不是数字（“两个”）",
            "填报!F11：不是数字（“150户”）"
        ]
    );
}

#[test]
fn numbers_typed_as_the_desk_reads_them() {
    // Full-width digits and punctuation, the target's own unit: read as on the desk.
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("F5", V::Text("３个"))
            .set("F6", V::Text("１，２５０"))
            .set("F7", V::Text("71.25％"))
            .set("F11", V::Text("150套"));
    });
    let read = read_report_xlsx(&bytes, &t).unwrap_or_else(|e| panic!("{:#?}", shown(&e)));
    assert_eq!(
        read[0].values,
        vec![(TargetId(101), 3.0), (TargetId(102), 1250.0)]
    );
    assert_eq!(read[1].values, vec![(TargetId(103), 71.25)]);
    assert_eq!(
        read[4].values,
        vec![
            (TargetId(105), 1.0),
            (TargetId(106), 150.0),
            (TargetId(107), 8.25)
        ]
    );
}

#[test]
fn other_bad_values() {
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("F5", V::Num(-3.0))
            .set("F6", V::Error("#DIV/0!"))
            .set("F7", V::Text("95个"))
            // A task without targets takes no value.
            .set("F8", V::Num(1.0))
            // The growth rate may be negative, but must be a number.
            .set("F9", V::Text("-"))
            .set("G10", V::Error("#N/A"));
    });
    let e = errors(&bytes, &t);
    assert_eq!(e.len(), 6, "{:#?}", shown(&e));
    assert_eq!(e[0].to_string(), "填报!F5：不能为负数（-3）");
    assert_error_at(&e, "F6", "公式出错（#DIV/0!）");
    assert_error_at(&e, "F7", "不是数字（“95个”）");
    assert_error_at(&e, "F8", "本任务没有量化指标，此处不填");
    assert_error_at(&e, "F9", "不是数字（“-”）");
    assert_error_at(&e, "G10", "公式出错（#N/A）");
}

#[test]
fn row_added() {
    let t = sample();
    // A row typed below the table.
    let e = errors(
        &edited(&t, |s| {
            let next = s.last_row() + 1;
            s.set(&format!("C{next}"), V::Text("新增指标"))
                .set(&format!("F{next}"), V::Num(5.0));
        }),
        &t,
    );
    assert_eq!(
        shown(&e),
        ["填报!C13：模板中没有此行（新增的行）：请删除，不要增加行"]
    );

    // A row inserted in the middle (protection lifted): the rows below keep their ids, so only
    // the new row is wrong.
    let e = errors(
        &edited(&t, |s| {
            s.insert_row(7)
                .set("F7", V::Num(1.0))
                .set("G7", V::Text("补充说明"));
        }),
        &t,
    );
    assert_eq!(
        shown(&e),
        ["填报!F7：模板中没有此行（新增的行）：请删除，不要增加行"]
    );

    // A row copied: the same ids twice.
    let e = errors(
        &edited(&t, |s| {
            let next = s.last_row() + 1;
            s.copy_row(7, next);
        }),
        &t,
    );
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_error_at(&e, "A13", "与第7行重复");
}

#[test]
fn row_deleted_or_ids_changed() {
    let t = sample();
    // Row 6 (task 2.3.2's second target) deleted: the rows below move up.
    let e = errors(
        &edited(&t, |s| {
            s.delete_row(6);
        }),
        &t,
    );
    assert_eq!(e.len(), 1, "{:?}", shown(&e));
    assert_eq!(
        e[0].to_string(),
        "填报!A6：缺少任务2.3.2“老旧小区改造”（指标：惠及居民户数）的行：行被删除，或行标识被改动；请下载本轮模板重新填报"
    );

    // The target id of row 7 changed.
    let e = errors(
        &edited(&t, |s| {
            s.set("K7", V::Num(555.0));
        }),
        &t,
    );
    assert_eq!(e.len(), 2, "{:?}", shown(&e));
    assert_error_at(&e, "K7", "指标ID 555不属于任务2.4.1");
    assert_error_at(&e, "A7", "缺少任务2.4.1");

    // The task id of row 8 made text.
    let e = errors(
        &edited(&t, |s| {
            s.set("J8", V::Text("九"));
        }),
        &t,
    );
    assert_error_at(&e, "J8", "行标识被改动（任务ID为“九”）");
    assert_error_at(&e, "A8", "缺少任务3.1.2");
}

#[test]
fn a_task_of_another_unit() {
    let t = sample();
    let other = ReportTemplate {
        unit: "区民政人社局".to_owned(),
        tasks: vec![task(
            31,
            "6.2.1",
            "养老服务设施建设",
            vec![target(
                3101,
                "新建养老服务中心",
                "≥2个",
                "个",
                Some(1.0),
                TargetKind::Cumulative,
            )],
            ["", "", ""],
        )],
        ..sample()
    };
    // Its row pasted below ours (values and ids as the other template has them).
    let theirs = Sheet::parse(&part(&report_template_xlsx(&other), SHEET_XML));
    let their_row = theirs.rows.iter().find(|(n, _)| *n == 5).unwrap().1.clone();
    let e = errors(
        &edited(&t, |s| {
            let next = s.last_row() + 1;
            *s.row_mut(next) = their_row;
            // Their texts are in their shared strings: as pasted, they are text of the cell.
            s.set(&format!("A{next}"), V::Text("6.2.1"))
                .set(&format!("B{next}"), V::Text("养老服务设施建设"))
                .set(&format!("C{next}"), V::Text("新建养老服务中心"))
                .set(&format!("D{next}"), V::Text("≥2个"))
                .set(&format!("E{next}"), V::Text("个"));
        }),
        &t,
    );
    assert_eq!(
        shown(&e),
        [
            "填报!J13：任务6.2.1（任务ID 31）不是本单位本轮的填报任务：可能是从其他单位或其他轮次的表格复制的行，请删除"
        ]
    );
}

#[test]
fn locked_cells_changed() {
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("D5", V::Text("≥2个"))
            .set("C6", V::Blank)
            .set("B7", V::Text("提高污水收集率"))
            .set("E9", V::Num(5.0))
            .set("A1", V::Text("随便改的标题"))
            .set("F4", V::Text("本期值"))
            .set("L5", V::Text("备注：已核实"));
    });
    let e = errors(&bytes, &t);
    assert_eq!(
        shown(&e),
        [
            "填报!F4：表头被改动：应为“本期累计/最新值”",
            "填报!D5：锁定的单元格被改为“≥2个”：应为“≥3个”，请勿修改",
            "填报!L5：模板之外的单元格有内容（“备注：已核实”）：请删除",
            "填报!C6：锁定的单元格被清空：应为“惠及居民户数”，请勿修改",
            "填报!B7：锁定的单元格被改为“提高污水收集率”：应为“提高城市生活污水集中收集率”，请勿修改",
            "填报!E9：锁定的单元格被改为5：应为“%”，请勿修改",
        ]
    );
}

#[test]
fn every_problem_at_once() {
    let t = sample();
    let bytes = edited(&t, |s| {
        s.set("F5", V::Text("两个"))
            .set("D6", V::Text("≥1000户"))
            .set("F7", V::Num(-1.0))
            .delete_row(8);
        let next = s.last_row() + 1;
        s.set(&format!("G{next}"), V::Text("多写的一行"));
    });
    let e = errors(&bytes, &t);
    assert_eq!(
        shown(&e),
        [
            "填报!F5：不是数字（“两个”）",
            "填报!D6：锁定的单元格被改为“≥1000户”：应为“≥1200户”，请勿修改",
            "填报!F7：不能为负数（-1）",
            "填报!A8：缺少任务3.1.2“完善住房保障体系”的行：行被删除，或行标识被改动；请下载本轮模板重新填报",
            "填报!G12：模板中没有此行（新增的行）：请删除，不要增加行",
        ]
    );
}

#[test]
fn text_below_the_first_row_of_a_task() {
    // A program that unmerged G5:G6 and wrote in G6.
    let t = sample();
    let e = errors(
        &edited(&t, |s| {
            s.set("G6", V::Text("第二个指标的进展"));
        }),
        &t,
    );
    assert_eq!(
        shown(&e),
        ["填报!G6：请填写在本任务的第一行（第5行），此处应为空（现为“第二个指标的进展”）"]
    );
}

// ---------------------------------------------------------------------------------------
// LibreOffice: the template prints (PDF) and a re-saved template reads back.

#[derive(Debug)]
struct Converted {
    pdf: Pdf,
    resaved: Vec<u8>,
}

fn converted() -> &'static Converted {
    static ONCE: OnceLock<Converted> = OnceLock::new();
    ONCE.get_or_init(|| {
        let soffice = require(&["soffice", "libreoffice"], "libreoffice-calc-nogui");
        let dir = TempDir::new("lo-template");
        let file = dir.path().join("template.xlsx");
        std::fs::write(&file, report_template_xlsx(&sample())).unwrap();
        convert(&soffice, dir.path(), "pdf", dir.path(), std::slice::from_ref(&file));
        let calc_missing = |what: &str| {
            format!(
                "LibreOffice wrote no {what}: is LibreOffice Calc installed (Debian libreoffice-calc-nogui)?"
            )
        };
        assert!(dir.path().join("template.pdf").is_file(), "{}", calc_missing("PDF"));
        let out = dir.path().join("resaved");
        std::fs::create_dir_all(&out).unwrap();
        convert(
            &soffice,
            dir.path(),
            "xlsx:Calc MS Excel 2007 XML",
            &out,
            std::slice::from_ref(&file),
        );
        let resaved = std::fs::read(out.join("template.xlsx"))
            .unwrap_or_else(|_| panic!("{}", calc_missing("XLSX")));
        keep_for_people(dir.path(), "template.pdf", "report-template.pdf");
        Converted {
            pdf: pdf(dir.path(), "template.pdf"),
            resaved,
        }
    })
}

/// Copies a converted file to `target/office-samples/` for people to look at.
fn keep_for_people(dir: &Path, name: &str, as_name: &str) {
    save_sample(as_name, &std::fs::read(dir.join(name)).unwrap());
}

#[test]
fn libreoffice_prints_the_template() {
    let pdf = &converted().pdf;
    assert!(pdf.info.contains("A4"), "{}", pdf.info);
    assert_eq!(pages(&pdf.info), 1, "{}", pdf.info);
    let text = compact(&pdf.text);
    for needle in [
        "2026年11月调度进展填报表",
        "填报单位：区住房城乡建设局",
        "报送截止：2026年12月5日",
        "本期累计/最新值",
        "下步打算",
        "老旧小区改造",
        "≥1200户",
        "（无量化指标）",
        "68.5",
        "-1.2",
        "资金到位较慢",
        "第1页，共1页",
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle}: {text}");
    }
    // The hidden ids and the hidden sheet do not print.
    assert!(
        !text.contains("任务ID") && !text.contains("zhuanban-report-template"),
        "{text}"
    );
}

#[test]
fn libreoffice_resaved_template_reads_back() {
    let t = sample();
    let resaved = &converted().resaved;
    save_sample("report-template-libreoffice.xlsx", resaved);
    let read = read_report_xlsx(resaved, &t).unwrap_or_else(|e| panic!("{:#?}", shown(&e)));
    assert_eq!(read, prefilled(&t));
    // LibreOffice keeps the protection, the hidden sheet and the hidden columns.
    let workbook = part(resaved, "xl/workbook.xml");
    assert!(
        workbook.contains("veryHidden") || workbook.contains("hidden"),
        "{workbook}"
    );
    let sheet = unzip(resaved)
        .into_iter()
        .find(|(n, d)| {
            n.starts_with("xl/worksheets/sheet")
                && String::from_utf8_lossy(d).contains("sheetProtection")
        })
        .map(|(_, d)| String::from_utf8(d).unwrap());
    assert!(sheet.is_some_and(|s| s.contains(r#"hidden="true""#) || s.contains(r#"hidden="1""#)));
}

/// A task whose report is already accepted is shown locked: no cell of its rows is open, its
/// progress cell says why, and the template still reads back.
#[test]
fn an_accepted_task_is_shown_locked() {
    let mut t = sample();
    t.tasks[0].locked = Some("本期报告已采纳".into());
    let bytes = report_template_xlsx(&t);
    let unlocked = unlocked_styles(&part(&bytes, "xl/styles.xml"));
    let sheet = Sheet::parse(&part(&bytes, SHEET_XML));
    for (r, row) in &sheet.rows {
        for c in &row.cells {
            let s: usize = attr_value(&c.attrs, "s").map_or(0, |s| s.parse().unwrap());
            if *r == 5 || *r == 6 {
                assert!(
                    !unlocked.contains(&s),
                    "{}{r} of the accepted task is open",
                    c.col
                );
            }
        }
    }
    // Task 2.4.1 (row 7) is still open to fill in.
    assert!(sheet.rows.iter().any(|(r, row)| *r == 7
        && row.cells.iter().any(|c| c.col == "F"
            && unlocked.contains(&attr_value(&c.attrs, "s").map_or(0, |s| s.parse().unwrap())))));
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = book.worksheet_range("填报").unwrap();
    let g5 = cell(&range, 4, 6).to_string();
    assert!(g5.starts_with("【本期报告已采纳，不可修改】"), "{g5}");
    assert!(read_report_xlsx(&bytes, &t).is_ok());
}
