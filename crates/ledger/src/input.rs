//! The checks every piece of typed input passes before it is stored, shared by the web desk,
//! the JSON API, the offline spreadsheet and the command line, so that the same text or number
//! is accepted or refused the same way wherever it enters.
//!
//! **Text** ([`check_text`]): at most a number of characters per field ([`limits`]); control
//! characters (NUL, escape, …) refused, except line feed and tab; a carriage return is dropped
//! (Windows line ends become `\n`). The message names the field.
//!
//! **Numbers** ([`parse_value`]): digits with an optional sign and decimal point; a comma only
//! as a thousands separator in groups of three ("1,500" is 1500; "1,5" is refused as
//! ambiguous: 1.5 in much of Europe, a typo for 15 or 1,500 here); no exponent, no `inf` or
//! `NaN`; at most 1e15 in size (beyond any count, amount or level a plan sets; below 2^53,
//! where every integer is exact). Full-width digits and punctuation, as Chinese input methods
//! type them, read as their plain forms ("２８０", "１，５００", "０．５"; the full stop "。" as a
//! decimal point). A target's value ([`parse_target_value`]) may carry the target's own unit
//! ("420人", "95%"), with 万, 亿 or 万亿 converted ("12.5万吨" for a target in 吨 is 125000), and a
//! water class may be a Roman or Chinese numeral ("III", "Ⅲ", "三类", "Ⅲ类"). A refusal quotes
//! what was typed, as typed, and names the field. Then what the target can be
//! ([`check_value`]): no negative value unless the target is a growth (or reduction) rate or a
//! level; a percentage between 0 and 100, unless the plan's own target is beyond 100 (then up
//! to that) or it is a growth rate (then at least -100).

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::model::{MilestoneId, TargetId, TargetKind};

/// Character limits of the free-text fields.
pub mod limits {
    /// 本期进展 (narrative).
    pub const NARRATIVE: usize = 20_000;
    /// 存在问题, 下步打算.
    pub const PROBLEMS: usize = 10_000;
    pub const NEXT_STEPS: usize = 10_000;
    /// A reason (notice, return, extension), a reply, an instruction.
    pub const REASON: usize = 2_000;
    pub const REPLY: usize = 5_000;
    /// A short line: a title, a name.
    pub const LINE: usize = 200;
}

/// The largest magnitude a reported value may have.
pub const MAX_VALUE: f64 = 1e15;

