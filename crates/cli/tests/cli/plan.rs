//! `parse` and `lint` on the seed plan, and the exit codes and one-line messages for files that
//! cannot be read.

use crate::*;

#[test]
fn parse_json_matches_the_expected_reading() {
    let o = run(&["parse", seed().to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let exp_path = seed().with_extension("expected.json");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(exp_path).unwrap()).unwrap();
    assert_eq!(got["source"], "datonghu-regional-action-2024.txt");
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&got), ids(&expected));
    for (g, e) in got["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected["tasks"].as_array().unwrap())
    {
        assert_eq!(g["lead"], e["lead"], "task {}", e["id"]);
        assert_eq!(g["support"], e["support"], "task {}", e["id"]);
        let gt = g["targets"].as_array().unwrap();
        let et = e["targets"].as_array().unwrap();
        assert_eq!(gt.len(), et.len(), "task {}", e["id"]);
        for (a, b) in gt.iter().zip(et) {
            for f in ["unit", "cmp", "hardness", "deadline"] {
                assert_eq!(
                    a[f], b[f],
                    "task {} target {} field {f}",
                    e["id"], b["text"]
                );
            }
            assert_eq!(
                a["value"].as_f64(),
                b["value"].as_f64(),
                "task {} target {}",
                e["id"],
                b["text"]
            );
        }
    }
    assert_eq!(got["task_force"]["name"], expected["task_force"]["name"]);
}

#[test]
fn parse_text_and_toml() {
    let o = run(&["parse", seed().to_str().unwrap(), "--format", "text"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("任务 16 项，量化目标 26 个"), "{text}");
    assert!(text.contains("2.4.4 落实“五千工程”"));
    assert!(text.contains("工作专班：落实区域共进行动工作专班"));
    let o = run(&["parse", seed().to_str().unwrap(), "--format", "toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: toml::Value = toml::from_str(&stdout(&o)).expect("TOML on stdout");
    assert_eq!(v["tasks"].as_array().unwrap().len(), 16);
}

#[test]
fn lint_reports_the_seed_findings() {
    let o = run(&["lint", seed().to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the seed has warnings, not errors:\n{out}"
    );
    assert!(
        out.contains("duplicate-target") && out.contains("2.3.2 和 2.4.3"),
        "{out}"
    );
    for unit in [
        "区委宣传统战部",
        "区民政人社局",
        "区南洞庭保护管理局",
        "区生态公司",
        "大通湖产业开发区",
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains("unit-not-in-task-force") && l.contains(unit)),
            "{unit}:\n{out}"
        );
    }
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("unit-not-in-task-force"))
            .count(),
        5
    );
    assert!(
        out.lines().any(|l| l.contains("scope-wider-than-plan")
            && l.contains("2.3.1")
            && l.contains("全市"))
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("asap-without-date"))
            .count(),
        3
    );
    // Each finding names the file and line.
    assert!(
        out.lines()
            .any(|l| l.contains("datonghu-regional-action-2024.txt:21:")
                && l.contains("duplicate-target"))
    );
}

