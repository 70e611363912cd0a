//! Responsible units: from bracket markers ("（A、B等负责）", "（A牵头，B配合）",
//! "〔责任单位：A、B，按职责分工负责〕"), field lines ("牵头单位：", "责任单位：", "配合单位："),
//! "由…负责落实" sentences, and table cells; and the alias table that makes one unit of two
//! spellings.

use std::collections::BTreeMap;

/// Lead and support units read from one marker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    pub lead: Vec<String>,
    pub support: Vec<String>,
}

impl Roles {
    pub fn is_empty(&self) -> bool {
        self.lead.is_empty() && self.support.is_empty()
    }

    /// Adds another marker's units: leads stay leads, duplicates are dropped.
    pub fn merge(&mut self, other: Roles) {
        for u in other.lead {
            if !self.lead.contains(&u) {
                self.support.retain(|s| s != &u);
                self.lead.push(u);
            }
        }
        for u in other.support {
            if !self.lead.contains(&u) && !self.support.contains(&u) {
                self.support.push(u);
            }
        }
    }

    /// A plain list with no lead named: the first unit leads (the usual convention, and what
    /// "列第一位的为牵头单位" states).
    fn from_plain(mut names: Vec<String>) -> Roles {
        if names.is_empty() {
            return Roles::default();
        }
        let rest = names.split_off(1);
        Roles {
            lead: names,
            support: rest,
        }
    }
}

/// Endings of unit names (departments, governments, companies, bodies).
const UNIT_SUFFIXES: &[&str] = &[
    "局",
    "委",
    "办",
    "厅",
    "部",
    "院",
    "会",
    "室",
    "中心",
    "公司",
    "集团",
    "政府",
    "处",
    "科",
    "队",
    "所",
    "站",
    "馆",
    // A section of a county bureau: "文化宣传股", "旅游股".
    "股",
    "社",
    "联",
    "行",
    "团",
    "署",
    "组",
    "街道",
    // A management area of a county ("荒湖管理区").
    "管理区",
    "镇",
    "乡",
    "园区",
    "开发区",
    "示范区",
    "新区",
    "高新区",
    "学校",
    "医院",
    "银行",
    "法院",
    "检察院",
    "妇联",
    "残联",
    "科协",
    "团委",
    "总工会",
    "工商联",
    "海关",
    "税务",
    "邮政",
    "供电",
    "电力",
    "移动",
    "联通",
    "电信",
    "大学",
    "学院",
    "基地",
    "场",
    "军分区",
    "武装部",
    "支队",
    "大队",
    // Collective units: "各有关部门", "成员单位", "市直各有关单位".
    "部门",
    "单位",
];

/// The longest name a unit may have.
pub const MAX_UNIT_NAME_CHARS: usize = 40;

/// Whether `name` reads as a unit name (not a person, not a thing).
pub fn looks_like_unit(name: &str) -> bool {
    let n = name.chars().count();
    // A bracket at the end qualifies the name: "各街办（新区）".
    let stem = match name.strip_suffix('）') {
        Some(s) => s.rsplit_once('（').map_or(name, |(stem, _)| stem),
        None => name,
    };
    (2..=MAX_UNIT_NAME_CHARS).contains(&n)
        && (UNIT_SUFFIXES.iter().any(|s| stem.ends_with(s)) || matches!(stem, "各地" | "各级"))
        && !ACTION_STARTS.iter().any(|v| name.starts_with(v))
        && !name.contains('：')
        && !name.chars().any(|c| c.is_ascii_digit())
}

/// Verbs that start a task, never a unit's name: "建成启用区级老年活动中心" is a task.
const ACTION_STARTS: &[&str] = &[
    "建成", "新建", "完成", "开展", "推进", "实施", "加快", "加强", "提升", "打造", "启用", "改造",
    "新增", "推动", "健全", "完善", "深化", "落实", "建立", "创建", "培育", "引进", "组建", "成立",
];

/// Whether every name of a list reads as a unit (stars of a lead kept or not). Places named
/// before the body they share ("荔湾区、黄埔区政府": the two districts' governments) count as
/// that body's units.
pub fn is_unit_list(names: &[String]) -> bool {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim().trim_start_matches(LEAD_STARS))
        .collect();
    !names.is_empty() && (0..names.len()).all(|i| unit_in_list(&names, i))
}

/// Bodies a list may name once for several places before it: "荔湾区、黄埔区政府",
/// "人民大垸、荒湖管理区" (two management areas).
const SHARED_BODIES: &[&str] = &["政府", "管理区", "开发区"];

