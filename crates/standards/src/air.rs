//! Ambient air: GB 3095 limits, the AQI of HJ 633 and the annual evaluation of HJ 663, in their
//! 2012/2013 versions (data before 2026-03-01) and 2026 versions (from 2026-03-01).
//!
//! Figures are transcribed from `crates/ledger/data/standards.toml` with its source keys in brackets;
//! `tests/standards.rs` checks these tables against that file.
//!
//! - **Edition by date** ([`Edition::for_date`]): data before 2026-03-01 use GB 3095-2012,
//!   HJ 633-2012 and HJ 663-2013; from 2026-03-01 to 2030-12-31 GB 3095-2026's transition
//!   limits (过渡阶段) with HJ 633-2026/HJ 663-2026; from 2031-01-01 its final limits. A day's
//!   IAQI uses the edition of its date; an annual (or year-to-date) statistic is judged by the
//!   edition in force on its last day.
//! - **IAQI**: linear interpolation between breakpoints, IAQI_P = (IAQI_Hi − IAQI_Lo) /
//!   (BP_Hi − BP_Lo) · (C_P − BP_Lo) + IAQI_Lo, computed exactly and reported rounded **up** to
//!   an integer (HJ 633-2026 "向上进位取整数"; HJ 633-2012 is silent and ceiling is the practice,
//!   memory in the reference). Above the last breakpoint: 500. HJ 633-2012: an SO2 1-h value
//!   above 800 has no 1-h IAQI (the 24-h mean is used) and an O3 8-h value above 800 has no
//!   8-h IAQI (the 1-h value is used); HJ 633-2026: they give 200 and 300.
//! - **AQI** = the largest IAQI; level from the integer AQI; primary pollutants (首要污染物) are
//!   all pollutants whose IAQI equals the AQI, when the AQI is above 50; 超标污染物 (IAQI > 100)
//!   only under HJ 633-2012. Daily report: the 24-h means of SO2, NO2, CO, PM10 and PM2.5 and
//!   O3 from its daily max 8-h mean (its daily max 1-h value only when there is no 8-h IAQI);
//!   the daily indicator list is memory in the reference, the O3 rule the practice of
//!   implementations (c8213044658, caiyun_cn_rs).
//!   Hourly (real-time) report: the 1-h values of SO2, NO2, CO and O3, the O3 8-h sliding mean,
//!   and PM2.5/PM10 from their 24-h sliding means under HJ 633-2012 or from their 1-h values on
//!   the 24-h breakpoints under HJ 633-2026.
//! - **Annual evaluation** (HJ 663): the annual mean (SO2, NO2, PM10, PM2.5) of the valid daily
//!   means and a percentile of them (SO2, NO2 98th; PM10, PM2.5, CO 95th; O3 90th of the daily
//!   max 8-h means), by Annex A: k = 1 + (n − 1)·p/100, s = ⌊k⌋,
//!   m = X(s) + (X(s+1) − X(s))·(k − s) (single_source: two code files [c38581199957,
//!   c69317947833]; equals Excel PERCENTILE.INC). Compliance: every statistic within its limit
//!   (memory). Reported digits: integers, CO one decimal (memory), rounded once, GB/T 8170.
//!   HJ 663-2026's three-year sliding evaluation and new rounding rules are known only as
//!   headlines (memory): the 2013 rules are applied to 2026 data too, with the 2026 limits.
//! - **Validity** (GB 3095-2012 Table 4, single source): a daily mean needs ≥ 20 hourly values;
//!   an 8-h mean ≥ 6 hourly values; a daily max 8-h mean ≥ 14 valid 8-h means between 08:00 and
//!   24:00, or fewer when its max exceeds the limit (memory); a year ≥ 324 daily values and
//!   ≥ 27 in each month (25 in February). Applied to all six pollutants.
//! - Hours are labelled by their start: hour 00 is 00:00–01:00; a day is hours 00–23; the 8-h
//!   mean "at 08:00" covers hours 00–07, so a day's 8-h means are those of hours 00–07 … 16–23.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::decimal::{Comparison, Decimal, Mean, Rounding};

const fn d(s: &str) -> Decimal {
    Decimal::lit(s)
}

/// The six basic pollutants of GB 3095 Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pollutant {
    So2,
    No2,
    Pm10,
    Co,
    O3,
    Pm25,
}

