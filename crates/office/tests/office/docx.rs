//! The bulletin as DOCX: the package, the 公文 layout in word/document.xml (fonts, sizes,
//! spacing, tables, footers), a snapshot of the whole document XML, reproducibility.

use zhuanban_office::bulletin_docx;

use crate::sample::{UNITS, large_bulletin, seed_bulletin};
use crate::support::{assert_well_formed, part, save_sample, snapshot, unzip};

const PARTS: [&str; 12] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "word/document.xml",
    "word/_rels/document.xml.rels",
    "word/styles.xml",
    "word/settings.xml",
    "word/fontTable.xml",
    "word/footer1.xml",
    "word/footer2.xml",
    "word/media/chart1.png",
    "docProps/core.xml",
    "docProps/app.xml",
];

/// The visible text of a document part: the `<w:t>` contents, joined.
pub fn text_of(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<w:t") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        // Only <w:t> and <w:t …>, not <w:tbl>, <w:tc>, <w:tab/> and the like.
        if !matches!(rest.as_bytes()[4], b'>' | b' ') || rest[..open_end].ends_with('/') {
            rest = &rest[4..];
            continue;
        }
        let body = &rest[open_end + 1..];
        let Some(close) = body.find("</w:t>") else {
            break;
        };
        out.push_str(&body[..close]);
        rest = &body[close..];
    }
    out
}

/// The `<w:p>` element holding `needle` in its text.
pub fn paragraph_with<'a>(xml: &'a str, needle: &str) -> &'a str {
    xml.split("</w:p>")
        .find(|p| text_of(p).contains(needle))
        .unwrap_or_else(|| panic!("no paragraph with {needle}"))
}

#[test]
fn package_has_every_part_in_order_and_well_formed() {
    let docx = bulletin_docx(&seed_bulletin(false));
    save_sample("bulletin.docx", &docx);
    save_sample("bulletin-demo.docx", &bulletin_docx(&seed_bulletin(true)));
    let entries = unzip(&docx);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, PARTS);
    for (name, data) in &entries {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            assert_well_formed(name, std::str::from_utf8(data).unwrap());
        }
    }
    let png = &entries.iter().find(|(n, _)| n.ends_with(".png")).unwrap().1;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let types = part(&docx, "[Content_Types].xml");
    for p in [
        "/word/document.xml",
        "/word/footer1.xml",
        "/word/footer2.xml",
        "/docProps/core.xml",
    ] {
        assert!(
            types.contains(&format!("PartName=\"{p}\"")),
            "{p} has no content type"
        );
    }
    assert!(types.contains(r#"Extension="png" ContentType="image/png""#));
    let rels = part(&docx, "word/_rels/document.xml.rels");
    assert!(rels.contains(r#"Id="rIdChart""#) && rels.contains("media/chart1.png"));
}

#[test]
fn reproducible_byte_for_byte() {
    for demo in [false, true] {
        let b = seed_bulletin(demo);
        let first = bulletin_docx(&b);
        let second = bulletin_docx(&b.clone());
        assert!(
            first == second,
            "two renderings of the same bulletin differ"
        );
    }
    assert_ne!(
        bulletin_docx(&seed_bulletin(false)),
        bulletin_docx(&seed_bulletin(true))
    );
    // Timestamps come from the bulletin's date, not the clock.
    let docx = bulletin_docx(&seed_bulletin(false));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&docx[..])).unwrap();
    for i in 0..archive.len() {
        let f = archive.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour()),
            (2024, 10, 8, 0),
            "{:?}",
            f.name()
        );
    }
    assert!(part(&docx, "docProps/core.xml").contains("2024-10-08T00:00:00Z"));
}

