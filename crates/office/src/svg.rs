//! Charts as inline SVG for the desk's pages and the bulletins.
//!
//! Every function returns one complete `<svg>` element (with `xmlns`, `width`, `height`,
//! `viewBox`, `role="img"`, an `aria-label` and a `<title>`): no JavaScript, no external
//! resources, printable, and convertible to an image for DOCX. All text is XML-escaped with
//! [`escape`]; coordinates carry at most two decimals.
//!
//! Colours come from the desk's status palette ([`GREEN`], [`YELLOW`], [`RED`], [`GREY`]) plus
//! [`BLUE`] for series; [`colour_hex`] maps a ledger [`Colour`] to it. Text is measured by an
//! estimate (CJK characters one em, Latin about half), so long labels are cut with "…" to fit
//! their column and kept whole in the `<title>` tooltips.
//!
//! Elements carry a `class` (`bar`, `seg`, `point`, `series`, `target`, `guide`, `ytick`, …) so
//! pages can style them and tests can count them.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use zhuanban_ledger::Colour;

/// Done, on schedule, met (绿).
pub const GREEN: &str = "#2e7d32";
/// Lagging, not met, at risk (黄).
pub const YELLOW: &str = "#f9a825";
/// Seriously lagging, overdue, missed (红).
pub const RED: &str = "#c62828";
/// No data, not reported, not started (灰).
pub const GREY: &str = "#9e9e9e";
/// Neutral colour of data series.
pub const BLUE: &str = "#1565c0";

/// The font stack of every chart: CJK fonts first, as found on Linux, Windows and macOS.
pub const FONT_FAMILY: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif";

/// What an empty chart says.
pub const NO_DATA: &str = "暂无数据";

/// Default width of [`status_bars`].
pub const BARS_WIDTH: u32 = 480;
/// Minimum width of [`colour_donut`]; it grows to fit long legend labels.
pub const DONUT_WIDTH: u32 = 360;
/// Height of [`colour_donut`].
pub const DONUT_HEIGHT: u32 = 200;
/// Suggested width of [`series_line`].
pub const SERIES_WIDTH: u32 = 480;
/// Suggested height of [`series_line`].
pub const SERIES_HEIGHT: u32 = 240;
/// Suggested width of [`progress_bar`].
pub const PROGRESS_WIDTH: u32 = 240;

const TEXT: &str = "#212121";
const MUTED: &str = "#616161";
const AXIS: &str = "#9e9e9e";
const GRID: &str = "#eeeeee";
const TRACK: &str = "#e0e0e0";
const PAD: f64 = 8.0;

/// The hex colour of a ledger status colour.
pub const fn colour_hex(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => GREEN,
        Colour::Yellow => YELLOW,
        Colour::Red => RED,
        Colour::Grey => GREY,
    }
}

/// Escapes text for XML content and attribute values: `& < > " '` become entities; tab, line
/// feed and carriage return become spaces (labels are one line); other control characters
/// and U+FFFE/U+FFFF, which XML 1.0 forbids even as references, are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formats a number for people: integers with thousands separators ("1,200"), otherwise
/// rounded to at most three decimals with trailing zeros trimmed ("0.08", "1,234.5").
/// Negative numbers get "-" unless they round to zero; magnitudes from 10¹⁵ on are written
/// "1.235e15"; NaN and infinities give "—".
pub fn fmt_number(v: f64) -> String {
    fmt_decimals(v, 3)
}

