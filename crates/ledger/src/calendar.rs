//! China's official work calendar (工作日历): the public holidays and the adjusted working days
//! (调休上班) the State Council General Office publishes each year in its notice
//! 《国务院办公厅关于××年部分节假日安排的通知》, as data written down here by hand from the notices
//! (each year cites its notice below).
//!
//! A day is a working day when it is a Monday to Friday that is not a public holiday, or a
//! Saturday or Sunday the notice makes a working day (调休上班). Counting "N个工作日" and moving a
//! due date off a rest day ([`next_working_day`]) follow it.
//!
//! **Years outside the table** (before 2024, after 2026, until a later notice is added here)
//! fall back to Monday–Friday: public holidays of those years are not known, so a due date
//! computed for them may fall in a holiday. [`covers`] tells whether a year is in the table, so
//! a caller can say so beside such a date ([`fallback_note`]).
//!
//! **Later years** are entered by the office on the desk (工作日历) from the next notice, as
//! [`AddedYear`]s: the store keeps them and hands them to [`set_added_years`] when it opens
//! and after each change, and every count of working days uses them from then on. A year in
//! the compiled table cannot be entered again (its notice is already written down here).
//!
//! Pure: no clock, no files; the table is compiled in, the office's years are given to it.

use std::sync::RwLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A day of the year as (month, day).
pub type MonthDay = (u32, u32);

/// One year's arrangement as its notice publishes it.
#[derive(Debug, Clone, Copy)]
pub struct YearTable {
    pub year: i32,
    /// The notice's title, number (文号) and date.
    pub notice: &'static str,
    /// (holiday, first day, last day) as (month, day): the days off, weekends inside the span
    /// included.
    pub holidays: &'static [(&'static str, MonthDay, MonthDay)],
    /// Saturdays and Sundays that are working days (调休上班), with the holiday they serve.
    pub workdays: &'static [(&'static str, MonthDay)],
}

/// The years known, from the State Council General Office's notices.
pub const TABLE: &[YearTable] = &[
    // 《国务院办公厅关于2024年部分节假日安排的通知》（国办发明电〔2023〕7号），2023年10月25日。
    // The notice only encourages a rest on 除夕 (2月9日); it is not a day off, so not listed.
    YearTable {
        year: 2024,
        notice: "《国务院办公厅关于2024年部分节假日安排的通知》（国办发明电〔2023〕7号，2023年10月25日）",
        holidays: &[
            ("元旦", (1, 1), (1, 1)),
            ("春节", (2, 10), (2, 17)),
            ("清明节", (4, 4), (4, 6)),
            ("劳动节", (5, 1), (5, 5)),
            ("端午节", (6, 10), (6, 10)),
            ("中秋节", (9, 15), (9, 17)),
            ("国庆节", (10, 1), (10, 7)),
        ],
        workdays: &[
            ("春节", (2, 4)),
            ("春节", (2, 18)),
            ("清明节", (4, 7)),
            ("劳动节", (4, 28)),
            ("劳动节", (5, 11)),
            ("中秋节", (9, 14)),
            ("国庆节", (9, 29)),
            ("国庆节", (10, 12)),
        ],
    },
    // 《国务院办公厅关于2025年部分节假日安排的通知》（国办发明电〔2024〕12号），2024年11月12日
    // (the first under the holidays law as revised in November 2024: 除夕 and 5月2日 added).
    YearTable {
        year: 2025,
        notice: "《国务院办公厅关于2025年部分节假日安排的通知》（国办发明电〔2024〕12号，2024年11月12日）",
        holidays: &[
            ("元旦", (1, 1), (1, 1)),
            ("春节", (1, 28), (2, 4)),
            ("清明节", (4, 4), (4, 6)),
            ("劳动节", (5, 1), (5, 5)),
            ("端午节", (5, 31), (6, 2)),
            ("国庆节、中秋节", (10, 1), (10, 8)),
        ],
        workdays: &[
            ("春节", (1, 26)),
            ("春节", (2, 8)),
            ("劳动节", (4, 27)),
            ("国庆节、中秋节", (9, 28)),
            ("国庆节、中秋节", (10, 11)),
        ],
    },
    // 《国务院办公厅关于2026年部分节假日安排的通知》，2025年11月4日 (as published by Xinhua the
    // same day; its 文号 is not recorded here).
    YearTable {
        year: 2026,
        notice: "《国务院办公厅关于2026年部分节假日安排的通知》（2025年11月4日）",
        holidays: &[
            ("元旦", (1, 1), (1, 3)),
            ("春节", (2, 15), (2, 23)),
            ("清明节", (4, 4), (4, 6)),
            ("劳动节", (5, 1), (5, 5)),
            ("端午节", (6, 19), (6, 21)),
            ("中秋节", (9, 25), (9, 27)),
            ("国庆节", (10, 1), (10, 7)),
        ],
        workdays: &[
            ("元旦", (1, 4)),
            ("春节", (2, 14)),
            ("春节", (2, 28)),
            ("劳动节", (5, 9)),
            ("国庆节", (9, 20)),
            ("国庆节", (10, 10)),
        ],
    },
];

