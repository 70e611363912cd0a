//! Surface water: GB 3838-2002 《地表水环境质量标准》 Table 1, the single-factor evaluation of
//! 《地表水环境质量评价办法（试行）》(环办〔2011〕22号) and the lake trophic state index TLI(Σ).
//!
//! Figures are transcribed from `crates/ledger/data/standards.toml` (a copy of the team's reference, with its
//! source keys in brackets); `tests/standards.rs` checks these tables against that file.
//!
//! Rules:
//! - The class of one item is the **best** class whose limit the value meets: for "≤" items
//!   `value ≤ limit`, for dissolved oxygen `value ≥ limit`; a value exactly on a limit is in
//!   that (better) class; classes sharing a limit (COD I = II = 15) give the better one. pH
//!   within 6–9 meets every class (class I); outside it, or worse than V, is 劣V.
//! - Lakes and reservoirs (湖、库) judge total phosphorus on the lake column
//!   (0.01/0.025/0.05/0.1/0.2), rivers on the river column.
//! - The class of a sample, or of a water body over a period, is its worst item over the items
//!   evaluated: the 21 routine items of the 2011 method (Table 1 less 水温, 总氮, 粪大肠菌群),
//!   plus total nitrogen for a lake when the plan says so ([`Settings::lake_tn`]), less the
//!   items a plan judges by their own target ([`Settings::exclude`]). Over a period each item
//!   is first averaged (arithmetic mean, exact), then classed.
//! - 超标倍数 = (value − limit) / limit against the target class (the 2011 method uses class
//!   III), rounded half-even to two decimals; none for 水温, pH and 溶解氧. The formula is
//!   memory in the reference; "none for 水温, pH, 溶解氧" is single_source
//!   (judge_70731488241); the two decimals are our choice.
//! - Memory in the reference, used here: lake TN reported outside the class (hence the
//!   setting), whole-lake value = mean over points, the colours of I–V, the TLI band ends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decimal::{Decimal, Mean, Rounding};

const fn d(s: &str) -> Decimal {
    Decimal::lit(s)
}

/// The items of GB 3838-2002 Table 1 (numbers 1–24), and the two trophic-state parameters that
/// are not in the standard (chlorophyll a, Secchi depth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterItem {
    WaterTemperature,
    Ph,
    Do,
    CodMn,
    Cod,
    Bod5,
    Nh3N,
    Tp,
    Tn,
    Cu,
    Zn,
    Fluoride,
    Se,
    As,
    Hg,
    Cd,
    Cr6,
    Pb,
    Cyanide,
    VolatilePhenol,
    Petroleum,
    Las,
    Sulfide,
    FecalColiform,
    /// 叶绿素a (mg/m³), a trophic-state parameter only.
    Chla,
    /// 透明度 (m), a trophic-state parameter only.
    Sd,
}

/// A water-quality class (水质类别); greater is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WaterClass {
    I,
    II,
    III,
    IV,
    V,
    /// 劣V类.
    WorseThanV,
}

impl WaterClass {
    pub const ALL: [WaterClass; 6] = [
        WaterClass::I,
        WaterClass::II,
        WaterClass::III,
        WaterClass::IV,
        WaterClass::V,
        WaterClass::WorseThanV,
    ];

    /// Class I–V by index 0–4.
    fn from_index(i: usize) -> WaterClass {
        WaterClass::ALL[i.min(5)]
    }

    fn index(self) -> usize {
        self as usize
    }

    /// "I", "II", … "劣V".
    pub fn roman(self) -> &'static str {
        ["I", "II", "III", "IV", "V", "劣V"][self.index()]
    }

    /// "III类", "劣V类".
    pub fn label(self) -> String {
        format!("{}类", self.roman())
    }

    /// The 2011 method's words: I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染
    /// (ipa361, xing528).
    pub fn quality_zh(self) -> &'static str {
        ["优", "优", "良好", "轻度污染", "中度污染", "重度污染"][self.index()]
    }

    /// Display colours of the 2011 method: 劣V 红色 is sourced (quiz); the others (I–II 蓝色,
    /// III 绿色, IV 黄色, V 橙色) are memory in the reference.
    pub fn colour_zh(self) -> &'static str {
        ["蓝色", "蓝色", "绿色", "黄色", "橙色", "红色"][self.index()]
    }

    /// Reads "III", "Ⅲ", "3", "III类", "三类", "劣V", "劣五类".
    pub fn parse(text: &str) -> Option<WaterClass> {
        let s = text.trim().trim_end_matches("类").trim();
        let (worse, s) = match s.strip_prefix('劣') {
            Some(rest) => (true, rest.trim()),
            None => (false, s),
        };
        let i = match s {
            "I" | "Ⅰ" | "1" | "一" => 0,
            "II" | "Ⅱ" | "2" | "二" => 1,
            "III" | "Ⅲ" | "3" | "三" => 2,
            "IV" | "Ⅳ" | "4" | "四" => 3,
            "V" | "Ⅴ" | "5" | "五" => 4,
            _ => return None,
        };
        match (worse, i) {
            (true, 4) => Some(WaterClass::WorseThanV),
            (true, _) => None,
            (false, i) => Some(WaterClass::from_index(i)),
        }
    }
}

