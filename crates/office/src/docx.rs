//! The dispatch bulletin as a DOCX laid out as a 公文 (GB/T 9704-2012).
//!
//! The OOXML is written here as plain strings and packed with `zip`: every font (`rFonts`
//! with `eastAsia`), size, line spacing, table property and footer field is stated exactly,
//! and the output is reproducible byte for byte (entries in a fixed order, zip timestamps
//! from the bulletin's date, ids counted from 1, no rsids, no random numbers).
//!
//! Layout: A4, margins 37/35/28/26 mm (top/bottom/left/right), a text block of 156 mm.
//! - 版头: 【演示数据】 (demo only, 黑体 3号 red, top left), the bulletin's name in red
//!   方正小标宋简体 (sized to fit one line, 22–42 pt), 期号 centred, then the issuer (left)
//!   and date (right) over a red separator line.
//! - the headline in 2号 (22 pt) 方正小标宋简体, centred; 主送 ("各成员单位：") flush left
//!   under it; the body in 3号 (16 pt) 仿宋_GB2312 on the GB/T 9704 grid of 22 lines × 28
//!   characters: the section's `docGrid` (linesAndChars, `LINE` pitch, `CHAR_SPACE`), lines
//!   exactly 28.95 pt apart, characters set 0.4 pt tight so that 28 fill the 156 mm line in
//!   Word and LibreOffice alike; first lines indented two characters; 一、 headings in 黑体,
//!   （一） headings wholly in 楷体_GB2312 (digits too).
//! - tables across the text width at 小四 (12 pt), lines 18 pt apart: a caption "表N …" in
//!   黑体 kept with the table, headers in 黑体 repeated on every page, cells in 仿宋, fixed
//!   column widths (wide enough for the longest status word), rows of up to eight lines kept
//!   whole; statuses in their colour on a light tint of it.
//! - the status chart as a figure: a PNG ring ([`crate::png::ring_chart`], shapes only) beside
//!   its legend, whose labels, counts and shares are document text, in one borderless table
//!   row that never splits, captioned "图1 任务状态分布".
//! - footers "— 1 —" in 4号 宋体: odd pages right, even pages left, one character in; with
//!   【演示数据】 on the other side when the bulletin is a demonstration.
//! - 版记 at the end (GB/T 9704 §7.4): 抄送 and the line of 印发机关 and 印发日期 between
//!   black rules (0.35 mm outside, 0.25 mm between), in a last section that starts on an even
//!   page and sits at its foot, so the document always ends on an even page. The cost: when
//!   the body ends on an even page, a blank odd page precedes the 版记's page (the body's
//!   length on paper is not known when the document is written). LibreOffice leaves that blank
//!   page out of a PDF unless asked (`IsSkipEmptyPages` false); Word and printers keep it.
//!
//! Fonts are named as Chinese offices install them and declared in `fontTable.xml` with
//! their common alternatives (宋体/SimSun, 仿宋/FangSong, 楷体/KaiTi, 黑体/SimHei), so that
//! Word falls back cleanly where the 方正/GB2312 fonts are missing. LibreOffice does not read
//! those alternatives: on a Linux desk without the Windows fonts it takes the system's CJK
//! font through fontconfig (on Debian with fonts-noto-cjk: Noto Sans CJK SC for every face).
//! A document cannot name a further fallback without hiding the real name from Word.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use zhuanban_ledger::Colour;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::bulletin::{Bulletin, LaggingTask};
use crate::svg::escape;
use crate::text::{self, Part, cn_date};
use crate::{png, svg};

// Page geometry, in twentieths of a point (twips).
pub(crate) const PAGE_W: u32 = 11906;
pub(crate) const PAGE_H: u32 = 16838;
pub(crate) const MARGIN_TOP: u32 = 2098; // 37 mm
pub(crate) const MARGIN_BOTTOM: u32 = 1984; // 35 mm
pub(crate) const MARGIN_LEFT: u32 = 1587; // 28 mm
pub(crate) const MARGIN_RIGHT: u32 = 1474; // 26 mm
pub(crate) const FOOTER: u32 = 1247; // 22 mm from the page's bottom edge
/// The text block's width (156 mm).
pub const TEXT_W: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

// Font sizes in half-points.
pub(crate) const SIZE_2: u32 = 44; // 二号 22 pt
pub(crate) const SIZE_3: u32 = 32; // 三号 16 pt
pub(crate) const SIZE_4: u32 = 28; // 四号 14 pt
pub(crate) const SIZE_S4: u32 = 24; // 小四 12 pt

/// Body line pitch: 28.95 pt, so that 22 lines fill the 225 mm text block (GB/T 9704 §5.2.2:
/// 22 lines a page); 22 × 579 twips = 224.7 mm (29 pt would make 22 lines 0.1 mm too tall, and
/// the 22nd line moves to the next page).
pub(crate) const LINE: u32 = 579;
/// The character grid's pitch against the 3号 (16 pt) body size, in 1/4096 pt (`w:charSpace`):
/// 16 pt − 842/4096 pt = 15.794 pt, and 28 × 15.794 pt = 442.24 pt fits the 156 mm (442.25 pt)
/// text width (GB/T 9704: 28 characters a line).
pub(crate) const CHAR_SPACE: i32 = -842;
/// Table line pitch: exactly 18 pt (1.5 lines of 小四).
pub(crate) const TABLE_LINE: u32 = 360;
/// Line pitch of the chart's legend: exactly 22 pt.
const LEGEND_LINE: u32 = 440;
/// Left and right cell margins.
pub(crate) const CELL_PAD: u32 = 70;

pub(crate) const RED: &str = "FF0000";
pub(crate) const BLACK: &str = "000000";

/// The fonts of a 公文.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// 方正小标宋简体: masthead and headline.
    Title,
    /// 仿宋_GB2312: body text.
    Fang,
    /// 黑体: 一、 headings, table headers.
    Hei,
    /// 楷体_GB2312: （一） headings.
    Kai,
    /// 宋体: page numbers.
    Song,
}

impl Face {
    fn east_asia(self) -> &'static str {
        match self {
            Face::Title => "方正小标宋简体",
            Face::Fang => "仿宋_GB2312",
            Face::Hei => "黑体",
            Face::Kai => "楷体_GB2312",
            Face::Song => "宋体",
        }
    }

    /// The font for digits and Latin letters: Times New Roman in body text (as offices set
    /// it), the face itself in headings (a "（一）" heading is wholly 楷体, digits too), titles
    /// and page numbers.
    fn latin(self) -> &'static str {
        match self {
            Face::Fang => "Times New Roman",
            other => other.east_asia(),
        }
    }
}

/// A run of text in one face and size.
#[derive(Debug, Clone)]
pub(crate) struct Run<'a> {
    pub(crate) face: Face,
    pub(crate) size: u32,
    pub(crate) text: &'a str,
    pub(crate) colour: Option<&'a str>,
    pub(crate) bold: bool,
}