/// Checks a free-text field: see the [module documentation](self). Returns the text with
/// carriage returns dropped, or a message naming the field.
pub fn check_text(label: &str, text: &str, max: usize) -> Result<String, String> {
    if let Some((i, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(format!(
            "{label}含有不可见的控制字符（第 {} 个字符，U+{:04X}），请删除后重试",
            i + 1,
            u32::from(c)
        ));
    }
    let n = text.chars().count();
    if n > max {
        return Err(format!("{label}不超过 {max} 字（现有 {n} 字）"));
    }
    Ok(text.replace('\r', ""))
}

/// Parses a typed number: see the [module documentation](self). No unit may follow it; for a
/// target's value, see [`parse_target_value`].
pub fn parse_value(label: &str, raw: &str) -> Result<f64, String> {
    parse_typed(label, raw, None)
}

/// Parses a value typed for a target of `kind` measured in `unit`: a number as
/// [`parse_value`] reads it, optionally followed by the target's own unit ("420人", "95%"), or
/// by that unit with another multiplier 万, 亿 or 万亿 ("12.5万吨" for a target in 吨 is
/// 125000; "1.5亿" for a target in 万元 is 15000); for a water class, also a Roman or Chinese
/// numeral ("III", "Ⅲ", "三类", "Ⅲ类", "劣V类": 1 to 6).
pub fn parse_target_value(
    label: &str,
    raw: &str,
    kind: TargetKind,
    unit: &str,
) -> Result<f64, String> {
    let s = half_width(raw.trim());
    if kind == TargetKind::Class
        && let Some(class) = water_class(&s)
    {
        return Ok(class);
    }
    parse_typed(label, raw, Some(unit)).map_err(|e| {
        if kind == TargetKind::Class && !e.contains("超出") {
            format!(
                "{label}：“{}”不是水质类别，请填写 I～V 类或劣V类（如 III、Ⅲ类、三类，也可填 1～6）",
                quoted(raw)
            )
        } else {
            e
        }
    })
}

/// A water class typed as a numeral ("III", "Ⅲ", "三类", "Ⅲ类水", "劣五类"), as 1 to 6.
fn water_class(s: &str) -> Option<f64> {
    let s = s.trim().to_ascii_uppercase();
    let s = s.as_str();
    let s = s
        .strip_suffix("水质")
        .or_else(|| s.strip_suffix('水'))
        .unwrap_or(s);
    let c = zhuanban_standards::water::WaterClass::parse(s)?;
    let i = zhuanban_standards::water::WaterClass::ALL
        .iter()
        .position(|x| *x == c)?;
    Some(i as f64 + 1.0)
}

/// What was typed, for a message: exactly, up to 40 characters.
fn quoted(raw: &str) -> String {
    let s = raw.trim();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Full-width forms as Chinese input methods type them made plain: digits, letters and
/// punctuation (０-９, ，, ．, ％, －, Ｉ …), the ideographic full stop 。 as a decimal point,
/// the minus sign −, the ideographic space; lower-case Roman numerals (ⅲ) upper-case.
fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '。' => '.',
            '\u{2212}' => '-',
            '\u{2170}'..='\u{217F}' => char::from_u32(u32::from(c) - 0x10).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// The multipliers a typed unit may carry, longest first.
const MULTIPLIERS: [(&str, i32); 3] = [("万亿", 12), ("亿", 8), ("万", 4)];

/// A unit split into its multiplier (as a power of ten) and the rest: "万吨" → (4, "吨").
fn split_multiplier(unit: &str) -> (i32, &str) {
    for (m, e) in MULTIPLIERS {
        if let Some(rest) = unit.strip_prefix(m) {
            return (e, rest);
        }
    }
    (0, unit)
}

/// The power of ten by which a number typed with `typed` after it is converted to `unit`, if
/// `typed` is that unit, an abbreviation of it ("万" for "万元"), or it with another multiplier.
fn unit_shift(typed: &str, unit: &str) -> Option<i32> {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if same(typed, unit) || (!unit.is_empty() && unit.starts_with(typed)) {
        return Some(0);
    }
    let (te, tb) = split_multiplier(typed);
    let (ue, ub) = split_multiplier(unit);
    (tb.is_empty() || same(tb, ub)).then_some(te - ue)
}

/// `digits` (an optional sign, digits, an optional decimal point) times 10^`shift`, as text.
fn shift_point(number: &str, shift: i32) -> String {
    if shift == 0 {
        return number.to_string();
    }
    let (sign, body) = match number.strip_prefix(['-', '+']) {
        Some(b) => (&number[..1], b),
        None => ("", number),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(shift);
    if point >= digits.len() as i64 {
        format!(
            "{sign}{digits}{}",
            "0".repeat(point as usize - digits.len())
        )
    } else if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{sign}{a}.{b}")
    }
}

/// Parses a number typed by a person; `unit`: the target's, which may follow it.
fn parse_typed(label: &str, raw: &str, unit: Option<&str>) -> Result<f64, String> {
    let shown = quoted(raw);
    let not_number = || format!("{label}：“{shown}”不是数字，请填写阿拉伯数字");
    let s = half_width(raw.trim());
    // The number, and what follows it.
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+')))
        .unwrap_or(s.len());
    let (number, rest) = (s[..end].trim(), s[end..].trim());
    // What follows the number first: a typo such as "1,15O" is not a number, whatever its
    // commas.
    let shift = if rest.is_empty() {
        0
    } else {
        let unit = half_width(unit.unwrap_or("").trim());
        match unit_shift(rest, &unit) {
            Some(shift) if !unit.is_empty() || split_multiplier(rest).1.is_empty() => shift,
            // A unit other than the target's: said so, unless it looks like a typo in the
            // number ("1,15O").
            _ if !unit.is_empty()
                && number.bytes().any(|b| b.is_ascii_digit())
                && (!rest.chars().any(|c| c.is_ascii_alphanumeric())
                    || unit.chars().any(|c| c.is_ascii_alphabetic())) =>
            {
                return Err(format!(
                    "{label}：“{shown}”的单位“{rest}”不是本目标的单位“{unit}”，请按{unit}填写数字"
                ));
            }
            _ => return Err(not_number()),
        }
    };
    let body = number.strip_prefix(['-', '+']).unwrap_or(number);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits(g)) || frac.is_some_and(|f| !digits(f)) {
        return Err(not_number());
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(format!(
            "{label}：“{shown}”含义不明：小数请用小数点（如 1.5），千位分隔请每三位一组（如 1,500）"
        ));
    }
    let plain = number.replace(',', "");
    let v: f64 = shift_point(&plain, shift)
        .parse()
        .map_err(|_| not_number())?;
    if !v.is_finite() || v.abs() > MAX_VALUE {
        return Err(format!(
            "{label}：“{shown}”超出可填报的范围（绝对值不超过一千万亿）"
        ));
    }
    Ok(v)
}

/// Whether a target's unit is a percentage.
fn is_percent(unit: &str) -> bool {
    matches!(unit.trim(), "%" | "％" | "百分比" | "百分点")
}

/// Checks a value against what its target (kind, unit, the plan's goal) can be: see the
/// [module documentation](self).
pub fn check_value(
    label: &str,
    kind: TargetKind,
    unit: &str,
    goal: f64,
    v: f64,
) -> Result<(), String> {
    if !v.is_finite() || v.abs() > MAX_VALUE {
        return Err(format!("{label}：不是有效的数值"));
    }
    let negative_ok = matches!(kind, TargetKind::Growth | TargetKind::Level);
    if is_percent(unit) {
        let (lo, hi) = match kind {
            TargetKind::Growth => (-100.0, MAX_VALUE),
            _ => (0.0, goal.max(100.0)),
        };
        if v < lo || v > hi {
            return Err(if hi >= MAX_VALUE {
                format!("{label}：比率不应低于 {lo}%")
            } else {
                format!("{label}：比率应在 {lo}～{hi}% 之间")
            });
        }
    } else if v < 0.0 && !negative_ok {
        return Err(format!("{label}：不能为负数"));
    }
    Ok(())
}

/// A report as a unit fills it in, before it is stored: what every entry point (the form, the
/// JSON API, the offline template, the command line) hands to the store, and what
/// [`ReportDraft::check`] decides on, once for all of them.
#[derive(Debug, Clone, Copy)]
pub struct ReportDraft<'a> {
    /// (target id, value).
    pub values: &'a [(TargetId, f64)],
    /// (milestone id, done, completion date).
    pub milestones: &'a [(MilestoneId, bool, Option<NaiveDate>)],
    pub narrative: &'a str,
    pub problems: &'a str,
    pub next_steps: &'a str,
    /// Submitted (报送) rather than kept as a draft (草稿).
    pub submit: bool,
}

