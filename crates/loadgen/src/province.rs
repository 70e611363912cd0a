//! `zhuanban-loadgen --province`: a province-sized ledger on PostgreSQL.
//!
//! A throwaway PostgreSQL cluster (durable settings, [`super::PG_SETTINGS`]) gets a ledger the
//! size of a province's: `--plans` plans (1,000 by default) of 100 tasks each, from a
//! directory of 300 units (each task one or two lead units and up to three supporting ones;
//! most tasks a target, many milestones), and 12 monthly rounds per plan, the first eleven
//! closed with their lead units' reports accepted (a few missing), the last one open with
//! reports submitted or in draft.
//!
//! The plans are imported through the store (`Store::import_plan`, as `zhuanban import` does);
//! rounds, reports, their values and milestone states are made by a few `INSERT … SELECT`
//! statements per hundred plans (plain SQL, no COPY; no audit records for them), then the
//! tables are analysed. Making it is not measured.
//!
//! Then, `--runs` times each:
//! 1. `judge-all` — every plan loaded and judged as the desk judges it, with the default
//!    view: one plan per call ([`zhuanban_desk::judge`]), one after the other and
//!    `--connections` at a time, and `--batch` plans per call ([`zhuanban_desk::judge_plans`],
//!    what they need read together), one batch after the other and `--connections` at a time
//!    (goal: under 5 s), each on a runtime with a worker thread per CPU as the server's
//!    (`judge_all_as_served`); then where the time of one plan at a time goes, step by step;
//! 2. `ledger-page` — `zhuanban serve --db URL --data DIR` on the database, a unit account
//!    signed in, `GET /ledger` (the desk's current plan; the judgement cached until the data
//!    change) and `GET /ledger?round=ID` (the same round named: judged afresh for every
//!    request) at `--connections` connections (goal: p99 under 50 ms).

use std::sync::Arc;

use chrono::NaiveDate;
use zhuanban_ledger::Role;
use zhuanban_plan::{
    AdminLevel, Cmp, Hardness, Milestone, Period, Plan, Section, Target, TargetKind, Task, Unit,
};
use zhuanban_store::{Actor, Db, ImportOptions, NewUser, PgOptions, Store};

use super::*;

const TASKS_PER_PLAN: usize = 100;
const SECTIONS: usize = 10;
const UNITS: usize = 300;
/// Plans whose rounds and reports one statement makes.
const CHUNK: i64 = 100;

const GOAL_JUDGE_ALL_SECONDS: f64 = 5.0;
const GOAL_LEDGER_P99_MS: f64 = 50.0;

