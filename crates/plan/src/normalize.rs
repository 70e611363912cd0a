//! Text → lines in two aligned forms.
//!
//! Every line exists twice:
//! - `text`, the *display* form: full-width digits and Latin letters made half-width, half-width
//!   brackets and sentence punctuation made full-width (`(` → `（`, `,` → `，` outside numbers),
//!   odd spaces made plain. This is what the reading reports (names stay as written, including
//!   traditional characters).
//! - `key`, the *analysis* form: the display form with traditional characters made simplified
//!   and bracket variants (〔〕【】［］) made `（）`. The reader matches markers on it.
//!
//! The two forms have the same byte length at every character, so a byte range found in `key`
//! slices the same characters out of `text`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One line of the plan, in both forms, with its 1-based number in the source.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub no: usize,
    pub text: String,
    pub key: String,
}

/// Splits and normalises the text; drops page furniture ("— 3 —", "第 2 页 共 4 页") and the
/// chrome of a web page (发布时间, 浏览次数, 分享到 …), reads pinyin glosses ("一(yī)、") as if
/// absent, and splits a plan run together on one line at its outline marks.
pub(crate) fn lines(text: &str) -> Vec<Line> {
    let joined = join_page_chunks(text);
    let text = joined.as_deref().unwrap_or(text);
    let traditional = looks_traditional(text);
    let glossed = has_pinyin_glosses(text);
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let unglossed;
        let raw = if glossed {
            unglossed = strip_pinyin_glosses(raw);
            unglossed.as_str()
        } else {
            raw
        };
        let display = display_form(raw);
        let trimmed = display.trim_matches(|c: char| c.is_whitespace());
        // A page marker run into the text, as document sites print it: "第1页共8页深化…".
        let trimmed = strip_page_marker(trimmed);
        // A table flattened one cell a line with each cell closed by "|" ("序号 |"): the bar
        // ends the cell, it is no part of it.
        // Some copies open each cell with the bar instead ("| 地区生产总值").
        let trimmed = match trimmed.strip_suffix(['|', '｜']) {
            Some(cell) if !cell.contains(['|', '｜']) => cell.trim_end(),
            _ => match trimmed.strip_prefix(['|', '｜']) {
                Some(cell) if !cell.contains(['|', '｜']) => cell.trim_start(),
                _ => trimmed,
            },
        };
        // A line of bars alone closes empty cells.
        if trimmed.is_empty()
            || trimmed.chars().all(|c| c == '|' || c == '｜')
            || is_page_furniture(trimmed)
        {
            continue;
        }
        let unglued;
        let trimmed = match unglue_table(trimmed) {
            Some(rows) => {
                unglued = rows;
                unglued.as_str()
            }
            None => trimmed,
        };
        for piece in trimmed
            .split(ROW_BREAK)
            .flat_map(split_trailing_header)
            .flat_map(split_run_together)
            .flat_map(split_item_sequence)
            .flat_map(split_heading_from_first_item)
            .flat_map(split_inline_items_with_units)
            .flat_map(split_unit_fields)
            .flat_map(split_spaced_fields)
        {
            let piece = piece.trim_matches(|c: char| c.is_whitespace());
            if piece.is_empty() {
                continue;
            }
            let text = piece.to_string();
            let key = key_form(&text, traditional);
            debug_assert_eq!(text.len(), key.len());
            if is_web_chrome(&key) {
                continue;
            }
            out.push(Line {
                no: i + 1,
                text,
                key,
            });
        }
    }
    join_field_values(number_records(out, traditional), traditional)
}

/// A unit field's label on a line of its own ("责任单位" or "责任单位：") and its units on the
/// next ("文广旅局"), as a record prints them: one line "责任单位：文广旅局".
fn join_field_values(lines: Vec<Line>, traditional: bool) -> Vec<Line> {
    let bare_label = |k: &str| {
        let k = k.trim().trim_end_matches('：');
        (2..=6).contains(&k.chars().count())
            && UNIT_FIELD_LABELS
                .iter()
                .any(|w| w.trim_end_matches('：') == k)
    };
    if !lines.iter().any(|l| bare_label(&l.key)) {
        return lines;
    }
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut it = lines.into_iter().peekable();
    while let Some(l) = it.next() {
        if bare_label(&l.key)
            && let Some(next) = it.peek()
            && crate::units::is_unit_list(&crate::units::split_names(&next.key))
            // (A table's header copied one cell a line: "牵头单位" / "配合单位".)
            && crate::table::role_of(&next.key).is_none()
            && out.last().is_none_or(|p: &Line| {
                p.key.chars().count() > 12 || crate::table::role_of(&p.key).is_none()
            })
        {
            let text = format!(
                "{}：{}",
                l.text.trim().trim_end_matches('：'),
                next.text.trim()
            );
            let key = key_form(&text, traditional);
            out.push(Line {
                no: l.no,
                text,
                key,
            });
            it.next();
            continue;
        }
        out.push(l);
    }
    out
}

/// Where `unglue_table` ends a row (no text holds it).
const ROW_BREAK: char = '\u{1E}';

/// Words a table's header starts with after its 序号 in a table whose cells ran together.
const GLUED_HEADER_STARTS: &[&str] = &[
    "项目", "任务", "工作", "重点", "主要", "名称", "事项", "类别", "内容", "实事",
];

