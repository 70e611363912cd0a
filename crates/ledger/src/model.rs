//! The ledger's records: plans (with versions), units, tasks, targets, milestones, rounds,
//! reports, extension requests, notices and instructions. Plain values; the store persists
//! them and the evaluation reads them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
pub use zhuanban_plan::{Cmp, Hardness, TargetKind};

/// Database ids of the records without an id type of their own (plans, reports, notices …);
/// tasks, targets, milestones, rounds, units and accounts have theirs ([`crate::ids`]).
pub type Id = i64;
pub use crate::ids::{AccountId, MilestoneId, RoundId, TargetId, TaskId, UnitId};

/// The thresholds a plan is judged by. Stored with the plan; the office may change them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSettings {
    /// A cumulative target whose progress trails the elapsed share by more than this many
    /// percentage points is lagging (滞后).
    pub lag_pp: f64,
    /// … and by more than this many, seriously lagging (严重滞后).
    pub serious_pp: f64,
    /// How far (relative, in percent of the target value) an actual may fall short of a "左右"
    /// (~) or "稳定在" (=) target and still count as met.
    pub about_tolerance_pct: f64,
    /// Days before a deadline from which a supervision notice may be proposed (blue).
    pub near_deadline_days: i64,
    /// The deduction rules that rank units.
    #[serde(default)]
    pub deductions: crate::dispatch::DeductionRules,
    /// Rounds that open by themselves (None: the office opens them).
    #[serde(default)]
    pub schedule: Option<crate::dispatch::Schedule>,
    /// Days before the due date from which units that have not reported are reminded.
    #[serde(default = "default_reminder_days")]
    pub reminder_days_before: i64,
    /// Days a unit has to reply to a supervision notice.
    #[serde(default = "default_reply_days")]
    pub notice_reply_days: i64,
    /// The prefix of notice numbers (督办单文号), e.g. "区专班督" → 区专班督〔2024〕1号.
    #[serde(default = "default_notice_prefix")]
    pub notice_prefix: String,
    /// Whether the office's own events (reports awaiting review, notices signed or replied,
    /// extension requests, units late for a round) also go to the configured channels (group
    /// robots, the office accounts' e-mail), besides the office's in-app inbox.
    #[serde(default)]
    pub office_channels: bool,
}

fn default_reminder_days() -> i64 {
    2
}

fn default_reply_days() -> i64 {
    7
}

fn default_notice_prefix() -> String {
    "专班督".to_string()
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            lag_pp: 10.0,
            serious_pp: 30.0,
            about_tolerance_pct: 5.0,
            near_deadline_days: 30,
            deductions: Default::default(),
            schedule: None,
            reminder_days_before: default_reminder_days(),
            notice_reply_days: default_reply_days(),
            notice_prefix: default_notice_prefix(),
            office_channels: false,
        }
    }
}

/// A plan in the ledger. Each import or amendment makes a new version of its baseline; rounds
/// and bulletins record the version they were judged against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub id: Id,
    pub title: String,
    pub source: String,
    /// The current baseline version (1 for the first import).
    pub version: i64,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub settings: PlanSettings,
    /// Demonstration data (zhuanban demo-data), to be marked as such wherever it is shown.
    pub demo: bool,
    /// The version counter of the record itself (optimistic concurrency).
    pub row_version: i64,
    pub created_at: DateTime<Utc>,
    /// When the plan was archived (read-only: no new rounds, reports or versions); None while
    /// it is active.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
}

impl PlanRecord {
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A responsible unit (成员单位 or another department the plan names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub id: UnitId,
    pub name: String,
    pub aliases: Vec<String>,
    /// Whether the unit is a member of the plan's task force.
    pub member: bool,
    pub row_version: i64,
}

/// A task of one version of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: TaskId,
    pub plan_id: Id,
    pub plan_version: i64,
    /// The numbering path ("2.1.1"); stable across versions, so history follows it.
    pub code: String,
    pub title: String,
    pub text: String,
    pub lead: Vec<UnitId>,
    pub support: Vec<UnitId>,
    pub targets: Vec<TargetRecord>,
    pub milestones: Vec<MilestoneRecord>,
}

/// A target of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRecord {
    pub id: TargetId,
    /// Position within the task (1-based); with the task code it identifies the target across
    /// versions ("2.3.2#1").
    pub seq: i64,
    pub value: f64,
    pub unit: String,
    pub cmp: Cmp,
    pub hardness: Hardness,
    pub kind: TargetKind,
    /// The deadline as the plan states it (None: the plan's end).
    pub deadline: Option<NaiveDate>,
    pub metric: String,
    pub text: String,
}

/// A qualitative commitment of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneRecord {
    pub id: MilestoneId,
    pub seq: i64,
    pub text: String,
    pub deadline: Option<NaiveDate>,
}

/// A reporting round (调度轮次).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub id: RoundId,
    pub plan_id: Id,
    /// The plan version in force when the round was opened.
    pub plan_version: i64,
    pub name: String,
    pub as_of: NaiveDate,
    pub due: NaiveDate,
    pub state: RoundState,
    pub row_version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundState {
    Open,
    Closed,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(RoundState::Open),
            "closed" => Some(RoundState::Closed),
            _ => None,
        }
    }
}