/// What a report is checked against: its task's targets and milestones.
#[derive(Debug, Clone, Default)]
pub struct TaskShape {
    /// The task's number (代码), for messages.
    pub code: String,
    pub targets: Vec<TargetShape>,
    /// (milestone id, its number within the task).
    pub milestones: Vec<(MilestoneId, i64)>,
}

impl TaskShape {
    /// The shape of a task as the store gives it.
    pub fn of(task: &crate::model::TaskRecord) -> Self {
        TaskShape {
            code: task.code.clone(),
            targets: task
                .targets
                .iter()
                .map(|t| TargetShape {
                    id: t.id,
                    seq: t.seq,
                    kind: t.kind,
                    value: t.value,
                    unit: t.unit.clone(),
                    metric: t.metric.clone(),
                })
                .collect(),
            milestones: task.milestones.iter().map(|m| (m.id, m.seq)).collect(),
        }
    }
}

/// A target as a report's value is checked against it.
#[derive(Debug, Clone)]
pub struct TargetShape {
    pub id: TargetId,
    /// Its number within the task.
    pub seq: i64,
    pub kind: TargetKind,
    /// The plan's goal.
    pub value: f64,
    pub unit: String,
    /// What it measures (指标), as messages name it; "第 n 个目标" when the plan names nothing.
    pub metric: String,
}

impl TargetShape {
    fn label(&self) -> String {
        if self.metric.trim().is_empty() {
            format!("第 {} 个目标", self.seq)
        } else {
            self.metric.clone()
        }
    }
}

/// Why a report was refused: the field (`values[2]`, `milestones[1]`, `narrative` …) and a
/// message for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub message: String,
}

