//! Lines → the numbering tree → tasks. Tables flattened to text become tasks too.

use chrono::NaiveDate;

use crate::dates::{self, find_dates};
use crate::model::*;
use crate::normalize::Line;
use crate::outline::{MarkerKind, OutlineNumber, path_id};
use crate::table::{self, Row, row_number, split_cells};
use crate::targets::{self, Body};
use crate::units::{self, AliasTable, FieldKind, Roles};
use crate::{ReadOptions, Reading};

/// A node of the numbering tree (a numbered item or a table row).
#[derive(Debug)]
struct Node {
    path: Vec<u64>,
    line: usize,
    /// Heading text after the number: (display, key).
    head: (String, String),
    /// Continuation lines (indices into the plan's lines).
    body: Vec<usize>,
    children: usize,
    parent: Option<usize>,
    row: Option<Row>,
}

/// Words that end a plan's title line.
const TITLE_ENDS: &[&str] = &[
    "方案", "计划", "意见", "措施", "要点", "清单", "办法", "规划", "纲要", "细则", "规定", "分解",
    "分工",
];

/// Words that end the title of a plan that is a table.
const TABLE_TITLE_ENDS: &[&str] = &["分解表", "任务表", "一览表", "台账"];

fn is_title_line(key: &str) -> bool {
    let n = key.chars().count();
    (4..=80).contains(&n)
        && !key.contains('。')
        && OutlineNumber::parse(key).is_none()
        && !key.contains("关于印发")
        && TITLE_ENDS.iter().chain(TABLE_TITLE_ENDS).any(|w| {
            let k = key.trim_end_matches(['）', ' ']);
            let k = k
                .rsplit_once('（')
                .map_or(k, |(a, b)| if b.contains('年') { a } else { k });
            k.ends_with(w)
        })
}

/// Where the plan itself starts: after a cover notice (关于印发…的通知), at the plan's title.
/// Labels of the field lines under an item, for a last line cut inside one.
const FIELD_LABELS: &[&str] = &[
    "牵头责任单位",
    "协同责任单位",
    "牵头负责领导",
    "牵头单位",
    "配合单位",
    "责任单位",
    "责任领导",
    "部门分工",
    "完成时限",
    "分管领导",
];

fn plan_start(lines: &[Line]) -> (usize, Option<String>) {
    if let Some(n) = notice_line(lines) {
        // The plan begins at "附件" or at the next title line after the notice. The notice's
        // list of attachments ("附件：1. …分解表" / "2. …分解表") names titles but starts none.
        let mut in_list = false;
        for (i, l) in lines.iter().enumerate().skip(n + 1) {
            let listed = l
                .key
                .strip_prefix("附件")
                .map(|r| r.trim_start_matches(['：', ' ']));
            if let Some(r) = listed
                && OutlineNumber::parse(r).is_some_and(|m| m.ordinal == 1)
            {
                in_list = true;
                continue;
            }
            in_list &= OutlineNumber::parse(&l.key).is_some();
            if in_list {
                continue;
            }
            if is_title_line(&l.key) {
                return title_at(lines, i, n + 1);
            }
            // "附件1" and the attachment's title, whatever its last word ("…退出目标任务").
            let titled = |t: &Line| {
                is_title_line(&t.key)
                    || ((4..=60).contains(&t.key.chars().count())
                        && !t.key.contains(['。', '：', '；'])
                        && OutlineNumber::parse(&t.key).is_none()
                        && split_cells(&t.key).is_none())
            };
            if is_attachment_line(&l.key) && lines.get(i + 1).is_some_and(titled) {
                return (i + 2, Some(lines[i + 1].text.clone()));
            }
        }
    }
    // An attachment's title after its "附件1" line, where the cover notice has no title line
    // of its own (a page that starts at the addressees).
    for (i, l) in lines.iter().enumerate().take(80) {
        if is_attachment_line(&l.key) && lines.get(i + 1).is_some_and(|t| is_title_line(&t.key)) {
            return title_at(lines, i + 1, i + 1);
        }
    }
    // A title line before any numbered line.
    for (i, l) in lines.iter().enumerate() {
        if OutlineNumber::parse(&l.key).is_some() {
            break;
        }
        if is_title_line(&l.key) {
            return title_at(lines, i, 0);
        }
    }
    (0, None)
}

/// The plan's start and title for the title line `i`: with its first part on the line
/// before it, and a line of its own that gives its years ("（2018—2020年）").
fn title_at(lines: &[Line], i: usize, floor: usize) -> (usize, Option<String>) {
    let mut title = title_over_lines(lines, i, floor);
    // "附件：2016年民生实事目标任务分解表", "附件2：…": the attachment's own title.
    if let Some(rest) = title.strip_prefix("附件") {
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        if let Some(t) = rest.strip_prefix('：')
            && !t.trim().is_empty()
        {
            title = t.trim().to_string();
        }
    }
    let years = lines.get(i + 1).filter(|l| {
        let k = l.key.trim();
        k.starts_with('（')
            && k.ends_with("年）")
            && k.chars().count() <= 14
            && k.chars().all(|c| {
                c.is_ascii_digit() || matches!(c, '（' | '）' | '年' | '—' | '-' | '－' | '至')
            })
    });
    match years {
        Some(y) => {
            title.push_str(y.text.trim());
            (i + 2, Some(title))
        }
        None => (i + 1, Some(title)),
    }
}

