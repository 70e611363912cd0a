//! Reading the paragraphs of a .docx file, with the numbering labels Word would display.
//!
//! Bytes go in, values come out: no I/O, no panics on any input.
//!
//! What is read:
//!
//! * the main document part (normally `word/document.xml`, located through `_rels/.rels`),
//!   body paragraphs in order, including paragraphs in tables and text boxes;
//! * a table is read into a [`crate::table::Table`] (merged cells: `w:gridSpan`, `w:vMerge`)
//!   and laid out as [`crate::table::Table::to_text`] does: one paragraph a row, spans
//!   expanded, cells joined by tabs, a cell's own paragraphs and line breaks joined by U+2028
//!   (a nested table's rows are folded into the enclosing cell, cells joined by `'|'`);
//! * tracked changes are shown as accepted: deleted text (`w:del`, `w:moveFrom`) is skipped,
//!   inserted text (`w:ins`, `w:moveTo`) is kept, old properties (`w:pPrChange`, ...) are ignored;
//! * hidden runs (`w:vanish`), field instructions, ruby annotations and VML fallbacks are skipped;
//! * headers, footers, footnotes and comments live in other parts and are not read.
//!
//! Automatic numbering comes from `word/numbering.xml` and `word/styles.xml` (numbering inherited
//! through paragraph styles and `w:basedOn`). Counters are kept per *abstract* numbering
//! definition, as Word does: two `w:num` instances that share an `w:abstractNum` continue one
//! sequence, unless an instance has a `w:startOverride` for a level, in which case that level
//! restarts at the override the first time the instance is used at that level.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

use crate::table::{Cell, Table};
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use zip::ZipArchive;

/// Largest decompressed size accepted for the parts read from the package, together (zip-bomb
/// guard): the document, its styles, its numbering and their relationships. A 10 MB plan is
/// about 40 MB of WordprocessingML.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Most paragraphs a document may hold (body, table cells and text boxes together); a
/// 1,000-page plan has about 30,000.
pub const MAX_PARAGRAPHS: usize = 300_000;

/// Most rows of one table.
pub const MAX_TABLE_ROWS: usize = 50_000;

/// Most cells of one table row.
pub const MAX_TABLE_COLUMNS: usize = 200;

/// Most table cells in the whole document.
pub const MAX_CELLS: usize = 1_000_000;

/// Entries a .docx may hold: a real document has dozens (a few thousand with many images);
/// more is a crafted package.
pub const MAX_ENTRIES: usize = 10_000;

/// Largest total size of generated numbering labels (guard against label amplification).
const MAX_LABEL_BYTES: usize = 64 * 1024 * 1024;

/// Longest `w:lvlText` template kept (in characters); longer templates are truncated.
const MAX_LVL_TEXT_CHARS: usize = 64;

/// Longest `w:basedOn` chain followed.
const MAX_STYLE_CHAIN: usize = 32;

/// Number of list levels in WordprocessingML.
const LEVELS: usize = 9;

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const NS_MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// One paragraph of the document body in order, with the numbering label Word would display.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph {
    /// The paragraph's text. Tabs are `'\t'`; line breaks inside the paragraph are `'\n'`
    /// (leading and trailing line breaks are trimmed). For a table row: the cells' text
    /// joined by tabs (see [`crate::table::Table::to_text`]).
    pub text: String,
    /// The automatic numbering label Word displays before the text ("一、", "（二）", "3．"),
    /// or `None` (not numbered, a bullet, or an empty label).
    pub label: Option<String>,
    /// Outline level 0–8 (`w:outlineLvl`, direct or from the paragraph style); `None` for body text.
    pub outline_level: Option<u8>,
}

impl Paragraph {
    /// The paragraph as one line: label prepended, inner line breaks turned into spaces.
    ///
    /// The label is joined to the text directly ("一、工作目标", "（一）总体要求", "1．加强领导"),
    /// except that a space is inserted when the label ends with a letter, digit or ideograph
    /// ("第一章 总则", "1 范围"), so that label and text stay distinguishable.
    pub fn line(&self) -> String {
        let mut out =
            String::with_capacity(self.text.len() + self.label.as_ref().map_or(0, |l| l.len() + 1));
        if let Some(label) = &self.label {
            out.push_str(label);
            let needs_space = label.chars().next_back().is_some_and(needs_separator)
                && self.text.chars().next().is_some_and(|c| !c.is_whitespace());
            if needs_space {
                out.push(' ');
            }
        }
        out.extend(
            self.text
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
        out
    }
}

impl Paragraph {
    /// Like [`Paragraph::line`], with the line breaks inside the paragraph kept as `'\n'`.
    fn line_with_breaks(&self) -> String {
        let one = Paragraph {
            text: self.text.replace(['\n', '\r'], "\u{E000}"),
            label: self.label.clone(),
            outline_level: self.outline_level,
        };
        one.line().replace('\u{E000}', "\n")
    }
}

/// Whether a label ending in `c` needs a space before the text.
fn needs_separator(c: char) -> bool {
    let enclosed = matches!(c as u32, 0x2460..=0x24FF | 0x3200..=0x32FF);
    c.is_alphanumeric() && !enclosed
}

/// Why a .docx file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocxError {
    /// The bytes are not a ZIP archive (or a truncated / damaged one).
    #[error("不是有效的 .docx 文件（无法作为 ZIP 打开）")]
    NotZip,
    /// The bytes are an OLE compound file: a legacy .doc, or an encrypted Word document.
    #[error("不是有效的 .docx 文件（这是旧版 .doc 文件或加密的 Word 文档，请另存为 .docx）")]
    LegacyOrEncrypted,
    /// The archive has no main document part.
    #[error("不是有效的 .docx 文件（缺少 word/document.xml）")]
    MissingDocument,
    /// The archive holds more entries than [`MAX_ENTRIES`].
    #[error(".docx 文件包含 {entries} 个条目，超过上限 {limit}，拒绝读取（疑似构造的文件）")]
    TooManyEntries {
        /// Entries in the archive.
        entries: usize,
        /// The limit.
        limit: usize,
    },
    /// The parts read decompress beyond [`MAX_PART_BYTES`] together.
    #[error(".docx 文件解压后超过上限 {limit_mib} MiB（读到 {part} 时），拒绝读取（疑似压缩炸弹）")]
    TooLarge {
        /// The part's name in the archive.
        part: String,
        /// The limit in MiB.
        limit_mib: u64,
    },
    /// A part could not be decompressed (bad checksum, unsupported compression, encryption).
    #[error(".docx 文件已损坏，无法读取 {part}：{reason}")]
    Corrupt {
        /// The part's name in the archive.
        part: String,
        /// What the ZIP reader reported.
        reason: String,
    },
    /// A part is not well-formed XML.
    #[error(".docx 文件中的 {part} 不是格式正确的 XML（第 {line} 行第 {column} 列附近）：{reason}")]
    Xml {
        /// The part's name in the archive.
        part: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// What the XML parser reported.
        reason: String,
    },
    /// The document holds more paragraphs than [`MAX_PARAGRAPHS`].
    #[error(".docx 文件的段落数超过上限 {limit} 个，拒绝读取（疑似构造的文件，请拆分后再导入）")]
    TooManyParagraphs {
        /// The limit.
        limit: usize,
    },
    /// A table is larger than [`MAX_TABLE_ROWS`] or [`MAX_TABLE_COLUMNS`], or the document holds
    /// more than [`MAX_CELLS`] cells.
    #[error(
        ".docx 文件的表格过大：{what}超过上限 {limit}，拒绝读取（疑似构造的文件，请拆分后再导入）"
    )]
    TableTooLarge {
        /// What exceeded its limit: "单个表格的行数", "单行的单元格数" or "表格单元格总数".
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The numbering labels would expand far beyond any real document.
    #[error(".docx 文件的自动编号展开后过大（超过 {limit_mib} MiB），拒绝读取")]
    LabelsTooLarge {
        /// The limit in MiB.
        limit_mib: u64,
    },
}

/// Reads the body paragraphs of a .docx file in order, with their numbering labels.
pub fn paragraphs(bytes: &[u8]) -> Result<Vec<Paragraph>, DocxError> {
    read_paragraphs(bytes, MAX_PART_BYTES)
}

/// Convenience: each paragraph as one line (see [`Paragraph::line`]), label prepended
/// ("一、工作目标"), paragraphs joined by `'\n'`.
pub fn text(bytes: &[u8]) -> Result<String, DocxError> {
    let paras = paragraphs(bytes)?;
    let mut out = String::new();
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.line());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Package
// ---------------------------------------------------------------------------------------------

fn read_paragraphs(bytes: &[u8], limit: u64) -> Result<Vec<Paragraph>, DocxError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(DocxError::LegacyOrEncrypted);
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| DocxError::NotZip)?;
    if archive.len() > MAX_ENTRIES {
        return Err(DocxError::TooManyEntries {
            entries: archive.len(),
            limit: MAX_ENTRIES,
        });
    }

    let mut budget = Budget { limit, used: 0 };
    let main_part = main_part_name(&mut archive, &mut budget)?;
    let doc_bytes =
        read_part(&mut archive, &main_part, &mut budget)?.ok_or(DocxError::MissingDocument)?;

    let (dir, file) = match main_part.rsplit_once('/') {
        Some((d, f)) => (d.to_string(), f.to_string()),
        None => (String::new(), main_part.clone()),
    };
    let mut numbering_part = join_part(&dir, "numbering.xml");
    let mut styles_part = join_part(&dir, "styles.xml");
    let rels_name = join_part(&join_part(&dir, "_rels"), &format!("{file}.rels"));
    if let Some(rels) = read_part(&mut archive, &rels_name, &mut budget)? {
        for rel in relationships(&decode_text(&rels)) {
            if rel.type_.ends_with("/numbering") {
                numbering_part = resolve_target(&dir, &rel.target);
            } else if rel.type_.ends_with("/styles") {
                styles_part = resolve_target(&dir, &rel.target);
            }
        }
    }

    let styles = match read_part(&mut archive, &styles_part, &mut budget)? {
        Some(b) => parse_styles(&styles_part, &decode_text(&b))?,
        None => Styles::default(),
    };
    let numbering = match read_part(&mut archive, &numbering_part, &mut budget)? {
        Some(b) => parse_numbering(&numbering_part, &decode_text(&b))?,
        None => Numbering::default(),
    };

    // Valid UTF-8 becomes the text without a copy (the part may be tens of MiB).
    let doc_text = match String::from_utf8(doc_bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{FEFF}') {
                s.drain(..'\u{FEFF}'.len_utf8());
            }
            s
        }
        Err(e) => decode_text(e.as_bytes()),
    };
    let mut reader = DocumentReader::new(&styles, &numbering);
    walk_xml(&main_part, &doc_text, &mut reader)?;
    Ok(reader.out)
}

