//! Plans through the API from `curl` on the demonstration desk (`serve --demo`): the two
//! demonstration plans listed; a task table (.docx) uploaded, its reading corrected (a lead
//! unit, a target) and confirmed as a new plan whose tasks carry the corrections; the three
//! plans listed. The requests are made by the `curl` program, as an integrator would.

use std::process::Command;

use serde_json::Value;

use crate::agreement::start_demo;

/// One `curl` call with the session's cookie jar; returns (HTTP status, body).
fn curl(jar: &std::path::Path, args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-b",
            jar.to_str().unwrap(),
            "-c",
            jar.to_str().unwrap(),
        ])
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs (the test command installs it)");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn the_plan_api_works_from_curl_on_the_demonstration_desk() {
    let desk = start_demo();
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("cookies");
    let url = |p: &str| format!("{}{p}", desk.base);

    let (code, _) = curl(
        &jar,
        &[
            "--data-urlencode",
            "login=office",
            "--data-urlencode",
            &format!("password={}", desk.office_password),
            &url("/login"),
        ],
    );
    assert_eq!(code, 303, "signed in");
    let (_, me) = curl(&jar, &[&url("/api/me")]);
    let csrf = json(&me)["csrf"].as_str().unwrap().to_string();
    let token = format!("X-CSRF-Token: {csrf}");

    // Both demonstration plans, the seed (prose) and the task table (.xlsx).
    let (code, plans) = curl(&jar, &[&url("/api/plans")]);
    assert_eq!(code, 200, "{plans}");
    let plans = json(&plans);
    let titles: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "大通湖区2024年重点民生实事项目任务分解表",
            "落实区域共进行动实施方案"
        ],
        "{plans}"
    );
    assert!(plans.as_array().unwrap().iter().all(|p| p["demo"] == true));

    // Upload a task table made by LibreOffice as a Word document.
    let docx = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plan/tests/data/tables/task-table.docx");
    let (code, body) = curl(
        &jar,
        &[
            "-H",
            &token,
            "-F",
            &format!("file=@{}", docx.display()),
            &url("/api/plans/readings"),
        ],
    );
    assert_eq!(code, 201, "{body}");
    let reading = json(&body);
    let id = reading["id"].as_i64().unwrap();
    assert!(reading["diagnostics"].is_array());
    let mut plan = reading["plan"].clone();
    assert_eq!(plan["tasks"].as_array().unwrap().len(), 8, "{plan}");
    assert_eq!(
        plan["tasks"][0]["lead"],
        serde_json::json!(["市农业农村局"])
    );

    // Correct a lead unit and a target's value.
    plan["tasks"][0]["lead"] = serde_json::json!(["市乡村振兴局"]);
    plan["tasks"][0]["targets"][0]["value"] = serde_json::json!(15000);
    let put = dir.path().join("put.json");
    std::fs::write(&put, plan.to_string()).unwrap();
    let (code, body) = curl(
        &jar,
        &[
            "-X",
            "PUT",
            "-H",
            &token,
            "-H",
            "Content-Type: application/json",
            "-H",
            &format!("If-Match: \"{}\"", reading["row_version"]),
            "--data-binary",
            &format!("@{}", put.display()),
            &url(&format!("/api/plans/readings/{id}")),
        ],
    );
    assert_eq!(code, 200, "{body}");

    // Confirm as a new plan.
    let (code, body) = curl(
        &jar,
        &[
            "-H",
            &token,
            "-H",
            "Content-Type: application/json",
            "--data",
            r#"{"plan": null}"#,
            &url(&format!("/api/plans/readings/{id}/confirm")),
        ],
    );
    assert_eq!(code, 200, "{body}");
    let confirmed = json(&body);
    assert_eq!(confirmed["version"], 1);
    let new_plan = confirmed["plan_id"].as_i64().unwrap();

    // The new plan's tasks carry the corrections.
    let (code, body) = curl(&jar, &[&url(&format!("/api/tasks?plan={new_plan}"))]);
    assert_eq!(code, 200, "{body}");
    let tasks = json(&body);
    let first = &tasks.as_array().unwrap()[0];
    assert_eq!(first["code"], "1");
    assert_eq!(first["lead"], serde_json::json!(["市乡村振兴局"]));
    assert_eq!(first["targets"][0]["value"], 15000.0);

    // The two demonstration plans and the new one.
    let (_, plans) = curl(&jar, &[&url("/api/plans")]);
    let plans = json(&plans);
    let ids: Vec<i64> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{plans}");
    assert_eq!(ids[2], new_plan);
    assert_eq!(plans[2]["title"], "江州市2024年乡村振兴重点任务分解表");
}