/// Places a list may name before the body they share.
const MAX_PLACES_SHARING: usize = 8;

/// Whether the `i`th name of a list is a unit: it reads as one, or it is a place named before
/// the body it shares with the names after it (the list's next unit ends with that body).
fn unit_in_list(names: &[&str], i: usize) -> bool {
    let n = names[i];
    if looks_like_unit(n) {
        return true;
    }
    // (A few names ahead at most: the scan stays linear in the list's length.)
    let Some(body) = names[i + 1..]
        .iter()
        .take(MAX_PLACES_SHARING)
        .find(|m| looks_like_unit(m))
        .and_then(|m| SHARED_BODIES.iter().find(|b| m.ends_with(*b)))
    else {
        return false;
    };
    let place_word = n.ends_with(['区', '县', '市', '镇', '乡', '旗']);
    (2..=5).contains(&n.chars().count())
        && n.chars().all(crate::normalize::is_ideograph)
        && !ACTION_STARTS.iter().any(|v| n.starts_with(v))
        && (place_word || *body != "政府")
        && !has_role_word(n)
}

/// The names of a list that are units (`unit_in_list`), in order.
pub fn units_of_list(names: Vec<String>) -> Vec<String> {
    let refs: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    let keep: Vec<bool> = (0..refs.len()).map(|i| unit_in_list(&refs, i)).collect();
    names
        .into_iter()
        .zip(keep)
        .filter_map(|(n, k)| k.then_some(n))
        .collect()
}

/// Words that carry a role; what they follow is a list of units.
const LEAD_WORDS: &[&str] = &["分别牵头", "共同牵头", "牵头负责", "牵头"];
const SUPPORT_WORDS: &[&str] = &[
    "配合落实",
    "协同配合",
    "配合",
    "协同",
    "参与",
    "协助",
    "协办",
    "参加",
];
const PLAIN_WORDS: &[&str] = &[
    "按职责分工负责",
    "按职责分工落实",
    "按职能职责负责",
    "按职责负责",
    "分别负责",
    "负责落实",
    "具体负责",
    "等负责",
    "负责",
    "落实",
];

/// Splits a list of names on "、" (and "，" / "；" / "和" / "及" between names), respecting
/// brackets inside names ("各县（市、区）人民政府" stays one name).
pub fn split_names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '（' | '(' => {
                depth += 1;
                cur.push(c);
            }
            // A closing bracket with no opening one closes the marker the list stood in
            // ("（责任单位：A、B）" read from its field name on): not part of a name.
            '）' | ')' if depth <= 0 => {}
            '）' | ')' => {
                depth -= 1;
                cur.push(c);
            }
            '、' | '，' | '；' | '/' | '／' if depth <= 0 => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    out.push(cur);
    // "各县、市、区政府" is one collective unit written without brackets: a bare
    // jurisdiction word joins the names after it up to the one that ends it.
    let mut merged: Vec<String> = Vec::with_capacity(out.len());
    let mut pending: Option<String> = None;
    for n in out {
        let bare = matches!(
            n.trim(),
            "各县"
                | "各市"
                | "各区"
                | "各旗"
                | "各州"
                | "州"
                | "县"
                | "市"
                | "区"
                | "旗"
                | "镇"
                | "乡"
                | "各乡"
                | "各镇"
        );
        match pending.take() {
            Some(mut p) => {
                p.push('、');
                p.push_str(n.trim());
                if bare {
                    pending = Some(p);
                } else {
                    merged.push(p);
                }
            }
            None if bare => pending = Some(n.trim().to_string()),
            None => merged.push(n),
        }
    }
    merged.extend(pending);
    // A list that runs on into what follows it on the line ("各区政府 鄞州 海曙…合计 10", a
    // table printed after a field): the list ends at the unit before the space.
    if let Some(at) = merged.iter().position(|n| runs_on_after_space(n)) {
        let first = merged[at]
            .trim()
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        merged.truncate(at);
        merged.push(first);
    }
    merged
        .into_iter()
        .flat_map(|n| split_spaced(&n))
        .flat_map(|n| split_joined(&clean_name(&n)))
        .map(|n| clean_name(&n))
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether a name is a unit followed, after a space, by words that are not all units.
fn runs_on_after_space(name: &str) -> bool {
    let pieces: Vec<&str> = name.trim().split(' ').filter(|p| !p.is_empty()).collect();
    pieces.len() >= 2
        && pieces[0].chars().count() >= 3
        && looks_like_unit(&clean_name(pieces[0]))
        && !pieces[1..].iter().all(|p| looks_like_unit(&clean_name(p)))
        && !pieces[1].starts_with(['（', '('])
}