/// A table whose cells ran together with no break at all, as a document site's text of a
/// .docx gives it ("序号项目名称主要内容分管领导牵头单位配合单位1增加教育资源供给实施新建…12个
/// …何某教育局…2促进就业稳定增长…"): the header (a 序号 run into column words that name units)
/// is dropped, and each row, started by the next number in turn before a word (not "3个"), is an
/// item "1．…" of its own. The cells of a row cannot be told apart: the row's text is the
/// item's, its units are not read. `None` when the line holds no such table.
fn unglue_table(line: &str) -> Option<String> {
    if line.len() < 200 {
        return None;
    }
    let at = line.match_indices("序号").find_map(|(i, _)| {
        let rest = &line[i + "序号".len()..];
        GLUED_HEADER_STARTS
            .iter()
            .any(|w| rest.starts_with(w))
            .then_some(i)
    })?;
    // The header: up to the first digit, at most 60 characters, naming unit columns.
    let after = &line[at..];
    let digit = after.find(|c: char| c.is_ascii_digit())?;
    let header = &after[..digit];
    let unit_words = ["牵头", "配合", "责任", "单位", "部门"]
        .iter()
        .filter(|w| header.contains(*w))
        .count();
    if header.chars().count() > 60 || unit_words < 2 || header.contains(['，', '。', ' ']) {
        return None;
    }
    let body = &after[digit..];
    let mut out = String::with_capacity(line.len() + 32);
    out.push_str(&line[..at]);
    let mut next = 1u64;
    let mut rows = 0;
    let mut pos = 0;
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < body.len() {
        // A repeated header (the table over a page) is dropped.
        if body[i..].starts_with(header) {
            out.push_str(&body[pos..i]);
            i += header.len();
            pos = i;
            continue;
        }
        let c = body[i..].chars().next().unwrap_or(' ');
        if c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_digit() || p == '.') {
            let end = i + body[i..].bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = body[i..end].parse().unwrap_or(0);
            let word: String = body[end..].chars().take(2).collect();
            let starts_word = word.chars().next().is_some_and(|w| {
                is_ideograph(w)
                    && !crate::targets::is_unit(&w.to_string())
                    && !crate::targets::is_unit(&word)
                    && !matches!(
                        w,
                        '年' | '月' | '日' | '号' | '届' | '期' | '批' | '家' | '级'
                    )
            });
            if n == next && starts_word {
                out.push_str(&body[pos..i]);
                out.push(ROW_BREAK);
                out.push_str(&body[i..end]);
                out.push('．');
                pos = end;
                next += 1;
                rows += 1;
                i = end;
                prev = body[..end].chars().next_back();
                continue;
            }
        }
        prev = Some(c);
        i += c.len_utf8();
    }
    out.push_str(&body[pos..]);
    (rows >= 2).then_some(out)
}

/// Labels that name a record's item ("项目名称：提升县域生态环境").
const NAME_LABELS: &[&str] = &["项目名称", "任务名称", "事项名称", "实事名称", "工作名称"];

/// A list of records, each numbered before its name's label ("01 项目名称：提升县域生态环境",
/// or "03" / "项目名称：" / "实施…工程" on lines of their own), as a report of a list of
/// projects prints them: each record starts an item "1．提升县域生态环境". Only a number
/// followed by a name's label counts.
fn number_records(lines: Vec<Line>, traditional: bool) -> Vec<Line> {
    // The quick test: no name label, nothing to do.
    if !lines
        .iter()
        .any(|l| NAME_LABELS.iter().any(|w| l.key.contains(w)))
    {
        return lines;
    }
    let number_of = |k: &str| -> Option<(u64, usize)> {
        let digits = k.chars().take_while(char::is_ascii_digit).count();
        let rest = &k[digits..];
        ((1..=3).contains(&digits) && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
            .then(|| k[..digits].parse().ok().map(|n| (n, digits)))
            .flatten()
    };
    // "项目名称：X" → the byte offset of X.
    let label_of = |k: &str| -> Option<usize> {
        NAME_LABELS.iter().find_map(|w| {
            let rest = k.strip_prefix(w)?.trim_start();
            let rest = rest.strip_prefix('：')?;
            Some(k.len() - rest.len())
        })
    };
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        let Some((n, digits)) = number_of(&l.key) else {
            out.push(l.clone());
            i += 1;
            continue;
        };
        let rest = l.key[digits..].trim_start();
        // The label on the number's line, or on the next.
        let (label_line, label_key, label_text, used) = if rest.is_empty() {
            match lines.get(i + 1) {
                Some(next) => (next, next.key.as_str(), next.text.as_str(), 2),
                None => (l, "", "", 1),
            }
        } else {
            let at = l.key.len() - rest.len();
            (l, rest, &l.text[at..], 1)
        };
        let Some(off) = label_of(label_key) else {
            out.push(l.clone());
            i += 1;
            continue;
        };
        let mut title = label_text[off..].trim().to_string();
        let mut used = used;
        // "项目名称：" alone: the name is the next line.
        if title.is_empty()
            && let Some(next) = lines.get(i + used)
            && label_of(&next.key).is_none()
            && number_of(&next.key).is_none()
        {
            title = next.text.trim().to_string();
            used += 1;
        }
        let text = format!("{n}．{title}");
        let key = key_form(&text, traditional);
        out.push(Line {
            no: label_line.no.min(l.no),
            text,
            key,
        });
        i += used;
    }
    out
}

/// Vowels with a tone mark, as pinyin glosses write them.
const TONED: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ";

fn is_pinyin_char(c: char) -> bool {
    c.is_ascii_lowercase() || TONED.contains(c) || c == 'ü' || c == 'ê'
}

pub(crate) fn is_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Characters a gloss of several readings may hold ("(yī / yì /yí)").
const MAX_GLOSS_CHARS: usize = 30;

/// A pinyin gloss at the start of `s`: "(yī)", "（tǐ）" or the readings of a character that
/// has several, split by slashes ("(yào / yāo)") → its byte length.
fn gloss_at(s: &str, need_tone: bool) -> Option<usize> {
    let open = s.chars().next().filter(|&c| c == '(' || c == '（')?;
    let inner_start = open.len_utf8();
    let mut toned = false;
    for (n, (i, c)) in s[inner_start..].char_indices().enumerate() {
        if c == ')' || c == '）' {
            let inner = &s[inner_start..inner_start + i];
            let ok = (toned || !need_tone)
                && inner.split('/').all(|r| {
                    (1..=7).contains(&r.trim().chars().count()) && !r.trim().contains(' ')
                });
            return ok.then_some(inner_start + i + c.len_utf8());
        }
        if !(is_pinyin_char(c) || c == '/' || c == ' ') || n >= MAX_GLOSS_CHARS {
            return None;
        }
        toned |= TONED.contains(c);
    }
    None
}

/// Whether the text carries pinyin glosses after characters (at least two with a tone mark).
fn has_pinyin_glosses(text: &str) -> bool {
    let mut found = 0;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        if (c == '(' || c == '（') && is_ideograph(prev) && gloss_at(&text[i..], true).is_some() {
            found += 1;
            if found >= 2 {
                return true;
            }
        }
        prev = c;
    }
    false
}

