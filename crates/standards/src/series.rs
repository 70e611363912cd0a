//! Monitoring series: sites, observations, and reading them from CSV text.
//!
//! Architecture invariant: pure — [`parse_csv`] takes the text (already decoded) and returns
//! the series or **every** error, each naming its line and column; with any error it returns
//! nothing.
//!
//! The CSV:
//! - The first non-empty line is the header. Columns are found by their header, in Chinese or
//!   English ("时间"/"time", "项目"/"item", "值"/"value", "点位"/"site", "标识"/"flag"; see
//!   [`Columns`] for the names recognised), or by names the caller sets.
//! - **Long format**: one observation per line, with an item column and a value column.
//!   **Wide format**: no item column; every other column is an item ("时间,点位,SO2,NO2,…,
//!   PM2.5"), one line per time.
//! - Values are decimals, or below the detection limit: "ND", "未检出", "<0.01", "0.01L",
//!   "ND(0.01)". An "ND" without a limit takes the item's limit from [`CsvOptions`]; without
//!   one it is an error. Blank cells ("", "-", "—", "/", "NA") are missing data, skipped and
//!   counted.
//! - Times: "2024-01-15", "2024/1/15", "2024-01-15 08:00", "2024-01-15 08:00:00",
//!   "2024-01-15T08:00:00", "2024年1月15日", "2024年1月15日 8时", "20240115". A month alone ("2024-06", "2024年6月") stands for the
//!   month's last day, a year alone ("2024年") for 31 December: a period's value is known at
//!   its end. Hours are labelled by their start (00 = 00:00–01:00).
//! - The same site, item and time twice: the later line wins and the pair is reported.
//!   Observations are returned sorted by site, item and time.
//! - Quoted fields ("a,b") are read; a quoted field cannot span lines.

use std::collections::HashMap;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::air::{Averaging, Pollutant};
use crate::decimal::{Decimal, DecimalError, Measurement, NonDetect};
use crate::water::WaterItem;

/// What a site measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A water-quality point or section (点位, 断面).
    Water,
    /// An air-quality station (站点).
    Air,
    /// A statistical series (统计数据), e.g. a district's growth rates.
    Statistic,
}

/// A monitoring site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    pub kind: SiteKind,
    /// A lake or reservoir (湖、库): TP on the lake column.
    pub lake: bool,
}

/// An index into [`Series::sites`].
pub type SiteId = u32;

/// An air item as monitoring data name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AirItem {
    So2,
    No2,
    Co,
    /// O3 as measured: 1-h values (hourly data) or the daily max 1-h (daily data).
    O3,
    /// O3 8-h: the sliding mean (hourly data) or the daily max 8-h mean (daily data).
    O3EightHours,
    Pm10,
    Pm25,
}

impl AirItem {
    pub fn pollutant(self) -> Pollutant {
        match self {
            AirItem::So2 => Pollutant::So2,
            AirItem::No2 => Pollutant::No2,
            AirItem::Co => Pollutant::Co,
            AirItem::O3 | AirItem::O3EightHours => Pollutant::O3,
            AirItem::Pm10 => Pollutant::Pm10,
            AirItem::Pm25 => Pollutant::Pm25,
        }
    }

    /// The item carrying a pollutant's raw (1-h or daily) values.
    pub fn of(p: Pollutant) -> AirItem {
        match p {
            Pollutant::So2 => AirItem::So2,
            Pollutant::No2 => AirItem::No2,
            Pollutant::Co => AirItem::Co,
            Pollutant::O3 => AirItem::O3,
            Pollutant::Pm10 => AirItem::Pm10,
            Pollutant::Pm25 => AirItem::Pm25,
        }
    }

    /// The averaging of its values in daily data.
    pub fn daily_averaging(self) -> Averaging {
        match self {
            AirItem::O3 => Averaging::Hour,
            AirItem::O3EightHours => Averaging::EightHours,
            _ => Averaging::Day,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            AirItem::O3EightHours => "臭氧8小时",
            _ => self.pollutant().name_zh(),
        }
    }
}

/// What an observation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Water(WaterItem),
    Air(AirItem),
    /// A statistic, by its index in [`Series::statistics`].
    Statistic(u16),
}

impl Item {
    /// The water or air item a name stands for ("总磷", "TP", "PM2.5", "pm25", "溶解氧",
    /// "O3-8h"…), case, width, spacing, punctuation and a bracketed unit ignored.
    pub fn resolve(name: &str, kind: SiteKind) -> Option<Item> {
        let full = normalize(name, false);
        let cut = normalize(name, true);
        let find = |n: &str| match kind {
            SiteKind::Water => WATER_NAMES
                .iter()
                .find(|(a, _)| *a == n)
                .map(|(_, i)| Item::Water(*i)),
            SiteKind::Air => AIR_NAMES
                .iter()
                .find(|(a, _)| *a == n)
                .map(|(_, i)| Item::Air(*i)),
            SiteKind::Statistic => None,
        };
        find(&full).or_else(|| find(&cut))
    }
}

