//! Targets (quantitative commitments) and milestones in a task's text.
//!
//! The text is read sentence by sentence (。；！？ and line ends). In a sentence:
//! - hardness is set by the last 确保/必须 (firm) or 力争/争取/努力/争创 (stretch) before a number;
//! - a deadline is a date in the number's clause, else the last date before it in the
//!   sentence, else the task's own deadline (a table's 完成时限 cell), else none;
//! - a number is a target when it carries a unit ("3个", "1.5万亩", "91%", "0.08mg/L",
//!   "III类"), and is not a year, a date, an ordinal (第十五届), part of a name (S218, PM2.5,
//!   “411”, “五千工程”) or a duration.

use chrono::NaiveDate;

use crate::dates::{DateMention, find_dates};
use crate::model::{Cmp, Hardness, Milestone, Target, TargetKind};
use crate::numeral::{digit_value, is_numeral_char, parse_chinese, parse_roman};

/// A task's text in both forms (see `normalize`), with the line each byte range starts on.
#[derive(Debug)]
pub struct Body<'a> {
    pub key: &'a str,
    pub text: &'a str,
    /// (byte offset, line number) at each line start, ascending.
    pub lines: &'a [(usize, usize)],
    /// Byte ranges to skip (unit markers, field lines), sorted and disjoint (see
    /// [`merge_ranges`]).
    pub skip: &'a [(usize, usize)],
    /// The date mentions of `key` ([`find_dates`] over the whole of it), ascending.
    pub dates: &'a [DateMention],
}

/// Sorts byte ranges and merges those that overlap or touch, so that [`in_ranges`] can
/// search them.
pub(crate) fn merge_ranges(v: &mut Vec<(usize, usize)>) {
    v.retain(|&(a, b)| a < b);
    v.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for &(a, b) in v.iter() {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    *v = out;
}

/// Whether `at` lies in one of the sorted, disjoint `ranges` (binary search).
pub(crate) fn in_ranges(ranges: &[(usize, usize)], at: usize) -> bool {
    let i = ranges.partition_point(|&(_, b)| b <= at);
    ranges.get(i).is_some_and(|&(a, _)| a <= at)
}

/// The text of `s[a..b]` without the bytes in the sorted, disjoint `skip` ranges (which fall
/// on character boundaries).
pub(crate) fn without_ranges(s: &str, a: usize, b: usize, skip: &[(usize, usize)]) -> String {
    let b = b.min(s.len());
    let mut out = String::with_capacity(b.saturating_sub(a));
    let mut i = a;
    let mut k = skip.partition_point(|&(_, e)| e <= i);
    while i < b {
        match skip.get(k) {
            Some(&(sa, sb)) if sa <= i => {
                i = sb.max(i + 1);
                k += 1;
            }
            Some(&(sa, _)) => {
                let stop = sa.min(b);
                out.push_str(s.get(i..stop).unwrap_or(""));
                i = stop;
            }
            None => {
                out.push_str(s.get(i..b).unwrap_or(""));
                i = b;
            }
        }
    }
    out
}

impl Body<'_> {
    fn line_at(&self, offset: usize) -> usize {
        match self.lines.binary_search_by(|(o, _)| o.cmp(&offset)) {
            Ok(i) => self.lines[i].1,
            Err(0) => self.lines.first().map_or(0, |l| l.1),
            Err(i) => self.lines[i - 1].1,
        }
    }

    fn skipped(&self, offset: usize) -> bool {
        in_ranges(self.skip, offset)
    }
}

/// What a task's text commits to.
#[derive(Debug, Default)]
pub struct Reading {
    pub targets: Vec<Target>,
    pub milestones: Vec<Milestone>,
    /// "尽快" without a date, by line: (line, clause).
    pub asap: Vec<(usize, String)>,
    /// Every date mention with its text, for the plan's period.
    pub dates: Vec<(DateMention, String)>,
}

/// Units of measure, longest first where one is a prefix of another.
const UNITS: &[&str] = &[
    "个百分点",
    "个工作日",
    "微克每立方米",
    "微克/立方米",
    "毫克/立方米",
    "μg/m³",
    "μg/m3",
    "ug/m3",
    "mg/m3",
    "mg/L",
    "mg/l",
    "平方公里",
    "平方千米",
    "平方米",
    "立方米",
    "公顷",
    "千瓦时",
    "兆瓦",
    "千瓦",
    "万千瓦",
    "公里",
    "千米",
    "万亿元",
    "亿美元",
    "万美元",
    "亿元",
    "万元",
    "美元",
    "元",
    "人次",
    "辆次",
    "吨/日",
    "吨标准煤",
    "起",
    "吨标煤",
    "吨二氧化碳",
    "立方米/日",
    "公斤",
    "千克",
    "斤",
    "件",
    "盏",
    "篇",
    "门",
    "例",
    "种",
    "户次",
    "家次",
    "场次",
    "%",
    "‰",
    "亩",
    "吨",
    "人",
    "个",
    "家",
    "所",
    "项",
    "条",
    "座",
    "名",
    "户",
    "套",
    "栋",
    "间",
    "台",
    "辆",
    "艘",
    "头",
    "只",
    "株",
    "棵",
    "场",
    "次",
    "批",
    "期",
    "天",
    "小时",
    "分钟",
    "张",
    "份",
    "部",
    "本",
    "处",
    "片",
    "村",
    "支",
    "位",
    "床",
    "张床",
    "岁",
    "字",
    "米",
    "km",
    "MW",
    "kW",
    "GW",
    "万",
    "类",
];

/// Whether `s` is a unit of measure the reader knows ("万元", "%", "公里"), also with 万 or
/// 亿 before it ("万亩", "万吨").
pub(crate) fn is_unit(s: &str) -> bool {
    let bare = s
        .strip_prefix(['万', '亿'])
        .filter(|r| !r.is_empty())
        .unwrap_or(s);
    UNITS.contains(&s) || UNITS.contains(&bare)
}

/// Measure words that may follow a Chinese numeral ("三所", "两个", "一万亩").
const CN_MEASURES: &[&str] = &[
    "个", "所", "家", "项", "条", "座", "名", "人", "户", "套", "栋", "间", "台", "辆", "批", "处",
    "亩", "吨", "公里", "场", "次", "支", "村", "类", "件", "盏", "种",
];

const FIRM: &[&str] = &["确保", "必须", "务必", "坚决"];
const STRETCH: &[&str] = &["力争", "争取", "努力", "争创", "力求"];

/// Whether `c` can start a word of [`FIRM`] or [`STRETCH`] (a test checks it covers them).
fn is_marker_start(c: char) -> bool {
    matches!(c, '确' | '必' | '务' | '坚' | '力' | '争' | '努')
}

/// What is computed once per sentence so that each number in it is read in time independent
/// of the sentence's length (a task may be one very long sentence).
struct Sentence {
    start: usize,
    end: usize,
    /// Clause ranges (split at "，" and "：" outside brackets), ascending.
    clauses: Vec<(usize, usize)>,
    /// Offsets of "、" outside brackets (depth counted from each clause's start), ascending.
    top_commas: Vec<usize>,
    /// Offsets of every "、", ascending.
    commas: Vec<usize>,
    /// Hardness markers: (end offset, latest firm start, latest stretch start) at or before
    /// that end, ascending by end.
    hardness: Vec<(usize, Option<usize>, Option<usize>)>,
    /// Date mentions outside skipped ranges, ascending.
    dates: Vec<DateMention>,
}

