//! Reading a plan document brought in through the desk or the command line: the bytes decoded
//! (by content, not by the file's name), the text kept for the review page, the reader's
//! reading and its diagnostics.

use zhuanban_ledger::Id;
use zhuanban_plan::{ReadOptions, Reading};
use zhuanban_store::NewReading;

/// An uploaded plan document as read.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's text, as the review page shows it line by line.
    pub text: String,
    /// What the bytes were (".docx", "GB18030" …).
    pub format: String,
    pub reading: Reading,
}

impl Document {
    /// The draft the store keeps of it; `revises`: the plan it is a revised version of.
    pub fn new_reading<'a>(&'a self, source: &'a str, revises: Option<Id>) -> NewReading<'a> {
        NewReading {
            source,
            format: &self.format,
            text: &self.text,
            plan: &self.reading.plan,
            diagnostics: &self.reading.diagnostics,
            revises,
        }
    }
}

/// Reads a plan document's bytes; a file that cannot be read gets a message naming it and
/// why (empty, binary, a broken .docx …).
pub fn read_document(name: &str, bytes: &[u8]) -> Result<Document, String> {
    let decoded = zhuanban_plan::decode(bytes).map_err(|e| format!("{name}：{e}"))?;
    let reading = zhuanban_plan::read_text(&decoded.text, &ReadOptions::new(name));
    Ok(Document {
        format: decoded.format.to_string(),
        text: decoded.text,
        reading,
    })
}
