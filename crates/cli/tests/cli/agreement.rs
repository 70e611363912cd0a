//! One judgement everywhere: the demonstration desk (`serve --demo`, the main job) judged at
//! several rounds and dates, and every output compared task by task and in every total —
//! `zhuanban status --format json`, `/api/status`, `/api/tasks`, the dashboard, the ledger and
//! its filters, every task page, the notice proposals, and each round's bulletin (the desk's
//! preview, the issued DOCX and HTML) and ledger XLSX. Then a new round is opened and no
//! progress judgement moves.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::net::TcpListener;
use std::process::{Child, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::*;

/// The demonstration desk, running.
pub(crate) struct Desk {
    child: Child,
    /// Kept open so the server's later prints do not fail.
    _out: BufReader<ChildStdout>,
    pub(crate) db: String,
    pub(crate) base: String,
    pub(crate) office_password: String,
    /// Every demonstration account printed: (login, password, who).
    pub(crate) accounts: Vec<(String, String, String)>,
    _dir: tempfile::TempDir,
}

impl Desk {
    /// Stops the server (SIGKILL), leaving its database for another process.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_demo() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let demo_dir = dir.path().join("demo");
    let mut child = bin()
        .args([
            "serve",
            "--demo",
            "--dir",
            demo_dir.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        // The dispatch worker every second (debug builds), so that a test sees its passes.
        .env("ZHUANBAN_TEST_WORKER_SECS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut office_password = None;
    let mut accounts = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve --demo ended before printing its database"
        );
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"office") {
            office_password = Some(words[1].to_string());
        }
        if line.starts_with("  ") && words.len() == 3 {
            accounts.push((
                words[0].to_string(),
                words[1].to_string(),
                words[2].to_string(),
            ));
        }
        if line.starts_with("数据库：") {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the demo desk did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Desk {
        child,
        _out: out,
        db: demo_dir.join("demo.db").to_string_lossy().into_owned(),
        base: format!("http://127.0.0.1:{port}"),
        office_password: office_password.expect("the office account is printed"),
        accounts,
        _dir: dir,
    }
}

/// One task as an output shows it: (progress label, reporting label if shown).
type Shown = BTreeMap<String, (String, Option<String>)>;

/// The truth for a view, from `zhuanban status --format json`.
struct Truth {
    tasks: Vec<Value>,
    totals: BTreeMap<String, u64>,
    colours: BTreeMap<String, u64>,
    reporting: BTreeMap<String, u64>,
}

impl Truth {
    /// As the API gives it: both labels.
    fn labels(&self) -> Shown {
        by_code(&self.tasks, "status_label", "reporting_label")
    }

    /// As the pages show it: the reporting state only where something is owed or pending (a
    /// report in on time, or none needed, shows no tag).
    fn shown(&self) -> Shown {
        self.tasks
            .iter()
            .map(|t| {
                let rep = match t["reporting"].as_str() {
                    Some("on_time" | "not_required") | None => None,
                    Some(_) => t["reporting_label"].as_str().map(str::to_string),
                };
                (
                    t["code"].as_str().unwrap().to_string(),
                    (t["status_label"].as_str().unwrap().to_string(), rep),
                )
            })
            .collect()
    }

    fn codes_where(&self, f: impl Fn(&Value) -> bool) -> BTreeSet<String> {
        self.tasks
            .iter()
            .filter(|t| f(t))
            .map(|t| t["code"].as_str().unwrap().to_string())
            .collect()
    }

    /// Tasks judged 滞后, 严重滞后, 逾期未完成 (or missed): the bulletin's lagging section.
    fn behind(&self) -> BTreeSet<String> {
        self.codes_where(|t| {
            matches!(
                t["status"].as_str(),
                Some("lagging" | "seriously_lagging" | "overdue" | "missed")
            )
        })
    }
}

/// Tasks of a JSON list by code: (their `status` field, their `reporting` field).
fn by_code(tasks: &[Value], status: &str, reporting: &str) -> Shown {
    tasks
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap().to_string(),
                (
                    t[status].as_str().unwrap().to_string(),
                    t[reporting].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

/// A JSON object of counts ("seriously_lagging": 2, …).
fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

fn status_json(db: &str, round: Option<i64>, as_of: Option<&str>) -> Truth {
    let mut args = vec!["status", "--db", db, "--format", "json"];
    let round_s = round.map(|r| r.to_string());
    if let Some(r) = &round_s {
        args.extend(["--round", r]);
    }
    if let Some(d) = as_of {
        args.extend(["--as-of", d]);
    }
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    Truth {
        tasks: v["tasks"].as_array().unwrap().clone(),
        totals: counts(&v["totals"]),
        colours: counts(&v["colours"]),
        reporting: counts(&v["reporting"]),
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn sign_in(desk: &Desk) -> reqwest::blocking::Client {
    let c = client();
    let res = c
        .post(format!("{}/login", desk.base))
        .form(&[("login", "office"), ("password", &desk.office_password)])
        .send()
        .unwrap();
    assert!(res.status().is_redirection(), "sign-in: {}", res.status());
    c
}

fn get(c: &reqwest::blocking::Client, url: &str) -> String {
    let res = c.get(url).send().unwrap();
    assert!(res.status().is_success(), "GET {url}: {}", res.status());
    res.text().unwrap()
}

fn get_bytes(c: &reqwest::blocking::Client, url: &str) -> Vec<u8> {
    let res = c.get(url).send().unwrap();
    assert!(res.status().is_success(), "GET {url}: {}", res.status());
    res.bytes().unwrap().to_vec()
}

/// The text of an HTML fragment: tags dropped, entities of the escaper undone, trimmed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .trim()
        .to_string()
}

/// The text of the first `<span class="… tag …">` whose class list satisfies `want`.
fn tag_text(html: &str, want: impl Fn(&[&str]) -> bool) -> Option<String> {
    let mut rest = html;
    while let Some(i) = rest.find("<span class=\"") {
        let after = &rest[i + 13..];
        let end = after.find('"').unwrap();
        let classes: Vec<&str> = after[..end].split_whitespace().collect();
        let body = &after[end..];
        if classes.contains(&"tag") && want(&classes) {
            let start = body.find('>').unwrap() + 1;
            let stop = body[start..].find("</span>").unwrap();
            return Some(text(&body[start..start + stop]));
        }
        rest = after;
    }
    None
}

/// The progress tag (a tag that is not the reporting one) and the reporting tag of a fragment.
fn tags(html: &str) -> (String, Option<String>) {
    (
        tag_text(html, |c| c.contains(&"progress"))
            .or_else(|| tag_text(html, |c| !c.contains(&"reporting")))
            .expect("a progress tag"),
        // The pages phrase it for the round shown: "本期未报送".
        tag_text(html, |c| c.contains(&"reporting"))
            .map(|r| r.strip_prefix("本期").map_or(r.clone(), str::to_string)),
    )
}

/// The rows `<tr data-code="…">` of a page's table with the given id.
fn coded_rows(page: &str, table_id: &str) -> Vec<(String, String)> {
    let Some(start) = page.find(&format!("<table id=\"{table_id}\"")) else {
        return vec![];
    };
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    table
        .split("<tr data-code=\"")
        .skip(1)
        .map(|r| {
            let code = r[..r.find('"').unwrap()].to_string();
            (code, r.to_string())
        })
        .collect()
}

fn rows_shown(page: &str, table_id: &str) -> Shown {
    coded_rows(page, table_id)
        .into_iter()
        .map(|(code, row)| (code, tags(&row)))
        .collect()
}

/// The dashboard's totals legend: status code → count.
fn dashboard_totals(page: &str) -> BTreeMap<String, u64> {
    let start = page.find("<p id=\"totals\"").expect("the totals legend");
    let legend = &page[start..start + page[start..].find("</p>").unwrap()];
    legend
        .split("<span data-status=\"")
        .skip(1)
        .map(|s| {
            let code = s[..s.find('"').unwrap()].to_string();
            let b = s.find("<b>").unwrap() + 3;
            let n = s[b..b + s[b..].find("</b>").unwrap()].parse().unwrap();
            (code, n)
        })
        .collect()
}

/// The rows of the lagging section of the bulletin's HTML (the desk's preview or the
/// standalone page): task code → the row's cells.
fn html_lagging(page: &str) -> BTreeMap<String, Vec<String>> {
    let head = page
        .find("滞后及逾期任务</h3>")
        .expect("the bulletin has a lagging section");
    let section = &page[head..head + page[head..].find("</section>").unwrap()];
    section
        .split("<tr")
        .skip(1)
        .filter_map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| text(&format!("<td{c}")))
                .collect();
            let code = cells.first()?.clone();
            is_code(&code).then_some((code, cells))
        })
        .collect()
}

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.contains('.') && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A DOCX body in reading order: paragraphs outside tables, and tables as rows of cells.
enum Block {
    Para(String),
    Row(Vec<String>),
}

fn docx_blocks(docx: &[u8]) -> Vec<Block> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut blocks = vec![];
    let (mut depth_tbl, mut para, mut row, mut cell) = (0, String::new(), vec![], String::new());
    let mut in_text = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => match e.name().as_ref() {
                "w:tbl" => depth_tbl += 1,
                "w:tr" => row = vec![],
                "w:tc" => cell.clear(),
                "w:t" => in_text = true,
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t.xml10_content();
                if depth_tbl > 0 {
                    cell.push_str(&s);
                } else {
                    para.push_str(&s);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:tbl" => depth_tbl -= 1,
                "w:tc" => row.push(cell.trim().to_string()),
                "w:tr" => blocks.push(Block::Row(std::mem::take(&mut row))),
                "w:p" if depth_tbl == 0 => {
                    blocks.push(Block::Para(std::mem::take(&mut para).trim().to_string()))
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    blocks
}

/// The DOCX lagging section's rows: task code → cells (between its heading and the next part).
fn docx_lagging(docx: &[u8]) -> BTreeMap<String, Vec<String>> {
    let blocks = docx_blocks(docx);
    let start = blocks
        .iter()
        .position(|b| matches!(b, Block::Para(p) if p.ends_with("滞后及逾期任务")))
        .expect("the DOCX has a lagging section");
    let mut out = BTreeMap::new();
    for b in &blocks[start + 1..] {
        match b {
            Block::Para(p) if p.ends_with("报送情况") => break,
            Block::Row(cells) if cells.first().is_some_and(|c| is_code(c)) => {
                out.insert(cells[0].clone(), cells.clone());
            }
            _ => {}
        }
    }
    out
}

/// The ledger XLSX's first sheet, its rows in order: (任务编号, 进度判断, the cell's fill colour).
fn xlsx_rows(xlsx: &[u8]) -> Vec<(String, String, Option<String>)> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| c == "进度判断"))
        .expect("a header row with 进度判断");
    let col = |name: &str| rows[header].iter().position(|c| c == name).unwrap();
    let (code_col, status_col) = (col("任务编号"), col("进度判断"));
    let fills = xlsx_fills(xlsx, &name);
    let (row0, col0) = range.start().unwrap();
    rows[header + 1..]
        .iter()
        .enumerate()
        .filter(|(_, r)| is_code(&r[code_col]))
        .map(|(i, r)| {
            let at = (row0 + (header + 1 + i) as u32, col0 + status_col as u32);
            (
                r[code_col].clone(),
                r[status_col].clone(),
                fills.get(&at).cloned(),
            )
        })
        .collect()
}

/// A status code's label, as the product names them (pinned by the ledger's own tests).
fn status_label(code: &str) -> &'static str {
    match code {
        "done" => "已完成",
        "met" => "达标",
        "on_schedule" => "序时推进",
        "in_progress" => "推进中",
        "not_started" => "未开始",
        "no_data" => "无数据",
        "not_met" => "未达标",
        "at_risk" => "有风险",
        "lagging" => "滞后",
        "seriously_lagging" => "严重滞后",
        "missed" => "未完成目标",
        "overdue" => "逾期未完成",
        other => panic!("unknown status {other}"),
    }
}

/// The fill colour (RGB) of every styled cell of a sheet: (row, column) from 0 → "FFC7CE"-like.
fn xlsx_fills(xlsx: &[u8], sheet: &str) -> BTreeMap<(u32, u32), String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut read = |path: &str| {
        let mut s = String::new();
        zip.by_name(path).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let workbook = read("xl/workbook.xml");
    let rels = read("xl/_rels/workbook.xml.rels");
    let styles = read("xl/styles.xml");
    let attr = |e: &quick_xml::events::BytesStart, k: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == k)
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned()
            })
    };
    // The sheet's part: workbook name → r:id → target.
    let mut rid = None;
    let mut r = quick_xml::Reader::from_str(&workbook);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Empty(e) | Event::Start(e)
                if e.name().as_ref() == "sheet" && attr(&e, "name").as_deref() == Some(sheet) =>
            {
                rid = attr(&e, "r:id");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut target = None;
    let mut r = quick_xml::Reader::from_str(&rels);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Empty(e) | Event::Start(e)
                if e.name().as_ref() == "Relationship" && attr(&e, "Id") == rid =>
            {
                target = attr(&e, "Target");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let target = target.expect("the sheet's part");
    let part = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    };
    // Fills, then the cell formats' fill ids.
    let (mut fills, mut xfs) = (vec![], vec![]);
    let (mut in_fills, mut in_xfs) = (false, false);
    let mut r = quick_xml::Reader::from_str(&styles);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) if e.name().as_ref() == "fills" => in_fills = true,
            Event::End(e) if e.name().as_ref() == "fills" => in_fills = false,
            Event::Start(e) if e.name().as_ref() == "cellXfs" => in_xfs = true,
            Event::End(e) if e.name().as_ref() == "cellXfs" => in_xfs = false,
            Event::Start(e) | Event::Empty(e) if in_fills && e.name().as_ref() == "fill" => {
                fills.push(None)
            }
            Event::Start(e) | Event::Empty(e) if in_fills && e.name().as_ref() == "fgColor" => {
                if let Some(last) = fills.last_mut() {
                    *last = attr(&e, "rgb");
                }
            }
            Event::Start(e) | Event::Empty(e) if in_xfs && e.name().as_ref() == "xf" => {
                xfs.push(attr(&e, "fillId").and_then(|f| f.parse::<usize>().ok()))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let sheet_xml = read(&part);
    let mut out = BTreeMap::new();
    let mut r = quick_xml::Reader::from_str(&sheet_xml);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "c" => {
                let (Some(at), Some(s)) = (attr(&e, "r"), attr(&e, "s")) else {
                    continue;
                };
                let fill = s
                    .parse::<usize>()
                    .ok()
                    .and_then(|s| xfs.get(s).copied().flatten())
                    .and_then(|f| fills.get(f).cloned().flatten());
                if let Some(rgb) = fill {
                    out.insert(cell_ref(&at), rgb);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// "C12" → (11, 2).
fn cell_ref(a1: &str) -> (u32, u32) {
    let letters: String = a1.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let row: u32 = a1[letters.len()..].parse().unwrap();
    let col = letters
        .chars()
        .fold(0u32, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1));
    (row - 1, col - 1)
}

/// Is this RGB a red one (strong red, little green and blue: the palette's red, not its amber)?
fn reddish(rgb: &str) -> bool {
    let hex = &rgb[rgb.len() - 6..];
    let p = |i: usize| u32::from_str_radix(&hex[i..i + 2], 16).unwrap();
    let (r, g, b) = (p(0), p(2), p(4));
    r >= 0x99 && g < 0x60 && b < 0x60
}

fn query(round: Option<i64>, as_of: Option<&str>) -> String {
    let mut q = vec![];
    if let Some(r) = round {
        q.push(format!("round={r}"));
    }
    if let Some(d) = as_of {
        q.push(format!("as_of={d}"));
    }
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

fn rounds(db: &str) -> Vec<(i64, String)> {
    let o = run(&["round", "list", "--db", db]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Lines start with "#ID" and carry the round's as-of date.
    stdout(&o)
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let id: i64 = l
                .strip_prefix('#')?
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()?;
            let date = l
                .split(|c: char| !(c.is_ascii_digit() || c == '-'))
                .find(|w| w.len() == 10 && w.as_bytes()[4] == b'-')?
                .to_string();
            Some((id, date))
        })
        .collect()
}

/// Every view of the desk agrees with `zhuanban status` for one (round, date).
fn check_view(desk: &Desk, c: &reqwest::blocking::Client, round: Option<i64>, as_of: Option<&str>) {
    let what = format!("round {round:?}, as of {as_of:?}");
    let truth = status_json(&desk.db, round, as_of);
    let shown = truth.shown();
    assert!(shown.len() >= 16, "{what}: the plan's tasks are judged");
    let q = query(round, as_of);

    // /api/status: the same evaluation, totals included.
    let api: Value = c
        .get(format!("{}/api/status{q}", desk.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for (k, mine) in [
        ("totals", &truth.totals),
        ("colours", &truth.colours),
        ("reporting", &truth.reporting),
    ] {
        assert_eq!(&counts(&api[k]), mine, "{what}: /api/status {k}");
    }
    assert_eq!(
        by_code(api["tasks"].as_array().unwrap(), "status", "reporting"),
        by_code(&truth.tasks, "status", "reporting"),
        "{what}: /api/status tasks"
    );

    // /api/tasks: labels as shown.
    let tasks: Value = c
        .get(format!("{}/api/tasks{q}", desk.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        by_code(tasks.as_array().unwrap(), "status_label", "reporting_label"),
        truth.labels(),
        "{what}: /api/tasks"
    );

    // The dashboard: totals, and the tasks needing attention (behind, or owing a report).
    let dash = get(c, &format!("{}/dashboard{q}", desk.base));
    assert_eq!(
        dashboard_totals(&dash),
        truth.totals,
        "{what}: dashboard totals"
    );
    let owing = |t: &Value| {
        matches!(t["reporting"].as_str(), Some("missing" | "returned"))
            || matches!(
                t["status"].as_str(),
                Some("lagging" | "seriously_lagging" | "overdue" | "missed")
            )
    };
    let attention = rows_shown(&dash, "attention");
    let expected: Shown = shown
        .iter()
        .filter(|(code, _)| {
            truth
                .tasks
                .iter()
                .any(|t| t["code"] == code.as_str() && owing(t))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(attention, expected, "{what}: dashboard attention table");

    // The ledger, whole and filtered.
    let ledger = get(c, &format!("{}/ledger{q}", desk.base));
    assert_eq!(rows_shown(&ledger, "ledger"), shown, "{what}: ledger");
    let amp = if q.is_empty() { "?" } else { "&" };
    for colour in ["red", "yellow", "green", "grey"] {
        let page = get(c, &format!("{}/ledger{q}{amp}colour={colour}", desk.base));
        let got: BTreeSet<String> = coded_rows(&page, "ledger")
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            got,
            truth.codes_where(|t| t["colour"] == colour),
            "{what}: ledger filtered by colour {colour}"
        );
    }
    for rep in ["missing", "returned", "awaiting_review", "late", "on_time"] {
        let page = get(c, &format!("{}/ledger{q}{amp}reporting={rep}", desk.base));
        let got: BTreeSet<String> = coded_rows(&page, "ledger")
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            got,
            truth.codes_where(|t| t["reporting"] == rep),
            "{what}: ledger filtered by reporting {rep}"
        );
    }

    // Every task page.
    for (code, want) in &shown {
        let page = get(c, &format!("{}/tasks/{code}{q}", desk.base));
        let h1 = &page[page.find("<h1>").unwrap()..page.find("</h1>").unwrap()];
        assert_eq!(&tags(h1), want, "{what}: task page {code}");
    }
}

#[test]
fn every_output_agrees_with_the_one_judgement() {
    let desk = start_demo();
    let c = sign_in(&desk);
    let rounds = rounds(&desk.db);
    assert!(rounds.len() >= 9, "nine demonstration rounds: {rounds:?}");
    let (last, last_date) = rounds.last().cloned().unwrap();
    let (earlier, _) = rounds[rounds.len() - 4].clone();

    // The default view, and 2 rounds × 3 dates (the round's own, and two others).
    check_view(&desk, &c, None, None);
    for round in [last, earlier] {
        for as_of in [None, Some("2024-05-15"), Some(last_date.as_str())] {
            check_view(&desk, &c, Some(round), as_of);
        }
    }

    // The worst of the demonstration ledger is shown, beside its reporting state.
    let truth = status_json(&desk.db, Some(last), None);
    for code in ["2.1.2", "2.4.2"] {
        let t = truth.tasks.iter().find(|t| t["code"] == code).unwrap();
        assert_eq!(t["status"], "seriously_lagging", "{code}: {t}");
    }
    let t212 = truth.tasks.iter().find(|t| t["code"] == "2.1.2").unwrap();
    assert_eq!(t212["label"], "严重滞后 · 本期未报送");

    // Targets are written the same way on the desk as in the bulletin: a class as Ⅲ类.
    let dash = get(&c, &format!("{}/dashboard", desk.base));
    assert!(
        dash.contains("Ⅲ类") && !dash.contains("3类"),
        "water classes as Ⅲ类"
    );

    // Proposals follow the judgement: every task seriously lagging, overdue or missed is
    // proposed for a red notice, or already has an open red one.
    let now = status_json(&desk.db, None, None);
    let notices = get(&c, &format!("{}/notices", desk.base));
    let proposals = &notices[notices.find("<table id=\"proposals\"").unwrap_or(0)..];
    let proposals = &proposals[..proposals.find("</table>").unwrap_or(0)];
    let issued = &notices[notices.find("<table id=\"notices\"").unwrap_or(0)..];
    let red_rows = |table: &str, code: &str| {
        table
            .split("<tr")
            .any(|r| r.contains(&format!("/tasks/{code}\"")) && r.contains("tag c-red"))
    };
    let must = now.codes_where(|t| {
        matches!(
            t["status"].as_str(),
            Some("seriously_lagging" | "overdue" | "missed")
        )
    });
    assert!(must.contains("2.1.2") && must.contains("2.4.2"), "{must:?}");
    for code in &must {
        assert!(
            red_rows(proposals, code) || red_rows(issued, code),
            "{code} is proposed for a red notice"
        );
    }

    // Each round's bulletin: the desk's preview, then issued (DOCX, HTML) and the ledger XLSX.
    for round in [earlier, last] {
        let truth = status_json(&desk.db, Some(round), None);
        let behind = truth.behind();
        let shown = truth.shown();
        let page = get(&c, &format!("{}/rounds/{round}/bulletin", desk.base));
        let preview = html_lagging(&page);
        assert_eq!(
            preview.keys().cloned().collect::<BTreeSet<_>>(),
            behind,
            "round {round}: the preview's lagging section"
        );
        for (code, cells) in &preview {
            assert!(
                cells.contains(&shown[code].0),
                "round {round}: {code} shows {} in the preview: {cells:?}",
                shown[code].0
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let out = |ext: &str| dir.path().join(format!("b.{ext}"));
        for format in ["docx", "html", "xlsx"] {
            let o = run(&[
                "bulletin",
                "--db",
                &desk.db,
                "--round",
                &round.to_string(),
                "--format",
                format,
                "--date",
                "2024-10-08",
                "--confirm",
                "-o",
                out(format).to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", stderr(&o));
        }
        let docx = std::fs::read(out("docx")).unwrap();
        let lagging = docx_lagging(&docx);
        assert_eq!(
            lagging.keys().cloned().collect::<BTreeSet<_>>(),
            behind,
            "round {round}: the DOCX's lagging section"
        );
        for (code, cells) in &lagging {
            assert!(
                cells.contains(&shown[code].0),
                "round {round}: {code} in the DOCX: {cells:?}"
            );
        }
        let html = std::fs::read_to_string(out("html")).unwrap();
        assert_eq!(
            html_lagging(&html).keys().cloned().collect::<BTreeSet<_>>(),
            behind,
            "round {round}: the HTML bulletin's lagging section"
        );
        // The desk serves the issued bulletin's bytes.
        let served = get_bytes(&c, &format!("{}/rounds/{round}/bulletin.docx", desk.base));
        assert_eq!(docx_lagging(&served), lagging, "round {round}: served DOCX");
        let served = get(&c, &format!("{}/rounds/{round}/bulletin.html", desk.base));
        assert_eq!(
            html_lagging(&served)
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>(),
            behind,
            "round {round}: the served HTML bulletin"
        );

        // The XLSX: one row per target (per task without targets), each with the target's
        // own judgement, red exactly when that judgement is red.
        let sheet = xlsx_rows(&std::fs::read(out("xlsx")).unwrap());
        let with_units: BTreeSet<String> =
            truth.codes_where(|t| t["lead"].as_array().is_some_and(|l| !l.is_empty()));
        assert_eq!(
            sheet.iter().map(|r| r.0.clone()).collect::<BTreeSet<_>>(),
            with_units,
            "round {round}: the XLSX has rows for every task with units, and only those"
        );
        for code in &with_units {
            let t = truth
                .tasks
                .iter()
                .find(|t| t["code"] == code.as_str())
                .unwrap();
            let targets = t["targets"].as_array().unwrap();
            let want: Vec<(String, bool)> = if targets.is_empty() {
                vec![(
                    t["status_label"].as_str().unwrap().to_string(),
                    t["colour"] == "red",
                )]
            } else {
                targets
                    .iter()
                    .map(|g| {
                        (
                            status_label(g["status"].as_str().unwrap()).to_string(),
                            g["colour"] == "red",
                        )
                    })
                    .collect()
            };
            let got: Vec<(String, bool)> = sheet
                .iter()
                .filter(|r| &r.0 == code)
                .map(|r| (r.1.clone(), r.2.as_deref().is_some_and(reddish)))
                .collect();
            assert_eq!(
                got, want,
                "round {round}: XLSX rows of {code} (status, red)"
            );
        }
        if round == last {
            for code in ["2.1.2", "2.4.2"] {
                assert!(
                    lagging.contains_key(code),
                    "{code} in the DOCX's lagging section"
                );
                let rows: Vec<_> = sheet.iter().filter(|r| r.0 == code).collect();
                assert!(
                    !rows.is_empty()
                        && rows
                            .iter()
                            .all(|r| r.1 == "严重滞后" && r.2.as_deref().is_some_and(reddish)),
                    "{code} is red in the XLSX: {rows:?}"
                );
            }
        }
    }

    // Opening a new round changes no progress judgement, on the CLI or on the desk.
    let before = status_json(&desk.db, None, None);
    let o = run(&[
        "round",
        "open",
        "--db",
        &desk.db,
        "--name",
        "2024年10月调度",
        "--as-of",
        "2024-10-31",
        "--due",
        "2024-11-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = status_json(&desk.db, None, None);
    let progress = |t: &Truth| -> BTreeMap<String, String> {
        t.shown().into_iter().map(|(k, (p, _))| (k, p)).collect()
    };
    assert_eq!(
        progress(&after),
        progress(&before),
        "opening a round moved progress"
    );
    assert_eq!(after.totals, before.totals);
    assert!(
        after.reporting.get("missing").copied().unwrap_or(0) > 0,
        "the new round's reports are owed: {:?}",
        after.reporting
    );
    let api: Value = c
        .get(format!("{}/api/status", desk.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        counts(&api["totals"]),
        before.totals,
        "the desk after a round opened"
    );
}
