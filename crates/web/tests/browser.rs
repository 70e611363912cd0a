//! The whole reporting loop in a real headless Chromium against the real server: a unit signs
//! in, fills in task 2.3.2 with an evidence PDF and submits; the office returns it with a reason;
//! the unit sees the reason, corrects a value and resubmits; the office accepts; the dashboard,
//! the ledger and the task page then show the new state. Every step checks what the page says.
//!
//! Full-page screenshots of the dashboard, the ledger, the task page, the review queue and the
//! report form, at desktop and phone width, land in `target/screenshots/` for a person to look
//! at. Fails (never skips) when chromium or chromedriver is missing.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use chrono::NaiveDate;
use fantoccini::Locator;
use tokio::net::TcpListener;
use zhuanban_ledger::{Role, TargetKind};
use zhuanban_plan::ReadOptions;
use zhuanban_store::{Actor, Db, ImportOptions, NewUser, ReportInput, RoundInput, Store};
use zhuanban_testkit::{Browser, DESKTOP, PHONE};
use zhuanban_web::{AppState, Config};

const SEED_PLAN: &str =
    include_str!("../../plan/tests/data/plans/datonghu-regional-action-2024.txt");

/// The task the unit reports on, and its lead unit.
const TASK: &str = "2.3.2";
const UNIT: &str = "区住房城乡建设局";

const OFFICE: (&str, &str) = ("office", "Zb-Office-2024!");
const LEADER: (&str, &str) = ("leader", "Zb-Leader-2024!");
const UNIT_LOGIN: (&str, &str) = ("zhujian", "Zb-Zhujian-2024!");

/// What the unit types for 2.3.2's four targets (老旧小区改造 个, 城镇就业 人, 转移就业 人,
/// 职业培训 人); the office then has the training figure corrected.
const FIRST_VALUES: [&str; 4] = ["2", "950", "340", "230"];
const CORRECTED_TRAINING: &str = "260";
const RETURN_REASON: &str = "职业培训人数与人社台账不一致，请核实后重新报送";

/// How long a page may take to show what a step waits for.
const STEP: Duration = Duration::from_secs(10);

/// The ledger a fresh installation would have after some months of use.
struct Fixture {
    plan_title: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_loop_in_a_real_browser() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Db::open(&dir.path().join("ledger.db")).await?;
    let fixture = fill_ledger(&store).await?;
    let state = AppState::new(store, Config::new(dir.path().join("files"))).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(zhuanban_web::serve(listener, state));

    let pdf = dir.path().join("老旧小区改造进度.pdf");
    std::fs::write(&pdf, minimal_pdf())?;

    let browser = Browser::start().await?;
    let outcome = run(&browser, &base, &fixture, &pdf).await;
    browser.close().await;
    server.abort();
    outcome
}

/// The pages people use every day, on a phone held upright (390×844): the office's ledger,
/// a unit's 我的任务, report form and notices, and the administrator's accounts. Nothing scrolls sideways — neither the page
/// nor a table in it — and what a person comes for (a task's 状态, the 填报 button, a notice's
/// 签收) is on screen, not covered, once scrolled to. Screenshots of each page at 390×844 and
/// at 1366×900, where the tables are still tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_pages_fit_a_phone() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Db::open(&dir.path().join("ledger.db")).await?;
    fill_ledger(&store).await?;
    // A notice and an extension request for the unit, so that its notices page has both
    // tables.
    let system = Actor::new("浏览器测试", "test");
    let plan = store.plans().await?.remove(0);
    let tasks = store.tasks(plan.id, None).await?;
    let task = tasks
        .iter()
        .find(|t| t.code == TASK)
        .ok_or_else(|| anyhow!("no task {TASK}"))?;
    let unit = store.unit_by_name(UNIT).await?;
    store
        .issue_notice(
            plan.id,
            &zhuanban_store::NoticeInput {
                task_id: task.id,
                unit_id: unit.id,
                level: zhuanban_ledger::NoticeLevel::Yellow,
                reason: "老旧小区改造进度滞后于序时进度，请说明原因并提出整改措施".into(),
                reply_by: NaiveDate::from_ymd_opt(2030, 1, 31).unwrap_or_default(),
            },
            &system,
        )
        .await?;
    store
        .request_extension(
            &zhuanban_store::ExtensionInput {
                task_id: task.id,
                target_id: Some(task.targets[0].id),
                milestone_id: None,
                unit_id: unit.id,
                requested: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap_or_default(),
                reason: "第三个小区管线迁改需与供水公司协调，资金于11月到位".into(),
            },
            &system,
        )
        .await?;
    // The administrator, for the accounts page.
    add_account(&store, ADMIN, "系统管理员", Role::Sysadmin, None).await?;
    let state = AppState::new(store, Config::new(dir.path().join("files"))).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(zhuanban_web::serve(listener, state));

    let browser = Browser::start().await?;
    let outcome = daily_pages(&browser, &base).await;
    browser.close().await;
    server.abort();
    outcome
}

async fn daily_pages(b: &Browser, base: &str) -> Result<()> {
    let url = |path: &str| format!("{base}{path}");
    let ledger_row = format!("table#ledger tbody tr[data-code=\"{TASK}\"]");

    // The office on the ledger: every task's 状态 on screen.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    b.goto(&url("/ledger")).await?;
    wait_text(b, &ledger_row, UNIT).await?;
    fits_phone(
        b,
        "daily-ledger",
        &[
            &format!("{ledger_row} .tag.progress"),
            &format!("{ledger_row} .tag.reporting"),
            "table#ledger tbody tr:last-child .tag.progress",
            "#export-xlsx",
        ],
    )
    .await?;
    // The proposals of the notices page, with their form to issue a notice.
    b.goto(&url("/notices")).await?;
    wait_text(b, "main h1", "督办与延期").await?;
    fits_phone(
        b,
        "daily-notices-office",
        &["table#proposals tbody tr:first-child button[type=submit]"],
    )
    .await?;
    sign_out(b).await?;

    // The unit on 我的任务: 2.3.2's 填报 button on screen.
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    wait_text(b, "main h1", "我的任务").await?;
    let fill = format!("table#my-tasks a.button[href^=\"/my/tasks/{TASK}?plan=\"]");
    wait_text(b, &fill, "填报").await?;
    fits_phone(
        b,
        "daily-my",
        &[
            &fill,
            "table#my-tasks tbody tr:first-child .state",
            "#download-template",
        ],
    )
    .await?;
    // The report form.
    b.click(&fill).await?;
    wait_text(b, "main h1", "填报：2.3.2").await?;
    fits_phone(
        b,
        "daily-report-form",
        &["#narrative", "#evidence", "#submit-report", "#save-draft"],
    )
    .await?;
    // The notices: the notice to sign, the extension request.
    b.goto(&url("/notices")).await?;
    wait_text(b, "table#notices", "老旧小区改造进度滞后").await?;
    fits_phone(
        b,
        "daily-notices-unit",
        &[
            "table#notices tbody tr:first-child .state",
            "table#notices tbody tr:first-child button[type=submit]",
            "table#extensions tbody tr:first-child .state",
        ],
    )
    .await?;
    sign_out(b).await?;

    // The administrator's accounts: an account's state, a 重置密码 button, the form for a new
    // account.
    sign_in(b, base, ADMIN, "系统管理员").await?;
    b.goto(&url("/admin/users")).await?;
    wait_text(b, "main h1", "账号管理").await?;
    wait_text(b, "table#users", UNIT_LOGIN.0).await?;
    fits_phone(
        b,
        "daily-admin-users",
        &[
            "table#users tbody tr:last-child td[data-label=\"状态\"] .tag",
            "table#users tbody a.button[href$=\"/reset\"]",
            "#login",
        ],
    )
    .await?;
    // Every field of the new-account form is styled alike: as wide as the others.
    let widths = b
        .client
        .execute(
            "return ['login', 'name', 'role', 'unit', 'email', 'password'].map(id =>
                 Math.round(document.getElementById(id).getBoundingClientRect().width));",
            vec![],
        )
        .await?;
    let widths: Vec<i64> = widths
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    ensure!(
        widths.len() == 6 && widths.iter().all(|w| *w == widths[0] && *w > 100),
        "the new-account form's fields (login, name, role, unit, e-mail, password) are {widths:?} px wide"
    );
    sign_out(b).await?;
    Ok(())
}