/// The line without the pinyin glosses that follow characters ("體(tǐ)系" → "體系").
fn strip_pinyin_glosses(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut prev = ' ';
    let mut i = 0;
    while let Some(c) = line[i..].chars().next() {
        if (c == '(' || c == '（')
            && is_ideograph(prev)
            && let Some(len) = gloss_at(&line[i..], false)
        {
            i += len;
            continue;
        }
        out.push(c);
        prev = c;
        i += c.len_utf8();
    }
    out
}

/// Words that make a short line the chrome of a web page wherever they stand.
const CHROME_ANYWHERE: &[&str] = &[
    "浏览次数",
    "阅读次数",
    "访问次数",
    "点击次数",
    "点击数：",
    "浏览量",
    "阅读量",
    "字体大小",
    "字体：大",
    "字号：大",
    "【大】",
    "【中】",
    "【小】",
    "分享到",
    "打印本页",
    "关闭窗口",
    "【打印】",
    "【关闭】",
    "【返回顶部】",
    "扫一扫在手机",
    "扫描二维码",
    "在手机上打开",
    "收藏本页",
    "加入收藏",
    // A site's footer (printed with the page to PDF).
    "网站标识码",
    "ICP备",
    // A document-sharing site's notes under a document.
    "配套讲稿",
    "首页显示word图标",
];

/// One character of each word of [`CHROME_ANYWHERE`] (a test checks it): a line with none of
/// them is passed over at once.
const CHROME_ANYWHERE_CHARS: [char; 16] = [
    '次', '量', '字', '号', '【', '分', '打', '关', '扫', '手', '收', '点', '网', 'I', '稿', '图',
];

/// Words that make a short line the chrome of a web page when they start it.
const CHROME_START: &[&str] = &[
    "发布时间",
    "发布日期",
    "发稿时间",
    "信息来源",
    "来源：",
    "文章来源",
    "作者：",
    "责任编辑",
    "编辑：",
    "索引号",
    "主题分类",
    "发布机构",
    "成文日期",
    // A government site's catalogue data (政府信息公开 pages).
    "名称：",
    "名 称：",
    "文号：",
    "文 号：",
    "组配分类",
    "发文日期",
    "生成日期",
    "信息分类",
    "有效性",
    "是否有效",
    "公开方式",
    "发文机关",
    "发文字号",
    "标题：",
    "标 题：",
    "首页",
    "当前位置",
    "您当前的位置",
    "您的位置",
    "字体：",
    "字号：",
    "打印",
    "关闭",
    "分享",
    "正在阅读：",
];

/// Whether a line starts with a word of a web page's chrome ("首页", "发布时间" …), even when
/// the rest of the line keeps it from being dropped as chrome.
pub(crate) fn starts_like_chrome(key: &str) -> bool {
    let k = key.trim_start_matches(['【', '[', '（', ' ', '|']);
    CHROME_START.iter().any(|w| k.starts_with(w))
}

/// A line of a web page's chrome (publishing data, counters, font size, share and print
/// buttons), not part of the plan. Tested on the analysis form.
fn is_web_chrome(key: &str) -> bool {
    let n = key.chars().count();
    if n > 120 {
        return false;
    }
    let k = key.trim_start_matches(['【', '[', '（', ' ', '|']);
    // A short line that starts with a chrome word (a few comparisons).
    let starts = n <= 60
        && CHROME_START.iter().any(|w| k.starts_with(w))
        // "打印" and the like alone or followed by more buttons, not "打印机采购…"
        && (k.contains('：')
            || k.contains('】')
            || k.contains(']')
            || n <= 6
            || k.split_whitespace().count() > 1);
    if starts {
        return true;
    }
    // Every word that marks chrome anywhere in a line has one of these characters: most lines
    // are passed over at once.
    key.contains(CHROME_ANYWHERE_CHARS) && CHROME_ANYWHERE.iter().any(|w| key.contains(w))
}

