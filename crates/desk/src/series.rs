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
