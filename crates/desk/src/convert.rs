//! Formats the pure reader cannot open by itself, read with tools installed on the machine:
//! a PDF's text layer with poppler's `pdftotext -bbox-layout` (its XHTML handed to
//! [`zhuanban_plan::decode_pdf_layout`]), and a legacy Word or WPS document (.doc, .wps; an
//! OLE compound file that is not a spreadsheet) converted to .docx by LibreOffice.
//!
//! Each tool runs on a copy of the bytes in a private temporary folder (removed afterwards),
//! with a time limit (killed when over it) and a limit on what it may write. The input's size
//! is bounded by the callers (the desk's upload limit; a file on the command line).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zhuanban_plan::{DecodeError, Decoded, SourceFormat};

/// Longest `pdftotext` run.
const PDFTOTEXT_LIMIT: Duration = Duration::from_secs(20);
/// Most bytes of `pdftotext` output read.
const PDFTOTEXT_MAX_OUTPUT: u64 = 256 * 1024 * 1024;
/// Longest LibreOffice conversion (its first start with a new profile takes seconds).
const SOFFICE_LIMIT: Duration = Duration::from_secs(120);
/// Largest converted file read.
const MAX_CONVERTED: u64 = 64 * 1024 * 1024;

/// What to do when poppler is missing.
pub const NO_PDFTOTEXT: &str =
    "读取 PDF 需要 pdftotext，本机未安装；请安装 poppler-utils，或将文件另存为 .docx";
/// What to do when LibreOffice is missing.
pub const NO_SOFFICE: &str = "读取旧版 Word/WPS 文件需要 LibreOffice，本机未安装；请安装 LibreOffice（libreoffice-writer-nogui），或将文件另存为 .docx";

/// Decodes a plan file's bytes, by content: a PDF through `pdftotext`, a legacy .doc/.wps
/// through LibreOffice, anything else with [`zhuanban_plan::decode`]. A refusal names the
/// file, the format found and what to do.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Decoded, String> {
    decode_with(name, bytes, &Tools::default())
}

/// The programs run: found on `PATH` by these names.
#[derive(Debug, Clone)]
pub struct Tools {
    pub pdftotext: String,
    /// LibreOffice, tried by each name in turn.
    pub soffice: Vec<String>,
}

impl Default for Tools {
    fn default() -> Self {
        Tools {
            pdftotext: "pdftotext".into(),
            soffice: vec!["soffice".into(), "libreoffice".into()],
        }
    }
}

/// [`decode`] with the given programs.
pub fn decode_with(name: &str, bytes: &[u8], tools: &Tools) -> Result<Decoded, String> {
    if zhuanban_plan::is_pdf(bytes) {
        return decode_pdf(bytes, tools).map_err(|e| format!("{name}（PDF 文件）：{e}"));
    }
    match zhuanban_plan::decode(bytes) {
        Err(DecodeError::Docx(zhuanban_plan::docx::DocxError::LegacyOrEncrypted))
            if zhuanban_plan::is_ole(bytes) =>
        {
            decode_legacy(bytes, tools).map_err(|e| format!("{name}（旧版 Word/WPS 文件）：{e}"))
        }
        Err(e) => Err(format!("{name}：{e}")),
        Ok(d) => Ok(d),
    }
}

