//! Judging a plan's environmental and statistical targets from monitoring series.
//!
//! A target covers a period (`start` to `deadline`, usually a calendar year) and some sites (all
//! sites of its kind when none are named). Only valid observations (flags not marked invalid)
//! dated from `start` to the as-of date are read. The period is over (the judgement final) when
//! the as-of date is on or after the deadline. Statuses are the ledger's
//! [`Status`]: Met, NotMet, AtRisk, Missed (and NoData, NotStarted);
//! as in [`mod@crate::evaluate`], a firm (确保) target is judged one grade worse (NotMet/AtRisk →
//! Missed).
//!
//! - **`limit`** (总磷年均值控制在0.08mg/L以内; PM2.5年均浓度): the mean over the period so far
//!   against the bound, compared by [`Comparison`] (全数值 by default; 修约值 rounds the mean
//!   once to the bound's decimal places as written, "0.08" → 0.01). Water: each site's mean of
//!   its samples, then the mean over sites (whole lake: mean over points, memory). Air: daily
//!   values (daily means of ≥ 20 hourly values, or the file's daily values; O3 8-h: daily max
//!   8-h), then each day's mean over sites (the city value; memory in the reference), then the
//!   mean over days.
//!   Before the deadline the **projection** of the period's mean decides between Met and
//!   AtRisk: each remaining slot of the period — each remaining day for air; for water, each
//!   remaining month times the samples per month seen so far — is filled with the mean of the
//!   same calendar month one year earlier when the series has it (seasonal profile), else with
//!   the mean so far; projected mean = (sum so far + fills) / (count so far + slots). A mean so
//!   far that breaks the bound, or a projection that does, is AtRisk; after the deadline the
//!   period's mean is Met or Missed.
//! - **`class`** (其他指标达到III类水质以上): the class of each evaluated item's mean so far
//!   (water: the 2011 method's routine items; TP on the lake column for a lake; TN for a lake
//!   when set; minus the items with their own target), worst item against the target class.
//!   Met, or NotMet (Missed after the deadline), with the items that exceed and 超标倍数.
//! - **`growth`** (增长N%): the latest statistic on or before the as-of date — a reported rate,
//!   or the year-on-year change of a level — against the target rate. Met, or NotMet (Missed
//!   after the deadline).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

use crate::evaluate::Status;
use crate::model::{Cmp, Hardness};
use zhuanban_standards::air::{self, Grade};
use zhuanban_standards::decimal::{Comparison, Decimal, Mean, NonDetect, Rounding};
use zhuanban_standards::series::{AirItem, Item, Observation, Series, SiteId, SiteKind};
use zhuanban_standards::water::{self, Exceedance, WaterClass, WaterItem};

/// What a target measures, independent of any one series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Water(WaterItem),
    Air(AirItem),
    /// A statistic by name ("地区生产总值增速").
    Statistic(String),
}

impl Metric {
    fn kind(&self) -> SiteKind {
        match self {
            Metric::Water(_) => SiteKind::Water,
            Metric::Air(_) => SiteKind::Air,
            Metric::Statistic(_) => SiteKind::Statistic,
        }
    }

    fn item(&self, series: &Series) -> Option<Item> {
        match self {
            Metric::Water(w) => Some(Item::Water(*w)),
            Metric::Air(a) => Some(Item::Air(*a)),
            Metric::Statistic(name) => series.statistic(name),
        }
    }

    fn name(&self) -> String {
        match self {
            Metric::Water(w) => w.name_zh().to_string(),
            Metric::Air(a) => a.name_zh().to_string(),
            Metric::Statistic(s) => s.clone(),
        }
    }

    fn unit(&self) -> &'static str {
        match self {
            Metric::Water(w) => w.unit(),
            Metric::Air(a) => a.pollutant().unit(),
            Metric::Statistic(_) => "",
        }
    }
}

/// Which value of the period a limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// The mean over the period (年均, 年度均值).
    #[default]
    Mean,
    /// The latest value.
    Latest,
}

