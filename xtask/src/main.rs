//! `cargo xtask`: the one place that knows how to check, test and measure zhuanban.
//!
//! - `cargo xtask test` — installs what the tests need when it is missing (Debian packages),
//!   then runs `cargo fmt --check`, `cargo clippy --all-targets -D warnings` and every test of
//!   the workspace (with cargo-nextest when it is installed, else `cargo test`), and the doc
//!   tests. This is the command CI runs.
//! - `cargo xtask tidy` — the layout rules the compiler does not check (see `tidy.rs`): no
//!   I/O, clock or database in the pure crates, the wall clock read in one place, writes only
//!   through the store's write path. `cargo xtask test` runs it too.
//! - `cargo xtask bench [ARGS] [--pg] [--web LOADGEN-ARGS]` — runs the benchmarks (`cargo
//!   bench --workspace ARGS`) and prints their figures, then the web load benchmark: builds the
//!   release `zhuanban` binary and runs `zhuanban-loadgen` against it three times (LOADGEN-ARGS
//!   go to the load generator, e.g. `--seconds 5` or `--runs 1`), which prints each figure's
//!   range and writes `target/bench/web.json`. With `--pg`, the same on PostgreSQL
//!   (`web-pg.json`) and the province-sized ledger on PostgreSQL (`province.json`) follow; they
//!   need Debian's `postgresql` (a throwaway cluster, see `zhuanban_testkit::pg`).

#[cfg(test)]
mod licences;
mod tidy;

use std::process::Command;

use anyhow::{Context, Result, bail};

/// Debian packages the test suite needs, each with what proves it is installed: a command on
/// `PATH`, or an absolute path that must exist.
const TEST_PACKAGES: &[(&str, &str)] = &[
    // The browser tests (crates/testkit) drive headless Chromium over WebDriver.
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
    // Without a CJK font Chinese text renders as tofu boxes in screenshots.
    (
        "fonts-noto-cjk",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ),
    // The office tests (crates/office) convert the DOCX bulletin to PDF with LibreOffice and
    // read the PDF's text.
    ("libreoffice-writer-nogui", "soffice"),
    // … and the offline reporting template (XLSX) with LibreOffice Calc.
    (
        "libreoffice-calc-nogui",
        "/usr/lib/libreoffice/program/libsclo.so",
    ),
    ("poppler-utils", "pdftotext"),
    // The plan API is driven from `curl` on the demonstration desk (crates/cli/tests/cli/demo_api.rs).
    ("curl", "curl"),
    // The PostgreSQL store's tests (crates/store/tests/postgres.rs) run a throwaway cluster
    // (crates/testkit/src/pg.rs) with Debian's PostgreSQL; its tools are not on PATH.
    ("postgresql", "/usr/lib/postgresql/15/bin/initdb"),
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") | Some("ci") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("tidy") => tidy::check(&workspace_root()),
        _ => {
            eprintln!("usage: cargo xtask <test|ci|tidy|bench> [args]");
            eprintln!("  test   install test prerequisites, then fmt, tidy, clippy and all tests");
            eprintln!("  tidy   the layout rules: pure crates, one clock, one write path");
            eprintln!(
                "  bench  run the benchmarks, then the web load benchmark ([ARGS] [--pg] [--web LOADGEN-ARGS])"
            );
            std::process::exit(2);
        }
    }
}

/// The workspace's root folder.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Whether `command` is on `PATH`; an absolute path is instead checked for existence.
fn have(command: &str) -> bool {
    if command.starts_with('/') {
        return std::path::Path::new(command).exists();
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {command} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the Debian packages whose commands (or files) are missing.
fn ensure_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, cmd)| !have(cmd))
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !have("apt-get") {
        bail!(
            "the tests need the Debian packages {missing:?} and apt-get is not available: install them by hand"
        );
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| -> Result<()> {
        let mut c = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    apt(&args)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn test(extra: &[String]) -> Result<()> {
    ensure_packages(TEST_PACKAGES)?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    tidy::check(&workspace_root())?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The web desk's HTTP suite runs a second time on PostgreSQL (each test on a throwaway
    // cluster; see crates/web/tests/http/main.rs), so every page and API is checked on both
    // backends; the store's own conformance suite runs both in the workspace run.
    let on_postgres = |mut c: Command| {
        c.env("ZHUANBAN_TEST_DB", "postgres");
        c
    };
    let (all, desk_on_postgres) = if have("cargo-nextest") {
        // Doc tests first: nextest does not run them, and its summary should close the log.
        run(cargo().args(["test", "--workspace", "--doc"]))?;
        let all = run(cargo()
            .args(["nextest", "run", "--workspace", "--no-fail-fast"])
            .args(extra));
        let mut pg = on_postgres(cargo());
        pg.args([
            "nextest",
            "run",
            "-p",
            "zhuanban-web",
            "--test",
            "http",
            "--no-fail-fast",
        ]);
        (all, run(&mut pg))
    } else {
        let all = run(cargo()
            .args(["test", "--workspace", "--no-fail-fast"])
            .args(extra));
        let mut pg = on_postgres(cargo());
        pg.args([
            "test",
            "-p",
            "zhuanban-web",
            "--test",
            "http",
            "--no-fail-fast",
        ]);
        (all, run(&mut pg))
    };
    all.context("the workspace's tests failed")?;
    desk_on_postgres.context("the web desk's HTTP tests failed on PostgreSQL")
}

fn bench(extra: &[String]) -> Result<()> {
    let (extra, web) = match extra.iter().position(|a| a == "--web") {
        Some(i) => (&extra[..i], &extra[i + 1..]),
        None => (extra, &[][..]),
    };
    let pg = extra.iter().any(|a| a == "--pg");
    let extra: Vec<&String> = extra.iter().filter(|a| *a != "--pg").collect();
    run(cargo().args(["bench", "--workspace"]).args(extra))?;
    // Several runs, so that the figures come with their range.
    let mut web: Vec<String> = web.to_vec();
    if !web
        .iter()
        .any(|a| a == "--runs" || a.starts_with("--runs="))
    {
        web.extend(["--runs".into(), "3".into()]);
    }
    web_bench(&web, "web.json", &[])?;
    if pg {
        web_bench(&web, "web-pg.json", &["--postgres"])?;
        web_bench(&web, "province.json", &["--province"])?;
    }
    Ok(())
}

/// The web load benchmark: the release server under `zhuanban-loadgen` (crates/loadgen).
fn web_bench(extra: &[String], out: &str, mode: &[&str]) -> Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the workspace folder")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .map_or_else(|| root.join("target"), |t| root.join(t));
    run(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "zhuanban"]))?;
    let server = target.join("release").join("zhuanban");
    let out = target.join("bench").join(out);
    run(cargo()
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "zhuanban-loadgen",
            "--",
        ])
        .arg("--server")
        .arg(&server)
        .arg("--out")
        .arg(&out)
        .args(mode)
        .args(extra))
}
