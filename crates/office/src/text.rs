//! The wording the bulletin renderers share (DOCX and HTML say the same things).

use chrono::{Datelike, NaiveDate};
use zhuanban_ledger::Colour;

use crate::bulletin::{Bulletin, LaggingTask};

/// "2024年9月30日", as 公文 print dates (Arabic numerals, no leading zeros).
pub(crate) fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A Chinese numeral for the outline (一 … 九十九; beyond that Arabic digits).
pub(crate) fn cn_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

/// The round as the headline and lead say it: "2024年9月调度", from a round name such as
/// "2024年9月调度", "2024年9月" or "2024年9月调度（演示）" (a trailing bracketed note is dropped:
/// the demo mark says so already); the as-of date's month without a name.
pub(crate) fn round_label(b: &Bulletin) -> String {
    let mut r = b.round_name.trim();
    if let Some(open) = r.rfind(['（', '('])
        && open > 0
        && (r.ends_with('）') || r.ends_with(')'))
    {
        r = r[..open].trim_end();
    }
    if r.is_empty() {
        return format!("{}年{}月调度", b.as_of.year(), b.as_of.month());
    }
    if r.ends_with("调度") {
        r.to_owned()
    } else {
        format!("{r}调度")
    }
}

/// The headline under the masthead: "关于2024年9月调度情况的通报".
pub(crate) fn headline(b: &Bulletin) -> String {
    format!("关于{}情况的通报", round_label(b))
}

/// The plan's title in book-title marks (unless it has them already).
pub(crate) fn plan_ref(b: &Bulletin) -> String {
    let t = b.plan_title.trim();
    if t.is_empty() {
        "实施方案".to_owned()
    } else if t.starts_with('《') {
        t.to_owned()
    } else {
        format!("《{t}》")
    }
}

/// The lead-in paragraph before 一、.
pub(crate) fn lead(b: &Bulletin) -> String {
    format!(
        "现将{}{}情况通报如下（数据截至{}）。",
        plan_ref(b),
        round_label(b),
        cn_date(b.as_of),
    )
}

/// The paragraphs of a multi-line text: trimmed, blank lines dropped.
pub(crate) fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The body sections, in order: (heading, kind). 七 only with closing paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Overview,
    Indicators,
    Lagging,
    Reporting,
    Instructions,
    Ranking,
    Closing,
}

pub(crate) fn parts(b: &Bulletin) -> Vec<(String, Part)> {
    let mut v = vec![
        ("总体情况", Part::Overview),
        ("重点指标情况", Part::Indicators),
        ("滞后及逾期任务", Part::Lagging),
        ("报送情况", Part::Reporting),
        ("领导批示", Part::Instructions),
        ("成员单位排名", Part::Ranking),
    ];
    if b.closing.iter().any(|c| !c.trim().is_empty()) {
        v.push(("下步工作要求", Part::Closing));
    }
    v.into_iter()
        .enumerate()
        .map(|(i, (t, p))| (format!("{}、{t}", cn_number(i + 1)), p))
        .collect()
}

/// What each colour means, for table notes and legends.
pub(crate) const COLOUR_NOTE: &str = "注：绿灯为已完成、达标或序时推进，黄灯为滞后、未达标或有风险，红灯为严重滞后、逾期未完成或未完成目标，灰灯为无数据或未开始；报送情况另列，不改变灯色。";

/// The lamp word of a colour ("绿灯").
pub(crate) fn lamp(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => "绿灯",
        Colour::Yellow => "黄灯",
        Colour::Red => "红灯",
        Colour::Grey => "灰灯",
    }
}

/// The lagging tasks grouped for 三、: red first, then yellow, then the rest; each group with
/// its heading. Empty groups are left out.
pub(crate) fn lagging_groups(b: &Bulletin) -> Vec<(&'static str, Vec<&LaggingTask>)> {
    let pick = |f: &dyn Fn(Colour) -> bool| -> Vec<&LaggingTask> {
        b.lagging.iter().filter(|t| f(t.colour)).collect()
    };
    let groups = [
        ("严重滞后及逾期任务（红灯）", pick(&|c| c == Colour::Red)),
        ("滞后任务（黄灯）", pick(&|c| c == Colour::Yellow)),
        (
            "其他需关注任务",
            pick(&|c| c == Colour::Green || c == Colour::Grey),
        ),
    ];
    groups.into_iter().filter(|(_, v)| !v.is_empty()).collect()
}