/// Lower case, ASCII for full-width forms and subscripts, letters and digits only; with `cut`,
/// from the first bracket on dropped ("PM2.5(μg/m³)" → "pm25").
fn normalize(name: &str, cut: bool) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if cut && matches!(c, '(' | '（' | '[' | '【') {
            break;
        }
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '₀'..='₉' => char::from_u32(c as u32 - '₀' as u32 + '0' as u32).unwrap_or(c),
            '⁰' => '0',
            '¹' => '1',
            '²' => '2',
            '³' => '3',
            '⁴'..='⁹' => char::from_u32(c as u32 - '⁴' as u32 + '4' as u32).unwrap_or(c),
            'Ⅵ' => 'v',
            _ => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Water item names, normalised.
const WATER_NAMES: &[(&str, WaterItem)] = {
    use WaterItem::*;
    &[
        ("水温", WaterTemperature),
        ("watertemperature", WaterTemperature),
        ("temperature", WaterTemperature),
        ("wt", WaterTemperature),
        ("ph", Ph),
        ("ph值", Ph),
        ("溶解氧", Do),
        ("do", Do),
        ("dissolvedoxygen", Do),
        ("高锰酸盐指数", CodMn),
        ("codmn", CodMn),
        ("imn", CodMn),
        ("permanganateindex", CodMn),
        ("化学需氧量", Cod),
        ("cod", Cod),
        ("codcr", Cod),
        ("五日生化需氧量", Bod5),
        ("生化需氧量", Bod5),
        ("bod5", Bod5),
        ("bod", Bod5),
        ("氨氮", Nh3N),
        ("nh3n", Nh3N),
        ("nh4n", Nh3N),
        ("ammonianitrogen", Nh3N),
        ("总磷", Tp),
        ("总磷以p计", Tp),
        ("tp", Tp),
        ("totalphosphorus", Tp),
        ("总氮", Tn),
        ("总氮以n计", Tn),
        ("总氮湖库以n计", Tn),
        ("tn", Tn),
        ("totalnitrogen", Tn),
        ("铜", Cu),
        ("cu", Cu),
        ("锌", Zn),
        ("zn", Zn),
        ("氟化物", Fluoride),
        ("氟化物以f计", Fluoride),
        ("fluoride", Fluoride),
        ("硒", Se),
        ("se", Se),
        ("砷", As),
        ("as", As),
        ("汞", Hg),
        ("hg", Hg),
        ("镉", Cd),
        ("cd", Cd),
        ("铬六价", Cr6),
        ("六价铬", Cr6),
        ("cr6", Cr6),
        ("crvi", Cr6),
        ("crv", Cr6),
        ("铅", Pb),
        ("pb", Pb),
        ("氰化物", Cyanide),
        ("cyanide", Cyanide),
        ("cn", Cyanide),
        ("挥发酚", VolatilePhenol),
        ("volatilephenol", VolatilePhenol),
        ("volatilephenols", VolatilePhenol),
        ("石油类", Petroleum),
        ("petroleum", Petroleum),
        ("阴离子表面活性剂", Las),
        ("las", Las),
        ("硫化物", Sulfide),
        ("sulfide", Sulfide),
        ("粪大肠菌群", FecalColiform),
        ("fecalcoliform", FecalColiform),
        ("fecalcoliforms", FecalColiform),
        ("叶绿素a", Chla),
        ("叶绿素", Chla),
        ("chla", Chla),
        ("chlorophylla", Chla),
        ("透明度", Sd),
        ("sd", Sd),
        ("secchidepth", Sd),
        ("transparency", Sd),
    ]
};

/// Air item names, normalised.
const AIR_NAMES: &[(&str, AirItem)] = {
    use AirItem::*;
    &[
        ("so2", So2),
        ("二氧化硫", So2),
        ("no2", No2),
        ("二氧化氮", No2),
        ("co", Co),
        ("一氧化碳", Co),
        ("o3", O3),
        ("o31h", O3),
        ("o31小时", O3),
        ("臭氧", O3),
        ("臭氧1小时", O3),
        ("ozone", O3),
        ("o38h", O3EightHours),
        ("o38小时", O3EightHours),
        ("臭氧8小时", O3EightHours),
        ("o38h滑动平均", O3EightHours),
        ("臭氧8小时滑动平均", O3EightHours),
        ("pm10", Pm10),
        ("可吸入颗粒物", Pm10),
        ("pm25", Pm25),
        ("细颗粒物", Pm25),
    ]
};

/// A value as observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Measured(Decimal),
    /// Below the detection limit given.
    BelowLimit(Decimal),
}