/// How an item's limits apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// value ≤ limit; `lake` is the 湖、库 column where the standard has one (TP).
    AtMost {
        limits: [Decimal; 5],
        lake: Option<[Decimal; 5]>,
    },
    /// value ≥ limit (dissolved oxygen).
    AtLeast([Decimal; 5]),
    /// lo ≤ value ≤ hi for every class (pH).
    Range { lo: Decimal, hi: Decimal },
    /// Not a concentration limit (water temperature: a limit on man-made change).
    Special,
}

/// One row of GB 3838-2002 Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemStandard {
    pub item: WaterItem,
    /// The row number in Table 1.
    pub no: u8,
    /// The key in `standards.toml`.
    pub key: &'static str,
    pub name_zh: &'static str,
    pub unit: &'static str,
    pub rule: Rule,
    /// Among the 21 routine items of the 2011 method.
    pub routine: bool,
}

const fn at_most(l: [&str; 5]) -> Rule {
    Rule::AtMost {
        limits: [d(l[0]), d(l[1]), d(l[2]), d(l[3]), d(l[4])],
        lake: None,
    }
}

const fn row(
    item: WaterItem,
    no: u8,
    key: &'static str,
    name_zh: &'static str,
    rule: Rule,
) -> ItemStandard {
    ItemStandard {
        item,
        no,
        key,
        name_zh,
        unit: "mg/L",
        rule,
        routine: true,
    }
}

