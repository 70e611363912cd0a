//! The same plan in other forms reads the same: GB18030 bytes, a .docx whose numbers Word
//! generates (numbering.xml), and traditional characters. Unreadable input fails clearly.

use std::path::Path;

use serde_json::Value;
use zhuanban_plan::{DecodeError, Plan, ReadOptions, SourceFormat, read_bytes};

use crate::compare;
use crate::docx_builder;

const SEED: &str = "datonghu-regional-action-2024";

fn seed_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/plans/{SEED}.txt")),
    )
    .unwrap()
}

fn expected() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/data/plans/{SEED}.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn read(bytes: &[u8]) -> (Plan, Option<SourceFormat>) {
    let r = read_bytes(bytes, &ReadOptions::new(format!("{SEED}.txt"))).expect("readable");
    (r.plan, r.format)
}

fn assert_reads_as_expected(plan: &Plan) {
    let diffs = compare::reading(&expected(), &serde_json::to_value(plan).unwrap());
    assert!(diffs.is_empty(), "differences:\n{}", diffs.join("\n"));
}

#[test]
fn gb18030_reads_like_utf8() {
    let text = seed_text();
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let (from_gbk, format) = read(&gbk);
    assert_eq!(format, Some(SourceFormat::Gb18030));
    let (from_utf8, _) = read(text.as_bytes());
    assert_eq!(from_gbk, from_utf8);
    assert_reads_as_expected(&from_gbk);
}

#[test]
fn utf8_with_bom_reads_like_utf8() {
    let text = seed_text();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let (plan, format) = read(&bytes);
    assert_eq!(format, Some(SourceFormat::Utf8Bom));
    assert_eq!(plan, read(text.as_bytes()).0);
}

#[test]
fn docx_with_automatic_numbering_reads_the_same() {
    let paras = docx_builder::from_outline_text(&seed_text());
    // The numbers must come from numbering.xml, not from the paragraph text.
    let numbered = paras
        .iter()
        .filter(|p| matches!(p, docx_builder::DocxPara::Numbered { .. }))
        .count();
    assert!(
        numbered >= 20,
        "the seed has at least 20 numbered paragraphs, got {numbered}"
    );
    for p in &paras {
        if let docx_builder::DocxPara::Numbered { text, .. } = p {
            assert!(
                !text.starts_with(['一', '二', '三', '（', '1', '2', '3', '4']),
                "number left in text: {text}"
            );
        }
    }
    let bytes = docx_builder::build_docx(&paras);
    let (plan, format) = read(&bytes);
    assert_eq!(format, Some(SourceFormat::Docx));
    assert_reads_as_expected(&plan);
}

#[test]
fn traditional_characters_read_the_same() {
    let cc =
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2t).unwrap();
    let text = cc.convert(&seed_text());
    assert!(
        text.contains("牽頭") || text.contains("負責"),
        "the text was converted"
    );
    let (plan, _) = read(text.as_bytes());
    let back =
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).unwrap();
    // Names stay as written (traditional); converted back they are the expected names.
    assert_eq!(plan.tasks[1].lead, vec!["區交通運輸局".to_string()]);
    let mut v = serde_json::to_value(&plan).unwrap();
    simplify(&mut v, &back);
    let diffs = compare::reading(&expected(), &v);
    assert!(diffs.is_empty(), "differences:\n{}", diffs.join("\n"));
}

#[test]
fn target_units_in_traditional_characters_stay_as_written() {
    let text = "一、重點任務\n1．新增7000張養老床位，完成8萬戶農村生活污水處理設施改造，推進50處擁堵點改善。（區民政局負責）\n";
    let (plan, _) = read(text.as_bytes());
    let got: Vec<(f64, &str)> = plan.tasks[0]
        .targets
        .iter()
        .map(|t| (t.value, t.unit.as_str()))
        .collect();
    assert_eq!(got, [(7000.0, "張"), (80000.0, "戶"), (50.0, "處")]);
}

fn simplify(v: &mut Value, cc: &ferrous_opencc::OpenCC) {
    match v {
        Value::String(s) => *s = cc.convert(s),
        Value::Array(a) => a.iter_mut().for_each(|x| simplify(x, cc)),
        Value::Object(o) => o.values_mut().for_each(|x| simplify(x, cc)),
        _ => {}
    }
}

#[test]
fn unreadable_input_fails_with_a_reason() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "文件为空"),
        ("blank", b"  \r\n\n ".to_vec(), "空白"),
        (
            "binary",
            vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0],
            "二进制",
        ),
        (
            "not a zip",
            b"PK\x03\x04 this is not really a zip archive".to_vec(),
            "docx",
        ),
    ];
    for (what, bytes, needle) in cases {
        let err = read_bytes(&bytes, &ReadOptions::new("x"))
            .err()
            .unwrap_or_else(|| panic!("{what} must fail"));
        let msg = err.to_string();
        assert!(msg.to_lowercase().contains(needle), "{what}: {msg}");
    }
    // A .docx cut in half.
    let bytes = docx_builder::build_docx(&docx_builder::from_outline_text(&seed_text()));
    let half = &bytes[..bytes.len() / 2];
    assert!(matches!(
        read_bytes(half, &ReadOptions::new("x")),
        Err(DecodeError::Docx(_))
    ));
}