/// The sentence that opens 三、.
pub(crate) fn lagging_intro(b: &Bulletin) -> String {
    if b.lagging.is_empty() {
        return "本期无滞后或逾期任务。".to_owned();
    }
    let red = b.lagging.iter().filter(|t| t.colour == Colour::Red).count();
    let yellow = b
        .lagging
        .iter()
        .filter(|t| t.colour == Colour::Yellow)
        .count();
    let mut s = format!("本期共有{}项任务需重点关注", b.lagging.len());
    let mut parts = Vec::new();
    if red > 0 {
        parts.push(format!("红灯{red}项"));
    }
    if yellow > 0 {
        parts.push(format!("黄灯{yellow}项"));
    }
    if !parts.is_empty() {
        s.push('（');
        s.push_str(&parts.join("、"));
        s.push('）');
    }
    s.push_str("，具体情况如下。");
    s
}

/// The lines of a lagging task's "滞后情况及原因" cell after the desk's reason, as (label,
/// text): its completion, the lead unit's reporting state, and what the unit said — "未说明原因"
/// (flagged: `true`) when it said nothing.
pub(crate) fn lagging_lines(t: &LaggingTask) -> Vec<(&'static str, String, bool)> {
    let mut v = Vec::new();
    if !t.completion.trim().is_empty() {
        v.push(("完成情况：", t.completion.trim().to_owned(), false));
    }
    if !t.reporting.trim().is_empty() {
        v.push(("报送情况：", t.reporting.trim().to_owned(), false));
    }
    if t.unit_reason.trim().is_empty() {
        v.push(("单位说明：", "未说明原因".to_owned(), true));
    } else {
        v.push(("单位说明：", t.unit_reason.trim().to_owned(), false));
    }
    v
}

/// The notes under the ranking: the scoring rules used, and the units that lead no task
/// (listed apart, not ranked).
pub(crate) fn ranking_notes(b: &Bulletin) -> Vec<String> {
    let mut v = Vec::new();
    let rules: Vec<&str> = b
        .ranking_rules
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if !rules.is_empty() {
        v.push(format!(
            "注：评分规则：{}。",
            rules.join("；").trim_end_matches('。')
        ));
    }
    if !b.unranked.is_empty() {
        v.push(format!(
            "未牵头任务、不参与排名的单位：{}。",
            b.unranked.join("、")
        ));
    }
    v
}

/// The sentence that opens 四、.
pub(crate) fn reporting_intro(b: &Bulletin) -> String {
    match (b.late_units.len(), b.missing_units.len()) {
        (0, 0) => "本期各成员单位均按时报送。".to_owned(),
        (late, 0) => format!("本期{late}家单位逾期报送，其余单位均按时报送。"),
        (0, missing) => format!("本期{missing}家单位未报送，其余单位均按时报送。"),
        (late, missing) => format!("本期{late}家单位逾期报送，{missing}家单位未报送，具体如下。"),
    }
}

/// One instruction as a sentence (without its number).
pub(crate) fn instruction_text(i: &crate::bulletin::InstructionRow) -> String {
    let text = i.text.trim();
    let quoted = text.starts_with('“') || text.starts_with('"');
    let body = if quoted {
        text.to_owned()
    } else {
        format!("“{text}”")
    };
    let task = i.task_code.trim();
    if task.is_empty() {
        format!("{}，{}批示：{body}", cn_date(i.date), i.author.trim())
    } else {
        format!(
            "{}，{}在任务{task}上批示：{body}",
            cn_date(i.date),
            i.author.trim()
        )
    }
}

/// A closing paragraph split for display: its outline marker ("（一）", added when the
/// paragraph has none), its lead sentence when short (shown in 楷体), and the rest.
pub(crate) fn closing_parts(index: usize, text: &str) -> (String, String, String) {
    let text = text.trim();
    let (marker, rest) = match strip_marker(text) {
        Some((m, r)) => (m.to_owned(), r.trim_start()),
        None => (format!("（{}）", cn_number(index + 1)), text),
    };
    if let Some(pos) = rest.find('。') {
        let (lead, tail) = rest.split_at(pos + '。'.len_utf8());
        if lead.chars().count() <= 24 && !tail.trim().is_empty() {
            return (marker, lead.to_owned(), tail.to_owned());
        }
    }
    (marker, String::new(), rest.to_owned())
}

