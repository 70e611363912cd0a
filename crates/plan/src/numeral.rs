//! Chinese numerals (一、十一、二十、一百零五、两万), Roman class numerals (III, Ⅳ) and circled
//! numbers (①), read and written.

/// The value of a single Chinese digit character.
pub fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' | '○' => 0,
        '一' | '壹' | '幺' => 1,
        '二' | '两' | '兩' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn unit_value(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

fn big_unit_value(c: char) -> Option<u64> {
    Some(match c {
        '万' | '萬' => 10_000,
        '亿' | '億' => 100_000_000,
        _ => return None,
    })
}

/// Whether `c` can be part of a Chinese numeral.
pub fn is_numeral_char(c: char) -> bool {
    digit_value(c).is_some() || unit_value(c).is_some() || big_unit_value(c).is_some()
}

/// Reads a whole Chinese integer: "十一" → 11, "二十" → 20, "一百零五" → 105, "两万" → 20000,
/// "一万二千" → 12000, "二〇二四" → 2024 (digit by digit). `None` when the text is not one.
pub fn parse_chinese(s: &str) -> Option<u64> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() || !chars.iter().all(|&c| is_numeral_char(c)) {
        return None;
    }
    // Digit-by-digit form (二〇二四): only digits, more than one of them.
    // "三四" (three or four) is prose; a digit string needs three digits or a zero.
    if chars.len() > 1 && chars.iter().all(|&c| digit_value(c).is_some()) {
        if chars.len() < 3 && !chars.iter().any(|&c| digit_value(c) == Some(0)) {
            return None;
        }
        let mut v: u64 = 0;
        for &c in &chars {
            v = v.checked_mul(10)?.checked_add(digit_value(c)?)?;
        }
        return Some(v);
    }
    let mut total: u64 = 0; // completed 亿/万 groups
    let mut section: u64 = 0; // the current group below 万
    let mut digit: Option<u64> = None;
    let mut last_unit = u64::MAX;
    for &c in &chars {
        if let Some(d) = digit_value(c) {
            if digit.is_some_and(|x| x != 0) && d != 0 {
                return None; // two digits in a row ("三四") is not a number
            }
            digit = Some(d);
        } else if let Some(u) = unit_value(c) {
            if u >= last_unit && section != 0 {
                return None; // "十百" or "三百五百"
            }
            let d = digit.take().unwrap_or(1);
            if d == 0 {
                return None;
            }
            section = section.checked_add(d.checked_mul(u)?)?;
            last_unit = u;
        } else if let Some(b) = big_unit_value(c) {
            section = section.checked_add(digit.take().unwrap_or(0))?;
            if section == 0 && total == 0 {
                section = 1; // "万" alone is not a number, but "万" after nothing reads 1万
            }
            if b == 100_000_000 {
                total = total.checked_add(section)?.checked_mul(b)?;
            } else {
                // 万 binds to the group since the last 亿.
                let below_yi = total % 100_000_000;
                let yi = total - below_yi;
                total = yi.checked_add(below_yi.checked_add(section)?.checked_mul(b)?)?;
            }
            section = 0;
            last_unit = u64::MAX;
        }
    }
    if let Some(d) = digit {
        section = section.checked_add(d)?;
    }
    total.checked_add(section)
}

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Writes an integer in Chinese numerals the way documents do: 11 → 十一, 105 → 一百零五,
/// 20000 → 二万, 120000 → 十二万.
pub fn to_chinese(n: u64) -> String {
    if n == 0 {
        return "零".to_string();
    }
    let mut groups = Vec::new(); // groups of four digits, lowest first
    let mut m = n;
    while m > 0 {
        groups.push(m % 10_000);
        m /= 10_000;
    }
    let big = ["", "万", "亿", "万亿", "亿亿"];
    let mut out = String::new();
    let mut need_zero = false;
    for (gi, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            need_zero = !out.is_empty();
            continue;
        }
        if need_zero || (!out.is_empty() && g < 1000) {
            out.push('零');
        }
        need_zero = false;
        out.push_str(&group_to_chinese(g, out.is_empty()));
        out.push_str(big[gi.min(big.len() - 1)]);
    }
    out
}