impl Pollutant {
    pub const ALL: [Pollutant; 6] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Pm10,
        Pollutant::Co,
        Pollutant::O3,
        Pollutant::Pm25,
    ];

    /// "SO2", "PM2.5": the names of `standards.toml`.
    pub fn code(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Pm10 => "PM10",
            Pollutant::Co => "CO",
            Pollutant::O3 => "O3",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    /// The name in Chinese reports.
    pub fn name_zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "二氧化硫",
            Pollutant::No2 => "二氧化氮",
            Pollutant::Pm10 => "PM10",
            Pollutant::Co => "一氧化碳",
            Pollutant::O3 => "臭氧",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    pub fn unit(self) -> &'static str {
        if self == Pollutant::Co {
            "mg/m³"
        } else {
            "μg/m³"
        }
    }

    /// Decimal places of reported statistics: CO one, the others none (practice; memory).
    pub fn reported_places(self) -> u32 {
        if self == Pollutant::Co { 1 } else { 0 }
    }

    /// The HJ 663 percentile of daily values: SO2, NO2 98; PM10, PM2.5, CO 95; O3 (daily max
    /// 8-h) 90 (c56854677030, c41899861493, c43384453576, c53778129799, cnemc, bsgg).
    pub fn percentile_rank(self) -> u32 {
        match self {
            Pollutant::So2 | Pollutant::No2 => 98,
            Pollutant::Pm10 | Pollutant::Pm25 | Pollutant::Co => 95,
            Pollutant::O3 => 90,
        }
    }

    /// Whether HJ 663 evaluates an annual mean (not for CO and O3).
    pub fn has_annual_mean(self) -> bool {
        !matches!(self, Pollutant::Co | Pollutant::O3)
    }

    /// The averaging of the daily values the annual evaluation takes (O3: daily max 8-h).
    pub fn daily_averaging(self) -> Averaging {
        if self == Pollutant::O3 {
            Averaging::EightHours
        } else {
            Averaging::Day
        }
    }
}

/// An averaging period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Averaging {
    /// 1-hour mean.
    Hour,
    /// O3 8-hour mean: the sliding mean in a real-time report, the daily max 8-h mean
    /// (日最大8小时平均) in a daily report and in the limits.
    EightHours,
    /// 24-hour (daily, 日平均) mean.
    Day,
    /// Annual mean.
    Year,
}

impl Averaging {
    /// The name in `standards.toml`.
    pub fn code(self) -> &'static str {
        match self {
            Averaging::Hour => "1h",
            Averaging::EightHours => "8h",
            Averaging::Day => "24h",
            Averaging::Year => "annual",
        }
    }
}

/// The set of air standards in force for a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// GB 3095-2012, HJ 633-2012, HJ 663-2013: data before 2026-03-01.
    V2012,
    /// GB 3095-2026 transition limits with HJ 633-2026 / HJ 663-2026: 2026-03-01 – 2030-12-31.
    V2026Transition,
    /// GB 3095-2026 final limits: from 2031-01-01.
    V2026Final,
}

/// The date from which the 2026 standards apply (GB 3095-2026, HJ 633-2026, HJ 663-2026).
pub const EFFECTIVE_2026: NaiveDate = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
/// The date from which GB 3095-2026's final limits apply.
pub const FINAL_2031: NaiveDate = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();

impl Edition {
    pub fn for_date(date: NaiveDate) -> Edition {
        if date < EFFECTIVE_2026 {
            Edition::V2012
        } else if date < FINAL_2031 {
            Edition::V2026Transition
        } else {
            Edition::V2026Final
        }
    }

    /// Whether HJ 633-2026 applies.
    pub fn hj633_2026(self) -> bool {
        self != Edition::V2012
    }

    pub fn gb3095(self) -> &'static str {
        match self {
            Edition::V2012 => "GB 3095-2012",
            Edition::V2026Transition => "GB 3095-2026（过渡阶段）",
            Edition::V2026Final => "GB 3095-2026",
        }
    }

    pub fn hj633(self) -> &'static str {
        if self.hj633_2026() {
            "HJ 633-2026"
        } else {
            "HJ 633-2012"
        }
    }

    pub fn hj663(self) -> &'static str {
        if self.hj633_2026() {
            "HJ 663-2026"
        } else {
            "HJ 663-2013"
        }
    }
}

/// The grade of limits: 一级 for 一类区, 二级 for 二类区.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Grade {
    I,
    #[default]
    II,
}