/// A document copied from a document-sharing site comes in page chunks, each a long line that
/// starts with its number and breaks off mid-sentence: "1、…（一）重点整治对象。具" / "2、有车身
/// 灰尘…". The chunks are joined back and their numbers left out. Only chunks numbered 1, 2, 3 …
/// in turn, of at least 200 characters, each after the first following a chunk that broke off
/// mid-sentence, are taken as such; a list whose items end their sentences is left alone.
fn join_page_chunks(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let number_of = |l: &str| -> Option<(u64, usize)> {
        let t = l.trim_start();
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let rest = &t[digits..];
        rest.starts_with('、')
            .then(|| {
                (
                    t[..digits].parse().ok(),
                    l.len() - rest.len() + '、'.len_utf8(),
                )
            })
            .and_then(|(n, off)| n.map(|n| (n, off)))
    };
    let ends_sentence = |l: &str| {
        l.trim_end()
            .ends_with(['。', '；', '！', '？', '”', '）', ')', '：', ':', '|'])
    };
    let mut chunks: Vec<(usize, usize)> = Vec::new(); // (line index, offset after the mark)
    let mut long = 0;
    let mut next = 1;
    for (i, l) in lines.iter().enumerate() {
        let Some((_, off)) = number_of(l).filter(|&(n, _)| n == next) else {
            continue;
        };
        // The last page's chunk may be short: it goes on the line of a chunk that broke off.
        let is_long = l.trim().chars().count() >= 200;
        let goes_on = chunks
            .last()
            .is_some_and(|c| c.0 + 1 == i && !ends_sentence(lines[c.0]));
        if is_long || (goes_on && long >= 2) {
            chunks.push((i, off));
            long += usize::from(is_long);
            next += 1;
        }
    }
    if chunks.len() < 2 {
        return None;
    }
    // Every chunk after the first follows a chunk line that broke off.
    let broke_off = chunks
        .windows(2)
        .all(|w| w[1].0 == w[0].0 + 1 && !ends_sentence(lines[w[0].0]));
    if !broke_off {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let first = chunks[0].0;
    for (i, l) in lines.iter().enumerate() {
        match chunks.iter().find(|c| c.0 == i) {
            Some(&(_, off)) => {
                if i != first {
                    // The chunk goes on the line before it: no line break.
                    if out.ends_with('\n') {
                        out.pop();
                    }
                }
                out.push_str(&l[off..]);
            }
            None => out.push_str(l),
        }
        out.push('\n');
    }
    Some(out)
}

/// `line` without a leading "第1页共8页" (or "第 1 页 共 8 页").
fn strip_page_marker(line: &str) -> &str {
    let digits = |s: &str| -> usize {
        s.char_indices()
            .find(|&(_, c)| !(c.is_ascii_digit() || c == ' '))
            .map_or(s.len(), |(i, _)| i)
    };
    let Some(rest) = line.strip_prefix('第') else {
        return line;
    };
    let n = digits(rest);
    if n == 0 || !rest[..n].chars().any(|c| c.is_ascii_digit()) {
        return line;
    }
    let Some(rest) = rest[n..].strip_prefix('页') else {
        return line;
    };
    let rest = rest.trim_start();
    let Some(after) = rest.strip_prefix('共') else {
        return line;
    };
    let m = digits(after);
    match after[m..].strip_prefix('页') {
        Some(tail) if m > 0 => tail.trim_start(),
        _ => line,
    }
}

/// The labels of unit fields that are run into a paragraph, in both scripts.
const UNIT_FIELD_LABELS: [&str; 14] = [
    "责任单位：",
    "牵头单位：",
    "配合单位：",
    "主办单位：",
    "协办单位：",
    "责任部门：",
    "牵头部门：",
    "責任單位：",
    "牽頭單位：",
    "配合單位：",
    "主辦單位：",
    "協辦單位：",
    "責任部門：",
    "牽頭部門：",
];

/// Where a unit field starts inside a line, outside brackets (which hold markers of their own)
/// and not at the line's start, with the character before it.
fn unit_field_starts(line: &str) -> impl Iterator<Item = (usize, Option<char>)> + '_ {
    let mut depth = 0i32;
    let mut prev: Option<char> = None;
    line.char_indices().filter_map(move |(i, ch)| {
        let before = prev;
        if !ch.is_whitespace() {
            prev = Some(ch);
        }
        match ch {
            '（' | '［' | '【' | '〔' | '〖' => depth += 1,
            '）' | '］' | '】' | '〕' | '〗' => depth = (depth - 1).max(0),
            '责' | '牵' | '配' | '协' | '責' | '牽' | '協' if depth == 0 && i > 0 => {
                let rest = &line[i..];
                if UNIT_FIELD_LABELS.iter().any(|w| rest.starts_with(w)) {
                    return Some((i, before));
                }
            }
            _ => {}
        }
        None
    })
}

/// Unit fields written after an item's sentence on its line ("1、规范政府举债行为。牵头单位：
/// 省财政厅；责任单位：省发改委") are lines of their own, as a plan prints them on its own lines:
/// the field starts after "。" or "；". A table row (cells split by "|" or tabs) stays whole.
fn split_unit_fields(line: &str) -> Vec<&str> {
    if !line.contains('：') || line.contains(['|', '｜', '\t']) {
        return vec![line];
    }
    // A line that is a unit field itself goes on with the next after a comma too ("主办单位：
    // 县城投公司，协办单位：住建局、凤城镇").
    let k = line.trim_start_matches(['（', ' ']);
    let field = UNIT_FIELD_LABELS.iter().any(|w| k.starts_with(w));
    let cuts = unit_field_starts(line)
        .filter(|&(_, before)| {
            matches!(before, Some('。' | '；')) || (field && before == Some('，'))
        })
        .map(|(i, _)| i);
    cut_at(line, cuts)
}

/// The pieces of `line` between the byte offsets `cuts` (in order), empty ones left out.
fn cut_at(line: &str, cuts: impl IntoIterator<Item = usize>) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for c in cuts.into_iter().chain(std::iter::once(line.len())) {
        if c > start {
            out.push(&line[start..c]);
            start = c;
        }
    }
    out
}

/// The label a text starts with ("项目内容：…", "进展与成效：…"): two to eight ideographs before a
/// colon. Only the characters a label may take are looked at (linear when called at every
/// word of a line).
pub(crate) fn leading_label(s: &str) -> Option<&str> {
    let (end, _) = s.char_indices().take(9).find(|&(_, c)| c == '：')?;
    let label = &s[..end];
    ((2..=8).contains(&label.chars().count()) && label.chars().all(is_ideograph)).then_some(label)
}

/// Labelled fields set off by spaces on one line, a unit field among them ("牵头领导：王某
/// 责任单位：市交通委 项目责任人：李某 实际完成情况：…"), as a copy that turned a record's
/// line breaks into spaces gives them: each field whose label names a column
/// (`table::role_of`) is a line of its own.
fn split_spaced_fields(line: &str) -> Vec<&str> {
    if !line.contains('：') || line.contains(['|', '｜', '\t']) {
        return vec![line];
    }
    let label_at =
        |i: usize| leading_label(&line[i..]).is_some_and(|l| crate::table::role_of(l).is_some());
    let mut cuts: Vec<usize> = Vec::new();
    let mut unit_field = false;
    let mut prev_space = false;
    for (i, c) in line.char_indices() {
        if prev_space && !c.is_whitespace() && label_at(i) {
            cuts.push(i);
            unit_field |= UNIT_FIELD_LABELS.iter().any(|w| line[i..].starts_with(w));
        }
        prev_space = c.is_whitespace();
    }
    // (A line that is a unit field itself: "责任单位：市交通委 项目责任人：李某".)
    unit_field |= UNIT_FIELD_LABELS.iter().any(|w| line.starts_with(w));
    if !unit_field {
        return vec![line];
    }
    cut_at(line, cuts)
}

/// A table's header run into the end of the paragraph before it ("…2018年2月24日 常熟市2018年
/// 政府工作任务分解表 序号 名称 工作任务 牵头责任单位"), as a copy that turned line breaks into
/// spaces gives it: the header is a line of its own. Only words that all name columns, the
/// first 序号, split off.
fn split_trailing_header(line: &str) -> Vec<&str> {
    let Some(at) = line.rfind(" 序号 ") else {
        return vec![line];
    };
    let rest = &line[at + 1..];
    let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    let all_known = words
        .iter()
        .all(|w| crate::table::role_of(w).is_some() && w.chars().count() <= 10);
    if words.len() >= 3
        && words.len() <= 12
        && all_known
        && crate::table::Header::of(&words).is_some()
    {
        vec![line[..at].trim_end(), rest]
    } else {
        vec![line]
    }
}

