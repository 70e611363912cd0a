//! The `zhuanban` binary: a thin layer over the library crates.
//!
//! Exit codes: 0 success; 1 the command ran and found errors (e.g. `lint` found an error);
//! 2 the input could not be used (a file that cannot be read, a refused write, bad usage) —
//! with one message on standard error that names what is wrong. A reader of the output that
//! goes away early (`zhuanban status … | head`) ends the program quietly with 0
//! (`output.rs`).

mod backup;
mod channels;
mod demo;
mod ledger_cmd;
mod output;
mod plan_cmd;
mod series_cmd;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use zhuanban_plan::Severity;

use crate::output::out;

/// mimalloc instead of the system allocator: each sign-in's Argon2 check borrows 19 MiB, and
/// glibc's malloc, once such a block is freed, raises its mmap threshold and keeps later ones
/// resident in per-thread arenas (about 20 MiB per worker thread that ever checked a
/// password); mimalloc returns them to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "zhuanban",
    version,
    about = "工作专班台账：读取实施方案、调度进展、判断序时进度"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The database and who acts, for commands that use the ledger.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// The SQLite database file.
    #[arg(long, env = "ZHUANBAN_DB", default_value = "zhuanban.db")]
    pub db: PathBuf,
    /// Who is acting (recorded in the audit log).
    #[arg(long, env = "ZHUANBAN_ACTOR", default_value = "命令行")]
    pub actor: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a plan and print its reading: text (UTF-8, GB18030, UTF-16), Word (.docx; .doc and
    /// .wps through LibreOffice), a task table (.xlsx, .xls, .ods, .et, CSV, an HTML page) or a
    /// PDF with a text layer (through poppler's pdftotext).
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Unit aliases, "别名=规范名", repeatable.
        #[arg(long = "alias", value_name = "ALIAS=NAME")]
        aliases: Vec<String>,
    },
    /// Check a plan and print the findings; exits 1 when there are errors.
    Lint {
        file: PathBuf,
        #[arg(long = "alias", value_name = "ALIAS=NAME")]
        aliases: Vec<String>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a ledger database (or bring an existing one's schema up to date).
    Init {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Read a plan and store it in the ledger, as a new plan or a new version of one.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        /// Store it as a new version of this plan.
        #[arg(long)]
        plan: Option<i64>,
        /// Import even when the plan has lint errors.
        #[arg(long)]
        force: bool,
        /// The plan's year when the text does not say (e.g. 2024).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long = "alias", value_name = "ALIAS=NAME")]
        aliases: Vec<String>,
    },
    /// List the plans in the ledger.
    Plans {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Reporting rounds (调度轮次).
    Round {
        #[command(subcommand)]
        command: RoundCommand,
    },
    /// Units' reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Judge every task as of a date (序时进度) and print the ledger's status.
    Status {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
        /// The date to judge at (default: the latest round's as-of date, else today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Judge within this round (tasks without a report in it are 未报送).
        #[arg(long)]
        round: Option<zhuanban_ledger::RoundId>,
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
    /// Fill the ledger with demonstration history for the seed plan (marked as such).
    DemoData {
        #[command(flatten)]
        db: DbArgs,
        /// The last round's as-of date.
        #[arg(long, default_value = "2024-09-30")]
        as_of: NaiveDate,
        /// The random seed (the same seed makes the same history).
        #[arg(long, default_value_t = 2024)]
        seed: u64,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run the web desk.
    Serve {
        /// The SQLite database file (created when missing).
        #[arg(long, env = "ZHUANBAN_DB", default_value = "zhuanban.db")]
        db: PathBuf,
        /// The address to listen on.
        #[arg(long, env = "ZHUANBAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where evidence files are kept (default: beside the database, NAME.files).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Mark cookies Secure (when served behind TLS).
        #[arg(long)]
        secure_cookies: bool,
        /// A demonstration: a fresh database with the seed plan, its history and accounts (with
        /// a `postgres://` --db, an empty PostgreSQL database and --data).
        #[arg(long)]
        demo: bool,
        /// With --demo: the folder for the demonstration database (default: a new temporary one).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// With --demo: the last round's as-of date.
        #[arg(long, default_value = "2024-09-30")]
        as_of: NaiveDate,
        #[command(flatten)]
        limits: serve::LimitArgs,
    },
    /// One pass of the dispatch worker: open scheduled rounds, queue reminders (催报), deliver
    /// the outbox through the channels configured in the environment.
    Dispatch {
        #[command(flatten)]
        db: DbArgs,
        /// The date to act as of (default: today).
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Queue messages without sending them.
        #[arg(long)]
        no_send: bool,
    },
    /// Show a plan's settings as JSON, or replace them from a JSON file (bands, tolerances,
    /// deduction rules, round schedule, reminders, notice numbering).
    PlanSettings {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
        /// The new settings (as printed, edited).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Write a round's bulletin (调度通报): DOCX, the ledger as XLSX, or the bulletin as a whole
    /// HTML page (the same page the desk's HTML download gives).
    Bulletin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        round: zhuanban_ledger::RoundId,
        #[arg(long, default_value = "docx")]
        format: String,
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// The bulletin's date (成文日期) when it is issued now; default: today. An issued
        /// bulletin keeps its date.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Issue it although reports of the round await review (their figures are left out).
        #[arg(long)]
        confirm: bool,
    },
    /// An online, consistent backup (database, evidence files) with a SHA-256 manifest.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// A new, empty folder for the backup.
        #[arg(short = 'o', long)]
        out: PathBuf,
        /// Where evidence files are kept (default: beside a SQLite database; required for
        /// PostgreSQL).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Check a backup against its manifest and restore it.
    Restore {
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
        /// The database to restore to: a SQLite file, or an empty PostgreSQL database
        /// (`postgres://…`, the audit key file named by `ZHUANBAN_AUDIT_KEY`).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Where evidence files go (default: beside a SQLite database; required for
        /// PostgreSQL).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Only check the backup (files, manifest, database integrity, audit chain).
        #[arg(long)]
        verify_only: bool,
        /// The checks always run; kept for the documented `restore --verify` spelling.
        #[arg(long)]
        verify: bool,
        /// Overwrite an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Monitoring data (water, air, statistics) and the targets judged from it.
    Series {
        #[command(subcommand)]
        command: SeriesCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SeriesCommand {
    /// Import a CSV file (UTF-8 or GBK); any bad cell is named and nothing is stored.
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// The site when the file has no site column.
        #[arg(long)]
        site: Option<String>,
        /// water | air | statistic
        #[arg(long)]
        kind: String,
        /// The site is a lake or reservoir (TP on the lake column of GB 3838).
        #[arg(long)]
        lake: bool,
        /// Column headers of the file, ROLE=HEADER (time, item, value, site, flag), repeatable.
        #[arg(long = "map", value_name = "ROLE=HEADER")]
        map: Vec<String>,
    },
    /// Judge a target from a site's data instead of units' reports.
    Link {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
        /// The task number, e.g. 2.2.2.
        #[arg(long)]
        task: String,
        /// The target's position within the task (1, 2, …).
        #[arg(long)]
        target: i64,
        #[arg(long)]
        site: String,
        /// The item (总磷, PM2.5, …) for limits and growth; not for class targets.
        #[arg(long)]
        item: Option<String>,
        /// Items a class target leaves out (they have their own target), repeatable.
        #[arg(long)]
        exclude: Vec<String>,
        /// Judge the latest value instead of the mean so far.
        #[arg(long)]
        latest: bool,
    },
    /// The judgement of every linked target.
    Show {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from --password-file or standard input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        login: String,
        /// office | leader | unit | sysadmin | secadmin | auditor
        #[arg(long)]
        role: String,
        /// The unit of a unit account (its name in the ledger).
        #[arg(long)]
        unit: Option<String>,
        /// The person's name (default: the login).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// The password is the owner's own (the owner typed it): no change at the first
        /// sign-in. Without it the owner must change the password when signing in.
        #[arg(long)]
        owner_password: bool,
        /// Where e-mail reminders and notices go.
        #[arg(long)]
        email: Option<String>,
    },
    /// List the accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (read from --password-file or standard input); ends the account's
    /// sessions.
    Reset {
        #[command(flatten)]
        db: DbArgs,
        login: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// The password is the owner's own: no change at the next sign-in.
        #[arg(long)]
        owner_password: bool,
    },
}

#[derive(Debug, Subcommand)]
enum RoundCommand {
    /// Open a round.
    Open {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
        /// e.g. "2024年9月调度"
        #[arg(long)]
        name: String,
        /// The date the values are as of (统计截止日).
        #[arg(long)]
        as_of: NaiveDate,
        /// The date reports are due (报送截止日).
        #[arg(long)]
        due: NaiveDate,
    },
    /// Close a round.
    Close {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        round: zhuanban_ledger::RoundId,
    },
    /// List the rounds of a plan with their submission counts.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        plan: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Submit (or save as a draft) a report from a TOML or JSON file.
    Submit {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// Save as a draft instead of submitting.
        #[arg(long)]
        draft: bool,
    },
    /// Accept a submitted report.
    Accept {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
    },
    /// Return a submitted report to its unit with a reason.
    Return {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// List the reports of a round.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        round: zhuanban_ledger::RoundId,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the audit log; exits 1 when a record was edited, deleted or
    /// inserted, naming it.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Delete audit records older than a date (at least 180 days ago); the chain keeps an
    /// anchor so that it still verifies.
    Purge {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        before: NaiveDate,
    },
    /// Print the newest audit records.
    Log {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Toml,
    Text,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zhuanban: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Parse {
            file,
            format,
            aliases,
        } => {
            let reading = match plan_cmd::read_plan(&file, &aliases)? {
                Ok(r) => r,
                Err(code) => return Ok(code),
            };
            match format {
                Format::Json => output::stream(|w| {
                    serde_json::to_writer_pretty(&mut *w, &reading.plan)?;
                    w.write_all(b"\n")
                }),
                Format::Toml => out!("{}", toml::to_string_pretty(&reading.plan)?),
                Format::Text => out!("{}", zhuanban_plan::outline_text(&reading.plan)),
            }
            for d in reading
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
            {
                eprintln!("{}", plan_cmd::describe(&file, d));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint {
            file,
            aliases,
            json,
        } => plan_cmd::lint(&file, &aliases, json),
        Command::Init { db } => runtime()?.block_on(ledger_cmd::init(&db)),
        Command::Import {
            file,
            db,
            plan,
            force,
            year,
            aliases,
        } => runtime()?.block_on(ledger_cmd::import(&db, &file, plan, force, year, &aliases)),
        Command::Plans { db } => runtime()?.block_on(ledger_cmd::plans(&db)),
        Command::Round { command } => {
            let rt = runtime()?;
            match command {
                RoundCommand::Open {
                    db,
                    plan,
                    name,
                    as_of,
                    due,
                } => rt.block_on(ledger_cmd::round_open(&db, plan, &name, as_of, due)),
                RoundCommand::Close { db, round } => {
                    rt.block_on(ledger_cmd::round_close(&db, round))
                }
                RoundCommand::List { db, plan } => rt.block_on(ledger_cmd::round_list(&db, plan)),
            }
        }
        Command::Report { command } => {
            let rt = runtime()?;
            match command {
                ReportCommand::Submit { db, file, draft } => {
                    rt.block_on(ledger_cmd::report_submit(&db, &file, draft))
                }
                ReportCommand::Accept { db, id } => {
                    rt.block_on(ledger_cmd::report_review(&db, id, None))
                }
                ReportCommand::Return { db, id, reason } => {
                    rt.block_on(ledger_cmd::report_review(&db, id, Some(&reason)))
                }
                ReportCommand::List { db, round } => {
                    rt.block_on(ledger_cmd::report_list(&db, round))
                }
            }
        }
        Command::Status {
            db,
            plan,
            as_of,
            round,
            format,
        } => runtime()?.block_on(ledger_cmd::status(&db, plan, as_of, round, format)),
        Command::DemoData { db, as_of, seed } => {
            runtime()?.block_on(demo::demo_data(&db, as_of, seed))
        }
        Command::Serve {
            db,
            listen,
            data,
            secure_cookies,
            demo,
            dir,
            as_of,
            limits,
        } => {
            let rt = runtime()?;
            let limits = limits.limits()?;
            if demo {
                let pg = crate::ledger_cmd::postgres_url(&db).map(|url| (url, data));
                rt.block_on(serve::serve_demo(dir, pg, listen, as_of, limits))
            } else {
                rt.block_on(serve::serve(&db, listen, data, secure_cookies, limits))
            }
        }
        Command::PlanSettings { db, plan, file } => {
            runtime()?.block_on(ledger_cmd::plan_settings(&db, plan, file.as_deref()))
        }
        Command::Backup { db, out, data } => runtime()?.block_on(backup::backup(&db, &out, data)),
        Command::Restore {
            from,
            db,
            data,
            verify_only,
            verify: _,
            force,
        } => runtime()?.block_on(backup::restore(
            &from,
            db.as_deref(),
            data,
            verify_only,
            force,
        )),
        Command::Dispatch { db, today, no_send } => {
            runtime()?.block_on(serve::dispatch(&db, today, !no_send))
        }
        Command::Bulletin {
            db,
            round,
            format,
            output,
            date,
            confirm,
        } => runtime()?.block_on(serve::bulletin(&db, round, &format, &output, date, confirm)),
        Command::Series { command } => {
            let rt = runtime()?;
            match command {
                SeriesCommand::Import {
                    db,
                    file,
                    site,
                    kind,
                    lake,
                    map,
                } => rt.block_on(series_cmd::import(
                    &db,
                    &file,
                    site.as_deref(),
                    &kind,
                    lake,
                    &map,
                )),
                SeriesCommand::Link {
                    db,
                    plan,
                    task,
                    target,
                    site,
                    item,
                    exclude,
                    latest,
                } => rt.block_on(series_cmd::link(
                    &db,
                    plan,
                    &task,
                    target,
                    &site,
                    item.as_deref(),
                    &exclude,
                    latest,
                )),
                SeriesCommand::Show { db, plan, as_of } => {
                    rt.block_on(series_cmd::show(&db, plan, as_of))
                }
            }
        }
        Command::User { command } => {
            let rt = runtime()?;
            match command {
                UserCommand::Add {
                    db,
                    login,
                    role,
                    unit,
                    name,
                    password_file,
                    owner_password,
                    email,
                } => rt.block_on(serve::user_add(
                    &db,
                    &serve::NewAccount {
                        login: &login,
                        role: &role,
                        unit: unit.as_deref(),
                        name: name.as_deref(),
                        email: email.as_deref(),
                    },
                    password_file.as_deref(),
                    owner_password,
                )),
                UserCommand::List { db } => rt.block_on(serve::user_list(&db)),
                UserCommand::Reset {
                    db,
                    login,
                    password_file,
                    owner_password,
                } => rt.block_on(serve::user_reset(
                    &db,
                    &login,
                    password_file.as_deref(),
                    owner_password,
                )),
            }
        }
        Command::Audit { command } => {
            let rt = runtime()?;
            match command {
                AuditCommand::Verify { db } => rt.block_on(ledger_cmd::audit_verify(&db)),
                AuditCommand::Purge { db, before } => rt.block_on(backup::purge(&db, before)),
                AuditCommand::Log { db, limit } => rt.block_on(ledger_cmd::audit_log(&db, limit)),
            }
        }
    }
}
