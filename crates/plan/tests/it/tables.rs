//! Task tables: one 8-row table (tests/data/tables/task-table.*), written by hand as an HTML
//! page and as text copied from a browser (tab separated, one cell per line), and made once
//! with LibreOffice into .docx, .xlsx, .xls, .ods and .csv, reads in every form to the reading
//! written by hand in `task-table.expected.json`.

use std::path::Path;

use serde_json::Value;
use zhuanban_plan::{Plan, ReadOptions, Reading, SourceFormat, read_bytes, read_text};

use crate::{brief, compare};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/tables")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn expected() -> Value {
    serde_json::from_slice(&data("task-table.expected.json")).unwrap()
}

fn read(name: &str) -> Reading {
    read_bytes(&data(name), &ReadOptions::new(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_reads_as_expected(name: &str, plan: &Plan) {
    let diffs = compare::reading(&expected(), &serde_json::to_value(plan).unwrap());
    assert!(
        diffs.is_empty(),
        "{name} differs from the expected reading:\n{}",
        diffs.join("\n")
    );
}

fn check(name: &str, format: SourceFormat) {
    let r = read(name);
    assert_eq!(r.format, Some(format), "{name}");
    assert!(r.plan.complete, "{name}");
    assert_eq!(
        r.plan.title.as_deref(),
        Some("江州市2024年乡村振兴重点任务分解表"),
        "{name}"
    );
    assert!(!r.has_errors(), "{name}: {:?}", r.diagnostics);
    assert_reads_as_expected(name, &r.plan);
}

#[test]
fn docx_table_reads_as_expected() {
    check("task-table.docx", SourceFormat::Docx);
}

#[test]
fn xlsx_table_reads_as_expected() {
    check("task-table.xlsx", SourceFormat::Xlsx);
}

#[test]
fn xls_table_reads_as_expected() {
    check("task-table.xls", SourceFormat::Xls);
}

#[test]
fn ods_table_reads_as_expected() {
    check("task-table.ods", SourceFormat::Ods);
}

#[test]
fn csv_table_reads_as_expected() {
    check("task-table.csv", SourceFormat::Csv);
}

#[test]
fn html_page_reads_as_expected() {
    check("task-table.html", SourceFormat::Html);
}

#[test]
fn browser_copy_tab_separated_reads_as_expected() {
    check("task-table.tabs.txt", SourceFormat::Utf8);
}

#[test]
fn one_cell_per_line_reads_as_expected() {
    check("task-table.lines.txt", SourceFormat::Utf8);
}

#[test]
fn the_format_is_sniffed_not_named() {
    // The same bytes under a misleading name read the same.
    let r = read_bytes(&data("task-table.xlsx"), &ReadOptions::new("plan.docx")).unwrap();
    assert_eq!(r.format, Some(SourceFormat::Xlsx));
    assert_eq!(r.plan.tasks.len(), 8);
}

#[test]
fn collective_unit_with_brackets_stays_whole() {
    let r = read("task-table.tabs.txt");
    let t3 = r.plan.tasks.iter().find(|t| t.id == "3").expect("task 3");
    assert_eq!(t3.support, ["各县（市、区）人民政府"]);
    let t4 = r.plan.tasks.iter().find(|t| t.id == "4").expect("task 4");
    assert_eq!(t4.support, ["市卫生健康委", "各县（市、区）人民政府"]);
}

const PEOPLE_AND_ASSESSORS: &str = "\
序号\t工作任务\t责任单位\t分管县领导\t联系人\t评分部门\t1-10月推进情况\t完成时限
1\t新建改建农村公路15公里\t县交通运输局、县财政局\t张某某\t李某\t县委督查室\t已完成12公里\t2024年12月底前
2\t创建省级卫生村3个\t县卫生健康局\t王某某\t赵某\t县考核办\t已创建2个\t2024年11月底前
";

#[test]
fn people_and_assessor_columns_are_not_units() {
    let r = read_text(PEOPLE_AND_ASSESSORS, &ReadOptions::new("t"));
    let tasks = &r.plan.tasks;
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].lead, ["县交通运输局"]);
    assert_eq!(tasks[0].support, ["县财政局"]);
    assert_eq!(tasks[1].lead, ["县卫生健康局"]);
    assert!(tasks[1].support.is_empty());
    for t in tasks {
        for u in t.lead.iter().chain(&t.support) {
            assert!(
                !u.contains('某') && !u.contains("督查") && !u.contains("考核"),
                "{u}"
            );
        }
    }
    assert_eq!(tasks[0].leaders, ["张某某", "李某"]);
    assert_eq!(tasks[0].targets.len(), 1);
    assert_eq!(
        (tasks[0].targets[0].value, tasks[0].targets[0].unit.as_str()),
        (15.0, "公里")
    );
}

#[test]
fn header_words_wrapped_over_lines_keep_the_columns_aligned() {
    // A progress table copied one cell per line: "攻坚目标" / "任务" and "第二季度" / "完成情况"
    // are one header each, so the report column is not read as targets.
    let text = "\
序号
重点工作
责任
领导
责任
科室
攻坚目标
任务
第二季度
完成情况
1
渔港码头改造
王某某
镇农业办
完成码头改造2座。
已完成1座，进度达60%。
2
农村道路提升
李某
镇建设办
新建农村道路12公里。
已完成8公里。
";
    let r = read_text(text, &ReadOptions::new("t"));
    let tasks = &r.plan.tasks;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert_eq!(tasks[0].title, "渔港码头改造");
    assert_eq!(tasks[0].lead, ["镇农业办"]);
    assert_eq!(tasks[1].lead, ["镇建设办"]);
    let brief = |i: usize| -> Vec<(f64, String)> {
        tasks[i]
            .targets
            .iter()
            .map(|t| (t.value, t.unit.clone()))
            .collect()
    };
    assert_eq!(brief(0), [(2.0, "座".to_string())]);
    assert_eq!(brief(1), [(12.0, "公里".to_string())]);
    assert!(r.diagnostics.iter().all(|d| d.code != "unknown-column"));
}

#[test]
fn a_table_flattened_with_single_spaces_reads_by_its_header() {
    // A web page's table whose cell breaks became single spaces, a unit column printed one
    // unit a line, a numbered category row between the rows, and the site's catalogue data.
    let text = "\
名称: 青川区2025年重点工作任务分解表 文号:
发文日期: 2025-03-20
青川区2025年重点工作任务分解表
序号 重点工作任务 主要责任单位 协同配合单位
一、主要预期目标
1 地区生产总值增长6%左右。 区发改委 区政府各部门,各街道办事处。
2 一般公共预算收入增长5%左右。 区财政局
区税务局
区政府有关部门,各街道办事处,青川经开区管委会。
3 城镇新增就业3000人以上。 区人社局 区发改委、区商务局。
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        r.plan.title.as_deref(),
        Some("青川区2025年重点工作任务分解表")
    );
    assert_eq!(
        brief::units(&r.plan),
        [
            (
                "1.1",
                vec!["区发改委"],
                vec!["区政府各部门", "各街道办事处"]
            ),
            (
                "1.2",
                vec!["区财政局", "区税务局"],
                vec!["区政府有关部门", "各街道办事处", "青川经开区管委会"]
            ),
            ("1.3", vec!["区人社局"], vec!["区发改委", "区商务局"]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1.1", vec![6.0]),
            ("1.2", vec![5.0]),
            ("1.3", vec![3000.0])
        ]
    );
}

#[test]
fn items_under_a_merged_number_are_rows_of_their_own() {
    // A table copied one cell a line whose 序号 cell is merged over items numbered in the
    // 工作标准 column, each followed by the cells it does not share with the item above:
    // the leader, the lead unit, the support units (one a line, a bracket going with the name
    // before it). Items are numbered on over the rows.
    let text = "\
附件1
青川区主要目标任务责任分解表
序号
目标名称
工 作 标 准
区政府
分管领导
牵头单位
配合单位
1
主要预期目标
（1）地区生产总值增长6%左右。
王某某
发改局
经开区
高新园
（东湖镇）
统计局
（2）一般公共预算收入增长3%以上。
财政局
（3）社会消费品零售总额增长6%左右。
李 某
商务局
（4）实际使用外资稳中提质。
（5）安全生产形势平稳向好。
应急管理局
（安委办）
区安委会各成员单位
2
推动产城融合
（6）新增入库重大项目7个以上。
（7）区重点产业项目完成投资超60亿元。
";
    let r = read_text(text, &ReadOptions::new("t"));
    let support = vec!["经开区", "高新园（东湖镇）", "统计局"];
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["发改局"], support.clone()),
            ("1.2", vec!["财政局"], support.clone()),
            ("1.3", vec!["商务局"], support.clone()),
            ("1.4", vec!["商务局"], support.clone()),
            (
                "1.5",
                vec!["应急管理局（安委办）"],
                vec!["区安委会各成员单位"]
            ),
            ("2.6", vec![], vec![]),
            ("2.7", vec![], vec![]),
        ]
    );
    assert_eq!(r.plan.tasks[0].title, "地区生产总值增长6%左右");
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1.1", vec![6.0]),
            ("1.2", vec![3.0]),
            ("1.3", vec![6.0]),
            ("1.4", vec![]),
            ("1.5", vec![]),
            ("2.6", vec![7.0]),
            ("2.7", vec![60.0]),
        ]
    );
    // The rows' titles name the groups.
    let sections: Vec<&str> = r.plan.sections.iter().map(|s| s.title.as_str()).collect();
    assert!(sections.contains(&"主要预期目标"), "{sections:?}");
}