/// A PDF's text layer, tables rebuilt from the words' positions.
fn decode_pdf(bytes: &[u8], tools: &Tools) -> Result<Decoded, String> {
    let dir = TempDir::new()?;
    let file = dir.path().join("input.pdf");
    std::fs::write(&file, bytes).map_err(|e| format!("无法写入临时文件（{e}）"))?;
    let mut cmd = Command::new(&tools.pdftotext);
    cmd.arg("-q")
        .arg("-enc")
        .arg("UTF-8")
        .arg("-bbox-layout")
        .arg(&file)
        .arg("-");
    let out = match run(&mut cmd, PDFTOTEXT_LIMIT, Some(PDFTOTEXT_MAX_OUTPUT)) {
        Ok(o) => o,
        Err(RunError::NotFound) => return Err(NO_PDFTOTEXT.to_string()),
        Err(RunError::TimedOut) => {
            return Err(format!(
                "pdftotext 在 {} 秒内未能读完，请将文件另存为 .docx 后再导入",
                PDFTOTEXT_LIMIT.as_secs()
            ));
        }
        Err(RunError::TooLarge) => {
            return Err("PDF 的文字过多，请将文件拆分或另存为 .docx 后再导入".to_string());
        }
        Err(RunError::Io(e)) => return Err(format!("无法运行 pdftotext（{e}）")),
    };
    if !out.success {
        return Err(format!(
            "pdftotext 无法读取这个 PDF（文件损坏或已加密：{}）；请用原软件另存为 .docx",
            out.stderr.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    let xhtml = String::from_utf8_lossy(&out.stdout);
    zhuanban_plan::decode_pdf_layout(&xhtml).map_err(|e| e.to_string())
}

/// A legacy .doc/.wps (or .et) converted by LibreOffice, then read as .docx (or .xlsx).
fn decode_legacy(bytes: &[u8], tools: &Tools) -> Result<Decoded, String> {
    let dir = TempDir::new()?;
    let file = dir.path().join("input.doc");
    std::fs::write(&file, bytes).map_err(|e| format!("无法写入临时文件（{e}）"))?;
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).map_err(|e| format!("无法创建临时目录（{e}）"))?;
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    // A text document converts to .docx; a spreadsheet (.et) does not, and goes to .xlsx.
    for (to, produced) in [("docx", "input.docx"), ("xlsx", "input.xlsx")] {
        let mut last_err = None;
        for program in &tools.soffice {
            let mut cmd = Command::new(program);
            cmd.args(["--headless", "--norestore", "--nolockcheck", &profile])
                .args(["--convert-to", to, "--outdir"])
                .arg(&out_dir)
                .arg(&file)
                .env("HOME", dir.path());
            match run(&mut cmd, SOFFICE_LIMIT, None) {
                Ok(_) => {
                    last_err = None;
                    break;
                }
                Err(RunError::NotFound) => last_err = Some(NO_SOFFICE.to_string()),
                Err(RunError::TimedOut) => {
                    return Err(format!(
                        "LibreOffice 在 {} 秒内未能完成转换，请将文件另存为 .docx 后再导入",
                        SOFFICE_LIMIT.as_secs()
                    ));
                }
                Err(RunError::TooLarge) | Err(RunError::Io(_)) => {
                    last_err = Some("无法运行 LibreOffice，请将文件另存为 .docx 后再导入".into());
                    break;
                }
            }
        }
        if let Some(e) = last_err {
            return Err(e);
        }
        let converted = out_dir.join(produced);
        if converted.is_file() {
            let mut data = Vec::new();
            std::fs::File::open(&converted)
                .and_then(|f| f.take(MAX_CONVERTED + 1).read_to_end(&mut data))
                .map_err(|e| format!("无法读取转换结果（{e}）"))?;
            if data.len() as u64 > MAX_CONVERTED {
                return Err("转换后的文件过大，请将文件拆分后再导入".to_string());
            }
            let mut d = zhuanban_plan::decode(&data).map_err(|e| e.to_string())?;
            if d.format == SourceFormat::Docx {
                d.format = SourceFormat::Doc;
            }
            return Ok(d);
        }
    }
    Err(
        "LibreOffice 无法转换这个文件（文件损坏或已加密），请用原软件另存为 .docx 后再导入"
            .to_string(),
    )
}

/// A private temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).map_err(|e| format!("无法创建临时目录（{e}）"))?;
        let suffix: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let p = std::env::temp_dir().join(format!("zhuanban-read-{}-{suffix}", std::process::id()));
        std::fs::create_dir(&p).map_err(|e| format!("无法创建临时目录（{e}）"))?;
        Ok(TempDir(p))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
enum RunError {
    NotFound,
    TimedOut,
    TooLarge,
    Io(std::io::Error),
}

struct Output {
    success: bool,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs a command with no input in a process group of its own, killed (the whole group) after
/// `limit`. With `max`, its output is read and it is stopped when it writes more than `max`
/// bytes; without, its output is discarded (a tool that leaves helpers running, as
/// LibreOffice does, would otherwise hold the pipe open).
fn run(cmd: &mut Command, limit: Duration, max: Option<u64>) -> Result<Output, RunError> {
    use std::os::unix::process::CommandExt;
    let capture = max.is_some();
    let max = max.unwrap_or(0);
    let pipe = || {
        if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(pipe())
        .stderr(pipe())
        .process_group(0)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RunError::NotFound,
            _ => RunError::Io(e),
        })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(max + 1).read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr {
            let _ = s.take(64 * 1024).read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Io(e));
            }
        }
        if start.elapsed() > limit {
            // The whole group: LibreOffice's launcher starts the office as a child of its own.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if stdout.len() as u64 > max {
        return Err(RunError::TooLarge);
    }
    Ok(Output {
        success: status.success(),
        stdout,
        stderr,
    })
}