/// How a growth target's value is read from the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrowthBasis {
    /// The series holds growth rates in percent (统计部门公布的增速).
    #[default]
    Rate,
    /// The series holds levels; the rate is the change from the value one year earlier.
    YearOnYear,
}

/// The kind of an environmental or statistical target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvKind {
    Limit {
        metric: Metric,
        cmp: Cmp,
        value: Decimal,
        statistic: Statistic,
        comparison: Comparison,
    },
    Class {
        /// The class to reach (III: "III类以上").
        class: WaterClass,
        /// For a lake, whether TN counts.
        lake_tn: bool,
        /// Items with their own target ("其他指标" leaves TP out).
        exclude: Vec<WaterItem>,
    },
    Growth {
        metric: Metric,
        cmp: Cmp,
        /// The rate in percent (6 for "增长6%").
        value: Decimal,
        basis: GrowthBasis,
    },
}

/// A target to judge from series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvTarget {
    pub kind: EnvKind,
    pub hardness: Hardness,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    /// Sites by name; empty: every site of the target's kind.
    pub sites: Vec<String>,
    pub non_detect: NonDetect,
}

impl EnvTarget {
    /// A target over a calendar year.
    pub fn year(kind: EnvKind, hardness: Hardness, year: i32) -> EnvTarget {
        EnvTarget {
            kind,
            hardness,
            start: NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year"),
            deadline: NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year"),
            sites: Vec::new(),
            non_detect: NonDetect::default(),
        }
    }
}

/// The judgement of a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvJudgement {
    pub status: Status,
    /// Why, in Chinese.
    pub reason: String,
    /// The value judged: the mean so far (six more places than the data), the latest
    /// statistic or rate; for a class target, the worst item's mean.
    pub value: Option<Decimal>,
    /// The projected mean of the whole period (limit targets on a mean, before the deadline).
    pub projection: Option<Decimal>,
    /// The class reached (class targets).
    pub class: Option<WaterClass>,
    /// Items worse than the target class (class targets).
    pub exceedances: Vec<Exceedance>,
    /// Values used: samples (water), valid days (air), observations (statistics).
    pub count: usize,
    /// Whether the judgement is final (the period is over).
    pub r#final: bool,
}

impl EnvJudgement {
    fn new(status: Status, reason: String) -> EnvJudgement {
        EnvJudgement {
            status,
            reason,
            value: None,
            projection: None,
            class: None,
            exceedances: Vec::new(),
            count: 0,
            r#final: false,
        }
    }
}

/// Judges a target from a series as of a date.
pub fn judge(target: &EnvTarget, series: &Series, as_of: NaiveDate) -> EnvJudgement {
    let fin = as_of >= target.deadline;
    let mut out = if as_of < target.start {
        EnvJudgement::new(
            Status::NotStarted,
            format!("考核期自 {} 起，尚未开始", target.start),
        )
    } else {
        match &target.kind {
            EnvKind::Limit {
                metric,
                cmp,
                value,
                statistic,
                comparison,
            } => judge_limit(
                target,
                series,
                as_of,
                metric,
                *cmp,
                *value,
                *statistic,
                *comparison,
            ),
            EnvKind::Class {
                class,
                lake_tn,
                exclude,
            } => judge_class(target, series, as_of, *class, *lake_tn, exclude),
            EnvKind::Growth {
                metric,
                cmp,
                value,
                basis,
            } => judge_growth(target, series, as_of, metric, *cmp, *value, *basis),
        }
    };
    out.r#final = fin;
    if fin && out.status == Status::NoData {
        out.status = Status::Missed;
        out.reason = format!("已过时限 {}，{}", target.deadline, out.reason);
    }
    if target.hardness == Hardness::Firm && matches!(out.status, Status::NotMet | Status::AtRisk) {
        out.status = Status::Missed;
        out.reason.push_str("；确保类目标，从严判定");
    }
    out
}