#[test]
fn lint_exits_1_on_errors() {
    let p = tmp("no-unit.txt", "一、重点任务\n1．建设公园3个。\n".as_bytes());
    let o = run(&["lint", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("task-without-unit"));
    let o = run(&["lint", p.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["code"], "task-without-unit");
    assert_eq!(v[0]["line"], 2);
}

#[test]
fn unreadable_files_get_one_line_and_exit_2() {
    let missing = std::env::temp_dir().join("zhuanban-no-such-plan.txt");
    let cases = [
        (missing, "文件不存在"),
        (tmp("empty.txt", b""), "文件为空"),
        (
            tmp("binary.txt", &[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0]),
            "二进制",
        ),
        (
            tmp("broken.docx", b"PK\x03\x04\x14\x00\x00\x00broken"),
            "docx",
        ),
        (tmp("dir.txt", b"x").parent().unwrap().to_path_buf(), "目录"),
    ];
    for (path, reason) in cases {
        for cmd in ["parse", "lint"] {
            let o = run(&[cmd, path.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(2), "{cmd} {}", path.display());
            let err = stderr(&o);
            assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
            assert!(
                err.contains(&path.display().to_string()),
                "names the file: {err}"
            );
            assert!(
                err.to_lowercase().contains(reason),
                "says why ({reason}): {err}"
            );
            assert!(stdout(&o).is_empty());
        }
    }
}

#[test]
fn bad_alias_is_refused() {
    let o = run(&[
        "parse",
        seed().to_str().unwrap(),
        "--alias",
        "no-equals-sign",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("别名=规范名"));
}

fn table_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plan/tests/data/tables")
        .join(name)
}

/// `zhuanban parse` reads a PDF through pdftotext (required: the test fails without it) as the
/// desk does, to the same tasks as the .docx of the same table.
#[test]
fn parse_reads_a_pdf_like_the_docx() {
    let read = |name: &str| {
        let o = run(&[
            "parse",
            table_file(name).to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].to_string(),
                    t["title"].to_string(),
                    t["lead"].to_string(),
                    t["support"].to_string(),
                    t["targets"].as_array().map_or(0, Vec::len),
                )
            })
            .collect::<Vec<_>>()
    };
    let pdf = read("task-table.pdf");
    assert_eq!(pdf.len(), 8);
    assert_eq!(pdf, read("task-table.docx"));
}

#[test]
fn a_scanned_pdf_gets_one_line_and_exit_2() {
    let p = table_file("task-table.scanned.pdf");
    let o = run(&["parse", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(&p.display().to_string()), "{err}");
    assert!(err.contains("没有文字层"), "{err}");
}

/// A plan in the seed's form with `n` tasks, in a file of its own.
fn long_plan(n: usize) -> PathBuf {
    let mut text = String::from(
        "为推进工作，特制定本实施方案。\n一、工作目标\n全面完成年度任务。\n二、工作任务\n（一）推进重点工作\n",
    );
    for i in 1..=n {
        text.push_str(&format!(
            "{i}．推进第{i}项重点工作。2024年底前完成第{i}项工程建设，持续改善服务质量。（区交通运输局、区发改财政局等负责）\n"
        ));
    }
    text.push_str("三、推进机制\n成立工作专班，专班办公室设在区发改财政局。\n");
    tmp("long-plan.txt", text.as_bytes())
}

/// Runs `zhuanban ARGS` into a pipe whose reader takes `lines` lines (none: it closes the
/// pipe before the program writes) and goes away, as `zhuanban … | head -1` does; gives the
/// exit status and standard error.
fn into_a_closed_pipe(args: &[&str], lines: usize) -> (std::process::ExitStatus, String) {
    use std::io::{BufRead as _, BufReader, Read as _};
    let mut child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    if lines > 0 {
        let mut reader = BufReader::new(out);
        for _ in 0..lines {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0, "a line to read");
        }
        drop(reader);
    } else {
        drop(out);
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), err)
}

/// `zhuanban parse FILE --format json | head -1`: Rust ignores SIGPIPE, and `println!` panics
/// when the pipe's reader has gone; the program ends quietly with status 0 instead.
#[test]
fn a_reader_that_goes_away_ends_the_program_quietly() {
    let plan = long_plan(3000);
    let file = plan.to_str().unwrap();
    // The output is larger than a pipe holds (64 KiB), so the program is still writing when
    // the reader goes away after its first line.
    let whole = run(&["parse", file, "--format", "json"]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    assert!(
        whole.stdout.len() > 256 << 10,
        "{} bytes of output",
        whole.stdout.len()
    );
    for (args, lines) in [
        (vec!["parse", file, "--format", "json"], 1),
        (vec!["parse", file, "--format", "text"], 1),
        (vec!["parse", file, "--format", "json"], 0),
        (vec!["lint", file], 0),
    ] {
        let (status, err) = into_a_closed_pipe(&args, lines);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: nothing on stderr: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
    // `zhuanban status … | head`, the ledger's commands alike.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pipe.db").to_string_lossy().into_owned();
    let o = run(&["import", seed().to_str().unwrap(), "--db", &db]);
    assert!(o.status.success(), "{}", stderr(&o));
    for format in ["text", "json"] {
        let args = ["status", "--db", &db, "--format", format];
        let (status, err) = into_a_closed_pipe(&args, 0);
        assert!(err.is_empty(), "{args:?}: nothing on stderr: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}
