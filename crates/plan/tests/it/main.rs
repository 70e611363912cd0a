//! The plan crate's integration tests, in one binary (it builds faster on two cores).

mod brief;
#[path = "../support/compare.rs"]
mod compare;
#[path = "../support/docx_builder.rs"]
mod docx_builder;

mod formats;
mod limits;
mod lint;
mod metrics;
mod properties;
mod reader;
mod tables;
mod web;
