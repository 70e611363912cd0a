//! Reader throughput by shape of input, to show that time grows linearly with size.
//!
//! Shapes (each generated here, not read from committed files):
//! - `plans`: ordinary plans repeated (copies of the seed plan, each under its own part);
//! - `long-task`: a single task whose text runs on for many lines;
//! - `targets`: one task followed by many lines of targets;
//! - `deep`: deep numbering (一、/（一）/1．/（1）/① nested, repeated);
//! - `cells`: task tables copied one cell a line, with a category column before the 序号, a
//!   merged cell printed once, a unit cell printed one unit a line and an assessor column (rows
//!   lined up by what their cells hold);
//! - `column-words`: short lines that are all column words but never a header (no 序号);
//! - `docx`: a .docx of numbered paragraphs (Word automatic numbering), sized by its text (up to
//!   the paragraph limit; the time per byte is per byte of the .docx file).
//!
//! For each shape the bench reads inputs of about 0.1, 0.4, 1.6 and 10 MB and prints the time
//! per byte at each size and the growth factor of the time per byte from the smallest to the
//! largest (goal: at most 1.5). A shape stops growing when one read takes longer than the
//! budget (a quadratic path would otherwise run for minutes).
//!
//! Run: `cargo bench -p zhuanban-plan --bench reader` (or `cargo xtask bench`). Timings on a
//! shared two-core machine are noisy: the figure that matters is the ratio within one run.
//! `READER_BENCH_MAX_MB=2` caps the largest size; `READER_BENCH_SHAPES=deep,docx` picks shapes.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use zhuanban_plan::numeral::to_chinese;
use zhuanban_plan::{ReadOptions, docx, read_bytes};

#[path = "../tests/support/docx_builder.rs"]
mod docx_builder;

use docx_builder::{DocxPara, build_docx};

fn seed() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/plans/datonghu-regional-action-2024.txt"),
    )
    .unwrap()
}

/// (a) Copies of the seed, each under its own part.
fn plans(seed: &str, bytes: usize) -> Vec<u8> {
    let mut out = String::with_capacity(bytes + seed.len());
    let mut part = 1;
    while out.len() < bytes {
        out.push_str(&format!(
            "第{}部分 区域共进专项{}\n",
            to_chinese(part),
            part
        ));
        out.push_str(seed);
        out.push('\n');
        part += 1;
    }
    out.into_bytes()
}

/// (b) One task whose text runs on: prose with unit markers, dates and a few numbers.
fn long_task(bytes: usize) -> Vec<u8> {
    let mut out = String::from("一、工作任务\n1．推进重点项目建设。\n");
    let mut i = 0u64;
    while out.len() < bytes {
        i += 1;
        out.push_str(&format!(
            "加快推进第{i}批重点项目前期工作，2024年6月底前完成立项审批（区发改局牵头，区财政局配合）；\
             强化要素保障，落实“一项目一专班”机制，尽快协调解决用地、资金等问题，确保项目按期开工。\n"
        ));
    }
    out.into_bytes()
}

/// (c) One task followed by many lines of targets.
fn many_targets(bytes: usize) -> Vec<u8> {
    let mut out = String::from("一、工作目标\n");
    let mut i = 0u64;
    while out.len() < bytes {
        i += 1;
        out.push_str(&format!(
            "到2024年底，力争粮食产量稳定在{}万吨以上，新增城镇就业{}人，高标准农田达到{}.5万亩，\
             大湖水质达到III类以上，能耗下降3%。\n",
            12 + i % 7,
            1000 + i % 500,
            i % 9 + 1
        ));
    }
    out.into_bytes()
}

/// (d) Deep numbering, repeated.
fn deep(bytes: usize) -> Vec<u8> {
    let mut out = String::new();
    let mut top = 0u64;
    'outer: loop {
        top += 1;
        out.push_str(&format!("{}、第{top}项重点工作\n", to_chinese(top)));
        for a in 1..=5u64 {
            out.push_str(&format!("（{}）推进专项{a}\n", to_chinese(a)));
            for b in 1..=4u64 {
                out.push_str(&format!("{b}．落实事项{b}\n"));
                for c in 1..=3u64 {
                    out.push_str(&format!("（{c}）细化措施{c}\n"));
                    for d in ['①', '②'] {
                        out.push_str(&format!(
                            "{d}完成改造{c}个，2024年底前建成。（区住建局牵头，区财政局配合）\n"
                        ));
                    }
                }
                if out.len() >= bytes {
                    break 'outer;
                }
            }
        }
    }
    out.into_bytes()
}

