//! The dispatch worker's pass: disables accounts unused for too long, opens scheduled rounds,
//! queues reminders (催报), tells the office of units late for a round, and delivers the outbox through the configured channels. The web
//! server runs it every minute; `zhuanban dispatch` runs one pass.
//!
//! Every message is first written to the outbox under a key (message, recipient, channel) —
//! a reminder's message is (round, unit, kind) — so running the worker twice, or restarting it
//! between writing and sending, never queues or sends a message twice. Several servers on one
//! database run the pass side by side: each claims a message before sending it (one claim
//! wins), and a robot's rate limit is counted over every server's claims. Delivery marks a
//! message sent only after the channel accepted it; a crash between claiming and marking can
//! resend that one message after the claim's hold (robots have no idempotency keys), which is
//! the only duplicate possible.

use chrono::NaiveDate;
use zhuanban_ledger::dispatch::{reminders_due, scheduled_round};
use zhuanban_ledger::{Role, RoundState, UnitId};
use zhuanban_notify::{Channel, Message, Recipient};
use zhuanban_store::{Actor, Audience, Claim, Db, Result, RoundInput, Store, StoreError};

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tick {
    pub opened: Vec<String>,
    /// Reminders newly queued (one per unit and kind).
    pub reminders: usize,
    pub sent: usize,
    pub failed: usize,
    pub deferred: usize,
    /// Accounts disabled for not having signed in for the settings' number of days.
    pub disabled: Vec<String>,
    /// Rounds past their due date whose late units the office was newly told of.
    pub late: usize,
}

fn system() -> Actor {
    Actor::new("调度程序", "system")
}

fn channel_name(c: &Channel) -> &'static str {
    c.kind().as_str()
}

/// Queues a message for a unit on every configured channel: the group robots once, e-mail to
/// every account of the unit that has an address. `key` names the message.
pub async fn notify_unit(
    store: &Db,
    channels: &[Channel],
    unit_id: UnitId,
    key: &str,
    subject: &str,
    body: &str,
) -> Result<usize> {
    let emails: Vec<String> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.unit_id == Some(unit_id) && !u.disabled && u.role == Role::Unit)
        .filter_map(|u| u.email)
        .collect();
    queue(store, channels, &emails, key, subject, body).await
}

/// Queues a message for the accounts of a role (the office) on every configured channel: the
/// group robots once, e-mail to every enabled account of the role that has an address.
pub async fn notify_role(
    store: &Db,
    channels: &[Channel],
    role: Role,
    key: &str,
    subject: &str,
    body: &str,
) -> Result<usize> {
    let emails: Vec<String> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role == role)
        .filter_map(|u| u.email)
        .collect();
    queue(store, channels, &emails, key, subject, body).await
}

/// Queues a message on every channel: once for each robot, once for each e-mail address.
async fn queue(
    store: &Db,
    channels: &[Channel],
    emails: &[String],
    key: &str,
    subject: &str,
    body: &str,
) -> Result<usize> {
    let mut queued = 0;
    for c in channels {
        match c {
            Channel::Email(_) => {
                for addr in emails {
                    if store
                        .enqueue(&format!("{key}:email:{addr}"), "email", addr, subject, body)
                        .await?
                    {
                        queued += 1;
                    }
                }
            }
            robot => {
                let name = channel_name(robot);
                if store
                    .enqueue(&format!("{key}:{name}"), name, "group", subject, body)
                    .await?
                {
                    queued += 1;
                }
            }
        }
    }
    Ok(queued)
}

