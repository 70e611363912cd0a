//! The DOCX opens in LibreOffice: both sample bulletins are converted to PDF once per run of
//! this test binary (LibreOffice takes seconds to start), and the PDFs' text is checked.
//!
//! LibreOffice (`soffice`, Debian `libreoffice-writer-nogui`) and `pdftotext`/`pdfinfo`
//! (`poppler-utils`) are required: without them these tests fail, they do not skip.
//! `cargo xtask test` installs both.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use zhuanban_office::bulletin_docx;

use crate::sample::seed_bulletin;
use crate::support::TempDir;

#[derive(Debug)]
pub struct Pdf {
    pub text: String,
    pub info: String,
}

#[derive(Debug)]
struct Converted {
    plain: Pdf,
    demo: Pdf,
}

/// The first of `names` found on PATH.
fn find_command(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

pub fn require(names: &[&str], package: &str) -> PathBuf {
    find_command(names).unwrap_or_else(|| {
        panic!(
            "{} not found: install the Debian package {package} (apt-get install -y --no-install-recommends {package}) or run `cargo xtask test`",
            names.join(" or ")
        )
    })
}

/// Runs a command to its end, killed after `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let start = Instant::now();
    loop {
        if child.try_wait().expect("waiting for the child").is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn pdf(dir: &Path, name: &str) -> Pdf {
    let file = dir.join(name);
    assert!(file.is_file(), "LibreOffice wrote no {}", file.display());
    let pdftotext = require(&["pdftotext"], "poppler-utils");
    let pdfinfo = require(&["pdfinfo"], "poppler-utils");
    let text = run(
        Command::new(pdftotext).arg(&file).arg("-"),
        Duration::from_secs(60),
    );
    assert!(text.status.success(), "pdftotext failed");
    let info = run(Command::new(pdfinfo).arg(&file), Duration::from_secs(60));
    assert!(info.status.success(), "pdfinfo failed");
    Pdf {
        text: String::from_utf8_lossy(&text.stdout).into_owned(),
        info: String::from_utf8_lossy(&info.stdout).into_owned(),
    }
}

fn converted() -> &'static Converted {
    static ONCE: OnceLock<Converted> = OnceLock::new();
    ONCE.get_or_init(|| {
        let soffice = require(&["soffice", "libreoffice"], "libreoffice-writer-nogui");
        let dir = TempDir::new("lo");
        std::fs::write(
            dir.path().join("bulletin.docx"),
            bulletin_docx(&seed_bulletin(false)),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("demo.docx"),
            bulletin_docx(&seed_bulletin(true)),
        )
        .unwrap();
        convert(
            &soffice,
            dir.path(),
            "pdf",
            dir.path(),
            &[
                dir.path().join("bulletin.docx"),
                dir.path().join("demo.docx"),
            ],
        );
        Converted {
            plain: pdf(dir.path(), "bulletin.pdf"),
            demo: pdf(dir.path(), "demo.pdf"),
        }
    })
}

/// Converts `files` with LibreOffice (`soffice`) to the format `to` ("pdf", "xlsx") in
/// `outdir`, with a profile of its own under `work`, so that a desktop LibreOffice or a
/// parallel run does not interfere.
pub fn convert(soffice: &Path, work: &Path, to: &str, outdir: &Path, files: &[PathBuf]) {
    let profile = format!("-env:UserInstallation=file://{}/profile", work.display());
    let out = run(
        Command::new(soffice)
            .args(["--headless", "--norestore", "--nolockcheck", &profile])
            .args(["--convert-to", to, "--outdir"])
            .arg(outdir)
            .args(files)
            .env("HOME", work),
        Duration::from_secs(300),
    );
    assert!(
        out.status.success(),
        "LibreOffice failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn pages(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports pages")
}

/// The text without the spaces and line breaks PDF extraction puts between characters.
pub fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn libreoffice_renders_the_bulletin() {
    let pdf = &converted().plain;
    assert!(pdf.info.contains("A4"), "{}", pdf.info);
    let n = pages(&pdf.info);
    assert!((4..=12).contains(&n), "{n} pages");
    let text = compact(&pdf.text);
    for needle in [
        "落实区域共进行动工作专班调度通报",
        "第9期",
        "落实区域共进行动工作专班办公室",
        "2024年10月8日",
        "关于2024年9月调度情况的通报",
        "一、总体情况",
        "二、重点指标情况",
        "三、滞后及逾期任务",
        "四、报送情况",
        "五、领导批示",
        "六、成员单位排名",
        "七、下步工作要求",
        "图1任务状态分布",
        "表6本期成员单位得分排名",
        "区住房城乡建设局",
        "区科技工信局",
        "单位说明：2个小区居民意见尚未统一",
        "2024年10月8日印发",
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle}");
    }
    // A page number on every page, "— N —". The 版记 starts an even page: when the body ends
    // on an even page, LibreOffice's PDF leaves out the blank page between them (a printer
    // gets it), and the last page's number is one more than the page count.
    for p in 1..n {
        assert!(text.contains(&format!("—{p}—")), "no page number {p}");
    }
    let last = if text.contains(&format!("—{}—", n + 1)) {
        n + 1
    } else {
        n
    };
    assert!(text.contains(&format!("—{last}—")), "no page number {last}");
    assert_eq!(last % 2, 0, "the 版记 is on page {last}");
    assert!(!text.contains("演示数据"));
}

#[test]
fn libreoffice_shows_demo_marks_on_every_page() {
    let pdf = &converted().demo;
    let n = pages(&pdf.info);
    let text = compact(&pdf.text);
    // The masthead's mark and one in each page's footer.
    assert_eq!(text.matches("【演示数据】").count(), n + 1, "{text}");
    assert!(text.contains("关于2024年9月调度情况的通报"));
}