/// One row of GB 3095 Table 1: (grade I, grade II) for each edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRow {
    pub pollutant: Pollutant,
    pub averaging: Averaging,
    pub v2012: [Decimal; 2],
    pub transition: [Decimal; 2],
    pub r#final: [Decimal; 2],
}

const fn lim(
    pollutant: Pollutant,
    averaging: Averaging,
    v2012: [&str; 2],
    transition: [&str; 2],
    f: [&str; 2],
) -> LimitRow {
    LimitRow {
        pollutant,
        averaging,
        v2012: [d(v2012[0]), d(v2012[1])],
        transition: [d(transition[0]), d(transition[1])],
        r#final: [d(f[0]), d(f[1])],
    }
}

/// GB 3095 Table 1 limits (µg/m³; CO mg/m³).
///
/// - 2012 column: `sourced` (onxelh, bsgg, 022net, chujuan) (SO2 1-h: onxelh and the 2026
///   transcription).
/// - 2026 columns: transcribed from the official PDF by one repository (c70228742665);
///   PM2.5 grade II 30/60 (transition) and 10/25 (final I), 25/50 (final II) agree with the
///   news (cinic, haqq, qzcns, shushuxiu); PM10 and O3 rows corroborated [c57178421536,
///   c63167923858]. **single_source**: PM2.5 transition grade I (15/35), SO2 1-h, NO2 1-h, CO
///   rows. **conflict**: final SO2 annual II 20 (card: 40), SO2 daily II 50 (card: 100), NO2
///   daily II 50 (card: 60) (c55672851610); the transcription's values are used.
pub const GB3095: [LimitRow; 14] = {
    use Averaging::*;
    use Pollutant::*;
    [
        lim(So2, Year, ["20", "60"], ["20", "60"], ["20", "20"]),
        lim(So2, Day, ["50", "150"], ["50", "150"], ["50", "50"]),
        lim(So2, Hour, ["150", "500"], ["150", "500"], ["150", "150"]),
        lim(No2, Year, ["40", "40"], ["40", "40"], ["30", "30"]),
        lim(No2, Day, ["80", "80"], ["80", "80"], ["50", "50"]),
        lim(No2, Hour, ["200", "200"], ["200", "200"], ["200", "200"]),
        lim(Co, Day, ["4", "4"], ["4", "4"], ["4", "4"]),
        lim(Co, Hour, ["10", "10"], ["10", "10"], ["10", "10"]),
        lim(
            O3,
            EightHours,
            ["100", "160"],
            ["100", "160"],
            ["100", "160"],
        ),
        lim(O3, Hour, ["160", "200"], ["160", "200"], ["160", "200"]),
        lim(Pm10, Year, ["40", "70"], ["40", "60"], ["20", "50"]),
        lim(Pm10, Day, ["50", "150"], ["50", "120"], ["50", "100"]),
        lim(Pm25, Year, ["15", "35"], ["15", "30"], ["10", "25"]),
        lim(Pm25, Day, ["35", "75"], ["35", "60"], ["25", "50"]),
    ]
};

/// The GB 3095 limit of a pollutant for an averaging period; None when there is none (CO and
/// O3 have no annual limit).
pub fn limit(
    edition: Edition,
    pollutant: Pollutant,
    averaging: Averaging,
    grade: Grade,
) -> Option<Decimal> {
    let row = GB3095
        .iter()
        .find(|r| r.pollutant == pollutant && r.averaging == averaging)?;
    let g = match grade {
        Grade::I => 0,
        Grade::II => 1,
    };
    Some(match edition {
        Edition::V2012 => row.v2012[g],
        Edition::V2026Transition => row.transition[g],
        Edition::V2026Final => row.r#final[g],
    })
}

/// The IAQI at each breakpoint.
pub const IAQI_LEVELS: [u32; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

/// A breakpoint list: the concentration at IAQI 0, 50, 100, 150, 200, 300, 400, 500 (shorter
/// for SO2 1-h and O3 8-h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakpoints {
    pub pollutant: Pollutant,
    pub averaging: Averaging,
    pub concentrations: &'static [Decimal],
}

const fn bp(pollutant: Pollutant, averaging: Averaging, c: &'static [Decimal]) -> Breakpoints {
    Breakpoints {
        pollutant,
        averaging,
        concentrations: c,
    }
}