/// A line that starts with an item and goes on with the items after it, each after the end of
/// the sentence before ("（一）开展规划编制。（二）围绕…品牌，…。（三）深入推进…。"), as a copy
/// that lost its line breaks gives a section's items: split before each. The next ordinals of
/// the line's first mark must follow in turn; for marks of Arabic digits, at least two (a
/// task's own steps "1.…。2.…" on its line may be a list of one's own).
fn split_item_sequence(line: &str) -> Vec<&str> {
    use crate::outline::{MarkerKind, OutlineNumber};
    let Some(first) = OutlineNumber::parse(line) else {
        return vec![line];
    };
    if line.contains(['|', '｜', '\t']) {
        return vec![line];
    }
    let mut cuts = Vec::new();
    let mut next = first.ordinal + 1;
    // Items of the level below, "①…。②…" after the heading's sentence ("一、确保完成脱贫任务。
    // ①10月底前…。②全年…"): (their kind, the next ordinal, where they start).
    let mut sub: Option<(MarkerKind, u64)> = None;
    let mut sub_cuts = Vec::new();
    // (A space may stand after the "。": "1.…。 2.…"; circled sub-items may follow a colon or
    // a semicolon too: "2、民生实事工程：①…；②….")
    for (i, stop) in line.match_indices(['。', '；', '：']) {
        let at = i + stop.len();
        let rest = &line[at..];
        let at = at + (rest.len() - rest.trim_start().len());
        let Some(m) = OutlineNumber::parse(&line[at..]) else {
            continue;
        };
        if stop != "。" && m.kind != MarkerKind::Circled {
            continue;
        }
        if m.kind == first.kind && m.ordinal == next {
            cuts.push(at);
            next += 1;
            sub = None;
        } else if matches!(m.kind, MarkerKind::Circled | MarkerKind::ArabicParen)
            && m.kind != first.kind
            && sub.map_or(m.ordinal == 1, |(k, n)| k == m.kind && n == m.ordinal)
        {
            sub = Some((m.kind, m.ordinal + 1));
            sub_cuts.push((at, m.ordinal));
        }
    }
    // A run of sub-items counts from its second item on (① alone may be a note).
    let runs: Vec<usize> = sub_cuts
        .iter()
        .enumerate()
        .filter(|&(j, &(_, n))| n > 1 || sub_cuts.get(j + 1).is_some_and(|&(_, next)| next == 2))
        .map(|(_, &(at, _))| at)
        .collect();
    let enough = match first.kind {
        MarkerKind::ChineseComma | MarkerKind::ChineseParen => 1,
        _ => 2,
    };
    if cuts.len() < enough {
        cuts.clear();
    }
    cuts.extend(runs);
    cuts.sort_unstable();
    cuts.dedup();
    cut_at(line, cuts)
}

/// A heading run together with its first item ("一、明确目标任务1、学前教育发展目标。"), as
/// a copy that lost a line break gives it: split before the item. Only a short heading line
/// (一、 or （一）, no "。" before the item) and an item numbered 1 that starts with words
/// ("1、2号楼" is a list of numbers) are split.
fn split_heading_from_first_item(line: &str) -> Vec<&str> {
    use crate::outline::{MarkerKind, OutlineNumber};
    let whole = vec![line];
    let Some(head) = OutlineNumber::parse(line) else {
        return whole;
    };
    if !matches!(
        head.kind,
        MarkerKind::ChineseComma | MarkerKind::ChineseParen
    ) {
        return whole;
    }
    let rest = &line[head.len..];
    for mark in ["1、", "1．", "1.", "（1）"] {
        let Some(at) = rest.find(mark) else {
            continue;
        };
        let before = &rest[..at];
        let after = &rest[at + mark.len()..];
        let is_item = before.chars().count() >= 2
            && before.chars().count() <= 40
            && !before.contains(['。', '；', '：'])
            && !before.ends_with(|c: char| c.is_ascii_digit() || c == '第' || c == '、')
            && after
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii_digit() && !c.is_whitespace() && c != '、');
        if is_item {
            let cut = head.len + at;
            return vec![&line[..cut], &line[cut..]];
        }
    }
    whole
}

/// Items run on inside a paragraph that each name their own units are items of their own:
/// "1．深化商事制度改革。（1）全面落实…。（市工商质监局牵头负责）（2）完善…。（市工商质监局牵头
/// 负责）". An inline list without units of its own ("主要包括：（1）…；（2）…。（区委负责）") stays
/// whole. Every item but the last must end with a unit marker.
fn split_inline_items_with_units(line: &str) -> Vec<&str> {
    let whole = vec![line];
    if line.len() < 60 {
        return whole;
    }
    let mut marks: Vec<usize> = Vec::new();
    let mut from = 0;
    for n in 1..=30 {
        let mark = format!("（{n}）");
        match line[from..].find(&mark) {
            Some(at) => {
                marks.push(from + at);
                from += at + mark.len();
            }
            None => break,
        }
    }
    if marks.len() < 2 {
        return whole;
    }
    let ends_with_units = |seg: &str| {
        let seg = seg.trim_end().trim_end_matches(['。', '；', '，']);
        seg.ends_with('）')
            && seg.rfind('（').is_some_and(|open| {
                let inner = &seg[open..];
                ["牵头", "负责", "责任单位", "配合"]
                    .iter()
                    .any(|w| inner.contains(w))
            })
    };
    let all_have_units = marks.windows(2).all(|w| ends_with_units(&line[w[0]..w[1]]));
    if !all_have_units {
        return whole;
    }
    cut_at(line, marks)
}

