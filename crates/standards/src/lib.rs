//! Monitoring standards, as the ledger judges environmental targets by them: exact decimals
//! with GB/T 8170 rounding ([`decimal`]), surface water quality by GB 3838-2002 ([`water`]),
//! ambient air by GB 3095-2012, HJ 633-2012 and HJ 663-2013 ([`air`]), and series of monitoring
//! data read from CSV ([`series`]).
//!
//! Architecture invariant: pure. No database, no clock, no files: values in, values out
//! (checked by `cargo xtask tidy`).

pub mod air;
pub mod decimal;
pub mod series;
pub mod water;