/// The title ending at line `i`, with its first part when it was set over two lines
/// ("立山区政府2023年重点工作" / "任务分解和责任分工方案"). `floor`: the first line that may
/// belong to it.
fn title_over_lines(lines: &[Line], i: usize, floor: usize) -> String {
    let title = lines[i].text.clone();
    let Some(prev) = i.checked_sub(1).filter(|&p| p >= floor).map(|p| &lines[p]) else {
        return title;
    };
    let k = prev.key.trim();
    let n = k.chars().count();
    let fragment = (4..=40).contains(&n)
        && !k.contains(['。', '：', '，', '；'])
        && !k.starts_with('（')
        && !k.ends_with('日')
        && !k.ends_with('号')
        && !k.contains("关于印发")
        && !k.ends_with("通知")
        && !k.starts_with("附件")
        && !is_title_line(k)
        && !units::looks_like_unit(k)
        && !crate::normalize::starts_like_chrome(k)
        && OutlineNumber::parse(k).is_none()
        && lines[i].key.chars().count() + n <= 80;
    if fragment {
        format!("{}{}", prev.text.trim(), title.trim())
    } else {
        title
    }
}

/// Numbers in Arabic digits or circled: the lower levels of a plan's outline.
fn arabic(kind: MarkerKind) -> bool {
    matches!(
        kind,
        MarkerKind::ArabicDot
            | MarkerKind::ArabicParen
            | MarkerKind::ArabicHalfParen
            | MarkerKind::Circled
    )
}

fn build_tree(lines: &[Line], diagnostics: &mut Vec<Diagnostic>) -> (Vec<Node>, Vec<Line>) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut preamble: Vec<Line> = Vec::new();
    let mut stack: Vec<(MarkerKind, u64, usize)> = Vec::new();
    // The header of the last table: its rows may go on after a numbered heading.
    let mut last_header: Option<table::Header> = None;
    let mut i = 0;
    let mut current: Option<usize> = None;
    let mut after_attachment = false;
    while i < lines.len() {
        let l = &lines[i];
        // Tables: a header row with 序号 starts one (see `table`).
        if let Some(t) = table::read_at(lines, i, last_header.as_ref())
            && t.end > i
        {
            let parent = stack.last().map(|s| s.2);
            // Items of a row whose 序号 is merged over them sit under that row.
            let mut group: Option<(u64, usize)> = None;
            for (n, line, row) in t.rows {
                let under = match &row.group {
                    Some((g, title, title_key)) => {
                        let idx = match group {
                            Some((last, idx)) if last == *g => idx,
                            _ => {
                                let idx = push_row(&mut nodes, parent, *g, line, Row::default());
                                nodes[idx].row = None;
                                nodes[idx].head = (title.clone(), title_key.clone());
                                group = Some((*g, idx));
                                idx
                            }
                        };
                        Some(idx)
                    }
                    None => parent,
                };
                current = Some(push_row(&mut nodes, under, n, line, row));
            }
            diagnostics.extend(t.diagnostics);
            last_header = Some(t.header);
            i = t.end;
            continue;
        }
        // A table's category row merged over the whole width reads as its one text.
        let collapsed = table::collapse_repeated(l);
        let l = collapsed.as_ref().unwrap_or(l);
        if let Some(m) = OutlineNumber::parse(&l.key) {
            if let Some(pos) = stack.iter().position(|s| s.0 == m.kind) {
                stack.truncate(pos);
            } else if matches!(m.kind, MarkerKind::Chapter | MarkerKind::ChineseComma)
                && stack.iter().all(|s| arabic(s.0))
            {
                // An excerpt that starts inside a section ("1.…" "3.…" then "四、…"): a
                // heading numbered 一、 is never an item of one numbered 1.
                stack.clear();
            }
            let parent = stack.last().map(|s| s.2);
            let mut path: Vec<u64> = stack.iter().map(|s| s.1).collect();
            path.push(m.ordinal);
            let idx = nodes.len();
            nodes.push(Node {
                path,
                line: l.no,
                head: (l.text[m.len..].to_string(), l.key[m.len..].to_string()),
                body: Vec::new(),
                children: 0,
                parent,
                row: None,
            });
            if let Some(p) = parent {
                nodes[p].children += 1;
            }
            stack.push((m.kind, m.ordinal, idx));
            current = Some(idx);
        } else if is_attachment_line(&l.key) {
            // An attachment's own text is no part of the item before it ("附件：" / its title /
            // a table the reader cannot line up).
            current = None;
            after_attachment = true;
        } else {
            match current {
                Some(c) => nodes[c].body.push(i),
                None if after_attachment => {}
                None => preamble.push(l.clone()),
            }
        }
        i += 1;
    }
    // Duplicate ids (a numbering slip in the text).
    let mut seen = std::collections::HashMap::new();
    for n in &nodes {
        let id = path_id(&n.path);
        if let Some(prev) = seen.insert(id.clone(), n.line) {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                code: "duplicate-number".into(),
                line: Some(n.line),
                task: Some(id.clone()),
                message: format!("编号 {id} 重复出现（第 {prev} 行已有），请核对原文编号"),
                text: n.head.0.chars().take(40).collect(),
            });
        }
    }
    (nodes, preamble)
}

/// Units a copy ran together ("文化宣传股文化馆", the line break between two units of a cell
/// lost): a name that starts with a unit the plan names on its own elsewhere, followed by a
/// unit's name of three characters or more, is those two units. The second may not be a body
/// every unit has (`units::BARE_BODIES`: "县政府办公室" stays whole) unless the plan names it alone. In a
/// task's lead the first leads and the second supports, as in a responsibility cell.
fn unglue_known_units(tasks: &mut [Task]) {
    let known: std::collections::HashSet<String> = tasks
        .iter()
        .flat_map(|t| t.lead.iter().chain(&t.support))
        .cloned()
        .collect();
    let split = |n: &str| -> Option<(String, String)> {
        // Two units' names at most (and the scan stays short on any cell).
        if n.chars().count() > 2 * units::MAX_UNIT_NAME_CHARS {
            return None;
        }
        n.char_indices().skip(3).find_map(|(i, _)| {
            let (a, b) = n.split_at(i);
            (known.contains(a)
                && b.chars().count() >= 3
                && (known.contains(b)
                    || (units::looks_like_unit(b) && !units::BARE_BODIES.contains(&b))))
            .then(|| (a.to_string(), b.to_string()))
        })
    };
    for t in tasks.iter_mut() {
        let mut lead = Vec::new();
        let mut moved = Vec::new();
        for n in &t.lead {
            match split(n) {
                Some((a, b)) => {
                    lead.push(a);
                    moved.push(b);
                }
                None => lead.push(n.clone()),
            }
        }
        let mut support = moved;
        for n in &t.support {
            match split(n) {
                Some((a, b)) => support.extend([a, b]),
                None => support.push(n.clone()),
            }
        }
        let mut seen = std::collections::HashSet::new();
        support.retain(|s| !lead.contains(s) && seen.insert(s.clone()));
        t.lead = lead;
        t.support = support;
    }
}