/// A plan run together on one line, as some web pages give it, split before its outline marks
/// ("一、", "（一）", "1．", "（1）", "①"). A mark counts where a paragraph could start (the line's
/// start, after a space or after 。；：！？”）) or where it continues the numbering of its kind
/// (the next ordinal), and a first item ("（一）") right after a heading. Only a long line with
/// at least three marks, two of them headings (一、 （一） 第一章 …), is split: a task's own
/// inline list ("（1）…；（2）…") and table rows stay whole.
fn split_run_together(line: &str) -> Vec<&str> {
    use crate::outline::{MarkerKind, OutlineNumber};
    if line.len() < 600 || line.contains(['|', '｜', '\t']) || line.chars().count() < 300 {
        return vec![line];
    }
    let mut headings = 0;
    let mut cuts: Vec<usize> = Vec::new();
    // (kind, last ordinal, offset of its mark)
    let mut stack: Vec<(MarkerKind, u64, usize)> = Vec::new();
    // The last ordinal of each kind taken off the stack by a heading above it.
    let mut popped: Vec<(MarkerKind, u64)> = Vec::new();
    let mut last_mark: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut spaced = true;
    // Cuts at a mark of the top level set off by a space ("… 2.新增…"): a list of items run
    // together with no heading above them.
    let mut spaced_items = 0;
    for (i, c) in line.char_indices() {
        let candidate = c == '（'
            || c == '第'
            || c.is_ascii_digit()
            || crate::numeral::circled_value(c).is_some()
            || crate::numeral::digit_value(c).is_some()
            || c == '十';
        if candidate
            // (Not inside a number: "2.5", "第1"; a number set off by a space may end a cell
            // before the mark: "… 24 4.新投放…".)
            && (spaced || !prev.is_some_and(|p| p.is_ascii_digit() || p == '.' || p == '第'))
            && let Some(m) = OutlineNumber::parse(&line[i..])
        {
            // The first heading right after the plan's title ("…实施方案一、…").
            let after_title = m.ordinal == 1
                && matches!(m.kind, MarkerKind::ChineseComma | MarkerKind::Chapter)
                && ["方案", "计划", "意见", "要点", "措施", "清单", "规划"]
                    .iter()
                    .any(|w| line[..i].ends_with(w));
            let boundary = spaced
                || after_title
                || prev.is_none_or(|p| matches!(p, '。' | '；' | '：' | '！' | '？' | '”' | '）'));
            let after_heading =
                last_mark.is_some_and(|p| i - p <= 90 && !line[p..i].contains(['。', '；']));
            // An excerpt leaves items out ("2.…（…）4.…"): after a sentence's or a marker's
            // end, a number a little further on than the next one goes on the list too.
            let closed = prev.is_some_and(|p| matches!(p, '。' | '；' | '）'));
            let follows = |last: u64| {
                m.ordinal == last + 1 || (closed && m.ordinal > last && m.ordinal <= last + 4)
            };
            let accept = match stack.iter().position(|s| s.0 == m.kind) {
                Some(pos) => {
                    let (_, last, at) = stack[pos];
                    let next = m.ordinal == last + 1;
                    let far = i - at > 30;
                    (next && (boundary || (far && m.kind != MarkerKind::ArabicDot)))
                        || (far && follows(last))
                }
                None => {
                    (boundary && (m.ordinal == 1 || stack.is_empty()))
                        || (m.ordinal == 1 && after_heading)
                        // Items numbered on across headings ("4、…（二）…。5、…").
                        || (boundary && popped.iter().any(|&(k, n)| k == m.kind && follows(n)))
                        // … also right after the heading ("（二）…行动5.打造…").
                        || (after_heading
                            && popped.iter().any(|&(k, n)| {
                                k == m.kind && m.ordinal > n && m.ordinal <= n + 4
                            }))
                }
            };
            if accept {
                if let Some(pos) = stack.iter().position(|s| s.0 == m.kind) {
                    for &(k, n, _) in &stack[pos + 1..] {
                        popped.retain(|p| p.0 != k);
                        popped.push((k, n));
                    }
                    stack.truncate(pos);
                }
                popped.retain(|p| p.0 != m.kind);
                stack.push((m.kind, m.ordinal, i));
                if matches!(
                    m.kind,
                    MarkerKind::Chapter
                        | MarkerKind::Section
                        | MarkerKind::Article
                        | MarkerKind::ChineseComma
                        | MarkerKind::ChineseParen
                ) {
                    headings += 1;
                }
                if i > 0 {
                    cuts.push(i);
                    if spaced && stack.len() == 1 {
                        spaced_items += 1;
                    }
                }
                last_mark = Some(i);
            }
        }
        spaced = c.is_whitespace();
        if !spaced {
            prev = Some(c);
        }
    }
    let items_alone = headings == 0 && spaced_items >= 3 && spaced_items == cuts.len();
    if cuts.len() < 2 || (headings < 2 && !items_alone) {
        return vec![line];
    }
    // A heading set off from its paragraph by spaces ("一、工作目标　　以实施…") is a line of its own.
    let mut all = Vec::with_capacity(cuts.len() * 2);
    let mut starts = vec![0];
    starts.extend(cuts);
    for (k, &c) in starts.iter().enumerate() {
        all.push(c);
        let end = starts.get(k + 1).copied().unwrap_or(line.len());
        let piece = &line[c..end];
        if let Some(m) = OutlineNumber::parse(piece)
            && let Some(sp) = piece[m.len..].find(char::is_whitespace)
        {
            let head = &piece[m.len..m.len + sp];
            let n = head.chars().count();
            if (2..=30).contains(&n) && !head.contains(['。', '，', '；', '：']) {
                all.push(c + m.len + sp);
            }
        }
    }
    // A unit field run into its item's paragraph ("…建立台账。责任单位：A、B") is a line of its
    // own, as it was printed.
    all.extend(unit_field_starts(line).map(|(i, _)| i));
    all.sort_unstable();
    all.dedup();
    cut_at(line, all)
}

/// The display form of one line (see the module docs).
pub(crate) fn display_form(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let digits_around = matches!(c, ',' | ':')
            && prev.is_some_and(|p| p.is_ascii_digit())
            && chars.peek().is_some_and(|n| n.is_ascii_digit());
        let n = match c {
            // Full-width digits and Latin letters, and the full-width signs used in numbers.
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '％' | '／' | '＋' | '＝' | '＜' | '＞' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            // "．" stays full-width: after a number it is an outline mark ("1．2024年完成…"),
            // never a decimal point, which plans write half-width. "﹒" is the same mark.
            '﹒' => '．',
            '﹐' => '，',
            '﹙' | '(' => '（',
            '﹚' | ')' => '）',
            // Square brackets hold markers too ("[牵头单位:…;责任单位:…]"); the analysis form
            // reads every bracket as a round one, which needs the full width.
            '[' => '［',
            ']' => '］',
            ',' if digits_around => ',',
            ',' => '，',
            ':' if digits_around => ':',
            ':' => '：',
            ';' => '；',
            '\u{3000}' | '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{200B}' => ' ',
            '\u{FEFF}' => {
                prev = Some(c);
                continue;
            }
            _ => c,
        };
        out.push(n);
        prev = Some(c);
    }
    out
}