/// HJ 633-2012 Table 1, `sourced`: the columns agree across [c29849714865, c25097219892,
/// c4906882867, c42622218614, c31789910589, caiyun tests, sz_realtime]. Rejected copies: SO2
/// 24-h top 2602 (c2420349225 and its family), SO2 24-h = 1-h column (caiyun_cn_rs), SO2 24-h
/// at 50 = "52" (c29849714865).
pub const HJ633_2012: [Breakpoints; 10] = {
    use Averaging::*;
    use Pollutant::*;
    [
        bp(
            So2,
            Day,
            &[
                d("0"),
                d("50"),
                d("150"),
                d("475"),
                d("800"),
                d("1600"),
                d("2100"),
                d("2620"),
            ],
        ),
        // Real-time only; above 800 no 1-h IAQI.
        bp(So2, Hour, &[d("0"), d("150"), d("500"), d("650"), d("800")]),
        bp(
            No2,
            Day,
            &[
                d("0"),
                d("40"),
                d("80"),
                d("180"),
                d("280"),
                d("565"),
                d("750"),
                d("940"),
            ],
        ),
        bp(
            No2,
            Hour,
            &[
                d("0"),
                d("100"),
                d("200"),
                d("700"),
                d("1200"),
                d("2340"),
                d("3090"),
                d("3840"),
            ],
        ),
        bp(
            Pm10,
            Day,
            &[
                d("0"),
                d("50"),
                d("150"),
                d("250"),
                d("350"),
                d("420"),
                d("500"),
                d("600"),
            ],
        ),
        bp(
            Co,
            Day,
            &[
                d("0"),
                d("2"),
                d("4"),
                d("14"),
                d("24"),
                d("36"),
                d("48"),
                d("60"),
            ],
        ),
        bp(
            Co,
            Hour,
            &[
                d("0"),
                d("5"),
                d("10"),
                d("35"),
                d("60"),
                d("90"),
                d("120"),
                d("150"),
            ],
        ),
        bp(
            O3,
            Hour,
            &[
                d("0"),
                d("160"),
                d("200"),
                d("300"),
                d("400"),
                d("800"),
                d("1000"),
                d("1200"),
            ],
        ),
        // Above 800 no 8-h IAQI.
        bp(
            O3,
            EightHours,
            &[d("0"), d("100"), d("160"), d("215"), d("265"), d("800")],
        ),
        bp(
            Pm25,
            Day,
            &[
                d("0"),
                d("35"),
                d("75"),
                d("115"),
                d("150"),
                d("250"),
                d("350"),
                d("500"),
            ],
        ),
    ]
};

/// HJ 633-2026: PM2.5 and PM10 24-h breakpoints changed; the others as in 2012 (`sourced` by
/// seven or more implementations, not the official text [c70523547893, c58723251430,
/// c58815144680, c56739244655, c70466923733, c68921744576, c71647001299, c53788445361]).
pub const HJ633_2026_CHANGES: [Breakpoints; 2] = [
    bp(
        Pollutant::Pm25,
        Averaging::Day,
        &[
            d("0"),
            d("35"),
            d("60"),
            d("115"),
            d("150"),
            d("250"),
            d("350"),
            d("500"),
        ],
    ),
    bp(
        Pollutant::Pm10,
        Averaging::Day,
        &[
            d("0"),
            d("50"),
            d("120"),
            d("250"),
            d("350"),
            d("420"),
            d("500"),
            d("600"),
        ],
    ),
];

/// The breakpoints for a pollutant and averaging under an edition. PM 1-h values use the 24-h
/// breakpoints under HJ 633-2026 and have none under HJ 633-2012.
pub fn breakpoints(
    edition: Edition,
    pollutant: Pollutant,
    averaging: Averaging,
) -> Option<&'static [Decimal]> {
    let pm = matches!(pollutant, Pollutant::Pm10 | Pollutant::Pm25);
    let averaging = if pm && averaging == Averaging::Hour {
        if !edition.hj633_2026() {
            return None;
        }
        Averaging::Day
    } else {
        averaging
    };
    if edition.hj633_2026()
        && let Some(b) = HJ633_2026_CHANGES
            .iter()
            .find(|b| b.pollutant == pollutant && b.averaging == averaging)
    {
        return Some(b.concentrations);
    }
    HJ633_2012
        .iter()
        .find(|b| b.pollutant == pollutant && b.averaging == averaging)
        .map(|b| b.concentrations)
}

/// An individual air quality index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Iaqi {
    /// The reported IAQI: the exact value rounded up.
    pub value: u32,
    /// The exact value to two decimals (half-even), for display.
    pub exact: Decimal,
}