/// A line that opens an attachment: "附件", "附件：", "附件2", "附件 3：".
fn is_attachment_line(key: &str) -> bool {
    key.trim().strip_prefix("附件").is_some_and(|r| {
        r.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '：' | ':' | ' '))
    })
}

fn push_row(nodes: &mut Vec<Node>, parent: Option<usize>, n: u64, line: usize, row: Row) -> usize {
    let mut path = parent.map(|p| nodes[p].path.clone()).unwrap_or_default();
    path.push(n);
    if let Some(p) = parent {
        nodes[p].children += 1;
    }
    nodes.push(Node {
        path,
        line,
        head: (String::new(), String::new()),
        body: Vec::new(),
        children: 0,
        parent,
        row: Some(row),
    });
    nodes.len() - 1
}

/// A task's text assembled from its heading and continuation lines, in both forms.
struct Assembled {
    key: String,
    text: String,
    lines: Vec<(usize, usize)>,
    skip: Vec<(usize, usize)>,
    roles: Roles,
    responsible: Vec<String>,
    leaders: Vec<String>,
    deadline_text: Option<String>,
    title: String,
}

fn assemble(node: &Node, lines: &[Line]) -> Assembled {
    let mut a = Assembled {
        key: String::new(),
        text: String::new(),
        lines: Vec::new(),
        skip: Vec::new(),
        roles: Roles::default(),
        responsible: Vec::new(),
        leaders: Vec::new(),
        deadline_text: None,
        title: String::new(),
    };
    if let Some(row) = &node.row {
        a.title = row.title.clone();
        let mut parts = Vec::new();
        if !row.title.is_empty() {
            parts.push(row.title.clone());
        }
        parts.extend(row.content.iter().cloned());
        let joined = parts.join("\n");
        a.key = crate::normalize::lines(&joined)
            .iter()
            .map(|l| l.key.clone())
            .collect::<Vec<_>>()
            .join("\n");
        a.text = crate::normalize::lines(&joined)
            .iter()
            .map(|l| l.text.clone())
            .collect::<Vec<_>>()
            .join("\n");
        if a.key.len() != a.text.len() {
            a.key = a.text.clone();
        }
        a.lines.push((0, node.line));
        a.roles.lead = row.lead.clone();
        a.roles.support = row.support.clone();
        a.responsible = row.responsible.clone();
        a.leaders = row.leaders.clone();
        a.deadline_text = row.deadline.clone();
        if a.title.is_empty() {
            a.title = first_sentence(&a.text);
        }
        return a;
    }
    let push = |a: &mut Assembled, text: &str, key: &str, line: usize| {
        if !a.key.is_empty() {
            a.key.push('\n');
            a.text.push('\n');
        }
        a.lines.push((a.key.len(), line));
        a.key.push_str(key);
        a.text.push_str(text);
    };
    push(&mut a, &node.head.0, &node.head.1, node.line);
    let body: Vec<&Line> = node.body.iter().filter_map(|&i| lines.get(i)).collect();
    let mut bi = 0;
    // Within a report of progress ("进展与成效：" and the lines after it, up to the next label).
    let mut in_progress = false;
    while let Some(&l) = body.get(bi) {
        bi += 1;
        let start = a.key.len() + usize::from(!a.key.is_empty());
        // A field line that wrapped in the middle of a name goes on at the next line
        // ("协办单位：区委编办、园区党工" / "委、各街道党工委").
        let joined;
        let l = match body.get(bi) {
            Some(&next) if field_wraps(&l.key, &next.key) => {
                bi += 1;
                joined = Line {
                    no: l.no,
                    text: format!("{}{}", l.text, next.text),
                    key: format!("{}{}", l.key, next.key),
                };
                &joined
            }
            _ => l,
        };
        push(&mut a, &l.text, &l.key, l.no);
        let field = units::field_line(&l.key);
        if field.is_some() || crate::normalize::leading_label(&l.key).is_some() {
            in_progress = matches!(field, Some((FieldKind::Progress, _)));
        }
        if in_progress {
            a.skip.push((start, a.key.len()));
        } else if let Some((kind, off)) = field {
            let value = &l.text[off..];
            let names = names_as_written(units::split_names(&l.key[off..]), &l.key[off..], value);
            match kind {
                FieldKind::Lead => a.roles.merge(Roles {
                    lead: names,
                    support: vec![],
                }),
                FieldKind::Support => a.roles.merge(Roles {
                    lead: vec![],
                    support: names,
                }),
                // "责任单位：A和B分别牵头、C": a marker under a field's name.
                FieldKind::Responsible
                    if ["牵头", "配合", "协同", "参与", "协助"]
                        .iter()
                        .any(|w| outside_brackets(&l.key[off..]).contains(w)) =>
                {
                    if let Some(r) = units::parse_marker(&l.key[off..]) {
                        a.roles.merge(as_written(r, &l.key[off..], value));
                    }
                }
                FieldKind::Responsible => a.responsible.extend(names),
                FieldKind::Leader => a.leaders.extend(names),
                FieldKind::Deadline => a.deadline_text = Some(value.to_string()),
                FieldKind::Marker => {
                    if let Some(r) = units::parse_marker(&l.key[off..]) {
                        a.roles.merge(as_written(r, &l.key[off..], value));
                    }
                }
                FieldKind::Progress => {}
            }
            a.skip.push((start, a.key.len()));
        } else if let Some(names) = units::starred_unit_line(&l.key) {
            // A unit cell of a table flattened into the text: the starred units lead.
            a.responsible
                .extend(names_as_written(names, &l.key, &l.text));
            a.skip.push((start, a.key.len()));
        } else if looks_like_leader_line(&l.key) {
            a.skip.push((start, a.key.len()));
        } else if let Some(names) = plain_unit_line(&l.key)
            && a.responsible.is_empty()
            && a.roles.is_empty()
        {
            // A unit cell of a table flattened into the text, with no label: the first leads.
            a.responsible
                .extend(names_as_written(names, &l.key, &l.text));
            a.skip.push((start, a.key.len()));
        }
    }
    // Unit markers in brackets. (The ranges found so far are sorted; those added in a pass lie
    // after the point being checked, so each pass checks against the sorted list before it.)
    targets::merge_ranges(&mut a.skip);
    let field_skip = a.skip.clone();
    for (open, close) in bracket_groups(&a.key) {
        let inner_key = &a.key[open + '（'.len_utf8()..close];
        if targets::in_ranges(&field_skip, open) {
            continue;
        }
        let inner_text = &a.text[open + '（'.len_utf8()..close];
        // A bracket without role words counts only where a marker stands: at a line's end.
        let at_end = a.key[close + '）'.len_utf8()..]
            .chars()
            .find(|&c| !(matches!(c, '。' | '；' | '，') || (c.is_whitespace() && c != '\n')))
            .is_none_or(|c| c == '\n');
        if !at_end && !units::has_role_word(inner_key) {
            continue;
        }
        if let Some(r) = units::parse_marker(inner_key) {
            a.roles.merge(as_written(r, inner_key, inner_text));
            a.skip.push((open, close + '）'.len_utf8()));
            // "（县农业农村局负责，2024年10月底前完成）": the marker's date is the task's
            // deadline, as a 完成时限 line would be.
            if a.deadline_text.is_none()
                && let Some(m) = find_dates(inner_key).into_iter().rfind(|m| !m.base)
            {
                a.deadline_text = inner_text.get(m.start..m.end).map(str::to_string);
            }
        }
    }
    // "由X负责落实。" and a closing "X牵头，Y配合。" sentence.
    targets::merge_ranges(&mut a.skip);
    let marker_skip = a.skip.clone();
    for (s, e) in sentence_ranges(&a.key) {
        let sk = a.key[s..e].trim();
        // (A range pushed below for the previous sentence may reach into this one.)
        let prev_pushed = a.skip.last().filter(|_| a.skip.len() > marker_skip.len());
        // A sentence whose bracket marker was read already ("…机制（A牵头，B配合）") is done.
        // (The ranges are sorted and disjoint: the first that ends after `s` decides.)
        let first = marker_skip.partition_point(|&(_, b)| b <= s);
        let has_marker = marker_skip.get(first).is_some_and(|&(a, _)| a < e);
        if has_marker || prev_pushed.is_some_and(|&(x, y)| x <= s && s < y) {
            continue;
        }
        // "由A会同B、C等部门研究提出落实意见": A leads, B and C support.
        if let Some((r, from, to)) = by_together(sk) {
            let off = s + (a.key[s..e].len() - a.key[s..e].trim_start().len());
            let (k, t) = (&a.key[off + from..off + to], &a.text[off + from..off + to]);
            a.roles.merge(Roles {
                lead: names_as_written(r.lead, k, t),
                support: names_as_written(r.support, k, t),
            });
            continue;
        }
        let by = sk.starts_with('由') && (sk.contains("负责") || sk.contains("牵头"));
        let closing = sk.contains("牵头")
            && (sk.contains("配合") || sk.contains("参与") || sk.contains("负责"));
        if by || closing {
            let body = sk.trim_start_matches('由');
            let names = units::split_names(body);
            let marker_like = units::parse_marker(body).is_some()
                && (by
                    || names.iter().all(|n| {
                        units::looks_like_unit(n) || n.contains("牵头") || n.contains("配合")
                    }));
            if marker_like {
                let off = s + (a.key[s..e].len() - a.key[s..e].trim_start().len());
                let k = a.key[off..e].trim_end();
                let t = &a.text[off..off + k.len()];
                if let Some(r) = units::parse_marker(k.trim_start_matches('由')) {
                    a.roles.merge(as_written(r, k, t));
                    a.skip.push((s, e + '。'.len_utf8().min(a.key.len() - e)));
                }
            }
        }
    }
    targets::merge_ranges(&mut a.skip);
    // The title: the heading up to its first "。"; a heading line on its own is whole.
    let head = strip_ranges(&a.text, &a.key, 0, node.head.0.len(), &a.skip);
    a.title = if head.trim().is_empty() {
        node.body
            .first()
            .and_then(|&i| lines.get(i))
            .map(|l| first_sentence(&l.text))
            .unwrap_or_default()
    } else {
        first_sentence(&head)
    };
    a
}

