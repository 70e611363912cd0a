//! The supervision notice (督办通知单) as DOCX: the package, what it says and how (版头 in red,
//! the level in its colour, 主送, the reply deadline, 落款, 签收回执), reproducibility, and
//! LibreOffice printing it.

use std::sync::OnceLock;

use zhuanban_office::notice::{NoticeDoc, document_xml, headline, reply_sentence};
use zhuanban_office::notice_docx;

use crate::docx::{paragraph_with, text_of};
use crate::libreoffice::{Pdf, compact, convert, pages, pdf, require};
use crate::sample::date;
use crate::support::{TempDir, assert_well_formed, part, save_sample, unzip};

pub fn sample(demo: bool) -> NoticeDoc {
    NoticeDoc {
        number: "专班督〔2026〕1号".to_owned(),
        level: "红色".to_owned(),
        issuer: "落实区域共进行动工作专班办公室".to_owned(),
        unit: "区住房城乡建设局".to_owned(),
        task_code: "2.3.2".to_owned(),
        task_title: "老旧小区改造".to_owned(),
        reason: "该任务已超过完成时限（2026年10月31日），目标改造老旧小区3个，截至11月底完成2个，完成率66.7%。\n连续两轮调度滞后，单位说明未提出具体整改措施。".to_owned(),
        reply_by: date(2026, 12, 6),
        issued_on: date(2026, 11, 30),
        demo,
    }
}

const PARTS: [&str; 11] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "word/document.xml",
    "word/_rels/document.xml.rels",
    "word/styles.xml",
    "word/settings.xml",
    "word/fontTable.xml",
    "word/footer1.xml",
    "word/footer2.xml",
    "docProps/core.xml",
    "docProps/app.xml",
];

#[test]
fn package_has_every_part_and_is_well_formed() {
    let docx = notice_docx(&sample(false));
    save_sample("notice.docx", &docx);
    save_sample("notice-demo.docx", &notice_docx(&sample(true)));
    let entries = unzip(&docx);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, PARTS);
    for (name, data) in &entries {
        assert_well_formed(name, std::str::from_utf8(data).unwrap());
    }
    let rels = part(&docx, "word/_rels/document.xml.rels");
    assert!(!rels.contains("image"), "{rels}");
}