/// The main document part, from `_rels/.rels` (falling back to `word/document.xml`).
fn main_part_name(archive: &mut Archive<'_>, budget: &mut Budget) -> Result<String, DocxError> {
    const DEFAULT: &str = "word/document.xml";
    if let Some(rels) = read_part(archive, "_rels/.rels", budget)? {
        for rel in relationships(&decode_text(&rels)) {
            if rel.type_.ends_with("/officeDocument") {
                let name = resolve_target("", &rel.target);
                if find_entry(archive, &name).is_some() {
                    return Ok(name);
                }
            }
        }
    }
    Ok(DEFAULT.to_string())
}

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Index of an entry by name; falls back to a lenient comparison (case, backslashes, leading '/').
fn find_entry(archive: &Archive<'_>, name: &str) -> Option<usize> {
    if let Some(i) = archive.index_for_name(name) {
        return Some(i);
    }
    let wanted = normalize_entry_name(name);
    (0..archive.len()).find(|&i| {
        archive
            .name_for_index(i)
            .and_then(Result::ok)
            .is_some_and(|n| normalize_entry_name(&n) == wanted)
    })
}

fn normalize_entry_name(name: &str) -> String {
    name.replace('\\', "/")
        .trim_start_matches('/')
        .to_ascii_lowercase()
}

/// How many decompressed bytes the parts read so far used, of the limit for them all.
struct Budget {
    limit: u64,
    used: u64,
}

/// Reads one part, refusing to decompress beyond what is left of the budget. `Ok(None)` if
/// absent.
fn read_part(
    archive: &mut Archive<'_>,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, DocxError> {
    let Some(index) = find_entry(archive, name) else {
        return Ok(None);
    };
    let limit = budget.limit.saturating_sub(budget.used);
    let too_large = || DocxError::TooLarge {
        part: name.to_string(),
        limit_mib: budget.limit.div_ceil(1024 * 1024),
    };
    let corrupt = |reason: String| DocxError::Corrupt {
        part: name.to_string(),
        reason,
    };
    let mut file = archive
        .by_index(index)
        .map_err(|e| corrupt(e.to_string()))?;
    if file.size() > limit {
        return Err(too_large());
    }
    let capacity = usize::try_from(file.size().min(1024 * 1024)).unwrap_or(0);
    let mut buf = Vec::with_capacity(capacity);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(corrupt(e.to_string())),
        };
        let Some(part) = chunk.get(..n) else { break };
        buf.extend_from_slice(part);
        if buf.len() as u64 > limit {
            return Err(too_large());
        }
    }
    budget.used += buf.len() as u64;
    Ok(Some(buf))
}

/// Decodes an XML part: UTF-8 (BOM optional, invalid sequences replaced) or UTF-16 with a BOM.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units = rest.chunks_exact(2).map(|c| match c {
            [a, b] if le => u16::from_le_bytes([*a, *b]),
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