/// GB 3838-2002 Table 1, basic items, classes I–V. All rows `sourced` in the reference
/// (g230, qqmaoyi, tezngx, hanspub, silence_water); the deviant copies (qqmaoyi TN IV "105",
/// tezngx NH3-N I "0.015", cooxue TP) are typos the reference rejects.
pub const GB3838: [ItemStandard; 24] = {
    use WaterItem::*;
    [
        // [g230, qqmaoyi, html_1398217819] weekly mean max rise ≤ 1, fall ≤ 2 (all classes).
        ItemStandard {
            unit: "℃",
            routine: false,
            ..row(
                WaterTemperature,
                1,
                "water_temperature",
                "水温",
                Rule::Special,
            )
        },
        // [g230, hanspub, silence_water]
        ItemStandard {
            unit: "无量纲",
            ..row(
                Ph,
                2,
                "ph",
                "pH值",
                Rule::Range {
                    lo: d("6"),
                    hi: d("9"),
                },
            )
        },
        // [g230, qqmaoyi, silence_water, html_1398217819] class I "饱和率90%（或7.5）": the
        // saturation alternative is not modelled; 7.5 mg/L is used.
        row(
            Do,
            3,
            "do",
            "溶解氧",
            Rule::AtLeast([d("7.5"), d("6"), d("5"), d("3"), d("2")]),
        ),
        row(
            CodMn,
            4,
            "codmn",
            "高锰酸盐指数",
            at_most(["2", "4", "6", "10", "15"]),
        ),
        row(
            Cod,
            5,
            "cod",
            "化学需氧量",
            at_most(["15", "15", "20", "30", "40"]),
        ),
        row(
            Bod5,
            6,
            "bod5",
            "五日生化需氧量",
            at_most(["3", "3", "4", "6", "10"]),
        ),
        row(
            Nh3N,
            7,
            "nh3n",
            "氨氮",
            at_most(["0.15", "0.5", "1.0", "1.5", "2.0"]),
        ),
        // River column, and the 湖、库 column printed in brackets [g230, hanspub, tezngx].
        row(
            Tp,
            8,
            "tp",
            "总磷",
            Rule::AtMost {
                limits: [d("0.02"), d("0.1"), d("0.2"), d("0.3"), d("0.4")],
                lake: Some([d("0.01"), d("0.025"), d("0.05"), d("0.1"), d("0.2")]),
            },
        ),
        // The row itself is headed 湖、库; not a routine item (2011 method).
        ItemStandard {
            routine: false,
            ..row(
                Tn,
                9,
                "tn",
                "总氮",
                at_most(["0.2", "0.5", "1.0", "1.5", "2.0"]),
            )
        },
        row(
            Cu,
            10,
            "cu",
            "铜",
            at_most(["0.01", "1.0", "1.0", "1.0", "1.0"]),
        ),
        row(
            Zn,
            11,
            "zn",
            "锌",
            at_most(["0.05", "1.0", "1.0", "2.0", "2.0"]),
        ),
        row(
            Fluoride,
            12,
            "fluoride",
            "氟化物",
            at_most(["1.0", "1.0", "1.0", "1.5", "1.5"]),
        ),
        row(
            Se,
            13,
            "se",
            "硒",
            at_most(["0.01", "0.01", "0.01", "0.02", "0.02"]),
        ),
        row(
            As,
            14,
            "as",
            "砷",
            at_most(["0.05", "0.05", "0.05", "0.1", "0.1"]),
        ),
        row(
            Hg,
            15,
            "hg",
            "汞",
            at_most(["0.00005", "0.00005", "0.0001", "0.001", "0.001"]),
        ),
        row(
            Cd,
            16,
            "cd",
            "镉",
            at_most(["0.001", "0.005", "0.005", "0.005", "0.01"]),
        ),
        row(
            Cr6,
            17,
            "cr6",
            "铬（六价）",
            at_most(["0.01", "0.05", "0.05", "0.05", "0.1"]),
        ),
        row(
            Pb,
            18,
            "pb",
            "铅",
            at_most(["0.01", "0.01", "0.05", "0.05", "0.1"]),
        ),
        // [g230, tezngx, silence_water] (qqmaoyi's row has no name).
        row(
            Cyanide,
            19,
            "cyanide",
            "氰化物",
            at_most(["0.005", "0.05", "0.2", "0.2", "0.2"]),
        ),
        row(
            VolatilePhenol,
            20,
            "volatile_phenol",
            "挥发酚",
            at_most(["0.002", "0.002", "0.005", "0.01", "0.1"]),
        ),
        row(
            Petroleum,
            21,
            "petroleum",
            "石油类",
            at_most(["0.05", "0.05", "0.05", "0.5", "1.0"]),
        ),
        row(
            Las,
            22,
            "las",
            "阴离子表面活性剂",
            at_most(["0.2", "0.2", "0.2", "0.3", "0.3"]),
        ),
        row(
            Sulfide,
            23,
            "sulfide",
            "硫化物",
            at_most(["0.05", "0.1", "0.2", "0.5", "1.0"]),
        ),
        // [g230, qqmaoyi, hanspub, silence_water]; not a routine item.
        ItemStandard {
            unit: "个/L",
            routine: false,
            ..row(
                FecalColiform,
                24,
                "fecal_coliform",
                "粪大肠菌群",
                at_most(["200", "2000", "10000", "20000", "40000"]),
            )
        },
    ]
};

impl WaterItem {
    pub const ALL: [WaterItem; 26] = {
        use WaterItem::*;
        [
            WaterTemperature,
            Ph,
            Do,
            CodMn,
            Cod,
            Bod5,
            Nh3N,
            Tp,
            Tn,
            Cu,
            Zn,
            Fluoride,
            Se,
            As,
            Hg,
            Cd,
            Cr6,
            Pb,
            Cyanide,
            VolatilePhenol,
            Petroleum,
            Las,
            Sulfide,
            FecalColiform,
            Chla,
            Sd,
        ]
    };

