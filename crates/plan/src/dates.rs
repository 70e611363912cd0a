//! Deadlines as Chinese plans write them: "2024年" → 2024-12-31, "到2024年底", "2023年10月底前",
//! "2023年1月15日前", "年内", "上半年", "三季度末", "6月底前" (the year from the plan).
//!
//! Decisions where usage varies:
//! - "X月前" (without 底) is read strictly: before month X begins, i.e. the last day of X−1.
//! - "Y年" alone means the end of year Y; "Y—Z年" means the end of Z.
//! - A year used as a base ("比2020年", "较2020年", "2020年以来", "2020年基础上") is not a deadline.

use chrono::NaiveDate;

use crate::numeral::{digit_value, parse_chinese};

/// A deadline as written; the year may be missing ("10月底前") and is then the plan's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub year: Option<i32>,
    pub month: u32,
    pub day: Option<u32>,
}

impl Deadline {
    /// The date, taking `default_year` when the text gave none.
    pub fn resolve(self, default_year: Option<i32>) -> Option<NaiveDate> {
        let year = self.year.or(default_year)?;
        match self.day {
            Some(d) => NaiveDate::from_ymd_opt(year, self.month, d),
            None => last_day_of_month(year, self.month),
        }
    }
}

pub fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

/// A date expression found in a text: its byte range and its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMention {
    pub start: usize,
    pub end: usize,
    pub deadline: Deadline,
    /// True when the year is a reference point, not a deadline ("比2020年增长").
    pub base: bool,
    /// The first year of a span ("2022—2024年" → 2022); the deadline is its end.
    pub from_year: Option<i32>,
}

fn is_year(v: u64) -> bool {
    (1949..=2100).contains(&v)
}