/// A year's arrangement entered by the office from its notice (a year after the table's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedYear {
    pub year: i32,
    /// The notice's title, number and date, as the office typed it.
    pub notice: String,
    /// (holiday, first day, last day): the days off, weekends inside the span included.
    pub holidays: Vec<(String, NaiveDate, NaiveDate)>,
    /// Saturdays and Sundays that are working days, with the holiday they serve.
    pub workdays: Vec<(String, NaiveDate)>,
}

/// The years the office entered, as the store last gave them.
static ADDED: RwLock<Vec<AddedYear>> = RwLock::new(Vec::new());

/// The office's years from now on (the store calls this when it opens and after a change).
pub fn set_added_years(years: Vec<AddedYear>) {
    let years: Vec<AddedYear> = years
        .into_iter()
        .filter(|y| table(y.year).is_none())
        .collect();
    *ADDED.write().unwrap_or_else(|e| e.into_inner()) = years;
}

/// The years the office entered.
pub fn added_years() -> Vec<AddedYear> {
    ADDED.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// What `f` makes of the office's year `year`, if it entered one (read in place: counting
/// working days asks this of every day it steps over).
fn with_added<T>(year: i32, f: impl FnOnce(&AddedYear) -> T) -> Option<T> {
    ADDED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|y| y.year == year)
        .map(f)
}

/// The most lines a year's list of holidays or of adjusted working days may have (a notice
/// names seven holidays and about as many adjusted days), and the longest notice reference.
pub const MAX_LINES: usize = 60;
pub const MAX_NOTICE_CHARS: usize = 200;
/// The longest line of either list ("国庆节、中秋节 2025-10-01 2025-10-08" is 31).
pub const MAX_LINE_CHARS: usize = 80;