/// The units a task names itself: its lead and support markers, and its 责任单位 lines (the
/// first leads when no lead is named, else all support).
fn own_roles(a: &Assembled) -> Roles {
    let mut roles = a.roles.clone();
    if let Some((lead, support)) = units::split_starred(&a.responsible) {
        roles.merge(Roles { lead, support });
    } else if !a.responsible.is_empty() {
        if roles.lead.is_empty() {
            let mut names = a.responsible.clone();
            let rest = names.split_off(1);
            roles.merge(Roles {
                lead: names,
                support: rest,
            });
        } else {
            roles.merge(Roles {
                lead: vec![],
                support: a.responsible.clone(),
            });
        }
    }
    roles
}

/// A line of nothing but units' names (two or more) and no label ("市经信局、市财政局等，各县、市、区政府，
/// 咸宁高新区管委会"), as a unit cell of a table flattened to text prints them: the names.
fn plain_unit_line(key: &str) -> Option<Vec<String>> {
    let k = key.trim();
    if k.chars().count() > 200 || k.contains(['：', '。']) || OutlineNumber::parse(k).is_some() {
        return None;
    }
    // Two names at least: one name alone on a line is as often the heading of the items
    // after it ("土地及房屋供應統籌組").
    let names = units::split_names(k);
    (names.len() >= 2 && units::is_unit_list(&names)).then_some(names)
}