#[test]
fn an_indicator_table_with_each_cell_opened_by_a_bar() {
    // An assessment's indicator table copied one cell a line, each cell opened by "| ", a
    // header word split by a space ("权 重"): the indicator (考评指标) is what a row is about;
    // weights and the data's source are no part of the task, and the weights' numbers are
    // not rows.
    let text = "\
附件2：示范区考核评价指标体系
序号
| 考评指标
| 目标任务考核指标权 重
| 数据来源
| 1
| 地区生产总值
| 10
| 省统计局
| 2
| 财政收入
| 12
| 省财政厅
| 3
| 城镇化率
|
| 省住房城乡建设厅、省统计局
| 4
| 投资强度
| 5
| 省自然资源厅
| 5
| 科技创新贡献率
| 4
| 省科技厅
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::titles(&r.plan),
        [
            ("1", "地区生产总值"),
            ("2", "财政收入"),
            ("3", "城镇化率"),
            ("4", "投资强度"),
            ("5", "科技创新贡献率")
        ]
    );
    assert!(
        r.plan
            .tasks
            .iter()
            .all(|t| t.lead.is_empty() && t.support.is_empty() && t.targets.is_empty()),
        "{:?}",
        brief::units(&r.plan)
    );
}

#[test]
fn a_merged_unit_cell_copied_one_cell_a_line_applies_to_the_rows_below() {
    // A county bureau's table copied one cell a line: a header word glossed in brackets on the
    // next line ("责任股室" / "（单位）"); the 指标 (category), 完成时限, 责任领导 and 责任股室
    // cells merged over rows print in the first row only; units are sections of the bureau
    // ("旅游股"); a category's name ("文化产业") is no person, and a number beside 年 ("全年
    // …100场") no date.
    let text = "\
序号
指标
工作任务
完成时限
责任领导
责任股室
（单位）
备注
1
公共文化服务
免费开放服务人次较上年增长15%。
12月底前
王某
文化宣传股
文化馆
图书馆
2
全年组织开展惠民演出不少于100场。
3
开展好“三下乡”活动。
4
文化产业
培育规模以上文化服务企业1家。
5
旅游
新建旅游厕所6座。
5月底
周某
旅游股
6
抓好旅游环境综合整治工作。
";
    let r = read_text(text, &ReadOptions::new("t"));
    let titles: Vec<&str> = r.plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "免费开放服务人次较上年增长15%",
            "全年组织开展惠民演出不少于100场",
            "开展好“三下乡”活动",
            "培育规模以上文化服务企业1家",
            "新建旅游厕所6座",
            "抓好旅游环境综合整治工作"
        ]
    );
    let culture = (vec!["文化宣传股"], vec!["文化馆", "图书馆"]);
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", culture.0.clone(), culture.1.clone()),
            ("2", culture.0.clone(), culture.1.clone()),
            ("3", culture.0.clone(), culture.1.clone()),
            ("4", culture.0.clone(), culture.1.clone()),
            ("5", vec!["旅游股"], vec![]),
            ("6", vec!["旅游股"], vec![]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1", vec![15.0]),
            ("2", vec![100.0]),
            ("3", vec![]),
            ("4", vec![1.0]),
            ("5", vec![6.0]),
            ("6", vec![]),
        ]
    );
    assert!(
        r.diagnostics.iter().all(|d| d.code != "unknown-column"),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn a_long_header_word_with_a_gloss_and_a_section_beside_the_lead() {
    // A header word longer than most, glossed in brackets ("重点工作任务（民生实事项目）"); the
    // 负责科室 beside the 牵头单位 supports; a task that ends in a unit's word ("…活动中心")
    // is a task; a report of progress is no target.
    let text = "\
序号
重点工作任务（民生实事项目）
牵头单位
负责科室
负责人
计划完成时间
进展情况（一季度）
1
新增老年食堂（助餐点）15个
区民政局
养老服务科
何某
11月底前
其中3个点位已完成建设。
2
建成启用区级老年活动中心
目前正在进行主体建筑装修阶段。
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["区民政局"], vec!["养老服务科"]),
            ("2", vec!["区民政局"], vec!["养老服务科"]),
        ]
    );
    assert_eq!(r.plan.tasks[1].title, "建成启用区级老年活动中心");
    assert_eq!(brief::values(&r.plan), [("1", vec![15.0]), ("2", vec![])]);
}