/// Reads a year as the office types it: one holiday a line ("国庆节 2027-10-01 2027-10-07", or
/// one date for a single day), one adjusted working day a line ("国庆节 2027-09-26"). Every
/// line that cannot be read is named (which list, which line, what is wrong); a year already
/// in the compiled table is refused.
pub fn parse_year(
    year: i32,
    notice: &str,
    holidays: &str,
    workdays: &str,
) -> Result<AddedYear, Vec<String>> {
    let mut errors = Vec::new();
    if let Some(t) = table(year) {
        errors.push(format!(
            "{year}年的安排已按《{}》收录，不能重复录入",
            t.notice
                .split('（')
                .next()
                .unwrap_or(t.notice)
                .trim_matches(['《', '》'])
        ));
        return Err(errors);
    }
    if !(2000..=2100).contains(&year) {
        errors.push(format!("年份“{year}”不在 2000—2100 之间"));
        return Err(errors);
    }
    let notice = notice.trim();
    if notice.chars().count() > MAX_NOTICE_CHARS {
        errors.push(format!("通知的标题、文号不超过{MAX_NOTICE_CHARS}字"));
    }
    for (list, text) in [("放假安排", holidays), ("调休上班", workdays)] {
        if text.lines().count() > MAX_LINES {
            errors.push(format!("{list}不超过{MAX_LINES}行"));
        }
        if let Some(n) = text
            .lines()
            .position(|l| l.chars().count() > MAX_LINE_CHARS)
        {
            errors.push(format!("{list}第{}行超过{MAX_LINE_CHARS}字", n + 1));
        }
    }
    // Too much to read: said, and nothing more read.
    if !errors.is_empty() {
        return Err(errors);
    }
    if notice.is_empty() {
        errors.push("请填写所依据的通知（标题、文号）".into());
    }
    let date = |list: &str, n: usize, w: &str, errors: &mut Vec<String>| -> Option<NaiveDate> {
        let w = w
            .replace(['年', '月'], "-")
            .replace('日', "")
            .replace('/', "-");
        match NaiveDate::parse_from_str(&w, "%Y-%m-%d") {
            Ok(d) if d.year() == year => Some(d),
            Ok(d) => {
                errors.push(format!("{list}第{n}行：日期 {d} 不在{year}年"));
                None
            }
            Err(_) => {
                errors.push(format!(
                    "{list}第{n}行：“{w}”不是日期（格式：{year}-10-01）"
                ));
                None
            }
        }
    };
    let mut out = AddedYear {
        year,
        notice: notice.to_string(),
        holidays: vec![],
        workdays: vec![],
    };
    for (i, line) in holidays.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let n = i + 1;
        match words.as_slice() {
            [] => {}
            [name, first] | [name, first, "至"] => {
                if let Some(d) = date("放假安排", n, first, &mut errors) {
                    out.holidays.push((name.to_string(), d, d));
                }
            }
            [name, first, last] | [name, first, "至", last] => {
                let a = date("放假安排", n, first, &mut errors);
                let b = date("放假安排", n, last, &mut errors);
                match (a, b) {
                    (Some(a), Some(b)) if a <= b => out.holidays.push((name.to_string(), a, b)),
                    (Some(a), Some(b)) => {
                        errors.push(format!("放假安排第{n}行：开始 {a} 晚于结束 {b}"))
                    }
                    _ => {}
                }
            }
            _ => errors.push(format!(
                "放假安排第{n}行：“{}”应为“节日 开始日期 结束日期”",
                line.trim()
            )),
        }
    }
    for (i, line) in workdays.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let n = i + 1;
        match words.as_slice() {
            [] => {}
            [name, d] => {
                if let Some(d) = date("调休上班", n, d, &mut errors) {
                    if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                        out.workdays.push((name.to_string(), d));
                    } else {
                        errors.push(format!(
                            "调休上班第{n}行：{d} 不是星期六或星期日，本来就是工作日"
                        ));
                    }
                }
            }
            _ => errors.push(format!("调休上班第{n}行：“{}”应为“节日 日期”", line.trim())),
        }
    }
    if out.holidays.is_empty() && errors.is_empty() {
        errors.push("请至少填写一个节日的放假安排".into());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What a day is in the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// Monday to Friday, no holiday.
    Working,
    /// A Saturday or Sunday made a working day (调休上班) for the named holiday.
    AdjustedWorking(String),
    /// Saturday or Sunday.
    Weekend,
    /// A day off of the named public holiday (法定节假日, 调休 included).
    Holiday(String),
}

impl Day {
    pub fn is_working(&self) -> bool {
        matches!(self, Day::Working | Day::AdjustedWorking(_))
    }

    /// In words, for the desk: "工作日", "调休上班（国庆节）", "周末", "国庆节假期".
    pub fn label(&self) -> String {
        match self {
            Day::Working => "工作日".into(),
            Day::AdjustedWorking(h) => format!("调休上班（{h}）"),
            Day::Weekend => "周末".into(),
            Day::Holiday(h) => format!("{h}假期"),
        }
    }
}