/// Whether a line holds nothing but units: a 牵头单位/配合单位/责任单位 field, or a whole-line
/// bracket marker ("（责任单位：A、B）", "（A牵头，B配合）").
fn is_unit_line(key: &str) -> bool {
    if let Some((kind, _)) = units::field_line(key) {
        return matches!(
            kind,
            FieldKind::Lead | FieldKind::Support | FieldKind::Responsible | FieldKind::Marker
        );
    }
    let k = key.trim().trim_end_matches(['。', '；']);
    k.starts_with('（')
        && k.ends_with('）')
        && bracket_groups(k).first() == Some(&(0, k.len() - '）'.len_utf8()))
        && units::parse_marker(&k['（'.len_utf8()..k.len() - '）'.len_utf8()]).is_some()
}

/// Units a task takes from its group when it names none itself, per node (`None`: none).
///
/// Plans state units once for a group of items in two ways: on the group's heading or the
/// lines under it before its first item ("1．完善应急预案体系（责任单位：…）" over （1）…（4）),
/// or on a line of their own after the group's last item, when none of the items names units
/// ("（1）…（4）…" then "（责任单位：…）"). Either way the units belong to every item of the group
/// that names none; an item's own units win.
fn group_roles(
    nodes: &[Node],
    assembled: &[Option<Assembled>],
    lines: &[Line],
) -> Vec<Option<Roles>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children[p].push(i);
        }
    }
    // Whether each item names units itself, and the units each group names on its heading.
    let names_own = |k: usize| {
        assembled[k]
            .as_ref()
            .is_some_and(|a| !a.roles.is_empty() || !a.responsible.is_empty())
    };
    // Only a heading (or the lines under it) that could name units is read again.
    let could =
        |key: &str| key.contains(['（', '：']) || key.contains("牵头") || key.contains("负责");
    let own: Vec<Roles> = nodes
        .iter()
        .enumerate()
        .map(|(k, n)| {
            if children[k].is_empty() || n.row.is_some() {
                return Roles::default();
            }
            let heading_could = could(&n.head.1)
                || n.body
                    .iter()
                    .any(|&i| lines.get(i).is_some_and(|l| could(&l.key)));
            if !heading_could {
                return Roles::default();
            }
            let r = own_roles(&assemble(n, lines));
            if r.is_empty() {
                heading_lead(&n.head.1, &n.head.0)
            } else {
                r
            }
        })
        .collect();
    // Each group's units: its own, and those of unit lines after its last item.
    let mut group: Vec<Roles> = vec![Roles::default(); nodes.len()];
    for (p, kids) in children.iter().enumerate() {
        if kids.is_empty() {
            continue;
        }
        group[p] = own[p].clone();
        let Some((&last, rest)) = kids.split_last() else {
            continue;
        };
        let n = &nodes[last];
        if rest.is_empty()
            || n.row.is_some()
            || assembled[last].is_none()
            || rest.iter().any(|&k| names_own(k) || assembled[k].is_none())
        {
            continue;
        }
        let trailing: Vec<usize> = n
            .body
            .iter()
            .rev()
            .take_while(|&&i| lines.get(i).is_some_and(|l| is_unit_line(&l.key)))
            .copied()
            .collect();
        if trailing.is_empty() {
            continue;
        }
        let unit_lines = Node {
            path: n.path.clone(),
            line: n.line,
            head: (String::new(), String::new()),
            body: trailing.into_iter().rev().collect(),
            children: 0,
            parent: n.parent,
            row: None,
        };
        group[p].merge(own_roles(&assemble(&unit_lines, lines)));
    }
    nodes
        .iter()
        .map(|n| {
            let mut at = n.parent;
            while let Some(p) = at {
                if !group[p].is_empty() {
                    return Some(group[p].clone());
                }
                at = nodes[p].parent;
            }
            None
        })
        .collect()
}

/// A group headed by who leads it: "一、县示范区管委会牵头工作（8项）", "（二）区住建局负责的任务".
fn heading_lead(key: &str, text: &str) -> Roles {
    for w in ["牵头", "负责"] {
        let Some(at) = key.find(w) else {
            continue;
        };
        let rest = key[at + w.len()..].trim_start_matches('的');
        if !["工作", "任务", "事项", "项目"]
            .iter()
            .any(|x| rest.starts_with(x))
        {
            continue;
        }
        let names: Vec<String> = units::split_names(&key[..at])
            .into_iter()
            .filter(|n| units::looks_like_unit(n))
            .collect();
        if !names.is_empty() {
            return Roles {
                lead: names_as_written(names, key, text),
                support: vec![],
            };
        }
    }
    Roles::default()
}

/// `s` without what its brackets hold (a note such as "（列第一位者为牵头单位）").
fn outside_brackets(s: &str) -> String {
    let mut depth = 0i32;
    s.chars()
        .filter(|&c| {
            match c {
                '（' => depth += 1,
                '）' => {
                    depth -= 1;
                    return false;
                }
                _ => {}
            }
            depth <= 0
        })
        .collect()
}

/// Whether a unit field line goes on at `next`: its last name is cut ("…、园区党工") and
/// joined with the start of `next` reads as a unit ("委、各街道党工委").
fn field_wraps(key: &str, next: &str) -> bool {
    let Some((kind, off)) = units::field_line(key) else {
        return false;
    };
    if !matches!(
        kind,
        FieldKind::Lead | FieldKind::Support | FieldKind::Responsible
    ) || units::field_line(next).is_some()
        || OutlineNumber::parse(next).is_some()
    {
        return false;
    }
    let value = key[off..].trim_end();
    if value.ends_with(['。', '；', '）']) {
        return false;
    }
    let last = value.rsplit(['、', '，']).next().unwrap_or(value);
    let first = next.split(['、', '，', '。', '；']).next().unwrap_or(next);
    !last.is_empty()
        && !units::looks_like_unit(last)
        && units::looks_like_unit(&format!("{last}{first}"))
}