/// The sites a target reads, or the reason there are none.
fn sites(target: &EnvTarget, series: &Series, kind: SiteKind) -> Result<Vec<SiteId>, String> {
    if target.sites.is_empty() {
        let ids: Vec<SiteId> = (0..series.sites.len() as SiteId)
            .filter(|&i| series.site(i).kind == kind)
            .collect();
        if ids.is_empty() {
            return Err("没有相应的监测点位".into());
        }
        return Ok(ids);
    }
    target
        .sites
        .iter()
        .map(|name| {
            series
                .site_id(name)
                .ok_or_else(|| format!("监测数据中没有点位“{name}”"))
        })
        .collect()
}

/// The valid observations of a site and item from the target's start to `until`.
fn window(
    series: &Series,
    site: SiteId,
    item: Item,
    from: NaiveDate,
    until: NaiveDate,
) -> impl Iterator<Item = &Observation> {
    let all = series.of(site, item);
    let lo = all.partition_point(|o| o.time.date() < from);
    let hi = all.partition_point(|o| o.time.date() <= until);
    all[lo..hi].iter().filter(|o| o.valid)
}

/// Whether `ord` (value against bound) satisfies `cmp`; "左右" within 5% of the bound.
fn satisfies(ord: Ordering, cmp: Cmp, value: Decimal, bound: Decimal) -> bool {
    match cmp {
        Cmp::AtMost => ord.is_le(),
        Cmp::AtLeast => ord.is_ge(),
        Cmp::Equal => ord.is_eq(),
        Cmp::About => {
            let tol = bound.abs() * Decimal::new(5, 2);
            (value - bound).abs() <= tol
        }
    }
}

fn cmp_word(c: Cmp) -> &'static str {
    match c {
        Cmp::AtLeast => "不低于",
        Cmp::AtMost => "不高于",
        Cmp::About => "约",
        Cmp::Equal => "等于",
    }
}

/// A value for people: one more decimal place than the data, trailing zeros dropped.
fn show(v: Decimal, data_scale: u32) -> String {
    v.round_dp(data_scale + 1).normalize().to_string()
}

/// A mean judged against a bound by a comparison method.
fn mean_meets(m: &Mean, cmp: Cmp, bound: Decimal, comparison: Comparison) -> bool {
    let (ord, v) = match comparison {
        Comparison::FullValue => (m.cmp_to(bound), m.fine()),
        Comparison::Rounded => {
            let r = m.round(Decimal::new(1, bound.scale()));
            (r.cmp(&bound), r)
        }
    };
    satisfies(ord, cmp, v, bound)
}

/// Dated values of one metric for the target's sites: water samples per site, air daily values
/// as the city's daily means, statistic observations per site.
struct Data {
    /// Per site (water, statistics) or one city series (air): (date, value), by date.
    groups: Vec<Vec<(NaiveDate, Decimal)>>,
    /// The largest decimal scale of the raw data.
    scale: u32,
    count: usize,
}

