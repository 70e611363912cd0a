//! The reading of a plan: plain values, serialisable to JSON/TOML.
//!
//! The JSON form follows the project's plan schema (`tests/data/SCHEMA.md`): the fields the
//! schema names keep its names and spellings (`lead`, `support`, `cmp`, `hardness`, …); the
//! extra fields (`kind`, `metric`, `line`, `period`, `units`, …) are ours.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A plan as read from its published text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Where the text came from (a file name), as given by the caller.
    pub source: String,
    /// False when the text looks cut off (its last task is then left out).
    pub complete: bool,
    /// The plan's title line, when the text has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The administrative level of the issuing government, inferred from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AdminLevel>,
    /// The period the plan covers, inferred from the text, with the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The working body set up by the plan (工作专班, 领导小组 …), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_force: Option<TaskForce>,
    /// Every unit named in the plan, once, with the other spellings that were merged into it.
    #[serde(default)]
    pub units: Vec<Unit>,
    /// The numbered headings that have children (the inner nodes of the numbering tree).
    #[serde(default)]
    pub sections: Vec<Section>,
    /// The tasks: numbered items with no numbered children, in document order.
    pub tasks: Vec<Task>,
}

/// The level of government that issues a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminLevel {
    /// 乡镇/街道
    Township,
    /// 区 (a city district)
    District,
    /// 县/县级市/旗
    County,
    /// 市/州/盟 (prefecture level)
    City,
    /// 省/自治区/直辖市
    Province,
}

impl AdminLevel {
    /// The word a plan of this level uses for its own territory (区, 县, 市, 省).
    pub fn word(self) -> &'static str {
        match self {
            AdminLevel::Township => "镇",
            AdminLevel::District => "区",
            AdminLevel::County => "县",
            AdminLevel::City => "市",
            AdminLevel::Province => "省",
        }
    }
}

/// The time span a plan covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The phrases the period was inferred from ("到2024年底", "2024年完成…").
    pub evidence: Vec<String>,
}

/// The working body that a 推进机制/保障措施 section sets up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskForce {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convener: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deputy_convener: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// The line of the text the task force was read from (1-based).
    #[serde(default)]
    pub line: usize,
}

/// A unit (department, agency, government) named in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The canonical name: the spelling used most in the text (the longer one on a tie).
    pub name: String,
    /// Other spellings of the same unit found in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// An inner node of the numbering tree (a heading with numbered children).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub line: usize,
}

/// A leaf of the numbering tree: one task of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// The numbering path, e.g. "2.1.1" for 二、›（一）›1．
    pub id: String,
    /// The headline: the text after the number up to the first "。" or the end of the line.
    pub title: String,
    /// Lead units (牵头), canonical names.
    pub lead: Vec<String>,
    /// Support units (配合/参与/责任), canonical names.
    pub support: Vec<String>,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The task's whole text, without its number and without the unit marker.
    #[serde(default)]
    pub text: String,
    /// The line the task starts on (1-based).
    #[serde(default)]
    pub line: usize,
    /// Leader lines (牵头负责领导, 责任领导 …): people, not units.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaders: Vec<String>,
}

/// A quantitative commitment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The number with 万/亿 multipliers applied (1.5万亩 → 15000).
    #[serde(with = "number")]
    pub value: f64,
    /// The unit as written, without the multiplier ("亩", "%", "mg/L", "亿元", "类").
    pub unit: String,
    pub cmp: Cmp,
    pub hardness: Hardness,
    /// The date by which the target is due, when the text gives one for it.
    pub deadline: Option<NaiveDate>,
    /// The clause that carries the target.
    pub text: String,
    /// The measured thing ("粮食播种面积", "老旧小区改造").
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub kind: TargetKind,
    #[serde(default)]
    pub line: usize,
}

/// How the actual value is compared with the target value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cmp {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "~")]
    About,
    #[serde(rename = "=")]
    Equal,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtLeast => ">=",
            Cmp::AtMost => "<=",
            Cmp::About => "~",
            Cmp::Equal => "=",
        }
    }

    /// The comparison a [`Cmp::symbol`] names (">=", "<=", "~", "=").
    pub fn from_symbol(s: &str) -> Option<Cmp> {
        [Cmp::AtLeast, Cmp::AtMost, Cmp::About, Cmp::Equal]
            .into_iter()
            .find(|c| c.symbol() == s)
    }
}

/// How binding a commitment is: 确保 (firm), 力争 (stretch), or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hardness {
    Firm,
    Stretch,
    Plain,
}

/// What kind of quantity a target is; decides how progress is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A count that accumulates over the period (完成/新增/建设/改造/培训 N).
    #[default]
    Cumulative,
    /// A rate or level to reach or hold (率, 占比, 稳定在, 保持在).
    Level,
    /// A growth (or reduction) rate (增长 7%, 下降 3%).
    Growth,
    /// An upper bound such as a concentration (控制在 0.08mg/L 以内).
    Limit,
    /// A water or air quality class (III类水质以上).
    Class,
}

/// A qualitative commitment with a date, or with "尽快".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub text: String,
    pub deadline: Option<NaiveDate>,
    #[serde(default)]
    pub line: usize,
}

/// Serialises a value as an integer when it is whole (15000, not 15000.0).
mod number {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(*v as i64)
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        f64::deserialize(d)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// The office should check it before import.
    Warning,
    /// The ledger would be wrong without a fix (or `--force`).
    Error,
}

/// A finding about the text or the plan, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code, e.g. `task-without-unit`.
    pub code: String,
    /// The line of the text (1-based), when the finding has one.
    pub line: Option<usize>,
    /// The task id, when the finding is about a task.
    pub task: Option<String>,
    /// What is wrong, in Chinese, for the office.
    pub message: String,
    /// The text the finding is about.
    pub text: String,
}
