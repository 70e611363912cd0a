//! The supervision notice (督办通知单) as a DOCX laid out as a 公文, with the building blocks of
//! [`crate::docx`] (same page, fonts, line grid, footers and packing; reproducible byte for
//! byte, zip entries stamped with the date of issue).
//!
//! Layout, top to bottom:
//! - the level (红色督办 / 黄色督办 / 蓝色督办) in a box in its colour where a 公文 prints its
//!   紧急程度 (top left, 黑体 3号), with 【演示数据】 in red on the right for a demonstration;
//! - 版头: "督办通知单" in red 方正小标宋 (36 pt), the number (专班督〔2026〕1号) centred
//!   above the red separator line;
//! - 主送 "区住房城乡建设局：", the body in 3号 仿宋 (the task with the reason, the level, and
//!   the reply deadline: "请于2026年12月6日前将整改措施书面报送专班办公室。");
//! - 落款: the issuer and the date of issue, the date four characters in from the right and
//!   the issuer centred over it;
//! - 签收回执 below a dashed cutting line: a table with the number and the unit, and blank
//!   cells for 签收人 and 签收时间; kept together, and with the 落款.
//!
//! With a reason of three or four lines the notice is one page.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::docx::{
    self, Align, BLACK, Cell, Face, LINE, Para, RED, SIZE_3, SIZE_4, SIZE_S4, TEXT_W, XML_DECL,
    head_cell, push_run, push_tab, run, text_cell, text_em,
};
use crate::svg::escape;
use crate::text::{self, cn_date};

/// A supervision notice, everything it says already decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeDoc {
    /// The document number, "专班督〔2026〕1号".
    pub number: String,
    /// "红色", "黄色" or "蓝色" ("红色督办", "红" and "red" are read the same way).
    pub level: String,
    /// "落实区域共进行动工作专班办公室"
    pub issuer: String,
    /// The unit it is addressed to (主送).
    pub unit: String,
    pub task_code: String,
    pub task_title: String,
    /// Why the task is supervised; one or more paragraphs.
    pub reason: String,
    /// The deadline for the written reply.
    pub reply_by: NaiveDate,
    /// The date of issue (成文日期).
    pub issued_on: NaiveDate,
    /// Demonstration data: the notice says so at the top and in every footer.
    pub demo: bool,
}

/// A level's words and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Level {
    /// "红色"
    name: &'static str,
    ink: &'static str,
    fill: &'static str,
}

fn level(s: &str) -> Option<Level> {
    let s = s.trim();
    let s = s.strip_suffix("督办").unwrap_or(s).trim();
    let s = s.strip_suffix('色').unwrap_or(s);
    Some(match s.to_ascii_lowercase().as_str() {
        "红" | "red" => Level {
            name: "红色",
            ink: "C00000",
            fill: "FDE7E7",
        },
        "黄" | "yellow" => Level {
            name: "黄色",
            ink: "8A5A00",
            fill: "FFF3D6",
        },
        "蓝" | "blue" => Level {
            name: "蓝色",
            ink: "0D47A1",
            fill: "E3F2FD",
        },
        _ => return None,
    })
}

/// "红色督办" (an unknown level as given, with 督办).
fn level_label(n: &NoticeDoc) -> String {
    match level(&n.level) {
        Some(l) => format!("{}督办", l.name),
        None => {
            let s = n.level.trim();
            if s.is_empty() {
                "督办".to_owned()
            } else if s.ends_with("督办") {
                s.to_owned()
            } else {
                format!("{s}督办")
            }
        }
    }
}

/// 2.3.2“老旧小区改造”
fn task_ref(n: &NoticeDoc) -> String {
    let code = n.task_code.trim();
    let title = n.task_title.trim();
    match (code.is_empty(), title.is_empty()) {
        (false, false) => format!("{code}“{title}”"),
        (true, false) => format!("“{title}”"),
        (false, true) => code.to_owned(),
        (true, true) => "相关".to_owned(),
    }
}

/// "关于2.3.2“老旧小区改造”任务的督办通知": the document's subject (in its properties; the
/// notice itself is headed by its masthead).
pub fn headline(n: &NoticeDoc) -> String {
    format!("关于{}任务的督办通知", task_ref(n))
}

/// "请于2026年12月6日前将整改措施书面报送专班办公室。"
pub fn reply_sentence(n: &NoticeDoc) -> String {
    format!(
        "请于{}前将整改措施书面报送专班办公室。",
        cn_date(n.reply_by)
    )
}