/// (e) A .docx of `bytes / 30` numbered paragraphs (Word automatic numbering; about 60 bytes of
/// text each), capped just below `docx::MAX_PARAGRAPHS`: 60,000 paragraphs is the 1.6 MB size.
fn docx_plan(bytes: usize) -> Vec<u8> {
    let n = (bytes / 30).clamp(100, docx::MAX_PARAGRAPHS - 10);
    let mut paras = Vec::with_capacity(n);
    let mut i = 0;
    while paras.len() < n {
        i += 1;
        paras.push(DocxPara::Numbered {
            level: 0,
            text: format!("第{i}项工作"),
        });
        for j in 0..9 {
            paras.push(DocxPara::Numbered {
                level: 2,
                text: format!(
                    "完成任务{i}-{j}，新建{}个站点。（区发改局负责）",
                    (i * 7 + j) % 97
                ),
            });
        }
    }
    paras.truncate(n);
    build_docx(&paras)
}

/// (f) Task tables copied one cell a line, 1,000 rows each (row numbers stay short).
fn cells(bytes: usize) -> Vec<u8> {
    let mut out = String::new();
    let mut table = 0;
    while out.len() < bytes {
        table += 1;
        out.push_str(&format!(
            "附件{table}\n青川县乡村振兴任务清单\n考核项目\n序号\n考核指标\n考核内容\n单位\n年度目标\n责任部门\n评分部门\n农业高质高效\n"
        ));
        for i in 1..=1000 {
            if out.len() >= bytes {
                break;
            }
            if i % 2 == 1 {
                out.push_str(&format!(
                    "{i}\n确保重要农产品有效供给\n农林牧渔业增加值增幅\n%\n≥2%\n县海洋与渔业局\n县农业农村局\n市农业农村局\n"
                ));
            } else {
                out.push_str(&format!(
                    "{i}\n粮食播种面积\n万亩\n0.07\n县农业农村局\n市农业农村局\n"
                ));
            }
        }
    }
    out.into_bytes()
}

/// (g) Lines of column words that never make a header.
fn column_words(bytes: usize) -> Vec<u8> {
    let mut out = String::from("一、工作任务\n1．推进重点工作。\n");
    while out.len() < bytes {
        out.push_str("推进工作落实\n牵头单位\n配合单位\n工作内容\n");
    }
    out.into_bytes()
}

/// Best time of `runs` reads (at least one, at most `budget` in total).
fn measure(bytes: &[u8], runs: usize, budget: Duration) -> (Duration, usize) {
    let opts = ReadOptions::new("bench");
    let mut best = Duration::MAX;
    let mut tasks = 0;
    let start = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        let r = read_bytes(black_box(bytes), &opts).unwrap();
        best = best.min(t.elapsed());
        tasks = r.plan.tasks.len();
        if i > 0 && start.elapsed() > budget {
            break;
        }
    }
    (best, tasks)
}

type Gen = Box<dyn Fn(usize) -> Vec<u8>>;

fn main() {
    let seed = seed();
    let max_mb: f64 = std::env::var("READER_BENCH_MAX_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10.0);
    let sizes: Vec<usize> = [0.1, 0.4, 1.6, 10.0]
        .iter()
        .filter(|&&mb| mb <= max_mb)
        .map(|mb| (mb * 1e6) as usize)
        .collect();
    let shapes: Vec<(&str, Gen)> = vec![
        ("plans", Box::new(move |n| plans(&seed, n))),
        ("long-task", Box::new(long_task)),
        ("targets", Box::new(many_targets)),
        ("deep", Box::new(deep)),
        ("cells", Box::new(cells)),
        ("column-words", Box::new(column_words)),
        ("docx", Box::new(docx_plan)),
    ];
    let give_up = Duration::from_secs(20);
    println!("reader benchmark (best of several runs; ns per input byte)");
    let mut all_ok = true;
    let only = std::env::var("READER_BENCH_SHAPES").unwrap_or_default();
    for (name, generate) in &shapes {
        if !only.is_empty() && !only.split(',').any(|o| o == *name) {
            continue;
        }
        let mut first: Option<f64> = None;
        let mut last = 0.0;
        let mut stopped = false;
        for &size in &sizes {
            let input = generate(size);
            let runs = if size <= 500_000 { 5 } else { 2 };
            let (d, tasks) = measure(&input, runs, Duration::from_secs(10));
            let ns_per_byte = d.as_secs_f64() * 1e9 / input.len() as f64;
            println!(
                "  {name:<10} {:>10} bytes {:>7} tasks {:>10.1} ms {:>7.1} ns/B {:>7.1} MB/s",
                input.len(),
                tasks,
                d.as_secs_f64() * 1e3,
                ns_per_byte,
                input.len() as f64 / 1e6 / d.as_secs_f64()
            );
            first.get_or_insert(ns_per_byte);
            last = ns_per_byte;
            if d > give_up {
                println!("  {name:<10} stopped: one read took over {give_up:?}");
                stopped = true;
                break;
            }
        }
        let growth = last / first.unwrap_or(last);
        let ok = growth <= 1.5 && !stopped;
        all_ok &= ok;
        println!(
            "  {name:<10} growth of time per byte, smallest to largest: {growth:.2}x (goal ≤ 1.5x) {}",
            if ok { "ok" } else { "TOO MUCH" }
        );
    }
    println!(
        "{}",
        if all_ok {
            "all shapes linear"
        } else {
            "some shape is not linear"
        }
    );
}