/// Reads a number (ASCII digits or Chinese numerals) at `s`; returns the value and its length.
fn number_at(s: &str) -> Option<(u64, usize)> {
    let ascii = s
        .char_indices()
        .find(|&(_, c)| !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    if ascii > 0 {
        return Some((s[..ascii].parse().ok()?, ascii));
    }
    let cn = s
        .char_indices()
        .find(|&(_, c)| !(digit_value(c).is_some() || c == '十'))
        .map_or(s.len(), |(i, _)| i);
    if cn > 0 {
        return Some((parse_chinese(&s[..cn])?, cn));
    }
    None
}

/// Finds every date expression in `s` (an analysis-form text).
pub fn find_dates(s: &str) -> Vec<DateMention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        // Dates start with a number; relative words with 年, 上 or 下.
        let c = rest.chars().next().unwrap_or(' ');
        if !(c.is_ascii_digit() || c == '十' || matches!(c, '年' | '上' | '下'))
            && digit_value(c).is_none()
        {
            i += c.len_utf8();
            continue;
        }
        if let Some((m, len)) = date_at(s, i) {
            out.push(m);
            i += len.max(1);
            continue;
        }
        // Relative words that need the plan's year.
        let mut matched = false;
        for (word, month, day) in RELATIVE {
            if rest.starts_with(word) {
                // "三年内" is a duration, not this year's end.
                let before = &s[..i];
                let preceded_by_number = before
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_digit() || digit_value(c).is_some());
                if !preceded_by_number {
                    out.push(DateMention {
                        start: i,
                        end: i + word.len(),
                        deadline: Deadline {
                            year: None,
                            month: *month,
                            day: *day,
                        },
                        base: false,
                        from_year: None,
                    });
                    i += word.len();
                    matched = true;
                }
                break;
            }
        }
        if !matched {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

const RELATIVE: &[(&str, u32, Option<u32>)] = &[
    ("年底前", 12, None),
    ("年底", 12, None),
    ("年末", 12, None),
    ("年内", 12, None),
    ("上半年", 6, None),
    ("下半年", 12, None),
];

fn month_words(rest: &str) -> Option<(u32, Option<u32>, usize)> {
    // Quarter forms: "一季度", "第三季度末", "上半年", "下半年", "年底", "底前".
    for (word, month) in [
        ("第一季度", 3),
        ("第二季度", 6),
        ("第三季度", 9),
        ("第四季度", 12),
        ("一季度", 3),
        ("二季度", 6),
        ("三季度", 9),
        ("四季度", 12),
        ("上半年", 6),
        ("下半年", 12),
    ] {
        if let Some(t) = rest.strip_prefix(word) {
            let extra = ["末前", "末", "前", "底前", "底"]
                .iter()
                .find(|w| t.starts_with(*w))
                .map_or(0, |w| w.len());
            return Some((month, None, word.len() + extra));
        }
    }
    None
}

/// A date expression that starts at byte `i` of `s` with a number.
fn date_at(s: &str, i: usize) -> Option<(DateMention, usize)> {
    let rest = &s[i..];
    // Numbers glued to letters or digits before them are names ("S2024年" is not a date).
    if let Some(p) = s[..i].chars().next_back()
        && (p.is_ascii_alphanumeric() || p == '.' || p == '第')
    {
        return None;
    }
    let (n, nlen) = number_at(rest)?;
    let after = &rest[nlen..];
    let mut len;
    let mut deadline;
    let mut from_year = None;
    if is_year(n) && (after.starts_with('年') || starts_with_dash_year(after).is_some()) {
        let mut year = n as i32;
        let mut after = after;
        len = nlen;
        // A span "2023—2025年": the end year counts.
        if let Some((y2, l2)) = starts_with_dash_year(after) {
            from_year = Some(year);
            year = y2 as i32;
            len += l2;
            after = &rest[len..];
        }
        if !after.starts_with('年') {
            return None;
        }
        len += '年'.len_utf8();
        let t = &rest[len..];
        deadline = Deadline {
            year: Some(year),
            month: 12,
            day: None,
        };
        if let Some((m, l)) = month_day_at(t) {
            deadline.month = m.0;
            deadline.day = m.1;
            len += l;
        } else if let Some((m, d, l)) = month_words(t) {
            deadline.month = m;
            deadline.day = d;
            len += l;
        } else {
            for w in ["年底前", "年末前", "年底", "年末", "底前", "底", "末", "前"] {
                if t.starts_with(w) {
                    len += w.len();
                    break;
                }
            }
        }
    } else if let Some((m, l)) = month_day_at(rest) {
        // "10月底前", "1月15日前": the plan's year.
        if !after_is_deadline_word(&rest[l..]) && m.1.is_none() && !rest[..l].ends_with('前') {
            // "3月" alone could be a duration ("3个月"); only month words with 底/前/日 count.
            if !rest[..l].contains('底') {
                return None;
            }
        }
        deadline = Deadline {
            year: None,
            month: m.0,
            day: m.1,
        };
        len = l;
    } else {
        return None;
    }
    let base = is_base(s, i, i + len);
    Some((
        DateMention {
            start: i,
            end: i + len,
            deadline,
            base,
            from_year,
        },
        len,
    ))
}

fn after_is_deadline_word(s: &str) -> bool {
    s.starts_with("前") || s.starts_with("底") || s.starts_with("末")
}

fn starts_with_dash_year(s: &str) -> Option<(u64, usize)> {
    let mut it = s.char_indices();
    let (_, c) = it.next()?;
    if !matches!(c, '—' | '-' | '–' | '~' | '至' | '到' | '－') {
        return None;
    }
    let mut skip = c.len_utf8();
    // "——" double dash
    if s[skip..].starts_with('—') {
        skip += '—'.len_utf8();
    }
    let (n, l) = number_at(&s[skip..])?;
    if !is_year(n) {
        return None;
    }
    Some((n, skip + l))
}

/// "10月", "10月底", "10月底前", "10月前", "1月15日", "1月15日前" → ((month, day), len).
fn month_day_at(s: &str) -> Option<((u32, Option<u32>), usize)> {
    let (m, ml) = number_at(s)?;
    if !(1..=12).contains(&m) || !s[ml..].starts_with('月') {
        return None;
    }
    let mut len = ml + '月'.len_utf8();
    let mut month = m as u32;
    let mut day = None;
    let t = &s[len..];
    if let Some((d, dl)) = number_at(t)
        && (1..=31).contains(&d)
        && (t[dl..].starts_with('日') || t[dl..].starts_with('号'))
    {
        day = Some(d as u32);
        len += dl + '日'.len_utf8();
        if s[len..].starts_with('前') {
            len += '前'.len_utf8();
        }
        return Some(((month, day), len));
    }
    if s[len..].starts_with("底前") {
        len += "底前".len();
    } else if s[len..].starts_with("底") || s[len..].starts_with("末") {
        len += "底".len();
        if s[len..].starts_with('前') {
            len += '前'.len_utf8();
        }
    } else if s[len..].starts_with("前") {
        // Strictly before month m begins.
        len += '前'.len_utf8();
        if month == 1 {
            // "1月前": the last day of the previous year's December; keep as January's
            // first day minus one by taking December with day 31 of the previous year is not
            // expressible without the year, so read it as the end of January.
        } else {
            month -= 1;
        }
    }
    Some(((month, day), len))
}

fn is_base(s: &str, start: usize, end: usize) -> bool {
    let before = &s[..start];
    let after = &s[end..];
    ["比", "较", "与", "同", "自", "从", "由", "对比"]
        .iter()
        .any(|w| before.ends_with(w))
        || [
            "以来",
            "以前",
            "以后",
            "之前",
            "基础上",
            "水平",
            "同期",
            "的基础",
        ]
        .iter()
        .any(|w| after.starts_with(w))
}

/// Finds the year a text commits to, with the phrases that show it: the latest deadline year
/// named in the text, ignoring base years.
pub fn infer_years(mentions: &[(DateMention, String)]) -> Option<(i32, i32, Vec<String>)> {
    // A span gives both its years ("2022—2024年").
    let years: Vec<(i32, &String)> = mentions
        .iter()
        .filter(|(m, _)| !m.base)
        .flat_map(|(m, t)| {
            m.from_year
                .into_iter()
                .chain(m.deadline.year)
                .map(move |y| (y, t))
        })
        .collect();
    let max = years.iter().map(|(y, _)| *y).max()?;
    // A plan spans at most a few years; older years are references.
    let min = years
        .iter()
        .map(|(y, _)| *y)
        .filter(|y| *y >= max - 4)
        .min()?;
    let mut evidence: Vec<String> = Vec::new();
    for (y, t) in &years {
        if *y >= min && !evidence.contains(t) && evidence.len() < 5 {
            evidence.push((*t).clone());
        }
    }
    Some((min, max, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(s: &str, plan_year: Option<i32>) -> Option<(String, Option<NaiveDate>, bool)> {
        find_dates(s).first().map(|m| {
            (
                s[m.start..m.end].to_string(),
                m.deadline.resolve(plan_year),
                m.base,
            )
        })
    }

    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn reads_deadlines() {
        let cases = [
            ("2024年完成S218", "2024年", d(2024, 12, 31)),
            ("到2024年底，全市", "2024年底", d(2024, 12, 31)),
            ("2023年10月底前完成", "2023年10月底前", d(2023, 10, 31)),
            ("2023年1月15日前", "2023年1月15日前", d(2023, 1, 15)),
            ("2024年6月前", "2024年6月前", d(2024, 5, 31)),
            ("2025年上半年", "2025年上半年", d(2025, 6, 30)),
            ("2024年三季度末", "2024年三季度末", d(2024, 9, 30)),
            ("2023—2025年", "2023—2025年", d(2025, 12, 31)),
            ("二〇二四年底前", "二〇二四年底前", d(2024, 12, 31)),
            ("10月底前完成", "10月底前", d(2024, 10, 31)),
            ("年底前完成", "年底前", d(2024, 12, 31)),
            ("2月底前", "2月底前", d(2024, 2, 29)),
            (
                "共1所县域普通高中2024年标准化建设",
                "2024年",
                d(2024, 12, 31),
            ),
        ];
        for (s, span, date) in cases {
            let got = first(s, Some(2024)).unwrap_or_else(|| panic!("no date in {s}"));
            assert_eq!((got.0.as_str(), got.1), (span, date), "{s}");
            assert!(!got.2, "{s} is not a base year");
        }
    }

    #[test]
    fn base_years_and_non_dates() {
        assert!(first("比2020年增长10%", None).unwrap().2);
        assert!(first("2020年以来", None).unwrap().2);
        for s in [
            "S2024年",
            "3年内",
            "2024大通湖区",
            "第十五届",
            "3个月",
            "12万吨",
        ] {
            assert_eq!(first(s, Some(2024)), None, "{s}");
        }
    }
}
