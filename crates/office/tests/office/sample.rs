//! Sample bulletins and ledger sheets: the seed plan's world (大通湖区落实区域共进行动实施方案,
//! 16 tasks, 13 member units) and a synthetic plan of any size for the benchmark.
//!
//! Shared by the integration tests and `benches/bulletin.rs` (included there by path).

use chrono::NaiveDate;
use zhuanban_ledger::Colour;
use zhuanban_office::bulletin::{
    Bulletin, IndicatorRow, InstructionRow, LaggingTask, LedgerRow, LedgerSheet, RankRow,
    SectionSummary, StatusCount, UnitTasks,
};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The 13 member units of the task force, in the plan's order.
pub const UNITS: [&str; 13] = [
    "区发改财政局",
    "区公安分局",
    "区自然资源局",
    "区生态环境分局",
    "区住房城乡建设局",
    "区交通运输局",
    "区农业农村水利局",
    "区工商联",
    "区教育卫生健康局",
    "区科技工信局",
    "区政务中心",
    "区委宣传统战部",
    "区民政人社局",
];

fn s(v: &str) -> String {
    v.to_owned()
}

fn totals() -> Vec<StatusCount> {
    [
        ("已完成", 3, Colour::Green),
        ("序时推进", 7, Colour::Green),
        ("滞后", 3, Colour::Yellow),
        ("严重滞后", 1, Colour::Red),
        ("逾期未完成", 1, Colour::Red),
        ("未报送", 1, Colour::Grey),
    ]
    .into_iter()
    .map(|(label, count, colour)| StatusCount {
        label: s(label),
        count,
        colour,
    })
    .collect()
}

fn section(code: &str, title: &str, n: [usize; 5]) -> SectionSummary {
    SectionSummary {
        code: s(code),
        title: s(title),
        total: n[0],
        green: n[1],
        yellow: n[2],
        red: n[3],
        grey: n[4],
    }
}

fn indicator(
    task_code: &str,
    metric: &str,
    target: &str,
    latest: &str,
    schedule: &str,
    status: &str,
    colour: Colour,
) -> IndicatorRow {
    IndicatorRow {
        task_code: s(task_code),
        metric: s(metric),
        target: s(target),
        latest: s(latest),
        schedule: s(schedule),
        status: s(status),
        colour,
    }
}