/// Units a cell of a table lists with spaces between them ("县教体局 各相关乡镇政府"): split
/// when every piece reads as a unit of three characters or more, else kept whole.
fn split_spaced(name: &str) -> Vec<String> {
    let pieces: Vec<&str> = name.split_whitespace().collect();
    if pieces.len() >= 2
        && pieces
            .iter()
            .all(|p| p.chars().count() >= 3 && looks_like_unit(&clean_name(p)))
    {
        pieces.into_iter().map(str::to_string).collect()
    } else {
        vec![name.to_string()]
    }
}

/// "市级各有关部门及各县市区政府" is two units: split at "及" or "和" where both sides read as
/// units ("住房和城乡建设局" does not: "住房" is no unit).
/// "省农业厅等省直有关部门" is two units too: a unit, then after "等" the group it stands for.
fn split_joined(name: &str) -> Vec<String> {
    for w in ["及", "和", "等"] {
        for (i, _) in name.match_indices(w) {
            let (a, b) = (&name[..i], &name[i + w.len()..]);
            let collective = w != "等" || ["有关", "相关", "各"].iter().any(|c| b.contains(c));
            // "各县（市、区）党委和人民政府", "高新区党工委和管委会": two bodies of the places
            // named first, one unit as written.
            let same_places = w != "等" && BARE_BODIES.contains(&b);
            if collective && !same_places && looks_like_unit(a) && looks_like_unit(b) {
                let mut out = split_joined(a);
                out.extend(split_joined(b));
                return out;
            }
        }
    }
    vec![name.to_string()]
}

/// Bodies named with no place or unit of their own: they are the bodies of what is named
/// before them. After "和" or "及" ("各县（市、区）党委和人民政府": the places' governments), and
/// after a unit's name run together with them ("县政府办公室": the government's office).
pub(crate) const BARE_BODIES: &[&str] = &[
    "人民政府",
    "政府",
    "管委会",
    "管理委员会",
    "委员会",
    "党委",
    "党工委",
    "党组",
    "人大常委会",
    "政协",
    "办公室",
    "机关",
    "领导小组",
    "指挥部",
    "服务中心",
    "事务中心",
    "研究室",
];

/// Trims a unit name of list words ("等", "负责", "牵头" …) and punctuation.
pub fn clean_name(s: &str) -> String {
    let mut n = s.trim().to_string();
    loop {
        let before = n.clone();
        for w in [
            "按职责分工负责",
            "按职责分工",
            "按职责",
            "分别牵头",
            "共同牵头",
            "牵头负责",
            "牵头",
            "负责落实",
            "具体负责",
            "负责",
            "配合落实",
            "配合",
            "协同",
            "参与",
            "协助",
            "落实",
            "分别",
            "等有关部门",
            "等相关部门",
            "等有关单位",
            "等相关单位",
            "等单位",
            "等部门",
            "等",
        ] {
            if let Some(t) = n.strip_suffix(w) {
                n = t.to_string();
            }
        }
        for w in [
            "责任单位：",
            "牵头单位：",
            "配合单位：",
            "责任部门：",
            "由",
            "和",
            "及",
        ] {
            if let Some(t) = n.strip_prefix(w) {
                n = t.to_string();
            }
        }
        n = n
            .trim_matches(|c: char| {
                c.is_whitespace() || matches!(c, '，' | '。' | '；' | '：' | '、' | '“' | '”')
            })
            .to_string();
        n = without_list_note(&n).to_string();
        if n == before {
            return n;
        }
    }
}

/// A list of units without the note in brackets after its last name ("…、省文化广电和旅游厅
/// （除标注为“牵头”单位外，列第一位的为牵头或汇总单位，下同）"): the note says how the list is
/// read, it names no unit and its role words are not the list's.
fn without_list_note(s: &str) -> &str {
    let Some(stem) = s.trim_end_matches(['。', '；']).strip_suffix('）') else {
        return s;
    };
    // The bracket that opens the note: the last one whose brackets balance to the end.
    let mut depth = 1;
    for (i, c) in stem.char_indices().rev() {
        match c {
            '）' => depth += 1,
            '（' => {
                depth -= 1;
                if depth == 0 {
                    let note = &stem[i + c.len_utf8()..];
                    let is_note = ["牵头", "下同", "汇总", "列第一", "负责", "配合"]
                        .iter()
                        .any(|w| note.contains(w));
                    return if is_note { &s[..i] } else { s };
                }
            }
            _ => {}
        }
    }
    s
}