fn collect(
    target: &EnvTarget,
    series: &Series,
    ids: &[SiteId],
    item: Item,
    from: NaiveDate,
    until: NaiveDate,
) -> Data {
    let mut scale = 0;
    let mut groups = Vec::new();
    match item {
        Item::Air(a) => {
            // Daily values per site, then the mean over sites of each day.
            let mut by_day: BTreeMap<NaiveDate, (Decimal, u64)> = BTreeMap::new();
            for &s in ids {
                let obs: Vec<&Observation> = window(series, s, item, from, until).collect();
                let hourly = obs.iter().any(|o| o.time.hour() != 0)
                    || obs.windows(2).any(|w| w[0].time.date() == w[1].time.date());
                let raw: Vec<_> = obs
                    .iter()
                    .map(|o| {
                        let v = o.value.for_mean(target.non_detect);
                        scale = scale.max(v.scale());
                        (o.time, v)
                    })
                    .collect();
                let days: Vec<(NaiveDate, Decimal)> = if hourly {
                    match a {
                        // O3 8-h in hourly data is a sliding mean: the day's max.
                        AirItem::O3EightHours => daily_max(&raw),
                        _ => air::daily_values(a.pollutant(), &raw, Grade::II),
                    }
                } else {
                    raw.iter().map(|(t, v)| (t.date(), *v)).collect()
                };
                for (d, v) in days {
                    let e = by_day.entry(d).or_insert((Decimal::ZERO, 0));
                    e.0 = e.0 + v;
                    e.1 += 1;
                }
            }
            let city: Vec<(NaiveDate, Decimal)> = by_day
                .into_iter()
                .map(|(d, (sum, n))| {
                    let v = if n == 1 {
                        sum
                    } else {
                        Mean::from_sum(sum, n).expect("n > 0").fine()
                    };
                    (d, v)
                })
                .collect();
            let count = city.len();
            if count > 0 {
                groups.push(city);
            }
            Data {
                groups,
                scale,
                count,
            }
        }
        _ => {
            let mut count = 0;
            for &s in ids {
                let g: Vec<(NaiveDate, Decimal)> = window(series, s, item, from, until)
                    .map(|o| {
                        let v = o.value.for_mean(target.non_detect);
                        scale = scale.max(v.scale());
                        (o.time.date(), v)
                    })
                    .collect();
                count += g.len();
                // Empty groups are kept so that groups line up with sites.
                groups.push(g);
            }
            Data {
                groups,
                scale,
                count,
            }
        }
    }
}

fn daily_max(raw: &[(chrono::NaiveDateTime, Decimal)]) -> Vec<(NaiveDate, Decimal)> {
    let mut out: Vec<(NaiveDate, Decimal)> = Vec::new();
    for &(t, v) in raw {
        match out.last_mut() {
            Some((d, m)) if *d == t.date() => *m = (*m).max(v),
            _ => out.push((t.date(), v)),
        }
    }
    out
}

/// The mean of groups: the exact mean for one group, the mean of the groups' means otherwise.
fn mean_of(groups: &[Vec<(NaiveDate, Decimal)>]) -> Option<Mean> {
    let groups: Vec<&Vec<(NaiveDate, Decimal)>> = groups.iter().filter(|g| !g.is_empty()).collect();
    match groups[..] {
        [] => None,
        [g] => Mean::of(g.iter().map(|(_, v)| *v)),
        _ => Mean::of(
            groups
                .iter()
                .filter_map(|g| Mean::of(g.iter().map(|(_, v)| *v)).map(|m| m.fine())),
        ),
    }
}

/// The projected mean of the period for one group of dated values (see the module docs).
fn project(
    observed: &[(NaiveDate, Decimal)],
    history: &[(NaiveDate, Decimal)],
    as_of: NaiveDate,
    deadline: NaiveDate,
    daily: bool,
) -> Option<Mean> {
    let mut m = Mean::of(observed.iter().map(|(_, v)| *v))?;
    let so_far = m.fine();
    let mut last_year: BTreeMap<u32, Mean> = BTreeMap::new();
    for &(d, v) in history {
        match last_year.get_mut(&d.month()) {
            Some(x) => x.push(v),
            None => {
                last_year.insert(d.month(), Mean::of([v]).expect("one value"));
            }
        }
    }
    let fill = |month: u32| last_year.get(&month).map_or(so_far, |x| x.fine());
    if daily {
        let mut d = as_of.succ_opt()?;
        while d <= deadline {
            m.push(fill(d.month()));
            d = d.succ_opt()?;
        }
    } else {
        let months: std::collections::BTreeSet<(i32, u32)> = observed
            .iter()
            .map(|(d, _)| (d.year(), d.month()))
            .collect();
        let per_month = Decimal::from_i64(observed.len() as i64)
            .div_round(
                Decimal::from_i64(months.len() as i64),
                0,
                Rounding::HalfEven,
            )
            .map_or(1, |k| k.mantissa().max(1)) as usize;
        let mut month = NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1)?;
        while month <= deadline {
            if !months.contains(&(month.year(), month.month())) {
                for _ in 0..per_month {
                    m.push(fill(month.month()));
                }
            }
            month = month.checked_add_months(Months::new(1))?;
        }
    }
    Some(m)
}