#[test]
fn a_second_line_of_a_task_cell_under_a_merged_number_goes_on_with_the_task() {
    // A web table copied with bars: the 序号 and the other cells merged over two rows, the
    // task cell split in two; the copy gives the second row's one cell first.
    let text = "\
序号 | 工作任务 | 责任单位 | 一季度目标 | 进展情况 |
1 | 新改扩建公办中小学校1所 | 教体局 | 室内安装 | 装修完成80%。 |
新增学位810个 | ||||
2 | 完成结对帮扶学校2所 | 教体局 | 互派人员到位 | 已开展交流。 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::values(&r.plan),
        [("1", vec![1.0, 810.0]), ("2", vec![2.0])]
    );
}

#[test]
fn a_unit_named_in_a_header_in_traditional_characters_is_given_as_written() {
    let text = "\
序號 | 項目名稱 | 年度投資金額（萬元） | 責任單位 |
1 | 城區學校改擴建 | 300 | 縣教育局 |
2 | 新建養老服務中心 | 1360 | 縣民政局 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    let targets: Vec<(f64, &str)> = r
        .plan
        .tasks
        .iter()
        .flat_map(|t| &t.targets)
        .map(|g| (g.value, g.unit.as_str()))
        .collect();
    assert_eq!(targets, [(300.0, "萬元"), (1360.0, "萬元")]);
}

#[test]
fn an_excerpt_of_a_table_may_start_at_any_row_after_its_category() {
    // A department's excerpt of a city's table: the header, a numbered category row, and the
    // department's rows only, numbered as in the whole table (3, then 68 under "六、").
    let text = "\
区教育局2025年政府工作报告重点工作任务分解表
序号
重点工作任务
主要责任单位
协同配合单位
一、主要预期目标
3
固定资产投资增长7.5%左右。
区发改委
区教育局、区住建局
六、加快社会事业发展
68
加快建设黎明小学扩建教学楼项目。
区教育局
区财政局
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.3", vec!["区发改委"], vec!["区教育局", "区住建局"]),
            ("6.68", vec!["区教育局"], vec!["区财政局"]),
        ]
    );
}

#[test]
fn rows_one_cell_a_line_go_on_under_numbered_categories() {
    // A table copied one cell a line, each cell closed by a bar, lines of bars for empty
    // cells; a numbered category row ("一、") stands between the header and the rows, and
    // the 序号 cell is merged over items numbered "1." on over the rows, each with its leader
    // and a starred lead unit (the leader merged over items where it is left out).
    let text = "\
青川区2024年重点工作目标任务分解落实方案
序号
|
项目
|
重点工作目标任务
|
牵头领导
|
责任单位
|
一、主要预期目标
|
||||
1
|
主要预期目标
|
1.地区生产总值增长5%以上。
|
王 某
|
★区发改委、统计局
|
2.一般公共预算收入增长6%以上。
|
★区财政局、税务局
|
|||
2
|
稳住就业
|
3.城镇新增就业3000人。
|
李 某
|
★区人社局
|
||
二、改革开放
|
||||
3
|
深化改革
|
4.完成改革事项10项。
|
赵 某
|
★区委改革办、区发改委
|
||
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1.1", vec!["区发改委"], vec!["统计局"]),
            ("1.1.2", vec!["区财政局"], vec!["税务局"]),
            ("1.2.3", vec!["区人社局"], vec![]),
            ("2.3.4", vec!["区委改革办"], vec!["区发改委"]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1.1.1", vec![5.0]),
            ("1.1.2", vec![6.0]),
            ("1.2.3", vec![3000.0]),
            ("2.3.4", vec![10.0]),
        ]
    );
    let sections: Vec<&str> = r.plan.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        sections,
        [
            "主要预期目标",
            "主要预期目标",
            "稳住就业",
            "改革开放",
            "深化改革"
        ]
    );
}

#[test]
fn rows_one_cell_a_line_go_on_under_a_heading_after_a_category_row() {
    // The header's people column is set over two lines under the body it belongs to
    // ("市政府" / "分管领导"); an unnumbered category row and a numbered heading stand before
    // the rows; the empty 备注 cell is not printed; places share the body after them
    // ("荔湾区、黄埔区政府"); the lead unit is marked with ▲ in a later row.
    let text = "\
序号
重点工作
市政府
分管领导
牵头单位
配合单位
备注
强化科技创新支撑能力。
（一）
加强战略科技力量建设。
1
建设科技创新轴。
王 某
市科技局
荔湾区、黄埔区政府
2
筹建实验室。
王 某
▲市卫生健康委、市科技局
市财政局
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["市科技局"], vec!["荔湾区", "黄埔区政府"]),
            ("1.2", vec!["市卫生健康委"], vec!["市科技局", "市财政局"]),
        ]
    );
    assert_eq!(r.plan.tasks[0].title, "建设科技创新轴");
}

#[test]
fn a_progress_table_by_place_reads_its_planned_numbers_as_targets() {
    // A 进度表 of places, one cell a line closed by bars: the place is what a row is about,
    // the planned count (no unit: a count named before its number) and planned investment are
    // targets, what was done so far (累计…, …完成率, 开工率) is progress.
    let text = "\
全省2021年重点民生实事项目完成进度表
序号 |
市 州 |
计划完成数 |
累计开工数 |
开工率 |
计划投资额(万元) |
累计完成投资额(万元) |
计划投资完成率 |
1 |
青川市 |
150 |
143 |
95.33% |
86157.25 |
36836.13 |
42.75% |
2 |
禾山市 |
71 |
44 |
61.97% |
13533.40 |
4756.44 |
35.15% |
";
    let r = read_text(text, &ReadOptions::new("t"));
    let titles: Vec<&str> = r.plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["青川市", "禾山市"]);
    let targets: Vec<Vec<(f64, &str)>> = r
        .plan
        .tasks
        .iter()
        .map(|t| {
            t.targets
                .iter()
                .map(|g| (g.value, g.unit.as_str()))
                .collect()
        })
        .collect();
    assert_eq!(
        targets,
        [
            vec![(150.0, ""), (86157.25, "万元")],
            vec![(71.0, ""), (13533.4, "万元")]
        ]
    );
}