/// The seed-sized bulletin of the 2024年9月 round (第9期).
pub fn seed_bulletin(demo: bool) -> Bulletin {
    Bulletin {
        title: s("落实区域共进行动工作专班调度通报"),
        issue: s("第9期"),
        issuer: s("落实区域共进行动工作专班办公室"),
        date: date(2024, 10, 8),
        round_name: s("2024年9月调度"),
        as_of: date(2024, 9, 30),
        plan_title: s("大通湖区落实区域共进行动实施方案"),
        plan_version: 2,
        demo,
        summary: s(
            "2024年9月调度中，方案16项任务总体推进有序：已完成3项，序时推进7项，滞后3项，严重滞后1项，逾期未完成1项，未报送1项。地区生产总值增速、大湖水质总磷等指标尚未达到年度目标，老旧小区改造、S218公路路基工程等任务明显滞后，需重点推进。",
        ),
        totals: totals(),
        sections: vec![
            section("一", "工作目标", [2, 1, 1, 0, 0]),
            section("2.1", "加快推进东接东融发展战略", [3, 2, 0, 1, 0]),
            section("2.2", "推进洞庭湖生态经济区建设", [4, 3, 1, 0, 0]),
            section("2.3", "持续推进强中心城区战略", [3, 1, 1, 1, 0]),
            section("2.4", "推进城乡协调发展", [4, 3, 0, 0, 1]),
        ],
        indicators: vec![
            indicator(
                "1.1",
                "地区生产总值增长",
                "≥7%",
                "6.2%",
                "",
                "未达标",
                Colour::Yellow,
            ),
            indicator(
                "2.2.2",
                "大湖水质总磷年度均值",
                "≤0.08mg/L",
                "0.092mg/L",
                "",
                "有风险",
                Colour::Yellow,
            ),
            indicator(
                "2.3.1",
                "普惠性幼儿园覆盖率",
                "≥91%",
                "91.6%",
                "",
                "达标",
                Colour::Green,
            ),
            indicator(
                "2.3.1",
                "公办园在园幼儿占比",
                "≥58%",
                "56.3%",
                "",
                "有风险",
                Colour::Yellow,
            ),
            indicator(
                "2.3.1",
                "常住人口基本医疗保险参保率",
                "≥95%",
                "96.2%",
                "",
                "达标",
                Colour::Green,
            ),
            indicator(
                "2.3.2",
                "新增城镇就业",
                "1,200人",
                "830人",
                "74.8%",
                "滞后",
                Colour::Yellow,
            ),
            indicator(
                "2.3.2",
                "农村劳动力转移就业",
                "450人",
                "362人",
                "74.8%",
                "序时推进",
                Colour::Green,
            ),
            indicator(
                "2.4.4",
                "粮食播种面积",
                "≥27万亩",
                "27.3万亩",
                "",
                "达标",
                Colour::Green,
            ),
            indicator(
                "2.4.4",
                "改造提升高标准农田",
                "1.5万亩",
                "—",
                "74.8%",
                "无数据",
                Colour::Grey,
            ),
        ],
        lagging: vec![
            LaggingTask {
                code: s("2.3.2"),
                title: s("建设宜居韧性城市"),
                lead: s("区住房城乡建设局"),
                support: s("区民政人社局、区教育卫生健康局"),
                status: s("严重滞后"),
                colour: Colour::Red,
                reason: s(
                    "时间进度74.8%，完成率33.3%（完成老旧小区改造1个，目标3个），落后序时进度41.5个百分点。",
                ),
                unit_reason: s("2个小区居民意见尚未统一，改造方案仍在征求意见，预计10月底开工。"),
                ..Default::default()
            },
            LaggingTask {
                code: s("2.1.1"),
                title: s("推进交通基础设施互联互通"),
                lead: s("区交通运输局"),
                support: s("区发改财政局"),
                status: s("逾期未完成"),
                colour: Colour::Red,
                reason: s(
                    "S218大通湖河口至北洲子公路路基工程应于2024年6月30日前完成，已逾期92天。",
                ),
                unit_reason: s("受汛期影响停工两个月，已提出延期申请。"),
                ..Default::default()
            },
            LaggingTask {
                code: s("1.1"),
                title: s("工作目标"),
                lead: s("区发改财政局"),
                support: s(""),
                status: s("滞后"),
                colour: Colour::Yellow,
                reason: s("地区生产总值增长6.2%，低于年度目标7%。"),
                unit_reason: s("三季度重点项目投资放缓，四季度将加快项目入统。"),
                ..Default::default()
            },
            LaggingTask {
                code: s("2.2.2"),
                title: s("加强生态保护治理"),
                lead: s("区生态环境分局"),
                support: s("区发改财政局、区南洞庭保护管理局、区农业农村水利局"),
                status: s("滞后"),
                colour: Colour::Yellow,
                reason: s("大湖水质总磷最新监测值0.092mg/L，高于年度目标0.08mg/L。"),
                unit_reason: s(""),
                ..Default::default()
            },
            LaggingTask {
                code: s("2.3.1"),
                title: s("提升城市综合承载能力"),
                lead: s("区发改财政局"),
                support: s(
                    "区交通运输局、区农业农村水利局、区科技工信局、区教育卫生健康局、区民政人社局",
                ),
                status: s("滞后"),
                colour: Colour::Yellow,
                reason: s("公办园在园幼儿占比56.3%，低于58%的年度目标。"),
                unit_reason: s("新建公办园秋季学期方投入使用，预计年底前达标。"),
                ..Default::default()
            },
        ],
        late_units: vec![
            UnitTasks {
                unit: s("区住房城乡建设局"),
                tasks: vec![s("2.3.2")],
            },
            UnitTasks {
                unit: s("区农业农村水利局"),
                tasks: vec![s("2.2.2"), s("2.4.4")],
            },
        ],
        missing_units: vec![UnitTasks {
            unit: s("区科技工信局"),
            tasks: vec![s("2.2.3"), s("2.4.1")],
        }],
        instructions: vec![
            InstructionRow {
                author: s("区委主要负责同志"),
                date: date(2024, 9, 12),
                task_code: s("2.3.2"),
                text: s("老旧小区改造是民生实事，要倒排工期、挂图作战，确保年底前全部完工。"),
            },
            InstructionRow {
                author: s("区管委会主要负责同志"),
                date: date(2024, 9, 20),
                task_code: s("2.2.2"),
                text: s(
                    "大湖水质是全区生态工作的重中之重，区生态环境分局要会同相关单位加密监测、精准施策，确保总磷年度均值达标。",
                ),
            },
        ],
        ranking: ranking(),
        closing: vec![
            s(
                "压实工作责任。各牵头单位要对照方案确定的目标任务，逐项梳理滞后事项，明确整改措施和完成时限，确保年度任务按期完成。",
            ),
            s(
                "加快滞后任务攻坚。区住房城乡建设局、区交通运输局要针对老旧小区改造、S218公路路基工程等红灯任务制定专项推进方案，每周向专班办公室报告进展。",
            ),
            s(
                "严格报送纪律。各成员单位要于每月25日前通过专班调度系统报送当月进展，专班办公室将对逾期报送、未报送情况继续予以通报并计入考核。",
            ),
        ],
        ..Default::default()
    }
}