impl Value {
    /// The value for a mean: below-limit results per the policy.
    pub fn for_mean(self, policy: NonDetect) -> Decimal {
        match self {
            Value::Measured(v) => v,
            Value::BelowLimit(l) => policy.substitute(l),
        }
    }
}

/// One observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub site: SiteId,
    pub item: Item,
    pub time: NaiveDateTime,
    pub value: Value,
    /// The data flag, by its index in [`Series::flags`].
    pub flag: Option<u16>,
    /// False when the flag is one of the invalid flags of the import.
    pub valid: bool,
}

/// Sites and their observations, sorted by site, item and time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub sites: Vec<Site>,
    /// Names of statistic items.
    pub statistics: Vec<String>,
    /// Flags seen.
    pub flags: Vec<String>,
    pub observations: Vec<Observation>,
}

impl Series {
    pub fn site_id(&self, name: &str) -> Option<SiteId> {
        self.sites
            .iter()
            .position(|s| s.name == name)
            .map(|i| i as SiteId)
    }

    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id as usize]
    }

    /// The statistic item of a name, if the series has it.
    pub fn statistic(&self, name: &str) -> Option<Item> {
        self.statistics
            .iter()
            .position(|s| s == name)
            .map(|i| Item::Statistic(i as u16))
    }

    /// An item's name for people.
    pub fn item_name(&self, item: Item) -> &str {
        match item {
            Item::Water(w) => w.name_zh(),
            Item::Air(a) => a.name_zh(),
            Item::Statistic(i) => self.statistics.get(i as usize).map_or("", |s| s.as_str()),
        }
    }

    pub fn flag(&self, o: &Observation) -> Option<&str> {
        o.flag
            .and_then(|f| self.flags.get(f as usize))
            .map(|s| s.as_str())
    }

    /// The observations of one site and item, by time.
    pub fn of(&self, site: SiteId, item: Item) -> &[Observation] {
        let lo = self
            .observations
            .partition_point(|o| (o.site, o.item) < (site, item));
        let hi = self
            .observations
            .partition_point(|o| (o.site, o.item) <= (site, item));
        &self.observations[lo..hi]
    }
}

/// Header names for the columns; None uses the names recognised by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub time: Option<String>,
    pub item: Option<String>,
    pub value: Option<String>,
    pub site: Option<String>,
    pub flag: Option<String>,
}

const TIME_NAMES: &[&str] = &[
    "time",
    "datetime",
    "date",
    "timestamp",
    "时间",
    "日期",
    "监测时间",
    "采样时间",
    "采样日期",
    "监测日期",
    "日期时间",
];
const ITEM_NAMES: &[&str] = &[
    "item",
    "indicator",
    "parameter",
    "pollutant",
    "项目",
    "指标",
    "监测项目",
    "污染物",
    "监测指标",
    "因子",
    "监测因子",
];
const VALUE_NAMES: &[&str] = &[
    "value",
    "concentration",
    "result",
    "结果",
    "监测值",
    "数值",
    "浓度",
    "值",
    "监测结果",
    "浓度值",
];
const SITE_NAMES: &[&str] = &[
    "site",
    "station",
    "point",
    "点位",
    "站点",
    "断面",
    "监测点位",
    "点位名称",
    "站点名称",
    "断面名称",
    "监测点",
    "站名",
];
const FLAG_NAMES: &[&str] = &["flag", "标识", "标记", "数据标识", "状态", "标志", "qc"];

/// How to read a CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvOptions {
    /// The kind of every site in the file.
    pub kind: SiteKind,
    /// Whether the sites are lakes or reservoirs.
    pub lake: bool,
    /// The site of every line when the file has no site column.
    pub site: Option<String>,
    pub delimiter: char,
    pub columns: Columns,
    /// Detection limits for "ND" results that do not state theirs.
    pub detection_limits: Vec<(Item, Decimal)>,
    /// Flags that mark a value invalid (e.g. CNEMC-style codes); compared exactly.
    pub invalid_flags: Vec<String>,
    /// Wide format: header names of columns that are not items and are to be ignored.
    pub ignore: Vec<String>,
}

impl CsvOptions {
    pub fn new(kind: SiteKind) -> CsvOptions {
        CsvOptions {
            kind,
            lake: false,
            site: None,
            delimiter: ',',
            columns: Columns::default(),
            detection_limits: Vec::new(),
            invalid_flags: Vec::new(),
            ignore: Vec::new(),
        }
    }

    pub fn water(lake: bool) -> CsvOptions {
        CsvOptions {
            lake,
            ..CsvOptions::new(SiteKind::Water)
        }
    }

    pub fn air() -> CsvOptions {
        CsvOptions::new(SiteKind::Air)
    }

    pub fn statistic() -> CsvOptions {
        CsvOptions::new(SiteKind::Statistic)
    }
}

