//! The reader against expected readings: every `tests/data/plans/NAME.txt` with a
//! `NAME.expected.json` beside it must read to the same task ids, units and targets.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zhuanban_plan::{Plan, ReadOptions, read_bytes, read_text};

use crate::{brief, compare};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plans")
}

fn expected_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("test data folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    v.sort();
    v
}

fn read_plan(path: &Path) -> Plan {
    let bytes = std::fs::read(path).expect("plan file");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    read_bytes(&bytes, &ReadOptions::new(name))
        .expect("readable")
        .plan
}

#[test]
fn every_plan_reads_as_expected() {
    let files = expected_files();
    let mut report = String::new();
    for exp_path in &files {
        let txt = PathBuf::from(exp_path.to_string_lossy().replace(".expected.json", ".txt"));
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(exp_path).unwrap()).unwrap();
        let plan = read_plan(&txt);
        let got = serde_json::to_value(&plan).unwrap();
        let diffs = compare::reading(&expected, &got);
        if !diffs.is_empty() {
            let _ = writeln!(
                report,
                "\n== {} ==",
                txt.file_name().unwrap().to_string_lossy()
            );
            for d in diffs {
                let _ = writeln!(report, "  {d}");
            }
        }
    }
    assert!(
        report.is_empty(),
        "readings differ from the expected ones:{report}"
    );
    assert!(
        files.len() >= 7,
        "expected at least seven plans with expected readings, found {}",
        files.len()
    );
}

#[test]
fn a_title_set_over_lines_gives_the_plans_years() {
    let plan = read_plan(&data_dir().join("heling-city-emergency-duty-split-2023.txt"));
    assert_eq!(
        plan.title.as_deref(),
        Some("鹤岭市应急体系和农业防灾能力建设三年行动方案（2023—2025年）")
    );
    let p = plan.period.expect("a period");
    assert_eq!(
        (p.start.to_string(), p.end.to_string()),
        ("2023-01-01".to_string(), "2025-12-31".to_string())
    );
}

#[test]
fn square_brackets_hold_unit_markers() {
    let text = "\
一、重点任务
1.加快产业园建设,全年完成投资5亿元。[牵头单位:区发改局;责任单位:区财政局、区住建局]
2.实施技改项目20个。【牵头单位：区工信局、区科技局；配合单位：区财政局】
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let units: Vec<(Vec<String>, Vec<String>)> = r
        .plan
        .tasks
        .iter()
        .map(|t| (t.lead.clone(), t.support.clone()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        units,
        [
            (s(&["区发改局"]), s(&["区财政局", "区住建局"])),
            (s(&["区工信局", "区科技局"]), s(&["区财政局"])),
        ]
    );
}

#[test]
fn a_markers_date_is_the_deadline_of_the_tasks_targets() {
    let text = "\
某县2024年农业农村重点工作要点
一、重点工作
1、推进农村改厕，完成户厕改造2000户（县农业农村局负责，2024年10月底前完成）。
2、新改建农村公路50公里（县交通运输局牵头，县财政局配合，12月底前完成）。
3、力争2024年6月底前建成冷链仓储中心3个（县商务局负责，2024年12月底前完成）。
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let got: Vec<(String, Option<String>)> = r
        .plan
        .tasks
        .iter()
        .flat_map(|t| {
            t.targets
                .iter()
                .map(|x| (t.id.clone(), x.deadline.map(|d| d.to_string())))
        })
        .collect();
    let want = [
        ("1.1", Some("2024-10-31")),
        ("1.2", Some("2024-12-31")),
        // A target's own date wins over the marker's.
        ("1.3", Some("2024-06-30")),
    ];
    let want: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.map(str::to_string)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.plan.tasks[1].lead, ["县交通运输局"]);
}