#[test]
fn says_what_a_notice_says() {
    let n = sample(false);
    let xml = document_xml(&n);
    let text = text_of(&xml);
    for needle in [
        "红色督办",
        "督办通知单",
        "专班督〔2026〕1号",
        "区住房城乡建设局：",
        "经专班办公室核查，你单位承担的2.3.2“老旧小区改造”任务存在以下问题：该任务已超过完成时限",
        "完成率66.7%。",
        "连续两轮调度滞后",
        "现对该任务予以红色督办。请你单位高度重视，认真研究整改，并请于2026年12月6日前将整改措施书面报送专班办公室。",
        "请于2026年12月6日前将整改措施书面报送专班办公室。",
        "落实区域共进行动工作专班办公室",
        "2026年11月30日",
        "签收回执",
        "通知单编号",
        "签收单位",
        "签收人",
        "签收时间",
    ] {
        assert!(text.contains(needle), "the notice lacks {needle}: {text}");
    }
    assert!(!text.contains("演示数据"));
    assert_eq!(headline(&n), "关于2.3.2“老旧小区改造”任务的督办通知");
    assert_eq!(
        reply_sentence(&n),
        "请于2026年12月6日前将整改措施书面报送专班办公室。"
    );
    // In order: level, masthead, number, 主送, body, 落款, receipt.
    let order = [
        "红色督办",
        "督办通知单",
        "专班督〔2026〕1号",
        "区住房城乡建设局：",
        "连续两轮调度滞后",
        "请于2026年12月6日前",
        "2026年11月30日",
        "签收回执",
        "签收时间",
    ];
    let at: Vec<usize> = order.iter().map(|s| text.find(s).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");
}

#[test]
fn layout_of_a_document() {
    let xml = document_xml(&sample(false));
    // The masthead in red 方正小标宋, large.
    let masthead = paragraph_with(&xml, "督办通知单");
    assert!(
        masthead.contains(r#"w:eastAsia="方正小标宋简体""#),
        "{masthead}"
    );
    assert!(masthead.contains(r#"<w:color w:val="FF0000"/>"#));
    assert!(masthead.contains(r#"<w:sz w:val="72"/>"#));
    // The number centred above the red rule.
    let number = paragraph_with(&xml, "专班督〔2026〕1号");
    assert!(number.contains(r#"<w:jc w:val="center"/>"#));
    assert!(
        number.contains(r#"<w:bottom w:val="single" w:sz="18" w:space="4" w:color="FF0000"/>"#)
    );
    // The level boxed in its colour.
    let level = paragraph_with(&xml, "红色督办");
    assert!(
        level.contains(r#"<w:bdr w:val="single" w:sz="12" w:space="1" w:color="C00000"/>"#),
        "{level}"
    );
    assert!(level.contains(r#"<w:shd w:val="clear" w:color="auto" w:fill="FDE7E7"/>"#));
    // 主送 flush left, body indented two characters.
    let to = paragraph_with(&xml, "区住房城乡建设局：");
    assert!(!to.contains("firstLine"), "{to}");
    let reply = paragraph_with(&xml, "请于2026年12月6日前");
    assert!(reply.contains(r#"w:firstLineChars="200""#));
    // 落款: an issuer longer than the date is two characters (2 × 16 pt) in from the right,
    // the date centred under it.
    let issuer = paragraph_with(&xml, "落实区域共进行动工作专班办公室");
    assert!(issuer.contains(r#"<w:ind w:right="640"/>"#), "{issuer}");
    assert!(issuer.contains("<w:keepNext/>"));
    // The receipt below a dashed line, its table kept together.
    let receipt = paragraph_with(&xml, "签收回执");
    assert!(receipt.contains(r#"<w:top w:val="dashed""#), "{receipt}");
    let table = &xml[xml.find("<w:tbl>").unwrap()..xml.find("</w:tbl>").unwrap()];
    assert!(table.matches("<w:keepNext/>").count() >= 7);
    // Nothing prints the headline; it is the document's subject.
    assert!(!text_of(&xml).contains("关于2.3.2"));
    // A short issuer: the date 4 characters in, the issuer centred over it.
    let mut short = sample(false);
    short.issuer = "专班办公室".to_owned();
    let xml = document_xml(&short);
    let date = paragraph_with(&xml, "2026年11月30日");
    assert!(date.contains(r#"<w:ind w:right="1280"/>"#), "{date}");
}

#[test]
fn levels_in_their_colours() {
    for (level, ink, fill) in [
        ("黄色", "8A5A00", "FFF3D6"),
        ("蓝色", "0D47A1", "E3F2FD"),
        ("red", "C00000", "FDE7E7"),
    ] {
        let n = NoticeDoc {
            level: level.to_owned(),
            ..sample(false)
        };
        let xml = document_xml(&n);
        let text = text_of(&xml);
        let label = match level {
            "red" => "红色督办".to_owned(),
            l => format!("{l}督办"),
        };
        assert!(text.contains(&format!("现对该任务予以{label}。")), "{text}");
        let p = paragraph_with(&xml, &label);
        assert!(p.contains(&format!(r#"w:color="{ink}""#)), "{level}: {p}");
        assert!(p.contains(&format!(r#"w:fill="{fill}""#)), "{level}: {p}");
    }
}

#[test]
fn demo_marks() {
    let docx = notice_docx(&sample(true));
    let xml = part(&docx, "word/document.xml");
    let top = paragraph_with(&xml, "红色督办");
    assert!(text_of(top).contains("【演示数据】"), "{top}");
    for f in ["word/footer1.xml", "word/footer2.xml"] {
        assert!(part(&docx, f).contains("【演示数据】"), "{f}");
    }
    assert!(
        part(&docx, "docProps/core.xml").contains("督办通知单（专班督〔2026〕1号）【演示数据】")
    );
}

#[test]
fn odd_text_stays_valid() {
    let n = NoticeDoc {
        reason: "A&B <x> \"引号\"\u{1}\n\n第二段".to_owned(),
        task_title: "<任务>".to_owned(),
        ..sample(false)
    };
    let docx = notice_docx(&n);
    let xml = part(&docx, "word/document.xml");
    assert_well_formed("document.xml", &xml);
    let text = text_of(&xml);
    assert!(
        text.contains("A&amp;B &lt;x&gt; &quot;引号&quot;"),
        "{text}"
    );
    assert!(text.contains("第二段"));
    // Without a reason, the body still reads.
    let bare = NoticeDoc {
        reason: "  ".to_owned(),
        ..sample(false)
    };
    let text = text_of(&document_xml(&bare));
    assert!(text.contains("任务推进情况需引起重视。"), "{text}");
}

#[test]
fn reproducible_byte_for_byte() {
    let n = sample(false);
    let first = notice_docx(&n);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(first == notice_docx(&n.clone()), "two renderings differ");
    let core = part(&first, "docProps/core.xml");
    assert!(core.contains("2026-11-30T00:00:00Z"), "{core}");
    assert!(first != notice_docx(&sample(true)));
}

#[derive(Debug)]
struct Converted {
    plain: Pdf,
    demo: Pdf,
}

fn converted() -> &'static Converted {
    static ONCE: OnceLock<Converted> = OnceLock::new();
    ONCE.get_or_init(|| {
        let soffice = require(&["soffice", "libreoffice"], "libreoffice-writer-nogui");
        let dir = TempDir::new("lo-notice");
        let plain = dir.path().join("notice.docx");
        let demo = dir.path().join("notice-demo.docx");
        std::fs::write(&plain, notice_docx(&sample(false))).unwrap();
        std::fs::write(&demo, notice_docx(&sample(true))).unwrap();
        convert(&soffice, dir.path(), "pdf", dir.path(), &[plain, demo]);
        save_sample(
            "notice.pdf",
            &std::fs::read(dir.path().join("notice.pdf")).unwrap(),
        );
        Converted {
            plain: pdf(dir.path(), "notice.pdf"),
            demo: pdf(dir.path(), "notice-demo.pdf"),
        }
    })
}

#[test]
fn libreoffice_prints_the_notice() {
    let pdf = &converted().plain;
    assert!(pdf.info.contains("A4"), "{}", pdf.info);
    assert_eq!(pages(&pdf.info), 1, "{}", pdf.info);
    let text = compact(&pdf.text);
    for needle in [
        "红色督办",
        "督办通知单",
        "专班督〔2026〕1号",
        "区住房城乡建设局：",
        "请于2026年12月6日前将整改措施书面报送专班办公室。",
        "落实区域共进行动工作专班办公室",
        "2026年11月30日",
        "签收回执",
        "签收人",
        "签收时间",
        "—1—",
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle}: {text}");
    }
    assert!(!text.contains("演示数据"));
    let demo = compact(&converted().demo.text);
    assert_eq!(demo.matches("【演示数据】").count(), 2, "{demo}");
}