/// What is wrong with a cell, a line or the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvErrorKind {
    /// The text has no header line.
    Empty,
    /// A required column is not in the header.
    MissingColumn,
    /// Two header cells name the same column.
    DuplicateColumn,
    /// A line has fewer cells than the header.
    MissingCell,
    NotANumber(String),
    UnknownItem(String),
    BadTime(String),
    /// "ND" with no detection limit given or configured.
    NoDetectionLimit(String),
    /// A site name is empty.
    EmptySite,
}

/// An error, with the line (1-based, the header being its line) and the column (the header
/// cell, or the expected column's name when it is missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvError {
    pub row: usize,
    pub column: String,
    pub kind: CsvErrorKind,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}行“{}”列：", self.row, self.column)?;
        match &self.kind {
            CsvErrorKind::Empty => write!(f, "没有表头"),
            CsvErrorKind::MissingColumn => write!(f, "缺少该列"),
            CsvErrorKind::DuplicateColumn => write!(f, "列名重复"),
            CsvErrorKind::MissingCell => write!(f, "缺少该列的值"),
            CsvErrorKind::NotANumber(v) => write!(f, "不是数值：“{v}”"),
            CsvErrorKind::UnknownItem(v) => write!(f, "未知的监测项目：“{v}”"),
            CsvErrorKind::BadTime(v) => write!(f, "无法识别的时间：“{v}”"),
            CsvErrorKind::NoDetectionLimit(v) => {
                write!(f, "未检出（“{v}”）但未注明检出限，且未设置该项目的检出限")
            }
            CsvErrorKind::EmptySite => write!(f, "点位名称为空"),
        }
    }
}

impl std::error::Error for CsvError {}

/// The same site, item and time on two lines: the later one was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    pub site: String,
    pub item: Item,
    pub time: NaiveDateTime,
    pub dropped_row: usize,
    pub kept_row: usize,
}

/// A series read from CSV, with what the reading noticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parsed {
    pub series: Series,
    pub duplicates: Vec<Duplicate>,
    /// Whether some site's item was not in time order in the file (it was sorted).
    pub reordered: bool,
    /// Blank cells skipped as missing data.
    pub blanks: usize,
}

/// Where the columns are.
struct Layout {
    time: usize,
    site: Option<usize>,
    flag: Option<usize>,
    /// (column, item) for wide format; the item column and the value column for long format.
    values: Vec<(usize, Item)>,
    long: Option<(usize, usize)>,
    headers: Vec<String>,
}

fn split_line<'a>(line: &'a str, delim: char, out: &mut Vec<std::borrow::Cow<'a, str>>) {
    out.clear();
    if !line.contains('"') {
        out.extend(line.split(delim).map(std::borrow::Cow::Borrowed));
        return;
    }
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == delim {
            out.push(std::borrow::Cow::Owned(std::mem::take(&mut cell)));
        } else {
            cell.push(c);
        }
    }
    out.push(std::borrow::Cow::Owned(cell));
}

fn is_blank(s: &str) -> bool {
    matches!(
        s,
        "" | "-" | "—" | "--" | "——" | "/" | "NA" | "N/A" | "na" | "n/a" | "null" | "NULL"
    )
}

