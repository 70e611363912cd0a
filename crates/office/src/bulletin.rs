//! The dispatch bulletin (调度通报) of a round and the ledger sheet (台账), as plain values.
//!
//! The caller composes a [`Bulletin`] from the ledger (the round, its judgement, reports,
//! instructions, the units' scores); the renderers turn it into HTML, DOCX and XLSX. The same
//! bulletin always renders to the same bytes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zhuanban_ledger::Colour;

/// A bulletin, everything it says already decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    /// e.g. "落实区域共进行动工作专班调度通报"
    pub title: String,
    /// e.g. "第9期"
    pub issue: String,
    /// e.g. "落实区域共进行动工作专班办公室"
    pub issuer: String,
    /// The date printed on the bulletin (成文日期).
    pub date: NaiveDate,
    /// 主送: "各成员单位" (printed with a full-width colon), empty for none.
    #[serde(default)]
    pub recipients: String,
    /// 版记: 抄送 (empty for none), 印发机关 and 印发日期.
    #[serde(default)]
    pub cc: String,
    #[serde(default)]
    pub printer: String,
    #[serde(default)]
    pub printed_on: Option<NaiveDate>,
    /// e.g. "2024年9月调度"
    pub round_name: String,
    pub as_of: NaiveDate,
    pub plan_title: String,
    /// The baseline version the round was judged against.
    pub plan_version: i64,
    /// Demonstration data: every rendering says so.
    pub demo: bool,
    /// The opening paragraph (总体情况), one or more sentences.
    pub summary: String,
    /// Tasks by status, in the order to print.
    pub totals: Vec<StatusCount>,
    /// Tasks per section of the plan.
    pub sections: Vec<SectionSummary>,
    /// Key indicators: every target that is not a plain count, with its latest value.
    pub indicators: Vec<IndicatorRow>,
    /// Lagging, overdue and missed tasks, worst first, with the reasons units gave.
    pub lagging: Vec<LaggingTask>,
    /// Units that reported late, with the tasks.
    pub late_units: Vec<UnitTasks>,
    /// Units that did not report, with the tasks.
    pub missing_units: Vec<UnitTasks>,
    /// Units whose report the office returned and that have not reported again.
    #[serde(default)]
    pub returned_units: Vec<UnitTasks>,
    /// Units whose report awaits the office's review (their figures are not counted yet).
    #[serde(default)]
    pub pending_units: Vec<UnitTasks>,
    /// Leaders' instructions since the last bulletin.
    pub instructions: Vec<InstructionRow>,
    /// Units ranked by score (deduction rules of the plan), for this round ("本期").
    pub ranking: Vec<RankRow>,
    /// The ranking of the year to date (all closed rounds and this one), labelled as such.
    #[serde(default)]
    pub ranking_year: Vec<RankRow>,
    /// Units that lead no task (listed apart, not ranked).
    #[serde(default)]
    pub unranked: Vec<String>,
    /// The scoring rules used, one line each, printed under the ranking.
    #[serde(default)]
    pub ranking_rules: Vec<String>,
    /// 下步工作要求, one paragraph each (editable by the office).
    pub closing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusCount {
    pub label: String,
    pub count: usize,
    pub colour: Colour,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionSummary {
    /// "2.1"
    pub code: String,
    pub title: String,
    pub total: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    pub task_code: String,
    pub metric: String,
    /// "≥95%", "≤0.08mg/L"
    pub target: String,
    /// "96.2%", or "—" when there is no value
    pub latest: String,
    /// The elapsed share, "74.8%" (empty for targets judged against a bound)
    pub schedule: String,
    pub status: String,
    pub colour: Colour,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LaggingTask {
    pub code: String,
    pub title: String,
    pub lead: String,
    pub support: String,
    pub status: String,
    pub colour: Colour,
    /// Why the desk judged it so ("时间进度74.8%，完成率50.0%，落后序时进度24.8个百分点").
    pub reason: String,
    /// What the unit said (存在问题), may be empty: then the renderers print "未说明原因",
    /// flagged.
    pub unit_reason: String,
    /// The task's completion in words: its cumulative targets' completion together
    /// ("完成率50.0%（1/2）"), not only its worst part; empty when it has none.
    #[serde(default)]
    pub completion: String,
    /// The reporting state of the lead unit in the round ("按时报送", "本期未报送",
    /// "新报告待审核", "退回未重报").
    #[serde(default)]
    pub reporting: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitTasks {
    pub unit: String,
    pub tasks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstructionRow {
    pub author: String,
    pub date: NaiveDate,
    pub task_code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    pub rank: usize,
    pub unit: String,
    pub score: f64,
    /// "未报送1次 −10；逾期报送2次 −10"
    pub deductions: String,
}

/// The ledger as an office keeps it in Excel: one row per target (a task without targets is
/// one row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerSheet {
    pub title: String,
    pub as_of: NaiveDate,
    pub plan_version: i64,
    pub demo: bool,
    pub rows: Vec<LedgerRow>,
}

/// The columns of an office 台账: 序号 (running), 任务编号, 任务名称, 指标, 目标值, 完成时限,
/// 牵头单位, 配合单位, 本期进展, 完成值, 完成率, 序时进度, 进度判断, 报送情况, 存在问题, 下步计划.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// 任务编号: the task code ("2.3.2"); the renderers number rows (序号) themselves.
    pub code: String,
    /// 任务: the task's title
    pub task: String,
    /// 具体内容: the target's text (or the task's, without targets)
    pub content: String,
    pub lead: String,
    pub support: String,
    /// 目标值 as a number, with its unit in `unit` (None for a task without targets)
    pub target: Option<f64>,
    pub unit: String,
    /// 完成时限
    pub deadline: Option<NaiveDate>,
    /// 本期进展: the unit's narrative for the round
    pub progress: String,
    /// 累计完成 / latest value
    pub actual: Option<f64>,
    /// 完成率 as a fraction (0.75), for cumulative targets
    pub completion: Option<f64>,
    /// 序时进度 as a fraction (the elapsed share)
    pub schedule: Option<f64>,
    /// 进度判断: the progress judgement's label
    pub status: String,
    pub colour: Colour,
    /// 指标: the target's short name (its metric), empty for a task without targets
    #[serde(default)]
    pub metric: String,
    /// 报送情况: the lead unit's reporting state in the round ("按时报送", "未报送" …)
    #[serde(default)]
    pub reporting: String,
    /// 存在问题 and 下步计划 from the lead unit's accepted report of the round
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub next_steps: String,
    /// A newer report than the accepted figures awaits review (the row says so).
    #[serde(default)]
    pub pending: bool,
    /// A water-quality class target: 目标值 and 完成值 are classes, written "Ⅲ类".
    #[serde(default)]
    pub class: bool,
}
