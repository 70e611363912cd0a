//! The judgement of progress at the scale of a province: 1,000 plans of 100 tasks each (100,000
//! tasks), about 300,000 targets of every kind with 12 monthly rounds of values (about 3.6
//! million values), and about 100,000 milestones, built in memory from a seeded xorshift
//! generator. Reports the build time, the time to evaluate everything as of one date (best of
//! several runs), the time to evaluate one plan (best of many) and the peak memory (VmHWM).
//!
//! Run: `cargo bench -p zhuanban-ledger --bench evaluate`. Timings on a shared machine are
//! noisy; the best of several runs is the figure to compare with the goals.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use zhuanban_ledger::evaluate::{LeadReport, MilestoneView, PlanView, TargetView, TaskView};
use zhuanban_ledger::{
    Cmp, Colour, Hardness, PlanSettings, ReportState, Snapshot, Status, TargetKind, evaluate,
};

const PLANS: usize = 1_000;
const TASKS_PER_PLAN: usize = 100;
const ROUNDS: u32 = 12;
const UNITS: i64 = 2_000;

/// xorshift64*: small, seeded, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The last day of a month of 2024 (1–12) or, past 12, of 2025.
fn month_end(m: u32) -> NaiveDate {
    let (y, m) = if m > 12 { (2025, m - 12) } else { (2024, m) };
    let next = if m == 12 {
        date(y + 1, 1, 1)
    } else {
        date(y, m + 1, 1)
    };
    next.pred_opt().unwrap()
}

/// The as-of dates of the 12 monthly rounds.
fn rounds() -> Vec<NaiveDate> {
    (1..=ROUNDS).map(month_end).collect()
}

fn target(rng: &mut Rng, id: i64, rounds: &[NaiveDate]) -> TargetView {
    let hardness = match rng.range(0, 10) {
        0..=2 => Hardness::Firm,
        3..=5 => Hardness::Stretch,
        _ => Hardness::Plain,
    };
    let deadline = if rng.chance(0.3) {
        Some(month_end(rng.range(3, 19) as u32))
    } else {
        None
    };
    let kind_roll = rng.range(0, 100);
    let (kind, cmp, value, mean) = match kind_roll {
        0..=39 => {
            let scale = [3.0, 12.0, 50.0, 1200.0, 15000.0][rng.range(0, 5) as usize];
            (TargetKind::Cumulative, Cmp::AtLeast, scale, false)
        }
        40..=59 => {
            let cmp = if rng.chance(0.8) {
                Cmp::AtLeast
            } else {
                Cmp::Equal
            };
            (TargetKind::Level, cmp, rng.range(60, 100) as f64, false)
        }
        60..=74 => {
            if rng.chance(0.6) {
                (
                    TargetKind::Growth,
                    Cmp::AtLeast,
                    rng.range(3, 11) as f64,
                    false,
                )
            } else {
                let cmp = if rng.chance(0.5) {
                    Cmp::AtMost
                } else {
                    Cmp::About
                };
                (TargetKind::Growth, cmp, -rng.range(1, 6) as f64, false)
            }
        }
        75..=89 => {
            let value = if rng.chance(0.5) { 0.08 } else { 35.0 };
            (TargetKind::Limit, Cmp::AtMost, value, rng.chance(0.5))
        }
        _ => (TargetKind::Class, Cmp::AtMost, 3.0, false),
    };
    // How fast this target goes: some ahead, most around time, some far behind.
    let pace = rng.between(0.3, 1.4);
    let series = rounds
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let k = (i + 1) as f64 / rounds.len() as f64;
            let v = match kind {
                TargetKind::Cumulative => (value * (pace * k).min(1.2)).round(),
                TargetKind::Level => value + rng.between(-6.0, 4.0),
                TargetKind::Growth => value + rng.between(-3.0, 3.0),
                TargetKind::Limit => value * rng.between(0.85, 1.15),
                TargetKind::Class => rng.range(1, 5) as f64,
            };
            (d, v)
        })
        .collect();
    TargetView {
        id: zhuanban_ledger::TargetId(id),
        value,
        cmp,
        hardness,
        kind,
        deadline,
        mean,
        series,
        monitored: None,
    }
}