/// One clause of a unit marker, split at its role word.
fn clause_roles(clause: &str, lead_seen: bool) -> (Option<&'static str>, Vec<String>) {
    if let Some((kind, offset)) = field_line(clause) {
        let names = split_names(&clause[offset..]);
        return match kind {
            FieldKind::Lead => (Some("lead"), names),
            FieldKind::Support => (Some("support"), names),
            // "责任单位：A、B牵头，C、D": the names before the role word lead.
            FieldKind::Responsible
                if LEAD_WORDS
                    .iter()
                    .any(|w| clause[offset..].trim_end().ends_with(w)) =>
            {
                (Some("lead"), names)
            }
            FieldKind::Responsible if lead_seen => (Some("support"), names),
            FieldKind::Responsible => (None, names),
            FieldKind::Marker => match parse_marker(&clause[offset..]) {
                Some(r) if !r.lead.is_empty() => (Some("lead"), r.lead),
                _ => (Some("none"), vec![]),
            },
            FieldKind::Leader | FieldKind::Deadline | FieldKind::Progress => (Some("none"), vec![]),
        };
    }
    for w in LEAD_WORDS {
        if let Some(pos) = clause.find(w) {
            let names = split_names(&clause[..pos]);
            // "A、B分别牵头" and "A、B共同牵头": all lead.
            return (Some("lead"), names);
        }
    }
    for w in SUPPORT_WORDS {
        if let Some(pos) = clause.find(w) {
            let names = split_names(&clause[..pos]);
            return (Some("support"), names);
        }
    }
    for w in PLAIN_WORDS {
        if let Some(pos) = clause.find(w) {
            let names = split_names(&clause[..pos]);
            return (if lead_seen { Some("support") } else { None }, names);
        }
    }
    // Names with no role word after a lead: support, in the order written ("（A牵头，B、C）").
    // A clause of prose among them ("…，并和环保部、国家发改委、研究院进一步衔接") names none:
    // every item of such a list is a unit's name.
    let names = split_names(clause);
    if lead_seen && !is_unit_list(&names) {
        return (Some("none"), vec![]);
    }
    (lead_seen.then_some("support"), names)
}

/// Whether a text carries a role word (牵头, 配合, 负责 …).
pub fn has_role_word(s: &str) -> bool {
    LEAD_WORDS
        .iter()
        .chain(SUPPORT_WORDS)
        .chain(PLAIN_WORDS)
        .any(|w| s.contains(w))
        || s.contains("责任单位")
}

/// Reads the contents of a unit marker (without its brackets). `None` when the contents are
/// not a unit list (e.g. "含居民医保、职工医保").
/// `s` with each "、" right after a role word made a "，" ("A和B分别牵头、C" → "…牵头，C").
fn role_words_end_clauses(s: &str) -> std::borrow::Cow<'_, str> {
    let ends_role = |head: &str| {
        LEAD_WORDS
            .iter()
            .chain(SUPPORT_WORDS)
            .any(|w| head.ends_with(w))
    };
    if !s.match_indices('、').any(|(p, _)| ends_role(&s[..p])) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for (p, _) in s.match_indices('、') {
        out.push_str(&s[from..p]);
        out.push(if ends_role(&s[..p]) { '，' } else { '、' });
        from = p + '、'.len_utf8();
    }
    out.push_str(&s[from..]);
    out.into()
}