impl Iaqi {
    fn whole(v: u32) -> Iaqi {
        Iaqi {
            value: v,
            exact: Decimal::new(v as i128 * 100, 2),
        }
    }
}

/// The IAQI of a concentration. None when there is no table for it, when the concentration is
/// negative, or under HJ 633-2012 for SO2 1-h above 800 and O3 8-h above 800 (where the other
/// averaging is used instead).
pub fn iaqi(
    edition: Edition,
    pollutant: Pollutant,
    averaging: Averaging,
    c: Decimal,
) -> Option<Iaqi> {
    if c.is_negative() {
        return None;
    }
    let bps = breakpoints(edition, pollutant, averaging)?;
    let top = *bps.last()?;
    if c > top {
        return match (pollutant, averaging, edition.hj633_2026()) {
            (Pollutant::So2, Averaging::Hour, false)
            | (Pollutant::O3, Averaging::EightHours, false) => None,
            (Pollutant::So2, Averaging::Hour, true) => Some(Iaqi::whole(200)),
            (Pollutant::O3, Averaging::EightHours, true) => Some(Iaqi::whole(300)),
            _ => Some(Iaqi::whole(500)),
        };
    }
    let i = bps.windows(2).position(|w| c <= w[1])?;
    let (lo, hi) = (bps[i], bps[i + 1]);
    let (il, ih) = (IAQI_LEVELS[i], IAQI_LEVELS[i + 1]);
    let num = (c - lo) * Decimal::from_i64((ih - il) as i64);
    let den = hi - lo;
    let up = num.div_round(den, 0, Rounding::Ceiling)?;
    let exact = num.div_round(den, 2, Rounding::HalfEven)?;
    Some(Iaqi {
        value: il + up.mantissa() as u32,
        exact: Decimal::from_i64(il as i64) + exact,
    })
}

/// An AQI level (空气质量指数级别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AqiLevel {
    Excellent,
    Good,
    Light,
    Moderate,
    Heavy,
    Severe,
}

impl AqiLevel {
    pub const ALL: [AqiLevel; 6] = [
        AqiLevel::Excellent,
        AqiLevel::Good,
        AqiLevel::Light,
        AqiLevel::Moderate,
        AqiLevel::Heavy,
        AqiLevel::Severe,
    ];

    /// 0–50, 51–100, 101–150, 151–200, 201–300, > 300 (caiyun_readme, ai_classes, alen0769);
    /// unchanged in HJ 633-2026.
    pub fn of(aqi: u32) -> AqiLevel {
        match aqi {
            0..=50 => AqiLevel::Excellent,
            51..=100 => AqiLevel::Good,
            101..=150 => AqiLevel::Light,
            151..=200 => AqiLevel::Moderate,
            201..=300 => AqiLevel::Heavy,
            _ => AqiLevel::Severe,
        }
    }

    /// The AQI range (the last is 301–500).
    pub fn range(self) -> (u32, u32) {
        [
            (0, 50),
            (51, 100),
            (101, 150),
            (151, 200),
            (201, 300),
            (301, 500),
        ][self as usize]
    }

    /// 一级 … 六级.
    pub fn level_zh(self) -> &'static str {
        ["一级", "二级", "三级", "四级", "五级", "六级"][self as usize]
    }

    /// 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染.
    pub fn category_zh(self) -> &'static str {
        ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"][self as usize]
    }

    pub fn colour_zh(self) -> &'static str {
        ["绿色", "黄色", "橙色", "红色", "紫色", "褐红色"][self as usize]
    }

    pub fn rgb(self) -> [u8; 3] {
        [
            [0, 228, 0],
            [255, 255, 0],
            [255, 126, 0],
            [255, 0, 0],
            [153, 0, 76],
            [126, 0, 35],
        ][self as usize]
    }

    /// 优良天: AQI ≤ 100.
    pub fn good_day(self) -> bool {
        self <= AqiLevel::Good
    }
}

/// A concentration to index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub pollutant: Pollutant,
    pub averaging: Averaging,
    pub value: Decimal,
}

impl Reading {
    pub fn new(pollutant: Pollutant, averaging: Averaging, value: Decimal) -> Reading {
        Reading {
            pollutant,
            averaging,
            value,
        }
    }
}

/// Which report an AQI is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    /// 日报: daily means.
    Daily,
    /// 实时报: hourly values.
    Hourly,
}

/// The IAQI that counted for a pollutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollutantIndex {
    pub pollutant: Pollutant,
    /// The averaging of the reading it came from.
    pub averaging: Averaging,
    pub iaqi: Iaqi,
}