impl Sentence {
    fn new(body: &Body<'_>, s_start: usize, s_end: usize) -> Sentence {
        let key = body.key;
        let sentence = &key[s_start..s_end];
        let clauses = clauses(key, s_start, s_end);
        let mut top_commas = Vec::new();
        let mut commas = Vec::new();
        for &(a, b) in &clauses {
            let mut depth = 0i32;
            for (i, c) in key[a..b].char_indices() {
                match c {
                    '（' => depth += 1,
                    '）' => depth = (depth - 1).max(0),
                    '、' => {
                        commas.push(a + i);
                        if depth == 0 {
                            top_commas.push(a + i);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Commas between clauses (in "，…：" gaps there are none; kept for completeness).
        commas.sort_unstable();
        // One pass over the sentence: the markers' first characters are few.
        let mut marks: Vec<(usize, usize, bool)> = Vec::new();
        for (p, c) in sentence.char_indices() {
            if !is_marker_start(c) {
                continue;
            }
            let rest = &sentence[p..];
            for (words, firm) in [(FIRM, true), (STRETCH, false)] {
                for w in words.iter().filter(|w| rest.starts_with(**w)) {
                    marks.push((s_start + p + w.len(), s_start + p, firm));
                }
            }
        }
        marks.sort_unstable();
        let mut hardness = Vec::with_capacity(marks.len());
        let (mut f, mut st) = (None, None);
        for (e, p, firm) in marks {
            if firm {
                f = f.max(Some(p));
            } else {
                st = st.max(Some(p));
            }
            hardness.push((e, f, st));
        }
        // No mention spans a sentence's end (dates hold no 。；！？ or line end), so the body's
        // mentions inside the sentence are those a search of the sentence alone would find.
        let first = body.dates.partition_point(|m| m.start < s_start);
        let dates: Vec<DateMention> = body.dates[first..]
            .iter()
            .take_while(|m| m.end <= s_end)
            .filter(|m| !body.skipped(m.start))
            .copied()
            .collect();
        Sentence {
            start: s_start,
            end: s_end,
            clauses,
            top_commas,
            commas,
            hardness,
            dates,
        }
    }

    /// The clause that holds `at`, else the whole sentence.
    fn clause_of(&self, at: usize) -> (usize, usize) {
        let i = self.clauses.partition_point(|&(_, b)| b <= at);
        match self.clauses.get(i) {
            Some(&(a, b)) if a <= at => (a, b),
            _ => (self.start, self.end),
        }
    }

    /// The latest firm and stretch markers that end at or before `at`.
    fn hardness_before(&self, at: usize) -> (Option<usize>, Option<usize>) {
        let i = self.hardness.partition_point(|&(e, _, _)| e <= at);
        i.checked_sub(1)
            .and_then(|i| self.hardness.get(i))
            .map_or((None, None), |&(_, f, s)| (f, s))
    }

    /// Dates (not base years) starting in `[a, b)`: the first one.
    fn first_date_in(&self, a: usize, b: usize) -> Option<&DateMention> {
        let i = self.dates.partition_point(|m| m.start < a);
        self.dates[i..]
            .iter()
            .take_while(|m| m.start < b)
            .find(|m| !m.base)
    }

    /// The last date (not a base year) that ends at or before `at`.
    fn last_date_before(&self, at: usize) -> Option<&DateMention> {
        // Mentions do not overlap, so ends ascend with starts.
        let i = self.dates.partition_point(|m| m.end <= at);
        self.dates[..i].iter().rfind(|m| !m.base)
    }
}

/// Reads the targets and milestones of one task. `default_deadline` is the task's own (from a
/// 完成时限 cell or field), `plan_year` resolves dates written without a year.
pub fn read(
    body: &Body<'_>,
    default_deadline: Option<NaiveDate>,
    plan_year: Option<i32>,
) -> Reading {
    let mut out = Reading::default();
    let key = body.key;
    for (s_start, s_end) in sentences(key) {
        let sent = Sentence::new(body, s_start, s_end);
        for m in &sent.dates {
            out.dates
                .push((*m, clause_text(body, sent.clause_of(m.start))));
        }
        let quotes = quote_ranges(key, s_start, s_end);
        let mut q_at = 0;
        let mut found_in_clauses: Vec<(usize, usize)> = Vec::new();
        let mut prev_metric: Option<String> = None;
        let mut i = s_start;
        while i < s_end {
            // Quantities start with a digit, a Roman numeral or a Chinese numeral.
            let c = key[i..].chars().next().unwrap_or(' ');
            if !(c.is_ascii_digit() || is_roman_char(c) || c == '十' || digit_value(c).is_some()) {
                i += c.len_utf8();
                continue;
            }
            while quotes.get(q_at).is_some_and(|&(_, b)| b <= i) {
                q_at += 1;
            }
            let in_quote = quotes.get(q_at).is_some_and(|&(a, b)| a <= i && i < b);
            if body.skipped(i) || in_quote {
                i += char_len(key, i);
                continue;
            }
            match number_at(key, i, s_end) {
                Some(q) => {
                    let next = q.end;
                    if let Some(mut t) = target_from(body, &q, &sent, default_deadline, plan_year) {
                        if let Some(m) = complete_metric(&t.metric, prev_metric.as_deref()) {
                            t.metric = m;
                        }
                        prev_metric = Some(t.metric.clone());
                        let c = sent.clause_of(q.start);
                        if found_in_clauses.last() != Some(&c) {
                            found_in_clauses.push(c);
                        }
                        out.targets.push(t);
                    }
                    i = next.max(i + 1);
                }
                None => i += char_len(key, i),
            }
        }
        // Milestones: clauses without a target that promise something by a date or "尽快".
        let mut f_at = 0;
        for &(c_start, c_end) in &sent.clauses {
            while found_in_clauses
                .get(f_at)
                .is_some_and(|&(_, b)| b <= c_start)
            {
                f_at += 1;
            }
            if found_in_clauses
                .get(f_at)
                .is_some_and(|&(a, b)| a < c_end && c_start < b)
            {
                continue;
            }
            if body.skipped(c_start) {
                continue;
            }
            let clause = key[c_start..c_end].trim();
            let own = sent.first_date_in(c_start, c_end);
            let date = own.or_else(|| sent.last_date_before(c_start));
            let asap = clause.contains("尽快");
            let completion = [
                "完成",
                "建成",
                "启动",
                "开工",
                "竣工",
                "投运",
                "投产",
                "出台",
                "印发",
                "通过验收",
                "实现",
            ]
            .iter()
            .any(|w| clause.contains(w));
            let project_done = ["完成", "高质量完成", "全面完成", "建成"]
                .iter()
                .any(|w| clause.starts_with(w))
                && ["建设", "工程", "项目"].iter().any(|w| clause.contains(w));
            let own_date = own.is_some();
            if asap || (own_date && completion) || project_done {
                let deadline = date.and_then(|m| m.deadline.resolve(plan_year));
                let text = clause_text(body, (c_start, c_end));
                let line = body.line_at(c_start);
                if asap && deadline.is_none() {
                    out.asap.push((line, text.clone()));
                }
                out.milestones.push(Milestone {
                    text,
                    deadline: deadline.or(if asap { None } else { default_deadline }),
                    line,
                });
            }
        }
    }
    out
}

fn char_len(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

/// Sentence byte ranges, split at 。；！？ and line ends.
fn sentences(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '（' => depth += 1,
            '）' => depth = (depth - 1).max(0),
            '。' | '；' | '！' | '？' | '\n' if depth == 0 || c == '\n' => {
                if i > start {
                    out.push((start, i));
                }
                start = i + c.len_utf8();
                depth = 0;
            }
            _ => {}
        }
    }
    if start < s.len() {
        out.push((start, s.len()));
    }
    out
}

/// Clause byte ranges in a sentence, split at "，" and "：" outside brackets.
fn clauses(s: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut cs = start;
    let mut depth = 0i32;
    for (i, c) in s[start..end].char_indices() {
        let i = i + start;
        match c {
            '（' => depth += 1,
            '）' => depth = (depth - 1).max(0),
            '，' | '：' if depth == 0 => {
                if i > cs {
                    out.push((cs, i));
                }
                cs = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if cs < end {
        out.push((cs, end));
    }
    out
}

/// The display text of a clause, without unit markers inside it.
fn clause_text(body: &Body<'_>, (a, b): (usize, usize)) -> String {
    without_ranges(body.text, a, b, body.skip)
        .trim()
        .to_string()
}

/// Ranges inside quotation marks and book-title marks: names, not commitments.
fn quote_ranges(s: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    for (i, c) in s[start..end].char_indices() {
        let i = i + start;
        match (open, c) {
            (None, '“' | '《' | '‘' | '"') => open = Some((c, i)),
            (Some(('“', o)), '”') | (Some(('《', o)), '》') | (Some(('‘', o)), '’') => {
                out.push((o, i));
                open = None;
            }
            (Some(('"', o)), '"') => {
                out.push((o, i));
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// A number found in the text.
#[derive(Debug)]
struct Quantity {
    start: usize,
    /// End of the number, its multiplier and its unit.
    end: usize,
    value: f64,
    unit: String,
}

fn is_roman_char(c: char) -> bool {
    matches!(c, 'I' | 'V' | 'Ⅰ'..='Ⅻ')
}

/// Reads a quantity (number, multiplier, unit) starting at byte `i`, or `None` when what is
/// there is not a quantity with a unit (or the value of a count or index named before it).
fn number_at(s: &str, i: usize, end: usize) -> Option<Quantity> {
    let c = s[i..end].chars().next()?;
    let prev = s[..i].chars().next_back();
    if c.is_ascii_digit() {
        if prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == '.' || p == '第' || p == '-') {
            return None;
        }
        let (value, len) = arabic(&s[i..end])?;
        // A range "3000—3500公顷", "1.5至2万亩": the lower bound, with the unit after the upper.
        let rest = &s[i + len..end];
        let dash = ["——", "—", "－", "-", "–", "~", "～", "至", "到"]
            .iter()
            .find(|d| rest.starts_with(**d));
        if let Some(d) = dash
            && rest[d.len()..].starts_with(|c: char| c.is_ascii_digit())
            && let Some((_, len2)) = arabic(&rest[d.len()..])
        {
            let upper_end = i + len + d.len() + len2;
            if let Some(mut q) = quantity(s, upper_end, upper_end, end, value) {
                q.start = i;
                return Some(q);
            }
        }
        quantity(s, i, i + len, end, value)
    } else if is_roman_char(c) {
        if prev.is_some_and(|p| p.is_ascii_alphabetic()) {
            return None;
        }
        let len = s[i..end]
            .char_indices()
            .find(|&(_, c)| !is_roman_char(c))
            .map_or(end - i, |(j, _)| j);
        let value = parse_roman(&s[i..i + len])?;
        let after = &s[i + len..end];
        after.starts_with('类').then(|| Quantity {
            start: i,
            end: i + len + '类'.len_utf8(),
            value: value as f64,
            unit: "类".to_string(),
        })
    } else if digit_value(c).is_some() || c == '十' {
        if prev.is_some_and(|p| p == '第' || is_numeral_char(p) || p == '周' || p == '星') {
            return None;
        }
        let len = s[i..end]
            .char_indices()
            .find(|&(_, c)| !is_numeral_char(c))
            .map_or(end - i, |(j, _)| j);
        let mut text = &s[i..i + len];
        // "一万亩": 万 may be a multiplier of the numeral; keep it in the number.
        let mut num_len = len;
        while let Some(t) = text.strip_suffix(['万', '亿']) {
            if parse_chinese(text).is_some() {
                break;
            }
            text = t;
            num_len -= '万'.len_utf8();
        }
        let value = parse_chinese(&s[i..i + num_len])? as f64;
        let after = &s[i + num_len..end];
        // An air-quality class: "空气质量达到国家二级标准" (a lower grade is cleaner, as a
        // water class is).
        if after.starts_with("级标准") && s[..i].contains("空气质量") {
            return Some(Quantity {
                start: i,
                end: i + num_len + '级'.len_utf8(),
                value,
                unit: "级".to_string(),
            });
        }
        // "一是", "一批", "一些": not counts.
        let measure = CN_MEASURES.iter().find(|m| after.starts_with(*m))?;
        if value == 1.0 && !strong_one(s, i, measure) {
            return None;
        }
        // The longest unit that starts with the measure word ("吨/日", "个百分点").
        let unit = UNITS
            .iter()
            .filter(|u| u.starts_with(*measure) && after.starts_with(**u))
            .max_by_key(|u| u.len())
            .copied()
            .unwrap_or(measure);
        let q = Quantity {
            start: i,
            end: i + num_len + unit.len(),
            value,
            unit: unit.to_string(),
        };
        // "贯彻落实七次全会部署": the session of a body is a name.
        let after_unit = &s[q.end..end];
        if name_like(after_unit)
            || ["全会", "全体会议", "会议", "党代会"]
                .iter()
                .any(|w| after_unit.starts_with(w))
        {
            return None;
        }
        Some(q)
    } else {
        None
    }
}

/// "完成一所…" and "建成一个…" are counts; "一批", "一个重要…" in prose are not.
fn strong_one(s: &str, i: usize, measure: &str) -> bool {
    if !["所", "座", "家", "个", "处", "条"].contains(&measure) {
        return false;
    }
    let before: String = s[..i]
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    [
        "完成", "建成", "新建", "建设", "打造", "创建", "新增", "建立", "培育", "改造", "共",
    ]
    .iter()
    .any(|w| before.ends_with(w))
}

/// A numeral that names a programme ("千万亩农田产能提升工程") rather than counts.
fn name_like(after: &str) -> bool {
    let phrase: String = after
        .chars()
        .take(40)
        .take_while(|c| !matches!(c, '，' | '。' | '；' | '、' | '（' | '“'))
        .collect();
    ["工程", "行动", "计划", "战略", "机制", "模式"]
        .iter()
        .any(|w| phrase.ends_with(w))
}

/// An Arabic number with optional thousands separators and decimals: (value, bytes).
fn arabic(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = String::new();
    while i < b.len() && b[i].is_ascii_digit() {
        digits.push(b[i] as char);
        i += 1;
    }
    // Thousands separators: "3,300", "12,000,000".
    while b.get(i) == Some(&b',')
        && b.len() >= i + 4
        && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
        && !b.get(i + 4).is_some_and(u8::is_ascii_digit)
    {
        digits.extend(b[i + 1..i + 4].iter().map(|&c| c as char));
        i += 4;
    }
    if i < b.len() && b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        digits.push('.');
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i] as char);
            i += 1;
        }
    }
    Some((digits.parse().ok()?, i))
}

/// Completes a quantity after its number: multiplier, unit, and the checks that rule out
/// years, dates and names.
fn quantity(s: &str, start: usize, num_end: usize, end: usize, value: f64) -> Option<Quantity> {
    let mut after = &s[num_end..end];
    let mut value = value;
    let mut pos = num_end;
    // A number set off by spaces, as some pages print it: "签约 6 个项目".
    // A space between a number and its unit: a text spaced around its numbers (" 600 個"),
    // a unit of two characters or more ("1000 公里"), or a number run into the words before
    // it ("旅游厕所6 座"; a row's number at a line's start, "1 个体工商户…", is none).
    let after_word = s[..start]
        .chars()
        .next_back()
        .is_some_and(crate::normalize::is_ideograph);
    if let Some(t) = after.strip_prefix(' ')
        && UNITS.iter().any(|u| {
            t.starts_with(u)
                && !u.is_ascii()
                && (s[..start].ends_with(' ') || after_word || u.chars().count() >= 2)
        })
    {
        after = t;
        pos += 1;
    }
    // Dates and durations.
    if after.starts_with('年')
        || after.starts_with('月')
        || after.starts_with('日')
        || after.starts_with('号')
        || after.starts_with("周岁")
    {
        return None;
    }
    // "300余人", "100多个": the count stands.
    for w in ["余", "多"] {
        if let Some(t) = after.strip_prefix(w) {
            after = t;
            pos += w.len();
        }
    }
    // Money keeps its multiplier in the unit: 2000亿元 → 2000, "亿元".
    for money in ["万亿元", "亿美元", "万美元", "亿元", "万元"] {
        if after.starts_with(money) {
            return Some(Quantity {
                start,
                end: pos + money.len(),
                value,
                unit: money.to_string(),
            });
        }
    }
    if let Some(t) = after.strip_prefix('万') {
        value *= 10_000.0;
        after = t;
        pos += '万'.len_utf8();
    } else if let Some(t) = after.strip_prefix('亿') {
        value *= 100_000_000.0;
        after = t;
        pos += '亿'.len_utf8();
    }
    let unit = match UNITS
        .iter()
        .filter(|u| after.starts_with(**u))
        .max_by_key(|u| u.len())
    {
        Some(u) => *u,
        // "发展指数达85", "体检人数达1000万以上", "利用系数达到0.58": a count or an index
        // named before the number needs no unit.
        None if counted_without_unit(&s[..start], after) => "",
        None => return None,
    };
    if unit == "万" {
        return None; // "万" after a multiplier: not a unit
    }
    // Letters right after the unit make a name ("5G基站" has no unit anyway; "80MWp").
    let after_unit = &after[unit.len()..];
    if unit.chars().all(|c| c.is_ascii_alphabetic())
        && after_unit.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return None;
    }
    // "二中", "三区" are names: Chinese numerals were handled before; here an Arabic number
    // glued to a name ("2024大通湖") has no unit and was refused above.
    // A second unit in brackets is part of the unit: "15台（套）".
    let alternative = after_unit
        .strip_prefix('（')
        .and_then(|r| r.split_once('）'))
        .filter(|(inner, _)| inner.chars().count() <= 2 && is_unit(inner))
        .map_or(0, |(inner, _)| {
            '（'.len_utf8() + inner.len() + '）'.len_utf8()
        });
    let unit_len = unit.len() + alternative;
    Some(Quantity {
        start,
        end: pos + unit_len,
        value,
        unit: after[..unit_len].to_string(),
    })
}

/// Whether a number with no unit after it is the value of a count or an index named right
/// before it ("指数达85", "人数达1000万以上", "系数达到0.58"), and ends its phrase.
fn counted_without_unit(before: &str, after: &str) -> bool {
    const VERBS: &[&str] = &[
        "达到",
        "达",
        "提高到",
        "提升到",
        "增加到",
        "增至",
        "超过",
        "突破",
        "保持在",
        "稳定在",
        "不低于",
        "不少于",
        "控制在",
    ];
    let before = near_before(before).trim_end();
    let Some(verb) = VERBS.iter().find(|v| before.ends_with(**v)) else {
        return false;
    };
    let noun = before[..before.len() - verb.len()].trim_end();
    let ends_phrase = after.is_empty()
        || after.starts_with(['，', '。', '；', '、', '）', '\n'])
        || ["以上", "以下", "以内", "左右"]
            .iter()
            .any(|w| after.starts_with(w));
    ends_phrase && names_a_count(noun)
}

/// Whether a noun names a count or an index, whose number needs no unit ("人数", "发展指数",
/// "计划完成数", "数量").
pub(crate) fn names_a_count(noun: &str) -> bool {
    let noun = noun.trim();
    noun.ends_with('数') || noun.ends_with("数量")
}

/// How far around a number the words that qualify it are looked for, in bytes: a bound that
/// keeps the reading of a clause of many numbers linear in its length.
const NEAR: usize = 240;

/// The last `NEAR` bytes of `s` (from a character boundary).
fn near_before(s: &str) -> &str {
    let mut from = s.len().saturating_sub(NEAR);
    while !s.is_char_boundary(from) {
        from += 1;
    }
    &s[from..]
}

/// `s[from..end]`, at most `NEAR` bytes of it (to a character boundary).
fn near_after(s: &str, from: usize, end: usize) -> &str {
    let mut to = end.min(from + NEAR);
    while !s.is_char_boundary(to) {
        to -= 1;
    }
    &s[from..to]
}

fn ends_with_any(s: &str, words: &[&str]) -> Option<usize> {
    words.iter().find(|w| s.ends_with(**w)).map(|w| w.len())
}

fn target_from(
    body: &Body<'_>,
    q: &Quantity,
    sent: &Sentence,
    default_deadline: Option<NaiveDate>,
    plan_year: Option<i32>,
) -> Option<Target> {
    let key = body.key;
    let (c_start, c_end) = sent.clause_of(q.start);
    // The phrase around the number, bounded by 、 too, for comparator words.
    let k = sent.top_commas.partition_point(|&p| p < q.start);
    let seg_start = k
        .checked_sub(1)
        .and_then(|k| sent.top_commas.get(k))
        .filter(|&&p| p >= c_start)
        .map_or(c_start, |&p| p + '、'.len_utf8());
    let k = sent.commas.partition_point(|&p| p < q.end);
    let seg_end = sent
        .commas
        .get(k)
        .filter(|&&p| p < c_end)
        .map_or(c_end, |&p| p);
    let before = &key[seg_start..q.start];
    let after = &key[q.end..seg_end];

    // Rates and caps of a subsidy or a standard are not targets: "按1500元/人的标准",
    // "每个最高补助5000元", "每亩补贴200元".
    let money = matches!(q.unit.as_str(), "元" | "万元" | "亿元" | "美元" | "万美元");
    if money && after.starts_with('/') {
        return None;
    }
    // What a project is, not what it commits: "占地300亩的工业园", "年产120亿只手套";
    // and what is done already: "目前已完成投资85万元". (A search for one character first:
    // most numbers have none of these words before them.)
    const DESCRIBES: &[&str] = &[
        "占地",
        "占地面积",
        "年产",
        "日产",
        "年处理",
        "日处理",
        "设计产能",
    ];
    const DONE: &[&str] = &[
        "目前已",
        "现已",
        "已完成",
        "已建成",
        "已累计",
        "已实现",
        "已投入",
    ];
    if (before.contains(['占', '产', '处'])
        && DESCRIBES.iter().any(|w| before.trim_end().ends_with(w)))
        || (before.contains('已') && DONE.iter().any(|w| before.contains(w)))
    {
        return None;
    }
    // A baseline is not a target: "由2020年的85%提高到90%", "较2020年的1.2万吨".
    let b = before.trim_end_matches([' ', '的']);
    let base_date_before = sent.dates.iter().any(|m| {
        m.end == seg_start + b.len()
            && (m.base || key[..m.start].ends_with('由') || key[..m.start].ends_with('从'))
    });
    if b.ends_with('由')
        || b.ends_with('从')
        || b.ends_with('较')
        || (base_date_before && b.len() < before.len())
    {
        return None;
    }
    // The subsidy word may follow the rate: "给予每亩215元的种粮补贴". "每年" is a period, not a
    // rate ("每年安排500万元奖补资金" is a commitment).
    let per_item = before.match_indices('每').any(|(i, w)| {
        !["年", "季", "月"]
            .iter()
            .any(|p| before[i + w.len()..].starts_with(p))
    });
    // "最高不超过100万元": the cap of a grant.
    if money && before.trim_end().contains("最高") {
        return None;
    }
    // "按采购额的2%给予最高200万元资助": the share a grant is figured by.
    if q.unit == "%"
        && before.contains('按')
        && ["补助", "补贴", "奖补", "奖励", "资助"]
            .iter()
            .any(|w| near_after(key, q.end, sent.end).contains(w))
    {
        return None;
    }
    // A figure inside "（不含6亩）" or "（含…）" qualifies another.
    if before.ends_with("（不含") || before.ends_with("（含") {
        return None;
    }
    if money
        && ["补助", "补贴", "奖补", "奖励", "资助", "扶持资金"]
            .iter()
            .any(|w| before.contains(w) || after.contains(w))
        && (per_item
            // "提高村卫生室运行经费补助至6000元": the standard is raised to it.
            || before.trim_end().ends_with('至')
            || ["最高", "按", "标准", "不超过"]
                .iter()
                .any(|w| before.contains(w) || after.starts_with(w)))
    {
        return None;
    }

    let mut value = q.value;
    let unit = q.unit.clone();
    let mut kind = TargetKind::Cumulative;

    // Comparator: words after the quantity win over words before it.
    let mut cmp = Cmp::AtLeast;
    let before_trim = before.trim_end_matches(['的', ' ']);
    // The longest comparator word that ends the phrase before the number decides
    // ("不超过" is not "超过").
    let words: &[(&str, Cmp)] = &[
        ("不低于", Cmp::AtLeast),
        ("不少于", Cmp::AtLeast),
        ("至少", Cmp::AtLeast),
        ("不小于", Cmp::AtLeast),
        ("超过", Cmp::AtLeast),
        ("突破", Cmp::AtLeast),
        ("高于", Cmp::AtLeast),
        ("多于", Cmp::AtLeast),
        ("不超过", Cmp::AtMost),
        ("不高于", Cmp::AtMost),
        ("不多于", Cmp::AtMost),
        ("低于", Cmp::AtMost),
        ("少于", Cmp::AtMost),
        ("小于", Cmp::AtMost),
        ("控制在", Cmp::AtMost),
        ("控制到", Cmp::AtMost),
        ("压缩至", Cmp::AtMost),
        ("压缩到", Cmp::AtMost),
        ("压减至", Cmp::AtMost),
        ("降至", Cmp::AtMost),
        ("降到", Cmp::AtMost),
        ("下降到", Cmp::AtMost),
        ("减少到", Cmp::AtMost),
        ("稳定在", Cmp::Equal),
        ("保持在", Cmp::Equal),
        ("维持在", Cmp::Equal),
        ("约", Cmp::About),
        ("大约", Cmp::About),
    ];
    // "约" of a word is no "about": 签约, 节约, 预约 ….
    let word_with_yue = [
        "签约", "合约", "节约", "预约", "制约", "条约", "公约", "契约", "履约",
    ]
    .iter()
    .any(|w| before_trim.ends_with(w));
    if let Some((_, c)) = words
        .iter()
        .filter(|(w, _)| before_trim.ends_with(w))
        .filter(|(w, _)| !(word_with_yue && (*w == "约" || *w == "大约")))
        .max_by_key(|(w, _)| w.len())
    {
        cmp = *c;
        if cmp == Cmp::Equal {
            kind = TargetKind::Level;
        }
    }
    let after_trim = after.trim_start();
    // "收入10万元以上的村占比达到85%": a quantity that qualifies a noun before another
    // quantity in the same phrase is a definition, not a target.
    // (A bracket after the bound qualifies it: "6亩以下（不含6亩）的土地".)
    let unbracketed;
    let after_q = match ["以上（", "以下（"]
        .iter()
        .find(|w| after_trim.starts_with(**w))
        .and_then(|w| {
            let from = w.len() - '（'.len_utf8();
            after_trim[from..].find('）').map(|c| (from, from + c))
        }) {
        Some((from, close)) => {
            unbracketed = format!(
                "{}{}",
                &after_trim[..from],
                &after_trim[close + '）'.len_utf8()..]
            );
            unbracketed.as_str()
        }
        None => after_trim,
    };
    let qualifier_rest = ["及以上的", "以上的", "以下的", "以内的", "的"]
        .iter()
        .find_map(|w| after_q.strip_prefix(w));
    if let Some(rest) = qualifier_rest
        && rest.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    // "…采购配套产品5000万元以上的，按…给予资助": a condition that ends its clause.
    if qualifier_rest.is_some_and(|rest| rest.trim().is_empty()) {
        return None;
    }
    // A threshold that says who a measure is for is no target either: "对种植面积达到50亩以上
    // 的经营主体，给予…", "凡年营业收入2000万元以上的企业…".
    let clause_before = key[c_start..q.start].trim_start();
    if qualifier_rest.is_some()
        && (clause_before.starts_with('对') || clause_before.starts_with('凡'))
    {
        return None;
    }
    // A sum that sizes the projects or firms meant is no target: "总投资20亿元以上重点在谈项目",
    // "超5亿元以上项目", "20亿元以上项目开工率达50%", "总投资超30亿元或3亿美元产业项目2个".
    if q.unit.ends_with('元') && sizes_projects(clause_before, after_q) {
        return None;
    }
    // A count in words of the items just listed is no commitment of its own: "紧盯投放、收集、
    // 运输、处理四个环节", "推进甲市、乙区两个试点". (In figures it is: "新建幼儿园、小学2所".)
    // (Counted over a bounded stretch, so that a clause of many numbers reads in linear time.)
    let in_words = !key[q.start..].starts_with(|c: char| c.is_ascii_digit());
    let listed = if in_words || clause_before.ends_with('等') {
        near_before(clause_before).split('、').count()
    } else {
        0
    };
    if in_words
        && listed >= 2
        && (q.value - listed as f64).abs() < 1e-9
        && !clause_before.ends_with('、')
    {
        return None;
    }
    // An age is a target only as a life expectancy; "5岁以下儿童", "0-6岁儿童" define groups.
    if q.unit == "岁" && !clause_before.contains("寿命") {
        return None;
    }
    // The count of projects whose investment is the target: "183个市级重点项目完成投资350亿元".
    if matches!(q.unit.as_str(), "个" | "家" | "项" | "批") {
        let phrase = after_q.split(['，', '；', '。', '、']).next().unwrap_or("");
        // (Looked for over a bounded stretch, for linear time on a clause of many numbers.)
        let phrase = near_after(phrase, 0, phrase.len());
        if ["完成投资", "实现投资", "完成年度投资"]
            .iter()
            .filter_map(|w| phrase.find(w).map(|p| &phrase[p + w.len()..]))
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        {
            return None;
        }
    }
    // The count of a set whose members all meet a target names the set: "4个结构性指标均实现
    // 10%以上增长" (the 10% is the target).
    if matches!(q.unit.as_str(), "个" | "项" | "类" | "条") && all_of_them(&noun_after(after_q, 12))
    {
        return None;
    }
    // A distance or a time that names a kind of place is no amount: "15分钟便民生活圈",
    // "三公里充分就业社区".
    if matches!(q.unit.as_str(), "公里" | "分钟" | "米") {
        let noun = noun_after(after_q, 8);
        if noun.contains('圈') || noun.contains("社区") {
            return None;
        }
    }
    // Round-the-clock service is a description, not an amount: "24小时稳定供水", "7×24小时值守".
    if q.unit == "小时" && q.value == 24.0 {
        return None;
    }
    // "重点发展电子商务、现代物流、…等12个产业": the count of a list given in part.
    if listed >= 3 && clause_before.ends_with('等') {
        return None;
    }
    if after_trim.starts_with("以上")
        || after_trim.starts_with("及以上")
        || after_trim.starts_with("以外")
    {
        cmp = Cmp::AtLeast;
    } else if after_trim.starts_with("以内")
        || after_trim.starts_with("以下")
        || after_trim.starts_with("之内")
        || after_trim.starts_with("内")
        || after_trim.starts_with("及以下")
    {
        cmp = Cmp::AtMost;
    } else if after_trim.starts_with("左右") {
        cmp = Cmp::About;
    }

    // Growth and reduction rates: "增长7%", "下降3%", "提高2个百分点".
    let rate_unit = matches!(unit.as_str(), "%" | "‰" | "个百分点");
    let growth_up = ["增长", "增速", "增幅", "提高", "提升", "增加", "上升"];
    let growth_down = ["下降", "降低", "减少", "削减", "压减"];
    if rate_unit && ends_with_any(before_trim, &growth_up).is_some() {
        kind = TargetKind::Growth;
    } else if rate_unit && ends_with_any(before_trim, &growth_down).is_some() {
        kind = TargetKind::Growth;
        value = -value;
        cmp = match cmp {
            Cmp::About => Cmp::About,
            _ => Cmp::AtMost,
        };
    }
    if unit == "级" {
        // An air-quality grade: "达到或优于二级标准" caps the grade (a water class, which the
        // ledger shows in Roman numerals and judges by its water series, is another kind).
        cmp = if after_trim.starts_with("以下") {
            Cmp::AtLeast
        } else {
            Cmp::AtMost
        };
    }
    if unit == "类" {
        kind = TargetKind::Class;
        // A lower class is cleaner: "III类以上" means class ≤ 3.
        cmp = if after_trim.starts_with("以下") || after_trim.starts_with("及以下") {
            Cmp::AtLeast
        } else {
            Cmp::AtMost
        };
        if before_trim.ends_with("优于") {
            cmp = Cmp::AtMost;
        }
    } else if kind == TargetKind::Cumulative {
        let phrase = &key[seg_start..seg_end];
        if cmp == Cmp::AtMost {
            kind = TargetKind::Limit;
        } else if rate_unit
            || [
                "率", "占比", "比例", "比重", "覆盖", "达标", "优良", "指数", "系数",
            ]
            .iter()
            .any(|w| phrase.contains(w))
        {
            kind = TargetKind::Level;
        }
    }

    // Hardness: the last marker before the number in the sentence.
    let (firm, stretch) = sent.hardness_before(q.start);
    let hardness = match (firm, stretch) {
        (Some(f), Some(s)) if f > s => Hardness::Firm,
        (Some(_), Some(_)) => Hardness::Stretch,
        (Some(_), None) => Hardness::Firm,
        (None, Some(_)) => Hardness::Stretch,
        (None, None) => Hardness::Plain,
    };

    // Deadline: in the clause, else the last before the number in the sentence.
    let deadline = sent
        .first_date_in(c_start, c_end)
        .or_else(|| sent.last_date_before(q.start))
        .and_then(|m| m.deadline.resolve(plan_year))
        .or(default_deadline);

    let metric = metric(key, body.text, sent, seg_start, q, seg_end);
    let text = clause_text(body, (c_start, c_end));
    // The unit as written: "張" in a text in traditional characters, which the analysis form
    // reads as "张".
    let unit = q
        .end
        .checked_sub(unit.len())
        .filter(|&from| key.get(from..q.end) == Some(unit.as_str()))
        .and_then(|from| body.text.get(from..q.end))
        .map_or(unit, str::to_string);
    Some(Target {
        value,
        unit,
        cmp,
        hardness,
        deadline,
        text,
        metric,
        kind,
        line: body.line_at(q.start),
    })
}

/// Whether a noun phrase goes on to say its members all do something: "结构性指标均实现",
/// "示范村都达到" (not "平均", "均衡", "首都", "成都").
fn all_of_them(noun: &str) -> bool {
    let mut prev = None;
    let mut chars = noun.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let adverb = match c {
            '均' => prev != Some('平') && !matches!(next, Some('衡' | '匀' | '值')),
            '都' => !matches!(prev, Some('首' | '成' | '京')),
            _ => false,
        };
        if adverb && prev.is_some() {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// The noun phrase right after a quantity: up to a number or a clause mark, at most `max`
/// characters ("产业项目" in "30亿元产业项目2个").
fn noun_after(s: &str, max: usize) -> String {
    s.chars()
        .take_while(|c| {
            !c.is_ascii_digit() && !matches!(c, '，' | '。' | '；' | '、' | '：' | '（' | '）')
        })
        .take(max)
        .collect()
}

/// Whether a sum (its clause before it and the text after it) sizes the projects or firms
/// meant: bounded ("10亿元以上项目") or set after 总投资超 ("总投资超30亿元产业项目"), with an
/// alternative in another currency ("30亿元或3亿美元产业项目", and the "3亿美元" of it).
fn sizes_projects(clause_before: &str, after: &str) -> bool {
    let before = clause_before.trim_end();
    let alternative = before.strip_suffix('或').is_some_and(|b| b.ends_with('元'));
    let sized = alternative
        || ["总投资超过", "总投资超", "总投资", "投资额超", "投资超"]
            .iter()
            .any(|w| before.ends_with(w));
    let mut rest = after;
    let bounded = ["以上", "以下"].iter().find_map(|w| rest.strip_prefix(w));
    if let Some(r) = bounded {
        rest = r;
    } else if !sized {
        return false;
    }
    // "或3亿美元": the same size in another currency.
    if let Some(r) = rest.strip_prefix('或')
        && let Some((_, len)) = arabic(r)
        && let Some(m) = ["亿美元", "万美元", "亿元", "万元"]
            .iter()
            .find(|m| r[len..].starts_with(**m))
    {
        rest = &r[len + m.len()..];
        rest = rest.strip_prefix("以上").unwrap_or(rest);
    }
    let noun = noun_after(rest, 12);
    ["项目", "企业"]
        .iter()
        .any(|w| noun.starts_with(w) || noun.trim_end().ends_with(w))
}

/// Words that open the phrase before a number but are not part of the measured thing:
/// hardness, scope and period words, and verbs of doing ("创建", "培育") — not the verbs that
/// name what is counted ("新建", "新增", "改造提升").
const LEAD_WORDS: &[&str] = &[
    "确保",
    "必须",
    "务必",
    "力争",
    "争取",
    "努力",
    "争创",
    "力求",
    "全年",
    "年内",
    "累计",
    "全面",
    "完成",
    "实现",
    "其中",
    "每年",
    "全县",
    "全市",
    "全区",
    "全省",
    "全镇",
    "全州",
    "全乡",
    "全旗",
    "全国",
    "创建",
    "培育",
    "建设",
    "建成",
    "实施",
    "开展",
    "打造",
    "推广",
    "举办",
    "组织",
    "开发",
    "打通",
    "评选",
    "申报",
    "制定",
    "稳步推进",
    "加快推进",
    "积极推进",
    "推进",
    "大力",
    "积极",
    "全力",
    "持续",
    "共",
];

/// Words that close the phrase before a number: comparators and verbs of reaching.
const VERB_TAILS: &[&str] = &[
    "稳定在",
    "保持在",
    "维持在",
    "控制在",
    "控制到",
    "压缩至",
    "压缩到",
    "压减至",
    "降至",
    "降到",
    "下降到",
    "减少到",
    "达到",
    // "参保率达90%" (the phrase of one character, after the longer words that end in it).
    "达",
    "不低于",
    "不少于",
    "不超过",
    "不高于",
    "低于",
    "高于",
    "至少",
    "超过",
    "突破",
    "提高到",
    "提升到",
    "提高至",
    "提升至",
    "完成",
    "实现",
    "建设",
    "建成",
    "新建",
    "打造",
    "开展",
    "引导各镇建立",
    "建立",
    "全部",
    "必须",
    "确保",
    "力争",
    "原则上每年",
    "每年",
    "原则上",
    "共",
    "约",
    "大约",
    "为",
    "在",
    "的",
];

/// Growth words kept at the end of a rate's metric ("地区生产总值增长").
const GROWTH_WORDS: &[&str] = &[
    "增长", "下降", "降低", "提高", "提升", "减少", "增加", "上升",
];

/// Verbs that name what is counted and stay in the metric ("新建幼儿园").
const COUNTING_VERBS: &[&str] = &["新建改建", "新改建", "新建", "新增", "改造提升", "改扩建"];

/// The measured thing, as a ledger column would name it: the phrase before the number without
/// hardness, scope, dates and verbs; the phrase after the unit when the one before is empty, a
/// list of names or a proper name ("河坝镇80兆瓦渔光互补光伏发电项目" keeps both).
fn metric(
    key: &str,
    text: &str,
    sent: &Sentence,
    seg_start: usize,
    q: &Quantity,
    seg_end: usize,
) -> String {
    let (c_start, _) = sent.clause_of(q.start);
    // A water-quality class: the water it is of ("大湖水质…III类" → "大湖水质类别").
    if q.unit == "类" {
        let s_key = &key[sent.start..q.start];
        if let Some(p) = s_key.find("水质") {
            let mut from = sent.clause_of(sent.start + p).0;
            while let Some(w) = LEAD_WORDS.iter().find(|w| key[from..].starts_with(**w)) {
                from += w.len();
            }
            let end = sent.start + p + "水质".len();
            if from < end {
                return format!("{}类别", text.get(from..end).unwrap_or("水质"));
            }
        }
        return "水质类别".to_string();
    }
    if q.unit == "级" {
        return "空气质量级别".to_string();
    }
    // A list before the number belongs to the name ("国控、省控断面…") when no other quantity
    // stands in the clause before it.
    let seg_start =
        if seg_start > c_start && !key[c_start..seg_start].contains(|c: char| c.is_ascii_digit()) {
            c_start
        } else {
            seg_start
        };
    // A metric is a short name: look at most 40 characters back (bounds the work per number).
    let lo = key[seg_start..q.start]
        .char_indices()
        .rev()
        .nth(39)
        .map_or(seg_start, |(i, _)| seg_start + i);
    let mut b_off = lo;
    loop {
        let before = &key[b_off..q.start];
        let mut moved = false;
        if let Some(w) = LEAD_WORDS.iter().find(|w| before.starts_with(**w)) {
            b_off += w.len();
            moved = true;
        }
        // A date at the start ("2024年", "到2024年底", "2024年12月底前").
        if let Some(m) = find_dates(&key[b_off..q.start]).first()
            && m.start <= "到".len()
        {
            b_off += m.end;
            moved = true;
        }
        if !moved {
            break;
        }
    }
    let ends_with_share = key[b_off..q.start].ends_with('共');
    let raw = &key[b_off..q.start];
    let raw_before = raw.trim();
    // "X财政安排…资金": who pays is not part of the name. (The offset counts the spaces the
    // trim left out.)
    if let Some(p) = raw_before.find("安排")
        && p > 0
    {
        b_off += (raw.len() - raw.trim_start().len()) + p + "安排".len();
    }
    let mut b_end = q.start;
    loop {
        let cur = &key[b_off..b_end];
        match VERB_TAILS.iter().find(|w| cur.ends_with(**w)) {
            Some(w) => b_end -= w.len(),
            None => break,
        }
    }
    let before = text.get(b_off..b_end).unwrap_or("").trim();
    let before_key = key.get(b_off..b_end).unwrap_or("").trim();
    // The phrase after the unit (up to the next 、 or clause end).
    let mut a = q.end;
    for w in ["及以上", "以上", "以内", "以下", "左右", "的"] {
        if key[a..seg_end].starts_with(w) {
            a += w.len();
        }
    }
    let after = without_dates(key, text, a, seg_end);
    let after = after.trim();
    let counting_verb = COUNTING_VERBS.iter().find(|v| raw_before == **v);
    let names_before = before_key.contains('、') || before_key.ends_with('”') || ends_with_share;
    let capacity = matches!(
        q.unit.as_str(),
        "兆瓦" | "千瓦" | "万千瓦" | "MW" | "kW" | "GW"
    );
    let after_ok = after.chars().count() >= 2;
    // "用水、用气报装时间分别压缩至5个工作日以内和4个工作日以内": the i-th number is the i-th
    // item's, with the noun the items share.
    if let Some(name) = respectively(key, text, sent, c_start, q) {
        return name;
    }
    // Capacities listed before their project ("河坝镇80兆瓦、金盆镇60兆瓦渔光互补光伏发电"): the
    // project named after the next one.
    let after = if capacity && !after_ok {
        capacity_project(key, text, seg_end, sent.clause_of(q.start).1, &q.unit)
    } else if capacity {
        project_name(after)
    } else {
        after.to_string()
    };
    let after = after.as_str();
    let after_ok = after.chars().count() >= 2;
    let mut name = if after_ok && capacity && !before.is_empty() {
        format!("{before}{after}")
    } else if after_ok && (names_before || before.chars().count() < 2) {
        match counting_verb {
            Some(v) => format!("{v}{after}"),
            None => after.to_string(),
        }
    } else {
        before.to_string()
    };
    // "（含居民医保、职工医保）" explains the name and is not part of it.
    while let Some(o) = name
        .find("（含")
        .or_else(|| name.find("（包括"))
        .or_else(|| name.find("（即"))
    {
        match name[o..].find('）') {
            Some(c) => name.replace_range(o..o + c + '）'.len_utf8(), ""),
            None => break,
        }
    }
    // A growth rate keeps its growth word ("增长7%" → "…增长").
    if matches!(q.unit.as_str(), "%" | "‰" | "个百分点")
        && let Some(w) = GROWTH_WORDS.iter().find(|w| {
            key[b_off..q.start]
                .trim_end_matches(['了', ' '])
                .ends_with(**w)
        })
        && !name.ends_with(w)
    {
        name.push_str(w);
    }
    name
}

/// A project's name after its capacity, as a ledger names it: "风力发电等项目建设" → "风力发电项目".
fn project_name(after: &str) -> String {
    let mut a = after.trim_end_matches("建设").to_string();
    if let Some(p) = a.find("等项目") {
        a.replace_range(p..p + "等".len(), "");
    }
    if !a.is_empty() && !a.ends_with("项目") && !a.ends_with("工程") {
        a.push_str("项目");
    }
    a
}

/// The project named after the next capacity of the same unit in the clause.
fn capacity_project(key: &str, text: &str, from: usize, c_end: usize, unit: &str) -> String {
    let Some(p) = key[from..c_end].find(unit) else {
        return String::new();
    };
    let a = from + p + unit.len();
    let end = key[a..c_end].find('、').map_or(c_end, |e| a + e);
    project_name(text.get(a..end).unwrap_or("").trim())
}

/// The metric of the i-th number after "分别" in a clause "A、B名词分别…X…和Y".
fn respectively(
    key: &str,
    text: &str,
    sent: &Sentence,
    c_start: usize,
    q: &Quantity,
) -> Option<String> {
    let clause = &key[c_start..q.start];
    let p = clause.find("分别")?;
    let head_key = &key[c_start..c_start + p];
    let head_text = text.get(c_start..c_start + p)?;
    let items: Vec<&str> = head_key.split('、').collect();
    if items.len() < 2 {
        return None;
    }
    // Which number after 分别 this is: count the quantities' separators "和" / "、" before it.
    let between = &key[c_start + p..q.start];
    let idx = between.matches('和').count() + between.matches('、').count();
    let first_chars = items[0].chars().count();
    let last = items[items.len() - 1];
    let shared: String = last.chars().skip(first_chars).collect();
    let item_key: String = items.get(idx)?.chars().take(first_chars).collect();
    // Spell the item as the text writes it (the two forms are aligned).
    let off = head_key.find(&item_key)?;
    let item = head_text.get(off..off + item_key.len())?;
    let s_off = head_key.rfind(&shared)?;
    let shared_text = head_text.get(s_off..s_off + shared.len())?;
    let _ = sent;
    let mut from = 0;
    while let Some(w) = LEAD_WORDS.iter().find(|w| item[from..].starts_with(**w)) {
        from += w.len();
    }
    Some(format!("{}{shared_text}", &item[from..]))
}

/// `text[a..b]` without the date mentions in it ("县域普通高中2024年标准化建设").
fn without_dates(key: &str, text: &str, a: usize, b: usize) -> String {
    let mut out = String::new();
    let mut i = a;
    for m in find_dates(&key[a..b]) {
        out.push_str(text.get(i..a + m.start).unwrap_or(""));
        i = a + m.end;
    }
    out.push_str(text.get(i..b).unwrap_or(""));
    out
}

/// A metric that only makes sense with the one before it in the sentence: a bare growth word
/// ("…突破5.6万亿元，增长6%") takes the previous metric's name; a bare "产量" takes its subject
/// ("粮食播种面积…、总产量…" → "粮食总产量").
fn complete_metric(metric: &str, prev: Option<&str>) -> Option<String> {
    let prev = prev?;
    let base = GROWTH_WORDS
        .iter()
        .fold(prev, |p, w| p.strip_suffix(w).unwrap_or(p));
    if metric.is_empty() || GROWTH_WORDS.contains(&metric) {
        return (!base.is_empty()).then(|| format!("{base}{metric}"));
    }
    if ["产量", "总产量", "单产"].contains(&metric) {
        let subject: String = base.chars().take(2).collect();
        return Some(format!("{subject}{metric}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hardness_marker_starts_with_a_marker_start() {
        for w in FIRM.iter().chain(STRETCH) {
            let c = w.chars().next().unwrap();
            assert!(is_marker_start(c), "{w}");
        }
        assert!(!is_marker_start('保'));
    }

    fn read_one(s: &str) -> Reading {
        let lines = [(0usize, 1usize)];
        let body = Body {
            key: s,
            text: s,
            lines: &lines,
            skip: &[],
            dates: &find_dates(s),
        };
        read(&body, None, Some(2024))
    }

    /// [`Sentence::new`] takes a sentence's dates from the whole body's: the same as a search
    /// of the sentence alone, on every plan among the fixtures and on dates at sentence ends.
    #[test]
    fn a_bodys_dates_inside_a_sentence_are_the_sentences_own() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/plans");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert!(texts.len() >= 3, "{dir}");
        texts.push("2024年。年底前完成；3年内。2025年6月底\n前完成12月底。下半年".into());
        for t in &texts {
            let whole = find_dates(t);
            for (a, b) in sentences(t) {
                let own: Vec<(usize, usize)> = find_dates(&t[a..b])
                    .iter()
                    .map(|m| (a + m.start, a + m.end))
                    .collect();
                let first = whole.partition_point(|m| m.start < a);
                let from_whole: Vec<(usize, usize)> = whole[first..]
                    .iter()
                    .take_while(|m| m.end <= b)
                    .map(|m| (m.start, m.end))
                    .collect();
                assert_eq!(own, from_whole, "{}", &t[a..b]);
            }
        }
    }

    fn brief(s: &str) -> Vec<(f64, String, &'static str, &'static str, Option<String>)> {
        read_one(s)
            .targets
            .iter()
            .map(|t| {
                (
                    t.value,
                    t.unit.clone(),
                    t.cmp.symbol(),
                    match t.hardness {
                        Hardness::Firm => "firm",
                        Hardness::Stretch => "stretch",
                        Hardness::Plain => "plain",
                    },
                    t.deadline.map(|d| d.to_string()),
                )
            })
            .collect()
    }

    fn t(
        v: f64,
        u: &str,
        c: &'static str,
        h: &'static str,
        d: Option<&str>,
    ) -> (f64, String, &'static str, &'static str, Option<String>) {
        (v, u.to_string(), c, h, d.map(str::to_string))
    }

    #[test]
    fn reads_targets() {
        let cases: Vec<(&str, Vec<_>)> = vec![
            (
                "力争地区生产总值增长7%，城乡居民收入增长与经济增长基本同步。",
                vec![t(7.0, "%", ">=", "stretch", None)],
            ),
            (
                "确保大湖水质总磷年度均值控制在0.08mg/L以内，其他指标达到III类水质以上。",
                vec![
                    t(0.08, "mg/L", "<=", "firm", None),
                    t(3.0, "类", "<=", "firm", None),
                ],
            ),
            (
                "到2024年底，全市普惠性幼儿园覆盖率达到91%以上，公办园在园幼儿占比达到58%以上。",
                vec![
                    t(91.0, "%", ">=", "plain", Some("2024-12-31")),
                    t(58.0, "%", ">=", "plain", Some("2024-12-31")),
                ],
            ),
            (
                "全省破获不少于400起食品犯罪案件，自2024年1月1日起实施。",
                vec![t(400.0, "起", ">=", "plain", None)],
            ),
            (
                "完成村道安全生命防护工程1000 公里。",
                vec![t(1000.0, "公里", ">=", "plain", None)],
            ),
            (
                "新建、改建旅游厕所6 座。",
                vec![t(6.0, "座", ">=", "plain", None)],
            ),
            ("1 个体工商户登记全程网办。", vec![]),
            (
                "淘汰整治高耗低效企业5000家，腾出用地5万亩、用能120万吨标准煤。",
                vec![
                    t(5000.0, "家", ">=", "plain", None),
                    t(50000.0, "亩", ">=", "plain", None),
                    t(1200000.0, "吨标准煤", ">=", "plain", None),
                ],
            ),
            (
                "确保粮食播种面积稳定在27万亩以上、产量保持在12万吨以上，争创全省粮食生产先进县。",
                vec![
                    t(270000.0, "亩", ">=", "firm", None),
                    t(120000.0, "吨", ">=", "firm", None),
                ],
            ),
            (
                "改造提升高标准农田1.5万亩；",
                vec![t(15000.0, "亩", ">=", "plain", None)],
            ),
            (
                "力争新增城镇就业1200人、农村劳动力转移就业450人。",
                vec![
                    t(1200.0, "人", ">=", "stretch", None),
                    t(450.0, "人", ">=", "stretch", None),
                ],
            ),
            (
                "新建三所幼儿园，改造两个社区，建设一万亩基地。",
                vec![
                    t(3.0, "所", ">=", "plain", None),
                    t(2.0, "个", ">=", "plain", None),
                    t(10000.0, "亩", ">=", "plain", None),
                ],
            ),
            (
                "单位地区生产总值能耗下降3%。",
                vec![t(-3.0, "%", "<=", "plain", None)],
            ),
            (
                "地区生产总值增长8%左右。",
                vec![t(8.0, "%", "~", "plain", None)],
            ),
            (
                "实际利用外资3,300万美元，进出口总额突破2000亿元。",
                vec![
                    t(3300.0, "万美元", ">=", "plain", None),
                    t(2000.0, "亿元", ">=", "plain", None),
                ],
            ),
            (
                "2023年10月底前完成改造4个。",
                vec![t(4.0, "个", ">=", "plain", Some("2023-10-31"))],
            ),
            (
                "PM2.5平均浓度控制在35微克/立方米以内。",
                vec![t(35.0, "微克/立方米", "<=", "plain", None)],
            ),
        ];
        for (s, want) in cases {
            assert_eq!(brief(s), want, "{s}");
        }
    }

    #[test]
    fn names_are_not_targets() {
        for s in [
            "2024年完成S218大通湖河口至北洲子公路路基工程建设。",
            "备战湖南省第十五届运动会。",
            "落实落细“411”社保基金监管机制。",
            "推广“三池两坝”工程。",
            "落实“五千工程”。",
            "落实千万亩农田产能提升工程。",
            "策划举办2024大通湖区乡村马拉松比赛。",
            "力争大气PM2.5浓度达到省定目标。",
            "建设千山红镇中学（即大通湖区第二中学）。",
            "一是加强领导，形成一批典型。",
            "完成区二中学生宿舍楼建设。",
            "比2020年增长的基础上。",
        ] {
            assert_eq!(brief(s), vec![], "{s}");
        }
    }

    #[test]
    fn ranges_about_baselines_and_subsidies() {
        assert_eq!(
            brief("新增造林面积3000—3500公顷。"),
            vec![t(3000.0, "公顷", ">=", "plain", None)]
        );
        assert_eq!(
            brief("力争培训约2000人次。"),
            vec![t(2000.0, "人次", "~", "stretch", None)]
        );
        assert_eq!(
            brief("森林覆盖率由2020年的85%提高到90%。"),
            vec![t(90.0, "%", ">=", "plain", None)]
        );
        for s in [
            "对新建户厕按1500元/户的标准给予补助。",
            "每个示范村最高补助5000元。",
            "每亩补贴200元。",
            "给予每亩200元的种粮补贴。",
            "对种植面积达到30亩以上的经营主体，给予一次性奖励。",
            "凡年营业收入2000万元以上的企业，纳入重点服务名单。",
            "紧盯全县总投资10亿元以上重点在谈项目。",
            "对签约的固定资产投资超5亿元以上项目（含续建）实行专班服务。",
        ] {
            assert_eq!(brief(s), vec![], "{s}");
        }
        // A count or an index named before the number needs no unit; a bare number does.
        assert_eq!(
            brief("健康发展指数达85，体检人数达1000万以上，灌溉水有效利用系数达到0.58。"),
            vec![
                t(85.0, "", ">=", "plain", None),
                t(10_000_000.0, "", ">=", "plain", None),
                t(0.58, "", ">=", "plain", None),
            ]
        );
        // An index or a coefficient is a level to reach, not a count that adds up.
        let r = read_one("健康发展指数达85，灌溉水有效利用系数达到0.58，体检人数达1000万。");
        let kinds: Vec<TargetKind> = r.targets.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [TargetKind::Level, TargetKind::Level, TargetKind::Cumulative]
        );
        assert_eq!(brief("争创全国文明城市提名达3轮。"), vec![]);
        assert_eq!(brief("推动85后干部达到30。"), vec![]);
        assert_eq!(brief("全面实现农村24小时稳定供水。"), vec![]);
        assert_eq!(
            brief("建成15分钟便民生活圈5个，三公里充分就业社区数量达到60%。"),
            vec![
                t(5.0, "个", ">=", "plain", None),
                t(60.0, "%", ">=", "plain", None)
            ]
        );
        assert_eq!(
            brief("183个市级重点项目完成投资350亿元以上。"),
            vec![t(350.0, "亿元", ">=", "plain", None)]
        );
        assert_eq!(
            brief("审批时间压缩至48小时以内。"),
            vec![t(48.0, "小时", "<=", "plain", None)]
        );
        // A second unit in brackets belongs to the unit.
        assert_eq!(
            brief("累计完成15台（套）左右老旧装置更新替代。"),
            vec![t(15.0, "台（套）", "~", "plain", None)]
        );
        // The sum sizes the projects; the rate is the target.
        assert_eq!(
            brief("2025年10亿元以上项目开工率达50%以上。"),
            vec![t(50.0, "%", ">=", "plain", Some("2025-12-31"))]
        );
        assert_eq!(
            brief("完成固定资产投资5亿元以上。"),
            vec![t(5.0, "亿元", ">=", "plain", None)]
        );
        // Sized after 总投资超, with the size in another currency too: the counts are targets.
        assert_eq!(
            brief("招引总投资超30亿元或3亿美元产业项目2个、总投资超10亿元产业项目5个。"),
            vec![
                t(2.0, "个", ">=", "plain", None),
                t(5.0, "个", ">=", "plain", None)
            ]
        );
        assert_eq!(
            brief("项目总投资超30亿元。"),
            vec![t(30.0, "亿元", ">=", "plain", None)]
        );
        // The count of a set whose members all meet a target names the set.
        assert_eq!(
            brief("4个结构性指标均实现10%以上增长。"),
            vec![t(10.0, "%", ">=", "plain", None)]
        );
        assert_eq!(
            brief("建成5个示范村，均达到省级标准。"),
            vec![t(5.0, "个", ">=", "plain", None)]
        );
        assert_eq!(
            brief("培育5个村庄实现平均增收10%。"),
            vec![
                t(5.0, "个", ">=", "plain", None),
                t(10.0, "%", ">=", "plain", None)
            ]
        );
        // A session of a body is a name.
        assert_eq!(
            brief("贯彻落实市委十一届七次全会、八次全会部署要求。"),
            vec![]
        );
        // A count in words of the items just listed names them; in figures it commits.
        for s in [
            "紧盯投放、收集、运输、处理四个环节。",
            "推进甲市、乙区两个试点。",
        ] {
            assert_eq!(brief(s), vec![], "{s}");
        }
        assert_eq!(
            brief("新建幼儿园、小学2所。"),
            vec![t(2.0, "所", ">=", "plain", None)]
        );
        assert_eq!(
            brief("城市环境空气质量基本达到或优于国家二级标准。"),
            vec![t(2.0, "级", "<=", "plain", None)]
        );
        assert_eq!(brief("新建三级医院一所。"), vec![]);
        for s in [
            "对骨干企业按采购额的2%给予最高200万元资助。",
            "对辖区内6亩以下（不含6亩）的土地，简化转让手续。",
            "骨干企业累计采购配套产品5000万元以上的，按采购额给予资助。",
            "给予一次性奖励，最高不超过100万元。",
        ] {
            assert_eq!(brief(s), vec![], "{s}");
        }
        for s in [
            "加快占地300亩的工业园二期建设。",
            "推进年产120亿只医疗级手套项目开工。",
            "目前已完成投资85万元。",
            "提高村卫生室基本运行经费补助至6000元。",
            "重点发展电子商务、现代物流、现代金融等12个产业。",
        ] {
            assert_eq!(brief(s), vec![], "{s}");
        }
        assert_eq!(
            brief("5岁以下儿童死亡率控制在6.5‰以下。"),
            vec![t(6.5, "‰", "<=", "plain", None)]
        );
        assert_eq!(
            brief("力争签约 6 个项目。"),
            vec![t(6.0, "个", ">=", "stretch", None)]
        );
        assert_eq!(
            brief("人均预期寿命达到82.4岁。"),
            vec![t(82.4, "岁", ">=", "plain", None)]
        );
        let grade = read_one("城市环境空气质量达到国家二级标准。");
        assert_eq!(grade.targets[0].kind, TargetKind::Limit);
        assert_eq!(grade.targets[0].metric, "空气质量级别");
        // A yearly budget is a commitment, not a rate.
        assert_eq!(
            brief("每年安排500万元奖补资金。"),
            vec![t(500.0, "万元", ">=", "plain", None)]
        );
    }

    #[test]
    fn metrics_are_ledger_names() {
        let metrics = |s: &str| -> Vec<String> {
            read_one(s).targets.into_iter().map(|t| t.metric).collect()
        };
        for (s, want) in [
            ("力争地区生产总值增长7%。", vec!["地区生产总值增长"]),
            (
                "确保粮食播种面积稳定在27万亩以上、产量保持在12万吨以上。",
                vec!["粮食播种面积", "粮食产量"],
            ),
            (
                "确保大湖水质总磷年度均值控制在0.08mg/L以内，其他指标达到III类水质以上。",
                vec!["大湖水质总磷年度均值", "大湖水质类别"],
            ),
            (
                "稳步推进河坝镇80兆瓦渔光互补光伏发电项目。",
                vec!["河坝镇渔光互补光伏发电项目"],
            ),
            ("申报荷花、睡莲、轮叶黑藻3个标准。", vec!["标准"]),
            (
                "全省地区生产总值突破5.6万亿元，增长6%左右。",
                vec!["地区生产总值", "地区生产总值增长"],
            ),
            ("新建三所幼儿园。", vec!["新建幼儿园"]),
            ("力争新增城镇就业1200人。", vec!["新增城镇就业"]),
            ("新增造林面积3000—3500公顷。", vec!["新增造林面积"]),
        ] {
            assert_eq!(metrics(s), want, "{s}");
        }
    }

    #[test]
    fn milestones_and_asap() {
        let r = read_one("2024年完成S218路基工程建设；尽快对接高速公路项目相关规划情况。");
        let ms: Vec<_> = r
            .milestones
            .iter()
            .map(|m| (m.text.as_str(), m.deadline.map(|d| d.to_string())))
            .collect();
        assert_eq!(
            ms,
            vec![
                ("2024年完成S218路基工程建设", Some("2024-12-31".to_string())),
                ("尽快对接高速公路项目相关规划情况", None)
            ]
        );
        assert_eq!(r.asap.len(), 1);
    }
}