pub fn parse_marker(contents: &str) -> Option<Roles> {
    let mut s = without_list_note(contents.trim());
    // A remark after the list's sentence ("…按职责分工负责。具体任务均涉及相关市（州）人民政府，
    // 不再做分工。") is no list.
    // So is a note on how such lists are read ("…。未明确牵头单位的，由所列负责单位按职责分工负责，
    // 下同"), whatever role words it has.
    if let Some((head, rest)) = split_first_sentence(s)
        && ((!LEAD_WORDS
            .iter()
            .chain(SUPPORT_WORDS)
            .any(|w| rest.contains(w))
            && field_line(rest.trim()).is_none())
            || rest.trim_end_matches(['。', '）']).ends_with("下同"))
    {
        s = head;
    }
    // "A和B分别牵头、C": a role word ends its clause even before "、".
    let owned = role_words_end_clauses(s);
    let s = owned.as_ref();
    // A marker that starts with a field's name ("责任单位：A、B", "牵头单位：A；责任单位：B"):
    // its clauses are read as fields.
    let explicit_field = field_line(s).is_some_and(|(k, _)| {
        matches!(
            k,
            FieldKind::Lead | FieldKind::Support | FieldKind::Responsible
        )
    });
    let has_role_word = LEAD_WORDS
        .iter()
        .chain(SUPPORT_WORDS)
        .chain(PLAIN_WORDS)
        .any(|w| s.contains(w));
    // Role words split the marker into clauses: "A牵头，B、C配合，D参与".
    let mut roles = Roles::default();
    let mut plain: Vec<String> = Vec::new();
    for clause in split_clauses(s) {
        let (role, names) = clause_roles(clause, !roles.lead.is_empty());
        let names = units_of_list(names);
        match role {
            Some("lead") => roles.merge(Roles {
                lead: names,
                support: vec![],
            }),
            Some(_) => roles.merge(Roles {
                lead: vec![],
                support: names,
            }),
            None => plain.extend(names),
        }
    }
    if !plain.is_empty() {
        if roles.lead.is_empty() {
            let mut p = Roles::from_plain(plain);
            p.merge(roles);
            roles = p;
        } else {
            roles.merge(Roles {
                lead: vec![],
                support: plain,
            });
        }
    }
    if roles.is_empty() {
        return None;
    }
    // Without a role word or a field name, every item must look like a unit.
    if !has_role_word && !explicit_field {
        let all = split_names(s);
        if !is_unit_list(&all) {
            return None;
        }
    }
    Some(roles)
}

/// `s` cut after its first "。" outside brackets, when more follows.
fn split_first_sentence(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '（' => depth += 1,
            '）' => depth -= 1,
            '。' if depth <= 0 => {
                let rest = &s[i + c.len_utf8()..];
                return (!rest.trim().is_empty()).then_some((&s[..i], rest));
            }
            _ => {}
        }
    }
    None
}

/// Splits on "，" and "；" outside brackets, and on a space before a unit field's label
/// ("牵头单位：能源局 参加单位：发展改革委").
fn split_clauses(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '（' => depth += 1,
            '）' => depth -= 1,
            '，' | '；' | '。' if depth <= 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            ' ' if depth <= 0 && unit_field_starts(&s[i + 1..]) => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().filter(|c| !c.trim().is_empty()).collect()
}

/// Whether `s` starts with a unit field's label and its colon, within its first 12 characters.
fn unit_field_starts(s: &str) -> bool {
    s.chars().take(12).any(|c| c == '：')
        && field_line(s).is_some_and(|(k, _)| {
            matches!(
                k,
                FieldKind::Lead | FieldKind::Support | FieldKind::Responsible
            )
        })
}

/// Marks that single out the lead units of a list ("★区发改委、统计局": 区发改委 leads), as
/// tables of Jiangsu and Zhejiang print their 责任单位 ("标★的为牵头单位", "▲为牵头单位").
pub const LEAD_STARS: [char; 5] = ['★', '☆', '*', '＊', '▲'];

/// A list of units some of which are starred: (the starred ones, without the star; the rest).
/// `None` when no name is starred.
pub fn split_starred(names: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if !names.iter().any(|n| n.starts_with(LEAD_STARS)) {
        return None;
    }
    let (mut lead, mut support) = (Vec::new(), Vec::new());
    for n in names {
        if n.starts_with(LEAD_STARS) {
            lead.push(n.trim_start_matches(LEAD_STARS).trim().to_string());
        } else {
            support.push(n.clone());
        }
    }
    Some((lead, support))
}

/// A line of nothing but units, the lead ones starred ("★区发改委、统计局"): the names, stars
/// kept, or `None`.
pub fn starred_unit_line(key: &str) -> Option<Vec<String>> {
    let k = key.trim();
    if !k.starts_with(LEAD_STARS) || k.chars().count() > 200 {
        return None;
    }
    let names = split_names(k);
    is_unit_list(&names).then_some(names)
}

/// Field lines that name units or people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Lead,
    /// "责任单位：": support when a lead line exists, else a plain list.
    Responsible,
    Support,
    /// People: 牵头负责领导, 责任领导, 分管省领导 …
    Leader,
    /// 完成时限, 时间节点
    Deadline,
    /// 部门分工, 责任分工: a unit marker follows ("A牵头，B配合").
    Marker,
    /// 实际完成情况, 进展与成效: a report of what was done, no part of the plan; the lines
    /// after the label go with it.
    Progress,
}