impl Refusal {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Refusal {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl ReportDraft<'_> {
    /// Everything a report is checked for, in one place: each value names a target of the
    /// task once and is a number that target can take ([`check_value`]; a water class 1 to 6);
    /// each milestone is the task's, and a completion date belongs to a completed milestone
    /// and is not after `today`; the free text passes [`check_text`]; a submitted report says
    /// what was done (本期进展). The first refusal is returned.
    pub fn check(&self, task: &TaskShape, today: NaiveDate) -> Result<(), Refusal> {
        match self.refusals(task, today).into_iter().next() {
            Some(r) => Err(r),
            None => Ok(()),
        }
    }

    /// Every refusal [`check`](Self::check) would make, in the order of the fields (a form
    /// shows them all at once).
    pub fn refusals(&self, task: &TaskShape, today: NaiveDate) -> Vec<Refusal> {
        let code = &task.code;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for &(target_id, value) in self.values {
            let Some(t) = task.targets.iter().find(|t| t.id == target_id) else {
                out.push(Refusal::new(
                    format!("values[目标 #{target_id}]"),
                    format!("该目标不属于任务 {code}"),
                ));
                continue;
            };
            let field = format!("values[{}]", t.seq);
            let label = t.label();
            if !seen.insert(target_id) {
                out.push(Refusal::new(field, "同一目标填报了两次"));
            } else if !value.is_finite() {
                out.push(Refusal::new(field, "不是有效的数值"));
            } else if let Err(e) = check_value(&label, t.kind, &t.unit, t.value, value) {
                out.push(Refusal::new(field, e));
            } else if t.kind == TargetKind::Class && !(1.0..=6.0).contains(&value) {
                out.push(Refusal::new(field, "水质类别应为 1～6（I～劣V类）"));
            }
        }
        for &(mid, done, done_on) in self.milestones {
            let Some((_, seq)) = task.milestones.iter().find(|m| m.0 == mid) else {
                out.push(Refusal::new(
                    format!("milestones[节点 #{mid}]"),
                    format!("该节点不属于任务 {code}"),
                ));
                continue;
            };
            match done_on {
                Some(_) if !done => out.push(Refusal::new(
                    format!("milestones[{seq}]"),
                    "未完成的节点不应填写完成日期",
                )),
                Some(d) if d > today => out.push(Refusal::new(
                    format!("milestones[{seq}]"),
                    format!("完成日期 {d} 晚于今天"),
                )),
                _ => {}
            }
        }
        for (field, label, text, max) in [
            ("narrative", "本期进展", self.narrative, limits::NARRATIVE),
            ("problems", "存在问题", self.problems, limits::PROBLEMS),
            (
                "next_steps",
                "下步打算",
                self.next_steps,
                limits::NEXT_STEPS,
            ),
        ] {
            if let Err(e) = check_text(label, text, max) {
                out.push(Refusal::new(field, e));
            }
        }
        if self.submit && self.narrative.trim().is_empty() {
            out.push(Refusal::new("narrative", "报送时请填写本期进展情况"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_value("x", "1,500"), Ok(1500.0));
        assert_eq!(parse_value("x", " -2.5 "), Ok(-2.5));
        assert_eq!(parse_value("x", "1，050"), Ok(1050.0));
        for bad in [
            "1,5", "12,34", "1,5000", "1e308", "inf", "NaN", "1.", ".5", "", "两个", "1e3",
        ] {
            assert!(parse_value("x", bad).is_err(), "{bad}");
        }
        assert!(parse_value("x", "1,5").unwrap_err().contains("含义不明"));
        assert!(parse_value("x", "99999999999999999").is_err());
        assert!(check_value("覆盖率", TargetKind::Level, "%", 95.0, -3.0).is_err());
        assert!(check_value("覆盖率", TargetKind::Level, "%", 95.0, 101.0).is_err());
        assert!(check_value("覆盖率", TargetKind::Level, "%", 95.0, 96.5).is_ok());
        assert!(check_value("增长率", TargetKind::Growth, "%", 5.0, -3.0).is_ok());
        assert!(check_value("增长率", TargetKind::Growth, "%", 5.0, 250.0).is_ok());
        assert!(check_value("个数", TargetKind::Cumulative, "个", 3.0, -1.0).is_err());
        assert!(check_value("个数", TargetKind::Cumulative, "个", 3.0, f64::INFINITY).is_err());
    }

    #[test]
    fn full_width_numbers() {
        assert_eq!(parse_value("x", "２８０"), Ok(280.0));
        assert_eq!(parse_value("x", "１，５００"), Ok(1500.0));
        assert_eq!(parse_value("x", "０．５"), Ok(0.5));
        assert_eq!(parse_value("x", "0。5"), Ok(0.5));
        assert_eq!(parse_value("x", "－３"), Ok(-3.0));
        assert_eq!(parse_value("x", "\u{3000}１２\u{3000}"), Ok(12.0));
        // The rules on separators hold for full-width commas too.
        assert!(parse_value("x", "１，５").unwrap_err().contains("含义不明"));
        assert!(parse_value("x", "１，５００，０").is_err());
    }

    #[test]
    fn a_refusal_quotes_what_was_typed() {
        assert_eq!(
            parse_value("改造小区", "1,15O").unwrap_err(),
            "改造小区：“1,15O”不是数字，请填写阿拉伯数字"
        );
        let e =
            parse_target_value("改造小区", " 1,15O ", TargetKind::Cumulative, "个").unwrap_err();
        assert!(e.starts_with("改造小区：“1,15O”不是数字"), "{e}");
        let e = parse_value("x", "１，５").unwrap_err();
        assert!(e.contains("“１，５”"), "{e}");
        let e = parse_value("x", "１２ａ").unwrap_err();
        assert!(e.contains("“１２ａ”"), "{e}");
        let e =
            parse_target_value("产量", "１２．５千克", TargetKind::Cumulative, "万吨").unwrap_err();
        assert_eq!(
            e,
            "产量：“１２．５千克”的单位“千克”不是本目标的单位“万吨”，请按万吨填写数字"
        );
        let long = "1".repeat(60) + "x";
        assert!(parse_value("x", &long).unwrap_err().contains('…'));
    }

    #[test]
    fn the_targets_own_unit() {
        let v = |raw: &str, unit: &str| parse_target_value("x", raw, TargetKind::Cumulative, unit);
        assert_eq!(v("420人", "人"), Ok(420.0));
        assert_eq!(v("420 人", "人"), Ok(420.0));
        assert_eq!(v("４２０人", "人"), Ok(420.0));
        assert_eq!(v("12.5万吨", "万吨"), Ok(12.5));
        assert_eq!(v("12.5", "万吨"), Ok(12.5));
        // The plan's reader keeps 吨 as the unit of "12万吨" (value 120000): the multiplier
        // is applied, exactly.
        assert_eq!(v("12.5万吨", "吨"), Ok(125_000.0));
        assert_eq!(v("1.1万", "亩"), Ok(11_000.0));
        assert_eq!(v("1.5亿", "万元"), Ok(15_000.0));
        assert_eq!(v("1.5万", "万元"), Ok(1.5));
        assert_eq!(v("500元", "万元"), Ok(0.05));
        assert_eq!(v("0.08mg/L", "mg/L"), Ok(0.08));
        assert_eq!(v("0.08 MG/L", "mg/L"), Ok(0.08));
        assert_eq!(
            parse_target_value("覆盖率", "96.5％", TargetKind::Level, "%"),
            Ok(96.5)
        );
        assert!(
            v("420人", "个")
                .unwrap_err()
                .contains("不是本目标的单位“个”")
        );
        assert!(v("420人", "").unwrap_err().contains("不是数字"));
        assert!(v("两个", "个").unwrap_err().contains("“两个”不是数字"));
        assert!(v("1e3", "个").is_err());
        assert!(v("12万3千", "吨").is_err());
        assert!(v("1,5万", "吨").unwrap_err().contains("含义不明"));
        assert!(v("99999999999亿", "吨").unwrap_err().contains("超出"));
        // Without a target, a unit is refused; a multiplier is read.
        assert!(parse_value("x", "420人").is_err());
        assert_eq!(parse_value("x", "1.5万"), Ok(15_000.0));
    }

    #[test]
    fn water_classes_as_numerals() {
        let c = |raw: &str| parse_target_value("水质", raw, TargetKind::Class, "类");
        for (raw, want) in [
            ("III", 3.0),
            ("iii", 3.0),
            ("Ⅲ", 3.0),
            ("ⅲ", 3.0),
            ("ＩＩＩ", 3.0),
            ("三类", 3.0),
            ("Ⅲ类", 3.0),
            ("III类水", 3.0),
            ("Ⅱ类水质", 2.0),
            ("3", 3.0),
            ("３类", 3.0),
            ("I", 1.0),
            ("劣V类", 6.0),
            ("劣五类", 6.0),
            ("6", 6.0),
        ] {
            assert_eq!(c(raw), Ok(want), "{raw}");
        }
        let e = c("良好").unwrap_err();
        assert!(
            e.starts_with("水质：“良好”不是水质类别") && e.contains("III"),
            "{e}"
        );
        assert!(c("劣III类").is_err());
        // Numerals are for classes only.
        assert!(parse_target_value("x", "III", TargetKind::Cumulative, "个").is_err());
    }

    #[test]
    fn text() {
        assert_eq!(
            check_text("本期进展", "a\r\nb\tc", 10),
            Ok("a\nb\tc".into())
        );
        assert!(
            check_text("本期进展", "a\0b", 10)
                .unwrap_err()
                .contains("本期进展")
        );
        assert!(check_text("回复", "\u{1b}[31m", 10).is_err());
        assert!(
            check_text("回复", &"字".repeat(11), 10)
                .unwrap_err()
                .contains("不超过 10 字")
        );
    }

    fn shape() -> TaskShape {
        TaskShape {
            code: "2.3.2".into(),
            targets: vec![
                TargetShape {
                    id: TargetId(7),
                    seq: 1,
                    kind: TargetKind::Cumulative,
                    value: 3.0,
                    unit: "个".into(),
                    metric: "改造小区".into(),
                },
                TargetShape {
                    id: TargetId(8),
                    seq: 2,
                    kind: TargetKind::Class,
                    value: 3.0,
                    unit: "类".into(),
                    metric: String::new(),
                },
            ],
            milestones: vec![(MilestoneId(11), 1)],
        }
    }

    fn refusal(d: ReportDraft<'_>) -> Option<(String, String)> {
        let today = NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
        d.check(&shape(), today).err().map(|r| (r.field, r.message))
    }

    #[test]
    fn a_report_is_checked_once_for_every_entry_point() {
        let good = ReportDraft {
            values: &[(TargetId(7), 2.0), (TargetId(8), 3.0)],
            milestones: &[(MilestoneId(11), true, NaiveDate::from_ymd_opt(2024, 9, 1))],
            narrative: "已完成2个小区改造",
            problems: "",
            next_steps: "",
            submit: true,
        };
        assert_eq!(refusal(good), None);
        // A draft may be empty; a submitted report must say what was done.
        let empty = ReportDraft {
            values: &[],
            milestones: &[],
            narrative: " ",
            submit: false,
            ..good
        };
        assert_eq!(refusal(empty), None);
        assert_eq!(
            refusal(ReportDraft {
                submit: true,
                ..empty
            }),
            Some(("narrative".into(), "报送时请填写本期进展情况".into()))
        );
        fn field(d: ReportDraft<'_>) -> Option<String> {
            refusal(d).map(|r| r.0)
        }
        assert_eq!(
            field(ReportDraft {
                values: &[(TargetId(9), 1.0)],
                ..good
            }),
            Some("values[目标 #9]".into())
        );
        assert_eq!(
            field(ReportDraft {
                values: &[(TargetId(7), 1.0), (TargetId(7), 2.0)],
                ..good
            }),
            Some("values[1]".into())
        );
        assert_eq!(
            field(ReportDraft {
                values: &[(TargetId(7), -1.0)],
                ..good
            }),
            Some("values[1]".into())
        );
        assert_eq!(
            field(ReportDraft {
                values: &[(TargetId(8), 7.0)],
                ..good
            }),
            Some("values[2]".into())
        );
        assert_eq!(
            field(ReportDraft {
                milestones: &[(MilestoneId(11), false, NaiveDate::from_ymd_opt(2024, 9, 1))],
                ..good
            }),
            Some("milestones[1]".into())
        );
        assert_eq!(
            field(ReportDraft {
                milestones: &[(MilestoneId(11), true, NaiveDate::from_ymd_opt(2024, 10, 1))],
                ..good
            }),
            Some("milestones[1]".into())
        );
        assert_eq!(
            field(ReportDraft {
                problems: "a\u{1b}b",
                ..good
            }),
            Some("problems".into())
        );
    }
}
