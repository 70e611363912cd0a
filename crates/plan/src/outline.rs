//! Outline numbers (GB/T 9704-2012 and the variants plans use): 第一章 › 第一条, 一、 › （一）
//! › 1． › （1） › ①, with 1. 1、 1﹒ 1) and half-width brackets.

use crate::numeral::{circled_value, is_numeral_char, parse_chinese};

/// The style of an outline number. The level a style takes in a document is decided by the
/// order in which the styles first appear, not by the style itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    /// 第一章, 第一部分, 第一篇
    Chapter,
    /// 第一节
    Section,
    /// 第一条
    Article,
    /// 一、 (also 一. 一．)
    ChineseComma,
    /// （一）
    ChineseParen,
    /// 1． 1. 1、 1﹒
    ArabicDot,
    /// （1）
    ArabicParen,
    /// 1） 1)
    ArabicHalfParen,
    /// ① ⑴ ⒈
    Circled,
}

/// An outline number at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutlineNumber {
    pub kind: MarkerKind,
    pub ordinal: u64,
    /// Bytes the number takes at the start of the line, with the spaces after it.
    pub len: usize,
}

impl OutlineNumber {
    /// Reads the outline number at the start of `line` (its analysis form), if there is one.
    pub fn parse(line: &str) -> Option<OutlineNumber> {
        let first = line.chars().next()?;
        let (kind, ordinal, len) = if first == '第' {
            chapter_or_article(line)?
        } else if first == '（' {
            paren(line)?
        } else if let Some(v) = circled_value(first) {
            (MarkerKind::Circled, v, first.len_utf8())
        } else if first.is_ascii_digit() {
            arabic(line)?
        } else if is_numeral_char(first) {
            chinese_comma(line)?
        } else {
            return None;
        };
        if ordinal == 0 || ordinal > 999 {
            return None;
        }
        let rest = &line[len..];
        let trimmed = rest.trim_start_matches([' ', '\t']);
        Some(OutlineNumber {
            kind,
            ordinal,
            len: line.len() - trimmed.len(),
        })
    }
}

fn numeral_prefix(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|&(_, c)| !is_numeral_char(c))
        .map_or(s.len(), |(i, _)| i);
    s.split_at(end)
}

fn digit_prefix(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|&(_, c)| !c.is_ascii_digit())
        .map_or(s.len(), |(i, _)| i);
    s.split_at(end)
}

fn chapter_or_article(line: &str) -> Option<(MarkerKind, u64, usize)> {
    let rest = &line['第'.len_utf8()..];
    let (num, after) = numeral_prefix(rest);
    let (num_value, after) = if num.is_empty() {
        let (d, after) = digit_prefix(rest);
        (d.parse().ok()?, after)
    } else {
        (parse_chinese(num)?, after)
    };
    for (word, kind) in [
        ("部分", MarkerKind::Chapter),
        ("章", MarkerKind::Chapter),
        ("篇", MarkerKind::Chapter),
        ("节", MarkerKind::Section),
        ("条", MarkerKind::Article),
    ] {
        if let Some(tail) = after.strip_prefix(word) {
            // "第一条" must stand apart from what follows ("第一条主线" is prose).
            let ok = tail.is_empty()
                || tail.starts_with([' ', '\t', '　', '：'])
                || kind != MarkerKind::Article;
            if !ok {
                return None;
            }
            let len = line.len() - tail.len();
            let len = if tail.starts_with('：') {
                len + '：'.len_utf8()
            } else {
                len
            };
            return Some((kind, num_value, len));
        }
    }
    None
}

fn paren(line: &str) -> Option<(MarkerKind, u64, usize)> {
    let rest = &line['（'.len_utf8()..];
    let (num, after) = numeral_prefix(rest);
    if !num.is_empty() {
        let tail = after.strip_prefix('）')?;
        return Some((
            MarkerKind::ChineseParen,
            parse_chinese(num)?,
            line.len() - tail.len(),
        ));
    }
    let (digits, after) = digit_prefix(rest);
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let tail = after.strip_prefix('）')?;
    Some((
        MarkerKind::ArabicParen,
        digits.parse().ok()?,
        line.len() - tail.len(),
    ))
}