/// Reads a field line such as "牵头单位：区住建局". Returns its kind and the value's byte offset.
/// The label is read by the words that name a table's columns (`table::role_of`), so a line
/// and a column with the same name mean the same: "牵头责任单位" leads, "协同责任单位" and
/// "主要协作单位" support, "责任人" names people.
pub fn field_line(key: &str) -> Option<(FieldKind, usize)> {
    use crate::table::{Role, role_of};
    let s = key.trim_start_matches(['（', ' ']);
    let offset = key.len() - s.len();
    let colon = s.find('：')?;
    let label = s[..colon].trim();
    if label.chars().count() > 10 {
        return None;
    }
    let value = offset + colon + '：'.len_utf8();
    // "部门分工：A牵头，B配合": a marker after a label.
    if label.ends_with("分工") {
        return Some((FieldKind::Marker, value));
    }
    let kind = match role_of(label)? {
        Role::Lead => FieldKind::Lead,
        Role::Support => FieldKind::Support,
        Role::Responsible => FieldKind::Responsible,
        Role::People => FieldKind::Leader,
        Role::Deadline => FieldKind::Deadline,
        // "进度安排：" schedules the task; "完成情况：" reports on it.
        Role::Progress
            if ["情况", "进展", "成效", "累计"]
                .iter()
                .any(|w| label.contains(w))
                && !["安排", "计划", "要求", "目标"]
                    .iter()
                    .any(|w| label.contains(w)) =>
        {
            FieldKind::Progress
        }
        _ => return None,
    };
    Some((kind, value))
}

/// The part of a unit name after the jurisdiction word: "区发改财政局" and "发改财政局" share
/// "发改财政局". Names whose rest would start a different word keep their prefix.
fn alias_key(name: &str) -> String {
    let mut chars = name.chars();
    if let Some(first) = chars.next()
        && matches!(first, '区' | '县' | '市' | '省' | '州' | '旗')
    {
        let rest = chars.as_str();
        let bad_starts = ["委", "政府", "人民", "直", "级", "属", "内", "域"];
        if rest.chars().count() >= 3 && !bad_starts.iter().any(|b| rest.starts_with(b)) {
            return rest.to_string();
        }
    }
    name.to_string()
}

/// The alias table of a plan: each spelling → its canonical name. Spellings that differ only
/// by the jurisdiction word are one unit; the canonical name is the most used spelling (the
/// longer one on a tie). `extra` are aliases the office set: (alias, canonical).
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    map: BTreeMap<String, String>,
}

impl AliasTable {
    pub fn build(names_in_order: &[String], extra: &[(String, String)]) -> AliasTable {
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new(); // name → (count, first)
        for (i, n) in names_in_order.iter().enumerate() {
            let e = counts.entry(n.clone()).or_insert((0, i));
            e.0 += 1;
        }
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for n in counts.keys() {
            groups.entry(alias_key(n)).or_default().push(n.clone());
        }
        let mut map = BTreeMap::new();
        for names in groups.values() {
            let canonical = names
                .iter()
                .max_by(|a, b| {
                    let (ca, fa) = counts[*a];
                    let (cb, fb) = counts[*b];
                    ca.cmp(&cb)
                        .then(a.chars().count().cmp(&b.chars().count()))
                        .then(fb.cmp(&fa))
                })
                .cloned()
                .unwrap_or_default();
            for n in names {
                map.insert(n.clone(), canonical.clone());
            }
        }
        for (alias, canonical) in extra {
            let target = map
                .get(canonical)
                .cloned()
                .unwrap_or_else(|| canonical.clone());
            map.insert(alias.clone(), target.clone());
            map.insert(canonical.clone(), target);
        }
        AliasTable { map }
    }

    pub fn canonical<'a>(&'a self, name: &'a str) -> &'a str {
        self.map.get(name).map_or(name, String::as_str)
    }

