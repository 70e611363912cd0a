//! Persistence of the ledger.
//!
//! [`Db`] is the ledger's store on either backend: a SQLite file (WAL mode,
//! `synchronous=FULL`, foreign keys on) or a PostgreSQL database (`Db::connect` with a
//! `postgres://` URL), every query written once for both; the [`Store`] trait names its core.
//!
//! Architecture invariants:
//! - Every write is one transaction, and the audit record of a change is written in the same
//!   transaction as the change: either both are there or neither.
//! - Records that can be edited carry a `row_version`; an update names the version it read,
//!   and a stale one is refused with [`StoreError::Conflict`] instead of overwriting.
//! - The audit table is append-only (triggers refuse UPDATE and DELETE) and hash-chained.
//! - Input is validated before anything is written; a refused write changes nothing.

mod accounts;
pub mod audit;
mod batch;
pub mod clock;
mod db;
pub mod dispatch;
mod group;
mod ledger;
mod lockout;
mod migrate;
mod postgres;
mod readings;
mod security;
mod series;
mod units;
mod work_calendar;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zhuanban_ledger::evaluate::Snapshot;
use zhuanban_ledger::{
    AuditRecord, Id, MilestoneId, PlanRecord, PlanSettings, Report, Round, RoundId, TargetId,
    TaskId, TaskRecord, UnitId, UnitRecord,
};

pub use accounts::{FAILURE_WINDOW_MINUTES, NewUser, SessionRow, valid_email, valid_login};
pub use batch::{MAX_PLANS, SnapshotOf};
pub use dispatch::{
    Audience, BulletinRecord, Claim, ExtensionInput, InboxMessage, NoticeInput, NoticeStep,
    OutboxItem, TaskBrief, notice_state_label,
};
pub use ledger::{Db, PG_WRITE_LOCK, PgOptions, is_postgres};
pub use lockout::LockOutcome;
pub use postgres::{PgSnapshot, pg_user_tables};
pub use readings::{MAX_TEXT, NewReading, PlanReading, check_importable, complete_units};
pub use security::{AUDIT_RETENTION_DAYS, AuditFilter};
pub use series::SeriesImport;

/// What went wrong in the store. Messages are in Chinese for the office; each names the field
/// or record concerned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} #{id} 不存在")]
    NotFound { what: &'static str, id: String },
    #[error("{what} #{id} 已被他人修改（当前版本 {current}，提交的是版本 {given}），请刷新后重试")]
    Conflict {
        what: &'static str,
        id: Id,
        current: i64,
        given: i64,
    },
    #[error("{field}：{message}")]
    Invalid { field: String, message: String },
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    /// An error of the writer thread's connection (see the store's `group` module).
    #[error("数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库结构升级失败：{0}")]
    Migrate(String),
    #[error("数据格式错误：{0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// The error as a person at the desk reads it: an invalid input's message alone when its
    /// field is named by a code ("reason", `values[1]` — the message says in Chinese what is
    /// wrong, and the page marks the field), or after the field's words ("任务 2.3.2：…").
    /// The command line keeps the code (`Display`): there it names the key in the file.
    pub fn for_people(&self) -> String {
        match self {
            StoreError::Invalid { field, message } if field.is_empty() || field.is_ascii() => {
                message.clone()
            }
            e => e.to_string(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who does something, and from where (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    /// "cli", an IP address, "system" …
    pub source: String,
}

impl Actor {
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Self {
        Actor {
            name: name.into(),
            source: source.into(),
        }
    }
}

/// How to import a plan reading.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Make a new version of this plan instead of a new plan.
    pub plan_id: Option<Id>,
    /// Mark everything as demonstration data.
    pub demo: bool,
    /// The thresholds to judge by (the defaults when None; a new version keeps the plan's).
    pub settings: Option<PlanSettings>,
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub plan_id: Id,
    pub version: i64,
    pub tasks: usize,
    pub targets: usize,
    pub milestones: usize,
    pub units: usize,
    pub units_created: usize,
}

/// A report as a unit fills it in. Values and milestones refer to the task's targets and
/// milestones by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub round_id: RoundId,
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub values: Vec<(TargetId, f64)>,
    pub milestones: Vec<(MilestoneId, bool, Option<NaiveDate>)>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    /// Submit (true) or keep as a draft (false).
    pub submit: bool,
    /// The version of the existing report this edit is based on (None for a new report).
    pub expected_version: Option<i64>,
    /// When it was submitted, for demonstration history only: refused on a real round.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Evidence files to attach (already stored by their hash), in the same transaction.
    pub evidence: Vec<zhuanban_ledger::EvidenceRef>,
}

/// A new round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundInput {
    pub plan_id: Id,
    pub name: String,
    pub as_of: NaiveDate,
    pub due: NaiveDate,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    pub records: usize,
    pub breaks: Vec<audit::Break>,
}

/// The ledger's storage.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Imports a plan reading as a new plan, or as a new version of an existing one.
    async fn import_plan(
        &self,
        plan: &zhuanban_plan::Plan,
        opts: &ImportOptions,
        actor: &Actor,
    ) -> Result<ImportOutcome>;
    async fn plans(&self) -> Result<Vec<PlanRecord>>;
    async fn plan(&self, id: Id) -> Result<PlanRecord>;
    /// The tasks of a plan at a version (the current one when None).
    async fn tasks(&self, plan_id: Id, version: Option<i64>) -> Result<Vec<TaskRecord>>;
    async fn units(&self, plan_id: Id) -> Result<Vec<UnitRecord>>;
    async fn unit_by_name(&self, name: &str) -> Result<UnitRecord>;

    async fn open_round(&self, input: &RoundInput, demo: bool, actor: &Actor) -> Result<Round>;
    async fn close_round(&self, id: RoundId, expected_version: i64, actor: &Actor)
    -> Result<Round>;
    async fn rounds(&self, plan_id: Id) -> Result<Vec<Round>>;
    async fn round(&self, id: RoundId) -> Result<Round>;

    /// Saves a unit's report (as a draft or submitted).
    async fn save_report(&self, input: &ReportInput, actor: &Actor) -> Result<Report>;
    async fn accept_report(&self, id: Id, expected_version: i64, actor: &Actor) -> Result<Report>;
    async fn return_report(
        &self,
        id: Id,
        expected_version: i64,
        reason: &str,
        actor: &Actor,
    ) -> Result<Report>;
    async fn report(&self, id: Id) -> Result<Report>;
    async fn reports(&self, round_id: RoundId) -> Result<Vec<Report>>;

    /// What the evaluation needs for a plan as of a date; with a round, the tasks of the
    /// round's plan version and whether each was reported in it.
    async fn snapshot(
        &self,
        plan_id: Id,
        as_of: NaiveDate,
        round: Option<RoundId>,
    ) -> Result<Snapshot>;

    async fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>>;
    async fn verify_audit(&self) -> Result<AuditCheck>;
}
