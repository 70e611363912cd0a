//! Ledger commands: init, import, plans, round, report, status, audit.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Deserialize;
use zhuanban_ledger::{Colour, Id, ReportState, RoundId, RoundState, Status, UnitId, UnitRecord};
use zhuanban_plan::{Period, Severity};
use zhuanban_store::{Actor, Db, ImportOptions, ReportInput, RoundInput, Store};

use crate::output::{out, outln};
use crate::{DbArgs, StatusFormat, plan_cmd};

pub fn actor(db: &DbArgs) -> Actor {
    Actor::new(db.actor.clone(), "cli")
}

/// The PostgreSQL URL that `--db` names, when it names one (`postgres://` or `postgresql://`).
pub fn postgres_url(db: &Path) -> Option<&str> {
    db.to_str()
        .filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// Opens the ledger `--db` names: a PostgreSQL database (its audit key file named by
/// `ZHUANBAN_AUDIT_KEY`), or a SQLite file that must exist.
pub async fn open(db: &DbArgs) -> anyhow::Result<Db> {
    open_path(&db.db, false).await
}

/// Opens the ledger at `db`; a SQLite file is created when missing if `create`. The message
/// of a failure names the database (never a PostgreSQL password).
pub async fn open_path(db: &Path, create: bool) -> anyhow::Result<Db> {
    if let Some(url) = postgres_url(db) {
        return Db::connect(url)
            .await
            .context("无法连接或升级 PostgreSQL 数据库");
    }
    if create {
        Db::open(db)
            .await
            .with_context(|| format!("无法打开或创建数据库 {}", db.display()))
    } else {
        Db::open_existing(db)
            .await
            .with_context(|| format!("无法打开数据库 {}", db.display()))
    }
}

/// The plan to act on: the one given, else the only (or newest) plan in the ledger.
pub async fn pick_plan(store: &Db, plan: Option<Id>) -> anyhow::Result<Id> {
    if let Some(p) = plan {
        store.plan(p).await?;
        return Ok(p);
    }
    let plans = store.plans().await?;
    match plans.last() {
        Some(p) => Ok(p.id),
        None => bail!("台账中还没有方案（先运行 zhuanban import 方案文件）"),
    }
}

pub async fn init(db: &DbArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = postgres_url(&db.db) {
        // The URL may carry a password: it is not printed.
        let store = Db::connect(url)
            .await
            .context("无法连接或升级 PostgreSQL 数据库")?;
        outln!(
            "PostgreSQL 数据库：台账结构已是最新（结构版本 {}）",
            store.schema_version().await?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let existed = db.db.exists();
    Db::open(&db.db)
        .await
        .with_context(|| format!("无法创建数据库 {}", db.db.display()))?;
    outln!(
        "{}：{}",
        db.db.display(),
        if existed {
            "数据库已是最新结构"
        } else {
            "已创建台账数据库"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn import(
    db: &DbArgs,
    file: &Path,
    plan: Option<Id>,
    force: bool,
    year: Option<i32>,
    aliases: &[String],
) -> anyhow::Result<ExitCode> {
    let mut reading = match plan_cmd::read_plan(file, aliases)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    for d in &reading.diagnostics {
        if d.severity != Severity::Info {
            outln!("{}", plan_cmd::describe(file, d));
        }
    }
    if reading.has_errors() && !force {
        eprintln!(
            "zhuanban: {}：方案有错误（见上），未导入；更正后重试，或用 --force 强制导入",
            file.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(y) = year {
        let start = NaiveDate::from_ymd_opt(y, 1, 1).context("年份无效")?;
        let end = NaiveDate::from_ymd_opt(y, 12, 31).context("年份无效")?;
        reading.plan.period = Some(Period {
            start,
            end,
            evidence: vec![format!("--year {y}")],
        });
    }
    let store = open_path(&db.db, true).await?;
    let out = store
        .import_plan(
            &reading.plan,
            &ImportOptions {
                plan_id: plan,
                ..Default::default()
            },
            &actor(db),
        )
        .await?;
    outln!(
        "已导入方案 #{} 第 {} 版：任务 {} 项，量化目标 {} 个，节点 {} 个，单位 {} 个（新建 {} 个）",
        out.plan_id,
        out.version,
        out.tasks,
        out.targets,
        out.milestones,
        out.units,
        out.units_created
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn plans(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    for p in store.plans().await? {
        outln!(
            "#{} {}（第 {} 版，{} 至 {}）",
            p.id,
            p.title,
            p.version,
            p.period_start,
            p.period_end
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn round_open(
    db: &DbArgs,
    plan: Option<Id>,
    name: &str,
    as_of: NaiveDate,
    due: NaiveDate,
) -> anyhow::Result<ExitCode> {
    // Taken as given on the command line; a rest day, or a year whose holidays are not
    // known, is pointed out.
    use zhuanban_ledger::calendar;
    if !calendar::is_working_day(due) {
        eprintln!(
            "注意：报送截止日期 {due} 为{}，下一个工作日为 {}",
            calendar::day(due).label(),
            calendar::next_working_day(due)
        );
    }
    if let Some(note) = calendar::fallback_note(due) {
        eprintln!("注意：{note}");
    }
    let store = open(db).await?;
    let plan_id = pick_plan(&store, plan).await?;
    let r = store
        .open_round(
            &RoundInput {
                plan_id,
                name: name.to_string(),
                as_of,
                due,
            },
            false,
            &actor(db),
        )
        .await?;
    outln!(
        "已开启轮次 #{}“{}”：统计截至 {}，报送截止 {}",
        r.id,
        r.name,
        r.as_of,
        r.due
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn round_close(db: &DbArgs, round: RoundId) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let r = store.round(round).await?;
    let r = store.close_round(round, r.row_version, &actor(db)).await?;
    outln!("已关闭轮次 #{}“{}”", r.id, r.name);
    Ok(ExitCode::SUCCESS)
}

pub async fn round_list(db: &DbArgs, plan: Option<Id>) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let plan_id = pick_plan(&store, plan).await?;
    for r in store.rounds(plan_id).await? {
        let reports = store.reports(r.id).await?;
        let count = |s: ReportState| reports.iter().filter(|x| x.state == s).count();
        outln!(
            "#{} {}  统计截至 {}  报送截止 {}  {}  已采纳 {}  待审 {}  退回 {}  草稿 {}  逾期报送 {}",
            r.id,
            r.name,
            r.as_of,
            r.due,
            if r.state == RoundState::Open {
                "进行中"
            } else {
                "已关闭"
            },
            count(ReportState::Accepted),
            count(ReportState::Submitted),
            count(ReportState::Returned),
            count(ReportState::Draft),
            reports.iter().filter(|x| x.late).count()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A report file (TOML or JSON). Values and milestones are keyed by their number within the
/// task (1, 2, …), as `zhuanban status` lists them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportFile {
    round: RoundId,
    task: String,
    unit: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    next_steps: String,
    /// The report version this edit is based on (to correct a returned report).
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    values: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    milestones: BTreeMap<String, MilestoneEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneEntry {
    done: bool,
    #[serde(default)]
    done_on: Option<NaiveDate>,
}

fn read_report_file(file: &Path) -> anyhow::Result<ReportFile> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}: 无法读取报告文件", file.display()))?;
    let is_json =
        file.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    let parsed: Result<ReportFile, String> = if is_json {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str::<toml::Value>(&text)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                let json = serde_json::to_value(v).map_err(|e| e.to_string())?;
                serde_json::from_value(json).map_err(|e| e.to_string())
            })
    };
    parsed.map_err(|e| anyhow::anyhow!("{}: 报告文件格式错误：{e}", file.display()))
}

pub async fn report_submit(db: &DbArgs, file: &Path, draft: bool) -> anyhow::Result<ExitCode> {
    let f = read_report_file(file)?;
    let store = open(db).await?;
    let round = store.round(f.round).await?;
    let tasks = store.tasks(round.plan_id, Some(round.plan_version)).await?;
    let Some(task) = tasks.iter().find(|t| t.code == f.task) else {
        bail!(
            "{}: task：轮次“{}”所调度的方案中没有任务 {}",
            file.display(),
            round.name,
            f.task
        );
    };
    let unit = store
        .unit_by_name(&f.unit)
        .await
        .map_err(|_| anyhow::anyhow!("{}: unit：没有名为“{}”的单位", file.display(), f.unit))?;
    let mut values = Vec::new();
    for (key, v) in &f.values {
        let field = format!("values.{key}");
        let seq: i64 = key.parse().map_err(|_| {
            anyhow::anyhow!("{}: {field}：目标应以序号（1、2…）标识", file.display())
        })?;
        let Some(target) = task.targets.iter().find(|t| t.seq == seq) else {
            bail!(
                "{}: {field}：任务 {} 没有第 {seq} 个目标（共 {} 个）",
                file.display(),
                task.code,
                task.targets.len()
            );
        };
        let Some(n) = v.as_f64() else {
            bail!("{}: {field}：“{v}”不是数值", file.display());
        };
        values.push((target.id, n));
    }
    let mut milestones = Vec::new();
    for (key, m) in &f.milestones {
        let field = format!("milestones.{key}");
        let seq: i64 = key.parse().map_err(|_| {
            anyhow::anyhow!("{}: {field}：节点应以序号（1、2…）标识", file.display())
        })?;
        let Some(ms) = task.milestones.iter().find(|x| x.seq == seq) else {
            bail!(
                "{}: {field}：任务 {} 没有第 {seq} 个节点",
                file.display(),
                task.code
            );
        };
        milestones.push((ms.id, m.done, m.done_on));
    }
    let input = ReportInput {
        round_id: round.id,
        task_id: task.id,
        unit_id: unit.id,
        values,
        milestones,
        narrative: f.narrative,
        problems: f.problems,
        next_steps: f.next_steps,
        submit: !draft,
        expected_version: f.version,
        at: None,
        evidence: vec![],
    };
    // The office is told of a submitted report as from the desk (the channels, when the plan
    // asks for them, as the environment configures them).
    let channels = crate::channels::from_env().unwrap_or_else(|e| {
        eprintln!("提醒：通知渠道的配置有误（{e}），只发站内消息");
        Vec::new()
    });
    let saved = zhuanban_desk::messages::save_report(&store, &channels, &input, &actor(db))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if let Some(e) = &saved.warning {
        eprintln!("提醒：报告已保存，但未能通知专班办公室：{e}");
    }
    let r = saved.value;
    outln!(
        "报告 #{}（任务 {}，{}）{}，版本 {}{}",
        r.id,
        task.code,
        unit.name,
        r.state.label(),
        r.row_version,
        if r.late { "，逾期报送" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn report_review(db: &DbArgs, id: Id, reason: Option<&str>) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let r = store.report(id).await?;
    let r = match reason {
        Some(reason) => {
            store
                .return_report(id, r.row_version, reason, &actor(db))
                .await?
        }
        None => store.accept_report(id, r.row_version, &actor(db)).await?,
    };
    outln!("报告 #{} {}", r.id, r.state.label());
    Ok(ExitCode::SUCCESS)
}

pub async fn report_list(db: &DbArgs, round: RoundId) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let rd = store.round(round).await?;
    let tasks = store.tasks(rd.plan_id, Some(rd.plan_version)).await?;
    let units = store.units(rd.plan_id).await?;
    for r in store.reports(round).await? {
        let code = tasks
            .iter()
            .find(|t| t.id == r.task_id)
            .map_or("?", |t| t.code.as_str());
        let unit = units
            .iter()
            .find(|u| u.id == r.unit_id)
            .map_or("?", |u| u.name.as_str());
        outln!(
            "#{} 任务 {code} {unit} {} 版本 {}{}{}",
            r.id,
            r.state.label(),
            r.row_version,
            if r.late { " 逾期" } else { "" },
            r.return_reason
                .as_deref()
                .map(|x| format!(" 退回理由：{x}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The judgement with the names a person needs, for `status --format json`.
#[derive(Debug, serde::Serialize)]
struct StatusReport<'a> {
    plan_id: Id,
    plan: &'a str,
    demo: bool,
    /// The date of the progress judgement.
    as_of: NaiveDate,
    /// The round whose reporting is judged.
    round: Option<RoundId>,
    tasks: Vec<TaskLine<'a>>,
    /// Tasks by progress status, by colour, and by reporting state in the round.
    totals: BTreeMap<&'static str, usize>,
    colours: BTreeMap<&'static str, usize>,
    reporting: BTreeMap<&'static str, usize>,
    units: Vec<UnitLine<'a>>,
}

#[derive(Debug, serde::Serialize)]
struct TaskLine<'a> {
    code: &'a str,
    title: &'a str,
    status: &'static str,
    status_label: &'static str,
    colour: &'static str,
    /// The reporting state in the round (None without a round).
    reporting: Option<&'static str>,
    reporting_label: Option<&'static str>,
    /// Both facts: "严重滞后 · 本期未报送".
    label: String,
    reason: &'a str,
    lead: Vec<&'a str>,
    targets: &'a [zhuanban_ledger::evaluate::TargetStatus],
}

#[derive(Debug, serde::Serialize)]
struct UnitLine<'a> {
    unit: &'a str,
    led: usize,
    supported: usize,
    green: usize,
    yellow: usize,
    red: usize,
    grey: usize,
    not_reported: usize,
    returned: usize,
    awaiting_review: usize,
    late: usize,
}

/// `zhuanban status`: the judgement of `zhuanban_desk::judge` (the same as the desk's), as
/// text or JSON. Without `--round` and `--as-of`, what the desk shows by default.
pub async fn status(
    db: &DbArgs,
    plan: Option<Id>,
    as_of: Option<NaiveDate>,
    round: Option<RoundId>,
    format: StatusFormat,
) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let plan_id = match (plan, round) {
        (None, Some(r)) => store.round(r).await?.plan_id,
        _ => pick_plan(&store, plan).await?,
    };
    let j = zhuanban_desk::judge(
        &store,
        plan_id,
        zhuanban_desk::View { round, as_of },
        zhuanban_store::clock::china_today(),
    )
    .await?;
    match format {
        StatusFormat::Json => {
            outln!("{}", serde_json::to_string_pretty(&status_report(&j))?);
        }
        StatusFormat::Text => out!("{}", status_text(&j)),
    }
    Ok(ExitCode::SUCCESS)
}

fn unit_name(units: &[UnitRecord], id: UnitId) -> &str {
    units
        .iter()
        .find(|u| u.id == id)
        .map_or("?", |u| u.name.as_str())
}

fn status_report(j: &zhuanban_desk::Judged) -> StatusReport<'_> {
    let eval = &j.eval;
    let units = &j.units;
    StatusReport {
        plan_id: j.plan.id,
        plan: &j.plan.title,
        demo: j.plan.demo,
        as_of: eval.as_of,
        round: j.round.as_ref().map(|r| r.id),
        tasks: eval
            .tasks
            .iter()
            .zip(&j.tasks)
            .map(|(s, t)| TaskLine {
                code: &t.code,
                title: &t.title,
                status: s.status.as_str(),
                status_label: s.status.label(),
                colour: s.colour.as_str(),
                reporting: s.reporting.map(|r| r.as_str()),
                reporting_label: s.reporting.map(|r| r.label()),
                label: s.label_with_reporting(),
                reason: &s.reason,
                lead: t.lead.iter().map(|&u| unit_name(units, u)).collect(),
                targets: &s.targets,
            })
            .collect(),
        totals: eval.totals.iter().map(|(s, n)| (s.as_str(), *n)).collect(),
        colours: eval.colours.iter().map(|(c, n)| (c.as_str(), *n)).collect(),
        reporting: eval
            .reporting
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect(),
        units: eval
            .units
            .iter()
            .map(|u| UnitLine {
                unit: unit_name(units, u.unit_id),
                led: u.led,
                supported: u.supported,
                green: u.green,
                yellow: u.yellow,
                red: u.red,
                grey: u.grey,
                not_reported: u.not_reported,
                returned: u.returned,
                awaiting_review: u.awaiting_review,
                late: u.late,
            })
            .collect(),
    }
}

fn status_text(j: &zhuanban_desk::Judged) -> String {
    let eval = &j.eval;
    let units = &j.units;
    let mut s = String::new();
    if j.plan.demo {
        let _ = writeln!(s, "【演示数据】以下进展为系统生成的演示数据，不是真实报送");
    }
    let _ = writeln!(
        s,
        "{}  进度截至 {}{}",
        j.plan.title,
        eval.as_of,
        j.round
            .as_ref()
            .map(|r| format!("  本期：{}（轮次 #{}，报送截止 {}）", r.name, r.id, r.due))
            .unwrap_or_default()
    );
    let _ = writeln!(s);
    for (st, t) in eval.tasks.iter().zip(&j.tasks) {
        let lead: Vec<&str> = t.lead.iter().map(|&u| unit_name(units, u)).collect();
        let _ = writeln!(
            s,
            "{:<8} [{}] {:<6} {}  牵头：{}{}",
            t.code,
            st.colour.label(),
            st.status.label(),
            t.title,
            if lead.is_empty() {
                "—".to_string()
            } else {
                lead.join("、")
            },
            st.reporting
                .map(|r| format!("  报送：{}", r.label()))
                .unwrap_or_default()
        );
        let _ = writeln!(s, "         {}", st.reason);
        for (i, ts) in st.targets.iter().enumerate() {
            let spec = &t.targets[i];
            let _ = writeln!(
                s,
                "         目标{}：{} {}{} → {}（{}）",
                i + 1,
                spec.metric,
                number(spec.value),
                spec.unit,
                ts.status.label(),
                ts.reason
            );
        }
    }
    let _ = writeln!(s);
    let _ = write!(s, "合计 {} 项：", eval.tasks.len());
    let parts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|st| eval.totals.get(st).map(|n| format!("{} {n}", st.label())))
        .collect();
    let _ = writeln!(s, "{}", parts.join("，"));
    let colours: Vec<String> = [Colour::Green, Colour::Yellow, Colour::Red, Colour::Grey]
        .iter()
        .map(|c| format!("{} {}", c.label(), eval.colour_count(*c)))
        .collect();
    let _ = writeln!(s, "按颜色：{}", colours.join("，"));
    if !eval.reporting.is_empty() {
        let parts: Vec<String> = zhuanban_ledger::Reporting::ALL
            .iter()
            .filter_map(|r| eval.reporting.get(r).map(|n| format!("{} {n}", r.label())))
            .collect();
        let _ = writeln!(s, "本期报送：{}", parts.join("，"));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{} 牵头 配合 绿 黄 红 灰 未报送 退回", pad("单位", 24));
    for u in &eval.units {
        let _ = writeln!(
            s,
            "{} {:>4} {:>4} {:>2} {:>2} {:>2} {:>2} {:>6} {:>4}",
            pad(unit_name(units, u.unit_id), 24),
            u.led,
            u.supported,
            u.green,
            u.yellow,
            u.red,
            u.grey,
            u.not_reported,
            u.returned
        );
    }
    s
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub async fn audit_verify(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let check = store.verify_audit().await?;
    if check.breaks.is_empty() {
        // A clean chain: anchor its head, so that a later deletion of it shows.
        store.anchor_audit_head().await?;
        outln!(
            "审计日志完整：共 {} 条记录，哈希链（密钥 {}）与锚定文件校验通过",
            check.records,
            store.audit_keyring().key_id
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for b in &check.breaks {
            outln!("{b}");
        }
        outln!(
            "审计日志校验失败：{} 处异常（共 {} 条记录）",
            check.breaks.len(),
            check.records
        );
        Ok(ExitCode::from(1))
    }
}

pub async fn audit_log(db: &DbArgs, limit: usize) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let cst = zhuanban_store::clock::china();
    for r in store.audit_log(limit).await? {
        outln!(
            "#{} {} {}（{}）{} {} {}",
            r.id,
            r.at.with_timezone(&cst).format("%Y-%m-%d %H:%M:%S"),
            r.actor,
            r.source,
            r.action,
            r.object,
            r.result
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zhuanban plan-settings`: prints the settings, or replaces them from a file.
pub async fn plan_settings(
    db: &DbArgs,
    plan: Option<Id>,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let plan_id = pick_plan(&store, plan).await?;
    let p = store.plan(plan_id).await?;
    let Some(file) = file else {
        outln!("{}", serde_json::to_string_pretty(&p.settings)?);
        return Ok(ExitCode::SUCCESS);
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("{}: 无法读取", file.display()))?;
    let settings: zhuanban_ledger::PlanSettings = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: 设置格式错误：{e}", file.display()))?;
    store
        .set_plan_settings(plan_id, p.row_version, &settings, &actor(db))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    outln!("已更新方案 #{plan_id} 的设置");
    Ok(ExitCode::SUCCESS)
}