    /// Canonical names with the spellings merged into each.
    pub fn units(&self) -> Vec<(String, Vec<String>)> {
        let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (alias, canonical) in &self.map {
            let e = by.entry(canonical.as_str()).or_default();
            if alias != canonical {
                e.push(alias.clone());
            }
        }
        by.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(s: &str) -> Option<(Vec<String>, Vec<String>)> {
        parse_marker(s).map(|r| (r.lead, r.support))
    }

    fn owned(v: Option<(Vec<&str>, Vec<&str>)>) -> Option<(Vec<String>, Vec<String>)> {
        v.map(|(a, b)| {
            (
                a.into_iter().map(String::from).collect(),
                b.into_iter().map(String::from).collect(),
            )
        })
    }

    #[test]
    fn reads_unit_markers() {
        type Case<'a> = (&'a str, Option<(Vec<&'a str>, Vec<&'a str>)>);
        let cases: &[Case] = &[
            (
                "区交通运输局、区发改财政局等负责",
                Some((vec!["区交通运输局"], vec!["区发改财政局"])),
            ),
            ("区委宣传统战部负责", Some((vec!["区委宣传统战部"], vec![]))),
            // A unit that leads is not asked to support too, though the list names it again.
            (
                "牵头单位：省发展改革委；责任单位：省发展改革委、省统计局",
                Some((vec!["省发展改革委"], vec!["省统计局"])),
            ),
            // Fields set off by a space; a note on how lists are read.
            (
                "牵头单位：能源局 参加单位：发展改革委、国资委",
                Some((vec!["能源局"], vec!["发展改革委", "国资委"])),
            ),
            (
                "负责单位：发展改革委、能源局。未明确牵头单位的，由所列负责单位按职责分工负责，下同",
                Some((vec!["发展改革委"], vec!["能源局"])),
            ),
            // Two places named before the body they share: two management areas.
            (
                "牵头单位：市发改局；责任单位：市统计局，人民大垸、荒湖管理区，监利经济开发区",
                Some((
                    vec!["市发改局"],
                    vec!["市统计局", "人民大垸", "荒湖管理区", "监利经济开发区"],
                )),
            ),
            (
                "市住建局牵头，市财政局、市发改委配合",
                Some((vec!["市住建局"], vec!["市财政局", "市发改委"])),
            ),
            (
                "市环保局牵头，相关部门配合，细化分工、落实责任，并和环保部、国家发改委、环境科学研究院进一步衔接",
                Some((vec!["市环保局"], vec!["相关部门"])),
            ),
            (
                "市住建局牵头，市财政局、市发改委",
                Some((vec!["市住建局"], vec!["市财政局", "市发改委"])),
            ),
            (
                "责任单位：省发展改革委、省财政厅、各县（市、区）人民政府，按职责分工负责",
                Some((
                    vec!["省发展改革委"],
                    vec!["省财政厅", "各县（市、区）人民政府"],
                )),
            ),
            (
                "县教育局牵头，县财政局参与，各乡镇人民政府负责落实",
                Some((vec!["县教育局"], vec!["县财政局", "各乡镇人民政府"])),
            ),
            (
                "区住建局、区城管局分别牵头",
                Some((vec!["区住建局", "区城管局"], vec![])),
            ),
            (
                "牵头单位：市发展改革委、市工业和信息化局；责任单位：市财政局",
                Some((vec!["市发展改革委", "市工业和信息化局"], vec!["市财政局"])),
            ),
            (
                "责任单位：市级各有关部门及各县市区政府",
                Some((vec!["市级各有关部门"], vec!["各县市区政府"])),
            ),
            // Two bodies of the same places are one unit as written.
            (
                "牵头单位：市发展改革委；配合单位：各县（市、区）党委和人民政府、高新区党工委和管委会",
                Some((
                    vec!["市发展改革委"],
                    vec!["各县（市、区）党委和人民政府", "高新区党工委和管委会"],
                )),
            ),
            (
                "协同单位：省财政厅、省农业厅等省直有关部门和各市人民政府",
                Some((
                    vec![],
                    vec!["省财政厅", "省农业厅", "省直有关部门", "各市人民政府"],
                )),
            ),
            // "等" ends a list before a word that is no group ("省农业厅等单位").
            (
                "省财政厅、省农业厅等单位负责",
                Some((vec!["省财政厅"], vec!["省农业厅"])),
            ),
            (
                "区住房和城乡建设局、区人力资源和社会保障局负责",
                Some((vec!["区住房和城乡建设局"], vec!["区人力资源和社会保障局"])),
            ),
            (
                "牵头单位：区卫健局；责任单位：区疫情防控指挥部成员单位、各街办（新区）",
                Some((
                    vec!["区卫健局"],
                    vec!["区疫情防控指挥部成员单位", "各街办（新区）"],
                )),
            ),
            (
                "责任单位：省发展改革委、省市场监管局按职责分工负责。具体任务均涉及相关市（州）人民政府，不再做分工，下同。",
                Some((vec!["省发展改革委"], vec!["省市场监管局"])),
            ),
            (
                "省发展改革委牵头，各地、各部门配合",
                Some((vec!["省发展改革委"], vec!["各地", "各部门"])),
            ),
            (
                "责任单位：区房屋征收中心、青林镇、西岸街道（列第一位者为牵头或汇总单位，下同）",
                Some((vec!["区房屋征收中心"], vec!["青林镇", "西岸街道"])),
            ),
            (
                "责任单位：省政府办公厅、省财政厅牵头，省商务厅、省文化广电和旅游厅（除标注为“牵头”单位外，列第一位的为牵头或汇总单位，下同）",
                Some((
                    vec!["省政府办公厅", "省财政厅"],
                    vec!["省商务厅", "省文化广电和旅游厅"],
                )),
            ),
            (
                "市经信局牵头，青川经开区管委会、各县、市、区政府配合",
                Some((
                    vec!["市经信局"],
                    vec!["青川经开区管委会", "各县、市、区政府"],
                )),
            ),
            (
                "区发改局牵头，区财政局、区水务局等部门，区国投公司、各街道办事处配合",
                Some((
                    vec!["区发改局"],
                    vec!["区财政局", "区水务局", "区国投公司", "各街道办事处"],
                )),
            ),
            (
                "市财政局等有关部门、各县区人民政府负责",
                Some((vec!["市财政局"], vec!["各县区人民政府"])),
            ),
            (
                "省发展改革委牵头；国土资源厅，各州、市人民政府配合",
                Some((vec!["省发展改革委"], vec!["国土资源厅", "各州、市人民政府"])),
            ),
            (
                "县教体局 各相关乡镇政府",
                Some((vec!["县教体局"], vec!["各相关乡镇政府"])),
            ),
            ("含居民医保、职工医保", None),
            ("市 发展改革局", Some((vec!["市 发展改革局"], vec![]))),
            ("即大通湖区第二中学", None),
            ("环湖道路及堤防加固", None),
        ];
        for (s, want) in cases {
            assert_eq!(roles(s), owned(want.clone()), "{s}");
        }
    }