/// The width of the desktop screenshots of [`fits_phone`].
const WIDE: zhuanban_testkit::Size = zhuanban_testkit::Size {
    width: 1366,
    height: 900,
};

/// At 390×844: the page is no wider than the window, no table in it scrolls sideways, and
/// each of `must_see` (CSS selectors), scrolled to vertically only, lies within the window
/// and is what the browser finds at its centre (nothing covers it). Then screenshots
/// `NAME-phone` and `NAME-desktop` (1366×900, where the page keeps its tables' header rows).
/// Leaves the window at desktop size.
async fn fits_phone(b: &Browser, name: &str, must_see: &[&str]) -> Result<()> {
    b.set_size(PHONE.width, PHONE.height).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let widths = b
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth,
                     Math.max(0, ...Array.from(document.querySelectorAll('main table'),
                                               t => t.parentElement.scrollWidth
                                                    - t.parentElement.clientWidth))];",
            vec![],
        )
        .await?;
    let px = |i: usize| {
        widths[i]
            .as_f64()
            .ok_or_else(|| anyhow!("{name}: the page measured {widths}"))
    };
    let (page, window, tables) = (px(0)?, px(1)?, px(2)?);
    ensure!(
        window == f64::from(PHONE.width),
        "{name}: the window is {window} px wide, not {}",
        PHONE.width
    );
    ensure!(
        page <= window,
        "{name}: the page is {page} px wide in a {window} px window"
    );
    ensure!(
        tables <= 0.0,
        "{name}: a table scrolls sideways by {tables} px at phone width"
    );
    for css in must_see {
        let seen = b
            .client
            .execute(
                "const el = document.querySelector(arguments[0]);
                 if (!el) return null;
                 let r = el.getBoundingClientRect();
                 window.scrollTo(0, window.scrollY + r.top - window.innerHeight / 2);
                 r = el.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return [r.left, r.right, r.top, r.bottom, r.width * r.height,
                         !!hit && (hit === el || el.contains(hit)),
                         el.innerText || el.value || ''];",
                vec![serde_json::Value::from(*css)],
            )
            .await?;
        let got = seen
            .as_array()
            .ok_or_else(|| anyhow!("{name}: no {css:?} on the page"))?;
        let n = |i: usize| got[i].as_f64().unwrap_or(f64::NAN);
        let (left, right, top, bottom, area) = (n(0), n(1), n(2), n(3), n(4));
        ensure!(
            area > 0.0
                && left >= 0.0
                && right <= window
                && top >= 0.0
                && bottom <= f64::from(PHONE.height),
            "{name}: {css:?} ({}) lies at x {left}–{right}, y {top}–{bottom} of a {window}×{} window",
            got[6],
            PHONE.height
        );
        ensure!(
            got[5].as_bool() == Some(true),
            "{name}: {css:?} ({}) is covered by another element",
            got[6]
        );
    }
    b.client.execute("window.scrollTo(0, 0);", vec![]).await?;
    b.screenshot(&format!("{name}-phone")).await?;

    b.set_size(WIDE.width, WIDE.height).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let wide = b
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth,
                     Array.from(document.querySelectorAll('main table.cards thead'))
                       .every(h => getComputedStyle(h).display === 'table-header-group')];",
            vec![],
        )
        .await?;
    ensure!(
        wide[0].as_f64() <= wide[1].as_f64() && wide[2].as_bool() == Some(true),
        "{name} at {}×{}: page width, window width, tables keep their headers: {wide}",
        WIDE.width,
        WIDE.height
    );
    b.screenshot(&format!("{name}-desktop")).await?;
    b.set_size(DESKTOP.width, DESKTOP.height).await?;
    Ok(())
}

/// A plan brought in through the desk, in a real browser: the office uploads a task table as
/// a Word document, corrects a lead unit and a target on the review page, confirms it as a new
/// plan and opens a round; the unit (an account of the corrected lead unit) reports; the office
/// accepts, and the ledger judges the task on the corrected target. Screenshots of each page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_uploaded_corrected_and_reported_in_a_real_browser() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Db::open(&dir.path().join("ledger.db")).await?;
    add_account(&store, OFFICE, "专班办公室", Role::Office, None).await?;
    let state = AppState::new(store.clone(), Config::new(dir.path().join("files"))).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(zhuanban_web::serve(listener, state));
    // The task table as LibreOffice writes it to Word (crates/plan/tests/data/tables).
    let docx = dir.path().join("江州市乡村振兴重点任务分解表.docx");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plan/tests/data/tables/task-table.docx"),
        &docx,
    )?;

    let browser = Browser::start().await?;
    let outcome = plan_path(&browser, &base, &store, &docx).await;
    browser.close().await;
    server.abort();
    outcome
}

