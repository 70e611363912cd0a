//! Reader throughput: the seed plan, and synthetic plans of 1 MB and 10 MB built from it
//! (each copy of the seed under a numbered part "第N部分"), to show that time grows linearly.
//!
//! Run: `cargo bench -p zhuanban-plan --bench reader` (or `cargo xtask bench`). Timings on a
//! shared two-core machine are noisy, so the figure that matters is the ratio within one run.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use zhuanban_plan::numeral::to_chinese;
use zhuanban_plan::{ReadOptions, read_bytes};

fn seed() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/plans/datonghu-regional-action-2024.txt"),
    )
    .unwrap()
}

/// A synthetic plan of about `bytes` bytes: copies of the seed, each under its own part.
fn synthetic(seed: &str, bytes: usize) -> String {
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
    out
}

/// Best time of `runs` reads (at least one, at most `budget` in total).
fn measure(text: &str, runs: usize, budget: Duration) -> (Duration, usize) {
    let opts = ReadOptions::new("bench");
    let mut best = Duration::MAX;
    let mut tasks = 0;
    let start = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        let r = read_bytes(black_box(text.as_bytes()), &opts).unwrap();
        best = best.min(t.elapsed());
        tasks = r.plan.tasks.len();
        if i > 0 && start.elapsed() > budget {
            break;
        }
    }
    (best, tasks)
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let seed = seed();
    let one = synthetic(&seed, 1_000_000);
    let ten = synthetic(&seed, 10_000_000);
    println!("reader benchmark (best of several runs)");
    let (d, n) = measure(&seed, 200, Duration::from_secs(5));
    println!(
        "  seed      {:>10} bytes  {:>6} tasks  {:>9.3} ms  {:>7.1} MB/s",
        seed.len(),
        n,
        d.as_secs_f64() * 1e3,
        mbps(seed.len(), d)
    );
    let (d1, n1) = measure(&one, 10, Duration::from_secs(20));
    println!(
        "  1 MB      {:>10} bytes  {:>6} tasks  {:>9.3} ms  {:>7.1} MB/s",
        one.len(),
        n1,
        d1.as_secs_f64() * 1e3,
        mbps(one.len(), d1)
    );
    let (d10, n10) = measure(&ten, 5, Duration::from_secs(60));
    println!(
        "  10 MB     {:>10} bytes  {:>6} tasks  {:>9.3} ms  {:>7.1} MB/s",
        ten.len(),
        n10,
        d10.as_secs_f64() * 1e3,
        mbps(ten.len(), d10)
    );
    let size_ratio = ten.len() as f64 / one.len() as f64;
    let time_ratio = d10.as_secs_f64() / d1.as_secs_f64();
    println!(
        "  growth: {size_ratio:.1}x the text took {time_ratio:.1}x the time (goal: at most {:.1}x)",
        size_ratio * 1.2
    );
}
