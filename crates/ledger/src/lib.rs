//! The ledger's domain: its records ([`model`]) and the judgement of progress ([`evaluate`]);
//! environmental targets judged by the monitoring standards of `zhuanban_standards`
//! ([`environment`]); China's official work calendar of holidays and 调休 ([`calendar`]).
//!
//! Architecture invariant: pure. No database, no clock, no files: the store builds a
//! [`evaluate::Snapshot`] from its rows and the caller passes the as-of date.

pub mod calendar;
pub mod dispatch;
pub mod environment;
pub mod evaluate;
pub mod ids;
pub mod input;
pub mod model;

pub use evaluate::{Colour, Evaluation, Reporting, Snapshot, Status, evaluate};
pub use ids::{AccountId, MilestoneId, RoundId, TargetId, TaskId, UnitId};
pub use model::*;