async fn plan_path(b: &Browser, base: &str, store: &Db, docx: &Path) -> Result<()> {
    const NEW_LEAD: &str = "市乡村振兴局";
    const NEW_LOGIN: (&str, &str) = ("xiangcun", "Zb-Xiangcun-2024!");
    let url = |path: &str| format!("{base}{path}");

    // The office uploads the Word document on 方案.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    b.goto(&url("/plans")).await?;
    wait_text(b, "main", "还没有方案").await?;
    b.client
        .find(Locator::Css("#file"))
        .await?
        .send_keys(&docx.display().to_string())
        .await
        .context("could not choose the plan file")?;
    shoot(b, "plan-upload").await?;
    b.click("#upload button[type=submit]").await?;

    // The review page: the document's lines beside the reading, eight tasks.
    wait_text(
        b,
        "main h1",
        "核对识别结果：江州市乡村振兴重点任务分解表.docx",
    )
    .await?;
    let head = b.text_of("main p.muted").await?;
    ensure!(
        head.contains("8 项任务") && head.contains("待确认"),
        "{head}"
    );
    let source = b.text_of("section.source").await?;
    ensure!(
        source.contains("高标准农田建设"),
        "the source lines: {source}"
    );
    ensure!(
        input_value(b, "input[name=\"t0.lead\"]").await? == "市农业农村局",
        "the reader's lead unit of task 1"
    );
    let value = input_value(b, "input[name=\"t0.g0.value\"]").await?;
    ensure!(value == "12,000", "the reader's target of task 1: {value}");
    shoot(b, "plan-review").await?;

    // Corrections: another lead unit, a higher target; saved as a draft first.
    b.fill("input[name=\"t0.lead\"]", NEW_LEAD).await?;
    b.fill("input[name=\"t0.g0.value\"]", "15000").await?;
    b.click("button[name=save]").await?;
    wait_text(b, "main .flash.ok", "更正已保存").await?;
    ensure!(input_value(b, "input[name=\"t0.lead\"]").await? == NEW_LEAD);
    let value = input_value(b, "input[name=\"t0.g0.value\"]").await?;
    ensure!(value == "15,000", "the corrected target: {value}");
    let hint = b.text_of("#task-0").await?;
    ensure!(
        hint.contains("单位目录中还没有") && hint.contains(NEW_LEAD),
        "the new unit is named: {hint}"
    );
    shoot(b, "plan-review-corrected").await?;

    // Confirmed as a new plan: the desk opens on it.
    b.click("button[name=confirm]").await?;
    wait_text(b, "main h1", "江州市2024年乡村振兴重点任务分解表")
        .await
        .context("the dashboard of the new plan")?;

    // The office opens a round of the new plan.
    b.click("header.top nav a[href=\"/rounds\"]").await?;
    b.fill("#name", "2024年9月调度").await?;
    b.client
        .execute(
            "document.querySelector('#as_of').value = '2024-09-30';
             document.querySelector('#due').value = '2024-10-08';",
            vec![],
        )
        .await?;
    b.click("form[action=\"/rounds\"] button[type=submit]")
        .await?;
    wait_text(b, "main", "2024年9月调度").await?;
    shoot(b, "plan-rounds").await?;
    sign_out(b).await?;

    // The corrected lead unit exists now (made at confirmation); its liaison gets an account.
    let unit = store.unit_by_name(NEW_LEAD).await?;
    add_account(
        store,
        NEW_LOGIN,
        "市乡村振兴局联络员",
        Role::Unit,
        Some(unit.id),
    )
    .await?;

    // The unit leads task 1 of the new plan and reports 11,000 of the 15,000 亩.
    sign_in(b, base, NEW_LOGIN, "市乡村振兴局联络员").await?;
    let row = wait_text(
        b,
        "table#my-tasks tbody tr:has(a[href^=\"/tasks/1?plan=\"])",
        "未填报",
    )
    .await
    .context("我的任务 of the new lead unit")?;
    ensure!(
        row.contains("高标准农田建设") && row.contains("牵头"),
        "{row}"
    );
    shoot(b, "plan-my").await?;
    b.click("a.button[href^=\"/my/tasks/1?plan=\"]").await?;
    wait_text(b, "main h1", "高标准农田建设").await?;
    let targets = b.text_of("#report-form section.card").await?;
    ensure!(
        targets.contains("15000") || targets.contains("15,000"),
        "the form shows the corrected target: {targets}"
    );
    let inputs = value_inputs(b).await?;
    ensure!(inputs.len() == 1, "{inputs:?}");
    b.fill(&format!("input[name=\"{}\"]", inputs[0]), "11000")
        .await?;
    b.fill("#narrative", "新建高标准农田1.1万亩，其余地块正在施工。")
        .await?;
    b.click("#submit-report").await?;
    wait_text(b, "main .flash.ok", "已报送，等待专班办公室审核").await?;
    sign_out(b).await?;

    // The office accepts; the ledger judges task 1 on the corrected target.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    b.goto(&url("/review")).await?;
    wait_text(b, "main h1", "待审核报告 1 份").await?;
    let id = review_id(b).await?;
    b.click(&format!("#accept-{id}")).await?;
    wait_text(b, "main .flash.ok", "已采纳").await?;
    b.click("header.top nav a[href=\"/ledger\"]").await?;
    let row = wait_text(
        b,
        "table#ledger tbody tr:has(a[href=\"/tasks/1\"])",
        NEW_LEAD,
    )
    .await
    .context("台账 of the new plan")?;
    ensure!(
        row.contains("11,000亩") || row.contains("11000亩"),
        "the accepted figure: {row}"
    );
    ensure!(!row.contains("未报送"), "{row}");
    let status = b
        .text_of("table#ledger tbody tr:has(a[href=\"/tasks/1\"]) td:last-child .tag")
        .await?;
    ensure!(!status.is_empty(), "task 1 is judged: {row}");
    shoot(b, "plan-ledger").await?;
    b.click("table#ledger tbody tr a[href=\"/tasks/1\"]")
        .await?;
    let page = wait_text(b, "main", "已采纳").await?;
    ensure!(
        page.contains("15,000") || page.contains("15000"),
        "the task page judges against the corrected target: {page}"
    );
    shoot(b, "plan-task").await?;
    // 全部方案: the plan's counts and its tasks needing attention.
    b.click("header.top nav a[href=\"/overview\"]").await?;
    let row = wait_text(
        b,
        "table#overview tbody tr",
        "江州市2024年乡村振兴重点任务分解表",
    )
    .await?;
    ensure!(row.contains("2024年9月调度"), "{row}");
    wait_text(b, "table#attention-all", "乡村教师培训").await?;
    shoot(b, "overview").await?;
    sign_out(b).await?;
    Ok(())
}