fn find_layout(
    header_row: usize,
    headers: &[String],
    opts: &CsvOptions,
    errors: &mut Vec<CsvError>,
) -> Option<Layout> {
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h, false)).collect();
    let mut used = vec![false; headers.len()];
    let mut find = |explicit: &Option<String>, names: &[&str]| -> Option<usize> {
        let hit = match explicit {
            Some(name) => headers.iter().position(|h| h.trim() == name.trim()),
            None => normalized
                .iter()
                .enumerate()
                .position(|(i, n)| !used[i] && names.iter().any(|a| normalize(a, false) == *n)),
        };
        if let Some(i) = hit {
            used[i] = true;
        }
        hit
    };
    let time = find(&opts.columns.time, TIME_NAMES);
    let site = find(&opts.columns.site, SITE_NAMES);
    let flag = find(&opts.columns.flag, FLAG_NAMES);
    let item = find(&opts.columns.item, ITEM_NAMES);
    let value = find(&opts.columns.value, VALUE_NAMES);
    let name_of = |explicit: &Option<String>, zh: &str| explicit.clone().unwrap_or(zh.to_string());
    let before = errors.len();
    let missing = |errors: &mut Vec<CsvError>, column: String| {
        errors.push(CsvError {
            row: header_row,
            column,
            kind: CsvErrorKind::MissingColumn,
        })
    };
    if time.is_none() {
        missing(errors, name_of(&opts.columns.time, "时间"));
    }
    if site.is_none() && opts.site.is_none() {
        missing(errors, name_of(&opts.columns.site, "点位"));
    }
    let mut values = Vec::new();
    let long = match (item, value) {
        (Some(i), Some(v)) => Some((i, v)),
        (Some(_), None) => {
            missing(errors, name_of(&opts.columns.value, "值"));
            None
        }
        (None, Some(_)) => {
            missing(errors, name_of(&opts.columns.item, "项目"));
            None
        }
        (None, None) => {
            for (i, h) in headers.iter().enumerate() {
                if Some(i) == time || Some(i) == site || Some(i) == flag {
                    continue;
                }
                if opts.ignore.iter().any(|x| x.trim() == h.trim()) {
                    continue;
                }
                let resolved = match opts.kind {
                    SiteKind::Statistic => Some(Item::Statistic(u16::MAX)),
                    kind => Item::resolve(h, kind),
                };
                match resolved {
                    Some(item) => {
                        if opts.kind != SiteKind::Statistic
                            && values.iter().any(|(_, x)| *x == item)
                        {
                            errors.push(CsvError {
                                row: header_row,
                                column: h.clone(),
                                kind: CsvErrorKind::DuplicateColumn,
                            });
                        }
                        values.push((i, item));
                    }
                    None => errors.push(CsvError {
                        row: header_row,
                        column: h.clone(),
                        kind: CsvErrorKind::UnknownItem(h.trim().to_string()),
                    }),
                }
            }
            if values.is_empty() && errors.len() == before {
                missing(errors, name_of(&opts.columns.value, "值"));
            }
            None
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(Layout {
        time: time?,
        site,
        flag,
        values,
        long,
        headers: headers.to_vec(),
    })
}

/// Reads a monitoring series from CSV text. Returns every error found, and nothing else, when
/// there is any.
pub fn parse_csv(text: &str, opts: &CsvOptions) -> Result<Parsed, Vec<CsvError>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((header_row, header)) = lines.by_ref().find(|(_, l)| !l.trim().is_empty()) else {
        return Err(vec![CsvError {
            row: 1,
            column: String::new(),
            kind: CsvErrorKind::Empty,
        }]);
    };
    let mut cells = Vec::new();
    split_line(header, opts.delimiter, &mut cells);
    let headers: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
    let Some(layout) = find_layout(header_row, &headers, opts, &mut errors) else {
        return Err(errors);
    };

    let mut series = Series::default();
    let mut site_ids: HashMap<String, SiteId> = HashMap::new();
    let mut flag_ids: HashMap<String, u16> = HashMap::new();
    let mut item_cache: HashMap<String, Option<Item>> = HashMap::new();
    // Observations by (site, item), in line order; `slots[site][item index]` is the bucket + 1.
    let mut buckets: Vec<Vec<(Observation, u32)>> = Vec::new();
    let mut bucket_keys: Vec<(SiteId, Item)> = Vec::new();
    let mut slots: Vec<Vec<u32>> = Vec::new();
    let mut blanks = 0usize;
    // The last time and site read, to skip re-parsing and re-hashing repeated cells.
    let mut last_time = (String::new(), None::<NaiveDateTime>);
    let mut last_site: Option<(String, SiteId)> = None;
    let mut pairs: Vec<(Item, usize)> = Vec::new();
    let mut parsed: Vec<(Item, Value)> = Vec::new();

    // Wide-format statistic columns name their statistic by the header.
    let mut values = layout.values.clone();
    if opts.kind == SiteKind::Statistic {
        for (col, item) in values.iter_mut() {
            *item = intern_statistic(&mut series, &layout.headers[*col]);
        }
    }
    let default_site = opts.site.as_deref();

    for (row, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        split_line(line, opts.delimiter, &mut cells);
        let cell = |i: usize| cells.get(i).map(|c| c.trim());
        let header = |i: usize| layout.headers[i].clone();

        // Time.
        let time = match cell(layout.time) {
            None => {
                errors.push(CsvError {
                    row,
                    column: header(layout.time),
                    kind: CsvErrorKind::MissingCell,
                });
                None
            }
            Some(t) => match last_time {
                (ref s, Some(v)) if s == t => Some(v),
                _ => match parse_time(t) {
                    Some(v) => {
                        last_time.0.clear();
                        last_time.0.push_str(t);
                        last_time.1 = Some(v);
                        Some(v)
                    }
                    None => {
                        errors.push(CsvError {
                            row,
                            column: header(layout.time),
                            kind: CsvErrorKind::BadTime(t.to_string()),
                        });
                        None
                    }
                },
            },
        };

        // Site.
        let site_name = match layout.site {
            Some(i) => match cell(i) {
                Some("") => {
                    errors.push(CsvError {
                        row,
                        column: header(i),
                        kind: CsvErrorKind::EmptySite,
                    });
                    None
                }
                Some(s) => Some(s),
                None => {
                    errors.push(CsvError {
                        row,
                        column: header(i),
                        kind: CsvErrorKind::MissingCell,
                    });
                    None
                }
            },
            None => default_site,
        };

        // Flag.
        let flag_text = layout.flag.and_then(cell).filter(|f| !f.is_empty());

        // The (item, value text, column) pairs of the line.
        pairs.clear();
        match layout.long {
            Some((ic, vc)) => {
                let item = match cell(ic) {
                    None => {
                        errors.push(CsvError {
                            row,
                            column: header(ic),
                            kind: CsvErrorKind::MissingCell,
                        });
                        None
                    }
                    Some(name) => {
                        let resolved = match opts.kind {
                            SiteKind::Statistic if !name.is_empty() => {
                                Some(intern_statistic(&mut series, name))
                            }
                            SiteKind::Statistic => None,
                            kind => *item_cache
                                .entry(name.to_string())
                                .or_insert_with(|| Item::resolve(name, kind)),
                        };
                        if resolved.is_none() {
                            errors.push(CsvError {
                                row,
                                column: header(ic),
                                kind: CsvErrorKind::UnknownItem(name.to_string()),
                            });
                        }
                        resolved
                    }
                };
                match cell(vc) {
                    None => errors.push(CsvError {
                        row,
                        column: header(vc),
                        kind: CsvErrorKind::MissingCell,
                    }),
                    Some(v) => {
                        if let Some(item) = item {
                            pairs.push((item, vc));
                        } else if !is_blank(v) && Measurement::parse(v).is_err() {
                            errors.push(CsvError {
                                row,
                                column: header(vc),
                                kind: CsvErrorKind::NotANumber(v.to_string()),
                            });
                        }
                    }
                }
            }
            None => {
                for &(col, item) in &values {
                    match cell(col) {
                        Some(_) => pairs.push((item, col)),
                        None => errors.push(CsvError {
                            row,
                            column: header(col),
                            kind: CsvErrorKind::MissingCell,
                        }),
                    }
                }
            }
        }

        parsed.clear();
        for &(item, col) in &pairs {
            let text = cell(col).unwrap_or("");
            if is_blank(text) {
                blanks += 1;
                continue;
            }
            let value = match Measurement::parse(text) {
                Ok(Measurement::Value(v)) => Value::Measured(v),
                Ok(Measurement::BelowLimit(Some(l))) => Value::BelowLimit(l),
                Ok(Measurement::BelowLimit(None)) => {
                    match opts.detection_limits.iter().find(|(i, _)| *i == item) {
                        Some((_, l)) => Value::BelowLimit(*l),
                        None => {
                            errors.push(CsvError {
                                row,
                                column: header(col),
                                kind: CsvErrorKind::NoDetectionLimit(text.to_string()),
                            });
                            continue;
                        }
                    }
                }
                Err(DecimalError::Empty) => {
                    blanks += 1;
                    continue;
                }
                Err(_) => {
                    errors.push(CsvError {
                        row,
                        column: header(col),
                        kind: CsvErrorKind::NotANumber(text.to_string()),
                    });
                    continue;
                }
            };
            parsed.push((item, value));
        }

        if !errors.is_empty() {
            // Keep checking the other lines, but build nothing more.
            continue;
        }
        let (Some(time), Some(site_name)) = (time, site_name) else {
            continue;
        };
        let site = match &last_site {
            Some((name, id)) if name == site_name => *id,
            _ => {
                let id = match site_ids.get(site_name) {
                    Some(&id) => id,
                    None => {
                        let id = series.sites.len() as SiteId;
                        series.sites.push(Site {
                            name: site_name.to_string(),
                            kind: opts.kind,
                            lake: opts.lake,
                        });
                        site_ids.insert(site_name.to_string(), id);
                        id
                    }
                };
                last_site = Some((site_name.to_string(), id));
                id
            }
        };
        let flag = flag_text.map(|f| match flag_ids.get(f) {
            Some(&id) => id,
            None => {
                let id = series.flags.len() as u16;
                series.flags.push(f.to_string());
                flag_ids.insert(f.to_string(), id);
                id
            }
        });
        let valid = flag_text.is_none_or(|f| !opts.invalid_flags.iter().any(|x| x == f));
        if slots.len() <= site as usize {
            slots.resize_with(site as usize + 1, Vec::new);
        }
        for &(item, value) in &parsed {
            let k = dense(item);
            let site_slots = &mut slots[site as usize];
            if site_slots.len() <= k {
                site_slots.resize(k + 1, 0);
            }
            if site_slots[k] == 0 {
                buckets.push(Vec::new());
                bucket_keys.push((site, item));
                site_slots[k] = buckets.len() as u32;
            }
            buckets[site_slots[k] as usize - 1].push((
                Observation {
                    site,
                    item,
                    time,
                    value,
                    flag,
                    valid,
                },
                row as u32,
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Assemble: each (site, item) bucket sorted by time (stable: equal times keep their line
    // order, so the later line wins), buckets in (site, item) order.
    let mut order: Vec<usize> = (0..buckets.len()).collect();
    order.sort_unstable_by_key(|&b| bucket_keys[b]);
    let total = buckets.iter().map(Vec::len).sum();
    let mut out: Vec<Observation> = Vec::with_capacity(total);
    let mut duplicates = Vec::new();
    let mut reordered = false;
    for b in order {
        let bucket = &mut buckets[b];
        if !bucket.is_sorted_by_key(|(o, _)| o.time) {
            reordered = true;
            bucket.sort_by_key(|(o, _)| o.time);
        }
        let start = out.len();
        let mut last_row = 0u32;
        for &(o, row) in bucket.iter() {
            if out.len() > start
                && let Some(prev) = out.last_mut()
                && prev.time == o.time
            {
                duplicates.push(Duplicate {
                    site: series.sites[o.site as usize].name.clone(),
                    item: o.item,
                    time: o.time,
                    dropped_row: last_row as usize,
                    kept_row: row as usize,
                });
                *prev = o;
            } else {
                out.push(o);
            }
            last_row = row;
        }
        bucket.clear();
        bucket.shrink_to_fit();
    }
    duplicates.sort_by_key(|d| d.kept_row);
    series.observations = out;
    Ok(Parsed {
        series,
        duplicates,
        reordered,
        blanks,
    })
}

/// A dense index of an item, for the per-site bucket table.
fn dense(item: Item) -> usize {
    match item {
        Item::Water(w) => w as usize,
        Item::Air(a) => WaterItem::ALL.len() + a as usize,
        Item::Statistic(i) => WaterItem::ALL.len() + 7 + i as usize,
    }
}

fn intern_statistic(series: &mut Series, name: &str) -> Item {
    let name = name.trim();
    match series.statistics.iter().position(|s| s == name) {
        Some(i) => Item::Statistic(i as u16),
        None => {
            series.statistics.push(name.to_string());
            Item::Statistic((series.statistics.len() - 1) as u16)
        }
    }
}

/// Reads a time as monitoring files write it (see the module docs).
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let s = text.trim();
    let b = s.as_bytes();
    // Fast path: YYYY-MM-DD[ T]HH:MM[:SS] with '-' or '/', one- or two-digit fields.
    let mut nums = [0u32; 6];
    let mut count = 0;
    let mut i = 0;
    let mut seps = [0u8; 5];
    while i < b.len() && count < 6 {
        let start = i;
        let mut v = 0u32;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 8 {
            v = v * 10 + (b[i] - b'0') as u32;
            i += 1;
        }
        if i == start {
            break;
        }
        nums[count] = v;
        count += 1;
        if i < b.len() {
            if count <= 5 {
                seps[count - 1] = b[i];
            }
            i += 1;
        }
    }
    if i >= b.len() && count >= 1 && s.is_ascii() {
        let ok_date_sep = |c: u8| c == b'-' || c == b'/' || c == b'.';
        let date_time_sep = |c: u8| c == b' ' || c == b'T';
        match count {
            1 if b.len() == 8 => {
                // 20240115
                let v = nums[0];
                return date(v / 10000, (v / 100) % 100, v % 100).and_then(|d| at(d, 0, 0, 0));
            }
            2 if ok_date_sep(seps[0]) && nums[0] >= 1000 => {
                return month_end(nums[0], nums[1]).and_then(|d| at(d, 0, 0, 0));
            }
            3..=6 if ok_date_sep(seps[0]) && ok_date_sep(seps[1]) && nums[0] >= 1000 => {
                let d = date(nums[0], nums[1], nums[2])?;
                if count == 3 {
                    return at(d, 0, 0, 0);
                }
                if !date_time_sep(seps[2]) || (count >= 5 && seps[3] != b':') {
                    return None;
                }
                if count == 6 && seps[4] != b':' {
                    return None;
                }
                let (h, m, sec) = match count {
                    4 => (nums[3], 0, 0),
                    5 => (nums[3], nums[4], 0),
                    _ => (nums[3], nums[4], nums[5]),
                };
                return at(d, h, m, sec);
            }
            _ => return None,
        }
    }
    parse_time_zh(s)
}

fn date(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn month_end(y: u32, m: u32) -> Option<NaiveDate> {
    let first_next = if m == 12 {
        date(y + 1, 1, 1)
    } else {
        date(y, m + 1, 1)
    }?;
    if !(1..=12).contains(&m) {
        return None;
    }
    first_next.pred_opt()
}

fn at(d: NaiveDate, h: u32, m: u32, s: u32) -> Option<NaiveDateTime> {
    Some(d.and_time(NaiveTime::from_hms_opt(h, m, s)?))
}

/// "2024年1月15日 8时", "2024年1月15日 8时30分", "2024年1月15日08:00", "2024年6月", "2024年".
fn parse_time_zh(s: &str) -> Option<NaiveDateTime> {
    let (y, rest) = s.split_once('年')?;
    let y: u32 = y.trim().parse().ok()?;
    let rest = rest.trim();
    if rest.is_empty() {
        return at(date(y, 12, 31)?, 0, 0, 0);
    }
    let (m, rest) = rest.split_once('月')?;
    let m: u32 = m.trim().parse().ok()?;
    let rest = rest.trim();
    if rest.is_empty() {
        return at(month_end(y, m)?, 0, 0, 0);
    }
    let (dd, rest) = rest.split_once(['日', '号'])?;
    let d = date(y, m, dd.trim().parse().ok()?)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return at(d, 0, 0, 0);
    }
    if let Some((h, rest)) = rest.split_once(['时', '点']) {
        let h: u32 = h.trim().parse().ok()?;
        let rest = rest.trim();
        let min = if rest.is_empty() {
            0
        } else {
            rest.trim_end_matches('分').trim().parse().ok()?
        };
        return at(d, h, min, 0);
    }
    let mut parts = rest.split(':');
    let h: u32 = parts.next()?.trim().parse().ok()?;
    let min: u32 = parts.next().unwrap_or("0").trim().parse().ok()?;
    let sec: u32 = parts.next().unwrap_or("0").trim().parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    at(d, h, min, sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        parse_time(s).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    #[test]
    fn times() {
        for (s, out) in [
            ("2024-01-15", "2024-01-15 00:00:00"),
            ("2024/1/5", "2024-01-05 00:00:00"),
            ("2024-01-15 08:00", "2024-01-15 08:00:00"),
            ("2024-01-15 8:30:15", "2024-01-15 08:30:15"),
            ("2024-01-15T23:00:00", "2024-01-15 23:00:00"),
            ("20240115", "2024-01-15 00:00:00"),
            ("2024-06", "2024-06-30 00:00:00"),
            ("2024-02", "2024-02-29 00:00:00"),
            ("2024年1月15日", "2024-01-15 00:00:00"),
            ("2024年1月15日 8时", "2024-01-15 08:00:00"),
            ("2024年1月15日08:00", "2024-01-15 08:00:00"),
            ("2024年6月", "2024-06-30 00:00:00"),
            ("2024年", "2024-12-31 00:00:00"),
        ] {
            assert_eq!(t(s).as_deref(), Some(out), "{s}");
        }
        for s in [
            "",
            "2024-13-01",
            "2024-02-30",
            "15/01/2024",
            "abc",
            "2024-01-15 25:00",
            "2024-13",
            "2024年13月",
        ] {
            assert_eq!(t(s), None, "{s}");
        }
    }

    #[test]
    fn names() {
        for (n, k, item) in [
            ("总磷", SiteKind::Water, Item::Water(WaterItem::Tp)),
            ("TP", SiteKind::Water, Item::Water(WaterItem::Tp)),
            ("总磷（以P计）", SiteKind::Water, Item::Water(WaterItem::Tp)),
            ("总磷(mg/L)", SiteKind::Water, Item::Water(WaterItem::Tp)),
            ("溶解氧", SiteKind::Water, Item::Water(WaterItem::Do)),
            ("铬（六价）", SiteKind::Water, Item::Water(WaterItem::Cr6)),
            ("pH", SiteKind::Water, Item::Water(WaterItem::Ph)),
            ("COD", SiteKind::Water, Item::Water(WaterItem::Cod)),
            ("CODMn", SiteKind::Water, Item::Water(WaterItem::CodMn)),
            ("PM2.5", SiteKind::Air, Item::Air(AirItem::Pm25)),
            ("pm25", SiteKind::Air, Item::Air(AirItem::Pm25)),
            ("ＰＭ２.５", SiteKind::Air, Item::Air(AirItem::Pm25)),
            ("PM₂.₅", SiteKind::Air, Item::Air(AirItem::Pm25)),
            ("PM2.5(μg/m³)", SiteKind::Air, Item::Air(AirItem::Pm25)),
            ("SO₂", SiteKind::Air, Item::Air(AirItem::So2)),
            ("CO", SiteKind::Air, Item::Air(AirItem::Co)),
            ("O3-8h", SiteKind::Air, Item::Air(AirItem::O3EightHours)),
            ("O3_8H", SiteKind::Air, Item::Air(AirItem::O3EightHours)),
        ] {
            assert_eq!(Item::resolve(n, k), Some(item), "{n}");
        }
        assert_eq!(Item::resolve("PM2.5", SiteKind::Water), None);
        assert_eq!(Item::resolve("总磷", SiteKind::Air), None);
        assert_eq!(Item::resolve("叶绿素b", SiteKind::Water), None);
    }
}
