//! Linking a target to monitoring data: the target (task number, place) is judged from a
//! site's series from then on. The command line (`zhuanban series link`) and the desk's
//! 监测数据 page both call [`link_target`].

use zhuanban_ledger::environment::{EnvKind, EnvTarget, GrowthBasis, Metric, Statistic};
use zhuanban_ledger::{Id, TargetKind};
use zhuanban_standards::decimal::{Comparison, Decimal, NonDetect};
use zhuanban_standards::series::{Item, SiteKind};
use zhuanban_standards::water::WaterClass;
use zhuanban_store::{Actor, Db, Store, StoreError};

/// What to link: a target of a task to a site and (except for a water class) an item.
#[derive(Debug, Clone, Default)]
pub struct Link<'a> {
    pub task: &'a str,
    /// The target's place in the task (1-based).
    pub seq: i64,
    pub site: &'a str,
    /// The monitored item (总磷, PM2.5, a statistic's name); not needed for a water class.
    pub item: Option<&'a str>,
    /// Water items left out of a class judgement.
    pub exclude: &'a [String],
    /// Judge by the latest value instead of the mean.
    pub latest: bool,
}

/// A refusal names the field (`task`, `target`, `site`, `item`, `exclude`) and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, msg: impl Into<String>) -> LinkError {
    LinkError::Invalid(field, msg.into())
}

fn class_of(v: f64) -> Result<WaterClass, LinkError> {
    Ok(match v.round() as i64 {
        1 => WaterClass::I,
        2 => WaterClass::II,
        3 => WaterClass::III,
        4 => WaterClass::IV,
        5 => WaterClass::V,
        _ => return Err(invalid("target", "水质类别应为 1～5")),
    })
}

/// Links a target of a plan to a site's monitoring data; returns the sentence to show
/// ("任务 2.2.2 的目标 1（…）今后按点位“…”的监测数据判断").
pub async fn link_target(
    store: &Db,
    plan_id: Id,
    l: &Link<'_>,
    actor: &Actor,
) -> Result<String, LinkError> {
    let p = store.plan(plan_id).await?;
    let tasks = store.tasks(plan_id, None).await?;
    let Some(t) = tasks.iter().find(|t| t.code == l.task) else {
        return Err(invalid("task", format!("方案中没有任务 {}", l.task)));
    };
    let Some(g) = t.targets.iter().find(|g| g.seq == l.seq) else {
        return Err(invalid(
            "target",
            format!("任务 {} 没有第 {} 个目标", l.task, l.seq),
        ));
    };
    let series = store.load_series().await?;
    let Some(sid) = series.site_id(l.site) else {
        return Err(invalid(
            "site",
            format!("尚未导入点位“{}”的监测数据", l.site),
        ));
    };
    let site_kind = series.site(sid).kind;
    let metric = |name: &str| -> Result<Metric, LinkError> {
        Ok(match (site_kind, Item::resolve(name, site_kind)) {
            (SiteKind::Statistic, _) => Metric::Statistic(name.to_string()),
            (_, Some(Item::Water(w))) => Metric::Water(w),
            (_, Some(Item::Air(a))) => Metric::Air(a),
            _ => return Err(invalid("item", format!("无法识别的监测项目“{name}”"))),
        })
    };
    let value = Decimal::parse(&format!("{}", g.value))
        .map_err(|e| invalid("target", format!("目标值 {}：{e}", g.value)))?;
    let item = l.item.map(str::trim).filter(|s| !s.is_empty());
    let env_kind = match g.kind {
        TargetKind::Class => {
            let mut items = Vec::new();
            for x in l.exclude {
                match Item::resolve(x, SiteKind::Water) {
                    Some(Item::Water(w)) => items.push(w),
                    _ => return Err(invalid("exclude", format!("无法识别的水质项目“{x}”"))),
                }
            }
            EnvKind::Class {
                class: class_of(g.value)?,
                lake_tn: false,
                exclude: items,
            }
        }
        TargetKind::Growth => EnvKind::Growth {
            metric: metric(item.ok_or_else(|| invalid("item", "增长率目标须指明统计项目"))?)?,
            cmp: g.cmp,
            value,
            basis: GrowthBasis::Rate,
        },
        _ => EnvKind::Limit {
            metric: metric(item.ok_or_else(|| invalid("item", "须指明监测项目，如 总磷、PM2.5"))?)?,
            cmp: g.cmp,
            value,
            statistic: if l.latest {
                Statistic::Latest
            } else {
                Statistic::Mean
            },
            comparison: Comparison::FullValue,
        },
    };
    let target = EnvTarget {
        kind: env_kind,
        hardness: g.hardness,
        start: p.period_start,
        deadline: g.deadline.unwrap_or(p.period_end),
        sites: vec![l.site.to_string()],
        non_detect: NonDetect::default(),
    };
    store
        .link_target(plan_id, l.task, l.seq, &target, actor)
        .await?;
    Ok(format!(
        "任务 {} 的目标 {}（{}）今后按点位“{}”的监测数据判断",
        l.task, l.seq, g.text, l.site
    ))
}

