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

/// Splits and normalises the text; drops page furniture ("— 3 —", "第 2 页 共 4 页").
pub(crate) fn lines(text: &str) -> Vec<Line> {
    let traditional = looks_traditional(text);
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let display = display_form(raw);
        let trimmed = display.trim_matches(|c: char| c.is_whitespace());
        if trimmed.is_empty() || is_page_furniture(trimmed) {
            continue;
        }
        let text = trimmed.to_string();
        let key = key_form(&text, traditional);
        debug_assert_eq!(text.len(), key.len());
        out.push(Line {
            no: i + 1,
            text,
            key,
        });
    }
    out
}

fn is_digit_at(chars: &[char], i: Option<usize>) -> bool {
    i.and_then(|i| chars.get(i))
        .is_some_and(|c| c.is_ascii_digit())
}

/// The display form of one line (see the module docs).
pub(crate) fn display_form(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1);
        let next = Some(i + 1);
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
            ',' if is_digit_at(&chars, prev) && is_digit_at(&chars, next) => ',',
            ',' => '，',
            ':' if is_digit_at(&chars, prev) && is_digit_at(&chars, next) => ':',
            ':' => '：',
            ';' => '；',
            '\u{3000}' | '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{200B}' => ' ',
            '\u{FEFF}' => continue,
            _ => c,
        };
        out.push(n);
    }
    out
}

/// The analysis form of a display line: same byte length at every character.
fn key_form(display: &str, traditional: bool) -> String {
    let mut out = String::with_capacity(display.len());
    let simplified = if traditional {
        Some(to_simplified_aligned(display))
    } else {
        None
    };
    let chars: Vec<char> = match &simplified {
        Some(s) => s.clone(),
        None => display.chars().collect(),
    };
    for c in chars {
        let n = match c {
            '〔' | '【' | '［' | '〖' => '（',
            '〕' | '】' | '］' | '〗' => '）',
            '「' | '『' => '“',
            '」' | '』' => '”',
            _ => c,
        };
        out.push(n);
    }
    out
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
