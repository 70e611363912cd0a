//! The 公文 page grid as LibreOffice renders it (GB/T 9704-2012 §5.2.2): 22 lines of 28
//! characters in the 156 mm × 225 mm text block, and the 版记 at the foot of an even page.
//!
//! A bulletin with several pages of plain body text is converted to PDF with LibreOffice and
//! read back with `pdftotext -bbox-layout` (words with their boxes, grouped in lines). A page
//! whose every line is body text must hold 22 lines, and a full line (neither a paragraph's
//! first nor its last) 28 characters. LibreOffice and poppler are required (see
//! `libreoffice`): without them this test fails.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use zhuanban_office::bulletin_docx;

use crate::libreoffice::{convert, pages, pdf, require, run};
use crate::sample::seed_bulletin;
use crate::support::{TempDir, save_sample};

/// One line of text on a page: its top, its bottom, its text without spaces.
#[derive(Debug)]
struct Line {
    y_min: f64,
    y_max: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let tag = format!(" {tag}");
    let key = format!(" {name}=\"");
    let start = tag.find(&key).expect("attribute") + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// The lines of each page of `file`, with the page height (points).
fn layout(file: &Path) -> Vec<(f64, Vec<Line>)> {
    let pdftotext = require(&["pdftotext"], "poppler-utils");
    // To a file: the layout is larger than a pipe holds while `run` waits.
    let target = file.with_extension("html");
    let out = run(
        Command::new(pdftotext)
            .arg("-bbox-layout")
            .arg(file)
            .arg(&target),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "pdftotext -bbox-layout failed");
    let html = std::fs::read_to_string(&target).unwrap();
    let mut pages = Vec::new();
    for page in html.split("<page ").skip(1) {
        let height = attr(&page[..page.find('>').unwrap()], "height");
        // Words by position; those on one baseline (tops within 2 pt) make one line, left to
        // right (pdftotext may split a line of evenly spaced characters into many).
        let mut words: Vec<(f64, f64, f64, String)> = Vec::new();
        for word in page.split("<word ").skip(1) {
            let tag = &word[..word.find('>').unwrap()];
            let start = word.find('>').unwrap() + 1;
            let end = word.find("</word>").unwrap();
            words.push((
                attr(tag, "yMin"),
                attr(tag, "yMax"),
                attr(tag, "xMin"),
                word[start..end].split_whitespace().collect(),
            ));
        }
        words.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.total_cmp(&b.2)));
        let mut lines: Vec<(Line, Vec<(f64, String)>)> = Vec::new();
        for (y_min, y_max, x, text) in words {
            match lines.last_mut() {
                Some((l, ws)) if (y_min - l.y_min).abs() < 2.0 => {
                    l.y_max = l.y_max.max(y_max);
                    ws.push((x, text));
                }
                _ => lines.push((
                    Line {
                        y_min,
                        y_max,
                        text: String::new(),
                    },
                    vec![(x, text)],
                )),
            }
        }
        let lines = lines
            .into_iter()
            .map(|(mut l, mut ws)| {
                ws.sort_by(|a, b| a.0.total_cmp(&b.0));
                l.text = ws.into_iter().map(|w| w.1).collect();
                l
            })
            .collect();
        pages.push((height, lines));
    }
    pages
}

/// A paragraph of `n` Han characters without punctuation (nothing to compress or hang).
fn han(n: usize, seed: usize) -> String {
    const POOL: &str = "各成员单位要对照任务清单倒排工期压实责任加强调度确保按期完成目标任务持续推进区域共进行动走深走实";
    let pool: Vec<char> = POOL.chars().collect();
    (0..n).map(|i| pool[(i + seed) % pool.len()]).collect()
}

