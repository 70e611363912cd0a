//! Ids of the records that must not be mixed up: tasks, targets, milestones, rounds, units and
//! accounts.
//!
//! Each is a distinct type over the database's `i64`, so a unit id passed where a task id is
//! expected no longer compiles (it used to: every id was a bare [`crate::Id`]). They cost
//! nothing at run time (`#[repr(transparent)]`) and keep the wire format: in JSON, stored JSON,
//! forms, URLs and the API each is the plain number (`serde(transparent)`, `Display`,
//! `FromStr`). Plans, reports, notices and the other records keep [`crate::Id`].
//!
//! ```compile_fail,E0308
//! use zhuanban_ledger::{TaskId, UnitId};
//!
//! fn task_title(task: TaskId) -> String {
//!     format!("任务 {task}")
//! }
//!
//! let unit = UnitId(7);
//! task_title(unit); // a unit id is not a task id
//! ```
//!
//! ```
//! use zhuanban_ledger::{TaskId, UnitId};
//!
//! fn task_title(task: TaskId) -> String {
//!     format!("任务 {task}")
//! }
//!
//! let unit = UnitId(7);
//! assert_eq!(task_title(TaskId(unit.get())), "任务 7"); // only by saying so
//! ```

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            Default,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
        )]
        #[repr(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The id with this database value.
            pub const fn new(id: i64) -> Self {
                $name(id)
            }

            /// The database value.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            /// The plain number, as URLs, forms and the API give it.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

id_type!(
    /// A task's id (`tasks.id`).
    TaskId
);
id_type!(
    /// A target's id (`targets.id`).
    TargetId
);
id_type!(
    /// A milestone's id (`milestones.id`).
    MilestoneId
);
id_type!(
    /// A reporting round's id (`rounds.id`).
    RoundId
);
id_type!(
    /// A responsible unit's id (`units.id`).
    UnitId
);
id_type!(
    /// An account's id (`users.id`).
    AccountId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_on_the_wire() {
        let task = TaskId(42);
        assert_eq!(serde_json::to_string(&task).unwrap(), "42");
        assert_eq!(serde_json::from_str::<TaskId>("42").unwrap(), task);
        assert_eq!(task.to_string(), "42");
        assert_eq!("42".parse::<TaskId>().unwrap(), task);
        assert!("4x".parse::<TaskId>().is_err());

        let units = vec![UnitId(3), UnitId(-1)];
        let json = serde_json::to_string(&units).unwrap();
        assert_eq!(json, "[3,-1]");
        assert_eq!(serde_json::from_str::<Vec<UnitId>>(&json).unwrap(), units);

        let round: Option<RoundId> = serde_json::from_str("null").unwrap();
        assert_eq!(round, None);
        assert_eq!(
            serde_json::to_value(AccountId::new(9)).unwrap(),
            serde_json::json!(9)
        );
        assert_eq!(MilestoneId(5).get(), 5);
        assert_eq!(i64::from(TargetId(6)), 6);
    }
}