#[test]
fn a_unit_line_wrapped_inside_a_name_is_joined() {
    let text = "\
一、重点任务
1.构建区域化党建工作体系,推动街道、社区、单位党组织联动。
牵头单位:区委组织部
协办单位:区委编办、区民政局(区委社会工委)、园区党工
委、各街道党工委
2.完善网格化治理机制。
牵头单位:区委政法委
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let t = &r.plan.tasks[0];
    assert_eq!(t.lead, ["区委组织部"]);
    assert_eq!(
        t.support,
        [
            "区委编办",
            "区民政局（区委社会工委）",
            "园区党工委",
            "各街道党工委"
        ]
    );
    assert_eq!(r.plan.tasks[1].lead, ["区委政法委"]);
}

#[test]
fn a_responsibility_line_that_names_its_leads_and_a_heading_that_is_a_unit() {
    let text = "\
一、重点任务
1.提高临港经济示范区能级,支持港口物流发展。
责任单位:经济发展局和口岸服务局分别牵头、区发改局
2.保障重点项目建设,完成征收腾地600亩。
责任单位:区房屋征收中心、区发改局、青林镇(列第一位者为牵头单位,下同)
二、责任分工
(一)党政办
负责统筹协调,做好信息报送。
(二)经济发展办
负责项目推进和要素保障。
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let units: Vec<(&str, Vec<String>, Vec<String>)> = brief::units(&r.plan)
        .into_iter()
        .map(|(id, lead, support)| (id, s(&lead), s(&support)))
        .collect();
    assert_eq!(
        units,
        [
            ("1.1", s(&["经济发展局", "口岸服务局"]), s(&["区发改局"])),
            ("1.2", s(&["区房屋征收中心"]), s(&["区发改局", "青林镇"])),
            ("2.1", s(&["党政办"]), s(&[])),
            ("2.2", s(&["经济发展办"]), s(&[])),
        ]
    );
}

#[test]
fn a_task_headed_by_its_lead_unit_is_led_by_it() {
    // Headings that say who leads: over items, and over a task's own text.
    let text = "\
一、王某省长负责的工作
（一）省监察厅牵头的工作
加强行政监察工作，全面落实党风廉政建设责任制。
（二）省审计厅牵头的工作
全面加强审计工作。
协同单位：省直各部门和各市人民政府。
（三）省编办牵头的工作
1.深化行政管理体制改革。
协同单位：省财政厅、省农业厅等省直有关部门和各市人民政府。
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["省监察厅"], vec![]),
            ("1.2", vec!["省审计厅"], vec!["省直各部门", "各市人民政府"]),
            (
                "1.3.1",
                vec!["省编办"],
                vec!["省财政厅", "省农业厅", "省直有关部门", "各市人民政府"]
            ),
        ]
    );
}

#[test]
fn a_group_headed_by_its_lead_unit_gives_it_to_its_items() {
    let text = "\
一、县示范区管委会牵头工作(2项)
1.投资3000万元建设循环水养殖基地。
2.建设3个劳动密集型产业园。
二、县农业农村局负责的任务
1.新建高标准农田2万亩。(县财政局配合)
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let units: Vec<(&str, Vec<String>, Vec<String>)> = brief::units(&r.plan)
        .into_iter()
        .map(|(id, lead, support)| (id, s(&lead), s(&support)))
        .collect();
    assert_eq!(
        units,
        [
            ("1.1", s(&["县示范区管委会"]), s(&[])),
            ("1.2", s(&["县示范区管委会"]), s(&[])),
            // An item that names only who helps is led by its group's lead.
            ("2.1", s(&["县农业农村局"]), s(&["县财政局"])),
        ]
    );
}

