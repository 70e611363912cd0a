//! `parse` and `lint`: reading a plan file.

use std::path::Path;
use std::process::ExitCode;

use zhuanban_plan::{Diagnostic, ReadOptions, Reading, Severity};

use crate::output::outln;

/// Reads a plan file; a file that cannot be read at all gets one line on stderr and exit 2.
pub fn read_plan(file: &Path, aliases: &[String]) -> anyhow::Result<Result<Reading, ExitCode>> {
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
    // The same reading as the desk's upload: a PDF through pdftotext, a .doc/.wps through
    // LibreOffice when installed; a refusal names the file, the format found and what to do.
    let decoded = zhuanban_desk::convert::decode(&file.display().to_string(), &bytes);
    drop(bytes);
    match decoded {
        Ok(d) => {
            let mut r = zhuanban_plan::read_text(&d.text, &opts);
            r.format = Some(d.format);
            Ok(Ok(r))
        }
        Err(e) => {
            eprintln!("zhuanban: {e}");
            Ok(Err(ExitCode::from(2)))
        }
    }
}

pub fn describe(file: &Path, d: &Diagnostic) -> String {
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

/// `zhuanban lint`: prints the findings, exits 1 when there are errors.
pub fn lint(file: &Path, aliases: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let reading = match read_plan(file, aliases)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&reading.diagnostics)?);
    } else {
        for d in &reading.diagnostics {
            outln!("{}", describe(file, d));
        }
        let count = |s| {
            reading
                .diagnostics
                .iter()
                .filter(|d| d.severity == s)
                .count()
        };
        outln!(
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