/// A run with a box and a fill (the level mark).
fn boxed_run(out: &mut String, text: &str, ink: &str, fill: &str) {
    let _ = write!(
        out,
        concat!(
            r#"<w:r><w:rPr><w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体" w:cs="黑体" w:hint="eastAsia"/>"#,
            r#"<w:b/><w:bCs/><w:color w:val="{ink}"/><w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
            r#"<w:bdr w:val="single" w:sz="12" w:space="1" w:color="{ink}"/>"#,
            r#"<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:rPr>"#,
            r#"<w:t xml:space="preserve">{t}</w:t></w:r>"#
        ),
        ink = ink,
        fill = fill,
        s = SIZE_3,
        t = escape(text)
    );
}

fn blank(out: &mut String) {
    Para {
        line: LINE,
        ..Para::default()
    }
    .write(out, &[]);
}

fn body(n: &NoticeDoc) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let label = level_label(n);

    // The level where a 公文 prints its 紧急程度, and the demo mark on the right.
    let mut p = Para {
        line: LINE,
        jc: "left",
        ..Para::default()
    };
    p.tabs = format!(r#"<w:tabs><w:tab w:val="right" w:pos="{TEXT_W}"/></w:tabs>"#);
    p.open(&mut out);
    let (ink, fill) = level(&n.level).map_or((BLACK, "EEEEEE"), |l| (l.ink, l.fill));
    boxed_run(&mut out, &format!("\u{3000}{label}\u{3000}"), ink, fill);
    if n.demo {
        push_tab(&mut out, Face::Hei, SIZE_3);
        push_run(
            &mut out,
            &run(Face::Hei, SIZE_3, "【演示数据】").colour(RED),
        );
    }
    out.push_str("</w:p>\n");

    // 版头: the name in red, the number over the red rule.
    let size = 72; // 36 pt
    Para {
        before: 120,
        after: 120,
        ..Para::centred(size * 10 * 13 / 10)
    }
    .write(
        &mut out,
        &[run(Face::Title, size, "督办通知单").colour(RED)],
    );
    let mut p = Para::centred(LINE);
    p.borders = format!(
        r#"<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="4" w:color="{RED}"/></w:pBdr>"#
    );
    p.write(&mut out, &[run(Face::Fang, SIZE_3, n.number.trim())]);
    blank(&mut out);

    // 主送
    Para {
        line: LINE,
        jc: "both",
        ..Para::default()
    }
    .write(
        &mut out,
        &[run(Face::Fang, SIZE_3, &format!("{}：", n.unit.trim()))],
    );

    // The body: the task and the first paragraph of the reason, any further paragraphs, then
    // the level and the reply deadline.
    let reasons = text::paragraphs(&n.reason);
    let opening = match reasons.first() {
        Some(first) => format!(
            "经专班办公室核查，你单位承担的{}任务存在以下问题：{first}",
            task_ref(n)
        ),
        None => format!(
            "经专班办公室核查，你单位承担的{}任务推进情况需引起重视。",
            task_ref(n)
        ),
    };
    Para::body().write(&mut out, &[run(Face::Fang, SIZE_3, &opening)]);
    for r in reasons.iter().skip(1) {
        Para::body().write(&mut out, &[run(Face::Fang, SIZE_3, r)]);
    }
    // Worded so that no full stop of this fixed text falls at the end of a line: LibreOffice
    // (7.4) drops a 。 that ends a justified line exactly at the right margin.
    let decision = format!(
        "现对该任务予以{label}。请你单位高度重视，认真研究整改，并{}",
        reply_sentence(n)
    );
    Para {
        keep_next: true,
        ..Para::body()
    }
    .write(&mut out, &[run(Face::Fang, SIZE_3, &decision)]);
    Para {
        line: LINE,
        keep_next: true,
        ..Para::default()
    }
    .write(&mut out, &[]);

    // 落款: the date four characters in from the right, the issuer centred over it (or, when
    // the issuer is longer, two characters in and the date centred under it).
    let date = cn_date(n.issued_on);
    let issuer = n.issuer.trim();
    let ch = f64::from(SIZE_3 * 10);
    let (em_i, em_d) = (text_em(issuer), text_em(&date));
    let (right_i, right_d) = if em_i <= em_d {
        (4.0 * ch + (em_d - em_i) / 2.0 * ch, 4.0 * ch)
    } else {
        (2.0 * ch, 2.0 * ch + (em_i - em_d) / 2.0 * ch)
    };
    for (text, right) in [(issuer, right_i), (date.as_str(), right_d)] {
        Para {
            line: LINE,
            jc: "right",
            right: right.round() as u32,
            keep_next: true,
            ..Para::default()
        }
        .write(&mut out, &[run(Face::Fang, SIZE_3, text)]);
    }

    receipt(&mut out, n);
    out
}

