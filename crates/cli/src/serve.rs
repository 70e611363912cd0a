//! `zhuanban serve` (the web desk) and `zhuanban user` (accounts from the command line).

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use zhuanban_desk::passwords::{PasswordPolicy, hash_password, random_password};
use zhuanban_ledger::Role;
use zhuanban_store::{Actor, Db, NewUser, Store};
use zhuanban_web::{AppState, Config};

use crate::DbArgs;
use crate::output::outln;

/// The folder beside a database where its evidence files live.
pub fn data_dir_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".files");
    db.with_file_name(name)
}

/// Connection caps and timeouts of `serve` (web/src/conn.rs).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Connections open at once, in all (kept below the process's open-file limit).
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Connections open at once from one address (the TCP peer's; behind a proxy every
    /// client is the proxy's address: raise this there).
    #[arg(long, default_value_t = 256)]
    max_connections_per_address: usize,
    /// Seconds for a request's head to arrive.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// The longest pause, in seconds, while a request body is read.
    #[arg(long, default_value_t = 30)]
    body_timeout: u64,
    /// Seconds an open connection may wait for its next request (the header timeout, which
    /// starts when a connection waits for a request, bounds it too).
    #[arg(long, default_value_t = 60)]
    idle_timeout: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> anyhow::Result<zhuanban_web::conn::Limits> {
        let s = std::time::Duration::from_secs;
        let l = zhuanban_web::conn::Limits {
            max_connections: self.max_connections,
            max_per_address: self.max_connections_per_address,
            header_timeout: s(self.header_timeout),
            body_timeout: s(self.body_timeout),
            idle_timeout: s(self.idle_timeout),
        };
        l.validate().map_err(anyhow::Error::msg)?;
        Ok(l)
    }
}

pub async fn serve(
    db: &Path,
    listen: SocketAddr,
    data: Option<PathBuf>,
    secure_cookies: bool,
    limits: zhuanban_web::conn::Limits,
) -> anyhow::Result<ExitCode> {
    let data = match (data, crate::ledger_cmd::postgres_url(db)) {
        (Some(d), _) => d,
        (None, None) => data_dir_for(db),
        (None, Some(_)) => bail!(
            "使用 PostgreSQL 数据库时须以 --data 指定佐证材料的存放目录（各服务器共用的同一目录）"
        ),
    };
    let store = crate::ledger_cmd::open_path(db, true).await?;
    // A database a demonstration started on goes on in the demonstration's time.
    if let Some(as_of) = crate::demo::resume_clock(&store).await? {
        outln!(
            "演示数据库：本服务的时钟接续演示时间（演示自 {as_of} 起），今日为 {}",
            zhuanban_store::clock::china_today()
        );
    }
    let mut config = Config::new(data);
    config.secure_cookies = secure_cookies;
    config.limits = limits;
    config.channels = crate::channels::from_env()?;
    config.demo = store.plans().await?.iter().any(|p| p.demo);
    let state = AppState::new(store, config).await?;
    if !state.has_users() {
        outln!(
            "首次启动：请在浏览器中打开 http://{listen}/setup 创建系统管理员（系统没有默认密码）"
        );
    }
    run(listen, state).await
}

