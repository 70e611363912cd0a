//! Reading a Chinese implementation plan (实施方案) into a structured [`Plan`].
//!
//! Architecture invariant: this crate does no I/O. Bytes go in ([`read_bytes`]) or text goes in
//! ([`read_text`]); values come out. Reading text never fails: it returns the plan and a list of
//! diagnostics. Only decoding can fail (empty, binary, broken .docx), with a [`DecodeError`].

pub mod docx;
pub mod model;

pub use model::*;