/// [`fmt_number`] with at most `decimals` decimals.
fn fmt_decimals(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    if v.abs() >= 1e15 {
        // Beyond what f64 holds to the unit: scientific, as "1.235e15".
        let sci = format!("{:.3e}", v);
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    }
    let fixed = format!("{:.*}", decimals, v.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::with_capacity(fixed.len() + fixed.len() / 3 + 1);
    if v < 0.0 && (int.bytes().any(|b| b != b'0') || !frac.is_empty()) {
        out.push('-');
    }
    push_grouped(&mut out, int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A count with thousands separators.
fn fmt_count(v: u64) -> String {
    let mut out = String::new();
    push_grouped(&mut out, &v.to_string());
    out
}

fn push_grouped(out: &mut String, digits: &str) {
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
}

/// A percentage of a share (0.853 → "85.3%"), one decimal at most.
fn fmt_percent(share: f64) -> String {
    if share.is_finite() {
        format!("{}%", fmt_decimals(share * 100.0, 1))
    } else {
        "—".to_owned()
    }
}

/// A coordinate: at most two decimals, no separators, no "-0".
fn n(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The estimated advance of a character, in em.
fn char_em(c: char) -> f64 {
    match c {
        '\u{1100}'..='\u{115F}'
        | '\u{2010}'..='\u{206F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFF}' => 1.0,
        ' ' | ',' | '.' | ':' | ';' | '\'' | '|' | '!' | 'i' | 'j' | 'l' | '(' | ')' => 0.32,
        'A'..='Z' | 'm' | 'w' | '%' | '@' | '#' | '&' => 0.72,
        _ => 0.57,
    }
}

/// The estimated width of a text at a font size, in pixels.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

/// The text cut with "…" to fit `max` pixels at a font size (unescaped).
fn fit(text: &str, max: f64, size: f64) -> String {
    if text_width(text, size) <= max {
        return text.to_owned();
    }
    let budget = max - char_em('…') * size;
    let mut width = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        width += char_em(c) * size;
        if width > budget {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Labels are shown on one line: whitespace runs collapse, ends are trimmed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The outer `<svg>` element around a body; `label` (unescaped) is the title and aria-label.
fn document(width: f64, height: f64, label: &str, body: &str) -> String {
    let (w, h, l) = (n(width), n(height), escape(label));
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{l}" font-family="{FONT_FAMILY}" font-size="12" fill="{TEXT}"><title>{l}</title>{body}</svg>"#
    )
}

/// A `<text>` element; `extra` holds further attributes, `text` is escaped here.
fn text_el(out: &mut String, class: &str, x: f64, y: f64, extra: &str, text: &str) {
    let _ = write!(
        out,
        r#"<text class="{class}" x="{}" y="{}"{extra}>{}</text>"#,
        n(x),
        n(y),
        escape(text)
    );
}

/// A white outline behind text that may cross lines.
const HALO: &str =
    r##" paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round""##;

/// A framed chart that only says [`NO_DATA`].
fn no_data_chart(width: f64, height: f64, label: &str) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<rect class="frame" x="0.5" y="0.5" width="{}" height="{}" fill="none" stroke="{TRACK}"/>"#,
        n(width - 1.0),
        n(height - 1.0)
    );
    let extra = format!(r#" text-anchor="middle" fill="{MUTED}" font-size="14""#);
    text_el(
        &mut body,
        "nodata",
        width / 2.0,
        height / 2.0 + 5.0,
        &extra,
        NO_DATA,
    );
    document(width, height, label, &body)
}

// ---------------------------------------------------------------------------------------------
// Status bars
// ---------------------------------------------------------------------------------------------

/// One row of [`status_bars`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    /// A CSS colour, usually one of the palette constants.
    pub colour: &'static str,
}

const BAR_FONT: f64 = 13.0;
const BAR_ROW: f64 = 28.0;
const BAR_HEIGHT: f64 = 18.0;

/// A horizontal bar chart at [`BARS_WIDTH`]: see [`status_bars_sized`].
pub fn status_bars(items: &[Bar]) -> String {
    status_bars_sized(items, BARS_WIDTH)
}

/// A horizontal bar chart, one row per item in the given order: the label right-aligned on
/// the left (cut with "…" beyond 40% of the width), a bar scaled to the largest value, and the
/// count after the bar. Every item gets a `rect.bar`: zero-width for a zero value (the label
/// and "0" still show), at least 2 px for any other. No items: a chart saying "暂无数据".
/// `width` below 160 is taken as 160; the height follows from the number of rows.
pub fn status_bars_sized(items: &[Bar], width: u32) -> String {
    let width = f64::from(width.max(160));
    if items.is_empty() {
        return no_data_chart(width, 64.0, &format!("条形图：{NO_DATA}"));
    }
    let labels: Vec<String> = items.iter().map(|b| one_line(&b.label)).collect();
    let counts: Vec<String> = items.iter().map(|b| fmt_count(b.value)).collect();
    let summary = labels
        .iter()
        .zip(&counts)
        .map(|(l, c)| format!("{l} {c}"))
        .collect::<Vec<_>>()
        .join("，");

    let widest_label = labels
        .iter()
        .map(|l| text_width(l, BAR_FONT))
        .fold(0.0, f64::max);
    let label_w = widest_label.clamp(BAR_FONT * 2.0, width * 0.4);
    let count_w = counts
        .iter()
        .map(|c| text_width(c, BAR_FONT))
        .fold(0.0, f64::max);
    let bar_x = PAD + label_w + 8.0;
    let bar_max = (width - PAD - count_w - 6.0 - bar_x).max(20.0);
    let max = items.iter().map(|b| b.value).max().unwrap_or(0);
    let height = PAD * 2.0 + BAR_ROW * items.len() as f64;

    let mut body = String::new();
    for (i, ((item, label), count)) in items.iter().zip(&labels).zip(&counts).enumerate() {
        let top = PAD + BAR_ROW * i as f64;
        let baseline = top + BAR_ROW / 2.0 + BAR_FONT * 0.35;
        let len = if item.value == 0 || max == 0 {
            0.0
        } else {
            (item.value as f64 / max as f64 * bar_max).max(2.0)
        };
        let _ = write!(
            body,
            r#"<g class="row"><title>{}：{count}</title>"#,
            escape(label)
        );
        text_el(
            &mut body,
            "label",
            bar_x - 8.0,
            baseline,
            r#" text-anchor="end" font-size="13""#,
            &fit(label, label_w, BAR_FONT),
        );
        let _ = write!(
            body,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"/>"#,
            n(bar_x),
            n(top + (BAR_ROW - BAR_HEIGHT) / 2.0),
            n(len),
            n(BAR_HEIGHT),
            escape(item.colour)
        );
        text_el(
            &mut body,
            "count",
            bar_x + len + 6.0,
            baseline,
            r#" font-size="13""#,
            count,
        );
        body.push_str("</g>");
    }
    document(width, height, &format!("条形图：{summary}"), &body)
}

// ---------------------------------------------------------------------------------------------
// Colour donut
// ---------------------------------------------------------------------------------------------

const DONUT_CX: f64 = 100.0;
const DONUT_R: f64 = 70.0;
const DONUT_RING: f64 = 28.0;
const LEGEND_FONT: f64 = 13.0;
const LEGEND_ROW: f64 = 26.0;

/// A donut of the four status colours, clockwise from the top in the order green, yellow,
/// red, grey, with the total and the `caption` (a short word such as "项任务", cut to fit) in
/// the middle and a legend on the right listing all four `labels` (in the same order) with
/// their counts, zeros included. Each non-zero colour is one `path.seg` (arcs longer than half
/// the circle are split in two, so no arc is degenerate); a single colour is one
/// `circle.seg`, since one arc cannot close a circle; a zero total is one grey
/// `circle.empty` with "0" in the middle. Segment tooltips give count and share.
/// [`DONUT_HEIGHT`] high and at least [`DONUT_WIDTH`] wide, wider for long labels (each cut
/// at 160 px).
pub fn colour_donut(
    green: u64,
    yellow: u64,
    red: u64,
    grey: u64,
    labels: [&str; 4],
    caption: &str,
) -> String {
    let counts = [green, yellow, red, grey];
    let colours = [GREEN, YELLOW, RED, GREY];
    let labels = labels.map(one_line);
    let caption = one_line(caption);
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    let total_text = {
        let mut s = String::new();
        push_grouped(&mut s, &total.to_string());
        s
    };
    // The shares as printed: GB/T 8170, adding up to 100.0% (see `crate::figures`).
    let share_texts = crate::figures::shares(&counts.map(|c| c as usize));

    let count_texts = counts.map(fmt_count);
    let label_w = labels
        .iter()
        .map(|l| text_width(l, LEGEND_FONT))
        .fold(0.0, f64::max)
        .min(160.0);
    let count_w = count_texts
        .iter()
        .map(|c| text_width(c, LEGEND_FONT))
        .fold(0.0, f64::max);
    let legend_x = DONUT_CX + DONUT_R + DONUT_RING / 2.0 + 24.0;
    let label_x = legend_x + 20.0;
    let width = (label_x + label_w + 12.0 + count_w + PAD).max(f64::from(DONUT_WIDTH));
    let height = f64::from(DONUT_HEIGHT);
    let cy = height / 2.0;

    let mut body = String::new();
    let ring = format!(r#" fill="none" stroke-width="{}""#, n(DONUT_RING));
    let nonzero = counts.iter().filter(|&&c| c > 0).count();
    if nonzero <= 1 {
        let (class, colour, tip) = match counts.iter().position(|&c| c > 0) {
            Some(i) => (
                "seg",
                colours[i],
                format!("{}：{}（100.0%）", labels[i], count_texts[i]),
            ),
            None => ("empty", TRACK, NO_DATA.to_owned()),
        };
        let _ = write!(
            body,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}" stroke="{colour}"{ring}><title>{}</title></circle>"#,
            n(DONUT_CX),
            n(cy),
            n(DONUT_R),
            escape(&tip)
        );
    } else {
        let mut before: u128 = 0;
        for i in 0..4 {
            if counts[i] == 0 {
                continue;
            }
            let turn = std::f64::consts::TAU;
            let a0 = -turn / 4.0 + turn * (before as f64 / total as f64);
            before += u128::from(counts[i]);
            let a1 = -turn / 4.0 + turn * (before as f64 / total as f64);
            let tip = format!(
                "{}：{}（{}）",
                labels[i],
                count_texts[i],
                share_texts[i].clone()
            );
            let _ = write!(
                body,
                r#"<path class="seg" d="{}" stroke="{}"{ring}><title>{}</title></path>"#,
                arc_path(DONUT_CX, cy, DONUT_R, a0, a1),
                colours[i],
                escape(&tip)
            );
        }
    }

    // The total and caption inside the ring.
    let inner = (DONUT_R - DONUT_RING / 2.0) * 2.0 * 0.85;
    let total_size = (inner / text_width(&total_text, 1.0)).min(26.0);
    let total_y = if caption.is_empty() {
        cy + total_size * 0.35
    } else {
        cy + total_size * 0.2
    };
    text_el(
        &mut body,
        "total",
        DONUT_CX,
        total_y,
        &format!(
            r#" text-anchor="middle" font-size="{}" font-weight="bold""#,
            n(total_size)
        ),
        &total_text,
    );
    if !caption.is_empty() {
        text_el(
            &mut body,
            "caption",
            DONUT_CX,
            total_y + 18.0,
            &format!(r#" text-anchor="middle" fill="{MUTED}""#),
            &fit(&caption, inner, 12.0),
        );
    }

    // The legend, vertically centred.
    let legend_top = cy - LEGEND_ROW * 2.0;
    for i in 0..4 {
        let mid = legend_top + LEGEND_ROW * (i as f64 + 0.5);
        let baseline = mid + LEGEND_FONT * 0.35;
        let _ = write!(
            body,
            r#"<g class="legend"><title>{}：{}（{}）</title><rect class="swatch" x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/>"#,
            escape(&labels[i]),
            count_texts[i],
            share_texts[i].clone(),
            n(legend_x),
            n(mid - 6.0),
            colours[i]
        );
        text_el(
            &mut body,
            "legend-label",
            label_x,
            baseline,
            r#" font-size="13""#,
            &fit(&labels[i], label_w, LEGEND_FONT),
        );
        text_el(
            &mut body,
            "legend-count",
            width - PAD,
            baseline,
            r#" text-anchor="end" font-size="13" font-weight="bold""#,
            &count_texts[i],
        );
        body.push_str("</g>");
    }

    let parts = labels
        .iter()
        .zip(&count_texts)
        .map(|(l, c)| format!("{l} {c}"))
        .collect::<Vec<_>>()
        .join("，");
    let label = if caption.is_empty() {
        format!("共 {total_text}：{parts}")
    } else {
        format!("{caption}：共 {total_text}，{parts}")
    };
    document(width, height, &label, &body)
}

/// A clockwise arc path from angle `a0` to `a1` (radians, y down), split at the middle when
/// longer than half a turn so that every arc command is at most a half turn.
fn arc_path(cx: f64, cy: f64, r: f64, a0: f64, a1: f64) -> String {
    let point = |a: f64| format!("{} {}", n(cx + r * a.cos()), n(cy + r * a.sin()));
    let arc = |a: f64| format!(" A {} {} 0 0 1 {}", n(r), n(r), point(a));
    let mut d = format!("M {}", point(a0));
    if a1 - a0 > std::f64::consts::PI {
        d.push_str(&arc((a0 + a1) / 2.0));
    }
    d.push_str(&arc(a1));
    d
}

// ---------------------------------------------------------------------------------------------
// Series line
// ---------------------------------------------------------------------------------------------

const AXIS_FONT: f64 = 11.0;

/// The largest magnitude [`series_line`] draws; beyond it a value is skipped like NaN.
const DRAWABLE: f64 = 1e100;

fn drawable(v: f64) -> bool {
    v.is_finite() && v.abs() <= DRAWABLE
}

/// Round tick values covering `lo..=hi`: 3 to 5 multiples of a step of 1, 2, 2.5 or 5 × 10ⁿ.
/// Returns (ticks, step).
fn nice_ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let range = hi - lo;
    let mut exp = (range / 5.0).log10().floor();
    // Each pass multiplies the step by ten; the values are bounded (see `DRAWABLE`), so a few
    // dozen passes always suffice, and the bound keeps a bad input from looping.
    for _ in 0..64 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powf(exp);
            let a = (lo / step + 1e-9).floor();
            let b = (hi / step - 1e-9).ceil();
            if b - a <= 4.0 {
                let ticks = (0..=(b - a) as i64)
                    .map(|i| (a + i as f64) * step)
                    .collect();
                return (ticks, step);
            }
        }
        exp += 1.0;
    }
    (vec![lo, (lo + hi) / 2.0, hi], (hi - lo) / 2.0)
}

/// The first day of the month after `d`'s.
fn next_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// A small line chart of a target's values over the plan period.
///
/// - x runs from `start` to `end` (swapped if reversed; a one-day span if equal); points dated
///   outside the period, and values that are not finite or beyond ±1e100 (targets too), are
///   **skipped** (not drawn, not scaled for),
///   the others are drawn in date order.
/// - y runs from 0 — or from the lowest value or target when below 0 — to the highest of
///   values, target and 0, plus 10% headroom, widened to 3–5 round ticks (1, 2, 2.5, 5 × 10ⁿ)
///   with grid lines; a unit, when given, is shown as "单位：…" above the axis.
/// - each point is a `circle.point` with a tooltip "2024-06-30：1,200人"; two or more points
///   are joined by one `polyline.series`.
/// - `target` draws a dashed `line.target` labelled "目标 X"; with `guide` it also draws the
///   straight `line.guide` "序时进度" from (start, 0) to (end, target), for cumulative targets.
/// - the x axis has ticks at month starts, labelled 1月…12月 with the year under the first
///   tick and each January, thinned to every 2, 3 or 6 months, or to years, to fit; a period
///   within one month is labelled with its first and last day.
/// - no points: the axes, the target and guide if given, and "暂无数据".
///
/// `width` and `height` below 200 × 120 are raised to it; see [`SERIES_WIDTH`] and
/// [`SERIES_HEIGHT`].
#[expect(
    clippy::too_many_arguments,
    reason = "the chart's inputs are independent plain values; a struct would only rename them"
)]
pub fn series_line(
    points: &[(NaiveDate, f64)],
    target: Option<f64>,
    guide: bool,
    start: NaiveDate,
    end: NaiveDate,
    unit: &str,
    width: u32,
    height: u32,
) -> String {
    series_chart(points, target, guide, &[], start, end, unit, width, height)
}