#[test]
fn a_header_run_into_the_paragraph_before_and_rows_short_of_cells() {
    // A copy that turned line breaks into spaces: the notice's last words, the table's title
    // and its header on one line; rows split by single spaces leave the 名称 cell out.
    let text = "\
青川市人民政府办公室关于分解落实2018年政府工作任务的通知 各镇人民政府： 现下达给你们，请认真组织实施。 附件：青川市2018年政府工作任务分解表 青川市人民政府办公室 2018年2月24日 青川市2018年政府工作任务分解表 序号 名称 工作任务 牵头责任单位
一、经济社会发展主要预期目标分解（3项）
1 地区生产总值增长7%以上。 发改委
2 一般公共预算收入增长8%以上。 财政局
3 全社会固定资产投资额550亿元。 发改委、经信委
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["发改委"], vec![]),
            ("1.2", vec!["财政局"], vec![]),
            ("1.3", vec!["发改委", "经信委"], vec![]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [("1.1", vec![7.0]), ("1.2", vec![8.0]), ("1.3", vec![550.0])]
    );
}

#[test]
fn numbered_steps_in_a_cell_one_a_line_stay_in_their_row() {
    // Steps "（1）…（2）…" printed one a line inside a task cell, the units after the last:
    // one row, not items.
    let text = "\
序号
工作任务
牵头单位
配合单位
1
推进老旧小区改造
（1）6月底前完成摸底。
（2）12月底前完成改造3个。
区住建局
区财政局
2
推进雨污分流改造
区水务局
区城管局
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["区住建局"], vec!["区财政局"]),
            ("2", vec!["区水务局"], vec!["区城管局"]),
        ]
    );
}

#[test]
fn starred_units_lead_in_a_responsibility_column_and_in_flattened_text() {
    // "标★的为牵头单位": in a single 责任单位 column, and in a table flattened to one cell a
    // line with "|" between the cells, which reads as numbered items.
    let table = "\
序号\t工作任务\t责任单位
1\t城镇新增就业3000人以上。\t区人社局、★区发改委
2\t工业投资增长10%以上。\t★区工信局、统计局
";
    let r = read_text(table, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["区发改委"], vec!["区人社局"]),
            ("2", vec!["区工信局"], vec!["统计局"]),
        ]
    );
    let flat = "\
一、主要预期目标
|
1.地区生产总值增长5%以上。
|
王 某
|
★区发改委、统计局
|
2.一般公共预算收入增长6%以上。
|
★区财政局、税务局
|
||||
3.规上工业总产值增长5%左右。
|
★区工信局、统计局
|
";
    let r = read_text(flat, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["区发改委"], vec!["统计局"]),
            ("1.2", vec!["区财政局"], vec!["税务局"]),
            ("1.3", vec!["区工信局"], vec!["统计局"]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [("1.1", vec![5.0]), ("1.2", vec![6.0]), ("1.3", vec![5.0])]
    );
}

#[test]
fn cells_one_a_line_are_lined_up_by_what_they_hold() {
    // A 任务清单 copied one cell a line: a 考核项目 column before the 序号, a 考核指标 cell
    // merged over two rows (printed once), a 单位 column, a 责任部门 cell printed one unit a
    // line, and an assessor column that is no unit of the task.
    let text = "\
青川县乡村振兴任务清单
考核项目
序号
考核指标
考核内容
单位
年度目标
责任部门
评分部门
农业高质高效
1
确保重要农产品有效供给
农林牧渔业增加值增幅
%
≥2%
县海洋与渔业局
县农业农村局
市农业农村局
2
农业劳动生产率及增幅
万元/人
全市统筹
县海洋与渔业局
县农业农村局
市农业农村局
3
粮食播种面积
万亩
0.07
县农业农村局
市农业农村局
4
吴江海关协作
万元
30
吴江海关
市商务局
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["县海洋与渔业局"], vec!["县农业农村局"]),
            ("2", vec!["县海洋与渔业局"], vec!["县农业农村局"]),
            ("3", vec!["县农业农村局"], vec![]),
            ("4", vec!["吴江海关"], vec![]),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1", vec![2.0]),
            ("2", vec![]),
            ("3", vec![700.0]),
            ("4", vec![30.0])
        ]
    );
    assert_eq!(r.plan.tasks[2].targets[0].unit, "亩");
}

#[test]
fn a_text_cut_inside_a_later_attachment_keeps_the_rows_before_it() {
    let head = "\
附件1
青川区主要目标任务分解表
序号
工作任务
牵头单位
1
空气质量完成年度目标任务
区生态环境局
2
节能减排降碳完成年度目标任务
区发展改革委
";
    let cut = "附件2\n青川区重点工作任务分解表\n序号\n工作任务\n牵头单位\n1\n联动共建科学城\n推动重点实验室落地，引进研发机构8家、中科\n";
    let r = read_text(&format!("{head}{cut}"), &ReadOptions::new("t"));
    assert!(!r.plan.complete);
    let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids[..2], ["1", "2"]);
    assert_eq!(r.plan.tasks[1].lead, ["区发展改革委"]);
    // Cut inside the last row of the only table, in its text or in its unit's name: that row
    // is left out.
    for tail in [
        "3\n推动重点实验室落地，引进研发机构8家、中科\n",
        "3\n推动重点实验室落地。\n县",
        "3\n推动重点实验室落地。\n市发",
        "3\n推动重点实验室落地。\n市科",
        "3\n推动重点实验室落地。\n区科技局、各镇（",
    ] {
        let r = read_text(&format!("{head}{tail}"), &ReadOptions::new("t"));
        let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"], "{tail}");
        assert!(!r.plan.complete, "{tail}");
    }
    // A whole last row.
    for unit in ["区科技局", "区委"] {
        let r = read_text(
            &format!("{head}3\n推动重点实验室落地。\n{unit}\n"),
            &ReadOptions::new("t"),
        );
        assert!(r.plan.complete, "{unit}");
        assert_eq!(r.plan.tasks.len(), 3);
    }
}

#[test]
fn a_reference_number_column_is_a_remark_of_the_row() {
    // A report of tasks taken from a higher plan: the row's number in that plan ("市折子号")
    // and a progress column beside the task, no unit columns, cells split by single spaces.
    let text = "\
青川区涉及市政府工作报告重点任务一季度完成情况
序号 市折子号 市政府工作报告任务 目前进展情况
1 21 健全实体化运行工作机制，完善督查督办机制。 成立工作领导小组及办公室。
2 74 完成22个传统商圈改造提升任务，每个区至少建设1个高品质特色商圈。 召开商圈建设协调会议。
3 89 拆除违法建设250万平方米。 已拆除违法建设60万平方米。
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1", vec![]),
            ("2", vec![22.0, 1.0]),
            ("3", vec![2_500_000.0])
        ]
    );
    assert_eq!(
        r.plan.tasks[0].title,
        "健全实体化运行工作机制，完善督查督办机制"
    );
    assert!(r.diagnostics.iter().all(|d| d.code != "unknown-column"));
}

