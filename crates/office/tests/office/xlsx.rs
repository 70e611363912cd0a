//! The ledger sheet as XLSX: reproducible, laid out as an office keeps it, and read back with
//! calamine to the same values.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use zhuanban_office::bulletin::LedgerSheet;
use zhuanban_office::ledger_xlsx;
use zhuanban_office::xlsx::{COLUMNS, FIRST_ROW, SHEET};

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
        workbook.contains(r#"<sheet name="台账" sheetId="1""#),
        "{workbook}"
    );
    let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
    // Frozen below the header and right of 任务; filter on the header row over 21 rows.
    assert!(
        sheet.contains(r#"<pane xSplit="2" ySplit="3" topLeftCell="C4""#),
        "{sheet}"
    );
    assert!(sheet.contains(r#"<autoFilter ref="A3:L24"/>"#));
    assert!(sheet.contains(r#"<mergeCell ref="A1:L1"/>"#));
    assert!(sheet.contains(r#"<pageSetup paperSize="9" fitToHeight="0" orientation="landscape""#));
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
    assert_eq!(wb.sheet_names(), [SHEET]);
    wb.worksheet_range(SHEET).expect("the sheet")
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
    assert!(
        info.contains("数据截至2024年9月30日") && info.contains("方案第2版"),
        "{info}"
    );
    assert_eq!(info.contains("【演示数据】"), sheet.demo);
    for (i, h) in COLUMNS.iter().enumerate() {
        assert_text(&range, 2, i as u32, h);
    }
    assert_eq!(range.height(), FIRST_ROW as usize + sheet.rows.len());
    for (i, r) in sheet.rows.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        assert_text(&range, row, 0, &r.code);
        assert_text(&range, row, 1, &r.task);
        assert_text(&range, row, 2, &r.content);
        assert_text(&range, row, 3, &r.lead);
        assert_text(&range, row, 4, &r.support);
        assert_number(&range, row, 5, r.target);
        match (cell(&range, row, 6), r.deadline) {
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
        assert_text(&range, row, 7, &r.progress);
        assert_number(&range, row, 8, r.actual);
        assert_number(&range, row, 9, r.completion);
        assert_number(&range, row, 10, r.schedule);
        assert_text(&range, row, 11, &r.status);
    }
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
    assert_number(&range, FIRST_ROW, 5, None);
    assert_number(&range, FIRST_ROW, 8, None);
    assert_text(&range, FIRST_ROW + 1, 2, "A&B <x> \"引号\"\n第二行");
    assert!(matches!(cell(&range, FIRST_ROW + 2, 6), Data::Empty));
    assert_text(&range, FIRST_ROW + 3, 2, &"长".repeat(32_767));
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