#[test]
fn an_attachment_after_a_cover_notice_without_its_title_line() {
    // The page starts at the addressees; the notice lists its attachments as "1." "2.".
    let text = "\
各区县人民政府,市府各部门:
《2020年政府工作报告重点工作责任分解》已经市政府同意,现印发给你们,请认真贯彻执行。
附件:1.2020年政府工作报告重点工作责任分解
2.十方面民生实事责任分解
某市人民政府办公室
2020年5月22日
附件1
2020年政府工作报告重点工作责任分解
一、市长主抓重点工作
1.坚定不移支持企业发展,力争减轻企业各类负担200亿元。(市发改委牵头,市财政局配合)
2.加快重大项目建设。(市发改委负责)
";
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        r.plan.title.as_deref(),
        Some("2020年政府工作报告重点工作责任分解")
    );
    let ids: Vec<&str> = r.plan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1.1", "1.2"]);
    assert_eq!(r.plan.tasks[0].lead, ["市发改委"]);
}

/// The ids of the tasks of `text` and whether the reader found it complete.
fn ids_and_completeness(text: &str) -> (Vec<String>, bool) {
    let r = zhuanban_plan::read_text(text, &ReadOptions::new("t"));
    let ids = r.plan.tasks.iter().map(|t| t.id.clone()).collect();
    (ids, r.plan.complete)
}

#[test]
fn an_excerpt_that_starts_inside_a_section_keeps_its_next_section_on_top() {
    // The page starts at the items of a section whose heading it left out: the next
    // section's heading ("四、") is not an item of the item above it.
    let text = "\
2.加强食品药品全链条闭环监管。
责任单位：省市场监管局、省药监局
3.推进质量强省建设。
责任单位：省市场监管局
四、副省长牵头重点工作
1.优化企业发展环境，力争全年为市场主体减负2500亿元以上。
责任单位：省经信厅、省财政厅
2.新增智能工厂和数字化车间150家。
责任单位：省经信厅
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("2", vec!["省市场监管局"], vec!["省药监局"]),
            ("3", vec!["省市场监管局"], vec![]),
            ("4.1", vec!["省经信厅"], vec!["省财政厅"]),
            ("4.2", vec!["省经信厅"], vec![]),
        ]
    );
}

#[test]
fn unit_fields_on_one_line_and_unlabelled_unit_lines_are_read() {
    // "主办单位：A，协办单位：B、C" on one line; a unit cell flattened to a line with no label
    // ("市经信局、市财政局等，各县、市、区政府"); a text cut inside the last unit field's name.
    let text = "\
一、为民办实事项目
（1）改造老旧小区。对城区老旧小区实施改造。
主办单位：县城投公司，协办单位：住建局、凤城镇。
（2）落实设备购置补贴。对重点企业给予设备购置补贴。
市经信局、市财政局等，各县、市、区政府，青川高新区管委会
（3）整治提升路网。对高速口至大桥段路面实施“白改黑”工程。
主办单位：青川交通建设发展有
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan),
        [
            ("1.1", vec!["县城投公司"], vec!["住建局", "凤城镇"]),
            (
                "1.2",
                vec!["市经信局"],
                vec!["市财政局", "各县、市、区政府", "青川高新区管委会"]
            ),
        ]
    );
    assert!(!r.plan.complete);
    // One name alone on a line heads the items after it: it is no unit of the item above.
    let text = "\
1. 学员中不少于70%取得进步。（政务司司长办公室/劳工及福利局）
地区事项统筹工作组
2. 黑点于2023年底前消除至少75%。（政务司副司长办公室/相关政策局）
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::units(&r.plan)[0],
        ("1", vec!["政务司司长办公室"], vec!["劳工及福利局"])
    );
}