pub(crate) fn run(face: Face, size: u32, text: &str) -> Run<'_> {
    Run {
        face,
        size,
        text,
        colour: None,
        bold: false,
    }
}

impl Run<'_> {
    pub(crate) fn colour(mut self, c: &'static str) -> Self {
        self.colour = Some(c);
        self
    }
}

pub(crate) fn rpr(out: &mut String, face: Face, size: u32, colour: Option<&str>, bold: bool) {
    let (ea, latin) = (face.east_asia(), face.latin());
    let _ = write!(
        out,
        r#"<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{ea}" w:cs="{latin}" w:hint="eastAsia"/>"#
    );
    if bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    if let Some(c) = colour {
        let _ = write!(out, r#"<w:color w:val="{c}"/>"#);
    }
    if size == SIZE_3 && face != Face::Title {
        // 3号 text set 0.4 pt tight: 15.6 pt a character, 28 to the 156 mm line
        // (28 × 15.6 = 436.8 pt ≤ 442.25 pt < 29 × 15.6 = 452.4 pt), with room for rounding.
        out.push_str(r#"<w:spacing w:val="-8"/>"#);
    }
    let _ = write!(
        out,
        r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>"#
    );
}

pub(crate) fn push_run(out: &mut String, r: &Run<'_>) {
    out.push_str("<w:r>");
    rpr(out, r.face, r.size, r.colour, r.bold);
    let _ = write!(
        out,
        r#"<w:t xml:space="preserve">{}</w:t></w:r>"#,
        escape(r.text)
    );
}

pub(crate) fn push_tab(out: &mut String, face: Face, size: u32) {
    out.push_str("<w:r>");
    rpr(out, face, size, None, false);
    out.push_str("<w:tab/></w:r>");
}

/// Paragraph properties.
#[derive(Debug, Clone, Default)]
pub(crate) struct Para {
    pub(crate) style: Option<&'static str>,
    pub(crate) keep_next: bool,
    /// `<w:pBdr>` and `<w:tabs>` content, already in schema order.
    pub(crate) borders: String,
    pub(crate) tabs: String,
    /// Exact line pitch in twips; 0 = single (auto).
    pub(crate) line: u32,
    pub(crate) before: u32,
    pub(crate) after: u32,
    /// First-line indent in characters × 100 and in twips.
    pub(crate) first_line: Option<(u32, u32)>,
    pub(crate) left: u32,
    pub(crate) right: u32,
    pub(crate) jc: &'static str,
}

impl Para {
    pub(crate) fn body() -> Self {
        Para {
            line: LINE,
            jc: "both",
            first_line: Some((200, 2 * SIZE_3 * 10)),
            ..Para::default()
        }
    }

    pub(crate) fn centred(line: u32) -> Self {
        Para {
            line,
            jc: "center",
            ..Para::default()
        }
    }

    pub(crate) fn open(&self, out: &mut String) {
        out.push_str("<w:p><w:pPr>");
        if let Some(s) = self.style {
            let _ = write!(out, r#"<w:pStyle w:val="{s}"/>"#);
        }
        if self.keep_next {
            out.push_str("<w:keepNext/>");
        }
        out.push_str(&self.borders);
        out.push_str(&self.tabs);
        // The section states the 公文 grid (22 lines × 28 characters, `docGrid`), and the text
        // meets it by its own exact measures: lines [`LINE`] apart, 3号 characters set
        // 0.4 pt tight (see [`rpr`]). `snapToGrid` is off: LibreOffice gives a 16 pt character
        // two cells of a 15.79 pt grid (14 characters a line), and tables, captions and the
        // masthead keep their own spacing.
        out.push_str(r#"<w:snapToGrid w:val="0"/>"#);
        if self.line > 0 {
            let _ = write!(
                out,
                r#"<w:spacing w:before="{}" w:after="{}" w:line="{}" w:lineRule="exact"/>"#,
                self.before, self.after, self.line
            );
        } else {
            let _ = write!(
                out,
                r#"<w:spacing w:before="{}" w:after="{}" w:line="240" w:lineRule="auto"/>"#,
                self.before, self.after
            );
        }
        if self.first_line.is_some() || self.left > 0 || self.right > 0 {
            out.push_str("<w:ind");
            if self.left > 0 {
                let _ = write!(out, r#" w:left="{}""#, self.left);
            }
            if self.right > 0 {
                let _ = write!(out, r#" w:right="{}""#, self.right);
            }
            if let Some((chars, twips)) = self.first_line {
                let _ = write!(out, r#" w:firstLineChars="{chars}" w:firstLine="{twips}""#);
            }
            out.push_str("/>");
        }
        if !self.jc.is_empty() {
            let _ = write!(out, r#"<w:jc w:val="{}"/>"#, self.jc);
        }
        out.push_str("</w:pPr>");
    }

    pub(crate) fn write(&self, out: &mut String, runs: &[Run<'_>]) {
        self.open(out);
        for r in runs {
            push_run(out, r);
        }
        out.push_str("</w:p>\n");
    }
}

/// A table cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    /// Rendered paragraphs.
    pub(crate) content: String,
    pub(crate) span: u32,
    /// Some(true) starts a vertical merge, Some(false) continues it.
    pub(crate) vmerge: Option<bool>,
    pub(crate) shade: Option<&'static str>,
    /// Estimated text lines (for keeping rows whole).
    pub(crate) lines: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
}

impl Align {
    fn jc(self) -> &'static str {
        match self {
            Align::Left => "left",
            Align::Centre => "center",
        }
    }
}

/// A cell of 仿宋 小四 text; lines of `text` become paragraphs.
pub(crate) fn text_cell(text: &str, align: Align, width: u32) -> Cell {
    cell_runs(&[vec![run(Face::Fang, SIZE_S4, text)]], align, width)
}

/// A cell of paragraphs of runs.
pub(crate) fn cell_runs(paras: &[Vec<Run<'_>>], align: Align, width: u32) -> Cell {
    let mut content = String::new();
    let mut lines = 0;
    let per_line = ((width.saturating_sub(2 * CELL_PAD)) / (SIZE_S4 * 10)).max(1) as usize;
    for runs in paras {
        // Each line of a run's text is a paragraph of its own.
        let mut split: Vec<Vec<Run<'_>>> = vec![Vec::new()];
        for r in runs {
            for (i, piece) in r.text.split('\n').enumerate() {
                if i > 0 {
                    split.push(Vec::new());
                }
                if let Some(last) = split.last_mut() {
                    last.push(Run {
                        text: piece,
                        ..r.clone()
                    });
                }
            }
        }
        for p in split {
            let chars: f64 = p.iter().map(|r| text_em(r.text)).sum();
            lines += ((chars / per_line as f64).ceil() as usize).max(1);
            Para {
                line: TABLE_LINE,
                jc: align.jc(),
                ..Para::default()
            }
            .write(&mut content, &p);
        }
    }
    if content.is_empty() {
        Para {
            line: TABLE_LINE,
            jc: align.jc(),
            ..Para::default()
        }
        .write(&mut content, &[]);
        lines = 1;
    }
    Cell {
        content,
        span: 1,
        lines,
        ..Cell::default()
    }
}

/// The estimated width of a text in em (CJK one, Latin and digits about half).
pub(crate) fn text_em(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// A header cell: 黑体 小四, centred.
pub(crate) fn head_cell(text: &str) -> Cell {
    let mut content = String::new();
    Para {
        line: TABLE_LINE,
        jc: "center",
        ..Para::default()
    }
    .write(&mut content, &[run(Face::Hei, SIZE_S4, text)]);
    Cell {
        content,
        span: 1,
        lines: 1,
        ..Cell::default()
    }
}

/// Writes a table across the text width: `widths` in twips (summing to [`TEXT_W`]), the
/// header row repeated on each page, rows kept on one page unless long.
pub(crate) fn table(out: &mut String, widths: &[u32], header: Vec<Cell>, rows: Vec<Vec<Cell>>) {
    debug_assert_eq!(widths.iter().sum::<u32>(), TEXT_W);
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_W}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#
    );
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        let _ = write!(
            out,
            r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BLACK}"/>"#
        );
    }
    let _ = write!(
        out,
        r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="{CELL_PAD}" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="{CELL_PAD}" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>"#
    );
    for w in widths {
        let _ = write!(out, r#"<w:gridCol w:w="{w}"/>"#);
    }
    out.push_str("</w:tblGrid>\n");
    write_row(out, widths, &header, true);
    for r in &rows {
        write_row(out, widths, r, false);
    }
    out.push_str("</w:tbl>\n");
}

fn write_row(out: &mut String, widths: &[u32], cells: &[Cell], header: bool) {
    let lines = cells.iter().map(|c| c.lines).max().unwrap_or(1);
    out.push_str("<w:tr><w:trPr>");
    // Rows of up to eight lines stay whole; taller ones may split rather than leave half a
    // page empty.
    if header || lines <= 8 {
        out.push_str("<w:cantSplit/>");
    }
    if header {
        out.push_str("<w:tblHeader/>");
    }
    out.push_str("</w:trPr>");
    let mut col = 0;
    for c in cells {
        let span = c.span.max(1) as usize;
        let w: u32 = widths[col.min(widths.len())..(col + span).min(widths.len())]
            .iter()
            .sum();
        col += span;
        let _ = write!(out, r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>"#);
        if span > 1 {
            let _ = write!(out, r#"<w:gridSpan w:val="{span}"/>"#);
        }
        match c.vmerge {
            Some(true) => out.push_str(r#"<w:vMerge w:val="restart"/>"#),
            Some(false) => out.push_str("<w:vMerge/>"),
            None => {}
        }
        if let Some(fill) = c.shade {
            let _ = write!(
                out,
                r#"<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>"#
            );
        }
        out.push_str(r#"<w:vAlign w:val="center"/></w:tcPr>"#);
        out.push_str(&c.content);
        out.push_str("</w:tc>");
    }
    out.push_str("</w:tr>\n");
}

/// Light tints of the status palette for table cells, and darker text shades that read on
/// them (printed in colour or in grey).
fn tint(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => "E8F5E9",
        Colour::Yellow => "FFF3D6",
        Colour::Red => "FDE7E7",
        Colour::Grey => "EEEEEE",
    }
}

fn ink(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => "1B5E20",
        Colour::Yellow => "8A5A00",
        Colour::Red => "B71C1C",
        Colour::Grey => "424242",
    }
}

fn swatch(colour: Colour) -> &'static str {
    // The chart's own colours, without '#'.
    &svg::colour_hex(colour)[1..]
}

/// A status cell: the label in the colour's ink on its tint.
fn status_cell(label: &str, colour: Colour, width: u32) -> Cell {
    let mut c = cell_runs(
        &[vec![run(Face::Fang, SIZE_S4, label).colour(ink(colour))]],
        Align::Centre,
        width,
    );
    c.shade = Some(tint(colour));
    c
}

/// The document being written.
struct Writer<'b> {
    b: &'b Bulletin,
    body: String,
    tables: usize,
    figures: usize,
}

impl Writer<'_> {
    fn para(&mut self, p: Para, runs: &[Run<'_>]) {
        p.write(&mut self.body, runs);
    }

    fn body_text(&mut self, text: &str) {
        for line in text::paragraphs(text) {
            self.para(Para::body(), &[run(Face::Fang, SIZE_3, line)]);
        }
    }

    fn blank(&mut self) {
        self.para(
            Para {
                line: LINE,
                ..Para::default()
            },
            &[],
        );
    }

    fn heading1(&mut self, text: &str) {
        self.para(
            Para {
                style: Some("Heading1"),
                keep_next: true,
                ..Para::body()
            },
            &[run(Face::Hei, SIZE_3, text)],
        );
    }

    fn heading2(&mut self, text: &str) {
        self.para(
            Para {
                style: Some("Heading2"),
                keep_next: true,
                ..Para::body()
            },
            &[run(Face::Kai, SIZE_3, text)],
        );
    }

    /// "表N title", centred in 黑体 4号 above a table, kept with it.
    fn caption(&mut self, title: &str) {
        self.tables += 1;
        let text = format!("表{} {title}", self.tables);
        self.para(
            Para {
                keep_next: true,
                before: 120,
                ..Para::centred(LINE)
            },
            &[run(Face::Hei, SIZE_4, &text)],
        );
    }

    /// A note under a table, in 仿宋 小四.
    fn note(&mut self, text: &str) {
        self.para(
            Para {
                line: TABLE_LINE,
                before: 60,
                after: 120,
                jc: "both",
                ..Para::default()
            },
            &[run(Face::Fang, SIZE_S4, text)],
        );
    }

    /// Space after a table without a note.
    fn after_table(&mut self) {
        self.para(
            Para {
                line: 240,
                ..Para::default()
            },
            &[],
        );
    }

    fn masthead(&mut self) {
        let b = self.b;
        if b.demo {
            self.para(
                Para {
                    line: LINE,
                    jc: "left",
                    ..Para::default()
                },
                &[run(Face::Hei, SIZE_3, "【演示数据】").colour(RED)],
            );
        } else {
            self.blank();
        }
        // The name in red, as large as fits one line (22–42 pt).
        let name = b.title.trim();
        let em = text_em(name).max(1.0);
        let fit = (f64::from(TEXT_W) / 20.0 * 0.96 / em).floor() as u32;
        let size = (fit * 2).clamp(SIZE_2, 84);
        self.para(
            Para {
                before: 240,
                after: 120,
                ..Para::centred(size * 10 * 13 / 10)
            },
            &[run(Face::Title, size, name).colour(RED)],
        );
        // 期号
        self.para(
            Para::centred(LINE),
            &[run(Face::Fang, SIZE_3, b.issue.trim())],
        );
        // Issuer (left) and date (right), one character in, over the red rule.
        // The rule runs the full text width, so the one-character insets are tab stops.
        let date = cn_date(b.date);
        let indent = SIZE_3 * 10;
        let mut p = Para {
            line: LINE,
            before: 120,
            jc: "left",
            ..Para::default()
        };
        p.borders = format!(
            r#"<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="6" w:color="{RED}"/></w:pBdr>"#
        );
        p.tabs = format!(
            r#"<w:tabs><w:tab w:val="left" w:pos="{indent}"/><w:tab w:val="right" w:pos="{}"/></w:tabs>"#,
            TEXT_W - indent
        );
        p.open(&mut self.body);
        push_tab(&mut self.body, Face::Fang, SIZE_3);
        push_run(&mut self.body, &run(Face::Fang, SIZE_3, b.issuer.trim()));
        push_tab(&mut self.body, Face::Fang, SIZE_3);
        push_run(&mut self.body, &run(Face::Fang, SIZE_3, &date));
        self.body.push_str("</w:p>\n");
        self.blank();
        // The headline.
        let headline = text::headline(b);
        self.para(Para::centred(700), &[run(Face::Title, SIZE_2, &headline)]);
        self.blank();
        // 主送: flush left under the headline, with a full-width colon.
        let recipients = b.recipients.trim().trim_end_matches(['：', ':']);
        if !recipients.is_empty() {
            let text = format!("{recipients}：");
            self.para(
                Para {
                    line: LINE,
                    jc: "left",
                    ..Para::default()
                },
                &[run(Face::Fang, SIZE_3, &text)],
            );
        }
    }

    fn overview(&mut self, image: Option<(u64, &str)>) {
        let b = self.b;
        self.body_text(&b.summary);
        if !b.totals.is_empty() {
            self.chart(image);
        }
        if !b.sections.is_empty() {
            self.body_text("各板块任务推进情况见下表。");
            self.sections_table();
        }
    }

    /// The status chart as a figure: the ring image on the left and its legend on the right
    /// (a colour mark, the label, the count and the share, then the total), in one borderless
    /// row that is never split across pages, with the caption "图N 任务状态分布" below.
    fn chart(&mut self, image: Option<(u64, &str)>) {
        let b = self.b;
        let total: usize = b.totals.iter().map(|t| t.count).sum();
        let widths = [3345, TEXT_W - 3345];
        let count_tab = 3100;
        let share_tab = 4700;
        let tabs = format!(
            r#"<w:tabs><w:tab w:val="center" w:pos="{count_tab}"/><w:tab w:val="center" w:pos="{share_tab}"/></w:tabs>"#
        );
        let mut legend = String::new();
        // Every paragraph of the figure's row keeps with the next: the row stays on the page of
        // its caption below (Word keeps a table row with what follows only so).
        let line = |out: &mut String, border: &str, cells: [Run<'_>; 4]| {
            let mut p = Para {
                line: LEGEND_LINE,
                jc: "left",
                keep_next: true,
                ..Para::default()
            };
            p.borders = border.to_owned();
            p.tabs = tabs.clone();
            p.open(out);
            let [mark, label, count, share] = cells;
            let size = label.size;
            push_run(out, &mark);
            push_run(out, &label);
            push_tab(out, label.face, size);
            push_run(out, &count);
            push_tab(out, label.face, size);
            push_run(out, &share);
            out.push_str("</w:p>\n");
        };
        let rule = |side: &str| {
            format!(
                r#"<w:pBdr><w:{side} w:val="single" w:sz="4" w:space="1" w:color="{BLACK}"/></w:pBdr>"#
            )
        };
        line(
            &mut legend,
            &rule("bottom"),
            [
                run(Face::Hei, SIZE_S4, "　　"),
                run(Face::Hei, SIZE_S4, "状态"),
                run(Face::Hei, SIZE_S4, "任务数（项）"),
                run(Face::Hei, SIZE_S4, "占比"),
            ],
        );
        let shares = crate::figures::shares(&b.totals.iter().map(|t| t.count).collect::<Vec<_>>());
        let counts: Vec<(String, String)> = b
            .totals
            .iter()
            .zip(shares)
            .map(|(t, share)| (t.count.to_string(), share))
            .collect();
        for (t, (count, share)) in b.totals.iter().zip(&counts) {
            line(
                &mut legend,
                "",
                [
                    run(Face::Song, SIZE_S4, "■　").colour(swatch(t.colour)),
                    run(Face::Fang, SIZE_S4, &t.label),
                    run(Face::Fang, SIZE_S4, count),
                    run(Face::Fang, SIZE_S4, share),
                ],
            );
        }
        let total_text = total.to_string();
        line(
            &mut legend,
            &rule("top"),
            [
                run(Face::Hei, SIZE_S4, "　　"),
                run(Face::Hei, SIZE_S4, "合计"),
                run(Face::Hei, SIZE_S4, &total_text),
                run(Face::Hei, SIZE_S4, if total > 0 { "100.0%" } else { "—" }),
            ],
        );
        let cells = [
            Cell {
                content: image_paragraph(image, &text::chart_caption(b)),
                span: 1,
                lines: 1,
                ..Cell::default()
            },
            Cell {
                content: legend,
                span: 1,
                lines: 1,
                ..Cell::default()
            },
        ];
        let _ = write!(
            self.body,
            concat!(
                r#"<w:tbl><w:tblPr><w:tblW w:w="{w}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#,
                r#"<w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/>"#,
                r#"<w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders><w:tblLayout w:type="fixed"/>"#,
                r#"<w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="{pad}" w:type="dxa"/><w:bottom w:w="60" w:type="dxa"/><w:right w:w="{pad}" w:type="dxa"/></w:tblCellMar>"#,
                r#"<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>"#,
                r#"<w:tblGrid><w:gridCol w:w="{a}"/><w:gridCol w:w="{b}"/></w:tblGrid>"#,
                "\n"
            ),
            w = TEXT_W,
            pad = CELL_PAD,
            a = widths[0],
            b = widths[1]
        );
        write_row(&mut self.body, &widths, &cells, false);
        self.body.push_str("</w:tbl>\n");
        self.figures += 1;
        let caption = format!("图{} 任务状态分布", self.figures);
        self.para(
            Para {
                after: 120,
                ..Para::centred(LINE)
            },
            &[run(Face::Hei, SIZE_4, &caption)],
        );
    }

    fn sections_table(&mut self) {
        let b = self.b;
        self.caption("各板块任务推进情况");
        let widths = [900, 3145, 1100, 925, 925, 925, 925];
        let lamp_head = |c: Colour| {
            let mut content = String::new();
            Para {
                line: TABLE_LINE,
                jc: "center",
                ..Para::default()
            }
            .write(
                &mut content,
                &[
                    run(Face::Hei, SIZE_S4, "●").colour(swatch(c)),
                    run(Face::Hei, SIZE_S4, text::lamp(c)),
                ],
            );
            Cell {
                content,
                span: 1,
                lines: 1,
                ..Cell::default()
            }
        };
        let head = vec![
            head_cell("编号"),
            head_cell("板块"),
            head_cell("任务数"),
            lamp_head(Colour::Green),
            lamp_head(Colour::Yellow),
            lamp_head(Colour::Red),
            lamp_head(Colour::Grey),
        ];
        let count = |n: usize, c: Colour, w: u32| {
            if n > 0 && c != Colour::Green {
                let mut cell = cell_runs(
                    &[vec![
                        run(Face::Fang, SIZE_S4, &n.to_string()).colour(ink(c)),
                    ]],
                    Align::Centre,
                    w,
                );
                cell.shade = Some(tint(c));
                cell
            } else {
                text_cell(&n.to_string(), Align::Centre, w)
            }
        };
        let mut rows = Vec::new();
        let mut sum = [0usize; 5];
        for s in &b.sections {
            for (k, v) in [s.total, s.green, s.yellow, s.red, s.grey]
                .iter()
                .enumerate()
            {
                sum[k] += v;
            }
            rows.push(vec![
                text_cell(&s.code, Align::Centre, widths[0]),
                text_cell(&s.title, Align::Left, widths[1]),
                text_cell(&s.total.to_string(), Align::Centre, widths[2]),
                count(s.green, Colour::Green, widths[3]),
                count(s.yellow, Colour::Yellow, widths[4]),
                count(s.red, Colour::Red, widths[5]),
                count(s.grey, Colour::Grey, widths[6]),
            ]);
        }
        let mut total = cell_runs(
            &[vec![run(Face::Hei, SIZE_S4, "合计")]],
            Align::Centre,
            4045,
        );
        total.span = 2;
        let mut last = vec![total];
        for v in sum {
            last.push(cell_runs(
                &[vec![run(Face::Hei, SIZE_S4, &v.to_string())]],
                Align::Centre,
                925,
            ));
        }
        rows.push(last);
        table(&mut self.body, &widths, head, rows);
        self.note(text::COLOUR_NOTE);
    }

    fn indicators(&mut self) {
        let b = self.b;
        if b.indicators.is_empty() {
            self.body_text("本期无需通报的重点指标。");
            return;
        }
        self.body_text(&format!(
            "方案确定的{}项重点指标最新完成情况如下。",
            b.indicators.len()
        ));
        self.caption("重点指标完成情况");
        let widths = [900, 2595, 1400, 1400, 1150, 1400];
        let head = ["编号", "指标", "目标值", "最新值", "序时进度", "状态"]
            .into_iter()
            .map(head_cell)
            .collect();
        let rows = b
            .indicators
            .iter()
            .map(|i| {
                let dash = |s: &str| {
                    if s.trim().is_empty() {
                        "—".to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                vec![
                    text_cell(&i.task_code, Align::Centre, widths[0]),
                    text_cell(&i.metric, Align::Left, widths[1]),
                    text_cell(&dash(&i.target), Align::Centre, widths[2]),
                    text_cell(&dash(&i.latest), Align::Centre, widths[3]),
                    text_cell(&dash(&i.schedule), Align::Centre, widths[4]),
                    status_cell(&i.status, i.colour, widths[5]),
                ]
            })
            .collect();
        table(&mut self.body, &widths, head, rows);
        self.note("注：序时进度为按时间进度应完成的比例；对上限或下限类指标，不计序时进度。");
    }

    fn lagging(&mut self) {
        let b = self.b;
        self.body_text(&text::lagging_intro(b));
        let groups = text::lagging_groups(b);
        let numbered = groups.len() > 1;
        for (i, (title, tasks)) in groups.into_iter().enumerate() {
            if numbered {
                self.heading2(&format!("（{}）{title}", text::cn_number(i + 1)));
            }
            self.caption(title);
            self.lagging_table(&tasks);
            self.after_table();
        }
    }

    fn lagging_table(&mut self, tasks: &[&LaggingTask]) {
        let widths = [900, 1650, 1950, 1400, 2945];
        let head = ["编号", "任务名称", "责任单位", "状态", "滞后情况及原因"]
            .into_iter()
            .map(head_cell)
            .collect();
        let lines: Vec<Vec<(&str, String, bool)>> =
            tasks.iter().map(|t| text::lagging_lines(t)).collect();
        let rows = tasks
            .iter()
            .zip(&lines)
            .map(|(t, lines)| {
                let mut units = vec![vec![
                    run(Face::Hei, SIZE_S4, "牵头："),
                    run(Face::Fang, SIZE_S4, t.lead.trim()),
                ]];
                if !t.support.trim().is_empty() {
                    units.push(vec![
                        run(Face::Hei, SIZE_S4, "配合："),
                        run(Face::Fang, SIZE_S4, t.support.trim()),
                    ]);
                }
                let mut why = vec![vec![run(Face::Fang, SIZE_S4, t.reason.trim())]];
                for (label, text, flagged) in lines {
                    let body = run(Face::Fang, SIZE_S4, text);
                    why.push(vec![
                        run(Face::Hei, SIZE_S4, label),
                        if *flagged { body.colour(RED) } else { body },
                    ]);
                }
                vec![
                    text_cell(&t.code, Align::Centre, widths[0]),
                    text_cell(&t.title, Align::Left, widths[1]),
                    cell_runs(&units, Align::Left, widths[2]),
                    status_cell(&t.status, t.colour, widths[3]),
                    cell_runs(&why, Align::Left, widths[4]),
                ]
            })
            .collect();
        table(&mut self.body, &widths, head, rows);
    }

    fn reporting(&mut self) {
        let b = self.b;
        self.body_text(&text::reporting_intro(b));
        if b.late_units.is_empty() && b.missing_units.is_empty() {
            return;
        }
        self.caption("逾期报送及未报送单位");
        let widths = [700, 2600, 1400, 4145];
        let head = ["序号", "单位", "报送情况", "涉及任务"]
            .into_iter()
            .map(head_cell)
            .collect();
        let mut rows = Vec::new();
        let groups = [
            (&b.missing_units, "未报送", Colour::Red),
            (&b.late_units, "逾期报送", Colour::Yellow),
        ];
        for (units, label, colour) in groups {
            for u in units.iter() {
                rows.push(vec![
                    text_cell(&(rows.len() + 1).to_string(), Align::Centre, widths[0]),
                    text_cell(&u.unit, Align::Left, widths[1]),
                    status_cell(label, colour, widths[2]),
                    text_cell(&u.tasks.join("、"), Align::Left, widths[3]),
                ]);
            }
        }
        table(&mut self.body, &widths, head, rows);
        self.after_table();
    }

    fn instructions(&mut self) {
        let b = self.b;
        if b.instructions.is_empty() {
            self.body_text("本期无新的领导批示。");
            return;
        }
        self.body_text(&format!(
            "上期通报以来，领导同志共作出批示{}件，请相关单位认真抓好落实。",
            b.instructions.len()
        ));
        for (i, ins) in b.instructions.iter().enumerate() {
            let number = format!("{}．", i + 1);
            let text = text::instruction_text(ins);
            self.para(
                Para::body(),
                &[
                    run(Face::Fang, SIZE_3, &number),
                    run(Face::Fang, SIZE_3, &text),
                ],
            );
        }
    }

    fn ranking(&mut self) {
        let b = self.b;
        let notes = text::ranking_notes(b);
        let year = !b.ranking_year.is_empty();
        if b.ranking.is_empty() {
            self.body_text("本期暂无成员单位评分。");
        } else {
            self.body_text("按照方案确定的评分规则，本期成员单位得分排名如下。");
            self.rank_table("本期成员单位得分排名", &b.ranking, year || notes.is_empty());
        }
        if year {
            self.rank_table("年度累计得分排名", &b.ranking_year, notes.is_empty());
        }
        for n in &notes {
            self.note(n);
        }
    }

    /// A ranking table; `spaced` adds the space after it (a note directly below goes without).
    fn rank_table(&mut self, caption: &str, ranking: &[crate::bulletin::RankRow], spaced: bool) {
        self.caption(caption);
        let widths = [900, 2700, 1100, 4145];
        let head = ["排名", "成员单位", "得分", "扣分情况"]
            .into_iter()
            .map(head_cell)
            .collect();
        let rows = ranking
            .iter()
            .map(|r| {
                let ded = if r.deductions.trim().is_empty() {
                    "无"
                } else {
                    r.deductions.trim()
                };
                vec![
                    text_cell(&r.rank.to_string(), Align::Centre, widths[0]),
                    text_cell(&r.unit, Align::Left, widths[1]),
                    text_cell(&text::score(r.score), Align::Centre, widths[2]),
                    text_cell(ded, Align::Left, widths[3]),
                ]
            })
            .collect();
        table(&mut self.body, &widths, head, rows);
        if spaced {
            self.after_table();
        }
    }

    fn closing(&mut self) {
        let b = self.b;
        let items: Vec<&String> = b.closing.iter().filter(|c| !c.trim().is_empty()).collect();
        for (i, item) in items.iter().enumerate() {
            let (marker, lead, rest) = text::closing_parts(i, item);
            let mut runs = Vec::new();
            if items.len() > 1 || !marker.starts_with('（') {
                runs.push(run(Face::Kai, SIZE_3, &marker));
            }
            if !lead.is_empty() {
                runs.push(run(Face::Kai, SIZE_3, &lead));
            }
            runs.push(run(Face::Fang, SIZE_3, &rest));
            self.para(Para::body(), &runs);
        }
    }

    /// 版记 (GB/T 9704 §7.4): 抄送 (when there is any) and the line of 印发机关 and 印发日期, in
    /// 4号 仿宋 one character in from either side, between rules across the text width: the
    /// first and last 0.35 mm, the one between them 0.25 mm. It is a section of its own that
    /// starts on an even page and sits at its foot (see [`document_xml`]).
    fn colophon(&mut self) {
        let b = self.b;
        let indent = SIZE_4 * 10;
        let thick = |side: &str| {
            format!(r#"<w:{side} w:val="single" w:sz="8" w:space="4" w:color="{BLACK}"/>"#)
        };
        let thin = |side: &str| {
            format!(r#"<w:{side} w:val="single" w:sz="6" w:space="4" w:color="{BLACK}"/>"#)
        };
        let cc = b.cc.trim().trim_end_matches(['。', '；', '，']);
        let cc_text = format!("抄送：{cc}。");
        // The 版记 is alone on its page (its section starts a page): a spacer of the text
        // block's height less the 版记's own puts it at the foot, in Word and LibreOffice alike
        // (LibreOffice does not read a section's bottom alignment). 4号 characters across the
        // width less two indents, each rule with its 4 pt space, and room for rounding.
        let per_line = f64::from((TEXT_W - 2 * indent) / (SIZE_4 * 10));
        let cc_lines = if cc.is_empty() {
            0
        } else {
            (text_em(&cc_text) / per_line).ceil() as u32
        };
        let own = (cc_lines + 1) * LINE + 3 * 100 + LINE / 2;
        let block = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM;
        self.para(
            Para {
                line: block.saturating_sub(own).max(20),
                ..Para::default()
            },
            &[],
        );
        if !cc.is_empty() {
            let mut p = Para {
                line: LINE,
                jc: "both",
                left: indent,
                right: indent,
                keep_next: true,
                ..Para::default()
            };
            p.borders = format!("<w:pBdr>{}{}</w:pBdr>", thick("top"), thin("bottom"));
            p.write(&mut self.body, &[run(Face::Fang, SIZE_4, &cc_text)]);
        }
        let mut p = Para {
            line: LINE,
            jc: "left",
            ..Para::default()
        };
        p.borders = if cc.is_empty() {
            format!("<w:pBdr>{}{}</w:pBdr>", thick("top"), thick("bottom"))
        } else {
            format!("<w:pBdr>{}</w:pBdr>", thick("bottom"))
        };
        p.tabs = format!(
            r#"<w:tabs><w:tab w:val="left" w:pos="{indent}"/><w:tab w:val="right" w:pos="{}"/></w:tabs>"#,
            TEXT_W - indent
        );
        p.open(&mut self.body);
        let printer = if b.printer.trim().is_empty() {
            b.issuer.trim()
        } else {
            b.printer.trim()
        };
        push_tab(&mut self.body, Face::Fang, SIZE_4);
        push_run(&mut self.body, &run(Face::Fang, SIZE_4, printer));
        push_tab(&mut self.body, Face::Fang, SIZE_4);
        let date = format!("{}印发", cn_date(b.printed_on.unwrap_or(b.date)));
        push_run(&mut self.body, &run(Face::Fang, SIZE_4, &date));
        self.body.push_str("</w:p>\n");
    }
}

/// EMU per millimetre.
const EMU_MM: u64 = 36_000;

/// The chart's paragraph: the inline picture `rIdChart` of `size` EMU square (or an empty
/// paragraph without a picture).
fn image_paragraph(image: Option<(u64, &str)>, descr: &str) -> String {
    let mut out = String::new();
    let p = Para {
        jc: "center",
        keep_next: true,
        ..Para::default()
    };
    p.open(&mut out);
    if let Some((size, rid)) = image {
        let d = escape(descr);
        let _ = write!(
            out,
            concat!(
                r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">"#,
                r#"<wp:extent cx="{s}" cy="{s}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>"#,
                r#"<wp:docPr id="1" name="图表1" descr="{d}"/>"#,
                r#"<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>"#,
                r#"<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">"#,
                r#"<pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="chart1.png" descr="{d}"/><pic:cNvPicPr/></pic:nvPicPr>"#,
                r#"<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"#,
                r#"<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{s}" cy="{s}"/></a:xfrm>"#,
                r#"<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>"#,
                r#"</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
            ),
            s = size,
            d = d,
            rid = rid
        );
    }
    out.push_str("</w:p>\n");
    out
}

pub(crate) const NS: &str = concat!(
    r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" "#,
    r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" "#,
    r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" "#,
    r#"xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture""#
);

pub(crate) const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// The chart image's pixel size and its printed size.
const CHART_PX: u32 = 600;

/// The printed size of the chart, in EMU: about as tall as its legend of `rows` statuses
/// (plus header and total), 32–50 mm.
fn chart_size(rows: usize) -> u64 {
    let mm = ((rows as u64 + 2) * 78 / 10).clamp(32, 50);
    mm * EMU_MM
}

/// `word/document.xml` of a bulletin.
pub fn document_xml(b: &Bulletin) -> String {
    let image = (!b.totals.is_empty()).then(|| (chart_size(b.totals.len()), "rIdChart"));
    let mut w = Writer {
        b,
        body: String::with_capacity(64 * 1024),
        tables: 0,
        figures: 0,
    };
    w.masthead();
    w.body_text(&text::lead(b));
    for (heading, part) in text::parts(b) {
        w.heading1(&heading);
        match part {
            Part::Overview => w.overview(image),
            Part::Indicators => w.indicators(),
            Part::Lagging => w.lagging(),
            Part::Reporting => w.reporting(),
            Part::Instructions => w.instructions(),
            Part::Ranking => w.ranking(),
            Part::Closing => w.closing(),
        }
    }
    // The body's section ends here (its properties in a paragraph of no height); the 版记 is
    // the last section: it starts on the next even page and sits at its foot, so that the
    // document always ends on an even page with the 版记 at the bottom (GB/T 9704 §7.4,
    // §9.2). When the body ends on an even page, that page is followed by a blank odd page.
    let mut body = std::mem::take(&mut w.body);
    let _ = write!(
        body,
        r#"<w:p><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>{}</w:pPr></w:p>"#,
        sect_pr(None, false)
    );
    body.push('\n');
    w.colophon();
    body.push_str(&w.body);
    section_document_with(&body, Some("evenPage"), true)
}

/// The `w:sectPr` of an A4 公文 section: margins, odd and even footers, the 22 × 28 grid;
/// `start` is the section's start ("evenPage", None for a new page), `bottom` aligns its text
/// to the foot of the page.
fn sect_pr(start: Option<&str>, bottom: bool) -> String {
    format!(
        concat!(
            r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/>"#,
            r#"<w:footerReference w:type="even" r:id="rIdFooterEven"/>{start}"#,
            r#"<w:pgSz w:w="{pw}" w:h="{ph}"/>"#,
            r#"<w:pgMar w:top="{t}" w:right="{r}" w:bottom="{bt}" w:left="{l}" w:header="851" w:footer="{f}" w:gutter="0"/>"#,
            r#"<w:cols w:space="425"/>{valign}<w:docGrid w:type="linesAndChars" w:linePitch="{lp}" w:charSpace="{cs}"/></w:sectPr>"#,
        ),
        start = start
            .map(|s| format!(r#"<w:type w:val="{s}"/>"#))
            .unwrap_or_default(),
        valign = if bottom {
            r#"<w:vAlign w:val="bottom"/>"#
        } else {
            ""
        },
        pw = PAGE_W,
        ph = PAGE_H,
        t = MARGIN_TOP,
        r = MARGIN_RIGHT,
        bt = MARGIN_BOTTOM,
        l = MARGIN_LEFT,
        f = FOOTER,
        lp = LINE,
        cs = CHAR_SPACE,
    )
}

/// `word/document.xml`: a body in an A4 公文 section (margins, two footers, the line grid).
pub(crate) fn section_document(body: &str) -> String {
    section_document_with(body, None, false)
}

/// `word/document.xml` whose last section starts as `start` says and may sit at the foot of
/// its page (see [`sect_pr`]).
fn section_document_with(body: &str, start: Option<&str>, bottom: bool) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    out.push_str(XML_DECL);
    let _ = writeln!(out, "<w:document {NS}><w:body>");
    out.push_str(body);
    out.push_str(&sect_pr(start, bottom));
    out.push_str("\n</w:body></w:document>\n");
    out
}

/// A footer: "— N —" in 4号 宋体, one character in from the outer side (right on odd pages,
/// left on even ones), with 【演示数据】 on the inner side for a demonstration.
pub(crate) fn footer_xml(odd: bool, demo: bool) -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    let _ = write!(out, "<w:ftr {NS}>");
    let indent = SIZE_4 * 10;
    let mut p = Para {
        style: Some("Footer"),
        line: 0,
        jc: if odd { "right" } else { "left" },
        ..Para::default()
    };
    if odd {
        p.right = indent;
    } else {
        p.left = indent;
    }
    if demo {
        // Both ends are used: the first item one character in, the second against a right
        // tab stop one character from the right edge (tab stops count from the margin).
        p.jc = "left";
        p.left = indent;
        p.right = 0;
        p.tabs = format!(
            r#"<w:tabs><w:tab w:val="right" w:pos="{}"/></w:tabs>"#,
            TEXT_W - indent
        );
    }
    p.open(&mut out);
    let mark = |out: &mut String| {
        push_run(out, &run(Face::Hei, SIZE_S4, "【演示数据】").colour(RED));
    };
    if demo && odd {
        mark(&mut out);
        push_tab(&mut out, Face::Song, SIZE_4);
    }
    page_number(&mut out);
    if demo && !odd {
        push_tab(&mut out, Face::Song, SIZE_4);
        mark(&mut out);
    }
    out.push_str("</w:p></w:ftr>\n");
    out
}

/// "— PAGE —" as runs with a PAGE field.
fn page_number(out: &mut String) {
    let r = |out: &mut String, inner: &str| {
        out.push_str("<w:r>");
        rpr(out, Face::Song, SIZE_4, None, false);
        out.push_str(inner);
        out.push_str("</w:r>");
    };
    r(out, r#"<w:t xml:space="preserve">— </w:t>"#);
    r(out, r#"<w:fldChar w:fldCharType="begin"/>"#);
    r(
        out,
        r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#,
    );
    r(out, r#"<w:fldChar w:fldCharType="separate"/>"#);
    r(out, "<w:t>1</w:t>");
    r(out, r#"<w:fldChar w:fldCharType="end"/>"#);
    r(out, r#"<w:t xml:space="preserve"> —</w:t>"#);
}

pub(crate) fn styles_xml() -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    let _ = write!(out, "<w:styles {NS}>");
    let fonts = |face: Face| {
        format!(
            r#"<w:rFonts w:ascii="{l}" w:hAnsi="{l}" w:eastAsia="{e}" w:cs="{l}"/>"#,
            l = face.latin(),
            e = face.east_asia()
        )
    };
    let _ = write!(
        out,
        concat!(
            r#"<w:docDefaults><w:rPrDefault><w:rPr>{f}<w:kern w:val="2"/><w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
            r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>"#,
            r#"<w:pPrDefault><w:pPr><w:spacing w:line="{line}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>"#
        ),
        f = fonts(Face::Fang),
        s = SIZE_3,
        line = LINE
    );
    // The size is stated on Normal itself too: LibreOffice takes the character grid's base
    // width from it (16 pt + `CHAR_SPACE`), not from the document defaults.
    let _ = write!(
        out,
        r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl/></w:pPr><w:rPr>{f}<w:sz w:val="{s}"/><w:szCs w:val="{s}"/></w:rPr></w:style>"#,
        f = fonts(Face::Fang),
        s = SIZE_3
    );
    let _ = write!(
        out,
        concat!(
            r#"<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>"#,
            r#"<w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr>{h}<w:sz w:val="{s}"/><w:szCs w:val="{s}"/></w:rPr></w:style>"#,
            r#"<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>"#,
            r#"<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr>{k}<w:sz w:val="{s}"/><w:szCs w:val="{s}"/></w:rPr></w:style>"#,
            r#"<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>"#,
            r#"<w:pPr><w:spacing w:line="240" w:lineRule="auto"/></w:pPr><w:rPr>{song}<w:sz w:val="{s4}"/><w:szCs w:val="{s4}"/></w:rPr></w:style>"#,
            r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>"#,
            r#"<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>"#,
            r#"<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#
        ),
        h = fonts(Face::Hei),
        k = fonts(Face::Kai),
        song = fonts(Face::Song),
        s = SIZE_3,
        s4 = SIZE_4
    );
    out.push_str("</w:styles>\n");
    out
}

pub(crate) fn font_table_xml() -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    let _ = write!(out, "<w:fonts {NS}>");
    // (name, alternative, family, pitch). Where neither the name nor the alternative is
    // installed (a Linux desk), LibreOffice falls back through fontconfig to the CJK font of
    // the system (on Debian, fonts-noto-cjk: Noto Sans/Serif CJK SC).
    let fonts = [
        ("方正小标宋简体", "宋体", "script", "variable"),
        ("仿宋_GB2312", "仿宋", "modern", "fixed"),
        ("仿宋", "FangSong", "modern", "fixed"),
        ("楷体_GB2312", "楷体", "modern", "fixed"),
        ("楷体", "KaiTi", "modern", "fixed"),
        ("黑体", "SimHei", "modern", "fixed"),
        ("宋体", "SimSun", "auto", "variable"),
    ];
    for (name, alt, family, pitch) in fonts {
        let _ = write!(
            out,
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>"#
        );
    }
    out.push_str(r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#);
    out.push_str("</w:fonts>\n");
    out
}

pub(crate) fn settings_xml() -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    let _ = write!(
        out,
        concat!(
            "<w:settings {NS}>",
            r#"<w:zoom w:percent="100"/><w:evenAndOddHeaders/><w:defaultTabStop w:val="420"/>"#,
            r#"<w:characterSpacingControl w:val="compressPunctuation"/>"#,
            r#"<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
            r#"<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>"#,
            "</w:settings>\n"
        ),
        NS = NS
    );
    out
}

pub(crate) fn content_types_xml() -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    out.push_str(concat!(
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
        r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
        r#"<Default Extension="xml" ContentType="application/xml"/>"#,
        r#"<Default Extension="png" ContentType="image/png"/>"#,
        r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
        r#"<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>"#,
        r#"<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>"#,
        r#"<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>"#,
        r#"<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>"#,
        r#"<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>"#,
        r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
        r#"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#,
        "</Types>\n"
    ));
    out
}

pub(crate) fn root_rels_xml() -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    out.push_str(concat!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
        r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#,
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
        r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#,
        "</Relationships>\n"
    ));
    out
}

pub(crate) fn document_rels_xml(image: bool) -> String {
    let mut out = String::new();
    out.push_str(XML_DECL);
    out.push_str(concat!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
        r#"<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
        r#"<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>"#,
        r#"<Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>"#,
        r#"<Relationship Id="rIdFooterOdd" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>"#,
        r#"<Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>"#,
    ));
    if image {
        out.push_str(r#"<Relationship Id="rIdChart" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/chart1.png"/>"#);
    }
    out.push_str("</Relationships>\n");
    out
}

fn core_xml(b: &Bulletin) -> String {
    let mut title = format!("{}（{}）", b.title.trim(), b.issue.trim());
    if b.demo {
        title.push_str("【演示数据】");
    }
    let when = format!("{}T00:00:00Z", b.date.format("%Y-%m-%d"));
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
        subject = escape(&text::headline(b)),
        creator = escape(b.issuer.trim()),
        when = when
    )
}

pub(crate) fn app_xml() -> String {
    format!(
        concat!(
            "{decl}",
            r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" "#,
            r#"xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#,
            "<Application>zhuanban</Application><DocSecurity>0</DocSecurity></Properties>\n"
        ),
        decl = XML_DECL
    )
}

/// The bulletin as a DOCX: see the [module documentation](self). The same bulletin always
/// gives the same bytes.
pub fn bulletin_docx(b: &Bulletin) -> Vec<u8> {
    let image = !b.totals.is_empty();
    let mut parts: Vec<(&str, Vec<u8>)> = vec![
        ("[Content_Types].xml", content_types_xml().into_bytes()),
        ("_rels/.rels", root_rels_xml().into_bytes()),
        ("word/document.xml", document_xml(b).into_bytes()),
        (
            "word/_rels/document.xml.rels",
            document_rels_xml(image).into_bytes(),
        ),
        ("word/styles.xml", styles_xml().into_bytes()),
        ("word/settings.xml", settings_xml().into_bytes()),
        ("word/fontTable.xml", font_table_xml().into_bytes()),
        ("word/footer1.xml", footer_xml(true, b.demo).into_bytes()),
        ("word/footer2.xml", footer_xml(false, b.demo).into_bytes()),
    ];
    if image {
        let segments: Vec<(u64, Colour)> = b
            .totals
            .iter()
            .map(|t| (t.count as u64, t.colour))
            .collect();
        parts.push((
            "word/media/chart1.png",
            png::ring_chart(&segments, CHART_PX),
        ));
    }
    parts.push(("docProps/core.xml", core_xml(b).into_bytes()));
    parts.push(("docProps/app.xml", app_xml().into_bytes()));
    pack(&parts, b.date)
}

/// Zips the parts in order, every entry stamped with `date` (or 1980-01-01 outside the zip
/// range), deflated at a fixed level.
pub(crate) fn pack(parts: &[(&str, Vec<u8>)], date: chrono::NaiveDate) -> Vec<u8> {
    use chrono::Datelike;
    let stamp = u16::try_from(date.year())
        .ok()
        .and_then(|y| {
            DateTime::from_date_and_time(y, date.month() as u8, date.day() as u8, 0, 0, 0).ok()
        })
        .unwrap_or_default();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        // PNG data is already deflated.
        let method = if name.ends_with(".png") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .compression_level((method == CompressionMethod::Deflated).then_some(6))
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        // Writing to memory cannot fail; a failure here would be a bug in the zip crate.
        zip.start_file(*name, options)
            .and_then(|()| zip.write_all(data).map_err(Into::into))
            .expect("zip entry in memory");
    }
    zip.finish().expect("zip in memory").into_inner()
}