/// A unit that leads tasks in both demonstration plans (区住房城乡建设局: 2.3.2 of the seed, 1
/// and 3 of the task table) sees both on 我的任务, each with its open round.
#[test]
fn a_demonstration_unit_sees_its_tasks_in_both_plans() {
    let desk = start_demo();
    let (login, password, _) = desk
        .accounts
        .iter()
        .find(|(_, _, who)| who == "区住房城乡建设局")
        .expect("an account of 区住房城乡建设局 is printed");
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("cookies");
    let url = |p: &str| format!("{}{p}", desk.base);
    let (code, _) = curl(
        &jar,
        &[
            "--data-urlencode",
            &format!("login={login}"),
            "--data-urlencode",
            &format!("password={password}"),
            &url("/login"),
        ],
    );
    assert_eq!(code, 303);
    let (code, page) = curl(&jar, &[&url("/my")]);
    assert_eq!(code, 200);
    for needle in [
        "落实区域共进行动实施方案",
        "大通湖区2024年重点民生实事项目任务分解表",
        "2024年9月调度（演示）",
        "民生实事2024年第三季度调度（演示）",
        "/my/tasks/2.3.2?plan=",
        "/my/tasks/1?plan=",
        "/my/tasks/3?plan=",
    ] {
        assert!(page.contains(needle), "{needle} on 我的任务");
    }
}

/// `serve --demo` runs on the demonstration's date (2024-09-30, 10:00 China time): the banner
/// says so; a notice issued now is numbered and dated in 2024 and may be due in October 2024;
/// the history was written on its own dates; and no reminder fires, since the open round is
/// due after the National Day holiday (on the wall clock it would long be overdue).
#[test]
fn the_demonstration_runs_on_its_own_date() {
    let mut desk = start_demo();
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("cookies");
    let url = |p: &str| format!("{}{p}", desk.base);
    let (code, _) = curl(
        &jar,
        &[
            "--data-urlencode",
            "login=office",
            "--data-urlencode",
            &format!("password={}", desk.office_password),
            &url("/login"),
        ],
    );
    assert_eq!(code, 303);
    let (_, page) = curl(&jar, &[&url("/ledger")]);
    assert!(page.contains("系统日期按演示设为 2024-09-30"), "{page}");
    // The reports left awaiting review are in the office's 消息, counted as unread.
    assert!(page.contains("id=\"unread\""), "{page}");
    let (_, inbox) = curl(&jar, &[&url("/inbox")]);
    assert!(inbox.contains("待审核："), "{inbox}");
    let (_, me) = curl(&jar, &[&url("/api/me")]);
    let csrf = json(&me)["csrf"].as_str().unwrap().to_string();
    let unit = crate::count(
        &desk.db,
        "SELECT tu.unit_id FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         JOIN plans p ON p.id = t.plan_id \
         WHERE t.code = '2.3.2' AND tu.role = 'lead' AND p.title = '落实区域共进行动实施方案'",
    );
    let plan = crate::count(
        &desk.db,
        "SELECT id FROM plans WHERE title = '落实区域共进行动实施方案'",
    );
    let (code, body) = curl(
        &jar,
        &[
            "--data-urlencode",
            &format!("_csrf={csrf}"),
            "--data-urlencode",
            &format!("unit_id={unit}"),
            "--data-urlencode",
            "level=yellow",
            "--data-urlencode",
            "reason=请说明老旧小区改造进度滞后的原因",
            "--data-urlencode",
            "reply_by=2024-10-10",
            &url(&format!("/tasks/2.3.2/notice?plan={plan}")),
        ],
    );
    assert_eq!(
        code, 303,
        "a reply date in October 2024 is not in the past: {body}"
    );
    let (_, notices) = curl(&jar, &[&url(&format!("/notices?plan={plan}"))]);
    assert!(notices.contains("〔2024〕1号"), "{notices}");
    assert!(!notices.contains("〔2026〕"), "{notices}");

    // The history on its dates: every report sent, every audit record made in 2024 and
    // before the demonstration's moment (2024-09-30 10:00 +08:00 = 02:00 UTC).
    let moment = "2024-09-30T02:01";
    let after = |sql: &str| crate::count(&desk.db, sql);
    assert_eq!(
        after(&format!(
            "SELECT COUNT(*) FROM reports WHERE submitted_at < '2024-01-01' OR submitted_at > '{moment}'"
        )),
        0
    );
    assert!(after("SELECT COUNT(*) FROM reports") > 100);
    assert_eq!(
        after("SELECT COUNT(*) FROM audit WHERE at < '2024-01-01' OR at > '2024-10-01'"),
        0
    );
    // The worker has run (every second here) and reminded no one.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(
        after("SELECT COUNT(*) FROM inbox WHERE key LIKE 'remind:%'"),
        0
    );

    // A server started later on the demonstration's database goes on in its time: the
    // session is still good and the day is still the demonstration's.
    desk.kill();
    let port = crate::free_port();
    let again = crate::serve(&desk.db, port, &[], &[]);
    let (code, page) = curl(&jar, &[&format!("http://127.0.0.1:{port}/ledger")]);
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("系统日期按演示设为 2024-09-30"), "{page}");
    drop(again);

    // Once the database holds a real plan, the mark is ignored: the server runs on real time.
    let seed = crate::seed().to_string_lossy().into_owned();
    let out = crate::bin()
        .args(["import", &seed, "--db", &desk.db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = crate::free_port();
    let _real = crate::serve(&desk.db, port, &[], &[]);
    let (code, page) = curl(&jar, &[&format!("http://127.0.0.1:{port}/ledger")]);
    assert!(
        code == 303 || !page.contains("系统日期按演示设为"),
        "a real plan's server is not on the demonstration's clock: {code} {page}"
    );
}
