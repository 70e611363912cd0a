//! Air-quality data at the scale of a prefecture's network over a decade: 100 stations, 10 years
//! of hourly data (2017–2026, so both the 2012 and the 2026 standards apply), six pollutants per
//! line in the wide format CNEMC exports use — 87,672 lines per station, about 8.8 million lines
//! and 52 million values in all. Each station's CSV text is generated in memory from a seeded
//! xorshift generator (with seasonal and daily cycles, about 1% blank cells and a few invalid
//! flags), then parsed (`series::parse_csv`) and evaluated: daily means and O3 daily max 8-h
//! means, each year's HJ 663 statistics for the six pollutants, and the daily AQI of every day.
//! One station's file is processed at a time, as an import would.
//!
//! Reports the time to parse and to evaluate, lines per second, the 10-year run against the goal
//! (under 30 s), the linearity of 10 years against 1 year (time per line), and peak memory.
//!
//! Run: `cargo bench -p zhuanban-ledger --bench air`. Timings on a shared machine are noisy;
//! compare the ratios within one run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use zhuanban_standards::air::{self, AqiLevel, Grade, Pollutant};
use zhuanban_standards::decimal::{Comparison, Decimal, NonDetect};
use zhuanban_standards::series::{AirItem, CsvOptions, Item, Series, parse_csv};

const SITES: usize = 100;
const FIRST_YEAR: i32 = 2017;
const YEARS: i32 = 10;

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
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One station's hourly CSV for `years` years from `FIRST_YEAR`.
fn station_csv(site: usize, years: i32, rng: &mut Rng) -> (String, usize) {
    let mut out = String::with_capacity(years as usize * 8784 * 48);
    out.push_str("时间,站点,SO2,NO2,CO,O3,PM10,PM2.5,标识\n");
    let name = format!("站点{site:03}");
    let mut day = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(FIRST_YEAR + years - 1, 12, 31).unwrap();
    let mut lines = 0;
    let base = 0.8 + 0.4 * rng.unit();
    while day <= end {
        // Winter is dirtier, summer has more ozone.
        let season = ((day.ordinal() as f64 / 366.0) * std::f64::consts::TAU).cos();
        let episode = if rng.unit() < 0.05 { 2.5 } else { 1.0 };
        for h in 0..24u32 {
            let daily = ((h as f64 - 14.0) / 24.0 * std::f64::consts::TAU).cos();
            let noise = |r: &mut Rng| 0.7 + 0.6 * r.unit();
            let pm25 = base * episode * (38.0 + 22.0 * season) * noise(rng);
            let pm10 = pm25 * (1.5 + 0.3 * rng.unit());
            let so2 = base * (9.0 + 5.0 * season) * noise(rng);
            let no2 = base * (30.0 + 10.0 * season - 8.0 * daily) * noise(rng);
            let co = base * (0.8 + 0.3 * season) * noise(rng);
            let o3 = (70.0 - 40.0 * season + 45.0 * daily).max(2.0) * noise(rng);
            let cell = |v: f64, r: &mut Rng, places: usize| {
                if r.unit() < 0.01 {
                    String::new()
                } else {
                    format!("{v:.places$}")
                }
            };
            let flag = if rng.unit() < 0.002 { "PZ" } else { "" };
            let _ = writeln!(
                out,
                "{} {h:02}:00,{name},{},{},{},{},{},{},{flag}",
                day,
                cell(so2, rng, 0),
                cell(no2, rng, 0),
                cell(co, rng, 1),
                cell(o3, rng, 0),
                cell(pm10, rng, 0),
                cell(pm25, rng, 0),
            );
            lines += 1;
        }
        day = day.succ_opt().unwrap();
    }
    (out, lines)
}

/// What one station's evaluation found (to check the work is real).
#[derive(Default)]
struct Findings {
    years: usize,
    valid_years: usize,
    compliant: usize,
    days: usize,
    good_days: usize,
    pm25_means: Vec<Decimal>,
}