/// One site as its page shows it: each item observed there with its values, a chart's points,
/// the targets linked to it and the standard's class lines around its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteView {
    pub name: String,
    /// 水质, 空气, 统计.
    pub kind: &'static str,
    pub lake: bool,
    pub items: Vec<ItemView>,
}

/// One item at a site.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    pub name: String,
    pub unit: String,
    /// Observations, all of them.
    pub count: usize,
    /// The newest observations first, at most [`ROWS_SHOWN`]: (time, value as recorded, class
    /// or grade of the value where the standard gives one, flag note).
    pub rows: Vec<(String, String, String, String)>,
    /// The chart's points: each observation, or daily means when there are more than
    /// [`MAX_POINTS`], or monthly means when there are still more.
    pub points: Vec<(chrono::NaiveDate, f64)>,
    /// What the points are ("逐次监测值", "日均值", "月均值").
    pub points_are: &'static str,
    pub first: Option<chrono::NaiveDate>,
    pub last: Option<chrono::NaiveDate>,
    /// Targets linked to this site and item: (task number, target's place, what it asks, the
    /// value drawn on the chart).
    pub targets: Vec<(String, i64, String, Option<f64>)>,
    /// The standard's lines around the values (GB 3838 classes, GB 3095 grades).
    pub levels: Vec<zhuanban_office::svg::Level>,
}

/// The rows of values a site's page lists per item.
pub const ROWS_SHOWN: usize = 100;
/// The most points a chart draws before it averages them by day, then by month.
pub const MAX_POINTS: usize = 400;

fn item_name_unit(series: &zhuanban_standards::series::Series, item: Item) -> (String, String) {
    match item {
        Item::Water(w) => (w.name_zh().to_string(), w.unit().to_string()),
        Item::Air(a) => (a.name_zh().to_string(), a.pollutant().unit().to_string()),
        Item::Statistic(i) => (
            series
                .statistics
                .get(i as usize)
                .cloned()
                .unwrap_or_default(),
            String::new(),
        ),
    }
}

/// Means of the points grouped by `key` (a day, a month's first day).
fn means_by(
    points: &[(chrono::NaiveDate, f64)],
    key: impl Fn(chrono::NaiveDate) -> chrono::NaiveDate,
) -> Vec<(chrono::NaiveDate, f64)> {
    let mut groups: std::collections::BTreeMap<chrono::NaiveDate, (f64, u32)> = Default::default();
    for &(d, v) in points {
        let g = groups.entry(key(d)).or_default();
        g.0 += v;
        g.1 += 1;
    }
    groups
        .into_iter()
        .map(|(d, (sum, n))| (d, sum / f64::from(n)))
        .collect()
}

