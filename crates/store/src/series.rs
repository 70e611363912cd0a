//! Monitoring series in the store, and the targets linked to them.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use zhuanban_ledger::Id;
use zhuanban_ledger::environment::EnvTarget;
use zhuanban_standards::series::{Item, Observation, Parsed, Series, Site, SiteKind, Value};

use crate::db;
use crate::ledger::write_audit;
use crate::{Actor, Db, Result, StoreError};

fn kind_str(k: SiteKind) -> &'static str {
    match k {
        SiteKind::Water => "water",
        SiteKind::Air => "air",
        SiteKind::Statistic => "statistic",
    }
}

fn item_key(series: &Series, item: Item) -> Result<String> {
    Ok(match item {
        Item::Statistic(_) => json!({ "statistic": series.item_name(item) }).to_string(),
        other => serde_json::to_string(&other)?,
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesImport {
    pub observations: usize,
    pub replaced: usize,
    pub sites: usize,
}

impl Db {
    /// Stores a parsed series in one transaction: an observation of the same site, item and
    /// time replaces the stored one (a corrected value).
    pub async fn import_series(
        &self,
        parsed: &Parsed,
        source: &str,
        actor: &Actor,
    ) -> Result<SeriesImport> {
        let s = &parsed.series;
        let mut tx = self.write().await?;
        for site in &s.sites {
            db::query("INSERT INTO series_sites (name, kind, lake) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, lake = excluded.lake")
                .bind(&site.name)
                .bind(kind_str(site.kind))
                .bind(site.lake)
                .execute(&mut tx)
                .await?;
        }
        let mut replaced = 0;
        for o in &s.observations {
            let site = &s.site(o.site).name;
            let item = item_key(s, o.item)?;
            let time = o.time.format("%Y-%m-%dT%H:%M:%S").to_string();
            let existed: Option<i64> = db::query_scalar(
                "SELECT 1 FROM observations WHERE site = $1 AND item = $2 AND time = $3",
            )
            .bind(site)
            .bind(&item)
            .bind(&time)
            .fetch_optional(&mut tx)
            .await?;
            replaced += usize::from(existed.is_some());
            db::query(
                "INSERT INTO observations (site, item, time, value, flag, valid) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (site, item, time) DO UPDATE
                 SET value = excluded.value, flag = excluded.flag, valid = excluded.valid",
            )
                .bind(site)
                .bind(&item)
                .bind(&time)
                .bind(serde_json::to_string(&o.value)?)
                .bind(s.flag(o))
                .bind(o.valid)
                .execute(&mut tx)
                .await?;
        }
        let out = SeriesImport {
            observations: s.observations.len(),
            replaced,
            sites: s.sites.len(),
        };
        write_audit(
            &mut tx,
            actor,
            "series.import",
            &format!("series {source}"),
            None,
            Some(&format!(
                "{} 个点位，{} 条观测（覆盖 {replaced} 条）",
                out.sites, out.observations
            )),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every stored series, as one [`Series`].
    pub async fn load_series(&self) -> Result<Series> {
        let sites: Vec<(String, String, bool)> =
            db::query_as("SELECT name, kind, lake FROM series_sites ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        let mut series = Series::default();
        let mut index = BTreeMap::new();
        for (name, kind, lake) in sites {
            index.insert(name.clone(), series.sites.len() as u32);
            series.sites.push(Site {
                name,
                kind: match kind.as_str() {
                    "water" => SiteKind::Water,
                    "air" => SiteKind::Air,
                    _ => SiteKind::Statistic,
                },
                lake,
            });
        }
        let rows: Vec<(String, String, String, String, Option<String>, bool)> =
            db::query_as("SELECT site, item, time, value, flag, valid FROM observations")
                .fetch_all(&self.pool)
                .await?;
        for (site, item, time, value, flag, valid) in rows {
            let Some(&site) = index.get(&site) else {
                continue;
            };
            let item: Item = match serde_json::from_str::<serde_json::Value>(&item)?
                .get("statistic")
                .and_then(|v| v.as_str())
            {
                Some(name) => {
                    let i = match series.statistics.iter().position(|s| s == name) {
                        Some(i) => i,
                        None => {
                            series.statistics.push(name.to_string());
                            series.statistics.len() - 1
                        }
                    };
                    Item::Statistic(i as u16)
                }
                None => serde_json::from_str(&item)?,
            };
            let flag = flag.map(|f| match series.flags.iter().position(|x| *x == f) {
                Some(i) => i as u16,
                None => {
                    series.flags.push(f);
                    (series.flags.len() - 1) as u16
                }
            });
            let time = chrono::NaiveDateTime::parse_from_str(&time, "%Y-%m-%dT%H:%M:%S")
                .map_err(|_| StoreError::invalid("time", format!("观测时间“{time}”格式不正确")))?;
            let value: Value = serde_json::from_str(&value)?;
            series.observations.push(Observation {
                site,
                item,
                time,
                value,
                flag,
                valid,
            });
        }
        series
            .observations
            .sort_by_key(|o| (o.site, o.item, o.time));
        Ok(series)
    }

    /// Links a target (by task number and position) to monitoring data.
    pub async fn link_target(
        &self,
        plan_id: Id,
        task_code: &str,
        seq: i64,
        target: &EnvTarget,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let json = serde_json::to_string(target)?;
        db::query(
            "INSERT INTO target_links (plan_id, task_code, target_seq, target) VALUES ($1, $2, $3, $4)
             ON CONFLICT (plan_id, task_code, target_seq) DO UPDATE SET target = excluded.target",
        )
        .bind(plan_id)
        .bind(task_code)
        .bind(seq)
        .bind(&json)
        .execute(&mut tx)
        .await?;
        write_audit(
            &mut tx,
            actor,
            "target.link",
            &format!("plan#{plan_id} task {task_code} target {seq}"),
            None,
            Some(&json),
            "ok",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The linked targets of a plan: (task code, target position, how to judge it).
    pub async fn target_links(&self, plan_id: Id) -> Result<Vec<(String, i64, EnvTarget)>> {
        Ok(self
            .target_links_of(&[plan_id])
            .await?
            .remove(&plan_id)
            .unwrap_or_default())
    }

    /// The linked targets of several plans, as [`Db::target_links`] gives them, by plan (a plan
    /// without links is absent).
    pub async fn target_links_of(
        &self,
        plan_ids: &[Id],
    ) -> Result<HashMap<Id, Vec<(String, i64, EnvTarget)>>> {
        let mut out: HashMap<Id, Vec<(String, i64, EnvTarget)>> = HashMap::new();
        let mut ids = plan_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(crate::MAX_PLANS) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let rows: Vec<(i64, String, i64, String)> = db::query_as(format!(
                "SELECT plan_id, task_code, target_seq, target FROM target_links
                 WHERE plan_id IN ({list}) ORDER BY plan_id, task_code, target_seq"
            ))
            .args(&chunk.iter().map(|&i| db::Arg::from(i)).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await?;
            for (p, c, s, t) in rows {
                out.entry(p)
                    .or_default()
                    .push((c, s, serde_json::from_str(&t)?));
            }
        }
        Ok(out)
    }
}