#[test]
fn a_single_spaced_table_with_spaces_inside_cells_keeps_its_unit_columns() {
    // A copy that printed one space for each cell break, empty cells too, and spaces inside
    // cells: a category split over two words, a task title over three, empty category and
    // task cells on the third row.
    let text = "\
序号 类别 主要任务 细化措施 牵头单位 参与单位 责任单位
1 保护水资 源 严守用水总量红线 实施用水总量和强度双控，到2025年全县用水总量控制在2.5亿立方米以内。 县水利局 县发展改革局、县农业农村局等 各乡镇人民政府，青湾开发区管委会
2  严守用水 效率 红线 落实用水效率评估体系，到2025年万元工业增加值用水量比2020年下降16%以上。 县水利局 县工业和信息化局等 各乡镇人民政府
3   抓好农业节水。推广喷灌滴灌，到2025年新增高效节水灌溉面积1.2万亩。 县农业农村局、县水利局 县财政局 各乡镇人民政府
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            (
                "1",
                vec!["县水利局"],
                vec![
                    "县发展改革局",
                    "县农业农村局",
                    "各乡镇人民政府",
                    "青湾开发区管委会"
                ]
            ),
            (
                "2",
                vec!["县水利局"],
                vec!["县工业和信息化局", "各乡镇人民政府"]
            ),
            (
                "3",
                vec!["县农业农村局", "县水利局"],
                vec!["县财政局", "各乡镇人民政府"]
            ),
        ]
    );
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1", vec![250_000_000.0]),
            ("2", vec![-16.0]),
            ("3", vec![12_000.0])
        ]
    );
    let titles: Vec<&str> = r.plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles[0], "严守用水总量红线");
    assert_eq!(titles[1], "严守用水效率红线");
}

#[test]
fn a_notice_listing_its_attachments_starts_at_the_first_attachment() {
    // The notice names its two tables in a numbered list; the first table's header names the
    // year of its targets ("2025年预期目标"), one cell a line.
    let text = "\
青川区人民政府办公室关于印发2025年区政府工作报告目标任务的通知
各街道办事处，区级各部门：
现将目标任务分解印发给你们，请认真抓好落实。
附件：1. 2025年区政府工作报告经济社会发展预期目标任务分解表
2. 2025年区政府工作报告重点工作任务分解表
青川区人民政府办公室
附件1
2025年区政府工作报告经济社会发展预期目标任务分解表
序号
2025年预期目标
责任单位
1
地区生产总值增长6%左右
区发展改革委
2
城镇新增就业12000人以上
区人力社保局
3
空气质量完成年度目标任务
区生态环境局
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        r.plan.title.as_deref(),
        Some("2025年区政府工作报告经济社会发展预期目标任务分解表")
    );
    let got: Vec<(&str, Vec<&str>, Vec<f64>)> = r
        .plan
        .tasks
        .iter()
        .map(|t| {
            (
                t.id.as_str(),
                t.lead.iter().map(String::as_str).collect(),
                t.targets.iter().map(|x| x.value).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1", vec!["区发展改革委"], vec![6.0]),
            ("2", vec!["区人力社保局"], vec![12000.0]),
            ("3", vec!["区生态环境局"], vec![]),
        ]
    );
    // Attachments whose titles end with no word a plan's title ends with ("…退出目标任务"),
    // tables without a 序号: the listed titles are no tasks, and there are none.
    let text = "\
青川县脱贫攻坚领导小组关于下达2017年脱贫攻坚目标任务的通知
各镇乡脱贫攻坚领导小组，县级各部门：
现将目标任务下达给你们，请认真抓好落实。
附件：1.青川县2017年贫困村退出目标任务
2.青川县2017年贫困户退出目标任务
青川县脱贫攻坚领导小组
附件1
青川县2017年贫困村退出目标任务
乡镇 | 退出村名单 |
合 计 | 14个 |
蓬莱镇 | 柏岭村 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert!(r.plan.tasks.is_empty(), "{:?}", r.plan.tasks);
    assert_eq!(
        r.plan.title.as_deref(),
        Some("青川县2017年贫困村退出目标任务")
    );
}

#[test]
fn a_task_cell_merged_over_the_target_column_leaves_the_unit_columns_in_place() {
    // A progress table copied one cell a line, each cell closed by "|": the task cell spans
    // the 全年目标任务 column too, so each row is a cell short; a column of unknown meaning
    // (是否达序) stands before 说明, and a row closes with an empty cell ("||").
    let text = "\
2025年区重点民生实事项目推进情况（1-11月）
序号 |
主要任务 |
全年目标任务 |
分管 领导 |
牵头 单位 |
责任主体与协同单位 |
1-11月推进情况 |
是否达序 |
说明 |
1 |
改造提升老旧小区12个。 |
林 某 |
区住建局 |
区财政局、各街道 |
已完工8个。 |
是 |
||
2 |
新建公共停车泊位800个。 |
林 某 |
区城管局 |
区公安分局、相关街道 |
已建成520个。 |
否 |
受用地审批影响，滞后1个月。 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["区住建局"], vec!["区财政局", "各街道"]),
            ("2", vec!["区城管局"], vec!["区公安分局", "相关街道"]),
        ]
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "unknown-column" && d.text == "是否达序"),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn a_column_whose_header_names_a_unit_gives_targets_in_it() {
    // One cell a line: a column of unknown meaning (建设地点) before a known one, and an
    // investment column whose header gives the unit of its numbers.
    let text = "\
青禾县2025年十件民生实事项目清单
序号
项目名称
建设地点
建设时间
年度投资金额（万元）
责任单位
1
城南小学运动场改造项目
城南街道
2025年
300
县教体局
2
老旧小区改造项目
城关镇
2025年
1360.5
县住建局
";
    let r = read_text(text, &ReadOptions::new("t"));
    type Brief<'a> = (&'a str, Vec<&'a str>, Vec<(f64, &'a str, &'a str)>);
    let got: Vec<Brief> = r
        .plan
        .tasks
        .iter()
        .map(|t| {
            (
                t.id.as_str(),
                t.lead.iter().map(String::as_str).collect(),
                t.targets
                    .iter()
                    .map(|x| (x.value, x.unit.as_str(), x.metric.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1", vec!["县教体局"], vec![(300.0, "万元", "年度投资金额")]),
            (
                "2",
                vec!["县住建局"],
                vec![(1360.5, "万元", "年度投资金额")]
            ),
        ]
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "unknown-column" && d.text == "建设地点"),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn a_row_holding_a_second_item_keeps_its_dates_and_text_out_of_the_units() {
    // One cell a line; row 2 holds two items, each with its own time, under one unit.
    let text = "\
2025年民生实事目标任务分解表
序号
民生实事
责任单位
完成时限
1
新建2座人行天桥。
县住建局
9月投入使用
2
开工建设县老年养护楼。
县民政局
5月底前动工
开工建设老年活动中心。
12月底前
3
建成县残疾人综合服务中心。
县残联
县代建中心
12月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["县住建局"], vec![]),
            ("2", vec!["县民政局"], vec![]),
            ("3", vec!["县残联"], vec!["县代建中心"]),
        ]
    );
}

#[test]
fn a_page_of_a_table_with_each_cell_closed_by_a_bar() {
    // One cell a line, each closed by "|", on a page that repeats the header and goes on
    // from row 41.
    let text = "\
序号 |
目标与任务 |
分 管 县领导 |
牵头责任单位 |
责任单位 |
41 |
新增普惠性托位300个以上，公办园在园幼儿占比达到55%以上。 |
王 某 |
县教育局 |
县各有关单位 |
42 |
推进职业教育产教融合，建设实训基地2个。 |
王 某 |
县教育局 |
县人社局、县财政局 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    let tasks = &r.plan.tasks;
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["41", "42"]);
    assert_eq!(tasks[0].lead, ["县教育局"]);
    assert_eq!(tasks[0].support, ["县各有关单位"]);
    assert_eq!(tasks[1].support, ["县人社局", "县财政局"]);
    let values: Vec<Vec<f64>> = tasks
        .iter()
        .map(|t| t.targets.iter().map(|x| x.value).collect())
        .collect();
    assert_eq!(values, [vec![300.0, 55.0], vec![2.0]]);
    for t in tasks {
        assert!(t.lead.iter().chain(&t.support).all(|u| !u.contains('某')));
    }
}