fn join_part(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Resolves a relationship target against the source part's directory.
fn resolve_target(base_dir: &str, target: &str) -> String {
    let target = target.replace('\\', "/");
    let (mut parts, rel): (Vec<&str>, &str) = match target.strip_prefix('/') {
        Some(abs) => (Vec::new(), abs),
        None => (
            base_dir.split('/').filter(|s| !s.is_empty()).collect(),
            &target,
        ),
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

struct Relationship {
    type_: String,
    target: String,
}

/// Internal relationships of a `.rels` part. Lenient: malformed XML yields what was read so far.
fn relationships(xml: &str) -> Vec<Relationship> {
    struct Rels(Vec<Relationship>);
    impl Handler for Rels {
        fn start(&mut self, tag: Tag, e: &BytesStart<'_>, _anc: &[Tag]) -> Result<(), DocxError> {
            if tag == Tag::Relationship {
                let external =
                    attr(e, "TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("External"));
                if let (Some(type_), Some(target), false) =
                    (attr(e, "Type"), attr(e, "Target"), external)
                {
                    self.0.push(Relationship { type_, target });
                }
            }
            Ok(())
        }
    }
    let mut rels = Rels(Vec::new());
    // Errors are deliberately ignored: relationships only refine the default part names.
    let _ = walk_xml("_rels", xml, &mut rels);
    rels.0
}

// ---------------------------------------------------------------------------------------------
// XML walking
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ns {
    W,
    Mc,
    Other,
}

/// Element names the readers care about. WordprocessingML names map to their own variants,
/// other WordprocessingML elements to `Other`, elements in foreign namespaces to `Foreign`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Other,
    Foreign,
    Relationship,
    Mc,
    McFallback,
    /// Any `w:*Change` element (old properties of a tracked formatting change).
    Change,
    // document.xml
    P,
    PPr,
    RPr,
    R,
    T,
    Tab,
    PTab,
    Br,
    Cr,
    NoBreakHyphen,
    NumPr,
    Ilvl,
    NumId,
    PStyle,
    OutlineLvl,
    Tbl,
    Tr,
    TrPr,
    Tc,
    TcPr,
    VMerge,
    GridSpan,
    Del,
    MoveFrom,
    Vanish,
    Rt,
    // numbering.xml
    AbstractNum,
    Lvl,
    Start,
    NumFmt,
    LvlText,
    LvlRestart,
    IsLgl,
    Num,
    AbstractNumId,
    LvlOverride,
    StartOverride,
    NumStyleLink,
    // styles.xml
    Style,
    BasedOn,
}

impl Tag {
    fn of(ns: Ns, local: &str) -> Tag {
        match ns {
            Ns::Mc if local == "Fallback" => Tag::McFallback,
            Ns::Mc => Tag::Mc,
            Ns::Other if local == "Relationship" => Tag::Relationship,
            Ns::Other => Tag::Foreign,
            Ns::W => match local {
                "p" => Tag::P,
                "pPr" => Tag::PPr,
                "rPr" => Tag::RPr,
                "r" => Tag::R,
                "t" => Tag::T,
                "tab" => Tag::Tab,
                "ptab" => Tag::PTab,
                "br" => Tag::Br,
                "cr" => Tag::Cr,
                "noBreakHyphen" => Tag::NoBreakHyphen,
                "numPr" => Tag::NumPr,
                "ilvl" => Tag::Ilvl,
                "numId" => Tag::NumId,
                "pStyle" => Tag::PStyle,
                "outlineLvl" => Tag::OutlineLvl,
                "tbl" => Tag::Tbl,
                "tr" => Tag::Tr,
                "trPr" => Tag::TrPr,
                "tc" => Tag::Tc,
                "tcPr" => Tag::TcPr,
                "vMerge" => Tag::VMerge,
                "gridSpan" => Tag::GridSpan,
                "del" => Tag::Del,
                "moveFrom" => Tag::MoveFrom,
                "vanish" => Tag::Vanish,
                "rt" => Tag::Rt,
                "abstractNum" => Tag::AbstractNum,
                "lvl" => Tag::Lvl,
                "start" => Tag::Start,
                "numFmt" => Tag::NumFmt,
                "lvlText" => Tag::LvlText,
                "lvlRestart" => Tag::LvlRestart,
                "isLgl" => Tag::IsLgl,
                "num" => Tag::Num,
                "abstractNumId" => Tag::AbstractNumId,
                "lvlOverride" => Tag::LvlOverride,
                "startOverride" => Tag::StartOverride,
                "numStyleLink" => Tag::NumStyleLink,
                "style" => Tag::Style,
                "basedOn" => Tag::BasedOn,
                l if l.ends_with("Change") => Tag::Change,
                _ => Tag::Other,
            },
        }
    }

    fn is_mc(self) -> bool {
        matches!(self, Tag::Mc | Tag::McFallback)
    }
}

/// The `n`-th ancestor (0 = parent) of the current element.
fn up(anc: &[Tag], n: usize) -> Option<Tag> {
    anc.iter().rev().nth(n).copied()
}

/// Like [`up`], treating markup-compatibility wrappers as transparent.
fn up_no_mc(anc: &[Tag], n: usize) -> Option<Tag> {
    anc.iter().rev().filter(|t| !t.is_mc()).nth(n).copied()
}

trait Handler {
    /// An element starts. `anc` are its ancestors (outermost first).
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, anc: &[Tag]) -> Result<(), DocxError>;
    /// An element ends. `anc` are its ancestors.
    fn end(&mut self, _tag: Tag, _anc: &[Tag]) -> Result<(), DocxError> {
        Ok(())
    }
    /// Character data; `anc` ends with the containing element.
    fn text(&mut self, _text: &str, _anc: &[Tag]) -> Result<(), DocxError> {
        Ok(())
    }
    /// Whether an element's content (after its own `start`) is skipped entirely.
    fn skip(&self, _tag: Tag) -> bool {
        false
    }
}

fn classify(res: &ResolveResult<'_>) -> Ns {
    match res {
        ResolveResult::Bound(ns) if ns.0 == NS_W || ns.0 == NS_W_STRICT => Ns::W,
        ResolveResult::Bound(ns) if ns.0 == NS_MC => Ns::Mc,
        ResolveResult::Bound(_) => Ns::Other,
        // Lenient for hand-made files: an unbound name or an undeclared `w:` prefix is WordprocessingML.
        ResolveResult::Unbound => Ns::W,
        ResolveResult::Unknown(p) if p == "w" => Ns::W,
        ResolveResult::Unknown(p) if p == "mc" => Ns::Mc,
        ResolveResult::Unknown(_) => Ns::Other,
    }
}

fn xml_error(part: &str, xml: &str, pos: u64, reason: String) -> DocxError {
    let mut p = usize::try_from(pos).unwrap_or(usize::MAX).min(xml.len());
    while p > 0 && !xml.is_char_boundary(p) {
        p -= 1;
    }
    let before = xml.get(..p).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let mut reason = reason;
    if reason.chars().count() > 200 {
        reason = reason.chars().take(200).collect::<String>() + "…";
    }
    DocxError::Xml {
        part: part.to_string(),
        line,
        column,
        reason,
    }
}

/// Streams `xml` through `h`, tracking ancestors and skipped subtrees.
fn walk_xml(part: &str, xml: &str, h: &mut impl Handler) -> Result<(), DocxError> {
    let mut reader = NsReader::from_str(xml);
    reader.resolver_mut().set_max_namespace_bindings(4096);
    let mut stack: Vec<Tag> = Vec::new();
    let mut skip_from: Option<usize> = None;
    let mut saw_root = false;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok((res, ev)) => (classify(&res), ev),
            Err(e) => return Err(xml_error(part, xml, reader.error_position(), e.to_string())),
        };
        match event {
            Event::Start(e) => {
                saw_root = true;
                let tag = Tag::of(ns, e.local_name().into_inner());
                if skip_from.is_none() {
                    h.start(tag, &e, &stack)?;
                    if h.skip(tag) {
                        skip_from = Some(stack.len());
                    }
                }
                stack.push(tag);
            }
            Event::Empty(e) => {
                saw_root = true;
                let tag = Tag::of(ns, e.local_name().into_inner());
                if skip_from.is_none() {
                    h.start(tag, &e, &stack)?;
                    if !h.skip(tag) {
                        h.end(tag, &stack)?;
                    }
                }
            }
            Event::End(_) => {
                let Some(tag) = stack.pop() else {
                    return Err(xml_error(
                        part,
                        xml,
                        reader.error_position(),
                        "unexpected end tag".to_string(),
                    ));
                };
                match skip_from {
                    Some(d) if d == stack.len() => skip_from = None,
                    Some(_) => {}
                    None => h.end(tag, &stack)?,
                }
            }
            Event::Text(t) => {
                if skip_from.is_none() && !stack.is_empty() {
                    h.text(&t.xml10_content(), &stack)?;
                }
            }
            Event::CData(t) => {
                if skip_from.is_none() && !stack.is_empty() {
                    h.text(&t.xml10_content(), &stack)?;
                }
            }
            Event::GeneralRef(r) => {
                if skip_from.is_none() && !stack.is_empty() {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &*r {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    if let Some(c) = c {
                        let mut buf = [0u8; 4];
                        h.text(c.encode_utf8(&mut buf), &stack)?;
                    }
                }
            }
            Event::Eof => {
                if !stack.is_empty() {
                    return Err(xml_error(
                        part,
                        xml,
                        reader.buffer_position(),
                        format!(
                            "unexpected end of document: {} element(s) not closed",
                            stack.len()
                        ),
                    ));
                }
                if !saw_root {
                    return Err(xml_error(
                        part,
                        xml,
                        reader.buffer_position(),
                        "no root element".to_string(),
                    ));
                }
                return Ok(());
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

/// The value of an attribute by local name, preferring the `w:` (or unprefixed) one.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut fallback = None;
    for a in e.attributes() {
        let Ok(a) = a else { break };
        if a.key.local_name().into_inner() != name {
            continue;
        }
        let Ok(value) = a.normalized_value(XmlVersion::Implicit1_0) else {
            continue;
        };
        let prefix = a.key.prefix().map(|p| p.into_inner());
        if matches!(prefix, None | Some("w")) {
            return Some(value.into_owned());
        }
        if fallback.is_none() {
            fallback = Some(value.into_owned());
        }
    }
    fallback
}

fn val(e: &BytesStart<'_>) -> Option<String> {
    attr(e, "val")
}

fn int_val(e: &BytesStart<'_>) -> Option<i64> {
    val(e).and_then(|v| v.trim().parse::<i64>().ok())
}

/// An on/off property: absent `w:val` means on.
fn on_off(e: &BytesStart<'_>) -> bool {
    match val(e) {
        None => true,
        Some(v) => !matches!(v.trim(), "0" | "false" | "off" | "none"),
    }
}

fn level_index(v: i64) -> Option<usize> {
    usize::try_from(v).ok().filter(|l| *l < LEVELS)
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// styles.xml
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct StyleDef {
    based_on: Option<String>,
    num_id: Option<String>,
    ilvl: Option<i64>,
    outline: Option<i64>,
}

#[derive(Debug, Clone, Default)]
struct Styles {
    defs: HashMap<String, StyleDef>,
    default_paragraph: Option<String>,
}

/// A style's numbering and outline level after following `w:basedOn`.
#[derive(Debug, Clone, Default)]
struct ResolvedStyle {
    num_id: Option<String>,
    ilvl: Option<i64>,
    outline: Option<i64>,
}

impl Styles {
    fn resolve(&self, id: &str) -> ResolvedStyle {
        let mut out = ResolvedStyle::default();
        let mut current = Some(id);
        let mut seen: Vec<&str> = Vec::new();
        while let Some(sid) = current {
            if seen.len() >= MAX_STYLE_CHAIN || seen.contains(&sid) {
                break;
            }
            seen.push(sid);
            let Some(def) = self.defs.get(sid) else { break };
            if out.num_id.is_none() {
                out.num_id.clone_from(&def.num_id);
            }
            if out.ilvl.is_none() {
                out.ilvl = def.ilvl;
            }
            if out.outline.is_none() {
                out.outline = def.outline;
            }
            current = def.based_on.as_deref();
        }
        out
    }
}

fn parse_styles(part: &str, xml: &str) -> Result<Styles, DocxError> {
    #[derive(Default)]
    struct P {
        styles: Styles,
        current: Option<(String, StyleDef)>,
    }
    impl Handler for P {
        fn start(&mut self, tag: Tag, e: &BytesStart<'_>, anc: &[Tag]) -> Result<(), DocxError> {
            match tag {
                Tag::Style => {
                    let id = attr(e, "styleId").unwrap_or_default();
                    let is_para = attr(e, "type").is_none_or(|t| t == "paragraph");
                    let is_default =
                        attr(e, "default").is_some_and(|d| matches!(d.trim(), "1" | "true" | "on"));
                    if is_para && is_default && self.styles.default_paragraph.is_none() {
                        self.styles.default_paragraph = Some(id.clone());
                    }
                    self.current = Some((id, StyleDef::default()));
                }
                _ => {
                    let Some((_, def)) = self.current.as_mut() else {
                        return Ok(());
                    };
                    match (tag, up(anc, 0), up(anc, 1), up(anc, 2)) {
                        (Tag::BasedOn, Some(Tag::Style), _, _) => def.based_on = val(e),
                        (Tag::NumId, Some(Tag::NumPr), Some(Tag::PPr), Some(Tag::Style)) => {
                            def.num_id = val(e).map(|v| v.trim().to_string());
                        }
                        (Tag::Ilvl, Some(Tag::NumPr), Some(Tag::PPr), Some(Tag::Style)) => {
                            def.ilvl = int_val(e);
                        }
                        (Tag::OutlineLvl, Some(Tag::PPr), Some(Tag::Style), _) => {
                            def.outline = int_val(e);
                        }
                        _ => {}
                    }
                }
            }
            Ok(())
        }
        fn end(&mut self, tag: Tag, _anc: &[Tag]) -> Result<(), DocxError> {
            if tag == Tag::Style
                && let Some((id, def)) = self.current.take()
            {
                self.styles.defs.entry(id).or_insert(def);
            }
            Ok(())
        }
        fn skip(&self, tag: Tag) -> bool {
            tag == Tag::Change
        }
    }
    let mut p = P::default();
    walk_xml(part, xml, &mut p)?;
    Ok(p.styles)
}

// ---------------------------------------------------------------------------------------------
// numbering.xml
// ---------------------------------------------------------------------------------------------

/// A `w:numFmt` value this reader can render.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum NumFmt {
    #[default]
    Decimal,
    DecimalZero,
    DecimalFullWidth,
    DecimalEnclosedCircle,
    DecimalEnclosedParen,
    DecimalEnclosedFullstop,
    IdeographEnclosedCircle,
    ChineseCounting,
    ChineseLegalSimplified,
    TaiwaneseCounting,
    IdeographLegalTraditional,
    IdeographDigital,
    JapaneseCounting,
    IdeographTraditional,
    IdeographZodiac,
    LowerLetter,
    UpperLetter,
    LowerRoman,
    UpperRoman,
    Ordinal,
    Bullet,
    None,
}

impl NumFmt {
    /// Parses a `w:numFmt/@w:val`; `None` for `custom` (which needs the fallback value).
    /// Unknown formats render as decimal.
    fn parse(s: &str) -> Option<NumFmt> {
        Some(match s.trim() {
            "custom" => return None,
            "decimalZero" => NumFmt::DecimalZero,
            "decimalFullWidth" | "decimalFullWidth2" => NumFmt::DecimalFullWidth,
            "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => {
                NumFmt::DecimalEnclosedCircle
            }
            "decimalEnclosedParen" => NumFmt::DecimalEnclosedParen,
            "decimalEnclosedFullstop" => NumFmt::DecimalEnclosedFullstop,
            "ideographEnclosedCircle" => NumFmt::IdeographEnclosedCircle,
            "chineseCounting" | "chineseCountingThousand" => NumFmt::ChineseCounting,
            "chineseLegalSimplified" => NumFmt::ChineseLegalSimplified,
            "taiwaneseCounting" | "taiwaneseCountingThousand" => NumFmt::TaiwaneseCounting,
            "ideographLegalTraditional" => NumFmt::IdeographLegalTraditional,
            "ideographDigital" | "taiwaneseDigital" => NumFmt::IdeographDigital,
            "japaneseCounting" => NumFmt::JapaneseCounting,
            "ideographTraditional" => NumFmt::IdeographTraditional,
            "ideographZodiac" => NumFmt::IdeographZodiac,
            "lowerLetter" => NumFmt::LowerLetter,
            "upperLetter" => NumFmt::UpperLetter,
            "lowerRoman" => NumFmt::LowerRoman,
            "upperRoman" => NumFmt::UpperRoman,
            "ordinal" => NumFmt::Ordinal,
            "bullet" => NumFmt::Bullet,
            "none" => NumFmt::None,
            _ => NumFmt::Decimal,
        })
    }
}

#[derive(Debug, Clone, Default)]
struct LevelDef {
    start: Option<i64>,
    fmt: NumFmt,
    text: Option<String>,
    restart: Option<i64>,
    is_lgl: bool,
    pstyle: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct AbstractNum {
    levels: [Option<LevelDef>; LEVELS],
    num_style_link: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct NumInstance {
    abstract_id: String,
    start_overrides: [Option<i64>; LEVELS],
    level_overrides: [Option<LevelDef>; LEVELS],
}

#[derive(Debug, Clone, Default)]
struct Numbering {
    abstracts: HashMap<String, AbstractNum>,
    nums: HashMap<String, NumInstance>,
}

impl Numbering {
    /// The abstract definition behind an instance, following `w:numStyleLink` through a
    /// numbering style. Returns the abstract's id (the counter key) and definition.
    fn resolve_abstract<'a>(
        &'a self,
        inst: &'a NumInstance,
        styles: &Styles,
    ) -> Option<(&'a str, &'a AbstractNum)> {
        let mut id: &str = &inst.abstract_id;
        for _ in 0..8 {
            let abs = self.abstracts.get(id)?;
            match &abs.num_style_link {
                Some(link) if abs.levels.iter().all(Option::is_none) => {
                    let linked_num = styles.resolve(link).num_id?;
                    id = &self.nums.get(&linked_num)?.abstract_id;
                }
                _ => return Some((id, abs)),
            }
        }
        None
    }
}

fn parse_numbering(part: &str, xml: &str) -> Result<Numbering, DocxError> {
    #[derive(Default)]
    struct P {
        numbering: Numbering,
        abstract_: Option<(String, AbstractNum)>,
        num: Option<(String, NumInstance)>,
        override_level: Option<usize>,
        /// (level index, definition, belongs to a `w:lvlOverride`)
        level: Option<(usize, LevelDef, bool)>,
    }
    impl Handler for P {
        fn start(&mut self, tag: Tag, e: &BytesStart<'_>, anc: &[Tag]) -> Result<(), DocxError> {
            let parent = up_no_mc(anc, 0);
            match tag {
                Tag::AbstractNum => {
                    let id = attr(e, "abstractNumId")
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    self.abstract_ = Some((id, AbstractNum::default()));
                }
                Tag::Num => {
                    let id = attr(e, "numId").unwrap_or_default().trim().to_string();
                    self.num = Some((id, NumInstance::default()));
                }
                Tag::AbstractNumId if parent == Some(Tag::Num) => {
                    if let Some((_, n)) = self.num.as_mut() {
                        n.abstract_id = val(e).unwrap_or_default().trim().to_string();
                    }
                }
                Tag::LvlOverride if parent == Some(Tag::Num) => {
                    self.override_level = attr(e, "ilvl")
                        .and_then(|v| v.trim().parse::<i64>().ok())
                        .and_then(level_index);
                }
                Tag::StartOverride if parent == Some(Tag::LvlOverride) => {
                    if let (Some((_, n)), Some(l)) = (self.num.as_mut(), self.override_level)
                        && let Some(slot) = n.start_overrides.get_mut(l)
                    {
                        *slot = int_val(e);
                    }
                }
                Tag::NumStyleLink if parent == Some(Tag::AbstractNum) => {
                    if let Some((_, a)) = self.abstract_.as_mut() {
                        a.num_style_link = val(e);
                    }
                }
                Tag::Lvl if matches!(parent, Some(Tag::AbstractNum | Tag::LvlOverride)) => {
                    let in_override = parent == Some(Tag::LvlOverride);
                    let index = attr(e, "ilvl")
                        .and_then(|v| v.trim().parse::<i64>().ok())
                        .or(if in_override {
                            self.override_level.and_then(|l| i64::try_from(l).ok())
                        } else {
                            None
                        })
                        .and_then(level_index);
                    self.level = index.map(|i| (i, LevelDef::default(), in_override));
                }
                _ if parent == Some(Tag::Lvl) => {
                    let Some((_, def, _)) = self.level.as_mut() else {
                        return Ok(());
                    };
                    match tag {
                        Tag::Start => def.start = int_val(e),
                        Tag::NumFmt => {
                            if let Some(f) = val(e).as_deref().and_then(NumFmt::parse) {
                                def.fmt = f;
                            }
                        }
                        Tag::LvlText => {
                            def.text = val(e).map(|t| t.chars().take(MAX_LVL_TEXT_CHARS).collect());
                        }
                        Tag::LvlRestart => def.restart = int_val(e),
                        Tag::IsLgl => def.is_lgl = on_off(e),
                        Tag::PStyle => def.pstyle = val(e),
                        _ => {}
                    }
                }
                _ => {}
            }
            Ok(())
        }
        fn end(&mut self, tag: Tag, anc: &[Tag]) -> Result<(), DocxError> {
            match tag {
                Tag::Lvl => {
                    let Some((index, def, in_override)) = self.level.take() else {
                        return Ok(());
                    };
                    let slot = if in_override {
                        self.num
                            .as_mut()
                            .and_then(|(_, n)| n.level_overrides.get_mut(index))
                    } else {
                        self.abstract_
                            .as_mut()
                            .and_then(|(_, a)| a.levels.get_mut(index))
                    };
                    if let Some(slot) = slot {
                        *slot = Some(def);
                    }
                }
                Tag::LvlOverride if up_no_mc(anc, 0) == Some(Tag::Num) => {
                    self.override_level = None;
                }
                Tag::AbstractNum => {
                    if let Some((id, a)) = self.abstract_.take() {
                        self.numbering.abstracts.entry(id).or_insert(a);
                    }
                }
                Tag::Num => {
                    if let Some((id, n)) = self.num.take() {
                        self.numbering.nums.entry(id).or_insert(n);
                    }
                }
                _ => {}
            }
            Ok(())
        }
        fn skip(&self, tag: Tag) -> bool {
            tag == Tag::Change
        }
    }
    let mut p = P::default();
    walk_xml(part, xml, &mut p)?;
    Ok(p.numbering)
}

/// Running list counters.
#[derive(Debug, Default)]
struct Counters {
    /// Per abstract numbering id: the current value of each level (`None` = not started).
    lists: HashMap<String, [Option<u32>; LEVELS]>,
    /// (numId, level) pairs whose `w:startOverride` has been applied.
    applied_overrides: HashSet<(String, usize)>,
}

impl Counters {
    /// Advances the counters for a numbered paragraph and returns its label.
    fn next_label(
        &mut self,
        numbering: &Numbering,
        styles: &Styles,
        num_id: &str,
        ilvl: Option<i64>,
        style_id: Option<&str>,
    ) -> Option<String> {
        let inst = numbering.nums.get(num_id)?;
        let (abs_id, abs) = numbering.resolve_abstract(inst, styles)?;
        let level_def = |l: usize| -> Option<&LevelDef> {
            inst.level_overrides
                .get(l)
                .and_then(Option::as_ref)
                .or_else(|| abs.levels.get(l).and_then(Option::as_ref))
        };
        let start_of = |l: usize| -> u32 {
            let v = inst
                .start_overrides
                .get(l)
                .copied()
                .flatten()
                .or_else(|| level_def(l).and_then(|d| d.start))
                .unwrap_or(0);
            clamp_u32(v)
        };
        let ilvl = match ilvl {
            Some(v) => level_index(v)?,
            None => (0..LEVELS)
                .find(|&l| {
                    style_id.is_some() && level_def(l).and_then(|d| d.pstyle.as_deref()) == style_id
                })
                .unwrap_or(0),
        };
        let def = level_def(ilvl)?;

        let has_override = inst.start_overrides.get(ilvl).copied().flatten().is_some();
        let force = has_override && self.applied_overrides.insert((num_id.to_string(), ilvl));
        let values = self.lists.entry(abs_id.to_string()).or_default();
        let value = match values.get(ilvl).copied().flatten() {
            Some(v) if !force => v.saturating_add(1),
            _ => start_of(ilvl),
        };
        if let Some(slot) = values.get_mut(ilvl) {
            *slot = Some(value);
        }
        for deeper in ilvl + 1..LEVELS {
            // w:lvlRestart: 0 = never restart; n = restart after level n-1 (1-based n) is used,
            // ignored unless it names a shallower level; absent = after any shallower level.
            let threshold = match level_def(deeper).and_then(|d| d.restart) {
                Some(0) => None,
                Some(r) if r > 0 && usize::try_from(r - 1).is_ok_and(|t| t < deeper) => {
                    usize::try_from(r - 1).ok()
                }
                _ => Some(deeper - 1),
            };
            if threshold.is_some_and(|t| ilvl <= t)
                && let Some(slot) = values.get_mut(deeper)
            {
                *slot = None;
            }
        }

        if def.fmt == NumFmt::Bullet {
            return None;
        }
        let template = def.text.as_deref()?;
        let mut label = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            let digit = chars
                .peek()
                .and_then(|d| d.to_digit(10))
                .filter(|d| (1..=9).contains(d));
            match (c, digit) {
                ('%', Some(d)) => {
                    chars.next();
                    let l = usize::try_from(d - 1).unwrap_or(0);
                    let v = if l == ilvl {
                        value
                    } else {
                        values
                            .get(l)
                            .copied()
                            .flatten()
                            .unwrap_or_else(|| start_of(l))
                    };
                    let fmt = if def.is_lgl {
                        NumFmt::Decimal
                    } else {
                        level_def(l).map_or(NumFmt::Decimal, |d| d.fmt)
                    };
                    label.push_str(&format_number(v, fmt));
                }
                _ => label.push(c),
            }
        }
        (!label.is_empty()).then_some(label)
    }
}

// ---------------------------------------------------------------------------------------------
// Number formats
// ---------------------------------------------------------------------------------------------

/// Renders a counter value in a Word number format.
fn format_number(n: u32, fmt: NumFmt) -> String {
    const CN_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    const LEGAL_SIMPLIFIED: [char; 10] =
        ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const LEGAL_TRADITIONAL: [char; 10] =
        ['零', '壹', '貳', '參', '肆', '伍', '陸', '柒', '捌', '玖'];
    match fmt {
        NumFmt::Decimal => n.to_string(),
        NumFmt::DecimalZero if n < 10 => format!("0{n}"),
        NumFmt::DecimalZero => n.to_string(),
        NumFmt::DecimalFullWidth => n
            .to_string()
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| char::from_u32(0xFF10 + d))
                    .unwrap_or(c)
            })
            .collect(),
        NumFmt::DecimalEnclosedCircle => match n {
            0 => "⓪".to_string(),
            1..=20 => enclosed(0x2460 + n - 1, n),
            21..=35 => enclosed(0x3251 + n - 21, n),
            36..=50 => enclosed(0x32B1 + n - 36, n),
            _ => n.to_string(),
        },
        NumFmt::DecimalEnclosedParen => match n {
            1..=20 => enclosed(0x2474 + n - 1, n),
            _ => format!("({n})"),
        },
        NumFmt::DecimalEnclosedFullstop => match n {
            1..=20 => enclosed(0x2488 + n - 1, n),
            _ => format!("{n}."),
        },
        NumFmt::IdeographEnclosedCircle => match n {
            1..=10 => enclosed(0x3220 + n - 1, n),
            _ => n.to_string(),
        },
        NumFmt::ChineseCounting => cjk_counting(n, &CJK_SIMPLIFIED),
        NumFmt::ChineseLegalSimplified => cjk_counting(
            n,
            &CjkStyle {
                digits: LEGAL_SIMPLIFIED,
                zero: '零',
                units: ['拾', '佰', '仟'],
                big: ['万', '亿'],
                omit_leading_one_ten: false,
                japanese: false,
            },
        ),
        NumFmt::TaiwaneseCounting => cjk_counting(
            n,
            &CjkStyle {
                big: ['萬', '億'],
                ..CJK_SIMPLIFIED
            },
        ),
        NumFmt::IdeographLegalTraditional => cjk_counting(
            n,
            &CjkStyle {
                digits: LEGAL_TRADITIONAL,
                zero: '零',
                units: ['拾', '佰', '仟'],
                big: ['萬', '億'],
                omit_leading_one_ten: false,
                japanese: false,
            },
        ),
        NumFmt::JapaneseCounting => cjk_counting(
            n,
            &CjkStyle {
                big: ['万', '億'],
                japanese: true,
                ..CJK_SIMPLIFIED
            },
        ),
        NumFmt::IdeographDigital => n
            .to_string()
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| CN_DIGITS.get(d as usize).copied())
                    .unwrap_or(c)
            })
            .collect(),
        NumFmt::IdeographTraditional => cyclic(
            n,
            &['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'],
        ),
        NumFmt::IdeographZodiac => cyclic(
            n,
            &[
                '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
            ],
        ),
        NumFmt::LowerLetter => letters(n, false),
        NumFmt::UpperLetter => letters(n, true),
        NumFmt::LowerRoman => roman(n).to_lowercase(),
        NumFmt::UpperRoman => roman(n),
        NumFmt::Ordinal => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
        NumFmt::Bullet | NumFmt::None => String::new(),
    }
}

