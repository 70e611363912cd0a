//! `zhuanban series`: monitoring data (water, air, statistics) imported from CSV, and targets
//! linked to it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use zhuanban_ledger::Id;
use zhuanban_standards::series::{CsvOptions, SiteKind, parse_csv};

use crate::DbArgs;
use crate::ledger_cmd::{actor, open, pick_plan};
use crate::output::outln;

fn kind(k: &str) -> anyhow::Result<SiteKind> {
    Ok(match k {
        "water" => SiteKind::Water,
        "air" => SiteKind::Air,
        "statistic" => SiteKind::Statistic,
        other => bail!("--kind 应为 water、air 或 statistic，收到“{other}”"),
    })
}

/// Imports a CSV file; every error is named with its row and column and nothing is stored.
pub async fn import(
    db: &DbArgs,
    file: &Path,
    site: Option<&str>,
    kind_name: &str,
    lake: bool,
    map: &[String],
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: 无法读取", file.display()))?;
    // A spreadsheet goes through the same checked reader as its first sheet in CSV form.
    let text = if bytes.starts_with(b"PK\x03\x04") {
        zhuanban_office::sheet::first_sheet_csv(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
    } else {
        zhuanban_plan::decode(&bytes)
            .map(|d| d.text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
    };
    let mut opts = CsvOptions::new(kind(kind_name)?);
    opts.lake = lake;
    opts.site = site.map(str::to_string);
    for m in map {
        let Some((role, header)) = m.split_once('=') else {
            bail!("--map 的格式应为 角色=表头，如 time=监测时间，收到“{m}”");
        };
        let header = Some(header.trim().to_string());
        match role.trim() {
            "time" => opts.columns.time = header,
            "item" => opts.columns.item = header,
            "value" => opts.columns.value = header,
            "site" => opts.columns.site = header,
            "flag" => opts.columns.flag = header,
            other => bail!("--map：未知的列角色“{other}”（可用 time、item、value、site、flag）"),
        }
    }
    let parsed = match parse_csv(&text, &opts) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}: {e}", file.display());
            }
            eprintln!(
                "zhuanban: {}：{} 处错误，未导入任何数据",
                file.display(),
                errors.len()
            );
            return Ok(ExitCode::from(2));
        }
    };
    let store = open(db).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = store.import_series(&parsed, &name, &actor(db)).await?;
    outln!(
        "已导入 {}：{} 个点位，{} 条观测（覆盖已有 {} 条；文件内重复 {} 条，保留后出现者{}）",
        file.display(),
        out.sites,
        out.observations,
        out.replaced,
        parsed.duplicates.len(),
        if parsed.reordered {
            "；已按时间排序"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Links a target (task number, position) to a site and item (`zhuanban_desk::series`).
#[allow(clippy::too_many_arguments)]
pub async fn link(
    db: &DbArgs,
    plan: Option<Id>,
    task: &str,
    seq: i64,
    site: &str,
    item: Option<&str>,
    exclude: &[String],
    latest: bool,
) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let plan_id = pick_plan(&store, plan).await?;
    let link = zhuanban_desk::series::Link {
        task,
        seq,
        site,
        item,
        exclude,
        latest,
    };
    match zhuanban_desk::series::link_target(&store, plan_id, &link, &actor(db)).await {
        Ok(done) => {
            outln!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        Err(zhuanban_desk::series::LinkError::Invalid(field, msg)) => {
            bail!("--{field}：{msg}")
        }
        Err(zhuanban_desk::series::LinkError::Store(e)) => Err(e.into()),
    }
}

/// Prints the judgement of every linked target.
pub async fn show(
    db: &DbArgs,
    plan: Option<Id>,
    as_of: Option<chrono::NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let plan_id = pick_plan(&store, plan).await?;
    let as_of = as_of.unwrap_or_else(zhuanban_store::clock::china_today);
    let j = zhuanban_desk::judge::monitored(&store, plan_id, as_of).await?;
    let mut rows: Vec<_> = j.into_iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for ((code, seq), e) in rows {
        outln!(
            "任务 {code} 目标 {seq}：{}（{}）",
            e.status.label(),
            e.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}
