//! The bulletin as an HTML fragment: structure, inline SVG charts, escaping.

use zhuanban_office::bulletin_html;

use crate::sample::seed_bulletin;
use crate::support::{assert_well_formed, save_sample};

#[test]
fn fragment_with_sections_and_inline_charts() {
    let html = bulletin_html(&seed_bulletin(false));
    save_sample("bulletin.html", html.as_bytes());
    // A fragment: no document elements, no styles or scripts (the desk's CSP forbids them).
    for forbidden in [
        "<html",
        "<head>",
        "<body",
        "<!DOCTYPE",
        "<script",
        "style=",
        "<style",
    ] {
        assert!(!html.contains(forbidden), "the fragment has {forbidden}");
    }
    assert!(html.starts_with(r#"<article class="bulletin" lang="zh-CN">"#));
    assert!(html.trim_end().ends_with("</article>"));
    // Well-formed as XML (one root), so that it nests safely in any page.
    assert_well_formed("bulletin.html", &html);
    let mut last = 0;
    for h in [
        r#"<p class="bulletin-name">落实区域共进行动工作专班调度通报</p>"#,
        r#"<p class="bulletin-issue">第9期</p>"#,
        r#"<h2 class="bulletin-headline">关于2024年9月调度情况的通报</h2>"#,
        "<h3>一、总体情况</h3>",
        "<h3>二、重点指标情况</h3>",
        "<h3>三、滞后及逾期任务</h3>",
        "<h4>（一）严重滞后及逾期任务（红灯）</h4>",
        "<h3>四、报送情况</h3>",
        "<h3>五、领导批示</h3>",
        "<h3>六、成员单位排名</h3>",
        "<h3>七、下步工作要求</h3>",
        "2024年10月8日印发",
    ] {
        let at = html.find(h).unwrap_or_else(|| panic!("no {h}"));
        assert!(at > last, "{h} out of order");
        last = at;
    }
    // Two inline SVG charts: the colour donut and the status bars.
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            .count(),
        2
    );
    assert!(html.contains(r#"<rect class="bar""#));
    assert!(html.contains(r#"<td class="status status-red">严重滞后</td>"#));
    assert!(html.contains("<td>区住房城乡建设局</td>"));
    assert!(html.contains("<li>2024年9月12日，区委主要负责同志在任务2.3.2上批示："));
    assert!(!html.contains("演示数据"));
}

#[test]
fn demo_is_marked() {
    let html = bulletin_html(&seed_bulletin(true));
    assert!(html.starts_with(r#"<article class="bulletin bulletin-demo" lang="zh-CN">"#));
    assert_eq!(html.matches("【演示数据】").count(), 2);
}

#[test]
fn all_text_is_escaped() {
    let mut b = seed_bulletin(false);
    b.title = "<script>alert(1)</script>".to_owned();
    b.summary = "A & B <b>粗</b>".to_owned();
    b.lagging[0].unit_reason = "\"><img src=x onerror=alert(1)>".to_owned();
    b.ranking[0].unit = "'单位'".to_owned();
    b.totals[0].label = "<已完成>".to_owned();
    let html = bulletin_html(&b);
    assert_well_formed("bulletin.html", &html);
    assert!(!html.contains("<script"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("A &amp; B &lt;b&gt;粗&lt;/b&gt;"));
    assert!(html.contains("&apos;单位&apos;"));
    assert!(html.contains("&lt;已完成&gt;"));
}

#[test]
fn reproducible() {
    let b = seed_bulletin(false);
    assert_eq!(bulletin_html(&b), bulletin_html(&b.clone()));
}

/// The standalone page: a whole document that needs nothing beside it.
#[test]
fn standalone_page_opens_on_its_own() {
    use zhuanban_office::bulletin_page;
    let mut b = seed_bulletin(false);
    b.recipients = "各成员单位".to_owned();
    b.cc = "区委办公室，区政府办公室".to_owned();
    let page = bulletin_page(&b);
    save_sample("bulletin-page.html", page.as_bytes());
    assert!(
        page.starts_with(
            "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">"
        )
    );
    assert!(page.trim_end().ends_with("</body>\n</html>"));
    assert!(page.contains("<title>落实区域共进行动工作专班调度通报（第9期）</title>"));
    // Its styles inline, the charts inline, nothing fetched from elsewhere.
    assert_eq!(page.matches("<style>").count(), 1);
    assert!(page.contains(".status-red {") && page.contains("@page { size: A4;"));
    assert!(
        page.contains("Noto Serif CJK SC"),
        "a free CJK font after the 公文 fonts"
    );
    assert_eq!(page.matches("<svg xmlns=").count(), 2);
    for outside in [
        "<link", "<script", "src=", "@import", "url(", "http://", "https://",
    ] {
        let outside_svg: String = page
            .split("<svg")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("</svg>").map_or("", |p| p.1)
                }
            })
            .collect();
        assert!(
            !outside_svg.contains(outside),
            "the page refers outside: {outside}"
        );
    }
    // The fragment is inside it, whole, with 主送 and the 版记.
    assert!(page.contains(&zhuanban_office::bulletin_html(&b)));
    assert!(page.contains(r#"<p class="bulletin-recipients">各成员单位：</p>"#));
    assert!(page.contains(r#"<p class="bulletin-cc">抄送：区委办公室，区政府办公室。</p>"#));
    assert!(page.contains("2024年10月8日印发"));
    for word in ["本轮", "按方案第", "（leader）"] {
        assert!(!page.contains(word), "the page says {word}");
    }
    // The same bulletin, the same bytes.
    assert_eq!(page, bulletin_page(&b));
}