/// A leading "（一）" / "(1)" / "一、" / "1．" marker, if the text starts with one.
fn strip_marker(text: &str) -> Option<(&str, &str)> {
    let numeral = |c: char| "一二三四五六七八九十".contains(c) || c.is_ascii_digit();
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if first == '（' || first == '(' {
        let close = text.find(['）', ')'])?;
        let inner = &text[first.len_utf8()..close];
        if !inner.is_empty() && inner.chars().all(numeral) {
            let end = close + text[close..].chars().next()?.len_utf8();
            return Some(text.split_at(end));
        }
        return None;
    }
    let end = text.find(|c: char| !numeral(c))?;
    if end == 0 {
        return None;
    }
    let sep = text[end..].chars().next()?;
    if matches!(sep, '、' | '．' | '.') {
        return Some(text.split_at(end + sep.len_utf8()));
    }
    None
}

/// A score as printed: at most one decimal ("92", "87.5").
pub(crate) fn score(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    let s = format!("{v:.1}");
    s.strip_suffix(".0").unwrap_or(&s).to_owned()
}

/// The title of the chart, for captions and alt texts.
pub(crate) fn chart_caption(b: &Bulletin) -> String {
    let total: usize = b.totals.iter().map(|t| t.count).sum();
    let parts: Vec<String> = b
        .totals
        .iter()
        .map(|t| format!("{}{}项", t.label, t.count))
        .collect();
    format!("任务状态分布：共{total}项，{}", parts.join("，"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(12), "十二");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(37), "三十七");
    }

    #[test]
    fn closing_markers() {
        let (m, l, r) = closing_parts(0, "压实工作责任。各牵头单位要对照任务清单抓紧推进。");
        assert_eq!((m.as_str(), l.as_str()), ("（一）", "压实工作责任。"));
        assert_eq!(r, "各牵头单位要对照任务清单抓紧推进。");
        let (m, l, r) = closing_parts(3, "（二）加强调度。每月调度一次。");
        assert_eq!(
            (m.as_str(), l.as_str(), r.as_str()),
            ("（二）", "加强调度。", "每月调度一次。")
        );
        let (m, l, r) = closing_parts(1, "2．各单位于每月25日前报送。");
        assert_eq!(
            (m.as_str(), l.as_str(), r.as_str()),
            ("2．", "", "各单位于每月25日前报送。")
        );
        let (m, _, r) = closing_parts(0, "2024年底前完成全部任务。");
        assert_eq!(
            (m.as_str(), r.as_str()),
            ("（一）", "2024年底前完成全部任务。")
        );
    }

    #[test]
    fn round_labels() {
        let mut b = Bulletin {
            title: String::new(),
            issue: String::new(),
            issuer: String::new(),
            date: NaiveDate::from_ymd_opt(2024, 10, 8).unwrap(),
            round_name: "2024年9月调度".to_owned(),
            as_of: NaiveDate::from_ymd_opt(2024, 9, 30).unwrap(),
            plan_title: String::new(),
            plan_version: 1,
            demo: false,
            summary: String::new(),
            totals: vec![],
            sections: vec![],
            indicators: vec![],
            lagging: vec![],
            late_units: vec![],
            missing_units: vec![],
            instructions: vec![],
            ranking: vec![],
            closing: vec![],
            ..Default::default()
        };
        for (name, label) in [
            ("2024年9月调度", "2024年9月调度"),
            ("2024年9月调度（演示）", "2024年9月调度"),
            ("2024年9月", "2024年9月调度"),
            ("第三季度(试行)", "第三季度调度"),
            ("", "2024年9月调度"),
            ("（演示）", "（演示）调度"),
        ] {
            b.round_name = name.to_owned();
            assert_eq!(round_label(&b), label, "{name}");
        }
        assert_eq!(headline(&b), "关于（演示）调度情况的通报");
    }

    #[test]
    fn shares() {
        assert_eq!(score(87.5), "87.5");
        assert_eq!(score(90.0), "90");
    }
}
