//! The `zhuanban` binary: a thin layer over the library crates.
//!
//! Exit codes: 0 success; 1 the command ran and found errors (e.g. `lint` found an error);
//! 2 the input could not be read at all (missing, binary, empty, broken .docx) or bad usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use zhuanban_plan::{Diagnostic, ReadOptions, Reading, Severity};

#[derive(Debug, Parser)]
#[command(
    name = "zhuanban",
    version,
    about = "工作专班台账：读取实施方案、调度进展、生成通报"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a plan (.txt in UTF-8/GB18030, or .docx) and print its reading.
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Toml,
    Text,
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Parse {
            file,
            format,
            aliases,
        } => {
            let reading = match read_plan(&file, &aliases)? {
                Ok(r) => r,
                Err(code) => return Ok(code),
            };
            let out = match format {
                Format::Json => serde_json::to_string_pretty(&reading.plan)? + "\n",
                Format::Toml => toml::to_string_pretty(&reading.plan)?,
                Format::Text => zhuanban_plan::outline_text(&reading.plan),
            };
            print!("{out}");
            for d in reading
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
            {
                eprintln!("{}", describe(&file, d));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint {
            file,
            aliases,
            json,
        } => {
            let reading = match read_plan(&file, &aliases)? {
                Ok(r) => r,
                Err(code) => return Ok(code),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&reading.diagnostics)?);
            } else {
                for d in &reading.diagnostics {
                    println!("{}", describe(&file, d));
                }
                let count = |s| {
                    reading
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == s)
                        .count()
                };
                println!(
                    "{}：错误 {} 项，警告 {} 项，提示 {} 项",
                    file.display(),
                    count(Severity::Error),
                    count(Severity::Warning),
                    count(Severity::Info)
                );
            }
            Ok(if reading.has_errors() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Reads a plan file; a file that cannot be read at all gets one line on stderr and exit 2.
fn read_plan(file: &Path, aliases: &[String]) -> anyhow::Result<Result<Reading, ExitCode>> {
    let mut opts = ReadOptions::new(
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    for a in aliases {
        let Some((alias, name)) = a.split_once('=') else {
            anyhow::bail!("--alias 的格式应为 别名=规范名，收到“{a}”");
        };
        opts.aliases
            .push((alias.trim().to_string(), name.trim().to_string()));
    }
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "文件不存在".to_string(),
                std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
                std::io::ErrorKind::IsADirectory => "这是一个目录，不是文件".to_string(),
                _ => format!("无法读取（{e}）"),
            };
            eprintln!("zhuanban: {}: {why}", file.display());
            return Ok(Err(ExitCode::from(2)));
        }
    };
    match zhuanban_plan::read_bytes(&bytes, &opts) {
        Ok(r) => Ok(Ok(r)),
        Err(e) => {
            eprintln!("zhuanban: {}: {e}", file.display());
            Ok(Err(ExitCode::from(2)))
        }
    }
}

fn describe(file: &Path, d: &Diagnostic) -> String {
    let sev = match d.severity {
        Severity::Error => "错误",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    };
    let loc = d.line.map(|l| format!(":{l}")).unwrap_or_default();
    let task = d
        .task
        .as_deref()
        .map(|t| format!(" [任务 {t}]"))
        .unwrap_or_default();
    let text = if d.text.is_empty() {
        String::new()
    } else {
        format!("：“{}”", d.text)
    };
    format!(
        "{}{loc}: {sev}[{}]{task} {}{text}",
        file.display(),
        d.code,
        d.message
    )
}