#[test]
fn a_text_cut_off_leaves_out_its_last_item() {
    let head = "\
青禾县农村供水保障实施方案
一、重点任务
1.实施农村供水工程改造，2025年底前完成12处水厂提标改造。（县水利局牵头）
2.健全水质检测体系，农村集中供水工程水质检测覆盖率达到100%。（县卫健局牵头）
";
    // Cut in the middle of a sentence, and cut right after an item's heading: the last
    // item is incomplete either way and is left out.
    for tail in [
        "3.完善运行管护机制，推动县域统一",
        "3.完善运行管护",
        "二、保障措施\n（一）加强组",
        "3.完善运行管护机制，",
        // An item's field with nothing after its label, or its label cut short.
        "3.完善运行管护机制。\n部门分工：",
        "3.完善运行管护机制。\n牵头负责领导：王某。\n牵头责",
        "3.完善运行管护机制。\n一是发",
        // A closing quote that closes a term, not the sentence.
        "3.实施新一轮“供水保障”",
        // A unit's name cut short in its field, a number cut at its decimal point, a
        // character cut in two, the item's leader given and its units cut off.
        "3.完善运行管护机制。\n牵头单位：县水",
        "3.完善运行管护机制，水质达标率达到9.",
        "3.完善运行管护机制，推动县域统\u{FFFD}",
        "3.完善运行管护机制。\n牵头领导：王某",
        // A short last line that ends inside a sentence or a list, or is the rest of a
        // sentence cut short.
        "3.完善运行管护机制。\n改造现有水厂和管网等，",
        "3.完善运行管护机制。\n牵头单位：县水利局、县",
        "3.完善运行管护机制\n，实现统一管护",
    ] {
        let (ids, complete) = ids_and_completeness(&format!("{head}{tail}\n"));
        assert_eq!(ids, ["1.1", "1.2"], "{tail}");
        assert!(!complete, "{tail}");
    }
    // Whole: an item that ends its sentence, or a plan that ends with its issuer's name.
    for tail in [
        "3.完善运行管护机制，推动县域统一管护。（县水利局牵头）",
        "3.完善运行管护机制，推动县域统一管护。\n青禾县人民政府办公室",
        "3.完善运行管护机制。\n牵头单位：县水利局",
        "3.推行“一户一码”。”",
        "3.完善运行管护机制。\n牵头单位：县水利局、县卫健局",
    ] {
        let (ids, complete) = ids_and_completeness(&format!("{head}{tail}\n"));
        assert_eq!(ids, ["1.1", "1.2", "1.3"], "{tail}");
        assert!(complete, "{tail}");
    }
}

#[test]
fn a_row_split_by_spaces_cut_before_its_unit_cell_is_left_out() {
    let head = "\
序号 主要指标 责任单位
1 地区生产总值增长7%左右。 发改委
2 社会消费品零售总额增长8.5%左右。 商务局
";
    let (ids, complete) = ids_and_completeness(&format!("{head}3 居民人均可支配收入增速\n"));
    assert_eq!(ids, ["1", "2"]);
    assert!(!complete);
    let (ids, complete) =
        ids_and_completeness(&format!("{head}3 居民人均可支配收入增长8%。 统计局\n"));
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(complete);
}

#[test]
fn a_page_cut_inside_the_items_reads_them_before_an_attachments_table() {
    // A page that starts at a plan's third item and ends with an attachment's title over a
    // table with no 序号: the items are the plan (there is no cover notice to skip), and the
    // attachment's lines are none of theirs.
    let text = "\
（三）突出工作重点。集中连片区域是今年建设的重点，要抓紧抓好。
（四）时间要求。各县（市）区要在汛前完成任务的80%以上。
（五）工程检查验收。7月底前进行阶段验收。
附件：
蓄水工程任务责任一览表
┌────┬────┐
│县区│任务│
├────┼────┤
│东县│大冶等4个乡镇、11个行政村│
└────┴────┘
";
    let r = read_text(text, &ReadOptions::new("t"));
    assert_eq!(
        brief::titles(&r.plan),
        [
            ("3", "突出工作重点"),
            ("4", "时间要求"),
            ("5", "工程检查验收")
        ]
    );
    // The attachment's lines are no part of the last item.
    assert_eq!(
        brief::values(&r.plan),
        [("3", vec![]), ("4", vec![80.0]), ("5", vec![])]
    );
}