    /// The Table 1 row; None for the trophic-only parameters.
    pub fn standard(self) -> Option<&'static ItemStandard> {
        GB3838.get(self as usize).filter(|s| s.item == self)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            WaterItem::Chla => "叶绿素a",
            WaterItem::Sd => "透明度",
            _ => self.standard().map_or("", |s| s.name_zh),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            WaterItem::Chla => "chla",
            WaterItem::Sd => "sd",
            _ => self.standard().map_or("", |s| s.key),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            WaterItem::Chla => "mg/m³",
            WaterItem::Sd => "m",
            _ => self.standard().map_or("", |s| s.unit),
        }
    }

    /// Among the 21 routine items of the 2011 method.
    pub fn routine(self) -> bool {
        self.standard().is_some_and(|s| s.routine)
    }

    /// Whether a greater value is better (dissolved oxygen, transparency).
    pub fn higher_is_better(self) -> bool {
        matches!(self, WaterItem::Do | WaterItem::Sd)
    }

    /// The five class limits that apply (the lake column for TP in a lake); None for pH, water
    /// temperature and the trophic-only parameters.
    pub fn limits(self, lake: bool) -> Option<[Decimal; 5]> {
        match self.standard()?.rule {
            Rule::AtMost { limits, lake: l } => {
                Some(if lake { l.unwrap_or(limits) } else { limits })
            }
            Rule::AtLeast(limits) => Some(limits),
            Rule::Range { .. } | Rule::Special => None,
        }
    }

    /// The limit of one class (I–V).
    pub fn limit(self, class: WaterClass, lake: bool) -> Option<Decimal> {
        if class == WaterClass::WorseThanV {
            return None;
        }
        self.limits(lake).map(|l| l[class.index()])
    }
}

/// The class of one item's value; None when the item has no class limits (water temperature,
/// chlorophyll a, transparency).
pub fn item_class(item: WaterItem, value: Decimal, lake: bool) -> Option<WaterClass> {
    let rule = item.standard()?.rule;
    let class = match rule {
        Rule::Special => return None,
        Rule::Range { lo, hi } => {
            if lo <= value && value <= hi {
                WaterClass::I
            } else {
                WaterClass::WorseThanV
            }
        }
        Rule::AtLeast(l) => WaterClass::from_index(l.iter().position(|x| value >= *x).unwrap_or(5)),
        Rule::AtMost { limits, lake: ll } => {
            let l = if lake { ll.unwrap_or(limits) } else { limits };
            WaterClass::from_index(l.iter().position(|x| value <= *x).unwrap_or(5))
        }
    };
    Some(class)
}

/// Which items a class is judged on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Settings {
    /// A lake or reservoir: TP on the lake column.
    pub lake: bool,
    /// For a lake, whether total nitrogen counts towards the class. The 2011 method reports lake
    /// TN separately (memory in the reference), so this is a plan setting; off by default.
    pub lake_tn: bool,
    /// Items judged by their own target and left out ("其他指标" excludes TP when TP has its own
    /// limit).
    pub exclude: Vec<WaterItem>,
}

impl Settings {
    pub fn river() -> Settings {
        Settings::default()
    }

    pub fn lake() -> Settings {
        Settings {
            lake: true,
            ..Settings::default()
        }
    }

    /// Whether an item counts towards the class under these settings.
    pub fn counts(&self, item: WaterItem) -> bool {
        let base = item.routine() || (item == WaterItem::Tn && self.lake && self.lake_tn);
        base && !self.exclude.contains(&item)
    }

    /// The items evaluated, in Table 1 order.
    pub fn items(&self) -> Vec<WaterItem> {
        WaterItem::ALL
            .into_iter()
            .filter(|i| self.counts(*i))
            .collect()
    }
}

/// One item's value and class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item: WaterItem,
    pub value: Decimal,
    pub class: WaterClass,
}

/// The class of a sample or a water body: the worst item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// None when no evaluated item has a value.
    pub class: Option<WaterClass>,
    /// Every evaluated item with a value, in Table 1 order.
    pub items: Vec<ItemResult>,
    /// The items that set the class.
    pub worst: Vec<WaterItem>,
}

impl Assessment {
    /// Whether the class is `target` or better.
    pub fn meets(&self, target: WaterClass) -> Option<bool> {
        self.class.map(|c| c <= target)
    }

    /// The items worse than `target`, with 超标倍数.
    pub fn exceedances(&self, target: WaterClass, lake: bool) -> Vec<Exceedance> {
        self.items
            .iter()
            .filter_map(|r| exceedance(r.item, r.value, target, lake))
            .collect()
    }

    /// The main pollutants (主要污染指标) of a water body worse than class III: up to three
    /// items of the worst classes, worst first (ties by 超标倍数 against class III).
    pub fn main_pollutants(&self, lake: bool) -> Vec<WaterItem> {
        if self.class.is_none_or(|c| c <= WaterClass::III) {
            return Vec::new();
        }
        let mut bad: Vec<(WaterClass, Option<Decimal>, WaterItem)> = self
            .items
            .iter()
            .filter(|r| r.class > WaterClass::III)
            .map(|r| {
                let m = exceedance(r.item, r.value, WaterClass::III, lake).and_then(|e| e.multiple);
                (r.class, m, r.item)
            })
            .collect();
        bad.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        bad.into_iter().take(3).map(|x| x.2).collect()
    }
}