/// Drives the browser through the loop; each step is named in the error when it fails.
async fn run(b: &Browser, base: &str, fx: &Fixture, pdf: &Path) -> Result<()> {
    let url = |path: &str| format!("{base}{path}");
    let ledger_row = format!("table#ledger tbody tr:has(a[href=\"/tasks/{TASK}\"])");
    let my_row = format!("table#my-tasks tbody tr:has(a[href^=\"/tasks/{TASK}?plan=\"])");

    // The unit signs in and lands on 我的任务: 2.3.2 is theirs to lead, not yet filled in.
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    wait_text(b, "main h1", "我的任务").await?;
    wait_text(b, "main h1", UNIT).await?;
    let row = wait_text(b, &my_row, "未填报").await.context("我的任务")?;
    ensure!(
        row.contains("建设宜居韧性城市") && row.contains("牵头"),
        "{row}"
    );
    wait_text(b, "main", "2024年9月调度").await?;

    // The ledger (a unit sees its own tasks) says 2.3.2 has not been reported this round.
    b.goto(&url("/ledger")).await?;
    let row = wait_text(b, &ledger_row, "未报送")
        .await
        .context("台账（报送前）")?;
    ensure!(row.contains(UNIT), "{row}");

    // The form for 2.3.2: four targets, each with last round's accepted value beside it.
    b.goto(&url("/my")).await?;
    b.click(&format!("a.button[href^=\"/my/tasks/{TASK}?plan=\"]"))
        .await?;
    wait_text(b, "main h1", "填报：2.3.2 建设宜居韧性城市").await?;
    let head = b.text_of("main p.muted").await?;
    ensure!(
        head.contains("2024年9月调度") && head.contains("本单位职责：牵头"),
        "form header: {head}"
    );
    let inputs = value_inputs(b).await?;
    ensure!(
        inputs.len() == 4,
        "2.3.2 has four targets, the form shows {inputs:?}"
    );
    let section = b.text_of("#report-form section.card").await?;
    for needle in ["老旧小区改造", "上次采纳：1个", "单位：人"] {
        ensure!(
            section.contains(needle),
            "no {needle:?} in the targets: {section}"
        );
    }
    // A negative count and no narrative: refused, each message beside its field, the typed
    // value kept.
    b.fill(&format!("input[name=\"{}\"]", inputs[0]), "-1")
        .await?;
    b.click("#submit-report").await?;
    let refused = wait_text(b, "#report-form", "报送时请填写本期进展情况").await?;
    ensure!(refused.contains("不能为负数"), "the form says: {refused}");
    let kept = input_value(b, &format!("input[name=\"{}\"]", inputs[0])).await?;
    ensure!(kept == "-1", "the refused form shows {kept:?}");
    shoot(b, "report-form-refused").await?;
    for (name, value) in inputs.iter().zip(FIRST_VALUES) {
        b.fill(&format!("input[name=\"{name}\"]"), value).await?;
    }
    b.fill(
        "#narrative",
        "完成老旧小区改造2个，第三个小区已进场施工；新增城镇就业950人。",
    )
    .await?;
    b.fill("#problems", "第三个小区管线迁改协调难度较大。")
        .await?;
    b.fill("#next_steps", "倒排工期，确保11月底前完工。")
        .await?;
    b.client
        .find(Locator::Css("#evidence"))
        .await?
        .send_keys(&pdf.display().to_string())
        .await
        .context("could not attach the evidence file")?;
    b.click("#submit-report").await?;
    wait_text(b, "main .flash.ok", "已报送，等待专班办公室审核").await?;
    wait_text(b, &my_row, "已报送").await?;
    sign_out(b).await?;

    // The office: the dashboard counts one report waiting; the review queue shows it.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    wait_text(b, "main h1", &fx.plan_title).await?;
    wait_text(b, "main", "待审核 1").await.context("工作台")?;
    b.click("header.top nav a[href=\"/review\"]").await?;
    wait_text(b, "main h1", "待审核报告 1 份").await?;
    let id = review_id(b).await?;
    let card = b.text_of(&format!("#report-{id}")).await?;
    for needle in [
        UNIT,
        "2024年9月调度",
        "已报送",
        "230人",
        "较上次采纳 +1",
        "老旧小区改造进度.pdf",
        "第三个小区已进场施工",
    ] {
        ensure!(
            card.contains(needle),
            "no {needle:?} in the report under review: {card}"
        );
    }
    evidence_is_the_pdf(b, &format!("#report-{id} a[href*=\"/evidence/\"]")).await?;
    shoot(b, "review").await?;
    b.fill(&format!("#reason-{id}"), RETURN_REASON).await?;
    b.click(&format!("#return-{id}")).await?;
    wait_text(b, "main .flash.ok", "已退回，单位将看到退回理由").await?;
    wait_text(b, "main", "没有待审核的报告").await?;
    sign_out(b).await?;

    // The unit sees the report returned, reads the reason on the form, corrects, resubmits.
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    let row = wait_text(b, &my_row, "已退回，请修改").await?;
    ensure!(row.contains("已退回"), "{row}");
    b.click(&format!("a.button[href^=\"/my/tasks/{TASK}?plan=\"]"))
        .await?;
    let reason = wait_text(b, "#return-reason", RETURN_REASON).await?;
    ensure!(reason.contains("专班办公室退回了本报告"), "{reason}");
    wait_text(b, "main p.muted", "当前状态：已退回").await?;
    wait_text(b, "#report-form", "老旧小区改造进度.pdf")
        .await
        .context("the attached file is listed on the returned form")?;
    let inputs = value_inputs(b).await?;
    let training = format!("input[name=\"{}\"]", inputs[3]);
    let typed = input_value(b, &training).await?;
    ensure!(
        typed == "230",
        "the returned form shows {typed:?}, not what was sent"
    );
    shoot(b, "report-form").await?;
    b.fill(&training, CORRECTED_TRAINING).await?;
    b.click("#submit-report").await?;
    wait_text(b, "main .flash.ok", "已报送，等待专班办公室审核").await?;
    wait_text(b, &my_row, "已报送").await?;
    sign_out(b).await?;

    // The office accepts the corrected report.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    b.goto(&url("/review")).await?;
    wait_text(b, "main h1", "待审核报告 1 份").await?;
    let id = review_id(b).await?;
    wait_text(b, &format!("#report-{id}"), "260人").await?;
    b.click(&format!("#accept-{id}")).await?;
    wait_text(b, "main .flash.ok", "已采纳").await?;
    wait_text(b, "main", "没有待审核的报告").await?;

    // The ledger now judges 2.3.2 on this round's figures.
    b.click("header.top nav a[href=\"/ledger\"]").await?;
    let row = wait_text(b, &ledger_row, "最新260人")
        .await
        .context("台账（采纳后）")?;
    ensure!(!row.contains("未报送"), "2.3.2 still reads 未报送: {row}");
    for needle in ["最新2个", "最新950人", "最新340人"] {
        ensure!(
            row.contains(needle),
            "no {needle:?} in the ledger row: {row}"
        );
    }
    let status = b
        .text_of(&format!("{ledger_row} td:last-child .tag"))
        .await?;
    ensure!(
        status != "未报送" && !status.is_empty(),
        "status: {status:?}"
    );
    shoot(b, "ledger").await?;

    // The dashboard: nothing waiting, this round's acceptance counted.
    b.click("header.top nav a[href=\"/dashboard\"]").await?;
    wait_text(b, "main h1", &fx.plan_title).await?;
    let summary = wait_text(b, "main", "待审核 0")
        .await
        .context("工作台（采纳后）")?;
    ensure!(
        summary.contains("本期：2024年9月调度"),
        "dashboard: {summary}"
    );
    let indicators = dashboard_has_charts(b).await?;
    ensure!(indicators >= 3, "{indicators} charts on the dashboard");
    shoot(b, "dashboard").await?;

    // The round's bulletin: a draft until the office issues it, in the same words.
    b.click("header.top nav a[href=\"/rounds\"]").await?;
    b.click("main a[href$=\"/bulletin\"]").await?;
    let page = wait_text(b, "main", "滞后及逾期任务").await?;
    ensure!(
        page.contains("草稿") && page.contains("各成员单位"),
        "bulletin draft: {page}"
    );
    shoot(b, "bulletin").await?;

    // The task page lists the accepted report with its figures.
    b.click("header.top nav a[href=\"/ledger\"]").await?;
    b.click(&format!("{ledger_row} a[href=\"/tasks/{TASK}\"]"))
        .await?;
    wait_text(b, "main h1", "2.3.2 建设宜居韧性城市").await?;
    let reports = b.text_of("main table:has(a[href^=\"/reports/\"])").await?;
    let accepted = reports
        .lines()
        .find(|l| l.contains("2024年9月调度"))
        .ok_or_else(|| anyhow!("no 2024年9月调度 report on the task page: {reports}"))?;
    for needle in ["已采纳", "2个", "260人", UNIT] {
        ensure!(accepted.contains(needle), "no {needle:?} in {accepted:?}");
    }
    ensure!(
        reports.contains("2024年6月调度"),
        "the June report is missing: {reports}"
    );
    // 操作记录 lists the unit's submissions and the office's reviews, in words: the round by
    // its name, the task by its number and title, no internal codes.
    let log = wait_text(b, "main", "区住房城乡建设局联络员（zhujian） 报送进展")
        .await
        .context("操作记录")?;
    for needle in [
        "采纳报告",
        "退回报告",
        "2024年9月调度 · 2.3.2 建设宜居韧性城市 · 报告 #",
    ] {
        ensure!(log.contains(needle), "no {needle:?} in 操作记录: {log}");
    }
    for code in ["report#", "round#", "report.submit", "report.accept"] {
        ensure!(
            !log.contains(code),
            "操作记录 shows the code {code:?}: {log}"
        );
    }
    shoot(b, "task").await?;
    sign_out(b).await?;

    // The leader sees the same state (read-only desk).
    sign_in(b, base, LEADER, "召集人").await?;
    b.goto(&url("/ledger")).await?;
    wait_text(b, &ledger_row, "最新260人")
        .await
        .context("领导看台账")?;
    sign_out(b).await?;

    // The unit's form is now read-only and says so.
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    wait_text(b, &my_row, "已采纳").await?;
    b.goto(&url(&format!("/my/tasks/{TASK}"))).await?;
    let card = wait_text(b, "main > div.card", "不能再修改").await?;
    ensure!(
        card.contains("本报告已采纳，不能再修改"),
        "read-only form says: {card}"
    );
    // The unit sees its report whole, as the office does: every field, the evidence, when
    // it was sent.
    let whole = b.text_of("main").await?;
    for needle in [
        "报送时间",
        "存在问题",
        "第三个小区管线迁改协调难度较大",
        "下步打算",
        "倒排工期",
        "老旧小区改造进度.pdf",
        "260人",
    ] {
        ensure!(
            whole.contains(needle),
            "no {needle:?} on the unit's own report: {whole}"
        );
    }
    ensure!(
        b.client
            .find(Locator::Css("button[id^=accept-]"))
            .await
            .is_err(),
        "the unit is offered the office's review"
    );
    ensure!(
        b.client.find(Locator::Css("#report-form")).await.is_err(),
        "an accepted report still offers the form"
    );
    sign_out(b).await?;
    Ok(())
}

