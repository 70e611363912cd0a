//! The use cases that the web desk (`zhuanban-web`) and the command line (`zhuanban`) share,
//! so that each fact is decided once: judging a plan ([`judge`]), proposing supervision notices
//! ([`proposals`]), composing the bulletin ([`bulletin`]) and reading an uploaded plan
//! ([`plans`]). Neither front end judges by
//! itself; both call these and only present what they return.

pub mod audit;
pub mod bulletin;
pub mod convert;
pub mod dispatch;
pub mod judge;
pub mod messages;
pub mod passwords;
pub mod plans;
pub mod proposals;
pub mod security;
pub mod series;

pub use judge::{Judged, View, judge, judge_plans};