#[test]
fn a_header_word_of_its_own_is_not_joined_to_the_one_before() {
    // "民生实事" and "责任单位" are two columns, not one header split over lines; the
    // attachment's title loses its "附件：".
    let text = "\
附件：2016年民生实事目标任务分解表
序号
民生实事
责任单位
完成时限
1
新建2座人行天桥。
县住建局
2016年10月底
2
启动县图书馆新馆建设。
县文体广新局
县代建中心
2016年12月底
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        r.plan.title.as_deref(),
        Some("2016年民生实事目标任务分解表")
    );
    let tasks = &r.plan.tasks;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert_eq!(tasks[0].title, "新建2座人行天桥");
    assert_eq!(tasks[0].lead, ["县住建局"]);
    assert_eq!(tasks[0].targets.len(), 1);
    assert_eq!(tasks[1].lead, ["县文体广新局"]);
    assert_eq!(tasks[1].support, ["县代建中心"]);
}

#[test]
fn an_unknown_header_column_is_reported() {
    let text = "\
序号\t重点任务\t资金来源渠道\t牵头单位\t完成时限
1\t新建标准化厂房2万平方米\t专项债券\t县工业和信息化局\t2024年12月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let unknown: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "unknown-column")
        .collect();
    assert_eq!(unknown.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(unknown[0].text, "资金来源渠道");
    assert_eq!(r.plan.tasks.len(), 1);
    assert_eq!(r.plan.tasks[0].lead, ["县工业和信息化局"]);
    // A known table reports no unknown column.
    let r = read_text(PEOPLE_AND_ASSESSORS, &ReadOptions::new("t"));
    assert!(r.diagnostics.iter().all(|d| d.code != "unknown-column"));
}

#[test]
fn a_unit_column_applies_to_the_number() {
    let text = "\
序号|考核指标|单位|指标值|责任单位|完成时限
1|新增高标准农田|万亩|0.07|县农业农村局|2024年12月底前
2|空气质量|/|良好以上|县生态环境局|2024年12月底前
3|新增造林面积|万亩|0|县林业局|2024年12月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let tasks = &r.plan.tasks;
    assert_eq!(tasks.len(), 3);
    let t = &tasks[0].targets;
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!((t[0].value, t[0].unit.as_str()), (700.0, "亩"));
    assert!(tasks[1].targets.is_empty(), "{:?}", tasks[1].targets);
    assert!(tasks[2].targets.is_empty(), "{:?}", tasks[2].targets);
}

#[test]
fn a_header_repeated_on_each_page_is_skipped() {
    let text = "\
序号|重点任务|牵头单位|配合单位|完成时限
1|完成老旧小区改造12个|区住房城乡建设局|各街道办事处|2024年12月底前
序号|重点任务|牵头单位|配合单位|完成时限
2|新增停车泊位500个|区城市管理局|区公安分局|2024年10月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(r.plan.tasks[1].support, ["区公安分局"]);
}

#[test]
fn other_documents_are_refused_with_a_reason() {
    use std::io::Write;
    // An archive that says it is an OpenDocument text, and one that says it is a spreadsheet
    // but is not one.
    for (mime, needle) in [
        ("application/vnd.oasis.opendocument.text", ".odt"),
        ("application/vnd.oasis.opendocument.spreadsheet", ".ods"),
    ] {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", opts).unwrap();
        zip.write_all(mime.as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let err = read_bytes(&bytes, &ReadOptions::new("x")).expect_err("refused");
        assert!(err.to_string().contains(needle), "{err}");
    }
    let err = read_bytes(
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj",
        &ReadOptions::new("x"),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("PDF"), "{err}");
    // A CSV file that is no task table stays text.
    let r = read_bytes("名称,数量\n甲,1\n".as_bytes(), &ReadOptions::new("x.csv")).unwrap();
    assert_eq!(r.format, Some(SourceFormat::Utf8));
}

#[test]
fn category_rows_group_rows_and_numbered_ones_are_sections() {
    let numbered = "\
序号|重点任务|牵头单位|配合单位|完成时限
一、产业发展|一、产业发展|一、产业发展|一、产业发展|一、产业发展
1|新建高标准农田1.2万亩|市农业农村局|市财政局|2024年12月底前
2|培育农村电商示范村5个|市商务局|各县（市、区）人民政府|2024年11月底前
二、民生保障|二、民生保障|二、民生保障|二、民生保障|二、民生保障
3|新建农村互助养老服务站30个|市民政局|/|2024年10月底前
";
    let r = read_text(numbered, &ReadOptions::new("t"));
    let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2", "2.3"]);
    let sections: Vec<&str> = r.plan.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(sections, ["产业发展", "民生保障"]);
    assert_eq!(r.plan.tasks[2].lead, ["市民政局"]);
    assert!(r.plan.tasks[2].support.is_empty());

    let plain = numbered
        .replace("一、产业发展", "产业发展")
        .replace("二、民生保障", "民生保障");
    let r = read_text(&plain, &ReadOptions::new("t"));
    let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    // The category row is not part of the row above it.
    assert_eq!(r.plan.tasks[1].support, ["各县（市、区）人民政府"]);
}

#[test]
fn a_deadline_cell_without_a_year_gives_no_deadline() {
    let text = "\
序号|重点任务|责任单位|完成时限
1|新建污水管网12公里|区住房城乡建设局、区财政局|12月底前
2|新建公园3个|区城市管理局|2024年9月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let t = &r.plan.tasks;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].lead, ["区住房城乡建设局"]);
    assert_eq!(t[0].support, ["区财政局"]);
    assert_eq!(t[0].targets[0].deadline, None);
    assert_eq!(
        t[1].targets[0].deadline.map(|d| d.to_string()).as_deref(),
        Some("2024-09-30")
    );
}

