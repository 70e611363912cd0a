//! Reading a Chinese implementation plan (实施方案) into a structured [`Plan`].
//!
//! Architecture invariant: this crate does no I/O. Bytes go in ([`read_bytes`]) or text goes in
//! ([`read_text`]); values come out. Reading text never fails: it returns the plan and a list of
//! diagnostics. Only decoding can fail (empty, binary, broken .docx), with a [`DecodeError`].
//!
//! The pipeline: [`decode`] (bytes → text; tables of .docx, spreadsheets and HTML pages laid
//! out as text by [`table`]) → `normalize` (lines in a display and an analysis
//! form) → `reader` (numbering tree, tables, unit markers) → `targets` (targets and milestones
//! per task) → `taskforce` → `lint`.

pub mod corrections;
pub mod dates;
mod decode;
pub mod docx;
mod html;
mod lint;
pub mod model;
mod normalize;
pub mod numeral;
pub mod outline;
pub mod pdf;
mod reader;
mod render;
mod sheet;
pub mod table;
mod targets;
mod taskforce;
pub mod units;

pub use decode::{DecodeError, Decoded, SourceFormat, decode, decode_pdf_layout, is_ole, is_pdf};
pub use model::*;
pub use render::outline_text;

/// How to read a plan.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The name to record as the plan's source (usually the file name).
    pub source: String,
    /// Unit aliases the office set: (alias, canonical name).
    pub aliases: Vec<(String, String)>,
}

impl ReadOptions {
    pub fn new(source: impl Into<String>) -> Self {
        ReadOptions {
            source: source.into(),
            aliases: Vec::new(),
        }
    }
}

/// A plan and what the reader found to say about it (reading notes and lint findings), sorted
/// by line.
#[derive(Debug, Clone)]
pub struct Reading {
    pub plan: Plan,
    pub diagnostics: Vec<Diagnostic>,
    /// What the bytes were decoded from, when read from bytes.
    pub format: Option<SourceFormat>,
}

impl Reading {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Reads a plan from a file's bytes (UTF-8, GB18030/GBK, UTF-16 with BOM, .docx, or a task
/// table in .xlsx, .xls, .ods, CSV or an HTML page), the format sniffed from the bytes.
pub fn read_bytes(bytes: &[u8], opts: &ReadOptions) -> Result<Reading, DecodeError> {
    let decoded = decode(bytes)?;
    let mut r = read_text(&decoded.text, opts);
    r.format = Some(decoded.format);
    Ok(r)
}

/// Reads a plan from its text. Never fails.
pub fn read_text(text: &str, opts: &ReadOptions) -> Reading {
    let lines = normalize::lines(text);
    reader::read_lines(&lines, opts)
}