fn enclosed(code: u32, n: u32) -> String {
    char::from_u32(code).map_or_else(|| n.to_string(), String::from)
}

/// One symbol per value 1..=len (甲乙丙…); other values fall back to decimal.
fn cyclic(n: u32, symbols: &[char]) -> String {
    usize::try_from(n)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| symbols.get(i))
        .map_or_else(|| n.to_string(), |c| c.to_string())
}

/// Word's letter numbering: a…z, aa…zz, aaa… (at most 10 repetitions, then decimal).
fn letters(n: u32, upper: bool) -> String {
    if n == 0 {
        return n.to_string();
    }
    let index = (n - 1) % 26;
    let repeat = (n - 1) / 26 + 1;
    if repeat > 10 {
        return n.to_string();
    }
    let base = if upper { b'A' } else { b'a' };
    let c = char::from(base + u8::try_from(index).unwrap_or(0));
    std::iter::repeat_n(c, usize::try_from(repeat).unwrap_or(1)).collect()
}

/// Upper-case Roman numerals for 1..=3999; other values fall back to decimal.
fn roman(n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (value, symbol) in TABLE {
        while rest >= value {
            out.push_str(symbol);
            rest -= value;
        }
    }
    out
}

/// How a CJK counting system writes numbers.
struct CjkStyle {
    /// Digits 0–9 (index 0 is used for the value zero alone).
    digits: [char; 10],
    /// The zero written between non-zero digits (零).
    zero: char,
    /// 十, 百, 千.
    units: [char; 3],
    /// 万, 亿.
    big: [char; 2],
    /// Write 10–19 as 十, 十一 rather than 一十, 一十一.
    omit_leading_one_ten: bool,
    /// Japanese style: no 一 before 十/百/千, no 零 for skipped places.
    japanese: bool,
}

