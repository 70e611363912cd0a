//! The desk's messages (消息): who is told of what, in words people read. Each event is
//! posted here once, by the use case that makes it — a report submitted, a notice signed or
//! replied, an extension requested, a leader's instruction, units late for a round — so the
//! web desk, its JSON API and the command line tell the same people the same thing.
//!
//! Every message is posted under a stable key (the event and its object's version), so a
//! repeated call posts nothing new. Messages for the office go to its role's inbox and, when
//! the plan's settings say so (`office_channels`), also to the configured channels through the
//! outbox. A leader's instruction goes to each unit of the task.
//!
//! The write comes first and its message after it: a message that cannot be posted does not
//! undo the write that was acknowledged to the person (the write is the fact; the message is
//! its notice), and it is reported in the answer's `warning`.

use chrono::NaiveDate;
use zhuanban_ledger::{
    ExtensionRequest, Id, Instruction, Notice, NoticeState, Report, ReportState, Role, Round,
    TaskId, UnitId,
};
use zhuanban_notify::Channel;
use zhuanban_store::{
    Actor, Audience, Db, ExtensionInput, NoticeStep, ReportInput, Result, Store, TaskBrief,
};

/// A message for the office: its key, title, body and link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeMessage {
    pub key: String,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// Posts a message to the office's inbox, and when the plan asks for it, queues it on the
/// channels (the group robots once, e-mail to every office account with an address). True
/// when it was new.
pub async fn tell_office(
    store: &Db,
    channels: &[Channel],
    plan_id: Id,
    m: &OfficeMessage,
) -> Result<bool> {
    let fresh = store
        .post_inbox(
            &m.key,
            Audience::Role(Role::Office),
            &m.title,
            &m.body,
            &m.link,
        )
        .await?;
    if store.plan(plan_id).await?.settings.office_channels {
        crate::dispatch::notify_role(store, channels, Role::Office, &m.key, &m.title, &m.body)
            .await?;
    }
    Ok(fresh)
}

async fn unit_name(store: &Db, id: UnitId) -> Result<String> {
    Ok(store.unit_by_id(id).await?.name)
}