#[test]
fn cells_split_by_runs_of_spaces() {
    let text = "\
序号  重点任务  牵头单位  配合单位  完成时限
1  新建高标准农田1.2万亩  市农业农村局  市财政局、市自然资源局  2024年12月底前
2  培育农村电商示范村5个  市商务局  各县（市、区）人民政府  2024年11月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let t = &r.plan.tasks;
    assert_eq!(t.len(), 2, "{:?}", r.diagnostics);
    assert_eq!(t[0].support, ["市财政局", "市自然资源局"]);
    assert_eq!(t[1].support, ["各县（市、区）人民政府"]);
    assert_eq!(
        (t[0].targets[0].value, t[0].targets[0].unit.as_str()),
        (12000.0, "亩")
    );
}

#[test]
fn merged_cells_apply_to_each_row_they_cover() {
    // The 类别 cell is merged over rows 1–3 (产业发展), 4–6 and 7–8: laid out as text, each row
    // carries it.
    for name in [
        "task-table.docx",
        "task-table.xlsx",
        "task-table.ods",
        "task-table.html",
    ] {
        let d = zhuanban_plan::decode(&data(name)).unwrap();
        let rows = |cat: &str| {
            d.text
                .lines()
                .filter(|l| l.starts_with(&format!("{cat}\t")))
                .count()
        };
        assert_eq!(
            (rows("产业发展"), rows("民生保障")),
            (3, 3),
            "{name}:\n{}",
            d.text
        );
    }
}

#[test]
fn a_two_row_header_refines_the_unit_columns() {
    let text = "\
序号|重点任务|责任单位|责任单位|完成时限
序号|重点任务|牵头|配合|完成时限
1|完成老旧小区改造12个|区住房城乡建设局|各街道办事处、区财政局|2024年12月底前
";
    let r = read_text(text, &ReadOptions::new("t"));
    let t = &r.plan.tasks;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].lead, ["区住房城乡建设局"]);
    assert_eq!(t[0].support, ["各街道办事处", "区财政局"]);
}

mod never_panics {
    use proptest::prelude::*;
    use zhuanban_plan::{ReadOptions, read_bytes, read_text};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Fragments of task tables in every text layout, shuffled: reading never panics and
        /// every task's line is a line of the text.
        #[test]
        fn table_like_text(text in "(序号|类别|项目名称|年度目标|任务|牵头单位|配合|单位|责任|完成|时限|分管领导|评分部门|推进情况|资金来源|一、产业发展|[0-9]{1,3}|0\\.07|万亩|各县（市、区）人民政府|市农业农村局、市财政局|2024年12月底前|12月底前|/|—|\\t|\\||  |\\n|\u{2028}){0,120}") {
            let r = read_text(&text, &ReadOptions::new("fuzz"));
            let lines = text.split('\n').count();
            for t in &r.plan.tasks {
                prop_assert!(t.line >= 1 && t.line <= lines);
            }
        }

        /// HTML and CSV made of table pieces never make the decoder or reader panic.
        #[test]
        fn html_and_csv_like_bytes(text in "(<table>|</table>|<tr>|</tr>|<td rowspan=\"[0-9]{1,4}\">|<td colspan=\"[0-9]{1,3}\">|<td>|</td>|<th>|<br>|序号|项目名称|牵头单位|配合单位|完成时限|[0-9]{1,2}|,|\"|\\n|&nbsp;|&#[0-9]{1,7};){0,150}") {
            let html = format!("<html><body>{text}</body></html>");
            let _ = read_bytes(html.as_bytes(), &ReadOptions::new("fuzz"));
            let _ = read_bytes(text.as_bytes(), &ReadOptions::new("fuzz"));
        }
    }
}

/// The demonstration's second plan (`serve --demo`): a task table whose title is a row merged
/// across the table and whose 类别 cells are merged down, written by hand as an HTML page and
/// made into .xlsx with LibreOffice; both read to the reading written by hand.
#[test]
fn the_demonstration_table_plan_reads_as_expected() {
    let expected: Value =
        serde_json::from_slice(&data("datonghu-livelihood-projects-2024.expected.json")).unwrap();
    for (name, format) in [
        ("datonghu-livelihood-projects-2024.xlsx", SourceFormat::Xlsx),
        ("datonghu-livelihood-projects-2024.html", SourceFormat::Html),
    ] {
        let r = read(name);
        assert_eq!(r.format, Some(format), "{name}");
        assert!(r.plan.complete, "{name}");
        assert_eq!(
            r.plan.title.as_deref(),
            expected["title"].as_str(),
            "{name}: the merged title row is the plan's title"
        );
        assert_eq!(
            serde_json::to_value(r.plan.period.as_ref().map(|p| (p.start, p.end))).unwrap(),
            serde_json::json!([expected["period"]["start"], expected["period"]["end"]]),
            "{name}"
        );
        assert!(!r.has_errors(), "{name}: {:?}", r.diagnostics);
        let diffs = compare::reading(&expected, &serde_json::to_value(&r.plan).unwrap());
        assert!(diffs.is_empty(), "{name}:\n{}", diffs.join("\n"));
    }
}

/// `task-table.pdf` was printed from `task-table.html` by Chromium (`chromium --headless
/// --no-pdf-header-footer --print-to-pdf`); `task-table.pdf.bbox.xhtml` is poppler's
/// `pdftotext -bbox-layout task-table.pdf -` of it. The columns are rebuilt from the words'
/// positions (the end-to-end test that runs pdftotext is in the desk crate).
#[test]
fn pdf_text_layer_reads_as_expected() {
    let name = "task-table.pdf.bbox.xhtml";
    let xhtml = String::from_utf8(data(name)).unwrap();
    let decoded = zhuanban_plan::decode_pdf_layout(&xhtml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.format, SourceFormat::Pdf);
    let r = read_text(&decoded.text, &ReadOptions::new(name));
    assert!(r.plan.complete, "{}", decoded.text);
    assert_eq!(
        r.plan.title.as_deref(),
        Some("江州市2024年乡村振兴重点任务分解表"),
        "{}",
        decoded.text
    );
    assert!(!r.has_errors(), "{:?}", r.diagnostics);
    assert_reads_as_expected(name, &r.plan);
}