#[allow(clippy::too_many_arguments)]
fn judge_limit(
    target: &EnvTarget,
    series: &Series,
    as_of: NaiveDate,
    metric: &Metric,
    cmp: Cmp,
    bound: Decimal,
    statistic: Statistic,
    comparison: Comparison,
) -> EnvJudgement {
    let name = metric.name();
    let unit = metric.unit();
    let ids = match sites(target, series, metric.kind()) {
        Ok(ids) => ids,
        Err(r) => return EnvJudgement::new(Status::NoData, r),
    };
    let Some(item) = metric.item(series) else {
        return EnvJudgement::new(Status::NoData, format!("监测数据中没有{name}"));
    };
    let until = as_of.min(target.deadline);
    let data = collect(target, series, &ids, item, target.start, until);
    if data.count == 0 {
        return EnvJudgement::new(Status::NoData, format!("尚无{name}监测数据"));
    }
    let fin = as_of >= target.deadline;
    let bound_text = format!("{}{bound}{unit}", cmp_word(cmp));
    if statistic == Statistic::Latest {
        let latest: Vec<Decimal> = data
            .groups
            .iter()
            .filter_map(|g| g.last().map(|(_, v)| *v))
            .collect();
        let m = Mean::of(latest).expect("non-empty groups");
        let ok = mean_meets(&m, cmp, bound, comparison);
        let v = m.fine();
        let status = match (ok, fin) {
            (true, _) => Status::Met,
            (false, true) => Status::Missed,
            (false, false) => Status::NotMet,
        };
        let mut out = EnvJudgement::new(
            status,
            format!(
                "{name}最新值{}{unit}，目标{bound_text}，{}",
                show(v, data.scale),
                if ok { "达标" } else { "未达标" }
            ),
        );
        out.value = Some(v);
        out.count = data.count;
        return out;
    }
    let m = mean_of(&data.groups).expect("data");
    let ok = mean_meets(&m, cmp, bound, comparison);
    let mean_text = format!("{}{unit}", show(m.fine(), data.scale));
    let days = matches!(item, Item::Air(_));
    let counted = if days {
        format!("（有效{}天）", data.count)
    } else {
        format!("（{}个样品）", data.count)
    };
    let mut out = if fin {
        let mut reason = format!(
            "{}至{} {name}均值{mean_text}{counted}，目标{bound_text}，{}",
            target.start,
            target.deadline,
            if ok { "达标" } else { "未达标" }
        );
        if days && target.deadline.ordinal() >= 365 {
            let dates: Vec<NaiveDate> = data.groups[0].iter().map(|(d, _)| *d).collect();
            let v = air::year_validity(&dates);
            if !v.valid {
                reason.push_str(&format!(
                    "；有效天数{}天，不满足年评价数据有效性要求（≥324天，每月≥27天、2月≥25天）",
                    v.days
                ));
            }
        }
        EnvJudgement::new(if ok { Status::Met } else { Status::Missed }, reason)
    } else {
        // Projection: each group filled with its own last-year profile.
        let year_ago = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
        let history = collect(
            target,
            series,
            &ids,
            item,
            year_ago(target.start),
            year_ago(target.deadline),
        );
        let projected: Vec<Decimal> = data
            .groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let h = history.groups.get(i).map_or(&[][..], |h| &h[..]);
                project(g, h, as_of, target.deadline, days).map(|p| p.fine())
            })
            .collect();
        let p = if projected.len() == 1 {
            projected[0]
        } else {
            Mean::of(projected).expect("groups").fine()
        };
        let p_ok = satisfies(p.cmp(&bound), cmp, p, bound);
        let p_text = format!("{}{unit}", show(p, data.scale));
        let basis = if history.count > 0 {
            "按上年同期月均值外推"
        } else {
            "按当前均值外推"
        };
        let (status, verdict) = match (ok, p_ok) {
            (true, true) => (Status::Met, "达标".to_string()),
            (true, false) => (
                Status::AtRisk,
                format!("预计全年均值{p_text}（{basis}），全年达标有风险"),
            ),
            (false, _) => (
                Status::AtRisk,
                format!("已超出目标，预计全年均值{p_text}（{basis}），全年达标有风险"),
            ),
        };
        let mut out = EnvJudgement::new(
            status,
            format!("截至{as_of} {name}均值{mean_text}{counted}，目标{bound_text}，{verdict}"),
        );
        out.projection = Some(p);
        out
    };
    out.value = Some(m.fine());
    out.count = data.count;
    out
}