#[test]
fn page_is_a4_with_gbt9704_margins_and_footers() {
    let xml = part(&bulletin_docx(&seed_bulletin(false)), "word/document.xml");
    assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(xml.contains(r#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#));
    assert!(xml.contains(r#"<w:footerReference w:type="default" r:id="rIdFooterOdd"/>"#));
    assert!(xml.contains(r#"<w:footerReference w:type="even" r:id="rIdFooterEven"/>"#));
    let docx = bulletin_docx(&seed_bulletin(false));
    assert!(part(&docx, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
    let odd = part(&docx, "word/footer1.xml");
    let even = part(&docx, "word/footer2.xml");
    for f in [&odd, &even] {
        assert!(f.contains(r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#));
        assert!(f.contains(r#"<w:t xml:space="preserve">— </w:t>"#));
        assert!(f.contains(r#"<w:t xml:space="preserve"> —</w:t>"#));
        assert!(f.contains(r#"w:eastAsia="宋体""#) && f.contains(r#"<w:sz w:val="28"/>"#));
        assert!(!f.contains("演示数据"));
    }
    assert!(odd.contains(r#"<w:ind w:right="280"/><w:jc w:val="right"/>"#));
    assert!(even.contains(r#"<w:ind w:left="280"/><w:jc w:val="left"/>"#));
}

#[test]
fn masthead_and_headline() {
    let b = seed_bulletin(false);
    let xml = part(&bulletin_docx(&b), "word/document.xml");
    // The red masthead in 方正小标宋简体, as large as fits (16 characters: 26 pt).
    let name = paragraph_with(&xml, "落实区域共进行动工作专班调度通报");
    assert!(name.contains(r#"w:eastAsia="方正小标宋简体""#), "{name}");
    assert!(
        name.contains(r#"<w:color w:val="FF0000"/><w:sz w:val="52"/>"#),
        "{name}"
    );
    assert!(name.contains(r#"<w:jc w:val="center"/>"#));
    // 期号, centred.
    let issue = paragraph_with(&xml, "第9期");
    assert!(
        issue.contains(r#"<w:jc w:val="center"/>"#)
            && issue.contains(r#"w:eastAsia="仿宋_GB2312""#)
    );
    // Issuer and date over the red rule.
    let issuer = paragraph_with(&xml, "落实区域共进行动工作专班办公室");
    assert!(issuer.contains("2024年10月8日"));
    assert!(
        issuer.contains(r#"<w:bottom w:val="single" w:sz="18" w:space="6" w:color="FF0000"/>"#)
    );
    assert!(issuer.contains(r#"<w:tab w:val="right""#));
    // The headline: 2号 方正小标宋简体, centred.
    let headline = paragraph_with(&xml, "关于2024年9月调度情况的通报");
    assert!(headline.contains(r#"w:eastAsia="方正小标宋简体""#));
    assert!(
        headline.contains(r#"<w:sz w:val="44"/>"#)
            && headline.contains(r#"<w:jc w:val="center"/>"#)
    );
    // No demo mark in a real bulletin.
    assert!(!xml.contains("演示数据"));
}

#[test]
fn body_fonts_sizes_and_spacing() {
    let xml = part(&bulletin_docx(&seed_bulletin(false)), "word/document.xml");
    let lead = paragraph_with(
        &xml,
        "现将《大通湖区落实区域共进行动实施方案》2024年9月调度情况通报如下",
    );
    assert!(lead.contains("（数据截至2024年9月30日）"));
    // Internal words never reach a document.
    for word in ["按方案第", "版研判", "本轮", "（leader）"] {
        assert!(!text_of(&xml).contains(word), "the document says {word}");
    }
    for p in [lead, paragraph_with(&xml, "方案16项任务总体推进有序")] {
        assert!(
            p.contains(r#"<w:spacing w:before="0" w:after="0" w:line="579" w:lineRule="exact"/>"#),
            "{p}"
        );
        assert!(
            p.contains(r#"<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/>"#),
            "{p}"
        );
        assert!(p.contains(r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋_GB2312""#), "{p}");
        assert!(
            p.contains(r#"<w:spacing w:val="-8"/><w:sz w:val="32"/><w:szCs w:val="32"/>"#),
            "{p}"
        );
    }
    // The page grid: 22 lines of 28 characters (GB/T 9704 §5.2.2).
    assert!(
        xml.contains(r#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"/>"#)
    );
    // Level-1 headings in 黑体, in order; level-2 in 楷体_GB2312.
    let headings = [
        "一、总体情况",
        "二、重点指标情况",
        "三、滞后及逾期任务",
        "四、报送情况",
        "五、领导批示",
        "六、成员单位排名",
        "七、下步工作要求",
    ];
    let mut last = 0;
    for h in headings {
        let p = paragraph_with(&xml, h);
        assert!(
            p.contains(r#"<w:pStyle w:val="Heading1"/>"#) && p.contains(r#"w:eastAsia="黑体""#),
            "{h}"
        );
        assert!(p.contains(r#"<w:sz w:val="32"/>"#));
        let at = xml.find(h).unwrap();
        assert!(at > last, "{h} out of order");
        last = at;
    }
    for h in ["（一）严重滞后及逾期任务（红灯）", "（二）滞后任务（黄灯）"]
    {
        let p = paragraph_with(&xml, h);
        // Wholly 楷体: digits and Latin letters too.
        assert!(
            p.contains(r#"<w:pStyle w:val="Heading2"/>"#)
                && p.contains(r#"<w:rFonts w:ascii="楷体_GB2312" w:hAnsi="楷体_GB2312" w:eastAsia="楷体_GB2312""#),
            "{h}"
        );
    }
    // 下步工作要求: "（一）" and the lead sentence in 楷体, the rest in 仿宋.
    let closing = paragraph_with(&xml, "压实工作责任。");
    assert!(closing.contains(r#"w:eastAsia="楷体_GB2312" w:cs="楷体_GB2312" w:hint="eastAsia"/><w:spacing w:val="-8"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t xml:space="preserve">（一）</w:t>"#));
    assert!(text_of(closing).starts_with("（一）压实工作责任。各牵头单位要"));
    // Instructions, numbered.
    let ins = paragraph_with(&xml, "区委主要负责同志");
    assert_eq!(
        text_of(ins),
        "1．2024年9月12日，区委主要负责同志在任务2.3.2上批示：“老旧小区改造是民生实事，要倒排工期、挂图作战，确保年底前全部完工。”"
    );
    // 版记: its own last section, on an even page, between 0.35 mm rules.
    let colophon = paragraph_with(&xml, "2024年10月8日印发");
    assert!(colophon.contains(r#"<w:top w:val="single" w:sz="8""#));
    assert!(colophon.contains(r#"<w:bottom w:val="single" w:sz="8""#));
    let last = &xml[xml.rfind("<w:sectPr>").unwrap()..];
    assert!(last.contains(r#"<w:type w:val="evenPage"/>"#), "{last}");
    assert!(xml.find("2024年10月8日印发").unwrap() > xml.find("</w:sectPr></w:pPr>").unwrap());
}

#[test]
fn recipients_and_colophon_with_cc() {
    let mut b = seed_bulletin(false);
    b.recipients = "各成员单位".to_owned();
    b.cc = "区委办公室，区政府办公室".to_owned();
    b.printer = "大通湖区工作专班办公室".to_owned();
    b.printed_on = Some(chrono::NaiveDate::from_ymd_opt(2024, 10, 9).unwrap());
    let xml = part(&bulletin_docx(&b), "word/document.xml");
    // 主送 right after the headline, flush left, with a full-width colon.
    let to = paragraph_with(&xml, "各成员单位：");
    assert!(to.contains(r#"<w:jc w:val="left"/>"#) && !to.contains("firstLine"));
    assert!(xml.find("各成员单位：").unwrap() > xml.find("情况的通报").unwrap());
    assert!(xml.find("各成员单位：").unwrap() < xml.find("现将").unwrap());
    // 抄送 over a thin rule, then 印发机关 and 印发日期 over a thick one.
    let cc = paragraph_with(&xml, "抄送：区委办公室，区政府办公室。");
    assert!(cc.contains(r#"<w:top w:val="single" w:sz="8""#));
    assert!(cc.contains(r#"<w:bottom w:val="single" w:sz="6""#));
    let printed = paragraph_with(&xml, "2024年10月9日印发");
    assert!(text_of(printed).contains("大通湖区工作专班办公室"));
    assert!(printed.contains(r#"<w:bottom w:val="single" w:sz="8""#));
    assert!(!printed.contains("<w:top"));
}

#[test]
fn tables_fit_the_text_block_and_repeat_headers() {
    let xml = part(&bulletin_docx(&seed_bulletin(false)), "word/document.xml");
    let all: Vec<&str> = xml
        .split("<w:tbl>")
        .skip(1)
        .map(|t| t.split("</w:tbl>").next().unwrap())
        .collect();
    for t in &all {
        assert!(t.contains(r#"<w:tblW w:w="8845" w:type="dxa"/>"#));
        assert!(t.contains(r#"<w:tblLayout w:type="fixed"/>"#));
        let grid: u32 = t
            .split(r#"<w:gridCol w:w=""#)
            .skip(1)
            .map(|s| s.split('"').next().unwrap().parse::<u32>().unwrap())
            .sum();
        assert_eq!(grid, 8845, "columns do not add up to the text width");
        // Cells at 小四 only.
        assert!(t.contains(r#"<w:sz w:val="24"/>"#));
        assert!(!t.contains(r#"<w:sz w:val="32"/>"#));
    }
    // The first is the chart figure: borderless, one row kept whole, the image and its legend.
    let (figure, tables) = all.split_first().unwrap();
    assert!(figure.contains(r#"<w:top w:val="nil"/>"#));
    assert_eq!(figure.matches("<w:tr>").count(), 1);
    assert!(figure.contains("<w:cantSplit/>"));
    // Kept with its caption: every paragraph of the row keeps with the next.
    assert_eq!(
        figure.matches("<w:p>").count(),
        figure.matches("<w:p><w:pPr><w:keepNext/>").count(),
        "{figure}"
    );
    let after = xml[xml.find(*figure).unwrap() + figure.len()..]
        .strip_prefix("</w:tbl>")
        .unwrap();
    assert!(
        after.trim_start().starts_with("<w:p>")
            && after[..after.find("</w:p>").unwrap()].contains("图1 任务状态分布")
    );
    assert!(figure.contains(r#"<a:blip r:embed="rIdChart"/>"#));
    assert!(
        figure.contains(r#"<wp:extent cx="1800000" cy="1800000"/>"#),
        "a 50 mm ring"
    );
    let legend = text_of(figure);
    for t in [
        "已完成",
        "序时推进",
        "滞后",
        "严重滞后",
        "逾期未完成",
        "未报送",
        "合计",
        "16",
        "43.8%",
        "6.2%",
        "100.0%",
    ] {
        assert!(legend.contains(t), "chart legend lacks {t}");
    }
    assert!(
        figure.contains(r#"<w:color w:val="2e7d32"/>"#),
        "green legend mark"
    );
    assert_eq!(text_of(paragraph_with(&xml, "图1 ")), "图1 任务状态分布");
    // Real tables: a repeated header row in 黑体.
    assert_eq!(tables.len(), 6);
    for t in tables {
        let first_row = t.split("</w:tr>").next().unwrap();
        assert!(first_row.contains("<w:tblHeader/>"));
        assert!(first_row.contains(r#"w:eastAsia="黑体""#));
    }
    let captions: Vec<String> = (1..=6)
        .map(|i| text_of(paragraph_with(&xml, &format!("表{i} "))))
        .collect();
    assert_eq!(
        captions,
        [
            "表1 各板块任务推进情况",
            "表2 重点指标完成情况",
            "表3 严重滞后及逾期任务（红灯）",
            "表4 滞后任务（黄灯）",
            "表5 逾期报送及未报送单位",
            "表6 本期成员单位得分排名"
        ]
    );
    // Sections with their lamps and a total row.
    let sections = text_of(tables[0]);
    assert!(sections.contains("2.3持续推进强中心城区战略31110"));
    assert!(sections.contains("合计1610321"));
    // Units and reasons in the lagging tables.
    let red = text_of(tables[2]);
    assert!(red.contains("牵头：区住房城乡建设局"));
    assert!(red.contains("配合：区民政人社局、区教育卫生健康局"));
    assert!(red.contains("单位说明：2个小区居民意见尚未统一"));
    let yellow = text_of(tables[3]);
    assert!(yellow.contains("单位说明：未说明原因"));
    // Late and missing units.
    let reporting = text_of(tables[4]);
    assert!(reporting.contains("区科技工信局未报送2.2.3、2.4.1"));
    assert!(reporting.contains("区农业农村水利局逾期报送2.2.2、2.4.4"));
    // Ranking: 13 units, ties share a rank.
    let ranking = tables[5];
    assert_eq!(ranking.matches("<w:tr>").count(), 14);
    assert!(text_of(ranking).contains("13区科技工信局80未报送2次 −20"));
    for unit in UNITS {
        assert!(text_of(ranking).contains(unit), "{unit} is not ranked");
    }
}

#[test]
fn demo_is_marked_in_masthead_and_footers() {
    let docx = bulletin_docx(&seed_bulletin(true));
    let xml = part(&docx, "word/document.xml");
    let first_paragraph = xml.split("</w:p>").next().unwrap();
    assert_eq!(text_of(first_paragraph), "【演示数据】");
    assert!(first_paragraph.contains(r#"<w:color w:val="FF0000"/>"#));
    for f in ["word/footer1.xml", "word/footer2.xml"] {
        let footer = part(&docx, f);
        assert!(text_of(&footer).contains("【演示数据】"), "{f}");
        assert!(footer.contains(" PAGE "), "{f}");
    }
    assert!(part(&docx, "docProps/core.xml").contains("【演示数据】"));
}

#[test]
fn empty_sections_say_so() {
    let mut b = seed_bulletin(false);
    b.instructions.clear();
    b.indicators.clear();
    b.lagging.clear();
    b.late_units.clear();
    b.missing_units.clear();
    b.ranking.clear();
    b.closing.clear();
    b.totals.clear();
    let docx = bulletin_docx(&b);
    let xml = part(&docx, "word/document.xml");
    let text = text_of(&xml);
    for t in [
        "五、领导批示本期无新的领导批示。",
        "二、重点指标情况本期无需通报的重点指标。",
        "三、滞后及逾期任务本期无滞后或逾期任务。",
        "四、报送情况本期各成员单位均按时报送。",
        "六、成员单位排名本期暂无成员单位评分。",
    ] {
        assert!(text.contains(t), "missing {t}");
    }
    assert!(
        !text.contains("七、"),
        "no 下步工作要求 without closing paragraphs"
    );
    assert!(!unzip(&docx).iter().any(|(n, _)| n.ends_with(".png")));
    assert!(!part(&docx, "word/_rels/document.xml.rels").contains("rIdChart"));
}

#[test]
fn hostile_text_is_escaped() {
    let mut b = seed_bulletin(false);
    b.summary = "A&B <w:p> \"引号\" 'x' \u{1}控制符".to_owned();
    b.lagging[0].unit_reason = "第一行\n第二行".to_owned();
    let docx = bulletin_docx(&b);
    let xml = part(&docx, "word/document.xml");
    assert_well_formed("document.xml", &xml);
    assert!(xml.contains("A&amp;B &lt;w:p&gt; &quot;引号&quot; &apos;x&apos; 控制符"));
    // A line break in a cell becomes a paragraph of its own.
    assert!(xml.contains(r#"第一行</w:t></w:r></w:p>"#));
}

#[test]
fn document_xml_snapshot() {
    let xml = part(&bulletin_docx(&seed_bulletin(false)), "word/document.xml");
    snapshot("bulletin.document.xml", &xml);
    let docx = bulletin_docx(&seed_bulletin(true));
    snapshot(
        "bulletin-demo.footer1.xml",
        &part(&docx, "word/footer1.xml"),
    );
}

#[test]
fn large_plan_renders() {
    let b = large_bulletin(2000);
    let docx = bulletin_docx(&b);
    save_sample("bulletin-2000.docx", &docx);
    let xml = part(&docx, "word/document.xml");
    assert_well_formed("document.xml", &xml);
    assert_eq!(xml.matches("<w:tblHeader/>").count(), 6);
}

#[test]
fn lagging_tasks_say_completion_and_reporting_and_the_ranking_its_rules() {
    let mut b = seed_bulletin(false);
    b.lagging[0].completion = "老旧小区改造1/3个（33.3%）".to_owned();
    b.lagging[0].reporting = "新报告待审核".to_owned();
    b.ranking_rules = vec![
        "未报送一次扣10分".to_owned(),
        "严重滞后任务一项扣5分".to_owned(),
    ];
    b.unranked = vec!["区工商联".to_owned()];
    let xml = part(&bulletin_docx(&b), "word/document.xml");
    let text = text_of(&xml);
    assert!(
        text.contains("完成情况：老旧小区改造1/3个（33.3%）"),
        "{text}"
    );
    assert!(text.contains("报送情况：新报告待审核"));
    assert!(text.contains("注：评分规则：未报送一次扣10分；严重滞后任务一项扣5分。"));
    assert!(text.contains("未牵头任务、不参与排名的单位：区工商联。"));
    // "未说明原因" is flagged in red.
    let flagged = xml.find("未说明原因").unwrap();
    assert!(
        xml[..flagged]
            .rfind(r#"<w:color w:val="FF0000"/>"#)
            .unwrap()
            > xml[..flagged].rfind("<w:r>").unwrap()
    );
    let html = zhuanban_office::bulletin_html(&b);
    assert!(
        html.contains(
            r#"<p class="bulletin-unit-reason">完成情况：老旧小区改造1/3个（33.3%）</p>"#
        )
    );
    assert!(
        html.contains(r#"<p class="bulletin-unit-reason bulletin-flag">单位说明：未说明原因</p>"#)
    );
    assert!(html.contains("注：评分规则：未报送一次扣10分；严重滞后任务一项扣5分。"));
}