async fn run(listen: SocketAddr, state: AppState) -> anyhow::Result<ExitCode> {
    // A long listen queue: connections over the caps are accepted and closed at once, and a
    // burst of them should not crowd out others waiting to be accepted.
    let listener = (|| {
        let socket = if listen.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(listen)?;
        socket.listen(4096)
    })()
    .with_context(|| format!("无法监听 {listen}"))?;
    let addr = listener.local_addr()?;
    outln!("工作专班台账已启动：http://{addr}/  （按 Ctrl+C 停止）");
    zhuanban_web::worker::spawn(state.clone());
    tokio::select! {
        r = zhuanban_web::serve(listener, state) => r?,
        _ = tokio::signal::ctrl_c() => outln!("已停止"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `serve --demo`: a fresh database in a folder, the seed plan with its demonstration
/// history, and demonstration accounts (printed with their passwords). With `pg` (a
/// `postgres://` URL and the evidence folder), the demonstration goes into that PostgreSQL
/// database instead, which must hold no plan yet.
pub async fn serve_demo(
    dir: Option<PathBuf>,
    pg: Option<(&str, Option<PathBuf>)>,
    listen: SocketAddr,
    as_of: NaiveDate,
    limits: zhuanban_web::conn::Limits,
) -> anyhow::Result<ExitCode> {
    let on_pg = pg.is_some();
    let (store, data) = match pg {
        Some((url, data)) => {
            let Some(data) = data else {
                bail!(
                    "使用 PostgreSQL 数据库时须以 --data 指定佐证材料的存放目录（各服务器共用的同一目录）"
                );
            };
            if dir.is_some() {
                bail!("--dir 只适用于 SQLite 演示数据库；PostgreSQL 演示请用 --db 与 --data");
            }
            let store = crate::ledger_cmd::open_path(Path::new(url), true).await?;
            if !store.plans().await?.is_empty() {
                bail!("演示模式需要一个没有方案的空数据库");
            }
            (store, data)
        }
        None => {
            let dir = match dir {
                Some(d) => d,
                None => std::env::temp_dir().join(format!("zhuanban-demo-{}", std::process::id())),
            };
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("无法创建目录 {}", dir.display()))?;
            let db = dir.join("demo.db");
            if db.exists() {
                bail!(
                    "{} 已存在；演示模式需要一个新的目录（或省略 --dir）",
                    db.display()
                );
            }
            // The same layout as every other database (evidence in `demo.db.files/`), so that
            // `backup --db <dir>/demo.db` finds it without being told.
            (Db::open(&db).await?, data_dir_for(&db))
        }
    };
    let summary = crate::demo::fill(&store, as_of, 2024).await?;
    outln!("{summary}");
    crate::demo::start_clock(&store, as_of).await?;
    outln!(
        "演示时间：本服务的时钟自 {as_of} 10:00（北京时间）起运行，通知、通报、催报与逾期均按演示日期计算"
    );
    let accounts = demo_accounts(&store).await?;
    outln!("演示账号（密码为本次随机生成）：");
    for (login, password, who) in &accounts {
        outln!("  {login:<10} {password:<16} {who}");
    }
    if !on_pg {
        outln!("数据库：{}", data.with_extension("").display());
    }
    let mut config = Config::new(data);
    config.demo = true;
    config.limits = limits;
    config.channels = crate::channels::from_env()?;
    let state = AppState::new(store, config).await?;
    run(listen, state).await
}

/// One office, one leader, one system administrator, and one account per unit that carries
/// tasks. Returns (login, password, description).
pub async fn demo_accounts(store: &Db) -> anyhow::Result<Vec<(String, String, String)>> {
    // The units with a part in any plan: the newest plan's first (as it lists them), then
    // the others'.
    let plans = store.plans().await?;
    if plans.is_empty() {
        anyhow::bail!("没有方案");
    }
    let mut units: Vec<zhuanban_ledger::UnitRecord> = Vec::new();
    let mut tasks = Vec::new();
    for plan in plans.iter().rev() {
        for u in store.units(plan.id).await? {
            if !units.iter().any(|x| x.id == u.id) {
                units.push(u);
            }
        }
        tasks.extend(store.tasks(plan.id, None).await?);
    }
    let actor = Actor::new("演示数据生成", "system");
    let mut out = Vec::new();
    let mut add = |login: String,
                   name: String,
                   role: Role,
                   unit_id: Option<zhuanban_ledger::UnitId>,
                   who: String| {
        let password = random_password();
        out.push((
            login.clone(),
            password.clone(),
            who,
            NewUser {
                login,
                name,
                role,
                unit_id,
                password_hash: String::new(),
            },
        ));
    };
    add(
        "office".into(),
        "专班办公室（演示）".into(),
        Role::Office,
        None,
        "专班办公室".into(),
    );
    add(
        "leader".into(),
        "召集人（演示）".into(),
        Role::Leader,
        None,
        "领导".into(),
    );
    add(
        "admin".into(),
        "系统管理员（演示）".into(),
        Role::Sysadmin,
        None,
        "系统管理员".into(),
    );
    let mut n = 0;
    for u in &units {
        if tasks
            .iter()
            .any(|t| t.lead.contains(&u.id) || t.support.contains(&u.id))
        {
            n += 1;
            add(
                format!("unit{n:02}"),
                format!("{}联络员（演示）", u.name),
                Role::Unit,
                Some(u.id),
                u.name.clone(),
            );
        }
    }
    let mut printed = Vec::new();
    for (login, password, who, mut user) in out {
        user.password_hash = hash_password(&password).map_err(anyhow::Error::msg)?;
        store.create_user(&user, &actor).await?;
        printed.push((login, password, who));
    }
    Ok(printed)
}

fn read_password(file: Option<&Path>) -> anyhow::Result<String> {
    let mut s = String::new();
    match file {
        Some(f) => {
            s = std::fs::read_to_string(f)
                .with_context(|| format!("无法读取密码文件 {}", f.display()))?;
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut s)
                .context("无法从标准输入读取密码")?;
        }
    }
    let p = s.lines().next().unwrap_or("").to_string();
    if p.is_empty() {
        bail!("密码为空（从 --password-file 或标准输入读取第一行）");
    }
    Ok(p)
}

/// What `user add` is told about the account.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub role: &'a str,
    pub unit: Option<&'a str>,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
}

