//! How fast hostile workbooks are refused: the spreadsheet bombs of `zhuanban_testkit::bombs`
//! (a 1.8 KB sheet claiming cell XFD1048576, half a gigabyte of sheet XML in under 2 MB, the
//! same with headers that lie about their sizes, 1.1 million cells that compress tenfold) read
//! by [`zhuanban_office::sheet::first_sheet_csv`], the reader of every uploaded sheet.
//!
//! Goal: each refused in under 1 s. The tests check that each is refused, with the right
//! message and little memory (`tests/office/sheet.rs`); the time is measured here, where the
//! machine is not shared with other tests.
//! Run: `cargo bench -p zhuanban-office --bench bombs` (or `cargo xtask bench`). The best of
//! five runs is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhuanban_office::sheet::first_sheet_csv;
use zhuanban_testkit::bombs::{dense_xlsx, lying_sizes, many_cells_xlsx, sparse_xlsx};

fn main() {
    let goal = Duration::from_secs(1);
    let dense = dense_xlsx(1_900_000);
    let bombs = [
        ("sparse", sparse_xlsx()),
        ("lying sizes", lying_sizes(dense.clone())),
        ("dense", dense),
        ("many cells", many_cells_xlsx(70_000)),
    ];
    println!("spreadsheet bombs refused (best of 5 runs)");
    let mut all = true;
    for (name, bytes) in &bombs {
        let mut best = Duration::MAX;
        let mut message = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let out = black_box(first_sheet_csv(black_box(bytes)));
            best = best.min(t.elapsed());
            message = match out {
                Ok(csv) => format!("NOT REFUSED ({} bytes of CSV)", csv.len()),
                Err(e) => e,
            };
        }
        let ok = best < goal && !message.starts_with("NOT REFUSED");
        all &= ok;
        println!(
            "  {name:<12} {:>9} bytes  {:>9.1} ms  goal < {} ms  {}  {message}",
            bytes.len(),
            best.as_secs_f64() * 1e3,
            goal.as_millis(),
            if ok { "ok" } else { "MISSED" },
        );
    }
    println!(
        "{}",
        if all {
            "every bomb refused within the goal"
        } else {
            "a goal was missed"
        }
    );
}
