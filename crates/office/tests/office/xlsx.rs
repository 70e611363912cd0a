//! The ledger sheet as XLSX: reproducible, laid out as an office keeps it, and read back with
//! calamine to the same values.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use zhuanban_office::bulletin::LedgerSheet;
use zhuanban_office::figures::class_numeral;
use zhuanban_office::ledger_xlsx;
use zhuanban_office::xlsx::{COLUMNS, FIRST_ROW, SHEET, SHEET_A3, reporting_text};

use crate::sample::{large_ledger, seed_ledger};
use crate::support::{part, save_sample, unzip};

#[test]
fn reproducible_byte_for_byte() {
    let sheet = seed_ledger(false);
    let first = ledger_xlsx(&sheet);
    save_sample("ledger.xlsx", &first);
    save_sample("ledger-demo.xlsx", &ledger_xlsx(&seed_ledger(true)));
    // Across a second boundary, so that a clock read anywhere would show.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = ledger_xlsx(&sheet.clone());
    assert!(first == second, "two renderings of the same sheet differ");
    let core = part(&first, "docProps/core.xml");
    assert!(
        core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-09-30T00:00:00Z"),
        "{core}"
    );
}

#[test]
fn sheet_layout() {
    let xlsx = ledger_xlsx(&seed_ledger(false));
    let names: Vec<String> = unzip(&xlsx).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"xl/worksheets/sheet1.xml".to_owned()));
    let workbook = part(&xlsx, "xl/workbook.xml");
    assert!(
        workbook.contains(r#"<sheet name="台账" sheetId="1""#)
            && workbook.contains(r#"<sheet name="台账（A3）" sheetId="2""#),
        "{workbook}"
    );
    // The header row repeats on every printed page, on both sheets.
    assert!(
        workbook.contains(
            r#"<definedName name="_xlnm.Print_Titles" localSheetId="0">台账!$3:$3</definedName>"#
        ),
        "{workbook}"
    );
    assert!(
        workbook.contains(r#"localSheetId="1">'台账（A3）'!$3:$3</definedName>"#),
        "{workbook}"
    );
    // A4 landscape and A3 landscape, each one page wide.
    for (n, paper) in [(1, 9), (2, 8)] {
        let sheet = part(&xlsx, &format!("xl/worksheets/sheet{n}.xml"));
        // Frozen below the header and right of 任务名称; filter on the header row over 21 rows.
        assert!(
            sheet.contains(r#"<pane xSplit="3" ySplit="3" topLeftCell="D4""#),
            "{sheet}"
        );
        assert!(sheet.contains(r#"<autoFilter ref="A3:P24"/>"#));
        assert!(sheet.contains(r#"<mergeCell ref="A1:P1"/>"#));
        assert!(
            sheet.contains(&format!(
                r#"<pageSetup paperSize="{paper}" fitToHeight="0" orientation="landscape""#
            )),
            "{sheet}"
        );
        assert!(sheet.contains(r#"<pageSetUpPr fitToPage="1"/>"#));
    }
    let styles = part(&xlsx, "xl/styles.xml");
    for f in [
        r#"formatCode="0.0%""#,
        r##"formatCode="#,##0&quot;人&quot;""##,
        r##"formatCode="#,##0.00&quot;mg/L&quot;""##,
        r#"formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;""#,
    ] {
        assert!(styles.contains(f), "no number format {f}");
    }
    // Status fills in the desk's palette.
    for c in ["FF2E7D32", "FFF9A825", "FFC62828", "FF9E9E9E"] {
        assert!(
            styles.contains(&format!(r#"<fgColor rgb="{c}"/>"#)),
            "no fill {c}"
        );
    }
    assert!(styles.contains("宋体"));
}

fn read(bytes: &[u8]) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("calamine opens it");
    assert_eq!(wb.sheet_names(), [SHEET, SHEET_A3]);
    let a4 = wb.worksheet_range(SHEET).expect("the sheet");
    let a3 = wb.worksheet_range(SHEET_A3).expect("the A3 sheet");
    assert_eq!(a4, a3, "the A3 sheet is the same table");
    a4
}

fn cell(r: &calamine::Range<Data>, row: u32, col: u32) -> &Data {
    r.get_value((row, col)).unwrap_or(&Data::Empty)
}

fn assert_text(r: &calamine::Range<Data>, row: u32, col: u32, expected: &str) {
    match cell(r, row, col) {
        Data::String(s) => assert_eq!(s, expected, "({row}, {col})"),
        Data::Empty => assert_eq!(expected, "", "({row}, {col}) is empty"),
        other => panic!("({row}, {col}) is {other:?}, expected text {expected:?}"),
    }
}

fn assert_number(r: &calamine::Range<Data>, row: u32, col: u32, expected: Option<f64>) {
    match (cell(r, row, col), expected) {
        (Data::Float(v), Some(e)) => assert!((v - e).abs() < 1e-12, "({row}, {col}): {v} ≠ {e}"),
        (Data::Int(v), Some(e)) => assert_eq!(*v as f64, e, "({row}, {col})"),
        (Data::Empty, None) => {}
        (other, e) => panic!("({row}, {col}) is {other:?}, expected {e:?}"),
    }
}

fn assert_round_trip(sheet: &LedgerSheet) {
    let range = read(&ledger_xlsx(sheet));
    assert_eq!(range.start(), Some((0, 0)));
    assert_text(&range, 0, 0, &sheet.title);
    let info = match cell(&range, 1, 0) {
        Data::String(s) => s.clone(),
        other => panic!("info line is {other:?}"),
    };
    assert!(info.contains("数据截至2024年9月30日"), "{info}");
    assert!(!info.contains("方案第"), "no internal words: {info}");
    assert_eq!(info.contains("【演示数据】"), sheet.demo);
    for (i, h) in COLUMNS.iter().enumerate() {
        assert_text(&range, 2, i as u32, h);
    }
    assert_eq!(range.height(), FIRST_ROW as usize + sheet.rows.len());
    for (i, r) in sheet.rows.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        // 序号 runs 1, 2, 3… whatever the task codes.
        assert_number(&range, row, 0, Some((i + 1) as f64));
        assert_text(&range, row, 1, &r.code);
        assert_text(&range, row, 2, &r.task);
        let metric = if r.metric.is_empty() {
            &r.content
        } else {
            &r.metric
        };
        assert_text(&range, row, 3, metric);
        if r.class {
            assert_text(
                &range,
                row,
                4,
                &format!("{}类", class_numeral(r.target.unwrap()).unwrap()),
            );
        } else {
            assert_number(&range, row, 4, r.target);
        }
        match (cell(&range, row, 5), r.deadline) {
            (Data::DateTime(d), Some(expected)) => {
                assert_eq!(
                    d.as_datetime().map(|t| t.date()),
                    Some(expected),
                    "row {row}"
                )
            }
            (Data::Empty, None) => {}
            (other, e) => panic!("deadline of row {row} is {other:?}, expected {e:?}"),
        }
        assert_text(&range, row, 6, &r.lead);
        assert_text(&range, row, 7, &r.support);
        assert_text(&range, row, 8, &r.progress);
        match r.actual.filter(|_| r.class) {
            Some(a) => assert_text(&range, row, 9, &format!("{}类", class_numeral(a).unwrap())),
            None => assert_number(&range, row, 9, r.actual),
        }
        assert_number(&range, row, 10, r.completion);
        assert_number(&range, row, 11, r.schedule);
        assert_text(&range, row, 12, &r.status);
        assert_text(&range, row, 13, &reporting_text(r));
        assert_text(&range, row, 14, &r.problems);
        assert_text(&range, row, 15, &r.next_steps);
    }
}

/// The office's columns filled: metric, reporting state, problems and next steps, and a row
/// whose unit has a newer report awaiting review.
fn office_ledger() -> LedgerSheet {
    let mut sheet = seed_ledger(false);
    sheet.rows[1].metric = "路基工程".to_owned();
    sheet.rows[1].reporting = "按时报送".to_owned();
    sheet.rows[1].problems = "汛期停工两个月".to_owned();
    sheet.rows[1].next_steps = "10月底前完成路基".to_owned();
    sheet.rows[2].reporting = "按时报送".to_owned();
    sheet.rows[2].pending = true;
    // A water class target: Ⅲ类 wanted, Ⅳ类 reached.
    sheet.rows[3].class = true;
    sheet.rows[3].target = Some(3.0);
    sheet.rows[3].actual = Some(4.0);
    sheet.rows[3].unit = "类".to_owned();
    sheet
}

#[test]
fn office_columns_and_pending_reports() {
    let sheet = office_ledger();
    assert_round_trip(&sheet);
    let xlsx = ledger_xlsx(&sheet);
    save_sample("ledger-office.xlsx", &xlsx);
    let range = read(&xlsx);
    assert_text(&range, FIRST_ROW + 1, 3, "路基工程");
    assert_text(&range, FIRST_ROW + 1, 14, "汛期停工两个月");
    assert_text(
        &range,
        FIRST_ROW + 2,
        13,
        "按时报送；新报告待审核（未计入）",
    );
    // The pending mark is filled light yellow (no such fill without a pending row).
    let fill = r#"<fgColor rgb="FFFFF3D6"/>"#;
    assert!(part(&xlsx, "xl/styles.xml").contains(fill));
    assert!(!part(&ledger_xlsx(&seed_ledger(false)), "xl/styles.xml").contains(fill));
}

#[test]
fn reads_back_the_same_values() {
    assert_round_trip(&seed_ledger(false));
    assert_round_trip(&seed_ledger(true));
}

#[test]
fn odd_values_stay_valid() {
    let mut sheet = seed_ledger(false);
    sheet.rows[0].target = Some(f64::NAN);
    sheet.rows[0].actual = Some(f64::INFINITY);
    sheet.rows[1].content = "A&B <x> \"引号\"\n第二行".to_owned();
    sheet.rows[2].deadline = None;
    sheet.rows[3].content = "长".repeat(40_000);
    let range = read(&ledger_xlsx(&sheet));
    assert_number(&range, FIRST_ROW, 4, None);
    assert_number(&range, FIRST_ROW, 9, None);
    assert_text(&range, FIRST_ROW + 1, 3, "A&B <x> \"引号\"\n第二行");
    assert!(matches!(cell(&range, FIRST_ROW + 2, 5), Data::Empty));
    assert_text(&range, FIRST_ROW + 3, 3, &"长".repeat(32_767));
    // An empty sheet is the header alone.
    sheet.rows.clear();
    let range = read(&ledger_xlsx(&sheet));
    assert_eq!(range.height(), FIRST_ROW as usize);
}

#[test]
fn large_sheet() {
    let sheet = large_ledger(2000);
    assert_eq!(sheet.rows.len(), 3000);
    let range = read(&ledger_xlsx(&sheet));
    assert_eq!(range.height(), FIRST_ROW as usize + 3000);
}
