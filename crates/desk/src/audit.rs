//! The audit log in words a person reads: every action as the desk names it ("报送进展",
//! "签发督办单") and an object such as `report#114 round#9 task 2.3.2` as
//! "2024年9月调度 · 2.3.2 建设宜居韧性城市 · 报告 #114". The task page's 操作记录 and the
//! auditor's log use these; the stored records keep their codes.

use zhuanban_ledger::{Round, TaskRecord};

/// An action's name; an action this list does not know is shown as it is stored (a test
/// checks that every action the store writes is here).
pub fn action_label(action: &str) -> &str {
    match action {
        "login" => "登录",
        "login.fail" => "登录失败",
        "login.locked" => "账号锁定",
        "login.throttled" => "登录过于频繁",
        "login.totp" => "二次验证通过",
        "login.totp_fail" => "二次验证失败",
        "access.denied" => "越权访问被拒绝",
        "audit.export" => "导出审计日志",
        "audit.purge" => "清理过期审计日志",
        "bulletin.closing" => "填写通报下步要求",
        "bulletin.compose" => "生成通报",
        "bulletin.create" => "签发通报",
        "bulletin.date" => "设定通报日期",
        "bulletin.recompose" => "重新生成通报",
        "evidence.add" => "上传佐证",
        "extension.grant" => "同意延期",
        "extension.refuse" => "不同意延期",
        "extension.request" => "申请延期",
        "instruction.add" => "领导批示",
        "notice.close" => "督办销号",
        "notice.issue" => "签发督办单",
        "notice.reopen" => "督办退回重办",
        "notice.reply" => "回复督办",
        "notice.sign" => "签收督办单",
        "plan.archive" => "方案归档",
        "plan.unarchive" => "方案取消归档",
        "plan.import" => "导入方案",
        "plan.new_version" => "导入方案新版本",
        "plan.reading.confirm" => "确认导入识别稿",
        "plan.reading.correct" => "更正识别稿",
        "plan.reading.upload" => "上传方案文件",
        "plan.settings" => "修改方案设置",
        "report.accept" => "采纳报告",
        "report.return" => "退回报告",
        "report.save_draft" => "保存草稿",
        "report.submit" => "报送进展",
        "round.close" => "关闭调度轮次",
        "round.open" => "开启调度轮次",
        "series.import" => "导入监测数据",
        "setting.change" => "修改安全设置",
        "target.link" => "关联监测点位",
        "unit.create" => "新增单位",
        "unit.merge" => "合并单位",
        "unit.rename" => "单位更名",
        "user.create" => "新建账号",
        "user.disable" => "停用账号",
        "user.disable_inactive" => "停用长期未登录账号",
        "user.email" => "修改电子邮件",
        "user.enable" => "启用账号",
        "user.lock" => "锁定账号",
        "user.lock_address" => "锁定来源地址",
        "user.password" => "修改密码",
        "user.totp_disable" => "关闭二次验证",
        "user.totp_enable" => "启用二次验证",
        "user.unlock" => "解除锁定",
        other => other,
    }
}

/// An audit object in words: `round#N` by the round's name, `task CODE` by its number and
/// title, `report#N` as 报告 #N, `notice#N` as 督办单 #N, `plan#N` as 方案 #N; anything else as
/// stored.
pub fn object_label(object: &str, rounds: &[Round], tasks: &[TaskRecord]) -> String {
    let mut round = None;
    let mut task = None;
    let mut report = None;
    let mut rest = Vec::new();
    let mut words = object.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if let Some(id) = w.strip_prefix("round#") {
            round = Some(
                id.parse::<zhuanban_ledger::RoundId>()
                    .ok()
                    .and_then(|id| rounds.iter().find(|r| r.id == id))
                    .map_or_else(|| format!("轮次 #{id}"), |r| r.name.clone()),
            );
        } else if w == "task" {
            if let Some(code) = words.next() {
                task = Some(
                    tasks
                        .iter()
                        .find(|t| t.code == code)
                        .map_or_else(|| format!("任务 {code}"), |t| format!("{code} {}", t.title)),
                );
            }
        } else if let Some(id) = w.strip_prefix("report#") {
            report = Some(format!("报告 #{id}"));
        } else if let Some(id) = w.strip_prefix("notice#") {
            rest.push(format!("督办单 #{id}"));
        } else if let Some(id) = w.strip_prefix("plan#") {
            rest.push(format!("方案 #{id}"));
        } else if let Some(id) = w.strip_prefix("unit#") {
            rest.push(format!("单位 #{id}"));
        } else if w == "evidence" {
            // The file's hash follows: shown as 佐证材料.
            words.next();
            rest.push("佐证材料".to_string());
        } else {
            rest.push(w.to_string());
        }
    }
    round
        .into_iter()
        .chain(task)
        .chain(report)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_read_as_the_desk_names_them() {
        let round = Round {
            id: zhuanban_ledger::RoundId(9),
            plan_id: 1,
            plan_version: 1,
            name: "2024年9月调度".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 9, 30).unwrap(),
            due: chrono::NaiveDate::from_ymd_opt(2024, 10, 8).unwrap(),
            state: zhuanban_ledger::RoundState::Open,
            row_version: 1,
        };
        let task = TaskRecord {
            id: zhuanban_ledger::TaskId(1),
            plan_id: 1,
            plan_version: 1,
            code: "2.3.2".into(),
            title: "建设宜居韧性城市".into(),
            text: String::new(),
            lead: vec![],
            support: vec![],
            targets: vec![],
            milestones: vec![],
        };
        assert_eq!(
            object_label("report#114 round#9 task 2.3.2", &[round], &[task]),
            "2024年9月调度 · 2.3.2 建设宜居韧性城市 · 报告 #114"
        );
        assert_eq!(
            object_label("report#5 evidence 9f86d081", &[], &[]),
            "报告 #5 · 佐证材料"
        );
        assert_eq!(object_label("round#3", &[], &[]), "轮次 #3");
    }

    /// Every action the store, the desk and the web desk write to the audit log has a name.
    #[test]
    fn every_action_written_has_a_name() {
        let sources = [
            include_str!("../../store/src/accounts.rs"),
            include_str!("../../store/src/dispatch.rs"),
            include_str!("../../store/src/group.rs"),
            include_str!("../../store/src/ledger.rs"),
            include_str!("../../store/src/lockout.rs"),
            include_str!("../../store/src/readings.rs"),
            include_str!("../../store/src/security.rs"),
            include_str!("../../store/src/series.rs"),
            include_str!("../../store/src/units.rs"),
            include_str!("../../store/src/audit.rs"),
            include_str!("../../web/src/routes.rs"),
            include_str!("../../web/src/pages/security.rs"),
            include_str!("dispatch.rs"),
            include_str!("bulletin.rs"),
        ];
        const KINDS: &[&str] = &[
            "login",
            "access",
            "audit",
            "bulletin",
            "evidence",
            "extension",
            "instruction",
            "notice",
            "plan",
            "report",
            "round",
            "series",
            "setting",
            "target",
            "unit",
            "user",
        ];
        let mut seen = 0;
        for src in sources {
            for lit in src.split('"').skip(1).step_by(2) {
                let Some((kind, rest)) = lit.split_once('.') else {
                    continue;
                };
                if !KINDS.contains(&kind)
                    || rest.is_empty()
                    || !lit
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    || rest.ends_with("html")
                {
                    continue;
                }
                seen += 1;
                assert_ne!(action_label(lit), lit, "the action {lit} has no name");
            }
        }
        assert!(seen > 40, "the scan found {seen} actions");
    }
}