fn evaluate(series: &Series, f: &mut Findings) {
    let site = 0;
    let mut daily: BTreeMap<Pollutant, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
    for p in Pollutant::ALL {
        let hourly: Vec<(NaiveDateTime, Decimal)> = series
            .of(site, Item::Air(AirItem::of(p)))
            .iter()
            .filter(|o| o.valid)
            .map(|o| (o.time, o.value.for_mean(NonDetect::HalfLimit)))
            .collect();
        daily.insert(p, air::daily_values(p, &hourly, Grade::II));
    }
    for (p, days) in &daily {
        let mut i = 0;
        while i < days.len() {
            let year = days[i].0.year();
            let j = i + days[i..].partition_point(|(d, _)| d.year() == year);
            let a = air::annual(*p, &days[i..j], Grade::II, Comparison::Rounded);
            f.years += 1;
            f.valid_years += a.validity.valid as usize;
            f.compliant += (a.meets == Some(true)) as usize;
            if *p == Pollutant::Pm25
                && let Some(m) = a.mean
            {
                f.pm25_means.push(m);
            }
            i = j;
        }
    }
    for (_, aqi) in air::daily_aqi(&daily) {
        f.days += 1;
        f.good_days += (aqi.level <= AqiLevel::Good) as usize;
    }
}

struct Run {
    lines: usize,
    values: usize,
    generate: Duration,
    parse: Duration,
    evaluate: Duration,
    findings: Findings,
}

fn run(years: i32) -> Run {
    let mut rng = Rng(0x5EED_A1A1_2017_0663);
    let mut opts = CsvOptions::air();
    opts.invalid_flags = vec!["PZ".into()];
    let mut r = Run {
        lines: 0,
        values: 0,
        generate: Duration::ZERO,
        parse: Duration::ZERO,
        evaluate: Duration::ZERO,
        findings: Findings::default(),
    };
    for site in 0..SITES {
        let t = Instant::now();
        let (csv, lines) = station_csv(site, years, &mut rng);
        r.generate += t.elapsed();
        let t = Instant::now();
        let parsed = parse_csv(black_box(&csv), &opts).expect("generated CSV parses");
        r.parse += t.elapsed();
        drop(csv);
        r.lines += lines;
        r.values += parsed.series.observations.len();
        let t = Instant::now();
        evaluate(black_box(&parsed.series), &mut r.findings);
        r.evaluate += t.elapsed();
    }
    r
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

fn report(label: &str, r: &Run) -> f64 {
    let work = r.parse + r.evaluate;
    let per_line = work.as_secs_f64() / r.lines as f64;
    println!(
        "  {label:<8} {:>9} lines {:>10} values   parse {:>7.2} s   evaluate {:>6.2} s   \
         total {:>7.2} s   {:>9.0} lines/s   (generate {:.2} s, not counted)",
        r.lines,
        r.values,
        r.parse.as_secs_f64(),
        r.evaluate.as_secs_f64(),
        work.as_secs_f64(),
        1.0 / per_line,
        r.generate.as_secs_f64(),
    );
    per_line
}

fn main() {
    println!(
        "air benchmark: {SITES} stations, hourly data from {FIRST_YEAR}, 6 pollutants per line, \
         one station's CSV at a time"
    );
    let one = run(1);
    let p1 = report("1 year", &one);
    let ten = run(YEARS);
    let p10 = report("10 years", &ten);
    let total = ten.parse + ten.evaluate;
    println!(
        "  goal     10 years under 30 s:  {:.2} s   {}",
        total.as_secs_f64(),
        verdict(total < Duration::from_secs(30))
    );
    let ratio = p10 / p1;
    println!(
        "  linear   time per line, 10 years / 1 year = {ratio:.2}   (1.00 is linear; goal < 1.5: {})",
        verdict(ratio < 1.5)
    );
    match peak_memory() {
        Some(b) => println!(
            "  peak mem {:>7.1} MiB (VmHWM)",
            b as f64 / (1u64 << 20) as f64
        ),
        None => println!("  peak mem unavailable (no /proc/self/status)"),
    }
    let f = &ten.findings;
    let mut means = f.pm25_means.clone();
    means.sort();
    println!(
        "  findings {} station-years × pollutants, {} with valid data, {} compliant; {} days, \
         {:.1}% 优良; PM2.5 annual means {}–{} μg/m³",
        f.years,
        f.valid_years,
        f.compliant,
        f.days,
        100.0 * f.good_days as f64 / f.days.max(1) as f64,
        means.first().map_or("-".into(), |m| m.to_string()),
        means.last().map_or("-".into(), |m| m.to_string()),
    );
}