/// Opens the round the plan's schedule calls for, if it is not open yet.
async fn schedule(store: &Db, today: NaiveDate, tick: &mut Tick) -> Result<()> {
    for plan in store.plans().await? {
        let Some(s) = plan.settings.schedule else {
            continue;
        };
        let Some(due) = scheduled_round(&s, plan.period_start, plan.period_end, today) else {
            continue;
        };
        let rounds = store.rounds(plan.id).await?;
        if rounds
            .iter()
            .any(|r| r.as_of == due.as_of || r.name == due.name)
        {
            continue;
        }
        let opened = store
            .open_round(
                &RoundInput {
                    plan_id: plan.id,
                    name: due.name.clone(),
                    as_of: due.as_of,
                    due: due.due,
                },
                plan.demo,
                &system(),
            )
            .await;
        match opened {
            Ok(_) => tick.opened.push(due.name),
            // Another server on the database opened it meanwhile (the store refuses a second
            // round of the same name in its write transaction).
            Err(StoreError::Invalid { field, .. }) if field == "name" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Queues the reminders due today: to lead units that have not submitted every report they
/// owe in an open round; and once a round's due date has passed, tells the office which units
/// are late (one message per round).
async fn remind(store: &Db, channels: &[Channel], today: NaiveDate, tick: &mut Tick) -> Result<()> {
    for plan in store.plans().await? {
        for round in store
            .rounds(plan.id)
            .await?
            .into_iter()
            .filter(|r| r.state == RoundState::Open)
        {
            let late = crate::messages::late_units(store, &round).await?;
            // Told once per round to the office when the due date has passed.
            if crate::messages::round_late(store, channels, &round, today, &late).await? {
                tick.late += 1;
            }
            let owing: Vec<UnitId> = late.iter().map(|(u, _)| *u).collect();
            let owed: std::collections::BTreeMap<UnitId, Vec<String>> = late.into_iter().collect();
            for (unit, kind) in
                reminders_due(round.due, today, plan.settings.reminder_days_before, &owing)
            {
                let key = format!("remind:{}:{}:{}", round.id, unit, kind.as_str());
                let codes = owed.get(&unit).map(|c| c.join("、")).unwrap_or_default();
                let (title, body) = match kind {
                    zhuanban_ledger::dispatch::ReminderKind::DueSoon => (
                        format!("催报：{}将于{}截止", round.name, round.due),
                        format!("请于 {} 前报送任务 {codes} 的进展情况。", round.due),
                    ),
                    zhuanban_ledger::dispatch::ReminderKind::Overdue => (
                        format!("催报：{}已过报送截止日", round.name),
                        format!(
                            "任务 {codes} 的进展情况已逾期未报（截止 {}），请尽快报送。",
                            round.due
                        ),
                    ),
                };
                let fresh = store
                    .post_inbox(&key, Audience::Unit(unit), &title, &body, "/my")
                    .await?;
                let queued = notify_unit(store, channels, unit, &key, &title, &body).await?;
                if fresh || queued > 0 {
                    tick.reminders += 1;
                }
            }
        }
    }
    Ok(())
}

/// How long a claimed message is left to the server that claimed it: sent within it, or
/// (after a crash) claimed again by any server.
const CLAIM_HOLD: chrono::Duration = chrono::Duration::minutes(10);

/// Delivers what the outbox holds, within the robots' rate limits.
pub async fn deliver(store: &Db, channels: &[Channel], tick: &mut Tick) -> Result<()> {
    for item in store.outbox_due(200).await? {
        let Some(channel) = channels.iter().find(|c| channel_name(c) == item.channel) else {
            store.outbox_failed(item.id, "该渠道未配置", None).await?;
            tick.failed += 1;
            continue;
        };
        // Claimed before sending: no other server on the database sends it too, and a
        // robot's rate limit is counted across all of them.
        let per_minute = channel
            .throttle_key()
            .map(|_| zhuanban_notify::ROBOT_LIMIT as u32);
        match store
            .claim_outbox(item.id, &item.channel, per_minute, CLAIM_HOLD)
            .await?
        {
            Claim::Mine => {}
            Claim::Taken => continue,
            Claim::Throttled(retry) => {
                store
                    .outbox_failed(item.id, "发送频率受限，稍后重试", Some(retry))
                    .await?;
                tick.deferred += 1;
                continue;
            }
        }
        let msg = Message {
            title: item.subject.clone(),
            body: item.body.clone(),
            markdown: None,
        };
        let to = if item.channel == "email" {
            Recipient::Email(vec![item.recipient.clone()])
        } else {
            Recipient::Channel
        };
        match zhuanban_notify::send(channel, &msg, &to).await {
            Ok(_) => {
                store.outbox_sent(item.id).await?;
                tick.sent += 1;
            }
            Err(e) => {
                let retry = (e.is_retryable() && item.attempts < 8).then(|| {
                    let minutes = if e.is_rate_limited() {
                        1
                    } else {
                        1i64 << item.attempts.min(6)
                    };
                    zhuanban_store::clock::now() + chrono::Duration::minutes(minutes)
                });
                if retry.is_none() {
                    tick.failed += 1;
                } else {
                    tick.deferred += 1;
                }
                store.outbox_failed(item.id, &e.to_string(), retry).await?;
            }
        }
    }
    Ok(())
}

/// One pass of the worker. `send` false queues without delivering.
pub async fn tick(store: &Db, channels: &[Channel], today: NaiveDate, send: bool) -> Result<Tick> {
    let mut t = Tick::default();
    let days = crate::security::load(store).await?.inactive_days;
    if days > 0 {
        t.disabled = store.disable_inactive(days, &system()).await?;
    }
    // The office's calendar years as another server may have just changed them.
    store.load_calendar().await?;
    schedule(store, today, &mut t).await?;
    remind(store, channels, today, &mut t).await?;
    // Test hook (debug builds only): die like `kill -9` between writing the outbox and sending.
    #[cfg(debug_assertions)]
    if std::env::var_os("ZHUANBAN_TEST_CRASH_BEFORE_SEND").is_some() {
        std::process::abort();
    }
    if send {
        deliver(store, channels, &mut t).await?;
    }
    Ok(t)
}