/// Classes the given values (one sample, or the means of a period) over the items the settings
/// evaluate; items not evaluated are ignored.
pub fn assess(values: &[(WaterItem, Decimal)], settings: &Settings) -> Assessment {
    let mut items: Vec<ItemResult> = values
        .iter()
        .filter(|(i, _)| settings.counts(*i))
        .filter_map(|&(item, value)| {
            item_class(item, value, settings.lake).map(|class| ItemResult { item, value, class })
        })
        .collect();
    items.sort_by_key(|r| r.item);
    let class = items.iter().map(|r| r.class).max();
    let worst = items
        .iter()
        .filter(|r| Some(r.class) == class)
        .map(|r| r.item)
        .collect();
    Assessment {
        class,
        items,
        worst,
    }
}

/// The arithmetic mean of each item over a period (the 2011 method's annual statistic).
pub fn means(values: &[(WaterItem, Decimal)]) -> BTreeMap<WaterItem, Mean> {
    let mut out: BTreeMap<WaterItem, Mean> = BTreeMap::new();
    for &(item, v) in values {
        match out.get_mut(&item) {
            Some(m) => m.push(v),
            None => {
                out.insert(item, Mean::of([v]).expect("one value"));
            }
        }
    }
    out
}

/// The class of a water body over a period: each item's exact mean, classed, worst item. The
/// mean is classed exactly (a mean of 0.0500…01 is not ≤ 0.05); the value shown is the mean at
/// six more places than the data.
pub fn assess_period(values: &[(WaterItem, Decimal)], settings: &Settings) -> Assessment {
    let means: Vec<(WaterItem, Decimal)> = means(values)
        .into_iter()
        .map(|(i, m)| (i, mean_for_class(i, &m, settings.lake)))
        .collect();
    assess(&means, settings)
}

/// A decimal standing for a mean in class judgement: the mean itself when it is exact at the
/// fine scale; otherwise the fine value nudged so that it falls on the same side of every
/// limit as the exact mean.
fn mean_for_class(item: WaterItem, m: &Mean, lake: bool) -> Decimal {
    let v = m.fine();
    let bounds: Vec<Decimal> = match item.standard().map(|s| s.rule) {
        Some(Rule::Range { lo, hi }) => vec![lo, hi],
        _ => item.limits(lake).map(|l| l.to_vec()).unwrap_or_default(),
    };
    for b in bounds {
        let exact = m.cmp_to(b);
        if exact != v.cmp(&b) {
            // Rounding moved the value onto (or across) a limit it does not reach: keep it on
            // its true side by one unit of the last place.
            let unit = Decimal::new(1, v.scale());
            return if exact == std::cmp::Ordering::Greater {
                b + unit
            } else {
                b - unit
            };
        }
    }
    v
}

/// An item worse than a target class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exceedance {
    pub item: WaterItem,
    pub value: Decimal,
    pub class: WaterClass,
    /// The target class's limit (the low end of the range for pH below 6, the high end above 9).
    pub limit: Option<Decimal>,
    /// 超标倍数 = (value − limit) / limit, two decimals, half-even; None for 水温, pH, 溶解氧.
    pub multiple: Option<Decimal>,
}

/// Whether an item's value is worse than a target class, and by how much.
pub fn exceedance(
    item: WaterItem,
    value: Decimal,
    target: WaterClass,
    lake: bool,
) -> Option<Exceedance> {
    let class = item_class(item, value, lake)?;
    if class <= target {
        return None;
    }
    let limit = match item.standard()?.rule {
        Rule::Range { lo, hi } => Some(if value < lo { lo } else { hi }),
        _ => item.limit(target, lake),
    };
    let multiple = match (item, limit) {
        (WaterItem::Ph | WaterItem::Do | WaterItem::WaterTemperature, _) | (_, None) => None,
        (_, Some(l)) => (value - l).div_round(l, 2, Rounding::HalfEven),
    };
    Some(Exceedance {
        item,
        value,
        class,
        limit,
        multiple,
    })
}

// ---------------------------------------------------------------------------------------------
// Trophic state

/// A trophic-state parameter of TLI(Σ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TliParameter {
    pub item: WaterItem,
    /// The correlation with chlorophyll a, r (its square gives the weight).
    pub r: Decimal,
    /// TLI(j) = 10 · (a + b · ln x).
    pub a: f64,
    pub b: f64,
}