/// The analysis form of a display line: same byte length at every character.
fn key_form(display: &str, traditional: bool) -> String {
    let key_char = |c: char| match c {
        '〔' | '【' | '［' | '〖' => '（',
        '〕' | '】' | '］' | '〗' => '）',
        '「' | '『' => '“',
        '」' | '』' => '”',
        _ => c,
    };
    if traditional {
        to_simplified_aligned(display)
            .into_iter()
            .map(key_char)
            .collect()
    } else if display.contains([
        '〔', '【', '［', '〖', '〕', '】', '］', '〗', '「', '『', '」', '』',
    ]) {
        display.chars().map(key_char).collect()
    } else {
        display.to_string()
    }
}

/// Converts traditional characters to simplified one character at a time, keeping each
/// character's UTF-8 length (a conversion that would change it keeps the original).
fn to_simplified_aligned(line: &str) -> Vec<char> {
    let original: Vec<char> = line.chars().collect();
    let converted: Vec<char> = opencc_t2s()
        .map(|cc| cc.convert(line).chars().collect())
        .unwrap_or_default();
    if converted.len() == original.len() {
        original
            .iter()
            .zip(&converted)
            .map(|(&o, &c)| if o.len_utf8() == c.len_utf8() { c } else { o })
            .collect()
    } else {
        original.iter().map(|&o| simplify_char(o)).collect()
    }
}

fn simplify_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    static CACHE: OnceLock<std::sync::Mutex<HashMap<char, char>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(&s) = cache.lock().ok().and_then(|m| m.get(&c).copied()).as_ref() {
        return s;
    }
    let s = opencc_t2s()
        .map(|cc| cc.convert(&c.to_string()))
        .and_then(|s| {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(x), None) if x.len_utf8() == c.len_utf8() => Some(x),
                _ => None,
            }
        })
        .unwrap_or(c);
    if let Ok(mut m) = cache.lock() {
        m.insert(c, s);
    }
    s
}

fn opencc_t2s() -> Option<&'static ferrous_opencc::OpenCC> {
    static CC: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
    CC.get_or_init(|| {
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
    })
    .as_ref()
}

/// Characters that exist only in traditional writing and are frequent in plans.
const TRADITIONAL_ONLY: &str = "於這個們來時為與業東區發實進現產務經縣鎮鄉國農開關設計劃導單負責牽頭確爭達萬億噸畝戶學醫衛體環護質標準項級組織領會議辦應並將總條類點動機構邊際場廣財鐵讓結態資據遠規範態創傳協調屬選級優勢補貼養運輸後續護";

/// Whether the text is written in traditional characters (sampled from its start).
fn looks_traditional(text: &str) -> bool {
    let mut cjk = 0usize;
    let mut trad = 0usize;
    for c in text.chars().take(100_000) {
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            cjk += 1;
            if TRADITIONAL_ONLY.contains(c) {
                trad += 1;
            }
        }
    }
    trad >= 3 && trad * 100 >= cjk
}

