//! Test support: builds real, Word-compatible .docx files in memory.
//!
//! Include it from an integration test with
//!
//! ```ignore
//! #[path = "support/docx_builder.rs"]
//! mod docx_builder;
//! ```
//!
//! Numbered paragraphs use ONE multilevel list with Word automatic numbering, the way Chinese
//! government documents are typeset: the paragraph text does not contain the numbers, Word
//! (or a reader of `word/numbering.xml`) generates them:
//!
//! | level | numFmt                | lvlText | renders as |
//! |-------|-----------------------|---------|------------|
//! | 0     | chineseCounting       | `%1、`  | 一、       |
//! | 1     | chineseCounting       | `（%2）`| （一）     |
//! | 2     | decimal               | `%3．`  | 1．        |
//! | 3     | decimal               | `（%4）`| （1）      |
//! | 4     | decimalEnclosedCircle | `%5`    | ①          |
//!
//! Levels 5–8 are plain decimal (`%6.` …) so the list has the nine levels Word expects.
//! Only `zip` and `std` are used.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// One paragraph to put in the generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocxPara {
    /// An ordinary, unnumbered paragraph.
    Plain(String),
    /// A paragraph of the multilevel list at `level` (0–8; larger values are clamped to 8).
    /// `text` must not contain the number: Word generates it.
    Numbered { level: u8, text: String },
}

/// Builds a .docx with `[Content_Types].xml`, `_rels/.rels`, `word/document.xml`,
/// `word/_rels/document.xml.rels`, `word/numbering.xml` and `word/styles.xml`.
pub fn build_docx(paragraphs: &[DocxPara]) -> Vec<u8> {
    let mut body = String::new();
    for para in paragraphs {
        match para {
            DocxPara::Plain(text) => {
                body.push_str("<w:p>");
                body.push_str(&runs(text));
                body.push_str("</w:p>");
            }
            DocxPara::Numbered { level, text } => {
                let level = (*level).min(8);
                body.push_str(&format!(
                    r#"<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>{}</w:p>"#,
                    runs(text)
                ));
            }
        }
        body.push('\n');
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>
{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr></w:body></w:document>"#
    );

    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", PACKAGE_RELS.to_string()),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/styles.xml", styles_xml()),
        ("word/numbering.xml", numbering_xml()),
    ];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in &parts {
        zip.start_file(*name, options)
            .expect("docx_builder: start zip entry");
        zip.write_all(content.as_bytes())
            .expect("docx_builder: write zip entry");
    }
    zip.finish().expect("docx_builder: finish zip").into_inner()
}

/// Turns plan text into paragraphs: lines starting with "一、", "（一）", "1．"/"1."/"1、",
/// "（1）", "①" become numbered paragraphs of levels 0, 1, 2, 3, 4 with the marker stripped
/// (half-width parentheses and full-width digits are accepted too); other lines are plain.
/// Leading whitespace (including full-width spaces) is ignored when looking for a marker.
pub fn from_outline_text(text: &str) -> Vec<DocxPara> {
    text.lines()
        .map(|line| {
            let line = line.trim_end_matches('\r');
            match strip_marker(line.trim_start()) {
                Some((level, rest)) => DocxPara::Numbered {
                    level,
                    text: rest.trim().to_string(),
                },
                None => DocxPara::Plain(line.to_string()),
            }
        })
        .collect()
}

/// The level of a leading outline marker and the text after it.
fn strip_marker(line: &str) -> Option<(u8, &str)> {
    fn is_cn_numeral(c: char) -> bool {
        "一二三四五六七八九十百零〇两".contains(c)
    }
    fn is_digit(c: char) -> bool {
        c.is_ascii_digit() || ('０'..='９').contains(&c)
    }
    fn take_while(s: &str, pred: fn(char) -> bool) -> (&str, &str) {
        let end = s.find(|c: char| !pred(c)).unwrap_or(s.len());
        s.split_at(end)
    }

    // ① … ⑳
    if let Some(c) = line.chars().next()
        && ('①'..='⑳').contains(&c)
    {
        return Some((4, &line[c.len_utf8()..]));
    }
    // （一） / （1）
    if let Some(inner) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) {
        for (pred, level) in [(is_cn_numeral as fn(char) -> bool, 1u8), (is_digit, 3u8)] {
            let (num, rest) = take_while(inner, pred);
            if !num.is_empty()
                && let Some(rest) = rest.strip_prefix('）').or_else(|| rest.strip_prefix(')'))
            {
                return Some((level, rest));
            }
        }
        return None;
    }
    // 一、
    let (num, rest) = take_while(line, is_cn_numeral);
    if !num.is_empty()
        && let Some(rest) = rest.strip_prefix('、')
    {
        return Some((0, rest));
    }
    // 1． / 1. / 1、  (but not a decimal number such as "1.5万")
    let (num, rest) = take_while(line, is_digit);
    if !num.is_empty() {
        let after = rest
            .strip_prefix('．')
            .or_else(|| rest.strip_prefix('、'))
            .or_else(|| rest.strip_prefix('.'));
        if let Some(after) = after
            && !after.starts_with(is_digit)
        {
            return Some((2, after));
        }
    }
    None
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>"#;

fn styles_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman" w:cs="Times New Roman"/><w:kern w:val="2"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="579" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="34"/><w:qFormat/></w:style><w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style><w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style></w:styles>"#
    )
}

fn numbering_xml() -> String {
    // (numFmt, lvlText, east-asian font for the label)
    let levels: [(&str, &str, &str); 9] = [
        ("chineseCounting", "%1、", "黑体"),
        ("chineseCounting", "（%2）", "楷体_GB2312"),
        ("decimal", "%3．", "仿宋_GB2312"),
        ("decimal", "（%4）", "仿宋_GB2312"),
        ("decimalEnclosedCircle", "%5", "仿宋_GB2312"),
        ("decimal", "%6.", "仿宋_GB2312"),
        ("decimal", "%7.", "仿宋_GB2312"),
        ("decimal", "%8.", "仿宋_GB2312"),
        ("decimal", "%9.", "仿宋_GB2312"),
    ];
    let mut lvls = String::new();
    for (i, (fmt, text, font)) in levels.iter().enumerate() {
        lvls.push_str(&format!(
            r#"<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr><w:rPr><w:rFonts w:eastAsia="{font}" w:hint="eastAsia"/></w:rPr></w:lvl>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="0"><w:nsid w:val="5A3C1B20"/><w:multiLevelType w:val="multilevel"/><w:tmpl w:val="0409001F"/>{lvls}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#
    )
}

/// The runs of one paragraph: tabs become `w:tab`, line breaks `w:br`, XML-invalid
/// control characters are dropped.
fn runs(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::from(r#"<w:r><w:t xml:space="preserve">"#);
    for c in text.chars() {
        match c {
            '\t' => out.push_str(r#"</w:t><w:tab/><w:t xml:space="preserve">"#),
            '\n' => out.push_str(r#"</w:t><w:br/><w:t xml:space="preserve">"#),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out.push_str("</w:t></w:r>");
    out
}