/// A small deterministic random sequence (xorshift64*): the same ledger every time.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The unit directory: departments of the province and of its cities.
fn unit_names() -> Vec<String> {
    const DEPTS: &[&str] = &[
        "发展改革委",
        "教育局",
        "科技局",
        "工业和信息化局",
        "公安局",
        "民政局",
        "司法局",
        "财政局",
        "人力资源社会保障局",
        "自然资源和规划局",
        "生态环境局",
        "住房城乡建设局",
        "交通运输局",
        "水利局",
        "农业农村局",
        "商务局",
        "文化广电旅游局",
        "卫生健康委",
        "应急管理局",
        "市场监管局",
        "统计局",
        "医保局",
        "城管局",
        "数据局",
        "林业局",
    ];
    const PLACES: &[&str] = &[
        "省",
        "东州市",
        "西岭市",
        "南湖市",
        "北川市",
        "青山市",
        "临江市",
        "云台市",
        "石门市",
        "安平市",
        "永宁市",
        "长乐市",
    ];
    let mut out: Vec<String> = PLACES
        .iter()
        .flat_map(|p| DEPTS.iter().map(move |d| format!("{p}{d}")))
        .collect();
    out.truncate(UNITS);
    out
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn month_end(m: u32) -> NaiveDate {
    zhuanban_plan::dates::last_day_of_month(2024, m).expect("a valid month")
}

/// Plan `p` of the province: 10 sections of 10 tasks.
fn make_plan(p: usize, units: &[String], rng: &mut Rng) -> Plan {
    let mut tasks = Vec::with_capacity(TASKS_PER_PLAN);
    let mut used: Vec<String> = Vec::new();
    let pick = |rng: &mut Rng, taken: &[String]| loop {
        let u = &units[rng.below(units.len())];
        if !taken.contains(u) {
            return u.clone();
        }
    };
    for s in 1..=SECTIONS {
        for k in 1..=TASKS_PER_PLAN / SECTIONS {
            let mut lead = vec![pick(rng, &[])];
            if rng.below(10) == 0 {
                let second = pick(rng, &lead);
                lead.push(second);
            }
            let mut support: Vec<String> = Vec::new();
            for _ in 0..rng.below(4) {
                let taken: Vec<String> = lead.iter().chain(&support).cloned().collect();
                support.push(pick(rng, &taken));
            }
            let mut targets = Vec::new();
            let n_targets = match rng.below(10) {
                0 | 1 => 0,
                2 => 2,
                _ => 1,
            };
            for t in 0..n_targets {
                let value = (50 + rng.below(950)) as f64;
                targets.push(Target {
                    value,
                    unit: "个".into(),
                    cmp: Cmp::AtLeast,
                    hardness: if t == 0 {
                        Hardness::Firm
                    } else {
                        Hardness::Plain
                    },
                    deadline: Some(month_end(12)),
                    text: format!("全年完成{value}个"),
                    metric: format!("第{s}类项目完成数"),
                    kind: TargetKind::Cumulative,
                    line: 0,
                });
            }
            let milestones = if rng.below(10) < 6 {
                [3, 6, 9]
                    .iter()
                    .map(|&m| Milestone {
                        text: format!("{m}月底前完成阶段工作"),
                        deadline: Some(month_end(m)),
                        line: 0,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            for u in lead.iter().chain(&support) {
                if !used.contains(u) {
                    used.push(u.clone());
                }
            }
            tasks.push(Task {
                id: format!("{s}.{k}"),
                title: format!("推进第{s}方面第{k}项重点工作"),
                text: format!(
                    "（{k}）推进第{s}方面第{k}项重点工作。（牵头单位：{}）",
                    lead.join("、")
                ),
                lead,
                support,
                targets,
                milestones,
                line: 0,
                leaders: Vec::new(),
            });
        }
    }
    Plan {
        source: format!("province-{p:04}.txt"),
        complete: true,
        title: Some(format!("第{}号专项行动实施方案（省级台账负载测试）", p + 1)),
        level: Some(AdminLevel::Province),
        period: Some(Period {
            start: day(2024, 1, 1),
            end: day(2024, 12, 31),
            evidence: vec!["2024年".into()],
        }),
        task_force: None,
        units: used
            .into_iter()
            .map(|name| Unit {
                name,
                aliases: Vec::new(),
            })
            .collect(),
        sections: (1..=SECTIONS)
            .map(|s| Section {
                id: s.to_string(),
                title: format!("第{s}方面工作"),
                line: 0,
            })
            .collect(),
        tasks,
    }
}

/// The twelve monthly rounds of 2024 as an SQL `VALUES` list: (month, as-of, due, state,
/// opened at, closed at). The last one is open.
fn rounds_values() -> String {
    (1..=12u32)
        .map(|m| {
            let as_of = month_end(m);
            let due = as_of + chrono::Duration::days(5);
            let opened = as_of - chrono::Duration::days(5);
            let (state, closed) = if m < 12 {
                (
                    "closed",
                    format!("'{}T08:00:00.000000Z'", due + chrono::Duration::days(5)),
                )
            } else {
                ("open", "NULL".to_string())
            };
            format!("({m}, '{as_of}', '{due}', '{state}', '{opened}T01:00:00.000000Z', {closed})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fills the store: the plans through the store's import, the rest by plain SQL.
async fn generate(store: &Db, plans: usize) -> Result<()> {
    let actor = Actor::new("省级台账生成（负载测试）", "loadgen");
    let units = unit_names();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let t0 = Instant::now();
    for p in 0..plans {
        let plan = make_plan(p, &units, &mut rng);
        store
            .import_plan(&plan, &ImportOptions::default(), &actor)
            .await
            .with_context(|| format!("importing plan {p}"))?;
        if (p + 1) % 100 == 0 {
            eprintln!(
                "loadgen: {} plans imported ({:.0} s)",
                p + 1,
                t0.elapsed().as_secs_f64()
            );
        }
    }
    let pool = store.pg_pool().context("the store is not on PostgreSQL")?;
    let (first, last): (i64, i64) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM plans")
        .fetch_one(pool)
        .await?;
    let rounds = format!(
        "INSERT INTO rounds (plan_id, plan_version, name, as_of, due, state, demo, opened_at, closed_at)
         SELECT p.id, p.version, '2024年' || m.column1 || '月调度', m.column2, m.column3, m.column4,
                FALSE, m.column5, m.column6
         FROM plans p CROSS JOIN (VALUES {}) AS m
         WHERE p.id BETWEEN $1 AND $2
         ORDER BY p.id, m.column2",
        rounds_values()
    );
    // Lead units report; in a closed round their reports are accepted, in the open one
    // submitted or (every fourth task) a draft; about one in 31 is missing.
    let reports = "INSERT INTO reports (round_id, task_id, unit_id, state, narrative, problems, next_steps,
                 author, submitted_at, late, reviewed_by, reviewed_at, demo, updated_at)
         SELECT r.id, t.id, tu.unit_id,
                CASE WHEN r.state = 'closed' THEN 'accepted' WHEN t.id % 4 = 0 THEN 'draft' ELSE 'submitted' END,
                '本月按计划推进，完成阶段性工作。', '', '继续推进。', '联络员',
                CASE WHEN r.state = 'open' AND t.id % 4 = 0 THEN NULL ELSE r.due || 'T01:00:00.000000Z' END,
                (t.id + r.id) % 13 = 0,
                CASE WHEN r.state = 'closed' THEN '专班办公室' END,
                CASE WHEN r.state = 'closed' THEN r.due || 'T08:00:00.000000Z' END,
                FALSE, r.due || 'T08:00:00.000000Z'
         FROM rounds r
         JOIN tasks t ON t.plan_id = r.plan_id AND t.plan_version = r.plan_version
         JOIN task_units tu ON tu.task_id = t.id AND tu.role = 'lead'
         WHERE r.plan_id BETWEEN $1 AND $2 AND (t.id * 7 + r.id) % 31 <> 0";
    // Cumulative values that follow a pace of 50 % to 120 % of the plan's, by task.
    let values = "INSERT INTO report_values (report_id, target_id, value)
         SELECT p.id, g.id,
                FLOOR(g.value * CAST(SUBSTR(r.as_of, 6, 2) AS INTEGER) * (5 + g.task_id % 8) / 120.0)
         FROM reports p
         JOIN rounds r ON r.id = p.round_id
         JOIN targets g ON g.task_id = p.task_id
         WHERE r.plan_id BETWEEN $1 AND $2";
    // Milestones due by the round's date: done on their deadline, except every fifth task's.
    let milestones = "INSERT INTO report_milestones (report_id, milestone_id, done, done_on)
         SELECT p.id, m.id, m.task_id % 5 <> 0, CASE WHEN m.task_id % 5 <> 0 THEN m.deadline END
         FROM reports p
         JOIN rounds r ON r.id = p.round_id
         JOIN milestones m ON m.task_id = p.task_id
         WHERE r.plan_id BETWEEN $1 AND $2 AND m.deadline <= r.as_of";
    let mut from = first;
    while from <= last {
        let to = from + CHUNK - 1;
        let mut tx = pool.begin().await?;
        for sql in [rounds.as_str(), reports, values, milestones] {
            // The SQL is this file's own (the rounds' VALUES list made from dates above).
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        eprintln!(
            "loadgen: rounds and reports of plans {from}–{} made ({:.0} s)",
            to.min(last),
            t0.elapsed().as_secs_f64()
        );
        from = to + 1;
    }
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// Rows of the ledger's main tables.
async fn counts(store: &Db) -> Result<Vec<(&'static str, i64)>> {
    let pool = store.pg_pool().context("the store is not on PostgreSQL")?;
    let mut out = Vec::new();
    for table in [
        "plans",
        "units",
        "tasks",
        "task_units",
        "targets",
        "milestones",
        "rounds",
        "reports",
        "report_values",
        "report_milestones",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(pool)
                .await?;
        out.push((table, n));
    }
    Ok(out)
}

/// Loads and judges every plan as the desk does, `at_once` workers at a time, each taking
/// `batch` plans at a time: one plan ([`zhuanban_desk::judge`]) or several judged together
/// ([`zhuanban_desk::judge_plans`], the same judgement read for all of them at once). Returns
/// the seconds it took and the tasks judged.
async fn judge_all(store: &Db, at_once: usize, batch: usize) -> Result<(f64, usize)> {
    let t0 = Instant::now();
    let plans: Vec<i64> = store.plans().await?.iter().map(|p| p.id).collect();
    let today = zhuanban_store::clock::china_today();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let chunks: Arc<Vec<Vec<i64>>> =
        Arc::new(plans.chunks(batch.max(1)).map(<[i64]>::to_vec).collect());
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..at_once.max(1) {
        let (store, next, chunks) = (store.clone(), next.clone(), chunks.clone());
        workers.spawn(async move {
            let mut tasks = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(ids) = chunks.get(i) else { break };
                let judged = if let [id] = ids[..] {
                    vec![
                        zhuanban_desk::judge(&store, id, zhuanban_desk::View::default(), today)
                            .await?,
                    ]
                } else {
                    zhuanban_desk::judge_plans(&store, ids, zhuanban_desk::View::default(), today)
                        .await?
                };
                for (id, j) in ids.iter().zip(&judged) {
                    anyhow::ensure!(
                        j.plan.id == *id && j.eval.tasks.len() == j.tasks.len(),
                        "plan {id}: {} tasks judged of {}",
                        j.eval.tasks.len(),
                        j.tasks.len()
                    );
                    tasks += j.tasks.len();
                }
            }
            anyhow::Ok(tasks)
        });
    }
    let mut tasks = 0;
    while let Some(r) = workers.join_next().await {
        tasks += r??;
    }
    Ok((t0.elapsed().as_secs_f64(), tasks))
}

/// [`judge_all`] as a server would run it: on a runtime of its own with a worker thread per
/// CPU, as `zhuanban serve`'s runtime has (the load generator's own runtime has
/// `--client-threads` workers, one by default, so as to leave the cores to the server it
/// measures), with a store of its own on the same database.
async fn judge_all_as_served(
    url: &str,
    key: &std::path::Path,
    at_once: usize,
    batch: usize,
) -> Result<(f64, usize)> {
    let (url, key) = (url.to_string(), key.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .enable_all()
            .build()?;
        let out = rt.block_on(async {
            let store = Db::open_pg(&url, &PgOptions::new(&key)).await?;
            judge_all(&store, at_once, batch).await
        });
        rt.shutdown_background();
        out
    })
    .await?
}

/// Where the time of judging every plan one at a time goes: each step of the desk's
/// judgement (the store's reads and the evaluation) timed on its own, summed over the plans.
async fn phases(store: &Db) -> Result<Vec<(&'static str, f64)>> {
    let plans: Vec<i64> = store.plans().await?.iter().map(|p| p.id).collect();
    let today = zhuanban_store::clock::china_today();
    let mut t = [0.0f64; 7];
    let mut lap = |i: usize, since: &mut Instant| {
        t[i] += since.elapsed().as_secs_f64();
        *since = Instant::now();
    };
    for id in plans {
        let mut at = Instant::now();
        let plan = store.plan(id).await?;
        lap(0, &mut at);
        let (rounds, with_data) = store.rounds_with_data(id).await?;
        lap(1, &mut at);
        let round = zhuanban_desk::judge::current_round(&rounds).cloned();
        let as_of = zhuanban_desk::judge::progress_date(&rounds, &with_data, today);
        let version = round.as_ref().map_or(plan.version, |r| r.plan_version);
        let tasks = store.tasks(id, Some(version)).await?;
        lap(2, &mut at);
        let snapshot = store
            .snapshot_of(&plan, round.as_ref(), &tasks, as_of)
            .await?;
        lap(3, &mut at);
        let links = store.target_links(id).await?;
        lap(4, &mut at);
        let eval = zhuanban_ledger::evaluate::evaluate(&snapshot, as_of);
        ensure!(eval.tasks.len() == tasks.len(), "plan {id}: tasks judged");
        lap(5, &mut at);
        let units = store.units(id).await?;
        ensure!(links.is_empty() || !units.is_empty(), "plan {id}: units");
        lap(6, &mut at);
    }
    Ok([
        "plan",
        "rounds",
        "tasks",
        "snapshot",
        "target links",
        "evaluate",
        "units",
    ]
    .into_iter()
    .zip(t)
    .collect())
}

fn range(v: &[f64], prec: usize) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.prec$} – {hi:.prec$}")
}

pub(super) async fn run(args: &Args) -> Result<bool> {
    ensure!(args.plans >= 1, "--plans must be at least 1");
    let load_before = load_average();
    let cluster = match &args.province_db {
        Some(_) => None,
        None => Some(start_cluster().await?),
    };
    let tmp = tempfile::Builder::new()
        .prefix("zhuanban-province-")
        .tempdir()?;
    let (url, key) = match (&args.province_db, &cluster) {
        (Some(url), _) => (url.clone(), args.out.with_extension("audit.key")),
        (None, Some(c)) => (c.new_database()?, tmp.path().join("audit.key")),
        (None, None) => unreachable!("a cluster is started when no database is named"),
    };
    let data = tmp.path().join("files");
    let t0 = Instant::now();
    let store = Db::open_pg(&url, &PgOptions::new(&key)).await?;
    if store.plans().await?.is_empty() {
        generate(&store, args.plans).await?;
    }
    let generated = t0.elapsed().as_secs_f64();
    let counts = counts(&store).await?;
    eprintln!("loadgen: province ledger made in {generated:.0} s: {counts:?}");

    // 1. Every plan judged.
    let mut sequential = Vec::new();
    let mut concurrent = Vec::new();
    let mut batched_sequential = Vec::new();
    let mut batched_concurrent = Vec::new();
    let mut judged_tasks = 0;
    for run in 0..args.runs {
        let (s, n) = judge_all_as_served(&url, &key, 1, 1).await?;
        let (c, m) = judge_all_as_served(&url, &key, args.connections, 1).await?;
        let (bs, k) = judge_all_as_served(&url, &key, 1, args.batch).await?;
        let (bc, l) = judge_all_as_served(&url, &key, args.connections, args.batch).await?;
        ensure!(
            n == m && n == k && n == l,
            "{n} tasks judged one plan at a time, {m} several at a time, {k} and {l} in batches"
        );
        eprintln!(
            "loadgen: run {}: every plan judged in {s:.2} s one at a time, {c:.2} s {} at a time; \
             in batches of {} plans {bs:.2} s one batch at a time, {bc:.2} s {} at a time ({n} tasks)",
            run + 1,
            args.connections,
            args.batch,
            args.connections
        );
        batched_sequential.push(bs);
        batched_concurrent.push(bc);
        judged_tasks = n;
        let phases = phases(&store).await?;
        eprintln!(
            "loadgen: run {}: one plan at a time, step by step: {}",
            run + 1,
            phases
                .iter()
                .map(|(name, s)| format!("{name} {s:.2} s"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        sequential.push(s);
        concurrent.push(c);
    }

    // 2. A unit's ledger page: the lead unit of the current (newest) plan's first task.
    let plans = store.plans().await?;
    let current = plans.last().context("no plan")?;
    let tasks = store.tasks(current.id, None).await?;
    let unit_id = *tasks
        .first()
        .and_then(|t| t.lead.first())
        .context("the current plan's first task has no lead unit")?;
    let unit = store.unit_by_id(unit_id).await?;
    // A login of its own per run: a database named with `--province-db` keeps earlier runs'.
    let unit_login = format!("unit{}", std::process::id());
    let password = zhuanban_desk::passwords::random_password();
    let hash = zhuanban_desk::passwords::hash_password(&password).map_err(anyhow::Error::msg)?;
    store
        .create_user(
            &NewUser {
                login: unit_login.clone(),
                name: format!("{}联络员（负载测试）", unit.name),
                role: Role::Unit,
                unit_id: Some(unit_id),
                password_hash: hash,
            },
            &Actor::new("省级台账生成（负载测试）", "loadgen"),
        )
        .await?;
    let round_id = store
        .rounds(current.id)
        .await?
        .last()
        .map(|r| r.id)
        .context("the current plan has no round")?;
    // Not `Db::close`: on PostgreSQL it waits for every pooled connection, and the change
    // listener keeps one until the store is dropped.
    drop(store);

    let backing = Backing::Pg {
        url: url.clone(),
        data,
        key,
    };
    let mut server = Server::spawn(backing.command(&args.server, false))?;
    server.db_pid = cluster.as_ref().and_then(|c| c.server_pid());
    let base = server.base.clone();
    let c = client()?;
    let unit_acc = Account {
        login: unit_login,
        password,
        who: unit.name.clone(),
    };
    let session = login(&c, &base, &unit_acc).await?;
    ensure!(session.role == "unit", "signed in as {}", session.role);
    let mut figures: Vec<Figures> = Vec::new();
    for run in 0..args.runs {
        for (name, path) in [
            ("ledger-page", "/ledger".to_string()),
            ("ledger-round", format!("/ledger?round={round_id}")),
        ] {
            eprintln!("loadgen: run {}: {name} (GET {path}) …", run + 1);
            let url = base.url(&path)?;
            let sc = Scenario {
                name,
                request: format!("GET {path}"),
                account: format!("unit（{}）", unit.name),
                ops: (0..args.connections)
                    .map(|_| Op::Get {
                        url: url.clone(),
                        cookie: session.cookie.clone(),
                    })
                    .collect(),
            };
            let (f, _) = measure(args, &server, sc).await?;
            figures.push(f);
        }
    }
    drop(server);
    let load_after = load_average();

    println!();
    println!(
        "province-sized ledger on PostgreSQL: {} plans; made in {generated:.0} s (not measured)",
        args.plans
    );
    for (table, n) in &counts {
        println!("  {table:<18} {n:>10}");
    }
    println!(
        "{} CPUs, load average {load_before:.2} before, {load_after:.2} after; {} runs",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        args.runs
    );
    println!(
        "judge every plan ({judged_tasks} tasks): one plan at a time {} s; {} at a time {} s",
        range(&sequential, 2),
        args.connections,
        range(&concurrent, 2)
    );
    println!(
        "judge every plan in batches of {} plans: one batch at a time {} s; {} at a time {} s",
        args.batch,
        range(&batched_sequential, 2),
        args.connections,
        range(&batched_concurrent, 2)
    );
    print_table(&figures);
    let mut goals = vec![Goal::new(
        format!(
            "judge every plan (batches of {}, {} at a time) < {GOAL_JUDGE_ALL_SECONDS} s in every run",
            args.batch, args.connections
        ),
        batched_concurrent.iter().copied().fold(0.0, f64::max),
        batched_concurrent
            .iter()
            .all(|&s| s < GOAL_JUDGE_ALL_SECONDS),
    )];
    for name in ["ledger-page", "ledger-round"] {
        let fs: Vec<&Figures> = figures.iter().filter(|f| f.scenario == name).collect();
        let worst = fs.iter().map(|f| f.p99_ms).fold(0.0, f64::max);
        println!(
            "{name}: req/s {}, p50 {} ms, p99 {} ms (range over {} runs)",
            range(
                &fs.iter().map(|f| f.requests_per_second).collect::<Vec<_>>(),
                0
            ),
            range(&fs.iter().map(|f| f.p50_ms).collect::<Vec<_>>(), 2),
            range(&fs.iter().map(|f| f.p99_ms).collect::<Vec<_>>(), 2),
            fs.len()
        );
        goals.push(Goal::new(
            format!("{name}: p99 < {GOAL_LEDGER_P99_MS} ms in every run, all 2xx"),
            worst,
            worst < GOAL_LEDGER_P99_MS && fs.iter().all(|f| f.non_2xx == 0 && f.failures == 0),
        ));
    }
    for g in &goals {
        println!(
            "{} {} (measured {:.2})",
            if g.met { "met   " } else { "MISSED" },
            g.goal,
            g.measured
        );
    }
    let clean = figures.iter().all(|f| f.non_2xx == 0 && f.failures == 0);
    let doc = json!({
        "benchmark": "province",
        "backend": "postgresql",
        "plans": args.plans,
        "generated_seconds": generated,
        "rows": counts.iter().map(|(t, n)| (t.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "connections": args.connections,
        "cpus": std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "judge_all_sequential_seconds": sequential,
        "judge_all_concurrent_seconds": concurrent,
        "judge_all_batch_plans": args.batch,
        "judge_all_batched_sequential_seconds": batched_sequential,
        "judge_all_batched_concurrent_seconds": batched_concurrent,
        "judged_tasks": judged_tasks,
        "scenarios": figures,
        "goals": goals,
        "clean": clean,
    });
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("could not write {}", args.out.display()))?;
    println!("figures written to {}", args.out.display());
    drop(cluster);
    Ok(clean && (!args.strict || goals.iter().all(|g| g.met)))
}