/// Names found in the analysis form, spelled as the text writes them (the two forms are
/// aligned byte for byte).
fn names_as_written(names: Vec<String>, key: &str, text: &str) -> Vec<String> {
    names
        .into_iter()
        .map(|n| match key.find(&n) {
            Some(o) => text.get(o..o + n.len()).map_or(n.clone(), str::to_string),
            None => n,
        })
        .collect()
}

fn as_written(r: Roles, key: &str, text: &str) -> Roles {
    Roles {
        lead: names_as_written(r.lead, key, text),
        support: names_as_written(r.support, key, text),
    }
}

/// "由A会同B、C等部门研究…" in a sentence: A leads, B and C support (every name a unit's),
/// with the byte range of the names in the sentence.
fn by_together(sentence: &str) -> Option<(Roles, usize, usize)> {
    let together = sentence.find("会同")?;
    let by = sentence[..together].rfind('由')?;
    let lead_part = &sentence[by + '由'.len_utf8()..together];
    if lead_part.chars().count() > 30 {
        return None;
    }
    let rest_at = together + "会同".len();
    let rest = &sentence[rest_at..];
    // The helpers end at "等" or at the verb of what they do together.
    let end = [
        "等", "研究", "负责", "共同", "制定", "提出", "组织", "推进", "抓好", "落实",
    ]
    .iter()
    .filter_map(|w| rest.find(w))
    .min()?;
    let lead = units::split_names(lead_part);
    let support = units::split_names(&rest[..end]);
    let all_units = |v: &[String]| !v.is_empty() && v.iter().all(|n| units::looks_like_unit(n));
    (all_units(&lead) && all_units(&support)).then_some((
        Roles { lead, support },
        by,
        rest_at + end,
    ))
}

fn looks_like_leader_line(key: &str) -> bool {
    key.chars().count() < 40 && key.contains("领导") && key.contains('：')
}

fn first_sentence(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    line.split('。')
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches(['：', '；'])
        .to_string()
}

fn strip_ranges(text: &str, _key: &str, a: usize, b: usize, skip: &[(usize, usize)]) -> String {
    targets::without_ranges(text, a, b, skip)
}

/// Top-level "（…）" groups: (open, close) byte offsets.
fn bracket_groups(key: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut open = 0;
    for (i, c) in key.char_indices() {
        match c {
            '（' => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            '）' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push((open, i));
                }
            }
            '\n' => depth = 0,
            _ => {}
        }
    }
    out
}

fn sentence_ranges(key: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, c) in key.char_indices() {
        match c {
            '（' => depth += 1,
            '）' => depth -= 1,
            '。' | '\n' if depth <= 0 => {
                out.push((start, i));
                start = i + c.len_utf8();
                depth = 0;
            }
            _ => {}
        }
    }
    if start < key.len() {
        out.push((start, key.len()));
    }
    out
}

/// A unit's name cut short after its jurisdiction word ("县", "市发", "区商", "市科": of two
/// characters only 市委, 县府 … are whole names).
fn name_cut_short(t: &str) -> bool {
    let n = t.chars().count();
    n <= 3
        && t.starts_with(['县', '市', '区', '省', '镇', '乡'])
        && (!units::looks_like_unit(t) || (n == 2 && !t.ends_with(['委', '府'])))
}

/// Whether a line ends as a sentence, a bracket, a field's label or a cell does. A closing
/// quote ends one only after the sentence's own mark ("…。”"): "新增“雄鹰”" stops mid-sentence.
fn ends_sentence(t: &str) -> bool {
    if let Some(before) = t.strip_suffix('”') {
        return before.ends_with(['。', '！', '？', '；']);
    }
    t.ends_with(['。', '！', '？', '）', '；', '：', '|'])
}

/// The title line of a cover notice (关于印发…的通知) among the first lines.
fn notice_line(lines: &[Line]) -> Option<usize> {
    lines.iter().take(40).position(|l| {
        l.key.contains("关于印发") || (l.key.ends_with("通知") && l.key.chars().count() < 80)
    })
}

/// Reads lines into a plan.
///
/// The plan starts at its title (`plan_start`). Where no cover notice comes first and what
/// follows the title gives no task (a page that starts inside a plan's items and ends with an
/// attachment's title over a table with no 序号), the whole text is read instead. (After a
/// notice, its list of attachments is no plan.)
pub fn read_lines(lines: &[Line], opts: &ReadOptions) -> Reading {
    let (start, title) = plan_start(lines);
    let reading = read_from(lines, start, title, opts);
    if start > 0 && reading.plan.tasks.is_empty() && notice_line(lines).is_none() {
        let whole = read_from(lines, 0, None, opts);
        if !whole.plan.tasks.is_empty() {
            return whole;
        }
    }
    reading
}

