//! The checks every piece of typed input passes before it is stored, shared by the web desk,
//! the JSON API, the offline spreadsheet and the command line, so that the same text or number
//! is accepted or refused the same way wherever it enters.
//!
//! **Text** ([`check_text`]): at most a number of characters per field ([`limits`]); control
//! characters (NUL, escape, …) refused, except line feed and tab; a carriage return is dropped
//! (Windows line ends become `\n`). The message names the field.
//!
//! **Numbers** ([`parse_value`]): digits with an optional sign and decimal point; a comma (or
//! a full-width comma) only as a thousands separator in groups of three ("1,500" is 1500;
//! "1,5" is refused as ambiguous: 1.5 in much of Europe, a typo for 15 or 1,500 here); no
//! exponent, no `inf` or `NaN`; at most 1e15 in size (beyond any count, amount or level a plan sets; below 2^53, where every integer is exact). Then what the target can be
//! ([`check_value`]): no negative value unless the target is a growth (or reduction) rate or a
//! level; a percentage between 0 and 100, unless the plan's own target is beyond 100 (then up
//! to that) or it is a growth rate (then at least -100).

use crate::model::TargetKind;

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

/// Parses a typed number: see the [module documentation](self).
pub fn parse_value(label: &str, raw: &str) -> Result<f64, String> {
    let s = raw.trim();
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let not_number = || format!("{label}：“{s}”不是数字，请填写阿拉伯数字");
    let groups: Vec<&str> = int.split([',', '，']).collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits(g)) || frac.is_some_and(|f| !digits(f)) {
        return Err(not_number());
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(format!(
            "{label}：“{s}”含义不明：小数请用小数点（如 1.5），千位分隔请每三位一组（如 1,500）"
        ));
    }
    let v: f64 = s
        .replace([',', '，'], "")
        .parse()
        .map_err(|_| not_number())?;
    if !v.is_finite() || v.abs() > MAX_VALUE {
        return Err(format!(
            "{label}：“{s}”超出可填报的范围（绝对值不超过一千万亿）"
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
}
