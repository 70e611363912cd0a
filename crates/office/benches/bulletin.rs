//! Rendering time of the office documents: the seed-sized bulletin and ledger (16 tasks) and
//! those of a synthetic 2,000-task plan, as DOCX, XLSX and HTML.
//!
//! Goals: under 200 ms for the seed, under 2 s for 2,000 tasks (each document).
//! Run: `cargo bench -p zhuanban-office --bench bulletin` (or `cargo xtask bench`). Timings on a
//! shared two-core machine are noisy; the best of several runs is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhuanban_office::{bulletin_docx, bulletin_html, ledger_xlsx};

#[path = "../tests/office/sample.rs"]
#[allow(dead_code)]
mod sample;

/// Best time of up to `runs` calls (at least one, stopping after `budget`), and the output size.
fn measure(runs: usize, budget: Duration, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut size = 0;
    let start = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        size = black_box(f());
        best = best.min(t.elapsed());
        if i > 0 && start.elapsed() > budget {
            break;
        }
    }
    (best, size)
}

fn report(name: &str, (d, size): (Duration, usize), goal: Duration) -> bool {
    let ok = d < goal;
    println!(
        "  {name:<22} {:>10.3} ms  {:>9} bytes  goal < {:>5} ms  {}",
        d.as_secs_f64() * 1e3,
        size,
        goal.as_millis(),
        if ok { "ok" } else { "SLOW" }
    );
    ok
}

fn main() {
    let seed = sample::seed_bulletin(false);
    let seed_ledger = sample::seed_ledger(false);
    let large = sample::large_bulletin(2000);
    let large_ledger = sample::large_ledger(2000);
    let seed_goal = Duration::from_millis(200);
    let large_goal = Duration::from_secs(2);
    let budget = Duration::from_secs(5);

    println!("office benchmark (best of several runs)");
    println!(
        "  seed: {} tasks, {} ledger rows; large: {} lagging tasks, {} indicators, {} ledger rows",
        seed.sections.iter().map(|s| s.total).sum::<usize>(),
        seed_ledger.rows.len(),
        large.lagging.len(),
        large.indicators.len(),
        large_ledger.rows.len()
    );
    let mut ok = true;
    ok &= report(
        "seed DOCX",
        measure(50, budget, || bulletin_docx(&seed).len()),
        seed_goal,
    );
    ok &= report(
        "seed XLSX",
        measure(50, budget, || ledger_xlsx(&seed_ledger).len()),
        seed_goal,
    );
    ok &= report(
        "seed HTML",
        measure(50, budget, || bulletin_html(&seed).len()),
        seed_goal,
    );
    ok &= report(
        "2,000 tasks DOCX",
        measure(5, budget, || bulletin_docx(&large).len()),
        large_goal,
    );
    ok &= report(
        "2,000 tasks XLSX",
        measure(5, budget, || ledger_xlsx(&large_ledger).len()),
        large_goal,
    );
    ok &= report(
        "2,000 tasks HTML",
        measure(5, budget, || bulletin_html(&large).len()),
        large_goal,
    );
    if !ok {
        println!("  some documents missed their goal");
    }
}