/// The standard's lines for an item: all of them with their labels, best class first.
fn standard_levels(
    item: Item,
    lake: bool,
    on: chrono::NaiveDate,
    yearly: bool,
) -> Vec<zhuanban_office::svg::Level> {
    use zhuanban_office::svg::Level;
    use zhuanban_standards::air::{self, Averaging, Edition, Grade};
    match item {
        Item::Water(w) => w
            .limits(lake)
            .map(|limits| {
                WaterClass::ALL
                    .iter()
                    .zip(limits)
                    .map(|(c, v)| Level {
                        value: v.to_f64(),
                        label: c.label(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Item::Air(a) => {
            let averaging = if yearly && a.daily_averaging() == Averaging::Day {
                Averaging::Year
            } else {
                a.daily_averaging()
            };
            let period = match averaging {
                Averaging::Year => "年均",
                Averaging::Day => "日均",
                Averaging::EightHours => "8小时",
                Averaging::Hour => "1小时",
            };
            [(Grade::I, "一级"), (Grade::II, "二级")]
                .into_iter()
                .filter_map(|(g, name)| {
                    air::limit(Edition::for_date(on), a.pollutant(), averaging, g).map(|v| Level {
                        value: v.to_f64(),
                        label: format!("{name}{period}"),
                    })
                })
                .collect()
        }
        Item::Statistic(_) => vec![],
    }
}

/// The levels worth drawing: those within the values' range, and the nearest one beyond it on
/// each side (the class a value sits in is bounded by the lines on its both sides).
fn around(
    levels: Vec<zhuanban_office::svg::Level>,
    lo: f64,
    hi: f64,
) -> Vec<zhuanban_office::svg::Level> {
    let below = levels
        .iter()
        .filter(|l| l.value < lo)
        .map(|l| l.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let above = levels
        .iter()
        .filter(|l| l.value > hi)
        .map(|l| l.value)
        .fold(f64::INFINITY, f64::min);
    let mut out: Vec<_> = levels
        .into_iter()
        .filter(|l| (l.value >= lo && l.value <= hi) || l.value == below || l.value == above)
        .collect();
    // One line per value (I and II share TP's 0.02 in some columns): the first label.
    out.sort_by(|a, b| a.value.total_cmp(&b.value));
    out.dedup_by(|b, a| {
        if a.value == b.value {
            a.label = format!("{}/{}", a.label, b.label);
            true
        } else {
            false
        }
    });
    out
}

/// The value a linked target draws on a chart of `item` at `site`, and what it asks.
fn target_line(t: &EnvTarget, item: Item, lake: bool) -> Option<(String, Option<f64>)> {
    match &t.kind {
        EnvKind::Limit {
            metric,
            cmp,
            value,
            statistic,
            ..
        } => {
            let same = match (metric, item) {
                (Metric::Water(w), Item::Water(i)) => *w == i,
                (Metric::Air(a), Item::Air(i)) => *a == i,
                (Metric::Statistic(_), Item::Statistic(_)) => true,
                _ => false,
            };
            same.then(|| {
                let of = match statistic {
                    Statistic::Mean => "均值",
                    Statistic::Latest => "最新值",
                };
                (
                    format!("{of}{}{}", cmp.symbol(), value),
                    Some(value.to_f64()),
                )
            })
        }
        EnvKind::Class { class, exclude, .. } => match item {
            Item::Water(w) if !exclude.contains(&w) => Some((
                format!("水质{}以上", class.label()),
                w.limit(*class, lake).map(|v| v.to_f64()),
            )),
            _ => None,
        },
        EnvKind::Growth {
            metric, cmp, value, ..
        } => match (metric, item) {
            (Metric::Statistic(_), Item::Statistic(_)) => {
                Some((format!("增速{}{}%", cmp.symbol(), value), None))
            }
            _ => None,
        },
    }
}

/// The page of one site; None when there is no such site.
pub fn site_view(
    series: &zhuanban_standards::series::Series,
    name: &str,
    links: &[(String, i64, EnvTarget)],
) -> Option<SiteView> {
    let id = series.site_id(name)?;
    let site = series.site(id);
    let obs: Vec<_> = series
        .observations
        .iter()
        .filter(|o| o.site == id)
        .collect();
    let mut order: Vec<Item> = Vec::new();
    for o in &obs {
        if !order.contains(&o.item) {
            order.push(o.item);
        }
    }
    let items = order
        .into_iter()
        .map(|item| {
            let mine: Vec<_> = obs.iter().filter(|o| o.item == item).collect();
            let (name, unit) = item_name_unit(series, item);
            let raw: Vec<(chrono::NaiveDate, f64)> = mine
                .iter()
                .filter(|o| o.valid)
                .map(|o| {
                    (
                        o.time.date(),
                        o.value.for_mean(NonDetect::default()).to_f64(),
                    )
                })
                .collect();
            let daily = means_by(&raw, |d| d);
            let (points, points_are, yearly) = if raw.len() <= MAX_POINTS {
                (raw.clone(), "逐次监测值", false)
            } else if daily.len() <= MAX_POINTS {
                (daily, "日均值", false)
            } else {
                use chrono::Datelike;
                let monthly = means_by(&raw, |d| d.with_day(1).expect("day 1"));
                (monthly, "月均值", true)
            };
            let first = mine.iter().map(|o| o.time.date()).min();
            let last = mine.iter().map(|o| o.time.date()).max();
            let (lo, hi) = points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.1), hi.max(p.1))
                });
            let levels = match last {
                Some(on) if lo.is_finite() => {
                    around(standard_levels(item, site.lake, on, yearly), lo, hi)
                }
                _ => vec![],
            };
            let targets = links
                .iter()
                .filter(|(_, _, t)| t.sites.is_empty() || t.sites.iter().any(|s| s == &site.name))
                .filter_map(|(code, seq, t)| {
                    target_line(t, item, site.lake).map(|(what, v)| (code.clone(), *seq, what, v))
                })
                .collect();
            let rows = mine
                .iter()
                .rev()
                .take(ROWS_SHOWN)
                .map(|o| {
                    let (value, class_value) = match o.value {
                        zhuanban_standards::series::Value::Measured(v) => (v.to_string(), Some(v)),
                        zhuanban_standards::series::Value::BelowLimit(l) => {
                            (format!("<{l}（未检出）"), None)
                        }
                    };
                    let class = match (item, class_value) {
                        (Item::Water(w), Some(v)) => {
                            zhuanban_standards::water::item_class(w, v, site.lake)
                                .map(|c| c.label())
                                .unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    let note = match (o.valid, o.flag) {
                        (false, Some(f)) => format!(
                            "无效（{}）",
                            series.flags.get(f as usize).cloned().unwrap_or_default()
                        ),
                        (false, None) => "无效".to_string(),
                        (true, Some(f)) => {
                            series.flags.get(f as usize).cloned().unwrap_or_default()
                        }
                        (true, None) => String::new(),
                    };
                    (
                        o.time.format("%Y-%m-%d %H:%M").to_string(),
                        value,
                        class,
                        note,
                    )
                })
                .collect();
            ItemView {
                name,
                unit,
                count: mine.len(),
                rows,
                points,
                points_are,
                first,
                last,
                targets,
                levels,
            }
        })
        .collect();
    Some(SiteView {
        name: site.name.clone(),
        kind: match site.kind {
            SiteKind::Water => "水质",
            SiteKind::Air => "空气",
            SiteKind::Statistic => "统计",
        },
        lake: site.lake,
        items,
    })
}