fn ranking() -> Vec<RankRow> {
    // (unit, score, deductions)
    let rows: [(&str, f64, &str); 13] = [
        ("区发改财政局", 100.0, ""),
        ("区公安分局", 100.0, ""),
        ("区自然资源局", 100.0, ""),
        ("区工商联", 100.0, ""),
        ("区政务中心", 100.0, ""),
        ("区委宣传统战部", 100.0, ""),
        ("区民政人社局", 100.0, ""),
        ("区教育卫生健康局", 97.5, "滞后任务1项 −2.5"),
        ("区生态环境分局", 95.0, "黄灯任务1项 −5"),
        ("区住房城乡建设局", 85.0, "逾期报送1次 −5；红灯任务1项 −10"),
        ("区交通运输局", 90.0, "红灯任务1项 −10"),
        ("区农业农村水利局", 90.0, "逾期报送2次 −10"),
        ("区科技工信局", 80.0, "未报送2次 −20"),
    ];
    let mut sorted: Vec<_> = rows.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<RankRow> = Vec::new();
    for (i, (unit, score, ded)) in sorted.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.score == score => prev.rank,
            _ => i + 1,
        };
        out.push(RankRow {
            rank,
            unit: s(unit),
            score,
            deductions: s(ded),
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn ledger_row(
    code: &str,
    task: &str,
    content: &str,
    lead: &str,
    support: &str,
    target: Option<f64>,
    unit: &str,
    deadline: Option<NaiveDate>,
    progress: &str,
    actual: Option<f64>,
    completion: Option<f64>,
    schedule: Option<f64>,
    status: &str,
    colour: Colour,
) -> LedgerRow {
    LedgerRow {
        code: s(code),
        task: s(task),
        content: s(content),
        lead: s(lead),
        support: s(support),
        target,
        unit: s(unit),
        deadline,
        progress: s(progress),
        actual,
        completion,
        schedule,
        status: s(status),
        colour,
        ..Default::default()
    }
}

/// The seed plan's ledger sheet at the 2024年9月 round.
pub fn seed_ledger(demo: bool) -> LedgerSheet {
    let end = Some(date(2024, 12, 31));
    let elapsed = Some(0.748);
    use Colour::*;
    let rows = vec![
        ledger_row(
            "1.1",
            "工作目标",
            "地区生产总值增长7%",
            "区发改财政局",
            "",
            Some(7.0),
            "%",
            end,
            "前三季度地区生产总值同比增长6.2%。",
            Some(6.2),
            None,
            None,
            "未达标",
            Yellow,
        ),
        ledger_row(
            "2.1.1",
            "推进交通基础设施互联互通",
            "完成S218大通湖河口至北洲子公路路基工程建设",
            "区交通运输局",
            "区发改财政局",
            None,
            "",
            Some(date(2024, 6, 30)),
            "路基工程完成约80%，受汛期影响停工两个月。",
            None,
            None,
            None,
            "逾期未完成",
            Red,
        ),
        ledger_row(
            "2.1.2",
            "推进公共服务共享和提升",
            "建设益阳市射箭训练基地",
            "区委宣传统战部",
            "区教育卫生健康局、区民政人社局",
            Some(1.0),
            "个",
            end,
            "训练基地主体工程已完工，正在进行场地验收。",
            Some(1.0),
            Some(1.0),
            elapsed,
            "已完成",
            Green,
        ),
        ledger_row(
            "2.1.2",
            "推进公共服务共享和提升",
            "各镇建立益老食堂",
            "区民政人社局",
            "",
            Some(4.0),
            "家",
            end,
            "已建成益老食堂3家，第4家正在装修。",
            Some(3.0),
            Some(0.75),
            elapsed,
            "序时推进",
            Green,
        ),
        ledger_row(
            "2.1.3",
            "加强大气污染防治",
            "大气PM2.5浓度达到省定目标",
            "区生态环境分局",
            "",
            Some(35.0),
            "μg/m³",
            end,
            "1—9月PM2.5平均浓度32μg/m³。",
            Some(32.0),
            None,
            None,
            "达标",
            Green,
        ),
        ledger_row(
            "2.2.1",
            "推进规划政策落实",
            "落实洞庭湖生态经济区规划实施方案年度任务清单",
            "区发改财政局",
            "区自然资源局",
            None,
            "",
            end,
            "年度任务清单已分解到责任单位，按月调度。",
            None,
            None,
            elapsed,
            "推进中",
            Green,
        ),
        ledger_row(
            "2.2.2",
            "加强生态保护治理",
            "大湖水质总磷年度均值控制在0.08mg/L以内",
            "区生态环境分局",
            "区发改财政局、区南洞庭保护管理局、区农业农村水利局",
            Some(0.08),
            "mg/L",
            end,
            "9月监测值0.092mg/L，藻类水华防治持续开展。",
            Some(0.092),
            None,
            None,
            "有风险",
            Yellow,
        ),
        ledger_row(
            "2.2.3",
            "大力发展绿色产业",
            "推进河坝镇80兆瓦渔光互补光伏发电项目建设",
            "区科技工信局",
            "区生态环境分局、区发改财政局、区生态公司",
            Some(80.0),
            "兆瓦",
            end,
            "",
            None,
            None,
            elapsed,
            "未报送",
            Grey,
        ),
        ledger_row(
            "2.2.4",
            "积极融入长江经济带",
            "完成长江经济带生态环境警示片披露问题年度整改",
            "区发改财政局",
            "大通湖产业开发区、区科技工信局、区生态环境分局",
            None,
            "",
            end,
            "披露问题2个已完成整改销号。",
            None,
            None,
            elapsed,
            "已完成",
            Green,
        ),
        ledger_row(
            "2.3.1",
            "提升城市综合承载能力",
            "普惠性幼儿园覆盖率达到91%以上",
            "区教育卫生健康局",
            "",
            Some(91.0),
            "%",
            end,
            "覆盖率91.6%。",
            Some(91.6),
            None,
            None,
            "达标",
            Green,
        ),
        ledger_row(
            "2.3.1",
            "提升城市综合承载能力",
            "公办园在园幼儿占比达到58%以上",
            "区教育卫生健康局",
            "",
            Some(58.0),
            "%",
            end,
            "占比56.3%，新建公办园秋季学期投入使用。",
            Some(56.3),
            None,
            None,
            "有风险",
            Yellow,
        ),
        ledger_row(
            "2.3.2",
            "建设宜居韧性城市",
            "完成3个老旧小区改造",
            "区住房城乡建设局",
            "区民政人社局、区教育卫生健康局",
            Some(3.0),
            "个",
            end,
            "完成1个，另2个小区居民意见尚未统一。",
            Some(1.0),
            Some(1.0 / 3.0),
            elapsed,
            "严重滞后",
            Red,
        ),
        ledger_row(
            "2.3.2",
            "建设宜居韧性城市",
            "新增城镇就业1200人",
            "区民政人社局",
            "",
            Some(1200.0),
            "人",
            end,
            "1—9月新增城镇就业830人。",
            Some(830.0),
            Some(830.0 / 1200.0),
            elapsed,
            "滞后",
            Yellow,
        ),
        ledger_row(
            "2.3.2",
            "建设宜居韧性城市",
            "农村劳动力转移就业450人",
            "区民政人社局",
            "",
            Some(450.0),
            "人",
            end,
            "1—9月转移就业362人。",
            Some(362.0),
            Some(362.0 / 450.0),
            elapsed,
            "序时推进",
            Green,
        ),
        ledger_row(
            "2.3.3",
            "提升城市品质内涵",
            "高质量完成大通湖知青文化馆建设",
            "区委宣传统战部",
            "",
            None,
            "",
            end,
            "布展设计已完成，正在进行展陈施工。",
            None,
            None,
            elapsed,
            "推进中",
            Green,
        ),
        ledger_row(
            "2.4.1",
            "畅通要素流通",
            "配合选派科技特派员开展科技服务",
            "区科技工信局",
            "区自然资源局、区发改财政局、区农业农村水利局",
            None,
            "",
            end,
            "",
            None,
            None,
            elapsed,
            "未报送",
            Grey,
        ),
        ledger_row(
            "2.4.2",
            "优化公共服务",
            "完成大通湖区第一中学标准化建设",
            "区教育卫生健康局",
            "区民政人社局",
            Some(1.0),
            "所",
            end,
            "标准化建设已通过市级验收。",
            Some(1.0),
            Some(1.0),
            elapsed,
            "已完成",
            Green,
        ),
        ledger_row(
            "2.4.3",
            "完善基础设施",
            "老旧小区改造基础设施配套项目完成4个以上",
            "区交通运输局",
            "区农业农村水利局、区发改财政局、区科技工信局",
            Some(4.0),
            "个",
            end,
            "完成3个，第4个管网改造正在施工。",
            Some(3.0),
            Some(0.75),
            elapsed,
            "序时推进",
            Green,
        ),
        ledger_row(
            "2.4.4",
            "落实“五千工程”",
            "改造提升高标准农田1.5万亩",
            "区农业农村水利局",
            "区发改财政局",
            Some(1.5),
            "万亩",
            end,
            "",
            None,
            None,
            elapsed,
            "无数据",
            Grey,
        ),
        ledger_row(
            "2.4.4",
            "落实“五千工程”",
            "粮食播种面积稳定在27万亩以上",
            "区农业农村水利局",
            "区发改财政局",
            Some(27.0),
            "万亩",
            end,
            "全年粮食播种面积27.3万亩。",
            Some(27.3),
            None,
            None,
            "达标",
            Green,
        ),
        ledger_row(
            "2.4.4",
            "落实“五千工程”",
            "建设美丽庭院100个",
            "区农业农村水利局",
            "",
            Some(100.0),
            "个",
            end,
            "已建成美丽庭院78个。",
            Some(78.0),
            Some(0.78),
            elapsed,
            "序时推进",
            Green,
        ),
    ];
    LedgerSheet {
        title: s("大通湖区落实区域共进行动实施方案工作台账"),
        as_of: date(2024, 9, 30),
        plan_version: 2,
        demo,
        rows,
    }
}

/// A synthetic bulletin for a plan of `tasks` tasks: 40 tasks a section, a tenth lagging, a
/// fifth with key indicators, 60 member units.
pub fn large_bulletin(tasks: usize) -> Bulletin {
    let mut b = seed_bulletin(false);
    let units: Vec<String> = (1..=60).map(|i| format!("第{i}成员单位")).collect();
    let sections = tasks.div_ceil(40);
    b.sections = (0..sections)
        .map(|i| {
            let total = 40.min(tasks - i * 40);
            let (y, r, g) = (total / 10, total / 20, total / 40);
            section(
                &format!("{}", i + 1),
                &format!("专项行动第{}板块重点任务", i + 1),
                [total, total - y - r - g, y, r, g],
            )
        })
        .collect();
    let sum = |f: fn(&SectionSummary) -> usize| b.sections.iter().map(f).sum::<usize>();
    b.totals = vec![
        StatusCount {
            label: s("已完成"),
            count: sum(|s| s.green) / 3,
            colour: Colour::Green,
        },
        StatusCount {
            label: s("序时推进"),
            count: sum(|s| s.green) - sum(|s| s.green) / 3,
            colour: Colour::Green,
        },
        StatusCount {
            label: s("滞后"),
            count: sum(|s| s.yellow),
            colour: Colour::Yellow,
        },
        StatusCount {
            label: s("严重滞后"),
            count: sum(|s| s.red),
            colour: Colour::Red,
        },
        StatusCount {
            label: s("未报送"),
            count: sum(|s| s.grey),
            colour: Colour::Grey,
        },
    ];
    b.indicators = (0..tasks / 5)
        .map(|i| {
            indicator(
                &format!("{}.{}", i / 8 + 1, i % 8 + 1),
                &format!("第{}项重点指标完成量", i + 1),
                "1,000个",
                &format!("{}个", 600 + i % 300),
                "74.8%",
                if i % 4 == 0 { "滞后" } else { "序时推进" },
                if i % 4 == 0 {
                    Colour::Yellow
                } else {
                    Colour::Green
                },
            )
        })
        .collect();
    let template = b.lagging.clone();
    b.lagging = (0..tasks / 10)
        .map(|i| {
            let mut t = template[i % template.len()].clone();
            t.code = format!("{}.{}", i / 4 + 1, i % 4 + 1);
            t.lead = units[i % units.len()].clone();
            t
        })
        .collect();
    b.late_units = (0..30)
        .map(|i| UnitTasks {
            unit: units[i].clone(),
            tasks: (0..5).map(|k| format!("{}.{}", i + 1, k + 1)).collect(),
        })
        .collect();
    b.missing_units = (30..40)
        .map(|i| UnitTasks {
            unit: units[i].clone(),
            tasks: (0..3).map(|k| format!("{}.{}", i + 1, k + 1)).collect(),
        })
        .collect();
    b.ranking = units
        .iter()
        .enumerate()
        .map(|(i, u)| RankRow {
            rank: i + 1,
            unit: u.clone(),
            score: 100.0 - i as f64 * 0.5,
            deductions: if i == 0 {
                s("")
            } else {
                format!("逾期报送{i}次 −{}", i * 5)
            },
        })
        .collect();
    b
}

/// A synthetic ledger sheet with `tasks` tasks of one or two targets each.
pub fn large_ledger(tasks: usize) -> LedgerSheet {
    let seed = seed_ledger(false);
    let mut rows = Vec::with_capacity(tasks * 3 / 2);
    for i in 0..tasks {
        let per = if i % 2 == 0 { 2 } else { 1 };
        for k in 0..per {
            let mut r = seed.rows[(i + k) % seed.rows.len()].clone();
            r.code = format!("{}.{}.{}", i / 40 + 1, i % 40 + 1, k + 1);
            rows.push(r);
        }
    }
    LedgerSheet { rows, ..seed }
}