fn read_from(lines: &[Line], start: usize, title: Option<String>, opts: &ReadOptions) -> Reading {
    let mut diagnostics = Vec::new();
    let lines = &lines[start.min(lines.len())..];
    let (nodes, preamble) = build_tree(lines, &mut diagnostics);

    // Completeness: a last prose line that stops mid-sentence means the text was cut off.
    // So does a last line that is a numbered heading with nothing after it ("（三）全面提升普",
    // "4.加强示范区与主城区基础设施"): a plan never ends on an item's bare heading.
    let complete = lines.last().is_none_or(|l| {
        let t = l.key.trim_end();
        if OutlineNumber::parse(t).is_some_and(|m| m.len < t.len())
            && !ends_sentence(t)
            && split_cells(t).is_none()
            && !t.contains("  ")
        {
            return false;
        }
        // So does a point of a list cut short ("一是发"): no heading starts so.
        let mut head = t.chars();
        if head
            .next()
            .is_some_and(|c| crate::numeral::digit_value(c).is_some() || c == '十')
            && head.next() == Some('是')
            && !t.ends_with(['。', '；', '！', '？', '）', '”'])
        {
            return false;
        }
        // So does a unit or leader field with nothing after its label ("部门分工：") and a
        // label cut short ("牵头责"), after the items' field lines.
        if units::field_line(t).is_some_and(|(_, off)| off >= t.len())
            || (t.chars().count() >= 2
                && FIELD_LABELS
                    .iter()
                    .any(|w| w.starts_with(t) && w.len() > t.len()))
        {
            return false;
        }
        // So does a unit field whose last name is cut short ("主办单位：连江交通建设发展有").
        if let Some((FieldKind::Lead | FieldKind::Support | FieldKind::Responsible, off)) =
            units::field_line(t)
            && off < t.len()
            && !ends_sentence(t)
            && units::split_names(&t[off..]).last().is_some_and(|n| {
                (n.chars().count() >= 4 && !units::looks_like_unit(n)) || name_cut_short(n)
            })
        {
            return false;
        }
        // So does a unit's name cut short, the last cell of a table copied one cell a line.
        if name_cut_short(t) && row_number(t).is_none() {
            return false;
        }
        // So does a character cut in two (a page's excerpt cut inside its bytes) and a number
        // cut at its decimal point ("研发投入强度达到3.").
        if t.ends_with('\u{FFFD}')
            || t.strip_suffix('.')
                .is_some_and(|r| r.ends_with(|c: char| c.is_ascii_digit()))
        {
            return false;
        }
        // So does a list of units cut inside a name's bracket ("▲招商投资促进中心，各镇乡（").
        if let Some((names, _)) = t.rsplit_once(['（', '('])
            && !t.ends_with(['）', ')'])
            && t.chars().count() <= 200
            && units::is_unit_list(&units::split_names(names))
        {
            return false;
        }
        // So does a row of a table whose rows each end with a bar, when the last one does not
        // and is cells short of the row before ("3 | 实施农村公路大中修… | 1.…10月底前全面完成").
        let cells = |k: &str| k.trim_end().trim_end_matches('|').split(" | ").count();
        if t.contains(" | ")
            && !t.ends_with('|')
            && !ends_sentence(t)
            && lines.iter().rev().nth(1).is_some_and(|p| {
                p.key.contains(" | ") && p.key.trim_end().ends_with('|') && cells(&p.key) > cells(t)
            })
        {
            return false;
        }
        // So does a line, however short, that ends inside a sentence or a list ("…学生宿舍等，",
        // "城乡一体化示范区、高") or is the rest of a sentence cut short ("，实现现场检查").
        if t.ends_with(['，', '、'])
            || (t.starts_with('，') && !ends_sentence(t))
            || t.rsplit_once('、')
                .is_some_and(|(_, last)| last.chars().count() == 1)
        {
            return false;
        }
        // So does a row of a table split by spaces that stops before its unit cell, where the
        // row before ends with one ("8 …外贸进出口总额保持增长。 商务局" / "9 居民人均可支配收入增速").
        let ends_with_units = |k: &str| {
            k.rsplit_once(' ').is_some_and(|(row, last)| {
                row.split(' ').next().and_then(row_number).is_some()
                    && units::is_unit_list(&units::split_names(last))
            })
        };
        if t.split(' ').next().and_then(row_number).is_some()
            && !ends_with_units(t)
            && !ends_sentence(t)
            && lines
                .iter()
                .rev()
                .nth(1)
                .is_some_and(|p| ends_with_units(p.key.trim_end()))
        {
            return false;
        }
        t.chars().count() <= 20
            || ends_sentence(t)
            // A table's row split by spaces that ends with its unit cell.
            || ends_with_units(t)
            || split_cells(t).is_some()
            || t.contains("  ")
            || row_number(t).is_some()
    });

    let assembled: Vec<Option<Assembled>> = nodes
        .iter()
        .map(|n| (n.children == 0).then(|| assemble(n, lines)))
        .collect();

    // The plan's period: from the title, else from the years its deadlines name.
    // Each task's date mentions are found once: for the period here, for its targets below.
    let key_dates: Vec<Vec<dates::DateMention>> = assembled
        .iter()
        .map(|a| a.as_ref().map_or_else(Vec::new, |a| find_dates(&a.key)))
        .collect();
    let mut mentions = Vec::new();
    for (a, ds) in assembled.iter().zip(&key_dates) {
        let Some(a) = a else { continue };
        for &m in ds {
            let s = a.text[m.start..m.end].to_string();
            mentions.push((m, s));
        }
        if let Some(d) = &a.deadline_text {
            for m in find_dates(d) {
                mentions.push((m, d.clone()));
            }
        }
    }
    let period = title
        .as_deref()
        .and_then(|t| {
            let ms: Vec<_> = find_dates(t)
                .into_iter()
                .map(|m| (m, t.to_string()))
                .collect();
            dates::infer_years(&ms)
        })
        .or_else(|| dates::infer_years(&mentions))
        .and_then(|(a, b, evidence)| {
            Some(Period {
                start: NaiveDate::from_ymd_opt(a, 1, 1)?,
                end: NaiveDate::from_ymd_opt(b, 12, 31)?,
                evidence,
            })
        });
    let plan_year = period.as_ref().map(|p| chrono::Datelike::year(&p.end));

    let mut raw_tasks = Vec::new();
    let mut sections = Vec::new();
    let mut asap = Vec::new();
    let inherited = group_roles(&nodes, &assembled, lines);
    // Each task's assembled text is let go once it is read (a big plan's peak memory).
    for (ni, (n, a)) in nodes.iter().zip(assembled).enumerate() {
        let id = path_id(&n.path);
        let Some(a) = a else {
            sections.push(Section {
                id,
                title: first_sentence(&n.head.0),
                line: n.line,
            });
            continue;
        };
        let mut roles = own_roles(&a);
        // A task headed by who leads it ("（一）省监察厅牵头的工作", its text under it).
        if roles.lead.is_empty() && n.row.is_none() {
            let mut led = heading_lead(&n.head.1, &n.head.0);
            if !led.lead.is_empty() {
                led.merge(roles);
                roles = led;
            }
        }
        if let Some(r) = &inherited[ni] {
            if roles.is_empty() {
                roles = r.clone();
            } else if roles.lead.is_empty() {
                // An item that names only who helps is led by its group's lead.
                let mut led = Roles {
                    lead: r.lead.clone(),
                    support: vec![],
                };
                led.merge(roles);
                roles = led;
            }
        }
        // A heading that is a unit's name ("（一）党政办", under 责任分工) names who is in charge.
        if roles.is_empty()
            && n.row.is_none()
            && a.title.chars().count() <= 15
            && units::looks_like_unit(&a.title)
            && !a.title.ends_with('行')
            && !a.title.contains(['自', '之', '本', '的', '由'])
        {
            roles.lead.push(a.title.clone());
        }
        let default_deadline = a
            .deadline_text
            .as_deref()
            .and_then(|d| {
                find_dates(&crate::normalize::display_form(d))
                    .into_iter()
                    .rfind(|m| !m.base)
            })
            // A table's 完成时限 cell without a year ("12月底前") gives no deadline of its own.
            .filter(|m| n.row.is_none() || m.deadline.year.is_some())
            .and_then(|m| m.deadline.resolve(plan_year));
        let body = Body {
            key: &a.key,
            text: &a.text,
            lines: &a.lines,
            skip: &a.skip,
            dates: &key_dates[ni],
        };
        let r = targets::read(&body, default_deadline, plan_year);
        for (line, text) in r.asap {
            asap.push((id.clone(), line, text));
        }
        let mut milestones = r.milestones;
        if milestones.is_empty()
            && r.targets.is_empty()
            && default_deadline.is_some()
            && n.row.is_some()
        {
            milestones.push(Milestone {
                text: a.title.clone(),
                deadline: default_deadline,
                line: n.line,
            });
        }
        let text = strip_ranges(&a.text, &a.key, 0, a.text.len(), &a.skip)
            .trim()
            .to_string();
        raw_tasks.push(Task {
            id,
            title: a.title.clone(),
            lead: roles.lead,
            support: roles.support,
            targets: r.targets,
            milestones,
            text,
            line: n.line,
            leaders: a.leaders.clone(),
        });
        let _ = n.parent;
    }
    // A text cut inside a later attachment ("附件2" and its table's first row, cut) leaves the
    // tasks read before that attachment whole.
    let attachment_after = |line: usize| {
        lines
            .iter()
            .rev()
            .take_while(|l| l.no > line)
            .any(|l| table::is_attachment_title(&l.key))
    };
    // A text that ends in the field lines of an item that names no units, when the item
    // before it names them ("5.社会消费品零售总额增长8%。" / "牵头领导：靳国"): cut before its
    // unit field.
    let complete = complete
        && !(lines
            .last()
            .is_some_and(|l| units::field_line(l.key.trim()).is_some())
            && raw_tasks.len() > 1
            && raw_tasks
                .last()
                .is_some_and(|t| t.lead.is_empty() && t.support.is_empty())
            && raw_tasks
                .get(raw_tasks.len() - 2)
                .is_some_and(|t| !t.lead.is_empty()));
    if !complete
        && raw_tasks.len() > 1
        && !raw_tasks.last().is_some_and(|t| attachment_after(t.line))
    {
        let dropped = raw_tasks.pop();
        if let Some(t) = dropped {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                code: "truncated".into(),
                line: Some(t.line),
                task: Some(t.id.clone()),
                message: "文本在句中截断，最后一个条目不完整，未计入".into(),
                text: t.title.clone(),
            });
        }
    }
    if raw_tasks.is_empty() {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code: "no-tasks".into(),
            line: None,
            task: None,
            message: "未识别到任何编号条目（一、（一）1．或 第一条 等），无法形成任务台账".into(),
            text: String::new(),
        });
    }

    let task_force = crate::taskforce::find(lines);
    unglue_known_units(&mut raw_tasks);

    // Alias table over every unit named.
    let mut names: Vec<String> = Vec::new();
    for t in &raw_tasks {
        names.extend(t.lead.iter().cloned());
        names.extend(t.support.iter().cloned());
    }
    if let Some(tf) = &task_force {
        names.extend(tf.members.iter().cloned());
        names.extend(
            tf.office
                .iter()
                .filter(|o| units::looks_like_unit(o))
                .cloned(),
        );
    }
    let aliases = AliasTable::build(&names, &opts.aliases);
    let mut tasks = raw_tasks;
    for t in &mut tasks {
        let canon = |v: &mut Vec<String>| {
            let mut out: Vec<String> = Vec::new();
            for n in v.iter() {
                let c = aliases.canonical(n).to_string();
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            *v = out;
        };
        canon(&mut t.lead);
        canon(&mut t.support);
        let lead = t.lead.clone();
        t.support.retain(|s| !lead.contains(s));
    }
    let units = aliases
        .units()
        .into_iter()
        .map(|(name, aliases)| Unit { name, aliases })
        .collect();

    let level = crate::lint::infer_level(&preamble, lines, &tasks);
    let plan = Plan {
        source: opts.source.clone(),
        complete,
        title,
        level,
        period,
        task_force,
        units,
        sections,
        tasks,
    };
    diagnostics.extend(crate::lint::lint_with(&plan, &aliases));
    diagnostics.sort_by_key(|d| (d.line.unwrap_or(0), std::cmp::Reverse(d.severity)));
    Reading {
        plan,
        diagnostics,
        format: None,
    }
}