fn arabic(line: &str) -> Option<(MarkerKind, u64, usize)> {
    let (digits, after) = digit_prefix(line);
    if digits.len() > 3 {
        return None;
    }
    let ordinal = digits.parse().ok()?;
    // A star between the number and its dot marks an item new or key ("1*．", "2* ．").
    let after = match after.strip_prefix(['*', '＊']) {
        Some(rest) => {
            let rest = rest.trim_start_matches(' ');
            if !rest.starts_with(['.', '．', '、']) {
                return None;
            }
            rest
        }
        None => after,
    };
    let mut it = after.chars();
    let sep = it.next()?;
    let tail = it.as_str();
    match sep {
        '．' => Some((MarkerKind::ArabicDot, ordinal, line.len() - tail.len())),
        // Some sites print the full stop for the number's dot ("1。在…"); a bare "3。" or
        // "3。5" is not an item.
        '。' if !tail.trim_start().is_empty()
            && !tail.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            Some((MarkerKind::ArabicDot, ordinal, line.len() - tail.len()))
        }
        '.' | '、' => {
            // "1.5万亩" is a number, not an outline number; nor is "1、2、3" a list of items.
            // An item may start with a year ("1、2024年起，…").
            let (tail_digits, after_digits) = digit_prefix(tail);
            let year = sep == '、' && tail_digits.len() >= 4 && after_digits.starts_with('年');
            if tail.starts_with(|c: char| c.is_ascii_digit()) && !year {
                return None;
            }
            if tail.trim_start().is_empty() && sep == '.' {
                return None;
            }
            Some((MarkerKind::ArabicDot, ordinal, line.len() - tail.len()))
        }
        '）' => Some((
            MarkerKind::ArabicHalfParen,
            ordinal,
            line.len() - tail.len(),
        )),
        _ => None,
    }
}

fn chinese_comma(line: &str) -> Option<(MarkerKind, u64, usize)> {
    let (num, after) = numeral_prefix(line);
    let mut it = after.chars();
    let sep = it.next()?;
    if !matches!(sep, '、' | '.' | '．') {
        return None;
    }
    // "万、亿" and the like are not headings; a heading number has a digit in it.
    if !num
        .chars()
        .any(|c| crate::numeral::digit_value(c).is_some() || c == '十')
    {
        return None;
    }
    let tail = it.as_str();
    // "二、三季度" is prose; "一、千亿斤粮食产能工程" is a heading (千, 百, 万 count no list).
    if tail.starts_with(|c: char| crate::numeral::digit_value(c).is_some() || c == '十') {
        return None;
    }
    Some((
        MarkerKind::ChineseComma,
        parse_chinese(num)?,
        line.len() - tail.len(),
    ))
}

/// The numbering path of a node as a dotted id ("2.1.1").
pub fn path_id(path: &[u64]) -> String {
    let mut s = String::new();
    for (i, n) in path.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        s.push_str(&n.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use MarkerKind::*;

    fn check(line: &str, expect: Option<(MarkerKind, u64, &str)>) {
        let got = OutlineNumber::parse(line).map(|n| (n.kind, n.ordinal, &line[n.len..]));
        assert_eq!(got, expect, "{line}");
    }

    #[test]
    fn reads_outline_numbers() {
        check("一、工作目标", Some((ChineseComma, 1, "工作目标")));
        check("十二、其他", Some((ChineseComma, 12, "其他")));
        check("（三）持续推进", Some((ChineseParen, 3, "持续推进")));
        check("1.推进交通", Some((ArabicDot, 1, "推进交通")));
        check("1．2024年完成", Some((ArabicDot, 1, "2024年完成")));
        check("10. 继续", Some((ArabicDot, 10, "继续")));
        check("1* ．开展改革", Some((ArabicDot, 1, "开展改革")));
        check("2*．开展登记", Some((ArabicDot, 2, "开展登记")));
        check("2*3", None);
        check("3、加强", Some((ArabicDot, 3, "加强")));
        check("2。按照要求", Some((ArabicDot, 2, "按照要求")));
        check("（12）细化", Some((ArabicParen, 12, "细化")));
        check("2）细化", Some((ArabicHalfParen, 2, "细化")));
        check("①建设", Some((Circled, 1, "建设")));
        check("第一章 总则", Some((Chapter, 1, "总则")));
        check("第二部分 重点任务", Some((Chapter, 2, "重点任务")));
        check("第十五条 各单位", Some((Article, 15, "各单位")));
        check("第3条 各单位", Some((Article, 3, "各单位")));
        check(
            "一、千亿斤粮食产能工程",
            Some((ChineseComma, 1, "千亿斤粮食产能工程")),
        );
    }

    #[test]
    fn prose_is_not_numbered() {
        for s in [
            "1.5万亩高标准农田",
            "2024年完成",
            "二、三季度",
            "九、十月份",
            "第十五届运动会",
            "第一条主线",
            "一是加强",
            "万、亿",
            "（含居民医保）",
            "2024.",
            "3。",
            "3。5",
            "",
            "（0）",
        ] {
            check(s, None);
        }
    }
}