pub async fn user_add(
    db: &DbArgs,
    a: &NewAccount<'_>,
    password_file: Option<&Path>,
    owner_password: bool,
) -> anyhow::Result<ExitCode> {
    let NewAccount {
        login,
        role,
        unit,
        name,
        email,
    } = *a;
    if let Some(e) = email {
        zhuanban_store::valid_email(e.trim()).map_err(|m| anyhow::anyhow!("--email：{m}"))?;
    }
    let Some(role) = Role::parse(role) else {
        bail!("--role 应为 office、leader、unit、sysadmin、secadmin 或 auditor，收到“{role}”");
    };
    let store = crate::ledger_cmd::open_path(&db.db, true).await?;
    let unit_id = match (role, unit) {
        (Role::Unit, Some(u)) => Some(
            store
                .unit_by_name(u)
                .await
                .map_err(|_| anyhow::anyhow!("--unit：没有名为“{u}”的单位"))?
                .id,
        ),
        (Role::Unit, None) => bail!("成员单位账号必须用 --unit 指定所属单位"),
        (_, Some(_)) => bail!("只有 --role unit 的账号可以指定 --unit"),
        (_, None) => None,
    };
    let password = read_password(password_file)?;
    PasswordPolicy::default()
        .check(&password, login)
        .map_err(anyhow::Error::msg)?;
    let user = store
        .create_user_with(
            &NewUser {
                login: login.to_string(),
                name: name.unwrap_or(login).to_string(),
                role,
                unit_id,
                password_hash: hash_password(&password).map_err(anyhow::Error::msg)?,
            },
            !owner_password,
            &crate::ledger_cmd::actor(db),
        )
        .await?;
    if let Some(e) = email {
        store
            .set_email(user.id, Some(e), &crate::ledger_cmd::actor(db))
            .await?;
    }
    outln!("已创建账号 {}（{}）", user.login, user.role.label());
    if !owner_password {
        outln!("该账号首次登录时须修改密码（密码由本人设置时可加 --owner-password）");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn user_list(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open(db).await?;
    let units = store.all_units().await?;
    for u in store.users().await? {
        let unit = u
            .unit_id
            .and_then(|id| units.iter().find(|x| x.id == id))
            .map(|x| x.name.as_str())
            .unwrap_or("");
        outln!(
            "{:<16} {:<10} {:<12} {}{}",
            u.login,
            u.role.as_str(),
            u.name,
            unit,
            if u.disabled { "（已停用）" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn user_reset(
    db: &DbArgs,
    login: &str,
    password_file: Option<&Path>,
    owner_password: bool,
) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open(db).await?;
    let Some((user, _)) = store.user_for_login(login).await? else {
        bail!("没有登录名为“{login}”的账号");
    };
    let password = read_password(password_file)?;
    PasswordPolicy::default()
        .check(&password, login)
        .map_err(anyhow::Error::msg)?;
    store
        .reset_password(
            user.id,
            &hash_password(&password).map_err(anyhow::Error::msg)?,
            !owner_password,
            &crate::ledger_cmd::actor(db),
        )
        .await?;
    outln!("已重置 {} 的密码，其会话已全部结束", user.login);
    if !owner_password {
        outln!("该账号下次登录时须修改密码（密码由本人设置时可加 --owner-password）");
    }
    Ok(ExitCode::SUCCESS)
}

/// `zhuanban dispatch`: one pass of the dispatch worker (scheduled rounds, reminders, delivery).
pub async fn dispatch(
    db: &DbArgs,
    today: Option<NaiveDate>,
    send: bool,
) -> anyhow::Result<ExitCode> {
    let store = crate::ledger_cmd::open(db).await?;
    let channels = crate::channels::from_env()?;
    let today = today.unwrap_or_else(zhuanban_store::clock::china_today);
    let t = zhuanban_desk::dispatch::tick(&store, &channels, today, send).await?;
    for login in &t.disabled {
        outln!("已停用长期未登录的账号：{login}");
    }
    for name in &t.opened {
        outln!("已按计划开启轮次：{name}");
    }
    if t.late > 0 {
        outln!("已告知专班办公室逾期未报的单位：{} 个轮次", t.late);
    }
    outln!(
        "催报 {} 条；发送成功 {} 条，失败 {} 条，稍后重试 {} 条",
        t.reminders,
        t.sent,
        t.failed,
        t.deferred
    );
    Ok(ExitCode::SUCCESS)
}

/// `zhuanban bulletin`: a round's bulletin as DOCX, the ledger as XLSX, or the HTML page. The
/// first one issues (freezes) the bulletin with its date; a round with reports awaiting review
/// needs `--confirm`.
pub async fn bulletin(
    db: &DbArgs,
    round: zhuanban_ledger::RoundId,
    format: &str,
    out: &Path,
    date: Option<chrono::NaiveDate>,
    confirm: bool,
) -> anyhow::Result<ExitCode> {
    if !matches!(format, "docx" | "xlsx" | "html") {
        bail!("--format 应为 docx、xlsx 或 html，收到“{format}”");
    }
    let store = crate::ledger_cmd::open(db).await?;
    let (b, sheet) = match zhuanban_desk::bulletin::freeze(
        &store,
        round,
        date,
        confirm,
        zhuanban_store::clock::china_today(),
        &crate::ledger_cmd::actor(db),
    )
    .await
    {
        Ok(done) => done,
        Err(e @ zhuanban_desk::bulletin::FreezeError::NeedsConfirmation { .. }) => {
            bail!("{e}（确认生成请加 --confirm）")
        }
        Err(zhuanban_desk::bulletin::FreezeError::Store(e)) => return Err(e.into()),
    };
    let bytes = match format {
        "docx" => zhuanban_office::docx::bulletin_docx(&b),
        "xlsx" => zhuanban_office::xlsx::ledger_xlsx(&sheet),
        "html" => zhuanban_office::html::bulletin_page(&b).into_bytes(),
        other => bail!("--format 应为 docx、xlsx 或 html，收到“{other}”"),
    };
    std::fs::write(out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    outln!(
        "已生成 {}（{}，{} 字节）",
        out.display(),
        b.title,
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
