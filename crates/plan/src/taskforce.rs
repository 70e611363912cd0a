//! The working body a plan sets up (工作专班, 领导小组, 指挥部): "成立X，由A任召集人，B任副召集人，
//! 成员单位包括C、D等，专班办公室设在E，负责日常协调和调度工作。"

use crate::model::TaskForce;
use crate::normalize::Line;
use crate::units::split_names;

const BODIES: &[&str] = &[
    "专班",
    "领导小组",
    "指挥部",
    "工作组",
    "推进组",
    "委员会",
    "联席会议",
];

/// Finds the task force in the plan's lines (the last sentence that sets one up wins the name;
/// its convener, members and office are read from the same paragraph).
pub fn find(lines: &[Line]) -> Option<TaskForce> {
    for l in lines.iter().rev() {
        let key = &l.key;
        let Some(pos) = key.find("成立") else {
            continue;
        };
        let after = &key[pos + "成立".len()..];
        let name_end = after.find(['，', '。', '（', '；']).unwrap_or(after.len());
        let name_key = &after[..name_end];
        if !BODIES.iter().any(|b| name_key.ends_with(b)) {
            continue;
        }
        let text = &l.text;
        let name_start = pos + "成立".len();
        let mut tf = TaskForce {
            name: text[name_start..name_start + name_end]
                .trim_start_matches(['由', '了'])
                .to_string(),
            line: l.no,
            ..TaskForce::default()
        };
        for (c_start, c_end) in clause_ranges(key) {
            let ck = &key[c_start..c_end];
            let ct = &text[c_start..c_end];
            for (word, deputy) in [
                ("任副召集人", true),
                ("任召集人", false),
                ("任副组长", true),
                ("任组长", false),
                ("任副总指挥", true),
                ("任总指挥", false),
                ("任副主任", true),
                ("任主任", false),
                ("为副组长", true),
                ("为组长", false),
                ("担任副组长", true),
                ("担任组长", false),
            ] {
                if let Some(p) = ck.find(word) {
                    let who = ct[..p].trim_start_matches('由').trim();
                    let who = who.strip_prefix("成立").map_or(who, |_| "");
                    if !who.is_empty() {
                        if deputy {
                            tf.deputy_convener.get_or_insert_with(|| who.to_string());
                        } else {
                            tf.convener.get_or_insert_with(|| who.to_string());
                        }
                    }
                    break;
                }
            }
            for word in [
                "成员单位包括",
                "成员单位为",
                "成员单位有",
                "成员包括",
                "成员单位：",
                "成员由",
            ] {
                if let Some(p) = ck.find(word) {
                    let list = &ct[p + word.len()..];
                    let list = list
                        .trim_end_matches("组成")
                        .trim_end_matches("等单位")
                        .trim_end_matches("的主要负责人");
                    tf.members = split_names(list);
                }
            }
            if let Some(p) = ck.find("办公室设在") {
                let office = ct[p + "办公室设在".len()..].trim();
                tf.office = Some(office.trim_end_matches('。').to_string());
            }
        }
        return Some(tf);
    }
    None
}

fn clause_ranges(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '（' => depth += 1,
            '）' => depth -= 1,
            '，' | '。' | '；' if depth <= 0 => {
                out.push((start, i));
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push((start, s.len()));
    out
}