/// 总站生字〔2001〕090号, as used by the 2011 method [tli_zhuangpeitu, tli_doczj,
/// tli_jinchutou]: correlations and TLI(j) coefficients, all `sourced`. The weights
/// W = r² / Σr² are computed (`derived` in the reference: 0.2663, 0.1879, 0.1790, 0.1834,
/// 0.1834).
pub const TLI_PARAMETERS: [TliParameter; 5] = [
    TliParameter {
        item: WaterItem::Chla,
        r: d("1"),
        a: 2.5,
        b: 1.086,
    },
    TliParameter {
        item: WaterItem::Tp,
        r: d("0.84"),
        a: 9.436,
        b: 1.624,
    },
    TliParameter {
        item: WaterItem::Tn,
        r: d("0.82"),
        a: 5.453,
        b: 1.694,
    },
    TliParameter {
        item: WaterItem::Sd,
        r: d("-0.83"),
        a: 5.118,
        b: -1.94,
    },
    TliParameter {
        item: WaterItem::CodMn,
        r: d("0.83"),
        a: 0.109,
        b: 2.661,
    },
];

impl TliParameter {
    /// W = r² / Σr², exact then as f64.
    pub fn weight(&self) -> f64 {
        let sum: Decimal = TLI_PARAMETERS.iter().map(|p| p.r * p.r).sum();
        (self.r * self.r)
            .div_round(sum, 12, Rounding::HalfEven)
            .expect("non-zero")
            .to_f64()
    }

    /// TLI(j) of a value (in the parameter's unit: chla mg/m³, TP/TN/CODMn mg/L, SD m).
    pub fn index(&self, value: f64) -> f64 {
        10.0 * (self.a + self.b * value.ln())
    }
}

/// The trophic state of a lake (营养状态分级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrophicState {
    /// 贫营养, TLI < 30.
    Oligotrophic,
    /// 中营养, 30 ≤ TLI ≤ 50.
    Mesotrophic,
    /// 轻度富营养, 50 < TLI ≤ 60.
    LightEutrophic,
    /// 中度富营养, 60 < TLI ≤ 70.
    MiddleEutrophic,
    /// 重度富营养, TLI > 70.
    HyperEutrophic,
}

impl TrophicState {
    /// The band of an index. The numbers 30/50/60/70 are sourced; which ends are open is
    /// memory in the reference (here: < 30, (30, 50), (50, 60], (60, 70], > 70).
    pub fn of(tli: f64) -> TrophicState {
        if tli < 30.0 {
            TrophicState::Oligotrophic
        } else if tli <= 50.0 {
            TrophicState::Mesotrophic
        } else if tli <= 60.0 {
            TrophicState::LightEutrophic
        } else if tli <= 70.0 {
            TrophicState::MiddleEutrophic
        } else {
            TrophicState::HyperEutrophic
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            TrophicState::Oligotrophic => "贫营养",
            TrophicState::Mesotrophic => "中营养",
            TrophicState::LightEutrophic => "轻度富营养",
            TrophicState::MiddleEutrophic => "中度富营养",
            TrophicState::HyperEutrophic => "重度富营养",
        }
    }

    /// TLI > 50 (富营养).
    pub fn eutrophic(self) -> bool {
        self >= TrophicState::LightEutrophic
    }
}

/// TLI(Σ) with its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tli {
    /// TLI(Σ), unrounded (a derived index, computed in f64: it takes logarithms).
    pub value: f64,
    pub state: TrophicState,
    /// TLI(j) of each parameter, in the order chla, TP, TN, SD, CODMn.
    pub parts: Vec<(WaterItem, f64)>,
}

/// TLI(Σ) = Σ W_j · TLI(j) when all five inputs are present and positive (chla, TP, TN, SD,
/// CODMn, e.g. their annual means); None otherwise.
pub fn tli(values: &[(WaterItem, Decimal)]) -> Option<Tli> {
    let mut parts = Vec::with_capacity(5);
    let mut total = 0.0;
    for p in &TLI_PARAMETERS {
        let v = values.iter().find(|(i, _)| *i == p.item)?.1;
        if v <= Decimal::ZERO {
            return None;
        }
        let t = p.index(v.to_f64());
        total += p.weight() * t;
        parts.push((p.item, t));
    }
    Some(Tli {
        value: total,
        state: TrophicState::of(total),
        parts,
    })
}