/// An AQI with its level and pollutants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aqi {
    pub value: u32,
    pub level: AqiLevel,
    /// 首要污染物: the pollutants whose IAQI is the AQI, when the AQI is above 50.
    pub primary: Vec<Pollutant>,
    /// 超标污染物 (IAQI > 100), HJ 633-2012 only.
    pub exceeding: Vec<Pollutant>,
    /// Each pollutant's IAQI, in [`Pollutant::ALL`] order.
    pub indices: Vec<PollutantIndex>,
}

/// The AQI of a report from its readings (see the module docs for which readings count). None
/// when no reading gives an IAQI.
pub fn aqi(edition: Edition, report: Report, readings: &[Reading]) -> Option<Aqi> {
    use Averaging::*;
    let index = |p: Pollutant, a: Averaging| -> Option<PollutantIndex> {
        let r = readings
            .iter()
            .find(|r| r.pollutant == p && r.averaging == a)?;
        iaqi(edition, p, a, r.value).map(|iaqi| PollutantIndex {
            pollutant: p,
            averaging: a,
            iaqi,
        })
    };
    let max = |a: Option<PollutantIndex>, b: Option<PollutantIndex>| match (a, b) {
        (Some(x), Some(y)) => Some(if y.iaqi.value > x.iaqi.value { y } else { x }),
        (x, y) => x.or(y),
    };
    let mut indices = Vec::new();
    for p in Pollutant::ALL {
        let i = match (report, p) {
            (Report::Daily, Pollutant::O3) => index(p, EightHours).or_else(|| index(p, Hour)),
            (Report::Daily, _) => index(p, Day),
            (Report::Hourly, Pollutant::So2) => index(p, Hour).or_else(|| {
                // HJ 633-2012: above 800 the 1-h value has no IAQI; use the 24-h mean.
                readings
                    .iter()
                    .any(|r| r.pollutant == p && r.averaging == Hour)
                    .then(|| index(p, Day))
                    .flatten()
            }),
            (Report::Hourly, Pollutant::O3) => max(index(p, Hour), index(p, EightHours)),
            (Report::Hourly, Pollutant::Pm10 | Pollutant::Pm25) => {
                if edition.hj633_2026() {
                    index(p, Hour).or_else(|| index(p, Day))
                } else {
                    index(p, Day)
                }
            }
            (Report::Hourly, _) => index(p, Hour),
        };
        indices.extend(i);
    }
    let value = indices.iter().map(|i| i.iaqi.value).max()?;
    let primary = if value > 50 {
        indices
            .iter()
            .filter(|i| i.iaqi.value == value)
            .map(|i| i.pollutant)
            .collect()
    } else {
        Vec::new()
    };
    let exceeding = if edition.hj633_2026() {
        Vec::new()
    } else {
        indices
            .iter()
            .filter(|i| i.iaqi.value > 100)
            .map(|i| i.pollutant)
            .collect()
    };
    Some(Aqi {
        value,
        level: AqiLevel::of(value),
        primary,
        exceeding,
        indices,
    })
}

// ---------------------------------------------------------------------------------------------
// HJ 663: daily values and the annual evaluation

/// GB 3095-2012 Table 4 minima (single source (c16667225132); the O3 max 8-h rule is memory).
pub mod validity {
    /// Hourly values for a valid daily mean.
    pub const MIN_HOURS_PER_DAY: u32 = 20;
    /// Hourly values for a valid 8-h mean.
    pub const MIN_HOURS_PER_8H: u32 = 6;
    /// Valid 8-h means (08:00–24:00) for a valid daily max 8-h mean (memory).
    pub const MIN_8H_PER_DAY: u32 = 14;
    /// Daily values per year.
    pub const MIN_DAYS_PER_YEAR: usize = 324;
    /// Daily values per month.
    pub const MIN_DAYS_PER_MONTH: usize = 27;
    /// Daily values in February.
    pub const MIN_DAYS_FEBRUARY: usize = 25;
}

/// A daily value: a daily mean, or O3's daily max 8-h mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayValue {
    pub date: NaiveDate,
    /// None when the day does not have enough data.
    pub value: Option<Decimal>,
    /// Hourly values (daily mean) or valid 8-h means (daily max 8-h) it was made from.
    pub count: u32,
}

