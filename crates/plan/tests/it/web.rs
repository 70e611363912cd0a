//! Text copied from a government web page reads like the plan itself: the page's chrome
//! (发布时间, 浏览次数, 字体大小, 分享到, 打印本页 …) is ignored, pinyin glosses after characters are
//! read as if absent, and a plan the page runs together on one line is split at its outline
//! marks.

use std::path::Path;

use serde_json::Value;
use zhuanban_plan::{Plan, ReadOptions, read_bytes};

use crate::{brief, compare};

const SEED: &str = "datonghu-regional-action-2024";

fn seed_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/plans/{SEED}.txt")),
    )
    .unwrap()
}

fn expected() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/data/plans/{SEED}.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn read(text: &str) -> Plan {
    read_bytes(text.as_bytes(), &ReadOptions::new("web.txt"))
        .expect("readable")
        .plan
}

fn assert_reads_as_expected(plan: &Plan) {
    let diffs = compare::reading(&expected(), &serde_json::to_value(plan).unwrap());
    assert!(diffs.is_empty(), "differences:\n{}", diffs.join("\n"));
}

/// The page around the plan, as a select-all copy from a county portal gives it.
const PAGE_HEAD: &str = "首页 > 政务公开 > 政策文件 > 规划计划
发布时间：2024-03-15 10:21:36  信息来源：区发改财政局  浏览次数：1526
【字体：大 中 小】  【打印本页】  【关闭窗口】
索引号：431122-2024-00018 主题分类：综合政务
发布日期：2024-03-15
字体大小：大 中 小
分享到：
";

const PAGE_TAIL: &str = "
分享到：  微信  微博  QQ空间
扫一扫在手机打开当前页
【打印】 【关闭】
责任编辑：李某某
扫描二维码随身看资讯
正在阅读：【政策落实】某区重点工作任务
";

#[test]
fn web_page_chrome_is_ignored() {
    let seed = seed_text();
    let page = format!("{PAGE_HEAD}{seed}{PAGE_TAIL}");
    let plan = read(&page);
    assert_reads_as_expected(&plan);
    assert!(
        plan.complete,
        "the chrome after the plan's last line does not cut it off"
    );
    // Nothing of the chrome leaks into a task's text.
    for t in &plan.tasks {
        for w in [
            "浏览次数",
            "分享到",
            "打印",
            "关闭窗口",
            "责任编辑",
            "扫一扫",
            "二维码",
            "正在阅读",
        ] {
            assert!(!t.text.contains(w), "{} carries {w}: {}", t.id, t.text);
        }
    }
}

#[test]
fn web_page_chrome_does_not_hide_plan_lines() {
    // Lines that begin like chrome but are plan text stay.
    let text = "一、工作任务\n1．打印机采购与更新。完成3个科室打印设备更新。（区政务服务中心负责）\n2．信息来源多元化建设。新建2个数据接口。（区大数据中心负责）\n";
    let plan = read(text);
    let titles: Vec<&str> = plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["打印机采购与更新", "信息来源多元化建设"]);
    assert_eq!(plan.tasks[0].targets.len(), 1);
}

#[test]
fn pinyin_glosses_read_as_if_absent() {
    let seed = seed_text();
    let glossed = seed
        .replacen("一、工作目标", "一(yī)、工(gōng)作目标", 1)
        .replacen("二、工作任务", "二（èr）、工作任(rèn)务", 1)
        .replace("统筹", "统(tǒng)筹")
        .replace("区域", "区(qū)域");
    assert_ne!(glossed, seed);
    let plan = read(&glossed);
    assert_reads_as_expected(&plan);
    for t in &plan.tasks {
        assert!(
            !t.text.contains("tǒng") && !t.title.contains("qū"),
            "{}",
            t.text
        );
    }
}

#[test]
fn pinyin_glosses_in_traditional_text() {
    let text = "一(yī)、健全體(tǐ)系\n1．完善標(biāo)準體系。新建3個服務站。（區發改局負責）\n";
    let plan = read(text);
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(plan.tasks[0].id, "1.1");
    assert_eq!(plan.tasks[0].title, "完善標準體系");
    assert_eq!(plan.tasks[0].lead, ["區發改局"]);
}

#[test]
fn pinyin_glosses_of_several_readings() {
    // A character that has several readings is glossed with all of them, split by slashes.
    let text = "一(yī / yì /yí)、總體要(yào / yāo)求\n\
        (一(yī / yì /yí))主要(yào / yāo)目标。優良天數比率達到(dào)90.7%以(yǐ)上(shàng)。（區環保局負責）\n";
    let plan = read(text);
    assert_eq!(brief::titles(&plan), [("1.1", "主要目标")]);
    assert_eq!(brief::values(&plan), [("1.1", vec![90.7])]);
}

