//! Office output: what the desk hands to people rather than to programs.
//!
//! This crate owns the rendering of charts as inline SVG ([`svg`]) and PNG ([`png`]), the
//! dispatch bulletin as a DOCX laid out as a 公文 ([`docx::bulletin_docx`]) and as an HTML
//! fragment for the web desk ([`html::bulletin_html`]), and the ledger sheet as an XLSX
//! ([`xlsx::ledger_xlsx`]); the offline report template a unit fills in Excel and the strict
//! reading of it back ([`offline::report_template_xlsx`], [`offline::read_report_xlsx`]); and
//! the supervision notice (督办通知单) as a 公文-style DOCX ([`notice::notice_docx`]).
//!
//! Architecture invariant: pure. No database, no clock, no files, no network: every function
//! takes plain values (and the dates it needs) and returns the document as a value; the caller
//! decides where it goes. The same input always renders to the same bytes.

pub mod bulletin;
pub mod docx;
pub mod figures;
pub mod html;
pub mod notice;
pub mod offline;
pub mod package;
pub mod png;
pub mod sheet;
pub mod svg;
mod text;
pub mod xlsx;

pub use docx::bulletin_docx;
pub use html::{bulletin_html, bulletin_page};
pub use notice::notice_docx;
pub use offline::{read_report_xlsx, report_template_xlsx};
pub use xlsx::ledger_xlsx;
