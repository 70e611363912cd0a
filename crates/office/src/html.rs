//! The bulletin as HTML: a fragment for the web desk's preview ([`bulletin_html`]) and a whole
//! page that opens on its own ([`bulletin_page`]).
//!
//! The fragment is one `<article class="bulletin">` (no `<html>`, `<head>` or `<body>`), the
//! same sections in the same words as the DOCX, with the charts inline as SVG from
//! [`crate::svg`]. No `style` attributes and no scripts (the desk's content security policy
//! allows neither): the page styles the `bulletin-*` classes. All text is escaped.
//!
//! The page wraps the fragment in `<!doctype html>` with `<meta charset="utf-8">`, its title,
//! and one inline `<style>` ([`PAGE_CSS`]): no link, script, font or image outside the file,
//! so that it reads the same when mailed, saved or opened from a USB stick, and prints on A4.

use std::fmt::Write as _;

use zhuanban_ledger::Colour;

use crate::bulletin::{Bulletin, LaggingTask};
use crate::svg::{self, Bar, escape};
use crate::text::{self, Part, cn_date};

/// The bulletin as an HTML fragment: see the [module documentation](self).
pub fn bulletin_html(b: &Bulletin) -> String {
    let mut h = String::with_capacity(32 * 1024);
    let demo = if b.demo { " bulletin-demo" } else { "" };
    let _ = write!(h, r#"<article class="bulletin{demo}" lang="zh-CN">"#);
    h.push('\n');

    // 版头
    h.push_str(r#"<header class="bulletin-masthead">"#);
    if b.demo {
        h.push_str(r#"<p class="bulletin-demo-mark">【演示数据】</p>"#);
    }
    let _ = write!(
        h,
        r#"<p class="bulletin-name">{}</p><p class="bulletin-issue">{}</p><p class="bulletin-issuer"><span>{}</span>　<span>{}</span></p></header>"#,
        escape(b.title.trim()),
        escape(b.issue.trim()),
        escape(b.issuer.trim()),
        escape(&cn_date(b.date))
    );
    h.push('\n');
    let _ = writeln!(
        h,
        r#"<h2 class="bulletin-headline">{}</h2>"#,
        escape(&text::headline(b))
    );
    let recipients = b.recipients.trim().trim_end_matches(['：', ':']);
    if !recipients.is_empty() {
        let _ = writeln!(
            h,
            r#"<p class="bulletin-recipients">{}：</p>"#,
            escape(recipients)
        );
    }
    paras(&mut h, &text::lead(b));

    for (i, (heading, part)) in text::parts(b).into_iter().enumerate() {
        let _ = write!(
            h,
            r#"<section class="bulletin-part" id="bulletin-part-{}"><h3>{}</h3>"#,
            i + 1,
            escape(&heading)
        );
        h.push('\n');
        match part {
            Part::Overview => overview(&mut h, b),
            Part::Indicators => indicators(&mut h, b),
            Part::Lagging => lagging(&mut h, b),
            Part::Reporting => reporting(&mut h, b),
            Part::Instructions => instructions(&mut h, b),
            Part::Ranking => ranking(&mut h, b),
            Part::Closing => closing(&mut h, b),
        }
        h.push_str("</section>\n");
    }
    // 版记: 抄送, then 印发机关 and 印发日期.
    h.push_str(r#"<footer class="bulletin-colophon">"#);
    let cc = b.cc.trim().trim_end_matches(['。', '；', '，']);
    if !cc.is_empty() {
        let _ = write!(h, r#"<p class="bulletin-cc">抄送：{}。</p>"#, escape(cc));
    }
    let printer = if b.printer.trim().is_empty() {
        b.issuer.trim()
    } else {
        b.printer.trim()
    };
    let _ = write!(
        h,
        r#"<p class="bulletin-printed"><span>{}</span>　<span>{}印发</span></p></footer>"#,
        escape(printer),
        escape(&cn_date(b.printed_on.unwrap_or(b.date)))
    );
    if b.demo {
        h.push_str(r#"<p class="bulletin-demo-mark">【演示数据】</p>"#);
    }
    h.push_str("\n</article>\n");
    h
}

/// The styles of the standalone page: the 公文's fonts with the free Noto CJK fonts after
/// them, status colours, tables, the chart, and A4 print margins.
pub const PAGE_CSS: &str = r#"
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
html { background: #f4f4f4; }
body { margin: 0; padding: 24px 0; color: #111; }
.bulletin { max-width: 156mm; margin: 0 auto; padding: 20mm 24mm; background: #fff;
  font: 16pt/1.8 "仿宋_GB2312", "仿宋", FangSong, "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", serif; }
.bulletin p { margin: 0; text-indent: 2em; text-align: justify; }
.bulletin .bulletin-masthead p { text-indent: 0; }
.bulletin .bulletin-recipients, .bulletin .bulletin-colophon p, .bulletin .bulletin-note, .bulletin .bulletin-table p { text-indent: 0; text-align: left; }
.bulletin p.bulletin-name { color: #e00; text-align: center; font: 26pt/1.4 "方正小标宋简体", "宋体", SimSun, "Noto Serif CJK SC", serif; }
.bulletin p.bulletin-issue { text-align: center; }
.bulletin .bulletin-issuer { display: flex; justify-content: space-between; padding: 0 1em 6px;
  border-bottom: 2px solid #e00; margin-bottom: 1.5em !important; }
.bulletin-headline { text-align: center; font: 22pt/1.5 "方正小标宋简体", "宋体", SimSun, "Noto Serif CJK SC", serif; margin: 0 0 1em; }
.bulletin h3 { font: 16pt/1.8 "黑体", SimHei, "Noto Sans CJK SC", sans-serif; margin: 0; text-indent: 2em; }
.bulletin h4 { font: 16pt/1.8 "楷体_GB2312", "楷体", KaiTi, "STKaiti", "Noto Serif CJK SC", serif; margin: 0; text-indent: 2em; }
.bulletin-lead { font-family: "楷体_GB2312", "楷体", KaiTi, "STKaiti", "Noto Serif CJK SC", serif; }
.bulletin-demo-mark { color: #e00; font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif; }
.bulletin-table { width: 100%; border-collapse: collapse; margin: .5em 0 1em; font-size: 12pt; line-height: 1.5; }
.bulletin-table caption { font: 14pt/1.8 "黑体", SimHei, "Noto Sans CJK SC", sans-serif; }
.bulletin-table th, .bulletin-table td { border: 1px solid #000; padding: 2px 4px; vertical-align: middle; }
.bulletin-table th { font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif; font-weight: normal; }
.bulletin-table thead { display: table-header-group; }
.bulletin-table tr { break-inside: avoid; }
.bulletin-note { font-size: 12pt; line-height: 1.5; }
.bulletin-unit-reason { color: #333; }
.bulletin .bulletin-flag { color: #c62828; font-weight: bold; }
.status-green { color: #1b5e20; background: #e8f5e9; }
.status-yellow { color: #8a5a00; background: #fff3d6; }
.status-red { color: #b71c1c; background: #fde7e7; }
.status-grey { color: #424242; background: #eeeeee; }
.bulletin-chart { margin: .5em 0; text-align: center; break-inside: avoid; }
.bulletin-chart svg { max-width: 100%; height: auto; }
.bulletin-chart figcaption { font: 14pt/1.8 "黑体", SimHei, "Noto Sans CJK SC", sans-serif; }
.bulletin-instructions { margin: 0; padding-left: 2em; }
.bulletin-colophon { margin-top: 3em; font-size: 14pt; break-inside: avoid; }
.bulletin-colophon p { padding: 2px 1em; border-bottom: 1px solid #000; }
.bulletin-colophon p:first-child { border-top: 1.5px solid #000; }
.bulletin-colophon p:last-child { border-bottom-width: 1.5px; }
.bulletin .bulletin-printed { display: flex; justify-content: space-between; }
@media print { html, body { background: none; padding: 0; } .bulletin { max-width: none; padding: 0; } }
"#;

/// The bulletin as a whole HTML page that opens correctly on its own: see the
/// [module documentation](self). The same bulletin always gives the same bytes.
pub fn bulletin_page(b: &Bulletin) -> String {
    let mut title = format!("{}（{}）", b.title.trim(), b.issue.trim());
    if b.demo {
        title.push_str("【演示数据】");
    }
    let article = bulletin_html(b);
    let mut h = String::with_capacity(article.len() + PAGE_CSS.len() + 512);
    h.push_str("<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#);
    h.push('\n');
    let _ = writeln!(h, "<title>{}</title>", escape(&title));
    let _ = writeln!(h, "<style>{PAGE_CSS}</style>\n</head>\n<body>");
    h.push_str(&article);
    h.push_str("</body>\n</html>\n");
    h
}

fn paras(h: &mut String, text: &str) {
    for p in text::paragraphs(text) {
        let _ = writeln!(h, "<p>{}</p>", escape(p));
    }
}

/// An escaped table cell, "—" when empty.
fn td(h: &mut String, class: &str, text: &str) {
    let text = text.trim();
    let text = if text.is_empty() { "—" } else { text };
    if class.is_empty() {
        let _ = write!(h, "<td>{}</td>", escape(text));
    } else {
        let _ = write!(h, r#"<td class="{class}">{}</td>"#, escape(text));
    }
}

fn colour_class(c: Colour) -> &'static str {
    match c {
        Colour::Green => "status status-green",
        Colour::Yellow => "status status-yellow",
        Colour::Red => "status status-red",
        Colour::Grey => "status status-grey",
    }
}

fn table_open(h: &mut String, caption: &str, heads: &[&str]) {
    let _ = write!(
        h,
        r#"<table class="bulletin-table"><caption>{}</caption><thead><tr>"#,
        escape(caption)
    );
    for head in heads {
        let _ = write!(h, r#"<th scope="col">{}</th>"#, escape(head));
    }
    h.push_str("</tr></thead><tbody>\n");
}

fn table_close(h: &mut String) {
    h.push_str("</tbody></table>\n");
}

fn overview(h: &mut String, b: &Bulletin) {
    paras(h, &b.summary);
    if !b.totals.is_empty() {
        let mut by_colour = [0u64; 4];
        for t in &b.totals {
            let k = match t.colour {
                Colour::Green => 0,
                Colour::Yellow => 1,
                Colour::Red => 2,
                Colour::Grey => 3,
            };
            by_colour[k] += t.count as u64;
        }
        let bars: Vec<Bar> = b
            .totals
            .iter()
            .map(|t| Bar {
                label: t.label.clone(),
                value: t.count as u64,
                colour: svg::colour_hex(t.colour),
            })
            .collect();
        let _ = write!(
            h,
            r#"<figure class="bulletin-chart">{}{}<figcaption>{}</figcaption></figure>"#,
            svg::colour_donut(
                by_colour[0],
                by_colour[1],
                by_colour[2],
                by_colour[3],
                ["绿灯", "黄灯", "红灯", "灰灯"],
                "项任务",
            ),
            svg::status_bars(&bars),
            escape(&text::chart_caption(b))
        );
        h.push('\n');
    }
    if !b.sections.is_empty() {
        table_open(
            h,
            "各板块任务推进情况",
            &["编号", "板块", "任务数", "绿灯", "黄灯", "红灯", "灰灯"],
        );
        for s in &b.sections {
            h.push_str("<tr>");
            td(h, "", &s.code);
            td(h, "", &s.title);
            td(h, "num", &s.total.to_string());
            td(h, "num", &s.green.to_string());
            td(h, "num", &s.yellow.to_string());
            td(h, "num", &s.red.to_string());
            td(h, "num", &s.grey.to_string());
            h.push_str("</tr>\n");
        }
        table_close(h);
        let _ = writeln!(
            h,
            r#"<p class="bulletin-note">{}</p>"#,
            escape(text::COLOUR_NOTE)
        );
    }
}

fn indicators(h: &mut String, b: &Bulletin) {
    if b.indicators.is_empty() {
        paras(h, "本期无需通报的重点指标。");
        return;
    }
    table_open(
        h,
        "重点指标完成情况",
        &["编号", "指标", "目标值", "最新值", "序时进度", "状态"],
    );
    for i in &b.indicators {
        h.push_str("<tr>");
        td(h, "", &i.task_code);
        td(h, "", &i.metric);
        td(h, "num", &i.target);
        td(h, "num", &i.latest);
        td(h, "num", &i.schedule);
        td(h, colour_class(i.colour), &i.status);
        h.push_str("</tr>\n");
    }
    table_close(h);
}

fn lagging(h: &mut String, b: &Bulletin) {
    paras(h, &text::lagging_intro(b));
    let groups = text::lagging_groups(b);
    let numbered = groups.len() > 1;
    for (i, (title, tasks)) in groups.into_iter().enumerate() {
        if numbered {
            let _ = writeln!(
                h,
                "<h4>（{}）{}</h4>",
                text::cn_number(i + 1),
                escape(title)
            );
        }
        lagging_table(h, title, &tasks);
    }
}

fn lagging_table(h: &mut String, caption: &str, tasks: &[&LaggingTask]) {
    table_open(
        h,
        caption,
        &[
            "编号",
            "任务名称",
            "牵头单位",
            "配合单位",
            "状态",
            "滞后情况及原因",
        ],
    );
    for t in tasks {
        h.push_str("<tr>");
        td(h, "", &t.code);
        td(h, "", &t.title);
        td(h, "", &t.lead);
        td(h, "", &t.support);
        td(h, colour_class(t.colour), &t.status);
        let _ = write!(h, r#"<td><p>{}</p>"#, escape(t.reason.trim()));
        for (label, text, flagged) in text::lagging_lines(t) {
            let class = if flagged {
                "bulletin-unit-reason bulletin-flag"
            } else {
                "bulletin-unit-reason"
            };
            let _ = write!(
                h,
                r#"<p class="{class}">{}{}</p>"#,
                escape(label),
                escape(&text)
            );
        }
        h.push_str("</td>");
        h.push_str("</tr>\n");
    }
    table_close(h);
}

fn reporting(h: &mut String, b: &Bulletin) {
    paras(h, &text::reporting_intro(b));
    if b.late_units.is_empty() && b.missing_units.is_empty() {
        return;
    }
    table_open(
        h,
        "逾期报送及未报送单位",
        &["序号", "单位", "报送情况", "涉及任务"],
    );
    let mut n = 0;
    for (units, label, colour) in [
        (&b.missing_units, "未报送", Colour::Red),
        (&b.late_units, "逾期报送", Colour::Yellow),
    ] {
        for u in units.iter() {
            n += 1;
            h.push_str("<tr>");
            td(h, "num", &n.to_string());
            td(h, "", &u.unit);
            td(h, colour_class(colour), label);
            td(h, "", &u.tasks.join("、"));
            h.push_str("</tr>\n");
        }
    }
    table_close(h);
}

fn instructions(h: &mut String, b: &Bulletin) {
    if b.instructions.is_empty() {
        paras(h, "本期无新的领导批示。");
        return;
    }
    h.push_str(r#"<ol class="bulletin-instructions">"#);
    for i in &b.instructions {
        let _ = write!(h, "<li>{}</li>", escape(&text::instruction_text(i)));
    }
    h.push_str("</ol>\n");
}

fn ranking(h: &mut String, b: &Bulletin) {
    if b.ranking.is_empty() {
        paras(h, "本期暂无成员单位评分。");
    } else {
        rank_table(h, "本期成员单位得分排名", &b.ranking);
    }
    if !b.ranking_year.is_empty() {
        rank_table(h, "年度累计得分排名", &b.ranking_year);
    }
    for n in text::ranking_notes(b) {
        let _ = writeln!(h, r#"<p class="bulletin-note">{}</p>"#, escape(&n));
    }
}

fn rank_table(h: &mut String, caption: &str, rows: &[crate::bulletin::RankRow]) {
    table_open(h, caption, &["排名", "成员单位", "得分", "扣分情况"]);
    for r in rows {
        h.push_str("<tr>");
        td(h, "num", &r.rank.to_string());
        td(h, "", &r.unit);
        td(h, "num", &text::score(r.score));
        let ded = if r.deductions.trim().is_empty() {
            "无"
        } else {
            &r.deductions
        };
        td(h, "", ded);
        h.push_str("</tr>\n");
    }
    table_close(h);
}

fn closing(h: &mut String, b: &Bulletin) {
    let items: Vec<&String> = b.closing.iter().filter(|c| !c.trim().is_empty()).collect();
    for (i, item) in items.iter().enumerate() {
        let (marker, lead, rest) = text::closing_parts(i, item);
        let marker = if items.len() > 1 || !marker.starts_with('（') {
            marker
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            r#"<p><span class="bulletin-lead">{}{}</span>{}</p>"#,
            escape(&marker),
            escape(&lead),
            escape(&rest)
        );
    }
}