#[test]
fn a_plan_run_together_on_one_line_is_split_at_its_outline_marks() {
    let seed = seed_text();
    let lines: Vec<&str> = seed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // As pages give it: paragraphs separated by full-width indents, or by nothing at all.
    for sep in ["\u{3000}\u{3000}", " ", ""] {
        let one = lines.join(sep);
        assert_eq!(one.lines().count(), 1);
        let plan = read(&one);
        let expected = expected();
        let mut got = serde_json::to_value(&plan).unwrap();
        if sep.is_empty() {
            // With nothing between them, a heading that is a task of its own ("一、工作目标") cannot
            // be told from the paragraph after it: its title runs on, but starts right.
            for (e, g) in expected["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .zip(got["tasks"].as_array_mut().unwrap())
            {
                let (et, gt) = (e["title"].as_str().unwrap(), g["title"].as_str().unwrap());
                if gt.starts_with(et) && gt != et {
                    g["title"] = Value::from(et);
                }
            }
        }
        let diffs = compare::reading(&expected, &got);
        assert!(
            diffs.is_empty(),
            "joined with {sep:?}, differences:\n{}",
            diffs.join("\n")
        );
    }
}

#[test]
fn items_numbered_on_across_headings_are_split_in_a_plan_run_together() {
    // A document site's copy: one line, items "1、…4、" under （一） and "5、…" on under （二）,
    // an item starting with a year, half-width brackets.
    let text = "第1页共5页青禾县社会保障提升实施方案一、加快推进医疗保障制度建设(一)扩大医疗保障覆盖面。\
        到2025年，基本医疗保险参保率稳定在95%以上。1、2024年起，将灵活就业人员纳入职工医保，到2025年参保人数达到\
        12000人。(县医保局负责，县人社局配合)2、巩固居民医保参保覆盖面，2025年参保率达到98%以上。(县医保局负责，\
        县财政局配合)3、逐步加大医疗救助资金投入，资助困难群众参加居民医保。(县民政局负责，县医保局、县财政局配合)\
        4、健全因病返贫致贫动态监测机制。(县医保局负责，县乡村振兴局配合)(二)提高医疗保障水平。5、到2025年，居民医保\
        财政补助标准提高到每人每年640元。(县财政局负责，县医保局配合)6、到2025年，住院费用政策范围内报销比例达到\
        70%以上。(县医保局负责)7、推进门诊费用跨省直接结算，2025年实现县域定点医疗机构全覆盖。(县医保局负责，县卫健局配合)";
    assert_eq!(text.lines().count(), 1);
    let plan = read(text);
    let got: Vec<(&str, Vec<&str>)> = plan
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), t.lead.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        got,
        [
            ("1.1.1", vec!["县医保局"]),
            ("1.1.2", vec!["县医保局"]),
            ("1.1.3", vec!["县民政局"]),
            ("1.1.4", vec!["县医保局"]),
            ("1.2.5", vec!["县财政局"]),
            ("1.2.6", vec!["县医保局"]),
            ("1.2.7", vec!["县医保局"]),
        ]
    );
    assert_eq!(plan.title.as_deref(), Some("青禾县社会保障提升实施方案"));
}

#[test]
fn an_excerpt_run_together_keeps_the_numbers_it_left_gaps_in() {
    // A page that quotes some items of a plan on one line: items 3, 6 and 8–9 left out, each
    // item closed by its unit marker, a heading run into its first item.
    let text = "二、重点任务(一)健全中医药服务体系行动1.推动中医医院高质量发展，主动参与县、乡、村一体化中医药医疗服务信息化体系\
        建设，(责任单位：县卫健局、县财政局等)2.加强综合医院中医药科室建设，(责任单位：县卫健局、\
        县发改局等)4.推进传统中医惠民行动，(责任单位：县卫健局、县委宣传部等)(二)提升中医药服务\
        能力行动5.打造中医药示范品牌，(责任单位：县卫健局、县文旅局等)7.推进中医药信息化建设，\
        (责任单位：县卫健局、县发改局等)(五)中医药产业发展行动10.推动中医药产业高质量发展，\
        (责任单位：县文旅局、县卫健局)三、组织实施全面推进中医药强县建设，县政府成立工作领导小组，\
        负责统筹上述重点任务的组织实施和考核工作。";
    assert_eq!(text.lines().count(), 1);
    let plan = read(text);
    let got: Vec<(&str, &str)> = plan
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), t.lead.first().map_or("", String::as_str)))
        .collect();
    assert_eq!(
        got,
        [
            ("2.1.1", "县卫健局"),
            ("2.1.2", "县卫健局"),
            ("2.1.4", "县卫健局"),
            ("2.2.5", "县卫健局"),
            ("2.2.7", "县卫健局"),
            ("2.5.10", "县文旅局"),
            ("3", ""),
        ]
    );
}