const CJK_SIMPLIFIED: CjkStyle = CjkStyle {
    digits: ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'],
    zero: '零',
    units: ['十', '百', '千'],
    big: ['万', '亿'],
    omit_leading_one_ten: true,
    japanese: false,
};

/// CJK counting numbers: 十, 十一, 二十, 一百, 一百零一, 一千零一十, 一万零一 …
fn cjk_counting(n: u32, style: &CjkStyle) -> String {
    if n == 0 {
        return style.digits[0].to_string();
    }
    let groups = [
        (n / 100_000_000, Some(1)),
        ((n / 10_000) % 10_000, Some(0)),
        (n % 10_000, None),
    ];
    let mut out = String::new();
    let mut zero_pending = false;
    for (group, big) in groups {
        if group == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
            continue;
        }
        if !out.is_empty() && (zero_pending || group < 1000) && !style.japanese {
            out.push(style.zero);
        }
        zero_pending = false;
        let first = out.is_empty();
        cjk_group(group, first, style, &mut out);
        if let Some(b) = big.and_then(|i: usize| style.big.get(i)) {
            out.push(*b);
        }
    }
    out
}

/// Writes one group of up to four digits (1..=9999).
fn cjk_group(group: u32, first_in_number: bool, style: &CjkStyle, out: &mut String) {
    let digits = [
        group / 1000 % 10,
        group / 100 % 10,
        group / 10 % 10,
        group % 10,
    ];
    let mut started = false;
    let mut zero_pending = false;
    for (place, d) in digits.into_iter().enumerate() {
        if d == 0 {
            if started {
                zero_pending = true;
            }
            continue;
        }
        if zero_pending && !style.japanese {
            out.push(style.zero);
        }
        zero_pending = false;
        let unit = match place {
            0 => style.units.get(2).copied(),
            1 => style.units.get(1).copied(),
            2 => style.units.first().copied(),
            _ => None,
        };
        let omit_one = d == 1
            && unit.is_some()
            && (style.japanese
                || (place == 2 && first_in_number && !started && style.omit_leading_one_ten));
        if !omit_one && let Some(c) = style.digits.get(d as usize) {
            out.push(*c);
        }
        if let Some(u) = unit {
            out.push(u);
        }
        started = true;
    }
}

// ---------------------------------------------------------------------------------------------
// document.xml
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct ParaBuilder {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<i64>,
    outline: Option<i64>,
    /// The paragraph mark is a tracked deletion: the paragraph merges into the next one.
    mark_deleted: bool,
    run_hidden: bool,
}

#[derive(Debug, Default)]
struct TableBuilder {
    /// Rows seen so far (for the limit).
    row_count: usize,
    row: Option<Vec<DocxCell>>,
    row_deleted: bool,
    cell: Option<String>,
    /// The current cell's `w:gridSpan` and `w:vMerge` (`Some(true)`: restart, `Some(false)`:
    /// continue).
    span: usize,
    vmerge: Option<bool>,
    rows: Vec<Vec<DocxCell>>,
}

#[derive(Debug)]
struct DocxCell {
    text: String,
    span: usize,
    /// Continues the cell above (`w:vMerge` without `restart`).
    continues: bool,
}