fn judge_class(
    target: &EnvTarget,
    series: &Series,
    as_of: NaiveDate,
    class: WaterClass,
    lake_tn: bool,
    exclude: &[WaterItem],
) -> EnvJudgement {
    let ids = match sites(target, series, SiteKind::Water) {
        Ok(ids) => ids,
        Err(r) => return EnvJudgement::new(Status::NoData, r),
    };
    let lake = ids.iter().all(|&i| series.site(i).lake);
    let settings = water::Settings {
        lake,
        lake_tn,
        exclude: exclude.to_vec(),
    };
    let until = as_of.min(target.deadline);
    let mut values: Vec<(WaterItem, Decimal)> = Vec::new();
    let mut count = 0;
    let mut scale = 0;
    for item in settings.items() {
        let per_site: Vec<Vec<Decimal>> = ids
            .iter()
            .map(|&s| {
                window(series, s, Item::Water(item), target.start, until)
                    .map(|o| o.value.for_mean(target.non_detect))
                    .collect::<Vec<_>>()
            })
            .filter(|v| !v.is_empty())
            .collect();
        for v in per_site.iter().flatten() {
            scale = scale.max(v.scale());
            count += 1;
        }
        match per_site.len() {
            0 => {}
            // One site: the raw values, classed on their exact mean.
            1 => values.extend(per_site[0].iter().map(|v| (item, *v))),
            // Several: the site means (whole lake = mean over points).
            _ => values.extend(
                per_site
                    .iter()
                    .filter_map(|v| Mean::of(v.iter().copied()))
                    .map(|m| (item, m.fine())),
            ),
        }
    }
    let a = water::assess_period(&values, &settings);
    let Some(reached) = a.class else {
        return EnvJudgement::new(Status::NoData, "尚无水质监测数据".into());
    };
    let fin = as_of >= target.deadline;
    let excluded = if exclude.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = exclude.iter().map(|i| i.name_zh()).collect();
        format!("（{}另有目标，不计入）", names.join("、"))
    };
    let period = if fin {
        format!("{}至{}", target.start, target.deadline)
    } else {
        format!("截至{as_of}")
    };
    let exceed = a.exceedances(class, lake);
    let ok = reached <= class;
    let reason = if ok {
        format!(
            "{period} 参评指标{excluded}均值均达到{}，水质{}",
            class.label(),
            reached.label()
        )
    } else {
        let items: Vec<String> = exceed
            .iter()
            .map(|e| {
                let mult = e
                    .multiple
                    .map(|m| format!("，超标{m}倍"))
                    .unwrap_or_default();
                format!(
                    "{}均值{}{}（{}{mult}）",
                    e.item.name_zh(),
                    show(e.value, scale),
                    e.item.unit(),
                    e.class.label()
                )
            })
            .collect();
        format!(
            "{period} 参评指标{excluded}中{}，水质{}，未达到{}",
            items.join("、"),
            reached.label(),
            class.label()
        )
    };
    let status = match (ok, fin) {
        (true, _) => Status::Met,
        (false, true) => Status::Missed,
        (false, false) => Status::NotMet,
    };
    let mut out = EnvJudgement::new(status, reason);
    out.class = Some(reached);
    out.value = a
        .items
        .iter()
        .find(|r| a.worst.first() == Some(&r.item))
        .map(|r| r.value);
    out.exceedances = exceed;
    out.count = count;
    out
}