/// Signs in on /login and checks the header names the account.
async fn sign_in(
    b: &Browser,
    base: &str,
    (login, password): (&str, &str),
    name: &str,
) -> Result<()> {
    b.goto(&format!("{base}/login")).await?;
    wait_text(b, "main h1", "登录").await?;
    b.fill("#login", login).await?;
    b.fill("#password", password).await?;
    b.click("#login-submit").await?;
    wait_text(b, "header.top .who", name)
        .await
        .with_context(|| format!("{login} did not get signed in"))?;
    Ok(())
}

/// Clicks 退出 and checks the login page comes back without the account in the header.
async fn sign_out(b: &Browser) -> Result<()> {
    wait_text(b, "header.top .who button", "退出").await?;
    b.click("header.top .who button").await?;
    b.wait_for("#login-submit", STEP).await?;
    wait_text(b, "main h1", "登录").await?;
    ensure!(
        b.client
            .find(Locator::Css("header.top .who"))
            .await
            .is_err(),
        "still signed in after 退出"
    );
    Ok(())
}

/// Waits until the element matching `css` exists and its text contains `needle`; returns the
/// text.
async fn wait_text(b: &Browser, css: &str, needle: &str) -> Result<String> {
    let deadline = Instant::now() + STEP;
    loop {
        let last = b.text_of(css).await;
        if let Ok(text) = &last
            && text.contains(needle)
        {
            return Ok(text.clone());
        }
        if Instant::now() > deadline {
            let url = b.client.current_url().await.map(|u| u.to_string());
            let shown = match last {
                Ok(t) => format!("its text is {t:?}"),
                Err(e) => format!("{e:#}"),
            };
            bail!(
                "{css:?} did not show {needle:?} within {STEP:?} on {}: {shown}",
                url.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names of the form's target inputs, in page order.
async fn value_inputs(b: &Browser) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in b
        .client
        .find_all(Locator::Css("input[name^=value_]"))
        .await?
    {
        names.push(e.attr("name").await?.unwrap_or_default());
    }
    Ok(names)
}

async fn input_value(b: &Browser, css: &str) -> Result<String> {
    Ok(b.client
        .find(Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// The id of the (only) report in the review queue, from its return form.
async fn review_id(b: &Browser) -> Result<String> {
    let reason = b
        .client
        .find(Locator::Css("textarea[id^=reason-]"))
        .await
        .context("no report to review")?;
    let id = reason.attr("id").await?.unwrap_or_default();
    Ok(id.trim_start_matches("reason-").to_string())
}

/// Downloads the evidence link's target inside the page and checks it is the PDF sent.
async fn evidence_is_the_pdf(b: &Browser, link: &str) -> Result<()> {
    let href = b
        .client
        .find(Locator::Css(link))
        .await
        .context("no evidence link")?
        .attr("href")
        .await?
        .unwrap_or_default();
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text().then(t => done([r.status, t.slice(0, 8)])))
               .catch(e => done([0, String(e)]));",
            vec![serde_json::Value::String(href.clone())],
        )
        .await?;
    ensure!(
        got[0] == 200 && got[1] == "%PDF-1.4",
        "downloading {href} gave {got}"
    );
    Ok(())
}

/// The dashboard's charts are inline SVG with text; returns how many there are.
async fn dashboard_has_charts(b: &Browser) -> Result<usize> {
    let charts = b.client.find_all(Locator::Css("main .grid svg")).await?;
    let text = b.text_of("main .grid").await?;
    for needle in ["任务状态", "总体情况", "本期报送情况", "序时推进"] {
        ensure!(text.contains(needle), "no {needle:?} in the charts: {text}");
    }
    Ok(charts.len())
}

/// Full-page screenshots at desktop and phone width (`NAME-desktop`, `NAME-phone`), and, when
/// the page has a table wider than the phone, `NAME-phone-right` with the tables scrolled to
/// their right end. Checks that at neither width the page itself is wider than the window (wide
/// tables scroll inside their `.table-wrap`). Leaves the window at desktop size.
async fn shoot(b: &Browser, name: &str) -> Result<()> {
    for (size, suffix) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
        b.set_size(size.width, size.height).await?;
        // Let the layout settle at the new width before measuring.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let widths = b
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth,
                         Math.max(0, ...Array.from(document.querySelectorAll('.table-wrap'),
                                                   w => w.scrollWidth - w.clientWidth))];",
                vec![],
            )
            .await?;
        let px = |i: usize| {
            widths[i]
                .as_f64()
                .ok_or_else(|| anyhow!("the page measured {widths}"))
        };
        let (page, window, tables) = (px(0)?, px(1)?, px(2)?);
        ensure!(
            page <= window,
            "{name} at {suffix} width: the page is {page} px wide in a {window} px window"
        );
        b.screenshot(&format!("{name}-{suffix}")).await?;
        if suffix == "phone" && tables > 0.0 {
            b.client
                .execute(
                    "document.querySelectorAll('.table-wrap')
                       .forEach(w => w.scrollLeft = w.scrollWidth);",
                    vec![],
                )
                .await?;
            b.screenshot(&format!("{name}-phone-right")).await?;
        }
    }
    b.set_size(DESKTOP.width, DESKTOP.height).await?;
    Ok(())
}

/// A one-page PDF with a line of text: small, but a real document a reader opens.
fn minimal_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        {
            let stream = "BT /F1 18 Tf 72 760 Td (Datonghu 2.3.2 evidence) Tj ET";
            format!(
                "<< /Length {} >>\nstream\n{stream}\nendstream",
                stream.len()
            )
        },
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The seed plan, a closed June round in which every lead unit reported and was accepted, an
/// open September round in which some other tasks are already accepted (so the charts show a
/// mix), and the three accounts the test signs in with.
async fn fill_ledger(store: &Db) -> Result<Fixture> {
    let system = Actor::new("浏览器测试", "test");
    let reading = zhuanban_plan::read_text(
        SEED_PLAN,
        &ReadOptions::new("datonghu-regional-action-2024.txt"),
    );
    let imported = store
        .import_plan(&reading.plan, &ImportOptions::default(), &system)
        .await?;
    let plan = store.plan(imported.plan_id).await?;
    let tasks = store.tasks(plan.id, None).await?;
    let units = store.units(plan.id).await?;
    let unit = units
        .iter()
        .find(|u| u.name == UNIT)
        .ok_or_else(|| anyhow!("the seed plan has no {UNIT}"))?;
    let task = tasks
        .iter()
        .find(|t| t.code == TASK)
        .ok_or_else(|| anyhow!("the seed plan has no task {TASK}"))?;
    ensure!(
        task.lead == [unit.id] && task.targets.len() == 4,
        "{TASK} is not what the test expects: {task:?}"
    );

    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
    let june = store
        .open_round(
            &RoundInput {
                plan_id: plan.id,
                name: "2024年6月调度".into(),
                as_of: date("2024-06-30"),
                due: date("2024-07-05"),
            },
            false,
            &system,
        )
        .await?;
    // How far along each task is, by its position: on schedule, lagging, far behind.
    let pace = |i: usize, month: f64| month / 12.0 * [1.05, 0.8, 0.45][i % 3];
    for (i, t) in tasks.iter().enumerate() {
        let Some(&lead) = t.lead.first() else {
            continue;
        };
        let values = if t.code == TASK {
            // 2.3.2 in June: 1 of 3 estates, 500 jobs, 200 transfers, 150 trainees.
            t.targets
                .iter()
                .zip([1.0, 500.0, 200.0, 150.0])
                .map(|(g, v)| (g.id, v))
                .collect()
        } else {
            values_at(t, pace(i, 6.0))
        };
        accept(store, june.id, t.id, lead, values, "6月进展：按计划推进。").await?;
    }
    store
        .close_round(june.id, june.row_version, &system)
        .await?;

    let september = store
        .open_round(
            &RoundInput {
                plan_id: plan.id,
                name: "2024年9月调度".into(),
                as_of: date("2024-09-30"),
                due: date("2024-10-05"),
            },
            false,
            &system,
        )
        .await?;
    for (i, t) in tasks.iter().enumerate() {
        let Some(&lead) = t.lead.first() else {
            continue;
        };
        // Every other task is already reported and accepted; the rest (2.3.2 among them, as
        // the test needs) have not reported yet.
        if t.code == TASK || i % 2 == 1 {
            continue;
        }
        accept(
            store,
            september.id,
            t.id,
            lead,
            values_at(t, pace(i, 9.0)),
            "9月进展。",
        )
        .await?;
    }

    for (login, name, role, unit_id) in [
        (OFFICE, "专班办公室", Role::Office, None),
        (LEADER, "召集人", Role::Leader, None),
        (
            UNIT_LOGIN,
            "区住房城乡建设局联络员",
            Role::Unit,
            Some(unit.id),
        ),
    ] {
        add_account(store, login, name, role, unit_id).await?;
    }
    Ok(Fixture {
        plan_title: plan.title,
    })
}

/// Values for a task's targets at a share of the year's goal (counts), or at the goal
/// (levels, limits, rates, classes).
fn values_at(t: &zhuanban_ledger::TaskRecord, share: f64) -> Vec<(zhuanban_ledger::TargetId, f64)> {
    t.targets
        .iter()
        .map(|g| {
            let v = match g.kind {
                // Whole things (个, 所, 家) are counted whole.
                TargetKind::Cumulative if g.value.fract() == 0.0 && g.unit != "%" => {
                    (g.value * share).round()
                }
                TargetKind::Cumulative => (g.value * share * 10.0).round() / 10.0,
                _ => g.value,
            };
            (g.id, v)
        })
        .collect()
}

/// Submits a lead unit's report and accepts it.
async fn accept(
    store: &Db,
    round_id: zhuanban_ledger::RoundId,
    task_id: zhuanban_ledger::TaskId,
    unit_id: zhuanban_ledger::UnitId,
    values: Vec<(zhuanban_ledger::TargetId, f64)>,
    narrative: &str,
) -> Result<()> {
    let unit = Actor::new("成员单位联络员", "test");
    let office = Actor::new("专班办公室", "test");
    let r = store
        .save_report(
            &ReportInput {
                round_id,
                task_id,
                unit_id,
                values,
                milestones: vec![],
                narrative: narrative.into(),
                problems: String::new(),
                next_steps: String::new(),
                submit: true,
                expected_version: None,
                at: None,
                evidence: vec![],
            },
            &unit,
        )
        .await?;
    store.accept_report(r.id, r.row_version, &office).await?;
    Ok(())
}

const ADMIN: (&str, &str) = ("admin", "Zb-Admin-2024!");
/// The account the administrator creates for 区交通运输局: the password it is given, the one
/// the administrator resets it to, and the one its owner then chooses.
const NEW_UNIT: (&str, &str, &str, &str) = (
    "jiaotong",
    "Zb-Given-2024!",
    "Zb-Reset-2024!",
    "Zb-Own-2024-jt!",
);

/// The daily desk walked by each role in a real browser, every page at 1366×900 and 390×844
/// (`fits_phone` for the pages a unit uses on its phone, `shoot` for the others): the
/// administrator creates an account and resets its password on its own page with a
/// confirmation; the account's owner must change it at first sign-in; the office supervises a
/// task of its choosing, searches the ledger, opens a monitoring site's chart and the work
/// calendar; the unit finds the red notice at the top of 我的任务 with an unread count, signs
/// and replies, and reports in full-width digits with the unit typed after them; the office's
/// 消息 has the reply and the report to review and clears its count; a leader's 批示 reaches
/// the unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_desk_walked_by_every_role() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Db::open(&dir.path().join("ledger.db")).await?;
    fill_ledger(&store).await?;
    add_account(&store, ADMIN, "系统管理员", Role::Sysadmin, None).await?;
    let state = AppState::new(store.clone(), Config::new(dir.path().join("files"))).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(zhuanban_web::serve(listener, state));
    let csv = dir.path().join("大通湖水质.csv");
    let mut text = String::from("监测时间,总磷,溶解氧\n");
    for m in 1..=9 {
        text.push_str(&format!(
            "2024-{m:02}-15,0.0{},{}.{}\n",
            55 + m,
            5 + m % 3,
            m
        ));
    }
    std::fs::write(&csv, text)?;

    let browser = Browser::start().await?;
    let outcome = walk(&browser, &base, &store, &csv).await;
    browser.close().await;
    server.abort();
    outcome
}