fn group_to_chinese(g: u64, leading: bool) -> String {
    let units = ['千', '百', '十'];
    let ds = [g / 1000, (g / 100) % 10, (g / 10) % 10, g % 10];
    let mut out = String::new();
    let mut zero = false;
    for (i, &d) in ds.iter().enumerate() {
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        // 10–19 at the head of a number is written 十, 十一 (not 一十一).
        if !(i == 2 && d == 1 && out.is_empty() && leading) {
            out.push(DIGITS[d as usize]);
        }
        if i < 3 {
            out.push(units[i]);
        }
    }
    out
}

/// Reads a Roman numeral of a quality class: I…VI in ASCII or the Unicode forms (Ⅰ…Ⅻ).
pub fn parse_roman(s: &str) -> Option<u64> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.clone().next(), chars.clone().nth(1))
        && let Some(v) = match c {
            'Ⅰ'..='Ⅻ' => Some(c as u64 - 'Ⅰ' as u64 + 1),
            'ⅰ'..='ⅻ' => Some(c as u64 - 'ⅰ' as u64 + 1),
            _ => None,
        }
    {
        return Some(v);
    }
    let s: String = chars.by_ref().map(|c| c.to_ascii_uppercase()).collect();
    Some(match s.as_str() {
        "I" => 1,
        "II" => 2,
        "III" => 3,
        "IV" => 4,
        "V" => 5,
        "VI" => 6,
        _ => return None,
    })
}

/// The value of a circled or parenthesised number character (①, ⑴, ⒈).
pub fn circled_value(c: char) -> Option<u64> {
    let v = c as u32;
    Some(match v {
        0x2460..=0x2473 => v - 0x2460 + 1,  // ①–⑳
        0x2474..=0x2487 => v - 0x2474 + 1,  // ⑴–⒇
        0x2488..=0x249B => v - 0x2488 + 1,  // ⒈–⒛
        0x3251..=0x325F => v - 0x3251 + 21, // ㉑–㉟
        0x32B1..=0x32BF => v - 0x32B1 + 36, // ㊱–㊿
        0x2776..=0x277F => v - 0x2776 + 1,  // ❶–❿
        _ => return None,
    } as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chinese_integers() {
        let cases = [
            ("一", 1),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("二十三", 23),
            ("一百", 100),
            ("一百零五", 105),
            ("一千零一十", 1010),
            ("两万", 20000),
            ("一万二千", 12000),
            ("十二万", 120_000),
            ("三亿五千万", 350_000_000),
            ("二〇二四", 2024),
            ("两", 2),
            ("万", 10000),
        ];
        for (s, v) in cases {
            assert_eq!(parse_chinese(s), Some(v), "{s}");
        }
        for s in ["", "三四", "十百", "山", "一二x"] {
            assert_eq!(parse_chinese(s), None, "{s}");
        }
    }

    #[test]
    fn writes_chinese_integers() {
        let cases = [
            (0, "零"),
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (1010, "一千零一十"),
            (10_005, "一万零五"),
            (120_000, "十二万"),
            (100_000_000, "一亿"),
        ];
        for (v, s) in cases {
            assert_eq!(to_chinese(v), s, "{v}");
        }
    }

    #[test]
    fn reads_roman_and_circled() {
        assert_eq!(parse_roman("III"), Some(3));
        assert_eq!(parse_roman("Ⅳ"), Some(4));
        assert_eq!(parse_roman("iv"), Some(4));
        assert_eq!(parse_roman("X"), None);
        assert_eq!(circled_value('①'), Some(1));
        assert_eq!(circled_value('⑳'), Some(20));
        assert_eq!(circled_value('⑴'), Some(1));
        assert_eq!(circled_value('a'), None);
    }
}
