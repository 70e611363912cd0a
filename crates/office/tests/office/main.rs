//! The office documents: the bulletin as DOCX (XML content, snapshot, reproducibility, and
//! LibreOffice opening it) and HTML, the ledger sheet as XLSX (reproducible, read back with
//! calamine), the offline report template (XLSX out and back in, bad uploads refused) and the
//! supervision notice (DOCX). One test binary; LibreOffice runs once per document set per run
//! of it (see `libreoffice`).
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p zhuanban-office --test office` rewrites the stored
//! snapshots under `tests/office/data/`. Each run also writes the sample documents to
//! `target/office-samples/` for people to look at.

mod docx;
mod grid;
mod html;
mod libreoffice;
mod notice;
mod offline;
mod sample;
mod sheet;
mod support;
mod xlsx;