async fn walk(b: &Browser, base: &str, store: &Db, csv: &Path) -> Result<()> {
    let url = |path: &str| format!("{base}{path}");

    // The administrator: a new unit account, then its password reset on its own page.
    sign_in(b, base, ADMIN, "系统管理员").await?;
    b.goto(&url("/admin/users")).await?;
    wait_text(b, "main h1", "账号管理").await?;
    b.fill("#login", NEW_UNIT.0).await?;
    b.fill("#name", "区交通运输局联络员").await?;
    b.client
        .execute(
            "document.querySelector('#role').value = 'unit';
             const u = Array.from(document.querySelectorAll('#unit option'))
               .find(o => o.textContent === '区交通运输局');
             document.querySelector('#unit').value = u.value;",
            vec![],
        )
        .await?;
    b.fill("#password", NEW_UNIT.1).await?;
    b.click("form[action=\"/admin/users\"] button[type=submit]")
        .await?;
    wait_text(b, "main .flash.ok", "已创建").await?;
    wait_text(b, "#users", NEW_UNIT.0).await?;
    shoot(b, "walk-admin-users").await?;
    let id = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.login == NEW_UNIT.0)
        .ok_or_else(|| anyhow!("no account {}", NEW_UNIT.0))?
        .id;
    b.click(&format!("a[href=\"/admin/users/{id}/reset\"]"))
        .await?;
    wait_text(b, "main h1", "重置密码").await?;
    wait_text(b, "#account", NEW_UNIT.0).await?;
    // The confirmation must name the account.
    b.fill("#password", NEW_UNIT.2).await?;
    b.fill("#password2", NEW_UNIT.2).await?;
    b.fill("#confirm", "zhujian").await?;
    b.click("#reset button[type=submit]").await?;
    wait_text(
        b,
        "#reset .field-error",
        &format!("请输入该账号的登录名“{}”以确认", NEW_UNIT.0),
    )
    .await?;
    shoot(b, "walk-admin-reset-refused").await?;
    b.fill("#password", NEW_UNIT.2).await?;
    b.fill("#password2", NEW_UNIT.2).await?;
    b.fill("#confirm", NEW_UNIT.0).await?;
    b.click("#reset button[type=submit]").await?;
    wait_text(b, "main .flash.ok", "密码已重置").await?;
    sign_out(b).await?;

    // Its owner signs in with the reset password and must choose an own one first.
    sign_in(b, base, (NEW_UNIT.0, NEW_UNIT.2), "区交通运输局联络员").await?;
    wait_text(b, "main", "您的密码由管理员设置").await?;
    shoot(b, "walk-first-sign-in").await?;
    b.fill("#current", NEW_UNIT.2).await?;
    b.fill("#password", NEW_UNIT.3).await?;
    b.fill("#confirm", NEW_UNIT.3).await?;
    b.click("form[action=\"/account/password\"] button[type=submit]")
        .await?;
    wait_text(b, "main", "密码已修改，请用新密码登录").await?;
    sign_in(b, base, (NEW_UNIT.0, NEW_UNIT.3), "区交通运输局联络员").await?;
    wait_text(b, "main h1", "我的任务").await?;
    wait_text(b, "header.top .who", "修改密码").await?;
    sign_out(b).await?;

    // The office: 督办 on a task of its choosing, red, with its own words.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    b.goto(&url(&format!("/tasks/{TASK}"))).await?;
    b.click("#issue-notice").await?;
    wait_text(b, "main h1", "签发督办单").await?;
    wait_text(b, "#unit_id", &format!("{UNIT}（牵头）")).await?;
    b.click("input[name=level][value=red]").await?;
    b.fill(
        "#reason",
        "老旧小区改造仅完成1个，严重滞后于序时进度，请说明原因并于回复期限前提出整改措施",
    )
    .await?;
    fits_phone(b, "walk-notice-form", &["#notice-form button[type=submit]"]).await?;
    b.click("#notice-form button[type=submit]").await?;
    let issued = wait_text(b, "#notices", "严重滞后于序时进度").await?;
    ensure!(issued.contains("红色") && issued.contains(UNIT), "{issued}");
    // The task's 操作记录 says so in words, not "notice.issue notice#1".
    b.goto(&url(&format!("/tasks/{TASK}"))).await?;
    let record = wait_text(b, "main", "操作记录").await?;
    ensure!(
        record.contains("签发督办单")
            && !record.contains("notice.issue")
            && !record.contains("notice#"),
        "{record}"
    );

    // The ledger searched by words and a colour together, with its export.
    b.goto(&url("/ledger?q=住房+宜居")).await?;
    wait_text(b, "table#ledger", TASK).await?;
    let count = wait_text(b, "#ledger-count", "导出 Excel").await?;
    ensure!(
        count.contains("（全部 ") && !count.contains("共 0 项"),
        "the words find some tasks, not all: {count}"
    );
    fits_phone(b, "walk-ledger-search", &["a[href^=\"/ledger.xlsx\"]"]).await?;

    // 监测数据: a site's values uploaded on the page, its own page with the class lines.
    b.goto(&url("/series")).await?;
    b.client
        .find(Locator::Css("#file"))
        .await?
        .send_keys(&csv.display().to_string())
        .await?;
    b.fill("#site", "大通湖").await?;
    b.click("input[name=lake]").await?;
    b.click("form[action^=\"/series?\"] button[type=submit]")
        .await?;
    wait_text(b, "main .flash.ok", "已导入 18 条观测").await?;
    b.click("#sites a[href^=\"/series/site?name=\"]").await?;
    wait_text(b, "main h1", "大通湖").await?;
    let site = wait_text(b, "main", "总磷（mg/L）").await?;
    ensure!(site.contains("共 9 条观测"), "{site}");
    let levels = b
        .client
        .find_all(Locator::Css(".wide-only text.level-label"))
        .await?;
    ensure!(!levels.is_empty(), "no class line on the site's chart");
    shoot(b, "walk-site").await?;
    b.goto(&url("/calendar")).await?;
    wait_text(b, "#calendar-years", "国办发明电〔2023〕7号").await?;
    shoot(b, "walk-calendar").await?;
    // Rounds: due dates counted on that calendar, the page says so and leads to it.
    b.goto(&url("/rounds")).await?;
    wait_text(b, "main", "顺延至下一个工作日").await?;
    b.click("main a[href=\"/calendar\"]").await?;
    wait_text(b, "main h1", "工作日历").await?;
    sign_out(b).await?;

    // The unit: the red notice at the top of 我的任务 and a count on 消息.
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    let todo = wait_text(b, "#my-todo", "督办").await?;
    ensure!(
        todo.contains("严重滞后于序时进度") || todo.contains(TASK),
        "{todo}"
    );
    wait_text(b, "header.top nav #unread", "1").await?;
    fits_phone(b, "walk-my-todo", &["#my-todo li", "#unread"]).await?;
    b.goto(&url("/notices")).await?;
    b.click("form[action$=\"/sign\"] button[type=submit]")
        .await?;
    wait_text(b, "#notices", "已签收").await?;
    b.fill(
        "form[action$=\"/reply\"] textarea[name=text]",
        "已约谈施工单位，第三个小区11月底前完工",
    )
    .await?;
    b.click("form[action$=\"/reply\"] button[type=submit]")
        .await?;
    wait_text(b, "#notices", "已约谈施工单位").await?;
    fits_phone(b, "walk-notices-unit", &["#notices td"]).await?;

    // Reporting as an input method types: full-width digits, the unit after the number.
    b.goto(&url("/my")).await?;
    b.click(&format!("a.button[href^=\"/my/tasks/{TASK}?plan=\"]"))
        .await?;
    wait_text(b, "main h1", "填报：2.3.2").await?;
    let inputs = value_inputs(b).await?;
    for (name, value) in inputs.iter().zip(["２", "９５０人", "340人", "２３０"]) {
        b.fill(&format!("input[name=\"{name}\"]"), value).await?;
    }
    b.fill("#narrative", "完成老旧小区改造2个，第三个小区已进场施工。")
        .await?;
    b.fill("#problems", "第三个小区管线迁改协调难度较大。")
        .await?;
    b.fill("#next_steps", "倒排工期，确保11月底前完工。")
        .await?;
    fits_phone(b, "walk-report-form", &["#submit-report"]).await?;
    b.click("#submit-report").await?;
    wait_text(b, "main .flash.ok", "已报送").await?;
    // Its own report as sent, whole: every field and when it was sent.
    b.goto(&url(&format!("/tasks/{TASK}"))).await?;
    b.client
        .execute(
            "Array.from(document.querySelectorAll('main a[href^=\"/reports/\"]'))
               .find(a => a.textContent === '2024年9月调度').click();",
            vec![],
        )
        .await?;
    wait_text(b, "main", "2024年9月调度").await?;
    let sent = wait_text(b, "main", "管线迁改").await?;
    for needle in [
        "管线迁改协调难度较大",
        "倒排工期，确保11月底前完工",
        "佐证材料",
        "950人",
    ] {
        ensure!(
            sent.contains(needle),
            "no {needle:?} on the unit's own report: {sent}"
        );
    }
    fits_phone(b, "walk-own-report", &["main dl"]).await?;
    sign_out(b).await?;

    // The office's 消息: the reply and the report to review; 全部标为已读 clears the count.
    sign_in(b, base, OFFICE, "专班办公室").await?;
    wait_text(b, "header.top nav #unread", "").await?;
    b.goto(&url("/inbox")).await?;
    let inbox = wait_text(b, "#inbox", "待审核：2.3.2").await?;
    ensure!(inbox.contains("督办单已回复"), "{inbox}");
    shoot(b, "walk-inbox-office").await?;
    b.click("#read-all").await?;
    wait_text(b, "main h1", "消息").await?;
    ensure!(
        b.client
            .find(Locator::Css("header.top nav #unread"))
            .await
            .is_err(),
        "the count is gone once everything is read"
    );
    // The report as sent: the digits read as numbers, each beside its change since the
    // previous accepted report (June's 1 estate, 500 jobs).
    b.goto(&url("/review")).await?;
    let card = wait_text(b, "main", "950人").await?;
    ensure!(
        card.contains("2个")
            && card.contains("230人")
            && card.contains("较上次采纳 +1")
            && card.contains("较上次采纳 +450"),
        "{card}"
    );
    shoot(b, "walk-review").await?;
    sign_out(b).await?;

    // The leader's 批示 reaches the unit.
    sign_in(b, base, LEADER, "召集人").await?;
    b.goto(&url(&format!("/tasks/{TASK}"))).await?;
    b.fill("#text", "请住建局倒排工期，确保年底前完成三个小区改造。")
        .await?;
    b.click("form[action$=\"/instructions\"] button[type=submit]")
        .await?;
    wait_text(b, "ul.timeline", "倒排工期").await?;
    shoot(b, "walk-instruction").await?;
    sign_out(b).await?;
    sign_in(b, base, UNIT_LOGIN, "区住房城乡建设局联络员").await?;
    wait_text(b, "header.top nav #unread", "").await?;
    b.goto(&url("/inbox")).await?;
    wait_text(b, "#inbox", "领导批示：2.3.2").await?;
    shoot(b, "walk-inbox-unit").await?;
    sign_out(b).await?;
    Ok(())
}

/// An account made in the store, with its password hashed as the desk hashes it.
async fn add_account(
    store: &Db,
    (login, password): (&str, &str),
    name: &str,
    role: Role,
    unit_id: Option<zhuanban_ledger::UnitId>,
) -> Result<()> {
    store
        .create_user(
            &NewUser {
                login: login.into(),
                name: name.into(),
                role,
                unit_id,
                password_hash: zhuanban_web::auth::hash_password(password)
                    .map_err(anyhow::Error::msg)?,
            },
            &Actor::new("浏览器测试", "test"),
        )
        .await?;
    Ok(())
}