#[test]
fn pdf_layout_without_words_is_a_scan() {
    let xhtml = "<html><body><doc><page width=\"612\" height=\"792\"></page></doc></body></html>";
    let e = zhuanban_plan::decode_pdf_layout(xhtml).unwrap_err();
    assert!(e.to_string().contains("没有文字层"), "{e}");
}

#[test]
fn a_run_of_unknown_header_words_between_known_ones_gives_columns_of_their_own() {
    // A list of water bodies copied one cell a line: 面积/长度, 所在区域, 污染程度 and 水质现状
    // mean nothing to the reader, but they stand between known header words, so each is a
    // column (reported by lint), and the rows line up under them.
    let text = "\
某市黑臭水体清单
编号
水体名称
（起止点）
水体类型
面积/长度
所在区域
污染程度
水质现状
责任人
达标期限
1
东门河
（东桥-西桥）
河流
1200
城东区
轻度
完成整治，无黑臭
张某
已完成
2
北塘
湖塘
800
城北区
重度
正在治理
李某
2025年底
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(brief::titles(&r.plan), [("1", "东门河"), ("2", "北塘")]);
    let unknown: Vec<&str> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "unknown-column")
        .map(|d| d.text.as_str())
        .collect();
    assert_eq!(unknown, ["面积/长度", "所在区域", "污染程度", "水质现状"]);
    // The person is no unit.
    assert!(r.plan.tasks.iter().all(|t| t.lead.is_empty()));
}

#[test]
fn a_last_row_cut_cells_short_of_the_rows_before_is_left_out() {
    // A page cut inside a table's last row: its rows each end with a bar, the last one stops
    // in its plan cell, before its unit cells. A last row cut only in its report column keeps
    // its task.
    let head = "\
序号 | 项目内容 | 进度安排 | 牵头单位 | 配合单位 |
1 | 新建幼儿园2所。 | 8月底前竣工交付。 | 教育局 | 财政局 |
";
    let cut = format!("{head}2 | 实施农村公路大中修100公里。 | 7月底前开工;11月底前");
    let r = read_text(&cut, &ReadOptions::new("t"));
    assert!(!r.plan.complete);
    assert_eq!(brief::titles(&r.plan), [("1", "新建幼儿园2所")]);
    assert!(r.diagnostics.iter().any(|d| d.code == "truncated"));

    let head = "\
序号 | 项目内容 | 牵头单位 | 配合单位 | 进展情况 |
1 | 新建幼儿园2所。 | 教育局 | 财政局 | 已开工。 |
";
    let cut =
        format!("{head}2 | 实施农村公路大中修100公里。 | 交通局 | 财政局 | 已完成前期工作;县");
    let r = read_text(&cut, &ReadOptions::new("t"));
    assert_eq!(
        brief::titles(&r.plan),
        [("1", "新建幼儿园2所"), ("2", "实施农村公路大中修100公里")]
    );
}

#[test]
fn units_run_together_in_a_cell_are_split_where_the_plan_names_them_apart() {
    // A copy lost the line break between two units of a cell ("文化宣传股文化馆"): the plan
    // names 文化宣传股 on its own in another row, so the cell is two units. A unit nobody
    // names apart ("县文化馆分馆") stays whole, and so does a unit's own office ("文化宣传股办公室":
    // a body every unit has).
    let text = "\
序号
工作任务
完成时限
责任股室
1
免费开放服务人次较上年增长15%。
12月底前
文化宣传股
文化馆
2
全年组织开展惠民演出不少于100场。
12月底前
文化宣传股文化馆
3
建成县文化馆分馆2个。
12月底前
县文化馆分馆
4
办好文化讲座6场。
12月底前
文化宣传股办公室
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["文化宣传股"], vec!["文化馆"]),
            ("2", vec!["文化宣传股"], vec!["文化馆"]),
            ("3", vec!["县文化馆分馆"], vec![]),
            ("4", vec!["文化宣传股办公室"], vec![]),
        ]
    );
}

#[test]
fn a_units_name_wrapped_over_two_lines_of_a_cell_is_one_name() {
    // A narrow unit cell wrapped "区新兴产业服务中心" over two lines; the copy gives each line
    // of it a line of its own.
    let text = "\
序号
项目
责任单位
建设内容
1
完善交通基础设施
区新兴产业
服务中心
实施宏图路提升改造工程。
2
提升区域防洪能力
区农业农村局
实施中心河道整治工程。
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1", vec!["区新兴产业服务中心"], vec![]),
            ("2", vec!["区农业农村局"], vec![]),
        ]
    );
}

#[test]
fn a_matrix_of_targets_per_place_gives_each_place_its_target() {
    // Indicators as rows, places as columns ("指标分解汇总表"), one cell a line: each place's
    // cell is a target in the unit the 单位 cell names. A row whose cells are not as many as
    // its columns (a cell wrapped over two lines) gives no place's target: which place a cell
    // is of is not guessed.
    let text = "\
某市主要预期指标分解汇总表
序号
指标名称
单位
全市
东城区
西城
南湖
1
地区生产总值
增幅(%)
7左右
7以上
7.5
6左右
2
全社会固定资产投资
亿元
1200
300
与上年
持平
同口径
增长5%
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::titles(&r.plan),
        [("1", "地区生产总值"), ("2", "全社会固定资产投资")]
    );
    assert_eq!(
        brief::values(&r.plan),
        [("1", vec![7.0, 7.0, 7.5, 6.0]), ("2", vec![])]
    );
    let texts: Vec<&str> = r.plan.tasks[0]
        .targets
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "全市地区生产总值增幅7%左右",
            "东城区地区生产总值增幅7%以上",
            "西城地区生产总值增幅7.5%",
            "南湖地区生产总值增幅6%左右"
        ]
    );
    assert!(r.plan.tasks[0].targets.iter().all(|t| t.unit == "%"));
    assert!(r.diagnostics.iter().all(|d| d.code != "unknown-column"));

    // The same matrix split by bars.
    let text = "\
序号 | 指标名称 | 单位 | 全市 | 东城区 | 西城 |
1 | 地区生产总值 | 增幅(%) | 7左右 | 7以上 | 7.5 |
2 | 全社会固定资产投资 | 亿元 | 1200 | 300 | 250 |
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::values(&r.plan),
        [
            ("1", vec![7.0, 7.0, 7.5]),
            ("2", vec![1200.0, 300.0, 250.0])
        ]
    );
    assert!(r.plan.tasks[1].targets.iter().all(|t| t.unit == "亿元"));
}