/// Daily means of hourly values (sorted by time): valid with ≥ 20 hourly values. The mean is
/// kept at six more decimal places than the data (an intermediate figure; the one rounding is
/// the reported statistic's).
pub fn daily_means(hourly: &[(NaiveDateTime, Decimal)]) -> Vec<DayValue> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < hourly.len() {
        let date = hourly[i].0.date();
        let mut sum = Decimal::ZERO;
        let mut n = 0u32;
        while i < hourly.len() && hourly[i].0.date() == date {
            sum = sum + hourly[i].1;
            n += 1;
            i += 1;
        }
        let value = (n >= validity::MIN_HOURS_PER_DAY)
            .then(|| Mean::from_sum(sum, n as u64).map(|m| m.fine()))
            .flatten();
        out.push(DayValue {
            date,
            value,
            count: n,
        });
    }
    out
}

/// Daily max 8-h means of hourly O3 values (sorted by time): the 8-h means of hours 00–07 …
/// 16–23 of each day, each valid with ≥ 6 hourly values; the day is valid with ≥ 14 valid 8-h
/// means, or with fewer when its max exceeds `limit` (the O3 8-h limit of the grade judged).
pub fn daily_max_8h(hourly: &[(NaiveDateTime, Decimal)], limit: Option<Decimal>) -> Vec<DayValue> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < hourly.len() {
        let date = hourly[i].0.date();
        let mut hours: [Option<Decimal>; 24] = [None; 24];
        while i < hourly.len() && hourly[i].0.date() == date {
            hours[hourly[i].0.hour() as usize] = Some(hourly[i].1);
            i += 1;
        }
        let mut best: Option<Decimal> = None;
        let mut valid = 0u32;
        for start in 0..=16 {
            let window = &hours[start..start + 8];
            let n = window.iter().flatten().count() as u32;
            if n < validity::MIN_HOURS_PER_8H {
                continue;
            }
            let sum: Decimal = window.iter().flatten().copied().sum();
            let m = Mean::from_sum(sum, n as u64).expect("n > 0").fine();
            valid += 1;
            best = Some(best.map_or(m, |b| b.max(m)));
        }
        let ok = valid >= validity::MIN_8H_PER_DAY
            || matches!((best, limit), (Some(b), Some(l)) if b > l);
        out.push(DayValue {
            date,
            value: best.filter(|_| ok),
            count: valid,
        });
    }
    out
}

/// The HJ 663 Annex A percentile of values (any order): k = 1 + (n − 1)·p/100, s = ⌊k⌋,
/// m = X(s) + (X(s+1) − X(s))·(k − s), exact. None for no values. The formula is
/// `single_source` in the reference (two code files), the clause wording memory.
pub fn percentile(values: &[Decimal], p: u32) -> Option<Decimal> {
    let mut v = values.to_vec();
    v.sort_unstable();
    percentile_sorted(&v, p)
}

/// [`percentile`] of values already sorted ascending.
pub fn percentile_sorted(sorted: &[Decimal], p: u32) -> Option<Decimal> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let t = (n - 1) * p as usize;
    let s = 1 + t / 100;
    let frac = (t % 100) as i128;
    let xs = sorted[s - 1];
    if frac == 0 || s >= n {
        return Some(xs);
    }
    let step = sorted[s] - xs;
    Some(xs + step * Decimal::new(frac, 2))
}

/// The data completeness of a year of daily values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    /// ≥ 324 valid days and enough in every month.
    pub valid: bool,
    pub days: usize,
    /// Months (1–12) short of their minimum, with the days they have and need.
    pub short_months: Vec<(u32, usize, usize)>,
}

/// Checks a year's valid daily values against GB 3095-2012 Table 4.
pub fn year_validity(dates: &[NaiveDate]) -> Validity {
    let mut per_month = [0usize; 12];
    for d in dates {
        per_month[d.month0() as usize] += 1;
    }
    let short_months: Vec<(u32, usize, usize)> = (0..12)
        .filter_map(|m| {
            let need = if m == 1 {
                validity::MIN_DAYS_FEBRUARY
            } else {
                validity::MIN_DAYS_PER_MONTH
            };
            (per_month[m] < need).then_some((m as u32 + 1, per_month[m], need))
        })
        .collect();
    Validity {
        valid: dates.len() >= validity::MIN_DAYS_PER_YEAR && short_months.is_empty(),
        days: dates.len(),
        short_months,
    }
}

