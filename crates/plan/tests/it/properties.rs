//! Properties: the reader never panics, whatever it is given; numerals round-trip.

use std::path::Path;

use proptest::prelude::*;
use zhuanban_plan::numeral::{parse_chinese, to_chinese};
use zhuanban_plan::outline::{MarkerKind, OutlineNumber};
use zhuanban_plan::{ReadOptions, read_bytes, read_text};

/// Every line of every test plan, as material for fragments.
fn corpus_lines() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plans");
    let mut lines = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    for p in files {
        if p.extension().is_some_and(|e| e == "txt") {
            let t = std::fs::read_to_string(&p).unwrap();
            lines.extend(t.lines().map(str::to_string));
        }
    }
    lines
}

fn check_invariants(text: &str) {
    let r = read_text(text, &ReadOptions::new("fuzz"));
    let max_line = text.split('\n').count();
    for t in &r.plan.tasks {
        assert!(!t.id.is_empty());
        assert!(
            t.line >= 1 && t.line <= max_line,
            "task line {} of {max_line}",
            t.line
        );
        for g in &t.targets {
            assert!(g.value.is_finite());
            // A number without a unit is the value of a count or index it names.
            assert!(!g.unit.is_empty() || !g.metric.is_empty(), "{g:?}");
        }
    }
    for d in &r.diagnostics {
        if let Some(l) = d.line {
            assert!(l <= max_line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = read_bytes(&bytes, &ReadOptions::new("fuzz"));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_invariants(&text);
    }

    #[test]
    fn plan_like_text_never_panics(text in "([一二三四五六七八九十]、|（[一二三]）|[0-9]{1,4}[．.、]|（[0-9]）|[①②]|第[一二]条 |[确保力争完成建设]{1,3}|[0-9]{1,5}(\\.[0-9]{1,2})?|[万亿]|[个所亩吨%人类]|以上|以内|左右|年底|月底前|（|）|牵头|配合|负责|、|，|。|\\n|“|”|[区县市]|局|III|S218|\\|){0,200}") {
        check_invariants(&text);
    }

    #[test]
    fn shuffled_plan_fragments_never_panic(picks in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..200, 0usize..200), 1..60)) {
        let lines = corpus_lines();
        let mut text = String::new();
        for (idx, a, b) in picks {
            let line = idx.get(&lines);
            let chars: Vec<char> = line.chars().collect();
            let (a, b) = (a.min(chars.len()), b.min(chars.len()));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            text.extend(&chars[a..b.max(a)]);
            if b % 3 == 0 { text.push('\n'); }
        }
        check_invariants(&text);
    }

    #[test]
    fn chinese_numerals_round_trip(n in 0u64..1_000_000_000_000) {
        prop_assert_eq!(parse_chinese(&to_chinese(n)), Some(n));
    }

    #[test]
    fn outline_numbers_round_trip(n in 1u64..=99) {
        let cn = to_chinese(n);
        let cases = [
            (format!("{cn}、标题"), MarkerKind::ChineseComma),
            (format!("（{cn}）标题"), MarkerKind::ChineseParen),
            (format!("{n}．标题"), MarkerKind::ArabicDot),
            (format!("{n}.标题"), MarkerKind::ArabicDot),
            (format!("{n}、标题"), MarkerKind::ArabicDot),
            (format!("（{n}）标题"), MarkerKind::ArabicParen),
            (format!("第{cn}条 标题"), MarkerKind::Article),
        ];
        for (line, kind) in cases {
            let m = OutlineNumber::parse(&line).expect("an outline number");
            prop_assert_eq!((m.kind, m.ordinal, &line[m.len..]), (kind, n, "标题"));
        }
    }
}

#[test]
fn mutated_docx_never_panics() {
    use crate::docx_builder;
    let text = "一、工作目标\n完成3个老旧小区改造。（区住建局负责）\n二、工作任务\n（一）加强领导\n1．建设10个公园。（区城管局牵头，区财政局配合）";
    let bytes = docx_builder::build_docx(&docx_builder::from_outline_text(text));
    let mut rng = 0x2545F4914F6CDD1Du64;
    for i in 0..400 {
        let mut b = bytes.clone();
        for _ in 0..(1 + i % 8) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let pos = (rng as usize) % b.len();
            b[pos] = (rng >> 32) as u8;
        }
        if i % 5 == 0 {
            b.truncate((rng as usize) % b.len());
        }
        let _ = read_bytes(&b, &ReadOptions::new("mutated.docx"));
    }
}
