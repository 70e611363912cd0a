//! `cargo xtask tidy`: the layout rules that the compiler does not check.
//!
//! - The pure crates (`plan`, `standards`, `ledger`, `office`) do no I/O, read no clock (neither the wall
//!   clock nor the monotonic one) and use no database: they take bytes and values and give
//!   back values.
//! - The wall clock is read in one place, `zhuanban_store::clock` (which tests can set); only
//!   the demonstration (`cli/src/demo.rs`) moves it to its data's date.
//! - Only the store writes, and only through its write path: a transaction is opened by the
//!   store's writer (`Db::write`, the save thread in `group.rs`, the migrations and
//!   the audit key's first write), and a statement that changes data never runs on the
//!   store's read pool.
//!
//! - The command line uses the web crate only to start the server (`cli/src/serve.rs`): what
//!   both need is in `zhuanban_desk`.
//! - The command line writes its standard output only through its writer
//!   (`cli/src/output.rs`, the `out!` and `outln!` macros), which ends the program quietly
//!   when the reader of a pipe has gone instead of panicking as `println!` does.
//!
//! The rules read source text (no parser): code after a file's first `#[cfg(test)]` is test
//! code and is not checked, nor are `tests/`, `benches/` and the tools (`xtask`, `loadgen`,
//! `testkit`). An exception is listed in [`ALLOWED`] with its reason.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Crates that take bytes and values and give back values.
const PURE: &[&str] = &["plan", "standards", "ledger", "office"];

/// What a pure crate must not use.
const IMPURE: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "tokio",
    "sqlx",
    "rusqlite",
    "reqwest",
    "File::open",
    "File::create",
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "Instant::now",
];

/// Readings of the wall clock (allowed in `store/src/clock.rs` only). The monotonic clock
/// (`Instant`), which measures elapsed time for timeouts and rate limits and never a date, is
/// allowed outside the pure crates.
const CLOCK: &[&str] = &["Utc::now", "Local::now", "SystemTime::now"];

/// Writes to standard output that panic when the reader of a pipe has gone (allowed in
/// `cli/src/output.rs` only, for the command line).
const STDOUT: &[&str] = &["println!", "print!", "stdout()"];

/// Tools and test helpers, not the product.
const TOOLS: &[&str] = &["loadgen", "testkit"];

/// Exceptions: (file, what, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    ("crates/store/src/clock.rs", "Utc::now", "the one clock"),
    (
        "crates/office/src/package.rs",
        "Instant::now",
        "a time budget for unpacking a document (a bound on input, not a date)",
    ),
    (
        "crates/notify/src/robot.rs",
        "SystemTime::now",
        "the robots' request signatures carry the real time, which their servers check",
    ),
];

/// A broken rule: where and what.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub rule: &'static str,
    pub text: String,
}

/// Checks the workspace under `root`; fails with every finding listed.
pub fn check(root: &Path) -> Result<()> {
    let mut findings = Vec::new();
    for file in sources(&root.join("crates"))? {
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file)?;
        findings.extend(check_file(&rel, &text));
    }
    if findings.is_empty() {
        println!("tidy: the layout rules hold");
        return Ok(());
    }
    for f in &findings {
        eprintln!("{}:{}: {}: {}", f.file, f.line, f.rule, f.text.trim());
    }
    bail!("tidy: {} finding(s)", findings.len())
}