/// A reference level drawn across a series chart: a class limit of a standard ("Ⅲ类 0.05").
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub value: f64,
    pub label: String,
}

/// [`series_line`] with the levels of a standard: each a thin grey dashed `line.level`
/// labelled at its left end (`text.level-label`, "Ⅲ类 0.05"); a label that would touch the one
/// before it is left out (the line stays, its value in its tooltip). The y axis spans the
/// levels as well as the data and the target, so the caller passes only the levels worth
/// showing (those around the data).
#[expect(
    clippy::too_many_arguments,
    reason = "the chart's inputs are independent plain values; a struct would only rename them"
)]
pub fn series_levels(
    points: &[(NaiveDate, f64)],
    target: Option<f64>,
    levels: &[Level],
    start: NaiveDate,
    end: NaiveDate,
    unit: &str,
    width: u32,
    height: u32,
) -> String {
    series_chart(
        points, target, false, levels, start, end, unit, width, height,
    )
}

#[expect(
    clippy::too_many_arguments,
    reason = "the chart's inputs are independent plain values; a struct would only rename them"
)]
fn series_chart(
    points: &[(NaiveDate, f64)],
    target: Option<f64>,
    guide: bool,
    levels: &[Level],
    start: NaiveDate,
    end: NaiveDate,
    unit: &str,
    width: u32,
    height: u32,
) -> String {
    let (width, height) = (f64::from(width.max(200)), f64::from(height.max(120)));
    let (start, end) = if end < start {
        (end, start)
    } else {
        (start, end)
    };
    let span = ((end - start).num_days().max(1)) as f64;
    let unit = one_line(unit);
    let target = target.filter(|&t| drawable(t));

    let mut pts: Vec<(NaiveDate, f64)> = points
        .iter()
        .copied()
        .filter(|&(d, v)| d >= start && d <= end && drawable(v))
        .collect();
    pts.sort_by_key(|&(d, _)| d);

    // The y domain.
    let levels: Vec<&Level> = levels.iter().filter(|l| drawable(l.value)).collect();
    let values = pts
        .iter()
        .map(|&(_, v)| v)
        .chain(target)
        .chain(levels.iter().map(|l| l.value));
    let (mut lo, mut hi) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        hi = lo + 1.0;
    }
    hi += (hi - lo) * 0.1;
    let (ticks, step) = nice_ticks(lo, hi);
    (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
    let tick_decimals = ((-step.log10()).floor() as i64 + 1).clamp(3, 12) as usize;
    let tick_labels: Vec<String> = ticks
        .iter()
        .map(|&t| fmt_decimals(t, tick_decimals))
        .collect();

    // The plot area.
    let label_w = tick_labels
        .iter()
        .map(|l| text_width(l, AXIS_FONT))
        .fold(0.0, f64::max);
    let left = (PAD + label_w + 6.0).clamp(32.0, width * 0.4);
    let (right, top, bottom) = (width - 16.0, 30.0, height - 36.0);
    let (pw, ph) = (right - left, bottom - top);
    let x_of = |d: NaiveDate| left + (d - start).num_days() as f64 / span * pw;
    let y_of = |v: f64| top + (hi - v) / (hi - lo) * ph;

    let mut body = String::new();
    if !unit.is_empty() {
        text_el(
            &mut body,
            "unit",
            PAD,
            14.0,
            &format!(r#" fill="{MUTED}" font-size="11""#),
            &format!("单位：{unit}"),
        );
    }

    // Grid and y ticks.
    for (&t, label) in ticks.iter().zip(&tick_labels) {
        let y = y_of(t);
        let colour = if t == 0.0 && lo < 0.0 { AXIS } else { GRID };
        let _ = write!(
            body,
            r#"<line class="ytick" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}"/>"#,
            n(left),
            n(y),
            n(right),
            n(y)
        );
        text_el(
            &mut body,
            "ylabel",
            left - 6.0,
            y + AXIS_FONT * 0.35,
            &format!(r#" text-anchor="end" fill="{MUTED}" font-size="11""#),
            label,
        );
    }
    let _ = write!(
        body,
        r#"<path class="axis" d="M {l} {t} V {b} H {r}" fill="none" stroke="{AXIS}"/>"#,
        l = n(left),
        t = n(top),
        b = n(bottom),
        r = n(right)
    );

    x_axis(&mut body, start, end, left, pw, bottom, &x_of);

    // The standard's levels, under the target and the data.
    let mut last_label: Option<f64> = None;
    for l in &levels {
        let y = y_of(l.value);
        let _ = write!(
            body,
            r#"<line class="level" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GREY}" stroke-width="1" stroke-dasharray="3 3"><title>{} {}{}</title></line>"#,
            n(left),
            n(y),
            n(right),
            n(y),
            escape(&one_line(&l.label)),
            fmt_number(l.value),
            escape(&unit)
        );
        let ly = y - 3.0;
        if last_label.is_none_or(|p| (p - ly).abs() >= AXIS_FONT + 2.0) && ly > top - 8.0 {
            text_el(
                &mut body,
                "level-label",
                left + 4.0,
                ly,
                &format!(r#" fill="{MUTED}" font-size="10"{HALO}"#),
                &format!("{} {}", one_line(&l.label), fmt_number(l.value)),
            );
            last_label = Some(ly);
        }
    }

    // Guide and target.
    if let Some(t) = target {
        if guide {
            let (x0, y0, x1, y1) = (left, y_of(0.0), right, y_of(t));
            let _ = write!(
                body,
                r#"<line class="guide" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GREY}" stroke-width="1.5" stroke-dasharray="2 3"/>"#,
                n(x0),
                n(y0),
                n(x1),
                n(y1)
            );
            // Label at 60% of the way, on the side away from the data (so that it does not
            // read as the series' label), running towards where the line is farther from it.
            let (lx, ly) = (x0 + (x1 - x0) * 0.6, y0 + (y1 - y0) * 0.6);
            let data_y = series_y_at(
                &pts.iter()
                    .map(|&(d, v)| (x_of(d), y_of(v)))
                    .collect::<Vec<_>>(),
                lx,
            );
            let above = data_y.is_some_and(|dy| dy > ly);
            let rising = y1 < y0;
            let (tx, anchor) = if above == rising {
                (lx - 4.0, "end")
            } else {
                (lx + 4.0, "start")
            };
            let ty = if above { ly - 6.0 } else { ly + 14.0 };
            text_el(
                &mut body,
                "guide-label",
                tx,
                ty,
                &format!(r#" text-anchor="{anchor}" fill="{MUTED}" font-size="11"{HALO}"#),
                "序时进度",
            );
        }
        let y = y_of(t);
        let _ = write!(
            body,
            r#"<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RED}" stroke-width="1.5" stroke-dasharray="6 4"><title>目标 {}{}</title></line>"#,
            n(left),
            n(y),
            n(right),
            n(y),
            fmt_number(t),
            escape(&unit)
        );
        // Above the line, unless that would leave the plot.
        let ly = if y - 5.0 - AXIS_FONT < top - 10.0 {
            y + AXIS_FONT + 3.0
        } else {
            y - 5.0
        };
        text_el(
            &mut body,
            "target-label",
            right - 2.0,
            ly,
            &format!(r#" text-anchor="end" fill="{RED}" font-size="11"{HALO}"#),
            &format!("目标 {}{unit}", fmt_number(t)),
        );
    }

    // The series.
    if pts.is_empty() {
        // In the middle, or the nearest height clear of the target and guide lines.
        let mut lines = Vec::new();
        if let Some(t) = target {
            lines.push(y_of(t));
            if guide {
                lines.push((y_of(0.0) + y_of(t)) / 2.0);
            }
        }
        let y = [0.5, 0.35, 0.65, 0.25, 0.75]
            .map(|f| top + ph * f)
            .into_iter()
            .find(|y| lines.iter().all(|l| (l - y).abs() >= 18.0))
            .unwrap_or(top + ph / 2.0);
        text_el(
            &mut body,
            "nodata",
            left + pw / 2.0,
            y + 5.0,
            &format!(r#" text-anchor="middle" fill="{MUTED}" font-size="14"{HALO}"#),
            NO_DATA,
        );
    } else {
        if pts.len() > 1 {
            let coords = pts
                .iter()
                .map(|&(d, v)| format!("{},{}", n(x_of(d)), n(y_of(v))))
                .collect::<Vec<_>>()
                .join(" ");
            let _ = write!(
                body,
                r#"<polyline class="series" points="{coords}" fill="none" stroke="{BLUE}" stroke-width="2" stroke-linejoin="round"/>"#
            );
        }
        for &(d, v) in &pts {
            let _ = write!(
                body,
                r##"<circle class="point" cx="{}" cy="{}" r="3.5" fill="{BLUE}" stroke="#ffffff" stroke-width="1"><title>{}：{}{}</title></circle>"##,
                n(x_of(d)),
                n(y_of(v)),
                d.format("%Y-%m-%d"),
                fmt_number(v),
                escape(&unit)
            );
        }
    }

    let mut label = String::from("走势图：");
    match pts.last() {
        Some(&(d, v)) => {
            let _ = write!(
                label,
                "{} 个数据点，最新 {} {}{unit}",
                pts.len(),
                d.format("%Y-%m-%d"),
                fmt_number(v)
            );
        }
        None => label.push_str(NO_DATA),
    }
    if let Some(t) = target {
        let _ = write!(label, "；目标 {}{unit}", fmt_number(t));
    }
    document(width, height, &label, &body)
}

/// The y of a polyline (ascending x) at `x`: interpolated, or its nearer end's beyond it.
fn series_y_at(xy: &[(f64, f64)], x: f64) -> Option<f64> {
    let (first, last) = (xy.first()?, xy.last()?);
    if x <= first.0 {
        return Some(first.1);
    }
    if x >= last.0 {
        return Some(last.1);
    }
    xy.windows(2).find(|w| w[0].0 <= x && x <= w[1].0).map(|w| {
        let span = w[1].0 - w[0].0;
        if span > 0.0 {
            w[0].1 + (w[1].1 - w[0].1) * (x - w[0].0) / span
        } else {
            w[1].1
        }
    })
}

/// The x axis ticks and labels of [`series_line`].
fn x_axis(
    body: &mut String,
    start: NaiveDate,
    end: NaiveDate,
    left: f64,
    pw: f64,
    bottom: f64,
    x_of: &dyn Fn(NaiveDate) -> f64,
) {
    let label_attrs = format!(r#" text-anchor="middle" fill="{MUTED}" font-size="11""#);
    let mut months = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
    while let Some(m) = d {
        if m > end {
            break;
        }
        if m >= start {
            months.push(m);
        }
        d = next_month(m);
    }
    if months.is_empty() {
        // A period within one month: its first and last day.
        let y = bottom + 16.0;
        let attrs = format!(r#" fill="{MUTED}" font-size="11""#);
        text_el(
            body,
            "xlabel",
            left,
            y,
            &attrs,
            &start.format("%-m月%-d日").to_string(),
        );
        let end_attrs = format!(r#" text-anchor="end" fill="{MUTED}" font-size="11""#);
        text_el(
            body,
            "xlabel",
            left + pw,
            y,
            &end_attrs,
            &end.format("%-m月%-d日").to_string(),
        );
        return;
    }

    // The smallest step whose labels fit.
    let pick = |k: u32| -> Vec<NaiveDate> {
        months
            .iter()
            .copied()
            .filter(|m| {
                if k < 12 {
                    (m.month() - 1).is_multiple_of(k)
                } else {
                    m.month() == 1 && m.year().rem_euclid((k / 12) as i32) == 0
                }
            })
            .collect()
    };
    let mut chosen = (120, pick(120));
    for k in [1, 2, 3, 6, 12, 24, 60, 120] {
        let ticks = pick(k);
        let need = if k < 12 { 34.0 } else { 46.0 };
        if ticks.len() as f64 * need <= pw {
            chosen = (k, ticks);
            break;
        }
    }
    let (k, ticks) = chosen;

    for (i, &m) in ticks.iter().enumerate() {
        let x = x_of(m);
        let _ = write!(
            body,
            r#"<line class="xtick" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}"/>"#,
            n(x),
            n(bottom),
            n(x),
            n(bottom + 4.0)
        );
        if k >= 12 {
            text_el(
                body,
                "xlabel",
                x,
                bottom + 16.0,
                &label_attrs,
                &format!("{}年", m.year()),
            );
            continue;
        }
        text_el(
            body,
            "xlabel",
            x,
            bottom + 16.0,
            &label_attrs,
            &format!("{}月", m.month()),
        );
        // The year under each January, and under the first tick unless a January is close.
        let first_january_near = ticks
            .iter()
            .find(|t| t.month() == 1)
            .is_some_and(|&j| j != m && x_of(j) - x < 50.0);
        if m.month() == 1 || (i == 0 && !first_january_near) {
            text_el(
                body,
                "xyear",
                x,
                bottom + 30.0,
                &label_attrs,
                &format!("{}年", m.year()),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Progress bar
// ---------------------------------------------------------------------------------------------

/// A thin bar showing completion: a grey track, a `rect.fill` in `colour` for `progress`
/// clipped to 0..=1, a dark `line.elapsed` tick at the elapsed share (序时进度, clipped;
/// omitted when not finite), and the real percentage after the bar ("135%", "-5%"; "—" when
/// not finite). 20 px high; `width` below 80 is raised to 80; see [`PROGRESS_WIDTH`].
pub fn progress_bar(progress: f64, elapsed: f64, colour: &str, width: u32) -> String {
    let width = f64::from(width.max(80));
    let height = 20.0;
    let label = fmt_percent(progress);
    let label_w = text_width(&label, 12.0).max(text_width("100%", 12.0)) + 8.0;
    let (x0, track_w) = (1.0, (width - label_w - 2.0).max(20.0));
    let fill_w = if progress.is_finite() {
        progress.clamp(0.0, 1.0) * track_w
    } else {
        0.0
    };

    let mut body = String::new();
    let _ = write!(
        body,
        r#"<rect class="track" x="{}" y="6" width="{}" height="8" rx="2" fill="{TRACK}"/>"#,
        n(x0),
        n(track_w)
    );
    let _ = write!(
        body,
        r#"<rect class="fill" x="{}" y="6" width="{}" height="8" rx="2" fill="{}"/>"#,
        n(x0),
        n(fill_w),
        escape(colour)
    );
    let mut title = format!("完成 {label}");
    if elapsed.is_finite() {
        let x = x0 + elapsed.clamp(0.0, 1.0) * track_w;
        let _ = write!(
            body,
            r#"<line class="elapsed" x1="{x}" y1="2" x2="{x}" y2="18" stroke="{TEXT}" stroke-width="2"><title>序时进度 {}</title></line>"#,
            fmt_percent(elapsed),
            x = n(x)
        );
        let _ = write!(title, "，序时进度 {}", fmt_percent(elapsed));
    }
    text_el(
        &mut body,
        "percent",
        x0 + track_w + 6.0,
        14.5,
        r#" font-size="12""#,
        &label,
    );
    document(width, height, &title, &body)
}