#[test]
fn libreoffice_lays_out_22_lines_of_28_characters_and_the_colophon_on_an_even_page() {
    let soffice = require(&["soffice", "libreoffice"], "libreoffice-writer-nogui");
    let mut b = seed_bulletin(false);
    // Four long paragraphs (about 90 lines): whole pages of body text after the masthead.
    b.summary = (0..4)
        .map(|i| han(620, i * 7))
        .collect::<Vec<_>>()
        .join("\n");
    b.recipients = "各成员单位".to_owned();
    b.cc = "区委办公室，区人大常委会办公室，区政府办公室，区政协办公室".to_owned();
    b.printer = "落实区域共进行动工作专班办公室".to_owned();
    let bytes = bulletin_docx(&b);
    save_sample("bulletin-grid.docx", &bytes);
    let dir = TempDir::new("grid");
    let file = dir.path().join("grid.docx");
    std::fs::write(&file, &bytes).unwrap();
    // As printed: the blank page before an even-page section is kept (LibreOffice leaves it out
    // of a PDF by default; Word and a printer keep it).
    convert(
        &soffice,
        dir.path(),
        r#"pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}"#,
        dir.path(),
        &[file],
    );
    let pdf_file = dir.path().join("grid.pdf");
    let info = pdf(dir.path(), "grid.pdf");
    let n = pages(&info.info);
    let pages = layout(&pdf_file);
    assert_eq!(pages.len(), n);

    // The text block ends 35 mm above the page's foot; the footer's page number is below it.
    let mm = 72.0 / 25.4;
    fn body_lines(p: &(f64, Vec<Line>)) -> Vec<&Line> {
        let mm = 72.0 / 25.4;
        let bottom = p.0 - 35.0 * mm + 2.0;
        p.1.iter().filter(|l| l.y_max <= bottom).collect()
    }
    let body_text: String = (0..4).map(|i| han(620, i * 7)).collect();
    let is_body = |l: &Line| !l.text.is_empty() && body_text.contains(&l.text);
    // Page 2 is wholly body text (page 1 has the masthead, the summary starts there).
    let page2 = body_lines(&pages[1]);
    assert!(
        page2.iter().all(|l| is_body(l)),
        "page 2 is not all body text: {page2:#?}"
    );
    assert_eq!(page2.len(), 22, "lines on a full page: {page2:#?}");
    // Lines are evenly spaced: 225 mm / 22 ≈ 28.95 pt apart.
    let pitch = (page2[21].y_min - page2[0].y_min) / 21.0;
    assert!(
        (pitch - 225.0 * mm / 22.0).abs() < 0.3,
        "line pitch {pitch}"
    );
    // A full line holds 28 characters; the last line of a paragraph may hold fewer.
    let full: Vec<usize> = page2.iter().map(|l| l.text.chars().count()).collect();
    let count28 = full.iter().filter(|&&c| c == 28).count();
    assert!(
        count28 >= 20 && full.iter().all(|&c| c <= 28),
        "characters per line: {full:?}"
    );

    // The 版记: on the last page, an even one, at its foot; 抄送 and 印发 there.
    assert_eq!(n % 2, 0, "{n} pages: the 版记 page must be even");
    let last = &pages[n - 1];
    let lines = body_lines(last);
    let printed = lines
        .iter()
        .find(|l| l.text.contains("印发"))
        .unwrap_or_else(|| panic!("no 印发 line on the last page: {lines:#?}"));
    assert!(printed.text.contains("落实区域共进行动工作专班办公室"));
    assert!(printed.text.contains("2024年10月8日印发"));
    let bottom = last.0 - 35.0 * mm;
    assert!(
        bottom - printed.y_max < 15.0 * mm,
        "the 印发 line ends {:.1} mm above the text block's foot",
        (bottom - printed.y_max) / mm
    );
    assert!(
        lines.iter().any(|l| l.text.starts_with("抄送：区委办公室")),
        "{lines:#?}"
    );
    // Nothing of the body follows the 版记 or shares its page's foot.
    let all: String = pages
        .iter()
        .flat_map(|p| p.1.iter().map(|l| l.text.clone()))
        .collect();
    assert!(all.contains("各成员单位："));
    for word in ["本轮", "按方案第", "（leader）"] {
        assert!(!all.contains(word), "the PDF says {word}");
    }
}