/// A Word table as a [`Table`]: a cell that continues a vertical merge takes the text of the
/// cell above it in the same grid column.
fn docx_table(rows: Vec<Vec<DocxCell>>) -> Table {
    let mut out: Vec<Vec<Cell>> = Vec::with_capacity(rows.len());
    let mut above: Vec<String> = Vec::new();
    // Copies of merged cells are bounded (see `Table::grid`).
    let mut budget: usize = 16 * 1024 * 1024;
    for row in rows {
        let mut cells = Vec::with_capacity(row.len());
        let mut col = 0usize;
        let mut this: Vec<String> = Vec::new();
        for c in row {
            let span = c.span.clamp(1, 64);
            let text = if c.continues {
                let t = above.get(col).cloned().unwrap_or_default();
                budget = budget.saturating_sub(t.len());
                if budget > 0 { t } else { String::new() }
            } else {
                c.text
            };
            for _ in 0..span {
                this.push(text.clone());
            }
            col += span;
            cells.push(Cell::spanning(text, 1, span));
        }
        above = this;
        out.push(cells);
    }
    Table { rows: out }
}

struct DocumentReader<'a> {
    styles: &'a Styles,
    numbering: &'a Numbering,
    counters: Counters,
    resolved_styles: HashMap<String, ResolvedStyle>,
    paras: Vec<ParaBuilder>,
    tables: Vec<TableBuilder>,
    pending_prefix: String,
    label_bytes: usize,
    /// Paragraphs and table cells seen, for [`MAX_PARAGRAPHS`] and [`MAX_CELLS`].
    paragraphs: usize,
    cells: usize,
    out: Vec<Paragraph>,
}

impl<'a> DocumentReader<'a> {
    fn new(styles: &'a Styles, numbering: &'a Numbering) -> Self {
        DocumentReader {
            styles,
            numbering,
            counters: Counters::default(),
            resolved_styles: HashMap::new(),
            paras: Vec::new(),
            tables: Vec::new(),
            pending_prefix: String::new(),
            label_bytes: 0,
            paragraphs: 0,
            cells: 0,
            out: Vec::new(),
        }
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut()
            && !p.run_hidden
        {
            p.text.push_str(s);
        }
    }

    fn finish_paragraph(&mut self, b: ParaBuilder) -> Result<(), DocxError> {
        self.paragraphs += 1;
        if self.paragraphs > MAX_PARAGRAPHS {
            return Err(DocxError::TooManyParagraphs {
                limit: MAX_PARAGRAPHS,
            });
        }
        let mut text = std::mem::take(&mut self.pending_prefix);
        text.push_str(&b.text);
        if b.mark_deleted {
            self.pending_prefix = text;
            return Ok(());
        }
        let text = text.trim_matches(|c| c == '\n' || c == '\r').to_string();

        let style_id = b
            .style
            .as_deref()
            .or(self.styles.default_paragraph.as_deref());
        let resolved = match style_id {
            Some(id) => match self.resolved_styles.get(id) {
                Some(r) => r.clone(),
                None => {
                    let r = self.styles.resolve(id);
                    self.resolved_styles.insert(id.to_string(), r.clone());
                    r
                }
            },
            None => ResolvedStyle::default(),
        };
        let num_id = b.num_id.or(resolved.num_id);
        let ilvl = b.ilvl.or(resolved.ilvl);
        let label = match num_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() && id.parse::<i64>().ok() != Some(0) => self
                .counters
                .next_label(self.numbering, self.styles, id, ilvl, style_id),
            _ => None,
        };
        if let Some(l) = &label {
            self.label_bytes = self.label_bytes.saturating_add(l.len());
            if self.label_bytes > MAX_LABEL_BYTES {
                return Err(DocxError::LabelsTooLarge {
                    limit_mib: (MAX_LABEL_BYTES / (1024 * 1024)) as u64,
                });
            }
        }
        let outline_level = b
            .outline
            .or(resolved.outline)
            .and_then(|o| u8::try_from(o).ok())
            .filter(|o| *o < 9);
        let para = Paragraph {
            text,
            label,
            outline_level,
        };
        match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            Some(cell) => {
                // A cell's paragraphs and line breaks stay apart (a unit a line).
                let line = para.line_with_breaks();
                if !line.is_empty() {
                    if !cell.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&line);
                }
            }
            None => self.out.push(para),
        }
        Ok(())
    }

    fn finish_row(&mut self) {
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let Some(cells) = table.row.take() else {
            return;
        };
        let deleted = std::mem::take(&mut table.row_deleted);
        if deleted {
            return;
        }
        table.rows.push(cells);
    }

    fn finish_table(&mut self) {
        let Some(table) = self.tables.pop() else {
            return;
        };
        match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            // A nested table folds into the enclosing cell, a row a line.
            Some(cell) => {
                for row in table.rows {
                    let line = row
                        .iter()
                        .map(|c| c.text.replace('\n', " "))
                        .collect::<Vec<_>>()
                        .join("|");
                    append_to_cell(cell, &line);
                }
            }
            None => {
                let text = docx_table(table.rows).to_text();
                for line in text.lines() {
                    self.out.push(Paragraph {
                        text: line.to_string(),
                        label: None,
                        outline_level: None,
                    });
                }
            }
        }
    }
}

fn append_to_cell(cell: &mut String, line: &str) {
    if line.is_empty() {
        return;
    }
    if !cell.is_empty() {
        cell.push(' ');
    }
    cell.push_str(line);
}