/// The message for the office of a submitted report: "待审核：2.3.2 建设宜居韧性城市（市住建局 ·
/// 2024年9月调度）", linking to the report's review. None for a report not awaiting review.
pub async fn review_message(store: &Db, r: &Report) -> Result<Option<(Id, OfficeMessage)>> {
    if r.state != ReportState::Submitted {
        return Ok(None);
    }
    let task = store.task_brief(r.task_id).await?;
    let unit = unit_name(store, r.unit_id).await?;
    let round = store.round(r.round_id).await?;
    let when = r
        .submitted_at
        .map(|t| {
            t.with_timezone(&zhuanban_store::clock::china())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let late = if r.late { "（逾期报送）" } else { "" };
    Ok(Some((
        task.plan_id,
        OfficeMessage {
            key: format!("office:report:{}:{}", r.id, r.row_version),
            title: format!(
                "待审核：{} {}（{} · {}）",
                task.code, task.title, unit, round.name
            ),
            body: format!(
                "{unit}于 {when} 报送了任务 {} 在{}的进展{late}，请审核：采纳或退回。",
                task.code, round.name
            ),
            link: format!("/reports/{}?plan={}", r.id, task.plan_id),
        },
    )))
}

/// Tells the office of each report among `reports` that awaits its review.
pub async fn reports_submitted(store: &Db, channels: &[Channel], reports: &[Report]) -> Result<()> {
    for r in reports {
        if let Some((plan, m)) = review_message(store, r).await? {
            tell_office(store, channels, plan, &m).await?;
        }
    }
    Ok(())
}

/// Saves a unit's report (`Store::save_report`) and, when it is submitted, tells the office.
/// The web form, the JSON API and `zhuanban report` call this.
pub async fn save_report(
    store: &Db,
    channels: &[Channel],
    input: &ReportInput,
    actor: &Actor,
) -> Result<Saved<Report>> {
    let r = store.save_report(input, actor).await?;
    let warning = reports_submitted(store, channels, std::slice::from_ref(&r))
        .await
        .err();
    Ok(Saved { value: r, warning })
}

/// Saves several reports at once (`Db::save_reports`, the uploaded template) and tells the
/// office of each submitted one.
pub async fn save_reports(
    store: &Db,
    channels: &[Channel],
    inputs: &[ReportInput],
    actor: &Actor,
) -> Result<Saved<Vec<Report>>> {
    let rs = store.save_reports(inputs, actor).await?;
    let warning = reports_submitted(store, channels, &rs).await.err();
    Ok(Saved { value: rs, warning })
}

/// What a use case wrote, and the error of its message if the message could not be posted
/// (the write stands).
#[derive(Debug)]
pub struct Saved<T> {
    pub value: T,
    pub warning: Option<zhuanban_store::StoreError>,
}

/// The message for the office when a unit signed or replied to a notice (None for the
/// office's own steps).
pub async fn notice_message(store: &Db, n: &Notice) -> Result<Option<(Id, OfficeMessage)>> {
    let (what, key) = match n.state {
        NoticeState::Signed => ("已签收", "signed"),
        NoticeState::Replied => ("已回复", "replied"),
        _ => return Ok(None),
    };
    let task = store.task_brief(n.task_id).await?;
    let unit = unit_name(store, n.unit_id).await?;
    let body = match (n.state, n.reply.as_deref()) {
        (NoticeState::Replied, Some(reply)) => {
            format!(
                "{unit}回复了督办单 {}：{reply}。请审核后销号或退回重办。",
                n.number
            )
        }
        _ => format!("{unit}已签收督办单 {}，回复期限 {}。", n.number, n.reply_by),
    };
    Ok(Some((
        task.plan_id,
        OfficeMessage {
            key: format!("office:notice:{}:{key}:{}", n.id, n.row_version),
            title: format!(
                "督办单{what}：{}（{} · {} {}）",
                n.number, unit, task.code, task.title
            ),
            body,
            link: format!("/notices?plan={}#notice-{}", task.plan_id, n.id),
        },
    )))
}

/// A step of a notice (`Db::notice_step`); a unit's signing or reply is told to the office.
pub async fn notice_step(
    store: &Db,
    channels: &[Channel],
    id: Id,
    expected_version: i64,
    step: NoticeStep<'_>,
    actor: &Actor,
) -> Result<Saved<Notice>> {
    let n = store.notice_step(id, expected_version, step, actor).await?;
    let warning = async {
        if let Some((plan, m)) = notice_message(store, &n).await? {
            tell_office(store, channels, plan, &m).await?;
        }
        Ok::<(), zhuanban_store::StoreError>(())
    }
    .await
    .err();
    Ok(Saved { value: n, warning })
}

/// The message for the office of an extension request.
pub async fn extension_message(store: &Db, e: &ExtensionRequest) -> Result<(Id, OfficeMessage)> {
    let task = store.task_brief(e.task_id).await?;
    let unit = unit_name(store, e.unit_id).await?;
    let from = e
        .old_deadline
        .map_or_else(|| "原时限".to_string(), |d| format!("原时限 {d}"));
    Ok((
        task.plan_id,
        OfficeMessage {
            key: format!("office:extension:{}", e.id),
            title: format!("延期申请：{} {}（{}）", task.code, task.title, unit),
            body: format!(
                "{unit}申请将任务 {} 的时限由{from}延至 {}。理由：{}",
                task.code, e.requested, e.reason
            ),
            link: format!("/notices?plan={}", task.plan_id),
        },
    ))
}

/// A unit's extension request (`Db::request_extension`), told to the office.
pub async fn request_extension(
    store: &Db,
    channels: &[Channel],
    input: &ExtensionInput,
    actor: &Actor,
) -> Result<Saved<ExtensionRequest>> {
    let e = store.request_extension(input, actor).await?;
    let warning = async {
        let (plan, m) = extension_message(store, &e).await?;
        tell_office(store, channels, plan, &m).await
    }
    .await
    .err();
    Ok(Saved { value: e, warning })
}

/// A leader's instruction (`Db::add_instruction`), posted to every unit of the task (lead and
/// cooperating) with a link to the task.
pub async fn add_instruction(
    store: &Db,
    task_id: TaskId,
    text: &str,
    actor: &Actor,
) -> Result<Saved<Instruction>> {
    let i = store.add_instruction(task_id, text, actor).await?;
    let warning = instruction_posted(store, &i).await.err();
    Ok(Saved { value: i, warning })
}

/// Posts an instruction to the units of its task; the number of units told.
pub async fn instruction_posted(store: &Db, i: &Instruction) -> Result<usize> {
    let task: TaskBrief = store.task_brief(i.task_id).await?;
    let title = format!("领导批示：{} {}", task.code, task.title);
    let body = format!("{}批示：{}", i.author, i.text);
    let link = format!("/tasks/{}?plan={}", task.code, task.plan_id);
    let mut told = 0;
    for unit in &task.units {
        if store
            .post_inbox(
                &format!("instruction:{}:{unit}", i.id),
                Audience::Unit(*unit),
                &title,
                &body,
                &link,
            )
            .await?
        {
            told += 1;
        }
    }
    Ok(told)
}

/// The units late for a round: lead units with a task of the round not submitted (nor
/// accepted), each with the numbers of those tasks, in the order of the tasks.
pub async fn late_units(store: &Db, round: &Round) -> Result<Vec<(UnitId, Vec<String>)>> {
    let tasks = store.tasks(round.plan_id, Some(round.plan_version)).await?;
    let reports = store.reports(round.id).await?;
    let mut late: Vec<(UnitId, Vec<String>)> = Vec::new();
    for t in tasks.iter().filter(|t| !t.lead.is_empty()) {
        let lead = t.lead[0];
        let done = reports.iter().any(|r| {
            r.task_id == t.id
                && r.unit_id == lead
                && matches!(r.state, ReportState::Submitted | ReportState::Accepted)
        });
        if done {
            continue;
        }
        match late.iter_mut().find(|(u, _)| *u == lead) {
            Some((_, codes)) => codes.push(t.code.clone()),
            None => late.push((lead, vec![t.code.clone()])),
        }
    }
    Ok(late)
}

/// Once the due date of an open round has passed, tells the office which units have not
/// reported (`late`, as [`late_units`] gives them): one message per round (not one per task),
/// naming each unit and its tasks. True when a message was posted.
pub async fn round_late(
    store: &Db,
    channels: &[Channel],
    round: &Round,
    today: NaiveDate,
    late: &[(UnitId, Vec<String>)],
) -> Result<bool> {
    if today <= round.due || round.state != zhuanban_ledger::RoundState::Open || late.is_empty() {
        return Ok(false);
    }
    let units = store.units(round.plan_id).await?;
    let lines: Vec<String> = late
        .iter()
        .map(|(unit, codes)| {
            let name = units
                .iter()
                .find(|u| u.id == *unit)
                .map_or("（未知单位）", |u| u.name.as_str());
            format!("{name}（任务 {}）", codes.join("、"))
        })
        .collect();
    let m = OfficeMessage {
        key: format!("office:late:{}", round.id),
        title: format!("逾期未报：{}（{}个单位）", round.name, late.len()),
        body: format!(
            "{}已过报送截止日 {}，以下单位尚未报送：{}。",
            round.name,
            round.due,
            lines.join("；")
        ),
        link: format!("/ledger?plan={}&round={}", round.plan_id, round.id),
    };
    tell_office(store, channels, round.plan_id, &m).await
}