/// Page numbers and running page counters left in text copied from a PDF or a print layout.
fn is_page_furniture(line: &str) -> bool {
    let t: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return true;
    }
    // "— 3 —", "- 3 -", "–3–"
    let dashes = |c: char| matches!(c, '-' | '—' | '–' | '－' | '―' | '─');
    if t.starts_with(dashes) && t.ends_with(dashes) {
        let inner = t.trim_matches(dashes);
        if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()) {
            return true;
        }
    }
    // "第 2 页 共 4 页", "第2页", "共4页 第2页", "2/4"
    if let Some(rest) = t.strip_prefix('第')
        && let Some(pos) = rest.find('页')
        && rest[..pos].chars().all(|c| c.is_ascii_digit())
        && pos > 0
    {
        let after = &rest[pos + '页'.len_utf8()..];
        if after.is_empty()
            || (after.starts_with('共')
                && after.ends_with('页')
                && after
                    .trim_start_matches('共')
                    .trim_end_matches('页')
                    .chars()
                    .all(|c| c.is_ascii_digit()))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chrome_word_has_a_character_of_the_quick_check() {
        for w in CHROME_ANYWHERE {
            assert!(w.contains(CHROME_ANYWHERE_CHARS), "{w}");
        }
    }

    #[test]
    fn a_unit_field_run_into_a_paragraph_is_a_line_of_its_own() {
        let item =
            "积极联合属地街道、公安交通管理等部门，对道路外的废弃车辆开展全面排查，建立底数台账";
        let line = format!(
            "三、工作安排（一）全面排查阶段。{item}。责任单位：青湾区城管执法大队、青湾区环卫中心\
             （二）分类处置阶段。{item}。责任单位：青湾区城管执法大队（三）总结阶段。{item}，\
             形成总结报告（责任单位：青湾区城管局）。{item}。{item}。"
        );
        let pieces = split_run_together(&line);
        assert!(
            pieces.contains(&"责任单位：青湾区城管执法大队、青湾区环卫中心"),
            "{pieces:#?}"
        );
        assert!(
            pieces.contains(&"责任单位：青湾区城管执法大队"),
            "{pieces:#?}"
        );
        // In brackets it is a marker of its item and stays.
        assert!(
            pieces
                .iter()
                .any(|p| p.contains("（责任单位：青湾区城管局）"))
        );
    }

    #[test]
    fn unit_fields_after_an_items_sentence_are_lines_of_their_own() {
        assert_eq!(
            split_unit_fields(
                "1、规范政府举债行为，严格控制增量。牵头单位：省财政厅；责任单位：省发改委、各市州政府。"
            ),
            [
                "1、规范政府举债行为，严格控制增量。",
                "牵头单位：省财政厅；",
                "责任单位：省发改委、各市州政府。"
            ]
        );
        assert_eq!(
            split_unit_fields("1、開展專項整治。牽頭單位：省政府金融辦；責任單位：省公安廳"),
            [
                "1、開展專項整治。",
                "牽頭單位：省政府金融辦；",
                "責任單位：省公安廳"
            ]
        );
        for whole in [
            // In brackets, after a comma, or a table row: not a field of its own line.
            "1、规范举债行为（牵头单位：省财政厅；责任单位：省发改委）。",
            "1、规范举债行为。【牵头单位：省财政厅；配合单位：省发改委】",
            "1、由责任单位：省财政厅负责",
            "1|规范举债行为。|牵头单位：省财政厅",
            "牵头单位：省财政厅",
        ] {
            assert_eq!(split_unit_fields(whole), [whole], "{whole}");
        }
    }

    #[test]
    fn a_heading_run_together_with_its_first_item_is_split() {
        assert_eq!(
            split_heading_from_first_item(
                "一、明确目标任务，促进学前教育发展1、学前三年教育发展目标。"
            ),
            [
                "一、明确目标任务，促进学前教育发展",
                "1、学前三年教育发展目标。"
            ]
        );
        assert_eq!(
            split_heading_from_first_item("（二）主要目标（1）粮食产量稳定。"),
            ["（二）主要目标", "（1）粮食产量稳定。"]
        );
        for whole in [
            "一、完成1、2号楼主体建设",
            "一、新建高标准农田1.5万亩",
            "一、工作目标。到2025年，1.完成改造",
            "1.推进1、加强",
        ] {
            assert_eq!(split_heading_from_first_item(whole), [whole]);
        }
    }

    #[test]
    fn inline_items_with_their_own_units_are_split() {
        let line = "1．深化商事制度改革。（1）全面落实“多证合一”改革，实行一照一码。（市工商质监局牵头负责）（2）完善企业登记全程电子化，推行网上申请。（市工商质监局牵头负责）";
        let pieces = split_inline_items_with_units(line);
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        assert_eq!(pieces[0], "1．深化商事制度改革。");
        assert!(pieces[2].starts_with("（2）完善"));
        // One marker for the whole list: the list stays whole.
        let item = "加强基层治理能力建设，完善网格化管理服务机制";
        let list = format!(
            "1．提升治理水平。主要包括：（1）{item}；（2）{item}；（3）{item}。（区委政法委负责）"
        );
        assert_eq!(split_inline_items_with_units(&list), [list.as_str()]);
    }

    #[test]
    fn a_page_marker_run_into_the_text_is_left_out() {
        assert_eq!(
            strip_page_marker("第1页共8页深化医药卫生体制改革实施方案"),
            "深化医药卫生体制改革实施方案"
        );
        assert_eq!(
            strip_page_marker("第 2 页 共 8 页 一、总体要求"),
            "一、总体要求"
        );
        assert_eq!(strip_page_marker("第一页"), "第一页");
        assert_eq!(strip_page_marker("第3批项目"), "第3批项目");
    }

    #[test]
    fn page_chunks_of_a_document_site_are_joined() {
        let body = "加强组织协调，完善工作机制，推动各项任务落实落细，确保取得实效".repeat(6);
        let text = format!(
            "某某工作方案.docx\n1、某某工作方案为推进专项整治，特制定本方案。一、工作目标{body}。二、重点任务（一）重点整治对象。具\n2、有明显弃用特征的废弃汽车。{body}。（二）重点整治区域。{body}。\n"
        );
        let joined = join_page_chunks(&text).expect("joined");
        assert!(
            joined.contains("重点整治对象。具有明显弃用特征"),
            "{joined}"
        );
        assert!(!joined.contains("\n2、"));
        // A list whose items end their sentences is a list.
        let list = format!("1、{body}。\n2、{body}。\n3、{body}。\n");
        assert_eq!(join_page_chunks(&list), None);
        // The last page's chunk may be short; it goes on the chunk that broke off before it.
        let text = format!(
            "1、某某工作要点{body}{body}，完成\n2、低改品改3000亩。{body}{body}。新\n3、建设幸福美丽新村。6.加大绿化投入。\n"
        );
        let joined = join_page_chunks(&text).expect("joined");
        assert!(
            joined.contains("。新建设幸福美丽新村。6.加大绿化投入。"),
            "{joined}"
        );
        // A short numbered line after long chunks that ended their sentences stays as it is.
        let text = format!(
            "1、某某工作要点{body}{body}，完成\n2、低改品改3000亩。{body}{body}。\n3、附件清单\n"
        );
        let joined = join_page_chunks(&text).expect("joined");
        assert!(joined.contains("\n3、附件清单"), "{joined}");
    }

    #[test]
    fn display_form_normalises_width_and_brackets() {
        assert_eq!(display_form("１２个(A牵头,B参与)"), "12个（A牵头，B参与）");
        assert_eq!(display_form("3,300个；1﹒任务"), "3,300个；1．任务");
        assert_eq!(display_form("0.08mg/L"), "0.08mg/L");
        assert_eq!(display_form("９１％"), "91%");
    }

    #[test]
    fn key_form_keeps_byte_offsets() {
        for s in ["〔責任單位：區發改局〕不少於3個", "一、工作目標", "abc（）"]
        {
            let d = display_form(s);
            let k = key_form(&d, true);
            assert_eq!(d.len(), k.len(), "{s}");
        }
        let k = key_form(&display_form("〔責任單位：區發改局〕"), true);
        assert_eq!(k, "（责任单位：区发改局）");
    }

    #[test]
    fn page_furniture_is_dropped() {
        for s in ["— 3 —", "- 12 -", "第 2 页 共 4 页", "第3页"] {
            assert!(is_page_furniture(s), "{s}");
        }
        for s in ["3", "第三条 总则", "2024年", "第2页面设计"] {
            assert!(!is_page_furniture(s), "{s}");
        }
    }

    #[test]
    fn traditional_texts_are_recognised() {
        assert!(looks_traditional(
            "確保糧食產量保持在12萬噸以上（區農業農村局牽頭）"
        ));
        assert!(!looks_traditional(
            "确保粮食产量保持在12万吨以上（区农业农村局牵头）"
        ));
    }
}