impl Handler for DocumentReader<'_> {
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, anc: &[Tag]) -> Result<(), DocxError> {
        let parent = up(anc, 0);
        match tag {
            Tag::P => self.paras.push(ParaBuilder::default()),
            Tag::Tbl => self.tables.push(TableBuilder::default()),
            Tag::Tr => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                    t.row_deleted = false;
                }
            }
            Tag::Tc => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(String::new());
                    t.span = 1;
                    t.vmerge = None;
                }
            }
            Tag::GridSpan if parent == Some(Tag::TcPr) => {
                if let Some(t) = self.tables.last_mut() {
                    t.span = int_val(e)
                        .and_then(|v| usize::try_from(v).ok())
                        .unwrap_or(1);
                }
            }
            Tag::VMerge if parent == Some(Tag::TcPr) => {
                if let Some(t) = self.tables.last_mut() {
                    t.vmerge = Some(val(e).is_some_and(|v| v.trim() == "restart"));
                }
            }
            Tag::Del if parent == Some(Tag::TrPr) => {
                if let Some(t) = self.tables.last_mut() {
                    t.row_deleted = true;
                }
            }
            Tag::R => {
                if let Some(p) = self.paras.last_mut() {
                    p.run_hidden = false;
                }
            }
            Tag::Tab | Tag::PTab if parent == Some(Tag::R) => self.push_text("\t"),
            Tag::Br | Tag::Cr if parent == Some(Tag::R) => self.push_text("\n"),
            Tag::NoBreakHyphen if parent == Some(Tag::R) => self.push_text("-"),
            _ => {
                let Some(p) = self.paras.last_mut() else {
                    return Ok(());
                };
                match (tag, parent, up(anc, 1)) {
                    (Tag::PStyle, Some(Tag::PPr), Some(Tag::P)) => p.style = val(e),
                    (Tag::OutlineLvl, Some(Tag::PPr), Some(Tag::P)) => p.outline = int_val(e),
                    (Tag::Ilvl, Some(Tag::NumPr), Some(Tag::PPr)) if up(anc, 2) == Some(Tag::P) => {
                        p.ilvl = int_val(e);
                    }
                    (Tag::NumId, Some(Tag::NumPr), Some(Tag::PPr))
                        if up(anc, 2) == Some(Tag::P) =>
                    {
                        p.num_id = val(e).map(|v| v.trim().to_string());
                    }
                    (Tag::Del | Tag::MoveFrom, Some(Tag::RPr), Some(Tag::PPr)) => {
                        p.mark_deleted = true;
                    }
                    (Tag::Vanish, Some(Tag::RPr), Some(Tag::R)) => p.run_hidden = on_off(e),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, tag: Tag, _anc: &[Tag]) -> Result<(), DocxError> {
        match tag {
            Tag::P => {
                if let Some(b) = self.paras.pop() {
                    self.finish_paragraph(b)?;
                }
            }
            Tag::R => {
                if let Some(p) = self.paras.last_mut() {
                    p.run_hidden = false;
                }
            }
            Tag::Tc => {
                if let Some(t) = self.tables.last_mut()
                    && let Some(text) = t.cell.take()
                {
                    let cell = DocxCell {
                        text,
                        span: t.span,
                        continues: t.vmerge == Some(false),
                    };
                    let row = t.row.get_or_insert_with(Vec::new);
                    row.push(cell);
                    self.cells += 1;
                    if row.len() > MAX_TABLE_COLUMNS {
                        return Err(DocxError::TableTooLarge {
                            what: "单行的单元格数",
                            limit: MAX_TABLE_COLUMNS,
                        });
                    }
                    if self.cells > MAX_CELLS {
                        return Err(DocxError::TableTooLarge {
                            what: "表格单元格总数",
                            limit: MAX_CELLS,
                        });
                    }
                }
            }
            Tag::Tr => {
                if let Some(t) = self.tables.last_mut() {
                    t.row_count += 1;
                    if t.row_count > MAX_TABLE_ROWS {
                        return Err(DocxError::TableTooLarge {
                            what: "单个表格的行数",
                            limit: MAX_TABLE_ROWS,
                        });
                    }
                }
                self.finish_row();
            }
            Tag::Tbl => self.finish_table(),
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, text: &str, anc: &[Tag]) -> Result<(), DocxError> {
        if up(anc, 0) == Some(Tag::T) {
            self.push_text(text);
        }
        Ok(())
    }

    fn skip(&self, tag: Tag) -> bool {
        matches!(
            tag,
            Tag::Del | Tag::MoveFrom | Tag::Change | Tag::Rt | Tag::McFallback
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
#[path = "../tests/support/docx_builder.rs"]
mod docx_builder;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::ZipWriter;
    use zip::write::SimpleFileOptions;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn zip_parts(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        for (name, content) in parts {
            zip.start_file(*name, options).expect("start file");
            zip.write_all(content.as_bytes()).expect("write");
        }
        zip.finish().expect("finish").into_inner()
    }

    fn document(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>"#
        )
    }

    fn docx(body: &str, numbering: Option<&str>, styles: Option<&str>) -> Vec<u8> {
        let doc = document(body);
        let mut parts = vec![("word/document.xml", doc.as_str())];
        let numbering = numbering.map(|n| format!(r#"<w:numbering {W}>{n}</w:numbering>"#));
        let styles = styles.map(|s| format!(r#"<w:styles {W}>{s}</w:styles>"#));
        if let Some(n) = &numbering {
            parts.push(("word/numbering.xml", n));
        }
        if let Some(s) = &styles {
            parts.push(("word/styles.xml", s));
        }
        zip_parts(&parts)
    }

    fn p(text: &str) -> String {
        format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    fn np(num_id: u32, ilvl: u8, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    fn lvl(ilvl: u8, fmt: &str, text: &str) -> String {
        format!(
            r#"<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>"#
        )
    }

    /// abstractNum 0: 一、 / （一） / 1．
    fn gov_abstract() -> String {
        format!(
            r#"<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>{}{}{}</w:abstractNum>"#,
            lvl(0, "chineseCounting", "%1、"),
            lvl(1, "chineseCounting", "（%2）"),
            lvl(2, "decimal", "%3．"),
        )
    }

    fn lines(bytes: &[u8]) -> Vec<String> {
        text(bytes)
            .expect("readable docx")
            .split('\n')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn docx_plain_paragraphs() {
        let body = [
            p("第一段"),
            r#"<w:p><w:r><w:t>甲</w:t></w:r><w:r><w:tab/><w:t>乙&amp;丙&#x4E01;</w:t><w:br/><w:t>戊</w:t></w:r></w:p>"#.to_string(),
            "<w:p/>".to_string(),
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink></w:p>"#.to_string(),
        ]
        .concat();
        let paras = paragraphs(&docx(&body, None, None)).expect("ok");
        assert_eq!(paras.len(), 4);
        assert_eq!(paras[0].text, "第一段");
        assert_eq!(paras[0].label, None);
        assert_eq!(paras[1].text, "甲\t乙&丙丁\n戊");
        assert_eq!(paras[2].text, "");
        assert_eq!(paras[3].text, "链接");
        assert_eq!(lines(&docx(&body, None, None))[1], "甲\t乙&丙丁 戊");
    }

    #[test]
    fn docx_gov_numbering_with_resets() {
        let numbering = format!(
            r#"{}<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#,
            gov_abstract()
        );
        let body = [
            np(1, 0, "工作目标"),
            np(1, 1, "总体目标"),
            np(1, 1, "具体目标"),
            np(1, 2, "甲"),
            np(1, 2, "乙"),
            np(1, 1, "第三"),
            np(1, 2, "丙"),
            p("正文"),
            np(1, 0, "重点任务"),
            np(1, 1, "任务"),
            np(1, 2, "丁"),
        ]
        .concat();
        assert_eq!(
            lines(&docx(&body, Some(&numbering), None)),
            [
                "一、工作目标",
                "（一）总体目标",
                "（二）具体目标",
                "1．甲",
                "2．乙",
                "（三）第三",
                "1．丙",
                "正文",
                "二、重点任务",
                "（一）任务",
                "1．丁",
            ]
        );
        let paras = paragraphs(&docx(&body, Some(&numbering), None)).expect("ok");
        assert_eq!(paras[0].label.as_deref(), Some("一、"));
        assert_eq!(paras[0].text, "工作目标");
    }

    #[test]
    fn docx_chinese_counting_beyond_ten() {
        let numbering = format!(
            r#"{}<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#,
            gov_abstract()
        );
        let body: String = (1..=22).map(|i| np(1, 0, &format!("条{i}"))).collect();
        let got = lines(&docx(&body, Some(&numbering), None));
        assert_eq!(got[9], "十、条10");
        assert_eq!(got[10], "十一、条11");
        assert_eq!(got[19], "二十、条20");
        assert_eq!(got[21], "二十二、条22");
    }

    #[test]
    fn docx_style_inherited_numbering() {
        let styles = r#"
            <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
            <w:style w:type="paragraph" w:styleId="L1"><w:basedOn w:val="Normal"/>
              <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="L2"><w:basedOn w:val="L1"/>
              <w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr><w:outlineLvl w:val="1"/>
              <w:pPrChange><w:pPr><w:numPr><w:ilvl w:val="2"/></w:numPr></w:pPr></w:pPrChange></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="L2b"><w:basedOn w:val="L2"/></w:style>
            <w:style w:type="paragraph" w:styleId="Loop1"><w:basedOn w:val="Loop2"/></w:style>
            <w:style w:type="paragraph" w:styleId="Loop2"><w:basedOn w:val="Loop1"/></w:style>
        "#;
        let numbering = format!(
            r#"{}<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#,
            gov_abstract()
        );
        let sp = |style: &str, text: &str| {
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            )
        };
        let body = [
            sp("L1", "目标"),
            sp("L2", "总体"),
            sp("L2b", "具体"),
            // Direct numId 0 removes the style's numbering.
            r#"<w:p><w:pPr><w:pStyle w:val="L1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>不编号</w:t></w:r></w:p>"#.to_string(),
            sp("L1", "任务"),
            sp("Loop1", "循环样式"),
            p("正文"),
        ]
        .concat();
        let bytes = docx(&body, Some(&numbering), Some(styles));
        assert_eq!(
            lines(&bytes),
            [
                "一、目标",
                "（一）总体",
                "（二）具体",
                "不编号",
                "二、任务",
                "循环样式",
                "正文"
            ]
        );
        let paras = paragraphs(&bytes).expect("ok");
        assert_eq!(paras[0].outline_level, Some(0));
        assert_eq!(paras[1].outline_level, Some(1));
        assert_eq!(paras[6].outline_level, None);
    }

    #[test]
    fn docx_start_override_and_shared_abstract() {
        let numbering = format!(
            r#"{}
            <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
            <w:num w:numId="3"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="4"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>"#,
            gov_abstract()
        );
        let body = [
            np(1, 0, "a"),
            np(1, 0, "b"),
            np(3, 0, "c"), // shares abstractNum 0: continues
            np(2, 0, "d"), // startOverride 5
            np(2, 0, "e"),
            np(4, 0, "f"), // restart at 1
            np(4, 1, "g"),
        ]
        .concat();
        assert_eq!(
            lines(&docx(&body, Some(&numbering), None)),
            [
                "一、a",
                "二、b",
                "三、c",
                "五、d",
                "六、e",
                "一、f",
                "（一）g"
            ]
        );
    }

    #[test]
    fn docx_lvl_restart_and_multilevel_text() {
        let numbering = r#"<w:abstractNum w:abstractNumId="7">
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1章"/></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
              <w:lvl w:ilvl="2"><w:start w:val="1"/><w:lvlRestart w:val="0"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%3"/></w:lvl>
              <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
            </w:abstractNum>
            <w:num w:numId="9"><w:abstractNumId w:val="7"/></w:num>"#;
        let body = [
            np(9, 0, "总则"),
            np(9, 1, "a"),
            np(9, 2, "x"),
            np(9, 1, "b"),
            np(9, 2, "y"), // lvlRestart 0: never restarts
            np(9, 3, "点"),
            np(9, 0, "附则"),
            np(9, 1, "c"),
        ]
        .concat();
        assert_eq!(
            lines(&docx(&body, Some(numbering), None)),
            [
                "第1章 总则",
                "1.1 a",
                "①x",
                "1.2 b",
                "②y",
                "点",
                "第2章 附则",
                "2.1 c"
            ]
        );
    }

    #[test]
    fn docx_table_rows() {
        let body = [
            p("表前"),
            r#"<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>
              <w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>任务</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>牵头单位</w:t></w:r></w:p></w:tc></w:tr>
              <w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>建设</w:t></w:r></w:p><w:p><w:r><w:t>平台</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>
              <w:tr><w:trPr><w:del w:id="1" w:author="x"/></w:trPr><w:tc><w:p><w:r><w:t>删</w:t></w:r></w:p></w:tc></w:tr>
            </w:tbl>"#.to_string(),
            p("表后"),
        ]
        .concat();
        assert_eq!(
            lines(&docx(&body, None, None)),
            [
                "表前",
                "序号\t任务\t牵头单位",
                "1\t建设\u{2028}平台\t",
                "表后"
            ]
        );
    }

    #[test]
    fn docx_tracked_changes_and_hidden_text() {
        let body = [
            r#"<w:p><w:r><w:t>保留</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>删除</w:delText><w:tab/></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins><w:moveFrom w:id="3" w:author="a"><w:r><w:t>移走</w:t></w:r></w:moveFrom><w:moveTo w:id="4" w:author="a"><w:r><w:t>移来</w:t></w:r></w:moveTo></w:p>"#,
            r#"<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r><w:r><w:t>可见</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#,
            // Deleted paragraph mark: merges into the next paragraph.
            r#"<w:p><w:pPr><w:rPr><w:del w:id="5" w:author="a"/></w:rPr></w:pPr><w:r><w:t>前半</w:t></w:r></w:p>"#,
            r#"<w:p><w:r><w:t>后半</w:t></w:r></w:p>"#,
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>外</w:t></w:r></w:p>"#,
        ]
        .concat();
        assert_eq!(
            lines(&docx(&body, None, None)),
            ["保留插入移来", "可见3", "前半后半", "文本框", "外"]
        );
    }

    #[test]
    fn docx_pprchange_numbering_ignored() {
        let numbering = format!(
            r#"{}<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#,
            gov_abstract()
        );
        let body = r#"<w:p><w:pPr><w:pPrChange w:id="1" w:author="a"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:pPrChange></w:pPr><w:r><w:t>原为编号</w:t></w:r></w:p>"#;
        assert_eq!(lines(&docx(body, Some(&numbering), None)), ["原为编号"]);
    }

    #[test]
    fn docx_errors() {
        assert_eq!(paragraphs(b"hello, world"), Err(DocxError::NotZip));
        assert_eq!(paragraphs(b""), Err(DocxError::NotZip));
        assert_eq!(
            paragraphs(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]),
            Err(DocxError::LegacyOrEncrypted)
        );
        let no_doc = zip_parts(&[("word/styles.xml", "<w:styles/>")]);
        assert_eq!(paragraphs(&no_doc), Err(DocxError::MissingDocument));

        let good = docx(&p("内容"), None, None);
        assert!(paragraphs(&good).is_ok());
        for cut in [good.len() / 2, good.len() - 1, 30, 4] {
            let truncated = good.get(..cut).expect("prefix");
            assert!(paragraphs(truncated).is_err(), "truncated at {cut}");
        }

        let malformed = zip_parts(&[("word/document.xml", "<w:document><w:body><w:p></w:body>")]);
        match paragraphs(&malformed) {
            Err(DocxError::Xml { part, line, .. }) => {
                assert_eq!(part, "word/document.xml");
                assert_eq!(line, 1);
            }
            other => panic!("expected XML error, got {other:?}"),
        }
        let unclosed = zip_parts(&[("word/document.xml", "<w:document><w:body><w:p>")]);
        assert!(matches!(paragraphs(&unclosed), Err(DocxError::Xml { .. })));
        let empty = zip_parts(&[("word/document.xml", "")]);
        assert!(matches!(paragraphs(&empty), Err(DocxError::Xml { .. })));

        let msg = DocxError::NotZip.to_string();
        assert_eq!(msg, "不是有效的 .docx 文件（无法作为 ZIP 打开）");
    }

    #[test]
    fn docx_zip_bomb_guard() {
        let big = document(&p(&"很".repeat(10_000)));
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options).expect("start");
        zip.write_all(big.as_bytes()).expect("write");
        let bytes = zip.finish().expect("finish").into_inner();
        assert!(bytes.len() < 2_000, "compresses well");
        assert!(read_paragraphs(&bytes, 1 << 20).is_ok());
        assert!(matches!(
            read_paragraphs(&bytes, 4096),
            Err(DocxError::TooLarge { .. })
        ));
    }

    #[test]
    fn docx_with_too_many_entries_is_refused() {
        let doc = document(&p("目标"));
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).expect("start");
        zip.write_all(doc.as_bytes()).expect("write");
        for i in 0..MAX_ENTRIES {
            zip.start_file(format!("x/{i}"), options).expect("start");
        }
        let bytes = zip.finish().expect("finish").into_inner();
        let err = paragraphs(&bytes).unwrap_err();
        assert!(
            matches!(err, DocxError::TooManyEntries { entries, .. } if entries == MAX_ENTRIES + 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("10000"), "{err}");
    }

    #[test]
    fn docx_main_part_from_rels() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let doc_rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="lists/num.xml"/></Relationships>"#;
        let numbering = format!(
            r#"<w:numbering {W}>{}<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#,
            gov_abstract()
        );
        let doc = document(&np(1, 0, "目标"));
        let bytes = zip_parts(&[
            ("_rels/.rels", rels),
            ("word/document2.xml", &doc),
            ("word/_rels/document2.xml.rels", doc_rels),
            ("word/lists/num.xml", &numbering),
        ]);
        assert_eq!(lines(&bytes), ["一、目标"]);
    }

    #[test]
    fn docx_number_formats() {
        let cn = |n| format_number(n, NumFmt::ChineseCounting);
        let cases = [
            (1, "一"),
            (9, "九"),
            (10, "十"),
            (11, "十一"),
            (19, "十九"),
            (20, "二十"),
            (21, "二十一"),
            (99, "九十九"),
            (100, "一百"),
            (101, "一百零一"),
            (110, "一百一十"),
            (111, "一百一十一"),
            (999, "九百九十九"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1010, "一千零一十"),
            (1100, "一千一百"),
            (9999, "九千九百九十九"),
            (10000, "一万"),
            (10001, "一万零一"),
            (100_000, "十万"),
            (0, "〇"),
        ];
        for (n, want) in cases {
            assert_eq!(cn(n), want, "{n}");
        }
        assert!(!cn(u32::MAX).is_empty());
        assert_eq!(format_number(12, NumFmt::DecimalFullWidth), "１２");
        assert_eq!(format_number(3, NumFmt::DecimalEnclosedCircle), "③");
        assert_eq!(format_number(20, NumFmt::DecimalEnclosedCircle), "⑳");
        assert_eq!(format_number(21, NumFmt::DecimalEnclosedCircle), "㉑");
        assert_eq!(format_number(2, NumFmt::DecimalEnclosedParen), "⑵");
        assert_eq!(format_number(1, NumFmt::IdeographTraditional), "甲");
        assert_eq!(format_number(10, NumFmt::IdeographTraditional), "癸");
        assert_eq!(format_number(11, NumFmt::IdeographTraditional), "11");
        assert_eq!(format_number(3, NumFmt::IdeographEnclosedCircle), "㈢");
        assert_eq!(format_number(110, NumFmt::JapaneseCounting), "百十");
        assert_eq!(format_number(10, NumFmt::ChineseLegalSimplified), "壹拾");
        assert_eq!(format_number(105, NumFmt::IdeographDigital), "一〇五");
        assert_eq!(format_number(28, NumFmt::LowerLetter), "bb");
        assert_eq!(format_number(3, NumFmt::UpperLetter), "C");
        assert_eq!(
            format_number(u32::MAX, NumFmt::LowerLetter),
            u32::MAX.to_string()
        );
        assert_eq!(format_number(1994, NumFmt::UpperRoman), "MCMXCIV");
        assert_eq!(format_number(4, NumFmt::LowerRoman), "iv");
        assert_eq!(format_number(12, NumFmt::Ordinal), "12th");
        assert_eq!(format_number(22, NumFmt::Ordinal), "22nd");
        assert_eq!(format_number(5, NumFmt::DecimalZero), "05");
        assert_eq!(
            NumFmt::parse("chineseCountingThousand"),
            Some(NumFmt::ChineseCounting)
        );
        assert_eq!(NumFmt::parse("somethingNew"), Some(NumFmt::Decimal));
        assert_eq!(NumFmt::parse("custom"), None);
    }

    #[test]
    fn docx_builder_round_trip() {
        use docx_builder::{DocxPara, build_docx, from_outline_text};
        let outline = "关于印发实施方案的通知\n一、工作目标\n（一）总体目标\n1．到2025年完成1.5万户改造\n2.建立长效机制\n（二）具体目标\n1．提升服务\n二、保障措施\n（一）加强领导\n（1）细则\n①要点";
        let paras = from_outline_text(outline);
        assert_eq!(
            paras[0],
            DocxPara::Plain("关于印发实施方案的通知".to_string())
        );
        assert_eq!(
            paras[1],
            DocxPara::Numbered {
                level: 0,
                text: "工作目标".to_string()
            }
        );
        let bytes = build_docx(&paras);
        let got = text(&bytes).expect("builder output is readable");
        assert_eq!(
            got,
            "关于印发实施方案的通知\n一、工作目标\n（一）总体目标\n1．到2025年完成1.5万户改造\n2．建立长效机制\n（二）具体目标\n1．提升服务\n二、保障措施\n（一）加强领导\n（1）细则\n①要点"
        );
        let labels: Vec<_> = paragraphs(&bytes)
            .expect("ok")
            .into_iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(labels[0], None);
        assert_eq!(labels[3].as_deref(), Some("1．"));
    }

    /// Tiny deterministic PRNG for the robustness test.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
        }
    }

    #[test]
    fn docx_never_panics_on_mutations() {
        let numbering = format!(
            r#"{}<w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1"><w:startOverride w:val="4294967295"/></w:lvlOverride></w:num>"#,
            gov_abstract()
        );
        let body = [
            np(1, 0, "a"),
            np(1, 1, "b"),
            np(1, 1, "c"),
            np(1, 2, "d"),
            np(1, 9, "e"),
            np(1, 200, "f"),
            np(7, 0, "g"),
            r#"<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>嵌套</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>"#.to_string(),
        ]
        .concat();
        let doc = document(&body);
        let numbering_xml = format!(r#"<w:numbering {W}>{numbering}</w:numbering>"#);
        let good = zip_parts(&[
            ("word/document.xml", &doc),
            ("word/numbering.xml", &numbering_xml),
        ]);
        assert!(paragraphs(&good).is_ok());

        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        // Byte-level mutations of the archive.
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..=rng.below(8) {
                let i = rng.below(bytes.len());
                if let Some(b) = bytes.get_mut(i) {
                    *b = u8::try_from(rng.next() & 0xFF).unwrap_or(0);
                }
            }
            let _ = paragraphs(&bytes);
        }
        // Text-level mutations of the XML parts (stored, so the checksum stays valid).
        let pieces = [
            "<",
            ">",
            "/",
            "\"",
            "&",
            "&#0;",
            "<w:p>",
            "</w:p>",
            "<w:tc>",
            "w:val=\"-1\"",
            "%",
            "\u{FEFF}",
        ];
        for _ in 0..300 {
            let mut d = doc.clone().into_bytes();
            let mut n = numbering_xml.clone().into_bytes();
            for _ in 0..=rng.below(4) {
                let target = if rng.below(2) == 0 { &mut d } else { &mut n };
                let i = rng.below(target.len() + 1);
                let piece = pieces[rng.below(pieces.len())];
                if rng.below(2) == 0 {
                    let end = (i + rng.below(6)).min(target.len());
                    target.drain(i.min(end)..end);
                }
                let i = i.min(target.len());
                target.splice(i..i, piece.bytes());
            }
            let d = String::from_utf8_lossy(&d).into_owned();
            let n = String::from_utf8_lossy(&n).into_owned();
            let bytes = zip_parts(&[("word/document.xml", &d), ("word/numbering.xml", &n)]);
            let _ = paragraphs(&bytes);
        }
    }
}