/// The product's Rust sources (`crates/*/src/**/*.rs`, without the tools).
fn sources(crates: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(crates)? {
        let dir = entry?.path();
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if TOOLS.contains(&name.as_str()) {
            continue;
        }
        walk(&dir.join("src"), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn allowed(file: &str, what: &str) -> bool {
    ALLOWED.iter().any(|(f, w, _)| *f == file && *w == what)
}

/// The rules, on one file (`file` relative to the workspace, with `/`).
pub fn check_file(file: &str, text: &str) -> Vec<Finding> {
    let krate = file
        .strip_prefix("crates/")
        .and_then(|r| r.split('/').next())
        .unwrap_or_default();
    let pure = PURE.contains(&krate);
    let store = krate == "store";
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .collect();
    let mut out = Vec::new();
    let mut find = |line: usize, rule: &'static str, text: &str| {
        out.push(Finding {
            file: file.to_string(),
            line: line + 1,
            rule,
            text: text.to_string(),
        })
    };
    for (i, raw) in lines.iter().enumerate() {
        let code = raw.split("//").next().unwrap_or_default();
        if code.trim().is_empty() {
            continue;
        }
        if pure {
            for what in IMPURE {
                if mentions(code, what) && !allowed(file, what) {
                    find(i, "I/O or a database in a pure crate", raw);
                }
            }
        }
        for what in CLOCK {
            if code.contains(what) && !allowed(file, what) {
                find(i, "the wall clock read outside zhuanban_store::clock", raw);
            }
        }
        if code.contains("set_demo_now(")
            && !matches!(file, "crates/store/src/clock.rs" | "crates/cli/src/demo.rs")
        {
            find(
                i,
                "the clock moved to a demonstration's date outside the demonstration",
                raw,
            );
        }
        if krate == "cli" && file != "crates/cli/src/serve.rs" && mentions(code, "zhuanban_web") {
            find(
                i,
                "the command line uses the web crate beyond starting the server",
                raw,
            );
        }
        if krate == "cli"
            && file != "crates/cli/src/output.rs"
            && STDOUT.iter().any(|what| mentions(code, what))
        {
            find(
                i,
                "the command line's standard output written past its writer (cli/src/output.rs)",
                raw,
            );
        }
        if !store && (mentions(code, "sqlx") || mentions(code, "rusqlite")) {
            find(i, "a database driver used outside the store", raw);
        }
        if store {
            let opens = code.contains(".begin(") || code.contains("begin_with(");
            let writer = matches!(
                file,
                "crates/store/src/ledger.rs"
                    | "crates/store/src/migrate.rs"
                    | "crates/store/src/group.rs"
            );
            if opens && !writer {
                find(
                    i,
                    "a transaction opened outside the store's write path",
                    raw,
                );
            }
            if code.contains("BEGIN") && !writer {
                find(
                    i,
                    "a transaction opened outside the store's write path",
                    raw,
                );
            }
        }
    }
    if store {
        // A statement that changes data, executed on the read pool.
        for (i, raw) in lines.iter().enumerate() {
            let upper = raw.to_uppercase();
            let changes = ["\"INSERT", "\"UPDATE", "\"DELETE", "\"REPLACE"]
                .iter()
                .any(|w| upper.contains(w));
            if !changes {
                continue;
            }
            let tail = lines[i..lines.len().min(i + 25)].join("\n");
            let end = tail.find(".await").unwrap_or(tail.len());
            let statement = &tail[..end];
            if statement.contains("self.pool()") || statement.contains("&self.pool)") {
                find(i, "a write on the store's read pool", raw);
            }
        }
    }
    out
}

/// Whether `code` names `what` as a path or crate (not inside a longer identifier).
fn mentions(code: &str, what: &str) -> bool {
    code.match_indices(what).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + what.len()..].chars().next();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(file: &str, text: &str) -> Vec<&'static str> {
        check_file(file, text).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn io_in_a_pure_crate_is_found() {
        let text = "fn read() { let _ = std::fs::read(\"x\"); }\n";
        assert_eq!(
            rules("crates/ledger/src/a.rs", text),
            ["I/O or a database in a pure crate"]
        );
        assert!(rules("crates/cli/src/a.rs", text).is_empty());
        // A longer identifier is not the crate; a comment is not code.
        assert!(rules("crates/ledger/src/a.rs", "let tokio_like = 1; // std::fs\n").is_empty());
    }

    #[test]
    fn the_demonstration_clock_outside_the_demonstration_is_found() {
        let text = "zhuanban_store::clock::set_demo_now(Some(t));\n";
        assert_eq!(
            rules("crates/web/src/lib.rs", text),
            ["the clock moved to a demonstration's date outside the demonstration"]
        );
        assert!(rules("crates/cli/src/demo.rs", text).is_empty());
    }

    #[test]
    fn the_clock_outside_the_clock_is_found() {
        let text = "let t = chrono::Utc::now();\n";
        assert_eq!(
            rules("crates/web/src/a.rs", text),
            ["the wall clock read outside zhuanban_store::clock"]
        );
        assert!(rules("crates/store/src/clock.rs", text).is_empty());
        // Test code after #[cfg(test)] is not checked.
        assert!(rules("crates/web/src/a.rs", &format!("#[cfg(test)]\n{text}")).is_empty());
    }

    #[test]
    fn writes_outside_the_write_path_are_found() {
        let tx = "let mut tx = self.pool().begin_with(\"BEGIN IMMEDIATE\").await?;\n";
        assert_eq!(
            rules("crates/store/src/accounts.rs", tx),
            [
                "a transaction opened outside the store's write path",
                "a transaction opened outside the store's write path"
            ]
        );
        assert!(rules("crates/store/src/ledger.rs", tx).is_empty());
        let on_pool =
            "sqlx::query(\"UPDATE sessions SET x = 1\")\n    .execute(self.pool())\n    .await?;\n";
        assert_eq!(
            rules("crates/store/src/accounts.rs", on_pool),
            ["a write on the store's read pool"]
        );
        let on_writer = on_pool.replace("self.pool()", "self.write_pool()");
        assert!(rules("crates/store/src/accounts.rs", &on_writer).is_empty());
        assert_eq!(
            rules("crates/web/src/a.rs", "use sqlx::Row;\n"),
            ["a database driver used outside the store"]
        );
    }

    #[test]
    fn the_command_line_starts_the_server_and_no_more() {
        let text = "let t = zhuanban_web::worker::tick(&state, today, true);\n";
        assert_eq!(
            rules("crates/cli/src/main.rs", text),
            ["the command line uses the web crate beyond starting the server"]
        );
        assert!(rules("crates/cli/src/serve.rs", text).is_empty());
    }

    #[test]
    fn the_command_line_prints_through_its_writer() {
        let rule = "the command line's standard output written past its writer (cli/src/output.rs)";
        for text in [
            "println!(\"{x}\");\n",
            "print!(\"{x}\");\n",
            "let _ = writeln!(std::io::stdout(), \"{x}\");\n",
        ] {
            assert_eq!(
                rules("crates/cli/src/ledger_cmd.rs", text),
                [rule],
                "{text}"
            );
            assert!(rules("crates/cli/src/output.rs", text).is_empty());
            assert!(rules("crates/web/src/a.rs", text).is_empty());
        }
        // Standard error, the writer's macros and a comment are not standard output.
        for text in [
            "eprintln!(\"{x}\");\n",
            "eprint!(\"{x}\");\n",
            "outln!(\"{x}\");\n",
            "out!(\"{x}\");\n",
            "// println!(\"{x}\");\n",
        ] {
            assert!(
                rules("crates/cli/src/ledger_cmd.rs", text).is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_workspace_keeps_the_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        check(&root).unwrap();
    }
}