#[test]
fn an_inline_list_in_a_long_paragraph_is_not_split() {
    let item = "加强基层治理能力建设，完善网格化管理服务机制，推动人力、财力、物力等资源向基层下沉，健全矛盾纠纷多元化解机制，提升群众满意度和获得感";
    let long = format!(
        "一、工作任务\n1．提升治理水平。主要包括：（1）{item}；（2）{item}；（3）{item}；（4）{item}。（区委政法委负责）\n"
    );
    let plan = read(&long);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1"]);
}

#[test]
fn a_sections_items_run_together_on_its_line_are_split() {
    // Each section's items on one short line, each after the sentence before. A task's own
    // steps on its line ("1.…。2.…") are not a sequence of two: they stay.
    let text = "\
某区2020年区政府重点工作目标安排
一、推动区域发展规划实施
（一）开展区“十四五”规划编制。（二）推进产业空间高质量利用研究，做好低效用地转型提升工作。（三）开展规划纲要实施情况评估。
二、推动区域经济高质量发展
（一）实现年度社会消费品零售总额达到800亿元。（二）引进税收规模千万级企业20家。
（三）推进城市更新。1.完成旧区改造。2.完成老旧住房修缮10万平方米。
";
    let plan = read(text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"]);
    assert_eq!(plan.tasks[4].title, "引进税收规模千万级企业20家");
    // Items of the level below on their heading's line, after its sentence; a lone "①"
    // (a note) is no run of items.
    let text = "\
某县2019年脱贫攻坚重大任务承诺事项
一、确保完成1.63万贫困人口脱贫任务。①10月底前，解决45489人饮水安全问题。②全年转移输出农村剩余劳动力5.75万人。
二、确保完成27个贫困村退出任务。10月底前，完成27个退出村卫生室建设。①所需资金由县财政统筹。
";
    let plan = read(text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2", "2"]);
    assert_eq!(plan.tasks[0].title, "10月底前，解决45489人饮水安全问题");
}

#[test]
fn a_plan_run_together_after_its_title_is_split_at_its_first_heading() {
    let body = "加强组织协调，完善工作机制，推动各项任务落实落细，确保取得实效";
    let text = format!(
        "第1页共8页某市医疗保障提升实施方案一、扩大医疗保障覆盖面（一）提高参保水平。{body}。1、到2023年，城镇职工医保参保率达到90%以上。（市人社局负责，市国资委配合）2、稳固新农合覆盖面，参合率达到98%以上。（市卫生局负责，市财政局配合）二、提高医疗保障水平（一）提高补助标准。{body}。1、推进门诊费用统筹，报销比例不低于30%。（市卫生局负责）{body}。{body}。{body}。{body}。"
    );
    let plan = read(&text);
    assert_eq!(plan.title.as_deref(), Some("某市医疗保障提升实施方案"));
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1.1", "1.1.2", "2.1.1"]);
    assert_eq!(plan.tasks[0].lead, ["市人社局"]);
}

#[test]
fn a_list_of_records_run_together_on_one_line_is_split_at_its_items_and_fields() {
    // A page that lost its line breaks: items "1." with no heading above them, each a record
    // of labelled fields set off by spaces; a report of progress (实际完成情况) is no part of
    // the plan; a table of places printed after a unit field is no unit; an item's mark may
    // follow a number of that table ("… 24 3.").
    let filler = "各责任单位高度重视，加强督查推进，实事项目总体进展情况良好，接受社会监督";
    let text = format!(
        "某市2024年民生实事项目进展情况公示 {filler}。{filler}。 \
         1.新增安装300套路口视频采集设备。 牵头领导:王某 责任单位:市公安局 项目责任人:李某 \
         配合单位:市城管局、市财政局 实际完成情况:已完成年度目标任务的55%，完成安装120套。 \
         2.新辟公交线路10条，优化调整20条。 牵头领导:王某 责任单位:市交通委 项目责任人:张某 \
         配合单位:市公安局、各区政府 东区 西区 合计 新辟线路年度目标 4 6 10 实际完成 12 12 24 \
         3.新建公共厕所5座。 牵头领导:赵某 责任单位:市城管局 项目责任人:刘某 \
         实际完成情况:已建成3座，完成率60%。"
    );
    let plan = read(&text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        crate::brief::units(&plan),
        [
            ("1", vec!["市公安局"], vec!["市城管局", "市财政局"]),
            ("2", vec!["市交通委"], vec!["市公安局", "各区政府"]),
            ("3", vec!["市城管局"], vec![]),
        ]
    );
    assert_eq!(
        crate::brief::values(&plan),
        [
            ("1", vec![300.0]),
            ("2", vec![10.0, 20.0]),
            ("3", vec![5.0]),
        ]
    );
}

#[test]
fn items_on_one_line_after_a_space_and_circled_items_after_a_colon() {
    // "1.…。 2.…。 3.…" on one short line (a space after each "。"); circled items after a
    // colon and semicolons ("2、…工程：①…；②…。") are items of the item.
    let text = "\
某镇巡河工作具体要求
1.镇级河长每月巡河至少1次。 2.村级河长每月巡河至少2次。 3.巡河长度需要达到300米以上。
";
    let plan = read(text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(plan.complete);
    let text = "\
某市教育局2020年民生实事项目完成情况
1、省实事工程：增加公办幼儿园学位970个。
2、市民生实事工程：①提质改造乡村小规模学校30所；②建成社会足球场7个。
";
    let plan = read(text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2.1", "2.2"]);
    assert_eq!(
        crate::brief::values(&plan),
        [("1", vec![970.0]), ("2.1", vec![30.0]), ("2.2", vec![7.0])]
    );
}

#[test]
fn records_numbered_before_their_name_label_are_items() {
    // A report on a list of projects: each record numbered before its name's label ("01
    // 项目名称：…", or the number, the label and the name on lines of their own), its content
    // under a label, its unit field's label on a line of its own (with or without a colon),
    // and a report of progress that is no part of the plan.
    let text = "\
全县“我为群众办实事”实践活动项目进展与成效情况汇报
01 项目名称：提升县域生态环境
项目内容：
持续推进厕所革命，新改建城区公共厕所5座。新建2个湿地乡村。
责任单位：
水务局、城管局、自然资源局
进展与成效：
已确定5座公厕建厕位置，完成湿地乡村建设点2个。
02
项目名称：
加大文化惠民力度
项目内容：
新建“城市书房”1个。
责任单位
文广旅局
进展与成效：
公益放映厅建设已全部完成，5月开展放映70场次。
";
    let plan = read(text);
    assert_eq!(
        crate::brief::titles(&plan),
        [("1", "提升县域生态环境"), ("2", "加大文化惠民力度")]
    );
    assert_eq!(
        crate::brief::units(&plan),
        [
            ("1", vec!["水务局"], vec!["城管局", "自然资源局"]),
            ("2", vec!["文广旅局"], vec![]),
        ]
    );
    assert_eq!(
        crate::brief::values(&plan),
        [("1", vec![5.0, 2.0]), ("2", vec![1.0])]
    );
}

#[test]
fn a_table_whose_cells_ran_together_gives_a_task_for_each_row() {
    // A document site's text of a Word table: no break between cells or rows, a page break
    // repeating the header; the copy breaks off in the last row, which is left out. Each row
    // is a task with its targets; a count in a row ("3个",
    // "竣工3个") is no row number, and the row's units cannot be told from the person's name
    // run into them, so none are guessed.
    let text = "\
某区2021年重大民生实事项目目标任务责任分解表序号项目名称主要内容区政府分管领导牵头单位配合单位1增加教育资源供给实施新建、改扩建学校重点建设项目12个，计划竣工3个；增加学位5000个。王某某教育局经开区各街道2促进就业稳定增长全区城镇新增就业15000人，城镇登记失业率控制在3%以内。王某某人社局各街道序号项目名称主要内容区政府分管领导牵头单位配合单位3优化养老服务为全区23000名老年人提供居家上门服务。张某民政局各街道4文体惠民行动新建2家“秋白
";
    let plan = read(text);
    let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        crate::brief::values(&plan),
        [
            ("1", vec![12.0, 3.0, 5000.0]),
            ("2", vec![15000.0, 3.0]),
            ("3", vec![23000.0]),
        ]
    );
    assert!(plan.tasks.iter().all(|t| t.lead.is_empty()));
    assert!(plan.tasks.iter().all(|t| !t.text.contains("序号")));
}

#[test]
fn a_body_that_works_together_with_others_leads_them() {
    // "由A会同B、C等部门研究提出落实意见": A leads, B and C support, also in traditional
    // characters; names as written.
    let text = "\
一、關於糧食安全的問題
（一）關於“確保穀物基本自給”的問題，由發展改革委會同農業部、財政部等部門研究提出落實意見。
（二）關於耕地保護的問題，由國土資源部會同農業部研究提出落實意見。
";
    let plan = read(text);
    assert_eq!(
        crate::brief::units(&plan),
        [
            ("1.1", vec!["發展改革委"], vec!["農業部", "財政部"]),
            ("1.2", vec!["國土資源部"], vec!["農業部"]),
        ]
    );
}