/// One pollutant's annual (or year-to-date) evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annual {
    pub pollutant: Pollutant,
    pub edition: Edition,
    pub grade: Grade,
    pub validity: Validity,
    /// The annual mean, exact (for the pollutants that have one).
    #[serde(skip)]
    pub mean_exact: Option<Mean>,
    /// The annual mean as reported (integers; CO one decimal).
    pub mean: Option<Decimal>,
    pub percentile_rank: u32,
    /// The percentile of daily values, exact.
    pub percentile_exact: Option<Decimal>,
    /// The percentile as reported.
    pub percentile: Option<Decimal>,
    pub annual_limit: Option<Decimal>,
    /// The 24-h limit (O3: daily max 8-h).
    pub daily_limit: Option<Decimal>,
    /// Every statistic within its limit; None without data.
    pub meets: Option<bool>,
}

/// The HJ 663 evaluation of a pollutant's valid daily values (O3: daily max 8-h means) over a
/// year or part of one, judged by the edition in force on the last day and compared by
/// `comparison` (全数值 or 修约值 at the reported digits).
pub fn annual(
    pollutant: Pollutant,
    daily: &[(NaiveDate, Decimal)],
    grade: Grade,
    comparison: Comparison,
) -> Annual {
    let last = daily.iter().map(|(d, _)| *d).max();
    let edition = last.map_or(Edition::V2012, Edition::for_date);
    let dates: Vec<NaiveDate> = daily.iter().map(|(d, _)| *d).collect();
    let values: Vec<Decimal> = daily.iter().map(|(_, v)| *v).collect();
    let interval = Decimal::new(1, pollutant.reported_places());
    let mean_exact = if pollutant.has_annual_mean() {
        Mean::of(values.iter().copied())
    } else {
        None
    };
    let rank = pollutant.percentile_rank();
    let percentile_exact = percentile(&values, rank);
    let annual_limit = limit(edition, pollutant, Averaging::Year, grade);
    let daily_limit = limit(edition, pollutant, pollutant.daily_averaging(), grade);
    let mean_ok = match (mean_exact, annual_limit) {
        (Some(m), Some(l)) => Some(match comparison {
            Comparison::FullValue => m.cmp_to(l).is_le(),
            Comparison::Rounded => m.round(interval) <= l,
        }),
        _ => None,
    };
    let pct_ok = match (percentile_exact, daily_limit) {
        (Some(p), Some(l)) => Some(match comparison {
            Comparison::FullValue => p <= l,
            Comparison::Rounded => p.round(interval) <= l,
        }),
        _ => None,
    };
    let meets = match (mean_ok, pct_ok) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(true) && b.unwrap_or(true)),
    };
    Annual {
        pollutant,
        edition,
        grade,
        validity: year_validity(&dates),
        mean_exact,
        mean: mean_exact.map(|m| m.round(interval)),
        percentile_rank: rank,
        percentile_exact,
        percentile: percentile_exact.map(|p| p.round(interval)),
        annual_limit,
        daily_limit,
        meets,
    }
}

/// Daily values of one pollutant from hourly data (sorted by time): daily means, or O3's daily
/// max 8-h means judged against the grade's O3 8-h limit of each day's edition. Only valid days.
pub fn daily_values(
    pollutant: Pollutant,
    hourly: &[(NaiveDateTime, Decimal)],
    grade: Grade,
) -> Vec<(NaiveDate, Decimal)> {
    let days = if pollutant == Pollutant::O3 {
        // The limit only matters for the exception; it is the same (160/100) in every edition.
        let l = limit(Edition::V2012, Pollutant::O3, Averaging::EightHours, grade);
        daily_max_8h(hourly, l)
    } else {
        daily_means(hourly)
    };
    days.into_iter()
        .filter_map(|d| d.value.map(|v| (d.date, v)))
        .collect()
}

/// The daily AQI of each date from daily values per pollutant (each date with at least one
/// value), with the edition of each date.
pub fn daily_aqi(daily: &BTreeMap<Pollutant, Vec<(NaiveDate, Decimal)>>) -> Vec<(NaiveDate, Aqi)> {
    let mut by_date: BTreeMap<NaiveDate, Vec<Reading>> = BTreeMap::new();
    for (&p, days) in daily {
        for &(date, v) in days {
            by_date
                .entry(date)
                .or_default()
                .push(Reading::new(p, p.daily_averaging(), v));
        }
    }
    by_date
        .into_iter()
        .filter_map(|(date, r)| aqi(Edition::for_date(date), Report::Daily, &r).map(|a| (date, a)))
        .collect()
}
