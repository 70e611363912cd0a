//! Office output: what the desk hands to people rather than to programs.
//!
//! This crate owns the rendering of charts as inline SVG ([`svg`]) for the web pages and the
//! DOCX bulletins, and will later own the writing of DOCX and XLSX files.
//!
//! Architecture invariant: pure. No database, no clock, no files, no network: every function
//! takes plain values (and the dates it needs) and returns the document as a value; the caller
//! decides where it goes.

pub mod bulletin;
pub mod svg;