/// 签收回执 below a dashed cutting line: the number and the unit, blank cells for 签收人 and
/// 签收时间; kept together, and with the 落款 above.
fn receipt(out: &mut String, n: &NoticeDoc) {
    let mut p = Para {
        line: LINE,
        before: 240,
        after: 60,
        keep_next: true,
        ..Para::centred(LINE)
    };
    p.borders = format!(
        r#"<w:pBdr><w:top w:val="dashed" w:sz="6" w:space="8" w:color="{BLACK}"/></w:pBdr>"#
    );
    p.write(
        out,
        &[
            run(Face::Hei, SIZE_4, "签收回执"),
            run(
                Face::Fang,
                SIZE_S4,
                "（请于收到当日签收，并报送专班办公室）",
            ),
        ],
    );

    let widths = [1500, 2922, 1500, 2923];
    let keep = |mut c: Cell| {
        // Every paragraph of the table keeps with the next, so the table stays together.
        c.content = c.content.replace("<w:pPr>", "<w:pPr><w:keepNext/>");
        c
    };
    // Room for a signature: one empty line 28 pt high.
    let mut space = String::new();
    Para {
        line: 560,
        ..Para::default()
    }
    .write(&mut space, &[]);
    let space = Cell {
        content: space,
        span: 1,
        lines: 2,
        ..Cell::default()
    };
    let first = vec![
        keep(head_cell("通知单编号")),
        keep(text_cell(n.number.trim(), Align::Centre, widths[1])),
        keep(head_cell("签收单位")),
        keep(text_cell(n.unit.trim(), Align::Centre, widths[3])),
    ];
    let rows = vec![vec![
        keep(head_cell("签收人")),
        keep(space),
        keep(head_cell("签收时间")),
        text_cell("　年　月　日　时", Align::Centre, widths[3]),
    ]];
    docx::table(out, &widths, first, rows);
}

/// `word/document.xml` of a notice.
pub fn document_xml(n: &NoticeDoc) -> String {
    let body = body(n);
    crate::docx::section_document(&body)
}

fn core_xml(n: &NoticeDoc) -> String {
    let mut title = format!("督办通知单（{}）", n.number.trim());
    if n.demo {
        title.push_str("【演示数据】");
    }
    let when = format!("{}T00:00:00Z", n.issued_on.format("%Y-%m-%d"));
    format!(
        concat!(
            "{decl}",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{creator}</dc:creator>",
            "<cp:lastModifiedBy>{creator}</cp:lastModifiedBy><dc:language>zh-CN</dc:language>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>"#,
            "</cp:coreProperties>\n"
        ),
        decl = XML_DECL,
        title = escape(&title),
        subject = escape(&headline(n)),
        creator = escape(n.issuer.trim()),
        when = when
    )
}

/// The notice as a DOCX: see the [module documentation](self). The same notice always gives
/// the same bytes.
pub fn notice_docx(n: &NoticeDoc) -> Vec<u8> {
    let parts: Vec<(&str, Vec<u8>)> = vec![
        (
            "[Content_Types].xml",
            docx::content_types_xml().into_bytes(),
        ),
        ("_rels/.rels", docx::root_rels_xml().into_bytes()),
        ("word/document.xml", document_xml(n).into_bytes()),
        (
            "word/_rels/document.xml.rels",
            docx::document_rels_xml(false).into_bytes(),
        ),
        ("word/styles.xml", docx::styles_xml().into_bytes()),
        ("word/settings.xml", docx::settings_xml().into_bytes()),
        ("word/fontTable.xml", docx::font_table_xml().into_bytes()),
        (
            "word/footer1.xml",
            docx::footer_xml(true, n.demo).into_bytes(),
        ),
        (
            "word/footer2.xml",
            docx::footer_xml(false, n.demo).into_bytes(),
        ),
        ("docProps/core.xml", core_xml(n).into_bytes()),
        ("docProps/app.xml", docx::app_xml().into_bytes()),
    ];
    docx::pack(&parts, n.issued_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        for (given, label) in [
            ("红色", "红色督办"),
            ("红", "红色督办"),
            ("red", "红色督办"),
            ("黄色督办", "黄色督办"),
            (" 蓝色 ", "蓝色督办"),
            ("Blue", "蓝色督办"),
            ("橙色", "橙色督办"),
            ("", "督办"),
        ] {
            let n = NoticeDoc {
                number: String::new(),
                level: given.to_owned(),
                issuer: String::new(),
                unit: String::new(),
                task_code: String::new(),
                task_title: String::new(),
                reason: String::new(),
                reply_by: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
                issued_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
                demo: false,
            };
            assert_eq!(level_label(&n), label, "{given}");
        }
    }
}