/// The life of a report: a unit drafts and submits; the office accepts or returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportState {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Returned => "returned",
            ReportState::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => ReportState::Draft,
            "submitted" => ReportState::Submitted,
            "returned" => ReportState::Returned,
            "accepted" => ReportState::Accepted,
            _ => return None,
        })
    }

    /// 草稿 / 已报送 / 已退回 / 已采纳
    pub fn label(self) -> &'static str {
        match self {
            ReportState::Draft => "草稿",
            ReportState::Submitted => "已报送",
            ReportState::Returned => "已退回",
            ReportState::Accepted => "已采纳",
        }
    }
}

/// The value a report gives for one target: cumulative to date for counts, the latest
/// measurement for levels, limits, growth rates and classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetValue {
    pub target_id: TargetId,
    pub value: f64,
}

/// A milestone's state as a report gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneState {
    pub milestone_id: MilestoneId,
    pub done: bool,
    /// The day it was completed, when done.
    pub done_on: Option<NaiveDate>,
}

/// A file attached to a report, stored by its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub sha256: String,
    pub name: String,
    pub size: u64,
    pub mime: String,
}

/// One unit's report on one task for one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: Id,
    pub round_id: RoundId,
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub state: ReportState,
    pub values: Vec<TargetValue>,
    pub milestones: Vec<MilestoneState>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    pub evidence: Vec<EvidenceRef>,
    /// Who last changed it, and when.
    pub author: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Submitted after the round's due date.
    pub late: bool,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The office's reason when it returned the report.
    pub return_reason: Option<String>,
    pub row_version: i64,
}

/// A unit's request for a later deadline (延期申请).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub id: Id,
    pub task_id: TaskId,
    pub target_id: Option<TargetId>,
    pub milestone_id: Option<MilestoneId>,
    pub unit_id: UnitId,
    /// The deadline in force when asked.
    pub old_deadline: Option<NaiveDate>,
    pub requested: NaiveDate,
    pub reason: String,
    pub state: ExtensionState,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtensionState {
    Pending,
    Granted,
    Refused,
}

/// A leader's instruction (批示) on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    pub id: Id,
    pub task_id: TaskId,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A record of the audit log: who did what to which object, with the state before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: Id,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub source: String,
    pub action: String,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub result: String,
}

/// The colour of a supervision notice (督办单): blue when a deadline is near, yellow when a task
/// lags or a report is empty of substance, red when overdue or lagging two rounds running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    Blue,
    Yellow,
    Red,
}

impl NoticeLevel {
    /// Every level, mildest first.
    pub const ALL: [NoticeLevel; 3] = [NoticeLevel::Blue, NoticeLevel::Yellow, NoticeLevel::Red];

    /// The level's name in data, forms and the API ("blue", "yellow", "red").
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Blue => "blue",
            NoticeLevel::Yellow => "yellow",
            NoticeLevel::Red => "red",
        }
    }

    /// The level named `s` ([`NoticeLevel::as_str`]); None for anything else.
    pub fn parse(s: &str) -> Option<NoticeLevel> {
        NoticeLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// The life of a supervision notice: issued, signed for (签收), replied, closed (销号) or sent
/// back for a better reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeState {
    Issued,
    Signed,
    Replied,
    Closed,
    Reopened,
}

/// A supervision notice (督办单) to a unit about a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: Id,
    /// The document number, 〔2024〕N号 style (no zero padding).
    pub number: String,
    pub level: NoticeLevel,
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub reason: String,
    pub reply_by: NaiveDate,
    pub state: NoticeState,
    pub reply: Option<String>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub row_version: i64,
}

/// What an account may do. Business roles (office, leader, unit) and the three administration
/// roles of 等保 (system, security, audit) are separate; no account holds two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 专班办公室: imports and edits plans, runs rounds, reviews reports, issues notices.
    Office,
    /// 召集人/副召集人: reads everything, writes instructions (批示).
    Leader,
    /// 成员单位联络员: reads its unit's tasks, reports on them.
    Unit,
    /// 系统管理员: accounts and settings, not plan content.
    Sysadmin,
    /// 安全管理员: security settings (password policy, lockout).
    Secadmin,
    /// 审计管理员: reads the audit log only.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Office,
        Role::Leader,
        Role::Unit,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Leader => "leader",
            Role::Unit => "unit",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Office => "专班办公室",
            Role::Leader => "领导",
            Role::Unit => "成员单位",
            Role::Sysadmin => "系统管理员",
            Role::Secadmin => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }
}

/// An account (the password hash is not part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: AccountId,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The unit a unit account reports for.
    pub unit_id: Option<UnitId>,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Where e-mail notices go, if anywhere.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the account signs in with a second factor (TOTP).
    #[serde(default)]
    pub totp_enabled: bool,
    /// The password was set by someone else: it must be changed at the next sign-in.
    #[serde(default)]
    pub must_change_password: bool,
    pub row_version: i64,
}
