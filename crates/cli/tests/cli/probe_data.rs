//! What a probe of the desk broke, from the command line: spreadsheet bombs given to
//! `zhuanban series import`.

use std::time::{Duration, Instant};

use zhuanban_testkit::bombs::{dense_xlsx, many_cells_xlsx, sparse_xlsx};

use crate::*;

/// Runs the binary and samples its peak resident memory (VmHWM, KiB) from /proc while it runs.
fn run_measured(args: &[&str]) -> (Output, Duration, u64) {
    let started = Instant::now();
    let child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Ok(s) = std::fs::read_to_string(&status) {
                let Some(kib) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                else {
                    // A zombie has no memory lines left: it has exited.
                    break;
                };
                peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    sampler.join().unwrap();
    (out, took, peak.load(std::sync::atomic::Ordering::Relaxed))
}

#[test]
fn series_import_refuses_spreadsheet_bombs_quickly_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db = db.to_str().unwrap();
    for (name, bytes, reason) in [
        ("sparse.xlsx", sparse_xlsx(), "单元格 XFD1048576 超出范围"),
        ("dense.xlsx", dense_xlsx(1_900_000), "压缩比异常"),
        ("cells.xlsx", many_cells_xlsx(70_000), "单元格过多"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, &bytes).unwrap();
        let (out, took, peak) = run_measured(&[
            "series",
            "import",
            file.to_str().unwrap(),
            "--db",
            db,
            "--kind",
            "water",
            "--site",
            "湖心",
        ]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: {}", stdout(&out));
        assert!(
            err.contains(name) && err.contains("超出导入限制") && err.contains(reason),
            "{name}: {err}"
        );
        assert!(
            took < Duration::from_secs(1),
            "{name}: refused after {took:?}"
        );
        assert!(peak > 0 && peak < 200 * 1024, "{name}: peak {peak} KiB");
        assert!(!Path::new(db).exists(), "{name}: nothing is stored");
    }
}