fn table(year: i32) -> Option<&'static YearTable> {
    TABLE.iter().find(|t| t.year == year)
}

/// Whether `year`'s holidays are known (in the table or entered by the office); outside them,
/// days are counted Monday–Friday.
pub fn covers(year: i32) -> bool {
    table(year).is_some() || with_added(year, |_| ()).is_some()
}

/// The years known, for the desk: "2024—2026", "2024—2027" with an office's year after them.
pub fn years_known() -> String {
    let mut years: Vec<i32> = TABLE.iter().map(|t| t.year).collect();
    years.extend(added_years().iter().map(|y| y.year));
    years.sort_unstable();
    years.dedup();
    let contiguous = years.windows(2).all(|w| w[1] == w[0] + 1);
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a < b && contiguous => format!("{a}—{b}"),
        (Some(_), Some(_)) if !contiguous => years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// The notice a year's holidays come from, if the year is known.
pub fn source(year: i32) -> Option<String> {
    table(year)
        .map(|t| t.notice.to_string())
        .or_else(|| with_added(year, |y| format!("{}（专班办公室录入）", y.notice)))
}

/// What `date` is: see the [module documentation](self).
pub fn day(date: NaiveDate) -> Day {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    if let Some(t) = table(date.year()) {
        let md = (date.month(), date.day());
        if let Some((h, _)) = t.workdays.iter().find(|(_, d)| *d == md) {
            return Day::AdjustedWorking(h.to_string());
        }
        if let Some((h, _, _)) = t
            .holidays
            .iter()
            .find(|(_, first, last)| *first <= md && md <= *last)
        {
            return Day::Holiday(h.to_string());
        }
    } else if let Some(Some(d)) = with_added(date.year(), |y| {
        if let Some((h, _)) = y.workdays.iter().find(|(_, d)| *d == date) {
            return Some(Day::AdjustedWorking(h.clone()));
        }
        y.holidays
            .iter()
            .find(|(_, first, last)| *first <= date && date <= *last)
            .map(|(h, _, _)| Day::Holiday(h.clone()))
    }) {
        return d;
    }
    if weekend { Day::Weekend } else { Day::Working }
}

/// Whether `date` is a working day.
pub fn is_working_day(date: NaiveDate) -> bool {
    day(date).is_working()
}

/// The date `days` working days after `from` ("N个工作日": `from` itself is not counted; 调休
/// Saturdays and Sundays are). With `days` 0, `from` itself.
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    let mut d = from;
    let mut left = days;
    while left > 0 {
        d += Duration::days(1);
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

/// `date` if it is a working day, else the first working day after it: a due date that falls
/// on a weekend or a holiday moves to the next working day (2024-10-05 → 2024-10-08).
pub fn next_working_day(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_working_day(d) {
        d += Duration::days(1);
    }
    d
}

/// `date` if it is a working day, else the last working day before it.
pub fn previous_working_day(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_working_day(d) {
        d -= Duration::days(1);
    }
    d
}

/// Why a due date was moved, for the desk: "2024-10-05 为国庆节假期，截止日期顺延至
/// 2024-10-08（下一个工作日）"; `None` when `date` is a working day.
pub fn moved_note(date: NaiveDate) -> Option<String> {
    let next = next_working_day(date);
    (next != date).then(|| {
        format!(
            "{date} 为{}，截止日期顺延至 {next}（下一个工作日）",
            day(date).label()
        )
    })
}

/// For a date in a year outside the table, a note that its days are counted Monday–Friday:
/// "2027年的法定节假日未收录，按周一至周五计算工作日"; `None` for a year in the table.
pub fn fallback_note(date: NaiveDate) -> Option<String> {
    (!covers(date.year())).then(|| {
        format!(
            "{}年的法定节假日未收录，按周一至周五计算工作日",
            date.year()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A year the office enters from a later notice counts like the table's; a year of the
    /// table cannot be entered again; every bad line is named.
    /// Held by the tests that set or read the office's years (process-wide), so that they do
    /// not meet when the tests run as threads of one process.
    static ADDED_YEARS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn a_year_entered_by_the_office_is_counted() {
        let _one_at_a_time = ADDED_YEARS.lock().unwrap_or_else(|e| e.into_inner());
        // Before: 2027 is counted Monday–Friday (2027-10-04 is a Monday).
        set_added_years(vec![]);
        assert!(!covers(2027));
        assert_eq!(next_working_day(d("2027-10-04")), d("2027-10-04"));
        let y = parse_year(
            2027,
            "国务院办公厅关于2027年部分节假日安排的通知",
            "元旦 2027-01-01 2027-01-03\n\n国庆节 2027-10-01 至 2027-10-07\n中秋节 2027-09-15",
            "国庆节 2027-09-26\n国庆节 2027-10-09",
        )
        .unwrap();
        assert_eq!(y.holidays.len(), 3);
        assert_eq!(y.workdays.len(), 2);
        set_added_years(vec![y]);
        assert!(covers(2027));
        assert_eq!(years_known(), "2024—2027");
        assert_eq!(next_working_day(d("2027-10-04")), d("2027-10-08"));
        assert_eq!(day(d("2027-10-04")), Day::Holiday("国庆节".into()));
        assert_eq!(day(d("2027-09-26")), Day::AdjustedWorking("国庆节".into()));
        // "5个工作日" after Friday 2027-09-24: Sunday 26 (调休) counts, Monday 27 … Thursday 30.
        assert_eq!(add_working_days(d("2027-09-24"), 5), d("2027-09-30"));
        assert!(source(2027).unwrap().contains("专班办公室录入"));
        set_added_years(vec![]);
        assert!(!covers(2027));

        let e = parse_year(2025, "通知", "国庆节 2025-10-01 2025-10-08", "").unwrap_err();
        assert!(
            e[0].contains("2025年的安排已按《国务院办公厅关于2025年部分节假日安排的通知"),
            "{e:?}"
        );
        let e = parse_year(
            2027,
            "",
            "国庆节 2027-10-01 2027-10-07\n春节 2027-02-31\n劳动节 2027-05-05 2027-05-01\n端午节 2028-06-09",
            "国庆节 2027-09-27\n国庆节",
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                "请填写所依据的通知（标题、文号）",
                "放假安排第2行：“2027-02-31”不是日期（格式：2027-10-01）",
                "放假安排第3行：开始 2027-05-05 晚于结束 2027-05-01",
                "放假安排第4行：日期 2028-06-09 不在2027年",
                "调休上班第1行：2027-09-27 不是星期六或星期日，本来就是工作日",
                "调休上班第2行：“国庆节”应为“节日 日期”",
            ]
        );
        // Bounded: the lines of a list, each line, the notice.
        let many = "国庆节 2027-10-01\n".repeat(MAX_LINES + 1);
        let e = parse_year(2027, &"通".repeat(201), &many, &"调".repeat(81)).unwrap_err();
        assert_eq!(
            e,
            [
                "通知的标题、文号不超过200字",
                "放假安排不超过60行",
                "调休上班第1行超过80字",
            ]
        );
    }

    #[test]
    fn the_table_is_consistent() {
        for t in TABLE {
            assert!(t.notice.contains(&format!("{}年部分节假日安排", t.year)));
            for (h, first, last) in t.holidays {
                let a = NaiveDate::from_ymd_opt(t.year, first.0, first.1).unwrap();
                let b = NaiveDate::from_ymd_opt(t.year, last.0, last.1).unwrap();
                assert!(a <= b, "{} {h}", t.year);
            }
            for (h, (m, dd)) in t.workdays {
                let w = NaiveDate::from_ymd_opt(t.year, *m, *dd).unwrap();
                // 调休上班 is always a Saturday or Sunday, never inside a holiday.
                assert!(
                    matches!(w.weekday(), Weekday::Sat | Weekday::Sun),
                    "{w} ({h}) is not a weekend day"
                );
                assert!(
                    !t.holidays
                        .iter()
                        .any(|(_, f, l)| *f <= (*m, *dd) && (*m, *dd) <= *l),
                    "{w}"
                );
            }
        }
    }

    #[test]
    fn national_day_2024() {
        // The two cases.
        assert_eq!(next_working_day(d("2024-10-05")), d("2024-10-08"));
        assert_eq!(add_working_days(d("2024-09-30"), 5), d("2024-10-12"));
        assert_eq!(day(d("2024-10-12")), Day::AdjustedWorking("国庆节".into()));
        assert_eq!(day(d("2024-09-29")), Day::AdjustedWorking("国庆节".into()));
        assert_eq!(day(d("2024-10-07")), Day::Holiday("国庆节".into()));
        assert_eq!(day(d("2024-10-13")), Day::Weekend);
        // Sunday 2024-09-29 counts: one working day after Saturday 09-28 is that Sunday.
        assert_eq!(add_working_days(d("2024-09-28"), 1), d("2024-09-29"));
        assert_eq!(next_working_day(d("2024-10-08")), d("2024-10-08"));
        assert_eq!(previous_working_day(d("2024-10-05")), d("2024-09-30"));
        assert_eq!(
            moved_note(d("2024-10-05")).unwrap(),
            "2024-10-05 为国庆节假期，截止日期顺延至 2024-10-08（下一个工作日）"
        );
        assert_eq!(moved_note(d("2024-10-08")), None);
    }

    #[test]
    fn the_rest_of_2024() {
        assert!(!is_working_day(d("2024-01-01")));
        // 春节 2月10日至17日; Sundays 2月4日 and 18日 worked; 除夕 (2月9日) is a working day.
        assert!(is_working_day(d("2024-02-04")));
        assert!(is_working_day(d("2024-02-09")));
        assert_eq!(next_working_day(d("2024-02-10")), d("2024-02-18"));
        assert!(is_working_day(d("2024-04-07")));
        assert_eq!(next_working_day(d("2024-05-01")), d("2024-05-06"));
        assert!(is_working_day(d("2024-04-28")) && is_working_day(d("2024-05-11")));
        assert!(!is_working_day(d("2024-06-10")));
        assert!(is_working_day(d("2024-09-14")));
        assert_eq!(next_working_day(d("2024-09-15")), d("2024-09-18"));
        assert_eq!(add_working_days(d("2024-09-13"), 1), d("2024-09-14"));
    }

    #[test]
    fn holidays_2025_as_published() {
        // 元旦 1月1日（周三）, no 调休.
        assert_eq!(day(d("2025-01-01")), Day::Holiday("元旦".into()));
        assert_eq!(next_working_day(d("2025-01-01")), d("2025-01-02"));
        // 春节 1月28日（除夕）至2月4日; 1月26日（周日）、2月8日（周六）上班.
        assert_eq!(day(d("2025-01-26")), Day::AdjustedWorking("春节".into()));
        assert_eq!(day(d("2025-01-28")), Day::Holiday("春节".into()));
        assert_eq!(day(d("2025-02-04")), Day::Holiday("春节".into()));
        assert_eq!(next_working_day(d("2025-01-28")), d("2025-02-05"));
        assert_eq!(day(d("2025-02-08")), Day::AdjustedWorking("春节".into()));
        assert_eq!(add_working_days(d("2025-01-24"), 2), d("2025-01-27"));
        // 清明节 4月4日至6日, no 调休.
        assert_eq!(next_working_day(d("2025-04-04")), d("2025-04-07"));
        // 劳动节 5月1日至5日; 4月27日（周日）上班.
        assert!(is_working_day(d("2025-04-27")));
        assert_eq!(day(d("2025-05-05")), Day::Holiday("劳动节".into()));
        assert_eq!(next_working_day(d("2025-05-01")), d("2025-05-06"));
        assert!(!is_working_day(d("2025-05-10")), "no 调休 after 劳动节");
        // 端午节 5月31日至6月2日.
        assert_eq!(day(d("2025-06-02")), Day::Holiday("端午节".into()));
        assert_eq!(next_working_day(d("2025-05-31")), d("2025-06-03"));
        // 国庆节、中秋节 10月1日至8日; 9月28日（周日）、10月11日（周六）上班.
        assert_eq!(day(d("2025-10-08")), Day::Holiday("国庆节、中秋节".into()));
        assert!(is_working_day(d("2025-09-28")) && is_working_day(d("2025-10-11")));
        assert_eq!(add_working_days(d("2025-09-30"), 3), d("2025-10-11"));
        assert_eq!(add_working_days(d("2025-09-26"), 2), d("2025-09-29"));
    }

    #[test]
    fn holidays_2026_as_published() {
        // 元旦 1月1日至3日; 1月4日（周日）上班.
        assert_eq!(day(d("2026-01-02")), Day::Holiday("元旦".into()));
        assert_eq!(day(d("2026-01-04")), Day::AdjustedWorking("元旦".into()));
        assert_eq!(next_working_day(d("2026-01-01")), d("2026-01-04"));
        // 春节 2月15日至23日; 2月14日（周六）、2月28日（周六）上班.
        assert!(is_working_day(d("2026-02-14")) && is_working_day(d("2026-02-28")));
        assert_eq!(day(d("2026-02-23")), Day::Holiday("春节".into()));
        assert_eq!(next_working_day(d("2026-02-15")), d("2026-02-24"));
        assert_eq!(add_working_days(d("2026-02-13"), 2), d("2026-02-24"));
        // 清明节 4月4日至6日.
        assert_eq!(next_working_day(d("2026-04-04")), d("2026-04-07"));
        // 劳动节 5月1日至5日; 5月9日（周六）上班.
        assert_eq!(day(d("2026-05-09")), Day::AdjustedWorking("劳动节".into()));
        assert_eq!(next_working_day(d("2026-05-02")), d("2026-05-06"));
        assert_eq!(add_working_days(d("2026-04-30"), 4), d("2026-05-09"));
        // 端午节 6月19日至21日; 中秋节 9月25日至27日.
        assert_eq!(next_working_day(d("2026-06-19")), d("2026-06-22"));
        assert_eq!(day(d("2026-09-25")), Day::Holiday("中秋节".into()));
        // 国庆节 10月1日至7日; 9月20日（周日）、10月10日（周六）上班.
        assert!(is_working_day(d("2026-09-20")) && is_working_day(d("2026-10-10")));
        assert_eq!(next_working_day(d("2026-10-01")), d("2026-10-08"));
        // 10月8日、9日、10日（调休周六）、12日、13日.
        assert_eq!(add_working_days(d("2026-09-30"), 5), d("2026-10-13"));
    }

    #[test]
    fn years_outside_the_table_count_monday_to_friday() {
        let _one_at_a_time = ADDED_YEARS.lock().unwrap_or_else(|e| e.into_inner());
        assert!(covers(2025) && !covers(2027) && !covers(2023));
        assert_eq!(years_known(), "2024—2026");
        assert_eq!(source(2027), None);
        assert!(source(2025).unwrap().contains("国办发明电〔2024〕12号"));
        // 2027-10-01 is a Friday: not known to be a holiday, so a working day.
        assert!(is_working_day(d("2027-10-01")));
        assert_eq!(next_working_day(d("2027-10-02")), d("2027-10-04"));
        assert_eq!(add_working_days(d("2027-10-01"), 5), d("2027-10-08"));
        assert!(fallback_note(d("2027-10-08")).unwrap().contains("2027年"));
        assert_eq!(fallback_note(d("2024-10-08")), None);
        // Across the table's edge: 2026-12-31 (Thursday) + 2 working days.
        assert_eq!(add_working_days(d("2026-12-31"), 2), d("2027-01-04"));
    }
}