    #[test]
    fn starred_units_lead() {
        let names = starred_unit_line("★区发改委、统计局、★区财政局").unwrap();
        assert_eq!(
            split_starred(&names),
            Some((
                vec!["区发改委".to_string(), "区财政局".to_string()],
                vec!["统计局".to_string()]
            ))
        );
        assert_eq!(starred_unit_line("★加快项目建设，完成投资5亿元"), None);
        assert_eq!(starred_unit_line("区发改委、统计局"), None);
        assert_eq!(split_starred(&["区发改委".to_string()]), None);
    }

    #[test]
    fn field_lines() {
        assert_eq!(
            field_line("牵头单位：县住建局"),
            Some((FieldKind::Lead, 15))
        );
        assert_eq!(
            field_line("责任单位：县财政局").map(|f| f.0),
            Some(FieldKind::Responsible)
        );
        assert_eq!(
            field_line("牵头负责领导：张某某").map(|f| f.0),
            Some(FieldKind::Leader)
        );
        assert_eq!(field_line("完成3个老旧小区改造：xx"), None);
        // The labels a line and a table column share mean the same.
        for (line, kind) in [
            ("牵头责任单位：省发展改革委", FieldKind::Lead),
            ("协同责任单位：省财政厅", FieldKind::Support),
            ("主要协作单位：县财政局", FieldKind::Support),
            ("协办单位：区民政局", FieldKind::Support),
            ("责任人：张某", FieldKind::Leader),
            ("部门分工：市住建局牵头，市财政局配合", FieldKind::Marker),
        ] {
            assert_eq!(field_line(line).map(|f| f.0), Some(kind), "{line}");
        }
    }

    #[test]
    fn a_field_line_in_brackets_leaves_its_closing_bracket_out() {
        let line = "（责任单位：市直各有关单位、各县（市、区）人民政府、各开发区管委会）";
        let (_, off) = field_line(line).unwrap();
        assert_eq!(
            split_names(&line[off..]),
            ["市直各有关单位", "各县（市、区）人民政府", "各开发区管委会"]
        );
    }

    #[test]
    fn aliases_merge_jurisdiction_prefix() {
        let names: Vec<String> = [
            "区发改财政局",
            "发改财政局",
            "区发改财政局",
            "区委宣传统战部",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let t = AliasTable::build(&names, &[]);
        assert_eq!(t.canonical("发改财政局"), "区发改财政局");
        assert_eq!(t.canonical("区委宣传统战部"), "区委宣传统战部");
        let t = AliasTable::build(&names, &[("宣传部".into(), "区委宣传统战部".into())]);
        assert_eq!(t.canonical("宣传部"), "区委宣传统战部");
    }
}