fn judge_growth(
    target: &EnvTarget,
    series: &Series,
    as_of: NaiveDate,
    metric: &Metric,
    cmp: Cmp,
    bound: Decimal,
    basis: GrowthBasis,
) -> EnvJudgement {
    let name = metric.name();
    let ids = match sites(target, series, metric.kind()) {
        Ok(ids) => ids,
        Err(r) => return EnvJudgement::new(Status::NoData, r),
    };
    let Some(item) = metric.item(series) else {
        return EnvJudgement::new(Status::NoData, format!("统计数据中没有{name}"));
    };
    let until = as_of.min(target.deadline);
    // The latest observation of the first site that has one.
    let latest = ids.iter().find_map(|&s| {
        window(series, s, item, target.start, until)
            .last()
            .map(|o| (s, *o))
    });
    let Some((site, o)) = latest else {
        return EnvJudgement::new(Status::NoData, format!("尚无{name}数据"));
    };
    let v = o.value.for_mean(target.non_detect);
    let rate = match basis {
        GrowthBasis::Rate => v,
        GrowthBasis::YearOnYear => {
            let Some(prev_time) = o.time.checked_sub_months(Months::new(12)) else {
                return EnvJudgement::new(Status::NoData, "无法确定上年同期".into());
            };
            let prev = series
                .of(site, item)
                .iter()
                .find(|x| x.time == prev_time && x.valid);
            let Some(prev) = prev else {
                return EnvJudgement::new(
                    Status::NoData,
                    format!("缺少{name}上年同期（{}）数据", prev_time.date()),
                );
            };
            let p = prev.value.for_mean(target.non_detect);
            match (v - p).div_round(p, 4, Rounding::HalfEven) {
                Some(r) => r * Decimal::from_i64(100),
                None => {
                    return EnvJudgement::new(Status::NoData, format!("{name}上年同期为零"));
                }
            }
        }
    };
    let ok = satisfies(rate.cmp(&bound), cmp, rate, bound);
    let fin = as_of >= target.deadline;
    let status = match (ok, fin) {
        (true, _) => Status::Met,
        (false, true) => Status::Missed,
        (false, false) => Status::NotMet,
    };
    let mut out = EnvJudgement::new(
        status,
        format!(
            "{name}（{}）增长{}%，目标{}{bound}%，{}",
            o.time.date(),
            rate.normalize(),
            cmp_word(cmp),
            if ok { "达标" } else { "未达标" }
        ),
    );
    out.value = Some(rate);
    out.count = 1;
    out
}

/// Monthly means of a linked target's item at its sites, at each month's end (for charts). A
/// class target shows nothing here (its chart would need one line per item).
pub fn monthly_points(series: &Series, target: &EnvTarget) -> Vec<(NaiveDate, f64)> {
    let metric = match &target.kind {
        EnvKind::Limit { metric, .. } | EnvKind::Growth { metric, .. } => metric,
        EnvKind::Class { .. } => return vec![],
    };
    let item = match metric {
        Metric::Water(w) => Item::Water(*w),
        Metric::Air(a) => Item::Air(*a),
        Metric::Statistic(name) => match series.statistic(name) {
            Some(i) => i,
            None => return vec![],
        },
    };
    let mut months: BTreeMap<(i32, u32), (f64, usize)> = Default::default();
    for site in &target.sites {
        let Some(id) = series.site_id(site) else {
            continue;
        };
        for o in series.of(id, item).iter().filter(|o| o.valid) {
            let d = o.time.date();
            let v = o.value.for_mean(target.non_detect).to_f64();
            let e = months.entry((d.year(), d.month())).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
        }
    }
    months
        .into_iter()
        .filter_map(|((y, m), (sum, n))| {
            let end = zhuanban_plan::dates::last_day_of_month(y, m)?;
            Some((end, sum / n as f64))
        })
        .collect()
}