/// A province: `PLANS` snapshots of `TASKS_PER_PLAN` tasks each.
fn build(seed: u64) -> Vec<Snapshot> {
    let mut rng = Rng(seed);
    let rounds = rounds();
    let mut next_id = 1i64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    (0..PLANS)
        .map(|_| {
            let start = date(2024, 1, 1) + chrono::Days::new(rng.range(0, 60) as u64);
            let end = if rng.chance(0.8) {
                date(2024, 12, 31)
            } else {
                date(2025, 6, 30)
            };
            let tasks = (0..TASKS_PER_PLAN)
                .map(|i| {
                    let lead = (0..rng.range(1, 3))
                        .map(|_| zhuanban_ledger::UnitId(rng.range(1, UNITS)))
                        .collect();
                    let support = (0..rng.range(0, 5))
                        .map(|_| zhuanban_ledger::UnitId(rng.range(1, UNITS)))
                        .collect();
                    let targets = (0..rng.range(1, 6))
                        .map(|_| target(&mut rng, id(), &rounds))
                        .collect();
                    let milestones = (0..rng.range(0, 3))
                        .map(|_| MilestoneView {
                            id: zhuanban_ledger::MilestoneId(id()),
                            deadline: rng.chance(0.7).then(|| month_end(rng.range(2, 19) as u32)),
                            done_on: rng
                                .chance(0.5)
                                .then(|| month_end(rng.range(1, 13) as u32) - chrono::Days::new(3)),
                        })
                        .collect();
                    TaskView {
                        id: zhuanban_ledger::TaskId(id()),
                        code: format!("{}.{}.{}", i / 20 + 1, i / 5 % 4 + 1, i % 5 + 1),
                        lead,
                        support,
                        targets,
                        milestones,
                        round_reports: Some(if rng.chance(0.08) {
                            vec![]
                        } else {
                            vec![LeadReport {
                                state: ReportState::Accepted,
                                late: false,
                            }]
                        }),
                        any_accepted: rng.chance(0.95),
                    }
                })
                .collect();
            Snapshot {
                plan: PlanView {
                    start,
                    end,
                    settings: PlanSettings::default(),
                },
                tasks,
            }
        })
        .collect()
}

/// Best time of `runs` runs of `f` (at least two, at most `budget` in total).
fn best<T>(runs: usize, budget: Duration, mut f: impl FnMut() -> T) -> Duration {
    let mut best = Duration::MAX;
    let start = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        black_box(f());
        best = best.min(t.elapsed());
        if i > 0 && start.elapsed() > budget {
            break;
        }
    }
    best
}

/// The process's peak resident memory (VmHWM), in bytes.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "NOT MET" }
}

fn main() {
    let t = Instant::now();
    let province = build(0x5EED_2024_0AC7_1011);
    let build_time = t.elapsed();
    let tasks: usize = province.iter().map(|s| s.tasks.len()).sum();
    let targets: usize = province
        .iter()
        .flat_map(|s| &s.tasks)
        .map(|t| t.targets.len())
        .sum();
    let values: usize = province
        .iter()
        .flat_map(|s| &s.tasks)
        .flat_map(|t| &t.targets)
        .map(|t| t.series.len())
        .sum();
    let milestones: usize = province
        .iter()
        .flat_map(|s| &s.tasks)
        .map(|t| t.milestones.len())
        .sum();
    let as_of = date(2024, 10, 31);

    println!("evaluation benchmark, as of {as_of}");
    println!(
        "  snapshot  {PLANS} plans, {tasks} tasks, {targets} targets, {values} values, \
         {milestones} milestones"
    );
    println!("  build     {:>10.1} ms", build_time.as_secs_f64() * 1e3);

    // Once, for the distribution (and to check the work is real).
    let mut totals: BTreeMap<Status, usize> = BTreeMap::new();
    let mut colours: BTreeMap<Colour, usize> = BTreeMap::new();
    for s in &province {
        let ev = evaluate(s, as_of);
        for (k, v) in ev.totals {
            *totals.entry(k).or_default() += v;
        }
        for (k, v) in ev.colours {
            *colours.entry(k).or_default() += v;
        }
    }
    let all = best(5, Duration::from_secs(30), || {
        province
            .iter()
            .map(|s| evaluate(black_box(s), black_box(as_of)))
            .collect::<Vec<_>>()
    });
    let one = best(500, Duration::from_secs(5), || {
        evaluate(black_box(&province[0]), black_box(as_of))
    });
    let peak = peak_memory();

    println!(
        "  province  {:>10.1} ms   {:>9.0} tasks/s   goal < 2000 ms:   {}",
        all.as_secs_f64() * 1e3,
        tasks as f64 / all.as_secs_f64(),
        verdict(all < Duration::from_secs(2))
    );
    println!(
        "  one plan  {:>10.3} ms   {:>9} tasks     goal < 10 ms:     {}",
        one.as_secs_f64() * 1e3,
        province[0].tasks.len(),
        verdict(one < Duration::from_millis(10))
    );
    match peak {
        Some(b) => println!(
            "  peak mem  {:>10.1} MiB  (VmHWM)           goal < 1024 MiB:  {}",
            b as f64 / (1u64 << 20) as f64,
            verdict(b < 1 << 30)
        ),
        None => println!("  peak mem  unavailable (no /proc/self/status)"),
    }
    println!("  statuses  {}", counts(&totals, |s| s.as_str()));
    println!("  colours   {}", counts(&colours, |c| c.as_str()));
}

fn counts<K>(m: &BTreeMap<K, usize>, name: impl Fn(&K) -> &'static str) -> String {
    m.iter()
        .map(|(k, v)| format!("{} {v}", name(k)))
        .collect::<Vec<_>>()
        .join(", ")
}
